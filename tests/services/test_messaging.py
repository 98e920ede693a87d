"""The messaging outbox: queueing, real SMTP and SMS delivery, backoff, claims, operator actions."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from pytest_httpserver import HTTPServer
from sqlmodel import select
from werkzeug import Response

from shoptui import clock, db
from shoptui.errors import Conflict, InvalidInput, NotFound
from shoptui.models.messaging import OutboxMessage
from shoptui.models.store import AuditEntry, Notification
from shoptui.services.messaging import outbox as messaging
from shoptui.services.shop import settings
from tests.conftest import CLERK, FROZEN_AT

CHINESE_SUBJECT = "订单 $order 已发货"
CHINESE_BODY = "您好，$name！\n您的订单 $order 已发货。\nThank you — 谢谢。\n"


# ---------------------------------------------------------------- helpers and servers


def free_port() -> int:
    """A port nothing listens on (bound, read, released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.delay = 0.0
        self.refuse: set[str] = set()
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        if self.delay:
            await asyncio.sleep(self.delay)
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self._lock:
            self.messages.append(parsed)  # type: ignore[arg-type]
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class SmtpServer:
    """A running local SMTP server and its mailbox."""

    def __init__(self, port: int, mailbox: Mailbox) -> None:
        self.port = port
        self.mailbox = mailbox


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on a free local port (no TLS: smtp_security none)."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer(port, mailbox)
    finally:
        controller.stop()


def configure(url: str, **values: object) -> None:
    """Set store settings (as an operator would type them)."""
    with db.transaction(url) as session:
        for key, value in values.items():
            settings.set_value(session=session, actor=CLERK, key=key, raw=str(value))


def use_smtp(url: str, port: int, **more: object) -> None:
    """Point the store at a local SMTP server without TLS."""
    values: dict[str, object] = {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none",
                                 "smtp_timeout": 5, "smtp_from": "shop@example.cn"}
    configure(url, **(values | more))


def queue_email(url: str, *, to: str = "kunde@example.cn", order: int = 1) -> int:
    """Queue one Chinese order email; returns its id."""
    with db.transaction(url) as session:
        message = messaging.queue(session=session, channel="email", recipient=to, template="order.shipped",
                                  subject=CHINESE_SUBJECT, body=CHINESE_BODY,
                                  context={"order": f"SO-{order:04d}", "name": "王小明"},
                                  ref_kind="order", ref_id=order)
    return message.id


def queue_sms(url: str, *, to: str = "+8613800138000", text: str = "取货码 $code") -> int:
    """Queue one SMS; returns its id."""
    with db.transaction(url) as session:
        return messaging.queue(session=session, channel="sms", recipient=to, template="pickup", subject="",
                               body=text, context={"code": "8812"}, ref_kind="order", ref_id=7).id


def message(url: str, message_id: int) -> messaging.MessageRead:
    with db.read_session(url) as session:
        return messaging.get_message(session=session, message_id=message_id)


def notifications_about(url: str, message_id: int) -> list[tuple[str, str, str]]:
    """(severity, title, body) of the notifications linked to a message."""
    with db.read_session(url) as session:
        rows = session.exec(select(Notification).where(Notification.link_kind == "outbox_message",
                                                       Notification.link_id == str(message_id))).all()
        return [(row.severity, row.title, row.body) for row in rows]


# ---------------------------------------------------------------- queueing


def test_queue_renders_templates_and_is_due_now(store: str, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    message_id = queue_email(store, order=42)
    queued = message(store, message_id)
    assert queued.status == "queued"
    assert queued.subject == "订单 SO-0042 已发货"
    assert queued.body.startswith("您好，王小明！")
    assert queued.next_attempt_at == FROZEN_AT
    assert (queued.ref_kind, queued.ref_id) == ("order", "42")


@pytest.mark.parametrize(
    ("channel", "recipient", "complaint"),
    [
        ("email", "not-an-address", "is not an email address"),
        ("email", "", "is not an email address"),
        ("email", "a@b.cn\nBcc: all@x.cn", "is not an email address"),
        ("email", "x" * 400 + "@b.cn", "at most 320 fit"),
        ("sms", "call me", "is not a phone number"),
        ("sms", "+86", "is not a phone number"),
        ("fax", "+8613800138000", "Channel 'fax' is not one of email, sms"),
    ],
)
def test_queue_refuses_bad_recipients(session, channel: str, recipient: str, complaint: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match=complaint):
        messaging.queue(session=session, channel=channel, recipient=recipient, template="t", subject="s", body="b")
    assert session.exec(select(OutboxMessage)).all() == []


def test_queue_refuses_missing_template_values_and_empty_bodies(session) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match="needs a value for 'order'"):
        messaging.queue(session=session, channel="email", recipient="a@b.cn", template="t", subject="s",
                        body="Order $order")
    with pytest.raises(InvalidInput, match="empty body"):
        messaging.queue(session=session, channel="email", recipient="a@b.cn", template="t", subject="s", body="  ")


def test_subject_is_kept_to_one_line(session) -> None:  # type: ignore[no-untyped-def]
    queued = messaging.queue(session=session, channel="email", recipient="a@b.cn", template="t",
                             subject="Hello\r\nBcc: all@example.com", body="x")
    assert queued.subject == "Hello Bcc: all@example.com"


# ---------------------------------------------------------------- email over SMTP


def test_email_is_delivered_over_smtp_with_utf8(store: str, smtp_server: SmtpServer, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    use_smtp(store, smtp_server.port)
    message_id = queue_email(store, to="kunde@example.cn", order=7)

    report = messaging.deliver_due(store)

    assert (report.sent, report.failed, report.queued, report.problems) == (1, 0, 0, ())
    assert report.summary(ZoneInfo("Asia/Shanghai")) == "Sent 1, failed 0, left 0 queued."
    [mail] = smtp_server.mailbox.messages
    assert smtp_server.mailbox.envelopes == [("shop@example.cn", ["kunde@example.cn"])]
    assert mail["To"] == "kunde@example.cn"
    assert mail["From"] == "shop@example.cn"
    assert mail["Subject"] == "订单 SO-0007 已发货"
    assert mail["Content-Transfer-Encoding"] in ("base64", "quoted-printable")  # 7-bit safe on any server
    assert mail.get_body().get_content().replace("\r\n", "\n") == "您好，王小明！\n您的订单 SO-0007 已发货。\nThank you — 谢谢。\n"
    assert mail.get_content_charset() == "utf-8"
    sent = message(store, message_id)
    assert (sent.status, sent.attempts, sent.sent_at, sent.last_error) == ("sent", 1, FROZEN_AT, None)


def test_sender_defaults_to_the_store_name_and_email(store: str, smtp_server: SmtpServer) -> None:
    use_smtp(store, smtp_server.port, smtp_from="", name="幸运猫 Lucky Cat", email="hello@luckycat.cn")
    queue_email(store)
    assert messaging.deliver_due(store).sent == 1
    [mail] = smtp_server.mailbox.messages
    assert mail["From"].addresses[0].display_name == "幸运猫 Lucky Cat"
    assert mail["From"].addresses[0].addr_spec == "hello@luckycat.cn"


def test_unreachable_smtp_server_fails_with_a_clear_reason_and_backs_off(store: str, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    closed = free_port()
    use_smtp(store, closed)
    first, second = queue_email(store, order=1), queue_email(store, order=2)

    report = messaging.deliver_due(store)

    assert (report.sent, report.failed) == (0, 2)
    reason = f"Cannot reach the SMTP server 127.0.0.1:{closed}: connection refused."
    assert report.problems[0].startswith(reason)
    one, two = message(store, first), message(store, second)
    assert one.status == "failed" and one.attempts == 1
    assert one.last_error is not None and one.last_error.startswith(reason) and "\n" not in one.last_error
    assert one.next_attempt_at == FROZEN_AT + timedelta(minutes=1)
    assert two.last_error == f"Not tried: {one.last_error}"  # the server was not hammered again
    assert report.retrying == 2 and report.next_attempt_at == FROZEN_AT + timedelta(minutes=1)
    assert report.summary(ZoneInfo("Asia/Shanghai")).endswith("(next at 2026-11-20 10:31).")
    assert notifications_about(store, first) == []  # not given up yet


def test_backoff_grows_and_the_last_attempt_notifies_once(store: str, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    use_smtp(store, free_port(), outbox_max_attempts=3)
    message_id = queue_email(store)

    messaging.deliver_due(store)
    assert message(store, message_id).next_attempt_at == FROZEN_AT + timedelta(minutes=1)

    clock.freeze(FROZEN_AT + timedelta(seconds=59))  # not due yet: nothing happens
    assert messaging.deliver_due(store).failed == 0
    assert message(store, message_id).attempts == 1

    clock.freeze(FROZEN_AT + timedelta(minutes=1))
    assert messaging.deliver_due(store).failed == 1
    second = message(store, message_id)
    assert (second.attempts, second.next_attempt_at) == (2, FROZEN_AT + timedelta(minutes=6))

    clock.freeze(FROZEN_AT + timedelta(minutes=6))
    report = messaging.deliver_due(store)
    assert report.failures[0].final is True
    final = message(store, message_id)
    assert (final.status, final.attempts, final.next_attempt_at) == ("failed", 3, None)
    [(severity, title, body)] = notifications_about(store, message_id)
    assert severity == "error" and "kunde@example.cn" in title and f"outbox retry {message_id}" in body

    clock.freeze(FROZEN_AT + timedelta(days=2))  # given up: never tried again, no second notification
    assert messaging.deliver_due(store).failed == 0
    assert message(store, message_id).attempts == 3
    assert len(notifications_about(store, message_id)) == 1


def test_backoff_schedule() -> None:
    minutes = [messaging.backoff(n) / timedelta(minutes=1) for n in range(1, 8)]
    assert minutes == [1, 5, 25, 125, 360, 360, 360]


def test_a_recipient_refused_for_good_is_not_retried(store: str, smtp_server: SmtpServer, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    use_smtp(store, smtp_server.port)
    smtp_server.mailbox.refuse.add("gone@example.cn")
    bad, good = queue_email(store, to="gone@example.cn"), queue_email(store, to="here@example.cn")

    report = messaging.deliver_due(store)

    assert (report.sent, report.failed, report.problems) == (1, 1, ())  # the server itself works
    refused = message(store, bad)
    assert refused.status == "failed" and refused.next_attempt_at is None
    assert "refused the recipient gone@example.cn (550" in (refused.last_error or "")
    assert message(store, good).status == "sent"
    assert len(notifications_about(store, bad)) == 1


# ---------------------------------------------------------------- SMS over HTTP


def test_sms_is_posted_as_json_with_the_configured_headers(store: str, httpserver: HTTPServer, frozen_clock,  # type: ignore[no-untyped-def]
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    configure(store, sms_gateway_url=httpserver.url_for("/send"), sms_sender="LuckyCat")
    # the gateway's token is a secret: from the environment (or the secrets file), never the store
    monkeypatch.setenv("SHOPTUI_SMS_HEADERS", '{"Authorization": "Bearer s3cret", "X-Account": "shop-1"}')
    httpserver.expect_request("/send", method="POST").respond_with_json({"ok": True})
    message_id = queue_sms(store)

    report = messaging.deliver_due(store)

    assert (report.sent, report.failed) == (1, 0)
    [(request, _response)] = httpserver.log
    assert request.headers["Authorization"] == "Bearer s3cret"
    assert request.headers["X-Account"] == "shop-1"
    assert request.headers["Content-Type"].startswith("application/json")
    assert json.loads(request.get_data().decode("utf-8")) == {
        "to": "+8613800138000", "from": "LuckyCat", "text": "取货码 8812", "message_id": message_id,
        "reference": "order:7",
    }
    assert message(store, message_id).status == "sent"


def test_sms_gateway_error_fails_with_status_and_body_then_backs_off(store: str, httpserver: HTTPServer, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    configure(store, sms_gateway_url=httpserver.url_for("/send"))
    httpserver.expect_request("/send", method="POST").respond_with_data(
        "upstream carrier\n timeout", status=500, content_type="text/plain")
    message_id = queue_sms(store)

    report = messaging.deliver_due(store)

    assert (report.sent, report.failed, report.problems) == (0, 1, ())
    failed = message(store, message_id)
    assert failed.status == "failed" and failed.attempts == 1
    assert failed.last_error == (f"The SMS gateway http://{httpserver.host}:{httpserver.port} answered 500 "
                                 "INTERNAL SERVER ERROR: upstream carrier timeout.")
    assert failed.next_attempt_at == FROZEN_AT + timedelta(minutes=1)


def test_sms_gateway_refusing_the_key_stops_the_channel(store: str, httpserver: HTTPServer) -> None:
    configure(store, sms_gateway_url=httpserver.url_for("/send?token=abc"))
    httpserver.expect_request("/send").respond_with_response(Response("bad key", status=401))
    first, second = queue_sms(store), queue_sms(store)

    report = messaging.deliver_due(store)

    assert report.failed == 2 and len(httpserver.log) == 1
    assert "answered 401" in report.problems[0] and "Check sms_gateway_url and sms_headers" in report.problems[0]
    assert "token=abc" not in report.problems[0]  # a token in the URL never lands in the log
    assert message(store, second).last_error == f"Not tried: {message(store, first).last_error}"


def test_unreachable_sms_gateway(store: str) -> None:
    configure(store, sms_gateway_url=f"http://127.0.0.1:{free_port()}/send")
    message_id = queue_sms(store)
    report = messaging.deliver_due(store)
    assert report.failed == 1
    assert "Cannot reach the SMS gateway" in (message(store, message_id).last_error or "")
    assert "connection refused" in report.problems[0]


def test_sms_gateway_url_setting_must_be_http(store: str) -> None:
    with pytest.raises(InvalidInput, match="is not an http:// or https:// URL"):
        configure(store, sms_gateway_url="ftp://sms.example.com")


# ---------------------------------------------------------------- set-up and switches


def test_unconfigured_channel_leaves_its_messages_queued_and_says_which_setting(
    store: str, httpserver: HTTPServer,
) -> None:
    configure(store, sms_gateway_url=httpserver.url_for("/send"))
    httpserver.expect_request("/send").respond_with_json({"ok": True})
    email_id, sms_id = queue_email(store), queue_sms(store)

    report = messaging.deliver_due(store)

    assert report.sent == 1  # SMS still go out
    assert report.problems == ("1 email message stays queued. Email is not set up: smtp_host is empty. "
                               "Set it with 'shoptui settings set smtp_host mail.example.com'.",)
    waiting = message(store, email_id)
    assert (waiting.status, waiting.attempts, waiting.last_error) == ("queued", 0, None)
    assert message(store, sms_id).status == "sent"


def test_email_without_any_sender_address_is_a_setup_problem(store: str, smtp_server: SmtpServer) -> None:
    use_smtp(store, smtp_server.port, smtp_from="")
    queue_email(store)
    report = messaging.deliver_due(store)
    assert "set smtp_from (or the store's email)" in report.problems[0]
    assert smtp_server.mailbox.messages == []


def test_sending_switched_off_sends_nothing(store: str, smtp_server: SmtpServer) -> None:
    use_smtp(store, smtp_server.port, outbox_enabled="no")
    message_id = queue_email(store)
    report = messaging.deliver_due(store)
    assert report.disabled and report.sent == 0 and report.queued == 1
    assert smtp_server.mailbox.messages == []
    assert message(store, message_id).status == "queued"


def test_password_from_the_environment_wins(store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from shoptui.models.store import StoreSetting

    configure(store, smtp_host="mail.example.cn", smtp_from="a@example.cn")
    with db.transaction(store) as session:  # what an older shoptui kept in the store: still used until cleared
        session.add(StoreSetting(key="smtp_password", value="stored"))
    with db.read_session(store) as session:
        assert settings.get_all(session=session)["smtp_password"] == ""  # never handed out with the others
        assert messaging._smtp_config(messaging._settings(session)).password == "stored"  # type: ignore[union-attr]
        monkeypatch.setenv("SHOPTUI_SMTP_PASSWORD", "from-env")
        assert messaging._smtp_config(messaging._settings(session)).password == "from-env"  # type: ignore[union-attr]


# ---------------------------------------------------------------- claims: never twice


def test_two_senders_at_once_never_send_a_message_twice(store: str, smtp_server: SmtpServer) -> None:
    use_smtp(store, smtp_server.port)
    smtp_server.mailbox.delay = 0.02  # slow server: the two senders overlap
    ids = [queue_email(store, order=n) for n in range(1, 13)]
    start = threading.Barrier(2)
    claimed: dict[str, int] = {}
    errors: list[BaseException] = []

    def sender(name: str) -> None:
        try:
            start.wait()
            total = 0
            while True:
                report = messaging.deliver_due(store, limit=2)
                if report.sent + report.failed == 0:
                    break
                total += report.sent + report.failed
            claimed[name] = total
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=sender, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    subjects = sorted(str(mail["Subject"]) for mail in smtp_server.mailbox.messages)
    assert subjects == sorted(f"订单 SO-{n:04d} 已发货" for n in range(1, 13))  # each exactly once
    assert claimed["a"] + claimed["b"] == 12 and claimed["a"] > 0 and claimed["b"] > 0
    assert all(message(store, i).status == "sent" and message(store, i).attempts == 1 for i in ids)


def test_a_message_stuck_in_sending_is_not_resent_silently(store: str, smtp_server: SmtpServer, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    use_smtp(store, smtp_server.port)
    stuck, recent = queue_email(store, order=1), queue_email(store, order=2)
    with db.transaction(store) as session:  # a sender claimed both, then died
        for message_id, age in ((stuck, 16), (recent, 5)):
            row = session.get(OutboxMessage, message_id)
            row.status, row.claimed_by, row.claimed_at = "sending", "ghost-1", FROZEN_AT - timedelta(minutes=age)
            session.add(row)

    report = messaging.deliver_due(store)

    assert report.stuck == 1 and report.sent == 0
    assert smtp_server.mailbox.messages == []
    old = message(store, stuck)
    assert (old.status, old.next_attempt_at, old.attempts) == ("failed", None, 1)
    assert old.last_error is not None and old.last_error.startswith(messaging.STUCK_ERROR)
    assert f"shoptui outbox retry {stuck}" in old.last_error
    assert len(notifications_about(store, stuck)) == 1
    assert message(store, recent).status == "sending"  # may still be in flight: left alone

    clock.freeze(FROZEN_AT + timedelta(hours=1))
    messaging.deliver_due(store)
    assert smtp_server.mailbox.messages == []  # neither is ever re-sent without the operator


class ClockAdvancingTransport:
    """Each send takes six minutes of (frozen) time."""

    def __init__(self) -> None:
        self.sent: list[int] = []

    def send(self, message: messaging.Outbound) -> None:
        self.sent.append(message.id)
        clock.freeze(clock.now() + timedelta(minutes=6))

    def close(self) -> None:
        pass


def test_a_slow_batch_hands_back_what_it_did_not_send(store: str, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    ids = [queue_email(store, order=n) for n in range(3)]
    transport = ClockAdvancingTransport()

    report = messaging.deliver_due(store, transports={"email": transport})

    assert transport.sent == ids[:1] and report.sent == 1 and report.returned == 2
    assert [message(store, i).status for i in ids] == ["sent", "queued", "queued"]
    again = messaging.deliver_due(store, transports={"email": transport})
    assert again.sent == 1  # the rest go out in later runs


def test_limit_bounds_one_run(store: str, smtp_server: SmtpServer) -> None:
    use_smtp(store, smtp_server.port)
    for n in range(5):
        queue_email(store, order=n)
    report = messaging.deliver_due(store, limit=2)
    assert (report.sent, report.queued) == (2, 3)
    with pytest.raises(InvalidInput, match="at least 1"):
        messaging.deliver_due(store, limit=0)


# ---------------------------------------------------------------- operator actions


def fail_once(url: str) -> int:
    """A message that failed once against a closed port."""
    use_smtp(url, free_port())
    message_id = queue_email(url)
    messaging.deliver_due(url)
    return message_id


def test_retry_makes_a_failed_message_due_now_and_is_audited(store: str, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    message_id = fail_once(store)
    clock.freeze(FROZEN_AT + timedelta(seconds=10))
    with db.transaction(store) as session:
        retried = messaging.retry(session=session, actor=CLERK, message_id=message_id)
    assert (retried.status, retried.attempts, retried.next_attempt_at) == ("queued", 0, FROZEN_AT + timedelta(seconds=10))
    with db.read_session(store) as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "outbox.retry")).one()
        assert entry.entity_id == str(message_id) and entry.before["status"] == "failed"
        assert entry.after["status"] == "queued" and entry.actor == "clerk"


def test_retry_refusals(store: str, smtp_server: SmtpServer) -> None:
    use_smtp(store, smtp_server.port)
    sent, queued = queue_email(store), None
    messaging.deliver_due(store)
    queued = queue_email(store)
    with db.transaction(store) as session:
        with pytest.raises(Conflict, match=f"Message {sent} was already sent at .*retrying would send it twice"):
            messaging.retry(session=session, actor=CLERK, message_id=sent)
        with pytest.raises(Conflict, match=f"Message {queued} is already queued"):
            messaging.retry(session=session, actor=CLERK, message_id=queued)
        with pytest.raises(NotFound, match="There is no outbox message 999"):
            messaging.retry(session=session, actor=CLERK, message_id=999)
        assert session.exec(select(AuditEntry).where(AuditEntry.entity == "outbox_message")).all() == []


def test_retry_all_failed(store: str) -> None:
    first = fail_once(store)
    second = queue_email(store)
    messaging.deliver_due(store)
    with db.transaction(store) as session:
        retried = messaging.retry_all_failed(session=session, actor=CLERK)
    assert sorted(m.id for m in retried) == sorted([first, second])
    assert {message(store, i).status for i in (first, second)} == {"queued"}


def test_cancel_stops_a_message_and_refuses_sent_ones(store: str, smtp_server: SmtpServer) -> None:
    use_smtp(store, smtp_server.port)
    keep, drop = queue_email(store, order=1), queue_email(store, order=2)
    with db.transaction(store) as session:
        assert messaging.cancel(session=session, actor=CLERK, message_id=drop).status == "cancelled"
    messaging.deliver_due(store)
    assert [str(m["Subject"]) for m in smtp_server.mailbox.messages] == ["订单 SO-0001 已发货"]
    with db.transaction(store) as session:
        with pytest.raises(Conflict, match=f"Message {keep} was already sent"):
            messaging.cancel(session=session, actor=CLERK, message_id=keep)
        with pytest.raises(Conflict, match=f"Message {drop} is already cancelled"):
            messaging.cancel(session=session, actor=CLERK, message_id=drop)
        with pytest.raises(NotFound):
            messaging.cancel(session=session, actor=CLERK, message_id=0)
        actions = session.exec(select(AuditEntry.action).where(AuditEntry.entity == "outbox_message")).all()
    assert actions == ["outbox.cancel"]


def test_list_filters_and_pages(store: str) -> None:
    ids = [queue_email(store, order=n) for n in range(3)] + [queue_sms(store)]
    with db.read_session(store) as session:
        first = messaging.list_messages(session=session, limit=3)
        assert [m.id for m in first.items] == ids[::-1][:3] and first.next_after == str(ids[1])
        rest = messaging.list_messages(session=session, limit=3, after=first.next_after)
        assert [m.id for m in rest.items] == [ids[0]] and rest.next_after is None
        assert [m.id for m in messaging.list_messages(session=session, channel="sms").items] == [ids[3]]
        assert messaging.list_messages(session=session, status="sent").items == []
        assert messaging.counts(session=session)["queued"] == 4
        with pytest.raises(InvalidInput, match="Status 'lost' is not one of"):
            messaging.list_messages(session=session, status="lost")
        with pytest.raises(InvalidInput, match="Channel 'fax'"):
            messaging.list_messages(session=session, channel="fax")
        with pytest.raises(InvalidInput, match="cursor 'x1'"):
            messaging.list_messages(session=session, after="x1")


def test_starttls_against_a_server_without_it_is_a_clear_setup_error(store: str, smtp_server: SmtpServer) -> None:
    use_smtp(store, smtp_server.port, smtp_security="starttls")
    message_id = queue_email(store)
    report = messaging.deliver_due(store)
    assert report.problems == (f"The SMTP server 127.0.0.1:{smtp_server.port} does not offer STARTTLS; set "
                               "smtp_security to ssl (port 465) or none.",)
    assert message(store, message_id).status == "failed" and smtp_server.mailbox.messages == []


def test_a_message_being_sent_cannot_be_retried_or_cancelled(store: str, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    message_id = queue_email(store)
    with db.transaction(store) as session:
        row = session.get(OutboxMessage, message_id)
        row.status, row.claimed_by, row.claimed_at = "sending", "other", FROZEN_AT
        session.add(row)
    with db.transaction(store) as session:
        with pytest.raises(Conflict, match="is being sent right now.*marked failed 15 minutes after"):
            messaging.retry(session=session, actor=CLERK, message_id=message_id)
        with pytest.raises(Conflict, match="is being sent right now, so it cannot be cancelled"):
            messaging.cancel(session=session, actor=CLERK, message_id=message_id)
