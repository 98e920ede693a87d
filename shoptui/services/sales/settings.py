"""The counter's settings: printer, receipt, cash rounding, shifts (light to import)."""

from __future__ import annotations

import os
import shlex
import shutil
from pathlib import Path

from shoptui.errors import InvalidInput
from shoptui.services.shop.setting_defs import SettingDef, boolean, choice, text

CASH_STEPS = ("none", "0.01", "0.1", "0.5", "1")


def _receipt_width(raw: str) -> int:
    value = raw.strip().lower().removesuffix("mm").strip()
    if value not in ("58", "80"):
        raise InvalidInput(f"{raw!r} is not a receipt paper width; use 58 or 80 (mm).")
    return int(value)


# shells and launchers run whatever command line they are given: a print command is one program and its arguments
SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh", "fish", "csh", "tcsh", "busybox", "env", "sudo", "doas",
                    "su", "xargs", "nohup", "setsid"})


def print_argv(raw: str) -> list[str]:
    """The program and arguments of a print command: shlex-split, no shell, the program must exist and be
    executable. Raises InvalidInput with the reason; ``[]`` for an empty command (no printer)."""
    value = raw.strip()
    if len(value) > 300:
        raise InvalidInput(f"The print command takes at most 300 characters, not {len(value)}.")
    if not value:
        return []
    try:
        argv = shlex.split(value)
    except ValueError as exc:
        raise InvalidInput(f"The print command {value!r} cannot be read ({exc}); quote it as a shell would.") from None
    program = argv[0]
    if Path(program).name in SHELLS:
        raise InvalidInput(f"The print command may not start with {program!r}, which runs any command it is given; "
                           "name the printing program itself, like 'lp -d receipt'.")
    if "/" in program:
        path = Path(program).expanduser()
        found = str(path) if path.is_file() and os.access(path, os.X_OK) else None
    else:
        found = shutil.which(program)
    if found is None:
        raise InvalidInput(f"The print command's program {program!r} was not found as an executable program; give the path "
                           "of a program and its arguments, like '/usr/bin/lp -d receipt'.")
    return argv


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
