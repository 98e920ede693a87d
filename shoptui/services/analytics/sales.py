"""The sales report: gross and net sales, discounts, returns, cost and margin by a time, place or thing.

The rules are in definitions.py (``shoptui report --help``). Every figure comes from SQL sums over the
orders (their ``gross_minor``, ``cost_minor`` and ``placed_day``, kept with the lines in each order-writing
transaction and proven by ``db check``) or over their lines, and over the refund lines of the period; no
amount is ever rounded except the average order value and the margin percentage.

How a year of a million orders stays fast (issue 15; the indexes are models.orders', migration 0019): time, place
and channel read the day rollup; variant, product and category the day x variant rollup, summed per variant
first; staff, source and city group day by day along an index that orders each day's orders by the key;
customer reads the customer index in customer order; member tier walks the members in tier order; promotion,
coupon and member tier sum only the keyed orders and give "(none)" the rest of the day rollup's total; the
largest payment is the first entry of the payments index. SQLite groups by sorting, so every path above is
chosen to hand rows over in group order or to sort few of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.sql.elements import ColumnElement

from shoptui.errors import InvalidInput
from shoptui.models._types import table_of
from shoptui.models.catalog import Category, Product, Variant
from shoptui.models.customers import Customer
from shoptui.models.orders import (
    Order,
    OrderAdjustment,
    OrderLine,
    OrderPayment,
    OrderRefund,
    OrderRefundLine,
    SalesDay,
    SalesDayVariant,
)
from shoptui.services.analytics.basis import Margins
from shoptui.services.analytics.definitions import BREAKDOWNS, COMPARES, TIME_BREAKDOWNS
from shoptui.services.analytics.export import Column, Table
from shoptui.store import tuning
from shoptui.store.rows import tuples

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from sqlmodel import Session

    from shoptui.config import Actor

Names = dict[tuple[Any, ...], tuple[str, str, str | None, str | None]]  # group values -> key, label, sku, title
NONE = "(none)"
OTHER = "(other)"
MAX_DAYS = 366 * 20  # a report spans at most twenty years
MAX_UNPAID_LISTED = 200
LINE_BREAKDOWNS = ("category", "product", "variant")


@dataclass(frozen=True)
class SalesFigures(Margins):
    """The figures of one row (or the total); money in minor units; net sales and margin from ``Margins``."""

    orders: int = 0
    units: int = 0
    gross_sales: int = 0
    discounts: int = 0
    returns: int = 0
    cost: int = 0
    shipping: int = 0
    tax: int = 0

    @property
    def average_order_value(self) -> int | None:
        """net_sales / orders, rounded half away from zero (None without orders)."""
        from shoptui.services.pricing import round_half_up

        if self.orders == 0:
            return None
        sign = -1 if self.net_sales < 0 else 1
        return sign * round_half_up(abs(self.net_sales), self.orders)

    def plus(self, other: SalesFigures) -> SalesFigures:
        """Both added up, figure by figure."""
        return SalesFigures(*(a + b for a, b in zip(self.values(), other.values(), strict=True)))

    def values(self) -> tuple[int, ...]:
        return (
            self.orders,
            self.units,
            self.gross_sales,
            self.discounts,
            self.returns,
            self.cost,
            self.shipping,
            self.tax,
        )

    def as_dict(self) -> dict[str, int | None]:
        """Every figure by its report name (money in minor units, margin_percent in basis points)."""
        return {
            "orders": self.orders,
            "units": self.units,
            "gross_sales": self.gross_sales,
            "discounts": self.discounts,
            "returns": self.returns,
            "net_sales": self.net_sales,
            "cost": self.cost,
            "gross_margin": self.gross_margin,
            "margin_percent": self.margin_bp,
            "average_order_value": self.average_order_value,
        }


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
    timezone: str
    rows: list[SalesRow]
    total: SalesFigures
    compare: str | None = None
    comparison: SalesReport | None = None
    unpaid: list[UnpaidOrder] = field(default_factory=list)
    unpaid_count: int = 0
    unpaid_minor: int = 0

    def compared_row(self, index: int, row: SalesRow) -> SalesRow | None:
        """The row of the compared period that matches ``row``: the same position for a time breakdown (the
        month a year before), the same key otherwise; None when there is none."""
        if self.comparison is None:
            return None
        if self.by in TIME_BREAKDOWNS:
            rows = self.comparison.rows
            return rows[index] if index < len(rows) else None
        return next((r for r in self.comparison.rows if r.key == row.key), None)


# ---------------------------------------------------------------- what a row is keyed by


@dataclass(frozen=True)
class _Key:
    """How one breakdown groups: SQL expressions and the tables they need, and how a group's values become
    a row's (key, label, sku, title)."""

    columns: tuple[Any, ...]
    joins: tuple[str, ...] = ()
    name: Callable[[Session, list[tuple[Any, ...]]], Names] | None = None


