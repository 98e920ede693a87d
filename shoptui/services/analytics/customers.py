"""The customers report: who buys (age band, gender, region), new and returning, repeat rate, RFM, cohorts.

Orders and money follow the sales report's definitions (definitions.DEFINITIONS). A customer's net sales in
the period are the net sales of the orders they placed in it (lines after discounts) less the money refunded
for their goods in it. Guests (orders with no customer) count in the totals, never in a segment.

RFM scores and segments: see rfm.py (the rules are stated in ``shoptui report customers --help``).
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, literal, literal_column
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
from shoptui.services.analytics.rfm import RFM_RULES, quintile_scores, rule_named, segment_of
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
    scored: list[ScoredCustomer] = field(default_factory=list)

    @property
    def repeat_rate_bp(self) -> int | None:
        """Share of the period's customers who ordered twice or more in it, in basis points."""
        return share_bp(self.repeat_customers, self.customers)

    def members_of(self, name: str) -> list[ScoredCustomer]:
        """The customers of one segment, the most net sales first."""
        rule = rule_named(name)
        return sorted((c for c in self.scored if c.segment == rule.name), key=lambda c: (-c.net_sales, c.customer_id))


def _spans(period: Period) -> tuple[date, date, list[tuple[date, date]]]:
    """The whole months ``lo`` <= month < ``hi`` inside the period (read from the month x customer rollup) and the
    days around them (first, last; read from the orders through the placed-day index)."""
    lo = period.start if period.start.day == 1 else next_month(period.start)
    last_month = period.end.replace(day=1)
    hi = next_month(last_month) if next_month(last_month) - timedelta(days=1) == period.end else last_month
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
    proven by ``db check``), the days around them from the orders."""
    scm, o = table_of(SalesCustomerMonth), table_of(Order)
    found: dict[int, list[Any]] = {}  # customer (0: guests) -> [orders, net, last day]

    def take(rows: Any) -> None:
        for customer, orders, money, last in tuples(rows):
            day = as_day(last)
            have = found.get(int(customer))
            if have is None:
                found[int(customer)] = [int(orders), int(money or 0), day]
            else:
                have[0] += int(orders)
                have[1] += int(money or 0)
                have[2] = max(have[2], day)

    lo, hi, edges = _spans(period)
    if lo < hi:
        take(
            session.execute(
                sa_select(
                    scm.c.customer_id, func.sum(scm.c.orders), func.sum(scm.c.net_minor), func.max(scm.c.last_day)
                )
                .where(scm.c.month >= lo, scm.c.month < hi)
                .group_by(scm.c.customer_id)
            )
        )
    who = func.coalesce(o.c.customer_id, literal_column("0"))
    for first, last in edges:
        take(
            session.execute(
                sa_select(
                    who, func.count(), func.sum(o.c.subtotal_minor + o.c.adjustments_minor), func.max(o.c.placed_day)
                )
                .where(o.c.placed_day >= first, o.c.placed_day <= last, counted())
                .group_by(who)
            )
        )
    refunds = (
        sa_select(col(Order.customer_id), func.sum(col(OrderRefundLine.amount_minor)))
        .select_from(OrderRefundLine)
        .join(OrderRefund, col(OrderRefund.id) == col(OrderRefundLine.batch))
        .join(Order, col(Order.id) == col(OrderRefundLine.order_id))
        .where(refunded_in(period.lower, period.upper))
        .group_by(col(Order.customer_id))
    )
    refunded = {customer: int(amount or 0) for customer, amount in tuples(session.execute(refunds))}
    guests = found.pop(0, [0, 0, None])
    out = {
        cid: Buyer(customer_id=cid, orders=n, net_sales=m - refunded.get(cid, 0), last_day=last)
        for cid, (n, m, last) in found.items()
    }
    # a customer refunded in the period who bought nothing in it is not a buyer of the period (no order placed)
    return out, int(guests[0]), int(guests[1]) - refunded.get(None, 0)


def as_day(value: Any) -> date:
    """A day read back through an aggregate (``max(placed_day)``): a date whatever the driver returned."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def first_days(session: Session, period: Period) -> tuple[dict[int, date], set[int]]:
    """For every customer who bought in the months the period touches: the day of their first order that counts,
    when it falls in those months and not after the period (else absent); and the customers who bought before
    them. From the month x customer rollup: one row per customer and month, the older months found by index."""
    scm = table_of(SalesCustomerMonth)
    earlier = scm.alias("earlier")
    first_month, last_month = period.start.replace(day=1), period.end.replace(day=1)
    before = (
        sa_select(literal(1)).where(earlier.c.customer_id == scm.c.customer_id, earlier.c.month < first_month).exists()
    )
    query = (
        sa_select(scm.c.customer_id, func.min(scm.c.first_day), before)
        .where(scm.c.month >= first_month, scm.c.month <= last_month, scm.c.customer_id != 0)
        .group_by(scm.c.customer_id)
    )
    first: dict[int, date] = {}
    old: set[int] = set()
    for customer, day, bought_before in tuples(session.execute(query)):
        if bought_before:
            old.add(int(customer))
        elif (on := as_day(day)) <= period.end:
            first[int(customer)] = on
    return first, old


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


