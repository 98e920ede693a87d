"""gift lines: a promotion's gift is a flag on the order line, not a title ending in "(gift)"

Revision ID: 0010_gift_lines
Revises: 0009_shell
Create Date: 2026-12-07 10:00:00

Before, a gift line was a zero-price line whose title the offers had suffixed with " (gift)". The
upgrade sets ``is_gift`` on exactly those lines and strips the suffix from their titles; the
downgrade writes the suffix back. Plain SQL with bound values only: it runs on SQLite and PostgreSQL.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011_gift_lines'
down_revision: str | None = '0010_unique_contacts'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SUFFIX = "(gift)"
_CHUNK = 1000


def _apply(statement: str, rows: list[dict[str, object]]) -> None:
    bind = op.get_bind()
    for start in range(0, len(rows), _CHUNK):
        bind.execute(sa.text(statement), rows[start:start + _CHUNK])


def upgrade() -> None:
    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_gift', sa.Boolean(), server_default=sa.false(), nullable=False))
    # the rule the app used before this revision: a zero-price line whose title ends in "(gift)"
    found = op.get_bind().execute(sa.text(
        "SELECT id, title FROM order_line WHERE unit_price_minor = 0 AND title LIKE :suffix"),
        {"suffix": f"%{_SUFFIX}"}).all()
    rows: list[dict[str, object]] = [{"id": ident, "title": str(title).removesuffix(_SUFFIX).rstrip() or title}
                                     for ident, title in found if str(title).endswith(_SUFFIX)]
    _apply("UPDATE order_line SET is_gift = :yes, title = :title WHERE id = :id",
           [{**row, "yes": True} for row in rows])


def downgrade() -> None:
    found = op.get_bind().execute(sa.text("SELECT id, title FROM order_line WHERE is_gift = :yes"), {"yes": True}).all()
    _apply("UPDATE order_line SET title = :title WHERE id = :id",
           [{"id": ident, "title": f"{title} {_SUFFIX}"[:300]} for ident, title in found])
    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.drop_column('is_gift')
