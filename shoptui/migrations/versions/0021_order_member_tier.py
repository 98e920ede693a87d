"""order member tier: an order keeps the member tier its customer had when it was placed

What happens to existing data:

- ``sales_order.member_tier`` is added (text, '' for guests and customers who are not members). New orders
  get the tier code their customer had at that moment (order create, the counter, the order import), so
  ``report sales --by member-tier`` groups a sale under the tier of its day, not the customer's tier now.
- Existing orders are **backfilled from the customer's tier today** (the tier at the time of sale was not
  recorded before): an order of a member who has since moved up is reported under the new tier. Orders of
  guests and of customers who are not members stay ''.
- Run again over a store stamped back to an older revision, it keeps the column and its values (no second
  backfill overwrites the tiers kept since).

Revision ID: 0021_order_member_tier
Revises: 0020_contact_claims
Create Date: 2026-12-08 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_order_member_tier"
down_revision: str | None = "0020_contact_claims"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    if "member_tier" in {c["name"] for c in inspector.get_columns("sales_order")}:
        return  # made before (a rewound stamp): the tiers it keeps are the orders' own
    # plain ALTER TABLE on both engines: a batch copy of sales_order would drop a table others point at
    op.add_column("sales_order", sa.Column("member_tier", sa.String(length=20), server_default="", nullable=False))
    op.get_bind().execute(
        sa.text(
            "UPDATE sales_order SET member_tier = COALESCE((SELECT m.tier_code FROM member m "
            "WHERE m.customer_id = sales_order.customer_id), '') WHERE customer_id IS NOT NULL"
        )
    )


def downgrade() -> None:
    op.execute("ALTER TABLE sales_order DROP COLUMN member_tier")  # SQLite 3.35+ and PostgreSQL
