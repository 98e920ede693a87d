"""The customers report's month x customer rollup (sales_customer_month, migration 0018): it follows orders in and
out of sales in their own transaction, folds on a member merge, is proven by ``db check`` and filled by the
migration."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import delete, func, select, update
from sqlmodel import Session

from shoptui import clock
from shoptui.models._types import table_of
from shoptui.models.orders import SalesCustomerMonth
from shoptui.services import analytics, members, orders
from tests.services.orders_helpers import CLERK, draft, seed


def _rows(session: Session) -> dict[tuple[date, int], tuple[int, int, date | None, date | None]]:
    t = table_of(SalesCustomerMonth)
    return {
        (month, customer): (n, net, first, last)
        for month, customer, n, net, first, last in session.execute(
            select(t.c.month, t.c.customer_id, t.c.orders, t.c.net_minor, t.c.first_day, t.c.last_day)
        )
    }


def _paid(session: Session, when: datetime, customer: int | None, *items: tuple[str, int]) -> str:
    with clock.frozen(when):
        order = orders.create_order(
            session=session,
            actor=CLERK,
            draft=draft(*items, customer=customer, payments=[orders.DraftPayment(method="card")]),
        )
    return order.number


def _member(session: Session, phone: str, name: str) -> int:
    return members.add_member(session=session, actor=CLERK, data=members.MemberCreate(name=name, phone=phone)).id


def test_the_month_rollup_follows_orders_in_and_out_of_sales(session: Session) -> None:
    seed(session)
    ana = _member(session, "13900000001", "Ana")
    jan = date(2026, 1, 1)
    first = _paid(session, datetime(2026, 1, 5, 2, tzinfo=UTC), ana, ("TEE-01", 1))
    second = _paid(session, datetime(2026, 1, 20, 2, tzinfo=UTC), ana, ("MUG-01", 2))
    guest = _paid(session, datetime(2026, 1, 31, 17, tzinfo=UTC), None, ("CAP-01", 1))  # 1 February in Shanghai
    with clock.frozen(datetime(2026, 1, 21, 2, tzinfo=UTC)):
        unpaid = orders.create_order(session=session, actor=CLERK, draft=draft(("TEE-01", 1), customer=ana)).number
    assert _rows(session) == {
        (jan, ana): (2, 9900 + 7100, date(2026, 1, 5), date(2026, 1, 20)),
        (date(2026, 2, 1), 0): (1, 1000, date(2026, 2, 1), date(2026, 2, 1)),
    }
    assert orders.check_rollups(session=session) == []
    with clock.frozen(datetime(2026, 1, 22, 2, tzinfo=UTC)):
        orders.pay(session=session, actor=CLERK, number=unpaid, method="card")  # enters sales: last day moves on
        assert _rows(session)[(jan, ana)] == (3, 26900, date(2026, 1, 5), date(2026, 1, 21))
        orders.cancel_order(session=session, actor=CLERK, number=first, reason="test", notify=False)
        assert _rows(session)[(jan, ana)] == (2, 17000, date(2026, 1, 20), date(2026, 1, 21))  # first day found again
        orders.cancel_order(session=session, actor=CLERK, number=unpaid, reason="test", notify=False)
        orders.cancel_order(session=session, actor=CLERK, number=guest, reason="test", notify=False)
    assert _rows(session) == {(jan, ana): (1, 7100, date(2026, 1, 20), date(2026, 1, 20))}
    assert orders.check_rollups(session=session) == []
    with clock.frozen(datetime(2026, 1, 22, 3, tzinfo=UTC)):
        orders.cancel_order(session=session, actor=CLERK, number=second, reason="test", notify=False)
    assert _rows(session) == {}  # a row always holds an order
    assert orders.check_rollups(session=session) == []


def test_db_check_sees_a_broken_month_row_and_a_rebuild_mends_it(session: Session) -> None:
    seed(session)
    ana = _member(session, "13900000002", "Ana")
    _paid(session, datetime(2026, 3, 3, 2, tzinfo=UTC), ana, ("TEE-01", 1))
    _paid(session, datetime(2026, 4, 3, 2, tzinfo=UTC), None, ("MUG-01", 1))
    t = table_of(SalesCustomerMonth)
    session.execute(update(t).where(t.c.customer_id == ana).values(net_minor=t.c.net_minor + 1))
    problems = orders.check_rollups(session=session)
    assert len(problems) == 1 and "sales_customer_month" in problems[0] and f"customer {ana}" in problems[0]
    assert "2026-03" in problems[0] and "(1, 9901," in problems[0]
    session.execute(delete(t).where(t.c.customer_id == 0))
    problems = orders.check_rollups(session=session)
    assert len(problems) == 2 and any("customer 0" in p and "holds None" in p for p in problems)
    orders.rebuild_rollups(session, date(2026, 3, 31), date(2026, 4, 1))  # whole months around the days
    assert orders.check_rollups(session=session) == []
    session.execute(update(t).values(last_day=date(2026, 5, 1)))
    assert len(orders.check_rollups(session=session)) == 2
    analytics.refresh_placed_days(session=session, actor=CLERK)
    assert orders.check_rollups(session=session) == []


def test_a_member_merge_folds_the_month_rows(session: Session) -> None:
    seed(session)
    ana = _member(session, "13900000003", "Ana")
    bea = _member(session, "13900000004", "Bea")
    _paid(session, datetime(2026, 5, 10, 2, tzinfo=UTC), ana, ("TEE-01", 1))
    _paid(session, datetime(2026, 5, 2, 2, tzinfo=UTC), bea, ("MUG-01", 1))
    _paid(session, datetime(2026, 6, 2, 2, tzinfo=UTC), bea, ("CAP-01", 1))
    members.merge_members(session=session, actor=CLERK, keep=ana, other=bea)
    assert _rows(session) == {
        (date(2026, 5, 1), ana): (2, 9900 + 3550, date(2026, 5, 2), date(2026, 5, 10)),
        (date(2026, 6, 1), ana): (1, 1000, date(2026, 6, 2), date(2026, 6, 2)),
    }
    assert orders.check_rollups(session=session) == []
    report = analytics.customers_report(session=session, start=date(2026, 5, 1), end=date(2026, 6, 30))
    assert report.customers == 1 and [b.orders for b in report.new_returning] == [3, 0, 0]


def analytics_tables_filled(s: Session) -> bool:
    from shoptui.models.inventory import StockMoveRollup
    from shoptui.models.orders import SalesCustomerFirst, SalesDayVariant, SalesVariantMonth

    return all(
        s.execute(select(func.count()).select_from(table_of(model))).scalar()
        for model in (SalesCustomerFirst, SalesDayVariant, SalesVariantMonth, StockMoveRollup)
    )


def test_the_migration_fills_the_month_rollup_again(store: str) -> None:
    """0018 on a store rewound to 0017 computes the tables from the orders and the ledger (and again after a second
    rewind): the month x customer rollup, the first days, the day and month x variant x location rollups, the
    ledger's day and month rollups."""
    from shoptui import db
    from shoptui.services import inventory
    from tests.services.test_data_migrations import _migrate

    with db.transaction(store) as s:
        seed(s)
        ana = _member(s, "13900000005", "Ana")
        _paid(s, datetime(2026, 7, 1, 2, tzinfo=UTC), ana, ("TEE-01", 2))
        _paid(s, datetime(2026, 8, 1, 2, tzinfo=UTC), None, ("MUG-01", 1))
    for _ in range(2):
        _migrate(store, "0017_staff", down=True)
        _migrate(store, "head")
        with db.read_session(store) as s:
            assert _rows(s) == {
                (date(2026, 7, 1), ana): (1, 19800, date(2026, 7, 1), date(2026, 7, 1)),
                (date(2026, 8, 1), 0): (1, 3550, date(2026, 8, 1), date(2026, 8, 1)),
            }
            assert orders.check_rollups(session=s) == []  # the variant months and first days too
            assert analytics_tables_filled(s)
            assert inventory.check_move_rollups(session=s) == []  # seed's restocks


