"""The sales rollups the reports read (services/analytics): orders in sales per day x channel x region x
province x country (``sales_day``), per day x variant x stock location (``sales_day_variant``) and the same per month (``sales_variant_month``: the products and stock reports read whole
months there and only the edge days per day, :func:`variant_sales`), and per month x customer
(``sales_customer_month``: orders, net, first and last placed day; the guests' orders under customer 0).

An order is in sales when it is not cancelled and not open with no payment (the reports' definitions).
Its figures enter the rollups the moment it becomes so and leave when it stops (the status machine,
``status.apply``, calls :func:`roll` on every change of status, in the order's transaction). Only an
unpaid order can be edited, so an order's figures never change while it is in the rollups. Imports and
repairs rebuild the days they touched (:func:`rebuild`); ``db check`` proves the rollups equal the orders
(:func:`check_rollups`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Date,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    literal_column,
    not_,
    or_,
    select,
    union_all,
    update,
)

from shoptui.models._types import table_of
from shoptui.models.orders import (
    Order,
    OrderLine,
    SalesCustomerFirst,
    SalesCustomerMonth,
    SalesDay,
    SalesDayVariant,
    SalesVariantMonth,
)
from shoptui.store.rows import tuples
from shoptui.store.unique import add_to_rows

if TYPE_CHECKING:
    from sqlmodel import Session

DAY_KEYS = ("placed_day", "channel", "sales_region", "ship_province", "ship_country")
DAY_FIGURES = ("orders", "units", "gross_minor", "net_minor", "cost_minor", "shipping_minor", "tax_minor")
VARIANT_KEYS = ("placed_day", "variant_id", "location_id")
VARIANT_FIGURES = ("orders", "units", "gross_minor", "net_minor", "cost_minor")
CUSTOMER_KEYS = ("month", "customer_id")
CUSTOMER_FIGURES = ("orders", "net_minor", "first_day", "last_day")


def in_sales(status: str, payment_status: str) -> bool:
    """Whether an order in these statuses counts in sales."""
    return status != "cancelled" and not (status == "open" and payment_status == "unpaid")


def in_sales_sql(o: Any) -> Any:
    """The same rule as a SQL condition on the order table ``o``."""
    return and_(o.c.status != "cancelled", not_(and_(o.c.status == "open", o.c.payment_status == "unpaid")))


def month_of(day: date) -> date:
    """The first day of ``day``'s month (the key of a month rollup)."""
    return day.replace(day=1)


def next_month(month: date) -> date:
    """The first day of the month after the one ``month`` starts."""
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def months(first: date, last: date) -> Iterator[date]:
    """The first days of the months from ``first``'s to ``last``'s, both included."""
    month = month_of(first)
    while month <= last:
        yield month
        month = next_month(month)


def _add(
    session: Session, table: Any, keys: dict[str, Any], figures: dict[str, int], also: dict[str, Any] | None = None
) -> None:
    """Add ``figures`` to the row of ``keys`` (and set the columns of ``also`` to their expressions); a missing row
    is created at zero first (insert-or-ignore, so two transactions creating the same day's row never collide) and
    the figures added to it."""
    from shoptui.store.unique import insert_ignore

    where = [table.c[k] == v for k, v in keys.items()]
    statement = (
        update(table)
        .where(*where)
        .values({**{k: table.c[k] + v for k, v in figures.items()}, **(also or {})})
        .execution_options(synchronize_session=False)
    )
    result: Any = session.execute(statement)
    if not result.rowcount:
        insert_ignore(session, table, {**keys, **dict.fromkeys(figures, 0)})
        session.execute(statement)


