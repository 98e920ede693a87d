"""What orders keep for the reports: region, province and city from an import, costs when sold, placed days,
and the sales rollups following orders in and out of sales."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import Session, select

from shoptui import clock
from shoptui.models.catalog import Variant
from shoptui.models.orders import Order, OrderLine
from shoptui.services import analytics, orders
from shoptui.services.orders import import_orders, parse_mapping
from tests.services.orders_helpers import CLERK, draft, seed

MAPPING = """
[columns]
order_ref = "Order"
ordered_at = "Date"
country = "Country"
region = "Region"
province = "Province"
city = "City"
sku = "SKU"
quantity = "Qty"
unit_price = "Price"

[options]
date_format = "%Y-%m-%d %H:%M"
timezone = "Asia/Shanghai"
default_status = "completed"
"""
FILE = (
    "Order,Date,Country,Region,Province,City,SKU,Qty,Price\n"
    "H-1,2024-03-01 10:00,China,华东,浙江,杭州,TEE-01,2,99.00\n"
    "H-2,2024-03-01 23:30,Germany,,Bayern,München,MUG-01,1,35.50\n"
    "H-3,2024-03-02 00:30,CN,South,,,CAP-01,1,10\n"
)


def test_an_import_keeps_region_province_city_and_country_codes(session: Session) -> None:
    seed(session)
    variant = session.exec(select(Variant).where(Variant.sku == "TEE-01")).one()
    variant.cost_minor = 4000
    session.add(variant)
    session.flush()
    import_orders(session=session, actor=CLERK, content=FILE.encode(), mapping=parse_mapping(MAPPING), source="h.csv")
    found = {o.external_ref: o for o in session.exec(select(Order).where(Order.channel == "imported"))}
    assert {ref: (o.ship_country, o.sales_region, o.ship_province, o.ship_city) for ref, o in found.items()} == {
        "H-1": ("CN", "华东", "浙江", "杭州"),
        "H-2": ("DE", "", "Bayern", "München"),
        "H-3": ("CN", "South", "", ""),
    }
    assert (found["H-1"].placed_day, found["H-2"].placed_day, found["H-3"].placed_day) == (
        date(2024, 3, 1),
        date(2024, 3, 1),
        date(2024, 3, 2),
    )
    assert (found["H-1"].gross_minor, found["H-1"].cost_minor) == (19800, 8000)
    line = session.exec(select(OrderLine).where(OrderLine.order_id == found["H-1"].id)).one()
    assert line.unit_cost_minor == 4000
    assert orders.check_rollups(session=session) == []
    assert analytics.check_sales_figures(session=session) == []
    report = analytics.sales_report(session=session, by="region", start=date(2024, 3, 1), end=date(2024, 3, 2))
    assert {r.key: r.figures.gross_sales for r in report.rows} == {"华东": 19800, "(none)": 3550, "South": 1000}


def test_the_rollups_follow_orders_in_and_out_of_sales(session: Session) -> None:
    seed(session)
    with clock.frozen(datetime(2026, 1, 5, 2, tzinfo=UTC)):
        number = orders.create_order(session=session, actor=CLERK, draft=draft(("TEE-01", 1), channel="web")).number
        day = date(2026, 1, 5)

        def total() -> int:
            return analytics.sales_report(session=session, by="day", start=day, end=day).total.gross_sales

        assert total() == 0  # open and unpaid: not in sales
        assert orders.check_rollups(session=session) == []
        orders.pay(session=session, actor=CLERK, number=number, method="card")
        assert total() == 9900 and orders.check_rollups(session=session) == []
        orders.cancel_order(session=session, actor=CLERK, number=number, reason="test", notify=False)
        assert total() == 0 and orders.check_rollups(session=session) == []


def test_a_line_records_the_cost_when_sold(session: Session) -> None:
    seed(session)
    variant = session.exec(select(Variant).where(Variant.sku == "MUG-01")).one()
    variant.cost_minor = 1500
    session.add(variant)
    session.flush()
    first = orders.create_order(session=session, actor=CLERK, draft=draft(("MUG-01", 2)))
    variant.cost_minor = 2500
    session.add(variant)
    session.flush()
    second = orders.create_order(session=session, actor=CLERK, draft=draft(("MUG-01", 1), ("CAP-01", 1)))
    costs = {o.number: o.cost_minor for o in session.exec(select(Order))}
    assert (costs[first.number], costs[second.number]) == (3000, 2500)  # CAP-01 has no cost: 0
    assert analytics.check_sales_figures(session=session) == []


def test_the_migration_keeps_the_province_and_fills_costs_days_and_rollups(store: str) -> None:
    """A store written before 0014: ship_region becomes ship_province (value kept), lines get the variant's cost,
    orders their placed day, gross and cost, and the rollups are filled; the downgrade gives ship_region back."""
    from sqlalchemy import inspect, text

    from shoptui import db
    from shoptui.services import members
    from tests.services.test_data_migrations import _migrate

    with db.transaction(store) as s:
        seed(s)
        variant = s.exec(select(Variant).where(Variant.sku == "TEE-01")).one()
        variant.cost_minor = 4000
        s.add(variant)
        s.flush()
        address = members.AddressInput(recipient="A", country="CN", region="浙江", city="杭州", street="1 Road")
        with clock.frozen(datetime(2026, 1, 4, 17, tzinfo=UTC)):  # 5 January 01:00 in Shanghai
            number = orders.create_order(
                session=s,
                actor=CLERK,
                draft=draft(("TEE-01", 2), ship_to=address, payments=[orders.DraftPayment(method="card")]),
            ).number
    _migrate(store, "0013_az_collate", down=True)
    engine = db.get_engine(store, check_schema=False)
    with engine.begin() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("sales_order")}
        assert "ship_region" in columns and "ship_province" not in columns and "placed_day" not in columns
        assert conn.execute(text("SELECT ship_region FROM sales_order")).scalar() == "浙江"
    _migrate(store, "0014_analytics")
    _migrate(store, "head")  # the later revisions add tables of their own (traffic): the app opens only at head
    with db.read_session(store) as s:
        order = s.exec(select(Order).where(Order.number == number)).one()
        assert (order.ship_province, order.sales_region, order.placed_day) == ("浙江", "", date(2026, 1, 5))
        assert (order.gross_minor, order.cost_minor) == (19800, 8000)
        assert orders.check_rollups(session=s) == [] and analytics.check_sales_figures(session=s) == []
        report = analytics.sales_report(session=s, by="province", start=date(2026, 1, 5), end=date(2026, 1, 5))
        assert [(r.key, r.figures.gross_sales, r.figures.cost) for r in report.rows] == [("浙江", 19800, 8000)]
