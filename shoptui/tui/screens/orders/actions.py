"""The actions on one order, shared by the order list, the order detail and the returns queue.

A screen mixes in :class:`OrderActions`, keeps ``self.meta`` (an :class:`OrdersMeta`) and implements
:meth:`OrderActions.order_changed`; every action opens its dialog (or asks), and the dialog's
:class:`Changed` is announced and handed to ``order_changed``. Each refusal that can be seen
before a dialog opens (nothing due, already cancelled) is said at once instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual import work

from shoptui.tui.screens.orders.common import OrdersMeta, words
from shoptui.tui.screens.orders.dialogs import (
    CancelDialog,
    Changed,
    DecideReturnDialog,
    DocumentScreen,
    ExchangeDialog,
    PayDialog,
    ReceiveReturnDialog,
    RefundDialog,
    RefundReturnDialog,
    ReturnRequestDialog,
    ShipDialog,
)
from shoptui.tui.widgets.confirm import Confirm
from shoptui.wording import plural

if TYPE_CHECKING:
    from shoptui.services.orders import OrderSummary, ReturnRead
    from shoptui.tui.app import ShopApp

SHIPPABLE = ("paid", "partially_refunded")
TO_SHIP = ("unfulfilled", "partially_shipped")


class OrderActions:
    """Pay, ship, deliver, cancel, remind, refund, return, exchange and documents of one order."""

    meta: OrdersMeta

    @property
    def _shop(self) -> ShopApp:
        return cast("ShopApp", cast(Any, self).app)

    def order_changed(self, result: Changed) -> None:
        """Something was done to an order: read it again (the screen decides what)."""

    def _done(self, result: Changed | None) -> None:
        if result is None:
            return
        self._shop.announce(result.text)
        self.order_changed(result)

    def _push(self, dialog: Any) -> None:
        self._shop.push_screen(dialog, self._done)

    def _refuse(self, text: str) -> None:
        self._shop.announce(text, "warning")

    # ------------------------------------------------------------ the order's life

    def start_pay(self, order: OrderSummary) -> None:
        """Record a payment."""
        if order.status != "open":
            self._refuse(f"Order {order.number} is {order.status}; it takes no more payments.")
        elif order.due_minor <= 0:
            self._refuse(f"Order {order.number} is {words(order.payment_status)}; nothing is due.")
        else:
            self._push(PayDialog(self.meta, order.number, order.due_minor))

    def start_ship(self, order: OrderSummary) -> None:
        """Ship with carrier and tracking number."""
        if order.status != "open":
            self._refuse(f"Order {order.number} is {order.status}; there is nothing to ship.")
        elif order.payment_status not in SHIPPABLE:
            self._refuse(f"Order {order.number} is {words(order.payment_status)}; take the payment (p) before "
                         "shipping it.")
        elif order.fulfilment_status not in TO_SHIP:
            self._refuse(f"Order {order.number} is {words(order.fulfilment_status)}; there is nothing left to ship.")
        else:
            self._push(ShipDialog(self.meta, order.number, f"{plural(order.item_count, 'item')} to "
                                  f"{order.customer_name or 'a guest'}. Empty items ship everything left."))

    def start_deliver(self, order: OrderSummary) -> None:
        """Mark delivered, after asking."""
        if order.fulfilment_status != "shipped" or order.status != "open":
            self._refuse(f"Order {order.number} is {words(order.fulfilment_status)}; only a shipped order can be "
                         "marked delivered.")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.deliver_order(order.number)

        self._shop.push_screen(Confirm(f"Mark {order.number} delivered? It is then completed."), answered)

    @work(thread=True, group="order-write", exit_on_error=False)
    def deliver_order(self, number: str) -> None:
        """One transaction: mark delivered."""
        from shoptui import db
        from shoptui.services import orders

        db.run_transaction(
            lambda session: orders.deliver(session=session, actor=self._shop.actor, number=number),
            self._shop.db_url)
        self._shop.call_from_thread(self._done, Changed(f"{number} delivered and completed.", number))

    def start_cancel(self, order: OrderSummary) -> None:
        """Cancel with a reason."""
        if order.status != "open":
            self._refuse(f"Order {order.number} is already {order.status}.")
        elif order.fulfilment_status not in ("unfulfilled",):
            self._refuse(f"Order {order.number} has shipped items, so it cannot be cancelled; make a return (t).")
        else:
            self._push(CancelDialog(self.meta, order.number, order.paid_minor - order.refunded_minor))

    def start_remind(self, order: OrderSummary) -> None:
        """Queue a payment reminder now."""
        if order.status != "open" or order.due_minor <= 0:
            self._refuse(f"Order {order.number} is {words(order.payment_status)}; it needs no reminder.")
        else:
            self.remind_order(order.number)

    @work(thread=True, group="order-write", exit_on_error=False)
    def remind_order(self, number: str) -> None:
        """One transaction: queue the reminder."""
        from shoptui import db
        from shoptui.services import orders

        sent = db.run_transaction(
            lambda session: orders.remind_order(session=session, actor=self._shop.actor, number=number),
            self._shop.db_url)
        self._shop.call_from_thread(self._done, Changed(f"Payment reminder for {number} queued by "
                                                        f"{' and '.join(sent)}.", number))

    # ------------------------------------------------------------ after-sales

    def start_refund(self, order: OrderSummary) -> None:
        """Refund lines or an amount."""
        balance = order.paid_minor - order.refunded_minor
        if order.status == "cancelled":
            self._refuse(f"Order {order.number} is cancelled; its payments were refunded then.")
        elif balance <= 0:
            self._refuse(f"Nothing was paid on order {order.number} that is not already refunded.")
        else:
            self._push(RefundDialog(self.meta, order.number, balance))

    def start_return(self, order: OrderSummary) -> None:
        """A return request."""
        if order.status == "cancelled":
            self._refuse(f"Order {order.number} is cancelled; there is nothing to return.")
        elif order.fulfilment_status == "unfulfilled":
            self._refuse(f"Nothing of order {order.number} was shipped yet; cancel it (x) instead.")
        else:
            self._push(ReturnRequestDialog(self.meta, order.number))

    def start_exchange(self, order: OrderSummary) -> None:
        """An exchange."""
        if order.status == "cancelled":
            self._refuse(f"Order {order.number} is cancelled; there is nothing to exchange.")
        elif order.fulfilment_status == "unfulfilled":
            self._refuse(f"Nothing of order {order.number} was shipped yet; edit or cancel it instead.")
        else:
            self._push(ExchangeDialog(self.meta, order.number))

    def start_return_step(self, found: ReturnRead) -> None:
        """The next step of a return: decide, receive or refund."""
        if found.status == "requested":
            self._push(DecideReturnDialog(self.meta, found))
        elif found.status == "approved":
            self._push(ReceiveReturnDialog(self.meta, found))
        elif found.status == "received":
            self._push(RefundReturnDialog(self.meta, found))
        else:
            self._refuse(f"Return #{found.id} is {found.status}; nothing is left to do.")

    def open_document(self, order: OrderSummary, kind: str) -> None:
        """The packing slip or the invoice, to read, save or print."""
        self._shop.push_screen(DocumentScreen(self.meta, order.number, kind))
