"""Bulk inserts for big imports: many rows through the driver, many rows per statement on SQLite.

Light on purpose (no models, no services): the catalogue import and the order import share it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError

_PLACEHOLDER = {"qmark": "?", "format": "%s", "pyformat": "%s"}


class Binder:
    """A column's bind processor, remembered per value (an import stamps many rows with the same time).

    Hot loops read ``known.get(value)`` first (a C call) and call the binder only on a miss.
    """

    __slots__ = ("known", "_process")

    def __init__(self, process: Callable[[Any], Any]) -> None:
        self._process = process
        self.known: dict[Any, Any] = {}

    def __call__(self, value: Any) -> Any:
        try:
            return self.known[value]
        except KeyError:
            bound = self.known[value] = self._process(value)
            return bound


def time_binder(conn: Any, column: Any) -> Binder:
    """Aware datetime -> what the driver gets for the datetime ``column`` (what its bind processor gives),
    for rows that ``insert_rows`` writes with that column in ``bound``.

    SQLite stores text: there the format is written directly, without the processors' layers, when
    it gives exactly what the processor gives for a few telling samples; else the processor itself.
    """
    dialect = conn.dialect
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return Binder(lambda value: value)

    def fast(value: datetime) -> str:  # SQLite's text format
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

    samples = (datetime(2024, 3, 1, 2, 0, tzinfo=UTC), datetime(1999, 12, 31, 23, 59, 59, 123456, tzinfo=UTC),
               datetime(2024, 3, 1, 10, 0, 0, 1, tzinfo=ZoneInfo("Asia/Shanghai")))
    return Binder(fast if all(fast(d) == process(d) for d in samples) else process)


def insert_dicts(conn: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    """``insert_rows`` for rows given as dicts (every dict with the same keys)."""
    if rows:
        names = list(rows[0])
        insert_rows(conn, table, names, [tuple(row[n] for n in names) for row in rows])


def insert_rows(conn: Any, table: Any, names: Sequence[str], rows: list[tuple[Any, ...]], *,
                bound: Collection[str] = frozenset(), multi_row: bool = True) -> None:
    """Insert many rows (tuples in ``names`` order) through the driver's executemany (see ``insert_columns``)."""
    if rows:
        insert_columns(conn, table, names, list(zip(*rows, strict=True)), bound=bound, multi_row=multi_row)


