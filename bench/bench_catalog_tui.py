"""The products screen at 100,000 products / 300,000 variants: open time and search settle time.

Runs the real app headless (Textual's test driver) on the catalogue bench's store
(``bench/.data/catalog.db``, built here as ``catalog-tui.db`` when missing):

- open: from pressing F2 on the dashboard to the first page of rows shown (target 300 ms);
- search settle: from the last key typed into the top bar's search box to the hits shown
  (target 150 ms, the 100 ms typing pause included).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

from bench._report import percentile

PRODUCTS = 100_000


def _store() -> str:
    """The catalogue bench's 100k store (rebuilt when the schema or its data changed)."""
    from bench._engine import store_url
    from bench.bench_catalog import big_store, schema_marker

    return store_url(big_store(), schema_marker())


async def _wait(pilot: object, done: object, timeout: float = 10.0) -> float:
    """Poll ``done()`` every millisecond; the time it became true (perf_counter)."""
    deadline = time.perf_counter() + timeout
    while not done():  # type: ignore[operator]
        if time.perf_counter() > deadline:
            raise TimeoutError("the screen did not get there in time")
        await asyncio.sleep(0.001)
    return time.perf_counter()


async def _open_once(path: str, size: tuple[int, int]) -> tuple[float, float, float, float]:
    """Wall and CPU ms from F2 to the first rows painted, and to the screen complete (filters, tree)."""
    from bench._tui import WatchedApp

    app = WatchedApp(db_url=path, poll_seconds=600)
    async with app.run_test(size=size) as pilot:
        await _wait(pilot, lambda: app.marks_of("dashboard", 0))  # the dashboard's figures are in
        await app.workers.wait_for_complete()
        cpu = time.process_time()
        started = time.perf_counter()
        await pilot.press("f2")
        await _wait(pilot, lambda: app.marks_of("products", started))  # ShopScreen.Loaded: the first rows drawn
        screen = app.screen
        await _wait(pilot, lambda: screen._extras_mounted)  # type: ignore[attr-defined]
        await app.workers.wait_for_complete()  # the categories
        await pilot.pause()
        done = time.perf_counter()
        complete_cpu = time.process_time() - cpu
        rows = len(screen.rows)  # type: ignore[attr-defined]
        assert 0 < rows <= 2 * size[1], rows
        first = app.marks_of("products", started)[0]
        rows_wall, rows_cpu = first.perf, first.cpu
        return (rows_wall - started) * 1000, (rows_cpu - cpu) * 1000, (done - started) * 1000, complete_cpu * 1000


async def _search_settle(path: str, terms: list[str]) -> list[tuple[float, float]]:
    from bench._tui import WatchedApp
    from shoptui.tui.widgets.search import SearchBox

    samples: list[tuple[float, float]] = []
    app = WatchedApp(db_url=path, poll_seconds=600)
    async with app.run_test(size=(100, 30)) as pilot:
        await _wait(pilot, lambda: app.marks_of("dashboard", 0))
        await pilot.press("f2")
        await _wait(pilot, lambda: app.marks_of("products", 0))
        for term in terms:
            await pilot.press("slash")
            box = app.screen.query_one(SearchBox)
            box.input.value = ""
            for char in term:
                await pilot.press(char)
            cpu = time.process_time()
            last_key = time.perf_counter()
            done = await _wait(pilot, lambda t=term, b=box: b._shown_for == t and b.is_open)  # type: ignore[misc]
            samples.append(((done - last_key) * 1000, (time.process_time() - cpu) * 1000))
            await pilot.press("escape", "escape")
    return samples


def _only_catalogue_modules() -> None:
    """The shell with the core, catalogue and inventory modules only (others' figures do not count here)."""
    from shoptui import modules
    from shoptui.modules import catalog, core, inventory

    chosen = (core.MODULE, catalog.MODULE, inventory.MODULE)
    modules.all_modules = lambda: chosen  # type: ignore[assignment]


def run() -> None:
    import bench._tui  # noqa: F401  (the app's import cost stays outside the timings)
    from bench.bench_catalog import figure2

    _only_catalogue_modules()

    path = _store()
    print(f"   store: {Path(path).name}")
    for size in ((80, 24), (160, 48)):
        samples = [asyncio.run(_open_once(path, size)) for _ in range(3)]
        wall = statistics.median(s[0] for s in samples)
        cpu = statistics.median(s[1] for s in samples)
        figure2(f"products screen open at {size[0]}x{size[1]} (median of 3)", wall, cpu, 300,
                note=f"F2 to first rows painted; worst wall {max(s[0] for s in samples):.0f} ms; cpu = this process, "
                     f"all threads; complete with filters and tree: wall {statistics.median(s[2] for s in samples):.0f} "
                     f"ms, cpu {statistics.median(s[3] for s in samples):.0f} ms")
    terms = ["手机壳", "tee", "华为", "cable", "P01234", "mug", "热卖", "号"]
    samples = asyncio.run(_search_settle(path, terms))
    figure2("search settle after the last key (p95, 100 ms pause included)", percentile([w for w, _ in samples], 95),
            percentile([c for _, c in samples], 95), 150,
            note=f"median wall {statistics.median(w for w, _ in samples):.0f} ms over {len(samples)} terms; "
                 "cpu excludes the pause")
