"""What a setting is, the parsers that turn text into its value, and the store's own settings.

This module imports nothing heavier than the standard library: ``shoptui settings show`` reads
every module's definitions without loading each module's services and tables.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from shoptui.errors import InvalidInput
from shoptui.services.shop.contacts import check_email, country_code
from shoptui.text import check_text

Parser = Callable[[str], Any]


@dataclass(frozen=True)
class SettingDef:
    """One setting: its key, what it means, its default, how text becomes its value."""

    key: str
    help: str
    default: Any
    parse: Parser
    secret: bool = False
    group: str = "store"


def text(max_length: int = 200, *, required: bool = False, multiline: bool | None = None) -> Parser:
    """A parser for free text of at most ``max_length`` characters, without control or text-direction characters.

    Lines (newline, tab) are allowed in longer texts (message bodies, addresses) unless ``multiline`` says otherwise.
    """
    lines_ok = max_length > 200 if multiline is None else multiline

    def parse(raw: str) -> str:
        value = raw.strip()
        if required and not value:
            raise InvalidInput("This setting cannot be empty.")
        if len(value) > max_length:
            raise InvalidInput(f"This setting takes at most {max_length} characters, not {len(value)}.")
        check_text(value, "value", max_length, required=False, multiline=lines_ok, quote=False)
        return value

    return parse


def integer(low: int, high: int) -> Parser:
    """A parser for a whole number in ``[low, high]``."""

    def parse(raw: str) -> int:
        value = raw.strip()
        if not re.fullmatch(r"[-+]?\d{1,12}", value):
            raise InvalidInput(f"{raw!r} is not a whole number.")
        number = int(value)
        if not low <= number <= high:
            raise InvalidInput(f"{number} is out of range; use a number from {low} to {high}.")
        return number

    return parse


def choice(*options: str) -> Parser:
    """A parser for one of a few words."""

    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in options:
            raise InvalidInput(f"{raw!r} is not one of: {', '.join(options)}.")
        return value

    return parse


def boolean(raw: str) -> bool:
    """yes/no, true/false, on/off, 1/0."""
    value = raw.strip().lower()
    if value in ("1", "yes", "true", "on", "y"):
        return True
    if value in ("0", "no", "false", "off", "n"):
        return False
    raise InvalidInput(f"{raw!r} is not yes or no.")


def email_address(raw: str) -> str:
    """One email address, or empty."""
    value = raw.strip()
    return check_email(value) if value else ""


def sender_address(raw: str) -> str:
    """A sender: an email address, or ``Name <address>``; or empty."""
    from email.utils import parseaddr

    value = raw.strip()
    if not value:
        return ""
    if len(value) > 200:
        raise InvalidInput(f"This setting takes at most 200 characters, not {len(value)}.")
    if "<" in value or ">" in value:
        name, address = parseaddr(value)
        if not address or not value.endswith(">"):
            raise InvalidInput(f"{value!r} is not a sender; write it like shop@example.com or Shop <shop@example.com>.")
        check_email(address)
        return value
    return check_email(value)


def email_list(raw: str) -> list[str]:
    """Comma-separated email addresses (may be empty)."""
    return [check_email(a) for a in raw.split(",") if a.strip()]


def json_object(raw: str) -> dict[str, str]:
    """A JSON object of strings, e.g. HTTP headers."""
    try:
        value = json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"That is not JSON ({exc.msg} at character {exc.pos}); write it like {{\"X-Key\": \"abc\"}}.") from exc
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise InvalidInput('This setting takes a JSON object of strings, like {"Authorization": "Bearer abc"}.')
    return value


def _currency(raw: str) -> str:
    value = raw.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", value):
        raise InvalidInput(f"{raw!r} is not a currency code; use three letters such as CNY, USD or EUR.")
    return value


def _timezone(raw: str) -> str:
    value = raw.strip()
    if value not in _zones():
        raise InvalidInput(f"{raw!r} is not a time zone; use a name such as Asia/Shanghai or Europe/Berlin.")
    return value


def _country(raw: str) -> str:
    return country_code(raw)


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones()) | {"UTC"}


def _pattern(raw: str) -> str:
    value = raw.strip()
    if not value:
        raise InvalidInput("The pattern cannot be empty; give a regular expression like [A-Z][A-Z0-9-]{2,31}.")
    try:
        re.compile(value)
    except re.error as exc:
        raise InvalidInput(f"{value!r} is not a regular expression ({exc}).") from None
    return value


def _site_url(raw: str) -> str:
    value = raw.strip()
    if not value:
        return ""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value if "//" in value else f"https://{value}")
        host = parts.hostname
    except ValueError:
        host = None
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not host or "." not in host.strip("."):
        raise InvalidInput(f"{value!r} is not the address of a web site; write it like https://shop.example.com.")
    check_text(value, "value", 300, required=False, multiline=False, quote=False)
    return value


def _media_name(raw: str) -> str:
    """A picture kept in the store's media folder (set from a file: ``settings set logo FILE``), or empty."""
    value = raw.strip()
    if value and not re.fullmatch(r"[0-9a-f]{32}\.(?:png|jpg|gif|webp)", value):
        raise InvalidInput(f"{value!r} is not an image kept by the store; give an image file: "
                           "shoptui settings set logo FILE (or '' to remove the logo).", field="logo")
    return value


CORE_SETTINGS = [
    SettingDef("name", "The shop's name, shown in the top bar and on receipts.", "My Shop", text(100, required=True)),
    SettingDef("logo", "The shop's logo: an image file (PNG, JPEG, GIF or WebP, at most 5 MB) copied into the "
               "store's media folder; shown in the top bar and on the dashboard. '' removes it.", "", _media_name),
    SettingDef("phone", "The shop's phone number.", "", text(40)),
    SettingDef("email", "The shop's email address, the sender of customer mail.", "", email_address),
    SettingDef("address", "The shop's address, printed on receipts and invoices.", "", text(300)),
    SettingDef("country", "Two-letter country code (default for phone numbers and addresses).", "CN", _country),
    SettingDef("currency", "Three-letter currency code of every amount.", "CNY", _currency),
    SettingDef("currency_digits", "Decimals of the currency's minor unit (2 for CNY, 0 for JPY).", 2, integer(0, 4)),
    SettingDef("timezone", "The shop's time zone: times are stored in UTC and shown in this zone.",
               "Asia/Shanghai", _timezone),
    SettingDef("barcode_pattern", "In-store barcodes that are not GS1 numbers must match this regular expression "
               "(EAN/UPC/GTIN numbers are checked by their check digit).", r"[A-Z][A-Z0-9-]{2,31}", _pattern),
    SettingDef("site_url", "The shop's web site, like https://shop.example.com: visits referred by it (or its "
               "subdomains; www. ignored) count as direct in the traffic report.", "", _site_url),
]


@cache
def definitions() -> dict[str, SettingDef]:
    """Every setting of every module, by key."""
    from shoptui import modules

    found: dict[str, SettingDef] = {}
    for reference in modules.references("settings"):
        for definition in modules.load(reference):
            found[definition.key] = definition
    return found
