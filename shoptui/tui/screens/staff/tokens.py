"""API tokens and login sessions of one account: a new token shown once, the list, revoking one."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from shoptui.tui.text import cell, plain
from shoptui.tui.widgets.steady_footer import SteadyFooter
from shoptui.tui.workers import ReportsWorkerErrors

if TYPE_CHECKING:
    from shoptui.services.staff import StaffRead, TokenRead
    from shoptui.tui.app import ShopApp


class TokenShownDialog(ModalScreen[None]):
    """A new API token, shown this once on a line of its own (c copies it); nothing keeps it after it closes."""

    DEFAULT_CSS = """
    TokenShownDialog { align: center middle; }
    TokenShownDialog > Vertical { width: 76; max-width: 100%; height: auto; border: thick $warning;
                                  background: $surface; padding: 0 1; }
    TokenShownDialog #token-title { text-style: bold; color: $text-accent; }
    TokenShownDialog #token-line { text-style: bold; margin: 1 0; text-wrap: nowrap; }
    TokenShownDialog .token-note { color: $text-muted; height: auto; }
    """

    BINDINGS = [
        Binding("c", "copy", "Copy", id="token-copy", tooltip="Copy the token to the clipboard (where the terminal "
                                                              "allows it)."),
        Binding("enter,escape", "close", "Done", id="token-close", tooltip="Close; the token is not shown again."),
    ]

    def __init__(self, token: str, account: str) -> None:
        super().__init__()
        self.token = token
        self.account = account

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(plain(f"API token for {self.account}"), id="token-title", markup=False)
            yield Static(plain("Copy it now: it is shown this once and cannot be shown again (only its last four "
                               "characters are kept)."), classes="token-note", markup=False)
            yield Static(plain(self.token), id="token-line", markup=False)
            yield Static(plain("Scripts and cron pass it as SHOPTUI_TOKEN=<token>. c copies it · enter closes."),
                         classes="token-note", markup=False)

    def action_copy(self) -> None:
        """Copy the token to the clipboard (OSC 52: most terminals, not all)."""
        self.app.copy_to_clipboard(self.token)
        self.app.notify("Copied the token (if your terminal passes the clipboard on).", markup=False, timeout=3)

    def action_close(self) -> None:
        """Close: the token leaves the screen for good."""
        self.token = ""
        self.dismiss(None)


class TokensDialog(ReportsWorkerErrors, ModalScreen[bool]):
    """The account's API tokens and open login sessions, newest first; r revokes the highlighted one."""

    DEFAULT_CSS = """
    TokensDialog { align: center middle; }
    TokensDialog > Vertical { width: 100; max-width: 100%; height: 20; max-height: 100%; border: thick $primary;
                              background: $surface; padding: 0 1; }
    TokensDialog #tokens-list { height: 1fr; }
    TokensDialog #tokens-note { color: $text-muted; height: auto; }
    """

    BINDINGS = [
        Binding("r,delete", "revoke", "Revoke", id="tokens-revoke",
                tooltip="Revoke the highlighted token or end the session (asks first)."),
        Binding("ctrl+r", "reload", "Reload", show=False, id="tokens-reload", tooltip="Read the list again."),
        Binding("escape", "close", "Back", id="tokens-close", tooltip="Back to the staff screen."),
    ]

    @dataclass
    class Listed(Message):
        """The tokens were read."""

        tokens: list[TokenRead]

    @dataclass
    class Revoked(Message):
        """A token was revoked."""

        token: TokenRead

    def __init__(self, account: StaffRead) -> None:
        super().__init__()
        self.account = account
        self.tokens: list[TokenRead] = []
        self.changed = False

    @property
    def shop(self) -> ShopApp:
        """The app, typed."""
        return cast("ShopApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(id="tokens-box"):
            yield DataTable(id="tokens-list", cursor_type="row", zebra_stripes=True, cell_padding=0)
            yield Static(plain("Loading…"), id="tokens-note", markup=False)
        yield SteadyFooter(compact=True)

    def on_mount(self) -> None:
        self.query_one("#tokens-box").border_title = f"Tokens and sessions of {self.account.name}"
        self.load()

    @work(thread=True, exclusive=True, group="tokens-load", exit_on_error=False)
    def load(self) -> None:
        """The account's tokens and sessions that still work."""
        from shoptui import db
        from shoptui.services import staff

        with db.read_session(self.shop.db_url) as session:
            tokens = staff.list_tokens(session=session, actor=self.shop.actor, name=self.account.name)
        self.post_message(self.Listed(tokens))

    @on(Listed)
    def _listed(self, event: Listed) -> None:
        self.tokens = event.tokens
        view = self.shop.store_view
        table: DataTable[Any] = self.query_one("#tokens-list", DataTable)
        width = max(60, table.size.width or self.app.size.width - 4)
        widths = {"kind": 10, "label": 0, "hint": 7, "created": 17, "used": 17, "expires": 17}
        if width < 90:
            widths.update(created=0, used=12, expires=14)
        widths["label"] = max(8, width - sum(widths.values()))
        titles = {"kind": "Kind", "label": "For", "hint": "Token", "created": "Created", "used": "Last used",
                  "expires": "Expires"}
        shown_cols = [k for k, w in widths.items() if w]
        keep = table.cursor_row
        with self.app.batch_update():
            table.clear(columns=True)
            for key in shown_cols:
                table.add_column(cell(titles[key], widths[key]), key=key, width=widths[key])
            for t in event.tokens:
                short = widths["used"] < 17
                values = {"kind": "API token" if t.kind == "api" else "session", "label": t.label,
                          "hint": f"…{t.hint}", "created": view.when(t.created_at),
                          "used": view.when(t.last_used_at, year=not short),
                          "expires": "until revoked" if t.expires_at is None else view.when(t.expires_at,
                                                                                            year=not short)}
                table.add_row(*(cell(values[k], widths[k]) for k in shown_cols), key=str(t.id))
            if table.row_count:
                table.move_cursor(row=min(keep, table.row_count - 1), animate=False)
        note = (f"{len(event.tokens)} working. r revokes the highlighted one: it stops at its next use."
                if event.tokens else "No API tokens or open sessions.")
        self.query_one("#tokens-note", Static).update(plain(note))
        table.focus()
        self.refresh_bindings()

    def current(self) -> TokenRead | None:
        """The highlighted token."""
        table: DataTable[Any] = self.query_one("#tokens-list", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((t for t in self.tokens if str(t.id) == key), None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "revoke":
            return self.current() is not None
        return True

    def action_revoke(self) -> None:
        """Ask, then revoke the highlighted token."""
        from shoptui.tui.widgets.confirm import Confirm

        token = self.current()
        if token is None:
            return
        what = "API token" if token.kind == "api" else "login session"
        self.app.push_screen(
            Confirm(f"Revoke the {what} …{token.hint} ({token.label}) of {self.account.name}? Whatever uses it is "
                    "refused from its next use.", yes="Revoke", danger=True),
            partial(self._answered, token.id))

    def _answered(self, token_id: int, yes: bool | None) -> None:
        if yes:
            self.revoke(token_id)

    @work(thread=True, exclusive=True, group="tokens-revoke", exit_on_error=False)
    def revoke(self, token_id: int) -> None:
        """Revoke one token in one transaction."""
        from shoptui.services import staff
        from shoptui.tui.screens.staff.screen import run_change

        row = run_change(self.shop.db_url, self.shop.actor,
                         lambda session: staff.revoke_token(session=session, actor=self.shop.actor, token_id=token_id))
        self.post_message(self.Revoked(row))

    @on(Revoked)
    def _revoked(self, event: Revoked) -> None:
        self.changed = True
        kind = "API token" if event.token.kind == "api" else "session"
        self.shop.announce(f"Revoked the {kind} …{event.token.hint} of {event.token.name}.")
        self.load()

    def action_reload(self) -> None:
        """Read the list again."""
        self.load()

    def action_close(self) -> None:
        """Back to the staff screen."""
        self.dismiss(self.changed)
