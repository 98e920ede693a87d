"""Counter sales: the basket, payment plans, completing a sale, and till shifts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, func, select

from shoptui import clock
from shoptui.errors import Conflict, InvalidInput, NotAllowed, NotFound
from shoptui.models.orders import Order
from shoptui.services.members import customers
from shoptui.services.orders import checks
from shoptui.services.pricing import engine as pricing
from shoptui.services.sales import counter as sales
from shoptui.services.sales import shifts
from shoptui.services.shop import settings
from tests.services.orders_helpers import CLERK, level, seed


def _basket(session: Session, *codes: str) -> sales.Basket:
    basket = sales.new_basket(session=session)
    for code in codes:
        basket = sales.scan(session=session, basket=basket, code=code)
    return basket


def _orders(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Order)).one()


def test_repeat_scan_adds_quantity_and_prices(session: Session) -> None:
    seed(session)
    basket = _basket(session, "6901234567892", "TEE-01", "MUG-01")
    assert [(line.sku, line.quantity) for line in basket.lines] == [("TEE-01", 2), ("MUG-01", 1)]
    assert basket.total_minor == 2 * 9900 + 3550
    assert basket.tax_minor == pricing.tax_part(2 * 9900, 1300) + pricing.tax_part(3550, 1300)
    assert basket.last_sku == "MUG-01"
    assert _orders(session) == 0  # nothing is written while ringing up


def test_change_quantity_remove_and_discount(session: Session) -> None:
    seed(session)
    basket = _basket(session, "TEE-01", "MUG-01")
    basket = sales.set_quantity(basket=basket, sku="tee-01", quantity=3)
    assert basket.line("TEE-01").quantity == 3  # type: ignore[union-attr]
    basket = sales.remove_line(basket=basket, sku="MUG-01")
    assert [line.sku for line in basket.lines] == ["TEE-01"]
    basket = sales.set_discount(basket=basket, discount_minor=700)
    assert basket.total_minor == 3 * 9900 - 700
    basket = sales.set_quantity(basket=basket, sku="TEE-01", quantity=0)
    assert basket.empty and basket.total_minor == 0
    with pytest.raises(InvalidInput, match="negative"):
        sales.set_quantity(basket=_basket(session, "TEE-01"), sku="TEE-01", quantity=-1)
    with pytest.raises(InvalidInput, match="not in the basket"):
        sales.remove_line(basket=basket, sku="NOPE")


def test_unknown_code_and_overselling_are_refused(session: Session) -> None:
    seed(session)
    basket = sales.new_basket(session=session)
    with pytest.raises(NotFound, match="'NOPE-9'"):
        sales.scan(session=session, basket=basket, code="NOPE-9")
    basket = sales.scan(session=session, basket=basket, code="CAP-01")
    with pytest.raises(Conflict, match="Only 1 of CAP-01"):
        sales.scan(session=session, basket=basket, code="CAP-01")
    with pytest.raises(Conflict, match="Only 1 of CAP-01"):
        sales.set_quantity(basket=basket, sku="CAP-01", quantity=2)
    with pytest.raises(InvalidInput):
        sales.scan(session=session, basket=basket, code="   ")


def test_parse_scan_forms() -> None:
    assert sales.parse_scan("TEE-01") == ("TEE-01", 1)
    assert sales.parse_scan("TEE-01x3") == ("TEE-01", 3)
    assert sales.parse_scan("TEE-01:2") == ("TEE-01", 2)
    assert sales.parse_scan("4*TEE-01") == ("TEE-01", 4)
    assert sales.parse_scan("ＴＥＥ-01") == ("TEE-01", 1)  # full-width from an IME
    for bad in ("", "TEE-01:-2", "0*TEE-01", "-1*TEE-01"):
        with pytest.raises(InvalidInput):
            sales.parse_scan(bad)


def test_payment_plans(session: Session) -> None:
    seed(session)
    basket = _basket(session, "TEE-01", "MUG-01")  # 134.50
    plan = sales.plan_payment(basket, [sales.Tender(method="cash", amount_minor=20000)])
    assert plan.change_minor == 6550 and plan.payments[0].amount_minor == 13450
    split = sales.plan_payment(basket, [sales.Tender(method="card", amount_minor=10000), sales.Tender(method="cash")])
    assert [(p.method, p.amount_minor) for p in split.payments] == [("card", 10000), ("cash", 3450)]
    rest = sales.plan_payment(basket, [sales.Tender(method="Mobile-Pay")])
    assert rest.payments[0].method == "mobile" and rest.payments[0].amount_minor == 13450
    with pytest.raises(InvalidInput, match="only cash may be more"):
        sales.plan_payment(basket, [sales.Tender(method="card", amount_minor=20000)])
    with pytest.raises(InvalidInput, match="short"):
        sales.plan_payment(basket, [sales.Tender(method="cash", amount_minor=10000)])
    with pytest.raises(InvalidInput, match="still due"):
        sales.plan_payment(basket, [sales.Tender(method="card", amount_minor=10000)])
    with pytest.raises(InvalidInput, match="not one of"):
        sales.plan_payment(basket, [sales.Tender(method="bitcoin")])
    with pytest.raises(InvalidInput, match="more than zero"):
        sales.plan_payment(basket, [sales.Tender(method="cash", amount_minor=-5)])
    with pytest.raises(InvalidInput, match="empty"):
        sales.plan_payment(sales.new_basket(session=session), [sales.Tender(method="cash")])


@pytest.mark.parametrize(("step", "due", "rounding"), [(10, 13453, -3), (10, 13455, 5), (50, 13470, -20),
                                                      (50, 13475, 25), (100, 13450, 50), (100, 13449, -49)])
def test_cash_rounding_is_an_explicit_adjustment(step: int, due: int, rounding: int) -> None:
    assert pricing.cash_rounding(due, step) == rounding
    assert (due + rounding) % step == 0


def test_complete_sale_creates_paid_handed_over_order(session: Session, frozen_clock: object) -> None:
    seed(session)
    before = level(session, "TEE-01")
    basket = _basket(session, "TEE-01", "TEE-01", "MUG-01")
    result = sales.complete_sale(session=session, actor=CLERK, basket=basket,
                                 tenders=[sales.Tender(method="card", amount_minor=10000),
                                          sales.Tender(method="cash", amount_minor=20000)], rounding_step_minor=0)
    order = result.order
    assert order.channel == "counter" and order.status == "completed"
    assert order.payment_status == "paid" and order.fulfilment_status == "delivered"
    assert order.total_minor == 23350 and result.change_minor == 20000 - 13350
    assert [(p.method, p.amount_minor) for p in order.payments] == [("card", 10000), ("cash", 13350)]
    assert level(session, "TEE-01") == (before[0] - 2, before[1])  # deducted at once, nothing reserved
    assert order.number in result.receipt and "Change" in result.receipt


def test_complete_sale_with_cash_rounding(session: Session) -> None:
    seed(session)
    sales_basket = _basket(session, "MUG-01")  # 35.50
    sales_basket = sales.set_line_discount(basket=sales_basket, sku="MUG-01", discount_minor=3)  # 35.47
    result = sales.complete_sale(session=session, actor=CLERK, basket=sales_basket,
                                 tenders=[sales.Tender(method="cash", amount_minor=4000)], rounding_step_minor=50)
    assert result.rounding_minor == 3 and result.order.total_minor == 3550
    assert [(a.kind, a.amount_minor) for a in result.order.adjustments] == [("rounding", 3)]
    assert result.change_minor == 450
    assert checks.check_order_totals(session=session) == []
    assert checks.check_order_money(session=session) == []


def test_rounding_from_settings(session: Session) -> None:
    seed(session)
    settings.set_value(session=session, actor=CLERK, key="cash_rounding", raw="1")
    basket = sales.set_line_discount(basket=_basket(session, "MUG-01"), sku="MUG-01", discount_minor=30)  # 35.20
    result = sales.complete_sale(session=session, actor=CLERK, basket=basket, tenders=[sales.Tender(method="cash")])
    assert result.order.total_minor == 3500 and result.rounding_minor == -20


def test_customer_by_phone(session: Session) -> None:
    seed(session)
    customers.add_customer(session=session, actor=CLERK, data=customers.CustomerCreate(name="Li Lei",
                                                                                       phone="13800138000"))
    basket = sales.attach_customer(session=session, basket=_basket(session, "MUG-01"), phone="138 0013 8000")
    assert basket.customer_name == "Li Lei"
    result = sales.complete_sale(session=session, actor=CLERK, basket=basket, tenders=[sales.Tender(method="card")])
    assert result.order.customer_name == "Li Lei"
    assert customers.get_customer(session=session, ref="13800138000").spent_minor == 3550
    with pytest.raises(NotFound):
        sales.attach_customer(session=session, basket=basket, phone="13900000000")
    assert sales.detach_customer(basket=basket).customer_id is None


def test_failed_completion_writes_nothing(store: str) -> None:
    from shoptui import db

    with db.transaction(store) as s:
        seed(s)
    with db.transaction(store) as s:
        basket = _basket(s, "CAP-01")
    with db.transaction(store) as s:  # someone else sells the last cap meanwhile
        sales.complete_sale(session=s, actor=CLERK, basket=_basket(s, "CAP-01"), tenders=[sales.Tender(method="cash")])
    with pytest.raises(Conflict, match="CAP-01"), db.transaction(store) as s:
        sales.complete_sale(session=s, actor=CLERK, basket=basket, tenders=[sales.Tender(method="cash")])
    with db.read_session(store) as s:
        assert _orders(s) == 1
        assert level(s, "CAP-01") == (0, 0)


def test_sale_may_require_an_open_shift(session: Session) -> None:
    seed(session)
    settings.set_value(session=session, actor=CLERK, key="sale_requires_shift", raw="yes")
    with pytest.raises(NotAllowed, match="shift open"):
        sales.sell(session=session, actor=CLERK, items=[("MUG-01", 1)], tenders=[sales.Tender(method="cash")])
    shift = shifts.open_shift(session=session, actor=CLERK, float_minor=20000)
    result = sales.sell(session=session, actor=CLERK, items=[("MUG-01", 1)], tenders=[sales.Tender(method="cash")])
    assert result.shift_id == shift.id


def test_shift_report_and_close(session: Session, frozen_clock: object) -> None:
    seed(session)
    shift = shifts.open_shift(session=session, actor=CLERK, float_minor=20000)
    with pytest.raises(Conflict, match="already open"):
        shifts.open_shift(session=session, actor=CLERK, float_minor=0)
    with clock.frozen(clock.now() + timedelta(minutes=5)):
        sales.sell(session=session, actor=CLERK, items=[("TEE-01", 1)],
                   tenders=[sales.Tender(method="cash", amount_minor=10000)])
        sold = sales.sell(session=session, actor=CLERK, items=[("MUG-01", 1)], tenders=[sales.Tender(method="card")])
    with clock.frozen(clock.now() + timedelta(minutes=10)):
        from shoptui.services.orders import returns as orders_returns

        orders_returns.refund(session=session, actor=CLERK, number=sold.order.number, amount_minor=500,
                              reason="scratched mug")
    live = shifts.shift_report(session=session)
    assert live.sales_count == 2 and live.sales_minor == 9900 + 3550
    assert {m.method: m.amount_minor for m in live.payments} == {"cash": 9900, "card": 3550}
    assert {m.method: m.amount_minor for m in live.refunds} == {"card": 500}
    assert live.expected_cash_minor == 20000 + 9900
    with clock.frozen(clock.now() + timedelta(hours=8)):
        closed = shifts.close_shift(session=session, actor=CLERK, counted_minor=29800, note="one note short")
    assert closed.shift.status == "closed" and closed.difference_minor == -100
    with pytest.raises(Conflict, match="already closed"):
        shifts.close_shift(session=session, actor=CLERK, counted_minor=29800, shift_id=shift.id)
    with pytest.raises(Conflict, match="No shift is open"):
        shifts.close_shift(session=session, actor=CLERK, counted_minor=0)
    with pytest.raises(InvalidInput, match="negative"):
        shifts.open_shift(session=session, actor=CLERK, float_minor=-1)
    with pytest.raises(NotFound):
        shifts.shift_report(session=session, shift_id=999)
    assert [s.id for s in shifts.list_shifts(session=session).items] == [shift.id]
