"""Store-wide tables: settings, audit log, idempotency keys, notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from shoptui.models._types import UTCDateTime, utcnow


class StoreSetting(SQLModel, table=True):
    """One store setting, its value as JSON (name, currency, timezone ...)."""

    __tablename__ = "store_setting"
    key: str = Field(primary_key=True, max_length=64)
    value: Any = Field(sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AuditEntry(SQLModel, table=True):
    """One change of data: who, from where, what, before and after."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entity", "entity", "entity_id", "id"),
        Index("ix_audit_at", "at"),
        Index("ix_audit_actor", "actor", "id"),
        Index("ix_audit_action", "action", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=100)
    source: str = Field(max_length=20)
    address: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=64)
    entity: str = Field(max_length=40)
    entity_id: str | None = Field(default=None, max_length=100)
    summary: str = Field(default="", max_length=500)
    before: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: Any = Field(default=None, sa_column=Column(JSON, nullable=True))


class IdempotencyRecord(SQLModel, table=True):
    """The first result of a command run with ``--idempotency-key``."""

    __tablename__ = "idempotency_record"
    key: str = Field(primary_key=True, max_length=200)
    command: str = Field(max_length=100)
    fingerprint: str | None = Field(default=None, max_length=64)  # the command's arguments, digested
    message: str = Field(default="", max_length=2000)
    result: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Notification(SQLModel, table=True):
    """A line in the notification centre (low stock, failed sends, ...)."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_unread", "read_at", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    severity: str = Field(default="information", max_length=20)  # information, warning, error
    title: str = Field(max_length=200)
    body: str = Field(default="", max_length=2000)
    link_kind: str | None = Field(default=None, max_length=40)  # e.g. "variant", "order"
    link_id: str | None = Field(default=None, max_length=100)
    dedupe_key: str | None = Field(default=None, max_length=200, index=True)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    audience: str = Field(default="", max_length=20)  # "" everyone; "owner": security notices for the owner only
