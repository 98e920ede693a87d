"""Signing in: the first-run owner screen, the login screen, the idle lock and the switch-user dialog.

Each asks the services (``staff.init_owner``, ``staff.login``, ``staff.pin_switch``) in a worker, one
transaction per attempt, so a refused attempt's failure count and audit line are committed before the
refusal is shown. A successful attempt is handed to :meth:`ShopApp.adopt_login`, which keeps the session,
reads the account's grants and closes these screens; the screens never hold the session themselves.

Steps of a login (as the service answers): account and password, then the two-factor code when
``LoginResult.needs_code``, then a new password typed twice when ``must_change_password``. Enter moves to
the next empty field and submits from the last one; ctrl+q quits from every one of these screens, and
Escape quits the first-run and login screens (there is nothing behind them to go back to).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Label, Static

from shoptui.errors import ShopError
from shoptui.tui.text import plain

if TYPE_CHECKING:
    from sqlmodel import Session

    from shoptui.services.staff import LoginResult
    from shoptui.tui.app import ShopApp

PIN = re.compile(r"\d{4,8}")
"""What the switch dialog takes as a counter PIN rather than a password (a PIN is 4 to 8 digits)."""

DIFFERENT = "The two new passwords differ; type the same one twice."


@dataclass
class Answered(Message):
    """A sign-in attempt came back: the service's result (``ok`` or why not)."""

    result: LoginResult


@dataclass
class Refused(Message):
    """A sign-in attempt was refused by a rule (a weak new password, a taken name): its sentence and field."""

    sentence: str
    field: str | None = None


