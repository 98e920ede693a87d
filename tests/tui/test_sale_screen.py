"""The sale screen (F5): scanning, the basket, the customer, payment, receipt, shifts — checked through the services."""
# ruff: noqa: F811  (the fixtures are imported by name from tests.tui.sale_support)

from __future__ import annotations

from textual.keys import _character_to_key

from shoptui import db
from shoptui.services.orders import reading
from shoptui.services.sales import shifts
from shoptui.tui.app import ShopApp
from shoptui.tui.screens.sale.dialogs import CustomerDialog, ReceiptDialog
from shoptui.tui.screens.sale.payment import PaymentDialog
from shoptui.tui.screens.sale.screen import SaleScreen
from tests.tui.conftest import settle
from tests.tui.sale_support import (  # noqa: F401  (fixtures)
    COUPON,
    MEMBER_PHONE,
    MEMBER_POINTS,
    TEE_M_BLACK,
    TEE_M_WHITE,
    TEE_S_WHITE,
    TEE_S_WHITE_BARCODE,
    add_promotion,
    available,
    basket_lines,
    burst,
    fill,
    message,
    open_sale,
    order_count,
    sale_app,
    sale_registry,
    sale_screen,
    sale_store,
    sale_template,
    scan,
    set_setting,
    shown,
    totals,
    type_text,
)


def _order(store: str, number: str) -> reading.OrderRead:
    with db.read_session(store) as session:
        return reading.get_order(session=session, number=number)


async def test_f5_opens_the_sale_screen_with_the_scan_field_focused(sale_app: ShopApp) -> None:
    async with sale_app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        assert isinstance(screen, SaleScreen)
        assert pilot.app.focused is not None and pilot.app.focused.id == "sale-scan"
        assert screen.basket is not None and screen.basket.empty
        assert "F12" not in message(pilot.app)  # a calm first line
        assert "No shift" in shown(pilot.app, "#sale-shift")


async def test_scanning_a_barcode_twice_gives_quantity_two(sale_app: ShopApp, sale_store: str) -> None:
    async with sale_app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await scan(pilot, TEE_S_WHITE_BARCODE)
        await scan(pilot, TEE_S_WHITE_BARCODE)
        assert basket_lines(pilot.app) == [(TEE_S_WHITE, 2)]
        assert screen.basket.total_minor == 2 * 7900
        assert "qty 2" in message(pilot.app)
        assert pilot.app.focused.id == "sale-scan"
        assert screen.query_one("#sale-scan").value == ""
    assert order_count(sale_store) == 0  # nothing is written while ringing up


async def test_a_scanner_types_faster_than_the_screen_reads(sale_app: ShopApp) -> None:
    """Codes with - in them stay text even when the keys arrive before the field has read the ones before."""
    async with sale_app.run_test(size=(80, 24)) as pilot:
        await open_sale(pilot)
        keys: list[str] = []
        for code in (TEE_S_WHITE_BARCODE, TEE_M_BLACK, f"3*{TEE_S_WHITE}"):
            keys += [_character_to_key(ch) for ch in code] + ["enter"]
        await pilot.press(*keys)  # no waiting between codes
        await settle(pilot)
        assert basket_lines(pilot.app) == [(TEE_S_WHITE, 4), (TEE_M_BLACK, 1)]


async def test_unknown_code_is_refused_and_the_basket_is_unchanged(sale_app: ShopApp) -> None:
    async with sale_app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await scan(pilot, TEE_M_BLACK)
        before = screen.basket
        await scan(pilot, "NOPE-404")
        assert screen.basket == before
        assert "✗ UNKNOWN CODE NOPE-404" in message(pilot.app)
        assert "basket unchanged" in message(pilot.app)
        assert screen.query_one("#sale-scan").value == ""
        assert pilot.app.focused.id == "sale-scan"


