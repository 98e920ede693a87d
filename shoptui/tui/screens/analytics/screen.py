"""The analytics screen (ctrl+u): the sales trend with the previous period, best sellers (or any breakdown),
sales by region and traffic by source, drawn in the terminal with plotext.

- ``p`` picks the period (today, 7 days, 30 days, this month, last month, this year, custom from/to; ``c`` asks
  for a custom one at once) and
  ``b`` the breakdown of the second chart (best sellers by default; categories, channels, provinces, ...).
- ``1``-``4`` (or ``[`` / ``]``) pick the chart. Where the terminal is large (140x40 and more) the four show
  at once in a grid and the keys move between them; smaller, one chart fills the body.
- ``t`` shows the chart's figures as a table (and back); ``e`` writes its whole report to a CSV or XLSX
  file through the reports' export and says where.
- ``NO_COLOR`` and panels too small for axes fall back to tables (see ``panel.py``).

The figures are read in workers, one per chart, the chart shown first (its worker starts first); they are
the reports behind ``shoptui report sales`` / ``report traffic`` (``data.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal
from textual.events import DescendantFocus, Resize, ScreenResume, ScreenSuspend
from textual.message import Message
from textual.widgets import Input, Select, Static
from textual.worker import get_current_worker

from shoptui.errors import InvalidInput
from shoptui.tui.screens.analytics.data import BREAKDOWNS, CHARTS, ChartData
from shoptui.tui.screens.analytics.panel import ChartPanel
from shoptui.tui.screens.analytics.periods import MAX_DAYS, PERIODS, Period, period
from shoptui.tui.screens.base import ShopScreen
from shoptui.tui.text import plain
from shoptui.tui.widgets.form import Field, FormDialog
from shoptui.wording import plural

GRID_WIDTH = 140
"""App columns from which the four charts show at once (with :data:`GRID_HEIGHT` rows)."""
GRID_HEIGHT = 40
"""App rows from which the four charts show at once."""


class AnalyticsScreen(ShopScreen):
    """Charts of sales and traffic over a period; each with its table and export."""

    MODE = "analytics"
    AUTO_FOCUS = "#panel-trend"
    """Focus starts on the first chart (the pickers are p and b), so t and e act on it at once."""
    LIVE = frozenset({"order", "refund", "return", "traffic"})

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "pick_period", "Period", id="analytics-period", tooltip="Pick the period the charts cover."),
        Binding("c", "custom_period", "Custom", show=False, id="analytics-custom",
                tooltip="Pick a custom period: its first and last day."),
        Binding("b", "pick_breakdown", "Breakdown", id="analytics-breakdown",
                tooltip="Pick what the second chart breaks sales down by (best sellers, categories, channels...)."),
        Binding("t", "toggle_table", "Table", id="analytics-table",
                tooltip="Show the chart's figures as a table, or the chart again."),
        Binding("e", "export", "Export", id="analytics-export",
                tooltip="Write the chart's whole report to a CSV or XLSX file."),
        Binding("1", "show_chart(0)", "Trend", show=False, id="analytics-chart-1", tooltip="The sales trend."),
        Binding("2", "show_chart(1)", "Breakdown", show=False, id="analytics-chart-2",
                tooltip="Sales by the breakdown picked (best sellers at first)."),
        Binding("3", "show_chart(2)", "Regions", show=False, id="analytics-chart-3", tooltip="Sales by region."),
        Binding("4", "show_chart(3)", "Traffic", show=False, id="analytics-chart-4", tooltip="Traffic by source."),
        Binding("right_square_bracket", "next_chart(1)", "Next chart", id="analytics-next",
                tooltip="The next chart (] ; [ goes back)."),
        Binding("left_square_bracket", "next_chart(-1)", "Previous chart", show=False, id="analytics-previous",
                tooltip="The previous chart."),
        Binding("ctrl+r", "refresh", "Refresh", id="analytics-refresh", tooltip="Read every chart again."),
    ]

    @dataclass
    class ChartLoaded(Message):
        """One chart's figures were read (``serial``: the request they answer; older ones are dropped)."""

        serial: int
        data: ChartData

    @dataclass
    class FirstRead(Message):
        """The chart shown first was read (or its read failed): the others may be read now."""

        serial: int

    def __init__(self) -> None:
        super().__init__()
        self.period_key = "30d"
        self.custom: tuple[date, date] | None = None
        self.breakdown = BREAKDOWNS[0][0]
        self.current = 0
        """The chart shown (one at a time) or focused (the grid): an index of :data:`CHARTS`."""
        self.serial = 0
        self.period: Period | None = None
        """The period of the figures on screen (None until the first chart is read)."""
        self._first = True
        self._wanted: dict[str, int] = {}
        """The newest request of each chart (an answer to an older one is dropped)."""
        self._rest: tuple[int, list[str]] = (0, [])
        """The request whose other charts wait for its first one, and those charts."""
        self._was_suspended = False
        """True once another screen was shown over this one (its styles may be behind the app's since)."""

    # ------------------------------------------------------------ layout

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="an-controls"):
            yield Select([(label, key) for key, label in PERIODS], value=self.period_key, allow_blank=False,
                         id="an-period", compact=True, tooltip="The period (p).")
            yield Select([(label, key) for key, label in BREAKDOWNS], value=self.breakdown, allow_blank=False,
                         id="an-breakdown", compact=True, tooltip="What the second chart breaks sales down by (b).")
            yield Static("", id="an-status", markup=False)
        single = self._single_at(self.app.size.width, self.app.size.height)
        with Grid(id="an-charts", classes="-single" if single else ""):  # laid out once, not restyled at mount
            for index, (key, title) in enumerate(CHARTS):
                panel = ChartPanel(key, title)
                panel.display = not single or index == self.current
                yield panel

    @property
    def panels(self) -> list[ChartPanel]:
        """The four panels, in the order of :data:`CHARTS`."""
        return list(self.query(ChartPanel))

    def on_mount(self) -> None:
        self.load_all()  # the layout is composed for the app's size; AUTO_FOCUS focuses the first chart

    def on_resize(self, event: Resize) -> None:
        self._layout(self.app.size.width, self.app.size.height)

    @property
    def single(self) -> bool:
        """True when one chart fills the body (the terminal is too small for the grid of four)."""
        return self.query_one("#an-charts", Grid).has_class("-single")

    @staticmethod
    def _single_at(width: int, height: int) -> bool:
        return width < GRID_WIDTH or height < GRID_HEIGHT

    def _layout(self, width: int, height: int) -> None:
        single = self._single_at(width, height)
        grid = self.query_one("#an-charts", Grid)
        if grid.has_class("-single") != single:  # a class change restyles every chart
            grid.set_class(single, "-single")
        for index, panel in enumerate(self.panels):
            panel.display = not single or index == self.current

    # ------------------------------------------------------------ loading

    def load_all(self) -> None:
        """Read every chart again: the one shown first and alone, the others once it is drawn.

        On a big store the reports' reads and the drawing share one interpreter: four readers at once
        slowed the shown chart (and the screen's own first layout) to the pace of all four, so the others
        wait for :class:`FirstRead` and the refresh that paints the first."""
        self.serial += 1
        for index, panel in enumerate(self.panels):
            panel.show_loading()
            self._wanted[CHARTS[index][0]] = self.serial
        self._rest = (self.serial, [CHARTS[i][0] for i in range(len(CHARTS)) if i != self.current])
        self.load_chart(CHARTS[self.current][0], self.serial, self.period_key, self.custom, self.breakdown,
                        first=True)
        self._say("Reading the figures…")

    @on(FirstRead)
    def _first_read(self, event: FirstRead) -> None:
        self.call_after_refresh(self._load_rest, event.serial)

    def _load_rest(self, serial: int) -> None:
        """Read the charts not shown first (once that one is drawn, or its read failed)."""
        wanted, charts = self._rest
        if wanted != serial:
            return  # a newer request is on its way and reads them itself
        self._rest = (0, [])
        for chart in charts:
            self.load_chart(chart, serial, self.period_key, self.custom, self.breakdown)

    def load_one(self, chart: str) -> None:
        """Read one chart again (the breakdown changed)."""
        self.serial += 1
        self._wanted[chart] = self.serial
        self.load_chart(chart, self.serial, self.period_key, self.custom, self.breakdown)

    @work(thread=True, exit_on_error=False, group="analytics")
    def load_chart(self, chart: str, serial: int, period_key: str, custom: tuple[date, date] | None,
                   breakdown: str, *, first: bool = False) -> None:
        """Read one chart's report (in a worker); ``first``: the others follow once it is drawn."""
        from shoptui import db
        from shoptui.services import shop
        from shoptui.tui.screens.analytics import data
        from shoptui.tui.store_view import current

        try:
            with db.read_session(self.shop.db_url) as session:
                view = current(self.app, session)
                start, end = custom if custom else (None, None)
                chosen = period(period_key, shop.local_today(view.tz), start, end)
                figures = data.load_chart(session, view, chart=chart, period=chosen, breakdown=breakdown,
                                          actor=self.shop.actor)
            if not get_current_worker().is_cancelled:
                self.post_message(self.ChartLoaded(serial, figures))
        finally:
            if first:  # after the chart (or the error the app shows): the others are read either way
                self.post_message(self.FirstRead(serial))

    @on(ChartLoaded)
    def _chart_loaded(self, event: ChartLoaded) -> None:
        if event.serial < self._wanted.get(event.data.chart, 0):
            return
        panel = self.query_one(f"#panel-{event.data.chart}", ChartPanel)
        panel.show(event.data)
        self.period = event.data.period
        self._say(event.data.period.label)
        if panel.display:
            self.loaded(first=self._first)
            self._first = False

    @on(ScreenSuspend)
    def _suspended(self) -> None:
        self._was_suspended = True

    @on(ScreenResume)
    def _styled_already(self, event: ScreenResume) -> None:
        """A screen never suspended was styled as its widgets mounted, from the stylesheet as it is: Textual's
        restyle of every widget on resume (twice on a first visit) is skipped then (runs before its handler)."""
        if not self._was_suspended:
            event.refresh_styles = False

    def on_screen_resume(self) -> None:
        if not self._first:
            self.load_all()

    def _say(self, text: str) -> None:
        self.query_one("#an-status", Static).update(plain(text))

    # ------------------------------------------------------------ pickers

    @on(Select.Changed, "#an-period")
    def _period_changed(self, event: Select.Changed) -> None:
        key = str(event.value)
        if key == self.period_key and key != "custom":
            return
        if key == "custom":
            self.action_custom_period()
            return
        self.period_key = key
        self.load_all()

    def action_custom_period(self) -> None:
        """Ask for a custom period (from, to)."""
        self.app.push_screen(CustomPeriodForm(self.custom or self._period_days()), self._custom_chosen)

    def _period_days(self) -> tuple[date, date] | None:
        return (self.period.start, self.period.end) if self.period else None

    def _custom_chosen(self, result: tuple[date, date] | None) -> None:
        if result is None:  # cancelled: the picker shows the period still on screen
            with self.prevent(Select.Changed):
                self.query_one("#an-period", Select).value = self.period_key
            return
        self.period_key, self.custom = "custom", result
        with self.prevent(Select.Changed):
            self.query_one("#an-period", Select).value = "custom"
        self.load_all()

    @on(Select.Changed, "#an-breakdown")
    def _breakdown_changed(self, event: Select.Changed) -> None:
        if str(event.value) == self.breakdown:
            return
        self.breakdown = str(event.value)
        self.action_show_chart(1)
        self.panels[1].show_loading()
        self.load_one("breakdown")

    def action_pick_period(self) -> None:
        """Open the period picker."""
        picker = self.query_one("#an-period", Select)
        picker.focus()
        picker.action_show_overlay()

    def action_pick_breakdown(self) -> None:
        """Open the breakdown picker."""
        picker = self.query_one("#an-breakdown", Select)
        picker.focus()
        picker.action_show_overlay()

    # ------------------------------------------------------------ charts

    def action_show_chart(self, index: int) -> None:
        """Show (or, in the grid, move to) chart ``index``."""
        self.current = index % len(CHARTS)
        self._layout(self.app.size.width, self.app.size.height)
        self.panels[self.current].focus()

    def action_next_chart(self, step: int) -> None:
        """The next (1) or previous (-1) chart."""
        self.action_show_chart(self.current + step)

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        panel = next((node for node in event.widget.ancestors_with_self if isinstance(node, ChartPanel)), None)
        if panel is not None:
            self.current = self.panels.index(panel)

    def current_panel(self) -> ChartPanel:
        """The chart shown or focused."""
        return self.panels[self.current]

    def action_toggle_table(self) -> None:
        """The chart's table, or the chart again."""
        panel = self.current_panel()
        shown_table = panel.mode == "table"
        panel.table = not shown_table

    def action_refresh(self) -> None:
        """Read every chart again."""
        self.load_all()

    def action_export(self) -> None:
        """Write the chart's whole report to a file (CSV or XLSX by its name)."""
        panel = self.current_panel()
        if panel.data is None:
            self.shop.announce("The figures are still being read; export once the chart is shown.", "warning")
            return
        figures = panel.data
        name = "traffic-by-source" if figures.chart == "traffic" else f"sales-by-{figures.breakdown}"
        suggestion = str(Path("~") / f"{name}-{figures.period.slug}.csv")

        def done(result: Exported | None) -> None:
            if result is not None:
                self.shop.announce(f"Wrote {plural(result.rows, 'row')} of {figures.title.lower()} "
                                   f"({figures.period.label}) to {result.path}.")

        self.app.push_screen(ExportForm(figures, suggestion), done)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("toggle_table", "export"):
            return self.current_panel().data is not None
        return True


