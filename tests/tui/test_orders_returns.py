"""Returns in the TUI: request on an order, then approve -> receive -> refund from the returns queue (ctrl+e)."""
# ruff: noqa: F811  (the fixtures are imported by name from tests.tui.test_orders_screen)

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, Static

from shoptui import db
from shoptui.services.orders import returns as orders_returns
from shoptui.tui.app import ShopApp
from shoptui.tui.screens.orders.detail import OrderDetailScreen
from shoptui.tui.screens.orders.dialogs import (
    DecideReturnDialog,
    ExchangeDialog,
    ReceiveReturnDialog,
    RefundReturnDialog,
    ReturnRequestDialog,
)
from shoptui.tui.screens.orders.returns import ReturnsScreen
from tests.tui.conftest import settle
from tests.tui.test_orders_screen import (  # noqa: F401  (fixtures)
    error_of,
    go_to,
    open_orders,
    order,
    orders_app,
    orders_registry,
    orders_store,
    orders_template,
    stock,
    toasts,
)


def open_returns(store: str) -> list[tuple[int, str]]:
    """(id, status) of the open returns, read through the service."""
    with db.read_session(store) as session:
        return [(r.id, r.status) for r in orders_returns.list_returns(session=session, status="open").items]


async def request_return(pilot: Pilot, items: str, reason: str) -> ReturnRequestDialog:
    screen = await open_orders(pilot)
    await go_to(pilot, screen, "SO-000003")
    await pilot.press("t")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, ReturnRequestDialog)
    dialog.query_one("#f-items", Input).value = items
    dialog.query_one("#f-reason", Input).value = reason
    await pilot.press("ctrl+s")
    await settle(pilot)
    return dialog


async def test_a_bad_return_request_is_refused_beside_its_field(orders_app: ShopApp, orders_store: str) -> None:
    async with orders_app.run_test(size=(80, 24)) as pilot:
        dialog = await request_return(pilot, "MUG-01:1", "too small")
        assert "MUG-01 is not on this order" in error_of(dialog, "items")
        dialog.query_one("#f-items", Input).value = "TEE-01:2"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Only 1 of TEE-01 can be returned" in error_of(dialog, "items")
        dialog.query_one("#f-items", Input).value = "TEE-01:1"
        dialog.query_one("#f-reason", Input).value = ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Give a reason" in error_of(dialog, "reason")
    assert open_returns(orders_store) == []


async def test_return_request_approve_receive_refund(orders_app: ShopApp, orders_store: str) -> None:
    assert stock(orders_store, "TEE-01") == (9, 2)
    async with orders_app.run_test(size=(80, 24)) as pilot:
        await request_return(pilot, "TEE-01:1", "too small")
        assert [s for _, s in open_returns(orders_store)] == ["requested"]
        await pilot.press("ctrl+e")
        await settle(pilot)
        queue = pilot.app.screen
        assert isinstance(queue, ReturnsScreen)
        assert len(queue.rows) == 1
        row = queue.query_one("#returns-table", DataTable).get_row_at(0)
        assert "approve or reject" in str(row[5]) and "SO-000003" in str(row[1])

        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, DecideReturnDialog)
        await pilot.press("ctrl+s")  # approve is the default
        await settle(pilot)
        assert [s for _, s in open_returns(orders_store)] == ["approved"]
        assert "receive the goods" in str(queue.query_one("#returns-table", DataTable).get_row_at(0)[5])

        await pilot.press("enter")
        await settle(pilot)
        receive = pilot.app.screen
        assert isinstance(receive, ReceiveReturnDialog)
        assert receive.query_one("#f-cond-0", Select).value == "resellable"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert [s for _, s in open_returns(orders_store)] == ["received"]
        assert stock(orders_store, "TEE-01") == (10, 2)  # restocked

        await pilot.press("enter")
        await settle(pilot)
        refund = pilot.app.screen
        assert isinstance(refund, RefundReturnDialog)
        await pilot.press("ctrl+s")  # first: what goes back (the service's preview), nothing refunded yet
        await settle(pilot)
        assert pilot.app.screen is refund
        shown = str(refund.query_one("#form-banner", Static).render())
        assert "Refund 99.00 CNY on SO-000003:" in shown and "TEE-01" in shown and "ctrl+s again" in shown
        assert [s for _, s in open_returns(orders_store)] == ["received"]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is queue
        assert open_returns(orders_store) == []
        assert "No open returns" in str(queue.query_one("#returns-status", Static).render())
        assert any("refunded: 99.00 on SO-000003 (refunded)" in t for t in toasts(orders_app))
    found = order(orders_store, "SO-000003")
    assert (found.payment_status, found.refunded_minor, found.fulfilment_status) == ("refunded", 9900, "returned")
    assert [r.status for r in found.returns] == ["refunded"]


