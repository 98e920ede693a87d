"""Fixtures and helpers of the inventory screen tests: a demo store with stock, loaded once per run.

Import the fixtures into a test module (``from tests.tui.inventory_support import *``-style, by name).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from shoptui import clock, db, modules
from shoptui.modules import catalog as catalog_module
from shoptui.modules import core
from shoptui.modules import inventory as inventory_module
from shoptui.services.catalog import transfer as catalog_io
from shoptui.services.inventory import demo as inventory_demo
from shoptui.services.inventory.listing import MovementRead, StockRow, list_moves, stock_of
from shoptui.services.shop import settings
from shoptui.tui.app import ShopApp
from tests.conftest import CLERK, FROZEN_AT
from tests.tui.conftest import settle
from tests.tui.store_support import TUI_CLERK, clerk_app, copy_store, seal_template, store_copy, type_text

__all__ = ["TUI_CLERK", "type_text"]  # imported from here by the inventory tests

@pytest.fixture(autouse=True)
def inventory_registry(core_registry: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The shell sees the core, catalogue and inventory modules, whatever else is installed."""
    monkeypatch.setattr(modules, "all_modules", lambda: (core.MODULE, catalog_module.MODULE, inventory_module.MODULE))
    settings.definitions.cache_clear()
    yield
    settings.definitions.cache_clear()


@pytest.fixture(scope="session")
def stock_template(template_store: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo catalogue and the demo stock, booked once per run at the frozen time."""
    url = copy_store(template_store, tmp_path_factory.mktemp("inventory-demo"), "demo.db")
    with clock.frozen(FROZEN_AT), db.transaction(url) as session:
        settings.set_value(session=session, actor=CLERK, key="name", raw="Corner Shop")
        catalog_io.load_demo(session=session, actor=CLERK)
        inventory_demo.load_demo_stock(session=session, actor=CLERK)
    return seal_template(url)


@pytest.fixture
def stock_store(stock_template: str, tmp_path: Path) -> Iterator[str]:
    """A copy of the demo store with stock for one test."""
    yield from store_copy(stock_template, tmp_path, "stock.db")


@pytest.fixture
def stock_app(stock_store: str, frozen_clock: object) -> ShopApp:
    """The app on that store, acting as a fixed clerk (snapshots show who started a count)."""
    return clerk_app(stock_store, poll_seconds=60)


async def scan(pilot: Pilot, code: str) -> None:
    """A scanner: the code, then enter; then let the worker land."""
    await type_text(pilot, code)
    await pilot.press("enter")
    await settle(pilot)


def toasts(app: ShopApp) -> list[str]:
    """Every toast shown so far."""
    return [n.message for n in app.toasts]


def level(store: str, sku: str, location: str | None = None) -> StockRow | None:
    """The stock row of a SKU at a location (default: the default location), read through the service."""
    with db.read_session(store) as session:
        shown = stock_of(session=session, code=sku)
    wanted = location or "MAIN"
    return next((row for row in shown.locations if row.location == wanted), None)


def movements(store: str, sku: str) -> list[MovementRead]:
    """The ledger of a SKU, newest first."""
    with db.read_session(store) as session:
        return list_moves(session=session, code=sku, limit=500).items


def barcode_of(store: str, sku: str) -> str:
    """The barcode of a SKU."""
    with db.read_session(store) as session:
        barcode = stock_of(session=session, code=sku).barcode
    assert barcode
    return barcode
