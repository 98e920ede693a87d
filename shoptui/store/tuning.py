"""Process and connection tuning for big writes: the garbage collector paused, the page cache grown.

Business code wraps an import in these; each is a no-op where it does not apply (another engine,
a small import), so callers never ask which engine they run on.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from sqlalchemy.exc import DBAPIError

CACHE_BYTES_PER_ROW = 2048  # what a written row takes in pages: about 850 bytes at 100k rows, twice that for slack
MAX_IMPORT_CACHE = 1024 * 1024 * 1024


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while an import builds its rows.

    An import allocates a few objects per cell and frees none of them until it is done; every
    collection walks all of them again, which was a fifth of the cost of a big import. Nothing an
    import builds forms a cycle, and the collector runs as usual (if it ran before) as soon as the
    block ends, however it ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def page_cache_for(conn: Any, rows: int, *, threshold: int = 20_000, limit: int = MAX_IMPORT_CACHE) -> Iterator[None]:
    """On SQLite, let the connection's page cache hold every page a write of ``rows`` rows touches
    (from ``threshold`` rows on), and put the usual size back afterwards.

    A transaction that outgrows the cache spills dirty pages into the WAL and writes many of them
    again when it changes them later (rebuilt indexes, the search index); with room for all of
    them each page is written once, at commit. The cache grows only as pages are used, up to
    ``limit`` bytes (an import that streams a file of any size keeps its memory bounded: past the
    limit, pages spill as they would anyway). Other engines manage their buffers themselves:
    nothing to do there.
    """
    wanted = min(rows * CACHE_BYTES_PER_ROW, limit, MAX_IMPORT_CACHE) // 1024
    if conn.dialect.name != "sqlite" or rows < threshold:
        yield
        return
    before = int(conn.exec_driver_sql("PRAGMA cache_size").scalar())
    size_kib = -before if before < 0 else before * int(conn.exec_driver_sql("PRAGMA page_size").scalar()) // 1024
    if size_kib >= wanted:
        yield
        return
    conn.exec_driver_sql(f"PRAGMA cache_size = -{int(wanted)}")
    try:
        yield
    finally:  # a size only: never worth hiding why the import failed
        with suppress(DBAPIError):
            conn.exec_driver_sql(f"PRAGMA cache_size = {before}")


@contextmanager
def page_cache_of(conn: Any, size_bytes: int, rows: int, *, threshold: int = 20_000) -> Iterator[None]:
    """On SQLite, hold the connection's page cache at ``size_bytes`` for a write of ``rows`` rows (from
    ``threshold`` rows on), smaller or larger than the store's own, and put the usual size back afterwards.

    For a write whose memory must stay bounded whatever its size (the order import): its tables'
    indexes are built after the inserts (``bulk.indexes_deferred``), so the inserts touch only the
    right-hand pages of each table and a small cache spills each page once; and the sorter that
    builds each index keeps at most the cache's size in memory before it spills sorted runs to a
    temporary file. With the store's own 64 MiB the two took about 130 MB more. Other engines manage
    their buffers themselves: nothing to do there.
    """
    if conn.dialect.name != "sqlite" or rows < threshold:
        yield
        return
    before = int(conn.exec_driver_sql("PRAGMA cache_size").scalar())
    conn.exec_driver_sql(f"PRAGMA cache_size = -{max(1, size_bytes // 1024)}")
    try:
        yield
    finally:  # a size only: never worth hiding why the import failed
        with suppress(DBAPIError):
            conn.exec_driver_sql(f"PRAGMA cache_size = {before}")
