"""The messaging outbox: email and SMS to people, queued with the change they report.

``queue`` is called by any module inside its own transaction. ``deliver_due`` is the sender: it
runs its own short transactions because it talks to the outside world in between, and it never
sends one message twice.

Rules of delivery (what ``shoptui outbox send`` does):

- **Due** means ``status = queued`` or ``status = failed`` with a ``next_attempt_at``, and
  ``next_attempt_at <= now``.
- **Claim**: in one short write transaction (``BEGIN IMMEDIATE`` on SQLite) up to ``limit`` due
  messages become ``sending`` with the sender's own ``claimed_by`` token. The claiming UPDATE
  repeats the "due" condition, so on PostgreSQL too only one sender wins a message.
- **Send** outside any transaction. Just before each send the claim is renewed
  (``claimed_at = now``, only if the message is still ours); a batch that has been running for
  ``BATCH_BUDGET`` hands its unsent rest back to the queue, so a live sender never holds an
  untouched claim long enough to look stuck.
- **Record**: ``sent`` with ``sent_at``; or ``failed`` with ``attempts + 1``, ``last_error`` (one
  line) and ``next_attempt_at = now + backoff``: 1 min, 5 min, 25 min, ... (x5, at most 6 h).
  After ``outbox_max_attempts`` attempts (or when the server refused the address for good) the
  message stays ``failed`` with no next attempt and one notification tells the operator.
- **Stuck**: a message still ``sending`` ``STALE_AFTER`` (15 min) after its claim belongs to a
  sender that stopped (killed, crashed, power cut) while the message may or may not have gone
  out. It is never re-sent silently: it becomes ``failed`` with no next attempt, last error
  "The sender stopped while sending ...", and a notification; the operator checks and retries.
- **Not configured**: messages of a channel without its settings (``smtp_host`` and a sender
  address for email, ``sms_gateway_url`` for SMS) are not claimed; they stay queued and the
  report names the missing setting.
- ``outbox_enabled = no``: nothing is claimed or sent.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from string import Template
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from pydantic import BaseModel
from sqlalchemy import and_, case, func, insert, or_, update
from sqlmodel import Session, col, select

from shoptui import clock
from shoptui.config import Actor
from shoptui.errors import Conflict, InvalidInput, NotFound
from shoptui.models.messaging import STATUSES, OutboxMessage
from shoptui.services import shop as shop_api
from shoptui.services.shop import Page, clamp_limit
from shoptui.wording import plural

if TYPE_CHECKING:  # smtplib, ssl, urllib.request and email load only when something is sent
    import smtplib
    from email.message import EmailMessage

CHANNELS = ("email", "sms")
STALE_AFTER = timedelta(minutes=15)  # longer than the longest single send (timeouts are <= 300 s)
BATCH_BUDGET = timedelta(minutes=5)  # a batch older than this hands its unsent rest back
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_FACTOR = 5
BACKOFF_CAP = timedelta(hours=6)
STUCK_ERROR = "The sender stopped while sending this message"



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
    created_at: datetime | None = None
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None


def _read(row: OutboxMessage) -> MessageRead:
    return MessageRead.model_validate(row, from_attributes=True)


# ---------------------------------------------------------------- queueing


def validate_recipient(channel: str, recipient: str) -> str:
    """A clean recipient for the channel, or InvalidInput naming it."""
    recipient = recipient.strip()
    if channel not in CHANNELS:
        raise InvalidInput(f"Channel {channel!r} is not one of {', '.join(CHANNELS)}.")
    if len(recipient) > 320:
        raise InvalidInput(f"The recipient is {len(recipient)} characters long; at most 320 fit.")
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


@dataclass(frozen=True)
class MessageDraft:
    """One message for :func:`queue_many`: what :func:`queue` takes (``subject`` and ``body`` are templates)."""

    channel: str
    recipient: str
    template: str
    subject: str
    body: str
    context: dict[str, Any] = field(default_factory=dict)
    ref_kind: str | None = None
    ref_id: str | int | None = None


def _message_values(draft: MessageDraft, now: datetime) -> dict[str, Any]:
    """The outbox row of one draft: recipient checked, templates filled, fields cut to fit; InvalidInput else."""
    recipient = validate_recipient(draft.channel, draft.recipient)
    rendered = render(draft.body, draft.context)
    if not rendered.strip():
        raise InvalidInput(f"The {draft.template!r} message to {recipient} has an empty body; nothing would be said.")
    return {
        "channel": draft.channel,
        "recipient": recipient,
        "template": draft.template[:64],
        "subject": " ".join(render(draft.subject, draft.context).split())[:300],  # one line: no header newlines
        "body": rendered,
        "status": "queued",
        "attempts": 0,
        "ref_kind": draft.ref_kind,
        "ref_id": None if draft.ref_id is None else str(draft.ref_id)[:100],
        "created_at": now,
        "next_attempt_at": now,
    }


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
    draft = MessageDraft(channel=channel, recipient=recipient, template=template, subject=subject, body=body,
                         context=context or {}, ref_kind=ref_kind, ref_id=ref_id)
    row = OutboxMessage(**_message_values(draft, clock.now()))
    session.add(row)
    session.flush()
    return _read(row)


def queue_many(*, session: Session, drafts: Iterable[MessageDraft], skip_bad_recipients: bool = False) -> int:
    """Queue many messages in the caller's transaction with one INSERT; each row is what :func:`queue`
    would write. A bad recipient refuses the lot (InvalidInput), or is left out when ``skip_bad_recipients``
    (a bulk notice to people whose stored address may be old). Returns how many were queued."""
    now = clock.now()
    rows: list[dict[str, Any]] = []
    for draft in drafts:
        if skip_bad_recipients:
            try:
                validate_recipient(draft.channel, draft.recipient)
            except InvalidInput:
                continue
        rows.append(_message_values(draft, now))
    if rows:
        session.execute(insert(OutboxMessage), rows)
    return len(rows)


def queue_test(*, session: Session, actor: Actor, channel: str, recipient: str) -> MessageRead:
    """Queue one test message so the operator can check the email or SMS set-up."""
    from shoptui import wording

    shop = shop_api.get(session=session, key="name")
    message = queue(
        session=session, channel=channel, recipient=recipient, template="test",
        subject="Test message from $shop",
        body="This is a test message from $shop, queued by shoptui at $at.\n"
             "If it arrived, the $channel set-up works.\n",
        context={"shop": shop, "at": wording.when(clock.now(), shop_api.timezone(session=session)),
                 "channel": channel},
        ref_kind="test",
    )
    shop_api.record(session=session, actor=actor, action="outbox.test", entity="outbox_message", entity_id=message.id,
                 summary=f"test {channel} to {message.recipient} queued",
                 after={"status": "queued", "recipient": message.recipient})
    return message


# ---------------------------------------------------------------- reading


def get_message(*, session: Session, actor: Actor | None = None, message_id: int) -> MessageRead:
    """One message, or NotFound naming its id."""
    if actor is not None:  # a face reads for the logged-in account: the outbox.manage permission
        shop_api.require(session=session, actor=actor, permission="outbox.manage")
    return _read(_row(session, message_id))


def _row(session: Session, message_id: int) -> OutboxMessage:
    row = session.get(OutboxMessage, message_id)
    if row is None:
        raise NotFound(f"There is no outbox message {message_id}. 'shoptui outbox list' shows the messages.")
    return row


def list_messages(
    *,
    session: Session,
    actor: Actor | None = None,
    status: str | None = None,
    channel: str | None = None,
    after: str | None = None,
    limit: int = 50,
) -> Page[MessageRead]:
    """Newest first, keyset-paged by id (``after`` is the cursor of the previous page)."""
    if actor is not None:  # a face reads for the logged-in account: the outbox.manage permission
        shop_api.require(session=session, actor=actor, permission="outbox.manage")
    limit = clamp_limit(limit)
    query = select(OutboxMessage).order_by(col(OutboxMessage.id).desc()).limit(limit + 1)
    if status is not None:
        if status not in STATUSES:
            raise InvalidInput(f"Status {status!r} is not one of {', '.join(STATUSES)}.")
        query = query.where(OutboxMessage.status == status)
    if channel is not None:
        if channel not in CHANNELS:
            raise InvalidInput(f"Channel {channel!r} is not one of {', '.join(CHANNELS)}.")
        query = query.where(OutboxMessage.channel == channel)
    if after is not None:
        if not after.isdigit():
            raise InvalidInput(f"The cursor {after!r} is not one this list gave out.")
        query = query.where(col(OutboxMessage.id) < int(after))
    rows = session.exec(query).all()
    items = [_read(row) for row in rows[:limit]]
    return Page(items=items, next_after=str(items[-1].id) if len(rows) > limit else None)


def counts(*, session: Session) -> dict[str, int]:
    """How many messages are in each status (every status listed, zero included)."""
    found = dict(session.exec(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    return {status: int(found.get(status, 0)) for status in STATUSES}


# ---------------------------------------------------------------- operator actions


def retry(*, session: Session, actor: Actor, message_id: int) -> MessageRead:
    """Make a failed (or cancelled) message due now with a fresh set of attempts."""
    row = _row(session, message_id)
    if row.status == "sent":
        raise Conflict(f"Message {message_id} was already sent at {_stamp(session, row.sent_at)}; retrying would send it twice. "
                       "Queue a new message instead.")
    if row.status == "sending":
        raise Conflict(f"Message {message_id} is being sent right now; wait for that send to finish. If no sender "
                       f"is running, it is marked failed {STALE_AFTER.seconds // 60} minutes after it was claimed "
                       "and can be retried then.")
    if row.status == "queued":
        raise Conflict(f"Message {message_id} is already queued; 'shoptui outbox send' delivers it.")
    _requeue(session, actor, row)
    session.flush()
    return _read(row)


def retry_all_failed(*, session: Session, actor: Actor) -> list[MessageRead]:
    """Make every failed message due now with a fresh set of attempts."""
    rows = session.exec(select(OutboxMessage).where(OutboxMessage.status == "failed").order_by(col(OutboxMessage.id))).all()
    for row in rows:
        _requeue(session, actor, row)
    session.flush()
    return [_read(row) for row in rows]


def _requeue(session: Session, actor: Actor, row: OutboxMessage) -> None:
    before = {"status": row.status, "attempts": row.attempts, "next_attempt_at": row.next_attempt_at}
    row.status = "queued"
    row.attempts = 0
    row.next_attempt_at = clock.now()
    row.claimed_by = None
    row.claimed_at = None
    session.add(row)
    shop_api.record(session=session, actor=actor, action="outbox.retry", entity="outbox_message", entity_id=row.id,
                 summary=f"{row.channel} to {row.recipient} queued again", before=before,
                 after={"status": row.status, "attempts": row.attempts, "next_attempt_at": row.next_attempt_at})


def cancel(*, session: Session, actor: Actor, message_id: int) -> MessageRead:
    """Stop a queued or failed message from being sent."""
    row = _row(session, message_id)
    if row.status == "sent":
        raise Conflict(f"Message {message_id} was already sent at {_stamp(session, row.sent_at)}, so it cannot be cancelled.")
    if row.status == "sending":
        raise Conflict(f"Message {message_id} is being sent right now, so it cannot be cancelled any more.")
    if row.status == "cancelled":
        raise Conflict(f"Message {message_id} is already cancelled.")
    before = {"status": row.status, "next_attempt_at": row.next_attempt_at}
    row.status = "cancelled"
    row.next_attempt_at = None
    session.add(row)
    shop_api.record(session=session, actor=actor, action="outbox.cancel", entity="outbox_message", entity_id=row.id,
                 summary=f"{row.channel} to {row.recipient} cancelled", before=before,
                 after={"status": row.status, "next_attempt_at": None})
    session.flush()
    return _read(row)


def _stamp(session: Session, moment: datetime | None) -> str:
    """A moment in a sentence, in the shop's zone."""
    from shoptui import wording

    return wording.when(moment, shop_api.timezone(session=session), none="an unknown time")


