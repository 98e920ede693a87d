"""Stock levels read: on hand, committed, available and incoming of a SKU or of many variants,
summed over locations or at one (point queries prepared once for the common case)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from pydantic import BaseModel
from sqlalchemy import and_, bindparam, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from shoptui.models._types import table_of
from shoptui.models.catalog import Variant
from shoptui.models.inventory import StockLevel
from shoptui.services.inventory.variants import find_variant
from shoptui.store.prepared import Prepared


class LevelRead(BaseModel):
    """Quantities of one variant (at one location, or summed over all when location_id is None)."""

    variant_id: int
    location_id: int | None
    on_hand: int
    committed: int
    available: int
    incoming: int


_VARIANT = table_of(Variant)
_LEVEL = table_of(StockLevel)


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
        .group_by(col(StockLevel.variant_id))
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
