"""The core never imports a face; the CLI's --help never loads the database layer or Textual."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def _loaded(code: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return [line for line in out.stdout.split() if line]


@pytest.mark.parametrize("module", ["shoptui.services", "shoptui.models", "shoptui.db", "shoptui.config",
                                    "shoptui.services.shop.settings", "shoptui.services.messaging.outbox",
                                    "shoptui.services.shop.audit", "shoptui.modules"])
def test_core_does_not_import_faces(module: str) -> None:
    code = f"import sys, {module}; print(*[m for m in ('textual', 'typer', 'rich') if m in sys.modules])"
    assert _loaded(code) == []


def test_all_services_stay_out_of_the_faces() -> None:
    code = (
        "import sys, pkgutil, importlib, shoptui.services as s\n"
        "[importlib.import_module(m.name) for m in pkgutil.walk_packages(s.__path__, 'shoptui.services.')]\n"
        "print(*[m for m in ('textual', 'typer', 'rich') if m in sys.modules])"
    )
    assert _loaded(code) == []


def test_cli_help_stays_light() -> None:
    code = (
        "import sys\nfrom shoptui.cli.main import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(*[m for m in ('sqlmodel', 'sqlalchemy', 'textual', 'alembic') if m in sys.modules], file=sys.stderr)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stderr.strip() == ""


def test_cli_help_imports_no_module_command_file() -> None:
    code = (
        "import sys\nfrom shoptui.cli.main import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(*sorted(m for m in sys.modules if m.startswith(('shoptui.cli.', 'shoptui.services.'))\n"
        "      and m not in ('shoptui.cli.main', 'shoptui.cli._output')), file=sys.stderr)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stderr.split() == []


def _logged_in(store) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """This process's environment with SHOPTUI_TOKEN logging in to the new store file ``store``."""
    from shoptui import db
    from shoptui.config import normalise_url
    from tests.store_files import sign_in_owner

    token = sign_in_owner(normalise_url(str(store)))
    db.dispose_all()
    return {**os.environ, "SHOPTUI_TOKEN": token}


def test_settings_show_loads_only_the_settings_table(tmp_path) -> None:
    """Reading settings builds one table class, not the whole schema (each costs start-up time)."""
    store = tmp_path / "shop.db"
    subprocess.run([sys.executable, "-m", "shoptui", "--db", str(store), "db", "upgrade", "--quiet"], check=True)
    code = (
        "import sys\nfrom shoptui.cli.main import app\n"
        f"app(['--db', {str(store)!r}, 'settings', 'show', '--json'], standalone_mode=False)\n"
        "print(*sorted(m for m in sys.modules if m.startswith('shoptui.models.')), file=sys.stderr)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=_logged_in(store))
    assert '"currency"' in out.stdout
    # the settings table, and the staff tables that say who is logged in
    assert set(out.stderr.split()) <= {"shoptui.models._types", "shoptui.models.store", "shoptui.models.staff"}


def test_settings_show_loads_no_postgresql_dialect_and_no_pydantic_plugins(tmp_path) -> None:
    """On a SQLite store, `shoptui settings show` (the console script's way in) imports no PostgreSQL dialect
    and does not scan the installed packages for pydantic plugins; the environment is as it was after."""
    store = tmp_path / "shop.db"
    subprocess.run([sys.executable, "-m", "shoptui", "--db", str(store), "db", "upgrade", "--quiet"], check=True)
    code = (
        "import os, sys\n"
        f"sys.argv = ['shoptui', '--db', {str(store)!r}, 'settings', 'show', '--json']\n"
        "from shoptui.cli.entry import run\n"
        "try:\n    run()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
        "from pydantic.plugin import _loader\n"
        "print(*[m for m in sys.modules if m.startswith('sqlalchemy.dialects.postgresql')],\n"
        "      'plugins scanned' if _loader._plugins is not None else '',\n"
        "      os.environ.get('PYDANTIC_DISABLE_PLUGINS', ''), file=sys.stderr)"
    )
    env = {k: v for k, v in _logged_in(store).items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert '"currency"' in out.stdout
    assert out.stderr.split() == []


def test_each_command_group_help_matches_its_registry_entry() -> None:
    """`shoptui --help` prints the registry's one-line help; it must say what the group itself says."""
    from shoptui import modules

    for name, command in modules.commands().items():
        group = modules.load(command.target)
        own = (group.info.help or "").strip().split("\n\n")[0]
        assert command.help == own, f"{name}: registry says {command.help!r}, the group says {own!r}"
