"""The sidebar: one entry per registered module screen, with its key; narrow: short names and keys.

The entries come from the module registry and are listed by key, so a newcomer can follow them:
the home screen first, then the F-keys in order, then the ctrl keys in letter order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.events import Click
from textual.widgets import Label

from shoptui.tui.text import plain

if TYPE_CHECKING:
    from shoptui.modules import Screen as ScreenEntry
    from shoptui.tui.app import ShopApp


def key_rank(entry: ScreenEntry, home: str = "") -> tuple[int, int, str, int]:
    """Where an entry goes in the sidebar: home, then F-keys by number, then ctrl keys by letter."""
    key = entry.key.split(",")[0].strip().lower()
    if entry.mode == home:
        return (0, 0, "", entry.order)
    function = re.fullmatch(r"f(\d+)", key)
    if function:
        return (1, int(function.group(1)), "", entry.order)
    if key.startswith("ctrl+"):
        return (2, 0, key.removeprefix("ctrl+"), entry.order)
    return (3, 0, key, entry.order)


def sidebar_order(entries: Iterable[ScreenEntry], home: str = "") -> list[ScreenEntry]:
    """The registered entries in the order the sidebar lists them (see :func:`key_rank`)."""
    return sorted(entries, key=lambda entry: key_rank(entry, home))


def key_label(display: str) -> str:
    """A key as the sidebar shows it: ``F2``, ``^E`` (Textual's ``f2``, ``^e``)."""
    return display.upper() if len(display) <= 4 else display


class SidebarEntry(Horizontal):
    """A module's label and key; a click opens its screen."""

    def __init__(self, entry: ScreenEntry, key_display: str, *, active: bool) -> None:
        super().__init__(id=f"nav-{entry.mode}", classes="-active" if active else "")
        self.entry = entry
        self.key_display = key_display
        self.tooltip = f"{entry.label} ({key_display})"

    def compose(self) -> ComposeResult:
        yield Label(plain(self.entry.label), classes="label", markup=False)
        yield Label(plain(self.entry.short_label), classes="short", markup=False)
        yield Label(plain(self.key_display), classes="key", markup=False)

    async def on_click(self, event: Click) -> None:
        event.stop()
        await cast("ShopApp", self.app).action_go(self.entry.mode)


class Sidebar(VerticalScroll, can_focus=False):
    """Every screen the registered modules offer; the shell knows none of them by name."""

    def __init__(self, active: str, **kwargs: Any) -> None:
        super().__init__(id="sidebar", **kwargs)
        self.active = active

    def compose(self) -> ComposeResult:
        app = cast("ShopApp", self.app)
        # collapsed before the entries mount: setting the class afterwards restyles every entry (a screen's first
        # visit at 80 columns paid that on top of styling them once)
        self.set_class(bool(app.sidebar_collapsed), "-collapsed")
        for entry in app.screen_entries:
            display = key_label(app.get_key_display(Binding(entry.key, "")))
            yield SidebarEntry(entry, display, active=entry.mode == self.active)

    def on_mount(self) -> None:
        self.watch(self.app, "sidebar_collapsed", self._collapse, init=False)
        app = cast("ShopApp", self.app)
        self._show_allowed()
        app.signed_in.subscribe(self, lambda _actor: self._show_allowed())

    def _show_allowed(self) -> None:
        """Leave out the entries of no use to the logged-in account (``modules.Screen.permissions``)."""
        app = cast("ShopApp", self.app)
        for entry in self.query(SidebarEntry):
            entry.display = app.may_open(entry.entry)

    def _collapse(self, collapsed: bool) -> None:
        self.set_class(collapsed, "-collapsed")
