"""Editing the lines of an unpaid order from its detail (key l): add by SKU or barcode, +/-, set, remove.

SO-000001 (Wang Fang, unpaid): TEE-01 x2 at 99.00, MUG-01 x1 at 35.50, shipping 10.00 = 243.50.
"""
# ruff: noqa: F811  (the fixtures are imported by name from tests.tui.test_orders_screen)

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from shoptui import db
from shoptui.services.orders import payments
from shoptui.tui.app import ShopApp
from shoptui.tui.screens.orders.detail import OrderDetailScreen
from shoptui.tui.screens.orders.lines import EditLinesScreen
from tests.conftest import CLERK
from tests.tui.conftest import settle
from tests.tui.test_orders_screen import (  # noqa: F401  (fixtures)
    go_to,
    open_orders,
    order,
    orders_app,
    orders_registry,
    orders_store,
    orders_template,
    stock,
    toasts,
    type_text,
)


async def open_editor(pilot: Pilot, number: str = "SO-000001") -> EditLinesScreen:
    """F4, the order's detail, then l."""
    screen = await open_orders(pilot)
    await go_to(pilot, screen, number)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, OrderDetailScreen)
    await pilot.press("l")
    await settle(pilot)
    editor = pilot.app.screen
    assert isinstance(editor, EditLinesScreen)
    return editor


def lines(store: str, number: str = "SO-000001") -> dict[str, int]:
    """SKU -> quantity, read through the service."""
    return {line.sku: line.quantity for line in order(store, number).lines}


def said(editor: EditLinesScreen) -> str:
    return str(editor.query_one("#lines-message", Static).render())


def shown(editor: EditLinesScreen) -> list[tuple[str, str]]:
    """(SKU, quantity) of the table's rows."""
    table = editor.query_one("#lines-table", DataTable)
    return [(str(table.get_row_at(i)[0]), str(table.get_row_at(i)[2])) for i in range(table.row_count)]


async def scan(pilot: Pilot, editor: EditLinesScreen, text: str) -> None:
    editor.query_one("#lines-code", Input).focus()
    await type_text(pilot, text)
    await pilot.press("enter")
    await settle(pilot)


async def test_add_change_and_remove_lines_keyboard_only(orders_app: ShopApp, orders_store: str) -> None:
    mugs, tees = stock(orders_store, "MUG-01")[1], stock(orders_store, "TEE-01")[1]  # committed
    async with orders_app.run_test(size=(80, 24)) as pilot:
        editor = await open_editor(pilot)
        assert shown(editor) == [("TEE-01", "2"), ("MUG-01", "1")]
        assert "Total 243.50" in str(editor.query_one("#lines-total", Static).render())
        assert editor.focused is editor.query_one("#lines-code", Input)  # ready to scan

        await scan(pilot, editor, "MUG-01:2")  # a SKU already there: two more
        assert lines(orders_store) == {"TEE-01": 2, "MUG-01": 3}
        assert "MUG-01 1 -> 3; total 314.50" in said(editor)
        assert "Total 314.50" in str(editor.query_one("#lines-total", Static).render())

        await pilot.press("shift+tab")  # to the table, first line (TEE-01)
        assert editor.focused is editor.query_one("#lines-table", DataTable)
        await pilot.press("plus")
        await settle(pilot)
        assert lines(orders_store)["TEE-01"] == 3
        await pilot.press("minus")
        await settle(pilot)
        await pilot.press("minus")
        await settle(pilot)
        assert lines(orders_store)["TEE-01"] == 1

        await pilot.press("down", "q")  # MUG-01's quantity into the box
        box = editor.query_one("#lines-code", Input)
        assert box.value == "MUG-01=" and editor.focused is box
        await type_text(pilot, "4")
        await pilot.press("enter")
        await settle(pilot)
        assert lines(orders_store) == {"TEE-01": 1, "MUG-01": 4}, said(editor)

        await pilot.press("shift+tab")
        editor.query_one("#lines-table", DataTable).move_cursor(row=0)
        await pilot.press("delete")  # TEE-01 goes
        await settle(pilot)
        assert lines(orders_store) == {"MUG-01": 4}
        await scan(pilot, editor, "6901234567892")  # TEE-01 back, by its barcode
        assert lines(orders_store) == {"MUG-01": 4, "TEE-01": 1}
        assert shown(editor) == [("MUG-01", "4"), ("TEE-01", "1")]

        await pilot.press("escape")
        await settle(pilot)
        detail = pilot.app.screen
        assert isinstance(detail, OrderDetailScreen) and detail.order is not None
        assert detail.order.total_minor == 4 * 3550 + 9900 + 1000  # read again, priced by the service
        assert detail.changed
    final = order(orders_store, "SO-000001")
    assert final.total_minor == 4 * 3550 + 9900 + 1000
    assert sum(e.kind == "edited" for e in final.events) == 7
    assert stock(orders_store, "MUG-01")[1] == mugs - 1 + 4  # reservations follow
    assert stock(orders_store, "TEE-01")[1] == tees - 2 + 1


async def test_refusals_are_said_and_change_nothing(orders_app: ShopApp, orders_store: str) -> None:
    before = order(orders_store, "SO-000001")
    async with orders_app.run_test(size=(80, 24)) as pilot:
        editor = await open_editor(pilot)
        await scan(pilot, editor, "NOPE-99")
        assert "NOPE-99" in said(editor) and editor.query_one("#lines-message").has_class("-error")
        await scan(pilot, editor, "TEE-01=two")
        assert "not a whole number" in said(editor)
        await scan(pilot, editor, "MUG-01=0")
        await scan(pilot, editor, "TEE-01=0")  # the last line: cancel instead
        assert "no lines left" in said(editor)
        await scan(pilot, editor, "CAP-01:5")  # only one cap, and it is sold
        assert said(editor) and editor.query_one("#lines-message").has_class("-error")
        assert shown(editor) == [("TEE-01", "2")]
    assert lines(orders_store) == {"TEE-01": 2}
    assert order(orders_store, "SO-000001").total_minor == before.total_minor - 3550


async def test_a_paid_order_is_refused_before_and_after_the_editor_opens(orders_app: ShopApp,
                                                                          orders_store: str) -> None:
    async with orders_app.run_test(size=(80, 24)) as pilot:
        screen = await open_orders(pilot)
        await go_to(pilot, screen, "SO-000002")  # paid by card
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(pilot.app.screen, OrderDetailScreen)
        assert any("SO-000002 is paid; only unpaid orders can be edited" in t for t in toasts(orders_app))
        await pilot.press("escape")
        await settle(pilot)

        editor = await open_editor(pilot)
        with db.transaction(orders_store) as session:  # paid at another terminal meanwhile
            payments.pay(session=session, actor=CLERK, number="SO-000001", method="cash")
        await pilot.press("shift+tab", "plus")
        await settle(pilot)
        assert "only unpaid orders can be edited" in said(editor)
        assert shown(editor) == [("TEE-01", "2"), ("MUG-01", "1")]
    assert lines(orders_store) == {"TEE-01": 2, "MUG-01": 1}


def test_line_editor_at_80x24(snap_compare: Any, orders_app: ShopApp) -> None:
    async def open_it(pilot: Pilot) -> None:
        await open_editor(pilot)
        await scan(pilot, pilot.app.screen, "MUG-01")  # type: ignore[arg-type]
        await settle(pilot, 5)
        pilot.app.clear_notifications()
        for entry in pilot.app.screen.query(Input):
            entry.cursor_blink = False
        await pilot.pause()

    assert snap_compare(orders_app, terminal_size=(80, 24), run_before=open_it)
