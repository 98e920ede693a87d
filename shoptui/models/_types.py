"""Column types shared by every model."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import DateTime, Table
from sqlalchemy.types import TypeDecorator

if TYPE_CHECKING:
    from sqlmodel import SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC, returns aware datetimes (SQLite would drop the tzinfo)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use shoptui.clock.now()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """Default factory for ``*_at`` columns (looks the clock up at call time)."""
    from shoptui import clock

    return clock.now()


def table_of(model: type[SQLModel]) -> Table:
    """The Core :class:`Table` of a table model, for Core statements and bulk inserts."""
    table: Table = model.__table__  # type: ignore[attr-defined]  # SQLModel's metaclass sets __table__ but declares it nowhere
    return table


class _Stored(Protocol):
    id: int | None


def id_of(row: _Stored) -> int:
    """The id of a row in the store: every row read back or flushed has one; a row only added has none yet."""
    if row.id is None:
        raise RuntimeError(f"{type(row).__name__} has no id yet: flush the session before reading it")
    return row.id


def ids_of(ids: Iterable[int | None]) -> list[int]:
    """Ids read back from the store (``select(Model.id)``): the model types them ``int | None``, a read one is never None."""
    found: list[int] = []
    for i in ids:
        if i is None:
            raise RuntimeError("an id read from the store is None: select the ids of stored rows only")
        found.append(i)
    return found
