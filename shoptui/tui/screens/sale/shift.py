"""Till shifts from the sale screen (ctrl+b): open with a cash float, close with the cash counted, the report.

Opening and closing are each one transaction in a worker (``shifts.open_shift`` /
``shifts.close_shift``); the close dialog shows the shift's live figures first, so the cashier
sees the expected cash before counting. The report after closing shows sales by payment method,
refunds and the cash difference, and can be saved as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from shoptui.tui.text import plain
from shoptui.tui.widgets.form import Field, FormDialog
from shoptui.tui.workers import ReportsWorkerErrors

if TYPE_CHECKING:
    from shoptui.services.sales import ShiftReport
    from shoptui.tui.app import ShopApp
    from shoptui.tui.screens.sale.screen import SaleMeta


def report_text(report: ShiftReport, meta: SaleMeta) -> str:
    """The shift report as plain text, one figure a line (what the screen shows and a file keeps)."""
    m = meta
    s = report.shift
    when = m.store.when

    def row(label: str, value: str) -> str:
        return f"{label:<24}{value:>16}"

    lines = [f"Shift #{s.id} ({s.status})", f"opened {when(s.opened_at)} by {s.opened_by}"]
    if s.closed_at:
        lines.append(f"closed {when(s.closed_at)} by {s.closed_by}")
    lines += ["", row("Counter sales", f"{report.sales_count}"), row("Sales total", m.store.money(report.sales_minor)), ""]
    lines.append("Payments by method")
    for item in report.payments or []:
        lines.append(row(f"  {item.method.replace('_', ' ')} ({item.count})", m.store.money(item.amount_minor)))
    if not report.payments:
        lines.append("  none")
    if report.refunds:
        lines.append("Refunds by method")
        for item in report.refunds:
            lines.append(row(f"  {item.method.replace('_', ' ')} ({item.count})", m.store.money(-item.amount_minor)))
    lines += ["", row("Cash float", m.store.money(s.float_minor)), row("Cash in", m.store.money(report.cash_in_minor)),
              row("Cash out (refunds)", m.store.money(-report.cash_out_minor) if report.cash_out_minor else m.store.money(0)),
              row("Expected in drawer", m.store.money(report.expected_cash_minor))]
    if report.counted_minor is not None:
        difference = report.difference_minor or 0
        word = "OVER" if difference > 0 else "SHORT" if difference < 0 else "exact"
        lines += [row("Counted", m.store.money(report.counted_minor)),
                  row("Difference", f"{m.store.money(difference)} {word}")]
    return "\n".join(lines)


class OpenShiftDialog(FormDialog):
    """Open the till with the cash float in the drawer."""

    TITLE_TEXT = "Open the till shift"
    SAVE_LABEL = "open the shift"
    FIELD_NAMES: ClassVar[dict[str, str]] = {"float_minor": "float"}

    def __init__(self, meta: SaleMeta) -> None:
        super().__init__(f"Count the cash in the drawer before the first sale ({meta.store.currency}). One shift is open "
                         "at a time; its report covers every payment until it is closed.")
        self.meta = meta

    def fields(self) -> list[Field]:
        return [
            Field("float", "Cash float", Input("", id="f-float", compact=True, placeholder="200.00",
                                               tooltip="The cash in the drawer now.")),
            Field("note", "Note", Input("", id="f-note", compact=True, placeholder="morning shift…",
                                        tooltip="Kept with the shift.")),
        ]

    def save(self, values: dict[str, Any]) -> Any:
        from shoptui import db
        from shoptui.errors import InvalidInput
        from shoptui.services import sales

        raw = (values.get("float") or "").strip()
        if not raw:
            raise InvalidInput("Type the cash float in the drawer, like 200.00 (0 when the drawer is empty).", field="float")
        amount = self.meta.store.money_type.parse(raw, field="cash float", name="float")
        with db.transaction(self.shop.db_url) as session:
            return sales.open_shift(session=session, actor=self.shop.actor, float_minor=amount,
                                     note=values.get("note") or "")


class CloseShiftDialog(FormDialog):
    """Close the open shift with the cash counted; the live figures are shown first."""

    TITLE_TEXT = "Close the till shift"
    SAVE_LABEL = "close the shift"
    FIELD_NAMES: ClassVar[dict[str, str]] = {"counted_minor": "counted"}

    @dataclass
    class ReportLoaded(Message):
        """The open shift's figures so far."""

        report: ShiftReport

    def __init__(self, meta: SaleMeta) -> None:
        super().__init__("Reading the shift…")
        self.meta = meta

    def fields(self) -> list[Field]:
        return [
            Field("counted", "Counted cash", Input("", id="f-counted", compact=True, placeholder="533.50",
                                                   tooltip="All the cash in the drawer, float included.")),
            Field("note", "Note", Input("", id="f-note", compact=True, placeholder="why the cash differs…",
                                        tooltip="Kept with the shift.")),
        ]

    def on_mount(self) -> None:
        super().on_mount()
        self.load_report()

    @work(thread=True, exclusive=True, group="shift-report", exit_on_error=False)
    def load_report(self) -> None:
        """The live figures."""
        from shoptui import db
        from shoptui.services import sales

        with db.read_session(self.shop.db_url) as session:
            report = sales.shift_report(session=session)
        self.post_message(self.ReportLoaded(report))

    @on(ReportLoaded)
    def _loaded(self, event: ReportLoaded) -> None:
        r, m = event.report, self.meta
        s = r.shift
        methods = ", ".join(f"{p.method.replace('_', ' ')} {m.store.money(p.amount_minor)}" for p in r.payments) or "none"
        self.query_one("#form-intro", Static).update(
            plain(f"Shift #{s.id} since {m.store.clock(s.opened_at)} by {s.opened_by}: {r.sales_count} counter sales for "
            f"{m.store.money(r.sales_minor)}; payments {methods}.\nExpected in the drawer: "
            f"{m.store.money(r.expected_cash_minor)} {m.store.currency} (float {m.store.money(s.float_minor)} + cash in "
            f"{m.store.money(r.cash_in_minor)} - cash out {m.store.money(r.cash_out_minor)})."))

    def save(self, values: dict[str, Any]) -> Any:
        from shoptui import db
        from shoptui.errors import InvalidInput
        from shoptui.services import sales

        raw = (values.get("counted") or "").strip()
        if not raw:
            raise InvalidInput("Type the cash counted in the drawer, like 533.50.", field="counted")
        amount = self.meta.store.money_type.parse(raw, field="counted cash", name="counted")
        with db.transaction(self.shop.db_url) as session:
            return sales.close_shift(session=session, actor=self.shop.actor, counted_minor=amount,
                                      note=values.get("note") or "")


