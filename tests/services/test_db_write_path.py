"""The write path of db.py: what a transaction costs and where the WAL checkpoint runs.

SQLite's automatic checkpoint ran inside a commit while the writer still held the writers' gate, so
every other writer waited behind it (up to ~40 ms on a big store). Connections now never checkpoint
on their own; the writer that finds the WAL past the threshold folds it in after its transaction,
outside the gate, and a WAL that passive checkpoints could not catch up is folded in inside the gate.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from shoptui import db
from shoptui.errors import Conflict

pytestmark = pytest.mark.sqlite_only(reason="the SQLite write path: WAL checkpoints and the writers' file gate")

THRESHOLD = 64 * 1024
LIMIT = 4 * THRESHOLD
ROW = 6000  # bytes of payload per row: two pages of WAL per one-row transaction


@pytest.fixture
def small_wal(store: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The store with a 64 KiB checkpoint threshold (set before its engine connects) and a scratch table."""
    db.dispose_all()
    monkeypatch.setattr(db, "WAL_CHECKPOINT_BYTES", THRESHOLD)
    monkeypatch.setattr(db, "WAL_LIMIT_BYTES", LIMIT)
    db._wal_tried_at.clear()
    with db.transaction(store) as session:
        session.execute(text("CREATE TABLE scratch (id INTEGER PRIMARY KEY, payload BLOB)"))
    yield store
    db.dispose_all()


