"""The analytics screen's periods: whole store days ending today, the previous period, the trend's grain and keys."""

from __future__ import annotations

from datetime import date

import pytest

from shoptui.tui.screens.analytics.periods import keys_between, period, trend_grain

TODAY = date(2026, 3, 1)  # the day after February in a year that is not a leap year


@pytest.mark.parametrize(("key", "start", "end"), [
    ("today", date(2026, 3, 1), date(2026, 3, 1)),
    ("7d", date(2026, 2, 23), date(2026, 3, 1)),
    ("30d", date(2026, 1, 31), date(2026, 3, 1)),
    ("month", date(2026, 3, 1), date(2026, 3, 1)),
    ("last-month", date(2026, 2, 1), date(2026, 2, 28)),
    ("year", date(2026, 1, 1), date(2026, 3, 1)),
])
def test_named_periods_end_today(key: str, start: date, end: date) -> None:
    chosen = period(key, TODAY)
    assert (chosen.start, chosen.end) == (start, end)
    before = chosen.previous
    assert before.end.toordinal() == start.toordinal() - 1 and before.days == chosen.days


def test_last_month_in_january_is_last_december() -> None:
    chosen = period("last-month", date(2026, 1, 15))
    assert (chosen.start, chosen.end) == (date(2025, 12, 1), date(2025, 12, 31))
    assert chosen.label == "Last month (2025-12-01 – 2025-12-31)"


def test_custom_needs_both_days_and_unknown_keys_are_refused() -> None:
    assert period("custom", TODAY, date(2026, 1, 5), date(2026, 1, 9)).label == "2026-01-05 – 2026-01-09"
    with pytest.raises(ValueError):
        period("custom", TODAY)
    with pytest.raises(ValueError):
        period("fortnight", TODAY)


def test_the_trend_grain_follows_the_length() -> None:
    assert [trend_grain(days) for days in (1, 62, 63, 182, 183, 3_650)] == ["day", "day", "week", "week", "month",
                                                                              "month"]


def test_keys_cover_every_day_week_and_month_in_the_reports_spelling() -> None:
    assert keys_between("day", date(2026, 2, 27), date(2026, 3, 2)) == ["2026-02-27", "2026-02-28", "2026-03-01",
                                                                        "2026-03-02"]
    assert keys_between("week", date(2026, 12, 27), date(2027, 1, 11)) == ["2026-W52", "2026-W53", "2027-W01",
                                                                           "2027-W02"]
    assert keys_between("month", date(2025, 11, 30), date(2026, 2, 1)) == ["2025-11", "2025-12", "2026-01", "2026-02"]
