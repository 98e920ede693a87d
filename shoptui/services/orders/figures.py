"""The orders' dashboard figures, read with plain SQL and kept counters (see ``services/shop/dashboard.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, text
from sqlmodel import Session

from shoptui.models._types import UTCDateTime
from shoptui.services.orders.status import SHIPPABLE_PAYMENT, TO_SHIP, UNPAID
from shoptui.services.shop import Figure, count, money_text, store_values, today_start
from shoptui.store.rows import tuples
from shoptui.wording import plural

OPEN_RETURNS = ("requested", "approved", "received")


@dataclass(frozen=True)
class OrderFigures:
    """The numbers on the orders dashboard."""

    sales_today_minor: int
    orders_today: int
    average_order_minor: int
    unpaid: int
    to_ship: int
    open_returns: int


def order_figures(*, session: Session) -> OrderFigures:
    """Today's sales, orders and average; unpaid, to ship and open returns: indexed reads and kept counters."""
    from shoptui.services.pricing import round_half_up

    statement = text("SELECT count(*), coalesce(sum(total_minor), 0) FROM sales_order "
                     "WHERE created_at >= :start AND status != 'cancelled'").bindparams(
        bindparam("start", type_=UTCDateTime))
    zone = ZoneInfo(store_values(session, "timezone")["timezone"])
    placed, total = tuples(session.execute(statement, {"start": today_start(zone)})).one()
    unpaid = to_ship = 0
    for payment, fulfilment, orders in tuples(session.execute(text(
            "SELECT payment_status, fulfilment_status, orders FROM order_stat WHERE status = 'open' AND orders > 0"))):
        if payment in UNPAID:
            unpaid += orders
        elif payment in SHIPPABLE_PAYMENT and fulfilment in TO_SHIP:
            to_ship += orders
    open_returns = count(session, "SELECT count(*) FROM order_return WHERE status IN :states", states=OPEN_RETURNS)
    return OrderFigures(sales_today_minor=int(total), orders_today=int(placed),
                        average_order_minor=round_half_up(int(total), int(placed)) if placed else 0,
                        unpaid=unpaid, to_ship=to_ship, open_returns=open_returns)


def dashboard_figures(*, session: Session) -> list[Figure]:
    """The orders' KPI cards."""
    f = order_figures(session=session)
    values = store_values(session, "currency", "currency_digits")
    return [
        Figure(key="sales_today", title="Sales today", value=f"{money_text(f.sales_today_minor, values)} "
               f"{values['currency']}", detail=plural(f.orders_today, "order"), order=10, mode="orders"),
        Figure(key="orders_today", title="Orders today", value=str(f.orders_today),
               detail=f"average {money_text(f.average_order_minor, values)}", order=11, mode="orders"),
        Figure(key="average_order", title="Average order", value=money_text(f.average_order_minor, values),
               detail="today", order=12, mode="orders"),
        Figure(key="unpaid", title="Unpaid", value=str(f.unpaid), detail="open orders waiting for payment",
               severity="warning" if f.unpaid else "good", order=13, mode="orders"),
        Figure(key="to_ship", title="To ship", value=str(f.to_ship), detail="paid orders not shipped",
               severity="warning" if f.to_ship else "good", order=14, mode="orders"),
        Figure(key="open_returns", title="Open returns", value=str(f.open_returns), detail="requested, approved or received",
               severity="warning" if f.open_returns else "good", order=15, mode="orders"),
    ]
