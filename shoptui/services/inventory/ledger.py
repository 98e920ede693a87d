"""The stock ledger and its one writer: :func:`book` (and :func:`book_many`, its bulk form), and the moves of orders.

Every change of *on hand* or *committed* appends one ``StockMovement`` and updates the level row
in the same transaction. Decrements are conditional UPDATEs (``... WHERE on_hand - committed >=
:qty``) so two terminals selling the last unit at once can never both succeed.

API for the orders module (all keyword-only, all run in the caller's transaction)::

    reserve(session=, actor=, variant_id=, quantity=, location_id=None, ref_kind=, ref_id=)
        committed += q; refused (Conflict naming the SKU and what is available) when available < q.
    release(...same...)
        committed -= q: undo a reservation (order cancelled or edited).
    fulfil(...same...)
        the order ships: on_hand -= q and committed -= q, booked as ONE 'sale' movement whose
        ``quantity`` is -q and ``committed_change`` is -q (the ledger explains both).
    sell(...same...)
        a counter sale: on_hand -= q, refused when available < q.
    restock_return(...same..., condition="resellable"|"damaged")
        resellable: a 'return' movement puts it back on hand; damaged: a 'return' and a
        'write_off' movement (net zero on hand) record that it came back and was written off.
Each of the five writers returns the ``LevelRead`` of that variant at that location after the
change, or ``None`` for a variant that does not track stock (nothing is booked for it).
``location_id=None`` means the default location. Reading levels: ``inventory.levels``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from shoptui import clock
from shoptui.config import Actor
from shoptui.errors import Conflict, InvalidInput
from shoptui.models._types import table_of
from shoptui.models.inventory import StockLevel, StockMovement, StockMoveRollup, StockPolicy
from shoptui.services import shop
from shoptui.services.inventory.alerts import alert_step, evaluate_alerts, send_alerts
from shoptui.services.inventory.levels import LevelRead
from shoptui.services.inventory.locations import LocationRead, find_location
from shoptui.services.inventory.variants import VariantRef, variant_by_id
from shoptui.store.prepared import Prepared
from shoptui.store.unique import add_to_rows
from shoptui.text import check_text

MAX_QUANTITY = 1_000_000


_LEVEL = table_of(StockLevel)
_MOVE = table_of(StockMovement)
_POLICY = table_of(StockPolicy)
_MOVE_SUMS = table_of(StockMoveRollup)

_NEW_LEVEL = Prepared(insert(_LEVEL).values(
    variant_id=bindparam("vid"), location_id=bindparam("lid"), on_hand=0, committed=0, incoming=0, alerted=False,
    alerted_out=False, updated_at=bindparam("now", type_=_LEVEL.c.updated_at.type),
))
_LEVEL_EXISTS = Prepared(sa_select(_LEVEL.c.variant_id).where(_LEVEL.c.variant_id == bindparam("vid"),
                                                              _LEVEL.c.location_id == bindparam("lid")))
_SET_ALERTED = Prepared(
    update(_LEVEL).where(_LEVEL.c.variant_id == bindparam("vid"), _LEVEL.c.location_id == bindparam("lid"))
    .values(alerted=bindparam("flag", type_=_LEVEL.c.alerted.type),
            alerted_out=bindparam("out", type_=_LEVEL.c.alerted_out.type))
)
_MOVE_FIELDS = ("variant_id", "location_id", "kind", "quantity", "committed_change", "unit_cost_minor", "reason", "note",
                "actor", "source", "at", "ref_kind", "ref_id")
_NEW_MOVE = Prepared(insert(_MOVE).values({name: bindparam(f"m_{name}", type_=_MOVE.c[name].type)
                                            for name in _MOVE_FIELDS}))
_ADD_ON_HAND = Prepared(  # the bulk form's level change: on hand moves by the movement, as the ledger says
    update(_LEVEL).where(_LEVEL.c.variant_id == bindparam("vid"), _LEVEL.c.location_id == bindparam("lid"))
    .values(on_hand=_LEVEL.c.on_hand + bindparam("dq", type_=_LEVEL.c.on_hand.type),
            updated_at=bindparam("now", type_=_LEVEL.c.updated_at.type))
)


_level_updates: dict[tuple[bool, bool, bool], Prepared] = {}


def _level_update(need_available: bool, take_on_hand: bool, take_committed: bool) -> Prepared:
    """``UPDATE stock_level SET ... WHERE <enough stock> RETURNING`` the new quantities, the alert flag
    and the variant's reorder point, so the low-stock check needs no query of its own."""
    key = (need_available, take_on_hand, take_committed)
    statement = _level_updates.get(key)
    if statement is None:
        conditions = [_LEVEL.c.variant_id == bindparam("vid"), _LEVEL.c.location_id == bindparam("lid")]
        if need_available:
            conditions.append(_LEVEL.c.on_hand - _LEVEL.c.committed >= bindparam("need"))
        if take_on_hand:
            conditions.append(_LEVEL.c.on_hand >= bindparam("take"))
        if take_committed:
            conditions.append(_LEVEL.c.committed >= bindparam("untake"))
        # by the bound id, not correlated: SQLite writes RETURNING columns unqualified
        reorder_point = sa_select(_POLICY.c.reorder_point).where(_POLICY.c.variant_id == bindparam("vid")).scalar_subquery()
        statement = _level_updates[key] = Prepared(
            update(_LEVEL).where(*conditions)
            .values(on_hand=_LEVEL.c.on_hand + bindparam("dq"), committed=_LEVEL.c.committed + bindparam("dc"),
                    updated_at=bindparam("now", type_=_LEVEL.c.updated_at.type))
            .returning(_LEVEL.c.on_hand, _LEVEL.c.committed, _LEVEL.c.incoming, _LEVEL.c.alerted,
                       _LEVEL.c.alerted_out, reorder_point)
        )
    return statement


