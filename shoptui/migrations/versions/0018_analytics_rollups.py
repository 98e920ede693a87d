"""analytics rollups: sales per month x customer and per day/month x variant x location, stock moved per day/month

- ``sales_customer_month`` (the customers report): see below; ``sales_customer_first``: each customer's first
  placed day in sales (the least first day of their month rows), and a covering index of the month rollup.
- ``sales_day_variant`` gains the order's stock location (``location_id``, 0: none named; part of the key), with the
  covering (variant, day, figures) index 0019_breakdown_indexes makes (also the last day a variant sold);
  ``sales_variant_month`` sums it per store-local month (the products and stock reports). Both computed afresh
  from the orders (the old day rollup is dropped; the downgrade computes the old shape again).
- ``stock_move_rollup``: the ledger's ``sum(quantity)`` per UTC day and per UTC month (``span``), variant and
  location (the stock report's stock on a past day), computed from the movements one UTC day at a time through
  the (kind, at) index.

Revision ID: 0018_analytics_rollups
Revises: 0017_staff
Create Date: 2026-12-08 01:00:00

``sales_customer_month`` holds, per store-local month (its first day) and customer (0: the guests' orders), the
orders in sales (not cancelled, not open and unpaid), their net (lines after discounts) and the first and last
placed day among them (services/orders/rollups.py keeps it; ``db check`` proves it). Filled from the orders one
month at a time through the placed-day index. Idempotent: a store rewound to 0017 and upgraded again computes the
table afresh.
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from alembic import op

from shoptui.models._types import UTCDateTime

revision: str = "0018_analytics_rollups"
down_revision: str | None = "0017_staff"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_IN_SALES = "status <> 'cancelled' AND NOT (status = 'open' AND payment_status = 'unpaid')"


def _day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


_VARIANT_FIGURES = ("orders", "units", "gross_minor", "net_minor", "cost_minor")
_VARIANT_INDEX = "ix_sales_day_variant_variant"
_NEW_TABLES = (
    "sales_customer_first",
    "sales_customer_month",
    "sales_variant_month",
    "stock_move_rollup",
)


def _months(bind: sa.Connection) -> list[tuple[date, date]]:
    """(first day, first day of the next) of each month from the first placed day's to the last's."""
    first, last = bind.execute(sa.text("SELECT min(placed_day), max(placed_day) FROM sales_order")).one()
    out: list[tuple[date, date]] = []
    if first is None or last is None:
        return out
    month, end = _day(first).replace(day=1), _day(last)
    while month <= end:
        following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
        out.append((month, following))
        month = following
    return out


def _day_variant(bind: sa.Connection, *, located: bool) -> None:
    """(Re)create ``sales_day_variant`` in its new shape (``located``) or its 0014 shape, filled from the orders one
    month at a time. Its covering (variant, day, figures) index (the one 0019_breakdown_indexes makes, whichever of
    the two runs first) is made with the new shape, and with the old one only when the table had it."""
    inspector = sa.inspect(bind)
    had_index = False
    if "sales_day_variant" in set(inspector.get_table_names()):
        had_index = _VARIANT_INDEX in {ix["name"] for ix in inspector.get_indexes("sales_day_variant")}
        op.drop_table("sales_day_variant")
    keys = ["placed_day", "variant_id", *(["location_id"] if located else [])]
    figures = list(_VARIANT_FIGURES)
    op.create_table(
        "sales_day_variant",
        sa.Column("placed_day", sa.Date(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in keys[1:]),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in figures),
        sa.PrimaryKeyConstraint(*keys),
    )
    if located or had_index:
        op.create_index(_VARIANT_INDEX, "sales_day_variant", ["variant_id", "placed_day", *_VARIANT_FIGURES])
    where = "o.status <> 'cancelled' AND NOT (o.status = 'open' AND o.payment_status = 'unpaid')"
    location = ["coalesce(o.location_id, 0)"] if located else []
    fill = sa.text(
        f"INSERT INTO sales_day_variant ({', '.join(keys + figures)}) "
        f"SELECT o.placed_day, coalesce(l.variant_id, 0), {''.join(c + ', ' for c in location)}count(DISTINCT o.id), "
        "sum(l.quantity), sum(l.gross_minor), sum(l.net_minor), coalesce(sum(l.quantity * l.unit_cost_minor), 0)"
        " FROM order_line l JOIN sales_order o ON o.id = l.order_id "
        f"WHERE {where} AND o.placed_day >= :month AND o.placed_day < :following "
        f"GROUP BY o.placed_day, coalesce(l.variant_id, 0){''.join(', ' + c for c in location)}"
    ).bindparams(sa.bindparam("month", type_=sa.Date()), sa.bindparam("following", type_=sa.Date()))
    for month, following in _months(bind):
        bind.execute(fill, {"month": month, "following": following})


def _variant_months(bind: sa.Connection) -> None:
    op.create_table(
        "sales_variant_month",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("variant_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in _VARIANT_FIGURES),
        sa.PrimaryKeyConstraint("month", "variant_id", "location_id"),
    )
    figures = _VARIANT_FIGURES
    fill = sa.text(
        f"INSERT INTO sales_variant_month (month, variant_id, location_id, {', '.join(figures)}) "
        f"SELECT :month, variant_id, location_id, {', '.join(f'sum({f})' for f in figures)} FROM sales_day_variant "
        "WHERE placed_day >= :month AND placed_day < :following GROUP BY variant_id, location_id"
    ).bindparams(sa.bindparam("month", type_=sa.Date()), sa.bindparam("following", type_=sa.Date()))
    for month, following in _months(bind):
        bind.execute(fill, {"month": month, "following": following})


def _stock_moves(bind: sa.Connection) -> None:
    op.create_table(
        "stock_move_rollup",
        sa.Column("span", sa.String(length=5), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("variant_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("span", "day", "variant_id", "location_id"),
    )
    kinds = [row[0] for row in bind.execute(sa.text("SELECT DISTINCT kind FROM stock_movement"))]
    first, last = bind.execute(sa.text("SELECT min(at), max(at) FROM stock_movement")).one()
    if not kinds or first is None or last is None:
        return
    moment = sa.bindparam("lo", type_=UTCDateTime()), sa.bindparam("hi", type_=UTCDateTime())
    fill_day = sa.text(
        "INSERT INTO stock_move_rollup (span, day, variant_id, location_id, quantity) "
        "SELECT 'day', :day, variant_id, location_id, sum(quantity) FROM stock_movement "
        "WHERE kind IN :kinds AND at >= :lo AND at < :hi GROUP BY variant_id, location_id"
    ).bindparams(sa.bindparam("day", type_=sa.Date()), sa.bindparam("kinds", expanding=True), *moment)
    fill_month = sa.text(
        "INSERT INTO stock_move_rollup (span, day, variant_id, location_id, quantity) "
        "SELECT 'month', :month, variant_id, location_id, sum(quantity) FROM stock_move_rollup "
        "WHERE span = 'day' AND day >= :month AND day < :following GROUP BY variant_id, location_id"
    ).bindparams(sa.bindparam("month", type_=sa.Date()), sa.bindparam("following", type_=sa.Date()))
    day, end = _moment(first).date(), _moment(last).date()
    while day <= end:
        lo = datetime.combine(day, time(), UTC)
        bind.execute(fill_day, {"day": day, "kinds": kinds, "lo": lo, "hi": lo + timedelta(days=1)})
        day += timedelta(days=1)
    month = _moment(first).date().replace(day=1)
    while month <= end:
        following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
        bind.execute(fill_month, {"month": month, "following": following})
        month = following


def _moment(value: object) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    existing = set(inspector.get_table_names())
    for name in _NEW_TABLES:  # computed again below
        if name in existing:
            op.drop_table(name)
    _day_variant(bind, located=True)
    _variant_months(bind)
    _stock_moves(bind)
    op.create_table(
        "sales_customer_month",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("net_minor", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=True),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("month", "customer_id"),
    )
    op.create_index("ix_sales_customer_month_customer", "sales_customer_month", ["customer_id", "month"])
    op.create_index(
        "ix_sales_customer_month_cover",
        "sales_customer_month",
        ["month", "customer_id", "orders", "net_minor", "last_day"],
    )
    op.create_table(
        "sales_customer_first",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("customer_id"),
    )
    op.create_index("ix_sales_customer_first_day", "sales_customer_first", ["first_day", "customer_id"])
    _customer_months(bind)
    bind.execute(
        sa.text(
            "INSERT INTO sales_customer_first (customer_id, first_day) SELECT customer_id, min(first_day) "
            "FROM sales_customer_month WHERE customer_id <> 0 GROUP BY customer_id"
        )
    )


def _customer_months(bind: sa.Connection) -> None:
    first, last = bind.execute(sa.text("SELECT min(placed_day), max(placed_day) FROM sales_order")).one()
    if first is None or last is None:
        return
    month, end = _day(first).replace(day=1), _day(last)
    fill = sa.text(
        "INSERT INTO sales_customer_month (month, customer_id, orders, net_minor, first_day, last_day) "
        "SELECT :month, coalesce(customer_id, 0), count(*), coalesce(sum(subtotal_minor + adjustments_minor), 0), "
        f"min(placed_day), max(placed_day) FROM sales_order WHERE {_IN_SALES} AND placed_day >= :month "
        "AND placed_day < :following GROUP BY coalesce(customer_id, 0)"
    ).bindparams(sa.bindparam("month", type_=sa.Date()), sa.bindparam("following", type_=sa.Date()))
    while month <= end:
        following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
        bind.execute(fill, {"month": month, "following": following})
        month = following


def downgrade() -> None:
    op.drop_index("ix_sales_customer_month_customer", table_name="sales_customer_month")
    for name in _NEW_TABLES:
        op.drop_table(name)
    _day_variant(op.get_bind(), located=False)