# ---------------------------------------------------------------- transports


class DeliveryError(Exception):
    """One message could not be delivered; ``str`` is the one-line reason kept in ``last_error``.

    ``channel_down``: the server or gateway cannot be used at all (unreachable, login or TLS
    refused), so the rest of that channel's messages are not tried in this run.
    ``permanent``: the server refused this message for good (no retries).
    """

    def __init__(self, reason: str, *, channel_down: bool = False, permanent: bool = False) -> None:
        super().__init__(" ".join(reason.split())[:1000])
        self.channel_down = channel_down
        self.permanent = permanent


@dataclass(frozen=True)
class Outbound:
    """What a transport needs to deliver one message (a snapshot, no session)."""

    id: int
    channel: str
    recipient: str
    subject: str
    body: str
    ref_kind: str | None
    ref_id: str | None


class Transport(Protocol):
    """Delivers messages of one channel; raises DeliveryError."""

    def send(self, message: Outbound) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class SmtpConfig:
    """How to reach the SMTP server."""

    host: str
    port: int
    security: str
    user: str
    password: str
    sender: str
    timeout: float


@dataclass(frozen=True)
class SmsConfig:
    """How to reach the SMS gateway."""

    url: str
    headers: dict[str, str]
    sender: str
    timeout: float


def _smtp_config(values: dict[str, Any]) -> SmtpConfig | str:
    """The SMTP set-up, or a sentence naming what is missing."""
    if not values["smtp_host"]:
        return ("Email is not set up: smtp_host is empty. "
                "Set it with 'shoptui settings set smtp_host mail.example.com'.")
    from email.headerregistry import Address

    sender = values["smtp_from"]
    if not sender and values["email"]:
        sender = str(Address(display_name=values["name"], addr_spec=values["email"]))
    if not sender:
        return ("Email has no sender address: set smtp_from (or the store's email) with "
                "'shoptui settings set smtp_from shop@example.com'.")
    return SmtpConfig(host=values["smtp_host"], port=int(values["smtp_port"]), security=values["smtp_security"],
                      user=values["smtp_user"], password=values["smtp_password"],
                      sender=sender, timeout=float(values["smtp_timeout"]))