def _largest(table: Any, value: Any, order_by: Any, *where: Any) -> Any:
    """A correlated subquery: ``value`` of the order's row of ``table`` that sorts first by ``order_by``."""
    o = table_of(Order)
    return (
        select(value)
        .where(table.c.order_id == o.c.id, *where)
        .order_by(order_by, table.c.id)
        .limit(1)
        .correlate(o)
        .scalar_subquery()
    )


def _key_of(by: str) -> _Key:
    o, line = table_of(Order), table_of(OrderLine)
    v, p = table_of(Variant), table_of(Product)
    pay, adj = table_of(OrderPayment), table_of(OrderAdjustment)
    if by in TIME_BREAKDOWNS:
        return _Key((o.c.placed_day,))
    simple = {
        "province": o.c.ship_province,
        "city": o.c.ship_city,
        "country": o.c.ship_country,
        "channel": o.c.channel,
        "staff": o.c.created_by,
        "source": o.c.source,
        "member-tier": o.c.member_tier,  # the tier the customer had when the order was placed ('' for guests)
    }
    if by in simple:
        return _Key((simple[by],), name=_country_names if by == "country" else None)
    if by == "region":
        return _Key((o.c.sales_region, o.c.ship_province))
    if by == "payment":
        return _Key((_largest(pay, pay.c.method, pay.c.amount_minor.desc()),))
    if by in ("promotion", "coupon"):
        return _Key(
            (
                _largest(adj, adj.c.ref, adj.c.amount_minor, adj.c.kind == by),
                _largest(adj, adj.c.label, adj.c.amount_minor, adj.c.kind == by),
            ),
            name=_adjustment_names,
        )
    if by == "customer":
        return _Key((o.c.customer_id,), name=_customer_names)
    if by == "variant":
        return _Key((line.c.variant_id,), name=_variant_names)
    if by == "product":
        return _Key((v.c.product_id,), joins=("variant",), name=_product_names)
    if by == "category":
        return _Key((p.c.category_id,), joins=("variant", "product"), name=_category_names)
    raise InvalidInput(f"The breakdown {by!r} is not one of {', '.join(BREAKDOWNS)}.", field="by")


def _text_name(values: tuple[Any, ...]) -> tuple[str, str, str | None, str | None]:
    text = str(values[0]) if values and values[0] not in (None, "") else NONE
    return text, text, None, None


def _country_names(session: Session, groups: list[tuple[Any, ...]]) -> Names:
    import pycountry

    out: Names = {}
    for values in groups:
        code = str(values[0] or "")
        found = pycountry.countries.get(alpha_2=code) if len(code) == 2 else None
        out[values] = (code or NONE, str(found.name) if found is not None else code or NONE, None, None)
    return out


def _adjustment_names(session: Session, groups: list[tuple[Any, ...]]) -> Names:
    out: Names = {}
    for values in groups:
        ref, label = values
        key = (str(ref).partition(":")[2] or str(ref)) if ref else NONE
        out[values] = (key, str(label or key) if ref else NONE, None, None)
    return out


def _id_chunks(table: Any, ids: Iterable[Any]) -> Iterable[tuple[set[int], Any]]:
    """The wanted ids in chunks of up to 5,000, each with a condition that finds them: the chunk's id range when it
    is dense (many customers of a year), else the ids themselves."""
    wanted = sorted({int(i) for i in ids if i is not None})
    for start in range(0, len(wanted), 5000):
        chunk = wanted[start : start + 5000]
        if chunk[-1] - chunk[0] < 4 * len(chunk):
            yield set(chunk), table.c.id.between(chunk[0], chunk[-1])
        else:
            yield set(chunk), table.c.id.in_(chunk)


def _by_ids(session: Session, table: Any, columns: Sequence[Any], ids: Iterable[Any]) -> dict[int, tuple[Any, ...]]:
    found: dict[int, tuple[Any, ...]] = {}
    for chunk, where in _id_chunks(table, ids):
        for row in session.execute(select(table.c.id, *columns).where(where)).all():
            if row[0] in chunk:
                found[int(row[0])] = tuple(row[1:])
    return found


def _customer_names(
    session: Session, groups: list[tuple[Any, ...]], known: dict[tuple[Any, ...], tuple[Any, ...]] | None = None
) -> Names:
    """Each customer's name (or phone); ``known`` (name, phone) by group where the sales query brought them."""
    known = known or {}
    c = table_of(Customer)
    names = _by_ids(session, c, (c.c.name, c.c.phone), (g[0] for g in groups if g not in known))
    out: Names = {}
    for values in groups:
        cid = values[0]
        if cid is None:
            out[values] = (NONE, "(guests)", None, None)
            continue
        name, phone = known.get(values) or names.get(int(cid), (f"customer {cid}", None))
        out[values] = (str(cid), str(name or phone or f"customer {cid}"), None, None)
    return out


