"""The tiers (from the members screen, t): thresholds and benefits, edit one, recalculate every member.

A recalculation runs in a worker (one transaction, set-based, seconds at a million members) and
says how many members moved up and down; members move the same way every night from cron.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.events import Resize
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState

from shoptui.tui.screens.members.common import MembersMeta, read_meta
from shoptui.tui.screens.members.profile import Col, fit
from shoptui.tui.text import cell, plain
from shoptui.tui.widgets.steady_footer import SteadyFooter
from shoptui.tui.workers import ReportsWorkerErrors
from shoptui.wording import plural

if TYPE_CHECKING:
    from shoptui.services.members import RecalcResult, TierRead
    from shoptui.tui.app import ShopApp


def recalc_sentence(result: RecalcResult) -> str:
    """``Tiers recalculated: 3 members moved (2 up, 1 down); 2 messages queued.``"""
    if not result.changed:
        return "Tiers recalculated: every member is already in the right tier."
    return (f"Tiers recalculated: {plural(result.changed, 'member')} moved ({result.up} up, {result.down} down); "
            f"{plural(result.notified, 'message')} queued.")


class TiersScreen(ReportsWorkerErrors, ModalScreen[bool]):
    """Tiers over the members list; dismissed with True when a tier or a member's tier changed."""

    BINDINGS = [
        Binding("escape", "close", "Back", id="tiers-close", tooltip="Back to the members."),
        Binding("e", "edit", "Edit", id="tiers-edit", tooltip="Edit the highlighted tier: thresholds and benefits."),
        Binding("r", "recalc", "Recalculate", id="tiers-recalc",
                tooltip="Move every member to the tier their rolling orders reach, now (asks first)."),
        Binding("ctrl+r", "reload", "Reload", show=False, id="tiers-reload", tooltip="Read the tiers again."),
    ]

    @dataclass
    class Loaded(Message):
        """The tiers and settings were read."""

        meta: MembersMeta

    @dataclass
    class Recalculated(Message):
        """A recalculation landed."""

        result: RecalcResult

    def __init__(self) -> None:
        super().__init__()
        self.meta = MembersMeta()
        self.changed = False
        self.recalculating = False

    @property
    def shop(self) -> ShopApp:
        """The app, typed."""
        return cast("ShopApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(id="tiers-box"):
            yield Static("Loading tiers…", id="tiers-basis", markup=False)
            yield DataTable(id="tiers-list", cursor_type="row", zebra_stripes=True, cell_padding=0)
            yield Static("", id="tiers-detail", markup=False)
            yield Static("", id="tiers-result", markup=False)
        yield SteadyFooter(compact=True)

    def on_mount(self) -> None:
        self.query_one("#tiers-box").border_title = "Member tiers"
        self.load()

    def on_resize(self, event: Resize) -> None:
        if self.meta.tiers:
            self.call_after_refresh(self._fill)

    def current(self) -> TierRead | None:
        """The highlighted tier."""
        table = self.query_one("#tiers-list", DataTable)
        if not table.row_count:
            return None
        code = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((t for t in self.meta.tiers if t.code == code), None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "edit":
            return self.current() is not None
        if action == "recalc":
            return not self.recalculating
        return True

    @work(thread=True, exclusive=True, group="tiers-load", exit_on_error=False)
    def load(self) -> None:
        """The tiers and what reaches them."""
        self.post_message(self.Loaded(read_meta(self.shop.db_url, self.shop)))

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        self.meta = event.meta
        meta = event.meta
        basis = "spend" if meta.basis == "spend" else "number of paid orders"
        self.query_one("#tiers-basis", Static).update(
            plain(f"Reached by rolling {basis} over {meta.window_months} months (settings). Recalculated on every paid "
            "or refunded order, by cron ('shoptui member recalc-tiers') and with r."))
        self._fill()
        self.query_one("#tiers-list", DataTable).focus()
        self.refresh_bindings()

    def _fill(self) -> None:
        meta = self.meta
        table: DataTable[Any] = self.query_one("#tiers-list", DataTable)
        width = self.query_one("#tiers-box").content_region.width or max(40, self.app.size.width - 4)
        columns = [Col("name", "Tier", 0), Col("spend", "Min spend", 12, True), Col("orders", "Orders", 7, True),
                   Col("discount", "Discount", 9, True), Col("points", "Points", 7, True),
                   Col("ship", "Free ship ≥", 12, True)]
        fitted = fit([c for c in columns if c.width or c.key == "name"], width)
        keep = table.cursor_row
        with self.app.batch_update():
            table.clear(columns=True)
            for col in fitted:
                table.add_column(cell(col.label, col.width, right=col.right), key=col.key, width=col.width)
            for t in meta.tiers:
                values = {"name": f"{t.name} ({t.code})", "spend": meta.store.money(t.min_spend_minor),
                          "orders": str(t.min_orders), "discount": f"{t.discount_bp / 100:g}%",
                          "points": f"x{t.points_multiplier_bp / 10_000:g}",
                          "ship": "–" if t.free_shipping_over_minor is None else meta.store.money(t.free_shipping_over_minor)}
                table.add_row(*(cell(values[c.key], c.width, right=c.right) for c in fitted), key=t.code)
            if table.row_count:
                table.move_cursor(row=min(keep, table.row_count - 1), animate=False)
        self._show_detail()

    def _show_detail(self) -> None:
        tier = self.current()
        if tier is None:
            self.query_one("#tiers-detail", Static).update(plain(""))
            return
        meta = self.meta
        perks = [f"{tier.discount_bp / 100:g}% off", f"x{tier.points_multiplier_bp / 10_000:g} points"]
        if tier.free_shipping_over_minor is not None:
            perks.append(f"free shipping from {meta.store.money(tier.free_shipping_over_minor)}")
        need = (f"{meta.store.money(tier.min_spend_minor)} {meta.store.currency} of spend" if meta.basis == "spend"
                else plural(tier.min_orders, "paid order"))
        self.query_one("#tiers-detail", Static).update(
            plain(f"{tier.name}: reached with {need} in {meta.window_months} months; gives {', '.join(perks)}. "
            "e edits it."))

    @on(DataTable.RowHighlighted, "#tiers-list")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()
        self.refresh_bindings()

    @on(DataTable.RowSelected, "#tiers-list")
    def _chosen(self, event: DataTable.RowSelected) -> None:
        self.action_edit()

    # ------------------------------------------------------------ actions

    def action_close(self) -> None:
        """Back to the members."""
        self.dismiss(self.changed)

    def action_reload(self) -> None:
        """Read the tiers again."""
        self.load()

    def action_edit(self) -> None:
        """Edit the highlighted tier."""
        from shoptui.tui.screens.members.dialogs import TierEditDialog

        tier = self.current()
        if tier is not None:
            self.app.push_screen(TierEditDialog(self.meta, tier), self._edited)

    def _edited(self, tier: Any) -> None:
        if tier is None:
            return
        self.changed = True
        self.shop.announce(f"Saved tier {tier.code} ({tier.name}); members move at the next recalculation (r).")
        self.load()

    def action_recalc(self) -> None:
        """Ask, then recalculate every member's tier."""
        from shoptui.tui.widgets.confirm import Confirm, if_yes

        if self.recalculating:
            return
        self.app.push_screen(
            Confirm("Recalculate every member's tier now? Members who move up are told on the channels they "
                          "agreed to.", yes="Recalculate"),
            if_yes(self._start_recalc))

    def _start_recalc(self) -> None:
        self.recalculating = True
        self.query_one("#tiers-result", Static).update(plain("Recalculating every member's tier…"))
        self.refresh_bindings()
        self.recalc()

    @work(thread=True, exclusive=True, group="tiers-recalc", exit_on_error=False)
    def recalc(self) -> None:
        """Every member's tier, in one transaction."""
        from shoptui import db
        from shoptui.services import members as members_api

        try:
            result = db.run_transaction(
                lambda session: members_api.recalc_tiers(session=session, actor=self.shop.actor),
                self.shop.db_url)
        finally:
            self.recalculating = False
        self.post_message(self.Recalculated(result))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "tiers-recalc" and event.state == WorkerState.ERROR:
            self.query_one("#tiers-result", Static).update(plain("The recalculation was refused; no tier changed."))
            self.refresh_bindings()

    @on(Recalculated)
    def _recalculated(self, event: Recalculated) -> None:
        sentence = recalc_sentence(event.result)
        if event.result.changed:
            self.changed = True
        self.query_one("#tiers-result", Static).update(plain(sentence))
        self.shop.announce(sentence)
        self.refresh_bindings()
