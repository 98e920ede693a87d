"""The console-script entry: opens the app fast, runs commands, and never shows a traceback."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from shoptui import __version__


def run() -> None:
    """``shoptui``: no traceback for anything a user can cause."""
    from shoptui.errors import ShopError

    try:
        only_store, db = _only_the_store(sys.argv[1:])
        if only_store:  # the app opens faster without first building every command group
            sys.exit(open_app(db))
        from shoptui.cli.main import app

        with _no_pydantic_plugins():
            app()
    except ShopError as exc:  # a refusal raised outside a command's own refusals()
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("error: interrupted; nothing more was done.", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:  # an unexpected failure: one line here, the traceback in the log
        from shoptui.text import visible

        path = _log_traceback(exc)
        from shoptui.config import mask_url

        print(visible(f"error: something went wrong ({type(exc).__name__}: {mask_url(str(exc))}). Details: {path}"),
              file=sys.stderr)
        sys.exit(1)


def open_app(db: str | None, *, demo_if_empty: bool = False) -> int:
    """Open the TUI on the store (the only place the CLI touches textual); returns its exit code.

    ``demo_if_empty``: on a store without accounts, load the demo behind the first run's owner account.
    """
    from shoptui.config import resolve_database_url
    from shoptui.errors import ShopError

    try:
        url = resolve_database_url(db)
    except ShopError as exc:
        from shoptui.text import visible

        print(visible(f"error: {exc}"), file=sys.stderr)
        return 1
    from shoptui.tui.app import ShopApp

    shop = ShopApp(db_url=url, demo_if_empty=demo_if_empty)
    shop.run()
    return shop.return_code or 0


@contextmanager
def _no_pydantic_plugins() -> Iterator[None]:
    """Run a command without pydantic's plugin discovery: shoptui uses no pydantic plugin, and finding none
    scans every installed package's entry points when the first model is built (~14 ms a command).
    A ``PYDANTIC_DISABLE_PLUGINS`` the user set is left as it is."""
    if "PYDANTIC_DISABLE_PLUGINS" in os.environ:
        yield
        return
    os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"
    try:
        yield
    finally:
        os.environ.pop("PYDANTIC_DISABLE_PLUGINS", None)


def _only_the_store(argv: list[str]) -> tuple[bool, str | None]:
    """``(True, db)`` when the arguments only name the store: open the app without building the CLI."""
    if not argv:
        return True, None
    if len(argv) == 2 and argv[0] == "--db" and not argv[1].startswith("-"):
        return True, argv[1]
    if len(argv) == 1 and argv[0].startswith("--db=") and len(argv[0]) > 5:
        return True, argv[0][5:]
    return False, None


def _log_traceback(exc: BaseException) -> str:
    from shoptui import errorlog

    try:
        return errorlog.write(f"shoptui {__version__} {errorlog.masked_command_line(sys.argv)}", exc)
    except OSError:
        return "(the log file could not be written)"
