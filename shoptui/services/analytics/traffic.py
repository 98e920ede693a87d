"""Traffic sources without a tracker: access logs imported incrementally into visits, the traffic report,
ad spend and the return on it. The rules that read a line are in ``logparse.py``.

The import reads each file from where the last import stopped (``traffic_log``), one precompiled
regex per line, and writes visits in bulk (``store.bulk``); no ORM object per line or per visit.
A visit still open at the end of a file (its client's last page view within 30 minutes of the
newest line read) is stored with its ``last_seen_at``; the next import continues it instead of
starting another, so a file read in two parts gives the same visits as read at once.
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from shoptui.config import Actor
from shoptui.errors import Conflict, InvalidInput
from shoptui.models._types import table_of
from shoptui.models.traffic import AdSpend, TrafficBotDay, TrafficLog, TrafficVisit
from shoptui.services import shop
from shoptui.services.analytics import logparse
from shoptui.services.analytics.export import Column, Table
from shoptui.services.analytics.logparse import SOURCES, TRAFFIC_BREAKDOWNS, VISIT_GAP_SECONDS, Landing
from shoptui.store import bulk, tuning
from shoptui.store.rows import tuples

HEAD_BYTES = 1024  # a log is known by the hash of its first kilobyte
_CHUNK = 4 * 1024 * 1024
_PRUNE_EVERY = 200_000  # lines between passes that close visits idle for more than 30 minutes
DEFER_INDEXES_FROM = 50_000  # visits: from here on the visit indexes are built once after the inserts
_VISIT_NAMES = ("day", "client", "started_at", "last_seen_at", "page_views", "source", "host", "utm_source",
                "utm_medium", "campaign", "landing_page")



@dataclass
class LogFileResult:
    """What one file gave."""

    path: str
    state: str  # new, grown, unchanged, rotated (a known log under another name), restarted (shorter than read)
    lines: int = 0
    malformed: int = 0
    unfinished: bool = False  # a last line without its newline, left for the next import
    blank: int = 0
    first_bad: int | None = None  # the line number of the first unreadable line


@dataclass
class TrafficImport:
    """What ``import_access_logs`` did."""

    files: list[LogFileResult] = field(default_factory=list)
    lines: int = 0
    page_views: int = 0
    bot_hits: int = 0
    other_hits: int = 0  # static assets, errors, other methods
    malformed: int = 0
    malformed_examples: list[str] = field(default_factory=list)  # "access.log line 17"
    visits_new: int = 0
    visits_continued: int = 0
    first_at: datetime | None = None
    last_at: datetime | None = None
    site_url_set: bool = True


# ---------------------------------------------------------------- reading files


def _check_file(path: Path) -> None:
    if not path.exists():
        raise InvalidInput(f"{path} does not exist; give the path of an access log (like /var/log/nginx/access.log).")
    if path.is_dir():
        raise InvalidInput(f"{path} is a folder; give the access log files in it (like {path}/access.log*).")
    if not path.is_file():
        raise InvalidInput(f"{path} is not a regular file; give an access log file.")


def _open(path: Path) -> _Stream:
    """The file's text as bytes: gunzipped when it starts with the gzip magic number, whatever its name."""
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise InvalidInput(f"{path} cannot be read ({exc.strerror or exc}); check its permissions.") from None
    if raw.read(2) == b"\x1f\x8b":
        raw.seek(0)
        return _Gunzipped(raw)
    raw.seek(0)
    return raw


_Stream = IO[bytes] | gzip.GzipFile


class _Gunzipped(gzip.GzipFile):
    """A gzip stream that closes its file too."""

    def __init__(self, raw: IO[bytes]) -> None:
        super().__init__(fileobj=raw, mode="rb")
        self._raw = raw

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._raw.close()


def _read_head(handle: _Stream, path: Path) -> bytes:
    try:
        return handle.read(HEAD_BYTES)
    except (OSError, EOFError, zlib.error) as exc:
        raise InvalidInput(f"{path} is not a readable gzip file ({exc}); give the log itself or a whole .gz file.") from None


@dataclass
class _Known:
    """A log read before: how it is known and how far it was read."""

    id: int
    path: str
    head_hash: str
    head_length: int
    read_to: int
    lines: int


