"""The customers report: who buys (age band, gender, region), new and returning, repeat rate, RFM, cohorts.

Orders and money follow the sales report's definitions (definitions.DEFINITIONS). A customer's net sales in
the period are the net sales of the orders they placed in it (lines after discounts) less the money refunded
for their goods in it. Guests (orders with no customer) count in the totals, never in a segment.

RFM scores and segments: see rfm.py (the rules are stated in ``shoptui report customers --help``).
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy import Date, bindparam, func, literal, literal_column
from sqlalchemy import select as sa_select
from sqlmodel import col

from shoptui.models._types import table_of
from shoptui.models.customers import Customer
from shoptui.models.members import Member
from shoptui.models.orders import Order, OrderRefund, OrderRefundLine, SalesCustomerMonth
from shoptui.services.analytics.basis import (
    Period,
    counted,
    month_starts,
    next_month,
    refunded_in,
    share_bp,
    store_period,
)
from shoptui.services.analytics.export import Column, Table
from shoptui.services.analytics.products import refund_of_line
from shoptui.services.analytics.rfm import RFM_RULES, SEGMENT_OF, quintile_scores, rule_named, segment_of
from shoptui.store.prepared import Prepared
from shoptui.store.rows import tuples

if TYPE_CHECKING:
    from sqlmodel import Session

    from shoptui.config import Actor

DEFAULT_DAYS = 365
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("under 18", 0, 17),
    ("18-24", 18, 24),
    ("25-34", 25, 34),
    ("35-44", 35, 44),
    ("45-54", 45, 54),
    ("55-64", 55, 64),
    ("65+", 65, 200),
)
UNKNOWN = "(unknown)"


@dataclass(frozen=True)
class Buyer:
    """A customer's orders in the period: how many, net sales, first and last order."""

    customer_id: int
    orders: int
    net_sales: int
    last_day: date


@dataclass(frozen=True)
class ScoredCustomer:
    """A customer with their RFM figures, scores and segment."""

    customer_id: int
    name: str
    member: bool
    last_order: date
    recency_days: int
    orders: int
    net_sales: int
    r: int
    f: int
    m: int
    segment: str

    @property
    def score(self) -> str:
        return f"{self.r}{self.f}{self.m}"


@dataclass(frozen=True)
class Breakdown:
    """One row of a profile or of new/returning: customers, orders and net sales."""

    key: str
    label: str
    members: int = 0
    customers: int = 0
    orders: int = 0
    net_sales: int = 0


@dataclass(frozen=True)
class SegmentRow:
    """One RFM segment: its rule, how many customers, their orders and net sales."""

    key: str
    rule: str
    customers: int
    members: int
    orders: int
    net_sales: int


@dataclass(frozen=True)
class CohortRow:
    """Customers whose first order was in ``month``; ``active[i]`` of them bought again in month +i."""

    month: str
    customers: int
    active: list[int]


@dataclass(frozen=True)
class CustomersReport:
    """Everything the customers report shows for the days ``start`` .. ``end``."""

    start: date
    end: date
    days: int
    currency: str
    digits: int
    customers: int  # customers who bought in the period
    repeat_customers: int  # of them, with two orders or more in it
    guest_orders: int
    guest_net_sales: int
    new_returning: list[Breakdown]
    by_age: list[Breakdown]
    by_gender: list[Breakdown]
    by_region: list[Breakdown]
    segments: list[SegmentRow]
    cohorts: list[CohortRow]
    scores: Scores | None = None  # every buyer's RFM, as columns
    names: Mapping[int, str] = field(default_factory=dict)  # empty when built without names
    member_ids: frozenset[int] = frozenset()

    @cached_property
    def scored(self) -> list[ScoredCustomer]:
        """Every buyer of the period with their RFM figures, scores and segment, by customer id (built when asked:
        ~100k objects a year at size)."""
        return self._scored(None)

    def _scored(self, segment: str | None) -> list[ScoredCustomer]:
        s = self.scores
        if s is None:
            return []
        return [
            ScoredCustomer(
                customer_id=s.ids[i],
                name=self.names.get(s.ids[i], ""),
                member=s.ids[i] in self.member_ids,
                last_order=s.last[i],
                recency_days=s.recency[i],
                orders=s.orders[i],
                net_sales=s.net[i],
                r=s.r[i],
                f=s.f[i],
                m=s.m[i],
                segment=s.segment[i],
            )
            for i in range(len(s.ids))
            if segment is None or s.segment[i] == segment
        ]

    @property
    def repeat_rate_bp(self) -> int | None:
        """Share of the period's customers who ordered twice or more in it, in basis points."""
        return share_bp(self.repeat_customers, self.customers)

    def members_of(self, name: str) -> list[ScoredCustomer]:
        """The customers of one segment, the most net sales first."""
        rule = rule_named(name)
        return sorted(self._scored(rule.name), key=lambda c: (-c.net_sales, c.customer_id))


