"""Stocktake screens: start, scan (always focused), counts, unknown codes, undo, review, reasons, post, history."""
# ruff: noqa: F811  (the fixtures are imported by name from tests.tui.inventory_support)

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import DataTable, Digits, Input, Select, Static

from shoptui import db
from shoptui.services.inventory import stocktake as stocktakes
from shoptui.tui.app import ShopApp
from shoptui.tui.screens.inventory.stocktake import (
    LastScanned,
    NewStocktakeDialog,
    ReasonDialog,
    StocktakeReviewScreen,
    StocktakeScanScreen,
    StocktakeScreen,
    parse_entry,
)
from shoptui.tui.widgets.confirm import Confirm
from tests.tui.conftest import settle
from tests.tui.inventory_support import (  # noqa: F401  (fixtures)
    barcode_of,
    inventory_registry,
    level,
    movements,
    scan,
    stock_app,
    stock_store,
    stock_template,
    toasts,
    type_text,
)


async def start_count(pilot: Pilot, category: int | None = None) -> StocktakeScanScreen:
    await settle(pilot)
    await pilot.press("ctrl+y")
    await settle(pilot)
    history = pilot.app.screen
    assert isinstance(history, StocktakeScreen)
    await pilot.press("n")
    dialog = pilot.app.screen
    assert isinstance(dialog, NewStocktakeDialog)
    if category is not None:
        dialog.query_one("#f-category", Select).value = category
    await pilot.press("ctrl+s")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, StocktakeScanScreen)
    return screen


def big_count(screen: StocktakeScanScreen) -> str:
    return screen.query_one("#last-count", Digits).value


def big_title(screen: StocktakeScanScreen) -> str:
    return str(screen.query_one("#last-title", Static).render())


def counted(store: str, stocktake_id: int, sku: str) -> int | None:
    with db.read_session(store) as session:
        lines = stocktakes.report(session=session, stocktake_id=stocktake_id).lines
    return next(line.counted for line in lines if line.sku == sku)


async def test_scanning_counts_shows_big_and_undoes(stock_app: ShopApp, stock_store: str) -> None:
    code = barcode_of(stock_store, "D005-M")
    async with stock_app.run_test(size=(80, 24)) as pilot:
        screen = await start_count(pilot)
        scan_field = screen.query_one("#st-scan", Input)
        assert scan_field.has_focus
        for _ in range(3):
            await scan(pilot, code)
        assert big_count(screen) == "3"
        assert big_title(screen) == "熊猫图案T恤"
        assert "D005-M" in str(screen.query_one("#last-sku", Static).render())
        assert screen.query_one(LastScanned).has_class("-ok")
        assert counted(stock_store, screen.stocktake.id, "D005-M") == 3
        assert "counted 1 of" in str(screen.query_one("#st-head", Static).render())

        await scan(pilot, "0000000000000")  # not in the catalogue
        assert "UNKNOWN CODE 0000000000000" in big_title(screen)
        assert screen.query_one(LastScanned).has_class("-refused")
        assert "nothing counted" in str(screen.query_one("#last-sku", Static).render())
        assert scan_field.has_focus and scan_field.value == ""

        await pilot.press("ctrl+z")  # undo the last scan that counted
        await settle(pilot)
        assert big_count(screen) == "2"
        assert counted(stock_store, screen.stocktake.id, "D005-M") == 2

        await type_text(pilot, "12")  # a number sets the count of the last scanned item
        await pilot.press("enter")
        await settle(pilot)
        assert big_count(screen) == "12"
        await type_text(pilot, "+3")
        await pilot.press("enter")
        await settle(pilot)
        assert big_count(screen) == "15"
        await pilot.press("ctrl+z")  # takes back the +3
        await settle(pilot)
        assert counted(stock_store, screen.stocktake.id, "D005-M") == 12
        await pilot.press("ctrl+z")  # and the 12: back to the 2 scans before it
        await settle(pilot)
        assert counted(stock_store, screen.stocktake.id, "D005-M") == 2

        screen.query_one("#st-recent", DataTable).focus()  # even a click elsewhere
        await settle(pilot)
        assert scan_field.has_focus  # the scan field takes the cursor back


async def test_a_number_before_any_scan_is_explained(stock_app: ShopApp) -> None:
    async with stock_app.run_test(size=(80, 24)) as pilot:
        screen = await start_count(pilot)
        await type_text(pilot, "5")
        await pilot.press("enter")
        await settle(pilot)
        assert "Scan an item first" in str(screen.query_one("#st-message", Static).render())
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert "Nothing to undo" in str(screen.query_one("#st-message", Static).render())


