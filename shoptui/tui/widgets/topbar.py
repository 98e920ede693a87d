"""The top bar: store name, global search box, who is logged in, notification bell and the store's clock."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.events import Click
from textual.widgets import Static

from shoptui import clock
from shoptui.tui.text import plain
from shoptui.tui.widgets.logo import StoreLogo
from shoptui.tui.widgets.search import SearchBox

if TYPE_CHECKING:
    from shoptui.tui.app import ShopApp


class StoreName(Static):
    """The store's name from its settings (``shoptui`` until the store has been read)."""

    def on_mount(self) -> None:
        self.watch(self.app, "store_name", self._show)
        self.watch(self.app, "store_unreachable", self._show, init=False)

    def _show(self, _value: object = None) -> None:
        name = getattr(self.app, "store_name", "") or "shoptui"
        lost = bool(getattr(self.app, "store_unreachable", False))
        self.update(plain(f"{name} · store unreachable, retrying" if lost else name))
        self.set_class(lost, "-unreachable")


class Bell(Static):
    """The notification bell: unread count; a click (or ctrl+n) opens the notification centre."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("Inbox", markup=False, **kwargs)
        self.tooltip = "Notifications (ctrl+n)"

    def on_mount(self) -> None:
        self.watch(self.app, "unread", self._show)

    def _show(self, unread: int) -> None:
        self.update(plain(f"Inbox {unread}" if unread else "Inbox"))
        self.set_class(unread > 0, "-unread")

    def on_click(self, event: Click) -> None:
        event.stop()
        cast("ShopApp", self.app).action_notifications()


class Account(Static):
    """Who is logged in: name, role, and "PIN" when switched in at the counter (the app's ``account``)."""

    def on_mount(self) -> None:
        self.tooltip = "Logged in as (F11: switch user)"
        self.watch(self.app, "account", self._show)

    def _show(self, account: str) -> None:
        self.update(plain(account))
        self.display = bool(account)

    def on_click(self, event: Click) -> None:
        event.stop()
        cast("ShopApp", self.app).action_switch_user()


class ShopClock(Static):
    """Day and time in the store's time zone, from ``shoptui.clock`` (frozen in tests)."""

    _shown = ""

    def on_mount(self) -> None:
        self.watch(self.app, "timezone_name", lambda _: self.tick())
        self.set_interval(1.0, self.tick)

    def tick(self) -> None:
        """Show the time now (only repaints when the minute changes)."""
        name = cast("ShopApp", self.app).timezone_name
        if not name:
            text = ""
        else:
            try:
                zone = ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                zone = ZoneInfo("UTC")
            text = clock.now().astimezone(zone).strftime("%a %H:%M")
        if text != self._shown:
            self._shown = text
            self.update(plain(text))


class TopBar(Horizontal):
    """Store logo and name, search, bell and clock in one line at the top of every shop screen."""

    def compose(self) -> ComposeResult:
        yield StoreLogo(id="store-logo")  # hidden until the store has a logo (and on narrow screens)
        yield StoreName("shoptui", id="store-name", markup=False)
        yield SearchBox(id="search")
        yield Account("", id="account", markup=False)
        yield Bell(id="bell")
        yield ShopClock(id="clock")
