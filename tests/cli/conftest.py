"""CLI fixtures: Typer's runner, a helper that runs a command on a store, a seeded store and its digest."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shoptui import db
from shoptui.cli.main import app
from tests.services.orders_helpers import seed

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


def store_digest(path: Path | str, tables: tuple[str, ...] | None = None) -> str:
    """A hash of every row of ``tables`` (all of them when None): equal digests, an unchanged store."""
    con = sqlite3.connect(path)
    try:
        names = tables or tuple(name for (name,) in con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"))
        digest = hashlib.sha256()
        for table in names:
            for row in con.execute(f'SELECT * FROM "{table}" ORDER BY 1'):
                digest.update(repr(row).encode())
        return digest.hexdigest()
    finally:
        con.close()


@pytest.fixture
def seeded(store: str, frozen_clock) -> str:  # type: ignore[no-untyped-def]
    """The store with the orders seed (TEE-01 has the barcode 6901234567892), the clock frozen."""
    with db.transaction(store) as s:
        seed(s)
    db.dispose_all()
    return store
