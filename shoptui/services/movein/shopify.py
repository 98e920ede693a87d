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


# the cells of every row read at once (one C call per row), in this order
_ROW = ("variant sku", "variant price", "option1 value", "option2 value", "option3 value", "variant compare at price",
        "cost per item", "variant barcode", "variant grams", "variant inventory tracker", "variant inventory qty",
        "variant image", "variant weight", "variant weight unit", "image src", "image position")


def read_products(content: bytes | str, source: str) -> ForeignRows:
    """A Shopify product CSV as catalogue rows; refuses (ImportRefused, line-numbered) what cannot be read."""
    header, table = catalog.read_table(content, source, uncell=False,
                                       check_header=lambda h: missing_columns(h, REQUIRED))
    get = Cells(header)
    pick = get.picker(_ROW)
    out = ForeignRows(file_rows=len(table))
    i_handle = get.index["handle"]
    handles: dict[str, list[tuple[int, list[str], tuple[str, ...]]]] = {}
    for line, cells in table:
        handle = cells[i_handle].strip()
        if not handle:
            if any(c.strip() for c in cells):
                out.problem(line, "Handle", "the Handle is empty; every row names its product by its handle")
            continue
        found = handles.get(handle)
        if found is None:
            handles[handle] = [(line, cells, pick(cells))]
        else:
            found.append((line, cells, pick(cells)))
    has_weight = "variant weight" in get.index
    for handle, rows in handles.items():
        _product(out, get, handle, rows, has_weight)
    count_dropped(out, header, table, USED)
    if out.problems:
        raise catalog.ImportRefused(source, sorted(out.problems, key=lambda p: p.line))
    return out


def _product(out: ForeignRows, get: Cells, handle: str, rows: list[tuple[int, list[str], tuple[str, ...]]],
             has_weight: bool) -> None:
    first_line, first, _ = rows[0]
    if get(first, "gift card").lower() in _TRUE:
        out.skipped.append(Skipped(line=first_line, ref=handle,
                                   reason="a gift card; shoptui sells store credit, not gift-card products"))
        return
    title = get(first, "title")
    if not title:
        out.problem(first_line, "Title", f"the first row of {handle} has no Title (product fields are on a product's "
                                         "first row)")
        return
    variants = [(line, cells) for line, _, cells in rows if cells[0] or cells[1] or cells[2]]
    if not variants:
        out.problem(first_line, "Variant Price", f"{handle} has no variant row (a row with Variant Price)")
        return
    names = [get(first, f"option{i} name") for i in (1, 2, 3)]
    default_title = names[0].lower() == "title" and not any(names[1:]) and all(
        cells[2] in ("", "Default Title") for _, cells in variants)
    if default_title:
        names = ["", "", ""]
        out.converted["'Title / Default Title' read as no options"] += 1
    if len(rows) == 1:
        urls = [rows[0][2][14], rows[0][2][11]]
    else:
        images = sorted((int(cells[15]) if cells[15].isdigit() else 10_000, order, cells[14])
                        for order, (_, _, cells) in enumerate(rows) if cells[14])
        urls = [src for _, _, src in images] + [cells[11] for _, cells in variants]
    product_sku = ""
    quantities = out.quantities
    append = out.rows.append
    for index, (line, cells) in enumerate(variants):
        (sku, price, value1, value2, value3, compare_at, cost, barcode, grams, tracker, stock, _, weight, unit, _,
         _) = cells
        row = blank_row()
        values = [] if default_title else [value1, value2, value3]
        if not sku:
            sku = generated_sku(handle, values)
            out.converted["SKUs made from the handle (the variant had none)"] += 1
        if index == 0:
            product_sku = sku
            _product_fields(out, get, first_line, first, row, title, names, urls)
        row[_SKU_KEY] = product_sku
        row[_SKU] = sku
        if values:
            row[_OPTION1], row[_OPTION2], row[_OPTION3] = values
        row[_PRICE] = price
        row[_COMPARE_AT] = compare_at
        row[_COST] = cost
        row[_BARCODE] = barcode.lstrip("'")
        if grams:
            row[_WEIGHT] = grams if grams.isdigit() else weight_grams(out, line, "Variant Grams", grams, "g")
        elif has_weight:
            row[_WEIGHT] = weight_grams(out, line, "Variant Weight", weight, unit or "g")
        row[_TRACK] = "yes" if tracker else "no"
        if stock:
            if tracker:
                count = int(stock) if stock.isdigit() else quantity(out, line, "Variant Inventory Qty", stock)
                if count is not None:
                    quantities[sku] = count
            elif not stock.lstrip("-").isdigit():
                quantity(out, line, "Variant Inventory Qty", stock)
        append((line, row))


_SKU_KEY, _SKU, _OPTION1, _OPTION2, _OPTION3 = (COLUMN[n] for n in ("product_sku", "sku", "option1", "option2", "option3"))
_PRICE, _COMPARE_AT, _COST, _BARCODE = (COLUMN[n] for n in ("price", "compare_at_price", "cost", "barcode"))
_WEIGHT, _TRACK = COLUMN["weight_g"], COLUMN["track_stock"]


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
