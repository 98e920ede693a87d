"""Stock: locations, levels per variant and location, the append-only ledger, alerts.

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
    levels_for(session, variant_ids, *, location_id=None) -> dict[variant_id, LevelRead]
        on hand, committed, available, incoming per variant (summed over locations unless one is
        named) in one query; variants without stock get zeros.
    level_of(session, code, *, location_id=None) -> LevelRead
        the same for one SKU (or barcode): one indexed point query on the common path.

Each of the five writers returns the ``LevelRead`` of that variant at that location after the
change, or ``None`` for a variant that does not track stock (nothing is booked for it).
``location_id=None`` means the default location.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from pydantic import BaseModel
from sqlalchemy import and_, bindparam, false, func, insert, literal_column, or_, tuple_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from shoptui import clock
from shoptui.config import Actor
from shoptui.errors import Conflict, InvalidInput, NotFound
from shoptui.models.catalog import Product, Variant
from shoptui.models.inventory import (
    ADJUST_REASONS,
    PurchaseOrder,
    PurchaseOrderLine,
    StockLevel,
    StockLocation,
    StockMovement,
    StockPolicy,
    Supplier,
)
from shoptui.services.inventory.suppliers import find_supplier
from shoptui.services.pricing.rounding import round_half_up
from shoptui.services.shop import audit
from shoptui.services.shop.paging import Page, clamp_limit
from shoptui.store import matching
from shoptui.store.prepared import Prepared
from shoptui.text import check_text
from shoptui.typed import ascii_digits

MAX_QUANTITY = 1_000_000




# ---------------------------------------------------------------- read models


class LevelRead(BaseModel):
    """Quantities of one variant (at one location, or summed over all when location_id is None)."""

    variant_id: int
    location_id: int | None
    on_hand: int
    committed: int
    available: int
    incoming: int


class LocationRead(BaseModel):
    """A stock location."""

    id: int
    code: str
    name: str
    is_default: bool


class StockRow(BaseModel):
    """One line of the stock list: a variant at a location with its quantities and policy."""

    variant_id: int
    sku: str
    title: str
    location_id: int
    location: str
    on_hand: int
    committed: int
    available: int
    incoming: int
    safety_stock: int
    reorder_point: int | None
    low: bool
    out: bool
    cost_minor: int | None


class MovementRead(BaseModel):
    """One ledger line."""

    id: int
    at: datetime
    sku: str
    location: str
    kind: str
    quantity: int
    committed_change: int
    unit_cost_minor: int | None
    reason: str | None
    note: str
    actor: str
    source: str
    ref_kind: str | None
    ref_id: str | None


class StockChangeRead(BaseModel):
    """What a restock, adjustment or transfer did."""

    sku: str
    location: str
    kind: str
    quantity: int
    level: LevelRead
    cost_minor: int | None = None
    to_location: str | None = None
    to_level: LevelRead | None = None


class VariantStockRead(BaseModel):
    """``stock show``: a variant's stock everywhere, its policy and cost."""

    variant_id: int
    sku: str
    barcode: str | None
    title: str
    track_stock: bool
    cost_minor: int | None
    safety_stock: int
    reorder_point: int | None
    supplier: str | None
    total: LevelRead
    locations: list[StockRow]


class PolicyRead(BaseModel):
    """A variant's safety stock, reorder point and usual supplier."""

    variant_id: int
    sku: str
    safety_stock: int
    reorder_point: int | None
    supplier: str | None


class LevelSuggestion(BaseModel):
    """A suggested safety stock and reorder point from sales history."""

    variant_id: int
    sku: str
    days: int
    sold: int
    daily_mean: float
    daily_stdev: float
    lead_time_days: int
    safety_stock: int
    reorder_point: int
    current_safety_stock: int
    current_reorder_point: int | None


@dataclass(frozen=True)
class VariantRef:
    """The few variant fields stock work needs."""

    id: int
    sku: str
    title: str
    track_stock: bool
    cost_minor: int | None


_VARIANT = Variant.__table__  # type: ignore[attr-defined]
_PRODUCT = Product.__table__  # type: ignore[attr-defined]
_LEVEL = StockLevel.__table__  # type: ignore[attr-defined]
_MOVE = StockMovement.__table__  # type: ignore[attr-defined]
_POLICY = StockPolicy.__table__  # type: ignore[attr-defined]
_LOCATION_CACHE = "shoptui.inventory.locations"
_DEFAULT = "<default>"

_VARIANT_COLUMNS = (_VARIANT.c.id, _VARIANT.c.sku, _PRODUCT.c.title, _VARIANT.c.track_stock, _VARIANT.c.cost_minor)
_FIND_VARIANT = Prepared(
    sa_select(*_VARIANT_COLUMNS).join(_PRODUCT, _PRODUCT.c.id == _VARIANT.c.product_id)
    .where(or_(_VARIANT.c.sku == bindparam("code"), _VARIANT.c.barcode == bindparam("code")))
    .order_by((_VARIANT.c.sku == bindparam("code")).desc()).limit(1)
)
_VARIANT_BY_ID = Prepared(
    sa_select(*_VARIANT_COLUMNS).join(_PRODUCT, _PRODUCT.c.id == _VARIANT.c.product_id)
    .where(_VARIANT.c.id == bindparam("vid"))
)
_LOCATION = StockLocation.__table__  # type: ignore[attr-defined]
_DEFAULT_LOCATION = Prepared(  # the default one, else the oldest
    sa_select(_LOCATION.c.id, _LOCATION.c.code, _LOCATION.c.name, _LOCATION.c.is_default)
    .order_by(_LOCATION.c.is_default.desc(), _LOCATION.c.id).limit(1)
)
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


def _level_query(by_location: bool) -> Prepared:
    """On hand, committed and incoming of one variant (summed over locations, or at one) by SKU:
    one point query along the SKU index and the level's primary key. No row: no variant has that SKU."""
    on = _LEVEL.c.variant_id == _VARIANT.c.id
    if by_location:
        on = and_(on, _LEVEL.c.location_id == bindparam("lid"))
    return Prepared(
        sa_select(_VARIANT.c.id, func.coalesce(func.sum(_LEVEL.c.on_hand), 0),
                  func.coalesce(func.sum(_LEVEL.c.committed), 0), func.coalesce(func.sum(_LEVEL.c.incoming), 0))
        .select_from(_VARIANT).outerjoin(_LEVEL, on)
        .where(_VARIANT.c.sku == bindparam("code")).group_by(_VARIANT.c.id)
    )


