"""``shoptui db``, ``settings``, ``audit`` and ``notification``: the store and its upkeep."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

import typer

from shoptui.cli._output import (
    JSON_OPTION,
    KEY_OPTION,
    CliState,
    change,
    emit_json,
    emit_pairs,
    emit_table,
    fail,
    reading,
    refusals,
    require_admin,
    say,
    state,
    when,
)
from shoptui.wording import plural

if TYPE_CHECKING:
    from sqlmodel import Session

    from shoptui.config import Actor
    from shoptui.services.shop import Outcome

db_app = typer.Typer(help="The store itself: information, upgrade, checks and backups.", no_args_is_help=True)
settings_app = typer.Typer(help="Store settings: name, contact, currency, time zone, email and SMS.",
                           no_args_is_help=True)
audit_app = typer.Typer(help="The audit log: who changed what, from where, before and after.", no_args_is_help=True)
notification_app = typer.Typer(help="The notification centre (low stock, failed sends, ...).", no_args_is_help=True)


# ---------------------------------------------------------------- db


class _DbInfo(TypedDict):
    """What 'db info' reports (its --json document)."""

    url: str
    path: str | None
    size_bytes: int | None
    schema_revision: str | None
    schema_head: list[str]
    up_to_date: bool
    tables: dict[str, int]


@db_app.command("info")
def db_info(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Where the store is, its size, schema revision and row counts.

    Open without a login, like `db upgrade`: it is what to look at when a store cannot be used (out of date,
    written by a newer shoptui, unreachable), and it shows no shop data beyond row counts.

    Example: shoptui db info --json
    """
    from shoptui import db
    from shoptui.config import sqlite_path

    url = state(ctx).store_url
    with refusals():
        engine = db.get_engine(url, check_schema=False, create=False)
        with db.translated_errors(url):
            revision = db.current_revision(engine)
        path = sqlite_path(url)
        info: _DbInfo = {
            "url": db.display_url(url) if path is None else f"sqlite:///{path}",
            "path": str(path) if path else None,
            "size_bytes": path.stat().st_size if path and path.exists() else None,
            "schema_revision": revision,
            "schema_head": sorted(db.schema_heads()),
            "up_to_date": revision in db.schema_heads(),
            "tables": {},
        }
        if info["up_to_date"]:
            with db.read_session(url) as session:
                info["tables"] = db.table_counts(session)
    if as_json:
        emit_json(info)
        return
    emit_pairs([("store", info["url"]), ("size", _size(info["size_bytes"])),
                ("schema", f"{revision or 'none'} ({'up to date' if info['up_to_date'] else 'run shoptui db upgrade'})")])
    emit_table(sorted(info["tables"].items()), ["table", "rows"], justify={"rows": "right"})


def _size(size: int | None) -> str:
    if size is None:
        return "-"
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return str(value)


@db_app.command("upgrade")
def db_upgrade(
    ctx: typer.Context,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing when already up to date."),
    no_backup: bool = typer.Option(False, "--no-backup", help="Skip the backup (not recommended)."),
) -> None:
    """Bring the store to this shoptui's schema: it is backed up first, and what changed is printed.

    The backup (database and media) goes to the default backup folder: backups/ beside a store file.
    A new store is created at the current schema. Example: shoptui db upgrade
    """
    from shoptui import __version__, changelog, db

    cli = state(ctx)
    with refusals():
        result = db.upgrade(cli.store_url, backup=not no_backup)  # open to all: the schema, not shop data
    if result.before == result.after:
        if not quiet:
            say(f"The store is up to date (schema {result.after}); nothing was done and nothing backed up.")
        return
    if result.backup:
        say(f"Backed up the store first to {result.backup}")
    say(f"Upgraded the store from schema {result.before or 'none (new store)'} to {result.after}"
        + (f" ({plural(len(result.applied), 'migration')}: {', '.join(result.applied)})." if result.before else "."))
    if result.before is not None:
        _audit_store(cli, "upgrade", f"upgraded from schema {result.before} to {result.after}",
                     {"schema": result.before}, {"schema": result.after, "version": __version__,
                                                 "backup": str(result.backup) if result.backup else None})
        entry = changelog.release(__version__)
        if entry is not None and entry.changes:
            say(f"What is new in shoptui {entry.version}" + (f" ({entry.date})" if entry.date else "") + ":")
            for line in entry.changes:
                say(f"  - {line}")