class ShiftReportDialog(ReportsWorkerErrors, ModalScreen[None]):
    """The report of a closed shift: sales by method, refunds, the cash difference; s saves it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,escape", "close", "Close", id="shift-report-close", tooltip="Back to the sale screen."),
        Binding("s", "save", "Save", id="shift-report-save", tooltip="Save the report as a text file."),
    ]

    def __init__(self, report: ShiftReport, meta: SaleMeta) -> None:
        super().__init__()
        self.report = report
        self.meta = meta
        self.text = report_text(report, meta)

    @property
    def shop(self) -> ShopApp:
        """The app, typed."""
        return cast("ShopApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical():
            with VerticalScroll(id="sr-scroll"):
                yield Static(plain(self.text), markup=False)
            yield Static("", id="sr-status", markup=False)
            yield Static("⏎ close · s save as text", id="sr-keys", markup=False)

    def on_mount(self) -> None:
        self.query_one("#sr-scroll", VerticalScroll).focus()

    def action_close(self) -> None:
        """Close."""
        self.dismiss(None)

    def action_save(self) -> None:
        """Ask where, then save."""
        from shoptui.tui.screens.sale.dialogs import SaveReceiptDialog

        dialog = SaveReceiptDialog(self.text + "\n", f"shift-{self.report.shift.id}.txt", title="Save the shift report")
        self.app.push_screen(dialog, lambda path: self.query_one("#sr-status", Static).update(plain(f"✓ Saved to {path}."))
                             if path else None)
