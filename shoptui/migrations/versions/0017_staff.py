"""staff: accounts, login sessions and API tokens, recovery codes, role grants, failed attempts; the store's id

Revision ID: 0017_staff
Revises: 0016_movein
Create Date: 2026-12-07 22:00:00

Every store gets a ``store_id`` setting (a random id) so that a token, a session or a backup of
another store is recognised and refused. Notifications get an ``audience`` ("owner" for security
notices). Audit lines are indexed by action (``audit list --kind security``).
"""

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

import shoptui.models._types

revision: str = '0017_staff'
down_revision: str | None = '0016_movein'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = shoptui.models._types.UTCDateTime(timezone=True)


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    # a store rewound to an earlier stamp and upgraded again keeps what it has (each part made once)
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    existing = set(inspector.get_table_names())

    if 'staff' not in existing:
        op.create_table('staff',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', _text(40), nullable=False),
        sa.Column('name_key', _text(40), nullable=False),
        sa.Column('full_name', _text(100), nullable=False),
        sa.Column('email', _text(254), nullable=False),
        sa.Column('role', _text(20), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('password_hash', _text(200), nullable=False),
        sa.Column('password_changed_at', _WHEN, nullable=False),
        sa.Column('must_change_password', sa.Boolean(), nullable=False),
        sa.Column('pin_hash', _text(200), nullable=True),
        sa.Column('totp_secret', _text(64), nullable=True),
        sa.Column('totp_pending', _text(64), nullable=True),
        sa.Column('totp_last_step', sa.Integer(), server_default='0', nullable=False),
        sa.Column('allowed_networks', _text(1000), nullable=False),
        sa.Column('failed_logins', sa.Integer(), nullable=False),
        sa.Column('locked_until', _WHEN, nullable=True),
        sa.Column('last_login_at', _WHEN, nullable=True),
        sa.Column('created_at', _WHEN, nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.CheckConstraint("role in ('owner','manager','clerk','stock_keeper')", name='ck_staff_role'),
        sa.CheckConstraint('failed_logins >= 0', name='ck_staff_failed'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name_key', name='uq_staff_name_key')
        )

    elif 'totp_last_step' not in {c['name'] for c in inspector.get_columns('staff')}:  # made by an early 0017
        with op.batch_alter_table('staff', schema=None) as batch_op:
            batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), server_default='0', nullable=False))

    if 'staff_token' not in existing:
        op.create_table('staff_token',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('kind', _text(10), nullable=False),
        sa.Column('label', _text(60), nullable=False),
        sa.Column('digest', _text(64), nullable=False),
        sa.Column('hint', _text(12), nullable=False),
        sa.Column('created_at', _WHEN, nullable=False),
        sa.Column('expires_at', _WHEN, nullable=True),
        sa.Column('revoked_at', _WHEN, nullable=True),
        sa.Column('last_used_at', _WHEN, nullable=True),
        sa.Column('address', _text(64), nullable=True),
        sa.CheckConstraint("kind in ('session','api')", name='ck_staff_token_kind'),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('digest', name='uq_staff_token_digest')
        )
        with op.batch_alter_table('staff_token', schema=None) as batch_op:
            batch_op.create_index('ix_staff_token_staff', ['staff_id', 'kind'], unique=False)

    if 'staff_recovery_code' not in existing:
        op.create_table('staff_recovery_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('digest', _text(64), nullable=False),
        sa.Column('used_at', _WHEN, nullable=True),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('staff_id', 'digest', name='uq_recovery_code')
        )

    if 'role_grant' not in existing:
        op.create_table('role_grant',
        sa.Column('role', _text(20), nullable=False),
        sa.Column('permission', _text(40), nullable=False),
        sa.Column('granted', sa.Boolean(), nullable=False),
        sa.Column('limit_minor', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('role', 'permission')
        )

    if 'auth_failure' not in existing:
        op.create_table('auth_failure',
        sa.Column('key', _text(120), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('locked_until', _WHEN, nullable=True),
        sa.Column('last_at', _WHEN, nullable=False),
        sa.PrimaryKeyConstraint('key')
        )

    if 'audience' not in {c['name'] for c in inspector.get_columns('notification')}:
        with op.batch_alter_table('notification', schema=None) as batch_op:
            batch_op.add_column(sa.Column('audience', _text(20), server_default='', nullable=False))

    if 'ix_audit_action' not in {i['name'] for i in inspector.get_indexes('audit_entry')}:
        with op.batch_alter_table('audit_entry', schema=None) as batch_op:
            batch_op.create_index('ix_audit_action', ['action', 'id'], unique=False)

    setting = sa.table('store_setting', sa.column('key', sa.String), sa.column('value', sa.JSON),
                       sa.column('updated_at', _WHEN))
    if bind.execute(sa.select(setting.c.key).where(setting.c.key == 'store_id')).first() is None:
        op.bulk_insert(setting, [{'key': 'store_id', 'value': json.loads(json.dumps(uuid.uuid4().hex)),
                                  'updated_at': datetime.now(UTC)}])


def downgrade() -> None:
    op.execute("DELETE FROM store_setting WHERE key = 'store_id'")
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_action')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('audience')
    op.drop_table('auth_failure')
    op.drop_table('role_grant')
    op.drop_table('staff_recovery_code')
    with op.batch_alter_table('staff_token', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_token_staff')
    op.drop_table('staff_token')
    op.drop_table('staff')
