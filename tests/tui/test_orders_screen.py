"""The orders screen (F4): list, filters, search, detail and timeline, pay, ship, batch ship, cancel.

The fixtures here (a store with three products, two customers and four orders, made once per run at
fixed times) are imported by the other ``test_orders_*`` modules.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select
from textual.keys import _character_to_key
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, Static

from shoptui import clock, db, modules
from shoptui.config import Actor
from shoptui.models.messaging import OutboxMessage
from shoptui.services.inventory.levels import levels_for
from shoptui.services.inventory.variants import find_variant
from shoptui.services.members import customers
from shoptui.services.orders import common as orders_common
from shoptui.services.orders import drafts, placing, reading
from shoptui.services.orders import shipping as orders_shipping
from shoptui.services.shop import settings
from shoptui.tui.app import ShopApp
from shoptui.tui.screens.orders.batch import BatchRow, BatchShipDialog
from shoptui.tui.screens.orders.detail import OrderDetailScreen
from shoptui.tui.screens.orders.dialogs import CancelDialog, NewOrderDialog, PayDialog, ShipDialog
from shoptui.tui.screens.orders.screen import OrdersScreen, columns_for
from shoptui.tui.widgets.form import FieldRow
from shoptui.tui.widgets.paged_table import page_size
from tests.conftest import CLERK, FROZEN_AT
from tests.services.orders_helpers import seed
from tests.tui.conftest import settle
from tests.tui.store_support import clerk_app, copy_store, seal_template, store_copy

TUI_CLERK = Actor(name="clerk", source="tui")
ALL_MODULES = modules.all_modules()
"""Every real module (read before the TUI fixtures narrow the registry)."""
WITH_SCREENS = ("core", "catalog", "inventory", "orders")


@pytest.fixture(autouse=True)
def orders_registry(core_registry: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every module's settings and hooks, but only the core, catalogue, inventory and orders screens.

    The sidebar (and so the snapshots) does not change as other modules add their screens.
    """
    narrowed = tuple(spec if spec.name in WITH_SCREENS else replace(spec, screens=()) for spec in ALL_MODULES)
    monkeypatch.setattr(modules, "all_modules", lambda: narrowed)
    settings.definitions.cache_clear()
    orders_common._order_event_handlers.cache_clear()
    yield
    settings.definitions.cache_clear()
    orders_common._order_event_handlers.cache_clear()


def _at(minutes_before: int) -> clock.frozen:  # type: ignore[name-defined]
    return clock.frozen(FROZEN_AT - timedelta(minutes=minutes_before))


def build_orders_store(session: object) -> None:
    """TEE-01 (99.00, 10), MUG-01 (35.50, 5), CAP-01 (10.00, 1); Wang Fang and Li Lei; four orders.

    SO-000001 Wang Fang unpaid (TEE-01 x2, MUG-01, shipping 10.00) · SO-000002 Li Lei paid by card ·
    SO-000003 Wang Fang paid and shipped with SF · SO-000004 a guest, paid in cash (CAP-01).
    """
    s = session
    settings.set_value(session=s, actor=CLERK, key="name", raw="Corner Shop")
    seed(s)  # type: ignore[arg-type]
    customers.add_customer(session=s, actor=CLERK, data=customers.CustomerCreate(  # type: ignore[arg-type]
        name="Wang Fang", phone="+86 138-0013-8000", email="fang@example.com",
        address=customers.AddressInput(city="Hangzhou", street="1 West Lake Rd", country="CN")))
    customers.add_customer(session=s, actor=CLERK, data=customers.CustomerCreate(  # type: ignore[arg-type]
        name="Li Lei", phone="13900139000"))
    line = drafts.DraftLine
    with _at(240):
        placing.create_order(session=s, actor=CLERK, draft=drafts.OrderDraft(  # type: ignore[arg-type]
            channel="phone", customer="13800138000", shipping_minor=1000,
            lines=[line(sku="TEE-01", quantity=2), line(sku="MUG-01", quantity=1)]))
    with _at(180):
        placing.create_order(session=s, actor=CLERK, draft=drafts.OrderDraft(  # type: ignore[arg-type]
            channel="web", customer="13900139000", lines=[line(sku="MUG-01", quantity=1)],
            payments=[drafts.DraftPayment(method="card")]))
    with _at(120):
        placing.create_order(session=s, actor=CLERK, draft=drafts.OrderDraft(  # type: ignore[arg-type]
            channel="chat", customer="fang@example.com", lines=[line(sku="TEE-01", quantity=1)],
            payments=[drafts.DraftPayment(method="mobile")]))
    with _at(90):
        orders_shipping.ship(session=s, actor=CLERK, number="SO-000003", carrier="SF",  # type: ignore[arg-type]
                             tracking="SF1234567890")
    with _at(60):
        placing.create_order(session=s, actor=CLERK, draft=drafts.OrderDraft(  # type: ignore[arg-type]
            channel="web", guest_name="Walk-in", guest_phone="13700137000", lines=[line(sku="CAP-01", quantity=1)],
            payments=[drafts.DraftPayment(method="cash")]))


