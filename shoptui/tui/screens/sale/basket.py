"""The sale screen's basket table and totals panel: what the customer is buying and what it costs.

Both only draw a :class:`~shoptui.services.sales.counter.Basket` they are given (plain frozen data); they
never query. Money is shown without the currency sign, the currency code once on the total.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.geometry import Region, Size, Spacing
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Digits, Static

from shoptui.tui.text import cell, plain
from shoptui.wording import plural

if TYPE_CHECKING:
    from shoptui.services.sales import Basket

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


class BasketTable(ScrollView, can_focus=False):
    """The basket's lines under a header, one row per SKU (the row key); the cursor row is the selected line.

    A line-API widget, not a DataTable: a DataTable renders every cell of every row again after any change
    (its caches are keyed on one update counter and on the cursor), which cost the sale screen most of a
    frame per scan. Here each row's line is cached with what it was drawn from (its figures, stripe, whether
    it is selected, the width), so a scan renders only the rows it changed and repaints only their lines.
    It never takes the keyboard focus: the scan field keeps it, and the screen moves the cursor (a click
    on a line selects it too).
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"basket--header", "basket--even-row", "basket--odd-row", "basket--cursor"}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._title_width = 0
        self._fixed: dict[str, int] = dict(FIXED)
        self._keys: list[str] = []
        """Row keys in order: a SKU, or ``gift:SKU``."""
        self._shown: list[tuple[Any, ...]] = []
        """What each row shows: key, title, quantity, unit price, discount, line total."""
        self._cells: dict[str, list[Text]] = {}
        """Each row's cells after the mark column."""
        self._lines: dict[str, tuple[tuple[int, bool, int], Strip]] = {}
        """Each row's drawn line, with (stripe, selected, width) it was drawn for."""
        self._header: tuple[int, Strip] | None = None
        self._cursor = 0
        self._basket: Basket | None = None
        self._money: Money = str

    @property
    def row_count(self) -> int:
        """How many rows (basket lines and gifts)."""
        return len(self._keys)

    @property
    def cursor_row(self) -> int:
        """The index of the selected row (0 when empty)."""
        return self._cursor

    # ------------------------------------------------------------ columns

    def _widths(self) -> tuple[int, dict[str, int]]:
        """The title's width and the fixed columns' widths: on a narrow body the SKU gives up room first."""
        fixed = dict(FIXED)
        room = self.size.width - sum(fixed.values()) - MARK - 1
        if room < MIN_TITLE:
            give = min(MIN_TITLE - room, fixed["SKU"] - MIN_SKU)
            fixed["SKU"] -= give
            room += give
        return max(MIN_TITLE_NARROW, room), fixed

    def _table_width(self) -> int:
        return MARK + self._title_width + sum(self._fixed.values())

    def _row_cells(self, row: tuple[Any, ...]) -> list[Text]:
        key, title, qty, unit, disc, total = row
        fixed, money = self._fixed, self._money
        style = "italic" if key.startswith(GIFT) else ""
        return [cell(title, self._title_width, style=style), cell(key.removeprefix(GIFT), fixed["SKU"], style=style),
                cell(str(qty), fixed["Qty"], right=True, style="bold"),
                cell(money(unit), fixed["Unit"], right=True, style=style),
                cell(f"-{money(disc)}" if disc else "", fixed["Disc"], right=True),
                cell(money(total), fixed["Total"], right=True, style="italic" if style else "bold")]

    # ------------------------------------------------------------ drawing the basket

    def on_resize(self) -> None:
        if self._basket is not None:
            self.show(self._basket, self._money, force=True)

    def notify_style_update(self) -> None:
        """A theme or pseudo-class change restyles the rows: every line is drawn again."""
        super().notify_style_update()
        self._lines.clear()
        self._header = None

    def show(self, basket: Basket, money: Money, *, select: str | None = None, force: bool = False) -> None:
        """Draw the basket (only the rows that changed), then put the cursor on ``select`` (a SKU) if given."""
        self._basket, self._money = basket, money
        keep = select or self.selected_key()
        width, fixed = self._widths()
        if force or width != self._title_width or fixed != self._fixed:
            self._title_width, self._fixed = width, fixed
            self._shown, self._keys = [], []
            self._cells.clear()
            self._lines.clear()
            self._header = None
            self.refresh()
        rows = [(line.sku, line.title, line.quantity, line.unit_price_minor, line.line_discount_minor,
                 line.line_total_minor) for line in basket.lines]
        rows += [(f"{GIFT}{gift.sku}", f"(gift) {gift.title}", gift.quantity, 0, 0, 0) for gift in basket.gifts]
        if rows != self._shown:
            before = dict(zip(self._keys, self._shown, strict=True))
            places = {key: n for n, key in enumerate(self._keys)}
            dirty = set(range(len(rows), len(self._keys)))  # rows gone from the end: drawn blank
            for n, row in enumerate(rows):
                key = row[0]
                if before.get(key) != row:
                    self._cells[key] = self._row_cells(row)
                    self._lines.pop(key, None)
                    dirty.add(n)
                elif places.get(key) != n:
                    dirty.add(n)
            keys = [row[0] for row in rows]
            for key in set(self._keys).difference(keys):
                self._cells.pop(key, None)
                self._lines.pop(key, None)
            self._keys, self._shown = keys, rows
            self._refresh_rows(dirty)
        self._grow_to(Size(self._table_width(), len(self._keys) + 1))  # the header and the rows
        self._cursor_to(keep)

    def _grow_to(self, size: Size) -> None:
        """Make the scrollable size ``size``. A line more or less changes only what scrolls, not the screen's
        layout: while the scroll bars stay as they are (the rows still fit, or still overflow), the size is set
        without the layout of the whole screen that setting ``virtual_size`` asks for (that layout cost more than
        the rest of drawing a scan); else it is set as usual."""
        before = self.virtual_size
        if before == size:
            return
        height = self.container_size.height
        if not self.is_mounted or not height or before.width != size.width or (
                (before.height > height) != (size.height > height)):
            self.virtual_size = size
            return
        self.set_reactive(BasketTable.virtual_size, size)
        if size.height > height:  # the bar is shown: its thumb follows the new length
            self.vertical_scrollbar.window_virtual_size = size.height
        self.refresh()

    def _refresh_rows(self, rows: set[int]) -> None:
        """Repaint the lines of these rows (those on screen), nothing else."""
        top, height = int(self.scroll_y), self.size.height
        width = max(self.size.width, self.virtual_size.width)
        for n in rows:
            y = n + 1 - top
            if 1 <= y < height:
                self.refresh(Region(0, y, width, 1))

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        if not self._title_width:  # no basket drawn yet
            return Strip.blank(width, self.rich_style)
        if y == 0:
            line = self._header_line()
        else:
            n = y - 1 + scroll_y
            if n >= len(self._keys):
                return Strip.blank(width, self.rich_style)
            line = self._row_line(n)
        return line.crop(scroll_x, scroll_x + width).adjust_cell_length(width, self.rich_style)

    def _header_line(self) -> Strip:
        width = self.size.width
        if self._header is None or self._header[0] != width:
            cells = [plain(" " * MARK), cell("Item", self._title_width)]
            cells += [cell(label, w, right=label != "SKU") for label, w in self._fixed.items()]
            style = self.get_component_styles("basket--header").rich_style
            self._header = width, self._strip(cells, style, Style.null(), style)
        return self._header[1]

    def _row_line(self, n: int) -> Strip:
        key = self._keys[n]
        stamp = (n % 2, n == self._cursor, self.size.width)
        drawn = self._lines.get(key)
        if drawn is not None and drawn[0] == stamp:
            return drawn[1]
        stripe, selected, _ = stamp
        style = self.get_component_styles("basket--odd-row" if stripe else "basket--even-row").rich_style
        cursor = self.get_component_rich_style("basket--cursor") if selected else Style.null()
        # as DataTable draws a row cursor: its colours over the stripe, its foreground over the cell's own
        mark = plain("▸" + " " * (MARK - 1) if selected else " " * MARK, style="bold")
        line = self._strip([mark, *self._cells[key]], style + cursor, Style.from_color(color=cursor.color), style + cursor)
        self._lines[key] = stamp, line
        return line

    def _strip(self, cells: list[Text], pre: Style, post: Style, fill: Style) -> Strip:
        """One line of cells, the rest of the width filled in ``fill``."""
        console = self.app.console
        drawn: list[Segment] = []
        for text in cells:
            if text.spans or not text.style:
                drawn.extend(text.render(console))
            else:  # Text.render leaves out the style of a Text without spans
                drawn.append(Segment(text.plain, console.get_style(text.style)))
        segments = list(Segment.apply_style(drawn, pre, post))
        rest = self.size.width - self._table_width()
        if rest > 0:
            segments.append(Segment(" " * rest, fill))
        return Strip(segments).simplify()

    # ------------------------------------------------------------ the selection

    def _cursor_to(self, sku: str | None) -> None:
        if not self._keys:
            self._cursor = 0
            return
        index = len(self._keys) - 1
        if sku is not None:
            index = self._keys.index(sku) if sku in self._keys else min(self._cursor, len(self._keys) - 1)
        self._move(index)

    def _move(self, index: int) -> None:
        if index != self._cursor:
            self._refresh_rows({self._cursor, index})
            self._cursor = index
        self.scroll_to_region(Region(0, index + 1, 1, 1), spacing=Spacing(top=1), animate=False, force=True,
                              x_axis=False)

    def on_click(self, event: events.Click) -> None:
        """A click on a line selects it."""
        n = event.y - 1 + int(self.scroll_y)
        if event.y >= 1 and 0 <= n < len(self._keys):
            self._move(n)

    def selected_key(self) -> str | None:
        """The row key under the cursor: a SKU, or ``gift:SKU`` for a gift (None: empty basket)."""
        return self._keys[self._cursor] if self._cursor < len(self._keys) else None

    def selected_sku(self) -> str | None:
        """The SKU of the basket line under the cursor (None: empty basket, or a gift, which comes with its offer)."""
        key = self.selected_key()
        return None if key is None or key.startswith(GIFT) else key

    def step(self, delta: int) -> None:
        """Move the selection up (-1) or down (+1)."""
        if self._keys:
            self._move(max(0, min(len(self._keys) - 1, self._cursor + delta)))


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
        lines = self.query_one("#totals-lines", Static)
        lines.update(grid, layout=_rows_shown(lines, len(figures)) != _rows_shown(lines, self.plain.count("\n")))
        self.plain = "\n".join(figures + [f"TOTAL {currency} {money(basket.total_minor)}"])
        label = f"TOTAL {currency}".strip()
        if label != self._label:
            self._label = label
            self.query_one("#totals-label", Static).update(plain(label))
        self.query_one("#totals-digits", Digits).update(money(basket.total_minor))


def _rows_shown(widget: Static, rows: int) -> int | None:
    """How many rows ``widget`` takes for content of ``rows`` lines: its height as its styles bound it (min and
    max height in cells); None when its height does not follow its content (a fraction of the panel, or a
    fixed height). A new content needs a layout of the screen only when this changes."""
    styles = widget.styles
    if styles.height is not None and not styles.height.is_auto:
        return None
    low = styles.min_height.cells if styles.min_height is not None else None
    high = styles.max_height.cells if styles.max_height is not None else None
    return max(low or 0, min(rows, high if high is not None else rows))