_LEVEL_BY_SKU = _level_query(False)
_LEVEL_BY_SKU_AT = _level_query(True)
_LEVEL_OF_VARIANT = Prepared(
    sa_select(func.coalesce(func.sum(_LEVEL.c.on_hand), 0), func.coalesce(func.sum(_LEVEL.c.committed), 0),
              func.coalesce(func.sum(_LEVEL.c.incoming), 0)).where(_LEVEL.c.variant_id == bindparam("vid"))
)
_LEVEL_OF_VARIANT_AT = Prepared(
    sa_select(_LEVEL.c.on_hand, _LEVEL.c.committed, _LEVEL.c.incoming)
    .where(_LEVEL.c.variant_id == bindparam("vid"), _LEVEL.c.location_id == bindparam("lid"))
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


def find_variant(session: Session, code: str) -> VariantRef:
    """A variant by SKU or barcode (the catalogue's lookup); NotFound names the code.

    The lookup is the catalogue's (SKU first, then barcode) as one prebuilt statement; a code that
    finds nothing goes to ``catalog.find_variant`` so the refusal is the catalogue's own sentence.
    """
    raw = ascii_digits(unicodedata.normalize("NFC", code or "").strip()) if isinstance(code, str) else ""
    if raw:
        row = _FIND_VARIANT.first(session, {"code": raw})
        if row is not None:
            return VariantRef(row[0], row[1], row[2], bool(row[3]), row[4])
    from shoptui.services.catalog import variants

    found = variants.find_variant(session=session, code=code)
    return VariantRef(id=found.id, sku=found.sku, title=found.product_title, track_stock=found.track_stock,
                      cost_minor=found.cost_minor)


def variant_by_id(session: Session, variant_id: int) -> VariantRef:
    """A variant by id; NotFound names the id."""
    row = _VARIANT_BY_ID.first(session, {"vid": variant_id})
    if row is None:
        raise NotFound(f"There is no variant with id {variant_id}.")
    return VariantRef(row[0], row[1], row[2], bool(row[3]), row[4])


def _location_read(row: StockLocation) -> LocationRead:
    return LocationRead(id=row.id or 0, code=row.code, name=row.name, is_default=row.is_default)


def _location_cache(session: Session) -> dict[object, LocationRead]:
    """Locations already looked up in this unit of work (a sale or restock needs one per movement).

    Locations change only through ``add_location``, which empties the cache; a session lives for one
    transaction, so nothing is kept across user actions.
    """
    return session.info.setdefault(_LOCATION_CACHE, {})  # type: ignore[no-any-return]


def _remember(session: Session, location: LocationRead, *keys: object) -> LocationRead:
    cache = _location_cache(session)
    for key in (*keys, location.id, location.code):
        cache[key] = location
    return location


def default_location(session: Session) -> LocationRead:
    """The default location (created as MAIN when a store has none)."""
    cached = _location_cache(session).get(_DEFAULT)
    if cached is not None:
        return cached
    found = _DEFAULT_LOCATION.first(session)
    if found is not None:
        return _remember(session, LocationRead(id=found[0], code=found[1], name=found[2], is_default=bool(found[3])),
                         _DEFAULT)
    row = StockLocation(code="MAIN", name="Main store", is_default=True, created_at=clock.now())
    session.add(row)
    session.flush()
    return _remember(session, _location_read(row), _DEFAULT)


def find_location(session: Session, code: str | int | None) -> LocationRead:
    """A location by code (case-insensitive) or id; ``None`` is the default location."""
    if code is None or (isinstance(code, str) and not code.strip()):
        return default_location(session)
    key: int | str = code if isinstance(code, int) else code.strip().upper()
    cached = _location_cache(session).get(key)
    if cached is not None:
        return cached
    if isinstance(key, int):
        row = session.get(StockLocation, key)
    else:
        row = session.exec(select(StockLocation).where(StockLocation.code == key)).first()
    if row is None:
        known = ", ".join(session.exec(select(StockLocation.code).order_by(StockLocation.code)).all())
        raise NotFound(f"There is no location {code!r}. Known locations: {known}. Add one with 'shoptui location add'.")
    return _remember(session, _location_read(row))


def add_location(*, session: Session, actor: Actor, code: str, name: str, make_default: bool = False) -> LocationRead:
    """A new stock location; ``code`` is short (letters, digits, - and _), stored upper-case."""
    code = code.strip().upper()
    name = name.strip()
    if not code or len(code) > 20 or not all(c.isalnum() or c in "-_" for c in code):
        raise InvalidInput(f"The location code {code!r} must be 1 to 20 letters, digits, - or _ (like BACK or SHOP-2).")
    name = check_text(name, "location name", 100) or ""
    if session.exec(select(StockLocation.id).where(StockLocation.code == code)).first() is not None:
        raise Conflict(f"The location code {code} is already used. Pick another code.")
    _location_cache(session).clear()
    if make_default:
        session.execute(update(StockLocation).values(is_default=False))
    row = StockLocation(code=code, name=name, is_default=make_default, created_at=clock.now())
    session.add(row)
    session.flush()
    audit.record(session=session, actor=actor, action="location.add", entity="location", entity_id=row.id,
                 summary=f"location {code} added", after={"code": code, "name": name, "is_default": make_default})
    return _location_read(row)


def list_locations(*, session: Session) -> list[LocationRead]:
    """Every location, the default first."""
    rows = session.exec(select(StockLocation).order_by(col(StockLocation.is_default).desc(), StockLocation.code))
    return [_location_read(r) for r in rows]


def _location_codes(session: Session, ids: Iterable[int]) -> dict[int, str]:
    ids = set(ids)
    if not ids:
        return {}
    return dict(session.exec(select(StockLocation.id, StockLocation.code).where(col(StockLocation.id).in_(ids))).all())


# ---------------------------------------------------------------- the ledger core


def positive_quantity(quantity: int, what: str = "quantity") -> int:
    """``quantity`` when it is a whole number from 1 to MAX_QUANTITY; InvalidInput naming ``what`` otherwise."""
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidInput(f"The {what} must be a whole number, not {quantity!r}.")
    if quantity <= 0:
        raise InvalidInput(f"The {what} must be more than zero, not {quantity}.")
    if quantity > MAX_QUANTITY:
        raise InvalidInput(f"The {what} {quantity} is too large (at most {MAX_QUANTITY:,}).")
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
) -> LevelRead:
    """Book one movement: change the level conditionally, append the movement, evaluate the low-stock alert.

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
                           f"{committed} committed), so {need_available} cannot be taken.")
        if committed_change < 0:
            raise Conflict(f"Only {committed} of {variant.sku} committed{where}, so {-committed_change} cannot be "
                           "released or shipped.")
        raise InvalidInput(f"Only {on_hand} of {variant.sku} on hand{where}, so {-quantity} cannot be removed. "
                           "Count the shelf and record a stocktake instead.")
    _NEW_MOVE.execute(session, _movement_row(actor, variant.id, location.id, kind=kind, quantity=quantity,
                                             committed_change=committed_change, unit_cost_minor=unit_cost_minor,
                                             reason=reason, note=note, ref_kind=ref_kind, ref_id=ref_id, at=now))
    on_hand, committed, incoming, alerted, alerted_out, reorder_point = after  # flags: 0/1 on SQLite
    available = on_hand - committed
    # the same rule as evaluate_alerts (alert_step): once on falling to the point, once more on running out
    flags, send = alert_step(available, reorder_point, bool(alerted), bool(alerted_out))
    if flags != (bool(alerted), bool(alerted_out)):
        _SET_ALERTED.execute(session, {"vid": variant.id, "lid": location.id, "flag": flags[0], "out": flags[1]})
    if send:
        _send_alerts(session, location.id, [(variant.id, available)])
    return LevelRead(variant_id=variant.id, location_id=location.id, on_hand=on_hand, committed=committed,
                     available=available, incoming=incoming)



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
    evaluate_alerts(session=session, location_id=location_id, variant_ids=ids)
    return len(moves)

def _levels(level: LevelRead, quantity: int = 0, committed_change: int = 0) -> tuple[dict[str, int], dict[str, int]]:
    """The audit's before/after of one movement, from the level the conditional UPDATE returned (no query):
    on hand (and committed, when it moved) before and after."""
    before = {"on_hand": level.on_hand - quantity, "committed": level.committed - committed_change}
    return before, {"on_hand": level.on_hand, "committed": level.committed}


def _order_move(
    session: Session, actor: Actor, variant_id: int, amount: int, location_id: int | None, *,
    kind: str, action: str, ref_kind: str | None, ref_id: str | int | None, **change: int,
) -> LevelRead | None:
    positive_quantity(amount)
    variant = variant_by_id(session, variant_id)
    if not variant.track_stock:
        return None
    location = find_location(session, location_id)
    level = book(session, actor, variant, location, kind=kind, ref_kind=ref_kind, ref_id=ref_id,
                  unit_cost_minor=variant.cost_minor if kind == "sale" else None, **change)
    before, after = _levels(level, change.get("quantity", 0), change.get("committed_change", 0))
    audit.record(session=session, actor=actor, entity="variant", action=f"stock.{action}", entity_id=variant.id,
                 summary=f"{action} {amount} x {variant.sku} at {location.code}"
                 + (f" for {ref_kind} {ref_id}" if ref_kind else ""), before=before, after=after)
    return level


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
        raise InvalidInput(f"The condition {condition!r} is not resellable or damaged.")
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
    audit.record(session=session, actor=actor, entity="variant", action="stock.return", entity_id=variant.id,
                 summary=f"{quantity} x {variant.sku} returned {condition} at {location.code}"
                 + (f" for {ref_kind} {ref_id}" if ref_kind else ""), before=before, after=after)
    return level


def level_of(session: Session, code: str, *, location_id: int | None = None) -> LevelRead:
    """Quantities of the variant with this SKU (or barcode), summed over locations unless one is given.

    A SKU takes one indexed point query (the SKU index, then the level rows by primary key) with
    no statement built per call; a barcode, or a code that matches nothing (NotFound naming it),
    goes through ``find_variant``.
    """
    raw = unicodedata.normalize("NFC", code).strip() if isinstance(code, str) else ""
    if raw:
        if location_id is None:
            row = _LEVEL_BY_SKU.first(session, {"code": raw})
        else:
            row = _LEVEL_BY_SKU_AT.first(session, {"code": raw, "lid": location_id})
        if row is not None:
            vid, on_hand, committed, incoming = row
            return LevelRead(variant_id=vid, location_id=location_id, on_hand=on_hand, committed=committed,
                             available=on_hand - committed, incoming=incoming)
    vid = find_variant(session, code).id
    return levels_for(session, [vid], location_id=location_id)[vid]


def levels_for(session: Session, variant_ids: Sequence[int], *, location_id: int | None = None) -> dict[int, LevelRead]:
    """Quantities per variant in one query (summed over locations unless ``location_id`` is given)."""
    ids = list(dict.fromkeys(variant_ids))
    if not ids:
        return {}
    if len(ids) == 1:  # a sale screen's or a scanner's question: one point query, no statement built
        vid = ids[0]
        if location_id is None:
            row = _LEVEL_OF_VARIANT.first(session, {"vid": vid})
        else:
            row = _LEVEL_OF_VARIANT_AT.first(session, {"vid": vid, "lid": location_id})
        on_hand, committed, incoming = row or (0, 0, 0)
        return {vid: LevelRead(variant_id=vid, location_id=location_id, on_hand=on_hand, committed=committed,
                               available=on_hand - committed, incoming=incoming)}
    query = (
        select(StockLevel.variant_id, func.sum(StockLevel.on_hand), func.sum(StockLevel.committed),
               func.sum(StockLevel.incoming))
        .where(col(StockLevel.variant_id).in_(ids))
        .group_by(StockLevel.variant_id)
    )
    if location_id is not None:
        query = query.where(StockLevel.location_id == location_id)
    found = {row[0]: row for row in session.exec(query)}
    result: dict[int, LevelRead] = {}
    for vid in ids:
        _, on_hand, committed, incoming = found.get(vid, (vid, 0, 0, 0))
        result[vid] = LevelRead(variant_id=vid, location_id=location_id, on_hand=on_hand, committed=committed,
                                available=on_hand - committed, incoming=incoming)
    return result


# ---------------------------------------------------------------- costs


def _moving_average(session: Session, variant: VariantRef, quantity: int, unit_cost_minor: int | None) -> int | None:
    """Set the variant's cost to the moving average after receiving ``quantity`` at ``unit_cost_minor``."""
    if unit_cost_minor is None:
        return variant.cost_minor
    on_hand = _LEVEL_OF_VARIANT.first(session, {"vid": variant.id})[0]  # over every location
    old = variant.cost_minor
    if old is None or on_hand <= 0:
        new = unit_cost_minor
    else:
        new = round_half_up(old * on_hand + unit_cost_minor * quantity, on_hand + quantity)
    if new != old:
        session.execute(update(Variant).where(col(Variant.id) == variant.id).values(cost_minor=new)
                        .execution_options(synchronize_session=False))
    return new