# ---------------------------------------------------------------- lookups


def positive_quantity(quantity: int, what: str = "quantity", *, name: str = "quantity") -> int:
    """``quantity`` when it is a whole number from 1 to MAX_QUANTITY; InvalidInput naming ``what`` (and the input
    field ``name``) otherwise."""
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidInput(f"The {what} must be a whole number, not {quantity!r}.", field=name)
    if quantity <= 0:
        raise InvalidInput(f"The {what} must be more than zero, not {quantity}.", field=name)
    if quantity > MAX_QUANTITY:
        raise InvalidInput(f"The {what} {quantity} is too large (at most {MAX_QUANTITY:,}).", field=name)
    return quantity


def _level_numbers(session: Session, variant_id: int, location_id: int) -> tuple[int, int, int]:
    row = session.exec(
        select(StockLevel.on_hand, StockLevel.committed, StockLevel.incoming)
        .where(StockLevel.variant_id == variant_id, StockLevel.location_id == location_id)
    ).first()
    return (0, 0, 0) if row is None else (row[0], row[1], row[2])


def ensure_level(session: Session, variant_id: int, location_id: int, now: datetime | None = None) -> None:
    """Create the stock level of ``variant_id`` at ``location_id`` (zero on hand) when there is none yet."""
    if _LEVEL_EXISTS.first(session, {"vid": variant_id, "lid": location_id}) is None:
        _NEW_LEVEL.execute(session, {"vid": variant_id, "lid": location_id, "now": now or clock.now()})


