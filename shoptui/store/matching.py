"""Text matching that each engine serves best (the same answers on every engine)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, SQLColumnExpression, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


def contains_ignoring_case(conn: Any, column: SQLColumnExpression[str] | SQLColumnExpression[str | None], text: str) -> ColumnElement[bool]:
    """``column`` contains ``text`` (``%``, ``_`` and ``\\`` in it match only themselves), ignoring case.

    SQLite's LIKE already ignores ASCII case, exactly as lower() does there (neither folds other
    letters); ``ilike`` would add lower() on both sides of every comparison. Elsewhere ``ilike``.
    """
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    if conn.dialect.name == "sqlite":
        return column.like(f"%{escaped}%", escape="\\")
    return column.ilike(f"%{escaped}%", escape="\\")


class folded(FunctionElement[str]):
    """``lower(text)`` that folds ASCII letters only and sorts by code point on every engine.

    The A-Z lists and name prefixes sort and compare by this. SQLite's lower() folds A-Z only and
    compares by code point; on PostgreSQL ``lower(x COLLATE "C")`` does the same whatever the
    database's locale (its own lower() would fold É as well, and its collation would sort
    "apple juice" after "applejuice"). The expression indexes of these sorts are built from it too.
    """

    type = String()
    name = "lower"
    inherit_cache = True


@compiles(folded)
def _folded(element: folded, compiler: Any, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(folded, "postgresql")
def _folded_postgresql(element: folded, compiler: Any, **kw: Any) -> str:
    return f'lower(({compiler.process(element.clauses, **kw)}) COLLATE "C")'
