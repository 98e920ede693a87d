"""The reports' ``db check``: the figures each order keeps for them equal its lines, and its placed day is
the day it was created in the store's time zone."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from shoptui.models._types import table_of
from shoptui.models.orders import Order, OrderLine

if TYPE_CHECKING:
    from sqlmodel import Session

MAX_PROBLEMS = 200


def check_sales_figures(*, session: Session) -> list[str]:
    """Every order's gross_minor and cost_minor equal its lines' (list price; units x cost when sold), and its
    placed_day is the store-local day of created_at."""
    from shoptui import clock
    from shoptui.services import shop

    o, line = table_of(Order), table_of(OrderLine)
    problems: list[str] = []
    sums = (
        select(
            line.c.order_id,
            func.sum(line.c.gross_minor).label("gross"),
            func.sum(line.c.quantity * line.c.unit_cost_minor).label("cost"),
        )
        .group_by(line.c.order_id)
        .subquery()
    )
    query = (
        select(
            o.c.number, o.c.gross_minor, o.c.cost_minor, func.coalesce(sums.c.gross, 0), func.coalesce(sums.c.cost, 0)
        )
        .select_from(o.outerjoin(sums, sums.c.order_id == o.c.id))
        .where((o.c.gross_minor != func.coalesce(sums.c.gross, 0)) | (o.c.cost_minor != func.coalesce(sums.c.cost, 0)))
        .order_by(o.c.id)
        .limit(MAX_PROBLEMS)
    )
    for number, gross, cost, lines_gross, lines_cost in session.execute(query).all():
        problems.append(
            f"order {number}: gross {gross} and cost {cost} for the reports, but its lines hold gross "
            f"{lines_gross} and cost {lines_cost}"
        )
    missing = session.execute(select(func.count()).where(o.c.placed_day.is_(None))).scalar() or 0
    if missing:
        problems.append(f"{missing} orders have no placed day (the reports leave them out)")
    # each placed day's orders were created within that day in the store's zone: one row per day, not per order
    tz = shop.timezone(session=session)
    spans = session.execute(
        select(o.c.placed_day, func.min(o.c.created_at), func.max(o.c.created_at))
        .where(o.c.placed_day.is_not(None))
        .group_by(o.c.placed_day)
    ).all()
    for day, first, last in spans:
        placed: date = day if isinstance(day, date) else date.fromisoformat(str(day))
        for moment in (first, last):
            local = _utc(moment, clock).astimezone(tz).date()
            if local != placed:
                problems.append(
                    f"orders of placed day {placed} include one created on {local} in {tz.key} (the "
                    "time zone changed? `shoptui report refresh` places them again)"
                )
                break
        if len(problems) >= MAX_PROBLEMS:
            break
    return problems


def _utc(moment: Any, clock: Any) -> Any:
    from datetime import datetime

    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return clock.ensure_utc(moment)


def refresh_placed_days(*, session: Session, actor: Any) -> int:
    """Place every order again on the day it was created in the store's time zone (after the zone changed) and
    rebuild the sales rollups from the orders; returns how many orders moved. One transaction (the caller's),
    audited."""
    from shoptui import clock
    from shoptui.services import shop

    o = table_of(Order)
    tz = shop.timezone(session=session)
    moved, last = 0, 0
    while True:
        rows = session.execute(
            select(o.c.id, o.c.created_at, o.c.placed_day).where(o.c.id > last).order_by(o.c.id).limit(5000)
        ).all()
        if not rows:
            break
        changes = []
        for ident, created, placed in rows:
            day = _utc(created, clock).astimezone(tz).date()
            if placed is None or (placed if isinstance(placed, date) else date.fromisoformat(str(placed))) != day:
                changes.append({"ident": ident, "day": day})
        if changes:
            from sqlalchemy import bindparam, update

            session.execute(update(o).where(o.c.id == bindparam("ident")).values(placed_day=bindparam("day")), changes)
            moved += len(changes)
        last = int(rows[-1][0])
    from shoptui.services.orders import rebuild_rollups

    rebuild_rollups(session)  # the rollups are kept per placed day: computed again from the orders
    from shoptui.services.inventory import rebuild_move_rollups

    rebuild_move_rollups(session)  # the ledger's per-UTC-day rollups: a repair is one command for both
    shop.record(
        session=session,
        actor=actor,
        action="report.refresh",
        entity="order",
        summary=f"{moved} orders placed again on their day in {tz.key}; sales and stock rollups rebuilt",
    )
    return moved
