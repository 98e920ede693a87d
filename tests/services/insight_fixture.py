"""A small shop with a hand-checkable history for the products, customers and stock reports (issue 15).

Store time is Asia/Shanghai (UTC+8). The report period of the tests is November 2026. Orders (local time):

    o0  2026-09-20 10:00  B  TEE-01 x1                       (B's first order: cohort 2026-09)
    o1  2026-08-15 10:00  A  OLD-01 x1                       (A's first order, before every window)
    o2  2026-10-31 23:30  B  TEE-01 x1                       (a minute-of-the-day edge: October, not November)
    o3  2026-11-01 00:10  A  TEE-01 x2, MUG-01 x1, -10.00 discount on the order
    o4  2026-11-05 10:00  C  MUG-01 x3 with 5.00 off the line
    o5  2026-11-10 10:00  guest  TEE-01 x1, CAP-01 x2
    o6  2026-11-12 10:00  D  TEE-01 x1                       cancelled: never counts
    o7  2026-11-15 10:00  B  CAP-01 x1                       open and unpaid: not a sale
    o8  2026-11-20 10:00  A  MUG-01 x2, TEE-01 x1 from BACK (10 TEE-01 and 5 MUG-01 were moved there)
    o9  2026-11-30 23:50  D  TEE-01 x1                       (D's first order that counts)
    o10 2026-12-01 00:05  A  TEE-01 x1                       after the period
    r1  2026-11-08 10:00  refund of o2's TEE-01 (an October order refunded in November)
    r2  2026-12-02 10:00  refund of one MUG-01 of o3 (after the period)

A, B and C are members (A: female, born 1990-05-10, 上海; B: male, born 2000-12-01, 江苏; C: nothing known);
D is a customer only. Costs: TEE-01 40.00, MUG-01 12.00, CAP-01 none, DEAD-01 20.00, OLD-01 5.00. Paid
orders are handed over when placed, so the stock ledger has their sales. The clock ends at 2026-12-05.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session

from shoptui import clock, db
from shoptui.config import Actor
from shoptui.services import catalog, inventory, members, orders
from tests.store_files import copy_store, drop_store

CLERK = Actor(name="clerk", source="test")
TZ = ZoneInfo("Asia/Shanghai")
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))
NOW = datetime(2026, 12, 5, 4, 0, tzinfo=UTC)


def local(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A store-local time as the UTC instant."""
    return datetime(year, month, day, hour, minute, tzinfo=TZ).astimezone(UTC)


@dataclass
class Shop:
    """The store's URL and the numbers of its orders by fixture name."""

    url: str
    numbers: dict[str, str]
    customers: dict[str, int]


def _product(session: Session, sku: str, price: int, cost: int | None, category: int | None, stock: int) -> None:
    catalog.create_product(
        session=session,
        actor=CLERK,
        data=catalog.ProductCreate(
            title=f"Product {sku}",
            status="active",
            category_id=category,
            variants=[catalog.VariantInput(sku=sku, price_minor=price, cost_minor=cost)],
        ),
    )
    if stock:
        inventory.restock(session=session, actor=CLERK, code=sku, quantity=stock)


def _order(
    session: Session,
    at: datetime,
    customer: int | None,
    lines: list[tuple[str, int, int]],
    *,
    paid: bool = True,
    discount: int = 0,
    location: str | None = None,
) -> str:
    with clock.frozen(at):
        draft = orders.OrderDraft(
            customer=customer,
            guest_name="" if customer else "Walk-in",
            lines=[orders.DraftLine(sku=sku, quantity=qty, line_discount_minor=off) for sku, qty, off in lines],
            adjustments=[orders.DraftAdjustment(kind="discount", label="manual", amount_minor=-discount)]
            if discount
            else [],
            payments=[orders.DraftPayment(method="cash")] if paid else [],
            location=location,
        )
        number = orders.create_order(session=session, actor=CLERK, draft=draft).number
        if paid:
            orders.fulfil_all(session=session, actor=CLERK, number=number)
    return number


