"""Orders after payment: shipping (single, partial, batch), delivery, returns, refunds and exchanges."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from shoptui import db
from shoptui.errors import Conflict, InvalidInput, NotFound
from shoptui.models.messaging import OutboxMessage
from shoptui.services.members import customers
from shoptui.services.orders import closing, drafts, listing, payments, placing, reading
from shoptui.services.orders import figures as orders_figures
from shoptui.services.orders import returns as orders_returns
from shoptui.services.orders import shipping as orders_shipping
from shoptui.services.pricing import engine as pricing
from shoptui.services.shop import checks, settings
from tests.services.orders_helpers import CLERK, draft, level, seed


@pytest.fixture
def paid(store: str, frozen_clock) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A store with a paid order SO-000001: 2 x TEE-01 (99.00) + 1 x MUG-01 (35.50), 5.00 off, 10.00 shipping."""
    with db.transaction(store) as s:
        seed(s)
        customers.add_customer(session=s, actor=CLERK, data=customers.CustomerCreate(
            name="Wang Fang", phone="13800138000", email="fang@example.com"))
        order = placing.create_order(session=s, actor=CLERK, draft=draft(
            ("TEE-01", 2), ("MUG-01", 1), customer="13800138000", shipping_minor=1000,
            adjustments=[drafts.DraftAdjustment(amount_minor=-500)]))
        payments.pay(session=s, actor=CLERK, number=order.number, method="card", amount_minor=20000)
        payments.pay(session=s, actor=CLERK, number=order.number, method="mobile")
    return store, order.number


def _clean(session: Session) -> None:
    problems = [p for r in checks.run_checks(session=session) if not r.name.startswith("Catalogue") for p in r.problems]
    assert problems == []


def _ship_all(url: str, number: str) -> None:
    with db.transaction(url) as s:
        orders_shipping.ship(session=s, actor=CLERK, number=number, carrier="SF", tracking="SF1234567890")
        orders_shipping.deliver(session=s, actor=CLERK, number=number)


def test_partial_then_full_shipping_notifies_and_deducts(paid: tuple[str, str]) -> None:
    url, number = paid
    with db.transaction(url) as s:
        first = orders_shipping.ship(session=s, actor=CLERK, number=number, carrier="sf", tracking="sf 1234567890",
                                     items=[("TEE-01", 1)])
        assert first.fulfilment_status == "partially_shipped" and first.notified == ["email", "sms"]
        assert first.shipment.tracking == "SF1234567890" and "SF1234567890" in first.shipment.tracking_url
        assert level(s, "TEE-01") == (9, 1)
        notice = s.exec(select(OutboxMessage).where(OutboxMessage.template == "order.shipped",
                                                    OutboxMessage.channel == "email")).first()
        assert notice is not None and "SF Express" in notice.body and "2026-11-22" in notice.body  # 2 typical days
        rest = orders_shipping.ship(session=s, actor=CLERK, number=number, carrier="SF", tracking="SF1234567891")
        assert rest.fulfilment_status == "shipped" and {i.sku for i in rest.shipment.items} == {"TEE-01", "MUG-01"}
        assert level(s, "TEE-01") == (8, 0) and level(s, "MUG-01") == (4, 0)
        hits = listing.list_orders(session=s, filters=listing.OrderFilter(search="SF1234567891"))
        assert [o.number for o in hits.items] == [number]
        assert listing.list_orders(session=s, filters=listing.OrderFilter(has_tracking=True)).items[0].number == number
        done = orders_shipping.deliver(session=s, actor=CLERK, number=number)
        assert (done.status, done.fulfilment_status) == ("completed", "delivered")
        _clean(s)


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"carrier": "SF", "tracking": "1234"}, InvalidInput, "does not look like a SF number"),
    ({"carrier": "DHL", "tracking": "SF1234567890"}, NotFound, "no carrier 'DHL'"),
    ({"carrier": "SF", "tracking": "  "}, InvalidInput, "Give a tracking number"),
    ({"carrier": "SF", "tracking": "SF1234567890", "items": [("TEE-01", 3)]}, InvalidInput, "Only 2 of TEE-01"),
    ({"carrier": "SF", "tracking": "SF1234567890", "items": [("CAP-01", 1)]}, InvalidInput, "not on this order"),
])
def test_bad_shipments_change_nothing(paid: tuple[str, str], kwargs, error, message) -> None:  # type: ignore[no-untyped-def]
    url, number = paid
    with pytest.raises(error, match=message), db.transaction(url) as s:
        orders_shipping.ship(session=s, actor=CLERK, number=number, **kwargs)
    with db.read_session(url) as s:
        assert level(s, "TEE-01") == (10, 2) and reading.get_order(session=s, number=number).shipments == []


