"""An order keeps the member tier its customer had when it was placed (``sales_order.member_tier``, migration 0021),
and ``report sales --by member-tier`` groups by it: a sale made while Silver stays Silver after the member moves up."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import inspect, text
from sqlmodel import Session, select

from shoptui import clock, db
from shoptui.models.members import Member
from shoptui.models.orders import Order
from shoptui.services import analytics, members
from shoptui.services.orders import placing
from shoptui.services.orders.drafts import DraftPayment
from shoptui.services.orders.importing import import_orders, parse_mapping
from shoptui.services.sales import counter as sales
from tests.conftest import FROZEN_AT
from tests.services.orders_helpers import CLERK, add_product, draft, seed
from tests.services.test_data_migrations import _migrate


def _tier_of_order(s: Session, number: str) -> str:
    order = s.exec(select(Order).where(Order.number == number)).one()
    return order.member_tier


def _tier_now(s: Session, customer_id: int) -> str:
    member = s.get(Member, customer_id)
    assert member is not None
    s.refresh(member)
    return member.tier_code


def _by_tier(s: Session) -> dict[str, tuple[int, int]]:
    day = FROZEN_AT.date()
    report = analytics.sales_report(session=s, by="member-tier", start=day - timedelta(days=30), end=day)
    return {row.key: (row.figures.orders, row.figures.gross_sales) for row in report.rows}


def _place(s: Session, *items: tuple[str, int], customer: str | None = None, minutes: int = 0) -> str:
    with clock.frozen(FROZEN_AT - timedelta(hours=3) + timedelta(minutes=minutes)):
        return placing.create_order(session=s, actor=CLERK, draft=draft(
            *items, channel="web", customer=customer, payments=[DraftPayment(method="mobile")])).number


def test_an_order_placed_while_silver_stays_silver_after_the_member_moves_up_to_gold(session: Session) -> None:
    add_product(session, "POT-01", 300_000, 10, title="Zisha teapot")  # 3,000.00: Silver from 2,000, Gold from 10,000
    alice = members.add_member(session=session, actor=CLERK, data=members.MemberCreate(name="Alice", phone="13800138000"))
    first = _place(session, ("POT-01", 1), customer=str(alice.id), minutes=0)  # placed as normal, paid: Silver
    assert _tier_now(session, alice.id) == "silver"
    second = _place(session, ("POT-01", 3), customer=str(alice.id), minutes=10)  # placed as Silver, paid: Gold
    assert _tier_now(session, alice.id) == "gold"
    third = _place(session, ("POT-01", 1), customer=str(alice.id), minutes=20)  # placed as Gold
    guest = _place(session, ("POT-01", 1), minutes=30)
    assert [_tier_of_order(session, n) for n in (first, second, third, guest)] == ["normal", "silver", "gold", ""]
    # the report groups by the tier of the day: not all four of Alice's under Gold
    assert _by_tier(session) == {"normal": (1, 300_000), "silver": (1, 900_000), "gold": (1, 300_000),
                                 "(none)": (1, 300_000)}
    # the member moving down (or anything else about her tier today) changes nothing already sold
    member = session.get(Member, alice.id)
    assert member is not None
    member.tier_code = "normal"
    session.add(member)
    session.flush()
    assert _by_tier(session)["silver"] == (1, 900_000)


def test_a_customer_who_is_not_a_member_and_a_counter_sale_keep_their_tier(session: Session) -> None:
    seed(session)
    bob = members.add_customer(session=session, actor=CLERK, data=members.CustomerCreate(name="Bob", phone="13900139000"))
    members.add_member(session=session, actor=CLERK, data=members.MemberCreate(name="Cai", phone="13700137000"))
    with clock.frozen(FROZEN_AT):
        plain = placing.create_order(session=session, actor=CLERK, draft=draft(("MUG-01", 1), customer=str(bob.id)))
        sold = sales.sell(session=session, actor=CLERK, items=[("MUG-01", 1)], customer="13700137000",
                          tenders=[sales.Tender(method="card")])
        walk_in = sales.sell(session=session, actor=CLERK, items=[("CAP-01", 1)], tenders=[sales.Tender(method="cash")])
    assert _tier_of_order(session, plain.number) == ""
    assert _tier_of_order(session, sold.order.number) == "normal"
    assert _tier_of_order(session, walk_in.order.number) == ""


MAPPING = """
[columns]
order_ref = "Order"
ordered_at = "Date"
customer_name = "Name"
customer_phone = "Phone"
sku = "SKU"
quantity = "Qty"
unit_price = "Price"

