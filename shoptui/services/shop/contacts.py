"""Phones, emails and countries as people type them, normalised once for every part of the shop.

A phone is stored in E.164 (``+8613700000000``): read with ``phonenumbers`` in the store's region
(its two-letter country), so ``137 0000 0000``, ``+86 137-0000-0000`` and ``13700000000`` are one
number. An email is checked with ``email-validator`` (syntax only, never a DNS lookup) and stored
lower-cased. A country is a two-letter ISO code, found by ``pycountry`` from a code or a name.

Members, customers, orders, settings, suppliers and importers all call these functions; the three
libraries are imported on first use, so importing this module stays cheap.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from shoptui.errors import InvalidInput

if TYPE_CHECKING:
    pass

# what a typed phone may hold besides digits: a leading +, spaces, dashes, dots, brackets, slashes
_PHONE_TEXT = re.compile(r"\+?[0-9(][0-9\s\-().\u00a0/]*")  # (212) 736-5000: the US way
_SEPARATORS = re.compile(r"[\s\-().\u00a0/]")


def _compact(raw: str) -> str:
    """``raw`` in ASCII digits (full-width read too) without separators; ``00CC`` written ``+CC``."""
    compact = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or "").strip())
    return "+" + compact[2:] if compact.startswith("00") else compact


def normalise_phone(raw: str, region: str, *, field: str = "phone", name: str | None = None) -> str:
    """A phone number in E.164; a number without ``+`` (or ``00``) is read as one of ``region``.

    InvalidInput names the field and the value for an empty, malformed or impossible number (and
    marks the input field ``name``).
    """
    return _e164(raw, region, field, name)


@lru_cache(maxsize=65_536)
def _e164(raw: str, region: str, field: str, name: str | None = None) -> str:
    """:func:`normalise_phone`, remembered: an import reads the same customers' numbers again and again
    (parsing one costs ~45 µs). A refusal is raised again each time, never remembered."""
    import phonenumbers

    return str(phonenumbers.format_number(_parsed(raw, region, field, name), phonenumbers.PhoneNumberFormat.E164))


def _parsed(raw: str, region: str, field: str, name: str | None = None) -> Any:
    import phonenumbers

    # a leading ' is how spreadsheets (and Shopify's exports) keep '+15035550142 as text, not part of it
    value = unicodedata.normalize("NFKC", raw or "").strip().removeprefix("'").strip()
    if not value:
        raise InvalidInput(f"Give a {field} number.", field=name)
    compact = _compact(value)
    number = None
    if _PHONE_TEXT.fullmatch(value):
        try:
            number = phonenumbers.parse(compact, region.upper() or None)
        except phonenumbers.NumberParseException:
            number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidInput(f"The {field} {raw!r} is not a phone number; write it like 13800138000 or "
                           f"+86 138 0013 8000 (without a + it is read as a number of {region.upper() or 'no region'}).",
                           field=name)
    return number


def optional_phone(raw: str | None, region: str, *, field: str = "phone", name: str | None = None) -> str | None:
    """:func:`normalise_phone`, or None when nothing was typed."""
    if raw is None or not unicodedata.normalize("NFKC", raw).strip():
        return None
    return normalise_phone(raw, region, field=field, name=name)


def phone_candidates(raw: str, region: str) -> list[str]:
    """The forms a typed number may be stored in, for lookups (at most two, no query).

    A valid number: its E.164 form, the one form stored (migration 0011 rewrote the national forms
    older rows held). Anything else: the digits as typed and, without ``+``, with the region's
    calling code in front (for searching by the start of a number). Empty for text with letters.
    """
    import phonenumbers

    try:
        number = _parsed(raw, region, "phone")
    except InvalidInput:
        compact = _compact(raw)
        if not re.fullmatch(r"\+?[0-9]{1,20}", compact):
            return []
        code = _calling_code(region)
        if compact.startswith("+") or not code:
            found = [compact]
            if code and compact.startswith(f"+{code}") and len(compact) > len(str(code)) + 1:
                found.append(compact.removeprefix(f"+{code}"))
            return found
        return [compact, f"+{code}{compact.lstrip('0')}"]
    return [str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))]


@cache
def _calling_code(region: str) -> int:
    import phonenumbers

    return int(phonenumbers.country_code_for_region(region.upper())) if region else 0


def check_email(raw: str, *, field: str = "email", name: str | None = None) -> str:
    """One email address as typed (trimmed), checked by email-validator without DNS; InvalidInput names it."""
    from email_validator import EmailNotValidError, validate_email

    value = unicodedata.normalize("NFKC", raw or "").strip()
    if not value:
        raise InvalidInput(f"Give an {field} address." if field == "email" else f"Give the {field}.", field=name)
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        reason = str(exc).rstrip(".")
        reason = (reason[:1].lower() + reason[1:]).replace(". ", "; ")
        raise InvalidInput(f"The {field} {raw.strip()!r} is not an email address ({reason}); "
                           "write it like ana@example.com.", field=name) from None
    return value


def normalise_email(raw: str, *, field: str = "email", name: str | None = None) -> str:
    """One email address, checked (:func:`check_email`) and lower-cased, as stored and looked up."""
    return check_email(raw, field=field, name=name).lower()


def optional_email(raw: str | None, *, field: str = "email", name: str | None = None) -> str | None:
    """:func:`normalise_email`, or None when nothing was typed."""
    if raw is None or not unicodedata.normalize("NFKC", raw).strip():
        return None
    return normalise_email(raw, field=field, name=name)


def country_code(raw: str, *, field: str = "country", name: str | None = None) -> str:
    """A country's two-letter ISO code from its code (``cn``, ``CHN``) or name (``China``); InvalidInput names it."""
    import pycountry

    value = unicodedata.normalize("NFKC", raw or "").strip()
    try:
        found = pycountry.countries.lookup(value) if value else None
    except LookupError:
        found = None
    if found is None:
        raise InvalidInput(f"The {field} {raw!r} is not a country code; use two letters such as CN, US or DE "
                           "(or the country's name).", field=name)
    return str(found.alpha_2)
