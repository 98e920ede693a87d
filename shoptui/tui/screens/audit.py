"""The audit log: who changed what, newest first, filtered by entity, actor and time; paged by key."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, Input, Static
from textual.worker import get_current_worker

from shoptui import wording
from shoptui.tui.screens.base import ShopScreen
from shoptui.tui.text import plain

if TYPE_CHECKING:
    from shoptui.services.shop import AuditEntryRead

PAGE_SIZE = 100


@dataclass(frozen=True)
class AuditFilters:
    """What the operator typed into the filter boxes."""

    entity: str = ""
    actor: str = ""
    since: str = ""


class AuditScreen(ShopScreen):
    """A table of audit entries; enter in a filter box applies the filters, ctrl+l loads older ones."""

    LIVE = frozenset({"*"})
    """What another terminal changes that this screen shows (audit entities; see ShopScreen.LIVE)."""

    MODE = "audit"

    BINDINGS = [
        Binding("ctrl+f", "filters", "Filter", id="audit-filter",
                tooltip="Put the cursor in the filters: entity, actor, since (enter applies them)."),
        Binding("ctrl+l", "more", "More", id="audit-more", tooltip="Load the next page of older entries."),
        Binding("ctrl+r", "refresh", "Refresh", id="audit-refresh", tooltip="Read the newest entries again."),
    ]

    @dataclass
    class PageLoaded(Message):
        """One page of entries for ``filters``; ``append`` continues the rows already shown."""

        filters: AuditFilters
        items: list[AuditEntryRead]
        next_after: str | None
        timezone: str
        append: bool

    def __init__(self) -> None:
        super().__init__()
        self.filters = AuditFilters()
        self.next_after: str | None = None
        self.entries: dict[str, AuditEntryRead] = {}

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="audit-filters"):
            yield Input(placeholder="entity: setting, product…", id="filter-entity", compact=True)
            yield Input(placeholder="actor", id="filter-actor", compact=True)
            yield Input(placeholder="since: 2h, 7d, 2026-11-01", id="filter-since", compact=True)
        yield DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
        yield Static("Loading…", id="audit-status", markup=False)
        yield Static("", id="audit-detail", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#audit-table", DataTable)
        table.add_column("when", key="when", width=16)
        table.add_column("who", key="who")
        table.add_column("from", key="from")
        table.add_column("action", key="action")
        table.add_column("record", key="record")
        table.add_column("summary", key="summary")
        self.call_after_refresh(self.load, self.filters, None)

    def on_screen_resume(self) -> None:
        if self.entries:
            self.load(self.filters, None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "more":
            return self.next_after is not None
        return True

    # ------------------------------------------------------------ actions

    def action_filters(self) -> None:
        """Cursor to the first filter box."""
        self.query_one("#filter-entity", Input).focus()

    def action_more(self) -> None:
        """The next page of older entries."""
        if self.next_after is not None:
            self.load(self.filters, self.next_after)

    def action_refresh(self) -> None:
        """The newest entries again."""
        self.load(self.filters, None)

    @on(Input.Submitted, "#audit-filters Input")
    def _apply(self, event: Input.Submitted) -> None:
        event.stop()
        self.filters = AuditFilters(
            entity=self.query_one("#filter-entity", Input).value.strip(),
            actor=self.query_one("#filter-actor", Input).value.strip(),
            since=self.query_one("#filter-since", Input).value.strip(),
        )
        self.load(self.filters, None)
        self.query_one("#audit-table", DataTable).focus()

    # ------------------------------------------------------------ data

    @work(thread=True, exclusive=True, group="audit-page", exit_on_error=False)
    def load(self, filters: AuditFilters, after: str | None) -> None:
        """One page of entries, newest first (keyset-paged by id)."""
        from shoptui import db
        from shoptui.services import shop

        with db.read_session(self.shop.db_url) as session:
            zone = shop.timezone(session=session)
            since = shop.parse_moment(filters.since, zone) if filters.since else None
            page = shop.list_entries(session=session, entity=filters.entity or None, actor=filters.actor or None,
                                      since=since, after=after, limit=PAGE_SIZE, reader=self.shop.actor)
        if not get_current_worker().is_cancelled:
            self.post_message(self.PageLoaded(filters, page.items, page.next_after, str(zone), after is not None))

    @on(PageLoaded)
    def _show(self, event: PageLoaded) -> None:
        if event.filters != self.filters:
            return
        table = self.query_one("#audit-table", DataTable)
        zone = ZoneInfo(event.timezone)
        with self.app.batch_update():
            if not event.append:
                table.clear()
                self.entries = {}
            for entry in event.items:
                key = str(entry.id)
                if key in self.entries:
                    continue
                self.entries[key] = entry
                table.add_row(*_cells(entry, zone), key=key)
        self.next_after = event.next_after
        shown = len(self.entries)
        if not shown:
            status = "No audit entries match."
        else:
            status = f"{shown} entr{'y' if shown == 1 else 'ies'} shown"
            status += " · ctrl+l loads older ones" if event.next_after else " · that is all"
        self.query_one("#audit-status", Static).update(plain(status))
        self.refresh_bindings()
        if not event.append:
            self._show_detail(next(iter(self.entries.values()), None))

    @on(DataTable.RowHighlighted, "#audit-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail(self.entries.get(str(event.row_key.value)))

    def _show_detail(self, entry: AuditEntryRead | None) -> None:
        detail = self.query_one("#audit-detail", Static)
        if entry is None or (entry.before is None and entry.after is None):
            detail.update(plain(""))
            return
        detail.update(plain(f"before: {_compact(entry.before)}\nafter:  {_compact(entry.after)}"))


def _cells(entry: AuditEntryRead, zone: ZoneInfo) -> tuple[Text, ...]:
    """Plain text cells (names may hold ``[``, which must not be read as markup)."""
    where = entry.source + (f" {entry.address}" if entry.address else "")
    record = f"{entry.entity} {entry.entity_id or ''}".strip()
    cells = (wording.when(entry.at, zone), entry.actor, where, entry.action, record, entry.summary)
    return tuple(plain(cell) for cell in cells)


def _compact(value: Any) -> str:
    if value is None:
        return "-"
    return json.dumps(value, ensure_ascii=False)[:300]
