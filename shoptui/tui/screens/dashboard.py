"""The dashboard: a grid of KPI cards from every module's dashboard figures (the registry), above them the
strips of sparklines modules offer (``extra["dashboard_spark"]``: the 30-day sales of the analytics screen)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.events import Resize
from textual.message import Message
from textual.widgets import Static
from textual.worker import Worker, WorkerState, get_current_worker

from shoptui.errors import ShopError
from shoptui.tui.screens.base import ShopScreen
from shoptui.tui.text import plain
from shoptui.tui.widgets.kpi import KpiCard
from shoptui.tui.widgets.spark import SparkStrip

if TYPE_CHECKING:
    from shoptui.services.shop import Figure
    from shoptui.tui.widgets.spark import Spark

CARD_WIDTH = 30


class CardGrid(Grid):
    """The cards, as many columns as fit (at least one, at most four)."""

    def on_resize(self, event: Resize) -> None:
        self.styles.grid_size_columns = max(1, min(4, event.size.width // CARD_WIDTH))


class DashboardScreen(ShopScreen):
    """Home: what needs attention today, one card per figure a module registers."""

    LIVE = frozenset({"*"})
    """What another terminal changes that this screen shows (audit entities; see ShopScreen.LIVE)."""

    MODE = "dashboard"

    BINDINGS = [
        Binding("ctrl+r", "refresh", "Refresh", id="dashboard-refresh", tooltip="Read every figure again."),
    ]

    @dataclass
    class FiguresLoaded(Message):
        """Every module's figures were read."""

        figures: list[Figure]

    @dataclass
    class SparksLoaded(Message):
        """Every module's sparkline strip was read."""

        sparks: list[Spark]

    def __init__(self) -> None:
        super().__init__()
        self._cards: dict[str, KpiCard] = {}
        self._filled_once = False

    def compose_body(self) -> ComposeResult:
        from shoptui.tui.widgets.logo import StoreLogo

        # the logo, larger than the top bar's, where the screen has room for it beside the 80x24 layout
        yield StoreLogo(cells=12, rows=3, min_screen_width=100, id="dashboard-logo")
        yield Static("Loading figures…", id="dashboard-status", markup=False)
        yield Vertical(id="sparks")
        yield CardGrid(id="cards")

    def on_mount(self) -> None:
        self.watch(self.shop, "store_problem", self._show_problem, init=False)
        self.shop.notifications_changed.subscribe(self, lambda _: self.load_figures())
        self.call_after_refresh(self.load_figures)  # paint first, then import and query
        self.call_after_refresh(self.load_sparks)

    def on_screen_resume(self) -> None:
        if self._filled_once:
            self.load_figures()
            self.load_sparks()


    def action_refresh(self) -> None:
        """Read the figures (and the store's name and notifications) again."""
        self.shop.reload_shell()
        self.load_figures()
        self.load_sparks()

    @work(thread=True, exclusive=True, group="dashboard", exit_on_error=False)
    def load_figures(self) -> None:
        """Ask every registered module for its figures."""
        from shoptui import db
        from shoptui.services import shop

        with db.read_session(self.shop.db_url) as session:
            figures = shop.all_figures(session=session)
        if not get_current_worker().is_cancelled:
            self.post_message(self.FiguresLoaded(figures))

    @work(thread=True, exclusive=True, group="dashboard-sparks", exit_on_error=False)
    def load_sparks(self) -> None:
        """Ask every module that offers a sparkline strip for it."""
        from shoptui import db, modules

        references = [spec.extra["dashboard_spark"] for spec in modules.all_modules() if spec.extra.get("dashboard_spark")]
        if not references:
            return
        with db.read_session(self.shop.db_url) as session:
            sparks = [modules.load(reference)(session) for reference in references]
        if not get_current_worker().is_cancelled:
            self.post_message(self.SparksLoaded(sparks))

    @on(SparksLoaded)
    async def _show_sparks(self, event: SparksLoaded) -> None:
        box = self.query_one("#sparks", Vertical)
        strips = {strip.spark.key: strip for strip in box.query(SparkStrip)}
        if list(strips) == [s.key for s in event.sparks]:
            for spark in event.sparks:
                strips[spark.key].show(spark)
            return
        await box.remove_children()
        await box.mount_all(SparkStrip(spark, id=_card_id(f"spark-{spark.key}")) for spark in event.sparks)

    @on(FiguresLoaded)
    async def _show_figures(self, event: FiguresLoaded) -> None:
        status = self.query_one("#dashboard-status", Static)
        grid = self.query_one("#cards", Grid)
        keys = [f.key for f in event.figures]
        if keys == list(self._cards):
            for figure in event.figures:
                self._cards[figure.key].show(figure)
        else:
            await grid.remove_children()
            self._cards = {f.key: KpiCard(f, id=_card_id(f.key)) for f in event.figures}
            await grid.mount_all(self._cards.values())
        status.set_class(False, "-problem")
        status.update(plain("" if event.figures else "No figures yet: modules add theirs as they are installed."))
        status.display = not event.figures
        if self.focused is None and self._cards:
            next(iter(self._cards.values())).focus()
        self.loaded(first=not self._filled_once)
        self._filled_once = True

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "dashboard" and event.state == WorkerState.ERROR and not self._cards:
            error = event.worker.error
            self._show_problem(str(error) if isinstance(error, ShopError) else "The figures could not be read.")

    def _show_problem(self, problem: str) -> None:
        if problem and not self._cards:
            status = self.query_one("#dashboard-status", Static)
            status.update(plain(problem))
            status.add_class("-problem")
            status.display = True


def _card_id(key: str) -> str:
    """A widget id from a figure key that a module chose freely (``members.new`` -> ``card-members-new``)."""
    return "card-" + re.sub(r"[^A-Za-z0-9_-]", "-", key)