class SignInScreen(Screen[None]):
    """What every sign-in screen shares: a box of labelled inputs, a message line, a worker per attempt.

    Subclasses name their inputs (``FIELDS``: id suffix -> label, password or not), the ones shown at
    first (``FIRST``) and implement :meth:`ask` (runs in the worker, returns a LoginResult).
    """

    PREFIX: ClassVar[str] = "login"
    TITLE_TEXT: ClassVar[str] = "Log in"
    FIELDS: ClassVar[tuple[tuple[str, str, bool], ...]] = ()
    FIRST: ClassVar[tuple[str, ...]] = ()

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Quit", id="signin-leave", tooltip="Leave shoptui (ctrl+q too)."),
    ]

    def __init__(self, message: str = "", *, checking: bool = False) -> None:
        super().__init__(classes="signin")
        self.first_message = message
        self.checking = checking
        """True while the app is still finding out whether the store has accounts: typing goes on, and a
        submit made meanwhile waits for it (keys typed at once are never lost)."""
        self.busy = False
        self._submit_when_ready = False

    @property
    def shop(self) -> ShopApp:
        return cast("ShopApp", self.app)

    def _field_id(self, key: str) -> str:
        return f"{self.PREFIX}-{key}"

    def compose(self) -> ComposeResult:
        with Vertical(id="signin-box"):
            yield Static(plain(self.heading()), id="signin-title", markup=False)
            yield Static(plain(self.intro()), id="signin-intro", markup=False)
            for key, label, secret in self.FIELDS:
                with Horizontal(id=f"{self._field_id(key)}-row", classes="signin-row"):
                    yield Label(plain(label), classes="signin-label", markup=False)
                    yield Input(id=self._field_id(key), password=secret, max_length=200, compact=True,
                                classes="signin-input")
            yield Static(plain(self.first_message), id=self._field_id("message"), classes="signin-message", markup=False)
            yield Static(plain(self.keys_text()), id="signin-keys", markup=False)

    def heading(self) -> str:
        store = self.shop.store_name or "shoptui"
        return f"{store} · {self.TITLE_TEXT}"

    def intro(self) -> str:
        return ""

    def keys_text(self) -> str:
        return "Enter: next / go on · Esc or ctrl+q: quit"

    def on_mount(self) -> None:
        for key, _label, _secret in self.FIELDS:
            self._show_field(key, key in self.FIRST)
        self.watch(self.shop, "store_problem", self._store_problem, init=False)
        self.watch(self.shop, "store_name", self._store_named, init=False)
        self.query_one("#signin-intro", Static).display = bool(self.intro())
        self._focus_first_empty()

    def _store_problem(self, problem: str) -> None:
        if problem:
            self.say(problem, error=True)

    def _store_named(self, _name: str) -> None:
        self.query_one("#signin-title", Static).update(plain(self.heading()))

    def ready(self, message: str = "") -> None:
        """The app knows the store: take input (after the "opening the store" wait)."""
        self.checking = False
        if message:
            self.say(message)
        if self._submit_when_ready:
            self._submit_when_ready = False
            self.submit()
        elif self.focused is None:
            self._focus_first_empty()

    def _show_field(self, key: str, shown: bool) -> None:
        self.query_one(f"#{self._field_id(key)}-row", Horizontal).display = shown

    def field(self, key: str) -> Input:
        return self.query_one(f"#{self._field_id(key)}", Input)

    def value(self, key: str) -> str:
        return self.field(key).value

    def shown_keys(self) -> list[str]:
        return [key for key, _l, _s in self.FIELDS if self.shows(key)]

    def shows(self, key: str) -> bool:
        """Whether the input ``key`` is on screen now (a later step's are hidden until asked for)."""
        return bool(self.query_one(f"#{self._field_id(key)}-row", Horizontal).display)

    def _focus_first_empty(self) -> None:
        for key in self.shown_keys():
            if not self.value(key):
                self.field(key).focus()
                return
        keys = self.shown_keys()
        if keys:
            self.field(keys[-1]).focus()

    def say(self, text: str, *, error: bool = False) -> None:
        """Show ``text`` on the message line (user text: plain, never markup)."""
        line = self.query_one(f"#{self._field_id('message')}", Static)
        line.update(plain(text))
        line.set_class(error, "-error")

    def reveal(self, key: str, *more: str) -> None:
        """Show a further step's inputs and put the cursor in the first."""
        for name in (key, *more):
            self._show_field(name, True)
            self.field(name).value = ""
        self.field(key).focus()

    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        event.stop()
        keys = self.shown_keys()
        current = next((k for k in keys if self.field(k) is event.input), None)
        empty = [k for k in keys if not self.value(k)]
        if current is not None and current != keys[-1] and empty:
            self._focus_first_empty()
            return
        self.submit()

    def submit(self) -> None:
        """Check what the face can (a field left empty, two new passwords that differ), then ask the store."""
        if self.busy:
            return
        if self.checking:
            self._submit_when_ready = True
            return
        for key in self.shown_keys():
            if not self.value(key).strip():
                label = next(label for k, label, _s in self.FIELDS if k == key)
                self.say(f"Type the {label.lower().rstrip(':')} first.", error=True)
                self.field(key).focus()
                return
        problem = self.check()
        if problem:
            self.say(problem, error=True)
            return
        self.busy = True
        self.say("Checking…")
        self.attempt({key: self.value(key) for key in self.shown_keys()})

    def check(self) -> str:
        """A problem the face sees before asking the store ("" for none)."""
        keys = self.shown_keys()
        if "new-password" in keys and self.value("new-password") != self.value("new-password-again"):
            return DIFFERENT
        return ""

    @work(thread=True, exclusive=True, group="sign-in", exit_on_error=False)
    def attempt(self, values: dict[str, str]) -> None:
        """One attempt, one transaction (committed even when refused: the failure is recorded)."""
        try:
            result = self.ask(values)
        except ShopError as exc:
            self.post_message(Refused(str(exc), exc.field))
            return
        except Exception:
            self.busy = False
            raise  # reported by the app: logged, "Something went wrong"
        self.post_message(Answered(result))

    def ask(self, values: dict[str, str]) -> LoginResult:
        """Runs in the worker: call the services, return what they answered."""
        raise NotImplementedError

    def _login(self, name: str, values: dict[str, str]) -> LoginResult:
        from shoptui import db, signin
        from shoptui.services import staff

        password = values.get("password", "")
        code = values.get("code") or None
        new_password = values.get("new-password") or None

        def unit(session: Session) -> LoginResult:
            return staff.login(session=session, name=name, password=password, code=code, new_password=new_password,
                               source=signin.face_source("tui"), address=signin.client_address(), label="tui")

        return db.run_transaction(unit, self.shop.db_url)

    @on(Answered)
    def _answered(self, event: Answered) -> None:
        result = event.result
        if result.ok:
            self.say("Welcome, opening the shop…")
            self.shop.adopt_login(result, save=self.keeps_session())
            return
        self.busy = False
        if result.needs_code and self.has_field("code"):
            first = not self.shows("code")
            if first:
                self.reveal("code")
            else:
                self.field("code").value = ""
                self.field("code").focus()
            self.say(result.message, error=not first)
        elif result.must_change_password and self.has_field("new-password"):
            first = not self.shows("new-password")
            if first:
                self.reveal("new-password", "new-password-again")
            self.say(result.message, error=not first)
        else:
            self.wrong()
            self.say(result.message, error=True)

    def has_field(self, key: str) -> bool:
        return any(k == key for k, _l, _s in self.FIELDS)

    def wrong(self) -> None:
        """A refused password: clear it, keep the name, cursor back in the password."""
        secret = "password" if "password" in self.shown_keys() else ""
        if secret:
            self.field(secret).value = ""
            self.field(secret).focus()

    @on(Refused)
    def _refused(self, event: Refused) -> None:
        self.busy = False
        self.say(event.sentence, error=True)
        target = {"new_password": "new-password", "password": "password", "name": "name", "pin": "password",
                  "code": "code"}.get(event.field or "", "")
        if target and target in self.shown_keys():
            self.field(target).focus()

    def is_pin(self) -> bool:
        return False

    def keeps_session(self) -> bool:
        """Whether this login becomes the terminal's saved session (as `shoptui login`; never a PIN's)."""
        return not self.is_pin()

    def action_leave(self) -> None:
        """Leave shoptui."""
        self.app.exit()


