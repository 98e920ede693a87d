"""One order in full: customer, money, lines, payments and refunds, shipments, returns and the timeline.

Read by one worker (``orders.get_order``, a handful of indexed queries); every action of the list
works here too, and the order is read again after each one. Times are in the store's time zone.
``l`` edits the lines of an unpaid order (``orders_lines.EditLinesScreen``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static
from textual.worker import get_current_worker

from shoptui.tui.screens.orders.actions import OrderActions
from shoptui.tui.screens.orders.common import METHOD_LABELS, OrdersMeta, fulfil_word, words
from shoptui.tui.screens.orders.dialogs import Changed
from shoptui.tui.text import plain
from shoptui.tui.widgets.steady_footer import SteadyFooter
from shoptui.tui.workers import ReportsWorkerErrors

if TYPE_CHECKING:
    from shoptui.services.orders import OrderRead

OPEN_RETURNS = ("requested", "approved", "received")


def _table(*columns: tuple[str, bool, int | None]) -> Table:
    """A borderless table as wide as its content: (header, right-aligned, wraps) per column.

    Columns with a number wrap their text when the terminal is narrow; the others never wrap.
    """
    table = Table(box=None, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0), expand=False,
                  header_style="bold")
    for header, right, wraps in columns:
        table.add_column(plain(header), justify="right" if right else "left", no_wrap=wraps is None,
                         overflow="fold" if wraps else "ellipsis", max_width=None if wraps else 40)
    return table


def _section(title: str) -> Text:
    return plain(f"\n{title}", style="bold underline")


def head_text(order: OrderRead, meta: OrdersMeta) -> Text:
    """The first lines: number and statuses, customer, address."""
    state = order.status if order.status != "open" else f"{words(order.payment_status)} · {fulfil_word(order.fulfilment_status)}"
    text = plain()
    text.append(order.number, style="bold")
    text.append(f" · {state} · {order.channel} · {meta.store.when(order.created_at)} · by {order.created_by}")
    who = " · ".join(p for p in (order.customer_name or "guest", order.customer_phone or "", order.customer_email or "")
                     if p)
    text.append(f"\n{who}")
    address = ", ".join(p for p in (order.ship_recipient, order.ship_phone, order.ship_street, order.ship_district,
                                    order.ship_city, " ".join(x for x in (order.ship_province, order.ship_postal_code) if x),
                                    order.ship_country) if p)
    if address:
        text.append(f"\nShip to: {address}")
    if order.note:
        text.append(f"\nNote: {order.note}")
    return plain(text)


def money_text(order: OrderRead, meta: OrdersMeta) -> Text:
    """Total and how it is made; paid, refunded, due."""
    m = meta.store.money
    parts = f"items {m(order.subtotal_minor)}"
    if order.adjustments_minor:
        parts += f" {'+' if order.adjustments_minor > 0 else '−'} {m(abs(order.adjustments_minor))}"
    if order.shipping_minor:
        parts += f" + shipping {m(order.shipping_minor)}"
    text = plain()
    text.append(f"Total {m(order.total_minor)} {meta.store.currency}", style="bold")
    text.append(f" = {parts} (tax {m(order.tax_minor)}) · paid {m(order.paid_minor)}")
    if order.refunded_minor:
        text.append(f" · refunded {m(order.refunded_minor)}")
    if order.due_minor:
        text.append(f" · due {m(order.due_minor)}", style="bold")
    return plain(text)


def body(order: OrderRead, meta: OrdersMeta) -> RenderableType:
    """Everything below the head: lines, payments, shipments, returns, timeline."""
    from shoptui.services.orders import line_title

    m = meta.store.money
    parts: list[RenderableType] = [money_text(order, meta), _section(f"Lines ({len(order.lines)})")]
    lines = _table(("SKU", False, None), ("Item", False, 3), ("Qty", True, None), ("Price", True, None),
                   ("Total", True, None), ("Shp", True, None), ("Ret", True, None), ("Refunded", True, None))
    for line in order.lines:
        lines.add_row(*map(plain, (line.sku, line_title(line), str(line.quantity), m(line.unit_price_minor),
                                   m(line.net_minor), str(line.quantity_shipped) if line.quantity_shipped else "·",
                                   str(line.quantity_returned) if line.quantity_returned else "·",
                                   m(line.refunded_minor) if line.refunded_minor else "·")))
    parts.append(lines)
    for adjustment in order.adjustments:
        parts.append(plain(f"  {adjustment.label or adjustment.kind}: {m(adjustment.amount_minor)}"))
    parts.append(_section("Payments and refunds"))
    if not order.payments and not order.refunds:
        parts.append(plain("  none yet", style="dim"))
    money = _table(("When", False, None), ("What", False, 2), ("Amount", True, None), ("By", False, 1))
    for payment in order.payments:
        extra = f" (tendered {m(payment.tendered_minor)}, change {m(payment.change_minor)})" if payment.change_minor \
            and payment.tendered_minor is not None else ""
        ref = f" ref {payment.reference}" if payment.reference else ""
        money.add_row(*map(plain, (meta.store.when(payment.at, year=False),
                                   f"paid by {METHOD_LABELS.get(payment.method, payment.method)}{ref}{extra}",
                                   m(payment.amount_minor), payment.actor)))
    for refund in order.refunds:
        reason = f": {refund.reason}" if refund.reason else ""
        money.add_row(*map(plain, (meta.store.when(refund.at, year=False),
                                   f"refund to {METHOD_LABELS.get(refund.method, refund.method)}{reason}",
                                   f"-{m(refund.amount_minor)}", refund.actor)))
    if order.payments or order.refunds:
        parts.append(money)
    parts.append(_section(f"Shipments ({len(order.shipments)})"))
    if not order.shipments:
        parts.append(plain("  none yet", style="dim"))
    for shipment in order.shipments:
        items = ", ".join(f"{i.sku} x{i.quantity}" for i in shipment.items)
        arrived = (f"delivered {meta.store.when(shipment.delivered_at, year=False)}" if shipment.delivered_at
                   else f"expected {meta.store.when(shipment.estimated_delivery_at, year=False)}")
        parts.append(plain(f"  {meta.store.when(shipment.shipped_at, year=False)} {shipment.carrier_name} {shipment.tracking} · "
                          f"{arrived} · {items}"))
        if shipment.tracking_url:
            parts.append(plain(f"    {shipment.tracking_url}", style="dim"))
    parts.append(_section(f"Returns ({len(order.returns)})"))
    if not order.returns:
        parts.append(plain("  none", style="dim"))
    for found in order.returns:
        items = ", ".join(f"{i.sku} x{i.quantity}" + (f" {i.condition}" if i.condition else "") for i in found.items)
        refunded = f" · refunded {m(found.refund_minor)}" if found.refund_minor else ""
        parts.append(plain(f"  #{found.id} {found.status} · {meta.store.when(found.requested_at, year=False)} · {items} · "
                          f"{found.reason}{refunded}"))
    parts.append(_section(f"Timeline ({len(order.events)})"))
    timeline = _table(("When", False, None), ("Event", False, None), ("What", False, 4), ("By", False, None))
    for event in order.events:
        timeline.add_row(*map(plain, (meta.store.when(event.at, year=False), words(event.kind), event.message, event.actor)))
    parts.append(timeline)
    return Group(*parts)


class OrderDetailScreen(OrderActions, ReportsWorkerErrors, ModalScreen[bool]):
    """An order in full over the list; dismissed with True when something was changed."""

    BINDINGS = [
        Binding("escape", "close", "Back", id="order-close", tooltip="Back to the list."),
        Binding("p", "pay", "Pay", id="order-pay", tooltip="Record a payment: method, amount, reference."),
        Binding("l", "edit_lines", "Lines", id="order-lines",
                tooltip="Edit the lines of an unpaid order: add by SKU or barcode, change quantities, remove."),
        Binding("s", "ship", "Ship", id="order-ship", tooltip="Ship: carrier, tracking number, all or some items."),
        Binding("d", "deliver", "Delivered", id="order-deliver", tooltip="Mark the shipped order delivered."),
        Binding("x", "cancel_order", "Cancel", id="order-cancel",
                tooltip="Cancel before anything shipped: stock released, payments refunded."),
        Binding("r", "refund", "Refund", id="order-refund", tooltip="Refund items or an amount, to the payments or "
                                                                     "store credit."),
        Binding("t", "return_request", "Return", id="order-return", tooltip="Record a return request (items, reason)."),
        Binding("w", "return_step", "Return step", id="order-return-step",
                tooltip="The next step of the open return: approve/reject, receive, refund."),
        Binding("e", "exchange", "Exchange", show=False, id="order-exchange",
                tooltip="Take items back and give others; the difference is charged or refunded."),
        Binding("m", "remind", "Remind", show=False, id="order-remind", tooltip="Send a payment reminder now."),
        Binding("i", "invoice", "Invoice", show=False, id="order-invoice", tooltip="The invoice: read, save, print."),
        Binding("k", "slip", "Slip", show=False, id="order-slip", tooltip="The packing slip: read, save, print."),
        Binding("ctrl+r", "reload", "Reload", show=False, id="order-reload", tooltip="Read the order again."),
    ]

    @dataclass
    class Loaded(Message):
        """The order was read."""

        order: OrderRead

    def __init__(self, meta: OrdersMeta, number: str) -> None:
        super().__init__()
        self.meta = meta
        self.number = number
        self.order: OrderRead | None = None
        self.changed = False

    def compose(self) -> ComposeResult:
        with Vertical(id="order-box"):
            yield Static(plain(f"{self.number} · loading…"), id="order-head", markup=False)
            with VerticalScroll(id="order-scroll"):
                yield Static("", id="order-body", markup=False)
        yield SteadyFooter(compact=True)

    def on_mount(self) -> None:
        self.query_one("#order-scroll", VerticalScroll).focus()
        self.load()

    @work(thread=True, exclusive=True, group="order-detail", exit_on_error=False)
    def load(self) -> None:
        """Read the order (and the meta data when the screen has none yet)."""
        from shoptui import db
        from shoptui.services import orders
        from shoptui.tui.screens.orders.common import read_meta

        if not self.meta.store.loaded:
            self.meta = read_meta(self._shop.db_url, self._shop)
        with db.read_session(self._shop.db_url) as session:
            order = orders.get_order(session=session, number=self.number)
        if not get_current_worker().is_cancelled:
            self.post_message(self.Loaded(order))

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        self.order = event.order
        self.number = event.order.number
        self.query_one("#order-head", Static).update(plain(head_text(event.order, self.meta)))
        self.query_one("#order-body", Static).update(body(event.order, self.meta))
        self.refresh_bindings()

    def order_changed(self, result: Changed) -> None:
        self.changed = True
        self.load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("close", "reload"):
            return True
        if self.order is None:
            return False
        if action == "return_step":
            return any(r.status in OPEN_RETURNS for r in self.order.returns)
        return True

    def action_close(self) -> None:
        """Back to the list."""
        self.dismiss(self.changed)

    def action_reload(self) -> None:
        """Read the order again."""
        self.load()

    def action_pay(self) -> None:
        """Record a payment."""
        if self.order:
            self.start_pay(self.order)

    def action_edit_lines(self) -> None:
        """Edit the lines of an unpaid order (refused, with the reason, once it is paid)."""
        from shoptui.tui.screens.orders.lines import EditLinesScreen, editable_refusal

        if self.order is None:
            return
        refusal = editable_refusal(self.order)
        if refusal is not None:
            self._refuse(refusal)
            return

        def closed(changed: bool | None) -> None:
            if changed:
                self.changed = True
                self.load()

        self.app.push_screen(EditLinesScreen(self.meta, self.order), closed)

    def action_ship(self) -> None:
        """Ship."""
        if self.order:
            self.start_ship(self.order)

    def action_deliver(self) -> None:
        """Mark delivered."""
        if self.order:
            self.start_deliver(self.order)

    def action_cancel_order(self) -> None:
        """Cancel."""
        if self.order:
            self.start_cancel(self.order)

    def action_refund(self) -> None:
        """Refund."""
        if self.order:
            self.start_refund(self.order)

    def action_return_request(self) -> None:
        """Return request."""
        if self.order:
            self.start_return(self.order)

    def action_return_step(self) -> None:
        """The next step of the oldest open return."""
        if self.order:
            found = next((r for r in self.order.returns if r.status in OPEN_RETURNS), None)
            if found is not None:
                self.start_return_step(found)

    def action_exchange(self) -> None:
        """Exchange."""
        if self.order:
            self.start_exchange(self.order)

    def action_remind(self) -> None:
        """Payment reminder."""
        if self.order:
            self.start_remind(self.order)

    def action_invoice(self) -> None:
        """The invoice."""
        if self.order:
            self.open_document(self.order, "invoice")

    def action_slip(self) -> None:
        """The packing slip."""
        if self.order:
            self.open_document(self.order, "slip")
