"""Printed documents as plain text: receipts (58 and 80 mm paper), packing slips and invoices.

Text is laid out by *display width*, not by character count: a Chinese character takes two
columns on a receipt printer and in a terminal, a combining accent none (``display_width``).
Documents are built from read models only (``OrderRead`` and the shop's details), so the same
receipt can be printed at the counter, reprinted later, or saved to a file. ``deliver`` writes
the text to a file or pipes it to the configured print command (``print_command`` setting,
e.g. ``lp -d receipt``); a printer that fails raises ``OutputFailed`` with a sentence.
"""

from __future__ import annotations

import subprocess
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from shoptui import wording
from shoptui.errors import InvalidInput, ShopError
from shoptui.services import shop as shop_api
from shoptui.services.orders.common import is_gift, line_title
from shoptui.services.orders.reading import OrderRead
from shoptui.services.shop import print_argv

RECEIPT_WIDTHS = {58: 32, 80: 48}  # paper width in mm -> characters per line
PAGE_WIDTH = 72  # packing slips and invoices (A4 / letter in a monospaced font)
PRINT_TIMEOUT_S = 30
METHOD_LABELS = {"cash": "Cash", "card": "Card", "mobile": "Mobile pay", "bank_transfer": "Bank transfer",
                 "store_credit": "Store credit", "exchange": "Exchange credit"}


class OutputFailed(ShopError):
    """The document could not be written or printed (missing printer, full disk ...)."""


class PrintNotConfirmed(OutputFailed):
    """The print command has not been confirmed from this account yet: nothing was run."""


# ---------------------------------------------------------------- measuring text


