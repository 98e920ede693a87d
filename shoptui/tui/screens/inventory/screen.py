"""The inventory screen (F3): stock levels with filters and search, and the ledger of the highlighted variant.

The levels are keyset-paged by (SKU, location): about two screens of rows are loaded, the next page
when the cursor nears the end, so the screen stays fast with 300k variants. Each page is one worker
with one read session. The ledger of the highlighted row is read by its own (exclusive) worker, so
moving the cursor quickly only reads the row it stops on.

Keys: r restock, a adjust, t transfer, e reorder point; o cycles all → low → out; enter moves
between the levels and the ledger; p and s open purchasing and stocktakes.
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
from shoptui.tui.screens.inventory.common import StockMeta, read_meta
from shoptui.tui.text import cell, choices, plain, signed
from shoptui.tui.widgets.paged_table import PagedList, PagedTable

if TYPE_CHECKING:
    from shoptui.services.inventory import MovementRead, StockRow

WIDE_FROM = 110
"""Body width (columns) from which the tables show long headers and more columns."""
STATES = (("all stock", ""), ("low stock", "low"), ("out of stock", "out"))


@dataclass(frozen=True)
class LevelFilters:
    """What the levels table shows."""

    state: str = ""  # "", "low" or "out"
    location: str = ""
    category_id: int | None = None
    search: str = ""


@dataclass(frozen=True)
class Columns:
    """Column widths of the levels table for a body width (each includes a gap)."""

    sku: int
    title: int
    location: int
    number: int
    status: int
    wide: bool


def columns_for(width: int) -> Columns:
    """Widths that fill ``width`` cells: the title takes what the others leave."""
    wide = width >= WIDE_FROM
    sku = 18 if wide else 14
    number = 10 if wide else 6
    location = 7 if wide else 6
    status = 6
    fixed = sku + location + 5 * number + status + 1  # + scrollbar
    return Columns(sku=sku, title=max(10, width - fixed), location=location, number=number, status=status, wide=wide)


def status_of(row: StockRow) -> Text:
    """``OUT`` / ``LOW`` (the word is there without colour, for NO_COLOR)."""
    if row.out:
        return plain("OUT", style="bold reverse")
    if row.low:
        return plain("LOW", style="bold")
    return plain("")


def level_key(row: StockRow) -> str:
    """``SKU|location id``: a stock row's key in the table."""
    return f"{row.sku}|{row.location_id}"


class LevelsTable(PagedTable[str, "StockRow"]):
    """The stock levels; a SKU alone names its first row (after a restock, a search hit)."""

    def find(self, target: str) -> str | None:
        return next((k for k in self.items if k == target or k.split("|")[0] == target), None)


