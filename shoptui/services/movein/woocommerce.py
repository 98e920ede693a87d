"""WooCommerce's product CSV (Products > Export) read as catalogue rows.

How the export maps:

- ``simple`` products are one-variant products; ``variable`` products get their ``variation`` rows
  as variants, joined by ``Parent`` (``id:NN`` names the parent's ID, anything else its SKU), in file
  order; a variable product without variations in the file is skipped.
- The attributes the variations use become the product's options (at most three), named as the
  parent names them. A variation whose value of an attribute is empty means "any value" in
  WooCommerce: it becomes ONE variant with the option value ``Any`` (its stock and price are one,
  so it is not multiplied into every value). The attributes of simple products are descriptions,
  not options: they are dropped (and counted).
- ``grouped`` (a set of other products), ``external`` (sold on another site) and ``downloadable``
  (a file) products and variations are skipped, each with the reason.
- ``Published`` 1 is active, 0 draft, -1 (private) draft.
- ``Sale price`` (when set) is the price and ``Regular price`` the compare-at; otherwise the
  regular price is the price.
- ``Description`` (HTML, ``\\n`` as written by the exporter) becomes plain text; without one, the
  ``Short description`` is used.
- ``Categories``: the first category (a ``>`` path) is the product's; the others are dropped.
- ``Images``: comma-separated URLs, kept as remote references; a variation's image joins its product's.
- ``Weight (kg)`` (the unit is in the column's name: kg, g, lbs, oz) becomes whole grams.
- ``Stock`` filled means the variant tracks stock, and is its opening stock (``--opening-stock``).
- ``GTIN, UPC, EAN, or ISBN`` (WooCommerce 9.2 and later) is the barcode.
- A product without a SKU gets ``woo-<ID>``; a variation without one its parent's SKU and its values.
"""

from __future__ import annotations

import re

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

REQUIRED = ("id", "type", "sku", "name", "regular price")
ANY_VALUE = "Any"
_SKIPPED_TYPES = {
    "grouped": "a grouped product is a set of other products; they are imported on their own",
    "external": "an external (affiliate) product is sold on another site",
    "downloadable": "a downloadable product is a file, not goods shoptui sells or stocks",
}
_ATTRIBUTE = re.compile(r"^attribute (\d+) (name|value\(s\))$")
_WEIGHT = re.compile(r"^weight(?: \((\w+)\))?$")
_BARCODE_COLUMNS = ("gtin, upc, ean, or isbn", "gtin", "ean", "barcode")
_STATUS = {"1": "active", "0": "draft", "-1": "draft"}


class _Item:
    """One row of the export: a product or a variation."""

    __slots__ = ("line", "cells", "kind", "ref", "variations")

    def __init__(self, line: int, cells: list[str], kind: str, ref: str) -> None:
        self.line = line
        self.cells = cells
        self.kind = kind
        self.ref = ref
        self.variations: list[_Item] = []


