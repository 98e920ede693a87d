"""Store settings as a form: every module's settings, validated per field by the settings service."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Label, Static

from shoptui.errors import ShopError
from shoptui.tui.screens.base import ShopScreen
from shoptui.tui.text import plain, shown


@dataclass(frozen=True)
class SettingField:
    """One setting as the form shows it (plain text; a secret's value never leaves the worker)."""

    key: str
    group: str
    help: str
    text: str
    secret: bool
    is_set: bool


def as_text(value: Any) -> str:
    """A stored value as the text a person would type for it (control characters shown as ``\\x1b``)."""
    return shown(_as_text(value))


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False) if value else ""
    return "" if value is None else str(value)


class SettingsScreen(ShopScreen):
    """Every setting of every module; ctrl+s checks and saves the changed ones in one transaction."""

    MODE = "settings"

    PERMISSIONS = {"save": "settings.change", "open_import": "data.import"}
    """What each action needs (greyed for an account without it; see screens/base.py)."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="settings-save", tooltip="Check and save every changed setting."),
        Binding("ctrl+r", "revert", "Revert", id="settings-revert",
                tooltip="Forget unsaved changes and read the settings again."),
        Binding("ctrl+l", "open_import", "Import", id="settings-import",
                tooltip="Import products, customers or orders from a file (Shopify, WooCommerce ...)."),
    ]

    @dataclass
    class Loaded(Message):
        """The settings and their definitions were read."""

        fields: list[SettingField]

    @dataclass
    class Refused(Message):
        """Some values were refused; nothing was saved. ``errors``: key -> the service's sentence."""

        errors: dict[str, str]

    @dataclass
    class Saved(Message):
        """These keys were saved in one transaction."""

        keys: list[str]

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, SettingField] = {}

    def compose_body(self) -> ComposeResult:
        yield Static("Change values, then ctrl+s: all are checked, saved together and audited.",
                     id="settings-intro", markup=False)
        yield VerticalScroll(id="settings-form")

    def on_mount(self) -> None:
        self.call_after_refresh(self.load)

    @work(thread=True, exclusive=True, group="settings-load", exit_on_error=False)
    def load(self) -> None:
        """Read every setting and what it means."""
        from shoptui import db
        from shoptui.services import shop

        with db.read_session(self.shop.db_url) as session:
            values = shop.get_all(session=session)
            secrets_set = {key: shop.secret_status(session=session, key=key).startswith("set")
                           for key, d in shop.definitions().items() if d.secret}
        fields = [
            SettingField(key=key, group=d.group, help=d.help,
                         text="" if d.secret else as_text(shop.shown(key, values[key])),
                         secret=d.secret, is_set=secrets_set[key] if d.secret else bool(values[key]))
            for key, d in shop.definitions().items()
        ]
        self.post_message(self.Loaded(fields))

    @on(Loaded)
    async def _show(self, event: Loaded) -> None:
        form = self.query_one("#settings-form", VerticalScroll)
        focused_key = self._focused_key()
        same_form = list(self.fields) == [f.key for f in event.fields]
        self.fields = {f.key: f for f in event.fields}
        if same_form:  # after a save or revert: new values into the fields already there
            with self.app.batch_update():
                for item in event.fields:
                    entry = self.query_one(f"#setting-{item.key}", Input)
                    with entry.prevent(Input.Changed):
                        entry.value = item.text
                    entry.placeholder = _placeholder(item)
                    self.query_one(f"#row-{item.key}").remove_class("-changed", "-invalid")
            return
        with self.app.batch_update():
            await form.remove_children()
            rows: list[Any] = []
            group = None
            for item in event.fields:
                if item.group != group:
                    group = item.group
                    rows.append(Static(plain(group.capitalize()), classes="setting-group", markup=False))
                rows.append(_row(item))
            await form.mount_all(rows)
        if focused_key in self.fields:
            self.query_one(f"#setting-{focused_key}", Input).focus()
        elif self.focused is None or self.focused is form:
            form.query(Input).first().focus()

    def _focused_key(self) -> str | None:
        focused = self.focused
        if isinstance(focused, Input) and focused.id and focused.id.startswith("setting-"):
            return focused.id.removeprefix("setting-")
        return None

    @on(Input.Changed, ".setting Input")
    def _edited(self, event: Input.Changed) -> None:
        key = (event.input.id or "").removeprefix("setting-")
        item = self.fields.get(key)
        if item is None:
            return
        row = self.query_one(f"#row-{key}")
        row.set_class(self._is_change(item, event.value), "-changed")
        row.remove_class("-invalid")

    @staticmethod
    def _is_change(item: SettingField, text: str) -> bool:
        return bool(text) if item.secret else text != item.text

    def changes(self) -> dict[str, str]:
        """Every setting whose text differs from the stored value: key -> the typed text."""
        found: dict[str, str] = {}
        for key, item in self.fields.items():
            text = self.query_one(f"#setting-{key}", Input).value
            if self._is_change(item, text):
                found[key] = text
        return found

    def action_save(self) -> None:
        """Check every changed value; save them all in one transaction, or none."""
        changes = self.changes()
        if not changes:
            self.shop.announce("Nothing to save: no setting was changed.")
            return
        self.save(changes)

    def action_open_import(self) -> None:
        """Settings -> Import: products, customers or orders from a file."""
        from shoptui.tui.screens.importing import ImportScreen

        self.app.push_screen(ImportScreen())

    def action_revert(self) -> None:
        """Forget the unsaved changes."""
        self.load()

    @work(thread=True, exclusive=True, group="settings-save", exit_on_error=False)
    def save(self, changes: dict[str, str]) -> None:
        """Validate each value with its setting's parser, then write all of them, audited."""
        from shoptui import db
        from shoptui.services import shop

        definitions = shop.definitions()
        errors: dict[str, str] = {}
        for key, raw in changes.items():
            try:
                definitions[key].parse(raw)
            except ShopError as exc:
                errors[key] = str(exc)
        if errors:
            self.post_message(self.Refused(errors))
            return
        key = ""
        try:
            with db.transaction(self.shop.db_url) as session:
                for key, raw in changes.items():
                    shop.set_value(session=session, actor=self.shop.actor, key=key, raw=raw)
        except ShopError as exc:  # e.g. currency while prices exist: refused as a whole, nothing saved
            self.post_message(self.Refused({key: str(exc)}))
            return
        self.post_message(self.Saved(list(changes)))

    @on(Refused)
    def _refused(self, event: Refused) -> None:
        for key, sentence in event.errors.items():
            row = self.query_one(f"#row-{key}")
            row.add_class("-invalid")
            row.query_one(".setting-error", Static).update(plain(sentence))
        first = next(iter(event.errors))
        self.query_one(f"#setting-{first}", Input).focus()
        count = len(event.errors)
        self.shop.announce(f"Nothing was saved: {count} setting{'s' if count > 1 else ''} need fixing "
                           f"({', '.join(event.errors)}).", "warning")

    @on(Saved)
    def _saved(self, event: Saved) -> None:
        self.shop.announce(f"Saved {', '.join(event.keys)}.")
        self.shop.reload_shell()
        self.load()


def _placeholder(item: SettingField) -> str:
    if not item.secret:
        return ""
    # secrets are never kept in the store: they come from the environment or the secrets file
    return "set (outside the store)" if item.is_set else f"not set: set SHOPTUI_{item.key.upper()} (see help)"


def _row(item: SettingField) -> Vertical:
    entry = Input(item.text, id=f"setting-{item.key}", compact=True, password=item.secret,
                  placeholder=_placeholder(item), tooltip=item.help)
    return Vertical(
        Horizontal(Label(plain(item.key), classes="setting-key", markup=False), entry, classes="setting-line"),
        Static(plain(item.help), classes="setting-help", markup=False),
        Static("", classes="setting-error", markup=False),
        classes="setting", id=f"row-{item.key}",
    )
