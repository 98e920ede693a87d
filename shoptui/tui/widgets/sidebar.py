"""The sidebar: one entry per registered module screen, with its key; collapsible to the keys."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.events import Click
from textual.widgets import Label

from shoptui.tui.text import plain

if TYPE_CHECKING:
    from shoptui.modules import Screen as ScreenEntry
    from shoptui.tui.app import ShopApp


class SidebarEntry(Horizontal):
    """A module's label and key; a click opens its screen."""

    DEFAULT_CSS = """
    SidebarEntry { height: 1; width: 1fr; padding: 0 1; }
    SidebarEntry > .label { width: 1fr; text-wrap: nowrap; text-overflow: ellipsis; }
    SidebarEntry > .key { width: auto; color: $text-muted; }
    SidebarEntry:hover { background: $boost; }
    SidebarEntry.-active { background: $primary; color: $text; text-style: bold; }
    SidebarEntry.-active > .key { color: $text; }
    """

    def __init__(self, entry: ScreenEntry, key_display: str, *, active: bool) -> None:
        super().__init__(id=f"nav-{entry.mode}", classes="-active" if active else "")
        self.entry = entry
        self.key_display = key_display
        self.tooltip = f"{entry.label} ({key_display})"

    def compose(self) -> ComposeResult:
        yield Label(plain(self.entry.label), classes="label", markup=False)
        yield Label(plain(self.key_display), classes="key", markup=False)

    async def on_click(self, event: Click) -> None:
        event.stop()
        await cast("ShopApp", self.app).action_go(self.entry.mode)


class Sidebar(VerticalScroll, can_focus=False):
    """Every screen the registered modules offer; the shell knows none of them by name."""

    DEFAULT_CSS = """
    Sidebar { width: 24; height: 1fr; background: $panel; border-right: vkey $foreground 20%;
              scrollbar-size-vertical: 1; }
    Sidebar.-collapsed { width: 6; }
    Sidebar.-collapsed SidebarEntry > .label { display: none; }
    Sidebar.-collapsed SidebarEntry { padding: 0 0 0 1; }
    """

    def __init__(self, active: str, **kwargs: object) -> None:
        super().__init__(id="sidebar", **kwargs)  # type: ignore[arg-type]
        self.active = active

    def compose(self) -> ComposeResult:
        app = cast("ShopApp", self.app)
        for entry in app.screen_entries:
            display = app.get_key_display(Binding(entry.key, ""))
            yield SidebarEntry(entry, display, active=entry.mode == self.active)

    def on_mount(self) -> None:
        self.watch(self.app, "sidebar_collapsed", self._collapse)

    def _collapse(self, collapsed: bool) -> None:
        self.set_class(collapsed, "-collapsed")
