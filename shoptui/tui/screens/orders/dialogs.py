"""Dialogs of the orders screens: new order, payment, shipping, delivery, cancel, refund, returns, exchange,
filters and documents.

Each form is a :class:`~shoptui.tui.widgets.form.FormDialog`: what was typed is parsed and
the services are called in one ``db.transaction`` inside a worker. A refusal (the service's own
sentence) rolls the transaction back — nothing is saved — and is shown under the field it is about.
On success the dialog closes with a :class:`Changed` that the screen announces.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Select, Static

from shoptui.errors import InvalidInput, ShopError
from shoptui.tui.screens.orders.common import CHANNEL_CHOICES, METHOD_LABELS, USER_METHODS, OrdersMeta, parse_items
from shoptui.tui.text import choices, plain
from shoptui.tui.widgets.form import Field, FormDialog
from shoptui.tui.widgets.steady_footer import SteadyFooter
from shoptui.tui.workers import ReportsWorkerErrors
from shoptui.wording import plural

if TYPE_CHECKING:
    from shoptui.services.orders import OrderFilter, ReturnRead
    from shoptui.tui.app import ShopApp

YES_NO = [("no", "no"), ("yes", "yes")]
REFUND_TO = [("the original payments", "original"), ("store credit", "store_credit")]
CONDITIONS = [("resellable: back on the shelf", "resellable"), ("damaged: written off", "damaged")]


@dataclass(frozen=True)
class Changed:
    """What a dialog did (the sentence to announce) and the order it was about."""

    text: str
    number: str | None = None


def _input(widget_id: str, value: str = "", *, placeholder: str = "", tooltip: str = "") -> Input:
    return Input(value, id=widget_id, compact=True, placeholder=placeholder, tooltip=tooltip or placeholder)


def _select(widget_id: str, options: list[tuple[str, str]], value: str | None = None, *, tooltip: str = "") -> Select[str]:
    chosen = value if value is not None else (options[0][1] if options else Select.NULL)
    return Select(choices(options), value=chosen, allow_blank=False, id=widget_id, compact=True, tooltip=tooltip)


def _methods() -> list[tuple[str, str]]:
    return [(METHOD_LABELS[m], m) for m in USER_METHODS]


class OrderForm(FormDialog):
    """A form of the orders screens: the store's meta data, and a table of words -> field for refusals."""


    def __init__(self, meta: OrdersMeta, intro: str = "") -> None:
        super().__init__(intro)
        self.meta = meta

    @property
    def url(self) -> str | None:
        """The store of the app."""
        return self.shop.db_url

    def money(self, text: str, what: str, *, optional: bool = False, field: str | None = None) -> int | None:
        """An amount typed in the store's currency (blank: None when optional, else refused)."""
        from shoptui.money import parse_money

        if not text.strip():
            if optional:
                return None
            raise InvalidInput(f"Type the {what}, like 12.50.", field=field)
        return parse_money(text, self.meta.store.digits, field=what, name=field)


# ---------------------------------------------------------------- create and pay


class NewOrderDialog(OrderForm):
    """An order typed in by hand (phone or chat): customer by phone, lines by SKU or barcode."""

    FIELD_NAMES: ClassVar[dict[str, str]] = {"quantity": "lines", "code": "lines"}
    TITLE_TEXT = "New order"
    SAVE_LABEL = "create the order"

    def fields(self) -> list[Field]:
        return [
            Field("customer", "Customer", _input("f-customer", placeholder="phone, email or #id (empty: a guest)",
                                                 tooltip="The customer by phone, email or #id; empty for a guest.")),
            Field("guest", "Guest name", _input("f-guest", placeholder="only without a customer",
                                                tooltip="The name on a guest order (no customer record).")),
            Field("channel", "Channel", _select("f-channel", [(c, c) for c in CHANNEL_CHOICES], "phone",
                                                tooltip="Where the order came from.")),
            Field("lines", "Items", _input("f-lines", placeholder="TEE-01:2 6901234567892 MUG-01x3",
                                           tooltip="SKUs or barcodes, each with :quantity (default 1)."),
                  "SKU or barcode, :quantity; separate items with spaces"),
            Field("shipping", "Shipping", _input("f-shipping", placeholder=f"0.00 {self.meta.store.currency}",
                                                 tooltip="The shipping fee the customer pays.")),
            Field("note", "Note", _input("f-note", placeholder="kept on the order",
                                         tooltip="A note kept on the order (gift wrap, call first…).")),
            Field("pay", "Paid now", _select("f-pay", [("not yet", "")] + _methods(), "",
                                             tooltip="Take the whole amount now by this method, or not yet.")),
        ]

    def save(self, values: dict[str, Any]) -> Changed:
        from shoptui import db
        from shoptui.services import orders

        items = parse_items(values["lines"], "lines")
        if not items:
            raise InvalidInput("Type at least one item: a SKU or barcode and a quantity, like TEE-01:2.", field="lines")
        shipping = self.money(values["shipping"], "shipping fee", optional=True, field="shipping") or 0
        with db.transaction(self.url) as session:
            draft = orders.OrderDraft(
                channel=values["channel"] or "phone", customer=values["customer"].strip() or None,
                guest_name=values["guest"], lines=[orders.DraftLine(sku=code, quantity=qty) for code, qty in items],
                shipping_minor=shipping, note=values["note"])
            order = orders.create_order(session=session, actor=self.shop.actor, draft=draft)
            paid = ""
            if values["pay"]:
                result = orders.pay(session=session, actor=self.shop.actor, number=order.number, method=values["pay"])
                paid = f", paid by {METHOD_LABELS[result.payment.method]}"
        return Changed(f"Order {order.number} created: {plural(order.item_count, 'item')}, total "
                       f"{self.meta.store.money(order.total_minor)} {self.meta.store.currency}{paid}.", order.number)


