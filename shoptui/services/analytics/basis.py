"""What the products, customers and stock reports share: the period, which orders count, the cost of a unit sold.

The rules are the sales report's (definitions.DEFINITIONS): a sale counts on the day its order was placed in
the store's time zone; cancelled orders never count and open orders with no payment yet are not sales; money
refunded for goods counts on the day of the refund. Each rule is one function here, used by every query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, literal
from sqlmodel import col

from shoptui.errors import InvalidInput
from shoptui.models._types import table_of
from shoptui.models.catalog import Variant
from shoptui.models.orders import Order, OrderLine, OrderRefund

if TYPE_CHECKING:
    from sqlalchemy.sql.elements import ColumnElement
    from sqlmodel import Session

DEFAULT_DAYS = 30
MAX_DAYS = 36_600  # a hundred years: longer is a typing mistake


@dataclass(frozen=True)
class Period:
    """The days ``start`` .. ``end`` (both included, store time) and their bounds in UTC (``lower`` <= t < ``upper``)."""

    start: date
    end: date
    tz: ZoneInfo
    lower: datetime
    upper: datetime

    @property
    def days(self) -> int:
        """How many days the period has (at least 1)."""
        return (self.end - self.start).days + 1


def make_period(
    tz: ZoneInfo,
    *,
    start: date | None = None,
    end: date | None = None,
    days: int | None = None,
    default_days: int = DEFAULT_DAYS,
) -> Period:
    """The period a report covers: ``start`` .. ``end``, or the ``days`` days to ``end``; ``end`` defaults to today
    (store time) and the length to ``default_days``. Raises InvalidInput for no days, too many, or start after end."""
    from shoptui.services.shop import day_end, day_start, local_today

    if days is not None and start is not None:
        raise InvalidInput("Give either a first day or a number of days, not both.", field="days")
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"The number of days must be 1 to {MAX_DAYS}, not {days}.", field="days")
    last = end or local_today(tz)
    if start is None:
        try:
            start = last - timedelta(days=(days or default_days) - 1)
        except OverflowError:
            raise InvalidInput(
                f"{days or default_days} days before {last} is before the calendar starts.", field="days"
            ) from None
    if start > last:
        raise InvalidInput(
            f"The first day {start.isoformat()} is after the last day {last.isoformat()}; swap them.", field="start"
        )
    if (last - start).days + 1 > MAX_DAYS:
        raise InvalidInput(f"A report covers at most {MAX_DAYS} days; {start} to {last} is longer.", field="start")
    try:
        upper = day_end(last, tz)
    except OverflowError:
        raise InvalidInput(f"The last day {last} is too far in the future.", field="end") from None
    return Period(start=start, end=last, tz=tz, lower=day_start(start, tz), upper=upper)


def store_period(
    session: Session,
    *,
    start: date | None = None,
    end: date | None = None,
    days: int | None = None,
    default_days: int = DEFAULT_DAYS,
) -> Period:
    """:func:`make_period` in the store's time zone."""
    from shoptui.services.shop import timezone

    return make_period(timezone(session=session), start=start, end=end, days=days, default_days=default_days)


def counted() -> ColumnElement[bool]:
    """The orders that are sales: not cancelled, and not open with no payment yet (those are listed apart).
    The rule itself is the orders domain's (``orders.in_sales_sql``), shared with the sales report and rollups."""
    from shoptui.services.orders import in_sales_sql

    result: ColumnElement[bool] = in_sales_sql(table_of(Order))
    return result


def refund_counts() -> ColumnElement[bool]:
    """The refunds that count as returns: of any order not cancelled (counted on the refund's day)."""
    return col(Order.status) != "cancelled"


def refunded_in(lower: datetime, upper: datetime) -> ColumnElement[bool]:
    """Refunds made from ``lower`` up to (not including) ``upper``, of orders that count (needs ``order_refund``
    joined on the refund line's batch and ``sales_order`` on its order)."""
    return and_(col(OrderRefund.at) >= lower, col(OrderRefund.at) < upper, refund_counts())


def placed_in(lower: datetime, upper: datetime) -> ColumnElement[bool]:
    """Orders placed from ``lower`` up to (not including) ``upper``."""
    return and_(col(Order.created_at) >= lower, col(Order.created_at) < upper)


def as_utc(value: datetime | str) -> datetime:
    """A time read back through an aggregate (``max(created_at)``): aware UTC whatever the driver returned."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def unit_cost() -> ColumnElement[Any]:
    """The cost of one unit on an order line (needs ``variant`` outer-joined on the line's variant).

    The ONE place that says what a sold unit cost: the cost kept on the line when it was sold
    (``order_line.unit_cost_minor``), else the variant's cost today, else 0.
    """
    return func.coalesce(col(OrderLine.unit_cost_minor), col(Variant.cost_minor), literal(0))


def line_cost() -> ColumnElement[Any]:
    """The cost of a whole order line: its units at :func:`unit_cost`."""
    return col(OrderLine.quantity) * unit_cost()


def bucket(column: Any, bounds: Sequence[datetime]) -> ColumnElement[Any]:
    """The index ``i`` of the span ``bounds[i] <= column < bounds[i+1]`` a time falls in (-1 before the first
    bound, ``len(bounds) - 1`` from the last on). Plain SQL on every engine: the bounds are computed in
    Python in the store's zone, so a month or day is the store's, summer time included."""
    if not bounds:
        return literal(-1)
    whens = [(column < bound, literal(index - 1)) for index, bound in enumerate(bounds)]
    return case(*whens, else_=literal(len(bounds) - 1))


def next_month(day: date) -> date:
    """The first day of the month after ``day``'s."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_starts(first: date, last: date) -> list[date]:
    """The first days of the months from ``first``'s month to ``last``'s month, both included."""
    months: list[date] = []
    day = first.replace(day=1)
    while day <= last:
        months.append(day)
        day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return months


class Margins:
    """Net sales, gross margin and its share, from a row's gross sales, discounts, returns and cost: the
    definitions every report uses (definitions.py), written once. Mixed into each report's figures."""

    gross_sales: int
    discounts: int
    returns: int
    cost: int

    @property
    def net_sales(self) -> int:
        return self.gross_sales - self.discounts - self.returns

    @property
    def gross_margin(self) -> int:
        return self.net_sales - self.cost

    @property
    def margin_bp(self) -> int | None:
        """gross_margin / net_sales in basis points, halves away from zero (None without net sales)."""
        return share_bp(self.gross_margin, self.net_sales)


def share_bp(part: int, whole: int) -> int | None:
    """``part / whole`` in basis points, rounded half up (None when ``whole`` is 0)."""
    from shoptui.services.pricing import round_half_up

    return None if whole == 0 else round_half_up(part * 10_000, whole)