class InventoryScreen(PagedList, ShopScreen):
    """Stock levels, filters, search and the ledger; restock, adjust, transfer and reorder points."""

    LIVE = frozenset({"stock", "variant", "product", "order", "stocktake", "purchase_order", "location"})
    """What another terminal changes that this screen shows (audit entities; see ShopScreen.LIVE)."""

    MODE = "inventory"
    AUTO_FOCUS = "#levels"

    PERMISSIONS = {"restock": "stock.manage", "adjust": "stock.manage",
                                               "transfer": "stock.manage", "levels": "stock.manage"}
    """What each action needs (greyed for an account without it; see screens/base.py)."""

    BINDINGS = [
        Binding("r", "restock", "Restock", id="inventory-restock", tooltip="Goods in for the highlighted SKU."),
        Binding("a", "adjust", "Adjust", id="inventory-adjust",
                tooltip="Correct the highlighted SKU by hand with a reason (damaged, lost, found…)."),
        Binding("t", "transfer", "Transfer", id="inventory-transfer",
                tooltip="Move stock of the highlighted SKU to another location."),
        Binding("e", "levels", "Reorder pt", id="inventory-levels",
                tooltip="Set the reorder point, safety stock and usual supplier of the highlighted SKU."),
        Binding("o", "cycle_state", "Low/out", id="inventory-low",
                tooltip="Show all stock, then only low stock, then only out of stock."),
        Binding("enter", "toggle_ledger", "Ledger", id="inventory-ledger",
                tooltip="Move the cursor between the levels and the ledger of the highlighted SKU."),
        Binding("ctrl+f", "filters", "Filter", id="inventory-filter",
                tooltip="Put the cursor in the filters: state, location, category, search (enter applies)."),
        Binding("p", "purchasing", "POs", id="inventory-purchasing",
                tooltip="Purchase orders, suppliers and reorder suggestions."),
        Binding("s", "stocktake", "Count", id="inventory-stocktake",
                tooltip="Stocktakes: start a count, scan, review, post, history."),
        Binding("ctrl+l", "more", "More", show=False, id="inventory-more", tooltip="Load the next page of levels."),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="inventory-refresh",
                tooltip="Read the levels and the ledger again."),
    ]

    @dataclass
    class MetaLoaded(Message):
        """Locations, categories, currency and time zone were read."""

        meta: StockMeta

    @dataclass
    class PageLoaded(Message):
        """One page of levels for ``filters``; ``append`` continues the rows already shown."""

        filters: LevelFilters
        items: list[StockRow]
        next_after: str | None
        append: bool
        select: str | None = None

    @dataclass
    class LedgerLoaded(Message):
        """The newest movements of one variant."""

        sku: str
        items: list[MovementRead]
        more: bool

    def __init__(self) -> None:
        super().__init__()
        self.meta = StockMeta()
        self.filters = LevelFilters()
        self.columns = columns_for(72)
        self.table = LevelsTable(id="levels", cells=self._cells, key=level_key, load_more=self._load_more)
        self.ledger_sku: str | None = None
        self._loaded_once = False

    # ------------------------------------------------------------ layout

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="inventory-filters"):
            yield Select(STATES, value="", allow_blank=False, id="filter-state", compact=True,
                         tooltip="All stock, only low (at or below the reorder point) or only out of stock (o).")
            yield Select([], prompt="any location", id="filter-location", compact=True,
                         tooltip="Only stock at this location.")
            yield Select([], prompt="any category", id="filter-category", compact=True,
                         tooltip="Only products in this category or below it.")
            yield Input(placeholder="SKU, barcode, title", id="filter-search", compact=True,
                        tooltip="A SKU prefix, a barcode or words of the title (enter applies).")
        yield self.table
        yield Static("", id="levels-detail", markup=False)
        yield Static("Ledger", id="ledger-title", markup=False)
        yield DataTable(id="ledger", cursor_type="row", cell_padding=0)
        yield Static("Loading stock…", id="inventory-status", markup=False)

    def on_mount(self) -> None:
        self._layout(self.app.size.width, self.app.size.height)
        self.call_after_refresh(self._first_load)

    def _first_load(self) -> None:
        self.load_meta()
        self.first_page()

    def on_resize(self, event: Resize) -> None:
        if self._layout(self.app.size.width, self.app.size.height):
            self.table.redraw()
            if self.ledger_sku:
                self.load_ledger(self.ledger_sku)

    def _layout(self, width: int, height: int) -> bool:
        """Columns for this width; True when they changed (then the rows are drawn again)."""
        self.set_class(height >= 40, "-tall")
        columns = columns_for(self.body_width(width))
        if columns == self.columns and self.table.columns:
            return False
        self.columns = columns
        c = columns
        heads = (("SKU", c.sku, False), ("Title", c.title, False), ("Loc", c.location, False),
                 ("On hand" if c.wide else "Hand", c.number, True), ("Committed" if c.wide else "Cmtd", c.number, True),
                 ("Available" if c.wide else "Avail", c.number, True), ("Incoming" if c.wide else "Incm", c.number, True),
                 ("Reorder" if c.wide else "ROP", c.number, True), ("", c.status, False))
        keys = ("sku", "title", "loc", "hand", "cmtd", "avail", "inc", "rop", "state")
        self.table.set_heads((label, width_, right, key) for (label, width_, right), key in zip(heads, keys, strict=True))
        ledger = self.query_one("#ledger", DataTable)
        ledger.clear(columns=True)
        for label, width_, right, key in self._ledger_columns():
            ledger.add_column(cell(label, width_, right=right), key=key, width=width_)
        return True

    def _ledger_columns(self) -> list[tuple[str, int, bool, str]]:
        wide = self.columns.wide
        body = self.body_width()
        cols = [("When", 17 if wide else 12, False, "when"), ("Kind", 13, False, "kind"),
                ("Qty", 7 if wide else 6, True, "qty"), ("Cmtd", 6, True, "cmtd"), ("Loc", 6, False, "loc"),
                ("Reason", 12 if wide else 9, False, "reason"), ("Who", 12 if wide else 8, False, "who")]
        if wide:
            cols.append(("Cost", 11, True, "cost"))
        used = sum(c[1] for c in cols) + 1
        cols.append(("Reference · note", max(8, body - used), False, "ref"))
        return cols

    # ------------------------------------------------------------ data

    @work(thread=True, exclusive=True, group="inventory-meta", exit_on_error=False)
    def load_meta(self) -> None:
        """Locations, categories, currency, time zone (for the filters, dialogs and the ledger)."""
        meta = read_meta(self.shop.db_url, self.shop)
        if not get_current_worker().is_cancelled:
            self.post_message(self.MetaLoaded(meta))

    @on(MetaLoaded)
    def _meta_loaded(self, event: MetaLoaded) -> None:
        old, self.meta = self.meta, event.meta
        if event.meta.locations != old.locations:  # set_options clears the choice: only when they changed
            location = self.query_one("#filter-location", Select)
            location.set_options(choices(event.meta.location_options()))
        if event.meta.categories != old.categories:
            category = self.query_one("#filter-category", Select)
            category.set_options(choices((name, cid) for cid, name in event.meta.categories))
        if self.ledger_sku:
            self.load_ledger(self.ledger_sku)

    @work(thread=True, exclusive=True, group="inventory-page", exit_on_error=False)
    def load_page(self, filters: LevelFilters, after: str | None, limit: int, select: str | None = None) -> None:
        """One page of stock rows (keyset: SKU, location)."""
        from shoptui import db
        from shoptui.services.inventory import list_levels

        with db.read_session(self.shop.db_url) as session:
            page = list_levels(session=session, low=filters.state == "low", out=filters.state == "out",
                                         location=filters.location or None, category_id=filters.category_id,
                                         search=filters.search or None, after=after, limit=limit)
        if not get_current_worker().is_cancelled:
            self.post_message(self.PageLoaded(filters, page.items, page.next_after, after is not None, select))

    @on(PageLoaded)
    def _page_loaded(self, event: PageLoaded) -> None:
        if not self.take_page(event.filters, event.items, event.next_after, append=event.append,
                              select=event.select or None):
            return
        self._loaded_once = True
        self._show_status()
        self._show_detail()
        self.refresh_bindings()
        current = self.current()
        if current is None:
            self._clear_ledger()
        elif current.sku != self.ledger_sku or not event.append:
            self.load_ledger(current.sku)

    def _cells(self, row: StockRow) -> tuple[Text, ...]:
        c = self.columns
        rop = "–" if row.reorder_point is None else str(row.reorder_point)
        available_style = "bold" if row.out or row.low else ""
        return (cell(row.sku, c.sku), cell(row.title, c.title), cell(row.location, c.location),
                cell(row.on_hand, c.number, right=True), cell(row.committed or "·", c.number, right=True),
                cell(row.available, c.number, right=True, style=available_style),
                cell(row.incoming or "·", c.number, right=True), cell(rop, c.number, right=True),
                status_of(row))

    def current(self) -> StockRow | None:
        """The highlighted stock row."""
        return self.table.current()

    def _show_status(self) -> None:
        shown = len(self.rows)
        f = self.filters
        what = {"low": "low-stock rows", "out": "out-of-stock rows"}.get(f.state, "stock rows")
        if not shown:
            if f == LevelFilters():
                text = "No stock yet: press r to restock a SKU, or load the demo (shoptui demo load)."
            else:
                text = f"No {what} match the filters (ctrl+f to change them)."
        else:
            text = f"{shown} {what}" + self.table.more_below()
            if not self.columns.wide:
                text += " · Hand on hand · Cmtd committed · Incm incoming · ROP reorder point"
        self.query_one("#inventory-status", Static).update(plain(text))

    def _show_detail(self) -> None:
        row = self.current()
        detail = self.query_one("#levels-detail", Static)
        if row is None:
            detail.update(plain(""))
            return
        rop = "no reorder point" if row.reorder_point is None else f"reorder point {row.reorder_point}"
        state = " · OUT OF STOCK" if row.out else (" · LOW" if row.low else "")
        detail.update(plain(f"{row.sku}{state} · available {row.available} · on hand {row.on_hand} · committed "
                      f"{row.committed} · incoming {row.incoming} · {rop} · safety {row.safety_stock} · cost "
                      f"{self.meta.store.money(row.cost_minor)} · {row.location} · {row.title}"))

    @on(DataTable.RowHighlighted, "#levels")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()
        row = self.current()
        if row is not None and row.sku != self.ledger_sku:
            self.load_ledger(row.sku)  # (the table itself reads the next page when the cursor nears the end)

    @work(thread=True, exclusive=True, group="inventory-ledger", exit_on_error=False)
    def load_ledger(self, sku: str) -> None:
        """The newest movements of one variant (all locations)."""
        from shoptui import db
        from shoptui.services.inventory import list_moves

        with db.read_session(self.shop.db_url) as session:
            page = list_moves(session=session, code=sku, limit=100)
        if not get_current_worker().is_cancelled:
            self.post_message(self.LedgerLoaded(sku, page.items, page.next_after is not None))

    @on(LedgerLoaded)
    def _ledger_loaded(self, event: LedgerLoaded) -> None:
        self.ledger_sku = event.sku
        ledger = self.query_one("#ledger", DataTable)
        widths = {key: width for _, width, _, key in self._ledger_columns()}
        with self.app.batch_update():
            ledger.clear()
            for m in event.items:
                reference = " ".join(part for part in (self._reference(m), m.note) if part)
                cells = [cell(self.meta.store.when(m.at, year=self.columns.wide), widths["when"]),
                         cell(m.kind.replace("_", " "), widths["kind"]),
                         cell(signed(m.quantity), widths["qty"], right=True, style="bold" if m.quantity else ""),
                         cell(signed(m.committed_change) if m.committed_change else "·", widths["cmtd"], right=True),
                         cell(m.location, widths["loc"]), cell(m.reason or "", widths["reason"]),
                         cell(m.actor, widths["who"])]
                if "cost" in widths:
                    cells.append(cell(self.meta.store.money(m.unit_cost_minor) if m.unit_cost_minor is not None else "",
                                      widths["cost"], right=True))
                cells.append(cell(reference, widths["ref"]))
                ledger.add_row(*cells, key=str(m.id))
        count = len(event.items)
        more = " (newest 100)" if event.more else ""
        title = f"Ledger of {event.sku}: {count} movement{'s' if count != 1 else ''}{more}, times in {self.meta.store.timezone}"
        self.query_one("#ledger-title", Static).update(plain(title if count else f"Ledger of {event.sku}: no movements yet"))

    def _reference(self, move: MovementRead) -> str:
        """``PO-000001``, ``stocktake 3``, a supplier's name, ``order 1042``…"""
        if move.ref_kind == "supplier" and move.ref_id and move.ref_id.isdigit():
            names = dict(self.meta.suppliers)
            return names.get(int(move.ref_id), f"supplier {move.ref_id}")
        if move.ref_kind in ("po", "transfer"):
            return move.ref_id or ""
        return f"{move.ref_kind or ''} {move.ref_id or ''}".strip()

    def _clear_ledger(self) -> None:
        self.ledger_sku = None
        self.query_one("#ledger", DataTable).clear()
        self.query_one("#ledger-title", Static).update(plain("Ledger"))

    def on_screen_resume(self) -> None:
        if self._loaded_once:
            self.reload()
            self.load_meta()

    # ------------------------------------------------------------ filters

    def _apply(self, filters: LevelFilters) -> None:
        if filters != self.filters:
            self.query_one("#inventory-status", Static).update(plain("Loading…"))
            self.set_filters(filters)

    @on(Select.Changed, "#filter-state")
    def _state_changed(self, event: Select.Changed) -> None:
        self._apply(replace(self.filters, state=str(event.value or "")))

    @on(Select.Changed, "#filter-location")
    def _location_changed(self, event: Select.Changed) -> None:
        value = "" if event.select.is_blank() else str(event.value)
        self._apply(replace(self.filters, location=value))

    @on(Select.Changed, "#filter-category")
    def _category_changed(self, event: Select.Changed) -> None:
        value = event.value if isinstance(event.value, int) else None  # a category's id, or Select.NULL (blank)
        self._apply(replace(self.filters, category_id=value))

    @on(Input.Submitted, "#filter-search")
    def _search(self, event: Input.Submitted) -> None:
        event.stop()
        self._apply(replace(self.filters, search=event.value.strip()))
        self.query_one("#levels", DataTable).focus()

    def action_cycle_state(self) -> None:
        """all → low → out → all"""
        order = [value for _, value in STATES]
        following = order[(order.index(self.filters.state) + 1) % len(order)]
        self.query_one("#filter-state", Select).value = following

    def action_filters(self) -> None:
        """Cursor to the search box of the filters."""
        self.query_one("#filter-search", Input).focus()

    def action_refresh(self) -> None:
        """Everything again."""
        self.load_meta()
        self.reload()

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()  # enter on a table: the table eats the key, so the toggle happens here
        self.action_toggle_ledger()

    def action_toggle_ledger(self) -> None:
        """Between the levels and the ledger."""
        levels = self.query_one("#levels", DataTable)
        if levels.has_focus:
            self.query_one("#ledger", DataTable).focus()
        else:
            levels.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("restock",):
            return True
        if action in ("adjust", "transfer", "levels"):
            return self.current() is not None
        if action == "more":
            return self.next_after is not None
        return True

    # ------------------------------------------------------------ changes

    def action_restock(self) -> None:
        """Goods in."""
        from shoptui.tui.screens.inventory.dialogs import RestockDialog

        row = self.current()
        self.app.push_screen(RestockDialog(self.meta, row.sku if row else "", row.location if row else ""),
                             self._changed)

    def action_adjust(self) -> None:
        """A correction by hand."""
        from shoptui.tui.screens.inventory.dialogs import AdjustDialog

        row = self.current()
        if row is not None:
            self.app.push_screen(AdjustDialog(self.meta, row.sku, row.location,
                                              intro=f"{row.title}: {row.on_hand} on hand at {row.location}."),
                                 self._changed)

    def action_transfer(self) -> None:
        """Move stock to another location."""
        from shoptui.tui.screens.inventory.dialogs import TransferDialog

        row = self.current()
        if row is None:
            return
        if len(self.meta.locations) < 2:
            self.shop.announce("There is only one location. Add another with 'shoptui location add BACK "
                               "\"Back room\"' to transfer stock.", "warning")
            return
        self.app.push_screen(TransferDialog(self.meta, row.sku, row.location,
                                            intro=f"{row.title}: {row.available} available at {row.location}."),
                             self._changed)

    def action_levels(self) -> None:
        """Reorder point, safety stock, supplier."""
        from shoptui.tui.screens.inventory.dialogs import LevelsDialog

        row = self.current()
        if row is not None:
            self.app.push_screen(LevelsDialog(self.meta, row.sku, safety=row.safety_stock, reorder=row.reorder_point),
                                 self._levels_changed)

    def _changed(self, result: Any) -> None:
        if result is None:
            return
        level = result.level
        if result.kind == "transfer":
            text = (f"Moved {result.quantity} x {result.sku} from {result.location} to {result.to_location}: "
                    f"{level.available} available at {result.location}.")
        else:
            verb = "Restocked" if result.kind == "receive" else "Adjusted"
            amount = f"{result.quantity}" if result.kind == "receive" else signed(result.quantity)
            text = (f"{verb} {result.sku} {amount} at {result.location}: on hand {level.on_hand}, "
                    f"available {level.available}.")
        self.shop.announce(text)
        self.ledger_sku = None
        self.reload()

    def _levels_changed(self, result: Any) -> None:
        if result is not None:
            rop = "none" if result.reorder_point is None else result.reorder_point
            self.shop.announce(f"{result.sku}: reorder point {rop}, safety stock {result.safety_stock}.")
            self.reload()

    def action_purchasing(self) -> None:
        """Purchase orders and suppliers."""
        self.run_worker(self.shop.action_go("purchasing"))

    def action_stocktake(self) -> None:
        """Stocktakes."""
        self.run_worker(self.shop.action_go("stocktake"))

    # ------------------------------------------------------------ records

    def open_record(self, kind: str, key: str) -> None:
        """Show a variant (a low-stock notification, a search hit): search for its SKU."""
        if kind in ("variant", "stock"):
            self.find_variant(key)
        else:
            super().open_record(kind, key)

    @work(thread=True, exclusive=True, group="inventory-open", exit_on_error=False)
    def find_variant(self, key: str) -> None:
        """The SKU of a variant id (or the code as given), then show it."""
        from shoptui import db
        from shoptui.services.inventory import find_variant, variant_by_id

        with db.read_session(self.shop.db_url) as session:
            ref = variant_by_id(session, int(key)) if key.isdigit() else find_variant(session, key)
        self.app.call_from_thread(self._show_sku, ref.sku)

    def _show_sku(self, sku: str) -> None:
        self.query_one("#filter-search", Input).value = sku
        self.query_one("#filter-state", Select).value = ""
        self.filters = LevelFilters(search=sku)
        self.first_page(sku)
        self.query_one("#levels", DataTable).focus()
