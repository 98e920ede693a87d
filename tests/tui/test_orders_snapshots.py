"""Snapshots at 80x24: the order list and an order's detail (frozen clock, the orders test store).

Update with ``pytest tests/tui/test_orders_snapshots.py --snapshot-update`` and look at the SVGs first.
"""
# ruff: noqa: F811  (the fixtures are imported by name from tests.tui.test_orders_screen)

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from shoptui.tui.app import ShopApp
from tests.tui.conftest import settle
from tests.tui.test_orders_screen import (  # noqa: F401  (fixtures)
    orders_app,
    orders_registry,
    orders_store,
    orders_template,
)


async def _quiet(pilot: Pilot) -> None:
    await settle(pilot, 5)
    pilot.app.clear_notifications()
    for entry in pilot.app.screen.query(Input):
        entry.cursor_blink = False
    await pilot.pause()


async def _open_orders(pilot: Pilot) -> None:
    await settle(pilot)
    await pilot.press("f4")
    await settle(pilot, 5)
    await pilot.press("down", "down", "down")  # SO-000001: unpaid, to ship
    await _quiet(pilot)


def test_order_list_at_80x24(snap_compare: Any, orders_app: ShopApp) -> None:
    assert snap_compare(orders_app, terminal_size=(80, 24), run_before=_open_orders)


def test_order_detail_at_80x24(snap_compare: Any, orders_app: ShopApp) -> None:
    async def open_detail(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot, 5)
        await pilot.press("down")  # SO-000003: paid and shipped
        await pilot.press("enter")
        await _quiet(pilot)

    assert snap_compare(orders_app, terminal_size=(80, 24), run_before=open_detail)