def book(
    session: Session,
    actor: Actor,
    variant: VariantRef,
    location: LocationRead,
    *,
    kind: str,
    quantity: int = 0,
    committed_change: int = 0,
    need_available: int = 0,
    unit_cost_minor: int | None = None,
    reason: str | None = None,
    note: str = "",
    ref_kind: str | None = None,
    ref_id: str | int | None = None,
    at: datetime | None = None,
    movements: list[dict[str, Any]] | None = None,
) -> LevelRead:
    """Book one movement: change the level conditionally, append the movement, evaluate the low-stock alert.

    ``movements``: the ledger row is appended there instead of written, for a caller that books several and
    writes their rows in one driver call (``_NEW_MOVE.executemany``, :func:`sell_many`) in the same transaction.

    The ledger's one writer (with :func:`book_many` its bulk form). Refuses (Conflict/InvalidInput
    naming the SKU and what there is) a change the level cannot take; the caller writes the audit.

    Three statements in the common case: the conditional level UPDATE (which also returns the alert
    flag and reorder point), the movement INSERT, and only when the reorder point is crossed one
    way or the other, the flag UPDATE (plus the notification and emails when it is crossed down).
    """
    now = at or clock.now()
    statement = _level_update(bool(need_available), quantity < 0, committed_change < 0)
    params = {"vid": variant.id, "lid": location.id, "need": need_available, "take": -quantity,
              "untake": -committed_change, "dq": quantity, "dc": committed_change, "now": now}
    after = statement.first(session, params)
    if after is None and quantity > 0:  # first stock of this variant here: start its level row
        ensure_level(session, variant.id, location.id, now)
        after = statement.first(session, params)
    if after is None:
        on_hand, committed, _ = _level_numbers(session, variant.id, location.id)
        available = on_hand - committed
        where = f" at {location.code}"
        if need_available:
            raise Conflict(f"Only {max(available, 0)} of {variant.sku} available{where} ({on_hand} on hand, "
                           f"{committed} committed), so {need_available} cannot be taken.", field="quantity")
        if committed_change < 0:
            raise Conflict(f"Only {committed} of {variant.sku} committed{where}, so {-committed_change} cannot be "
                           "released or shipped.", field="quantity")
        raise InvalidInput(f"Only {on_hand} of {variant.sku} on hand{where}, so {-quantity} cannot be removed. "
                           "Count the shelf and record a stocktake instead.", field="quantity")
    row = _movement_row(actor, variant.id, location.id, kind=kind, quantity=quantity, committed_change=committed_change,
                        unit_cost_minor=unit_cost_minor, reason=reason, note=note, ref_kind=ref_kind, ref_id=ref_id,
                        at=now)
    if movements is None:
        _NEW_MOVE.execute(session, row)
        _roll_moves(session, location.id, now, {variant.id: quantity})
    else:
        movements.append(row)  # the caller writes the rows and rolls them up together (sell_many)
    on_hand, committed, incoming, alerted, alerted_out, reorder_point = after  # flags: 0/1 on SQLite
    available = on_hand - committed
    # the same rule as evaluate_alerts (alert_step): once on falling to the point, once more on running out
    flags, send = alert_step(available, reorder_point, bool(alerted), bool(alerted_out))
    if flags != (bool(alerted), bool(alerted_out)):
        _SET_ALERTED.execute(session, {"vid": variant.id, "lid": location.id, "flag": flags[0], "out": flags[1]})
    if send:
        send_alerts(session, location.id, [(variant.id, available)])
    return LevelRead(variant_id=variant.id, location_id=location.id, on_hand=on_hand, committed=committed,
                     available=available, incoming=incoming)



def _roll_moves(session: Session, location_id: int, at: datetime, moved: dict[int, int]) -> None:
    """The ledger's rollup (``stock_move_rollup``, the stock report's stock on a past day) takes the on-hand change of
    the movements just booked at ``at``, per variant, into its UTC day and month rows: in the same transaction, by
    the same writer, so it always equals the ledger (``db check`` proves it; inventory.rollups reads it). One
    statement (or one driver call) for every variant's day and month rows together."""
    day = at.astimezone(UTC).date()
    rows = [{"span": span, "day": first, "variant_id": vid, "location_id": location_id, "quantity": q}
            for vid, q in sorted(moved.items()) if q for span, first in (("day", day), ("month", day.replace(day=1)))]
    add_to_rows(session, _MOVE_SUMS, rows, ("quantity",))  # all of them in one statement or driver call


def _movement_row(actor: Actor, variant_id: int, location_id: int, *, kind: str, quantity: int,
                  committed_change: int = 0, unit_cost_minor: int | None = None, reason: str | None = None,
                  note: str = "", ref_kind: str | None = None, ref_id: str | int | None = None,
                  at: datetime) -> dict[str, Any]:
    """The parameters of one ledger row (every column of ``_MOVE_FIELDS``), for both forms of the writer."""
    return {
        "m_variant_id": variant_id, "m_location_id": location_id, "m_kind": kind, "m_quantity": quantity,
        "m_committed_change": committed_change, "m_unit_cost_minor": unit_cost_minor, "m_reason": reason,
        "m_note": (check_text(note, "note", 500, required=False, multiline=True) or "") if note else "",
        "m_actor": actor.name[:100], "m_source": actor.source[:20], "m_at": at,
        "m_ref_kind": ref_kind, "m_ref_id": None if ref_id is None else str(ref_id)[:100],
    }


class Movement(NamedTuple):
    """One on-hand movement of the bulk form: a variant, how much, and what it is worth and why."""

    variant_id: int
    quantity: int
    unit_cost_minor: int | None = None
    note: str = ""