class PayDialog(OrderForm):
    """Record a payment: method, amount (default: everything due), reference."""

    FIELD_NAMES: ClassVar[dict[str, str]] = {"amount_minor": "amount"}

    TITLE_TEXT = "Record a payment"
    SAVE_LABEL = "record it"

    def __init__(self, meta: OrdersMeta, number: str, due_minor: int) -> None:
        super().__init__(meta, f"Order {number}: {meta.store.money(due_minor)} {meta.store.currency} due.")
        self.number = number
        self.due_minor = due_minor

    def title_text(self) -> str:
        return f"Record a payment on {self.number}"

    def fields(self) -> list[Field]:
        return [
            Field("method", "Method", _select("f-method", _methods(), "cash", tooltip="How the customer paid.")),
            Field("amount", "Amount", _input("f-amount", self.meta.store.money(self.due_minor),
                                             placeholder=f"like 12.50 {self.meta.store.currency}",
                                             tooltip="What was paid; cash may be more (change is given)."),
                  "cash may be more than due: the rest is change"),
            Field("reference", "Reference", _input("f-reference", placeholder="transfer or card slip number",
                                                   tooltip="A reference kept with the payment (optional).")),
        ]

    def save(self, values: dict[str, Any]) -> Changed:
        from shoptui import db
        from shoptui.services import orders

        amount = self.money(values["amount"], "payment amount", field="amount")
        with db.transaction(self.url) as session:
            result = orders.pay(session=session, actor=self.shop.actor, number=self.number, method=values["method"],
                                amount_minor=amount, reference=values["reference"])
        payment = result.payment
        change = f", change {self.meta.store.money(payment.change_minor)}" if payment.change_minor else ""
        state = "now paid" if result.due_minor == 0 else f"{self.meta.store.money(result.due_minor)} still due"
        return Changed(f"{self.number}: {self.meta.store.money(payment.amount_minor)} by {METHOD_LABELS[payment.method]}"
                       f"{change}; {state}.", self.number)


# ---------------------------------------------------------------- shipping


class ShipDialog(OrderForm):
    """Ship an order: carrier, tracking number (checked against the carrier's pattern), optional items."""

    TITLE_TEXT = "Ship"
    SAVE_LABEL = "ship"

    def __init__(self, meta: OrdersMeta, number: str, intro: str = "") -> None:
        super().__init__(meta, intro)
        self.number = number

    def title_text(self) -> str:
        return f"Ship {self.number}"

    def fields(self) -> list[Field]:
        options = self.meta.carrier_options()
        first = options[0][1] if options else None
        return [
            Field("carrier", "Carrier", _select("f-carrier", options, first,
                                                tooltip="The carrier (the carriers setting lists them).")),
            Field("tracking", "Tracking no.", _input("f-tracking", placeholder="as on the label",
                                                     tooltip="The parcel's tracking number."),
                  self.meta.pattern_help(first)),
            Field("items", "Items", _input("f-items", placeholder="empty: everything left; or TEE-01:1 MUG-01:2",
                                           tooltip="Only these items (SKU:QTY) for a partial shipment.")),
        ]

    def on_mount(self) -> None:
        # the carrier is usually the first one: the cursor waits for the label's scan (after the form's own focus)
        self.call_after_refresh(self.query_one("#f-tracking", Input).focus)

    @on(Select.Changed, "#f-carrier")
    def _carrier_chosen(self, event: Select.Changed) -> None:
        row = self.rows.get("tracking")
        if row is not None:
            row.query_one(".field-help", Static).update(plain(self.meta.pattern_help(str(event.value))))

    def save(self, values: dict[str, Any]) -> Changed:
        from shoptui import db
        from shoptui.services import orders

        if not values["carrier"]:
            raise InvalidInput("There are no carriers; add them with 'shoptui settings set carriers ...'.")
        items = parse_items(values["items"], "items") if values["items"].strip() else None
        with db.transaction(self.url) as session:
            result = orders.ship(session=session, actor=self.shop.actor, number=self.number,
                                          carrier=values["carrier"], tracking=values["tracking"], items=items)
        told = f"; the customer is told by {' and '.join(result.notified)}" if result.notified else ""
        return Changed(f"{self.number} shipped with {result.shipment.carrier_name}, tracking "
                       f"{result.shipment.tracking}: {words_of(result.fulfilment_status)}{told}.", self.number)