# ---------------------------------------------------------------- sales per variant, location and month


def _line_sales(session: Session, start: date, end: date) -> dict[tuple[int, int], tuple[int, ...]]:
    """orders.variant_sales computed here from the order lines one by one (the independent computation)."""
    from shoptui.models.orders import Order, OrderLine

    orders_of: dict[tuple[int, int], set[int]] = {}
    sums: dict[tuple[int, int], list[int]] = {}
    for line, order in session.execute(select(OrderLine, Order).join(Order, Order.id == OrderLine.order_id)).all():
        if order.placed_day is None or not orders.in_sales(order.status, order.payment_status):
            continue
        if not start <= order.placed_day <= end:
            continue
        key = (line.variant_id or 0, order.location_id or 0)
        orders_of.setdefault(key, set()).add(order.id)
        row = sums.setdefault(key, [0, 0, 0, 0])
        row[0] += line.quantity
        row[1] += line.gross_minor
        row[2] += line.net_minor
        row[3] += line.quantity * line.unit_cost_minor
    return {key: (len(orders_of[key]), *row) for key, row in sums.items()}


def _unpaid(session: Session, when: datetime, *items: tuple[str, int], location: str | None = None) -> str:
    with clock.frozen(when):
        return orders.create_order(session=session, actor=CLERK, draft=draft(*items, location=location)).number


