"""Import of order history from a CSV (``shoptui order import FILE.csv --mapping MAP.toml``).

The mapping (TOML) names, for each of our fields, the CSV column that holds it::

    [columns]
    order_ref = "Order ID"          # rows with the same order_ref form one order
    ordered_at = "Date"
    sku = "SKU"
    quantity = "Qty"
    unit_price = "Price"            # or line_total = "Amount"
    customer_phone = "Phone"        # a list of columns joins their cells: status = ["Paid", "Shipped"]
                                    # also: status, shipped_at, customer_ref, customer_name, customer_email,
                                    # country, region, province, city, postal_code, product_name, category,
                                    # discount_rate, channel
    [options]
    date_format = "%d/%m/%Y %H:%M"  # strptime format; default ISO 8601 (2024-03-01 or 2024-03-01T10:00)
    timezone = "Asia/Shanghai"      # for times without an offset; default the store's
    default_status = "completed"    # completed, delivered, shipped, paid, unpaid, cancelled
    payment_method = "bank_transfer"  # how paid history orders are recorded as paid

    [status_map]                    # optional: the file's words for statuses
    "已完成" = "completed"

Rules: order-level fields (dates, status, customer, address, channel) must agree on every row of
one order (an empty cell means "as above"); unknown SKUs and customers are created with
``create_missing`` and refused (listed) otherwise; amounts with more decimals than the currency
are rounded half up per line and counted; ``discount_rate`` is ``10%``, ``10`` or ``0.1`` (a
number up to 1 is a fraction). Orders already imported (same order_ref and channel, the orders'
external reference) are skipped, so importing a file twice creates nothing new. History moves
no stock unless ``affect_stock``. Every line is checked before anything is written, rows are
written with bulk Core inserts, totals come from ``services.pricing.engine``, and any bad row refuses
the whole file with line-numbered reasons (the first 50, and how many in all).

Memory (issue 13: at most 300 MB for any file): the file is read once, never held. A file of up to
``KEEP_LINES`` lines is checked line by line into a few numbers per line and per order (``_Kept``,
``_Orders``), then priced and written from them, each order as its last line goes by, a block of orders
per statement batch. A bigger file goes line by line into a scratch table of the transaction
(``store.scratch``): each order's span and whether its rows agree come from ``GROUP BY`` its reference
(only orders whose rows disagree are replayed in Python, for the same sentences), its times and plan go
to a second scratch table, numbers follow ``ROW_NUMBER()`` by time, and the write reads the lines back
by their order's last line, so what Python holds is a plan per customer and status and a block of rows;
it then lists the 50 problems of the lowest lines. It all happens in the caller's one transaction: a
refusal found while writing (the pricing refusing a line) raises, and the caller's rollback leaves the
store as it was. Unknown SKUs are created in one batch by ``catalog.create_products``. A plan (per
customer and status) keeps its cells only when they have problems; SQLite's page cache, which also
bounds the sorters that group, number and build the indexes again, is held at ``IMPORT_CACHE_BYTES``.

Speed (issue 6: 30,000 lines/s, ``python -m bench order_import``): cells that repeat (prices, rates,
names, phones, times) are parsed once; plain numeric date formats skip ``strptime`` (same result);
lookups are one query per few thousand keys; ids are assigned in Python and rows go to the driver
as tuples in a few ``executemany`` calls; counters and customer stats are set-based updates; one
audit entry sums the import up; cyclic GC is paused while the rows are built.
"""

from __future__ import annotations

import csv
import heapq
import io
import re
import tomllib
import unicodedata
from array import array
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Any, Protocol, TypeVar, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel
from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, exists, func, or_, update
from sqlalchemy import select as sql_select  # Core queries of any width (sqlmodel's select types up to four)
from sqlmodel import Session, col, select

from shoptui import clock
from shoptui.config import Actor
from shoptui.errors import InvalidInput
from shoptui.models._types import table_of
from shoptui.models.catalog import Product, Variant
from shoptui.models.customers import Customer, CustomerAddress
from shoptui.models.orders import CHANNELS, Order, OrderEvent, OrderLine, OrderPayment, OrderSequence
from shoptui.models.sales import CustomerImportRef
from shoptui.services import pricing as pricing_api
from shoptui.services import shop
from shoptui.services.members import further_contact_holders, member_tiers_of
from shoptui.services.orders import status as machine
from shoptui.services.orders.drafts import source_word
from shoptui.services.shop import country_code, store_region
from shoptui.store import bulk, scratch, tuning
from shoptui.store import ids as id_pool
from shoptui.store.rows import tuples
from shoptui.text import check_text
from shoptui.typed import number_text
from shoptui.wording import plural

ATTRIBUTION_FIELDS = ("source", "utm_source", "utm_medium", "utm_campaign")
"""Where a web order came from (a source word, UTM tags), kept on the order for ``report traffic``."""
FIELDS = ("order_ref", "ordered_at", "shipped_at", "status", "customer_ref", "customer_name", "customer_email",
          "customer_phone", "country", "region", "province", "city", "postal_code", "sku", "product_name",
          "category", "quantity", "unit_price", "line_total", "discount_rate", "channel", *ATTRIBUTION_FIELDS)
ORDER_FIELDS = ("ordered_at", "shipped_at", "status", "customer_ref", "customer_name", "customer_email",
                "customer_phone", "country", "region", "province", "city", "postal_code", "channel",
                *ATTRIBUTION_FIELDS)
REQUIRED = ("order_ref", "ordered_at", "sku", "quantity")
OPTIONS = ("date_format", "timezone", "default_status", "payment_method")
# imported status -> (status, payment status, fulfilment status)
STATUSES: dict[str, tuple[str, str, str]] = {
    "completed": ("completed", "paid", "delivered"),
    "delivered": ("completed", "paid", "delivered"),
    "shipped": ("open", "paid", "shipped"),
    "paid": ("open", "paid", "unfulfilled"),
    "unpaid": ("open", "unpaid", "unfulfilled"),
    "pending": ("open", "unpaid", "unfulfilled"),
    "cancelled": ("cancelled", "unpaid", "unfulfilled"),
    "canceled": ("cancelled", "unpaid", "unfulfilled"),
}
MAX_REPORTED = 50
MEMO_LIMIT = 200_000  # distinct texts a memo keeps before it starts again (bounded memory for any file)
KEEP_LINES = 400_000  # a file of up to this many lines is kept in memory (as numbers, 29 MB); a bigger one in scratch tables
IMPORT_CACHE_BYTES = 16 * 1024 * 1024  # SQLite page cache (and index sorter) of a big write: memory stays bounded
SCALE_CACHE_BYTES = 8 * 1024 * 1024  # the same for an import at scale, whose sorts (group, number, write) also use it
MAX_QUANTITY = 1_000_000
CHUNK = 5_000  # values per IN (...) lookup: well under SQLite's 32,766 and PostgreSQL's 65,535 parameters
Progress = Callable[[str], None]
_T_co = TypeVar("_T_co", covariant=True)
_NUMBER = re.compile(r"^(?P<whole>[0-9]{1,13})(?:\.(?P<frac>[0-9]{0,12}))?$")


# ---------------------------------------------------------------- mapping


class Mapping(BaseModel):
    """The mapping file: CSV column per field, and options."""

    columns: dict[str, str]
    date_format: str | None = None
    timezone: str | None = None
    default_status: str = "completed"
    payment_method: str = "bank_transfer"
    status_map: dict[str, str] = {}
    combined: dict[str, list[str]] = {}  # a column made of several (see ``combined_columns``) -> its parts


def combined_columns(columns: dict[str, Any], source: str) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """A field may name a list of columns, e.g. ``status = ["Financial Status", "Fulfillment Status"]`` or
    ``customer_name = ["first_name", "last_name"]``: its cell is their non-empty cells joined by one space
    (``"paid fulfilled"``, which ``[status_map]`` can then name). Returns the columns with each list replaced
    by the name of the column ``add_combined`` makes, and that name -> its parts."""
    plain: dict[str, Any] = {}
    combined: dict[str, list[str]] = {}
    for key, value in columns.items():
        if not isinstance(value, list):
            plain[key] = value
            continue
        parts = [str(v).strip() for v in value if isinstance(v, str) and v.strip()]
        if len(parts) != len(value) or len(parts) < 2:
            raise InvalidInput(f"In the mapping {source}, the list for {key} must name two or more CSV columns.")
        name = " + ".join(parts)
        plain[key], combined[name] = name, parts
    return plain, combined


def add_combined(content: bytes, combined: dict[str, list[str]], source: str) -> bytes:
    """The CSV with one more column per combined column (``combined_columns``), row for row and line for line."""
    if not combined:
        return content
    text = _decode(content, source)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text.split("\n", 1)[0]))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    try:
        header = [unicodedata.normalize("NFC", h).strip() for h in next(reader)]
    except (StopIteration, csv.Error):
        return content  # the import says what is wrong with it
    missing = [c for parts in combined.values() for c in parts if c not in header]
    if missing:
        raise InvalidInput(f"The mapping names the column {missing[0]!r}, but {source} has no such column. Its "
                           f"columns are: {', '.join(header)}.")
    where = [[header.index(c) for c in parts] for parts in combined.values()]
    writer.writerow([*header, *combined])
    try:
        for row in reader:
            extra = [" ".join(row[i].strip() for i in indexes if i < len(row) and row[i].strip()) for indexes in where]
            writer.writerow([*row, *([""] * (len(header) - len(row))), *extra] if "".join(row).strip() else row)
    except csv.Error:
        return content
    return out.getvalue().encode("utf-8")


def parse_mapping(text: str, source: str = "mapping") -> Mapping:
    """Read a mapping from TOML text; InvalidInput names what is wrong with it."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"The mapping {source} is not valid TOML ({exc}).") from None
    unknown_tables = sorted(set(doc) - {"columns", "options", "status_map"})
    if unknown_tables:
        raise InvalidInput(f"The mapping {source} has unknown sections: {', '.join(unknown_tables)}; use [columns], "
                           "[options] and [status_map].")
    columns = doc.get("columns")
    if not isinstance(columns, dict) or not columns:
        raise InvalidInput(f"The mapping {source} needs a [columns] section naming the CSV column of each field.")
    unknown = sorted(set(columns) - set(FIELDS))
    if unknown:
        raise InvalidInput(f"The mapping {source} names unknown fields: {', '.join(unknown)}. Known fields: "
                           f"{', '.join(FIELDS)}.")
    columns, combined = combined_columns(columns, source)
    for key, value in columns.items():
        if not isinstance(value, str) or not value.strip():
            raise InvalidInput(f"In the mapping {source}, {key} must name a CSV column (text), or a list of columns.")
    missing = [f for f in REQUIRED if f not in columns]
    if missing:
        raise InvalidInput(f"The mapping {source} has no column for {', '.join(missing)}; these are required.")
    if "unit_price" not in columns and "line_total" not in columns:
        raise InvalidInput(f"The mapping {source} needs a column for unit_price or line_total.")
    options = doc.get("options", {})
    if not isinstance(options, dict):
        raise InvalidInput(f"[options] in the mapping {source} must be a table.")
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise InvalidInput(f"The mapping {source} has unknown options: {', '.join(unknown)}. Known: {', '.join(OPTIONS)}.")
    status_map = {str(k).strip().lower(): str(v).strip().lower() for k, v in (doc.get("status_map") or {}).items()}
    for word, status in status_map.items():
        if status not in STATUSES:
            raise InvalidInput(f"The status_map of {source} maps {word!r} to {status!r}, which is not one of "
                               f"{', '.join(STATUSES)}.")
    default_status = str(options.get("default_status", "completed")).strip().lower()
    if default_status not in STATUSES:
        raise InvalidInput(f"The default_status {default_status!r} in {source} is not one of {', '.join(STATUSES)}.")
    zone = options.get("timezone")
    if zone is not None:
        try:
            ZoneInfo(str(zone))
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidInput(f"The timezone {zone!r} in {source} is not a time zone; use a name like "
                               "Asia/Shanghai.") from None
    method = str(options.get("payment_method", "bank_transfer")).strip().lower()
    from shoptui.services.orders.drafts import USER_METHODS

    if method not in USER_METHODS:
        raise InvalidInput(f"The payment_method {method!r} in {source} is not one of {', '.join(USER_METHODS)}.")
    date_format = options.get("date_format")
    if date_format is not None and (not isinstance(date_format, str) or "%" not in date_format):
        raise InvalidInput(f"The date_format in {source} must be a strptime format like \"%d/%m/%Y %H:%M\".")
    return Mapping(columns={k: v.strip() for k, v in columns.items()}, date_format=date_format,
                   timezone=None if zone is None else str(zone), default_status=default_status,
                   payment_method=method, status_map=status_map, combined=combined)


def read_mapping(path: Path) -> Mapping:
    """Read the mapping file; InvalidInput when it is missing or wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput(f"There is no mapping file {path}.") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"The mapping file {path} is not UTF-8 text.") from None
    except OSError as exc:
        raise InvalidInput(f"The mapping file {path} cannot be read ({exc.strerror}).") from None
    return parse_mapping(text, path.name)


