"""Counting the statements a use case sends to the store (each one a round trip on PostgreSQL).

``counted(session)`` lists every statement run on the session's connection while it is open: what goes
through SQLAlchemy (ORM and Core, seen by ``before_cursor_execute``) and what the store layer's prepared
statements send straight to the driver (``shoptui.store.prepared.Prepared``). An ``executemany`` is one
statement: one driver call.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlmodel import Session

from shoptui.store import prepared


@contextmanager
def counted(session: Session) -> Iterator[list[str]]:
    """The SQL of every statement run on ``session``'s connection inside the block, in order."""
    seen: list[str] = []
    connection = session.connection()

    def on_execute(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        seen.append(" ".join(statement.split()))

    original = prepared.Prepared._call

    def call(self: prepared.Prepared, on: Session, method: str, params: Any) -> Any:
        if on is session:
            seen.append(" ".join(self.statement.compile(dialect=connection.dialect).string.split()))
        return original(self, on, method, params)

    event.listen(connection, "before_cursor_execute", on_execute)
    prepared.Prepared._call = call  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        prepared.Prepared._call = original  # type: ignore[method-assign]
        event.remove(connection, "before_cursor_execute", on_execute)
