"""The settings form (validated per field by the service) and the audit log screen."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input, Static

from shoptui import db
from shoptui.config import Actor
from shoptui.services.shop import audit, settings
from shoptui.tui.app import ShopApp
from shoptui.tui.screens.settings import SettingsScreen
from tests.tui.conftest import STORE_NAME, settle


def _stored(store: str, key: str) -> object:
    with db.read_session(store) as session:
        return settings.get(session=session, key=key)


async def _open_settings(pilot) -> SettingsScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("f10")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, SettingsScreen)
    return screen


async def test_settings_form_shows_every_setting_and_masks_secrets(app: ShopApp, tui_store: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPTUI_SMTP_PASSWORD", "hunter2")  # secrets come from outside the store
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_settings(pilot)
        assert screen.query_one("#setting-name", Input).value == STORE_NAME
        assert screen.query_one("#setting-timezone", Input).value == "Asia/Shanghai"
        assert screen.query_one("#setting-alert_emails", Input).value == ""
        secret = screen.query_one("#setting-smtp_password", Input)
        assert secret.password and secret.value == "" and "hunter2" not in secret.placeholder
        assert secret.placeholder == "set (outside the store)"
        assert set(screen.fields) == set(settings.definitions())
        assert isinstance(screen.focused, Input)


async def test_settings_saves_a_changed_value_and_the_top_bar_follows(app: ShopApp, tui_store: str) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_settings(pilot)
        screen.query_one("#setting-name", Input).value = "Lucky Cat [Store]"
        screen.query_one("#setting-timezone", Input).value = "Europe/Berlin"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert _stored(tui_store, "name") == "Lucky Cat [Store]"
        assert _stored(tui_store, "timezone") == "Europe/Berlin"
        assert app.store_name == "Lucky Cat [Store]" and app.timezone_name == "Europe/Berlin"
        assert "Saved name, timezone." in [n.message for n in app.toasts]
        assert not screen.query_one("#row-name").has_class("-changed")
    with db.read_session(tui_store) as session:
        entries = audit.list_entries(session=session, entity="setting").items
    assert entries[0].actor == app.actor.name and entries[0].source == "tui"


async def test_a_bad_value_is_refused_beside_its_field_and_nothing_is_saved(app: ShopApp, tui_store: str) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_settings(pilot)
        screen.query_one("#setting-name", Input).value = "New name"
        screen.query_one("#setting-timezone", Input).value = "Mars/Base"
        screen.query_one("#setting-smtp_port", Input).value = "-5"
        await pilot.press("ctrl+s")
        await settle(pilot)
        row = screen.query_one("#row-timezone")
        assert row.has_class("-invalid")
        assert "'Mars/Base' is not a time zone" in str(row.query_one(".setting-error", Static).render())
        assert "-5 is out of range" in str(screen.query_one("#row-smtp_port .setting-error", Static).render())
        assert not screen.query_one("#row-name").has_class("-invalid")
        assert screen.query_one("#setting-timezone", Input).has_focus
        assert _stored(tui_store, "name") == STORE_NAME  # nothing saved: all or none
        assert _stored(tui_store, "timezone") == "Asia/Shanghai"
        # fixing the field clears its message, and the next save goes through
        screen.query_one("#setting-timezone", Input).value = "UTC"
        screen.query_one("#setting-smtp_port", Input).value = "465"
        await pilot.pause()
        assert not row.has_class("-invalid")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert _stored(tui_store, "name") == "New name" and _stored(tui_store, "smtp_port") == 465


async def test_saving_nothing_says_so(app: ShopApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_settings(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Nothing to save: no setting was changed." in [n.message for n in app.toasts]


async def test_audit_screen_lists_entries_filters_and_loads_more(app: ShopApp, tui_store: str) -> None:
    actor = Actor("robot", "script")
    with db.transaction(tui_store) as session:
        for n in range(130):
            audit.record(session=session, actor=actor, action="thing.poke", entity="thing", entity_id=n,
                         summary=f"poke {n}", before={"n": n}, after={"n": n + 1})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        table = app.screen.query_one("#audit-table", DataTable)
        assert table.row_count == 100  # one page of 131 (130 + the store name)
        first = table.get_row_at(0)
        assert str(first[1]) == "robot" and str(first[4]) == "thing 129"
        assert "ctrl+l loads older ones" in str(app.screen.query_one("#audit-status", Static).render())
        assert '{"n": 129}' in str(app.screen.query_one("#audit-detail", Static).render())
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert table.row_count == 131
        assert "that is all" in str(app.screen.query_one("#audit-status", Static).render())
        # filter by entity: enter applies
        await pilot.press("ctrl+f", *"setting", "enter")
        await settle(pilot)
        assert table.row_count == 1 and str(table.get_row_at(0)[3]) == "settings.set"
        entity = app.screen.query_one("#filter-entity", Input)
        entity.value = ""
        app.screen.query_one("#filter-actor", Input).value = "nobody"
        app.screen.query_one("#filter-actor", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert table.row_count == 0
        assert "No audit entries match." in str(app.screen.query_one("#audit-status", Static).render())


async def test_audit_screen_refuses_a_bad_since_with_the_service_sentence(app: ShopApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        app.screen.query_one("#filter-since", Input).focus()
        await pilot.press(*"yesterday", "enter")
        await settle(pilot)
        assert any("'yesterday' is not a time" in n.message for n in app.toasts)
        assert app.is_running
