"""ShopApp: the shell around every screen — modes from the module registry, search, live notifications.

Start-up order (the first paint must not wait for the database; ``import sqlmodel`` alone costs
about half a second):

1. Importing this module loads Textual and the stdlib-only module registry — never SQLModel,
   SQLAlchemy or the services. Screens are imported by their mode factory on first visit.
2. The default mode (the dashboard) is composed and painted.
3. After the first refresh, workers import the services and open the store: the shell worker
   reads the store view (name, currency, time zone: ``app.store_view``) and the notification state; the dashboard loads its figures.
4. Live refresh: one worker waits on the store-change signal (``shoptui/store/changes.py``: SQLite
   ``PRAGMA data_version``, PostgreSQL ``LISTEN shoptui_changed``). When another terminal or a cron
   command commits, it reads which entities changed from the audit log
   (``dashboard.changes_since``) and posts :class:`ShopApp.StoreChanged`: the app probes the
   notifications (toasts, the bell) and hands the change to the screens shown, which reload only
   when they show one of the entities changed (``ShopScreen.LIVE``). At most one refresh per
   ``poll_seconds``; an idle store costs no read and no redraw. A lost store shows "store
   unreachable, retrying" in the top bar until it is back; then every screen shown reloads.

Signing in (``tui/screens/login.py``): the app acts as nobody (every change refused) until a login is
checked. With a valid ``SHOPTUI_TOKEN`` or saved session the shell loads at once; without one the first-run
owner screen (a store with no account) or the login screen comes before anything else (always the login
for the web face, which never uses a token of this machine). After ``idle_lock_minutes`` (setting) without
a key or mouse event the lock screen covers whatever is open, which stays as it was; F11 switches user
(name and PIN: the counter's permissions only, or name and password).

The account API every screen uses (the Staff screen too):

- ``app.actor``: the ``Actor`` to pass to every service that writes (the logged-in account).
- ``app.grants``: the permissions it holds (``frozenset`` of names from ``shop.PERMISSIONS``), read once
  after each login or switch; ``app.may(permission)`` asks one; ``app.may_open(entry)`` whether a sidebar
  entry (``modules.Screen.permissions``) is of use to it.
- ``app.signed_in``: a ``Signal`` published with the actor after each login, unlock or switch (the
  sidebar, the footers and the top bar refresh on it); ``app.account``: who is logged in, as the top bar
  shows it ("mei · Clerk · PIN").
- ``app.adopt_login(result, save=...)``: take a successful ``staff.login``/``pin_switch`` result as this
  terminal's account (keeps or saves the session, revokes the one it replaces).
- ``app.lock()``, ``action_switch_user()``: the lock screen and the switch dialog.
- Screens declare ``PERMISSIONS = {"action": "permission"}`` (``screens/base.py``): the keys of actions the
  account may not take are greyed. The services still refuse; a refusal (``NotAllowed``) is shown as an
  error and written to the audit log (:meth:`report_error`, :meth:`note_refusal`).

The services are only ever called inside ``@work(thread=True)`` workers; the UI thread never
opens a session. A worker that fails is reported once by :meth:`ShopApp.report_error`: a
``ShopError`` shows its sentence, anything else is logged with its traceback and shown as
"Something went wrong".
"""

from __future__ import annotations

import gc
import logging
import os
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on, work
from textual.app import App, ScreenStackError
from textual.binding import Binding, BindingsMap, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen
from textual.signal import Signal
from textual.worker import Worker, WorkerState, get_current_worker

from shoptui import clock, modules
from shoptui.config import Actor
from shoptui.errors import NotAllowed, NotLoggedIn, ShopError
from shoptui.tui import preferences
from shoptui.tui.commands import ShopCommands
from shoptui.tui.store_view import STORE_KEYS, StoreView, from_values
from shoptui.tui.text import shown
from shoptui.tui.widgets.sidebar import sidebar_order

if TYPE_CHECKING:
    from sqlmodel import Session
    from textual.notifications import SeverityLevel

    from shoptui.modules import Screen as ScreenEntry
    from shoptui.services.shop import NotificationRead, SearchHit
    from shoptui.services.staff import LoginResult

log = logging.getLogger("shoptui.tui")

SIDEBAR_COLLAPSE_BELOW = 100
"""Terminal width (columns) under which the sidebar starts collapsed."""


@dataclass(frozen=True)
class Announcement:
    """A message the app showed as a toast this session (kept in the notification centre)."""

    at: datetime
    text: str
    severity: str


@dataclass(frozen=True)
class Toast:
    """A toast the app showed, as the operator read it (every toast goes through :meth:`ShopApp.notify`)."""

    message: str
    title: str
    severity: str


def stylesheets() -> list[str | PurePath]:
    """The shell's stylesheet, then one per domain folder of screens (a new domain's is picked up by its place)."""
    here = Path(__file__).parent
    return [here / "app.tcss", *sorted(here.glob("screens/*/*.tcss"))]


