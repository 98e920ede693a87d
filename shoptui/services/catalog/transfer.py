"""Catalogue import and export (CSV and JSON) and the demo catalogue.

CSV has one row per variant. Rows of one product share ``product_sku`` (the SKU of its first
variant); product fields (title, status, category, ...) are read from the product's first row.
Import is all-or-nothing: every row is validated first, every bad row is reported with its line,
column and reason, and nothing is written when any row is bad. Rows are keyed by SKU: an existing
SKU is updated, a new one created. Columns left out of a file are left unchanged on updates.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from operator import contains, itemgetter
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import BaseModel
from sqlalchemy import bindparam, func, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from shoptui import clock
from shoptui.config import Actor
from shoptui.errors import Conflict, InvalidInput
from shoptui.models._types import id_of, table_of
from shoptui.models.catalog import Product, ProductImage, ProductTag, Variant
from shoptui.services import shop
from shoptui.services.catalog import categories as catalog_categories
from shoptui.services.catalog import fields as catalog_fields
from shoptui.services.catalog import products as catalog_products
from shoptui.services.catalog import search
from shoptui.store import bulk, tuning
from shoptui.store import ids as id_pool
from shoptui.store import search as store_search
from shoptui.store.rows import tuples

COLUMNS = (
    "product_sku", "sku", "title", "status", "category", "brand", "tags", "description",
    "option1_name", "option1", "option2_name", "option2", "option3_name", "option3",
    "price", "compare_at_price", "cost", "barcode", "weight_g", "track_stock", "images",
)
REQUIRED = ("sku", "title", "price")
PRODUCT_COLUMNS = ("title", "status", "category", "brand", "tags", "description", "option1_name", "option2_name",
                   "option3_name", "images")
JSON_FORMAT = "shoptui-catalog"
DEMO_DIR = Path(__file__).resolve().parents[2] / "data" / "demo"
MAX_REPORTED = 200
Progress = Callable[[str], None]
_PLAIN_AMOUNT = re.compile(r"^(\d{1,13})(?:\.(\d{1,4}))?$")


DEFER_INDEXES_FROM = 20_000


class ImportProblem(BaseModel):
    """One bad cell or row: where (line and column) and why."""

    line: int
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.reason}"


class ImportRefused(InvalidInput):
    """The file has bad rows; nothing was written. ``problems`` lists every one."""

    def __init__(self, source: str, problems: list[ImportProblem]) -> None:
        self.problems = problems
        shown = "\n".join(f"  {p}" for p in problems[:MAX_REPORTED])
        more = f"\n  ... and {len(problems) - MAX_REPORTED} more" if len(problems) > MAX_REPORTED else ""
        super().__init__(f"{source}: {len(problems)} bad {'row' if len(problems) == 1 else 'rows'}, nothing was "
                         f"imported. Fix them and import again:\n{shown}{more}")


class ImportReport(BaseModel):
    """What an import did (or, with dry_run, would do)."""

    rows: int
    products_created: int
    products_updated: int
    variants_created: int
    variants_updated: int
    categories_created: list[str]  # every category made, parents included
    dry_run: bool
    products_unchanged: int = 0  # in the file and in the store, nothing different: not written, version kept
    variants_unchanged: int = 0

    @property
    def summary(self) -> str:
        """One line for people."""
        verb = "Would import" if self.dry_run else "Imported"
        made = len(self.categories_created)
        cats = f", {made} new {'category' if made == 1 else 'categories'}" if made else ""
        same_p = f", {self.products_unchanged} unchanged" if self.products_unchanged else ""
        same_v = f", {self.variants_unchanged} unchanged" if self.variants_unchanged else ""
        return (f"{verb} {self.rows} {'row' if self.rows == 1 else 'rows'}: {self.products_created} "
                f"{'product' if self.products_created == 1 else 'products'} created, {self.products_updated} updated"
                f"{same_p}; {self.variants_created} {'variant' if self.variants_created == 1 else 'variants'} created, "
                f"{self.variants_updated} updated{same_v}{cats}.")


class KeptBarcode(BaseModel):
    """A barcode an import kept although the catalogue would refuse it (a foreign export's own code)."""

    line: int
    sku: str
    barcode: str
    reason: str


class ProductOutcome(BaseModel):
    """What an import does (or would do) to one product of the file: created, updated or unchanged."""

    line: int
    sku: str  # the SKU of its first variant in the file
    title: str
    action: str


# ---------------------------------------------------------------- reading files


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportRefused(source, [ImportProblem(line=line, column=None,
                                                   reason="the file is not UTF-8 text (save it as UTF-8 CSV)")]) from exc


def _sniff_delimiter(first_line: str) -> str:
    return "\t" if first_line.count("\t") > first_line.count(",") else ","


class _Row(NamedTuple):
    """One data row: its line in the file and its cells in header order."""

    line: int
    cells: list[str]


def read_table(content: bytes | str, source: str, *, uncell: bool = True,
               check_header: Callable[[list[str]], list[ImportProblem]] | None = None) -> tuple[list[str], list[_Row]]:
    """Header (cells stripped) and rows of any CSV (comma or tab), with line numbers; refuses broken quoting.

    The one CSV reader of the imports: shoptui's own columns (``read_csv_rows``) and other systems'
    exports (``movein``). ``uncell`` undoes the quote shoptui's exports put before formula-like cells;
    ``check_header`` lists the header's problems (a missing column), refused before any row is read.
    """
    if isinstance(content, bytes):
        content = _decode(content, source)
    first = content.split("\n", 1)[0]
    delimiter = _sniff_delimiter(first)
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter, strict=True)
    problems: list[ImportProblem] = []
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ImportRefused(source, [ImportProblem(line=1, column=None, reason="the file is empty")]) from None
    except csv.Error as exc:
        raise ImportRefused(source, [ImportProblem(line=1, column=None, reason=f"broken CSV ({exc})")]) from None
    if check_header is not None:
        problems = check_header(header)
        if problems:
            raise ImportRefused(source, problems)
    rows: list[_Row] = []
    append = rows.append
    new_row = tuple.__new__  # a _Row without NamedTuple's Python-level constructor
    width = len(header)
    line = reader.line_num + 1
    quoted = uncell and "'" in content  # a cell an export protected from spreadsheets ("'=..."); most files have none
    try:
        for record in reader:
            if quoted:
                record = [shop.uncell(c) for c in record]
            if len(record) == width:
                append(new_row(_Row, (line, record)))
            elif record and not (len(record) == 1 and not record[0].strip()):
                problems.append(ImportProblem(line=line, column=None,
                                              reason=f"has {len(record)} cells but the header has {width}"))
            line = reader.line_num + 1
    except csv.Error as exc:
        problems.append(ImportProblem(line=reader.line_num, column=None,
                                      reason=f"broken CSV quoting ({exc}); the rest of the file cannot be read"))
    if problems:
        raise ImportRefused(source, problems)
    return header, rows


