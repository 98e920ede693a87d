"""The products screen: a keyset-paged list with filters and sort, a category tree at wide sizes,
selection and bulk actions; enter opens a product's detail, ``n`` adds one, ``e`` edits one.

Only what the screen can show soon is loaded: one page of about two screens of rows, and the
next page when the cursor (or the scroll position) nears the end. Each page is one worker with
one read session: the products (one query), and their stock when the inventory module is
installed (two more queries for the whole page, never one per row).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, Input, Select, Static, Tree
from textual.worker import get_current_worker

from shoptui.tui.screens.base import ShopScreen
from shoptui.tui.screens.catalog.actions import ProductActions
from shoptui.tui.screens.catalog.table import ListedProduct, MoneyFormat, ProductTable
from shoptui.tui.text import choices, plain
from shoptui.tui.widgets.paged_table import PagedList
from shoptui.tui.widgets.paged_table import page_size as _page_size

if TYPE_CHECKING:
    from shoptui.services.catalog import CategoryRead

TREE_FROM_WIDTH = 120
"""Terminal width (columns) from which the category tree shows beside the list."""
EXTRAS_AT_THE_LATEST = 3.0
"""Seconds after which the filters and the tree are mounted even when the first page has not come."""
STATUSES = ("draft", "active", "archived")
SORTS = (("Title A–Z", "title"), ("Title Z–A", "-title"), ("Price low–high", "price"), ("Price high–low", "-price"),
         ("Recently updated", "-updated"), ("Newest", "-created"), ("Oldest", "created"))


@dataclass(frozen=True)
class ProductFilters:
    """What the list shows: status, category subtree, tag, and its order."""

    status: str = ""
    category_id: int | None = None
    tag: str = ""
    sort: str = "title"


PAGE_LEAST = 30
"""The fewest products a page has."""


def page_size(screen_height: int) -> int:
    """About two screens of rows: enough to scroll a little, never the whole catalogue."""
    return _page_size(screen_height, least=PAGE_LEAST)


def inventory_installed() -> bool:
    """Whether the inventory module is registered (then the list shows stock)."""
    from shoptui import modules

    return any(spec.name == "inventory" for spec in modules.all_modules())


def stock_by_product(session: Any, product_ids: list[int]) -> dict[int, int] | None:
    """On-hand stock of each product's tracked variants (two queries for the page), or None without inventory."""
    if not inventory_installed():
        return None
    try:
        from shoptui.services.inventory import levels_for
    except ImportError:
        return None
    from shoptui.services import catalog

    variants = catalog.tracked_variant_ids(session=session, product_ids=product_ids)
    levels = levels_for(session, [v for ids in variants.values() for v in ids])
    return {pid: sum(levels[v].on_hand for v in ids) for pid, ids in variants.items()}