def roll(session: Session, order: Order, lines: Iterable[OrderLine], sign: int) -> None:
    """Add (``sign`` 1) or take out (-1) one order's figures from the rollups."""
    if order.placed_day is None:
        return
    day = order.placed_day
    _add(
        session,
        table_of(SalesDay),
        {
            "placed_day": day,
            "channel": order.channel,
            "sales_region": order.sales_region,
            "ship_province": order.ship_province,
            "ship_country": order.ship_country,
        },
        {
            "orders": sign,
            "units": sign * order.item_count,
            "gross_minor": sign * order.gross_minor,
            "net_minor": sign * (order.subtotal_minor + order.adjustments_minor),
            "cost_minor": sign * order.cost_minor,
            "shipping_minor": sign * order.shipping_minor,
            "tax_minor": sign * order.tax_minor,
        },
    )
    _roll_customer(session, order, sign)
    location = order.location_id or 0
    by_variant: dict[int, list[int]] = {}
    for line in lines:
        entry = by_variant.setdefault(line.variant_id or 0, [0, 0, 0, 0])
        entry[0] += line.quantity
        entry[1] += line.gross_minor
        entry[2] += line.net_minor
        entry[3] += line.quantity * (line.unit_cost_minor or 0)  # kept on every line (NOT NULL; 0: no cost then)
    rows = [
        {
            "placed_day": day,
            "month": month_of(day),
            "variant_id": variant_id,
            "location_id": location,
            "orders": sign,
            **{name: sign * value for name, value in zip(VARIANT_FIGURES[1:], figures, strict=True)},
        }
        for variant_id, figures in sorted(by_variant.items())
    ]
    add_to_rows(session, table_of(SalesDayVariant), rows, VARIANT_FIGURES)
    add_to_rows(session, table_of(SalesVariantMonth), rows, VARIANT_FIGURES)


def _roll_customer(session: Session, order: Order, sign: int) -> None:
    """The order's month x customer row: its count and net move by ``sign``; its first and last placed day take
    the order's day in (sign 1) or are found again among the month's other orders in sales (sign -1)."""
    assert order.placed_day is not None
    table = table_of(SalesCustomerMonth)
    day, month = order.placed_day, month_of(order.placed_day)
    keys = {"month": month, "customer_id": order.customer_id or 0}
    figures = {"orders": sign, "net_minor": sign * (order.subtotal_minor + order.adjustments_minor)}
    if sign > 0:
        on = literal(day, Date)
        first, last = table.c.first_day, table.c.last_day
        _add(
            session,
            table,
            keys,
            figures,
            {
                "first_day": case((or_(first.is_(None), first > on), on), else_=first),
                "last_day": case((or_(last.is_(None), last < on), on), else_=last),
            },
        )
        if order.customer_id:
            before = table_of(SalesCustomerFirst).c.first_day
            _add(
                session,
                table_of(SalesCustomerFirst),
                {"customer_id": order.customer_id},
                {},
                {"first_day": case((or_(before.is_(None), before > on), on), else_=before)},
            )
        return
    o = table_of(Order)
    mine = o.c.customer_id.is_(None) if order.customer_id is None else o.c.customer_id == order.customer_id
    others = select(func.min(o.c.placed_day), func.max(o.c.placed_day)).where(
        mine, o.c.placed_day >= month, o.c.placed_day < next_month(month), o.c.id != order.id, in_sales_sql(o)
    )
    first_day, last_day = session.execute(others).one()
    _add(session, table, keys, figures, {"first_day": first_day, "last_day": last_day})
    # a row holds at least one order: the reports read "has a row" as "bought that month"
    session.execute(delete(table).where(*(table.c[k] == v for k, v in keys.items()), table.c.orders <= 0))
    if order.customer_id:
        find_first_days(session, [order.customer_id])


def find_first_days(session: Session, customer_ids: Iterable[int]) -> None:
    """Set the first placed day of each customer (``sales_customer_first``) again from their month rows, and drop
    the row of a customer who has none left. Updates in place (no delete and insert), so two transactions at it on
    PostgreSQL wait for each other instead of colliding; the row must exist (an order of theirs entered it)."""
    first, scm = table_of(SalesCustomerFirst), table_of(SalesCustomerMonth)
    for customer in sorted({c for c in customer_ids if c}):
        least = select(func.min(scm.c.first_day)).where(scm.c.customer_id == customer, scm.c.orders > 0)
        session.execute(
            update(first)
            .where(first.c.customer_id == customer)
            .values(first_day=least.scalar_subquery())
            .execution_options(synchronize_session=False)
        )
        session.execute(delete(first).where(first.c.customer_id == customer, first.c.first_day.is_(None)))


VariantSales = dict[tuple[int, int], tuple[int, ...]]


