"""Store files for tests: a migrated template sealed once, then copied per test (copying beats migrating)."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from shoptui import db


def seal_template(path: Path) -> Path:
    """Close every connection and fold the WAL into the file, so a plain copy of it is the whole store."""
    db.dispose_all()
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("PRAGMA journal_mode = DELETE")
    con.close()
    return path


def store_copy(template: Path, tmp_path: Path, name: str) -> Iterator[str]:
    """Yield the URL of a copy of ``template`` for one test (a fixture body: ``yield from``)."""
    path = tmp_path / name
    shutil.copy(template, path)
    yield f"sqlite:///{path}"
    db.dispose_all()