async def test_change_quantity_and_remove_a_line(sale_app: ShopApp) -> None:
    async with sale_app.run_test(size=(80, 24)) as pilot:
        await open_sale(pilot)
        await scan(pilot, TEE_S_WHITE)
        await scan(pilot, TEE_M_BLACK)
        assert basket_lines(pilot.app) == [(TEE_S_WHITE, 1), (TEE_M_BLACK, 1)]
        await pilot.press("plus", "plus")  # the selected (last scanned) line
        await settle(pilot)
        assert basket_lines(pilot.app) == [(TEE_S_WHITE, 1), (TEE_M_BLACK, 3)]
        await pilot.press("minus")
        await settle(pilot)
        assert basket_lines(pilot.app) == [(TEE_S_WHITE, 1), (TEE_M_BLACK, 2)]
        await pilot.press("up")
        await scan(pilot, "5")  # a bare number sets the selected line's quantity
        assert basket_lines(pilot.app) == [(TEE_S_WHITE, 5), (TEE_M_BLACK, 2)]
        await pilot.press("delete")
        await settle(pilot)
        assert basket_lines(pilot.app) == [(TEE_M_BLACK, 2)]
        assert "Removed D001-S-WHITE" in message(pilot.app)
        await pilot.press("minus", "minus")  # down to zero: the line goes
        await settle(pilot)
        assert basket_lines(pilot.app) == []


async def test_selling_more_than_available_is_refused_in_the_services_words(sale_app: ShopApp,
                                                                            sale_store: str) -> None:
    on_shelf = available(sale_store, TEE_M_WHITE)
    async with sale_app.run_test(size=(80, 24)) as pilot:
        await open_sale(pilot)
        await scan(pilot, TEE_M_WHITE)
        await scan(pilot, str(on_shelf + 1))
        assert basket_lines(pilot.app) == [(TEE_M_WHITE, 1)]
        assert f"Only {on_shelf} of {TEE_M_WHITE}" in message(pilot.app)
        await scan(pilot, f"{on_shelf}*{TEE_M_WHITE}")
        assert basket_lines(pilot.app) == [(TEE_M_WHITE, 1)]
        assert f"Only {on_shelf} of {TEE_M_WHITE}" in message(pilot.app)
    assert order_count(sale_store) == 0
    assert available(sale_store, TEE_M_WHITE) == on_shelf


async def test_stock_gone_between_scan_and_payment_writes_nothing(sale_app: ShopApp, sale_store: str) -> None:
    from shoptui.services.sales import counter as sales
    from tests.conftest import CLERK

    on_shelf = available(sale_store, TEE_M_WHITE)
    async with sale_app.run_test(size=(80, 24)) as pilot:
        await open_sale(pilot)
        await scan(pilot, f"{on_shelf}*{TEE_M_WHITE}")
        with db.transaction(sale_store) as session:  # another till sells one meanwhile
            sales.sell(session=session, actor=CLERK, items=[(TEE_M_WHITE, 1)], tenders=[sales.Tender(method="card")])
        await pilot.press("f12")
        await settle(pilot)
        await pilot.press("f2", "enter")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, PaymentDialog)
        problem = shown(pilot.app, "#pay-problem")
        assert f"Only {on_shelf - 1} of {TEE_M_WHITE}" in problem and "Nothing was written" in problem
    assert order_count(sale_store) == 1  # only the other till's
    assert available(sale_store, TEE_M_WHITE) == on_shelf - 1


async def test_attach_a_member_by_phone(sale_app: ShopApp) -> None:
    async with sale_app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await scan(pilot, TEE_M_BLACK)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert isinstance(pilot.app.screen, CustomerDialog)
        await type_text(pilot, MEMBER_PHONE)
        await pilot.press("enter")
        await settle(pilot)
        found = shown(pilot.app, "#cust-found")
        assert "Wang Fang" in found and "1,200 points" in found and "member" in found
        assert "May use up to" in found
        await pilot.press("enter")  # on to the points
        assert pilot.app.focused.id == "cust-points"
        await type_text(pilot, "99999")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, CustomerDialog)  # more than allowed: refused, in words
        assert "✗" in shown(pilot.app, "#cust-problem")
        await fill(pilot, "#cust-points", "500")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, SaleScreen)
        basket = screen.basket
        assert basket.customer_name == "Wang Fang" and basket.points_to_use == 500
        assert basket.total_minor == 9900 - basket.points_minor and basket.points_minor > 0
        header = shown(pilot.app, "#sale-customer")
        assert "Wang Fang" in header and "1,200 pts" in header and "using 500" in header
        assert "points" in totals(pilot.app)


