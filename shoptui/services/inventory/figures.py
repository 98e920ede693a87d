"""Inventory's dashboard figures, read with plain SQL (see ``services/shop/dashboard.py``)."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session

from shoptui.services.shop import Figure, count
from shoptui.wording import plural


def dashboard_figures(*, session: Session) -> list[Figure]:
    """Low-stock and out-of-stock counts, open purchase orders, last stocktake accuracy."""
    low = count(session, "SELECT count(*) FROM stock_level AS l JOIN stock_policy AS p ON p.variant_id = l.variant_id "
                          "WHERE p.reorder_point IS NOT NULL AND l.on_hand - l.committed <= p.reorder_point "
                          "AND l.on_hand - l.committed > 0")
    # written exactly as the partial index ix_stock_level_out says, so only those levels are read
    out = count(session, "SELECT count(*) FROM stock_level WHERE on_hand - committed <= 0")
    open_pos = count(session, "SELECT count(*) FROM purchase_order WHERE status IN ('ordered', 'partial')")
    drafts = count(session, "SELECT count(*) FROM purchase_order WHERE status = 'draft'")
    last = session.execute(text("SELECT id, accuracy_bp FROM stocktake WHERE status = 'posted' "
                                "ORDER BY posted_at DESC, id DESC LIMIT 1")).first()
    accuracy = "–" if last is None or last[1] is None else f"{last[1] / 100:.1f}%"
    return [
        Figure(key="low_stock", title="Low stock", value=str(low), detail="at or below reorder point",
               severity="warning" if low else "good", order=30, mode="inventory"),
        Figure(key="out_of_stock", title="Out of stock", value=str(out), detail="nothing available",
               severity="error" if out else "good", order=31, mode="inventory"),
        Figure(key="open_pos", title="Open POs", value=str(open_pos), detail=plural(drafts, "draft"), order=32,
               mode="purchasing"),
        Figure(key="stocktake_accuracy", title="Stocktake accuracy", value=accuracy,
               detail="last posted count" if last else "no stocktake yet", order=33, mode="stocktake"),
    ]