def test_the_variant_rollups_keep_the_location_and_any_period_equals_the_lines(session: Session) -> None:
    """Day and month x variant x location rows follow orders in and out of sales; a line without a variant counts
    under 0; any period, its partial months read as days or as the month less its other days, equals the lines;
    the products report keeps the cost of the sale when the variant's cost changes later."""
    from shoptui.models.catalog import Variant
    from shoptui.models.orders import OrderLine
    from shoptui.services import inventory

    seed(session)
    inventory.add_location(session=session, actor=CLERK, code="BACK", name="Back room")
    for sku in ("MUG-01", "CAP-01"):
        inventory.restock(session=session, actor=CLERK, code=sku, quantity=2, location="BACK")
    when = [datetime(2026, m, d, 2, tzinfo=UTC) for m, d in ((1, 3), (1, 30), (2, 1), (2, 14), (3, 31), (4, 2))]
    _paid(session, when[0], None, ("TEE-01", 1), ("MUG-01", 2))
    _paid(session, when[1], None, ("TEE-01", 2))
    back = _unpaid(session, when[2], ("MUG-01", 1), ("CAP-01", 1), location="BACK")
    bare = _unpaid(session, when[3], ("TEE-01", 1), ("CAP-01", 1))
    _paid(session, when[4], None, ("MUG-01", 1))
    cancelled = _paid(session, when[5], None, ("TEE-01", 1))
    ol = table_of(OrderLine)
    order_id = orders.get_order(session=session, number=bare).id
    # an imported line whose variant the store does not have: counted under 0 (the reports name it by its SKU)
    session.execute(update(ol).where(ol.c.order_id == order_id, ol.c.sku == "CAP-01").values(variant_id=None))
    session.expire_all()
    with clock.frozen(when[5]):
        orders.pay(session=session, actor=CLERK, number=back, method="card")
        orders.pay(session=session, actor=CLERK, number=bare, method="card")
        orders.cancel_order(session=session, actor=CLERK, number=cancelled, reason="test", notify=False)
    assert orders.check_rollups(session=session) == []
    got = orders.variant_sales(session, date(2026, 2, 14), date(2026, 2, 14))
    assert got[(0, 0)] == (1, 1, 1000, 1000, 0)
    back_id = next(loc.id for loc in inventory.list_locations(session=session) if loc.code == "BACK")
    assert {lid for _, lid in orders.variant_sales(session, date(2026, 2, 1), date(2026, 2, 1))} == {back_id}
    days = [
        date(2025, 12, 31),
        date(2026, 1, 1),
        date(2026, 1, 3),
        date(2026, 1, 20),
        date(2026, 1, 31),
        date(2026, 2, 1),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 2),
        date(2026, 4, 30),
        date(2026, 6, 1),
    ]
    for i, start in enumerate(days):
        for end in days[i:]:
            assert orders.variant_sales(session, start, end) == _line_sales(session, start, end), (start, end)
    report = analytics.products_report(session=session, start=date(2026, 1, 1), end=date(2026, 4, 30), top=None)
    rows = {r.sku: r.figures for r in report.rows}
    assert rows["CAP-01"].units == 1 and rows["TEE-01"].units == 4  # the bare CAP line is apart, the cancel out
    v = table_of(Variant)
    session.execute(update(v).where(v.c.sku == "TEE-01").values(cost_minor=1))
    again = analytics.products_report(session=session, start=date(2026, 1, 1), end=date(2026, 4, 30), top=None)
    assert {r.sku: r.figures for r in again.rows} == rows  # the cost when sold, not today's