class ProductsScreen(PagedList, ProductActions, ShopScreen):
    """Products: filter, sort, page, select; open, add, edit, archive, delete, bulk-change."""

    LIVE = frozenset({"product", "variant", "category", "stock", "order", "stocktake", "purchase_order"})
    """What another terminal changes that this screen shows (audit entities; see ShopScreen.LIVE)."""

    MODE = "products"
    AUTO_FOCUS = "#products-table"
    PAGE_LEAST = PAGE_LEAST

    PERMISSIONS = {"new": "catalog.edit", "edit": "catalog.edit", "bulk": "catalog.edit", "archive": "catalog.edit",
                                               "delete": "delete"}
    """What each action needs (greyed for an account without it; see screens/base.py)."""

    BINDINGS = [
        Binding("enter", "open", "Open", id="products-open", tooltip="Show the highlighted product: variants, images."),
        Binding("n", "new", "New", id="products-new", tooltip="Add a product (the form: fields, options, variants)."),
        Binding("e", "edit", "Edit", id="products-edit", tooltip="Edit the highlighted product."),
        Binding("space", "toggle_select", "Select", id="products-select",
                tooltip="Select or unselect the highlighted product for a bulk change."),
        Binding("a", "select_page", "All", id="products-select-all",
                tooltip="Select every product loaded in the list (again: select none)."),
        Binding("b", "bulk", "Bulk", id="products-bulk",
                tooltip="Change the selected products: status, category, tag or price, with a preview."),
        Binding("x", "archive", "Archive", id="products-archive", tooltip="Archive the highlighted product."),
        Binding("d", "delete", "Delete", id="products-delete",
                tooltip="Delete the highlighted product (only without history; else offers to archive)."),
        Binding("ctrl+f", "filters", "Filter", id="products-filter",
                tooltip="Put the cursor in the filters: status, category, tag, sort."),
        Binding("c", "categories", "Tree", show=False, id="products-tree",
                tooltip="Put the cursor in the category tree (at 120 columns or more)."),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="products-refresh",
                tooltip="Read the products and categories again."),
    ]

    @dataclass
    class PageLoaded(Message):
        """One page of products for ``filters``; ``append`` continues the rows already shown."""

        filters: ProductFilters
        items: list[ListedProduct]
        next_after: str | None
        append: bool
        money: MoneyFormat
        select: int | None = None

    @dataclass
    class CategoriesLoaded(Message):
        """The category tree was read."""

        categories: list[CategoryRead]

    def __init__(self) -> None:
        super().__init__()
        # A new screen is styled as its widgets mount; without this, switching to it the first time
        # also re-parses the app's whole stylesheet and restyles every screen, twice.
        self._css_update_count = self.app._css_update_count
        self.filters = ProductFilters()
        self.selected: set[int] = set()
        self.table: ProductTable = ProductTable(id="products-table", load_more=self._load_more,
                                                is_selected=lambda product_id: product_id in self.selected)
        self.categories: list[CategoryRead] = []
        self.money = MoneyFormat()
        self.show_stock = False
        self._loaded_once = False
        self._extras_mounted = False
        self._pending: list[tuple[str, str]] = []

    # ------------------------------------------------------------ layout

    def compose_body(self) -> ComposeResult:
        self.set_class(self.app.size.width >= TREE_FROM_WIDTH, "-wide")  # before the children: one styling pass
        with Horizontal(id="products-main"):
            with Vertical(id="products-side"):
                yield Horizontal(id="products-filters")  # filled once the first rows show (see _mount_extras)
                yield self.table
                yield Static("Loading products…", id="products-status", markup=False)

    def _filter_widgets(self) -> list[Widget]:
        return [
            Select([(s, s) for s in STATUSES], prompt="any status", id="filter-status", compact=True,
                   tooltip="Show only products of this status."),
            Select([], prompt="any category", id="filter-category", compact=True,
                   tooltip="Show only products in this category or below it."),
            Input(placeholder="tag", id="filter-tag", compact=True,
                  tooltip="Show only products with this tag (enter applies)."),
            Select(SORTS, value=self.filters.sort, allow_blank=False, id="filter-sort", compact=True,
                   tooltip="The order of the list."),
        ]

    def _mount_extras(self) -> None:
        """The filters and the category tree, mounted once the first rows are on screen.

        What the screen opens for is the list: its first paint needs only the table, so the
        filter row (three selects and an input, the costliest widgets here) and the tree come
        right after, in their reserved places, without moving the table.
        """
        if self._extras_mounted or not self.is_attached:
            return
        self._extras_mounted = True
        with self.app.batch_update():
            self.query_one("#products-main").mount(Tree("All products", id="category-tree"), before=0)
            self.query_one("#products-filters").mount_all(self._filter_widgets())
        self.load_categories()

    def on_mount(self) -> None:
        self._first_load()
        self.set_timer(EXTRAS_AT_THE_LATEST, self._mount_extras)  # when the first page is slow or fails

    def _first_load(self) -> None:
        self.first_page()

    def on_resize(self, event: Resize) -> None:
        wide = self.app.size.width >= TREE_FROM_WIDTH
        if wide != self.has_class("-wide"):
            self.set_class(wide, "-wide")

    def on_screen_resume(self) -> None:
        if self._loaded_once:
            self.reload()

    def current(self) -> ListedProduct | None:
        """The highlighted product, if any."""
        return self.table.current()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("open", "edit", "archive", "delete", "toggle_select"):
            return self.current() is not None
        if action == "bulk":
            return bool(self.selected)
        if action == "select_page":
            return bool(self.rows)
        if action == "categories":
            return self.has_class("-wide")
        return True

    # ------------------------------------------------------------ loading

    @work(thread=True, exclusive=True, group="products-page", exit_on_error=False)
    def load_page(self, filters: ProductFilters, after: str | None, limit: int, select: int | None = None) -> None:
        """One keyset page of products (and their stock when inventory is installed)."""
        from shoptui import db
        from shoptui.services import catalog, shop

        with db.read_session(self.shop.db_url) as session:
            currency = shop.currency(session=session)
            page = catalog.list_products(session=session, status=filters.status or None,
                                         category_id=filters.category_id, tag=filters.tag or None,
                                         sort=filters.sort, after=after, limit=limit)
            stock = stock_by_product(session, [p.id for p in page.items])
        items = [ListedProduct(row=p, stock=None if stock is None else stock.get(p.id), stock_known=stock is not None)
                 for p in page.items]
        if not get_current_worker().is_cancelled:
            self.post_message(self.PageLoaded(filters, items, page.next_after, after is not None,
                                              MoneyFormat(currency.code, currency.digits), select))

    @work(thread=True, exclusive=True, group="products-categories", exit_on_error=False)
    def load_categories(self) -> None:
        """The category tree (for the tree and the category filter)."""
        from shoptui import db
        from shoptui.services import catalog

        with db.read_session(self.shop.db_url) as session:
            categories = catalog.list_categories(session=session)
        self.post_message(self.CategoriesLoaded(categories))

    @on(PageLoaded)
    def _show_page(self, event: PageLoaded) -> None:
        table = self.table
        if event.filters != self.filters:
            table.loading_more = False
            return
        self.money = table.money = event.money
        self.show_stock = any(item.stock_known for item in event.items) or (self.show_stock and event.append)
        with self.app.batch_update():
            if not event.append:
                table.set_stock_column(self.show_stock)
            table.show_page(event.items, event.next_after, append=event.append, select=event.select)
            if not event.append:
                self.selected &= set(self.rows)
        self._show_status()
        self.refresh_bindings()
        self.loaded(first=not self._loaded_once)
        if not self._loaded_once:
            self._loaded_once = True
            self.call_after_refresh(self._mount_extras)
        while self._pending:
            self.open_record(*self._pending.pop(0))

    @on(CategoriesLoaded)
    def _categories_loaded(self, event: CategoriesLoaded) -> None:
        self.categories = event.categories
        self._show_categories(event)

    def _show_categories(self, event: CategoriesLoaded) -> None:
        if event.categories is not self.categories:
            return  # a newer tree arrived meanwhile
        if not self.query("#category-tree") or not self.query("#filter-category"):
            self.call_after_refresh(self._show_categories, event)  # the lazy widgets mount after the first paint
            return
        select = self.query_one("#filter-category", Select)
        with select.prevent(Select.Changed):
            select.set_options(choices(("  " * c.depth + c.name, c.id) for c in event.categories))
            if self.filters.category_id is not None and any(c.id == self.filters.category_id for c in event.categories):
                select.value = self.filters.category_id
        tree = self.query_one("#category-tree", Tree)
        tree.clear()
        nodes: dict[int | None, Any] = {None: tree.root}
        parents = {c.parent_id for c in event.categories}
        for category in event.categories:
            parent = nodes.get(category.parent_id, tree.root)
            label = plain(category.name)
            if category.product_count:
                label.append(f" {category.product_count}", style="dim")
            if category.id in parents:
                nodes[category.id] = parent.add(label, data=category.id, expand=True)
            else:
                nodes[category.id] = parent.add_leaf(label, data=category.id)
        tree.root.expand()

    def _show_status(self) -> None:
        shown = len(self.rows)
        if not shown:
            text = "No products match these filters." if self.filters != ProductFilters(sort=self.filters.sort) \
                else "No products yet: n adds one, or run 'shoptui demo load' or 'shoptui product import FILE'."
        else:
            text = f"{shown} shown" + self.table.more_below(" · that is all")
            if self.selected:
                text += f" · {len(self.selected)} selected (b: bulk change)"
            else:
                text += " · space selects · enter opens · n adds"
        self.query_one("#products-status", Static).update(plain(text))

    @on(DataTable.RowHighlighted, "#products-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.refresh_bindings()  # the table itself reads the next page when the cursor nears the end

    @on(DataTable.RowSelected, "#products-table")
    def _row_chosen(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    # ------------------------------------------------------------ filters

    @on(Select.Changed, "#filter-status")
    def _status_chosen(self, event: Select.Changed) -> None:
        value = event.value
        self.set_filters(replace(self.filters, status="" if value is Select.NULL else str(value)))

    @on(Select.Changed, "#filter-category")
    def _category_chosen(self, event: Select.Changed) -> None:
        value = event.value
        self.set_filters(replace(self.filters, category_id=value if isinstance(value, int) else None))  # id or NULL

    @on(Select.Changed, "#filter-sort")
    def _sort_chosen(self, event: Select.Changed) -> None:
        if event.value is not Select.NULL:
            self.set_filters(replace(self.filters, sort=str(event.value)))

    @on(Input.Submitted, "#filter-tag")
    def _tag_entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.set_filters(replace(self.filters, tag=event.value.strip().lower()))
        self.table.focus()

    @on(Tree.NodeSelected, "#category-tree")
    def _tree_chosen(self, event: Tree.NodeSelected[Any]) -> None:
        event.stop()
        category_id = event.node.data
        select = self.query_one("#filter-category", Select)
        with select.prevent(Select.Changed):
            if category_id is None:
                select.clear()
            else:
                select.value = category_id
        self.set_filters(replace(self.filters, category_id=category_id))

    def action_filters(self) -> None:
        """Cursor to the first filter."""
        self.query_one("#filter-status", Select).focus()

    def action_categories(self) -> None:
        """Cursor to the category tree."""
        self.query_one("#category-tree", Tree).focus()

    def action_refresh(self) -> None:
        """Read everything again."""
        self.reload()
        self.load_categories()

    # ------------------------------------------------------------ selection

    def paint_selection(self, product_id: int) -> None:
        item = self.rows.get(product_id)
        if item is not None:
            self.table.show_selected(product_id, product_id in self.selected)

    def action_toggle_select(self) -> None:
        """Select or unselect the highlighted product, then move down."""
        self.toggle_selected()

    def action_select_page(self) -> None:
        """Select every loaded product, or none when all of them are selected."""
        self.select_page()

    def selection_changed(self) -> None:
        self._show_status()
        self.refresh_bindings()

    # ------------------------------------------------------------ records

    def open_record(self, kind: str, key: str) -> None:
        """Show a product (search hit ``product``, key = id) or a variant (``variant``, key = SKU or barcode)."""
        from shoptui.tui.screens.catalog.detail import ProductDetailScreen

        if not self.is_mounted:
            self._pending.append((kind, key))
            return
        if kind == "product" and key.isdigit():
            self.app.push_screen(ProductDetailScreen(product_id=int(key)), self._after_detail)
        elif kind in ("variant", "sku", "barcode"):
            self.app.push_screen(ProductDetailScreen(code=key), self._after_detail)
        else:
            super().open_record(kind, key)

    def _after_detail(self, changed: bool | None) -> None:
        if changed:
            self.reload()
            self.load_categories()

    def action_open(self) -> None:
        """The highlighted product's detail."""
        item = self.current()
        if item is not None:
            self.open_record("product", str(item.row.id))

    def action_new(self) -> None:
        """The form for a new product."""
        from shoptui.tui.screens.catalog.form import ProductFormScreen

        category = self.filters.category_id
        self.app.push_screen(ProductFormScreen(product_id=None, category_id=category), self._after_form)

    def action_edit(self) -> None:
        """The form for the highlighted product."""
        from shoptui.tui.screens.catalog.form import ProductFormScreen

        item = self.current()
        if item is not None:
            self.app.push_screen(ProductFormScreen(product_id=item.row.id), self._after_form)

    def _after_form(self, product_id: int | None) -> None:
        if product_id is not None:
            self.reload()
            self.load_categories()

    def action_bulk(self) -> None:
        """Change the selected products, after a preview."""
        from shoptui.tui.screens.catalog.bulk import BulkDialog

        if not self.selected:
            self.shop.announce("Select products first: space selects one, a selects every loaded one.", "warning")
            return
        self.app.push_screen(BulkDialog(sorted(self.selected), self.categories, self.money), self._after_bulk)

    def _after_bulk(self, done: bool | None) -> None:
        if done:
            self.selected.clear()
            self.reload()

    def action_archive(self) -> None:
        """Archive the highlighted product, after asking."""
        item = self.current()
        if item is not None:
            self.ask_archive(item.row.id, item.row.title, item.row.version, item.row.status)

    def action_delete(self) -> None:
        """Delete the highlighted product, after asking (refused with history: then offers to archive)."""
        item = self.current()
        if item is not None:
            self.ask_delete(item.row.id, item.row.title, item.row.version, item.row.variant_count)

    def product_changed(self, text: str, deleted: bool) -> None:
        """An archive or delete landed: read the list again."""
        self.reload()
        self.load_categories()
