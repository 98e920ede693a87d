"""The customers screen (F8): list and search, profile with order history, add and edit with refusals."""
# ruff: noqa: F811  (the fixtures are imported by name from tests.tui.test_orders_screen)

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from shoptui import db
from shoptui.services.members import customers
from shoptui.tui.app import ShopApp
from shoptui.tui.screens.members.customers import CustomerDialog, CustomerProfile, CustomersScreen
from shoptui.tui.screens.orders.detail import OrderDetailScreen
from tests.tui.conftest import settle
from tests.tui.test_orders_screen import (  # noqa: F401  (fixtures)
    error_of,
    orders_app,
    orders_registry,
    orders_store,
    orders_template,
    toasts,
    type_text,
)


async def open_customers(pilot: Pilot) -> CustomersScreen:
    await settle(pilot)
    await pilot.press("f8")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CustomersScreen)
    return screen


def names(screen: CustomersScreen) -> list[str]:
    return [c.name for c in screen.rows.values()]


def all_customers(store: str) -> list[str]:
    with db.read_session(store) as session:
        return [c.name for c in customers.list_customers(session=session, limit=100).items]


async def test_f8_lists_and_searches_customers(orders_app: ShopApp) -> None:
    async with orders_app.run_test(size=(80, 24)) as pilot:
        screen = await open_customers(pilot)
        assert names(screen) == ["Li Lei", "Wang Fang"]
        assert "2 customers" in str(screen.query_one("#customers-status", Static).render())
        await pilot.press("ctrl+f")
        await type_text(pilot, "13800")
        await pilot.press("enter")
        await settle(pilot)
        assert names(screen) == ["Wang Fang"]
        row = screen.query_one("#customers-table", DataTable).get_row_at(0)
        assert "+8613800138000" in str(row[1]) and "2" in str(row[3])


async def test_profile_shows_addresses_and_order_history(orders_app: ShopApp) -> None:
    async with orders_app.run_test(size=(80, 24)) as pilot:
        screen = await open_customers(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        profile = pilot.app.screen
        assert isinstance(profile, CustomerProfile)
        head = str(profile.query_one("#profile-head", Static).render())
        assert "Wang Fang" in head and "1 West Lake Rd, Hangzhou, CN" in head and "2 orders" in head
        table = profile.query_one("#profile-orders", DataTable)
        assert [str(table.get_row_at(i)[0]).strip() for i in range(table.row_count)] == ["SO-000003", "SO-000001"]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, OrderDetailScreen)
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert pilot.app.screen is screen


async def test_add_customer_refuses_a_bad_phone_or_email_and_saves_nothing(orders_app: ShopApp,
                                                                          orders_store: str) -> None:
    async with orders_app.run_test(size=(80, 24)) as pilot:
        screen = await open_customers(pilot)
        await pilot.press("n")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, CustomerDialog)
        await type_text(pilot, "Zhao Min")
        dialog.query_one("#f-phone", Input).value = "12ab"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "'12ab' is not a phone number" in error_of(dialog, "phone")
        dialog.query_one("#f-phone", Input).value = "13800138000"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "already belongs to customer #1 Wang Fang" in error_of(dialog, "phone")
        dialog.query_one("#f-phone", Input).value = "13600136000"
        dialog.query_one("#f-email", Input).value = "zhao@"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "'zhao@' is not an email address" in error_of(dialog, "email")
        assert error_of(dialog, "phone") == ""
        dialog.query_one("#f-email", Input).value = "zhao@example.com"
        dialog.query_one("#f-country", Input).value = "Atlantis"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "not a country code" in error_of(dialog, "country")
        assert all_customers(orders_store) == ["Li Lei", "Wang Fang"]
        dialog.query_one("#f-country", Input).value = "China"  # a name is read as its code (pycountry)
        dialog.query_one("#f-city", Input).value = "Suzhou"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert names(screen) == ["Li Lei", "Wang Fang", "Zhao Min"]
    with db.read_session(orders_store) as session:
        found = customers.get_customer(session=session, ref="13600136000")
    assert (found.email, found.default_address.city, found.default_address.country) == (  # type: ignore[union-attr]
        "zhao@example.com", "Suzhou", "CN")


async def test_edit_changes_only_what_was_typed(orders_app: ShopApp, orders_store: str) -> None:
    async with orders_app.run_test(size=(80, 24)) as pilot:
        screen = await open_customers(pilot)
        await pilot.press("e")  # Li Lei
        await settle(pilot)
        dialog = pilot.app.screen
        assert dialog.query_one("#f-name", Input).value == "Li Lei"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Nothing to change" in str(dialog.query_one("#form-banner", Static).render())
        dialog.query_one("#f-email", Input).value = "lilei@example.com"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert any("Customer Li Lei saved" in t for t in toasts(orders_app))
    with db.read_session(orders_store) as session:
        found = customers.get_customer(session=session, ref="13900139000")
    assert (found.email, found.addresses) == ("lilei@example.com", [])


async def test_global_search_opens_a_customer(orders_app: ShopApp) -> None:
    async with orders_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.app.open_record("customers", "customer", "2")  # type: ignore[attr-defined]
        await settle(pilot, 5)
        profile = pilot.app.screen
        assert isinstance(profile, CustomerProfile)
        assert profile.customer is not None and profile.customer.name == "Li Lei"
