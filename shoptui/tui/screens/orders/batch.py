"""Ship many paid orders in one go: one row per selected order, each with its carrier and tracking number.

All or nothing: every row is tried in one transaction (``orders_shipping.ship_many``); if any row is
refused nothing is shipped, and each refused row shows its sentence under it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from shoptui.errors import ShopError
from shoptui.tui.screens.orders.common import OrdersMeta
from shoptui.tui.screens.orders.dialogs import Changed
from shoptui.tui.text import plain
from shoptui.tui.workers import ReportsWorkerErrors
from shoptui.wording import plural

if TYPE_CHECKING:
    from shoptui.services.orders import OrderSummary
    from shoptui.tui.app import ShopApp


class BatchRow(Vertical):
    """One order: its number and customer, a carrier, a tracking number, and the refusal under them."""

    def __init__(self, index: int, order: OrderSummary, meta: OrdersMeta) -> None:
        super().__init__(id=f"batch-{index}")
        self.index = index
        self.order = order
        self.meta = meta

    def compose(self) -> ComposeResult:
        options = self.meta.carrier_options()
        with Horizontal():
            yield Label(plain(f"{self.order.number} {self.order.customer_name}"), classes="batch-order", markup=False)
            yield Select(options, value=options[0][1] if options else Select.NULL, allow_blank=not options,
                         compact=True, id=f"batch-carrier-{self.index}",
                         tooltip=f"The carrier of {self.order.number}.")
            yield Input("", compact=True, id=f"batch-tracking-{self.index}", placeholder="tracking number",
                        tooltip=f"The tracking number of {self.order.number}'s parcel.")
        yield Static("", classes="batch-error", markup=False)

    @property
    def carrier(self) -> str:
        """The chosen carrier's code ("" when there are none)."""
        select = self.query_one(Select)
        return "" if select.is_blank() else str(select.value)

    @property
    def tracking(self) -> str:
        """The tracking number as typed."""
        return self.query_one(Input).value

    def show_error(self, sentence: str | None) -> None:
        """Show (None: hide) why this row was refused."""
        self.set_class(sentence is not None, "-invalid")
        self.query_one(".batch-error", Static).update(plain(f"✗ {sentence}" if sentence else ""))


class BatchShipDialog(ReportsWorkerErrors, ModalScreen[Changed | None]):
    """Carrier and tracking number for each selected order; ctrl+s ships them all or none."""

    BINDINGS = [
        Binding("ctrl+s,f12", "save", "Ship all", id="batch-ship", tooltip="Ship every order, or none (ctrl+s or F12)."),
        Binding("escape", "cancel", "Cancel", id="batch-cancel", tooltip="Close without shipping anything."),
    ]

    @dataclass
    class Refused(Message):
        """Nothing was shipped: the sentence of each refused row (by index), or one for the whole batch."""

        rows: dict[int, str]
        banner: str

    @dataclass
    class Shipped(Message):
        """Every order was shipped."""

        numbers: list[str]
        notified: int

    def __init__(self, meta: OrdersMeta, orders: list[OrderSummary]) -> None:
        super().__init__()
        self.meta = meta
        self.orders = orders
        self.saving = False

    @property
    def shop(self) -> ShopApp:
        """The app, typed."""
        return cast("ShopApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(plain(f"Ship {plural(len(self.orders), 'order')}"), id="batch-title", markup=False)
            yield Static("One parcel each: all remaining items. If any row is refused, nothing is shipped.",
                         id="batch-intro", markup=False)
            with VerticalScroll(id="batch-rows"):
                for index, order in enumerate(self.orders):
                    yield BatchRow(index, order, self.meta)
            yield Static("", id="batch-banner", markup=False)
            yield Static("ctrl+s ship all · tab next field · esc cancel", id="batch-keys", markup=False)

    def on_mount(self) -> None:
        inputs = self.query(Input)
        if inputs:
            inputs.first().focus()

    def rows(self) -> list[BatchRow]:
        """The rows, in order."""
        return list(self.query(BatchRow))

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        event.stop()
        inputs = list(self.query(Input))
        if event.input is inputs[-1]:
            self.action_save()
        else:
            inputs[inputs.index(event.input) + 1].focus()

    @on(Input.Changed)
    def _edited(self, event: Input.Changed) -> None:
        for row in self.rows():
            if event.input in row.query(Input) and row.has_class("-invalid"):
                row.show_error(None)

    def action_save(self) -> None:
        """Ship every row, or none."""
        if self.saving:
            return
        self.saving = True
        for row in self.rows():
            row.show_error(None)
        self.remove_class("-refused")
        self.ship([(row.order.number, row.carrier, row.tracking) for row in self.rows()])

    def action_cancel(self) -> None:
        """Close without shipping."""
        self.dismiss(None)

    @work(thread=True, exclusive=True, group="batch-ship", exit_on_error=False)
    def ship(self, rows: list[tuple[str, str, str]]) -> None:
        """One transaction: ship every row; a refusal rolls all of them back."""
        from shoptui import db
        from shoptui.services import orders as orders_api

        ship_rows = [orders_api.ShipRow(row=index + 1, number=number, carrier=carrier, tracking=tracking)
                     for index, (number, carrier, tracking) in enumerate(rows)]
        try:
            results = db.run_transaction(
                lambda session: orders_api.ship_many(session=session, actor=self.shop.actor, rows=ship_rows),
                self.shop.db_url)
        except orders_api.BatchRefused as exc:
            self.post_message(self.Refused(_by_row(exc.problems), f"{len(exc.problems)} of {len(rows)} orders cannot "
                                                                  "be shipped, so nothing was shipped."))
            return
        except ShopError as exc:
            self.post_message(self.Refused({}, str(exc)))
            return
        finally:
            self.saving = False
        self.post_message(self.Shipped([r.number for r in results], sum(1 for r in results if r.notified)))

    @on(Refused)
    def _refused(self, event: Refused) -> None:
        rows = self.rows()
        for index, sentence in event.rows.items():
            if 0 <= index < len(rows):
                rows[index].show_error(sentence)
        self.query_one("#batch-banner", Static).update(plain(f"✗ {event.banner}"))
        self.add_class("-refused")
        first = min(event.rows, default=None)
        if first is not None and 0 <= first < len(rows):
            rows[first].query_one(Input).focus()

    @on(Shipped)
    def _shipped(self, event: Shipped) -> None:
        told = f"; {event.notified} customers are told" if event.notified else ""
        self.dismiss(Changed(f"Shipped {len(event.numbers)} orders: {', '.join(event.numbers)}{told}."))


def _by_row(problems: list[str]) -> dict[int, str]:
    """``row 2: Order SO-… is unpaid…`` -> {1: "Order SO-… is unpaid…"} (rows count from 1)."""
    found: dict[int, str] = {}
    for problem in problems:
        match = re.match(r"row (\d+): (.*)", problem, re.DOTALL)
        if match:
            found.setdefault(int(match[1]) - 1, match[2])
    return found
