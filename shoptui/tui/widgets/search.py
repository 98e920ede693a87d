"""Global search: one box over every module's search provider, hits grouped by kind below it.

Typing waits ~100 ms for a pause, then a thread worker runs ``services.shop.search.search_all``; the
hits show in an overlay list grouped by kind. Up/down move through them, enter opens the
highlighted one on its module's screen. Enter before the hits have arrived (a barcode scanner
types fast) searches at once and opens an exact hit directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from shoptui.tui.text import plain
from shoptui.tui.workers import ReportsWorkerErrors

if TYPE_CHECKING:
    from shoptui.services.shop import SearchHit
    from shoptui.tui.app import ShopApp

DEBOUNCE_SECONDS = 0.1


class SearchResults(OptionList, can_focus=False):
    """The hits, grouped by kind under a header line; focus stays in the search box."""


def _kind_heading(kind: str) -> str:
    return (kind if kind.endswith("s") else f"{kind}s").replace("_", " ").capitalize()


class SearchBox(ReportsWorkerErrors, Vertical):
    """The search input of the top bar and its overlay of hits."""

    DEFAULT_CSS = """
    SearchBox { width: 1fr; height: 1; min-width: 12; }
    SearchBox > Input { width: 1fr; }
    SearchBox > SearchResults {
        overlay: screen; constrain: none inside; display: none;
        width: 1fr; max-width: 72; height: auto; max-height: 16;
        border: round $primary; background: $surface; padding: 0;
    }
    SearchBox.-open > SearchResults { display: block; }
    """

    BINDINGS = [
        Binding("down", "move(1)", "Next hit", show=False, id="search-next", tooltip="Highlight the next hit."),
        Binding("up", "move(-1)", "Previous hit", show=False, id="search-previous",
                tooltip="Highlight the previous hit."),
        Binding("escape", "close", "Close search", show=False, id="search-close",
                tooltip="Hide the hits, empty the search box and leave it."),
    ]

    @dataclass
    class Finished(Message):
        """A search worker came back with the hits for ``text``."""

        text: str
        hits: list[SearchHit]
        open_exact: bool

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._timer: Timer | None = None
        self._hits: list[SearchHit] = []
        self._shown_for: str | None = None

    def compose(self) -> ComposeResult:
        yield Input(placeholder="Search  (/)", compact=True, id="search-input", select_on_focus=True)
        yield SearchResults(id="search-results")

    @property
    def input(self) -> Input:
        """The text box."""
        return self.query_one("#search-input", Input)

    @property
    def results(self) -> SearchResults:
        """The overlay of hits."""
        return self.query_one(SearchResults)

    def focus_input(self) -> None:
        """Move the cursor into the box."""
        self.input.focus()

    @property
    def is_open(self) -> bool:
        """Whether the hits are showing."""
        return self.has_class("-open")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "move":
            return self.is_open
        if action == "close":
            return self.is_open or self.input.has_focus
        return True

    # ------------------------------------------------------------ typing

    @on(Input.Changed, "#search-input")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        text = event.value.strip()
        if not text:
            self._close()
            return
        self._timer = self.set_timer(DEBOUNCE_SECONDS, lambda: self.search(text, open_exact=False))

    @on(Input.Submitted, "#search-input")
    def _entered(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            return
        if self.is_open and self._shown_for == text:
            option = self.results.highlighted_option
            if option is not None and option.id is not None:
                self._open(self._hits[int(option.id)])
            return
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.search(text, open_exact=True)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def search(self, text: str, open_exact: bool) -> None:
        """Ask every registered provider (in a thread; the UI keeps painting)."""
        from shoptui import db
        from shoptui.services import shop

        app = cast("ShopApp", self.app)
        with db.read_session(app.db_url) as session:
            hits = shop.search_all(session=session, text=text, limit=8)
        if not get_current_worker().is_cancelled:
            self.post_message(self.Finished(text, hits, open_exact))

    @on(Finished)
    def _show(self, event: Finished) -> None:
        if event.text != self.input.value.strip():
            return  # the operator typed on; a newer search is on its way
        if event.open_exact and event.hits and event.hits[0].exact:
            self._open(event.hits[0])
            return
        self._hits = event.hits
        self._shown_for = event.text
        results = self.results
        results.clear_options()
        if not event.hits:
            results.add_option(Option(plain(f"Nothing found for {event.text!r}.", style="dim"), disabled=True))
        else:
            options: list[Option] = []
            seen_kinds: list[str] = []
            for kind in (h.kind for h in event.hits):
                if kind not in seen_kinds:
                    seen_kinds.append(kind)
            for kind in seen_kinds:
                options.append(Option(plain(_kind_heading(kind), style="bold"), disabled=True))
                for index, hit in enumerate(event.hits):
                    if hit.kind == kind:
                        options.append(Option(_hit_prompt(hit), id=str(index)))
            results.add_options(options)
            results.highlighted = next(i for i, o in enumerate(options) if not o.disabled)
        self.add_class("-open")

    # ------------------------------------------------------------ choosing

    def action_move(self, step: int) -> None:
        """Highlight the next or previous hit."""
        if step > 0:
            self.results.action_cursor_down()
        else:
            self.results.action_cursor_up()

    @on(OptionList.OptionSelected, "#search-results")
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self._open(self._hits[int(event.option.id)])

    def _open(self, hit: SearchHit) -> None:
        self._close()
        with self.input.prevent(Input.Changed):
            self.input.value = ""
        self.screen.set_focus(None)
        app = cast("ShopApp", self.app)
        app.call_later(app.open_hit, hit)

    def action_close(self) -> None:
        """Hide the hits, empty the box and leave it: the next ``/`` starts a new search, not the old text + ``/``."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._close()
        with self.input.prevent(Input.Changed):
            self.input.value = ""
        self.screen.set_focus(None)

    def _close(self) -> None:
        self.remove_class("-open")
        self._shown_for = None


def _hit_prompt(hit: SearchHit) -> Text:
    prompt = plain(hit.title, style="bold" if hit.exact else "")
    if hit.detail:
        prompt.append(f"  {hit.detail}", style="dim")
    if hit.exact:
        prompt.append("  exact match", style="italic dim")
    return plain(prompt)
