"""What every command shares: the store it talks to, refusals, output as tables or JSON.

Imports here are standard library and typer only; everything heavier loads inside functions.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from rich.console import JustifyMethod
    from sqlmodel import Session

    from shoptui.config import Actor
    from shoptui.services.shop import Currency, Outcome

JSON_OPTION = typer.Option(False, "--json", help="Print one JSON document to stdout instead of a table.")
KEY_OPTION = typer.Option(
    None, "--idempotency-key", metavar="KEY",
    help="A retry with the same key and arguments changes nothing and prints the first result (safe for cron and "
    "scripts); the key with other arguments is refused.",
)


@dataclass
class CliState:
    """What the global options said: the store and how to talk; and, once asked, who is logged in."""

    db: str | None = None
    _actor: Actor | None = None

    def __post_init__(self) -> None:
        global _CURRENT
        _CURRENT = self  # the command being run (one per process; each CliRunner invoke makes a new one)

    @property
    def store_url(self) -> str:
        """The resolved store URL, without asking who is there: only for the commands open to anyone
        (login, logout, staff init, db upgrade)."""
        from shoptui.config import resolve_database_url

        return resolve_database_url(self.db)

    @property
    def url(self) -> str:
        """The store URL for a command that reads or changes shop data: refused (exit 1, one line saying how
        to log in) without a valid session or API token."""
        with refusals():
            url = self.store_url
        if self._actor is None:
            self._actor = self._sign_in(url)
        return url

    @property
    def actor(self) -> Actor:
        """The logged-in staff member, via the CLI (and the SSH address when over SSH)."""
        if self._actor is None:
            self.url  # noqa: B018 - signs in
        assert self._actor is not None
        return self._actor

    def enrolling_actor(self) -> Actor:
        """The logged-in staff member, also when they must still enrol in two-factor (for the enrolment)."""
        if self._actor is None:
            with refusals():
                url = self.store_url
            self._actor = self._sign_in(url, enrolling=True)
        return self._actor

    @staticmethod
    def _sign_in(url: str, *, enrolling: bool = False) -> Actor:
        from shoptui import signin

        with refusals():
            found = signin.current(url, face="cli")
            assert found.actor is not None
            if found.must_enrol and not enrolling:
                from shoptui.errors import NotAllowed

                raise NotAllowed("The owner requires two-factor for every account: enrol first with "
                                 "`shoptui staff 2fa enrol`.")
            return found.actor


_CURRENT: CliState | None = None


def current_command() -> CliState | None:
    """The state of the command being run (None before the root callback made one)."""
    return _CURRENT


def state(ctx: typer.Context) -> CliState:
    """The CliState of the root command (set by the main callback)."""
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj


def say(message: object, *, err: bool = False, nl: bool = True) -> None:
    """Print one message as plain text: control characters (terminal escapes) shown as ``\\x1b``, never sent."""
    from shoptui.text import visible

    typer.echo(visible(message), err=err, nl=nl)


def plain(value: object) -> Any:
    """A table cell, title or line as a Rich ``Text``: user data is never parsed as markup or sent raw."""
    from rich.text import Text

    from shoptui.text import visible

    return Text(visible(value))


def given(ctx: typer.Context, name: str) -> bool:
    """True when the parameter ``name`` was typed on the command line (not left at its default)."""
    source = ctx.get_parameter_source(name)
    return source is not None and source.name in ("COMMANDLINE", "ENVIRONMENT")


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``error: message`` on stderr and return the Exit to raise."""
    say(f"error: {message}", err=True)
    return typer.Exit(code)


@contextmanager
def refusals() -> Iterator[None]:
    """A ShopError becomes one line on stderr and exit code 1."""
    from shoptui.errors import ShopError

    try:
        yield
    except ShopError as exc:
        _note_refusal(exc)
        raise fail(str(exc)) from None


def _note_refusal(exc: Exception) -> None:
    """A permission refusal is audited (and the owner told) apart from the refused work."""
    from shoptui.errors import NotAllowed

    cli = _CURRENT
    if isinstance(exc, NotAllowed) and exc.permission and cli is not None and cli._actor is not None:
        from shoptui import signin

        signin.record_refusal(cli.store_url, cli._actor, exc)


def require_admin(ctx: typer.Context) -> None:
    """The store.admin permission of the logged-in account, checked in a read session before a db operation
    (backup, restore, move) that no audited service write stands behind."""
    from shoptui import db
    from shoptui.services import shop

    cli = state(ctx)
    with refusals(), db.read_session(cli.url) as session:
        shop.require(session=session, actor=cli.actor, permission="store.admin")


@contextmanager
def reading(ctx: typer.Context) -> Iterator[Session]:
    """A read session on the store, with refusals handled."""
    from shoptui import db

    with refusals(), db.read_session(state(ctx).url) as session:
        yield session


def change(
    ctx: typer.Context,
    command: str,
    work: Callable[[Session, Actor], Outcome],
    *,
    key: str | None = None,
    as_json: bool = False,
    request: Any = None,
) -> Outcome:
    """Run one changing use case in one transaction, idempotently when ``key`` is given.

    The key remembers the command's arguments (and ``request``: what it read from a file or stdin),
    so the same key with other arguments is refused. Prints the outcome's one-line message (or its
    data as JSON) and returns it.
    """
    from shoptui import db
    from shoptui.services import shop

    cli = state(ctx)
    actor = cli.actor
    digest = shop.fingerprint(command, {**_arguments(ctx), "request": request}) if key is not None else None
    def unit(session: Session) -> Outcome:
        return shop.run_once(session=session, key=key, command=command, action=lambda: work(session, actor),
                             fingerprint=digest)

    with refusals():  # a deadlock or serialisation failure on the server runs the command again (bounded)
        outcome = db.run_transaction(unit, cli.url)
    if as_json:
        emit_json(outcome.data)
    else:
        say(outcome.message)
    if outcome.replayed:
        typer.echo("(already done earlier with this idempotency key; nothing changed now)", err=True)
    return outcome