def _audit_store(cli: CliState, what: str, summary: str, before: dict[str, object] | None,
                 after: dict[str, object]) -> None:
    """An audit entry about the store itself (upgraded, restored), written in its own transaction.

    These commands are open without a login (the schema, a new store), so the entry names the logged-in
    account when there is one, else the operating-system user who ran it."""
    from shoptui import db, signin
    from shoptui.config import Actor
    from shoptui.errors import NotLoggedIn
    from shoptui.services import shop

    url = cli.store_url
    try:
        actor = signin.current(url, face="cli").actor or Actor.from_environment("cli")
    except NotLoggedIn:
        actor = Actor.from_environment("cli")
    with refusals(), db.transaction(url) as session:
        shop.record(session=session, actor=actor, action=f"store.{what}", entity="store", summary=summary,
                    before=before, after=after)


@db_app.command("check")
def db_check(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Check the database's integrity and every invariant (ledgers equal levels, totals equal lines).

    Exits 1 and lists the problems when any check fails. Example: shoptui db check
    """
    from shoptui.services import shop

    with reading(ctx) as session:
        results = shop.run_checks(session=session)
    if as_json:
        emit_json([{"check": r.name, "ok": r.ok, "problems": r.problems} for r in results])
    else:
        for result in results:
            say(f"{'ok  ' if result.ok else 'FAIL'}  {result.name}")
            for problem in result.problems[:50]:
                say(f"      {problem}")
            if len(result.problems) > 50:
                say(f"      ... and {len(result.problems) - 50} more")
    failed = [r for r in results if not r.ok]
    if failed:
        raise fail(f"{plural(len(failed), 'check')} failed: {', '.join(r.name for r in failed)}.")


@db_app.command("backup")
def db_backup(
    ctx: typer.Context,
    path: Path | None = typer.Argument(None, help="A folder (or a new file's name) for the backup; default: "
                                       "backups/ beside the store."),
    keep: int | None = typer.Option(None, "--keep", min=1, max=100_000,
                                    help="Keep only the newest N backups of this store in the folder."),
) -> None:
    """Back up the store (database and media, with a checked manifest) into one file; safe while others work.

    Cron-safe: written under a temporary name and renamed, one run at a time; --keep deletes only this
    store's older backups that shoptui wrote there.
    Example: shoptui db backup /mnt/usb/backups --keep 14   (restore with: shoptui --db new.db db restore FILE)
    """
    from shoptui import backups

    url = state(ctx).url
    require_admin(ctx)  # a copy of everything: the owner's (or a granted) store.admin
    with refusals():
        written = backups.write_backup(url, path, keep=keep)
    say(f"Backed up the store to {written.path}")
    for old in written.removed:
        say(f"Removed the older backup {old}")


@db_app.command("restore")
def db_restore(
    ctx: typer.Context,
    backup: Path = typer.Argument(..., help="A file written by 'shoptui db backup', or an SQLite store file."),
) -> None:
    """Put a backup into a new store (--db: a new file, or a new, empty PostgreSQL database).

    The backup is verified first (its manifest, every part's checksum, the database opens at a schema this
    shoptui knows); a damaged or foreign file is refused and nothing changes. Its media are restored too.
    An existing store is never overwritten. An SQLite store (or its backup) restored into PostgreSQL moves
    the shop onto the server: the schema is created, every row copied and counted, all in one transaction.
    Example: shoptui --db restored.db db restore backups/shop-20261207-101500.shoptui.tar.gz
    Example: shoptui --db postgresql://shop@db.lan/shop db restore ~/.local/share/shoptui/shop.db
    """
    from shoptui import backups, db

    cli = state(ctx)
    with refusals():
        # open without a login: the target is new and empty, and the backup brings its own accounts
        if backup.is_file() and backups.is_backup_archive(backup):
            where, manifest = backups.restore_backup(cli.store_url, backup)
        else:
            where, manifest = backups.restore_store_file(cli.store_url, backup), None
    say(f"Restored the store to {where} from {backup}")
    try:
        up_to_date = db.current_revision(db.get_engine(cli.store_url, check_schema=False)) in db.schema_heads()
    except Exception:
        up_to_date = False
    if up_to_date:  # an older backup says to run db upgrade first; the upgrade is audited then
        details: dict[str, object] = {"file": str(backup.expanduser().resolve())}
        if manifest is not None:
            details |= {"store": manifest.get("store"), "taken_at": manifest.get("created_at"),
                        "schema": manifest.get("schema_revision")}
        _audit_store(cli, "restore", f"restored from {backup.name}", None, details)


# ---------------------------------------------------------------- settings


@settings_app.command("show")
def settings_show(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Every store setting and its value (secrets masked).

    Example: shoptui settings show --json
    """
    from shoptui.services import shop

    definitions = shop.definitions()
    with reading(ctx) as session:
        values = shop.get_all(session=session)
        # a secret's value never leaves the service: only whether it is set; URLs without their credentials
        shown = {k: shop.secret_status(session=session, key=k) if definitions[k].secret else shop.shown(k, v)
                 for k, v in values.items()}
    if as_json:
        emit_json(shown)
        return
    emit_table(((definitions[k].group, k, _plain(v), definitions[k].help) for k, v in shown.items()),
               ["group", "key", "value", "meaning"])


def _plain(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, dict):
        import json

        return json.dumps(value, ensure_ascii=False)
    return str(value)


@settings_app.command("set")
def settings_set(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="The setting, e.g. name, currency, timezone, smtp_host."),
    value: str = typer.Argument(..., help="The new value as text."),
    idempotency_key: str | None = KEY_OPTION,
) -> None:
    """Change one store setting (validated, audited).

    Examples: shoptui settings set name "Lucky Cat Store";  shoptui settings set timezone Europe/Berlin
    """
    from shoptui.services import shop
    from shoptui.services.shop import Outcome

    def work(session: Session, actor: Actor) -> Outcome:
        new = shop.shown(key, shop.set_value(session=session, actor=actor, key=key, raw=value))
        if shop.definitions()[key].secret:
            return Outcome(f"Cleared {key} from the store.", {"key": key, "value": None})
        return Outcome(f"Set {key} to {_plain(new)}.", {"key": key, "value": new})

    change(ctx, "settings.set", work, key=idempotency_key)


