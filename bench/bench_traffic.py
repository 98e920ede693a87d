"""Access-log import (issue 15): 10,000,000 combined-format lines into visits, in one transaction.

Target: at least 100,000 lines/s. The log (built once into ``bench/.data``, about 2 GB) covers 30 days
of a busy shop: 400,000 clients, visits of 1-8 page views each with their static assets, some errors,
POSTs and 8% bot hits, referrers from search, social, webmail and other sites, some UTM-tagged landings.
Wall time is noisy when other work shares the machine, so CPU time (``time.process_time``) is printed
beside it. ``BENCH_TRAFFIC_LINES`` makes a smaller log (its own file) for a quick look.
"""

from __future__ import annotations

import os
import random
import time
from datetime import UTC, datetime
from pathlib import Path

from bench._report import DATA, figure

LINES = int(os.environ.get("BENCH_TRAFFIC_LINES", "10000000"))
LOG = DATA / f"access-{LINES // 1000}k.log"
STORE = DATA / "traffic.db"
TARGET = 100_000

_AGENTS = [
    f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36"
    for v in range(100, 131)
] + [
    f"Mozilla/5.0 (iPhone; CPU iPhone OS {v}_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 "
    f"MicroMessenger/8.0.{v}" for v in range(12, 18)
] + [f"Mozilla/5.0 (Linux; Android {v}; SM-G99{v}) AppleWebKit/537.36 Chrome/{v + 100}.0 Mobile Safari/537.36"
     for v in range(8, 15)]
_BOTS = ["Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
         "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
         "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
         "Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)"]
_REFERRERS = ["-", "-", "-", "https://www.baidu.com/s?wd=tea", "https://www.google.com/", "https://weibo.com/u/1",
              "https://mp.weixin.qq.com/s/x", "https://mail.qq.com/", "https://blog.example.org/post",
              "https://www.myshop.cn/", "https://www.xiaohongshu.com/explore", "https://duckduckgo.com/"]
_LANDINGS = ["/", "/products/tee", "/products/mug", "/category/tea", "/blog/spring",
             "/?utm_source=weibo&utm_medium=social&utm_campaign=spring",
             "/deals?utm_source=baidu&utm_medium=cpc&utm_campaign=brand",
             "/news?utm_source=newsletter&utm_medium=email&utm_campaign=dec"]
_PAGES = [f"/products/item-{i}" for i in range(200)] + ["/cart", "/checkout", "/search?q=tea", "/account"]
_ASSETS = ["/static/app.css", "/static/app.js", "/static/logo.png", "/img/p1.jpg", "/fonts/a.woff2"]
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _make_log() -> None:
    """About 30 days of traffic, time in order, written in big blocks."""
    rnd = random.Random(15)
    clients = [(f"{rnd.randrange(1, 224)}.{rnd.randrange(256)}.{rnd.randrange(256)}.{rnd.randrange(1, 255)}",
                rnd.choice(_AGENTS)) for _ in range(400_000)]
    start = int(datetime(2026, 11, 1, tzinfo=UTC).timestamp())
    seconds = 30 * 86_400
    stamps: dict[int, str] = {}

    def stamp(t: int) -> str:
        minute = t // 60
        text = stamps.get(minute)
        if text is None:
            moment = datetime.fromtimestamp(minute * 60, UTC)
            text = stamps[minute] = f"{moment.day:02d}/{_MONTHS[moment.month - 1]}/{moment.year}:{moment.hour:02d}:{moment.minute:02d}"
        return f"{text}:{t % 60:02d} +0000"

    tmp = LOG.with_suffix(".part")
    written = 0
    with tmp.open("w", encoding="utf-8") as out:
        block: list[str] = []
        while written + len(block) < LINES:
            t = start + (written + len(block)) * seconds // LINES
            if rnd.random() < 0.45:  # about 8% of the lines
                block.append(f'66.249.{rnd.randrange(256)}.{rnd.randrange(256)} - - [{stamp(t)}] "GET '
                             f'{rnd.choice(_PAGES)} HTTP/1.1" 200 5120 "-" "{rnd.choice(_BOTS)}"\n')
                continue
            ip, agent = clients[rnd.randrange(len(clients))]
            referrer = rnd.choice(_REFERRERS)
            path = rnd.choice(_LANDINGS)
            for view in range(rnd.randint(1, 8)):
                status = 404 if rnd.random() < 0.03 else 200
                method = "POST" if rnd.random() < 0.02 else "GET"
                when = stamp(t + view * 40)
                block.append(f'{ip} - - [{when}] "{method} {path} HTTP/1.1" {status} 8192 "{referrer}" "{agent}"\n')
                for asset in _ASSETS[:rnd.randint(0, 3)]:
                    block.append(f'{ip} - - [{when}] "GET {asset} HTTP/1.1" 200 2048 "https://www.myshop.cn{path}" '
                                 f'"{agent}"\n')
                referrer, path = f"https://www.myshop.cn{path}", rnd.choice(_PAGES)
            if len(block) >= 50_000:
                written += len(block)
                out.writelines(block)
                block.clear()
        out.writelines(block)
    tmp.replace(LOG)


def _lines_of(path: Path) -> int:
    count = 0
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 24), b""):
            count += chunk.count(b"\n")
    return count


def run() -> None:
    from shoptui import db
    from shoptui.config import Actor
    from shoptui.services import analytics

    DATA.mkdir(exist_ok=True)
    if not LOG.exists():
        started = time.perf_counter()
        _make_log()
        print(f"   built {LOG.name} in {time.perf_counter() - started:.0f} s")
    lines = _lines_of(LOG)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{STORE}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{STORE}"
    db.upgrade(url, backup=False)
    with db.transaction(url) as s:
        from shoptui.services import shop

        shop.set_value(session=s, actor=Actor(name="bench", source="script"), key="site_url",
                         raw="https://www.myshop.cn")
    actor = Actor(name="bench", source="script")
    wall, cpu = time.perf_counter(), time.process_time()
    with db.transaction(url) as s:
        result = analytics.import_access_logs(session=s, actor=actor, paths=[LOG])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    note = (f"{lines:,} lines in {wall:.1f} s wall, {cpu:.1f} s CPU: {result.page_views:,} page views, "
            f"{result.visits_new:,} visits, {result.bot_hits:,} bot hits")
    figure(f"access-log import, {lines:,} lines (lines/s, wall)", lines / wall, TARGET, "lines/s",
           higher_is_better=True, note=note)
    figure("access-log import (lines/s of CPU)", lines / cpu, TARGET, "lines/s", higher_is_better=True)
    wall = time.perf_counter()
    with db.transaction(url) as s:
        again = analytics.import_access_logs(session=s, actor=actor, paths=[LOG])
    figure("the same log again (nothing new to read)", (time.perf_counter() - wall) * 1000, 1000, "ms",
           note=f"{again.lines} lines read")
    wall = time.perf_counter()
    with db.read_session(url) as s:
        report = analytics.traffic_report(session=s, by="source", start=datetime(2026, 11, 1).date(),
                                          end=datetime(2026, 11, 30).date())
    figure("traffic report by source, 30 days", (time.perf_counter() - wall) * 1000, 500, "ms",
           note=f"{report.total.visits:,} visits")
    db.dispose_all()