def _wal_size(url: str) -> int:
    path = db.sqlite_path(url)
    assert path is not None
    wal = path.with_name(path.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


def _write(url: str, rows: int = 1) -> None:
    with db.transaction(url) as session:
        for _ in range(rows):
            session.execute(text("INSERT INTO scratch (payload) VALUES (randomblob(:n))"), {"n": ROW})


def _gate_is_free(url: str) -> bool:
    path = db.sqlite_path(url)
    assert path is not None
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def _count(url: str) -> int:
    with db.read_session(url) as session:
        return session.execute(text("SELECT count(*) FROM scratch")).scalar_one()


def test_connections_never_checkpoint_inside_a_commit(store: str) -> None:
    with db.transaction(store) as session:
        assert session.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 0
        assert session.execute(text("PRAGMA journal_size_limit")).scalar() == db.WAL_CHECKPOINT_BYTES
    with db.read_session(store) as session:
        assert session.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 0


def test_many_writes_keep_the_wal_under_the_bound(small_wal: str) -> None:
    sizes = []
    for _ in range(300):  # ~2.4 MiB of WAL in all, ten times the limit
        _write(small_wal)
        sizes.append(_wal_size(small_wal))
    assert max(sizes) <= THRESHOLD + 4 * 4096  # one transaction past the threshold at most, then folded in
    assert min(sizes[50:]) > 0 and _count(small_wal) == 300
    with db.read_session(small_wal) as session:
        assert session.execute(text("PRAGMA integrity_check")).scalar() == "ok"


def test_the_wal_stays_bounded_while_other_writers_keep_appending(small_wal: str) -> None:
    """Three threads writing at once: passive checkpoints lose the race, the one inside the gate wins it."""
    sizes: list[int] = []
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for _ in range(120):
                _write(small_wal)
                sizes.append(_wal_size(small_wal))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert max(sizes) <= LIMIT + 3 * 4 * 4096  # the limit plus what the others wrote meanwhile
    assert _count(small_wal) == 360


def test_the_checkpoint_runs_after_the_gate_is_let_go(small_wal: str, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[bool, int]] = []
    real = db._checkpoint

    def spy(url: str) -> bool:
        seen.append((_gate_is_free(url), _wal_size(url)))
        return real(url)

    monkeypatch.setattr(db, "_checkpoint", spy)
    for _ in range(20):
        _write(small_wal)
    assert seen, "the WAL passed the threshold, so a writer must have folded it in"
    assert all(free for free, _ in seen)  # another writer could write meanwhile
    assert all(size > THRESHOLD for _, size in seen)  # and only once the WAL was past the threshold
    assert _wal_size(small_wal) <= THRESHOLD + 4 * 4096


def test_past_the_limit_the_checkpoint_holds_the_gate(small_wal: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """One big transaction leaves the WAL past the limit: the first try is passive, outside the
    gate; when it leaves frames behind (writers appended meanwhile, simulated), the next one runs
    inside the gate and the WAL starts over."""
    seen: list[bool] = []
    real = db._checkpoint

    def first_loses_the_race(url: str) -> bool:
        seen.append(_gate_is_free(url))
        return False if len(seen) == 1 else real(url)

    monkeypatch.setattr(db, "_checkpoint", first_loses_the_race)
    _write(small_wal, rows=60)  # ~720 KiB in one transaction
    assert seen == [True]
    for _ in range(3):  # another quarter of the threshold
        _write(small_wal)
    assert seen == [True, False]  # the second try held the gate
    _write(small_wal)  # and the WAL started over at the next write
    assert _wal_size(small_wal) <= THRESHOLD


def test_a_wal_file_left_big_does_not_set_off_a_checkpoint_per_write(
    small_wal: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tool without the size limit started the WAL over and left the file big: the frames in it
    are few, so after one try the next waits until the file really grows."""
    calls: list[int] = []
    real = db._checkpoint

    def counted(url: str) -> bool | None:
        calls.append(_wal_size(url))
        return real(url)

    with db.transaction(small_wal) as session:
        session.execute(text("PRAGMA journal_size_limit = -1"))
    _write(small_wal, rows=60)  # the file grows to ~720 KiB ...
    with db.transaction(small_wal) as session:  # ... and stays so when this connection starts the WAL over
        session.execute(text("PRAGMA journal_size_limit = -1"))
    big = _wal_size(small_wal)
    monkeypatch.setattr(db, "_checkpoint", counted)
    for _ in range(20):
        _write(small_wal)
    assert _wal_size(small_wal) == big  # the file never grew: 20 small writes fit in it
    assert len(calls) <= 1


def test_a_failing_checkpoint_does_not_fail_the_write(small_wal: str, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def broken(url: str) -> bool:
        calls.append(url)
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(db, "_checkpoint", broken)
    for _ in range(40):
        _write(small_wal)
    assert calls  # it was tried, it failed, the writes stand
    assert _count(small_wal) == 40
    assert len(calls) < 40  # a failed try is not repeated after every transaction
    monkeypatch.undo()
    monkeypatch.setattr(db, "WAL_CHECKPOINT_BYTES", THRESHOLD)
    monkeypatch.setattr(db, "WAL_LIMIT_BYTES", LIMIT)
    for _ in range(4):  # working again: the next writers fold the WAL in and it starts over
        _write(small_wal)
    assert _wal_size(small_wal) <= THRESHOLD + 4 * 4096
    assert _count(small_wal) == 44


def test_an_uncontended_transaction_starts_no_thread(store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with db.transaction(store):
        pass

    def no_thread(*args: object, **kwargs: object) -> None:
        raise AssertionError("a helper thread was started for a free gate")

    monkeypatch.setattr(db.threading, "Thread", no_thread)
    for _ in range(5):
        with db.transaction(store) as session:
            session.execute(text("SELECT 1"))


def test_a_store_locked_from_outside_is_refused_with_a_sentence(
    store: str, store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer that does not use our gate (the sqlite3 shell) holds the store: BEGIN IMMEDIATE
    times out and the face gets the 'busy' sentence, not a driver error."""
    db.dispose_all()
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 100)
    with db.read_session(store) as session:  # the store is in WAL mode from here on
        session.execute(text("SELECT 1"))
    other = sqlite3.connect(store_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(Conflict, match="busy with another write"):
            with db.transaction(store):
                pass  # pragma: no cover - must not get here
        with db.read_session(store) as session:  # readers are not held up by a writer
            assert session.execute(text("SELECT count(*) FROM audit_entry")).scalar() is not None
    finally:
        other.execute("ROLLBACK")
        other.close()
    with db.transaction(store) as session:  # the refused transaction left nothing behind
        session.execute(text("SELECT 1"))