def _variant_names(session: Session, groups: list[tuple[Any, ...]]) -> Names:
    from shoptui.services.orders import variant_title

    v, p = table_of(Variant), table_of(Product)
    wanted = sorted({int(g[0]) for g in groups if g[0] is not None})
    found: dict[int, tuple[str, str]] = {}
    for start in range(0, len(wanted), 5000):
        query = (
            select(v.c.id, v.c.sku, p.c.title, v.c.option1, v.c.option2, v.c.option3)
            .join_from(v, p, p.c.id == v.c.product_id)
            .where(v.c.id.in_(wanted[start : start + 5000]))
        )
        for vid, sku, title, *options in tuples(session.execute(query)).all():
            found[int(vid)] = (str(sku), variant_title(str(title), tuple(options)))
    out: Names = {}
    for values in groups:
        if values[0] is None:
            out[values] = (NONE, "(no variant)", None, None)
            continue
        sku, title = found.get(int(values[0]), (f"variant {values[0]}", f"variant {values[0]}"))
        out[values] = (str(values[0]), f"{sku} {title}", sku, title)
    return out


def _product_names(session: Session, groups: list[tuple[Any, ...]]) -> Names:
    v, p = table_of(Variant), table_of(Product)
    titles = _by_ids(session, p, (p.c.title,), (g[0] for g in groups))
    wanted = sorted(titles)
    first_sku: dict[int, str] = {}
    for start in range(0, len(wanted), 5000):
        query = (
            select(v.c.product_id, v.c.sku)
            .where(v.c.product_id.in_(wanted[start : start + 5000]))
            .order_by(v.c.product_id, v.c.position.desc(), v.c.id.desc())
        )
        for pid, sku in tuples(session.execute(query)).all():
            first_sku[int(pid)] = str(sku)  # the last written is the first variant (position, then id)
    out: Names = {}
    for values in groups:
        if values[0] is None:
            out[values] = (NONE, "(no product)", None, None)
            continue
        pid = int(values[0])
        title = str(titles.get(pid, (f"product {pid}",))[0])
        out[values] = (str(pid), title, first_sku.get(pid), title)
    return out


def _category_names(session: Session, groups: list[tuple[Any, ...]]) -> Names:
    c = table_of(Category)
    names = _by_ids(session, c, (c.c.name,), (g[0] for g in groups))
    out: Names = {}
    for values in groups:
        if values[0] is None:
            out[values] = (NONE, "(uncategorised)", None, None)
        else:
            out[values] = (str(values[0]), str(names.get(int(values[0]), (f"category {values[0]}",))[0]), None, None)
    return out


# ---------------------------------------------------------------- periods and time keys


def time_key(by: str, day: date) -> str:
    """The row key of ``day``: ``2017-01-01``, ``2017-W01`` (ISO week), ``2017-01``, ``2017-Q1``, ``2017``."""
    if by == "day":
        return day.isoformat()
    if by == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if by == "month":
        return f"{day.year}-{day.month:02d}"
    if by == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}"


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def compared_period(start: date, end: date, compare: str) -> tuple[date, date]:
    """The period a report is compared with: the same number of days just before, or the same days a year before."""
    if compare == "previous":
        days = (end - start).days + 1
        return start - timedelta(days=days), start - timedelta(days=1)
    return _year_before(start), _year_before(end)


def _check(by: str, start: date, end: date, top: int | None, compare: str | None) -> None:
    if by not in BREAKDOWNS:
        raise InvalidInput(f"The breakdown {by!r} is not one of {', '.join(BREAKDOWNS)}.", field="by")
    if start > end:
        raise InvalidInput(
            f"The period starts ({start}) after it ends ({end}); give --from before --to.", field="start"
        )
    if (end - start).days > MAX_DAYS:
        raise InvalidInput(
            f"The period {start} .. {end} is longer than twenty years; give a shorter one.", field="start"
        )
    if start.year < 1900 or end.year > 9000:
        raise InvalidInput(f"The period {start} .. {end} must lie between the years 1900 and 9000.", field="start")
    if top is not None and (isinstance(top, bool) or not isinstance(top, int) or top < 1):
        raise InvalidInput(f"--top takes a whole number of 1 or more, not {top!r}.", field="top")
    if compare is not None and compare not in COMPARES:
        raise InvalidInput(f"--compare takes {' or '.join(COMPARES)}, not {compare!r}.", field="compare")


# ---------------------------------------------------------------- the report


