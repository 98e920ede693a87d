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
- the sales rollups ``sales_day`` and ``sales_day_variant`` are filled from the orders in sales.

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
_DAY_FIGURES = ("orders", "units", "gross_minor", "net_minor", "cost_minor", "shipping_minor", "tax_minor")
_VARIANT_FIGURES = ("orders", "units", "gross_minor", "net_minor", "cost_minor")


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
    # plain ALTER TABLE on both engines (SQLite 3.25+ renames, adds): a batch copy of sales_order would drop a
    # table other tables' foreign keys point at. Each step is skipped when already done (a store stamped back
    # to an older revision over a newer schema upgrades again without harm).
    inspector = sa.inspect(op.get_bind())
    have = {c["name"] for c in inspector.get_columns("sales_order")}
    if "ship_region" in have and "ship_province" not in have:
        op.execute("ALTER TABLE sales_order RENAME COLUMN ship_region TO ship_province")
    wanted = [
        sa.Column(name, sa.String(length=length), server_default="", nullable=False)
        for name, length in (
            ("sales_region", 100),
            ("source", 40),
            ("utm_source", 100),
            ("utm_medium", 100),
            ("utm_campaign", 100),
        )
    ]
    wanted += [
        sa.Column("placed_day", sa.Date(), nullable=True),
        sa.Column("gross_minor", sa.Integer(), server_default="0", nullable=False),
        sa.Column("cost_minor", sa.Integer(), server_default="0", nullable=False),
    ]
    for column in wanted:
        if column.name not in have:
            op.add_column("sales_order", column)
    if "unit_cost_minor" not in {c["name"] for c in inspector.get_columns("order_line")}:
        op.add_column("order_line", sa.Column("unit_cost_minor", sa.Integer(), server_default="0", nullable=False))
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
            sa.text("UPDATE sales_order SET placed_day = :day WHERE id = :id").bindparams(
                sa.bindparam("day", type_=sa.Date())
            ),
            [{"id": ident, "day": _moment(at).astimezone(zone).date()} for ident, at in rows],
        )
        last = rows[-1][0]
    indexes = {ix["name"] for table in ("sales_order", "order_refund_line") for ix in inspector.get_indexes(table)}
    if "ix_sales_order_placed" not in indexes:
        op.create_index("ix_sales_order_placed", "sales_order", ["placed_day", "status", "payment_status"])
    if "ix_order_refund_line_order" not in indexes:
        op.create_index("ix_order_refund_line_order", "order_refund_line", ["order_id", "batch"])
    tables = set(inspector.get_table_names())
    if "sales_day" in tables:  # computed again below
        op.drop_table("sales_day_variant")
        op.drop_table("sales_day")
    # the sales rollups (services/orders/rollups.py), filled from the orders in sales
    op.create_table(
        "sales_day",
        sa.Column("placed_day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("sales_region", sa.String(length=100), nullable=False),
        sa.Column("ship_province", sa.String(length=100), nullable=False),
        sa.Column("ship_country", sa.String(length=2), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in _DAY_FIGURES),
        sa.PrimaryKeyConstraint("placed_day", "channel", "sales_region", "ship_province", "ship_country"),
    )
    op.create_table(
        "sales_day_variant",
        sa.Column("placed_day", sa.Date(), nullable=False),
        sa.Column("variant_id", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in _VARIANT_FIGURES),
        sa.PrimaryKeyConstraint("placed_day", "variant_id"),
    )
    in_sales = "o.status <> 'cancelled' AND NOT (o.status = 'open' AND o.payment_status = 'unpaid')"
    bind.execute(
        sa.text(
            "INSERT INTO sales_day (placed_day, channel, sales_region, ship_province, ship_country, orders, units, "
            "gross_minor, net_minor, cost_minor, shipping_minor, tax_minor) "
            "SELECT o.placed_day, o.channel, o.sales_region, o.ship_province, o.ship_country, count(*), "
            "sum(o.item_count), sum(o.gross_minor), sum(o.subtotal_minor + o.adjustments_minor), sum(o.cost_minor), "
            f"sum(o.shipping_minor), sum(o.tax_minor) FROM sales_order o WHERE {in_sales} AND o.placed_day IS NOT NULL "
            "GROUP BY o.placed_day, o.channel, o.sales_region, o.ship_province, o.ship_country"
        )
    )
    bind.execute(
        sa.text(
            "INSERT INTO sales_day_variant (placed_day, variant_id, orders, units, gross_minor, net_minor, cost_minor) "
            "SELECT o.placed_day, coalesce(l.variant_id, 0), count(DISTINCT o.id), sum(l.quantity), sum(l.gross_minor), "
            "sum(l.net_minor), sum(l.quantity * l.unit_cost_minor) FROM order_line l JOIN sales_order o ON o.id = l.order_id "
            f"WHERE {in_sales} AND o.placed_day IS NOT NULL GROUP BY o.placed_day, coalesce(l.variant_id, 0)"
        )
    )


def downgrade() -> None:
    op.drop_table("sales_day_variant")
    op.drop_table("sales_day")
    op.drop_index("ix_order_refund_line_order", table_name="order_refund_line")
    op.drop_index("ix_sales_order_placed", table_name="sales_order")
    op.execute("ALTER TABLE order_line DROP COLUMN unit_cost_minor")  # SQLite 3.35+ and PostgreSQL
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
        op.execute(f"ALTER TABLE sales_order DROP COLUMN {column}")
    op.execute("ALTER TABLE sales_order RENAME COLUMN ship_province TO ship_region")
