"""Helpers the benchmark stores are built with: template rows for every NOT NULL column, bulk inserts, timestamps.

The cached stores in bench/.data were built with exactly these values: change them and the stores
no longer match what their builders say they hold (bump the builders' store versions then).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from datetime import datetime

STAMP = "%Y-%m-%d %H:%M:%S.%f"
"""How a UTC datetime is written in a bench store (the format of the UTCDateTime column)."""
PLAIN_TIME = "2026-01-01 00:00:00.000000"
"""The value of a NOT NULL date/time column the builder did not name."""


def fill_row(con: sqlite3.Connection, table: str, given: dict[str, object], *,
             plain_time: str = PLAIN_TIME) -> tuple[list[str], list[object]]:
    """Columns and a template row: given values plus a plain value for every other NOT NULL column."""
    columns, values = [], []
    for _, name, kind, notnull, default, pk in con.execute(f"PRAGMA table_info({table})"):
        if name in given:
            columns.append(name)
            values.append(given[name])
        elif notnull and default is None and not pk:
            columns.append(name)
            kind = (kind or "").upper()
            values.append(0 if "INT" in kind or "BOOL" in kind else plain_time if "DATE" in kind or "TIME" in kind else "")
    return columns, values


def insert(con: sqlite3.Connection, table: str, template: dict[str, object],
           rows: Iterable[dict[str, object]]) -> None:
    """executemany of dict rows over a template filled for every NOT NULL column."""
    columns, values = fill_row(con, table, template)
    index = {c: i for i, c in enumerate(columns)}

    def tuples() -> Iterator[list[object]]:
        for row in rows:
            out = list(values)
            for key, value in row.items():
                out[index[key]] = value
            yield out

    con.executemany(f"INSERT INTO {table} ({','.join(columns)}) VALUES ({','.join('?' * len(columns))})", tuples())


def stamp(moment: datetime) -> str:
    """``2026-11-20 02:30:00.000000``: a UTC datetime as the store keeps it."""
    return moment.strftime(STAMP)
