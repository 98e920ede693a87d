"""F1 / ? list the keys of every screen and every dialog; footers show only whole keys at 80 columns."""

from __future__ import annotations

import importlib
import io
import pkgutil
from collections.abc import Iterator
from typing import Any

import pytest
from rich.console import Console
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.widgets import HelpPanel, Input, Static
from textual.widgets._footer import FooterKey
from textual.widgets._key_panel import BindingsTable

import shoptui.tui.screens
import shoptui.tui.widgets
from shoptui import modules
from shoptui.tui.app import ShopApp
from shoptui.tui.widgets.confirm import Confirm
from shoptui.tui.widgets.form import Field, FormDialog
from shoptui.tui.widgets.notification_centre import NotificationCentre
from shoptui.tui.widgets.steady_footer import SteadyFooter
from tests.tui.conftest import settle, until

REGISTERED_MODULES = modules.all_modules
"""The real registry (the TUI fixtures show the shell only the core module and a fake one)."""


def every_screen_class() -> list[type[Screen[Any]]]:
    """Every screen and dialog class of the TUI (imported from every module of screens/ and widgets/)."""
    for package in (shoptui.tui.screens, shoptui.tui.widgets):
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            importlib.import_module(info.name)

    def below(cls: type) -> Iterator[type]:
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)

    found = {cls for cls in below(Screen) if cls.__module__.startswith("shoptui.")}
    return sorted(found, key=lambda cls: (cls.__module__, cls.__name__))


def own_bindings(cls: type[Screen[Any]]) -> list[Binding]:
    """The bindings a screen class has (its own and inherited), one per action."""
    merged = cls._merge_bindings()
    by_action: dict[str, Binding] = {}
    for bindings in merged.key_to_bindings.values():
        for binding in bindings:
            by_action.setdefault(binding.action, binding)
    return list(by_action.values())


def help_text(screen: Screen[Any]) -> str:
    """What the keys panel of ``screen`` shows, as plain text."""
    table = screen.query_one(HelpPanel).query_one(BindingsTable).render()
    console = Console(width=400, no_color=True, record=True, file=io.StringIO())
    console.print(table)
    return console.export_text()


SCREEN_CLASSES = every_screen_class()


def test_the_walk_finds_the_detail_screens_and_dialogs() -> None:
    names = {cls.__name__ for cls in SCREEN_CLASSES}
    assert {"OrderDetailScreen", "ProductDetailScreen", "PaymentDialog", "Confirm", "FormDialog",
            "NotificationCentre", "DashboardScreen", "StocktakeScanScreen"} <= names
    assert len(SCREEN_CLASSES) >= 60


@pytest.mark.parametrize("cls", SCREEN_CLASSES, ids=lambda cls: cls.__name__)
async def test_f1_lists_every_key_of_every_screen_and_dialog(app: ShopApp, cls: type[Screen[Any]]) -> None:
    """Each class's bindings on a screen of its kind (modal or not): F1 shows every description.

    A modal screen hides the app's keys, so this is where F1 used to do nothing (order detail,
    product detail, payment); the keys shown only through ctrl+p (invoice ``i``) are listed too.
    """
    bindings = own_bindings(cls)
    base: type[Screen[Any]] = ModalScreen if issubclass(cls, ModalScreen) else Screen

    def compose(self: Screen[Any]) -> ComposeResult:
        yield Static(cls.__name__)
        yield SteadyFooter(compact=True)

    probe = type(f"Probe{cls.__name__}", (base,), {"BINDINGS": bindings, "compose": compose})
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot, 1)
        app.push_screen(probe())
        await pilot.pause()
        await pilot.press("f1")
        await pilot.pause()
        assert app.screen.query(HelpPanel), f"F1 shows no keys on {cls.__name__}"
        text = help_text(app.screen)
        # on a full screen a key the app binds with priority (tab, shift+tab) is the app's: F1 lists the
        # app's words; a modal dialog keeps its own
        taken = {key: binding for binding in ShopApp.BINDINGS if isinstance(binding, Binding) and binding.priority
                 for key in binding.key.split(",")} if base is Screen else {}
        for binding in bindings:
            if binding.description and not binding.system:
                shown_as = taken.get(binding.key, binding)
                assert shown_as.description in text, f"{cls.__name__}: {binding.key} {shown_as.description}"
        footer = {key.action for key in app.screen.query(FooterKey)}
        assert footer & {"help", "app.help"}, f"the footer of {cls.__name__} does not offer F1"
        await pilot.press("f1")
        await pilot.pause()
        assert not app.screen.query(HelpPanel)


