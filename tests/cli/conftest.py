"""CLI fixtures: Typer's runner, a helper that runs a command on a store, a seeded store and its digest."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shoptui import db
from shoptui.cli.main import app
from tests.services.orders_helpers import seed
from tests.store_files import copy_store, drop_store, rows, seal_template, store_copy, table_names, template_token

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


@pytest.fixture(scope="session")
def demo_template(template_store: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo store (catalogue, stock, a year of history) made once per run by ``demo load`` itself; tests
    take copies (``demo_store``): loading it takes seconds, a copy milliseconds."""
    folder = tmp_path_factory.mktemp("demo")
    url = copy_store(template_store, folder, "template.db")
    runner = CliRunner(env={"SHOPTUI_TOKEN": template_token(template_store)})  # (session-wide: before the login)
    result = runner.invoke(app, ["--db", url, "demo", "load", "--files-dir", str(folder)])
    assert result.exit_code == 0, (result.stdout, result.stderr)
    yield seal_template(url)
    drop_store(url)


@pytest.fixture
def demo_store(demo_template: str, tmp_path: Path) -> Iterator[str]:
    """A copy of the demo store for one test; its URL."""
    yield from store_copy(demo_template, tmp_path, "demo.db")
