"""Which engine a benchmark measures, and the one place its store URL comes from.

``python -m bench NAME --engine sqlite|postgresql|both``. Every benchmark builds its SQLite store as it
always has (cached in bench/.data) and asks :func:`store_url` for the URL it measures:

- SQLite: the file itself.
- PostgreSQL: the file is moved onto a PostgreSQL server with the product's own mover
  (``shoptui --db URL db restore FILE``: schema, COPY of every row, sequences, one transaction), once per
  builder version, into a *template* database; each run then gets a fresh copy of it
  (``CREATE DATABASE run TEMPLATE t``), where the benchmark writes.

The server is a cluster kept in bench/.data/pg (tests/pg.py's Cluster, not a copy of it): started for the run,
stopped at its end, its databases kept so the templates are reused. It is tuned like a real small server,
not like the tests' throwaway one - see ``SERVER_SETTINGS``.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from pathlib import Path
from typing import Any

from bench._report import DATA

ENGINES = ("sqlite", "postgresql")
ENV = "SHOPTUI_BENCH_ENGINE"
MOVER = "2"  # bump when db restore's move changes what it leaves (2: analysed and vacuumed): templates are made again
PG_ROOT = DATA / "pg"

SERVER_SETTINGS = {
    # durable, as a shop's server must be: a committed sale survives a power cut
    "fsync": "on",
    "synchronous_commit": "on",
    "full_page_writes": "on",
    # a small dedicated server (the machine has 23 GB; a shop's box would give PostgreSQL a few GB):
    # 256MB of its own cache, and the planner told the OS page cache holds about 4GB more
    "shared_buffers": "256MB",
    "effective_cache_size": "4GB",
    "work_mem": "16MB",  # sorts and hashes of the reports stay in memory
    "maintenance_work_mem": "256MB",  # index builds of the move (and VACUUM) in memory
    "random_page_cost": "1.1",  # SSD storage: a random read costs about a sequential one
    "max_wal_size": "4GB",  # a bulk move or recalculation does not checkpoint every few seconds
    "checkpoint_timeout": "15min",
    "max_connections": "100",  # tills, back offices and cron jobs, a handful of pooled connections each
    "jit": "off",  # compiling a query costs 50-200 ms: more than it saves on the sub-second queries of a shop
}


def engine() -> str:
    """The engine of this run (``SHOPTUI_BENCH_ENGINE``, set by ``python -m bench --engine``)."""
    name = os.environ.get(ENV, "sqlite").strip().lower() or "sqlite"
    return "postgresql" if name in ("pg", "postgres") else name


def on_sqlite() -> bool:
    return engine() == "sqlite"


_cluster: Any = None
used = False
"""Whether this process's benchmark took a store from here (one that did not measures SQLite whatever the engine)."""


def cluster() -> Any:
    """The benchmark server (started on first use; one already running in bench/.data/pg is joined)."""
    global _cluster
    if _cluster is None:
        from tests.pg import Cluster

        started = time.perf_counter()
        _cluster = Cluster(PG_ROOT, SERVER_SETTINGS)
        if _cluster._started:
            print(f"   (PostgreSQL server started in {time.perf_counter() - started:.1f} s: {PG_ROOT})")
    return _cluster


def stop() -> None:
    """Stop the server if this process started it (its databases stay for the next run)."""
    global _cluster
    if _cluster is not None:
        from shoptui import db

        db.dispose_all()
        _cluster.stop()
        _cluster = None


def _admin(*statements: str) -> None:
    cluster().admin(*statements)


def _databases() -> set[str]:
    import psycopg

    with psycopg.connect(host=str(cluster().root), user="shoptui", dbname="postgres", autocommit=True) as con:
        return {row[0] for row in con.execute("SELECT datname FROM pg_database")}


def _stem(path: Path) -> str:
    return re.sub(r"[^a-z0-9]+", "_", path.name.lower()).strip("_")[:30] or "store"


