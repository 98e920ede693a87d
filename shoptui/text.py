"""User-typed text: one validator for what may be stored, one function for what may be shown.

Names, titles and notes are data. On the way in, :func:`check_text` refuses what does not fit
(with the limit in the sentence, never a silent cut) and refuses control characters (C0, DEL, C1:
terminal escape codes start with them) and bidirectional overrides (they reorder what a person
reads). On the way out, :func:`visible` turns anything of that kind already in a store (older rows,
SQL) into a harmless ``\\x1b``-style escape so no terminal ever receives it.

Standard library only: the services, the CLI and the TUI all use it.
"""

from __future__ import annotations

import re
import unicodedata

from shoptui.errors import InvalidInput

# C0 controls, DEL, C1 controls, and the bidi embeddings/overrides/isolates
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_KEEP_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def unsafe_characters(text: str, *, multiline: bool = False) -> list[str]:
    """The control and bidi-override characters in ``text`` (tab and newline allowed when ``multiline``)."""
    pattern = _UNSAFE_KEEP_LINES if multiline else _UNSAFE
    return pattern.findall(text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: object, *, multiline: bool = True) -> str:
    """``text`` with every control and bidi-override character shown as an escape (``\\x1b``).

    Tabs and newlines stay when ``multiline`` (notes, message bodies); one-line fields get them escaped too.
    """
    value = "" if text is None else str(text)
    pattern = _UNSAFE_KEEP_LINES if multiline else _UNSAFE
    return pattern.sub(_escape, value)


def check_text(
    value: str | None, field: str, max_length: int, *,
    required: bool = True, multiline: bool = False, quote: bool = True, name: str | None = None,
) -> str | None:
    """``value`` as stored: NFC, trimmed; refused when empty (if ``required``), too long, or unsafe.

    Raises InvalidInput with a sentence that names the field and the limit (and quotes the start of
    the value unless ``quote`` is False, for secrets); ``name`` is the input field it marks. Returns
    None for an empty optional value.
    """
    cleaned = unicodedata.normalize("NFC", value or "").strip()
    if not cleaned:
        if required:
            raise InvalidInput(f"The {field} cannot be empty.", field=name)
        return None
    shown = f" '{visible(cleaned[:40], multiline=False)}{'...' if len(cleaned) > 40 else ''}'" if quote else ""
    if len(cleaned) > max_length:
        raise InvalidInput(
            f"The {field}{shown} is {len(cleaned)} characters long; at most {max_length} are allowed.", field=name
        )
    bad = unsafe_characters(cleaned, multiline=multiline)
    if bad:
        found = ", ".join(dict.fromkeys(visible(ch, multiline=False) for ch in bad))
        where = "" if multiline else "; type it on one line"
        raise InvalidInput(
            f"The {field}{shown} contains control or text-direction characters ({found}){where}; remove them.", field=name
        )
    return cleaned
