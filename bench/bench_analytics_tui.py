"""The analytics screen: from its key (ctrl+u) to the first chart drawn, in a headless app at 80x24 and 160x48.

Target (issue 15): the first chart at most 500 ms after the screen opens. The first chart is the sales trend of
the last 30 days with the previous 30 (two ``sales_report(by="day")`` calls) and its worker starts first; the
other three charts follow in their own workers, and the time until all four are in is shown beside it. "Drawn"
is the screen's ``ShopScreen.Loaded`` (posted after the refresh that paints the chart).

The store: ``$BENCH_ANALYTICS_STORE`` (a SQLite file), else the reports' 1M-order store when ``bench analytics``
built it (``bench/.data/analytics-1m-v*.db``, the newest), else the demo store built here once
(``shoptui demo load``: about 3,500 orders over a year: small, and the figure says so). It is brought to the
current schema (no backup). Wall time is noisy while other work runs, so the process's CPU time is printed too.

Run: ``.venv/bin/python -m bench analytics_tui``
"""

from __future__ import annotations

import asyncio
import os
import time
from datetime import UTC, datetime
from pathlib import Path

from bench._report import DATA, figure, percentile

FIRST_CHART_MS = 500
BIG = "analytics-1m-v*.db"
"""The reports' benchmark store (bench_analytics), versioned by its builder."""
DEMO = DATA / "analytics-demo.db"
NOW = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)  # 10:30 in Asia/Shanghai
RUNS = 3


def _store() -> tuple[str, str]:
    """The store's URL and what it holds (for the figure's note)."""
    from shoptui import clock, db
    from shoptui.config import Actor

    chosen = os.environ.get("BENCH_ANALYTICS_STORE")
    built = sorted(DATA.glob(BIG), key=lambda p: p.stat().st_mtime)
    path = Path(chosen) if chosen else built[-1] if built else DEMO
    if path == DEMO and not DEMO.exists():
        from shoptui import modules
        from shoptui.services import catalog

        DATA.mkdir(exist_ok=True)
        db.upgrade(str(DEMO), backup=False)
        actor = Actor(name="bench", source="bench")
        with clock.frozen(NOW), db.transaction(f"sqlite:///{DEMO}") as session:
            catalog.load_demo(session=session, actor=actor)
            for spec in modules.all_modules():
                if spec.extra.get("demo"):
                    modules.load(spec.extra["demo"])(session=session, actor=actor)
    url = f"sqlite:///{path}"
    db.upgrade(url, backup=False)
    from sqlalchemy import text

    with db.read_session(url) as session:
        orders = int(session.execute(text("SELECT count(*) FROM sales_order")).scalar_one())
    return url, f"{path.name}: {orders:,} orders"


Samples = tuple[list[float], list[float], list[float]]
"""Wall ms to the first chart, CPU ms over the same span, wall ms until all four charts are in."""


async def _open(url: str, size: tuple[int, int]) -> Samples:
    from bench._tui import WatchedApp
    from shoptui.tui.screens.analytics.screen import AnalyticsScreen

    first: list[float] = []
    cpu: list[float] = []
    every: list[float] = []
    for _ in range(RUNS):
        app = WatchedApp(db_url=url, poll_seconds=600)
        async with app.run_test(size=size) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause(0.3)
            started, cpu_started = time.perf_counter(), time.process_time()
            await pilot.press("ctrl+u")
            while not app.marks_of("analytics", started):
                await asyncio.sleep(0.005)
            mark = app.marks_of("analytics", started)[0]
            first.append((mark.perf - started) * 1000)
            cpu.append((mark.cpu - cpu_started) * 1000)
            screen = app.screen
            assert isinstance(screen, AnalyticsScreen)
            while not all(panel.data is not None for panel in screen.panels):
                await asyncio.sleep(0.005)
            every.append((time.perf_counter() - started) * 1000)
            await app.workers.wait_for_complete()
    return first, cpu, every


def run() -> None:
    import bench._tui  # noqa: F401  (the app's import cost stays outside the timings)
    from shoptui import clock, db

    url, holds = _store()
    with clock.frozen(NOW):
        for size in ((80, 24), (160, 48)):
            first, cpu, every = asyncio.run(_open(url, size))
            figure(f"ctrl+u to the first chart drawn, {size[0]}x{size[1]} (median of {RUNS})", percentile(first, 50),
                   FIRST_CHART_MS, note=f"CPU {percentile(cpu, 50):.0f} ms; all four charts {percentile(every, 50):.0f} ms; "
                                        f"first visit {first[0]:.0f} ms; {holds}; load average {os.getloadavg()[0]:.1f}")
    db.dispose_all()
