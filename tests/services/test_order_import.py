"""Order history import: mapping, grouping, rounding, create-missing, re-import, refusals."""

from __future__ import annotations

import gc
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text
from sqlmodel import Session, func, select

from shoptui.errors import InvalidInput
from shoptui.models.catalog import Variant
from shoptui.models.customers import Customer
from shoptui.models.orders import Order
from shoptui.services.members import customers
from shoptui.services.orders import checks, listing, reading
from shoptui.services.orders.importing import (
    OrderImportRefused,
    _format_regex,
    _Line,
    _new_line,
    _parse_time,
    _price,
    _time_parser,
    import_orders,
    parse_mapping,
)
from shoptui.services.pricing import engine as pricing
from shoptui.services.pricing import rounding
from tests.services.orders_helpers import CLERK, level, seed

MAPPING = """
[columns]
order_ref = "Order"
ordered_at = "Date"
shipped_at = "Shipped"
status = "Status"
customer_ref = "Cust"
customer_name = "Name"
customer_phone = "Phone"
city = "City"
sku = "SKU"
product_name = "Item"
quantity = "Qty"
unit_price = "Price"
discount_rate = "Disc"

[options]
date_format = "%d/%m/%Y %H:%M"
timezone = "Asia/Shanghai"
default_status = "completed"

[status_map]
"已完成" = "completed"
"""
HEADER = "Order,Date,Shipped,Status,Cust,Name,Phone,City,SKU,Item,Qty,Price,Disc\n"
ROWS = (
    "A-1,01/03/2024 10:00,02/03/2024 09:00,已完成,C-9,Wang Fang,13911112222,杭州,TEE-01,Tee,2,99.00,10%\n"
    "A-1,,,,,,,,MUG-01,Mug,1,35.505,\n"
    "A-2,05/03/2024 18:30,,unpaid,,Guest,,,MUG-01,Mug,3,35.50,\n"
    "A-3,06/03/2024 08:00,,cancelled,C-9,Wang Fang,13911112222,杭州,CAP-01,Cap,1,10,0.5\n"
)


def _import(session: Session, body: str = ROWS, *, mapping: str = MAPPING, **kwargs):  # type: ignore[no-untyped-def]
    return import_orders(session=session, actor=CLERK, content=(HEADER + body).encode(), mapping=parse_mapping(mapping),
                         source="old.csv", **kwargs)


def _count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_import_groups_rows_prices_and_rounds(session: Session) -> None:
    seed(session)
    report = _import(session, create_missing=True)
    assert report.orders_created == 3 and report.order_lines == 4 and report.rounded_lines == 1
    assert report.customers_created == ["Wang Fang"] and report.products_created == []
    first = reading.get_order(session=session, number=report.first_number)
    assert first.external_ref == "A-1" and first.channel == "imported"
    assert first.status == "completed" and first.payment_status == "paid" and first.fulfilment_status == "delivered"
    assert [(line.sku, line.line_total_minor) for line in first.lines] == [("TEE-01", 17820), ("MUG-01", 3551)]
    assert first.total_minor == first.paid_minor == 17820 + 3551
    assert first.created_at.isoformat() == "2024-03-01T02:00:00+00:00"  # 10:00 in Shanghai
    cancelled = listing.list_orders(session=session, filters=listing.OrderFilter(status="cancelled")).items
    assert [o.total_minor for o in cancelled] == [500]  # 10.00 with a 0.5 (50%) discount
    wang = customers.get_customer(session=session, ref="13911112222")
    assert wang.order_count == 1 and wang.spent_minor == 17820 + 3551
    assert level(session, "TEE-01") == (10, 0)  # history moves no stock
    for check in (checks.check_order_totals, checks.check_order_money, checks.check_order_counters):
        assert check(session=session) == []


def test_reimport_creates_nothing_new(session: Session) -> None:
    seed(session)
    _import(session, create_missing=True)
    counts = (_count(session, Order), _count(session, Customer))
    again = _import(session, create_missing=True)
    assert again.orders_created == 0 and again.orders_skipped == 3 and again.customers_created == []
    assert (_count(session, Order), _count(session, Customer)) == counts


