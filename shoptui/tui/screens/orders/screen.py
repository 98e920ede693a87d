"""The orders screen (F4): the order list with filters and search, keyset-paged; the actions on an order.

The list is paged by (created_at, id), newest first: about two screens of rows are loaded, and the
next page when the cursor nears the end, so the screen stays fast at a million orders. Each page is
one worker with one read session (one keyset query for the orders, then the page's tracking numbers
in one more). What the first paint does not need comes after the first rows are on screen: the
filter bar (two selects and an input, the costliest widgets here) and the figures of the status line
(unpaid, to ship, open returns: kept counters, read by a worker of their own). Nothing counts the table.

Keys: enter opens an order (lines, payments, shipments, returns, timeline); n new order; p pay;
s ship; x cancel; space selects, a selects the page, b ships the selected orders in one go;
f more filters (dates, customer, amount, tracking); ctrl+f the search box. F1 lists the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.events import Resize
from textual.message import Message
from textual.widgets import DataTable, Input, Select, Static
from textual.worker import get_current_worker

from shoptui.tui.screens.base import ShopScreen
from shoptui.tui.screens.orders.actions import SHIPPABLE, TO_SHIP, OrderActions
from shoptui.tui.screens.orders.common import (
    CHANNEL_CHOICES,
    STATUS_CHOICES,
    OrdersMeta,
    fulfil_word,
    payment_word,
    read_meta,
)
from shoptui.tui.screens.orders.dialogs import Changed, MoreFilters, to_filter
from shoptui.tui.text import cell, plain
from shoptui.tui.widgets.paged_table import PagedList, PagedTable
from shoptui.wording import plural

if TYPE_CHECKING:
    from shoptui.services.orders.figures import OrderFigures
    from shoptui.services.orders.reading import OrderSummary

EXTRAS_AT_THE_LATEST = 3.0
"""Seconds after which the filter bar is mounted even when the first page has not come."""
WIDE_FROM = 110
"""Body width (columns) from which the list shows the channel, the tracking number and the year."""
SELECTED_MARK = "✓"


@dataclass(frozen=True)
class ListFilters:
    """What the list shows: the bar's status, channel and search, and the dialog's filters."""

    status: str = ""
    channel: str = ""
    search: str = ""
    more: MoreFilters = MoreFilters()


@dataclass(frozen=True)
class Columns:
    """Column widths of the list for a body width (each includes a gap)."""

    mark: int
    number: int
    date: int
    customer: int
    channel: int
    pay: int
    ship: int
    total: int
    tracking: int
    wide: bool


def columns_for(width: int) -> Columns:
    """Widths that fill ``width`` cells: the customer takes what the others leave."""
    wide = width >= WIDE_FROM
    c = Columns(mark=2, number=11, date=17 if wide else 12, customer=0, channel=12 if wide else 0, pay=10, ship=10,
                total=12 if wide else 10, tracking=20 if wide else 0, wide=wide)
    fixed = c.mark + c.number + c.date + c.channel + c.pay + c.ship + c.total + c.tracking + 1  # + scrollbar
    return replace(c, customer=max(10, width - fixed))


@dataclass(frozen=True)
class Listed:
    """An order of the list with its newest tracking number."""

    order: OrderSummary
    tracking: str = ""


def _number(item: Listed) -> str:
    return item.order.number


class OrdersScreen(PagedList, OrderActions, ShopScreen):
    """Orders: filter, search, page, select; open, create, pay, ship, cancel, refund, return, batch ship."""

    MODE = "orders"
    AUTO_FOCUS = "#orders-table"

    BINDINGS = [
        Binding("enter", "open", "Open", id="orders-open",
                tooltip="The highlighted order in full: lines, payments, shipments, returns, timeline."),
        Binding("n", "new", "New", id="orders-new", tooltip="Type in an order: customer by phone, items by SKU."),
        Binding("p", "pay", "Pay", id="orders-pay", tooltip="Record a payment on the highlighted order."),
        Binding("s", "ship", "Ship", id="orders-ship", tooltip="Ship the highlighted order: carrier, tracking number."),
        Binding("x", "cancel_order", "Cancel", id="orders-cancel",
                tooltip="Cancel the highlighted order (before anything shipped), with a reason."),
        Binding("space", "toggle_select", "Select", id="orders-select",
                tooltip="Select or unselect the highlighted order for shipping in one go."),
        Binding("b", "batch_ship", "Ship sel.", id="orders-batch",
                tooltip="Ship the selected paid orders in one go: a tracking number each, all or nothing."),
        Binding("f", "more_filters", "Filter", id="orders-filter",
                tooltip="Filters: date range, customer, amount, has tracking."),
        Binding("a", "select_page", "All", show=False, id="orders-select-all",
                tooltip="Select every loaded order (again: select none)."),
        Binding("d", "deliver", "Delivered", show=False, id="orders-deliver",
                tooltip="Mark the highlighted shipped order delivered."),
        Binding("r", "refund", "Refund", show=False, id="orders-refund",
                tooltip="Refund items or an amount on the highlighted order."),
        Binding("t", "return_request", "Return", show=False, id="orders-return",
                tooltip="Record a return request on the highlighted order."),
        Binding("e", "exchange", "Exchange", show=False, id="orders-exchange",
                tooltip="Exchange items of the highlighted order."),
        Binding("m", "remind", "Remind", show=False, id="orders-remind",
                tooltip="Send a payment reminder for the highlighted order now."),
        Binding("i", "invoice", "Invoice", show=False, id="orders-invoice", tooltip="The invoice: read, save, print."),
        Binding("k", "slip", "Slip", show=False, id="orders-slip", tooltip="The packing slip: read, save, print."),
        Binding("ctrl+f", "search", "Search", show=False, id="orders-search",
                tooltip="Put the cursor in the search box: number, customer name or phone, tracking number."),
        Binding("ctrl+l", "more", "More", show=False, id="orders-more", tooltip="Load the next page of orders."),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="orders-refresh", tooltip="Read the orders again."),
    ]

    @dataclass
    class MetaLoaded(Message):
        """Currency, time zone and carriers were read."""

        meta: OrdersMeta

    @dataclass
    class PageLoaded(Message):
        """One page of orders for ``filters``; ``append`` continues the rows already shown."""

        filters: ListFilters
        items: list[Listed]
        next_after: str | None
        append: bool
        select: str | None = None
        meta: OrdersMeta | None = None

    @dataclass
    class FiguresLoaded(Message):
        """The status line's figures (unpaid, to ship, open returns) were read."""

        figures: OrderFigures

    def __init__(self) -> None:
        super().__init__()
        # A new screen is styled as its widgets mount; without this, switching to it the first time
        # also re-parses the app's whole stylesheet and restyles every screen (as on the products screen).
        self._css_update_count = self.app._css_update_count
        self.meta = OrdersMeta()
        self.filters = ListFilters()
        self.selected: set[str] = set()
        self.columns = columns_for(72)
        self.table: PagedTable[str, Listed] = PagedTable(id="orders-table", cells=self._cells, key=_number,
                                                         load_more=self._load_more)
        self.figures: OrderFigures | None = None
        self._loaded_once = False
        self._extras_mounted = False
        self._pending: list[tuple[str, str]] = []

    # ------------------------------------------------------------ layout

    def compose_body(self) -> ComposeResult:
        yield Horizontal(id="orders-filters")  # filled once the first rows show (see _mount_extras)
        yield self.table
        yield Static("", id="orders-detail", markup=False)
        yield Static("Loading orders…", id="orders-status", markup=False)

    def _filter_widgets(self) -> list[Select[str] | Input]:
        return [
            Select(STATUS_CHOICES, value="", allow_blank=False, id="filter-status", compact=True,
                   tooltip="Only orders of one status (order, payment or fulfilment)."),
            Select([("any channel", "")] + [(c, c) for c in (*CHANNEL_CHOICES, "imported")], value="",
                   allow_blank=False, id="filter-channel", compact=True, tooltip="Only orders from one channel."),
            Input(placeholder="number, name, phone, tracking", id="filter-search", compact=True,
                  tooltip="An order number, a customer's name or phone, or a tracking number (enter applies)."),
        ]

    def _mount_extras(self) -> None:
        """The filter bar and the status line's figures, once the first rows are on screen.

        What the screen opens for is the list: its first paint needs only the table, so the filter
        bar comes right after, in its reserved row, without moving the table.
        """
        if self._extras_mounted or not self.is_attached:
            return
        self._extras_mounted = True
        bar = self.query_one("#orders-filters", Horizontal)
        with self.app.batch_update():
            bar.mount_all(self._filter_widgets())
        self.load_figures()

    def on_mount(self) -> None:
        self._layout(self.app.size.width)
        self.first_page()  # reads while the screen is drawn
        self.call_after_refresh(self._first_load)
        self.set_timer(EXTRAS_AT_THE_LATEST, self._mount_extras)  # when the first page is slow or fails

    def _first_load(self) -> None:
        pending, self._pending = self._pending, []
        for kind, key in pending:
            self.open_record(kind, key)

    def on_resize(self, event: Resize) -> None:
        if self._layout(self.app.size.width):
            self.table.redraw()

    def _layout(self, width: int) -> bool:
        """Columns for this width; True when they changed (then the rows are drawn again)."""
        columns = columns_for(self.body_width(width))
        if columns == self.columns and self.table.columns:
            return False
        self.columns = c = columns
        heads = [("", c.mark, False, "mark"), ("Number", c.number, False, "number"),
                 ("Date", c.date, False, "date"), ("Customer", c.customer, False, "customer")]
        if c.channel:
            heads.append(("Channel", c.channel, False, "channel"))
        heads += [("Payment", c.pay, False, "pay"), ("Shipping", c.ship, False, "ship"),
                  ("Total", c.total, True, "total")]
        if c.tracking:
            heads.append(("Tracking", c.tracking, False, "tracking"))
        self.table.set_heads(heads)
        return True

    # ------------------------------------------------------------ data

    @work(thread=True, exclusive=True, group="orders-meta", exit_on_error=False)
    def load_meta(self) -> None:
        """Currency, time zone and carriers (for the cells and the dialogs)."""
        meta = read_meta(self.shop.db_url, self.shop)
        if not get_current_worker().is_cancelled:
            self.post_message(self.MetaLoaded(meta))

    @on(MetaLoaded)
    def _meta_loaded(self, event: MetaLoaded) -> None:
        changed = event.meta != self.meta
        self.meta = event.meta
        if changed and self.rows:
            self.table.redraw()
            self._show_detail()

    @work(thread=True, exclusive=True, group="orders-page", exit_on_error=False)
    def load_page(self, filters: ListFilters, after: str | None, limit: int, select: str | None = None) -> None:
        """One page of orders (keyset: created_at, id) with their tracking numbers."""
        from shoptui import db
        from shoptui.services.orders import listing
        from shoptui.services.orders import views as orders_views

        service_filter = to_filter(filters.more, status=filters.status, channel=filters.channel, search=filters.search)
        meta = read_meta(self.shop.db_url, self.shop) if not self.meta.store.loaded else None  # the first page brings them
        with db.read_session(self.shop.db_url) as session:
            page = listing.list_orders(session=session, filters=service_filter, after=after, limit=limit)
            tracking = orders_views.tracking_by_order(session=session,
                                                      order_ids=[o.id for o in page.items if o.shipment_count])
        items = [Listed(o, tracking.get(o.id, "")) for o in page.items]
        if not get_current_worker().is_cancelled:
            self.post_message(self.PageLoaded(filters, items, page.next_after, after is not None, select, meta))

    @work(thread=True, exclusive=True, group="orders-figures", exit_on_error=False)
    def load_figures(self) -> None:
        """Unpaid, to ship and open returns for the status line (kept counters: a few small reads)."""
        from shoptui import db
        from shoptui.services.orders import figures as orders_figures

        with db.read_session(self.shop.db_url) as session:
            figures = orders_figures.figures(session=session)
        if not get_current_worker().is_cancelled:
            self.post_message(self.FiguresLoaded(figures))

    @on(FiguresLoaded)
    def _figures_loaded(self, event: FiguresLoaded) -> None:
        self.figures = event.figures
        self._show_status()

    @on(PageLoaded)
    def _page_loaded(self, event: PageLoaded) -> None:
        if event.meta is not None and not self.meta.store.loaded:
            self.meta = event.meta
        if not self.take_page(event.filters, event.items, event.next_after, append=event.append,
                              select=event.select or None):
            return
        self._show_status()
        self._show_detail()
        self.refresh_bindings()
        self.loaded(first=not self._loaded_once)
        if not self._loaded_once:
            self._loaded_once = True
            self.call_after_refresh(self._mount_extras)  # the filter bar and the figures come after the rows
        elif not event.append and self._extras_mounted:
            self.load_figures()  # a reload after a change: the figures may have moved too

    def _cells(self, item: Listed) -> list[Text]:
        c = self.columns
        o = item.order
        mark = SELECTED_MARK if o.number in self.selected else ""
        pay = payment_word(o.payment_status)
        ship = "cancelled" if o.status == "cancelled" else fulfil_word(o.fulfilment_status)
        pay_style = "bold" if o.status == "open" and o.payment_status in ("unpaid", "partially_paid") else ""
        ship_style = "bold" if o.status == "open" and o.payment_status in SHIPPABLE and o.fulfilment_status in TO_SHIP \
            else ("dim" if o.status == "cancelled" else "")
        cells = [cell(mark, c.mark, style="bold"), cell(o.number, c.number),
                 cell(self.meta.store.when(o.created_at, year=c.wide), c.date),
                 cell(o.customer_name or "guest", c.customer)]
        if c.channel:
            cells.append(cell(o.channel, c.channel))
        cells += [cell(pay, c.pay, style=pay_style), cell(ship, c.ship, style=ship_style),
                  cell(self.meta.store.money(o.total_minor), c.total, right=True)]
        if c.tracking:
            cells.append(cell(item.tracking or "·", c.tracking))
        return cells

    def paint_selection(self, key: str) -> None:
        self.table.repaint_cell(key, "mark", cell(SELECTED_MARK if key in self.selected else "",
                                                  self.columns.mark, style="bold"))

    def selection_changed(self) -> None:
        self._show_status()
        self.refresh_bindings()

    def current(self) -> OrderSummary | None:
        """The highlighted order."""
        item = self.table.current()
        return item.order if item else None

    def _show_status(self) -> None:
        shown = len(self.rows)
        f = self.filters
        extra = f.more.describe(self.meta)
        if not shown:
            if f == ListFilters():
                text = "No orders yet: press n to type one in, or sell at the counter."
            else:
                text = "No orders match the filters (f: filters, ctrl+f: search)."
        else:
            text = plural(shown, "order") + self.table.more_below()
        if self.selected:
            text += f" · {len(self.selected)} selected (b: ship them)"
        if extra:
            text += f" · {extra}"
        if self.figures is not None and not self.selected:
            g = self.figures
            text += f" · unpaid {g.unpaid} · to ship {g.to_ship} · open returns {g.open_returns}"
        self.query_one("#orders-status", Static).update(plain(text))

    def _show_detail(self) -> None:
        item = self.table.current()
        detail = self.query_one("#orders-detail", Static)
        if item is None:
            detail.update(plain(""))
            return
        o = item.order
        parts = [o.number, o.customer_name or "guest"]
        if o.customer_phone:
            parts.append(o.customer_phone)
        parts += [o.channel, plural(o.item_count, "item"), f"total {self.meta.store.money(o.total_minor)}"]
        if o.due_minor:
            parts.append(f"due {self.meta.store.money(o.due_minor)}")
        if o.refunded_minor:
            parts.append(f"refunded {self.meta.store.money(o.refunded_minor)}")
        if item.tracking:
            parts.append(f"tracking {item.tracking}")
        parts.append(o.status)
        detail.update(plain(" · ".join(parts)))

    @on(DataTable.RowHighlighted, "#orders-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()
        self.refresh_bindings()  # the table itself reads the next page when the cursor nears the end

    def on_screen_resume(self) -> None:
        if self._loaded_once:
            self.reload()
            self.load_meta()

    # ------------------------------------------------------------ filters

    def _apply(self, filters: ListFilters) -> None:
        if filters != self.filters:
            self.selected.clear()
            self.query_one("#orders-status", Static).update(plain("Loading…"))
            self.set_filters(filters)

    @on(Select.Changed, "#filter-status")
    def _status_changed(self, event: Select.Changed) -> None:
        self._apply(replace(self.filters, status=str(event.value or "")))

    @on(Select.Changed, "#filter-channel")
    def _channel_changed(self, event: Select.Changed) -> None:
        self._apply(replace(self.filters, channel=str(event.value or "")))

    @on(Input.Submitted, "#filter-search")
    def _search(self, event: Input.Submitted) -> None:
        event.stop()
        self._apply(replace(self.filters, search=event.value.strip()))
        self.table.focus()

    def action_search(self) -> None:
        """Cursor to the search box."""
        self._mount_extras()
        self.call_after_refresh(lambda: self.query_one("#filter-search", Input).focus())

    def action_more_filters(self) -> None:
        """Dates, customer, amount, tracking."""
        from shoptui.tui.screens.orders.dialogs import FiltersDialog

        def chosen(more: MoreFilters | None) -> None:
            if more is not None:
                self._apply(replace(self.filters, more=more))

        self.app.push_screen(FiltersDialog(self.meta, self.filters.more), chosen)

    def action_refresh(self) -> None:
        """Everything again."""
        self.load_meta()
        self.reload()

    # ------------------------------------------------------------ selection and batch

    def action_toggle_select(self) -> None:
        """Select or unselect the highlighted order, then move down."""
        self.toggle_selected()

    def action_select_page(self) -> None:
        """Select every loaded order, or none when all of them are selected."""
        self.select_page()

    def action_batch_ship(self) -> None:
        """A tracking number for each selected order; all shipped, or none."""
        from shoptui.tui.screens.orders.batch import BatchShipDialog

        chosen = [item.order for number, item in self.rows.items() if number in self.selected]
        if not chosen:
            self.shop.announce("Select paid orders first: space selects one, a selects every loaded one.", "warning")
            return

        def shipped(result: Changed | None) -> None:
            if result is not None:
                self.selected.clear()
                self._done(result)

        self.app.push_screen(BatchShipDialog(self.meta, chosen), shipped)

    # ------------------------------------------------------------ one order

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("open", "pay", "ship", "cancel_order", "toggle_select", "deliver", "refund", "return_request",
                      "exchange", "remind", "invoice", "slip"):
            return self.current() is not None
        if action == "batch_ship":
            return bool(self.selected) or None
        if action == "more":
            return self.next_after is not None
        return True

    def order_changed(self, result: Changed) -> None:
        self.reload(select=result.number if result.number in self.rows else None)

    def _with_current(self, start: Any, *args: Any) -> None:
        order = self.current()
        if order is not None:
            start(order, *args)

    def action_open(self) -> None:
        """The highlighted order in full."""
        order = self.current()
        if order is not None:
            self.open_record("order", order.number)

    def action_new(self) -> None:
        """A new order typed in by hand."""
        from shoptui.tui.screens.orders.dialogs import NewOrderDialog

        self._push(NewOrderDialog(self.meta))

    def action_pay(self) -> None:
        """Record a payment."""
        self._with_current(self.start_pay)

    def action_ship(self) -> None:
        """Ship."""
        self._with_current(self.start_ship)

    def action_deliver(self) -> None:
        """Mark delivered."""
        self._with_current(self.start_deliver)

    def action_cancel_order(self) -> None:
        """Cancel."""
        self._with_current(self.start_cancel)

    def action_refund(self) -> None:
        """Refund."""
        self._with_current(self.start_refund)

    def action_return_request(self) -> None:
        """A return request."""
        self._with_current(self.start_return)

    def action_exchange(self) -> None:
        """An exchange."""
        self._with_current(self.start_exchange)

    def action_remind(self) -> None:
        """A payment reminder now."""
        self._with_current(self.start_remind)

    def action_invoice(self) -> None:
        """The invoice."""
        self._with_current(self.open_document, "invoice")

    def action_slip(self) -> None:
        """The packing slip."""
        self._with_current(self.open_document, "slip")

    @on(DataTable.RowSelected, "#orders-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()  # enter on the table: the table eats the key, so the order opens here
        self.action_open()

    # ------------------------------------------------------------ records

    def open_record(self, kind: str, key: str) -> None:
        """Show an order (a search hit or a notification link: key = its number)."""
        from shoptui.tui.screens.orders.detail import OrderDetailScreen

        if kind != "order":
            super().open_record(kind, key)
            return
        if not self.is_mounted:
            self._pending.append((kind, key))
            return
        self.app.push_screen(OrderDetailScreen(self.meta, key), self._after_detail)

    def _after_detail(self, changed: bool | None) -> None:
        if changed:
            self.reload()
