"""Settings, audit, idempotency, notifications and config precedence."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from shoptui import clock, db
from shoptui.config import Actor, resolve_database_url
from shoptui.errors import Conflict, InvalidInput, NotAllowed, NotFound
from shoptui.models.store import AuditEntry, IdempotencyRecord, StoreSetting
from shoptui.services.shop import audit, checks, dashboard, idempotency, notifications, settings
from shoptui.services.shop.idempotency import Outcome


def test_settings_have_defaults_and_validate(session: Session, actor: Actor) -> None:
    values = settings.get_all(session=session)
    assert values["currency"] == "CNY" and values["currency_digits"] == 2 and values["timezone"] == "Asia/Shanghai"
    assert settings.set_value(session=session, actor=actor, key="currency", raw=" usd ") == "USD"
    assert settings.set_value(session=session, actor=actor, key="name", raw="招财猫 Lucky Cat") == "招财猫 Lucky Cat"
    assert settings.currency(session=session).code == "USD"


@pytest.mark.parametrize(
    ("key", "raw", "message"),
    [("name", "   ", "cannot be empty"), ("name", "x" * 101, "at most 100 characters"),
     ("currency", "dollars", "not a currency code"), ("currency_digits", "-1", "out of range"),
     ("currency_digits", "two", "not a whole number"), ("timezone", "Mars/Base", "not a time zone"),
     ("smtp_port", "70000", "out of range"),
     ("alert_emails", "a@b.cn, nonsense", "not an email address"), ("smtp_security", "tls2", "is not one of")],
)
def test_bad_setting_values_are_refused(session: Session, actor: Actor, key: str, raw: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        settings.set_value(session=session, actor=actor, key=key, raw=raw)
    assert session.exec(select(func.count()).select_from(AuditEntry)).one() == 0


def test_unknown_setting_is_named(session: Session, actor: Actor) -> None:
    with pytest.raises(NotFound, match="There is no setting 'colour'"):
        settings.set_value(session=session, actor=actor, key="colour", raw="red")


def test_setting_change_is_audited_with_before_and_after(session: Session, actor: Actor) -> None:
    settings.set_value(session=session, actor=actor, key="name", raw="New Name")
    entry = audit.list_entries(session=session, entity="setting").items[0]
    assert (entry.actor, entry.source, entry.action, entry.entity_id) == ("clerk", "test", "settings.set", "name")
    assert entry.before == {"value": "My Shop"} and entry.after == {"value": "New Name"}


def test_secrets_are_never_kept_in_the_store_nor_audited(session: Session, actor: Actor) -> None:
    for key, raw in (("smtp_password", "hunter2"), ("sms_headers", '{"Authorization": "Bearer hunter2"}')):
        with pytest.raises(NotAllowed, match=f"{key} is a secret and is not kept in the store. Set SHOPTUI_{key.upper()}"):
            settings.set_value(session=session, actor=actor, key=key, raw=raw)
    assert session.exec(select(func.count()).select_from(AuditEntry)).one() == 0
    assert session.get(StoreSetting, "smtp_password") is None


def test_audit_keeps_only_changed_fields_and_pages_by_key(session: Session, actor: Actor) -> None:
    for n in range(5):
        audit.record(session=session, actor=actor, action="thing.edit", entity="thing", entity_id=n,
                     before={"a": 1, "b": n}, after={"a": 1, "b": n + 1})
    first = audit.list_entries(session=session, limit=2)
    assert [e.entity_id for e in first.items] == ["4", "3"] and first.next_after
    assert first.items[0].before == {"b": 4} and first.items[0].after == {"b": 5}
    second = audit.list_entries(session=session, limit=2, after=first.next_after)
    assert [e.entity_id for e in second.items] == ["2", "1"]
    last = audit.list_entries(session=session, limit=2, after=second.next_after)
    assert [e.entity_id for e in last.items] == ["0"] and last.next_after is None
    with pytest.raises(InvalidInput, match="cursor"):
        audit.list_entries(session=session, after="abc")


def test_ssh_address_is_recorded(monkeypatch: pytest.MonkeyPatch, session: Session) -> None:
    monkeypatch.setenv("SSH_CONNECTION", "203.0.113.9 50022 10.0.0.2 22")
    over_ssh = Actor.from_environment("cli")
    assert over_ssh.address == "203.0.113.9"
    settings.set_value(session=session, actor=over_ssh, key="phone", raw="123")
    assert audit.list_entries(session=session).items[0].address == "203.0.113.9"


def test_idempotency_key_replays_the_first_outcome(session: Session) -> None:
    calls: list[int] = []

    def work() -> Outcome:
        calls.append(1)
        return Outcome(f"did it #{len(calls)}", {"n": len(calls)})

    first = idempotency.run_once(session=session, key="cron-42", command="thing.do", action=work)
    again = idempotency.run_once(session=session, key="cron-42", command="thing.do", action=work)
    assert calls == [1]
    assert (again.message, again.data, again.replayed) == ("did it #1", {"n": 1}, True)
    assert not first.replayed
    with pytest.raises(Conflict, match="already used for 'thing.do'"):
        idempotency.run_once(session=session, key="cron-42", command="other.do", action=work)
    with pytest.raises(InvalidInput):
        idempotency.run_once(session=session, key=" ", command="thing.do", action=work)


def test_failed_work_does_not_burn_the_key(store: str) -> None:
    def fails() -> Outcome:
        raise InvalidInput("nope")

    with pytest.raises(InvalidInput), db.transaction(store) as session:
        idempotency.run_once(session=session, key="k", command="c", action=fails)
    with db.read_session(store) as session:
        assert session.get(IdempotencyRecord, "k") is None


def test_notifications_dedupe_count_and_mark_read(session: Session, actor: Actor) -> None:
    first = notifications.notify(session=session, title="Low stock: TEE-01", severity="warning",
                                 link_kind="variant", link_id="TEE-01", dedupe_key="low:TEE-01")
    assert first is not None
    assert notifications.notify(session=session, title="again", dedupe_key="low:TEE-01") is None
    notifications.notify(session=session, title="Another")
    assert dashboard.unread_notifications(session=session) == 2
    assert dashboard.latest_notification_id(session=session) >= first.id
    assert notifications.mark_read(session=session, actor=actor, ids=[first.id]) == 1
    assert dashboard.unread_notifications(session=session) == 1
    # once read, the same key may notify again
    assert notifications.notify(session=session, title="Low again", dedupe_key="low:TEE-01") is not None
    assert notifications.mark_all_read(session=session, actor=actor) == 2
    assert dashboard.unread_notifications(session=session) == 0
    with pytest.raises(NotFound, match="no notification 99999"):
        notifications.mark_read(session=session, actor=actor, ids=[99999])
    with pytest.raises(InvalidInput):
        notifications.notify(session=session, title="x", severity="panic")


def test_newer_notifications_only(session: Session) -> None:
    a = notifications.notify(session=session, title="a")
    b = notifications.notify(session=session, title="b")
    assert a and b
    assert [n.title for n in notifications.list_notifications(session=session, after_id=a.id)] == ["b"]


def test_db_check_passes_on_a_fresh_store(session: Session) -> None:
    results = checks.run_checks(session=session)
    assert results and all(r.ok for r in results), [r for r in results if not r.ok]


def test_clock_freezes(frozen_clock) -> None:  # type: ignore[no-untyped-def]
    assert clock.now() == frozen_clock


def test_database_url_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from shoptui import config

    config_file = tmp_path / "shoptui.toml"
    config_file.write_text('database_url = "sqlite:////srv/from-file.db"\n')
    monkeypatch.setenv("SHOPTUI_CONFIG", str(config_file))
    config._read_config.cache_clear()
    assert resolve_database_url(None) == "sqlite:////srv/from-file.db"
    monkeypatch.setenv("SHOPTUI_DATABASE_URL", "/srv/from-env.db")
    assert resolve_database_url(None) == "sqlite:////srv/from-env.db"
    assert resolve_database_url("./here.db") == f"sqlite:///{Path('here.db').resolve()}"
    assert resolve_database_url("postgresql+psycopg://u@h/shop") == "postgresql+psycopg://u@h/shop"
    monkeypatch.delenv("SHOPTUI_DATABASE_URL")
    monkeypatch.delenv("SHOPTUI_CONFIG")
    config._read_config.cache_clear()
    assert resolve_database_url(None).endswith("/shoptui/shop.db")


def test_broken_config_file_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from shoptui import config

    broken = tmp_path / "shoptui.toml"
    broken.write_text("database_url = [unclosed")
    monkeypatch.setenv("SHOPTUI_CONFIG", str(broken))
    config._read_config.cache_clear()
    with pytest.raises(InvalidInput, match="cannot be read"):
        resolve_database_url(None)
    # a store named on the command line or in the environment never reads the file
    assert resolve_database_url("/srv/shop.db") == "sqlite:////srv/shop.db"
    monkeypatch.setenv("SHOPTUI_DATABASE_URL", "/srv/env.db")
    assert resolve_database_url(None) == "sqlite:////srv/env.db"


def test_idempotent_results_with_times_are_stored_and_replayed(store: str) -> None:
    from datetime import UTC, datetime

    moment = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)
    with db.transaction(store) as session:
        idempotency.run_once(session=session, key="post-1", command="stocktake.post",
                             action=lambda: Outcome("Posted.", {"posted_at": moment, "lines": [1, 2]}))
    with db.transaction(store) as session:
        again = idempotency.run_once(session=session, key="post-1", command="stocktake.post",
                                     action=lambda: Outcome("twice!", None))
    assert again.replayed and again.message == "Posted."
    assert again.data == {"posted_at": "2026-11-20T02:30:00+00:00", "lines": [1, 2]}


def test_idempotency_key_remembers_the_arguments(session: Session) -> None:
    calls: list[int] = []

    def work() -> Outcome:
        calls.append(1)
        return Outcome("done", None)

    same = idempotency.fingerprint("thing.do", {"n": 1})
    idempotency.run_once(session=session, key="k", command="thing.do", action=work, fingerprint=same)
    assert idempotency.run_once(session=session, key="k", command="thing.do", action=work, fingerprint=same).replayed
    with pytest.raises(Conflict, match="this key was used for a different command"):
        idempotency.run_once(session=session, key="k", command="thing.do", action=work,
                             fingerprint=idempotency.fingerprint("thing.do", {"n": 2}))
    assert calls == [1]
