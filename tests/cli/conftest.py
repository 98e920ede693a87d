"""CLI fixtures: Typer's runner, a helper that runs a command on a store, a seeded store and its digest."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from typer.testing import CliRunner

from shoptui import db
from shoptui.cli.main import app
from tests.services.orders_helpers import seed
from tests.store_files import rows, table_names

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


def store_digest(url: str, tables: tuple[str, ...] | None = None) -> str:
    """A hash of every row of ``tables`` (all of them when None): equal digests, an unchanged store (either engine)."""
    digest = hashlib.sha256()
    for table in tables or tuple(table_names(url)):
        for row in rows(url, f'SELECT * FROM "{table}" ORDER BY 1'):
            digest.update(repr(row).encode())
    return digest.hexdigest()


@pytest.fixture
def seeded(store: str, frozen_clock) -> str:  # type: ignore[no-untyped-def]
    """The store with the orders seed (TEE-01 has the barcode 6901234567892), the clock frozen."""
    with db.transaction(store) as s:
        seed(s)
    db.dispose_all()
    return store
