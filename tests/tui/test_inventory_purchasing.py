"""Purchasing: PO list and detail (lines, order, receive all, receive by scanning), suppliers, reorder drafts."""
# ruff: noqa: F811  (the fixtures are imported by name from tests.tui.inventory_support)

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, Static

from shoptui import db
from shoptui.services.inventory import purchasing
from shoptui.tui.app import ShopApp
from shoptui.tui.screens.inventory.purchasing import (
    NewPODialog,
    PODetailScreen,
    POLineDialog,
    PurchasingScreen,
    SupplierDialog,
)
from shoptui.tui.widgets.confirm import Confirm
from tests.conftest import CLERK
from tests.tui.conftest import settle
from tests.tui.inventory_support import (  # noqa: F401  (fixtures)
    barcode_of,
    inventory_registry,
    level,
    scan,
    stock_app,
    stock_store,
    stock_template,
    toasts,
    type_text,
)


async def open_purchasing(pilot: Pilot) -> PurchasingScreen:
    await settle(pilot)
    await pilot.press("ctrl+g")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, PurchasingScreen)
    return screen


def po(store: str, po_id: int) -> purchasing.PORead:
    with db.read_session(store) as session:
        return purchasing.get_po(session=session, po_id=po_id)


def small_po(store: str) -> int:
    """An ordered PO of 2 x D010 and 1 x D018 (both low in the demo)."""
    with db.transaction(store) as session:
        created = purchasing.create_po(session=session, actor=CLERK, supplier="Northwind Supply")
        purchasing.add_po_line(session=session, actor=CLERK, po_id=created.id, code="D010", quantity=2)
        purchasing.add_po_line(session=session, actor=CLERK, po_id=created.id, code="D018", quantity=1)
        purchasing.order_po(session=session, actor=CLERK, po_id=created.id)
    return created.id


async def open_po(pilot: Pilot, screen: PurchasingScreen, po_id: int) -> PODetailScreen:
    table = screen.query_one("#po-table", DataTable)
    table.move_cursor(row=table.get_row_index(str(po_id)))
    table.focus()
    await pilot.press("enter")
    await settle(pilot)
    detail = pilot.app.screen
    assert isinstance(detail, PODetailScreen) and detail.po is not None and detail.po.id == po_id
    return detail


async def test_the_demo_po_is_listed_and_opens(stock_app: ShopApp) -> None:
    async with stock_app.run_test(size=(80, 24)) as pilot:
        screen = await open_purchasing(pilot)
        assert [o.number for o in screen.orders.values()] == ["PO-000001"]
        detail = await open_po(pilot, screen, 1)
        assert "PO-000001 · Northwind Supply · ORDERED" in str(detail.query_one("#po-head", Static).render())
        assert detail.query_one("#po-lines", DataTable).row_count == 3
        await pilot.press("escape")
        assert pilot.app.screen is screen


async def test_receive_by_scanning(stock_app: ShopApp, stock_store: str) -> None:
    po_id = small_po(stock_store)
    tote, knife = barcode_of(stock_store, "D010"), barcode_of(stock_store, "D018")
    before_tote, before_knife = level(stock_store, "D010"), level(stock_store, "D018")
    assert before_tote is not None and before_knife is not None
    async with stock_app.run_test(size=(80, 24)) as pilot:
        screen = await open_purchasing(pilot)
        detail = await open_po(pilot, screen, po_id)
        await pilot.press("s")
        field = detail.query_one("#scan", Input)
        assert field.has_focus
        feedback = detail.query_one("#scan-feedback", Static)
        await scan(pilot, tote)
        await scan(pilot, tote)
        assert detail.scanned == {"D010": 2}
        assert "2 of 2 due scanned" in str(feedback.render())
        await scan(pilot, tote)  # a third is more than ordered
        assert detail.scanned == {"D010": 2}
        assert "still expects 2 of D010; this would be 3" in str(feedback.render())
        assert detail.query_one("#receive-panel").has_class("-refused")
        await scan(pilot, "D053")  # a real SKU that is not on this PO
        assert "D053 is not on" in str(feedback.render())
        await scan(pilot, "nope-123")
        assert "Unknown code 'nope-123'" in str(feedback.render())
        await scan(pilot, knife)
        assert detail.scanned == {"D010": 2, "D018": 1}
        await pilot.press("ctrl+o")  # allow over-receipt: the third tote now counts
        await scan(pilot, tote)
        assert detail.scanned == {"D010": 3, "D018": 1}
        await pilot.press("ctrl+z")  # and is taken back
        assert detail.scanned == {"D010": 2, "D018": 1}
        assert po(stock_store, po_id).status == "ordered"  # nothing is booked until ctrl+s
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert detail.scanned == {}
        assert any("Booked 3 scanned units" in t for t in toasts(stock_app))
    after = po(stock_store, po_id)
    assert after.status == "received"
    assert {line.sku: line.quantity_received for line in after.lines} == {"D010": 2, "D018": 1}
    tote_now, knife_now = level(stock_store, "D010"), level(stock_store, "D018")
    assert tote_now is not None and tote_now.on_hand == before_tote.on_hand + 2
    assert knife_now is not None and knife_now.on_hand == before_knife.on_hand + 1


