"""Engine, SQLite pragmas, sessions, transactions and schema migrations.

The only module that knows which database engine is behind the store. A face opens one unit of
work per user action::

    with db.transaction(url) as session:      # BEGIN IMMEDIATE on SQLite; commit or roll back
        catalog.create_product(session=session, actor=actor, data=data)

    with db.read_session(url) as session:     # reads only; always rolled back
        catalog.list_products(session=session, ...)
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.exc import DatabaseError, DBAPIError, NoSuchModuleError, OperationalError
from sqlmodel import Session

from shoptui import clock
from shoptui.config import (
    PRIVATE_FILE_MODE,
    data_dir,
    mask_url,
    prepare_sqlite_location,
    resolve_database_url,
    sqlite_path,
    tighten,
)
from shoptui.errors import Conflict, InvalidInput, SchemaOutOfDate, ShopError, StoreUnavailable
from shoptui.store import changes, scratch, stamps

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
BUSY_TIMEOUT_MS = 10_000
# The WAL is folded back into the store by the writer that finds it past this size, after its
# transaction and outside the writers' gate (see _checkpoint_after_write); SQLite's own automatic
# checkpoint ran inside the commit, while the gate was still held, and made every other writer wait.
WAL_CHECKPOINT_BYTES = 4 * 1024 * 1024
# Past this size the passive checkpoints lost the race to other writers: the next one runs inside the
# gate, so no writer appends while it folds the WAL in and the WAL starts over at the next write.
WAL_LIMIT_BYTES = 4 * WAL_CHECKPOINT_BYTES

_log = logging.getLogger(__name__)
T = TypeVar("T")

_engines: dict[str, Engine] = {}
_write_engines: dict[str, Engine] = {}  # the same engines with the BEGIN IMMEDIATE option, made once per URL
_lock_files: dict[str, str | None] = {}  # the writers' gate file of each SQLite store (None: no gate)
_wal_files: dict[str, str | None] = {}  # the -wal file of each SQLite store (None: not SQLite, or in memory)
_wal_tried_at: dict[str, int] = {}  # per store: the WAL file's size at this process's last checkpoint try
_checkpoint_turns: dict[str, threading.Lock] = {}  # one checkpointing thread per store and process
if hasattr(os, "register_at_fork"):  # a child forked mid-checkpoint must not inherit a taken turn
    os.register_at_fork(after_in_child=_checkpoint_turns.clear)
_checked: set[str] = set()
_tightened: set[str] = set()  # stores whose files were made the owner's only, once per process
_read_only: set[str] = set()  # stores opened read-only (the file or its folder cannot be written)
_lock = threading.Lock()


# ---------------------------------------------------------------- engine


def _on_sqlite_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (see _on_begin)
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    try:
        cursor.execute("PRAGMA journal_mode = WAL")
    except sqlite3.OperationalError:  # a read-only store that is not in WAL mode yet: read it as it is
        pass
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA cache_size = -65536")  # 64 MiB: index writes on big ledgers stay in memory
    cursor.execute("PRAGMA temp_store = MEMORY")
    # no checkpoint inside a commit (the writers' gate is still held there); writers fold the WAL in
    # after their transaction instead, and a WAL that starts over is cut back to the threshold, so
    # its size says how much the current round has written
    cursor.execute("PRAGMA wal_autocheckpoint = 0")
    cursor.execute(f"PRAGMA journal_size_limit = {WAL_CHECKPOINT_BYTES}")
    cursor.close()


def _on_begin(connection: Connection) -> None:
    # straight to the driver: through exec_driver_sql the BEGIN cost a tenth of an empty transaction;
    # a driver error is wrapped as SQLAlchemy would, so translated_errors words it the same way
    statement = "BEGIN IMMEDIATE" if connection.get_execution_options().get("shoptui_write", False) else "BEGIN"
    try:
        driver = connection.connection.driver_connection
        assert driver is not None  # a checked-out pool connection always has its driver connection
        driver.execute(statement)
    except sqlite3.Error as exc:
        raise DBAPIError.instance(statement, None, exc, sqlite3.Error) from exc


def is_sqlite(url: str) -> bool:
    """True when the URL names a SQLite store."""
    return url.startswith("sqlite")


def _resolved(url: str | None) -> str:
    """``resolve_database_url``, skipped for a URL that already names a cached engine.

    Resolving reads the environment and looks up the config file's folder; a transaction used to do
    that twice, which was a fifth of the cost of a one-movement sale.
    """
    if url is not None and url in _engines:
        return url
    return resolve_database_url(url)


def create_hint(url: str) -> str:
    """The command that creates a store at ``url``."""
    path = sqlite_path(url)
    where = "" if path is None or url == resolve_database_url(None) else f"--db {path} "
    return f"shoptui {where}db upgrade"


def _require_store_file(url: str) -> None:
    """Refuse a missing or empty SQLite file: only ``db upgrade`` makes a new store (never a typo)."""
    path = sqlite_path(url)
    if path is None:
        return
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise StoreUnavailable(f"There is no store at {path}. Create one with '{create_hint(url)}'.") from None
    except OSError:
        return  # the connection names the problem
    if size == 0:
        raise StoreUnavailable(
            f"The store file {path} is empty (0 bytes), so there is no store in it. "
            f"Create one with '{create_hint(url)}', or point --db at the right file."
        )


def _opens_read_only(path: Path) -> bool:
    """True when SQLite could not write the store: the file, or the folder its WAL files live in."""
    if not path.exists():
        return False
    if not os.access(path, os.W_OK):
        return True
    return not os.access(path.parent, os.W_OK) and not path.with_name(path.name + "-shm").exists()


def get_engine(url: str | None = None, *, check_schema: bool = True, create: bool = False) -> Engine:
    """The cached engine for ``url``.

    Only with ``create`` (``db upgrade``) is a missing or empty SQLite file made into a new store at
    the current schema (0600, in a 0700 folder when the folder is new); otherwise it is refused with
    a sentence naming the command that creates one. With ``check_schema`` an out-of-date store is
    refused with a sentence that says to run ``shoptui db upgrade``, a store of a newer shoptui with
    one that says to upgrade shoptui. Alembic is only imported when the schema has to change. A store
    that cannot be written (read-only file or folder) is opened read-only: reads work, and writes say
    the store is read-only.
    """
    url = _resolved(url)
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            path = sqlite_path(url)
            if not create and path is not None and (path.parent == data_dir() or path.parent.exists()):
                _require_store_file(url)  # the default store not made yet: say which command makes it
            # only the default store's folder is created; a --db in a missing folder is a typo
            prepare_sqlite_location(url, create_dir=create and path is not None and path.parent == data_dir())
            if not create:
                _require_store_file(url)
            elif path is not None and not path.exists():
                _create_private_file(path)
            if path is not None and _opens_read_only(path):
                _read_only.add(url)
                # mode=ro: no write is tried; immutable when not even the -shm can be made beside it
                immutable = "&immutable=1" if not os.access(path.parent, os.W_OK) else ""
                uri = f"file:{path}?mode=ro{immutable}"
                engine = create_engine(  # the URL names the file (the media folder beside it); creator opens it
                    f"sqlite:///{path}", creator=lambda: sqlite3.connect(
                        uri, uri=True, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
                )
                event.listen(engine, "connect", _on_sqlite_connect)
                event.listen(engine, "begin", _on_begin)
            elif is_sqlite(url):
                engine = create_engine(
                    url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}
                )
                event.listen(engine, "connect", _on_sqlite_connect)
                event.listen(engine, "begin", _on_begin)
                event.listen(engine, "checkin", scratch.restore_on_checkin)  # temporary storage back in memory
            else:
                try:
                    engine = create_engine(url, **pool_options(url))
                except (ModuleNotFoundError, NoSuchModuleError) as exc:  # postgresql+psycopg:// without psycopg
                    raise StoreUnavailable(
                        f"The database driver for {_display(url)} is not installed ({exc}); install it "
                        "(for PostgreSQL: pip install 'psycopg[binary]') or use a SQLite file."
                    ) from exc
            stamps.watch(engine)  # the pricing cache's stamp follows every write to what it reads
            changes.watch(engine)  # every commit tells the other terminals (PostgreSQL: NOTIFY)
            _engines[url] = engine
        if check_schema and url not in _checked:
            _ensure_schema(engine, url, create=create)
            _checked.add(url)
    return engine


# A small pool per server store: a till, a back office and cron jobs each hold a connection or two;
# a checkout waits at most POOL_TIMEOUT_S for a free one, and a connection attempt to a server that is
# away gives up after CONNECT_TIMEOUT_S instead of hanging the terminal.
POOL_SIZE = 5
POOL_MAX_OVERFLOW = 5
POOL_TIMEOUT_S = 10
CONNECT_TIMEOUT_S = changes.CONNECT_TIMEOUT_S
RETRY_SQLSTATES = frozenset({"40001", "40P01"})  # serialisation failure, deadlock detected
RETRY_ATTEMPTS = 3


def pool_options(url: str) -> dict[str, object]:
    """``create_engine`` options of a server store: QueuePool bounds, pre-ping, connect timeout."""
    options: dict[str, object] = {
        "pool_pre_ping": True, "pool_size": POOL_SIZE, "max_overflow": POOL_MAX_OVERFLOW,
        "pool_timeout": POOL_TIMEOUT_S,
    }
    if url.startswith(("postgresql", "postgres")):
        options["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_S}
    return options


def _create_private_file(path: Path) -> None:
    """An empty file only the owner may read: SQLite gives the -wal and -shm beside it the same mode."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE_MODE))
    except FileExistsError:
        pass
    except OSError as exc:
        raise StoreUnavailable(f"The store {path} cannot be created ({exc.strerror}).") from exc