def read_csv_rows(content: str, source: str) -> tuple[list[str], list[_Row]]:
    """Header and rows of a CSV in shoptui's own columns, with line numbers; refuses broken quoting."""

    def check_header(header: list[str]) -> list[ImportProblem]:
        names = [h.lower() for h in header]
        problems = [ImportProblem(line=1, column=h or "(empty)", reason=f"unknown column; known columns are {', '.join(COLUMNS)}")
                    for h in names if h not in COLUMNS]
        problems += [ImportProblem(line=1, column=h, reason="required column is missing") for h in REQUIRED if h not in names]
        problems += [ImportProblem(line=1, column=h, reason="column appears twice")
                     for h in sorted({h for h in names if names.count(h) > 1})]
        return problems

    header, rows = read_table(content, source, check_header=check_header)
    return [h.lower() for h in header], rows


def read_json_rows(content: str, source: str) -> tuple[list[str], list[_Row], list[str]]:
    """A JSON export turned into CSV-like rows (the line is the variant's number in the file)."""
    try:
        document = json.loads(content)
    except json.JSONDecodeError as exc:
        raise ImportRefused(source, [ImportProblem(line=exc.lineno, column=None, reason=f"not valid JSON ({exc.msg})")]) from None
    except RecursionError:
        raise ImportRefused(source, [ImportProblem(line=1, column=None,
                                                   reason="nested too deeply to be a catalogue")]) from None
    if not isinstance(document, dict) or document.get("format") != JSON_FORMAT or not isinstance(document.get("products"), list):
        raise ImportRefused(source, [ImportProblem(line=1, column=None,
                                                   reason=f"not a shoptui catalogue (expected \"format\": \"{JSON_FORMAT}\")")])
    problems: list[ImportProblem] = []

    def listed(value: Any, name: str, line: int) -> list[Any]:
        """A list field of the document: [] when absent, a problem (and []) when it is not a list."""
        if value is None:
            return []
        if isinstance(value, list):
            return value
        problems.append(ImportProblem(line=line, column=name, reason=f"the {name} must be a list, not {value!r:.40}"))
        return []

    categories = [str(c) for c in listed(document.get("categories"), "categories", 1) if isinstance(c, str)]
    rows: list[_Row] = []
    number = 0
    for product in document["products"]:
        variants = product.get("variants") if isinstance(product, dict) else None
        if not isinstance(variants, list) or not variants:
            number += 1
            rows.append(_json_row(number, {"title": str(product.get("title", "")) if isinstance(product, dict) else ""}))
            continue
        names = listed(product.get("options"), "options", number + 1)
        first_sku = str(variants[0].get("sku", "")) if isinstance(variants[0], dict) else ""
        for index, variant in enumerate(variants):
            number += 1
            if not isinstance(variant, dict):
                rows.append(_json_row(number, {}))
                continue
            values = [str(v) for v in listed(variant.get("options"), "options", number)]
            row = {
                "product_sku": first_sku, "sku": _s(variant.get("sku")),
                "price": _s(variant.get("price")), "compare_at_price": _s(variant.get("compare_at_price")),
                "cost": _s(variant.get("cost")), "barcode": _s(variant.get("barcode")),
                "weight_g": _s(variant.get("weight_g")),
                "track_stock": "yes" if variant.get("track_stock", True) else "no",
            }
            for i in range(3):
                row[f"option{i + 1}"] = values[i] if i < len(values) else ""
            if index == 0:
                row.update({"title": _s(product.get("title")), "status": _s(product.get("status")),
                            "category": _s(product.get("category")), "brand": _s(product.get("brand")),
                            "tags": ", ".join(str(t) for t in listed(product.get("tags"), "tags", number)),
                            "description": _s(product.get("description")),
                            "images": " | ".join(str(i) for i in listed(product.get("images"), "images", number))})
                for i in range(3):
                    row[f"option{i + 1}_name"] = str(names[i]) if i < len(names) else ""
            rows.append(_json_row(number, row))
    if problems:
        raise ImportRefused(source, problems)
    return list(COLUMNS), rows, categories


def _json_row(number: int, values: dict[str, str]) -> _Row:
    return _Row(number, [values.get(name, "") for name in COLUMNS])


def _s(value: Any) -> str:
    return "" if value is None else str(value)


# ---------------------------------------------------------------- validating


@dataclass(eq=False, slots=True)
class _Group:
    key: str
    line: int
    fields: dict[str, Any]
    variants: list[dict[str, Any]] = field(default_factory=list)
    product_id: int | None = None


class _Collector:
    def __init__(self) -> None:
        self.problems: list[ImportProblem] = []

    def add(self, line: int, column: str | None, reason: str) -> None:
        self.problems.append(ImportProblem(line=line, column=column, reason=reason))


_TRACK_VALUES = {"": True, "yes": True, "true": True, "1": True, "y": True, "no": False, "false": False, "0": False,
                 "n": False}


_DIGITS = {str(d): d for d in range(10)}
# weighted digit sums of runs of ASCII digits, three at a time: _W131 weighs 1, 3, 1 from the left,
# (and 1, 3 for two digits), _W313 weighs 3, 1, 3 (and 3 for one digit)
_W131 = {a + b + c: da + 3 * db + dc for a, da in _DIGITS.items() for b, db in _DIGITS.items()
         for c, dc in _DIGITS.items()}
_W313 = {a + b + c: 3 * da + db + 3 * dc for a, da in _DIGITS.items() for b, db in _DIGITS.items()
         for c, dc in _DIGITS.items()}
_W131.update({a + b: da + 3 * db for a, da in _DIGITS.items() for b, db in _DIGITS.items()})
_W313.update({a: 3 * da for a, da in _DIGITS.items()})


def _plain_gtin(raw: str) -> bool:
    """True for an ASCII EAN-13/UPC-A/EAN-8 with a right check digit (``catalog.check_barcode``'s common case).

    The weighted sum (3, 1, 3, ... leftwards from the digit before the check digit) is looked up
    three digits at a time; anything but ASCII digits misses the tables and takes the full check.
    """
    try:
        size = len(raw)
        if size == 13:
            total = _W131[raw[:3]] + _W313[raw[3:6]] + _W131[raw[6:9]] + _W313[raw[9:12]]
        elif size == 12:
            total = _W313[raw[:3]] + _W131[raw[3:6]] + _W313[raw[6:9]] + _W131[raw[9:11]]
        elif size == 8:
            total = _W313[raw[:3]] + _W131[raw[3:6]] + _W313[raw[6]]
        else:
            return False
        return (total + _DIGITS[raw[-1]]) % 10 == 0
    except KeyError:
        return False


