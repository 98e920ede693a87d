"""One chart of the analytics screen: a plotext chart, the same figures as a table (t), or a sentence.

When a chart cannot be read it shows its table instead, and says so under its frame:

- with ``NO_COLOR`` the trend's two lines (this period, the previous one) differ only by colour, so the
  trend starts as a table; bar charts have one series and stay charts;
- a panel under :data:`MIN_WIDTH` x :data:`MIN_HEIGHT` cells cannot hold axes and labels: table.

``t`` still switches between the two wherever the operator wants the other one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult, RenderResult
from textual.containers import Vertical
from textual.events import Resize
from textual.reactive import reactive
from textual.widgets import DataTable, Static
from textual_plotext import PlotextPlot

from shoptui.tui.text import plain, shown

if TYPE_CHECKING:
    from shoptui.tui.screens.analytics.data import ChartData

MIN_WIDTH = 34
"""Columns under which a panel shows its table instead of a chart."""
MIN_HEIGHT = 9
"""Rows under which a panel shows its table instead of a chart."""
LABEL_WIDTH = 14
"""Bar labels are cut to this many columns (product titles are long)."""
TICKS = 6
"""Labels along the trend's time axis (at most)."""


def short(label: str, width: int = LABEL_WIDTH) -> str:
    """A bar label cut to ``width`` terminal cells with … (Chinese characters take two)."""
    if cell_len(label) <= width:
        return label
    out = ""
    for char in label:
        if cell_len(out + char) > width - 1:
            break
        out += char
    return out + "…"


class ChartPlot(PlotextPlot):
    """A plotext chart that stays inside its frame with wide (Chinese) labels.

    plotext lays a bar chart's labels out by characters, so a label of Chinese characters pushes its row
    to the right by one cell a character. Such a row has that many spaces of padding on its left (the
    labels are right-aligned), which are taken off; a row is never wrapped.
    """

    def render(self) -> RenderResult:
        drawn = super().render()
        if not isinstance(drawn, Text):
            return drawn
        width = self.size.width
        rows = []
        for row in drawn.split("\n", allow_blank=True):
            excess = row.cell_len - width
            if excess > 0:
                lead = len(row.plain) - len(row.plain.lstrip(" "))
                row = row[min(excess, lead):]
            row.truncate(width)
            rows.append(row)
        return Text("\n", no_wrap=True, overflow="crop").join(rows)


class ChartPanel(Vertical, can_focus=True):
    """A chart with its title in the frame; ``show(data)`` draws it, :attr:`table` switches to the table."""

    table: reactive[bool | None] = reactive(None)
    """The operator's choice: True table, False chart, None as fits (see the module's doc)."""

    def __init__(self, chart: str, title: str, **kwargs: Any) -> None:
        super().__init__(id=f"panel-{chart}", **kwargs)
        self.chart = chart
        self.data: ChartData | None = None
        self.border_title = title
        self.mode = "note"
        """What is shown now: ``chart``, ``table`` or ``note`` (loading, nothing in the period)."""
        self._filled: ChartData | None = None
        """The figures the table holds (a DataTable of hundreds of rows costs its layout even when hidden)."""

    def compose(self) -> ComposeResult:
        yield Static(plain("Loading…"), classes="panel-note", markup=False)
        yield ChartPlot(classes="panel-plot")
        yield DataTable(classes="panel-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one(PlotextPlot).display = False
        self.query_one(DataTable).display = False

    def show(self, data: ChartData) -> None:
        """Show new figures."""
        self.data = data
        self.border_title = plain(data.title)
        self._redraw()

    def show_loading(self) -> None:
        """Say the figures are being read (the old ones stay until the new ones come)."""
        if self.data is None:
            self._set_mode("note", "Loading…")

    def watch_table(self, _: bool | None) -> None:
        self._redraw()

    def on_resize(self, event: Resize) -> None:
        self._redraw()

    def wants_table(self) -> tuple[bool, str]:
        """Whether the table is shown and why (the frame's subtitle)."""
        if self.table is not None:
            return self.table, "t: chart" if self.table else "t: table"
        width, height = self.size
        if width and height and (width < MIN_WIDTH or height < MIN_HEIGHT):
            return True, "too small for a chart · t: chart"
        if self.app.no_color and self.data is not None and self.data.kind == "line":
            return True, "no colour to tell two lines apart · t: chart"
        return False, "t: table"

    def _redraw(self) -> None:
        if not self.is_mounted:
            return
        data = self.data
        if data is None:
            self._set_mode("note", "Loading…")
            return
        if data.empty:
            self._set_mode("note", data.empty_text)
            self.border_subtitle = ""
            return
        table, why = self.wants_table()
        self.border_subtitle = why
        if table:
            self._set_mode("table")
        else:
            self._set_mode("chart")
            self._plot(data)

    def _set_mode(self, mode: str, note: str = "") -> None:
        self.mode = mode
        note_widget = self.query_one(".panel-note", Static)
        note_widget.display = mode == "note"
        if mode == "note":
            note_widget.update(plain(note))
        if mode == "table" and self.data is not None and self._filled is not self.data:
            self._fill_table(self.data)
            self._filled = self.data
        self.query_one(PlotextPlot).display = mode == "chart"
        self.query_one(DataTable).display = mode == "table"

    def _fill_table(self, data: ChartData) -> None:
        table = self.query_one(DataTable)
        table.clear(columns=True)
        for index, column in enumerate(data.columns):
            table.add_column(plain(column, justify="left" if index == 0 else "right"), key=f"c{index}")
        for row in data.rows:
            table.add_row(*(plain(value, justify="left" if index == 0 else "right") for index, value in
                            enumerate(row)))

    def _plot(self, data: ChartData) -> None:
        widget = self.query_one(PlotextPlot)
        plt = widget.plt
        plt.clear_figure()
        scale = 10 ** self._digits() if data.money else 1
        if data.kind == "line":
            xs = list(range(1, len(data.values) + 1))
            plt.plot(xs, [v / scale for v in data.values], label="this period", marker="braille")
            if data.previous is not None:
                plt.plot(xs, [v / scale for v in data.previous], label="previous", marker="braille")
            step = max(1, -(-len(xs) // TICKS))
            ticks = xs[::step]
            plt.xticks([float(x) for x in ticks], [_tick(data.labels[x - 1]) for x in ticks])
        else:
            # plotext draws the first bar lowest; control characters (an ESC in a title) shown, never sent
            labels = [short(shown(label)) for label in reversed(data.labels)]
            cells = max(cell_len(label) for label in labels)  # as many characters as cells: room to take off
            labels = [" " * (cells - len(label)) + label for label in labels]
            plt.bar(labels, [v / scale for v in reversed(data.values)], orientation="horizontal", width=1 / 2)
        widget.refresh()

    def _digits(self) -> int:
        view = getattr(self.app, "store_view", None)
        return int(getattr(view, "digits", 2))


def _tick(key: str) -> str:
    """A time key as an axis label: ``2026-12-07`` -> ``12-07``; weeks and months as they are."""
    return key[5:] if len(key) == 10 else key