def _tighten_store_files(url: str) -> None:
    """Before the first write of this process: the store, its WAL files and its gate are the owner's only."""
    if url in _tightened:
        return
    _tightened.add(url)
    path = sqlite_path(url)
    if path is None:
        return
    for suffix in ("", "-wal", "-shm", ".lock"):
        tighten(path.with_name(path.name + suffix))


def is_read_only(url: str | None = None) -> bool:
    """True when the store was opened read-only (its file or folder cannot be written)."""
    url = _resolved(url)
    get_engine(url, check_schema=False)
    return url in _read_only


def dispose_all() -> None:
    """Close every cached engine (tests, and before replacing a store file)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _write_engines.clear()
        _checked.clear()
        _tightened.clear()
        _read_only.clear()


@contextmanager
def translated_errors(url: str) -> Iterator[None]:
    """Turn driver failures a person can cause into a ShopError with a sentence."""
    try:
        yield
    except ShopError:
        raise
    except (OperationalError, sqlite3.OperationalError) as exc:
        orig = getattr(exc, "orig", None)
        message = str(orig) if orig is not None else str(exc)
        if "disk is full" in message or "disk I/O error" in message or "database or disk" in message:
            raise StoreUnavailable(
                f"The store {_display(url)} could not be written: the disk is full or failing ({message.splitlines()[0]}). "
                "Nothing was saved; free some space (or check the disk) and try again."
            ) from exc
        if "locked" in message or "busy" in message:
            raise Conflict("The store is busy with another write that did not finish in time. Try again.") from exc
        if "readonly" in message or "read-only" in message:
            raise StoreUnavailable(f"The store {_display(url)} is read-only, so nothing can be saved.") from exc
        if "unable to open" in message:
            raise StoreUnavailable(f"The store {_display(url)} cannot be opened ({message}).") from exc
        sentence = server_error_sentence(url, message)
        if sentence is not None:
            raise StoreUnavailable(sentence) from exc
        raise
    except DatabaseError as exc:
        message = str(exc.orig) if exc.orig is not None else str(exc)
        if getattr(exc.orig, "sqlstate", None) == "22003":  # PostgreSQL: a typed number beyond the id column
            raise InvalidInput(_TOO_LARGE) from exc
        if "not a database" in message or "malformed" in message or "corrupt" in message:
            raise StoreUnavailable(
                f"The store {_display(url)} is not a readable shoptui database ({message}). "
                "Restore it from a backup or point --db at another file."
            ) from exc
        raise
    except OverflowError as exc:  # an id or cursor typed with more digits than any row id has
        raise InvalidInput(_TOO_LARGE) from exc


_TOO_LARGE = "A number given is too large to be an id or a cursor (at most 19 digits); check what you typed."


_SERVER_ERRORS: tuple[tuple[str, str], ...] = (
    (r'password authentication failed|role ".*" does not exist|no password supplied|authentication failed',
     "The database server at {where} refused the user name or password of the store URL. "
     "Check them in SHOPTUI_DATABASE_URL (or --db)."),
    (r'database ".*" does not exist',
     "The database server at {where} has no database {database}. Create it (createdb {database}) "
     "or fix the name in the store URL, then run 'shoptui db upgrade'."),
    (r"connection refused|no such file or directory|could not connect|could not translate host name|"
     r"timeout expired|name or service not known",
     "The database server at {where} cannot be reached (is it running, and are the host and port right?). "
     "Nothing was done; try again when it is up."),
    (r"server closed the connection|terminating connection|connection is lost|the connection is closed|"
     r"consuming input failed|ssl connection has been closed|connection not open",
     "The connection to the database server at {where} was lost; nothing more was saved. Try again."),
)
"""What a database server (or the network) says, and the one sentence a person gets for it."""


def server_error_sentence(url: str, message: str) -> str | None:
    """The sentence for a connection failure of a database server (refused, wrong password, missing
    database, lost connection), or None when ``message`` is none of those. Never shows a password."""
    if is_sqlite(url):
        return None
    parsed = make_url(url)
    socket = parsed.query.get("host")
    where = parsed.host or (socket if isinstance(socket, str) else None) or "localhost"
    if parsed.port:
        where = f"{where}:{parsed.port}"
    for pattern, sentence in _SERVER_ERRORS:
        if re.search(pattern, message, re.IGNORECASE):
            return sentence.format(where=where, database=parsed.database or "?")
    return None


def _display(url: str) -> str:
    path = sqlite_path(url)
    return str(path) if path else mask_url(url)


def display_url(url: str) -> str:
    """The store URL fit to show or log: a password in it is replaced by ``***``."""
    return mask_url(url)


# ---------------------------------------------------------------- sessions


def _lock_or_hand_over(fd: int, timeout: float) -> bool:
    """Take an exclusive ``flock`` on ``fd``, waiting at most ``timeout`` seconds.

    The wait blocks in the kernel (in a helper thread, since ``flock`` has no timeout), so a
    waiter wakes the moment the holder lets go. Polling with sleeps instead lost the race to a
    holder that starts its next write within a millisecond, and one sale in a hundred waited
    hundreds of ms behind three busy terminals. On ``False`` (timed out) the helper thread owns
    ``fd`` from then on and closes it once it gets the lock; the caller must not touch it.
    """
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        pass
    locked = threading.Event()
    guard = threading.Lock()
    abandoned = False

    def wait() -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:  # pragma: no cover - cannot lock: SQLite's busy timeout alone decides
            pass
        with guard:
            if abandoned:
                os.close(fd)
                return
            locked.set()

    threading.Thread(target=wait, name="shoptui-write-gate", daemon=True).start()
    if locked.wait(timeout):
        return True
    with guard:
        if locked.is_set():
            return True
        abandoned = True
    return False


@contextmanager
def _write_gate(url: str) -> Iterator[None]:
    """Writers of one SQLite store queue on an OS file lock beside it before BEGIN IMMEDIATE.

    SQLite's own busy handler sleeps in steps of up to 100 ms, so a writer waiting behind another
    wakes late; a waiter here blocks on the lock and is woken by the kernel as soon as it is free,
    which keeps the latency of one sale low while several terminals and cron jobs write. Where no
    lock file can be made (read-only folder, no fcntl), SQLite's busy timeout alone decides.
    """
    lock_file = _lock_files.get(url, "")
    if lock_file == "":
        path = sqlite_path(url)
        try:
            import fcntl  # noqa: F401
        except ImportError:  # pragma: no cover - not on POSIX
            path = None
        lock_file = _lock_files[url] = None if path is None else str(path.with_name(path.name + ".lock"))
    if lock_file is None:
        yield
        return
    try:
        fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, PRIVATE_FILE_MODE)
    except OSError:
        yield
        return
    if not _lock_or_hand_over(fd, BUSY_TIMEOUT_MS / 1000):
        raise Conflict("The store is busy with another write that did not finish in time. Try again.")
    try:
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a driver error (PostgreSQL), wrapped by SQLAlchemy or not; None for others."""
    orig = getattr(exc, "orig", exc)
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return str(state) if state else None