def _quiet(session: Session, first: date, last: date) -> bool:
    """Whether no order in sales was placed on the days ``first`` .. ``last`` (the day rollup says)."""
    from shoptui.models.orders import SalesDay

    if first > last:
        return True
    d = table_of(SalesDay)
    busy = sa_select(literal(1)).where(d.c.placed_day >= first, d.c.placed_day <= last, d.c.orders > 0).limit(1)
    return session.execute(busy).first() is None


def _spans(session: Session, period: Period) -> tuple[date, date, list[tuple[date, date]]]:
    """The months ``lo`` <= month < ``hi`` read whole from the month x customer rollup and the days around them
    (first, last; read from the orders through the placed-day index). A month the period covers in part is read
    whole when its days outside the period hold no sales (the current month of a period ending today)."""
    first_month, last_month = period.start.replace(day=1), period.end.replace(day=1)
    lo = first_month
    if period.start > first_month and not _quiet(session, first_month, period.start - timedelta(days=1)):
        lo = next_month(first_month)
    month_end = next_month(last_month) - timedelta(days=1)
    hi = next_month(last_month)
    if period.end < month_end and not _quiet(session, period.end + timedelta(days=1), month_end):
        hi = last_month
    if lo >= hi:
        return lo, lo, [(period.start, period.end)]
    edges = []
    if period.start < lo:
        edges.append((period.start, lo - timedelta(days=1)))
    if hi <= period.end:
        edges.append((hi, period.end))
    return lo, hi, edges


def buyers(session: Session, period: Period) -> tuple[dict[int, Buyer], int, int]:
    """Per customer: orders placed in the period, their net sales less refunds for goods in it, last order day.
    Also the guests' orders and net sales. Whole months come from the month x customer rollup (orders.rollups,
    proven by ``db check``; read through its covering index), the days around them from the orders."""
    found, guests = _bought(session, period)
    return (
        {cid: Buyer(customer_id=cid, orders=n, net_sales=m, last_day=last) for cid, (n, m, last) in found.items()},
        guests[0],
        guests[1],
    )


def _bought(session: Session, period: Period) -> tuple[dict[int, list[Any]], tuple[int, int]]:
    """customer -> [orders, net sales less refunds, last order day] (plain lists: a year holds ~100k buyers at
    size), and the guests' (orders, net sales)."""
    o = table_of(Order)
    found: dict[int, list[Any]] = {}  # customer (0: guests) -> [orders, net, last day]
    lo, hi, edges = _spans(session, period)
    if lo < hi:  # ~100k rows a year at size: the driver's own rows (store.prepared), days converted once each
        cursor = _MONTHS_BOUGHT.run(session, {"lo": lo, "hi": hi})
        try:
            rows = cursor.fetchall()
        finally:
            cursor.close()
        day_of = _DayCache()
        found = {customer: [orders, money or 0, day_of[last]] for customer, orders, money, last in rows}
    who = func.coalesce(o.c.customer_id, literal_column("0"))
    for first, last in edges:
        rows = session.execute(
            sa_select(who, func.count(), func.sum(o.c.subtotal_minor + o.c.adjustments_minor), func.max(o.c.placed_day))
            .where(o.c.placed_day >= first, o.c.placed_day <= last, counted())
            .group_by(who)
        )
        for customer, orders, money, day in tuples(rows):
            have = found.get(customer)
            if have is None:
                found[customer] = [int(orders), int(money or 0), as_day(day)]
            else:
                have[0] += int(orders)
                have[1] += int(money or 0)
                have[2] = max(have[2], as_day(day))
    refunds = (
        sa_select(col(Order.customer_id), func.sum(col(OrderRefundLine.amount_minor)))
        .select_from(OrderRefundLine)
        .join(OrderRefund, refund_of_line())
        .join(Order, col(Order.id) == col(OrderRefundLine.order_id))
        .where(refunded_in(period.lower, period.upper))
        .group_by(col(Order.customer_id))
    )
    guests = found.pop(0, [0, 0, None])
    # a customer refunded in the period who bought nothing in it is not a buyer of the period (no order placed); the
    # guests' refunds count against the guests' net sales all the same
    for customer, amount in tuples(session.execute(refunds)):
        have = guests if customer is None else found.get(customer)
        if have is not None:
            have[1] -= int(amount or 0)
    return found, (int(guests[0]), int(guests[1] or 0))


