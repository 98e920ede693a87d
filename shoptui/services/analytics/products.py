"""The products report: best and slow sellers by revenue, units or margin, dead stock, days of cover.

One row per variant (SKU). The figures follow the sales report's definitions (definitions.DEFINITIONS):
units and revenue of the orders placed in the period; returns are the money refunded for the variant's
goods in the period (whenever the order was placed); revenue is net sales (gross - discounts - returns);
cost is the units sold at their unit cost (:func:`basis.unit_cost`) less the cost of the units refunded.

- **Days of cover**: units on hand today / average units sold per day in the period (whole days, rounded
  half up); none when nothing sold.
- **Dead stock**: variants with units on hand and no sale in the period; valued at today's cost.
- **Slow sellers**: the variants of active products (and anything that sold) with the lowest figure first,
  those that sold nothing included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, func, literal
from sqlalchemy import select as sa_select
from sqlmodel import col

from shoptui.errors import InvalidInput
from shoptui.models.catalog import Product, Variant
from shoptui.models.inventory import StockLevel
from shoptui.models.orders import Order, OrderLine, OrderRefund, OrderRefundLine
from shoptui.services.analytics.basis import (
    Margins,
    Period,
    counted,
    placed_in,
    refunded_in,
    store_period,
    unit_cost,
)
from shoptui.services.analytics.export import Column, Table
from shoptui.store.rows import tuples

if TYPE_CHECKING:
    from sqlmodel import Session

    from shoptui.config import Actor

PRODUCT_SORTS = ("revenue", "units", "margin")
DEFAULT_TOP = 20
MAX_TOP = 100_000
OTHER_KEY = "(other)"
Key = tuple[int | None, str]  # (variant id, SKU as sold when the variant is gone)


@dataclass(frozen=True)
class ProductFigures(Margins):
    """What one variant did in the period (money in minor units); net sales and margin as every report has them."""

    units: int = 0
    orders: int = 0
    gross_sales: int = 0
    discounts: int = 0
    returns: int = 0
    returned_units: int = 0
    cost: int = 0

    def plus(self, other: ProductFigures) -> ProductFigures:
        return ProductFigures(*(getattr(self, n) + getattr(other, n) for n in _FIELDS))


_FIELDS = ("units", "orders", "gross_sales", "discounts", "returns", "returned_units", "cost")


@dataclass(frozen=True)
class ProductRow:
    """One variant: its figures, stock on hand today and days of cover."""

    key: str  # the SKU (or "(other)" for the rows a --top left out)
    sku: str
    title: str
    variant_id: int | None
    figures: ProductFigures
    on_hand: int = 0
    days_of_cover: int | None = None

    @property
    def label(self) -> str:
        return f"{self.sku} {self.title}".strip()


@dataclass(frozen=True)
class DeadRow:
    """A variant with stock on hand that did not sell in the period: its value at today's cost."""

    sku: str
    title: str
    variant_id: int
    on_hand: int
    unit_cost: int
    stock_value: int
    last_sold: date | None  # the last day (store time) it sold before the period ended, if ever
    days_since_sale: int | None


@dataclass(frozen=True)
class ProductsReport:
    """Best (or slow) sellers, their total, and the dead stock, for the days ``start`` .. ``end``."""

    start: date
    end: date
    days: int
    sort: str
    slow: bool
    currency: str
    digits: int
    rows: list[ProductRow]
    total: ProductFigures
    total_on_hand: int
    dead: list[DeadRow] = field(default_factory=list)
    dead_value: int = 0
    no_cost: int = 0  # variants in the report with no cost recorded (counted at 0)


def _metric(sort: str, figures: ProductFigures) -> int:
    if sort == "units":
        return figures.units
    if sort == "margin":
        return figures.gross_margin
    return figures.net_sales


def days_of_cover(on_hand: int, units: int, days: int) -> int | None:
    """Days the stock on hand lasts at the period's pace: on_hand / (units / days), whole days rounded half up."""
    from shoptui.services.pricing import round_half_up

    if units <= 0:
        return None
    return round_half_up(max(on_hand, 0) * days, units)


