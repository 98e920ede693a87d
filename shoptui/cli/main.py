"""The ``shoptui`` command: no command opens the TUI, ``shoptui COMMAND ...`` runs one and exits."""

from __future__ import annotations

import typer

from shoptui import __version__, modules
from shoptui.cli._output import CliState

app = typer.Typer(
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
) -> None:
    """Run the shop from a terminal: the app with no command, or one command for scripts.

    Examples:

      shoptui                                  open the app

      shoptui --db ./shop.db settings show     one command on another store
    """
    ctx.obj = CliState(db=db)
    if ctx.invoked_subcommand is None:
        from shoptui.cli.entry import open_app

        raise typer.Exit(open_app(db))


def _plain_help(typer_app: typer.Typer) -> None:
    """Every command group renders help the fast, plain way (see ``rich_markup_mode`` above)."""
    typer_app.rich_markup_mode = None
    typer_app.pretty_exceptions_enable = False
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            _plain_help(group.typer_instance)


for _spec in modules.all_modules():
    for _name, _reference in _spec.cli:
        app.add_typer(modules.load(_reference), name=_name)
_plain_help(app)
