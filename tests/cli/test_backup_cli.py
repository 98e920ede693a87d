"""Backups as one verified file (issue 14, "Store details and upkeep"): `db backup DIR --keep N` (cron-safe,
rotating only its own files), `db restore FILE` that verifies first and refuses a tampered, truncated or
foreign file changing nothing, media restored with the database, and `db upgrade` that backs up first and
prints the changelog. Runs on both engines (a PostgreSQL store's database part is a pg_dump)."""

from __future__ import annotations

import fcntl
import gzip
import io
import json
import os
import stat
import tarfile
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shoptui import __version__, backups, clock, db
from shoptui.cli.main import app
from shoptui.config import media_dir
from tests.cli.conftest import store_digest
from tests.cli.test_media_cli import _setting, picture
from tests.conftest import FROZEN_AT
from tests.store_files import ON_POSTGRESQL, drop_store, new_store_url, rows, table_names


def _backup_at(shop, folder: Path, minutes: int, *extra: str):  # type: ignore[no-untyped-def]
    with clock.frozen(FROZEN_AT + timedelta(minutes=minutes)):
        return shop("db", "backup", str(folder), *extra)


def _members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}  # type: ignore[union-attr]


def _rewrite(source: Path, target: Path, change) -> Path:  # type: ignore[no-untyped-def]
    """A copy of the backup with its members changed by ``change(dict)`` (the manifest kept as it was)."""
    members = change(_members(source))
    with tarfile.open(target, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return target


def test_backup_into_a_folder_rotates_only_its_own_files(shop, store: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    logo = picture(tmp_path / "logo.png")
    assert shop("settings", "set", "logo", str(logo)).exit_code == 0
    folder = tmp_path / "nightly"
    folder.mkdir()
    label = backups.store_label(store)
    foreign = folder / f"{label}-20200101-000000{backups.SUFFIX}"  # named like ours, but not a shoptui backup
    foreign.write_bytes(b"someone else's file")
    other = folder / f"other-20200101-000000{backups.SUFFIX}"
    other.write_bytes(b"another store's")
    made = [_backup_at(shop, folder, minute, "--keep", "2") for minute in (0, 1, 2)]
    assert all(r.exit_code == 0 for r in made), [r.output for r in made]
    paths = [Path(r.stdout.splitlines()[0].removeprefix("Backed up the store to ")) for r in made]
    assert paths[0].name == f"{label}-20261120-023000{backups.SUFFIX}"
    assert f"Removed the older backup {paths[0]}" in made[2].stdout
    assert sorted(folder.iterdir()) == sorted([foreign, other, paths[1], paths[2], folder / f".{label}.backup.lock"])
    assert stat.S_IMODE(paths[2].stat().st_mode) == 0o600
    manifest = backups.read_manifest(paths[2])
    assert manifest is not None and manifest["store"] == label and manifest["shoptui_version"] == __version__
    assert manifest["schema_revision"] in db.schema_heads() and manifest["created_at"].startswith("2026-11-20T02:32")
    members = _members(paths[2])
    logo_part = f"media/{_setting(store, 'logo')}"
    assert list(members)[0] == "manifest.json" and members[logo_part] == logo.read_bytes()
    assert set(manifest["parts"]) == set(members) - {"manifest.json"}
    assert ("database.dump" if ON_POSTGRESQL else "database.sqlite") in members
    assert not [p for p in folder.iterdir() if "partial" in p.name or p.name.startswith(".shoptui-backup-")]


def test_backup_usage_and_refusals(shop, store: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert shop("db", "backup", str(tmp_path), "--keep", "0").exit_code == 2
    assert shop("db", "backup", str(tmp_path), "--keep", "x").exit_code == 2
    file_keep = shop("db", "backup", str(tmp_path / "one.tar.gz"), "--keep", "3")
    assert file_keep.exit_code == 1 and "give a folder" in file_keep.stderr
    missing = shop("db", "backup", str(tmp_path / "no" / "such"))
    assert missing.exit_code == 1 and "does not exist" in missing.stderr
    # a run already under way (its lock held): refused at once, nothing written
    label = backups.store_label(store)
    fd = os.open(tmp_path / f".{label}.backup.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        busy = shop("db", "backup", str(tmp_path))
    finally:
        os.close(fd)
    assert busy.exit_code == 1 and "Another backup of the store" in busy.stderr
    assert not list(tmp_path.glob(f"*{backups.SUFFIX}"))
    default = shop("db", "backup")  # no place named: backups/ beside the store (or in the data folder)
    assert default.exit_code == 0, default.stderr
    written = Path(default.stdout.strip().removeprefix("Backed up the store to "))
    assert written.parent == backups.default_folder(store) and written.is_file()
    assert stat.S_IMODE(written.parent.stat().st_mode) == 0o700


def test_restore_brings_back_the_database_and_the_media(shop, runner: CliRunner, store: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    image = picture(tmp_path / "mug.png", colour=(5, 6, 7))
    assert shop("product", "add", "--title", "Mug", "--sku", "MUG-1", "--price", "10", "--image", str(image)).exit_code == 0
    (location,) = [loc for (loc,) in rows(store, "SELECT location FROM product_image")]
    done = _backup_at(shop, tmp_path, 0)
    assert done.exit_code == 0, done.stderr
    backup = Path(done.stdout.strip().removeprefix("Backed up the store to "))
    target = new_store_url(tmp_path / "elsewhere" if not ON_POSTGRESQL else tmp_path, "restored.db")
    (tmp_path / "elsewhere").mkdir()
    try:
        restored = runner.invoke(app, ["--db", target, "db", "restore", str(backup)])
        assert restored.exit_code == 0, restored.stderr
        db.dispose_all()
        assert store_digest(target, ("product", "product_image", "store_setting")) == \
            store_digest(store, ("product", "product_image", "store_setting"))
        assert (media_dir(target) / location).read_bytes() == image.read_bytes()
        assert stat.S_IMODE((media_dir(target) / location).stat().st_mode) == 0o600
        check = runner.invoke(app, ["--db", target, "db", "check"])
        assert check.exit_code == 0, check.output
        audit = json.loads(runner.invoke(app, ["--db", target, "audit", "list", "--entity", "store", "--json"]).stdout)
        assert audit[0]["action"] == "store.restore" and audit[0]["after"]["store"] == backups.store_label(store)
    finally:
        db.dispose_all()
        drop_store(target)


def _damaged_cases(backup: Path, tmp_path: Path) -> dict[str, tuple[Path, str]]:
    def tamper_media(members: dict[str, bytes]) -> dict[str, bytes]:
        name = next(n for n in members if n.startswith("media/"))
        members[name] = members[name][:-1] + bytes([members[name][-1] ^ 1])
        return members

    def tamper_database(members: dict[str, bytes]) -> dict[str, bytes]:
        name = next(n for n in members if n.startswith("database."))
        data = bytearray(members[name])
        data[len(data) // 2] ^= 0xFF
        members[name] = bytes(data)
        return members

    def drop_part(members: dict[str, bytes]) -> dict[str, bytes]:
        return {n: d for n, d in members.items() if not n.startswith("media/")}

    def extra_part(members: dict[str, bytes]) -> dict[str, bytes]:
        return members | {"media/../../evil.sh": b"#!/bin/sh\n"}

    def future(members: dict[str, bytes]) -> dict[str, bytes]:
        manifest = json.loads(members["manifest.json"])
        manifest["format_version"] = 99
        return members | {"manifest.json": json.dumps(manifest).encode()}

    def no_manifest(members: dict[str, bytes]) -> dict[str, bytes]:
        return {n: d for n, d in members.items() if n != "manifest.json"}

    truncated = tmp_path / "cut.tar.gz"
    truncated.write_bytes(backup.read_bytes()[: backup.stat().st_size // 2])
    foreign = tmp_path / "photos.tar.gz"
    foreign.write_bytes(gzip.compress(b"holiday photos" * 100))
    return {
        "media changed": (_rewrite(backup, tmp_path / "t1.tar.gz", tamper_media), "does not match its checksum"),
        "database changed": (_rewrite(backup, tmp_path / "t2.tar.gz", tamper_database), "does not match its checksum"),
        "part missing": (_rewrite(backup, tmp_path / "t3.tar.gz", drop_part), "is missing from it"),
        "part added": (_rewrite(backup, tmp_path / "t4.tar.gz", extra_part), "which its manifest does not list"),
        "newer format": (_rewrite(backup, tmp_path / "t5.tar.gz", future), "upgrade shoptui"),
        "no manifest": (_rewrite(backup, tmp_path / "t6.tar.gz", no_manifest), "is not a shoptui backup"),
        "truncated": (truncated, "damaged or cut short"),
        "foreign gzip": (foreign, "not a shoptui backup"),
    }


def test_a_damaged_or_foreign_backup_is_refused_and_nothing_changes(shop, runner: CliRunner, store: str,  # type: ignore[no-untyped-def]
                                                                   tmp_path: Path) -> None:
    assert shop("settings", "set", "logo", str(picture(tmp_path / "logo.png"))).exit_code == 0
    done = shop("db", "backup", str(tmp_path / "good.tar.gz"))
    assert done.exit_code == 0, done.stderr
    cases = _damaged_cases(tmp_path / "good.tar.gz", tmp_path)
    (tmp_path / "new").mkdir()  # its own folder: the media folder beside it is the new store's
    target = new_store_url(tmp_path / "new", "never.db")
    try:
        for case, (path, sentence) in cases.items():
            result = runner.invoke(app, ["--db", target, "db", "restore", str(path)])
            assert result.exit_code == 1, (case, result.output)
            assert result.stderr.startswith("error: ") and sentence in result.stderr, (case, result.stderr)
            assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
            db.dispose_all()
            if ON_POSTGRESQL:
                assert table_names(target) == [], case
            else:
                assert not (tmp_path / "new" / "never.db").exists(), case
            assert not media_dir(target).exists() or not list(media_dir(target).iterdir()), case
            assert not (tmp_path / "evil.sh").exists()
    finally:
        db.dispose_all()
        drop_store(target)


@pytest.mark.sqlite_only(reason="tampers with the schema revision inside a SQLite copy")
def test_a_backup_from_a_newer_shoptui_or_of_another_store_is_refused(shop, runner: CliRunner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    assert shop("db", "backup", str(tmp_path / "good.tar.gz")).exit_code == 0

    def rewrite_database(sql: str, manifest_change: dict[str, object]):  # type: ignore[no-untyped-def]
        def change(members: dict[str, bytes]) -> dict[str, bytes]:
            work = tmp_path / "work.db"
            work.unlink(missing_ok=True)
            work.write_bytes(members["database.sqlite"])
            con = sqlite3.connect(work)
            con.execute(sql)
            con.commit()
            con.close()
            data = work.read_bytes()
            manifest = json.loads(members["manifest.json"])
            manifest["parts"]["database.sqlite"] = {"sha256": __import__("hashlib").sha256(data).hexdigest(),
                                                     "size": len(data)}
            manifest |= manifest_change
            return members | {"database.sqlite": data, "manifest.json": json.dumps(manifest).encode()}
        return change

    newer = _rewrite(tmp_path / "good.tar.gz", tmp_path / "newer.tar.gz", rewrite_database(
        "UPDATE alembic_version SET version_num = '9999_future'", {"schema_revision": "9999_future"}))
    other = _rewrite(tmp_path / "good.tar.gz", tmp_path / "other.tar.gz", rewrite_database(
        "UPDATE store_setting SET value = '\"aaaa\"' WHERE key = 'store_id'",
        {"store_id": "bbbb"}))
    for path, sentence in ((newer, "which this shoptui does not know"), (other, "another store than its manifest")):
        result = runner.invoke(app, ["--db", str(tmp_path / "new.db"), "db", "restore", str(path)])
        assert result.exit_code == 1 and sentence in result.stderr, result.output
        assert not (tmp_path / "new.db").exists()


@pytest.mark.sqlite_only(reason="an old store file made at the first revision")
def test_upgrade_backs_up_first_and_prints_the_changelog(runner: CliRunner, tmp_path: Path, log_in) -> None:  # type: ignore[no-untyped-def]
    from tests.services.test_store import _store_at_first_revision

    url = _store_at_first_revision(tmp_path / "old.db")
    result = runner.invoke(app, ["--db", url, "db", "upgrade"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"Backed up the store first to {tmp_path / 'backups'}/old-")
    assert lines[1].startswith("Upgraded the store from schema 0001_foundation to ") and "migrations: " in lines[1]
    assert lines[2].startswith(f"What is new in shoptui {__version__}") and any("logo" in line for line in lines[3:])
    (backup,) = (tmp_path / "backups").glob(f"*{backups.SUFFIX}")
    manifest = backups.read_manifest(backup)
    assert manifest is not None and manifest["schema_revision"] == "0001_foundation"
    log_in(url)  # an upgraded old store has no owner yet: one is made to read its audit log
    audit = json.loads(runner.invoke(app, ["--db", url, "audit", "list", "--entity", "store", "--json"]).stdout)
    assert audit[0]["action"] == "store.upgrade" and audit[0]["before"]["schema"] == "0001_foundation"
    assert audit[0]["actor"] not in ("", "owner")  # nobody was logged in: the operating-system user is named
    assert audit[0]["after"]["schema"] in db.schema_heads() and audit[0]["after"]["backup"] == str(backup)
    again = runner.invoke(app, ["--db", url, "db", "upgrade"])
    assert again.exit_code == 0 and "nothing was done and nothing backed up" in again.stdout
    assert len(list((tmp_path / "backups").glob(f"*{backups.SUFFIX}"))) == 1


def test_the_changelog_has_an_entry_for_this_version() -> None:
    from shoptui import changelog

    entry = changelog.release(__version__)
    assert entry is not None and len(entry.changes) >= 5
    assert any("two-factor" in c.lower() for c in entry.changes) and any("backup" in c.lower() for c in entry.changes)
