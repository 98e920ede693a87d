"""The sale screen's scan field and the one line under it that says what the last entry did.

A barcode scanner is a keyboard that types the code and enter, so the field is a plain
:class:`~textual.widgets.Input` that the screen keeps focused. What it got is read by
:func:`parse_entry`: a code (``CODE``, ``CODEx3``, ``CODE:3``, ``3*CODE``), a bare number of 1 to
6 digits that SETS the selected line's quantity (barcodes are longer: EAN-8 has 8 digits), ``#``
before a short code that is a SKU, or nothing (enter on an empty field: take payment).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region
from textual.message import Message
from textual.widgets import Input, Static

from shoptui.tui.text import plain

SET_QUANTITY = re.compile(r"^\d{1,6}$")
FLASH_SECONDS = 0.8
SCAN_HELP = ("scan or type a SKU ⏎ · 3*SKU or SKUx3 adds 3 · 5⏎ sets the selected line to 5 · #123⏎ scans the "
             "code 123 · a coupon's code adds the coupon · ↑↓ select · +/- qty · del removes · ⏎ on an empty field pays")


def parse_entry(text: str) -> tuple[str, str, int | None]:
    """``("pay", "", None)``, ``("quantity", "", n)`` or ``("scan", entry, None)`` for what was typed."""
    entry = text.strip()
    if not entry:
        return "pay", "", None
    if entry.startswith("#") and len(entry) > 1:
        return "scan", entry[1:].strip(), None
    if SET_QUANTITY.match(entry):
        return "quantity", "", int(entry)
    return "scan", entry, None


# keys the sale screen uses itself; the field does not bind them (delete still deletes text, in ``_on_key``)
_SCREEN_KEYS = {"delete", "ctrl+d", "ctrl+x", "ctrl+u", "ctrl+k"}  # ctrl+k: the app's search
LINE_KEYS = {"plus": "more", "minus": "less", "delete": "remove"}


class ScanField(Input, inherit_bindings=False):
    """The always-focused field a scanner types into.

    On an EMPTY field, ``+``, ``-`` and ``delete`` are not typed: they post :class:`LineKey` for the
    screen (one more, one fewer, remove the selected line). The field decides, not a priority
    binding, because only the field knows what was typed before the key: a scanner types faster
    than the screen reads, and ``-`` in ``D001-M`` must stay text.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        *(b for b in Input.BINDINGS if not (isinstance(b, Binding) and _SCREEN_KEYS & set(b.key.split(",")))),
        Binding("super+backspace", "delete_left_all", "Delete all to the left", show=False),
    ]

    @dataclass
    class LineKey(Message):
        """A line key on the empty field: ``more``, ``less`` or ``remove``."""

        action: str

    _value_changing = False  # Input.__init__ sets reactives (and so refreshes) before ours runs

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(placeholder="scan a barcode or type a SKU, then enter", compact=True, tooltip=SCAN_HELP,
                         **kwargs)
        self.after_minus = False
        """The entry being typed began right after ``-`` on the empty field (someone typing ``-3``)."""

    def _watch_value(self, value: str) -> None:
        self._value_changing = True
        try:
            super()._watch_value(value)
        finally:
            self._value_changing = False

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False) -> Self:
        """No layout of the screen for a new value: Input asks for one on every key (its virtual size follows the
        text), but the field is one line the width of its place whatever it holds, and a layout of the sale
        screen costs more than a frame (a scanner types a dozen keys and enter)."""
        if self._value_changing:
            layout = False
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    async def _on_key(self, event: events.Key) -> None:
        if event.key in LINE_KEYS and not self.value:
            event.stop()
            event.prevent_default()
            self.after_minus = event.key == "minus"
            self.post_message(self.LineKey(LINE_KEYS[event.key]))
            return
        if not self.value and not (event.is_printable and event.character):
            self.after_minus = False  # ↑/↓ and the like on the empty field: what comes next is a new entry
        if event.key == "delete":
            event.stop()
            event.prevent_default()
            self.action_delete_right()
            return
        await super()._on_key(event)


class ScanMessage(Static):
    """What the last entry did: ✓ in the success colour, ✗ in the error colour (the marks read without colour).

    It flashes briefly so a cashier looking at the customer notices the change; there is no sound.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("Ready for the first item.", markup=False, **kwargs)
        self._timer: Any = None

    def say(self, text: str, *, ok: bool | None) -> None:
        """Show a sentence: ``ok`` True (✓ done), False (✗ refused) or None (plain information)."""
        mark = {True: "✓ ", False: "✗ ", None: ""}[ok]
        self.update(plain(f"{mark}{text}"), layout=False)  # one line, fixed size
        self.set_class(ok is True, "-ok")
        self.set_class(ok is False, "-refused")
        if ok is None:
            self.remove_class("-flash")
            return
        self.add_class("-flash")
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(FLASH_SECONDS, lambda: self.remove_class("-flash"))
