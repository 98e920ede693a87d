"""Stocktakes (ctrl+y, or s on the inventory screen): start a count, scan, review, post, history.

The scan screen is built for a barcode scanner (a keyboard that types the code and enter):

* the scan field is the only thing that takes the cursor, so it is ALWAYS focused;
* a code + enter adds one to that item (SKU or barcode);
* a number of 1 to 6 digits + enter SETS the count of the last scanned item (barcodes are longer:
  EAN-8 has 8 digits); ``+N`` ADDS N to it (a sealed box of 12: scan one, type +11);
  to scan a code of 1 to 6 digits, type ``#`` before it;
* ctrl+z takes back the last scan (or count) of this terminal;
* the last scanned item is shown big — title, SKU and its count in large digits — and the panel
  flashes green for a count, red with the words UNKNOWN CODE for a code the catalogue does not
  know (no sound; the words are there without colour too).

Every count is its own small transaction (an atomic ``counted + 1``), so several terminals can count
the same stocktake and their counts add up. The review lists variances by value; those over the
thresholds (settings) need a reason; what nobody counted is set to zero or left unchanged by an
explicit choice; posting books every difference as one 'stocktake' movement each, in one transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Digits, Input, Select, Static
from textual.worker import get_current_worker

from shoptui.errors import ShopError
from shoptui.tui.screens.base import ShopScreen
from shoptui.tui.screens.inventory.common import StockMeta, read_meta
from shoptui.tui.text import choices, plain, signed
from shoptui.tui.widgets.confirm import Confirm, if_yes
from shoptui.tui.widgets.form import Field, FormDialog, if_saved
from shoptui.tui.widgets.steady_footer import SteadyFooter
from shoptui.tui.workers import ReportsWorkerErrors
from shoptui.wording import plural

if TYPE_CHECKING:
    from shoptui.services.inventory import CountLineRead, StocktakeRead, StocktakeReport, StocktakeReview
    from shoptui.tui.app import ShopApp

SET_COUNT = re.compile(r"^\d{1,6}$")
ADD_COUNT = re.compile(r"^\+\d{1,6}$")
FLASH_SECONDS = 0.8
SCAN_HELP = ("scan = +1 · 12⏎ SETS the last item's count (1-6 digits) · +12⏎ adds 12 · #123⏎ scans the "
             "code 123 · ctrl+z undo")


def parse_entry(text: str) -> tuple[str, str | None, int | None]:
    """What the scan field got: ``("scan", code, None)``, ``("set", None, n)`` or ``("add", None, n)``."""
    entry = text.strip()
    if entry.startswith("#") and len(entry) > 1:
        return "scan", entry[1:].strip(), None
    if SET_COUNT.match(entry):
        return "set", None, int(entry)
    if ADD_COUNT.match(entry):
        return "add", None, int(entry[1:])
    return "scan", entry, None


def _accuracy(bp: int | None) -> str:
    return "–" if bp is None else f"{bp / 100:.1f}%"


class NewStocktakeDialog(FormDialog):
    """Start a count: a location, optionally a category subtree, a note."""

    TITLE_TEXT = "Start a stocktake"
    FIELD_NAMES: ClassVar[dict[str, str]] = {"category_id": "category"}
    SAVE_LABEL = "freeze the expected stock and start"

    def __init__(self, meta: StockMeta) -> None:
        super().__init__("The expected quantities are frozen now; sales and receipts during the count are "
                         "taken into account when the variances are worked out.")
        self.meta = meta

    def fields(self) -> list[Field]:
        return [
            Field("location", "Location", Select(choices(self.meta.location_options()), value=self.meta.default_location
                                                 or Select.NULL, id="f-location", compact=True,
                                                 tooltip="The location to count.")),
            Field("category", "Scope", Select(choices((name, cid) for cid, name in self.meta.categories),
                                              prompt="all stock at the location", id="f-category", compact=True,
                                              tooltip="Count everything, or one category and its subcategories.")),
            Field("note", "Note", Input("", id="f-note", compact=True, placeholder="shelf A, year end…",
                                        tooltip="Kept with the report.")),
        ]

    def save(self, values: dict[str, Any]) -> Any:
        from shoptui import db
        from shoptui.services import inventory

        with db.transaction(self.shop.db_url) as session:
            return inventory.start_stocktake(session=session, actor=self.shop.actor, location=values["location"],
                                              category_id=values["category"], note=values["note"])


class ReasonDialog(FormDialog):
    """Why a variance happened (required over the thresholds)."""

    DEFAULT_FIELD = "reason"

    TITLE_TEXT = "Reason for the variance"
    SAVE_LABEL = "save the reason"

    def __init__(self, stocktake_id: int, line: CountLineRead, meta: StockMeta) -> None:
        expected = line.expected + line.moved
        if line.counted is None:  # not counted: posting with "set to zero" books -expected
            text = (f"{line.sku} · {line.title}: not counted, expected {expected}; set to zero that is a variance of "
                    f"{signed(-expected)} ({meta.store.money(-expected * line.unit_cost_minor)} {meta.store.currency}).")
        else:
            text = (f"{line.sku} · {line.title}: expected {expected}, counted {line.counted}, variance "
                    f"{signed(line.variance or 0)} ({meta.store.money(line.value_minor)} {meta.store.currency}).")
        super().__init__(text)
        self.stocktake_id = stocktake_id
        self.line = line

    def fields(self) -> list[Field]:
        return [Field("reason", "Reason", Input(self.line.reason or "", id="f-reason", compact=True,
                                                placeholder="found 3 behind the shelf; 2 broken…",
                                                tooltip="What the investigation found (1 to 500 characters)."))]

    def save(self, values: dict[str, Any]) -> Any:
        from shoptui import db
        from shoptui.services import inventory

        with db.transaction(self.shop.db_url) as session:
            return inventory.set_reason(session=session, actor=self.shop.actor, stocktake_id=self.stocktake_id,
                                         code=self.line.sku, reason=values["reason"])


# ---------------------------------------------------------------- history


class StocktakeScreen(ShopScreen):
    """Every stocktake, newest first, with its progress and accuracy."""

    LIVE = frozenset({"stocktake"})
    """What another terminal changes that this screen shows (audit entities; see ShopScreen.LIVE)."""

    MODE = "stocktake"
    AUTO_FOCUS = "#stocktakes"

    BINDINGS = [
        Binding("n", "new", "New count", id="stocktake-new", tooltip="Start a stocktake: location and scope."),
        Binding("enter", "open", "Open", id="stocktake-open",
                tooltip="Counting: the scan screen. Posted: the report with accuracy."),
        Binding("v", "review", "Review", id="stocktake-review",
                tooltip="Variances by value, reasons, what was not counted; post from there."),
        Binding("x", "cancel_count", "Cancel", id="stocktake-cancel",
                tooltip="Stop the highlighted count without booking anything."),
        Binding("i", "inventory", "Stock", id="stocktake-inventory", tooltip="Back to the stock levels (F3)."),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="stocktake-refresh", tooltip="Read the list again."),
    ]

    @dataclass
    class Loaded(Message):
        """The stocktakes were read."""

        meta: StockMeta
        items: list[StocktakeRead]

    def __init__(self) -> None:
        super().__init__()
        self.meta = StockMeta()
        self.items: dict[str, StocktakeRead] = {}
        self._loaded_once = False

    def compose_body(self) -> ComposeResult:
        yield Static("Stocktakes (盘点): n starts a count, enter opens it for scanning (or its report).",
                     id="stocktake-intro", markup=False)
        yield DataTable(id="stocktakes", cursor_type="row", zebra_stripes=True)
        yield Static("Loading…", id="stocktake-status", markup=False)

    def on_mount(self) -> None:
        self.query_one("#stocktakes", DataTable).add_columns("#", "Status", "Loc", "Scope", "Counted", "Started",
                                                             "By", "Posted", "Accuracy")
        self.call_after_refresh(self.load)

    def on_screen_resume(self) -> None:
        if self._loaded_once:
            self.load()

    @work(thread=True, exclusive=True, group="stocktake-list", exit_on_error=False)
    def load(self) -> None:
        """The newest stocktakes."""
        from shoptui import db
        from shoptui.services import inventory

        meta = read_meta(self.shop.db_url, self.shop)
        with db.read_session(self.shop.db_url) as session:
            items = inventory.list_stocktakes(session=session, limit=200)
        if not get_current_worker().is_cancelled:
            self.post_message(self.Loaded(meta, items))

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        self.meta = m = event.meta
        self._loaded_once = True
        table = self.query_one("#stocktakes", DataTable)
        keep = _key(table)
        with self.app.batch_update():
            table.clear()
            self.items = {str(s.id): s for s in event.items}
            for s in event.items:
                status = plain(s.status.upper() if s.status == "counting" else s.status,
                              style="bold" if s.status == "counting" else ("dim" if s.status == "cancelled" else ""))
                table.add_row(str(s.id), status, s.location, plain(s.category or "all"), f"{s.counted}/{s.lines}",
                              m.store.when(s.started_at, year=False), plain(s.started_by), m.store.when(s.posted_at, year=False) if s.posted_at else "",
                              plain(_accuracy(s.accuracy_bp), style="bold"), key=str(s.id))
        if keep in self.items:
            table.move_cursor(row=table.get_row_index(keep), animate=False)
        counting = [s for s in event.items if s.status == "counting"]
        last = next((s for s in event.items if s.status == "posted"), None)
        text = f"{plural(len(event.items), 'stocktake')}"
        if counting:
            text += f" · {len(counting)} counting (enter scans)"
        if last is not None:
            text += f" · last posted #{last.id}: accuracy {_accuracy(last.accuracy_bp)}"
        if not event.items:
            text = "No stocktakes yet · n starts one"
        self.query_one("#stocktake-status", Static).update(plain(text))
        self.refresh_bindings()

    def current(self) -> StocktakeRead | None:
        """The highlighted stocktake."""
        return self.items.get(_key(self.query_one("#stocktakes", DataTable)) or "")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_mounted or not self.query("#stocktakes"):
            return True
        current = self.current()
        if action in ("review", "cancel_count"):
            return current is not None and current.status == "counting"
        if action == "open":
            return current is not None and current.status != "cancelled"
        return True

    def action_refresh(self) -> None:
        """Read again."""
        self.load()

    def action_inventory(self) -> None:
        """The stock levels."""
        self.run_worker(self.shop.action_go("inventory"))

    def action_new(self) -> None:
        """The start dialog."""
        self.app.push_screen(NewStocktakeDialog(self.meta), self._started)

    def _started(self, result: Any) -> None:
        if result is not None:
            self.shop.announce(f"Started stocktake {result.id} at {result.location}: {plural(result.lines, 'variant')}"
                               " to count. Scan away.")
            self.load()
            self.app.push_screen(StocktakeScanScreen(result, self.meta))

    def action_open(self) -> None:
        """Scan (counting) or the report (posted)."""
        current = self.current()
        if current is None:
            return
        if current.status == "counting":
            self.app.push_screen(StocktakeScanScreen(current, self.meta))
        elif current.status == "posted":
            self.app.push_screen(StocktakeReviewScreen(current.id, self.meta))

    @on(DataTable.RowSelected, "#stocktakes")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_review(self) -> None:
        """The review of a count."""
        current = self.current()
        if current is not None:
            self.app.push_screen(StocktakeReviewScreen(current.id, self.meta))

    def action_cancel_count(self) -> None:
        """Confirm, then cancel."""
        current = self.current()
        if current is not None:
            self.app.push_screen(Confirm(f"Cancel stocktake {current.id}? Its counts are kept with it but nothing is "
                                         "booked.", yes="Cancel the count", danger=True),
                                 if_yes(lambda: self.cancel_count(current.id)))

    @work(thread=True, group="stocktake-write", exit_on_error=False)
    def cancel_count(self, stocktake_id: int) -> None:
        """One transaction."""
        from shoptui import db
        from shoptui.services import inventory

        db.run_transaction(
            lambda session: inventory.cancel(session=session, actor=self.shop.actor, stocktake_id=stocktake_id),
            self.shop.db_url)
        self.app.call_from_thread(self.shop.announce, f"Stocktake {stocktake_id} was cancelled; nothing was booked.")
        self.app.call_from_thread(self.load)

    def open_record(self, kind: str, key: str) -> None:
        """A stocktake (notification link): its report or the scan screen."""
        if kind == "stocktake" and key.isdigit():
            self.open_stocktake(int(key))
        else:
            super().open_record(kind, key)

    @work(thread=True, group="stocktake-open", exit_on_error=False)
    def open_stocktake(self, stocktake_id: int) -> None:
        """Read one, then open it."""
        from shoptui import db
        from shoptui.services import inventory

        meta = read_meta(self.shop.db_url, self.shop)
        with db.read_session(self.shop.db_url) as session:
            item = inventory.get_stocktake(session=session, stocktake_id=stocktake_id)
        screen: Screen[Any] = (StocktakeScanScreen(item, meta) if item.status == "counting"
                               else StocktakeReviewScreen(item.id, meta))
        self.app.call_from_thread(self.app.push_screen, screen)


def _key(table: DataTable[Any]) -> str | None:
    if not table.row_count:
        return None
    try:
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
    except Exception:  # the rows are being rebuilt
        return None


# ---------------------------------------------------------------- scanning


@dataclass(frozen=True)
class Done:
    """One entry of the scan field that landed: what it did and the line after it."""

    kind: str  # scan, set, add, undo
    line: CountLineRead
    previous: int | None


class LastScanned(Vertical):
    """The last scanned item, big enough to read from the shelf: title, SKU and count in large digits."""

    def compose(self) -> ComposeResult:
        yield Static("Scan the first item", id="last-title", markup=False)
        with Horizontal(id="last-row"):
            yield Digits("0", id="last-count")
            with Vertical(id="last-side"):
                yield Static("", id="last-sku", markup=False)
                yield Static("", id="last-expected", markup=False)

    def show(self, title: str, sku: str, count: int | None, detail: str, *, ok: bool) -> None:
        """Show an item (or a refusal) and flash."""
        self.query_one("#last-title", Static).update(plain(title))
        self.query_one("#last-sku", Static).update(plain(sku))
        self.query_one("#last-expected", Static).update(plain(detail))
        self.query_one("#last-count", Digits).update("" if count is None else str(count))
        self.set_class(ok, "-ok")
        self.set_class(not ok, "-refused")
        self.add_class("-flash")
        self.set_timer(FLASH_SECONDS, lambda: self.remove_class("-flash"))


class StocktakeScanScreen(ReportsWorkerErrors, Screen[None]):
    """Counting by scanner: the scan field always has the cursor."""

    AUTO_FOCUS = "#st-scan"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+z", "undo", "Undo last", id="scan-undo", tooltip="Take back the last scan or count of this terminal."),
        Binding("ctrl+r", "review", "Review", id="scan-review",
                tooltip="Variances by value, reasons, what was not counted; post from there."),
        Binding("escape", "leave", "Leave", id="scan-leave",
                tooltip="Back to the stocktakes; the count stays open and can go on later."),
    ]

    @dataclass
    class Counted(Message):
        """An entry landed."""

        done: Done

    @dataclass
    class Refused(Message):
        """An entry was refused (nothing counted): the code and the sentence."""

        code: str
        sentence: str
        unknown: bool

    @dataclass
    class Progress(Message):
        """How far the count is."""

        stocktake: StocktakeRead

    def __init__(self, stocktake: StocktakeRead, meta: StockMeta) -> None:
        super().__init__()
        self.stocktake = stocktake
        self.meta = meta
        self.last: CountLineRead | None = None
        self.history: list[Done] = []
        self.recent = 0

    @property
    def shop(self) -> ShopApp:
        """The app, typed."""
        return cast("ShopApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(id="st-body"):
            yield Static("", id="st-head", markup=False)
            yield LastScanned(id="st-last")
            with Horizontal(id="st-scan-line"):
                yield Static("SCAN ▸", id="st-scan-label", markup=False)
                yield Input(placeholder="scan a barcode, or type a SKU / a count, then enter", id="st-scan",
                            compact=True, tooltip=SCAN_HELP)
            yield Static("Ready: scan the first item.", id="st-message", markup=False)
            yield Static(plain(SCAN_HELP), id="st-help", markup=False)
            yield DataTable(id="st-recent", cursor_type="none", show_cursor=False)
        yield SteadyFooter(compact=True)

    def on_mount(self) -> None:
        recent = self.query_one("#st-recent", DataTable)
        recent.can_focus = False
        recent.add_columns("", "SKU", "Title", "Counted", "Expected")
        self._head()
        self.query_one("#st-scan", Input).focus()

    def on_screen_resume(self) -> None:
        self.query_one("#st-scan", Input).focus()
        self.progress()

    def on_descendant_blur(self) -> None:
        """Whatever happens, the scan field gets the cursor back."""
        self.call_after_refresh(self._refocus)

    def _refocus(self) -> None:
        if self.app.screen is self:
            self.query_one("#st-scan", Input).focus()

    def _head(self) -> None:
        s = self.stocktake
        scope = s.category or "all stock"
        self.query_one("#st-head", Static).update(
            plain(f"Stocktake {s.id} · {s.location} · {scope} · counted {s.counted} of {s.lines} · started "
            f"{self.meta.store.when(s.started_at, year=False)} by {s.started_by}"))

    # ------------------------------------------------------------ entries

    @on(Input.Submitted, "#st-scan")
    def _entry(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value
        event.input.value = ""
        if not text.strip():
            return
        kind, code, quantity = parse_entry(text)
        if kind in ("set", "add"):
            if self.last is None:
                self._refused(text.strip(), "Scan an item first: a number sets the count of the last scanned item.",
                              unknown=False)
                return
            self.count(kind, self.last.sku, quantity, self.last.counted)
        else:
            self.count("scan", code or "", None, None)

    @work(thread=True, group="stocktake-count", exit_on_error=False)
    def count(self, kind: str, code: str, quantity: int | None, previous: int | None) -> None:
        """One small transaction per entry (adds are atomic, so terminals add up).

        ``kind``: scan, set or add (entries), undo (takes back a scan) or unset (takes back a set/add
        by setting the count it had before).
        """
        from shoptui import db
        from shoptui.errors import NotFound
        from shoptui.services import inventory

        mode = {"unset": "set"}.get(kind, kind)
        try:
            line = db.run_transaction(
                lambda session: inventory.count(session=session, actor=self.shop.actor, stocktake_id=self.stocktake.id,
                                                 code=code, quantity=quantity, mode=mode),
                self.shop.db_url)
        except NotFound as exc:
            self.post_message(self.Refused(code, str(exc), unknown="SKU or barcode" in str(exc)))
            return
        except ShopError as exc:
            self.post_message(self.Refused(code, str(exc), unknown=False))
            return
        self.post_message(self.Counted(Done(kind, line, previous)))

    @on(Counted)
    def _counted(self, event: Counted) -> None:
        done = event.done
        line = done.line
        self.last = line
        if done.kind in ("scan", "set", "add"):
            self.history.append(done)
        expected = line.expected + line.moved
        verb = {"scan": "+1", "set": "count set", "add": "added", "undo": "undone -1", "unset": "undone"}[done.kind]
        self.query_one("#st-last", LastScanned).show(
            line.title, f"{line.sku}", line.counted,
            f"expected {expected}" + (f" (frozen {line.expected}, moved {signed(line.moved)})" if line.moved else ""),
            ok=True)
        message = self.query_one("#st-message", Static)
        message.remove_class("-refused")
        message.update(plain(f"✓ {line.sku}: {verb} → counted {line.counted}"))
        self._recent(line, verb)
        self.progress()

    def _recent(self, line: CountLineRead, verb: str) -> None:
        table = self.query_one("#st-recent", DataTable)
        self.recent += 1
        table.add_row(plain(verb, style="bold"), line.sku, plain(line.title), plain(str(line.counted), style="bold"),
                      line.expected + line.moved, key=str(self.recent))
        if table.row_count > 50:
            table.remove_row(str(self.recent - 50))
        table.move_cursor(row=table.row_count - 1, animate=False)
        table.scroll_end(animate=False)

    @on(Refused)
    def _refused_message(self, event: Refused) -> None:
        self._refused(event.code, event.sentence, unknown=event.unknown)

    def _refused(self, code: str, sentence: str, *, unknown: bool) -> None:
        title = f"✗ UNKNOWN CODE {code}" if unknown else f"✗ NOT COUNTED: {code}"
        detail = ("Not a SKU or barcode in the catalogue. Put the item aside and check it." if unknown
                  else sentence)
        self.query_one("#st-last", LastScanned).show(title, "nothing counted", None, detail, ok=False)
        message = self.query_one("#st-message", Static)
        message.add_class("-refused")
        message.update(plain(f"✗ {sentence}"))

    def action_undo(self) -> None:
        """Take back the last entry of this terminal."""
        if not self.history:
            self._refused("undo", "Nothing to undo on this terminal yet.", unknown=False)
            return
        done = self.history.pop()
        if done.kind == "scan":
            self.count("undo", done.line.sku, None, None)
        else:
            self.count("unset", done.line.sku, done.previous or 0, None)

    @work(thread=True, exclusive=True, group="stocktake-progress", exit_on_error=False)
    def progress(self) -> None:
        """How many lines are counted."""
        from shoptui import db
        from shoptui.services import inventory

        with db.read_session(self.shop.db_url) as session:
            item = inventory.get_stocktake(session=session, stocktake_id=self.stocktake.id)
        if not get_current_worker().is_cancelled:
            self.post_message(self.Progress(item))

    @on(Progress)
    def _progress(self, event: Progress) -> None:
        self.stocktake = event.stocktake
        self._head()
        if event.stocktake.status != "counting":
            self.shop.announce(f"Stocktake {event.stocktake.id} is {event.stocktake.status}; it cannot be counted.",
                               "warning")
            self.dismiss()

    def action_review(self) -> None:
        """The review (post from there)."""
        self.app.push_screen(StocktakeReviewScreen(self.stocktake.id, self.meta))

    def action_leave(self) -> None:
        """Back to the list; the count stays open."""
        self.dismiss()


# ---------------------------------------------------------------- review, post and report

UNCOUNTED = (("set them to zero", "zero"), ("leave them unchanged", "keep"))


class StocktakeReviewScreen(ReportsWorkerErrors, Screen[None]):
    """Variances by value (reasons where needed), what nobody counted, and posting; after posting, the report."""

    AUTO_FOCUS = "#rv-variances"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="review-back", tooltip="Back (the count stays open until posted)."),
        Binding("enter", "reason", "Reason", id="review-reason",
                tooltip="Give the reason for the highlighted variance or uncounted item (needed over the thresholds)."),
        Binding("u", "uncounted", "Uncounted", id="review-uncounted",
                tooltip="Choose what happens to items nobody counted: zero or unchanged."),
        Binding("ctrl+s,f12", "post", "Post", id="review-post",
                tooltip="Book every variance as a stocktake movement, in one transaction (once)."),
        Binding("ctrl+r", "reload", "Refresh", show=False, id="review-refresh", tooltip="Read the review again."),
    ]

    @dataclass
    class Loaded(Message):
        """A review (counting) or a report (posted)."""

        review: StocktakeReview | None
        report: StocktakeReport | None

    def __init__(self, stocktake_id: int, meta: StockMeta) -> None:
        super().__init__()
        self.stocktake_id = stocktake_id
        self.meta = meta
        self.review: StocktakeReview | None = None
        self.report: StocktakeReport | None = None
        self.lines: dict[str, CountLineRead] = {}

    @property
    def shop(self) -> ShopApp:
        """The app, typed."""
        return cast("ShopApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(id="rv-body"):
            yield Static("Loading…", id="rv-head", markup=False)
            yield Static("Variances, largest value first", classes="rv-title", id="rv-variances-title", markup=False)
            yield DataTable(id="rv-variances", cursor_type="row", zebra_stripes=True)
            with Horizontal(id="rv-uncounted-line"):
                yield Static("Not counted", id="rv-uncounted-title", markup=False)
                yield Select(UNCOUNTED, prompt="choose: zero or unchanged", id="rv-choice", compact=True,
                             tooltip="Items nobody counted: set to zero, or leave unchanged (an explicit choice).")
            yield DataTable(id="rv-uncounted", cursor_type="row")
            yield Static("", id="rv-problem", markup=False)
        yield SteadyFooter(compact=True)

    def on_mount(self) -> None:
        self.query_one("#rv-variances", DataTable).add_columns("", "SKU", "Title", "Expected", "Counted", "Variance",
                                                               "Value", "Reason")
        self.query_one("#rv-uncounted", DataTable).add_columns("SKU", "Title", "Expected", "Reason")
        self.load()

    @work(thread=True, exclusive=True, group="review-load", exit_on_error=False)
    def load(self) -> None:
        """The review of a count, or the report of a posted one."""
        from shoptui import db
        from shoptui.services import inventory

        with db.read_session(self.shop.db_url) as session:
            header = inventory.get_stocktake(session=session, stocktake_id=self.stocktake_id)
            if header.status == "counting":
                loaded = self.Loaded(inventory.review(session=session, stocktake_id=self.stocktake_id), None)
            else:
                loaded = self.Loaded(None, inventory.report(session=session, stocktake_id=self.stocktake_id))
        self.post_message(loaded)

    def action_reload(self) -> None:
        """Read again."""
        self.load()

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        self.review, self.report = event.review, event.report
        m = self.meta
        table = self.query_one("#rv-variances", DataTable)
        keep = _key(table)
        lines = event.review.variances if event.review else [x for x in (event.report.lines if event.report else [])
                                                              if x.variance]
        self.set_class(event.report is not None, "-posted")
        with self.app.batch_update():
            table.clear()
            self.lines = {}
            for line in lines:
                self.lines[line.sku] = line
                mark = plain("⚠ reason", style="bold reverse") if line.needs_reason else plain("")
                table.add_row(mark, line.sku, plain(line.title), line.expected + line.moved,
                              "–" if line.counted is None else line.counted,
                              plain(signed(line.variance or 0), style="bold"),
                              plain(m.store.money(line.value_minor), justify="right"), plain(line.reason or ""), key=line.sku)
            uncounted = self.query_one("#rv-uncounted", DataTable)
            uncounted.clear()
            for line in event.review.uncounted if event.review else []:
                uncounted.add_row(line.sku, plain(line.title), line.expected + line.moved, plain(line.reason or ""),
                                  key=line.sku)
        if keep in self.lines:
            table.move_cursor(row=table.get_row_index(keep), animate=False)
        if event.review is not None:
            r = event.review
            s = r.stocktake
            value = sum(line.value_minor or 0 for line in r.variances)
            need = f" · {r.needs_reason} NEED A REASON (enter)" if r.needs_reason else ""
            self.query_one("#rv-head", Static).update(
                plain(f"Stocktake {s.id} · {s.location} · {s.category or 'all stock'} · COUNTING\n"
                f"counted {s.counted} of {s.lines} · {r.matched} match · {plural(len(r.variances), 'variance')} worth "
                f"{m.store.money(value)} {m.store.currency}{need} · {len(r.uncounted)} not counted"))
            self.query_one("#rv-uncounted-title", Static).update(
                plain(f"Not counted: {len(r.uncounted)}" + (" — choose what happens to them (u)" if r.uncounted else "")))
            self.query_one("#rv-choice", Select).disabled = not r.uncounted
        elif event.report is not None:
            rep = event.report
            s = rep.stocktake
            choice = {"zero": "set to zero", "keep": "left unchanged"}.get(s.uncounted_choice or "", "")
            self.query_one("#rv-head", Static).update(
                plain(f"Stocktake {s.id} · {s.location} · {s.category or 'all stock'} · {s.status.upper()} "
                f"{m.store.when(s.posted_at) if s.posted_at else ''} by {s.posted_by or '–'}\n"
                f"ACCURACY {_accuracy(s.accuracy_bp)} · {plural(rep.adjusted, 'adjustment')} · "
                f"{signed(rep.units_variance)} units · {m.store.money(rep.value_variance_minor)} {m.store.currency}"
                + (f" · uncounted {choice}" if choice else "")))
            self.query_one("#rv-variances-title", Static).update(plain("Report: what was booked, largest value first"))
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        counting = self.review is not None
        if action in ("post", "uncounted"):
            return counting
        if action == "reason":
            return counting and bool(self.lines or (self.review and self.review.uncounted))
        return True

    def action_back(self) -> None:
        """Back."""
        self.dismiss()

    def action_uncounted(self) -> None:
        """Cursor to the zero/unchanged choice."""
        choice = self.query_one("#rv-choice", Select)
        if not choice.disabled:
            choice.focus()
            choice.action_show_overlay()

    def action_reason(self) -> None:
        """The reason dialog of the highlighted variance."""
        uncounted = self.query_one("#rv-uncounted", DataTable)
        if uncounted.has_focus and self.review is not None:  # an uncounted item that "set to zero" would write off
            line = {x.sku: x for x in self.review.uncounted}.get(_key(uncounted) or "")
        else:
            line = self.lines.get(_key(self.query_one("#rv-variances", DataTable)) or "")
        if line is not None and self.review is not None:
            self.app.push_screen(ReasonDialog(self.stocktake_id, line, self.meta),
                                 if_saved(self.load))

    @on(DataTable.RowSelected, "#rv-variances, #rv-uncounted")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_reason()

    def action_post(self) -> None:
        """Confirm, then post."""
        review = self.review
        if review is None:
            return
        choice = self.query_one("#rv-choice", Select)
        uncounted = None if choice.is_blank() else str(choice.value)
        what = {"zero": "set to zero", "keep": "left unchanged"}.get(uncounted or "", "")
        extra = f" {len(review.uncounted)} not counted will be {what}." if review.uncounted and what else ""
        self.app.push_screen(Confirm(f"Post stocktake {self.stocktake_id}? {plural(len(review.variances), 'variance')} "
                                     f"will be booked as stocktake movements.{extra} A stocktake posts only once.",
                                     yes="Post"),
                             if_yes(lambda: self.post(uncounted)))

    @work(thread=True, exclusive=True, group="review-post", exit_on_error=False)
    def post(self, uncounted: str | None) -> None:
        """One transaction: every variance booked, the report kept."""
        from shoptui import db
        from shoptui.services import inventory

        try:
            report = db.run_transaction(
                lambda session: inventory.post(session=session, actor=self.shop.actor, stocktake_id=self.stocktake_id,
                                                uncounted=uncounted),
                self.shop.db_url)
        except ShopError as exc:
            self.app.call_from_thread(self._post_refused, str(exc))
            return
        self.app.call_from_thread(self._posted, report)

    def _post_refused(self, sentence: str) -> None:
        self.query_one("#rv-problem", Static).update(plain(f"✗ Not posted: {sentence}"))
        self.add_class("-refused")
        self.shop.announce(f"Not posted: {sentence}", "warning")
        if "were not counted" in sentence:  # the choice is missing (a reason for one item is asked otherwise)
            self.action_uncounted()

    def _posted(self, report: StocktakeReport) -> None:
        self.remove_class("-refused")
        s = report.stocktake
        self.shop.announce(f"Posted stocktake {s.id}: {plural(report.adjusted, 'adjustment')}, accuracy "
                           f"{_accuracy(s.accuracy_bp)}.")
        self.post_message(self.Loaded(None, report))
