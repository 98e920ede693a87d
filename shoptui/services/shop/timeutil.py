"""Days and times, in one module: reading what people type (``2h``, ``7d``, ``2026-11-01``,
``2026-11-01 18:00``), the bounds of a store-local day in UTC, and showing stored times in the
shop's zone. Standard library only, so the dashboard's light import path can use it.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta, tzinfo
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


def parse_day(text: str | None, *, field: str = "date", example: str = "2026-11-01", name: str | None = None) -> date | None:
    """A calendar day typed ``2026-11-01`` (full-width digits read too); blank: None.

    InvalidInput names the field and what was typed, with ``example`` as the way to write it.
    """
    value = unicodedata.normalize("NFKC", text or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"The {field} {value!r} is not a date; write it like {example}.", field=name) from None


def day_start(day: date, tz: tzinfo) -> datetime:
    """The first moment of ``day`` in the store's zone ``tz``, in UTC."""
    return clock.ensure_utc(datetime(day.year, day.month, day.day, tzinfo=tz))


def day_end(day: date, tz: tzinfo) -> datetime:
    """The end of ``day`` as the last valid day of a range (``--until 2026-12-01`` includes all of it):
    the next day's first moment in ``tz``, in UTC, to compare with ``<``."""
    return day_start(day + timedelta(days=1), tz)


def local_today(tz: tzinfo) -> date:
    """Today's date in the store's zone."""
    return clock.now().astimezone(tz).date()


def today_start(tz: tzinfo) -> datetime:
    """Midnight today in the store's zone, in UTC."""
    return day_start(local_today(tz), tz)


def parse_day_or_time(text: str | None, tz: tzinfo, *, field: str, end: bool = False) -> datetime | None:
    """Shop time typed as a day ``2026-12-01`` (its start; with ``end`` its end, see :func:`day_end`) or a
    time ``2026-12-01 18:00`` / ``2026-12-01T18:00`` (in ``tz`` unless it names its offset); blank: None."""
    value = unicodedata.normalize("NFKC", text or "").strip()
    if not value:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return day_end(day, tz) if end else day_start(day, tz)
        moment = datetime.fromisoformat(value.replace(" ", "T"))
    except ValueError:
        raise InvalidInput(f"The {field} {value!r} is not a date or time; write it like 2026-12-01 or "
                           "2026-12-01 18:00 (shop time).") from None
    return clock.ensure_utc(moment if moment.tzinfo else moment.replace(tzinfo=tz))
