"""Days and times are read in one module (shop.timeutil): typed days, store-local day bounds in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from shoptui import clock
from shoptui.errors import InvalidInput
from shoptui.services.shop.timeutil import day_end, day_start, parse_day, parse_day_or_time, today_start

SHANGHAI, NEW_YORK = ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York")


@pytest.mark.parametrize(("typed", "day"), [
    ("2026-11-01", date(2026, 11, 1)), ("  2024-02-29 ", date(2024, 2, 29)), ("２０２６-１１-０１", date(2026, 11, 1)),
])
def test_typed_days_are_read(typed: str, day: date) -> None:
    assert parse_day(typed) == day


def test_a_blank_day_is_none() -> None:
    assert parse_day("  ") is None and parse_day(None) is None


@pytest.mark.parametrize("typed", ["yesterday", "2026-13-01", "2025-02-29", "1/11/2026", "2026-11-01x"])
def test_nonsense_days_are_refused_with_one_sentence(typed: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_day(typed, field="--from", example="2026-11-01")
    assert str(refused.value) == f"The --from {typed!r} is not a date; write it like 2026-11-01."


def test_a_store_day_starts_at_local_midnight_in_utc() -> None:
    assert day_start(date(2026, 11, 1), SHANGHAI) == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    assert day_end(date(2026, 11, 1), SHANGHAI) == datetime(2026, 11, 1, 16, 0, tzinfo=UTC)
    # New York leaves summer time on 2026-11-01: that day is 25 hours long
    assert day_start(date(2026, 11, 1), NEW_YORK) == datetime(2026, 11, 1, 4, 0, tzinfo=UTC)
    assert day_end(date(2026, 11, 1), NEW_YORK) == datetime(2026, 11, 2, 5, 0, tzinfo=UTC)


def test_today_is_the_store_day_not_the_utc_day() -> None:
    with clock.frozen(datetime(2026, 10, 31, 17, 0, tzinfo=UTC)):  # 01:00 on 1 November in Shanghai
        assert today_start(SHANGHAI) == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
        assert today_start(ZoneInfo("UTC")) == datetime(2026, 10, 31, 0, 0, tzinfo=UTC)


def test_day_or_time_in_shop_time() -> None:
    assert parse_day_or_time("2026-12-01", SHANGHAI, field="--from") == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert parse_day_or_time("2026-12-01", SHANGHAI, field="--until", end=True) == datetime(2026, 12, 1, 16, 0,
                                                                                               tzinfo=UTC)
    assert parse_day_or_time("2026-12-01 18:00", SHANGHAI, field="--at") == datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    assert parse_day_or_time("2026-12-01T18:00+00:00", SHANGHAI, field="--at") == datetime(2026, 12, 1, 18, 0,
                                                                                              tzinfo=UTC)
    assert parse_day_or_time("", SHANGHAI, field="--at") is None
    with pytest.raises(InvalidInput, match=r"^The --starts 'soon' is not a date or time; write it like 2026-12-01"):
        parse_day_or_time("soon", SHANGHAI, field="--starts")
