"""The dashboard's visitors card, read with plain SQL (see ``services/shop/dashboard.py``): light to import."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Date, bindparam, text
from sqlmodel import Session

from shoptui.services.shop import Figure, local_today, store_values
from shoptui.store.rows import tuples

_VISITORS = text("SELECT count(*) FROM (SELECT DISTINCT client FROM traffic_visit WHERE day = :day) AS clients"
                 ).bindparams(bindparam("day", type_=Date))
_VISITS = text("SELECT count(*), coalesce(sum(page_views), 0) FROM traffic_visit WHERE day = :day"
               ).bindparams(bindparam("day", type_=Date))


def visitors_on(session: Session, day: date) -> tuple[int, int, int]:
    """(visitors, visits, page views) of one store-time day, from the imported access logs."""
    visitors = int(session.execute(_VISITORS, {"day": day}).scalar_one() or 0)
    visits, views = tuples(session.execute(_VISITS, {"day": day})).one()
    return visitors, int(visits or 0), int(views or 0)


def dashboard_figures(*, session: Session) -> list[Figure]:
    """Visitors today (distinct clients in the access logs imported so far), with yesterday beside it."""
    from zoneinfo import ZoneInfo

    today = local_today(ZoneInfo(str(store_values(session, "timezone")["timezone"])))
    visitors, visits, views = visitors_on(session, today)
    before, _, _ = visitors_on(session, today - timedelta(days=1))
    detail = f"{visits} visits · yesterday {before}"  # short: a card is 28 columns wide at 80x24
    return [Figure(key="traffic.visitors", title="Visitors today", value=str(visitors), detail=detail, order=16)]