def test_unpaid_cancelled_and_double_shipping_are_refused(paid: tuple[str, str]) -> None:
    url, number = paid
    with db.transaction(url) as s:
        unpaid = placing.create_order(session=s, actor=CLERK, draft=draft(("CAP-01", 1))).number
    with pytest.raises(Conflict, match="unpaid; take the payment"), db.transaction(url) as s:
        orders_shipping.ship(session=s, actor=CLERK, number=unpaid, carrier="SF", tracking="SF1234567890")
    with db.transaction(url) as s:
        closing.cancel_order(session=s, actor=CLERK, number=unpaid)
    with pytest.raises(Conflict, match="cancelled"), db.transaction(url) as s:
        orders_shipping.ship(session=s, actor=CLERK, number=unpaid, carrier="SF", tracking="SF1234567890")
    with db.transaction(url) as s:
        orders_shipping.ship(session=s, actor=CLERK, number=number, carrier="SF", tracking="SF1234567890")
    with pytest.raises(Conflict, match="already shipped in full"), db.transaction(url) as s:
        orders_shipping.ship(session=s, actor=CLERK, number=number, carrier="SF", tracking="SF1234567890")
    with pytest.raises(Conflict, match="has shipped items"), db.transaction(url) as s:
        closing.cancel_order(session=s, actor=CLERK, number=number)


def test_ship_from_csv_is_all_or_nothing_with_a_report(paid: tuple[str, str]) -> None:
    url, number = paid
    with db.transaction(url) as s:
        other = placing.create_order(session=s, actor=CLERK, draft=draft(("CAP-01", 1)))
        payments.pay(session=s, actor=CLERK, number=other.number, method="cash")
    bad = (f"number,carrier,tracking,lines\n{number},SF,SF1234567890,TEE-01:1\n{other.number},SF,BAD\n"
           "SO-999999,SF,SF1234567899\n,SF,SF1\nSO-000001,SF,SF1234567890,TEE-01:x\n")
    with pytest.raises(orders_shipping.BatchRefused) as refused, db.transaction(url) as s:
        orders_shipping.ship_from_csv(session=s, actor=CLERK, text=bad)
    report = str(refused.value)
    assert report.startswith("4 of 5 rows cannot be shipped, so nothing was shipped")
    assert "row 3:" in report and "row 4: There is no order SO-999999" in report and "row 5:" in report
    assert "row 6:" in report and "row 2:" not in report
    with db.read_session(url) as s:
        assert level(s, "TEE-01") == (10, 2) and level(s, "CAP-01") == (1, 1)
    good = f"number,carrier,tracking\n{number},SF,SF1234567890\n{other.number},ZTO,123456789012\n"
    with db.transaction(url) as s:
        results = orders_shipping.ship_from_csv(session=s, actor=CLERK, text=good)
        assert [r.fulfilment_status for r in results] == ["shipped", "shipped"]
        _clean(s)
    for text, message in (("", "empty"), ("order,tracking\nA,B\n", "lacks number, carrier")):
        with pytest.raises(InvalidInput, match=message), db.transaction(url) as s:
            orders_shipping.ship_from_csv(session=s, actor=CLERK, text=text)


