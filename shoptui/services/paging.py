"""Keyset pages: a list of read models and the cursor to continue after the last one."""

from __future__ import annotations

from typing import Generic, TypeVar

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
