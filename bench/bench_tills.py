"""Tills ringing at once: counter sales per second from 1 process, then from 4 processes at the same time.

Each till is its own process doing what the sale screen does: a basket of 3 scanned lines (read-only),
then one write transaction that pays and completes it (``sales.complete_sale``: order, payment, stock out,
receipt), retried on a serialisation failure as every write is. All tills share the store of bench_sales
(500 variants with stock) and its open shift.

Target (issue 13): on PostgreSQL 4 tills ring >= 2.5x the sales/s of 1. SQLite has one writer at a time, so
its 4-till figure is the floor to beat. The machine's CPU use during each run is printed: on a machine with
few cores the CPU, not the store, can be what caps 4 tills (the PostgreSQL server's backends need CPU too).
"""

from __future__ import annotations

import multiprocessing
import os
import random
import time
from typing import Any

from bench._report import figure, percentile

SECONDS = float(os.environ.get("TILLS_SECONDS", "10"))
TILLS = 4
VARIANTS = 500
WARM_UP = 3


def _cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    with open("/proc/stat", encoding="ascii") as stat:
        fields = [int(x) for x in stat.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


def _till(url: str, seed: int, ready: Any, start: Any, results: Any) -> None:
    """One till: warm up, wait for the others, ring sales until the time is up; report count, latencies, CPU."""
    from shoptui import db
    from shoptui.config import Actor
    from shoptui.services import sales as sales_api

    actor = Actor(name=f"till{seed}", source="bench")
    rnd = random.Random(seed)

    def ring() -> None:
        with db.read_session(url) as s:
            basket = sales_api.new_basket(session=s)
            for _ in range(3):
                basket = sales_api.scan(session=s, basket=basket, code=f"B-{rnd.randrange(1, VARIANTS + 1):05d}")

        def pay(s: Any) -> object:
            return sales_api.complete_sale(session=s, actor=actor, basket=basket, rounding_step_minor=10,
                                           tenders=[sales_api.Tender(method="cash", amount_minor=10**7)])

        db.run_transaction(pay, url)

    try:
        for _ in range(WARM_UP):
            ring()
        ready.put(os.getpid())
        begin_at = start.get()
        while time.time() < begin_at:
            time.sleep(0.001)
        deadline = begin_at + SECONDS
        latencies: list[float] = []
        cpu0 = time.process_time()
        while time.time() < deadline:
            t0 = time.perf_counter()
            ring()
            latencies.append((time.perf_counter() - t0) * 1000)
        results.put({"sales": len(latencies), "latencies": latencies, "cpu": time.process_time() - cpu0})
    except BaseException as exc:  # a till that fails must not hang the run
        results.put({"error": f"{type(exc).__name__}: {exc}"})
        raise
    finally:
        db.dispose_all()


def ring_together(url: str, tills: int) -> dict[str, float]:
    """``tills`` processes ringing for SECONDS at the same moment: sales/s, p50/p95 of one sale, CPU use."""
    ctx = multiprocessing.get_context("spawn")  # a fresh interpreter per till, as a real till is
    ready, start, results = ctx.Queue(), ctx.Queue(), ctx.Queue()
    procs = [ctx.Process(target=_till, args=(url, 100 + n, ready, start, results)) for n in range(tills)]
    for proc in procs:
        proc.start()
    for _ in procs:
        ready.get(timeout=300)
    begin_at = time.time() + 0.2
    for _ in procs:
        start.put(begin_at)
    time.sleep(max(0.0, begin_at - time.time()))
    busy0, total0 = _cpu_ticks()
    outcomes = [results.get(timeout=SECONDS + 300) for _ in procs]
    busy1, total1 = _cpu_ticks()
    for proc in procs:
        proc.join(timeout=30)
    errors = [o["error"] for o in outcomes if "error" in o]
    if errors:
        raise RuntimeError(f"a till failed: {errors[0]}")
    latencies = [x for o in outcomes for x in o["latencies"]]
    sales = sum(o["sales"] for o in outcomes)
    return {"per_s": sales / SECONDS, "p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
            "machine_cpu": 100 * (busy1 - busy0) / max(1, total1 - total0),
            "tills_cpu": 100 * sum(o["cpu"] for o in outcomes) / SECONDS / (os.cpu_count() or 1), "sales": sales}


def run() -> None:
    from bench._engine import on_sqlite
    from bench.bench_sales import _small_store
    from shoptui import db
    from shoptui.config import Actor
    from shoptui.services import sales as sales_api

    url = _small_store()
    with db.transaction(url) as s:
        if sales_api.current_shift(session=s) is None:
            sales_api.open_shift(session=s, actor=Actor(name="bench", source="bench"), float_minor=20_000)
    db.dispose_all()
    cores = os.cpu_count() or 1
    one = ring_together(url, 1)
    many = ring_together(url, TILLS)
    for label, r in (("1 till", one), (f"{TILLS} tills at once", many)):
        figure(f"counter sales per second, {label}", r["per_s"], 0, "sale/s", higher_is_better=True,
               note=f"{r['sales']} sales in {SECONDS:g} s; one sale p50 {r['p50']:.0f} ms, p95 {r['p95']:.0f} ms; "
                    f"CPU {r['machine_cpu']:.0f}% of {cores} cores (tills {r['tills_cpu']:.0f}%), "
                    f"load {os.getloadavg()[0]:.1f}")
    ratio = many["per_s"] / max(one["per_s"], 1e-9)
    floor = " (SQLite: one writer at a time, the floor to beat)" if on_sqlite() else ""
    figure(f"{TILLS} tills / 1 till, sales per second", ratio, 2.5, "x", higher_is_better=True, note=floor)
    if many["machine_cpu"] >= 90:
        print(f"   the CPU was the limit: {many['machine_cpu']:.0f}% of {cores} cores busy while {TILLS} tills rang "
              "(other work on the machine counts too); more tills than cores cannot ring faster than the cores run")