def is_retryable(exc: BaseException) -> bool:
    """True for a serialisation failure or a deadlock: the same transaction, run again, may pass."""
    return isinstance(exc, DBAPIError) and sqlstate(exc) in RETRY_SQLSTATES


def run_transaction(work: Callable[[Session], T], url: str | None = None, *,
                    attempts: int = RETRY_ATTEMPTS) -> T:
    """``work(session)`` in one :func:`transaction`, run again (at most ``attempts`` times in all, with a
    short growing pause) when the server aborts it as a serialisation failure or a deadlock. Each retry
    is logged; the last failure is refused with the Conflict sentence."""

    def once() -> T:
        with transaction(url) as session:
            return work(session)

    return retried(once, attempts=attempts)


def retried(unit: Callable[[], T], *, attempts: int = RETRY_ATTEMPTS) -> T:
    """``unit()``, which opens its own :func:`transaction`, run again when the server aborted that
    transaction (see :func:`run_transaction`); for faces whose unit of work is a method (a form's save)."""
    for attempt in range(1, attempts + 1):
        try:
            return unit()
        except Conflict as exc:
            cause = exc.__cause__
            if cause is None or not is_retryable(cause) or attempt == attempts:
                raise
            _log.warning("transaction aborted by the server (%s, attempt %d of %d); running it again",
                         sqlstate(cause), attempt, attempts)
            time.sleep(0.01 * attempt)
    raise AssertionError("unreachable")  # pragma: no cover


