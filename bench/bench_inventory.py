"""Inventory at size: 300k variants, 10M movements (cached in bench/.data/inventory-10m.db).

Figures: stock level lookup for a SKU, db check of the stock invariant, restock/sell throughput
from one process, stocktake post of 10,000 lines, p99 of one sale with 3 processes selling.
Each figure is printed as wall time and, beside it, the CPU time of this process (or of the
selling processes), so a machine shared with other work still shows what the code costs.

Latencies (the lookup, one sale) are per call, wall and CPU, at p50/p95/p99. The first calls of a
process are warm-up and not counted (statement compilation, the driver's statement cache, the
store's first pages). The garbage collector is left as it is (no ``gc.freeze()``): measured with
``gc.callbacks``, 20,000 lookups trigger no collection and 1,000 restocks two young ones of 0.07 ms,
so it is not what the tail is made of.

The cached store is rebuilt when ``STORE_VERSION`` differs from the one written beside it (bump it
whenever 0003_inventory changes, since an unreleased migration is edited in place); migrations
added after it are applied to the cached store.
"""

from __future__ import annotations

import multiprocessing
import random
import sqlite3
import time
from datetime import UTC, datetime, timedelta

from bench._data import fill_row
from bench._engine import store_url
from bench._report import DATA, figure, percentile, time_calls

VARIANTS = 300_000
MOVEMENTS = 10_000_000
STOCKTAKE_LINES = 10_000
STORE = DATA / "inventory-10m.db"
STORE_VERSION = "2: 0003 with ix_stock_level_out"  # bump when 0003_inventory or the data below change
VERSION_FILE = STORE.with_name(STORE.name + ".version")
MOVES_PER_VARIANT = MOVEMENTS // VARIANTS  # 33: one receive of 40, then sales of 1
EXTRA = MOVEMENTS - MOVES_PER_VARIANT * VARIANTS  # the first EXTRA variants get one more receive of 1


def _fill_row(con: sqlite3.Connection, table: str, given: dict[str, object]) -> tuple[list[str], list[object]]:
    """Columns and a template row (this store's plain time has no microseconds)."""
    return fill_row(con, table, given, plain_time="2026-01-01 00:00:00")


def _build() -> None:
    from shoptui import db

    tmp = STORE.with_suffix(".building")
    for path in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
        path.unlink(missing_ok=True)
    db.upgrade(str(tmp), backup=False)
    db.dispose_all()
    started = time.perf_counter()
    con = sqlite3.connect(tmp)
    con.execute("PRAGMA journal_mode = OFF")
    con.execute("PRAGMA synchronous = OFF")
    con.execute("INSERT INTO category (name, slug, position, path, created_at, updated_at) "
                "VALUES ('Bench shelf', 'bench-shelf', 0, '/1/', '2026-01-01 00:00:00', '2026-01-01 00:00:00')")
    pcols, prow = _fill_row(con, "product", {"id": 0, "title": "", "status": "active", "category_id": None})
    vcols, vrow = _fill_row(con, "variant", {"id": 0, "product_id": 0, "sku": "", "barcode": None,
                                             "price_minor": 1000, "cost_minor": 400, "track_stock": 1})
    pi, ti, ci = pcols.index("id"), pcols.index("title"), pcols.index("category_id")
    vi, vp, vs, vb = vcols.index("id"), vcols.index("product_id"), vcols.index("sku"), vcols.index("barcode")

    def products():  # type: ignore[no-untyped-def]
        for n in range(1, VARIANTS + 1):
            row = list(prow)
            row[pi], row[ti], row[ci] = n, f"Bench product {n}", 1 if n <= STOCKTAKE_LINES else None
            yield row

    def variants():  # type: ignore[no-untyped-def]
        for n in range(1, VARIANTS + 1):
            row = list(vrow)
            row[vi], row[vp], row[vs], row[vb] = n, n, f"SKU-{n:06d}", f"69{n:011d}"
            yield row

    con.executemany(f"INSERT INTO product ({','.join(pcols)}) VALUES ({','.join('?' * len(pcols))})", products())
    con.executemany(f"INSERT INTO variant ({','.join(vcols)}) VALUES ({','.join('?' * len(vcols))})", variants())
    start = datetime(2026, 1, 1, tzinfo=UTC)

    def movements():  # type: ignore[no-untyped-def]
        for round_ in range(MOVES_PER_VARIANT + 1):
            at = (start + timedelta(hours=round_)).strftime("%Y-%m-%d %H:%M:%S.000000")
            for vid in range(1, VARIANTS + 1):
                if round_ == 0:
                    yield (vid, 1, "receive", 40, 0, 400, "", "bench", "script", at)
                elif round_ < MOVES_PER_VARIANT:
                    yield (vid, 1, "sale", -1, 0, 400, "", "bench", "script", at)
                elif vid <= EXTRA:
                    yield (vid, 1, "receive", 1, 0, 400, "", "bench", "script", at)

    con.executemany("INSERT INTO stock_movement (variant_id, location_id, kind, quantity, committed_change, "
                    "unit_cost_minor, note, actor, source, at) VALUES (?,?,?,?,?,?,?,?,?,?)", movements())
    on_hand = 40 - (MOVES_PER_VARIANT - 1)
    con.executemany("INSERT INTO stock_level (variant_id, location_id, on_hand, committed, incoming, alerted, "
                    "updated_at) VALUES (?, 1, ?, 0, 0, 0, '2026-01-02 00:00:00')",
                    ((vid, on_hand + (1 if vid <= EXTRA else 0)) for vid in range(1, VARIANTS + 1)))
    con.commit()
    con.execute("ANALYZE")
    con.execute("PRAGMA journal_mode = WAL")
    con.close()
    for path in (STORE, STORE.with_name(STORE.name + "-wal"), STORE.with_name(STORE.name + "-shm")):
        path.unlink(missing_ok=True)
    tmp.rename(STORE)
    VERSION_FILE.write_text(STORE_VERSION, encoding="utf-8")
    print(f"   (built {STORE.name}: {VARIANTS:,} variants, {MOVEMENTS:,} movements in "
          f"{time.perf_counter() - started:.0f} s; reused next time)")


