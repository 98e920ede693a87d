"""How the shop words things a person reads: counts with plurals, times in the shop's zone, amounts.

A core module (like ``money`` and ``clock``): services write sentences with it and both faces show
values with it, so "1 item", "2026-11-30 16:00" and "0.00" come out the same everywhere.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from shoptui import clock
from shoptui.money import format_money


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 item``, ``0 items``, ``1,204 items``; ``many`` for irregular plurals (``1 box``, ``2 boxes``)."""
    return f"{count:,} {word if count == 1 else (many or word + 's')}"


def local_time(moment: datetime, tz: tzinfo) -> datetime:
    """A stored (UTC) moment in the shop's zone; a naive moment is taken to be UTC."""
    return clock.ensure_utc(moment).astimezone(tz)


def when(moment: datetime | None, tz: tzinfo, *, time: bool = True, year: bool = True, none: str = "") -> str:
    """A moment as a person reads it, in the shop's zone: ``2026-11-30 16:00`` (or the day alone)."""
    if moment is None:
        return none
    local = local_time(moment, tz)
    if not time:
        return f"{local:%Y-%m-%d}" if year else f"{local:%m-%d}"
    return f"{local:%Y-%m-%d %H:%M}" if year else f"{local:%m-%d %H:%M}"


def last_day(ends: datetime | None, tz: tzinfo, *, year: bool = True, none: str = "") -> str:
    """The last day a window that ends (exclusive) at ``ends`` is valid on, in the shop's zone.

    A coupon stored as valid until 2027-01-01 00:00 local time is valid through 2026-12-31, so this says
    ``2026-12-31``; an end in the middle of a day keeps that day.
    """
    if ends is None:
        return none
    return when(local_time(ends, tz) - timedelta(microseconds=1), tz, time=False, year=year)


def until(ends: datetime | None, tz: tzinfo, *, none: str = "no end") -> str:
    """The end of a window as a person reads it: the last valid day when it ends at local midnight,
    otherwise the moment it ends (``2026-12-31`` or ``2026-12-31 18:00``)."""
    if ends is None:
        return none
    local = local_time(ends, tz)
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        return last_day(ends, tz)
    return when(ends, tz)


def money(minor: int, digits: int = 2) -> str:
    """An amount; a zero never carries a minus sign (``0.00``, never ``-0.00``)."""
    return format_money(minor, digits)


def signed_money(minor: int, digits: int = 2) -> str:
    """A change of amount with its sign: ``-1.50``, ``+2.00``; zero is ``0.00`` (no sign)."""
    if minor == 0:
        return format_money(0, digits)
    return ("+" if minor > 0 else "") + format_money(minor, digits)


def minus_money(minor: int, digits: int = 2) -> str:
    """A deduction shown with a minus: ``-1.50``; a zero deduction is ``0.00``, never ``-0.00``."""
    return format_money(-abs(minor), digits) if minor else format_money(0, digits)
