"""analytics rollups: orders in sales per month x customer, for the customers report

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
from datetime import date, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0018_analytics_rollups"
down_revision: str | None = "0017_staff"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_IN_SALES = "status <> 'cancelled' AND NOT (status = 'open' AND payment_status = 'unpaid')"


def _day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    if "sales_customer_month" in set(inspector.get_table_names()):  # computed again below
        op.drop_table("sales_customer_month")
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
    op.drop_table("sales_customer_month")