# ---------------------------------------------------------------- report and problems


class OrderImportRefused(InvalidInput):
    """The file has bad rows; nothing was written. ``problems`` lists them with their lines."""

    def __init__(self, source: str, problems: list[str], total: int | None = None) -> None:
        self.problems = problems
        count = total if total is not None else len(problems)
        if count == 1:
            super().__init__(f"{source} {problems[0]} Nothing was imported.")
            return
        shown = "\n".join(f"  {p}" for p in problems[:MAX_REPORTED])
        more = f"\n  ... and {count - MAX_REPORTED} more" if count > MAX_REPORTED else ""
        super().__init__(f"{source}: {count} problems, nothing was imported. Fix them and import again:\n{shown}{more}")


class OrderImportReport(BaseModel):
    """What an import did (or, with dry_run, would do)."""

    source: str
    lines: int  # CSV data rows read
    orders_created: int
    orders_skipped: int  # already imported earlier
    order_lines: int
    total_minor: int
    customers_created: list[str]
    products_created: list[str]
    rounded_lines: int
    stock_moved: bool
    dry_run: bool
    first_number: str | None = None
    last_number: str | None = None

    @property
    def summary(self) -> str:
        """One paragraph for people."""
        verb = "Would import" if self.dry_run else "Imported"
        parts = [f"{verb} {plural(self.orders_created, 'order')} ({plural(self.order_lines, 'line')}) from "
                 f"{plural(self.lines, 'row')} of "
                 f"{self.source}"]
        if self.first_number:
            parts.append(f"numbered {self.first_number} to {self.last_number}")
        if self.orders_skipped:
            parts.append(f"{plural(self.orders_skipped, 'order')} already imported and skipped")
        if self.customers_created:
            parts.append(f"{'would create' if self.dry_run else 'created'} {plural(len(self.customers_created), 'customer')}")
        if self.products_created:
            parts.append(f"{'would create' if self.dry_run else 'created'} {plural(len(self.products_created), 'product')}")
        parts.append(f"{plural(self.rounded_lines, 'line')} had amounts rounded half up")
        parts.append("stock moved" if self.stock_moved else "stock untouched")
        return "; ".join(parts) + "."


# ---------------------------------------------------------------- reading rows


@dataclass(frozen=True)
class _Line(pricing_api.OfferLine):
    """A line of the file: the offer line the one assembler prices (``key`` is the SKU) and where it came from.

    Built once per line (by ``_new_line``) and handed to ``pricing.terms.assemble`` as it is, so an
    import of 300,000 lines does not build a second object per line to price it.
    """

    line: int = 0
    product_name: str = ""
    category: str = ""
    total_minor: int = 0


# a ``_Line`` (no offer has touched it yet), filled at once: a frozen dataclass's ``__init__`` sets each
# of its thirteen fields through ``object.__setattr__``, several times slower
_make_line = pricing_api.record_maker(_Line)


def _new_line(line: int, sku: str, product_name: str, category: str, quantity: int, unit_minor: int,
              discount_minor: int, total_minor: int) -> _Line:
    """The ``_Line`` of one row of the file."""
    return _make_line(sku, quantity, unit_minor, discount_minor, None, None, "", "", None, line, product_name, category,
                      total_minor)


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{source} is not UTF-8 text (byte {exc.start}); save it as CSV UTF-8 and try again.") from None


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


class _Amounts:
    """Decimal text -> minor units, rounded half up; counts what needed rounding."""

    def __init__(self, digits: int) -> None:
        self.digits = digits
        self.scale = 10**digits

    def parse(self, raw: str) -> tuple[int, bool]:
        try:
            text = number_text(raw.replace(" ", ""))
        except InvalidInput:
            raise ValueError("comma") from None
        for symbol in ("¥", "￥", "$", "€", "£"):
            text = text.removeprefix(symbol)
        if text.startswith("-"):
            raise ValueError("negative")
        match = _NUMBER.match(text)
        if not match:
            raise ValueError("not a number")
        frac = (match["frac"] or "").rstrip("0")
        whole = int(match["whole"])
        if len(frac) <= self.digits:
            return whole * self.scale + (int(frac.ljust(self.digits, "0")) if self.digits else 0), False
        denominator = 10 ** len(frac)
        numerator = (whole * denominator + int(frac)) * self.scale
        return pricing_api.round_half_up(numerator, denominator), True


def _rate_bp(raw: str) -> int:
    text = unicodedata.normalize("NFKC", raw).strip().replace(" ", "")
    percent = text.endswith("%")
    text = text.removesuffix("%")
    match = _NUMBER.match(text)
    if not match:
        raise ValueError("not a rate")
    frac = match["frac"] or ""
    denominator = 10 ** len(frac)
    numerator = int(match["whole"]) * denominator + (int(frac) if frac else 0)
    if not percent and numerator <= denominator:  # 0.1 is a fraction (10%)
        bp = pricing_api.round_half_up(numerator * 10_000, denominator)
    else:
        bp = pricing_api.round_half_up(numerator * 100, denominator)
    if bp > 10_000:
        raise ValueError("over 100%")
    return bp


# strptime's own patterns for the directives that history files use; any other format goes to strptime
_DIRECTIVES = {"Y": r"(?P<Y>\d\d\d\d)", "m": r"(?P<m>1[0-2]|0[1-9]|[1-9])",
               "d": r"(?P<d>3[0-1]|[1-2]\d|0[1-9]|[1-9]| [1-9])", "H": r"(?P<H>2[0-3]|[0-1]\d|\d)",
               "M": r"(?P<M>[0-5]\d|\d)", "S": r"(?P<S>6[0-1]|[0-5]\d|\d)"}


def _format_regex(fmt: str) -> re.Pattern[str] | None:
    """A regex equal to ``strptime(fmt)`` for formats made of %Y %m %d [%H %M %S] and literals, else None."""
    parts: list[str] = []
    used: set[str] = set()
    index = 0
    while index < len(fmt):
        char = fmt[index]
        if char == "%":
            if index + 1 >= len(fmt):
                return None
            letter = fmt[index + 1]
            if letter == "%":
                parts.append("%")
            elif letter in _DIRECTIVES and letter not in used:
                used.add(letter)
                parts.append(_DIRECTIVES[letter])
            else:
                return None
            index += 2
            continue
        if not char.isspace():
            parts.append(re.escape(char))
        elif not parts or parts[-1] != r"\s+":  # strptime: a run of white space matches any white space
            parts.append(r"\s+")
        index += 1
    if not {"Y", "m", "d"} <= used:
        return None
    return re.compile("".join(parts) + r"\Z", re.IGNORECASE)


def _time_parser(fmt: str | None, tz: Any, limit: int = MEMO_LIMIT) -> Callable[[str], datetime]:
    """Text -> aware UTC datetime as ``_parse_time`` does, with a fast path for plain numeric formats."""
    regex = _format_regex(fmt) if fmt else None
    cache: dict[str, datetime] = {}

    def parse(raw: str) -> datetime:
        try:
            return cache[raw]
        except KeyError:
            pass
        if len(cache) >= limit:  # most orders have times of their own: remembered for their other rows only
            cache.clear()
        found = regex.match(raw.strip()) if regex is not None else None
        if found is not None:
            got = found.groupdict()
            try:
                moment = datetime(int(got["Y"]), int(got["m"]), int(got["d"]), int(got.get("H") or 0),
                                  int(got.get("M") or 0), int(got.get("S") or 0))
            except ValueError:  # 31/02: strptime below says so in its own words
                moment = None
            if moment is not None:
                value = cache[raw] = clock.ensure_utc(moment.replace(tzinfo=tz))
                return value
        value = cache[raw] = _parse_time(raw, fmt, tz)  # strptime / ISO 8601, and its ValueError
        return value

    return parse


def _parse_time(raw: str, fmt: str | None, tz: Any) -> datetime:
    text = raw.strip()
    if fmt:
        moment = datetime.strptime(text, fmt)
    else:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            moment = datetime.combine(date.fromisoformat(text), datetime.min.time())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return clock.ensure_utc(moment)


class _Memo:
    """``fn`` remembered per input text (files repeat prices, rates, names and phones); errors are not kept.

    Hot loops read ``known.get(text)`` first (a C call) and call the memo only on a miss.
    """

    def __init__(self, fn: Callable[[str], Any]) -> None:
        self.fn = fn
        self.known: dict[str, Any] = {}

    def __call__(self, raw: str) -> Any:
        try:
            return self.known[raw]
        except KeyError:
            if len(self.known) >= MEMO_LIMIT:  # a file of ever new texts: memory stays bounded
                self.known.clear()
            value = self.known[raw] = self.fn(raw)
            return value


def _norm_text(value: str, limit: int, what: str) -> str:
    """A text cell as stored; InvalidInput when it is too long or holds control characters (never cut)."""
    return check_text(value, what, limit, required=False) or ""


# ---------------------------------------------------------------- the import


def import_orders(*, session: Session, actor: Actor, mapping: Mapping, content: bytes | None = None,
                  path: Path | None = None, source: str = "file", dry_run: bool = False, create_missing: bool = False,
                  affect_stock: bool = False, progress: Progress | None = None) -> OrderImportReport:
    """Import order history from CSV bytes or a CSV file; all or nothing. Raises OrderImportRefused listing bad lines.

    The file is read once, a block at a time. Up to ``KEEP_LINES`` lines, a first pass checks every line and
    keeps it as numbers, and a second prices and writes the orders as their last lines go by
    (``_import_orders``); a bigger file keeps its lines and orders in scratch tables of the transaction
    instead (``_import_at_scale``), so memory does not grow with the file (issue 13: 2,000,000 lines in
    under 300 MB). Both give the same orders, numbers, ids and sentences. A mapping that joins
    several columns into one field (``status = ["Financial Status", "Fulfillment Status"]``) reads the file
    into memory to join them first.
    """
    shop.require(session=session, actor=actor, permission="data.import")  # refused before any work
    if (content is None) == (path is None):
        raise TypeError("import_orders needs the content or the path of the file, not both")
    if mapping.combined:
        content = add_combined(_File(content, path, source).whole(), mapping.combined, source)
        path = None
    file = _File(content, path, source)
    # a file of up to KEEP_LINES lines is kept in memory between the passes; a bigger one in scratch tables
    run = _import_at_scale if file.more_lines_than(KEEP_LINES) else _import_orders
    with tuning.gc_paused():
        return run(session=session, actor=actor, file=file, mapping=mapping, source=source, dry_run=dry_run,
                   create_missing=create_missing, affect_stock=affect_stock, progress=progress)


