"""The one yes/no question of the app: y or enter says yes, n or escape says no."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from shoptui.tui.text import plain
from shoptui.tui.workers import ReportsWorkerErrors


class Confirm(ReportsWorkerErrors, ModalScreen[bool]):
    """A question with two answers; ``danger`` draws it in the error colour and the yes button red."""

    DEFAULT_CSS = """
    Confirm { align: center middle; }
    Confirm > Vertical { width: 64; max-width: 100%; height: auto; border: thick $primary; background: $surface;
                         padding: 1 2; }
    Confirm.-danger > Vertical { border: thick $error; }
    Confirm #confirm-text { height: auto; margin: 0 0 1 0; }
    Confirm #confirm-buttons { height: auto; align-horizontal: right; }
    Confirm Button { margin: 0 0 0 2; min-width: 10; }
    """

    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes", id="confirm-yes", tooltip="Yes, do it."),
        Binding("n,escape", "answer(False)", "No", id="confirm-no", tooltip="No, leave it as it is."),
    ]

    def __init__(self, question: str, *, yes: str = "Yes", danger: bool = False) -> None:
        super().__init__(classes="-danger" if danger else "")
        self.question = question
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(plain(self.question), id="confirm-text", markup=False)
            with Horizontal(id="confirm-buttons"):
                yield Button(f"{self.yes} (y)", id="confirm-yes-button",
                             variant="error" if self.has_class("-danger") else "primary")
                yield Button("No (n)", id="confirm-no-button")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-yes-button")

    def action_answer(self, yes: bool) -> None:
        """Close with the answer."""
        self.dismiss(yes)


def if_yes(action: Callable[[], object]) -> Callable[[bool | None], None]:
    """The ``push_screen`` callback of a Confirm: runs ``action`` on yes (what it returns, a worker, is dropped)."""

    def answered(yes: bool | None) -> None:
        if yes:
            action()

    return answered


def ask_from_thread(app: App[Any], question: str, *, yes: str = "Yes", danger: bool = False) -> bool:
    """Ask ``question`` in a Confirm dialog from a thread worker and wait for the answer (no when the app stops)."""
    import threading

    answer: list[bool] = []
    answered = threading.Event()

    def got(yes_: bool | None) -> None:
        answer.append(bool(yes_))
        answered.set()

    app.call_from_thread(app.push_screen, Confirm(question, yes=yes, danger=danger), got)
    while not answered.wait(0.2):
        if not app.is_running:
            return False
    return answer[0]


def print_command_confirmed(app: App[Any], command: str) -> bool:
    """A print command not run from this account before is shown and confirmed first (from a worker thread)."""
    from shoptui.services import orders

    if not command.strip() or orders.print_command_approved(command):
        return True
    return ask_from_thread(app, orders.print_confirmation_question(command), yes="Print", danger=True)
