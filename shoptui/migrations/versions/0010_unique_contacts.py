"""unique contacts: a phone or email belongs to one customer (and so to one member), by the database

The rule was kept by a read-then-write check, which SQLite's single writer makes safe and
PostgreSQL does not (two tills adding the same phone at once both saw it free). The plain indexes on
``customer.phone`` and ``customer.email`` become unique ones. They are not partial: both engines let
any number of rows hold NULL in a unique index, and a merged customer's phone and email are cleared
(kept in ``customer_contact``, which is unique on (kind, value) already), so "not null, not merged"
is what a plain unique index enforces; a plain index also keeps serving every lookup by phone.

Settings and idempotency keys are primary keys, and SKUs, barcodes, coupon codes, gift codes,
location codes and supplier names have unique constraints already; their racing writes are handled
in the services (``store/unique.py``).

A store that already holds the same phone or email on several customers is refused, naming them,
with what to do (merge them or change one); nothing is changed then.

Revision ID: 0010_unique_contacts
Revises: 0009_shell
Create Date: 2026-12-07 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shoptui.errors import Conflict

revision: str = '0010_unique_contacts'
down_revision: str | None = '0009_shell'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FIELDS = ('phone', 'email')
_SHOWN = 5


def _refuse_duplicates() -> None:
    problems: list[str] = []
    for field in _FIELDS:
        rows = op.get_bind().execute(sa.text(
            f"SELECT {field}, id FROM customer WHERE {field} IN "
            f"(SELECT {field} FROM customer WHERE {field} IS NOT NULL GROUP BY {field} HAVING count(*) > 1) "
            f"ORDER BY {field}, id")).all()
        holders: dict[str, list[int]] = {}
        for value, customer_id in rows:
            holders.setdefault(str(value), []).append(int(str(customer_id)))
        for value, ids in list(holders.items())[:_SHOWN]:
            problems.append(f"{field} {value}: customers {', '.join(f'#{i}' for i in ids)}")
        if len(holders) > _SHOWN:
            problems.append(f"and {len(holders) - _SHOWN} more {field}s")
    if problems:
        raise Conflict("The store cannot be upgraded: a phone or email must belong to one customer, but "
                       f"{'; '.join(problems)}. Merge each group into one with 'shoptui member merge' (or give "
                       "the others another phone or email with 'shoptui customer edit'), then upgrade again.")


def upgrade() -> None:
    _refuse_duplicates()
    for field in _FIELDS:
        op.drop_index(f'ix_customer_{field}', table_name='customer')
        op.create_index(f'uq_customer_{field}', 'customer', [field], unique=True)


def downgrade() -> None:
    for field in _FIELDS:
        op.drop_index(f'uq_customer_{field}', table_name='customer')
        op.create_index(f'ix_customer_{field}', 'customer', [field])
