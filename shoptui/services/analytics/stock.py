"""The stock report: stock value at cost by location and by category, turnover and days of cover.

- **Stock value** is units on hand at the variant's cost today (a variant with no cost counts at 0 and is
  counted in ``no_cost``). ``opening`` and ``closing`` value are the units on hand when the period began and
  when it ended (today's level less the ledger movements since), at today's cost.
- **Cost of goods sold** (cogs) is the sales report's ``cost``: the units on the orders placed in the period
  at their unit cost, less the cost of the units refunded in the period; an order's stock location is the
  order's own (the default location when it has none).
- **Turnover** = cogs / average stock value, the average being (opening + closing) / 2: how many times the
  stock sold through in the period. None when the average is 0.
- **Days of cover** = units on hand today / average units sold per day in the period (whole days, half up).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, literal
from sqlalchemy import select as sa_select
from sqlmodel import col

from shoptui.models.catalog import Product, Variant
from shoptui.models.inventory import StockLevel, StockLocation
from shoptui.models.orders import Order, OrderLine, OrderRefund, OrderRefundLine
from shoptui.services.analytics.basis import Period, refunded_in, store_period, unit_cost
from shoptui.services.analytics.export import Column, Table
from shoptui.services.analytics.products import days_of_cover, refund_of_line, rolled_sales
from shoptui.store.rows import tuples

if TYPE_CHECKING:
    from sqlmodel import Session

    from shoptui.config import Actor

NONE_KEY = "(none)"


@dataclass(frozen=True)
class StockFigures:
    """Stock and its movement for one location, one category, or all of them (money in minor units)."""

    variants: int = 0  # variants with units on hand now
    on_hand: int = 0
    stock_value: int = 0
    opening_value: int = 0
    closing_value: int = 0
    units_sold: int = 0
    cogs: int = 0
    no_cost: int = 0  # variants on hand with no cost recorded

    def plus(self, other: StockFigures) -> StockFigures:
        return StockFigures(*(getattr(self, n) + getattr(other, n) for n in _FIELDS))

    @property
    def average_value_halves(self) -> int:
        """Twice the average stock value (opening + closing): kept whole so nothing is rounded before the ratio."""
        return self.opening_value + self.closing_value

    @property
    def average_value(self) -> int:
        """(opening + closing) / 2, rounded half up to the minor unit."""
        from shoptui.services.pricing import round_half_up

        return round_half_up(self.average_value_halves, 2)

    @property
    def turnover(self) -> Decimal | None:
        """cogs / average stock value, to two decimals (half up); None when the average is 0."""
        if self.average_value_halves <= 0:
            return None
        ratio = Decimal(2 * self.cogs) / Decimal(self.average_value_halves)
        return ratio.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


_FIELDS = ("variants", "on_hand", "stock_value", "opening_value", "closing_value", "units_sold", "cogs", "no_cost")


@dataclass(frozen=True)
class StockRow:
    """One location or category."""

    key: str
    label: str
    figures: StockFigures
    days_of_cover: int | None


@dataclass(frozen=True)
class StockReport:
    """Stock by location and by category for the days ``start`` .. ``end``, and the total of each breakdown."""

    start: date
    end: date
    days: int
    currency: str
    digits: int
    by_location: list[StockRow]
    by_category: list[StockRow]
    total: StockFigures
    total_days_of_cover: int | None
    notes: list[str] = field(default_factory=list)


Cell = tuple[int, int]  # (variant id, location id)


def _levels(session: Session) -> dict[Cell, int]:
    query = sa_select(col(StockLevel.variant_id), col(StockLevel.location_id), col(StockLevel.on_hand))
    return {(vid, lid): int(units) for vid, lid, units in tuples(session.execute(query)) if units}


def _moved_since(session: Session, period: Period) -> tuple[dict[Cell, int], dict[Cell, int]]:
    """Per variant and location: the ledger's change of on hand since the period began, and since it ended (the
    ledger's month and day rollups, inventory.moved_since)."""
    from shoptui.services.inventory import moved_since

    return moved_since(session, period.lower), moved_since(session, period.upper)


def _sold(session: Session, period: Period, default_location: int) -> tuple[dict[Cell, int], dict[Cell, int]]:
    """Per variant and location: the cost of goods sold in the period and the units sold (sales from the rollups,
    products.rolled_sales; the refunds of the period from the orders)."""
    cogs: dict[Cell, int] = defaultdict(int)
    units: dict[Cell, int] = defaultdict(int)
    for (vid, lid), sold in rolled_sales(session, period).items():
        cell = (vid, lid or default_location)
        cogs[cell] += sold.cost
        units[cell] += sold.units
    location = func.coalesce(col(Order.location_id), literal(default_location))
    variant = func.coalesce(col(OrderLine.variant_id), literal(0))
    back = (
        sa_select(variant, location, func.sum(col(OrderRefundLine.quantity) * unit_cost()))
        .select_from(OrderRefundLine)
        .join(OrderRefund, refund_of_line())
        .join(OrderLine, col(OrderLine.id) == col(OrderRefundLine.line_id))
        .join(Order, col(Order.id) == col(OrderRefundLine.order_id))
        .outerjoin(Variant, col(Variant.id) == col(OrderLine.variant_id))
        .where(refunded_in(period.lower, period.upper))
        .group_by(variant, location)
    )
    for vid, lid, cost in tuples(session.execute(back)):
        cogs[(vid, lid)] -= int(cost or 0)
    return cogs, units


