"""The audit log: every change of data, who made it, from where, before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import insert
from sqlmodel import Session, col, select

from shoptui.config import Actor
from shoptui.errors import InvalidInput
from shoptui.models._types import table_of
from shoptui.models.store import AuditEntry
from shoptui.services.shop.paging import Page, clamp_limit
from shoptui.services.shop.permissions import check_action, require


class AuditEntryRead(BaseModel):
    """One audit line, as it leaves the service."""

    id: int
    at: datetime
    actor: str
    source: str
    address: str | None
    action: str
    entity: str
    entity_id: str | None
    summary: str
    before: Any
    after: Any


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any] | None) -> tuple[Any, Any]:
    """Only the fields that differ between two snapshots (all of them when one side is missing)."""
    if before is None or after is None:
        return before, after
    keys = [k for k in after if before.get(k) != after.get(k)] + [k for k in before if k not in after]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def json_safe(value: Any) -> Any:
    """Plain JSON data: times as ISO 8601 text, anything unknown as its text."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [json_safe(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


_INSERT = insert(table_of(AuditEntry))

# Kinds of audit lines, by the prefix of their action.
AUDIT_KINDS = {"security": "security."}


def record(
    *,
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: str | int | None = None,
    summary: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Append one audit line in the caller's transaction; before/after keep only changed fields.

    Written at once by a prebuilt INSERT (no ORM object per line: audit is on every hot path),
    so lines keep the order in which they were recorded. The actor's role must allow the action
    (permissions.check_action): every audited change is a checked change.
    """
    from shoptui import clock

    before, after = changed_fields(before, after)
    check_action(session, actor, action, after)
    session.connection().execute(_INSERT, {
        "at": clock.now(), "actor": actor.name[:100], "source": actor.source[:20], "address": actor.address,
        "action": action, "entity": entity, "entity_id": None if entity_id is None else str(entity_id)[:100],
        "summary": summary[:500], "before": json_safe(before), "after": json_safe(after),
    })


def record_many(*, session: Session, actor: Actor, action: str, entity: str,
                entries: list[tuple[str | int | None, str, dict[str, Any] | None, dict[str, Any] | None]]) -> None:
    """``record`` for many lines of one action at once (entity id, summary, before, after each), in one
    statement execution: what a bulk write (an import creating products) records, line for line as
    ``record`` would."""
    from shoptui import clock

    if not entries:
        return
    at = clock.now()
    rows = []
    changed: dict[str, Any] = {}  # every field any line changes: a price among them is a price change
    for entity_id, summary, before, after in entries:
        before, after = changed_fields(before, after)
        changed.update(dict.fromkeys(after or ()))
        rows.append({"at": at, "actor": actor.name[:100], "source": actor.source[:20], "address": actor.address,
                     "action": action, "entity": entity, "entity_id": None if entity_id is None else str(entity_id)[:100],
                     "summary": summary[:500], "before": json_safe(before), "after": json_safe(after)})
    check_action(session, actor, action, changed)
    session.connection().execute(_INSERT, rows)


def list_entries(
    *,
    session: Session,
    entity: str | None = None,
    entity_id: str | None = None,
    actor: str | None = None,
    since: datetime | None = None,
    after: str | None = None,
    limit: int = 50,
    kind: str | None = None,
    reader: Actor | None = None,
) -> Page[AuditEntryRead]:
    """Newest first, keyset-paged by id (``after`` is the cursor from the previous page).

    ``kind`` "security" keeps logins, failures, lockouts, token use, refusals and password changes. ``actor``
    keeps one operator's lines; ``reader`` is who reads (a face passes the logged-in account: audit.view).
    """
    if reader is not None:
        require(session=session, actor=reader, permission="audit.view")
    limit = clamp_limit(limit)
    query = select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit + 1)
    if kind is not None:
        if kind not in AUDIT_KINDS:
            raise InvalidInput(f"There is no audit kind {kind!r}; the kinds are: {', '.join(AUDIT_KINDS)}.")
        query = query.where(col(AuditEntry.action).startswith(AUDIT_KINDS[kind]))
    if entity:
        query = query.where(AuditEntry.entity == entity)
    if entity_id:
        query = query.where(AuditEntry.entity_id == entity_id)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if since is not None:
        query = query.where(col(AuditEntry.at) >= since)
    if after:
        if not after.isdigit():
            raise InvalidInput(f"The cursor {after!r} is not one this list gave out.")
        query = query.where(col(AuditEntry.id) < int(after))
    rows = session.exec(query).all()
    items = [AuditEntryRead.model_validate(row, from_attributes=True) for row in rows[:limit]]
    return Page(items=items, next_after=str(items[-1].id) if len(rows) > limit else None)
