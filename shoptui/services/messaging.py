"""The messaging outbox: email and SMS to people, queued with the change they report.

``queue`` is called by any module inside its own transaction. Delivery (SMTP for email, an HTTP
gateway for SMS) is done by ``deliver_due``, which never sends one message twice.
"""

from __future__ import annotations

import re
from string import Template
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from shoptui.errors import InvalidInput
from shoptui.models.messaging import OutboxMessage
from shoptui.services.settings import SettingDef, boolean, choice, email_list, integer, json_object, text

CHANNELS = ("email", "sms")

SETTINGS = [
    SettingDef("smtp_host", "SMTP server for outgoing email (empty: email is not sent).", "", text(200), group="email"),
    SettingDef("smtp_port", "SMTP port (587 for STARTTLS, 465 for SSL, 25 plain).", 587, integer(1, 65535), group="email"),
    SettingDef("smtp_security", "none, starttls or ssl.", "starttls", choice("none", "starttls", "ssl"), group="email"),
    SettingDef("smtp_user", "SMTP user name (empty: no login).", "", text(200), group="email"),
    SettingDef("smtp_password", "SMTP password (or set SHOPTUI_SMTP_PASSWORD).", "", text(200), secret=True,
               group="email"),
    SettingDef("smtp_from", "Sender address of outgoing email.", "", text(200), group="email"),
    SettingDef("smtp_timeout", "Seconds to wait for the SMTP server.", 20, integer(1, 300), group="email"),
    SettingDef("sms_gateway_url", "HTTP(S) URL that SMS are POSTed to as JSON (empty: SMS are not sent).", "",
               text(500), group="sms"),
    SettingDef("sms_headers", 'Extra HTTP headers for the SMS gateway, as JSON: {"Authorization": "Bearer …"}.',
               {}, json_object, secret=True, group="sms"),
    SettingDef("sms_sender", "Sender name or number passed to the SMS gateway.", "", text(40), group="sms"),
    SettingDef("outbox_max_attempts", "Attempts before a message is left as failed.", 5, integer(1, 50),
               group="outbox"),
    SettingDef("alert_emails", "Who gets operational alerts by email (comma-separated).", [], email_list,
               group="outbox"),
    SettingDef("outbox_enabled", "Whether the sender delivers at all (no: messages stay queued).", True, boolean,
               group="outbox"),
]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{4,19}$")


class MessageRead(BaseModel):
    """One outbox message as it leaves the service."""

    id: int
    channel: str
    recipient: str
    template: str
    subject: str
    body: str
    status: str
    attempts: int
    last_error: str | None
    ref_kind: str | None
    ref_id: str | None


def validate_recipient(channel: str, recipient: str) -> str:
    """A clean recipient for the channel, or InvalidInput naming it."""
    recipient = recipient.strip()
    if channel not in CHANNELS:
        raise InvalidInput(f"Channel {channel!r} is not one of {', '.join(CHANNELS)}.")
    if channel == "email" and not _EMAIL.match(recipient):
        raise InvalidInput(f"{recipient!r} is not an email address.")
    if channel == "sms" and not _PHONE.match(recipient):
        raise InvalidInput(f"{recipient!r} is not a phone number.")
    return recipient


def render(template: str, context: dict[str, Any]) -> str:
    """Fill ``$name`` / ``${name}`` placeholders; a missing name is an error, not a blank."""
    try:
        return Template(template).substitute({k: str(v) for k, v in context.items()})
    except KeyError as exc:
        raise InvalidInput(f"The message template needs a value for {exc.args[0]!r}.") from exc
    except ValueError as exc:
        raise InvalidInput(f"The message template is malformed: {exc}.") from exc


def queue(
    *,
    session: Session,
    channel: str,
    recipient: str,
    template: str,
    subject: str,
    body: str,
    context: dict[str, Any] | None = None,
    ref_kind: str | None = None,
    ref_id: str | int | None = None,
) -> MessageRead:
    """Queue one message in the caller's transaction; ``subject`` and ``body`` are templates."""
    context = context or {}
    row = OutboxMessage(
        channel=channel,
        recipient=validate_recipient(channel, recipient),
        template=template,
        subject=render(subject, context)[:300],
        body=render(body, context),
        ref_kind=ref_kind,
        ref_id=None if ref_id is None else str(ref_id),
    )
    session.add(row)
    session.flush()
    return MessageRead.model_validate(row, from_attributes=True)