class _File:
    """The CSV, read once (after a count of its line breaks): bytes in memory or a file read a block at a time."""

    def __init__(self, content: bytes | None, path: Path | None, source: str) -> None:
        self.content, self.path, self.source = content, path, source

    def whole(self) -> bytes:
        """All of the file's bytes (for a mapping that rewrites it before the passes)."""
        if self.path is None:
            return self.content or b""
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            raise InvalidInput(f"There is no file {self.path}.") from None
        except OSError as exc:
            raise InvalidInput(f"{self.path} cannot be read ({exc.strerror}).") from None

    def more_lines_than(self, limit: int) -> bool:
        """True when the file holds more than ``limit`` line breaks (so more than ``limit`` rows at most);
        False too when it cannot be read (the import says why)."""
        if self.path is None:
            return (self.content or b"").count(b"\n") > limit
        breaks = 0
        try:
            with self.path.open("rb") as binary:
                while block := binary.read(1 << 20):
                    breaks += block.count(b"\n")
                    if breaks > limit:
                        return True
        except OSError:
            return False
        return False

    @contextmanager
    def rows(self) -> Iterator[tuple[Any, list[str]]]:
        """(csv reader positioned after the header, header); InvalidInput for text that is not UTF-8 CSV."""
        if self.path is not None:
            try:
                binary: Any = self.path.open("rb")
            except FileNotFoundError:
                raise InvalidInput(f"There is no file {self.path}.") from None
            except OSError as exc:
                raise InvalidInput(f"{self.path} cannot be read ({exc.strerror}).") from None
        else:
            binary = io.BytesIO(self.content or b"")
        text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
        try:
            first = text.readline()
            reader = csv.reader(chain((first,), text), delimiter=_delimiter(first))
            try:
                header = [unicodedata.normalize("NFC", h).strip() for h in next(reader)]
            except StopIteration:
                raise InvalidInput(f"{self.source} is empty; it needs a header row and at least one order line.") from None
            except csv.Error as exc:
                raise InvalidInput(f"{self.source} is not readable CSV ({exc}).") from None
            try:
                yield reader, header
            except csv.Error as exc:
                raise InvalidInput(f"{self.source} line {reader.line_num} is not readable CSV ({exc}).") from None
        except UnicodeDecodeError as exc:  # the decoder's input ends where the file has been read to
            at = binary.tell() - len(exc.object) + exc.start
            raise InvalidInput(f"{self.source} is not UTF-8 text (byte {at}); save it as CSV UTF-8 and try again.") from None
        finally:
            text.close()


class _Bad(Exception):
    """A line the import refuses; ``str()`` is the reason (the line number is added by the caller)."""


class _Orders:
    """What the first pass keeps of each order of the file: a few numbers and shared tuples, never its lines.

    ``k`` is an order's position in the file (by its first line). Order-level cells other than the two
    times are kept as one tuple per distinct combination (orders of one customer share theirs).
    """

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.index: dict[str, int] = {}  # order_ref -> k
        self.first_line = array("q")
        self.last_line = array("q")
        self.line_count = array("q")
        self.ordered_raw: list[str] = []
        self.shipped_raw: list[str] = []
        self.rest: list[tuple[str, ...]] = []  # the other order-level cells (stripped, "" when not given)
        self.shared: dict[tuple[str, ...], tuple[str, ...]] = {}
        self.seen: dict[tuple[int, str], int] = {}  # (k, field) -> line it was first given on, when not the first
        i_ordered = names.index("ordered_at")
        i_shipped = names.index("shipped_at") if "shipped_at" in names else None
        self.rest_names = [n for n in names if n not in ("ordered_at", "shipped_at")]
        rest_at = [i for i, n in enumerate(names) if n not in ("ordered_at", "shipped_at")]
        self._rest_of = _picker(rest_at)
        self._i_ordered, self._i_shipped = i_ordered, i_shipped

    def __len__(self) -> int:
        return len(self.first_line)

    def add(self, ref: str, line: int, cells: tuple[str, ...]) -> int:
        """A new order, first given on ``line`` with these order-level cells; returns its k."""
        k = self.index[ref] = len(self.first_line)
        values = [v.strip() for v in cells]
        self.first_line.append(line)
        self.last_line.append(line)
        self.line_count.append(1)
        self.ordered_raw.append(values[self._i_ordered])
        self.shipped_raw.append("" if self._i_shipped is None else values[self._i_shipped])
        rest = self._rest_of(values)
        self.rest.append(self.shared.setdefault(rest, rest))
        return k

    def values(self, k: int) -> dict[str, str]:
        """The order's order-level fields as given so far (stripped, "" when not given)."""
        f = dict(zip(self.rest_names, self.rest[k], strict=True))
        f["ordered_at"] = self.ordered_raw[k]
        f["shipped_at"] = self.shipped_raw[k]
        return f

    def merge(self, k: int, ref: str, line: int, cells: tuple[str, ...], bad: Callable[[int, str], None]) -> bool:
        """Another row of order k: an empty cell means "as above", a new value fills a gap, a different one
        is reported. True when the row agrees."""
        f = self.values(k)
        agreed = True
        changed = False
        for name, value in zip(self.names, cells, strict=True):
            value = value.strip()
            if not value:
                continue
            before = f[name]
            if not before:
                f[name] = value
                self.seen[k, name] = line
                changed = True
            elif before != value:
                agreed = False
                bad(line, f"order {ref} has {name} {value!r} here but {before!r} on line {self.seen_line(k, name)}; "
                    "every row of one order must agree.")
        if changed:
            self.ordered_raw[k] = f["ordered_at"]
            self.shipped_raw[k] = f["shipped_at"]
            rest = tuple(f[n] for n in self.rest_names)
            self.rest[k] = self.shared.setdefault(rest, rest)
        return agreed

    def seen_line(self, k: int, name: str) -> int:
        """The line an order-level field was first given on (its first line when never given)."""
        return self.seen.get((k, name), self.first_line[k])

    def given_line(self, k: int, f: dict[str, str], *names: str) -> int:
        """The line the first of ``names`` that the order gives was given on, else the order's first line."""
        for name in names:
            if f.get(name):
                return self.seen_line(k, name)
        return self.first_line[k]


def _picker(indexes: list[int]) -> Callable[[Sequence[str]], tuple[str, ...]]:
    """``row -> (row[i] for i in indexes)`` as a tuple, at C speed when there are several."""
    if len(indexes) > 1:
        return itemgetter(*indexes)
    if indexes:
        only = indexes[0]
        return lambda row: (row[only],)
    return lambda row: ()


def _lower_first(exc: Exception) -> str:
    return f"{str(exc)[:1].lower()}{str(exc)[1:]}"


