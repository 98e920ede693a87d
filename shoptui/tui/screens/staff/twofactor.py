"""Two-factor enrolment for the logged-in account: the QR code (where the terminal is big enough) and the secret,
the first code, then the ten recovery codes, shown once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.events import Resize
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from shoptui.tui.screens.staff.dialogs import StaffForm
from shoptui.tui.text import plain
from shoptui.tui.widgets.form import Field

if TYPE_CHECKING:
    from shoptui.config import Actor
    from shoptui.services.staff import Enrolment

QR_MARGIN_ROWS = 10
"""Rows the enrolment dialog needs beside the QR code (title, lines of text, the code field, keys, border)."""
QR_MARGIN_COLUMNS = 6
"""Columns it needs beside the QR code (border and padding)."""


def grouped(secret: str) -> str:
    """``JBSWY3DPEHPK3PXP`` -> ``JBSW Y3DP EHPK 3PXP`` (easier to type; the apps ignore the spaces)."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def qr_fits(qr: str, width: int, height: int) -> bool:
    """Whether a terminal of ``width`` x ``height`` shows the whole QR code inside the dialog."""
    lines = qr.splitlines()
    columns = max((len(line) for line in lines), default=0)
    return len(lines) + QR_MARGIN_ROWS <= height and columns + QR_MARGIN_COLUMNS <= width


class EnrolDialog(StaffForm):
    """Scan (or type the secret), then enter the first code; saved, it closes with the ten recovery codes."""

    DEFAULT_CSS = """
    EnrolDialog #enrol-qr { width: auto; height: auto; text-wrap: nowrap; }
    EnrolDialog #enrol-small { color: $warning; height: auto; display: none; }
    EnrolDialog.-small #enrol-qr { display: none; }
    EnrolDialog.-small #enrol-small { display: block; }
    EnrolDialog #enrol-secret { text-style: bold; height: auto; }
    """

    SAVE_LABEL = "turn on"
    DEFAULT_FIELD = "code"
    FIELD_NAMES: ClassVar[dict[str, str]] = {"code": "code"}

    def __init__(self, url: str | None, actor: Actor, enrolment: Enrolment) -> None:
        super().__init__(url, actor)
        self.enrolment = enrolment
        self.intro = ("Scan the QR code with an authenticator app (or type the secret in it), then enter the 6 digits "
                      "it shows.")

    def title_text(self) -> str:
        return f"Two-factor for {self.enrolment.name}"

    def fields(self) -> list[Field]:
        return [Field("code", "Code", Input("", id="code", compact=True, placeholder="6 digits from the app",
                                            tooltip="The code your authenticator app shows now."))]

    BOX_ID = "enrol-box"

    def before_fields(self) -> ComposeResult:
        lines = self.enrolment.qr.splitlines()
        yield Static(plain(self.enrolment.qr), id="enrol-qr", markup=False)
        yield Static(plain(f"The QR code needs a terminal of at least {max(map(len, lines), default=0) + QR_MARGIN_COLUMNS}"
                           f" x {len(lines) + QR_MARGIN_ROWS}: enlarge this one to scan it, or type the secret "
                           "below in the app."), id="enrol-small", markup=False)
        yield Static(plain(f"Secret: {grouped(self.enrolment.secret)}"), id="enrol-secret", markup=False)

    def keys_text(self) -> str:
        return f"ctrl+s or enter {self.SAVE_LABEL} · esc cancel"

    def on_mount(self) -> None:
        self._fit()

    def on_resize(self, event: Resize) -> None:
        self._fit()

    def _fit(self) -> None:
        size = self.app.size
        self.set_class(not qr_fits(self.enrolment.qr, size.width, size.height), "-small")

    @property
    def qr_shown(self) -> bool:
        """Whether the QR code is drawn (the terminal is big enough)."""
        return not self.has_class("-small")

    def save(self, values: dict[str, Any]) -> list[str]:
        from shoptui.services import staff

        codes: list[str] = self.run(lambda session: staff.confirm_enrolment(session=session, actor=self.actor,
                                                                             code=values["code"]))
        return codes


class RecoveryCodesDialog(ModalScreen[None]):
    """Ten one-time recovery codes, shown once (c copies them)."""

    DEFAULT_CSS = """
    RecoveryCodesDialog { align: center middle; }
    RecoveryCodesDialog > Vertical { width: 64; max-width: 100%; height: auto; border: thick $warning;
                                     background: $surface; padding: 0 1; }
    RecoveryCodesDialog #codes-title { text-style: bold; color: $text-accent; }
    RecoveryCodesDialog #codes-list { text-style: bold; margin: 1 2; height: auto; }
    RecoveryCodesDialog .codes-note { color: $text-muted; height: auto; }
    """

    BINDINGS = [
        Binding("c", "copy", "Copy", id="codes-copy", tooltip="Copy the codes to the clipboard (where the terminal "
                                                              "allows it)."),
        Binding("enter,escape", "close", "Done", id="codes-close", tooltip="Close; the codes are not shown again."),
    ]

    def __init__(self, codes: list[str], *, title: str) -> None:
        super().__init__()
        self.codes = codes
        self.title_line = title

    def compose(self) -> ComposeResult:
        half = (len(self.codes) + 1) // 2
        pairs = [f"{i + 1:>2}. {self.codes[i]}    "
                 + (f"{i + half + 1:>2}. {self.codes[i + half]}" if i + half < len(self.codes) else "")
                 for i in range(half)]
        with Vertical():
            yield Static(plain(self.title_line), id="codes-title", markup=False)
            yield Static(plain("Each code works once, in place of the app's code, when the phone is lost. Write them "
                               "down or print them now: they are not shown again."), classes="codes-note",
                         markup=False)
            yield Static(plain("\n".join(pairs)), id="codes-list", markup=False)
            yield Static(plain("c copies them · enter closes"), classes="codes-note", markup=False)

    def action_copy(self) -> None:
        """Copy the codes, one a line (OSC 52: most terminals, not all)."""
        self.app.copy_to_clipboard("\n".join(self.codes))
        self.app.notify("Copied the recovery codes (if your terminal passes the clipboard on).", markup=False,
                        timeout=3)

    def action_close(self) -> None:
        """Close: the codes leave the screen for good."""
        self.codes = []
        self.dismiss(None)
