"""Catalogue import/export: all-or-nothing, line-numbered errors, round trips, the demo."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlmodel import Session

from shoptui import clock, db
from shoptui.errors import Conflict
from shoptui.models.catalog import Product, Variant
from shoptui.services.catalog import categories, checks, fields, search
from shoptui.services.catalog import products as catalog_products
from shoptui.services.catalog import transfer as catalog_io
from shoptui.services.catalog import variants as catalog_variants
from shoptui.store import bulk, tuning
from shoptui.store import search as store_search
from tests.conftest import CLERK
from tests.store_files import copy_store, drop_store, new_store_url

HEADER = "sku,title,price,barcode,category,tags,option1_name,option1,product_sku"


def rows_csv(n: int, bad: dict[int, str] | None = None) -> str:
    lines = [HEADER]
    for i in range(n):
        code = fields.with_check_digit(f"69{i:010d}")
        lines.append((bad or {}).get(i, f"SKU-{i},Product {i} 手机,{i % 50}.50,{code},,\"tag{i % 3}, all\",,,"))
    return "\n".join(lines) + "\n"


def count(session: Session, model) -> int:  # type: ignore[no-untyped-def]
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def run(session: Session, content: str | bytes, **kw):  # type: ignore[no-untyped-def]
    data = content.encode() if isinstance(content, str) else content
    return catalog_io.import_catalog(session=session, actor=CLERK, content=data, source="t.csv", **kw)


def test_import_two_thousand_rows(session: Session) -> None:
    report = run(session, rows_csv(2000))
    assert report.products_created == 2000 and report.variants_created == 2000
    assert count(session, Variant) == 2000
    assert [h.key for h in search.search_products(session=session, text="SKU-1999")][:1] == ["SKU-1999"]
    assert checks.check_catalog(session=session) == []


def test_one_bad_row_among_many_writes_nothing(session: Session) -> None:
    content = rows_csv(2000, bad={1233: "SKU-X,Broken,-1.00,,,,,,"})
    with pytest.raises(catalog_io.ImportRefused) as caught:
        run(session, content)
    assert [(p.line, p.column) for p in caught.value.problems] == [(1235, "price")]
    assert "line 1235, column price" in str(caught.value) and "cannot be negative" in str(caught.value)
    assert count(session, Product) == 0


def test_every_bad_row_is_listed(session: Session) -> None:
    content = rows_csv(10, bad={
        1: "SKU-0,Dup,1.00,,,,,,",  # duplicate SKU of line 2
        3: "SKU-3,Dec,1.005,,,,,,",  # too many decimals
        5: "SKU-5,Digit,1.00,6901234567891,,,,,",  # wrong check digit
        7: "SKU-7,Cat,1.00,,Nowhere,,,,",  # unknown category
        8: ",No sku,1.00,,,,,,",
    })
    with pytest.raises(catalog_io.ImportRefused) as caught:
        run(session, content)
    got = {(p.line, p.column) for p in caught.value.problems}
    assert got == {(3, "sku"), (5, "price"), (7, "barcode"), (9, "category"), (10, "sku")}
    text = str(caught.value)
    assert "also on line 2" in text and "more decimals" in text and "check digit" in text and "--create-categories" in text


@pytest.mark.parametrize("content,where,reason", [
    ("sku,title\nA,B\n", (1, "price"), "required column is missing"),
    ("sku,title,price,colour\nA,B,1,red\n", (1, "colour"), "unknown column"),
    ('sku,title,price\nA,"B,1\nC,D,2\n', None, "broken CSV"),
    ("sku,title,price\nA,B\n", (2, None), "has 2 cells"),
    ("", (1, None), "empty"),
])
def test_malformed_csv_is_refused(session: Session, content: str, where, reason: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(catalog_io.ImportRefused, match=reason) as caught:
        run(session, content)
    if where:
        assert (caught.value.problems[0].line, caught.value.problems[0].column) == where
    assert count(session, Product) == 0


def test_not_utf8_is_refused(session: Session) -> None:
    with pytest.raises(catalog_io.ImportRefused, match="not UTF-8"):
        run(session, "sku,title,price\nA,手机,1\n".encode("gbk"))


def test_bom_tabs_and_dry_run(session: Session) -> None:
    content = "\ufeffsku\ttitle\tprice\nA-1\t手机\t1.50\n".encode()
    report = run(session, content, dry_run=True)
    assert report.dry_run and report.products_created == 1 and count(session, Product) == 0
    run(session, content)
    assert catalog_variants.get_variant_by_sku(session=session, sku="A-1").price_minor == 150


def test_keyed_by_sku_updates_existing(session: Session) -> None:
    run(session, "sku,title,price,tags\nA,Old,1.00,x\n")
    report = run(session, "sku,price\nA,2.00\nB,3.00\n".replace("sku,price", "sku,title,price").replace("A,2.00", "A,Old,2.00").replace("B,3.00", "B,New,3.00"))
    assert (report.products_updated, report.products_created) == (1, 1)
    product = catalog_products.get_product(session=session, product_id=catalog_products.resolve_product(session=session, ref="A"))
    assert product.min_price_minor == 200 and product.tags == ["x"]  # tags column absent: unchanged


def test_duplicate_barcode_against_store(session: Session) -> None:
    code = fields.with_check_digit("690000000001")
    run(session, f"sku,title,price,barcode\nA,a,1,{code}\n")
    with pytest.raises(catalog_io.ImportRefused, match=f"barcode {code} is already used by A"):
        run(session, f"sku,title,price,barcode\nB,b,1,{code}\n")


def test_variants_grouped_by_product_sku(session: Session) -> None:
    content = ("product_sku,sku,title,price,option1_name,option1\n"
               "T-S,T-S,Tee,10,Size,S\nT-S,T-M,,12,,M\nT-S,T-L,,12,,m\n")
    with pytest.raises(catalog_io.ImportRefused, match="line 4, column option1: the same options as line 3"):
        run(session, content)
    run(session, content.replace(",m\n", ",L\n"))
    product = catalog_products.get_product(session=session, product_id=catalog_products.resolve_product(session=session, ref="T-L"))
    assert product.variant_count == 3 and product.options[0].values == ["S", "M", "L"]


def test_csv_and_json_round_trip_through_empty_store(store: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with db.transaction(store) as session:
        catalog_io.load_demo(session=session, actor=CLERK)
    with db.read_session(store) as session:
        first_csv = catalog_io.export_catalog(session=session, fmt="csv")
        first_json = catalog_io.export_catalog(session=session, fmt="json")
    for fmt, first in (("csv", first_csv), ("json", first_json)):
        other = new_store_url(tmp_path, fmt + ".db")
        db.upgrade(other, backup=False)  # a new store is made explicitly (issue 11 item 39)
        with db.transaction(other) as session:
            catalog_io.import_catalog(session=session, actor=CLERK, content=first.encode(), fmt=fmt, create_categories=True)
        with db.read_session(other) as session:
            assert catalog_io.export_catalog(session=session, fmt=fmt) == first


def test_demo_catalogue_shape(session: Session) -> None:
    report = catalog_io.load_demo(session=session, actor=CLERK)
    assert report.products_created >= 60
    cats = categories.list_categories(session=session)
    assert len(cats) >= 8 and max(c.depth for c in cats) >= 2
    page = catalog_products.list_products(session=session, limit=1000)
    titles = [p.title for p in page.items]
    assert any(t.isascii() for t in titles) and any(not t.isascii() for t in titles)
    assert any(p.variant_count > 1 for p in page.items)
    assert any(catalog_products.get_product(session=session, product_id=p.id).images for p in page.items)
    assert [h.title for h in search.search_products(session=session, text="手机")][:1] == ["华为手机壳 Mate 60"]
    with pytest.raises(Conflict, match="already has"):
        catalog_io.load_demo(session=session, actor=CLERK)


cell = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=12).map(str.strip).filter(bool)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(titles=st.lists(cell.filter(lambda t: ">" not in t), min_size=1, max_size=5),
       prices=st.lists(st.integers(0, 10**9), min_size=5, max_size=5),
       tags=st.lists(cell.map(str.lower).filter(lambda t: "," not in t and len(t) <= 50), max_size=3))
def test_round_trip_property(template_store, tmp_path_factory, titles, prices, tags) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("rt")
    # copies of the migrated template: no migration per example
    first_url, second_url = (copy_store(template_store, folder, name) for name in ("a.db", "b.db"))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["sku", "title", "price", "tags", "description"])
    for i, title in enumerate(titles):
        writer.writerow([f"S{i}", title, f"{prices[i] // 100}.{prices[i] % 100:02d}", ", ".join(tags), f"line one\n{title}"])
    with db.transaction(first_url) as session:
        catalog_io.import_catalog(session=session, actor=CLERK, content=out.getvalue().encode())
    with db.read_session(first_url) as session:
        exported = catalog_io.export_catalog(session=session, fmt="csv")
    with db.transaction(second_url) as session:
        catalog_io.import_catalog(session=session, actor=CLERK, content=exported.encode())
    with db.read_session(second_url) as session:
        assert catalog_io.export_catalog(session=session, fmt="csv") == exported
    db.dispose_all()
    drop_store(first_url)
    drop_store(second_url)


def test_big_import_feeds_the_search_indexes_set_based(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bulk path (indexes rebuilt after the inserts, FTS5 buffering more) indexes every row, keeps
    the indexes consistent and leaves FTS5's settings as they were."""
    monkeypatch.setattr(catalog_io, "DEFER_INDEXES_FROM", 100)
    monkeypatch.setattr(store_search, "FTS_BIG_FEED", 100)
    run(session, rows_csv(300))
    assert [h.key for h in search.search_products(session=session, text="SKU-299")][:1] == ["SKU-299"]
    assert {h.title for h in search.search_products(session=session, text="Product 123", limit=50)} >= {"Product 123 手机"}
    assert len(search.search_products(session=session, text="手", limit=200)) == 200  # 1-character term: gram index
    assert len(search.search_products(session=session, text="tag2", limit=200)) == 100
    for index in ("product_search_grams", "product_search_fts"):  # raises when an index disagrees with its rows
        if session.get_bind().dialect.name != "sqlite":
            break  # SQLite's FTS5 tables check themselves
        session.execute(text(f"INSERT INTO {index}({index}, rank) VALUES ('integrity-check', 1)"))
        hashsize = session.execute(text(f"SELECT v FROM {index}_config WHERE k = 'hashsize'")).scalar()
        assert hashsize in (None, 1024 * 1024)  # FTS5's default again
    assert checks.check_catalog(session=session) == []


