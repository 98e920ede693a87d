"""The marketing forms: a promotion (its fields follow the kind), a coupon definition, a batch of codes,
issue to a segment (a preview count first), send through the outbox (how many consented first), and
export of the codes with their share text to a CSV file.

Each is a :class:`~shoptui.tui.widgets.form.FormDialog`: what was typed is parsed and the
marketing service called in one transaction inside a worker. A refusal — the service's own sentence,
or the form's when a value is not a number or a date — is shown next to the field it is about, and
nothing is written. Previews are dry runs: the same service call in a transaction that is rolled back,
so the count shown is the count the real call will make.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.widgets import Input, Select

from shoptui.errors import InvalidInput
from shoptui.tui.screens.marketing.common import (
    KIND_CHOICES,
    SCOPE_CHOICES,
    YES_NO,
    FieldRefused,
    MarketingMeta,
    count,
    dry_run,
    moment,
    money,
    percent,
    steps,
    words,
)
from shoptui.tui.text import choices
from shoptui.tui.widgets.form import Field, FormDialog
from shoptui.wording import plural

if TYPE_CHECKING:
    from shoptui.services.marketing import CouponRead, IssueResult, PromotionRead, Segment, SendResult


def _input(value: str, widget_id: str, placeholder: str, tooltip: str) -> Input:
    return Input(value, id=widget_id, compact=True, placeholder=placeholder, tooltip=tooltip)


def _choice(options: tuple[tuple[str, str], ...], value: str, widget_id: str, tooltip: str) -> Select[str]:
    return Select(choices(options), value=value, allow_blank=False, id=widget_id, compact=True, tooltip=tooltip)


class MarketingForm(FormDialog):
    """A form whose own parse errors name their field, and whose rows can hide by what was chosen."""

    def __init__(self, meta: MarketingMeta, intro: str = "") -> None:
        super().__init__(intro)
        self.meta = meta

    def visible_keys(self) -> set[str] | None:
        """The fields to show now (None: all)."""
        return None

    def on_mount(self) -> None:
        self.show_rows()

    def show_rows(self) -> None:
        """Show the rows that apply to what is chosen, hide the rest."""
        keys = self.visible_keys()
        for key, row in self.rows.items():
            row.display = keys is None or key in keys

    @on(Select.Changed)
    def _choice_changed(self, event: Select.Changed) -> None:
        if self.is_mounted:
            self.show_rows()

    def parse(self, values: dict[str, Any]) -> Any:
        """Runs in the worker: turn the text into service input (FieldRefused names the field)."""
        return values

    def save(self, values: dict[str, Any]) -> Any:
        return self.write(self.parse(values))

    def write(self, data: Any) -> Any:
        """Runs in the worker: one transaction with the service calls."""
        raise InvalidInput("This form cannot be saved.")

    def field_key(self, field: str | None) -> str | None:
        """The refusal's field; one hidden now (by what is chosen) goes where :meth:`fallback_field` says."""
        found = super().field_key(field)
        keys = self.visible_keys()
        if found is not None and keys is not None and found not in keys:
            return self.fallback_field(found)
        return found

    def fallback_field(self, found: str) -> str | None:
        """Where a sentence about a hidden field goes (None: the banner)."""
        return None


# ---------------------------------------------------------------- promotions

PROMOTION_KIND_FIELDS = {
    "spend_save": {"steps", "every", "cap"},
    "discount": {"percent", "amount", "min_spend", "cap"},
    "bxgy": {"buy", "get", "get_percent"},
    "gift": {"gift_sku", "gift_qty", "min_spend"},
}
PROMOTION_COMMON = {"name", "kind", "status", "starts", "ends", "priority", "stacking", "usage_limit", "per_member",
                    "tiers", "new_customers", "channels", "scope", "description"}


