"""One way to hand a report over: a JSON value, a CSV file, a real spreadsheet. Every report reuses these.

A report describes itself as :class:`Table` s (named columns of a kind, rows as dicts, an optional
total row). Money is int minor units inside the program; JSON and CSV carry it as exact decimal strings
("12.50"), a spreadsheet as a number formatted with the currency's digits. Percentages are basis points
inside; JSON/CSV carry "12.34" (percent), a spreadsheet a number formatted as a percentage.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from shoptui.errors import InvalidInput
from shoptui.money import format_money

Kind = Literal["text", "int", "money", "percent"]


@dataclass(frozen=True)
class Column:
    """One column: its key (JSON/CSV header), its title (spreadsheet header) and the kind of its values."""

    key: str
    title: str
    kind: Kind = "text"


@dataclass(frozen=True)
class Table:
    """A named table of a report: rows are dicts by column key (missing keys are blank)."""

    name: str
    columns: tuple[Column, ...]
    rows: Sequence[Mapping[str, Any]]
    total: Mapping[str, Any] | None = None
    notes: tuple[str, ...] = field(default=())


def percent_text(bp: int | None) -> str | None:
    """Basis points as a percent with two decimals: 1234 -> "12.34"; None stays None."""
    return None if bp is None else format_money(bp, 2)


def _plain(value: Any, kind: Kind, digits: int) -> Any:
    """A value for JSON: money and percentages as exact decimal strings."""
    if value is None:
        return None
    if kind == "money":
        return format_money(int(value), digits)
    if kind == "percent":
        return percent_text(int(value))
    return value


def row_json(columns: Iterable[Column], row: Mapping[str, Any], digits: int) -> dict[str, Any]:
    """One row as a JSON object (only the keys the row has)."""
    return {c.key: _plain(row[c.key], c.kind, digits) for c in columns if c.key in row}


def table_json(table: Table, digits: int) -> dict[str, Any]:
    """``{"rows": [...], "total": {...}}`` for a table (total only when the table has one)."""
    out: dict[str, Any] = {"rows": [row_json(table.columns, r, digits) for r in table.rows]}
    if table.total is not None:
        out["total"] = row_json(table.columns, table.total, digits)
    return out


def _writable(path: Path | str, suffix: str) -> Path:
    target = Path(path)
    if target.exists() and target.is_dir():
        raise InvalidInput(f"{target} is a folder; give a file name ending in {suffix}.")
    if not target.parent.exists():
        raise InvalidInput(f"The folder {target.parent} does not exist; create it or give another file name.")
    return target


def write_csv(path: Path | str, tables: Sequence[Table], digits: int) -> Path:
    """The tables into one CSV file (UTF-8 with BOM so spreadsheets read Chinese), one after another with a
    blank line between; each starts with its header row and ends with its total row (key "total")."""
    from shoptui.services.shop import row as safe_row

    target = _writable(path, ".csv")
    with target.open("w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle)
        for index, table in enumerate(tables):
            if index:
                out.writerow([])
            out.writerow([c.key for c in table.columns])
            rows = [*table.rows, *([table.total] if table.total is not None else [])]
            for r in rows:
                out.writerow(
                    safe_row(
                        "" if r.get(c.key) is None else _plain(r.get(c.key), c.kind, digits) for c in table.columns
                    )
                )
    return target


def _number_format(kind: Kind, digits: int) -> str | None:
    if kind == "money":
        return "#,##0" + ("." + "0" * digits if digits else "")
    if kind == "percent":
        return "0.00%"
    if kind == "int":
        return "#,##0"
    return None


def _xlsx_value(value: Any, kind: Kind, digits: int) -> Any:
    if value is None:
        return None
    if kind == "money":
        return Decimal(int(value)).scaleb(-digits)
    if kind == "percent":
        return Decimal(int(value)).scaleb(-4)
    if kind == "int":
        return int(value)
    text = str(value)
    return "'" + text if text.startswith("=") else text  # never a formula


def write_xlsx(path: Path | str, tables: Sequence[Table], digits: int) -> Path:
    """The tables into a spreadsheet, one sheet each: a bold header, numbers as numbers (money formatted
    with the currency's digits, percentages as percentages), the total row last and bold."""
    from openpyxl import Workbook  # type: ignore[import-untyped]  # openpyxl ships no type hints
    from openpyxl.styles import Font  # type: ignore[import-untyped]

    target = _writable(path, ".xlsx")
    book = Workbook()
    if book.active is not None:
        book.remove(book.active)
    bold = Font(bold=True)
    used: set[str] = set()
    for table in tables:
        title = _sheet_title(table.name, used)
        sheet = book.create_sheet(title)
        sheet.append([c.title for c in table.columns])
        for c in sheet[1]:
            c.font = bold
        rows = [*table.rows, *([table.total] if table.total is not None else [])]
        for r in rows:
            sheet.append([_xlsx_value(r.get(c.key), c.kind, digits) for c in table.columns])
        formats = [_number_format(c.kind, digits) for c in table.columns]
        for line in sheet.iter_rows(min_row=2):
            for c, fmt in zip(line, formats, strict=True):
                if fmt is not None:
                    c.number_format = fmt
        if table.total is not None and rows:
            for c in sheet[sheet.max_row]:
                c.font = bold
        for index, column in enumerate(table.columns, start=1):
            width = max([len(column.title), *(len(str(r.get(column.key) or "")) for r in rows[:200])]) + 2
            sheet.column_dimensions[_letter(index)].width = min(max(width, 8), 50)
        sheet.freeze_panes = "A2"
        for note in table.notes:
            sheet.append([])
            sheet.append([note])
    if not tables:
        book.create_sheet("report")
    book.save(target)
    return target


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

    return str(get_column_letter(index))


def _sheet_title(name: str, used: set[str]) -> str:
    base = "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:31] or "report"
    title, n = base, 2
    while title.lower() in used:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(title.lower())
    return title
