"""The sale screen's basket table and totals panel: what the customer is buying and what it costs.

Both only draw a :class:`~shoptui.services.sales.counter.Basket` they are given (plain frozen data); they
never query. Money is shown without the currency sign, the currency code once on the total.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.table import Table
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Digits, Static

from shoptui.tui.text import cell, plain
from shoptui.wording import plural

if TYPE_CHECKING:
    from shoptui.services.sales.counter import Basket

Money = Callable[[int], str]

# (label, width) of the fixed columns; the title takes what is left
FIXED = (("SKU", 15), ("Qty", 5), ("Unit", 10), ("Disc", 9), ("Total", 11))
MIN_TITLE = 12
MIN_TITLE_NARROW = 8  # below this the table scrolls sideways
MIN_SKU = 13  # a SKU column narrower than this cuts common SKUs (D001-M-BLACK and its gap)
MARK = 2  # the ▸ of the selected line
GIFT = "gift:"  # row keys of gift lines (a promotion adds them; they are not basket lines)


@dataclass(frozen=True)
class Explained:
    """One line of the totals: a label, a signed amount, and whether it is an offer."""

    label: str
    amount_minor: int
    offer: bool = False


class BasketTable(DataTable[Any]):
    """The basket's lines, one row per SKU (the row key); the cursor is the selected line.

    It never takes the keyboard focus: the scan field keeps it, and the screen moves the cursor.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, show_cursor=True, cell_padding=0, **kwargs)
        self.can_focus = False
        self._title_width = 0
        self._fixed: dict[str, int] = dict(FIXED)
        self._shown: list[tuple[Any, ...]] = []
        self._basket: Basket | None = None
        self._money: Money = str
        self._marked: str | None = None

    def _widths(self) -> tuple[int, dict[str, int]]:
        """The title's width and the fixed columns' widths: on a narrow body the SKU gives up room first."""
        fixed = dict(FIXED)
        room = self.size.width - sum(fixed.values()) - MARK - 1
        if room < MIN_TITLE:
            give = min(MIN_TITLE - room, fixed["SKU"] - MIN_SKU)
            fixed["SKU"] -= give
            room += give
        return max(MIN_TITLE_NARROW, room), fixed

    def _columns(self) -> None:
        width, fixed = self._widths()
        if width == self._title_width and self.columns:
            return
        self._title_width = width
        self._fixed = fixed
        self.clear(columns=True)
        self._marked = None
        self.add_column(" " * MARK, key="mark", width=MARK)
        self.add_column(cell("Item", width), key="title", width=width)
        for label, w in fixed.items():
            self.add_column(cell(label, w, right=label != "SKU"), key=label.lower(), width=w)
        self._shown = []

    def on_resize(self) -> None:
        if self._basket is not None:
            self.show(self._basket, self._money, force=True)

    def show(self, basket: Basket, money: Money, *, select: str | None = None, force: bool = False) -> None:
        """Draw the basket (only what changed), then put the cursor on ``select`` (a SKU) if given."""
        self._basket, self._money = basket, money
        keep = select or self.selected_key()
        if force:
            self._title_width = 0
        self._columns()
        rows = [(line.sku, line.title, line.quantity, line.unit_price_minor, line.line_discount_minor,
                 line.line_total_minor) for line in basket.lines]
        rows += [(f"{GIFT}{gift.sku}", f"(gift) {gift.title}", gift.quantity, 0, 0, 0) for gift in basket.gifts]
        if rows == self._shown:
            self._cursor_to(keep)
            return
        tw = self._title_width
        if [r[0] for r in rows] == [r[0] for r in self._shown]:  # same lines: change the cells that differ
            for old, new in zip(self._shown, rows, strict=True):
                if old != new:
                    self._update_row(new, money)
            self._shown = rows
            self._cursor_to(keep)
            return
        with self.app.batch_update():
            self.clear()
            self._marked = None
            for key, title, qty, unit, disc, total in rows:
                gift = key.startswith(GIFT)
                style = "italic" if gift else ""
                self.add_row(
                    " " * MARK, cell(title, tw, style=style), cell(key.removeprefix(GIFT), self._fixed["SKU"], style=style),
                    cell(str(qty), self._fixed["Qty"], right=True, style="bold"),
                    cell(money(unit), self._fixed["Unit"], right=True, style=style),
                    cell(f"-{money(disc)}" if disc else "", self._fixed["Disc"], right=True),
                    cell(money(total), self._fixed["Total"], right=True, style="italic" if gift else "bold"), key=key)
        self._shown = rows
        self._cursor_to(keep)

    def _update_row(self, row: tuple[Any, ...], money: Money) -> None:
        key, _title, qty, unit, disc, total = row
        gift = key.startswith(GIFT)
        self.update_cell(key, "qty", cell(str(qty), self._fixed["Qty"], right=True, style="bold"))
        self.update_cell(key, "unit", cell(money(unit), self._fixed["Unit"], right=True, style="italic" if gift else ""))
        self.update_cell(key, "disc", cell(f"-{money(disc)}" if disc else "", self._fixed["Disc"], right=True))
        self.update_cell(key, "total", cell(money(total), self._fixed["Total"], right=True, style="italic" if gift else "bold"))

    def _cursor_to(self, sku: str | None) -> None:
        if not self.row_count:
            return
        index = self.row_count - 1
        if sku is not None:
            try:
                index = self.get_row_index(sku)
            except Exception:  # the line is gone: keep the cursor where it was, in range
                index = min(self.cursor_row, self.row_count - 1)
        self.move_cursor(row=index, animate=False, scroll=True)
        self._mark()

    def _mark(self) -> None:
        """A ▸ before the selected line, so it shows without colour too (NO_COLOR)."""
        selected = self.selected_key()
        if selected == self._marked:
            return
        for sku, text in ((self._marked, " " * MARK), (selected, "▸" + " " * (MARK - 1))):
            if sku is not None:
                try:
                    self.update_cell(sku, "mark", plain(text, style="bold"))
                except Exception:  # the line is gone
                    pass
        self._marked = selected

    def on_data_table_row_highlighted(self) -> None:
        self._mark()

    def selected_key(self) -> str | None:
        """The row key under the cursor: a SKU, or ``gift:SKU`` for a gift (None: empty basket)."""
        if not self.row_count:
            return None
        try:
            return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)
        except Exception:  # rows being rebuilt
            return None

    def selected_sku(self) -> str | None:
        """The SKU of the basket line under the cursor (None: empty basket, or a gift, which comes with its offer)."""
        key = self.selected_key()
        return None if key is None or key.startswith(GIFT) else key

    def step(self, delta: int) -> None:
        """Move the selection up (-1) or down (+1)."""
        if self.row_count:
            self.move_cursor(row=max(0, min(self.row_count - 1, self.cursor_row + delta)), animate=False)