@dataclass(frozen=True)
class PromotionSaved:
    """What the promotion form did: the promotion as saved, and for an edit what changed (and the original,
    when the edit of a used promotion's reward made a new version and ended it)."""

    promotion: PromotionRead
    replaced: PromotionRead | None = None
    edited: bool = False
    changed: tuple[str, ...] = ()


class PromotionForm(MarketingForm):
    """Add a promotion, or edit one in place (``update_promotion``: a used promotion's new reward is a new version)."""

    SAVE_LABEL = "save the promotion"
    FIELD_NAMES: ClassVar[dict[str, str]] = {
        "starts_at": "starts", "ends_at": "ends", "per_member_limit": "per_member", "cap_minor": "cap",
        "min_spend_minor": "min_spend", "every_minor": "every", "every_off_minor": "every", "percent_bp": "percent",
        "amount_minor": "amount", "buy_qty": "buy", "get_qty": "get", "get_percent_bp": "get_percent",
        "categories": "scope_refs", "products": "scope_refs"}

    def __init__(self, meta: MarketingMeta, original: PromotionRead | None = None, gift_sku: str = "") -> None:
        intro = ("Times are shop time; a date alone means the start of that day (as an end: the end of it). "
                 "Money like 12.50, percentages like 15.")
        if original is not None:
            intro = (f"Saved on #{original.id}. Once an order has used it, a change of what it gives or to what "
                     "is saved as a new promotion and the original ends, so its report stays as it was. " + intro)
        super().__init__(meta, intro)
        self.original = original
        self.gift_sku = gift_sku
        self._kind = original.kind if original else "spend_save"

    def edits_a_record(self) -> bool:
        return self.original is not None

    def title_text(self) -> str:
        if self.original is not None:
            return f"Edit promotion #{self.original.id} {self.original.name}"
        return "New promotion"

    def visible_keys(self) -> set[str] | None:
        kind = self.value("kind") if "kind" in self.rows else self._kind
        keys = PROMOTION_COMMON | PROMOTION_KIND_FIELDS.get(str(kind), set())
        if "scope" in self.rows and self.value("scope") != "all":
            keys.add("scope_refs")
        if self.original is not None:  # an edit changes the promotion itself; p and x pause and end it
            keys.discard("status")
        return keys

    def fallback_field(self, found: str) -> str | None:
        kind = str(self.value("kind"))
        if kind == "spend_save" and found in ("amount", "percent", "min_spend"):
            return "steps"
        return None

    def fields(self) -> list[Field]:
        p = self.original
        m = self.meta

        def amount(v: int | None) -> str:
            return "" if v is None else m.store.money(v)

        def pct(v: int | None) -> str:
            return "" if v is None else f"{v / 100:g}"

        def whole(v: int | None) -> str:
            return "" if v is None else str(v)

        scope = p.scope_kind if p else "all"
        refs = ", ".join(f"#{i}" for i in (p.scope_ids or [])) if p else ""
        steps_text = ", ".join(f"{m.store.money(t)}:{m.store.money(o)}" for t, o in (p.steps or [])) if p else ""
        every = f"{m.store.money(p.every_minor)}:{m.store.money(p.every_off_minor)}" if p and p.every_minor else ""
        return [
            Field("name", "Name", _input(p.name if p else "", "f-name", "as receipts show it, like 满200减20",
                                         "The promotion's name, as receipts and the sale screen show it.")),
            Field("kind", "Kind", _choice(KIND_CHOICES, p.kind if p else "spend_save", "f-kind",
                                          "What the promotion gives; the fields below follow it.")),
            Field("steps", "Thresholds", _input(steps_text, "f-steps", "like 200:20, 500:60 or 满200减20 满500减60",
                                                "Spend and amount off, the best one reached applies.")),
            Field("every", "Or every", _input(every, "f-every", "like 100:10 = every 100.00 off 10.00",
                                              "Repeating: this much off for every step spent (instead of thresholds).")),
            Field("percent", "Percent off", _input(pct(p.percent_bp) if p else "", "f-percent", "like 15 (or leave empty)",
                                                   "Percentage off the items in scope (1 to 100).")),
            Field("amount", "Amount off", _input(amount(p.amount_minor) if p else "", "f-amount",
                                                 "like 20.00 (or leave empty)", "A fixed amount off the items in scope.")),
            Field("cap", "At most off", _input(amount(p.cap_minor) if p else "", "f-cap", "like 50.00 (empty: no cap)",
                                               "The most the promotion takes off one order.")),
            Field("buy", "Buy (X)", _input(whole(p.buy_qty) if p else "", "f-buy", "like 2",
                                           "Items bought at full price in each group.")),
            Field("get", "Get (Y)", _input(whole(p.get_qty) if p else "", "f-get", "like 1",
                                           "Items discounted in each group (the cheapest).")),
            Field("get_percent", "Y % off", _input(pct(p.get_percent_bp) if p else "", "f-get-percent",
                                                   "100 = free (default), 50 = half price",
                                                   "The discount on the Y items.")),
            Field("gift_sku", "Gift SKU", _input(self.gift_sku, "f-gift-sku", "the SKU given at zero price",
                                                 "The gift line takes stock; skipped with a notice when out.")),
            Field("gift_qty", "Gifts", _input(str(p.gift_qty) if p else "1", "f-gift-qty", "1",
                                              "How many of the gift are given.")),
            Field("min_spend", "Min. spend", _input(amount(p.min_spend_minor or None) if p else "", "f-min-spend",
                                                    "like 300.00 (empty: none)",
                                                    "Only when the items in scope reach this spend.")),
            Field("starts", "Starts", _input(m.edit_time(p.starts_at) if p else "", "f-starts",
                                             "like 2026-12-01 or 2026-12-01 09:00 (empty: now)", "Start, shop time.")),
            Field("ends", "Ends", _input(m.edit_time(p.ends_at, end=True) if p else "", "f-ends",
                                         "like 2026-12-31 = end of that day (empty: no end)", "End, shop time.")),
            Field("status", "Status", _choice((("active (runs in its window)", "active"),
                                                ("draft (not yet)", "draft")),
                                               "draft" if p and p.status == "draft" else "active", "f-status",
                                               "A draft does not run until it is resumed (r).")),
            Field("priority", "Priority", _input(str(p.priority) if p else "0", "f-priority", "0",
                                                 "-1000 to 1000; higher wins ties between equally good offers.")),
            Field("stacking", "Stacking", _choice((("combinable with others", "combinable"),
                                                   ("exclusive (never combined)", "exclusive")),
                                                  "exclusive" if p and p.exclusive else "combinable", "f-stacking",
                                                  "Exclusive promotions are never combined with other promotions.")),
            Field("usage_limit", "Total uses", _input(whole(p.usage_limit) if p else "", "f-usage-limit",
                                                      "empty: no limit", "At most this many orders in all.")),
            Field("per_member", "Per member", _input(whole(p.per_member_limit) if p else "", "f-per-member",
                                                     "empty: no limit", "At most this many orders per member.")),
            Field("tiers", "Tiers", _input(", ".join(p.tiers or []) if p else "", "f-tiers",
                                           f"empty: everyone ({m.tier_hint()})", "Only members of these tiers.")),
            Field("new_customers", "New only", _choice(YES_NO, "yes" if p and p.new_customers else "no",
                                                       "f-new-customers", "Only for customers without orders yet.")),
            Field("channels", "Channels", _input(", ".join(p.channels or []) if p else "", "f-channels",
                                                 "empty: all (" + ", ".join(m.channels[:4]) + " …)",
                                                 "Only on these order channels: " + ", ".join(m.channels))),
            Field("scope", "Applies to", _choice(SCOPE_CHOICES, scope, "f-scope",
                                                 "Everything, some categories (with their subtrees) or products.")),
            Field("scope_refs", "Which", _input(refs, "f-scope-refs", "slugs or #ids / SKUs, comma separated",
                                                "Categories: slug, name or #id. Products: any SKU of them or #id.")),
            Field("description", "Note", _input(p.description if p else "", "f-description", "for the staff",
                                                "A note for the staff (optional).")),
        ]

    def parse(self, values: dict[str, Any]) -> Any:
        from shoptui import clock
        from shoptui.services.marketing import PromotionInput

        m = self.meta
        kind = str(values["kind"])
        keys = PROMOTION_KIND_FIELDS[kind]
        starts = moment(values["starts"], m.store.tz, "starts", "start") or clock.now()
        ends = moment(values["ends"], m.store.tz, "ends", "end", end=True)
        every = steps(values["every"], m.store.digits, "every") if "every" in keys and values["every"].strip() else []
        if len(every) > 1:
            raise FieldRefused("every", "Give one repeating step like 100:10 (every 100.00 off 10.00).")
        refs = words(values["scope_refs"]) if values["scope"] != "all" else []
        if values["scope"] != "all" and not refs:
            raise FieldRefused("scope_refs", f"Name the {values['scope']} the promotion applies to, comma separated.")
        priority = count(values["priority"], "priority", "priority")
        data: dict[str, Any] = {
            "name": values["name"], "kind": kind, "starts_at": starts, "ends_at": ends,
            "status": values["status"], "priority": 0 if priority is None else priority,
            "exclusive": values["stacking"] == "exclusive",
            "usage_limit": count(values["usage_limit"], "usage_limit", "usage limit"),
            "per_member_limit": count(values["per_member"], "per_member", "limit per member"),
            "tiers": words(values["tiers"]), "new_customers": values["new_customers"] == "yes",
            "channels": words(values["channels"]), "description": values["description"],
            "categories": refs if values["scope"] == "categories" else [],
            "products": refs if values["scope"] == "products" else [],
        }
        if "cap" in keys:
            data["cap_minor"] = money(values["cap"], m.store.digits, "cap", "cap")
        if "min_spend" in keys:
            data["min_spend_minor"] = money(values["min_spend"], m.store.digits, "min_spend", "minimum spend") or 0
        if kind == "spend_save":
            if every:
                data["every_minor"], data["every_off_minor"] = every[0]
            data["steps"] = steps(values["steps"], m.store.digits, "steps")
        elif kind == "discount":
            data["percent_bp"] = percent(values["percent"], "percent", "percentage")
            data["amount_minor"] = money(values["amount"], m.store.digits, "amount", "amount off")
        elif kind == "bxgy":
            data["buy_qty"] = count(values["buy"], "buy", "number to buy")
            data["get_qty"] = count(values["get"], "get", "number discounted")
            data["get_percent_bp"] = percent(values["get_percent"], "get_percent", "discount on the Y items")
        elif kind == "gift":
            data["gift_sku"] = values["gift_sku"].strip() or None
            data["gift_qty"] = count(values["gift_qty"], "gift_qty", "number of gifts") or 0
        if self.original is not None:
            from shoptui.services.marketing import PromotionUpdate

            data.pop("status")
            data.setdefault("steps", [])  # every field of the kind is given: the form shows the whole promotion
            # times are shown to the minute: left as shown, they stay exactly as stored
            if values["starts"].strip() == m.edit_time(self.original.starts_at):
                data.pop("starts_at")
            if values["ends"].strip() == m.edit_time(self.original.ends_at, end=True):
                data.pop("ends_at")
            return PromotionUpdate(**data)
        return PromotionInput(**data)

    def write(self, data: Any) -> PromotionSaved:
        from shoptui import db
        from shoptui.services import marketing

        with db.transaction(self.shop.db_url) as session:
            if self.original is None:
                return PromotionSaved(marketing.add_promotion(session=session, actor=self.shop.actor, data=data))
            edited = marketing.update_promotion(session=session, actor=self.shop.actor, ref=self.original.id,
                                                 changes=data, new_version=True)
        return PromotionSaved(edited.promotion, edited.ended, edited=True, changed=tuple(edited.changed))