def read_products(content: bytes | str, source: str) -> ForeignRows:
    """A WooCommerce product CSV as catalogue rows; refuses (ImportRefused, line-numbered) what cannot be read."""
    header, table = catalog.read_table(content, source, uncell=False,
                                       check_header=lambda h: missing_columns(h, REQUIRED))
    get = Cells(header)
    out = ForeignRows(file_rows=len(table))
    attributes: dict[int, dict[str, int]] = {}
    weight_unit = ""
    used = {"id", "type", "sku", "name", "published", "short description", "description", "stock", "sale price",
            "regular price", "categories", "tags", "images", "parent", *_BARCODE_COLUMNS}
    for i, name in enumerate(header):
        low = name.strip().lower()
        found = _ATTRIBUTE.match(low)
        if found:
            attributes.setdefault(int(found[1]), {})[found[2]] = i
            used.add(low)
        weight = _WEIGHT.match(low)
        if weight and not weight_unit:
            weight_unit = weight[1] or "kg"
            used.add(low)
            get.index["weight"] = i
    pairs = [(spec["name"], spec["value(s)"]) for _, spec in sorted(attributes.items()) if len(spec) == 2]
    barcode_column = next((c for c in _BARCODE_COLUMNS if c in get.index), None)
    products: list[_Item] = []
    by_id: dict[str, _Item] = {}
    by_sku: dict[str, _Item] = {}
    variations: list[_Item] = []
    for line, cells in table:
        flags = {t.strip().lower() for t in get(cells, "type").split(",") if t.strip()}
        ref = get(cells, "sku") or (f"id:{get(cells, 'id')}" if get(cells, "id") else f"line {line}")
        kind = next((k for k in ("variation", "variable", "grouped", "external", "simple") if k in flags), "")
        if not kind:
            out.problem(line, "Type", f"the type {get(cells, 'type')!r} is not simple, variable, variation, grouped or "
                                      "external")
            continue
        item = _Item(line, cells, kind, ref)
        skip = next((reason for flag, reason in _SKIPPED_TYPES.items() if flag in flags), None)
        if skip is not None:
            item.kind = "skipped"
            out.skipped.append(Skipped(line=line, ref=ref, reason=skip))
        if kind == "variation":
            variations.append(item)
            continue
        products.append(item)
        if get(cells, "id"):
            by_id[get(cells, "id")] = item
        if get(cells, "sku"):
            by_sku[get(cells, "sku")] = item
    for item in variations:
        parent_ref = get(item.cells, "parent")
        parent = by_id.get(parent_ref[3:].strip()) if parent_ref.lower().startswith("id:") else by_sku.get(parent_ref)
        if parent is None:
            out.problem(item.line, "Parent", f"the variation's parent {parent_ref!r} is not in the file" if parent_ref
                        else "a variation needs its Parent (id:NN or the parent's SKU)")
        elif parent.kind == "skipped":
            if item.kind != "skipped":
                out.skipped.append(Skipped(line=item.line, ref=item.ref, reason=f"its product {parent.ref} is skipped"))
        elif parent.kind != "variable":
            out.problem(item.line, "Parent", f"the parent {parent_ref} is a {parent.kind} product, not a variable one")
        elif item.kind != "skipped":
            parent.variations.append(item)
    for item in products:
        if item.kind == "simple":
            _simple(out, get, item, pairs, weight_unit, barcode_column)
        elif item.kind == "variable":
            if item.variations:
                _variable(out, get, item, pairs, weight_unit, barcode_column)
            else:
                out.skipped.append(Skipped(line=item.line, ref=item.ref,
                                           reason="a variable product without variations in the file"))
    count_dropped(out, header, table, used)
    if out.problems:
        raise catalog.ImportRefused(source, sorted(out.problems, key=lambda p: p.line))
    return out


def _product_fields(out: ForeignRows, get: Cells, item: _Item, row: list[str], images: list[str]) -> None:
    cells = item.cells
    row[COLUMN["title"]] = get(cells, "name")
    published = get(cells, "published")
    row[COLUMN["status"]] = _STATUS.get(published, published or "draft")
    if published == "-1":
        out.converted["private products imported as draft"] += 1
    categories = [c.strip() for c in re.split(r"(?<!\\),", get(cells, "categories")) if c.strip()]
    if categories:
        category = " > ".join(part.strip() for part in categories[0].replace("\\,", ",").split(">") if part.strip())
        row[COLUMN["category"]] = category
        out.categories.setdefault(category, item.line)
        if len(categories) > 1:
            out.dropped["categories beyond the first (a product has one category)"] += len(categories) - 1
    row[COLUMN["tags"]] = get(cells, "tags")
    description = get(cells, "description") or get(cells, "short description")
    if get(cells, "description") and get(cells, "short description"):
        out.dropped["short descriptions (the description is kept)"] += 1
    description = description.replace("\\n", "\n")
    if looks_like_html(description):
        out.converted["descriptions from HTML to text"] += 1
    row[COLUMN["description"]] = html_to_text(description) if description else ""
    row[COLUMN["images"]] = image_urls(out, item.line, images)