def _sms_config(values: dict[str, Any]) -> SmsConfig | str:
    """The SMS gateway set-up, or a sentence naming what is missing."""
    if not values["sms_gateway_url"]:
        return ("SMS is not set up: sms_gateway_url is empty. "
                "Set it with 'shoptui settings set sms_gateway_url https://sms.example.com/send'.")
    return SmsConfig(url=values["sms_gateway_url"], headers=dict(values["sms_headers"] or {}),
                     sender=values["sms_sender"], timeout=float(values.get("sms_timeout") or 20))


class SmtpTransport:
    """Email over SMTP: one connection per run, opened at the first message."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    @property
    def where(self) -> str:
        return f"{self.config.host}:{self.config.port}"

    def send(self, message: Outbound) -> None:
        """Deliver one email; raises DeliveryError with the reason."""
        import smtplib

        try:
            email = self._compose(message)
        except (ValueError, TypeError) as exc:
            raise DeliveryError(f"The email could not be composed: {exc}.", permanent=True) from None
        smtp = self._connection()
        try:
            refused = smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text_ = next(iter(exc.recipients.values()), (0, b""))
            raise DeliveryError(f"The SMTP server {self.where} refused the recipient {message.recipient} "
                                f"({code} {_decode(text_)}).", permanent=code >= 500) from None
        except smtplib.SMTPSenderRefused as exc:
            self._drop()
            raise DeliveryError(f"The SMTP server {self.where} refused the sender address {self.config.sender} "
                                f"({exc.smtp_code} {_decode(exc.smtp_error)}). Check smtp_from.",
                                channel_down=True) from None
        except smtplib.SMTPDataError as exc:
            raise DeliveryError(f"The SMTP server {self.where} refused the message ({exc.smtp_code} "
                                f"{_decode(exc.smtp_error)}).", permanent=exc.smtp_code >= 500) from None
        except smtplib.SMTPServerDisconnected as exc:
            self._drop()
            raise DeliveryError(f"The SMTP server {self.where} closed the connection while sending ({exc}).") from None
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            raise DeliveryError(f"Sending through the SMTP server {self.where} failed: {_describe(exc)}.") from None
        if refused:
            address, (code, text_) = next(iter(refused.items()))
            raise DeliveryError(f"The SMTP server {self.where} refused the recipient {address} "
                                f"({code} {_decode(text_)}).", permanent=code >= 500)

    def _compose(self, message: Outbound) -> EmailMessage:
        import email.policy
        from email.message import EmailMessage
        from email.utils import format_datetime, make_msgid

        email_ = EmailMessage(policy=email.policy.SMTP.clone(cte_type="7bit"))
        email_["From"] = self.config.sender
        email_["To"] = message.recipient
        email_["Subject"] = message.subject
        email_["Date"] = format_datetime(clock.now())
        domain = self.config.sender.rpartition("@")[2].strip("> ") or None
        email_["Message-ID"] = make_msgid(idstring=f"outbox{message.id}", domain=domain)
        email_.set_content(message.body)
        return email_

    def _connection(self) -> smtplib.SMTP:
        import smtplib
        import ssl

        if self._smtp is not None:
            return self._smtp
        config = self.config
        smtp: smtplib.SMTP | None = None
        try:
            if config.security == "ssl":
                smtp = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout,
                                        context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
                if config.security == "starttls":
                    try:
                        smtp.starttls(context=ssl.create_default_context())
                    except smtplib.SMTPNotSupportedError:
                        raise DeliveryError(f"The SMTP server {self.where} does not offer STARTTLS; set smtp_security "
                                            "to ssl (port 465) or none.", channel_down=True) from None
            if config.user:
                smtp.login(config.user, config.password)
        except DeliveryError:
            _quit(smtp)
            raise
        except smtplib.SMTPNotSupportedError:
            _quit(smtp)
            raise DeliveryError(f"The SMTP server {self.where} does not offer a login; clear smtp_user or use "
                                "another server.", channel_down=True) from None
        except smtplib.SMTPAuthenticationError as exc:
            _quit(smtp)
            raise DeliveryError(f"The SMTP server {self.where} refused the login of {config.user!r} "
                                f"({exc.smtp_code} {_decode(exc.smtp_error)}). Check smtp_user and the password.",
                                channel_down=True) from None
        except ssl.SSLError as exc:
            _quit(smtp)
            raise DeliveryError(f"TLS with the SMTP server {self.where} failed ({exc.reason or exc}). "
                                "Check smtp_security and smtp_port.", channel_down=True) from None
        except (smtplib.SMTPException, OSError) as exc:
            _quit(smtp)
            raise DeliveryError(f"Cannot reach the SMTP server {self.where}: {_describe(exc)}. "
                                "Check smtp_host, smtp_port and smtp_security.", channel_down=True) from None
        self._smtp = smtp
        return smtp

    def _drop(self) -> None:
        _quit(self._smtp)
        self._smtp = None

    def close(self) -> None:
        """Say goodbye to the server."""
        self._drop()


def _quit(smtp: smtplib.SMTP | None) -> None:
    import smtplib

    if smtp is None:
        return
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _decode(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _describe(exc: BaseException) -> str:
    """A short, human reason for a network failure."""
    import socket
    import urllib.error

    if isinstance(exc, urllib.error.URLError) and not isinstance(exc, urllib.error.HTTPError):
        reason = exc.reason
        return _describe(reason) if isinstance(reason, BaseException) else str(reason)
    if isinstance(exc, socket.gaierror):
        return "the host name does not resolve"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, TimeoutError):
        return "no answer in time"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror[0].lower() + exc.strerror[1:]
    return str(exc) or type(exc).__name__


class SmsGatewayTransport:
    """SMS as an HTTP POST of JSON to the gateway: ``{"to", "from", "text", "message_id", "reference"}``."""

    def __init__(self, config: SmsConfig) -> None:
        self.config = config
        parts = urlsplit(config.url)
        # never the query (it may hold a token), nor a user:password@ in the host part
        self.where = f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}"

    def send(self, message: Outbound) -> None:
        """POST one SMS; a 2xx answer is success, anything else a DeliveryError."""
        import urllib.error
        import urllib.request

        from shoptui import __version__

        payload = {"to": message.recipient, "from": self.config.sender, "text": message.body,
                   "message_id": message.id,
                   "reference": f"{message.ref_kind}:{message.ref_id}" if message.ref_kind else None}
        headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json",
                   "User-Agent": f"shoptui/{__version__}"}
        headers.update(self.config.headers)
        request = urllib.request.Request(self.config.url, data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
                                         headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.config.timeout) as response:
                response.read(4096)
        except urllib.error.HTTPError as exc:
            snippet = _snippet(exc)
            down = exc.code in (401, 403, 404, 405)
            hint = " Check sms_gateway_url and sms_headers." if down else ""
            raise DeliveryError(f"The SMS gateway {self.where} answered {exc.code} {exc.reason}"
                                f"{': ' + snippet if snippet else ''}.{hint}", channel_down=down) from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise DeliveryError(f"Cannot reach the SMS gateway {self.where}: {_describe(exc)}. "
                                "Check sms_gateway_url.", channel_down=True) from None

    def close(self) -> None:
        """Nothing to close: one request per message."""


def _snippet(exc: Any) -> str:
    """The start of an HTTP error's body, on one line."""
    try:
        body = exc.read(300).decode("utf-8", "replace")
    except (OSError, ValueError):
        return ""
    finally:
        exc.close()
    body = " ".join(body.split())
    return body[:200] + ("…" if len(body) > 200 else "")