def variant_title(title: str, options: tuple[str | None, ...]) -> str:
    """A variant as the order lines name it: ``Basic tee / M / Red``."""
    chosen = [o for o in options if o]
    return f"{title} / {' / '.join(chosen)}" if chosen else title


def refund_of_line() -> Any:
    """The join of a refund line to its refund batch's first row (``order_refund``), on its order too: the same
    rows as on the batch alone, and the planner can start from the refunds of a period (their time index) and
    reach their lines through the (order, batch) index instead of reading every refund line."""
    return and_(
        col(OrderRefund.id) == col(OrderRefundLine.batch), col(OrderRefund.order_id) == col(OrderRefundLine.order_id)
    )


def _line_key() -> Any:
    """'' for a line of a variant the store has; the SKU as sold for a line whose variant is gone."""
    return case((col(OrderLine.variant_id).is_(None), col(OrderLine.sku)), else_=literal(""))


@dataclass(frozen=True)
class Sold:
    """What sold of one variant at one stock location in a period (money in minor units)."""

    orders: int
    units: int
    gross: int
    net: int
    cost: int  # every unit at :func:`basis.unit_cost` (the cost kept on its line)


def rolled_sales(session: Session, period: Period) -> dict[tuple[int, int], Sold]:
    """(variant id (0: lines without a variant), stock location id (0: the order names none)) -> what sold in the
    period, from the sales rollups (orders.variant_sales: whole months and edge days). Their cost is the units at the
    cost kept on each line, which is :func:`basis.unit_cost` exactly: every line keeps one (the column is NOT NULL,
    0 when the variant had no cost), so its fallback to the variant's cost today never applies to a line."""
    from shoptui.services.orders import variant_sales

    return {cell: Sold(*figures) for cell, figures in variant_sales(session, period.start, period.end).items()}


def sales_by_variant(session: Session, period: Period) -> tuple[dict[Key, ProductFigures], dict[Key, tuple[str, str]]]:
    """Figures per variant for the period and the titles as sold of the lines without a variant: the variants'
    sales from the rollups (:func:`rolled_sales`), the lines without a variant (grouped by the SKU as sold) and
    the refunds made in the period from the orders."""
    figures: dict[Key, ProductFigures] = {}
    titles: dict[Key, tuple[str, str]] = {}
    without_variant = False
    for (variant_id, _), sold in rolled_sales(session, period).items():
        if not variant_id:
            without_variant = True
            continue
        figure = ProductFigures(
            units=sold.units,
            orders=sold.orders,
            gross_sales=sold.gross,
            discounts=sold.gross - sold.net,
            cost=sold.cost,
        )
        k: Key = (variant_id, "")
        figures[k] = figures[k].plus(figure) if k in figures else figure
    key = _line_key()
    if without_variant:  # rare (lines imported without a variant): read those lines, through the variant index
        sold_lines = (
            sa_select(
                key,
                func.max(col(OrderLine.sku)),
                func.max(col(OrderLine.title)),
                func.sum(col(OrderLine.quantity)),
                func.count(func.distinct(col(OrderLine.order_id))),
                func.sum(col(OrderLine.gross_minor)),
                func.sum(col(OrderLine.net_minor)),
                func.sum(col(OrderLine.quantity) * func.coalesce(col(OrderLine.unit_cost_minor), literal(0))),
            )
            .select_from(OrderLine)
            .join(Order, col(Order.id) == col(OrderLine.order_id))
            .where(col(OrderLine.variant_id).is_(None), placed_in(period.lower, period.upper), counted())
            .group_by(key)
        )
        for sku_key, sku, title, units, orders, gross, net, cost in tuples(session.execute(sold_lines)):
            k = (None, sku_key or "")
            titles[k] = (sku, title)
            figures[k] = ProductFigures(
                units=int(units or 0),
                orders=int(orders or 0),
                gross_sales=int(gross or 0),
                discounts=int(gross or 0) - int(net or 0),
                cost=int(cost or 0),
            )
    refunded = (
        sa_select(
            col(OrderLine.variant_id),
            key,
            func.max(col(OrderLine.sku)),
            func.max(col(OrderLine.title)),
            func.sum(col(OrderRefundLine.quantity)),
            func.sum(col(OrderRefundLine.amount_minor)),
            func.sum(col(OrderRefundLine.quantity) * unit_cost()),
        )
        .select_from(OrderRefundLine)
        .join(OrderRefund, refund_of_line())
        .join(OrderLine, col(OrderLine.id) == col(OrderRefundLine.line_id))
        .join(Order, col(Order.id) == col(OrderRefundLine.order_id))
        .outerjoin(Variant, col(Variant.id) == col(OrderLine.variant_id))
        .where(refunded_in(period.lower, period.upper))
        .group_by(col(OrderLine.variant_id), key)
    )
    for variant_id, sku_key, sku, title, units, amount, cost in tuples(session.execute(refunded)):
        k = (variant_id, sku_key or "")
        titles.setdefault(k, (sku, title))
        back = ProductFigures(returns=int(amount or 0), returned_units=int(units or 0), cost=-int(cost or 0))
        figures[k] = figures.get(k, ProductFigures()).plus(back)
    return figures, titles


