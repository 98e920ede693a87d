"""Bulk change of the selected products: pick a change, see every old -> new before confirming,
apply it through the catalogue service in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import DataTable, Input, Label, Select, Static
from textual.worker import get_current_worker

from shoptui.errors import InvalidInput, ShopError
from shoptui.tui.text import plain
from shoptui.tui.widgets.steady_footer import SteadyFooter
from shoptui.tui.workers import ReportsWorkerErrors

if TYPE_CHECKING:
    from shoptui.services.catalog import BulkResult, CategoryRead
    from shoptui.tui.app import ShopApp
    from shoptui.tui.screens.catalog.table import MoneyFormat

KINDS = (("Set status", "status"), ("Move to category", "category"), ("Add tag", "add_tag"),
         ("Remove tag", "remove_tag"), ("Change price by amount", "price_amount"),
         ("Change price by percentage", "price_percent"))
PREVIEW_DELAY = 0.25
MAX_PREVIEW_ROWS = 500


@dataclass(frozen=True)
class BulkChoice:
    """What the operator picked: the kind and the typed/selected value."""

    kind: str
    value: str


def bulk_action(choice: BulkChoice, digits: int) -> Any:
    """The service's BulkAction for a choice. Raises InvalidInput with a sentence about the value."""
    from shoptui.money import parse_basis_points, parse_money
    from shoptui.services.catalog import BulkAction

    value = choice.value.strip()
    if choice.kind == "status":
        if not value:
            raise InvalidInput("Pick the status to set.")
        return BulkAction(kind="status", status=value)
    if choice.kind == "category":
        return BulkAction(kind="category", category_id=int(value) if value else None)
    if choice.kind in ("add_tag", "remove_tag"):
        if not value:
            raise InvalidInput("Type the tag.")
        return BulkAction(kind=choice.kind, tag=value)
    if not value:
        raise InvalidInput("Type the change, e.g. -5.00 or 10 (the sign says down or up).")
    if choice.kind == "price_amount":
        return BulkAction(kind="price", delta_minor=parse_money(value, digits, field="price change", allow_negative=True))
    negative = value.startswith("-")
    bp = parse_basis_points(value.lstrip("+-"), field="percentage", maximum=1_000_000)
    return BulkAction(kind="price", delta_bp=-bp if negative else bp)


