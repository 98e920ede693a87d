"""One product in full: description, options, variants (with stock), tags, images and the cover."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from shoptui.tui.screens.catalog.actions import ProductActions
from shoptui.tui.screens.catalog.image import CoverImage, ImageFacts
from shoptui.tui.screens.catalog.table import MoneyFormat
from shoptui.tui.text import plain
from shoptui.tui.widgets.steady_footer import SteadyFooter
from shoptui.tui.workers import ReportsWorkerErrors

if TYPE_CHECKING:
    from shoptui.services.catalog import ProductRead


class ProductDetailScreen(ProductActions, ReportsWorkerErrors, ModalScreen[bool]):
    """A product's detail over the list; dismissed with True when something was changed."""

    BINDINGS = [
        Binding("escape", "close", "Back", id="detail-close", tooltip="Back to the list."),
        Binding("e", "edit", "Edit", id="detail-edit", tooltip="Edit this product: fields, options, variants."),
        Binding("x", "archive", "Archive", id="detail-archive", tooltip="Archive this product."),
        Binding("d", "delete", "Delete", id="detail-delete",
                tooltip="Delete this product (only without history; else offers to archive)."),
        Binding("ctrl+r", "reload", "Reload", show=False, id="detail-reload", tooltip="Read the product again."),
    ]

    @dataclass
    class Loaded(Message):
        """The product, its stock per variant (None without inventory) and facts about its images."""

        product: ProductRead
        stock: dict[int, int] | None
        images: list[ImageFacts]
        money: MoneyFormat
        highlight: str | None

    def __init__(self, *, product_id: int | None = None, code: str | None = None) -> None:
        super().__init__()
        self.product_id = product_id
        self.code = code
        self.product: ProductRead | None = None
        self.changed = False

    def compose(self) -> ComposeResult:
        with Vertical(id="detail-box"):
            yield Static("Loading…", id="detail-head", markup=False)
            with Horizontal(id="detail-top"):
                with VerticalScroll(id="detail-info", can_focus=False):
                    yield Static("", id="detail-description", classes="detail-text", markup=False)
                    yield Static("", id="detail-options", classes="detail-text", markup=False)
                    yield Static("", id="detail-tags", classes="detail-text", markup=False)
                yield Vertical(id="detail-cover-slot", classes="-empty")
            yield DataTable(id="detail-variants", cursor_type="row", zebra_stripes=True)
            yield Static("", id="detail-images", markup=False)
        yield SteadyFooter(compact=True)

    def on_mount(self) -> None:
        self.query_one("#detail-top").styles.height = "auto"
        self.load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("edit", "archive", "delete"):
            return self.product is not None
        return True

    @work(thread=True, exclusive=True, group="product-detail", exit_on_error=False)
    def load(self) -> None:
        """The product (found by id, or by a SKU/barcode), its stock and its images' facts."""
        from shoptui import db
        from shoptui.services import catalog, shop
        from shoptui.tui.screens.catalog.image import image_facts
        from shoptui.tui.screens.catalog.screen import inventory_installed

        highlight = None
        with db.read_session(self.app_db_url) as session:
            currency = shop.currency(session=session)
            product_id = self.product_id
            if product_id is None:
                variant = catalog.find_variant(session=session, code=self.code or "")
                product_id, highlight = variant.product_id, variant.sku
            product = catalog.get_product(session=session, product_id=product_id)
            stock = None
            if inventory_installed():
                from shoptui.services.inventory import levels_for

                tracked = [v.id for v in product.variants if v.track_stock]
                levels = levels_for(session, tracked)
                stock = {vid: level.on_hand for vid, level in levels.items()}
            media = shop.media_folder(session)
        # a media name is drawn from the store's media folder; links and older absolute paths as they are
        facts = [image_facts(str(shop.media_path(media, location) or location)) for location in product.images]
        self.post_message(self.Loaded(product, stock, facts, MoneyFormat(currency.code, currency.digits), highlight))

    @property
    def app_db_url(self) -> str | None:
        return self._shop.db_url

    @on(Loaded)
    async def _show(self, event: Loaded) -> None:
        product = event.product
        money = event.money
        self.product = product
        self.product_id = product.id
        box = self.query_one("#detail-box")
        box.border_title = plain(product.title)
        box.border_subtitle = plain(f"#{product.id} · version {product.version}")
        head = [product.status, product.category or "no category"]
        if product.brand:
            head.append(product.brand)
        head.append(money.price_range(product.min_price_minor, product.max_price_minor) + f" {money.code}".rstrip())
        head.append(f"{product.variant_count} variant{'s' if product.variant_count != 1 else ''}")
        self.query_one("#detail-head", Static).update(plain(" · ".join(head)))
        self.query_one("#detail-description", Static).update(plain(product.description or "(no description)"))
        options = "; ".join(f"{o.name}: {', '.join(o.values)}" for o in product.options)
        self.query_one("#detail-options", Static).update(plain(f"Options  {options}" if options else "Options  none"))
        self.query_one("#detail-tags", Static).update(plain("Tags     " + (", ".join(product.tags) or "none")))
        slot = self.query_one("#detail-cover-slot", Vertical)
        await slot.remove_children()
        await slot.mount(CoverImage(event.images[0] if event.images else None, id="detail-cover"))
        images = self.query_one("#detail-images", Static)
        if event.images:
            lines = [f"{'cover ' if i == 0 else '      '}{f.location}  ({f.describe()})" for i, f in enumerate(event.images)]
            images.update(plain("Images\n" + "\n".join(lines)))
        else:
            images.update(plain("Images   none"))
        self._fill_variants(product, event.stock, money, event.highlight)
        self.refresh_bindings()

    def _fill_variants(self, product: ProductRead, stock: dict[int, int] | None, money: MoneyFormat,
                       highlight: str | None) -> None:
        table = self.query_one("#detail-variants", DataTable)
        table.clear(columns=True)
        columns = ["SKU", "options", "barcode", "price", "compare-at", "cost", "weight g", "tracked"]
        if stock is not None:
            columns.append("stock")
        for name in columns:
            table.add_column(name, key=name)
        for variant in product.variants:
            cells = [variant.sku, " / ".join(variant.options) or "(default)", variant.barcode or "–",
                     plain(money.format(variant.price_minor), justify="right"),
                     plain(money.format(variant.compare_at_minor), justify="right"),
                     plain(money.format(variant.cost_minor), justify="right"),
                     plain("–" if variant.weight_g is None else str(variant.weight_g), justify="right"),
                     "yes" if variant.track_stock else "no"]
            if stock is not None:
                cells.append(plain(str(stock.get(variant.id, 0)) if variant.track_stock else "–", justify="right"))
            table.add_row(*(plain(c) for c in cells), key=variant.sku)
        if highlight is not None:
            table.move_cursor(row=table.get_row_index(highlight), animate=False)
        table.focus()

    def highlighted_sku(self) -> str | None:
        """The SKU of the highlighted variant row."""
        table = self.query_one("#detail-variants", DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    # ------------------------------------------------------------ actions

    def action_close(self) -> None:
        """Back to the list."""
        self.dismiss(self.changed)

    def action_reload(self) -> None:
        """Read the product again."""
        self.load()

    def action_edit(self) -> None:
        """The form for this product."""
        from shoptui.tui.screens.catalog.form import ProductFormScreen

        if self.product is not None:
            self.app.push_screen(ProductFormScreen(product_id=self.product.id), self._after_form)

    def _after_form(self, product_id: int | None) -> None:
        if product_id is not None:
            self.changed = True
            self.load()

    def action_archive(self) -> None:
        """Archive this product, after asking."""
        p = self.product
        if p is not None:
            self.ask_archive(p.id, p.title, p.version, p.status)

    def action_delete(self) -> None:
        """Delete this product, after asking."""
        p = self.product
        if p is not None:
            self.ask_delete(p.id, p.title, p.version, p.variant_count)

    def product_changed(self, text: str, deleted: bool) -> None:
        self.changed = True
        if deleted:
            self.dismiss(True)
        else:
            self.load()