def _on_hand(session: Session) -> dict[int, int]:
    """Units on hand today per variant, over every location."""
    query = sa_select(col(StockLevel.variant_id), func.sum(col(StockLevel.on_hand))).group_by(
        col(StockLevel.variant_id)
    )
    return {vid: int(units or 0) for vid, units in tuples(session.execute(query))}


@dataclass(frozen=True)
class _VariantInfo:
    sku: str
    title: str
    cost: int | None
    active: bool


def _variants(session: Session, ids: set[int] | None = None, *, active_only: bool = False) -> dict[int, _VariantInfo]:
    """SKU, title, cost and whether the product is active, per variant (``ids``, or every variant)."""
    query = sa_select(
        col(Variant.id),
        col(Variant.sku),
        col(Product.title),
        col(Variant.option1),
        col(Variant.option2),
        col(Variant.option3),
        col(Variant.cost_minor),
        col(Product.status),
    ).join(Product, col(Product.id) == col(Variant.product_id))
    if active_only:
        query = query.where(col(Product.status) == "active")
    out: dict[int, _VariantInfo] = {}
    chunks: list[list[int] | None] = (
        [None] if ids is None else [sorted(ids)[i : i + 900] for i in range(0, len(ids), 900)]
    )
    for chunk in chunks:
        where = query if chunk is None else query.where(col(Variant.id).in_(chunk))
        for vid, sku, title, o1, o2, o3, cost, status in tuples(session.execute(where)):
            out[vid] = _VariantInfo(
                sku=sku, title=variant_title(title, (o1, o2, o3)), cost=cost, active=status == "active"
            )
    return out


def _titles_as_sold(session: Session, variant_ids: list[int]) -> dict[Key, tuple[str, str]]:
    """The SKU and title the order lines of each variant carry (for variants the catalogue no longer has)."""
    out: dict[Key, tuple[str, str]] = {}
    for i in range(0, len(variant_ids), 900):
        query = (
            sa_select(col(OrderLine.variant_id), func.max(col(OrderLine.sku)), func.max(col(OrderLine.title)))
            .where(col(OrderLine.variant_id).in_(variant_ids[i : i + 900]))
            .group_by(col(OrderLine.variant_id))
        )
        for vid, sku, title in tuples(session.execute(query)):
            out[(vid, "")] = (sku, title)
    return out


def _last_sold(session: Session, variant_ids: list[int], period: Period) -> dict[int, date]:
    """The last day (store time) each variant sold before the period ended (the day x variant rollup)."""
    from shoptui.services.orders import last_sold_days

    return last_sold_days(session, variant_ids, period.end)


