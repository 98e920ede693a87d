"""Shopify's product CSV (Products > Export, or the published product template) read as catalogue rows.

How the export maps:

- The rows of one ``Handle`` are one product. Product fields (Title, Body (HTML), Vendor, Product
  Category, Type, Tags, Published, Status, option names) are read from its first row. A row with
  Variant SKU, Variant Price or Option1 Value is a variant; a row with only Image Src (and Image
  Position / Alt Text) adds an image to the product.
- Option1 Name ``Title`` with the value ``Default Title`` is Shopify's product without options.
- ``Status`` (active, draft, archived) is kept; an export without it reads Published TRUE as active.
- ``Body (HTML)`` becomes plain text (paragraphs and list items kept: ``movein.html``).
- ``Vendor`` is the brand; ``Product Category`` (a ``>`` path) is the category, else ``Type``.
- ``Variant Grams`` is the weight in grams (Shopify always exports grams; ``Variant Weight Unit`` is
  only how Shopify shows it). An export with a ``Variant Weight`` column in that unit is converted.
- ``Variant Price`` is the price, ``Variant Compare At Price`` the compare-at, ``Cost per item`` the cost.
- ``Variant Inventory Tracker`` filled (``shopify``) means the variant tracks stock; ``Variant
  Inventory Qty`` is its opening stock (booked only with ``--opening-stock``).
- Images (``Image Src`` by ``Image Position``, then each ``Variant Image``) are kept as URLs.
- A variant without a SKU gets ``<handle>`` (or ``<handle>-<OPTION>-<VALUES>``), so a second import
  of the same file finds it again.
- Gift cards (``Gift Card`` TRUE) are skipped: shoptui sells store credit, not gift-card products.
"""

from __future__ import annotations

from shoptui.services import catalog
from shoptui.services.movein.common import (
    COLUMN,
    Cells,
    ForeignRows,
    Skipped,
    blank_row,
    count_dropped,
    generated_sku,
    image_urls,
    missing_columns,
    quantity,
    weight_grams,
)
from shoptui.services.movein.html import html_to_text, looks_like_html

REQUIRED = ("handle", "title", "variant price")
USED = {"handle", "title", "body (html)", "vendor", "product category", "type", "tags", "published", "option1 name",
        "option1 value", "option2 name", "option2 value", "option3 name", "option3 value", "variant sku", "variant grams",
        "variant inventory tracker", "variant inventory qty", "variant price", "variant compare at price",
        "variant barcode", "image src", "image position", "variant image", "variant weight unit", "variant weight",
        "cost per item", "status", "gift card"}
_TRUE = {"true", "yes", "1", "y"}


def read_products(content: bytes | str, source: str) -> ForeignRows:
    """A Shopify product CSV as catalogue rows; refuses (ImportRefused, line-numbered) what cannot be read."""
    header, table = catalog.read_table(content, source, uncell=False,
                                       check_header=lambda h: missing_columns(h, REQUIRED))
    get = Cells(header)
    out = ForeignRows(file_rows=len(table))
    i_handle = get.index["handle"]
    handles: dict[str, list[tuple[int, list[str]]]] = {}
    for line, cells in table:
        handle = cells[i_handle].strip()
        if not handle:
            if any(c.strip() for c in cells):
                out.problem(line, "Handle", "the Handle is empty; every row names its product by its handle")
            continue
        handles.setdefault(handle, []).append((line, cells))
    has_weight = "variant weight" in get.index
    for handle, rows in handles.items():
        _product(out, get, handle, rows, has_weight)
    count_dropped(out, header, table, USED)
    if out.problems:
        raise catalog.ImportRefused(source, sorted(out.problems, key=lambda p: p.line))
    return out