def _counted(o: Any) -> ColumnElement[bool]:
    """Orders in sales: not cancelled, and not open with no payment yet (the rollups' own rule)."""
    from shoptui.services.orders import in_sales_sql

    result: ColumnElement[bool] = in_sales_sql(o)
    return result


ROLLUP_COLUMNS = {
    "channel": ("channel",),
    "province": ("ship_province",),
    "country": ("ship_country",),
    "region": ("sales_region", "ship_province"),
    **{by: ("placed_day",) for by in TIME_BREAKDOWNS},
}


DAY_FIGURES = ("orders", "units", "gross_minor", "net_minor", "cost_minor", "shipping_minor", "tax_minor")
# breakdowns by a column of the order that an index orders within each day (models.orders, "ix_sales_order_day_*"):
# grouped by day and key in index order, then by key (a few hundred rows per day), never a sort of a year's orders
DAY_KEYED = {"staff": "created_by", "source": "source", "city": "ship_city"}
# breakdowns where most orders have no key (no promotion, no coupon, no membership): the keyed orders are summed
# through a join, and "(none)" is the period's total (the day rollup) less them
COMPLEMENTED = ("promotion", "coupon", "member-tier")


def _day_sums(session: Session, start: date, end: date) -> list[int]:
    """The period's [orders, units, gross, net, cost, shipping, tax] from the day rollup."""
    d = table_of(SalesDay)
    query = select(*(func.sum(d.c[f]) for f in DAY_FIGURES)).where(d.c.placed_day >= start, d.c.placed_day <= end)
    return [int(x or 0) for x in tuples(session.execute(query)).one()]


def _order_figures(o: Any) -> tuple[Any, ...]:
    """What a breakdown sums of each order: units, gross, net before returns, cost (the order count beside)."""
    return (o.c.item_count, o.c.gross_minor, o.c.subtotal_minor + o.c.adjustments_minor, o.c.cost_minor)


def _unindexed(column: Any) -> Any:
    """``column`` as an expression no index serves (the same value on every engine): a filter on it is checked row
    by row, so the planner reads the index that hands the rows over in group order instead of sorting them."""
    return func.coalesce(column, column)


def _order_query(by: str, key: _Key, start: date, end: date) -> tuple[Any, int]:
    """The query of the breakdowns read from the orders, and how many key columns lead its rows."""
    o = table_of(Order)
    counted = (o.c.placed_day >= start, o.c.placed_day <= end, _counted(o))
    figures = _order_figures(o)
    if by in DAY_KEYED:  # by day and key in index order, then by key
        column = o.c[DAY_KEYED[by]]
        days = (
            select(
                column.label("k0"),
                func.count().label("n"),
                *(func.sum(v).label(f"v{i}") for i, v in enumerate(figures)),
            )
            .where(*counted)
            .group_by(o.c.placed_day, column)
            .subquery()
        )
        sums = (func.sum(days.c.n), *(func.sum(days.c[f"v{i}"]) for i in range(len(figures))))
        return select(days.c.k0, *sums).group_by(days.c.k0), 1
    if by == "customer":  # the customer index in customer order (the day checked row by row): no sort; the
        # customer's name and phone joined to each group, so naming 100,000 rows needs no second query
        c = table_of(Customer)
        day = _unindexed(o.c.placed_day)
        per = (
            select(
                o.c.customer_id.label("k0"),
                func.count().label("n"),
                *(func.sum(v).label(f"v{i}") for i, v in enumerate(figures)),
            )
            .where(day >= start, day <= end, _counted(o))
            .group_by(o.c.customer_id)
            .subquery()
        )
        totals: list[Any] = [per.c.n, *(per.c[f"v{i}"] for i in range(len(figures)))]
        return select(per.c.k0, c.c.name, c.c.phone, *totals).select_from(per.outerjoin(c, c.c.id == per.c.k0)), 1
    if by == "member-tier":  # the tier kept on each order when it was placed; the orders of no member ('') are
        # the rest of the day rollup (COMPLEMENTED), so only members' orders are grouped
        query = (
            select(o.c.member_tier, func.count(), *(func.sum(v) for v in figures))
            .where(*counted, o.c.member_tier != "")
            .group_by(o.c.member_tier)
        )
        return query, 1
    if by in ("promotion", "coupon"):  # the order's largest adjustment of the kind (then the lowest id)
        adj, other = table_of(OrderAdjustment), table_of(OrderAdjustment).alias("larger")
        larger = (
            select(other.c.id)
            .where(
                other.c.order_id == adj.c.order_id,
                other.c.kind == by,
                (other.c.amount_minor < adj.c.amount_minor)
                | ((other.c.amount_minor == adj.c.amount_minor) & (other.c.id < adj.c.id)),
            )
            .exists()
        )
        query = (
            select(adj.c.ref, adj.c.label, func.count(), *(func.sum(v) for v in figures))
            .select_from(o.join(adj, adj.c.order_id == o.c.id))
            .where(*counted, adj.c.kind == by, ~larger)
            .group_by(adj.c.ref, adj.c.label)
        )
        return query, 2
    return _grouped(key.columns, figures, o, counted, count=True), len(key.columns)


