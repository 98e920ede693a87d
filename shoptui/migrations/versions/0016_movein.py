"""movein: customers keep their tags and the order history they had in the shop's previous system

Revision ID: 0016_movein
Revises: 0015_traffic
Create Date: 2026-12-07 19:00:00

``customer.tags`` (comma-separated, lower-case) and ``customer.prior_order_count`` /
``customer.prior_spent_minor``: what a Shopify or WooCommerce customers export says the customer
bought before moving in. They are kept apart from ``order_count`` / ``spent_minor``, which the
orders service keeps in step with the orders in this store, so importing the old orders as well
counts nothing twice.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016_movein'
down_revision: str | None = '0015_traffic'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a store re-run from an older stamp (the data migrations' tests do that) may have the columns already
    present = {column['name'] for column in sa.inspect(op.get_bind()).get_columns('customer')}
    wanted = [sa.Column('tags', sa.String(length=400), server_default='', nullable=False),
              sa.Column('prior_order_count', sa.Integer(), server_default='0', nullable=False),
              sa.Column('prior_spent_minor', sa.Integer(), server_default='0', nullable=False)]
    missing = [column for column in wanted if column.name not in present]
    if missing:
        with op.batch_alter_table('customer', schema=None) as batch_op:
            for column in missing:
                batch_op.add_column(column)


def downgrade() -> None:
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_column('prior_spent_minor')
        batch_op.drop_column('prior_order_count')
        batch_op.drop_column('tags')