def _validate_rows(session: Session, header: list[str], rows: list[_Row], *, base: Path | None,
                   create_categories: bool, extra_categories: list[str], progress: Progress | None,
                   kept_barcodes: list[KeptBarcode] | None = None) -> tuple[
                       list[_Group], dict[str, int | None], list[str], _Collector]:
    """Every row checked (all problems collected), rows grouped into products.

    The common shapes (ASCII SKUs, EAN/UPC barcodes, plain amounts, repeated tags and option
    names) take fast paths; anything else goes through the catalogue's own checks, so the
    result and the messages are the same either way. With ``kept_barcodes`` (a list), a barcode
    the catalogue would refuse (a wrong check digit, not a GTIN nor the in-store pattern) is kept as
    the shop's own code when it can be stored, and listed there instead of refusing the row.
    """
    money = shop.currency(session=session)
    pattern = catalog_fields.barcode_pattern(session)
    digits = money.digits
    scale = 10**digits
    column = {name: index for index, name in enumerate(header)}
    errors = _Collector()
    add_error = errors.add
    paths = {name.lower(): cid for cid, name in catalog_categories.category_paths(session=session).items()}
    wanted_categories: dict[str, int | None] = {}
    for name in extra_categories:
        key = " > ".join(part.strip() for part in name.split(">"))
        if key.lower() not in paths:
            wanted_categories.setdefault(key, None)
    groups: dict[str, _Group] = {}
    seen_sku: dict[str, int] = {}
    seen_barcode: dict[str, int] = {}
    image_cache: dict[str, str] = {}
    tag_cache: dict[str, list[str]] = {}
    title_cache: dict[str, str] = {}
    names_checked: set[tuple[str, ...]] = set()
    plain_amount = _PLAIN_AMOUNT.match
    is_nfc = unicodedata.is_normalized
    amounts: dict[str, int] = {}  # cell as in the file -> minor units, for plain amounts seen before
    i_sku = column["sku"]
    i_key = column.get("product_sku")
    money_columns = [(c, name, column[c]) for c, name in (("price", "price_minor"), ("compare_at_price", "compare_at_minor"),
                                                            ("cost", "cost_minor")) if c in column]
    i_barcode = column.get("barcode")
    i_weight = column.get("weight_g")
    i_track = column.get("track_stock")
    option_columns = [(f"option{i}", column[f"option{i}"]) for i in (1, 2, 3) if f"option{i}" in column]
    i_title = column["title"]
    i_status = column.get("status")
    i_category = column.get("category")
    i_brand = column.get("brand")
    i_tags = column.get("tags")
    i_description = column.get("description")
    name_columns = [(f"option{i}_name", column[f"option{i}_name"]) for i in (1, 2, 3) if f"option{i}_name" in column]
    i_images = column.get("images")
    repeated = [(c, column[c]) for c in ("title", "status", "brand") if c in column]
    total = len(rows)
    for number, (line, cells) in enumerate(rows, 1):
        if progress and number % 20_000 == 0:
            progress(f"checked {number:,} of {total:,} rows")
        sku = cells[i_sku].strip()
        # a SKU exactly as catalog.check_sku would store it takes no call
        if not (0 < len(sku) <= 64 and sku.isascii() and sku.isprintable() and " " not in sku):
            try:
                sku = catalog_fields.check_sku(sku)
            except InvalidInput as exc:
                add_error(line, "sku", str(exc))
                continue
        if sku in seen_sku:
            add_error(line, "sku", f"the SKU {sku} is also on line {seen_sku[sku]}")
            continue
        seen_sku[sku] = line
        key = (cells[i_key].strip() if i_key is not None else "") or sku
        variant: dict[str, Any] = {"sku": sku, "line": line}
        for name_in_file, name, index in money_columns:
            cell = cells[index]
            minor = amounts.get(cell)
            if minor is not None:
                variant[name] = minor
                continue
            raw = cell.strip()
            if not raw:
                if index == column["price"]:
                    add_error(line, name_in_file, "the price is required")
                variant[name] = None
                continue
            fast = plain_amount(raw)
            if fast and len(fast[2] or "") <= digits:
                minor = variant[name] = int(fast[1]) * scale + (int((fast[2] or "").ljust(digits, "0")) if digits else 0)
                if len(amounts) < 100_000:  # prices repeat: the next cell like this one is a lookup
                    amounts[cell] = minor
                continue
            try:
                variant[name] = money.parse(raw, field=name_in_file.replace("_", " "))
            except InvalidInput as exc:
                add_error(line, name_in_file, str(exc))
        if i_barcode is not None:
            barcode: str | None = cells[i_barcode].strip()
            if not _plain_gtin(barcode):  # type: ignore[arg-type]  # a str here: strip() just made it; None comes later
                try:
                    barcode = catalog_fields.check_barcode(barcode, pattern)
                except InvalidInput as exc:
                    kept = catalog_fields.storable_barcode(barcode) if kept_barcodes is not None else None
                    if kept is None or kept_barcodes is None:
                        add_error(line, "barcode", str(exc))
                    else:
                        kept_barcodes.append(KeptBarcode(line=line, sku=sku, barcode=kept, reason=str(exc)))
                    barcode = kept
            if barcode is not None:
                if barcode in seen_barcode:
                    add_error(line, "barcode", f"the barcode {barcode} is also on line {seen_barcode[barcode]}")
                seen_barcode[barcode] = line
            variant["barcode"] = barcode
        if i_weight is not None:
            raw = cells[i_weight].strip()
            if raw and (not raw.isdigit() or int(raw) > 10_000_000):
                add_error(line, "weight_g", f"the weight {raw!r} must be whole grams between 0 and 10000000")
            variant["weight_g"] = int(raw) if raw.isdigit() else None
        if i_track is not None:
            raw = cells[i_track].strip().lower()
            track = _TRACK_VALUES.get(raw)
            if track is None:
                add_error(line, "track_stock", f"{raw!r} is not yes or no")
                track = True
            variant["track_stock"] = track
        for name, index in option_columns:
            value = cells[index].strip()
            variant[name] = value or None
            if len(value) > 60:
                add_error(line, name, "an option value can be at most 60 characters")
        group = groups.get(key)
        if group is None:
            fields: dict[str, Any] = {}
            raw = cells[i_title].strip()
            # a title exactly as catalog.required_text would return it takes no call
            title = raw if (0 < len(raw) <= 200 and raw.isprintable() and (raw.isascii() or is_nfc("NFC", raw))
                            ) else title_cache.get(raw)
            if title is None:
                try:
                    title = catalog_fields.required_text(raw, "title", 200)
                except InvalidInput as exc:
                    add_error(line, "title", str(exc))
                else:
                    if len(title_cache) < 10_000:
                        title_cache[raw] = title
            if title is not None:
                fields["title"] = title
            if i_status is not None:
                raw = cells[i_status].strip()
                if raw in ("active", "draft", "archived"):
                    fields["status"] = raw
                else:
                    try:
                        fields["status"] = catalog_fields.check_status(raw or "draft")
                    except InvalidInput as exc:
                        add_error(line, "status", str(exc))
            if i_category is not None:
                raw = cells[i_category].strip()
                name = " > ".join(part.strip() for part in raw.split(">")) if raw else ""
                if not name:
                    fields["category"] = None
                elif name.lower() in paths:
                    fields["category"] = name
                elif create_categories:
                    wanted_categories.setdefault(name, None)
                    fields["category"] = name
                else:
                    add_error(line, "category", f"there is no category {name!r}; create it first or import with "
                                                "--create-categories")
            if i_brand is not None:
                brand = cells[i_brand].strip()
                try:
                    brand = catalog_fields.optional_text(brand, "brand", 100) or ""
                except InvalidInput as exc:
                    add_error(line, "brand", str(exc))
                fields["brand"] = brand or None
            if i_tags is not None:
                raw_tags = cells[i_tags].strip()
                if raw_tags not in tag_cache:
                    try:
                        tag_cache[raw_tags] = sorted(catalog_fields.check_tags(t for t in raw_tags.split(",") if t.strip()))
                    except InvalidInput as exc:
                        add_error(line, "tags", str(exc))
                fields["tags"] = list(tag_cache.get(raw_tags, ()))
            if i_description is not None:
                try:
                    fields["description"] = catalog_fields.clean_description(cells[i_description])
                except InvalidInput as exc:
                    add_error(line, "description", str(exc))
            names = []
            for name, index in name_columns:
                option_name = cells[index].strip() or None
                fields[name] = option_name
                if option_name:
                    names.append(option_name)
            if names and tuple(names) not in names_checked:
                try:
                    catalog_fields.check_option_names(names)
                    names_checked.add(tuple(names))
                except InvalidInput as exc:
                    add_error(line, "option1_name", str(exc))
            if i_images is not None:
                images = []
                for location in (p.strip() for p in cells[i_images].strip().split("|")):
                    if not location:
                        continue
                    if location not in image_cache:
                        try:
                            image_cache[location] = catalog_fields.check_image(location, base=base)
                        except InvalidInput as exc:
                            add_error(line, "images", str(exc))
                            continue
                    images.append(image_cache[location])
                fields["images"] = images
            groups[key] = _Group(key, line, fields, [variant])
        else:
            for name, index in repeated:
                value = cells[index].strip()
                if value and value != str(group.fields.get(name) or ""):
                    add_error(line, name, f"differs from line {group.line} of the same product ({group.key}); "
                                          "product fields are taken from the product's first row")
            group.variants.append(variant)
    if progress and total >= 20_000:
        progress(f"checked {total:,} rows")
    return list(groups.values()), wanted_categories, [], errors