def _sales_groups(
    session: Session,
    by: str,
    key: _Key,
    start: date,
    end: date,
    day_sums: list[int],
    labels: dict[tuple[Any, ...], tuple[Any, ...]] | None = None,
) -> dict[tuple[Any, ...], list[int]]:
    """Key values -> [orders, units, gross, net before returns, cost] of the orders placed in the period: from
    the day rollup (time, place, channel), the day x variant rollup (variant, product, category) or the
    orders themselves (the rest; ``day_sums`` is the period's total from the day rollup). By customer, each
    group's name and phone are put in ``labels``."""
    if by in ROLLUP_COLUMNS:
        d = table_of(SalesDay)
        columns: tuple[Any, ...] = tuple(d.c[c] for c in ROLLUP_COLUMNS[by])
        query = (
            select(*columns, *(func.sum(d.c[f]) for f in DAY_FIGURES))
            .where(d.c.placed_day >= start, d.c.placed_day <= end)
            .group_by(*columns)
        )
        n = len(columns)
    elif by in LINE_BREAKDOWNS:
        dv, v, p = table_of(SalesDayVariant), table_of(Variant), table_of(Product)
        names = ("orders", "units", "gross_minor", "net_minor", "cost_minor")
        # per variant first (the variant index, day by day), then joined to the catalogue: 1 row per variant
        per_variant = (
            select(dv.c.variant_id, *(func.sum(dv.c[f]).label(f) for f in names))
            .where(dv.c.placed_day >= start, dv.c.placed_day <= end)
            .group_by(dv.c.variant_id)
        )
        if by == "variant":
            query = per_variant
        else:
            inner = per_variant.subquery()
            source: Any = inner.outerjoin(v, v.c.id == inner.c.variant_id)
            if by == "product":
                column = v.c.product_id
            else:
                source = source.outerjoin(p, p.c.id == v.c.product_id)
                column = p.c.category_id
            query = select(column, *(func.sum(inner.c[f]) for f in names)).select_from(source).group_by(column)
        n = 1
    else:
        query, n = _order_query(by, key, start, end)
    out: dict[tuple[Any, ...], list[int]] = {}
    named = 2 if by == "customer" else 0  # label columns after the key
    for r in session.execute(query).all():
        values = tuple(r[:n])
        if by == "variant" and values == (0,):
            values = (None,)
        if named and labels is not None:
            labels[values] = tuple(r[n : n + named])
        figures = [int(x or 0) for x in r[n + named :]]
        if any(figures):  # a rollup row whose orders all left sales again
            out[values] = figures
    if by in COMPLEMENTED:  # the orders without a key: the total less the keyed ones
        rest = list(day_sums[:5])
        for figures in out.values():
            rest = [a - b for a, b in zip(rest, figures, strict=True)]
        none = (None,) * n
        if any(rest):
            before = out.get(none, [0] * 5)
            out[none] = [a + b for a, b in zip(before, rest, strict=True)]
    return out


def _grouped(
    keys: Sequence[Any], values: Sequence[Any], source: Any, where: Sequence[Any], *, count: bool = False
) -> Any:
    """``SELECT keys, [count(*),] sum(values) ... GROUP BY keys`` through a derived table, so a key that is a
    correlated subquery (largest payment, promotion, tier) is computed once per row and grouped by name on
    both engines."""
    inner = (
        select(*(k.label(f"k{i}") for i, k in enumerate(keys)), *(v.label(f"v{i}") for i, v in enumerate(values)))
        .select_from(source)
        .where(*where)
        .subquery()
    )
    outer = [inner.c[f"k{i}"] for i in range(len(keys))]
    sums = [func.sum(inner.c[f"v{i}"]) for i in range(len(values))]
    return select(*outer, *([func.count()] if count else []), *sums).group_by(*outer)