@contextmanager
def transaction(url: str | None = None) -> Iterator[Session]:
    """One unit of work: BEGIN IMMEDIATE on SQLite, commit on exit, roll back on any error.

    After the commit, with the writers' gate let go, the WAL is folded into the store when it has
    grown past ``WAL_CHECKPOINT_BYTES`` (see ``_checkpoint_after_write``).
    """
    url = _resolved(url)
    with translated_errors(url):
        if url in _read_only or (url not in _engines and is_read_only(url)):
            raise StoreUnavailable(f"The store {_display(url)} is read-only, so nothing can be saved.")
        _tighten_store_files(url)
        with _write_gate(url):
            engine = _write_engines.get(url)
            if engine is None or url not in _checked:
                engine = _write_engines[url] = get_engine(url).execution_options(shoptui_write=True)
            with Session(engine, expire_on_commit=False) as session:
                session.connection()  # take the write lock now, not at the first write
                try:
                    yield session
                    session.commit()
                except DBAPIError as exc:
                    session.rollback()
                    if is_retryable(exc):
                        raise Conflict(
                            "Another terminal changed the same records at the same moment, so nothing was "
                            "saved. Try again."
                        ) from exc
                    raise
                except BaseException:
                    session.rollback()
                    raise
    _checkpoint_after_write(url)


