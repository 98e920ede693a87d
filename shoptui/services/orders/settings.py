"""The orders module's settings: order numbers, tax, reminders, notices and carriers (light to import)."""

from __future__ import annotations

import json
import re
from typing import Any

from shoptui.errors import InvalidInput
from shoptui.services.shop import SettingDef, choice, integer, text


def _prefix(raw: str) -> str:
    value = raw.strip()
    if not re.fullmatch(r"[A-Za-z0-9\-_]{0,10}", value):
        raise InvalidInput(f"{raw!r} is not an order number prefix; use up to 10 letters, digits, - or _ (like SO-).")
    return value


def parse_carriers(raw: str) -> list[dict[str, Any]]:
    """The carriers setting: a JSON list of {name, code, tracking_url, pattern, typical_days}."""
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"The carriers are not JSON ({exc.msg} at character {exc.pos}); write a list like "
                           '[{"name": "SF Express", "code": "SF", "pattern": "SF\\\\d{10,15}", "typical_days": 2}].') from exc
    if not isinstance(value, list):
        raise InvalidInput("The carriers setting takes a JSON list of carriers.")
    seen: set[str] = set()
    out = []
    for index, item in enumerate(value, start=1):
        if not isinstance(item, dict):
            raise InvalidInput(f"Carrier {index} is not a JSON object.")
        unknown = set(item) - {"name", "code", "tracking_url", "pattern", "typical_days"}
        if unknown:
            raise InvalidInput(f"Carrier {index} has unknown fields: {', '.join(sorted(unknown))}.")
        code = str(item.get("code", "")).strip().upper()
        name = str(item.get("name", "")).strip()
        if not re.fullmatch(r"[A-Z0-9_\-]{1,20}", code):
            raise InvalidInput(f"Carrier {index} needs a code of 1 to 20 letters or digits (like SF).")
        if not name or len(name) > 100:
            raise InvalidInput(f"Carrier {code} needs a name of 1 to 100 characters.")
        if code in seen:
            raise InvalidInput(f"The carrier code {code} is listed twice.")
        seen.add(code)
        pattern = str(item.get("pattern") or "")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise InvalidInput(f"The tracking pattern of {code} is not a regular expression ({exc}).") from exc
        days = item.get("typical_days", 3)
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 90:
            raise InvalidInput(f"The typical days of {code} must be a whole number from 0 to 90.")
        out.append({"name": name, "code": code, "tracking_url": str(item.get("tracking_url") or ""),
                    "pattern": pattern, "typical_days": days})
    return out


def _carriers_setting(raw: str) -> list[dict[str, Any]]:
    return parse_carriers(raw)


DEFAULT_CARRIERS = [
    {"name": "SF Express", "code": "SF", "tracking_url": "https://www.sf-express.com/chn/sc/waybill/list?waybill={tracking}",
     "pattern": r"SF\d{10,15}", "typical_days": 2},
    {"name": "ZTO Express", "code": "ZTO", "tracking_url": "https://www.zto.com/?num={tracking}",
     "pattern": r"\d{12,15}", "typical_days": 3},
    {"name": "China Post EMS", "code": "EMS", "tracking_url": "https://www.ems.com.cn/queryList?mailNum={tracking}",
     "pattern": r"[A-Z]{2}\d{9}[A-Z]{2}", "typical_days": 4},
]

SETTINGS = [
    SettingDef("order_number_prefix", "Order numbers are this prefix and a running number (SO-000123).", "SO-",
               _prefix, group="orders"),
    SettingDef("tax_rate_bp", "Tax rate in basis points (1300 = 13%); prices include it, receipts show its part.",
               1300, integer(0, 10_000), group="orders"),
    SettingDef("order_reminder_interval_hours", "At most one payment reminder per order in this many hours.", 24,
               integer(1, 24 * 60), group="orders"),
    SettingDef("order_auto_cancel_hours", "Unpaid orders older than this are cancelled by 'order expire' (0: never).",
               72, integer(0, 24 * 365), group="orders"),
    SettingDef("order_notice_channels", "How customers are told about their orders: email, sms, both or none.",
               "both", choice("email", "sms", "both", "none"), group="orders"),
    SettingDef("carriers", "Carriers as JSON: [{name, code, tracking_url with {tracking}, pattern, typical_days}].",
               DEFAULT_CARRIERS, _carriers_setting, group="orders"),
    SettingDef("order_payment_instructions", "How to pay, put into payment reminders.",
               "Pay by bank transfer quoting the order number, or at the counter.", text(500), group="orders"),
    SettingDef("order_reminder_subject", "Subject of the payment reminder ($number, $due, $currency, $shop).",
               "Order $number: $due $currency still to pay", text(300), group="orders"),
    SettingDef("order_reminder_body", "Body of the payment reminder ($name, $number, $total, $due, $currency, "
               "$instructions, $shop).",
               "Hello $name,\n\nyour order $number of $total $currency is waiting for payment: $due $currency "
               "is still due.\n$instructions\n\n$shop", text(2000), group="orders"),
    SettingDef("order_shipping_subject", "Subject of the shipping notice ($number, $carrier, $tracking, $shop).",
               "Order $number is on its way", text(300), group="orders"),
    SettingDef("order_shipping_body", "Body of the shipping notice ($name, $number, $carrier, $tracking, "
               "$tracking_url, $eta, $items, $shop).",
               "Hello $name,\n\nyour order $number left us with $carrier, tracking number $tracking.\n"
               "Follow it at $tracking_url\nExpected delivery: $eta.\n\n$items\n\n$shop", text(2000), group="orders"),
    SettingDef("order_notice_subject", "Subject of other order notices ($number, $event, $shop).",
               "Order $number: $event", text(300), group="orders"),
    SettingDef("order_notice_body", "Body of other order notices ($name, $number, $message, $shop).",
               "Hello $name,\n\n$message\n\n$shop", text(2000), group="orders"),
]