def _return_groups(
    session: Session, by: str, key: _Key, tz: ZoneInfo, start: date, end: date
) -> dict[tuple[Any, ...], list[int]]:
    """Key values -> [refunded goods, cost of the refunded units] of the refunds made in the period (a time
    breakdown is keyed by the refund's day in the store's zone)."""
    from shoptui.services.shop import day_end, day_start

    o, line, refund, refund_line = (
        table_of(Order),
        table_of(OrderLine),
        table_of(OrderRefund),
        table_of(OrderRefundLine),
    )
    columns = (refund.c.at,) if by in TIME_BREAKDOWNS else key.columns
    source = (
        refund_line.join(refund, refund.c.id == refund_line.c.batch)
        .join(line, line.c.id == refund_line.c.line_id)
        .join(o, o.c.id == refund_line.c.order_id)
    )
    if "variant" in key.joins:
        source = source.outerjoin(table_of(Variant), table_of(Variant).c.id == line.c.variant_id)
    if "product" in key.joins:
        source = source.outerjoin(table_of(Product), table_of(Product).c.id == table_of(Variant).c.product_id)
    query = _grouped(
        columns,
        (refund_line.c.amount_minor, refund_line.c.quantity * line.c.unit_cost_minor),
        source,
        (refund.c.at >= day_start(start, tz), refund.c.at < day_end(end, tz), o.c.status != "cancelled"),
    )
    out: dict[tuple[Any, ...], list[int]] = {}
    n = len(columns)
    for r in session.execute(query).all():
        values = tuple(r[:n])
        if by in TIME_BREAKDOWNS:
            from shoptui import clock

            values = (clock.ensure_utc(values[0]).astimezone(tz).date(),)
        entry = out.setdefault(values, [0, 0])
        entry[0] += int(r[n] or 0)
        entry[1] += int(r[n + 1] or 0)
    return out


def _totals(
    by: str,
    day_sums: list[int],
    sold: dict[tuple[Any, ...], list[int]],
    returned: dict[tuple[Any, ...], list[int]],
) -> SalesFigures:
    """The period's total: the day rollup's sums (``day_sums``; the sum of its groups when the rows came from it);
    the returns are the sum of the returned groups (every refund line is in one)."""
    if by in ROLLUP_COLUMNS:
        sums = [sum(values) for values in zip(*sold.values(), strict=True)] if sold else [0] * 7
    else:
        sums = day_sums
    orders, units, gross, net, cost, shipping, tax = sums
    refunded = sum(v[0] for v in returned.values())
    refunded_cost = sum(v[1] for v in returned.values())
    return SalesFigures(
        orders=orders,
        units=units,
        gross_sales=gross,
        discounts=gross - net,
        returns=refunded,
        cost=cost - refunded_cost,
        shipping=shipping,
        tax=tax,
    )


def _regions_names(session: Session, groups: list[tuple[Any, ...]]) -> Names:
    from shoptui.services import shop
    from shoptui.services.analytics.settings import parse_sales_regions, region_of

    regions = parse_sales_regions(str(shop.get(session=session, key="sales_regions") or ""))
    out: Names = {}
    for values in groups:
        region = str(values[0] or "") or region_of(regions, str(values[1] or ""))
        out[values] = (region or NONE, region or NONE, None, None)
    return out


def _rows(
    session: Session,
    by: str,
    key: _Key,
    sold: dict[tuple[Any, ...], list[int]],
    returned: dict[tuple[Any, ...], list[int]],
) -> list[SalesRow]:
    """One row per row key: the groups' figures added up (groups that name the same key merge; the row takes the
    names of the group that sorts last)."""
    groups = list(dict.fromkeys([*sold, *returned]))
    if by in TIME_BREAKDOWNS:
        names: Names = {g: (time_key(by, g[0]), time_key(by, g[0]), None, None) for g in groups}
    elif by == "region":
        names = _regions_names(session, groups)
    elif key.name is not None:
        names = key.name(session, groups)
    else:
        names = {g: _text_name(g) for g in groups}
    nothing_sold, nothing_returned = (0, 0, 0, 0, 0), (0, 0)
    merged: dict[str, list[Any]] = {}  # row key -> [group, names, sold, returned]
    for g in groups:
        named = names[g]
        entry = merged.get(named[0])
        if entry is None:
            merged[named[0]] = [g, named, sold.get(g, nothing_sold), returned.get(g, nothing_returned)]
            continue
        if repr(g) > repr(entry[0]):  # a rare merge (two groups, one key): added up, the later group names it
            entry[:2] = [g, named]
        entry[2] = [a + b for a, b in zip(entry[2][:5], sold.get(g, nothing_sold)[:5], strict=True)]
        entry[3] = [a + b for a, b in zip(entry[3], returned.get(g, nothing_returned), strict=True)]
    rows = []
    for _, (row_key, label, sku, title), (orders, units, gross, net, cost, *_), (
        refunded,
        refunded_cost,
    ) in merged.values():
        figures = SalesFigures(orders, units, gross, gross - net, refunded, cost - refunded_cost)
        rows.append(SalesRow(row_key, label, figures, sku, title))
    return rows


