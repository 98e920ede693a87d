"""contact claims: a phone or email is one customer's across the customer row and its further contacts

Revision ID: 0020_contact_claims
Revises: 0019_breakdown_indexes
Create Date: 2026-12-08 01:10:00

A customer's primary phone and email are unique on ``customer`` and its further ones (kept by a
merge) on ``customer_contact``, but nothing made a value unique *across* the two: on PostgreSQL a
merge keeping a phone as a further contact and another terminal adding a customer with the same
phone could both commit. ``contact_claim`` holds one row per (kind, value) with its holder, filled
by triggers on both tables, so the key decides whatever path wrote the row (services, imports, bulk
paths). A clash raises a unique violation named after the index the writer knows
(``uq_customer_phone``, ``uq_customer_email``, ``uq_customer_contact``), which the services already
turn into their "already belongs to" sentence. The triggers are the store's own (SQLite and
PostgreSQL each in their own dialect); existing rows are claimed once when the table is made.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0020_contact_claims'
down_revision: str | None = '0019_breakdown_indexes'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ("phone", "email")
_SQLITE_TRIGGERS = [f"contact_claim_customer_{kind}_{event}" for kind in KINDS for event in ("ai", "au", "ad")] + \
    [f"contact_claim_contact_{event}" for event in ("ai", "au", "ad")]


# ---------------------------------------------------------------- SQLite: the same rule as statements


def _sqlite_take(kind: str, value: str, owner: str, guard: str) -> str:
    """Claim ``value`` for ``owner`` (a further row of the same holder counts up); another holder aborts with
    the message SQLite gives for a unique index, naming ``guard`` (``store.unique.violated`` reads it)."""
    return (f"INSERT INTO contact_claim (kind, value, customer_id, refs) SELECT {kind}, {value}, {owner}, 1 "
            f"WHERE {value} IS NOT NULL "
            "ON CONFLICT (kind, value) DO UPDATE SET refs = refs + 1 WHERE customer_id = excluded.customer_id; "
            f"SELECT RAISE(ABORT, 'UNIQUE constraint failed: index ''{guard}''') FROM contact_claim "
            f"WHERE kind = {kind} AND value = {value} AND customer_id <> {owner}; ")


def _sqlite_drop(kind: str, value: str, owner: str) -> str:
    return (f"UPDATE contact_claim SET refs = refs - 1 WHERE kind = {kind} AND value = {value} "
            f"AND customer_id = {owner}; "
            f"DELETE FROM contact_claim WHERE kind = {kind} AND value = {value} AND refs <= 0; ")


def _sqlite_triggers() -> list[str]:
    out = []
    for kind in KINDS:
        k, guard = f"'{kind}'", f"uq_customer_{kind}"
        out += [
            f"CREATE TRIGGER IF NOT EXISTS contact_claim_customer_{kind}_ai AFTER INSERT ON customer "
            f"WHEN NEW.{kind} IS NOT NULL BEGIN {_sqlite_take(k, f'NEW.{kind}', 'NEW.id', guard)}END",
            f"CREATE TRIGGER IF NOT EXISTS contact_claim_customer_{kind}_au AFTER UPDATE OF {kind}, id ON customer "
            f"WHEN OLD.{kind} IS NOT NEW.{kind} OR OLD.id IS NOT NEW.id BEGIN "
            f"{_sqlite_drop(k, f'OLD.{kind}', 'OLD.id')}{_sqlite_take(k, f'NEW.{kind}', 'NEW.id', guard)}END",
            f"CREATE TRIGGER IF NOT EXISTS contact_claim_customer_{kind}_ad AFTER DELETE ON customer "
            f"WHEN OLD.{kind} IS NOT NULL BEGIN {_sqlite_drop(k, f'OLD.{kind}', 'OLD.id')}END",
        ]
    guard = "uq_customer_contact"
    out += [
        "CREATE TRIGGER IF NOT EXISTS contact_claim_contact_ai AFTER INSERT ON customer_contact BEGIN "
        f"{_sqlite_take('NEW.kind', 'NEW.value', 'NEW.customer_id', guard)}END",
        "CREATE TRIGGER IF NOT EXISTS contact_claim_contact_au AFTER UPDATE OF kind, value, customer_id "
        "ON customer_contact BEGIN "
        f"{_sqlite_drop('OLD.kind', 'OLD.value', 'OLD.customer_id')}"
        f"{_sqlite_take('NEW.kind', 'NEW.value', 'NEW.customer_id', guard)}END",
        "CREATE TRIGGER IF NOT EXISTS contact_claim_contact_ad AFTER DELETE ON customer_contact BEGIN "
        f"{_sqlite_drop('OLD.kind', 'OLD.value', 'OLD.customer_id')}END",
    ]
    return out


# ---------------------------------------------------------------- PostgreSQL: functions and row triggers

_PG_FUNCTIONS = [
    """CREATE OR REPLACE FUNCTION contact_claim_take(p_kind text, p_value text, p_owner integer, p_guard text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE holder integer;
BEGIN
  IF p_value IS NULL THEN RETURN; END IF;
  -- an insert meeting a claim another transaction has not committed waits for it (the unique key decides)
  INSERT INTO contact_claim AS c (kind, value, customer_id, refs) VALUES (p_kind, p_value, p_owner, 1)
  ON CONFLICT (kind, value) DO UPDATE SET refs = c.refs + 1 WHERE c.customer_id = EXCLUDED.customer_id
  RETURNING c.customer_id INTO holder;
  IF holder IS NULL THEN
    RAISE EXCEPTION 'duplicate key value violates unique constraint "%"', p_guard
      USING ERRCODE = 'unique_violation', CONSTRAINT = p_guard,
            DETAIL = format('Key (%s)=(%s) already exists.', p_kind, p_value);
  END IF;
END $$""",
    """CREATE OR REPLACE FUNCTION contact_claim_drop(p_kind text, p_value text, p_owner integer)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF p_value IS NULL THEN RETURN; END IF;
  UPDATE contact_claim SET refs = refs - 1 WHERE kind = p_kind AND value = p_value AND customer_id = p_owner;
  DELETE FROM contact_claim WHERE kind = p_kind AND value = p_value AND refs <= 0;
END $$""",
    """CREATE OR REPLACE FUNCTION contact_claim_customer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM contact_claim_drop('phone', OLD.phone, OLD.id);
    PERFORM contact_claim_drop('email', OLD.email, OLD.id);
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    IF OLD.phone IS DISTINCT FROM NEW.phone OR OLD.id <> NEW.id THEN
      PERFORM contact_claim_drop('phone', OLD.phone, OLD.id);
      PERFORM contact_claim_take('phone', NEW.phone, NEW.id, 'uq_customer_phone');
    END IF;
    IF OLD.email IS DISTINCT FROM NEW.email OR OLD.id <> NEW.id THEN
      PERFORM contact_claim_drop('email', OLD.email, OLD.id);
      PERFORM contact_claim_take('email', NEW.email, NEW.id, 'uq_customer_email');
    END IF;
    RETURN NULL;
  END IF;
  PERFORM contact_claim_take('phone', NEW.phone, NEW.id, 'uq_customer_phone');
  PERFORM contact_claim_take('email', NEW.email, NEW.id, 'uq_customer_email');
  RETURN NULL;
END $$""",
    """CREATE OR REPLACE FUNCTION contact_claim_contact() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM contact_claim_drop(OLD.kind, OLD.value, OLD.customer_id);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM contact_claim_take(NEW.kind, NEW.value, NEW.customer_id, 'uq_customer_contact');
  END IF;
  RETURN NULL;
END $$""",
]
_PG_TRIGGERS = {
    "contact_claim_customer": "AFTER INSERT OR UPDATE OF phone, email, id OR DELETE ON customer "
                              "FOR EACH ROW EXECUTE FUNCTION contact_claim_customer()",
    "contact_claim_contact": "AFTER INSERT OR UPDATE OF kind, value, customer_id OR DELETE ON customer_contact "
                             "FOR EACH ROW EXECUTE FUNCTION contact_claim_contact()",
}
_PG_TABLES = {"contact_claim_customer": "customer", "contact_claim_contact": "customer_contact"}


def upgrade() -> None:
    bind = op.get_bind()
    made = 'contact_claim' not in set(sa.inspect(bind).get_table_names())
    if made:
        op.create_table('contact_claim',
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('value', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('refs', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'value')
        )
        # existing values, primary ones first: a further contact that another customer also holds (written
        # by a race before this revision) stays unclaimed, and db check names it
        for kind in KINDS:
            op.execute(f"INSERT INTO contact_claim (kind, value, customer_id, refs) SELECT '{kind}', {kind}, id, 1 "
                       f"FROM customer WHERE {kind} IS NOT NULL ON CONFLICT (kind, value) DO NOTHING")
        op.execute("INSERT INTO contact_claim (kind, value, customer_id, refs) "
                   "SELECT kind, value, customer_id, 1 FROM customer_contact WHERE true "
                   "ON CONFLICT (kind, value) DO UPDATE SET refs = contact_claim.refs + 1 "
                   "WHERE contact_claim.customer_id = excluded.customer_id")
    if bind.dialect.name == "postgresql":
        for statement in _PG_FUNCTIONS:
            op.execute(statement)
        for name, spec in _PG_TRIGGERS.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {_PG_TABLES[name]}")
            op.execute(f"CREATE TRIGGER {name} {spec}")
    else:
        for statement in _sqlite_triggers():
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, table in _PG_TABLES.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for function in ("contact_claim_customer()", "contact_claim_contact()",
                         "contact_claim_take(text, text, integer, text)", "contact_claim_drop(text, text, integer)"):
            op.execute(f"DROP FUNCTION IF EXISTS {function}")
    else:
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table('contact_claim')