def products_report(
    *,
    session: Session,
    actor: Actor | None = None,
    start: date | None = None,
    end: date | None = None,
    days: int | None = None,
    top: int | None = DEFAULT_TOP,
    slow: bool = False,
    sort: str = "revenue",
) -> ProductsReport:
    """Best sellers (or with ``slow`` the slowest) by ``sort`` (revenue, units or margin) for the days ``start`` ..
    ``end`` or the ``days`` days to ``end`` (default: the last 30 days to today), the ``top`` rows (the rest
    summed in one "(other)" row, so the rows add up to the total), and the dead stock of the period."""
    if actor is not None:  # a face reads for the logged-in account: the reports.view permission
        from shoptui.services.shop import require

        require(session=session, actor=actor, permission="reports.view")
    from shoptui.services.shop import currency as store_currency

    wanted = (sort or "").strip().lower()
    if wanted not in PRODUCT_SORTS:
        raise InvalidInput(f"Sort by {' or '.join(PRODUCT_SORTS)}, not {sort!r}.", field="sort")
    if top is not None and not 1 <= top <= MAX_TOP:
        raise InvalidInput(f"--top takes 1 to {MAX_TOP} rows, not {top}.", field="top")
    period = store_period(session, start=start, end=end, days=days)
    money = store_currency(session=session)
    figures, sold_titles = sales_by_variant(session, period)
    stock = _on_hand(session)
    sold_ids = {vid for vid, _ in figures if vid is not None}
    info = _variants(session, sold_ids | {vid for vid, units in stock.items() if units > 0})
    gone = sorted(vid for vid in sold_ids if vid not in info and (vid, "") not in sold_titles)
    sold_titles |= _titles_as_sold(session, gone)  # a variant no longer in the catalogue: named as its lines name it
    if slow:
        info |= _variants(session, active_only=True)
        for active_id, variant in info.items():
            if variant.active:
                figures.setdefault((active_id, ""), ProductFigures())

    rows: list[ProductRow] = []
    for (vid, sku_key), figure in figures.items():
        known = info.get(vid) if vid is not None else None
        if known is not None:
            sku, title = known.sku, known.title
        else:
            sku, title = sold_titles.get((vid, sku_key), (sku_key, ""))
        on_hand = stock.get(vid, 0) if vid is not None else 0
        rows.append(
            ProductRow(
                key=sku,
                sku=sku,
                title=title,
                variant_id=vid,
                figures=figure,
                on_hand=on_hand,
                days_of_cover=days_of_cover(on_hand, figure.units, period.days),
            )
        )
    direction = 1 if slow else -1
    rows.sort(key=lambda r: (direction * _metric(wanted, r.figures), r.sku, r.variant_id or 0))
    total = ProductFigures()
    for row in rows:
        total = total.plus(row.figures)
    total_on_hand = sum(r.on_hand for r in rows)
    if top is not None and len(rows) > top:
        rest = rows[top:]
        other = ProductFigures()
        for row in rest:
            other = other.plus(row.figures)
        # "orders" is per variant (an order with two variants counts in both), so the rest's orders are a sum too
        rows = [
            *rows[:top],
            ProductRow(
                key=OTHER_KEY,
                sku="",
                title=f"{len(rest)} other variants",
                variant_id=None,
                figures=other,
                on_hand=sum(r.on_hand for r in rest),
                days_of_cover=days_of_cover(sum(r.on_hand for r in rest), other.units, period.days),
            ),
        ]

    units_by_variant = {vid: f.units for (vid, _), f in figures.items() if vid is not None}
    dead_ids = sorted(
        vid for vid, units in stock.items() if units > 0 and units_by_variant.get(vid, 0) == 0 and vid in info
    )
    last = _last_sold(session, dead_ids, period)
    dead = []
    for vid in dead_ids:
        variant = info[vid]
        cost = variant.cost or 0
        sold_day = last.get(vid)
        dead.append(
            DeadRow(
                sku=variant.sku,
                title=variant.title,
                variant_id=vid,
                on_hand=stock[vid],
                unit_cost=cost,
                stock_value=stock[vid] * cost,
                last_sold=sold_day,
                days_since_sale=None if sold_day is None else (period.end - sold_day).days,
            )
        )
    dead.sort(key=lambda d: (-d.stock_value, d.sku))
    no_cost = sum(1 for vid in sold_ids | set(dead_ids) if vid in info and info[vid].cost is None)
    return ProductsReport(
        start=period.start,
        end=period.end,
        days=period.days,
        sort=wanted,
        slow=slow,
        currency=money.code,
        digits=money.digits,
        rows=rows,
        total=total,
        total_on_hand=total_on_hand,
        dead=dead,
        dead_value=sum(d.stock_value for d in dead),
        no_cost=no_cost,
    )