# ---------------------------------------------------------------- coupons


class CouponForm(MarketingForm):
    """A new coupon definition, with one shared code when one is typed."""

    TITLE_TEXT = "New coupon"
    SAVE_LABEL = "save the coupon"
    FIELD_NAMES: ClassVar[dict[str, str]] = {
        "amount_minor": "amount", "percent_bp": "percent", "cap_minor": "cap", "min_spend_minor": "min_spend",
        "categories": "scope_refs", "products": "scope_refs", "per_member_limit": "per_member"}

    def __init__(self, meta: MarketingMeta) -> None:
        super().__init__(meta, "Dates are shop days (until = the end of that day). Leave the code empty to make "
                               "unique codes later (b), or type one shared code like SPRING20.")

    def visible_keys(self) -> set[str] | None:
        keys = {"name", "kind", "min_spend", "scope", "valid_from", "valid_until", "valid_days", "per_member",
                "total_limit", "combinable", "share_text", "code"}
        keys |= {"amount"} if self.value("kind") == "amount" else {"percent", "cap"}
        if self.value("scope") != "all":
            keys.add("scope_refs")
        return keys

    def fields(self) -> list[Field]:
        return [
            Field("name", "Name", _input("", "f-name", "like Ten off a hundred", "The coupon's name.")),
            Field("kind", "Gives", _choice((("an amount off", "amount"), ("a percentage off", "percent")), "amount",
                                           "f-kind", "An amount or a percentage (with an optional cap).")),
            Field("amount", "Amount off", _input("", "f-amount", "like 10.00", "The amount a code takes off.")),
            Field("percent", "Percent off", _input("", "f-percent", "like 15", "The percentage a code takes off (1-100).")),
            Field("cap", "At most off", _input("", "f-cap", "like 30.00 (empty: no cap)",
                                               "The most a percentage coupon takes off.")),
            Field("min_spend", "Min. spend", _input("", "f-min-spend", "like 100.00 (empty: none)",
                                                    "Only when the items it covers reach this spend.")),
            Field("scope", "Applies to", _choice(SCOPE_CHOICES, "all", "f-scope", "Everything, categories or products.")),
            Field("scope_refs", "Which", _input("", "f-scope-refs", "slugs or #ids / SKUs, comma separated",
                                                "Categories: slug, name or #id. Products: any SKU of them or #id.")),
            Field("valid_from", "Valid from", _input("", "f-valid-from", "like 2026-12-01 (empty: now)", "First day.")),
            Field("valid_until", "Valid until", _input("", "f-valid-until", "like 2026-12-31 (empty: no end)",
                                                       "Last day (the codes work to its end).")),
            Field("valid_days", "Or days", _input("", "f-valid-days", "like 30 = valid 30 days after issue",
                                                  "Each code expires this many days after it was issued.")),
            Field("per_member", "Per member", _input("", "f-per-member", "empty: no limit", "Uses per member.")),
            Field("total_limit", "Total uses", _input("", "f-total-limit", "empty: no limit", "Uses in all.")),
            Field("combinable", "With promos", _choice((("yes, with promotions", "yes"), ("no, alone", "no")), "yes",
                                                       "f-combinable", "Whether it may be used with promotions.")),
            Field("share_text", "Share text", _input("", "f-share-text", "$name: $value with code $code$until",
                                                     "For social posts: $code, $name, $value, $expires, $until.")),
            Field("code", "Shared code", _input("", "f-code", "SPRING20 (empty: none)",
                                                "One code everyone may use (limited by the limits above).")),
        ]

    def parse(self, values: dict[str, Any]) -> Any:
        from shoptui.services.marketing import CouponInput

        m = self.meta
        kind = str(values["kind"])
        refs = words(values["scope_refs"]) if values["scope"] != "all" else []
        if values["scope"] != "all" and not refs:
            raise FieldRefused("scope_refs", f"Name the {values['scope']} the coupon applies to, comma separated.")
        return CouponInput(
            name=values["name"], kind=kind,
            amount_minor=money(values["amount"], m.store.digits, "amount", "amount off") if kind == "amount" else None,
            percent_bp=percent(values["percent"], "percent", "percentage") if kind == "percent" else None,
            cap_minor=money(values["cap"], m.store.digits, "cap", "cap") if kind == "percent" else None,
            min_spend_minor=money(values["min_spend"], m.store.digits, "min_spend", "minimum spend") or 0,
            categories=refs if values["scope"] == "categories" else [],
            products=refs if values["scope"] == "products" else [],
            valid_from=moment(values["valid_from"], m.store.tz, "valid_from", "first day"),
            valid_until=moment(values["valid_until"], m.store.tz, "valid_until", "last day", end=True),
            valid_days=count(values["valid_days"], "valid_days", "days of validity"),
            per_member_limit=count(values["per_member"], "per_member", "limit per member"),
            total_limit=count(values["total_limit"], "total_limit", "total limit"),
            combinable=values["combinable"] == "yes", share_text=values["share_text"],
            code=values["code"].strip() or None)

    def write(self, data: Any) -> CouponRead:
        from shoptui import db
        from shoptui.services import marketing

        with db.transaction(self.shop.db_url) as session:
            return marketing.add_coupon(session=session, actor=self.shop.actor, data=data)