def build(folder: Path, template: str) -> Shop:
    """Copy the template store and fill it with the history above."""
    url = copy_store(template, folder, "insight.db")
    numbers: dict[str, str] = {}
    with clock.frozen(local(2026, 8, 1)), db.transaction(url) as session:
        clothing = catalog.create_category(session=session, actor=CLERK, name="Clothing").id
        kitchen = catalog.create_category(session=session, actor=CLERK, name="Kitchen").id
        inventory.add_location(session=session, actor=CLERK, code="BACK", name="Back room")
        _product(session, "TEE-01", 9900, 4000, clothing, 50)
        _product(session, "MUG-01", 3550, 1200, kitchen, 30)
        _product(session, "CAP-01", 1000, None, clothing, 20)
        _product(session, "DEAD-01", 5000, 2000, kitchen, 7)
        _product(session, "OLD-01", 2000, 500, None, 3)
        for sku, moved in (("TEE-01", 10), ("MUG-01", 5)):
            inventory.transfer(
                session=session, actor=CLERK, code=sku, quantity=moved, from_location="MAIN", to_location="BACK"
            )
        people = {}
        for key, phone, gender, birthday, region in (
            ("A", "13800000001", "female", date(1990, 5, 10), "上海"),
            ("B", "13800000002", "male", date(2000, 12, 1), "江苏"),
            ("C", "13800000003", "", None, ""),
        ):
            member = members.add_member(
                session=session,
                actor=CLERK,
                data=members.MemberCreate(
                    name=f"Member {key}", phone=phone, gender=gender, birthday=birthday, region=region
                ),
            )
            people[key] = member.id
        people["D"] = members.add_customer(
            session=session, actor=CLERK, data=members.CustomerCreate(name="Customer D", phone="13800000004")
        ).id
    with db.transaction(url) as session:
        a, b, c, d = (people[k] for k in "ABCD")
        numbers["o1"] = _order(session, local(2026, 8, 15), a, [("OLD-01", 1, 0)])
        numbers["o0"] = _order(session, local(2026, 9, 20), b, [("TEE-01", 1, 0)])
        numbers["o2"] = _order(session, local(2026, 10, 31, 23, 30), b, [("TEE-01", 1, 0)])
        numbers["o3"] = _order(
            session, local(2026, 11, 1, 0, 10), a, [("TEE-01", 2, 0), ("MUG-01", 1, 0)], discount=1000
        )
        numbers["o4"] = _order(session, local(2026, 11, 5), c, [("MUG-01", 3, 500)])
        with clock.frozen(local(2026, 11, 8)):
            orders.refund(session=session, actor=CLERK, number=numbers["o2"], items=[("TEE-01", 1)], reason="faulty")
        numbers["o5"] = _order(session, local(2026, 11, 10), None, [("TEE-01", 1, 0), ("CAP-01", 2, 0)])
        numbers["o6"] = _order(session, local(2026, 11, 12), d, [("TEE-01", 1, 0)], paid=False)
        with clock.frozen(local(2026, 11, 12, 11)):
            orders.cancel_order(session=session, actor=CLERK, number=numbers["o6"], notify=False)
        numbers["o7"] = _order(session, local(2026, 11, 15), b, [("CAP-01", 1, 0)], paid=False)
        numbers["o8"] = _order(session, local(2026, 11, 20), a, [("MUG-01", 2, 0), ("TEE-01", 1, 0)], location="BACK")
        numbers["o9"] = _order(session, local(2026, 11, 30, 23, 50), d, [("TEE-01", 1, 0)])
        numbers["o10"] = _order(session, local(2026, 12, 1, 0, 5), a, [("TEE-01", 1, 0)])
        with clock.frozen(local(2026, 12, 2)):
            orders.refund(session=session, actor=CLERK, number=numbers["o3"], items=[("MUG-01", 1)], reason="chipped")
    db.dispose_all()
    return Shop(url=url, numbers=numbers, customers=people)


def shop_fixture(tmp_path_factory, template_store: str) -> Iterator[Shop]:  # type: ignore[no-untyped-def]
    """A module fixture body: ``yield from shop_fixture(...)``."""
    shop = build(tmp_path_factory.mktemp("insight"), template_store)
    with clock.frozen(NOW):
        yield shop
    db.dispose_all()
    drop_store(shop.url)
