"""The print command: one program and its arguments, checked the same way when it is set and when it runs.

The counter's ``print_command`` setting is checked with it (``services.sales.settings``) and every
document is printed through it (``services.orders.documents.print_text``); it lives here, below both.
"""

from __future__ import annotations

import os
import shlex
import shutil
from pathlib import Path

from shoptui.errors import InvalidInput

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
