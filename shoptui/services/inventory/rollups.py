"""The ledger's rollup (``stock_move_rollup``): the on-hand change (``sum(quantity)``) per UTC day and per UTC month
(``span``), variant and location. The ledger's one writer (ledger.book / book_many) adds each movement in its own
transaction; ``db check`` proves it equal to the movements (:func:`check_move_rollups`).

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
from shoptui.models.inventory import MOVEMENT_KINDS, StockMovement, StockMoveRollup
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
    move, sums = table_of(StockMovement), table_of(StockMoveRollup)
    moment = moment.astimezone(UTC)
    first_day = moment.date() if moment == _midnight(moment.date()) else moment.date() + timedelta(days=1)
    first_month = first_day if first_day.day == 1 else _next_month(first_day)
    parts: list[Any] = [
        select(sums.c.variant_id, sums.c.location_id, sums.c.quantity).where(
            sums.c.span == "month", sums.c.day >= first_month
        ),
        select(sums.c.variant_id, sums.c.location_id, sums.c.quantity).where(
            sums.c.span == "day", sums.c.day >= first_day, sums.c.day < first_month
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
    """Compute the rollup again from the ledger, one UTC month at a time."""
    sums = table_of(StockMoveRollup)
    session.execute(delete(sums))
    span = _span(session)
    if span is None:
        return
    for month in _months(*span):
        rows = [
            {
                "span": "day",
                "day": month + timedelta(days=int(n)),
                "variant_id": v,
                "location_id": loc,
                "quantity": int(q),
            }
            for n, v, loc, q in tuples(session.execute(_day_sums(month)))
        ]
        for i in range(0, len(rows), 5000):
            session.execute(insert(sums), rows[i : i + 5000])
        session.execute(
            insert(sums).from_select(
                ["span", "day", "variant_id", "location_id", "quantity"],
                select(
                    literal("month"),
                    literal(month, Date),
                    sums.c.variant_id,
                    sums.c.location_id,
                    func.sum(sums.c.quantity),
                )
                .where(sums.c.span == "day", sums.c.day >= month, sums.c.day < _next_month(month))
                .group_by(sums.c.variant_id, sums.c.location_id),
            )
        )


def check_move_rollups(*, session: Session) -> list[str]:
    """``db check``: the day rows equal the ledger's movements day by day, the month rows their days summed."""
    sums = table_of(StockMoveRollup)
    have: dict[str, dict[tuple[date, int, int], int]] = {"day": {}, "month": {}}
    for span, day, v, loc, q in tuples(
        session.execute(select(sums.c.span, sums.c.day, sums.c.variant_id, sums.c.location_id, sums.c.quantity))
    ):
        if q:
            have.setdefault(str(span), {})[(_as_date(day), int(v), int(loc))] = int(q)
    want: dict[str, dict[tuple[date, int, int], int]] = {"day": {}, "month": {}}
    span = _span(session)
    for month in _months(*span) if span else ():
        for n, v, loc, q in tuples(session.execute(_day_sums(month))):
            if q:
                want["day"][(month + timedelta(days=int(n)), int(v), int(loc))] = int(q)
                key = (month, int(v), int(loc))
                want["month"][key] = want["month"].get(key, 0) + int(q)
    want["month"] = {key: q for key, q in want["month"].items() if q}
    problems: list[str] = []
    for unit in sorted(set(have) | set(want)):
        mine, theirs = have.get(unit, {}), want.get(unit, {})
        for key in sorted(set(mine) | set(theirs)):
            if mine.get(key, 0) != theirs.get(key, 0):
                when = key[0].isoformat() if unit == "day" else f"{key[0]:%Y-%m}"
                problems.append(
                    f"the stock rollup {sums.name} ({unit} {when} UTC, variant {key[1]}, location {key[2]}) holds "
                    f"{mine.get(key, 0)} but the ledger moved {theirs.get(key, 0)}; `shoptui report refresh` "
                    "rebuilds it"
                )
                if len(problems) >= 50:
                    return problems
    return problems
