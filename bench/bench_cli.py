"""Foundation: how fast the CLI starts and answers a read command."""

from __future__ import annotations

import os
import shutil

from bench._engine import empty_url
from bench._report import DATA, PYTHON, figure, log_in, wall_ms


def run() -> None:
    shoptui = shutil.which("shoptui") or os.path.join(os.path.dirname(PYTHON), "shoptui")
    bare = wall_ms([PYTHON, "-c", "pass"])
    helped = wall_ms([shoptui, "--help"])
    figure("shoptui --help (wall)", helped, bare * 1.5 + 100, note=f"python -c pass = {bare:.0f} ms")

    env = dict(os.environ, SHOPTUI_DATABASE_URL=empty_url(DATA / "cli.db"))
    wall_ms([shoptui, "db", "upgrade", "--quiet"], repeat=1, env=env)
    env["SHOPTUI_TOKEN"] = log_in(env["SHOPTUI_DATABASE_URL"])
    sqlmodel = wall_ms([PYTHON, "-c", "import sqlmodel"])
    shown = wall_ms([shoptui, "settings", "show", "--json"], env=env)
    figure("shoptui settings show --json (wall)", shown, sqlmodel * 1.3, note=f"import sqlmodel = {sqlmodel:.0f} ms")