def _known_logs(session: Session) -> list[_Known]:
    table = table_of(TrafficLog)
    return [_Known(int(i), str(p), str(h), int(n), int(r), int(c)) for i, p, h, n, r, c in tuples(session.execute(
        select(table.c.id, table.c.path, table.c.head_hash, table.c.head_length, table.c.read_to, table.c.lines)))]


def _known_log(logs: list[_Known], head: bytes) -> _Known | None:
    """The log already read whose first bytes this file starts with (its longest such head)."""
    best: _Known | None = None
    for log in logs:
        if log.head_length <= len(head) and (best is None or log.head_length > best.head_length) \
                and hashlib.sha256(head[:log.head_length]).hexdigest() == log.head_hash:
            best = log
    return best


def _lines(handle: _Stream, path: Path, start: int, result: LogFileResult, *, gz: bool) -> Iterator[bytes]:
    """The whole lines of ``handle`` after byte ``start``; sets ``result.unfinished`` for a last line without
    its newline in a plain file (a line still being written: the next import reads it)."""
    rest = b""
    try:
        handle.seek(start)  # a gzip stream reads its way there
        while True:
            chunk = handle.read(_CHUNK)
            if not chunk:
                break
            parts = (rest + chunk).split(b"\n")
            rest = parts.pop()
            yield from parts
    except (OSError, EOFError, zlib.error) as exc:
        raise InvalidInput(f"{path} could not be read to its end ({exc}); give the log itself or a whole .gz file.") from None
    if rest:
        if gz:  # a compressed log is finished: its last line counts
            yield rest
        else:
            result.unfinished = True


# ---------------------------------------------------------------- the import


class _Visits:
    """Visits being built: open ones by client, closed ones as rows for the bulk insert."""

    def __init__(self, tz: ZoneInfo, own: str, load: Callable[[int], dict[int, list[Any]]]) -> None:
        self.tz = tz
        self.own = own
        self.load = load  # stored visits that may continue, read once at the first new client
        self.stored: dict[int, list[Any]] | None = None
        self.open: dict[tuple[bytes, bytes], list[Any]] = {}  # client -> [start, last, views, landing, stored id]
        self.rows: list[tuple[Any, ...]] = []
        self.updates: list[dict[str, Any]] = []
        self._days: dict[int, date] = {}
        self._landings: dict[tuple[bytes, bytes], Landing] = {}
        self._times: dict[int, datetime] = {}

    def day(self, seconds: int) -> date:
        """The store-time day of a UTC epoch second (zones change offset on quarter hours at most)."""
        slot = seconds // 900
        found = self._days.get(slot)
        if found is None:
            found = self._days[slot] = datetime.fromtimestamp(slot * 900, self.tz).date()
        return found

    def landing(self, path: bytes, referrer: bytes) -> Landing:
        key = (path, referrer)
        found = self._landings.get(key)
        if found is None:
            if len(self._landings) > 100_000:
                self._landings.clear()
            found = self._landings[key] = logparse.landing(path, referrer, self.own)
        return found

    def moment(self, seconds: int) -> datetime:
        found = self._times.get(seconds)
        if found is None:
            if len(self._times) > 200_000:
                self._times.clear()
            found = self._times[seconds] = datetime.fromtimestamp(seconds, UTC)
        return found

    def close(self, client: tuple[bytes, bytes], visit: list[Any]) -> None:
        start, last, views, where, stored = visit
        if stored is not None:
            self.updates.append({"b_id": stored, "views": views, "seen": self.moment(last)})
            return
        self.rows.append((self.day(start), client_hash(client), self.moment(start),
                          self.moment(last), views, where.source, where.host, where.utm_source, where.utm_medium,
                          where.campaign, where.page))

    def prune(self, now: int) -> None:
        """Close the visits idle for more than 30 minutes at ``now``."""
        idle = [(client, visit) for client, visit in self.open.items() if now - visit[1] > VISIT_GAP_SECONDS]
        for client, visit in idle:
            del self.open[client]
            self.close(client, visit)


def _load_open_visits(session: Session, since: int) -> dict[int, list[Any]]:
    """Stored visits whose last page view is at ``since`` or later, by client hash: the next page view of
    their client continues them (the latest visit of each client)."""
    table = table_of(TrafficVisit)
    found: dict[int, list[Any]] = {}
    for ident, client, start, last, views in tuples(session.execute(
            select(table.c.id, table.c.client, table.c.started_at, table.c.last_seen_at, table.c.page_views)
            .where(table.c.last_seen_at >= datetime.fromtimestamp(since, UTC)).order_by(table.c.last_seen_at))):
        found[int(client)] = [int(start.timestamp()), int(last.timestamp()), int(views), None, int(ident)]
    return found


