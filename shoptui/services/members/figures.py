"""The members' dashboard figures, read with plain SQL (see ``services/shop/dashboard.py``)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from shoptui.services.shop import Figure, count, day_start, local_today, money_text, store_values


def dashboard_figures(*, session: Session) -> list[Figure]:
    """New members this week and the points liability (what the points held are worth)."""
    from shoptui.services.pricing import points_worth

    values = store_values(session, "timezone", "currency", "currency_digits", "member_points_value_per_100")
    zone = ZoneInfo(values["timezone"])
    today = local_today(zone)
    new = count(session, "SELECT count(*) FROM member WHERE joined_at >= :start",
                start=day_start(today - timedelta(days=today.weekday()), zone))
    held = count(session, "SELECT coalesce(sum(points_balance), 0) FROM member WHERE points_balance > 0")
    value = points_worth(held, int(values["member_points_value_per_100"]))
    return [
        Figure(key="members.new", title="New members", value=str(new), detail="this week", order=50, mode="members"),
        Figure(key="members.points", title="Points liability", value=f"{values['currency']} {money_text(value, values)}",
               detail=f"{held:,} points held", order=51, mode="members"),
    ]
