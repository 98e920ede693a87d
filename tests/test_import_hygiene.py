"""The core never imports a face; the CLI's --help never loads the database layer or Textual."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _loaded(code: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return [line for line in out.stdout.split() if line]


@pytest.mark.parametrize("module", ["shoptui.services", "shoptui.models", "shoptui.db", "shoptui.config",
                                    "shoptui.services.settings", "shoptui.services.messaging",
                                    "shoptui.services.audit", "shoptui.modules"])
def test_core_does_not_import_faces(module: str) -> None:
    code = f"import sys, {module}; print(*[m for m in ('textual', 'typer', 'rich') if m in sys.modules])"
    assert _loaded(code) == []


def test_all_services_stay_out_of_the_faces() -> None:
    code = (
        "import sys, pkgutil, importlib, shoptui.services as s\n"
        "[importlib.import_module('shoptui.services.' + m.name) for m in pkgutil.iter_modules(s.__path__)]\n"
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