@pytest.fixture(scope="session")
def orders_template(template_store: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The store of every orders screen test, built once per run."""
    url = copy_store(template_store, tmp_path_factory.mktemp("orders-tui"), "orders.db")
    with pytest.MonkeyPatch.context() as patch:
        narrowed = tuple(spec if spec.name in WITH_SCREENS else replace(spec, screens=()) for spec in ALL_MODULES)
        patch.setattr(modules, "all_modules", lambda: narrowed)
        settings.definitions.cache_clear()
        with db.transaction(url) as session:
            build_orders_store(session)
        settings.definitions.cache_clear()
    return seal_template(url)


@pytest.fixture
def orders_store(orders_template: str, tmp_path: Path) -> Iterator[str]:
    """A copy of the orders store for one test."""
    yield from store_copy(orders_template, tmp_path, "orders.db")


@pytest.fixture
def orders_app(orders_store: str, frozen_clock: object) -> ShopApp:
    """The app on that store, as a fixed clerk, not polling."""
    return clerk_app(orders_store)


# ---------------------------------------------------------------- helpers


async def open_orders(pilot: Pilot) -> OrdersScreen:
    """F4, then wait for the list and the meta data."""
    await settle(pilot)
    await pilot.press("f4")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, OrdersScreen)
    for _ in range(20):
        if screen.meta.store.loaded and screen.rows:
            break
        await settle(pilot, 1)
    return screen


async def type_text(pilot: Pilot, text: str) -> None:
    """Type text as keys."""
    await pilot.press(*[_character_to_key(ch) for ch in text])


async def go_to(pilot: Pilot, screen: OrdersScreen, number: str) -> None:
    """Put the cursor on an order of the list."""
    table = screen.query_one("#orders-table", DataTable)
    table.focus()
    table.move_cursor(row=table.get_row_index(number))
    await settle(pilot)
    assert screen.current() is not None and screen.current().number == number  # type: ignore[union-attr]


def error_of(dialog: object, field: str) -> str:
    """The refusal shown under a field ("" when none)."""
    row = dialog.query_one(f"#row-{field}", FieldRow)  # type: ignore[attr-defined]
    return str(row.query_one(".field-error", Static).render()) if row.has_class("-invalid") else ""


def toasts(app: ShopApp) -> list[str]:
    """Every toast shown so far."""
    return [n.message for n in app.toasts]


def order(store: str, number: str) -> reading.OrderRead:
    """An order read through the service."""
    with db.read_session(store) as session:
        return reading.get_order(session=session, number=number)


def stock(store: str, sku: str) -> tuple[int, int]:
    """(on hand, committed) of a SKU."""
    with db.read_session(store) as session:
        variant = find_variant(session, sku)
        found = levels_for(session, [variant.id])[variant.id]
    return found.on_hand, found.committed


def outbox(store: str, number: str) -> list[tuple[str, str]]:
    """(template, channel) of the messages queued about an order."""
    with db.read_session(store) as session:
        return list(session.exec(select(OutboxMessage.template, OutboxMessage.channel)
                                 .where(OutboxMessage.ref_id == number)).all())


def plain(renderable: object, width: int = 76) -> str:
    """A rich renderable as plain text."""
    import io

    from rich.console import Console

    console = Console(width=width, file=io.StringIO(), record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def numbers(screen: OrdersScreen) -> list[str]:
    """The orders listed, in order."""
    return list(screen.rows)


# ---------------------------------------------------------------- list, filters, search


async def test_f4_opens_the_orders_newest_first(orders_app: ShopApp) -> None:
    async with orders_app.run_test(size=(80, 24)) as pilot:
        screen = await open_orders(pilot)
        assert numbers(screen) == ["SO-000004", "SO-000003", "SO-000002", "SO-000001"]
        assert screen.next_after is None
        status = str(screen.query_one("#orders-status", Static).render())
        assert "4 orders" in status and "unpaid 1" in status and "to ship 2" in status
        assert screen.rows["SO-000003"].tracking == "SF1234567890"
        detail = str(screen.query_one("#orders-detail", Static).render())
        assert detail.startswith("SO-000004 · Walk-in · +8613700137000 · web · 1 item · total 10.00")  # a guest phone is stored E.164
        assert not [t for t in toasts(orders_app) if "wrong" in t]


async def test_filter_by_status_and_channel(orders_app: ShopApp) -> None:
    async with orders_app.run_test(size=(80, 24)) as pilot:
        screen = await open_orders(pilot)
        screen.query_one("#filter-status", Select).value = "unpaid"
        await settle(pilot)
        assert numbers(screen) == ["SO-000001"]
        screen.query_one("#filter-status", Select).value = "shipped"
        await settle(pilot)
        assert numbers(screen) == ["SO-000003"]
        screen.query_one("#filter-status", Select).value = ""
        screen.query_one("#filter-channel", Select).value = "web"
        await settle(pilot)
        assert numbers(screen) == ["SO-000004", "SO-000002"]


async def test_search_by_phone_name_number_and_tracking(orders_app: ShopApp) -> None:
    async with orders_app.run_test(size=(80, 24)) as pilot:
        screen = await open_orders(pilot)
        for text, expected in (("138 0013 8000", ["SO-000003", "SO-000001"]), ("Li Lei", ["SO-000002"]),
                               ("SO-000004", ["SO-000004"]), ("SF1234567890", ["SO-000003"]), ("nobody", [])):
            await pilot.press("ctrl+f")
            box = screen.query_one("#filter-search", Input)
            box.value = ""
            await type_text(pilot, text)
            await pilot.press("enter")
            await settle(pilot)
            assert numbers(screen) == expected, text
        assert "No orders match" in str(screen.query_one("#orders-status", Static).render())


async def test_more_filters_dialog_refuses_a_bad_date_and_filters_by_customer(orders_app: ShopApp) -> None:
    async with orders_app.run_test(size=(80, 24)) as pilot:
        screen = await open_orders(pilot)
        await pilot.press("f")
        await settle(pilot)
        dialog = pilot.app.screen
        dialog.query_one("#f-from", Input).value = "2026-13-40"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "is not a date" in error_of(dialog, "date_from")
        dialog.query_one("#f-from", Input).value = ""
        dialog.query_one("#f-customer", Input).value = "13999999999"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "no customer '13999999999'" in error_of(dialog, "customer")
        dialog.query_one("#f-customer", Input).value = "13900139000"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert numbers(screen) == ["SO-000002"]
        assert "customer 13900139000" in str(screen.query_one("#orders-status", Static).render())


async def test_paging_loads_the_next_page_near_the_end(orders_store: str, frozen_clock: object) -> None:
    with db.transaction(orders_store) as session:
        for index in range(60):
            with _at(30 - index % 30):
                placing.create_order(session=session, actor=CLERK, draft=drafts.OrderDraft(
                    guest_name=f"Guest {index}", stock_mode="none", lines=[drafts.DraftLine(sku="MUG-01", quantity=1)]))
    app = ShopApp(db_url=orders_store, poll_seconds=600)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_orders(pilot)
        first = len(screen.rows)
        assert first == page_size(24) < 64 and screen.next_after is not None
        await pilot.press("ctrl+end")
        await settle(pilot)
        assert len(screen.rows) == 64 and screen.next_after is None
        assert len(set(screen.rows)) == 64


# ---------------------------------------------------------------- detail


async def test_enter_opens_the_detail_with_lines_and_timeline(orders_app: ShopApp) -> None:
    async with orders_app.run_test(size=(80, 24)) as pilot:
        screen = await open_orders(pilot)
        await go_to(pilot, screen, "SO-000003")
        await pilot.press("enter")
        await settle(pilot)
        detail = pilot.app.screen
        assert isinstance(detail, OrderDetailScreen) and detail.order is not None
        head = str(detail.query_one("#order-head", Static).render())
        assert "SO-000003 · paid · shipped · chat" in head and "Wang Fang" in head
        assert [e.kind for e in detail.order.events][:2] == ["created", "paid"]
        text = plain(detail.query_one("#order-body", Static).content)
        assert "TEE-01" in text and "Basic tee" in text and "paid by mobile pay" in text
        assert "SF Express SF1234567890" in text and "Timeline (6)" in text
        assert "Shipped with SF Express, tracking SF1234567890" in text
        assert "11-20 09:00" in text  # shipped at 90 minutes before 10:30, store time
        await pilot.press("escape")
        await settle(pilot)
        assert pilot.app.screen is screen


async def test_global_search_opens_an_order(orders_app: ShopApp) -> None:
    async with orders_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.app.open_record("orders", "order", "SO-000002")  # type: ignore[attr-defined]
        await settle(pilot, 5)
        detail = pilot.app.screen
        assert isinstance(detail, OrderDetailScreen)
        assert detail.order is not None and detail.order.customer_name == "Li Lei"


# ---------------------------------------------------------------- pay, ship, cancel


async def test_pay_an_unpaid_order(orders_app: ShopApp, orders_store: str) -> None:
    async with orders_app.run_test(size=(80, 24)) as pilot:
        screen = await open_orders(pilot)
        await go_to(pilot, screen, "SO-000001")
        await pilot.press("p")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, PayDialog)
        assert dialog.query_one("#f-amount", Input).value == "243.50"
        dialog.query_one("#f-amount", Input).value = "abc"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "not an amount" in error_of(dialog, "amount")
        assert order(orders_store, "SO-000001").paid_minor == 0
        dialog.query_one("#f-method", Select).value = "card"
        dialog.query_one("#f-amount", Input).value = "300"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "only cash may be more" in error_of(dialog, "amount")
        dialog.query_one("#f-amount", Input).value = "243.50"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
        found = order(orders_store, "SO-000001")
        assert (found.payment_status, found.paid_minor) == ("paid", 24350)
        assert any("SO-000001: 243.50 by card; now paid." in t for t in toasts(orders_app))
        assert "paid" in str(screen.query_one("#orders-table", DataTable).get_row("SO-000001")[4])


async def test_ship_with_a_bad_tracking_number_shows_the_pattern_and_changes_nothing(
        orders_app: ShopApp, orders_store: str) -> None:
    async with orders_app.run_test(size=(80, 24)) as pilot:
        screen = await open_orders(pilot)
        await go_to(pilot, screen, "SO-000002")
        await pilot.press("s")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, ShipDialog)
        help_text = str(dialog.query_one("#row-tracking .field-help", Static).render())
        assert r"SF\d{10,15}" in help_text
        await type_text(pilot, "SF12")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert r"does not look like a SF number (expected SF\d{10,15})" in error_of(dialog, "tracking")
        assert pilot.app.screen is dialog
    found = order(orders_store, "SO-000002")
    assert (found.fulfilment_status, found.shipments) == ("unfulfilled", [])
    assert stock(orders_store, "MUG-01") == (5, 2)
    assert outbox(orders_store, "SO-000002") == []


async def test_ship_correctly_queues_a_notice(orders_app: ShopApp, orders_store: str) -> None:
    async with orders_app.run_test(size=(80, 24)) as pilot:
        screen = await open_orders(pilot)
        await go_to(pilot, screen, "SO-000002")
        await pilot.press("s")
        await settle(pilot)
        dialog = pilot.app.screen
        dialog.query_one("#f-carrier", Select).value = "ZTO"
        await settle(pilot)
        assert r"\d{12,15}" in str(dialog.query_one("#row-tracking .field-help", Static).render())
        await type_text(pilot, "123456789012")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert screen.rows["SO-000002"].tracking == "123456789012"
    found = order(orders_store, "SO-000002")
    assert found.fulfilment_status == "shipped" and found.shipments[0].carrier_code == "ZTO"
    assert stock(orders_store, "MUG-01") == (4, 1)
    assert [c for t, c in outbox(orders_store, "SO-000002") if t == "order.shipped"] == ["sms"]


async def test_ship_refuses_an_unpaid_order_before_the_dialog(orders_app: ShopApp) -> None:
    async with orders_app.run_test(size=(80, 24)) as pilot:
        screen = await open_orders(pilot)
        await go_to(pilot, screen, "SO-000001")
        await pilot.press("s")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert any("SO-000001 is unpaid; take the payment" in t for t in toasts(orders_app))


async def test_batch_ship_two_selected_paid_orders(orders_app: ShopApp, orders_store: str) -> None:
    async with orders_app.run_test(size=(80, 24)) as pilot:
        screen = await open_orders(pilot)
        await go_to(pilot, screen, "SO-000004")
        await pilot.press("space")  # SO-000004, and the cursor moves down to SO-000003
        await pilot.press("down", "space")  # SO-000002
        assert screen.selected == {"SO-000004", "SO-000002"}
        await pilot.press("b")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, BatchShipDialog)
        rows = dialog.rows()
        assert [r.order.number for r in rows] == ["SO-000004", "SO-000002"]
        rows[0].query_one(Input).value = "SF1111111111"
        rows[1].query_one(Input).value = "SF12"  # bad: nothing is shipped
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert rows[1].has_class("-invalid") and not rows[0].has_class("-invalid")
        assert "does not look like a SF number" in str(rows[1].query_one(".batch-error", Static).render())
        assert order(orders_store, "SO-000004").fulfilment_status == "unfulfilled"
        rows[1].query_one(Input).value = "SF2222222222"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen and not screen.selected
        assert any("Shipped 2 orders: SO-000004, SO-000002" in t for t in toasts(orders_app))
    assert [order(orders_store, n).fulfilment_status for n in ("SO-000004", "SO-000002")] == ["shipped", "shipped"]
    assert order(orders_store, "SO-000002").shipments[0].tracking == "SF2222222222"


async def test_batch_ship_explains_an_unpaid_row(orders_app: ShopApp, orders_store: str) -> None:
    async with orders_app.run_test(size=(80, 24)) as pilot:
        screen = await open_orders(pilot)
        await pilot.press("a")  # every loaded order
        assert screen.selected == set(screen.rows)
        await pilot.press("b")
        await settle(pilot)
        dialog = pilot.app.screen
        for row in dialog.query(BatchRow):
            row.query_one(Input).value = f"SF{row.index:010d}"
        await pilot.press("ctrl+s")
        await settle(pilot)
        refused = {r.order.number: str(r.query_one(".batch-error", Static).render())
                   for r in dialog.query(BatchRow) if r.has_class("-invalid")}
        assert set(refused) == {"SO-000003", "SO-000001"}
        assert "unpaid" in refused["SO-000001"] and "already shipped" in refused["SO-000003"]
        await pilot.press("escape")
    assert order(orders_store, "SO-000002").fulfilment_status == "unfulfilled"


async def test_cancel_releases_stock(orders_app: ShopApp, orders_store: str) -> None:
    assert stock(orders_store, "TEE-01") == (9, 2)  # SO-000001 holds 2; SO-000003 shipped 1
    async with orders_app.run_test(size=(80, 24)) as pilot:
        screen = await open_orders(pilot)
        await go_to(pilot, screen, "SO-000001")
        await pilot.press("x")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, CancelDialog)
        await type_text(pilot, "changed their mind")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert "cancelled" in str(screen.query_one("#orders-table", DataTable).get_row("SO-000001")[5])
    assert order(orders_store, "SO-000001").status == "cancelled"
    assert stock(orders_store, "TEE-01") == (9, 0)
    assert stock(orders_store, "MUG-01") == (5, 1)


async def test_new_order_by_hand(orders_app: ShopApp, orders_store: str) -> None:
    async with orders_app.run_test(size=(80, 24)) as pilot:
        screen = await open_orders(pilot)
        await pilot.press("n")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, NewOrderDialog)
        dialog.query_one("#f-customer", Input).value = "13800138000"
        dialog.query_one("#f-lines", Input).value = "NOPE-1:1"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "no SKU or barcode 'NOPE-1'" in error_of(dialog, "lines")
        dialog.query_one("#f-lines", Input).value = "CAP-01:2"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Only 0 of CAP-01 available" in error_of(dialog, "lines")
        dialog.query_one("#f-lines", Input).value = "6901234567892:1 MUG-01x2"
        dialog.query_one("#f-shipping", Input).value = "8"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert numbers(screen)[0] == "SO-000005"
    found = order(orders_store, "SO-000005")
    assert [(line.sku, line.quantity) for line in found.lines] == [("TEE-01", 1), ("MUG-01", 2)]
    assert (found.customer_name, found.shipping_minor, found.total_minor) == ("Wang Fang", 800, 9900 + 7100 + 800)


async def test_remind_now_queues_a_reminder_once(orders_app: ShopApp, orders_store: str) -> None:
    async with orders_app.run_test(size=(80, 24)) as pilot:
        screen = await open_orders(pilot)
        await go_to(pilot, screen, "SO-000001")
        await pilot.press("m")
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        said = toasts(orders_app)
        assert any("Payment reminder for SO-000001 queued by email and sms." in t for t in said)
        assert any("was reminded less than 24 h ago" in t for t in said)
    assert sorted(c for t, c in outbox(orders_store, "SO-000001") if t == "order.reminder") == ["email", "sms"]


async def test_keys_have_ids_labels_and_tooltips(orders_app: ShopApp) -> None:
    async with orders_app.run_test(size=(80, 24)) as pilot:
        screen = await open_orders(pilot)
        for binding in (*OrdersScreen.BINDINGS, *OrderDetailScreen.BINDINGS):
            assert binding.id and binding.description and binding.tooltip, binding  # type: ignore[union-attr]
        used = {b.key for b in OrdersScreen.BINDINGS}  # type: ignore[union-attr]
        assert not used & {"f1", "f2", "f3", "f5", "f6", "f7", "f9", "f10", "slash", "question_mark", "ctrl+k",
                           "ctrl+n", "ctrl+t", "ctrl+q", "ctrl+o", "ctrl+p"}
        await pilot.press("f1")
        await settle(pilot)
        assert screen.query("HelpPanel")


def test_columns_fit_the_width() -> None:
    for width in (40, 72, 100, 134, 200):
        c = columns_for(width)
        used = c.mark + c.number + c.date + c.customer + c.channel + c.pay + c.ship + c.total + c.tracking + 1
        assert used == width or (width < 60 and c.customer == 10)
    assert columns_for(134).tracking and not columns_for(72).tracking


async def test_f1_on_the_order_detail_lists_its_keys_with_the_ones_the_footer_leaves_out(orders_app: ShopApp) -> None:
    from textual.widgets import HelpPanel

    from tests.tui.test_keys_help import assert_footer_whole, help_text

    async with orders_app.run_test(size=(80, 24)) as pilot:
        screen = await open_orders(pilot)
        await go_to(pilot, screen, "SO-000003")
        await pilot.press("enter")
        await settle(pilot)
        detail = pilot.app.screen
        assert isinstance(detail, OrderDetailScreen) and detail.order is not None
        assert_footer_whole(detail, "order detail")
        await pilot.press("f1")
        await settle(pilot)
        assert detail.query(HelpPanel)
        text = help_text(detail)
        for description in ("Back", "Invoice", "Slip", "Remind", "Exchange", "Refund"):
            assert description in text