def _check_against_store(session: Session, groups: list[_Group], errors: _Collector) -> tuple[
        dict[str, Any], dict[int, list[str]]]:
    """Existing variants by SKU; refuse barcodes held by other SKUs and mixed products."""
    existing: dict[str, Any] = {}
    if session.connection().execute(select(col(Variant.id)).limit(1)).first() is None:
        return existing, {}  # an empty catalogue: nothing to update, no code taken
    skus = [v["sku"] for g in groups for v in g.variants]
    for start in range(0, len(skus), 900):
        chunk = skus[start:start + 900]
        for row in session.exec(select(Variant).where(col(Variant.sku).in_(chunk))):
            existing[row.sku] = row
    barcodes = {v["barcode"]: v for g in groups for v in g.variants if v.get("barcode")}
    codes = list(barcodes)
    for start in range(0, len(codes), 900):
        for owner_sku, barcode in session.exec(select(col(Variant.sku), col(Variant.barcode)).where(col(Variant.barcode).in_(codes[start:start + 900]))):
            variant = barcodes[barcode]
            if owner_sku != variant["sku"]:
                errors.add(variant["line"], "barcode", f"the barcode {barcode} is already used by {owner_sku}")
    options: dict[int, list[str]] = {}
    touched: set[int] = set()
    for group in groups:
        products = {existing[v["sku"]].product_id for v in group.variants if v["sku"] in existing}
        if len(products) > 1:
            errors.add(group.line, "sku", f"the SKUs of {group.key} belong to {len(products)} different products in the store")
            continue
        if products:
            group.product_id = products.pop()
            touched.add(group.product_id)
    if touched:
        ids = sorted(touched)
        for start in range(0, len(ids), 900):
            for pid, *option_names in tuples(session.execute(
                    sa_select(col(Product.id), col(Product.option1_name), col(Product.option2_name),
                              col(Product.option3_name)).where(col(Product.id).in_(ids[start:start + 900])))):
                options[pid] = [n for n in option_names if n]
    return existing, options


_OPTION_KEYS = ("option1", "option2", "option3")
_OPTION_NAME_KEYS = ("option1_name", "option2_name", "option3_name")


