"""Stock lists: the levels list (filters, search, keyset paging), a variant's stock everywhere and its ledger."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, and_, false, func, literal_column, or_, tuple_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from shoptui.errors import InvalidInput, NotFound
from shoptui.models.catalog import Product, Variant
from shoptui.models.inventory import StockLevel, StockLocation, StockMovement, StockPolicy, Supplier
from shoptui.services.inventory.levels import LevelRead, levels_for
from shoptui.services.inventory.locations import find_location
from shoptui.services.inventory.variants import find_variant
from shoptui.services.shop.paging import Page, clamp_limit
from shoptui.store import matching


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


def _row_query() -> tuple[Select[*tuple[Any, ...]], ColumnElement[int]]:
    """The stock list's query (one row per level, see :func:`_stock_row`) and its available-stock expression."""
    available = col(StockLevel.on_hand) - col(StockLevel.committed)
    query: Select[*tuple[Any, ...]] = (
        sa_select(col(StockLevel.variant_id), col(Variant.sku), col(Product.title), col(StockLevel.location_id),
                  col(StockLocation.code), col(StockLevel.on_hand), col(StockLevel.committed), col(StockLevel.incoming),
                  func.coalesce(col(StockPolicy.safety_stock), 0), col(StockPolicy.reorder_point), col(Variant.cost_minor))
        .join(Variant, col(Variant.id) == col(StockLevel.variant_id))
        .join(Product, col(Product.id) == col(Variant.product_id))
        .join(StockLocation, col(StockLocation.id) == col(StockLevel.location_id))
        .outerjoin(StockPolicy, col(StockPolicy.variant_id) == col(StockLevel.variant_id))
    )
    return query, available


def _out_of_stock() -> ColumnElement[bool]:
    """Nothing available, written exactly as the partial index ix_stock_level_out (models.inventory.OUT_OF_STOCK) says (a literal 0, not a
    bound parameter), so the store reads only those levels."""
    return col(StockLevel.on_hand) - col(StockLevel.committed) <= literal_column("0")


def _stock_row(row: Sequence[Any]) -> StockRow:
    vid, sku, title, lid, code, on_hand, committed, incoming, safety, rop, cost = row
    available = on_hand - committed
    return StockRow(variant_id=vid, sku=sku, title=title, location_id=lid, location=code, on_hand=on_hand,
                    committed=committed, available=available, incoming=incoming, safety_stock=safety,
                    reorder_point=rop, low=rop is not None and available <= rop, out=available <= 0, cost_minor=cost)


def stock_of(*, session: Session, code: str) -> VariantStockRead:
    """A variant's stock at every location, its totals, policy and cost."""
    variant = find_variant(session, code)
    query, _ = _row_query()
    rows = [_stock_row(r) for r in session.execute(query.where(col(StockLevel.variant_id) == variant.id)
                                                    .order_by(col(StockLocation.code)))]
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
        query = query.where(tuple_(col(Variant.sku), col(StockLevel.location_id)) > (sku, int(lid)))
    rows = session.execute(query.order_by(col(Variant.sku), col(StockLevel.location_id)).limit(limit + 1)).all()
    items = [_stock_row(r) for r in rows[:limit]]
    cursor = f"{items[-1].sku}|{items[-1].location_id}" if len(rows) > limit else None
    return Page(items=items, next_after=cursor)


TITLE_MATCH_LIST = 1000  # up to this many matching products, a title search lists them by id


def _search_condition(session: Session, text: str) -> ColumnElement[bool]:
    """SKUs starting with ``text`` (either case) or that barcode, when any exists (index ranges, fast);
    otherwise product titles containing ``text`` (case-insensitive).

    For titles the matching products are looked up first, reading only the title index: none means
    an empty page at once, a few are then fetched by id; only a common word falls back to walking
    the list in SKU order and testing each title (which stops early because matches are dense).
    """
    upper = text.upper()
    by_code = or_(and_(col(Variant.sku) >= text, col(Variant.sku) < text + "\U0010ffff"),
                  and_(col(Variant.sku) >= upper, col(Variant.sku) < upper + "\U0010ffff"),
                  col(Variant.barcode) == text)
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
