"""Marketing settings: coupon messages (light to import)."""

from __future__ import annotations

from shoptui.services.shop import SettingDef, text

SETTINGS = [
    SettingDef("coupon_subject", "Subject of coupon messages ($name, $coupon, $code, $offer, $expires, $shop).",
               "A gift from $shop: $coupon", text(300), group="marketing"),
    SettingDef("coupon_body", "Body of coupon messages ($name, $coupon, $code, $offer, $expires, $shop).",
               "Hello $name,\n\n$offer\nYour code: $code (valid until $expires).\n\n$shop", text(2000),
               group="marketing"),
]
