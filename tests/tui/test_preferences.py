"""The operator's theme and keymap: read from the config dir, applied through Textual, bad files only warn."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.color import Color
from textual.command import CommandList, CommandPalette
from textual.widgets import Input

from shoptui import config
from shoptui.errors import InvalidInput
from shoptui.tui.app import ShopApp
from shoptui.tui.widgets.search import SearchBox
from shoptui.tui.widgets.sidebar import SidebarEntry
from tests.tui.conftest import settle, until


@pytest.fixture
def config_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty config dir of our own: shoptui.toml and keymap.toml go here."""
    folder = tmp_path / "config"
    folder.mkdir()
    monkeypatch.setenv("SHOPTUI_CONFIG", str(folder / "shoptui.toml"))
    monkeypatch.setenv("SHOPTUI_KEYMAP", str(folder / "keymap.toml"))
    config._read_config.cache_clear()
    return folder


def _search_focused(app: ShopApp) -> bool:
    return app.focused is app.screen.query_one(SearchBox).query_one(Input)


def _palette_hits(app: ShopApp) -> int:
    """The commands the open palette lists (0 while it is still searching, or not open)."""
    return app.screen.query_one(CommandList).option_count if isinstance(app.screen, CommandPalette) else 0


def test_keymap_file_reads_strings_and_lists(tmp_path: Path) -> None:
    path = tmp_path / "keymap.toml"
    path.write_text('search = "ctrl+f"\n"go-orders" = ["f4", " ctrl+o"]\n', encoding="utf-8")
    assert config.read_keymap(path) == {"search": "ctrl+f", "go-orders": "f4,ctrl+o"}
    assert config.read_keymap(tmp_path / "none.toml") == {}


@pytest.mark.parametrize("text", ['search = 3\n', 'search = ""\n', 'search = "ctrl+f,"\n', '[search]\nkey = "x"\n',
                                  'search = "ctrl+f\n'])
def test_a_bad_keymap_file_is_refused_with_one_sentence(tmp_path: Path, text: str) -> None:
    path = tmp_path / "keymap.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput) as refused:
        config.read_keymap(path)
    assert str(path) in str(refused.value) and "\n" not in str(refused.value)


async def test_the_keymap_file_rebinds_a_key_by_its_id(config_home: Path, tui_store: str) -> None:
    (config_home / "keymap.toml").write_text('search = "ctrl+f"\n', encoding="utf-8")
    app = ShopApp(db_url=tui_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash")  # the default key is replaced, not added to
        await settle(pilot)
        assert not _search_focused(app)
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert _search_focused(app)
        assert app.preference_problems == []


async def test_a_broken_keymap_warns_in_one_line_and_keeps_the_default_keys(config_home: Path, tui_store: str) -> None:
    (config_home / "keymap.toml").write_text("search = [ctrl+f\n", encoding="utf-8")
    app = ShopApp(db_url=tui_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        warnings = [toast for toast in app.toasts if toast.severity == "warning"]
        assert len(warnings) == 1
        assert "keymap.toml is not valid TOML" in warnings[0].message and "\n" not in warnings[0].message
        await pilot.press("slash")
        await settle(pilot)
        assert _search_focused(app)


async def test_the_theme_from_the_config_file_colours_the_app(config_home: Path, tui_store: str) -> None:
    (config_home / "shoptui.toml").write_text(
        'theme = "till"\n[themes.till]\nprimary = "#A0522D"\ndark = false\n', encoding="utf-8")
    app = ShopApp(db_url=tui_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.theme == "till" and app.preference_problems == []
        active = next(entry for entry in app.screen.query(SidebarEntry) if entry.has_class("-active"))
        background = active.styles.background  # app.tcss: SidebarEntry.-active uses $primary
        assert background == Color.parse(app.get_css_variables()["primary"])
        assert background.rgb == pytest.approx((160, 82, 45), abs=1)  # the theme's #A0522D (through HSL)


@pytest.mark.parametrize(("text", "words"), [
    ('theme = "no-such-theme"\n', "The theme 'no-such-theme'"),
    ('theme = "x"\n[themes.x]\nprimary = "not a colour"\n', "which is not a colour"),
    ('theme = "x"\n[themes.x]\nprimary = "#123456"\nshade = 3\n', "shade, which a theme does not have"),
])
async def test_a_bad_theme_warns_and_the_default_is_kept(config_home: Path, tui_store: str, text: str,
                                                         words: str) -> None:
    (config_home / "shoptui.toml").write_text(text, encoding="utf-8")
    app = ShopApp(db_url=tui_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.theme == "textual-dark"
        assert any(words in toast.message for toast in app.toasts if toast.severity == "warning")


async def test_the_palette_changes_the_theme_and_the_stylesheet_follows(app: ShopApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        before = next(entry for entry in app.screen.query(SidebarEntry) if entry.has_class("-active")).styles.background
        app.action_change_theme()
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"nord")
        await until(pilot, lambda: _palette_hits(app) > 0)
        await pilot.press("enter")
        await until(pilot, lambda: app.theme == "nord")
        await until(pilot, lambda: not isinstance(app.screen, CommandPalette))
        after = next(entry for entry in app.screen.query(SidebarEntry) if entry.has_class("-active")).styles.background
        assert after == Color.parse(app.get_css_variables()["primary"]) and after != before
