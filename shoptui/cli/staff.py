"""``shoptui login``/``logout`` and ``shoptui staff ...``: accounts, roles, API tokens, PINs and two-factor.

Passwords are never taken on the command line: they are asked for at a terminal (hidden), or read one
per line from standard input with ``--password-stdin``.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import typer

from shoptui.cli._output import (
    JSON_OPTION,
    change,
    emit_json,
    emit_table,
    fail,
    outcome,
    refusals,
    say,
    state,
)

if TYPE_CHECKING:
    from sqlmodel import Session

    from shoptui.config import Actor
    from shoptui.services.shop import Outcome
    from shoptui.services.staff import LoginResult, StaffRead

app = typer.Typer(help="Staff accounts, roles and permissions, API tokens, PINs and two-factor.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for cron and scripts (passed in SHOPTUI_TOKEN).", no_args_is_help=True)
role_app = typer.Typer(help="What each role may do: list, grant and revoke permissions.", no_args_is_help=True)
twofa_app = typer.Typer(help="Two-factor codes (TOTP): enrol, recovery codes, turn off.", no_args_is_help=True)
app.add_typer(token_app, name="token")
app.add_typer(role_app, name="role")
app.add_typer(twofa_app, name="2fa")

STDIN_OPTION = typer.Option(False, "--password-stdin", help="Read the password from standard input (one line; "
                            "for scripts). Without it, it is asked for at the terminal.")
_stdin: tuple[object, list[str]] | None = None  # (the command it was read for, its lines left)


def _stdin_line(what: str) -> str:
    """The next line of standard input (for --password-stdin), without its line ending; read once per command."""
    global _stdin
    from shoptui.cli._output import current_command

    if _stdin is None or _stdin[0] is not current_command():
        _stdin = (current_command(), sys.stdin.read().splitlines())
    lines = _stdin[1]
    if not lines:
        raise fail(f"Standard input holds no {what} (one per line).")
    return lines.pop(0)


def secret(what: str, *, from_stdin: bool, confirm: bool = False) -> str:
    """A password (or PIN): from stdin with --password-stdin, else asked at the terminal, hidden."""
    if from_stdin:
        return _stdin_line(what)
    if not sys.stdin.isatty():
        raise fail(f"No terminal to ask for the {what} at: pass it on standard input with --password-stdin.")
    return str(typer.prompt(what[0].upper() + what[1:], hide_input=True, confirmation_prompt=confirm, err=True))


def _ask(what: str) -> str:
    if not sys.stdin.isatty():
        raise fail(f"No terminal to ask for the {what} at: give it as an option.")
    return str(typer.prompt(what[0].upper() + what[1:], err=True))


# ---------------------------------------------------------------- login, logout (root commands)


def login(
    ctx: typer.Context,
    name: str | None = typer.Option(None, "--name", "-n", help="The account name (asked for when left out)."),
    password_stdin: bool = STDIN_OPTION,
    code: str | None = typer.Option(None, "--code", help="The two-factor code (asked for when needed)."),
) -> None:
    """Log in to the store: the session is kept (readable by you only) until it expires or you log out.

    Example: shoptui login --name mei

    Example: printf '%s\\n' "$PASSWORD" | shoptui login --name backup --password-stdin
    """
    from shoptui import db, sessionfile, signin
    from shoptui.services import staff

    url = state(ctx).store_url
    name = name if name is not None else _ask("account name")
    password = secret("password", from_stdin=password_stdin)
    new_password: str | None = None
    while True:
        def attempt(session: Session, code: str | None = code, new_password: str | None = new_password) -> LoginResult:
            return staff.login(session=session, name=name or "", password=password, code=code,
                               new_password=new_password, source=signin.face_source("cli"),
                               address=signin.client_address())

        with refusals():
            result = db.run_transaction(attempt, url)
        if result.ok:
            break
        if result.needs_code and code is None:
            say(result.message, err=True)
            code = _ask("code")
            continue
        if result.must_change_password and new_password is None:
            say(result.message, err=True)
            new_password = secret("new password", from_stdin=password_stdin, confirm=True)
            continue
        raise fail(result.message)
    assert result.token is not None and result.staff is not None
    sessionfile.write(url, result.token, name=result.staff.name, expires_at=result.expires_at)
    until = f" until {result.expires_text}" if result.expires_text else ""
    say(f"Logged in as {result.staff.name} ({result.staff.role}){until}.")
    for notice in result.notices:
        say(notice, err=True)
    if result.must_enrol:
        say("The owner requires two-factor for every account: enrol now with `shoptui staff 2fa enrol`.", err=True)


def logout(ctx: typer.Context) -> None:
    """End your login session on this store (the saved session is removed).

    Example: shoptui logout
    """
    from shoptui import db, sessionfile, signin
    from shoptui.errors import NotLoggedIn
    from shoptui.services import staff

    url = state(ctx).store_url
    with refusals():
        token = sessionfile.read(url)
    if token is None:
        say("You were not logged in to this store.")
        return
    try:
        found = signin.authenticate(url, token, face="cli")
        if found.actor is not None:
            actor = found.actor
            db.run_transaction(lambda s: staff.logout(session=s, token=token, actor=actor), url)
    except NotLoggedIn:
        pass  # expired or revoked already: removing the file is all that is left
    sessionfile.forget(url)
    say("Logged out.")


# ---------------------------------------------------------------- accounts


def _staff_line(row: StaffRead) -> list[Any]:
    return [row.name, row.full_name, row.role, "yes" if row.active else "disabled",
            "on" if row.two_factor else "", "yes" if row.has_pin else "",
            row.last_login_at.strftime("%Y-%m-%d %H:%M") if row.last_login_at else ""]


@app.command("init")
def init(
    ctx: typer.Context,
    name: str | None = typer.Option(None, "--name", "-n", help="The owner's account name (asked for when left out)."),
    password_stdin: bool = STDIN_OPTION,
    full_name: str = typer.Option("", "--full-name", help="The owner's full name."),
    email: str = typer.Option("", "--email", help="The owner's email address."),
    if_missing: bool = typer.Option(False, "--if-missing", help="Do nothing when the store already has accounts."),
) -> None:
    """Create the owner account on a store that has none (the first run), and log in as the owner.

    Example: printf '%s\\n' "$OWNER_PASSWORD" | shoptui staff init --name owner --password-stdin
    """
    from shoptui import db, sessionfile, signin
    from shoptui.services import staff

    url = state(ctx).store_url
    with refusals():
        db.get_engine(url)  # a clear sentence for a store that is missing or out of date
        with db.read_session(url) as session:
            exists = staff.has_accounts(session=session)
    if exists:
        if if_missing:
            return
        raise fail("This store already has an owner; log in (`shoptui login`) and add accounts with "
                   "`shoptui staff add`.")
    if name is None:
        say("This store has no staff accounts yet: create the owner account.", err=True)
        name = _ask("owner's account name")
    password = secret("password", from_stdin=password_stdin, confirm=True)

    def work(session: Session) -> LoginResult:
        staff.init_owner(session=session, name=name or "", password=password, full_name=full_name, email=email,
                         source="cli", address=signin.client_address())
        return staff.login(session=session, name=name or "", password=password, source="cli",
                           address=signin.client_address())

    with refusals():
        result = db.run_transaction(work, url)
    assert result.token is not None and result.staff is not None
    sessionfile.write(url, result.token, name=result.staff.name, expires_at=result.expires_at)
    say(f"Created the owner account {result.staff.name} and logged in.")


@app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The account name they will log in with."),
    role: str = typer.Option(..., "--role", "-r", help="owner, manager, clerk or stock_keeper."),
    password_stdin: bool = STDIN_OPTION,
    full_name: str = typer.Option("", "--full-name", help="Their full name."),
    email: str = typer.Option("", "--email", help="Their email address."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Add a staff account; they choose their own password at their first login.

    Example: shoptui staff add mei --role clerk --full-name "Mei Lin"
    """
    from shoptui.services import staff

    password = secret("first password", from_stdin=password_stdin, confirm=True)

    def work(session: Session, actor: Actor) -> Outcome:
        row = staff.add_staff(session=session, actor=actor, name=name, role=role, password=password,
                              full_name=full_name, email=email)
        return outcome(f"Added {row.name} as {row.role}; they choose a new password at their first login.", row)

    change(ctx, "staff.add", work, as_json=as_json)


