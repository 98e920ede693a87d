"""``shoptui outbox``: the queue of email and SMS to people."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from shoptui.cli._output import (
    JSON_OPTION,
    KEY_OPTION,
    change,
    emit_json,
    emit_pairs,
    emit_table,
    fail,
    reading,
    refusals,
    say,
    state,
    when,
)
from shoptui.wording import plural

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from sqlmodel import Session

    from shoptui.config import Actor
    from shoptui.services.messaging import MessageRead
    from shoptui.services.shop import Outcome

HELP = """The messaging outbox: list, send and retry email and SMS.

Modules queue messages in the same transaction as the change they report; 'shoptui outbox send'
delivers them. Run it from cron every minute or so.

Set-up with 'shoptui settings set KEY VALUE'.

Email: smtp_host, smtp_port (587), smtp_security (none, starttls or ssl), smtp_user,
smtp_password (or the SHOPTUI_SMTP_PASSWORD environment variable, which wins), smtp_from
(default: the store's email), smtp_timeout (20 s).

SMS: sms_gateway_url (each SMS is POSTed there as JSON with to, from, text, message_id and
reference), sms_headers (a JSON object, e.g. {"Authorization": "Bearer KEY"}), sms_sender,
sms_timeout (20 s).

Both: outbox_max_attempts (5), outbox_enabled (yes).

Check the set-up with 'shoptui outbox test-email you@example.com', then 'shoptui outbox send'.
"""

app = typer.Typer(help=HELP, no_args_is_help=True)

STATUS_HELP = "Only messages in this status: queued, sending, sent, failed or cancelled."
ID_ARGUMENT = typer.Argument(..., help="The message id (from 'shoptui outbox list').")


@app.command("list")
def list_messages(
    ctx: typer.Context,
    status: str | None = typer.Option(None, "--status", help=STATUS_HELP),
    channel: str | None = typer.Option(None, "--channel", help="Only this channel: email or sms."),
    limit: int = typer.Option(50, "--limit", min=1, max=1000, help="How many messages (1-1000)."),
    after: str | None = typer.Option(None, "--after", help="Continue after this cursor (printed below a page)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """The messages in the outbox, newest first.

    Example: shoptui outbox list --status failed --json
    """
    from shoptui.services import messaging as messaging_api
    from shoptui.services import shop

    with reading(ctx) as session:
        tz = shop.timezone(session=session)
        page = messaging_api.list_messages(session=session, actor=state(ctx).actor, status=status and status.strip().lower(),
                                       channel=channel and channel.strip().lower(), after=after, limit=limit)
    if as_json:
        emit_json(page.items)
        return
    emit_table(
        ((m.id, m.channel, m.recipient, _short(m.body if m.channel == "sms" else m.subject, 30), _status(m), _next(m, tz))
         for m in page.items),
        ["id", "via", "to", "subject / text", "status", "sent / next try"],
        justify={"id": "right"}, empty="No messages.",
    )
    if page.next_after:
        say(f"More: shoptui outbox list --after {page.next_after}")


def _short(text: str, width: int = 40) -> str:
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


def _status(message: MessageRead) -> str:
    return f"{message.status} ({message.attempts})" if message.attempts > 1 else message.status


def _next(message: MessageRead, tz: ZoneInfo) -> str:
    if message.status == "sent":
        return when(message.sent_at, tz)[5:]
    if message.status in ("queued", "failed") and message.next_attempt_at is not None:
        return when(message.next_attempt_at, tz)[5:]
    if message.status == "failed":
        return "gave up"
    return ""


@app.command("show")
def show_message(ctx: typer.Context, message_id: int = ID_ARGUMENT, as_json: bool = JSON_OPTION) -> None:
    """One message with its body and last error.

    Example: shoptui outbox show 12
    """
    from shoptui.services import messaging as messaging_api
    from shoptui.services import shop

    with reading(ctx) as session:
        tz = shop.timezone(session=session)
        message = messaging_api.get_message(session=session, actor=state(ctx).actor, message_id=message_id)
    if as_json:
        emit_json(message)
        return
    emit_pairs([
        ("id", message.id), ("channel", message.channel), ("to", message.recipient), ("status", message.status),
        ("attempts", message.attempts), ("queued at", when(message.created_at, tz)),
        ("next try", when(message.next_attempt_at, tz) if message.status in ("queued", "failed") else ""),
        ("sent at", when(message.sent_at, tz)), ("last error", message.last_error),
        ("about", f"{message.ref_kind} {message.ref_id or ''}".strip() if message.ref_kind else ""),
        ("template", message.template), ("subject", message.subject),
    ])
    say("")
    say(message.body)


@app.command("send")
def send(
    ctx: typer.Context,
    limit: int = typer.Option(100, "--limit", min=1, max=1000, help="Send at most this many messages now (1-1000)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Deliver the messages that are due; failures are retried later (1, 5, 25 min, ...).

    Safe to run from cron and twice at once: no message is sent twice. Prints
    "Sent 3, failed 1, left 0 queued." Exit 0 when every message was tried (some may have
    failed: see 'shoptui outbox list --status failed'); exit 1 when a channel could not be used
    at all: not set up while messages wait (they stay queued), or the SMTP server / SMS gateway
    unreachable or refusing the login. Does nothing while outbox_enabled is no.

    Example: shoptui outbox send --limit 50
    """
    from shoptui.services import messaging as messaging_api
    from shoptui.services import shop

    with refusals():
        report = messaging_api.deliver_due(state(ctx).url, limit=limit)
    with reading(ctx) as session:
        tz = shop.timezone(session=session)
    if report.disabled:
        waiting = report.queued + report.retrying
        message = (f"Sending is switched off (outbox_enabled is no); {plural(waiting, 'message')} {'waits' if waiting == 1 else 'wait'}. "
                   "Switch it on with 'shoptui settings set outbox_enabled yes'.")
        if as_json:
            emit_json({"disabled": True, "sent": 0, "failed": 0, "queued": report.queued,
                       "retrying": report.retrying, "message": message})
        else:
            say(message)
        return
    if as_json:
        emit_json({"disabled": False, "sent": report.sent, "failed": report.failed, "queued": report.queued,
                   "retrying": report.retrying, "next_attempt_at": report.next_attempt_at,
                   "stuck": report.stuck, "returned": report.returned,
                   "failures": list(report.failures), "problems": list(report.problems)})
    else:
        say(report.summary(tz))
        for failure in report.failures:
            final = " (given up)" if failure.final else ""
            say(f"  failed #{failure.id} {failure.channel} to {failure.recipient}{final}: {failure.error}",
                       err=True)
    if report.problems:
        for problem in report.problems[:-1]:
            say(f"error: {problem}", err=True)
        raise fail(report.problems[-1])


@app.command("retry")
def retry(
    ctx: typer.Context,
    message_id: int | None = typer.Argument(None, help="The failed message's id (or give --all-failed)."),
    all_failed: bool = typer.Option(False, "--all-failed", help="Every failed message."),
    idempotency_key: str | None = KEY_OPTION,
) -> None:
    """Make failed messages due now, with a fresh set of attempts; 'outbox send' delivers them.

    Examples: shoptui outbox retry 12;  shoptui outbox retry --all-failed
    """
    from shoptui.services import messaging as messaging_api
    from shoptui.services.shop import Outcome

    if (message_id is None) == (not all_failed):
        raise fail("Name one message id, or give --all-failed (not both).", 2)

    def work(session: Session, actor: Actor) -> Outcome:
        if message_id is None:  # then --all-failed was given (checked above)
            items = messaging_api.retry_all_failed(session=session, actor=actor)
            return Outcome(f"Queued {plural(len(items), 'failed message')} again.", {"queued": [m.id for m in items]})
        message = messaging_api.retry(session=session, actor=actor, message_id=message_id)
        return Outcome(f"Queued message {message.id} ({message.channel} to {message.recipient}) again.",
                       {"queued": [message.id]})

    change(ctx, "outbox.retry", work, key=idempotency_key)


@app.command("cancel")
def cancel(ctx: typer.Context, message_id: int = ID_ARGUMENT, idempotency_key: str | None = KEY_OPTION) -> None:
    """Stop a queued or failed message from being sent.

    Example: shoptui outbox cancel 12
    """
    from shoptui.services import messaging as messaging_api
    from shoptui.services.shop import Outcome

    def work(session: Session, actor: Actor) -> Outcome:
        message = messaging_api.cancel(session=session, actor=actor, message_id=message_id)
        return Outcome(f"Cancelled message {message.id} ({message.channel} to {message.recipient}).",
                       {"cancelled": message.id})

    change(ctx, "outbox.cancel", work, key=idempotency_key)


def _queue_test(ctx: typer.Context, channel: str, recipient: str, key: str | None) -> None:
    from shoptui.services import messaging as messaging_api
    from shoptui.services.shop import Outcome

    def work(session: Session, actor: Actor) -> Outcome:
        message = messaging_api.queue_test(session=session, actor=actor, channel=channel, recipient=recipient)
        return Outcome(f"Queued test {channel} {message.id} to {message.recipient}; "
                       "'shoptui outbox send' delivers it.", {"queued": message.id})

    change(ctx, f"outbox.test-{channel}", work, key=key)


@app.command("test-email")
def test_email(
    ctx: typer.Context,
    address: str = typer.Argument(..., help="Where the test email goes."),
    idempotency_key: str | None = KEY_OPTION,
) -> None:
    """Queue one test email to check the SMTP set-up (then run 'shoptui outbox send').

    Example: shoptui outbox test-email owner@example.com
    """
    _queue_test(ctx, "email", address, idempotency_key)


@app.command("test-sms")
def test_sms(
    ctx: typer.Context,
    phone: str = typer.Argument(..., help="The phone number the test SMS goes to, e.g. +8613800138000."),
    idempotency_key: str | None = KEY_OPTION,
) -> None:
    """Queue one test SMS to check the SMS gateway set-up (then run 'shoptui outbox send').

    Example: shoptui outbox test-sms +8613800138000
    """
    _queue_test(ctx, "sms", phone, idempotency_key)
