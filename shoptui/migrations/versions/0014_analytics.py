"""analytics: orders keep their sales region, province, source and UTM tags, the cost of each line when sold,
and the figures the sales reports read (placed day, gross, cost)

What happens to existing data:

- ``sales_order.ship_region`` becomes ``ship_province``, its value kept. Orders entered in the app stored the
  address's state/province there; the order import stored the file's region, else its province, and the
  two cannot be told apart afterwards. So the value stays the province, and ``sales_region`` starts empty:
  the reports place an order with no region by its province through the ``sales_regions`` setting
  (``shoptui settings set sales_regions '{"华东": ["上海", "江苏"]}'``); importing the history again with a
  region column fills it.
- ``order_line.unit_cost_minor`` is backfilled from the variant's cost today (0 when it has none or the
  line has no variant): the cost when sold was not recorded before.
- ``sales_order.placed_day`` is the day ``created_at`` falls on in the store's time zone (the ``timezone``
  setting, Asia/Shanghai by default); ``gross_minor`` and ``cost_minor`` are summed from the order's lines.
- source and UTM tags start empty.

Revision ID: 0014_analytics
Revises: 0013_az_collate
Create Date: 2026-12-07 19:00:00
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0014_analytics"
down_revision: str | None = "0013_az_collate"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHUNK = 5000


def _zone() -> ZoneInfo:
    raw = op.get_bind().execute(sa.text("SELECT value FROM store_setting WHERE key = 'timezone'")).scalar()
    if isinstance(raw, str) and raw.startswith('"'):
        raw = json.loads(raw)
    try:
        return ZoneInfo(str(raw)) if raw else ZoneInfo("Asia/Shanghai")
    except (KeyError, ValueError):  # an unknown zone: the default, as the app would read it
        return ZoneInfo("Asia/Shanghai")


def _moment(value: object) -> datetime:
    if isinstance(value, str):  # SQLite hands back text
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def upgrade() -> None:
    with op.batch_alter_table("sales_order", schema=None) as batch_op:
        batch_op.alter_column(
            "ship_region", new_column_name="ship_province", existing_type=sa.String(length=100), existing_nullable=False
        )
        batch_op.add_column(sa.Column("sales_region", sa.String(length=100), server_default="", nullable=False))
        batch_op.add_column(sa.Column("source", sa.String(length=40), server_default="", nullable=False))
        batch_op.add_column(sa.Column("utm_source", sa.String(length=100), server_default="", nullable=False))
        batch_op.add_column(sa.Column("utm_medium", sa.String(length=100), server_default="", nullable=False))
        batch_op.add_column(sa.Column("utm_campaign", sa.String(length=100), server_default="", nullable=False))
        batch_op.add_column(sa.Column("placed_day", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("gross_minor", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("cost_minor", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("order_line", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_cost_minor", sa.Integer(), server_default="0", nullable=False))
    bind = op.get_bind()
    bind.execute(
        sa.text(
            "UPDATE order_line SET unit_cost_minor = COALESCE((SELECT variant.cost_minor FROM variant "
            "WHERE variant.id = order_line.variant_id), 0)"
        )
    )
    bind.execute(
        sa.text(
            "UPDATE sales_order SET gross_minor = COALESCE((SELECT SUM(l.gross_minor) FROM order_line l "
            "WHERE l.order_id = sales_order.id), 0), cost_minor = COALESCE((SELECT SUM(l.quantity * l.unit_cost_minor) "
            "FROM order_line l WHERE l.order_id = sales_order.id), 0)"
        )
    )
    zone = _zone()
    last = 0
    while True:
        rows = bind.execute(
            sa.text("SELECT id, created_at FROM sales_order WHERE id > :last ORDER BY id LIMIT :n"),
            {"last": last, "n": _CHUNK},
        ).all()
        if not rows:
            break
        bind.execute(
            sa.text("UPDATE sales_order SET placed_day = :day WHERE id = :id"),
            [{"id": ident, "day": _moment(at).astimezone(zone).date()} for ident, at in rows],
        )
        last = rows[-1][0]
    op.create_index("ix_sales_order_placed", "sales_order", ["placed_day", "status", "payment_status"])
    op.create_index("ix_order_refund_line_order", "order_refund_line", ["order_id", "batch"])


def downgrade() -> None:
    op.drop_index("ix_order_refund_line_order", table_name="order_refund_line")
    op.drop_index("ix_sales_order_placed", table_name="sales_order")
    with op.batch_alter_table("order_line", schema=None) as batch_op:
        batch_op.drop_column("unit_cost_minor")
    with op.batch_alter_table("sales_order", schema=None) as batch_op:
        for column in (
            "cost_minor",
            "gross_minor",
            "placed_day",
            "utm_campaign",
            "utm_medium",
            "utm_source",
            "source",
            "sales_region",
        ):
            batch_op.drop_column(column)
        batch_op.alter_column(
            "ship_province", new_column_name="ship_region", existing_type=sa.String(length=100), existing_nullable=False
        )