def _edge_spans(start: date, end: date) -> tuple[list[tuple[date, date]], list[tuple[date, date, int]]]:
    """How to read the days ``start`` .. ``end`` from a month rollup and a day rollup with the fewest day rows: the
    months to read whole ([first, following) pairs) and the day spans to add (sign 1) or take out again (-1). A
    month the period covers in part is read as its days in the period, or as the whole month less its days outside
    the period, whichever has fewer days (the days after today have no rows: a period ending today costs nothing
    at its end)."""
    wholes: list[tuple[date, date]] = []
    days: list[tuple[date, date, int]] = []
    following = end + timedelta(days=1)
    first_month, last_month = month_of(start), month_of(end)
    if first_month == last_month:
        inside = (following - start).days
        outside = (start - first_month).days + (next_month(first_month) - following).days
        if inside <= outside:
            return wholes, [(start, following, 1)]
        wholes.append((first_month, next_month(first_month)))
        days += [(first_month, start, -1), (following, next_month(first_month), -1)]
        return wholes, [span for span in days if span[0] < span[1]]
    month = first_month
    if start > first_month:  # the first month in part
        month = next_month(first_month)
        if (month - start).days <= (start - first_month).days:
            days.append((start, month, 1))
        else:
            wholes.append((first_month, month))
            days.append((first_month, start, -1))
    if month <= last_month:
        wholes.append((month, last_month))  # the whole months up to the last one
    if following < next_month(last_month):  # the last month in part
        if (following - last_month).days <= (next_month(last_month) - following).days:
            days.append((last_month, following, 1))
        else:
            wholes.append((last_month, next_month(last_month)))
            days.append((following, next_month(last_month), -1))
    else:
        wholes.append((last_month, next_month(last_month)))
    return [span for span in wholes if span[0] < span[1]], days


def variant_sales(session: Session, start: date, end: date) -> VariantSales:
    """(variant id (0: lines without one), location id (0: the order names none)) -> the ``VARIANT_FIGURES`` of the
    orders in sales placed on the days ``start`` .. ``end``: whole months from the month x variant rollup and the
    days at the edges from the day x variant rollup (:func:`_edge_spans`), summed in one query."""
    day, month = table_of(SalesDayVariant), table_of(SalesVariantMonth)
    wholes, spans = _edge_spans(start, end)
    parts: list[Any] = [
        select(month.c.variant_id, month.c.location_id, *(month.c[f] for f in VARIANT_FIGURES)).where(
            month.c.month >= first, month.c.month < following
        )
        for first, following in wholes
    ]
    parts += [
        select(
            day.c.variant_id, day.c.location_id, *((day.c[f] if sign > 0 else -day.c[f]) for f in VARIANT_FIGURES)
        ).where(day.c.placed_day >= first, day.c.placed_day < following)
        for first, following, sign in spans
    ]
    rows = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    names = list(rows.c)[2:]
    query = select(rows.c[0], rows.c[1], *(func.sum(c) for c in names)).group_by(rows.c[0], rows.c[1])
    out: VariantSales = {}
    for variant, location, *figures in tuples(session.execute(query)):
        numbers = tuple(int(x or 0) for x in figures)
        if any(numbers):  # a row whose orders all left sales again
            out[(int(variant), int(location))] = numbers
    return out


def last_sold_days(session: Session, variant_ids: Iterable[int], end: date) -> dict[int, date]:
    """The last placed day on or before ``end`` each variant sold (in an order in sales), from the day x variant
    rollup through its (variant, day) index."""
    day = table_of(SalesDayVariant)
    ids = sorted(set(variant_ids))
    out: dict[int, date] = {}
    for i in range(0, len(ids), 900):
        query = (
            select(day.c.variant_id, func.max(day.c.placed_day))
            .where(day.c.variant_id.in_(ids[i : i + 900]), day.c.placed_day <= end, day.c.orders > 0)
            .group_by(day.c.variant_id)
        )
        for variant, last in tuples(session.execute(query)):
            if last is not None:
                out[int(variant)] = _as_date(last)
    return out


def on_status_change(
    session: Session, order: Order, lines: Iterable[OrderLine], before: tuple[str, str], after: tuple[str, str]
) -> None:
    """The status machine moved ``order``: it enters or leaves the rollups when it enters or leaves sales."""
    was, now = in_sales(*before), in_sales(*after)
    if was != now:
        roll(session, order, lines, 1 if now else -1)


