"""az_collate: on PostgreSQL the A-Z indexes fold ASCII only and sort by code point, as on SQLite;
a character index serves search words of 1-2 characters

The A-Z lists sort by ``lower(x COLLATE "C")`` on PostgreSQL (``shoptui.store.matching.folded``):
the database's own locale would fold É and sort "apple juice" after "applejuice", unlike SQLite.
The indexes follow the expression so the keyset pages still walk them. Nothing changes on SQLite.

Revision ID: 0013_az_collate
Revises: 0012_e164_phones
Create Date: 2026-12-07 16:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013_az_collate'
down_revision: str | None = '0012_e164_phones'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXES = (
    ('ix_product_title', 'product', ('{}', 'id'), 'title'),
    ('ix_product_status_title', 'product', ('status', '{}', 'id'), 'title'),
    ('ix_product_category', 'product', ('category_id', '{}', 'id'), 'title'),
    ('ix_customer_name_lower', 'customer', ('{}', 'id'), 'name'),
)


def _rebuild(expression: str) -> None:
    for name, table, columns, column in _INDEXES:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, [sa.text(expression.format(column)) if c == '{}' else c for c in columns])


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        _rebuild('lower(({}) COLLATE "C")')
        # words of 1-2 characters (CJK): pg_trgm needs 3, so a GIN index over the characters of the text
        # finds the rows holding all of a word's characters (shoptui.store.search.text_characters)
        op.execute("CREATE INDEX IF NOT EXISTS ix_product_search_chars ON product_search USING gin (string_to_array(text, NULL))")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP INDEX IF EXISTS ix_product_search_chars")
        _rebuild('lower({})')
