"""Purchasing (ctrl+g, or p on the inventory screen): purchase orders, suppliers, reorder suggestions.

Three tabs — 1 orders, 2 suppliers, 3 reorder suggestions grouped by supplier (d turns them into
draft POs). Enter on an order opens :class:`PODetailScreen`: add lines, mark ordered, email it,
cancel it, and receive — all that is due at once, or by scanning barcodes: each scan adds one
received unit to the matching line, more than is due is refused unless ctrl+o allows it, and
ctrl+s books what was scanned in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Select, Static, TabbedContent, TabPane
from textual.worker import get_current_worker

from shoptui.errors import InvalidInput
from shoptui.tui.screens.base import ShopScreen
from shoptui.tui.screens.inventory.common import StockMeta, read_meta
from shoptui.tui.text import choices, plain
from shoptui.tui.widgets.confirm import Confirm, if_yes
from shoptui.tui.widgets.form import Field, FormDialog, whole_number
from shoptui.tui.widgets.steady_footer import SteadyFooter
from shoptui.tui.workers import ReportsWorkerErrors
from shoptui.wording import plural

if TYPE_CHECKING:
    from sqlmodel import Session

    from shoptui.services.inventory import PORead, POSummary, ReorderGroup, SupplierRead
    from shoptui.tui.app import ShopApp

PO_STATES = (("open", "open"), ("draft", "draft"), ("ordered", "ordered"), ("partly received", "partial"),
             ("received", "received"), ("cancelled", "cancelled"), ("all", "all"))


def po_id_of(text: str) -> int | None:
    """``PO-000042`` or ``42`` -> 42."""
    raw = text.strip().upper().removeprefix("PO-").removeprefix("PO")
    return int(raw) if raw.isdigit() else None


# ---------------------------------------------------------------- dialogs


class SupplierDialog(FormDialog):
    """Add a supplier, or edit one (prefilled)."""

    SAVE_LABEL = "save the supplier"
    FIELD_NAMES: ClassVar[dict[str, str]] = {"lead_time_days": "lead"}

    def __init__(self, supplier: SupplierRead | None = None) -> None:
        super().__init__()
        self.supplier = supplier

    def edits_a_record(self) -> bool:
        return self.supplier is not None

    def title_text(self) -> str:
        return f"Edit supplier {self.supplier.name}" if self.supplier else "New supplier"

    def fields(self) -> list[Field]:
        s = self.supplier
        return [
            Field("name", "Name", Input(s.name if s else "", id="f-name", compact=True, tooltip="Unique name.")),
            Field("contact", "Contact", Input(s.contact if s else "", id="f-contact", compact=True,
                                              tooltip="Who to talk to.")),
            Field("email", "Email", Input(s.email if s else "", id="f-email", compact=True,
                                          tooltip="Purchase orders are emailed here.")),
            Field("phone", "Phone", Input(s.phone if s else "", id="f-phone", compact=True, tooltip="Phone number.")),
            Field("lead", "Lead time", Input(str(s.lead_time_days) if s else "7", id="f-lead", compact=True,
                                             tooltip="Days from order to delivery (0 to 365)."), "days"),
            Field("note", "Note", Input(s.note if s else "", id="f-note", compact=True, tooltip="Anything to remember.")),
        ]

    def save(self, values: dict[str, Any]) -> Any:
        from shoptui import db
        from shoptui.services import inventory

        lead = whole_number(values["lead"], "lead time", field="lead")
        fields = dict(name=values["name"], contact=values["contact"], email=values["email"], phone=values["phone"],
                      lead_time_days=lead, note=values["note"])
        with db.transaction(self.shop.db_url) as session:
            if self.supplier is None:
                return inventory.add_supplier(session=session, actor=self.shop.actor, **fields)
            return inventory.edit_supplier(session=session, actor=self.shop.actor, supplier=str(self.supplier.id),
                                            **fields)


class NewPODialog(FormDialog):
    """A draft purchase order: supplier, where it is received, a note."""

    TITLE_TEXT = "New purchase order (draft)"
    SAVE_LABEL = "create the draft"

    def __init__(self, meta: StockMeta, supplier_id: int | None = None) -> None:
        super().__init__("Add lines with a, then mark it ordered with o.")
        self.meta = meta
        self.supplier_id = supplier_id

    def fields(self) -> list[Field]:
        suppliers = [(name, str(sid)) for sid, name in self.meta.suppliers]
        chosen = str(self.supplier_id) if self.supplier_id else Select.NULL
        return [
            Field("supplier", "Supplier", Select(choices(suppliers), prompt="choose a supplier", value=chosen, id="f-supplier",
                                                 compact=True, tooltip="Who the order goes to.")),
            Field("location", "Receive at", Select(choices(self.meta.location_options()), value=self.meta.default_location
                                                   or Select.NULL, id="f-location", compact=True,
                                                   tooltip="Where the goods will be received.")),
            Field("note", "Note", Input("", id="f-note", compact=True, tooltip="A note to the supplier, printed on the emailed order.")),
        ]

    def save(self, values: dict[str, Any]) -> Any:
        from shoptui import db
        from shoptui.services import inventory

        if values["supplier"] is None:
            raise InvalidInput("Choose the supplier the order goes to (add one on the suppliers tab first).",
                               field="supplier")
        with db.transaction(self.shop.db_url) as session:
            return inventory.create_po(session=session, actor=self.shop.actor, supplier=values["supplier"],
                                        location=values["location"], note=values["note"])


class POLineDialog(FormDialog):
    """Add a variant to a draft PO (adds to its quantity when already there)."""

    SAVE_LABEL = "add the line"
    FIELD_NAMES: ClassVar[dict[str, str]] = {"code": "sku", "unit_cost_minor": "cost"}

    def __init__(self, meta: StockMeta, po: PORead) -> None:
        super().__init__(f"{po.number} for {po.supplier}: the cost defaults to the variant's cost.")
        self.meta = meta
        self.po = po

    def title_text(self) -> str:
        return f"Add a line to {self.po.number}"

    def fields(self) -> list[Field]:
        return [
            Field("sku", "SKU/barcode", Input("", id="f-sku", compact=True, placeholder="type or scan",
                                              tooltip="The variant to order.")),
            Field("quantity", "Quantity", Input("", id="f-quantity", compact=True, tooltip="How many to order.")),
            Field("cost", "Unit cost", Input("", id="f-cost", compact=True, placeholder="blank: the variant's cost",
                                             tooltip="What one unit costs on this order.")),
        ]

    def save(self, values: dict[str, Any]) -> Any:
        from shoptui import db
        from shoptui.money import parse_money
        from shoptui.services import inventory

        quantity = whole_number(values["quantity"], "quantity", field="quantity")
        cost = parse_money(values["cost"], self.meta.store.digits, field="cost", name="cost") if values["cost"].strip() else None
        with db.transaction(self.shop.db_url) as session:
            return inventory.add_po_line(session=session, actor=self.shop.actor, po_id=self.po.id,
                                          code=values["sku"], quantity=quantity, unit_cost_minor=cost)


# ---------------------------------------------------------------- the purchasing screen


class PurchasingScreen(ShopScreen):
    """Purchase orders, suppliers and reorder suggestions."""

    LIVE = frozenset({"purchase_order", "supplier"})
    """What another terminal changes that this screen shows (audit entities; see ShopScreen.LIVE)."""

    MODE = "purchasing"
    AUTO_FOCUS = "#po-table"

    BINDINGS = [
        Binding("1", "tab('orders')", "Orders", id="purchasing-orders", tooltip="The purchase orders."),
        Binding("2", "tab('suppliers')", "Suppliers", id="purchasing-suppliers", tooltip="The suppliers."),
        Binding("3", "tab('reorder')", "Reorder", id="purchasing-reorder",
                tooltip="Variants at or below their reorder point, grouped by supplier."),
        Binding("n", "new", "New", id="purchasing-new", tooltip="A new draft PO (orders tab) or supplier."),
        Binding("enter", "open", "Open", id="purchasing-open",
                tooltip="Open the highlighted purchase order, or edit the highlighted supplier."),
        Binding("d", "drafts", "Make drafts", id="purchasing-drafts",
                tooltip="Turn the reorder suggestions into one draft PO per supplier."),
        Binding("i", "inventory", "Stock", id="purchasing-inventory", tooltip="Back to the stock levels (F3)."),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="purchasing-refresh", tooltip="Read everything again."),
    ]

    @dataclass
    class Loaded(Message):
        """Orders, suppliers and suggestions were read."""

        meta: StockMeta
        orders: list[POSummary]
        suppliers: list[SupplierRead]
        groups: list[ReorderGroup]

    def __init__(self) -> None:
        super().__init__()
        self.meta = StockMeta()
        self.state = "open"
        self.orders: dict[str, POSummary] = {}
        self.suppliers: dict[str, SupplierRead] = {}
        self.groups: list[ReorderGroup] = []
        self._loaded_once = False

    def compose_body(self) -> ComposeResult:
        with TabbedContent(id="purchasing-tabs", initial="orders"):
            with TabPane("Orders (1)", id="orders"):
                with Horizontal(id="po-filters"):
                    yield Select(PO_STATES, value="open", allow_blank=False, id="po-state", compact=True,
                                 tooltip="Which purchase orders to list.")
                yield DataTable(id="po-table", cursor_type="row", zebra_stripes=True)
            with TabPane("Suppliers (2)", id="suppliers"):
                yield DataTable(id="supplier-table", cursor_type="row", zebra_stripes=True)
            with TabPane("Reorder (3)", id="reorder"):
                yield DataTable(id="reorder-table", cursor_type="row")
        yield Static("Loading…", id="purchasing-status", markup=False)

    def on_mount(self) -> None:
        self.query_one("#po-table", DataTable).add_columns("PO", "Supplier", "Status", "Lines", "Total", "Created")
        self.query_one("#supplier-table", DataTable).add_columns("Name", "Contact", "Email", "Phone", "Lead")
        self.query_one("#reorder-table", DataTable).add_columns("SKU", "Title", "Avail", "Incm", "ROP", "/day",
                                                                "Order", "Cost")
        self.call_after_refresh(self.load, self.state)

    def on_screen_resume(self) -> None:
        if self._loaded_once:
            self.load(self.state)

    @property
    def tab(self) -> str:
        """The active tab: orders, suppliers or reorder."""
        return self.query_one(TabbedContent).active or "orders"

    @work(thread=True, exclusive=True, group="purchasing-load", exit_on_error=False)
    def load(self, state: str) -> None:
        """Orders (newest first), suppliers and reorder suggestions, in one read session."""
        from shoptui import db
        from shoptui.services import inventory

        meta = read_meta(self.shop.db_url, self.shop)
        with db.read_session(self.shop.db_url) as session:
            orders = inventory.list_pos(session=session, status=None if state == "all" else state, limit=500).items
            suppliers = inventory.list_suppliers(session=session)
            groups = inventory.suggest_reorders(session=session)
        if not get_current_worker().is_cancelled:
            self.post_message(self.Loaded(meta, orders, suppliers, groups))

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        self.meta = event.meta
        self._loaded_once = True
        m = event.meta
        po_table = self.query_one("#po-table", DataTable)
        with self.app.batch_update():
            keep = _cursor_key(po_table)
            po_table.clear()
            self.orders = {str(o.id): o for o in event.orders}
            for o in event.orders:
                po_table.add_row(o.number, plain(o.supplier), _po_state(o.status), o.lines,
                                 plain(m.store.money(o.total_minor), justify="right"), m.store.when(o.created_at),
                                 key=str(o.id))
            _restore(po_table, keep)
            suppliers = self.query_one("#supplier-table", DataTable)
            keep = _cursor_key(suppliers)
            suppliers.clear()
            self.suppliers = {str(s.id): s for s in event.suppliers}
            for s in event.suppliers:
                suppliers.add_row(plain(s.name), plain(s.contact), plain(s.email), plain(s.phone),
                                  f"{s.lead_time_days} d", key=str(s.id))
            _restore(suppliers, keep)
            reorder = self.query_one("#reorder-table", DataTable)
            reorder.clear()
            self.groups = event.groups
            for group in event.groups:
                name = group.supplier or "no usual supplier (e on the stock screen sets one)"
                total = sum(line.suggested * line.unit_cost_minor for line in group.lines)
                reorder.add_row(plain(f"▸ {name}", style="bold"), plain(plural(len(group.lines), "line")), "", "", "",
                                "", "", plain(m.store.money(total), style="bold", justify="right"),
                                key=f"group-{group.supplier_id}")
                for line in group.lines:
                    reorder.add_row(f"  {line.sku}", plain(line.title[:16]), line.available, line.incoming,
                                    line.reorder_point, f"{line.daily_rate:g}", plain(str(line.suggested), style="bold"),
                                    plain(m.store.money(line.unit_cost_minor), justify="right"),
                                    key=f"line-{group.supplier_id}-{line.variant_id}")
        self._status()
        self.refresh_bindings()

    def _status(self) -> None:
        tab = self.tab
        if tab == "orders":
            text = (f"{plural(len(self.orders), 'purchase order')} ({self.state}) · enter opens · n new draft"
                    if self.orders else f"No {self.state} purchase orders · n starts a draft")
        elif tab == "suppliers":
            text = (f"{plural(len(self.suppliers), 'supplier')} · enter edits · n adds one" if self.suppliers
                    else "No suppliers yet · n adds one")
        else:
            lines = sum(len(g.lines) for g in self.groups)
            text = (f"{plural(lines, 'variant')} to reorder from {plural(len(self.groups), 'supplier')} · d makes "
                    "draft POs (variants without a supplier are left out)" if lines
                    else "Nothing is at or below its reorder point.")
        self.query_one("#purchasing-status", Static).update(plain(text))

    @on(TabbedContent.TabActivated)
    def _tab_changed(self, event: TabbedContent.TabActivated) -> None:
        self._status()
        self.refresh_bindings()
        table = {"orders": "#po-table", "suppliers": "#supplier-table", "reorder": "#reorder-table"}[self.tab]
        self.query_one(table, DataTable).focus()

    @on(Select.Changed, "#po-state")
    def _state_changed(self, event: Select.Changed) -> None:
        if str(event.value) != self.state:
            self.state = str(event.value)
            self.load(self.state)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_mounted or not self.query(TabbedContent):
            return True
        tab = self.tab
        if action == "drafts":
            return tab == "reorder" and any(g.supplier_id for g in self.groups)
        if action == "open":
            return tab != "reorder"
        if action == "new":
            return tab in ("orders", "suppliers")
        return True

    def action_tab(self, name: str) -> None:
        """Show one tab."""
        self.query_one(TabbedContent).active = name

    def action_refresh(self) -> None:
        """Read everything again."""
        self.load(self.state)

    def action_inventory(self) -> None:
        """The stock levels."""
        self.run_worker(self.shop.action_go("inventory"))

    def action_new(self) -> None:
        """A new draft PO, or a new supplier."""
        if self.tab == "suppliers":
            self.app.push_screen(SupplierDialog(), self._supplier_saved)
        elif not self.meta.suppliers:
            self.shop.announce("Add a supplier first (tab 2, then n): a purchase order goes to one.", "warning")
        else:
            self.app.push_screen(NewPODialog(self.meta), self._po_created)

    def action_open(self) -> None:
        """Open the highlighted PO, or edit the highlighted supplier."""
        if self.tab == "orders":
            key = _cursor_key(self.query_one("#po-table", DataTable))
            if key in self.orders:
                self.open_po(int(key))
        elif self.tab == "suppliers":
            key = _cursor_key(self.query_one("#supplier-table", DataTable))
            if key in self.suppliers:
                self.app.push_screen(SupplierDialog(self.suppliers[key]), self._supplier_saved)

    @on(DataTable.RowSelected, "#po-table")
    def _po_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    @on(DataTable.RowSelected, "#supplier-table")
    def _supplier_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def open_po(self, po_id: int) -> None:
        """Push the detail of one PO."""
        self.app.push_screen(PODetailScreen(po_id, self.meta))

    def _supplier_saved(self, result: Any) -> None:
        if result is not None:
            self.shop.announce(f"Saved supplier {result.name}.")
            self.load(self.state)

    def _po_created(self, result: Any) -> None:
        if result is not None:
            self.shop.announce(f"Created {result.number} for {result.supplier} (draft): add lines with a.")
            self.open_po(result.id)

    def action_drafts(self) -> None:
        """Confirm, then one draft PO per supplier from the suggestions."""
        lines = sum(len(g.lines) for g in self.groups if g.supplier_id)
        count = sum(1 for g in self.groups if g.supplier_id)
        self.app.push_screen(Confirm(f"Create {plural(count, 'draft purchase order')} with {plural(lines, 'line')} "
                                      "from the reorder suggestions?", yes="Create"),
                             if_yes(self.make_drafts))

    @work(thread=True, exclusive=True, group="purchasing-write", exit_on_error=False)
    def make_drafts(self) -> None:
        """One transaction: the drafts."""
        from shoptui import db
        from shoptui.services import inventory

        created = db.run_transaction(
            lambda session: inventory.create_suggested_pos(session=session, actor=self.shop.actor),
            self.shop.db_url)
        self.app.call_from_thread(self._drafts_made, [po.number for po in created])

    def _drafts_made(self, numbers: list[str]) -> None:
        self.shop.announce(f"Created draft {', '.join(numbers)}: check them, then mark them ordered."
                           if numbers else "No draft was created: no suggestion has a supplier.")
        self.query_one("#po-state", Select).value = "draft"
        self.action_tab("orders")
        self.load("draft")

    def open_record(self, kind: str, key: str) -> None:
        """A purchase order (notification link or search hit)."""
        po_id = po_id_of(key)
        if kind in ("purchase_order", "po") and po_id is not None:
            self.open_po(po_id)
        else:
            super().open_record(kind, key)


def _po_state(status: str) -> Text:
    styles = {"draft": "italic", "ordered": "bold", "partial": "bold", "received": "dim", "cancelled": "dim strike"}
    label = {"partial": "partly received"}.get(status, status)
    return plain(label, style=styles.get(status, ""))


def _cursor_key(table: DataTable[Any]) -> str | None:
    if not table.row_count:
        return None
    try:
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
    except Exception:  # the rows are being rebuilt
        return None


def _restore(table: DataTable[Any], key: str | None) -> None:
    if key is None:
        return
    try:
        table.move_cursor(row=table.get_row_index(key), animate=False)
    except Exception:  # that row is gone
        pass


# ---------------------------------------------------------------- one purchase order


class PODetailScreen(ReportsWorkerErrors, Screen[None]):
    """A purchase order: its lines, and what can be done with it now (by its status)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="po-back", tooltip="Back to the purchase orders."),
        Binding("a", "add_line", "Add line", id="po-add-line", tooltip="Add a variant to this draft."),
        Binding("o", "order", "Ordered", id="po-order",
                tooltip="Mark the draft ordered: its quantities become incoming stock."),
        Binding("m", "email", "Email", id="po-email", tooltip="Queue this order as an email to the supplier."),
        Binding("r", "receive_all", "Receive all", id="po-receive-all",
                tooltip="Receive everything still due, in one transaction."),
        Binding("s", "scan", "Scan in", id="po-scan",
                tooltip="Receive by scanning: each scan adds one unit to its line; ctrl+s books them."),
        Binding("ctrl+s,f12", "book", "Book scans", id="po-book", tooltip="Book what was scanned (one transaction)."),
        Binding("ctrl+o", "allow_over", "Allow over", id="po-over",
                tooltip="Allow (or refuse again) receiving more than was ordered on a line."),
        Binding("ctrl+z", "undo_scan", "Undo scan", id="po-undo", tooltip="Take back the last scan (not booked yet)."),
        Binding("x", "cancel_po", "Cancel PO", id="po-cancel",
                tooltip="Cancel this PO: what is still due leaves incoming; receipts stay."),
        Binding("ctrl+r", "reload", "Refresh", show=False, id="po-refresh", tooltip="Read the order again."),
    ]

    @dataclass
    class Loaded(Message):
        """The order was read."""

        po: PORead

    @dataclass
    class Resolved(Message):
        """A scanned code was looked up: its SKU (None: unknown) or the sentence why not."""

        code: str
        sku: str | None
        problem: str = ""

    def __init__(self, po_id: int, meta: StockMeta) -> None:
        super().__init__()
        self.po_id = po_id
        self.meta = meta
        self.po: PORead | None = None
        self.scanned: dict[str, int] = {}
        self.scan_order: list[str] = []
        self.codes: dict[str, str] = {}  # scanned code -> SKU
        self.allow_over = False

    @property
    def shop(self) -> ShopApp:
        """The app, typed."""
        from typing import cast

        return cast("ShopApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(id="po-body"):
            yield Static("Loading…", id="po-head", markup=False)
            yield DataTable(id="po-lines", cursor_type="row", zebra_stripes=True)
            with Vertical(id="receive-panel"):
                with Horizontal(id="scan-line"):
                    yield Static("Scan ▸", id="scan-label", markup=False)
                    yield Input(placeholder="scan a barcode or type a SKU, enter", id="scan", compact=True,
                                tooltip="Each scan adds one received unit to its line.")
                yield Static("", id="scan-feedback", markup=False)
            yield Static("", id="po-status", markup=False)
        yield SteadyFooter(compact=True)

    def on_mount(self) -> None:
        self.query_one("#po-lines", DataTable).add_columns("SKU", "Title", "Ordered", "Received", "Due", "Scanned",
                                                           "Cost", "Total")
        self.load()

    @work(thread=True, exclusive=True, group="po-load", exit_on_error=False)
    def load(self) -> None:
        """The order and its lines."""
        from shoptui import db
        from shoptui.services import inventory

        with db.read_session(self.shop.db_url) as session:
            po = inventory.get_po(session=session, po_id=self.po_id)
        self.post_message(self.Loaded(po))

    def action_reload(self) -> None:
        """Read the order again."""
        self.load()

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        self.po = po = event.po
        m = self.meta
        ordered = f" · ordered {m.store.when(po.ordered_at)}" if po.ordered_at else ""
        closed = f" · closed {m.store.when(po.closed_at)}" if po.closed_at else ""
        note = f"\n{po.note}" if po.note else ""
        self.query_one("#po-head", Static).update(
            plain(f"{po.number} · {po.supplier} · {po.status.upper()} · receive at {po.location} · total "
            f"{m.store.money(po.total_minor)} {m.store.currency}\ncreated {m.store.when(po.created_at)}{ordered}{closed}{note}"))
        self._draw_lines()
        if po.status not in ("ordered", "partial"):
            self.set_class(False, "-receiving")
        self.refresh_bindings()

    def _draw_lines(self) -> None:
        if self.po is None:
            return
        table = self.query_one("#po-lines", DataTable)
        keep = _cursor_key(table)
        m = self.meta
        with self.app.batch_update():
            table.clear()
            for line in self.po.lines:
                scanned = self.scanned.get(line.sku, 0)
                table.add_row(line.sku, plain(line.title), line.quantity_ordered, line.quantity_received,
                              plain(str(line.remaining), style="bold" if line.remaining else "dim"),
                              plain(str(scanned) if scanned else "·", style="bold reverse" if scanned else ""),
                              plain(m.store.money(line.unit_cost_minor), justify="right"),
                              plain(m.store.money(line.line_total_minor), justify="right"), key=line.sku)
        _restore(table, keep)
        total = sum(self.scanned.values())
        over = " · receiving more than ordered is ALLOWED (ctrl+o)" if self.allow_over else ""
        status = {"draft": "Draft: a adds lines, o marks it ordered (then m emails it), x cancels.",
                  "ordered": "Ordered: r receives all that is due, s receives by scanning, m emails, x cancels.",
                  "partial": "Partly received: r receives the rest, s scans more in, m emails, x cancels the rest.",
                  "received": "Received in full.", "cancelled": "Cancelled."}.get(self.po.status, "")
        if total:
            status = f"{plural(total, 'unit')} scanned, not booked yet: ctrl+s books them, ctrl+z undoes the last."
        self.query_one("#po-status", Static).update(plain(status + over))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        status = self.po.status if self.po else ""
        receiving = status in ("ordered", "partial")
        if action in ("add_line", "order"):
            return status == "draft"
        if action in ("receive_all", "scan", "allow_over"):
            return receiving
        if action in ("book", "undo_scan"):
            return receiving and bool(self.scanned)
        if action == "email":
            return status in ("ordered", "partial")  # inventory_purchasing.EMAILABLE
        if action == "cancel_po":
            return status in ("draft", "ordered", "partial")
        return True

    def action_back(self) -> None:
        """Back to the list (scans not booked are dropped, after asking)."""
        if self.scanned:
            self.app.push_screen(Confirm(f"Drop {plural(sum(self.scanned.values()), 'scanned unit')} that were not "
                                          "booked?", yes="Drop", danger=True),
                                 if_yes(self.dismiss))
        else:
            self.dismiss()

    def action_add_line(self) -> None:
        """A line dialog."""
        if self.po is not None:
            self.app.push_screen(POLineDialog(self.meta, self.po), self._changed)

    def _changed(self, po: Any) -> None:
        if po is not None:
            self.post_message(self.Loaded(po))

    def action_order(self) -> None:
        """Mark ordered."""
        self.write("order")

    def action_email(self) -> None:
        """Queue the email."""
        self.write("email")

    def action_receive_all(self) -> None:
        """Confirm, then receive everything due."""
        if self.po is None:
            return
        due = sum(line.remaining for line in self.po.lines)
        self.app.push_screen(Confirm(f"Receive all {plural(due, 'unit')} still due on {self.po.number} into "
                                      f"{self.po.location}?", yes="Receive"),
                             if_yes(lambda: self.write("receive_all")))

    def action_cancel_po(self) -> None:
        """Confirm, then cancel."""
        if self.po is not None:
            self.app.push_screen(Confirm(f"Cancel {self.po.number}? What is still due leaves incoming stock; "
                                          "receipts stay.", yes="Cancel the PO", danger=True),
                                 if_yes(lambda: self.write("cancel")))

    @work(thread=True, exclusive=True, group="po-write", exit_on_error=False)
    def write(self, what: str, quantities: dict[str, int] | None = None, over: bool = False) -> None:
        """One transaction per action."""
        from shoptui import db
        from shoptui.services import inventory

        actor = self.shop.actor

        def unit(session: Session) -> tuple[Any, str]:
            if what == "order":
                po = inventory.order_po(session=session, actor=actor, po_id=self.po_id)
                return po, f"{po.number} is ordered: its quantities are now incoming."
            if what == "email":
                to = inventory.email_po(session=session, actor=actor, po_id=self.po_id)
                po = inventory.get_po(session=session, po_id=self.po_id)
                return po, f"{po.number} is queued as an email to {to} (see 'shoptui outbox list')."
            if what == "receive_all":
                po = inventory.receive_po(session=session, actor=actor, po_id=self.po_id)
                return po, f"Received everything due on {po.number} into {po.location}."
            if what == "receive":
                po = inventory.receive_po(session=session, actor=actor, po_id=self.po_id, quantities=quantities,
                                           over=over)
                units = sum((quantities or {}).values())
                return po, f"Booked {plural(units, 'scanned unit')} on {po.number}: it is now {po.status}."
            po = inventory.cancel_po(session=session, actor=actor, po_id=self.po_id)
            return po, f"{po.number} is cancelled."

        po, text = db.run_transaction(unit, self.shop.db_url)
        self.app.call_from_thread(self._written, what, po, text)

    def _written(self, what: str, po: PORead, text: str) -> None:
        if what == "receive":
            self.scanned.clear()
            self.scan_order.clear()
        self.shop.announce(text)
        self.post_message(self.Loaded(po))

    # ------------------------------------------------------------ receiving by scanning

    def action_scan(self) -> None:
        """Show the scan field and put the cursor in it."""
        self.add_class("-receiving")
        self.query_one("#scan", Input).focus()
        self._feedback("Scan each item: one scan is one unit. ctrl+s books them, esc leaves.", None)

    def action_allow_over(self) -> None:
        """Allow (or refuse again) receiving more than ordered."""
        self.allow_over = not self.allow_over
        self.shop.announce("Receiving more than ordered is allowed for this PO now." if self.allow_over
                           else "Receiving more than ordered is refused again.")
        self._draw_lines()

    def action_undo_scan(self) -> None:
        """Take back the last scan."""
        if not self.scan_order:
            return
        sku = self.scan_order.pop()
        self.scanned[sku] -= 1
        if not self.scanned[sku]:
            del self.scanned[sku]
        self._feedback(f"Took back one {sku}: {self.scanned.get(sku, 0)} scanned.", True)
        self._draw_lines()
        self.refresh_bindings()

    def action_book(self) -> None:
        """Book what was scanned."""
        if self.scanned:
            self.write("receive", dict(self.scanned), self.allow_over)

    @on(Input.Submitted, "#scan")
    def _scanned(self, event: Input.Submitted) -> None:
        event.stop()
        code = event.value.strip()
        event.input.value = ""
        if not code or self.po is None:
            return
        known = self.codes.get(code) or next((line.sku for line in self.po.lines if line.sku == code), None)
        if known is not None:
            self._count(known)
        else:
            self.resolve(code)

    @work(thread=True, group="po-resolve", exit_on_error=False)
    def resolve(self, code: str) -> None:
        """A barcode (or SKU) to its SKU."""
        from shoptui import db
        from shoptui.errors import NotFound
        from shoptui.services.inventory import find_variant

        try:
            with db.read_session(self.shop.db_url) as session:
                sku = find_variant(session, code).sku
        except NotFound:
            self.post_message(self.Resolved(code, None))
            return
        self.post_message(self.Resolved(code, sku))

    @on(Resolved)
    def _resolved(self, event: Resolved) -> None:
        if event.sku is None:
            self._feedback(f"✗ Unknown code {event.code!r}: no SKU or barcode in the catalogue. Nothing counted.",
                           False)
            return
        self.codes[event.code] = event.sku
        self._count(event.sku)

    def _count(self, sku: str) -> None:
        if self.po is None:
            return
        line = next((item for item in self.po.lines if item.sku == sku), None)
        if line is None:
            self._feedback(f"✗ {sku} is not on {self.po.number}. Nothing counted; restock it on the stock screen.",
                           False)
            return
        would = self.scanned.get(sku, 0) + 1
        if would > line.remaining and not self.allow_over:
            self._feedback(f"✗ {self.po.number} still expects {line.remaining} of {sku}; this would be {would}. "
                           "Nothing counted. ctrl+o allows receiving more than ordered.", False)
            return
        self.scanned[sku] = would
        self.scan_order.append(sku)
        self._feedback(f"✓ {sku} · {line.title}: {would} of {line.remaining} due scanned.", True)
        self._draw_lines()
        self.refresh_bindings()
        table = self.query_one("#po-lines", DataTable)
        _restore(table, sku)

    def _feedback(self, text: str, ok: bool | None) -> None:
        panel = self.query_one("#receive-panel")
        panel.set_class(ok is True, "-ok")
        panel.set_class(ok is False, "-refused")
        self.query_one("#scan-feedback", Static).update(plain(text))
