"""``shoptui outbox``: list, show, send, retry, cancel, test-email, test-sms."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from pytest_httpserver import HTTPServer
from sqlmodel import func, select

from shoptui import db
from shoptui.models.messaging import OutboxMessage
from shoptui.models.store import AuditEntry
from tests.conftest import FROZEN_AT
from tests.services.test_messaging import (  # noqa: F401  (smtp_server is a fixture)
    SmtpServer,
    free_port,
    queue_email,
    queue_sms,
    smtp_server,
)


def use_smtp(shop, port: int) -> None:  # type: ignore[no-untyped-def]
    for key, value in (("smtp_host", "127.0.0.1"), ("smtp_port", str(port)), ("smtp_security", "none"),
                       ("smtp_from", "shop@example.cn"), ("smtp_timeout", "5")):
        assert shop("settings", "set", key, value).exit_code == 0


def rows(store: str) -> list[tuple[int, str, int]]:
    """(id, status, attempts) of every message."""
    with db.read_session(store) as session:
        return [(r.id, r.status, r.attempts) for r in session.exec(select(OutboxMessage).order_by(OutboxMessage.id))]


def audit_count(store: str) -> int:
    with db.read_session(store) as session:
        return session.exec(select(func.count()).select_from(AuditEntry)).one()


# ---------------------------------------------------------------- test messages and listing


def test_test_email_queues_one_message_and_list_shows_it(shop, store: str) -> None:  # type: ignore[no-untyped-def]
    result = shop("outbox", "test-email", "owner@example.cn")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Queued test email 1 to owner@example.cn; 'shoptui outbox send' delivers it.\n"

    listed = shop("outbox", "list", "--json")
    assert listed.exit_code == 0, listed.stderr
    [item] = json.loads(listed.stdout)
    assert item["recipient"] == "owner@example.cn" and item["status"] == "queued" and item["channel"] == "email"
    assert item["created_at"].endswith("+00:00")
    table = shop("outbox", "list")
    assert "owner@example.cn" in table.stdout and "queued" in table.stdout


def test_test_sms_queues_and_is_audited(shop, store: str) -> None:  # type: ignore[no-untyped-def]
    result = shop("outbox", "test-sms", "+86 138 0013 8000")
    assert result.exit_code == 0, result.stderr
    assert rows(store) == [(1, "queued", 0)]
    with db.read_session(store) as session:
        actions = session.exec(select(AuditEntry.action).where(AuditEntry.entity == "outbox_message")).all()
    assert actions == ["outbox.test"]


@pytest.mark.parametrize(
    ("command", "value", "complaint"),
    [
        ("test-email", "not-an-email", "error: 'not-an-email' is not an email address.\n"),
        ("test-email", "", "error: '' is not an email address.\n"),
        ("test-email", "x" * 1000 + "@b.cn", "error: The recipient is 1005 characters long; at most 320 fit.\n"),
        ("test-sms", "hello", "error: 'hello' is not a phone number.\n"),
        ("test-sms", "电话", "error: '电话' is not a phone number.\n"),
    ],
)
def test_test_messages_refuse_bad_recipients(shop, store: str, command: str, value: str, complaint: str) -> None:  # type: ignore[no-untyped-def]
    result = shop("outbox", command, value)
    assert result.exit_code == 1
    assert result.stderr == complaint
    assert result.stdout == ""
    assert rows(store) == [] and audit_count(store) == 0


def test_test_email_with_an_idempotency_key_queues_once(shop, store: str) -> None:  # type: ignore[no-untyped-def]
    first = shop("outbox", "test-email", "a@example.cn", "--idempotency-key", "setup-1")
    again = shop("outbox", "test-email", "a@example.cn", "--idempotency-key", "setup-1")
    assert first.exit_code == again.exit_code == 0
    assert again.stdout == first.stdout and "already done earlier" in again.stderr
    assert len(rows(store)) == 1


@pytest.mark.parametrize(
    ("args", "code", "complaint"),
    [
        (["--status", "lost"], 1, "error: Status 'lost' is not one of queued, sending, sent, failed, cancelled.\n"),
        (["--channel", "fax"], 1, "error: Channel 'fax' is not one of email, sms.\n"),
        (["--after", "abc"], 1, "error: The cursor 'abc' is not one this list gave out.\n"),
        (["--limit", "0"], 2, None),
        (["--limit", "abc"], 2, None),
    ],
)
def test_list_bad_input(shop, args: list[str], code: int, complaint: str | None) -> None:  # type: ignore[no-untyped-def]
    result = shop("outbox", "list", *args)
    assert result.exit_code == code
    if complaint:
        assert result.stderr == complaint
    assert "Traceback" not in result.output


def test_list_filters_and_pages(shop, store: str) -> None:  # type: ignore[no-untyped-def]
    for n in range(3):
        queue_email(store, order=n)
    queue_sms(store)
    sms = json.loads(shop("outbox", "list", "--channel", "SMS", "--json").stdout)
    assert [m["channel"] for m in sms] == ["sms"]
    page = shop("outbox", "list", "--limit", "2")
    assert "More: shoptui outbox list --after 3" in page.stdout
    assert [m["id"] for m in json.loads(shop("outbox", "list", "--after", "3", "--json").stdout)] == [2, 1]
    assert shop("outbox", "list", "--status", "sent").stdout.strip() == "No messages."


def test_show_a_message(shop, store: str) -> None:  # type: ignore[no-untyped-def]
    message_id = queue_email(store, order=5)
    result = shop("outbox", "show", str(message_id))
    assert result.exit_code == 0, result.stderr
    assert "订单 SO-0005 已发货" in result.stdout and "您的订单 SO-0005 已发货。" in result.stdout
    data = json.loads(shop("outbox", "show", str(message_id), "--json").stdout)
    assert data["subject"] == "订单 SO-0005 已发货" and data["ref_kind"] == "order" and data["ref_id"] == "5"


@pytest.mark.parametrize("command", ["show", "cancel", "retry"])
def test_unknown_and_malformed_ids(shop, store: str, command: str) -> None:  # type: ignore[no-untyped-def]
    missing = shop("outbox", command, "99")
    assert missing.exit_code == 1
    assert missing.stderr == "error: There is no outbox message 99. 'shoptui outbox list' shows the messages.\n"
    assert shop("outbox", command, "abc").exit_code == 2
    assert shop("outbox", command, "-5").exit_code in (1, 2)
    assert audit_count(store) == 0


# ---------------------------------------------------------------- send


def test_send_delivers_over_smtp(shop, store: str, smtp_server: SmtpServer) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    use_smtp(shop, smtp_server.port)
    shop("outbox", "test-email", "owner@example.cn")
    queue_email(store, to="kunde@example.cn")

    result = shop("outbox", "send")

    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Sent 2, failed 0, left 0 queued.\n"
    assert result.stderr == ""
    assert sorted(m["To"] for m in smtp_server.mailbox.messages) == ["kunde@example.cn", "owner@example.cn"]
    assert [status for _, status, _ in rows(store)] == ["sent", "sent"]
    again = shop("outbox", "send")  # cron runs it again: nothing more goes out
    assert again.stdout == "Sent 0, failed 0, left 0 queued.\n" and len(smtp_server.mailbox.messages) == 2


def test_send_with_an_unreachable_smtp_server(shop, store: str, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    closed = free_port()
    use_smtp(shop, closed)
    message_id = queue_email(store)

    result = shop("outbox", "send")

    assert result.exit_code == 1
    assert result.stdout == "Sent 0, failed 1, left 0 queued, 1 to retry (next at 2026-11-20 10:31).\n"
    reason = (f"Cannot reach the SMTP server 127.0.0.1:{closed}: connection refused. "
              "Check smtp_host, smtp_port and smtp_security.")
    assert result.stderr == f"  failed #{message_id} email to kunde@example.cn: {reason}\nerror: {reason}\n"
    assert rows(store) == [(message_id, "failed", 1)]
    shown = json.loads(shop("outbox", "show", str(message_id), "--json").stdout)
    assert shown["last_error"] == reason
    assert shown["next_attempt_at"] == (FROZEN_AT + timedelta(minutes=1)).isoformat()


def test_send_when_email_is_not_set_up_leaves_messages_queued(shop, store: str) -> None:  # type: ignore[no-untyped-def]
    queue_email(store)
    result = shop("outbox", "send")
    assert result.exit_code == 1
    assert result.stdout == "Sent 0, failed 0, left 1 queued.\n"
    assert result.stderr == ("error: 1 email message stays queued. Email is not set up: smtp_host is empty. "
                             "Set it with 'shoptui settings set smtp_host mail.example.com'.\n")
    assert rows(store) == [(1, "queued", 0)]


def test_send_with_an_sms_gateway_error_exits_0_and_backs_off(shop, store: str, httpserver: HTTPServer) -> None:  # type: ignore[no-untyped-def]
    assert shop("settings", "set", "sms_gateway_url", httpserver.url_for("/sms")).exit_code == 0
    httpserver.expect_request("/sms", method="POST").respond_with_data("quota exceeded", status=500)
    message_id = queue_sms(store)

    result = shop("outbox", "send", "--json")

    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["sent"], report["failed"], report["retrying"]) == (0, 1, 1)
    assert "answered 500" in report["failures"][0]["error"] and "quota exceeded" in report["failures"][0]["error"]
    assert rows(store) == [(message_id, "failed", 1)]


def test_send_when_switched_off(shop, store: str, smtp_server: SmtpServer) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    use_smtp(shop, smtp_server.port)
    shop("settings", "set", "outbox_enabled", "no")
    queue_email(store)
    result = shop("outbox", "send")
    assert result.exit_code == 0
    assert result.stdout.startswith("Sending is switched off (outbox_enabled is no); 1 message waits.")
    assert smtp_server.mailbox.messages == [] and rows(store) == [(1, "queued", 0)]


def test_send_bad_limit(shop) -> None:  # type: ignore[no-untyped-def]
    for value in ("0", "-1", "100000", "many"):
        assert shop("outbox", "send", "--limit", value).exit_code == 2


# ---------------------------------------------------------------- retry and cancel


def test_retry_a_failed_message_then_send_it(shop, store: str, smtp_server: SmtpServer, frozen_clock) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    use_smtp(shop, free_port())
    message_id = queue_email(store)
    shop("outbox", "send")
    use_smtp(shop, smtp_server.port)  # the operator fixed the set-up

    result = shop("outbox", "retry", str(message_id))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"Queued message {message_id} (email to kunde@example.cn) again.\n"
    assert rows(store) == [(message_id, "queued", 0)]
    assert shop("outbox", "send").stdout == "Sent 1, failed 0, left 0 queued.\n"

    refused = shop("outbox", "retry", str(message_id))
    assert refused.exit_code == 1
    assert refused.stderr == (f"error: Message {message_id} was already sent at 2026-11-20 10:30; retrying would "
                              "send it twice. Queue a new message instead.\n")
    assert len(smtp_server.mailbox.messages) == 1


def test_retry_all_failed(shop, store: str) -> None:  # type: ignore[no-untyped-def]
    use_smtp(shop, free_port())
    queue_email(store, order=1)
    queue_email(store, order=2)
    shop("outbox", "send")
    first = shop("outbox", "retry", "--all-failed", "--idempotency-key", "k1")
    assert first.exit_code == 0, first.stderr
    assert first.stdout == "Queued 2 failed messages again.\n"
    assert [status for _, status, _ in rows(store)] == ["queued", "queued"]
    before = audit_count(store)
    replay = shop("outbox", "retry", "--all-failed", "--idempotency-key", "k1")
    assert replay.stdout == first.stdout and audit_count(store) == before


@pytest.mark.parametrize("args", [[], ["3", "--all-failed"]])
def test_retry_needs_exactly_one_target(shop, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    result = shop("outbox", "retry", *args)
    assert result.exit_code == 2
    assert result.stderr == "error: Name one message id, or give --all-failed (not both).\n"


def test_cancel(shop, store: str) -> None:  # type: ignore[no-untyped-def]
    message_id = queue_sms(store)
    result = shop("outbox", "cancel", str(message_id))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"Cancelled message {message_id} (sms to +8613800138000).\n"
    again = shop("outbox", "cancel", str(message_id))
    assert again.exit_code == 1 and again.stderr == f"error: Message {message_id} is already cancelled.\n"
    assert rows(store) == [(message_id, "cancelled", 0)]
    sent = shop("outbox", "send")  # a cancelled message is never sent, and SMS is not even set up
    assert sent.exit_code == 0 and sent.stdout == "Sent 0, failed 0, left 0 queued.\n"


def test_help_documents_the_settings(shop) -> None:  # type: ignore[no-untyped-def]
    result = shop("outbox", "--help")
    assert result.exit_code == 0
    for word in ("smtp_host", "smtp_security", "SHOPTUI_SMTP_PASSWORD", "sms_gateway_url", "sms_headers",
                 "outbox_max_attempts", "test-email"):
        assert word in result.stdout
