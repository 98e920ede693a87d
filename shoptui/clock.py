"""The one source of the current time, always aware UTC. Tests freeze it with ``freeze``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

_frozen: datetime | None = None


def now() -> datetime:
    """The current time in UTC (aware)."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def freeze(at: datetime | None) -> None:
    """Pin ``now()`` to ``at`` (aware); ``None`` lets time run again."""
    global _frozen
    if at is not None and at.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    _frozen = at.astimezone(UTC) if at is not None else None


@contextmanager
def frozen(at: datetime) -> Iterator[None]:
    """Freeze time inside a ``with`` block."""
    previous = _frozen
    freeze(at)
    try:
        yield
    finally:
        freeze(previous)


def ensure_utc(value: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken to be UTC already."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