def _months_bought() -> Prepared:
    scm = table_of(SalesCustomerMonth)
    return Prepared(
        sa_select(scm.c.customer_id, func.sum(scm.c.orders), func.sum(scm.c.net_minor), func.max(scm.c.last_day))
        .where(scm.c.month >= bindparam("lo", type_=Date()), scm.c.month < bindparam("hi", type_=Date()))
        .group_by(scm.c.customer_id)
    )


_MONTHS_BOUGHT = _months_bought()
_NAMES = Prepared(sa_select(col(Customer.id), col(Customer.name)))


class _DayCache(dict[Any, date]):
    """A day as the driver returned it (a date, or ISO text on SQLite) -> the date; each distinct value parsed once."""

    def __missing__(self, value: Any) -> date:
        day = self[value] = as_day(value)
        return day


def as_day(value: Any) -> date:
    """A day read back through an aggregate (``max(placed_day)``): a date whatever the driver returned."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def first_days(session: Session, period: Period) -> dict[int, date]:
    """The customers whose first order that counts (ever) was placed in the months the period touches, up to its
    last day, with that day (the cohorts' members; a buyer of the period is new when theirs is in the period). From
    ``sales_customer_first`` through its day index: a year's new customers, not everyone's history."""
    from shoptui.models.orders import SalesCustomerFirst

    table = table_of(SalesCustomerFirst)
    query = sa_select(table.c.customer_id, table.c.first_day).where(
        table.c.first_day >= period.start.replace(day=1), table.c.first_day <= period.end
    )
    return {int(customer): as_day(day) for customer, day in tuples(session.execute(query))}


def score_buyers(period: Period, found: dict[int, Buyer]) -> list[tuple[Buyer, int, int, int, int, str]]:
    """(buyer, recency days, R, F, M, segment) for every buyer, by customer id."""
    ordered = sorted(found.values(), key=lambda b: b.customer_id)
    recency = [(period.end - b.last_day).days for b in ordered]
    rs = quintile_scores(recency, higher_is_better=False) if ordered else []
    fs = quintile_scores([b.orders for b in ordered]) if ordered else []
    ms = quintile_scores([b.net_sales for b in ordered]) if ordered else []
    return [
        (b, days, r, f, m, segment_of(r, f, m)) for b, days, r, f, m in zip(ordered, recency, rs, fs, ms, strict=True)
    ]


def _scores(period: Period, found: dict[int, list[Any]]) -> Scores:
    """Every buyer's RFM figures, scores and segment as columns (customer ids ascending): the same rules as
    :func:`score_buyers`, without an object per buyer."""
    ids = sorted(found)
    rows = [found[cid] for cid in ids]
    end = period.end
    recency = [(end - row[2]).days for row in rows]
    orders = [row[0] for row in rows]
    money = [row[1] for row in rows]
    rs = quintile_scores(recency, higher_is_better=False) if ids else []
    fs = quintile_scores(orders) if ids else []
    ms = quintile_scores(money) if ids else []
    table = SEGMENT_OF
    segments = [table[r, f, m] for r, f, m in zip(rs, fs, ms, strict=True)]
    return Scores(ids, [row[2] for row in rows], recency, orders, money, rs, fs, ms, segments)


@dataclass(frozen=True)
class Scores:
    """The scored buyers as columns (index i is one customer)."""

    ids: list[int]
    last: list[date]
    recency: list[int]
    orders: list[int]
    net: list[int]
    r: list[int]
    f: list[int]
    m: list[int]
    segment: list[str]


def rfm_customers(
    *, session: Session, segment: str, start: date | None = None, end: date | None = None, days: int | None = None
) -> list[int]:
    """Customer ids in the RFM segment ``segment`` for the period (default: the last 365 days to today),
    lowest id first. The coupon audience ``coupon issue --segment NAME`` reads this."""
    rule = rule_named(segment)
    period = store_period(session, start=start, end=end, days=days, default_days=DEFAULT_DAYS)
    found, _ = _bought(session, period)
    scores = _scores(period, found)
    return [cid for cid, name in zip(scores.ids, scores.segment, strict=True) if name == rule.name]


def _age(birthday: date, on: date) -> int:
    return on.year - birthday.year - ((on.month, on.day) < (birthday.month, birthday.day))


def age_band(birthday: date | None, on: date) -> str:
    """The band of a member's age on ``on`` (the period's last day); unknown without a birthday."""
    if birthday is None or birthday > on:
        return UNKNOWN
    age = _age(birthday, on)
    for label, low, high in AGE_BANDS:
        if low <= age <= high:
            return label
    return UNKNOWN


def _profiles(session: Session, period: Period, found: dict[int, list[Any]]) -> tuple[list[Breakdown], ...]:
    """Members by age band, gender and region, with what those who bought in the period bought."""
    members = tuples(
        session.execute(
            sa_select(col(Member.customer_id), col(Member.birthday), col(Member.gender), col(Member.region)).where(
                col(Member.merged_into).is_(None), col(Member.joined_at) < period.upper
            )
        )
    )
    groups: list[dict[str, list[int]]] = [defaultdict(lambda: [0, 0, 0, 0]) for _ in range(3)]
    for cid, birthday, gender, region in members:
        keys = (
            age_band(birthday, period.end),
            (gender or "").strip().lower() or UNKNOWN,
            unicodedata.normalize("NFKC", region or "").strip() or UNKNOWN,
        )
        bought = found.get(cid)
        for group, key in zip(groups, keys, strict=True):
            figures = group[key]
            figures[0] += 1
            if bought is not None:
                figures[1] += 1
                figures[2] += bought[0]
                figures[3] += bought[1]
    order = [label for label, _, _ in AGE_BANDS] + [UNKNOWN]
    by_age = [
        Breakdown(key=k, label=k, members=g[0], customers=g[1], orders=g[2], net_sales=g[3])
        for k in order
        if (g := groups[0].get(k)) is not None
    ]
    by_gender = sorted(
        (
            Breakdown(key=k, label=k, members=g[0], customers=g[1], orders=g[2], net_sales=g[3])
            for k, g in groups[1].items()
        ),
        key=lambda b: (b.key == UNKNOWN, -b.members, b.key),
    )
    by_region = sorted(
        (
            Breakdown(key=k, label=k, members=g[0], customers=g[1], orders=g[2], net_sales=g[3])
            for k, g in groups[2].items()
        ),
        key=lambda b: (b.key == UNKNOWN, -b.net_sales, -b.members, b.key),
    )
    return by_age, by_gender, by_region


def _cohorts(session: Session, period: Period, first: dict[int, date]) -> list[CohortRow]:
    """Cohorts by the month (store time) of each customer's first order, from the first month of the period. A
    customer is active in a month when they have a row of it in the month x customer rollup (the period's last
    month only up to the period's last day: the row's first placed day tells)."""
    scm = table_of(SalesCustomerMonth)
    months = month_starts(period.start, period.end)
    index = {month: i for i, month in enumerate(months)}
    cohort_of = {cid: index[day.replace(day=1)] for cid, day in first.items()}
    active: dict[tuple[int, int], int] = defaultdict(int)  # (cohort, months after) -> customers who ordered
    ids = sorted(cohort_of)
    for i in range(0, len(ids), 900):
        query = sa_select(scm.c.customer_id, scm.c.month, scm.c.first_day).where(
            scm.c.customer_id.in_(ids[i : i + 900]), scm.c.month >= months[0], scm.c.month <= months[-1]
        )
        for cid, month, first_day in tuples(session.execute(query)):
            if as_day(first_day) > period.end:
                continue  # bought that month only after the period
            cohort, at = cohort_of[int(cid)], index[as_day(month)]
            if at >= cohort:
                active[(cohort, at - cohort)] += 1
    sizes: dict[int, int] = defaultdict(int)
    for cohort in cohort_of.values():
        sizes[cohort] += 1
    return [
        CohortRow(
            month=month.strftime("%Y-%m"),
            customers=sizes.get(i, 0),
            active=[active.get((i, offset), 0) for offset in range(len(months) - i)],
        )
        for i, month in enumerate(months)
    ]


def customers_report(
    *,
    session: Session,
    actor: Actor | None = None,
    start: date | None = None,
    end: date | None = None,
    days: int | None = None,
    with_names: bool = True,
) -> CustomersReport:
    """The customers report for the days ``start`` .. ``end`` or the ``days`` days to ``end`` (default: the last
    365 days to today). ``with_names=False`` leaves the scored customers' names out (one read of every customer
    less: the segment table needs none, only a list of a segment's customers does)."""
    if actor is not None:  # a face reads for the logged-in account: the reports.view permission
        from shoptui.services.shop import require

        require(session=session, actor=actor, permission="reports.view")
    from shoptui.services.shop import currency as store_currency

    period = store_period(session, start=start, end=end, days=days, default_days=DEFAULT_DAYS)
    money = store_currency(session=session)
    found, (guest_orders, guest_net) = _bought(session, period)
    first = first_days(session, period)
    start_day = period.start
    split = [[0, 0, 0], [0, 0, 0]]  # new, returning: customers, orders, net sales
    repeat = 0
    for cid, (orders, net, _) in found.items():
        day = first.get(cid)
        figures = split[0 if day is not None and day >= start_day else 1]
        figures[0] += 1
        figures[1] += orders
        figures[2] += net
        if orders >= 2:
            repeat += 1
    new_returning = [
        Breakdown(
            key="new",
            label="first order in the period",
            customers=split[0][0],
            orders=split[0][1],
            net_sales=split[0][2],
        ),
        Breakdown(
            key="returning",
            label="ordered before the period",
            customers=split[1][0],
            orders=split[1][1],
            net_sales=split[1][2],
        ),
        Breakdown(key="guest", label="orders with no customer", orders=guest_orders, net_sales=guest_net),
    ]
    by_age, by_gender, by_region = _profiles(session, period, found)
    scores = _scores(period, found)
    members_now = sa_select(col(Member.customer_id)).where(col(Member.merged_into).is_(None))
    member_ids: set[int] = {int(cid) for (cid,) in tuples(session.execute(members_now))}
    names: dict[int, str] = {}
    if with_names:
        cursor = _NAMES.run(session)
        try:
            names = dict(cursor.fetchall())
        finally:
            cursor.close()
    per_segment: dict[str, list[int]] = {rule.name: [0, 0, 0, 0] for rule in RFM_RULES}
    for cid, orders, net, name in zip(scores.ids, scores.orders, scores.net, scores.segment, strict=True):
        figures = per_segment[name]
        figures[0] += 1
        figures[1] += cid in member_ids
        figures[2] += orders
        figures[3] += net
    segments = [
        SegmentRow(
            key=rule.name,
            rule=rule.rule_text(),
            customers=per_segment[rule.name][0],
            members=per_segment[rule.name][1],
            orders=per_segment[rule.name][2],
            net_sales=per_segment[rule.name][3],
        )
        for rule in RFM_RULES
    ]
    return CustomersReport(
        start=period.start,
        end=period.end,
        days=period.days,
        currency=money.code,
        digits=money.digits,
        customers=len(found),
        repeat_customers=repeat,
        guest_orders=guest_orders,
        guest_net_sales=guest_net,
        new_returning=new_returning,
        by_age=by_age,
        by_gender=by_gender,
        by_region=by_region,
        segments=segments,
        cohorts=_cohorts(session, period, first),
        scores=scores,
        names=names,
        member_ids=frozenset(member_ids),
    )


