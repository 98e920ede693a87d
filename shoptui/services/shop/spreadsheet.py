"""CSV cells a spreadsheet opens safely (OWASP "CSV injection"), and read back exactly.

Every CSV the project writes passes its cells through :func:`cell`: a text that a spreadsheet would
run as a formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a
leading single quote, so ``=cmd|' /C calc'!A0`` shows as text. Plain numbers (``-3``, ``+1.50``) stay
numbers. The project's own imports pass cells through :func:`uncell`, so an export reads back
unchanged: one quote is removed where :func:`cell` added it (a text that itself starts with quotes
before such a character gets one more on the way out, so nothing is ever ambiguous).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from shoptui.errors import InvalidInput

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[-+]?[0-9]+(?:\.[0-9]+)?")


def _needs_quote(text: str) -> bool:
    body = text.lstrip("'")
    if not body.startswith(TRIGGERS):
        return False
    return len(body) != len(text) or _NUMBER.fullmatch(text) is None


def cell(value: object) -> str:
    """``value`` as a CSV cell that no spreadsheet runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text and _needs_quote(text) else text


def row(values: Iterable[object]) -> list[str]:
    """Every value of a CSV row through :func:`cell`."""
    return [cell(v) for v in values]


def uncell(text: str) -> str:
    """A cell as :func:`cell` wrote it, back to the value (other cells unchanged)."""
    if text.startswith("'") and text.lstrip("'").startswith(TRIGGERS):
        return text[1:]
    return text


def read_import_file(path: Path) -> bytes:
    """The bytes of a file to import; InvalidInput (one sentence naming it) when it is missing or unreadable."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InvalidInput(f"There is no file {path}.", field="path") from None
    except IsADirectoryError:
        raise InvalidInput(f"{path} is a folder; name the exported CSV file in it.", field="path") from None
    except OSError as exc:
        raise InvalidInput(f"{path} cannot be read ({exc.strerror}).", field="path") from None
