"""The shell: start-up, dashboard figures, sidebar, keys, help, palette, failures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from textual import on
from textual.command import CommandList, CommandPalette
from textual.widgets import HelpPanel, Label

from shoptui import db, modules
from shoptui.tui.app import ShopApp
from shoptui.tui.screens.audit import AuditScreen
from shoptui.tui.screens.base import ShopScreen
from shoptui.tui.screens.dashboard import DashboardScreen
from shoptui.tui.screens.settings import SettingsScreen
from shoptui.tui.widgets.kpi import KpiCard
from shoptui.tui.widgets.sidebar import Sidebar, SidebarEntry, sidebar_order
from shoptui.tui.widgets.topbar import Bell, ShopClock, StoreName
from tests.conftest import FROZEN_AT
from tests.store_files import execute
from tests.tui import fakes
from tests.tui.conftest import STORE_NAME, settle, until

REGISTERED_MODULES = modules.all_modules
"""The real registry (the TUI fixtures show the shell only the core module and a fake one)."""


def test_app_module_does_not_import_the_database_layer() -> None:
    code = ("import sys, shoptui.tui.app; "
            "print([m for m in ('sqlmodel', 'sqlalchemy', 'shoptui.services', 'shoptui.db') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


async def test_starts_on_the_dashboard_with_figures_and_store_name(app: ShopApp, frozen_clock: object) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        cards = {card.figure.key: card for card in app.screen.query(KpiCard)}
        assert cards["alerts"].figure.value == "0"
        assert cards["alerts"].border_title == "Alerts"
        assert str(app.screen.query_one(StoreName).render()) == STORE_NAME
        assert app.title == STORE_NAME
        # 02:30 UTC is 10:30 in the store's zone (Asia/Shanghai)
        assert str(app.screen.query_one(ShopClock).render()) == "Fri 10:30"
        assert str(app.screen.query_one(Bell).render()) == "Inbox"
        assert app.screen.focused is cards["alerts"] or isinstance(app.screen.focused, KpiCard)


async def test_sidebar_lists_registered_screens_and_keys_switch(app: ShopApp) -> None:
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        entries = [entry.id for entry in app.screen.query_one(Sidebar).children]
        assert entries == ["nav-dashboard", "nav-things", "nav-audit", "nav-settings"]
        await pilot.press("f10")
        await settle(pilot)
        assert app.current_mode == "settings" and isinstance(app.screen, SettingsScreen)
        assert app.screen.query_one("#nav-settings").has_class("-active")
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, AuditScreen)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, fakes.ThingsScreen)
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)


class LoadedWatcher(ShopApp):
    """The app as a benchmark or an embedding sees it: it only listens for ``ShopScreen.Loaded``."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.loaded: list[tuple[str, bool, int]] = []

    @on(ShopScreen.Loaded)
    def _note(self, event: ShopScreen.Loaded) -> None:
        self.loaded.append((event.screen.MODE, event.first, len(event.screen.query(KpiCard))))


async def test_a_screen_tells_the_app_when_its_data_is_on_screen(tui_store: str) -> None:
    app = LoadedWatcher(db_url=tui_store, poll_seconds=600)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert [(mode, first) for mode, first, _ in app.loaded] == [("dashboard", True)]
        assert app.loaded[0][2] > 0  # posted once the cards are there
        await pilot.press("f10")
        await settle(pilot)
        await pilot.press("ctrl+o")  # back: the dashboard reads its figures again
        await settle(pilot)
        assert [(mode, first) for mode, first, _ in app.loaded] == [("dashboard", True), ("dashboard", False)]


