"""Settings -> Import: dry run in the table, confirm to import, refusals shown in the form; one snapshot."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Checkbox, DataTable, Input, Select, Static

from shoptui import db
from shoptui.models.customers import Customer
from shoptui.tui.app import ShopApp
from shoptui.tui.screens.importing import ImportScreen, PathSuggester
from shoptui.tui.widgets.confirm import Confirm
from tests.cli.conftest import store_digest
from tests.tui.conftest import settle

DATA = Path(__file__).parent.parent / "data"


@pytest.fixture(autouse=True)
def in_data_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    """Paths are typed relative to the sample exports (a snapshot shows the same path on every machine)."""
    monkeypatch.chdir(DATA)


async def _open_import(pilot: Pilot) -> ImportScreen:  # type: ignore[type-arg]
    await settle(pilot)
    await pilot.press("f10")
    await settle(pilot)
    await pilot.press("ctrl+l")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ImportScreen)
    return screen


def _text(screen: ImportScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def _names(store: str) -> list[str]:
    with db.read_session(store) as session:
        return list(session.exec(select(Customer.name).order_by(Customer.id)).all())


async def test_dry_run_then_confirm_imports_the_customers(app: ShopApp, tui_store: str) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_import(pilot)
        assert screen.query_one("#import-path", Input).has_focus
        await pilot.press(*"shopify_customers.csv")
        await pilot.press("ctrl+s")  # no dry run yet: nothing happens but a hint
        await settle(pilot)
        assert not isinstance(pilot.app.screen, Confirm) and _names(tui_store) == []
        assert "Run the dry run first" in [n.message for n in app.toasts][-1]
        before = store_digest(tui_store)
        await pilot.press("ctrl+r")
        await settle(pilot)
        table = screen.query_one("#import-plan", DataTable)
        assert [str(c.label) for c in table.columns.values()] == ["line", "name", "action", "why"]
        assert [[str(v) for v in table.get_row_at(i)][:3] for i in range(table.row_count)] == [
            ["2", "Zoë Müller", "create"], ["3", "娜 李", "create"], ["4", "José García", "create"],
            ["5", "Olivia Brown", "create"]]
        assert _text(screen, "#import-summary").startswith("Would import 4 rows of shopify_customers.csv (shopify)")
        assert store_digest(tui_store) == before  # a dry run writes nothing
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, Confirm)
        await pilot.press("y")
        await settle(pilot)
        assert _text(screen, "#import-summary").startswith("Imported 4 rows of shopify_customers.csv")
        assert _names(tui_store) == ["Zoë Müller", "娜 李", "José García", "Olivia Brown"]
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, ImportScreen)


async def test_refusals_are_shown_in_the_form_and_nothing_is_written(app: ShopApp, tui_store: str) -> None:
    before = store_digest(tui_store)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_import(pilot)
        await pilot.press(*"missing.csv", "enter")  # enter runs the dry run too
        await settle(pilot)
        assert _text(screen, "#import-error") == "There is no file missing.csv."
        path = screen.query_one("#import-path", Input)
        assert path.has_class("-invalid") and path.has_focus
        screen.query_one("#import-kind", Select).value = "orders"
        await settle(pilot)
        assert not path.has_class("-invalid")  # a change forgets the old refusal
        screen.query_one("#import-format", Select).value = "woocommerce"
        path.value = "woocommerce_orders.csv"
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "line 2: the order is in USD, the store sells in CNY" in _text(screen, "#import-error")
        assert screen.query_one("#import-plan", DataTable).row_count == 0
        await pilot.press("ctrl+s")  # refused: there is no dry run to import
        await settle(pilot)
        assert not isinstance(pilot.app.screen, Confirm)
    assert store_digest(tui_store) == before


async def test_the_format_follows_the_kind(app: ShopApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_import(pilot)
        kind, fmt = screen.query_one("#import-kind", Select), screen.query_one("#import-format", Select)
        kind.value = "products"
        await settle(pilot)
        assert fmt.value == "shoptui"
        kind.value = "customers"
        await settle(pilot)
        assert fmt.value == "shopify"


async def test_the_path_completes_from_its_folder() -> None:
    suggester = PathSuggester()
    assert await suggester.get_suggestion("shopify_cu") == "shopify_customers.csv"
    assert await suggester.get_suggestion("nothing-like-it") is None
    assert await suggester.get_suggestion("") is None


def test_import_screen_at_80x24(snap_compare, app: ShopApp) -> None:  # type: ignore[no-untyped-def]
    async def dry_run(pilot: Pilot) -> None:  # type: ignore[type-arg]
        screen = await _open_import(pilot)
        screen.query_one("#import-path", Input).value = "woocommerce_customers.csv"
        screen.query_one("#import-format", Select).value = "woocommerce"
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        screen.query_one("#import-path", Input).cursor_blink = False
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=dry_run)


async def test_a_shopify_product_export_imports_from_the_screen(app: ShopApp, tui_store: str) -> None:
    """Products from Shopify through the same screen: the dry run lists each product, then the import writes them."""
    from shoptui.models.catalog import Product

    def titles() -> list[str]:
        with db.read_session(tui_store) as session:
            return sorted(session.exec(select(Product.title)).all())

    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_import(pilot)
        screen.query_one("#import-kind", Select).value = "products"
        await settle(pilot)
        screen.query_one("#import-format", Select).value = "shopify"
        await settle(pilot)
        screen.query_one("#import-option", Checkbox).value = True  # create the categories the export names
        screen.query_one("#import-path", Input).value = "shopify_product_template.csv"
        before = titles()
        await pilot.press("ctrl+r")
        await settle(pilot)
        table = screen.query_one("#import-plan", DataTable)
        planned = [[str(v) for v in table.get_row_at(i)] for i in range(table.row_count)]
        assert ["Ceramic Mug", "created"] in [row[1:3] for row in planned]
        assert titles() == before  # a dry run writes nothing
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert _text(screen, "#import-summary").startswith("Imported")
    created = [row[1] for row in planned if row[2] == "created"]
    assert set(created) <= set(titles()) and "Ceramic Mug" in titles()
