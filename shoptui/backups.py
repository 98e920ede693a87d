"""Backups of a whole store in one file: ``db backup [DIR|FILE] [--keep N]``, ``db restore FILE`` and the
backup ``db upgrade`` writes first.

A backup is a gzip'd tar holding, in this order, ``manifest.json`` (what it is: the store's id and name,
its engine, schema revision, the shoptui version, when it was made and the SHA-256 and size of every other
part), the database (``database.sqlite``: a checked online copy of a SQLite store; ``database.dump``: a
``pg_dump`` of a PostgreSQL one) and ``media/<name>`` for every file of the store's media folder.

Writing is cron-safe: the file is built under a temporary name in the target folder (0600), synced and
renamed, so an interrupted run never leaves a file under a backup's name; a lock file in the folder keeps
two runs for the same store apart (the second is refused); ``keep`` deletes the oldest backups of *this*
store in that folder beyond the newest N, and only files named as this module names them whose manifest
says they belong to this store.

Reading (``verified``) refuses, with one sentence and before anything is changed, a file that is not a
shoptui backup (no manifest: foreign), one whose parts do not match their checksums or sizes, miss or
add a part, or are cut short (tampered, truncated), and a database part that does not open or whose
schema revision this shoptui does not know.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shoptui import __version__, clock
from shoptui.config import PRIVATE_FILE_MODE, data_dir, media_dir, private_dir, resolve_database_url, sqlite_path
from shoptui.errors import Conflict, InvalidInput, StoreUnavailable

FORMAT = "shoptui-backup"
FORMAT_VERSION = 1
SUFFIX = ".shoptui.tar.gz"
MANIFEST = "manifest.json"
_DATABASE_PARTS = ("database.sqlite", "database.dump")
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Written:
    """What ``write_backup`` did: the file, its manifest, and the older backups rotation deleted."""

    path: Path
    manifest: dict[str, Any]
    removed: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class Verified:
    """A backup whose every part was checked: its manifest, its database part and media files (extracted)."""

    manifest: dict[str, Any]
    database: Path
    media: list[Path]


def store_label(url: str) -> str:
    """The store's name in backup file names: the SQLite file's stem, or the PostgreSQL database's name."""
    from sqlalchemy import make_url

    path = sqlite_path(url)
    raw = path.stem if path is not None else str(make_url(url).database or "store")
    return re.sub(r"[^\w.-]+", "_", raw).strip("._") or "store"


def default_folder(url: str) -> Path:
    """Where backups go when no place is named (and ``db upgrade``'s): ``backups/`` beside a SQLite store,
    else ``backups/<database>`` in the user data folder. Not created here."""
    path = sqlite_path(url)
    if path is not None:
        return path.resolve().parent / "backups"
    return data_dir() / "backups" / store_label(url)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _store_id_of_sqlite(path: Path) -> str | None:
    """The ``store_id`` setting kept in a SQLite store file, or None (a store from before it existed)."""
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            row = con.execute("SELECT value FROM store_setting WHERE key = 'store_id'").fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return None
    return _setting_text(row[0]) if row else None


def _setting_text(value: Any) -> str | None:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            pass
    return str(value) if value else None


def _store_id_of_server(url: str) -> str | None:
    from sqlalchemy import text

    from shoptui import db

    try:
        with db.get_engine(url, check_schema=False).connect() as conn:
            row = conn.execute(text("SELECT value FROM store_setting WHERE key = 'store_id'")).first()
    except Exception:  # no table yet, or no such setting before migration 0017: the store id is unknown
        return None
    return _setting_text(row[0]) if row else None


def _media_files(url: str) -> list[tuple[str, Path]]:
    """(name in the backup, file) of every regular file of the store's media folder (hidden temporaries left out)."""
    folder = media_dir(url)
    if not folder.is_dir():
        return []
    found: list[tuple[str, Path]] = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and not path.is_symlink() and not any(part.startswith(".") for part in relative.parts):
            found.append(("media/" + relative.as_posix(), path))
    return found


@contextmanager
def _folder_lock(folder: Path, label: str) -> Iterator[None]:
    """One backup run per store and folder at a time; a second is refused (cron jobs that overlap)."""
    import fcntl

    lock = folder / f".{label}.backup.lock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, PRIVATE_FILE_MODE)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Conflict(f"Another backup of the store {label} into {folder} is running; nothing was written. "
                           "Try again when it has finished.") from None
        yield
    finally:
        os.close(fd)


