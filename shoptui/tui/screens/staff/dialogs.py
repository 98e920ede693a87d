"""The staff forms: add and edit an account, reset a password, a counter PIN, an API token, a refund limit, and
changing your own password.

Each is a :class:`~shoptui.tui.widgets.form.FormDialog`: what was typed goes to the staff service in one
transaction inside a worker; a refusal (the service's own sentence) is shown under the field it names and
nothing is written. Passwords and PINs are typed twice into masked fields and never shown or kept after the
dialog closes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual.widgets import Input, Select

from shoptui.errors import InvalidInput
from shoptui.tui.text import choices
from shoptui.tui.widgets.form import Field, FormDialog, whole_number

if TYPE_CHECKING:
    from sqlmodel import Session

    from shoptui.config import Actor
    from shoptui.services.staff import RoleRead, StaffRead

T = TypeVar("T")

def _input(value: str, widget_id: str, placeholder: str, tooltip: str, *, secret: bool = False) -> Input:
    """A field; no length cap (a cap would cut a pasted password silently: the service refuses a long one)."""
    return Input(value, id=widget_id, compact=True, placeholder=placeholder, tooltip=tooltip, password=secret)


def role_select(roles: dict[str, str], value: str, *, owner: bool) -> Select[str]:
    """The roles by label (the owner role only for an owner: only they may make one)."""
    options = [(label, role) for role, label in roles.items() if owner or role != "owner"]
    if value not in {role for _, role in options}:
        options.append((roles.get(value, value), value))
    return Select(choices(options), value=value, allow_blank=False, id="role", compact=True,
                  tooltip="What the account may do (the Roles tab shows each role's permissions).")


def same_twice(first: str, second: str, *, field: str, what: str = "password") -> None:
    """Refuse two typings of a secret that differ (marking the second field)."""
    if first != second:
        raise InvalidInput(f"The two {what}s differ; type the same {what} in both fields.", field=field)


class StaffForm(FormDialog):
    """A staff form: ``work(session, actor, values)`` runs in one transaction as the logged-in account."""

    def __init__(self, url: str | None, actor: Actor, intro: str = "") -> None:
        super().__init__(intro)
        self.url = url
        self.actor = actor

    def run(self, work: Callable[[Session], T]) -> T:
        """``work(session)`` in one transaction (a refused permission is audited, then shown)."""
        from shoptui.tui.screens.staff.screen import run_change

        return run_change(self.url, self.actor, work)


class AddStaffDialog(StaffForm):
    """A new account: name, role, full name, email and a first password (they change it at their first login)."""

    TITLE_TEXT = "Add a staff account"
    FIELD_NAMES: ClassVar[dict[str, str]] = {"password": "password"}
    SAVE_LABEL = "add"

    def __init__(self, url: str | None, actor: Actor, roles: dict[str, str], *, owner: bool, min_length: int) -> None:
        super().__init__(url, actor, "They log in with this name and password and must choose their own password "
                                     "at their first login.")
        self.roles = roles
        self.owner = owner
        self.min_length = min_length

    def fields(self) -> list[Field]:
        return [
            Field("name", "Account name", _input("", "name", "mei or j.chen", "2-40 letters, digits, '.', '-' or '_'.")),
            Field("role", "Role", role_select(self.roles, "clerk", owner=self.owner)),
            Field("full_name", "Full name", _input("", "full_name", "Mei Chen", "As shown in the audit log.")),
            Field("email", "Email", _input("", "email", "optional", "Where security notices can reach them.")),
            Field("password", "Password", _input("", "password", f"at least {self.min_length} characters",
                                                 "A first password; they choose their own at the first login.",
                                                 secret=True)),
            Field("password2", "Again", _input("", "password2", "the same password", "Type the password again.",
                                               secret=True)),
        ]

    def save(self, values: dict[str, Any]) -> StaffRead:
        from shoptui.services import staff

        same_twice(values["password"], values["password2"], field="password2")
        return self.run(lambda session: staff.add_staff(
            session=session, actor=self.actor, name=values["name"], role=values["role"] or "",
            password=values["password"], full_name=values["full_name"], email=values["email"]))


class EditStaffDialog(StaffForm):
    """An account's role, full name, email and allowed networks."""

    SAVE_LABEL = "save"

    def __init__(self, url: str | None, actor: Actor, account: StaffRead, roles: dict[str, str], *,
                 owner: bool) -> None:
        super().__init__(url, actor)
        self.account = account
        self.roles = roles
        self.owner = owner

    def title_text(self) -> str:
        return f"Edit {self.account.name}"

    def edits_a_record(self) -> bool:
        return True

    def fields(self) -> list[Field]:
        a = self.account
        return [
            Field("role", "Role", role_select(self.roles, a.role, owner=self.owner or a.role == "owner")),
            Field("full_name", "Full name", _input(a.full_name, "full_name", "Mei Chen", "As shown in the audit log.")),
            Field("email", "Email", _input(a.email, "email", "optional", "Where security notices can reach them.")),
            Field("allowed_networks", "Networks",
                  _input(a.allowed_networks, "allowed_networks", "any (e.g. 192.168.1.0/24, 10.0.0.5)",
                         "Addresses this account may log in from (CIDR, comma-separated); empty: the store's rule."),
                  help="Where they may log in from; empty follows the store's setting."),
        ]

    def save(self, values: dict[str, Any]) -> StaffRead:
        from shoptui.services import staff

        return self.run(lambda session: staff.edit_staff(
            session=session, actor=self.actor, name=self.account.name, role=values["role"],
            full_name=values["full_name"], email=values["email"], allowed_networks=values["allowed_networks"]))