# ---------------------------------------------------------------- export tables

BREAKDOWN_COLUMNS = (
    Column("key", "Key"),
    Column("label", "Label"),
    Column("members", "Members", "int"),
    Column("customers", "Customers", "int"),
    Column("orders", "Orders", "int"),
    Column("net_sales", "Net sales", "money"),
)
SEGMENT_COLUMNS = (
    Column("key", "Segment"),
    Column("rule", "Rule"),
    Column("customers", "Customers", "int"),
    Column("members", "Members", "int"),
    Column("share", "Share %", "percent"),
    Column("orders", "Orders", "int"),
    Column("net_sales", "Net sales", "money"),
)
MEMBER_COLUMNS = (
    Column("customer_id", "Customer", "int"),
    Column("name", "Name"),
    Column("member", "Member"),
    Column("segment", "Segment"),
    Column("score", "RFM"),
    Column("last_order", "Last order"),
    Column("recency_days", "Days since", "int"),
    Column("orders", "Orders", "int"),
    Column("net_sales", "Net sales", "money"),
)


def _breakdown_table(name: str, rows: list[Breakdown], columns: tuple[Column, ...] = BREAKDOWN_COLUMNS) -> Table:
    body = [
        {
            "key": b.key,
            "label": b.label,
            "members": b.members,
            "customers": b.customers,
            "orders": b.orders,
            "net_sales": b.net_sales,
        }
        for b in rows
    ]
    total = {
        "key": "total",
        "label": "",
        "members": sum(b.members for b in rows),
        "customers": sum(b.customers for b in rows),
        "orders": sum(b.orders for b in rows),
        "net_sales": sum(b.net_sales for b in rows),
    }
    return Table(name=name, columns=columns, rows=body, total=total)