def test_bulk_insert_stores_what_the_orm_stores(session: Session, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    """Columns with one value in every row go into the INSERT as literals: quotes, NULLs, booleans
    and the import's timestamp must come back exactly as bound values would."""
    content = ("sku,title,price,brand,track_stock,weight_g,cost\n"
               "Q-1,It's \"one\",1.00,O'Brien -- ;,no,0,\n"
               "Q-2,It's two,1.00,O'Brien -- ;,no,0,\n")
    run(session, content)
    variants = session.execute(select(Variant).order_by(Variant.sku)).scalars().all()
    assert [(v.sku, v.price_minor, v.track_stock, v.weight_g, v.cost_minor, v.option1, v.position) for v in variants] == [
        ("Q-1", 100, False, 0, None, None, 0), ("Q-2", 100, False, 0, None, None, 0)]
    assert {v.created_at for v in variants} == {frozen_clock}
    products = session.execute(select(Product).order_by(Product.id)).scalars().all()
    assert [(p.title, p.brand, p.description, p.variant_count, p.version) for p in products] == [
        ("It's \"one\"", "O'Brien -- ;", "", 1, 1), ("It's two", "O'Brien -- ;", "", 1, 1)]
    assert {p.updated_at for p in products} == {frozen_clock}
    assert [h.title for h in search.search_products(session=session, text="o'brien")] == ["It's \"one\"", "It's two"]


@pytest.mark.parametrize("rows", [1, 2, 199, 200, 201, 401, 1000])
def test_insert_columns_many_rows_per_statement(session: Session, rows: int) -> None:
    """Rows go several to a statement: every one lands once, in order, with its own values, whether
    the last statement is full or not; the table's CHECK constraints still refuse a bad row."""
    conn = session.connection()
    table = Product.__table__  # type: ignore[attr-defined]
    now = clock.now()
    names = ("id", "title", "status", "description", "variant_count", "version", "created_at", "updated_at")
    ids = list(range(1, rows + 1))
    statuses = [("draft", "active", "archived")[i % 3] for i in ids]
    bulk.insert_columns(conn, table, names, [ids, [f"t{i}" for i in ids], statuses, [""] * rows, [1] * rows,
                                                 [1] * rows, [now] * rows, [now] * rows])
    stored = session.execute(select(Product.id, Product.title, Product.status).order_by(Product.id)).all()
    assert [tuple(r) for r in stored] == list(zip(ids, [f"t{i}" for i in ids], statuses, strict=True))
    before = count(session, Product)
    bad = ["draft"] * rows
    bad[-1] = "sold"
    more = list(range(rows + 1, 2 * rows + 1))
    with pytest.raises(Exception, match="ck_product_status|CHECK"), session.begin_nested():
        bulk.insert_columns(session.connection(), table, names, [more, ["x"] * rows, bad, [""] * rows, [1] * rows,
                                                                     [1] * rows, [now] * rows, [now] * rows])
    assert count(session, Product) == before


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(alphabet="0123456789", min_size=6, max_size=14),
                 st.text(alphabet="0123456789", min_size=7, max_size=12).map(fields.with_check_digit),
                 st.text(alphabet="0123456789٣６x ", min_size=7, max_size=14)))
