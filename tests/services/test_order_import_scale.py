"""Imports at scale (issue 13): unknown SKUs created in bulk exactly as one at a time, and a file
streamed once (bounded memory, still all or nothing; see also test_order_import_at_scale.py)."""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session, func, select

from shoptui.errors import Conflict, InvalidInput, NotFound
from shoptui.models.catalog import Product, ProductImage, ProductSearch, ProductTag, Variant
from shoptui.models.customers import Customer
from shoptui.models.orders import Order, OrderLine
from shoptui.models.store import AuditEntry
from shoptui.services import catalog, orders, shop
from shoptui.services.orders import checks, importing, reading
from tests.services.orders_helpers import CLERK, seed

MAPPING = orders.parse_mapping("""
[columns]
order_ref = "Order"
ordered_at = "Date"
customer_ref = "Cust"
customer_name = "Name"
sku = "SKU"
product_name = "Item"
quantity = "Qty"
unit_price = "Price"

[options]
date_format = "%Y-%m-%d %H:%M"
timezone = "UTC"
""")
HEADER = "Order,Date,Cust,Name,SKU,Item,Qty,Price\n"


def _count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def _rows(session: Session, model: Any, **where: Any) -> list[dict[str, Any]]:
    query = select(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return [row.model_dump() for row in session.exec(query)]


def _without(row: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in names}


def _product_state(session: Session, product_id: int, sku_map: dict[str, str]) -> dict[str, Any]:
    """Everything the store holds about a product, its SKUs renamed through ``sku_map`` (ids and times left out)."""

    def renamed(value: Any) -> Any:
        if isinstance(value, str):
            for old, new in sku_map.items():
                value = value.replace(old, new).replace(old.lower(), new.lower())
        if isinstance(value, list):
            return [renamed(v) for v in value]
        if isinstance(value, dict):
            return {k: renamed(v) for k, v in value.items()}
        return value

    variants = sorted((_without(v, "id", "product_id", "created_at", "updated_at") for v in
                       _rows(session, Variant, product_id=product_id)), key=lambda v: v["position"])
    audit = [_without(a, "id", "at", "entity_id") for a in _rows(session, AuditEntry, entity="product")
             if a["entity_id"] == str(product_id)]
    return renamed({
        "product": _without(_rows(session, Product, id=product_id)[0], "id", "created_at", "updated_at"),
        "variants": variants,
        "tags": [t["tag"] for t in _rows(session, ProductTag, product_id=product_id)],
        "images": [(i["position"], i["location"]) for i in _rows(session, ProductImage, product_id=product_id)],
        "search": [_without(s, "product_id", "id") for s in _rows(session, ProductSearch, product_id=product_id)],
        "audit": audit,
    })


def _checks_pass(session: Session) -> None:
    failed = [(r.name, r.problems) for r in shop.run_checks(session=session) if not r.ok]
    assert failed == []


def test_products_made_in_bulk_equal_products_made_one_at_a_time(session: Session) -> None:
    shirts = catalog.create_category(session=session, actor=CLERK, name="Shirts")

    def data(stem: str) -> catalog.ProductCreate:
        return catalog.ProductCreate(
            title="Linen shirt 亚麻", description="Cool\nand light", status="active", category_id=shirts.id,
            brand="Acme", tags=["summer", "linen"], images=["https://example.com/a.jpg", "https://example.com/b.jpg"],
            option_names=["Size"], variants=[
                catalog.VariantInput(sku=f"{stem}-S", option1="S", price_minor=12900, cost_minor=5000, weight_g=200),
                catalog.VariantInput(sku=f"{stem}-L", option1="L", price_minor=13900, track_stock=False)])

    one = catalog.create_product(session=session, actor=CLERK, data=data("ONE"))
    plain = catalog.ProductCreate(title="Plain", variants=[catalog.VariantInput(sku="PLAIN-1", price_minor=100)])
    ids = catalog.create_products(session=session, actor=CLERK, items=[data("BULK"), plain])
    assert len(ids) == 2 and ids[0] > one.id
    assert _product_state(session, ids[0], {"BULK": "ONE"}) == _product_state(session, one.id, {})
    made = catalog.get_product(session=session, product_id=ids[0])
    assert (made.variant_count, made.min_price_minor, made.max_price_minor) == (2, 12900, 13900)
    for term in ("BULK-L", "亚麻", "linen", "acme"):
        hits = catalog.search_products(session=session, text=term, limit=20)
        assert str(ids[0]) in {hit.key for hit in hits if hit.kind == "product"}, (term, hits)
    assert catalog.create_products(session=session, actor=CLERK, items=[]) == []
    _checks_pass(session)


def test_a_refused_product_refuses_the_batch_and_names_it(session: Session) -> None:
    seed(session)
    before = _count(session, Product)
    good = catalog.ProductCreate(title="Good", variants=[catalog.VariantInput(sku="GOOD-1", price_minor=100)])
    cases: list[tuple[list[catalog.ProductCreate], type[Exception], str, str | None]] = [
        ([good, catalog.ProductCreate(title=" ", variants=[catalog.VariantInput(sku="X-1", price_minor=1)])],
         InvalidInput, "title", "items.1.title"),
        ([good, catalog.ProductCreate(title="Dup", variants=[catalog.VariantInput(sku="GOOD-1", price_minor=1)])],
         Conflict, "GOOD-1 is given twice", "sku"),
        ([good, catalog.ProductCreate(title="Taken", variants=[catalog.VariantInput(sku="TEE-01", price_minor=1)])],
         Conflict, "already used by 'Basic tee'", "sku"),
        ([catalog.ProductCreate(title="Lost", category_id=99_999,
                                variants=[catalog.VariantInput(sku="L-1", price_minor=1)])],
         NotFound, "no category with id 99999", "items.0.category_id"),
        ([good, catalog.ProductCreate(title="Neg", variants=[catalog.VariantInput(sku="N-1", price_minor=0)]),
          catalog.ProductCreate(title="No variants", variants=[])], InvalidInput, "at least one variant",
         "items.2.variants"),
    ]
    for items, kind, words, field in cases:
        with pytest.raises(kind, match=words) as refused:
            catalog.create_products(session=session, actor=CLERK, items=items)
        assert refused.value.field == field  # type: ignore[attr-defined]
    assert _count(session, Product) == before


def test_order_import_creates_missing_skus_like_product_add(session: Session) -> None:
    seed(session)
    body = ("A-1,2024-03-01 10:00,C-1,Ann,NEW-1,Green tea,2,12.50\n"
            "A-1,,,,TEE-01,Tee,1,99.00\n"
            "A-2,2024-03-02 10:00,C-1,Ann,NEW-1,Green tea,1,12.50\n")
    report = orders.import_orders(session=session, actor=CLERK, content=(HEADER + body).encode(), mapping=MAPPING,
                                  create_missing=True)
    assert report.products_created == ["NEW-1"] and report.orders_created == 2
    by_hand = catalog.create_product(session=session, actor=CLERK, data=catalog.ProductCreate(
        title="Green tea", status="draft",
        variants=[catalog.VariantInput(sku="NEW-2", price_minor=1250, track_stock=False)]))  # history moves no stock
    made = session.exec(select(Variant.product_id).where(Variant.sku == "NEW-1")).one()
    assert _product_state(session, made, {"NEW-1": "NEW-2"}) == _product_state(session, by_hand.id, {})
    hits = catalog.search_products(session=session, text="NEW-1")
    assert hits and hits[0].exact
    first = reading.get_order(session=session, number=report.first_number)
    assert [(line.sku, line.quantity) for line in first.lines] == [("NEW-1", 2), ("TEE-01", 1)]
    _checks_pass(session)


# ---------------------------------------------------------------- streaming


def _history(orders_count: int, *, scattered: bool = False) -> str:
    """``orders_count`` orders of three lines each, over 20 SKUs and 50 customers; ``scattered`` gives
    every order's third line at the end of the file (rows of one order need not be together)."""
    skus = ("TEE-01", "MUG-01", "CAP-01")
    rows, tails = [], []
    for n in range(orders_count):
        when = f"2024-{1 + n % 12:02d}-{1 + n % 28:02d} {n % 24:02d}:{n % 60:02d}"
        cust = n % 50
        for i in range(3):
            row = f"H-{n:06d},{when if i == 0 else ''},C-{cust},Customer {cust},{skus[(n + i) % 3]},,{1 + i},{10 + n % 7}.50\n"
            (tails if scattered and i == 2 else rows).append(row)
    return HEADER + "".join(rows) + "".join(tails)


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("history") / "history.csv"
    path.write_text(_history(17_000), encoding="utf-8")  # 51,000 lines
    return path


def test_a_big_file_streams_with_few_lines_held(session: Session, big_file: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither pass holds the file's lines: at most an order's lines (and one line per SKU) live at once,
    and the writes go out in blocks."""
    seed(session)
    live = peak = 0
    made = importing._make_line

    def gone() -> None:
        nonlocal live
        live -= 1

    def counted(*values: Any) -> Any:
        nonlocal live, peak
        line = made(*values)
        live += 1
        peak = max(peak, live)
        weakref.finalize(line, gone)
        return line

    monkeypatch.setattr(importing, "_make_line", counted)
    monkeypatch.setattr(importing, "FLUSH_ORDERS", 1_000)
    monkeypatch.setattr(importing, "KEEP_LINES", 1_000)  # past it, lines and orders go to scratch tables
    report = orders.import_orders(session=session, actor=CLERK, path=big_file, mapping=MAPPING, source=big_file.name,
                                  create_missing=True)
    assert (report.lines, report.orders_created, report.order_lines) == (51_000, 17_000, 51_000)
    assert 0 < peak <= 20, peak  # 3 SKUs' first lines, an order's 3 lines, the line being read
    assert _count(session, Order) == 17_000 and _count(session, OrderLine) == 51_000
    for check in (checks.check_order_totals, checks.check_order_money, checks.check_order_counters):
        assert check(session=session) == []
    # numbered by time, as before: the earliest order of the file has the first number
    first = reading.get_order(session=session, number=report.first_number)
    earliest = session.exec(select(Order).order_by(Order.created_at, Order.id)).first()
    assert earliest is not None and first.number == earliest.number


def test_an_error_on_the_last_line_of_a_big_file_leaves_nothing(session: Session, big_file: Path,
                                                                 tmp_path: Path) -> None:
    seed(session)
    path = tmp_path / "bad-end.csv"
    path.write_text(big_file.read_text(encoding="utf-8") + "H-999999,2024-01-01 10:00,C-1,X,TEE-01,,x,10\n",
                    encoding="utf-8")
    counts = [_count(session, model) for model in (Order, OrderLine, Customer, Product)]
    with pytest.raises(importing.OrderImportRefused, match="line 51002: the quantity 'x' is not a whole number"):
        orders.import_orders(session=session, actor=CLERK, path=path, mapping=MAPPING, create_missing=True)
    assert [_count(session, model) for model in (Order, OrderLine, Customer, Product)] == counts


def test_a_refusal_found_while_writing_rolls_everything_back(store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A line refused in the second pass (here: by the pricing) comes after products, customers and some
    orders were written in the same transaction: the refusal rolls all of it back."""
    from shoptui import db

    with db.transaction(store) as s:
        seed(s)
    real = importing._price

    def refuse_last(lines: list[Any], tax_rate_bp: int) -> Any:
        if lines[0].line >= 2 + 3 * 2_999:
            raise InvalidInput("the pricing refuses this order.")
        return real(lines, tax_rate_bp)

    monkeypatch.setattr(importing, "_price", refuse_last)
    monkeypatch.setattr(importing, "FLUSH_ORDERS", 500)
    body = _history(3_000).replace("TEE-01", "TEA-09")
    with pytest.raises(importing.OrderImportRefused, match="order H-002999: the pricing refuses"), \
            db.transaction(store) as s:
        orders.import_orders(session=s, actor=CLERK, content=body.encode(), mapping=MAPPING, create_missing=True)
    with db.read_session(store) as s:
        assert (_count(s, Order), _count(s, Customer), _count(s, Product)) == (0, 0, 3)


def test_rows_of_one_order_need_not_be_together(session: Session) -> None:
    seed(session)
    report = orders.import_orders(session=session, actor=CLERK, content=_history(40, scattered=True).encode(),
                                  mapping=MAPPING, create_missing=True)
    assert (report.orders_created, report.order_lines) == (40, 120)
    order = session.exec(select(Order).where(Order.external_ref == "H-000007")).one()
    lines = reading.get_order(session=session, number=order.number).lines
    assert [(line.sku, line.quantity) for line in lines] == [("MUG-01", 1), ("CAP-01", 2), ("TEE-01", 3)]
    again = orders.import_orders(session=session, actor=CLERK, content=_history(41, scattered=True).encode(),
                                 mapping=MAPPING, create_missing=True)
    assert (again.orders_created, again.orders_skipped, again.order_lines) == (1, 40, 3)


def test_a_dry_run_of_a_file_prices_everything_and_writes_nothing(session: Session, tmp_path: Path) -> None:
    seed(session)
    path = tmp_path / "history.csv"
    path.write_text(_history(2_000), encoding="utf-8")
    dry = orders.import_orders(session=session, actor=CLERK, path=path, mapping=MAPPING, dry_run=True,
                               create_missing=True)
    assert _count(session, Order) == 0 and _count(session, Customer) == 0
    real = orders.import_orders(session=session, actor=CLERK, path=path, mapping=MAPPING, create_missing=True)
    assert dry.total_minor == real.total_minor > 0 and dry.order_lines == real.order_lines == 6_000


def test_file_problems_are_one_line_each(session: Session, tmp_path: Path) -> None:
    seed(session)
    with pytest.raises(InvalidInput, match="There is no file"):
        orders.import_orders(session=session, actor=CLERK, path=tmp_path / "missing.csv", mapping=MAPPING)
    with pytest.raises(InvalidInput, match="cannot be read"):
        orders.import_orders(session=session, actor=CLERK, path=tmp_path, mapping=MAPPING)
    broken = tmp_path / "broken.csv"
    good = HEADER + "A-1,2024-03-01 10:00,C-1,Ann,TEE-01,Tee,1,99.00\n" * 5_000
    broken.write_bytes(good.encode() + b"A-2,2024-03-01 10:00,C-1,\xff\xfe,TEE-01,Tee,1,99.00\n")
    with pytest.raises(InvalidInput, match=rf"not UTF-8 text \(byte {len(good.encode()) + 25}\)"):
        orders.import_orders(session=session, actor=CLERK, path=broken, mapping=MAPPING)
    with pytest.raises(TypeError):
        orders.import_orders(session=session, actor=CLERK, mapping=MAPPING)
    assert _count(session, Order) == 0
    assert session.execute(text("SELECT count(*) FROM sales_order")).scalar() == 0