def receive_into_stock(
    *, session: Session, actor: Actor, variant: VariantRef, location: LocationRead, quantity: int,
    unit_cost_minor: int | None, note: str = "", ref_kind: str | None = None, ref_id: str | int | None = None,
) -> tuple[LevelRead, int | None]:
    """Book a receipt (restock or PO) and update the moving average cost; returns level and new cost."""
    cost = _moving_average(session, variant, quantity, unit_cost_minor)
    level = book(session, actor, variant, location, kind="receive", quantity=quantity,
                  unit_cost_minor=unit_cost_minor, note=note, ref_kind=ref_kind, ref_id=ref_id)
    return level, cost


# ---------------------------------------------------------------- operator actions


def _untracked(variant: VariantRef) -> InvalidInput:
    return InvalidInput(f"{variant.sku} does not track stock. Turn stock tracking on for it in the catalogue first.")


def restock(
    *, session: Session, actor: Actor, code: str, quantity: int, unit_cost_minor: int | None = None,
    location: str | None = None, supplier: str | None = None, note: str = "",
) -> StockChangeRead:
    """Goods in: a 'receive' movement; with a cost, the variant's cost becomes the moving average."""
    positive_quantity(quantity, "restock quantity")
    if unit_cost_minor is not None and unit_cost_minor < 0:
        raise InvalidInput(f"The cost {unit_cost_minor} cannot be negative.")
    variant = find_variant(session, code)
    if not variant.track_stock:
        raise _untracked(variant)
    place = find_location(session, location)
    supplier_id = None
    if supplier:
        found = find_supplier(session, supplier)
        supplier_id = found.id
        policy = session.get(StockPolicy, variant.id)
        if policy is None:
            session.add(StockPolicy(variant_id=variant.id, supplier_id=supplier_id, updated_at=clock.now()))
        elif policy.supplier_id is None:
            policy.supplier_id = supplier_id
            session.add(policy)
        session.flush()
    level, cost = receive_into_stock(session=session, actor=actor, variant=variant, location=place, quantity=quantity,
                                     unit_cost_minor=unit_cost_minor, note=note,
                                     ref_kind="supplier" if supplier_id else None, ref_id=supplier_id)
    audit.record(session=session, actor=actor, entity="variant", action="stock.restock", entity_id=variant.id,
                 summary=f"restocked {quantity} x {variant.sku} at {place.code}",
                 before={"cost_minor": variant.cost_minor, "on_hand": level.on_hand - quantity},
                 after={"cost_minor": cost, "on_hand": level.on_hand})
    return StockChangeRead(sku=variant.sku, location=place.code, kind="receive", quantity=quantity, level=level,
                           cost_minor=cost)


