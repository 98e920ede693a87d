"""The members dialogs: register, edit and consent, unsubscribe, points, store credit, gifts, merge, tiers.

Each form is a :class:`~shoptui.tui.widgets.form.FormDialog`: what was typed is parsed and
the members service called in one transaction inside a worker; a refusal (the service's own
sentence) is shown next to the field it is about and nothing is written.

:class:`MemberActions` is mixed into the list and the profile: it opens a dialog for one member,
announces what landed and calls the screen's ``member_changed``. A merge asks twice: the other
member first (a read-only preview of what would move), then a confirmation that shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import work
from textual.message import Message
from textual.widgets import Input, Select

from shoptui.errors import InvalidInput
from shoptui.tui.screens.members.common import GENDER_CHOICES, MembersMeta, consent_line, parse_day, split_tags
from shoptui.tui.widgets.form import Field, FormDialog, whole_number
from shoptui.wording import plural

if TYPE_CHECKING:
    from shoptui.services.members import MemberRead, MergePreview, TierRead
    from shoptui.tui.app import ShopApp

DEFAULT_CHOICES = (("store default", ""), ("yes", "yes"), ("no", "no"))
YES_NO = (("yes", "yes"), ("no", "no"))


def _input(value: str, widget_id: str, placeholder: str, tooltip: str) -> Input:
    return Input(value, id=widget_id, compact=True, placeholder=placeholder, tooltip=tooltip)


def _choice(options: tuple[tuple[str, str], ...], value: str, widget_id: str, tooltip: str) -> Select[str]:
    return Select(options, value=value, allow_blank=False, id=widget_id, compact=True, tooltip=tooltip)


def _yes_no(value: str | None) -> bool | None:
    return None if not value else value == "yes"


# ---------------------------------------------------------------- register and edit


class RegisterDialog(FormDialog):
    """A new member by phone, email or a third-party account; the profile and consent optional."""

    TITLE_TEXT = "Register a member"
    SAVE_LABEL = "register"

    def __init__(self, meta: MembersMeta) -> None:
        super().__init__("A phone, an email or an account (provider:id) is enough; the rest is optional.")
        self.meta = meta

    def fields(self) -> list[Field]:
        return [
            Field("name", "Name", _input("", "f-name", "e.g. Wang Fang",
                                         "The member's name (default: the phone or email).")),
            Field("phone", "Phone", _input("", "f-phone", "e.g. 13800138000 or +86 138 0013 8000",
                                           "Phone number; stored with the country code (the store's country is the default).")),
            Field("email", "Email", _input("", "f-email", "e.g. ana@example.com", "Email address.")),
            Field("account", "Account", _input("", "f-account", "e.g. wechat:o6_bmjr… (optional)",
                                               "A third-party account as provider:id (wechat, alipay, google …).")),
            Field("gender", "Gender", _choice(GENDER_CHOICES, "", "f-gender", "female, male, other or not given.")),
            Field("birthday", "Birthday", _input("", "f-birthday", "YYYY-MM-DD (optional)", "Date of birth.")),
            Field("region", "Region", _input("", "f-region", "province or city (optional)", "Region or province.")),
            Field("tags", "Tags", _input("", "f-tags", "comma separated (optional)", "Tags for segments: vip, staff …")),
            Field("email_consent", "Email ads", _choice(DEFAULT_CHOICES, "", "f-email-consent",
                                                        "Agrees to marketing email (store default unless told).")),
            Field("sms_consent", "SMS ads", _choice(DEFAULT_CHOICES, "", "f-sms-consent",
                                                    "Agrees to marketing SMS (store default unless told).")),
        ]

    def save(self, values: dict[str, Any]) -> Any:
        from shoptui import db
        from shoptui.services import members as members_api

        data = members_api.MemberCreate(
            name=values["name"].strip() or None, phone=values["phone"], email=values["email"],
            account=values["account"], gender=values["gender"] or "",
            birthday=parse_day(values["birthday"], "birthday"), region=values["region"],
            tags=split_tags(values["tags"]), email_consent=_yes_no(values["email_consent"]),
            sms_consent=_yes_no(values["sms_consent"]), source="tui")
        with db.transaction(self.shop.db_url) as session:
            return members_api.add_member(session=session, actor=self.shop.actor, data=data)


class EditDialog(FormDialog):
    """A member's profile, contact, tags, another account and consent (only what changed is saved)."""

    FIELD_NAMES: ClassVar[dict[str, str]] = {"add_account": "account"}

    SAVE_LABEL = "save"

    def edits_a_record(self) -> bool:
        return True

    def __init__(self, meta: MembersMeta, member: MemberRead) -> None:
        super().__init__("Consent changes are stamped with the time; clearing phone or email removes it.")
        self.meta = meta
        self.member = member

    def title_text(self) -> str:
        return f"Edit member #{self.member.id} {self.member.name}"

    def fields(self) -> list[Field]:
        m = self.member
        return [
            Field("name", "Name", _input(m.name, "f-name", "the member's name", "The member's name.")),
            Field("phone", "Phone", _input(m.phone or "", "f-phone", "e.g. 13800138000 (empty: none)",
                                           "Phone number (empty removes it).")),
            Field("email", "Email", _input(m.email or "", "f-email", "e.g. ana@example.com (empty: none)",
                                           "Email address (empty removes it).")),
            Field("gender", "Gender", _choice(GENDER_CHOICES, m.gender, "f-gender", "female, male, other or not given.")),
            Field("birthday", "Birthday", _input(m.birthday.isoformat() if m.birthday else "", "f-birthday",
                                                 "YYYY-MM-DD (empty: none)", "Date of birth.")),
            Field("region", "Region", _input(m.region, "f-region", "province or city", "Region or province.")),
            Field("tags", "Tags", _input(", ".join(m.tags), "f-tags", "comma separated",
                                         "Every tag of the member (replaces them).")),
            Field("account", "Add account", _input("", "f-account", "provider:id (optional)",
                                                   "Link one more third-party account, like wechat:o6_x.")),
            Field("email_consent", "Email ads", _choice(YES_NO, "yes" if m.email_consent else "no", "f-email-consent",
                                                        consent_line("email", m.email_consent, m.email_consent_at,
                                                                     self.meta))),
            Field("sms_consent", "SMS ads", _choice(YES_NO, "yes" if m.sms_consent else "no", "f-sms-consent",
                                                    consent_line("sms", m.sms_consent, m.sms_consent_at, self.meta))),
        ]

    def patch(self, values: dict[str, Any]) -> dict[str, Any]:
        """Only what differs from the member as loaded."""
        m = self.member
        given: dict[str, Any] = {}
        if values["name"].strip() != m.name:
            given["name"] = values["name"]
        for key in ("phone", "email"):
            if values[key].strip() != (getattr(m, key) or ""):
                given[key] = values[key]
        if (values["gender"] or "") != m.gender:
            given["gender"] = values["gender"] or ""
        birthday = parse_day(values["birthday"], "birthday")
        if birthday != m.birthday:
            if birthday is None:
                given["clear_birthday"] = True
            else:
                given["birthday"] = birthday
        if values["region"].strip() != m.region:
            given["region"] = values["region"]
        tags = split_tags(values["tags"])
        if sorted({t.lower() for t in tags}) != sorted(m.tags):
            given["tags"] = tags
        if values["account"].strip():
            given["add_account"] = values["account"]
        for channel in ("email", "sms"):
            wanted = values[f"{channel}_consent"] == "yes"
            if wanted != getattr(m, f"{channel}_consent"):
                given[f"{channel}_consent"] = wanted
        return given

    def save(self, values: dict[str, Any]) -> Any:
        from shoptui import db
        from shoptui.services import members as members_api

        patch = members_api.MemberUpdate(**self.patch(values))
        with db.transaction(self.shop.db_url) as session:
            return members_api.update_member(session=session, actor=self.shop.actor, ref=self.member.id, patch=patch)


