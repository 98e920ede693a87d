"""The store commands behave alike on both engines (issue 13, part 3): `db backup` and `db restore` with the
same one-line output, `db check` that really checks on PostgreSQL, one sentence per server failure, and
no password in what is shown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import make_url
from typer.testing import CliRunner

from shoptui import db
from shoptui.cli.main import app
from tests.cli.conftest import store_digest
from tests.store_files import ON_POSTGRESQL, cluster, drop_store, execute, new_store_url, table_names

SECRET = "s3cret-Pw"


def test_backup_then_restore_into_a_new_store(shop, runner: CliRunner, store: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert shop("settings", "set", "phone", "0755-1234").exit_code == 0
    db.dispose_all()
    backup = tmp_path / "copy.bak"
    made = shop("db", "backup", str(backup))
    assert made.exit_code == 0, made.stderr
    assert made.stdout.strip() == f"Backed up the store to {backup}" and backup.stat().st_size > 0
    again = shop("db", "backup", str(backup))
    assert again.exit_code == 1 and "already exists" in again.stderr

    target = new_store_url(tmp_path, "restored.db")  # a new file, or a new, empty database
    try:
        done = runner.invoke(app, ["--db", target, "db", "restore", str(backup)])
        assert done.exit_code == 0, done.stderr
        assert done.stdout.startswith("Restored the store to ") and done.stdout.strip().endswith(f"from {backup}")
        db.dispose_all()
        kept = tuple(t for t in table_names(store) if t != "audit_entry")  # the restore adds its own audit line
        assert store_digest(target, kept) == store_digest(store, kept)
        audit = json.loads(runner.invoke(app, ["--db", target, "audit", "list", "--json"]).stdout)
        assert audit[0]["action"] == "store.restore" and len(audit) == 2  # the phone set, then the restore
        shown = json.loads(runner.invoke(app, ["--db", target, "settings", "show", "--json"]).stdout)
        assert shown["phone"] == "0755-1234"
        # never over a store that has data
        twice = runner.invoke(app, ["--db", target, "db", "restore", str(backup)])
        assert twice.exit_code == 1 and "nothing is overwritten" in twice.stderr
    finally:
        db.dispose_all()
        drop_store(target)


def test_restore_checks_the_backup_first(runner: CliRunner, tmp_path: Path) -> None:
    junk = tmp_path / "junk.bak"
    junk.write_bytes(b"not a backup at all" * 100)
    target = new_store_url(tmp_path, "never.db")
    try:
        result = runner.invoke(app, ["--db", target, "db", "restore", str(junk)])
        assert result.exit_code == 1 and result.stderr.startswith("error: ") and "Traceback" not in result.output
        missing = runner.invoke(app, ["--db", target, "db", "restore", str(tmp_path / "nope.bak")])
        assert missing.exit_code == 1 and "There is no backup file" in missing.stderr
        db.dispose_all()
        if ON_POSTGRESQL:
            from tests.store_files import table_names

            assert table_names(target) == []
        else:
            assert not (tmp_path / "never.db").exists()
    finally:
        db.dispose_all()
        drop_store(target)


# ---------------------------------------------------------------- PostgreSQL


def _with(url: str, **parts: object) -> str:
    return make_url(url).set(**parts).render_as_string(hide_password=False)  # type: ignore[arg-type]


@pytest.mark.postgresql_only(reason="the server's own integrity checks (pg_index, pg_constraint, amcheck)")
def test_db_check_checks_the_server(shop, store: str) -> None:  # type: ignore[no-untyped-def]
    execute(store, "CREATE EXTENSION IF NOT EXISTS amcheck")  # bt_index_check over every B-tree index
    db.dispose_all()
    check = shop("db", "check")
    assert check.exit_code == 0 and "ok    database integrity" in check.stdout, check.output
    # an interrupted CREATE INDEX CONCURRENTLY leaves an invalid index behind: db check names it
    execute(store, "UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'ix_product_price'::regclass")
    db.dispose_all()
    broken = shop("db", "check")
    assert broken.exit_code == 1 and "FAIL  database integrity" in broken.stdout
    assert "index ix_product_price on product is invalid" in broken.stdout and "1 check failed" in broken.stderr


@pytest.mark.postgresql_only(reason="connection failures of a database server")
def test_server_failures_are_one_sentence_without_the_password(runner: CliRunner, store: str, tmp_path: Path) -> None:
    socket_dir = str(cluster().root)
    cases = {
        "has no database no_such_db": _with(store, database="no_such_db", password=SECRET),
        "refused the user name or password": _with(store, username="nobody_here", password=SECRET),
        "cannot be reached": _with(store, password=SECRET, query={"host": str(tmp_path)}),
    }
    cases["cannot be reached (is it"] = (f"postgresql+psycopg://shoptui:{SECRET}@127.0.0.1:1/shop"
                                         "?connect_timeout=5")
    for sentence, url in cases.items():
        result = runner.invoke(app, ["--db", url, "settings", "show"])
        assert result.exit_code == 1, (sentence, result.output)
        assert result.stderr.startswith("error: The database server at ") and sentence in result.stderr, result.stderr
        assert SECRET not in result.output and "Traceback" not in result.output
        assert "something went wrong" not in result.stderr
    assert socket_dir  # the cluster is up: the failures above are the URLs', not the server's


@pytest.mark.postgresql_only(reason="a server that cuts the connection")
def test_a_lost_connection_is_one_sentence(store: str) -> None:
    from sqlalchemy import text

    from shoptui.errors import StoreUnavailable

    with pytest.raises(StoreUnavailable, match="connection to the database server at .* was lost"):
        with db.read_session(store) as session:
            pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
            execute(store, f"SELECT pg_terminate_backend({int(pid)})")
            session.execute(text("SELECT 1"))
    db.dispose_all()


@pytest.mark.postgresql_only(reason="a server URL with a password")
def test_db_info_masks_the_password(runner: CliRunner, store: str) -> None:
    url = _with(store, password=SECRET)  # the test cluster trusts local users: any password opens it
    info = runner.invoke(app, ["--db", url, "db", "info", "--json"])
    assert info.exit_code == 0, info.output
    assert SECRET not in info.output and json.loads(info.stdout)["url"].startswith("postgresql+psycopg://shoptui:***@")
    plain = runner.invoke(app, ["--db", url, "db", "info"])
    assert plain.exit_code == 0 and SECRET not in plain.output and "shoptui:***@" in plain.output