def adjust(
    *, session: Session, actor: Actor, code: str, quantity: int, reason: str, location: str | None = None,
    note: str = "",
) -> StockChangeRead:
    """A correction by hand (signed quantity) with a reason: damaged, lost, found, correction or other."""
    if reason not in ADJUST_REASONS:
        raise InvalidInput(f"The reason {reason!r} is not one of: {', '.join(ADJUST_REASONS)}.")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity == 0:
        raise InvalidInput(f"The adjustment must be a whole number other than zero (like -3 or 2), not {quantity!r}.")
    if abs(quantity) > MAX_QUANTITY:
        raise InvalidInput(f"The adjustment {quantity} is too large (at most {MAX_QUANTITY:,}).")
    variant = find_variant(session, code)
    if not variant.track_stock:
        raise _untracked(variant)
    place = find_location(session, location)
    level = book(session, actor, variant, place, kind="adjustment", quantity=quantity, reason=reason, note=note,
                  unit_cost_minor=variant.cost_minor)
    audit.record(session=session, actor=actor, entity="variant", action="stock.adjust", entity_id=variant.id,
                 summary=f"adjusted {variant.sku} by {quantity:+d} at {place.code} ({reason})",
                 before={"on_hand": level.on_hand - quantity}, after={"on_hand": level.on_hand})
    return StockChangeRead(sku=variant.sku, location=place.code, kind="adjustment", quantity=quantity, level=level)


