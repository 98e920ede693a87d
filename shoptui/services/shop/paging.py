"""Keyset pages: a list of read models and the cursor to continue after the last one."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of results; ``next_after`` is ``None`` on the last page."""

    items: list[T]
    next_after: str | None = None


def clamp_limit(limit: int, *, maximum: int = 1000) -> int:
    """A page size between 1 and ``maximum``."""
    from shoptui.errors import InvalidInput

    if limit < 1:
        raise InvalidInput(f"The page size must be at least 1, not {limit}.")
    return min(limit, maximum)


def after_key(key: Any, tiebreak: Any, key_value: Any, tiebreak_value: Any, *, descending: bool = False) -> Any:
    """The keyset condition "after (key_value, tiebreak_value)" that an index on ``(key, tiebreak)`` can seek.

    ``(key, id) > (?, ?)`` reads the same, but SQLite seeks with a row value only on plain columns,
    not on an expression index such as ``lower(title)`` (the case-insensitive A-Z lists); this form
    starts the index range at ``key >= ?`` and so never walks the pages before the cursor.
    """
    from sqlalchemy import and_, or_

    if descending:
        return and_(key <= key_value, or_(key < key_value, tiebreak < tiebreak_value))
    return and_(key >= key_value, or_(key > key_value, tiebreak > tiebreak_value))