def _day_aggregate(first: date | None, last: date | None) -> Any:
    o = table_of(Order)
    where = [in_sales_sql(o), o.c.placed_day.is_not(None)]
    if first is not None:
        where.append(o.c.placed_day >= first)
    if last is not None:
        where.append(o.c.placed_day <= last)
    keys = [o.c[k] for k in DAY_KEYS]
    return (
        select(
            *keys,
            func.count(),
            func.coalesce(func.sum(o.c.item_count), 0),
            func.coalesce(func.sum(o.c.gross_minor), 0),
            func.coalesce(func.sum(o.c.subtotal_minor + o.c.adjustments_minor), 0),
            func.coalesce(func.sum(o.c.cost_minor), 0),
            func.coalesce(func.sum(o.c.shipping_minor), 0),
            func.coalesce(func.sum(o.c.tax_minor), 0),
        )
        .where(*where)
        .group_by(*keys)
    )


def _variant_aggregate(first: date | None, last: date | None) -> Any:
    o, line = table_of(Order), table_of(OrderLine)
    where = [in_sales_sql(o), o.c.placed_day.is_not(None)]
    if first is not None:
        where.append(o.c.placed_day >= first)
    if last is not None:
        where.append(o.c.placed_day <= last)
    variant = func.coalesce(line.c.variant_id, literal_column("0"))  # inline: grouped by the same text
    location = func.coalesce(o.c.location_id, literal_column("0"))
    return (
        select(
            o.c.placed_day,
            variant,
            location,
            func.count(func.distinct(o.c.id)),
            func.sum(line.c.quantity),
            func.sum(line.c.gross_minor),
            func.sum(line.c.net_minor),
            func.coalesce(func.sum(line.c.quantity * line.c.unit_cost_minor), 0),
        )
        .select_from(line.join(o, o.c.id == line.c.order_id))
        .where(*where)
        .group_by(o.c.placed_day, variant, location)
    )


def _variant_month_aggregate(month: date) -> Any:
    """The month x variant rollup's rows of one month: the day x variant rollup's days of that month summed."""
    day = table_of(SalesDayVariant)
    return (
        select(
            literal(month, Date),
            day.c.variant_id,
            day.c.location_id,
            *(func.sum(day.c[name]) for name in VARIANT_FIGURES),
        )
        .where(day.c.placed_day >= month, day.c.placed_day < next_month(month))
        .group_by(day.c.variant_id, day.c.location_id)
    )


def rebuild_variant_months(session: Session, first: date | None = None, last: date | None = None) -> None:
    """Compute the month x variant rollup again from the day x variant rollup, for the whole months that hold
    ``first`` .. ``last`` (all when None)."""
    table = table_of(SalesVariantMonth)
    if first is None or last is None:
        session.execute(delete(table))
        first, last = _placed_span(session)
        if first is None or last is None:
            return
    else:
        session.execute(delete(table).where(table.c.month >= month_of(first), table.c.month <= month_of(last)))
    for month in months(first, last):
        session.execute(
            insert(table).from_select(
                ["month", "variant_id", "location_id", *VARIANT_FIGURES], _variant_month_aggregate(month)
            )
        )


def _customer_aggregate(month: date) -> Any:
    """The month x customer rollup's rows of one month, from the orders."""
    o = table_of(Order)
    who = func.coalesce(o.c.customer_id, literal_column("0"))  # inline: grouped by the same text
    return (
        select(
            literal(month, Date),
            who,
            func.count(),
            func.coalesce(func.sum(o.c.subtotal_minor + o.c.adjustments_minor), 0),
            func.min(o.c.placed_day),
            func.max(o.c.placed_day),
        )
        .where(in_sales_sql(o), o.c.placed_day >= month, o.c.placed_day < next_month(month))
        .group_by(who)
    )


def _placed_span(session: Session) -> tuple[date | None, date | None]:
    o = table_of(Order)
    first, last = tuple(session.execute(select(func.min(o.c.placed_day), func.max(o.c.placed_day))).one())
    return (None if first is None else _as_date(first)), (None if last is None else _as_date(last))


