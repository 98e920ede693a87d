"""The Staff screen (F12): the accounts, what each role may do, and my own account.

Three tabs:

- **Accounts** (1): every account with its role, state, two-factor, PIN and last login. Add (a), edit (e or
  enter), disable or enable (d, asks first), reset a password (p), unlock (u), set or remove a counter PIN (i),
  create an API token (t, shown once) and list or revoke its tokens and sessions (k).
- **Roles** (2): the permission matrix, permissions by roles, with the money limits (the refund limit). Space or
  enter grants or takes away the highlighted permission; l sets its limit.
- **My account** (3): change my password (w), my PIN (i), two-factor on (f, with the QR code), off (o) and new
  recovery codes (c); my tokens (t, k).

Accounts and Roles need the ``staff.manage`` permission; someone without it sees only My account (the service
lists only them) and the other keys are greyed. The permission is read with the data, by :meth:`StaffScreen.
may_manage` (the one place a generic per-screen permission map replaces). Every write runs in a worker, in one
transaction (:func:`run_change`): a refused permission is written to the audit log, then shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.events import Resize
from textual.message import Message
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from shoptui import clock
from shoptui.errors import NotAllowed
from shoptui.tui.screens.base import ShopScreen
from shoptui.tui.text import cell, plain

if TYPE_CHECKING:
    from sqlmodel import Session

    from shoptui.config import Actor
    from shoptui.services.staff import Enrolment, RoleRead, StaffRead

T = TypeVar("T")

TAB_ACCOUNTS = "accounts"
TAB_ROLES = "roles"
TAB_ME = "me"
MANAGE = "staff.manage"
"""The permission the Accounts and Roles tabs need."""
WIDE_REST = 40
"""Columns left over from which the accounts also show the email, and the matrix what each permission allows."""


def run_change(url: str | None, actor: Actor, work: Callable[[Session], T]) -> T:
    """``work(session)`` in one transaction (run again on a deadlock); a refused permission is audited as
    ``security.refused`` in a transaction of its own (the work was rolled back), then raised as it was."""
    from shoptui import db, signin
    from shoptui.config import resolve_database_url

    try:
        return db.run_transaction(work, url)
    except NotAllowed as refused:
        if refused.permission:  # a permission the account lacks (as the CLI's refusals() records it)
            signin.record_refusal(resolve_database_url(url), actor, refused)
        raise


@dataclass(frozen=True)
class StaffData:
    """What the screen shows, read in one session."""

    may_manage: bool
    accounts: list[StaffRead]
    roles: list[RoleRead]
    me: StaffRead | None
    labels: dict[str, str]
    permissions: dict[str, tuple[str, dict[str, int]]] = field(default_factory=dict)
    """Each permission's description and its default money limits by role (a permission without any takes no
    limit)."""
    min_length: int = 12
    """The password policy's minimum length (for the forms' hints)."""


def status_of(account: StaffRead) -> str:
    """``active``, ``disabled`` or ``locked`` (after failed logins, until the lockout ends or someone unlocks)."""
    if not account.active:
        return "disabled"
    if account.locked_until is not None and account.locked_until > clock.now():
        return "locked"
    return "active"


def grant_text(role: RoleRead, permission: str, money: Callable[[int | None], str]) -> str:
    """A cell of the matrix: ``✓``, ``✓ ≤ 100.00`` (a limit) or ``·`` (not held)."""
    if permission not in role.permissions:
        return "·"
    limit = role.permissions[permission]
    return "✓" if limit is None else f"✓ ≤ {money(limit)}"


class StaffScreen(ShopScreen):
    """Accounts, roles and my account (see the module's doc)."""

    MODE = "staff"
    LIVE = frozenset({"staff", "role"})

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "tab('accounts')", "Accounts", show=False, id="staff-tab-accounts",
                tooltip="Show the accounts."),
        Binding("2", "tab('roles')", "Roles", show=False, id="staff-tab-roles",
                tooltip="Show what each role may do."),
        Binding("3", "tab('me')", "My account", show=False, id="staff-tab-me",
                tooltip="Show my account: password, PIN, two-factor."),
        Binding("a", "add", "Add", id="staff-add", tooltip="Add a staff account."),
        Binding("e", "edit", "Edit", id="staff-edit",
                tooltip="Edit the highlighted account: role, full name, email, allowed networks."),
        Binding("d", "toggle_active", "Disable/enable", id="staff-disable",
                tooltip="Disable the highlighted account (its sessions and tokens stop), or enable it again."),
        Binding("p", "reset_password", "Reset password", id="staff-reset",
                tooltip="Give the highlighted account a new password (they choose their own at the next login)."),
        Binding("u", "unlock", "Unlock", id="staff-unlock", tooltip="Lift the lockout after failed logins."),
        Binding("i", "pin", "PIN", id="staff-pin", tooltip="Set or remove the account's counter PIN."),
        Binding("t", "token", "New token", id="staff-token",
                tooltip="Create an API token for the account's scripts (shown once)."),
        Binding("k", "tokens", "Tokens", id="staff-tokens",
                tooltip="List the account's API tokens and open sessions; revoke one."),
        Binding("space", "toggle_grant", "Grant/take", id="staff-grant",
                tooltip="Grant the highlighted permission to the role, or take it away."),
        Binding("l", "limit", "Limit", id="staff-limit",
                tooltip="Set the money limit of the highlighted permission for the role (refund: the largest)."),
        Binding("w", "password", "Password", id="staff-password", tooltip="Change my password."),
        Binding("f", "enrol", "Two-factor on", id="staff-2fa-on",
                tooltip="Turn on two-factor for my account: scan a QR code, enter a code, keep the recovery codes."),
        Binding("o", "two_factor_off", "Two-factor off", id="staff-2fa-off",
                tooltip="Turn off two-factor for my account (asks first)."),
        Binding("c", "recovery_codes", "Recovery codes", id="staff-2fa-codes",
                tooltip="Make ten new recovery codes for my account (the old ones stop working)."),
        Binding("ctrl+r", "reload", "Reload", show=False, id="staff-reload", tooltip="Read the accounts again."),
    ]

    MANAGER_ACTIONS: ClassVar[frozenset[str]] = frozenset(
        {"add", "edit", "toggle_active", "reset_password", "unlock"})
    ACCOUNT_ACTIONS: ClassVar[frozenset[str]] = frozenset({"pin", "token", "tokens"})
    ROLE_ACTIONS: ClassVar[frozenset[str]] = frozenset({"toggle_grant", "limit"})
    MY_ACTIONS: ClassVar[frozenset[str]] = frozenset({"password", "enrol", "two_factor_off", "recovery_codes"})

    @dataclass
    class DataLoaded(Message):
        """The accounts and roles were read."""

        data: StaffData

    @dataclass
    class Changed(Message):
        """A change landed: the sentence to announce."""

        text: str

    @dataclass
    class EnrolmentStarted(Message):
        """A two-factor secret is pending for my account: show it."""

        enrolment: Enrolment

    @dataclass
    class CodesMade(Message):
        """New recovery codes: show them once."""

        codes: list[str]

    def __init__(self) -> None:
        super().__init__()
        self.data: StaffData | None = None
        self._loaded_once = False
        self._roles_filled = False

    # ------------------------------------------------------------ layout

    def compose_body(self) -> ComposeResult:
        with TabbedContent(id="staff-tabs", initial=TAB_ACCOUNTS):
            with TabPane("Accounts (1)", id=TAB_ACCOUNTS):
                yield DataTable(id="staff-list", cursor_type="row", zebra_stripes=True, cell_padding=0)
                yield Static("", id="staff-detail", classes="staff-detail", markup=False)
            with TabPane("Roles (2)", id=TAB_ROLES):
                yield DataTable(id="roles-matrix", cursor_type="cell", zebra_stripes=True, cell_padding=0)
                yield Static("", id="roles-detail", classes="staff-detail", markup=False)
            with TabPane("My account (3)", id=TAB_ME):
                yield Static("", id="me-detail", markup=False)
        yield Static("Loading staff accounts…", id="staff-status", markup=False)

    def on_mount(self) -> None:
        self.load()

    def on_screen_resume(self) -> None:
        if self._loaded_once:
            self.load()

    def on_resize(self, event: Resize) -> None:
        if self.data is not None:
            self.call_after_refresh(self._fill)

    @property
    def tab(self) -> str:
        """The tab in front."""
        return self.query_one("#staff-tabs", TabbedContent).active or TAB_ACCOUNTS

    @property
    def accounts_table(self) -> DataTable[Any]:
        """The accounts list."""
        return self.query_one("#staff-list", DataTable)

    @property
    def roles_table(self) -> DataTable[Any]:
        """The permission matrix."""
        return self.query_one("#roles-matrix", DataTable)

    # ------------------------------------------------------------ reading

    def may_manage(self, session: Session) -> bool:
        """Whether the logged-in account may manage staff (Accounts and Roles tabs, their keys)."""
        from shoptui.services import shop

        return shop.allowed(session=session, actor=self.shop.actor, permission=MANAGE)

    @work(thread=True, exclusive=True, group="staff-load", exit_on_error=False)
    def load(self) -> None:
        """The accounts (all of them, or only mine without staff.manage), the roles and the password policy."""
        from shoptui import db
        from shoptui.services import shop, staff

        actor = self.shop.actor
        with db.read_session(self.shop.db_url) as session:
            manage = self.may_manage(session)
            accounts = staff.list_staff(session=session, actor=actor)
            roles = staff.list_roles(session=session) if manage else []
            min_length = int(shop.get(session=session, key="password_min_length"))
        me = next((a for a in accounts if a.id == actor.staff_id), None)
        permissions = {name: (p.help, dict(p.limits)) for name, p in shop.PERMISSIONS.items()}
        self.post_message(self.DataLoaded(StaffData(manage, accounts, roles, me, dict(shop.ROLES), permissions,
                                                    min_length)))

    @on(DataLoaded)
    def _loaded(self, event: DataLoaded) -> None:
        first = not self._loaded_once
        self.data = event.data
        self._loaded_once = True
        tabs = self.query_one("#staff-tabs", TabbedContent)
        for pane in (TAB_ACCOUNTS, TAB_ROLES):
            if event.data.may_manage:
                tabs.show_tab(pane)
            else:
                tabs.hide_tab(pane)
        if not event.data.may_manage and tabs.active != TAB_ME:
            tabs.active = TAB_ME
        self._fill()
        count = len(event.data.accounts)
        self.query_one("#staff-status", Static).update(plain(
            f"{count} account{'s' if count != 1 else ''}." if event.data.may_manage else
            "Your account. Adding and changing accounts and roles needs the staff.manage permission (the owner)."))
        if first:
            self._focus_tab()
        self.refresh_bindings()
        self.loaded(first=first)

    def _width(self) -> int:
        tabs = self.query("#staff-tabs")
        width = tabs.first().size.width if tabs else 0
        return width if width > 0 else self.body_width()

    def _fill(self) -> None:
        self._fill_accounts()
        self._fill_roles()
        self._show_me()
        self._show_account()
        self._show_permission()

    def _fill_accounts(self) -> None:
        data = self.data
        if data is None:
            return
        view = self.shop.store_view
        table = self.accounts_table
        width = self._width()
        widths = {"name": 14, "full_name": 0, "email": 0, "role": 13, "status": 9, "2fa": 5, "pin": 5, "last": 17}
        if width < 90:
            widths.update(name=12, role=12, last=12)
        rest = max(6, width - sum(widths.values()) - 1)
        if rest >= WIDE_REST:  # room for the email too
            widths["email"] = rest // 2
        widths["full_name"] = rest - widths["email"]
        widths = {key: w for key, w in widths.items() if w}
        titles = {"name": "Name", "full_name": "Full name", "email": "Email", "role": "Role", "status": "State",
                  "2fa": "2FA", "pin": "PIN", "last": "Last login"}
        short = widths["last"] < 17
        keep = table.cursor_row
        with self.app.batch_update():
            table.clear(columns=True)
            for key, w in widths.items():
                table.add_column(cell(titles[key], w), key=key, width=w)
            for a in data.accounts:
                values = {"name": a.name, "full_name": a.full_name, "email": a.email,
                          "role": data.labels.get(a.role, a.role),
                          "status": status_of(a), "2fa": "on" if a.two_factor else "–",
                          "pin": "set" if a.has_pin else "–",
                          "last": view.when(a.last_login_at, year=not short) if a.last_login_at else "never"}
                table.add_row(*(cell(values[k], w) for k, w in widths.items()), key=str(a.id))
            if table.row_count:
                table.move_cursor(row=min(max(keep, 0), table.row_count - 1), animate=False)

    def _fill_roles(self) -> None:
        data = self.data
        if data is None or not data.roles:
            return
        money = self.shop.store_view.money
        table = self.roles_table
        width = self._width()
        role_width = max(9, min(14, (width - 18) // max(1, len(data.roles))))
        first = max(14, min(18, width - role_width * len(data.roles) - 1))
        help_width = width - first - role_width * len(data.roles) - 1
        help_width = help_width if help_width >= WIDE_REST else 0  # room for what each permission allows
        keep = table.cursor_coordinate
        with self.app.batch_update():
            table.clear(columns=True)
            table.add_column(cell("Permission", first), key="permission", width=first)
            for role in data.roles:
                table.add_column(cell(role.label, role_width), key=role.role, width=role_width)
            if help_width:
                table.add_column(cell("What it allows", help_width), key="help", width=help_width)
            for name, (help_text, _) in data.permissions.items():
                cells = [cell(name, first), *(cell(grant_text(r, name, money), role_width) for r in data.roles)]
                if help_width:
                    cells.append(cell(help_text, help_width))
                table.add_row(*cells, key=name)
            if table.row_count:  # the first time on the first role after the owner's (the owner's is fixed)
                column = keep.column if self._roles_filled else 2
                table.move_cursor(row=min(keep.row, table.row_count - 1),
                                  column=min(max(column, 1), len(data.roles)), animate=False)
        self._roles_filled = True

    def _show_me(self) -> None:
        data = self.data
        panel = self.query_one("#me-detail", Static)
        if data is None:
            return
        me = data.me
        if me is None:
            panel.update(plain(
                "Not logged in: log in (`shoptui login`, or start the app again) to see your account."
                if self.shop.actor.staff_id is None and self.shop.actor.role == "nobody" else
                "This session has no staff account (it acts for the system), so there is no password, PIN or "
                "two-factor to set here."))
            return
        view = self.shop.store_view
        role = data.labels.get(me.role, me.role)
        lines = [
            f"{me.name}" + (f" ({me.full_name})" if me.full_name else "") + f" · {role}",
            f"Email: {me.email or '–'}   Allowed networks: {me.allowed_networks or 'the store setting'}",
            f"Password changed {view.when(me.password_changed_at)}; last login {view.when(me.last_login_at)}.",
            f"Two-factor: {'on' if me.two_factor else 'off'}.   Counter PIN: {'set' if me.has_pin else 'none'}.",
            "",
            "w  change my password",
            "i  set or remove my counter PIN",
            ("o  turn two-factor off · c  new recovery codes" if me.two_factor
             else "f  turn two-factor on (an authenticator app on your phone)"),
            "t  new API token for my scripts · k  my tokens and sessions",
        ]
        if me.must_change_password:
            lines.insert(4, "Your password was set by someone else: change it now (w).")
        panel.update(plain("\n".join(lines)))

    def _show_account(self) -> None:
        detail = self.query_one("#staff-detail", Static)
        account = self.current_account()
        if account is None or self.data is None:
            detail.update(plain(""))
            return
        view = self.shop.store_view
        parts = [account.name + (f" ({account.full_name})" if account.full_name else ""),
                 self.data.labels.get(account.role, account.role), account.email or "no email",
                 f"networks: {account.allowed_networks or 'store setting'}",
                 f"password changed {view.day(account.password_changed_at)}"]
        if account.must_change_password:
            parts.append("must change password")
        if status_of(account) == "locked":
            parts.append(f"locked until {view.when(account.locked_until)} (u unlocks)")
        detail.update(plain(" · ".join(parts)))

    def _show_permission(self) -> None:
        detail = self.query_one("#roles-detail", Static)
        found = self.current_grant()
        if found is None or self.data is None:
            detail.update(plain(""))
            return
        role, permission = found
        description, limits = self.data.permissions.get(permission, ("", {}))
        limited = bool(limits)
        held = permission in role.permissions
        state = f"{role.label}: {'may' if held else 'may not'} {permission}."
        keys = "The owner holds every permission." if role.role == "owner" else (
            "space grants or takes it" + (" · l sets the limit" if limited else "") + ".")
        detail.update(plain(f"{permission}: {description} {state} {keys}"))

    def _focus_tab(self) -> None:
        tab = self.tab
        if tab == TAB_ACCOUNTS:
            self.accounts_table.focus()
        elif tab == TAB_ROLES:
            self.roles_table.focus()
        else:
            self.query_one("#staff-tabs", TabbedContent).query_one("Tabs").focus()

    @on(TabbedContent.TabActivated)
    def _tab_changed(self, event: TabbedContent.TabActivated) -> None:
        self.refresh_bindings()

    @on(DataTable.RowHighlighted, "#staff-list")
    def _account_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_account()
        self.refresh_bindings()

    @on(DataTable.RowSelected, "#staff-list")
    def _account_chosen(self, event: DataTable.RowSelected) -> None:
        self.action_edit()

    @on(DataTable.CellHighlighted, "#roles-matrix")
    def _grant_highlighted(self, event: DataTable.CellHighlighted) -> None:
        self._show_permission()
        self.refresh_bindings()

    @on(DataTable.CellSelected, "#roles-matrix")
    def _grant_chosen(self, event: DataTable.CellSelected) -> None:
        self.action_toggle_grant()

    # ------------------------------------------------------------ what the keys act on

    def current_account(self) -> StaffRead | None:
        """The highlighted account (Accounts tab)."""
        table = self.accounts_table
        if self.data is None or not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((a for a in self.data.accounts if str(a.id) == key), None)

    def target(self) -> StaffRead | None:
        """The account the PIN and token keys act on: the highlighted one, or mine on My account."""
        if self.data is None:
            return None
        if self.tab == TAB_ME:
            return self.data.me
        return self.current_account() if self.tab == TAB_ACCOUNTS else None

    def current_grant(self) -> tuple[RoleRead, str] | None:
        """The highlighted role and permission of the matrix (None on the permission's own column)."""
        table = self.roles_table
        if self.data is None or not self.data.roles or not table.row_count:
            return None
        keys = table.coordinate_to_cell_key(table.cursor_coordinate)
        role = next((r for r in self.data.roles if r.role == keys.column_key.value), None)
        return (role, str(keys.row_key.value)) if role is not None else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        data = self.data
        tab = self.tab if self.is_mounted and self.query("#staff-tabs") else TAB_ACCOUNTS
        if action == "tab":
            return data is None or data.may_manage or parameters == (TAB_ME,)
        if action in self.MANAGER_ACTIONS:
            if tab != TAB_ACCOUNTS:
                return False
            if data is None or not data.may_manage:
                return None  # greyed: needs staff.manage
            return action == "add" or self.current_account() is not None
        if action in self.ACCOUNT_ACTIONS:
            if tab == TAB_ROLES:
                return False
            if tab == TAB_ACCOUNTS and (data is None or not data.may_manage):
                return None
            return self.target() is not None or None
        if action in self.ROLE_ACTIONS:
            if tab != TAB_ROLES:
                return False
            found = self.current_grant()
            if data is None or not data.may_manage or found is None or found[0].role == "owner":
                return None
            if action == "limit":
                return bool(data.permissions.get(found[1], ("", {}))[1]) or None
            return True
        if action in self.MY_ACTIONS:
            if tab != TAB_ME:
                return False
            me = data.me if data is not None else None
            if me is None:
                return None
            if action == "enrol":
                return not me.two_factor
            if action in {"two_factor_off", "recovery_codes"}:
                return me.two_factor
            return True
        return True

    # ------------------------------------------------------------ writes

    @work(thread=True, group="staff-change", exit_on_error=False)
    def change(self, work: Callable[[Session], Any], sentence: Callable[[Any], str]) -> None:
        """One write in one transaction as the logged-in account; announce ``sentence(result)`` and reload."""
        result = run_change(self.shop.db_url, self.shop.actor, work)
        self.post_message(self.Changed(sentence(result)))

    @on(Changed)
    def _changed(self, event: Changed) -> None:
        self.shop.announce(event.text)
        self.load()

    def _after_form(self, sentence: Callable[[Any], str]) -> Callable[[Any], None]:
        def done(result: Any) -> None:
            if result is not None:
                self.shop.announce(sentence(result))
                self.load()

        return done

    # ------------------------------------------------------------ actions: accounts

    def action_tab(self, name: str) -> None:
        """Bring a tab to the front."""
        if self.data is not None and not self.data.may_manage and name != TAB_ME:
            return
        self.query_one("#staff-tabs", TabbedContent).active = name
        self.call_after_refresh(self._focus_tab)

    def action_reload(self) -> None:
        """Read the accounts again."""
        self.load()

    def _is_owner(self) -> bool:
        me = self.data.me if self.data is not None else None
        if me is not None:
            return me.role == "owner"
        return self.shop.actor.staff_id is None and self.shop.actor.role == "owner"  # the system (tests, demo)

    def action_add(self) -> None:
        """Add an account."""
        from shoptui.tui.screens.staff.dialogs import AddStaffDialog

        if self.data is None:
            return
        self.app.push_screen(AddStaffDialog(self.shop.db_url, self.shop.actor, self.data.labels,
                                            owner=self._is_owner(), min_length=self.data.min_length),
                             self._after_form(lambda row: f"Added {row.name} as {self.data_label(row.role)}; they "
                                                          "choose their own password at their first login."))

    def data_label(self, role: str) -> str:
        """A role's label (``Stock keeper``)."""
        return self.data.labels.get(role, role) if self.data is not None else role

    def action_edit(self) -> None:
        """Edit the highlighted account."""
        from shoptui.tui.screens.staff.dialogs import EditStaffDialog

        account = self.current_account()
        if account is None or self.data is None or not self.data.may_manage:
            return
        self.app.push_screen(EditStaffDialog(self.shop.db_url, self.shop.actor, account, self.data.labels,
                                             owner=self._is_owner()),
                             self._after_form(lambda row: f"Saved {row.name}."))

    def action_toggle_active(self) -> None:
        """Disable the highlighted account, or enable it again (asks first)."""
        from shoptui.services import staff as staff_api
        from shoptui.tui.widgets.confirm import Confirm

        account = self.current_account()
        if account is None:
            return
        name, active = account.name, not account.active
        question = (f"Enable {name} again? They can log in with their password." if active else
                    f"Disable {name}? Their sessions and API tokens stop working at their next use; the audit log "
                    "keeps their name. You can enable them again.")

        def answered(yes: bool | None) -> None:
            if yes:
                self.change(lambda session: staff_api.set_active(session=session, actor=self.shop.actor, name=name,
                                                                 active=active),
                            lambda row: f"{'Enabled' if row.active else 'Disabled'} {row.name}.")

        self.app.push_screen(Confirm(question, yes="Enable" if active else "Disable", danger=not active), answered)

    def action_reset_password(self) -> None:
        """Give the highlighted account a new password."""
        from shoptui.tui.screens.staff.dialogs import ResetPasswordDialog

        account = self.current_account()
        if account is None or self.data is None:
            return
        self.app.push_screen(ResetPasswordDialog(self.shop.db_url, self.shop.actor, account,
                                                 min_length=self.data.min_length),
                             self._after_form(lambda row: f"Reset the password of {row.name}; they choose their "
                                                          "own at their next login."))

    def action_unlock(self) -> None:
        """Lift the highlighted account's lockout."""
        from shoptui.services import staff as staff_api

        account = self.current_account()
        if account is None:
            return
        name = account.name
        self.change(lambda session: staff_api.unlock(session=session, actor=self.shop.actor, name=name),
                    lambda row: f"Unlocked {row.name}: they can log in again.")

    def action_pin(self) -> None:
        """Set or remove the counter PIN of the account."""
        from shoptui.tui.screens.staff.dialogs import PinDialog

        account = self.target()
        if account is None:
            return
        self.app.push_screen(PinDialog(self.shop.db_url, self.shop.actor, account),
                             self._after_form(lambda done: f"{'Set' if done[1] else 'Removed'} the counter PIN of "
                                                           f"{done[0].name}."))

    def action_token(self) -> None:
        """Create an API token for the account and show it once."""
        from shoptui.tui.screens.staff.dialogs import TokenDialog
        from shoptui.tui.screens.staff.tokens import TokenShownDialog

        account = self.target()
        if account is None:
            return

        def created(token: str | None) -> None:
            if token:
                self.shop.announce(f"Created an API token …{token[-4:]} for {account.name}.")
                self.app.push_screen(TokenShownDialog(token, account.name))

        self.app.push_screen(TokenDialog(self.shop.db_url, self.shop.actor, account), created)

    def action_tokens(self) -> None:
        """List the account's tokens and sessions."""
        from shoptui.tui.screens.staff.tokens import TokensDialog

        account = self.target()
        if account is not None:
            self.app.push_screen(TokensDialog(account))

    # ------------------------------------------------------------ actions: roles

    def action_toggle_grant(self) -> None:
        """Grant the highlighted permission to the role, or take it away (a limited one gets its default limit)."""
        from shoptui.services import staff as staff_api

        found = self.current_grant()
        if found is None or self.data is None or not self.data.may_manage:
            return
        role, permission = found
        granted = permission not in role.permissions
        limit = self.data.permissions.get(permission, ("", {}))[1].get(role.role) if granted else None
        money = self.shop.store_view.money

        def sentence(result: RoleRead) -> str:
            if not granted:
                return f"Took {permission} from {result.label}."
            return f"Granted {permission} to {result.label}" + (
                f" up to {money(limit)} (l changes the limit)." if limit is not None else ".")

        self.change(lambda session: staff_api.set_grant(session=session, actor=self.shop.actor, role=role.role,
                                                        permission=permission, granted=granted, limit_minor=limit),
                    sentence)

    def action_limit(self) -> None:
        """Set the money limit of the highlighted permission for the role."""
        from shoptui.tui.screens.staff.dialogs import LimitDialog

        found = self.current_grant()
        if found is None:
            return
        role, permission = found
        money = self.shop.store_view
        self.app.push_screen(
            LimitDialog(self.shop.db_url, self.shop.actor, role, permission, money.money_type),
            self._after_form(lambda result: f"{result.label} may {permission} up to "
                                            f"{money.money(result.permissions.get(permission))}."
                             if result.permissions.get(permission) is not None
                             else f"{result.label} may {permission} with no limit."))

    # ------------------------------------------------------------ actions: my account

    def action_password(self) -> None:
        """Change my password."""
        from shoptui.tui.screens.staff.dialogs import ChangePasswordDialog

        if self.data is None or self.data.me is None:
            return
        self.app.push_screen(ChangePasswordDialog(self.shop.db_url, self.shop.actor, min_length=self.data.min_length),
                             self._after_form(lambda row: "Your password is changed."))

    def action_enrol(self) -> None:
        """Start two-factor enrolment: a new secret is kept pending, then shown."""
        self.start_enrolment()

    @work(thread=True, exclusive=True, group="staff-enrol", exit_on_error=False)
    def start_enrolment(self) -> None:
        """A pending secret for my account (in one transaction)."""
        from shoptui.services import staff as staff_api

        enrolment = run_change(self.shop.db_url, self.shop.actor,
                               lambda session: staff_api.start_enrolment(session=session, actor=self.shop.actor))
        self.post_message(self.EnrolmentStarted(enrolment))

    @on(EnrolmentStarted)
    def _enrolment_started(self, event: EnrolmentStarted) -> None:
        from shoptui.tui.screens.staff.twofactor import EnrolDialog

        self.app.push_screen(EnrolDialog(self.shop.db_url, self.shop.actor, event.enrolment), self._enrolled)

    def _enrolled(self, codes: list[str] | None) -> None:
        if codes:
            self.shop.announce("Two-factor is on: logins now ask for a code from your app.")
            self._show_codes(codes, "Two-factor is on. Your recovery codes")
            self.load()

    def _show_codes(self, codes: list[str], title: str) -> None:
        from shoptui.tui.screens.staff.twofactor import RecoveryCodesDialog

        self.app.push_screen(RecoveryCodesDialog(codes, title=title))

    def action_two_factor_off(self) -> None:
        """Turn two-factor off for my account (asks first)."""
        from shoptui.services import staff as staff_api
        from shoptui.tui.widgets.confirm import Confirm

        def answered(yes: bool | None) -> None:
            if yes:
                self.change(lambda session: staff_api.turn_off(session=session, actor=self.shop.actor),
                            lambda _: "Two-factor is off for your account; its recovery codes no longer work.")

        self.app.push_screen(Confirm("Turn two-factor off for your account? Logins then ask only for the password.",
                                     yes="Turn off", danger=True), answered)

    def action_recovery_codes(self) -> None:
        """Ten new recovery codes for my account (asks first: the old ones stop working)."""
        from shoptui.tui.widgets.confirm import Confirm

        self.app.push_screen(Confirm("Make ten new recovery codes? The ones you have now stop working.",
                                     yes="Make new codes"),
                             self._codes_answered)

    def _codes_answered(self, yes: bool | None) -> None:
        if yes:
            self.make_codes()

    @work(thread=True, exclusive=True, group="staff-codes", exit_on_error=False)
    def make_codes(self) -> None:
        """New recovery codes, in one transaction."""
        from shoptui.services import staff as staff_api

        codes = run_change(self.shop.db_url, self.shop.actor,
                           lambda session: staff_api.new_recovery_codes(session=session, actor=self.shop.actor))
        self.post_message(self.CodesMade(codes))

    @on(CodesMade)
    def _codes_made(self, event: CodesMade) -> None:
        self.shop.announce("Made ten new recovery codes; the old ones no longer work.")
        self._show_codes(event.codes, "Your new recovery codes")