class BatchForm(MarketingForm):
    """A batch of unique single-use codes, not tied to members (to export, print or post)."""

    SAVE_LABEL = "make the codes"

    def __init__(self, meta: MarketingMeta, coupon: CouponRead) -> None:
        super().__init__(meta, f"{coupon.summary}. Codes use letters and digits without look-alikes "
                               "(no 0/O, 1/I/L); each works once.")
        self.coupon = coupon

    def title_text(self) -> str:
        return f"Unique codes of #{self.coupon.id} {self.coupon.name}"

    def fields(self) -> list[Field]:
        return [Field("count", "How many", _input("", "f-count", "like 100 (at most 100,000)",
                                                  "How many single-use codes to make."))]

    def parse(self, values: dict[str, Any]) -> Any:
        number = count(values["count"], "count", "number of codes")
        if number is None:
            raise FieldRefused("count", "Type how many codes to make, like 100.")
        return number

    def write(self, data: Any) -> IssueResult:
        from shoptui import db
        from shoptui.services import marketing

        with db.transaction(self.shop.db_url) as session:
            return marketing.issue_coupon(session=session, actor=self.shop.actor, ref=self.coupon.id, count=data)


@dataclass(frozen=True)
class IssuePreview:
    """What issuing to a segment would do (rolled back): the segment and the counts."""

    coupon: CouponRead
    segment: Segment
    result: IssueResult
    described: str


