"""What the members screens share: the store's currency, time zone and tiers, the points catalogue,
and short words that read without colour.

:func:`read_meta` runs inside a worker (it opens a read session); the screens keep the
:class:`MembersMeta` it returns and hand it to their dialogs, so a dialog never queries to fill a
select box. Amounts and moments are shown through ``meta.store`` (the shell's :class:`StoreView`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from shoptui.tui.store_view import StoreView, current

if TYPE_CHECKING:
    from shoptui.services.members import GiftRead, TierRead

CONSENT_CHOICES = (("any consent", ""), ("email: yes", "email"), ("SMS: yes", "sms"), ("email or SMS", "any"),
                   ("no consent", "none"))
GENDER_CHOICES = (("not given", ""), ("female", "female"), ("male", "male"), ("other", "other"))
POINTS_WORDS = {"earn": "earned", "reverse": "reversed", "redeem": "redeemed", "gift": "gift", "adjust": "adjusted",
                "expire": "expired", "event": "event"}
CREDIT_WORDS = {"topup": "top-up", "adjust": "adjusted", "payment": "paid", "refund": "refund"}


@dataclass(frozen=True)
class MembersMeta:
    """The store view (currency, time zone: the shell's), the tiers (lowest first), what reaches them, the gifts."""

    store: StoreView = StoreView()
    tiers: tuple[TierRead, ...] = ()
    basis: str = "spend"
    window_months: int = 12
    points_value_per_100: int = 100
    gifts: tuple[GiftRead, ...] = ()

    def tier_name(self, code: str | None) -> str:
        """A tier's name from its code (the code when it is unknown)."""
        if not code:
            return "–"
        return next((t.name for t in self.tiers if t.code == code), code)

    def tier_options(self) -> list[tuple[str, str]]:
        """(label, code) pairs for a Select."""
        return [(t.name, t.code) for t in self.tiers]


def read_meta(db_url: str | None, app: object = None) -> MembersMeta:
    """Read the tiers and gifts; the store view is ``app``'s once the shell has read it (call in a worker thread)."""
    from shoptui import db
    from shoptui.services import members, shop

    with db.read_session(db_url) as session:
        store = current(app, session)
        values = shop.get_all(session=session)
        tiers = tuple(members.list_tiers(session=session))
        gifts = tuple(members.list_gifts(session=session))
    return MembersMeta(store=store, tiers=tiers, basis=str(values["member_tier_basis"]),
                       window_months=int(values["member_tier_window_months"]),
                       points_value_per_100=int(values["member_points_value_per_100"]), gifts=gifts)


def consent_line(channel: str, granted: bool, at: datetime | None, meta: MembersMeta) -> str:
    """``email yes since 2026-11-20 10:30`` / ``SMS no since …`` / ``SMS not asked``."""
    label = "SMS" if channel == "sms" else "email"
    if at is None:
        return f"{label} {'yes' if granted else 'not asked'}"
    return f"{label} {'yes' if granted else 'no'} since {meta.store.when(at)}"


def ads_word(email: bool, sms: bool) -> str:
    """What marketing a member agreed to, in a word: ``ads: email+SMS`` … ``no ads``."""
    if email and sms:
        return "ads: email+SMS"
    if email or sms:
        return f"ads: {'email' if email else 'SMS'}"
    return "no ads"


def parse_day(text: str, what: str) -> date | None:
    """``1990-05-01`` -> a date (blank: None); a sentence naming the text (and marking the field ``what``) otherwise."""
    from shoptui.services import shop

    return shop.parse_day(text, field=what, example="1990-05-01", name=what)


def split_tags(text: str) -> list[str]:
    """``"vip, wholesale,,"`` -> ``["vip", "wholesale"]``"""
    return [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]