def transfer(
    *, session: Session, actor: Actor, code: str, quantity: int, from_location: str, to_location: str, note: str = "",
) -> StockChangeRead:
    """Move stock between two locations: 'transfer_out' here and 'transfer_in' there, one transaction."""
    positive_quantity(quantity, "transfer quantity")
    variant = find_variant(session, code)
    if not variant.track_stock:
        raise _untracked(variant)
    source = find_location(session, from_location)
    target = find_location(session, to_location)
    if source.id == target.id:
        raise InvalidInput(f"The transfer goes from {source.code} to {target.code}, the same location. "
                           "Name two different locations.")
    ref = f"{source.code}->{target.code}"
    out_level = book(session, actor, variant, source, kind="transfer_out", quantity=-quantity,
                      need_available=quantity, note=note, ref_kind="transfer", ref_id=ref,
                      unit_cost_minor=variant.cost_minor)
    in_level = book(session, actor, variant, target, kind="transfer_in", quantity=quantity, note=note,
                     ref_kind="transfer", ref_id=ref, unit_cost_minor=variant.cost_minor)
    audit.record(session=session, actor=actor, entity="variant", action="stock.transfer", entity_id=variant.id,
                 summary=f"moved {quantity} x {variant.sku} from {source.code} to {target.code}",
                 before={"on_hand": {source.code: out_level.on_hand + quantity, target.code: in_level.on_hand - quantity}},
                 after={"on_hand": {source.code: out_level.on_hand, target.code: in_level.on_hand}})
    return StockChangeRead(sku=variant.sku, location=source.code, kind="transfer", quantity=quantity, level=out_level,
                           to_location=target.code, to_level=in_level)


# ---------------------------------------------------------------- reading


def _row_query():  # type: ignore[no-untyped-def]
    available = col(StockLevel.on_hand) - col(StockLevel.committed)
    return (
        select(StockLevel.variant_id, Variant.sku, Product.title, StockLevel.location_id, StockLocation.code,
               StockLevel.on_hand, StockLevel.committed, StockLevel.incoming,
               func.coalesce(StockPolicy.safety_stock, 0), StockPolicy.reorder_point, Variant.cost_minor)
        .join(Variant, col(Variant.id) == col(StockLevel.variant_id))
        .join(Product, col(Product.id) == col(Variant.product_id))
        .join(StockLocation, col(StockLocation.id) == col(StockLevel.location_id))
        .outerjoin(StockPolicy, col(StockPolicy.variant_id) == col(StockLevel.variant_id))
    ), available


def _out_of_stock():  # type: ignore[no-untyped-def]
    """Nothing available, written exactly as the partial index ix_stock_level_out (models.inventory.OUT_OF_STOCK) says (a literal 0, not a
    bound parameter), so the store reads only those levels."""
    return col(StockLevel.on_hand) - col(StockLevel.committed) <= literal_column("0")


def _stock_row(row: Sequence) -> StockRow:  # type: ignore[type-arg]
    vid, sku, title, lid, code, on_hand, committed, incoming, safety, rop, cost = row
    available = on_hand - committed
    return StockRow(variant_id=vid, sku=sku, title=title, location_id=lid, location=code, on_hand=on_hand,
                    committed=committed, available=available, incoming=incoming, safety_stock=safety,
                    reorder_point=rop, low=rop is not None and available <= rop, out=available <= 0, cost_minor=cost)


def stock_of(*, session: Session, code: str) -> VariantStockRead:
    """A variant's stock at every location, its totals, policy and cost."""
    variant = find_variant(session, code)
    query, _ = _row_query()
    rows = [_stock_row(r) for r in session.exec(query.where(StockLevel.variant_id == variant.id)
                                                 .order_by(StockLocation.code))]
    policy = session.get(StockPolicy, variant.id)
    supplier = session.get(Supplier, policy.supplier_id) if policy and policy.supplier_id else None
    barcode = session.exec(select(Variant.barcode).where(Variant.id == variant.id)).one()
    return VariantStockRead(
        variant_id=variant.id, sku=variant.sku, barcode=barcode, title=variant.title, track_stock=variant.track_stock,
        cost_minor=variant.cost_minor, safety_stock=policy.safety_stock if policy else 0,
        reorder_point=policy.reorder_point if policy else None, supplier=supplier.name if supplier else None,
        total=levels_for(session, [variant.id])[variant.id], locations=rows,
    )


def list_levels(
    *, session: Session, low: bool = False, out: bool = False, location: str | None = None,
    category_id: int | None = None, after: str | None = None, limit: int = 100, search: str | None = None,
) -> Page[StockRow]:
    """Stock rows by SKU then location, keyset-paged; ``low``: at or below the reorder point; ``out``: none available.

    ``search``: a SKU prefix, an exact barcode, or words of the product title (case-insensitive).
    """
    limit = clamp_limit(limit)
    query, available = _row_query()
    text = (search or "").strip()
    if text:
        query = query.where(_search_condition(session, text))
    if low:
        query = query.where(col(StockPolicy.reorder_point).is_not(None), available <= col(StockPolicy.reorder_point))
    if out:
        query = query.where(_out_of_stock())
    if location:
        # "+ 0": walk the SKU index in order and check the location per row, instead of reading every
        # level of the location and sorting them (128 ms -> 0.5 ms for a page at 300k variants)
        query = query.where(col(StockLevel.location_id) + 0 == find_location(session, location).id)
    if category_id is not None:
        from shoptui.models.catalog import Category

        path = session.exec(select(Category.path).where(Category.id == category_id)).first()
        if path is None:
            raise NotFound(f"There is no category with id {category_id}.")
        query = query.join(Category, col(Category.id) == col(Product.category_id)).where(
            col(Category.path).startswith(path))
    if after:
        sku, _, lid = after.rpartition("|")
        if not lid.isdigit():
            raise InvalidInput(f"The cursor {after!r} is not one this list gave out.")
        query = query.where(tuple_(Variant.sku, StockLevel.location_id) > (sku, int(lid)))
    rows = session.exec(query.order_by(Variant.sku, StockLevel.location_id).limit(limit + 1)).all()
    items = [_stock_row(r) for r in rows[:limit]]
    cursor = f"{items[-1].sku}|{items[-1].location_id}" if len(rows) > limit else None
    return Page(items=items, next_after=cursor)


TITLE_MATCH_LIST = 1000  # up to this many matching products, a title search lists them by id