def words_of(status: str) -> str:
    """``partially_shipped`` -> ``partially shipped``."""
    return status.replace("_", " ")


class CancelDialog(OrderForm):
    """Cancel an order before anything shipped: stock released, payments refunded."""

    TITLE_TEXT = "Cancel"
    SAVE_LABEL = "cancel the order"

    def __init__(self, meta: OrdersMeta, number: str, paid_minor: int) -> None:
        held = (f" {meta.store.money(paid_minor)} {meta.store.currency} paid goes back." if paid_minor else "")
        super().__init__(meta, f"Reserved stock is released.{held}")
        self.number = number
        self.paid_minor = paid_minor

    def title_text(self) -> str:
        return f"Cancel {self.number}"

    def fields(self) -> list[Field]:
        found = [Field("reason", "Reason", _input("f-reason", placeholder="customer changed their mind",
                                                  tooltip="Why: kept on the timeline and told to the customer."))]
        if self.paid_minor:
            found.append(Field("to", "Refund to", _select("f-to", REFUND_TO, "original",
                                                          tooltip="Where the money goes back.")))
        return found

    def save(self, values: dict[str, Any]) -> Changed:
        from shoptui import db
        from shoptui.services import orders

        with db.transaction(self.url) as session:
            order = orders.cancel_order(session=session, actor=self.shop.actor, number=self.number,
                                        reason=values["reason"], refund_to=values.get("to") or "original")
        refunded = order.refunded_minor
        money = f"; {self.meta.store.money(refunded)} refunded" if refunded else ""
        return Changed(f"{self.number} cancelled; its stock is released{money}.", self.number)


# ---------------------------------------------------------------- refunds, returns, exchange


@dataclass(frozen=True)
class RefundShown:
    """A refund dialog's first ctrl+s: what the refund will pay back (the service's preview), not saved yet."""

    lines: list[str]
    amount_minor: int


class ConfirmedRefund(OrderForm):
    """A refund dialog: the first ctrl+s shows what goes back, to which payments (the same preview as the CLI's
    ``order refund``); ctrl+s again with the same values refunds exactly that, or is refused if the order changed."""

    def __init__(self, meta: OrdersMeta, intro: str = "") -> None:
        super().__init__(meta, intro)
        self.shown: tuple[tuple[str, Any], ...] | None = None
        self.expect_minor: int | None = None

    def preview(self, session: Any, values: dict[str, Any]) -> Any:
        """The service's RefundPlan for what was typed."""
        raise NotImplementedError

    def book(self, values: dict[str, Any], expect_minor: int) -> Changed:
        """Book the refund shown (``expect_minor`` is its amount)."""
        raise NotImplementedError

    def save(self, values: dict[str, Any]) -> Changed | RefundShown:
        from shoptui import db

        typed = tuple(sorted(values.items()))
        if self.shown != typed or self.expect_minor is None:
            with db.read_session(self.url) as session:
                plan = self.preview(session, values)
            self.shown, self.expect_minor = typed, plan.amount_minor
            return RefundShown(list(plan.summary), plan.amount_minor)
        return self.book(values, self.expect_minor)

    @on(FormDialog.Saved)
    def _show_plan(self, event: FormDialog.Saved) -> None:
        if not isinstance(event.result, RefundShown):
            return
        event.prevent_default()  # keep the dialog open: the next ctrl+s refunds
        self.query_one("#form-banner", Static).update(
            "\n".join([*event.result.lines, f"ctrl+s again to refund {self.meta.store.money(event.result.amount_minor)}."]))
        self.add_class("-shown")
        self.query_one("#form-keys", Static).update(
            f"ctrl+s refund {self.meta.store.money(event.result.amount_minor)} · esc cancel")

    @on(FormDialog.Refused)
    @on(Input.Changed)
    @on(Select.Changed)
    def _forget_plan(self) -> None:
        if self.shown is not None:
            self.shown = self.expect_minor = None
            self.remove_class("-shown")
            self.query_one("#form-keys", Static).update(f"ctrl+s {self.SAVE_LABEL} · esc cancel")