def _sorted(by: str, rows: list[SalesRow], top: int | None) -> list[SalesRow]:
    by_net = sorted(rows, key=lambda r: r.key)
    by_net.sort(key=lambda r: -r.figures.net_sales)  # stable: equal net sales stay in key order
    if top is not None and len(rows) > top:
        kept, rest = by_net[:top], by_net[top:]
        other = SalesFigures()
        for row in rest:
            other = other.plus(row.figures)
        tail = [SalesRow(OTHER, f"{OTHER} {len(rest)} more", other)]
    else:
        kept, tail = by_net, []
    if by in TIME_BREAKDOWNS:
        kept = sorted(kept, key=lambda r: r.key)
    return kept + tail


def sales_report(
    *,
    session: Session,
    actor: Actor | None = None,
    by: str,
    start: date | None = None,
    end: date | None = None,
    top: int | None = None,
    compare: str | None = None,
) -> SalesReport:
    """The sales report by ``by`` (see definitions.BREAKDOWNS) for the days ``start`` .. ``end`` (store time,
    both included; default: the 30 days to today), the ``top`` rows by net sales (the rest in one "(other)"
    row, so the rows still add up to the total), and with ``compare`` ("previous" or "year") the same report
    over the period just before or a year before.

    Raises InvalidInput for an unknown breakdown or comparison, a period that ends before it starts, a top
    below 1.
    """
    if actor is not None:  # a face reads for the logged-in account: the reports.view permission
        from shoptui.services.shop import require

        require(session=session, actor=actor, permission="reports.view")
    from shoptui.services import shop
    from shoptui.services.shop import local_today

    tz = shop.timezone(session=session)
    end = end or local_today(tz)
    start = start or end - timedelta(days=29)
    _check(by, start, end, top, compare)
    currency = shop.currency(session=session)
    key = _key_of(by)
    day_sums = [] if by in ROLLUP_COLUMNS else _day_sums(session, start, end)
    labels: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    # a report by customer builds a few objects per row for 100,000 rows, none in a cycle: without the collector
    # walking them again and again (a third of its time)
    with tuning.gc_paused():
        sold = _sales_groups(session, by, key, start, end, day_sums, labels)
        if labels:
            key = replace(key, name=lambda s, groups: _customer_names(s, groups, labels))
        returned = _return_groups(session, by, key, tz, start, end)
        rows = _sorted(by, _rows(session, by, key, sold, returned), top)
    total = _totals(by, day_sums, sold, returned)
    unpaid, count, amount = _unpaid(session, tz, start, end)
    comparison = None
    if compare is not None:
        before_start, before_end = compared_period(start, end, compare)
        comparison = sales_report(session=session, by=by, start=before_start, end=before_end, top=None, compare=None)
        if by not in TIME_BREAKDOWNS:  # the same keys as this period, in its order
            wanted = {r.key for r in rows}
            comparison = replace(comparison, rows=[r for r in comparison.rows if r.key in wanted])
    return SalesReport(
        by=by,
        start=start,
        end=end,
        currency=currency.code,
        digits=currency.digits,
        timezone=str(tz.key),
        rows=rows,
        total=total,
        compare=compare,
        comparison=comparison,
        unpaid=unpaid,
        unpaid_count=count,
        unpaid_minor=amount,
    )


def _unpaid(session: Session, tz: ZoneInfo, start: date, end: date) -> tuple[list[UnpaidOrder], int, int]:
    """The open orders with no payment placed in the period: the newest few, how many, their total (found by
    status and creation time, the status index: open orders are few)."""
    from shoptui.services.shop import day_end, day_start

    o = table_of(Order)
    where = (
        o.c.status == "open",
        o.c.created_at >= day_start(start, tz),
        o.c.created_at < day_end(end, tz),
        o.c.payment_status == "unpaid",
    )
    count, amount = tuples(session.execute(select(func.count(), func.sum(o.c.total_minor)).where(*where))).one()
    rows = tuples(
        session.execute(
            select(o.c.number, o.c.created_at, o.c.customer_name, o.c.total_minor)
            .where(*where)
            .order_by(o.c.created_at.desc(), o.c.id.desc())
            .limit(MAX_UNPAID_LISTED)
        )
    ).all()
    listed = [
        UnpaidOrder(number=str(n), placed_at=at, customer=str(name or ""), total_minor=int(total))
        for n, at, name, total in rows
    ]
    return listed, int(count or 0), int(amount or 0)


# ---------------------------------------------------------------- as tables (JSON, CSV, spreadsheet)

FIGURE_COLUMNS = (
    Column("orders", "Orders", "int"),
    Column("units", "Units", "int"),
    Column("gross_sales", "Gross sales", "money"),
    Column("discounts", "Discounts", "money"),
    Column("returns", "Returns", "money"),
    Column("net_sales", "Net sales", "money"),
    Column("cost", "Cost", "money"),
    Column("gross_margin", "Gross margin", "money"),
    Column("margin_percent", "Margin %", "percent"),
    Column("average_order_value", "Average order", "money"),
)
CHANGE_FIGURES = (
    "orders",
    "units",
    "gross_sales",
    "discounts",
    "returns",
    "net_sales",
    "cost",
    "gross_margin",
    "average_order_value",
)