def _import_orders(*, session: Session, actor: Actor, file: _File, mapping: Mapping, source: str, dry_run: bool,
                   create_missing: bool, affect_stock: bool, progress: Progress | None) -> OrderImportReport:
    """The import of a file of up to ``KEEP_LINES`` lines, held in memory between its two passes (the fastest)."""
    values = shop.get_all(session=session)
    digits = int(values["currency_digits"])
    currency_code = values["currency"]
    tax_rate_bp = int(values.get("tax_rate_bp", 0))
    prefix = values.get("order_number_prefix", "SO-")
    tz = ZoneInfo(mapping.timezone or values["timezone"])
    problems: list[str] = []
    problem_count = 0

    def bad(line: int, reason: str) -> None:
        nonlocal problem_count
        problem_count += 1
        if len(problems) < MAX_REPORTED:
            problems.append(f"line {line}: {reason}")

    def refuse_if_bad() -> None:
        if problems:
            raise OrderImportRefused(source, problems, problem_count)

    # ---- first pass: every line checked; per order its lines' span and its order-level cells
    with file.rows() as (reader, header):
        positions = _positions(mapping, header, source)
        parse = _LineParser(positions, len(header), digits)
        order_positions = [(f, positions[f]) for f in ORDER_FIELDS if f in positions]
        order_names = [name for name, _ in order_positions]
        order_cells = _picker([index for _, index in order_positions])
        orders = _Orders(order_names)
        index, first_line, last_line, line_count = orders.index, orders.first_line, orders.last_line, orders.line_count
        first_seen: dict[str, _Line] = {}  # SKU -> its first line
        rows = rounded = 0
        prev_k, prev_cells = -1, cast(tuple[str, ...], ())
        kept = _Kept()
        for row, line in parse.rows(reader):
            rows += 1
            if progress and rows % 50_000 == 0:
                progress(f"read {rows:,} lines")
            try:
                ref, sku, quantity, unit, discount, total, name, category = parse.line(row)
            except _Bad as exc:
                bad(line, str(exc))
                continue
            rounded += parse.was_rounded
            if sku not in first_seen:
                first_seen[sku] = _make_line(sku, quantity, unit, discount, None, None, "", "", None, line, name,
                                             category, total)
            cells = order_cells(row)
            k = index.get(ref)
            if k is None:
                k = orders.add(ref, line, cells)
                prev_k, prev_cells = k, cells
            else:
                last_line[k] = line
                line_count[k] += 1
                if k != prev_k or cells != prev_cells:  # the same cells as the row before agree again: nothing to check
                    if orders.merge(k, ref, line, cells, bad):
                        prev_k, prev_cells = k, cells
            kept.add(k, line, sku, quantity, unit, discount, total, name, category)
    parse.forget()  # the second pass reads no cells: what the memos hold is free for the writes
    if rows == 0:
        raise InvalidInput(f"{source} has a header but no order lines.")
    if progress and rows >= 50_000:
        progress(f"read {rows:,} lines into {len(orders):,} orders")

    # ---- order-level fields: times per order, the rest once per distinct combination
    count = len(orders)
    parse_time = _time_parser(mapping.date_format, tz)
    ordered_us = array("q", bytes(8 * count))
    shipped_us = array("q", bytes(8 * count))
    plans = _Plans(session, mapping)
    refs = list(index)
    for k, ref in enumerate(refs):
        terms = _order_terms(ref, orders.ordered_raw[k], orders.shipped_raw[k], orders.rest[k], orders.rest_names,
                             first_line[k], partial(orders.seen_line, k), plans, parse_time, mapping, bad)
        if terms is not None:
            ordered_us[k], shipped_us[k], _ = terms
    orders.ordered_raw = orders.shipped_raw = []
    refuse_if_bad()
    info: list[dict[str, Any]] = [plans.known[rest] for rest in orders.rest]
    every_plan = list(plans.known.values())
    orders.rest = []
    orders.shared.clear()
    plans.known.clear()  # the cells' tuples are needed no more: each order has its plan
    del plans, parse_time  # and their memos (a time per order) are free for what follows
    index.clear()  # the second pass reads no file: the references are looked up no more

    # already imported (same reference and channel): skipped
    existing: set[tuple[str, str]] = set()
    for start in range(0, len(refs), CHUNK):
        existing.update(tuples(session.execute(select(col(Order.external_ref), col(Order.channel))
                                               .where(col(Order.external_ref).in_(refs[start:start + CHUNK])))))
    fresh = bytearray(count)
    for k, ref in enumerate(refs):
        fresh[k] = (ref, info[k]["channel"]) not in existing
    fresh_count = sum(fresh)
    skipped = count - fresh_count
    total_lines = sum(n for n, new in zip(line_count, fresh, strict=True) if new)

    def fresh_lines() -> Iterator[tuple[int, _Line]]:
        """The lines of the fresh orders in file order, as the first pass kept them."""
        make_line = _make_line
        texts = kept.texts
        for k, line, sku_no, quantity, unit, discount, total, name_no, category_no in kept.rows():
            if fresh[k]:
                yield k, make_line(texts[sku_no], quantity, unit, discount, None, None, "", "", None, line,
                                   texts[name_no], texts[category_no], total)

    def complete_orders() -> Iterator[tuple[int, str, list[_Line]]]:
        """The fresh orders with their lines, each as its last line goes by (the second pass)."""
        pending: dict[int, list[_Line]] = {}
        for k, item in fresh_lines():
            if item.line == last_line[k]:
                lines = pending.pop(k, None)
                if lines is None:
                    yield k, refs[k], [item]
                else:
                    lines.append(item)
                    yield k, refs[k], lines
            elif k in pending:
                pending[k].append(item)
            else:
                pending[k] = [item]

    # SKUs of the orders to import (when some are skipped, their first lines are looked up again)
    if skipped and fresh_count:
        first_seen = {}
        for _, _, lines in complete_orders():
            for item in lines:
                first_seen.setdefault(item.key, item)
    elif not fresh_count:
        first_seen = {}
    variants, unknown_skus = _known_skus(session, first_seen, create_missing, bad)

    # customers: by reference, phone, email (once per distinct combination of customer cells)
    customers = _CustomerResolver(session)
    customers.load(every_plan)
    new_customers: list[str] = []
    for k in range(count):
        if not fresh[k]:
            continue
        p = info[k]
        if "cid" not in p:
            p["cid"] = customers.find(p)
        if p["cid"] is None and (p["customer_ref"] or p["phone"] or p["email"]):
            key = customers.key(p)
            if key not in customers.pending:
                customers.pending[key] = p
                new_customers.append(p["customer_name"] or p["phone"] or p["email"] or p["customer_ref"] or "")
                if not create_missing:
                    who = p["customer_ref"] or p["phone"] or p["email"]
                    given = {"customer_ref": p["customer_ref"], "customer_phone": p["phone"], "customer_email": p["email"]}
                    bad(orders.given_line(k, given, "customer_ref", "customer_phone", "customer_email"),
                        f"the customer {who!r} of order {refs[k]} is unknown "
                        "(import with --create-missing to create it).")
    refuse_if_bad()
    report = OrderImportReport(
        source=source, lines=rows, orders_created=fresh_count, orders_skipped=skipped, order_lines=total_lines,
        total_minor=0, customers_created=new_customers, products_created=unknown_skus if create_missing else [],
        rounded_lines=rounded, stock_moved=affect_stock and bool(fresh_count), dry_run=dry_run)
    if not fresh_count:
        return report
    if dry_run:  # every order priced (as the write would), nothing written
        for k, ref, lines in complete_orders():
            try:
                report.total_minor += _price(lines, tax_rate_bp).total_minor
            except InvalidInput as exc:
                bad(first_line[k], f"order {ref}: {exc}")
        refuse_if_bad()
        return report

    # ---- writing (second pass): products, customers, then the orders as the file gives them
    if unknown_skus:
        _create_products(session, actor, unknown_skus, first_seen, variants, affect_stock)
    customer_ids = customers.create_pending(actor)
    for p in every_plan:  # as found now (new customers included), else the one made for it
        found = customers.find(p)
        if found is None and (p["customer_ref"] or p["phone"] or p["email"]):
            found = customer_ids.get(customers.key(p))
        p["cid"] = found
    tiers = member_tiers_of(session, {p["cid"] for p in every_plan if p["cid"] is not None})  # kept on each order
    # numbers and ids follow the orders' times (then their first lines), whatever order the file gives them in
    # (a stable sort by time alone: k follows the first lines, so equal times keep the order of their first lines)
    rank = array("q", bytes(8 * count))
    position = 0
    for k in sorted(range(count), key=ordered_us.__getitem__):
        if fresh[k]:
            rank[k] = position
            position += 1
    spec = _WriteSpec(prefix=prefix, currency=currency_code, tax_rate_bp=tax_rate_bp, method=mapping.payment_method,
                      affect_stock=affect_stock, ordered_us=ordered_us, shipped_us=shipped_us, rank=rank, info=info,
                      first_line=first_line, span_us=(min(ordered_us), max(ordered_us)), tiers=tiers)
    with tuning.page_cache_of(session.connection(), IMPORT_CACHE_BYTES, total_lines + 3 * fresh_count,
                              threshold=DEFER_INDEXES_FROM):
        _write(session, actor, complete_orders(), fresh_count, total_lines, variants, report, spec, bad,
               progress=progress)
    refuse_if_bad()  # a line the pricing refused: raising rolls the whole transaction back
    shop.record(session=session, actor=actor, action="order.import", entity="order",
                 summary=f"{plural(fresh_count, 'order')} imported from {source}"[:500],
                 after={"orders": fresh_count, "lines": total_lines, "skipped": skipped, "rounded_lines": rounded,
                        "first": report.first_number, "last": report.last_number})
    session.flush()
    return report


def _positions(mapping: Mapping, header: list[str], source: str) -> dict[str, int]:
    """Our field -> the index of its column in the file's header; InvalidInput for a column the file lacks."""
    positions: dict[str, int] = {}
    for our, theirs in mapping.columns.items():
        if theirs not in header:
            raise InvalidInput(f"The mapping names the column {theirs!r} for {our}, but {source} has no such "
                               f"column. Its columns are: {', '.join(header)}.")
        positions[our] = header.index(theirs)
    return positions


class _LowestProblems:
    """The problems of an import at scale: how many, and the ``MAX_REPORTED`` of the lowest lines, listed by line."""

    def __init__(self) -> None:
        self.count = 0
        self._heap: list[tuple[int, int, str]] = []  # (-line, -count, text): the highest line (last found) on top

    def __call__(self, line: int, reason: str) -> None:
        self.count += 1
        item = (-line, -self.count, f"line {line}: {reason}")
        if len(self._heap) < MAX_REPORTED:
            heapq.heappush(self._heap, item)
        elif item > self._heap[0]:
            heapq.heapreplace(self._heap, item)

    def past(self, line: int) -> bool:
        """True when a problem on ``line`` or after it would be counted but not listed."""
        return len(self._heap) >= MAX_REPORTED and line >= -self._heap[0][0]

    def refuse_if_any(self, source: str) -> None:
        if self.count:
            raise OrderImportRefused(source, [text for _, _, text in sorted(self._heap, reverse=True)], self.count)


SCRATCH_ROWS = 5_000  # rows per batch written to the scratch tables


def _scratch_tables(order_names: list[str]) -> tuple[Table, Table]:
    """The import's scratch tables: each checked line with its order-level cells (stripped), and each order."""
    meta = MetaData()
    lines = Table("order_import_line", meta, Column("line", Integer, primary_key=True, autoincrement=False),
                  Column("ref", String, nullable=False), Column("sku", String, nullable=False),
                  Column("quantity", BigInteger, nullable=False), Column("unit", BigInteger, nullable=False),
                  Column("discount", BigInteger, nullable=False), Column("name", String, nullable=False),
                  Column("category", String, nullable=False),
                  *(Column(f"c_{name}", String, nullable=False) for name in order_names), prefixes=["TEMPORARY"])
    orders = Table("order_import_order", meta, Column("ref", String, primary_key=True),
                   Column("first_line", Integer, nullable=False), Column("last_line", Integer, nullable=False),
                   Column("n", Integer, nullable=False), Column("ordered_us", BigInteger, nullable=False),
                   Column("shipped_us", BigInteger, nullable=False), Column("plan", Integer, nullable=False),
                   Column("channel", String, nullable=False), Column("fresh", Integer, nullable=False),
                   prefixes=["TEMPORARY"])
    return lines, orders


def _import_at_scale(*, session: Session, actor: Actor, file: _File, mapping: Mapping, source: str, dry_run: bool,
                     create_missing: bool, affect_stock: bool, progress: Progress | None) -> OrderImportReport:
    """``_import_orders`` for a file of more than ``KEEP_LINES`` lines, in memory that does not grow with it.

    The file is read once. Each checked line goes, with its order-level cells, to a scratch table of
    the caller's transaction (``store.scratch``); each order's span of lines and whether its rows agree
    come from ``GROUP BY`` its reference, and only orders whose rows disagree are replayed row by row in
    Python (the same sentences as ``_Orders.merge``). The orders' times and plans go to a second scratch
    table; their numbers follow ``ROW_NUMBER() OVER (ORDER BY time, first line)``, and the write reads
    the lines back ``ORDER BY`` their order's last line, then line: the same orders, numbers and ids,
    in the same order, as ``_import_orders``. Problems: the count, and the ``MAX_REPORTED`` lowest lines.
    """
    values = shop.get_all(session=session)
    digits = int(values["currency_digits"])
    currency_code = values["currency"]
    tax_rate_bp = int(values.get("tax_rate_bp", 0))
    prefix = values.get("order_number_prefix", "SO-")
    tz = ZoneInfo(mapping.timezone or values["timezone"])
    bad = _LowestProblems()
    conn = session.connection()
    with file.rows() as (reader, header):
        positions = _positions(mapping, header, source)
        order_names = [f for f in ORDER_FIELDS if f in positions]
        lines_t, orders_t = _scratch_tables(order_names)
        with scratch.scratch_tables(conn, (lines_t, orders_t)), \
                tuning.page_cache_of(conn, SCALE_CACHE_BYTES, KEEP_LINES, threshold=0):
            return _import_at_scale_in(
                session=session, actor=actor, conn=conn, reader=reader, parse=_LineParser(positions, len(header), digits),
                order_cells=_picker([positions[f] for f in order_names]), order_names=order_names, lines_t=lines_t,
                orders_t=orders_t, mapping=mapping, source=source, dry_run=dry_run, create_missing=create_missing,
                affect_stock=affect_stock, progress=progress, bad=bad, tz=tz, currency_code=currency_code,
                tax_rate_bp=tax_rate_bp, prefix=prefix)