def test_unknown_sku_and_customer_listed_or_created(session: Session) -> None:
    seed(session)
    body = "B-1,01/03/2024 10:00,,completed,C-1,New Person,13700000000,,NEW-9,Green tea 绿茶,1,12.00,\n"
    with pytest.raises(OrderImportRefused) as refused:
        _import(session, body)
    text = str(refused.value)
    assert "2 problems, nothing was imported" in text
    assert "line 2: the SKU 'NEW-9' is not in the catalogue" in text and "customer 'C-1'" in text
    assert _count(session, Order) == 0
    dry = _import(session, body, create_missing=True, dry_run=True)
    assert dry.products_created == ["NEW-9"] and dry.orders_created == 1
    assert _count(session, Order) == 0 and session.exec(select(Variant).where(Variant.sku == "NEW-9")).first() is None
    done = _import(session, body, create_missing=True)
    assert done.products_created == ["NEW-9"]
    line = reading.get_order(session=session, number=done.first_number).lines[0]
    assert line.sku == "NEW-9" and line.title == "Green tea 绿茶"


def test_affect_stock(session: Session) -> None:
    seed(session)
    body = ("S-1,01/03/2024 10:00,,completed,,,,,TEE-01,Tee,2,99,\n"
            "S-2,01/03/2024 11:00,,paid,,,,,MUG-01,Mug,1,35.50,\n")
    _import(session, body, affect_stock=True)
    assert level(session, "TEE-01") == (8, 0)
    assert level(session, "MUG-01") == (5, 1)


@pytest.mark.parametrize(("body", "message"), [
    ("X-1,01/03/2024 10:00,,completed,C-1,Ann,,,TEE-01,Tee,1,99,\n"
     "X-1,01/03/2024 10:00,,completed,C-1,Bob,,,MUG-01,Mug,1,35.50,\n", "line 4: order X-1 has customer_name 'Bob' here but 'Ann' on line 3"),
    ("X-1,31/02/2024 10:00,,completed,,,,,TEE-01,Tee,1,99,\n", "line 3: the ordered_at '31/02/2024 10:00'"),
    ("X-1,2024-03-01,,completed,,,,,TEE-01,Tee,1,99,\n", "is not a date in the format"),
    ("X-1,01/03/2024 10:00,,completed,,,,,TEE-01,Tee,-2,99,\n", "line 3: the quantity -2 of TEE-01 must be more"),
    ("X-1,01/03/2024 10:00,,completed,,,,,TEE-01,Tee,two,99,\n", "'two' is not a whole number"),
    ("X-1,01/03/2024 10:00,,completed,,,,,TEE-01,Tee,1,-99,\n", "is negative"),
    ('X-1,01/03/2024 10:00,,completed,,,,,TEE-01,Tee,1,"1,5",\n', "a comma only separates thousands"),
    ("X-1,01/03/2024 10:00,,shipped-ish,,,,,TEE-01,Tee,1,99,\n", "status 'shipped-ish'"),
    ("X-1,01/03/2024 10:00,,completed,,,,,TEE-01,Tee,1,99,250%\n", "discount_rate"),
    ("X-1,01/03/2024 10:00,,completed,,,bad-phone,,TEE-01,Tee,1,99,\n", "not a phone number"),
])
def test_bad_rows_refuse_everything(session: Session, body: str, message: str) -> None:
    seed(session)
    good = "G-1,01/03/2024 10:00,,completed,,,,,TEE-01,Tee,1,99,\n"
    with pytest.raises(OrderImportRefused, match=message):
        _import(session, good + body)
    assert _count(session, Order) == 0