def test_db_check_sees_broken_variant_and_first_day_rows(session: Session) -> None:
    from shoptui.models.orders import SalesCustomerFirst, SalesDayVariant, SalesVariantMonth

    seed(session)
    ana = _member(session, "13900000006", "Ana")
    _paid(session, datetime(2026, 3, 3, 2, tzinfo=UTC), ana, ("TEE-01", 1))
    _paid(session, datetime(2026, 4, 3, 2, tzinfo=UTC), ana, ("MUG-01", 1))
    assert orders.check_rollups(session=session) == []
    svm, sdv, first = table_of(SalesVariantMonth), table_of(SalesDayVariant), table_of(SalesCustomerFirst)
    assert session.execute(select(first.c.first_day).where(first.c.customer_id == ana)).scalar() == date(2026, 3, 3)
    session.execute(update(svm).where(svm.c.month == date(2026, 4, 1)).values(units=svm.c.units + 1))
    session.execute(update(sdv).where(sdv.c.placed_day == date(2026, 3, 3)).values(cost_minor=sdv.c.cost_minor + 2))
    session.execute(update(first).values(first_day=date(2026, 4, 3)))
    problems = orders.check_rollups(session=session)
    assert any("sales_variant_month" in p and "2026-04" in p for p in problems)
    assert any("sales_day_variant" in p and "2026-03-03" in p for p in problems)
    assert any("sales_customer_first" in p and f"customer {ana}" in p for p in problems)
    assert len(problems) == 4  # the month row of March disagrees with its broken day too
    orders.rebuild_rollups(session, date(2026, 3, 3), date(2026, 4, 3))
    assert orders.check_rollups(session=session) == []


def test_the_first_day_follows_cancels_and_merges(session: Session) -> None:
    from shoptui.models.orders import SalesCustomerFirst

    seed(session)
    ana = _member(session, "13900000007", "Ana")
    bea = _member(session, "13900000008", "Bea")
    first = table_of(SalesCustomerFirst)

    def firsts() -> dict[int, date]:
        return dict(session.execute(select(first.c.customer_id, first.c.first_day)).all())

    early = _paid(session, datetime(2026, 2, 2, 2, tzinfo=UTC), ana, ("TEE-01", 1))
    _paid(session, datetime(2026, 3, 9, 2, tzinfo=UTC), ana, ("MUG-01", 1))
    only = _paid(session, datetime(2026, 1, 9, 2, tzinfo=UTC), bea, ("CAP-01", 1))
    assert firsts() == {ana: date(2026, 2, 2), bea: date(2026, 1, 9)}
    with clock.frozen(datetime(2026, 3, 10, 2, tzinfo=UTC)):
        orders.cancel_order(session=session, actor=CLERK, number=early, reason="test", notify=False)
    assert firsts() == {ana: date(2026, 3, 9), bea: date(2026, 1, 9)}
    members.merge_members(session=session, actor=CLERK, keep=ana, other=bea)
    assert firsts() == {ana: date(2026, 1, 9)}
    assert orders.check_rollups(session=session) == []
    with clock.frozen(datetime(2026, 3, 10, 3, tzinfo=UTC)):
        orders.cancel_order(session=session, actor=CLERK, number=only, reason="test", notify=False)
    assert firsts() == {ana: date(2026, 3, 9)}
    assert orders.check_rollups(session=session) == []


# ---------------------------------------------------------------- the ledger's rollups