class ResetPasswordDialog(StaffForm):
    """A new password for someone else (they change it at their next login; their sessions end)."""

    SAVE_LABEL = "reset"
    FIELD_NAMES: ClassVar[dict[str, str]] = {"password": "password"}

    def __init__(self, url: str | None, actor: Actor, account: StaffRead, *, min_length: int) -> None:
        super().__init__(url, actor, f"{account.name} must choose their own password at their next login; their "
                                     "open sessions end now. The lockout is lifted.")
        self.account = account
        self.min_length = min_length

    def title_text(self) -> str:
        return f"Reset the password of {self.account.name}"

    def fields(self) -> list[Field]:
        return [
            Field("password", "New password", _input("", "password", f"at least {self.min_length} characters",
                                                     "Tell it to them in person.", secret=True)),
            Field("password2", "Again", _input("", "password2", "the same password", "Type the password again.",
                                               secret=True)),
        ]

    def save(self, values: dict[str, Any]) -> StaffRead:
        from shoptui.services import staff

        same_twice(values["password"], values["password2"], field="password2")
        return self.run(lambda session: staff.reset_password(session=session, actor=self.actor,
                                                             name=self.account.name, password=values["password"]))


class PinDialog(StaffForm):
    """Set an account's counter PIN (typed twice); with a PIN set, both fields left empty remove it."""

    SAVE_LABEL = "save"
    DEFAULT_FIELD = "pin"

    def __init__(self, url: str | None, actor: Actor, account: StaffRead) -> None:
        intro = "A PIN of 4 to 8 digits switches to this account at the counter (selling, refunds within the " \
                "limit, members) without the password."
        if account.has_pin:
            intro += " Leave both fields empty to remove the PIN."
        super().__init__(url, actor, intro)
        self.account = account

    def title_text(self) -> str:
        return f"Counter PIN of {self.account.name}"

    def fields(self) -> list[Field]:
        return [
            Field("pin", "PIN", _input("", "pin", "4-8 digits", "Not one digit repeated nor a run like 1234.",
                                       secret=True)),
            Field("pin2", "Again", _input("", "pin2", "the same PIN", "Type the PIN again.", secret=True)),
        ]

    def save(self, values: dict[str, Any]) -> tuple[StaffRead, bool]:
        from shoptui.services import staff

        pin, again = values["pin"].strip(), values["pin2"].strip()
        if not pin and not again and not self.account.has_pin:
            raise InvalidInput("Type a PIN of 4 to 8 digits.", field="pin")
        same_twice(pin, again, field="pin2", what="PIN")
        row = self.run(lambda session: staff.set_pin(session=session, actor=self.actor, name=self.account.name,
                                                      pin=pin or None))
        return row, bool(pin)