class RefundDialog(ConfirmedRefund):
    """A refund with or without a return: items (their price), or an amount (goodwill), to where."""

    TITLE_TEXT = "Refund"
    SAVE_LABEL = "see what goes back"
    FIELD_NAMES: ClassVar[dict[str, str]] = {"amount_minor": "amount", "include_shipping": "shipping"}

    def __init__(self, meta: OrdersMeta, number: str, balance_minor: int) -> None:
        super().__init__(meta, f"{meta.store.money(balance_minor)} {meta.store.currency} paid and not refunded yet. Items refund "
                               "what they cost; shipping alone refunds the shipping fee; an amount alone is a "
                               "goodwill refund.")
        self.number = number

    def title_text(self) -> str:
        return f"Refund on {self.number}"

    def fields(self) -> list[Field]:
        return [
            Field("items", "Items", _input("f-items", placeholder="TEE-01:1 (optional)",
                                           tooltip="Refund what these units cost (SKU:QTY).")),
            Field("amount", "Amount", _input("f-amount", placeholder="empty: what the items cost, or everything",
                                             tooltip="At most what was paid and not yet refunded.")),
            Field("shipping", "Shipping", _select("f-shipping", YES_NO, "no",
                                                  tooltip="Refund the shipping fee (alone: only the shipping fee).")),
            Field("to", "Refund to", _select("f-to", REFUND_TO, "original", tooltip="Where the money goes back.")),
            Field("reason", "Reason", _input("f-reason", placeholder="price adjustment, late delivery…",
                                             tooltip="Why: kept on the timeline and told to the customer.")),
        ]

    def _arguments(self, values: dict[str, Any]) -> dict[str, Any]:
        return {"number": self.number, "amount_minor": self.money(values["amount"], "refund amount", optional=True, field="amount"),
                "items": parse_items(values["items"], "items") if values["items"].strip() else None,
                "include_shipping": values["shipping"] == "yes", "to": values["to"]}

    def preview(self, session: Any, values: dict[str, Any]) -> Any:
        from shoptui.services import orders

        return orders.preview_refund(session=session, reason=values["reason"], **self._arguments(values))

    def book(self, values: dict[str, Any], expect_minor: int) -> Changed:
        from shoptui import db
        from shoptui.services import orders

        with db.transaction(self.url) as session:
            result = orders.refund(session=session, actor=self.shop.actor, reason=values["reason"],
                                           expect_amount_minor=expect_minor, **self._arguments(values))
        where = ", ".join(f"{METHOD_LABELS.get(m, m)} {self.meta.store.money(a)}" for m, a in result.methods.items())
        note = f" {result.stock_note}" if result.stock_note else ""
        return Changed(f"{self.number}: refunded {self.meta.store.money(result.amount_minor)} ({where}); "
                       f"{words_of(result.payment_status)}.{note}", self.number)