def _wal_file(url: str) -> str | None:
    wal = _wal_files.get(url, "")
    if wal == "":
        path = sqlite_path(url) if is_sqlite(url) else None
        wal = _wal_files[url] = None if path is None else str(path.with_name(path.name + "-wal"))
    return wal


def _checkpoint_after_write(url: str) -> None:
    """Fold the WAL into the store once it is past ``WAL_CHECKPOINT_BYTES``; never fails the write.

    A PASSIVE checkpoint, outside the writers' gate: other writers go on appending meanwhile and
    readers are not waited for; one thread of a process checkpoints at a time (the others go on).
    ``journal_size_limit`` cuts the WAL file back to the threshold when the WAL starts over (at the
    first write after a checkpoint that left no frame behind), so its size measures the current
    round. After a try, the next one waits until the file has grown by another quarter of the
    threshold: a try that failed, or one that lost the race to writers appending meanwhile (the WAL
    cannot start over while they do), is not repeated after every transaction, and a WAL file left
    big by a tool without the size limit does not set off a checkpoint per transaction. Past
    ``WAL_LIMIT_BYTES``, when the WAL has not started over since this process's last try, the next
    one runs inside the gate, where no writer appends, so the WAL starts over at the next write and
    cannot grow without bound while writers keep writing.
    (A reader holding an old snapshot holds back any checkpoint until it ends, as SQLite's own would.)
    """
    wal = _wal_file(url)
    if wal is None:
        return
    try:
        size = os.stat(wal).st_size
    except OSError:
        return
    if size <= WAL_CHECKPOINT_BYTES:
        _wal_tried_at.pop(url, None)
        return
    last = _wal_tried_at.get(url)
    if last is not None and size < last + WAL_CHECKPOINT_BYTES // 4:
        return
    turn = _checkpoint_turns.setdefault(url, threading.Lock())
    # past the limit when this process tried before (the WAL did not start over since) or is trying
    # right now: no more appending until the WAL is folded in
    gated = size > WAL_LIMIT_BYTES and (last is not None or turn.locked())
    done: bool | None = False
    try:
        if gated:
            # the gate first, then the turn (a passive try holds the turn, never waits for the gate)
            with _write_gate(url):
                if turn.acquire(timeout=BUSY_TIMEOUT_MS / 1000):
                    try:
                        done = _checkpoint(url)
                        for _ in range(20):  # another process's checkpoint is running: it ends soon
                            if done is not None:
                                break
                            time.sleep(0.002)
                            done = _checkpoint(url)
                    finally:
                        turn.release()
        elif turn.acquire(blocking=False):
            try:
                done = _checkpoint(url)
            finally:
                turn.release()
        else:
            return  # another thread of this process is folding the WAL in right now
    except Exception as exc:  # a checkpoint that fails leaves the WAL for the next writer; the write stands
        _log.warning("checkpoint of %s after a write failed: %s", _display(url), exc)
    if not done:
        _log.debug("checkpoint of %s left frames behind (writers appended, or a reader holds them)", _display(url))
    _wal_tried_at[url] = size


def _checkpoint(url: str) -> bool | None:
    """One PASSIVE checkpoint on a pooled connection: True when every frame is in the store now,
    False when some are left (writers appended meanwhile, or a reader still needs them), None when
    another connection was checkpointing."""
    raw = get_engine(url).raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
        busy, frames, done = cursor.fetchall()[0]  # the pragma answers one row
    finally:
        raw.close()
    if busy:
        return None
    return bool(frames == done)


@contextmanager
def read_session(url: str | None = None) -> Iterator[Session]:
    """A read-only unit: a consistent snapshot, always rolled back."""
    url = _resolved(url)
    with translated_errors(url), Session(get_engine(url), expire_on_commit=False) as session:
        try:
            yield session
        finally:
            session.rollback()


# ---------------------------------------------------------------- schema