async def test_points_are_taken_when_the_sale_completes(sale_app: ShopApp, sale_store: str) -> None:
    from shoptui.services.members import profiles as members

    async with sale_app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await scan(pilot, TEE_M_BLACK)
        await pilot.press("ctrl+r")
        await settle(pilot)
        await type_text(pilot, MEMBER_PHONE)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("f2", "enter")  # every point the sale allows
        await settle(pilot)
        used = screen.basket.points_to_use
        assert used > 0
        await pilot.press("f12", "f3", "enter")
        await settle(pilot)
        number = pilot.app.screen.result.order.number
    with db.read_session(sale_store) as session:
        member = members.find_member(session=session, phone=MEMBER_PHONE)
    assert member is not None and member.points_balance < MEMBER_POINTS
    order = _order(sale_store, number)
    assert any(a.kind == "points" for a in order.adjustments)


async def test_a_coupon_typed_or_scanned(sale_app: ShopApp, sale_store: str) -> None:
    async with sale_app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await scan(pilot, TEE_M_BLACK)
        await pilot.press("ctrl+u")
        await settle(pilot)
        await type_text(pilot, COUPON.lower())
        await pilot.press("enter")
        await settle(pilot)
        assert "✗" in shown(pilot.app, "#form-banner") + str(pilot.app.screen.query(".field-error").first().render())
        await pilot.press("escape")
        await settle(pilot)
        assert screen.basket.coupon_codes == ()
        await scan(pilot, TEE_S_WHITE)  # 178.00 now: over the threshold
        await scan(pilot, COUPON)  # scanned in the scan field
        assert screen.basket.coupon_codes == (COUPON,)
        assert screen.basket.total_minor == 9900 + 7900 - 1000
        assert f"Coupon {COUPON} applied" in message(pilot.app)
        assert "coupon" in totals(pilot.app)
        await pilot.press("f12", "f3", "enter")
        await settle(pilot)
        number = pilot.app.screen.result.order.number
    order = _order(sale_store, number)
    assert order.total_minor == 9900 + 7900 - 1000
    assert any(a.kind == "coupon" for a in order.adjustments)


async def test_promotions_and_gifts_show_with_their_explanation(sale_app: ShopApp, sale_store: str) -> None:
    add_promotion(sale_store, name="满150减20", kind="spend_save", steps=[(15000, 2000)])
    add_promotion(sale_store, name="Gift over 150", kind="gift", min_spend_minor=15000, gift_sku=TEE_S_WHITE)
    async with sale_app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await scan(pilot, TEE_M_BLACK)
        assert screen.basket.explanations == ()
        await scan(pilot, "2")  # 198.00
        basket = screen.basket
        assert basket.total_minor == 19800 - 2000
        shown_totals = totals(pilot.app)
        assert "满150减20" in shown_totals and "-20.00" in shown_totals
        assert [g.sku for g in basket.gifts] == [TEE_S_WHITE]
        table = pilot.app.screen.query_one("#sale-basket")
        assert table.row_count == 2  # the line and its gift
        await pilot.press("down")  # the gift row: + does nothing to it
        await pilot.press("plus")
        await settle(pilot)
        assert basket_lines(pilot.app) == [(TEE_M_BLACK, 2)]


async def test_unknown_phone_is_refused_in_the_dialog(sale_app: ShopApp) -> None:
    async with sale_app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        await type_text(pilot, "13911112222")
        await pilot.press("enter")
        await settle(pilot)
        assert "✗ There is no customer" in shown(pilot.app, "#cust-found")
        await pilot.press("escape")
        await settle(pilot)
        assert screen.basket.customer_id is None