def _search_condition(session: Session, text: str):  # type: ignore[no-untyped-def]
    """SKUs starting with ``text`` (either case) or that barcode, when any exists (index ranges, fast);
    otherwise product titles containing ``text`` (case-insensitive).

    For titles the matching products are looked up first, reading only the title index: none means
    an empty page at once, a few are then fetched by id; only a common word falls back to walking
    the list in SKU order and testing each title (which stops early because matches are dense).
    """
    upper = text.upper()
    by_code = or_(and_(col(Variant.sku) >= text, col(Variant.sku) < text + "\U0010ffff"),
                  and_(col(Variant.sku) >= upper, col(Variant.sku) < upper + "\U0010ffff"),
                  Variant.barcode == text)
    if session.exec(select(Variant.id).where(by_code).limit(1)).first() is not None:
        return by_code
    in_title = matching.contains_ignoring_case(session.get_bind(), col(Product.title), text)
    ids = session.exec(select(Product.id).where(in_title).limit(TITLE_MATCH_LIST + 1)).all()
    if len(ids) <= TITLE_MATCH_LIST:
        return col(Variant.product_id).in_(ids) if ids else false()
    return in_title


def list_moves(
    *, session: Session, code: str, since: datetime | None = None, location: str | None = None,
    after: int | None = None, limit: int = 50,
) -> Page[MovementRead]:
    """A variant's ledger, newest first, keyset-paged by id."""
    limit = clamp_limit(limit)
    variant = find_variant(session, code)
    query = (
        select(StockMovement, StockLocation.code)
        .join(StockLocation, col(StockLocation.id) == col(StockMovement.location_id))
        .where(StockMovement.variant_id == variant.id)
        .order_by(col(StockMovement.at).desc(), col(StockMovement.id).desc())
        .limit(limit + 1)
    )
    if since is not None:
        query = query.where(col(StockMovement.at) >= since)
    if location:
        query = query.where(StockMovement.location_id == find_location(session, location).id)
    if after is not None:
        at = session.exec(select(StockMovement.at).where(StockMovement.id == after)).first()
        if at is None:
            raise InvalidInput(f"The cursor {after!r} is not one this list gave out.")
        query = query.where(or_(col(StockMovement.at) < at, and_(col(StockMovement.at) == at,
                                                                 col(StockMovement.id) < after)))
    rows = session.exec(query).all()
    items = [
        MovementRead(id=m.id, at=m.at, sku=variant.sku, location=code_, kind=m.kind, quantity=m.quantity,
                     committed_change=m.committed_change, unit_cost_minor=m.unit_cost_minor, reason=m.reason,
                     note=m.note, actor=m.actor, source=m.source, ref_kind=m.ref_kind, ref_id=m.ref_id)
        for m, code_ in rows[:limit]
    ]
    return Page(items=items, next_after=str(items[-1].id) if len(rows) > limit else None)


# ---------------------------------------------------------------- policies and alerts


def set_levels(
    *, session: Session, actor: Actor, code: str, safety_stock: int | None = None, reorder_point: int | None = None,
    clear_reorder_point: bool = False, supplier: str | None = None,
) -> PolicyRead:
    """Set a variant's safety stock, reorder point and/or usual supplier (unset means unchanged)."""
    for name, value in (("safety stock", safety_stock), ("reorder point", reorder_point)):
        if value is not None and (value < 0 or value > MAX_QUANTITY):
            raise InvalidInput(f"The {name} must be from 0 to {MAX_QUANTITY:,}, not {value}.")
    if safety_stock is None and reorder_point is None and supplier is None and not clear_reorder_point:
        raise InvalidInput("Give --safety, --reorder-point or --supplier (or --no-reorder-point).")
    variant = find_variant(session, code)
    policy = session.get(StockPolicy, variant.id)
    before = None
    if policy is None:
        policy = StockPolicy(variant_id=variant.id, updated_at=clock.now())
    else:
        before = {"safety_stock": policy.safety_stock, "reorder_point": policy.reorder_point,
                  "supplier_id": policy.supplier_id}
    if safety_stock is not None:
        policy.safety_stock = safety_stock
    if reorder_point is not None:
        policy.reorder_point = reorder_point
    if clear_reorder_point:
        policy.reorder_point = None
    supplier_name = None
    if supplier is not None:
        found = find_supplier(session, supplier)
        policy.supplier_id = found.id
    if policy.supplier_id:
        supplier_name = session.exec(select(Supplier.name).where(Supplier.id == policy.supplier_id)).one()
    policy.updated_at = clock.now()
    session.add(policy)
    session.flush()
    locations = session.exec(select(StockLevel.location_id).where(StockLevel.variant_id == variant.id)).all()
    for location_id in locations:
        evaluate_alerts(session=session, location_id=location_id, variant_ids=[variant.id])
    audit.record(session=session, actor=actor, action="stock.set_levels", entity="variant", entity_id=variant.id,
                 summary=f"stock levels of {variant.sku} set", before=before,
                 after={"safety_stock": policy.safety_stock, "reorder_point": policy.reorder_point,
                        "supplier_id": policy.supplier_id})
    return PolicyRead(variant_id=variant.id, sku=variant.sku, safety_stock=policy.safety_stock,
                      reorder_point=policy.reorder_point, supplier=supplier_name)


def alert_step(available: int, reorder_point: int | None, alerted: bool, alerted_out: bool,
               ) -> tuple[tuple[bool, bool], bool]:
    """The alert rule of one stock level: its new ``(alerted, alerted_out)`` flags and whether to alert now.

    A level alerts once when available stock falls to or below its reorder point ("low on stock",
    or "out of stock" when nothing is left), and once more when a low level runs out (nothing
    available). Each alert is once per crossing, not per sale: ``alerted`` stays set until stock is
    above the point again, ``alerted_out`` until something is available again. Without a reorder
    point a level never alerts.
    """
    if reorder_point is None or available > reorder_point:
        return (False, False), False
    out = available <= 0
    if not alerted:
        return (True, out), True
    if out and not alerted_out:
        return (True, True), True
    return (True, out and alerted_out), False