@app.command("list")
def list_(ctx: typer.Context, active: bool = typer.Option(False, "--active", help="Only active accounts."),
          as_json: bool = JSON_OPTION) -> None:
    """Every staff account with its role, two-factor and last login.

    Example: shoptui staff list --json
    """
    from shoptui.cli._output import reading
    from shoptui.services import staff

    with reading(ctx) as session:
        rows = staff.list_staff(session=session, actor=state(ctx).actor, include_disabled=not active)
    if as_json:
        emit_json(rows)
        return
    emit_table((_staff_line(r) for r in rows), ["name", "full name", "role", "active", "2fa", "PIN", "last login"],
               empty="No staff accounts.")


@app.command("show")
def show(ctx: typer.Context, name: str = typer.Argument(..., help="The account name."),
         as_json: bool = JSON_OPTION) -> None:
    """One account.

    Example: shoptui staff show mei
    """
    from shoptui.cli._output import emit_pairs, reading
    from shoptui.services import staff

    with reading(ctx) as session:
        row = staff.show_staff(session=session, actor=state(ctx).actor, name=name)
    if as_json:
        emit_json(row)
        return
    emit_pairs([("name", row.name), ("full name", row.full_name), ("email", row.email), ("role", row.role),
                 ("active", "yes" if row.active else "disabled"), ("two-factor", "on" if row.two_factor else "off"),
                 ("PIN", "set" if row.has_pin else "none"), ("allowed networks", row.allowed_networks or "(store's)"),
                 ("locked until", row.locked_until or ""), ("last login", row.last_login_at or ""),
                 ("password changed", row.password_changed_at)])