def ensure_store() -> str:
    """The bench store's URL: built when missing or of another version, upgraded to the current schema."""
    from shoptui import db

    version = VERSION_FILE.read_text(encoding="utf-8").strip() if VERSION_FILE.exists() else None
    if not STORE.exists() or version != STORE_VERSION:
        if STORE.exists():
            print(f"   (cached store is version {version!r}, this bench needs {STORE_VERSION!r}: rebuilding)")
        _build()
    db.upgrade(f"sqlite:///{STORE}", backup=False)  # migrations of other modules added since the store was built
    db.dispose_all()
    return store_url(STORE, STORE_VERSION)


def _per_call(fn, repeat: int) -> tuple[list[float], list[float]]:  # type: ignore[no-untyped-def]
    """Wall and CPU milliseconds of each of ``repeat`` calls."""
    wall, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    return wall, cpu


def _spread(samples: list[float]) -> str:
    return "/".join(f"{percentile(samples, p):.2f}" for p in (50, 95, 99))


SELLER_WARM_UP = 20  # sales per process not counted: first statements, first pages, first lock file


def _seller(url: str, first: int, count: int) -> tuple[list[float], list[float]]:
    from shoptui import db
    from shoptui.config import Actor
    from shoptui.services.inventory import sell

    actor = Actor(name="bench", source="script")
    samples, cpu = [], []
    for n, vid in enumerate(range(first, first + count + SELLER_WARM_UP)):
        started, started_cpu = time.perf_counter(), time.process_time()
        with db.transaction(url) as session:
            sell(session=session, actor=actor, variant_id=vid, quantity=1, ref_kind=None, ref_id=None)
        if n >= SELLER_WARM_UP:
            samples.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
    return samples, cpu


