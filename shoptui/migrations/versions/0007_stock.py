"""stock: further customer contacts (kept by member merge); tier benefits that did nothing removed

Revision ID: 0007_stock
Revises: 0006_marketing
Create Date: 2026-12-07 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import shoptui.models._types

revision: str = '0007_stock'
down_revision: str | None = '0006_marketing'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('customer_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('added_at', shoptui.models._types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'value', name='uq_customer_contact')
    )
    with op.batch_alter_table('customer_contact', schema=None) as batch_op:
        batch_op.create_index('ix_customer_contact_customer', ['customer_id', 'id'], unique=False)
    # "early access" and "pre-sale" tier benefits were stored and shown but enforced nowhere
    with op.batch_alter_table('member_tier', schema=None) as batch_op:
        batch_op.drop_column('early_access')
        batch_op.drop_column('presale_access')


def downgrade() -> None:
    with op.batch_alter_table('member_tier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('presale_access', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('early_access', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('customer_contact', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_contact_customer')
    op.drop_table('customer_contact')