def rebuild_customer_months(session: Session, first: date | None = None, last: date | None = None) -> None:
    """Compute the month x customer rollup again for the whole months that hold ``first`` .. ``last`` (all when
    None), one month at a time (each month read through the placed-day index)."""
    table = table_of(SalesCustomerMonth)
    touched: set[int] | None = None  # the customers whose first placed day may move (None: everyone's)
    if first is None or last is None:
        session.execute(delete(table))
        first, last = _placed_span(session)
        if first is None or last is None:
            _rebuild_first_days(session, None)
            return
    else:
        span = (table.c.month >= month_of(first), table.c.month <= month_of(last))
        touched = set(session.execute(select(table.c.customer_id).where(*span).distinct()).scalars())
        session.execute(delete(table).where(*span))
    for month in months(first, last):
        session.execute(insert(table).from_select([*CUSTOMER_KEYS, *CUSTOMER_FIGURES], _customer_aggregate(month)))
    if touched is not None:  # the customers of those months, before and after
        span = (table.c.month >= month_of(first), table.c.month <= month_of(last))
        touched |= set(session.execute(select(table.c.customer_id).where(*span).distinct()).scalars())
        if len(touched) > _FEW_CUSTOMERS:
            touched = None  # one pass over everyone's month rows costs less than many small ones
    _rebuild_first_days(session, touched)


_FEW_CUSTOMERS = 20_000


def _first_days_of(customers: Any) -> Any:
    """(customer, least first day of their month rows) for the customers ``customers`` selects (None: all)."""
    scm = table_of(SalesCustomerMonth)
    where = [scm.c.customer_id != 0]
    if customers is not None:
        where.append(scm.c.customer_id.in_(customers))
    return select(scm.c.customer_id, func.min(scm.c.first_day)).where(*where).group_by(scm.c.customer_id)


def _rebuild_first_days(session: Session, customers: set[int] | None) -> None:
    """Compute the first placed days again from the month rows: of the customers given, or of everyone (None)."""
    table = table_of(SalesCustomerFirst)
    if customers is None:
        session.execute(delete(table))
        session.execute(insert(table).from_select(["customer_id", "first_day"], _first_days_of(None)))
        return
    ids = sorted(c for c in customers if c)
    for i in range(0, len(ids), 900):
        chunk = ids[i : i + 900]
        session.execute(delete(table).where(table.c.customer_id.in_(chunk)))
        session.execute(insert(table).from_select(["customer_id", "first_day"], _first_days_of(chunk)))


def rebuild_rollups(session: Session, first: date | None = None, last: date | None = None) -> None:
    """Compute the rollups again from the orders, for the days ``first`` .. ``last`` (all days when None; the month
    x customer rollup for the whole months that hold them)."""
    rebuild_customer_months(session, first, last)
    for table, query, names in (
        (table_of(SalesDay), _day_aggregate(first, last), (*DAY_KEYS, *DAY_FIGURES)),
        (table_of(SalesDayVariant), _variant_aggregate(first, last), (*VARIANT_KEYS, *VARIANT_FIGURES)),
    ):
        where = []
        if first is not None:
            where.append(table.c.placed_day >= first)
        if last is not None:
            where.append(table.c.placed_day <= last)
        session.execute(delete(table).where(*where))
        session.execute(insert(table).from_select(list(names), query))
    rebuild_variant_months(session, first, last)  # from the day x variant rows just computed


def check_rollups(*, session: Session) -> list[str]:
    """The rollups equal the orders in sales, day by day (``db check``)."""
    problems: list[str] = []
    for table, query, keys, figures in (
        (table_of(SalesDay), _day_aggregate(None, None), DAY_KEYS, DAY_FIGURES),
        (table_of(SalesDayVariant), _variant_aggregate(None, None), VARIANT_KEYS, VARIANT_FIGURES),
    ):
        want = {
            tuple(row[: len(keys)]): tuple(int(x or 0) for x in row[len(keys) :])
            for row in session.execute(query).all()
        }
        have = {
            tuple(row[: len(keys)]): tuple(int(x or 0) for x in row[len(keys) :])
            for row in session.execute(select(*(table.c[k] for k in keys), *(table.c[f] for f in figures)))
            if any(row[len(keys) :])
        }
        for key in sorted(set(want) | set(have), key=repr):
            if want.get(key) != have.get(key):
                problems.append(
                    f"the sales rollup {table.name} {dict(zip(keys, map(str, key), strict=True))} holds "
                    f"{have.get(key)} but the orders give {want.get(key)} ({', '.join(figures)}); "
                    "`shoptui report refresh` rebuilds it"
                )
                if len(problems) >= 50:
                    return problems
    problems += _check_variant_months(session, 50 - len(problems))
    problems += _check_customer_months(session, 50 - len(problems))
    return problems + _check_first_days(session, 50 - len(problems))