class UnsubscribeDialog(FormDialog):
    """Record that the member wants no more marketing on one channel or both."""

    SAVE_LABEL = "unsubscribe"

    def __init__(self, meta: MembersMeta, member: MemberRead) -> None:
        m = member
        super().__init__(f"Now: {consent_line('email', m.email_consent, m.email_consent_at, meta)} · "
                         f"{consent_line('sms', m.sms_consent, m.sms_consent_at, meta)}. Every sending path "
                         "honours it from now on.")
        self.meta = meta
        self.member = member

    def title_text(self) -> str:
        return f"Unsubscribe #{self.member.id} {self.member.name}"

    def fields(self) -> list[Field]:
        return [Field("channel", "Channel", _choice((("email and SMS", "all"), ("email", "email"), ("SMS", "sms")),
                                                    "all", "f-channel", "Which messages the member wants no more."))]

    def save(self, values: dict[str, Any]) -> Any:
        from shoptui import db
        from shoptui.services import members as members_api

        channels = ("email", "sms") if values["channel"] == "all" else (str(values["channel"]),)
        patch = members_api.MemberUpdate(**{f"{c}_consent": False for c in channels})
        with db.transaction(self.shop.db_url) as session:
            return members_api.update_member(session=session, actor=self.shop.actor, ref=self.member.id, patch=patch)


