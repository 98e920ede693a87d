"""What the readers of other systems' product exports share: the rows they hand to the catalogue
import (shoptui's own columns), what they skipped, converted and dropped, and the small cell rules."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from operator import itemgetter

from pydantic import BaseModel

from shoptui.services import catalog

# the catalogue import's columns, in the order the readers fill them
HEADER = ("product_sku", "sku", "title", "status", "category", "brand", "tags", "description", "option1_name", "option1",
          "option2_name", "option2", "option3_name", "option3", "price", "compare_at_price", "cost", "barcode",
          "weight_g", "track_stock", "images")
COLUMN = {name: index for index, name in enumerate(HEADER)}
MAX_IMAGES = 20
MAX_WEIGHT_G = 10_000_000
GRAMS_PER = {"g": Decimal(1), "kg": Decimal(1000), "lb": Decimal("453.59237"), "lbs": Decimal("453.59237"),
             "oz": Decimal("28.349523125")}


class Skipped(BaseModel):
    """A product (or row) of the export that is not imported, and why."""

    line: int
    ref: str  # the handle, ID or SKU that names it in the export
    reason: str


@dataclass
class ForeignRows:
    """An export read: catalogue rows (line in the file, cells in ``HEADER`` order) and what the reading did."""

    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    file_rows: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    converted: Counter[str] = field(default_factory=Counter)
    dropped: Counter[str] = field(default_factory=Counter)
    quantities: dict[str, int] = field(default_factory=dict)  # opening stock by SKU (variants that track stock)
    categories: dict[str, int] = field(default_factory=dict)  # category path -> first line naming it
    remote_images: int = 0
    problems: list[catalog.ImportProblem] = field(default_factory=list)

    def problem(self, line: int, column: str | None, reason: str) -> None:
        self.problems.append(catalog.ImportProblem(line=line, column=column, reason=reason))


def blank_row() -> list[str]:
    return [""] * len(HEADER)


class Cells:
    """``get(cells, "variant sku")``: a row's cell by lower-case column name, stripped; "" without that column."""

    def __init__(self, header: list[str]) -> None:
        self.index: dict[str, int] = {}
        for i, name in enumerate(header):
            self.index.setdefault(name.strip().lower(), i)

    def __call__(self, cells: list[str], name: str) -> str:
        i = self.index.get(name)
        return cells[i].strip() if i is not None else ""

    def picker(self, names: Sequence[str]) -> Callable[[list[str]], tuple[str, ...]]:
        """``pick(cells)``: the cells of ``names`` at once, stripped ("" for a column the file lacks)."""
        width = max(self.index.values(), default=-1) + 1
        indexes = [self.index.get(name, width) for name in names]
        take = itemgetter(*indexes)
        strip = str.strip
        if width in indexes:
            return lambda cells: tuple(map(strip, take([*cells, ""])))
        return lambda cells: tuple(map(strip, take(cells)))


def missing_columns(header: list[str], required: Iterable[str]) -> list[catalog.ImportProblem]:
    """The required columns (lower-case names) the header lacks, each a problem on line 1."""
    names = {h.strip().lower() for h in header}
    return [catalog.ImportProblem(line=1, column=name, reason="required column is missing; is this the right export?")
            for name in required if name not in names]


def count_dropped(rows: ForeignRows, header: list[str], table: Sequence[tuple[int, list[str]]], used: set[str]) -> None:
    """Count the filled cells of every column the reader does not use (``dropped``: column -> cells)."""
    lists = [cells for _, cells in table]
    for i, name in enumerate(header):
        if name.strip().lower() in used:
            continue
        filled = sum(1 for cell in filter(None, map(itemgetter(i), lists)) if cell.strip())
        if filled:
            rows.dropped[f"column {name.strip()}"] += filled


def image_urls(rows: ForeignRows, line: int, urls: Iterable[str]) -> str:
    """The ``images`` cell: http(s) URLs kept (as remote references), in order, repeats and extras dropped."""
    kept: list[str] = []
    for raw in urls:
        url = raw.strip()
        if not url or url in kept:
            continue
        if not url.startswith(("http://", "https://")) or not url.split("/", 3)[2] or len(url) > 1000 or "|" in url \
                or " " in url:
            rows.dropped["image locations that are not http(s) URLs"] += 1
            continue
        if len(kept) == MAX_IMAGES:
            rows.dropped[f"images beyond {MAX_IMAGES} of a product"] += 1
            continue
        kept.append(url)
    rows.remote_images += len(kept)
    return " | ".join(kept)


def weight_grams(rows: ForeignRows, line: int, column: str, raw: str, unit: str) -> str:
    """A weight cell in ``unit`` as whole grams (the ``weight_g`` cell), counted under converted."""
    text = raw.strip()
    if not text:
        return ""
    factor = GRAMS_PER.get(unit.strip().lower())
    if factor is None:
        rows.problem(line, column, f"the weight unit {unit!r} is not g, kg, lb or oz")
        return ""
    try:
        value = Decimal(text.replace(",", ".") if text.count(",") == 1 and "." not in text else text)
    except InvalidOperation:
        rows.problem(line, column, f"the weight {text!r} is not a number")
        return ""
    if not value.is_finite() or value < 0:
        rows.problem(line, column, f"the weight {text!r} cannot be negative")
        return ""
    grams = int((value * factor).to_integral_value())
    if grams > MAX_WEIGHT_G:
        rows.problem(line, column, f"the weight {text} {unit} is more than 10 tonnes")
        return ""
    if unit.strip().lower() != "g":
        rows.converted[f"weights from {unit.strip().lower()} to grams"] += 1
    elif value != grams:
        rows.converted["weights rounded to whole grams"] += 1
    return str(grams)


def quantity(rows: ForeignRows, line: int, column: str, raw: str) -> int | None:
    """A stock quantity cell (whole units, may be negative in an export); None when empty."""
    text = raw.strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        rows.problem(line, column, f"the quantity {text!r} is not a whole number")
        return None


def generated_sku(stem: str, values: Iterable[str | None]) -> str:
    """A SKU for a variant the export left without one: the stem (handle, ID), then its option values."""
    parts = [catalog.sku_part(v) for v in values if v]
    base = "-".join(stem.split())[:64]
    if not parts:
        return base
    suffix = "-" + "-".join(parts)
    return base[: 64 - len(suffix)] + suffix
