"""e164 phones: phones stored before E.164 (national forms) rewritten in E.164

Revision ID: 0011_e164_phones
Revises: 0010_gift_lines
Create Date: 2026-12-07 10:10:00

Customers, their further contacts and addresses, and the contact columns of orders may still hold a
phone as it was typed before the shop stored E.164 (``13800138000``, ``013800138000``). This data
migration reads each in the store's country (the ``country`` setting, as the app does) with
``phonenumbers`` directly, so it keeps working whatever the app's code becomes, and writes the E.164
form. A value that is not a valid number is left as it is and counted in the log. A further contact
whose E.164 form another row of ``customer_contact`` already holds is dropped when it is the same
customer's (it was a duplicate), left as it is otherwise (the unique index would refuse it).
The downgrade changes nothing: E.164 is a form the older code reads too.
"""

import json
import logging
import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012_e164_phones'
down_revision: str | None = '0011_gift_lines'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

_DEFAULT_COUNTRY = "CN"  # the ``country`` setting's default when a store never set it
_TEXT = re.compile(r"\+?[0-9][0-9\s\-().\u00a0/]*")
_SEPARATORS = re.compile(r"[\s\-().\u00a0/]")
_CHUNK = 1000
# (table, column): every column that holds a customer's phone (further phones: customer_contact, below)
_COLUMNS = (("customer", "phone"), ("customer_address", "phone"), ("sales_order", "customer_phone"),
            ("sales_order", "ship_phone"))


def _region(bind: sa.engine.Connection) -> str:
    raw = bind.execute(sa.text("SELECT value FROM store_setting WHERE key = 'country'")).scalar()
    if raw is None:
        return _DEFAULT_COUNTRY
    value = json.loads(raw) if isinstance(raw, str) and raw.startswith('"') else raw
    return str(value or _DEFAULT_COUNTRY).strip().upper()


def e164(raw: str, region: str) -> str | None:
    """``raw`` in E.164 read in ``region`` (``+`` or ``00`` for another country), or None when not a valid number."""
    import phonenumbers

    value = unicodedata.normalize("NFKC", raw or "").strip()
    if not value or not _TEXT.fullmatch(value):
        return None
    compact = _SEPARATORS.sub("", value)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    try:
        number = phonenumbers.parse(compact, region or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def _update(bind: sa.engine.Connection, statement: str, rows: list[dict[str, object]]) -> None:
    for start in range(0, len(rows), _CHUNK):
        bind.execute(sa.text(statement), rows[start:start + _CHUNK])


def upgrade() -> None:
    bind = op.get_bind()
    region = _region(bind)
    forms: dict[str, str | None] = {}  # value -> its E.164 form (None: not a number), each parsed once

    def read(value: str) -> str | None:
        if value not in forms:
            forms[value] = e164(value, region)
        return forms[value]

    changed = left = 0
    for table, column in _COLUMNS:
        rows = bind.execute(sa.text(f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL AND {column} <> ''"))
        updates = []
        for ident, value in rows:
            new = read(str(value))
            if new is None:
                left += 1
            elif new != value:
                updates.append({"id": ident, "value": new})
        _update(bind, f"UPDATE {table} SET {column} = :value WHERE id = :id", updates)
        changed += len(updates)
    # further phones: unique by (kind, value), so a form another row already holds is not written twice
    held = {value: customer for value, customer in bind.execute(sa.text(
        "SELECT value, customer_id FROM customer_contact WHERE kind = 'phone'"))}
    dropped = clashes = 0
    for ident, customer, value in bind.execute(sa.text(
            "SELECT id, customer_id, value FROM customer_contact WHERE kind = 'phone' ORDER BY id")).all():
        new = read(str(value))
        if new is None:
            left += 1
            continue
        if new == value:
            continue
        if new in held:
            if held[new] == customer:
                bind.execute(sa.text("DELETE FROM customer_contact WHERE id = :id"), {"id": ident})
                dropped += 1
            else:
                clashes += 1
            continue
        bind.execute(sa.text("UPDATE customer_contact SET value = :value WHERE id = :id"), {"id": ident, "value": new})
        del held[value]
        held[new] = customer
        changed += 1
    log.info("Phones in E.164 (read in %s): %d rewritten, %d left as they are (not a valid number), "
             "%d duplicate further phones dropped, %d further phones left (another customer holds the number).",
             region, changed, left, dropped, clashes)


def downgrade() -> None:
    pass
