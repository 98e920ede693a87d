"""Live refresh across terminals: a sale rung on one terminal shows on another terminal's dashboard.

One process is a till: on a signal it rings a counter sale (scan, pay, complete, one transaction) and
reports the wall time just after its commit. This process runs the shop app (headless, its default
``poll_seconds``) on the dashboard, with its real live-refresh path: the store-change watcher
(shoptui/store/changes.py: ``PRAGMA data_version`` polling on SQLite, ``LISTEN``/``NOTIFY`` on PostgreSQL),
the audit read of what changed, the dashboard's reload of its figures. The time noted is when the dashboard
has drawn figures that differ from those before the sale (``ShopScreen.Loaded`` after that refresh).

Target (issue 13): p95 <= 1 s from the commit to the figures on screen, 50 samples per engine.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import random
import time
from typing import Any

from textual import on

from bench._report import figure, percentile

SAMPLES = 50
VARIANTS = 500


def _till(url: str, go: Any, done: Any) -> None:
    """Ring one sale per signal; report ``time.time()`` right after each commit (None ends)."""
    from shoptui import db
    from shoptui.config import Actor
    from shoptui.services import sales as sales_api

    actor = Actor(name="till", source="bench")
    rnd = random.Random(9)
    try:
        while go.get() is not None:
            with db.read_session(url) as s:
                basket = sales_api.new_basket(session=s)
                basket = sales_api.scan(session=s, basket=basket, code=f"B-{rnd.randrange(1, VARIANTS + 1):05d}")
            with db.transaction(url) as s:
                sales_api.complete_sale(session=s, actor=actor, basket=basket, rounding_step_minor=10,
                                        tenders=[sales_api.Tender(method="cash", amount_minor=10**7)])
            done.put(time.time())
    except BaseException as exc:
        done.put(f"{type(exc).__name__}: {exc}")
        raise
    finally:
        db.dispose_all()


async def _measure(url: str, go: Any, done: Any) -> list[float]:
    from bench._tui import WatchedApp
    from shoptui.tui.screens.dashboard import DashboardScreen

    class LiveApp(WatchedApp):
        """Notes the figures of every dashboard load, to tell a load that shows the sale."""

        figures: list[tuple[str, ...]] = []

        @on(DashboardScreen.FiguresLoaded)
        def _note_figures(self, event: DashboardScreen.FiguresLoaded) -> None:
            self.figures.append(tuple(f"{f.key}={f.value}|{f.detail}" for f in event.figures))

    app = LiveApp(db_url=url)
    latencies: list[float] = []
    rnd = random.Random(4)
    async with app.run_test(size=(120, 40)) as pilot:
        deadline = time.monotonic() + 120
        while not app.marks_of("dashboard", 0) and time.monotonic() < deadline:
            await pilot.pause(0.05)
        if not app.marks_of("dashboard", 0):
            raise RuntimeError("the dashboard did not show its figures within 2 minutes")
        await pilot.pause(1.0)  # the watcher has started and read the newest audit id
        for _ in range(SAMPLES):
            before = app.figures[-1]
            since = time.perf_counter()
            go.put(1)
            committed = await asyncio.to_thread(done.get, True, 60)
            if isinstance(committed, str):
                raise RuntimeError(f"the till failed: {committed}")
            shown = None
            limit = time.monotonic() + 30
            while shown is None and time.monotonic() < limit:
                if app.figures[-1] != before:
                    marks = [m for m in app.marks_of("dashboard", since) if not m.first]
                    if marks:
                        shown = marks[-1].wall
                        break
                await pilot.pause(0.005)
            if shown is None:
                raise RuntimeError("a sale did not reach the dashboard within 30 s")
            latencies.append((shown - committed) * 1000)
            await pilot.pause(rnd.uniform(0.3, 0.6))  # the next customer
    return latencies


def run() -> None:
    from bench.bench_sales import _small_store
    from shoptui import db
    from shoptui.config import Actor
    from shoptui.services import sales as sales_api

    url = _small_store()
    with db.transaction(url) as s:
        if sales_api.current_shift(session=s) is None:
            sales_api.open_shift(session=s, actor=Actor(name="bench", source="bench"), float_minor=20_000)
    db.dispose_all()
    ctx = multiprocessing.get_context("spawn")
    go, done = ctx.Queue(), ctx.Queue()
    till = ctx.Process(target=_till, args=(url, go, done))
    till.start()
    try:
        latencies = asyncio.run(_measure(url, go, done))
    finally:
        go.put(None)
        till.join(timeout=30)
        db.dispose_all()
    note = f"{len(latencies)} sales; max {max(latencies):.0f} ms"
    figure("sale on one terminal -> another's dashboard (p50)", percentile(latencies, 50), 1000, note=note)
    figure("sale on one terminal -> another's dashboard (p95)", percentile(latencies, 95), 1000, note=note)
