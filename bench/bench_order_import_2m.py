"""Order history import at scale (issue 13): 2,000,000 CSV lines on SQLite and on PostgreSQL, side by side.

Targets: at least 30,000 lines/s on SQLite, at most 300 MB resident (peak, ``VmHWM``) on either engine,
and unknown SKUs created at 5,000 products/s or more (``--create-missing``: the file names 5,000 SKUs
the catalogue lacks). Each engine's import runs in a process of its own, so its peak memory is its own.
The CSV is generated once and cached under ``bench/.data``; PostgreSQL is a throwaway cluster started
the way the test suite starts one (``tests/pg.py``; skipped with a note when the machine has none).

``SHOPTUI_BENCH_LINES`` sets another size (e.g. 200000 for a quick look).
"""

from __future__ import annotations

import csv
import json
import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench._report import DATA, PYTHON, figure

LINES = int(os.environ.get("SHOPTUI_BENCH_LINES", "2000000"))
VARIANTS = 2_000  # in the catalogue
UNKNOWN = 5_000  # SKUs the file names that the catalogue lacks: created by --create-missing
CUSTOMERS = 50_000
CSV_FILE = DATA / f"order-history-{LINES // 1000}k.csv"
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
LINES_TARGET = 30_000
RSS_TARGET_MB = 300
PRODUCTS_TARGET = 5_000


def _make_csv() -> None:
    """The history: 2 to 4 lines per order, orders 7 minutes apart, a few unknown SKUs, written as it goes."""
    rnd = random.Random(13)
    start = datetime(2019, 1, 1, tzinfo=UTC)
    building = CSV_FILE.with_name(CSV_FILE.name + ".building")
    with building.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["order_id", "created", "status", "customer_id", "customer", "phone", "city", "sku", "item",
                         "qty", "price", "discount"])
        written = n = 0
        unknown = iter(range(1, UNKNOWN + 1))
        while written < LINES:
            n += 1
            when = (start + timedelta(minutes=n * 7)).strftime("%Y-%m-%d %H:%M")
            status = rnd.choice(("completed", "completed", "completed", "shipped", "cancelled"))
            customer = rnd.randrange(1, CUSTOMERS + 1)
            for _ in range(min(rnd.choice((2, 3, 4)), LINES - written)):
                new = next(unknown, None) if written % 300 == 0 else None
                sku = f"N-{new:05d}" if new is not None else f"B-{rnd.randrange(1, VARIANTS + 1):05d}"
                cents = rnd.randrange(500, 50_000)
                price = f"{cents // 100}.{cents % 100:02d}"
                writer.writerow([f"OLD-{n:08d}", when, status, f"C{customer:06d}", f"Customer {customer}",
                                 f"1370{customer:07d}", "杭州", sku, f"Product {sku}", rnd.randrange(1, 4), price,
                                 rnd.choice(("", "", "10%", "0.05"))])
                written += 1
    building.replace(CSV_FILE)


def _catalogue(url: str) -> None:
    """A fresh store with the catalogue the file's known SKUs are in."""
    from shoptui import db
    from shoptui.config import Actor
    from shoptui.services import catalog

    db.upgrade(url, backup=False)
    actor = Actor(name="bench", source="bench")
    with db.transaction(url) as s:
        catalog.create_products(session=s, actor=actor, items=[catalog.ProductCreate(
            title=f"Product B-{n:05d}", status="active",
            variants=[catalog.VariantInput(sku=f"B-{n:05d}", price_minor=1000 + n)]) for n in range(1, VARIANTS + 1)])


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _RolledBack(Exception):
    """Ends a timed write without keeping it."""