async def test_reject_needs_a_reason(orders_app: ShopApp, orders_store: str) -> None:
    async with orders_app.run_test(size=(80, 24)) as pilot:
        await request_return(pilot, "TEE-01:1", "changed mind")
        await pilot.press("ctrl+e")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        dialog = pilot.app.screen
        dialog.query_one("#f-decision", Select).value = "reject"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "reason for the rejection" in error_of(dialog, "note")
        assert [s for _, s in open_returns(orders_store)] == ["requested"]
        dialog.query_one("#f-note", Input).value = "worn"
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert open_returns(orders_store) == []


async def test_the_detail_does_the_next_return_step(orders_app: ShopApp, orders_store: str) -> None:
    async with orders_app.run_test(size=(80, 24)) as pilot:
        await request_return(pilot, "TEE-01:1", "too small")
        await pilot.press("enter")
        await settle(pilot)
        detail = pilot.app.screen
        assert isinstance(detail, OrderDetailScreen)
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(pilot.app.screen, DecideReturnDialog)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is detail and detail.changed
        assert detail.order is not None and [r.status for r in detail.order.returns] == ["approved"]
    assert [s for _, s in open_returns(orders_store)] == ["approved"]


async def test_exchange_from_the_detail(orders_app: ShopApp, orders_store: str) -> None:
    async with orders_app.run_test(size=(80, 24)) as pilot:
        screen = await open_orders(pilot)
        await go_to(pilot, screen, "SO-000003")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        exchange = pilot.app.screen
        assert isinstance(exchange, ExchangeDialog)
        exchange.query_one("#f-back", Input).value = "TEE-01:1"
        exchange.query_one("#f-new", Input).value = "NOPE:1"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "no SKU or barcode 'NOPE'" in error_of(exchange, "new")
        assert order(orders_store, "SO-000003").returns == []
        exchange.query_one("#f-new", Input).value = "MUG-01:1"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, OrderDetailScreen)
        assert any("Exchange on SO-000003: new order SO-000005, 63.50 refunded." in t for t in toasts(orders_app))
    new = order(orders_store, "SO-000005")
    assert [(line.sku, line.quantity) for line in new.lines] == [("MUG-01", 1)] and new.payment_status == "paid"


async def test_refund_dialog_shows_the_service_preview_then_refunds(orders_app: ShopApp, orders_store: str) -> None:
    """Issue 11 item 6: the TUI refund shows what goes back (same preview as the CLI) before refunding it."""
    from shoptui.tui.screens.orders.dialogs import RefundDialog

    on_hand, committed = stock(orders_store, "MUG-01")
    async with orders_app.run_test(size=(80, 24)) as pilot:
        screen = await open_orders(pilot)
        await go_to(pilot, screen, "SO-000002")
        await pilot.press("r")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, RefundDialog)
        dialog.query_one("#f-reason", Input).value = "supplier out of stock"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is dialog  # shown, not refunded yet
        shown = str(dialog.query_one("#form-banner", Static).render())
        assert "Refund 35.50 CNY on SO-000002:" in shown and "to card 35.50" in shown
        assert "reserved stock is released: MUG-01 x1" in shown
        assert order(orders_store, "SO-000002").refunded_minor == 0
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is not dialog
        assert any("SO-000002: refunded 35.50" in t for t in toasts(orders_app))
    found = order(orders_store, "SO-000002")
    assert (found.status, found.payment_status, found.refunded_minor) == ("cancelled", "refunded", 3550)
    assert stock(orders_store, "MUG-01") == (on_hand, committed - 1)
