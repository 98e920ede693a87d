"""Members settings: tiers, points, consent defaults, messages (light to import)."""

from __future__ import annotations

from shoptui.services.shop import SettingDef, boolean, choice, integer, text

SETTINGS = [
    SettingDef("member_tier_basis", "What reaches a tier: rolling 'spend' or number of paid 'orders'.", "spend",
               choice("spend", "orders"), group="members"),
    SettingDef("member_tier_window_months", "Months of orders that count for tiers (rolling).", 12,
               integer(1, 60), group="members"),
    SettingDef("member_points_per_unit", "Points earned per whole currency unit paid (before tier and events).", 1,
               integer(0, 10_000), group="members"),
    SettingDef("member_points_value_per_100", "What 100 points are worth at checkout, in minor units "
               "(100 = 1.00 off per 100 points).", 100, integer(0, 1_000_000), group="members"),
    SettingDef("member_points_max_share_bp", "At most this share of an order can be paid with points, in basis "
               "points (5000 = 50%).", 5000, integer(0, 10_000), group="members"),
    SettingDef("member_points_expiry_months", "Points expire this many months after they were earned (0: never).",
               24, integer(0, 240), group="members"),
    SettingDef("member_consent_email_default", "Whether a new member agrees to marketing email unless told otherwise.",
               False, boolean, group="members"),
    SettingDef("member_consent_sms_default", "Whether a new member agrees to marketing SMS unless told otherwise.",
               False, boolean, group="members"),
    SettingDef("member_tier_up_subject", "Subject of the message when a member moves up a tier.",
               "You are now $tier at $shop", text(200), group="members"),
    SettingDef("member_tier_up_body", "Body of the message when a member moves up a tier ($name, $tier, $shop).",
               "Hello $name, thank you for shopping with $shop: you are now a $tier member.", text(1000),
               group="members"),
]