def describe_segment(segment: Segment, meta: MarketingMeta) -> str:
    """``members of tier gold, tagged vip, who spent at least 100.00`` (every member when empty)."""
    parts = []
    if segment.tiers:
        parts.append("of tier " + " or ".join(segment.tiers))
    if segment.tag:
        parts.append(f"tagged {segment.tag}")
    if segment.region:
        parts.append(f"in {segment.region}")
    if segment.last_purchase_before:
        parts.append(f"who last bought before {meta.store.when(segment.last_purchase_before, time=False)}")
    if segment.last_purchase_after:
        parts.append(f"who last bought on or after {meta.store.when(segment.last_purchase_after, time=False)}")
    if segment.min_spent_minor is not None:
        parts.append(f"who spent at least {meta.store.money(segment.min_spent_minor)}")
    if segment.max_spent_minor is not None:
        parts.append(f"who spent at most {meta.store.money(segment.max_spent_minor)}")
    return "members " + ", ".join(parts) if parts else "members (every member of the shop)"


class IssueForm(MarketingForm):
    """Issue a code to each member of a segment; saving shows how many first (a dry run), then asks."""

    SAVE_LABEL = "preview the count"
    FIELD_NAMES: ClassVar[dict[str, str]] = {
        "last_purchase_before": "bought_before", "last_purchase_after": "bought_after",
        "min_spent_minor": "min_spent", "max_spent_minor": "max_spent"}

    def __init__(self, meta: MarketingMeta, coupon: CouponRead) -> None:
        super().__init__(meta, "Every criterion given must hold; leave all empty for every member. Members "
                               "who already hold a code of this coupon are skipped.")
        self.coupon = coupon

    def title_text(self) -> str:
        return f"Issue #{self.coupon.id} {self.coupon.name} to members"

    def fields(self) -> list[Field]:
        return [
            Field("tiers", "Tiers", _input("", "f-tiers", f"like gold ({self.meta.tier_hint()})",
                                           "Members of these tiers, comma separated.")),
            Field("tag", "Tag", _input("", "f-tag", "like vip (optional)", "Members with this tag.")),
            Field("region", "Region", _input("", "f-region", "like Shanghai (optional)", "Members in this region.")),
            Field("bought_after", "Bought after", _input("", "f-bought-after", "like 2026-01-01 (optional)",
                                                         "Last purchase on or after this day.")),
            Field("bought_before", "Bought before", _input("", "f-bought-before", "like 2026-06-01 (optional)",
                                                           "Last purchase before this day (lapsed customers).")),
            Field("min_spent", "Spent from", _input("", "f-min-spent", "like 100.00 (optional)", "Spent at least this much.")),
            Field("max_spent", "Spent to", _input("", "f-max-spent", "like 5000.00 (optional)", "Spent at most this much.")),
        ]

    def parse(self, values: dict[str, Any]) -> Any:
        from shoptui.services.marketing import Segment

        m = self.meta
        return Segment(tiers=words(values["tiers"]), tag=values["tag"].strip() or None,
                       region=values["region"].strip() or None,
                       last_purchase_before=moment(values["bought_before"], m.store.tz, "bought_before", "day"),
                       last_purchase_after=moment(values["bought_after"], m.store.tz, "bought_after", "day"),
                       min_spent_minor=money(values["min_spent"], m.store.digits, "min_spent", "lowest spend"),
                       max_spent_minor=money(values["max_spent"], m.store.digits, "max_spent", "highest spend"))

    def write(self, data: Any) -> IssuePreview:
        from shoptui.services import marketing

        result = dry_run(self.shop.db_url, lambda session: marketing.issue_coupon(
            session=session, actor=self.shop.actor, ref=self.coupon.id, segment=data))
        return IssuePreview(self.coupon, data, result, describe_segment(data, self.meta))


