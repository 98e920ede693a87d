"""Email, SMS and outbox settings (light to import)."""

from __future__ import annotations

from urllib.parse import urlsplit

from shoptui.errors import InvalidInput
from shoptui.services.shop import SettingDef, boolean, choice, email_list, integer, json_object, sender_address, text

PASSWORD_ENV = "SHOPTUI_SMTP_PASSWORD"


def _url(raw: str) -> str:
    """An http(s) URL, or empty."""
    value = raw.strip()
    if value and (urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).netloc):
        raise InvalidInput(f"{raw!r} is not an http:// or https:// URL.")
    if value and urlsplit(value).password == "***":
        raise InvalidInput("That URL's password is the masked '***' shown for it; type the whole URL with its password.")
    if len(value) > 500:
        raise InvalidInput(f"The URL takes at most 500 characters, not {len(value)}.")
    return value


SETTINGS = [
    SettingDef("smtp_host", "SMTP server for outgoing email (empty: email is not sent).", "", text(200), group="email"),
    SettingDef("smtp_port", "SMTP port (587 for STARTTLS, 465 for SSL, 25 plain).", 587, integer(1, 65535), group="email"),
    SettingDef("smtp_security", "none, starttls or ssl.", "starttls", choice("none", "starttls", "ssl"), group="email"),
    SettingDef("smtp_user", "SMTP user name (empty: no login).", "", text(200), group="email"),
    SettingDef("smtp_password", f"SMTP password: set {PASSWORD_ENV} or smtp_password in the secrets file "
               "(never kept in the store).", "", text(200), secret=True, group="email"),
    SettingDef("smtp_from", "Sender address of outgoing email, like shop@example.com or Shop <shop@example.com> "
               "(empty: the store's email).", "", sender_address, group="email"),
    SettingDef("smtp_timeout", "Seconds to wait for the SMTP server.", 20, integer(1, 300), group="email"),
    SettingDef("sms_gateway_url", "HTTP(S) URL that SMS are POSTed to as JSON (empty: SMS are not sent).", "",
               _url, group="sms"),
    SettingDef("sms_headers", 'Extra HTTP headers (tokens) for the SMS gateway, as JSON {"Authorization": "Bearer …"}: '
               "set SHOPTUI_SMS_HEADERS or sms_headers in the secrets file (never kept in the store).",
               {}, json_object, secret=True, group="sms"),
    SettingDef("sms_sender", "Sender name or number passed to the SMS gateway.", "", text(40), group="sms"),
    SettingDef("sms_timeout", "Seconds to wait for the SMS gateway.", 20, integer(1, 300), group="sms"),
    SettingDef("outbox_max_attempts", "Attempts before a message is left as failed.", 5, integer(1, 50),
               group="outbox"),
    SettingDef("alert_emails", "Who gets operational alerts by email (comma-separated).", [], email_list,
               group="outbox"),
    SettingDef("outbox_enabled", "Whether the sender delivers at all (no: messages stay queued).", True, boolean,
               group="outbox"),
]
