"""Scratch tables: temporary tables a big import fills and reads back inside its transaction.

An import of any size keeps what it learns about each line and each order here rather than in
Python objects, so its memory does not grow with the file. The tables are the connection's own
(``CREATE TEMPORARY TABLE``), never seen by other connections, and dropped when the block ends (a
rollback drops them too). On SQLite the store's connections keep temporary storage in memory
(``PRAGMA temp_store = MEMORY``, for small sorts); a scratch table of millions of rows would live
there, so the connection writes temporary storage to files while it holds scratch tables (their
pages, and the sorts that read them back, stay within SQLite's small temporary cache), and goes back
to memory when the pool takes the connection back (the setting cannot change inside a transaction).
PostgreSQL keeps temporary tables in its own buffers and spills them to disk by itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

from sqlalchemy import Table
from sqlalchemy.exc import DBAPIError

_RESTORE = "shoptui_temp_store"  # connection record info: the temp_store to put back at check-in


@contextmanager
def scratch_tables(conn: Any, tables: Sequence[Table]) -> Iterator[None]:
    """Create ``tables`` (each made with ``prefixes=["TEMPORARY"]``) for the length of the block, then drop them."""
    if conn.dialect.name == "sqlite":
        _temporary_storage_on_disk(conn)
    for table in tables:
        table.create(conn)
    try:
        yield
    finally:  # a failed PostgreSQL transaction refuses the drop: its rollback drops them anyway
        with suppress(DBAPIError):
            for table in reversed(tables):
                table.drop(conn)


def _temporary_storage_on_disk(conn: Any) -> None:
    before = int(conn.exec_driver_sql("PRAGMA temp_store").scalar())
    if before == 1:  # FILE already
        return
    try:
        conn.exec_driver_sql("PRAGMA temp_store = FILE")
    except DBAPIError:  # temporary storage already open in this transaction: it stays where it is
        return
    conn.info.setdefault(_RESTORE, before)


def restore_on_checkin(dbapi_connection: Any, record: Any) -> None:
    """Pool check-in (SQLite): put back the temporary storage a scratch table moved to files."""
    before = record.info.pop(_RESTORE, None)
    if before is not None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA temp_store = {int(before)}")
        finally:
            cursor.close()
