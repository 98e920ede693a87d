"""The store's logo, drawn in coloured half-cells where the terminal shows pictures (the same drawing as a
product's cover: ``screens/catalog/image.py::picture``), hidden when there is no logo, no colour, or no room."""

from __future__ import annotations

from typing import Any

from textual import work
from textual.widgets import Static


class StoreLogo(Static):
    """The logo in ``cells`` columns by ``rows`` lines; hidden while the app's ``logo_path`` is empty or the
    screen is narrower than ``min_screen_width``."""

    DEFAULT_CSS = """
    StoreLogo { display: none; height: 1; width: 4; padding: 0; }
    StoreLogo.-shown { display: block; }
    """

    def __init__(self, *, cells: int = 4, rows: int = 1, min_screen_width: int = 60, **kwargs: Any) -> None:
        super().__init__("", markup=False, **kwargs)
        self.cells, self.rows, self.min_screen_width = cells, rows, min_screen_width
        self._drawn = ""

    def on_mount(self) -> None:
        self.styles.width = self.cells
        self.styles.height = self.rows
        self.watch(self.app, "logo_path", self._show)

    def on_resize(self) -> None:
        self._show(getattr(self.app, "logo_path", ""))

    def _show(self, path: str) -> None:
        from shoptui.tui.screens.catalog.image import pictures_enabled

        room = self.app.size.width >= self.min_screen_width
        wanted = bool(path) and pictures_enabled() and room
        self.set_class(wanted, "-shown")
        if wanted and path != self._drawn:
            self._drawn = path
            self.draw(path)

    @work(thread=True, exclusive=True, group="store-logo", exit_on_error=False)
    def draw(self, path: str) -> None:
        """Decode and scale off the UI thread; a file that will not decode leaves the logo hidden."""
        from shoptui.tui.screens.catalog.image import picture

        try:
            drawn = picture(path, self.cells, self.rows)
        except Exception:
            self.app.call_from_thread(self.set_class, False, "-shown")
            return
        self.app.call_from_thread(self.update, drawn)