# ---------------------------------------------------------------- points, credit, gifts


class PointsDialog(FormDialog):
    """Add or take away points by hand, with a reason kept in the ledger."""

    TITLE_TEXT = "Adjust points"
    SAVE_LABEL = "book the adjustment"

    def __init__(self, meta: MembersMeta, member: MemberRead) -> None:
        super().__init__(f"#{member.id} {member.name} holds {plural(member.points_balance, 'point')} "
                         f"(worth {meta.store.money(member.points_value_minor)}).")
        self.meta = meta
        self.member = member

    def fields(self) -> list[Field]:
        return [
            Field("points", "Points", _input("", "f-points", "+100 adds, -20 takes away",
                                             "Signed points: +100 adds a hundred, -20 takes twenty away.")),
            Field("reason", "Reason", _input("", "f-reason", "why (kept in the ledger)",
                                             "Why the points change: birthday, goodwill, correction …")),
        ]

    def save(self, values: dict[str, Any]) -> Any:
        from shoptui import db
        from shoptui.services import members as members_api

        points = whole_number(values["points"], "points change", signed=True, field="points")
        with db.transaction(self.shop.db_url) as session:
            return members_api.adjust_points(session=session, actor=self.shop.actor, ref=self.member.id, points=points,
                                         reason=values["reason"])


class CreditDialog(FormDialog):
    """A top-up paid at the counter, or a correction up or down with a reason."""

    TITLE_TEXT = "Store credit"
    FIELD_NAMES: ClassVar[dict[str, str]] = {"amount_minor": "amount"}
    SAVE_LABEL = "book it"

    def __init__(self, meta: MembersMeta, member: MemberRead) -> None:
        super().__init__(f"#{member.id} {member.name} holds {meta.store.money(member.credit_balance_minor)} "
                         f"{meta.store.currency} of store credit.")
        self.meta = meta
        self.member = member

    def fields(self) -> list[Field]:
        return [
            Field("kind", "Kind", _choice((("top-up (money paid in)", "topup"), ("correction (+/-)", "adjust")),
                                          "topup", "f-kind", "A top-up paid at the counter, or a correction.")),
            Field("amount", "Amount", _input("", "f-amount", f"e.g. 50.00 {self.meta.store.currency}; a correction may be -5",
                                             "The amount; a correction may be negative.")),
            Field("reason", "Reason", _input("", "f-reason", "why (needed for a correction)",
                                             "Why; kept on the ledger line.")),
            Field("reference", "Reference", _input("", "f-reference", "receipt or payment reference (optional)",
                                                   "Receipt or payment reference of a top-up.")),
        ]

    def save(self, values: dict[str, Any]) -> Any:
        from shoptui import db
        from shoptui.money import parse_money
        from shoptui.services import members as members_api

        adjust = values["kind"] == "adjust"
        amount = parse_money(values["amount"], self.meta.store.digits, field="amount", allow_negative=adjust, name="amount")
        with db.transaction(self.shop.db_url) as session:
            return members_api.credit_change(session=session, actor=self.shop.actor, ref=self.member.id,
                                         amount_minor=amount, reason=values["reason"], adjust=adjust,
                                         reference=values["reference"].strip())