def test_fast_barcode_check_agrees_with_the_catalogue(code: str) -> None:
    """The import's table-driven EAN/UPC check accepts exactly the codes check_barcode keeps as they are."""
    try:
        kept = (fields.check_barcode(code) == code and code.isascii() and code.isdigit() and len(code) in (8, 12, 13)
                and fields.gtin_check_digit(code[:-1]) == int(code[-1]))  # not a UPC-E: that takes the full check
    except catalog_io.InvalidInput:
        kept = False
    assert catalog_io._plain_gtin(code) is kept


@pytest.mark.parametrize("title", ["Cafe\u0301 au lait", "  padded  ", "华为手机壳", "tab\there", "x" * 201])
def test_titles_are_stored_as_the_catalogue_cleans_them(session: Session, title: str) -> None:
    """Plain titles skip the catalogue's check; the rest go through it and come out the same."""
    content = f'sku,title,price\nT-1,"{title}",1.00\n'
    try:
        expected = fields.required_text(title, "title", 200)
    except catalog_io.InvalidInput as exc:
        with pytest.raises(catalog_io.ImportRefused, match="line 2, column title"):
            run(session, content)
        assert str(exc)
        return
    run(session, content)
    assert session.execute(select(Product.title)).scalar_one() == expected


@pytest.mark.sqlite_only(reason="SQLite's page cache (PRAGMA cache_size)")
def test_big_import_widens_the_page_cache_only_while_writing(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """A big import gets room for every page it writes; the connection's own size is back afterwards,
    also when the import fails."""
    monkeypatch.setattr(catalog_io, "DEFER_INDEXES_FROM", 100)
    monkeypatch.setattr(tuning, "CACHE_BYTES_PER_ROW", 1024 * 1024)
    conn = session.connection()
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    seen: list[int] = []
    write = catalog_io._write

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(conn.exec_driver_sql("PRAGMA cache_size").scalar())
        return write(*args, **kwargs)

    monkeypatch.setattr(catalog_io, "_write", spy)
    run(session, rows_csv(300))
    assert seen == [-300 * 1024]  # KiB: more than the connection's own
    assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == before
    plain = "sku,title,price\n" + "".join(f"NEW-{i},New {i},1.00\n" for i in range(300))
    run(session, plain[:plain.index("NEW-50,")])  # a small import leaves it alone
    assert seen == [-300 * 1024, before]
    monkeypatch.setattr(catalog_io, "_write", lambda *a, **k: (_ for _ in ()).throw(Conflict("stop")))
    with pytest.raises(Conflict):
        run(session, plain)
    assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == before


def test_new_variants_stored_alike_in_an_empty_and_a_filled_store(session: Session) -> None:
    """Into a store that has none of the file's SKUs the variants are built column by column; with
    one SKU already there they go row by row: both store the same values."""
    def catalogue(prefix: str) -> str:
        return ("product_sku,sku,title,option1_name,option1,price,compare_at_price,track_stock,cost\n"
                f"{prefix}-S,{prefix}-S,Shirt,Size,S,10.00,12.00,no,\n"
                f"{prefix}-S,{prefix}-M,,,M,11.50,,yes,4.00\n"
                f"{prefix}-S,{prefix}-L,,,L,0,,,\n"
                f"{prefix}-MUG,{prefix}-MUG,Mug,,,3.00,,,1.00\n")

    def stored(prefix: str) -> list[tuple[object, ...]]:
        rows = session.execute(select(Variant).where(Variant.sku.like(f"{prefix}-%")).order_by(Variant.id)).scalars()
        return [(v.sku.split("-", 1)[1], v.barcode, v.option1, v.option2, v.option3, v.position, v.price_minor,
                 v.compare_at_minor, v.cost_minor, v.weight_g, v.track_stock) for v in rows]

    assert run(session, "sku,title,price\n").rows == 0  # nothing at all: nothing written, no error
    run(session, catalogue("A"))  # empty store: the column path
    report = run(session, catalogue("B") + "A-MUG,A-MUG,Mug,,,3.00,,,1.00\n")  # A-MUG is in the store: the row path
    assert (report.variants_created, report.variants_updated, report.variants_unchanged) == (4, 0, 1)  # A-MUG as stored
    assert stored("A") == stored("B") == [
        ("S", None, "S", None, None, 0, 1000, 1200, None, None, False),
        ("M", None, "M", None, None, 1, 1150, None, 400, None, True),
        ("L", None, "L", None, None, 2, 0, None, None, None, True),
        ("MUG", None, None, None, None, 0, 300, None, 100, None, True)]


def test_pluck_reads_like_get_with_a_default() -> None:
    """Column building at C speed gives what ``d.get(key, default)`` (None read as the default) gives."""
    rows = [{"a": 1, "b": None}, {"a": 2, "b": 5}, {"a": 3}]
    assert catalog_io._pluck(rows, "a") == [1, 2, 3]
    assert catalog_io._pluck(rows, "b") == [None, 5, None]  # missing on one row: the slow way, same result
    assert catalog_io._pluck(rows, "b", 0) == [0, 5, 0]
    assert catalog_io._pluck(rows, "c", True) == [True, True, True]
    assert catalog_io._pluck([{"x": 1}, {"c": 2}], "c") == [None, 2]  # absent from the first row only
    assert catalog_io._pluck([], "a") == []


def test_insert_columns_long_shared_literal(session: Session) -> None:
    """A long value shared by every row (written into the statement) still lands in every row."""
    conn = session.connection()
    now = clock.now()
    text_value = "长" * 30_000
    rows = 7
    names = ("id", "title", "status", "description", "variant_count", "version", "created_at", "updated_at")
    bulk.insert_columns(conn, Product.__table__, names,  # type: ignore[attr-defined]
                           [list(range(1, rows + 1)), [f"t{i}" for i in range(rows)], ["draft"] * rows, [text_value] * rows,
                            [1] * rows, [1] * rows, [now] * rows, [now] * rows])
    assert session.execute(select(Product.description)).scalars().all() == [text_value] * rows
