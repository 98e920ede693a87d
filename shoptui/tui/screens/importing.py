"""Settings -> Import: products, customers or orders from a file, with a dry run to read before importing.

Pick the kind and the format, type the file's path (tab completes it from the folder), ctrl+r shows the
dry run in the table, ctrl+s asks and imports. The service reads and checks everything in a worker; a
refusal (with its line numbers) is shown in the form and nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.suggester import Suggester
from textual.widgets import Checkbox, DataTable, Input, Label, Select, Static

from shoptui.errors import ShopError
from shoptui.tui.text import choices, plain
from shoptui.tui.widgets.confirm import Confirm
from shoptui.tui.widgets.steady_footer import SteadyFooter
from shoptui.tui.workers import ReportsWorkerErrors

if TYPE_CHECKING:
    from shoptui.config import Actor
    from shoptui.tui.app import ShopApp

KINDS = ("products", "customers", "orders")
# the formats each kind reads in this build (products from Shopify / WooCommerce come with the products import)
FORMATS: dict[str, tuple[str, ...]] = {
    "products": ("shoptui", "shopify", "woocommerce"),
    "customers": ("shopify", "woocommerce"),
    "orders": ("shopify", "woocommerce"),
}
FORMAT_NAMES = {"shoptui": "shoptui CSV / JSON", "shopify": "Shopify", "woocommerce": "WooCommerce"}
OPTION_LABELS = {"products": "Create missing categories", "customers": "Register them as members",
                 "orders": "Create missing products and customers"}


@dataclass(frozen=True)
class ImportRequest:
    """What the form asks for."""

    kind: str
    fmt: str
    path: str
    option: bool


@dataclass(frozen=True)
class ImportOutcome:
    """A dry run or an import, as the screen shows it: table rows and one summary paragraph."""

    columns: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]
    summary: str


class PathSuggester(Suggester):
    """Completes a path from the entries of its folder (folders end with /)."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        if not value:
            return None
        typed = Path(value).expanduser()
        folder, stem = (typed, "") if value.endswith("/") else (typed.parent, typed.name)
        try:
            names = sorted(p.name + ("/" if p.is_dir() else "") for p in folder.iterdir() if p.name.startswith(stem)
                           and not p.name.startswith("."))
        except OSError:
            return None
        if not names:
            return None
        return value + names[0][len(stem):]


def run_import(request: ImportRequest, *, db_url: str | None, actor: Actor, dry_run: bool) -> ImportOutcome:
    """Read the file and run the kind's import service (in a read session for a dry run, else one transaction)."""
    from shoptui import db
    from shoptui.services import shop

    path = Path(request.path.strip()).expanduser()
    if not request.path.strip():
        from shoptui.errors import InvalidInput

        raise InvalidInput("Type the path of the file to import.", field="path")
    content = shop.read_import_file(path)
    unit = db.read_session(db_url) if dry_run else db.transaction(db_url)
    with unit as session:
        if request.kind == "customers":
            from shoptui.services import members

            report = members.import_customers(session=session, actor=actor, content=content, fmt=request.fmt,
                                              source=path.name, as_members=request.option, dry_run=dry_run)
            return ImportOutcome(("line", "name", "action", "why"),
                                 [(str(i.line), i.name, i.action, i.reason + (f" · member: {i.member}" if i.member
                                                                                 else "")) for i in report.items],
                                 report.summary)
        if request.kind == "orders":
            from shoptui.services import orders

            found = orders.import_foreign_orders(session=session, actor=actor, content=content, fmt=request.fmt,
                                                 source=path.name, dry_run=dry_run, create_missing=request.option)
            rows = [("orders to create", str(found.orders_created)), ("already imported", str(found.orders_skipped)),
                    ("order lines", str(found.order_lines)),
                    ("new customers", ", ".join(found.customers_created) or "none"),
                    ("new products", ", ".join(found.products_created) or "none"),
                    *(("converted", c) for c in found.converted), *(("dropped", d) for d in found.dropped)]
            return ImportOutcome(("what", "how many"), rows, found.summary)
        if request.fmt in ("shopify", "woocommerce"):
            from shoptui.services import movein

            moved = movein.import_products(session=session, actor=actor, content=content, fmt=request.fmt,
                                           source=path.name, options=movein.ProductImportOptions(
                                               dry_run=dry_run, create_categories=request.option))
            return ImportOutcome(("line", "product", "action", "why"),
                                 [(str(p.line), p.title, p.action, p.sku) for p in moved.products]
                                 + [(str(k.line), k.ref, "skipped", k.reason) for k in moved.skipped],
                                 moved.summary)
        from shoptui.services import catalog

        done = catalog.import_catalog(session=session, actor=actor, content=content, source=path.name,
                                      dry_run=dry_run, create_categories=request.option)
        rows = [("products created", str(done.products_created)), ("products updated", str(done.products_updated)),
                ("products unchanged", str(done.products_unchanged)),
                ("variants created", str(done.variants_created)), ("variants updated", str(done.variants_updated)),
                ("categories created", ", ".join(done.categories_created) or "none")]
        return ImportOutcome(("what", "how many"), rows, done.summary)


