"""The inventory screen (F3): levels, filters, paging, ledger; restock, adjust and transfer dialogs."""
# ruff: noqa: F811  (the fixtures are imported by name from tests.tui.inventory_support)

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, Static

from shoptui import db
from shoptui.services.inventory.listing import list_levels
from shoptui.services.inventory.variants import find_variant
from shoptui.tui.app import ShopApp
from shoptui.tui.screens.inventory.dialogs import AdjustDialog, RestockDialog, TransferDialog
from shoptui.tui.screens.inventory.screen import InventoryScreen, LevelFilters, columns_for
from shoptui.tui.widgets.form import FieldRow, whole_number
from shoptui.tui.widgets.paged_table import page_size
from tests.tui.conftest import settle
from tests.tui.inventory_support import (  # noqa: F401  (fixtures)
    barcode_of,
    inventory_registry,
    level,
    movements,
    stock_app,
    stock_store,
    stock_template,
    toasts,
    type_text,
)


async def open_inventory(pilot: Pilot) -> InventoryScreen:
    await settle(pilot)
    await pilot.press("f3")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, InventoryScreen)
    for _ in range(20):  # the filters' choices come from their own worker
        if screen.meta.locations:
            break
        await settle(pilot, 1)
    assert screen.meta.locations
    return screen


async def go_to(pilot: Pilot, screen: InventoryScreen, sku: str, location: str = "MAIN") -> None:
    """Search for the SKU and put the cursor on its row at the location."""
    screen.query_one("#filter-search", Input).value = sku
    screen.query_one("#filter-search", Input).focus()
    await pilot.press("enter")
    await settle(pilot)
    table = screen.query_one("#levels", DataTable)
    key = next(k for k, row in screen.rows.items() if row.sku == sku and row.location == location)
    table.move_cursor(row=table.get_row_index(key))
    await settle(pilot)
    assert screen.current() is not None and screen.current().sku == sku  # type: ignore[union-attr]


def error_of(dialog: object, field: str) -> str:
    row = dialog.query_one(f"#row-{field}", FieldRow)  # type: ignore[attr-defined]
    return str(row.query_one(".field-error", Static).render()) if row.has_class("-invalid") else ""


async def test_f3_opens_inventory_and_shows_the_seeded_levels(stock_app: ShopApp, stock_store: str) -> None:
    async with stock_app.run_test(size=(80, 24)) as pilot:
        screen = await open_inventory(pilot)
        skus = [row.sku for row in screen.rows.values()]
        with db.read_session(stock_store) as session:
            first = list_levels(session=session, limit=len(skus)).items
        assert skus == [row.sku for row in first]  # the service's order: SKU, then location
        assert 40 <= len(skus) <= page_size(24) < 144  # a page, never the whole stock list
        assert screen.next_after is not None
        assert "stock rows · more below" in str(screen.query_one("#inventory-status", Static).render())
        assert "Ledger of D001-L-BLACK" in str(screen.query_one("#ledger-title", Static).render())
        assert not toasts(stock_app)


async def test_paging_continues_after_the_last_row(stock_app: ShopApp, stock_store: str) -> None:
    async with stock_app.run_test(size=(80, 24)) as pilot:
        screen = await open_inventory(pilot)
        before = len(screen.rows)
        await pilot.press("ctrl+end")  # the cursor on the last row loads the next page
        await settle(pilot)
        assert len(screen.rows) > before
        with db.read_session(stock_store) as session:
            everything = list_levels(session=session, limit=1000).items
        shown = list(screen.rows.values())
        assert [r.sku for r in shown] == [r.sku for r in everything[:len(shown)]]  # no gap, no duplicate


async def test_low_filter_shows_only_low_stock(stock_app: ShopApp, stock_store: str) -> None:
    async with stock_app.run_test(size=(80, 24)) as pilot:
        screen = await open_inventory(pilot)
        await pilot.press("o")  # all -> low
        await settle(pilot)
        assert screen.filters == LevelFilters(state="low")
        with db.read_session(stock_store) as session:
            low = list_levels(session=session, low=True, limit=500).items
        assert 3 <= len(low) < 20
        assert [(r.sku, r.location) for r in screen.rows.values()] == [(r.sku, r.location) for r in low]
        assert all(row.low for row in screen.rows.values())
        assert "low-stock rows" in str(screen.query_one("#inventory-status", Static).render())
        await pilot.press("o")  # low -> out
        await settle(pilot)
        assert screen.rows and all(row.out for row in screen.rows.values())
        assert screen.query_one("#filter-state", Select).value == "out"


