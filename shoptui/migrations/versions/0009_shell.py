"""shell: out-of-stock alert flag on stock levels; case-insensitive A-Z indexes for the name sorts

Revision ID: 0009_shell
Revises: 0008_cli
Create Date: 2026-12-07 06:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009_shell'
down_revision: str | None = '0008_cli'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PRODUCT_INDEXES = (
    ('ix_product_title', ('lower(title)', 'id')),
    ('ix_product_status_title', ('status', 'lower(title)', 'id')),
    ('ix_product_category', ('category_id', 'lower(title)', 'id')),
)


def upgrade() -> None:
    with op.batch_alter_table('stock_level', schema=None) as batch_op:
        batch_op.add_column(sa.Column('alerted_out', sa.Boolean(), server_default=sa.false(), nullable=False))
    # a level already alerted with nothing available has had its out-of-stock alert (as "out of stock")
    op.execute("UPDATE stock_level SET alerted_out = alerted WHERE on_hand - committed <= 0")
    # A-Z lists sort by lower(title) / lower(name), so the keyset pages walk these indexes
    for name, columns in _PRODUCT_INDEXES:
        op.drop_index(name, table_name='product')
        op.create_index(name, 'product', [sa.text(c) if c.startswith('lower(') else c for c in columns])
    op.create_index('ix_customer_name_lower', 'customer', [sa.text('lower(name)'), 'id'])


def downgrade() -> None:
    op.drop_index('ix_customer_name_lower', table_name='customer')
    for name, columns in _PRODUCT_INDEXES:
        op.drop_index(name, table_name='product')
        op.create_index(name, 'product', [c.replace('lower(title)', 'title') for c in columns])
    with op.batch_alter_table('stock_level', schema=None) as batch_op:
        batch_op.drop_column('alerted_out')