def test_deliver_needs_a_full_shipment(paid: tuple[str, str]) -> None:
    url, number = paid
    with pytest.raises(Conflict, match="not been shipped"), db.transaction(url) as s:
        orders_shipping.deliver(session=s, actor=CLERK, number=number)
    with db.transaction(url) as s:
        orders_shipping.ship(session=s, actor=CLERK, number=number, carrier="SF", tracking="SF1234567890",
                             items=[("MUG-01", 1)])
    with pytest.raises(Conflict, match="only partly shipped"), db.transaction(url) as s:
        orders_shipping.deliver(session=s, actor=CLERK, number=number)


def test_return_flow_restocks_writes_off_and_refunds_exactly(paid: tuple[str, str]) -> None:
    url, number = paid
    _ship_all(url, number)
    with db.transaction(url) as s:
        ret = orders_returns.request_return(session=s, actor=CLERK, number=number,
                                            items=[("TEE-01", 2), ("MUG-01", 1)], reason="wrong size")
        assert ret.status == "requested" and orders_figures.order_figures(session=s).open_returns == 1
        with pytest.raises(Conflict, match="is requested; it cannot become received"):
            orders_returns.receive_return(session=s, actor=CLERK, return_id=ret.id)
        orders_returns.decide_return(session=s, actor=CLERK, return_id=ret.id, approve=True)
        received = orders_returns.receive_return(session=s, actor=CLERK, return_id=ret.id,
                                                 conditions={"MUG-01": "damaged"})
        assert {i.sku: i.condition for i in received.items} == {"TEE-01": "resellable", "MUG-01": "damaged"}
        assert level(s, "TEE-01") == (10, 0) and level(s, "MUG-01") == (4, 0)
        result = orders_returns.refund_return(session=s, actor=CLERK, return_id=ret.id, include_shipping=True)
        order = reading.get_order(session=s, number=number)
        assert result.amount_minor == order.total_minor == order.refunded_minor
        assert result.methods == {"mobile": order.total_minor - 20000, "card": 20000}
        assert (order.payment_status, order.fulfilment_status) == ("refunded", "returned")
        assert all(line.refunded_minor == line.net_minor for line in order.lines)
        assert orders_figures.order_figures(session=s).open_returns == 0
        kinds = [e.kind for e in order.events]
        assert {"return_requested", "return_approved", "return_received", "refunded"} <= set(kinds)
        assert {m.template for m in s.exec(select(OutboxMessage))} >= {"order.return_approved", "order.refund"}
        _clean(s)


def test_returning_more_than_shipped_or_twice_is_refused(paid: tuple[str, str]) -> None:
    url, number = paid
    with pytest.raises(InvalidInput, match="Only 0 of TEE-01 can be returned"), db.transaction(url) as s:
        orders_returns.request_return(session=s, actor=CLERK, number=number, items=[("TEE-01", 1)], reason="x")
    _ship_all(url, number)
    with db.transaction(url) as s:
        orders_returns.request_return(session=s, actor=CLERK, number=number, items=[("TEE-01", 2)], reason="x")
    with pytest.raises(InvalidInput, match="Only 0 of TEE-01") as refused, db.transaction(url) as s:
        orders_returns.request_return(session=s, actor=CLERK, number=number, items=[("TEE-01", 1)], reason="x")
    assert refused.value.field == "items"  # a form marks the field the refusal names
    with pytest.raises(InvalidInput, match="Give a reason") as refused, db.transaction(url) as s:
        orders_returns.request_return(session=s, actor=CLERK, number=number, items=[("MUG-01", 1)], reason=" ")
    assert refused.value.field == "reason"
    with pytest.raises(InvalidInput, match="photo /nope.jpg does not exist") as refused, db.transaction(url) as s:
        orders_returns.request_return(session=s, actor=CLERK, number=number, items=[("MUG-01", 1)], reason="x",
                                      photos=["/nope.jpg"])
    assert refused.value.field == "photos"
    with db.transaction(url) as s:
        rejected = orders_returns.decide_return(session=s, actor=CLERK, return_id=1, approve=False, note="worn")
        assert rejected.status == "rejected"
    with pytest.raises(InvalidInput, match="reason for the rejection") as refused, db.transaction(url) as s:
        ret = orders_returns.request_return(session=s, actor=CLERK, number=number, items=[("MUG-01", 1)], reason="x")
        orders_returns.decide_return(session=s, actor=CLERK, return_id=ret.id, approve=False)
    assert refused.value.field == "note"