def issue_question(preview: IssuePreview) -> str:
    """The confirmation after the preview."""
    result = preview.result
    held = f" {plural(result.already_held, 'member')} already hold one and are skipped." if result.already_held else ""
    return (f"Issue {plural(result.issued, 'code')} of #{preview.coupon.id} {preview.coupon.name} — one to each of "
            f"the {result.issued + result.already_held:,} {preview.described}?{held}")


@dataclass(frozen=True)
class SendPreview:
    """What sending would queue (rolled back)."""

    coupon: CouponRead
    channel: str
    resend: bool
    result: SendResult


class SendForm(MarketingForm):
    """Send the issued codes by email or SMS through the outbox; saving shows how many consented first."""

    SAVE_LABEL = "count the recipients"

    def __init__(self, meta: MarketingMeta, coupon: CouponRead) -> None:
        super().__init__(meta, "Only members who agreed to marketing on that channel get a message; the text is "
                               "the coupon message of the settings.")
        self.coupon = coupon

    def title_text(self) -> str:
        return f"Send #{self.coupon.id} {self.coupon.name}"

    def fields(self) -> list[Field]:
        return [
            Field("channel", "By", _choice((("email", "email"), ("SMS", "sms")), "email", "f-channel",
                                           "Email or SMS, through the outbox.")),
            Field("resend", "Sent before", _choice((("skip them", "no"), ("send again if unused", "yes")), "no",
                                                   "f-resend", "Codes already sent and still unused: skip or resend.")),
        ]

    def write(self, data: Any) -> SendPreview:
        from shoptui.services import marketing

        channel, resend = str(data["channel"]), data["resend"] == "yes"
        result = dry_run(self.shop.db_url, lambda session: marketing.send_coupon(
            session=session, actor=self.shop.actor, ref=self.coupon.id, channel=channel, resend=resend))
        return SendPreview(self.coupon, channel, resend, result)


