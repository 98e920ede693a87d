"""breakdown indexes: the sales report by staff, source, city, customer, tier, payment, promotion and variant
reads a year from covering indexes (issue 15)

Revision ID: 0019_breakdown_indexes
Revises: 0018_analytics_rollups
Create Date: 2026-12-08 01:00:00

- ``sales_order``: ``(placed_day, staff | source | city, status, payment_status, figures)`` replace
  ``ix_sales_order_placed`` (their prefix serves what it served), so a year is grouped day by day in index order;
  the customer index keeps its prefix ``(customer_id, created_at, id)`` and gains the day and the figures.
- ``order_payment`` / ``order_adjustment``: the order's rows by amount (payments largest first), with the method / ref and label, replace the
  ``(order_id, id)`` indexes (same prefix).
- ``sales_day_variant``: ``(variant_id, placed_day, figures)``.

Each index is made only when missing and each old one dropped only when present: a store rewound to an earlier
stamp and upgraded again keeps what it has.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0019_breakdown_indexes"
down_revision: str | None = "0018_analytics_rollups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FIGURES = [
    "status",
    "payment_status",
    "item_count",
    "gross_minor",
    "subtotal_minor",
    "adjustments_minor",
    "cost_minor",
]

# table -> (new index, columns) ... and the indexes they replace
_NEW: dict[str, list[tuple[str, list[Any]]]] = {
    "sales_order": [
        ("ix_sales_order_day_staff", ["placed_day", "created_by", *_FIGURES]),
        ("ix_sales_order_day_source", ["placed_day", "source", *_FIGURES]),
        ("ix_sales_order_day_city", ["placed_day", "ship_city", *_FIGURES]),
        ("ix_sales_order_customer_sales", ["customer_id", "created_at", "id", "placed_day", *_FIGURES]),
    ],
    "order_payment": [("ix_order_payment_amount", ["order_id", sa.text("amount_minor DESC"), "id", "method"])],
    "order_adjustment": [("ix_order_adjustment_kind", ["order_id", "kind", "amount_minor", "id", "ref", "label"])],
    "sales_day_variant": [
        (
            "ix_sales_day_variant_variant",
            ["variant_id", "placed_day", "orders", "units", "gross_minor", "net_minor", "cost_minor"],
        ),
    ],
}
_OLD: dict[str, list[tuple[str, list[Any]]]] = {
    "sales_order": [
        ("ix_sales_order_placed", ["placed_day", "status", "payment_status"]),
        ("ix_sales_order_customer", ["customer_id", "created_at", "id"]),
    ],
    "order_payment": [("ix_order_payment_order", ["order_id", "id"])],
    "order_adjustment": [("ix_order_adjustment_order", ["order_id", "id"])],
    "sales_day_variant": [],
}


def _swap(add: dict[str, list[tuple[str, list[Any]]]], drop: dict[str, list[tuple[str, list[Any]]]]) -> None:
    inspector = sa.inspect(op.get_bind())
    for table in add:
        have = {i["name"] for i in inspector.get_indexes(table)}
        for name, columns in add[table]:  # the new ones first: no moment without an index for the old prefix
            if name not in have:
                op.create_index(name, table, columns)
        for name, _columns in drop[table]:
            if name in have:
                op.drop_index(name, table_name=table)


def upgrade() -> None:
    _swap(_NEW, _OLD)


def downgrade() -> None:
    _swap(_OLD, _NEW)
