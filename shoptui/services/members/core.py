"""What every part of the members module shares: settings, phone numbers, finding a member.

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
from shoptui.services.members.customers import CALLING_CODES, customer_by_contact
from shoptui.services.shop import settings as store_settings


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


# ---------------------------------------------------------------- phone numbers and emails

_SEPARATORS = re.compile(r"[\s\-().\u00a0/]")
_CN_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
# national significant number lengths per calling code (common cases; others: 4 to 14 digits)
_LENGTHS = {"86": (9, 11), "852": (8, 8), "853": (8, 8), "886": (8, 9), "65": (8, 8), "60": (8, 10),
            "81": (9, 10), "82": (8, 10), "1": (10, 10), "44": (9, 10), "49": (6, 13), "33": (9, 9),
            "39": (6, 11), "34": (9, 9), "31": (9, 9), "61": (9, 9), "64": (8, 10), "91": (10, 10)}
_KNOWN_CODES = sorted(set(CALLING_CODES.values()), key=len, reverse=True)
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")


def _bad_phone(raw: str) -> InvalidInput:
    return InvalidInput(f"{raw!r} is not a phone number; write it like 13800138000, +86 138 0013 8000 "
                        "or 0044 20 7946 0958.")


def _check_national(raw: str, code: str, national: str) -> str:
    low, high = _LENGTHS.get(code, (4, 14))
    if not national.isdigit() or not low <= len(national) <= high or national[0] == "0":
        raise _bad_phone(raw)
    if code == "86" and len(national) == 11 and not _CN_MOBILE.match(national):
        raise _bad_phone(raw)
    if code == "86" and national[0] == "1" and not (_CN_MOBILE.match(national) or re.fullmatch(r"10[0-9]{8}", national)):
        raise _bad_phone(raw)  # 1...: a mobile (11 digits) or Beijing's area code 10
    if code == "1" and national[0] in "01":
        raise _bad_phone(raw)
    if len(code) + len(national) > 15:
        raise _bad_phone(raw)
    return f"+{code}{national}"


def normalise_phone(raw: str, country: str) -> str:
    """A phone number in E.164 (``+8613800138000``); ``country`` (two letters) is the default.

    Takes spaces, dashes, dots and brackets, full-width digits, ``+CC`` and ``00CC`` prefixes,
    a national trunk ``0`` and, for China, an 11-digit mobile number starting with 1. Anything
    else (letters, too short or long, an unknown country code) is refused with InvalidInput.
    """
    value = unicodedata.normalize("NFKC", raw or "").strip()
    if not value:
        raise InvalidInput("Give a phone number.")
    compact = _SEPARATORS.sub("", value)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if compact.startswith("+"):
        digits = compact[1:]
        if not digits.isdigit():
            raise _bad_phone(raw)
        for code in _KNOWN_CODES:
            if digits.startswith(code):
                national = digits[len(code):]
                if code == "39":  # Italy keeps its leading 0 in E.164
                    return f"+{code}{national}" if national.isdigit() and 6 <= len(national) <= 11 else _raise(raw)
                return _check_national(raw, code, national)
        if not 8 <= len(digits) <= 15 or digits[0] == "0":
            raise _bad_phone(raw)
        return f"+{digits}"
    if not compact.isdigit():
        raise _bad_phone(raw)
    code = CALLING_CODES.get(country.upper())
    if code is None:
        raise InvalidInput(f"{raw!r} has no country code and the store's country {country} is not one this shop "
                           "knows the dialling code of; write the number with +CC in front.")
    if code == "86" and len(compact) == 13 and compact.startswith("86") and _CN_MOBILE.match(compact[2:]):
        compact = compact[2:]  # 86 typed without the +
    if code == "1" and len(compact) == 11 and compact.startswith("1"):
        compact = compact[1:]
    if code == "39":
        return f"+39{compact}" if 6 <= len(compact) <= 11 else _raise(raw)
    if compact.startswith("0"):
        compact = compact[1:]  # national trunk prefix
    return _check_national(raw, code, compact)


def _raise(raw: str) -> str:
    raise _bad_phone(raw)


def normalise_email(raw: str) -> str:
    """A lower-cased, checked email address; InvalidInput names what was typed."""
    value = unicodedata.normalize("NFKC", raw or "").strip().lower()
    if not value:
        raise InvalidInput("Give an email address.")
    if len(value) > 200 or not _EMAIL.match(value) or ".." in value:
        raise InvalidInput(f"{raw!r} is not an email address; write it like ana@example.com.")
    return value


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


def phone_candidates(raw: str, country: str) -> list[str]:
    """The ways a typed number may be stored: E.164, national, with the trunk 0 (no query)."""
    try:
        e164 = normalise_phone(raw, country)
    except InvalidInput:
        compact = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or ""))
        return [compact] if re.fullmatch(r"\+?[0-9]{5,20}", compact) else []
    found = {e164}
    code = CALLING_CODES.get(country.upper(), "")
    if code and e164.startswith(f"+{code}"):
        national = e164.removeprefix(f"+{code}")
        found |= {national, "0" + national}
    return sorted(found)


def member_by_phone(session: Session, raw: str) -> Member | None:
    """The member with this phone number (stored E.164 or as typed before), or None."""
    country = str(store_settings.get(session=session, key="country"))
    candidates = phone_candidates(raw, country)
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