_REV = re.compile(r"^revision\s*(?::\s*str)?\s*=\s*['\"]([^'\"]+)['\"]", re.M)
_DOWN = re.compile(r"^down_revision\s*(?::[^=]+)?=\s*(?:['\"]([^'\"]+)['\"]|None)", re.M)


def schema_heads() -> set[str]:
    """The head revisions shipped with this shoptui, read from the files (no Alembic import)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for file in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = file.read_text(encoding="utf-8")
        rev, down = _REV.search(source), _DOWN.search(source)
        if rev:
            revisions.add(rev.group(1))
            if down and down.group(1):
                parents.add(down.group(1))
    return revisions - parents


def current_revision(engine: Engine) -> str | None:
    """The store's schema revision, or ``None`` for a store that has never been migrated."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        return row[0] if row else None


def _ensure_schema(engine: Engine, url: str, *, create: bool) -> None:
    with translated_errors(url):
        revision = current_revision(engine)
        heads = schema_heads()
        if revision in heads:
            return
        if revision is None:
            with engine.connect() as conn:
                tables = [t for t in inspect(conn).get_table_names() if not t.startswith("sqlite_")]
            if tables:
                raise StoreUnavailable(
                    f"The database {_display(url)} has tables but is not a shoptui store. Point --db at another file."
                )
            if create:
                _alembic_upgrade(engine, url)
                return
            raise StoreUnavailable(f"There is no store in {_display(url)} yet. Create one with '{create_hint(url)}'.")
        _refuse_newer(url, revision)
        raise SchemaOutOfDate(
            f"The store {_display(url)} is at schema {revision}, but this shoptui needs {', '.join(sorted(heads))}. "
            "Run 'shoptui db upgrade' (it writes a backup first)."
        )


def _refuse_newer(url: str, revision: str) -> None:
    """A store at a revision this shoptui does not ship was written by a newer one: no upgrade can help."""
    if revision not in _known_revisions():
        raise SchemaOutOfDate(
            f"The store {_display(url)} was written by a newer shoptui (revision {revision}); upgrade shoptui "
            "to use it. Nothing was changed."
        )


def _alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _alembic_upgrade(engine: Engine, url: str, then: Callable[[Connection], object] | None = None) -> None:
    """Migrate to head on one connection; ``then(conn)`` runs in the same transaction before the commit
    (on PostgreSQL, DDL is transactional: a failure of either leaves the database as it was)."""
    from alembic import command

    config = _alembic_config(url)
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        try:
            if then is None:
                command.upgrade(config, "head")
                conn.commit()
                return
            with conn.begin():  # Alembic runs inside this transaction when it finds one open
                command.upgrade(config, "head")
                then(conn)
        finally:  # not pooled: the migrations opened SQLite's temporary schema, which then stays open for good and
            conn.invalidate()  # pins temp_store (store.scratch moves it to files for a big import's scratch tables)


@dataclass(frozen=True)
class UpgradeResult:
    """What ``db upgrade`` did."""

    before: str | None
    after: str | None
    backup: Path | None
    applied: list[str] = field(default_factory=list)  # the migrations run, oldest first


def upgrade(url: str | None = None, *, backup: bool = True) -> UpgradeResult:
    """Bring the store to the current schema, writing a backup of it (database and media) first into the
    default backup folder (``backups.default_folder``); nothing is backed up when nothing is to be done."""
    url = resolve_database_url(url)
    engine = get_engine(url, check_schema=False, create=True)
    with translated_errors(url):
        before = current_revision(engine)
        heads = schema_heads()
        if before in heads:
            return UpgradeResult(before, before, None)
        if before is not None:
            _refuse_newer(url, before)  # before any backup: a refused upgrade writes nothing
        if url in _read_only:
            raise StoreUnavailable(f"The store {_display(url)} is read-only, so it cannot be upgraded.")
        copy = None
        if backup and before is not None:  # the whole store (database and media) into the default backup folder
            from shoptui import backups

            copy = backups.write_backup(url, None).path
        if before is None:
            with engine.connect() as conn:
                if [t for t in inspect(conn).get_table_names() if not t.startswith("sqlite_")]:
                    raise StoreUnavailable(
                        f"The database {_display(url)} has tables but is not a shoptui store. Point --db at another file."
                    )
        _alembic_upgrade(engine, url)
        _checked.add(url)
        after = current_revision(engine)
        return UpgradeResult(before, after, copy, applied_between(before, after))


def applied_between(before: str | None, after: str | None) -> list[str]:
    """The revisions an upgrade from ``before`` to ``after`` applied, oldest first (read from the files)."""
    parent: dict[str, str | None] = {}
    for file in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = file.read_text(encoding="utf-8")
        rev, down = _REV.search(source), _DOWN.search(source)
        if rev:
            parent[rev.group(1)] = down.group(1) if down else None
    applied: list[str] = []
    current = after
    while current is not None and current != before and current in parent and len(applied) <= len(parent):
        applied.append(current)
        current = parent[current]
    return applied[::-1]