def test_refund_without_return_caps_per_line_and_per_order(paid: tuple[str, str]) -> None:
    url, number = paid
    with pytest.raises(InvalidInput, match="Give a reason"), db.transaction(url) as s:
        orders_returns.refund(session=s, actor=CLERK, number=number, amount_minor=100)
    with db.transaction(url) as s:
        goodwill = orders_returns.refund(session=s, actor=CLERK, number=number, amount_minor=1000, reason="late",
                                         to="store_credit")
        assert goodwill.methods == {"store_credit": 1000} and goodwill.payment_status == "partially_refunded"
        order = reading.get_order(session=s, number=number)
        assert sum(line.refunded_minor for line in order.lines) == 1000
        total = order.total_minor
    with pytest.raises(InvalidInput, match="more than the") as refused, db.transaction(url) as s:
        orders_returns.refund(session=s, actor=CLERK, number=number, amount_minor=total, reason="too much")
    assert refused.value.field == "amount_minor"
    with pytest.raises(InvalidInput, match="Only 1 of MUG-01 can be refunded") as refused, db.transaction(url) as s:
        orders_returns.refund(session=s, actor=CLERK, number=number, items=[("MUG-01", 2)], reason="x")
    assert refused.value.field == "items"
    with pytest.raises(InvalidInput, match="Refunds go to") as refused, db.transaction(url) as s:
        orders_returns.refund(session=s, actor=CLERK, number=number, amount_minor=100, reason="x", to="cash")
    assert refused.value.field == "to"
    with db.transaction(url) as s:
        orders_returns.refund(session=s, actor=CLERK, number=number, reason="all the rest")
        order = reading.get_order(session=s, number=number)
        assert order.refunded_minor == order.paid_minor and order.payment_status == "refunded"
        assert order.status == "cancelled"  # nothing had shipped: a full refund closes it (issue 11 item 6)
        _clean(s)
    with pytest.raises(Conflict, match="cancelled"), db.transaction(url) as s:
        orders_returns.refund(session=s, actor=CLERK, number=number, amount_minor=1, reason="again")


def test_exchange_charges_or_refunds_the_difference(paid: tuple[str, str]) -> None:
    url, number = paid
    _ship_all(url, number)
    with db.transaction(url) as s:
        up = orders_returns.exchange(session=s, actor=CLERK, number=number, back=[("MUG-01", 1)],
                                     new=[drafts.DraftLine(sku="TEE-01", quantity=1)], pay_method="cash",
                                     reason="wants a tee", hand_over=True)
        mug_paid = reading.get_order(session=s, number=number).lines[1].net_minor
        assert up.returned_value_minor == mug_paid and up.credit_minor == mug_paid
        assert up.charged_minor == 9900 - mug_paid and up.refunded_minor == 0 and up.due_minor == 0
        assert (up.new_order.status, up.new_order.payment_status) == ("completed", "paid")
        assert {p.method for p in up.new_order.payments} == {"exchange", "cash"}
        down = orders_returns.exchange(session=s, actor=CLERK, number=number, back=[("TEE-01", 1)],
                                       new=[drafts.DraftLine(sku="CAP-01", quantity=1)], reason="cheaper")
        assert down.credit_minor == 1000 and down.refunded_minor == down.returned_value_minor - 1000
        assert down.new_order.payment_status == "paid" and level(s, "CAP-01") == (1, 1)
        original = reading.get_order(session=s, number=number)
        assert original.fulfilment_status == "partially_returned"
        assert original.refunded_minor == up.returned_value_minor + down.returned_value_minor
        _clean(s)
    with pytest.raises(InvalidInput, match="Only 0 of MUG-01") as refused, db.transaction(url) as s:
        orders_returns.exchange(session=s, actor=CLERK, number=number, back=[("MUG-01", 1)],
                                new=[drafts.DraftLine(sku="CAP-01", quantity=1)])
    assert refused.value.field == "back"  # what comes back, not the items of a refund


