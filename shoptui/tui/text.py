"""User data on screen: always plain ``Text``, never markup, never a raw control character.

A title like ``[bold red]x[/] [link=https://evil.example]click[/link]`` is shown exactly so, and an
escape sequence that got into the store shows as ``\\x1b`` instead of reaching the terminal. Every
screen passes user-typed text (names, titles, notes, addresses, tags, codes, reasons...) to a widget
through :func:`plain` (``Static``, ``Label``, table cells, border titles) or :func:`shown` (strings for
``notify(..., markup=False)``, ``Input`` values, option prompts built as ``Text``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from rich.text import Text

from shoptui.text import unsafe_characters, visible

V = TypeVar("V")


def shown(value: object) -> str:
    """``value`` as a string safe to draw: control and bidi-override characters shown as escapes."""
    return visible("" if value is None else value)


def plain(value: object = "", style: str = "", **options: Any) -> Text:
    """``value`` as a Rich ``Text`` that is never parsed as markup (see :func:`shown`); a ``Text`` is copied."""
    if isinstance(value, Text):
        copy = value.copy()
        if unsafe_characters(copy.plain, multiline=True):
            copy.plain = shown(copy.plain)
        return copy
    return Text(shown(value), style=style, **options)


def choices(options: Iterable[tuple[object, V]]) -> list[tuple[Text, V]]:
    """Options for a ``Select`` whose labels are user data (category, supplier, location, tier names)."""
    return [(plain(label), value) for label, value in options]


def cell(value: object, width: int, *, right: bool = False, style: str = "") -> Text:
    """A table cell of exactly ``width`` columns (the last one a gap), cut with … when too long.

    Plain text, never markup: names and titles may contain ``[``.
    """
    text = plain(str(value), style=style, no_wrap=True, overflow="ellipsis")
    text.truncate(max(1, width - 1), overflow="ellipsis")
    pad = max(0, width - 1 - text.cell_len)
    if right:
        return plain(" " * pad) + text + plain(" ")
    text.pad_right(pad + 1)
    return text


def signed(value: int) -> str:
    """A change of a count with its sign: ``+5``, ``-3``; zero is ``0``."""
    return f"{value:+d}" if value else "0"


def percent(bp: int) -> str:
    """Basis points as a percentage: ``1300`` -> ``13%``, ``1250`` -> ``12.5%``."""
    whole, frac = divmod(bp, 100)
    return f"{whole}%" if not frac else f"{whole}.{frac:02d}".rstrip("0") + "%"