def import_access_logs(*, session: Session, actor: Actor, paths: Sequence[Path | str]) -> TrafficImport:
    """Read access logs (combined format, plain or gzip) from where the last import stopped into visits and
    bot hits (the rules: ``IMPORT_RULES``). Raises InvalidInput for a missing file, a folder, a broken gzip
    file or a file with no line in the combined format; Conflict when another import read the same log."""
    shop.require(session=session, actor=actor, permission="data.import")  # refused before any work
    if not paths:
        raise InvalidInput("Give at least one access log file.")
    files = [Path(p) for p in paths]
    for path in files:
        _check_file(path)
    settings = shop.get_all(session=session)
    own = logparse.own_host(str(settings.get("site_url") or ""))
    result = TrafficImport(site_url_set=bool(own))
    visits = _Visits(ZoneInfo(str(settings["timezone"])), own, lambda since: _load_open_visits(session, since))
    logs = _known_logs(session)
    bot_days: dict[date, int] = {}
    seen_paths: set[str] = set()
    with tuning.gc_paused():
        for path in files:
            key = str(path.resolve())
            if key in seen_paths:
                continue
            seen_paths.add(key)
            handle = _open(path)
            try:
                head = _read_head(handle, path)
                if b"\x00" in head:
                    raise InvalidInput(f"{path} is not a text file (it holds NUL bytes); give a web server's access log.")
                known = _known_log(logs, head)
                file_result = LogFileResult(path=str(path), state="new")
                read = _read_file(handle, path, 0 if known is None else known.read_to, 0 if known is None else known.lines,
                                  file_result, visits, bot_days, result, gz=isinstance(handle, gzip.GzipFile))
            finally:
                handle.close()
            if known is not None:
                file_result.state = "rotated" if known.path != key else "grown" if read > known.read_to else "unchanged"
            if file_result.malformed and file_result.malformed == file_result.lines - file_result.blank:
                raise InvalidInput(f"{path} is not an access log in the combined format: none of its "
                                   f"{file_result.malformed} new lines could be read (line {file_result.first_bad} "
                                   "is the first).")
            result.files.append(file_result)
            if head:
                _remember_log(session, logs, known, key, path, head, read, file_result.lines)
        for client, visit in list(visits.open.items()):
            visits.close(client, visit)
        _write(session, visits, bot_days)
    shop.record(session=session, actor=actor, action="traffic.import", entity="traffic",
                summary=f"{result.lines} lines from {len(result.files)} files: {result.page_views} page views, "
                        f"{result.visits_new} new visits, {result.bot_hits} bot hits, {result.malformed} unreadable")
    return result