def change_bp(now: int | None, before: int | None) -> int | None:
    """The change from ``before`` to ``now`` in basis points of ``before`` (None when before is 0 or unknown)."""
    from shoptui.services.pricing import round_half_up

    if now is None or before is None or before == 0:
        return None
    delta = now - before
    sign = -1 if (delta < 0) != (before < 0) else 1
    return sign * round_half_up(abs(delta) * 10_000, abs(before))


def _row_values(row: SalesRow, by: str) -> dict[str, Any]:
    out: dict[str, Any] = {"key": row.key, "label": row.label}
    if by in ("product", "variant"):
        out["sku"], out["title"] = row.sku, row.title
    return {**out, **row.figures.as_dict()}


def _with_comparison(
    values: dict[str, Any], figures: SalesFigures, before: SalesFigures | None, before_key: str | None
) -> dict[str, Any]:
    if before is None:
        before = SalesFigures()
    then = before.as_dict()
    now = figures.as_dict()
    values["compared_key"] = before_key
    for name in CHANGE_FIGURES:
        values[f"{name}_before"] = then[name]
        values[f"{name}_change"] = change_bp(now[name], then[name])
    return values


def sales_tables(report: SalesReport) -> list[Table]:
    """The report as export tables: its rows and total (with the compared period's figures and the change
    beside each when it has one), then the unpaid open orders."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(report.timezone)
    columns = [Column("key", "Key"), Column("label", "Name")]
    if report.by in ("product", "variant"):
        columns += [Column("sku", "SKU"), Column("title", "Title")]
    columns += FIGURE_COLUMNS
    rows = []
    for index, row in enumerate(report.rows):
        values = _row_values(row, report.by)
        if report.comparison is not None:
            match = report.compared_row(index, row)
            values = _with_comparison(
                values, row.figures, match.figures if match else None, match.key if match else None
            )
        rows.append(values)
    total: dict[str, Any] = {
        "key": "total",
        "label": "Total",
        **report.total.as_dict(),
        "shipping": report.total.shipping,
        "tax": report.total.tax,
    }
    columns += [Column("shipping", "Shipping", "money"), Column("tax", "Tax", "money")]
    if report.comparison is not None:
        total = _with_comparison(total, report.total, report.comparison.total, "total")
        columns.append(Column("compared_key", "Compared with"))
        for name in CHANGE_FIGURES:
            kind = "int" if name in ("orders", "units") else "money"
            title = name.replace("_", " ").capitalize()
            columns += [
                Column(f"{name}_before", f"{title} before", kind),  # type: ignore[arg-type]
                Column(f"{name}_change", f"{title} change %", "percent"),
            ]
    unpaid = Table(
        name="unpaid",
        columns=(
            Column("number", "Order"),
            Column("placed_at", "Placed"),
            Column("customer", "Customer"),
            Column("total", "Total", "money"),
        ),
        rows=[
            {
                "number": u.number,
                "placed_at": u.placed_at.astimezone(zone).isoformat(),
                "customer": u.customer,
                "total": u.total_minor,
            }
            for u in report.unpaid
        ],
        total={"number": f"{report.unpaid_count} orders", "total": report.unpaid_minor},
    )
    return [Table(name=f"sales by {report.by}", columns=tuple(columns), rows=rows, total=total), unpaid]


def sales_document(report: SalesReport) -> dict[str, Any]:
    """The ``--json`` document: ``{"report": "sales", "by", "from", "to", "currency", "rows", "total", "unpaid"}``
    (and ``"compare"``/``"compared_from"``/``"compared_to"`` with a comparison); money as decimal strings."""
    from shoptui.services.analytics.export import table_json

    main, unpaid = sales_tables(report)
    body = table_json(main, report.digits)
    unpaid_rows = table_json(unpaid, report.digits)["rows"]
    doc: dict[str, Any] = {
        "report": "sales",
        "by": report.by,
        "from": report.start.isoformat(),
        "to": report.end.isoformat(),
        "currency": report.currency,
    }
    if report.comparison is not None:
        doc |= {
            "compare": report.compare,
            "compared_from": report.comparison.start.isoformat(),
            "compared_to": report.comparison.end.isoformat(),
        }
    from shoptui.money import format_money

    return {
        **doc,
        **body,
        "unpaid": {
            "orders": report.unpaid_count,
            "total": format_money(report.unpaid_minor, report.digits),
            "listed": unpaid_rows,
        },
    }
