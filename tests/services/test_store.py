"""The store: pragmas, write transactions, schema creation and upgrades, backups, bad locations."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from shoptui import db
from shoptui.config import Actor
from shoptui.errors import SchemaOutOfDate, StoreUnavailable
from shoptui.services.shop import settings

ACTOR = Actor("owner", "test")


@pytest.mark.sqlite_only(reason="SQLite pragmas of a new store file")
def test_new_store_is_created_at_the_current_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    db.upgrade(url)  # creating a store is explicit (item 39): db upgrade on a new path
    with db.read_session(url) as session:
        assert db.current_revision(session.get_bind()) in db.schema_heads()
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert session.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL


@pytest.mark.sqlite_only(reason="SQLite's BEGIN IMMEDIATE write lock")
def test_write_transaction_takes_the_write_lock_at_begin(store: str, store_path: Path) -> None:
    """BEGIN IMMEDIATE: while one transaction is open, another writer cannot start."""
    with db.transaction(store):
        other = sqlite3.connect(store_path, timeout=0.05, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()


def test_writers_take_turns_instead_of_failing(store: str) -> None:
    """Two threads writing at once: the second waits for the first (busy timeout), both land."""
    errors: list[BaseException] = []

    def write(value: str) -> None:
        try:
            with db.transaction(store) as session:
                settings.set_value(session=session, actor=ACTOR, key="phone", raw=value)
                time.sleep(0.2)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(str(n),)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with db.read_session(store) as session:
        assert session.execute(text("select count(*) from audit_entry")).scalar() == 2


def test_rollback_on_error_changes_nothing(store: str) -> None:
    with pytest.raises(RuntimeError), db.transaction(store) as session:
        settings.set_value(session=session, actor=ACTOR, key="name", raw="Changed")
        raise RuntimeError("boom")
    with db.read_session(store) as session:
        assert settings.get(session=session, key="name") == "My Shop"


def _store_at_first_revision(path: Path) -> str:
    from alembic import command

    url = f"sqlite:///{path}"
    engine = db.get_engine(url, check_schema=False, create=True)
    config = db._alembic_config(url)
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001_foundation")
        conn.commit()
    db.dispose_all()
    return url


@pytest.mark.sqlite_only(reason="the backup file db upgrade writes beside a SQLite store")
def test_out_of_date_store_is_refused_until_upgraded(tmp_path: Path) -> None:
    url = _store_at_first_revision(tmp_path / "old.db")
    with pytest.raises(SchemaOutOfDate, match="Run 'shoptui db upgrade'"), db.read_session(url):
        pass
    result = db.upgrade(url)
    assert result.before == "0001_foundation"
    assert result.after in db.schema_heads()
    assert result.backup is not None and result.backup.exists()
    from shoptui import backups

    with backups.verified(result.backup) as checked:  # the whole store, in the default backup folder
        backup = sqlite3.connect(checked.database)
        assert backup.execute("select version_num from alembic_version").fetchone() == ("0001_foundation",)
        backup.close()
    assert result.backup.parent == backups.default_folder(url)
    assert result.applied[-1] == result.after and "0001_foundation" not in result.applied
    with db.read_session(url) as session:
        assert settings.get(session=session, key="currency") == "CNY"


def test_upgrade_of_a_current_store_does_nothing(store: str) -> None:
    result = db.upgrade(store)
    assert result.before == result.after and result.backup is None


@pytest.mark.sqlite_only(reason="tampers with the store file")
def test_newer_store_is_refused(store: str, store_path: Path) -> None:
    con = sqlite3.connect(store_path)
    con.execute("update alembic_version set version_num = '9999_future'")
    con.commit()
    con.close()
    with pytest.raises(SchemaOutOfDate, match="9999_future"), db.read_session(store):
        pass
    db.dispose_all()
    with pytest.raises(SchemaOutOfDate, match="newer shoptui"):
        db.upgrade(store)


@pytest.mark.sqlite_only(reason="a file that is not a SQLite database")
def test_corrupt_file_is_refused_with_a_sentence(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.db"
    path.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(StoreUnavailable, match="not a readable shoptui database"), db.read_session(str(path)):
        pass


@pytest.mark.sqlite_only(reason="a SQLite file of another program")
def test_foreign_database_is_not_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    con = sqlite3.connect(path)
    con.execute("create table invoices (id integer)")
    con.close()
    with pytest.raises(StoreUnavailable, match="not a shoptui store"), db.read_session(str(path)):
        pass


@pytest.mark.sqlite_only(reason="the folder of a store file")
def test_missing_folder_is_refused_and_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "folder"
    with pytest.raises(StoreUnavailable, match="does not exist"), db.read_session(str(missing / "shop.db")):
        pass
    assert not missing.exists()


@pytest.mark.sqlite_only(reason="the folder of a store file")
def test_unwritable_location_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable), db.read_session("/proc/shoptui-test.db"):
        pass


@pytest.mark.sqlite_only(reason="the built-in online backup of a SQLite file")
def test_online_backup_is_a_consistent_copy(store: str, tmp_path: Path) -> None:
    with db.transaction(store) as session:
        settings.set_value(session=session, actor=ACTOR, key="name", raw="Backed Up")
    copy = db.backup_store(store, tmp_path / "copy.db")
    con = sqlite3.connect(copy)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert con.execute("select value from store_setting where key='name'").fetchone() == ('"Backed Up"',)
    con.close()
    with pytest.raises(StoreUnavailable, match="already exists"):
        db.backup_store(store, copy)
    with pytest.raises(StoreUnavailable, match="does not exist"):
        db.backup_store(store, tmp_path / "missing" / "x.db")


@pytest.mark.sqlite_only(reason="the built-in online backup of a SQLite file")
def test_backup_while_another_process_writes(store: str, store_path: Path, tmp_path: Path) -> None:
    """The copy is taken while a writer holds an open transaction and is still consistent."""
    writer = sqlite3.connect(store_path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("insert into store_setting(key, value, updated_at) values ('phone', '\"1\"', '2026-01-01')")
    copy = db.backup_store(store, tmp_path / "during.db")
    writer.execute("COMMIT")
    writer.close()
    con = sqlite3.connect(copy)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert con.execute("select count(*) from store_setting where key='phone'").fetchone() == (0,)
    con.close()
