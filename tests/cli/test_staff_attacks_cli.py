"""The attacks list of issue 14 on the command line: a clear one-line refusal (exit 1), nothing changed, and
the attempt in `shoptui audit list --kind security --json`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shoptui import db
from shoptui.cli.main import app
from shoptui.config import Actor
from shoptui.services import staff
from tests.cli.conftest import store_digest
from tests.store_files import table_names

PASSWORD = "clerk-first-passphrase"
SECURITY_TABLES = ("audit_entry", "notification", "auth_failure", "staff_token", "staff")


@pytest.fixture
def shop(store: str):  # type: ignore[no-untyped-def]
    """``shop(...)`` runs one command on the store; each command reads its own standard input (the CLI keeps
    the lines it read for the rest of its process, which is one command outside tests)."""
    import shoptui.cli.staff as cli_staff

    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        cli_staff._stdin_lines = None
        return runner.invoke(app, ["--db", store, *args], input=input)

    return invoke


@pytest.fixture
def clerk(store: str) -> str:
    """The clerk 'carl' added by the owner (first password PASSWORD, to be changed at the first login)."""
    with db.transaction(store) as session:
        staff.add_staff(session=session, actor=Actor("owner", "test"), name="carl", role="clerk", password=PASSWORD)
    return "carl"


def _kept(url: str) -> str:
    return store_digest(url, tuple(t for t in table_names(url) if t not in SECURITY_TABLES))


def _security(shop) -> list[dict]:  # type: ignore[no-untyped-def]
    result = shop("audit", "list", "--kind", "security", "--json")
    assert result.exit_code == 0, result.stderr
    found = json.loads(result.stdout)
    return list(found["items"] if isinstance(found, dict) else found)


def _refused(result, *words: str) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code == 1, (result.stdout, result.stderr)
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1 and line.startswith("error: "), line
    for word in words:
        assert word in line, line
    return str(line)


def _login(shop, name: str, *lines: str, code: str | None = None):  # type: ignore[no-untyped-def]
    args = ["login", "--name", name, "--password-stdin"] + (["--code", code] if code else [])
    return shop(*args, input="".join(f"{line}\n" for line in lines))


def test_login_brute_force_locks_and_is_audited(shop, store: str, clerk: str, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    before = _kept(store)
    for i in range(4):
        _refused(_login(shop, clerk, f"guess-{i}"), "wrong")
    _refused(_login(shop, clerk, "guess-5"), "locked")
    _refused(_login(shop, clerk, PASSWORD, "clerk-second-passphrase"), "Too many failed logins", "staff unlock")
    assert _kept(store) == before
    actions = [entry["action"] for entry in _security(shop)]
    assert actions.count("security.login_failed") == 5 and "security.lockout" in actions
    assert "security.login_locked" in actions
    assert shop("staff", "unlock", clerk).exit_code == 0
    monkeypatch.delenv("SHOPTUI_TOKEN")
    assert _login(shop, clerk, PASSWORD, "clerk-second-passphrase").exit_code == 0


@pytest.mark.parametrize(("make", "words"), [
    (lambda token: token[:-2] + ("zz" if not token.endswith("zz") else "yy"), ("not known",)),
    (lambda token: "shoptui_" + "0" * 8 + "_" + token.split("_", 2)[2], ("another store",)),
    (lambda token: "' OR 1=1; --", ("not a shoptui token",)),
    (lambda token: "\x1b[2J" + "A" * 5000, ("not a shoptui token",)),
])
def test_a_bad_token_is_refused_in_one_line(shop, store: str, clerk: str, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
                                            make, words: tuple[str, ...]) -> None:
    created = shop("staff", "token", "create", clerk, "--label", "cron")
    assert created.exit_code == 0, created.stderr
    token = created.stdout.strip()
    assert token.count("\n") == 0 and token.startswith("shoptui_")  # nothing but the token on stdout
    owner = os.environ["SHOPTUI_TOKEN"]
    before = _kept(store)
    monkeypatch.setenv("SHOPTUI_TOKEN", make(token))
    _refused(shop("stock", "list"), *words)
    assert _kept(store) == before
    monkeypatch.setenv("SHOPTUI_TOKEN", owner)
    assert _security(shop)[0]["action"] == "security.token_refused"


def test_a_revoked_token_and_a_disabled_account_are_refused_on_the_next_command(  # type: ignore[no-untyped-def]
        shop, store: str, clerk: str, monkeypatch: pytest.MonkeyPatch) -> None:
    owner = os.environ["SHOPTUI_TOKEN"]
    token = shop("staff", "token", "create", clerk).stdout.strip()
    monkeypatch.setenv("SHOPTUI_TOKEN", token)
    assert shop("stock", "list").exit_code == 0
    monkeypatch.setenv("SHOPTUI_TOKEN", owner)
    assert shop("staff", "disable", clerk).exit_code == 0
    monkeypatch.setenv("SHOPTUI_TOKEN", token)
    _refused(shop("stock", "list"), "log in")
    monkeypatch.setenv("SHOPTUI_TOKEN", owner)
    assert shop("staff", "enable", clerk).exit_code == 0
    second = shop("staff", "token", "create", clerk).stdout.strip()
    listed = json.loads(shop("staff", "token", "list", clerk, "--json").stdout)
    newest = max(t["id"] for t in (listed if isinstance(listed, list) else listed["items"]))
    assert shop("staff", "token", "revoke", str(newest)).exit_code == 0
    monkeypatch.setenv("SHOPTUI_TOKEN", second)
    _refused(shop("stock", "list"), "revoked")


def test_a_session_file_others_can_read_is_refused(shop, store: str, clerk: str,  # type: ignore[no-untyped-def]
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from shoptui import sessionfile

    monkeypatch.delenv("SHOPTUI_TOKEN")
    logged = _login(shop, clerk, PASSWORD, "clerk-second-passphrase")
    assert logged.exit_code == 0, logged.stderr
    path = sessionfile.path_for(store)
    assert path.stat().st_mode & 0o777 == 0o600
    assert shop("stock", "list").exit_code == 0
    path.chmod(0o644)
    _refused(shop("stock", "list"), "can be read by others", "log in again")
    path.chmod(0o600)
    assert shop("stock", "list").exit_code == 0


def test_allowed_networks_over_ssh(shop, store: str, clerk: str, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    owner = os.environ["SHOPTUI_TOKEN"]
    token = shop("staff", "token", "create", clerk).stdout.strip()
    assert shop("settings", "set", "allowed_networks", "10.0.0.0/8").exit_code == 0
    monkeypatch.setenv("SHOPTUI_TOKEN", token)
    monkeypatch.setenv("SSH_CONNECTION", "192.168.7.9 52000 10.0.0.1 22")
    _refused(shop("stock", "list"), "192.168.7.9")
    monkeypatch.setenv("SSH_CONNECTION", "10.3.2.1 52000 10.0.0.1 22")
    assert shop("stock", "list").exit_code == 0
    monkeypatch.setenv("SHOPTUI_TOKEN", owner)
    monkeypatch.delenv("SSH_CONNECTION")
    assert shop("staff", "edit", clerk, "--networks", "10.9.0.0/16").exit_code == 0
    monkeypatch.setenv("SHOPTUI_TOKEN", token)
    monkeypatch.setenv("SSH_CLIENT", "10.3.2.1 52000 22")
    _refused(shop("stock", "list"), "10.3.2.1")
    monkeypatch.setenv("SHOPTUI_TOKEN", owner)
    monkeypatch.delenv("SSH_CLIENT")
    refused = [e for e in _security(shop) if e["action"] == "security.network_refused"]
    assert len(refused) == 2


@pytest.mark.parametrize(("args", "words"), [
    (["staff", "add", "x'; DROP TABLE staff;--", "--role", "clerk"], ("account name",)),
    (["staff", "add", "[red]boss[/red]", "--role", "clerk"], ("account name",)),
    (["staff", "add", "mei", "--role", "clerk", "--full-name", "a\x1b[2Jb"], ("full",)),
    (["staff", "add", "mei", "--role", "clerk", "--full-name", "x" * 500], ("full",)),
    (["staff", "add", "mei", "--role", "emperor"], ("emperor",)),
    (["staff", "add", "mei", "--role", "clerk", "--email", "<script>@x"], ("email",)),
    (["staff", "edit", "carl", "--networks", "10.0.0.0/40"], ("10.0.0.0/40",)),
    (["staff", "token", "create", "carl", "--label", "\x07" * 3], ("label",)),
])
def test_hostile_input_in_staff_forms_changes_nothing(shop, store: str, clerk: str, args: list[str],  # type: ignore[no-untyped-def]
                                                      words: tuple[str, ...]) -> None:
    before = store_digest(store, ("staff", "staff_token", "audit_entry"))
    _refused(shop(*args, "--password-stdin", input=f"{PASSWORD}\n{PASSWORD}\n") if args[1] == "add" else shop(*args),
             *words)
    assert store_digest(store, ("staff", "staff_token", "audit_entry")) == before


def test_markup_in_a_full_name_is_kept_and_shown_as_text(shop, store: str, clerk: str) -> None:  # type: ignore[no-untyped-def]
    name = "[bold red]Carl[/] '); DROP TABLE staff;-- 卡尔"
    assert shop("staff", "edit", clerk, "--full-name", name).exit_code == 0
    shown = shop("staff", "show", clerk)
    assert shown.exit_code == 0 and "[bold red]Carl[/]" in shown.stdout
    assert json.loads(shop("staff", "show", clerk, "--json").stdout)["full_name"] == name


def test_two_factor_login_on_the_cli(shop, store: str, clerk: str, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
                                     tmp_path: Path) -> None:
    import pyotp

    monkeypatch.delenv("SHOPTUI_TOKEN")
    assert _login(shop, clerk, PASSWORD, "clerk-second-passphrase").exit_code == 0
    with db.transaction(store) as session:
        carl = staff.authenticate(session=session, token=_session_token(store), source="cli").actor
        assert carl is not None
        secret = staff.start_enrolment(session=session, actor=carl).secret
    with db.transaction(store) as session:
        codes = staff.confirm_enrolment(session=session, actor=carl, code=pyotp.TOTP(secret).now())
    assert shop("logout").exit_code == 0
    _refused(_login(shop, clerk, "clerk-second-passphrase", code="000000" if pyotp.TOTP(secret).now() != "000000"
                    else "111111"), "code")
    assert _login(shop, clerk, "clerk-second-passphrase", code=pyotp.TOTP(secret).now()).exit_code == 0
    assert _login(shop, clerk, "clerk-second-passphrase", code=codes[0]).exit_code == 0
    _refused(_login(shop, clerk, "clerk-second-passphrase", code=codes[0]), "code")


def _session_token(url: str) -> str:
    from shoptui import sessionfile

    token = sessionfile.read(url)
    assert token
    return token