@pytest.mark.parametrize("key", ["f1", "question_mark"])
async def test_f1_and_question_mark_list_the_keys_of_a_real_dialog(app: ShopApp, key: str) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(Confirm("Delete the draft?"))
        await pilot.pause()
        await pilot.press(key)
        await pilot.pause()
        text = help_text(app.screen)
        assert "Yes" in text and "No" in text
        await pilot.press(key)  # again: hides them, the dialog stays
        await pilot.pause()
        assert isinstance(app.screen, Confirm) and not app.screen.query(HelpPanel)


class NameDialog(FormDialog):
    TITLE_TEXT = "A name"

    def fields(self) -> list[Field]:
        return [Field("name", "Name", Input(id="name"))]


async def test_question_mark_types_into_a_field_and_f1_still_lists_the_keys(app: ShopApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(NameDialog())
        await pilot.pause()
        await pilot.press("a", "question_mark")
        await pilot.pause()
        assert app.screen.query_one("#name", Input).value == "a?"
        assert not app.screen.query(HelpPanel)
        await pilot.press("f1")
        await pilot.pause()
        text = help_text(app.screen)
        assert "Save" in text and "Cancel" in text


async def test_the_notification_centre_lists_its_keys(app: ShopApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert isinstance(app.screen, NotificationCentre)
        await pilot.press("f1")
        await pilot.pause()
        assert "Close the notification centre." in help_text(app.screen)


# ---------------------------------------------------------------- the footer at 80 columns


def assert_footer_whole(screen: Screen[Any], where: str) -> None:
    """Every key of the footer is drawn whole inside it, none over another (nor over the palette key)."""
    footers = list(screen.query(SteadyFooter))
    assert footers, f"{where}: no footer"
    for footer in footers:
        region = footer.content_region
        keys = list(footer.query(FooterKey))
        assert keys, f"{where}: an empty footer"
        spans = []
        for key in keys:
            box = key.region
            text = key.render().plain
            assert box.width >= len(text.rstrip()) and box.x >= region.x and box.right <= region.right, \
                f"{where}: {text!r} is cut ({box} in {region})"
            spans.append((box.x, box.right, text))
        spans.sort()
        for (_, right, text), (left, _, following) in zip(spans, spans[1:], strict=False):
            assert right <= left, f"{where}: {text!r} overlaps {following!r}"
        assert any(key.action in ("help", "app.help") for key in keys), f"{where}: F1 is not offered"


@pytest.fixture
def full_app(tui_store: str, monkeypatch: pytest.MonkeyPatch) -> ShopApp:
    """The app with every registered module (the real sidebar)."""
    monkeypatch.setattr(modules, "all_modules", REGISTERED_MODULES)
    return ShopApp(db_url=tui_store, poll_seconds=60)


async def test_no_screen_shows_a_clipped_key_at_80_columns(full_app: ShopApp) -> None:
    async with full_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for entry in full_app.screen_entries:
            await full_app.action_go(entry.mode)
            # the footer's keys are laid out once the screen has been drawn (a frame later on a busy machine)
            await until(pilot, lambda mode=entry.mode: full_app.current_mode == mode and all(
                key.region.width for key in full_app.screen.query(FooterKey)))
            assert_footer_whole(full_app.screen, entry.mode)


async def test_the_footer_drops_what_does_not_fit_and_keeps_f1(app: ShopApp) -> None:
    many = [Binding(str(n), f"x{n}", f"Action number {n}", id=f"x{n}", tooltip="t") for n in range(10)]

    class Crowded(Screen[None]):
        BINDINGS = many

        def compose(self) -> ComposeResult:
            yield SteadyFooter(compact=True)

    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, 1)
        app.push_screen(Crowded())
        await pilot.pause()
        await pilot.pause()
        assert_footer_whole(app.screen, "crowded")
        shown = [key.action for key in app.screen.query(FooterKey)]
        assert "x0" in shown and "x9" not in shown and "help" in shown