def test_mapping_and_file_errors(session: Session) -> None:
    seed(session)
    with pytest.raises(InvalidInput, match="no such column"):
        _import(session, mapping=MAPPING.replace('"Qty"', '"Quantity"'))
    with pytest.raises(InvalidInput, match="no column for quantity"):
        parse_mapping(MAPPING.replace('quantity = "Qty"\n', ""))
    with pytest.raises(InvalidInput, match="unknown fields: colour"):
        parse_mapping(MAPPING.replace("[options]", 'colour = "C"\n[options]'))
    with pytest.raises(InvalidInput, match="not valid TOML"):
        parse_mapping("[columns\n")
    with pytest.raises(InvalidInput, match="not a time zone"):
        parse_mapping(MAPPING.replace("Asia/Shanghai", "Mars/Olympus"))
    with pytest.raises(InvalidInput, match="not UTF-8"):
        import_orders(session=session, actor=CLERK, content=b"\xff\xfe\x00bad", mapping=parse_mapping(MAPPING))
    with pytest.raises(InvalidInput, match="no order lines"):
        _import(session, "")


def test_imported_times_are_stored_like_every_other_time(session: Session) -> None:
    seed(session)
    _import(session, create_missing=True)
    stored = session.execute(text("SELECT created_at FROM sales_order ORDER BY id LIMIT 1")).scalar_one()
    if session.get_bind().dialect.name == "sqlite":
        assert stored == "2024-03-01 02:00:00.000000"  # the UTCDateTime format, so ranges and ordering hold
    else:  # a timestamp column: the same instant in UTC
        assert stored.replace(tzinfo=None) == datetime(2024, 3, 1, 2, 0)
    march = listing.list_orders(session=session, filters=listing.OrderFilter(
        date_from=date(2024, 3, 1), date_to=date(2024, 3, 5))).items
    assert len(march) == 2


@given(st.lists(st.tuples(st.integers(1, 1_000), st.integers(0, 10**9), st.integers(0, 10_000)), min_size=1, max_size=6),
       st.integers(0, 3_000))
def test_import_pricing_agrees_with_the_pricing_service(lines: list[tuple[int, int, int]], tax_rate_bp: int) -> None:
    rows = [_new_line(n, f"SKU-{n}", "", "", qty, unit, rounding.apply_bp(qty * unit, bp), 0)
            for n, (qty, unit, bp) in enumerate(lines)]
    fast = _price(rows, tax_rate_bp)
    full = pricing.price_order([pricing.PriceLine(quantity=r.quantity, unit_price_minor=r.unit_price_minor,
                                                  line_discount_minor=r.line_discount_minor, key=r.key) for r in rows],
                               (), 0, tax_rate_bp)
    assert (fast.subtotal_minor, fast.total_minor, fast.tax_minor) == (full.subtotal_minor, full.total_minor,
                                                                       full.tax_minor)
    assert fast.lines == full.lines  # every amount of every line, key and quantity included


def test_import_pricing_refuses_what_the_pricing_service_refuses() -> None:
    bad = [_new_line(3, "TEE-01", "", "", 2, 100, 300, 0)]  # a discount above the line
    with pytest.raises(InvalidInput, match="discount on TEE-01 must be between 0"):
        _price(bad, 0)


@pytest.mark.parametrize("fmt", ["%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%Y年%m月%d日 %H:%M"])
@pytest.mark.parametrize("text", ["01/03/2024 10:00", "1/3/2024 9:05", "31/02/2024 10:00", "01/03/2024  10:00",
                                  " 01/03/2024 10:00 ", "01/03/2024 10:00x", "2024-03-01 10:00:59", "2024-3-1",
                                  "2024-03-01 24:00:00", "2024-03-01 10:00:61", "２０２４-03-01", "2024年3月1日 8:30",
                                  "2024-03-01T10:00:00", ""])
def test_fast_date_formats_read_like_strptime(fmt: str, text: str) -> None:
    zone = ZoneInfo("Asia/Shanghai")
    assert _format_regex(fmt) is not None  # the fast path is the one under test
    try:
        expected: object = _parse_time(text, fmt, zone)
    except ValueError:
        expected = ValueError
    try:
        got: object = _time_parser(fmt, zone)(text)
    except ValueError:
        got = ValueError
    assert got == expected


