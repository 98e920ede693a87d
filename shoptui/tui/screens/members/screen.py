"""The members screen (F6): a keyset-paged list with search and filters; enter opens a profile.

Search takes a phone (with or without the country code, spaces and dashes), an email, or the
start of a name. Filters: tier, tag, marketing consent. Only what the screen can show soon is
loaded: about two screens of members, the next page when the cursor nears the end; the table is
never counted, so the list opens as fast with a million members as with ten.

Keys: enter opens the profile; n registers; e, p, c, g, u, m change the highlighted member
(edit, points, store credit, gift, unsubscribe, merge); t opens the tiers; ctrl+f the search.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.events import Resize
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Input, Select, Static
from textual.worker import get_current_worker

from shoptui.tui.screens.base import ShopScreen
from shoptui.tui.screens.members.common import CONSENT_CHOICES, MembersMeta, ads_word, read_meta
from shoptui.tui.screens.members.dialogs import MemberActions
from shoptui.tui.screens.members.table import MembersTable, columns_for
from shoptui.tui.text import choices, plain
from shoptui.tui.widgets.paged_table import PagedList
from shoptui.tui.widgets.paged_table import page_size as _page_size

if TYPE_CHECKING:
    from shoptui.services.members import MemberRead

SEARCH_DELAY = 0.35
"""Seconds of no typing before the search applies (enter applies at once)."""


PAGE_LEAST = 30
"""The fewest members a page has."""


def page_size(screen_height: int) -> int:
    """About two screens of rows: enough to scroll a little, never the whole membership."""
    return _page_size(screen_height, least=PAGE_LEAST)


@dataclass(frozen=True)
class MemberFilters:
    """What the list shows."""

    search: str = ""
    tier: str = ""
    tag: str = ""
    consent: str = ""


class MembersScreen(PagedList, MemberActions, ShopScreen):
    """Members: search, filter, page; open a profile; register, edit, points, credit, gifts, merge; tiers."""

    LIVE = frozenset({"member", "tier", "points_event", "order"})
    """What another terminal changes that this screen shows (audit entities; see ShopScreen.LIVE)."""

    MODE = "members"
    PAGE_LEAST = PAGE_LEAST
    AUTO_FOCUS = "#members-table"

    BINDINGS = [
        Binding("enter", "open", "Open", id="members-open",
                tooltip="The highlighted member's profile: orders, points, tiers, store credit."),
        Binding("n", "register", "Register", id="members-register",
                tooltip="Register a member by phone, email or a third-party account."),
        Binding("e", "edit", "Edit", id="members-edit", tooltip="Edit the highlighted member's profile and consent."),
        Binding("p", "points", "Points", id="members-points",
                tooltip="Add or take away points of the highlighted member, with a reason."),
        Binding("c", "credit", "Credit", id="members-credit",
                tooltip="Top up or correct the highlighted member's store credit."),
        Binding("g", "gift", "Gift", show=False, id="members-gift",
                tooltip="Give the highlighted member a gift from the points catalogue."),
        Binding("u", "unsubscribe", "Unsubscribe", show=False, id="members-unsubscribe",
                tooltip="Record that the highlighted member wants no more marketing email or SMS."),
        Binding("m", "merge", "Merge", show=False, id="members-merge",
                tooltip="Merge a duplicate into the highlighted member (shows what moves first)."),
        Binding("t", "tiers", "Tiers", id="members-tiers",
                tooltip="Tiers: thresholds and benefits, edit them, recalculate every member's tier."),
        Binding("ctrl+f", "find", "Find", id="members-find",
                tooltip="Put the cursor in the search (name, phone or email) and the filters."),
        Binding("ctrl+l", "more", "More", show=False, id="members-more", tooltip="Load the next page of members."),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="members-refresh",
                tooltip="Read the members, tiers and gifts again."),
    ]

    @dataclass
    class MetaLoaded(Message):
        """Currency, time zone, tiers and gifts were read."""

        meta: MembersMeta

    @dataclass
    class PageLoaded(Message):
        """One page of members for ``filters``; ``append`` continues the rows already shown."""

        filters: MemberFilters
        items: list[MemberRead]
        next_after: str | None
        append: bool
        select: int | None = None

    @dataclass
    class PageRefused(Message):
        """The service refused the filters (an unknown tier, a bad tag): its sentence."""

        filters: MemberFilters
        sentence: str

    def __init__(self) -> None:
        super().__init__()
        self.meta = MembersMeta()
        self.filters = MemberFilters()
        self.table: MembersTable = MembersTable(id="members-table", load_more=self._load_more)
        self.problem = ""
        self._loaded_once = False
        self._search_timer: Timer | None = None
        self._pending: list[tuple[str, str]] = []
        self._select_after_load: int | None = None

    # ------------------------------------------------------------ layout

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="members-filters"):
            yield Input(placeholder="name, phone or email", id="members-search", compact=True,
                        tooltip="The start of a name, a phone (with or without the country code) or an email.")
            yield Select([], prompt="any tier", id="filter-tier", compact=True, tooltip="Only members of this tier.")
            yield Input(placeholder="tag", id="filter-tag", compact=True,
                        tooltip="Only members with this tag (enter applies).")
            yield Select(CONSENT_CHOICES, value="", allow_blank=False, id="filter-consent", compact=True,
                         tooltip="Only members who agreed to marketing email, SMS, either, or neither.")
        yield self.table
        yield Static("", id="members-detail", markup=False)
        yield Static("Loading members…", id="members-status", markup=False)

    def on_mount(self) -> None:
        self.table.set_columns(columns_for(self._body_width()))
        self.call_after_refresh(self._first_load)

    def _first_load(self) -> None:
        self.load_meta()
        self.first_page()

    def _body_width(self) -> int:
        body = self.query("#body")
        width = body.first().content_region.width if body and body.first().content_region.width else 0
        if width <= 0:
            sidebar = 6 if self.app.size.width < 100 else 24
            width = self.app.size.width - sidebar - 2
        return width

    def on_resize(self, event: Resize) -> None:
        self.call_after_refresh(self._relayout)

    def _relayout(self) -> None:
        columns = columns_for(self._body_width())
        if columns != self.table.columns_now:
            self.table.set_columns(columns)
            self._render_rows()

    def on_screen_resume(self) -> None:
        if self._loaded_once:
            self.load_meta()
            self.reload()

    def current(self) -> MemberRead | None:
        """The highlighted member, if any."""
        return self.table.current()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("open", "edit", "points", "credit", "gift", "unsubscribe", "merge"):
            return self.current() is not None
        if action == "more":
            return self.next_after is not None
        return True

    # ------------------------------------------------------------ loading

    def reload(self, select: int | None = None) -> None:
        """Read the list again from its first page (keeping the cursor on the same member)."""
        self._select_after_load = select if select is not None else self.table.current_id()
        self.load_page(self.filters, None, max(self.page_limit(), len(self.rows)))

    @work(thread=True, exclusive=True, group="members-meta", exit_on_error=False)
    def load_meta(self) -> None:
        """Currency, time zone, tiers and gifts."""
        meta = read_meta(self.shop.db_url, self.shop)
        self.post_message(self.MetaLoaded(meta))

    @work(thread=True, exclusive=True, group="members-page", exit_on_error=False)
    def load_page(self, filters: MemberFilters, after: str | None, limit: int, select: int | None = None) -> None:
        """One keyset page of members (no count of the table)."""
        from shoptui import db
        from shoptui.errors import ShopError
        from shoptui.services import members

        try:
            with db.read_session(self.shop.db_url) as session:
                page = members.list_members(session=session, search=filters.search, tier=filters.tier or None,
                                                  tag=filters.tag or None, consent=filters.consent or None,
                                                  after=after, limit=limit)
        except ShopError as exc:
            self.post_message(self.PageRefused(filters, str(exc)))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(self.PageLoaded(filters, page.items, page.next_after, after is not None, select))

    @on(MetaLoaded)
    def _meta_loaded(self, event: MetaLoaded) -> None:
        self.meta = self.table.meta = event.meta
        select = self.query_one("#filter-tier", Select)
        with select.prevent(Select.Changed):
            select.set_options(choices(event.meta.tier_options()))
            if self.filters.tier and any(t.code == self.filters.tier for t in event.meta.tiers):
                select.value = self.filters.tier
        self._render_rows()

    @on(PageLoaded)
    def _page_loaded(self, event: PageLoaded) -> None:
        select = event.select
        if event.filters == self.filters and not event.append:
            select, self._select_after_load = select or self._select_after_load, None
        if not self.take_page(event.filters, event.items, event.next_after, append=event.append, select=select):
            return
        self.problem = ""
        self._show_detail()
        self._show_status()
        self.refresh_bindings()
        self.loaded(first=not self._loaded_once)
        self._loaded_once = True
        while self._pending:
            self.open_record(*self._pending.pop(0))

    @on(PageRefused)
    def _page_refused(self, event: PageRefused) -> None:
        self.table.loading_more = False
        if event.filters != self.filters:
            return
        self.problem = event.sentence
        self.table.clear_items()
        self.table.next_after = None
        self._show_detail()
        self._show_status()
        self.refresh_bindings()

    def _render_rows(self) -> None:
        keep, self._select_after_load = self._select_after_load, None
        self.table.redraw(keep)

    def _show_status(self) -> None:
        shown = len(self.rows)
        if self.problem:
            text = f"✗ {self.problem}"
        elif not shown:
            text = ("No member matches; try fewer letters or another filter." if self.filters != MemberFilters()
                    else "No members yet: n registers one (or 'shoptui member add --phone …').")
        else:
            text = f"{shown:,} shown" + self.table.more_below(" · that is all")
            text += " · enter opens · n registers · t tiers"
        self.query_one("#members-status", Static).update(plain(text))

    def _show_detail(self) -> None:
        member = self.current()
        if member is None:
            self.query_one("#members-detail", Static).update(plain(""))
            return
        meta = self.meta
        parts = [f"#{member.id} {member.name}", member.email or "no email",
                 ads_word(member.email_consent, member.sms_consent)]
        if member.tags:
            parts.append("tags " + ", ".join(member.tags))
        parts.append(f"joined {meta.store.day(member.joined_at)}")
        self.query_one("#members-detail", Static).update(plain(" · ".join(parts)))

    @on(DataTable.RowHighlighted, "#members-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()  # (the table itself reads the next page when the cursor nears the end)
        self.refresh_bindings()

    @on(DataTable.RowSelected, "#members-table")
    def _row_chosen(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    # ------------------------------------------------------------ search and filters

    @on(Input.Changed, "#members-search")
    def _search_typed(self, event: Input.Changed) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DELAY, self._apply_search)

    def _apply_search(self) -> None:
        self._search_timer = None
        self.set_filters(replace(self.filters, search=self.query_one("#members-search", Input).value.strip()))

    @on(Input.Submitted, "#members-search")
    def _search_entered(self, event: Input.Submitted) -> None:
        event.stop()
        if self._search_timer is not None:
            self._search_timer.stop()
        self._apply_search()
        self.table.focus()

    @on(Input.Submitted, "#filter-tag")
    def _tag_entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.set_filters(replace(self.filters, tag=event.value.strip().lower()))
        self.table.focus()

    @on(Select.Changed, "#filter-tier")
    def _tier_chosen(self, event: Select.Changed) -> None:
        self.set_filters(replace(self.filters, tier="" if event.value is Select.NULL else str(event.value)))

    @on(Select.Changed, "#filter-consent")
    def _consent_chosen(self, event: Select.Changed) -> None:
        self.set_filters(replace(self.filters, consent="" if event.value is Select.NULL else str(event.value)))

    def action_find(self) -> None:
        """Cursor to the search box."""
        self.query_one("#members-search", Input).focus()

    def action_refresh(self) -> None:
        """Read everything again."""
        self.load_meta()
        self.reload()

    # ------------------------------------------------------------ records and actions

    def open_record(self, kind: str, key: str) -> None:
        """Show a member (search hit ``member``, key = id) or the tiers (``tier``)."""
        from shoptui.tui.screens.members.profile import MemberProfileScreen

        if not self.is_mounted:
            self._pending.append((kind, key))
            return
        if kind in ("member", "customer") and key.lstrip("#").isdigit():
            self.app.push_screen(MemberProfileScreen(int(key.lstrip("#"))), self._after_profile)
        elif kind == "tier":
            self.action_tiers()
        else:
            super().open_record(kind, key)

    def _after_profile(self, changed: bool | None) -> None:
        if changed:
            self.load_meta()
            self.reload()

    def action_open(self) -> None:
        """The highlighted member's profile."""
        member = self.current()
        if member is not None:
            self.open_record("member", str(member.id))

    def action_register(self) -> None:
        """Register a member; their profile opens after."""
        self.ask_register()

    def member_changed(self, member_id: int) -> None:
        self.reload(select=member_id)

    def member_registered(self, member_id: int) -> None:
        self.reload(select=member_id)
        self.open_record("member", str(member_id))

    def _with_current(self, ask: Any) -> None:
        member = self.current()
        if member is not None:
            ask(member)

    def action_edit(self) -> None:
        """Edit the highlighted member."""
        self._with_current(self.ask_edit)

    def action_points(self) -> None:
        """Adjust the highlighted member's points."""
        self._with_current(self.ask_points)

    def action_credit(self) -> None:
        """Top up or correct the highlighted member's store credit."""
        self._with_current(self.ask_credit)

    def action_gift(self) -> None:
        """A gift for the highlighted member's points."""
        self._with_current(self.ask_gift)

    def action_unsubscribe(self) -> None:
        """Unsubscribe the highlighted member."""
        self._with_current(self.ask_unsubscribe)

    def action_merge(self) -> None:
        """Merge a duplicate into the highlighted member."""
        self._with_current(self.ask_merge)

    def action_tiers(self) -> None:
        """The tiers screen."""
        from shoptui.tui.screens.members.tiers import TiersScreen

        self.app.push_screen(TiersScreen(), self._after_profile)
