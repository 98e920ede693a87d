"""The product list's table: columns that fit the width, short plain-text cells, a selection mark."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.events import Resize

from shoptui.money import format_money
from shoptui.tui.text import cell
from shoptui.tui.widgets.paged_table import PagedTable

if TYPE_CHECKING:
    from shoptui.services.catalog.products import ProductRow

SELECTED_MARK = "●"


@dataclass(frozen=True)
class MoneyFormat:
    """The store's currency as the UI prints it (code and minor-unit digits)."""

    code: str = ""
    digits: int = 2

    def format(self, minor: int | None) -> str:
        """``1250`` -> ``12.50``; None -> ``–``."""
        return "–" if minor is None else format_money(minor, self.digits)

    def price_range(self, low: int | None, high: int | None) -> str:
        """``12.50`` or ``12.50–19.90``."""
        if low is None:
            return "–"
        return self.format(low) if low == high or high is None else f"{self.format(low)}–{self.format(high)}"


@dataclass(frozen=True)
class ListedProduct:
    """A product row of the list with its stock (None when unknown or nothing is tracked)."""

    row: ProductRow
    stock: int | None = None
    stock_known: bool = False


@dataclass(frozen=True)
class Widths:
    """Column widths (each includes one blank column of gutter)."""

    mark: int = 2
    title: int = 30
    code: int = 12
    price: int = 15
    stock: int = 0
    status: int = 9
    category: int = 14


def widths_for(width: int, stock: bool) -> Widths:
    """Columns that fit ``width`` cells: the title takes what the others leave."""
    code = 12 if width >= 90 else 10
    price = 16 if width >= 90 else 13
    category = 18 if width >= 110 else 11
    stock_width = 7 if stock else 0
    fixed = 2 + code + price + stock_width + 9 + category + 1  # + scrollbar
    return Widths(title=max(12, width - fixed), code=code, price=price, stock=stock_width, category=category)


def _variant_count(count: int, width: int) -> str:
    text = f"{count} variants"
    return text if len(text) < width else f"{count} var."


STATUS_STYLE = {"active": "", "draft": "italic", "archived": "dim"}


def product_cells(item: ListedProduct, money: MoneyFormat, selected: bool, widths: Widths) -> list[Text]:
    """The cells of one product row (plain text: titles may hold ``[``)."""
    row = item.row
    cells = [
        cell(SELECTED_MARK if selected else "", widths.mark, style="bold"),
        cell(row.title, widths.title, style="dim" if row.status == "archived" else ""),
        cell(row.sku if row.sku else _variant_count(row.variant_count, widths.code), widths.code),
        cell(money.price_range(row.min_price_minor, row.max_price_minor), widths.price, right=True),
    ]
    if widths.stock:
        stock = "–" if item.stock is None else f"{item.stock:,}"
        cells.append(cell(stock, widths.stock, right=True, style="bold" if item.stock == 0 else ""))
    cells.append(cell(row.status, widths.status, style=STATUS_STYLE.get(row.status, "")))
    cells.append(cell(row.category or "–", widths.category))
    return cells


class ProductTable(PagedTable[int, ListedProduct]):
    """Rows of products keyed by id; columns are rebuilt (from the rows it holds) when the width changes.

    The screen sets ``money`` (the store's currency) and gives ``is_selected`` (whether an id is selected).
    """

    def __init__(self, *, is_selected: Callable[[int], bool] = lambda product_id: False, **kwargs: Any) -> None:
        super().__init__(parse_key=int, **kwargs)
        self.widths = Widths()
        self.stock_column = False
        self.money = MoneyFormat()
        self._is_selected = is_selected
        self._build_columns()

    def row_cells(self, item: ListedProduct) -> list[Text]:
        return product_cells(item, self.money, self._is_selected(item.row.id), self.widths)

    def item_key(self, item: ListedProduct) -> int:
        return item.row.id

    def _build_columns(self) -> None:
        w = self.widths
        columns = [("", "mark", w.mark), ("title", "title", w.title), ("SKU/count", "code", w.code),
                   ("price", "price", w.price)]
        if w.stock:
            columns.append(("stock", "stock", w.stock))
        columns += [("status", "status", w.status), ("category", "category", w.category)]
        for label, key, width in columns:
            right = key in ("price", "stock")
            self.add_column(cell(label, width, right=right), key=key, width=width)

    def set_stock_column(self, shown: bool) -> None:
        """Show the stock column (when the inventory module is installed)."""
        if shown != self.stock_column:
            self.stock_column = shown
            self._relayout(self.size.width or 80, force=True)

    def on_resize(self, event: Resize) -> None:
        self._relayout(event.size.width)

    def _relayout(self, width: int, *, force: bool = False) -> None:
        widths = widths_for(width, self.stock_column)
        if widths == self.widths and not force:
            return
        keep = self.current_key()
        self.widths = widths
        self.clear(columns=True)
        self._build_columns()
        self.redraw(keep)

    def show_selected(self, product_id: int, selected: bool) -> None:
        """Mark or unmark a row as selected."""
        self.repaint_cell(product_id, "mark", cell(SELECTED_MARK if selected else "", self.widths.mark, style="bold"))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value > old_value:
            self.maybe_load_more()  # the mouse wheel reads ahead too
