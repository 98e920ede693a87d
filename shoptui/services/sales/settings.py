"""The counter's settings: printer, receipt, cash rounding, shifts (light to import)."""

from __future__ import annotations

from shoptui.errors import InvalidInput
from shoptui.services.shop import SettingDef, boolean, choice, print_argv, text

CASH_STEPS = ("none", "0.01", "0.1", "0.5", "1")


def _receipt_width(raw: str) -> int:
    value = raw.strip().lower().removesuffix("mm").strip()
    if value not in ("58", "80"):
        raise InvalidInput(f"{raw!r} is not a receipt paper width; use 58 or 80 (mm).")
    return int(value)


def _print_command(raw: str) -> str:
    """A print command: an executable program and its arguments (see ``print_argv``)."""
    print_argv(raw)
    return raw.strip()


SETTINGS = [
    SettingDef("print_command", "Program and arguments that print a document given on stdin (like 'lp -d receipt'; "
               "run without a shell); empty: no printer.", "", _print_command, group="sales"),
    SettingDef("receipt_width", "Receipt paper width in mm: 58 (32 characters a line) or 80 (48).", 58,
               _receipt_width, group="sales"),
    SettingDef("cash_rounding", "Round the cash part of a counter sale to this step (0.1, 0.5 or 1; none: exact).",
               "none", choice(*CASH_STEPS), group="sales"),
    SettingDef("receipt_footer", "Text at the bottom of every receipt.", "Thank you for shopping with us!",
               text(300), group="sales"),
    SettingDef("sale_requires_shift", "Counter sales are refused unless a till shift is open (yes/no).", False,
               boolean, group="sales"),
]
