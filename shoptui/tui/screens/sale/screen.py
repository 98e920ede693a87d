"""The sale screen (F5): the point of sale, built for a counter with a barcode scanner.

The scan field ALWAYS has the cursor. What it gets (see :mod:`shoptui.tui.screens.sale.scan`):

* a code + enter adds one of it (SKU or barcode); scanning it again adds to its quantity;
  ``3*CODE``, ``CODEx3`` and ``CODE:3`` add three;
* a bare number (1 to 6 digits) + enter SETS the selected line's quantity (0 removes it);
  ``#123`` scans the short code 123;
* enter on an empty field opens the payment (as F12 / ctrl+s do).

With the field empty, ``+`` / ``-`` change the selected line's quantity and ``delete`` removes it;
↑/↓ move the selection. A code the catalogue does not know is refused in words (✗ UNKNOWN CODE,
no sound), the field is cleared and the basket is left as it was.

The basket is the frozen value object of ``services.sales.counter``, priced again on every change. Every
change runs in ONE worker at a time, in the order typed, from a queue: the UI thread only appends
to the queue and draws the baskets the worker posts back, so a fast scanner never blocks the
screen and never loses a scan. Nothing is written until the payment is taken: ``complete_sale``
creates the paid and fulfilled counter order, deducts the stock and renders the receipt in one
transaction; then the receipt is shown (print, save) and a fresh basket is ready. The screen
lives as long as the app, so the basket survives going to another screen and back.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.message import Message
from textual.widgets import Input, Static

from shoptui.errors import NotFound, ShopError
from shoptui.tui.screens.base import ShopScreen
from shoptui.tui.screens.sale.basket import BasketTable, Explained, TotalsPanel
from shoptui.tui.screens.sale.scan import SCAN_HELP, ScanField, ScanMessage, parse_entry
from shoptui.tui.store_view import StoreView, current
from shoptui.tui.text import percent, plain
from shoptui.wording import plural

if TYPE_CHECKING:
    from sqlmodel import Session

    from shoptui.services.sales import Basket, SaleResult, ShiftRead
    from shoptui.tui.screens.sale.dialogs import NextScan

META_STALE_S = 20.0
"""Settings and the shift are read again on coming back to the screen when older than this (seconds)."""

WIDE_FROM = 110
"""Body width (columns) from which the totals stand beside the basket instead of under it."""


# ---------------------------------------------------------------- what the screen knows about the store


@dataclass(frozen=True)
class SaleMeta:
    """The store view (currency, time zone: the shell's), cash rounding, receipt and shift settings, the open shift."""

    store: StoreView = StoreView()
    cash_step_minor: int = 0
    receipt_width_mm: int = 58
    print_command: str = ""
    requires_shift: bool = False
    tax_rate_bp: int = 0
    shift: ShiftRead | None = None
    loaded: bool = False


def read_meta(db_url: str | None, app: object = None) -> SaleMeta:
    """Settings and the open shift; the store view is ``app``'s once the shell has read it (call in a worker thread)."""
    from shoptui import db
    from shoptui.services import sales as sales_api
    from shoptui.services import shop

    with db.read_session(db_url) as session:
        store = current(app, session)
        values = shop.get_all(session=session)
        try:
            step = sales_api.step_minor(str(values.get("cash_rounding", "none")), store.money_type)
        except ShopError:
            step = 0
        shift = sales_api.current_shift(session=session)
    return SaleMeta(store=store, cash_step_minor=step, receipt_width_mm=int(values.get("receipt_width", 58)),
                    print_command=str(values.get("print_command", "") or ""),
                    requires_shift=bool(values.get("sale_requires_shift", False)),
                    tax_rate_bp=int(values.get("tax_rate_bp", 0) or 0), shift=shift, loaded=True)


# ---------------------------------------------------------------- basket changes


@dataclass(frozen=True)
class Op:
    """One change of the basket, applied in a worker in the order it was asked for."""

    kind: str  # fresh, scan, quantity, step, remove, refresh, replace (a basket a dialog priced)
    code: str = ""
    quantity: int = 0
    sku: str = ""
    amount: int = 0
    text: str = ""
    basket: Basket | None = None  # replace: the basket to put in place (a sale that was not completed)
    ok: bool | None = None  # fresh: how to show ``text`` once the basket is empty (None: plain)


def apply_op(session: Session, basket: Basket | None, op: Op) -> Basket:
    """The basket after ``op`` (services only, offers read again); raises the service's ShopError when refused."""
    from shoptui.errors import InvalidInput, NotFound
    from shoptui.services import sales as sales_api

    if op.kind == "fresh" or basket is None:
        fresh = sales_api.new_basket(session=session)
        if op.kind == "fresh":
            return fresh
        basket = fresh
    if op.kind == "replace":
        if op.basket is None:
            raise InvalidInput("The sale screen got no basket to put in place.")
        return op.basket
    if op.kind == "scan":
        code, quantity = sales_api.parse_scan(op.code)
        try:
            return sales_api.scan(session=session, basket=basket, code=code, quantity=quantity)
        except NotFound:
            if quantity != 1 or basket.empty:
                raise
            try:  # a coupon scanned at the counter
                return sales_api.add_coupon(session=session, basket=basket, code=code)
            except NotFound:
                pass
            raise
    if op.kind in ("quantity", "step"):
        line = basket.line(op.sku)
        if line is None:
            raise InvalidInput(f"{op.sku} is no longer in the basket.")
        wanted = op.quantity if op.kind == "quantity" else line.quantity + op.quantity
        if wanted > line.quantity and line.available is not None:  # the shelf may have changed since the scan
            return sales_api.scan(session=session, basket=basket, code=line.sku, quantity=wanted - line.quantity)
        return sales_api.set_quantity(basket=basket, sku=op.sku, quantity=max(wanted, 0), session=session)
    if op.kind == "remove":
        return sales_api.remove_line(basket=basket, sku=op.sku, session=session)
    if op.kind == "refresh":
        return sales_api.refresh(session=session, basket=basket)
    raise InvalidInput(f"The sale screen cannot do {op.kind!r}.")


def describe(op: Op, before: Basket | None, after: Basket, money: Any) -> str:
    """What a change did, for the line under the scan field."""
    sku = after.last_sku or op.sku
    line = after.line(sku) if sku else None
    if op.kind == "scan" and before is not None and after.coupon_codes != before.coupon_codes:
        code = next((c for c in after.coupon_codes if c not in before.coupon_codes), op.code)
        return f"Coupon {code} applied · total {money(after.total_minor)}"
    if op.kind == "scan" and line is not None:
        return f"{line.sku} · {line.title} · qty {line.quantity} · {money(line.line_total_minor)}"
    if op.kind in ("quantity", "step"):
        if line is None:
            return f"Removed {op.sku}."
        return f"{line.sku}: quantity {line.quantity} · {money(line.line_total_minor)}"
    if op.kind == "remove":
        return f"Removed {op.sku}."
    if op.kind == "replace" and op.text:
        return f"{op.text} · total {money(after.total_minor)}"
    return ""


def quantity_notice(op: Op, before: Basket | None, after: Basket) -> str:
    """What a change of a line's quantity did, naming the SKU and the new quantity (for a notification)."""
    old = before.line(op.sku) if before is not None else None
    was = f" (was {old.quantity})" if old is not None else ""
    line = after.line(op.sku)
    if line is None:
        return f"Removed {op.sku} from the basket{was}: quantity 0."
    return f"{op.sku}: quantity {line.quantity}{was}."


# ---------------------------------------------------------------- the screen


class SaleMain(Vertical):
    """The basket and the totals; tells the screen when there is room to put them side by side."""

    def on_resize(self, event: Resize) -> None:
        screen = self.screen
        if isinstance(screen, SaleScreen):
            screen.set_wide(event.size.width >= WIDE_FROM)



class SaleScreen(ShopScreen):
    """Scan field, basket, totals; pay in a few keys; receipt; shift status."""

    MODE = "sale"
    AUTO_FOCUS = "#sale-scan"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f12,ctrl+s", "pay", "Pay", id="sale-pay",
                tooltip="Take the payment: cash with change, card, mobile pay, split (F12 or ctrl+s; enter on an "
                "empty scan field too)."),
        Binding("ctrl+r", "customer", "Customer", id="sale-customer",
                tooltip="Attach a customer or member by phone: tier, points, and how many points to use."),
        Binding("plus", "more", "+1", id="sale-more",
                tooltip="One more of the selected line (+ on an empty scan field)."),
        Binding("minus", "less", "-1", id="sale-less",
                tooltip="One fewer of the selected line; at 0 it is removed (- on an empty scan field)."),
        Binding("delete", "remove", "Remove", id="sale-remove",
                tooltip="Take the selected line out of the basket (delete on an empty scan field)."),
        Binding("ctrl+u", "coupon", "Coupon", id="sale-coupon",
                tooltip="Add or take off a coupon code (scanning a coupon's code in the scan field adds it too)."),
        Binding("ctrl+d", "discount", "Discount", id="sale-discount",
                tooltip="A discount on the selected line or on the whole sale."),
        Binding("ctrl+b", "shift", "Shift", id="sale-shift",
                tooltip="Open the till shift with a cash float, or close it with the cash counted (report)."),
        Binding("ctrl+x", "void", "Void", id="sale-void",
                tooltip="Empty the basket and start again (asks first; nothing was written yet)."),
        Binding("ctrl+l", "last_receipt", "Last receipt", id="sale-last-receipt", show=False,
                tooltip="Show the receipt of the last sale again: print or save it."),
        Binding("up", "select(-1)", "Line up", id="sale-up", show=False, tooltip="Select the line above."),
        Binding("down", "select(1)", "Line down", id="sale-down", show=False, tooltip="Select the line below."),
    ]

    @dataclass
    class MetaLoaded(Message):
        """The settings and the open shift were read."""

        meta: SaleMeta

    @dataclass
    class BasketChanged(Message):
        """A change of the basket landed (the worker priced it)."""

        basket: Basket
        op: Op

    @dataclass
    class BasketRefused(Message):
        """A change was refused; the basket is as it was."""

        op: Op
        sentence: str
        unknown: bool

    def __init__(self) -> None:
        super().__init__()
        self.meta = SaleMeta()
        self.basket: Basket | None = None
        self.last_result: SaleResult | None = None
        self._keys_state: tuple[bool, bool] | None = None
        self._meta_read_at = 0.0
        self._ops: deque[Op] = deque()
        self._lock = threading.Lock()
        self._draining = False
        self._worker_basket: Basket | None = None

    # ------------------------------------------------------------ layout

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="sale-head"):
            yield Static("Guest sale (ctrl+r: customer)", id="sale-customer", markup=False)
            yield Static("", id="sale-shift", markup=False)
        with Horizontal(id="sale-scan-line"):
            yield Static("SCAN ▸", id="sale-scan-label", markup=False)
            yield ScanField(id="sale-scan")
        yield ScanMessage(id="sale-message")
        with SaleMain(id="sale-main"):
            with Vertical(id="sale-lines"):
                yield BasketTable(id="sale-basket")
                yield Static("The basket is empty: scan an item.", id="sale-empty", markup=False)
            yield TotalsPanel(id="sale-totals")

    def on_mount(self) -> None:
        self.query_one("#sale-scan", ScanField).focus()
        self.enqueue(Op("fresh"))
        self.load_meta()

    def on_screen_resume(self) -> None:
        self.query_one("#sale-scan", ScanField).focus()
        if self.meta.loaded and time.monotonic() - self._meta_read_at > META_STALE_S:
            self.load_meta()  # back from another screen: settings or the shift may have changed there

    def set_wide(self, wide: bool) -> None:
        """Totals beside the basket (a wide body) or under it."""
        if wide == self.has_class("-wide"):
            return
        self.set_class(wide, "-wide")
        self.query_one("#sale-totals", TotalsPanel).set_class(wide, "-wide")
        if self.basket is not None:
            self.call_after_refresh(self._draw_totals)

    def on_descendant_blur(self) -> None:
        """Whatever happens, the scan field gets the cursor back."""
        self.call_after_refresh(self._refocus)

    def _refocus(self) -> None:
        if self.app.screen is not self or not self.is_mounted:
            return
        focused = self.focused
        scan = self.query_one("#sale-scan", ScanField)
        if focused is scan:
            return
        # the top bar's search box may keep the cursor; anything else in the body gives it back
        if focused is None or self.query_one("#body") in focused.ancestors:
            scan.focus()

    # ------------------------------------------------------------ store settings and shift

    @work(thread=True, exclusive=True, group="sale-meta", exit_on_error=False)
    def load_meta(self) -> None:
        """Settings and the open shift."""
        self.post_message(self.MetaLoaded(read_meta(self.shop.db_url, self.shop)))

    @on(MetaLoaded)
    def _meta_loaded(self, event: MetaLoaded) -> None:
        self.meta = event.meta
        self._meta_read_at = time.monotonic()
        self._draw_shift()
        if self.basket is not None:
            self._draw()

    def _draw_shift(self) -> None:
        m = self.meta
        label = self.query_one("#sale-shift", Static)
        shift = m.shift
        if shift is not None:
            label.update(plain(f"Shift #{shift.id} since {m.store.clock(shift.opened_at)} · {shift.opened_by}"))
        elif m.requires_shift:
            label.update(plain("⚠ NO SHIFT OPEN: ctrl+b opens one"))
        else:
            label.update(plain("No shift (ctrl+b)"))
        label.set_class(shift is None and m.requires_shift, "-missing")

    # ------------------------------------------------------------ the queue of basket changes

    def enqueue(self, op: Op) -> None:
        """Append a change; the one basket worker applies it after those before it."""
        with self._lock:
            self._ops.append(op)
            if self._draining:
                return
            self._draining = True
        self.drain()

    @property
    def busy(self) -> bool:
        """True while basket changes are still being applied."""
        with self._lock:
            return self._draining or bool(self._ops)

    @work(thread=True, group="sale-basket", exit_on_error=False)
    def drain(self) -> None:
        """Apply queued changes in order, in one read session, posting each basket back."""
        from shoptui import db

        try:
            with db.read_session(self.shop.db_url) as session:
                while True:
                    with self._lock:
                        if not self._ops:
                            self._draining = False
                            return
                        op = self._ops.popleft()
                    try:
                        basket = apply_op(session, self._worker_basket, op)
                    except ShopError as exc:
                        unknown = isinstance(exc, NotFound) and "SKU or barcode" in str(exc)
                        self.post_message(self.BasketRefused(op, str(exc), unknown))
                        continue
                    self._worker_basket = basket
                    self.post_message(self.BasketChanged(basket, op))
        except BaseException:
            with self._lock:
                self._ops.clear()
                self._draining = False
            raise

    @on(BasketChanged)
    def _basket_changed(self, event: BasketChanged) -> None:
        before = self.basket
        self.basket = basket = event.basket
        op = event.op
        select = basket.last_sku if op.kind in ("scan", "quantity", "step", "discounts") else None
        self._draw(select=select)
        text = describe(op, before, basket, self.meta.store.money)
        notices = [n for n in basket.notices if before is None or n not in before.notices]
        if notices:
            text = " · ".join(([text] if text else []) + notices)
        if text:
            self.query_one("#sale-message", ScanMessage).say(text, ok=True)
        elif op.kind == "fresh":
            self.query_one("#sale-message", ScanMessage).say(op.text or "Ready: scan the first item.", ok=op.ok)
        if op.kind in ("quantity", "step", "remove"):
            self.shop.announce(quantity_notice(op, before, basket))
        self._keys_may_have_changed()

    def _keys_may_have_changed(self) -> None:
        """Refresh the footer only when what the keys depend on changed (a footer rebuild costs a layout)."""
        state = (self.basket is None or self.basket.empty, self.last_result is None)
        if state != self._keys_state:
            self._keys_state = state
            self.refresh_bindings()

    @on(BasketRefused)
    def _basket_refused(self, event: BasketRefused) -> None:
        op = event.op
        message = self.query_one("#sale-message", ScanMessage)
        if event.unknown:
            message.say(f"UNKNOWN CODE {op.code.strip()}: not a SKU or barcode; basket unchanged.", ok=False)
        else:
            message.say(f"NOT DONE: {event.sentence}", ok=False)

    def _draw(self, *, select: str | None = None) -> None:
        basket = self.basket
        if basket is None:
            return
        self.query_one("#sale-basket", BasketTable).show(basket, self.meta.store.money, select=select)
        self.set_class(not basket.empty, "-has-lines")
        self._draw_totals()
        self._draw_customer()

    def _draw_totals(self) -> None:
        basket = self.basket
        if basket is None:
            return
        offers = self.offers(basket)
        tax = f"tax {percent(basket.tax_rate_bp)}" if basket.tax_rate_bp else "tax"
        self.query_one("#sale-totals", TotalsPanel).show(basket, self.meta.store.money, self.meta.store.currency, offers=offers,
                                                         tax_label=tax)

    def offers(self, basket: Basket) -> list[Explained]:
        """The discounts below the subtotal, each with what it is (promotion, member, coupon, points)."""
        out: list[Explained] = []
        for offer in basket.explanations:
            if offer.kind == "gift":
                label = f"gift: {offer.name}"
            elif offer.kind == "points":
                label = f"{offer.name} used"
            elif offer.kind in ("promotion", "coupon", "member"):
                label = f"{offer.kind}: {offer.name}"
            else:
                label = offer.name
            out.append(Explained(label, offer.amount_minor, offer=True))
        if basket.discount_minor:
            out.append(Explained("discount (counter)", -basket.discount_minor))
        return out

    # ------------------------------------------------------------ customer and member

    def _draw_customer(self) -> None:
        basket = self.basket
        label = self.query_one("#sale-customer", Static)
        if basket is None or basket.customer_id is None:
            label.update(plain("Guest sale (ctrl+r: customer)"), layout=False)
            return
        member = basket.member
        if member is not None:
            text = f"{basket.customer_name or basket.customer_phone} · {member.tier_name}"
            if member.discount_bp:
                text += f" {percent(member.discount_bp)} off"
            text += f" · {member.points_balance:,} pts"
            if basket.points_to_use:
                text += f", using {basket.points_to_use:,}"
            elif member.max_redeemable_points:
                text += f" (may use {member.max_redeemable_points:,})"
        else:
            text = " ".join(p for p in (basket.customer_name, basket.customer_phone or "") if p)
            text = text or f"customer #{basket.customer_id}"
        label.update(plain(text), layout=False)  # one line of a fixed width: no layout pass

    # ------------------------------------------------------------ the scan field

    @on(Input.Submitted, "#sale-scan")
    def _entry(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value
        event.input.value = ""
        scan = self.query_one("#sale-scan", ScanField)
        after_minus, scan.after_minus = scan.after_minus, False
        self.take_entry(text, after_minus=after_minus)

    def take_entry(self, text: str, *, after_minus: bool = False) -> None:
        """Do what an entry of the scan field asks (scan, set a quantity, pay).

        ``after_minus``: the entry was typed right after ``-`` on the empty field, so ``-3`` reached
        the screen as "one fewer" and then ``3``: a negative quantity, refused with what ``-`` did.
        """
        kind, code, quantity = parse_entry(text)
        message = self.query_one("#sale-message", ScanMessage)
        if kind == "quantity" and after_minus:
            message.say(f"-{quantity} refused: a quantity cannot be negative. - took one off; {quantity}⏎ sets it.",
                        ok=False)  # fits 80 columns; the notice says what - did
            return
        if kind == "pay":
            if self.basket is not None and not self.basket.empty:
                self.action_pay()
            else:
                message.say("The basket is empty: scan an item first.", ok=None)
            return
        if kind == "quantity":
            sku = self.selected_sku()
            if sku is None:
                message.say(f"Scan an item first: {quantity} sets the quantity of the selected line (type #"
                            f"{text.strip()} to scan the code {text.strip()}).", ok=False)
                return
            self.enqueue(Op("quantity", sku=sku, quantity=quantity or 0))
            return
        self.enqueue(Op("scan", code=code))

    @on(ScanField.LineKey)
    def _line_key(self, event: ScanField.LineKey) -> None:
        event.stop()
        if self.check_action(event.action, ()):
            getattr(self, f"action_{event.action}")()

    def selected_sku(self) -> str | None:
        """The selected line's SKU."""
        return self.query_one("#sale-basket", BasketTable).selected_sku()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_mounted or not self.query("#sale-scan"):
            return True
        has_lines = self.basket is not None and not self.basket.empty
        if action in ("more", "less", "remove", "pay", "discount", "void", "coupon"):
            return True if has_lines else None
        if action == "last_receipt":
            return True if self.last_result is not None else None
        return True

    # ------------------------------------------------------------ line actions

    def action_select(self, delta: int) -> None:
        """Move the selection."""
        self.query_one("#sale-basket", BasketTable).step(delta)

    def action_more(self) -> None:
        """One more of the selected line."""
        sku = self.selected_sku()
        if sku is not None:
            self.enqueue(Op("step", sku=sku, quantity=1))

    def action_less(self) -> None:
        """One fewer of the selected line."""
        sku = self.selected_sku()
        if sku is not None:
            self.enqueue(Op("step", sku=sku, quantity=-1))

    def action_remove(self) -> None:
        """Remove the selected line."""
        sku = self.selected_sku()
        if sku is not None:
            self.enqueue(Op("remove", sku=sku))

    def action_void(self) -> None:
        """Ask, then empty the basket."""
        from shoptui.tui.widgets.confirm import Confirm

        basket = self.basket
        if basket is None or basket.empty:
            return
        self.app.push_screen(
            Confirm(f"Void this sale? {plural(basket.item_count, 'item')} for {self.meta.store.money(basket.total_minor)} "
                    f"{self.meta.store.currency} are taken out of the basket; nothing was written yet.", yes="Void",
                    danger=True),
            lambda yes: self._voided() if yes else None)

    def _voided(self) -> None:
        self.enqueue(Op("fresh", text="Sale voided: the basket is empty, nothing was written."))

    def action_discount(self) -> None:
        """The discount dialog."""
        from shoptui.tui.screens.sale.dialogs import DiscountDialog

        if self.basket is None or self.basket.empty:
            return
        self._dialog(DiscountDialog(self.basket, self.selected_sku(), self.meta))

    def action_coupon(self) -> None:
        """The coupon dialog."""
        from shoptui.tui.screens.sale.dialogs import CouponDialog

        if self.basket is not None and not self.basket.empty:
            self._dialog(CouponDialog(self.basket, self.meta))

    def _replaced(self, result: Any) -> None:
        """A dialog priced a new basket (customer, points, coupon, discounts): put it in place."""
        if result is not None:
            basket, what = result
            self.enqueue(Op("replace", basket=basket, text=what))

    def _dialog(self, dialog: Any) -> None:
        """Open a dialog that prices the basket itself, once the last change has landed."""
        if self.busy:
            self.query_one("#sale-message", ScanMessage).say("Still adding the last scan; press the key again.",
                                                             ok=None)
            return
        self.app.push_screen(dialog, self._replaced)

    # ------------------------------------------------------------ customer

    def action_customer(self) -> None:
        """Attach a customer by phone (or make the sale a guest sale again)."""
        from shoptui.tui.screens.sale.dialogs import CustomerDialog

        if self.basket is not None:
            self._dialog(CustomerDialog(self.basket, self.meta))

    # ------------------------------------------------------------ payment and receipt

    def action_pay(self) -> None:
        """The payment dialog (once the last scan has landed)."""
        from shoptui.tui.screens.sale.payment import PaymentDialog

        message = self.query_one("#sale-message", ScanMessage)
        if self.busy:
            message.say("Still adding the last scan; press F12 again in a moment.", ok=None)
            return
        basket = self.basket
        if basket is None or basket.empty:
            message.say("The basket is empty: scan an item first.", ok=None)
            return
        if self.meta.requires_shift and self.meta.shift is None:
            message.say("No till shift is open, and this shop sells only in an open shift: open one first.",
                        ok=False)
            self.action_shift()
            return
        self.app.push_screen(PaymentDialog(basket, self.meta), self._paid)

    def _paid(self, result: SaleResult | None) -> None:
        if result is None:
            return
        from shoptui.tui.screens.sale.dialogs import ReceiptDialog

        self.last_result = result
        order = result.order
        change = f" · change {self.meta.store.money(result.change_minor)}" if result.change_minor else ""
        self.enqueue(Op("fresh", ok=True, text=f"Sold {order.number}: {self.meta.store.money(order.total_minor)} "
                        f"{self.meta.store.currency}{change}. Next customer: scan the first item."))
        self.app.push_screen(ReceiptDialog(result, self.meta, just_sold=True), self._receipt_closed)
        self._keys_may_have_changed()

    def _receipt_closed(self, typed: NextScan | None) -> None:
        """Back from the receipt; what was typed on it is the next sale's first entry (scanned when enter ended it)."""
        scan = self.query_one("#sale-scan", ScanField)
        scan.focus()
        if typed is None:
            return
        if typed.submit:
            self.take_entry(scan.value + typed.text)
            scan.value = ""
        else:
            scan.insert_text_at_cursor(typed.text)

    def action_last_receipt(self) -> None:
        """The last receipt again."""
        from shoptui.tui.screens.sale.dialogs import ReceiptDialog

        if self.last_result is not None:
            self.app.push_screen(ReceiptDialog(self.last_result, self.meta, just_sold=False), self._receipt_closed)

    # ------------------------------------------------------------ shift

    def action_shift(self) -> None:
        """Open the shift (cash float), or close it (counted cash, report)."""
        from shoptui.tui.screens.sale.shift import CloseShiftDialog, OpenShiftDialog

        if self.meta.shift is None:
            self.app.push_screen(OpenShiftDialog(self.meta), self._shift_changed)
        else:
            self.app.push_screen(CloseShiftDialog(self.meta), self._shift_changed)

    def _shift_changed(self, result: Any) -> None:
        from shoptui.services.sales import ShiftReport
        from shoptui.tui.screens.sale.shift import ShiftReportDialog

        if result is None:
            return
        self.load_meta()
        if isinstance(result, ShiftReport):
            difference = result.difference_minor or 0
            word = "over" if difference > 0 else "short" if difference < 0 else "exactly right"
            self.shop.announce(f"Closed shift #{result.shift.id}: cash is {self.meta.store.money(abs(difference))} {word}.")
            self.app.push_screen(ShiftReportDialog(result, self.meta))
        else:
            self.shop.announce(f"Opened shift #{result.id} with a float of {self.meta.store.money(result.float_minor)} "
                               f"{self.meta.store.currency}.")

    def open_record(self, kind: str, key: str) -> None:
        """Anything that opens here puts the cursor in the scan field."""
        self.query_one("#sale-scan", ScanField).focus()
        if kind not in ("sale", "variant", "product"):
            super().open_record(kind, key)


__all__ = ["SCAN_HELP", "SaleMeta", "SaleScreen", "apply_op", "quantity_notice", "read_meta"]