class BulkDialog(ReportsWorkerErrors, ModalScreen[bool]):
    """Change many products at once; dismissed with True when the change was applied."""

    BINDINGS = [
        Binding("ctrl+s,f12", "apply", "Apply", id="bulk-apply",
                tooltip="Apply the change shown in the preview to the selected products (ctrl+s or F12)."),
        Binding("escape", "cancel", "Cancel", id="bulk-cancel", tooltip="Close without changing anything."),
    ]

    @dataclass
    class Previewed(Message):
        """What the change would do (or the sentence that refused it)."""

        choice: BulkChoice
        result: BulkResult | None
        problem: str | None

    @dataclass
    class Applied(Message):
        """The change landed."""

        result: BulkResult

    def __init__(self, product_ids: list[int], categories: list[CategoryRead], money: MoneyFormat) -> None:
        super().__init__()
        self.product_ids = product_ids
        self.categories = categories
        self.money = money
        self.preview: BulkResult | None = None
        self.preview_for: BulkChoice | None = None
        self._timer: Timer | None = None

    @property
    def shop(self) -> ShopApp:
        """The app, typed."""
        return cast("ShopApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = plain(f"Bulk change of {len(self.product_ids)} product{'s' if len(self.product_ids) != 1 else ''}")
            with Horizontal(id="bulk-choice"):
                yield Select(KINDS, value="status", allow_blank=False, id="bulk-kind", compact=True,
                             tooltip="What to change.")
                yield Select([(s, s) for s in ("draft", "active", "archived")], prompt="status", id="bulk-status",
                             compact=True, tooltip="The status to set.")
                yield Select([(c.full_name, c.id) for c in self.categories], prompt="no category", id="bulk-category",
                             compact=True, tooltip="The category to move them to (blank: none).")
                yield Input(id="bulk-value", compact=True, placeholder="value",
                            tooltip="A tag, an amount like -5.00, or a percentage like -10.")
            yield Static("Pick a change; the preview shows every old -> new before anything is saved.",
                         id="bulk-summary", markup=False)
            yield DataTable(id="bulk-preview", cursor_type="row", zebra_stripes=True)
            yield Label("")
        yield SteadyFooter(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#bulk-preview", DataTable)
        for name in ("product", "SKU", "what", "before", "after"):
            table.add_column(name, key=name)
        self._show_inputs()
        self.query_one("#bulk-kind", Select).focus()

    def choice(self) -> BulkChoice:
        """The change as picked now."""
        kind = str(self.query_one("#bulk-kind", Select).value)
        if kind == "status":
            value = self.query_one("#bulk-status", Select).value
        elif kind == "category":
            value = self.query_one("#bulk-category", Select).value
        else:
            value = self.query_one("#bulk-value", Input).value
        return BulkChoice(kind, "" if value is Select.NULL else str(value))

    def _show_inputs(self) -> None:
        kind = str(self.query_one("#bulk-kind", Select).value)
        self.query_one("#bulk-status").display = kind == "status"
        self.query_one("#bulk-category").display = kind == "category"
        value = self.query_one("#bulk-value", Input)
        value.display = kind not in ("status", "category")
        value.placeholder = {"add_tag": "tag to add", "remove_tag": "tag to remove",
                             "price_amount": "amount, e.g. -5.00 or 2.50",
                             "price_percent": "percentage, e.g. -10 or 5.5"}.get(kind, "value")

    @on(Select.Changed)
    @on(Input.Changed)
    def _changed(self, event: Message) -> None:
        self._show_inputs()
        self.preview = None
        self.refresh_bindings()
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(PREVIEW_DELAY, lambda: self.load_preview(self.choice()))

    @on(Input.Submitted, "#bulk-value")
    def _entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.load_preview(self.choice())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "apply":
            return self.preview is not None and bool(self.preview.changes)
        return True

    @work(thread=True, exclusive=True, group="bulk-preview", exit_on_error=False)
    def load_preview(self, choice: BulkChoice) -> None:
        """What the change would do, computed by the service without writing."""
        from shoptui import db
        from shoptui.services import catalog

        result: BulkResult | None
        problem: str | None
        try:
            action = bulk_action(choice, self.money.digits)
            with db.read_session(self.shop.db_url) as session:
                result = catalog.bulk_preview(session=session, product_ids=self.product_ids, action=action)
        except ShopError as exc:
            result, problem = None, str(exc)
        else:
            problem = None
        if not get_current_worker().is_cancelled:
            self.post_message(self.Previewed(choice, result, problem))

    @on(Previewed)
    def _show_preview(self, event: Previewed) -> None:
        if event.choice != self.choice():
            return
        summary = self.query_one("#bulk-summary", Static)
        table = self.query_one("#bulk-preview", DataTable)
        table.clear()
        self.preview = event.result
        self.preview_for = event.choice
        summary.set_class(event.problem is not None, "-problem")
        if event.result is None:
            summary.update(plain(event.problem or ""))
        else:
            result = event.result
            lines = len(result.changes)
            summary.update(plain(f"{result.changed_products} of {result.products} products change ({lines} line"
                           f"{'s' if lines != 1 else ''}). ctrl+s applies it; esc cancels." if lines else
                           "Nothing would change: every selected product already has that."))
            for change in result.changes[:MAX_PREVIEW_ROWS]:
                table.add_row(plain(change.title), plain(change.sku or ""), plain(change.field.replace("_minor", "")),
                              plain(self._value(change.field, change.before)),
                              plain(self._value(change.field, change.after), style="bold"))
            if lines > MAX_PREVIEW_ROWS:
                table.add_row(plain(f"… and {lines - MAX_PREVIEW_ROWS} more lines", style="dim"), "", "", "", "")
        self.refresh_bindings()

    def _value(self, field: str, value: Any) -> str:
        if value is None:
            return "–"
        if field.endswith("_minor") and isinstance(value, int):
            return self.money.format(value)
        return str(value)

    def action_apply(self) -> None:
        """Apply the previewed change."""
        if self.preview is None or self.preview_for != self.choice() or not self.preview.changes:
            self.app.notify("Wait for the preview of this change first.", severity="warning", markup=False)
            return
        self.apply(self.preview_for)

    @work(thread=True, exclusive=True, group="bulk-apply", exit_on_error=False)
    def apply(self, choice: BulkChoice) -> None:
        """One transaction: the change on every selected product, audited per product."""
        from shoptui import db
        from shoptui.services import catalog

        action = bulk_action(choice, self.money.digits)
        result = db.run_transaction(
            lambda session: catalog.bulk_apply(session=session, actor=self.shop.actor, product_ids=self.product_ids,
                                               action=action),
            self.shop.db_url)
        self.post_message(self.Applied(result))

    @on(Applied)
    def _applied(self, event: Applied) -> None:
        result = event.result
        self.shop.announce(f"Bulk change: {result.changed_products} product{'s' if result.changed_products != 1 else ''} "
                          f"changed ({len(result.changes)} line{'s' if len(result.changes) != 1 else ''}).")
        self.dismiss(True)

    def action_cancel(self) -> None:
        """Close without changing anything."""
        self.dismiss(False)
