"""What every part of the members module shares: settings, finding a member (phones: ``shop.contacts``).

The public face of the module is ``shoptui.services.members.profiles``; the ledgers live in
``members_points`` and ``members_credit``, tiers in ``members_tiers``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from shoptui.errors import InvalidInput, NotFound
from shoptui.models.customers import Customer
from shoptui.models.members import Member, MemberAccount
from shoptui.services.members.customers import customer_by_contact
from shoptui.services.shop import settings as store_settings
from shoptui.services.shop.contacts import phone_candidates
from shoptui.services.shop.settings import store_region


@dataclass(frozen=True)
class MemberSettings:
    """The members settings, read once per use case."""

    tier_basis: str
    window_months: int
    points_per_unit: int
    value_per_100: int
    max_share_bp: int
    expiry_months: int
    consent_email: bool
    consent_sms: bool
    currency: store_settings.Currency
    country: str
    shop: str
    tier_up_subject: str
    tier_up_body: str


def member_settings(session: Session) -> MemberSettings:
    """The members module's settings and the store's currency."""
    values = store_settings.get_all(session=session)
    return MemberSettings(
        tier_basis=str(values["member_tier_basis"]), window_months=int(values["member_tier_window_months"]),
        points_per_unit=int(values["member_points_per_unit"]),
        value_per_100=int(values["member_points_value_per_100"]),
        max_share_bp=int(values["member_points_max_share_bp"]),
        expiry_months=int(values["member_points_expiry_months"]),
        consent_email=bool(values["member_consent_email_default"]),
        consent_sms=bool(values["member_consent_sms_default"]),
        currency=store_settings.Currency(code=values["currency"], digits=int(values["currency_digits"])),
        country=str(values["country"]), shop=str(values["name"]),
        tier_up_subject=str(values["member_tier_up_subject"]), tier_up_body=str(values["member_tier_up_body"]),
    )


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` moved by whole calendar months (the day clipped to the month's end)."""
    import calendar

    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


# ---------------------------------------------------------------- finding members


def _account_ref(text_ref: str) -> tuple[str, str] | None:
    match = re.fullmatch(r"([a-z][a-z0-9_]{1,19}):(.+)", text_ref.strip(), flags=re.I)
    if match and "@" not in text_ref:
        return match[1].lower(), match[2].strip()
    return None


def find_member_row(session: Session, ref: str | int, *, include_merged: bool = False) -> Member:
    """A member by id (``12``/``#12``), phone (any common form), email or ``provider:external_id``."""
    row: Member | None = None
    if isinstance(ref, int) and not isinstance(ref, bool):
        row = session.get(Member, ref)
        shown = f"#{ref}"
    else:
        text_ref = unicodedata.normalize("NFKC", str(ref)).strip()
        shown = repr(text_ref)
        if not text_ref:
            raise InvalidInput("Name a member by id, phone, email or provider:account.")
        if len(text_ref) > 300:
            raise InvalidInput("That member reference is too long.")
        if re.fullmatch(r"#?[0-9]{1,9}", text_ref) and (text_ref.startswith("#") or len(text_ref) < 7):
            row = session.get(Member, int(text_ref.lstrip("#")))
        elif "@" in text_ref:
            holder = customer_by_contact(session, kind="email", values=[text_ref.lower()])
            row = session.get(Member, holder.id) if holder is not None else None
        elif (account := _account_ref(text_ref)) is not None:
            customer_id = session.exec(select(MemberAccount.customer_id).where(
                MemberAccount.provider == account[0], MemberAccount.external_id == account[1])).first()
            row = session.get(Member, customer_id) if customer_id else None
        else:
            row = member_by_phone(session, text_ref)
    if row is None:
        raise NotFound(f"There is no member {shown} (looked up by id, phone, email and account). "
                       "Register one with 'shoptui member add'.")
    if row.merged_into is not None and not include_merged:
        raise NotFound(f"Member #{row.customer_id} was merged into member #{row.merged_into}; use that one.")
    return row


def member_by_phone(session: Session, raw: str) -> Member | None:
    """The member with this phone number (stored E.164), or None."""
    candidates = phone_candidates(raw, store_region(session))
    if not candidates:
        return None
    found = session.exec(
        select(Member).join(Customer, col(Customer.id) == col(Member.customer_id))
        .where(col(Customer.phone).in_(candidates)).order_by(col(Member.merged_into).is_not(None))
    ).first()
    if found is None:  # a further phone, e.g. one kept by a merge
        holder = customer_by_contact(session, kind="phone", values=candidates)
        found = session.get(Member, holder.id) if holder is not None else None
    return found


def customer_of(session: Session, customer_id: int) -> Customer:
    """The customer row of a member (always there: the foreign key says so)."""
    row = session.get(Customer, customer_id)
    if row is None:
        raise NotFound(f"There is no customer #{customer_id}.")
    return row