async def test_pay_cash_with_change_completes_the_order(sale_app: ShopApp, sale_store: str) -> None:
    before = available(sale_store, TEE_S_WHITE)
    async with sale_app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await scan(pilot, TEE_S_WHITE_BARCODE)
        await scan(pilot, TEE_S_WHITE_BARCODE)
        await scan(pilot, TEE_M_BLACK)
        await pilot.press("enter")  # enter on the empty field: payment
        await settle(pilot)
        assert isinstance(pilot.app.screen, PaymentDialog)
        await type_text(pilot, "300")
        await pilot.pause()
        assert "43.00" in str(pilot.app.screen.query_one("#pay-change").value)
        await pilot.press("enter")
        await settle(pilot)
        receipt = pilot.app.screen
        assert isinstance(receipt, ReceiptDialog)
        number = receipt.result.order.number
        assert receipt.result.change_minor == 30000 - (2 * 7900 + 9900)
        text = shown(pilot.app, "#rc-text")
        assert number in text and "Change" in text and "43.00" in text
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, SaleScreen)
        assert screen.basket.empty  # a fresh basket for the next customer
        assert pilot.app.focused.id == "sale-scan"
        assert number in message(pilot.app)
    order = _order(sale_store, number)
    assert (order.channel, order.status, order.payment_status) == ("counter", "completed", "paid")
    assert order.fulfilment_status in ("shipped", "delivered")
    assert order.paid_minor == order.total_minor == 2 * 7900 + 9900
    assert [(p.method, p.amount_minor, p.tendered_minor) for p in order.payments] == [("cash", 25700, 30000)]
    assert available(sale_store, TEE_S_WHITE) == before - 2


async def test_split_payment_card_and_cash(sale_app: ShopApp, sale_store: str) -> None:
    async with sale_app.run_test(size=(80, 24)) as pilot:
        await open_sale(pilot)
        await scan(pilot, TEE_M_BLACK)
        await pilot.press("f12")
        await settle(pilot)
        await fill(pilot, "#pay-card", "50")
        await fill(pilot, "#pay-cash", "60")
        plan = shown(pilot.app, "#pay-plan")
        assert "Card" in plan and "Cash due" in plan and "49.00" in plan
        await pilot.press("enter")
        await settle(pilot)
        number = pilot.app.screen.result.order.number
    order = _order(sale_store, number)
    assert sorted((p.method, p.amount_minor) for p in order.payments) == [("card", 5000), ("cash", 4900)]
    assert order.payment_status == "paid"


async def test_rest_by_card_key(sale_app: ShopApp, sale_store: str) -> None:
    async with sale_app.run_test(size=(80, 24)) as pilot:
        await open_sale(pilot)
        await scan(pilot, TEE_M_BLACK)
        await pilot.press("f12")
        await settle(pilot)
        await pilot.press("f3")
        await pilot.pause()
        assert pilot.app.screen.query_one("#pay-card").value == "99.00"
        await pilot.press("f12")
        await settle(pilot)
        number = pilot.app.screen.result.order.number
    assert [(p.method, p.amount_minor) for p in _order(sale_store, number).payments] == [("card", 9900)]


async def test_card_overpay_is_refused(sale_app: ShopApp, sale_store: str) -> None:
    async with sale_app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await scan(pilot, TEE_M_BLACK)
        await pilot.press("f12")
        await settle(pilot)
        await fill(pilot, "#pay-card", "120")
        problem = shown(pilot.app, "#pay-problem")
        assert "120.00 by card is more than the 99.00 due" in problem and "only cash may be more" in problem
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, PaymentDialog)  # nothing taken
        await pilot.press("escape")
        await settle(pilot)
        assert basket_lines(pilot.app) == [(TEE_M_BLACK, 1)]  # the basket is still there
        assert screen.basket is not None
    assert order_count(sale_store) == 0


async def test_cash_rounding_is_an_explicit_line(sale_app: ShopApp, sale_store: str) -> None:
    set_setting(sale_store, "cash_rounding", "1")
    async with sale_app.run_test(size=(80, 24)) as pilot:
        await open_sale(pilot)
        await scan(pilot, TEE_M_BLACK)
        await pilot.press("ctrl+d")  # 99.00 is whole already: 0.40 off the line makes it 98.60
        await settle(pilot)
        await fill(pilot, "#f-line", "0.40")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert sale_screen(pilot.app).basket.total_minor == 9860
        await pilot.press("f12")
        await settle(pilot)
        await pilot.press("f2")
        await pilot.pause()
        assert pilot.app.screen.query_one("#pay-cash").value == "99.00"
        plan = shown(pilot.app, "#pay-plan")
        assert "Cash rounding" in plan and "0.40" in plan
        await pilot.press("enter")
        await settle(pilot)
        number = pilot.app.screen.result.order.number
    order = _order(sale_store, number)
    assert [(a.kind, a.amount_minor) for a in order.adjustments] == [("rounding", 40)]
    assert order.total_minor == 9900