class ReturnRequestDialog(OrderForm):
    """A customer asks to send items back: which (picked from the order's returnable lines), why, photos.

    The lines table comes first: ↑↓ choose a line, enter adds one of it to Items (up to what can
    still come back); tab goes on to Items (editable: SKU:QTY), Reason and Photos.
    """

    TITLE_TEXT = "Return request"
    SAVE_LABEL = "record the request"

    @dataclass
    class LinesLoaded(Message):
        """The order's lines as a return sees them."""

        lines: list[Any]

    def __init__(self, meta: OrdersMeta, number: str) -> None:
        super().__init__(meta, "Only shipped items can come back; the return then waits for approval. "
                               "Pick lines: ↑↓ and enter adds one; tab to the other fields.")
        self.number = number
        self.lines: list[Any] = []

    def title_text(self) -> str:
        return f"Return request on {self.number}"

    def fields(self) -> list[Field]:
        from textual.widgets import DataTable

        table: DataTable[Any] = DataTable(id="f-lines", cursor_type="row", zebra_stripes=True, show_cursor=True)
        table.add_columns("SKU", "Title", "Sold", "Back", "Can")
        table.tooltip = "Sold, already back (or in an open return), and how many can still come back."
        return [
            Field("lines", "Lines", table, "enter adds one of the line to Items"),
            Field("items", "Items", _input("f-items", placeholder="TEE-01:1 MUG-01:2",
                                           tooltip="What comes back: SKU:QTY, separated by spaces.")),
            Field("reason", "Reason", _input("f-reason", placeholder="too small, broken in transit…",
                                             tooltip="Why the customer sends it back.")),
            Field("photos", "Photos", _input("f-photos", placeholder="file paths (optional)",
                                             tooltip="Paths of photo files, separated by spaces.")),
        ]

    def on_mount(self) -> None:
        super().on_mount()
        self.load_lines()

    @work(thread=True, exclusive=True, group="return-lines", exit_on_error=False)
    def load_lines(self) -> None:
        """Read the order's returnable lines (in a worker)."""
        from shoptui import db
        from shoptui.services import orders

        with db.read_session(self.url) as session:
            lines = orders.returnable_lines(session=session, number=self.number)
        self.post_message(self.LinesLoaded(lines))

    @on(LinesLoaded)
    def _lines_loaded(self, event: LinesLoaded) -> None:
        from rich.text import Text
        from textual.widgets import DataTable

        self.lines = event.lines
        table = self.query_one("#f-lines", DataTable)
        table.clear()
        for index, line in enumerate(event.lines):
            table.add_row(Text(line.sku), Text(line.title, overflow="ellipsis", no_wrap=True), str(line.sold),
                          str(line.returned), str(line.returnable), key=str(index))
        table.styles.height = min(len(event.lines), 6) + 1
        if any(line.returnable for line in event.lines):
            table.focus()
            table.move_cursor(row=next(i for i, line in enumerate(event.lines) if line.returnable))

    def on_data_table_row_selected(self, event: Any) -> None:
        """Enter on a line: one more of it in Items (never more than can come back)."""
        event.stop()
        line = self.lines[int(event.row_key.value)]
        field = self.query_one("#f-items", Input)
        try:
            items = parse_items(field.value)
        except ShopError:  # a hand-typed entry that does not parse: the save says why
            items = []
        wanted = dict(items)
        have = wanted.get(line.sku, 0)
        banner = self.query_one("#form-banner", Static)
        if have >= line.returnable:
            banner.update(f"✗ {line.sku}: {line.returnable} can come back"
                          + (f" and {have} already are in Items." if have else "."))
            self.add_class("-refused")
            return
        self.remove_class("-refused")
        wanted[line.sku] = have + 1
        field.value = " ".join(f"{sku}:{qty}" for sku, qty in wanted.items())

    def save(self, values: dict[str, Any]) -> Changed:
        from shoptui import db
        from shoptui.services import orders

        items = parse_items(values["items"], "items")
        photos = values["photos"].split() or None
        with db.transaction(self.url) as session:
            found = orders.request_return(session=session, actor=self.shop.actor, number=self.number,
                                                  items=items, reason=values["reason"], photos=photos)
        return Changed(f"Return #{found.id} requested on {self.number}: it waits for approval (returns: ctrl+e).",
                       self.number)


class DecideReturnDialog(OrderForm):
    """Approve or reject a requested return (a rejection needs a reason for the customer)."""

    TITLE_TEXT = "Approve or reject"
    SAVE_LABEL = "decide"

    def __init__(self, meta: OrdersMeta, found: ReturnRead) -> None:
        items = ", ".join(f"{i.sku} x{i.quantity}" for i in found.items)
        super().__init__(meta, f"Return #{found.id} of {found.order_number}: {items}. Reason: {found.reason}")
        self.found = found

    def title_text(self) -> str:
        return f"Return #{self.found.id}: approve or reject"

    def fields(self) -> list[Field]:
        return [
            Field("decision", "Decision", _select("f-decision", [("approve", "approve"), ("reject", "reject")],
                                                  "approve", tooltip="Approve the return, or reject it.")),
            Field("note", "Note", _input("f-note", placeholder="needed when rejecting",
                                         tooltip="Told to the customer; a rejection needs one.")),
        ]

    def save(self, values: dict[str, Any]) -> Changed:
        from shoptui import db
        from shoptui.services import orders

        approve = values["decision"] == "approve"
        with db.transaction(self.url) as session:
            orders.decide_return(session=session, actor=self.shop.actor, return_id=self.found.id,
                                         approve=approve, note=values["note"])
        word = "approved: receive the goods when they arrive" if approve else "rejected"
        return Changed(f"Return #{self.found.id} of {self.found.order_number} {word}.", self.found.order_number)


