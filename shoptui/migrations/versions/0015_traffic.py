"""traffic: visits and bot hits read from access logs, how far each log was read, ad spend per channel and day

Revision ID: 0015_traffic
Revises: 0014_analytics
Create Date: 2026-12-07 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import shoptui.models._types

revision: str = '0015_traffic'
down_revision: str | None = '0014_analytics'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a store rewound to an earlier stamp and upgraded again keeps what it has (each table made once)
    existing = set(sa.inspect(op.get_bind()).get_table_names())

    if 'traffic_visit' not in existing:
        op.create_table('traffic_visit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('client', sa.BigInteger(), nullable=False),
        sa.Column('started_at', shoptui.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', shoptui.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('page_views', sa.Integer(), nullable=False),
        sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('host', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('utm_source', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('utm_medium', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('campaign', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('landing_page', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.CheckConstraint("source in ('search','social','email','ads','referral','direct')", name='ck_traffic_visit_source'),
        sa.CheckConstraint('page_views > 0', name='ck_traffic_visit_views'),
        sa.PrimaryKeyConstraint('id')
        )
        with op.batch_alter_table('traffic_visit', schema=None) as batch_op:
            batch_op.create_index('ix_traffic_visit_day', ['day', 'source', 'client', 'page_views'], unique=False)
            batch_op.create_index('ix_traffic_visit_seen', ['last_seen_at'], unique=False)

    if 'traffic_bot_day' not in existing:
        op.create_table('traffic_bot_day',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('hits', sa.Integer(), nullable=False),
        sa.CheckConstraint('hits >= 0', name='ck_traffic_bot_hits'),
        sa.PrimaryKeyConstraint('day')
        )

    if 'traffic_log' not in existing:
        op.create_table('traffic_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('path', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column('identity', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('head_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('head_length', sa.Integer(), nullable=False),
        sa.Column('read_to', sa.BigInteger(), nullable=False),
        sa.Column('lines', sa.BigInteger(), nullable=False),
        sa.Column('imported_at', shoptui.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint('read_to >= 0', name='ck_traffic_log_read_to'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('head_hash', 'head_length', name='uq_traffic_log_head')
        )

    if 'ad_spend' not in existing:
        op.create_table('ad_spend',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('amount_minor', sa.Integer(), nullable=False),
        sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('updated_at', shoptui.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint('amount_minor >= 0', name='ck_ad_spend_amount'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('channel', 'day', name='uq_ad_spend_channel_day')
        )


def downgrade() -> None:
    op.drop_table('ad_spend')
    op.drop_table('traffic_log')
    op.drop_table('traffic_bot_day')
    with op.batch_alter_table('traffic_visit', schema=None) as batch_op:
        batch_op.drop_index('ix_traffic_visit_seen')
        batch_op.drop_index('ix_traffic_visit_day')
    op.drop_table('traffic_visit')