def test_pricing_spreads_discounts_exactly_and_units_add_up() -> None:
    priced = pricing.price_order([pricing.PriceLine(3, 333, key="A"), pricing.PriceLine(1, 1, key="B"),
                                  pricing.PriceLine(2, 500, 100, key="C")],
                                 [pricing.PriceAdjustment("discount", -250), pricing.PriceAdjustment("rounding", 3)],
                                 shipping_minor=800, tax_rate_bp=1300)
    assert priced.subtotal_minor == 999 + 1 + 900
    assert sum(line.adjustment_minor for line in priced.lines) == priced.adjustments_minor == -247
    assert priced.total_minor == sum(line.net_minor for line in priced.lines) + 800
    assert pricing.tax_part(1130, 1300) == 130
    net, quantity = 1000, 3
    parts = [pricing.share_of_units(net, quantity, done, 1) for done in range(quantity)]
    assert sum(parts) == net and parts == [333, 334, 333]
    assert pricing.cash_rounding(1234, 10) == -4 and pricing.cash_rounding(1235, 50) == 15
    scoped = pricing.price_order([pricing.PriceLine(1, 1000), pricing.PriceLine(1, 1000)],
                                 [pricing.PriceAdjustment("promotion", -300, scope=(1,))])
    assert [line.adjustment_minor for line in scoped.lines] == [0, -300]
    with pytest.raises(InvalidInput, match="cannot be negative"):
        pricing.price_order([pricing.PriceLine(-1, 100)])


def test_settings_validate_carriers(store: str) -> None:
    with db.transaction(store) as s:
        value = settings.set_value(session=s, actor=CLERK, key="carriers", raw=json.dumps(
            [{"name": "DHL", "code": "dhl", "pattern": r"\d{10}", "typical_days": 5,
              "tracking_url": "https://dhl.example/{tracking}"}]))
        assert value[0]["code"] == "DHL"
    for raw, message in (("nope", "not JSON"), ('{"a": 1}', "JSON list"), ('[{"code": "X"}]', "needs a name"),
                         ('[{"name": "X", "code": "X", "pattern": "("}]', "not a regular expression"),
                         ('[{"name": "X", "code": "X", "typical_days": -1}]', "typical days")):
        with pytest.raises(InvalidInput, match=message), db.transaction(store) as s:
            settings.set_value(session=s, actor=CLERK, key="carriers", raw=raw)


# ---------------------------------------------------------------- issue 11 item 6: --shipping, preview, stock


def _refunded_lines(url: str, number: str) -> dict[str, int]:
    with db.read_session(url) as s:
        return {line.sku: line.refunded_minor for line in reading.get_order(session=s, number=number).lines}


def test_shipping_alone_refunds_only_the_shipping_fee_and_only_once(paid: tuple[str, str]) -> None:
    url, number = paid
    with db.read_session(url) as s:
        plan = orders_returns.preview_refund(session=s, number=number, include_shipping=True, reason="late")
    assert (plan.amount_minor, plan.shipping_minor, plan.lines) == (1000, 1000, [])
    assert plan.methods == {"mobile": 1000} and not plan.cancels
    with db.transaction(url) as s:
        done = orders_returns.refund(session=s, actor=CLERK, number=number, include_shipping=True, reason="late",
                                     expect_amount_minor=plan.amount_minor)
        assert (done.amount_minor, done.shipping_minor, done.methods) == (1000, 1000, {"mobile": 1000})
        assert done.payment_status == "partially_refunded" and not done.cancelled
        _clean(s)
    assert _refunded_lines(url, number) == {"TEE-01": 0, "MUG-01": 0}
    with pytest.raises(Conflict, match="shipping fee of order SO-000001 \\(10.00\\) was already refunded"), \
            db.transaction(url) as s:
        orders_returns.refund(session=s, actor=CLERK, number=number, include_shipping=True, reason="again")
    with pytest.raises(Conflict, match="already refunded"), db.read_session(url) as s:
        orders_returns.preview_refund(session=s, number=number, include_shipping=True)
    with db.read_session(url) as s:
        order = reading.get_order(session=s, number=number)
        assert (order.refunded_minor, order.shipping_refunded_minor) == (1000, 1000)


