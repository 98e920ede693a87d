"""One member in full: the profile (contact, consent per channel with its time, tags, addresses,
tier and the way to the next one), and four ledgers in tabs: orders, points, tier history, store credit.

Everything is read by one worker in one read session; each ledger is keyset-paged and ctrl+l
reads the next page of the tab in front. An order opens in the orders screen when that screen is
installed (the member's profile stays where it was); otherwise the orders are shown here only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.events import Resize
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from shoptui.tui.screens.members.common import CREDIT_WORDS, POINTS_WORDS, MembersMeta, consent_line, read_meta
from shoptui.tui.screens.members.dialogs import MemberActions
from shoptui.tui.screens.members.progress import progress_text
from shoptui.tui.text import cell, plain
from shoptui.tui.widgets.steady_footer import SteadyFooter
from shoptui.tui.workers import ReportsWorkerErrors
from shoptui.wording import plural

if TYPE_CHECKING:
    from shoptui.services.members.credit import CreditMovementRead
    from shoptui.services.members.customers import CustomerRead
    from shoptui.services.members.points import PointsMovementRead
    from shoptui.services.members.profiles import MemberRead
    from shoptui.services.members.tiers import TierChangeRead
    from shoptui.services.members.views import NextExpiry, TierProgress
    from shoptui.services.orders.reading import OrderSummary
    from shoptui.tui.app import ShopApp

LEDGER_PAGE = 50
"""Lines of each ledger read at a time."""
WIDE_FROM = 96
"""Table width from which the ledgers show times with the year and who booked each line."""
SIDE_FROM = 140
"""Terminal width from which the profile details stand beside the ledgers (and the Profile tab hides)."""
SIDE_WIDTH = 59
"""Columns of the details beside the ledgers (with its border)."""
TABS = ("tab-profile", "tab-orders", "tab-points", "tab-tiers", "tab-credit")


@dataclass(frozen=True)
class Col:
    """A column: key, header, width (0: takes what the others leave), right-aligned."""

    key: str
    label: str
    width: int = 0
    right: bool = False


def fit(columns: list[Col], width: int) -> list[Col]:
    """The same columns with the fill column sized so the row is ``width`` wide (at least 8)."""
    if all(c.width for c in columns):
        return columns
    fixed = sum(c.width for c in columns if c.width) + 1  # + scrollbar
    rest = max(8, width - fixed)
    return [c if c.width else Col(c.key, c.label, rest, c.right) for c in columns]


@dataclass
class ProfileData:
    """Everything the profile shows, read in one session."""

    member: MemberRead
    customer: CustomerRead
    progress: TierProgress
    expiry: NextExpiry | None
    expiring_soon: int
    orders: list[OrderSummary]
    orders_after: str | None
    points: list[PointsMovementRead]
    points_after: str | None
    tiers: list[TierChangeRead]
    credit: list[CreditMovementRead]
    credit_after: str | None


class MemberProfileScreen(MemberActions, ReportsWorkerErrors, ModalScreen[bool]):
    """A member's profile over the list; dismissed with True when something was changed."""

    BINDINGS = [
        Binding("escape", "close", "Back", id="member-close", tooltip="Back to the list of members."),
        Binding("e", "edit", "Edit", id="member-edit", tooltip="Edit this member's profile, contact, tags and consent."),
        Binding("p", "points", "Points", id="member-points", tooltip="Add or take away points, with a reason."),
        Binding("c", "credit", "Credit", id="member-credit", tooltip="Top up or correct this member's store credit."),
        Binding("g", "gift", "Gift", id="member-gift", tooltip="A gift from the points catalogue for points."),
        Binding("o", "open_order", "Order", id="member-order",
                tooltip="Open the highlighted order in the orders screen (also enter)."),
        Binding("u", "unsubscribe", "Unsubscribe", show=False, id="member-unsubscribe",
                tooltip="Record that this member wants no more marketing email or SMS."),
        Binding("m", "merge", "Merge", show=False, id="member-merge",
                tooltip="Merge a duplicate into this member (shows what moves first)."),
        Binding("1", "tab('tab-profile')", "Profile", show=False, id="member-tab-profile",
                tooltip="Contact, consent, tags, addresses, tier."),
        Binding("2", "tab('tab-orders')", "Orders", show=False, id="member-tab-orders", tooltip="The member's orders."),
        Binding("3", "tab('tab-points')", "Points ledger", show=False, id="member-tab-points",
                tooltip="Points earned, redeemed, expired and adjusted, with the balance and next expiry."),
        Binding("4", "tab('tab-tiers')", "Tier history", show=False, id="member-tab-tiers",
                tooltip="Every change of the member's tier and why."),
        Binding("5", "tab('tab-credit')", "Credit ledger", show=False, id="member-tab-credit",
                tooltip="Store credit topped up, paid, refunded and corrected."),
        Binding("ctrl+l", "more", "More", show=False, id="member-more", tooltip="Read the next page of this ledger."),
        Binding("ctrl+r", "reload", "Reload", show=False, id="member-reload", tooltip="Read the member again."),
    ]

    @dataclass
    class Loaded(Message):
        """The member and the ledgers were read."""

        data: ProfileData
        meta: MembersMeta

    @dataclass
    class MoreLoaded(Message):
        """The next page of one ledger."""

        tab: str
        items: list[Any]
        after: str | None

    def __init__(self, member_id: int) -> None:
        super().__init__()
        self.member_id = member_id
        self.meta = MembersMeta()
        self.data: ProfileData | None = None
        self.changed = False

    @property
    def shop(self) -> ShopApp:
        """The app, typed."""
        return self._shop

    def compose(self) -> ComposeResult:
        with Vertical(id="profile-box"):
            yield Static(plain(f"Member #{self.member_id} · loading…"), id="profile-head", markup=False)
            with Horizontal(id="profile-main"):
                with VerticalScroll(id="profile-side", can_focus=True):
                    yield Static("", id="side-details", markup=False)
                yield from self._compose_tabs()
        yield SteadyFooter(compact=True)

    def _compose_tabs(self) -> ComposeResult:
        with TabbedContent(id="profile-tabs", initial="tab-profile"):
            with TabPane("1 Profile", id="tab-profile"), VerticalScroll(id="profile-scroll"):
                yield Static("", id="profile-details", markup=False)
            with TabPane("2 Orders", id="tab-orders"):
                yield Static("", id="orders-head", classes="ledger-head", markup=False)
                yield DataTable(id="orders-table", cursor_type="row", zebra_stripes=True, cell_padding=0)
            with TabPane("3 Points", id="tab-points"):
                yield Static("", id="points-head", classes="ledger-head", markup=False)
                yield DataTable(id="points-table", cursor_type="row", zebra_stripes=True, cell_padding=0)
            with TabPane("4 Tiers", id="tab-tiers"):
                yield Static("", id="tiers-head", classes="ledger-head", markup=False)
                yield DataTable(id="tiers-table", cursor_type="row", zebra_stripes=True, cell_padding=0)
            with TabPane("5 Credit", id="tab-credit"):
                yield Static("", id="credit-head", classes="ledger-head", markup=False)
                yield DataTable(id="credit-table", cursor_type="row", zebra_stripes=True, cell_padding=0)

    def on_mount(self) -> None:
        self._place_details()
        self.load()

    def on_resize(self, event: Resize) -> None:
        self._place_details()
        self._fill_tables()

    @property
    def side(self) -> bool:
        """Whether the details stand beside the ledgers."""
        return self.app.size.width >= SIDE_FROM

    def _place_details(self) -> bool:
        """Details beside the ledgers when wide (the Profile tab hides), in their tab otherwise; True if moved."""
        side = self.side
        if side == self.has_class("-side"):
            return False
        self.set_class(side, "-side")
        tabs = self.query_one(TabbedContent)
        if side:
            if tabs.active == "tab-profile":
                tabs.active = "tab-orders"
            tabs.hide_tab("tab-profile")
        else:
            tabs.show_tab("tab-profile")
        return True

    @property
    def orders_screen(self) -> bool:
        """Whether an orders screen is installed (then orders open there)."""
        return any(entry.mode == "orders" for entry in self._shop.screen_entries)

    def active_tab(self) -> str:
        """The id of the tab in front."""
        return str(self.query_one(TabbedContent).active)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("edit", "points", "credit", "gift", "unsubscribe", "merge"):
            return self.data is not None
        if action == "open_order":
            return (self.orders_screen and self.data is not None and bool(self.data.orders)
                    and self.active_tab() == "tab-orders")
        if action == "more":
            return self.data is not None and self._after(self.active_tab()) is not None
        return True

    # ------------------------------------------------------------ loading

    @work(thread=True, exclusive=True, group="member-profile", exit_on_error=False)
    def load(self) -> None:
        """The member, their addresses, tier progress, and the first page of every ledger."""
        from datetime import timedelta

        from shoptui import clock, db
        from shoptui.services.members import credit as members_credit
        from shoptui.services.members import customers
        from shoptui.services.members import points as members_points
        from shoptui.services.members import profiles as members
        from shoptui.services.members import tiers as members_tiers
        from shoptui.services.members import views as members_views
        from shoptui.services.orders.listing import OrderFilter, list_orders

        meta = read_meta(self._shop.db_url, self._shop)
        with db.read_session(self._shop.db_url) as session:
            member = members.get_member(session=session, ref=self.member_id)
            customer = customers.get_customer(session=session, ref=member.id)
            progress = members_views.tier_progress(session=session, customer_id=member.id)
            expiry = members_views.next_expiry(session=session, customer_id=member.id)
            soon = members_points.expiring(session, member.id, clock.now() + timedelta(days=30))
            orders = list_orders(session=session, filters=OrderFilter(customer=str(member.id)), limit=LEDGER_PAGE)
            points = members_points.history(session=session, customer_id=member.id, limit=LEDGER_PAGE)
            tiers = members_tiers.history(session=session, customer_id=member.id, limit=200)
            credit = members_credit.history(session=session, customer_id=member.id, limit=LEDGER_PAGE)
        data = ProfileData(member=member, customer=customer, progress=progress, expiry=expiry, expiring_soon=soon,
                           orders=orders.items, orders_after=orders.next_after, points=points.items,
                           points_after=points.next_after, tiers=tiers, credit=credit.items,
                           credit_after=credit.next_after)
        self.post_message(self.Loaded(data, meta))

    @work(thread=True, exclusive=True, group="member-more", exit_on_error=False)
    def load_more(self, tab: str, after: str) -> None:
        """The next page of one ledger."""
        from shoptui import db
        from shoptui.services.members import credit as members_credit
        from shoptui.services.members import points as members_points
        from shoptui.services.orders.listing import OrderFilter, list_orders

        with db.read_session(self._shop.db_url) as session:
            if tab == "tab-orders":
                page: Any = list_orders(session=session, filters=OrderFilter(customer=str(self.member_id)),
                                        after=after, limit=LEDGER_PAGE)
            elif tab == "tab-points":
                page = members_points.history(session=session, customer_id=self.member_id, after=int(after),
                                              limit=LEDGER_PAGE)
            else:
                page = members_credit.history(session=session, customer_id=self.member_id, after=int(after),
                                              limit=LEDGER_PAGE)
        self.post_message(self.MoreLoaded(tab, page.items, page.next_after))

    def _after(self, tab: str) -> str | None:
        data = self.data
        if data is None:
            return None
        return {"tab-orders": data.orders_after, "tab-points": data.points_after,
                "tab-credit": data.credit_after}.get(tab)

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        self.meta = event.meta
        self.data = event.data
        self.member_id = event.data.member.id
        self._show_head()
        self._show_details()
        self._fill_tables()
        self.refresh_bindings()
        self._focus_tab()

    @on(MoreLoaded)
    def _more_loaded(self, event: MoreLoaded) -> None:
        data = self.data
        if data is None:
            return
        if event.tab == "tab-orders":
            data.orders += event.items
            data.orders_after = event.after
        elif event.tab == "tab-points":
            data.points += event.items
            data.points_after = event.after
        else:
            data.credit += event.items
            data.credit_after = event.after
        self._fill_tables()
        self.refresh_bindings()

    # ------------------------------------------------------------ showing

    def _box_width(self) -> int:
        """The width the ledgers have (the box less its border and padding, less the details beside)."""
        return max(40, self.app.size.width - 4 - (SIDE_WIDTH if self.side else 0))

    def _show_head(self) -> None:
        data = self.data
        assert data is not None
        m, meta = data.member, self.meta
        box = self.query_one("#profile-box")
        box.border_title = plain(m.name)
        box.border_subtitle = plain(f"member #{m.id} · joined {meta.store.day(m.joined_at)}")
        line = plain()
        line.append(f"{m.tier_name}", style="bold")
        line.append(f" since {meta.store.day(m.tier_since)} · {plural(m.points_balance, 'point')} "
                    f"({meta.store.money(m.points_value_minor)}) · credit {meta.store.money(m.credit_balance_minor)} · "
                    f"{plural(m.order_count, 'order')}")
        head = plain("\n").join([line, progress_text(data.progress, meta)])
        self.query_one("#profile-head", Static).update(plain(head))

    def _show_details(self) -> None:
        data = self.data
        assert data is not None
        m, meta = data.member, self.meta
        rows: list[tuple[str, str]] = [
            ("Phone", m.phone or "–"), ("Email", m.email or "–"),
            *([("Contacts", "also " + ", ".join(m.other_contacts))] if m.other_contacts else []),
            ("Accounts", ", ".join(m.accounts) or "–"),
            ("Consent", f"{consent_line('email', m.email_consent, m.email_consent_at, meta)}"),
            ("", f"{consent_line('sms', m.sms_consent, m.sms_consent_at, meta)}"),
            ("Tags", ", ".join(m.tags) or "–"),
            ("Personal", " · ".join(p for p in (m.gender, f"born {m.birthday.isoformat()}" if m.birthday else "",
                                                m.region) if p) or "–"),
        ]
        addresses = data.customer.addresses
        if not addresses:
            rows.append(("Addresses", "–"))
        for i, address in enumerate(addresses):
            mark = " (default)" if address.is_default else ""
            who = " · ".join(p for p in (address.recipient, address.phone) if p)
            rows.append(("Addresses" if i == 0 else "", f"{address.one_line()}{mark}" + (f" · {who}" if who else "")))
        rows += [
            ("Tier", f"{m.tier_name} since {meta.store.when(m.tier_since)}"),
            ("Orders", f"{m.order_count}, spent {meta.store.money(m.spent_minor)} {meta.store.currency}; last "
                       f"{meta.store.when(m.last_order_at)}"),
            ("Joined", f"{meta.store.when(m.joined_at)} by {m.source}"),
        ]
        text = plain()
        for i, (label, value) in enumerate(rows):
            if i:
                text.append("\n")
            text.append(f"{label:<10}", style="bold")
            text.append(value)
        self.query_one("#profile-details", Static).update(plain(text))
        self.query_one("#side-details", Static).update(plain(text))

    def _fill_tables(self) -> None:
        data = self.data
        if data is None:
            return
        wide = self._box_width() >= WIDE_FROM
        with self.app.batch_update():
            self._fill_orders(data, wide)
            self._fill_points(data, wide)
            self._fill_tiers(data, wide)
            self._fill_credit(data, wide)

    def _table(self, table_id: str, columns: list[Col]) -> tuple[DataTable[Any], list[Col], int]:
        """The table emptied, with headers for these columns; and the row the cursor was on."""
        table: DataTable[Any] = self.query_one(f"#{table_id}", DataTable)
        fitted = fit(columns, self._box_width())
        keep = table.cursor_row
        table.clear(columns=True)
        for col in fitted:
            table.add_column(cell(col.label, col.width, right=col.right), key=col.key, width=col.width)
        return table, fitted, keep

    @staticmethod
    def _row(table: DataTable[Any], columns: list[Col], values: dict[str, str], key: str) -> None:
        table.add_row(*(cell(values.get(c.key, ""), c.width, right=c.right) for c in columns), key=key)

    @staticmethod
    def _restore(table: DataTable[Any], keep: int) -> None:
        if table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1), animate=False)

    def _fill_orders(self, data: ProfileData, wide: bool) -> None:
        meta = self.meta
        columns = [Col("number", "Order", 15), Col("at", "Placed", 17 if wide else 11), Col("status", "Status", 10),
                   Col("payment", "Payment", 0 if not wide else 19), Col("shipping", "Shipping", 17 if wide else 0),
                   Col("items", "Items", 6, True), Col("total", "Total", 12, True)]
        if not wide:
            columns = [c for c in columns if c.key != "shipping"]
        table, fitted, keep = self._table("orders-table", columns)
        for o in data.orders:
            self._row(table, fitted, {
                "number": o.number, "at": meta.store.when(o.created_at) if wide else meta.store.day(o.created_at),
                "status": o.status, "payment": o.payment_status.replace("_", " "),
                "shipping": o.fulfilment_status.replace("_", " "), "items": str(o.item_count),
                "total": meta.store.money(o.total_minor)}, o.number)
        self._restore(table, keep)
        if not data.orders:
            note = "No orders yet."
        else:
            note = f"{plural(len(data.orders), 'order')}" + (" · ctrl+l more" if data.orders_after else "")
            note += " · enter or o opens one in Orders" if self.orders_screen else " (the orders screen is not " \
                                                                                   "installed: they are shown here)"
        self.query_one("#orders-head", Static).update(plain(note))

    def _fill_points(self, data: ProfileData, wide: bool) -> None:
        meta, m = self.meta, data.member
        columns = [Col("at", "When", 17 if wide else 11), Col("kind", "Kind", 9), Col("points", "Points", 9, True),
                   Col("left", "Left", 8, True), Col("expires", "Expires", 11), Col("why", "Why", 0),
                   Col("by", "By", 12 if wide else 0)]
        table, fitted, keep = self._table("points-table", [c for c in columns if c.width or c.key == "why"])
        for p in data.points:
            self._row(table, fitted, {
                "at": meta.store.when(p.at) if wide else meta.store.day(p.at), "kind": POINTS_WORDS.get(p.kind, p.kind),
                "points": f"{p.points:+,}", "left": f"{p.remaining:,}" if p.remaining else "",
                "expires": meta.store.day(p.expires_at) if p.remaining else "",
                "why": p.reason or (f"{p.ref_kind} {p.ref_id}" if p.ref_kind else ""), "by": p.actor}, str(p.id))
        self._restore(table, keep)
        head = f"Balance {plural(m.points_balance, 'point')} (worth {meta.store.money(m.points_value_minor)})"
        if data.expiry is not None:
            head += f" · next expiry {meta.store.day(data.expiry.at)}: {data.expiry.points:,}"
        if data.expiring_soon:
            head += f" · {data.expiring_soon:,} within 30 days"
        if data.points_after:
            head += " · ctrl+l more"
        self.query_one("#points-head", Static).update(plain(head))

    def _fill_tiers(self, data: ProfileData, wide: bool) -> None:
        meta = self.meta
        columns = [Col("at", "When", 17 if wide else 11), Col("from", "From", 10), Col("to", "To", 10),
                   Col("why", "Why", 0), Col("spend", "Spend", 12, True), Col("orders", "Orders", 7, True)]
        table, fitted, keep = self._table("tiers-table", columns)
        for t in data.tiers:
            self._row(table, fitted, {
                "at": meta.store.when(t.at) if wide else meta.store.day(t.at), "from": meta.tier_name(t.from_code),
                "to": meta.tier_name(t.to_code), "why": t.reason, "spend": meta.store.money(t.spend_minor),
                "orders": str(t.orders)}, str(t.id))
        self._restore(table, keep)
        m = data.member
        self.query_one("#tiers-head", Static).update(
            plain(f"Now {m.tier_name} since {meta.store.day(m.tier_since)} · {plural(len(data.tiers), 'change')}"))

    def _fill_credit(self, data: ProfileData, wide: bool) -> None:
        meta, m = self.meta, data.member
        columns = [Col("at", "When", 17 if wide else 11), Col("kind", "Kind", 10), Col("amount", "Amount", 12, True),
                   Col("why", "Why", 0), Col("ref", "Reference", 16 if wide else 0), Col("by", "By", 12 if wide else 0)]
        table, fitted, keep = self._table("credit-table", [c for c in columns if c.width or c.key == "why"])
        for c in data.credit:
            self._row(table, fitted, {
                "at": meta.store.when(c.at) if wide else meta.store.day(c.at), "kind": CREDIT_WORDS.get(c.kind, c.kind),
                "amount": f"{'+' if c.amount_minor > 0 else ''}{meta.store.money(c.amount_minor)}", "why": c.reason,
                "ref": f"{c.ref_kind} {c.ref_id}" if c.ref_kind else "", "by": c.actor}, str(c.id))
        self._restore(table, keep)
        head = f"Balance {meta.store.money(m.credit_balance_minor)} {meta.store.currency}"
        if data.credit_after:
            head += " · ctrl+l more"
        self.query_one("#credit-head", Static).update(plain(head))

    # ------------------------------------------------------------ tabs

    def action_tab(self, tab: str) -> None:
        """Bring a tab to the front (the Profile key moves to the details when they stand beside)."""
        if tab == "tab-profile" and self.side:
            self.query_one("#profile-side").focus()
            return
        self.query_one(TabbedContent).active = tab
        self._focus_tab()

    @on(TabbedContent.TabActivated)
    def _tab_changed(self, event: TabbedContent.TabActivated) -> None:
        self.refresh_bindings()

    def _focus_tab(self) -> None:
        tab = self.active_tab()
        target = {"tab-profile": "#profile-scroll", "tab-orders": "#orders-table", "tab-points": "#points-table",
                  "tab-tiers": "#tiers-table", "tab-credit": "#credit-table"}.get(tab)
        if target:
            self.query_one(target).focus()
        self.refresh_bindings()

    # ------------------------------------------------------------ actions

    def action_close(self) -> None:
        """Back to the list."""
        self.dismiss(self.changed)

    def action_reload(self) -> None:
        """Read the member again."""
        self.load()

    def action_more(self) -> None:
        """The next page of the ledger in front."""
        tab = self.active_tab()
        after = self._after(tab)
        if after is not None:
            self.load_more(tab, after)

    def member_changed(self, member_id: int) -> None:
        self.changed = True
        self.load()

    def _with_member(self, ask: Any) -> None:
        if self.data is not None:
            ask(self.data.member)

    def action_edit(self) -> None:
        """Edit this member."""
        self._with_member(self.ask_edit)

    def action_points(self) -> None:
        """Adjust this member's points."""
        self._with_member(self.ask_points)

    def action_credit(self) -> None:
        """Top up or correct this member's store credit."""
        self._with_member(self.ask_credit)

    def action_gift(self) -> None:
        """A gift for this member's points."""
        self._with_member(self.ask_gift)

    def action_unsubscribe(self) -> None:
        """Unsubscribe this member."""
        self._with_member(self.ask_unsubscribe)

    def action_merge(self) -> None:
        """Merge a duplicate into this member."""
        self._with_member(self.ask_merge)

    @on(DataTable.RowSelected, "#orders-table")
    async def _order_chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        await self.action_open_order()

    async def action_open_order(self) -> None:
        """The highlighted order in the orders screen (when it is installed)."""
        data = self.data
        if data is None or not data.orders:
            return
        if not self.orders_screen:
            self._shop.announce("The orders screen is not installed; the member's orders are listed here.",
                                "warning")
            return
        table = self.query_one("#orders-table", DataTable)
        number = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        await self._shop.open_record("orders", "order", number, number)
