"""The error log: tracebacks of unexpected failures, with every secret masked, readable by the owner only.

The CLI and the TUI both write here (``shoptui.log`` in the user log dir, 0600 in a 0700 folder).
Command lines go through ``config.mask_argv`` and the whole entry through ``config.mask_url``, so a
``--db`` URL's password, a secret setting's value or a ``--password``-like option never lands in it.
"""

from __future__ import annotations

import os
import traceback
from pathlib import Path

from shoptui.config import PRIVATE_FILE_MODE, log_dir, mask_argv, mask_url, private_dir, tighten


def log_file() -> Path:
    """``shoptui.log`` in the user log dir."""
    return log_dir() / "shoptui.log"


def masked_command_line(argv: list[str]) -> str:
    """The command line as logged: secrets replaced by ``***``."""
    return " ".join(mask_argv(list(argv)))


def write(header: str, error: BaseException) -> str:
    """Append ``header`` and the traceback of ``error`` (secrets masked); returns the log's path.

    Raises ``OSError`` when the log cannot be written.
    """
    path = log_file()
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, PRIVATE_FILE_MODE)
    tighten(path)  # a log left world-readable by an older shoptui
    text = mask_url(f"--- {header}\n" + "".join(traceback.format_exception(error)))
    with os.fdopen(fd, "a", encoding="utf-8") as out:
        out.write(text)
    return str(path)
