"""The pricing stamp: the store renews it on every write to the tables the promotions cache reads.

Pricing keeps the running promotions in memory while ``store_setting['pricing_stamp']`` holds the
value it loaded them under (``services/pricing/terms.py``). Nobody has to remember to renew it: an
``after_execute`` hook on every engine sees each INSERT, UPDATE and DELETE of ``promotion``,
``coupon`` and ``coupon_code`` - from an ORM flush, ``session.execute(update(...))`` or a Core bulk
statement on the connection alike - and writes a fresh stamp on the same connection, inside the
same transaction, so the next price read (in this transaction or any later one) reloads.

Two refinements keep it cheap and right:
- counting a use (an UPDATE that sets only ``used_count``, once per sale) is no change of terms:
  pricing reads usage counts live, so the cache stays;
- a change of a promotion that does not set ``updated_at`` (a bulk statement) gets a stamp that
  starts with ``RELOAD_MARK``: pricing then reads every active promotion whole again instead of
  only those whose ``updated_at`` moved.
Raw SQL text and driver-level statements are not seen: write these tables through SQLAlchemy.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import Engine, Table, event, insert, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import Delete, Insert, Update, UpdateBase

from shoptui import clock

STAMP_KEY = "pricing_stamp"
WATCHED = frozenset({"promotion", "coupon", "coupon_code"})  # what the pricing cache depends on
COUNTERS = frozenset({"used_count"})  # read live by pricing: counting a use keeps the cache
RELOAD_MARK = "reload:"


def _setting_table() -> Table:
    from shoptui.models._types import table_of
    from shoptui.models.store import StoreSetting

    return table_of(StoreSetting)


def bump(connection: Connection, *, reload: bool = False) -> str:
    """Write a fresh stamp (``reload``: pricing must read every promotion whole again); returns it."""
    table = _setting_table()
    value = (RELOAD_MARK if reload else "") + secrets.token_hex(8)
    now = clock.now()
    changed = connection.execute(update(table).where(table.c.key == STAMP_KEY).values(value=value, updated_at=now))
    if not changed.rowcount:
        connection.execute(insert(table).values(key=STAMP_KEY, value=value, updated_at=now))
    return value


def _set_columns(statement: Update, multiparams: Any, params: Any) -> set[str]:
    """The names of the columns an UPDATE sets: its own ``values()`` plus those its parameters carry."""
    names = {str(getattr(key, "key", key)) for key in (statement._values or {})}
    given = multiparams[0] if isinstance(multiparams, list | tuple) and multiparams else (multiparams or params)
    if isinstance(given, list | tuple):
        given = given[0] if given else {}
    if isinstance(given, dict):
        names.update(key for key in given if key in statement.table.c)
    return names


def _after_execute(connection: Connection, statement: Any, multiparams: Any, params: Any,
                   execution_options: Any, result: Any) -> None:
    if not isinstance(statement, UpdateBase) or not isinstance(statement, Insert | Update | Delete):
        return
    name = getattr(getattr(statement, "table", None), "name", None)
    if name not in WATCHED:
        return
    reload = False
    if isinstance(statement, Update):
        columns = _set_columns(statement, multiparams, params)
        if columns and columns <= COUNTERS:
            return
        reload = name == "promotion" and "updated_at" not in columns
    bump(connection, reload=reload)


def watch(engine: Engine) -> None:
    """Renew the stamp on every write through ``engine`` to the watched tables (``db.get_engine`` calls it)."""
    if not event.contains(engine, "after_execute", _after_execute):
        event.listen(engine, "after_execute", _after_execute)