def _read_file(handle: _Stream, path: Path, start: int, line_base: int, file_result: LogFileResult,
               visits: _Visits, bot_days: dict[date, int], result: TrafficImport, *, gz: bool) -> int:
    """The hot loop: every new line of one file into ``visits`` and ``bot_days``; returns where reading stopped."""
    match_line = logparse.LINE.match
    is_bot = _bot_test()
    seconds = logparse.LogClock().seconds
    is_static = logparse.is_static
    request_path = logparse.request_path
    day_of = visits.day
    opened = visits.open
    stored = visits.stored
    close = visits.close
    landing = visits.landing
    gap = VISIT_GAP_SECONDS
    lines = blank = malformed = views = bots = other = 0
    read = start
    first = last = None
    since_prune = 0
    for line in _lines(handle, path, start, file_result, gz=gz):
        lines += 1
        read += len(line) + 1
        match = match_line(line)
        if match is None:
            if not line.strip():
                blank += 1
                continue
            malformed += 1
            if file_result.first_bad is None:
                file_result.first_bad = line_base + lines
                if len(result.malformed_examples) < 5:
                    result.malformed_examples.append(f"{path.name} line {line_base + lines}")
            continue
        ip, stamp, request, status, referrer, agent = match.groups()
        if is_bot(agent):
            try:
                day = day_of(seconds(stamp))
            except ValueError:
                malformed += 1
                file_result.first_bad = file_result.first_bad or line_base + lines
                continue
            bots += 1
            bot_days[day] = bot_days.get(day, 0) + 1
            continue
        if status >= b"400":
            other += 1
            continue
        target = request_path(request)
        if target is None or is_static(target):
            other += 1
            continue
        try:
            now = seconds(stamp)
        except ValueError:
            malformed += 1
            file_result.first_bad = file_result.first_bad or line_base + lines
            continue
        views += 1
        if first is None or now < first:
            first = now
        if last is None or now > last:
            last = now
        client = (ip, agent)
        visit = opened.get(client)
        if visit is None:
            if stored is None:
                stored = visits.stored = visits.load(now - gap)
            if stored:
                visit = _continue(stored, client, now)
                if visit is not None:
                    opened[client] = visit
                    result.visits_continued += 1
                    visit[2] += 1
                    visit[1] = max(visit[1], now)
                    continue
        elif now - visit[1] <= gap:
            visit[2] += 1
            if now > visit[1]:
                visit[1] = now
            continue
        else:
            close(client, visit)
        opened[client] = [now, now, 1, landing(target, referrer), None]
        result.visits_new += 1
        since_prune += 1
        if since_prune >= _PRUNE_EVERY:
            since_prune = 0
            visits.prune(now)
    file_result.lines += lines
    file_result.blank += blank
    file_result.malformed += malformed
    result.lines += lines
    result.malformed += malformed
    result.page_views += views
    result.bot_hits += bots
    result.other_hits += other
    if first is not None and last is not None:
        low, high = datetime.fromtimestamp(first, UTC), datetime.fromtimestamp(last, UTC)
        result.first_at = low if result.first_at is None else min(result.first_at, low)
        result.last_at = high if result.last_at is None else max(result.last_at, high)
    return read


def _continue(stored: dict[int, list[Any]], client: tuple[bytes, bytes], now: int) -> list[Any] | None:
    """The stored visit this page view of ``client`` continues (its last page view at most 30 minutes before), if any."""
    visit = stored.get(client_hash(client))
    if visit is None or not (visit[0] - VISIT_GAP_SECONDS <= now <= visit[1] + VISIT_GAP_SECONDS):
        return None
    return stored.pop(client_hash(client))


