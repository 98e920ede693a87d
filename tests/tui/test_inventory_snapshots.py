"""Snapshots at 80x24: the stock levels and the stocktake scan screen (frozen clock, the demo stock).

Update with ``pytest tests/tui/test_inventory_snapshots.py --snapshot-update`` and look at the SVGs first.
"""
# ruff: noqa: F811  (the fixtures are imported by name from tests.tui.inventory_support)

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Input

from shoptui.tui.app import ShopApp
from tests.tui.conftest import settle, until
from tests.tui.inventory_support import (  # noqa: F401  (fixtures)
    barcode_of,
    inventory_registry,
    scan,
    stock_app,
    stock_store,
    stock_template,
)


async def _quiet(pilot: Pilot) -> None:
    await settle(pilot)
    await until(pilot, lambda: not any(s.query(".-flash") for s in pilot.app.screen_stack))  # every scan flash faded
    pilot.app.clear_notifications()
    for entry in pilot.app.screen.query(Input):
        entry.cursor_blink = False
    await pilot.pause()


def test_levels_at_80x24(snap_compare, stock_app: ShopApp) -> None:  # type: ignore[no-untyped-def]
    async def open_levels(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("down", "down", "down")  # D001-M-WHITE: low, incoming on the open PO
        await _quiet(pilot)

    assert snap_compare(stock_app, terminal_size=(80, 24), run_before=open_levels)


def test_stocktake_scan_at_80x24(snap_compare, stock_app: ShopApp, stock_store: str) -> None:  # type: ignore[no-untyped-def]
    code = barcode_of(stock_store, "D005-M")

    async def scan_three(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("ctrl+y")
        await settle(pilot)
        await pilot.press("n", "ctrl+s")
        await settle(pilot)
        for _ in range(3):
            await scan(pilot, code)
        await _quiet(pilot)

    assert snap_compare(stock_app, terminal_size=(80, 24), run_before=scan_three)
