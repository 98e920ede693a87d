"""The catalogue's dashboard figure, read with plain SQL (see ``services/shop/dashboard.py``)."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session

from shoptui.services.shop import Figure, count


def dashboard_figures(*, session: Session) -> list[Figure]:
    """Active products, with drafts and variants as detail."""
    counts = dict(session.execute(text("SELECT status, count(*) FROM product GROUP BY status")).all())
    variants = count(session, "SELECT count(*) FROM variant")
    return [Figure(key="products", title="Products", value=f"{counts.get('active', 0):,}",
                   detail=f"active · {counts.get('draft', 0):,} drafts · {variants:,} SKUs", order=20, mode="products")]