@dataclass(frozen=True)
class Exported:
    """A report written to a file."""

    path: Path
    rows: int


class CustomPeriodForm(FormDialog):
    """A period of store days, from and to (both included)."""

    TITLE_TEXT = "Custom period"
    SAVE_LABEL = "show it"
    DEFAULT_FIELD = "start"
    FIELD_NAMES: ClassVar[dict[str, str]] = {"end": "end", "start": "start"}

    def __init__(self, days: tuple[date, date] | None) -> None:
        super().__init__("Whole store days, both included, like 2026-11-01.")
        self.days = days

    def fields(self) -> list[Field]:
        start, end = self.days or (None, None)
        return [
            Field("start", "From", Input(str(start or ""), placeholder="2026-11-01", id="f-start")),
            Field("end", "To", Input(str(end or ""), placeholder="2026-11-30", id="f-end")),
        ]

    def save(self, values: dict[str, Any]) -> tuple[date, date]:
        from shoptui.services import shop

        start = shop.parse_day(values["start"], field="first day", name="start")
        end = shop.parse_day(values["end"], field="last day", name="end")
        if start is None:
            raise InvalidInput("Type the first day of the period, like 2026-11-01.", field="start")
        if end is None:
            raise InvalidInput("Type the last day of the period, like 2026-11-30.", field="end")
        if end < start:
            raise InvalidInput(f"The last day {end} is before the first day {start}; swap them.", field="end")
        if (end - start).days + 1 > MAX_DAYS:
            raise InvalidInput(f"{start} to {end} is {(end - start).days + 1:,} days; pick at most {MAX_DAYS:,} "
                               "(about ten years).", field="end")
        return start, end