def _new_name(folder: Path, label: str) -> Path:
    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    candidate = folder / f"{label}-{stamp}{SUFFIX}"
    count = 2
    while candidate.exists():
        candidate = folder / f"{label}-{stamp}-{count}{SUFFIX}"
        count += 1
    return candidate


def write_backup(url: str | None, destination: Path | None = None, *, keep: int | None = None) -> Written:
    """Back up the store of ``url`` (database and media) into one verified file.

    ``destination``: a folder (the file is named ``<store>-<stamp>.shoptui.tar.gz``), a new file's path, or
    None for ``default_folder``. ``keep`` (folders only) then deletes this store's older backups there beyond
    the newest ``keep``. Raises StoreUnavailable (no store, folder missing, disk full), Conflict (another
    run), InvalidInput (``keep`` below 1, or with a file).
    """
    from shoptui import db

    url = resolve_database_url(url)
    if keep is not None and keep < 1:
        raise InvalidInput(f"--keep must be 1 or more, not {keep}: the backup just written is always kept.")
    engine = db.get_engine(url, check_schema=False, create=False)
    label = store_label(url)
    if destination is None:
        folder = private_dir(default_folder(url))
        into_folder = True
    else:
        destination = destination.expanduser().resolve()
        into_folder = destination.is_dir()
        folder = destination if into_folder else destination.parent
        if not folder.is_dir():
            raise StoreUnavailable(f"The folder {folder} for the backup does not exist.")
        if not into_folder and keep is not None:
            raise InvalidInput("--keep rotates the backups in a folder; give a folder, not a file name.")
        if not into_folder and destination.exists():
            raise StoreUnavailable(f"{destination} already exists; pick a new name so no backup is overwritten.")
    store_file = sqlite_path(url)
    if store_file is not None and (store_file.resolve() == destination):
        raise StoreUnavailable("The backup must go to another file than the store itself.")
    try:
        with _folder_lock(folder, label):
            target = _new_name(folder, label) if into_folder else destination
            assert target is not None
            manifest = _write(url, engine, target, label)
            removed = _rotate(folder, label, manifest.get("store_id"), keep) if keep is not None else []
    except OSError as exc:
        raise StoreUnavailable(f"The backup into {folder} failed: {exc.strerror or exc}.") from exc
    return Written(target, manifest, removed)


def _write(url: str, engine: Any, target: Path, label: str) -> dict[str, Any]:
    from shoptui import db

    work = Path(tempfile.mkdtemp(dir=target.parent, prefix=".shoptui-backup-"))  # 0700 by mkdtemp
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        on_sqlite = sqlite_path(url) is not None
        part = "database.sqlite" if on_sqlite else "database.dump"
        copy = db.backup_store(url, work / part)  # an online, checked copy (pg_dump, checked, on a server)
        if on_sqlite:
            revision = _sqlite_revision(copy)
            store_id = _store_id_of_sqlite(copy)
        else:
            with db.translated_errors(url):
                revision = db.current_revision(engine)
            store_id = _store_id_of_server(url)
        parts: list[tuple[str, Path]] = [(part, copy), *_media_files(url)]
        manifest: dict[str, Any] = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "store": label, "store_id": store_id,
            "engine": "sqlite" if on_sqlite else "postgresql", "schema_revision": revision,
            "shoptui_version": __version__, "created_at": clock.now().isoformat(),
            "parts": {name: {"sha256": _sha256(path), "size": path.stat().st_size} for name, path in parts},
        }
        os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE_MODE))
        with partial.open("wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            data = json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8")
            tar.addfile(_info(MANIFEST, len(data)), io.BytesIO(data))
            for name, path in parts:
                with path.open("rb") as handle:
                    tar.addfile(_info(name, manifest["parts"][name]["size"]), handle)
        db.fsync_path(partial)
        os.rename(partial, target)
        db.fsync_path(target.parent)
        return manifest
    finally:
        partial.unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)


def _info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = PRIVATE_FILE_MODE
    info.mtime = int(clock.now().timestamp())
    return info


def _sqlite_revision(path: Path) -> str | None:
    con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        row = None
    finally:
        con.close()
    return str(row[0]) if row else None