async def test_search_and_location_filters(stock_app: ShopApp, stock_store: str) -> None:
    async with stock_app.run_test(size=(80, 24)) as pilot:
        screen = await open_inventory(pilot)
        screen.query_one("#filter-location", Select).value = "BACK"
        await settle(pilot)
        assert screen.rows and {row.location for row in screen.rows.values()} == {"BACK"}
        screen.query_one("#filter-location", Select).clear()
        await settle(pilot)
        screen.query_one("#filter-search", Input).value = "Basic tee"
        screen.query_one("#filter-search", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert screen.rows and {row.title for row in screen.rows.values()} == {"Basic tee"}
        for typed, expected in (("d001-m", {"D001-M-BLACK", "D001-M-WHITE"}), (barcode_of(stock_store, "D005-M"),
                                                                                {"D005-M"})):
            screen.query_one("#filter-search", Input).value = typed  # a SKU prefix (any case), a barcode
            screen.query_one("#filter-search", Input).focus()
            await pilot.press("enter")
            await settle(pilot)
            assert {row.sku for row in screen.rows.values()} == expected, typed
        screen.query_one("#filter-search", Input).value = "[nothing like this]"
        screen.query_one("#filter-search", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert not screen.rows
        assert "No stock rows match" in str(screen.query_one("#inventory-status", Static).render())


async def test_the_ledger_of_the_highlighted_variant(stock_app: ShopApp, stock_store: str) -> None:
    async with stock_app.run_test(size=(80, 24)) as pilot:
        screen = await open_inventory(pilot)
        await go_to(pilot, screen, "D002-04")
        ledger = screen.query_one("#ledger", DataTable)
        moves = movements(stock_store, "D002-04")
        assert {m.kind for m in moves} == {"receive", "transfer_out", "transfer_in"}
        assert ledger.row_count == len(moves) == 3
        assert "Ledger of D002-04: 3 movements" in str(screen.query_one("#ledger-title", Static).render())
        first = [str(c) for c in ledger.get_row_at(0)]
        assert first[0].startswith("11-20 10:30")  # the store's time zone (Asia/Shanghai), not UTC
        kinds = {str(ledger.get_row_at(i)[1]).strip() for i in range(3)}
        assert kinds == {"receive", "transfer out", "transfer in"}
        await pilot.press("enter")  # the cursor moves into the ledger
        assert ledger.has_focus


async def test_restock_dialog_books_stock(stock_app: ShopApp, stock_store: str) -> None:
    before = level(stock_store, "D001-M-WHITE")
    assert before is not None and before.low
    async with stock_app.run_test(size=(80, 24)) as pilot:
        screen = await open_inventory(pilot)
        await go_to(pilot, screen, "D001-M-WHITE")
        await pilot.press("r")
        dialog = pilot.app.screen
        assert isinstance(dialog, RestockDialog)
        assert dialog.query_one("#f-sku", Input).value == "D001-M-WHITE"
        assert pilot.app.focused is dialog.query_one("#f-quantity", Input)  # the first empty field (item 29)
        await type_text(pilot, "12")
        await pilot.press("tab")
        await type_text(pilot, "30.00")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert any("Restocked D001-M-WHITE 12 at MAIN" in t for t in toasts(stock_app))
        row = next(r for r in screen.rows.values() if r.sku == "D001-M-WHITE")
        assert row.on_hand == before.on_hand + 12 and not row.low  # the table was read again
    after = level(stock_store, "D001-M-WHITE")
    assert after is not None and after.on_hand == before.on_hand + 12
    newest = movements(stock_store, "D001-M-WHITE")[0]
    assert (newest.kind, newest.quantity, newest.unit_cost_minor, newest.actor, newest.source) == \
        ("receive", 12, 3000, "clerk", "tui")


async def test_a_bad_quantity_is_refused_beside_its_field_and_nothing_is_booked(stock_app: ShopApp,
                                                                                stock_store: str) -> None:
    before = movements(stock_store, "D001-M-WHITE")
    async with stock_app.run_test(size=(80, 24)) as pilot:
        screen = await open_inventory(pilot)
        await go_to(pilot, screen, "D001-M-WHITE")
        await pilot.press("r")
        dialog = pilot.app.screen
        quantity = dialog.query_one("#f-quantity", Input)
        for typed, sentence in (("0", "must be more than zero, not 0"), ("-4", "not a whole number"),
                                ("abc", "The quantity is 'abc', not a whole number"),
                                ("9999999", "too large"), ("", "The quantity is empty")):
            quantity.value = typed
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert pilot.app.screen is dialog  # still open
            assert sentence in error_of(dialog, "quantity"), typed
            assert quantity.has_focus
            assert not error_of(dialog, "sku")
        quantity.value = "2"
        dialog.query_one("#f-cost", Input).value = "1.999"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "more decimals than the currency allows" in error_of(dialog, "cost")
        assert not error_of(dialog, "quantity")
        dialog.query_one("#f-cost", Input).value = ""
        dialog.query_one("#f-sku", Input).value = "NO-SUCH-SKU"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "NO-SUCH-SKU" in error_of(dialog, "sku")
        await pilot.press("escape")
        assert pilot.app.screen is screen
    assert movements(stock_store, "D001-M-WHITE") == before  # nothing booked
    assert movements(stock_store, "D001-M-WHITE")[0].kind == "receive"


async def test_adjust_needs_a_reason_and_cannot_go_below_zero(stock_app: ShopApp, stock_store: str) -> None:
    before = level(stock_store, "D001-M-WHITE")
    assert before is not None
    async with stock_app.run_test(size=(80, 24)) as pilot:
        screen = await open_inventory(pilot)
        await go_to(pilot, screen, "D001-M-WHITE")
        await pilot.press("a")
        dialog = pilot.app.screen
        assert isinstance(dialog, AdjustDialog)
        dialog.query_one("#f-quantity", Input).value = "-1"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Choose a reason" in error_of(dialog, "reason")
        dialog.query_one("#f-reason", Select).value = "damaged"
        dialog.query_one("#f-quantity", Input).value = f"-{before.on_hand + 1}"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert f"Only {before.on_hand} of D001-M-WHITE on hand" in error_of(dialog, "quantity")
        dialog.query_one("#f-quantity", Input).value = "-1"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
    after = level(stock_store, "D001-M-WHITE")
    assert after is not None and after.on_hand == before.on_hand - 1
    newest = movements(stock_store, "D001-M-WHITE")[0]
    assert (newest.kind, newest.quantity, newest.reason) == ("adjustment", -1, "damaged")


async def test_transfer_to_the_same_location_is_refused(stock_app: ShopApp, stock_store: str) -> None:
    before = movements(stock_store, "D002-04")
    async with stock_app.run_test(size=(80, 24)) as pilot:
        screen = await open_inventory(pilot)
        await go_to(pilot, screen, "D002-04")
        await pilot.press("t")
        dialog = pilot.app.screen
        assert isinstance(dialog, TransferDialog)
        assert dialog.query_one("#f-from", Select).value == "MAIN"
        assert dialog.query_one("#f-to", Select).value == "BACK"
        dialog.query_one("#f-quantity", Input).value = "2"
        dialog.query_one("#f-to", Select).value = "MAIN"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is dialog
        assert "the same location" in error_of(dialog, "to")
        assert not error_of(dialog, "quantity")
        dialog.query_one("#f-to", Select).value = "BACK"
        dialog.query_one("#f-quantity", Input).value = "100000"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "available at MAIN" in error_of(dialog, "quantity")
        assert movements(stock_store, "D002-04") == before  # nothing booked by the refusals
        dialog.query_one("#f-quantity", Input).value = "2"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert any("Moved 2 x D002-04 from MAIN to BACK" in t for t in toasts(stock_app))
    kinds = [m.kind for m in movements(stock_store, "D002-04")[:2]]
    assert sorted(kinds) == ["transfer_in", "transfer_out"]


async def test_a_low_stock_notification_opens_the_variant(stock_app: ShopApp, stock_store: str) -> None:
    with db.read_session(stock_store) as session:
        variant_id = find_variant(session, "D002-02").id
    async with stock_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert stock_app.mode_for_kind("variant") == "inventory"
        await stock_app.open_record("inventory", "variant", str(variant_id))
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, InventoryScreen)
        assert screen.current() is not None and screen.current().sku == "D002-02"  # type: ignore[union-attr]
        assert screen.query_one("#filter-search", Input).value == "D002-02"


async def test_keys_have_ids_labels_and_tooltips_and_f1_lists_them(stock_app: ShopApp) -> None:
    from shoptui.tui.screens.inventory.purchasing import PODetailScreen, PurchasingScreen
    from shoptui.tui.screens.inventory.stocktake import StocktakeReviewScreen, StocktakeScanScreen, StocktakeScreen

    for screen_class in (InventoryScreen, PurchasingScreen, PODetailScreen, StocktakeScreen, StocktakeScanScreen,
                         StocktakeReviewScreen):
        for binding in screen_class.BINDINGS:
            assert binding.id and binding.description and binding.tooltip, binding  # type: ignore[union-attr]
    async with stock_app.run_test(size=(80, 24)) as pilot:
        await open_inventory(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert pilot.app.screen.query("HelpPanel")
        stock_app.theme = "textual-light"  # the light theme draws the same screen
        await settle(pilot)
        assert isinstance(pilot.app.screen, InventoryScreen)


def test_columns_fit_the_width() -> None:
    for width in (72, 100, 140):
        c = columns_for(width)
        assert c.sku + c.title + c.location + 5 * c.number + c.status + 1 == width
    assert not columns_for(72).wide and columns_for(140).wide


def test_whole_number_reads_what_people_type() -> None:
    assert whole_number(" 12 ", "quantity") == 12
    assert whole_number("１２", "quantity") == 12  # full-width digits from an IME
    assert whole_number("-3", "change", signed=True) == -3
    assert whole_number("+2", "change", signed=True) == 2
    assert whole_number("٣", "quantity") == 3  # one rule for digits of any script (shoptui.typed)
    assert whole_number("1,000", "quantity") == 1000
    try:
        whole_number("1,5", "quantity")
    except Exception as exc:
        assert "a comma only separates thousands" in str(exc)
    else:
        raise AssertionError("1,5")
    for bad in ("", "1.5", "abc", "-3", "1e3"):
        try:
            whole_number(bad, "quantity")
        except Exception as exc:
            assert "whole number" in str(exc)
        else:
            raise AssertionError(bad)
