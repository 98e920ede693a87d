"""Issue 11, items 36/39/42/45/46/47/48 from the command line: exit codes, one-line refusals, nothing changed."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shoptui import db
from shoptui.cli.main import app
from tests.store_files import execute, rows


def _rows(store: str) -> list[tuple[object, ...]]:
    """The store's settings and audit lines (what a refused change must leave as it was)."""
    db.dispose_all()
    return [*rows(store, "SELECT key, value FROM store_setting"), *rows(store, "SELECT action FROM audit_entry")]


def test_settings_set_refuses_a_secret_and_show_says_only_set_or_not(shop, store: str,  # type: ignore[no-untyped-def]
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    before = _rows(store)
    refused = shop("settings", "set", "smtp_password", "hunter2")
    assert refused.exit_code == 1 and refused.stdout == ""
    assert refused.stderr.startswith("error: smtp_password is a secret and is not kept in the store. "
                                     "Set SHOPTUI_SMTP_PASSWORD in the environment")
    assert _rows(store) == before
    assert json.loads(shop("settings", "show", "--json").stdout)["smtp_password"] == "not set"
    monkeypatch.setenv("SHOPTUI_SMTP_PASSWORD", "hunter2")
    shown = shop("settings", "show", "--json").stdout
    assert json.loads(shown)["smtp_password"] == "set" and "hunter2" not in shown
    assert "hunter2" not in shop("settings", "show").stdout


def test_gateway_credentials_are_masked_when_shown(shop) -> None:  # type: ignore[no-untyped-def]
    result = shop("settings", "set", "sms_gateway_url", "https://shop:pa55@sms.example.com/send")
    assert result.exit_code == 0 and result.stdout == "Set sms_gateway_url to https://shop:***@sms.example.com/send.\n"
    for output in (shop("settings", "show", "--json").stdout, shop("audit", "list", "--json").stdout):
        assert "pa55" not in output and "https://shop:***@sms.example.com/send" in output


def test_db_info_masks_a_database_urls_password(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    from shoptui.cli._output import CliState
    from shoptui.config import Actor

    monkeypatch.setattr(CliState, "_sign_in", staticmethod(lambda url, **kwargs: Actor("owner", "cli")))  # no server
    monkeypatch.setattr(db, "get_engine", lambda *args, **kwargs: object())
    monkeypatch.setattr(db, "current_revision", lambda engine: "0001_foundation")
    url = "postgresql+psycopg://shop:hunter2@db.example.com/shop"
    for args in (["db", "info", "--json"], ["db", "info"]):
        result = runner.invoke(app, ["--db", url, *args])
        assert result.exit_code == 0, result.stderr
        assert "hunter2" not in result.stdout and "shop:***@db.example.com" in result.stdout


def test_the_error_log_has_no_password_and_is_private(monkeypatch: pytest.MonkeyPatch, store: str,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    from shoptui.cli import entry
    from shoptui.services import shop

    def explode(**kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("lost postgresql://shop:hunter2@db/shop")

    monkeypatch.setattr(shop, "set_value", explode)
    monkeypatch.setattr(sys, "argv", ["shoptui", "--db", store, "settings", "set", "smtp_password", "letmein"])
    with pytest.raises(SystemExit):
        entry.run()
    err = capsys.readouterr().err
    assert "hunter2" not in err
    log = Path(err.rsplit("Details: ", 1)[1].strip())
    text = log.read_text()
    assert "Traceback" in text and "hunter2" not in text and "letmein" not in text and "smtp_password ***" in text
    assert stat.S_IMODE(log.stat().st_mode) == 0o600 and stat.S_IMODE(log.parent.stat().st_mode) == 0o700
    db.dispose_all()


@pytest.mark.parametrize("args", [["product", "list"], ["db", "check"], ["db", "info"], ["db", "backup"],
                                  ["settings", "set", "name", "X"], ["demo", "load"]])
def test_a_mistyped_or_empty_store_is_named_with_the_command_that_creates_one(runner: CliRunner, tmp_path: Path,
                                                                             args: list[str]) -> None:
    missing, empty = tmp_path / "shpo.db", tmp_path / "empty.db"
    empty.touch()
    for path, said in ((missing, f"There is no store at {missing}."), (empty, f"The store file {empty} is empty")):
        result = runner.invoke(app, ["--db", str(path), *args])
        assert result.exit_code == 1 and result.stdout == "", result.output
        assert result.stderr.startswith(f"error: {said}") and result.stderr.count("\n") == 1, result.stderr
        assert f"'shoptui --db {path} db upgrade'" in result.stderr
    assert not missing.exists() and empty.stat().st_size == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.db"]  # no -wal, -shm, backup, nothing


def test_db_upgrade_creates_a_private_new_store(runner: CliRunner, tmp_path: Path, log_in) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "new.db"
    created = runner.invoke(app, ["--db", str(path), "db", "upgrade"])
    assert created.exit_code == 0 and "none (new store)" in created.stdout
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    log_in(f"sqlite:///{path}")
    assert runner.invoke(app, ["--db", str(path), "db", "check"]).exit_code == 0
    db.dispose_all()


@pytest.mark.sqlite_only(reason="the built-in online backup of a SQLite file")
def test_backup_is_private_and_checked(shop, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = shop("db", "backup", str(tmp_path / "copy.db"))
    assert result.exit_code == 0, result.stderr
    copy = tmp_path / "copy.db"
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    from shoptui import backups

    with backups.verified(copy) as checked:  # one file: manifest, database and media, every part checked
        assert stat.S_IMODE(checked.database.stat().st_mode) == 0o600
        con = sqlite3.connect(checked.database)
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        con.close()


def test_a_newer_store_is_refused_everywhere_and_upgrade_writes_no_backup(runner: CliRunner, store: str,
                                                                          tmp_path: Path) -> None:
    execute(store, "UPDATE alembic_version SET version_num = '0099_future'")
    before = sorted(os.listdir(tmp_path))
    for args in (["product", "list"], ["settings", "show"], ["db", "check"], ["db", "upgrade"]):
        result = runner.invoke(app, ["--db", store, *args])
        assert result.exit_code == 1, (args, result.output)
        assert "was written by a newer shoptui (revision 0099_future); upgrade shoptui" in result.stderr, args
        db.dispose_all()
    assert [n for n in sorted(os.listdir(tmp_path)) if n not in before] == []
    info = runner.invoke(app, ["--db", store, "db", "info", "--json"])
    assert info.exit_code == 0 and json.loads(info.stdout)["schema_revision"] == "0099_future"


def test_print_needs_a_checked_and_confirmed_command(shop, store: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from shoptui.services.orders import documents
    from tests.services.orders_helpers import seed

    with db.transaction(store) as session:
        seed(session)
    db.dispose_all()
    refused = shop("settings", "set", "print_command", "sh -c 'rm -rf ~'")
    assert refused.exit_code == 1 and "runs any command it is given" in refused.stderr
    out = tmp_path / "printed.txt"
    command = f"{sys.executable} -c \"import sys; open(r'{out}', 'w').write(sys.stdin.read())\""
    assert shop("settings", "set", "print_command", command).exit_code == 0
    audit = json.loads(shop("audit", "list", "--entity", "setting", "--json").stdout)
    assert audit[0]["before"] == {"value": ""} and audit[0]["after"] == {"value": command}
    sold = shop("sale", "MUG-01", "--pay", "cash", "--print")  # no terminal to ask at: not printed, sale kept
    # the sale is recorded, so the command succeeds (item 10) and the unconfirmed printout is a warning
    assert sold.exit_code == 0 and "was not confirmed from this account, so nothing was printed" in sold.stderr
    assert sold.stderr.startswith("warning: sale ")
    assert not out.exists()
    number = sold.stdout.split("Sold ", 1)[1].split(":")[0]
    documents.approve_print_command(command)  # what answering yes at a terminal or in the app records
    again = shop("order", "receipt", number, "--print")
    assert again.exit_code == 0, again.stderr
    assert number in out.read_text()


def test_on_a_fresh_machine_commands_name_db_upgrade(runner: CliRunner, log_in) -> None:  # type: ignore[no-untyped-def]
    from shoptui.config import data_dir

    result = runner.invoke(app, ["settings", "show"])
    assert result.exit_code == 1
    assert result.stderr == (f"error: There is no store at {data_dir() / 'shop.db'}. "
                             "Create one with 'shoptui db upgrade'.\n")
    assert not data_dir().exists()
    assert runner.invoke(app, ["db", "upgrade", "--quiet"]).exit_code == 0
    assert stat.S_IMODE(data_dir().stat().st_mode) == 0o700
    nobody = runner.invoke(app, ["settings", "show"])  # a new store has no owner yet: it says how to make one
    assert nobody.exit_code == 1 and "create the owner with `shoptui staff init" in nobody.stderr
    log_in(f"sqlite:///{data_dir() / 'shop.db'}")
    assert runner.invoke(app, ["settings", "show"]).exit_code == 0
    db.dispose_all()