# ---------------------------------------------------------------- delivery


UnitOfWork = Callable[[], AbstractContextManager[Session]]


@dataclass(frozen=True)
class Failure:
    """One message that failed in this run."""

    id: int
    channel: str
    recipient: str
    error: str
    final: bool


@dataclass(frozen=True)
class DeliveryReport:
    """What one ``deliver_due`` run did."""

    sent: int = 0
    failed: int = 0
    failures: tuple[Failure, ...] = ()
    stuck: int = 0  # found 'sending' from a stopped sender, now failed
    returned: int = 0  # claimed but handed back unsent (batch ran out of time)
    queued: int = 0  # after the run: queued messages
    retrying: int = 0  # after the run: failed messages with a next attempt
    next_attempt_at: datetime | None = None
    problems: tuple[str, ...] = ()  # set-up problems: a channel not configured or not usable
    disabled: bool = False

    def summary(self, tz: tzinfo) -> str:
        """``Sent 3, failed 1, left 0 queued.`` (times in the shop's zone ``tz``)."""
        line = f"Sent {self.sent}, failed {self.failed}, left {self.queued} queued"
        if self.retrying:
            when = "later"
            if self.next_attempt_at is not None:
                from shoptui import wording

                when = wording.when(self.next_attempt_at, tz)
            line += f", {self.retrying} to retry (next at {when})"
        if self.stuck:
            line += f"; {self.stuck} found stuck in sending, marked failed"
        return line + "."