def _load_screen(target: str) -> Screen[Any]:
    """A mode factory: import the screen class named by the registry and make one."""
    screen_class: type[Screen[Any]] = modules.load(target)  # the registry names Screen classes
    return screen_class()


class ShopApp(App[None]):
    """The shop's back office: top bar, sidebar of modules, one mode per registered screen."""

    CSS_PATH = stylesheets()
    """The app's look: ``app.tcss`` then each domain's ``screens/<domain>/<domain>.tcss``. Absolute, so a
    subclass defined elsewhere (a benchmark's, a test's) finds them too."""
    TITLE = "shoptui"
    COMMANDS = App.COMMANDS | {ShopCommands}
    DEFAULT_MODE = "dashboard"
    ENABLE_COMMAND_PALETTE = True
    NOTIFICATION_TIMEOUT = 6

    BINDINGS: ClassVar[list[BindingType]] = [
        # F1 and ? are priority keys so they also work in every dialog (a modal screen hides the app's
        # other keys); ? gives way to a field that types it.
        Binding("f1", "help", "Keys", priority=True, id="help",
                tooltip="Show every key of this screen or dialog (F1 or ?)."),
        Binding("question_mark", "help_unless_typing", "Keys", show=False, priority=True, id="help-question",
                tooltip="Show every key of this screen or dialog (? where no field takes it, F1 anywhere)."),
        Binding("slash,ctrl+k", "focus_search", "Search", id="search",
                tooltip="Search every module: products, orders, members (/ or ctrl+k)."),
        Binding("ctrl+n", "notifications", "Inbox", id="notifications",
                tooltip="Open the notification centre: newest first, mark read, open the record."),
        Binding("ctrl+t", "toggle_sidebar", "Sidebar", id="sidebar", tooltip="Make the sidebar of modules narrow (short names and keys) or wide."),
        Binding("f11,ctrl+backslash", "switch_user", "User", id="switch-user",
                tooltip="Switch user at this terminal: a name and PIN (counter only) or password (F11 or ctrl+\\)."),
        Binding("ctrl+q", "quit", "Quit", priority=True, id="quit", tooltip="Leave shoptui."),
        Binding("escape", "hide_help", "Hide keys", show=False, id="hide-help", tooltip="Hide the list of keys."),
        # Tab moves the focus as the app reads the key, before the keys typed after it are routed: as
        # the screen's (non-priority) binding it ran only once the tab had bubbled back up from the
        # focused field, and a fast typist's or a scanner's next keys had by then gone to the old field
        # (`Lucy<Tab>137...` all in Name). No shoptui widget uses tab itself (TextAreas keep tab_behavior="focus").
        Binding("tab", "focus_next", "Next field", show=False, priority=True, id="focus-next",
                tooltip="Move to the next field or list."),
        Binding("shift+tab", "focus_previous", "Previous field", show=False, priority=True, id="focus-previous",
                tooltip="Move back to the previous field or list."),
    ]

    store_name: reactive[str] = reactive("")
    logo_path: reactive[str] = reactive("")  # the store's logo file, drawn in the top bar and on the dashboard
    """The store's name from its settings ("" until the store has been read)."""
    timezone_name: reactive[str] = reactive("")
    """The store's time zone ("" until the store has been read)."""
    unread: reactive[int] = reactive(0)
    """Unread notifications in the store."""
    sidebar_collapsed: reactive[bool] = reactive(False)
    """Whether the sidebar is narrow: short names and keys."""
    store_problem: reactive[str] = reactive("")
    """The sentence of a ShopError that kept the store from opening ("" when it is open)."""
    store_unreachable: reactive[bool] = reactive(False)
    """True while the live-refresh connection to the store is lost (the top bar says so; retried)."""
    account: reactive[str] = reactive("")
    """Who is logged in as the top bar shows it: "mei · Clerk", "mei · Clerk · PIN" ("" before a login)."""

    @dataclass
    class ShellLoaded(Message):
        """The store was opened: its view (name, currency, time zone) and notification state were read."""

        view: StoreView
        latest_id: int
        unread: int
        logo: str = ""  # the logo's file in the media folder, "" when there is none (or it is missing)

    @dataclass
    class LoginNeeded(Message):
        """No valid session or token: the first-run screen (``first_run``) or the login screen, with why."""

        first_run: bool
        message: str
        store_name: str

    @dataclass
    class SignedIn(Message):
        """An account was checked (a token at start-up, a login, an unlock, a switch): who, and what they may do."""

        actor: Actor
        grants: frozenset[str]
        idle_minutes: int
        notices: list[str] = field(default_factory=list)
        must_enrol: bool = False
        first_run: bool = False
        reload: bool = False
        """True after a login on a sign-in screen: the shell reads the store view and notifications again."""

    @dataclass
    class DemoLoaded(Message):
        """The demo was loaded into the empty store behind the first run (``--demo-if-empty``): what it says."""

        lines: list[str]

    @dataclass
    class NotificationsPolled(Message):
        """A live-refresh probe finished: the newest id, the unread count and what is new."""

        latest_id: int
        unread: int
        new: list[NotificationRead] = field(default_factory=list)

    @dataclass
    class StoreChanged(Message):
        """Another connection committed: the audit entities it changed (``ANY``: anything may have)."""

        entities: frozenset[str]

    @dataclass
    class StoreReachable(Message):
        """The live-refresh connection was lost (``problem``: its sentence) or is back (``problem`` "")."""

        problem: str

    ANY = "*"
    """In :attr:`StoreChanged.entities`: anything may have changed (the store was away meanwhile)."""
    RETRY_SECONDS = (0.5, 1.0, 2.0, 5.0)
    """Pauses between attempts to reach a lost store (the last one repeats)."""

    def __init__(self, db_url: str | None = None, *, poll_seconds: float = 0.25, idle_seconds: float | None = None,
                 demo_if_empty: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.db_url = db_url
        """The store URL every worker opens (``None``: resolved by ``db`` from env and config)."""
        from shoptui import signin

        self.actor = Actor(name="(not logged in)", source=signin.face_source("tui"), address=signin.client_address(),
                           role="nobody")
        """Who makes the changes of this session; passed to every service that writes. Nobody (refused every
        change) until the login is checked (:meth:`load_shell`)."""
        self.grants: frozenset[str] = frozenset()
        """The permissions ``actor`` holds (read after each login or switch; empty while nobody is logged in)."""
        self.signed_in: Signal[Actor] = Signal(self, "signed-in")
        """Published with the new actor after every login, unlock or switch of user."""
        self.idle_seconds = idle_seconds
        """The idle lock's delay in seconds; None: the store's ``idle_lock_minutes`` setting (0: never)."""
        self.demo_if_empty = demo_if_empty
        """Load the demo behind the first run's owner account (``shoptui --demo-if-empty``, ``make run``)."""
        self._idle_limit = 0.0
        self._idle_timer: Any = None
        self.last_input = time.monotonic()
        """When the operator last pressed a key or used the mouse (``time.monotonic``; the idle lock reads it)."""
        self._token: str | None = None
        self._token_origin = ""  # "env": SHOPTUI_TOKEN, "file": the saved session, "app": made by this app only
        self._file_token: str | None = None
        self._checked = False  # the actor's grants were read (load_shell), or a login was adopted
        self.poll_seconds = poll_seconds
        """At most one live refresh per this many seconds (SQLite's signal is looked at as often, up to 5 times a second)."""
        self.live_refreshes = 0
        """How many store changes this app has handled (tests and benchmarks wait for it)."""
        self._watch_stop = threading.Event()
        self._watch_thread: threading.Thread | None = None
        """How many store changes this app has handled (tests and benchmarks wait for it)."""
        self.screen_entries = sidebar_order(modules.screens(), self.DEFAULT_MODE)
        """The sidebar entries of every registered module, in sidebar order (by key)."""
        self.announcements: deque[Announcement] = deque(maxlen=50)
        self.toasts: deque[Toast] = deque(maxlen=50)
        """The last toasts shown, oldest first (kept after they fade; what tests and embeddings read)."""
        self.notifications_changed: Signal[int] = Signal(self, "notifications-changed")
        """Published with the newest id whenever the store's notifications or unread count change."""
        self.announcements_changed: Signal[Announcement] = Signal(self, "announcements-changed")
        self.latest_notification_id: int | None = None
        self.store_view = StoreView()
        """The store's name, currency and time zone as every screen shows them (read by :meth:`load_shell`)."""
        self._sidebar_chosen = False
        self._recent_errors: dict[str, float] = {}
        for entry in self.screen_entries:
            self.add_mode(entry.mode, partial(_load_screen, entry.target))
        self._bindings = BindingsMap.merge([self._bindings, BindingsMap(self._mode_bindings())])
        self.preference_problems = preferences.apply(self)
        """What was wrong with the operator's theme or keymap file (shown as warnings once mounted)."""

    def _mode_bindings(self) -> list[Binding]:
        """One key per sidebar entry (shown in the sidebar, so hidden in the footer)."""
        return [
            Binding(entry.key, f"go({entry.mode!r})", entry.label, show=False, id=f"go-{entry.mode}",
                    tooltip=f"Open {entry.label}.")
            for entry in self.screen_entries
        ]

    # ------------------------------------------------------------ start-up

    def on_mount(self) -> None:
        self.sidebar_collapsed = self.size.width < SIDEBAR_COLLAPSE_BELOW
        for problem in self.preference_problems:
            self.announce(problem, "warning")
        if not self.logged_in and self._no_token_here():  # nothing to check: the login comes before the first paint
            from shoptui.tui.screens.login import LoginScreen

            self.push_screen(LoginScreen("Opening the store…", checking=True))
        self.call_after_refresh(self._after_first_paint)

    def _no_token_here(self) -> bool:
        """True when this face has no token to try at all (no store read: the environment and the session file)."""
        from shoptui import sessionfile, signin

        if signin.face_source("tui") == "web":
            return True
        if os.environ.get(sessionfile.ENV_TOKEN, "").strip():
            return False
        try:
            return not sessionfile.path_for(self._url()).exists()
        except ShopError:
            return False

    def _url(self) -> str:
        from shoptui.config import resolve_database_url

        return self.db_url or resolve_database_url(None)

    def _after_first_paint(self) -> None:
        self.load_shell()

    def reload_shell(self) -> None:
        """Read the store view and the notification state again (after settings change)."""
        self.load_shell()

    @property
    def token_origin(self) -> str:
        """Where the session in use came from: "env" (SHOPTUI_TOKEN), "file" (saved), "app" (this app only)."""
        return self._token_origin

    @property
    def logged_in(self) -> bool:
        """True once an account is checked (a token at start-up, or a login)."""
        return self.actor.role != "nobody"

    @work(thread=True, exclusive=True, group="shell", exit_on_error=False)
    def load_shell(self) -> None:
        """Open the store, check who is logged in (else ask: LoginNeeded), and read what the top bar shows."""
        from shoptui import db, sessionfile, signin
        from shoptui.services import shop, staff  # light: no table classes while the dashboard fills in

        url = self._url()
        actor = self.actor
        if not self._checked and self.logged_in:  # an embedding (a test, a benchmark) gave the actor itself
            self._checked = True
            self.post_message(self._signed_in_message(actor))
        elif not self.logged_in:
            web = signin.face_source("tui") == "web"
            explicit = "" if web else os.environ.get(sessionfile.ENV_TOKEN, "").strip()
            try:
                token = explicit or (None if web else sessionfile.read(url))
                if not token:
                    raise NotLoggedIn("")
                found = signin.authenticate(url, token, face="tui")
            except NotLoggedIn as exc:
                with db.read_session(self.db_url) as session:
                    first_run = not staff.has_accounts(session=session)
                    name = str(shop.store_values(session, "name").get("name") or "")
                self.post_message(self.LoginNeeded(first_run, "" if first_run else str(exc), name))
                return
            assert found.actor is not None
            actor = found.actor
            self._checked = True
            self._token, self._token_origin = token, "env" if explicit else "file"
            self._file_token = None if explicit else token
            self.post_message(self._signed_in_message(actor, must_enrol=found.must_enrol))
        with db.read_session(self.db_url) as session:
            view = from_values(shop.store_values(session, *STORE_KEYS))
            latest = shop.latest_notification_id(session=session)
            unread = shop.unread_notifications(session=session, role=actor.role)
            logo = str(shop.get(session=session, key="logo") or "")
            logo_file = shop.media_path(shop.media_folder(session), logo) if logo else None
        shown_logo = str(logo_file) if logo_file is not None and logo_file.is_file() else ""
        self.post_message(self.ShellLoaded(view, latest, unread, shown_logo))

    def _signed_in_message(self, actor: Actor, *, notices: list[str] | None = None, must_enrol: bool = False,
                           first_run: bool = False, reload: bool = False) -> SignedIn:
        """Runs in a worker: what ``actor`` may do and the idle lock's setting, read once."""
        from shoptui import db
        from shoptui.services import shop

        with db.read_session(self.db_url) as session:
            held = frozenset(name for name in shop.PERMISSIONS
                             if shop.allowed(session=session, actor=actor, permission=name))
            try:
                idle = int(shop.get(session=session, key="idle_lock_minutes") or 0)
            except ShopError:  # the staff module's settings are not installed: no idle lock
                idle = 0
        return self.SignedIn(actor, held, idle, list(notices or []), must_enrol, first_run, reload)

    @on(LoginNeeded)
    def _login_needed(self, event: LoginNeeded) -> None:
        from shoptui.tui.screens.login import LoginScreen, OwnerScreen, SignInScreen

        if event.store_name:
            self.store_name = event.store_name
            self.title = shown(event.store_name)
        wanted = OwnerScreen if event.first_run else LoginScreen
        top = self.screen
        if isinstance(top, wanted):
            top.ready(event.message)
            return
        screen = wanted(event.message)
        if isinstance(top, SignInScreen) and not top.is_modal:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def adopt_login(self, result: LoginResult, *, save: bool) -> None:
        """Take a successful login (or PIN switch) as this terminal's account: see :meth:`_adopt`."""
        from shoptui.tui.screens.login import OwnerScreen

        first_run = any(isinstance(screen, OwnerScreen) for screen in self.screen_stack)
        self._adopt(result, save, first_run)

    @work(thread=True, group="sign-in", exit_on_error=False)
    def _adopt(self, result: LoginResult, save: bool, first_run: bool) -> None:
        """Keep the new session (saved as this terminal's login unless web or a PIN switch), revoke the one it
        replaces when this app made or saved it (never an API token given in SHOPTUI_TOKEN), read the grants."""
        from shoptui import sessionfile, signin

        assert result.token is not None and result.actor is not None and result.staff is not None
        self._checked = True
        url = self._url()
        retire: list[str] = []
        old, origin = self._token, self._token_origin
        if old and origin == "app":
            retire.append(old)
        if save and signin.face_source("tui") != "web":
            if self._file_token and self._file_token not in retire:
                retire.append(self._file_token)
            sessionfile.write(url, result.token, name=result.staff.name, expires_at=result.expires_at)
            self._token, self._token_origin, self._file_token = result.token, "file", result.token
        else:
            self._token, self._token_origin = result.token, "app"
        _retire(url, [token for token in retire if token != result.token], self.actor)
        self.post_message(self._signed_in_message(result.actor, notices=result.notices, must_enrol=result.must_enrol,
                                                  first_run=first_run, reload=True))

    @on(SignedIn)
    def _signed_in(self, event: SignedIn) -> None:
        from shoptui.services.shop import ROLES  # already imported by the worker that posted this
        from shoptui.tui.screens.login import SignInScreen

        self.actor = event.actor
        self.grants = event.grants
        role = ROLES.get(event.actor.role, event.actor.role.replace("_", " ").capitalize())
        self.account = " · ".join(part for part in (event.actor.name, role,
                                                    "PIN" if event.actor.scope == "counter" else "") if part)
        self.idle_lock_after(self.idle_seconds if self.idle_seconds is not None else event.idle_minutes * 60.0)
        while isinstance(self.screen, SignInScreen) and len(self.screen_stack) > 1:
            self.pop_screen()
        self.signed_in.publish(event.actor)
        for notice in event.notices:
            self.announce(notice, "warning")
        if event.must_enrol:
            self.announce("The owner requires two-factor for every account: enrol now (Staff → My account, or "
                          "`shoptui staff 2fa enrol`).", "warning")
        entry = next((e for e in self.screen_entries if e.mode == self.current_mode), None)
        if entry is not None and not self.may_open(entry):
            self.call_later(self.action_go, self.DEFAULT_MODE)
        if event.reload:
            self.load_shell()
            if event.first_run and self.demo_if_empty:
                self.announce("Loading the demo store behind your account…")
                self.load_demo()

    def may(self, permission: str) -> bool:
        """True when the logged-in account holds ``permission`` (see ``shop.PERMISSIONS``)."""
        return permission in self.grants

    def may_open(self, entry: ScreenEntry) -> bool:
        """True when a sidebar entry is of use to the account (it holds one of the entry's permissions)."""
        return not entry.permissions or any(self.may(p) for p in entry.permissions)

    @work(thread=True, group="demo", exit_on_error=False)
    def load_demo(self) -> None:
        """``shoptui demo load --if-empty`` behind the first run: the demo catalogue, stock, orders, members..."""
        from shoptui import demo

        lines = demo.load_if_empty(self.db_url, self.actor)
        self.post_message(self.DemoLoaded(lines))

    @on(DemoLoaded)
    def _demo_loaded(self, event: DemoLoaded) -> None:
        self.announce(event.lines[0] if event.lines else "The store already had products: no demo was loaded.")
        self.post_message(self.StoreChanged(frozenset({self.ANY})))

    # ------------------------------------------------------------ idle lock, switching user

    def idle_lock_after(self, seconds: float) -> None:
        """Lock the screen after ``seconds`` without a key or mouse event from now on (0: never)."""
        self._idle_limit = max(0.0, seconds)
        self.last_input = time.monotonic()
        if self._idle_timer is not None:
            self._idle_timer.stop()
            self._idle_timer = None
        if self._idle_limit > 0:
            self._idle_timer = self.set_interval(max(0.02, min(self._idle_limit / 4, 5.0)), self._check_idle)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp,
                              events.MouseMove, events.Paste)):
            self.last_input = time.monotonic()
        await super().on_event(event)

    def _check_idle(self) -> None:
        if self._idle_limit > 0 and time.monotonic() - self.last_input >= self._idle_limit:
            self.lock()

    @property
    def locked(self) -> bool:
        """True while a sign-in screen (the lock, the login) covers the shop."""
        from shoptui.tui.screens.login import SignInScreen

        try:
            return any(isinstance(screen, SignInScreen) for screen in self.screen_stack)
        except ScreenStackError:
            return False

    def lock(self) -> None:
        """Cover whatever is open with the lock screen (it stays underneath as it is)."""
        from shoptui.tui.screens.login import LockScreen

        if not self.logged_in or self.locked:
            return
        self.push_screen(LockScreen(self.actor.name))

    def idle_text(self) -> str:
        """The idle lock's delay as the lock screen says it."""
        seconds = self._idle_limit
        if seconds >= 60:
            minutes = round(seconds / 60)
            return f"{minutes} minute{'s' if minutes != 1 else ''}"
        return f"{seconds:g} seconds"

    def action_switch_user(self) -> None:
        """Open the switch-user dialog (name and PIN, or name and password)."""
        from shoptui.tui.screens.login import SwitchUserDialog

        if self.logged_in and not self.locked:
            self.push_screen(SwitchUserDialog())

    def action_lock(self) -> None:
        """Lock the screen now (the command palette's "lock")."""
        self.lock()

    def note_refusal(self, error: NotAllowed) -> None:
        """Write a refused permission to the audit log (and the owner's notifications), in a worker."""
        self._record_refusal(error)

    @work(thread=True, group="refusals", exit_on_error=False)
    def _record_refusal(self, error: NotAllowed) -> None:
        from shoptui import signin

        signin.record_refusal(self._url(), self.actor, error)

    @on(ShellLoaded)
    def _shell_loaded(self, event: ShellLoaded) -> None:
        self.store_problem = ""
        self.store_view = event.view
        self.store_name = event.view.name
        self.logo_path = event.logo
        self.title = shown(event.view.name)  # also the terminal window's title: no escape codes in it
        self.timezone_name = event.view.timezone
        first = self.latest_notification_id is None
        changed = event.latest_id != self.latest_notification_id or event.unread != self.unread
        self.unread = event.unread
        self.latest_notification_id = event.latest_id
        if changed and not first:  # at start-up the screens read the same state themselves
            self.notifications_changed.publish(event.latest_id)
        if first:
            self.watch_store()

    # ------------------------------------------------------------ live notifications

    def watch_store(self) -> None:
        """Start following the store: one daemon thread (not a worker: it runs as long as the app does)."""
        if self._watch_thread is not None:
            return
        self._watch_thread = threading.Thread(target=self._watch_store, name="shoptui-store-watch", daemon=True)
        self._watch_thread.start()

    def on_unmount(self) -> None:
        if self._token and self._token_origin == "app":  # a session only this app knew (a PIN switch, the web)
            ending = threading.Thread(target=_retire, args=(self._url(), [self._token], self.actor),
                                      name="shoptui-logout", daemon=True)
            ending.start()
            ending.join(timeout=2)
        self._watch_stop.set()  # the thread lets go of its connection within half a second
        if self._watch_thread is not None:
            self._watch_thread.join(timeout=2)
        gc.unfreeze()  # what the screens froze (ShopScreen's _freeze_long_lived) can be collected again

    def _watch_store(self) -> None:
        """Wait for other connections' commits; post what they changed (see the module's doc, step 4)."""
        from shoptui import db
        from shoptui.config import resolve_database_url
        from shoptui.services import shop
        from shoptui.store import changes

        worker = self._watch_stop
        url = resolve_database_url(self.db_url)
        interval = max(0.02, min(self.poll_seconds, 0.2))
        watcher: changes.Watcher | None = None
        audit_id: int | None = None
        seen: frozenset[int] = frozenset()
        lost = False
        failures = 0
        next_at = time.monotonic() + self.poll_seconds
        try:
            while not worker.is_set():
                try:
                    if watcher is None:
                        watcher = changes.Watcher(url, interval=interval)
                        with db.read_session(self.db_url) as session:
                            audit_id, seen, _ = shop.changes_since(session=session, after_id=None)
                        if lost:
                            lost, failures = False, 0
                            self.post_message(self.StoreReachable(""))
                            self.post_message(self.StoreChanged(frozenset({self.ANY})))
                    if not watcher.wait(0.5):
                        continue
                    pause = next_at - time.monotonic()
                    while pause > 0 and not worker.is_set():  # at most one refresh per poll_seconds
                        worker.wait(min(pause, 0.5))
                        pause = next_at - time.monotonic()
                    with db.read_session(self.db_url) as session:
                        audit_id, seen, entities = shop.changes_since(session=session, after_id=audit_id,
                                                                           seen=seen)
                    next_at = time.monotonic() + self.poll_seconds
                    if not worker.is_set():
                        self.post_message(self.StoreChanged(frozenset(entities)))
                except Exception as exc:  # the server went away, the file vanished: say so and retry
                    if watcher is not None:
                        watcher.close()
                        watcher = None
                    if not lost:
                        lost = True
                        log.warning("store unreachable: %s", exc)
                        self.post_message(self.StoreReachable(str(exc) if isinstance(exc, ShopError) else
                                                              f"The store cannot be reached ({type(exc).__name__})."))
                    pause = self.RETRY_SECONDS[min(failures, len(self.RETRY_SECONDS) - 1)]
                    failures += 1
                    until_at = time.monotonic() + pause
                    while not worker.is_set() and time.monotonic() < until_at:
                        worker.wait(0.05)
        finally:
            if watcher is not None:
                watcher.close()

    @on(StoreChanged)
    def _store_changed(self, event: StoreChanged) -> None:
        """Probe the notifications, then let every screen shown reload what it shows of the change."""
        self.live_refreshes += 1
        self._probe_notifications()
        if not event.entities:
            return
        try:
            stack = list(self.screen_stack)
        except ScreenStackError:  # between two modes: the next one reads its data as it is shown
            return
        for screen in stack:
            handler = getattr(screen, "store_changed", None)
            if handler is not None:
                handler(event.entities)

    def _probe_notifications(self) -> None:
        """Probe the notifications now, or once the operator has closed the dialog they are busy in."""
        try:
            busy = isinstance(self.screen, ModalScreen) or len(self.screen_stack) > 1
        except ScreenStackError:  # between two modes
            busy = True
        if busy:
            self.set_timer(0.5, self._probe_notifications)
            return
        self.poll_notifications(self.latest_notification_id)

    @on(StoreReachable)
    def _store_reachable(self, event: StoreReachable) -> None:
        self.store_unreachable = bool(event.problem)
        if event.problem:
            self.announce(f"Store unreachable, retrying. {event.problem}", "warning")
        else:
            self.announce("The store is reachable again.", "information")

    def refresh_notifications(self) -> None:
        """Probe the store for notifications now (after marking some read, say)."""
        self.poll_notifications(self.latest_notification_id)

    @work(thread=True, exclusive=True, group="poll", exit_on_error=False)
    def poll_notifications(self, seen: int | None) -> None:
        """Cheap probe: the newest id and the unread count; the new ones only when there are any."""
        from shoptui import db
        from shoptui.services import shop

        with db.read_session(self.db_url) as session:
            latest = shop.latest_notification_id(session=session)
            unread = shop.unread_notifications(session=session, role=self.actor.role)
            new = []
            if seen is not None and latest > seen:
                from shoptui.services import shop

                new = shop.list_notifications(session=session, after_id=seen, limit=20, role=self.actor.role)
        if not get_current_worker().is_cancelled:
            self.post_message(self.NotificationsPolled(latest, unread, new))

    @on(NotificationsPolled)
    def _notifications_polled(self, event: NotificationsPolled) -> None:
        changed = event.latest_id != self.latest_notification_id or event.unread != self.unread
        self.unread = event.unread
        self.latest_notification_id = event.latest_id
        for item in reversed(event.new[:3]):  # oldest of the newest first, so the newest ends on top
            self.notify(item.body or item.title, title=item.title if item.body else "",
                        severity=_severity(item.severity), markup=False)
        if len(event.new) > 3:
            self.notify(f"and {len(event.new) - 3} more in the notification centre (ctrl+n).", markup=False)
        if changed:
            self.notifications_changed.publish(event.latest_id)

    # ------------------------------------------------------------ errors and announcements

    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Every toast shows its text as typed: never markup (product names contain ``[``), no escape codes."""
        message, title = shown(message), shown(title)
        self.toasts.append(Toast(message, title, str(severity)))
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def announce(self, text: str, severity: str = "information", *, title: str = "") -> None:
        """Show ``text`` as a toast and keep it in the notification centre's list of this session."""
        self.notify(text, title=title, severity=_severity(severity), markup=False)
        item = Announcement(at=clock.now(), text=shown(f"{title}: {text}" if title else text), severity=severity)
        self.announcements.appendleft(item)
        self.announcements_changed.publish(item)

    def report_error(self, error: BaseException | None) -> None:
        """The one way failures reach the operator: a ShopError's sentence, else a logged traceback."""
        if error is None:
            return
        if isinstance(error, NotAllowed):
            self.note_refusal(error)
        if isinstance(error, ShopError):
            text = str(error)
        else:
            path = _log_traceback(error)
            text = f"Something went wrong ({type(error).__name__}). Details are in {path}."
        now = time.monotonic()
        if now - self._recent_errors.get(text, -60.0) < 10.0:
            return  # the same sentence from two workers (or two polls) is shown once
        self._recent_errors[text] = now
        self.announce(text, "error")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state == WorkerState.ERROR:
            if worker.group == "shell" and isinstance(worker.error, ShopError):
                self.store_problem = str(worker.error)
            self.report_error(worker.error)

    # ------------------------------------------------------------ actions

    async def action_go(self, mode: str) -> None:
        """Switch to a module's screen (imported on its first visit)."""
        if mode == self.current_mode:
            return
        entry = next((e for e in self.screen_entries if e.mode == mode), None)
        if entry is None:
            self.announce(f"There is no screen {mode!r}.", "warning")
            return
        if not self.may_open(entry):
            self.announce(f"{entry.label} is not open to the {self.actor.role.replace('_', ' ')} role.", "warning")
            return
        try:
            modules.load(entry.target)  # import errors surface here, not half-way through a switch
            await self.switch_mode(mode)
        except Exception as exc:  # a broken module must not take the shell down
            self.report_error(exc)

    async def open_record(self, mode: str | None, kind: str, key: str, title: str = "") -> None:
        """Switch to ``mode`` and ask its screen to show one record (search hits, notification links)."""
        from shoptui.tui.screens.base import ShopScreen

        if not mode or mode not in {e.mode for e in self.screen_entries}:
            self.announce(f"{title or f'{kind} {key}'}: no screen opens a {kind} yet.", "warning")
            return
        await self.action_go(mode)
        if self.current_mode == mode and isinstance(self.screen, ShopScreen):
            self.screen.open_record(kind, key)

    async def open_hit(self, hit: SearchHit) -> None:
        """Open a global-search hit on the screen of its mode."""
        await self.open_record(hit.mode, hit.kind, hit.key, hit.title)

    def mode_for_kind(self, kind: str) -> str | None:
        """The mode whose screen opens records of ``kind`` (for notification links).

        A module maps its kinds in its descriptor: ``extra={"record_modes": {"variant": "products"}}``;
        a kind that is itself a mode name opens that mode.
        """
        for spec in modules.all_modules():
            mode = spec.extra.get("record_modes", {}).get(kind)
            if mode:
                return str(mode)
        return kind if any(e.mode == kind for e in self.screen_entries) else None

    def action_focus_search(self) -> None:
        """Put the cursor in the top bar's search box."""
        from shoptui.tui.widgets.search import SearchBox

        boxes = self.screen.query(SearchBox)
        if boxes:
            boxes.first().focus_input()

    def action_notifications(self) -> None:
        """Open (or close) the notification centre."""
        from shoptui.tui.widgets.notification_centre import NotificationCentre

        if isinstance(self.screen, NotificationCentre):
            self.screen.dismiss(None)
        elif not isinstance(self.screen, ModalScreen):
            self.push_screen(NotificationCentre())

    def action_mark_all_read(self) -> None:
        """Mark every notification read (from the command palette)."""
        self.mark_read(None)

    @work(thread=True, group="notifications-write", exit_on_error=False)
    def mark_read(self, ids: list[int] | None) -> None:
        """One transaction: mark these notifications (``None``: every unread one) read, audited."""
        from shoptui import db
        from shoptui.services import shop

        def unit(session: Session) -> int:
            if ids is None:
                return shop.mark_all_read(session=session, actor=self.actor)
            return shop.mark_read(session=session, actor=self.actor, ids=ids)

        changed = db.run_transaction(unit, self.db_url)
        if ids is None:
            self.call_from_thread(self.announce, f"Marked {changed} notification{'s' if changed != 1 else ''} read.")
        self.call_from_thread(self.refresh_notifications)

    def action_toggle_sidebar(self) -> None:
        """Make the sidebar narrow (short names and keys), or wide again."""
        self._sidebar_chosen = True
        self.sidebar_collapsed = not self.sidebar_collapsed

    def on_resize(self, event: Any) -> None:
        if not self._sidebar_chosen:
            self.sidebar_collapsed = event.size.width < SIDEBAR_COLLAPSE_BELOW

    OPEN_WHEN_LOCKED = frozenset({"quit", "help", "help_unless_typing", "hide_help", "focus_next", "focus_previous",
                                  "help_quit", "show_help_panel", "hide_help_panel"})
    """The app's actions a sign-in screen (login, lock) leaves working: nothing that shows the shop."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if (not self.logged_in or self.locked) and action not in self.OPEN_WHEN_LOCKED:
            return False
        if action == "go" and parameters:
            entry = next((e for e in self.screen_entries if e.mode == parameters[0]), None)
            if entry is not None and not self.may_open(entry):
                return None
        if action == "hide_help":
            return bool(self.screen.query("HelpPanel"))
        if action == "help_unless_typing":
            focused = self.screen.focused
            return not (focused is not None and focused.check_consume_key("question_mark", "?"))
        return True

    def action_hide_help(self) -> None:
        """Hide the list of keys."""
        self.action_hide_help_panel()

    def action_help_unless_typing(self) -> None:
        """``?`` where no field types it: the same as F1."""
        self.action_help()

    def action_help(self) -> None:
        """Show the keys of this screen beside it (again: hide them)."""
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()


def _retire(url: str, tokens: list[str], actor: Actor) -> None:
    """End the sessions this app made and no longer uses (each in its own transaction); never fails the app."""
    for token in tokens:
        try:
            _end_session(url, token, actor)
        except Exception:  # the store is away: the session expires by itself
            log.warning("could not end a replaced session", exc_info=True)


def _end_session(url: str, token: str, actor: Actor) -> None:
    """Log one session out, in one transaction."""
    from shoptui import db
    from shoptui.services import staff

    db.run_transaction(lambda session: staff.logout(session=session, token=token, actor=actor), url)


def _severity(severity: str) -> SeverityLevel:
    if severity == "warning":
        return "warning"
    if severity == "error":
        return "error"
    return "information"


def _log_traceback(error: BaseException) -> str:
    """Write the traceback to the shoptui log file (the one the CLI uses); returns its path."""
    from shoptui import __version__, errorlog

    log.error("unexpected error in the TUI", exc_info=error)
    try:
        return errorlog.write(f"shoptui {__version__} tui {clock.now().isoformat()}", error)
    except OSError:
        return "the log (which could not be written)"
