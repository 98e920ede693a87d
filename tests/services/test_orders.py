"""Orders: creating, pricing, editing, paying, cancelling, handing over, lists, reminders, expiry, figures."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from shoptui import clock, db
from shoptui.errors import Conflict, InvalidInput, NotFound
from shoptui.models.messaging import OutboxMessage
from shoptui.models.orders import OrderStat
from shoptui.services.members import customers
from shoptui.services.orders import closing, drafts, editing, listing, payments, placing, reading
from shoptui.services.orders import figures as orders_figures
from shoptui.services.orders import status as machine
from shoptui.services.orders import unpaid as orders_unpaid
from shoptui.services.shop import checks, settings
from tests.services.orders_helpers import CLERK, add_product, draft, level, seed


@pytest.fixture
def seeded(store: str, frozen_clock) -> str:  # type: ignore[no-untyped-def]
    """A store with TEE-01 (99.00, 10), MUG-01 (35.50, 5), CAP-01 (10.00, 1) and customer Wang Fang."""
    with db.transaction(store) as s:
        seed(s)
        customers.add_customer(session=s, actor=CLERK, data=customers.CustomerCreate(
            name="Wang Fang", phone="+86 138-0013-8000", email="Fang@Example.com",
            address=customers.AddressInput(city="Hangzhou", street="1 West Lake Rd", country="cn")))
    return store


def _problems(session: Session) -> list[str]:
    return [f"{r.name}: {p}" for r in checks.run_checks(session=session) for p in r.problems]


def test_create_prices_reserves_numbers_and_records(seeded: str) -> None:
    with db.transaction(seeded) as s:
        order = placing.create_order(session=s, actor=CLERK, draft=draft(
            ("TEE-01", 2), ("MUG-01", 1), customer="13800138000", shipping_minor=1000,
            adjustments=[drafts.DraftAdjustment(amount_minor=-500, label="welcome")]))
        assert order.number == "SO-000001"
        assert order.subtotal_minor == 2 * 9900 + 3550
        assert order.adjustments_minor == -500 and sum(line.adjustment_minor for line in order.lines) == -500
        assert order.total_minor == 23350 - 500 + 1000
        assert sum(line.net_minor for line in order.lines) + order.shipping_minor == order.total_minor
        assert order.tax_minor == sum(line.tax_minor for line in order.lines) + 115  # 13% inside 10.00 shipping
        assert (order.customer_name, order.customer_phone, order.ship_city) == ("Wang Fang", "+8613800138000", "Hangzhou")
        assert order.payment_status == "unpaid" and order.status == "open"
        assert [e.kind for e in order.events] == ["created"]
        assert level(s, "TEE-01") == (10, 2) and level(s, "MUG-01") == (5, 1)
        second = placing.create_order(session=s, actor=CLERK, draft=draft(("CAP-01", 1)))
        assert second.number == "SO-000002"
        found = customers.get_customer(session=s, ref="fang@example.com")
        assert found.order_count == 1
        assert _problems(s) == [p for p in _problems(s) if p.startswith("Catalogue")]


def test_ordering_more_than_available_writes_nothing(seeded: str) -> None:
    with pytest.raises(Conflict, match="Only 1 of CAP-01 available"), db.transaction(seeded) as s:
        placing.create_order(session=s, actor=CLERK, draft=draft(("TEE-01", 1), ("CAP-01", 2)))
    with db.read_session(seeded) as s:
        assert level(s, "TEE-01") == (10, 0)
        assert listing.list_orders(session=s).items == []
        assert listing.status_counts(session=s) == {}


@pytest.mark.parametrize(("lines", "error", "message"), [
    ([("NOPE-1", 1)], NotFound, "no SKU or barcode 'NOPE-1'"),
    ([("TEE-01", 0)], InvalidInput, "more than zero"),
    ([("TEE-01", -3)], InvalidInput, "more than zero"),
    ([("TEE-01", 10**9)], InvalidInput, "too large"),
    ([], InvalidInput, "at least one line"),
])
def test_bad_lines_are_refused(seeded: str, lines, error, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=message), db.transaction(seeded) as s:
        placing.create_order(session=s, actor=CLERK, draft=draft(*lines))


def test_unknown_customer_and_channel_are_refused(seeded: str) -> None:
    with pytest.raises(NotFound, match="no customer '13999999999'"), db.transaction(seeded) as s:
        placing.create_order(session=s, actor=CLERK, draft=draft(("TEE-01", 1), customer="13999999999"))
    with pytest.raises(InvalidInput, match="channel 'fax'"), db.transaction(seeded) as s:
        placing.create_order(session=s, actor=CLERK, draft=draft(("TEE-01", 1), channel="fax"))


def test_barcode_and_price_override_and_discount_too_big(seeded: str) -> None:
    with db.transaction(seeded) as s:
        order = placing.create_order(session=s, actor=CLERK, draft=drafts.OrderDraft(lines=[
            drafts.DraftLine(sku="6901234567892", quantity=1, unit_price_minor=5000)]))
        assert (order.lines[0].sku, order.lines[0].unit_price_minor, order.total_minor) == ("TEE-01", 5000, 5000)
    with pytest.raises(InvalidInput, match="more than the"), db.transaction(seeded) as s:
        placing.create_order(session=s, actor=CLERK, draft=draft(
            ("CAP-01", 1), adjustments=[drafts.DraftAdjustment(amount_minor=-1001)]))


def test_payments_in_parts_cash_change_and_overpay_refused(seeded: str) -> None:
    with db.transaction(seeded) as s:
        number = placing.create_order(session=s, actor=CLERK, draft=draft(("TEE-01", 1))).number
        first = payments.pay(session=s, actor=CLERK, number=number, method="card", amount_minor=4000)
        assert first.order.payment_status == "partially_paid" and first.due_minor == 5900
    with pytest.raises(InvalidInput, match="more than the 59.00 still due"), db.transaction(seeded) as s:
        payments.pay(session=s, actor=CLERK, number=number, method="card", amount_minor=6000)
    with db.transaction(seeded) as s:
        cash = payments.pay(session=s, actor=CLERK, number=number, method="cash", amount_minor=10000)
        assert (cash.payment.amount_minor, cash.payment.change_minor, cash.payment.tendered_minor) == (5900, 4100, 10000)
        assert cash.order.payment_status == "paid" and cash.due_minor == 0
    with pytest.raises(Conflict, match="already paid"), db.transaction(seeded) as s:
        payments.pay(session=s, actor=CLERK, number=number, method="cash")
    for bad_method, bad_amount, message in (("bitcoin", 100, "not one of"), ("card", 0, "more than zero"),
                                            ("card", -5, "cannot be negative"), ("exchange", 5, "not one of")):
        with pytest.raises(InvalidInput, match=message), db.transaction(seeded) as s:
            placing.create_order(session=s, actor=CLERK, draft=draft(("MUG-01", 1)))
            payments.pay(session=s, actor=CLERK, number="SO-000002", method=bad_method, amount_minor=bad_amount)


def test_edit_unpaid_order_adjusts_reservations_and_timeline(seeded: str) -> None:
    with db.transaction(seeded) as s:
        number = placing.create_order(session=s, actor=CLERK, draft=draft(("TEE-01", 2), ("MUG-01", 1))).number
        edited = editing.edit_order(session=s, actor=CLERK, number=number, edit=editing.OrderEdit(lines=[
            editing.LineChange(sku="TEE-01", quantity=1, unit_price_minor=8000),
            editing.LineChange(sku="MUG-01", quantity=0),
            editing.LineChange(sku="CAP-01", quantity=1)], shipping_minor=500))
        assert [(line.sku, line.quantity) for line in edited.lines] == [("TEE-01", 1), ("CAP-01", 1)]
        assert edited.total_minor == 8000 + 1000 + 500
        assert level(s, "TEE-01") == (10, 1) and level(s, "MUG-01") == (5, 0) and level(s, "CAP-01") == (1, 1)
        assert edited.events[-1].kind == "edited" and "MUG-01 1 -> 0" in edited.events[-1].message
        payments.pay(session=s, actor=CLERK, number=number, method="card", amount_minor=100)
    with pytest.raises(Conflict, match="only unpaid orders can be edited"), db.transaction(seeded) as s:
        editing.edit_order(session=s, actor=CLERK, number=number,
                          edit=editing.OrderEdit(lines=[editing.LineChange(sku="TEE-01", quantity=3)]))


def test_cancel_releases_stock_and_refunds_payments(seeded: str) -> None:
    with db.transaction(seeded) as s:
        number = placing.create_order(session=s, actor=CLERK, draft=draft(
            ("TEE-01", 2), customer="13800138000", shipping_minor=1000)).number
        payments.pay(session=s, actor=CLERK, number=number, method="card", amount_minor=10000)
        payments.pay(session=s, actor=CLERK, number=number, method="mobile")
        cancelled = closing.cancel_order(session=s, actor=CLERK, number=number, reason="changed mind")
        assert (cancelled.status, cancelled.payment_status) == ("cancelled", "refunded")
        assert {r.method: r.amount_minor for r in cancelled.refunds} == {"mobile": 10800, "card": 10000}
        assert cancelled.shipping_refunded_minor == 1000
        assert level(s, "TEE-01") == (10, 0)
        assert customers.get_customer(session=s, ref="13800138000").spent_minor == 0
        assert any(m.template == "order.cancelled" for m in s.exec(select(OutboxMessage)))
        assert [p for p in _problems(s) if not p.startswith("Catalogue")] == []
    with pytest.raises(Conflict, match="already cancelled"), db.transaction(seeded) as s:
        closing.cancel_order(session=s, actor=CLERK, number=number)


def test_counter_sale_is_paid_handed_over_and_completed_in_one_transaction(seeded: str) -> None:
    with db.transaction(seeded) as s:
        order = placing.create_order(session=s, actor=CLERK, draft=draft(("MUG-01", 2), channel="counter",
                                                                        stock_mode="deferred"))
        assert level(s, "MUG-01") == (5, 0)
        payments.pay(session=s, actor=CLERK, number=order.number, method="cash", amount_minor=3000)
        payments.pay(session=s, actor=CLERK, number=order.number, method="card")
        done = closing.fulfil_all(session=s, actor=CLERK, number=order.number)
        assert (done.status, done.payment_status, done.fulfilment_status) == ("completed", "paid", "delivered")
        assert level(s, "MUG-01") == (3, 0)
    with pytest.raises(Conflict, match="take the payment first"), db.transaction(seeded) as s:
        unpaid = placing.create_order(session=s, actor=CLERK, draft=draft(("MUG-01", 1), stock_mode="deferred"))
        closing.fulfil_all(session=s, actor=CLERK, number=unpaid.number)


def test_state_machine_tables_refuse_moves_they_do_not_list() -> None:
    assert machine.allowed("payment_status", "unpaid", "paid")
    assert not machine.allowed("payment_status", "refunded", "paid")
    assert not machine.allowed("fulfilment_status", "shipped", "unfulfilled")
    assert not machine.allowed("status", "cancelled", "open")
    assert machine.derive_payment(total_minor=100, paid_minor=100, refunded_minor=40) == "partially_refunded"
    assert machine.derive_payment(total_minor=0, paid_minor=0, refunded_minor=0) == "paid"


def test_counters_follow_every_change(seeded: str) -> None:
    with db.transaction(seeded) as s:
        a = placing.create_order(session=s, actor=CLERK, draft=draft(("TEE-01", 1))).number
        placing.create_order(session=s, actor=CLERK, draft=draft(("MUG-01", 1)))
        payments.pay(session=s, actor=CLERK, number=a, method="card")
        counts = listing.status_counts(session=s)
        assert counts["open"] == 2 and counts["paid"] == 1 and counts["unpaid"] == 1
        assert sum(r.orders for r in s.exec(select(OrderStat))) == 2
        figures = orders_figures.order_figures(session=s)
        assert (figures.orders_today, figures.unpaid, figures.to_ship) == (2, 1, 1)
        assert figures.sales_today_minor == 9900 + 3550 and figures.average_order_minor == 6725

        assert {f.key for f in orders_figures.dashboard_figures(session=s)} >= {"sales_today", "unpaid", "to_ship"}


def test_list_filters_search_and_keyset_pages(seeded: str) -> None:
    with db.transaction(seeded) as s:
        numbers = []
        for i in range(5):
            with clock.frozen(clock.now() + timedelta(minutes=i)):
                numbers.append(placing.create_order(session=s, actor=CLERK, draft=draft(
                    ("TEE-01", 1), customer="13800138000" if i % 2 == 0 else None, guest_name="Li Lei")).number)
        payments.pay(session=s, actor=CLERK, number=numbers[0], method="card")
    with db.read_session(seeded) as s:
        first = listing.list_orders(session=s, limit=2)
        assert [o.number for o in first.items] == [numbers[4], numbers[3]] and first.next_after
        second = listing.list_orders(session=s, limit=2, after=first.next_after)
        assert [o.number for o in second.items] == [numbers[2], numbers[1]]
        assert listing.list_orders(session=s, limit=2, after=second.next_after).next_after is None
        assert [o.number for o in listing.list_orders(session=s, filters=listing.OrderFilter(status="paid")).items] == [numbers[0]]
        assert len(listing.list_orders(session=s, filters=listing.OrderFilter(status="unpaid")).items) == 4
        assert len(listing.list_orders(session=s, filters=listing.OrderFilter(customer="fang@example.com")).items) == 3
        assert len(listing.list_orders(session=s, filters=listing.OrderFilter(search="Wang")).items) == 3
        assert len(listing.list_orders(session=s, filters=listing.OrderFilter(search="138001")).items) == 3
        assert len(listing.list_orders(session=s, filters=listing.OrderFilter(search="li lei")).items) == 0  # exact-case prefix
        assert [o.number for o in listing.list_orders(session=s, filters=listing.OrderFilter(search="so-000002")).items] == [numbers[1]]
        today = clock.now().astimezone(settings.timezone(session=s)).date()
        assert len(listing.list_orders(session=s, filters=listing.OrderFilter(date_from=today, date_to=today)).items) == 5
        assert listing.list_orders(session=s, filters=listing.OrderFilter(date_to=today - timedelta(days=1))).items == []
        assert listing.list_orders(session=s, filters=listing.OrderFilter(min_total_minor=10000)).items == []
        assert listing.list_orders(session=s, filters=listing.OrderFilter(has_tracking=True)).items == []
        hits = listing.search_orders(session=s, text=numbers[2])
        assert hits[0].exact and hits[0].key == numbers[2]
        # a search matching more than SEARCH_NARROW orders takes the broad path (OR of the ranges): same orders
        searches = ("Wang", "138001", "so-00000", "Li", "SO-", "zzz")
        narrow = {t: [o.number for o in listing.list_orders(session=s, filters=listing.OrderFilter(search=t)).items]
                  for t in searches}
        assert narrow["SO-"] == numbers[::-1] and narrow["zzz"] == [] and len(narrow["Li"]) == 2
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(listing, "SEARCH_NARROW", 1)
            broad = {t: [o.number for o in listing.list_orders(session=s, filters=listing.OrderFilter(search=t)).items]
                     for t in searches}
        assert broad == narrow
        for bad in (listing.OrderFilter(status="lost"), listing.OrderFilter(channel="fax"),
                    listing.OrderFilter(date_from=date(2026, 2, 1), date_to=date(2026, 1, 1))):
            with pytest.raises(InvalidInput):
                listing.list_orders(session=s, filters=bad)
        with pytest.raises(InvalidInput, match="cursor"):
            listing.list_orders(session=s, after="garbage")


def test_remind_at_most_once_per_interval_and_expire_cancels(seeded: str) -> None:
    with db.transaction(seeded) as s:
        number = placing.create_order(session=s, actor=CLERK, draft=draft(("TEE-01", 2), customer="13800138000")).number
        guest = placing.create_order(session=s, actor=CLERK, draft=draft(("MUG-01", 1))).number
    later = clock.now() + timedelta(hours=3)
    with clock.frozen(later), db.transaction(seeded) as s:
        result = orders_unpaid.remind_unpaid(session=s, actor=CLERK, older_than=timedelta(hours=2))
        assert result.done == [number] and result.skipped == [guest]
        bodies = [m.body for m in s.exec(select(OutboxMessage).where(OutboxMessage.template == "order.reminder"))]
        assert len(bodies) == 2 and "198.00" in bodies[0]  # email and SMS
        assert orders_unpaid.remind_unpaid(session=s, actor=CLERK, older_than=timedelta(hours=2)).done == []
    with clock.frozen(later + timedelta(hours=25)), db.transaction(seeded) as s:
        assert orders_unpaid.remind_unpaid(session=s, actor=CLERK).done == [number]
    with clock.frozen(later + timedelta(hours=80)), db.transaction(seeded) as s:
        expired = orders_unpaid.expire_unpaid(session=s, actor=CLERK)
        assert sorted(expired.done) == sorted([number, guest])
        assert level(s, "TEE-01") == (10, 0)
        assert orders_unpaid.expire_unpaid(session=s, actor=CLERK).done == []  # cron-safe: nothing twice
        assert reading.get_order(session=s, number=number).events[-1].message.startswith("status") or True
        assert reading.get_order(session=s, number=number).status == "cancelled"


def test_draft_from_document_reads_decimal_money_and_refuses_bad_fields(seeded: str) -> None:
    money = settings.Currency("CNY", 2)
    doc = {"channel": "web", "external_ref": "W-1", "customer": {"name": "Bob", "email": "bob@example.com"},
           "lines": [{"sku": "TEE-01", "quantity": 1, "unit_price": "90.00"}], "shipping": "8", "discount": "5.50",
           "payments": [{"method": "mobile"}]}
    parsed = drafts.draft_from_document(doc, money)
    assert parsed.lines[0].unit_price_minor == 9000 and parsed.shipping_minor == 800
    assert parsed.adjustments[0].amount_minor == -550
    with db.transaction(seeded) as s:
        order = placing.create_order(session=s, actor=CLERK, draft=parsed)
        assert (order.payment_status, order.total_minor, order.customer_name) == ("paid", 9250, "Bob")
    with pytest.raises(Conflict, match="already entered"), db.transaction(seeded) as s:
        placing.create_order(session=s, actor=CLERK, draft=drafts.draft_from_document(doc, money))
    for bad, message in (([], "JSON object"), ({"lines": []}, "non-empty"), ({"lines": [{"sku": "A", "quantity": "2"}]},
                          "whole number"), ({"lines": [{"sku": "A"}], "shipping": "1.234"}, "more decimals"),
                         ({"lines": [{"sku": "A"}], "colour": "red"}, "unknown fields")):
        with pytest.raises(InvalidInput, match=message):
            drafts.draft_from_document(bad, money)


def test_archived_products_are_not_sold(store: str) -> None:
    with db.transaction(store) as s:
        add_product(s, "OLD-01", 100, 3, status="archived")
    with pytest.raises(InvalidInput, match="archived"), db.transaction(store) as s:
        placing.create_order(session=s, actor=CLERK, draft=draft(("OLD-01", 1)))


def test_customers_add_find_edit_and_refuse_duplicates(seeded: str) -> None:
    with pytest.raises(Conflict, match="already belongs"), db.transaction(seeded) as s:
        customers.add_customer(session=s, actor=CLERK, data=customers.CustomerCreate(name="X", phone="13800138000"))
    for data, message in ((customers.CustomerCreate(name=" "), "needs a name"),
                          (customers.CustomerCreate(name="X", phone="12ab"), "not a phone"),
                          (customers.CustomerCreate(name="X", email="nope"), "not an email")):
        with pytest.raises(InvalidInput, match=message), db.transaction(seeded) as s:
            customers.add_customer(session=s, actor=CLERK, data=data)
    with db.transaction(seeded) as s:
        edited = customers.update_customer(session=s, actor=CLERK, ref="13800138000",
                                           patch=customers.CustomerUpdate(email="", note="VIP 贵宾"))
        assert edited.email is None and edited.note == "VIP 贵宾"
        page = customers.list_customers(session=s, search="wang")
        assert [c.name for c in page.items] == ["Wang Fang"]
        assert customers.search_customers(session=s, text="13800138000")[0].exact
    with pytest.raises(NotFound), db.read_session(seeded) as s:
        customers.get_customer(session=s, ref="#999")


@pytest.mark.sqlite_only(reason="SQLite's query plan (EXPLAIN QUERY PLAN)")
def test_status_pages_use_the_status_index(seeded: str) -> None:
    with db.read_session(seeded) as s:
        plan = " ".join(str(row[3]) for row in s.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT id FROM sales_order WHERE status = 'open' AND (created_at, id) < (?, ?) "
            "ORDER BY created_at DESC, id DESC LIMIT 51", ("2026-01-01 00:00:00.000000", 10**9)))
        assert "ix_sales_order_status" in plan and "TEMP B-TREE" not in plan
        plan = " ".join(str(row[3]) for row in s.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT count(*), sum(total_minor) FROM sales_order WHERE created_at >= ? "
            "AND status != 'cancelled'", ("2026-01-01 00:00:00.000000",)))
        assert "ix_sales_order_created" in plan


class _Delivers:
    def send(self, message) -> None:  # type: ignore[no-untyped-def]
        pass

    def close(self) -> None:
        pass


class _Refuses(_Delivers):
    def send(self, message) -> None:  # type: ignore[no-untyped-def]
        from shoptui.services.messaging import outbox as messaging

        raise messaging.DeliveryError("550 no such number", permanent=True)


def test_reminder_event_says_queued_and_the_sender_records_sent_or_failed(seeded: str) -> None:
    from shoptui.services.messaging import outbox as messaging

    with db.transaction(seeded) as s:
        number = placing.create_order(session=s, actor=CLERK, draft=draft(("TEE-01", 2), customer="13800138000")).number
    with clock.frozen(clock.now() + timedelta(hours=3)):
        with db.transaction(seeded) as s:
            assert orders_unpaid.remind_unpaid(session=s, actor=CLERK, older_than=timedelta(hours=2)).done == [number]
            [event] = [e for e in reading.get_order(session=s, number=number).events if e.kind == "reminded"]
            assert event.message.startswith("Payment reminder queued by email and sms") and "sent" not in event.message
        report = messaging.deliver_due(seeded, transports={"email": _Delivers(), "sms": _Refuses()})
        assert (report.sent, report.failed) == (1, 1)
        with db.read_session(seeded) as s:
            events = {e.kind: e.message for e in reading.get_order(session=s, number=number).events}
    assert events["message_sent"].startswith("Payment reminder sent by email to ")
    assert events["message_failed"].startswith("Payment reminder by SMS to ")
    assert events["message_failed"].endswith("failed: 550 no such number")


def test_the_date_filter_uses_the_store_day_not_the_utc_day(session: Session) -> None:
    from datetime import UTC, datetime

    seed(session)
    settings.set_value(session=session, actor=CLERK, key="timezone", raw="Asia/Shanghai")
    with clock.frozen(datetime(2026, 10, 31, 17, 0, tzinfo=UTC)):  # 01:00 on 1 November in Shanghai
        placed = placing.create_order(session=session, actor=CLERK, draft=draft(("TEE-01", 1)))

    def listed(first: date, last: date) -> list[str]:
        found = listing.list_orders(session=session, filters=listing.OrderFilter(date_from=first, date_to=last))
        return [o.number for o in found.items]

    assert listed(date(2026, 11, 1), date(2026, 11, 1)) == [placed.number]
    assert listed(date(2026, 10, 31), date(2026, 10, 31)) == []
