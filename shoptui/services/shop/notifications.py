"""The notification centre: things the operator should see (low stock, failed sends, ...)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import update
from sqlmodel import Session, col, select

from shoptui import clock
from shoptui.config import Actor
from shoptui.errors import InvalidInput, NotFound
from shoptui.models.store import Notification
from shoptui.services.shop import audit

SEVERITIES = ("information", "warning", "error")


class NotificationRead(BaseModel):
    """One notification as it leaves the service."""

    id: int
    created_at: datetime
    severity: str
    title: str
    body: str
    link_kind: str | None
    link_id: str | None
    read_at: datetime | None


def notify(
    *,
    session: Session,
    title: str,
    body: str = "",
    severity: str = "information",
    link_kind: str | None = None,
    link_id: str | int | None = None,
    dedupe_key: str | None = None,
    audience: str = "",
) -> NotificationRead | None:
    """Add a notification in the caller's transaction; skipped while an unread one has the same key.

    ``audience`` "owner": a security notice only owners see; "" for everyone.
    """
    if severity not in SEVERITIES:
        raise InvalidInput(f"Severity {severity!r} is not one of {', '.join(SEVERITIES)}.")
    if dedupe_key is not None:
        existing = session.exec(
            select(Notification.id).where(Notification.dedupe_key == dedupe_key, col(Notification.read_at).is_(None))
        ).first()
        if existing is not None:
            return None
    row = Notification(severity=severity, title=title[:200], body=body[:2000], link_kind=link_kind,
                       link_id=None if link_id is None else str(link_id), dedupe_key=dedupe_key,
                       audience=audience)
    session.add(row)
    session.flush()
    return NotificationRead.model_validate(row, from_attributes=True)


def list_notifications(
    *, session: Session, unread_only: bool = False, after_id: int | None = None, limit: int = 50,
    role: str | None = None,
) -> list[NotificationRead]:
    """Newest first; ``after_id`` gives only those newer than that id (for live refresh).

    ``role``: the reader's role; owners' security notices are left out for any other role.
    """
    query = select(Notification).order_by(col(Notification.id).desc()).limit(max(1, min(limit, 500)))
    if role is not None and role != "owner":
        query = query.where(Notification.audience == "")
    if unread_only:
        query = query.where(col(Notification.read_at).is_(None))
    if after_id is not None:
        query = query.where(col(Notification.id) > after_id)
    return [NotificationRead.model_validate(row, from_attributes=True) for row in session.exec(query)]




def mark_read(*, session: Session, actor: Actor, ids: list[int]) -> int:
    """Mark notifications read; returns how many changed."""
    if not ids:
        return 0
    found = set(session.exec(select(Notification.id).where(col(Notification.id).in_(ids))).all())
    missing = sorted(set(ids) - found)
    if missing:
        raise NotFound(f"There is no notification {missing[0]}.")
    changed = session.exec(
        update(Notification).where(col(Notification.id).in_(ids), col(Notification.read_at).is_(None))
        .values(read_at=clock.now())
    ).rowcount
    if changed:
        audit.record(session=session, actor=actor, action="notification.read", entity="notification",
                     entity_id=",".join(map(str, sorted(ids)))[:100], summary=f"{changed} marked read")
    return changed


def mark_all_read(*, session: Session, actor: Actor) -> int:
    """Mark every unread notification read; returns how many changed."""
    changed = session.exec(
        update(Notification).where(col(Notification.read_at).is_(None)).values(read_at=clock.now())
    ).rowcount
    if changed:
        audit.record(session=session, actor=actor, action="notification.read_all", entity="notification",
                     summary=f"{changed} marked read")
    return changed