async def test_scan_review_reason_post_books_movements(stock_app: ShopApp, stock_store: str) -> None:
    code = barcode_of(stock_store, "D005-M")
    before = level(stock_store, "D005-M")
    assert before is not None and before.on_hand == 4
    async with stock_app.run_test(size=(80, 24)) as pilot:
        screen = await start_count(pilot)
        stocktake_id = screen.stocktake.id
        for _ in range(3):
            await scan(pilot, code)
        await pilot.press("ctrl+r")
        await settle(pilot)
        review = pilot.app.screen
        assert isinstance(review, StocktakeReviewScreen)
        assert list(review.lines) == ["D005-M"]
        line = review.lines["D005-M"]
        assert (line.counted, line.variance, line.needs_reason) == (3, -1, True)  # 1 of 4 is 25% > 20%

        await pilot.press("ctrl+s")  # post: nothing chosen for the uncounted, no reason yet
        assert isinstance(pilot.app.screen, Confirm)
        await pilot.press("y")
        await settle(pilot)
        problem = str(review.query_one("#rv-problem", Static).render())
        assert "not counted" in problem and "--uncounted" in problem
        assert not [m for m in movements(stock_store, "D005-M") if m.kind == "stocktake"]

        review.query_one("#rv-choice", Select).value = "keep"
        review.query_one("#rv-variances", DataTable).focus()
        await pilot.press("ctrl+s", "y")
        await settle(pilot)
        assert "needs a reason" in str(review.query_one("#rv-problem", Static).render())

        await pilot.press("enter")  # the reason of the highlighted variance
        dialog = pilot.app.screen
        assert isinstance(dialog, ReasonDialog)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "1 to 500 characters" in str(dialog.query_one("#row-reason .field-error", Static).render())
        await type_text(pilot, "one sold before the count")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is review
        assert not review.lines["D005-M"].needs_reason

        await pilot.press("ctrl+s", "y")
        await settle(pilot)
        assert review.report is not None and review.review is None
        assert "ACCURACY 0.0%" in str(review.query_one("#rv-head", Static).render())
        assert any(f"Posted stocktake {stocktake_id}: 1 adjustment" in t for t in toasts(stock_app))

        await pilot.press("escape")  # the report
        await pilot.press("escape")  # the scan screen closes itself: the count is posted
        await settle(pilot)
        history = pilot.app.screen
        assert isinstance(history, StocktakeScreen)
        assert history.items[str(stocktake_id)].status == "posted"
        assert "accuracy 0.0%" in str(history.query_one("#stocktake-status", Static).render())
    booked = [m for m in movements(stock_store, "D005-M") if m.kind == "stocktake"]
    assert [(m.quantity, m.ref_id, m.note) for m in booked] == [(-1, str(stocktake_id), "one sold before the count")]
    after = level(stock_store, "D005-M")
    assert after is not None and after.on_hand == 3
    with db.read_session(stock_store) as session:
        assert stocktakes.get_stocktake(session=session, stocktake_id=stocktake_id).uncounted_choice == "keep"


async def test_a_second_count_at_the_same_location_is_refused_in_the_dialog(stock_app: ShopApp) -> None:
    async with stock_app.run_test(size=(80, 24)) as pilot:
        await start_count(pilot)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("n")
        dialog = pilot.app.screen
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is dialog
        error = str(dialog.query_one("#row-location .field-error", Static).render())
        assert "is still counting at MAIN" in error


def test_parse_entry_follows_the_documented_convention() -> None:
    assert parse_entry("6920000000210") == ("scan", "6920000000210", None)
    assert parse_entry(" TEE-01 ") == ("scan", "TEE-01", None)
    assert parse_entry("12") == ("set", None, 12)
    assert parse_entry("0") == ("set", None, 0)
    assert parse_entry("+11") == ("add", None, 11)
    assert parse_entry("#123") == ("scan", "123", None)
    assert parse_entry("1234567") == ("scan", "1234567", None)  # 7+ digits: a code
    assert parse_entry("12a") == ("scan", "12a", None)


async def test_uncounted_zero_needs_reasons_given_on_the_uncounted_rows(stock_app: ShopApp, stock_store: str) -> None:
    """Issue 11 item 8 in the TUI: zeroing uncounted stock is refused until each over the thresholds has a reason,
    and the reason is given with enter on the uncounted row."""
    code = barcode_of(stock_store, "D005-M")
    async with stock_app.run_test(size=(80, 24)) as pilot:
        screen = await start_count(pilot)
        stocktake_id = screen.stocktake.id
        for _ in range(4):
            await scan(pilot, code)  # D005-M matches; everything else is not counted
        await pilot.press("ctrl+r")
        await settle(pilot)
        review = pilot.app.screen
        assert isinstance(review, StocktakeReviewScreen) and review.review is not None
        first = review.review.uncounted[0]
        review.query_one("#rv-choice", Select).value = "zero"
        review.query_one("#rv-variances", DataTable).focus()
        await pilot.press("ctrl+s", "y")
        await settle(pilot)
        problem = str(review.query_one("#rv-problem", Static).render())
        assert "need a reason before posting" in problem and " (uncounted, set to 0: -" in problem
        assert review.review is not None and review.report is None  # not posted
        assert not movements(stock_store, first.sku) or all(m.kind != "stocktake"
                                                            for m in movements(stock_store, first.sku))
        table = review.query_one("#rv-uncounted", DataTable)
        table.focus()
        table.move_cursor(row=0)
        await pilot.press("enter")
        dialog = pilot.app.screen
        assert isinstance(dialog, ReasonDialog) and dialog.line.sku == first.sku
        await type_text(pilot, "moved to the back room")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is review
    with db.read_session(stock_store) as session:
        lines = stocktakes.review(session=session, stocktake_id=stocktake_id).uncounted
        assert {x.sku: x.reason for x in lines}[first.sku] == "moved to the back room"