class GiftDialog(FormDialog):
    """A gift from the points catalogue for the member's points."""

    TITLE_TEXT = "Redeem a gift"
    FIELD_NAMES: ClassVar[dict[str, str]] = {"code": "gift"}
    SAVE_LABEL = "give the gift"

    def __init__(self, meta: MembersMeta, member: MemberRead) -> None:
        super().__init__(f"#{member.id} {member.name} holds {plural(member.points_balance, 'point')}.")
        self.meta = meta
        self.member = member

    def fields(self) -> list[Field]:
        options = [(f"{g.code} · {g.name} · {g.points_cost:,} pts"
                    + ("" if g.quantity is None else f" ({g.quantity} left)"), g.code) for g in self.meta.gifts]
        return [
            Field("gift", "Gift", Select(options, prompt="choose a gift", id="f-gift", compact=True,
                                         tooltip="A gift from the points catalogue.")),
            Field("quantity", "Quantity", _input("1", "f-quantity", "how many", "How many of the gift.")),
        ]

    def save(self, values: dict[str, Any]) -> Any:
        from shoptui import db
        from shoptui.services import members as members_api

        if values["gift"] is None:
            raise InvalidInput("Choose a gift from the points catalogue.", field="gift")
        quantity = whole_number(values["quantity"], "quantity", field="quantity")
        with db.transaction(self.shop.db_url) as session:
            return members_api.redeem_gift(session=session, actor=self.shop.actor, ref=self.member.id,
                                       code=str(values["gift"]), quantity=quantity)


# ---------------------------------------------------------------- merge


class MergeDialog(FormDialog):
    """Which member (or customer) to merge into this one; saving only reads what would move."""

    DEFAULT_FIELD = "other"

    SAVE_LABEL = "see what moves"

    def __init__(self, meta: MembersMeta, member: MemberRead) -> None:
        super().__init__(f"Keep #{member.id} {member.name}: the other's orders, points, store credit, tags, accounts "
                         "and history move to it. You see what moves before anything is done.")
        self.meta = meta
        self.member = member

    def title_text(self) -> str:
        return f"Merge a duplicate into #{self.member.id} {self.member.name}"

    def fields(self) -> list[Field]:
        return [Field("other", "Duplicate", _input("", "f-other", "id, phone, email or provider:id",
                                                   "The duplicate member (or customer) merged into this one."))]

    def save(self, values: dict[str, Any]) -> Any:
        from shoptui import db
        from shoptui.services import members as members_api

        other = values["other"].strip()
        if not other:
            raise InvalidInput("Name the duplicate by id, phone, email or provider:id.")
        with db.read_session(self.shop.db_url) as session:
            return members_api.merge_preview(session=session, keep=self.member.id, other=other)


def merge_question(preview: MergePreview, meta: MembersMeta) -> str:
    """The confirmation that shows what a merge moves."""
    kept = preview.kept
    who = "member" if preview.other_is_member else "customer"
    lines = [f"Merge {who} #{preview.other_id} {preview.other_name} into #{kept.id} {kept.name}?", "", "Moves:",
             f"  {plural(preview.orders, 'order')}",
             f"  {plural(preview.points, 'point')} (balance becomes {kept.points_balance + preview.points:,})",
             f"  {meta.store.money(preview.credit_minor)} store credit (becomes "
             f"{meta.store.money(kept.credit_balance_minor + preview.credit_minor)})"]
    if preview.tags:
        lines.append(f"  tags {', '.join(preview.tags)}")
    if preview.accounts:
        lines.append(f"  accounts {', '.join(preview.accounts)}")
    if preview.phone:
        lines.append(f"  phone {preview.phone}" + (" (as a further contact)" if kept.phone else ""))
    if preview.email:
        lines.append(f"  email {preview.email}" + (" (as a further contact)" if kept.email else ""))
    if preview.other_contacts:
        lines.append(f"  further contacts {', '.join(preview.other_contacts)}")
    lines += ["", f"#{preview.other_id} stays only as a pointer to #{kept.id}. This cannot be undone."]
    return "\n".join(lines)


