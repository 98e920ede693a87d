"""Moving in: a 100,000-row Shopify product export (25,000 products x 4 sizes) imported (issue 16).

Target: >= 20,000 rows/s, printed as wall and CPU of this process, beside raw ``sqlite3`` inserting
the same rows into a bare product/variant pair (the ratio says what the reading, HTML conversion,
validation, search lines and audit cost). The export is built once and cached in
``bench/.data/shopify_products_100k.csv`` (rebuilt when ``DATA_VERSION`` changes).
"""

from __future__ import annotations

import csv
import io
import random
import sqlite3
import time
from pathlib import Path

from bench._report import DATA
from bench.bench_catalog import WORDS_EN, WORDS_ZH, _fresh, figure2

DATA_VERSION = "1"
PRODUCTS = 25_000
SIZES = ("S", "M", "L", "XL")
ROWS = PRODUCTS * len(SIZES)
TARGET = 20_000
HEADER = ["Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags", "Published", "Option1 Name",
          "Option1 Value", "Option2 Name", "Option2 Value", "Option3 Name", "Option3 Value", "Variant SKU", "Variant Grams",
          "Variant Inventory Tracker", "Variant Inventory Qty", "Variant Inventory Policy", "Variant Fulfillment Service",
          "Variant Price", "Variant Compare At Price", "Variant Requires Shipping", "Variant Taxable", "Variant Barcode",
          "Image Src", "Image Position", "Image Alt Text", "Gift Card", "SEO Title", "SEO Description", "Variant Image",
          "Variant Weight Unit", "Variant Tax Code", "Cost per item", "Status"]
TYPES = ["Apparel & Accessories > Clothing > Shirts & Tops", "Home & Garden > Kitchen & Dining > Tableware",
         "Food, Beverages & Tobacco > Beverages > Tea & Infusions", "Office Supplies > Paper Products",
         "Apparel & Accessories > Clothing Accessories > Scarves & Shawls"]


def _ean(n: int) -> str:
    from shoptui.services.catalog import with_check_digit

    return with_check_digit(f"69{n:010d}")


def make_export(seed: int = 16) -> str:
    """A Shopify product CSV: PRODUCTS products, each with one row per size, an HTML body and an image."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    n = 0
    for i in range(PRODUCTS):
        handle = f"product-{i:06d}"
        words = rng.sample(WORDS_ZH, 2) if i % 2 else rng.sample(WORDS_EN, 3)
        title = ("".join(words) if i % 2 else " ".join(words).title()) + f" {i}"
        body = (f"<p>{title}: <strong>{rng.choice(WORDS_EN)}</strong> and {rng.choice(WORDS_EN)}.</p>"
                f"<ul><li>{rng.choice(WORDS_EN)}</li><li>{rng.choice(WORDS_ZH)}</li></ul>")
        for v, size in enumerate(SIZES):
            n += 1
            first = v == 0
            writer.writerow([
                handle, title if first else "", body if first else "", f"Vendor {i % 300}" if first else "",
                TYPES[i % len(TYPES)] if first else "", "", ", ".join(rng.sample(WORDS_EN, 2)) if first else "",
                "TRUE" if first else "", "Size" if first else "", size, "", "", "", "", f"{handle.upper()}-{size}",
                str(200 + i % 300), "shopify", str(i % 40), "deny", "manual", f"{10 + i % 500}.{v}0",
                f"{20 + i % 500}.00" if i % 3 == 0 else "", "TRUE", "TRUE", _ean(n),
                f"https://cdn.example.com/files/{handle}.jpg" if first else "", "1" if first else "",
                title if first else "", "FALSE" if first else "", "", "", "", "g", "", f"{5 + i % 200}.00",
                ("active" if i % 10 else "draft") if first else "",
            ])
    return out.getvalue()


def export_file() -> Path:
    path = DATA / "shopify_products_100k.csv"
    marker = DATA / "shopify_products_100k.marker"
    if path.exists() and marker.exists() and marker.read_text() == DATA_VERSION:
        return path
    DATA.mkdir(exist_ok=True)
    path.write_text(make_export(), encoding="utf-8")
    marker.write_text(DATA_VERSION)
    return path


def _import(path: str, content: bytes, opening_stock: bool) -> tuple[float, float]:
    from shoptui import db
    from shoptui.config import Actor
    from shoptui.services import movein

    actor = Actor("bench", "script")
    options = movein.ProductImportOptions(create_categories=True, opening_stock=opening_stock)
    c0, w0 = time.process_time(), time.perf_counter()
    with db.transaction(path) as session:
        summary = movein.import_products(session=session, actor=actor, content=content, fmt="shopify",
                                         source="products_export.csv", options=options)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    assert summary.catalog.variants_created == ROWS, summary.catalog
    return wall, cpu


def _raw_import(content: bytes) -> tuple[float, float]:
    """The floor: raw sqlite3 inserting the same rows (parsed by csv) into a bare product/variant pair."""
    path = _fresh("movein-raw.db")
    con = sqlite3.connect(path)
    con.executescript("CREATE TABLE p(id INTEGER PRIMARY KEY, handle TEXT UNIQUE, title TEXT, body TEXT, vendor TEXT);"
                      "CREATE TABLE v(id INTEGER PRIMARY KEY, product_id INT, sku TEXT UNIQUE, barcode TEXT UNIQUE, "
                      "size TEXT, price INT, grams INT);")
    c0, w0 = time.process_time(), time.perf_counter()
    rows = list(csv.reader(io.StringIO(content.decode("utf-8"))))[1:]
    with con:
        con.executemany("INSERT INTO p(id, handle, title, body, vendor) VALUES (?,?,?,?,?)",
                        ((i, r[0], r[1], r[2], r[3]) for i, r in enumerate(rows) if r[1]))
        con.executemany("INSERT INTO v(product_id, sku, barcode, size, price, grams) VALUES (?,?,?,?,?,?)",
                        ((0, r[14], r[24], r[9], int(r[20].replace(".", "")), int(r[15])) for r in rows))
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    con.close()
    return wall, cpu


def run() -> None:
    from shoptui import db

    content = export_file().read_bytes()
    raw_wall, raw_cpu = _raw_import(content)
    for opening_stock in (False, True):
        path = _fresh("movein-import.db")
        db.upgrade(path, backup=False)
        wall, cpu = _import(path, content, opening_stock)
        name = "import 100,000-row Shopify export" + (" + opening stock" if opening_stock else "")
        figure2(name, ROWS / wall, ROWS / cpu, TARGET, "rows/s", higher_is_better=True,
                note=f"raw sqlite3 {ROWS / raw_cpu:,.0f} rows/s cpu (x{cpu / raw_cpu:.1f} slower)")
        db.dispose_all()
        for suffix in ("", "-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)