def evaluate_alerts(*, session: Session, location_id: int, variant_ids: Sequence[int]) -> int:
    """Alert each level that fell to or below its reorder point, or ran out; returns how many alerted.

    The rule (once per crossing) is :func:`alert_step`'s.
    """
    crossed: list[tuple[int, int]] = []
    for start in range(0, len(variant_ids), 500):
        chunk = list(variant_ids[start:start + 500])
        rows = session.exec(
            select(StockLevel.variant_id, StockLevel.on_hand - StockLevel.committed, StockLevel.alerted,
                   StockLevel.alerted_out, StockPolicy.reorder_point)
            .join(StockPolicy, col(StockPolicy.variant_id) == col(StockLevel.variant_id))
            .where(StockLevel.location_id == location_id, col(StockLevel.variant_id).in_(chunk))
        ).all()
        changed: dict[tuple[bool, bool], list[int]] = {}
        for vid, avail, alerted, alerted_out, rop in rows:
            flags, send = alert_step(avail, rop, bool(alerted), bool(alerted_out))
            if flags != (bool(alerted), bool(alerted_out)):
                changed.setdefault(flags, []).append(vid)
            if send:
                crossed.append((vid, avail))
        for (flag, out), ids in changed.items():
            session.execute(update(StockLevel).where(StockLevel.location_id == location_id,
                                                     col(StockLevel.variant_id).in_(ids))
                            .values(alerted=flag, alerted_out=out).execution_options(synchronize_session=False))
    if crossed:
        _send_alerts(session, location_id, crossed)
    return len(crossed)


def _send_alerts(session: Session, location_id: int, crossed: list[tuple[int, int]]) -> None:
    from shoptui.services.messaging import outbox as messaging
    from shoptui.services.shop import notifications, settings

    mode = settings.get(session=session, key="low_stock_alerts")
    recipients = settings.get(session=session, key="alert_emails") if mode == "each" else []
    code = _location_codes(session, [location_id]).get(location_id, str(location_id))
    info = {
        row[0]: row[1:]
        for row in session.exec(
            select(Variant.id, Variant.sku, Product.title, StockPolicy.reorder_point)
            .join(Product, col(Product.id) == col(Variant.product_id))
            .join(StockPolicy, col(StockPolicy.variant_id) == col(Variant.id))
            .where(col(Variant.id).in_([v for v, _ in crossed]))
        )
    }
    for variant_id, available in crossed:
        sku, title, rop = info[variant_id]
        state = "out of stock" if available <= 0 else "low on stock"
        context = {"sku": sku, "title": title, "available": available, "reorder_point": rop, "location": code,
                   "state": state}
        notifications.notify(
            session=session, title=f"{sku} is {state} at {code}",
            body=f"{title}: {available} available, reorder point {rop}.",
            severity="error" if available <= 0 else "warning", link_kind="variant", link_id=variant_id,
        )
        for recipient in recipients:
            messaging.queue(
                session=session, channel="email", recipient=recipient, template="low_stock",
                subject="Low stock: $sku is $state at $location",
                body="$title ($sku) is $state at $location: $available available, reorder point $reorder_point.\n\n"
                     "See suggested purchase orders with: shoptui po suggest\n",
                context=context, ref_kind="variant", ref_id=variant_id,
            )


@dataclass(frozen=True)
class DigestResult:
    """What ``stock digest`` queued; ``already_sent``: today's digest (store-local day) went out earlier."""

    low: int
    emails: int
    day: str = ""
    already_sent: bool = False


def low_stock_digest(*, session: Session, actor: Actor, force: bool = False) -> DigestResult:
    """Queue one email to alert_emails listing every level at or below its reorder point.

    One digest per store-local day (the setting promises one a day): a second run on the same day queues
    nothing and says so, unless ``force``.
    """
    from shoptui import wording
    from shoptui.models.messaging import OutboxMessage
    from shoptui.services.messaging import outbox as messaging
    from shoptui.services.shop import settings

    day = wording.when(clock.now(), settings.timezone(session=session), time=False)
    if not force and session.exec(select(OutboxMessage.id).where(
            OutboxMessage.template == "low_stock_digest", OutboxMessage.ref_kind == "digest",
            OutboxMessage.ref_id == day, OutboxMessage.status != "cancelled").limit(1)).first() is not None:
        return DigestResult(low=0, emails=0, day=day, already_sent=True)
    page_rows: list[StockRow] = []
    after: str | None = None
    while True:
        page = list_levels(session=session, low=True, after=after, limit=1000)
        page_rows.extend(page.items)
        if page.next_after is None:
            break
        after = page.next_after
    recipients = settings.get(session=session, key="alert_emails")
    if not page_rows or not recipients:
        return DigestResult(low=len(page_rows), emails=0, day=day)
    lines = "\n".join(f"  {r.sku:<20} {r.location:<8} available {r.available:>6}  reorder point {r.reorder_point}"
                      f"  {r.title}" for r in page_rows)
    for recipient in recipients:
        messaging.queue(session=session, channel="email", recipient=recipient, template="low_stock_digest",
                        subject="Low stock digest $day: $count",
                        body="At or below their reorder point:\n\n$lines\n\nSuggested orders: shoptui po suggest\n",
                        context={"day": day, "count": wording.plural(len(page_rows), "SKU"), "lines": lines},
                        ref_kind="digest", ref_id=day)
    audit.record(session=session, actor=actor, action="stock.digest", entity="stock",
                 summary=f"low-stock digest of {wording.plural(len(page_rows), 'SKU')} to "
                         f"{wording.plural(len(recipients), 'recipient')}" + (" (forced)" if force else ""))
    return DigestResult(low=len(page_rows), emails=len(recipients), day=day)