def cohort_table(report: CustomersReport) -> Table:
    """The retention triangle: a row per first-order month, the share still buying each month after."""
    width = len(report.cohorts)
    columns = (
        Column("key", "First order"),
        Column("customers", "Customers", "int"),
        *(Column(f"month_{i}", f"Month {i}", "percent") for i in range(width)),
    )
    rows = []
    for cohort in report.cohorts:
        row: dict[str, Any] = {"key": cohort.month, "customers": cohort.customers}
        for i, count in enumerate(cohort.active):
            row[f"month_{i}"] = share_bp(count, cohort.customers)
        rows.append(row)
    total: dict[str, Any] = {"key": "total", "customers": sum(c.customers for c in report.cohorts)}
    for i in range(width):
        have = [c for c in report.cohorts if len(c.active) > i]
        total[f"month_{i}"] = share_bp(sum(c.active[i] for c in have), sum(c.customers for c in have))
    return Table(
        name="cohorts",
        columns=columns,
        rows=rows,
        total=total,
        notes=(
            "Month i: the share of the cohort's customers who ordered in the i-th month after their "
            "first (month 0 is the first order's month).",
        ),
    )


def customers_tables(report: CustomersReport) -> list[Table]:
    """The report as export tables: segments, new/returning, age, gender, region, cohorts."""
    segments = [
        {
            "key": s.key,
            "rule": s.rule,
            "customers": s.customers,
            "members": s.members,
            "share": share_bp(s.customers, report.customers),
            "orders": s.orders,
            "net_sales": s.net_sales,
        }
        for s in report.segments
    ]
    segment_total = {
        "key": "total",
        "rule": "",
        "customers": report.customers,
        "members": sum(s.members for s in report.segments),
        "share": share_bp(report.customers, report.customers),
        "orders": sum(s.orders for s in report.segments),
        "net_sales": sum(s.net_sales for s in report.segments),
    }
    rate = report.repeat_rate_bp
    notes = (
        f"Repeat-purchase rate: {report.repeat_customers} of {report.customers} customers ordered twice or more"
        + (f" ({rate / 100:.2f}%)." if rate is not None else "."),
    )
    return [
        Table(name="segments", columns=SEGMENT_COLUMNS, rows=segments, total=segment_total, notes=notes),
        _breakdown_table("new and returning", report.new_returning),
        _breakdown_table("age", report.by_age),
        _breakdown_table("gender", report.by_gender),
        _breakdown_table("region", report.by_region),
        cohort_table(report),
    ]


def members_table(report: CustomersReport, segment: str) -> Table:
    """The customers of one segment, with their scores (``--segment NAME --members``)."""
    rule = rule_named(segment)
    people = report.members_of(rule.name)
    rows = [
        {
            "customer_id": c.customer_id,
            "name": c.name,
            "member": "yes" if c.member else "no",
            "segment": c.segment,
            "score": c.score,
            "last_order": c.last_order.isoformat(),
            "recency_days": c.recency_days,
            "orders": c.orders,
            "net_sales": c.net_sales,
        }
        for c in people
    ]
    total = {
        "customer_id": None,
        "name": f"total: {len(people)} customers",
        "orders": sum(c.orders for c in people),
        "net_sales": sum(c.net_sales for c in people),
    }
    return Table(name=rule.name, columns=MEMBER_COLUMNS, rows=rows, total=total)


def check_segment(name: str) -> str:
    """The proper name of an RFM segment (NotFound lists them)."""
    return rule_named(name).name