class ReceiveReturnDialog(OrderForm):
    """The goods of an approved return arrived: each line restocked or written off."""

    TITLE_TEXT = "Receive a return"
    SAVE_LABEL = "receive"

    def __init__(self, meta: OrdersMeta, found: ReturnRead) -> None:
        super().__init__(meta, f"Return #{found.id} of {found.order_number}: say for each item whether it can be "
                               "sold again.")
        self.found = found

    def title_text(self) -> str:
        return f"Receive return #{self.found.id}"

    def fields(self) -> list[Field]:
        return [Field(f"cond-{index}", f"{item.sku} x{item.quantity}"[:13],
                      _select(f"f-cond-{index}", CONDITIONS, "resellable",
                              tooltip=f"{item.sku}: back on the shelf, or written off as damaged."))
                for index, item in enumerate(self.found.items)]

    def save(self, values: dict[str, Any]) -> Changed:
        from shoptui import db
        from shoptui.services import orders

        conditions = {item.sku: values[f"cond-{index}"] for index, item in enumerate(self.found.items)}
        with db.transaction(self.url) as session:
            orders.receive_return(session=session, actor=self.shop.actor, return_id=self.found.id,
                                          conditions=conditions)
        damaged = sum(1 for c in conditions.values() if c == "damaged")
        kept = f"{len(conditions) - damaged} restocked" + (f", {damaged} written off" if damaged else "")
        return Changed(f"Return #{self.found.id} of {self.found.order_number} received ({kept}); refund it next.",
                       self.found.order_number)


class RefundReturnDialog(ConfirmedRefund):
    """Refund a received return: what its units cost (or less), optionally shipping, to where."""

    TITLE_TEXT = "Refund a return"
    SAVE_LABEL = "see what goes back"
    FIELD_NAMES: ClassVar[dict[str, str]] = {"amount_minor": "amount", "include_shipping": "shipping"}

    def __init__(self, meta: OrdersMeta, found: ReturnRead) -> None:
        items = ", ".join(f"{i.sku} x{i.quantity}" for i in found.items)
        super().__init__(meta, f"Return #{found.id} of {found.order_number}: {items}.")
        self.found = found

    def title_text(self) -> str:
        return f"Refund return #{self.found.id}"

    def fields(self) -> list[Field]:
        return [
            Field("amount", "Amount", _input("f-amount", placeholder="empty: what the items cost",
                                             tooltip="Less than the items cost for a partial refund.")),
            Field("shipping", "Shipping too", _select("f-shipping", YES_NO, "no",
                                                      tooltip="Also refund the shipping fee (once per order).")),
            Field("to", "Refund to", _select("f-to", REFUND_TO, "original", tooltip="Where the money goes back.")),
            Field("reason", "Reason", _input("f-reason", placeholder=f"return #{self.found.id}",
                                             tooltip="Kept on the timeline (optional).")),
        ]

    def _arguments(self, values: dict[str, Any]) -> dict[str, Any]:
        return {"return_id": self.found.id, "include_shipping": values["shipping"] == "yes", "to": values["to"],
                "amount_minor": self.money(values["amount"], "refund amount", optional=True, field="amount")}

    def preview(self, session: Any, values: dict[str, Any]) -> Any:
        from shoptui.services import orders

        return orders.preview_return_refund(session=session, **self._arguments(values))

    def book(self, values: dict[str, Any], expect_minor: int) -> Changed:
        from shoptui import db
        from shoptui.services import orders

        with db.transaction(self.url) as session:
            result = orders.refund_return(session=session, actor=self.shop.actor, reason=values["reason"],
                                                  expect_amount_minor=expect_minor, **self._arguments(values))
        return Changed(f"Return #{self.found.id} refunded: {self.meta.store.money(result.amount_minor)} on "
                       f"{result.number} ({words_of(result.payment_status)}).", result.number)