def daily_sales(session: Session, *, days: int, variant_ids: Sequence[int] | None = None) -> dict[int, list[int]]:
    """Units sold per day over the last ``days`` days (oldest first), per variant that sold any."""
    since = clock.now() - _days(days)
    query = (select(StockMovement.variant_id, StockMovement.at, StockMovement.quantity)
             .where(StockMovement.kind == "sale", col(StockMovement.at) >= since))
    if variant_ids is not None:
        query = query.where(col(StockMovement.variant_id).in_(list(variant_ids)))
    series: dict[int, list[int]] = {}
    for vid, at, quantity in session.exec(query):
        index = min(days - 1, max(0, int((at - since).total_seconds() // 86400)))
        series.setdefault(vid, [0] * days)[index] += -quantity
    return series


def _days(days: int):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    return timedelta(days=days)


def suggest_levels(*, session: Session, days: int = 30, code: str | None = None) -> list[LevelSuggestion]:
    """Safety stock = ceil(z x stdev of daily sales x sqrt(lead time)); reorder point =
    ceil(mean daily sales x lead time) + safety stock. z is the safety_factor setting, the lead time
    the usual supplier's (or default_lead_time_days); sales are the last ``days`` days."""
    from shoptui.services.shop import settings

    if not 1 <= days <= 365:
        raise InvalidInput(f"The history must be 1 to 365 days, not {days}.")
    z = float(settings.get(session=session, key="safety_factor"))
    default_lead = int(settings.get(session=session, key="default_lead_time_days"))
    only = [find_variant(session, code).id] if code else None
    series = daily_sales(session, days=days, variant_ids=only)
    if only and not series:
        series = {only[0]: [0] * days}
    ids = list(series)
    meta: dict[int, tuple] = {}  # type: ignore[type-arg]
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for row in session.exec(
            select(Variant.id, Variant.sku, StockPolicy.safety_stock, StockPolicy.reorder_point,
                   Supplier.lead_time_days)
            .outerjoin(StockPolicy, col(StockPolicy.variant_id) == col(Variant.id))
            .outerjoin(Supplier, col(Supplier.id) == col(StockPolicy.supplier_id))
            .where(col(Variant.id).in_(chunk), col(Variant.track_stock).is_(True))
        ):
            meta[row[0]] = row[1:]
    out: list[LevelSuggestion] = []
    for vid, sold_per_day in series.items():
        if vid not in meta:
            continue
        sku, safety_now, rop_now, lead = meta[vid]
        lead = default_lead if lead is None else lead
        mean = sum(sold_per_day) / days
        stdev = math.sqrt(sum((x - mean) ** 2 for x in sold_per_day) / days)
        safety = math.ceil(round(z * stdev * math.sqrt(lead), 6))
        rop = math.ceil(round(mean * lead, 6)) + safety
        out.append(LevelSuggestion(variant_id=vid, sku=sku, days=days, sold=sum(sold_per_day),
                                   daily_mean=round(mean, 3), daily_stdev=round(stdev, 3), lead_time_days=lead,
                                   safety_stock=safety, reorder_point=rop, current_safety_stock=safety_now or 0,
                                   current_reorder_point=rop_now))
    return sorted(out, key=lambda s: s.sku)


def apply_level_suggestions(*, session: Session, actor: Actor, days: int = 30, code: str | None = None
                            ) -> list[LevelSuggestion]:
    """Save the suggested safety stock and reorder point for every variant with sales history."""
    suggestions = suggest_levels(session=session, days=days, code=code)
    for s in suggestions:
        set_levels(session=session, actor=actor, code=s.sku, safety_stock=s.safety_stock,
                   reorder_point=s.reorder_point)
    return suggestions


# ---------------------------------------------------------------- db check and dashboard


def check_stock_ledger(*, session: Session) -> list[str]:
    """Stock levels equal the sum of their ledger movements (on hand and committed)."""
    sums = (
        select(StockMovement.variant_id, StockMovement.location_id, func.sum(StockMovement.quantity).label("oh"),
               func.sum(StockMovement.committed_change).label("cm"))
        .group_by(StockMovement.variant_id, StockMovement.location_id)
        .subquery()
    )
    mismatched = session.execute(
        select(sums.c.variant_id, sums.c.location_id, sums.c.oh, sums.c.cm, StockLevel.on_hand, StockLevel.committed)
        .select_from(sums)
        .outerjoin(StockLevel, and_(col(StockLevel.variant_id) == sums.c.variant_id,
                                    col(StockLevel.location_id) == sums.c.location_id))
        .where(or_(col(StockLevel.on_hand).is_(None), col(StockLevel.on_hand) != sums.c.oh,
                   col(StockLevel.committed) != sums.c.cm))
        .limit(1000)
    ).all()
    problems = [
        f"variant {v} at location {loc}: level on hand {oh_level}, committed {cm_level}; "
        f"ledger sums to on hand {oh}, committed {cm}"
        for v, loc, oh, cm, oh_level, cm_level in mismatched
    ]
    has_moves = (select(StockMovement.id).where(StockMovement.variant_id == StockLevel.variant_id,
                                                StockMovement.location_id == StockLevel.location_id).exists())
    orphans = session.exec(
        select(StockLevel.variant_id, StockLevel.location_id, StockLevel.on_hand, StockLevel.committed)
        .where(or_(StockLevel.on_hand != 0, StockLevel.committed != 0), ~has_moves).limit(1000)
    ).all()
    problems += [f"variant {v} at location {loc}: level on hand {oh}, committed {cm} with no movements"
                 for v, loc, oh, cm in orphans]
    return problems


def check_incoming(*, session: Session) -> list[str]:
    """Incoming stock equals what open purchase orders still expect."""
    remaining = (
        select(PurchaseOrderLine.variant_id, PurchaseOrder.location_id,
               func.sum(col(PurchaseOrderLine.quantity_ordered) - col(PurchaseOrderLine.quantity_received)))
        .join(PurchaseOrder, col(PurchaseOrder.id) == col(PurchaseOrderLine.po_id))
        .where(col(PurchaseOrder.status).in_(("ordered", "partial")),
               col(PurchaseOrderLine.quantity_ordered) > col(PurchaseOrderLine.quantity_received))
        .group_by(PurchaseOrderLine.variant_id, PurchaseOrder.location_id)
    )
    expected = {(v, loc): due for v, loc, due in session.exec(remaining)}
    actual = {(v, loc): inc for v, loc, inc in session.exec(
        select(StockLevel.variant_id, StockLevel.location_id, StockLevel.incoming).where(StockLevel.incoming != 0))}
    return [f"variant {v} at location {loc}: incoming {actual.get((v, loc), 0)}, open purchase orders expect "
            f"{expected.get((v, loc), 0)}"
            for v, loc in sorted(set(expected) | set(actual)) if expected.get((v, loc), 0) != actual.get((v, loc), 0)]
