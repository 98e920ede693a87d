"""What a person typed or scanned, made comparable: one rule for digits of any script.

The rule: every Unicode decimal digit (full-width ``１２``, Arabic-Indic ``١٢``, Devanagari, ...) is
accepted and read as its ASCII digit, in money, quantities, barcodes and SKUs alike. Python's own
``int()`` (and so every whole-number option of the CLI) already reads them so; this function makes
the text entry paths agree with it.
"""

from __future__ import annotations

import re
import unicodedata

from shoptui.errors import InvalidInput

_GROUPED = re.compile(r"^[-+]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?$")  # 1,234.50: commas between groups of three


def ascii_digits(text: str) -> str:
    """``text`` with every Unicode decimal digit replaced by its ASCII digit; ASCII text is returned as is."""
    if text.isascii():
        return text
    return "".join(ch if ch.isascii() else _digit(ch) for ch in text)


def _digit(ch: str) -> str:
    value = unicodedata.decimal(ch, None)
    return ch if value is None else str(value)


def folded(text: str) -> str:
    """NFKC (full-width letters and punctuation as ASCII) and :func:`ascii_digits`, trimmed: for codes and amounts."""
    if text.isascii():
        return text.strip()
    return ascii_digits(unicodedata.normalize("NFKC", text)).strip()


def number_text(text: str, what: str = "number", *, field: str | None = None) -> str:
    """A typed number as plain ASCII without thousands commas: ``"１,２３４.5"`` -> ``"1234.5"``.

    A comma is a thousands separator only between groups of three digits (``1,234.50``); anything
    else (``1,5``, ``12,34``) is refused with a sentence rather than read as another number.
    """
    raw = folded(text)
    if "," in raw:
        bare = raw.lstrip("¥￥$€£")
        if not _GROUPED.match(bare):
            raise InvalidInput(
                f"The {what} {text.strip()!r} is not a number: a comma only separates thousands (1,234.50); "
                "write decimals with a point, like 1.50.", field=field,
            )
        raw = raw.replace(",", "")
    return raw
