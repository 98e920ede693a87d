"""The customers report's month x customer rollup (sales_customer_month, migration 0018): it follows orders in and
out of sales in their own transaction, folds on a member merge, is proven by ``db check`` and filled by the
migration."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import delete, select, update
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


def test_the_migration_fills_the_month_rollup_again(store: str) -> None:
    """0018 on a store rewound to 0017 computes the table from the orders (and again after a second rewind)."""
    from shoptui import db
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
            assert orders.check_rollups(session=s) == []
