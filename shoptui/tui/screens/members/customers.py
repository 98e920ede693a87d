"""The customers screen (F8): a keyset-paged list with search; a profile with addresses and order
history; add and edit.

The list is ordered by name (the service pages by name and id); search matches the name, phone or
email. Enter opens the profile: contact, note, addresses and the newest orders (enter on one opens
the order). n adds a customer, e edits the highlighted one; a refusal (a phone or email that is not
one, or already someone else's) is shown under its field and nothing is saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Static
from textual.worker import get_current_worker

from shoptui.tui.screens.base import ShopScreen
from shoptui.tui.screens.orders.common import OrdersMeta, fulfil_word, payment_word, read_meta
from shoptui.tui.text import cell, plain
from shoptui.tui.widgets.form import Field, FormDialog
from shoptui.tui.widgets.paged_table import PagedList, PagedTable
from shoptui.tui.widgets.steady_footer import SteadyFooter
from shoptui.tui.workers import ReportsWorkerErrors

if TYPE_CHECKING:
    from shoptui.services.members import CustomerRead
    from shoptui.services.orders import OrderSummary
    from shoptui.tui.app import ShopApp

ADDRESS_PARTS = (("country", "Country", "CN (two letters)"), ("region", "Region", "province or state"),
                 ("city", "City", ""), ("district", "District", ""), ("street", "Street", "street and number"),
                 ("postal_code", "Postal code", ""))


# ---------------------------------------------------------------- the form


class CustomerDialog(FormDialog):
    """Add a customer, or edit one: name, phone, email, note and the default address."""

    SAVE_LABEL = "save"

    def __init__(self, existing: CustomerRead | None = None) -> None:
        super().__init__("Phone and email are checked; one person is one customer.")
        self.existing = existing

    def edits_a_record(self) -> bool:
        return self.existing is not None

    def title_text(self) -> str:
        return f"Edit customer #{self.existing.id}" if self.existing else "New customer"

    def fields(self) -> list[Field]:
        c = self.existing
        address = c.default_address if c else None

        def entry(key: str, value: str | None, placeholder: str, tooltip: str) -> Input:
            return Input(value or "", id=f"f-{key}", compact=True, placeholder=placeholder, tooltip=tooltip)

        found = [
            Field("name", "Name", entry("name", c.name if c else "", "full name", "The customer's name.")),
            Field("phone", "Phone", entry("phone", c.phone if c else "", "13800138000 or +86 138 0013 8000",
                                          "A mobile number; orders are found by it.")),
            Field("email", "Email", entry("email", c.email if c else "", "name@example.com",
                                          "For order notices and receipts.")),
            Field("note", "Note", entry("note", c.note if c else "", "kept on the record", "Anything worth knowing.")),
        ]
        for key, label, hint in ADDRESS_PARTS:
            value = getattr(address, key) if address else ""
            found.append(Field(key, label, entry(key, value, hint, f"The default address: {label.lower()}.")))
        return found

    def save(self, values: dict[str, Any]) -> CustomerRead:
        from shoptui import db
        from shoptui.services import members

        address = members.AddressInput(**{key: values[key] for key, _, _ in ADDRESS_PARTS})
        has_address = any(v.strip() for v in address.model_dump().values())
        with db.transaction(self.shop.db_url) as session:
            if self.existing is None:
                data = members.CustomerCreate(name=values["name"], phone=values["phone"] or None,
                                                email=values["email"] or None, note=values["note"],
                                                address=address if has_address else None)
                return members.add_customer(session=session, actor=self.shop.actor, data=data)
            c = self.existing
            patch: dict[str, Any] = {}
            for key, before in (("name", c.name), ("phone", c.phone), ("email", c.email), ("note", c.note)):
                if values[key].strip() != (before or ""):
                    patch[key] = values[key]
            old = c.default_address
            before_address = {key: (getattr(old, key) if old else "") for key, _, _ in ADDRESS_PARTS}
            if {key: values[key].strip() for key, _, _ in ADDRESS_PARTS} != before_address and has_address:
                patch["address"] = address
            return members.update_customer(session=session, actor=self.shop.actor, ref=c.id,
                                             patch=members.CustomerUpdate(**patch))


# ---------------------------------------------------------------- the profile


class CustomerProfile(ReportsWorkerErrors, ModalScreen[bool]):
    """A customer's contact, note, addresses and newest orders; e edits, enter opens an order."""

    BINDINGS = [
        Binding("escape", "close", "Back", id="profile-close", tooltip="Back to the list."),
        Binding("e", "edit", "Edit", id="profile-edit", tooltip="Edit this customer."),
        Binding("enter", "open_order", "Open order", id="profile-order", tooltip="Open the highlighted order."),
    ]

    @dataclass
    class Loaded(Message):
        """The customer and their newest orders."""

        customer: CustomerRead
        orders: list[OrderSummary]
        more: bool
        meta: OrdersMeta

    def __init__(self, ref: str) -> None:
        super().__init__()
        self.ref = ref
        self.customer: CustomerRead | None = None
        self.meta = OrdersMeta()
        self.changed = False

    @property
    def shop(self) -> ShopApp:
        """The app, typed."""
        return cast("ShopApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(id="profile-box"):
            yield Static("Loading…", id="profile-head", markup=False)
            yield Static("Orders", id="profile-orders-title", markup=False)
            yield DataTable(id="profile-orders", cursor_type="row", zebra_stripes=True, cell_padding=0)
        yield SteadyFooter(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#profile-orders", DataTable)
        for label, width, right, key in (("Number", 11, False, "number"), ("Date", 17, False, "date"),
                                         ("Channel", 12, False, "channel"), ("Payment", 10, False, "pay"),
                                         ("Shipping", 10, False, "ship"), ("Total", 12, True, "total")):
            table.add_column(cell(label, width, right=right), key=key, width=width)
        table.focus()
        self.load()

    @work(thread=True, exclusive=True, group="customer-profile", exit_on_error=False)
    def load(self) -> None:
        """The customer and the newest 100 of their orders."""
        from shoptui import db
        from shoptui.services import members
        from shoptui.services import orders as orders_api

        meta = read_meta(self.shop.db_url, self.shop)
        with db.read_session(self.shop.db_url) as session:
            customer = members.get_customer(session=session, ref=self.ref)
            page = orders_api.list_orders(session=session, filters=orders_api.OrderFilter(customer=str(customer.id)),
                                      limit=100)
        if not get_current_worker().is_cancelled:
            self.post_message(self.Loaded(customer, page.items, page.next_after is not None, meta))

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        self.customer, self.meta = event.customer, event.meta
        c, m = event.customer, event.meta
        text = plain()
        text.append(f"{c.name}", style="bold")
        text.append(f" · customer #{c.id} · since {m.store.when(c.created_at)[:10]}")
        text.append(f"\nPhone {c.phone or '–'} · email {c.email or '–'}")
        text.append(f"\n{c.order_count} orders · spent {m.store.money(c.spent_minor)} {m.store.currency} · last order "
                    f"{m.store.when(c.last_order_at) if c.last_order_at else 'never'}")
        if c.note:
            text.append(f"\nNote: {c.note}")
        for address in c.addresses:
            mark = " (default)" if address.is_default else ""
            text.append(f"\nAddress{mark}: {address.one_line() or '–'}")
        if not c.addresses:
            text.append("\nNo address yet (e adds one).")
        self.query_one("#profile-head", Static).update(plain(text))
        table = self.query_one("#profile-orders", DataTable)
        with self.app.batch_update():
            table.clear()
            for o in event.orders:
                ship = "cancelled" if o.status == "cancelled" else fulfil_word(o.fulfilment_status)
                table.add_row(cell(o.number, 11), cell(m.store.when(o.created_at), 17), cell(o.channel, 12),
                              cell(payment_word(o.payment_status), 10), cell(ship, 10),
                              cell(m.store.money(o.total_minor), 12, right=True), key=o.number)
        more = " (newest 100)" if event.more else ""
        self.query_one("#profile-orders-title", Static).update(
            plain(f"Orders: {len(event.orders)}{more}" if event.orders else "Orders: none yet"))
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "edit":
            return self.customer is not None
        if action == "open_order":
            return self.query_one("#profile-orders", DataTable).row_count > 0
        return True

    def action_close(self) -> None:
        """Back to the list."""
        self.dismiss(self.changed)

    def action_edit(self) -> None:
        """The form."""
        if self.customer is not None:
            self.app.push_screen(CustomerDialog(self.customer), self._edited)

    def _edited(self, result: CustomerRead | None) -> None:
        if result is not None:
            self.changed = True
            self.shop.announce(f"Customer {result.name} saved.")
            self.load()

    @on(DataTable.RowSelected, "#profile-orders")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_order()

    def action_open_order(self) -> None:
        """The highlighted order in full."""
        from shoptui.tui.screens.orders.detail import OrderDetailScreen

        table = self.query_one("#profile-orders", DataTable)
        if not table.row_count:
            return
        number = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        self.app.push_screen(OrderDetailScreen(self.meta, number), self._after_order)

    def _after_order(self, changed: bool | None) -> None:
        if changed:
            self.changed = True
            self.load()


# ---------------------------------------------------------------- the list


@dataclass(frozen=True)
class Columns:
    """Column widths of the list for a body width."""

    name: int
    phone: int
    email: int
    orders: int
    spent: int
    last: int


def columns_for(width: int) -> Columns:
    """The name and email share what the others leave."""
    wide = width >= 110
    phone, orders, spent, last = 16, 7, 12, 12 if wide else 0
    rest = max(20, width - phone - orders - spent - last - 1)
    return Columns(name=rest // 2 + rest % 2, phone=phone, email=rest // 2, orders=orders, spent=spent, last=last)


def _key(customer: CustomerRead) -> str:
    return str(customer.id)


class CustomersScreen(PagedList, ShopScreen):
    """Customers: search, page, profile with order history, add, edit."""

    LIVE = frozenset({"customer", "order"})
    """What another terminal changes that this screen shows (audit entities; see ShopScreen.LIVE)."""

    MODE = "customers"
    AUTO_FOCUS = "#customers-table"

    BINDINGS = [
        Binding("enter", "open", "Profile", id="customers-open",
                tooltip="The highlighted customer: contact, addresses, order history."),
        Binding("n", "new", "New", id="customers-new", tooltip="Add a customer."),
        Binding("e", "edit", "Edit", id="customers-edit", tooltip="Edit the highlighted customer."),
        Binding("ctrl+f", "search", "Search", id="customers-search",
                tooltip="Put the cursor in the search box: name, phone or email."),
        Binding("ctrl+l", "more", "More", show=False, id="customers-more", tooltip="Load the next page."),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="customers-refresh", tooltip="Read the list again."),
    ]

    @dataclass
    class PageLoaded(Message):
        """A page of customers for a search; ``append`` continues the rows shown."""

        search: str
        items: list[CustomerRead]
        next_after: str | None
        append: bool
        meta: OrdersMeta | None
        select: str | None = None

    def __init__(self) -> None:
        super().__init__()
        self.meta = OrdersMeta()
        self.filters = ""
        self.columns = columns_for(72)
        self.table: PagedTable[str, CustomerRead] = PagedTable(id="customers-table", cells=self._cells,
                                                               key=_key, load_more=self._load_more)
        self._loaded_once = False
        self._pending: list[tuple[str, str]] = []

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="customers-bar"):
            yield Input(placeholder="search by name, phone or email (enter)", id="customer-search", compact=True,
                        tooltip="Part of a name, phone or email; enter applies.")
        yield self.table
        yield Static("Loading customers…", id="customers-status", markup=False)

    def on_mount(self) -> None:
        self._layout(self.app.size.width)
        self.call_after_refresh(self._first_load)

    def _first_load(self) -> None:
        self.first_page()
        pending, self._pending = self._pending, []
        for kind, key in pending:
            self.open_record(kind, key)

    def _layout(self, width: int) -> bool:
        columns = columns_for(self.body_width(width))
        if columns == self.columns and self.table.columns:
            return False
        self.columns = c = columns
        heads = [("Name", c.name, False, "name"), ("Phone", c.phone, False, "phone"), ("Email", c.email, False, "email"),
                 ("Orders", c.orders, True, "orders"), ("Spent", c.spent, True, "spent")]
        if c.last:
            heads.append(("Last order", c.last, False, "last"))
        self.table.set_heads(heads)
        return True

    def on_resize(self, event: Resize) -> None:
        if self._layout(self.app.size.width):
            self.table.redraw()

    @work(thread=True, exclusive=True, group="customers-page", exit_on_error=False)
    def load_page(self, search: str, after: str | None, limit: int, select: str | None = None) -> None:
        """One page of customers by name."""
        from shoptui import db
        from shoptui.services import members

        meta = read_meta(self.shop.db_url, self.shop) if not self.meta.store.loaded else None
        with db.read_session(self.shop.db_url) as session:
            page = members.list_customers(session=session, search=search, after=after, limit=limit)
        if not get_current_worker().is_cancelled:
            self.post_message(self.PageLoaded(search, page.items, page.next_after, after is not None, meta, select))

    @on(PageLoaded)
    def _page_loaded(self, event: PageLoaded) -> None:
        if event.meta is not None:
            self.meta = event.meta
        if not self.take_page(event.search, event.items, event.next_after, append=event.append,
                              select=event.select or None):
            return
        self._loaded_once = True
        if not self.rows:
            text = "No customers yet: press n to add one." if not self.filters else \
                f"No customer matches {self.filters!r}."
        else:
            text = f"{len(self.rows)} customers" + self.table.more_below() + \
                " · enter: profile · n: new · e: edit"
        self.query_one("#customers-status", Static).update(plain(text))
        self.refresh_bindings()

    def _cells(self, c: CustomerRead) -> list[Text]:
        w = self.columns
        cells = [cell(c.name, w.name), cell(c.phone or "·", w.phone), cell(c.email or "·", w.email),
                 cell(c.order_count, w.orders, right=True), cell(self.meta.store.money(c.spent_minor), w.spent, right=True)]
        if w.last:
            cells.append(cell(self.meta.store.when(c.last_order_at, year=False)[:5] if c.last_order_at else "·", w.last))
        return cells

    def current(self) -> CustomerRead | None:
        """The highlighted customer."""
        return self.table.current()

    @on(DataTable.RowHighlighted, "#customers-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.refresh_bindings()  # the table itself reads the next page when the cursor nears the end

    @on(DataTable.RowSelected, "#customers-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    @on(Input.Submitted, "#customer-search")
    def _searched(self, event: Input.Submitted) -> None:
        event.stop()
        self.filters = event.value.strip()
        self.query_one("#customers-status", Static).update(plain("Loading…"))
        self.first_page()
        self.table.focus()

    def on_screen_resume(self) -> None:
        if self._loaded_once:
            self.first_page()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("open", "edit"):
            return self.current() is not None
        if action == "more":
            return self.next_after is not None
        return True

    def action_search(self) -> None:
        """Cursor to the search box."""
        self.query_one("#customer-search", Input).focus()

    def action_refresh(self) -> None:
        """The list again."""
        self.first_page()

    def action_open(self) -> None:
        """The highlighted customer's profile."""
        c = self.current()
        if c is not None:
            self.open_record("customer", str(c.id))

    def action_new(self) -> None:
        """The form for a new customer."""
        self.app.push_screen(CustomerDialog(None), self._saved)

    def action_edit(self) -> None:
        """The form for the highlighted customer."""
        c = self.current()
        if c is not None:
            self.app.push_screen(CustomerDialog(c), self._saved)

    def _saved(self, result: CustomerRead | None) -> None:
        if result is not None:
            self.shop.announce(f"Customer {result.name} saved (#{result.id}).")
            self.first_page(str(result.id))

    def open_record(self, kind: str, key: str) -> None:
        """A customer (search hit, key = id, phone or email) opens their profile."""
        if kind not in ("customer", "member"):
            super().open_record(kind, key)
            return
        if not self.is_mounted:
            self._pending.append((kind, key))
            return
        self.app.push_screen(CustomerProfile(key), self._after_profile)

    def _after_profile(self, changed: bool | None) -> None:
        if changed:
            self.first_page()