def _check_variant_months(session: Session, room: int) -> list[str]:
    """The month x variant rollup equals the day x variant rollup summed per month (that one is proven from the
    orders above)."""
    table = table_of(SalesVariantMonth)
    problems: list[str] = []
    if room <= 0:
        return problems
    have: dict[tuple[date, int, int], tuple[int, ...]] = {}
    for month, variant, location, *figures in tuples(
        session.execute(
            select(table.c.month, table.c.variant_id, table.c.location_id, *(table.c[f] for f in VARIANT_FIGURES))
        )
    ):
        if any(figures):
            have[(_as_date(month), int(variant), int(location))] = tuple(int(x or 0) for x in figures)
    want: dict[tuple[date, int, int], tuple[int, ...]] = {}
    first, last = _placed_span(session)
    if first is not None and last is not None:
        for month in months(first, last):
            for _, variant, location, *figures in tuples(session.execute(_variant_month_aggregate(month))):
                if any(figures):
                    want[(month, int(variant), int(location))] = tuple(int(x or 0) for x in figures)
    for key in sorted(set(want) | set(have)):
        if want.get(key) != have.get(key):
            problems.append(
                f"the sales rollup {table.name} (month {key[0]:%Y-%m}, variant {key[1]}, location {key[2]}) holds "
                f"{have.get(key)} but the orders give {want.get(key)} ({', '.join(VARIANT_FIGURES)}); "
                "`shoptui report refresh` rebuilds it"
            )
            if len(problems) >= room:
                break
    return problems


def _check_first_days(session: Session, room: int) -> list[str]:
    """The first placed day per customer equals the least first day of their month rows (proven above)."""
    table = table_of(SalesCustomerFirst)
    problems: list[str] = []
    if room <= 0:
        return problems
    have = {
        int(c): None if d is None else _as_date(d)
        for c, d in tuples(session.execute(select(table.c.customer_id, table.c.first_day)))
    }
    want = {int(c): None if d is None else _as_date(d) for c, d in tuples(session.execute(_first_days_of(None)))}
    for customer in sorted(set(have) | set(want)):
        if have.get(customer) != want.get(customer):
            problems.append(
                f"the sales rollup {table.name} (customer {customer}) holds first day {have.get(customer)} but the "
                f"orders give {want.get(customer)}; `shoptui report refresh` rebuilds it"
            )
            if len(problems) >= room:
                break
    return problems


def _check_customer_months(session: Session, room: int) -> list[str]:
    """The month x customer rollup equals the orders in sales, month by month."""
    table = table_of(SalesCustomerMonth)
    problems: list[str] = []
    have: dict[tuple[date, int], tuple[Any, ...]] = {}
    for month, customer, *figures in tuples(
        session.execute(select(*(table.c[name] for name in (*CUSTOMER_KEYS, *CUSTOMER_FIGURES))))
    ):
        have[(_as_date(month), int(customer))] = _customer_figures(figures)
    first, last = _placed_span(session)
    want: dict[tuple[date, int], tuple[Any, ...]] = {}
    if first is not None and last is not None:
        for month in months(first, last):
            for _, customer, *figures in tuples(session.execute(_customer_aggregate(month))):
                want[(month, int(customer))] = _customer_figures(figures)
    for key in sorted(set(want) | set(have)):
        if want.get(key) != have.get(key):
            problems.append(
                f"the sales rollup {table.name} (month {key[0]:%Y-%m}, customer {key[1]}) holds {have.get(key)} but "
                f"the orders give {want.get(key)} ({', '.join(CUSTOMER_FIGURES)}); `shoptui report refresh` rebuilds it"
            )
            if len(problems) >= room:
                break
    return problems


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _customer_figures(figures: list[Any]) -> tuple[Any, ...]:
    orders, net, first_day, last_day = figures
    return (
        int(orders or 0),
        int(net or 0),
        None if first_day is None else _as_date(first_day),
        None if last_day is None else _as_date(last_day),
    )