def insert_columns(conn: Any, table: Any, names: Sequence[str], columns: Sequence[Sequence[Any]], *,
                   bound: Collection[str] = frozenset(), multi_row: bool = True) -> None:
    """Insert many rows given column by column (``columns[i]`` holds every row's value of ``names[i]``,
    all of the same length) through the driver's executemany.

    SQLAlchemy's per-row parameter handling is most of the cost of a big import, so values go
    through each column type's bind processor here instead, column by column and once per
    distinct value (an import stamps every row with the same time), so SQLite and PostgreSQL
    store exactly what the ORM would. On SQLite a column that holds one value in every row (the
    import's timestamps, empty options) is written into the statement as a literal once instead
    of being bound again for every row: binding is most of what an INSERT costs the driver. There
    each statement carries up to 200 rows (``INSERT ... VALUES (...), (...), ...``): stepping a
    statement once per row, and setting up its CHECK constraints once per row (the product
    status's ``IN (...)`` fills a temporary table, which a statement reset between rows makes
    SQLite allocate afresh each time), cost more than the rows themselves. Columns named in
    ``bound`` already hold what their bind processor would give (the caller converted them).
    ``multi_row=False`` keeps one row per statement (for tables where many rows per statement
    measured no faster).
    """
    count = len(columns[0]) if columns else 0
    if not count:
        return
    mark = _PLACEHOLDER.get(conn.dialect.paramstyle)
    if mark is None:
        conn.execute(table.insert(), [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)])
        return
    preparer = conn.dialect.identifier_preparer
    values_sql: list[str] = []
    params: list[Sequence[Any]] = []
    fold = mark == "?" and count > 1
    for i, (name, values) in enumerate(zip(names, columns, strict=True)):
        proc = None if name in bound else table.c[name].type._cached_bind_processor(conn.dialect)
        first = values[0]
        # one value in every row? (column 0 stays bound: a row needs a value); the last row settles most columns
        if fold and i and values[-1] == first and values.count(first) == count:
            literal = _sql_literal(first if proc is None or first is None else proc(first))
            if literal is not None:
                values_sql.append(literal)
                continue
        values_sql.append(mark)
        if proc is None:
            params.append(values)
            continue
        try:
            distinct = set(values)
        except TypeError:  # unhashable values
            distinct = None
        distinct_types = {type(value) for value in distinct or ()} - {type(None)}
        if distinct is None or len(distinct_types) > 1:  # 1 == 1.0 == True: memoise only one kind
            params.append([None if value is None else proc(value) for value in values])
            continue
        memo = {value: proc(value) for value in distinct if value is not None}
        memo[None] = None
        params.append(list(map(memo.__getitem__, values)))
    head = f"INSERT INTO {preparer.format_table(table)} ({', '.join(preparer.quote(n) for n in names)}) VALUES "
    row_sql = f"({', '.join(values_sql)})"
    width = len(params)
    per = (min(_rows_per_statement(width), max(1, _MAX_STATEMENT // len(row_sql)))
           if multi_row and mark == "?" and count > 1 else 1)
    if per == 1:
        conn.exec_driver_sql(head + row_sql, list(zip(*params, strict=True)))
        return
    # many rows per statement: one statement step (and one run of its constraint checks' setup,
    # such as the ephemeral table of an ``IN (...)`` CHECK) per chunk instead of per row
    flat: list[Any] = [None] * (count * width)
    for i, values in enumerate(params):
        flat[i::width] = values
    step = per * width
    full = len(flat) - len(flat) % step
    if full:
        conn.exec_driver_sql(head + ", ".join([row_sql] * per), [tuple(flat[s:s + step]) for s in range(0, full, step)])
    if full < len(flat):
        conn.exec_driver_sql(head + ", ".join([row_sql] * ((len(flat) - full) // width)), tuple(flat[full:]))


_MAX_BOUND = 999  # SQLite's oldest limit of bound values per statement (newer ones allow 32766)
_MAX_ROWS = 200  # rows per multi-row INSERT: longer statements gain nothing and cost more to prepare
_MAX_STATEMENT = 100_000  # characters: a long literal repeated in every row (a shared description) gets fewer rows


def _rows_per_statement(width: int) -> int:
    """How many rows of ``width`` bound values one multi-row INSERT carries."""
    return max(1, min(_MAX_ROWS, _MAX_BOUND // width)) if width else 1


def _sql_literal(value: Any) -> str | None:
    """``value`` (already through its bind processor) as an SQLite literal, or None to bind it."""
    if value is None:
        return "NULL"
    if type(value) is int:
        return str(value)
    if type(value) is str and "\x00" not in value:
        return "'" + value.replace("'", "''") + "'"
    return None  # floats, bytes, anything else: bound as usual


@contextmanager
def indexes_deferred(conn: Any, work: Sequence[tuple[str, int]], *, threshold: int = 20_000) -> Iterator[None]:
    """On SQLite, drop the secondary indexes of tables about to receive many rows, and build them
    again after the inserts, inside the caller's transaction.

    ``work`` lists (table, rows about to be inserted); a table is deferred when that is at least
    ``threshold`` rows and at least as many as the table already holds. Inside the block the
    caller must not look rows up through those tables' secondary indexes.

    Sorting once to build an index is several times cheaper than a random B-tree insert per row,
    once the new rows are at least as many as the rows already there. The DDL is part of the
    transaction: a failure rolls everything back, indexes included, and other connections never see
    the table without them. UNIQUE constraints declared on the table stay in place.
    """
    saved: list[tuple[str, str]] = []
    if conn.dialect.name == "sqlite":
        for table, count in work:
            if count < threshold:
                continue
            present = conn.exec_driver_sql(f'SELECT count(*) FROM (SELECT 1 FROM "{table}" LIMIT ?)', (count + 1,)).scalar()
            if present > count:
                continue
            saved += conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                                          "AND sql IS NOT NULL", (table,)).all()
    for name, _ in saved:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    try:
        yield
    except BaseException:
        for _, sql in saved:  # the caller rolls back; put them back anyway in case it does not
            with suppress(DBAPIError):
                conn.exec_driver_sql(sql)
        raise
    for _, sql in saved:
        conn.exec_driver_sql(sql)
