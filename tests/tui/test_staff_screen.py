"""The Staff screen: adding and disabling accounts, the role matrix, tokens shown once, my password and two-factor,
and what an account without staff.manage sees."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
from sqlmodel import select
from textual.widgets import DataTable, Input, Select, Static, TabbedContent

from shoptui import clock, db
from shoptui.config import Actor
from shoptui.errors import NotAllowed
from shoptui.models.staff import StaffMember
from shoptui.services import shop, staff
from shoptui.tui.screens.staff.dialogs import (
    AddStaffDialog,
    ChangePasswordDialog,
    EditStaffDialog,
    ResetPasswordDialog,
    TokenDialog,
)
from shoptui.tui.screens.staff.screen import StaffScreen, run_change
from shoptui.tui.screens.staff.tokens import TokensDialog, TokenShownDialog
from shoptui.tui.screens.staff.twofactor import EnrolDialog, RecoveryCodesDialog, grouped, qr_fits
from shoptui.tui.widgets.confirm import Confirm
from tests.conftest import FROZEN_AT
from tests.store_files import OWNER_NAME, OWNER_PASSWORD
from tests.tui.conftest import settle, until
from tests.tui.staff_support import (  # noqa: F401  (fixtures)
    CLERK_NAME,
    CLERK_PASSWORD,
    account,
    log_in_as,
    open_staff,
    rows_of,
    staff_app,
    staff_registry,
    staff_store,
)
from tests.tui.store_support import type_text


def _row_named(screen: StaffScreen, name: str) -> int:
    names = [row[0] for row in rows_of(screen.accounts_table)]
    return names.index(name)


async def _highlight(pilot: Any, screen: StaffScreen, name: str) -> None:
    screen.accounts_table.move_cursor(row=_row_named(screen, name))
    await settle(pilot)


def _audit_actions(store: str) -> list[str]:
    with db.read_session(store) as session:
        return [e.action for e in shop.list_entries(session=session, limit=50).items]


def _field_error(dialog: Any, key: str) -> str:
    row = dialog.rows[key]
    return str(row.query_one(".field-error", Static).render()) if row.has_class("-invalid") else ""


async def test_owner_sees_every_account_and_adds_one(staff_store: str) -> None:  # noqa: F811
    app = staff_app(staff_store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_staff(pilot)
        rows = rows_of(screen.accounts_table)
        assert [r[0] for r in rows] == [CLERK_NAME, OWNER_NAME]
        assert rows[0][1:4] == ["Mei Chen", "Clerk", "active"]

        await pilot.press("a")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, AddStaffDialog)
        await type_text(pilot, "jo.lee")
        await pilot.press("tab", "tab")  # past the role (clerk)
        await type_text(pilot, "Jo [bold]Lee[/]")
        await pilot.press("tab", "tab")
        await type_text(pilot, "a-fine-first-passphrase")
        await pilot.press("tab")
        await type_text(pilot, "a-fine-first-passphrasX")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog, "two different passwords are refused"
        assert "differ" in _field_error(dialog, "password2")
        with db.read_session(staff_store) as session:
            assert "jo.lee" not in [a.name for a in staff.list_staff(session=session, actor=shop_owner())]

        dialog.query_one("#password2", Input).value = "a-fine-first-passphrase"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, StaffScreen) and len(screen.data.accounts) == 3)
        added = account(staff_store, "jo.lee")
        assert (added.role, added.full_name, added.must_change_password) == ("clerk", "Jo [bold]Lee[/]", True)
        assert rows_of(screen.accounts_table)[_row_named(screen, "jo.lee")][1] == "Jo [bold]Lee[/]"  # as typed
        assert "staff.add" in _audit_actions(staff_store)


def shop_owner() -> Actor:
    return Actor(name="check", source="test")


async def test_a_taken_name_is_marked_and_nothing_is_added(staff_store: str) -> None:  # noqa: F811
    app = staff_app(staff_store)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_staff(pilot)
        await pilot.press("a")
        await settle(pilot)
        dialog = app.screen
        await type_text(pilot, "MEI")
        dialog.query_one("#password", Input).value = "a-fine-first-passphrase"
        dialog.query_one("#password2", Input).value = "a-fine-first-passphrase"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog
        assert "taken" in _field_error(dialog, "name")
        with db.read_session(staff_store) as session:
            assert len(session.exec(select(StaffMember)).all()) == 2


async def test_disable_asks_then_stops_the_account(staff_store: str) -> None:  # noqa: F811
    app = staff_app(staff_store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_staff(pilot)
        await _highlight(pilot, screen, CLERK_NAME)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")
        await settle(pilot)
        assert account(staff_store, CLERK_NAME).active

        await pilot.press("d")
        await settle(pilot)
        await pilot.press("y")
        await until(pilot, lambda: rows_of(screen.accounts_table)[_row_named(screen, CLERK_NAME)][3] == "disabled")
        assert not account(staff_store, CLERK_NAME).active
        assert "staff.disable" in _audit_actions(staff_store)
        assert any("Disabled mei" in t.message for t in app.toasts)

        await _highlight(pilot, screen, OWNER_NAME)  # my own account: the service refuses, the screen says why
        await pilot.press("d", "y")
        await settle(pilot)
        assert any("cannot disable your own account" in t.message for t in app.toasts)
        assert account(staff_store, OWNER_NAME).active


async def test_role_grant_toggles_and_limit(staff_store: str) -> None:  # noqa: F811
    app = staff_app(staff_store)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_staff(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert screen.query_one("#staff-tabs", TabbedContent).active == "roles"
        matrix: DataTable[Any] = screen.roles_table
        permissions = [r[0] for r in rows_of(matrix)]
        clerk_column = [str(c.label).strip() for c in matrix.columns.values()].index("Clerk")
        matrix.move_cursor(row=permissions.index("catalog.edit"), column=clerk_column)
        await settle(pilot)
        assert rows_of(matrix)[permissions.index("catalog.edit")][clerk_column] == "·"

        await pilot.press("space")
        await until(pilot, lambda: rows_of(matrix)[permissions.index("catalog.edit")][clerk_column] == "✓")
        with db.read_session(staff_store) as session:
            assert "catalog.edit" in shop.role_grants(session, "clerk")[0]
        await pilot.press("space")
        await until(pilot, lambda: rows_of(matrix)[permissions.index("catalog.edit")][clerk_column] == "·")
        with db.read_session(staff_store) as session:
            assert "catalog.edit" not in shop.role_grants(session, "clerk")[0]
        assert _audit_actions(staff_store)[:2] == ["role.revoke", "role.grant"]

        matrix.move_cursor(row=permissions.index("refund"), column=clerk_column)
        await settle(pilot)
        assert rows_of(matrix)[permissions.index("refund")][clerk_column] == "✓ ≤ 100.00"
        await pilot.press("space")  # taken away, then granted again: with the role's default limit, not without one
        await until(pilot, lambda: rows_of(matrix)[permissions.index("refund")][clerk_column] == "·")
        await pilot.press("space")
        await until(pilot, lambda: rows_of(matrix)[permissions.index("refund")][clerk_column] == "✓ ≤ 100.00")
        await pilot.press("l")
        await settle(pilot)
        limit = app.screen.query_one("#limit", Input)
        limit.value = "-5"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is not screen and _field_error(app.screen, "limit")
        limit.value = "250"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: rows_of(matrix)[permissions.index("refund")][clerk_column] == "✓ ≤ 250.00")
        with db.read_session(staff_store) as session:
            assert shop.role_grants(session, "clerk")[1]["refund"] == 25_000

        owner_column = [str(c.label).strip() for c in matrix.columns.values()].index("Owner")
        matrix.move_cursor(row=permissions.index("refund"), column=owner_column)
        await settle(pilot)
        assert screen.check_action("toggle_grant", ()) is None  # greyed: the owner holds everything


async def test_api_token_is_shown_once(staff_store: str) -> None:  # noqa: F811
    app = staff_app(staff_store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_staff(pilot)
        await _highlight(pilot, screen, CLERK_NAME)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, TokenDialog)
        days = app.screen.query_one("#days", Input)
        days.value = "zero"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "not a whole number" in _field_error(app.screen, "days")
        days.value = "30"
        app.screen.query_one("#label", Input).value = "nightly-backup"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, TokenShownDialog))
        shown = app.screen
        assert isinstance(shown, TokenShownDialog)
        token = shown.token
        assert str(shown.query_one("#token-line", Static).render()) == token
        with db.transaction(staff_store) as session:
            who = staff.authenticate(session=session, token=token, source="test")
        assert who.actor is not None and who.actor.name == CLERK_NAME

        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, StaffScreen)
        assert shown.token == ""
        await pilot.press("k")
        await until(pilot, lambda: isinstance(app.screen, TokensDialog) and bool(app.screen.tokens))
        listed = rows_of(app.screen.query_one("#tokens-list", DataTable))
        assert any(f"…{token[-4:]}" in row for row in listed)
        assert not any(token in " ".join(row) for row in listed)

        await pilot.press("r", "y")  # revoke it
        await until(pilot, lambda: not app.screen.tokens)
        with db.transaction(staff_store) as session:
            assert staff.authenticate(session=session, token=token, source="test").actor is None


async def test_change_password_refused_when_the_current_one_is_wrong(staff_store: str) -> None:  # noqa: F811
    app = staff_app(staff_store)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_staff(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ChangePasswordDialog)
        await type_text(pilot, "not-my-password-at-all")
        await pilot.press("tab")
        await type_text(pilot, "a-brand-new-passphrase")
        await pilot.press("tab")
        await type_text(pilot, "a-brand-new-passphrase")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog
        assert "current password is wrong" in _field_error(dialog, "current")
        assert app.focused is dialog.query_one("#current", Input)
        with db.transaction(staff_store) as session:  # the old password still works
            assert staff.login(session=session, name=OWNER_NAME, password=OWNER_PASSWORD, source="test").ok

        dialog.query_one("#current", Input).value = OWNER_PASSWORD
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, StaffScreen))
        with db.transaction(staff_store) as session:
            assert staff.login(session=session, name=OWNER_NAME, password="a-brand-new-passphrase", source="test").ok


async def test_two_factor_enrolment_with_a_code_from_the_app(staff_store: str) -> None:  # noqa: F811
    app = staff_app(staff_store)
    with clock.frozen(FROZEN_AT):
        async with app.run_test(size=(160, 48)) as pilot:
            screen = await open_staff(pilot)
            await pilot.press("3")
            await settle(pilot)
            assert screen.check_action("enrol", ()) is True
            assert screen.check_action("two_factor_off", ()) is False
            await pilot.press("f")
            await until(pilot, lambda: isinstance(app.screen, EnrolDialog))
            dialog = app.screen
            assert isinstance(dialog, EnrolDialog)
            secret = dialog.enrolment.secret
            assert dialog.qr_shown  # 160x48 holds the QR code
            assert grouped(secret) in str(dialog.query_one("#enrol-secret", Static).render())

            wrong = pyotp.TOTP(secret).at(FROZEN_AT.timestamp() - 3600)
            await type_text(pilot, wrong)
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is dialog
            assert "does not match" in _field_error(dialog, "code")
            assert not account(staff_store, OWNER_NAME).two_factor

            dialog.query_one("#code", Input).value = pyotp.TOTP(secret).at(FROZEN_AT)
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, RecoveryCodesDialog))
            codes = app.screen.codes
            assert len(codes) == 10 and len(set(codes)) == 10
            listed = str(app.screen.query_one("#codes-list", Static).render())
            assert all(code in listed for code in codes)
            assert account(staff_store, OWNER_NAME).two_factor
            await pilot.press("enter")
            await until(pilot, lambda: screen.data is not None and screen.data.me is not None
                        and screen.data.me.two_factor)
            assert "Two-factor: on" in str(screen.query_one("#me-detail", Static).render())
            assert screen.check_action("enrol", ()) is False
            assert "security.two_factor_on" in _audit_actions(staff_store)


async def test_the_qr_code_gives_way_to_the_secret_on_a_small_terminal(staff_store: str) -> None:  # noqa: F811
    app = staff_app(staff_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_staff(pilot)
        await pilot.press("3", "f")
        await until(pilot, lambda: isinstance(app.screen, EnrolDialog))
        dialog = app.screen
        assert isinstance(dialog, EnrolDialog)
        assert not qr_fits(dialog.enrolment.qr, 80, 24)
        assert not dialog.qr_shown
        assert "enlarge" in str(dialog.query_one("#enrol-small", Static).render())
        await pilot.resize_terminal(160, 48)
        await settle(pilot)
        assert dialog.qr_shown
        await pilot.press("escape")
        await settle(pilot)
        assert not account(staff_store, OWNER_NAME).two_factor


async def test_a_clerk_sees_only_my_account(staff_store: str, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    log_in_as(monkeypatch, staff_store, CLERK_NAME, CLERK_PASSWORD)
    app = staff_app(staff_store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_staff(pilot)
        assert app.actor.name == CLERK_NAME
        tabs = screen.query_one("#staff-tabs", TabbedContent)
        assert tabs.active == "me"
        assert screen.data is not None and [a.name for a in screen.data.accounts] == [CLERK_NAME]
        assert not screen.data.may_manage
        for action in ("password", "pin", "enrol", "tokens"):
            assert screen.check_action(action, ()) is True, action
        for action in ("add", "edit", "toggle_active", "toggle_grant", "limit"):
            assert not screen.check_action(action, ()), action
        assert not screen.check_action("tab", ("accounts",))
        await pilot.press("1", "a")  # the Accounts tab stays hidden, and so does adding
        await settle(pilot)
        assert tabs.active == "me" and app.screen is screen
        assert "Mei Chen" in str(screen.query_one("#me-detail", Static).render())

        await pilot.press("i")  # my own PIN: no staff.manage needed
        await settle(pilot)
        dialog = app.screen
        dialog.query_one("#pin", Input).value = "1234"
        dialog.query_one("#pin2", Input).value = "1234"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "too easy" in _field_error(dialog, "pin")
        dialog.query_one("#pin", Input).value = "4071"
        dialog.query_one("#pin2", Input).value = "4071"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, StaffScreen))
        assert account(staff_store, CLERK_NAME).has_pin


async def test_edit_marks_a_bad_network_then_saves(staff_store: str) -> None:  # noqa: F811
    app = staff_app(staff_store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_staff(pilot)
        await _highlight(pilot, screen, CLERK_NAME)
        await pilot.press("enter")  # enter edits too
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, EditStaffDialog)
        assert dialog.query_one("#full_name", Input).value == "Mei Chen"
        dialog.query_one("#allowed_networks", Input).value = "192.168.1.0/24, the-shop"
        dialog.query_one("#role", Select).value = "stock_keeper"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "'the-shop' is not a network" in _field_error(dialog, "allowed_networks")
        assert account(staff_store, CLERK_NAME).role == "clerk"

        dialog.query_one("#allowed_networks", Input).value = "192.168.1.0/24 10.0.0.5"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, StaffScreen)
                    and rows_of(screen.accounts_table)[_row_named(screen, CLERK_NAME)][2] == "Stock keeper")
        saved = account(staff_store, CLERK_NAME)
        assert (saved.role, saved.allowed_networks) == ("stock_keeper", "192.168.1.0/24, 10.0.0.5/32")


async def test_a_locked_account_is_unlocked_and_its_password_reset(staff_store: str) -> None:  # noqa: F811
    with db.transaction(staff_store) as session:
        for _ in range(5):
            assert not staff.login(session=session, name=CLERK_NAME, password="guess", source="test").ok
    app = staff_app(staff_store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_staff(pilot)
        row = _row_named(screen, CLERK_NAME)
        assert rows_of(screen.accounts_table)[row][3] == "locked"
        await _highlight(pilot, screen, CLERK_NAME)
        assert "u unlocks" in str(screen.query_one("#staff-detail", Static).render())
        await pilot.press("u")
        await until(pilot, lambda: rows_of(screen.accounts_table)[row][3] == "active")
        with db.transaction(staff_store) as session:
            assert staff.login(session=session, name=CLERK_NAME, password=CLERK_PASSWORD, source="test").ok

        await pilot.press("p")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ResetPasswordDialog)
        dialog.query_one("#password", Input).value = "password"
        dialog.query_one("#password2", Input).value = "password"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert _field_error(dialog, "password"), "the policy refuses a short, common password"
        dialog.query_one("#password", Input).value = "a-new-passphrase-for-her"
        dialog.query_one("#password2", Input).value = "a-new-passphrase-for-her"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, StaffScreen))
        assert account(staff_store, CLERK_NAME).must_change_password
        with db.transaction(staff_store) as session:
            result = staff.login(session=session, name=CLERK_NAME, password="a-new-passphrase-for-her", source="test")
        assert result.must_change_password


def test_a_refused_change_is_audited_and_changes_nothing(staff_store: str) -> None:  # noqa: F811
    with db.read_session(staff_store) as session:
        mei = staff.show_staff(session=session, actor=shop_owner(), name=CLERK_NAME)
    clerk = Actor(name=CLERK_NAME, source="tui", staff_id=mei.id, role="clerk")
    with pytest.raises(NotAllowed, match="staff.manage"):
        run_change(staff_store, clerk, lambda session: staff.set_grant(
            session=session, actor=clerk, role="clerk", permission="prices.change", granted=True))
    with db.read_session(staff_store) as session:
        assert "prices.change" not in shop.role_grants(session, "clerk")[0]
    assert _audit_actions(staff_store)[0] == "security.refused"


async def test_a_wide_terminal_shows_emails_and_what_each_permission_allows(staff_store: str) -> None:  # noqa: F811
    app = staff_app(staff_store)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_staff(pilot)
        accounts = screen.accounts_table
        assert [str(c.label).strip() for c in accounts.columns.values()][:3] == ["Name", "Full name", "Email"]
        assert "mei@example.com" in rows_of(accounts)[0]
        assert str(list(screen.roles_table.columns.values())[-1].label).strip() == "What it allows"
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert "Email" not in [str(c.label).strip() for c in accounts.columns.values()]