def template_name(path: Path, version: str) -> str:
    """The template database of a store file built by ``version`` of its builder, at this schema."""
    from shoptui import db

    key = hashlib.sha1(f"{version}|{sorted(db.schema_heads())}|{MOVER}".encode()).hexdigest()[:10]
    return f"t_{_stem(path)}_{key}"


def move(path: Path, database: str) -> None:
    """Move the SQLite store ``path`` into a new database with the product's mover; prints its rows/s."""
    from sqlmodel import text

    from shoptui import db

    _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)', f'CREATE DATABASE "{database}"')
    url = cluster().url(database)
    size = path.stat().st_size
    print(f"   (moving {path.name}, {size / 1e6:,.0f} MB, onto PostgreSQL with db restore: once per builder version; "
          "a big store takes minutes)", flush=True)
    started = time.perf_counter()
    db.restore_store(url, path)
    elapsed = time.perf_counter() - started
    with db.read_session(url) as session:
        rows = sum(db.table_counts(session).values())
        session.execute(text("SELECT 1"))
    db.dispose_all()
    print(f"   (moved {path.name} onto PostgreSQL with db restore: {rows:,} rows, {size / 1e6:,.0f} MB in "
          f"{elapsed:.1f} s = {rows / max(elapsed, 1e-9):,.0f} rows/s)")


def store_url(path: Path | str, version: str = "1") -> str:
    """The URL a benchmark measures for the SQLite store file ``path`` (built by ``version`` of its builder):
    the file on SQLite; on PostgreSQL a fresh copy of its template (moved once per builder version)."""
    global used
    used = True
    path = Path(path)
    if on_sqlite():
        return f"sqlite:///{path}"
    from shoptui import db

    template = template_name(path, version)
    existing = _databases()
    if template not in existing:
        for old in existing:  # templates of earlier builder versions of this store
            if old.startswith(f"t_{_stem(path)}_"):
                _admin(f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)')
        _checkpoint_sqlite(path)
        move(path, template + "_building")
        _admin(f'ALTER DATABASE "{template}_building" RENAME TO "{template}"')
    run = f"r_{_stem(path)}"
    db.dispose_all()
    _admin(f'DROP DATABASE IF EXISTS "{run}" WITH (FORCE)', f'CREATE DATABASE "{run}" TEMPLATE "{template}"')
    return str(cluster().url(run))


def empty_url(path: Path | str) -> str:
    """The URL of a new, empty store for a benchmark that builds it through the services every run
    (``db upgrade`` makes it): the file ``path`` removed on SQLite, an empty database on PostgreSQL."""
    global used
    used = True
    path = Path(path)
    from shoptui import db

    db.dispose_all()
    if on_sqlite():
        for suffix in ("", "-wal", "-shm", ".lock"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        return f"sqlite:///{path}"
    run = f"r_{_stem(path)}"
    _admin(f'DROP DATABASE IF EXISTS "{run}" WITH (FORCE)', f'CREATE DATABASE "{run}"')
    return str(cluster().url(run))


def _checkpoint_sqlite(path: Path) -> None:
    """Fold a store's WAL into its file so the mover reads the whole store."""
    import sqlite3

    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()


def execute(url: str, *statements: str) -> None:
    """Plain SQL (the same on both engines) in one transaction: resetting a store between runs."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    eng = create_engine(url, poolclass=NullPool)
    try:
        with eng.begin() as con:
            for statement in statements:
                con.execute(text(statement))
    finally:
        eng.dispose()


def explain(url: str, sql: str, params: dict[str, object] | None = None) -> list[str]:
    """The plan of ``sql`` on the store's engine: EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    eng = create_engine(url, poolclass=NullPool)
    try:
        with eng.connect() as con:
            prefix = "EXPLAIN QUERY PLAN " if on_sqlite() else "EXPLAIN (ANALYZE, BUFFERS OFF) "
            rows = con.execute(text(prefix + sql), params or {}).all()
    finally:
        eng.dispose()
    return [str(row[-1]) for row in rows]

