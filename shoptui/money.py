"""Money as integers of minor units, parsed from and printed as exact decimal strings.

No float ever touches an amount. Rounding of computed amounts (percentages, allocations) lives
in ``shoptui.services.pricing.rounding``; this module only converts between text and integers.
"""

from __future__ import annotations

import re

from shoptui.errors import InvalidInput
from shoptui.typed import folded, number_text

_AMOUNT = re.compile(r"^(?P<sign>[-+]?)(?P<whole>[0-9]{1,15})(?:\.(?P<frac>[0-9]*))?$")
MAX_MINOR = 10**15


def parse_money(text: str | int, digits: int = 2, *, field: str = "amount", allow_negative: bool = False, name: str | None = None) -> int:
    """Parse ``"12.50"`` into 1250 minor units (for ``digits`` = 2). Refuses floats in disguise."""
    if isinstance(text, bool):
        raise InvalidInput(f"The {field} must be a number like 12.50, not {text!r}.", field=name)
    if isinstance(text, int):
        text = str(text)
    # full-width input from a Chinese IME ("１２．５") and digits of any script read as ASCII; 1,234.50
    raw = number_text(text, field, field=name)
    for symbol in ("¥", "￥", "$", "€", "£"):
        raw = raw.removeprefix(symbol)
    match = _AMOUNT.match(raw)
    if not match:
        raise InvalidInput(f"The {field} {text!r} is not an amount; write it like 12.50.", field=name)
    frac = (match["frac"] or "").rstrip("0") if match["frac"] is not None else ""
    if len(frac) > digits:
        example = "12" if digits == 0 else "12." + "5".ljust(digits, "0")
        raise InvalidInput(
            f"The {field} {text!r} has more decimals than the currency allows ({digits}); write it like {example}.", field=name
        )
    minor: int = int(match["whole"]) * 10**digits + (int(frac.ljust(digits, "0")) if digits else 0)
    if match["sign"] == "-":
        minor = -minor
    if minor < 0 and not allow_negative:
        raise InvalidInput(f"The {field} {text!r} cannot be negative.", field=name)
    if abs(minor) >= MAX_MINOR:
        raise InvalidInput(f"The {field} {text!r} is too large.", field=name)
    return minor


def format_money(minor: int, digits: int = 2) -> str:
    """1250 -> ``"12.50"``; -5 -> ``"-0.05"``. Exact, no float."""
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(minor), 10**digits)
    return f"{sign}{whole}.{frac:0{digits}d}" if digits else f"{sign}{whole}"


def parse_basis_points(text: str, *, field: str = "percentage", maximum: int = 10_000, name: str | None = None) -> int:
    """Parse ``"12.5"`` or ``"12.5%"`` into 1250 basis points."""
    raw = folded(text).removesuffix("%").strip()
    match = _AMOUNT.match(raw)
    if not match or (match["frac"] and len(match["frac"].rstrip("0")) > 2):
        raise InvalidInput(f"The {field} {text!r} is not a percentage; write it like 12.5 (at most 2 decimals).", field=name)
    bp = parse_money(raw, 2, field=field, allow_negative=True, name=name)
    if bp < 0 or bp > maximum:
        raise InvalidInput(f"The {field} {text!r} must be between 0 and {maximum / 100:g}%.", field=name)
    return bp