class ExchangeDialog(OrderForm):
    """Take items back and give others in one step; the price difference is charged or refunded."""

    TITLE_TEXT = "Exchange"
    SAVE_LABEL = "exchange"
    FIELD_NAMES: ClassVar[dict[str, str]] = {"lines": "new", "code": "new", "quantity": "new", "method": "pay",
                                             "pay_method": "pay", "items": "back"}

    def __init__(self, meta: OrdersMeta, number: str) -> None:
        super().__init__(meta, "The returned items are received at once; a new order holds the new ones, paid with "
                               "their value.")
        self.number = number

    def title_text(self) -> str:
        return f"Exchange on {self.number}"

    def fields(self) -> list[Field]:
        return [
            Field("back", "Comes back", _input("f-back", placeholder="TEE-01:1", tooltip="What the customer returns.")),
            Field("new", "Goes out", _input("f-new", placeholder="TEE-02:1", tooltip="What the customer takes instead.")),
            Field("condition", "Condition", _select("f-condition", CONDITIONS, "resellable",
                                                    tooltip="Whether the returned items can be sold again.")),
            Field("pay", "Difference", _select("f-pay", [("leave it due", "")] + _methods(), "",
                                               tooltip="How the customer pays when the new items cost more.")),
            Field("reason", "Reason", _input("f-reason", "exchange", tooltip="Why (wrong size…).")),
        ]

    def save(self, values: dict[str, Any]) -> Changed:
        from shoptui import db
        from shoptui.services import orders

        back = parse_items(values["back"], "back")
        new = [orders.DraftLine(sku=code, quantity=qty) for code, qty in parse_items(values["new"], "new")]
        with db.transaction(self.url) as session:
            result = orders.exchange(session=session, actor=self.shop.actor, number=self.number, back=back,
                                             new=new, pay_method=values["pay"] or None, reason=values["reason"],
                                             condition=values["condition"])
        parts = [f"new order {result.new_order.number}"]
        if result.refunded_minor:
            parts.append(f"{self.meta.store.money(result.refunded_minor)} refunded")
        if result.charged_minor:
            parts.append(f"{self.meta.store.money(result.charged_minor)} charged")
        if result.due_minor:
            parts.append(f"{self.meta.store.money(result.due_minor)} still due")
        return Changed(f"Exchange on {self.number}: " + ", ".join(parts) + ".", result.new_order.number)


# ---------------------------------------------------------------- filters


@dataclass(frozen=True)
class MoreFilters:
    """The filters of the dialog (dates in the store's time zone)."""

    date_from: date | None = None
    date_to: date | None = None
    customer: str = ""
    min_total_minor: int | None = None
    max_total_minor: int | None = None
    has_tracking: bool | None = None

    def describe(self, meta: OrdersMeta) -> str:
        """``from 2026-11-01 · customer 138… · ≥ 50.00 · with tracking`` ("" when none)."""
        parts = []
        if self.date_from or self.date_to:
            parts.append(f"{self.date_from or '…'} to {self.date_to or '…'}")
        if self.customer:
            parts.append(f"customer {self.customer}")
        if self.min_total_minor is not None:
            parts.append(f"≥ {meta.store.money(self.min_total_minor)}")
        if self.max_total_minor is not None:
            parts.append(f"≤ {meta.store.money(self.max_total_minor)}")
        if self.has_tracking is not None:
            parts.append("with tracking" if self.has_tracking else "without tracking")
        return " · ".join(parts)


def _day(text: str, what: str, field: str) -> date | None:
    from shoptui.services.shop import parse_day

    return parse_day(text, field=what, example="2026-11-20", name=field)


class FiltersDialog(OrderForm):
    """Date range, customer, amount and tracking filters of the order list."""

    TITLE_TEXT = "More filters"
    SAVE_LABEL = "apply"

    def __init__(self, meta: OrdersMeta, current: MoreFilters) -> None:
        super().__init__(meta, "Empty fields do not filter. Dates are in the store's time zone.")
        self.current = current

    def fields(self) -> list[Field]:
        c = self.current
        tracking = "" if c.has_tracking is None else ("yes" if c.has_tracking else "no")
        return [
            Field("date_from", "From", _input("f-from", str(c.date_from or ""), placeholder="2026-11-01",
                                              tooltip="The first day (YYYY-MM-DD).")),
            Field("date_to", "To", _input("f-to", str(c.date_to or ""), placeholder="2026-11-30",
                                          tooltip="The last day (YYYY-MM-DD).")),
            Field("customer", "Customer", _input("f-customer", c.customer, placeholder="phone, email or #id",
                                                 tooltip="Only this customer's orders.")),
            Field("min_total", "Total from", _input("f-min", "" if c.min_total_minor is None
                                                    else self.meta.store.money(c.min_total_minor),
                                                    placeholder="smallest total", tooltip="Smallest order total.")),
            Field("max_total", "Total to", _input("f-max", "" if c.max_total_minor is None
                                                  else self.meta.store.money(c.max_total_minor),
                                                  placeholder="largest total", tooltip="Largest order total.")),
            Field("tracking", "Tracking", _select("f-tracking", [("any", ""), ("with a tracking number", "yes"),
                                                                 ("without", "no")], tracking,
                                                  tooltip="Only orders with (or without) a shipment.")),
        ]

    def save(self, values: dict[str, Any]) -> MoreFilters:
        from shoptui import db
        from shoptui.services import orders

        found = MoreFilters(
            date_from=_day(values["date_from"], "first day", "date_from"), date_to=_day(values["date_to"], "last day", "date_to"),
            customer=values["customer"].strip(),
            min_total_minor=self.money(values["min_total"], "smallest total", optional=True, field="min_total"),
            max_total_minor=self.money(values["max_total"], "largest total", optional=True, field="max_total"),
            has_tracking=None if not values["tracking"] else values["tracking"] == "yes")
        with db.read_session(self.url) as session:  # the service checks the customer and the range
            orders.list_orders(session=session, filters=to_filter(found), limit=1)
        return found


