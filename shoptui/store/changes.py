"""The store-change signal: tells a running app, cheaply, that another connection committed.

Several terminals (tills, a back office, cron jobs) share one store; each app keeps one
:class:`Watcher` and asks it ``wait(timeout)`` in a worker thread. It answers True once another
connection has committed since the last answer, without reading any table:

- SQLite: ``PRAGMA data_version`` on one kept connection of its own. The number changes when
  another connection (of this process or another) commits to the file; checking it is a few
  microseconds and touches no page, so it is looked at every ``interval`` seconds.
- PostgreSQL: ``LISTEN shoptui_changed`` on one psycopg connection in autocommit mode; every
  engine made by ``db.get_engine`` sends ``NOTIFY shoptui_changed`` inside each transaction it
  commits (:func:`watch`), so the notice arrives the moment that commit is visible, and never for
  a transaction rolled back. The wait blocks on the socket: no polling.

What changed is then read from the audit log (every data change is audited): see
``services/shop/dashboard.py::changes_since``. A watcher whose connection fails raises
``StoreUnavailable``; the app reports "store unreachable, retrying", makes a new one and, once it
is back, reloads what is shown (changes may have been missed meanwhile).
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from sqlalchemy import Engine, event, make_url

from shoptui.errors import StoreUnavailable

CHANNEL = "shoptui_changed"
CONNECT_TIMEOUT_S = 5


def _notify_on_commit(connection: Any) -> None:
    """``NOTIFY`` inside the transaction being committed: PostgreSQL delivers it on commit only."""
    driver = connection.connection.driver_connection
    if driver is not None:
        driver.execute(f"NOTIFY {CHANNEL}")


def watch(engine: Engine) -> None:
    """Make every commit on ``engine`` tell the other terminals (PostgreSQL; SQLite needs nothing)."""
    if engine.dialect.name == "postgresql" and not event.contains(engine, "commit", _notify_on_commit):
        event.listen(engine, "commit", _notify_on_commit)


def psycopg_conninfo(url: str) -> dict[str, Any]:
    """The keyword arguments ``psycopg.connect`` takes for a SQLAlchemy PostgreSQL URL."""
    parsed = make_url(url)
    info: dict[str, Any] = {key: value for key, value in parsed.query.items() if isinstance(value, str)}
    for key, value in (("host", parsed.host), ("port", parsed.port), ("user", parsed.username),
                       ("password", parsed.password), ("dbname", parsed.database)):
        if value is not None:
            info[key] = value
    info.setdefault("connect_timeout", CONNECT_TIMEOUT_S)
    return info


class Watcher:
    """One store's change signal for one app (not thread-safe: one worker thread uses it)."""

    def __init__(self, url: str, *, interval: float = 0.2) -> None:
        self.url = url
        self.interval = interval
        self._sqlite: sqlite3.Connection | None = None
        self._pg: Any = None
        self._version: int | None = None
        try:
            if url.startswith("sqlite"):
                from shoptui.config import sqlite_path

                path = sqlite_path(url)
                if path is None:
                    raise StoreUnavailable("An in-memory store has no other terminals to follow.")
                if not path.exists():
                    raise StoreUnavailable(f"There is no store at {path}.")
                self._sqlite = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
                self._version = self._data_version()
            else:
                import psycopg

                self._pg = psycopg.connect(autocommit=True, **psycopg_conninfo(url))
                self._pg.execute(f"LISTEN {CHANNEL}")
        except (sqlite3.Error, OSError) as exc:
            self.close()
            raise StoreUnavailable(f"The store cannot be watched for changes ({exc}).") from exc
        except Exception as exc:  # psycopg.OperationalError: the server is away
            self.close()
            if isinstance(exc, StoreUnavailable):
                raise
            raise StoreUnavailable(f"The store cannot be reached ({str(exc).splitlines()[0] if str(exc) else exc}).") from exc

    def _data_version(self) -> int:
        assert self._sqlite is not None
        return int(self._sqlite.execute("PRAGMA data_version").fetchone()[0])

    def wait(self, timeout: float) -> bool:
        """True as soon as another connection has committed (at most ``timeout`` seconds from now)."""
        try:
            if self._sqlite is not None:
                deadline = time.monotonic() + timeout
                while True:
                    version = self._data_version()
                    if version != self._version:
                        self._version = version
                        return True
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return False
                    time.sleep(min(self.interval, left))
            got = False
            for _ in self._pg.notifies(timeout=timeout, stop_after=1):
                got = True
            if got:  # the others that came with it are the same news
                for _ in self._pg.notifies(timeout=0):
                    pass
            return got
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"The store cannot be watched for changes ({exc}).") from exc
        except StoreUnavailable:
            raise
        except Exception as exc:  # psycopg.OperationalError: the connection was lost
            raise StoreUnavailable(f"The store cannot be reached ({str(exc).splitlines()[0] if str(exc) else exc}).") from exc

    def close(self) -> None:
        for conn in (self._sqlite, self._pg):
            if conn is not None:
                try:
                    conn.close()
                except Exception:  # closing a broken connection
                    pass
        self._sqlite = self._pg = None
