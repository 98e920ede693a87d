"""Several processes selling the last units of one SKU at once: never oversold, refused cleanly, fast."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import time

from shoptui import db
from shoptui.services.inventory.changes import restock
from shoptui.services.inventory.checks import check_stock_ledger
from shoptui.services.inventory.levels import levels_for
from tests.services.inventory_helpers import CLERK, make_variant

PROCESSES = 3
TRIES = 40
STOCK = 50


def _seller(url: str, variant_id: int, tries: int) -> dict[str, object]:
    from shoptui import db
    from shoptui.errors import Conflict
    from shoptui.services.inventory.ledger import sell
    from tests.services.inventory_helpers import CLERK

    sold = refused = 0
    other: list[str] = []
    latencies: list[float] = []
    for _ in range(tries):
        started = time.perf_counter()
        try:
            with db.transaction(url) as session:
                sell(session=session, actor=CLERK, variant_id=variant_id, quantity=1, ref_kind=None, ref_id=None)
            sold += 1
        except Conflict as exc:
            if "available" in str(exc):
                refused += 1
            else:
                other.append(str(exc))
        except Exception as exc:  # anything else (e.g. "database is locked") is a failure of the test
            other.append(f"{type(exc).__name__}: {exc}")
        latencies.append((time.perf_counter() - started) * 1000)
    return {"sold": sold, "refused": refused, "other": other, "latencies": latencies}


def _seed(url: str) -> int:
    with db.transaction(url) as session:
        vid = make_variant(session, "LAST-50")
        restock(session=session, actor=CLERK, code="LAST-50", quantity=STOCK)
    db.dispose_all()
    return vid


def test_processes_sell_the_last_fifty_exactly(store: str) -> None:
    vid = _seed(store)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(PROCESSES) as pool:
        results = pool.starmap(_seller, [(store, vid, TRIES)] * PROCESSES)
    assert [r["other"] for r in results] == [[]] * PROCESSES
    assert sum(r["sold"] for r in results) == STOCK  # type: ignore[misc]
    assert sum(r["refused"] for r in results) == PROCESSES * TRIES - STOCK  # type: ignore[misc]
    with db.read_session(store) as session:
        assert levels_for(session, [vid])[vid].on_hand == 0
        assert check_stock_ledger(session=session) == []
    latencies = sorted(ms for r in results for ms in r["latencies"])  # type: ignore[attr-defined]
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    # A guard against multi-second waits behind the write lock, loose enough for a loaded 2-core CI
    # machine; the 50 ms target itself is measured by `python -m bench inventory`.
    assert p99 < 2500, f"p99 of one sale with {PROCESSES} processes is {p99:.0f} ms (bench target 50 ms)"


def test_cli_processes_never_oversell(store: str) -> None:
    """Three `shoptui stock sell` processes racing for 2 units: 2 succeed, the third is refused with exit 1."""
    with db.transaction(store) as session:
        make_variant(session, "LAST-2")
        restock(session=session, actor=CLERK, code="LAST-2", quantity=2)
    db.dispose_all()
    argv = [sys.executable, "-m", "shoptui", "--db", store, "stock", "sell", "LAST-2", "1", "--pay", "cash"]
    procs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outcomes = [(p.wait(timeout=60), p.stdout.read(), p.stderr.read()) for p in procs]  # type: ignore[union-attr]
    assert sorted(code for code, _, _ in outcomes) == [0, 0, 1]
    [refusal] = [err for code, _, err in outcomes if code == 1]
    assert refusal.startswith("error: Only 0 of LAST-2 ") and "Traceback" not in refusal
    assert "locked" not in " ".join(err for _, _, err in outcomes)