[options]
date_format = "%Y-%m-%d %H:%M"
timezone = "Asia/Shanghai"
default_status = "completed"
"""


def test_the_order_import_keeps_each_members_tier_and_nothing_for_others(session: Session) -> None:
    seed(session)
    gold = members.add_member(session=session, actor=CLERK, data=members.MemberCreate(name="Gao", phone="13600136000"))
    row = session.get(Member, gold.id)
    assert row is not None
    row.tier_code = "gold"  # as a recalculation would have left her
    session.add(row)
    members.add_customer(session=session, actor=CLERK, data=members.CustomerCreate(name="Bob", phone="13900139000"))
    body = ("Order,Date,Name,Phone,SKU,Qty,Price\n"
            "H-1,2026-03-01 10:00,Gao,13600136000,TEE-01,1,99.00\n"
            "H-2,2026-03-02 10:00,Bob,13900139000,MUG-01,1,35.50\n"
            "H-3,2026-03-03 10:00,New Person,13500135000,MUG-01,1,35.50\n"
            "H-4,2026-03-04 10:00,Guest,,CAP-01,1,10.00\n")
    with clock.frozen(FROZEN_AT):
        import_orders(session=session, actor=CLERK, content=body.encode(), mapping=parse_mapping(MAPPING),
                      source="history.csv", create_missing=True)
    tiers = dict(session.execute(text("SELECT external_ref, member_tier FROM sales_order")).all())
    assert tiers == {"H-1": "gold", "H-2": "", "H-3": "", "H-4": ""}
    report = analytics.sales_report(session=session, by="member-tier", start=date(2026, 3, 1), end=date(2026, 3, 31))
    assert {r.key: r.figures.orders for r in report.rows} == {"gold": 1, "(none)": 3}


def test_the_migration_backfills_todays_tier_once_and_keeps_it_when_run_again(store: str) -> None:
    with db.transaction(store) as s:
        seed(s)
        dai = members.add_member(session=s, actor=CLERK, data=members.MemberCreate(name="Dai", phone="13300133000"))
        with clock.frozen(FROZEN_AT):
            kept = placing.create_order(session=s, actor=CLERK, draft=draft(("MUG-01", 1), customer=str(dai.id))).number
            guest = placing.create_order(session=s, actor=CLERK, draft=draft(("CAP-01", 1))).number
        member = s.get(Member, dai.id)
        assert member is not None
        member.tier_code = "silver"  # her tier today, after the orders
        s.add(member)
    _migrate(store, "0020_contact_claims", down=True)  # the store before 0021: no column
    with db.get_engine(store, check_schema=False).connect() as conn:
        assert "member_tier" not in {c["name"] for c in inspect(conn).get_columns("sales_order")}
    db.upgrade(store, backup=False)

    def tiers() -> dict[str, str]:
        with db.get_engine(store, check_schema=False).connect() as conn:
            return {str(n): str(t) for n, t in conn.execute(text("SELECT number, member_tier FROM sales_order"))}

    assert tiers() == {kept: "silver", guest: ""}  # backfilled from today's tier (the tier then was not kept)
    with db.get_engine(store, check_schema=False).begin() as conn:
        conn.execute(text("UPDATE sales_order SET member_tier = 'normal' WHERE number = :n"), {"n": kept})
        conn.execute(text("UPDATE alembic_version SET version_num = '0020_contact_claims'"))  # a rewound stamp
    db.dispose_all()
    db.upgrade(store, backup=False)
    assert tiers() == {kept: "normal", guest: ""}  # run again, it keeps what the orders hold