# ---------------------------------------------------------------- audit


@audit_app.command("list")
def audit_list(
    ctx: typer.Context,
    entity: str | None = typer.Option(None, "--entity", help="Only this kind of record (product, setting, ...)."),
    entity_id: str | None = typer.Option(None, "--id", help="Only this record id (with --entity)."),
    actor: str | None = typer.Option(None, "--actor", help="Only changes by this user."),
    since: str | None = typer.Option(None, "--since", help="Only since: 2h, 7d, 2026-11-01 or an ISO time."),
    limit: int = typer.Option(50, "--limit", min=1, max=1000, help="How many entries (1-1000)."),
    after: str | None = typer.Option(None, "--after", help="Continue after this cursor (printed below a page)."),
    kind: str | None = typer.Option(None, "--kind", help="Only this kind: security (logins, failures, lockouts, "
                                    "token use, refusals, password changes)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Who changed what, newest first.

    Example: shoptui audit list --entity setting --since 7d --json

    Example: shoptui audit list --kind security --since 1d
    """
    from shoptui.services import shop

    with reading(ctx) as session:
        tz = shop.timezone(session=session)
        moment = shop.parse_moment(since, tz) if since else None
        page = shop.list_entries(session=session, entity=entity, entity_id=entity_id, actor=actor, since=moment,
                                  after=after, limit=limit, kind=kind, reader=state(ctx).actor)
    if as_json:
        emit_json(page.items)
        return
    emit_table(
        ((when(e.at, tz), e.actor, e.source + (f" {e.address}" if e.address else ""), e.action,
          f"{e.entity} {e.entity_id or ''}".strip(), e.summary) for e in page.items),
        ["when", "who", "from", "action", "record", "summary"], empty="No audit entries match.",
    )
    if page.next_after:
        say(f"More: --after {page.next_after}")


# ---------------------------------------------------------------- notifications


@notification_app.command("list")
def notification_list(
    ctx: typer.Context,
    unread: bool = typer.Option(False, "--unread", help="Only unread ones."),
    limit: int = typer.Option(50, "--limit", min=1, max=500, help="How many (1-500)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """The notification centre, newest first.

    Example: shoptui notification list --unread
    """
    from shoptui.services import shop

    with reading(ctx) as session:
        tz = shop.timezone(session=session)
        items = shop.list_notifications(session=session, unread_only=unread, limit=limit,
                                        role=state(ctx).actor.role)
    if as_json:
        emit_json(items)
        return
    emit_table(((n.id, when(n.created_at, tz), n.severity, n.title, "" if n.read_at else "unread") for n in items),
               ["id", "when", "severity", "title", ""], empty="No notifications.")


@notification_app.command("read")
def notification_read(
    ctx: typer.Context,
    ids: list[int] = typer.Argument(None, help="Notification ids; none with --all."),
    all_: bool = typer.Option(False, "--all", help="Mark every notification read."),
    idempotency_key: str | None = KEY_OPTION,
) -> None:
    """Mark notifications read.

    Examples: shoptui notification read 3 4;  shoptui notification read --all
    """
    from shoptui.services import shop
    from shoptui.services.shop import Outcome

    if not ids and not all_:
        raise fail("Name notification ids, or give --all.", 2)

    def work(session: Session, actor: Actor) -> Outcome:
        if all_:
            count = shop.mark_all_read(session=session, actor=actor)
        else:
            count = shop.mark_read(session=session, actor=actor, ids=list(ids))
        return Outcome(f"Marked {plural(count, 'notification')} read.", {"marked": count})

    change(ctx, "notification.read", work, key=idempotency_key)
