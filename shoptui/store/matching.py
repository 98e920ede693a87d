"""Text matching that each engine serves best (the same answers on every engine)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, SQLColumnExpression


def contains_ignoring_case(conn: Any, column: SQLColumnExpression[str], text: str) -> ColumnElement[bool]:
    """``column`` contains ``text`` (``%``, ``_`` and ``\\`` in it match only themselves), ignoring case.

    SQLite's LIKE already ignores ASCII case, exactly as lower() does there (neither folds other
    letters); ``ilike`` would add lower() on both sides of every comparison. Elsewhere ``ilike``.
    """
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    if conn.dialect.name == "sqlite":
        return column.like(f"%{escaped}%", escape="\\")
    return column.ilike(f"%{escaped}%", escape="\\")