def _check_groups(session: Session, groups: list[_Group], existing: dict[str, Any], options: dict[int, list[str]],
                  errors: _Collector) -> None:
    """Options match the option names; combinations are unique; one default variant without options."""
    kept: dict[int, list[Any]] = {}
    ids = [g.product_id for g in groups if g.product_id is not None]
    if ids:
        in_file = {v["sku"] for g in groups for v in g.variants}
        for start in range(0, len(ids), 900):
            for v in session.exec(select(Variant).where(col(Variant.product_id).in_(ids[start:start + 900]))):
                if v.sku not in in_file:
                    kept.setdefault(v.product_id, []).append(v)
    for group in groups:
        fields = group.fields
        if group.product_id is not None and not any(key in fields for key in _OPTION_NAME_KEYS):
            names = options.get(group.product_id, [])
        else:
            names = [name for name in map(fields.get, _OPTION_NAME_KEYS) if name]
        count = len(names)
        variants = group.variants
        if not count and group.product_id is None and len(variants) == 1:  # the common one-variant product
            only = variants[0]
            if not (only.get("option1") or only.get("option2") or only.get("option3")) and (
                    not existing or only["sku"] not in existing):
                if only["sku"] != group.key:
                    errors.add(group.line, "product_sku", f"{group.key} is not the SKU of any row of this product")
                continue
        combos: dict[tuple[str, ...], int] = {}
        for old in kept.get(group.product_id or -1, []):
            combos[tuple((getattr(old, f"option{i + 1}") or "").lower() for i in range(count))] = 0
        for variant in group.variants:
            current = existing.get(variant["sku"]) if existing else None
            values = []
            for i, key in enumerate(_OPTION_KEYS):
                value = variant[key] if key in variant else (getattr(current, key) if current is not None else None)
                if value:
                    if i >= count:
                        errors.add(variant["line"], key, f"the product has only {count} options")
                    else:
                        values.append(value.lower())
                elif i < count:
                    errors.add(variant["line"], key, f"a value for {names[i]} is required")
                    values.append("")
            combo = tuple(values)
            if combo in combos:
                other = combos[combo]
                where = f"line {other}" if other else "a variant already in the store"
                errors.add(variant["line"], "option1", f"the same options as {where}; each combination needs one variant")
            combos[combo] = variant["line"]
        if not names and len(group.variants) + len(kept.get(group.product_id or -1, [])) > 1:
            errors.add(group.line, "option1_name", f"the product {group.key} has {len(group.variants)} rows but no "
                                                   "options; name an option (e.g. Size) to have several variants")
        if group.variants[0]["sku"] != group.key and group.key not in {v["sku"] for v in group.variants}:
            errors.add(group.line, "product_sku", f"{group.key} is not the SKU of any row of this product")


# ---------------------------------------------------------------- writing


def import_catalog(*, session: Session, actor: Actor, content: bytes, source: str = "file", fmt: str | None = None,
                   dry_run: bool = False, create_categories: bool = False, base: Path | None = None,
                   progress: Progress | None = None) -> ImportReport:
    """Validate a whole CSV or JSON catalogue, then write it in bulk (nothing when any row is bad)."""
    shop.require(session=session, actor=actor, permission="data.import")  # refused before any work
    with tuning.gc_paused():
        return _import(session=session, actor=actor, content=content, source=source, fmt=fmt, dry_run=dry_run,
                       create_categories=create_categories, base=base, progress=progress)


def _import(*, session: Session, actor: Actor, content: bytes, source: str, fmt: str | None, dry_run: bool,
            create_categories: bool, base: Path | None, progress: Progress | None) -> ImportReport:
    text_content = _decode(content, source)
    fmt = fmt or ("json" if text_content.lstrip().startswith("{") else "csv")
    extra_categories: list[str] = []
    if fmt == "json":
        header, rows, extra_categories = read_json_rows(text_content, source)
        create_categories = True
    elif fmt == "csv":
        header, rows = read_csv_rows(text_content, source)
    else:
        raise InvalidInput(f"The format {fmt!r} is not csv or json.")
    if progress and len(rows) >= 20_000:
        progress(f"read {len(rows):,} rows from {source}")
    return _import_rows(session=session, actor=actor, header=header, rows=rows, source=source, dry_run=dry_run,
                        create_categories=create_categories, base=base, progress=progress,
                        extra_categories=extra_categories)[0]


def import_rows(*, session: Session, actor: Actor, header: Sequence[str], rows: list[tuple[int, list[str]]],
                source: str, dry_run: bool = False, create_categories: bool = False,
                kept_barcodes: list[KeptBarcode] | None = None, progress: Progress | None = None,
                ) -> tuple[ImportReport, list[ProductOutcome]]:
    """Import rows already read (line, cells in ``header`` order; ``header`` names catalogue ``COLUMNS``).

    The validation, all-or-nothing refusal and bulk writer of ``import_catalog``, for readers of
    other systems' exports (``movein``). Returns the report and what happens to each product.
    ``kept_barcodes``: see ``_validate_rows``.
    """
    shop.require(session=session, actor=actor, permission="data.import")  # refused before any work
    unknown = [h for h in header if h not in COLUMNS]
    if unknown or any(h not in header for h in REQUIRED):
        raise InvalidInput(f"import_rows needs catalogue columns, not {', '.join(unknown) or 'a header without sku/title/price'}.")
    with tuning.gc_paused():
        return _import_rows(session=session, actor=actor, header=list(header), rows=rows,  # type: ignore[arg-type]  # (line, cells) pairs are _Rows
                            source=source, dry_run=dry_run, create_categories=create_categories, base=None,
                            progress=progress, extra_categories=[], kept_barcodes=kept_barcodes, outcomes=True)


def _keep_image_files(session: Session, groups: list[_Group], *, source: str, dry_run: bool) -> None:
    """Local image files named by the rows are copied into the media folder (a dry run only names them)."""
    kept: dict[str, str] = {}
    for group in groups:
        images = group.fields.get("images")
        if not images:
            continue
        for location in images:
            if location not in kept:
                try:
                    kept[location] = shop.keep_files(session, [location], copy=not dry_run)[0]
                except InvalidInput as exc:
                    raise ImportRefused(source, [ImportProblem(line=group.line, column="images",
                                                               reason=str(exc))]) from None
        group.fields["images"] = list(dict.fromkeys(kept[location] for location in images))


def _import_rows(*, session: Session, actor: Actor, header: list[str], rows: list[_Row], source: str, dry_run: bool,
                 create_categories: bool, base: Path | None, progress: Progress | None, extra_categories: list[str],
                 kept_barcodes: list[KeptBarcode] | None = None, outcomes: bool = False,
                 ) -> tuple[ImportReport, list[ProductOutcome]]:
    groups, wanted_categories, _, errors = _validate_rows(session, header, rows, base=base,
                                                          create_categories=create_categories,
                                                          extra_categories=extra_categories, progress=progress,
                                                          kept_barcodes=kept_barcodes)
    if errors.problems:
        raise ImportRefused(source, sorted(errors.problems, key=lambda p: p.line))
    _keep_image_files(session, groups, source=source, dry_run=dry_run)
    existing, options = _check_against_store(session, groups, errors)
    _check_groups(session, groups, existing, options, errors)
    if errors.problems:
        raise ImportRefused(source, sorted(errors.problems, key=lambda p: p.line))
    new_groups = [g for g in groups if g.product_id is None]
    in_store = sum(1 for g in groups for v in g.variants if v["sku"] in existing) if existing else 0
    variant_changes = _variant_changes(groups, existing) if existing else {}
    changed_products = _changed_products(session, groups, existing, variant_changes) if existing else set()
    report = ImportReport(
        rows=len(rows), products_created=len(new_groups), products_updated=len(changed_products),
        products_unchanged=len(groups) - len(new_groups) - len(changed_products),
        variants_created=sum(len(g.variants) for g in groups) - in_store, variants_updated=len(variant_changes),
        variants_unchanged=in_store - len(variant_changes),
        categories_created=_new_category_paths(session, wanted_categories), dry_run=dry_run,
    )
    done = [ProductOutcome(line=g.line, sku=g.variants[0]["sku"], title=g.fields.get("title", ""),
                           action="created" if g.product_id is None else
                           "updated" if g.product_id in changed_products else "unchanged")
            for g in groups] if outcomes else []
    if dry_run:
        return report, done
    with tuning.page_cache_for(session.connection(), len(rows), threshold=DEFER_INDEXES_FROM):
        _write(session, actor, groups, existing, wanted_categories, report, source, progress, variant_changes,
               changed_products)
    return report, done


