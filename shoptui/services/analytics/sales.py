"""The sales report: gross and net sales, discounts, returns, cost and margin by a time, place or thing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from shoptui.services.analytics.export import Table

if TYPE_CHECKING:
    from sqlmodel import Session


@dataclass(frozen=True)
class SalesFigures:
    """The figures of one row (or the total); money in minor units."""

    orders: int = 0
    units: int = 0
    gross_sales: int = 0
    discounts: int = 0
    returns: int = 0
    cost: int = 0
    shipping: int = 0
    tax: int = 0

    @property
    def net_sales(self) -> int:
        return self.gross_sales - self.discounts - self.returns

    @property
    def gross_margin(self) -> int:
        return self.net_sales - self.cost

    @property
    def margin_bp(self) -> int | None:
        """gross_margin / net_sales in basis points (None without net sales)."""
        from shoptui.services.pricing import round_half_up

        return None if self.net_sales == 0 else round_half_up(self.gross_margin * 10_000, self.net_sales)

    @property
    def average_order_value(self) -> int | None:
        from shoptui.services.pricing import round_half_up

        return None if self.orders == 0 else round_half_up(self.net_sales, self.orders)


@dataclass(frozen=True)
class SalesRow:
    """One row: its key (``2017-01``, a channel code, an id ...), what to call it, its figures."""

    key: str
    label: str
    figures: SalesFigures
    sku: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class UnpaidOrder:
    """An open order with no payment yet: listed apart, not in sales."""

    number: str
    placed_at: datetime
    customer: str
    total_minor: int


@dataclass(frozen=True)
class SalesReport:
    """Rows (sorted), their total, the same report over the compared period, the unpaid open orders."""

    by: str
    start: date
    end: date
    currency: str
    digits: int
    rows: list[SalesRow]
    total: SalesFigures
    compare: str | None = None
    comparison: SalesReport | None = None
    unpaid: list[UnpaidOrder] = field(default_factory=list)


def sales_report(
    *,
    session: Session,
    by: str,
    start: date | None = None,
    end: date | None = None,
    top: int | None = None,
    compare: str | None = None,
) -> SalesReport:
    """The sales report by ``by`` (see definitions.BREAKDOWNS) for the days ``start`` .. ``end`` (store time,
    both included; default: the last 30 days to today), the ``top`` rows by net sales, and with ``compare``
    ("previous" or "year") the same report over the period before or a year before."""
    raise NotImplementedError  # being built (report, session 19)


def sales_tables(report: SalesReport) -> list[Table]:
    """The report as export tables (rows + total, then the unpaid orders)."""
    raise NotImplementedError  # being built (report, session 19)
