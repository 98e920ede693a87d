"""Modal forms of the inventory screens: fields with their refusal shown beside them, saved in a worker.

A :class:`FormDialog` gathers what was typed as plain text on the UI thread, then runs
:meth:`FormDialog.save` in a worker, which parses and calls the services inside one
``db.transaction``. A ``ShopError`` (the service's sentence, or the form's own for text that is
not a number) rolls the transaction back — nothing is saved — and is shown under the field it names
(``exc.field``: the service's input name, mapped to the form's key by :attr:`FormDialog.FIELD_NAMES`
where they differ), the cursor on that field. On success the dialog closes with
what ``save`` returned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static

from shoptui.errors import InvalidInput, NotAllowed, ShopError
from shoptui.tui.text import plain
from shoptui.tui.workers import ReportsWorkerErrors
from shoptui.typed import number_text

if TYPE_CHECKING:
    from shoptui.tui.app import ShopApp


def whole_number(text: str, what: str, *, signed: bool = False, field: str | None = None) -> int:
    """``" 12 "`` -> 12 (full-width digits too); a sentence naming the text when it is not a whole number.

    ``field`` is the form field the refusal marks."""
    raw = number_text(text.replace(" ", ""), what, field=field)  # digits of any script; a comma only between thousands
    body = raw[1:] if signed and raw[:1] in "+-" else raw
    if not body.isdigit() or not body.isascii():
        example = "-3 or 2" if signed else "12"
        shown = repr(text.strip()) if text.strip() else "empty"
        raise InvalidInput(f"The {what} is {shown}, not a whole number; type one like {example}.", field=field)
    return int(raw)


def if_saved(action: Callable[[], object]) -> Callable[[object], None]:
    """The ``push_screen`` callback of a FormDialog: runs ``action`` when the form saved, not when it was closed
    (what ``action`` returns, a worker, is dropped)."""

    def closed(result: object) -> None:
        if result is not None:
            action()

    return closed


class FieldRow(Vertical):
    """A label, an input (or a select) and the sentence that refused its value (shown only then)."""

    DEFAULT_CSS = """
    FieldRow { height: auto; }
    FieldRow > Horizontal { height: auto; }
    FieldRow .field-label { width: 14; height: 1; }
    FieldRow .field-input { width: 1fr; }
    FieldRow > .field-help { color: $text-muted; height: auto; padding: 0 0 0 14; }
    FieldRow > .field-error { display: none; color: $error; text-style: bold; height: auto; padding: 0 0 0 14; }
    FieldRow.-invalid > .field-error { display: block; }
    FieldRow.-invalid .field-label { color: $error; text-style: bold underline; }
    """

    def __init__(self, key: str, label: str, widget: Widget, help_text: str = "") -> None:
        super().__init__(id=f"row-{key}")
        self.key = key
        self.label = label
        self.widget = widget
        self.help_text = help_text
        widget.add_class("field-input")

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Label(plain(self.label), classes="field-label", markup=False)
            yield self.widget
        if self.help_text:
            yield Static(plain(self.help_text), classes="field-help", markup=False)
        yield Static("", classes="field-error", markup=False)

    def show_error(self, sentence: str | None) -> None:
        """Show (or, with None, hide) the refusal under the field; NO_COLOR still sees the ✗."""
        self.set_class(sentence is not None, "-invalid")
        self.query_one(".field-error", Static).update(plain(f"✗ {sentence}" if sentence else ""))


@dataclass(frozen=True)
class Field:
    """One field of a form: its key, label, the widget, and a line of help under it."""

    key: str
    label: str
    widget: Widget
    help: str = ""


class FormDialog(ReportsWorkerErrors, ModalScreen[Any]):
    """A modal form: ctrl+s (or F12) checks and saves, escape closes without saving."""

    DEFAULT_CSS = """
    FormDialog { align: center middle; }
    FormDialog > Vertical { width: 76; max-width: 100%; height: auto; max-height: 100%; border: thick $primary;
                            background: $surface; padding: 0 1; }
    FormDialog #form-title { text-style: bold; height: 1; color: $text-accent; }
    FormDialog #form-intro { color: $text-muted; height: auto; }
    FormDialog #form-fields { height: auto; max-height: 18; }
    FormDialog #form-banner { display: none; color: $error; text-style: bold; height: auto; }
    FormDialog.-refused #form-banner { display: block; }
    FormDialog #form-keys { color: $text-muted; height: 1; }
    FormDialog Input, FormDialog Select { margin: 0 0 0 0; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s,f12", "save", "Save", id="form-save", tooltip="Check and save (ctrl+s or F12)."),
        Binding("escape", "cancel", "Cancel", id="form-cancel", tooltip="Close without saving anything."),
    ]

    TITLE_TEXT: ClassVar[str] = ""
    # the service's input name -> this form's field key, where they differ (``{"amount_minor": "amount"}``)
    FIELD_NAMES: ClassVar[dict[str, str]] = {}
    # the field a refusal that names none marks (a dialog with one main input); None: the banner
    DEFAULT_FIELD: ClassVar[str | None] = None
    SAVE_LABEL: ClassVar[str] = "save"

    @dataclass
    class Refused(Message):
        """The form was refused: the sentence and the field it is about (None: the banner)."""

        field: str | None
        sentence: str

    @dataclass
    class Saved(Message):
        """The form was saved; ``result`` is what :meth:`save` returned."""

        result: Any

    def __init__(self, intro: str = "") -> None:
        super().__init__()
        self.intro = intro
        self.rows: dict[str, FieldRow] = {}
        self.saving = False

    @property
    def shop(self) -> ShopApp:
        """The app, typed."""
        return cast("ShopApp", self.app)

    def title_text(self) -> str:
        """The line on top of the form."""
        return self.TITLE_TEXT

    def edits_a_record(self) -> bool:
        """True for a form prefilled with a whole record to change (it opens on its first field)."""
        return False

    def fields(self) -> list[Field]:
        """The form's fields, in order."""
        return []

    BOX_ID: str | None = None
    """The id of the form's box, for a form with a layout of its own (None: the common one)."""

    def compose(self) -> ComposeResult:
        with Vertical(id=self.BOX_ID):
            yield Static(plain(self.title_text()), id="form-title", markup=False)
            if self.intro:
                yield Static(plain(self.intro), id="form-intro", markup=False)
            yield from self.before_fields()
            with VerticalScroll(id="form-fields"):
                for item in self.fields():
                    row = FieldRow(item.key, item.label, item.widget, item.help)
                    self.rows[item.key] = row
                    yield row
            yield Static("", id="form-banner", markup=False)
            yield Static(plain(self.keys_text()), id="form-keys", markup=False)

    def before_fields(self) -> ComposeResult:
        """What a form shows between its intro and its fields (nothing, unless a form says)."""
        return iter(())

    def keys_text(self) -> str:
        """The form's key line, under the fields."""
        return f"ctrl+s {self.SAVE_LABEL} · esc cancel · f1 keys"

    def on_mount(self) -> None:
        """The cursor starts in the first EMPTY field: a field prefilled from the screen (the highlighted SKU)
        is not typed over by the first keys (its text would be selected). A form that edits a whole
        record (:meth:`edits_a_record`) starts on its first field."""
        usable = [row.widget for row in self.rows.values() if row.widget.focusable and not row.widget.disabled]
        empty = (w for w in usable if isinstance(w, Input) and not w.value)
        first: Widget | None = None if self.edits_a_record() else next(empty, None)
        first = first or (usable[0] if usable else None)
        if first is not None:
            first.focus()

    def values(self) -> dict[str, Any]:
        """Every field's value as typed (Select: its value, or None when blank)."""
        return {key: self.value(key) for key, row in self.rows.items() if isinstance(row.widget, Input | Select)}

    def value(self, key: str) -> Any:
        """One field's value as typed: an Input's text, a Select's value (None when blank or no such field)."""
        row = self.rows.get(key)
        widget = row.widget if row is not None else None
        if isinstance(widget, Input):
            return widget.value
        if isinstance(widget, Select):
            return None if widget.is_blank() else widget.value
        return None

    def field_key(self, field: str | None) -> str | None:
        """The form field a refusal's ``field`` names (None: shown above the keys)."""
        key = self.DEFAULT_FIELD if field is None else self.FIELD_NAMES.get(field, field)
        return key if key in self.rows else None

    def save(self, values: dict[str, Any]) -> Any:
        """Runs in a worker thread: parse, open one transaction, call the services; return the result."""
        raise InvalidInput("This form cannot be saved.")

    def action_save(self) -> None:
        """Check and save what was typed."""
        if self.saving:
            return
        self.saving = True
        self._clear_errors()
        self.submit(self.values())

    def action_cancel(self) -> None:
        """Close without saving."""
        self.dismiss(None)

    def _clear_errors(self) -> None:
        for row in self.rows.values():
            row.show_error(None)
        self.remove_class("-refused")

    @on(Input.Changed)
    def _edited(self, event: Input.Changed) -> None:
        for row in self.rows.values():
            if row.widget is event.input and row.has_class("-invalid"):
                row.show_error(None)

    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        event.stop()
        keys = list(self.rows)
        current = next((k for k, row in self.rows.items() if row.widget is event.input), None)
        if current is None or current == keys[-1]:
            self.action_save()
        else:
            self.focus_next()

    @work(thread=True, exclusive=True, group="form-save", exit_on_error=False)
    def submit(self, values: dict[str, Any]) -> None:
        """Save in a worker; a refusal comes back as a message (the transaction rolled back)."""
        from shoptui import db

        try:  # a deadlock or serialisation failure on the server saves again (bounded)
            result = db.retried(lambda: self.save(values))
        except ShopError as exc:
            note = getattr(self.app, "note_refusal", None)
            if isinstance(exc, NotAllowed) and note is not None:  # shown in the form, and written to the audit log
                self.app.call_from_thread(note, exc)
            self.post_message(self.Refused(self.field_key(exc.field), str(exc)))
            return
        finally:
            self.saving = False
        self.post_message(self.Saved(result))

    @on(Refused)
    def _refused(self, event: Refused) -> None:
        row = self.rows.get(event.field or "")
        if row is None:
            banner = self.query_one("#form-banner", Static)
            banner.update(plain(f"✗ {event.sentence}"))
            self.add_class("-refused")
            return
        row.show_error(event.sentence)
        row.widget.focus()

    @on(Saved)
    def _saved(self, event: Saved) -> None:
        self.dismiss(event.result)