def send_question(preview: SendPreview) -> str:
    """The confirmation after counting."""
    r = preview.result
    word = "email" if preview.channel == "email" else "SMS"
    skipped = []
    if r.no_consent:
        skipped.append(f"{plural(r.no_consent, 'member')} without consent")
    if r.no_address:
        skipped.append(f"{plural(r.no_address, 'member')} without an address")
    tail = f" Skipped: {' and '.join(skipped)}." if skipped else ""
    return (f"Queue {r.queued:,} {word} message{'s' if r.queued != 1 else ''} of #{preview.coupon.id} "
            f"{preview.coupon.name} to {plural(r.queued, 'consented recipient')}?{tail}")


@dataclass(frozen=True)
class Exported:
    """Where the codes were written and how many."""

    path: Path
    codes: int


class ExportForm(MarketingForm):
    """The codes with their share text, as a CSV file (never over an existing file)."""

    SAVE_LABEL = "write the file"

    def __init__(self, meta: MarketingMeta, coupon: CouponRead, suggestion: str) -> None:
        super().__init__(meta, "Columns: code, customer_id, expires, uses_left, share_text. A file that exists is "
                               "never overwritten.")
        self.coupon = coupon
        self.suggestion = suggestion

    def title_text(self) -> str:
        return f"Export the codes of #{self.coupon.id} {self.coupon.name}"

    def fields(self) -> list[Field]:
        return [
            Field("path", "CSV file", _input(self.suggestion, "f-path", "~/coupon-codes.csv",
                                             "Where to write the CSV (a new file).")),
            Field("used", "Used codes", _choice((("leave them out", "no"), ("include them", "yes")), "no", "f-used",
                                                "Whether codes used up are listed too.")),
        ]

    def parse(self, values: dict[str, Any]) -> Any:
        raw = values["path"].strip()
        if not raw:
            raise FieldRefused("path", "Type the path of the CSV file to write, like ~/coupon-codes.csv.")
        path = Path(raw).expanduser()
        if path.exists():
            raise FieldRefused("path", f"{path} already exists; pick a new file so nothing is overwritten.")
        if not path.parent.is_dir():
            raise FieldRefused("path", f"The folder {path.parent} does not exist.")
        return path, values["used"] == "yes"

    def write(self, data: Any) -> Exported:
        from shoptui import db
        from shoptui.services import marketing

        path, include_used = data
        with db.read_session(self.shop.db_url) as session:
            text = marketing.export_codes(session=session, ref=self.coupon.id, unused_only=not include_used)
        try:
            with path.open("x", encoding="utf-8", newline="") as out:
                out.write(text)
        except FileExistsError:
            raise FieldRefused("path", f"{path} already exists; pick a new file so nothing is overwritten.") from None
        except OSError as exc:
            raise FieldRefused("path", f"The file {path} cannot be written ({exc.strerror}).") from None
        return Exported(path, max(0, text.count("\n") - 1))