# ---------------------------------------------------------------- tiers


class TierEditDialog(FormDialog):
    """A tier's name, thresholds and benefits; members move at the next recalculation."""

    FIELD_NAMES: ClassVar[dict[str, str]] = {
        "min_spend_minor": "min_spend", "discount_bp": "discount", "points_multiplier_bp": "multiplier",
        "free_shipping_over_minor": "free_shipping"}

    SAVE_LABEL = "save"

    def edits_a_record(self) -> bool:
        return True

    def __init__(self, meta: MembersMeta, tier: TierRead) -> None:
        super().__init__(f"Members reach tiers by rolling {meta.basis} over {meta.window_months} months; "
                         "they move at the next recalculation.")
        self.meta = meta
        self.tier = tier

    def title_text(self) -> str:
        return f"Edit tier {self.tier.code}"

    def fields(self) -> list[Field]:
        t = self.tier
        money = self.meta.store.money
        ship = "" if t.free_shipping_over_minor is None else money(t.free_shipping_over_minor)
        return [
            Field("name", "Name", _input(t.name, "f-name", "what members see", "The tier's name.")),
            Field("min_spend", "Min spend", _input(money(t.min_spend_minor), "f-min-spend", "e.g. 2000.00",
                                                   "Rolling spend that reaches the tier.")),
            Field("min_orders", "Min orders", _input(str(t.min_orders), "f-min-orders", "e.g. 10",
                                                     "Rolling paid orders that reach the tier.")),
            Field("discount", "Discount %", _input(f"{t.discount_bp / 100:g}", "f-discount", "e.g. 5 or 7.5",
                                                   "Member discount in percent, 0 to 100.")),
            Field("multiplier", "Points x", _input(f"{t.points_multiplier_bp / 10_000:g}", "f-multiplier",
                                                   "e.g. 1.5", "Points multiplier, 0 to 100.")),
            Field("free_shipping", "Free ship ≥", _input(ship, "f-free-shipping", "order amount (empty: none)",
                                                         "Free shipping from this order amount; empty: none.")),
        ]

    def save(self, values: dict[str, Any]) -> Any:
        from shoptui import db
        from shoptui.money import parse_basis_points, parse_money
        from shoptui.services import members as members_api

        digits = self.meta.store.digits
        multiplier = values["multiplier"].strip().lower().removeprefix("x")
        ship = values["free_shipping"].strip()
        patch = members_api.TierUpdate(
            name=values["name"],
            min_spend_minor=parse_money(values["min_spend"], digits, field="minimum spend", name="min_spend"),
            min_orders=whole_number(values["min_orders"], "minimum number of orders", field="min_orders"),
            discount_bp=parse_basis_points(values["discount"], field="discount", name="discount"),
            points_multiplier_bp=parse_money(multiplier, 4, field="points multiplier", name="multiplier"),
            free_shipping_over_minor=-1 if ship.lower() in ("", "none", "no")
            else parse_money(ship, digits, field="free shipping amount", name="free_shipping"))
        with db.transaction(self.shop.db_url) as session:
            return members_api.edit_tier(session=session, actor=self.shop.actor, code=self.tier.code, patch=patch)


# ---------------------------------------------------------------- the actions of a member