def book_many(session: Session, actor: Actor, location_id: int, moves: Sequence[Movement], *, kind: str,
              reason: str | None = None, ref_kind: str | None = None, ref_id: str | int | None = None,
              at: datetime | None = None) -> int:
    """Book many on-hand movements at one location: the bulk form of :func:`book`, the same ledger rows.

    Level rows are started (at zero) where a variant has none here, every level moves by its
    movement (one prepared UPDATE, run for all rows in one driver call), the ledger rows go in the
    same way, in variant order, and the low-stock alerts are evaluated once for all of them. It
    moves on hand only and does not refuse a level below zero: it is for corrections that state what
    is there (a stocktake); taking stock that must be available goes through :func:`book`. Returns
    how many movements were booked (zero movements are skipped); the caller writes the audit.
    """
    now = at or clock.now()
    moves = sorted((m for m in moves if m.quantity), key=lambda m: m.variant_id)
    if not moves:
        return 0
    ids = [m.variant_id for m in moves]
    have: set[int] = set()
    for start in range(0, len(ids), 500):  # the changed levels only, not the whole location
        have.update(session.exec(select(StockLevel.variant_id).where(
            StockLevel.location_id == location_id, col(StockLevel.variant_id).in_(ids[start:start + 500]))).all())
    missing = [vid for vid in ids if vid not in have]
    if missing:
        _NEW_LEVEL.executemany(session, ({"vid": vid, "lid": location_id, "now": now} for vid in missing))
    _ADD_ON_HAND.executemany(session, ({"vid": m.variant_id, "lid": location_id, "dq": m.quantity, "now": now}
                                       for m in moves))
    _NEW_MOVE.executemany(session, (_movement_row(actor, m.variant_id, location_id, kind=kind, quantity=m.quantity,
                                                  unit_cost_minor=m.unit_cost_minor, reason=reason, note=m.note,
                                                  ref_kind=ref_kind, ref_id=ref_id, at=now) for m in moves))
    moved: dict[int, int] = {}
    for m in moves:
        moved[m.variant_id] = moved.get(m.variant_id, 0) + m.quantity
    _roll_moves(session, location_id, now, moved)
    evaluate_alerts(session=session, location_id=location_id, variant_ids=ids)
    return len(moves)

def _levels(level: LevelRead, quantity: int = 0, committed_change: int = 0) -> tuple[dict[str, int], dict[str, int]]:
    """The audit's before/after of one movement, from the level the conditional UPDATE returned (no query):
    on hand (and committed, when it moved) before and after."""
    before = {"on_hand": level.on_hand - quantity, "committed": level.committed - committed_change}
    return before, {"on_hand": level.on_hand, "committed": level.committed}


def _order_move(
    session: Session, actor: Actor, variant_id: int, amount: int, location_id: int | None, *,
    kind: str, action: str, ref_kind: str | None, ref_id: str | int | None, quantity: int = 0,
    committed_change: int = 0, need_available: int = 0,
) -> LevelRead | None:
    positive_quantity(amount)
    variant = variant_by_id(session, variant_id)
    if not variant.track_stock:
        return None
    location = find_location(session, location_id)
    level = book(session, actor, variant, location, kind=kind, ref_kind=ref_kind, ref_id=ref_id,
                 unit_cost_minor=variant.cost_minor if kind == "sale" else None, quantity=quantity,
                 committed_change=committed_change, need_available=need_available)
    before, after = _levels(level, quantity, committed_change)
    shop.record(session=session, actor=actor, entity="variant", action=f"stock.{action}", entity_id=variant.id,
                 summary=_move_summary(action, amount, variant, location, ref_kind, ref_id), before=before, after=after)
    return level


def _move_summary(action: str, amount: int, variant: VariantRef, location: LocationRead, ref_kind: str | None,
                  ref_id: str | int | None) -> str:
    """The audit summary of an order's stock movement."""
    return f"{action} {amount} x {variant.sku} at {location.code}" + (f" for {ref_kind} {ref_id}" if ref_kind else "")