class ImportScreen(ReportsWorkerErrors, Screen[None]):
    """The import form over the settings: kind, format, file, dry run, import."""

    BINDINGS = [
        Binding("ctrl+r", "check", "Dry run", id="import-check", tooltip="Read the file and show what would happen."),
        Binding("ctrl+s", "run_import", "Import", id="import-run",
                tooltip="Import the file after the dry run (asks first)."),
        Binding("escape", "back", "Back", id="import-back", tooltip="Back to the settings."),
    ]

    @dataclass
    class Planned(Message):
        """A dry run (or an import) finished."""

        request: ImportRequest
        outcome: ImportOutcome
        dry_run: bool

    @dataclass
    class Refused(Message):
        """The service refused the file; nothing was written."""

        request: ImportRequest
        sentence: str
        field: str | None

    def __init__(self) -> None:
        super().__init__()
        self.checked: ImportRequest | None = None  # the request whose dry run is on screen

    def compose(self) -> ComposeResult:
        with Vertical(id="import-body"):
            yield Static("Import from a file: pick what and from where, ctrl+r for the dry run, ctrl+s to import.",
                         id="import-intro", markup=False)
            with Horizontal(id="import-choices"):
                yield Select(choices((k.capitalize(), k) for k in KINDS), value="customers", allow_blank=False,
                             id="import-kind", compact=True)
                yield Select(self._format_options("customers"), value="shopify", allow_blank=False,
                             id="import-format", compact=True)
                yield Checkbox(OPTION_LABELS["customers"], id="import-option", compact=True)
            with Horizontal(id="import-file"):
                yield Label("File", id="import-path-label")
                yield Input(placeholder="path of the exported CSV, e.g. ~/Downloads/customers_export.csv",
                            id="import-path", suggester=PathSuggester(), compact=True)
            yield Static("", id="import-error", markup=False)
            yield DataTable(id="import-plan", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="import-summary-box"):
                yield Static("", id="import-summary", markup=False)
        yield SteadyFooter(compact=True)

    def on_mount(self) -> None:
        self.query_one("#import-path", Input).focus()

    @staticmethod
    def _format_options(kind: str) -> list[tuple[Text, str]]:
        return choices((FORMAT_NAMES[f], f) for f in FORMATS[kind])

    def request(self) -> ImportRequest:
        """What the form says now."""
        kind = str(self.query_one("#import-kind", Select).value)
        return ImportRequest(kind=kind, fmt=str(self.query_one("#import-format", Select).value),
                             path=self.query_one("#import-path", Input).value,
                             option=self.query_one("#import-option", Checkbox).value)

    @on(Select.Changed, "#import-kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        kind = str(event.value)
        formats = self.query_one("#import-format", Select)
        formats.set_options(self._format_options(kind))
        formats.value = FORMATS[kind][0]
        self.query_one("#import-option", Checkbox).label = OPTION_LABELS[kind]
        self._forget()

    @on(Select.Changed, "#import-format")
    @on(Checkbox.Changed)
    @on(Input.Changed, "#import-path")
    def _changed(self) -> None:
        self._forget()

    @on(Input.Submitted, "#import-path")
    def _submitted(self) -> None:
        self.action_check()

    def _forget(self) -> None:
        """The form changed: the dry run on screen no longer describes it."""
        self.checked = None
        self.query_one("#import-path", Input).remove_class("-invalid")
        self.query_one("#import-error", Static).update("")

    def action_check(self) -> None:
        """Dry run: read and check the file, show what would happen, write nothing."""
        self.query_one("#import-summary", Static).update(plain("Reading the file ..."))
        self.start(self.request(), dry_run=True)

    def action_run_import(self) -> None:
        """Import what the dry run showed, after a yes."""
        request = self.request()
        if self.checked != request:
            self.shop.announce("Run the dry run first (ctrl+r) and read it; then ctrl+s imports.", "warning")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.query_one("#import-summary", Static).update(plain("Importing ..."))
                self.start(request, dry_run=False)

        self.app.push_screen(Confirm(f"Import {request.kind} from {Path(request.path).name} "
                                     f"({FORMAT_NAMES[request.fmt]}) as the dry run shows?", yes="Import"), answered)

    def action_back(self) -> None:
        """Back to the settings."""
        self.dismiss(None)

    @property
    def shop(self) -> ShopApp:
        """The app, typed."""
        return cast("ShopApp", self.app)

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def start(self, request: ImportRequest, *, dry_run: bool) -> None:
        """Run the service off the UI thread; a refusal comes back as a message for the form."""
        try:
            outcome = run_import(request, db_url=self.shop.db_url, actor=self.shop.actor, dry_run=dry_run)
        except ShopError as exc:
            self.post_message(self.Refused(request, str(exc), exc.field))
            return
        self.post_message(self.Planned(request, outcome, dry_run))

    @on(Planned)
    def _planned(self, event: Planned) -> None:
        table = self.query_one("#import-plan", DataTable)
        with self.app.batch_update():
            table.clear(columns=True)
            table.add_columns(*event.outcome.columns)
            table.add_rows([tuple(plain(v) for v in row) for row in event.outcome.rows])
        self.query_one("#import-summary", Static).update(plain(event.outcome.summary))
        self.query_one("#import-error", Static).update("")
        self.query_one("#import-path", Input).remove_class("-invalid")
        if event.dry_run:
            self.checked = event.request
        else:
            self.checked = None  # imported: the next import starts with its own dry run
            self.shop.announce(event.outcome.summary)

    @on(Refused)
    def _refused(self, event: Refused) -> None:
        self.checked = None
        self.query_one("#import-error", Static).update(plain(event.sentence))
        self.query_one("#import-summary", Static).update("")
        self.query_one("#import-plan", DataTable).clear(columns=True)
        if event.field == "path":
            path = self.query_one("#import-path", Input)
            path.add_class("-invalid")
            path.focus()
