"""The orders screen at the 1M-order store of ``bench_orders`` (bench/.data/orders-1m.db).

Two kinds of figures:

* the screen's page worker as the service sees it: a page of 48 orders (two screens at 80x24)
  with the page's tracking numbers, first and later pages (keyset), filtered by status, and a phone
  search — at most 5 ms for the list itself, 50 ms for the whole worker; and the status line's
  figures (kept counters), which the screen reads in a worker of its own after the first rows;
* the screen in a headless app at 80x24: F4 to the first rows painted, and ctrl+end to the next
  page painted (the cursor at the end loads it) — at most 300 ms and 100 ms. Wall time is noisy
  while other work runs on the machine, so the process's CPU time over the same span is printed
  beside it (the app's threads, workers included).

The store is built by ``bench_orders`` when missing and brought to the current schema (no backup)
when an older migration made it. Run: ``.venv/bin/python -m bench orders_tui``
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from datetime import timedelta

from bench._engine import store_url
from bench._report import built, cached_store, figure, percentile, time_calls
from bench.bench_orders import NOW, ORDERS, STORE, STORE_VERSION, _build

PAGE = 48  # page_size(24)
LIST_MS = 5
WORKER_MS = 50
OPEN_MS = 300
NEXT_PAGE_MS = 100


def _store_url() -> str:
    if not cached_store(STORE, STORE_VERSION):
        _build()
        built(STORE, STORE_VERSION)
    return store_url(STORE, STORE_VERSION)


def _worker_figures(url: str) -> None:
    from shoptui import db
    from shoptui.services import orders as orders_api
    from shoptui.services import shop

    rng = random.Random(7)
    with db.read_session(url) as s:
        def page(filters: orders_api.OrderFilter | None = None, after: str | None = None) -> shop.Page:  # type: ignore[name-defined]
            return orders_api.list_orders(session=s, filters=filters, after=after, limit=PAGE)

        def worker(filters: orders_api.OrderFilter | None = None, after: str | None = None) -> None:
            found = page(filters, after)
            orders_api.tracking_by_order(session=s, order_ids=[o.id for o in found.items if o.shipment_count])

        def deep_cursor() -> str:
            return f"{(NOW - timedelta(days=rng.randint(1, 700))).isoformat()}|{ORDERS}"

        phone = s.connection().exec_driver_sql(
            "SELECT customer_phone FROM sales_order WHERE customer_phone IS NOT NULL LIMIT 1 OFFSET 5000").scalar()
        typed = str(phone).removeprefix("+86")  # what the clerk types: the national number
        cases = [
            ("list: first page", lambda: page(), LIST_MS),
            ("list: a later page (keyset cursor)", lambda: page(after=deep_cursor()), LIST_MS),
            ("list: first page, status paid", lambda: page(orders_api.OrderFilter(status="paid")), LIST_MS),
            ("list: later page, status shipped", lambda: page(orders_api.OrderFilter(status="shipped"), deep_cursor()),
             LIST_MS),
            ("screen worker: first page + tracking", lambda: worker(), WORKER_MS),
            ("figures worker: unpaid, to ship, open returns", lambda: orders_api.order_figures(session=s), WORKER_MS),
            ("screen worker: later page + tracking", lambda: worker(after=deep_cursor()), WORKER_MS),
            ("screen worker: first page, status unpaid", lambda: worker(orders_api.OrderFilter(status="unpaid")),
             WORKER_MS),
            (f"screen worker: search by phone {typed} (as typed)", lambda: worker(orders_api.OrderFilter(search=typed)),
             WORKER_MS),
        ]
        for name, call, target in cases:  # the first calls warm up (the phone rules load on first use)
            time_calls(call, 3)
            samples = time_calls(call, 30)
            figure(f"{name} (p50)", percentile(samples, 50), target, note=f"p95 {percentile(samples, 95):.2f}")


Samples = tuple[list[float], list[float]]
"""Wall and CPU milliseconds."""


async def _screen_figures(url: str) -> tuple[Samples, Samples]:
    """Milliseconds (wall, CPU) from the key to the rows painted (the screen's ``ShopScreen.Loaded``)."""
    from textual.widgets import DataTable

    from bench._tui import WatchedApp

    def marked(app: WatchedApp, first: bool, since: float, cpu_since: float, into: Samples) -> None:
        mark = next(m for m in app.marks_of("orders", since) if m.first == first)
        into[0].append((mark.perf - since) * 1000)
        into[1].append((mark.cpu - cpu_since) * 1000)

    opened: Samples = ([], [])
    pages: Samples = ([], [])
    for _ in range(3):
        app = WatchedApp(db_url=url, poll_seconds=600)
        async with app.run_test(size=(80, 24)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause(0.3)
            started, cpu = time.perf_counter(), time.process_time()
            await pilot.press("f4")
            await app.workers.wait_for_complete()
            await pilot.pause(0.2)
            marked(app, True, started, cpu, opened)
            app.screen.query_one("#orders-table", DataTable).focus()
            await pilot.pause(0.1)
            for _ in range(5):
                started, cpu = time.perf_counter(), time.process_time()
                await pilot.press("ctrl+end")
                await app.workers.wait_for_complete()
                await pilot.pause(0.1)
                marked(app, False, started, cpu, pages)
    return opened, pages


def _only_order_modules() -> None:
    """The shell with the core, catalogue, inventory and orders modules (others' dashboard figures do not count)."""
    from shoptui import modules
    from shoptui.modules import catalog, core, inventory, orders

    chosen = (core.MODULE, catalog.MODULE, inventory.MODULE, orders.MODULE)
    modules.all_modules = lambda: chosen  # type: ignore[assignment]


def run() -> None:
    import bench._tui  # noqa: F401  (the app's import cost stays outside the timings)
    from shoptui import clock, db

    url = _store_url()
    _only_order_modules()
    with clock.frozen(NOW):
        _worker_figures(url)
        opened, pages = asyncio.run(_screen_figures(url))
    figure("F4 to the first orders painted, 80x24 (median of 3)", percentile(opened[0], 50), OPEN_MS,
           note=f"CPU {percentile(opened[1], 50):.0f} ms; first visit {opened[0][0]:.0f} ms (imports the screen); "
                f"load average {os.getloadavg()[0]:.1f}")
    figure("ctrl+end to the next page painted (p50 of 15)", percentile(pages[0], 50), NEXT_PAGE_MS,
           note=f"CPU {percentile(pages[1], 50):.0f} ms; p95 {percentile(pages[0], 95):.0f} ms")
    db.dispose_all()