class TokenDialog(StaffForm):
    """A new API token for an account's scripts: what it is for and how long it lasts; shown once after."""

    SAVE_LABEL = "create"
    FIELD_NAMES: ClassVar[dict[str, str]] = {"days": "days", "label": "label"}

    def __init__(self, url: str | None, actor: Actor, account: StaffRead) -> None:
        super().__init__(url, actor, f"The token acts as {account.name} (with their role) for scripts and cron, "
                                     "in SHOPTUI_TOKEN. It is shown once; revoke it from the token list (k).")
        self.account = account

    def title_text(self) -> str:
        return f"New API token for {self.account.name}"

    def fields(self) -> list[Field]:
        return [
            Field("label", "For", _input("script", "label", "nightly-backup", "What it is for (shown in the list).")),
            Field("days", "Days", _input("", "days", "empty: until revoked", "Days until it expires (1-3650)."),
                  help="Empty: it works until it is revoked."),
        ]

    def save(self, values: dict[str, Any]) -> str:
        from shoptui.services import staff

        raw = values["days"].strip()
        days = whole_number(raw, "number of days", field="days") if raw else None
        token: str = self.run(lambda session: staff.create_api_token(
            session=session, actor=self.actor, name=self.account.name, label=values["label"], days=days))
        return token


class LimitDialog(StaffForm):
    """The money limit of a permission for one role (refund: the largest refund); empty: no limit."""

    SAVE_LABEL = "save"
    DEFAULT_FIELD = "limit"

    def __init__(self, url: str | None, actor: Actor, role: RoleRead, permission: str, money: Any) -> None:
        current = role.permissions.get(permission)
        held = permission in role.permissions
        intro = (f"The largest amount a {role.label.lower()} may {permission} in one go. Empty: no limit. "
                 + ("" if held else f"Saving also grants {permission} to the role."))
        super().__init__(url, actor, intro)
        self.role = role
        self.permission = permission
        self.money = money
        self.current = "" if current is None else money.format(current)

    def title_text(self) -> str:
        return f"{self.permission} limit of {self.role.label}"

    def fields(self) -> list[Field]:
        return [Field("limit", "Limit", _input(self.current, "limit", "100.00 (empty: no limit)",
                                               "A money amount in the store currency."))]

    def edits_a_record(self) -> bool:
        return True

    def save(self, values: dict[str, Any]) -> RoleRead:
        from shoptui.services import staff

        raw = values["limit"].strip()
        limit = self.money.parse(raw, field="limit") if raw else None
        return self.run(lambda session: staff.set_grant(session=session, actor=self.actor, role=self.role.role,
                                                        permission=self.permission, granted=True, limit_minor=limit))


class ChangePasswordDialog(StaffForm):
    """Your own password: the current one, then the new one twice."""

    TITLE_TEXT = "Change my password"
    SAVE_LABEL = "change"
    FIELD_NAMES: ClassVar[dict[str, str]] = {"current": "current", "new": "new"}

    def __init__(self, url: str | None, actor: Actor, *, min_length: int) -> None:
        super().__init__(url, actor, "Your other sessions stay open; log out there if you think someone knows the "
                                     "old password.")
        self.min_length = min_length

    def fields(self) -> list[Field]:
        return [
            Field("current", "Current", _input("", "current", "your password now", "The password you log in with.",
                                               secret=True)),
            Field("new", "New", _input("", "new", f"at least {self.min_length} characters",
                                       "Not a common password, not your name.", secret=True)),
            Field("new2", "Again", _input("", "new2", "the same new password", "Type the new password again.",
                                          secret=True)),
        ]

    def save(self, values: dict[str, Any]) -> StaffRead:
        from shoptui.services import staff

        same_twice(values["new"], values["new2"], field="new2", what="new password")
        return self.run(lambda session: staff.change_password(session=session, actor=self.actor,
                                                               current=values["current"], new=values["new"]))