def _new_category_paths(session: Session, wanted: dict[str, int | None]) -> list[str]:
    """Every category an import will make: ``A > B`` with neither in the store is two."""
    if not wanted:
        return []
    known = {name.lower() for name in catalog_categories.category_paths(session=session).values()}
    made: list[str] = []
    for name in wanted:
        parts = name.split(" > ")
        for end in range(1, len(parts) + 1):
            path = " > ".join(parts[:end])
            if path.lower() not in known:
                known.add(path.lower())
                made.append(path)
    return made


def _variant_changes(groups: list[_Group], existing: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The values that differ from the store, by SKU, for the file's variants already in the store."""
    changes: dict[str, dict[str, Any]] = {}
    for g in groups:
        if g.product_id is None:
            continue
        for v in g.variants:
            old = existing.get(v["sku"])
            if old is None:
                continue
            changed = {k: v[k] for k in _VARIANT_VALUES if k in v and getattr(old, k) != v[k]}
            if changed:
                changes[v["sku"]] = changed
    return changes


def _changed_products(session: Session, groups: list[_Group], existing: dict[str, Any],
                      variant_changes: dict[str, dict[str, Any]]) -> set[int]:
    """The store's products an import changes: a product field, its tags or images, or a variant (new or changed)."""
    touched = {g.product_id: g for g in groups if g.product_id is not None}
    changed: set[int] = {existing[sku].product_id for sku in variant_changes}
    changed.update(pid for pid, g in touched.items() if any(v["sku"] not in existing for v in g.variants))
    todo = sorted(pid for pid in touched if pid not in changed)
    if not todo:
        return changed
    paths = {name.lower(): cid for cid, name in catalog_categories.category_paths(session=session).items()}
    for start in range(0, len(todo), 900):
        chunk = todo[start:start + 900]
        tags: dict[int, list[str]] = {}
        images: dict[int, list[str]] = {}
        if any("tags" in touched[pid].fields for pid in chunk):
            for pid, tag in session.exec(select(col(ProductTag.product_id), col(ProductTag.tag))
                                            .where(col(ProductTag.product_id).in_(chunk)).order_by(col(ProductTag.tag))):
                tags.setdefault(pid, []).append(tag)
        if any("images" in touched[pid].fields for pid in chunk):
            for pid, location in session.exec(select(col(ProductImage.product_id), col(ProductImage.location))
                                                 .where(col(ProductImage.product_id).in_(chunk))
                                                 .order_by(col(ProductImage.product_id), col(ProductImage.position))):
                images.setdefault(pid, []).append(location)
        for row in session.exec(select(Product).where(col(Product.id).in_(chunk))):
            product_id = id_of(row)
            f = touched[product_id].fields
            differs = any(name in f and getattr(row, name) != f[name] for name in _PRODUCT_FIELDS)
            if not differs and "category" in f:
                wanted = paths.get(f["category"].lower(), -1) if f["category"] else None
                differs = wanted != row.category_id
            if not differs and "tags" in f:
                differs = f["tags"] != tags.get(product_id, [])
            if not differs and "images" in f:
                differs = f["images"] != images.get(product_id, [])
            if differs:
                changed.add(product_id)
    return changed


_PRODUCT_FIELDS = ("title", "description", "status", "brand", "option1_name", "option2_name", "option3_name")


def _ensure_categories(session: Session, actor: Actor, wanted: dict[str, int | None]) -> dict[str, int]:
    for name in wanted:
        parent_id: int | None = None
        built: list[str] = []
        for part in name.split(" > "):
            built.append(part)
            full = " > ".join(built)
            lookup = {n.lower(): cid for cid, n in catalog_categories.category_paths(session=session).items()}
            if full.lower() in lookup:
                parent_id = lookup[full.lower()]
            else:
                parent_id = catalog_categories.create_category(session=session, actor=actor, name=part, parent_id=parent_id).id
    return {n.lower(): cid for cid, n in catalog_categories.category_paths(session=session).items()}


_PRODUCT_NAMES = ("title", "description", "status", "category_id", "brand", "option1_name", "option2_name",
                  "option3_name", "variant_count", "min_price_minor", "max_price_minor", "version", "created_at",
                  "updated_at")
_VARIANT_NAMES = ("product_id", "sku", "barcode", "option1", "option2", "option3", "position", "price_minor",
                  "compare_at_minor", "cost_minor", "weight_g", "track_stock", "created_at", "updated_at")
_VARIANT_VALUES = ("barcode", "option1", "option2", "option3", "price_minor", "compare_at_minor", "cost_minor",
                   "weight_g", "track_stock")


def _write(session: Session, actor: Actor, groups: list[_Group], existing: dict[str, Any],
           wanted_categories: dict[str, int | None], report: ImportReport, source: str, progress: Progress | None,
           variant_changes: dict[str, dict[str, Any]], changed_products: set[int]) -> None:
    now = clock.now()
    conn = session.connection()
    categories = _ensure_categories(session, actor, wanted_categories) if wanted_categories else {
        n.lower(): cid for cid, n in catalog_categories.category_paths(session=session).items()}
    new_groups = [g for g in groups if g.product_id is None]
    product_columns = _product_columns(new_groups, categories, now)
    product_table = table_of(Product)
    ids = id_pool.allocate(conn, product_table, len(new_groups))
    for g, new_id in zip(new_groups, ids, strict=True):
        g.product_id = new_id
    variant_rows: list[tuple[Any, ...]] = []
    updates: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    positions: dict[int, int] = {}
    products_in_store = {e.product_id for e in existing.values()}
    # no SKU of the file in the store: every variant is new, of a new product, so columns are built at once
    variant_columns = _new_variant_columns(groups, now) if not existing else None
    for g in groups if variant_columns is None else ():
        pid = g.product_id
        assert pid is not None
        position = positions.get(pid)
        for v in g.variants:
            old = existing.get(v["sku"])
            if old is None:
                if position is None:
                    last = session.exec(select(func.max(col(Variant.position))).where(
                        col(Variant.product_id) == pid)).one() if pid in products_in_store else None
                    position = 0 if last is None else last + 1
                get = v.get
                track = get("track_stock")
                price = get("price_minor")
                variant_rows.append((pid, v["sku"], get("barcode"), get("option1"), get("option2"), get("option3"),
                                     position, 0 if price is None else price, get("compare_at_minor"),
                                     get("cost_minor"), get("weight_g"), True if track is None else track, now, now))
                position += 1
            else:
                changed = dict(variant_changes.get(v["sku"], {}))
                if changed:
                    shop.record(session=session, actor=actor, action="variant.update", entity="variant",
                                 entity_id=old.sku, summary=f"import {source}: updated variant {old.sku}",
                                 before={k: getattr(old, k) for k in changed}, after=changed)
                    changed.update(b_id=old.id, updated_at=now)
                    updates.setdefault(tuple(sorted(changed)), []).append(changed)
        if position is not None:
            positions[pid] = position
    for keys, batch in updates.items():
        statement = update(Variant).where(col(Variant.id) == bindparam("b_id")).values(
            {k: bindparam(k) for k in keys if k != "b_id"})
        conn.execute(statement, batch)
    if variant_columns is None:
        variant_columns = [list(column) for column in zip(*variant_rows, strict=True)] if variant_rows else []
    variant_count = len(variant_columns[0]) if variant_columns else 0
    tag_rows = [(g.product_id, t) for g in new_groups for t in g.fields.get("tags", ())]
    image_rows = [(g.product_id, i, loc) for g in new_groups for i, loc in enumerate(g.fields.get("images", ()))]
    work = [("product", len(new_groups)), ("variant", variant_count), ("product_tag", len(tag_rows))]
    with bulk.indexes_deferred(conn, work, threshold=DEFER_INDEXES_FROM):
        if new_groups:
            bulk.insert_columns(conn, product_table, ("id", *_PRODUCT_NAMES), [list(ids), *product_columns])
        if progress and len(new_groups) >= 10_000:
            progress(f"wrote {len(new_groups):,} products")
        if variant_count:
            bulk.insert_columns(conn, table_of(Variant), _VARIANT_NAMES, variant_columns)
        if progress and variant_count >= 10_000:
            progress(f"wrote {variant_count:,} variants")
        bulk.insert_rows(conn, table_of(ProductTag), ("product_id", "tag"), tag_rows)
        bulk.insert_rows(conn, table_of(ProductImage), ("product_id", "position", "location"), image_rows)
    if new_groups:
        store_search.insert_lines(session=session, lines=search.search_rows(_search_inputs(new_groups)))
    created = {id(g) for g in new_groups}
    # products of the file that nothing changes are left alone: no write, no audit entry, version kept
    updated = [g for g in groups if g.product_id is not None and id(g) not in created and g.product_id in changed_products]
    _update_products(session, actor, updated, categories, now, source)
    if updated:
        catalog_products.refresh_products(session=session, product_ids=[g.product_id for g in updated])  # type: ignore[misc]  # updated holds saved groups only (product_id set)
    # created products are audited by this one entry (with their id range); updates each have their own
    after = report.model_dump()
    if new_groups:
        after["created_product_ids"] = [new_groups[0].product_id, new_groups[-1].product_id]
        after["created_skus_sample"] = [v["sku"] for g in new_groups[:20] for v in g.variants][:20]
    shop.record(session=session, actor=actor, action="product.import", entity="product", entity_id=None,
                 summary=f"imported {source}: {report.summary}", after=after)
    session.flush()


def _new_variant_columns(groups: list[_Group], now: Any) -> list[list[Any]]:
    """The variants of new products column by column, in ``_VARIANT_NAMES`` order (what the row by row
    loop of ``_write`` builds for them): a variant holds a key exactly when the file has its column."""
    variants = [v for g in groups for v in g.variants]
    count = len(variants)
    if not count:
        return []
    if all(len(g.variants) == 1 for g in groups):
        product_ids: list[Any] = [g.product_id for g in groups]
        positions: list[Any] = [0] * count
    else:
        product_ids = [g.product_id for g in groups for _ in g.variants]
        positions = [i for g in groups for i in range(len(g.variants))]

    stamps = [now] * count
    return [product_ids, _pluck(variants, "sku"), _pluck(variants, "barcode"), _pluck(variants, "option1"),
            _pluck(variants, "option2"), _pluck(variants, "option3"), positions, _pluck(variants, "price_minor", 0),
            _pluck(variants, "compare_at_minor"), _pluck(variants, "cost_minor"), _pluck(variants, "weight_g"),
            _pluck(variants, "track_stock", True), stamps, stamps]


def _search_inputs(groups: list[_Group]) -> Iterator[tuple[int, str, str | None, list[str], Sequence[str],
                                                           Sequence[str | None]]]:
    """What ``catalog.search_rows`` needs of each new product: id, title, brand, tags, SKUs, barcodes."""
    for g in groups:
        f = g.fields
        variants = g.variants
        if len(variants) == 1:
            only = variants[0]
            skus: Sequence[str] = (only["sku"],)
            barcodes: Sequence[str | None] = (only.get("barcode"),)
        else:
            skus = [v["sku"] for v in variants]
            barcodes = [v.get("barcode") for v in variants]
        yield g.product_id, f["title"], f.get("brand"), f.get("tags", ()), skus, barcodes  # type: ignore[misc]  # the row tuple's types differ per branch; both fit the search row


def _pluck(dicts: list[dict[str, Any]], key: str, default: Any = None) -> list[Any]:
    """``[d.get(key, default) for d in dicts]``, with None read as ``default`` too, at C speed for the
    usual case: the import's rows hold a key exactly when the file has its column."""
    if not dicts:
        return []
    if key not in dicts[0] and not any(map(contains, dicts, repeat(key))):
        return [default] * len(dicts)
    try:
        values = list(map(itemgetter(key), dicts))
    except KeyError:  # not on every row (never expected)
        values = [d.get(key) for d in dicts]
    if default is not None and None in values:
        values = [default if value is None else value for value in values]
    return values


def _product_columns(groups: list[_Group], categories: dict[str, int], now: Any) -> list[list[Any]]:
    """The new products' values column by column, in ``_PRODUCT_NAMES`` order."""
    fields = [g.fields for g in groups]
    counts = [len(g.variants) for g in groups]
    if all(n == 1 for n in counts):
        low = high = [price or 0 for price in _pluck([g.variants[0] for g in groups], "price_minor")]
    else:
        low, high = [], []
        for g in groups:
            prices = [v.get("price_minor") or 0 for v in g.variants]
            low.append(min(prices))
            high.append(max(prices))
    named = _pluck(fields, "category")
    category_ids = [categories[c.lower()] if c else None for c in named] if any(named) else named
    stamps = [now] * len(groups)
    return [_pluck(fields, "title"), _pluck(fields, "description", ""), _pluck(fields, "status", "draft"), category_ids,
            _pluck(fields, "brand"), _pluck(fields, "option1_name"), _pluck(fields, "option2_name"),
            _pluck(fields, "option3_name"), counts, low, high, [1] * len(groups), stamps, stamps]


def _update_products(session: Session, actor: Actor, groups: list[_Group], categories: dict[str, int], now: Any,
                     source: str) -> None:
    for g in groups:
        assert g.product_id is not None
        row = session.get(Product, g.product_id)
        assert row is not None
        tags, images = catalog_products.tags_and_images(session, g.product_id)
        before = catalog_products.product_snapshot(row, tags, images)
        f = g.fields
        for name in _PRODUCT_FIELDS:
            if name in f:
                setattr(row, name, f[name])
        if "category" in f:
            row.category_id = categories[f["category"].lower()] if f["category"] else None
        if "tags" in f and f["tags"] != tags:
            catalog_products.set_tags(session, g.product_id, f["tags"])
        if "images" in f and f["images"] != images:
            catalog_products.set_images(session, g.product_id, f["images"])
        after = catalog_products.product_snapshot(row, f.get("tags", tags), f.get("images", images))
        row.version += 1
        row.updated_at = now
        if after != before:
            shop.record(session=session, actor=actor, action="product.update", entity="product", entity_id=g.product_id,
                         summary=f"import {source}: updated product {row.title}", before=before, after=after)
    session.flush()


# ---------------------------------------------------------------- export


def _export_products(session: Session) -> Iterator[tuple[Any, list[Any], list[str], list[str]]]:
    """Products by id with their variants, tags and images, a thousand at a time."""
    last = 0
    while True:
        products = list(session.exec(select(Product).where(col(Product.id) > last).order_by(col(Product.id)).limit(1000)))
        if not products:
            return
        ids = [id_of(p) for p in products]
        variants: dict[int, list[Any]] = {}
        for v in session.exec(select(Variant).where(col(Variant.product_id).in_(ids)).order_by(col(Variant.product_id), col(Variant.position), col(Variant.id))):
            variants.setdefault(v.product_id, []).append(v)
        tags: dict[int, list[str]] = {}
        for pid, tag in session.exec(select(col(ProductTag.product_id), col(ProductTag.tag)).where(col(ProductTag.product_id).in_(ids)).order_by(col(ProductTag.tag))):
            tags.setdefault(pid, []).append(tag)
        images: dict[int, list[str]] = {}
        for pid, loc in session.exec(select(col(ProductImage.product_id), col(ProductImage.location)).where(col(ProductImage.product_id).in_(ids)).order_by(col(ProductImage.position))):
            images.setdefault(pid, []).append(loc)
        for p, pid in zip(products, ids, strict=True):
            yield p, variants.get(pid, []), tags.get(pid, []), images.get(pid, [])
        last = ids[-1]
        session.expunge_all()


def export_catalog(*, session: Session, fmt: str = "csv") -> str:
    """The whole catalogue as CSV (one row per variant) or JSON (with the category tree)."""
    if fmt not in ("csv", "json"):
        raise InvalidInput(f"The format {fmt!r} is not csv or json.")
    money = shop.currency(session=session)
    names = catalog_categories.category_paths(session=session)

    def amount(value: int | None) -> str:
        return "" if value is None else money.format(value)

    if fmt == "json":
        products = []
        for p, variants, tags, images in _export_products(session):
            products.append({
                "title": p.title, "status": p.status, "category": names.get(p.category_id) if p.category_id else None,
                "brand": p.brand, "tags": tags, "description": p.description, "images": images,
                "options": [n for n in (p.option1_name, p.option2_name, p.option3_name) if n],
                "variants": [{"sku": v.sku, "barcode": v.barcode,
                              "options": [o for o in (v.option1, v.option2, v.option3) if o is not None],
                              "price": amount(v.price_minor), "compare_at_price": amount(v.compare_at_minor) or None,
                              "cost": amount(v.cost_minor) or None, "weight_g": v.weight_g, "track_stock": v.track_stock}
                             for v in variants]})
        tree = [c.full_name for c in catalog_categories.list_categories(session=session)]
        return json.dumps({"format": JSON_FORMAT, "version": 1, "currency": money.code, "categories": tree,
                           "products": products}, ensure_ascii=False, indent=1) + "\n"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(shop.row(COLUMNS))
    for p, variants, tags, images in _export_products(session):
        for index, v in enumerate(variants):
            first = index == 0
            writer.writerow(shop.row([
                variants[0].sku, v.sku, p.title if first else "", p.status if first else "",
                (names.get(p.category_id, "") if p.category_id else "") if first else "",
                (p.brand or "") if first else "", ", ".join(tags) if first else "", p.description if first else "",
                (p.option1_name or "") if first else "", v.option1 or "", (p.option2_name or "") if first else "",
                v.option2 or "", (p.option3_name or "") if first else "", v.option3 or "",
                amount(v.price_minor), amount(v.compare_at_minor), amount(v.cost_minor), v.barcode or "",
                "" if v.weight_g is None else str(v.weight_g), "yes" if v.track_stock else "no", " | ".join(images) if first else "",
            ]))
    return out.getvalue()


# ---------------------------------------------------------------- demo catalogue


def demo_file() -> Path:
    """The demo catalogue shipped with shoptui (``shoptui/data/demo/catalog.json``)."""
    path = DEMO_DIR / "catalog.json"
    if not path.exists():
        raise InvalidInput(f"The demo catalogue {path} is missing from this installation; reinstall shoptui.")
    return path


def load_demo(*, session: Session, actor: Actor) -> ImportReport:
    """Load the demo catalogue into a store without products (refused otherwise)."""
    count = catalog_products.count_products(session=session)
    if count:
        raise Conflict(f"The store already has {count} products, so the demo catalogue was not loaded. "
                       "Use an empty store (--db new.db) to try the demo.")
    path = demo_file()
    return import_catalog(session=session, actor=actor, content=path.read_bytes(), source="demo catalogue",
                          fmt="json", base=path.parent)
