"""Security settings: password policy, lockout, sessions, idle lock, two-factor and allowed networks (light to import)."""

from __future__ import annotations

from shoptui.services.shop import SettingDef, boolean, integer
from shoptui.services.staff.networks import parse_networks


def _networks(raw: str) -> str:
    return ", ".join(str(n) for n in parse_networks(raw))


SETTINGS = [
    SettingDef("password_min_length", "Shortest password a staff account may have.", 10, integer(8, 128),
               group="security"),
    SettingDef("password_max_age_days", "Days before a password must be changed (0: never).", 0, integer(0, 3650),
               group="security"),
    SettingDef("password_reminder_days", "Days before a password expires that its owner is reminded at login.", 7,
               integer(0, 90), group="security"),
    SettingDef("lockout_after", "Failed logins (or token tries) in a row before the account or address is locked "
               "for a while; each further failure doubles the wait (up to an hour).", 5, integer(1, 100),
               group="security"),
    SettingDef("session_hours", "Hours a login lasts (shoptui login, the app).", 12, integer(1, 24 * 30),
               group="security"),
    SettingDef("idle_lock_minutes", "Minutes without a key press before the app locks its screen (0: never).", 10,
               integer(0, 24 * 60), group="security"),
    SettingDef("require_two_factor", "Every account must use two-factor codes (each is asked to enrol at its next "
               "login).", False, boolean, group="security"),
    SettingDef("allowed_networks", "Networks (CIDR, comma-separated, like 192.168.1.0/24, 10.8.0.0/16) that staff may "
               "log in from over SSH or the browser; empty: any. The local console is always allowed.", "",
               _networks, group="security"),
]
