"""The periods the analytics screen offers and the trend's grain for a period (pure date arithmetic).

"Today" is the store's today (``shop.local_today`` in the store's zone, read in a worker); every period
is a range of whole store days, both ends included, as the reports take them (``--from`` / ``--to``).
The previous period is the same number of days right before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

PERIODS: tuple[tuple[str, str], ...] = (
    ("today", "Today"),
    ("7d", "Last 7 days"),
    ("30d", "Last 30 days"),
    ("month", "This month"),
    ("last-month", "Last month"),
    ("year", "This year"),
    ("custom", "Custom…"),
)
"""(key, label) of every period of the picker, in its order."""
PERIOD_LABELS = dict(PERIODS)
MAX_DAYS = 3_700
"""The longest custom period (about ten years): a longer one is refused with a sentence."""


@dataclass(frozen=True)
class Period:
    """A range of store days, both included, and how it is named on screen."""

    key: str
    start: date
    end: date

    @property
    def days(self) -> int:
        """How many days the period covers."""
        return (self.end - self.start).days + 1

    @property
    def previous(self) -> Period:
        """The same number of days right before (what the trend compares with)."""
        return Period("previous", self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    @property
    def label(self) -> str:
        """``Last 7 days (2026-12-01 – 2026-12-07)``; one day is shown once."""
        span = f"{self.start}" if self.start == self.end else f"{self.start} – {self.end}"
        name = PERIOD_LABELS.get(self.key, "")
        return span if self.key == "custom" or not name else f"{name} ({span})"

    @property
    def slug(self) -> str:
        """For file names: ``2026-12-01_2026-12-07``."""
        return f"{self.start}_{self.end}"


def period(key: str, today: date, start: date | None = None, end: date | None = None) -> Period:
    """The period ``key`` ends on ``today`` (``custom``: from ``start`` to ``end``). ValueError for an unknown key."""
    if key == "today":
        return Period(key, today, today)
    if key == "7d":
        return Period(key, today - timedelta(days=6), today)
    if key == "30d":
        return Period(key, today - timedelta(days=29), today)
    if key == "month":
        return Period(key, today.replace(day=1), today)
    if key == "last-month":
        end_of_last = today.replace(day=1) - timedelta(days=1)
        return Period(key, end_of_last.replace(day=1), end_of_last)
    if key == "year":
        return Period(key, today.replace(month=1, day=1), today)
    if key == "custom":
        if start is None or end is None:
            raise ValueError("a custom period needs its first and last day")
        return Period(key, start, end)
    raise ValueError(f"unknown period {key!r}")


def trend_grain(days: int) -> str:
    """The trend's points for a period of ``days``: by day up to 62 days, by week up to 26 weeks, else by month."""
    if days <= 62:
        return "day"
    if days <= 26 * 7:
        return "week"
    return "month"


def keys_between(grain: str, start: date, end: date) -> list[str]:
    """Every key of ``grain`` from ``start`` to ``end`` in the reports' spelling (days ``2026-12-01``, ISO weeks
    ``2026-W49``, months ``2026-12``), so a day or week without sales is a point at zero, not a gap."""
    keys: list[str] = []
    day = start
    while day <= end:
        if grain == "day":
            key = day.isoformat()
        elif grain == "week":
            year, week, _ = day.isocalendar()
            key = f"{year}-W{week:02d}"
        else:
            key = f"{day.year}-{day.month:02d}"
        if not keys or keys[-1] != key:
            keys.append(key)
        day += timedelta(days=1)
    return keys