def known_revisions() -> set[str]:
    """Every schema revision this shoptui ships (a store or backup at another was written by a newer one)."""
    return _known_revisions()


def _known_revisions() -> set[str]:
    found: set[str] = set()
    for file in (MIGRATIONS_DIR / "versions").glob("*.py"):
        rev = _REV.search(file.read_text(encoding="utf-8"))
        if rev:
            found.add(rev.group(1))
    return found


def backup_store(url: str | None, destination: Path) -> Path:
    """An online, consistent copy of the store (safe while others write), checked before it is kept.

    SQLite: a copy of the file (the backup API). PostgreSQL: ``pg_dump`` to one file (a folder gets
    ``<database>-<stamp>.dump``), checked with ``pg_restore --list``.
    """
    url = resolve_database_url(url)
    source = sqlite_path(url)
    if source is None:
        return _backup_server(url, destination)
    if not source.exists():
        raise StoreUnavailable(f"There is no store at {source} to back up.")
    destination = _backup_destination(destination, source.stem, source.suffix, store=source.resolve())
    # written under a temporary name in the target folder, checked, synced, then renamed: an interrupted
    # backup never leaves a file under the final name, let alone one that opens as a good, empty store
    partial = destination.with_name(f".{destination.name}.partial-{os.getpid()}")
    try:
        os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE_MODE))
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            dst = sqlite3.connect(partial)
            try:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode = DELETE")
                _verify_copy(dst, partial)
            finally:
                dst.close()
        finally:
            src.close()
        fsync_path(partial)
        os.rename(partial, destination)
        fsync_path(destination.parent)
    except sqlite3.DatabaseError as exc:
        partial.unlink(missing_ok=True)
        raise StoreUnavailable(f"The backup to {destination} failed: {exc}.") from exc
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise StoreUnavailable(f"The backup to {destination} failed: {exc.strerror}.") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return destination


def _backup_destination(destination: Path, stem: str, suffix: str, *, store: Path | None = None) -> Path:
    """Where a backup goes: the file named, or ``<stem>-<stamp><suffix>`` in the folder named; refused when it
    is the ``store`` file itself, the folder is missing or the file exists (a backup never overwrites one)."""
    destination = destination.expanduser().resolve()
    if destination.is_dir():
        stamp = clock.now().strftime("%Y%m%d-%H%M%S")
        destination = destination / f"{stem}-{stamp}{suffix}"
    if destination == store:
        raise StoreUnavailable("The backup must go to another file than the store itself.")
    if not destination.parent.exists():
        raise StoreUnavailable(f"The folder {destination.parent} for the backup does not exist.")
    if destination.exists():
        raise StoreUnavailable(f"{destination} already exists; pick a new name so no backup is overwritten.")
    return destination


def _backup_server(url: str, destination: Path) -> Path:
    from shoptui.store import dump

    destination = _backup_destination(destination, str(make_url(url).database), ".dump")
    partial = destination.with_name(f".{destination.name}.partial-{os.getpid()}")
    try:
        os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE_MODE))
        dump.dump(url, partial)
        dump.verify(partial)
        fsync_path(partial)
        os.rename(partial, destination)
        fsync_path(destination.parent)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise StoreUnavailable(f"The backup to {destination} failed: {exc.strerror}.") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return destination


def restore_store(url: str | None, backup: Path) -> str:
    """Put a backup (``backup_store``'s file) into the store ``url`` names, which must be new or empty:
    the backup is checked first, and a restore never overwrites a store. Returns the store's display name.
    """
    url = resolve_database_url(url)
    backup = backup.expanduser().resolve()
    if not backup.is_file():
        raise StoreUnavailable(f"There is no backup file {backup}.")
    target = sqlite_path(url)
    if target is not None:
        if target.exists() and target.stat().st_size > 0:
            raise StoreUnavailable(f"There is already a store at {target}; restore into a new file "
                                   "(--db another path) so nothing is overwritten.")
        target.unlink(missing_ok=True)
        backup_store(f"sqlite:///{backup}", target)  # the copy is checked before it takes the name
        return str(target)
    from shoptui.store import dump, move

    moving = move.is_sqlite_file(backup)
    if not moving:
        dump.verify(backup)
    with translated_errors(url):
        engine = get_engine(url, check_schema=False, create=False)
        with engine.connect() as conn:
            if inspect(conn).get_table_names():
                raise StoreUnavailable(f"The database {_display(url)} is not empty; restore into a new, empty "
                                       "database so nothing is overwritten.")
        if moving:
            _move_into_server(engine, url, backup)
        else:
            dump.restore(url, backup)
    dispose_all()
    return _display(url)