def sell_many(*, session: Session, actor: Actor, items: Sequence[tuple[int, int]], location_id: int | None = None,
              ref_kind: str | None, ref_id: str | int | None) -> list[LevelRead | None]:
    """:func:`sell` of several (variant id, quantity) of one order at once: a counter sale's hand-over.

    The same as one ``sell`` each, in order - the conditional level change and its refusal (Conflict naming
    the SKU), the alerts, the ledger row and the audit line - but the ledger rows go in by one driver call and
    the audit lines by one statement, so a sale of many lines is not two round trips more per line.
    """
    location = find_location(session, location_id)
    rows: list[dict[str, Any]] = []
    audits: list[tuple[str | int | None, str, dict[str, Any] | None, dict[str, Any] | None]] = []
    levels: list[LevelRead | None] = []
    for variant_id, amount in items:
        positive_quantity(amount)
        variant = variant_by_id(session, variant_id)
        if not variant.track_stock:
            levels.append(None)
            continue
        level = book(session, actor, variant, location, kind="sale", ref_kind=ref_kind, ref_id=ref_id,
                     unit_cost_minor=variant.cost_minor, quantity=-amount, need_available=amount, movements=rows)
        before, after = _levels(level, -amount)
        audits.append((variant.id, _move_summary("sell", amount, variant, location, ref_kind, ref_id), before, after))
        levels.append(level)
    if rows:
        _NEW_MOVE.executemany(session, rows)
        by_day: dict[date, tuple[datetime, dict[int, int]]] = {}
        for row in rows:  # (the lines' moments are a few microseconds apart: midnight may fall between them)
            at, moved = by_day.setdefault(row["m_at"].astimezone(UTC).date(), (row["m_at"], {}))
            moved[row["m_variant_id"]] = moved.get(row["m_variant_id"], 0) + row["m_quantity"]
        for at, moved in by_day.values():
            _roll_moves(session, location.id, at, moved)
    shop.record_many(session=session, actor=actor, action="stock.sell", entity="variant", entries=audits)
    return levels


def reserve(*, session: Session, actor: Actor, variant_id: int, quantity: int, location_id: int | None = None,
            ref_kind: str | None, ref_id: str | int | None) -> LevelRead | None:
    """Commit stock for an order; Conflict (naming the SKU and what is available) when available < quantity."""
    return _order_move(session, actor, variant_id, quantity, location_id, kind="reserve", action="reserve",
                       ref_kind=ref_kind, ref_id=ref_id, committed_change=quantity, need_available=quantity)


def release(*, session: Session, actor: Actor, variant_id: int, quantity: int, location_id: int | None = None,
            ref_kind: str | None, ref_id: str | int | None) -> LevelRead | None:
    """Undo a reservation (order cancelled or edited); Conflict when less than quantity is committed."""
    return _order_move(session, actor, variant_id, quantity, location_id, kind="release", action="release",
                       ref_kind=ref_kind, ref_id=ref_id, committed_change=-quantity)


def fulfil(*, session: Session, actor: Actor, variant_id: int, quantity: int, location_id: int | None = None,
           ref_kind: str | None, ref_id: str | int | None) -> LevelRead | None:
    """Ship reserved stock: on hand and committed both go down by quantity, in one 'sale' movement."""
    return _order_move(session, actor, variant_id, quantity, location_id, kind="sale", action="fulfil",
                       ref_kind=ref_kind, ref_id=ref_id, quantity=-quantity, committed_change=-quantity)


def sell(*, session: Session, actor: Actor, variant_id: int, quantity: int, location_id: int | None = None,
         ref_kind: str | None, ref_id: str | int | None) -> LevelRead | None:
    """A counter sale: on hand goes down; Conflict naming the SKU and what is available when too few."""
    return _order_move(session, actor, variant_id, quantity, location_id, kind="sale", action="sell",
                       ref_kind=ref_kind, ref_id=ref_id, quantity=-quantity, need_available=quantity)


def restock_return(*, session: Session, actor: Actor, variant_id: int, quantity: int, location_id: int | None = None,
                   ref_kind: str | None, ref_id: str | int | None, condition: str = "resellable") -> LevelRead | None:
    """A customer return: resellable goes back on hand; damaged is booked as returned and written off."""
    if condition not in ("resellable", "damaged"):
        raise InvalidInput(f"The condition {condition!r} is not resellable or damaged.", field="condition")
    positive_quantity(quantity)
    variant = variant_by_id(session, variant_id)
    if not variant.track_stock:
        return None
    location = find_location(session, location_id)
    level = book(session, actor, variant, location, kind="return", quantity=quantity, ref_kind=ref_kind,
                  ref_id=ref_id, unit_cost_minor=variant.cost_minor)
    net = quantity
    if condition == "damaged":
        level = book(session, actor, variant, location, kind="write_off", quantity=-quantity, reason="damaged",
                      ref_kind=ref_kind, ref_id=ref_id, unit_cost_minor=variant.cost_minor)
        net = 0
    before, after = _levels(level, net)
    shop.record(session=session, actor=actor, entity="variant", action="stock.return", entity_id=variant.id,
                 summary=f"{quantity} x {variant.sku} returned {condition} at {location.code}"
                 + (f" for {ref_kind} {ref_id}" if ref_kind else ""), before=before, after=after)
    return level
