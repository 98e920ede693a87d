"""Dialogs of the sale screen: the customer by phone, discounts, the receipt (print, save).

Each gathers input on the UI thread and does its reading or writing in a worker; refusals are
shown in the dialog in the service's words (✗ marks them without colour).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Digits, Input, Label, Static

from shoptui.errors import ShopError
from shoptui.tui.text import percent, plain
from shoptui.tui.widgets.form import Field, FormDialog
from shoptui.tui.workers import ReportsWorkerErrors

if TYPE_CHECKING:
    from shoptui.services.sales import Basket, SaleResult
    from shoptui.tui.app import ShopApp
    from shoptui.tui.screens.sale.screen import SaleMeta


# ---------------------------------------------------------------- customer, points


def member_summary(basket: Basket, meta: SaleMeta) -> str:
    """``Wang Fang · +8613800138000 · Gold member (5% off) · 1,200 points worth 12.00 ...``"""
    parts = [basket.customer_name or "(no name)"]
    if basket.customer_phone:
        parts.append(basket.customer_phone)
    b = basket.member
    if b is None:
        parts.append("not a member: no points")
        return " · ".join(parts)
    tier = f"{b.tier_name} member"
    if b.discount_bp:
        tier += f" ({percent(b.discount_bp)} off)"
    parts.append(tier)
    parts.append(f"{b.points_balance:,} points worth {meta.store.money(b.points_value_minor)}")
    text = " · ".join(parts)
    if b.max_redeemable_points:
        text += f"\nMay use up to {b.max_redeemable_points:,} points on this sale (F2: all of them)."
    elif b.points_balance:
        text += "\nNo points can be used on this sale."
    return text


class CustomerDialog(ReportsWorkerErrors, ModalScreen[Any]):
    """Phone + enter: the customer and what they get; points to use + enter: put them on the sale.

    Every step prices the basket in a worker (``sales.attach_customer``, ``sales.set_points``), so
    the tier discount and the points limit shown are the ones the sale will get; a refusal is shown
    under the field in the service's words. The dialog closes with the priced basket.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s,f12", "attach", "Attach", id="customer-attach",
                tooltip="Put the customer (and the points) on the sale; enter does too."),
        Binding("f2", "all_points", "All points", id="customer-all-points",
                tooltip="Use as many points as this sale allows."),
        Binding("f3", "guest", "Guest sale", id="customer-guest", tooltip="Take the customer off: a guest sale."),
        Binding("escape", "back", "Back", id="customer-back", tooltip="Back to the basket, unchanged."),
    ]

    @dataclass
    class Priced(Message):
        """A step was priced: the basket after it, or the sentence that refused it."""

        step: str  # look-up, points, guest
        phone: str
        basket: Basket | None
        sentence: str

    def __init__(self, basket: Basket, meta: SaleMeta) -> None:
        super().__init__()
        self.basket = basket
        self.meta = meta
        self.found: tuple[str, Basket] | None = None

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
                            placeholder="13800138000, +86…, an email or #id",
                            tooltip="The customer's phone (or email or #id); enter looks it up.")
            now = ("Now: guest sale" if self.basket.customer_id is None else
                   f"Now: {self.basket.customer_name or self.basket.customer_phone}")
            yield Static(plain(now), id="cust-found", markup=False)
            with Horizontal(classes="cust-row", id="cust-points-row"):
                yield Label("Points to use", classes="cust-label", markup=False)
                yield Input(str(self.basket.points_to_use) if self.basket.points_to_use else "", id="cust-points",
                            compact=True, placeholder="0", type="integer",
                            tooltip="Any number of points up to what the sale allows (0 or empty: none).")
            yield Static("", id="cust-problem", markup=False)
            yield Static("⏎ look up · F3 guest sale · esc back", id="cust-keys", markup=False)

    def on_mount(self) -> None:
        phone = self.query_one("#cust-phone", Input)
        phone.focus()
        if phone.value:
            self.price("look-up", phone.value.strip(), None)

    @on(Input.Changed, "#cust-phone")
    def _changed(self, event: Input.Changed) -> None:
        if self.found is not None and self.found[0] != event.value.strip():
            self.found = None
            self.remove_class("-member")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "cust-points":
            self.action_attach()
            return
        phone = event.value.strip()
        if self.found is not None and self.found[0] == phone:
            if self.has_class("-member"):
                self.query_one("#cust-points", Input).focus()
            else:
                self.action_attach()
        elif phone:
            self.price("look-up", phone, None)
        else:
            self._say("Type the customer's phone, then enter.", refused=True)

    @work(thread=True, exclusive=True, group="sale-customer", exit_on_error=False)
    def price(self, step: str, phone: str, points: int | None) -> None:
        """Attach (and use points) on a copy of the basket, reading the customer's offers."""
        from shoptui import db
        from shoptui.services import sales as sales_api

        try:
            with db.read_session(self.shop.db_url) as session:
                if step == "guest":
                    basket = sales_api.detach_customer(basket=self.basket, session=session)
                else:
                    basket = sales_api.attach_customer(session=session, basket=self.basket, phone=phone)
                    if points is not None:
                        basket = sales_api.set_points(session=session, basket=basket, points=points)
        except ShopError as exc:
            self.post_message(self.Priced(step, phone, None, str(exc)))
            return
        self.post_message(self.Priced(step, phone, basket, ""))

    @on(Priced)
    def _priced(self, event: Priced) -> None:
        if event.step == "guest":
            if event.basket is not None:
                self.dismiss((event.basket, "Guest sale (no customer)"))
            return
        if event.step == "points":
            if event.basket is None:
                self.query_one("#cust-problem", Static).update(plain(f"✗ {event.sentence}"))
                self.query_one("#cust-points", Input).focus()
                return
            basket = event.basket
            used = f", {basket.points_to_use:,} points used" if basket.points_to_use else ""
            self.dismiss((basket, f"Customer: {basket.customer_name or basket.customer_phone}{used}"))
            return
        if event.phone != self.query_one("#cust-phone", Input).value.strip():
            return  # typed on since
        if event.basket is None:
            self.found = None
            self.remove_class("-member")
            self._say(event.sentence, refused=True)
            return
        self.found = (event.phone, event.basket)
        member = event.basket.member
        self.set_class(member is not None and member.points_balance > 0, "-member")
        self._say(member_summary(event.basket, self.meta), refused=False)
        keys = "⏎ or F12 attach · F3 guest sale · esc back"
        if self.has_class("-member"):
            keys = "⏎ points, ⏎ attach · F2 all points · F3 guest sale · esc back"
        self.query_one("#cust-keys", Static).update(plain(keys))

    def _say(self, text: str, *, refused: bool) -> None:
        found = self.query_one("#cust-found", Static)
        found.update(plain(f"✗ {text}" if refused else text))
        found.set_class(refused, "-refused")
        self.query_one("#cust-problem", Static).update(plain(""))

    def action_attach(self) -> None:
        """Put the customer found (with the points typed) on the sale; look them up first when not yet."""
        phone = self.query_one("#cust-phone", Input).value.strip()
        if self.found is None or self.found[0] != phone:
            if phone:
                self.price("look-up", phone, None)
            return
        raw = self.query_one("#cust-points", Input).value.strip() if self.has_class("-member") else ""
        if not raw.lstrip("-").isdigit() and raw:
            self.query_one("#cust-problem", Static).update(plain(f"✗ The points to use are {raw!r}, not a whole number."))
            return
        self.price("points", phone, int(raw) if raw else 0)

    def action_all_points(self) -> None:
        """As many points as this sale allows."""
        if self.found is not None and self.found[1].member is not None:
            field = self.query_one("#cust-points", Input)
            field.value = str(self.found[1].member.max_redeemable_points)
            field.focus()

    def action_guest(self) -> None:
        """A guest sale."""
        self.price("guest", "", None)

    def action_back(self) -> None:
        """Unchanged."""
        self.dismiss(None)