def test_blank_and_short_rows_keep_their_line_numbers(session: Session) -> None:
    seed(session)
    body = ("G-1,01/03/2024 10:00,,completed,,,,,TEE-01,Tee,1,99,\n"
            "\n"
            " , ,,,,,,,,,,,\n"
            "G-2,01/03/2024 11:00,,completed,,,,,MUG-01,Mug,1\n"  # short row: the missing cells are empty
            "G-3,01/03/2024 12:00,,completed,,,,,MUG-01,Mug,x,35.50,\n")
    with pytest.raises(OrderImportRefused, match="line 6: the quantity 'x' is not a whole number") as refused:
        _import(session, body)
    assert "line 5: MUG-01 has no unit_price or line_total" in str(refused.value)
    done = _import(session, body.rsplit("G-3", 1)[0].replace("Mug,1\n", "Mug,1,35.50\n"))
    assert done.orders_created == 2 and done.lines == 2


def test_every_disagreeing_row_is_reported(session: Session) -> None:
    seed(session)
    body = ("X-1,01/03/2024 10:00,,completed,C-1,Ann,,,TEE-01,Tee,1,99,\n"
            "X-1,01/03/2024 10:00,,completed,C-1,Ann,,,MUG-01,Mug,1,35.50,\n"
            "X-1,01/03/2024 10:00,,completed,C-1,Bob,,,MUG-01,Mug,1,35.50,\n"
            "X-1,01/03/2024 10:00,,completed,C-1,Bob,,,TEE-01,Tee,1,99,\n"
            "X-1,,,,,,,,TEE-01,Tee,1,99,\n")
    with pytest.raises(OrderImportRefused) as refused:
        _import(session, body, create_missing=True)
    text = str(refused.value)
    assert "2 problems" in text
    assert "line 4: order X-1 has customer_name 'Bob' here but 'Ann' on line 2" in text
    assert "line 5: order X-1 has customer_name 'Bob' here but 'Ann' on line 2" in text


@pytest.mark.parametrize("enabled", [True, False])
def test_garbage_collection_is_left_as_it_was(session: Session, enabled: bool) -> None:
    seed(session)
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        _import(session, create_missing=True)
        assert gc.isenabled() is enabled
        with pytest.raises(OrderImportRefused):
            _import(session, "Z-1,01/03/2024 10:00,,completed,,,,,TEE-01,Tee,0,99,\n")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


@pytest.mark.sqlite_only(reason="SQLite's deferred index builds (reads sqlite_master)")
def test_a_big_import_builds_the_order_indexes_again_after_its_inserts(session: Session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Past the threshold the order tables' indexes are dropped for the inserts and built again, and the
    page cache is held at the import's size for the writes (bounded memory) and put back after them."""
    from shoptui.services.orders import importing as order_import

    def indexes() -> list[tuple[str, str]]:
        return session.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                                    "AND tbl_name IN ('sales_order', 'order_line', 'order_payment', 'order_event') "
                                    "ORDER BY name")).all()

    seed(session)
    before = indexes()
    cache_before = session.execute(text("PRAGMA cache_size")).scalar()
    dropped: list[str] = []
    cache_sizes: list[str] = []
    session.connection().connection.driver_connection.set_trace_callback(
        lambda sql: dropped.append(sql) if sql.startswith("DROP INDEX")
        else cache_sizes.append(sql) if sql.startswith("PRAGMA cache_size =") else None)
    monkeypatch.setattr(order_import, "DEFER_INDEXES_FROM", 2)
    monkeypatch.setattr(order_import, "IMPORT_CACHE_BYTES", 256 * 1024 * 1024)  # more than the store's own 64 MiB
    report = _import(session, create_missing=True)
    session.connection().connection.driver_connection.set_trace_callback(None)
    assert report.orders_created == 3
    assert dropped, "the import did not defer the indexes"
    assert cache_sizes == [f"PRAGMA cache_size = -{256 * 1024}", f"PRAGMA cache_size = {cache_before}"], cache_sizes
    assert session.execute(text("PRAGMA cache_size")).scalar() == cache_before
    assert indexes() == before  # every index is back, as it was
    first = reading.get_order(session=session, number=report.first_number)
    assert [line.sku for line in first.lines] == ["TEE-01", "MUG-01"]
    for check in (checks.check_order_totals, checks.check_order_money, checks.check_order_counters):
        assert check(session=session) == []


