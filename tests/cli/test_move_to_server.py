"""Moving a shop from its SQLite file onto PostgreSQL: ``shoptui --db postgresql://... db restore shop.db``.

Every row of every table arrives as it was, the server hands out ids past the copied ones, the store passes
its checks there, and a refused move leaves the server database empty."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, Boolean, Date, DateTime
from sqlmodel import SQLModel
from typer.testing import CliRunner

from shoptui import db
from shoptui.cli.main import app
from shoptui.models import load_all
from tests.store_files import new_store_url, rows, sign_in_owner, table_names

pytestmark = pytest.mark.postgresql_only(reason="moving a store onto a PostgreSQL server")


_TOKEN: dict[str, str] = {}  # the SQLite shop's owner: the moved store brings its accounts along


def _cli(*args: str) -> Any:
    return CliRunner(env={"SHOPTUI_TOKEN": _TOKEN["owner"]} if _TOKEN else None).invoke(app, list(args))


@pytest.fixture(scope="module")
def shop_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store with the demo shop, members, orders (paid, shipped) and a nested category."""
    path = tmp_path_factory.mktemp("move") / "shop.db"
    url = f"sqlite:///{path}"
    assert _cli("--db", url, "db", "upgrade", "--quiet").exit_code == 0
    _TOKEN["owner"] = sign_in_owner(url)
    for args in (("demo", "load"),
                 ("member", "add", "--phone", "13800138000", "--name", "王芳 Wang", "--sms-consent"),
                 ("category", "add", "Outer wear"), ("category", "add", "Rain coats", "--parent", "Outer wear")):
        done = _cli("--db", url, *args)
        assert done.exit_code == 0, (args, done.output)
    sku = rows(url, "SELECT sku FROM variant ORDER BY id LIMIT 1")[0][0]
    for pay in ("cash", "card"):
        done = _cli("--db", url, "order", "create", "-i", f"{sku}:1", "--customer", "13800138000", "--pay", pay)
        assert done.exit_code == 0, done.output
    db.dispose_all()
    return path


def _as_stored(value: Any, column: Any, from_text: bool) -> Any:
    """A value read from either engine, in one form: JSON parsed, times as UTC, flags as bools."""
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, JSON):
        return json.loads(value) if from_text else value  # SQLite keeps JSON as text; the server parses it
    if isinstance(kind, DateTime) or getattr(kind, "impl", None).__class__ is DateTime:
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(kind, Boolean):
        return bool(value)
    if isinstance(kind, Date) and isinstance(value, str):
        return date.fromisoformat(value)
    return value


def _table_rows(url: str, table: Any) -> list[tuple[Any, ...]]:
    names = ", ".join(f'"{c.name}"' for c in table.columns)
    keys = ", ".join(f'"{c.name}"' for c in table.primary_key.columns) or "1"
    from_text = url.startswith("sqlite")
    # the move itself is audited in the new store (store.restore): what was copied is all the rest
    where = " WHERE action <> 'store.restore'" if table.name == "audit_entry" else ""
    return [tuple(_as_stored(v, c, from_text) for v, c in zip(row, table.columns, strict=True))
            for row in rows(url, f'SELECT {names} FROM "{table.name}"{where} ORDER BY {keys}')]


def test_every_row_arrives_and_the_server_store_works(shop_file: Path, tmp_path: Path) -> None:
    target = new_store_url(tmp_path, "moved")
    done = _cli("--db", target, "db", "restore", str(shop_file))
    assert done.exit_code == 0, done.output
    assert "Restored the store to" in done.stdout
    load_all()
    source = f"sqlite:///{shop_file}"
    compared = 0
    for table in SQLModel.metadata.sorted_tables:
        assert _table_rows(target, table) == _table_rows(source, table), table.name
        compared += len(_table_rows(source, table))
    assert compared > 500  # the demo shop, not an empty store
    assert rows(target, "SELECT version_num FROM alembic_version") == rows(source, "SELECT version_num FROM alembic_version")
    checked = _cli("--db", target, "db", "check")
    assert checked.exit_code == 0, checked.output
    # the server gives ids past the copied ones: new rows of every kind go in
    before = rows(target, "SELECT max(id) FROM sales_order")[0][0]
    sku = rows(target, "SELECT sku FROM variant ORDER BY id LIMIT 1")[0][0]
    for args in (("order", "create", "-i", f"{sku}:1", "--customer", "13800138000", "--pay", "cash"),
                 ("member", "add", "--phone", "13900139000"), ("category", "add", "Boots", "--parent", "Outer wear")):
        added = _cli("--db", target, *args)
        assert added.exit_code == 0, (args, added.output)
    assert rows(target, "SELECT max(id) FROM sales_order")[0][0] == before + 1


def _refused(target: str, path: Path, sentence: str) -> None:
    done = _cli("--db", target, "db", "restore", str(path))
    assert done.exit_code == 1, done.output
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and sentence in lines[0], lines
    assert table_names(target) == []  # the server database is as empty as it was


def test_the_moved_tables_have_planner_statistics_and_are_vacuumed(shop_file: Path, tmp_path: Path) -> None:
    target = new_store_url(tmp_path, "analysed")
    assert _cli("--db", target, "db", "restore", str(shop_file)).exit_code == 0
    analysed = dict(rows(target, "SELECT relname, last_analyze IS NOT NULL FROM pg_stat_user_tables"))
    vacuumed = dict(rows(target, "SELECT relname, last_vacuum IS NOT NULL FROM pg_stat_user_tables"))
    filled = {name: count for name, count in ((t, rows(target, f'SELECT count(*) FROM "{t}"')[0][0])
                                              for t in ("variant", "customer", "sales_order", "product"))}
    assert all(filled.values()), filled
    assert all(analysed[name] for name in filled), analysed
    assert all(vacuumed[name] for name in filled), vacuumed  # index-only scans need no heap visit
    assert not analysed["ad_spend"]  # an empty table is left alone


def test_a_file_at_an_older_schema_is_refused_with_the_way_forward(shop_file: Path, tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    shutil.copy(shop_file, old)
    with sqlite3.connect(old) as con:
        con.execute("UPDATE alembic_version SET version_num = '0012_e164_phones'")
    _refused(new_store_url(tmp_path, "older"), old, "db upgrade', then move it")


def test_a_damaged_file_is_refused(shop_file: Path, tmp_path: Path) -> None:
    torn = tmp_path / "torn.db"
    torn.write_bytes(shop_file.read_bytes()[: 8 * 4096])
    _refused(new_store_url(tmp_path, "torn"), torn, "torn.db")


def test_a_row_the_server_refuses_moves_nothing(shop_file: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    shutil.copy(shop_file, bad)
    with sqlite3.connect(bad) as con:  # a line of an order that does not exist (SQLite was not asked to check)
        con.execute("UPDATE order_line SET order_id = 999999 WHERE id = (SELECT min(id) FROM order_line)")
    _refused(new_store_url(tmp_path, "bad"), bad, "The server refused a row of order_line")


def test_a_server_database_with_tables_is_never_overwritten(shop_file: Path, tmp_path: Path) -> None:
    target = new_store_url(tmp_path, "full")
    assert _cli("--db", target, "db", "upgrade", "--quiet").exit_code == 0
    done = _cli("--db", target, "db", "restore", str(shop_file))
    assert done.exit_code == 1 and "is not empty" in done.stderr
