"""The ``shoptui`` command: no command opens the TUI, ``shoptui COMMAND ...`` runs one and exits."""

from __future__ import annotations

from difflib import get_close_matches
from typing import Any, Protocol, runtime_checkable

import typer
from typer.core import TyperGroup

from shoptui import __version__, modules
from shoptui.cli._output import CliState


@runtime_checkable
class _Told(Protocol):
    """An error with a message to show, such as the (vendored) click UsageError typer raises."""

    message: str


class ModuleCommands(TyperGroup):
    """The root command: a module's command group is imported only when it is run or its help shown.

    ``shoptui --help`` lists every group from the module registry (name and one-line help), so it
    never imports a module's CLI file, let alone its services.
    """

    def list_commands(self, ctx: Any) -> list[str]:
        return [*self.commands, *(name for name in modules.commands() if name not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        found = self.commands.get(cmd_name)
        spec = modules.commands().get(cmd_name)
        if found is None and spec is not None:
            group = modules.load(spec.target)
            _plain_help(group)
            found = self.commands[cmd_name] = typer.main.get_group(group)
            found.name = cmd_name
        return found

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        try:
            return self._click_resolve_command(ctx, args)
        except Exception as exc:  # "No such command": suggest close names from every module, loaded or not
            if isinstance(exc, _Told) and exc.message and args:
                matches = get_close_matches(args[0], self.list_commands(ctx))
                if matches:
                    exc.message = f"{exc.message.rstrip('.')}. Did you mean {', '.join(repr(m) for m in matches)}?"
            raise

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = [(name, spec.help) for name, spec in modules.commands().items()]
        if not rows:
            return
        limit = formatter.width - 6 - max(len(name) for name, _ in rows)
        with formatter.section("Commands"):
            formatter.write_dl([(name, _shorten(text, limit)) for name, text in rows])


def _shorten(text: str, limit: int) -> str:
    """One line of at most ``limit`` characters, cut at a word with "..." (as Click does)."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 3, 1)].rsplit(" ", 1)[0].rstrip(" ,.;:")
    return f"{cut}..."


app = typer.Typer(
    cls=ModuleCommands,
    name="shoptui",
    help="The back office of a small shop, in the terminal. Run without a command to open the app.",
    no_args_is_help=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    add_completion=False,
    rich_markup_mode=None,  # plain Click help: Rich's help renderer alone costs ~120 ms per start
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"shoptui {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def main(
    ctx: typer.Context,
    db: str | None = typer.Option(
        None, "--db", metavar="URL|PATH", help="The store: a SQLite file path or a database URL "
        "(default: $SHOPTUI_DATABASE_URL, then shoptui.toml, then the user data dir)."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
    demo_if_empty: bool = typer.Option(False, "--demo-if-empty", help="Open the app; on a store without accounts, "
                                       "load the demo once the owner account is made (what `make run` does)."),
) -> None:
    """Run the shop from a terminal: the app with no command, or one command for scripts.

    Examples:

      shoptui                                  open the app

      shoptui --db ./shop.db settings show     one command on another store

      shoptui --demo-if-empty                  open the app; a new store gets its owner, then the demo
    """
    if db is not None and not db.strip():  # an unset variable in a script, never "the default store"
        from shoptui.cli._output import fail

        raise fail("--db is empty (an unset variable?); give a store file path or a database URL.", 2)
    ctx.obj = CliState(db=db)
    if ctx.invoked_subcommand is None:
        from shoptui.cli.entry import open_app

        raise typer.Exit(open_app(db, demo_if_empty=demo_if_empty))
    if demo_if_empty:
        from shoptui.cli._output import fail

        raise fail("--demo-if-empty opens the app: give it without a command.", 2)


@app.command("login")
def login(
    ctx: typer.Context,
    name: str | None = typer.Option(None, "--name", "-n", help="The account name (asked for when left out)."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input "
                                        "(one line; a second line is the new password when one must be chosen)."),
    code: str | None = typer.Option(None, "--code", help="The two-factor code (asked for when needed)."),
) -> None:
    """Log in to the store; the session is kept (readable by you only) until it expires or you log out.

    Example: shoptui login --name mei
    """
    from shoptui.cli import staff

    staff.login(ctx, name=name, password_stdin=password_stdin, code=code)


@app.command("logout")
def logout(ctx: typer.Context) -> None:
    """End your login session on this store.

    Example: shoptui logout
    """
    from shoptui.cli import staff

    staff.logout(ctx)


def _plain_help(typer_app: typer.Typer) -> None:
    """Every command group renders help the fast, plain way (see ``rich_markup_mode`` above)."""
    typer_app.rich_markup_mode = None
    typer_app.pretty_exceptions_enable = False
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            _plain_help(group.typer_instance)

