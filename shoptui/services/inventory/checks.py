"""``db check`` invariants of stock: levels equal their ledger, incoming equals open purchase orders."""

from __future__ import annotations

from sqlalchemy import and_, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from shoptui.models.inventory import PurchaseOrder, PurchaseOrderLine, StockLevel, StockMovement


def check_stock_ledger(*, session: Session) -> list[str]:
    """Stock levels equal the sum of their ledger movements (on hand and committed)."""
    sums = (
        select(StockMovement.variant_id, StockMovement.location_id, func.sum(StockMovement.quantity).label("oh"),
               func.sum(StockMovement.committed_change).label("cm"))
        .group_by(col(StockMovement.variant_id), col(StockMovement.location_id))
        .subquery()
    )
    mismatched = session.execute(
        sa_select(sums.c.variant_id, sums.c.location_id, sums.c.oh, sums.c.cm, col(StockLevel.on_hand),
                  col(StockLevel.committed))
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
        .where(or_(col(StockLevel.on_hand) != 0, col(StockLevel.committed) != 0), ~has_moves).limit(1000)
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
        .group_by(col(PurchaseOrderLine.variant_id), col(PurchaseOrder.location_id))
    )
    expected = {(v, loc): due for v, loc, due in session.exec(remaining)}
    actual = {(v, loc): inc for v, loc, inc in session.exec(
        select(StockLevel.variant_id, StockLevel.location_id, StockLevel.incoming).where(StockLevel.incoming != 0))}
    return [f"variant {v} at location {loc}: incoming {actual.get((v, loc), 0)}, open purchase orders expect "
            f"{expected.get((v, loc), 0)}"
            for v, loc in sorted(set(expected) | set(actual)) if expected.get((v, loc), 0) != actual.get((v, loc), 0)]