def run() -> None:
    from shoptui import db
    from shoptui.config import Actor
    from shoptui.services import inventory, shop
    from shoptui.services.inventory import check_stock_ledger, find_variant, level_of, levels_for, restock, sell

    url = ensure_store()
    actor = Actor(name="bench", source="script")
    rng = random.Random(7)

    # 1. stock level lookup for a SKU
    with db.read_session(url) as session:
        def lookup() -> None:
            level_of(session, f"SKU-{rng.randint(1, VARIANTS):06d}")
        time_calls(lookup, 200)  # warm-up (see the module docstring)
        samples, cpu = _per_call(lookup, 5000)
    figure("stock level lookup for a SKU (p50, wall)", percentile(samples, 50), 2,
           note=f"p50/p95/p99 wall {_spread(samples)} ms")
    figure("stock level lookup for a SKU (p99, wall)", percentile(samples, 99), 2)
    figure("stock level lookup for a SKU (p99, CPU time)", percentile(cpu, 99), 2,
           note=f"p50/p95/p99 cpu {_spread(cpu)} ms")

    # 2. db check of the stock invariant
    with db.read_session(url) as session:
        started, cpu = time.perf_counter(), time.process_time()
        problems = check_stock_ledger(session=session)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    figure("db check: levels == sum of 10M movements", elapsed, 10, "s",
           note=f"cpu {cpu:.2f} s; {len(problems)} problem(s)")

    # 3. restock/sell throughput from one process, one transaction per movement
    for i in range(20):  # warm-up: the write statements' first compilation
        with db.transaction(url) as session:
            restock(session=session, actor=actor, code=f"SKU-{STOCKTAKE_LINES + 1 + i:06d}", quantity=1)
    n = 2000
    ahead = random.Random()
    ahead.setstate(rng.getstate())  # the SKUs the loop below sells: every run sells the same ones again
    codes = [f"SKU-{ahead.randint(STOCKTAKE_LINES + 1, VARIANTS):06d}" for _ in range(n)]
    sold = set(codes[1::2])  # odd movements are the sales
    with db.transaction(url) as session:  # top up the ones that would run out (not timed)
        for code in sold:
            variant = find_variant(session, code)
            if levels_for(session, [variant.id])[variant.id].available < 2:
                restock(session=session, actor=actor, code=code, quantity=10)
    started, cpu = time.perf_counter(), time.process_time()
    for i in range(n):
        code = f"SKU-{rng.randint(STOCKTAKE_LINES + 1, VARIANTS):06d}"
        with db.transaction(url) as session:
            if i % 2:
                variant = find_variant(session, code)
                sell(session=session, actor=actor, variant_id=variant.id, quantity=1, ref_kind=None,
                               ref_id=None)
            else:
                restock(session=session, actor=actor, code=code, quantity=2)
    rate, cpu_rate = n / (time.perf_counter() - started), n / (time.process_time() - cpu)
    figure("restock/sell, one transaction each (wall)", rate, 1000, "mov/s", higher_is_better=True)
    figure("restock/sell, one transaction each (CPU time)", cpu_rate, 1000, "mov/s", higher_is_better=True,
           note=f"{1000 / cpu_rate:.2f} ms CPU per movement")
    started, cpu = time.perf_counter(), time.process_time()
    for batch in range(10):
        with db.transaction(url) as session:
            for i in range(100):
                code = f"SKU-{STOCKTAKE_LINES + 1 + batch * 100 + i:06d}"
                restock(session=session, actor=actor, code=code, quantity=1)
    rate, cpu_rate = 1000 / (time.perf_counter() - started), 1000 / (time.process_time() - cpu)
    figure("restock, 100 per transaction (wall)", rate, 1000, "mov/s", higher_is_better=True)
    figure("restock, 100 per transaction (CPU time)", cpu_rate, 1000, "mov/s", higher_is_better=True)

    # 4. p99 of one sale with 3 processes selling at once
    sellers = [(url, 100_000 + k * 1000, 300) for k in range(3)]
    with db.transaction(url) as session:  # every run sells these again: top up the ones sold out
        for _, first, count in sellers:
            for vid in range(first, first + count + SELLER_WARM_UP):
                if levels_for(session, [vid])[vid].available < 1:
                    restock(session=session, actor=actor, code=f"SKU-{vid:06d}", quantity=10)
    ctx = multiprocessing.get_context("spawn")
    db.dispose_all()
    with ctx.Pool(3) as pool:
        results = pool.starmap(_seller, sellers)
    latencies = [ms for r, _ in results for ms in r]
    cpu_ms = [ms for _, c in results for ms in c]
    figure("one sale, 3 processes selling (p99, wall)", percentile(latencies, 99), 50,
           note=f"p50/p95/p99 wall {_spread(latencies)} ms, max {max(latencies):.0f} ms")
    figure("one sale, 3 processes selling (CPU per sale, p99)", percentile(cpu_ms, 99), 50,
           note=f"p50/p95/p99 cpu {_spread(cpu_ms)} ms")

    # 5. stocktake post of 10,000 lines (the bench shelf category)
    with db.transaction(url) as session:
        for key in ("stocktake_variance_units", "stocktake_variance_bp", "stocktake_variance_value"):
            shop.set_value(session=session, actor=actor, key=key, raw="0")
        stuck = inventory.list_stocktakes(session=session, limit=5)
        for take in stuck:
            if take.status == "counting":
                inventory.cancel(session=session, actor=actor, stocktake_id=take.id)
        take = inventory.start_stocktake(session=session, actor=actor, category_id=1)
        fresh = random.Random()  # new counts every run, so the post always has variances to book
        csv_text = "\n".join(f"SKU-{n:06d},{fresh.randint(5, 12)}" for n in range(1, STOCKTAKE_LINES + 1))
        inventory.import_counts(session=session, actor=actor, stocktake_id=take.id, text=csv_text)
    started, cpu = time.perf_counter(), time.process_time()
    with db.transaction(url) as session:
        report = inventory.post(session=session, actor=actor, stocktake_id=take.id, uncounted="keep")
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    figure("stocktake post of 10,000 lines (with its report, wall)", elapsed, 2, "s",
           note=f"{take.lines} lines, {report.adjusted} adjusted")
    figure("stocktake post of 10,000 lines (CPU time)", cpu, 2, "s")
    with db.read_session(url) as session:
        problems = check_stock_ledger(session=session)
    print(f"   ledger after the bench: {'consistent' if not problems else problems[:3]}")
