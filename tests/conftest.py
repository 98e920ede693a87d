"""Shared fixtures: a migrated template store copied per test, a frozen clock, actors, runners."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session

from shoptui import clock, db
from shoptui.config import Actor
from tests.store_files import (
    ENGINE,
    ON_POSTGRESQL,
    make_template,
    stop_cluster,
    store_copy,
    template_token,
    url_path,
)

FROZEN_AT = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)  # 10:30 in Asia/Shanghai
CLERK = Actor(name="clerk", source="test")


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch,
                          owner_token: str) -> None:
    """No test reads the developer's real config or store; every test runs as the logged-in owner of the
    template store (and of every copy of it): SHOPTUI_TOKEN holds the owner's API token."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local/share"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local/state"))
    monkeypatch.delenv("SHOPTUI_DATABASE_URL", raising=False)
    monkeypatch.delenv("SHOPTUI_CONFIG", raising=False)
    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    monkeypatch.delenv("SSH_CLIENT", raising=False)
    monkeypatch.delenv("SHOPTUI_FACE", raising=False)
    monkeypatch.delenv("SHOPTUI_CLIENT_ADDRESS", raising=False)
    monkeypatch.setenv("SHOPTUI_TOKEN", owner_token)
    from shoptui import config

    config._read_config.cache_clear()


def pytest_configure(config: pytest.Config) -> None:
    # a server store's media folder, one per test process for the whole run (not per test's HOME): a copy of a
    # template database finds the template's pictures (tests/store_files.py _copy_media)
    import tempfile

    os.environ.setdefault("SHOPTUI_MEDIA_DIR", tempfile.mkdtemp(prefix="shoptui-media-"))
    config.addinivalue_line("markers", "sqlite_only(reason): the test is about SQLite (files, pragmas, backup); "
                            "skipped when the suite runs on PostgreSQL")
    config.addinivalue_line("markers", "postgresql_only(reason): the test is about PostgreSQL; skipped on SQLite")


def pytest_report_header(config: pytest.Config) -> str:
    return f"shoptui test engine: {ENGINE} (SHOPTUI_TEST_ENGINE)"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    other = "sqlite_only" if ON_POSTGRESQL else "postgresql_only"
    for item in items:
        marker = item.get_closest_marker(other)
        if marker is not None:
            reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
            item.add_marker(pytest.mark.skip(reason=f"{other}: {reason}" if reason else other))


def pytest_sessionfinish(session: pytest.Session) -> None:
    stop_cluster()  # this process's PostgreSQL cluster, when it started one


@pytest.fixture(scope="session")
def template_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One store migrated to head per test run (per xdist worker); tests copy it. Its URL."""
    return make_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def owner_token(template_store: str) -> str:
    """The template owner's API token (good on every copy of the template)."""
    return template_token(template_store)


@pytest.fixture
def store(template_store: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated store for one test (a file, or a PostgreSQL database); yields its SQLAlchemy URL."""
    yield from store_copy(template_store, tmp_path, "shop.db")


@pytest.fixture
def store_path(store: str) -> Path:
    """The file behind ``store`` (SQLite only: a test that needs the file is marked sqlite_only)."""
    path = url_path(store)
    if path is None:
        pytest.fail("store_path is the file of a SQLite store; mark the test sqlite_only or use the URL")
    return path


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


@pytest.fixture
def log_in(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """``log_in(url)``: give a store made by the test itself (not a template copy) its owner, and log in to it."""
    from tests.store_files import sign_in_owner

    def log_in(url: str) -> str:
        token = sign_in_owner(url)
        monkeypatch.setenv("SHOPTUI_TOKEN", token)
        return token

    return log_in