_NOT_ARGUMENTS = frozenset({"--idempotency-key", "--json"})  # how to ask and how to print, not what to do


def _arguments(ctx: typer.Context) -> dict[str, Any]:
    """What a command was asked to do: its parameters (a named file by its content), for the key's fingerprint."""
    import hashlib
    from pathlib import Path

    values: dict[str, Any] = {}
    for param in ctx.command.params:
        if param.name is None or _NOT_ARGUMENTS.intersection(param.opts):
            continue
        value = ctx.params.get(param.name)
        if isinstance(value, Path) and value.is_file():
            try:
                value = {"file_sha256": hashlib.sha256(value.read_bytes()).hexdigest()}
            except OSError:
                value = str(value)
        values[param.name] = value
    return values


def shop_currency(session: Session) -> Currency:
    """The shop's currency (from the store settings)."""
    from shoptui.services import shop

    return shop.currency(session=session)


def shop_currency_and_zone(session: Session) -> tuple[Currency, Any]:
    """The shop's currency and time zone (from the store settings)."""
    from shoptui.services import shop

    return shop.currency(session=session), shop.timezone(session=session)


def outcome(message: str, value: Any = None, currency: Currency | None = None) -> Outcome:
    """What a change did: its one line for people and ``value`` as JSON data (``*_minor`` money in ``currency``)."""
    from shoptui.services.shop import Outcome

    return Outcome(message=message, data=jsonable(value, currency))


# ---------------------------------------------------------------- JSON


def jsonable(value: Any, currency: Currency | None = None) -> Any:
    """Plain JSON data: models dumped, ``*_minor`` money as decimal strings, times ISO 8601."""
    if hasattr(value, "model_dump"):
        value = value.model_dump()
    elif hasattr(value, "__dataclass_fields__"):
        value = {name: getattr(value, name) for name in value.__dataclass_fields__}
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if isinstance(key, str) and key.endswith("_minor") and currency is not None:
                out[key.removesuffix("_minor")] = None if item is None else currency.format(int(item))
            else:
                out[str(key)] = jsonable(item, currency)
        if currency is not None and any(isinstance(k, str) and k.endswith("_minor") for k in value):
            out.setdefault("currency", currency.code)
        return out
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(item, currency) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def emit_json(value: Any, currency: Currency | None = None) -> None:
    """Print one JSON document to stdout."""
    typer.echo(json.dumps(jsonable(value, currency), ensure_ascii=False, indent=2))


def emit_page(page: Any, currency: Currency | None = None) -> None:
    """One page of a list as JSON: ``{"items": [...], "next_after": cursor or null}``."""
    emit_json({"items": page.items, "next_after": page.next_after}, currency)


# ---------------------------------------------------------------- tables


def emit_table(
    rows: Iterable[Sequence[Any]], columns: Sequence[str], *, title: str | None = None,
    justify: dict[str, JustifyMethod] | None = None, empty: str = "Nothing to show.",
) -> None:
    """A Rich table on stdout (plain when stdout is not a terminal)."""
    from rich.console import Console
    from rich.table import Table

    rows = list(rows)
    console = Console(soft_wrap=False, markup=False, emoji=False, highlight=False)
    if not rows:
        console.print(plain(empty))
        return
    table = Table(title=None if title is None else plain(title), show_edge=False, header_style="bold", pad_edge=False)
    for column in columns:
        table.add_column(plain(column), justify=(justify or {}).get(column, "left"), overflow="fold")
    for row in rows:
        table.add_row(*(plain("" if cell is None else cell) for cell in row))
    console.print(table)


def emit_pairs(pairs: Iterable[tuple[str, Any]], *, title: str | None = None) -> None:
    """Key/value lines, aligned."""
    from rich.console import Console
    from rich.table import Table

    table = Table(show_header=False, box=None, title=None if title is None else plain(title), pad_edge=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key, value in pairs:
        table.add_row(plain(key), plain("" if value is None else value))
    Console(soft_wrap=False, markup=False, emoji=False, highlight=False).print(table)


def when(moment: datetime | None, tz: Any) -> str:
    """A stored time in the shop's zone, to the minute."""
    from shoptui import wording

    return wording.when(moment, tz)


def until(ends: datetime | None, tz: Any) -> str:
    """The end of a validity window as people read it: the last valid day (shop time) when it ends at midnight."""
    from shoptui import wording

    return wording.until(ends, tz, none="")


def confirm_print(command: str) -> bool:
    """Whether the print command may run: confirmed before from this account, or now at a terminal.

    Without a terminal to ask at, ``False`` (the documents service then refuses with a sentence).
    """
    from shoptui.services import orders

    if not command.strip() or orders.print_command_approved(command):
        return True
    if not sys.stdin.isatty():
        return False
    return typer.confirm(orders.print_confirmation_question(command), default=False, err=True)


def echo_err(message: str) -> None:
    """A line on stderr (progress, notes)."""
    from shoptui.text import visible

    print(visible(message), file=sys.stderr, flush=True)