class OwnerScreen(SignInScreen):
    """The first run: the store has no account; make the owner's (then log in as them)."""

    PREFIX = "owner"
    TITLE_TEXT = "Create the owner account"
    FIELDS = (("name", "Account name", False), ("password", "Password", True),
              ("password-again", "Again", True))
    FIRST = ("name", "password", "password-again")

    def intro(self) -> str:
        return ("This store has no staff accounts yet. Choose the owner's account name and a password: the owner "
                "may do everything and adds the other accounts (Staff).")

    def check(self) -> str:
        if self.value("password") != self.value("password-again"):
            return "The two passwords differ; type the same one twice."
        return ""

    def ask(self, values: dict[str, str]) -> LoginResult:
        from shoptui import db, signin
        from shoptui.services import staff

        name, password = values["name"], values["password"]

        def unit(session: Session) -> LoginResult:
            source, address = signin.face_source("tui"), signin.client_address()
            made = staff.init_owner(session=session, name=name, password=password, source=source, address=address)
            return staff.login(session=session, name=made.name, password=password, source=source, address=address,
                               label="tui")

        return db.run_transaction(unit, self.shop.db_url)

    def wrong(self) -> None:
        self.field("password").focus()


class LoginScreen(SignInScreen):
    """Account and password, then the two-factor code, then a new password when one must be chosen."""

    PREFIX = "login"
    TITLE_TEXT = "Log in"
    FIELDS = (("name", "Account name", False), ("password", "Password", True),
              ("code", "Code", False),
              ("new-password", "New password", True), ("new-password-again", "Again", True))
    FIRST = ("name", "password")

    def ask(self, values: dict[str, str]) -> LoginResult:
        return self._login(values["name"], values)


class SwitchUser(SignInScreen):
    """Switch the account at this terminal: a name and a PIN (the counter's permissions only) or a password."""

    PREFIX = "switch"
    TITLE_TEXT = "Switch user"
    FIELDS = (("name", "Account name", False), ("password", "Password/PIN", True),
              ("code", "Code", False),
              ("new-password", "New password", True), ("new-password-again", "Again", True))
    FIRST = ("name", "password")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Cancel", id="switch-cancel", tooltip="Stay as you are."),
    ]

    def __init__(self, name: str = "", message: str = "") -> None:
        super().__init__(message)
        self.start_name = name

    def on_mount(self) -> None:
        self.field("name").value = self.start_name
        super().on_mount()

    def keys_text(self) -> str:
        return "Enter: next / switch · Esc: cancel"

    def is_pin(self) -> bool:
        return bool(PIN.fullmatch(self.value("password"))) and not self.shows("code")

    def ask(self, values: dict[str, str]) -> LoginResult:
        name, secret = values["name"], values["password"]
        if PIN.fullmatch(secret) and "code" not in values:
            from shoptui import db, signin
            from shoptui.services import staff

            def unit(session: Session) -> LoginResult:
                return staff.pin_switch(session=session, name=name, pin=secret, source=signin.face_source("tui"),
                                        address=signin.client_address())

            return db.run_transaction(unit, self.shop.db_url)
        return self._login(name, values)

    def action_leave(self) -> None:
        """Close without switching."""
        self.dismiss(None)


class SwitchUserDialog(SwitchUser, ModalScreen[None]):
    """The switch-user dialog (F11), over the screen the operator is in."""

    PREFIX = "switch"


class LockScreen(SwitchUser, ModalScreen[None]):
    """The idle lock: over whatever was open (kept as it was), hiding it; the account's password unlocks it,
    another account's password or PIN switches to them. Escape does nothing; ctrl+q still quits."""

    PREFIX = "lock"
    TITLE_TEXT = "Locked"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "stay", "Locked", show=False, id="lock-stay", tooltip="The screen stays locked."),
    ]

    def intro(self) -> str:
        return (f"Locked after {self.shop.idle_text()} without a key press. Type your password to go on, or another "
                "account's name and password or PIN to switch user.")

    def keys_text(self) -> str:
        return "Enter: unlock · ctrl+q: quit"

    def on_mount(self) -> None:
        super().on_mount()
        self.field("password").focus()

    def keeps_session(self) -> bool:
        """An unlock replaces the saved session only when the app was using it (not SHOPTUI_TOKEN's)."""
        return not self.is_pin() and self.shop.token_origin in ("file", "")

    def action_stay(self) -> None:
        """The lock stays until a password or PIN is typed."""