class ExportForm(FormDialog):
    """The chart's whole report as a CSV or XLSX file (by the name's ending), never over an existing file."""

    SAVE_LABEL = "write the file"
    DEFAULT_FIELD = "path"

    def __init__(self, figures: ChartData, suggestion: str) -> None:
        super().__init__("Every row of the report, not only the bars shown. A name ending in .xlsx writes a "
                         "spreadsheet, .csv a CSV file. A file that exists is never overwritten.")
        self.figures = figures
        self.suggestion = suggestion

    def title_text(self) -> str:
        return f"Export {self.figures.title.lower()}"

    def fields(self) -> list[Field]:
        return [Field("path", "File", Input(self.suggestion, placeholder="~/sales.csv", id="f-path"))]

    def save(self, values: dict[str, Any]) -> Exported:
        from shoptui import db
        from shoptui.tui.screens.analytics import data

        path = export_path(values["path"])
        with db.read_session(self.shop.db_url) as session:
            rows = data.export(session, chart=self.figures.chart, breakdown=self.figures.breakdown,
                               period=self.figures.period, path=path, actor=self.shop.actor)
        return Exported(path, rows)


def export_path(raw: str) -> Path:
    """The file an export writes: a new ``.csv`` or ``.xlsx`` in a folder that exists (InvalidInput else)."""
    text = raw.strip()
    if not text:
        raise InvalidInput("Type the file to write, like ~/sales.csv or ~/sales.xlsx.", field="path")
    path = Path(text).expanduser()
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise InvalidInput(f"{path.name} ends in neither .csv nor .xlsx; name the file sales.csv or sales.xlsx.",
                           field="path")
    if path.exists():
        raise InvalidInput(f"{path} already exists; pick a new name so nothing is overwritten.", field="path")
    if not path.parent.is_dir():
        raise InvalidInput(f"The folder {path.parent} does not exist.", field="path")
    return path

