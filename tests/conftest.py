"""Shared fixtures: a migrated template store copied per test, a frozen clock, actors, runners."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session

from shoptui import clock, db
from shoptui.config import Actor
from tests.store_files import seal_template, store_copy

FROZEN_AT = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)  # 10:30 in Asia/Shanghai
CLERK = Actor(name="clerk", source="test")


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the developer's real config or store."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local/share"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local/state"))
    monkeypatch.delenv("SHOPTUI_DATABASE_URL", raising=False)
    monkeypatch.delenv("SHOPTUI_CONFIG", raising=False)
    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    monkeypatch.delenv("SSH_CLIENT", raising=False)
    from shoptui import config

    config._read_config.cache_clear()


@pytest.fixture(scope="session")
def template_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One store migrated to head per test run; tests copy it."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    db.upgrade(str(path), backup=False)
    return seal_template(path)


@pytest.fixture
def store(template_store: Path, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated store file for one test; yields its SQLAlchemy URL."""
    yield from store_copy(template_store, tmp_path, "shop.db")


@pytest.fixture
def store_path(store: str) -> Path:
    """The file behind ``store``."""
    return Path(store.removeprefix("sqlite:///"))


@pytest.fixture
def session(store: str) -> Iterator[Session]:
    """One write transaction on a fresh store, committed at the end of the test."""
    with db.transaction(store) as s:
        yield s


@pytest.fixture
def frozen_clock() -> Iterator[datetime]:
    """Time stands still at FROZEN_AT."""
    with clock.frozen(FROZEN_AT):
        yield FROZEN_AT


@pytest.fixture
def actor() -> Actor:
    """A clerk working from a test."""
    return CLERK
