"""The returns queue (ctrl+e): returns by state, newest first, each with its next step.

Open returns (requested, approved, received) are shown by default; enter does the next step of the
highlighted one (approve or reject -> receive the goods -> refund), o opens its order. Paged by id
(newest first) like the service lists them; the next page loads when the cursor nears the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.events import Resize
from textual.message import Message
from textual.widgets import DataTable, Select, Static
from textual.worker import get_current_worker

from shoptui.tui.screens.base import ShopScreen
from shoptui.tui.screens.orders.actions import OrderActions
from shoptui.tui.screens.orders.common import OrdersMeta, read_meta
from shoptui.tui.screens.orders.dialogs import Changed
from shoptui.tui.text import cell, plain
from shoptui.tui.widgets.paged_table import PagedList, PagedTable

if TYPE_CHECKING:
    from shoptui.services.orders.reading import ReturnRead

STATES = (("open returns", "open"), ("requested", "requested"), ("approved", "approved"), ("received", "received"),
          ("refunded", "refunded"), ("rejected", "rejected"), ("every return", ""))


def _key(found: ReturnRead) -> str:
    return str(found.id)


class ReturnsScreen(PagedList, OrderActions, ShopScreen):
    """Returns by state with the next action: approve/reject, receive, refund."""

    MODE = "returns"
    AUTO_FOCUS = "#returns-table"

    BINDINGS = [
        Binding("enter", "step", "Next step", id="returns-step",
                tooltip="The next step of the highlighted return: approve/reject, receive, refund."),
        Binding("o", "open_order", "Order", id="returns-order", tooltip="Open the order of the highlighted return."),
        Binding("v", "cycle_state", "State", id="returns-state",
                tooltip="Show open returns, then each state, then every return."),
        Binding("ctrl+l", "more", "More", show=False, id="returns-more", tooltip="Load the next page of returns."),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="returns-refresh", tooltip="Read the returns again."),
    ]

    @dataclass
    class PageLoaded(Message):
        """One page of returns of a state; ``append`` continues the rows already shown."""

        state: str
        items: list[ReturnRead]
        next_after: str | None
        append: bool
        meta: OrdersMeta | None
        select: int | None = None

    def __init__(self) -> None:
        super().__init__()
        self.meta = OrdersMeta()
        self.filters = "open"
        self._loaded_once = False
        self.widths: dict[str, int] = {}
        self.table: PagedTable[str, ReturnRead] = PagedTable(id="returns-table", cells=self._cells, key=_key,
                                                             load_more=self._load_more)

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="returns-filters"):
            yield Select(STATES, value="open", allow_blank=False, id="filter-return-state", compact=True,
                         tooltip="Which returns: open ones (the queue), one state, or all (v).")
            yield Static("requested → approved → received → refunded", id="returns-hint", markup=False)
        yield self.table
        yield Static("", id="returns-detail", markup=False)
        yield Static("Loading returns…", id="returns-status", markup=False)

    def on_mount(self) -> None:
        self._layout()
        self.call_after_refresh(self.first_page)

    def _layout(self) -> bool:
        """Columns for the body's width (the items take what the others leave); True when they changed."""
        body = self.body_width()
        widths = {"id": 6, "order": 11, "asked": 12, "state": 10, "next": 19}
        widths["items"] = max(8, body - sum(widths.values()) - 1)
        if widths == self.widths:
            return False
        self.widths = widths
        self.table.set_heads((label, widths[key], False, key) for label, key in (
            ("#", "id"), ("Order", "order"), ("Asked", "asked"), ("State", "state"), ("Items", "items"),
            ("Next step", "next")))
        return True

    def on_resize(self, event: Resize) -> None:
        if self._layout() and self.rows:
            self.table.redraw()

    @work(thread=True, exclusive=True, group="returns-page", exit_on_error=False)
    def load_page(self, state: str, after: str | None, limit: int, select: int | None = None) -> None:
        """One page of returns (newest first) and, the first time, the currency and time zone."""
        from shoptui import db
        from shoptui.services.orders import returns as orders_returns

        meta = read_meta(self.shop.db_url, self.shop) if not self.meta.store.loaded else None
        with db.read_session(self.shop.db_url) as session:
            page = orders_returns.list_returns(session=session, status=state or None,
                                               after=int(after) if after else None, limit=limit)
        if not get_current_worker().is_cancelled:
            self.post_message(self.PageLoaded(state, page.items, page.next_after, after is not None, meta, select))

    @on(PageLoaded)
    def _page_loaded(self, event: PageLoaded) -> None:
        if event.meta is not None:
            self.meta = event.meta
        if not self.take_page(event.state, event.items, event.next_after, append=event.append, select=event.select):
            return
        self._loaded_once = True
        self._show_status()
        self._show_detail()
        self.refresh_bindings()

    def _cells(self, found: ReturnRead) -> list[Text]:
        from shoptui.services.orders.views import NEXT_STEPS

        items = ", ".join(f"{i.sku} x{i.quantity}" for i in found.items)
        step = NEXT_STEPS.get(found.status, "")
        w = self.widths
        return [cell(f"#{found.id}", w["id"]), cell(found.order_number, w["order"]),
                cell(self.meta.store.when(found.requested_at, year=False), w["asked"]), cell(found.status, w["state"]),
                cell(items, w["items"]), cell(step or "·", w["next"], style="bold" if step else "dim")]

    def current(self) -> ReturnRead | None:
        """The highlighted return."""
        return self.table.current()

    def _show_status(self) -> None:
        label = next(text for text, value in STATES if value == self.filters)
        if not self.rows:
            text = "No open returns: nothing to do." if self.filters == "open" else f"No returns here ({label})."
        else:
            text = f"{len(self.rows)} {label if label.endswith('returns') else label + ' returns'}" + (
                self.table.more_below()) + " · enter: next step · o: the order"
        self.query_one("#returns-status", Static).update(plain(text))

    def _show_detail(self) -> None:
        found = self.current()
        detail = self.query_one("#returns-detail", Static)
        if found is None:
            detail.update(plain(""))
            return
        parts = [f"#{found.id} of {found.order_number}", found.status, f"reason: {found.reason}"]
        if found.decision_note:
            parts.append(f"note: {found.decision_note}")
        if found.refund_minor:
            parts.append(f"refunded {self.meta.store.money(found.refund_minor)}")
        if found.photos:
            parts.append(f"{len(found.photos)} photos")
        detail.update(plain(" · ".join(parts)))

    @on(DataTable.RowHighlighted, "#returns-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()
        self.refresh_bindings()  # the table itself reads the next page when the cursor nears the end

    @on(DataTable.RowSelected, "#returns-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_step()

    @on(Select.Changed, "#filter-return-state")
    def _state_changed(self, event: Select.Changed) -> None:
        state = str(event.value or "")
        if state != self.filters:
            self.query_one("#returns-status", Static).update(plain("Loading…"))
            self.set_filters(state)

    def on_screen_resume(self) -> None:
        if self._loaded_once:
            self.first_page()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("step", "open_order"):
            return self.current() is not None
        if action == "more":
            return self.next_after is not None
        return True

    def action_step(self) -> None:
        """The next step of the highlighted return."""
        found = self.current()
        if found is not None:
            self.start_return_step(found)

    def action_open_order(self) -> None:
        """The order of the highlighted return."""
        from shoptui.tui.screens.orders.detail import OrderDetailScreen

        found = self.current()
        if found is not None:
            self.app.push_screen(OrderDetailScreen(self.meta, found.order_number), self._after_detail)

    def _after_detail(self, changed: bool | None) -> None:
        if changed:
            self.first_page()

    def action_cycle_state(self) -> None:
        """open → requested → … → every return → open"""
        values = [value for _, value in STATES]
        following = values[(values.index(self.filters) + 1) % len(values)]
        self.query_one("#filter-return-state", Select).value = following

    def action_refresh(self) -> None:
        """The returns again."""
        self.first_page()

    def order_changed(self, result: Changed) -> None:
        self.first_page()

    def open_record(self, kind: str, key: str) -> None:
        """A return (``return``, key = id) is highlighted; an order opens its detail."""
        from shoptui.tui.screens.orders.detail import OrderDetailScreen

        if kind == "order":
            self.app.push_screen(OrderDetailScreen(self.meta, key), self._after_detail)
        elif kind == "return" and key in self.rows:
            self.table.move_cursor(row=self.table.get_row_index(key))
        else:
            super().open_record(kind, key)