def _import_at_scale_in(*, session: Session, actor: Actor, conn: Any, reader: Any, parse: _LineParser,
                        order_cells: Callable[[Sequence[str]], tuple[str, ...]], order_names: list[str], lines_t: Table,
                        orders_t: Table, mapping: Mapping, source: str, dry_run: bool, create_missing: bool,
                        affect_stock: bool, progress: Progress | None, bad: _LowestProblems, tz: ZoneInfo,
                        currency_code: str, tax_rate_bp: int, prefix: str) -> OrderImportReport:
    """The import at scale, its scratch tables made (see ``_import_at_scale``)."""
    lc, oc = lines_t.c, orders_t.c
    # ---- the only pass over the file: every line checked, and written to the scratch table
    line_names = [c.name for c in lines_t.columns]
    batch: list[tuple[Any, ...]] = []
    first_seen: dict[str, _Line] = {}  # SKU -> its first line
    rows = rounded = 0
    strip = str.strip
    for row, line in parse.rows(reader):
        rows += 1
        if progress and rows % 50_000 == 0:
            progress(f"read {rows:,} lines")
        try:
            ref, sku, quantity, unit, discount, total, name, category = parse.line(row)
        except _Bad as exc:
            bad(line, str(exc))
            continue
        rounded += parse.was_rounded
        if sku not in first_seen:
            first_seen[sku] = _make_line(sku, quantity, unit, discount, None, None, "", "", None, line, name,
                                         category, total)
        batch.append((line, ref, sku, quantity, unit, discount, name, category, *map(strip, order_cells(row))))
        if len(batch) >= SCRATCH_ROWS:
            bulk.insert_rows(conn, lines_t, line_names, batch)
            batch.clear()
    bulk.insert_rows(conn, lines_t, line_names, batch)
    batch.clear()
    parse.forget()
    if rows == 0:
        raise InvalidInput(f"{source} has a header but no order lines.")

    # ---- each order: its span, its order-level cells (replayed row by row when its rows disagree), times, plan
    cells = [lc[f"c_{name}"] for name in order_names]
    disagree = or_(*(func.coalesce(func.min(func.nullif(c, "")), "") != func.max(c) for c in cells))
    by_order = (sql_select(lc.ref, func.min(lc.line), func.max(lc.line), func.count(), disagree,
                       *(func.max(c) for c in cells))
                .group_by(lc.ref).order_by(func.min(lc.line)).execution_options(stream_results=True, yield_per=CHUNK))
    i_ordered = order_names.index("ordered_at")
    i_shipped = order_names.index("shipped_at") if "shipped_at" in order_names else None
    rest_names = [n for n in order_names if n not in ("ordered_at", "shipped_at")]
    rest_of = _picker([i for i, n in enumerate(order_names) if n not in ("ordered_at", "shipped_at")])
    parse_time = _time_parser(mapping.date_format, tz, limit=CHUNK)  # each order's time is parsed once here
    plans = _Plans(session, mapping)
    plan_list: list[dict[str, Any]] = []
    plan_numbers: dict[int, int] = {}  # id(plan) -> its place in plan_list

    def first_given(ref: str, first: int, last: int, name: str) -> int:
        """The line of order ``ref`` that first gives ``name`` (its first line when none does, or when that
        line could not be among the problems listed)."""
        if name not in order_names or bad.past(first):
            return first
        found = conn.execute(sql_select(func.min(lc.line)).where(lc.line.between(first, last), lc.ref == ref,
                                                             lc[f"c_{name}"] != "")).scalar()
        return first if found is None else int(found)

    order_names_t = [c.name for c in orders_t.columns]
    count = 0
    for ref, first, last, n, disagrees, *merged in conn.execute(by_order):
        count += 1
        if disagrees:  # the rows of this order again, as the in-memory import merges them, with its sentences
            replay = _Orders(order_names)
            for line, *given in conn.execute(sql_select(lc.line, *cells).where(lc.line.between(first, last), lc.ref == ref)
                                             .order_by(lc.line)):
                if line == first:
                    replay.add(ref, line, tuple(given))
                else:
                    replay.merge(0, ref, line, tuple(given), bad)
            ordered_raw, shipped_raw, rest = replay.ordered_raw[0], replay.shipped_raw[0], replay.rest[0]
            seen: Callable[[str], int] = partial(replay.seen_line, 0)
        else:
            ordered_raw = merged[i_ordered]
            shipped_raw = "" if i_shipped is None else merged[i_shipped]
            rest = rest_of(merged)
            seen = partial(first_given, ref, first, last)
        terms = _order_terms(ref, ordered_raw, shipped_raw, rest, rest_names, first, seen, plans, parse_time, mapping,
                             bad)
        if terms is None:
            continue
        ordered, shipped, plan = terms
        number = plan_numbers.get(id(plan))
        if number is None:
            number = plan_numbers[id(plan)] = len(plan_list)
            plan_list.append(plan)
        batch.append((ref, first, last, n, ordered, shipped, number, plan["channel"], 1))
        if len(batch) >= SCRATCH_ROWS:
            bulk.insert_rows(conn, orders_t, order_names_t, batch)
            batch.clear()
    bulk.insert_rows(conn, orders_t, order_names_t, batch)
    batch.clear()
    if progress:
        progress(f"read {rows:,} lines into {count:,} orders")
    plans.known.clear()  # each order has its plan's number
    plan_numbers.clear()
    del plans, parse_time
    bad.refuse_if_any(source)

    # already imported (same reference and channel): skipped
    order_t = table_of(Order)
    conn.execute(update(orders_t).where(exists().where(order_t.c.external_ref == oc.ref,
                                                       order_t.c.channel == oc.channel)).values(fresh=0))
    fresh_count, total_lines, earliest, latest = (int(v or 0) for v in conn.execute(sql_select(
        func.sum(oc.fresh), func.sum(oc.n * oc.fresh), func.min(oc.ordered_us), func.max(oc.ordered_us))).one())
    skipped = count - fresh_count

    # SKUs of the orders to import (when some are skipped, their first lines are looked up again)
    if skipped and fresh_count:
        firsts = [line for (line,) in conn.execute(sql_select(func.min(lc.line)).join_from(lines_t, orders_t, oc.ref == lc.ref)
                                                   .where(oc.fresh == 1).group_by(lc.sku))]
        first_seen = {}
        for start in range(0, len(firsts), CHUNK):
            for line, sku, quantity, unit, discount, name, category in conn.execute(sql_select(
                    lc.line, lc.sku, lc.quantity, lc.unit, lc.discount, lc.name, lc.category)
                    .where(lc.line.in_(firsts[start:start + CHUNK]))):
                first_seen[sku] = _make_line(sku, quantity, unit, discount, None, None, "", "", None, line, name,
                                             category, unit * quantity - discount)
    elif not fresh_count:
        first_seen = {}
    variants, unknown_skus = _known_skus(session, first_seen, create_missing, bad)

    # customers: by reference, phone, email (once per plan, in the order of the orders that first have it)
    customers = _CustomerResolver(session)
    customers.load(plan_list)
    new_customers: list[str] = []
    by_plan = (sql_select(oc.plan, func.min(oc.first_line)).where(oc.fresh == 1).group_by(oc.plan)
               .order_by(func.min(oc.first_line)).execution_options(stream_results=True, yield_per=CHUNK))
    for number, first in conn.execute(by_plan):
        p = plan_list[number]
        if "cid" not in p:
            p["cid"] = customers.find(p)
        if p["cid"] is None and (p["customer_ref"] or p["phone"] or p["email"]):
            key = customers.key(p)
            if key not in customers.pending:
                customers.pending[key] = p
                new_customers.append(p["customer_name"] or p["phone"] or p["email"] or p["customer_ref"] or "")
                if not create_missing:
                    who = p["customer_ref"] or p["phone"] or p["email"]
                    ref, last = conn.execute(sql_select(oc.ref, oc.last_line).where(oc.first_line == first)).one()
                    given = next(name for name, value in (("customer_ref", p["customer_ref"]),
                                                          ("customer_phone", p["phone"]),
                                                          ("customer_email", p["email"])) if value)
                    bad(first_given(ref, first, last, given), f"the customer {who!r} of order {ref} is unknown "
                        "(import with --create-missing to create it).")
    bad.refuse_if_any(source)
    report = OrderImportReport(
        source=source, lines=rows, orders_created=fresh_count, orders_skipped=skipped, order_lines=total_lines,
        total_minor=0, customers_created=new_customers, products_created=unknown_skus if create_missing else [],
        rounded_lines=rounded, stock_moved=affect_stock and bool(fresh_count), dry_run=dry_run)
    if not fresh_count:
        return report

    # the orders with their lines, each complete when its last line goes by (ranked by time, then first line)
    ranked = sql_select(oc.ref, oc.first_line, oc.last_line, oc.ordered_us, oc.shipped_us, oc.plan,
                    (func.row_number().over(order_by=(oc.ordered_us, oc.first_line)) - 1).label("rank")
                    ).where(oc.fresh == 1).subquery()
    by_last_line = (sql_select(ranked.c.rank, ranked.c.first_line, ranked.c.last_line, ranked.c.ordered_us,
                           ranked.c.shipped_us, ranked.c.plan, lc.ref, lc.line, lc.sku, lc.quantity, lc.unit,
                           lc.discount, lc.name, lc.category)
                    .join_from(lines_t, ranked, ranked.c.ref == lc.ref).order_by(ranked.c.last_line, lc.line)
                    .execution_options(stream_results=True, yield_per=CHUNK))
    rank: dict[int, int] = {}  # the current order's (k = 0) numbers, as _write reads them
    ordered_us: dict[int, int] = {}
    shipped_us: dict[int, int] = {}
    info: dict[int, dict[str, Any]] = {}
    first_line: dict[int, int] = {}

    def complete_orders() -> Iterator[tuple[int, str, list[_Line]]]:
        make_line = _make_line
        lines: list[_Line] = []
        for (position, first, last, ordered, shipped, number, ref, line, sku, quantity, unit, discount, name,
             category) in conn.execute(by_last_line):
            lines.append(make_line(sku, quantity, unit, discount, None, None, "", "", None, line, name, category,
                                   unit * quantity - discount))
            if line == last:
                rank[0], ordered_us[0], shipped_us[0], info[0], first_line[0] = (position, ordered, shipped,
                                                                                 plan_list[number], first)
                yield 0, ref, lines
                lines = []

    if dry_run:  # every order priced (as the write would), nothing written
        for _, ref, lines in complete_orders():
            try:
                report.total_minor += _price(lines, tax_rate_bp).total_minor
            except InvalidInput as exc:
                bad(first_line[0], f"order {ref}: {exc}")
        bad.refuse_if_any(source)
        return report

    # ---- writing: products, customers, then the orders as they complete
    if unknown_skus:
        _create_products(session, actor, unknown_skus, first_seen, variants, affect_stock)
    customer_ids = customers.create_pending(actor)
    for p in plan_list:  # as found now (new customers included), else the one made for it
        found = customers.find(p)
        if found is None and (p["customer_ref"] or p["phone"] or p["email"]):
            found = customer_ids.get(customers.key(p))
        p["cid"] = found
    tiers = member_tiers_of(session, {p["cid"] for p in plan_list if p["cid"] is not None})  # kept on each order
    spec = _WriteSpec(prefix=prefix, currency=currency_code, tax_rate_bp=tax_rate_bp, method=mapping.payment_method,
                      affect_stock=affect_stock, ordered_us=ordered_us, shipped_us=shipped_us, rank=rank, info=info,
                      first_line=first_line, span_us=(earliest, latest), tiers=tiers)
    _write(session, actor, complete_orders(), fresh_count, total_lines, variants, report, spec, bad, progress=progress)
    bad.refuse_if_any(source)  # a line the pricing refused: raising rolls the whole transaction back
    shop.record(session=session, actor=actor, action="order.import", entity="order",
                 summary=f"{plural(fresh_count, 'order')} imported from {source}"[:500],
                 after={"orders": fresh_count, "lines": total_lines, "skipped": skipped, "rounded_lines": rounded,
                        "first": report.first_number, "last": report.last_number})
    session.flush()
    return report


_REF = "\x00ref\x00"  # where a plan's problem sentence names the order
NO_TIME = -(2**63)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)


def _order_terms(ref: str, ordered_raw: str, shipped_raw: str, rest: tuple[str, ...], rest_names: list[str],
                 first: int, seen_line: Callable[[str], int], plans: _Plans, parse_time: Callable[[str], datetime],
                 mapping: Mapping, bad: Callable[[int, str], None]) -> tuple[int, int, dict[str, Any]] | None:
    """An order's times (µs, ``NO_TIME`` when not shipped) and plan from its order-level cells, or None when
    its times are wrong; each problem goes to ``bad`` with the line the cell was given on (``seen_line``)."""
    try:
        ordered = _micros(parse_time(ordered_raw))
    except ValueError:
        fmt = mapping.date_format or "ISO 8601 (2024-03-01 or 2024-03-01 10:00)"
        bad(seen_line("ordered_at"), f"the ordered_at {ordered_raw!r} of order {ref} is not a date in the format {fmt}.")
        return None
    shipped = NO_TIME
    if shipped_raw:
        try:
            shipped = _micros(parse_time(shipped_raw))
        except ValueError:
            bad(seen_line("shipped_at"), f"the shipped_at {shipped_raw!r} of order {ref} is "
                f"not a date in the format {mapping.date_format or 'ISO 8601'}.")
            return None
    plan = plans.of(rest, rest_names)
    for field_names, message in plan.get("problems", ()):
        given = next((name for name in field_names if plan["fields"].get(name)), None)
        bad(first if given is None else seen_line(given), message.replace(_REF, ref))
    return ordered, shipped, plan


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICRO


