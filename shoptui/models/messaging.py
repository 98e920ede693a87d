"""The messaging outbox: every email and SMS the shop sends goes through here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from shoptui.models._types import UTCDateTime, utcnow

STATUSES = ("queued", "sending", "sent", "failed", "cancelled")


class OutboxMessage(SQLModel, table=True):
    """A message to a person, queued in the same transaction as the change it reports.

    Life of a message: ``queued`` -> ``sending`` (claimed by one sender, ``claimed_by``) ->
    ``sent`` (``sent_at``) or ``failed``. A failed message with a ``next_attempt_at`` is retried
    from then on; without one it has been given up on (or was never confirmed) and waits for an
    operator's ``retry`` or ``cancel``. A message is due when ``next_attempt_at <= now``.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_ref", "ref_kind", "ref_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=10)  # email, sms
    recipient: str = Field(max_length=320)
    template: str = Field(max_length=64)
    subject: str = Field(default="", max_length=300)
    body: str
    status: str = Field(default="queued", max_length=10)  # one of STATUSES
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=1000)
    ref_kind: str | None = Field(default=None, max_length=40)
    ref_id: str | None = Field(default=None, max_length=100)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    next_attempt_at: datetime | None = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
