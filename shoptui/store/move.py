"""Moving a shop from its SQLite file onto a PostgreSQL server (``db restore FILE`` with ``--db`` naming an
empty PostgreSQL database): the day a shop outgrows one machine.

The server database is first migrated to the same schema revision, so it has every table, index and
constraint a new PostgreSQL store has; then, in one transaction, the rows the migrations seeded are removed,
every table of the models is filled from the file with ``COPY`` (parents before children), each id sequence
is moved past the highest id, the row counts of both sides are compared and the filled tables are analysed
(the planner's statistics, as after any bulk load); once committed the database is vacuumed (``settle``). Any failure rolls it all back:
the server database is left as the migrations made it, and the file is only read.

Tables of SQLite's own search index (FTS5 and its n-gram table) are not copied: PostgreSQL indexes the same
``product_search`` rows with its trigram indexes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Column, Engine, Table

from shoptui.errors import StoreUnavailable

SQLITE_HEADER = b"SQLite format 3\x00"
_BATCH = 5_000


def is_sqlite_file(path: Path) -> bool:
    """Whether ``path`` is an SQLite database file (a store, or a backup of one)."""
    with path.open("rb") as handle:
        return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER


@dataclass(frozen=True)
class Moved:
    """What a move copied: rows per table (every table of the models, empty ones included)."""

    tables: dict[str, int]

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def open_source(path: Path) -> sqlite3.Connection:
    """The file, read-only, checked: SQLite's integrity check passes and it carries a schema revision."""
    try:
        source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        problems = [row[0] for row in source.execute("PRAGMA quick_check") if row[0] != "ok"]
    except sqlite3.DatabaseError as exc:
        raise StoreUnavailable(f"{path} cannot be read as a store ({exc}); nothing was done.") from None
    if problems:
        source.close()
        raise StoreUnavailable(f"{path} fails SQLite's integrity check ({problems[0]}); nothing was done.")
    return source


def revision_of(source: sqlite3.Connection, path: Path) -> str:
    try:
        row = source.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        row = None
    if not row:
        raise StoreUnavailable(f"{path} has no schema revision, so it is not a shoptui store; nothing was done.")
    return str(row[0])


def _self_references(table: Table) -> list[Column[Any]]:
    """Columns of ``table`` that name a row of the same table (a category's parent): copied as NULL first,
    set once every row is in, so the order of the rows in the file does not matter."""
    return [fk.parent for fk in table.foreign_keys if fk.column.table is table]


def copy_into(raw: Any, source: sqlite3.Connection, tables: list[Table],
              progress: Callable[[str], None] | None = None) -> Moved:
    """Fill ``tables`` (parents first) of the server connection ``raw`` (psycopg, inside its transaction)
    from ``source``; the server's seeded rows are removed first. Returns the rows copied per table."""
    on_file = {name for (name,) in source.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    missing = [t.name for t in tables if t.name not in on_file]
    if missing:
        raise StoreUnavailable(f"The file has no table {missing[0]}, though its schema revision says it should; "
                               "nothing was moved.")
    with raw.cursor() as cur:
        cur.execute("SET LOCAL TIME ZONE 'UTC'")  # the file's times are UTC without a zone
        cur.execute("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " RESTART IDENTITY CASCADE")
        # the store's own triggers (contact claims) are off while the copy runs: the rows they derive are
        # copied from the file like every other row, and checked below (counts) and by db check
        for table in tables:
            cur.execute(f'ALTER TABLE "{table.name}" DISABLE TRIGGER USER')
        counts: dict[str, int] = {}
        for table in tables:
            try:
                counts[table.name] = _copy_table(cur, source, table)
            except psycopg.Error as exc:  # a row the server's constraints refuse: nothing is kept
                reason = (exc.diag.message_primary or str(exc)).rstrip(".")
                raise StoreUnavailable(f"The server refused a row of {table.name} ({reason}); nothing was moved.") \
                    from None
            if progress is not None and counts[table.name]:
                progress(f"{table.name}: {counts[table.name]:,} rows")
        for table in tables:
            cur.execute(f'ALTER TABLE "{table.name}" ENABLE TRIGGER USER')
            _advance_sequence(cur, table)
        for table in tables:
            cur.execute(f'SELECT count(*) FROM "{table.name}"')
            (there,) = cur.fetchone()
            if there != counts[table.name]:
                raise StoreUnavailable(f"{table.name} holds {there} rows on the server after the copy, not "
                                       f"{counts[table.name]}; nothing was moved.")
        # the planner's statistics of the copied rows: without them the first queries on a moved store plan
        # for empty tables (sequential scans, wrong joins) until autovacuum gets round to analysing them
        cur.execute("ANALYZE " + ", ".join(f'"{t.name}"' for t in tables if counts[t.name]))
    return Moved(counts)


def settle(engine: Engine) -> None:
    """After the move has committed: ``VACUUM`` the server database, so the copied rows are marked visible to
    all (the visibility map) and index-only scans - the dashboard's counts - read the index alone from the
    first query, instead of visiting every row's page until autovacuum gets round to it. VACUUM cannot run
    inside a transaction, so it is its own step; the move is complete without it."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM")


def _copy_table(cur: Any, source: sqlite3.Connection, table: Table) -> int:
    file_columns = {row[1] for row in source.execute(f'PRAGMA table_info("{table.name}")')}
    columns = [c.name for c in table.columns if c.name in file_columns]
    later = [c.name for c in _self_references(table) if c.name in columns]
    selected = ", ".join(f'"{c}"' if c not in later else "NULL" for c in columns)
    rows = source.execute(f'SELECT {selected} FROM "{table.name}"')
    count = 0
    names = ", ".join(f'"{c}"' for c in columns)
    with cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for batch in _batches(rows):
            for row in batch:
                copy.write_row(row)
            count += len(batch)
    if later and count:
        keys = [c.name for c in table.primary_key.columns]
        for column in later:
            pairs = source.execute(f'SELECT "{column}", {", ".join(keys)} FROM "{table.name}" '
                                   f'WHERE "{column}" IS NOT NULL').fetchall()
            where = " AND ".join(f'"{k}" = %s' for k in keys)
            cur.executemany(f'UPDATE "{table.name}" SET "{column}" = %s WHERE {where}', pairs)
    return count


def _batches(rows: sqlite3.Cursor) -> Iterator[list[Any]]:
    while batch := rows.fetchmany(_BATCH):
        yield batch


def _advance_sequence(cur: Any, table: Table) -> None:
    """The next id the server gives is past every id copied (ids come from the sequences, store/ids.py)."""
    for column in table.primary_key.columns:
        cur.execute("SELECT pg_get_serial_sequence(%s, %s)", (f'"{table.name}"', column.name))
        (sequence,) = cur.fetchone()
        if sequence is not None:
            cur.execute(f'SELECT setval(%s, coalesce((SELECT max("{column.name}") FROM "{table.name}"), 0) + 1, false)',
                        (sequence,))