def test_a_further_phone_of_a_customer_finds_that_customer(session: Session) -> None:
    """Issue 11 item 13: a phone kept by a member merge is that customer's, not a new customer's."""
    seed(session)
    wang = customers.add_customer(session=session, actor=CLERK, data=customers.CustomerCreate(
        name="Wang Fang", phone="13800000001"))
    customers.add_contact(session, wang.id, "phone", "+8613911112222", note="merged from #9")
    before = _count(session, Customer)
    body = "B-1,01/03/2024 10:00,,completed,,Wang Fang,13911112222,,MUG-01,Mug,1,35.50,\n"
    done = _import(session, body, create_missing=True)
    assert reading.get_order(session=session, number=done.first_number).customer_id == wang.id
    assert _count(session, Customer) == before


def test_an_imported_line_is_an_offer_line_built_alike() -> None:
    """The fast constructor gives the same object as the dataclass's own ``__init__`` (equal, same hash),
    and the line is an OfferLine the assembler prices as it is."""
    made = _new_line(7, "TEE-01", "Tee", "Shirts", 2, 1250, 100, 2400)
    slow = _Line(key="TEE-01", quantity=2, unit_price_minor=1250, line_discount_minor=100, line=7,
                 product_name="Tee", category="Shirts", total_minor=2400)
    assert made == slow and hash(made) == hash(slow)
    assert isinstance(made, pricing.OfferLine) and made.gift_of is None and made.amount_minor == 2400


def test_imports_orders_and_then_rings_up_a_sale(store: str) -> None:
    """Ids always come from the database (issue 13): after an import that wrote orders, lines, customers and
    products in bulk, the next sale, customer and member take fresh ids on either engine (PostgreSQL's
    sequences did fall behind an import that took max(id)+1)."""
    from shoptui import db
    from shoptui.models.orders import OrderLine
    from shoptui.services.members import profiles
    from shoptui.services.sales import counter as sales

    with db.transaction(store) as s:
        seed(s)
    body = ROWS + "B-1,07/03/2024 10:00,,completed,C-1,New Person,13700000000,,NEW-9,Green tea,1,12.00,\n"
    with db.transaction(store) as s:
        report = _import(s, body, create_missing=True)
        assert report.orders_created == 4 and report.products_created == ["NEW-9"]
        imported = (s.exec(select(func.max(Order.id))).one(), s.exec(select(func.max(OrderLine.id))).one(),
                    s.exec(select(func.max(Customer.id))).one())
    with db.transaction(store) as s:
        basket = sales.scan(session=s, basket=sales.new_basket(session=s), code="NEW-9")
        basket = sales.scan(session=s, basket=basket, code="TEE-01")
        sale = sales.complete_sale(session=s, actor=CLERK, basket=basket, tenders=[sales.Tender(method="cash")],
                                   rounding_step_minor=0).order
        added = customers.add_customer(session=s, actor=CLERK, data=customers.CustomerCreate(name="Walk-in"))
        member = profiles.add_member(session=s, actor=CLERK, data=profiles.MemberCreate(phone="13600000000"))
    with db.read_session(store) as s:
        assert sale.id is not None and sale.id > imported[0]  # type: ignore[operator]
        assert min(i or 0 for i in s.exec(select(OrderLine.id).where(OrderLine.order_id == sale.id))) > imported[1]  # type: ignore[operator]
        assert added.id > imported[2] and member.id > added.id  # type: ignore[operator]
        assert [line.sku for line in reading.get_order(session=s, number=sale.number).lines] == ["NEW-9", "TEE-01"]
        for check in (checks.check_order_totals, checks.check_order_money, checks.check_order_counters):
            assert check(session=s) == []