@app.command("whoami")
def whoami(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Who you are logged in as on this store.

    Example: shoptui staff whoami
    """
    actor = state(ctx).actor
    if as_json:
        emit_json({"name": actor.name, "role": actor.role, "source": actor.source, "address": actor.address})
        return
    say(f"{actor.name} ({actor.role})" + (f" from {actor.address}" if actor.address else ""))


@app.command("edit")
def edit(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The account name."),
    role: str | None = typer.Option(None, "--role", "-r", help="A new role."),
    full_name: str | None = typer.Option(None, "--full-name", help="A new full name."),
    email: str | None = typer.Option(None, "--email", help="A new email address ('' clears it)."),
    networks: str | None = typer.Option(None, "--networks", help="Networks this account may log in from over SSH "
                                        "or the browser (CIDR, comma-separated; '' for the store's rule)."),
) -> None:
    """Change an account's role, name, email or allowed networks.

    Example: shoptui staff edit mei --role manager --networks 192.168.1.0/24
    """
    from shoptui.services import staff

    if role is None and full_name is None and email is None and networks is None:
        raise fail("Nothing to change: give --role, --full-name, --email or --networks.", 2)

    def work(session: Session, actor: Actor) -> Outcome:
        row = staff.edit_staff(session=session, actor=actor, name=name, role=role, full_name=full_name, email=email,
                               allowed_networks=networks)
        return outcome(f"Saved {row.name} ({row.role}).", row)

    change(ctx, "staff.edit", work)


def _set_active(ctx: typer.Context, name: str, active: bool) -> None:
    from shoptui.services import staff

    def work(session: Session, actor: Actor) -> Outcome:
        row = staff.set_active(session=session, actor=actor, name=name, active=active)
        word = "enabled" if active else "disabled; their sessions and tokens no longer work"
        return outcome(f"{row.name} is {word}.", row)

    change(ctx, "staff.enable" if active else "staff.disable", work)


@app.command("disable")
def disable(ctx: typer.Context, name: str = typer.Argument(..., help="The account name.")) -> None:
    """Disable an account: it can no longer log in, and its sessions and tokens stop at their next use.

    Example: shoptui staff disable mei
    """
    _set_active(ctx, name, False)


@app.command("enable")
def enable(ctx: typer.Context, name: str = typer.Argument(..., help="The account name.")) -> None:
    """Enable a disabled account again (it logs in with a new password or token).

    Example: shoptui staff enable mei
    """
    _set_active(ctx, name, True)


@app.command("reset-password")
def reset_password(ctx: typer.Context, name: str = typer.Argument(..., help="The account name."),
                   password_stdin: bool = STDIN_OPTION) -> None:
    """Give an account a temporary password; they choose their own at their next login.

    Example: shoptui staff reset-password mei
    """
    from shoptui.services import staff

    password = secret("temporary password", from_stdin=password_stdin, confirm=True)

    def work(session: Session, actor: Actor) -> Outcome:
        row = staff.reset_password(session=session, actor=actor, name=name, password=password)
        return outcome(f"Reset the password of {row.name}; their open sessions were ended.", row)

    change(ctx, "staff.reset_password", work)


@app.command("unlock")
def unlock(ctx: typer.Context, name: str = typer.Argument(..., help="The account name.")) -> None:
    """Lift the lockout after failed logins.

    Example: shoptui staff unlock mei
    """
    from shoptui.services import staff

    def work(session: Session, actor: Actor) -> Outcome:
        row = staff.unlock(session=session, actor=actor, name=name)
        return outcome(f"{row.name} is unlocked.", row)

    change(ctx, "staff.unlock", work)


@app.command("password")
def password(ctx: typer.Context, password_stdin: bool = STDIN_OPTION) -> None:
    """Change your own password (the current one, then the new one; with --password-stdin one per line).

    Example: shoptui staff password
    """
    from shoptui.services import staff

    current = secret("current password", from_stdin=password_stdin)
    new = secret("new password", from_stdin=password_stdin, confirm=True)

    def work(session: Session, actor: Actor) -> Outcome:
        row = staff.change_password(session=session, actor=actor, current=current, new=new)
        return outcome(f"Changed the password of {row.name}.")

    change(ctx, "staff.password", work)


@app.command("pin")
def pin(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The account name (yours, or anyone's for the owner)."),
    clear: bool = typer.Option(False, "--clear", help="Remove the PIN."),
    password_stdin: bool = typer.Option(False, "--pin-stdin", help="Read the PIN from standard input."),
) -> None:
    """Set a counter PIN (4-8 digits) for quick switching at the till; it opens the counter's permissions only.

    Example: shoptui staff pin mei
    """
    from shoptui.services import staff

    value = None if clear else secret("PIN", from_stdin=password_stdin, confirm=True)

    def work(session: Session, actor: Actor) -> Outcome:
        row = staff.set_pin(session=session, actor=actor, name=name, pin=value)
        return outcome(f"{'Removed the PIN of' if value is None else 'Set the PIN of'} {row.name}.")

    change(ctx, "staff.pin", work)


# ---------------------------------------------------------------- API tokens


@token_app.command("create")
def token_create(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The account the token acts as."),
    label: str = typer.Option("script", "--label", help="What it is for (shown in the token list)."),
    days: int | None = typer.Option(None, "--days", help="Days until it expires (default: until revoked)."),
) -> None:
    """Create an API token and print it (only it) on stdout; it is shown this once.

    Example: export SHOPTUI_TOKEN=$(shoptui staff token create backup --label nightly-backup)
    """
    from shoptui import db
    from shoptui.services import staff

    cli = state(ctx)
    url, actor = cli.url, cli.actor
    with refusals():
        token = db.run_transaction(lambda s: staff.create_api_token(session=s, actor=actor, name=name, label=label,
                                                                    days=days), url)
    typer.echo(token)


@token_app.command("list")
def token_list(
    ctx: typer.Context,
    name: str | None = typer.Argument(None, help="The account (default: yours)."),
    revoked: bool = typer.Option(False, "--revoked", help="Also revoked and expired ones."),
    as_json: bool = JSON_OPTION,
) -> None:
    """API tokens and login sessions of an account, newest first.

    Example: shoptui staff token list backup
    """
    from shoptui.cli._output import reading
    from shoptui.services import staff

    with reading(ctx) as session:
        rows = staff.list_tokens(session=session, actor=state(ctx).actor, name=name, include_revoked=revoked)
    if as_json:
        emit_json(rows)
        return

    def stamp(value: Any) -> str:
        return value.strftime("%Y-%m-%d %H:%M") if value else ""

    emit_table(((r.id, r.name, r.kind, r.label, f"…{r.hint}", stamp(r.created_at), stamp(r.expires_at),
                 stamp(r.last_used_at), "revoked" if r.revoked_at else "") for r in rows),
               ["id", "account", "kind", "label", "ends", "created", "expires", "last used", ""],
               empty="No tokens or sessions.")


@token_app.command("revoke")
def token_revoke(ctx: typer.Context, token_id: int = typer.Argument(..., help="The token's id (from token list).")) -> None:
    """Revoke an API token or end a login session at once.

    Example: shoptui staff token revoke 12
    """
    from shoptui.services import staff

    def work(session: Session, actor: Actor) -> Outcome:
        row = staff.revoke_token(session=session, actor=actor, token_id=token_id)
        return outcome(f"Revoked {row.kind} {row.id} (…{row.hint}) of {row.name}.", row)

    change(ctx, "staff.token_revoke", work)


# ---------------------------------------------------------------- roles


@role_app.command("list")
def role_list(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Every role and the permissions it holds (with limits), and what each permission allows.

    Example: shoptui staff role list
    """
    from shoptui.cli._output import reading, shop_currency
    from shoptui.services import shop, staff

    with reading(ctx) as session:
        roles = staff.list_roles(session=session)
        cur = shop_currency(session)
    if as_json:
        emit_json({"roles": roles, "permissions": {p.name: p.help for p in shop.PERMISSIONS.values()}})
        return

    def held(role: Any, name: str) -> str:
        if name not in role.permissions:
            return ""
        limit = role.permissions[name]
        return "yes" if limit is None else f"≤ {cur.format(limit)}"

    emit_table(([name, *(held(r, name) for r in roles), p.help] for name, p in shop.PERMISSIONS.items()),
               ["permission", *(r.label.lower() for r in roles), "allows"])


def _grant(ctx: typer.Context, role: str, permission: str, granted: bool, limit: str | None) -> None:
    from shoptui.cli._output import shop_currency
    from shoptui.services import staff

    def work(session: Session, actor: Actor) -> Outcome:
        limit_minor = shop_currency(session).parse(limit, field="limit") if limit is not None else None
        found = staff.set_grant(session=session, actor=actor, role=role, permission=permission, granted=granted,
                                limit_minor=limit_minor)
        return outcome(f"{permission} {'granted to' if granted else 'taken from'} {found.label.lower()}.", found)

    change(ctx, "staff.role", work)


@role_app.command("grant")
def role_grant(
    ctx: typer.Context,
    role: str = typer.Argument(..., help="manager, clerk or stock_keeper."),
    permission: str = typer.Argument(..., help="A permission from `staff role list`."),
    limit: str | None = typer.Option(None, "--limit", help="A money limit (refund: the largest refund)."),
) -> None:
    """Let a role do something (with a money limit where the permission has one).

    Example: shoptui staff role grant clerk refund --limit 200.00
    """
    _grant(ctx, role, permission, True, limit)


@role_app.command("revoke")
def role_revoke(
    ctx: typer.Context,
    role: str = typer.Argument(..., help="manager, clerk or stock_keeper."),
    permission: str = typer.Argument(..., help="A permission from `staff role list`."),
) -> None:
    """Stop a role from doing something.

    Example: shoptui staff role revoke clerk members.manage
    """
    _grant(ctx, role, permission, False, None)


# ---------------------------------------------------------------- two-factor


@twofa_app.command("enrol")
def twofa_enrol(ctx: typer.Context, code: str | None = typer.Option(None, "--code", help="The first code from the "
                                                                    "app (asked for when left out).")) -> None:
    """Turn on two-factor for your account: scan the QR code (or type the secret) in an authenticator app, then
    enter the code it shows. Prints ten one-time recovery codes: keep them somewhere safe.

    Example: shoptui staff 2fa enrol
    """
    from shoptui import db
    from shoptui.services import staff

    cli = state(ctx)
    actor = cli.enrolling_actor()
    url = cli.store_url
    with refusals():
        enrolment = db.run_transaction(lambda s: staff.start_enrolment(session=s, actor=actor), url)
    typer.echo(enrolment.qr)
    say(f"Secret (type it in if you cannot scan): {enrolment.secret}")
    if code is None:
        code = _ask("code from the app")
    with refusals():
        codes = db.run_transaction(lambda s: staff.confirm_enrolment(session=s, actor=actor, code=code or ""), url)
    say("Two-factor is on. Recovery codes (each works once, in place of a code):")
    for line in codes:
        typer.echo(f"  {line}")


@twofa_app.command("recovery-codes")
def twofa_codes(ctx: typer.Context) -> None:
    """Make ten new recovery codes for your account (the old ones stop working).

    Example: shoptui staff 2fa recovery-codes
    """
    from shoptui import db
    from shoptui.services import staff

    cli = state(ctx)
    url, actor = cli.url, cli.actor
    with refusals():
        codes = db.run_transaction(lambda s: staff.new_recovery_codes(session=s, actor=actor), url)
    for line in codes:
        typer.echo(line)


@twofa_app.command("off")
def twofa_off(ctx: typer.Context, name: str | None = typer.Argument(None, help="Whose (default: yours; the "
                                                                       "owner may turn it off for others).")) -> None:
    """Turn two-factor off (for someone who lost their phone, the owner does it and they enrol again).

    Example: shoptui staff 2fa off mei
    """
    from shoptui.services import staff

    def work(session: Session, actor: Actor) -> Outcome:
        staff.turn_off(session=session, actor=actor, name=name)
        return outcome(f"Two-factor is off for {name or actor.name}.")

    change(ctx, "staff.2fa_off", work)