def _move_into_server(engine: Engine, url: str, path: Path) -> None:
    """A SQLite store (or its backup) onto an empty PostgreSQL database: migrated to the same revision and
    filled from the file in one transaction (shoptui/store/move.py)."""
    from sqlmodel import SQLModel

    from shoptui.models import load_all
    from shoptui.store import move

    source = move.open_source(path)
    try:
        revision = move.revision_of(source, path)
        heads = schema_heads()
        if revision not in heads:
            if revision not in _known_revisions():
                raise SchemaOutOfDate(f"{path} was written by a newer shoptui (revision {revision}); upgrade "
                                      "shoptui to move it. Nothing was done.")
            raise SchemaOutOfDate(f"{path} is at schema {revision}, but this shoptui needs "
                                  f"{', '.join(sorted(heads))}. Bring it up to date first with "
                                  f"'shoptui --db {path} db upgrade', then move it. Nothing was done.")
        load_all()
        tables = list(SQLModel.metadata.sorted_tables)
        _alembic_upgrade(engine, url, then=lambda conn: move.copy_into(conn.connection.driver_connection, source,
                                                                       tables))
    finally:
        source.close()
    move.settle(engine)


def _verify_copy(copy: sqlite3.Connection, path: Path) -> None:
    """A backup must pass SQLite's integrity check and carry a schema revision, or it is not kept."""
    problems = [row[0] for row in copy.execute("PRAGMA integrity_check") if row[0] != "ok"]
    if problems:
        raise StoreUnavailable(f"The backup copy failed its integrity check ({problems[0]}); nothing was kept.")
    try:
        revision = copy.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        revision = None
    if not revision:
        raise StoreUnavailable("The backup copy has no schema revision, so it is not a shoptui store; nothing was kept.")


def fsync_path(path: Path) -> None:
    """Flush a file (or a folder's entries) to disk: a backup renamed into place survives a power cut."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def integrity_problems(session: Session) -> list[str]:
    """The engine's own integrity check; empty when all is well.

    SQLite: ``PRAGMA integrity_check`` and ``foreign_key_check``. PostgreSQL: every index usable
    (an interrupted build leaves one invalid), every constraint validated, and, when the ``amcheck``
    extension is installed in the database, each B-tree index checked against its table's rows.
    """
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        return _postgresql_problems(session)
    if bind.dialect.name != "sqlite":
        return []
    problems = [row[0] for row in session.execute(text("PRAGMA integrity_check")) if row[0] != "ok"]
    problems += [f"foreign key broken in {row[0]} row {row[1]}" for row in session.execute(text("PRAGMA foreign_key_check"))]
    return problems


_PG_INVALID_INDEXES = text(
    "SELECT c.relname, t.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
    "JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = current_schema() AND NOT (i.indisvalid AND i.indisready) ORDER BY 1")
_PG_UNVALIDATED = text(
    "SELECT con.conname, t.relname FROM pg_constraint con JOIN pg_class t ON t.oid = con.conrelid "
    "JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = current_schema() AND NOT con.convalidated "
    "ORDER BY 1")
_PG_BTREES = text(
    "SELECT c.oid, c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
    "JOIN pg_am am ON am.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE am.amname = 'btree' AND n.nspname = current_schema() AND i.indisvalid ORDER BY 2")


def _postgresql_problems(session: Session) -> list[str]:
    problems = [f"index {name} on {table} is invalid (an interrupted build); rebuild it with REINDEX INDEX {name}"
                for name, table in session.execute(_PG_INVALID_INDEXES)]
    problems += [f"constraint {name} on {table} is not validated: rows may break it"
                 for name, table in session.execute(_PG_UNVALIDATED)]
    if session.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'amcheck'")).first() is None:
        return problems
    for oid, name in session.execute(_PG_BTREES).all():
        try:
            with session.begin_nested():
                session.execute(text("SELECT bt_index_check(CAST(:oid AS oid), true)"), {"oid": oid})
        except DBAPIError as exc:
            detail = str(exc.orig).splitlines()[0] if exc.orig is not None else str(exc)
            problems.append(f"index {name}: {detail}")
    return problems


def table_counts(session: Session) -> dict[str, int]:
    """Row counts per table (for ``db info``)."""
    from sqlalchemy import func, select
    from sqlmodel import SQLModel

    from shoptui.models import load_all

    load_all()

    counts: dict[str, int] = {}
    for name, table in sorted(SQLModel.metadata.tables.items()):
        counts[name] = session.execute(select(func.count()).select_from(table)).scalar_one()
    return counts
