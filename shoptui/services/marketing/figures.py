"""Marketing's dashboard figure, read with plain SQL (see ``services/shop/dashboard.py``)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from shoptui import clock
from shoptui.services.shop import Figure, count


def dashboard_figures(*, session: Session) -> list[Figure]:
    """Promotions running now and coupons used in the last 7 days."""
    now = clock.now()
    running = count(session, "SELECT count(*) FROM promotion WHERE status = 'active' AND starts_at <= :now "
                              "AND (ends_at IS NULL OR ends_at > :now)", now=now)
    week = count(session, "SELECT count(*) FROM coupon_redemption WHERE at >= :since", since=now - timedelta(days=7))
    return [Figure(key="marketing.promotions", title="Active promotions", value=str(running),
                   detail=f"{week} coupons used in 7 days", order=60)]
