"""The notification centre: the store's notifications, newest first, behind the top bar's bell.

Unread ones are marked ``●``. Enter opens the record a notification links to (and marks it
read), ``r`` marks the highlighted one read, ``a`` marks all read. Below the list: what the app
itself said this session (the toasts of ``app.announce``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from shoptui.tui.text import plain
from shoptui.tui.widgets.steady_footer import SteadyFooter
from shoptui.tui.workers import ReportsWorkerErrors

if TYPE_CHECKING:
    from shoptui.services.shop import NotificationRead
    from shoptui.tui.app import Announcement, ShopApp

SEVERITY_STYLE = {"warning": "bold yellow", "error": "bold red"}


class NotificationCentre(ReportsWorkerErrors, ModalScreen[None]):
    """A panel on the right: notifications of the store and this session's messages."""

    BINDINGS = [
        Binding("escape,ctrl+n", "close", "Close", id="centre-close", tooltip="Close the notification centre."),
        Binding("o", "open", "Open", id="centre-open",
                tooltip="Open the record the highlighted notification is about (enter works too)."),
        Binding("r", "mark_read", "Mark read", id="centre-read", tooltip="Mark the highlighted notification read."),
        Binding("a", "mark_all_read", "All read", id="centre-all-read", tooltip="Mark every notification read."),
    ]

    @dataclass
    class Loaded(Message):
        """The newest notifications and the store's time zone were read."""

        items: list[NotificationRead]
        timezone: str

    def __init__(self) -> None:
        super().__init__()
        self.items: list[NotificationRead] = []

    @property
    def shop(self) -> ShopApp:
        """The app, typed."""
        return cast("ShopApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(id="centre") as centre:
            centre.border_title = "Notifications"
            yield OptionList(Option(plain("Loading…", style="dim"), disabled=True), id="centre-list")
            yield Static(id="centre-session", markup=False)
            yield SteadyFooter(show_command_palette=False, compact=True)

    def on_mount(self) -> None:
        self.shop.notifications_changed.subscribe(self, lambda _: self.load())
        self.shop.announcements_changed.subscribe(self, lambda _: self._show_session())
        self._show_session()
        self.load()

    @work(thread=True, exclusive=True, group="centre", exit_on_error=False)
    def load(self) -> None:
        """The newest 100 notifications."""
        from shoptui import db
        from shoptui.services import shop as shop_api

        with db.read_session(self.shop.db_url) as session:
            items = shop_api.list_notifications(session=session, limit=100, role=self.shop.actor.role)
            zone = str(shop_api.get(session=session, key="timezone"))
        self.post_message(self.Loaded(items, zone))

    @on(Loaded)
    def _show(self, event: Loaded) -> None:
        listing = self.query_one("#centre-list", OptionList)
        highlighted = listing.highlighted_option.id if listing.highlighted_option else None
        self.items = event.items
        zone = ZoneInfo(event.timezone)
        listing.clear_options()
        if not event.items:
            listing.add_option(Option(plain("No notifications.", style="dim"), disabled=True))
            return
        listing.add_options(Option(_prompt(item, zone), id=str(item.id)) for item in event.items)
        ids = [str(item.id) for item in event.items]
        listing.highlighted = ids.index(highlighted) if highlighted in ids else 0
        unread = sum(1 for item in event.items if item.read_at is None)
        self.query_one("#centre").border_subtitle = plain(f"{unread} unread" if unread else "all read")
        listing.focus()
        self.refresh_bindings()

    def _show_session(self) -> None:
        said: list[Announcement] = list(self.shop.announcements)[:5]
        panel = self.query_one("#centre-session", Static)
        panel.display = bool(said)
        zone = ZoneInfo(self.shop.timezone_name or "UTC")
        panel.update(plain("This session:\n" + "\n".join(f"{a.at.astimezone(zone):%H:%M} {a.text}" for a in said)))

    # ------------------------------------------------------------ actions

    def _highlighted(self) -> NotificationRead | None:
        option = self.query_one("#centre-list", OptionList).highlighted_option
        if option is None or option.id is None:
            return None
        return next((item for item in self.items if str(item.id) == option.id), None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "mark_read":
            item = self._highlighted()
            return item is not None and item.read_at is None
        if action == "open":
            item = self._highlighted()
            return item is not None and bool(item.link_kind and item.link_id)
        if action == "mark_all_read":
            return any(item.read_at is None for item in self.items)
        return True

    def action_open(self) -> None:
        """Open the highlighted notification's record."""
        self.query_one("#centre-list", OptionList).action_select()

    def action_close(self) -> None:
        """Back to the screen."""
        self.dismiss(None)

    def action_mark_read(self) -> None:
        """Mark the highlighted notification read."""
        item = self._highlighted()
        if item is not None and item.read_at is None:
            self.shop.mark_read([item.id])

    def action_mark_all_read(self) -> None:
        """Mark every notification read."""
        self.shop.mark_read(None)

    @on(OptionList.OptionSelected, "#centre-list")
    async def _open(self, event: OptionList.OptionSelected) -> None:
        item = next((i for i in self.items if str(i.id) == event.option.id), None)
        if item is None:
            return
        if item.read_at is None:
            self.shop.mark_read([item.id])
        if not item.link_kind or not item.link_id:
            return
        self.dismiss(None)
        app = self.shop
        app.call_later(app.open_record, app.mode_for_kind(item.link_kind), item.link_kind, item.link_id, item.title)

    @on(OptionList.OptionHighlighted, "#centre-list")
    def _highlight_changed(self, _event: Any) -> None:
        self.refresh_bindings()


def _prompt(item: NotificationRead, zone: ZoneInfo) -> Text:
    unread = item.read_at is None
    text = plain("● " if unread else "  ", style="bold")
    text.append(f"{item.created_at.astimezone(zone):%m-%d %H:%M} ", style="dim")
    if item.severity in SEVERITY_STYLE:
        text.append(f"{item.severity} ", style=SEVERITY_STYLE[item.severity])
    text.append(item.title, style="bold" if unread else "dim")
    details = item.body[:160]
    if item.link_kind and item.link_id:
        details = f"{details}  → {item.link_kind} {item.link_id}".strip()
    if details:
        text.append("\n  " + details, style="dim")
    return plain(text)
