"""Moving in products: Shopify's product template and a WooCommerce export imported, every field compared."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from shoptui import db
from shoptui.errors import InvalidInput, NotFound
from shoptui.services import catalog, movein
from shoptui.services.movein.html import html_to_text
from tests.conftest import CLERK
from tests.store_files import copy_store, drop_store, rows

DATA = Path(__file__).resolve().parents[1] / "data"
SHOPIFY = DATA / "shopify_product_template.csv"
WOO = DATA / "woocommerce_products.csv"
CDN = "https://cdn.example.com/files/"
WP = "https://shop.example.org/wp-content/uploads/2026/11/"


def _import(url: str, path: Path | bytes, fmt: str, **options: Any) -> movein.ProductImportSummary:
    content = path if isinstance(path, bytes) else path.read_bytes()
    with db.transaction(url) as session:
        return movein.import_products(session=session, actor=CLERK, content=content, fmt=fmt, source="export.csv",
                                      options=movein.ProductImportOptions(**options))


@pytest.fixture(scope="module")
def shopify_store(template_store: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    """The Shopify template imported once (categories created, opening stock booked)."""
    url = copy_store(template_store, tmp_path_factory.mktemp("shopify"), "shop.db")
    summary = _import(url, SHOPIFY, "shopify", create_categories=True, opening_stock=True)
    yield url, summary
    db.dispose_all()
    drop_store(url)


@pytest.fixture(scope="module")
def woo_store(template_store: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    url = copy_store(template_store, tmp_path_factory.mktemp("woo"), "shop.db")
    summary = _import(url, WOO, "woocommerce", create_categories=True, opening_stock=True)
    yield url, summary
    db.dispose_all()
    drop_store(url)


def _catalogue(url: str) -> dict[str, dict[str, Any]]:
    """Every product of the store by its first SKU: every field a person sees, variants in order."""
    with db.read_session(url) as session:
        ids = [row[0] for row in rows(url, "SELECT id FROM product ORDER BY id")]
        found = {}
        for pid in ids:
            p = catalog.get_product(session=session, product_id=pid)
            found[p.variants[0].sku] = {
                "title": p.title, "status": p.status, "category": p.category, "brand": p.brand, "tags": p.tags,
                "description": p.description, "options": [o.name for o in p.options], "images": p.images,
                "variants": [(v.sku, v.barcode, v.options, v.price_minor, v.compare_at_minor, v.cost_minor,
                              v.weight_g, v.track_stock) for v in p.variants],
            }
    return found


def _stock(url: str) -> dict[str, tuple[int, str]]:
    return {sku: (qty, reason) for sku, qty, reason in rows(
        url, "SELECT v.sku, m.quantity, m.reason FROM stock_movement m JOIN variant v ON v.id = m.variant_id")}


SHOPIFY_EXPECTED = {
    "MUG-001": {
        "title": "Ceramic Mug", "status": "active", "category": "Home & Garden > Kitchen & Dining > Tableware",
        "brand": "Potter & Co", "tags": ["ceramic", "gift", "mug"],
        "description": "A hand-thrown mug for tea & coffee.\n\n- 350 ml\n- Dishwasher safe\n\nMade in Jingdezhen.",
        "options": [], "images": [CDN + "mug-front.jpg", CDN + "mug-side.jpg"],
        "variants": [("MUG-001", "4006381333931", [], 1800, 2200, 650, 350, True)],
    },
    "SHIRT-S-WHT": {
        "title": "Linen Shirt", "status": "draft", "category": "Shirts", "brand": "Atelier Nord",
        "tags": ["linen", "summer"],
        "description": "Breathable linen\n\nCut for summer.\nWash cold.\n\n1. Relaxed fit\n2. Mother-of-pearl buttons",
        "options": ["Size", "Color"], "images": [CDN + "shirt-white.jpg", CDN + "shirt-blue.jpg"],
        "variants": [("SHIRT-S-WHT", "036000291452", ["S", "White"], 2990, None, 1200, 210, True),
                     ("SHIRT-M-WHT", "4006381333932", ["M", "White"], 2990, 3500, 1200, 230, True),
                     ("linen-shirt-S-BLUE", None, ["S", "Blue"], 3150, None, 1200, 210, True),
                     ("SHIRT-M-BLU", None, ["M", "Blue"], 3150, None, 1200, 231, True)],
    },
    "POSTER-OLD": {
        "title": "Old Poster", "status": "archived", "category": "Posters", "brand": "Print Shop", "tags": [],
        "description": "Plain text description, no markup.", "options": [], "images": [],
        "variants": [("POSTER-OLD", "036000291455", [], 950, None, None, 120, False)],
    },
    "TEA-LJ-50": {
        "title": "龍井茶 Sampler — Ünïcode", "status": "active",
        "category": "Food, Beverages & Tobacco > Beverages > Tea & Infusions", "brand": "西湖茶庄", "tags": ["tea", "绿茶"],
        "description": "West Lake \u201cDragon Well\u201d green tea\n50 g tin", "options": [], "images": [CDN + "longjing.png"],
        "variants": [("TEA-LJ-50", None, [], 6800, None, 3000, 50, True)],
    },
}

WOO_EXPECTED = {
    "BOARD-01": {
        "title": "Bamboo Cutting Board", "status": "active", "category": "Kitchen > Boards", "brand": None,
        "tags": ["bamboo", "kitchen"], "description": "Cut from one piece of bamboo.\n\n- 45 × 30 cm\n- Oil monthly",
        "options": [], "images": [WP + "board-1.jpg", WP + "board-2.jpg"],
        "variants": [("BOARD-01", "4006381333931", [], 2400, 3000, None, 850, True)],
    },
    "HOODIE-GREY-S": {
        "title": "Wool Hoodie", "status": "active", "category": "Clothing > Hoodies", "brand": None, "tags": ["wool"],
        "description": "Warm merino wool.", "options": ["Color", "Size"],
        "images": [WP + "hoodie.jpg", WP + "hoodie-navy.jpg"],
        "variants": [("HOODIE-GREY-S", "036000291452", ["Grey", "S"], 5900, None, None, 600, True),
                     ("HOODIE-NAVY-S", None, ["Navy", "S"], 4900, 5900, None, 600, True),
                     ("HOODIE-ANY-M", None, ["Any", "M"], 6200, None, None, 650, True)],
    },
    "woo-60": {
        "title": "Staff Apron", "status": "draft", "category": "Clothing", "brand": None, "tags": [],
        "description": "For the team only.", "options": [], "images": [],
        "variants": [("woo-60", "4006381333932", [], 1500, None, None, None, False)],
    },
    "TEAPOT-1": {
        "title": "Teapot 茶壶", "status": "draft", "category": "Tea > Teaware", "brand": None, "tags": ["tea", "茶具"],
        "description": "Yixing clay, 200 ml.", "options": [], "images": [],
        "variants": [("TEAPOT-1", None, [], 4500, None, None, 300, True)],
    },
}


def test_shopify_template_every_field_of_every_product(shopify_store: tuple[str, Any]) -> None:
    url, _ = shopify_store
    assert _catalogue(url) == SHOPIFY_EXPECTED


def test_shopify_summary_lists_skipped_converted_dropped_and_kept_barcodes(shopify_store: tuple[str, Any]) -> None:
    _, summary = shopify_store
    assert summary.file_rows == 10 and not summary.dry_run
    assert [(p.line, p.sku, p.action) for p in summary.products] == [
        (2, "MUG-001", "created"), (4, "SHIRT-S-WHT", "created"), (10, "POSTER-OLD", "created"),
        (11, "TEA-LJ-50", "created")]
    assert [(s.line, s.ref) for s in summary.skipped] == [(8, "gift-card")]
    assert "gift card" in summary.skipped[0].reason
    assert summary.converted == {"'Title / Default Title' read as no options": 3, "descriptions from HTML to text": 3,
                                 "SKUs made from the handle (the variant had none)": 1,
                                 "weights rounded to whole grams": 1}
    assert summary.dropped["column Image Alt Text"] == 2 and summary.dropped["column SEO Title"] == 1
    assert "column Variant Inventory Policy" in summary.dropped
    assert [(b.line, b.sku, b.barcode) for b in summary.barcodes_kept] == [
        (5, "SHIRT-M-WHT", "4006381333932"), (10, "POSTER-OLD", "036000291455")]
    assert "check digit" in summary.barcodes_kept[0].reason
    assert summary.remote_images == 5
    assert summary.catalog.categories_created[:3] == ["Home & Garden", "Home & Garden > Kitchen & Dining",
                                                      "Home & Garden > Kitchen & Dining > Tableware"]
    text = summary.summary
    assert "4 products created" in text and "1 skipped" in text and "Barcodes kept" in text
    assert "shoptui product images fetch" in text


def test_shopify_opening_stock_booked_through_the_ledger(shopify_store: tuple[str, Any]) -> None:
    url, summary = shopify_store
    assert _stock(url) == {"MUG-001": (12, "opening balance"), "SHIRT-S-WHT": (5, "opening balance"),
                           "SHIRT-M-BLU": (7, "opening balance"), "TEA-LJ-50": (40, "opening balance")}
    stock = summary.opening_stock
    assert (stock.location, stock.booked, stock.units) == ("MAIN", 4, 64)
    assert [(s.sku, s.quantity) for s in stock.skipped] == [("linen-shirt-S-BLUE", -2)]
    on_hand = dict(rows(url, "SELECT v.sku, l.on_hand FROM stock_level l JOIN variant v ON v.id = l.variant_id"))
    assert on_hand == {"MUG-001": 12, "SHIRT-S-WHT": 5, "SHIRT-M-BLU": 7, "TEA-LJ-50": 40}


def test_importing_the_same_file_again_changes_nothing(shopify_store: tuple[str, Any]) -> None:
    url, _ = shopify_store
    before = _catalogue(url), _stock(url), rows(url, "SELECT id, version, updated_at FROM product ORDER BY id")
    again = _import(url, SHOPIFY, "shopify", create_categories=True, opening_stock=True)
    assert {p.action for p in again.products} == {"unchanged"}
    assert (again.catalog.products_created, again.catalog.variants_created, again.catalog.variants_updated) == (0, 0, 0)
    assert again.opening_stock is not None and again.opening_stock.booked == 0
    assert all("already has stock history" in s.reason for s in again.opening_stock.skipped if s.quantity > 0)
    assert (_catalogue(url), _stock(url), rows(url, "SELECT id, version, updated_at FROM product ORDER BY id")) == before


def test_woocommerce_every_field_of_every_product(woo_store: tuple[str, Any]) -> None:
    url, _ = woo_store
    assert _catalogue(url) == WOO_EXPECTED


def test_woocommerce_summary(woo_store: tuple[str, Any]) -> None:
    url, summary = woo_store
    assert [(s.line, s.ref) for s in summary.skipped] == [(7, "HOODIE-PATTERN"), (8, "KITCHEN-SET"), (9, "KNIFE-EXT"),
                                                          (10, "EBOOK-TEA")]
    reasons = [s.reason for s in summary.skipped]
    assert "downloadable" in reasons[0] and "grouped" in reasons[1] and "external" in reasons[2]
    assert "downloadable" in reasons[3]
    assert summary.converted["private products imported as draft"] == 1
    assert summary.converted["variation attributes left empty ('any color') set to Any"] == 1
    assert summary.converted["weights from kg to grams"] == 5
    assert summary.converted["sale prices as the price (regular price as compare-at)"] == 2
    assert summary.converted["SKUs made from the ID (the product had none)"] == 1
    assert summary.dropped["categories beyond the first (a product has one category)"] == 1
    assert summary.dropped["attributes of simple products (descriptions, not options)"] == 1
    assert summary.dropped["short descriptions (the description is kept)"] == 1
    assert [(b.sku, b.barcode) for b in summary.barcodes_kept] == [("woo-60", "4006381333932")]
    assert _stock(url) == {"BOARD-01": (15, "opening balance"), "HOODIE-GREY-S": (4, "opening balance"),
                           "HOODIE-NAVY-S": (2, "opening balance"), "HOODIE-ANY-M": (6, "opening balance")}


def test_dry_run_writes_nothing_and_says_what_would_happen(store: str) -> None:
    before = rows(store, "SELECT count(*) FROM product")[0][0], rows(store, "SELECT count(*) FROM category")[0][0]
    with db.read_session(store) as session:
        plan = movein.plan_products(session=session, actor=CLERK, content=SHOPIFY.read_bytes(), fmt="shopify",
                                    source="export.csv",
                                    options=movein.ProductImportOptions(create_categories=True, opening_stock=True))
    assert plan.dry_run and [p.action for p in plan.products] == ["created"] * 4
    assert plan.opening_stock is not None and (plan.opening_stock.booked, plan.opening_stock.units) == (4, 64)
    assert "Would import" in plan.summary and "Create:" in plan.summary and "line 4: SHIRT-S-WHT Linen Shirt" in plan.summary
    assert (rows(store, "SELECT count(*) FROM product")[0][0], rows(store, "SELECT count(*) FROM category")[0][0]) == before


SHOPIFY_HEADER = SHOPIFY.read_text(encoding="utf-8").splitlines()[0]


def _shopify(*lines: str) -> bytes:
    return ("\n".join([SHOPIFY_HEADER, *lines]) + "\n").encode("utf-8")


def _line(**cells: str) -> str:
    import csv
    import io

    names = next(csv.reader([SHOPIFY_HEADER]))
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow([cells.get(n.lower().replace(" ", "_"), "") for n in names])
    return out.getvalue()


def _variant(handle: str, sku: str, price: str = "10.00", **more: str) -> str:
    return _line(handle=handle, title=more.pop("title", handle.title()), variant_sku=sku, variant_price=price,
                 option1_name="Title", option1_value="Default Title", **more)


def _refused(store: str, content: bytes, fmt: str = "shopify", **options: Any) -> str:
    before = rows(store, "SELECT count(*) FROM product")[0][0], rows(store, "SELECT count(*) FROM audit_entry")[0][0]
    with pytest.raises((InvalidInput, NotFound)) as caught:
        _import(store, content, fmt, **options)
    after = rows(store, "SELECT count(*) FROM product")[0][0], rows(store, "SELECT count(*) FROM audit_entry")[0][0]
    assert after == before
    return str(caught.value)


def test_bad_files_are_refused_with_their_line_and_nothing_changes(store: str) -> None:
    assert "variant price" in _refused(store, b"Handle,Title,Vendor\nmug,Mug,Acme\n")
    assert "magento" in _refused(store, SHOPIFY.read_bytes(), "magento")
    assert "broken CSV quoting" in _refused(store, _shopify(_variant("mug", "MUG-1"), 'tea,"Tea,,,'))
    message = _refused(store, _shopify(_variant("mug", "MUG-1"), _variant("tea", "TEA-1", "-4.00")))
    assert "line 3, column price" in message and "cannot be negative" in message
    message = _refused(store, _shopify(_variant("mug", "MUG-1"), _variant("cup", "MUG-1")))
    assert "line 3, column sku" in message and "also on line 2" in message
    assert "not UTF-8" in _refused(store, _shopify(_variant("mug", "MUG-1")).replace(b"MUG-1", b"MUG-\xff"))
    assert "the file is empty" in _refused(store, b"")
    message = _refused(store, _shopify(_variant("mug", "MUG-1", type="Mugs")))
    assert "'Mugs'" in message and "--create-categories" in message
    message = _refused(store, _shopify(_variant("mug", "MUG-1", variant_barcode="4006381333932")), strict_barcodes=True)
    assert "line 2, column barcode" in message and "check digit" in message
    assert "no location 'nowhere'" in _refused(store, _shopify(_variant("mug", "MUG-1")), opening_stock=True,
                                               location="nowhere")
    message = _refused(store, _shopify(_line(handle="mug", variant_sku="MUG-1", variant_price="3.00")))
    assert "line 2, column Title" in message
    message = _refused(store, _shopify(_variant("mug", "MUG-1", variant_grams="heavy")))
    assert "line 2, column Variant Grams" in message


def test_unicode_handles_titles_and_options(store: str) -> None:
    content = _shopify(_line(handle="茶杯", title="茶杯 ☕", option1_name="尺寸", option1_value="大", variant_price="12.00"),
                       _line(handle="茶杯", option1_value="小", variant_price="10.00"))
    summary = _import(store, content, "shopify")
    assert [v for v in _catalogue(store)] == ["茶杯-大"]
    product = _catalogue(store)["茶杯-大"]
    assert product["options"] == ["尺寸"] and [v[0] for v in product["variants"]] == ["茶杯-大", "茶杯-小"]
    assert summary.converted["SKUs made from the handle (the variant had none)"] == 2


def test_woocommerce_variation_of_an_unknown_parent_is_refused(store: str) -> None:
    lines = WOO.read_text(encoding="utf-8-sig").splitlines()
    content = "\n".join([lines[0], lines[3].replace("id:20", "id:999")]) + "\n"
    message = _refused(store, content.encode(), "woocommerce")
    assert "line 2, column Parent" in message and "id:999" in message


@pytest.mark.parametrize(("html", "text"), [
    ("<p>One</p><p>Two</p>", "One\n\nTwo"),
    ("<ul><li>a</li><li>b</li></ul>", "- a\n- b"),
    ("Line<br>break &amp; <b>bold</b>", "Line\nbreak & bold"),
    ("<style>p{}</style><p>x</p>", "x"),
    ("plain   words\n  kept", "plain words\nkept"),
    ("<p>unclosed <i>tags", "unclosed tags"),
])
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


def test_import_rows_refuses_columns_it_does_not_know(session: Session) -> None:
    with pytest.raises(InvalidInput):
        catalog.import_rows(session=session, actor=CLERK, header=["sku", "name"], rows=[], source="x")