def test_the_ledger_rollups_give_stock_moved_since_any_moment(session: Session) -> None:
    """stock_move_rollup's day and month rows follow every movement booked (one and many at once, at several locations
    and UTC days across months); moved_since equals the movements summed one by one, for moments on and off UTC
    midnight; db check sees a broken row of each; report refresh mends them."""
    from shoptui.models.inventory import StockMovement, StockMoveRollup
    from shoptui.services import inventory
    from shoptui.services.inventory.changes import adjust, restock, transfer
    from shoptui.services.inventory.ledger import Movement, book_many

    seed(session)
    back = inventory.add_location(session=session, actor=CLERK, code="BACK", name="Back room")
    mug, cap = (inventory.find_variant(session, sku).id for sku in ("MUG-01", "CAP-01"))
    steps = [
        (
            datetime(2026, 1, 31, 23, 30, tzinfo=UTC),
            lambda: restock(session=session, actor=CLERK, code="TEE-01", quantity=7),
        ),
        (
            datetime(2026, 2, 1, 0, 0, tzinfo=UTC),
            lambda: adjust(session=session, actor=CLERK, code="TEE-01", quantity=-2, reason="damaged"),
        ),
        (
            datetime(2026, 2, 1, 15, 59, tzinfo=UTC),
            lambda: transfer(
                session=session, actor=CLERK, code="MUG-01", quantity=3, from_location="MAIN", to_location="BACK"
            ),
        ),
        (
            datetime(2026, 2, 1, 16, 1, tzinfo=UTC),
            lambda: book_many(
                session, CLERK, back.id, [Movement(mug, 4), Movement(cap, 3), Movement(mug, -2)], kind="stocktake"
            ),
        ),
        (
            datetime(2026, 3, 15, 8, 0, tzinfo=UTC),
            lambda: restock(session=session, actor=CLERK, code="CAP-01", quantity=5, location="BACK"),
        ),
        (
            datetime(2026, 4, 1, 0, 0, tzinfo=UTC),
            lambda: adjust(session=session, actor=CLERK, code="CAP-01", quantity=-1, reason="lost", location="BACK"),
        ),
    ]
    for when, step in steps:
        with clock.frozen(when):
            step()
    moves = list(session.execute(select(StockMovement)).scalars())
    assert len({m.at.date() for m in moves}) >= 5

    def brute(moment: datetime) -> dict[tuple[int, int], int]:
        out: dict[tuple[int, int], int] = {}
        for m in moves:
            if m.at >= moment:
                out[(m.variant_id, m.location_id)] = out.get((m.variant_id, m.location_id), 0) + m.quantity
        return {k: v for k, v in out.items() if v}

    moments = [
        datetime(2025, 12, 1, tzinfo=UTC),
        *(when for when, _ in steps),
        *(when.replace(hour=0, minute=0) for when, _ in steps),
        datetime(2026, 2, 1, 16, 0, tzinfo=UTC),
        datetime(2026, 1, 31, 16, 0, tzinfo=UTC),
        datetime(2026, 5, 1, tzinfo=UTC),
    ]
    for moment in moments:
        assert inventory.moved_since(session, moment) == brute(moment), moment
    assert inventory.check_move_rollups(session=session) == []
    sums = table_of(StockMoveRollup)
    session.execute(
        update(sums).where(sums.c.span == "day", sums.c.day == date(2026, 3, 15)).values(quantity=sums.c.quantity + 1)
    )
    session.execute(delete(sums).where(sums.c.span == "month", sums.c.day == date(2026, 1, 1)))
    problems = inventory.check_move_rollups(session=session)
    assert len(problems) == 2 and "stock_move_rollup (day 2026-03-15" in problems[0] and "holds 6" in problems[0]
    assert "stock_move_rollup (month 2026-01" in problems[1] and "holds 0 but the ledger moved" in problems[1]
    analytics.refresh_placed_days(session=session, actor=CLERK)
    assert inventory.check_move_rollups(session=session) == []


def test_guest_refunds_count_in_a_period_without_guest_orders(session: Session) -> None:
    """The customers report reads whole months from the rollup; money refunded to a guest in a later month still
    lowers that month's guest net sales, and a customer refunded without an order in the period is no buyer."""
    seed(session)
    ana = _member(session, "13900000009", "Ana")
    guest = _paid(session, datetime(2026, 3, 3, 2, tzinfo=UTC), None, ("MUG-01", 2))
    hers = _paid(session, datetime(2026, 3, 4, 2, tzinfo=UTC), ana, ("TEE-01", 2))
    with clock.frozen(datetime(2026, 4, 10, 2, tzinfo=UTC)):  # one unit each: the orders stay in sales
        orders.refund(session=session, actor=CLERK, number=guest, items=[("MUG-01", 1)], reason="chipped")
        orders.refund(session=session, actor=CLERK, number=hers, items=[("TEE-01", 1)], reason="too small")
    april = analytics.customers_report(session=session, start=date(2026, 4, 1), end=date(2026, 4, 30))
    assert (april.customers, april.guest_orders, april.guest_net_sales) == (0, 0, -3550)
    march = analytics.customers_report(session=session, start=date(2026, 3, 1), end=date(2026, 3, 31))
    assert (march.customers, march.guest_orders, march.guest_net_sales) == (1, 1, 7100)
    assert [(c.customer_id, c.orders, c.net_sales) for c in march.scored] == [(ana, 1, 19800)]
    spring = analytics.customers_report(session=session, start=date(2026, 3, 4), end=date(2026, 4, 30))
    assert (spring.customers, spring.guest_orders, spring.guest_net_sales) == (1, 0, -3550)  # 3 March: an edge day
    assert [(c.customer_id, c.orders, c.net_sales) for c in spring.scored] == [(ana, 1, 9900)]
