"""The marketing screen (F7): promotions and coupons, in two tabs.

Promotions: the list (name, kind, window in shop time, state, priority, exclusive or combinable,
uses, discount given) filtered by status and kind; under it the highlighted promotion in full with
its report (times used, discount and gifts given, revenue of the orders that used it). n adds one
(the form follows the kind), e edits one in place (once an order used it, a new reward is saved
as a new version and the original ends in the same step), p pauses or resumes, x ends — each change asks first.

Coupons: the definitions (what they give, validity, codes issued and used) with the highlighted
one's report and its codes (paged, ctrl+l reads more). n adds a definition (one shared code
optional), b makes a batch of unique codes, i issues a code to each member of a segment (the count
first, then a question), s sends the issued codes by email or SMS through the outbox (how many
consented first), o writes the codes with their share text to a CSV file, p pauses, x ends.

Every read and write runs in a worker; the UI thread never opens the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.events import Resize
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Select, Static, TabbedContent, TabPane
from textual.worker import get_current_worker

from shoptui.tui.screens.base import ShopScreen
from shoptui.tui.screens.marketing.common import (
    KIND_FILTER,
    KIND_SHORT,
    KIND_WORDS,
    STATUS_CHOICES,
    MarketingMeta,
    coupon_validity,
    limits_text,
    promotion_state,
    read_meta,
    scope_text,
)
from shoptui.tui.screens.marketing.table import Col, MarketingTable, fit
from shoptui.tui.text import plain
from shoptui.wording import plural

if TYPE_CHECKING:
    from datetime import datetime

    from shoptui.services.marketing import CodeRead, CouponRead, PromotionRead, UsageReport

PROMO_PAGE = 200
"""Promotions read at a time (a shop runs tens to hundreds)."""
COUPON_PAGE = 100
"""Coupon definitions read at a time."""
CODE_PAGE = 50
"""Codes of a coupon read at a time."""
WIDE_FROM = 110
"""Body width (columns) from which the lists show more columns."""
DETAIL_DELAY = 0.15
"""Seconds the cursor rests on a coupon before its codes are read."""
TAB_PROMOTIONS = "tab-promotions"
TAB_COUPONS = "tab-coupons"


def promotion_columns(width: int) -> list[Col]:
    """Columns of the promotions list for a body width."""
    if width >= WIDE_FROM:
        return fit([Col("name", "Name"), Col("kind", "Kind", 18), Col("window", "Window (shop time)", 25),
                    Col("state", "Status", 10), Col("priority", "Priority", 9, True), Col("stacking", "Stacking", 12),
                    Col("uses", "Uses", 8, True), Col("given", "Given", 12, True)], width)
    return fit([Col("name", "Name"), Col("kind", "Kind", 5), Col("window", "Window", 12), Col("state", "Status", 10),
                Col("priority", "Pri", 4, True), Col("stacking", "Stack", 6), Col("uses", "Uses", 5, True),
                Col("given", "Given", 10, True)], width)


def coupon_columns(width: int) -> list[Col]:
    """Columns of the coupons list for a body width."""
    if width >= WIDE_FROM:
        return fit([Col("name", "Name"), Col("gives", "Gives", 30), Col("code", "Code", 12),
                    Col("valid", "Valid", 20), Col("limits", "Limits", 18), Col("promos", "W/ promos", 10),
                    Col("issued", "Issued", 8, True), Col("used", "Used", 7, True), Col("status", "Status", 9)], width)
    return fit([Col("name", "Name"), Col("gives", "Gives", 21), Col("valid", "Valid", 14),
                Col("codes", "Codes/used", 11, True), Col("status", "Status", 8)], width)


def code_columns(width: int) -> list[Col]:
    """Columns of the codes of one coupon."""
    return fit([Col("code", "Code", 14), Col("member", "Member", 10), Col("expires", "Expires", 17),
                Col("used", "Used", 9, True), Col("sent", "Sent")], width, least=8)


@dataclass
class PromotionData:
    """A page of promotions with what the list and detail show of them."""

    items: list[PromotionRead]
    reports: dict[int, UsageReport]
    gifts: dict[int, str]  # variant id -> "SKU title"
    categories: dict[int, str]  # category id -> path
    next_after: str | None
    now: datetime


@dataclass
class CouponData:
    """A page of coupon definitions with their reports."""

    items: list[CouponRead]
    reports: dict[int, UsageReport]
    next_after: str | None
    now: datetime


class MarketingScreen(ShopScreen):
    """Promotions and coupons: lists with reports, forms, issue/send/export, pause/resume/end."""

    LIVE = frozenset({"promotion", "coupon", "coupon_code", "outbox_message"})
    """What another terminal changes that this screen shows (audit entities; see ShopScreen.LIVE)."""

    MODE = "marketing"
    AUTO_FOCUS = "#promo-table"

    BINDINGS = [
        Binding("1", "tab('tab-promotions')", "Promotions", id="marketing-tab-promotions",
                tooltip="The promotions: spend-and-save, discounts, buy X get Y, gifts."),
        Binding("2", "tab('tab-coupons')", "Coupons", id="marketing-tab-coupons",
                tooltip="The coupon definitions and their codes."),
        Binding("n", "new", "New", id="marketing-new",
                tooltip="A new promotion (its form follows the kind) or a new coupon definition."),
        Binding("e", "edit", "Edit", id="marketing-edit",
                tooltip="Edit the highlighted promotion (once used, a new reward is a new version; the report stays)."),
        Binding("p", "pause", "Pause/resume", id="marketing-pause",
                tooltip="Pause the highlighted promotion or coupon, or resume it (asks first)."),
        Binding("x", "end", "End", id="marketing-end",
                tooltip="End the highlighted promotion or coupon for good (asks first)."),
        Binding("b", "batch", "Batch", id="marketing-batch",
                tooltip="Make a batch of unique single-use codes of the highlighted coupon."),
        Binding("i", "issue", "Issue", id="marketing-issue",
                tooltip="Issue the highlighted coupon to a segment of members (shows how many first)."),
        Binding("s", "send", "Send", id="marketing-send",
                tooltip="Send the issued codes by email or SMS through the outbox (consented members only)."),
        Binding("o", "export", "Export", id="marketing-export",
                tooltip="Write the highlighted coupon's codes with their share text to a CSV file."),
        Binding("ctrl+f", "filters", "Filter", show=False, id="marketing-filter",
                tooltip="Put the cursor on the status and kind filters of the promotions."),
        Binding("ctrl+l", "more", "More", show=False, id="marketing-more",
                tooltip="Read the next page (promotions, or the highlighted coupon's codes)."),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="marketing-refresh",
                tooltip="Read the promotions and coupons again."),
    ]

    @dataclass
    class MetaLoaded(Message):
        """Currency, time zone, tiers, channels were read."""

        meta: MarketingMeta

    @dataclass
    class PromotionsLoaded(Message):
        """A page of promotions for ``status``; ``append`` continues the rows shown."""

        status: str
        data: PromotionData
        append: bool

    @dataclass
    class CouponsLoaded(Message):
        """A page of coupon definitions."""

        data: CouponData
        append: bool

    @dataclass
    class CodesLoaded(Message):
        """A page of one coupon's codes."""

        coupon_id: int
        items: list[CodeRead]
        next_after: str | None
        append: bool

    @dataclass
    class Changed(Message):
        """A write landed: the sentence to announce and what to select after the reload."""

        text: str
        tab: str
        select: int | None = None

    def __init__(self) -> None:
        super().__init__()
        self.meta = MarketingMeta()
        self.status_filter = ""
        self.kind_filter = ""
        self.promotions: dict[int, PromotionRead] = {}
        self.promo_data: PromotionData | None = None
        self.promo_after: str | None = None
        self.coupons: dict[int, CouponRead] = {}
        self.coupon_data: CouponData | None = None
        self.coupon_after: str | None = None
        self.codes: list[CodeRead] = []
        self.codes_of: int | None = None
        self.codes_after: str | None = None
        self.loading = False
        self._loaded_once = False
        self._codes_timer: Timer | None = None
        self._pending: list[tuple[str, str]] = []
        self._select: dict[str, int | None] = {TAB_PROMOTIONS: None, TAB_COUPONS: None}

    # ------------------------------------------------------------ layout

    def compose_body(self) -> ComposeResult:
        with TabbedContent(id="mkt-tabs", initial=TAB_PROMOTIONS):
            with TabPane("Promotions (1)", id=TAB_PROMOTIONS):
                with Horizontal(id="promo-filters"):
                    yield Select(STATUS_CHOICES, value="", allow_blank=False, id="filter-status", compact=True,
                                 tooltip="Only promotions in this state (running: active and inside its window).")
                    yield Select(KIND_FILTER, value="", allow_blank=False, id="filter-kind", compact=True,
                                 tooltip="Only promotions of this kind.")
                    yield Static("", id="promo-count", markup=False)
                yield MarketingTable(id="promo-table")
                yield Static("", id="promo-detail", classes="mkt-detail", markup=False)
            with TabPane("Coupons (2)", id=TAB_COUPONS):
                yield MarketingTable(id="coupon-table")
                yield Static("", id="coupon-detail", classes="mkt-detail", markup=False)
                yield MarketingTable(id="code-table")
        yield Static("Loading promotions and coupons…", id="mkt-status", markup=False)

    def on_mount(self) -> None:
        self._set_columns()
        self.call_after_refresh(self._first_load)

    def _first_load(self) -> None:
        self.load_meta()
        self.load_promotions(self.status_filter, None)
        self.load_coupons(None)

    def _body_width(self) -> int:
        tabs = self.query("#mkt-tabs")
        width = tabs.first().size.width if tabs else 0
        if width <= 0:
            body = self.query("#body")
            width = body.first().content_region.width if body else 0
        if width <= 0:
            width = self.app.size.width - (6 if self.app.size.width < 100 else 24) - 2
        return width

    def _set_columns(self) -> bool:
        width = self._body_width()
        changed = self.promo_table.set_columns(promotion_columns(width))
        changed = self.coupon_table.set_columns(coupon_columns(width)) or changed
        return self.code_table.set_columns(code_columns(width)) or changed

    def on_resize(self, event: Resize) -> None:
        self.call_after_refresh(self._relayout)

    def _relayout(self) -> None:
        if self._set_columns():
            self._render_promotions()
            self._render_coupons()
            self._render_codes()

    def on_screen_resume(self) -> None:
        if self._loaded_once:
            self.action_refresh()

    @property
    def promo_table(self) -> MarketingTable:
        """The promotions list."""
        return self.query_one("#promo-table", MarketingTable)

    @property
    def coupon_table(self) -> MarketingTable:
        """The coupons list."""
        return self.query_one("#coupon-table", MarketingTable)

    @property
    def code_table(self) -> MarketingTable:
        """The highlighted coupon's codes."""
        return self.query_one("#code-table", MarketingTable)

    @property
    def tab(self) -> str:
        """The tab in front."""
        return self.query_one("#mkt-tabs", TabbedContent).active or TAB_PROMOTIONS

    @property
    def wide(self) -> bool:
        """Whether the lists show their wide columns."""
        return self._body_width() >= WIDE_FROM

    def current_promotion(self) -> PromotionRead | None:
        """The highlighted promotion."""
        key = self.promo_table.current_id()
        return self.promotions.get(key) if key is not None else None

    def current_coupon(self) -> CouponRead | None:
        """The highlighted coupon."""
        key = self.coupon_table.current_id()
        return self.coupons.get(key) if key is not None else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        on_promos = self.tab == TAB_PROMOTIONS
        if action == "edit":
            return self.current_promotion() is not None if on_promos else False
        if action in ("pause", "end"):
            item: Any = self.current_promotion() if on_promos else self.current_coupon()
            return item is not None and item.status != "ended"
        if action in ("batch", "issue", "send", "export"):
            coupon = self.current_coupon()
            return not on_promos and coupon is not None and (action == "export" or coupon.status == "active")
        if action == "filters":
            return on_promos
        if action == "more":
            return (self.promo_after is not None) if on_promos else (
                self.codes_after is not None or self.coupon_after is not None)
        return True

    # ------------------------------------------------------------ loading

    @work(thread=True, exclusive=True, group="marketing-meta", exit_on_error=False)
    def load_meta(self) -> None:
        """Currency, time zone, tiers and channels."""
        self.post_message(self.MetaLoaded(read_meta(self.shop.db_url, self.shop)))

    @work(thread=True, exclusive=True, group="marketing-promotions", exit_on_error=False)
    def load_promotions(self, status: str, after: str | None, limit: int = PROMO_PAGE) -> None:
        """A page of promotions, their reports, gift names and category paths (one read session)."""
        from shoptui import clock, db
        from shoptui.services import marketing as marketing_api

        with db.read_session(self.shop.db_url) as session:
            page = marketing_api.list_promotions(session=session, status=None if status in ("", "running") else status,
                                              running=status == "running", after=after, limit=limit)
            reports = {r.id: r for r in marketing_api.usage_report(session=session, kind="promotion")}
            gifts: dict[int, str] = {}
            categories: dict[int, str] = {}
            wanted = [p.gift_variant_id for p in page.items if p.gift_variant_id]
            if wanted or any(p.scope_kind == "categories" for p in page.items):
                from shoptui.services import catalog

                gifts = {vid: f"{v.sku} {v.product_title}".strip()
                         for vid, v in catalog.get_variants(session=session, variant_ids=wanted).items()}
                if any(p.scope_kind == "categories" for p in page.items):
                    categories = catalog.category_paths(session=session)
        data = PromotionData(page.items, reports, gifts, categories, page.next_after, clock.now())
        if not get_current_worker().is_cancelled:
            self.post_message(self.PromotionsLoaded(status, data, after is not None))

    @work(thread=True, exclusive=True, group="marketing-coupons", exit_on_error=False)
    def load_coupons(self, after: str | None, limit: int = COUPON_PAGE) -> None:
        """A page of coupon definitions with their reports."""
        from shoptui import clock, db
        from shoptui.services import marketing as marketing_api

        with db.read_session(self.shop.db_url) as session:
            page = marketing_api.list_coupons(session=session, after=after, limit=limit)
            reports = {r.id: r for r in marketing_api.usage_report(session=session, kind="coupon")}
        if not get_current_worker().is_cancelled:
            self.post_message(self.CouponsLoaded(CouponData(page.items, reports, page.next_after, clock.now()),
                                                 after is not None))

    @work(thread=True, exclusive=True, group="marketing-codes", exit_on_error=False)
    def load_codes(self, coupon_id: int, after: str | None) -> None:
        """A page of one coupon's codes."""
        from shoptui import db
        from shoptui.services import marketing as marketing_api

        with db.read_session(self.shop.db_url) as session:
            page = marketing_api.list_codes(session=session, ref=coupon_id, after=int(after) if after else None,
                                      limit=CODE_PAGE)
        if not get_current_worker().is_cancelled:
            self.post_message(self.CodesLoaded(coupon_id, page.items, page.next_after, after is not None))

    @on(MetaLoaded)
    def _meta_loaded(self, event: MetaLoaded) -> None:
        self.meta = event.meta
        self._render_promotions()
        self._render_coupons()
        self._render_codes()

    @on(PromotionsLoaded)
    def _promotions_loaded(self, event: PromotionsLoaded) -> None:
        self.loading = False
        if event.status != self.status_filter:
            return
        if not event.append or self.promo_data is None:
            self.promotions = {}
            self.promo_data = event.data
        else:
            self.promo_data.reports = event.data.reports
            self.promo_data.gifts.update(event.data.gifts)
            self.promo_data.categories.update(event.data.categories)
            self.promo_data.now = event.data.now
        for promo in event.data.items:
            self.promotions[promo.id] = promo
        self.promo_after = event.data.next_after
        self._render_promotions()
        self._select[TAB_PROMOTIONS] = None  # the row asked for is in the data now (or gone)
        self._after_load()

    @on(CouponsLoaded)
    def _coupons_loaded(self, event: CouponsLoaded) -> None:
        if not event.append or self.coupon_data is None:
            self.coupons = {}
            self.coupon_data = event.data
        else:
            self.coupon_data.reports = event.data.reports
        for coupon in event.data.items:
            self.coupons[coupon.id] = coupon
        self.coupon_after = event.data.next_after
        self._render_coupons()
        self._select[TAB_COUPONS] = None
        self._codes_soon(at_once=True)
        self._after_load()

    @on(CodesLoaded)
    def _codes_loaded(self, event: CodesLoaded) -> None:
        current = self.current_coupon()
        if current is None or current.id != event.coupon_id:
            return
        if not event.append or self.codes_of != event.coupon_id:
            self.codes = []
        self.codes_of = event.coupon_id
        self.codes.extend(event.items)
        self.codes_after = event.next_after
        self._render_codes()
        self.refresh_bindings()

    def _after_load(self) -> None:
        self._show_status()
        self.refresh_bindings()
        if self.promo_data is not None and self.coupon_data is not None:
            self.loaded(first=not self._loaded_once)
            self._loaded_once = True
            while self._pending:
                self.open_record(*self._pending.pop(0))

    # ------------------------------------------------------------ promotions: rendering

    def shown_promotions(self) -> list[PromotionRead]:
        """The loaded promotions that pass the kind filter, newest first."""
        return [p for p in self.promotions.values() if not self.kind_filter or p.kind == self.kind_filter]

    def _promotion_cells(self, p: PromotionRead, data: PromotionData) -> dict[str, str]:
        m, wide = self.meta, self.wide
        report = data.reports.get(p.id)
        if wide:
            window = f"{m.store.when(p.starts_at, time=False)} → " + (
                f"{m.store.when(p.ends_at, time=False) if not _midnight(p.ends_at, m) else m.store.last_day(p.ends_at)}"
                if p.ends_at else "no end")
        else:
            window = m.window(p.starts_at, p.ends_at, wide=False)
        return {
            "name": p.name, "kind": KIND_WORDS[p.kind] if wide else KIND_SHORT[p.kind], "window": window,
            "state": promotion_state(p, data.now), "priority": str(p.priority),
            "stacking": ("exclusive" if p.exclusive else "combinable") if wide else ("excl" if p.exclusive else "comb"),
            "uses": f"{p.used_count:,}" + (f"/{p.usage_limit:,}" if p.usage_limit and wide else ""),
            "given": m.store.money(report.discount_minor if report else 0),
        }

    def _render_promotions(self) -> None:
        data = self.promo_data
        if data is None:
            return
        table = self.promo_table
        keep = self._select[TAB_PROMOTIONS]
        with self.app.batch_update():
            table.put_rows([(p.id, self._promotion_cells(p, data)) for p in self.shown_promotions()], keep=keep)
        self._show_promotion()
        self._show_status()

    def _show_promotion(self) -> None:
        detail = self.query_one("#promo-detail", Static)
        promo, data = self.current_promotion(), self.promo_data
        if promo is None or data is None:
            detail.update(plain("No promotion to show." if data is not None else ""))
            return
        detail.update(plain(self.promotion_text(promo, data)))

    def promotion_text(self, p: PromotionRead, data: PromotionData) -> str:
        """The highlighted promotion in full, with its report (plain text, a few lines)."""
        from shoptui.services.marketing import describe_promotion as describe

        m = self.meta
        gives = describe(p, m.store.digits)
        if p.kind == "gift" and p.gift_variant_id in data.gifts:
            gives = gives.replace(f"variant #{p.gift_variant_id}", data.gifts[p.gift_variant_id])
        report = data.reports.get(p.id)
        who = []
        who.append("tiers " + ", ".join(p.tiers) if p.tiers else "everyone")
        if p.new_customers:
            who.append("new customers only")
        who.append("channels " + ", ".join(p.channels) if p.channels else "every channel")
        scope = scope_text(p.scope_kind, p.scope_ids)
        if p.scope_kind == "categories" and p.scope_ids:
            scope += ": " + ", ".join(data.categories.get(i, f"#{i}") for i in p.scope_ids)
        elif p.scope_kind == "products" and p.scope_ids:
            scope += ": " + (p.scope_text.removeprefix("products: ") or ", ".join(f"#{i}" for i in p.scope_ids))
        wide = self.wide
        ends = f"end of {m.store.last_day(p.ends_at, year=wide)}" if p.ends_at and _midnight(p.ends_at, m) else (
            m.store.when(p.ends_at, year=wide) if p.ends_at else "no end")
        head = f"#{p.id} {p.name} · " + (f"{KIND_WORDS[p.kind]} · {promotion_state(p, data.now)} · " if wide else "")
        lines = [
            head + gives,
            f"{m.store.when(p.starts_at, year=wide)} → {ends} · priority {p.priority} · "
            f"{'exclusive' if p.exclusive else 'combinable'} · {limits_text(p.usage_limit, p.per_member_limit)}",
            f"For {' · '.join(who)} · on {scope}",
        ]
        if report is not None:
            gifts = f" · gifts worth {m.store.money(report.gift_minor)}" if report.gift_minor else ""
            lines.append(f"Used {plural(report.times_used, 'time')} · discount given {m.store.money(report.discount_minor)}"
                         f"{gifts} · revenue {m.store.money(report.revenue_minor)}"
                         + (" (orders that used it, less refunds)" if wide else ""))
        return "\n".join(lines)

    # ------------------------------------------------------------ coupons: rendering

    def _coupon_cells(self, c: CouponRead, data: CouponData) -> dict[str, str]:
        m = self.meta
        from shoptui.services.marketing import describe_coupon as describe

        expired = c.valid_until is not None and c.valid_until <= data.now and c.status == "active"
        return {
            "name": c.name, "gives": describe(c, m.store.digits), "code": c.shared_code or "–",
            "valid": coupon_validity(c, m), "limits": limits_text(c.total_limit, c.per_member_limit),
            "promos": "yes" if c.combinable else "no", "issued": f"{c.issued_count:,}", "used": f"{c.used_count:,}",
            "codes": f"{c.issued_count:,}/{c.used_count:,}", "status": "expired" if expired else c.status,
        }

    def _render_coupons(self) -> None:
        data = self.coupon_data
        if data is None:
            return
        keep = self._select[TAB_COUPONS]
        with self.app.batch_update():
            self.coupon_table.put_rows([(c.id, self._coupon_cells(c, data)) for c in self.coupons.values()],
                                       keep=keep)
        self._show_coupon()

    def _show_coupon(self) -> None:
        detail = self.query_one("#coupon-detail", Static)
        coupon, data = self.current_coupon(), self.coupon_data
        if coupon is None or data is None:
            detail.update(plain("No coupons yet: n adds one." if data is not None else ""))
            return
        detail.update(plain(self.coupon_text(coupon, data)))

    def coupon_text(self, c: CouponRead, data: CouponData) -> str:
        """The highlighted coupon with its report (three lines)."""
        from shoptui.services.marketing import describe_coupon as describe

        m = self.meta
        report = data.reports.get(c.id)
        code = f" · shared code {c.shared_code}" if c.shared_code else ""
        lines = [
            f"#{c.id} {c.name} · {describe(c, m.store.digits)}{code} · {c.status}",
            f"{coupon_validity(c, m)} · {limits_text(c.total_limit, c.per_member_limit)} · "
            f"{'with promotions' if c.combinable else 'not with promotions'} · on {scope_text(c.scope_kind, c.scope_ids)}",
        ]
        if report is not None:
            lines.append(f"{plural(c.issued_count, 'code')} issued · used {plural(report.times_used, 'time')}"
                         f" · given {m.store.money(report.discount_minor)} · revenue {m.store.money(report.revenue_minor)}")
        return "\n".join(lines)

    def _render_codes(self) -> None:
        table = self.code_table
        coupon = self.current_coupon()
        with self.app.batch_update():
            if coupon is None or self.codes_of != coupon.id:
                table.clear()
                return
            m = self.meta
            table.put_rows([(c.id, {
                "code": c.code, "member": f"#{c.customer_id}" if c.customer_id else "–",
                "expires": m.store.when(c.expires_at) if c.expires_at else "no end",
                "used": f"{c.used_count}/{c.max_uses}" if c.max_uses is not None else f"{c.used_count}/∞",
                "sent": m.store.when(c.sent_at) if c.sent_at else "–",
            }) for c in self.codes])

    def _codes_soon(self, at_once: bool = False) -> None:
        if self._codes_timer is not None:
            self._codes_timer.stop()
            self._codes_timer = None
        coupon = self.current_coupon()
        if coupon is None:
            self.codes, self.codes_of, self.codes_after = [], None, None
            self._render_codes()
            return
        if at_once:
            self.load_codes(coupon.id, None)
        else:
            self._codes_timer = self.set_timer(DETAIL_DELAY, lambda: self.load_codes(coupon.id, None))

    def _show_status(self) -> None:
        status = self.query_one("#mkt-status", Static)
        count = self.query_one("#promo-count", Static)
        if self.promo_data is None:
            return
        shown = len(self.shown_promotions())
        more = " · ctrl+l more" if self.promo_after else ""
        count.update(plain(f"{plural(shown, 'promotion')}{more}"))
        if self.tab == TAB_PROMOTIONS:
            text = ("No promotions yet: n adds one." if not self.promotions and not self.status_filter
                    else "enter/↑↓ show one · n new · e edit · p pause/resume · x end · F1 keys")
            if self.promotions and not shown:
                text = "No promotion of that kind here; change the filters (ctrl+f)."
        else:
            coupons = len(self.coupons)
            text = (f"{plural(coupons, 'coupon')} · n new · b batch · i issue · s send · o export · p pause · x end"
                    if coupons else "No coupons yet: n adds one.")
        status.update(plain(text))

    # ------------------------------------------------------------ events

    @on(DataTable.RowHighlighted, "#promo-table")
    def _promo_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_promotion()
        self.refresh_bindings()
        table = self.promo_table
        if self.promo_after and not self.loading and table.cursor_row >= table.row_count - 5:
            self.action_more()

    @on(DataTable.RowHighlighted, "#coupon-table")
    def _coupon_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_coupon()
        coupon = self.current_coupon()
        if coupon is not None and coupon.id != self.codes_of:
            self.codes, self.codes_of, self.codes_after = [], None, None
            self._render_codes()
            self._codes_soon()
        self.refresh_bindings()

    @on(DataTable.RowSelected, "#coupon-table")
    def _coupon_chosen(self, event: DataTable.RowSelected) -> None:
        self.code_table.focus()

    @on(DataTable.RowSelected, "#promo-table")
    def _promo_chosen(self, event: DataTable.RowSelected) -> None:
        self._show_promotion()

    @on(TabbedContent.TabActivated)
    def _tab_changed(self, event: TabbedContent.TabActivated) -> None:
        self.call_after_refresh(self._focus_tab)
        self._show_status()
        self.refresh_bindings()

    def _focus_tab(self) -> None:
        (self.promo_table if self.tab == TAB_PROMOTIONS else self.coupon_table).focus()

    @on(Select.Changed, "#filter-status")
    def _status_chosen(self, event: Select.Changed) -> None:
        value = "" if event.value is Select.NULL else str(event.value)
        if value != self.status_filter:
            self.status_filter = value
            self.promo_after = None
            self.load_promotions(value, None)

    @on(Select.Changed, "#filter-kind")
    def _kind_chosen(self, event: Select.Changed) -> None:
        value = "" if event.value is Select.NULL else str(event.value)
        if value != self.kind_filter:
            self.kind_filter = value
            self._render_promotions()

    # ------------------------------------------------------------ actions

    def action_tab(self, tab: str) -> None:
        """Bring a tab to the front."""
        self.query_one("#mkt-tabs", TabbedContent).active = tab

    def action_filters(self) -> None:
        """Cursor to the status filter."""
        self.query_one("#filter-status", Select).focus()

    def action_refresh(self) -> None:
        """Read everything again (keeping the cursors where they are)."""
        if self._select[TAB_PROMOTIONS] is None:  # a change that just landed may have asked for another row
            self._select[TAB_PROMOTIONS] = self.promo_table.current_id()
        if self._select[TAB_COUPONS] is None:
            self._select[TAB_COUPONS] = self.coupon_table.current_id()
        self.load_meta()
        self.load_promotions(self.status_filter, None, max(PROMO_PAGE, len(self.promotions)))
        self.load_coupons(None, max(COUPON_PAGE, len(self.coupons)))
        self.codes_of = None

    def action_more(self) -> None:
        """The next page of promotions, or of the highlighted coupon's codes (else more coupons)."""
        if self.tab == TAB_PROMOTIONS:
            if self.promo_after is not None and not self.loading:
                self.loading = True
                self.load_promotions(self.status_filter, self.promo_after)
            return
        coupon = self.current_coupon()
        if coupon is not None and self.codes_after is not None and self.codes_of == coupon.id:
            self.load_codes(coupon.id, self.codes_after)
        elif self.coupon_after is not None:
            self.load_coupons(self.coupon_after)

    def open_record(self, kind: str, key: str) -> None:
        """Show a promotion or a coupon (search hits and links: key = id)."""
        if not self.is_mounted or self.promo_data is None or self.coupon_data is None:
            self._pending.append((kind, key))
            return
        ref = key.lstrip("#")
        if kind == "promotion" and ref.isdigit():
            self.action_tab(TAB_PROMOTIONS)
            table = self.promo_table
            if ref in table.rows:
                table.move_cursor(row=table.get_row_index(ref), animate=False)
        elif kind == "coupon" and ref.isdigit():
            self.action_tab(TAB_COUPONS)
            table = self.coupon_table
            if ref in table.rows:
                table.move_cursor(row=table.get_row_index(ref), animate=False)
        else:
            super().open_record(kind, key)

    def action_new(self) -> None:
        """A new promotion or coupon, by the tab in front."""
        from shoptui.tui.screens.marketing.forms import CouponForm, PromotionForm

        if self.tab == TAB_PROMOTIONS:
            self.app.push_screen(PromotionForm(self.meta), self._promotion_saved)
        else:
            self.app.push_screen(CouponForm(self.meta), self._coupon_saved)

    def action_edit(self) -> None:
        """Edit the highlighted promotion (``update_promotion``)."""
        from shoptui.tui.screens.marketing.forms import PromotionForm

        promo = self.current_promotion()
        if promo is None or self.promo_data is None:
            return
        gift = self.promo_data.gifts.get(promo.gift_variant_id or 0, "").split(" ")[0]
        self.app.push_screen(PromotionForm(self.meta, promo, gift_sku=gift), self._promotion_saved)

    def _promotion_saved(self, saved: Any) -> None:
        if saved is None:
            return
        from shoptui.services.marketing import describe_promotion as describe

        p = saved.promotion
        if not saved.edited:
            text = f"Added promotion #{p.id} {p.name} ({p.status}): {describe(p, self.meta.store.digits)}."
        elif saved.replaced is not None:
            text = (f"#{saved.replaced.id} {saved.replaced.name} had been used, so it has ended (its report stays); "
                    f"the new terms run as #{p.id}: {describe(p, self.meta.store.digits)}.")
        elif saved.changed:
            text = f"Saved promotion #{p.id} {p.name}: {describe(p, self.meta.store.digits)}."
        else:
            text = f"Promotion #{p.id} {p.name}: nothing changed."
        self.post_message(self.Changed(text, TAB_PROMOTIONS, p.id))

    def _coupon_saved(self, coupon: Any) -> None:
        if coupon is None:
            return
        shared = f", code {coupon.shared_code}" if coupon.shared_code else ""
        self.post_message(self.Changed(f"Added coupon #{coupon.id} {coupon.name}: {coupon.summary}{shared}.",
                                       TAB_COUPONS, coupon.id))

    def action_pause(self) -> None:
        """Pause or resume the highlighted promotion or coupon, after asking."""
        from shoptui.tui.widgets.confirm import Confirm, if_yes

        if self.tab == TAB_PROMOTIONS:
            promo = self.current_promotion()
            if promo is None or promo.status == "ended":
                return
            move = "pause" if promo.status == "active" else "resume"
            question = (f"Pause promotion #{promo.id} {promo.name}? Sales stop getting it until it is resumed."
                        if move == "pause" else
                        f"{'Activate' if promo.status == 'draft' else 'Resume'} promotion #{promo.id} {promo.name}? "
                        f"It runs again inside its window ({self.meta.window(promo.starts_at, promo.ends_at, wide=True)}).")
            self.app.push_screen(Confirm(question, yes=move.capitalize()),
                                 if_yes(lambda: self.move_promotion(promo.id, move)))
            return
        coupon = self.current_coupon()
        if coupon is None or coupon.status == "ended":
            return
        target = "paused" if coupon.status == "active" else "active"
        question = (f"Pause coupon #{coupon.id} {coupon.name}? Its codes stop working until it is resumed."
                    if target == "paused" else f"Resume coupon #{coupon.id} {coupon.name}? Its codes work again.")
        self.app.push_screen(Confirm(question, yes="Pause" if target == "paused" else "Resume"),
                             if_yes(lambda: self.move_coupon(coupon.id, target)))

    def action_end(self) -> None:
        """End the highlighted promotion or coupon for good, after asking."""
        from shoptui.tui.widgets.confirm import Confirm, if_yes

        if self.tab == TAB_PROMOTIONS:
            promo = self.current_promotion()
            if promo is None or promo.status == "ended":
                return
            self.app.push_screen(Confirm(f"End promotion #{promo.id} {promo.name} for good? It cannot run "
                                               "again; its report stays.", yes="End", danger=True),
                                 if_yes(lambda: self.move_promotion(promo.id, "end")))
            return
        coupon = self.current_coupon()
        if coupon is None or coupon.status == "ended":
            return
        self.app.push_screen(Confirm(f"End coupon #{coupon.id} {coupon.name} for good? None of its "
                                           f"{plural(coupon.issued_count, 'code')} will work again.", yes="End",
                                           danger=True),
                             if_yes(lambda: self.move_coupon(coupon.id, "ended")))

    @work(thread=True, group="marketing-write", exit_on_error=False)
    def move_promotion(self, promotion_id: int, action: str) -> None:
        """pause, resume or end a promotion (one transaction, audited)."""
        from shoptui import db
        from shoptui.services import marketing as marketing_api

        promo = db.run_transaction(
            lambda session: marketing_api.set_status(session=session, actor=self.shop.actor, ref=promotion_id, action=action),
            self.shop.db_url)
        self.post_message(self.Changed(f"Promotion #{promo.id} {promo.name} is now {promo.status}.", TAB_PROMOTIONS,
                                       promo.id))

    @work(thread=True, group="marketing-write", exit_on_error=False)
    def move_coupon(self, coupon_id: int, status: str) -> None:
        """Pause, resume or end a coupon (one transaction, audited)."""
        from shoptui import db
        from shoptui.services import marketing as marketing_api

        coupon = db.run_transaction(
            lambda session: marketing_api.set_coupon_status(session=session, actor=self.shop.actor, ref=coupon_id, status=status),
            self.shop.db_url)
        self.post_message(self.Changed(f"Coupon #{coupon.id} {coupon.name} is now {coupon.status}.", TAB_COUPONS,
                                       coupon.id))

    def action_batch(self) -> None:
        """A batch of unique codes of the highlighted coupon."""
        from shoptui.tui.screens.marketing.forms import BatchForm

        coupon = self.current_coupon()
        if coupon is None:
            return

        def done(result: Any) -> None:
            if result is not None:
                sample = ", ".join(result.codes[:3]) + (" …" if len(result.codes) > 3 else "")
                self.post_message(self.Changed(f"Made {plural(result.issued, 'code')} of #{coupon.id} {coupon.name}: "
                                               f"{sample}. o writes them to a CSV file.", TAB_COUPONS, coupon.id))
        self.app.push_screen(BatchForm(self.meta, coupon), done)

    def action_issue(self) -> None:
        """Issue the highlighted coupon to a segment: the count first, then a question."""
        from shoptui.tui.screens.marketing.forms import IssueForm, issue_question
        from shoptui.tui.widgets.confirm import Confirm, if_yes

        coupon = self.current_coupon()
        if coupon is None:
            return

        def previewed(preview: Any) -> None:
            if preview is None:
                return
            if preview.result.issued == 0:
                self.shop.announce(f"Every one of the {plural(preview.result.already_held, 'member')} in that segment "
                                   f"already holds a code of {coupon.name}; nothing to issue.", "warning")
                return
            self.app.push_screen(Confirm(issue_question(preview), yes="Issue"),
                                 if_yes(lambda: self.issue(coupon.id, preview.segment)))
        self.app.push_screen(IssueForm(self.meta, coupon), previewed)

    @work(thread=True, group="marketing-write", exit_on_error=False)
    def issue(self, coupon_id: int, segment: Any) -> None:
        """Issue for real (one transaction)."""
        from shoptui import db
        from shoptui.services import marketing as marketing_api

        result = db.run_transaction(
            lambda session: marketing_api.issue_coupon(session=session, actor=self.shop.actor, ref=coupon_id, segment=segment),
            self.shop.db_url)
        held = f" ({plural(result.already_held, 'member')} already held one)" if result.already_held else ""
        self.post_message(self.Changed(f"Issued {plural(result.issued, 'code')} of coupon #{coupon_id}{held}. "
                                       "s sends them.", TAB_COUPONS, coupon_id))

    def action_send(self) -> None:
        """Send the issued codes: how many consented first, then a question."""
        from shoptui.tui.screens.marketing.forms import SendForm, send_question
        from shoptui.tui.widgets.confirm import Confirm, if_yes

        coupon = self.current_coupon()
        if coupon is None:
            return

        def counted(preview: Any) -> None:
            if preview is None:
                return
            if preview.result.queued == 0:
                self.shop.announce(send_question(preview).replace("Queue 0", "Nothing to queue: 0"), "warning")
                return
            self.app.push_screen(Confirm(send_question(preview), yes="Send"),
                                 if_yes(lambda: self.send(coupon.id, preview.channel, preview.resend)))
        self.app.push_screen(SendForm(self.meta, coupon), counted)

    @work(thread=True, group="marketing-write", exit_on_error=False)
    def send(self, coupon_id: int, channel: str, resend: bool) -> None:
        """Queue the messages for real (one transaction)."""
        from shoptui import db
        from shoptui.services import marketing as marketing_api

        r = db.run_transaction(
            lambda session: marketing_api.send_coupon(session=session, actor=self.shop.actor, ref=coupon_id, channel=channel,
                                                resend=resend),
            self.shop.db_url)
        self.post_message(self.Changed(
            f"Queued {r.queued:,} {'email' if channel == 'email' else 'SMS'} messages of coupon #{coupon_id} "
            f"({r.no_consent:,} without consent and {r.no_address:,} without an address skipped).", TAB_COUPONS,
            coupon_id))

    def action_export(self) -> None:
        """Write the codes with their share text to a CSV file."""
        from shoptui.tui.screens.marketing.forms import ExportForm

        coupon = self.current_coupon()
        if coupon is None:
            return
        suggestion = str(Path("~") / f"coupon-{coupon.id}-codes.csv")

        def done(result: Any) -> None:
            if result is not None:
                self.post_message(self.Changed(f"Wrote {plural(result.codes, 'code')} of #{coupon.id} {coupon.name} "
                                               f"to {result.path}.", TAB_COUPONS, coupon.id))
        self.app.push_screen(ExportForm(self.meta, coupon, suggestion), done)

    @on(Changed)
    def _changed(self, event: Changed) -> None:
        self.shop.announce(event.text)
        if event.tab == TAB_PROMOTIONS:
            self._select[TAB_PROMOTIONS] = event.select
            self._select[TAB_COUPONS] = self.coupon_table.current_id()
        else:
            self._select[TAB_COUPONS] = event.select
            self._select[TAB_PROMOTIONS] = self.promo_table.current_id()
        self.codes_of = None
        self.load_promotions(self.status_filter, None, max(PROMO_PAGE, len(self.promotions)))
        self.load_coupons(None, max(COUPON_PAGE, len(self.coupons)))


def _midnight(at: datetime, meta: MarketingMeta) -> bool:
    local = at.astimezone(meta.store.tz)
    return (local.hour, local.minute, local.second) == (0, 0, 0)
