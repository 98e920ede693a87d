"""Editing the lines of an unpaid order (from the order detail, key ``l``): add, change quantity, remove.

Every change is one call of ``orders.edit_order`` in one transaction (in a worker): the service
re-prices the order (offers, totals, tax), moves the reservations and writes the timeline; the
screen shows the order it returns. A refusal (paid meanwhile, not enough stock, unknown SKU) is
the service's sentence under the table, and nothing is changed.

Keys: type a SKU or barcode in the box (``TEE-01``, ``TEE-01:3`` adds three; ``TEE-01=3`` sets the
quantity, ``=0`` removes) and press enter; on the table ``+``/``-`` change the highlighted line by
one, ``delete`` removes it, ``q`` puts its quantity in the box; ``tab`` moves between the two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Static
from textual.worker import get_current_worker

from shoptui.errors import InvalidInput, ShopError
from shoptui.tui.screens.orders.common import OrdersMeta
from shoptui.tui.text import plain
from shoptui.tui.widgets.steady_footer import SteadyFooter
from shoptui.tui.workers import ReportsWorkerErrors
from shoptui.wording import plural

if TYPE_CHECKING:
    from shoptui.services.orders import LineChange, OrderRead
    from shoptui.tui.app import ShopApp

_SET = re.compile(r"^\s*(?P<code>[^\s=]+)\s*=\s*(?P<qty>\S+)\s*$")


def editable_refusal(order: OrderRead) -> str | None:
    """Why the lines of ``order`` cannot be edited now (the service's rule, said before asking), or None."""
    if order.status != "open":
        return f"Order {order.number} is {order.status}; only open orders can be edited."
    if order.paid_minor > 0 or order.payment_status != "unpaid":
        return (f"Order {order.number} is {order.payment_status.replace('_', ' ')}; only unpaid orders can be edited. "
                "Refund or cancel it instead.")
    if any(line.quantity_shipped for line in order.lines):
        return f"Order {order.number} has shipped items and can no longer be edited."
    return None


def change_for(text: str, order: OrderRead) -> LineChange:
    """What the box asks for: ``CODE`` / ``CODE:QTY`` / ``CODExQTY`` adds, ``CODE=QTY`` sets (0 removes)."""
    from shoptui.services import orders

    text = text.strip()
    if not text:
        raise InvalidInput("Type a SKU or barcode (TEE-01, TEE-01:3 adds three, TEE-01=3 sets the quantity).")
    matched = _SET.match(text)
    if matched:
        raw = matched.group("qty")
        if not raw.isdigit():
            raise InvalidInput(f"The quantity {raw!r} is not a whole number of 0 or more; TEE-01=3 sets three.")
        return orders.LineChange(sku=matched.group("code"), quantity=int(raw))
    code, quantity, _ = orders.parse_item_spec(text)
    line = next((line for line in order.lines if line.sku.upper() == code.upper()), None)
    if line is not None:
        return orders.LineChange(sku=line.sku, quantity=line.quantity + quantity)
    return orders.LineChange(sku=code, quantity=quantity)


class EditLinesScreen(ReportsWorkerErrors, ModalScreen[bool]):
    """The lines of an unpaid order, editable; dismissed with True when something was changed."""

    BINDINGS = [
        Binding("escape", "close", "Done", id="lines-close", tooltip="Back to the order."),
        Binding("plus", "step(1)", "+1", id="lines-more", tooltip="One more of the highlighted line."),
        Binding("minus", "step(-1)", "-1", id="lines-less", tooltip="One less of the highlighted line (0 removes it)."),
        Binding("delete", "remove", "Remove", id="lines-remove", tooltip="Remove the highlighted line."),
        Binding("q", "quantity", "Qty", id="lines-quantity",
                tooltip="Put the highlighted line's quantity in the box to type a new one."),
        Binding("a", "add", "Add", id="lines-add", tooltip="Put the cursor in the box to scan or type an item."),
    ]

    @dataclass
    class Edited(Message):
        """The service changed (or first read) the order."""

        order: OrderRead
        said: str

    @dataclass
    class Refused(Message):
        """The service refused a change; nothing was saved."""

        sentence: str

    def __init__(self, meta: OrdersMeta, order: OrderRead) -> None:
        super().__init__()
        self.meta = meta
        self.order = order
        self.changed = False

    @property
    def shop(self) -> ShopApp:
        """The app, typed."""
        return cast("ShopApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(id="lines-box"):
            yield Static("", id="lines-total", markup=False)
            yield DataTable(id="lines-table", cursor_type="row", zebra_stripes=True)
            yield Input(id="lines-code", compact=True, placeholder="SKU or barcode · TEE-01:3 adds 3 · TEE-01=3 sets 3",
                        tooltip="Scan or type an item and press enter: CODE adds one, CODE:3 adds three, "
                                "CODE=3 sets the quantity, CODE=0 removes the line.")
            yield Static("+/- change the highlighted line, delete removes it, q types its quantity; "
                         "totals are priced again by the shop.", id="lines-message", markup=False)
        yield SteadyFooter(compact=True)

    def on_mount(self) -> None:
        self.border_title = plain(f"Lines of {self.order.number}")
        self.query_one("#lines-box").border_title = plain(f"Edit the lines of {self.order.number} (unpaid)")
        table = self.query_one("#lines-table", DataTable)
        table.add_column("SKU", key="sku")
        table.add_column("Item", key="item")
        table.add_column(plain("Qty", justify="right"), key="qty")
        table.add_column(plain("Price", justify="right"), key="price")
        table.add_column(plain("Total", justify="right"), key="total")
        self._show(self.order)
        self.query_one("#lines-code", Input).focus()

    # ------------------------------------------------------------ showing

    def _show(self, order: OrderRead, keep: str | None = None) -> None:
        from shoptui.services.orders import line_title

        self.order = order
        m = self.meta.store.money
        table = self.query_one("#lines-table", DataTable)
        keep = keep or self._current_sku()
        with self.app.batch_update():
            table.clear()
            for line in order.lines:
                table.add_row(plain(line.sku), plain(line_title(line)), plain(str(line.quantity), justify="right"),
                              plain(m(line.unit_price_minor), justify="right"),
                              plain(m(line.net_minor), justify="right"), key=line.sku)
        if keep and any(line.sku == keep for line in order.lines):
            table.move_cursor(row=table.get_row_index(keep), animate=False)
        parts = f"items {m(order.subtotal_minor)}"
        if order.adjustments_minor:
            parts += f" {'+' if order.adjustments_minor > 0 else '-'} {m(abs(order.adjustments_minor))}"
        if order.shipping_minor:
            parts += f" + shipping {m(order.shipping_minor)}"
        self.query_one("#lines-total", Static).update(
            plain(Text.assemble((f"Total {m(order.total_minor)} {self.meta.store.currency}", "bold"),
                          f" = {parts} · {plural(order.item_count, 'item')} · tax {m(order.tax_minor)}")))
        self.refresh_bindings()

    def _say(self, text: str, *, error: bool = False) -> None:
        message = self.query_one("#lines-message", Static)
        message.set_class(error, "-error")
        message.update(plain(text))

    def _current_sku(self) -> str | None:
        table = self.query_one("#lines-table", DataTable)
        if not table.row_count:
            return None
        try:
            return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        except Exception:  # the cursor is past the rows while they are rebuilt
            return None

    def _current_line(self) -> tuple[str, int] | None:
        sku = self._current_sku()
        line = next((line for line in self.order.lines if line.sku == sku), None)
        return (line.sku, line.quantity) if line else None

    # ------------------------------------------------------------ changing

    def _apply(self, change: LineChange) -> None:
        self._say("Saving…")
        self.save_change(change)

    @work(thread=True, exclusive=True, group="order-lines", exit_on_error=False)
    def save_change(self, change: LineChange) -> None:
        """One transaction: the service edits the order (priced again, reservations moved, on the timeline)."""
        from shoptui import db
        from shoptui.services import orders

        try:
            before = {line.sku: line.quantity for line in self.order.lines}
            edit = orders.OrderEdit(lines=[change])
            order = db.run_transaction(
                lambda session: orders.edit_order(session=session, actor=self.shop.actor, number=self.order.number,
                                                  edit=edit),
                self.shop.db_url)
        except ShopError as refused:
            self.post_message(self.Refused(str(refused)))
            return
        after = {line.sku: line.quantity for line in order.lines}
        said = _describe(before, after, self.meta.store.money(order.total_minor), self.meta.store.currency)
        if not get_current_worker().is_cancelled:
            self.post_message(self.Edited(order, said))

    @on(Edited)
    def _edited(self, event: Edited) -> None:
        self.changed = True
        self._show(event.order)
        self._say(event.said)

    @on(Refused)
    def _refused(self, event: Refused) -> None:
        self._say(event.sentence, error=True)

    @on(Input.Submitted, "#lines-code")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            change = change_for(event.value, self.order)
        except ShopError as refused:
            self._say(str(refused), error=True)
            event.input.select_all()  # kept to correct; the next scan replaces it
            return
        event.input.value = ""
        self._apply(change)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("step", "remove", "quantity"):
            return self._current_line() is not None
        return True

    def action_step(self, delta: int) -> None:
        """One more or one less of the highlighted line."""
        from shoptui.services import orders

        current = self._current_line()
        if current is not None:
            self._apply(orders.LineChange(sku=current[0], quantity=max(0, current[1] + delta)))

    def action_remove(self) -> None:
        """Remove the highlighted line."""
        from shoptui.services import orders

        current = self._current_line()
        if current is not None:
            self._apply(orders.LineChange(sku=current[0], quantity=0))

    def action_quantity(self) -> None:
        """The highlighted line's quantity into the box, to type another."""
        current = self._current_line()
        if current is not None:
            box = self.query_one("#lines-code", Input)
            box.value = f"{current[0]}="
            box.focus()
            self.call_after_refresh(box.action_end)  # after focus selected the text: type the number after "="

    def action_add(self) -> None:
        """Cursor to the box."""
        self.query_one("#lines-code", Input).focus()

    def action_close(self) -> None:
        """Back to the order."""
        self.dismiss(self.changed)


def _describe(before: dict[str, int], after: dict[str, int], total: str, currency: str) -> str:
    """``TEE-01 2 -> 3; total 297.00 CNY`` for the line under the table."""
    said = []
    for sku, quantity in after.items():
        if sku not in before:
            said.append(f"{sku} added x{quantity}")
        elif before[sku] != quantity:
            said.append(f"{sku} {before[sku]} -> {quantity}")
    said += [f"{sku} removed" for sku in before if sku not in after]
    return f"{'; '.join(said) or 'Nothing changed'}; total {total} {currency}."