def _product(out: ForeignRows, get: Cells, handle: str, rows: list[tuple[int, list[str]]], has_weight: bool) -> None:
    first_line, first = rows[0]
    if get(first, "gift card").lower() in _TRUE:
        out.skipped.append(Skipped(line=first_line, ref=handle,
                                   reason="a gift card; shoptui sells store credit, not gift-card products"))
        return
    title = get(first, "title")
    if not title:
        out.problem(first_line, "Title", f"the first row of {handle} has no Title (product fields are on a product's "
                                         "first row)")
        return
    variants = [(line, cells) for line, cells in rows
                if get(cells, "variant sku") or get(cells, "variant price") or get(cells, "option1 value")]
    if not variants:
        out.problem(first_line, "Variant Price", f"{handle} has no variant row (a row with Variant Price)")
        return
    names = [get(first, f"option{i} name") for i in (1, 2, 3)]
    default_title = names[0].lower() == "title" and not any(names[1:]) and all(
        get(cells, "option1 value") in ("", "Default Title") for _, cells in variants)
    if default_title:
        names = ["", "", ""]
        out.converted["'Title / Default Title' read as no options"] += 1
    images: list[tuple[int, int, str]] = []
    for order, (_, cells) in enumerate(rows):
        src = get(cells, "image src")
        if src:
            position = get(cells, "image position")
            images.append((int(position) if position.isdigit() else 10_000, order, src))
    images.sort()
    urls = [src for _, _, src in images] + [get(cells, "variant image") for _, cells in variants]
    product_sku = ""
    for index, (line, cells) in enumerate(variants):
        row = blank_row()
        values = [] if default_title else [get(cells, f"option{i} value") for i in (1, 2, 3)]
        sku = get(cells, "variant sku")
        if not sku:
            sku = generated_sku(handle, values)
            out.converted["SKUs made from the handle (the variant had none)"] += 1
        if index == 0:
            product_sku = sku
            _product_fields(out, get, first_line, first, row, title, names, urls)
        row[COLUMN["product_sku"]] = product_sku
        row[COLUMN["sku"]] = sku
        for i, value in enumerate(values, 1):
            row[COLUMN[f"option{i}"]] = value
        row[COLUMN["price"]] = get(cells, "variant price")
        row[COLUMN["compare_at_price"]] = get(cells, "variant compare at price")
        row[COLUMN["cost"]] = get(cells, "cost per item")
        row[COLUMN["barcode"]] = get(cells, "variant barcode").lstrip("'")
        grams = get(cells, "variant grams")
        if grams:
            row[COLUMN["weight_g"]] = grams if grams.isdigit() else weight_grams(out, line, "Variant Grams", grams, "g")
        elif has_weight:
            row[COLUMN["weight_g"]] = weight_grams(out, line, "Variant Weight", get(cells, "variant weight"),
                                                   get(cells, "variant weight unit") or "g")
        tracked = bool(get(cells, "variant inventory tracker"))
        row[COLUMN["track_stock"]] = "yes" if tracked else "no"
        stock = quantity(out, line, "Variant Inventory Qty", get(cells, "variant inventory qty"))
        if stock is not None and tracked:
            out.quantities[sku] = stock
        out.rows.append((line, row))


def _product_fields(out: ForeignRows, get: Cells, line: int, first: list[str], row: list[str], title: str,
                    names: list[str], urls: list[str]) -> None:
    row[COLUMN["title"]] = title
    status = get(first, "status").lower()
    if not status:
        status = "active" if get(first, "published").lower() in _TRUE else "draft"
    row[COLUMN["status"]] = status
    category = get(first, "product category") or get(first, "type")
    if category:
        category = " > ".join(part.strip() for part in category.split(">") if part.strip())
        row[COLUMN["category"]] = category
        out.categories.setdefault(category, line)
    row[COLUMN["brand"]] = get(first, "vendor")
    row[COLUMN["tags"]] = get(first, "tags")
    body = get(first, "body (html)")
    if body and looks_like_html(body):
        out.converted["descriptions from HTML to text"] += 1
    row[COLUMN["description"]] = html_to_text(body) if body else ""
    for i, name in enumerate(names, 1):
        row[COLUMN[f"option{i}_name"]] = name
    row[COLUMN["images"]] = image_urls(out, line, urls)
