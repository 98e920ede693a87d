"""Reading times people type (``2h``, ``7d``, ``2026-11-01``) and showing times in the shop's zone."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from shoptui import clock
from shoptui.errors import InvalidInput

_DURATION = re.compile(r"^(\d{1,6})\s*([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    """``90m``, ``2h``, ``7d``, ``1w``."""
    match = _DURATION.match(text.strip().lower())
    if not match:
        raise InvalidInput(f"{text!r} is not a duration; write it like 30m, 2h, 7d or 1w.")
    return timedelta(**{_UNITS[match[2]]: int(match[1])})


def parse_moment(text: str, tz: ZoneInfo) -> datetime:
    """A point in time: a duration ago (``2h``), a date (start of that day in ``tz``) or an ISO time."""
    raw = text.strip()
    if _DURATION.match(raw.lower()):
        return clock.now() - parse_duration(raw)
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a time; write 2h, 7d, 2026-11-01 or 2026-11-01T09:30.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return clock.ensure_utc(moment)


def local(moment: datetime, tz: ZoneInfo) -> datetime:
    """A stored UTC time in the shop's zone."""
    return clock.ensure_utc(moment).astimezone(tz)