def client_hash(client: tuple[bytes, bytes]) -> int:
    """A client (IP address, user agent) as a signed 64-bit number: what the store keeps instead of the address."""
    digest = hashlib.blake2b(client[0] + b"\t" + client[1], digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@cache
def _bot_test() -> Callable[[bytes], bool]:
    """One bot test per process: the patterns compile once."""
    return logparse.bot_test()


def _remember_log(session: Session, logs: list[_Known], known: _Known | None, key: str, path: Path, head: bytes,
                  read_to: int, lines: int) -> None:
    """Where this log now stops, conditionally: a concurrent import of the same log makes this one refused.
    ``logs`` is kept in step, so the same log given twice in one import (under two names) is read once."""
    from shoptui import clock

    try:
        stat = path.stat()
        identity = f"{stat.st_dev}:{stat.st_ino}"
    except OSError:
        identity = ""
    table = table_of(TrafficLog)
    values: dict[str, Any] = {"path": key[:1000], "identity": identity, "read_to": read_to, "imported_at": clock.now()}
    if known is None:
        length = min(len(head), HEAD_BYTES)
        digest = hashlib.sha256(head[:length]).hexdigest()
        try:
            ident: int = session.execute(table.insert().values(head_hash=digest, head_length=length, lines=lines, **values)
                                    .returning(table.c.id)).scalar_one()
        except IntegrityError:
            raise Conflict(f"Another import read {path} at the same time; run this import again.") from None
        logs.append(_Known(int(ident), key, digest, length, read_to, lines))
        return
    if read_to > known.read_to and known.head_length < HEAD_BYTES and len(head) > known.head_length:
        # a small log that grew: know it by its longer head from now on
        known.head_length = min(len(head), HEAD_BYTES)
        known.head_hash = hashlib.sha256(head[:known.head_length]).hexdigest()
        values.update(head_hash=known.head_hash, head_length=known.head_length)
    done = session.connection().execute(update(table).where(table.c.id == known.id, table.c.read_to == known.read_to)
                                        .values(lines=table.c.lines + lines, **values))
    if done.rowcount != 1:
        raise Conflict(f"Another import read {path} at the same time; run this import again.")
    known.read_to, known.lines, known.path = read_to, known.lines + lines, key


def _write(session: Session, visits: _Visits, bot_days: dict[date, int]) -> None:
    conn = session.connection()
    visit_table = table_of(TrafficVisit)
    if visits.updates:
        conn.execute(update(visit_table).where(visit_table.c.id == bindparam("b_id"))
                     .values(page_views=bindparam("views"), last_seen_at=bindparam("seen")), visits.updates)
    rows = visits.rows
    with tuning.page_cache_for(conn, len(rows)), \
            bulk.indexes_deferred(conn, [("traffic_visit", len(rows))], threshold=DEFER_INDEXES_FROM):
        bulk.insert_rows(conn, visit_table, _VISIT_NAMES, rows)
    if bot_days:
        bot_table = table_of(TrafficBotDay)
        have = dict(tuples(session.execute(select(bot_table.c.day, bot_table.c.hits)
                                    .where(bot_table.c.day.in_(list(bot_days))))).all())
        fresh = [(day, hits) for day, hits in bot_days.items() if day not in have]
        if have:
            conn.execute(update(bot_table).where(bot_table.c.day == bindparam("b_day"))
                         .values(hits=bot_table.c.hits + bindparam("more")),
                         [{"b_day": day, "more": hits} for day, hits in bot_days.items() if day in have])
        bulk.insert_rows(conn, bot_table, ("day", "hits"), fresh)




@dataclass(frozen=True)
class TrafficLogRead:
    """A log read before: its last path, how far it was read and when."""

    path: str
    identity: str
    read_to: int
    lines: int
    imported_at: datetime


def list_traffic_logs(*, session: Session, actor: Actor | None = None) -> list[TrafficLogRead]:
    """Every access log imported so far, the most recently imported first."""
    if actor is not None:  # a face reads for the logged-in account: the reports.view permission
        from shoptui.services.shop import require

        require(session=session, actor=actor, permission="reports.view")
    table = table_of(TrafficLog)
    return [TrafficLogRead(path=str(p), identity=str(i), read_to=int(r), lines=int(n), imported_at=at)
            for p, i, r, n, at in tuples(session.execute(
                select(table.c.path, table.c.identity, table.c.read_to, table.c.lines, table.c.imported_at)
                .order_by(table.c.imported_at.desc(), table.c.id.desc())))]


# ---------------------------------------------------------------- the traffic report

_NONE = "(none)"
DEFAULT_DAYS = 30


@dataclass(frozen=True)
class TrafficRow:
    """One row of the traffic report (or its total)."""

    key: str
    visits: int
    visitors: int  # distinct clients per day, summed over the days (a client on two days counts twice)
    page_views: int
    bot_hits: int | None  # by day and in the total; None in other breakdowns (a bot hit has no source)
    orders: int | None = None  # by source (and its total): orders placed with that source
    conversion_bp: int | None = None  # orders / visits
    revenue_minor: int | None = None  # the orders' net sales


@dataclass(frozen=True)
class TrafficReport:
    """The traffic report: rows (by day: in date order; else most visits first) and their total."""

    by: str
    start: date
    end: date
    currency: str
    digits: int
    rows: list[TrafficRow]
    total: TrafficRow


def _period(session: Session, start: date | None, end: date | None) -> tuple[date, date]:
    """The days of a report: ``start`` .. ``end`` both included; by default the last 30 days to today."""
    today = shop.local_today(shop.timezone(session=session))
    end = end or today
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise InvalidInput(f"The period starts {start} after it ends {end}; give --from before --to.")
    return start, end


def traffic_report(*, session: Session, actor: Actor | None = None, by: str, start: date | None = None, end: date | None = None) -> TrafficReport:
    """Visits, visitors, page views and bot hits by day, source, host, campaign or landing page over the days
    ``start`` .. ``end`` (store time; default the last 30 days); by source also orders, conversion and revenue."""
    if actor is not None:  # a face reads for the logged-in account: the reports.view permission
        from shoptui.services.shop import require

        require(session=session, actor=actor, permission="reports.view")
    if by not in TRAFFIC_BREAKDOWNS:
        raise InvalidInput(f"The traffic report is by {', '.join(TRAFFIC_BREAKDOWNS)}, not {by!r}.", field="by")
    start, end = _period(session, start, end)
    visit = table_of(TrafficVisit)
    column = {"day": visit.c.day, "source": visit.c.source, "host": visit.c.host, "campaign": visit.c.campaign,
              "landing-page": visit.c.landing_page}[by]
    within = visit.c.day.between(start, end)
    # one pass per day and key: visitors are distinct clients per day, so a key's visitors add up over its days
    # (the covering day index streams this for by day and by source)
    figures: dict[str, list[int]] = {}
    daily: dict[date, int] = {}
    grouping = (visit.c.day,) if by == "day" else (visit.c.day, column)
    for day, key, visits, views, visitors in tuples(session.execute(
            select(visit.c.day, column, func.count(), func.sum(visit.c.page_views), func.count(visit.c.client.distinct()))
            .where(within).group_by(*grouping))):
        row = figures.setdefault(_key(key), [0, 0, 0])
        row[0] += int(visits)
        row[1] += int(visitors)
        row[2] += int(views or 0)
        if by == "day":
            daily[day] = int(visitors)
    if by != "day":
        daily = {day: int(n) for day, n in tuples(session.execute(
            select(visit.c.day, func.count(visit.c.client.distinct())).where(within).group_by(visit.c.day)))}
    total_visitors = sum(daily.values())
    bot = table_of(TrafficBotDay)
    bots = {_key(day): int(hits) for day, hits in tuples(session.execute(
        select(bot.c.day, bot.c.hits).where(bot.c.day.between(start, end))))}
    currency = shop.currency(session=session)
    orders: dict[str, tuple[int, int]] | None = None
    if by == "day":
        for key in bots:
            figures.setdefault(key, [0, 0, 0])
    elif by == "source":
        for key in SOURCES:
            figures.setdefault(key, [0, 0, 0])
        orders = orders_by_source(session=session, start=start, end=end)
    rows = [_row(key, values, bots.get(key, 0) if by == "day" else None, orders) for key, values in figures.items()]
    rows.sort(key=(lambda r: r.key) if by == "day" else (lambda r: (-r.visits, -r.page_views, r.key)))
    total_orders = None if orders is None else (sum(o for o, _ in orders.values()), sum(m for _, m in orders.values()))
    total = _row("total", [sum(r.visits for r in rows), total_visitors, sum(r.page_views for r in rows)],
                 sum(bots.values()), None if total_orders is None else {"total": total_orders})
    return TrafficReport(by=by, start=start, end=end, currency=currency.code, digits=currency.digits, rows=rows,
                         total=total)


def _key(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return str(value) if value else _NONE


def _row(key: str, values: list[int], bots: int | None, orders: dict[str, tuple[int, int]] | None) -> TrafficRow:
    visits, visitors, views = values
    if orders is None:
        return TrafficRow(key=key, visits=visits, visitors=visitors, page_views=views, bot_hits=bots)
    count, revenue = orders.get(key, (0, 0))
    return TrafficRow(key=key, visits=visits, visitors=visitors, page_views=views, bot_hits=bots, orders=count,
                      conversion_bp=_ratio_bp(count, visits), revenue_minor=revenue)


def _ratio_bp(part: int, whole: int) -> int | None:
    """``part / whole`` in basis points, rounded half up (None when ``whole`` is 0)."""
    from shoptui.services.pricing import round_half_up

    return None if not whole else round_half_up(part * 10_000, whole)


def traffic_tables(report: TrafficReport) -> list[Table]:
    """The report as export tables (rows + total)."""
    columns = [Column("key", report.by), Column("visits", "Visits", "int"), Column("visitors", "Visitors", "int"),
               Column("page_views", "Page views", "int"), Column("bot_hits", "Bot hits", "int")]
    if report.by == "source":
        columns += [Column("orders", "Orders", "int"), Column("conversion_rate", "Conversion", "percent"),
                    Column("revenue", "Revenue", "money")]
    keys = {c.key for c in columns}

    def as_dict(row: TrafficRow) -> dict[str, Any]:
        values = {"key": row.key, "visits": row.visits, "visitors": row.visitors, "page_views": row.page_views,
                  "bot_hits": row.bot_hits, "orders": row.orders, "conversion_rate": row.conversion_bp,
                  "revenue": row.revenue_minor}
        return {k: v for k, v in values.items() if k in keys}

    notes: tuple[str, ...] = ("Visitors are distinct clients per day; a client seen on two days, or under two keys, counts in "
             "each, so rows may add up to more than the total.",)
    if report.by != "day":
        notes += ("Bot hits have no source, host, campaign or landing page: only the total carries them.",)
    return [Table(name="traffic", columns=tuple(columns), rows=[as_dict(r) for r in report.rows],
                  total=as_dict(report.total), notes=notes)]


def order_source(source: str, utm_source: str, utm_medium: str) -> str | None:
    """The traffic source of an order: its source when that is one of the six words, else what its UTM tags
    (or a source name such as "weibo") say by the visits' rules; None for an order with neither."""
    word = source.strip().lower()
    if word in SOURCES:
        return word
    return logparse.utm_kind(utm_source or word, utm_medium)


def orders_by_source(*, session: Session, start: date, end: date) -> dict[str, tuple[int, int]]:
    """Orders placed on the days ``start`` .. ``end`` that carry a source, by traffic source: (orders, revenue).

    Revenue is the goods after discounts (subtotal + adjustments; shipping and tax apart); cancelled orders and
    open orders with no payment yet never count (as in the sales report)."""
    from shoptui.models.orders import Order

    order = table_of(Order)
    counted = (order.c.placed_day.between(start, end) & (order.c.status != "cancelled")
               & ~((order.c.status == "open") & (order.c.payment_status == "unpaid"))
               & ((order.c.source != "") | (order.c.utm_source != "") | (order.c.utm_medium != "")))
    found: dict[str, tuple[int, int]] = {}
    for source, utm_source, utm_medium, orders, revenue in tuples(session.execute(
            select(order.c.source, order.c.utm_source, order.c.utm_medium, func.count(),
                   func.sum(order.c.subtotal_minor + order.c.adjustments_minor))
            .where(counted).group_by(order.c.source, order.c.utm_source, order.c.utm_medium))):
        kind = order_source(str(source), str(utm_source), str(utm_medium))
        if kind is not None:
            have = found.get(kind, (0, 0))
            found[kind] = (have[0] + int(orders), have[1] + int(revenue or 0))
    return found


def orders_by_channel(*, session: Session, start: date, end: date) -> dict[str, tuple[int, int]]:
    """Orders placed on the days ``start`` .. ``end`` by their utm_source (lower case): (orders, revenue), counted
    as in :func:`orders_by_source`."""
    from shoptui.models.orders import Order

    order = table_of(Order)
    counted = (order.c.placed_day.between(start, end) & (order.c.status != "cancelled")
               & ~((order.c.status == "open") & (order.c.payment_status == "unpaid")) & (order.c.utm_source != ""))
    found: dict[str, tuple[int, int]] = {}
    for channel, orders, revenue in tuples(session.execute(
            select(func.lower(order.c.utm_source), func.count(),
                   func.sum(order.c.subtotal_minor + order.c.adjustments_minor))
            .where(counted).group_by(func.lower(order.c.utm_source)))):
        have = found.get(str(channel), (0, 0))
        found[str(channel)] = (have[0] + int(orders), have[1] + int(revenue or 0))
    return found


# ---------------------------------------------------------------- ad spend


@dataclass(frozen=True)
class SpendRead:
    """What one channel cost on one day."""

    channel: str
    day: date
    amount_minor: int
    previous_minor: int | None  # what was recorded before (None: nothing)


@dataclass(frozen=True)
class SpendRow:
    """One channel over a period: what it cost, what it brought, and the return on ad spend."""

    channel: str
    spend_minor: int
    visits: int  # visits tagged utm_source=channel
    orders: int
    revenue_minor: int
    roas_bp: int | None  # revenue / spend (10000 = revenue equal to spend); None with no spend


@dataclass(frozen=True)
class SpendReport:
    """Ad spend and its return per channel (most spent first), and the total."""

    start: date
    end: date
    currency: str
    digits: int
    rows: list[SpendRow]
    total: SpendRow


def ad_channel(raw: str) -> str:
    """A channel name as stored: trimmed, NFKC, lower case, 1-40 characters (the utm_source its ads are tagged with)."""
    import unicodedata

    from shoptui.text import check_text

    name = unicodedata.normalize("NFKC", raw or "").strip().lower()
    if not name:
        raise InvalidInput("Give the ad channel, the utm_source its ads are tagged with (like baidu or weibo).",
                           field="channel")
    if len(name) > 40:
        raise InvalidInput(f"The channel {name[:40]!r}... is {len(name)} characters; give at most 40.", field="channel")
    check_text(name, "channel", 40, required=True, multiline=False)
    return name


def set_ad_spend(*, session: Session, actor: Actor, channel: str, day: date, amount_minor: int) -> SpendRead:
    """Record what ``channel`` cost on ``day`` (store time), replacing what was recorded for that day. Raises
    InvalidInput for a negative amount or a day after today."""
    from shoptui import clock
    from shoptui.money import MAX_MINOR
    from shoptui.store.unique import insert_ignore

    name = ad_channel(channel)
    if amount_minor < 0 or amount_minor > MAX_MINOR:
        raise InvalidInput(f"The spend {amount_minor} is out of range; give an amount of 0 or more.", field="amount_minor")
    today = shop.local_today(shop.timezone(session=session))
    if day > today:
        raise InvalidInput(f"{day} is after today ({today}); record spend once the day has come.", field="day")
    table = table_of(AdSpend)
    where = (table.c.channel == name) & (table.c.day == day)
    values = {"amount_minor": amount_minor, "updated_by": actor.name[:100], "updated_at": clock.now()}
    previous: int | None = None
    if not insert_ignore(session, table, {"channel": name, "day": day, **values}):
        previous = int(session.execute(select(table.c.amount_minor).where(where).with_for_update()).scalar_one())
        session.execute(update(table).where(where).values(**values))
    shop.record(session=session, actor=actor, action="traffic.spend", entity="ad_spend", entity_id=f"{name} {day}",
                before=None if previous is None else {"amount_minor": previous}, after={"amount_minor": amount_minor})
    return SpendRead(channel=name, day=day, amount_minor=amount_minor,
                     previous_minor=previous)


def ad_spend_report(*, session: Session, actor: Actor | None = None, start: date | None = None, end: date | None = None) -> SpendReport:
    """Spend, visits, orders, revenue and return on ad spend per channel over ``start`` .. ``end`` (store time;
    default the last 30 days). A channel's visits and orders are those tagged with utm_source = the channel."""
    if actor is not None:  # a face reads for the logged-in account: the reports.view permission
        from shoptui.services.shop import require

        require(session=session, actor=actor, permission="reports.view")
    start, end = _period(session, start, end)
    spend = table_of(AdSpend)
    spent = {str(c): int(a) for c, a in tuples(session.execute(
        select(spend.c.channel, func.sum(spend.c.amount_minor)).where(spend.c.day.between(start, end))
        .group_by(spend.c.channel)))}
    visit = table_of(TrafficVisit)
    visits = {str(c): int(n) for c, n in tuples(session.execute(
        select(visit.c.utm_source, func.count()).where(visit.c.day.between(start, end),
                                                       visit.c.utm_source.in_(list(spent)))
        .group_by(visit.c.utm_source)))} if spent else {}
    orders = orders_by_channel(session=session, start=start, end=end) if spent else {}
    rows = [_spend_row(channel, amount, visits.get(channel, 0), *orders.get(channel, (0, 0)))
            for channel, amount in spent.items()]
    rows.sort(key=lambda r: (-r.spend_minor, r.channel))
    total = _spend_row("total", sum(r.spend_minor for r in rows), sum(r.visits for r in rows),
                       sum(r.orders for r in rows), sum(r.revenue_minor for r in rows))
    currency = shop.currency(session=session)
    return SpendReport(start=start, end=end, currency=currency.code, digits=currency.digits, rows=rows, total=total)


def _spend_row(channel: str, spend: int, visits: int, orders: int, revenue: int) -> SpendRow:
    return SpendRow(channel=channel, spend_minor=spend, visits=visits, orders=orders, revenue_minor=revenue,
                    roas_bp=_ratio_bp(revenue, spend))


def spend_tables(report: SpendReport) -> list[Table]:
    """The spend report as export tables."""
    columns = (Column("channel", "Channel"), Column("spend", "Spend", "money"), Column("visits", "Visits", "int"),
               Column("orders", "Orders", "int"), Column("revenue", "Revenue", "money"),
               Column("roas", "Return on ad spend", "percent"))

    def as_dict(row: SpendRow) -> dict[str, Any]:
        return {"channel": row.channel, "spend": row.spend_minor, "visits": row.visits, "orders": row.orders,
                "revenue": row.revenue_minor, "roas": row.roas_bp}

    return [Table(name="ad spend", columns=columns, rows=[as_dict(r) for r in report.rows], total=as_dict(report.total))]
