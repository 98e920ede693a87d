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
no stock unless ``affect_stock``. Everything is checked before anything is written, rows are
written with bulk Core inserts, totals come from ``services.pricing.engine``, and any bad row refuses
the whole file with line-numbered reasons.

Speed (issue 6: 30,000 lines/s, ``python -m bench order_import``): cells that repeat (prices, rates,
names, phones, times) are parsed once; plain numeric date formats skip ``strptime`` (same result);
lookups are one query per few thousand keys; ids are assigned in Python and rows go to the driver
as tuples in a few ``executemany`` calls; counters and customer stats are set-based updates; one
audit entry sums the import up; cyclic GC is paused while the rows are built.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from operator import itemgetter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel
from sqlalchemy import func, update
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
from shoptui.services.members import further_contact_holders
from shoptui.services.orders import status as machine
from shoptui.services.shop import country_code, store_region
from shoptui.store import bulk, tuning
from shoptui.store import ids as id_pool
from shoptui.store.rows import tuples
from shoptui.text import check_text
from shoptui.typed import number_text
from shoptui.wording import plural

FIELDS = ("order_ref", "ordered_at", "shipped_at", "status", "customer_ref", "customer_name", "customer_email",
          "customer_phone", "country", "region", "province", "city", "postal_code", "sku", "product_name",
          "category", "quantity", "unit_price", "line_total", "discount_rate", "channel")
ORDER_FIELDS = ("ordered_at", "shipped_at", "status", "customer_ref", "customer_name", "customer_email",
                "customer_phone", "country", "region", "province", "city", "postal_code", "channel")
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
MAX_QUANTITY = 1_000_000
CHUNK = 5_000  # values per IN (...) lookup: well under SQLite's 32,766 and PostgreSQL's 65,535 parameters
Progress = Callable[[str], None]
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


@dataclass
class _Group:
    ref: str
    first_line: int
    fields: dict[str, str]
    lines: list[_Line] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)  # field -> line it was first given on
    last_raw: tuple[str, ...] | None = None  # the order-level cells of the last row that agreed


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


def _time_parser(fmt: str | None, tz: Any) -> Callable[[str], datetime]:
    """Text -> aware UTC datetime as ``_parse_time`` does, with a fast path for plain numeric formats."""
    regex = _format_regex(fmt) if fmt else None
    cache: dict[str, datetime] = {}

    def parse(raw: str) -> datetime:
        try:
            return cache[raw]
        except KeyError:
            pass
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
            value = self.known[raw] = self.fn(raw)
            return value


def _norm_text(value: str, limit: int, what: str) -> str:
    """A text cell as stored; InvalidInput when it is too long or holds control characters (never cut)."""
    return check_text(value, what, limit, required=False) or ""


# ---------------------------------------------------------------- the import


def import_orders(*, session: Session, actor: Actor, content: bytes, mapping: Mapping, source: str = "file",
                  dry_run: bool = False, create_missing: bool = False, affect_stock: bool = False,
                  progress: Progress | None = None) -> OrderImportReport:
    """Import order history from CSV bytes; all or nothing. Raises OrderImportRefused listing bad lines."""
    content = add_combined(content, mapping.combined, source)
    with tuning.gc_paused():
        return _import_orders(session=session, actor=actor, content=content, mapping=mapping, source=source,
                              dry_run=dry_run, create_missing=create_missing, affect_stock=affect_stock,
                              progress=progress)