def _variant_fields(out: ForeignRows, get: Cells, item: _Item, row: list[str], sku: str, weight_unit: str,
                    barcode_column: str | None) -> None:
    cells = item.cells
    row[COLUMN["sku"]] = sku
    regular, sale = get(cells, "regular price"), get(cells, "sale price")
    if sale:
        row[COLUMN["price"]], row[COLUMN["compare_at_price"]] = sale, regular
        out.converted["sale prices as the price (regular price as compare-at)"] += 1
    else:
        row[COLUMN["price"]] = regular
    if barcode_column:
        row[COLUMN["barcode"]] = get(cells, barcode_column).lstrip("'")
    if weight_unit:
        row[COLUMN["weight_g"]] = weight_grams(out, item.line, "Weight", get(cells, "weight"), weight_unit)
    stock = quantity(out, item.line, "Stock", get(cells, "stock"))
    row[COLUMN["track_stock"]] = "no" if stock is None else "yes"
    if stock is not None:
        out.quantities[sku] = stock


def _images(get: Cells, item: _Item) -> list[str]:
    return [u for u in (p.strip() for p in get(item.cells, "images").split(",")) if u]


def _simple(out: ForeignRows, get: Cells, item: _Item, pairs: list[tuple[int, int]], weight_unit: str,
            barcode_column: str | None) -> None:
    if not get(item.cells, "sku") and not get(item.cells, "id"):
        out.problem(item.line, "SKU", "a product needs a SKU or an ID")
        return
    sku = get(item.cells, "sku") or generated_sku(f"woo-{get(item.cells, 'id')}", [])
    if not get(item.cells, "sku"):
        out.converted["SKUs made from the ID (the product had none)"] += 1
    attributes = sum(1 for name, _ in pairs if item.cells[name].strip())
    if attributes:
        out.dropped["attributes of simple products (descriptions, not options)"] += attributes
    row = blank_row()
    row[COLUMN["product_sku"]] = sku
    _product_fields(out, get, item, row, _images(get, item))
    _variant_fields(out, get, item, row, sku, weight_unit, barcode_column)
    out.rows.append((item.line, row))


def _variable(out: ForeignRows, get: Cells, item: _Item, pairs: list[tuple[int, int]], weight_unit: str,
              barcode_column: str | None) -> None:
    # the parent's attribute names, in its order, that its variations use
    parent_names = [item.cells[n].strip() for n, _ in pairs if item.cells[n].strip()]
    used: list[str] = []
    values_of: list[dict[str, str]] = []
    for variation in item.variations:
        values: dict[str, str] = {}
        for n, v in pairs:
            name = variation.cells[n].strip()
            if name:
                values[name.lower()] = variation.cells[v].strip()
                if name.lower() not in (u.lower() for u in used):
                    used.append(name)
        values_of.append(values)
    names = [n for n in parent_names if n.lower() in {u.lower() for u in used}]
    names += [u for u in used if u.lower() not in {n.lower() for n in names}]
    if len(names) > 3:
        out.problem(item.line, "Attribute 4 name", f"the variations of {item.ref} use {len(names)} attributes "
                                                   f"({', '.join(names)}); a product has at most 3 options")
        return
    parent_sku = get(item.cells, "sku") or generated_sku(f"woo-{get(item.cells, 'id')}", [])
    images = _images(get, item) + [url for v in item.variations for url in _images(get, v)]
    product_sku = ""
    for index, (variation, values) in enumerate(zip(item.variations, values_of, strict=True)):
        chosen = []
        for name in names:
            value = values.get(name.lower(), "")
            if not value:
                value = ANY_VALUE
                out.converted[f"variation attributes left empty ('any {name.lower()}') set to {ANY_VALUE}"] += 1
            chosen.append(value)
        sku = get(variation.cells, "sku")
        if not sku:
            sku = generated_sku(parent_sku, chosen)
            out.converted["SKUs made from the parent's SKU and the options (the variation had none)"] += 1
        row = blank_row()
        if index == 0:
            product_sku = sku
            _product_fields(out, get, item, row, images)
            for i, name in enumerate(names, 1):
                row[COLUMN[f"option{i}_name"]] = name
        row[COLUMN["product_sku"]] = product_sku
        for i, value in enumerate(chosen, 1):
            row[COLUMN[f"option{i}"]] = value
        _variant_fields(out, get, variation, row, sku, weight_unit, barcode_column)
        out.rows.append((variation.line, row))
