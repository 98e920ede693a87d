"""The products screen at 100,000 products / 300,000 variants: open time and search settle time.

Runs the real app headless (Textual's test driver) on the catalogue bench's store
(``bench/.data/catalog.db``, built here as ``catalog-tui.db`` when missing):

- open: from pressing F2 on the dashboard to the first page of rows shown (target 300 ms);
- search settle: from the last key typed into the top bar's search box to the hits shown
  (target 150 ms, the 100 ms typing pause included).
"""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import time
from pathlib import Path

from bench._report import DATA, figure, percentile

PRODUCTS = 100_000


def _store() -> str:
    """A store with 100,000 products: the catalogue bench's, or one built here the same way."""
    for name in ("catalog.db", "catalog-tui.db"):
        path = DATA / name
        if path.exists():
            try:
                con = sqlite3.connect(path)
                count = con.execute("SELECT count(*) FROM product").fetchone()[0]
                con.close()
            except sqlite3.Error:
                continue
            if count >= PRODUCTS:
                return str(path)
    from bench.bench_catalog import _fresh, _import, make_csv
    from shoptui import db

    DATA.mkdir(exist_ok=True)
    path = _fresh("catalog-tui.db")
    db.upgrade(path, backup=False)
    seconds = _import(path, make_csv(PRODUCTS, 3))
    print(f"   built {PRODUCTS:,} products / {3 * PRODUCTS:,} variants in {seconds:.1f} s")
    db.dispose_all()
    return path


async def _wait(pilot: object, done: object, timeout: float = 10.0) -> float:
    """Poll ``done()`` every millisecond; the time it became true (perf_counter)."""
    deadline = time.perf_counter() + timeout
    while not done():  # type: ignore[operator]
        if time.perf_counter() > deadline:
            raise TimeoutError("the screen did not get there in time")
        await asyncio.sleep(0.001)
    return time.perf_counter()


async def _open_once(path: str, size: tuple[int, int]) -> float:
    from shoptui.tui.app import ShopApp

    app = ShopApp(db_url=path, poll_seconds=600)
    async with app.run_test(size=size) as pilot:
        await _wait(pilot, lambda: getattr(app.screen, "_filled_once", False))  # the dashboard's figures are in
        await app.workers.wait_for_complete()
        started = time.perf_counter()
        await pilot.press("f2")
        done = await _wait(pilot, lambda: getattr(app.screen, "MODE", "") == "products" and app.screen._loaded_once)  # type: ignore[attr-defined]
        rows = len(app.screen.rows)  # type: ignore[attr-defined]
        assert 0 < rows <= 2 * size[1], rows
        return (done - started) * 1000


async def _search_settle(path: str, terms: list[str]) -> list[float]:
    from shoptui.tui.app import ShopApp
    from shoptui.tui.widgets.search import SearchBox

    samples: list[float] = []
    app = ShopApp(db_url=path, poll_seconds=600)
    async with app.run_test(size=(100, 30)) as pilot:
        await _wait(pilot, lambda: getattr(app.screen, "_filled_once", False))
        await pilot.press("f2")
        await _wait(pilot, lambda: getattr(app.screen, "_loaded_once", False))
        for term in terms:
            await pilot.press("slash")
            box = app.screen.query_one(SearchBox)
            box.input.value = ""
            for char in term:
                await pilot.press(char)
            last_key = time.perf_counter()
            done = await _wait(pilot, lambda t=term, b=box: b._shown_for == t and b.is_open)  # type: ignore[misc]
            samples.append((done - last_key) * 1000)
            await pilot.press("escape", "escape")
    return samples


def _only_catalogue_modules() -> None:
    """The shell with the core, catalogue and inventory modules only (others' figures do not count here)."""
    from shoptui import modules
    from shoptui.modules import catalog, core, inventory

    chosen = (core.MODULE, catalog.MODULE, inventory.MODULE)
    modules.all_modules = lambda: chosen  # type: ignore[assignment]


def run() -> None:
    from shoptui.tui import app as _app  # noqa: F401  (import cost outside the timings)

    _only_catalogue_modules()

    path = _store()
    print(f"   store: {Path(path).name}")
    for size in ((80, 24), (160, 48)):
        samples = [asyncio.run(_open_once(path, size)) for _ in range(3)]
        figure(f"products screen open at {size[0]}x{size[1]}, 100k products (median of 3)", statistics.median(samples),
               300, note=f"worst {max(samples):.0f} ms")
    terms = ["手机壳", "tee", "华为", "cable", "P01234", "mug", "热卖", "号"]
    samples = asyncio.run(_search_settle(path, terms))
    figure("search settle after the last key (p95, 100 ms pause included)", percentile(samples, 95), 150,
           note=f"median {statistics.median(samples):.0f} ms over {len(samples)} terms")