def stock_report(
    *, session: Session, actor: Actor | None = None, start: date | None = None, end: date | None = None, days: int | None = None
) -> StockReport:
    """Stock value, turnover and days of cover by location and by category, for the days ``start`` .. ``end`` or
    the ``days`` days to ``end`` (default: the last 30 days to today)."""
    if actor is not None:  # a face reads for the logged-in account: the reports.view permission
        from shoptui.services.shop import require

        require(session=session, actor=actor, permission="reports.view")
    from shoptui.services.catalog import category_paths
    from shoptui.services.shop import currency as store_currency

    period = store_period(session, start=start, end=end, days=days)
    money = store_currency(session=session)
    locations = list(
        tuples(
            session.execute(
                sa_select(col(StockLocation.id), col(StockLocation.code), col(StockLocation.name)).order_by(
                    col(StockLocation.is_default).desc(), col(StockLocation.id)
                )
            )
        )
    )
    default_location = locations[0][0] if locations else 0
    levels = _levels(session)
    from_start, from_end = _moved_since(session, period)
    cogs, units = _sold(session, period, default_location)
    variants = {vid for vid, _ in (*levels, *from_start, *cogs)}
    info: dict[int, tuple[int | None, int | None]] = {}  # variant -> (cost, category)
    ids = sorted(variants)
    for i in range(0, len(ids), 900):
        query = (
            sa_select(col(Variant.id), col(Variant.cost_minor), col(Product.category_id))
            .join(Product, col(Product.id) == col(Variant.product_id))
            .where(col(Variant.id).in_(ids[i : i + 900]))
        )
        for vid, cost, category in tuples(session.execute(query)):
            info[vid] = (cost, category)

    by_location: dict[int, StockFigures] = defaultdict(StockFigures)
    by_category: dict[int | None, StockFigures] = defaultdict(StockFigures)
    for cell in {*levels, *from_start, *cogs, *units}:
        vid, lid = cell
        cost, category = info.get(vid, (None, None))
        each = cost or 0
        now = levels.get(cell, 0)
        opening = now - from_start.get(cell, 0)
        closing = now - from_end.get(cell, 0)
        figures = StockFigures(
            variants=1 if now > 0 else 0,
            on_hand=now,
            stock_value=now * each,
            opening_value=opening * each,
            closing_value=closing * each,
            units_sold=units.get(cell, 0),
            cogs=cogs.get(cell, 0),
            no_cost=1 if now > 0 and cost is None and vid in info else 0,
        )
        by_location[lid] = by_location[lid].plus(figures)
        by_category[category] = by_category[category].plus(figures)

    def cover(figures: StockFigures) -> int | None:
        return days_of_cover(figures.on_hand, figures.units_sold, period.days)

    names = {lid: (code, name) for lid, code, name in locations}
    location_rows = [
        StockRow(
            key=names.get(lid, (str(lid), ""))[0],
            label=names.get(lid, ("", f"location {lid}"))[1],
            figures=f,
            days_of_cover=cover(f),
        )
        for lid, f in by_location.items()
    ]
    location_rows.sort(key=lambda r: (-r.figures.stock_value, r.key))
    paths = category_paths(session=session)
    category_rows = [
        StockRow(
            key=str(cid) if cid is not None else NONE_KEY,
            label=paths.get(cid, "") if cid is not None else "no category",
            figures=f,
            days_of_cover=cover(f),
        )
        for cid, f in by_category.items()
    ]
    category_rows.sort(key=lambda r: (-r.figures.stock_value, r.label))
    total = StockFigures()
    for f in by_location.values():
        total = total.plus(f)
    notes = []
    if total.no_cost:
        notes.append(f"{total.no_cost} variants on hand have no cost recorded; they count at 0.")
    return StockReport(
        start=period.start,
        end=period.end,
        days=period.days,
        currency=money.code,
        digits=money.digits,
        by_location=location_rows,
        by_category=category_rows,
        total=total,
        total_days_of_cover=cover(total),
        notes=notes,
    )


STOCK_COLUMNS = (
    Column("key", "Key"),
    Column("label", "Name"),
    Column("variants", "Variants", "int"),
    Column("on_hand", "On hand", "int"),
    Column("stock_value", "Value at cost", "money"),
    Column("opening_value", "Opening value", "money"),
    Column("closing_value", "Closing value", "money"),
    Column("average_value", "Average value", "money"),
    Column("units_sold", "Units sold", "int"),
    Column("cogs", "Cost of goods sold", "money"),
    Column("turnover", "Turnover"),
    Column("days_of_cover", "Days of cover", "int"),
)


def _row(key: str, label: str, f: StockFigures, cover: int | None) -> dict[str, Any]:
    return {
        "key": key,
        "label": label,
        "variants": f.variants,
        "on_hand": f.on_hand,
        "stock_value": f.stock_value,
        "opening_value": f.opening_value,
        "closing_value": f.closing_value,
        "average_value": f.average_value,
        "units_sold": f.units_sold,
        "cogs": f.cogs,
        "turnover": None if f.turnover is None else str(f.turnover),
        "days_of_cover": cover,
    }


def stock_tables(report: StockReport) -> list[Table]:
    """The report as export tables: by location, then by category, each with the total."""
    total = _row("total", "", report.total, report.total_days_of_cover)
    notes = tuple(report.notes)
    return [
        Table(
            name=name,
            columns=STOCK_COLUMNS,
            total=total,
            notes=notes,
            rows=[_row(r.key, r.label, r.figures, r.days_of_cover) for r in rows],
        )
        for name, rows in (("by location", report.by_location), ("by category", report.by_category))
    ]
