"""Snapshots at 80x24 of the sale screen: a basket of two lines, and the payment dialog (frozen clock, demo stock).

Update with ``pytest tests/tui/test_sale_snapshots.py --snapshot-update`` and look at the SVGs first.
"""
# ruff: noqa: F811  (the fixtures are imported by name from tests.tui.sale_support)

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Input

from shoptui.tui.app import ShopApp
from shoptui.tui.screens.sale.dialogs import CustomerDialog
from shoptui.tui.screens.sale.payment import PaymentDialog
from shoptui.tui.screens.sale.screen import SaleScreen
from tests.tui.conftest import settle, until
from tests.tui.sale_support import (  # noqa: F401  (fixtures)
    MEMBER_PHONE,
    TEE_M_BLACK,
    TEE_S_WHITE_BARCODE,
    open_sale,
    sale_app,
    sale_registry,
    sale_store,
    sale_template,
    scan,
    type_text,
)


async def _quiet(pilot: Pilot) -> None:
    await settle(pilot)
    # the scan flash has faded, on the sale screen under a dialog too (it shows through the dialog's backdrop)
    await until(pilot, lambda: not any(screen.query(".-flash") for screen in pilot.app.screen_stack))
    pilot.app.clear_notifications()
    for screen in pilot.app.screen_stack:
        for entry in screen.query(Input):
            entry.cursor_blink = False
    await pilot.pause()


async def _two_lines(pilot: Pilot) -> None:
    await open_sale(pilot)
    await scan(pilot, TEE_S_WHITE_BARCODE)
    await scan(pilot, TEE_S_WHITE_BARCODE)
    await scan(pilot, TEE_M_BLACK)
    sale = pilot.app.screen
    assert isinstance(sale, SaleScreen)
    await pilot.press("ctrl+r")
    await until(pilot, lambda: isinstance(pilot.app.screen, CustomerDialog))
    dialog = pilot.app.screen
    assert isinstance(dialog, CustomerDialog)
    await type_text(pilot, MEMBER_PHONE)
    await pilot.press("enter")
    await until(pilot, lambda: dialog.found is not None)  # each step waits for its worker: CI machines are busy
    await pilot.press("enter")  # to the points
    await type_text(pilot, "200")
    await pilot.press("enter")
    await until(pilot, lambda: pilot.app.screen is sale and not sale.busy
                and sale.basket is not None and sale.basket.points_to_use == 200)


def test_basket_of_two_lines_at_80x24(snap_compare, sale_app: ShopApp) -> None:  # type: ignore[no-untyped-def]
    async def ring_up(pilot: Pilot) -> None:
        await _two_lines(pilot)
        await _quiet(pilot)

    assert snap_compare(sale_app, terminal_size=(80, 24), run_before=ring_up)


def test_payment_dialog_at_80x24(snap_compare, sale_app: ShopApp) -> None:  # type: ignore[no-untyped-def]
    async def to_payment(pilot: Pilot) -> None:
        await _two_lines(pilot)
        await pilot.press("f12")
        await until(pilot, lambda: isinstance(pilot.app.screen, PaymentDialog))
        await type_text(pilot, "300")
        dialog = pilot.app.screen
        assert isinstance(dialog, PaymentDialog)
        await until(pilot, lambda: dialog.query_one("#pay-cash", Input).value == "300" and dialog.plan is not None)
        await _quiet(pilot)

    assert snap_compare(sale_app, terminal_size=(80, 24), run_before=to_payment)