# ---------------------------------------------------------------- coupons


class CouponDialog(FormDialog):
    """Add a coupon code to the sale (the service says why one cannot be used); F3 takes every code off."""

    TITLE_TEXT = "Coupon"
    DEFAULT_FIELD = "code"
    SAVE_LABEL = "apply · F3 take every code off"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f3", "clear", "Remove codes", id="coupon-clear", tooltip="Take every coupon code off the sale."),
    ]

    def __init__(self, basket: Basket, meta: SaleMeta) -> None:
        self.basket = basket
        self.meta = meta
        codes = []
        for code in basket.coupon_codes:
            offer = next((e for e in basket.explanations if e.ref == f"coupon:{code}"), None)
            codes.append(f"{code} ({meta.store.money(offer.amount_minor)})" if offer else code)
        super().__init__(("On this sale: " + ", ".join(codes)) if codes else "No coupon on this sale yet.")
        self.clearing = False

    def fields(self) -> list[Field]:
        return [Field("code", "Code", Input("", id="f-code", compact=True, placeholder="SAVE20-XXXX",
                                            tooltip="The coupon code as printed (case and dashes do not matter)."))]

    def action_clear(self) -> None:
        """Take every code off."""
        if self.basket.coupon_codes and not self.saving:
            self.clearing = True
            self.action_save()

    def save(self, values: dict[str, Any]) -> Any:
        from shoptui import db
        from shoptui.errors import InvalidInput
        from shoptui.services import sales as sales_api

        with db.read_session(self.shop.db_url) as session:
            if self.clearing:
                self.clearing = False
                basket = self.basket
                for code in basket.coupon_codes:
                    basket = sales_api.remove_coupon(basket=basket, code=code, session=session)
                return basket, "Coupons taken off"
            code = (values.get("code") or "").strip()
            if not code:
                raise InvalidInput("Type or scan the coupon code.")
            basket = sales_api.add_coupon(session=session, basket=self.basket, code=code)
        return basket, f"Coupon {basket.coupon_codes[-1]} applied"