def child(url: str) -> None:
    """One engine's run (in its own process): the catalogue, a timed batch of new products (rolled back),
    then the import of the whole file; prints one JSON line of figures."""
    from shoptui import db
    from shoptui.config import Actor
    from shoptui.services import catalog, orders

    _catalogue(url)
    actor = Actor(name="bench", source="bench")
    items = [catalog.ProductCreate(title=f"Trial {n}", status="draft",
                                   variants=[catalog.VariantInput(sku=f"T-{n:05d}", price_minor=500)])
             for n in range(UNKNOWN)]
    try:
        with db.transaction(url) as s:  # rolled back at the end: only the time is kept
            started = time.perf_counter()
            catalog.create_products(session=s, actor=actor, items=items)
            s.flush()
            products_s = len(items) / (time.perf_counter() - started)
            raise _RolledBack
    except _RolledBack:
        pass
    del items
    mapping = orders.parse_mapping(MAPPING)
    started = time.perf_counter()
    cpu = time.process_time()
    with db.transaction(url) as s:
        report = orders.import_orders(session=s, actor=actor, path=CSV_FILE, mapping=mapping, source=CSV_FILE.name,
                                      create_missing=True)
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu
    print(json.dumps({"wall": wall, "cpu": cpu, "rss": _peak_rss_mb(), "products_s": products_s,
                      "orders": report.orders_created, "created": len(report.products_created),
                      "summary": report.summary}))
    db.dispose_all()


def _run_child(url: str) -> dict[str, float] | str:
    done = subprocess.run([PYTHON, "-m", "bench.bench_order_import_2m", url], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)})
    if done.returncode != 0:
        return done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def run() -> None:
    if not CSV_FILE.exists():
        started = time.perf_counter()
        _make_csv()
        print(f"   built {CSV_FILE.name} ({CSV_FILE.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.0f} s")
    results: dict[str, dict[str, float] | str] = {}
    store = DATA / "order-import-2m.db"
    for suffix in ("", "-wal", "-shm", ".lock"):
        store.with_name(store.name + suffix).unlink(missing_ok=True)
    results["sqlite"] = _run_child(f"sqlite:///{store}")
    for suffix in ("", "-wal", "-shm", ".lock"):
        store.with_name(store.name + suffix).unlink(missing_ok=True)
    sys.path.insert(0, str(Path(__file__).parent.parent))
    try:
        from tests.pg import Cluster

        cluster = Cluster()
    except (RuntimeError, OSError) as exc:
        results["postgresql"] = f"no PostgreSQL server ({exc})"
    else:
        try:
            cluster.admin("CREATE DATABASE bench_import")
            results["postgresql"] = _run_child(cluster.url("bench_import"))
        finally:
            cluster.stop()
    for engine, got in results.items():
        print(f"   -- {engine}")
        if isinstance(got, str):
            print(f"   not measured: {got}")
            continue
        print(f"   {got['summary']}")
        figure(f"{engine}: order import, CSV lines per second (wall)", LINES / got["wall"], LINES_TARGET
               if engine == "sqlite" else 0, "line/s", higher_is_better=True,
               note=f"{got['wall']:.1f} s wall, {got['cpu']:.1f} s CPU for {LINES:,} lines"
               + ("" if engine == "sqlite" else " (no target of its own: within 2x of SQLite's)"))
        figure(f"{engine}: order import, lines per second of CPU time", LINES / got["cpu"], LINES_TARGET
               if engine == "sqlite" else 0, "line/s", higher_is_better=True)
        figure(f"{engine}: peak resident memory of the import", got["rss"], RSS_TARGET_MB, "MB")
        figure(f"{engine}: create-missing, products per second", got["products_s"], PRODUCTS_TARGET, "prod/s",
               higher_is_better=True, note=f"{UNKNOWN:,} products in one batch")
    if all(not isinstance(got, str) for got in results.values()):
        sqlite, pg = results["sqlite"], results["postgresql"]
        assert not isinstance(sqlite, str) and not isinstance(pg, str)
        figure("postgresql time / sqlite time", pg["wall"] / sqlite["wall"], 2, "x")


if __name__ == "__main__":
    child(sys.argv[1])