async def test_a_draft_gets_lines_is_ordered_and_received_in_full(stock_app: ShopApp, stock_store: str) -> None:
    async with stock_app.run_test(size=(80, 24)) as pilot:
        await open_purchasing(pilot)
        await pilot.press("n")
        dialog = pilot.app.screen
        assert isinstance(dialog, NewPODialog)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Choose the supplier" in str(dialog.query_one("#row-supplier .field-error", Static).render())
        dialog.query_one("#f-supplier", Select).value = str(dialog.meta.suppliers[0][0])
        await pilot.press("ctrl+s")
        await settle(pilot)
        detail = pilot.app.screen
        assert isinstance(detail, PODetailScreen) and detail.po is not None and detail.po.status == "draft"
        po_id = detail.po.id
        await pilot.press("o")  # no lines yet: refused with the service's sentence
        await settle(pilot)
        assert any("has no lines" in t for t in toasts(stock_app))
        await pilot.press("a")
        line_dialog = pilot.app.screen
        assert isinstance(line_dialog, POLineDialog)
        await type_text(pilot, "D053")
        await pilot.press("tab")
        await type_text(pilot, "0")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "more than zero" in str(line_dialog.query_one("#row-quantity .field-error", Static).render())
        line_dialog.query_one("#f-quantity", Input).value = "6"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is detail and detail.po.lines[0].sku == "D053"
        await pilot.press("o")
        await settle(pilot)
        assert detail.po.status == "ordered"
        await pilot.press("r")
        assert isinstance(pilot.app.screen, Confirm)
        await pilot.press("y")
        await settle(pilot)
        assert detail.po.status == "received"
    assert po(stock_store, po_id).lines[0].quantity_received == 6


async def test_email_and_cancel(stock_app: ShopApp, stock_store: str) -> None:
    async with stock_app.run_test(size=(80, 24)) as pilot:
        screen = await open_purchasing(pilot)
        detail = await open_po(pilot, screen, 1)
        await pilot.press("m")
        await settle(pilot)
        assert any("queued as an email to sales@northwind.example" in t for t in toasts(stock_app))
        await pilot.press("x", "y")
        await settle(pilot)
        assert detail.po is not None and detail.po.status == "cancelled"
    assert po(stock_store, 1).status == "cancelled"


async def test_suppliers_are_added_and_edited_with_messages_beside_the_fields(stock_app: ShopApp,
                                                                              stock_store: str) -> None:
    async with stock_app.run_test(size=(80, 24)) as pilot:
        screen = await open_purchasing(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert screen.tab == "suppliers" and len(screen.suppliers) == 2
        await pilot.press("n")
        dialog = pilot.app.screen
        assert isinstance(dialog, SupplierDialog)
        dialog.query_one("#f-name", Input).value = "Paper & Ink [Ltd]"
        dialog.query_one("#f-email", Input).value = "not-an-email"
        dialog.query_one("#f-lead", Input).value = "400"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "'not-an-email' is not an email address" in str(
            dialog.query_one("#row-email .field-error", Static).render())
        dialog.query_one("#f-email", Input).value = "hello@paper.example"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "lead time must be 0 to 365 days, not 400" in str(
            dialog.query_one("#row-lead .field-error", Static).render())
        dialog.query_one("#f-lead", Input).value = "3"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert "Paper & Ink [Ltd]" in [s.name for s in screen.suppliers.values()]
    with db.read_session(stock_store) as session:
        found = purchasing.find_supplier(session, "Paper & Ink [Ltd]")
    assert (found.email, found.lead_time_days) == ("hello@paper.example", 3)


async def test_reorder_suggestions_become_draft_pos(stock_app: ShopApp, stock_store: str) -> None:
    async with stock_app.run_test(size=(80, 24)) as pilot:
        screen = await open_purchasing(pilot)
        await pilot.press("3")
        await settle(pilot)
        assert screen.tab == "reorder" and screen.groups
        suggested = {line.sku for g in screen.groups if g.supplier_id for line in g.lines}
        await pilot.press("d", "y")
        await settle(pilot)
        assert screen.tab == "orders" and screen.state == "draft"
        assert screen.orders and all(o.status == "draft" for o in screen.orders.values())
    with db.read_session(stock_store) as session:
        drafts = purchasing.list_pos(session=session, status="draft").items
        lines = {line.sku for d in drafts for line in purchasing.get_po(session=session, po_id=d.id).lines}
    assert lines == suggested