def test_sidebar_lists_home_then_f_keys_in_order_then_ctrl_keys() -> None:
    def entry(mode: str, key: str, order: int) -> modules.Screen:
        return modules.Screen(mode, mode.title(), key, f"x:{mode}", order=order)

    registered = [entry("returns", "ctrl+e", 42), entry("settings", "f10", 95), entry("sale", "f5", 35),
                  entry("home", "ctrl+o", 0), entry("count", "ctrl+y", 32), entry("orders", "f4", 40),
                  entry("buying", "ctrl+g", 31), entry("products", "f2", 20)]
    assert [e.mode for e in sidebar_order(registered, "home")] == [
        "home", "products", "orders", "sale", "settings", "returns", "buying", "count"]


def test_every_registered_screen_has_a_short_name_that_fits_the_narrow_sidebar() -> None:
    entries = [s for m in REGISTERED_MODULES() for s in m.screens]
    assert len(entries) >= 13
    for entry in entries:
        assert 1 <= len(entry.short_label) <= 9, entry
    shorts = [entry.short_label for entry in entries]
    assert len(set(shorts)) == len(shorts)


async def test_sidebar_entry_opens_its_screen_on_click(app: ShopApp) -> None:
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert await pilot.click("#nav-audit")
        await settle(pilot)
        assert isinstance(app.screen, AuditScreen)


async def test_sidebar_is_collapsed_at_80_columns_and_toggles(app: ShopApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        sidebar = app.screen.query_one(Sidebar)
        assert sidebar.has_class("-collapsed")
        assert sidebar.outer_size.width == 16
        # narrow, it still names every screen (short names) beside its key
        shown = [(str(entry.query_one(".short", Label).render()), str(entry.query_one(".key", Label).render()))
                 for entry in sidebar.query(SidebarEntry)]
        assert shown == [("Home", "^O"), ("Things", "F2"), ("Audit", "F9"), ("Settings", "F10")]
        assert all(entry.query_one(".short").region.width >= 6 for entry in sidebar.query(SidebarEntry))
        assert not any(entry.query_one(".label").display for entry in sidebar.query(SidebarEntry))
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert not sidebar.has_class("-collapsed")
        await pilot.press("f10")
        await settle(pilot)
        assert not app.screen.query_one(Sidebar).has_class("-collapsed")  # the choice holds on every screen


async def test_sidebar_is_open_at_160_columns(app: ShopApp) -> None:
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert not app.screen.query_one(Sidebar).has_class("-collapsed")


@pytest.mark.parametrize("key", ["f1", "question_mark"])
async def test_help_shows_the_keys_of_the_screen(app: ShopApp, key: str) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(key)
        await pilot.pause()
        assert app.screen.query(HelpPanel)
        await pilot.press("escape")
        await pilot.pause()
        assert not app.screen.query(HelpPanel)


def test_every_binding_has_an_id_label_and_tooltip_and_a_key_terminals_send(app: ShopApp) -> None:
    from shoptui.tui.widgets.kpi import KpiCard
    from shoptui.tui.widgets.notification_centre import NotificationCentre
    from shoptui.tui.widgets.search import SearchBox

    owners = [ShopApp, DashboardScreen, SettingsScreen, AuditScreen, KpiCard, SearchBox, NotificationCentre]
    bindings = [b for owner in owners for b in owner.__dict__["BINDINGS"]] + app._mode_bindings()
    assert len(bindings) > 15
    for binding in bindings:
        assert binding.id and binding.description and binding.tooltip, binding
        for key in binding.key.split(","):
            assert key not in {"ctrl+enter", "ctrl+h", "ctrl+i", "ctrl+j", "ctrl+m"} and "shift+ctrl" not in key
    ids = [b.id for b in bindings]
    assert len(ids) == len(set(ids))


async def test_command_palette_opens_a_screen(app: ShopApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"audit log: open")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette)
                    and app.screen.query_one(CommandList).option_count > 0)
        await pilot.press("enter")
        await settle(pilot)
        assert app.current_mode == "audit"


