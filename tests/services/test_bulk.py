"""store.bulk: many rows per statement, with columns the caller already converted (``bound``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlmodel import Session

from shoptui.models.catalog import Product
from shoptui.store import bulk

NAMES = ("id", "title", "status", "description", "variant_count", "version", "created_at", "updated_at")
START = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)


def _stored(session: Session) -> list[tuple[int, str, datetime, datetime]]:
    rows = session.execute(select(Product.id, Product.status, Product.created_at, Product.updated_at)
                           .order_by(Product.id)).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


@pytest.mark.parametrize("rows", [1, 2, 201, 450])
def test_bound_columns_go_to_the_driver_as_given(session: Session, rows: int) -> None:
    """A column named in ``bound`` is written as the caller converted it (no second trip through its
    bind processor, which would refuse a string); the others still go through theirs; whether the
    bound value differs per row (bound per row) or is shared (folded into the statement)."""
    ids = list(range(1, rows + 1))
    times = [START + timedelta(minutes=i, microseconds=i) for i in ids]
    as_driver = [t.replace(tzinfo=None).isoformat(" ", "microseconds") for t in times]
    shared = (START - timedelta(days=1)).replace(tzinfo=None).isoformat(" ", "microseconds")
    statuses = [("draft", "active", "archived")[i % 3] for i in ids]
    bulk.insert_rows(session.connection(), Product.__table__, NAMES,  # type: ignore[attr-defined]
                     [(i, f"t{i}", s, "", 1, 1, d, shared) for i, s, d in zip(ids, statuses, as_driver, strict=True)],
                     bound={"created_at", "updated_at"})
    assert _stored(session) == [(i, s, t, START - timedelta(days=1))
                                for i, s, t in zip(ids, statuses, times, strict=True)]


def test_unbound_datetimes_go_through_their_processor(session: Session) -> None:
    """Without ``bound`` an aware datetime is converted to UTC by the column type, and a string is refused."""
    shanghai = START.astimezone(ZoneInfo("Asia/Shanghai"))
    bulk.insert_rows(session.connection(), Product.__table__, NAMES,  # type: ignore[attr-defined]
                     [(i, f"t{i}", "draft", "", 1, 1, shanghai + timedelta(seconds=i), START) for i in (1, 2, 3)])
    assert [r[2] for r in _stored(session)] == [START + timedelta(seconds=i) for i in (1, 2, 3)]
    with pytest.raises(AttributeError), session.begin_nested():
        bulk.insert_rows(session.connection(), Product.__table__, NAMES,  # type: ignore[attr-defined]
                         [(9, "t9", "draft", "", 1, 1, "2024-03-01 02:00:00.000000", START)])
    assert len(_stored(session)) == 3


def test_rows_per_statement_stays_under_the_bound_value_limit() -> None:
    """No statement binds more than SQLite's oldest limit of 999 values, and at most 200 rows go in one."""
    for width in (1, 4, 5, 18, 45, 999, 1000):
        per = bulk._rows_per_statement(width)
        assert per >= 1 and per <= bulk._MAX_ROWS
        assert per * width <= bulk._MAX_BOUND or per == 1