async def test_the_basket_survives_switching_screens(sale_app: ShopApp) -> None:
    async with sale_app.run_test(size=(80, 24)) as pilot:
        await open_sale(pilot)
        await scan(pilot, TEE_M_BLACK)
        await pilot.press("ctrl+o")  # the dashboard
        await settle(pilot)
        assert not isinstance(pilot.app.screen, SaleScreen)
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(pilot.app.screen, SaleScreen)
        assert basket_lines(pilot.app) == [(TEE_M_BLACK, 1)]
        assert pilot.app.focused.id == "sale-scan"


async def test_void_empties_the_basket_after_asking(sale_app: ShopApp, sale_store: str) -> None:
    async with sale_app.run_test(size=(80, 24)) as pilot:
        await open_sale(pilot)
        await scan(pilot, TEE_M_BLACK)
        await pilot.press("ctrl+x", "n")
        await settle(pilot)
        assert basket_lines(pilot.app) == [(TEE_M_BLACK, 1)]
        await pilot.press("ctrl+x", "y")
        await settle(pilot)
        assert basket_lines(pilot.app) == []
    assert order_count(sale_store) == 0


async def test_open_and_close_a_shift_from_the_screen(sale_app: ShopApp, sale_store: str) -> None:
    set_setting(sale_store, "sale_requires_shift", "yes")
    async with sale_app.run_test(size=(80, 24)) as pilot:
        await open_sale(pilot)
        assert "NO SHIFT OPEN" in shown(pilot.app, "#sale-shift")
        await scan(pilot, TEE_M_BLACK)
        await pilot.press("f12")  # refused: opens the shift dialog instead
        await settle(pilot)
        await type_text(pilot, "200")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Shift #1" in shown(pilot.app, "#sale-shift")
        await pilot.press("f12")
        await settle(pilot)
        await pilot.press("f2", "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ReceiptDialog)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("ctrl+b")
        await settle(pilot)
        assert "Expected in the drawer: 299.00" in shown(pilot.app, "#form-intro")
        await type_text(pilot, "298.50")
        await pilot.press("ctrl+s")
        await settle(pilot)
        report = shown(pilot.app, "#sr-scroll Static")
        assert "Difference" in report and "-0.50 SHORT" in report and "cash (1)" in report
        await pilot.press("enter")
        await settle(pilot)
        assert "NO SHIFT OPEN" in shown(pilot.app, "#sale-shift")
    with db.read_session(sale_store) as session:
        closed = shifts.shift_report(session=session, shift_id=1)
    assert closed.shift.status == "closed" and closed.difference_minor == -50 and closed.sales_count == 1


async def test_receipt_saves_to_a_file(sale_app: ShopApp, tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with sale_app.run_test(size=(80, 24)) as pilot:
        await open_sale(pilot)
        await scan(pilot, TEE_M_BLACK)
        await pilot.press("f12", "f3", "enter")
        await settle(pilot)
        number = pilot.app.screen.result.order.number
        await pilot.press("f3")
        await settle(pilot)
        target = tmp_path / "r.txt"
        await fill(pilot, "#f-path", str(target))
        await pilot.press("enter")
        await settle(pilot)
        assert "Saved to" in shown(pilot.app, "#rc-status")
        await pilot.press("f2")  # no print command set: refused in words
        await settle(pilot)
        assert "No printer is set up" in shown(pilot.app, "#rc-status")
        await pilot.press("f4")  # the 80 mm layout
        await settle(pilot)
        assert "80 mm" in str(pilot.app.screen.query_one("#rc-scroll").border_title)
    assert number in target.read_text(encoding="utf-8")


async def test_scanning_on_the_receipt_starts_the_next_sale(sale_app: ShopApp) -> None:
    async with sale_app.run_test(size=(80, 24)) as pilot:
        await open_sale(pilot)
        await scan(pilot, TEE_M_BLACK)
        await pilot.press("f12", "f3", "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ReceiptDialog)
        await scan(pilot, TEE_S_WHITE_BARCODE)  # the next customer's first item, straight away
        assert isinstance(pilot.app.screen, SaleScreen)
        assert basket_lines(pilot.app) == [(TEE_S_WHITE, 1)]
        await pilot.press("ctrl+l")  # the last receipt again
        await settle(pilot)
        assert isinstance(pilot.app.screen, ReceiptDialog) and not pilot.app.screen.just_sold


async def test_a_scanner_burst_on_the_receipt_closes_it_once_and_starts_the_next_sale(sale_app: ShopApp,
                                                                                       sale_store: str) -> None:
    """Issue 11 item 1: 13 digits and enter in one burst closed the receipt once per key (ScreenStackError)."""
    async with sale_app.run_test(size=(80, 24)) as pilot:
        await open_sale(pilot)
        await scan(pilot, TEE_M_BLACK)
        await pilot.press("f12", "f3", "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ReceiptDialog)
        sold = order_count(sale_store)
        burst(pilot, TEE_S_WHITE_BARCODE, enter=True)
        await settle(pilot, rounds=5)
        assert isinstance(pilot.app.screen, SaleScreen)
        assert basket_lines(pilot.app) == [(TEE_S_WHITE, 1)]  # the scanned code is the next sale's first line
        assert pilot.app.screen.query_one("#sale-scan").value == ""
        assert order_count(sale_store) == sold
        await pilot.press("escape")  # the app is alive and answers keys
        await settle(pilot)


def _toasts(app: ShopApp) -> list[str]:
    return [n.message for n in app.toasts]


async def test_minus_three_says_what_minus_did_and_refuses_a_negative_quantity(sale_app: ShopApp) -> None:
    """Issue 11 item 3: -3 silently removed the selected line, then said "Scan an item first"."""
    async with sale_app.run_test(size=(80, 24)) as pilot:
        await open_sale(pilot)
        await scan(pilot, TEE_M_BLACK)
        await scan(pilot, TEE_M_BLACK)
        await pilot.press("minus", "3", "enter")
        await settle(pilot)
        assert basket_lines(pilot.app) == [(TEE_M_BLACK, 1)]  # - took one off; 3 was not applied
        assert f"{TEE_M_BLACK}: quantity 1 (was 2)." in _toasts(pilot.app)
        assert "-3 refused: a quantity cannot be negative" in message(pilot.app)
        await pilot.press("minus", "3", "enter")  # at 1, - removes the line: said so, not silently
        await settle(pilot)
        assert basket_lines(pilot.app) == []
        assert f"Removed {TEE_M_BLACK} from the basket (was 1): quantity 0." in _toasts(pilot.app)
        assert "-3 refused: a quantity cannot be negative" in message(pilot.app)
        await scan(pilot, TEE_S_WHITE)
        await scan(pilot, "4")  # a quantity set by number is announced too
        assert f"{TEE_S_WHITE}: quantity 4 (was 1)." in _toasts(pilot.app)


async def test_a_members_receipt_shows_points_earned_and_the_new_balance(sale_app: ShopApp, sale_store: str) -> None:
    """Issue 11 item 33: the receipt of a member's sale said nothing of points."""
    from shoptui.services.members import profiles as members

    async with sale_app.run_test(size=(80, 24)) as pilot:
        await open_sale(pilot)
        await scan(pilot, TEE_M_BLACK)
        await pilot.press("ctrl+r")
        await settle(pilot)
        await type_text(pilot, MEMBER_PHONE)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter", "enter")  # on to the points, none used
        await settle(pilot)
        await pilot.press("f12", "f3", "enter")
        await settle(pilot)
        receipt = pilot.app.screen
        assert isinstance(receipt, ReceiptDialog)
        earned = receipt.result.points_earned
        text = " ".join(shown(pilot.app, "#rc-text").split())
        title = shown(pilot.app, "#rc-title")
    with db.read_session(sale_store) as session:
        member = members.find_member(session=session, phone=MEMBER_PHONE)
    assert member is not None and earned is not None and earned > 0
    assert member.points_balance == MEMBER_POINTS + earned
    assert f"Points earned {earned:,}" in text and f"Points balance {member.points_balance:,}" in text
    assert f"Points earned {earned:,} · balance {member.points_balance:,}" in title


async def test_typing_in_the_scan_field_asks_for_no_layout_of_the_screen(sale_app: ShopApp) -> None:
    """Input asks for a layout on every key; the scan field (one line, a fixed width) does not: a scanner
    types a dozen keys, and each layout of the sale screen costs more than a frame."""
    from textual.widget import Widget

    async with sale_app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        scan = screen.query_one("#sale-scan")
        asked: list[str] = []
        refresh = Widget.refresh

        def noting(self: Widget, *regions: object, layout: bool = False, **kwargs: object) -> Widget:
            if layout:
                asked.append(type(self).__name__)
            return refresh(self, *regions, layout=layout, **kwargs)  # type: ignore[arg-type]

        Widget.refresh = noting  # type: ignore[method-assign]
        try:
            await pilot.press(*"ABC")
            scan.value = ""
        finally:
            Widget.refresh = refresh  # type: ignore[method-assign]
        assert asked == []
        assert scan.value == "" and scan.has_focus


async def test_a_scan_draws_only_the_rows_it_changed(sale_app: ShopApp) -> None:
    """The basket draws a row's line again only when its figures or its selection changed, and shows the new line."""
    async with sale_app.run_test(size=(80, 24)) as pilot:
        await open_sale(pilot)
        for code in (TEE_S_WHITE, TEE_M_BLACK, TEE_M_WHITE):
            await scan(pilot, code)
        await settle(pilot)
        table = pilot.app.screen.query_one("#sale-basket")
        drawn: list[str] = []
        strip = table._strip

        def counted(cells, *args):  # type: ignore[no-untyped-def]
            drawn.append(cells[2].plain.strip())  # the SKU column
            return strip(cells, *args)

        table._strip = counted
        await scan(pilot, TEE_M_WHITE)  # the selected line: quantity 2
        await settle(pilot)
        assert drawn == [TEE_M_WHITE]
        drawn.clear()
        await scan(pilot, TEE_S_WHITE)  # the first line: quantity 2, and the selection moves to it
        await settle(pilot)
        assert sorted(drawn) == sorted([TEE_S_WHITE, TEE_M_WHITE])
        first = table.render_line(1).text
        assert first.startswith("▸") and TEE_S_WHITE in first and "158.00" in first
        assert not table.render_line(3).text.startswith("▸")
        assert basket_lines(pilot.app) == [(TEE_S_WHITE, 2), (TEE_M_BLACK, 1), (TEE_M_WHITE, 2)]


async def test_a_new_line_asks_for_no_layout_while_the_rows_fit_and_scrolls_once_they_do_not(sale_app: ShopApp,
                                                                                           sale_store: str) -> None:
    """A layout of the sale screen cost more than the rest of drawing a scan: a line more in the basket
    changes what scrolls, so it asks for one only when the scroll bar comes or goes."""
    from sqlmodel import col, select
    from textual.widget import Widget

    from shoptui.models.catalog import Variant
    from shoptui.models.inventory import StockLevel

    with db.read_session(sale_store) as s:
        codes = list(s.exec(select(Variant.sku).join(StockLevel, col(StockLevel.variant_id) == Variant.id)
                            .where(StockLevel.on_hand > 0).order_by(Variant.sku).limit(24)))
    async with sale_app.run_test(size=(80, 24)) as pilot:
        await open_sale(pilot)
        table = pilot.app.screen.query_one("#sale-basket")
        await scan(pilot, codes[0])
        asked: list[str] = []
        refresh = Widget.refresh

        def noting(self: Widget, *regions: object, layout: bool = False, **kwargs: object) -> Widget:
            if layout and self is table:
                asked.append(type(self).__name__)
            return refresh(self, *regions, layout=layout, **kwargs)  # type: ignore[arg-type]

        Widget.refresh = noting  # type: ignore[method-assign]
        try:
            await scan(pilot, codes[1])
            assert asked == [] and not table.show_vertical_scrollbar
            n = 2
            while not table.show_vertical_scrollbar and n < len(codes):  # until the rows overflow the table
                assert asked == [], f"line {n} asked for a layout while the rows still fit"
                await scan(pilot, codes[n])
                n += 1
        finally:
            Widget.refresh = refresh  # type: ignore[method-assign]
        await settle(pilot)
        assert table.show_vertical_scrollbar and asked  # the layout of the line that brought the scroll bar
        lines = basket_lines(pilot.app)
        assert table.virtual_size.height == len(lines) + 1 > table.size.height  # the header and every line
        last = table.render_line(table.size.height - 1).text
        assert last.startswith("▸") and lines[-1][0][:6] in last  # scrolled to the new, selected line