def test_shipping_refund_on_a_partly_returned_order_keeps_the_kept_items(paid: tuple[str, str]) -> None:
    url, number = paid
    _ship_all(url, number)
    with db.transaction(url) as s:
        back = orders_returns.request_return(session=s, actor=CLERK, number=number, items=[("TEE-01", 1)],
                                             reason="too small")
        orders_returns.decide_return(session=s, actor=CLERK, return_id=back.id, approve=True)
        orders_returns.receive_return(session=s, actor=CLERK, return_id=back.id)
        orders_returns.refund_return(session=s, actor=CLERK, return_id=back.id)
    before = _refunded_lines(url, number)
    with db.transaction(url) as s:
        done = orders_returns.refund(session=s, actor=CLERK, number=number, include_shipping=True, reason="late")
    assert done.amount_minor == 1000 and done.shipping_minor == 1000
    assert _refunded_lines(url, number) == before  # the kept tee and the mug are not refunded


def test_no_shipping_fee_is_refused_with_the_option_named(store: str, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    with db.transaction(store) as s:
        seed(s)
        order = placing.create_order(session=s, actor=CLERK, draft=draft(("MUG-01", 1)))
        payments.pay(session=s, actor=CLERK, number=order.number, method="card")
    with pytest.raises(InvalidInput, match="has no shipping fee"), db.transaction(store) as s:
        orders_returns.refund(session=s, actor=CLERK, number=order.number, include_shipping=True, reason="x")


def test_preview_is_what_the_refund_books_and_a_stale_preview_is_refused(paid: tuple[str, str]) -> None:
    url, number = paid
    with db.read_session(url) as s:
        plan = orders_returns.preview_refund(session=s, number=number, items=[("TEE-01", 1)], include_shipping=True,
                                             reason="x")
    assert [(line.sku, line.units) for line in plan.lines] == [("TEE-01", 1)]
    assert plan.summary[0] == f"Refund {pricing_text(plan.amount_minor)} CNY on {number}:"
    assert any(line.startswith("  shipping  10.00") for line in plan.summary)
    with db.transaction(url) as s:  # somebody else refunds 1.00 meanwhile
        orders_returns.refund(session=s, actor=CLERK, number=number, amount_minor=100, reason="goodwill")
    with pytest.raises(Conflict, match="changed since the refund was shown"), db.transaction(url) as s:
        orders_returns.refund(session=s, actor=CLERK, number=number, items=[("TEE-01", 1)], include_shipping=True,
                              reason="x", expect_amount_minor=plan.amount_minor)
    with db.read_session(url) as s:
        plan = orders_returns.preview_refund(session=s, number=number, items=[("TEE-01", 1)], include_shipping=True)
    with db.transaction(url) as s:
        done = orders_returns.refund(session=s, actor=CLERK, number=number, items=[("TEE-01", 1)],
                                     include_shipping=True, reason="x", expect_amount_minor=plan.amount_minor)
    assert done.amount_minor == plan.amount_minor and done.methods == plan.methods


def pricing_text(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


def test_full_refund_of_an_unshipped_order_cancels_it_and_releases_its_stock(paid: tuple[str, str]) -> None:
    url, number = paid
    with db.read_session(url) as s:
        assert level(s, "TEE-01") == (10, 2) and level(s, "MUG-01") == (5, 1)
        plan = orders_returns.preview_refund(session=s, number=number)
    assert plan.cancels and "TEE-01 x2, MUG-01 x1" in plan.stock_note and plan.amount_minor == 23850
    with db.transaction(url) as s:
        done = orders_returns.refund(session=s, actor=CLERK, number=number, reason="out of stock at supplier")
        assert done.cancelled and "reserved stock is released" in done.stock_note
        assert level(s, "TEE-01") == (10, 0) and level(s, "MUG-01") == (5, 0)
        order = reading.get_order(session=s, number=number)
        assert (order.status, order.payment_status) == ("cancelled", "refunded")
        notices = s.exec(select(OutboxMessage)).all()
        assert any("The order is cancelled" in m.body for m in notices)  # the refund's notice says it
        assert not any("was cancelled" in m.body for m in notices)  # and no second notice for the same step
        _clean(s)
    with pytest.raises(Conflict), db.transaction(url) as s:  # released once: cancelling again is refused
        closing.cancel_order(session=s, actor=CLERK, number=number)


def test_full_refund_of_a_partly_shipped_order_says_why_stock_stays_reserved(paid: tuple[str, str]) -> None:
    url, number = paid
    with db.transaction(url) as s:
        orders_shipping.ship(session=s, actor=CLERK, number=number, carrier="SF", tracking="SF1234567890",
                             items=[("TEE-01", 1)])
    with db.transaction(url) as s:
        done = orders_returns.refund(session=s, actor=CLERK, number=number, reason="lost parcel")
        assert not done.cancelled and "stays open and the 2 unshipped units stay reserved" in done.stock_note
        assert level(s, "TEE-01")[1] == 1 and level(s, "MUG-01")[1] == 1
        _clean(s)


# ---------------------------------------------------------------- issue 11 item 9: an even exchange costs nothing


def test_same_price_size_exchange_of_a_discounted_order_costs_nothing(store: str, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from shoptui import clock
    from shoptui.services.marketing import coupons as mc
    from shoptui.services.marketing import promotions as mp
    from tests.services.orders_helpers import add_product

    with db.transaction(store) as s:
        seed(s)
        add_product(s, "TEE-02", 9900, 5, title="Basic tee L")  # the other size, same list price
        add_product(s, "TEE-03", 12900, 5, title="Premium tee")
        mp.add_promotion(session=s, actor=CLERK, data=mp.PromotionInput(
            name="tees 10% off", kind="discount", percent_bp=1000, products=["TEE-01", "TEE-02", "TEE-03"],
            starts_at=clock.now() - timedelta(days=1)))
        mc.add_coupon(session=s, actor=CLERK, data=mc.CouponInput(name="ten off", kind="amount", amount_minor=1000,
                                                                 code="SAVE10"))
        order = placing.create_order(session=s, actor=CLERK, draft=draft(("TEE-01", 2), ("MUG-01", 1),
                                                                        coupon_codes=["SAVE10"]))
        assert order.total_minor < 2 * 9900 + 3550  # the promotion and the coupon both took something off
        payments.pay(session=s, actor=CLERK, number=order.number, method="card")
    _ship_all(store, order.number)
    with db.transaction(store) as s:
        even = orders_returns.exchange(session=s, actor=CLERK, number=order.number, back=[("TEE-01", 1)],
                                       new=[drafts.DraftLine(sku="TEE-02", quantity=1)], reason="size")
        assert (even.charged_minor, even.refunded_minor, even.due_minor) == (0, 0, 0)
        assert even.new_order.total_minor == even.returned_value_minor == even.credit_minor
        assert even.new_order.payment_status == "paid"
        assert [(line.sku, line.unit_price_minor) for line in even.new_order.lines] == [("TEE-02", 9900)]
        # another list price: the new tee at its own price, the returned tee's value as credit, the rest charged
        dearer = orders_returns.exchange(session=s, actor=CLERK, number=order.number, back=[("TEE-01", 1)],
                                         new=[drafts.DraftLine(sku="TEE-03", quantity=1)], reason="upgrade",
                                         pay_method="card")
        assert dearer.charged_minor == dearer.new_order.total_minor - dearer.returned_value_minor > 0
        _clean(s)
