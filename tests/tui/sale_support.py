"""Fixtures and helpers of the sale screen tests: the demo catalogue with stock and a member, built once per run.

Import the fixtures by name into a test module (they are plain pytest fixtures).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import func, select
from textual.pilot import Pilot
from textual.widgets import Input

from shoptui import clock, db, modules
from shoptui.models.orders import Order
from shoptui.modules import catalog as catalog_module
from shoptui.modules import core
from shoptui.modules import inventory as inventory_module
from shoptui.modules import marketing as marketing_module
from shoptui.modules import members as members_module
from shoptui.modules import orders as orders_module
from shoptui.modules import sales as sales_module
from shoptui.services.catalog import transfer as catalog_io
from shoptui.services.inventory import demo as inventory_demo
from shoptui.services.inventory.listing import stock_of
from shoptui.services.marketing import coupons as marketing_coupons
from shoptui.services.members import profiles as members
from shoptui.services.orders import common as orders_common
from shoptui.services.shop import settings
from shoptui.tui.app import ShopApp
from tests.conftest import CLERK, FROZEN_AT
from tests.tui.conftest import settle
from tests.tui.store_support import TUI_CLERK, clerk_app, copy_store, seal_template, store_copy, type_text

__all__ = ["TUI_CLERK"]  # imported from here by the sale tests

MEMBER_PHONE = "13800138000"
MEMBER_POINTS = 1200
COUPON = "SAVE10"  # 10.00 off from 100.00

# demo catalogue codes (prices tax included, CNY)
TEE_S_WHITE = "D001-S-WHITE"  # 79.00, 36 on the shelf
TEE_S_WHITE_BARCODE = "6920000000012"
TEE_M_BLACK = "D001-M-BLACK"  # 99.00
TEE_M_WHITE = "D001-M-WHITE"  # 79.00, only 3 on the shelf


def _without_screens(spec: modules.ModuleSpec) -> modules.ModuleSpec:
    return dataclasses.replace(spec, screens=())


@pytest.fixture(autouse=True)
def sale_registry(core_registry: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every module the counter needs (settings, order hooks), with the core screens and the sale screen only.

    The sidebar then does not change as other modules add screens, so snapshots stay put.
    """
    registry = (core.MODULE, _without_screens(catalog_module.MODULE), _without_screens(inventory_module.MODULE),
                _without_screens(orders_module.MODULE), sales_module.MODULE, _without_screens(members_module.MODULE),
                _without_screens(marketing_module.MODULE))
    monkeypatch.setattr(modules, "all_modules", lambda: registry)
    settings.definitions.cache_clear()
    orders_common._order_event_handlers.cache_clear()  # the members' hook (points earned on paid orders)
    yield
    settings.definitions.cache_clear()
    orders_common._order_event_handlers.cache_clear()


@pytest.fixture(scope="session")
def sale_template(template_store: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo catalogue, the demo stock and one member with points, booked once per run at the frozen time."""
    url = copy_store(template_store, tmp_path_factory.mktemp("sale-demo"), "demo.db")
    with clock.frozen(FROZEN_AT), db.transaction(url) as session:
        settings.set_value(session=session, actor=CLERK, key="name", raw="Corner Shop")
        catalog_io.load_demo(session=session, actor=CLERK)
        inventory_demo.load_demo_stock(session=session, actor=CLERK)
        member = members.add_member(session=session, actor=CLERK,
                                    data=members.MemberCreate(name="Wang Fang", phone=MEMBER_PHONE))
        members.adjust_points(session=session, actor=CLERK, ref=member.id, points=MEMBER_POINTS,
                              reason="welcome")
        marketing_coupons.add_coupon(session=session, actor=CLERK, data=marketing_coupons.CouponInput(
            name="Ten off a hundred", kind="amount", amount_minor=1000, min_spend_minor=10000, code=COUPON))
    return seal_template(url)


@pytest.fixture
def sale_store(sale_template: str, tmp_path: Path) -> Iterator[str]:
    """A copy of the demo store for one test."""
    yield from store_copy(sale_template, tmp_path, "sale.db")


@pytest.fixture
def sale_app(sale_store: str, frozen_clock: object) -> ShopApp:
    """The app on that store at the frozen time, acting as a fixed clerk."""
    return clerk_app(sale_store, poll_seconds=60)


def add_promotion(store: str, **fields: Any) -> None:
    """A promotion running since yesterday (before the app starts)."""
    from datetime import timedelta

    from shoptui.services.marketing import promotions as marketing_promotions

    fields.setdefault("starts_at", FROZEN_AT - timedelta(days=1))
    with db.transaction(store) as session:
        marketing_promotions.add_promotion(session=session, actor=CLERK,
                                           data=marketing_promotions.PromotionInput(**fields))


def set_setting(store: str, key: str, raw: str) -> None:
    """Change a store setting (before the app starts)."""
    with db.transaction(store) as session:
        settings.set_value(session=session, actor=CLERK, key=key, raw=raw)


async def open_sale(pilot: Pilot) -> Any:
    """F5, then wait for the fresh basket and the settings; returns the sale screen."""
    await settle(pilot)
    await pilot.press("f5")
    await settle(pilot)
    return pilot.app.screen


async def scan(pilot: Pilot, code: str) -> None:
    """A scanner: the code, then enter; then let the worker land."""
    await type_text(pilot, code)
    await pilot.press("enter")
    await settle(pilot)


async def fill(pilot: Pilot, selector: str, text: str) -> None:
    """Put text in a dialog's field (replacing what it held) by typing."""
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    field.value = ""
    await pilot.pause()
    await type_text(pilot, text)
    await pilot.pause()


def sale_screen(app: ShopApp) -> Any:
    """The sale screen (under any dialog of it)."""
    from shoptui.tui.screens.sale.screen import SaleScreen

    return next(s for s in app.screen_stack if isinstance(s, SaleScreen))


def basket_lines(app: ShopApp) -> list[tuple[str, int]]:
    """(SKU, quantity) of the sale screen's basket."""
    basket = sale_screen(app).basket
    return [] if basket is None else [(line.sku, line.quantity) for line in basket.lines]


def shown(app: ShopApp, selector: str) -> str:
    """The text a Static of the current screen shows."""
    from textual.widgets import Static

    return str(app.screen.query_one(selector, Static).render())


def totals(app: ShopApp) -> str:
    """The totals panel as plain text."""
    return str(sale_screen(app).query_one("#sale-totals").plain)


def message(app: ShopApp) -> str:
    """The line under the scan field."""
    from textual.widgets import Static

    return str(sale_screen(app).query_one("#sale-message", Static).render())


def available(store: str, sku: str) -> int:
    """What the shelf (default location) has available, through the service."""
    with db.read_session(store) as session:
        shown = stock_of(session=session, code=sku)
    row = next(r for r in shown.locations if r.location == "MAIN")
    return row.available


def order_count(store: str) -> int:
    """How many orders the store holds."""
    with db.read_session(store) as session:
        return int(session.exec(select(func.count()).select_from(Order)).one())


def burst(pilot: Pilot, text: str, *, enter: bool = False) -> None:
    """A scanner's burst: every key posted to the app at once, none waiting for the one before to be handled."""
    from textual import events
    from textual.keys import _character_to_key

    for ch in text:
        pilot.app.post_message(events.Key(_character_to_key(ch), ch))
    if enter:
        pilot.app.post_message(events.Key("enter", "\r"))
