"""CLI fixtures: Typer's runner and a helper that runs a command on a store."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from typer.testing import CliRunner

from shoptui.cli.main import app

Invoke = Callable[..., object]


@pytest.fixture
def runner() -> CliRunner:
    """A runner that keeps stdout and stderr apart."""
    return CliRunner()


@pytest.fixture
def shop(runner: CliRunner, store: str):  # type: ignore[no-untyped-def]
    """``shop("settings", "show")`` runs ``shoptui --db STORE settings show``."""

    def invoke(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(app, ["--db", store, *args], input=input)

    return invoke