def rfm_customers(
    *, session: Session, segment: str, start: date | None = None, end: date | None = None, days: int | None = None
) -> list[int]:
    """Customer ids in the RFM segment ``segment`` for the period (default: the last 365 days to today),
    lowest id first. The coupon audience ``coupon issue --segment NAME`` reads this."""
    rule = rule_named(segment)
    period = store_period(session, start=start, end=end, days=days, default_days=DEFAULT_DAYS)
    found, _, _ = buyers(session, period)
    return [b.customer_id for b, *_, name in score_buyers(period, found) if name == rule.name]


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


def _profiles(session: Session, period: Period, found: dict[int, Buyer]) -> tuple[list[Breakdown], ...]:
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
                figures[2] += bought.orders
                figures[3] += bought.net_sales
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
) -> CustomersReport:
    """The customers report for the days ``start`` .. ``end`` or the ``days`` days to ``end`` (default: the last
    365 days to today)."""
    if actor is not None:  # a face reads for the logged-in account: the reports.view permission
        from shoptui.services.shop import require

        require(session=session, actor=actor, permission="reports.view")
    from shoptui.services.shop import currency as store_currency

    period = store_period(session, start=start, end=end, days=days, default_days=DEFAULT_DAYS)
    money = store_currency(session=session)
    found, guest_orders, guest_net = buyers(session, period)
    first, old = first_days(session, period)

    def is_new(b: Buyer) -> bool:
        return b.customer_id not in old and first.get(b.customer_id, period.start) >= period.start

    new = [b for b in found.values() if is_new(b)]
    returning = [b for b in found.values() if not is_new(b)]
    new_returning = [
        Breakdown(
            key="new",
            label="first order in the period",
            customers=len(new),
            orders=sum(b.orders for b in new),
            net_sales=sum(b.net_sales for b in new),
        ),
        Breakdown(
            key="returning",
            label="ordered before the period",
            customers=len(returning),
            orders=sum(b.orders for b in returning),
            net_sales=sum(b.net_sales for b in returning),
        ),
        Breakdown(key="guest", label="orders with no customer", orders=guest_orders, net_sales=guest_net),
    ]
    by_age, by_gender, by_region = _profiles(session, period, found)

    scored_rows = score_buyers(period, found)
    ids = [b.customer_id for b, *_ in scored_rows]
    names: dict[int, str] = {}
    member_ids: set[int] = set()
    for i in range(0, len(ids), 900):
        chunk = ids[i : i + 900]
        names |= dict(
            tuples(
                session.execute(sa_select(col(Customer.id), col(Customer.name)).where(col(Customer.id).in_(chunk)))
            ).all()
        )
        member_ids |= set(
            session.execute(
                sa_select(col(Member.customer_id)).where(
                    col(Member.customer_id).in_(chunk), col(Member.merged_into).is_(None)
                )
            ).scalars()
        )
    scored = [
        ScoredCustomer(
            customer_id=b.customer_id,
            name=names.get(b.customer_id, ""),
            member=b.customer_id in member_ids,
            last_order=b.last_day,
            recency_days=days_ago,
            orders=b.orders,
            net_sales=b.net_sales,
            r=r,
            f=f,
            m=m,
            segment=name,
        )
        for b, days_ago, r, f, m, name in scored_rows
    ]
    segments = []
    for rule in RFM_RULES:
        inside = [c for c in scored if c.segment == rule.name]
        segments.append(
            SegmentRow(
                key=rule.name,
                rule=rule.rule_text(),
                customers=len(inside),
                members=sum(1 for c in inside if c.member),
                orders=sum(c.orders for c in inside),
                net_sales=sum(c.net_sales for c in inside),
            )
        )
    return CustomersReport(
        start=period.start,
        end=period.end,
        days=period.days,
        currency=money.code,
        digits=money.digits,
        customers=len(found),
        repeat_customers=sum(1 for b in found.values() if b.orders >= 2),
        guest_orders=guest_orders,
        guest_net_sales=guest_net,
        new_returning=new_returning,
        by_age=by_age,
        by_gender=by_gender,
        by_region=by_region,
        segments=segments,
        cohorts=_cohorts(session, period, first),
        scored=scored,
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