class MemberActions:
    """Mix into a screen: the dialogs that change one member, their announcements and the merge flow.

    The screen keeps ``meta`` (a :class:`MembersMeta`) and implements ``member_changed(member_id)``.
    """

    meta: MembersMeta

    @dataclass
    class Merged(Message):
        """A merge landed: the sentence to announce and the member kept."""

        text: str
        kept_id: int

    @property
    def _shop(self) -> ShopApp:
        return cast("ShopApp", cast(Any, self).app)

    def member_changed(self, member_id: int) -> None:
        """Called after a change to a member landed."""

    def member_registered(self, member_id: int) -> None:
        """Called after a new member was registered (default: like any change)."""
        self.member_changed(member_id)

    def _push(self, dialog: FormDialog, done: Any) -> None:
        self._shop.push_screen(dialog, lambda result: done(result) if result is not None else None)

    def ask_register(self) -> None:
        """Register a new member (the screen decides what follows in ``member_registered``)."""
        def done(found: Any) -> None:
            self._shop.announce(f"Registered member #{found.id} {found.name} ({found.tier_name}).")
            self.member_registered(found.id)
        self._push(RegisterDialog(self.meta), done)

    def ask_edit(self, member: MemberRead) -> None:
        """Edit the member's profile and consent."""
        def done(found: Any) -> None:
            self._shop.announce(f"Saved member #{found.id} {found.name}.")
            self.member_changed(found.id)
        self._push(EditDialog(self.meta, member), done)

    def ask_unsubscribe(self, member: MemberRead) -> None:
        """Unsubscribe the member from marketing."""
        def done(found: Any) -> None:
            meta = self.meta
            self._shop.announce(f"#{found.id} {found.name}: "
                                f"{consent_line('email', found.email_consent, found.email_consent_at, meta)}, "
                                f"{consent_line('sms', found.sms_consent, found.sms_consent_at, meta)}.")
            self.member_changed(found.id)
        self._push(UnsubscribeDialog(self.meta, member), done)

    def ask_points(self, member: MemberRead) -> None:
        """Adjust the member's points with a reason."""
        def done(result: Any) -> None:
            self._shop.announce(f"Points {result.movement.points:+,} for #{member.id} {member.name}; "
                                f"balance {result.balance:,}.")
            self.member_changed(member.id)
        self._push(PointsDialog(self.meta, member), done)

    def ask_credit(self, member: MemberRead) -> None:
        """Top up or correct the member's store credit."""
        def done(result: Any) -> None:
            what = "Topped up" if result.movement.kind == "topup" else "Corrected"
            self._shop.announce(f"{what} store credit of #{member.id} {member.name} by "
                                f"{self.meta.store.money(result.movement.amount_minor)}; balance "
                                f"{self.meta.store.money(result.balance_minor)}.")
            self.member_changed(member.id)
        self._push(CreditDialog(self.meta, member), done)

    def ask_gift(self, member: MemberRead) -> None:
        """Give the member a gift from the points catalogue."""
        if not self.meta.gifts:
            self._shop.announce("The points catalogue is empty; add gifts with 'shoptui member gift add'.", "warning")
            return

        def done(result: Any) -> None:
            self._shop.announce(f"#{member.id} {member.name} took {result.quantity} x {result.gift_name} for "
                                f"{result.points:,} points; {result.balance:,} left.")
            self.member_changed(member.id)
        self._push(GiftDialog(self.meta, member), done)

    def ask_merge(self, member: MemberRead) -> None:
        """Name the duplicate, see what moves, confirm, merge."""
        from shoptui.tui.widgets.confirm import Confirm, if_yes

        def previewed(preview: Any) -> None:
            self._shop.push_screen(Confirm(merge_question(preview, self.meta), yes="Merge", danger=True),
                                   if_yes(lambda: self.merge(member.id, preview.other_id)))
        self._push(MergeDialog(self.meta, member), previewed)

    @work(thread=True, group="members-write", exit_on_error=False)
    def merge(self, keep: int, other: int) -> None:
        """Merge ``other`` into ``keep`` (one transaction, audited)."""
        from shoptui import db
        from shoptui.services import members as members_api

        shop = self._shop
        result = db.run_transaction(
            lambda session: members_api.merge_members(session=session, actor=shop.actor, keep=keep, other=other),
            shop.db_url)
        text = (f"Merged #{result.merged_id} into #{result.kept.id} {result.kept.name}: "
                f"{plural(result.orders, 'order')}, {plural(result.points, 'point')}, "
                f"{self.meta.store.money(result.credit_minor)} store credit moved.")
        cast(Any, self).post_message(self.Merged(text, result.kept.id))

    def on_member_actions_merged(self, event: MemberActions.Merged) -> None:
        self._shop.announce(event.text)
        self.member_changed(event.kept_id)
