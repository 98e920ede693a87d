"""Order history import: 300,000 CSV lines (100,000 orders) in one transaction, against raw sqlite3.

Target: at least 30,000 CSV lines/s, printed with the ratio against a raw ``sqlite3``
``executemany`` of the same rows (parsed with ``csv`` and inserted as they are into one table).
Wall time is noisy when other work shares the machine, so CPU time (``time.process_time``) is
printed beside it, and the rate by CPU time too; each figure is the median of ``SHOPTUI_BENCH_REPEAT``
imports (3 unless set), each into a fresh copy of the catalogue the import finds its SKUs in (built
once into ``order-import-template.db``).
"""

from __future__ import annotations

import csv
import io
import os
import random
import sqlite3
import statistics
import time
from datetime import UTC, datetime, timedelta

from bench._report import DATA, figure

LINES = 300_000
REPEAT = int(os.environ.get("SHOPTUI_BENCH_REPEAT", "3"))
VARIANTS = 2_000
CUSTOMERS = 20_000
CSV_FILE = DATA / "order-history-300k.csv"
STORE = DATA / "order-import.db"
TEMPLATE = DATA / "order-import-template.db"
MAPPING = """
[columns]
order_ref = "order_id"
ordered_at = "created"
status = "status"
customer_ref = "customer_id"
customer_name = "customer"
customer_phone = "phone"
city = "city"
sku = "sku"
product_name = "item"
quantity = "qty"
unit_price = "price"
discount_rate = "discount"

[options]
date_format = "%Y-%m-%d %H:%M"
timezone = "Asia/Shanghai"
"""


def _make_csv() -> None:
    rnd = random.Random(11)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["order_id", "created", "status", "customer_id", "customer", "phone", "city", "sku", "item", "qty",
                     "price", "discount"])
    written = 0
    n = 0
    while written < LINES:
        n += 1
        when = (start + timedelta(minutes=n * 7)).strftime("%Y-%m-%d %H:%M")
        status = rnd.choice(("completed", "completed", "completed", "shipped", "cancelled"))
        customer = rnd.randrange(1, CUSTOMERS + 1)
        for _ in range(min(rnd.choice((2, 3, 4)), LINES - written)):
            sku = rnd.randrange(1, VARIANTS + 1)
            cents = rnd.randrange(500, 50_000)
            price = f"{cents // 100}.{cents % 100:02d}{rnd.randrange(1, 10)}" if rnd.random() < 0.05 \
                else f"{cents // 100}.{cents % 100:02d}"
            writer.writerow([f"OLD-{n:07d}", when, status, f"C{customer:06d}", f"Customer {customer}",
                             f"1370{customer:07d}", "杭州", f"B-{sku:05d}", f"Bench product {sku}",
                             rnd.randrange(1, 4), price, rnd.choice(("", "", "10%", "0.05"))])
            written += 1
    CSV_FILE.write_text(out.getvalue(), encoding="utf-8")