def _moment(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


class _Kept:
    """The first pass's lines as numbers (texts by number) in a file of up to ``KEEP_LINES`` lines, so that
    the second pass needs no second read (72 bytes a line, in one array)."""

    WIDTH = 9  # k, line, sku, quantity, unit, discount, total, name, category

    def __init__(self) -> None:
        self.values = array("q")
        self.numbers: dict[str, int] = {"": 0}
        self.texts: list[str] = [""]

    def number(self, text: str) -> int:
        found = self.numbers.get(text)
        if found is None:
            found = self.numbers[text] = len(self.texts)
            self.texts.append(text)
        return found

    def add(self, k: int, line: int, sku: str, quantity: int, unit: int, discount: int, total: int, name: str,
            category: str) -> None:
        """Keep a line (a file of at most ``KEEP_LINES`` lines; its totals fit 64 bits, the parser refuses more)."""
        numbers = self.numbers
        self.values.extend((k, line, numbers.get(sku) or self.number(sku), quantity, unit, discount, total,
                            (numbers.get(name) or self.number(name)) if name else 0,
                            (numbers.get(category) or self.number(category)) if category else 0))

    def rows(self) -> Iterator[tuple[int, ...]]:
        """(k, line, sku, quantity, unit, discount, total, name, category) of each line kept, in file order."""
        values = iter(self.values)
        return zip(*([values] * self.WIDTH), strict=True)


class _LineParser:
    """One row of the file -> its ``_Line``, or ``_Bad`` naming what is wrong (the one place line rules live).

    Every import reads lines through it; cells that repeat (prices, rates, names) are parsed once.
    """

    def __init__(self, positions: dict[str, int], width: int, digits: int) -> None:
        self.width = width
        self.padding = [""] * width
        self.p_ref, self.p_sku, self.p_qty = positions["order_ref"], positions["sku"], positions["quantity"]
        self.p_unit, self.p_total = positions.get("unit_price"), positions.get("line_total")
        self.p_rate, self.p_name = positions.get("discount_rate"), positions.get("product_name")
        self.p_cat = positions.get("category")
        self.parse_amount = _Memo(_Amounts(digits).parse)
        self.rate_bp = _Memo(_rate_bp)
        self.product_name = _Memo(lambda raw: _norm_text(raw, 300, "product name"))
        self.category = _Memo(lambda raw: _norm_text(raw, 100, "category"))
        self.was_rounded = False

    def forget(self) -> None:
        """Empty the memos (the cells they remember are not read again)."""
        for memo in (self.parse_amount, self.rate_bp, self.product_name, self.category):
            memo.known.clear()

    def rows(self, reader: Any) -> Iterator[tuple[list[str], int]]:
        """The rows that hold something, padded to the header's width, with their line numbers."""
        width, padding = self.width, self.padding
        p_ref = self.p_ref
        for row in reader:
            if len(row) < width:
                if not row or not "".join(row).strip():
                    continue
                row = row + padding[len(row):]
            if not row[p_ref].strip() and not "".join(row).strip():
                continue
            yield row, reader.line_num

    def line(self, row: list[str]) -> tuple[str, str, int, int, int, int, str, str]:
        """(order_ref, sku, quantity, unit price, line discount, line total, product name, category) of a row."""
        ref = row[self.p_ref].strip()
        if not ref:
            raise _Bad("the order_ref is empty.")
        if len(ref) > 100:
            raise _Bad(f"the order_ref {ref[:20]!r}... is longer than 100 characters.")
        sku = row[self.p_sku].strip()
        if not sku:
            raise _Bad(f"order {ref}: the sku is empty.")
        raw_qty = row[self.p_qty]
        try:
            quantity = int(raw_qty)  # int() ignores surrounding white space itself
        except ValueError:
            raise _Bad(f"the quantity {raw_qty.strip()!r} is not a whole number.") from None
        if quantity <= 0:
            raise _Bad(f"the quantity {quantity} of {sku} must be more than zero.")
        if quantity > MAX_QUANTITY:
            raise _Bad(f"the quantity {quantity} of {sku} is too large.")
        p_unit, p_total = self.p_unit, self.p_total
        try:
            if p_unit is not None and row[p_unit].strip():
                unit, r1 = self.parse_amount.known.get(row[p_unit]) or self.parse_amount(row[p_unit])
                gross = unit * quantity
                if p_total is not None and row[p_total].strip():
                    total, r2 = self.parse_amount(row[p_total])
                    if total > gross:
                        raise _Bad(f"the line_total of {sku} is more than quantity x unit_price.")
                    discount = gross - total
                else:
                    bp: int | None = 0
                    p_rate = self.p_rate
                    if p_rate is not None and row[p_rate].strip():
                        bp = self.rate_bp.known.get(row[p_rate])
                        if bp is None:
                            bp = self.rate_bp(row[p_rate])
                    discount = pricing_api.apply_bp(gross, bp) if bp else 0
                    total, r2 = gross - discount, False
                self.was_rounded = r1 or r2
            elif p_total is not None and row[p_total].strip():
                total, self.was_rounded = self.parse_amount(row[p_total])
                unit = -(-total // quantity)
                discount = unit * quantity - total
            else:
                raise _Bad(f"{sku} has no unit_price or line_total.")
        except ValueError as exc:
            what = "discount_rate" if "rate" in str(exc) or "100%" in str(exc) else "amount"
            reason = "is negative" if str(exc) == "negative" else "is not a number like 12.50" \
                if what == "amount" else "is not a rate like 10% (or 0.1), at most 100%"
            if str(exc) == "comma":
                reason = "is not a number like 12.50 (a comma only separates thousands, as in 1,234.50)"
            raise _Bad(f"the {what} of {sku} {reason}.") from None
        if unit >= MAX_UNIT:
            raise _Bad(f"the price of {sku} is too large.")
        if unit * quantity >= MAX_AMOUNT:
            raise _Bad(f"the amount of {sku} is too large.")
        name = category = ""
        try:
            if self.p_name is not None:
                raw = row[self.p_name]
                name = self.product_name.known.get(raw) or self.product_name(raw)
            if self.p_cat is not None and row[self.p_cat].strip():
                category = self.category(row[self.p_cat])
        except InvalidInput as exc:
            raise _Bad(_lower_first(exc)) from None
        return ref, sku, quantity, unit, discount, total, name, category


MAX_UNIT = pricing_api.BP_ONE * 10**9
MAX_AMOUNT = 2**63  # a line's gross must fit the store's 64-bit integers


class _Plans:
    """What an order's order-level cells other than its times mean (status, channel, customer, address), worked
    out once per distinct combination of cells: the orders of one customer share theirs."""

    def __init__(self, session: Session, mapping: Mapping) -> None:
        from shoptui.services.shop import optional_email, optional_phone

        self.mapping = mapping
        self.known: dict[tuple[str, ...], dict[str, Any]] = {}
        self.texts: dict[str, str] = {}
        self.addresses: dict[tuple[str, ...], dict[str, str]] = {}
        region = store_region(session)
        self.phone_of = _Memo(lambda raw: optional_phone(raw, region, field="customer phone"))
        self.email_of = _Memo(lambda raw: optional_email(raw, field="customer email"))
        # names, cities and references repeat across orders: each distinct text is checked once
        self.plain_texts = [(key, _Memo(partial(_norm_text, limit=limit, what=what)))
                            for key, what, limit in (("customer_ref", "customer_ref", 100),
                                                     ("customer_name", "customer name", 100),
                                                     ("region", "region", 100), ("province", "province", 100),
                                                     ("city", "city", 100), ("postal_code", "postal code", 20),
                                                     ("utm_source", "utm_source", 100),
                                                     ("utm_medium", "utm_medium", 100),
                                                     ("utm_campaign", "utm_campaign", 100))]
        self.source_of = _Memo(source_word)

    def of(self, rest: tuple[str, ...], names: list[str]) -> dict[str, Any]:
        plan = self.known.get(rest)
        if plan is None:  # kept for the orders to come: cells that repeat (statuses, cities) kept once
            texts = self.texts
            rest = tuple([texts.setdefault(value, value) for value in rest])
            plan = self.known[rest] = self._plan(dict(zip(names, rest, strict=True)))
        return plan

    def _plan(self, f: dict[str, str]) -> dict[str, Any]:
        """The plan of these cells (at most ten keys: a small dict, and there is one per customer and status);
        ``problems``, only when there are some, lists (fields whose line to name, sentence) for each order."""
        mapping = self.mapping
        problems: list[tuple[tuple[str, ...], str]] = []
        plan: dict[str, Any] = {"channel": "imported"}  # the cells (``fields``) are kept only with problems
        word = f.get("status", "").lower() or mapping.default_status
        status = mapping.status_map.get(word, word)
        if status not in STATUSES:
            plan["fields"] = f
            plan["problems"] = [(("status",), f"the status {f.get('status')!r} of order {_REF} is not one of "
                                 f"{', '.join(STATUSES)} (add it to [status_map]).")]
            return plan
        channel = f.get("channel", "").lower() or "imported"
        if channel not in CHANNELS:
            plan["fields"] = f
            plan["problems"] = [(("channel",), f"the channel {f.get('channel')!r} of order {_REF} is not one of "
                                 f"{', '.join(CHANNELS)}.")]
            return plan
        plan.update(status=status, channel=channel)
        try:
            phone, email = f.get("customer_phone"), f.get("customer_email")
            plan["phone"] = self.phone_of(phone) if phone else None
            plan["email"] = self.email_of(email) if email else None
        except InvalidInput as exc:
            problems.append((("customer_phone", "customer_email"), f"order {_REF}: {_lower_first(exc)}"))
            plan["phone"] = plan["email"] = None
        for key, norm in self.plain_texts:
            try:
                raw = f.get(key)
                # an empty cell (or a column the file lacks) stays empty: no check to run, nothing to remember
                f[key] = (norm.known.get(raw) or norm(raw)) if raw else ""
            except InvalidInput as exc:  # (the cell stays as given: its line is the one named)
                problems.append(((key,), f"order {_REF}: {_lower_first(exc)}"))
        try:
            raw = f.get("source")
            source = self.source_of(raw) if raw else ""
        except InvalidInput as exc:
            problems.append((("source",), f"order {_REF}: {_lower_first(exc)}"))
            source = ""
        plan["attribution"] = (source, f["utm_source"], f["utm_medium"], f["utm_campaign"])
        plan["customer_ref"] = f["customer_ref"] or None
        plan["customer_name"] = f["customer_name"]
        plan["sales_region"] = f["region"]  # the order's sales region ("South", 华东); the address keeps the province
        address = _address_fields(f)
        plan["address"] = self.addresses.setdefault(tuple(address.values()), address)  # shared by its customer's plans
        plan["has_address"] = any(f.get(k) for k in ("country", "region", "province", "city", "postal_code"))
        if problems:
            plan["fields"], plan["problems"] = f, problems
        return plan  # ten keys with its customer's id: a dict of 272 bytes (one more key and it is 464)


class _CustomerResolver:
    """Customers of the file by reference, phone or email: existing ones found in bulk, new ones created in bulk."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.by_ref: dict[str, int] = {}
        self.by_phone: dict[str, int] = {}
        self.by_email: dict[str, int] = {}
        self.pending: dict[str, dict[str, Any]] = {}  # key -> first plan naming the new customer
        self.names: dict[int, str] = {}

    @staticmethod
    def key(plan: dict[str, Any]) -> str:
        if plan["customer_ref"]:
            return f"ref:{plan['customer_ref']}"
        if plan["phone"]:
            return f"phone:{plan['phone']}"
        return f"email:{plan['email']}"
    def load(self, plans: list[dict[str, Any]]) -> None:
        refs = sorted({p["customer_ref"] for p in plans if p["customer_ref"]})
        phones = sorted({p["phone"] for p in plans if p["phone"]})
        emails = sorted({p["email"] for p in plans if p["email"]})
        s = self.session
        for start in range(0, len(refs), CHUNK):
            self.by_ref.update(s.execute(select(CustomerImportRef.ref, CustomerImportRef.customer_id)
                                         .where(col(CustomerImportRef.ref).in_(refs[start:start + CHUNK]))).all())
        # the file's phones are E.164, the one form stored (migration 0011 rewrote older national forms)
        forms = {phone: phone for phone in phones}
        stored = phones
        for start in range(0, len(stored), CHUNK):
            for cid, phone in tuples(s.execute(select(col(Customer.id), col(Customer.phone))
                                               .where(col(Customer.phone).in_(stored[start:start + CHUNK]))
                                               .order_by(col(Customer.id).desc()))):
                found = self.by_phone.get(forms[phone])
                self.by_phone[forms[phone]] = cid if found is None else min(found, cid)
        for start in range(0, len(emails), CHUNK):
            for cid, email in tuples(s.execute(select(col(Customer.id), col(Customer.email))
                                               .where(col(Customer.email).in_(emails[start:start + CHUNK]))
                                               .order_by(col(Customer.id).desc()))):
                self.by_email[email] = cid
        # a further phone or email (e.g. kept by a member merge) is that customer's too
        further = further_contact_holders(s, "phone", [f for f, p in forms.items() if p not in self.by_phone])
        for value, cid in sorted(further.items(), key=lambda item: -item[1]):
            self.by_phone[forms[value]] = cid
        for value, cid in further_contact_holders(s, "email", [e for e in emails if e not in self.by_email]).items():
            self.by_email[value] = cid

    def find(self, plan: dict[str, Any]) -> int | None:
        if plan["customer_ref"] and plan["customer_ref"] in self.by_ref:
            return self.by_ref[plan["customer_ref"]]
        if plan["phone"] and plan["phone"] in self.by_phone:
            return self.by_phone[plan["phone"]]
        if plan["email"] and plan["email"] in self.by_email:
            return self.by_email[plan["email"]]
        return None

    def create_pending(self, actor: Actor) -> dict[str, int]:
        """Insert the new customers (and their references and addresses); returns key -> id."""
        if not self.pending:
            return {}
        now = clock.now()
        conn = self.session.connection()
        new_ids = id_pool.allocate(conn, table_of(Customer), len(self.pending))
        ids: dict[str, int] = {}
        rows: list[dict[str, Any]] = []
        refs: list[dict[str, Any]] = []
        addresses: list[dict[str, Any]] = []

        def insert() -> None:  # a block at a time: the rows of 50,000 customers took 40 MB at once
            bulk.insert_dicts(conn, table_of(Customer), rows)
            bulk.insert_dicts(conn, table_of(CustomerImportRef), refs)
            bulk.insert_dicts(conn, table_of(CustomerAddress), addresses)
            for block in (rows, refs, addresses):
                block.clear()

        for cid, (key, plan) in zip(new_ids, self.pending.items(), strict=True):
            ids[key] = cid
            name = plan["customer_name"] or plan["phone"] or plan["email"] or plan["customer_ref"]
            rows.append({"id": cid, "name": name, "phone": plan["phone"], "email": plan["email"],
                         "note": "imported", "order_count": 0, "spent_minor": 0, "created_at": now, "updated_at": now})
            if plan["customer_ref"]:
                refs.append({"ref": plan["customer_ref"], "customer_id": cid})
            if plan["has_address"]:
                addresses.append(_address_row(cid, plan, now))
            if len(rows) >= CHUNK:
                insert()
        insert()
        shop.record(session=self.session, actor=actor, action="customer.import", entity="customer",
                     summary=f"{len(ids)} customers created by an order import")
        for key, cid in ids.items():
            plan = self.pending[key]
            if plan["customer_ref"]:
                self.by_ref[plan["customer_ref"]] = cid
            if plan["phone"]:
                self.by_phone.setdefault(plan["phone"], cid)
            if plan["email"]:
                self.by_email.setdefault(plan["email"], cid)
        return ids


def _address_fields(f: dict[str, str]) -> dict[str, str]:
    """The address an order's (checked) cells give: the order's ship-to, and a new customer's address."""
    try:  # a code or a name (``CN``, ``China``); a country no one knows is left empty, as before
        country = country_code(f["country"]) if (f.get("country") or "").strip() else ""
    except InvalidInput:
        country = ""
    # the address's region is its state or province; a sales region ("South", 华东) is the order's own field
    return {"country": country, "region": f.get("province") or "",
            "city": f.get("city") or "", "postal_code": f.get("postal_code") or ""}


def _address_row(customer_id: int, plan: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {"customer_id": customer_id, "recipient": plan["customer_name"], "phone": plan["phone"] or "",
            "district": "", "street": "", "is_default": True, "created_at": now, **plan["address"]}


def _create_products(session: Session, actor: Actor, skus: list[str], first_seen: dict[str, _Line],
                     variants: dict[str, tuple[int, str, bool]], track: bool) -> None:
    """Unknown SKUs become draft products (one variant each), all at once through the catalogue's
    ``create_products``: the rows, search lines and audit lines of ``create_product``, written in bulk."""
    from shoptui.errors import NotFound
    from shoptui.services import catalog

    categories: dict[str, int] = {}
    items = []
    for sku in skus:
        line = first_seen[sku]
        category_id = None
        if line.category:
            if line.category not in categories:
                try:
                    categories[line.category] = catalog.resolve_category(session=session, ref=line.category).id
                except NotFound:
                    categories[line.category] = catalog.create_category(session=session, actor=actor,
                                                                        name=line.category).id
            category_id = categories[line.category]
        items.append(catalog.ProductCreate(
            title=line.product_name or sku, status="draft", category_id=category_id,
            variants=[catalog.VariantInput(sku=sku, price_minor=line.unit_price_minor, track_stock=track)]))
    try:
        catalog.create_products(session=session, actor=actor, items=items)
    except InvalidInput as exc:
        item = (exc.field or "").split(".")
        sku = skus[int(item[1])] if len(item) > 1 and item[0] == "items" and item[1].isdigit() else skus[0]
        raise OrderImportRefused("import", [f"line {first_seen[sku].line}: the SKU {sku!r} cannot be created: "
                                            f"{exc}"]) from None
    variants.update(_variants_of(session, skus))


def _known_skus(session: Session, first_seen: dict[str, _Line], create_missing: bool,
                bad: Callable[[int, str], None]) -> tuple[dict[str, tuple[int, str, bool]], list[str]]:
    """The catalogue's variants of the SKUs first seen in the file, and the unknown SKUs (each refused at its first
    line unless they are to be created): the same for both paths of the import."""
    skus = sorted(first_seen)
    variants = _variants_of(session, skus)
    unknown_skus = [s for s in skus if s not in variants]
    if unknown_skus and not create_missing:
        for sku in unknown_skus:
            bad(first_seen[sku].line, f"the SKU {sku!r} is not in the catalogue (import with --create-missing to "
                "create it).")
    return variants, unknown_skus


def _variants_of(session: Session, skus: list[str]) -> dict[str, tuple[int, str, bool]]:
    """SKU -> (variant id, product title, tracks stock) of those of ``skus`` the catalogue has."""
    variants: dict[str, tuple[int, str, bool]] = {}
    for start in range(0, len(skus), CHUNK):
        for vid, sku, title, track in tuples(session.execute(
                select(col(Variant.id), col(Variant.sku), col(Product.title), col(Variant.track_stock))
                .join(Product, col(Product.id) == col(Variant.product_id))
                .where(col(Variant.sku).in_(skus[start:start + CHUNK])))):
            variants[sku] = (vid, title, bool(track))
    return variants


def _price(lines: list[_Line], tax_rate_bp: int) -> pricing_api.PricedOrder:
    """Price an imported order with the one assembler (``pricing.terms.assemble``), without offers.

    History keeps the prices it was sold at (its discounts are already in its lines), so no offer is
    applied again (no adjustments or shipping either); the totals and tax come from the same engine
    as every other order's, and a line it refuses is refused with its sentence. The priced order's
    lines are written as they are, in the order of ``lines``.
    """
    return pricing_api.assemble(None, tuple(lines), tax_rate_bp=tax_rate_bp).order


def _next_numbers(session: Session, prefix: str, count: int) -> array[int]:
    """``count`` order number values (``{prefix}{n:06d}``) from the order sequence, skipping numbers already taken."""
    value = session.execute(select(OrderSequence.next_value).where(OrderSequence.name == "order")).scalar()
    if value is None:
        value = (session.execute(select(func.max(Order.id))).scalar() or 0) + 1
        session.add(OrderSequence(name="order", next_value=value))
        session.flush()
    numbers = array("q")
    while len(numbers) < count:
        want = min(count - len(numbers), 100_000)
        taken: set[str] = set()
        by_width: dict[int, list[int]] = {}
        for n in range(value, value + want):
            by_width.setdefault(len(f"{n:06d}"), []).append(n)
        for same in by_width.values():  # numbers of one width sort as text: one range scan of the unique index
            taken.update(session.execute(select(Order.number).where(
                col(Order.number) >= f"{prefix}{same[0]:06d}", col(Order.number) <= f"{prefix}{same[-1]:06d}")).scalars())
        if taken:
            numbers.extend(n for n in range(value, value + want) if f"{prefix}{n:06d}" not in taken)
        else:
            numbers.extend(range(value, value + want))
        value += want
    session.execute(update(OrderSequence).where(col(OrderSequence.name) == "order").values(next_value=value)
                    .execution_options(synchronize_session=False))
    return numbers  # an array of ints: a list's reads at an eighth of the memory


ORDER_COLUMNS = (
    "id", "number", "channel", "external_ref", "customer_id", "customer_name", "customer_phone", "customer_email",
    "ship_recipient", "ship_phone", "ship_country", "ship_province", "ship_city", "ship_district", "ship_street",
    "ship_postal_code", "location_id", "stock_mode", "status", "payment_status", "fulfilment_status", "currency",
    "subtotal_minor", "adjustments_minor", "shipping_minor", "total_minor", "tax_minor", "tax_rate_bp", "paid_minor",
    "refunded_minor", "shipping_refunded_minor", "item_count", "shipment_count", "note", "reminder_count",
    "last_reminded_at", "created_by", "created_at", "updated_at", "paid_at", "shipped_at", "delivered_at",
    "completed_at", "cancelled_at", "version", "sales_region", "placed_day", "gross_minor", "cost_minor", "member_tier", *ATTRIBUTION_FIELDS)
LINE_COLUMNS = (
    "id", "order_id", "position", "variant_id", "sku", "title", "quantity", "unit_price_minor", "gross_minor",
    "line_discount_minor", "line_total_minor", "adjustment_minor", "net_minor", "tax_minor", "quantity_shipped",
    "quantity_returned", "quantity_refunded", "refunded_minor", "unit_cost_minor")
PAYMENT_COLUMNS = ("order_id", "method", "amount_minor", "tendered_minor", "change_minor", "refunded_minor", "reference",
                   "actor", "at")
EVENT_COLUMNS = ("order_id", "at", "kind", "actor", "message", "data")
TIME_COLUMNS = {  # columns whose values _write passes already bound (through bulk.time_binder)
    table_of(Order): {"last_reminded_at", "created_at", "updated_at", "paid_at", "shipped_at", "delivered_at",
                      "completed_at", "cancelled_at"},
    table_of(OrderPayment): {"at"}, table_of(OrderEvent): {"at"}, table_of(OrderLine): set(),
}
FLUSH_ORDERS = 5_000
LINE_ID_BLOCK = 50_000  # order line ids taken at once
# tables written many rows per statement (store.bulk): sales_order's three ``IN (...)`` CHECKs
# set up a temporary table per executed statement, so one statement per row paid it per row
# (100k orders: 3.4 -> 2.3 s CPU); payments and events halve too (0.35 -> 0.16 s each). With the
# indexes built after the inserts, the inserts touch only each table's right-hand pages: a page cache
# of IMPORT_CACHE_BYTES (tuning.page_cache_of) writes as fast as the store's 64 MiB, in 50 MB less.
DEFER_INDEXES_FROM = 20_000  # orders (or lines) from which an import builds the order tables' indexes afterwards
MULTI_ROW_TABLES = frozenset({"sales_order", "order_line", "order_payment", "order_event"})


class _Indexed(Protocol[_T_co]):
    """What the write reads per order k: an array or list by k, or (an import at scale) the current order's only."""

    def __getitem__(self, k: int, /) -> _T_co: ...


@dataclass(frozen=True)
class _WriteSpec:
    """What the write pass needs besides the orders' lines: the store's terms and the first pass's per-order numbers."""

    prefix: str
    currency: str
    tax_rate_bp: int
    method: str
    affect_stock: bool
    ordered_us: _Indexed[int]
    shipped_us: _Indexed[int]
    rank: _Indexed[int]  # k -> position of the order by time: its number and id
    info: _Indexed[dict[str, Any]]  # k -> its plan (status, channel, customer, address)
    first_line: _Indexed[int]
    span_us: tuple[int, int]  # the earliest and latest order times of the file: the days whose rollups are rebuilt
    tiers: dict[int, str]  # customer id -> member tier code now (members only): the orders' member_tier


def _write(session: Session, actor: Actor, complete: Iterator[tuple[int, str, list[_Line]]], count: int, lines_total: int,
           variants: dict[str, tuple[int, str, bool]], report: OrderImportReport, spec: _WriteSpec,
           bad: Callable[[int, str], None], *, progress: Progress | None) -> None:
    """Price and write the orders as the second pass completes them, a block of ``FLUSH_ORDERS`` at a time."""
    numbers = _next_numbers(session, spec.prefix, count)
    prefix = spec.prefix
    report.first_number, report.last_number = f"{prefix}{numbers[0]:06d}", f"{prefix}{numbers[-1]:06d}"
    conn = session.connection()
    order_ids = id_pool.allocate(conn, table_of(Order), count)
    line_ids: Iterator[int] = iter(())
    ids_left, lines_to_number = 0, lines_total
    order_rows: list[tuple[Any, ...]] = []
    line_rows: list[tuple[Any, ...]] = []
    payment_rows: list[tuple[Any, ...]] = []
    event_rows: list[tuple[Any, ...]] = []
    stats: dict[tuple[str, str, str], int] = {}
    spent: dict[int, list[Any]] = {}  # customer id -> [orders, spent, last order]
    moves: list[tuple[str, int, int, str]] = []  # (kind, variant id, quantity, order number)
    who = actor.name[:100]
    stock_mode = "reserve" if spec.affect_stock else "none"
    affect_stock, currency, tax_rate_bp, method = spec.affect_stock, spec.currency, spec.tax_rate_bp, spec.method
    ordered_us, shipped_us, rank, info, first_line = spec.ordered_us, spec.shipped_us, spec.rank, spec.info, spec.first_line
    tiers = spec.tiers
    zone = shop.timezone(session=session)
    costs = _variant_costs(session, {vid for vid, _, _ in variants.values()})  # the cost when sold, per variant
    bind = bulk.time_binder(conn, table_of(Order).c.created_at)
    known_times = bind.known
    moment = _moment
    written = 0
    failed = False
    total_minor = 0

    def flush() -> None:
        for table, names, rows in ((table_of(Order), ORDER_COLUMNS, order_rows),
                                   (table_of(OrderLine), LINE_COLUMNS, line_rows),
                                   (table_of(OrderPayment), PAYMENT_COLUMNS, payment_rows),
                                   (table_of(OrderEvent), EVENT_COLUMNS, event_rows)):
            bulk.insert_rows(conn, table, names, rows, bound=TIME_COLUMNS[table],
                             multi_row=table.name in MULTI_ROW_TABLES)
            rows.clear()
        known_times.clear()  # times rarely repeat across blocks: the memo stays small
        if moves:
            _move_stock(session, actor, moves)
            moves.clear()

    work = [("sales_order", count), ("order_line", lines_total), ("order_payment", count), ("order_event", count)]
    # many orders into few: their indexes are built once after the inserts (see bulk.indexes_deferred)
    with bulk.indexes_deferred(conn, work, threshold=DEFER_INDEXES_FROM):
        for k, ref, lines in complete:
            try:
                priced = _price(lines, tax_rate_bp)
            except InvalidInput as exc:
                bad(lines[0].line, f"order {ref}: {exc}")
                failed = True
                continue
            total_minor += priced.total_minor
            if failed:  # refused already: price the rest for the list of problems, write nothing more
                continue
            if ids_left < len(lines):  # line ids a block at a time (PostgreSQL hands out a list of them)
                flush()  # every id taken so far is in the table before more are taken (SQLite: max + 1)
                ids_left = min(max(LINE_ID_BLOCK, len(lines)), lines_to_number)
                line_ids = iter(id_pool.allocate(conn, table_of(OrderLine), ids_left))
            ids_left -= len(lines)
            lines_to_number -= len(lines)
            plan = info[k]
            position_by_time = rank[k]
            number = f"{prefix}{numbers[position_by_time]:06d}"
            order_id = order_ids[position_by_time]
            status, payment_status, fulfilment = STATUSES[plan["status"]]
            ordered = moment(ordered_us[k])
            shipped_flag = fulfilment in ("shipped", "delivered")
            paid = priced.total_minor if payment_status == "paid" else 0
            cid = plan["cid"]
            address = plan["address"]
            payment = machine.derive_payment(total_minor=priced.total_minor, paid_minor=paid, refunded_minor=0)
            if status == "cancelled":
                payment = "unpaid" if paid == 0 else payment
            key = (status, payment, fulfilment)
            stats[key] = stats.get(key, 0) + 1
            at = known_times.get(ordered) or bind(ordered)
            if shipped_flag:
                shipped_bound = at if shipped_us[k] == NO_TIME else bind(moment(shipped_us[k]))
            else:
                shipped_bound = None
            done_bound = shipped_bound if status == "completed" else None
            items = 0
            position = 0
            gross = cost = 0
            for line, p in zip(lines, priced.lines, strict=True):
                vid, title, track = variants[line.key]
                quantity = line.quantity
                items += quantity
                position += 1
                unit_cost = costs.get(vid, 0)
                gross += p.gross_minor
                cost += unit_cost * quantity
                line_rows.append((
                    next(line_ids), order_id, position, vid, line.key, (line.product_name or title), quantity,
                    line.unit_price_minor, p.gross_minor, p.line_discount_minor, p.line_total_minor, 0, p.net_minor,
                    p.tax_minor, quantity if shipped_flag else 0, 0, 0, 0, unit_cost,
                ))
                if affect_stock and track and status != "cancelled":
                    moves.append(("sell" if shipped_flag else "reserve", vid, quantity, number))
            customer_name, phone = plan["customer_name"], plan["phone"]
            order_rows.append((
                order_id, number, plan["channel"], ref, cid, customer_name, phone, plan["email"],
                customer_name, phone or "", address["country"], address["region"], address["city"], "", "",
                address["postal_code"], None, stock_mode, status, payment, fulfilment, currency, priced.subtotal_minor,
                0, 0, priced.total_minor, priced.tax_minor, tax_rate_bp, paid, 0, 0, items,
                0, "", 0, None, who, at, at, at if paid else None, shipped_bound, done_bound, done_bound,
                at if status == "cancelled" else None, 1, plan["sales_region"],
                ordered.astimezone(zone).date(), gross, cost, tiers.get(cid, "") if cid is not None else "",
                *plan["attribution"],
            ))
            if paid:
                payment_rows.append((order_id, method, paid, None, 0, 0, f"imported {ref}"[:200], who, at))
            event_rows.append((order_id, at, "imported", who,
                               f"Imported from history ({ref}, {plan['status']}, line {first_line[k]}).", None))
            if cid is not None and status != "cancelled":
                entry = spent.get(cid)
                if entry is None:
                    spent[cid] = [1, paid, ordered]
                else:
                    entry[0] += 1
                    entry[1] += paid
                    if ordered > entry[2]:
                        entry[2] = ordered
            written += 1
            if len(order_rows) >= FLUSH_ORDERS:
                flush()
                if progress:
                    progress(f"wrote {written:,} of {count:,} orders")
        if failed:
            report.total_minor = total_minor
            return
        flush()
    report.total_minor = total_minor
    for key, delta in stats.items():
        machine.count(session, key, delta)
    if written:  # the sales rollups of the days the history covers
        from shoptui.services.orders.rollups import rebuild_rollups

        days = [moment(us).astimezone(zone).date() for us in spec.span_us]
        rebuild_rollups(session, min(days), max(days))
    if spent:
        _update_customers(session, spent)
    if progress and count >= FLUSH_ORDERS:
        progress(f"wrote {written:,} orders")


def _variant_costs(session: Session, ids: set[int]) -> dict[int, int]:
    """Each variant's cost per unit now (0 when it has none): what an imported line records as its cost when sold."""
    wanted = sorted(ids)
    out: dict[int, int] = {}
    for start in range(0, len(wanted), CHUNK):
        out.update((int(vid), int(cost or 0)) for vid, cost in tuples(session.execute(
            select(Variant.id, Variant.cost_minor).where(col(Variant.id).in_(wanted[start:start + CHUNK])))).all())
    return out


def _update_customers(session: Session, spent: dict[int, list[Any]]) -> None:
    ids = list(spent)
    current: dict[int, datetime | None] = {}
    for start in range(0, len(ids), CHUNK):
        current.update(session.execute(select(Customer.id, Customer.last_order_at)
                                       .where(col(Customer.id).in_(ids[start:start + CHUNK]))).all())
    from sqlalchemy import bindparam

    table = table_of(Customer)
    statement = (update(table).where(table.c.id == bindparam("cid"))
                 .values(order_count=table.c.order_count + bindparam("n"),
                         spent_minor=table.c.spent_minor + bindparam("amount"), last_order_at=bindparam("last")))
    rows = []
    for cid, (n, amount, last) in spent.items():
        before = current.get(cid)
        rows.append({"cid": cid, "n": n, "amount": amount, "last": max(before, last) if before and last else last or before})
    session.connection().execute(statement, rows)


def _move_stock(session: Session, actor: Actor, moves: list[tuple[str, int, int, str]]) -> None:
    """--affect-stock: shipped lines leave stock, open lines are reserved, through the inventory service."""
    from shoptui.services.inventory import reserve, sell

    for kind, variant_id, quantity, number in moves:
        if kind == "sell":
            sell(session=session, actor=actor, variant_id=variant_id, quantity=quantity, ref_kind="order",
                           ref_id=number)
        else:
            reserve(session=session, actor=actor, variant_id=variant_id, quantity=quantity, ref_kind="order",
                              ref_id=number)