class TotalsPanel(Vertical):
    """Subtotal, every discount with its explanation, the tax part and the total in large digits."""

    plain: str = ""
    """What the panel shows, as plain text (one figure a line)."""
    _label: str = ""

    def compose(self) -> ComposeResult:
        yield Static("Scan the first item.", id="totals-lines", markup=False)
        with Vertical(id="totals-big"):
            yield Static("TOTAL", id="totals-label", markup=False)
            yield Digits("0.00", id="totals-digits")

    def show(self, basket: Basket, money: Money, currency: str, *, offers: list[Explained] | None = None,
             tax_label: str = "tax") -> None:
        """Draw the totals of ``basket``; ``offers`` are the discounts with their explanation."""
        grid = Table.grid(expand=True, padding=(0, 1, 0, 0))
        grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        grid.add_column(justify="right", no_wrap=True)

        figures: list[str] = []

        def row(label: str, amount: str, style: str = "") -> None:
            grid.add_row(plain(label, style=style), plain(amount, style=style))
            figures.append(f"{label.strip()}  {amount}")

        items = basket.item_count
        row(f"Subtotal ({plural(items, 'item')})", money(basket.subtotal_minor))
        line_discounts = sum(line.line_discount_minor for line in basket.lines)
        if line_discounts:
            row("  incl. line discounts", f"-{money(line_discounts)}")
        for offer in offers or []:
            row(f"  {offer.label}", money(offer.amount_minor), "bold" if offer.offer else "")
        row(f"  incl. {tax_label}", money(basket.tax_minor))
        self.query_one("#totals-lines", Static).update(grid, layout=len(figures) != self.plain.count("\n"))
        self.plain = "\n".join(figures + [f"TOTAL {currency} {money(basket.total_minor)}"])
        label = f"TOTAL {currency}".strip()
        if label != self._label:
            self._label = label
            self.query_one("#totals-label", Static).update(plain(label))
        self.query_one("#totals-digits", Digits).update(money(basket.total_minor))
