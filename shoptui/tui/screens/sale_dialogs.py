"""Dialogs of the sale screen: the customer by phone, discounts, the receipt (print, save).

Each gathers input on the UI thread and does its reading or writing in a worker; refusals are
shown in the dialog in the service's words (✗ marks them without colour).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Digits, Input, Label, Static

from shoptui.errors import ShopError
from shoptui.tui.widgets.inventory_form import Field, FormDialog
from shoptui.tui.workers import ReportsWorkerErrors

if TYPE_CHECKING:
    from shoptui.services.customers import CustomerRead
    from shoptui.services.members import MemberBenefits
    from shoptui.services.sales import Basket, SaleResult
    from shoptui.tui.app import ShopApp
    from shoptui.tui.screens.sale import SaleMeta


# ---------------------------------------------------------------- customer


@dataclass(frozen=True)
class CustomerLookup:
    """A customer found by phone, with what they get as a member (None: not a member)."""

    customer: CustomerRead
    benefits: MemberBenefits | None
    max_points: int  # the most points usable on this basket (0: none)
    max_points_minor: int


def member_summary(lookup: CustomerLookup, meta: SaleMeta) -> str:
    """``Wang Fang · 13800138000 · Gold member (5% off) · 1,200 points worth 12.00 ...``"""
    c = lookup.customer
    parts = [c.name or "(no name)"]
    if c.phone:
        parts.append(c.phone)
    b = lookup.benefits
    if b is None:
        parts.append("not a member")
        return " · ".join(parts)
    tier = f"{b.tier_name} member"
    if b.discount_bp:
        tier += f" ({meta.percent(b.discount_bp)} off)"
    parts.append(tier)
    parts.append(f"{b.points_balance:,} points worth {meta.money(b.points_value_minor)}")
    if b.credit_balance_minor:
        parts.append(f"store credit {meta.money(b.credit_balance_minor)}")
    text = " · ".join(parts)
    if lookup.max_points:
        text += (f"\nMay use up to {lookup.max_points:,} points ({meta.money(lookup.max_points_minor)}) on this "
                 "sale.")
    elif b.points_balance:
        text += "\nNo points can be used on this sale."
    return text


class CustomerDialog(ReportsWorkerErrors, ModalScreen[Any]):
    """Type the phone, enter looks it up and shows the member; enter again attaches. F3: guest sale."""

    DEFAULT_CSS = """
    CustomerDialog { align: center middle; }
    CustomerDialog > Vertical { width: 72; max-width: 100%; height: auto; max-height: 100%; border: thick $primary;
                                background: $surface; padding: 0 1; }
    CustomerDialog #cust-title { height: 1; text-style: bold; color: $text-accent; }
    CustomerDialog .cust-row { height: 1; margin: 1 0 0 0; }
    CustomerDialog .cust-label { width: 10; }
    CustomerDialog #cust-phone { width: 1fr; }
    CustomerDialog #cust-found { height: auto; min-height: 2; margin: 1 0 0 0; }
    CustomerDialog #cust-found.-refused { color: $text-error; text-style: bold; }
    CustomerDialog #cust-keys { height: auto; color: $text-muted; }
    """

    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("ctrl+s,f12", "attach", "Attach", id="customer-attach",
                tooltip="Put the customer on the sale (enter does too once they are found)."),
        Binding("f3", "guest", "Guest sale", id="customer-guest", tooltip="Take the customer off: a guest sale."),
        Binding("escape", "back", "Back", id="customer-back", tooltip="Back to the basket, unchanged."),
    ]

    @dataclass
    class Found(Message):
        """The phone was looked up."""

        phone: str
        lookup: CustomerLookup | None
        sentence: str

    def __init__(self, basket: Basket, meta: SaleMeta, member: MemberBenefits | None) -> None:
        super().__init__()
        self.basket = basket
        self.meta = meta
        self.member = member
        self.found: tuple[str, CustomerLookup] | None = None

    @property
    def shop(self) -> ShopApp:
        """The app, typed."""
        return cast("ShopApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Customer · attach by phone", id="cust-title", markup=False)
            with Horizontal(classes="cust-row"):
                yield Label("Phone", classes="cust-label", markup=False)
                yield Input(self.basket.customer_phone or "", id="cust-phone", compact=True,
                            placeholder="13800138000, +86…, or an email / #id",
                            tooltip="The customer's phone (or email or #id); enter looks it up.")
            now = ("Now: guest sale" if self.basket.customer_id is None else
                   f"Now: {self.basket.customer_name or self.basket.customer_phone}")
            yield Static(now, id="cust-found", markup=False)
            yield Static("⏎ look up, ⏎ again attaches · F3 guest sale · esc back", id="cust-keys", markup=False)

    def on_mount(self) -> None:
        phone = self.query_one("#cust-phone", Input)
        phone.focus()
        if phone.value:
            self.look_up(phone.value)

    @on(Input.Changed, "#cust-phone")
    def _changed(self, event: Input.Changed) -> None:
        if self.found is not None and self.found[0] != event.value.strip():
            self.found = None

    @on(Input.Submitted, "#cust-phone")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        phone = event.value.strip()
        if self.found is not None and self.found[0] == phone:
            self.action_attach()
        elif phone:
            self.look_up(phone)
        else:
            self._say("Type the customer's phone, then enter.", refused=True)

    @work(thread=True, exclusive=True, group="sale-customer", exit_on_error=False)
    def look_up(self, phone: str) -> None:
        """The customer, their member benefits and how many points this basket may take."""
        from shoptui import db
        from shoptui.services import customers, members

        try:
            with db.read_session(self.shop.db_url) as session:
                customer = customers.get_customer(session=session, ref=phone)
                benefits = members.member_benefits(session=session, customer_id=customer.id)
                most = value = 0
                if benefits is not None and self.basket.total_minor > 0:
                    most = members.max_redeemable_points(session=session, customer_id=customer.id,
                                                         payable_minor=self.basket.total_minor)
                    value = members.points_value_minor(session=session, points=most) if most else 0
        except ShopError as exc:
            self.post_message(self.Found(phone, None, str(exc)))
            return
        self.post_message(self.Found(phone, CustomerLookup(customer, benefits, most, value), ""))

    @on(Found)
    def _found(self, event: Found) -> None:
        if event.phone != self.query_one("#cust-phone", Input).value.strip():
            return  # typed on since
        if event.lookup is None:
            self.found = None
            self._say(event.sentence, refused=True)
            return
        self.found = (event.phone, event.lookup)
        self._say(member_summary(event.lookup, self.meta), refused=False)
        self.query_one("#cust-keys", Static).update("⏎ or F12 attach to the sale · F3 guest sale · esc back")

    def _say(self, text: str, *, refused: bool) -> None:
        found = self.query_one("#cust-found", Static)
        found.update(f"✗ {text}" if refused else text)
        found.set_class(refused, "-refused")

    def action_attach(self) -> None:
        """Attach the customer found (look them up first when not yet)."""
        phone = self.query_one("#cust-phone", Input).value.strip()
        if self.found is not None and self.found[0] == phone:
            self.dismiss(("customer", phone))
        elif phone:
            self.look_up(phone)

    def action_guest(self) -> None:
        """A guest sale."""
        self.dismiss(("guest", ""))

    def action_back(self) -> None:
        """Unchanged."""
        self.dismiss(None)


# ---------------------------------------------------------------- discounts


class DiscountDialog(FormDialog):
    """A discount off the selected line and/or off the whole sale (0 or empty takes it away)."""

    TITLE_TEXT = "Discount"
    SAVE_LABEL = "apply"

    def __init__(self, basket: Basket, sku: str | None, meta: SaleMeta) -> None:
        self.basket = basket
        self.line = basket.line(sku) if sku else None
        self.meta = meta
        intro = (f"{self.line.sku} · {self.line.title}: {self.line.quantity} x {meta.money(self.line.unit_price_minor)}"
                 if self.line else "No line selected: only the whole sale.")
        super().__init__(intro + f" · sale subtotal {meta.money(basket.subtotal_minor)} {meta.currency}")

    def fields(self) -> list[Field]:
        m = self.meta
        out = []
        if self.line is not None:
            out.append(Field("line", "Line discount", Input(
                m.money(self.line.line_discount_minor) if self.line.line_discount_minor else "", id="f-line",
                compact=True, placeholder="0.00", tooltip="Taken off this line's price (all its units together).")))
        out.append(Field("sale", "Sale discount", Input(
            m.money(self.basket.discount_minor) if self.basket.discount_minor else "", id="f-sale", compact=True,
            placeholder="0.00", tooltip="Taken off the whole sale, spread over the lines.")))
        return out

    def field_for(self, sentence: str) -> str | None:
        low = sentence.lower()
        if self.line is not None and (self.line.sku.lower() in low or "line" in low):
            return "line"
        return "sale"

    def save(self, values: dict[str, Any]) -> Any:
        from shoptui.services import sales

        money = self.meta.money_type
        basket = self.basket
        line_minor = 0
        if self.line is not None:
            raw = (values.get("line") or "").strip()
            line_minor = money.parse(raw, field=f"discount on {self.line.sku}") if raw else 0
            basket = sales.set_line_discount(basket=basket, sku=self.line.sku, discount_minor=line_minor)
        raw = (values.get("sale") or "").strip()
        sale_minor = money.parse(raw, field="sale discount") if raw else 0
        sales.set_discount(basket=basket, discount_minor=sale_minor)  # refuses more than the goods cost
        return (self.line.sku if self.line else None, line_minor, sale_minor)


# ---------------------------------------------------------------- receipt


class SaveReceiptDialog(FormDialog):
    """Where to save a document as text."""

    TITLE_TEXT = "Save the receipt"
    SAVE_LABEL = "save"

    def __init__(self, text: str, default: str, *, title: str = "Save the receipt") -> None:
        super().__init__("A UTF-8 text file; an existing file is replaced.")
        self.text = text
        self.default = default
        self.title_line = title

    def title_text(self) -> str:
        return self.title_line

    def fields(self) -> list[Field]:
        return [Field("path", "File", Input(self.default, id="f-path", compact=True,
                                            tooltip="The file to write (~ is your home folder)."))]

    def field_for(self, sentence: str) -> str | None:
        return "path"

    def save(self, values: dict[str, Any]) -> Any:
        from shoptui.errors import InvalidInput
        from shoptui.services import documents

        path = (values.get("path") or "").strip()
        if not path:
            raise InvalidInput("Give a file name to save it to.")
        return documents.save(self.text, path)


class ReceiptDialog(ReportsWorkerErrors, ModalScreen[None]):
    """The receipt as it prints (58 or 80 mm), with the change due; p prints, s saves, enter: next customer."""

    DEFAULT_CSS = """
    ReceiptDialog { align: center middle; }
    ReceiptDialog > Vertical { width: 56; max-width: 100%; height: 100%; max-height: 46; border: thick $success;
                               background: $surface; padding: 0 1; }
    ReceiptDialog.-narrow > Vertical { width: 44; }
    ReceiptDialog #rc-title { height: auto; text-style: bold; }
    ReceiptDialog #rc-change-row { height: 3; }
    ReceiptDialog #rc-change-label { width: 1fr; height: 3; content-align: left middle; text-style: bold; }
    ReceiptDialog #rc-change { width: auto; text-style: bold; color: $text-success; }
    ReceiptDialog #rc-scroll { height: 1fr; border: round $panel; padding: 0 1; }
    ReceiptDialog #rc-scroll:focus { border: round $primary; }
    ReceiptDialog #rc-text { width: auto; height: auto; }
    ReceiptDialog #rc-status { height: auto; }
    ReceiptDialog #rc-status.-refused { color: $text-error; text-style: bold; }
    ReceiptDialog #rc-keys { height: 1; color: $text-muted; }
    """

    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("enter,escape", "close", "Next customer", id="receipt-close",
                tooltip="Close the receipt; the scan field is ready for the next customer."),
        Binding("p", "print", "Print", id="receipt-print", tooltip="Send the receipt to the print command."),
        Binding("s", "save", "Save", id="receipt-save", tooltip="Save the receipt as a text file."),
        Binding("w", "width", "58/80 mm", id="receipt-width", tooltip="Show (and print) it for the other paper width."),
    ]

    @dataclass
    class Delivered(Message):
        """Printing, saving or re-rendering finished: a sentence, and new text when re-rendered."""

        sentence: str
        ok: bool
        text: str | None = None
        width_mm: int | None = None

    def __init__(self, result: SaleResult, meta: SaleMeta, *, just_sold: bool) -> None:
        super().__init__()
        self.result = result
        self.meta = meta
        self.just_sold = just_sold
        self.text = result.receipt
        self.width_mm = meta.receipt_width_mm

    @property
    def shop(self) -> ShopApp:
        """The app, typed."""
        return cast("ShopApp", self.app)

    def compose(self) -> ComposeResult:
        order, m = self.result.order, self.meta
        head = "Sold" if self.just_sold else "Receipt of"
        with Vertical():
            yield Static(f"{head} {order.number} · {m.money(order.total_minor)} {m.currency} · paid", id="rc-title",
                         markup=False)
            if self.just_sold and self.result.change_minor:
                with Horizontal(id="rc-change-row"):
                    yield Static("CHANGE DUE", id="rc-change-label", markup=False)
                    yield Digits(m.money(self.result.change_minor), id="rc-change")
            with VerticalScroll(id="rc-scroll"):
                yield Static(self.text.rstrip("\n"), id="rc-text", markup=False)
            yield Static("", id="rc-status", markup=False)
            yield Static("⏎ next customer · p print · s save · w 58/80", id="rc-keys", markup=False)

    def on_mount(self) -> None:
        scroll = self.query_one("#rc-scroll", VerticalScroll)
        scroll.border_title = f"{self.width_mm} mm · ↑↓ scroll"
        self.set_class(self.width_mm == 58, "-narrow")
        scroll.focus()

    def action_close(self) -> None:
        """Back to the scan field."""
        self.dismiss(None)

    def _status(self, text: str, *, ok: bool) -> None:
        status = self.query_one("#rc-status", Static)
        status.update(("✓ " if ok else "✗ ") + text)
        status.set_class(not ok, "-refused")

    def action_print(self) -> None:
        """Print in a worker (the printer may be slow)."""
        self._status("Printing…", ok=True)
        self.deliver("print", "")

    def action_save(self) -> None:
        """Ask where, then save."""
        default = f"receipt-{self.result.order.number}.txt"
        self.app.push_screen(SaveReceiptDialog(self.text, default),
                             lambda path: self._status(f"Saved to {path}.", ok=True) if path else None)

    def action_width(self) -> None:
        """Render it for the other paper width."""
        self.deliver("width", "")

    @work(thread=True, exclusive=True, group="receipt-deliver", exit_on_error=False)
    def deliver(self, what: str, target: str) -> None:
        """Print, or render again at the other width."""
        from shoptui import db
        from shoptui.services import documents

        try:
            if what == "print":
                with db.read_session(self.shop.db_url) as session:
                    command = documents.shop_info(session=session).print_command
                documents.print_text(self.text, command)
                self.post_message(self.Delivered(f"Sent to the printer ({command}).", True))
            else:
                width = 80 if self.width_mm == 58 else 58
                with db.read_session(self.shop.db_url) as session:
                    text = documents.render(session=session, number=self.result.order.number, kind="receipt",
                                            width_mm=width)
                self.post_message(self.Delivered(f"Shown for {width} mm paper.", True, text, width))
        except ShopError as exc:
            self.post_message(self.Delivered(str(exc), False))

    @on(Delivered)
    def _delivered(self, event: Delivered) -> None:
        if event.text is not None and event.width_mm is not None:
            self.text = event.text
            self.width_mm = event.width_mm
            self.query_one("#rc-text", Static).update(event.text.rstrip("\n"))
            self.query_one("#rc-scroll", VerticalScroll).border_title = f"{event.width_mm} mm · ↑↓ scroll"
            self.set_class(event.width_mm == 58, "-narrow")
        self._status(event.sentence, ok=event.ok)