def _unlink_store(path) -> None:  # type: ignore[no-untyped-def]
    path.unlink(missing_ok=True)
    for suffix in ("-wal", "-shm", ".lock"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def _make_template() -> None:
    from shoptui import db
    from shoptui.config import Actor
    from shoptui.services import catalog

    building = TEMPLATE.with_name(TEMPLATE.name + ".building")
    _unlink_store(building)
    url = f"sqlite:///{building}"
    actor = Actor(name="bench", source="bench")
    db.upgrade(url, backup=False)  # only db upgrade makes a store
    with db.transaction(url) as s:
        for n in range(1, VARIANTS + 1):
            catalog.create_product(session=s, actor=actor, data=catalog.ProductCreate(
                title=f"Bench product {n}", status="active",
                variants=[catalog.VariantInput(sku=f"B-{n:05d}", price_minor=1000 + n)]))
    db.dispose_all()
    building.replace(TEMPLATE)
    _unlink_store(building)


def _make_store() -> None:
    """A fresh copy of the catalogue-only template (built once; rebuilt when the schema moved on)."""
    from shoptui import db

    if TEMPLATE.exists():
        con = sqlite3.connect(TEMPLATE)
        try:
            version = con.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.Error:
            version = None
        con.close()
        if version is None or version[0] not in db.schema_heads():
            TEMPLATE.unlink()
    if not TEMPLATE.exists():
        _make_template()
    _unlink_store(STORE)
    source, target = sqlite3.connect(TEMPLATE), sqlite3.connect(STORE)
    with target:
        source.backup(target)
    source.close()
    target.close()


def _raw_baseline(content: str) -> tuple[float, float]:
    """Seconds (wall, CPU) for sqlite3 to parse the same CSV and executemany its rows into one table."""
    path = DATA / "order-import-raw.db"
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = NORMAL")
    started = time.perf_counter()
    cpu = time.process_time()
    reader = csv.reader(io.StringIO(content))
    header = next(reader)
    con.execute(f"CREATE TABLE history ({', '.join(h + ' TEXT' for h in header)})")
    with con:
        con.executemany(f"INSERT INTO history VALUES ({', '.join('?' for _ in header)})", reader)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    con.close()
    path.unlink(missing_ok=True)
    return elapsed, cpu


def _peak_rss_mb() -> float:
    from bench.bench_order_import_2m import _peak_rss_mb as peak

    return peak()


def run() -> None:
    from shoptui import db
    from shoptui.config import Actor
    from shoptui.services import orders

    if not CSV_FILE.exists():
        _make_csv()
    mapping = orders.parse_mapping(MAPPING)
    url = f"sqlite:///{STORE}"
    actor = Actor(name="bench", source="bench")
    walls, cpus = [], []
    for _ in range(max(1, REPEAT)):
        _make_store()
        started = time.perf_counter()
        cpu = time.process_time()
        with db.transaction(url) as s:
            report = orders.import_orders(session=s, actor=actor, path=CSV_FILE, mapping=mapping,
                                          source=CSV_FILE.name, create_missing=True)
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
        db.dispose_all()
    elapsed, cpu = statistics.median(walls), statistics.median(cpus)
    peak = _peak_rss_mb()  # the highest of the runs: each import is the same
    raw, raw_cpu = _raw_baseline(CSV_FILE.read_text(encoding="utf-8"))  # the import streamed the file itself
    print(f"   {report.summary}")
    figure("order import, CSV lines per second (wall)", LINES / elapsed, 30_000, "line/s", higher_is_better=True,
           note=f"{elapsed:.2f} s wall, {cpu:.2f} s CPU for {LINES:,} lines (medians of {len(walls)} runs; "
           f"CPU {min(cpus):.2f}-{max(cpus):.2f} s)")
    figure("order import, CSV lines per second of CPU time", LINES / cpu, 30_000, "line/s", higher_is_better=True,
           note="what an otherwise idle machine would reach, less I/O waits")
    figure("peak resident memory of the import", peak, 300, "MB", note="VmHWM of this process")
    print(f"   raw sqlite3 executemany of the same rows: {raw:.2f} s wall, {raw_cpu:.2f} s CPU "
          f"({LINES / raw:,.0f} rows/s); import takes {elapsed / raw:.1f}x as long ({cpu / raw_cpu:.1f}x the CPU)")
    started = time.perf_counter()
    with db.transaction(url) as s:
        again = orders.import_orders(session=s, actor=actor, path=CSV_FILE, mapping=mapping,
                                     source=CSV_FILE.name, create_missing=True)
    figure("re-import of the same file (nothing new)", time.perf_counter() - started, 30, "s",
           note=f"{again.orders_created} created, {again.orders_skipped:,} skipped")
    with db.read_session(url) as s:
        problems = (orders.check_order_totals(session=s) + orders.check_order_money(session=s)
                    + orders.check_order_counters(session=s))
    print(f"   db check of the imported orders: {len(problems)} problems")
    db.dispose_all()
