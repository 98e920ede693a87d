"""Unique rules under concurrency: the database's unique indexes decide, the domain words the refusal.

On SQLite the single writer (``BEGIN IMMEDIATE``) makes a read-then-write check safe; on PostgreSQL
two transactions can both read "free" and both write. The unique index is the guarantee on both, and
these helpers turn what the index says into what the domain says:

- ``insert_ignore``: ``INSERT ... ON CONFLICT DO NOTHING`` (both engines). On PostgreSQL an insert
  that meets a row another transaction has not committed yet waits for it; so ``False`` means the
  row exists and is committed, and the next statement reads it (READ COMMITTED).
- ``refused_as``: run a block in a savepoint; a unique violation of one of the named indexes is
  rolled back to the savepoint and becomes the domain's own error (the caller re-runs its check,
  which now sees the row the other writer committed, so the sentence is the one SQLite gives).
- ``violated``: the name of the unique index or constraint an ``IntegrityError`` broke.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Index, Table, UniqueConstraint, bindparam
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from shoptui.errors import Conflict
from shoptui.store.prepared import Prepared

_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (.+)")


def insert_ignore(session: Session, table: Table, values: Mapping[str, Any]) -> bool:
    """Insert one row unless one with the same key exists; True when this call inserted it."""
    key = next(iter(table.primary_key.columns))
    # each dialect is imported where it is used: sqlalchemy.dialects.postgresql (with its asyncpg parts)
    # would cost every command ~25 ms at start, on SQLite too
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement = pg_insert(table).values(dict(values)).on_conflict_do_nothing().returning(key)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(table).values(dict(values)).on_conflict_do_nothing().returning(key)
    return session.execute(statement).first() is not None  # (rowcount is not reliable here through psycopg)


_ADDING: dict[tuple[str, str, tuple[str, ...], int], Prepared] = {}
_TOGETHER = 4  # up to this many rows go in one statement (a multi-row VALUES); more run the one-row form per row


def add_to_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]], figures: Sequence[str]) -> None:
    """Add each row's ``figures`` to the row of ``table`` with its primary key, creating that row when there is none
    yet: ``INSERT ... ON CONFLICT (key) DO UPDATE SET f = f + excluded.f`` (both engines). Up to four rows go in one
    statement (their keys must differ), more in one driver call. Two transactions adding to the same key both count
    (the second waits for the first on PostgreSQL). The rollups' writer (sales per day and variant, stock moved per
    day and month)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    keys = [column.name for column in table.primary_key.columns]
    names = [*keys, *figures]
    together = len(rows) if len(rows) <= _TOGETHER else 1
    entry = (dialect, table.name, tuple(figures), together)
    statement = _ADDING.get(entry)
    if statement is None:
        dialect_insert: Any
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        # bind names differ from the column names (SQLAlchemy keeps those for its own VALUES binds)
        insert = dialect_insert(table).values(
            [{name: bindparam(f"a{n}_{name}", type_=table.c[name].type) for name in names} for n in range(together)]
        )
        statement = _ADDING[entry] = Prepared(
            insert.on_conflict_do_update(
                index_elements=keys, set_={name: table.c[name] + insert.excluded[name] for name in figures}
            )
        )
    if together == len(rows):
        statement.run(session, {f"a{n}_{name}": row[name] for n, row in enumerate(rows) for name in names}).close()
    else:
        statement.executemany(session, ({f"a0_{name}": row[name] for name in names} for row in rows))


def violated(exc: IntegrityError, table: Table) -> str | None:
    """The unique index or constraint of ``table`` that ``exc`` broke (its name), or None.

    PostgreSQL names it (``diag.constraint_name``); SQLite names an expression index (``index 'x'``)
    or else the columns (``t.a, t.b``), which are matched against ``table``'s unique indexes."""
    diag = getattr(exc.orig, "diag", None)
    if diag is not None:
        name = getattr(diag, "constraint_name", None)
        return str(name) if name else None
    found = _SQLITE_UNIQUE.search(str(exc.orig))
    if found is None:
        return None
    spec = found.group(1).strip()
    if spec.startswith("index '"):
        return spec[len("index '"):].rstrip("'")
    columns = {part.strip().split(".", 1)[-1] for part in spec.split(",")}
    candidates: list[tuple[Any, set[str]]] = []
    if table.primary_key is not None:
        candidates.append((table.primary_key.name or f"{table.name}_pkey", {c.name for c in table.primary_key.columns}))
    candidates += [(c.name, {col.name for col in c.columns}) for c in table.constraints
                   if isinstance(c, UniqueConstraint)]
    candidates += [(i.name, {col.name for col in i.columns}) for i in table.indexes
                   if isinstance(i, Index) and i.unique]
    for name, names in candidates:
        if names == columns:
            return str(name) if name else None
    return None


@contextmanager
def refused_as(session: Session, table: Table,
               refusals: Mapping[str, Callable[[], Exception | None]]) -> Iterator[None]:
    """Run the block (and a flush) in a savepoint; a violation of a unique index named in ``refusals``
    raises the error its callable gives (the callable may raise it itself).

    The callable runs after the savepoint is rolled back, so it may read the store again: the row
    the other writer committed is visible then. A callable that finds nothing to say (returns None)
    gets a Conflict asking to try again; a violation of an index not named is raised as it is."""
    try:
        with session.begin_nested():
            yield
            session.flush()
    except IntegrityError as exc:
        name = violated(exc, table)
        refusal = refusals.get(name or "")
        if refusal is None:
            raise
        error = refusal()
        if error is None:
            error = Conflict(f"Another terminal saved the same {table.name.replace('_', ' ')} details at the same "
                             "moment; look it up again and retry.")
        raise error from None
