"""The payment of a counter sale: cash with change due, card, mobile pay, store credit, split across them.

The cursor starts in the cash field. What is typed is checked live by ``sales.plan_payment`` (pure:
no database), so the cashier sees the cash due, the cash rounding as its own line, and the change
in large digits before taking the payment; a card or mobile amount above what is due is refused in
words (only cash may be more: the rest is change). Fast keys:

* F2 puts the exact cash due (rounded) in the cash field, F3 the rest on the card, F4 the rest on mobile pay;
* enter (or F12 / ctrl+s) takes the payment: ``complete_sale`` in one transaction, in a worker;
* escape goes back to the basket with nothing written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Digits, Input, Label, Static

from shoptui.errors import InvalidInput, ShopError
from shoptui.tui.text import plain
from shoptui.tui.workers import ReportsWorkerErrors
from shoptui.wording import plural

if TYPE_CHECKING:
    from shoptui.services.sales import Basket, PaymentPlan, SaleResult, Tender
    from shoptui.tui.app import ShopApp
    from shoptui.tui.screens.sale.screen import SaleMeta

METHODS: tuple[tuple[str, str, str], ...] = (
    ("cash", "Cash tendered", "F2 exact"),
    ("card", "Card", "F3 the rest"),
    ("mobile", "Mobile pay", "F4 the rest"),
    ("store_credit", "Store credit", "member's balance"),
)


class PaymentDialog(ReportsWorkerErrors, ModalScreen["SaleResult | None"]):
    """Tenders, the live plan with change due, and taking the payment."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f12,ctrl+s", "take", "Take payment", id="pay-take",
                tooltip="Record the payment: the order is paid, handed over, stock out, receipt printed (enter too)."),
        Binding("f2", "exact_cash", "Exact cash", id="pay-exact-cash",
                tooltip="Put the cash due (rounded to the cash step) in the cash field."),
        Binding("f3", "rest('card')", "Rest by card", id="pay-rest-card", tooltip="Put what is still due on the card."),
        Binding("f4", "rest('mobile')", "Rest by mobile", id="pay-rest-mobile",
                tooltip="Put what is still due on mobile pay."),
        Binding("escape", "back", "Back", id="pay-back", tooltip="Back to the basket; nothing is written."),
    ]

    @dataclass
    class Refused(Message):
        """Taking the payment was refused; nothing was written."""

        sentence: str

    @dataclass
    class Completed(Message):
        """The sale is recorded."""

        result: SaleResult

    def __init__(self, basket: Basket, meta: SaleMeta) -> None:
        super().__init__()
        self.basket = basket
        self.meta = meta
        self.methods = [m for m in METHODS if m[0] != "store_credit" or basket.customer_id is not None]
        self.plan: PaymentPlan | None = None
        self.tenders: list[Tender] = []
        self.taking = False

    @property
    def shop(self) -> ShopApp:
        """The app, typed."""
        return cast("ShopApp", self.app)

    def compose(self) -> ComposeResult:
        b, m = self.basket, self.meta
        with Vertical():
            yield Static(plain(f"Payment · {plural(b.item_count, 'item')} · due "
                         f"{m.store.money(b.total_minor)} {m.store.currency}"), id="pay-title", markup=False)
            for method, label, hint in self.methods:
                with Horizontal(classes="pay-row"):
                    yield Label(plain(label), classes="pay-label", markup=False)
                    yield Input("", id=f"pay-{method}", classes="pay-input", compact=True,
                                placeholder="amount given" if method == "cash" else "",
                                tooltip=f"{label}: an amount like 50 or 12.50; empty: none.")
                    yield Static(plain(hint), classes="pay-hint", markup=False)
            yield Static("", id="pay-plan", markup=False)
            with Horizontal(id="pay-change-row"):
                yield Static("CHANGE DUE", id="pay-change-label", markup=False)
                yield Digits("0.00", id="pay-change")
            yield Static("", id="pay-problem", markup=False)
            yield Static("⏎ pay · F2 exact cash · F3 card · F4 mobile · esc back", id="pay-keys",
                         markup=False)

    def on_mount(self) -> None:
        self.query_one("#pay-cash", Input).focus()
        self.replan()

    # ------------------------------------------------------------ the live plan

    def _amounts(self) -> dict[str, int | None]:
        """What each field holds (None: empty); InvalidInput names a field that is not an amount."""
        money = self.meta.store.money_type
        out: dict[str, int | None] = {}
        for method, label, _ in self.methods:
            raw = self.query_one(f"#pay-{method}", Input).value.strip()
            out[method] = money.parse(raw, field=label.lower()) if raw else None
        return out

    def replan(self) -> None:
        """Check what is typed against the basket and show the plan (or why it cannot be taken)."""
        from shoptui.services import sales as sales_api

        self.plan = None
        self.tenders = []
        problem = ""
        try:
            amounts = self._amounts()
            tenders = [sales_api.Tender(method=method, amount_minor=amount) for method, amount in amounts.items()
                       if amount is not None and method != "cash"]
            if amounts.get("cash") is not None:
                tenders.append(sales_api.Tender(method="cash", amount_minor=amounts["cash"]))
            if not tenders:
                raise InvalidInput("Type the cash tendered, or F2 exact cash, F3 rest by card, F4 rest by mobile.")
            self.plan = sales_api.plan_payment(self.basket, tenders, rounding_step_minor=self.meta.cash_step_minor,
                                           money=self.meta.store.money_type)
            self.tenders = tenders
        except ShopError as exc:
            problem = str(exc)
        self._show(problem)

    def _show(self, problem: str) -> None:
        m = self.meta
        lines: list[Text] = []

        def row(label: str, minor: int, style: str = "") -> None:
            amount = m.store.money(minor)
            lines.append(plain(f"{label:<22}{amount:>14}", style=style))

        plan = self.plan
        row("Total", self.basket.total_minor, "bold")
        if plan is not None:
            for payment in plan.payments:
                if payment.method == "cash":
                    if plan.rounding_minor:
                        row("Cash rounding", plan.rounding_minor)
                    row("Cash due", payment.amount_minor)
                    row("Cash tendered", payment.tendered_minor or payment.amount_minor)
                else:
                    row(dict((k, v) for k, v, _ in METHODS).get(payment.method, payment.method), payment.amount_minor)
            if plan.rounding_minor:
                row("Sale total (rounded)", plan.total_minor, "bold")
        self.query_one("#pay-plan", Static).update(plain("\n").join(lines))
        self.query_one("#pay-change", Digits).update(m.store.money(plan.change_minor if plan else 0))
        self.query_one("#pay-change-label", Static).update(plain("CHANGE DUE" if plan is not None else "CHANGE DUE –"))
        self.query_one("#pay-problem", Static).update(plain(f"✗ {problem}" if problem and plan is None else ""))

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        if not self.taking:
            self.replan()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_take()

    # ------------------------------------------------------------ fast keys

    def _set(self, method: str, minor: int) -> None:
        field = self.query("#pay-" + method)
        if not field:
            return
        entry = cast(Input, field.first())
        entry.value = self.meta.store.money(minor) if minor > 0 else ""
        entry.focus()
        entry.cursor_position = len(entry.value)

    def _others(self, skip: str) -> int:
        """The non-cash amounts typed, except ``skip``'s."""
        try:
            amounts = self._amounts()
        except ShopError:
            return 0
        return sum(v or 0 for k, v in amounts.items() if k not in ("cash", skip))

    def action_exact_cash(self) -> None:
        """The cash due (after the other payments), rounded to the cash step."""
        from shoptui.services import pricing as pricing_api

        due = self.basket.total_minor - self._others("cash")
        if due > 0 and self.meta.cash_step_minor > 0:
            due += pricing_api.cash_rounding(due, self.meta.cash_step_minor)
        self._set("cash", max(due, 0))

    def action_rest(self, method: str) -> None:
        """What is still due (after cash and the other payments) on this method."""
        try:
            cash = self._amounts().get("cash") or 0
        except ShopError:
            cash = 0
        self._set(method, max(self.basket.total_minor - self._others(method) - cash, 0))

    def action_back(self) -> None:
        """Back to the basket."""
        if not self.taking:
            self.dismiss(None)

    # ------------------------------------------------------------ taking the payment

    def action_take(self) -> None:
        """Record the sale (once), in a worker."""
        if self.taking:
            return
        self.replan()
        if self.plan is None:
            return
        self.taking = True
        self.add_class("-busy")
        self.query_one("#pay-keys", Static).update(plain("Taking the payment…"))
        # the worker starts once "Taking the payment…" is drawn: restyling and drawing the dialog meanwhile
        # would take the GIL from complete_sale's thread (it ran 3x slower inside the TUI than alone)
        self.call_after_refresh(self.complete, self.basket, list(self.tenders))

    @work(thread=True, exclusive=True, group="sale-complete", exit_on_error=False)
    def complete(self, basket: Basket, tenders: list[Tender]) -> None:
        """One transaction: the order, its payments, the hand-over (stock out), the receipt."""
        from shoptui import db
        from shoptui.services import sales as sales_api

        try:
            with db.transaction(self.shop.db_url) as session:
                result = sales_api.complete_sale(session=session, actor=self.shop.actor, basket=basket, tenders=tenders)
        except ShopError as exc:
            self.post_message(self.Refused(str(exc)))
            return
        except BaseException:
            self.post_message(self.Refused("The sale was not recorded (an unexpected error; see the log)."))
            raise
        self.post_message(self.Completed(result))

    @on(Refused)
    def _refused(self, event: Refused) -> None:
        self.taking = False
        self.remove_class("-busy")
        self.query_one("#pay-problem", Static).update(plain(f"✗ NOT PAID: {event.sentence} Nothing was written."))
        self.query_one("#pay-keys", Static).update(plain("⏎/F12 try again · esc back to the basket (fix it there)"))

    @on(Completed)
    def _completed(self, event: Completed) -> None:
        self.dismiss(event.result)


__all__ = ["METHODS", "PaymentDialog"]

