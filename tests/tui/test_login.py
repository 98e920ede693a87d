"""Signing in to the app: the first run, the login (wrong password, two-factor, a new password), the web face,
the idle lock, switching user by PIN, and what a clerk sees greyed or left out."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from shoptui import clock, db, sessionfile
from shoptui.config import Actor
from shoptui.errors import NotAllowed
from shoptui.services import catalog, staff
from shoptui.tui.app import ShopApp
from shoptui.tui.screens.login import DIFFERENT, LockScreen, LoginScreen, OwnerScreen, SwitchUserDialog
from tests.conftest import FROZEN_AT
from tests.store_files import OWNER_NAME, OWNER_PASSWORD, execute, rows
from tests.tui.conftest import settle, until

SYSTEM = Actor(name="system", source="test")
CLERK_PASSWORD = "counter-clerk-passphrase"


@pytest.fixture
def no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """A terminal with no login: no SHOPTUI_TOKEN, no saved session."""
    monkeypatch.delenv("SHOPTUI_TOKEN", raising=False)


@pytest.fixture
def empty_store(tui_store: str) -> str:
    """The store as a fresh install has it: no staff account at all."""
    execute(tui_store, "DELETE FROM staff_token", "DELETE FROM staff",
            "DELETE FROM store_setting WHERE key = 'owner_created_at'")
    return tui_store


def _type(pilot: Pilot, selector: str, text: str) -> None:
    pilot.app.screen.query_one(selector, Input).value = text


def _message(pilot: Pilot, screen_id: str) -> str:
    return str(pilot.app.screen.query_one(f"#{screen_id}-message").render())


def _security(url: str, action: str) -> int:
    return int(rows(url, "SELECT count(*) FROM audit_entry WHERE action = :a", {"a": action})[0][0])


async def _log_in(pilot: Pilot, name: str, password: str) -> None:
    await until(pilot, lambda: isinstance(pilot.app.screen, LoginScreen) and not pilot.app.screen.checking)
    _type(pilot, "#login-name", name)
    _type(pilot, "#login-password", password)
    pilot.app.screen.query_one("#login-password", Input).focus()
    await pilot.press("enter")


def _on_dashboard(app: ShopApp) -> bool:
    return app.logged_in and app.current_mode == "dashboard" and type(app.screen).__name__ == "DashboardScreen"


async def test_first_run_creates_the_owner_and_opens_the_dashboard(empty_store: str, no_token: None) -> None:
    app = ShopApp(db_url=empty_store, poll_seconds=600)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, OwnerScreen))
        assert not app.logged_in and app.check_action("go", ("products",)) is False  # nothing behind it opens
        await pilot.press("f2", "ctrl+p")
        assert isinstance(app.screen, OwnerScreen)
        _type(pilot, "#owner-name", "mei")
        _type(pilot, "#owner-password", "a-long-owner-passphrase")
        _type(pilot, "#owner-password-again", "another-owner-passphrase")
        app.screen.query_one("#owner-password-again", Input).focus()
        await pilot.press("enter")
        assert _message(pilot, "owner") == "The two passwords differ; type the same one twice."
        _type(pilot, "#owner-password", "short")
        _type(pilot, "#owner-password-again", "short")
        await pilot.press("enter")
        await until(pilot, lambda: not app.screen.busy)
        assert "10" in _message(pilot, "owner") and isinstance(app.screen, OwnerScreen)  # the policy's sentence
        with db.read_session(empty_store) as session:
            assert not staff.has_accounts(session=session)  # refused: nothing made
        _type(pilot, "#owner-password", "a-long-owner-passphrase")
        _type(pilot, "#owner-password-again", "a-long-owner-passphrase")
        await pilot.press("enter")
        await until(pilot, lambda: _on_dashboard(app))
        assert app.actor.name == "mei" and app.actor.role == "owner" and app.actor.staff_id is not None
        assert app.account == "mei · Owner"
        assert str(app.screen.query_one("#account").render()) == "mei · Owner"
        assert "settings.change" in app.grants and app.may("staff.manage")
        assert sessionfile.read(empty_store) == app._token  # the terminal's login, as `shoptui login` keeps it
    assert _security(empty_store, "security.owner_created") == 1 and _security(empty_store, "security.login") == 1


async def test_first_run_loads_the_demo_behind_the_owner(empty_store: str, no_token: None,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from shoptui import demo

    loaded: list[Actor] = []

    def fake_demo(url: str | None, actor: Actor) -> list[str]:  # the real one takes seconds (tests/cli cover it)
        loaded.append(actor)
        with db.transaction(url) as session:
            catalog.create_category(session=session, actor=actor, name="Demo shelf")
        return ["Loaded the demo catalogue: 1 category."]

    monkeypatch.setattr(demo, "load_if_empty", fake_demo)
    app = ShopApp(db_url=empty_store, poll_seconds=600, demo_if_empty=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, OwnerScreen))
        assert not loaded  # nothing before the owner exists
        _type(pilot, "#owner-name", "mei")
        _type(pilot, "#owner-password", "a-long-owner-passphrase")
        _type(pilot, "#owner-password-again", "a-long-owner-passphrase")
        await pilot.press("enter")
        await until(pilot, lambda: any("1 category" in t.message for t in app.toasts))
        assert [a.name for a in loaded] == ["mei"] and loaded[0].staff_id is not None


async def test_login_refuses_a_wrong_password_then_opens_the_dashboard(tui_store: str, no_token: None) -> None:
    app = ShopApp(db_url=tui_store, poll_seconds=600)
    async with app.run_test(size=(100, 30)) as pilot:
        await _log_in(pilot, OWNER_NAME, "not-the-passphrase")
        await until(pilot, lambda: not app.screen.busy)
        assert _message(pilot, "login") == "The account name or password is wrong."
        assert app.screen.query_one("#login-password", Input).value == ""  # cleared, the name kept
        assert app.screen.query_one("#login-name", Input).value == OWNER_NAME
        assert _security(tui_store, "security.login_failed") == 1  # committed although refused
        assert not app.logged_in
        await _log_in(pilot, OWNER_NAME, OWNER_PASSWORD)
        await until(pilot, lambda: _on_dashboard(app))
        assert app.account == f"{OWNER_NAME} · Owner"
        assert app.screen.query_one("#store-name").render().plain == "Corner Shop"  # type: ignore[attr-defined]


async def test_two_factor_asks_for_the_code(tui_store: str, no_token: None) -> None:
    import pyotp

    owner = Actor(name=OWNER_NAME, source="test", staff_id=1, role="owner")
    with clock.frozen(FROZEN_AT):
        with db.transaction(tui_store) as session:
            row = staff.show_staff(session=session, actor=SYSTEM, name=OWNER_NAME)
            owner = Actor(name=OWNER_NAME, source="test", staff_id=row.id, role="owner")
            enrolment = staff.start_enrolment(session=session, actor=owner)
        with db.transaction(tui_store) as session:
            staff.confirm_enrolment(session=session, actor=owner, code=pyotp.TOTP(enrolment.secret).at(FROZEN_AT))
        app = ShopApp(db_url=tui_store, poll_seconds=600)
        async with app.run_test(size=(100, 30)) as pilot:
            await _log_in(pilot, OWNER_NAME, OWNER_PASSWORD)
            await until(pilot, lambda: app.screen.shows("code"))
            assert not app.logged_in and "authenticator" in _message(pilot, "login")
            assert app.focused is app.screen.query_one("#login-code", Input)
            _type(pilot, "#login-code", "000000" if pyotp.TOTP(enrolment.secret).at(FROZEN_AT) != "000000" else "111111")
            await pilot.press("enter")
            await until(pilot, lambda: not app.screen.busy)
            assert "wrong" in _message(pilot, "login") and not app.logged_in
            _type(pilot, "#login-code", pyotp.TOTP(enrolment.secret).at(FROZEN_AT))
            await pilot.press("enter")
            await until(pilot, lambda: _on_dashboard(app))
            assert app.actor.name == OWNER_NAME


@pytest.fixture
def clerk(tui_store: str) -> str:
    """A clerk account (its password set by the owner, so it must choose a new one) with a counter PIN."""
    with db.transaction(tui_store) as session:
        staff.add_staff(session=session, actor=SYSTEM, name="lin", role="clerk", password=CLERK_PASSWORD)
        staff.set_pin(session=session, actor=SYSTEM, name="lin", pin="4826")
    return "lin"


async def test_a_new_password_is_chosen_at_first_login(tui_store: str, clerk: str, no_token: None) -> None:
    app = ShopApp(db_url=tui_store, poll_seconds=600)
    async with app.run_test(size=(100, 30)) as pilot:
        await _log_in(pilot, clerk, CLERK_PASSWORD)
        await until(pilot, lambda: app.screen.shows("new-password"))
        assert "choose a new one" in _message(pilot, "login")
        _type(pilot, "#login-new-password", "a-brand-new-clerk-pass")
        _type(pilot, "#login-new-password-again", "a-different-clerk-pass")
        await pilot.press("enter")
        assert _message(pilot, "login") == DIFFERENT and not app.logged_in
        _type(pilot, "#login-new-password-again", "a-brand-new-clerk-pass")
        await pilot.press("enter")
        await until(pilot, lambda: _on_dashboard(app))
        assert app.actor.role == "clerk" and app.account == "lin · Clerk"
        assert not app.may("settings.change") and app.may("sell")
    with db.transaction(tui_store) as session:
        assert staff.login(session=session, name=clerk, password="a-brand-new-clerk-pass", source="test").ok


async def test_the_web_face_ignores_the_saved_session_and_saves_none(tui_store: str, owner_token: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    sessionfile.write(tui_store, owner_token, name=OWNER_NAME, expires_at=None)
    before = sessionfile.path_for(tui_store).read_text()
    monkeypatch.setenv("SHOPTUI_FACE", "web")  # SHOPTUI_TOKEN stays set: the browser's visitor gets no login of it
    monkeypatch.setenv("SHOPTUI_CLIENT_ADDRESS", "192.0.2.7")
    app = ShopApp(db_url=tui_store, poll_seconds=600)
    async with app.run_test(size=(100, 30)) as pilot:
        await _log_in(pilot, OWNER_NAME, OWNER_PASSWORD)
        await until(pilot, lambda: _on_dashboard(app))
        assert app.actor.source == "web" and app.actor.address == "192.0.2.7"
        assert app.token_origin == "app"
        token = app._token
    assert sessionfile.path_for(tui_store).read_text() == before
    with db.transaction(tui_store) as session:  # the browser's session ended with the app
        found = staff.authenticate(session=session, token=str(token), source="test")
    assert found.actor is None


async def test_the_idle_lock_keeps_the_screen_and_unlocks_with_the_password(tui_store: str) -> None:
    app = ShopApp(db_url=tui_store, poll_seconds=600, idle_seconds=0.3)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LockScreen))  # 0.3 s without a key: locked
        assert str(app.screen.query_one("#lock-name", Input).value) == OWNER_NAME
        app.idle_seconds = 600  # from the unlock on: time to open a screen and type in it
        _type(pilot, "#lock-password", OWNER_PASSWORD)
        app.screen.query_one("#lock-password", Input).focus()
        await pilot.press("enter")
        await until(pilot, lambda: not app.locked)
        await pilot.press("f10")
        await until(pilot, lambda: type(app.screen).__name__ == "SettingsScreen" and app.screen.query(Input))
        field = app.screen.query(Input).first()
        field.value = "half-typed"
        settings_screen = app.screen
        app.idle_lock_after(0.2)
        await until(pilot, lambda: isinstance(app.screen, LockScreen))
        assert app.screen_stack[-2] is settings_screen  # underneath, as it was
        assert app.check_action("go", ("products",)) is False
        _type(pilot, "#lock-password", "wrong-passphrase!")
        app.screen.query_one("#lock-password", Input).focus()
        await pilot.press("enter")
        await until(pilot, lambda: not app.screen.busy)
        assert isinstance(app.screen, LockScreen) and "wrong" in _message(pilot, "lock")
        _type(pilot, "#lock-password", OWNER_PASSWORD)
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is settings_screen)
        assert field.value == "half-typed" and app.actor.name == OWNER_NAME
        assert app.token_origin == "app"  # SHOPTUI_TOKEN's session kept for scripts; the new one ends with the app
    assert _security(tui_store, "security.login") == 2


async def test_a_pin_switch_shows_in_the_top_bar_and_greys_what_a_clerk_may_not_do(tui_store: str,
                                                                                   clerk: str) -> None:
    app = ShopApp(db_url=tui_store, poll_seconds=600)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: app.logged_in)
        assert app.screen.query_one("#nav-audit").display
        await pilot.press("f11")
        await until(pilot, lambda: isinstance(app.screen, SwitchUserDialog))
        _type(pilot, "#switch-name", clerk)
        _type(pilot, "#switch-password", "9999")
        app.screen.query_one("#switch-password", Input).focus()
        await pilot.press("enter")
        await until(pilot, lambda: not app.screen.busy)
        assert _message(pilot, "switch") == "The account or PIN is wrong."
        _type(pilot, "#switch-password", "4826")
        await pilot.press("enter")
        await until(pilot, lambda: app.actor.name == clerk and not isinstance(app.screen, SwitchUserDialog))
        assert app.account == "lin · Clerk · PIN" and app.actor.scope == "counter"
        assert str(app.screen.query_one("#account").render()) == "lin · Clerk · PIN"
        assert app.may("sell") and not app.may("catalog.edit")
        assert not app.screen.query_one("#nav-audit").display  # of no use to the role: left out
        assert app.screen.query_one("#nav-settings").display
        assert app.check_action("go", ("audit",)) is None
        await pilot.press("f10")
        await until(pilot, lambda: type(app.screen).__name__ == "SettingsScreen")
        await settle(pilot)
        save = app.screen.active_bindings["ctrl+s"]
        assert not save.enabled  # greyed in the footer
        assert app.screen.active_bindings["ctrl+r"].enabled
        assert sessionfile.path_for(tui_store).exists() is False  # a PIN session is never saved


async def test_a_refusal_is_shown_and_audited(tui_store: str) -> None:
    app = ShopApp(db_url=tui_store, poll_seconds=600)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.logged_in)
        app.report_error(NotAllowed("Not allowed: the clerk role lacks the permission 'delete'.", permission="delete"))
        await until(pilot, lambda: _security(tui_store, "security.refused") == 1)
        assert app.toasts[-1].severity == "error" and "'delete'" in app.toasts[-1].message


def test_demo_if_empty_only_opens_the_app(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from shoptui.cli.main import app as cli

    result = CliRunner().invoke(cli, ["--demo-if-empty", "settings", "show"])
    assert result.exit_code == 2 and "--demo-if-empty opens the app" in result.output