# ---------------------------------------------------------------- discounts


class DiscountDialog(FormDialog):
    """A discount off the selected line and/or off the whole sale (0 or empty takes it away)."""

    TITLE_TEXT = "Discount"
    FIELD_NAMES: ClassVar[dict[str, str]] = {"line_discount_minor": "line", "discount_minor": "sale"}
    SAVE_LABEL = "apply"

    def __init__(self, basket: Basket, sku: str | None, meta: SaleMeta) -> None:
        self.basket = basket
        self.line = basket.line(sku) if sku else None
        self.meta = meta
        intro = (f"{self.line.sku} · {self.line.title}: {self.line.quantity} x {meta.store.money(self.line.unit_price_minor)}"
                 if self.line else "No line selected: only the whole sale.")
        super().__init__(intro + f" · sale subtotal {meta.store.money(basket.subtotal_minor)} {meta.store.currency}")

    def fields(self) -> list[Field]:
        m = self.meta
        out = []
        if self.line is not None:
            out.append(Field("line", "Line discount", Input(
                m.store.money(self.line.line_discount_minor) if self.line.line_discount_minor else "", id="f-line",
                compact=True, placeholder="0.00", tooltip="Taken off this line's price (all its units together).")))
        out.append(Field("sale", "Sale discount", Input(
            m.store.money(self.basket.discount_minor) if self.basket.discount_minor else "", id="f-sale", compact=True,
            placeholder="0.00", tooltip="Taken off the whole sale, spread over the lines.")))
        return out

    def save(self, values: dict[str, Any]) -> Any:
        from shoptui import db
        from shoptui.services import sales as sales_api

        money = self.meta.store.money_type
        basket = self.basket
        with db.read_session(self.shop.db_url) as session:
            if self.line is not None:
                raw = (values.get("line") or "").strip()
                line_minor = money.parse(raw, field=f"discount on {self.line.sku}", name="line") if raw else 0
                basket = sales_api.set_line_discount(basket=basket, sku=self.line.sku, discount_minor=line_minor,
                                                 session=session)
            raw = (values.get("sale") or "").strip()
            sale_minor = money.parse(raw, field="sale discount", name="sale") if raw else 0
            basket = sales_api.set_discount(basket=basket, discount_minor=sale_minor, session=session)
        return basket, "Discounts set"


# ---------------------------------------------------------------- receipt


class SaveReceiptDialog(FormDialog):
    """Where to save a document as text."""

    TITLE_TEXT = "Save the receipt"
    DEFAULT_FIELD = "path"
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

    def save(self, values: dict[str, Any]) -> Any:
        from shoptui.errors import InvalidInput
        from shoptui.services import orders

        path = (values.get("path") or "").strip()
        if not path:
            raise InvalidInput("Give a file name to save it to.")
        return orders.save(self.text, path)


SCAN_IDLE_S = 0.4
"""Seconds without a key after which what was typed on the receipt goes to the scan field (no enter came)."""


@dataclass(frozen=True)
class NextScan:
    """What was typed on the receipt: the next customer's first entry, and whether enter ended it (scan it)."""

    text: str
    submit: bool