@cache
def char_width(char: str) -> int:
    """Columns one character takes: 2 for wide East Asian characters, 0 for combining marks (remembered per
    character: a receipt measures every character of every line)."""
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    if unicodedata.category(char) == "Cc":
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Columns ``text`` takes on a receipt printer or in a terminal."""
    if text.isascii() and text.isprintable():
        return len(text)  # one column each (the common case: SKUs, amounts, Latin titles)
    return sum(char_width(c) for c in text)


def clip(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` columns (never splits a wide character)."""
    out, used = [], 0
    for char in text:
        w = char_width(char)
        if used + w > width:
            break
        out.append(char)
        used += w
    return "".join(out)


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` columns: breaks at spaces, or anywhere in CJK or overlong words."""
    text = " ".join(unicodedata.normalize("NFC", text).split())
    if not text:
        return [""]
    lines: list[str] = []
    line, used = "", 0
    for word in text.split(" "):
        w = display_width(word)
        gap = 1 if line else 0
        if used + gap + w <= width:
            line, used = line + (" " if gap else "") + word, used + gap + w
            continue
        if line and w <= width:
            lines.append(line)
            line, used = word, w
            continue
        # the word itself is too long (or CJK text without spaces): break it by columns
        if line and used + 1 < width:
            line, used = line + " ", used + 1
        for char in word:
            cw = char_width(char)
            if used + cw > width:
                lines.append(line.rstrip())
                line, used = "", 0
            line, used = line + char, used + cw
    if line:
        lines.append(line)
    return lines


def pad(text: str, width: int, align: str = "left") -> str:
    """``text`` padded with spaces to ``width`` columns (clipped when longer)."""
    text = clip(text, width)
    room = width - display_width(text)
    if align == "right":
        return " " * room + text
    if align == "center":
        return " " * (room // 2) + text + " " * (room - room // 2)
    return text + " " * room


def two_columns(left: str, right: str, width: int) -> list[str]:
    """``left`` and ``right`` on one line, right-aligned; wraps ``left`` above when both do not fit."""
    right_w = display_width(right)
    if right_w >= width:
        return [*wrap(left, width), pad(right, width, "right")]
    room = width - right_w - 1
    indent = len(left) - len(left.lstrip(" ")) if room > 8 else 0
    parts = [" " * indent + p for p in wrap(left, room - indent)] if left.strip() else [""]
    return [*(p.rstrip() for p in parts[:-1]), pad(parts[-1], room) + " " + right]


def centered(text: str, width: int) -> list[str]:
    """``text`` wrapped and centred (trailing spaces trimmed)."""
    return [pad(line, width, "center").rstrip() for line in wrap(text, width)] if text.strip() else []


def rule(width: int, char: str = "-") -> str:
    """A line across the paper."""
    return char * width


# ---------------------------------------------------------------- the shop


@dataclass(frozen=True)
class ShopInfo:
    """Who is selling: what the header of every document shows."""

    name: str
    address: str
    phone: str
    email: str
    currency: shop_api.Currency
    tz: Any
    footer: str = ""
    receipt_width_mm: int = 58
    print_command: str = ""
    values: dict[str, Any] = field(default_factory=dict, repr=False)  # every store setting, as read

    def money(self, minor: int) -> str:
        """An amount in the shop's currency, without the code."""
        return self.currency.format(minor)


def shop_info(*, session: Session) -> ShopInfo:
    """The shop's name, address, phone, currency, time zone and receipt settings."""
    values = shop_api.get_all(session=session)
    return ShopInfo(
        name=values.get("name", ""), address=values.get("address", ""), phone=values.get("phone", ""),
        email=values.get("email", ""),
        currency=shop_api.Currency(code=values["currency"], digits=int(values["currency_digits"])),
        tz=ZoneInfo(values["timezone"]), footer=values.get("receipt_footer", ""),
        receipt_width_mm=int(values.get("receipt_width", 58)), print_command=values.get("print_command", "") or "",
        values=values,
    )


def chars_for(width_mm: int | None, shop: ShopInfo) -> int:
    """Characters per line for a paper width in mm (58 or 80; None: the setting)."""
    mm = shop.receipt_width_mm if width_mm is None else width_mm
    if mm not in RECEIPT_WIDTHS:
        raise InvalidInput(f"Receipt paper is 58 or 80 mm wide, not {mm}.")
    return RECEIPT_WIDTHS[mm]


def _label(method: str) -> str:
    return METHOD_LABELS.get(method, method.replace("_", " ").capitalize())


OFFER_KINDS = ("promotion", "member", "coupon", "points", "discount")


def _adjustment_label(kind: str, label: str) -> str:
    if kind == "points" and label:
        return f"Points used: {label}"
    if label:
        return label[:1].upper() + label[1:]
    return {"rounding": "Cash rounding", "discount": "Discount"}.get(kind, kind.replace("_", " ").capitalize())


def _percent(bp: int) -> str:
    whole, frac = divmod(bp, 100)
    return f"{whole}%" if not frac else f"{whole}.{frac:02d}".rstrip("0") + "%"


# ---------------------------------------------------------------- receipt


def receipt_points(*, session: Session, number: str) -> tuple[int, int] | None:
    """``(points earned, balance after)`` of a member's order, from the module that keeps points (None: none)."""
    from shoptui import modules

    for spec in modules.all_modules():
        ref = spec.extra.get("order_points")
        if ref:
            found: tuple[int, int] | None = modules.load(ref)(session=session, number=number)
            if found is not None:
                return found
    return None


def receipt(order: OrderRead, shop: ShopInfo, *, width_mm: int | None = None, copy: bool = False,
            points: tuple[int, int] | None = None) -> str:
    """The customer's receipt for an order, laid out for 58 mm (32 columns) or 80 mm (48) paper.

    ``points``: a member's ``(points earned, balance after the sale)`` (see :func:`receipt_points`).
    """
    width = chars_for(width_mm, shop)
    money = shop.money
    out: list[str] = []
    out += centered(shop.name, width)
    out += centered(shop.address, width)
    if shop.phone:
        out += centered(f"Tel {shop.phone}", width)
    if copy:
        out += centered("*** COPY ***", width)
    out.append(rule(width))
    out.append(clip(f"Order {order.number}", width))
    stamp = wording.when(order.paid_at or order.created_at, shop.tz)
    out += two_columns(stamp, order.created_by, width)
    if order.customer_name or order.customer_phone:
        out += wrap(f"Customer: {' '.join(p for p in (order.customer_name, order.customer_phone or '') if p)}", width)
    out.append(rule(width))
    for line in order.lines:
        if is_gift(line):  # a promotion's gift
            out += two_columns(clip(f"{line.quantity} x {line_title(line)}", max(width - 6, 8)), "free", width)
            continue
        if width >= 48:
            out += two_columns(f"{line.title}", money(line.line_total_minor), width)
            out.append(clip(f"  {line.sku}  {line.quantity} x {money(line.unit_price_minor)}", width))
        else:
            out += wrap(line.title, width)
            out += two_columns(f"  {line.quantity} x {money(line.unit_price_minor)}", money(line.gross_minor), width)
        if line.line_discount_minor:
            out += two_columns("  discount", f"-{money(line.line_discount_minor)}", width)
    out.append(rule(width))
    out += two_columns("Subtotal", money(order.subtotal_minor), width)
    for adj in order.adjustments:
        out += two_columns(_adjustment_label(adj.kind, adj.label), money(adj.amount_minor), width)
    if order.shipping_minor:
        out += two_columns("Shipping", money(order.shipping_minor), width)
    out += two_columns("TOTAL", f"{shop.currency.code} {money(order.total_minor)}", width)
    if order.tax_rate_bp:
        out += two_columns(f"  incl. tax {_percent(order.tax_rate_bp)}", money(order.tax_minor), width)
    saved = -sum(adj.amount_minor for adj in order.adjustments if adj.kind in OFFER_KINDS and adj.amount_minor < 0)
    saved += sum(line.line_discount_minor for line in order.lines)
    if saved > 0:
        out += two_columns("You saved", money(saved), width)
    if order.payments:
        out.append(rule(width))
        change = 0
        for payment in order.payments:
            if payment.method == "cash" and payment.tendered_minor is not None:
                out += two_columns("Cash tendered", money(payment.tendered_minor), width)
                change += payment.change_minor
            else:
                out += two_columns(_label(payment.method), money(payment.amount_minor), width)
                if payment.reference:
                    out.append(clip(f"  ref {payment.reference}", width))
        if change:
            out += two_columns("Change", money(change), width)
    due = order.total_minor - order.paid_minor
    if due > 0 and order.status == "open":
        out += two_columns("Still due", money(due), width)
    if order.refunds:
        out.append(rule(width))
        for refund in order.refunds:
            out += two_columns(f"Refunded ({_label(refund.method)})", f"-{money(refund.amount_minor)}", width)
    if points is not None:
        earned, balance = points
        out.append(rule(width))
        out += two_columns("Points earned", f"{earned:,}", width)
        out += two_columns("Points balance", f"{balance:,}", width)
    out.append(rule(width))
    out += centered(wording.plural(order.item_count, "item"), width)
    out += centered(shop.footer, width)
    return "\n".join(line.rstrip() for line in out) + "\n"


# ---------------------------------------------------------------- packing slip and invoice


def _address_lines(order: OrderRead) -> list[str]:
    """Who and where: without a separate recipient the parcel goes to the customer (name and phone)."""
    street = " ".join(s for s in (order.ship_street, order.ship_district) if s)
    city = " ".join(c for c in (order.ship_city, order.ship_province, order.ship_postal_code, order.ship_country) if c)
    if not (order.ship_recipient or order.ship_phone or street or city):
        return []
    recipient = order.ship_recipient or order.customer_name
    phone = order.ship_phone or order.customer_phone or ""
    return [p for p in (recipient, phone, street, city) if p]


def _table(rows: list[list[str]], widths: list[int], aligns: str) -> list[str]:
    """Rows of cells laid out in columns of ``widths`` (the first column wraps)."""
    out = []
    for row in rows:
        first = wrap(row[0], widths[0])
        for index, part in enumerate(first):
            cells = [pad(part, widths[0])]
            for cell, cw, align in zip(row[1:], widths[1:], aligns[1:], strict=True):
                cells.append(pad(cell if index == 0 else "", cw, "right" if align == "r" else "left"))
            out.append(" ".join(cells).rstrip())
    return out


def packing_slip(order: OrderRead, shop: ShopInfo, *, width: int = PAGE_WIDTH) -> str:
    """What goes in the parcel: ship-to address, items and quantities (no prices)."""
    out: list[str] = []
    out += two_columns(shop.name, "PACKING SLIP", width)
    if shop.address:
        out += wrap(shop.address, width)
    if shop.phone:
        out.append(f"Tel {shop.phone}")
    out.append(rule(width, "="))
    out += two_columns(f"Order {order.number}",
                       wording.when(order.created_at, shop.tz, time=False), width)
    out.append("")
    out.append("Ship to:")
    address = _address_lines(order) or [order.customer_name or "(collect at the shop)"]
    out += [f"  {line}" for part in address for line in wrap(part, width - 2)]
    out.append("")
    sku_w = max([3, *(display_width(line.sku) for line in order.lines)])
    sku_w = min(sku_w, 20)
    widths = [width - sku_w - 2 * 8 - 3, sku_w, 8, 8]
    out.append(" ".join([pad("Item", widths[0]), pad("SKU", widths[1]), pad("Ordered", 8, "right"),
                         pad("Packed", 8, "right")]).rstrip())
    out.append(rule(width))
    rows = [[line_title(line), line.sku, str(line.quantity), "[    ]"] for line in order.lines if line.quantity]
    out += _table(rows, widths, "llrr")
    out.append(rule(width))
    out.append(f"Items: {order.item_count}")
    for shipment in order.shipments:
        out.append(f"Shipped with {shipment.carrier_name or shipment.carrier_code}, tracking {shipment.tracking}: "
                   + ", ".join(f"{i.sku} x{i.quantity}" for i in shipment.items))
    if order.note:
        out.append("")
        out += wrap(f"Note: {order.note}", width)
    return "\n".join(line.rstrip() for line in out) + "\n"


def invoice(order: OrderRead, shop: ShopInfo, *, width: int = PAGE_WIDTH) -> str:
    """The invoice: seller, buyer, lines with prices and discounts, totals, tax part, payments, balance."""
    money = shop.money
    out: list[str] = []
    out += two_columns(shop.name, "INVOICE", width)
    for part in (shop.address, f"Tel {shop.phone}" if shop.phone else "", shop.email):
        if part:
            out += wrap(part, width)
    out.append(rule(width, "="))
    out += two_columns(f"Invoice {order.number}",
                       f"Date {wording.when(order.created_at, shop.tz, time=False)}", width)
    if order.paid_at:
        out.append(f"Paid on {wording.when(order.paid_at, shop.tz, time=False)}")
    out.append("")
    out.append("Bill to:")
    buyer = [order.customer_name or "Guest", order.customer_phone or "", order.customer_email or ""]
    out += [f"  {p}" for p in buyer if p]
    address = _address_lines(order)
    if address:
        out += [f"  {line}" for part in address[2:] for line in wrap(part, width - 2)]
    out.append("")
    widths = [width - 4 - 10 - 10 - 11 - 4, 4, 10, 10, 11]
    out.append(" ".join([pad("Item", widths[0]), pad("Qty", 4, "right"), pad("Unit", 10, "right"),
                         pad("Discount", 10, "right"), pad("Amount", 11, "right")]).rstrip())
    out.append(rule(width))
    rows = [[f"{line_title(line)} ({line.sku})", str(line.quantity), money(line.unit_price_minor),
             money(line.line_discount_minor) if line.line_discount_minor else "",
             money(line.line_total_minor)] for line in order.lines]
    out += _table(rows, widths, "lrrrr")
    out.append(rule(width))
    label_w = width - 14
    out.append(pad("Subtotal", label_w, "right") + pad(money(order.subtotal_minor), 14, "right"))
    for adj in order.adjustments:
        out.append(pad(_adjustment_label(adj.kind, adj.label), label_w, "right") + pad(money(adj.amount_minor), 14, "right"))
    if order.shipping_minor:
        out.append(pad("Shipping", label_w, "right") + pad(money(order.shipping_minor), 14, "right"))
    out.append(pad(f"Total ({shop.currency.code})", label_w, "right") + pad(money(order.total_minor), 14, "right"))
    if order.tax_rate_bp:
        out.append(pad(f"of which tax {_percent(order.tax_rate_bp)}", label_w, "right")
                   + pad(money(order.tax_minor), 14, "right"))
        out.append(pad("Net of tax", label_w, "right") + pad(money(order.total_minor - order.tax_minor), 14, "right"))
    for payment in order.payments:
        out.append(pad(f"Paid by {_label(payment.method).lower()}", label_w, "right")
                   + pad(money(payment.amount_minor), 14, "right"))
    for refund in order.refunds:
        out.append(pad(f"Refunded ({_label(refund.method).lower()})", label_w, "right")
                   + pad(f"-{money(refund.amount_minor)}", 14, "right"))
    due = order.total_minor - order.paid_minor if order.status == "open" else 0
    out.append(pad("Balance due", label_w, "right") + pad(money(max(due, 0)), 14, "right"))
    if order.note:
        out.append("")
        out += wrap(f"Note: {order.note}", width)
    out.append("")
    out += centered("Prices include tax.", width)
    return "\n".join(line.rstrip() for line in out) + "\n"


DOCUMENTS: dict[str, Callable[[OrderRead, ShopInfo], str]] = {"receipt": receipt, "slip": packing_slip, "invoice": invoice}


def render(*, session: Session, number: str, kind: str, width_mm: int | None = None, copy: bool = False) -> str:
    """One document of an order (``receipt``, ``slip`` or ``invoice``) as text."""
    from shoptui.services.orders import reading

    if kind not in DOCUMENTS:
        raise InvalidInput(f"There is no document {kind!r}; pick receipt, slip or invoice.")
    order = reading.get_order(session=session, number=number)
    shop = shop_info(session=session)
    if kind == "receipt":
        return receipt(order, shop, width_mm=width_mm, copy=copy, points=receipt_points(session=session, number=number))
    return DOCUMENTS[kind](order, shop)


# ---------------------------------------------------------------- output


def save(text: str, path: str | Path) -> Path:
    """Write a document to a file (UTF-8); OutputFailed says why it could not be written."""
    target = Path(path).expanduser()
    try:
        target.write_text(text, encoding="utf-8")
    except IsADirectoryError:
        raise OutputFailed(f"{target} is a folder; give a file name for the document.") from None
    except FileNotFoundError:
        raise OutputFailed(f"The folder {target.parent} does not exist, so {target.name} cannot be written.") from None
    except OSError as exc:
        raise OutputFailed(f"{target} cannot be written ({exc.strerror}).") from None
    return target


def _approvals_file() -> Path:
    from shoptui.config import data_dir

    return data_dir() / "approved-print-commands"


def _fingerprint(command: str) -> str:
    import hashlib

    return hashlib.sha256(command.strip().encode("utf-8")).hexdigest()


def print_command_approved(command: str) -> bool:
    """True when this account has confirmed (and so run) exactly this print command before."""
    try:
        lines = _approvals_file().read_text(encoding="ascii").split()
    except (OSError, UnicodeDecodeError):
        return False
    return _fingerprint(command) in lines


def approve_print_command(command: str) -> None:
    """Remember that this account confirmed ``command`` (a fingerprint in a file only the owner may read)."""
    import os

    from shoptui.config import PRIVATE_FILE_MODE, private_dir

    if print_command_approved(command):
        return
    path = _approvals_file()
    try:
        private_dir(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, PRIVATE_FILE_MODE)
        with os.fdopen(fd, "a", encoding="ascii") as out:
            out.write(_fingerprint(command) + "\n")
    except OSError:
        pass  # not remembered: the next print asks again


def print_confirmation_question(command: str) -> str:
    """What the faces ask before running a print command for the first time from this account."""
    return (f"Printing runs this command, which has not been run from this account before:\n\n  {command}\n\n"
            "Run it? (Check it with whoever set print_command if you did not expect it.)")


def print_text(text: str, command: str, *, confirmed: bool = False) -> str:
    """Pipe a document to the print command (stdin = the text); returns what the command said.

    The command runs without a shell, and only once this account has confirmed it (``confirmed``, or
    an earlier confirmation of the same command): ``PrintNotConfirmed`` otherwise. OutputFailed names
    the command and what went wrong: not set, not found, refused, too slow.
    """
    if not command or not command.strip():
        raise OutputFailed("No printer is set up. Set one with 'shoptui settings set print_command \"lp -d receipt\"', "
                           "or save the document to a file instead.")
    try:
        argv = print_argv(command)  # a value stored before it was checked is checked now
    except InvalidInput as exc:
        raise OutputFailed(f"{exc} Nothing was printed.") from None
    if not confirmed and not print_command_approved(command):
        raise PrintNotConfirmed(
            f"The print command {command!r} was not confirmed from this account, so nothing was printed. "
            "Print once from the app or at a terminal to see the command and confirm it."
        )
    approve_print_command(command)
    try:
        done = subprocess.run(argv, input=text.encode("utf-8"), capture_output=True, timeout=PRINT_TIMEOUT_S,
                              check=False)
    except FileNotFoundError:
        raise OutputFailed(f"The print command {argv[0]!r} was not found. Check the print_command setting.") from None
    except PermissionError:
        raise OutputFailed(f"The print command {argv[0]!r} may not be run (permission denied).") from None
    except subprocess.TimeoutExpired:
        raise OutputFailed(f"The printer did not answer within {PRINT_TIMEOUT_S} s ({command}). "
                           "Check that it is on and connected.") from None
    if done.returncode != 0:
        said = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
        reason = f": {said[0][:200]}" if said else ""
        raise OutputFailed(f"The print command {command!r} failed (exit {done.returncode}){reason}. "
                           "Nothing was printed.")
    return done.stdout.decode("utf-8", "replace").strip()
