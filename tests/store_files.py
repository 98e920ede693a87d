"""Test stores on either engine: a migrated template sealed once, then copied per test (copying beats migrating).

The engine is ``SHOPTUI_TEST_ENGINE`` (``sqlite``, the default, or ``postgresql``). A store is named by its
URL everywhere, so the same test runs on both:

- SQLite: a store is a file; a copy is a file copy.
- PostgreSQL: a store is a database in this process's throwaway cluster (tests/pg.py); a copy is
  ``CREATE DATABASE ... TEMPLATE``, and it is dropped when the test ends.

``rows``/``execute`` read and write a store with plain SQL through SQLAlchemy (no shoptui schema check),
for tests that look under the services or tamper with a store.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from shoptui import db

ENGINE = os.environ.get("SHOPTUI_TEST_ENGINE", "sqlite").strip().lower() or "sqlite"
if ENGINE in ("postgres", "pg"):
    ENGINE = "postgresql"
if ENGINE not in ("sqlite", "postgresql"):
    raise RuntimeError(f"SHOPTUI_TEST_ENGINE={ENGINE!r}: use sqlite or postgresql")
ON_POSTGRESQL = ENGINE == "postgresql"

_cluster = None  # tests.pg.Cluster of this process, started on first use
_names = itertools.count(1)


def cluster():  # type: ignore[no-untyped-def]
    """This process's PostgreSQL cluster (started on first use, stopped at exit)."""
    global _cluster
    if _cluster is None:
        from tests.pg import Cluster

        _cluster = Cluster()
    return _cluster


def stop_cluster() -> None:
    global _cluster
    if _cluster is not None:
        db.dispose_all()
        _cluster.stop()
        _cluster = None


def _database_name(name: str) -> str:
    stem = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:40] or "store"
    return f"{stem}_{os.getpid()}_{next(_names)}"


def new_store_url(folder: Path, name: str) -> str:
    """The URL of a store that does not exist yet (``db upgrade`` makes it); on PostgreSQL an empty database."""
    if not ON_POSTGRESQL:
        return f"sqlite:///{folder / name}"
    database = _database_name(name)
    cluster().admin(f'CREATE DATABASE "{database}"')
    return cluster().url(database)


def database_name(url: str) -> str:
    return str(make_url(url).database)


OWNER_NAME = "owner"
OWNER_PASSWORD = "a-long-shopkeeper-passphrase"
_TOKENS: dict[str, str] = {}


def sign_in_owner(url: str) -> str:
    """Give a migrated store its owner account (OWNER_NAME) when it has none, and return a login session of
    that owner that never expires: what every test passes in SHOPTUI_TOKEN, so the whole suite runs as a
    logged-in owner. (A session, not an API token: a token's every use is audited, which would change the
    store under every test that proves a refused command changed nothing.)"""
    from shoptui.models.staff import StaffToken
    from shoptui.services import staff

    with db.transaction(url) as session:
        if not staff.has_accounts(session=session):
            staff.init_owner(session=session, name=OWNER_NAME, password=OWNER_PASSWORD, source="test")
        result = staff.login(session=session, name=OWNER_NAME, password=OWNER_PASSWORD, source="test")
        assert result.token is not None, result.message
        session.execute(text("UPDATE staff_token SET expires_at = NULL WHERE kind = 'session'"))
        assert StaffToken  # the table the statement above names
    _TOKENS[url] = result.token
    return result.token


def login_env(url: str) -> dict[str, str]:
    """The environment that logs a CliRunner in to ``url``, a store given its owner by sign_in_owner (or a
    copy of the template); empty for any other store (the suite's own SHOPTUI_TOKEN then applies)."""
    return {"SHOPTUI_TOKEN": _TOKENS[url]} if url in _TOKENS else {}


def make_template(folder: Path) -> str:
    """A store migrated to head, with its owner and the owner's API token (``template_token``), sealed, to be
    copied by ``copy_store``."""
    url = new_store_url(folder, "template.db")
    db.upgrade(url, backup=False)
    sign_in_owner(url)
    with db.transaction(url) as session:  # the owner's making is not what tests count: a fresh log and bell
        session.execute(text("DELETE FROM audit_entry"))
        session.execute(text("DELETE FROM notification"))
    return seal_template(url)


def template_token(template: str) -> str:
    """The owner's API token of a template store (and of every copy of it)."""
    return _TOKENS[template]


def seal_template(url: str) -> str:
    """Close every connection (PostgreSQL copies only an unused template) and, on SQLite, fold the WAL
    into the file, so a plain copy of it is the whole store."""
    db.dispose_all()
    path = url_path(url)
    if path is not None:
        con = sqlite3.connect(path)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.execute("PRAGMA journal_mode = DELETE")
        con.close()
    return url


def copy_store(template: str, folder: Path, name: str) -> str:
    """A new store holding what the sealed ``template`` holds; returns its URL."""
    path = url_path(template)
    if path is not None:
        shutil.copy(path, folder / name)
        return f"sqlite:///{folder / name}"
    database = _database_name(name)
    cluster().admin(f'CREATE DATABASE "{database}" TEMPLATE "{database_name(template)}"')
    return cluster().url(database)


def drop_store(url: str) -> None:
    """Remove a PostgreSQL store (whoever is still connected is cut off); files are left to tmp_path."""
    if url_path(url) is None and ON_POSTGRESQL and _cluster is not None:
        db.dispose_all()
        _cluster.admin(f'DROP DATABASE IF EXISTS "{database_name(url)}" WITH (FORCE)')


def store_copy(template: str, tmp_path: Path, name: str) -> Iterator[str]:
    """Yield the URL of a copy of ``template`` for one test (a fixture body: ``yield from``)."""
    url = copy_store(template, tmp_path, name)
    _copy_media(template, url)
    yield url
    db.dispose_all()
    drop_store(url)


def _copy_media(template: str, url: str) -> None:
    """The template's media folder (the demo's pictures) goes with the copy: its rows name those files."""
    import shutil

    from shoptui.config import media_dir

    source, target = media_dir(template), media_dir(url)
    if source.is_dir() and source != target:
        shutil.copytree(source, target, dirs_exist_ok=True)


def url_path(url: str) -> Path | None:
    """The file of a SQLite store URL; None on PostgreSQL."""
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def _engine(url: str):  # type: ignore[no-untyped-def]
    return create_engine(url, poolclass=NullPool)


def rows(url: str, statement: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """Every row of one SQL query on the store at ``url`` (plain tuples)."""
    engine = _engine(url)
    try:
        with engine.connect() as con:
            return [tuple(row) for row in con.execute(text(statement), dict(params or {}))]
    finally:
        engine.dispose()


def execute(url: str, *statements: str, params: Mapping[str, Any] | None = None) -> None:
    """Run statements on the store at ``url`` in one committed transaction."""
    engine = _engine(url)
    try:
        with engine.begin() as con:
            for statement in statements:
                con.execute(text(statement), dict(params or {}))
    finally:
        engine.dispose()


def table_names(url: str) -> list[str]:
    """The store's tables, sorted."""
    from sqlalchemy import inspect

    engine = _engine(url)
    try:
        with engine.connect() as con:
            return sorted(inspect(con).get_table_names())
    finally:
        engine.dispose()
