"""Moving in: order history from a Shopify or WooCommerce orders export, with a built-in mapping.

The mappings are package data (``shoptui/data/mappings/<format>_orders.toml``), in the mapping language
of ``orders.importing`` (the same import runs them); ``builtin_mapping_text`` gives one as a file to start
a custom mapping from. Around the import this adds what a foreign file needs checked or said:

- the orders must be in the store's currency (the export's currency column); another currency is refused
  with the lines that have it, since no amount is converted;
- the summary says what was converted (each status word of the file and the status it became) and which
  columns of the file were not read (dropped).
"""

from __future__ import annotations

import csv
import io
import unicodedata
from importlib import resources

from sqlmodel import Session

from shoptui.config import Actor
from shoptui.errors import InvalidInput
from shoptui.services.orders.importing import (
    Mapping,
    OrderImportRefused,
    OrderImportReport,
    Progress,
    import_orders,
    parse_mapping,
)
from shoptui.services.shop import currency, require
from shoptui.wording import plural

ORDER_FORMATS = ("shopify", "woocommerce")
# the column holding each order's currency (not a field of the mapping language: nothing is converted)
_CURRENCY_COLUMN = {"shopify": "Currency", "woocommerce": "order_currency"}


class ForeignOrderImportReport(OrderImportReport):
    """An order import from another system's export: the import's report, plus what was converted and dropped."""

    format: str
    converted: list[str]
    dropped: list[str]

    @property
    def summary(self) -> str:
        """One paragraph for people."""
        text = super().summary
        if self.converted:
            text += " Converted: " + "; ".join(self.converted) + "."
        if self.dropped:
            text += " Dropped: " + "; ".join(self.dropped) + "."
        return text


def _format(fmt: str) -> str:
    value = (fmt or "").strip().lower()
    if value not in ORDER_FORMATS:
        raise InvalidInput(f"The format {fmt!r} is not one of {', '.join(ORDER_FORMATS)}.", field="format")
    return value


def builtin_mapping_text(fmt: str) -> str:
    """The built-in mapping for ``fmt`` (shopify, woocommerce) as TOML text, comments and all."""
    name = f"{_format(fmt)}_orders.toml"
    return resources.files("shoptui").joinpath("data", "mappings", name).read_text(encoding="utf-8")


def builtin_mapping(fmt: str) -> Mapping:
    """The built-in mapping for ``fmt``, parsed."""
    return parse_mapping(builtin_mapping_text(fmt), f"{_format(fmt)} (built-in)")


def _header_and_rows(content: bytes, source: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{source} is not UTF-8 text (byte {exc.start}); save it as CSV UTF-8 and try "
                           "again.") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [unicodedata.normalize("NFC", h).strip() for h in next(reader, [])]
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise InvalidInput(f"{source} line {reader.line_num} is not readable CSV ({exc}).") from None
    return header, rows


def import_foreign_orders(*, session: Session, actor: Actor, content: bytes, fmt: str, source: str = "file",
                          dry_run: bool = False, create_missing: bool = False, affect_stock: bool = False,
                          progress: Progress | None = None) -> ForeignOrderImportReport:
    """Import a Shopify or WooCommerce orders export with the built-in mapping; all or nothing.

    Raises OrderImportRefused listing bad lines (orders in another currency among them); nothing is written then.
    """
    require(session=session, actor=actor, permission="data.import")  # refused before any work
    fmt = _format(fmt)
    mapping = builtin_mapping(fmt)
    header, rows = _header_and_rows(content, source)
    money = currency(session=session)
    column = _CURRENCY_COLUMN[fmt]
    if column in header:
        at = header.index(column)
        foreign = [f"line {line}: the order is in {row[at].strip()}, the store sells in {money.code}; amounts are "
                   "not converted, so import it into a store of that currency."
                   for line, row in rows if at < len(row) and row[at].strip() and row[at].strip().upper() != money.code]
        if foreign:
            raise OrderImportRefused(source, foreign)
    report = import_orders(session=session, actor=actor, content=content, mapping=mapping, source=source,
                           dry_run=dry_run, create_missing=create_missing, affect_stock=affect_stock, progress=progress)
    return ForeignOrderImportReport(**report.model_dump(), format=fmt, converted=_converted(mapping, header, rows),
                                    dropped=_dropped(mapping, header))


def _converted(mapping: Mapping, header: list[str], rows: list[tuple[int, list[str]]]) -> list[str]:
    """Each status the file's words became, with how many orders had it (the first row of an order names it)."""
    status_column = mapping.columns.get("status", "")
    parts = mapping.combined.get(status_column, [status_column])
    if not all(p in header for p in parts):
        return []
    indexes = [header.index(p) for p in parts]
    ref_at = header.index(mapping.columns["order_ref"]) if mapping.columns["order_ref"] in header else None
    words: dict[str, str] = {}  # order -> its status word (the first row that names one)
    for line, row in rows:
        word = " ".join(row[i].strip() for i in indexes if i < len(row) and row[i].strip()).lower()
        ref = row[ref_at].strip() if ref_at is not None and ref_at < len(row) else str(line)
        if word:
            words.setdefault(ref, word)
    counts: dict[str, int] = {}
    for word in words.values():
        counts[word] = counts.get(word, 0) + 1
    what = " + ".join(parts)
    return [f"{what} {word!r} to {mapping.status_map.get(word, word)} ({plural(n, 'order')})"
            for word, n in sorted(counts.items())]


def _dropped(mapping: Mapping, header: list[str]) -> list[str]:
    used = {c for name in mapping.columns.values() for c in mapping.combined.get(name, [name])}
    unread = [h for h in header if h and h not in used]
    return [f"the columns {', '.join(unread)} (not read)"] if unread else []
