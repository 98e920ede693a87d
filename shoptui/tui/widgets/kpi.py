"""A KPI card of the dashboard: title, value, a line of detail; coloured by severity."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual.binding import Binding
from textual.events import Click
from textual.widgets import Static

from shoptui.tui.text import plain

if TYPE_CHECKING:
    from shoptui.services.shop import Figure
    from shoptui.tui.app import ShopApp

SEVERITIES = ("normal", "good", "warning", "error")


class KpiCard(Static, can_focus=True):
    """One dashboard figure; enter (or a click) opens the screen that explains it."""

    DEFAULT_CSS = """
    KpiCard { width: 1fr; height: 4; border: round $primary; padding: 0 1; content-align: left middle; }
    KpiCard:focus { border: heavy $accent; }
    KpiCard.-good { border: round $success; }
    KpiCard.-warning { border: round $warning; }
    KpiCard.-error { border: round $error; }
    KpiCard:focus.-good, KpiCard:focus.-warning, KpiCard:focus.-error { border: heavy $accent; }
    """

    BINDINGS = [
        Binding("enter", "open", "Open", id="card-open", tooltip="Open the screen behind this figure."),
    ]

    def __init__(self, figure: Figure, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.figure = figure
        self.show(figure)

    def show(self, figure: Figure) -> None:
        """Show a (new) value of the figure."""
        self.figure = figure
        self.border_title = plain(figure.title)
        value = plain(figure.value, style="bold")
        if figure.detail:
            value.append("\n")
            value.append(figure.detail, style="dim")
        self.update(value)
        for severity in SEVERITIES:
            self.set_class(figure.severity == severity, f"-{severity}")
        self.tooltip = f"{figure.title}: {figure.value} {figure.detail}".strip()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open":
            app = cast("ShopApp", self.app)
            return any(entry.mode == self.figure.mode for entry in app.screen_entries)
        return True

    async def action_open(self) -> None:
        """Go to the figure's screen."""
        if self.figure.mode:
            await cast("ShopApp", self.app).action_go(self.figure.mode)

    async def on_click(self, event: Click) -> None:
        event.stop()
        await self.action_open()
