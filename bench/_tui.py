"""The benchmarks' observer of the TUI: a ShopApp that notes when each screen's data is on screen.

The app itself keeps no timings. The screens post :class:`~shoptui.tui.screens.base.ShopScreen.Loaded`
after the refresh that drew their data (the same message tests wait for); :class:`WatchedApp` notes
the wall clock, ``perf_counter`` and the process's CPU time when it arrives.

Run as a program (``python -m bench._tui TIMINGS URL [entry]``) it is what ``bench_tui`` starts in a
pseudo-terminal: it appends ``paint`` (after the first refresh) and ``figures`` (the dashboard's figures
drawn) lines ``<event> <unix time> <process CPU s>`` to TIMINGS and quits after the figures. With
``entry`` it starts the way the ``shoptui --db URL`` console script does (``shoptui.cli.entry.run``).
"""

from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from textual import on

from shoptui.tui.app import ShopApp
from shoptui.tui.screens.base import ShopScreen


@dataclass(frozen=True)
class Mark:
    """A screen's data on screen, as the app learnt it."""

    mode: str
    first: bool
    wall: float  # time.time()
    perf: float  # time.perf_counter()
    cpu: float  # time.process_time() (this process, every thread)


class WatchedApp(ShopApp):
    """ShopApp that keeps a :class:`Mark` for every ``ShopScreen.Loaded`` (and, as a program, writes them)."""

    def __init__(self, *args: Any, timings: str | None = None, exit_after_figures: bool = False,
                 **kwargs: Any) -> None:
        from bench._report import log_in

        log_in(kwargs.get("db_url", args[0] if args else None))  # the app opens logged in, as after `shoptui login`
        super().__init__(*args, **kwargs)
        self.marks: list[Mark] = []
        self._timings = timings
        self._exit_after_figures = exit_after_figures

    def on_mount(self) -> None:  # ShopApp.on_mount runs too (Textual calls each class's handler)
        self.call_after_refresh(self._write, "paint")

    @on(ShopScreen.Loaded)
    def _note_loaded(self, event: ShopScreen.Loaded) -> None:
        self.marks.append(Mark(event.screen.MODE, event.first, time.time(), time.perf_counter(), time.process_time()))
        if event.screen.MODE == "dashboard" and event.first:
            self._write("figures")
            if self._exit_after_figures:
                self.exit()

    def _write(self, event: str) -> None:
        if self._timings:
            with open(self._timings, "a", encoding="utf-8") as out:
                out.write(f"{event} {time.time():.6f} {time.process_time():.6f}\n")

    def marks_of(self, mode: str, since: float) -> list[Mark]:
        """The marks of screen ``mode`` noted after ``since`` (perf_counter)."""
        return [m for m in self.marks if m.mode == mode and m.perf >= since]


_SEQUENCE = re.compile(r"\x1b\[(\d+);(\d+)H|\x1b\[[0-9;:?<=>]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b.|\n|[^\x1b\n]+")


class Terminal:
    """What a terminal of ``width`` x ``height`` shows, fed the bytes the app's driver would write.

    Knows only what a compositor update uses: cursor moves (``CSI row;col H``), text (wide characters
    take two columns) and style sequences (ignored). ``rows`` is the text on screen, one string a row.
    """

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self._cells = [[" "] * width for _ in range(height)]
        self._x = self._y = 0

    def feed(self, data: str) -> None:
        """Apply what the app wrote."""
        cells = self._cells
        for match in _SEQUENCE.finditer(data):
            if match.group(1) is not None:
                self._y, self._x = int(match.group(1)) - 1, int(match.group(2)) - 1
                continue
            text = match.group(0)
            if text[0] == "\x1b":
                continue
            if text == "\n":
                self._y, self._x = self._y + 1, 0
                continue
            if not 0 <= self._y < self.height:
                continue
            row = cells[self._y]
            for ch in text:
                width = cell_len(ch)
                if 0 <= self._x < self.width:
                    row[self._x] = ch
                    if width == 2 and self._x + 1 < self.width:
                        row[self._x + 1] = ""
                self._x += width

    @property
    def rows(self) -> list[str]:
        return ["".join(row) for row in self._cells]


def main(argv: list[str]) -> int:
    timings, url = argv[0], argv[1]
    if argv[2:] == ["entry"]:
        import shoptui.tui.app
        from shoptui.cli import entry

        shoptui.tui.app.ShopApp = lambda db_url: WatchedApp(db_url, timings=timings, exit_after_figures=True)  # type: ignore[assignment,misc]
        sys.argv = ["shoptui", "--db", url]
        entry.run()
        return 0
    app = WatchedApp(db_url=url, timings=timings, exit_after_figures=True)
    app.run()
    return app.return_code or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
