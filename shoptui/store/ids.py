"""Primary keys for rows that bulk inserts write with their ids given (the caller links rows by them).

``allocate`` hands out ids the way each engine keeps them, so a later ORM insert of the same table
never collides with a bulk row:

- SQLite: the highest id + 1 onwards. A write transaction there holds the store's write lock
  (``BEGIN IMMEDIATE``), so no one else can take those ids before the rows land, and SQLite's
  rowid allocation continues after the highest id.
- PostgreSQL: ids drawn from the column's own sequence (``nextval``), the same sequence an ORM
  insert draws from; concurrent writers each get their own ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, text


def allocate(conn: Any, table: Any, count: int, *, column: str = "id") -> Sequence[int]:
    """``count`` unused ids for ``table`` (ascending; contiguous on SQLite), for rows inserted with them."""
    if count <= 0:
        return range(0)
    if conn.dialect.name == "postgresql":
        sequence = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                {"t": table.fullname, "c": column}).scalar()
        if sequence is not None:
            return sorted(conn.execute(text("SELECT nextval(CAST(:s AS regclass)) FROM generate_series(1, :n)"),
                                       {"s": sequence, "n": count}).scalars())
    start = (conn.execute(select(func.max(table.c[column]))).scalar() or 0) + 1
    return range(start, start + count)