@pytest.mark.sqlite_only(reason="a file that is not a SQLite database")
async def test_a_corrupt_store_shows_the_sentence_and_keeps_running(tmp_path: Path) -> None:
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"this is not a database" * 100)
    app = ShopApp(db_url=f"sqlite:///{broken}", poll_seconds=0.2)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        status = app.screen.query_one("#dashboard-status")
        assert "is not a readable shoptui database" in str(status.render())
        assert "is not a readable shoptui database" in app.store_problem
        toasts = [n.message for n in app.toasts]
        assert sum("not a readable shoptui database" in t for t in toasts) == 1  # said once, not per worker
        await pilot.press("f10")
        await settle(pilot)
        assert app.is_running


async def test_an_out_of_date_store_says_to_upgrade(tui_store: str) -> None:
    db.dispose_all()
    execute(tui_store, "UPDATE alembic_version SET version_num = '0001_foundation'")
    db.dispose_all()  # forget that this store was checked when the fixture named it
    app = ShopApp(db_url=tui_store, poll_seconds=0.2)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "Run 'shoptui db upgrade'" in app.store_problem
        assert "Run 'shoptui db upgrade'" in str(app.screen.query_one("#dashboard-status").render())


async def test_an_unexpected_error_is_logged_not_shown_as_a_traceback(app: ShopApp,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from shoptui.services.shop import dashboard

    def broken(*, session: object) -> list[object]:
        raise RuntimeError("boom")

    monkeypatch.setattr(dashboard, "all_figures", broken)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        toasts = [n.message for n in app.toasts]
        assert any(t.startswith("Something went wrong (RuntimeError)") for t in toasts), toasts
        assert app.is_running
        from shoptui.config import log_dir

        assert "RuntimeError: boom" in (log_dir() / "shoptui.log").read_text()


def test_frozen_clock_fixture_is_the_one_the_clock_test_expects() -> None:
    assert FROZEN_AT.isoformat() == "2026-11-20T02:30:00+00:00"


async def test_palette_offers_the_keys_of_the_current_screen(app: ShopApp) -> None:
    from shoptui.tui.commands import ShopCommands

    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f10")
        await settle(pilot)
        provider = ShopCommands(app.screen)
        titles = [title for title, _help, _callback in provider._commands()]
        assert "settings: save" in titles and "settings: revert" in titles
        assert "audit log: open" in titles and "notifications: mark all read" in titles
        assert not any(t.startswith("settings: copy") for t in titles)  # Textual's own keys stay out


async def test_announcements_are_kept_for_the_notification_centre(app: ShopApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.announce("Price of [TEE-01] changed.", "warning")
        await pilot.pause()
        assert app.announcements[0].text == "Price of [TEE-01] changed."
        assert any(n.message == "Price of [TEE-01] changed." for n in app.toasts)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert "Price of [TEE-01] changed." in str(app.screen.query_one("#centre-session").render())


def test_card_ids_are_valid_for_any_figure_key() -> None:
    from textual.widget import Widget

    from shoptui.tui.screens.dashboard import _card_id

    for key in ("members.new", "sales today", "库存", "a/b:c"):
        Widget(id=_card_id(key))  # raises BadIdentifier when the id is not valid


async def test_the_shell_reads_the_store_view_once_and_again_after_a_settings_change(app: ShopApp,
                                                                                    frozen_clock: object) -> None:
    from shoptui.config import Actor
    from shoptui.services.shop import settings

    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        view = app.store_view
        assert view.loaded and view.name == STORE_NAME and view.timezone == "Asia/Shanghai"
        assert view.when(FROZEN_AT) == "2026-11-20 10:30"  # 02:30 UTC in the store's zone
        assert view.when(FROZEN_AT, year=False) == "11-20 10:30" and view.money(1250) == "12.50"
        with db.transaction(app.db_url) as session:
            settings.set_value(session=session, actor=Actor("test", "tui"), key="timezone", raw="Europe/London")
        app.reload_shell()
        await settle(pilot)
        assert app.store_view.timezone == "Europe/London" and app.timezone_name == "Europe/London"
        assert app.store_view.when(FROZEN_AT, year=False) == "11-20 02:30"