PRODUCT_COLUMNS = (
    Column("key", "Key"),
    Column("sku", "SKU"),
    Column("title", "Title"),
    Column("units", "Units", "int"),
    Column("orders", "Orders", "int"),
    Column("gross_sales", "Gross sales", "money"),
    Column("discounts", "Discounts", "money"),
    Column("returns", "Returns", "money"),
    Column("net_sales", "Net sales", "money"),
    Column("cost", "Cost", "money"),
    Column("gross_margin", "Gross margin", "money"),
    Column("margin", "Margin %", "percent"),
    Column("on_hand", "On hand", "int"),
    Column("days_of_cover", "Days of cover", "int"),
)
DEAD_COLUMNS = (
    Column("sku", "SKU"),
    Column("title", "Title"),
    Column("on_hand", "On hand", "int"),
    Column("unit_cost", "Unit cost", "money"),
    Column("stock_value", "Value at cost", "money"),
    Column("last_sold", "Last sold"),
    Column("days_since_sale", "Days since sale", "int"),
)


def _figures_row(figures: ProductFigures) -> dict[str, Any]:
    return {
        "units": figures.units,
        "orders": figures.orders,
        "gross_sales": figures.gross_sales,
        "discounts": figures.discounts,
        "returns": figures.returns,
        "net_sales": figures.net_sales,
        "cost": figures.cost,
        "gross_margin": figures.gross_margin,
        "margin": figures.margin_bp,
    }


def products_tables(report: ProductsReport) -> list[Table]:
    """The report as export tables: the sellers (with their total), then the dead stock (with its total)."""
    rows = [
        {
            "key": r.key,
            "sku": r.sku,
            "title": r.title,
            **_figures_row(r.figures),
            "on_hand": r.on_hand,
            "days_of_cover": r.days_of_cover,
        }
        for r in report.rows
    ]
    total = {
        "key": "total",
        "sku": "",
        "title": "",
        **_figures_row(report.total),
        "on_hand": report.total_on_hand,
        "days_of_cover": days_of_cover(report.total_on_hand, report.total.units, report.days),
    }
    name = "slow sellers" if report.slow else "best sellers"
    dead = [
        {
            "sku": d.sku,
            "title": d.title,
            "on_hand": d.on_hand,
            "unit_cost": d.unit_cost,
            "stock_value": d.stock_value,
            "last_sold": d.last_sold.isoformat() if d.last_sold else None,
            "days_since_sale": d.days_since_sale,
        }
        for d in report.dead
    ]
    dead_total = {
        "sku": "total",
        "title": "",
        "on_hand": sum(d.on_hand for d in report.dead),
        "stock_value": report.dead_value,
    }
    notes = (f"{report.no_cost} variants have no cost recorded; their cost counts as 0.",) if report.no_cost else ()
    return [
        Table(name=name, columns=PRODUCT_COLUMNS, rows=rows, total=total, notes=notes),
        Table(name="dead stock", columns=DEAD_COLUMNS, rows=dead, total=dead_total),
    ]