def _import_orders(*, session: Session, actor: Actor, content: bytes, mapping: Mapping, source: str, dry_run: bool,
                   create_missing: bool, affect_stock: bool, progress: Progress | None) -> OrderImportReport:
    values = shop.get_all(session=session)
    digits = int(values["currency_digits"])
    currency_code = values["currency"]
    tax_rate_bp = int(values.get("tax_rate_bp", 0))
    prefix = values.get("order_number_prefix", "SO-")
    tz = ZoneInfo(mapping.timezone or values["timezone"])
    text = _decode(content, source)
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(first_line))
    try:
        header = [unicodedata.normalize("NFC", h).strip() for h in next(reader)]
    except StopIteration:
        raise InvalidInput(f"{source} is empty; it needs a header row and at least one order line.") from None
    except csv.Error as exc:
        raise InvalidInput(f"{source} is not readable CSV ({exc}).") from None
    positions: dict[str, int] = {}
    for our, theirs in mapping.columns.items():
        if theirs not in header:
            raise InvalidInput(f"The mapping names the column {theirs!r} for {our}, but {source} has no such column. "
                               f"Its columns are: {', '.join(header)}.")
        positions[our] = header.index(theirs)
    problems: list[str] = []
    problem_count = 0

    def bad(line: int, reason: str) -> None:
        nonlocal problem_count
        problem_count += 1
        if len(problems) < MAX_REPORTED:
            problems.append(f"line {line}: {reason}")

    amounts = _Amounts(digits)
    parse_amount = _Memo(amounts.parse)
    rate_bp = _Memo(_rate_bp)
    product_name = _Memo(lambda raw: _norm_text(raw, 300, "product name"))
    known_amount, known_name = parse_amount.known, product_name.known  # amounts are tuples: never falsy
    known_rate = rate_bp.known
    apply_bp, max_unit = pricing_api.apply_bp, pricing_api.BP_ONE * 10**9
    groups: dict[str, _Group] = {}
    rows = 0
    rounded = 0
    order_positions = [(f, positions[f]) for f in ORDER_FIELDS if f in positions]
    order_names = [name for name, _ in order_positions]
    order_cells: Callable[[list[str]], tuple[str, ...]] = (
        itemgetter(*(index for _, index in order_positions)) if len(order_positions) > 1
        else lambda row, index=order_positions[0][1]: (row[index],))  # type: ignore[misc]  # a default argument binds the index; mypy cannot type it
    p_ref, p_sku, p_qty = positions["order_ref"], positions["sku"], positions["quantity"]
    p_unit, p_total = positions.get("unit_price"), positions.get("line_total")
    p_rate, p_name, p_cat = positions.get("discount_rate"), positions.get("product_name"), positions.get("category")
    width = len(header)
    padding = [""] * width
    make_line = _make_line
    try:
        for row in reader:
            if len(row) < width:
                if not row or not "".join(row).strip():
                    continue
                row = row + padding[len(row):]
            ref = row[p_ref].strip()
            if not ref and not "".join(row).strip():
                continue
            line = reader.line_num
            rows += 1
            if progress and rows % 50_000 == 0:
                progress(f"read {rows:,} lines")
            if not ref:
                bad(line, "the order_ref is empty.")
                continue
            if len(ref) > 100:
                bad(line, f"the order_ref {ref[:20]!r}... is longer than 100 characters.")
                continue
            sku = row[p_sku].strip()
            if not sku:
                bad(line, f"order {ref}: the sku is empty.")
                continue
            try:
                quantity = int(row[p_qty])  # int() ignores surrounding white space itself
            except ValueError:
                bad(line, f"the quantity {row[p_qty].strip()!r} is not a whole number.")
                continue
            if quantity <= 0:
                bad(line, f"the quantity {quantity} of {sku} must be more than zero.")
                continue
            if quantity > MAX_QUANTITY:
                bad(line, f"the quantity {quantity} of {sku} is too large.")
                continue
            try:
                was_rounded = False
                if p_unit is not None and row[p_unit].strip():
                    unit, r1 = known_amount.get(row[p_unit]) or parse_amount(row[p_unit])
                    gross = unit * quantity
                    if p_total is not None and row[p_total].strip():
                        total, r2 = parse_amount(row[p_total])
                        if total > gross:
                            bad(line, f"the line_total of {sku} is more than quantity x unit_price.")
                            continue
                        discount = gross - total
                    else:
                        bp: int | None = 0
                        if p_rate is not None and row[p_rate].strip():
                            bp = known_rate.get(row[p_rate])
                            if bp is None:
                                bp = rate_bp(row[p_rate])
                        discount = apply_bp(gross, bp) if bp else 0
                        total, r2 = gross - discount, False
                    was_rounded = r1 or r2
                elif p_total is not None and row[p_total].strip():
                    total, was_rounded = parse_amount(row[p_total])
                    unit = -(-total // quantity)
                    discount = unit * quantity - total
                else:
                    bad(line, f"{sku} has no unit_price or line_total.")
                    continue
            except ValueError as exc:
                what = "discount_rate" if "rate" in str(exc) or "100%" in str(exc) else "amount"
                reason = "is negative" if str(exc) == "negative" else "is not a number like 12.50" \
                    if what == "amount" else "is not a rate like 10% (or 0.1), at most 100%"
                if str(exc) == "comma":
                    reason = "is not a number like 12.50 (a comma only separates thousands, as in 1,234.50)"
                bad(line, f"the {what} of {sku} {reason}.")
                continue
            if unit >= max_unit:
                bad(line, f"the price of {sku} is too large.")
                continue
            rounded += was_rounded
            group = groups.get(ref)
            if group is None:
                group = _Group(ref=ref, first_line=line, fields={})
                groups[ref] = group
            cells = order_cells(row)
            if cells != group.last_raw:  # the same cells as the row before agree again: nothing to check
                agreed = True
                for name, value in zip(order_names, cells, strict=True):
                    value = value.strip()
                    if not value:
                        continue
                    before = group.fields.get(name)
                    if before is None:
                        group.fields[name] = value
                        group.seen[name] = line
                    elif before != value:
                        agreed = False
                        bad(line, f"order {ref} has {name} {value!r} here but {before!r} on line {group.seen[name]}; "
                            "every row of one order must agree.")
                if agreed:
                    group.last_raw = cells
            if p_name is not None:
                raw_name = row[p_name]
                try:
                    name = known_name.get(raw_name) or product_name(raw_name)
                except InvalidInput as exc:
                    bad(line, f"{str(exc)[:1].lower()}{str(exc)[1:]}")
                    name = ""
            else:
                name = ""
            category_name = ""
            if p_cat is not None and row[p_cat].strip():
                try:
                    category_name = _norm_text(row[p_cat], 100, "category")
                except InvalidInput as exc:
                    bad(line, f"{str(exc)[:1].lower()}{str(exc)[1:]}")
            group.lines.append(make_line(sku, quantity, unit, discount, None, None, "", "", None, line, name,
                                         category_name, total))  # _new_line, without a call between
    except csv.Error as exc:
        raise InvalidInput(f"{source} line {reader.line_num} is not readable CSV ({exc}).") from None
    if rows == 0:
        raise InvalidInput(f"{source} has a header but no order lines.")
    if progress and rows >= 50_000:
        progress(f"read {rows:,} lines into {len(groups):,} orders")

    # order-level fields: dates, status, channel
    plans: list[dict[str, Any]] = []
    parse_time = _time_parser(mapping.date_format, tz)
    for group in groups.values():
        f = group.fields
        try:
            ordered = parse_time(f.get("ordered_at", ""))
        except ValueError:
            fmt = mapping.date_format or "ISO 8601 (2024-03-01 or 2024-03-01 10:00)"
            bad(group.seen.get("ordered_at", group.first_line),
                f"the ordered_at {f.get('ordered_at', '')!r} of order {group.ref} is not a date in the format {fmt}.")
            continue
        shipped = None
        if f.get("shipped_at"):
            try:
                shipped = parse_time(f["shipped_at"])
            except ValueError:
                bad(group.seen["shipped_at"], f"the shipped_at {f['shipped_at']!r} of order {group.ref} is not a date "
                    f"in the format {mapping.date_format or 'ISO 8601'}.")
                continue
        word = f.get("status", "").strip().lower() or mapping.default_status
        status = mapping.status_map.get(word, word)
        if status not in STATUSES:
            bad(group.seen.get("status", group.first_line),
                f"the status {f.get('status')!r} of order {group.ref} is not one of {', '.join(STATUSES)} (add it to "
                "[status_map]).")
            continue
        channel = f.get("channel", "").strip().lower() or "imported"
        if channel not in CHANNELS:
            bad(group.seen.get("channel", group.first_line),
                f"the channel {f.get('channel')!r} of order {group.ref} is not one of {', '.join(CHANNELS)}.")
            continue
        plans.append({"group": group, "ordered": ordered, "shipped": shipped, "status": status, "channel": channel})

    # customers
    from shoptui.services.shop import optional_email, optional_phone

    region = store_region(session)
    phone_of = _Memo(lambda raw: optional_phone(raw, region, field="customer phone"))
    email_of = _Memo(lambda raw: optional_email(raw, field="customer email"))
    # names, cities and references repeat across orders: each distinct text is checked once
    plain_texts = [(key, _Memo(partial(_norm_text, limit=limit, what=what)))
                   for key, what, limit in (("customer_ref", "customer_ref", 100), ("customer_name", "customer name", 100),
                                            ("region", "region", 100), ("province", "province", 100),
                                            ("city", "city", 100), ("postal_code", "postal code", 20))]
    for plan in plans:
        f = plan["group"].fields
        try:
            phone, email = f.get("customer_phone"), f.get("customer_email")
            plan["phone"] = None if phone is None else phone_of(phone)
            plan["email"] = None if email is None else email_of(email)
        except InvalidInput as exc:
            bad(plan["group"].seen.get("customer_phone") or plan["group"].seen.get("customer_email")
                or plan["group"].first_line, f"order {plan['group'].ref}: {str(exc)[:1].lower()}{str(exc)[1:]}")
            plan["phone"] = plan["email"] = None
        for key, norm in plain_texts:
            try:
                raw = f.get(key)
                # an empty cell (or a column the file lacks) stays empty: no check to run, nothing to remember
                f[key] = (norm.known.get(raw) or norm(raw)) if raw else ""
            except InvalidInput as exc:
                bad(plan["group"].seen.get(key, plan["group"].first_line),
                    f"order {plan['group'].ref}: {str(exc)[:1].lower()}{str(exc)[1:]}")
                f[key] = ""
        plan["customer_ref"] = f["customer_ref"] or None
        plan["customer_name"] = f["customer_name"]
    if problems:
        raise OrderImportRefused(source, problems, problem_count)

    # already imported: skip
    existing: set[tuple[str, str]] = set()
    refs = list(groups)
    for start in range(0, len(refs), CHUNK):
        chunk = refs[start:start + CHUNK]
        existing.update(session.execute(select(Order.external_ref, Order.channel)
                                        .where(col(Order.external_ref).in_(chunk))).all())
    fresh = [p for p in plans if (p["group"].ref, p["channel"]) not in existing]
    skipped = len(plans) - len(fresh)

    # SKUs
    skus = sorted({line.key for p in fresh for line in p["group"].lines})
    variants: dict[str, tuple[int, str, bool]] = {}
    for start in range(0, len(skus), CHUNK):
        for vid, sku, title, track in tuples(session.execute(
                select(col(Variant.id), col(Variant.sku), col(Product.title), col(Variant.track_stock))
                .join(Product, col(Product.id) == col(Variant.product_id))
                .where(col(Variant.sku).in_(skus[start:start + CHUNK])))):
            variants[sku] = (vid, title, bool(track))
    unknown_skus = [s for s in skus if s not in variants]
    first_seen: dict[str, _Line] = {}
    for p in fresh:
        for line in p["group"].lines:
            first_seen.setdefault(line.key, line)
    if unknown_skus and not create_missing:
        for sku in unknown_skus:
            bad(first_seen[sku].line, f"the SKU {sku!r} is not in the catalogue (import with --create-missing to "
                "create it).")

    # customers: by reference, phone, email
    customers = _CustomerResolver(session)
    customers.load(fresh)
    new_customers: list[str] = []
    for p in fresh:
        found = customers.find(p)
        if found is None and (p["customer_ref"] or p["phone"] or p["email"]):
            key = customers.key(p)
            if key not in customers.pending:
                customers.pending[key] = p
                new_customers.append(p["customer_name"] or p["phone"] or p["email"] or p["customer_ref"] or "")
                if not create_missing:
                    who = p["customer_ref"] or p["phone"] or p["email"]
                    bad(p["group"].seen.get("customer_ref") or p["group"].seen.get("customer_phone")
                        or p["group"].seen.get("customer_email") or p["group"].first_line,
                        f"the customer {who!r} of order {p['group'].ref} is unknown (import with --create-missing to "
                        "create it).")
    if problems:
        raise OrderImportRefused(source, problems, problem_count)

    # price every order (pure functions) before writing anything
    total_lines = 0
    total_minor = 0
    for p in fresh:
        group = p["group"]
        try:
            priced = _price(group.lines, tax_rate_bp)
        except InvalidInput as exc:
            bad(group.first_line, f"order {group.ref}: {exc}")
            continue
        p["priced"] = priced
        total_lines += len(group.lines)
        total_minor += priced.total_minor
    if problems:
        raise OrderImportRefused(source, problems, problem_count)
    report = OrderImportReport(
        source=source, lines=rows, orders_created=len(fresh), orders_skipped=skipped, order_lines=total_lines,
        total_minor=total_minor, customers_created=new_customers, products_created=unknown_skus if create_missing else [],
        rounded_lines=rounded, stock_moved=affect_stock and bool(fresh), dry_run=dry_run)
    if dry_run or not fresh:
        return report

    # ---- writing
    if unknown_skus:
        _create_products(session, actor, unknown_skus, first_seen, variants, affect_stock)
    customer_ids = customers.create_pending(actor)
    with tuning.page_cache_for(session.connection(), total_lines + 3 * len(fresh), threshold=DEFER_INDEXES_FROM):
        _write(session, actor, fresh, variants, customers, customer_ids, report, prefix=prefix,
               currency=currency_code, tax_rate_bp=tax_rate_bp, method=mapping.payment_method,
               affect_stock=affect_stock, progress=progress)
    shop.record(session=session, actor=actor, action="order.import", entity="order",
                 summary=f"{plural(len(fresh), 'order')} imported from {source}"[:500],
                 after={"orders": len(fresh), "lines": total_lines, "skipped": skipped, "rounded_lines": rounded,
                        "first": report.first_number, "last": report.last_number})
    session.flush()
    return report


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
        rows, refs, addresses = [], [], []
        for cid, (key, plan) in zip(new_ids, self.pending.items(), strict=True):
            ids[key] = cid
            f = plan["group"].fields
            name = plan["customer_name"] or plan["phone"] or plan["email"] or plan["customer_ref"]
            rows.append({"id": cid, "name": name, "phone": plan["phone"], "email": plan["email"],
                         "note": "imported", "order_count": 0, "spent_minor": 0, "created_at": now, "updated_at": now})
            if plan["customer_ref"]:
                refs.append({"ref": plan["customer_ref"], "customer_id": cid})
            if any(f.get(k) for k in ("country", "region", "province", "city", "postal_code")):
                addresses.append(_address_row(cid, plan, now))
        bulk.insert_dicts(conn, table_of(Customer), rows)
        bulk.insert_dicts(conn, table_of(CustomerImportRef), refs)
        bulk.insert_dicts(conn, table_of(CustomerAddress), addresses)
        shop.record(session=self.session, actor=actor, action="customer.import", entity="customer",
                     summary=f"{len(rows)} customers created by an order import")
        for key, cid in ids.items():
            plan = self.pending[key]
            if plan["customer_ref"]:
                self.by_ref[plan["customer_ref"]] = cid
            if plan["phone"]:
                self.by_phone.setdefault(plan["phone"], cid)
            if plan["email"]:
                self.by_email.setdefault(plan["email"], cid)
        return ids


def _address_fields(plan: dict[str, Any]) -> dict[str, str]:
    f = plan["group"].fields
    try:  # a code or a name (``CN``, ``China``); a country no one knows is left empty, as before
        country = country_code(f["country"]) if (f.get("country") or "").strip() else ""
    except InvalidInput:
        country = ""
    return {"country": country, "region": f.get("region") or f.get("province") or "",
            "city": f.get("city") or "", "postal_code": f.get("postal_code") or ""}


def _address_row(customer_id: int, plan: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {"customer_id": customer_id, "recipient": plan["customer_name"], "phone": plan["phone"] or "",
            "district": "", "street": "", "is_default": True, "created_at": now, **_address_fields(plan)}


def _create_products(session: Session, actor: Actor, skus: list[str], first_seen: dict[str, _Line],
                     variants: dict[str, tuple[int, str, bool]], track: bool) -> None:
    """Unknown SKUs become draft products (one variant each) through the catalogue service."""
    from shoptui.errors import NotFound
    from shoptui.services import catalog

    categories: dict[str, int] = {}
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
        try:
            product = catalog.create_product(session=session, actor=actor, data=catalog.ProductCreate(
                title=line.product_name or sku, status="draft", category_id=category_id,
                variants=[catalog.VariantInput(sku=sku, price_minor=line.unit_price_minor, track_stock=track)]))
        except InvalidInput as exc:
            raise OrderImportRefused("import", [f"line {line.line}: the SKU {sku!r} cannot be created: {exc}"]) from None
        variant = product.variants[0]
        variants[sku] = (variant.id, product.title, track)


def _price(lines: list[_Line], tax_rate_bp: int) -> pricing_api.PricedOrder:
    """Price an imported order with the one assembler (``pricing.terms.assemble``), without offers.

    History keeps the prices it was sold at (its discounts are already in its lines), so no offer is
    applied again (no adjustments or shipping either); the totals and tax come from the same engine
    as every other order's, and a line it refuses is refused with its sentence. The priced order's
    lines are written as they are, in the order of ``lines``.
    """
    return pricing_api.assemble(None, tuple(lines), tax_rate_bp=tax_rate_bp).order


def _next_numbers(session: Session, prefix: str, count: int) -> list[str]:
    """``count`` order numbers from the order sequence, skipping numbers already taken."""
    value = session.execute(select(OrderSequence.next_value).where(OrderSequence.name == "order")).scalar()
    if value is None:
        value = (session.execute(select(func.max(Order.id))).scalar() or 0) + 1
        session.add(OrderSequence(name="order", next_value=value))
        session.flush()
    numbers: list[str] = []
    while len(numbers) < count:
        want = count - len(numbers)
        block = [f"{prefix}{n:06d}" for n in range(value, value + want)]
        taken: set[str] = set()
        by_width: dict[int, list[str]] = {}
        for number in block:
            by_width.setdefault(len(number), []).append(number)
        for same in by_width.values():  # numbers of one width sort as text: one range scan of the unique index
            taken.update(session.execute(select(Order.number).where(col(Order.number) >= same[0],
                                                                    col(Order.number) <= same[-1])).scalars())
        numbers += [n for n in block if n not in taken]
        value += want
    session.execute(update(OrderSequence).where(col(OrderSequence.name) == "order").values(next_value=value)
                    .execution_options(synchronize_session=False))
    return numbers


ORDER_COLUMNS = (
    "id", "number", "channel", "external_ref", "customer_id", "customer_name", "customer_phone", "customer_email",
    "ship_recipient", "ship_phone", "ship_country", "ship_region", "ship_city", "ship_district", "ship_street",
    "ship_postal_code", "location_id", "stock_mode", "status", "payment_status", "fulfilment_status", "currency",
    "subtotal_minor", "adjustments_minor", "shipping_minor", "total_minor", "tax_minor", "tax_rate_bp", "paid_minor",
    "refunded_minor", "shipping_refunded_minor", "item_count", "shipment_count", "note", "reminder_count",
    "last_reminded_at", "created_by", "created_at", "updated_at", "paid_at", "shipped_at", "delivered_at",
    "completed_at", "cancelled_at", "version")
LINE_COLUMNS = (
    "id", "order_id", "position", "variant_id", "sku", "title", "quantity", "unit_price_minor", "gross_minor",
    "line_discount_minor", "line_total_minor", "adjustment_minor", "net_minor", "tax_minor", "quantity_shipped",
    "quantity_returned", "quantity_refunded", "refunded_minor")
PAYMENT_COLUMNS = ("order_id", "method", "amount_minor", "tendered_minor", "change_minor", "refunded_minor", "reference",
                   "actor", "at")
EVENT_COLUMNS = ("order_id", "at", "kind", "actor", "message", "data")
TIME_COLUMNS = {  # columns whose values _write passes already bound (through bulk.time_binder)
    table_of(Order): {"last_reminded_at", "created_at", "updated_at", "paid_at", "shipped_at", "delivered_at",
                      "completed_at", "cancelled_at"},
    table_of(OrderPayment): {"at"}, table_of(OrderEvent): {"at"}, table_of(OrderLine): set(),
}
FLUSH_ORDERS = 20_000
# tables written many rows per statement (store.bulk): sales_order's three ``IN (...)`` CHECKs
# set up a temporary table per executed statement, so one statement per row paid it per row
# (100k orders: 3.4 -> 2.3 s CPU); payments and events halve too (0.35 -> 0.16 s each). Order
# lines measured no faster while the page cache spilled; with it grown for the import
# (tuning.page_cache_for) 300k lines take 0.7 s CPU instead of 0.85-0.9 s.
DEFER_INDEXES_FROM = 20_000  # orders (or lines) from which an import builds the order tables' indexes afterwards
MULTI_ROW_TABLES = frozenset({"sales_order", "order_line", "order_payment", "order_event"})


def _write(session: Session, actor: Actor, plans: list[dict[str, Any]], variants: dict[str, tuple[int, str, bool]],
           customers: _CustomerResolver, customer_ids: dict[str, int], report: OrderImportReport, *, prefix: str,
           currency: str, tax_rate_bp: int, method: str, affect_stock: bool, progress: Progress | None) -> None:
    plans.sort(key=lambda p: (p["ordered"], p["group"].first_line))
    numbers = _next_numbers(session, prefix, len(plans))
    report.first_number, report.last_number = numbers[0], numbers[-1]
    lines_total = sum(len(plan["group"].lines) for plan in plans)
    conn = session.connection()
    order_ids = iter(id_pool.allocate(conn, table_of(Order), len(plans)))
    line_ids = iter(id_pool.allocate(conn, table_of(OrderLine), lines_total))
    order_rows: list[tuple[Any, ...]] = []
    line_rows: list[tuple[Any, ...]] = []
    payment_rows: list[tuple[Any, ...]] = []
    event_rows: list[tuple[Any, ...]] = []
    stats: dict[tuple[str, str, str], int] = {}
    spent: dict[int, list[Any]] = {}  # customer id -> [orders, spent, last order]
    moves: list[tuple[str, int, int, str]] = []  # (kind, variant id, quantity, order number)
    who = actor.name[:100]
    stock_mode = "reserve" if affect_stock else "none"
    bind = bulk.time_binder(session.connection(), table_of(Order).c.created_at)
    known_times = bind.known
    written = 0

    def flush() -> None:
        for table, names, rows in ((table_of(Order), ORDER_COLUMNS, order_rows),
                                   (table_of(OrderLine), LINE_COLUMNS, line_rows),
                                   (table_of(OrderPayment), PAYMENT_COLUMNS, payment_rows),
                                   (table_of(OrderEvent), EVENT_COLUMNS, event_rows)):
            bulk.insert_rows(session.connection(), table, names, rows, bound=TIME_COLUMNS[table],
                             multi_row=table.name in MULTI_ROW_TABLES)
            rows.clear()

    work = [("sales_order", len(plans)), ("order_line", lines_total), ("order_payment", len(plans)),
            ("order_event", len(plans))]
    # many orders into few: their indexes are built once after the inserts (see bulk.indexes_deferred)
    with bulk.indexes_deferred(session.connection(), work, threshold=DEFER_INDEXES_FROM):
        for plan, number in zip(plans, numbers, strict=True):
            group = plan["group"]
            priced: pricing_api.PricedOrder = plan["priced"]
            order_id = next(order_ids)
            status, payment_status, fulfilment = STATUSES[plan["status"]]
            ordered = plan["ordered"]
            shipped_flag = fulfilment in ("shipped", "delivered")
            shipped_at = (plan["shipped"] or ordered) if shipped_flag else None
            paid = priced.total_minor if payment_status == "paid" else 0
            if payment_status == "paid" and priced.total_minor == 0:
                paid = 0
            cid = customers.find(plan)
            if cid is None and (plan["customer_ref"] or plan["phone"] or plan["email"]):
                cid = customer_ids.get(customers.key(plan))
            address = _address_fields(plan)
            payment = machine.derive_payment(total_minor=priced.total_minor, paid_minor=paid, refunded_minor=0)
            if status == "cancelled":
                payment = "unpaid" if paid == 0 else payment
            key = (status, payment, fulfilment)
            stats[key] = stats.get(key, 0) + 1
            at = known_times.get(ordered) or bind(ordered)
            shipped_bound = None if shipped_at is None else known_times.get(shipped_at) or bind(shipped_at)
            done_bound = shipped_bound if status == "completed" else None
            items = 0
            position = 0
            for line, p in zip(group.lines, priced.lines, strict=True):
                vid, title, track = variants[line.key]
                quantity = line.quantity
                items += quantity
                position += 1
                line_rows.append((
                    next(line_ids), order_id, position, vid, line.key, (line.product_name or title), quantity,
                    line.unit_price_minor, p.gross_minor, p.line_discount_minor, p.line_total_minor, 0, p.net_minor,
                    p.tax_minor, quantity if shipped_flag else 0, 0, 0, 0,
                ))
                if affect_stock and track and status != "cancelled":
                    moves.append(("sell" if shipped_flag else "reserve", vid, quantity, number))
            order_rows.append((
                order_id, number, plan["channel"], group.ref, cid, plan["customer_name"], plan["phone"], plan["email"],
                plan["customer_name"], plan["phone"] or "", address["country"], address["region"], address["city"], "", "",
                address["postal_code"], None, stock_mode, status, payment, fulfilment, currency, priced.subtotal_minor,
                0, 0, priced.total_minor, priced.tax_minor, tax_rate_bp, paid, 0, 0, items,
                0, "", 0, None, who, at, at, at if paid else None, shipped_bound, done_bound, done_bound,
                at if status == "cancelled" else None, 1,
            ))
            if paid:
                payment_rows.append((order_id, method, paid, None, 0, 0, f"imported {group.ref}"[:200], who, at))
            event_rows.append((order_id, at, "imported", who,
                               f"Imported from history ({group.ref}, {plan['status']}, line {group.first_line}).", None))
            if cid is not None and status != "cancelled":
                entry = spent.setdefault(cid, [0, 0, None])
                entry[0] += 1
                entry[1] += paid
                entry[2] = ordered if entry[2] is None or ordered > entry[2] else entry[2]
            written += 1
            if len(order_rows) >= FLUSH_ORDERS:
                flush()
                if progress:
                    progress(f"wrote {written:,} of {len(plans):,} orders")
        flush()
    for key, delta in stats.items():
        machine.count(session, key, delta)
    if spent:
        _update_customers(session, spent)
    if moves:
        _move_stock(session, actor, moves)
    if progress and len(plans) >= FLUSH_ORDERS:
        progress(f"wrote {written:,} orders")


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
