"""Rows of a result as plain tuples, for the type checker.

SQLAlchemy 2.1 deprecates ``Result.tuples()``: a Row unpacks like a tuple. mypy still reads the
unpacked parts of an untyped ``Row[*tuple[Any, ...]]`` (what ``Session.execute`` returns) as
``object``; this says what the runtime does, in one place, and costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from sqlalchemy.engine import Result, TupleResult


def tuples(result: Result[Any]) -> TupleResult[tuple[Any, ...]]:
    """``result`` itself, typed so that its rows unpack into ``Any`` parts (what ``Result.tuples()`` did)."""
    return cast("TupleResult[tuple[Any, ...]]", result)
