"""The ledger's rollups: the on-hand change (``sum(quantity)``) per UTC day (``stock_move_day``) and per UTC month
(``stock_move_month``), variant and location. The ledger's one writer (ledger.book / book_many) adds each movement
in its own transaction; ``db check`` proves them equal to the movements (:func:`check_move_rollups`).

:func:`moved_since` gives the change of on hand since a moment without reading the movements since: the whole
months from the month rollup, the days of the first month from the day rollup, and only the movements of the one
UTC day the moment falls in from the ledger (a store-local midnight is not a UTC one), so a report may take the
stock on any past day as today's level less what moved since.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Date, case, delete, func, insert, literal, select, union_all

from shoptui.models._types import table_of
from shoptui.models.inventory import MOVEMENT_KINDS, StockMoveDay, StockMovement, StockMoveMonth
from shoptui.store.rows import tuples

if TYPE_CHECKING:
    from sqlmodel import Session

Cell = tuple[int, int]  # (variant id, location id)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def moved_since(session: Session, moment: datetime) -> dict[Cell, int]:
    """Per variant and location: the change of on hand of the movements booked at or after ``moment`` (cells that
    moved by 0 left out)."""
    move, days, months = table_of(StockMovement), table_of(StockMoveDay), table_of(StockMoveMonth)
    moment = moment.astimezone(UTC)
    first_day = moment.date() if moment == _midnight(moment.date()) else moment.date() + timedelta(days=1)
    first_month = first_day if first_day.day == 1 else _next_month(first_day)
    parts: list[Any] = [
        select(months.c.variant_id, months.c.location_id, months.c.quantity).where(months.c.month >= first_month),
        select(days.c.variant_id, days.c.location_id, days.c.quantity).where(
            days.c.day >= first_day, days.c.day < first_month
        ),
    ]
    if moment < _midnight(first_day):  # the rest of the moment's own UTC day, from the ledger
        parts.append(
            select(move.c.variant_id, move.c.location_id, move.c.quantity).where(
                move.c.kind.in_(MOVEMENT_KINDS),  # lets the (kind, at) index serve the time range on every engine
                move.c.at >= moment,
                move.c.at < _midnight(first_day),
            )
        )
    rows = union_all(*parts).subquery()
    query = select(rows.c.variant_id, rows.c.location_id, func.sum(rows.c.quantity)).group_by(
        rows.c.variant_id, rows.c.location_id
    )
    return {(int(v), int(loc)): int(q) for v, loc, q in tuples(session.execute(query)) if q}


def _span(session: Session) -> tuple[date, date] | None:
    move = table_of(StockMovement)
    first, last = session.execute(select(func.min(move.c.at), func.max(move.c.at))).one()
    if first is None or last is None:
        return None
    return _as_utc(first).date(), _as_utc(last).date()


def _as_utc(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _months(first: date, last: date) -> Iterator[date]:
    month = first.replace(day=1)
    while month <= last:
        yield month
        month = _next_month(month)


def _day_sums(month: date) -> Any:
    """The day rollup's rows of one UTC month, from the ledger: (day index in the month, variant, location, sum)."""
    move = table_of(StockMovement)
    following = _next_month(month)
    bounds = [_midnight(month + timedelta(days=n)) for n in range(1, (following - month).days)]
    index = case(
        *((move.c.at < bound, literal(n)) for n, bound in enumerate(bounds)), else_=literal(len(bounds))
    )  # CASE over the day bounds: plain SQL on every engine
    return (
        select(index, move.c.variant_id, move.c.location_id, func.sum(move.c.quantity))
        .where(move.c.kind.in_(MOVEMENT_KINDS), move.c.at >= _midnight(month), move.c.at < _midnight(following))
        .group_by(index, move.c.variant_id, move.c.location_id)
    )


def rebuild_move_rollups(session: Session) -> None:
    """Compute both rollups again from the ledger, one UTC month at a time."""
    days, months = table_of(StockMoveDay), table_of(StockMoveMonth)
    session.execute(delete(days))
    session.execute(delete(months))
    span = _span(session)
    if span is None:
        return
    for month in _months(*span):
        rows = [
            {"day": month + timedelta(days=int(n)), "variant_id": v, "location_id": loc, "quantity": int(q)}
            for n, v, loc, q in tuples(session.execute(_day_sums(month)))
        ]
        for i in range(0, len(rows), 5000):
            session.execute(insert(days), rows[i : i + 5000])
        session.execute(
            insert(months).from_select(
                ["month", "variant_id", "location_id", "quantity"],
                select(literal(month, Date), days.c.variant_id, days.c.location_id, func.sum(days.c.quantity))
                .where(days.c.day >= month, days.c.day < _next_month(month))
                .group_by(days.c.variant_id, days.c.location_id),
            )
        )


def check_move_rollups(*, session: Session) -> list[str]:
    """``db check``: the day rollup equals the ledger's movements day by day, the month rollup its days summed."""
    days, months = table_of(StockMoveDay), table_of(StockMoveMonth)
    have_days: dict[tuple[date, int, int], int] = {}
    for day, v, loc, q in tuples(
        session.execute(select(days.c.day, days.c.variant_id, days.c.location_id, days.c.quantity))
    ):
        if q:
            have_days[(_as_date(day), int(v), int(loc))] = int(q)
    have_months: dict[tuple[date, int, int], int] = {}
    for month, v, loc, q in tuples(
        session.execute(select(months.c.month, months.c.variant_id, months.c.location_id, months.c.quantity))
    ):
        if q:
            have_months[(_as_date(month), int(v), int(loc))] = int(q)
    want_days: dict[tuple[date, int, int], int] = {}
    want_months: dict[tuple[date, int, int], int] = {}
    span = _span(session)
    for month in _months(*span) if span else ():
        for n, v, loc, q in tuples(session.execute(_day_sums(month))):
            if q:
                want_days[(month + timedelta(days=int(n)), int(v), int(loc))] = int(q)
                key = (month, int(v), int(loc))
                want_months[key] = want_months.get(key, 0) + int(q)
    want_months = {key: q for key, q in want_months.items() if q}
    problems: list[str] = []
    for table, have, want, unit in (
        (days.name, have_days, want_days, "day"),
        (months.name, have_months, want_months, "month"),
    ):
        for key in sorted(set(have) | set(want)):
            if have.get(key, 0) != want.get(key, 0):
                when = key[0].isoformat() if unit == "day" else f"{key[0]:%Y-%m}"
                problems.append(
                    f"the stock rollup {table} ({unit} {when} UTC, variant {key[1]}, location {key[2]}) holds "
                    f"{have.get(key, 0)} but the ledger moved {want.get(key, 0)}; `shoptui report refresh` rebuilds it"
                )
                if len(problems) >= 50:
                    return problems
    return problems