def read_manifest(path: Path) -> dict[str, Any] | None:
    """The manifest at the head of a backup file, or None when ``path`` is not one (cheap: the first member)."""
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            first = tar.next()
            if first is None or first.name != MANIFEST or not first.isfile() or first.size > 10 * 1024 * 1024:
                return None
            handle = tar.extractfile(first)
            if handle is None:
                return None
            manifest = json.loads(handle.read().decode("utf-8"))
    except (tarfile.TarError, OSError, EOFError, zlib.error, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return None
    return manifest


def _rotate(folder: Path, label: str, store_id: str | None, keep: int) -> list[Path]:
    """Delete this store's backups in ``folder`` beyond the newest ``keep``: only files named as
    ``write_backup`` names them whose manifest names this store (and its id, when both know it)."""
    pattern = re.compile(rf"{re.escape(label)}-(\d{{8}}-\d{{6}})(?:-(\d+))?{re.escape(SUFFIX)}")
    ours: list[tuple[tuple[str, int], Path]] = []
    for path in folder.iterdir():
        match = pattern.fullmatch(path.name)
        if match is None or not path.is_file() or path.is_symlink():
            continue
        manifest = read_manifest(path)
        if manifest is None or manifest.get("store") != label:
            continue
        if store_id and manifest.get("store_id") and manifest.get("store_id") != store_id:
            continue  # another store of the same name backs up into this folder: never touch its files
        ours.append(((match.group(1), int(match.group(2) or 1)), path))
    ours.sort(reverse=True)
    removed = [path for _, path in ours[keep:]]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def is_backup_archive(path: Path) -> bool:
    """True when ``path`` is a gzip'd tar (a backup file of this format, or a damaged or foreign one)."""
    with path.open("rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


@contextmanager
def verified(path: Path) -> Iterator[Verified]:
    """Check every part of the backup at ``path`` against its manifest and open its database; yields the
    parts extracted into a private temporary folder (removed afterwards). StoreUnavailable, with one sentence
    naming the file, for a foreign, damaged, tampered or truncated backup or an unknown schema revision."""
    from shoptui import db

    path = path.expanduser().resolve()
    if not path.is_file():
        raise StoreUnavailable(f"There is no backup file {path}.")
    work = Path(tempfile.mkdtemp(prefix=".shoptui-restore-"))
    try:
        try:
            yield _extract_checked(path, work, db.known_revisions())
        except (tarfile.TarError, EOFError, zlib.error) as exc:
            raise StoreUnavailable(f"The backup {path} is damaged or cut short ({_reason(exc)}); nothing was "
                                   "restored.") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _reason(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return text or type(exc).__name__


def _damaged(path: Path, why: str) -> StoreUnavailable:
    return StoreUnavailable(f"The backup {path} fails its check: {why}; it was damaged or changed after it was "
                            "written, so nothing was restored.")


def _extract_checked(path: Path, work: Path, known: set[str]) -> Verified:
    try:
        tar = tarfile.open(path, mode="r:gz")
    except (tarfile.TarError, OSError, EOFError, zlib.error):
        raise StoreUnavailable(f"{path} is not a shoptui backup (not a backup file at all); nothing was "
                               "restored.") from None
    with tar:
        first = tar.next()
        manifest: Any = None
        if first is not None and first.name == MANIFEST and first.isfile() and first.size <= 10 * 1024 * 1024:
            handle = tar.extractfile(first)
            try:
                manifest = json.loads(handle.read().decode("utf-8")) if handle is not None else None
            except (UnicodeDecodeError, json.JSONDecodeError):
                manifest = None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise StoreUnavailable(f"{path} is not a shoptui backup (it has no shoptui manifest); nothing was "
                                   "restored.")
        if manifest.get("format_version") != FORMAT_VERSION:
            raise StoreUnavailable(f"{path} is a backup in format {manifest.get('format_version')!r}, which this "
                                   "shoptui does not read; upgrade shoptui to restore it. Nothing was restored.")
        parts = manifest.get("parts")
        if not isinstance(parts, dict) or not all(isinstance(v, dict) for v in parts.values()):
            raise _damaged(path, "its manifest lists no parts")
        databases = [name for name in parts if name in _DATABASE_PARTS]
        if len(databases) != 1:
            raise _damaged(path, "its manifest names no single database part")
        seen: set[str] = set()
        media: list[Path] = []
        for member in tar:
            if member is first:
                continue
            name = member.name
            if name not in parts or name in seen:
                raise _damaged(path, f"it holds {name!r}, which its manifest does not list")
            if not member.isfile() or not _safe(name):
                raise _damaged(path, f"{name!r} is not a plain file inside the backup")
            seen.add(name)
            target = work / name
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            source = tar.extractfile(member)
            assert source is not None  # a regular file member
            digest = hashlib.sha256()
            size = 0
            fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE_MODE)
            with os.fdopen(fd, "wb") as out:
                while chunk := source.read(_CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
            expected = parts[name]
            if size != expected.get("size") or digest.hexdigest() != expected.get("sha256"):
                raise _damaged(path, f"{name} does not match its checksum")
            if name.startswith("media/"):
                media.append(target)
        missing = sorted(set(parts) - seen)
        if missing:
            raise _damaged(path, f"{missing[0]} is missing from it")
    database = work / databases[0]
    revision = manifest.get("schema_revision")
    if databases[0] == "database.sqlite":
        found = _check_sqlite_part(path, database)
        if found != revision:
            raise _damaged(path, f"its database is at schema {found}, its manifest says {revision}")
        inside = _store_id_of_sqlite(database)
        if inside and manifest.get("store_id") and inside != manifest.get("store_id"):
            raise _damaged(path, "its database belongs to another store than its manifest names")
    else:
        from shoptui.store import dump

        dump.verify(database)
    if revision not in known:
        raise StoreUnavailable(f"The backup {path} is at schema {revision}, which this shoptui does not know (a "
                               "newer shoptui wrote it); upgrade shoptui to restore it. Nothing was restored.")
    return Verified(manifest, database, media)


def _safe(name: str) -> bool:
    parts = name.split("/")
    return not name.startswith("/") and ".." not in parts and "" not in parts and "\\" not in name


def _check_sqlite_part(path: Path, database: Path) -> str:
    try:
        con = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
        try:
            problems = [row[0] for row in con.execute("PRAGMA integrity_check") if row[0] != "ok"]
            row = con.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise _damaged(path, f"its database does not open ({exc})") from None
    if problems:
        raise _damaged(path, f"its database fails the integrity check ({problems[0]})")
    if not row:
        raise _damaged(path, "its database has no schema revision")
    return str(row[0])


def restore_backup(url: str | None, path: Path) -> tuple[str, dict[str, Any]]:
    """Verify the backup at ``path`` and put it into the new (or empty) store of ``url`` with its media.
    Returns the store's display name and the backup's manifest. Nothing is changed when the check fails."""
    from shoptui import db

    url = resolve_database_url(url)
    with verified(path) as backup:
        if backup.database.name == "database.dump" and sqlite_path(url) is not None:
            raise StoreUnavailable(f"{path} is a backup of a PostgreSQL store; restore it into a new, empty "
                                   "PostgreSQL database (--db postgresql://...). Nothing was restored.")
        where = db.restore_store(url, backup.database)
        copy_media(backup.database.parent / "media", backup.media, url)
        return where, backup.manifest


def copy_media(source: Path, files: list[Path], url: str) -> None:
    """Put ``files`` (inside the folder ``source``) into the media folder of the store at ``url``, owner-only;
    a file already there under the same (content-hashed) name is kept."""
    folder = media_dir(url)
    if files:
        private_dir(folder)
    for file in files:
        target = folder / file.relative_to(source)
        if target.is_file():
            continue  # content-hashed names: the same name holds the same picture
        private_dir(target.parent)
        shutil.copyfile(file, target)
        os.chmod(target, PRIVATE_FILE_MODE)


def restore_store_file(url: str, path: Path) -> str:
    """A store file (or a plain copy of one) into the new store of ``url`` (a move onto PostgreSQL too), with the
    media folder beside it."""
    from shoptui import db

    where = db.restore_store(url, path)
    source = path.expanduser().resolve().parent / "media"
    if source.is_dir() and source != media_dir(url):
        copy_media(source, sorted(p for p in source.rglob("*") if p.is_file() and not p.name.startswith(".")), url)
    return where
