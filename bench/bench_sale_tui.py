"""The sale screen: from the scan (the scanner's enter) to the basket drawn, in the real app (headless).

A demo store (the demo catalogue with stock, 20 running promotions, a member) is built once in
``bench/.data``. The app runs headless through Textual's Pilot at 80x24; each scan types a barcode
and enter, like a scanner, and the figure is the time from the enter key to the moment the screen
has drawn the new basket (the worker priced it with every offer, the table and totals were
updated and refreshed). Also: the same for a typed quantity change, an unknown code (refused in
words), and completing the sale (payment dialog to receipt shown). Target: a scan lands in at most
50 ms, so a scanner never waits on the screen.

Run: ``.venv/bin/python -m bench sale_tui``
"""

from __future__ import annotations

import asyncio
import random
import time
from datetime import timedelta
from typing import Any

from bench._report import DATA, figure, percentile

STORE = DATA / "sale-tui.db"
SCANS = 60
TARGET_MS = 50


def _store() -> str:
    from shoptui import clock, db
    from shoptui.config import Actor
    from shoptui.services import catalog, inventory, marketing
    from shoptui.services import members as members_api

    url = f"sqlite:///{STORE}"
    if STORE.exists():
        return url
    DATA.mkdir(exist_ok=True)
    db.upgrade(str(STORE), backup=False)
    actor = Actor(name="bench", source="bench")
    with db.transaction(url) as s:
        catalog.load_demo(session=s, actor=actor)
        inventory.load_demo_stock(session=s, actor=actor)
        members_api.add_member(session=s, actor=actor, data=members_api.MemberCreate(name="Bench member", phone="13800138000"))
        start = clock.now() - timedelta(days=1)
        for n in range(20):
            marketing.add_promotion(session=s, actor=actor, data=marketing.PromotionInput(
                name=f"Every 100 off {n + 1}", kind="spend_save", starts_at=start, every_minor=10_000 + n * 1000,
                every_off_minor=100 + n * 10, cap_minor=5000))
    return url


def _codes(url: str) -> list[str]:
    from sqlmodel import select

    from shoptui import db
    from shoptui.models.catalog import Variant

    with db.read_session(url) as s:
        return [code for code in s.exec(select(Variant.barcode)) if code]


def _watched_app(url: str, services: list[float]) -> Any:
    """A ShopApp that notes when each basket change (or refusal) is drawn, and how long each change took
    the services in the sale screen's worker (``apply_op``) into ``services``."""
    from textual import on

    from shoptui.tui.app import ShopApp
    from shoptui.tui.screens.sale import screen as sale_screen
    from shoptui.tui.screens.sale.screen import SaleScreen

    apply_op = sale_screen.apply_op

    def timed_apply(*args: Any) -> Any:
        began = time.perf_counter()
        try:
            return apply_op(*args)
        finally:
            services.append((time.perf_counter() - began) * 1000)

    sale_screen.apply_op = timed_apply  # the worker looks it up on every change

    class WatchedSaleApp(ShopApp):
        last_drawn_at = 0.0
        seen_at = 0.0
        """``perf_counter()`` when the app got the last BasketChanged (the screen had updated its widgets)."""
        """``perf_counter()`` after the refresh that drew the last basket change or refusal."""

        @on(SaleScreen.BasketChanged)
        def _changed(self, event: SaleScreen.BasketChanged) -> None:
            if event.op.kind in ("scan", "quantity", "step", "remove"):  # an entry, not a fresh basket
                self.seen_at = time.perf_counter()
                self.screen.call_after_refresh(self._drawn)  # the screen drew it before the message bubbled here

        @on(SaleScreen.BasketRefused)
        def _refused(self, event: SaleScreen.BasketRefused) -> None:
            if event.op.kind in ("scan", "quantity", "step"):
                self.screen.call_after_refresh(self._drawn)

        def _drawn(self) -> None:
            self.last_drawn_at = time.perf_counter()

    return WatchedSaleApp(db_url=url, poll_seconds=3600)


async def _measure(url: str) -> dict[str, list[float]]:
    from textual.keys import _character_to_key

    from shoptui.services import sales as sales_api
    from shoptui.tui.screens.sale.screen import SaleScreen

    out: dict[str, list[float]] = {"scan": [], "quantity": [], "unknown": [], "complete": [], "service": [],
                                   "complete_service": [], "seen": []}
    original = sales_api.complete_sale

    def timed(**kwargs: object) -> object:
        began = time.perf_counter()
        try:
            return original(**kwargs)  # type: ignore[arg-type]
        finally:
            out["complete_service"].append((time.perf_counter() - began) * 1000)

    sales_api.complete_sale = timed  # type: ignore[assignment]
    rnd = random.Random(7)
    codes = rnd.sample(_codes(url), 40)
    services: list[float] = []
    app = _watched_app(url, services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.press("f5")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause(0.2)
        screen = pilot.app.screen
        assert isinstance(screen, SaleScreen)

        async def enter(text: str, kind: str) -> None:
            await pilot.press(*[_character_to_key(ch) for ch in text])
            started = time.perf_counter()
            done = len(services)
            await pilot.press("enter")
            while app.last_drawn_at < started:
                await asyncio.sleep(0.0005)
            out[kind].append((app.last_drawn_at - started) * 1000)
            if kind == "scan":
                out["seen"].append((app.seen_at - started) * 1000)
                out["service"] += services[done:]

        for n in range(SCANS):
            if n and n % 12 == 0:  # a sale of a dozen items: pay, then the next customer
                await pilot.press("f12", "f3")
                started = time.perf_counter()
                await pilot.press("enter")
                while not pilot.app.screen.__class__.__name__ == "ReceiptDialog":
                    await asyncio.sleep(0.0005)
                out["complete"].append((time.perf_counter() - started) * 1000)
                await pilot.press("enter")
                await pilot.app.workers.wait_for_complete()
                await pilot.pause(0.05)
            await enter(rnd.choice(codes[:8] if n % 3 == 0 else codes), "scan")  # some repeat: quantity + 1
            if n % 5 == 4:
                await enter("2", "quantity")
            if n % 10 == 9:
                await enter("NO-SUCH-CODE", "unknown")
    return out


def run() -> None:
    url = _store()
    import os

    cpu = time.process_time()
    out = asyncio.run(_measure(url))
    print(f"   (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs while measuring)")
    print(f"   ({len(out['scan'])} scans, {len(out['quantity'])} quantity changes, {len(out['unknown'])} unknown codes, "
          f"{len(out['complete'])} completed sales; cpu {time.process_time() - cpu:.1f} s in all)")
    figure("scan -> basket drawn (median)", percentile(out["scan"], 50), TARGET_MS)
    figure("  scan -> basket handled (the app gets BasketChanged, median)", percentile(out["seen"], 50), TARGET_MS)
    figure("scan -> basket drawn (p95)", percentile(out["scan"], 95), TARGET_MS)
    figure("scan -> basket drawn (max)", max(out["scan"]), TARGET_MS * 2)
    figure("  of which the services (sales.scan in the worker, median)", percentile(out["service"], 50), TARGET_MS)
    figure("typed quantity -> basket drawn (median)", percentile(out["quantity"], 50), TARGET_MS)
    figure("unknown code -> refusal shown (median)", percentile(out["unknown"], 50), TARGET_MS)
    figure("pay (enter) -> receipt shown (median)", percentile(out["complete"], 50), 200)
    figure("  of which complete_sale (order, payments, stock, receipt)", percentile(out["complete_service"], 50), 30,
           note="bench_sales times the service alone")
