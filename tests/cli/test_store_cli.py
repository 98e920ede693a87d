"""shoptui db / settings / audit / notification from the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shoptui import db
from shoptui.cli.main import app
from tests.store_files import rows


def _settings(store: str) -> dict[str, str]:
    """Each setting's stored JSON text (the column is JSON on PostgreSQL, which the driver would decode)."""
    return dict(rows(store, "select key, CAST(value AS TEXT) from store_setting"))  # type: ignore[arg-type]


def test_version_and_help(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.startswith("shoptui ")
    for group in (["db"], ["settings"], ["audit"], ["notification"], ["outbox"]):
        result = runner.invoke(app, [*group, "--help"])
        assert result.exit_code == 0, result.output
        assert "Usage:" in result.stdout


def test_settings_show_json_is_a_stable_document(shop) -> None:  # type: ignore[no-untyped-def]
    result = shop("settings", "show", "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["currency"] == "CNY" and doc["currency_digits"] == 2 and doc["name"] == "My Shop"


def test_settings_set_prints_one_line_and_audits(shop) -> None:  # type: ignore[no-untyped-def]
    result = shop("settings", "set", "name", "Lucky Cat 招财猫")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "Set name to Lucky Cat 招财猫."
    audit = json.loads(shop("audit", "list", "--json").stdout)
    assert audit[0]["action"] == "settings.set" and audit[0]["source"] == "cli"
    assert audit[0]["after"] == {"value": "Lucky Cat 招财猫"}
    assert audit[0]["at"].endswith("+00:00")


@pytest.mark.parametrize(
    ("args", "message"),
    [(["settings", "set", "nope", "1"], "There is no setting 'nope'"),
     (["settings", "set", "currency_digits", "abc"], "not a whole number"),
     (["settings", "set", "timezone", "Mars/Base"], "not a time zone"),
     (["settings", "set", "name", ""], "cannot be empty"),
     (["settings", "set", "name", "x" * 5000], "at most 100 characters"),
     (["audit", "list", "--since", "yesterday-ish"], "is not a time"),
     (["audit", "list", "--after", "xyz"], "cursor"),
     (["notification", "read", "424242"], "no notification 424242")],
)
def test_bad_input_is_one_line_exit_1_and_changes_nothing(shop, store: str, args: list[str],  # type: ignore[no-untyped-def]
                                                         message: str) -> None:
    before = _settings(store)
    result = shop(*args)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stdout == ""
    assert _settings(store) == before


@pytest.mark.parametrize("args", [["settings", "set"], ["audit", "list", "--limit", "0"],
                                  ["audit", "list", "--limit", "ten"], ["nosuchcommand"], ["notification", "read"]])
def test_usage_errors_exit_2(shop, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    assert shop(*args).exit_code == 2


def test_idempotency_key_makes_a_retry_change_nothing(shop, store: str) -> None:  # type: ignore[no-untyped-def]
    first = shop("settings", "set", "phone", "111", "--idempotency-key", "job-7")
    retry = shop("settings", "set", "phone", "111", "--idempotency-key", "job-7")
    assert first.exit_code == retry.exit_code == 0
    assert retry.stdout == first.stdout == "Set phone to 111.\n"
    assert "already done" in retry.stderr
    other = shop("settings", "set", "phone", "222", "--idempotency-key", "job-7")  # another request: refused
    assert other.exit_code == 1 and "this key was used for a different command" in other.stderr
    assert json.loads(_settings(store)["phone"]) == "111"
    assert len(json.loads(shop("audit", "list", "--json").stdout)) == 1


@pytest.mark.sqlite_only(reason="the store's file path, and the built-in online backup of a SQLite file")
def test_db_info_check_and_backup(shop, store_path: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    info = json.loads(shop("db", "info", "--json").stdout)
    assert info["path"] == str(store_path) and info["up_to_date"] is True
    # a new store keeps two settings of its own: its id and when its owner was made
    assert info["tables"]["store_setting"] == 2 and info["schema_revision"] in info["schema_head"]
    check = shop("db", "check")
    assert check.exit_code == 0 and "ok    database integrity" in check.stdout
    result = shop("db", "backup", str(tmp_path / "copy.db"))
    assert result.exit_code == 0 and (tmp_path / "copy.db").exists()
    again = shop("db", "backup", str(tmp_path / "copy.db"))
    assert again.exit_code == 1 and "already exists" in again.stderr


def test_db_check_fails_with_a_list(shop, store: str, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from shoptui.services import shop as shop_api  # the face calls the API; patch the name it looks up
    from shoptui.services.shop import checks

    monkeypatch.setattr(shop_api, "run_checks", lambda session: [
        checks.CheckResult("stock ledger", ["TEE-01 at Main: level 5, movements sum to 4"])])
    result = shop("db", "check")
    assert result.exit_code == 1
    assert "FAIL  stock ledger" in result.stdout and "TEE-01 at Main" in result.stdout
    assert "1 check failed" in result.stderr


def test_out_of_date_store_says_to_upgrade(runner: CliRunner, tmp_path: Path, log_in) -> None:  # type: ignore[no-untyped-def]
    from tests.services.test_store import _store_at_first_revision

    url = _store_at_first_revision(tmp_path / "old.db")
    result = runner.invoke(app, ["--db", url, "settings", "show"])
    assert result.exit_code == 1 and "Run 'shoptui db upgrade'" in result.stderr
    upgraded = runner.invoke(app, ["--db", url, "db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.stderr
    assert "Upgraded the store from schema 0001_foundation" in upgraded.stdout and "Backup" in upgraded.stdout
    refused = runner.invoke(app, ["--db", url, "settings", "show"])  # upgraded, but nobody is its owner yet
    assert refused.exit_code == 1 and "no staff accounts yet" in refused.stderr
    log_in(url)
    assert runner.invoke(app, ["--db", url, "settings", "show"]).exit_code == 0


@pytest.mark.parametrize("location", ["missing/folder/shop.db", "corrupt.db"])
def test_bad_store_locations(runner: CliRunner, tmp_path: Path, location: str) -> None:
    (tmp_path / "corrupt.db").write_bytes(b"garbage" * 500)
    result = runner.invoke(app, ["--db", str(tmp_path / location), "settings", "show"])
    assert result.exit_code == 1 and result.stderr.startswith("error: ") and "Traceback" not in result.output
    assert not (tmp_path / "missing").exists()


def test_unexpected_error_prints_one_line_and_logs_the_traceback(monkeypatch: pytest.MonkeyPatch, store: str,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from shoptui.cli import entry
    from shoptui.services import shop

    def explode(*, session):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(shop, "get_all", explode)
    monkeypatch.setattr(sys, "argv", ["shoptui", "--db", store, "settings", "show"])
    with pytest.raises(SystemExit) as exited:
        entry.run()
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "RuntimeError: disk on fire" in err and "Traceback" not in err
    log = Path(err.rsplit("Details: ", 1)[1].strip())
    assert "Traceback" in log.read_text() and "disk on fire" in log.read_text()
    db.dispose_all()


def test_notifications_from_the_cli(shop, store: str) -> None:  # type: ignore[no-untyped-def]
    from shoptui.services.shop import notifications

    with db.transaction(store) as session:
        notifications.notify(session=session, title="Low stock: 华为手机壳", severity="warning")
    listed = json.loads(shop("notification", "list", "--unread", "--json").stdout)
    assert [n["title"] for n in listed] == ["Low stock: 华为手机壳"]
    assert shop("notification", "read", "--all").stdout == "Marked 1 notification read.\n"
    assert json.loads(shop("notification", "list", "--unread", "--json").stdout) == []


@pytest.mark.parametrize(("argv", "expected"), [
    ([], (True, None)), (["--db", "x.db"], (True, "x.db")), (["--db=x.db"], (True, "x.db")),
    (["--db", "x.db", "settings", "show"], (False, None)), (["--help"], (False, None)), (["--db"], (False, None)),
])
def test_the_app_opens_without_building_the_cli_only_when_nothing_else_is_asked(argv: list[str], expected) -> None:  # type: ignore[no-untyped-def]
    from shoptui.cli.entry import _only_the_store

    assert _only_the_store(argv) == expected