class ReceiptDialog(ReportsWorkerErrors, ModalScreen["NextScan | None"]):
    """The receipt as it prints (58 or 80 mm), with the change due; F2 prints, F3 saves, enter: next customer.

    Its keys are F-keys so that the next customer's first scan is never taken for one. A scanner
    types a whole code and enter in one burst, faster than the dialog closes: the dialog gathers
    the printable keys, and closes ONCE, on enter (the code is scanned as the next sale's first
    line) or after a pause (what was typed waits in the scan field). Keys that still reach it
    while it closes are handed to the app again, so they land in the scan field.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,escape", "close", "Next customer", id="receipt-close",
                tooltip="Close the receipt; the scan field is ready for the next customer."),
        Binding("f2", "print", "Print", id="receipt-print", tooltip="Send the receipt to the print command."),
        Binding("f3", "save", "Save", id="receipt-save", tooltip="Save the receipt as a text file."),
        Binding("f4", "width", "58/80 mm", id="receipt-width", tooltip="Show (and print) it for the other paper width."),
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
        self._typed = ""
        self._leaving = False
        self._idle: Any = None

    @property
    def shop(self) -> ShopApp:
        """The app, typed."""
        return cast("ShopApp", self.app)

    def compose(self) -> ComposeResult:
        order, m = self.result.order, self.meta
        head = "Sold" if self.just_sold else "Receipt of"
        with Vertical():
            title = f"{head} {order.number} · {m.store.money(order.total_minor)} {m.store.currency} · paid"
            if self.result.points_earned is not None:  # a member's sale: as the service booked it
                title += (f"\nPoints earned {self.result.points_earned:,} · balance "
                          f"{self.result.points_balance or 0:,}")
            yield Static(plain(title), id="rc-title", markup=False)
            if self.just_sold and self.result.change_minor:
                with Horizontal(id="rc-change-row"):
                    yield Static("CHANGE DUE", id="rc-change-label", markup=False)
                    yield Digits(m.store.money(self.result.change_minor), id="rc-change")
            with VerticalScroll(id="rc-scroll"):
                yield Static(plain(self.text.rstrip("\n")), id="rc-text", markup=False)
            yield Static("", id="rc-status", markup=False)
            yield Static("⏎ next customer (or just scan) · F2 print · F3 save · F4 58/80", id="rc-keys",
                         markup=False)

    def on_mount(self) -> None:
        scroll = self.query_one("#rc-scroll", VerticalScroll)
        scroll.border_title = plain(f"{self.width_mm} mm · ↑↓ scroll")
        self.set_class(self.width_mm == 58, "-narrow")
        scroll.focus()

    def action_close(self) -> None:
        """Back to the scan field (what was typed here is scanned)."""
        self._close(submit=bool(self._typed))

    def _close(self, *, submit: bool) -> None:
        """Dismiss, once, handing over what was typed."""
        if self._leaving:
            return
        self._leaving = True
        if self._idle is not None:
            self._idle.stop()
        self.dismiss(NextScan(self._typed, submit) if self._typed else None)

    def on_key(self, event: events.Key) -> None:
        """Printable keys are the next customer's scan: gather them; enter scans them."""
        if self._leaving:  # the rest of a burst that came before the dialog was gone: to the scan field
            if event.is_printable or event.key == "enter":
                event.stop()
                event.prevent_default()
                self.app.post_message(events.Key(event.key, event.character))
            return
        if event.key == "enter" and self._typed:
            event.stop()
            event.prevent_default()
            self._close(submit=True)
            return
        if event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            self._typed += event.character
            self._status(f"Next sale: {self._typed}", ok=True)
            if self._idle is not None:
                self._idle.stop()
            self._idle = self.set_timer(SCAN_IDLE_S, lambda: self._close(submit=False))

    def _status(self, text: str, *, ok: bool) -> None:
        status = self.query_one("#rc-status", Static)
        status.update(plain(("✓ " if ok else "✗ ") + text))
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
        from shoptui.services import orders

        try:
            if what == "print":
                with db.read_session(self.shop.db_url) as session:
                    command = orders.shop_info(session=session).print_command
                from shoptui.tui.widgets.confirm import print_command_confirmed

                orders.print_text(self.text, command, confirmed=print_command_confirmed(self.app, command))
                self.post_message(self.Delivered(f"Sent to the printer ({command}).", True))
            else:
                width = 80 if self.width_mm == 58 else 58
                with db.read_session(self.shop.db_url) as session:
                    text = orders.render(session=session, number=self.result.order.number, kind="receipt",
                                            width_mm=width)
                self.post_message(self.Delivered(f"Shown for {width} mm paper.", True, text, width))
        except ShopError as exc:
            self.post_message(self.Delivered(str(exc), False))

    @on(Delivered)
    def _delivered(self, event: Delivered) -> None:
        if event.text is not None and event.width_mm is not None:
            self.text = event.text
            self.width_mm = event.width_mm
            self.query_one("#rc-text", Static).update(plain(event.text.rstrip("\n")))
            self.query_one("#rc-scroll", VerticalScroll).border_title = plain(f"{event.width_mm} mm · ↑↓ scroll")
            self.set_class(event.width_mm == 58, "-narrow")
        self._status(event.sentence, ok=event.ok)