@dataclass
class _Run:
    token: str
    started: datetime
    sent: int = 0
    failures: list[Failure] = field(default_factory=list)
    returned: int = 0
    problems: list[str] = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: 1 min, 5 min, 25 min, ... at most 6 h."""
    delay: timedelta = BACKOFF_FIRST * (BACKOFF_FACTOR ** max(0, min(attempts - 1, 10)))
    return min(delay, BACKOFF_CAP)


def _due(now: datetime) -> Any:
    return and_(
        or_(col(OutboxMessage.status) == "queued", col(OutboxMessage.status) == "failed"),
        col(OutboxMessage.next_attempt_at).is_not(None),
        col(OutboxMessage.next_attempt_at) <= now,
    )


def deliver_due(
    store: str | UnitOfWork | None = None,
    *,
    limit: int = 100,
    now: datetime | None = None,
    transports: dict[str, Transport] | None = None,
) -> DeliveryReport:
    """Send up to ``limit`` due messages and record each outcome; safe to run from cron, and in parallel.

    ``store`` is a store URL (``None``: the configured store) or a factory of write units (like
    ``lambda: db.transaction(url)``). ``now`` pins the run's clock (default ``clock.now()``,
    looked up at each step). ``transports`` replaces the SMTP/SMS transports by channel.
    See the module docstring for the rules.
    """
    unit = _unit_of_work(store)
    limit = clamp_limit(limit)

    def moment() -> datetime:
        return now if now is not None else clock.now()

    import secrets
    import socket

    run = _Run(token=f"{socket.gethostname()[:40]}-{os.getpid()}-{secrets.token_hex(4)}", started=moment())
    with unit() as session:
        values = _settings(session)
        if not values["outbox_enabled"]:
            return _report(session, run, moment(), disabled=True, stuck=0)
        stuck = _fail_stuck(session, moment())
        ready, max_attempts = _transports(session, values, run, moment(), transports)
        batch = _claim(session, run, moment(), list(ready), limit)
    try:
        _send_batch(unit, run, batch, ready, max_attempts, moment)
    finally:
        for transport in ready.values():
            transport.close()
    with unit() as session:
        return _report(session, run, moment(), disabled=False, stuck=stuck)


def _unit_of_work(store: str | UnitOfWork | None) -> UnitOfWork:
    if callable(store):
        return store
    from shoptui import db

    url = store
    return lambda: db.transaction(url)


def _settings(session: Session) -> dict[str, Any]:

    values = shop_api.get_all(session=session)
    for key, definition in shop_api.definitions().items():  # secrets from outside the store
        if definition.secret:
            values[key] = shop_api.secret(session=session, key=key)
    return values


def _transports(
    session: Session, values: dict[str, Any], run: _Run, now: datetime, given: dict[str, Transport] | None,
) -> tuple[dict[str, Transport], int]:
    """The usable transport per channel; a channel with waiting messages but no set-up is a problem."""
    ready: dict[str, Transport] = {}
    for channel in CHANNELS:
        if given is not None and channel in given:
            ready[channel] = given[channel]
            continue
        config = _smtp_config(values) if channel == "email" else _sms_config(values)
        if isinstance(config, str):
            waiting = session.exec(select(func.count()).select_from(OutboxMessage)
                                   .where(_due(now), OutboxMessage.channel == channel)).one()
            if waiting:
                run.problems.append(f"{plural(waiting, channel + ' message')} {'stays' if waiting == 1 else 'stay'} queued. {config}")
            continue
        ready[channel] = SmtpTransport(config) if isinstance(config, SmtpConfig) else SmsGatewayTransport(config)
    return ready, int(values["outbox_max_attempts"])


def _fail_stuck(session: Session, now: datetime) -> int:
    """Messages left 'sending' by a sender that stopped: failed, not re-sent; the operator decides."""
    rows = session.exec(select(OutboxMessage).where(
        OutboxMessage.status == "sending", col(OutboxMessage.claimed_at) < now - STALE_AFTER)
        .with_for_update(skip_locked=True)).all()  # PostgreSQL: one sender handles each; SQLite: BEGIN IMMEDIATE
    for row in rows:
        row.status = "failed"
        row.attempts += 1
        row.next_attempt_at = None
        row.last_error = (f"{STUCK_ERROR} (claimed by {row.claimed_by} at {_stamp(session, row.claimed_at)}); it may or may "
                          f"not have been delivered. Check, then 'shoptui outbox retry {row.id}' or "
                          f"'shoptui outbox cancel {row.id}'.")
        row.claimed_by = None
        session.add(row)
        _notify_failed(session, row)
    return len(rows)


def _claim(session: Session, run: _Run, now: datetime, channels: list[str], limit: int) -> list[Outbound]:
    """Mark up to ``limit`` due messages as ours; the UPDATE re-checks 'due', so one sender wins each."""
    if not channels:
        return []
    ids = session.exec(
        select(OutboxMessage.id).where(_due(now), col(OutboxMessage.channel).in_(channels))
        .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id)).limit(limit)
        .with_for_update(skip_locked=True)  # PostgreSQL: a second sender takes other rows
    ).all()
    if not ids:
        return []
    session.execute(
        update(OutboxMessage).where(col(OutboxMessage.id).in_(ids), _due(now))
        .values(status="sending", claimed_by=run.token, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    rows = session.exec(select(OutboxMessage).where(col(OutboxMessage.id).in_(ids),
                                                    OutboxMessage.claimed_by == run.token,
                                                    OutboxMessage.status == "sending")
                        .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))).all()
    return [Outbound(id=r.id, channel=r.channel, recipient=r.recipient, subject=r.subject, body=r.body,
                     ref_kind=r.ref_kind, ref_id=r.ref_id) for r in rows if r.id is not None]


def _send_batch(
    unit: UnitOfWork, run: _Run, batch: list[Outbound], ready: dict[str, Transport], max_attempts: int,
    moment: Callable[[], datetime],
) -> None:
    down: dict[str, str] = {}  # channel -> why it cannot be used in this run
    for index, message in enumerate(batch):
        if moment() - run.started >= BATCH_BUDGET:
            run.returned += _hand_back(unit, run, [m.id for m in batch[index:]])
            return
        reason = down.get(message.channel)
        if reason is None:
            if not _renew(unit, run, message.id, moment()):
                continue  # no longer ours (cannot happen with the rules above; never send then)
            try:
                ready[message.channel].send(message)
            except DeliveryError as exc:
                if exc.channel_down:
                    down[message.channel] = str(exc)
                    run.problems.append(str(exc))
                _record_failure(unit, run, message, str(exc), exc.permanent, max_attempts, moment())
            else:
                _record_sent(unit, run, message, moment())
        else:
            _record_failure(unit, run, message, f"Not tried: {reason}", False, max_attempts, moment())


def _renew(unit: UnitOfWork, run: _Run, message_id: int, now: datetime) -> bool:
    with unit() as session:
        changed = session.exec(
            update(OutboxMessage).where(col(OutboxMessage.id) == message_id, col(OutboxMessage.claimed_by) == run.token,
                                        col(OutboxMessage.status) == "sending")
            .values(claimed_at=now).execution_options(synchronize_session=False)
        ).rowcount
    return bool(changed)


def _hand_back(unit: UnitOfWork, run: _Run, ids: list[int]) -> int:
    """Claimed but not tried: back to where they were (queued, or failed and due)."""
    with unit() as session:
        return session.exec(
            update(OutboxMessage).where(col(OutboxMessage.id).in_(ids), col(OutboxMessage.claimed_by) == run.token,
                                        col(OutboxMessage.status) == "sending")
            .values(status=case((col(OutboxMessage.attempts) == 0, "queued"), else_="failed"),
                    claimed_by=None, claimed_at=None)
            .execution_options(synchronize_session=False)
        ).rowcount


@contextmanager
def _ours(unit: UnitOfWork, run: _Run, message_id: int) -> Iterator[OutboxMessage | None]:
    """The claimed row in a write unit, or None when it is not (any longer) ours."""
    with unit() as session:
        row = session.get(OutboxMessage, message_id)
        if row is None or row.status != "sending" or row.claimed_by != run.token:
            yield None
            return
        yield row
        session.add(row)
        if row.status == "failed" and row.next_attempt_at is None:
            _notify_failed(session, row)
        if row.status == "sent" or (row.status == "failed" and row.next_attempt_at is None):
            _record_on_order(session, row)


def _record_sent(unit: UnitOfWork, run: _Run, message: Outbound, now: datetime) -> None:
    with _ours(unit, run, message.id) as row:
        if row is None:
            return
        row.status = "sent"
        row.sent_at = now
        row.attempts += 1
        row.last_error = None
        row.next_attempt_at = None
        row.claimed_by = None
        run.sent += 1


def _record_failure(
    unit: UnitOfWork, run: _Run, message: Outbound, error: str, permanent: bool, max_attempts: int, now: datetime,
) -> None:
    with _ours(unit, run, message.id) as row:
        if row is None:
            return
        row.status = "failed"
        row.attempts += 1
        row.last_error = error[:1000]
        row.claimed_by = None
        final = permanent or row.attempts >= max_attempts
        row.next_attempt_at = None if final else now + backoff(row.attempts)
        run.failures.append(Failure(id=message.id, channel=message.channel, recipient=message.recipient,
                                    error=row.last_error, final=final))


def _record_on_order(session: Session, row: OutboxMessage) -> None:
    """A message about an order: its timeline says when it was delivered, or given up on (queued is said at queueing)."""
    if row.ref_kind != "order" or not row.ref_id:
        return
    from shoptui.models.orders import Order, OrderEvent

    order_id = session.exec(select(Order.id).where(Order.number == row.ref_id)).first()
    if order_id is None:
        return
    what = "Payment reminder" if row.template == "order.reminder" else "Message"
    channel = "SMS" if row.channel == "sms" else row.channel
    if row.status == "sent":
        kind, message = "message_sent", f"{what} sent by {channel} to {row.recipient}."
    else:
        kind, message = "message_failed", f"{what} by {channel} to {row.recipient} failed: {row.last_error}"
    session.add(OrderEvent(order_id=order_id, at=clock.now(), kind=kind, message=message[:1000], actor="sender",
                           data={"message_id": row.id, "template": row.template}))


def _notify_failed(session: Session, row: OutboxMessage) -> None:
    """Tell the operator once that a message was given up on."""
    shop_api.notify(
        session=session, severity="error",
        title=f"{row.channel.capitalize()} to {row.recipient} was not sent",
        body=f"{row.last_error} After {plural(row.attempts, 'attempt')} it is left as failed; "
             f"'shoptui outbox retry {row.id}' sends it again.",
        link_kind="outbox_message", link_id=row.id, dedupe_key=f"outbox.failed.{row.id}.{row.attempts}",
    )


def _report(session: Session, run: _Run, now: datetime, *, disabled: bool, stuck: int) -> DeliveryReport:
    queued = session.exec(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "queued")).one()
    retrying, next_at = session.exec(
        select(func.count(), func.min(OutboxMessage.next_attempt_at))
        .where(OutboxMessage.status == "failed", col(OutboxMessage.next_attempt_at).is_not(None))
    ).one()
    if next_at is not None:
        next_at = clock.ensure_utc(next_at)
    return DeliveryReport(sent=run.sent, failed=len(run.failures), failures=tuple(run.failures), stuck=stuck,
                          returned=run.returned, queued=int(queued), retrying=int(retrying), next_attempt_at=next_at,
                          problems=tuple(run.problems), disabled=disabled)