def to_filter(more: MoreFilters, *, status: str = "", channel: str = "", search: str = "") -> OrderFilter:
    """The service's filter from the dialog's and the bar's."""
    from shoptui.services.orders import OrderFilter

    return OrderFilter(status=status or None, channel=channel or None, customer=more.customer or None,
                       date_from=more.date_from, date_to=more.date_to, min_total_minor=more.min_total_minor,
                       max_total_minor=more.max_total_minor, has_tracking=more.has_tracking, search=search)


# ---------------------------------------------------------------- documents


class SaveDocumentDialog(OrderForm):
    """Where to save a packing slip or an invoice."""

    TITLE_TEXT = "Save to a file"
    SAVE_LABEL = "save"

    def __init__(self, meta: OrdersMeta, text: str, path: str) -> None:
        super().__init__(meta)
        self.text = text
        self.path = path

    def fields(self) -> list[Field]:
        return [Field("path", "File", _input("f-path", self.path, tooltip="Where the text is written (UTF-8)."))]

    def save(self, values: dict[str, Any]) -> Changed:
        from shoptui.services import orders

        if not values["path"].strip():
            raise InvalidInput("Give a file name for the document.", field="path")
        path = orders.save(self.text, values["path"].strip())
        return Changed(f"Saved to {path}.")


DOCUMENT_NAMES = {"slip": "packing slip", "invoice": "invoice"}


class DocumentScreen(ReportsWorkerErrors, ModalScreen[None]):
    """A packing slip or an invoice as it prints: w saves it to a file, p sends it to the printer."""

    BINDINGS = [
        Binding("escape", "close", "Back", id="document-close", tooltip="Back to the order."),
        Binding("w", "write", "Save", id="document-save", tooltip="Save the text to a file."),
        Binding("p", "print", "Print", id="document-print", tooltip="Send it to the print command (settings)."),
    ]

    @dataclass
    class Rendered(Message):
        """The document's text and the print command of the store."""

        text: str
        command: str

    def __init__(self, meta: OrdersMeta, number: str, kind: str) -> None:
        super().__init__()
        self.meta = meta
        self.number = number
        self.kind = kind
        self.text = ""
        self.command = ""

    @property
    def shop(self) -> ShopApp:
        """The app, typed."""
        from typing import cast

        return cast("ShopApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = plain(f"{DOCUMENT_NAMES[self.kind].capitalize()} of {self.number}")
            with VerticalScroll(id="document-text"):
                yield Static("Loading…", id="document-body", markup=False)
        yield SteadyFooter(compact=True)

    def on_mount(self) -> None:
        self.render_document()

    @work(thread=True, exclusive=True, group="order-document", exit_on_error=False)
    def render_document(self) -> None:
        """The text, from the documents service."""
        from shoptui import db
        from shoptui.services import orders

        with db.read_session(self.shop.db_url) as session:
            text = orders.render(session=session, number=self.number, kind=self.kind)
            command = orders.shop_info(session=session).print_command
        self.post_message(self.Rendered(text, command))

    @on(Rendered)
    def _rendered(self, event: Rendered) -> None:
        self.text, self.command = event.text, event.command
        self.query_one("#document-body", Static).update(plain(event.text))

    def action_close(self) -> None:
        """Back."""
        self.dismiss(None)

    def action_write(self) -> None:
        """Save to a file (asks where)."""
        if self.text:
            path = f"~/{self.number}-{self.kind}.txt"
            self.app.push_screen(SaveDocumentDialog(self.meta, self.text, path), self._saved)

    def _saved(self, result: Changed | None) -> None:
        if result is not None:
            self.shop.announce(result.text)

    @work(thread=True, exclusive=True, group="order-print", exit_on_error=False)
    def action_print(self) -> None:
        """Pipe the text to the print command."""
        from shoptui.services import orders

        if not self.text:
            return
        from shoptui.tui.widgets.confirm import print_command_confirmed

        orders.print_text(self.text, self.command, confirmed=print_command_confirmed(self.app, self.command))
        self.app.call_from_thread(self.shop.announce, f"Sent the {DOCUMENT_NAMES[self.kind]} of {self.number} to the "
                                                      "printer.")
