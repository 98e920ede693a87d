"""Traffic from access logs (issue 15): `traffic import`, `report traffic`, `traffic spend`, `marketing link`, and
the visitors card. The log below is written by hand; every expected figure is counted by hand in the comments.

The store's zone is Asia/Shanghai (+0800) and the log's times are +0800, so a log day is a report day. The
clock is frozen at 2026-11-20 10:30 there. Clients: c1 = (1.1.1.1, DESKTOP), c2 = (2.2.2.2, PHONE), ...
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from shoptui import db
from tests.cli.conftest import store_digest

DESKTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
BINGBOT = "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"


def hit(ip: str, when: str, request: str, status: int = 200, referrer: str = "-", agent: str = DESKTOP) -> str:
    """One combined-format line; ``when`` is "DD HH:MM:SS" in November 2026, +0800."""
    day, time = when.split()
    return f'{ip} - - [{day}/Nov/2026:{time} +0800] "{request}" {status} 512 "{referrer}" "{agent}"\n'


OLD_GZ = [  # access.log.1.gz: 18 November
    hit("1.1.1.1", "18 08:00:00", "GET /old HTTP/1.1", referrer="https://duckduckgo.com/"),  # V14 search, c1
    hit("1.1.1.1", "18 08:05:00", "GET /old2 HTTP/1.1"),  # V14: 2 page views
    hit("66.249.66.1", "18 08:06:00", "GET / HTTP/1.1", agent=GOOGLEBOT),  # bot, day 18
]
PART_1 = [  # access.log as first imported
    hit("1.1.1.1", "19 09:00:00", "GET /?utm_source=weibo&utm_medium=social&utm_campaign=spring HTTP/1.1",
        referrer="https://weibo.com/x"),  # V1 social (UTM first), campaign spring, landing /
    hit("1.1.1.1", "19 09:00:01", "GET /static/app.css HTTP/1.1"),  # static asset
    hit("1.1.1.1", "19 09:00:01", "GET /static/LOGO.PNG?v=2 HTTP/1.1"),  # static asset (any case, query ignored)
    hit("1.1.1.1", "19 09:10:00", "GET /products/tee HTTP/1.1", referrer="https://m.myshop.cn/"),  # V1: 2
    hit("1.1.1.1", "19 09:40:00", "GET /cart HTTP/1.1"),  # exactly 30 minutes later: still V1, 3 page views
    hit("1.1.1.1", "19 10:11:00", "GET /products/mug HTTP/1.1",
        referrer="https://www.baidu.com/s?wd=mug"),  # 31 minutes later: V2 search (baidu.com)
    hit("2.2.2.2", "19 11:00:00", "GET /%E5%95%86%E5%93%81/%E8%8C%B6 HTTP/1.1", referrer="https://www.google.co.uk/",
        agent=PHONE),  # V3 search, landing /商品/茶
    hit("2.2.2.2", "19 11:01:00", "GET /missing HTTP/1.1", status=404, agent=PHONE),  # an error: no page view
    hit("2.2.2.2", "19 11:02:00", "POST /cart HTTP/1.1", agent=PHONE),  # not a GET: no page view
    hit("66.249.66.1", "19 11:03:00", "GET / HTTP/1.1", agent=GOOGLEBOT),  # bot, day 19
    hit("40.77.167.1", "19 11:04:00", "GET /robots.txt HTTP/1.1", agent=BINGBOT),  # bot, day 19
    "this is not a log line\n",  # unreadable (line 12)
    hit("3.3.3.3", "19 12:00:00", "GET /newsletter?utm_source=newsletter&utm_medium=email&utm_campaign=nov HTTP/1.1"),
    # ^ V4 email, campaign nov
    hit("4.4.4.4", "19 13:00:00", "GET /?utm_source=baidu&utm_medium=cpc&utm_campaign=brand HTTP/1.1",
        referrer="https://www.baidu.com/"),  # V5 ads (cpc beats the search referrer)
    hit("5.5.5.5", "19 14:00:00", "GET /blog HTTP/1.1", referrer="https://mp.weixin.qq.com/s/abc", agent=PHONE),
    # ^ V6 social (WeChat)
    hit("6.6.6.6", "19 15:00:00", "GET / HTTP/1.1", referrer="https://blog.example.org/post", agent=PHONE),
    # ^ V7 referral
    hit("7.7.7.7", "19 16:00:00", "GET / HTTP/1.1", agent=PHONE),  # V8 direct (no referrer)
    hit("8.8.8.8", "19 16:30:00", "GET /about HTTP/1.1", status=304, referrer="https://www.myshop.cn/",
        agent=PHONE),  # V9 direct: the shop's own host (www. ignored); 304 is below 400
    hit("1.1.1.1", "19 23:50:00", "GET /late HTTP/1.1"),  # V10 direct, starts on the 19th
    hit("1.1.1.1", "20 00:10:00", "GET /late2 HTTP/1.1"),  # V10 goes on past midnight: 2 page views, day 19
    '1.2.3.4 - - [31/Nov/2026:10:00:00 +0800] "GET / HTTP/1.1" 200 1 "-" "x"\n',  # no 31 November: unreadable
    hit("2.2.2.2", "20 09:00:00", "GET / HTTP/1.1", referrer="https://t.co/xyz", agent=PHONE),  # V11 social, day 20
    hit("66.249.66.1", "20 09:00:05", "GET /a HTTP/1.1", agent=GOOGLEBOT),  # bot, day 20
    hit("9.9.9.9", "20 10:00:00", "GET /deals HTTP/1.1", referrer="https://reddit.com/r/x"),  # V12 social, day 20
]
PART_2 = [  # appended to access.log after the first import
    hit("9.9.9.9", "20 10:20:00", "GET /deals/2 HTTP/1.1"),  # continues V12 across the import: 2 page views
    hit("10.10.10.10", "20 10:25:00", "GET /x HTTP/1.1", referrer="https://mail.google.com/"),  # V13 email (webmail)
    hit("66.249.66.1", "20 10:26:00", "GET /b HTTP/1.1", agent=GOOGLEBOT),  # bot, day 20
]

# visits by day: 18 {V14}, 19 {V1..V10}, 20 {V11, V12, V13}; visitors: 18 {c1}, 19 {c1..c8}, 20 {c2, c9, c10}
BY_DAY = {
    "2026-11-18": {"visits": 1, "visitors": 1, "page_views": 2, "bot_hits": 1},
    "2026-11-19": {"visits": 10, "visitors": 8, "page_views": 13, "bot_hits": 2},
    "2026-11-20": {"visits": 3, "visitors": 3, "page_views": 4, "bot_hits": 2},
}
TOTAL = {"visits": 14, "visitors": 12, "page_views": 19, "bot_hits": 5}
BY_SOURCE = {  # visitors: (day, client) pairs in the row
    "search": {"visits": 3, "visitors": 3, "page_views": 4},  # V14, V2, V3
    "social": {"visits": 4, "visitors": 4, "page_views": 7},  # V1 (3), V6, V11, V12 (2)
    "email": {"visits": 2, "visitors": 2, "page_views": 2},  # V4, V13
    "ads": {"visits": 1, "visitors": 1, "page_views": 1},  # V5
    "referral": {"visits": 1, "visitors": 1, "page_views": 1},  # V7
    "direct": {"visits": 3, "visitors": 3, "page_views": 4},  # V8, V9, V10 (2)
}
PERIOD = ("--from", "2026-11-18", "--to", "2026-11-20")


def ok(result):  # type: ignore[no-untyped-def]
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result


def refused(result, code: int = 1) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code == code, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") if code == 1 else lines, result.stderr
    return str(result.stderr)


@pytest.fixture
def logs(tmp_path: Path) -> tuple[Path, Path]:
    """(access.log.1.gz, access.log with PART_1)."""
    old = tmp_path / "access.log.1.gz"
    with gzip.open(old, "wt", encoding="utf-8") as handle:
        handle.writelines(OLD_GZ)
    current = tmp_path / "access.log"
    current.write_text("".join(PART_1), encoding="utf-8")
    return old, current


@pytest.fixture
def traffic_shop(shop, frozen_clock):  # type: ignore[no-untyped-def]
    ok(shop("settings", "set", "site_url", "https://www.myshop.cn"))
    return shop


def report(shop, by: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    return json.loads(ok(shop("report", "traffic", "--by", by, *PERIOD, "--json")).stdout)


def figures(row: dict, *keys: str) -> dict:  # type: ignore[type-arg]
    return {k: row[k] for k in keys}


def test_import_in_two_parts_gives_the_hand_counted_figures(traffic_shop, logs) -> None:  # type: ignore[no-untyped-def]
    old, current = logs
    first = json.loads(ok(traffic_shop("traffic", "import", str(old), str(current), "--json")).stdout)
    assert [f["state"] for f in first["files"]] == ["new", "new"]
    # 3 + 24 lines; page views 2 + 15; bots 1 + 3; static 2, 404 1, POST 1; unreadable: lines 12 and 21
    assert (first["lines"], first["page_views"], first["bot_hits"], first["other_hits"], first["malformed"]) == \
        (27, 17, 4, 4, 2)
    assert first["malformed_examples"] == ["access.log line 12"]
    assert first["visits_new"] == 13 and first["visits_continued"] == 0

    with current.open("a", encoding="utf-8") as handle:
        handle.writelines(PART_2)
    second = json.loads(ok(traffic_shop("traffic", "import", str(old), str(current), "--json")).stdout)
    assert [(f["state"], f["lines"]) for f in second["files"]] == [("unchanged", 0), ("grown", 3)]
    assert (second["lines"], second["page_views"], second["bot_hits"], second["visits_new"],
            second["visits_continued"]) == (3, 2, 1, 1, 1)  # V12 continued, V13 new

    _check_report(traffic_shop)
    listed = json.loads(ok(traffic_shop("traffic", "logs", "--json")).stdout)
    assert sorted((Path(log["path"]).name, log["lines"]) for log in listed) == [("access.log", 27), ("access.log.1.gz", 3)]
    third = json.loads(ok(traffic_shop("traffic", "import", str(current), str(old), "--json")).stdout)
    assert third["lines"] == 0 and third["visits_new"] == 0  # the same files again add nothing
    _check_report(traffic_shop)


def test_import_at_once_gives_the_same_figures(traffic_shop, logs) -> None:  # type: ignore[no-untyped-def]
    old, current = logs
    with current.open("a", encoding="utf-8") as handle:
        handle.writelines(PART_2)
    result = ok(traffic_shop("traffic", "import", str(old), str(current)))
    assert "30 lines: 19 page views, 14 new visits, 5 bot hits" in result.stdout
    assert "first: access.log line 12" in result.stderr
    _check_report(traffic_shop)


def _check_report(shop) -> None:  # type: ignore[no-untyped-def]
    by_day = report(shop, "day")
    assert by_day["report"] == "traffic" and (by_day["from"], by_day["to"]) == ("2026-11-18", "2026-11-20")
    keys = ("visits", "visitors", "page_views", "bot_hits")
    assert {r["key"]: figures(r, *keys) for r in by_day["rows"]} == BY_DAY
    assert [r["key"] for r in by_day["rows"]] == sorted(BY_DAY)
    assert figures(by_day["total"], *keys) == TOTAL

    by_source = report(shop, "source")
    assert {r["key"]: figures(r, "visits", "visitors", "page_views") for r in by_source["rows"]} == BY_SOURCE
    assert all(r["bot_hits"] is None for r in by_source["rows"]) and by_source["total"]["bot_hits"] == 5
    assert figures(by_source["total"], *keys) == TOTAL

    by_campaign = {r["key"]: r["visits"] for r in report(shop, "campaign")["rows"]}
    assert by_campaign == {"spring": 1, "nov": 1, "brand": 1, "(none)": 11}
    by_host = {r["key"]: r["visits"] for r in report(shop, "host")["rows"]}
    assert by_host == {"duckduckgo.com": 1, "weibo.com": 1, "baidu.com": 2, "google.co.uk": 1, "mp.weixin.qq.com": 1,
                       "blog.example.org": 1, "myshop.cn": 1, "t.co": 1, "reddit.com": 1, "mail.google.com": 1,
                       "(none)": 3}
    landing = {r["key"]: (r["visits"], r["page_views"]) for r in report(shop, "landing-page")["rows"]}
    assert landing["/商品/茶"] == (1, 1) and landing["/"] == (5, 7) and landing["/deals"] == (1, 2)
    assert sum(v for v, _ in landing.values()) == 14


def test_report_table_and_empty_period(traffic_shop, logs) -> None:  # type: ignore[no-untyped-def]
    ok(traffic_shop("traffic", "import", *map(str, logs)))
    table = ok(traffic_shop("report", "traffic", "--by", "source", *PERIOD)).stdout
    assert "social" in table and "total" in table and "Visitors are distinct clients per day" in table
    empty = ok(traffic_shop("report", "traffic", "--from", "2026-10-01", "--to", "2026-10-02")).stdout
    assert "No visits in this period" in empty


def test_rotated_file_is_recognised(traffic_shop, logs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    old, current = logs
    ok(traffic_shop("traffic", "import", str(old), str(current)))
    rotated = tmp_path / "access.log.1b.gz"  # logrotate: access.log -> access.log.1 -> compressed
    with gzip.open(rotated, "wb") as handle:
        handle.write(current.read_bytes() + "".join(PART_2[:1]).encode())
    current.write_text("".join(PART_2[1:]), encoding="utf-8")  # a fresh access.log
    result = json.loads(ok(traffic_shop("traffic", "import", str(rotated), str(current), "--json")).stdout)
    assert [(f["state"], f["lines"]) for f in result["files"]] == [("rotated", 1), ("new", 2)]
    assert result["visits_continued"] == 1 and result["visits_new"] == 1
    by_day = {r["key"]: r["page_views"] for r in report(traffic_shop, "day")["rows"]}
    assert by_day == {k: v["page_views"] for k, v in BY_DAY.items()}


def test_a_line_still_being_written_waits(traffic_shop, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    log = tmp_path / "access.log"
    log.write_text(PART_1[0] + PART_1[3].rstrip("\n"), encoding="utf-8")
    result = ok(traffic_shop("traffic", "import", str(log)))
    assert "1 new lines (its last line is still being written" in result.stdout
    with log.open("a", encoding="utf-8") as handle:
        handle.write("\n")
    again = json.loads(ok(traffic_shop("traffic", "import", str(log), "--json")).stdout)
    assert again["lines"] == 1 and again["page_views"] == 1 and again["visits_continued"] == 1


def test_visitors_card_counts_today(traffic_shop, logs, store: str) -> None:  # type: ignore[no-untyped-def]
    from shoptui.services import shop

    old, current = logs
    with current.open("a", encoding="utf-8") as handle:
        handle.writelines(PART_2)
    ok(traffic_shop("traffic", "import", str(old), str(current)))
    with db.read_session(store) as session:
        cards = {f.key: f for f in shop.all_figures(session=session)}
    card = cards["traffic.visitors"]
    assert (card.title, card.value) == ("Visitors today", "3")  # 20 November: c2, c9, c10
    assert card.detail == "3 visits · yesterday 8"


@pytest.mark.parametrize("content", [b"\x00\x01\x02\xff" * 300, b"not a log\nstill not a log\n",
                                     b"\x1f\x8b\x08\x00garbage that is not gzip"])
def test_bad_files_are_refused_and_change_nothing(traffic_shop, store: str, tmp_path: Path,
                                                  content: bytes) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.log"
    bad.write_bytes(content)
    good = tmp_path / "access.log"
    good.write_text("".join(PART_1), encoding="utf-8")
    before = store_digest(store)
    message = refused(traffic_shop("traffic", "import", str(good), str(bad)))
    assert "bad.log" in message
    assert store_digest(store) == before


def test_missing_file_and_folder_are_refused(traffic_shop, store: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    before = store_digest(store)
    assert "does not exist" in refused(traffic_shop("traffic", "import", str(tmp_path / "nope.log")))
    assert "is a folder" in refused(traffic_shop("traffic", "import", str(tmp_path)))
    refused(traffic_shop("traffic", "import"), code=2)
    assert store_digest(store) == before


def test_report_refuses_bad_options(traffic_shop) -> None:  # type: ignore[no-untyped-def]
    assert "not 'week'" in refused(traffic_shop("report", "traffic", "--by", "week"), code=2)
    assert "after it ends" in refused(traffic_shop("report", "traffic", "--from", "2026-11-20", "--to", "2026-11-01"))
    assert "--from day 'yesterday' is not a date" in refused(traffic_shop("report", "traffic", "--from", "yesterday"))


def test_import_help_states_the_rules(traffic_shop) -> None:  # type: ignore[no-untyped-def]
    text = " ".join(ok(traffic_shop("traffic", "import", "--help")).stdout.split())
    for rule in ("crawler-user-agents", "status below 400", ".woff2", "no gap above 30 minutes",
                 "UTM tags of its first page view", "site_url", "distinct clients per day"):
        assert rule in text


# ---------------------------------------------------------------- ad spend


def test_spend_is_recorded_replaced_and_gives_return(traffic_shop, logs, store: str) -> None:  # type: ignore[no-untyped-def]
    ok(traffic_shop("traffic", "import", *map(str, logs)))
    assert "baidu on 2026-11-19: 100.00 CNY." in ok(traffic_shop("traffic", "spend", "Baidu", "2026-11-19", "100")).stdout
    assert "(was 100.00)" in ok(traffic_shop("traffic", "spend", "baidu", "2026-11-19", "120.50")).stdout
    ok(traffic_shop("traffic", "spend", "weibo", "2026-11-18", "30"))
    listed = json.loads(ok(traffic_shop("traffic", "spend", "list", *PERIOD, "--json")).stdout)
    rows = {r["channel"]: r for r in listed["rows"]}
    assert list(rows) == ["baidu", "weibo"]  # most spent first
    assert (rows["baidu"]["spend"], rows["baidu"]["visits"]) == ("120.50", 1)  # V5 is tagged utm_source=baidu
    assert (rows["weibo"]["spend"], rows["weibo"]["visits"]) == ("30.00", 1)  # V1
    assert listed["total"]["spend"] == "150.50" and listed["currency"] == "CNY"
    assert rows["baidu"]["roas"] == "0.00"  # no orders carry the tag yet
    with db.read_session(store) as session:
        from sqlalchemy import text

        audit = session.execute(text("SELECT count(*) FROM audit_entry WHERE action = 'traffic.spend'")).scalar_one()
    assert audit == 3


def test_spend_refuses_bad_input(traffic_shop, store: str) -> None:  # type: ignore[no-untyped-def]
    before = store_digest(store)
    assert "cannot be negative" in refused(traffic_shop("traffic", "spend", "baidu", "2026-11-19", "--", "-5"))
    assert "after today" in refused(traffic_shop("traffic", "spend", "baidu", "2026-11-21", "5"))
    assert "not a date" in refused(traffic_shop("traffic", "spend", "baidu", "19/11/2026", "5"))
    assert "ad channel" in refused(traffic_shop("traffic", "spend", "  ", "2026-11-19", "5"))
    refused(traffic_shop("traffic", "spend", "x" * 41, "2026-11-19", "5"))
    refused(traffic_shop("traffic", "spend", "baidu", "2026-11-19", "abc"))
    assert store_digest(store) == before
    assert "No ad spend recorded" in ok(traffic_shop("traffic", "spend", "list")).stdout


# ---------------------------------------------------------------- marketing link


def test_marketing_link_tags_and_keeps_the_query(shop) -> None:  # type: ignore[no-untyped-def]
    out = ok(shop("marketing", "link", "https://shop.example.com/spring?ref=home#top", "--source", "weibo",
                  "--medium", "social", "--campaign", "春季 sale")).stdout.strip()
    assert out == ("https://shop.example.com/spring?ref=home&utm_source=weibo&utm_medium=social"
                   "&utm_campaign=%E6%98%A5%E5%AD%A3%20sale#top")
    replaced = ok(shop("marketing", "link", "http://shop.example.com/?utm_source=old&x=1", "--source", "微博")).stdout
    assert replaced.strip() == "http://shop.example.com/?x=1&utm_source=%E5%BE%AE%E5%8D%9A"


def test_marketing_link_refuses_what_is_not_a_web_link(shop) -> None:  # type: ignore[no-untyped-def]
    assert "not an http(s) web address" in refused(shop("marketing", "link", "ftp://shop.example.com/a",
                                                        "--source", "weibo"))
    refused(shop("marketing", "link", "javascript:alert(1)", "--source", "weibo"))
    assert "--source" in refused(shop("marketing", "link", "https://shop.example.com", "--source", " "))
    refused(shop("marketing", "link", "https://shop.example.com"), code=2)


def test_orders_conversion_revenue_and_return_on_spend(traffic_shop, logs, store: str) -> None:  # type: ignore[no-untyped-def]
    from shoptui.services.orders.payments import pay
    from shoptui.services.orders.placing import create_order
    from tests.services.orders_helpers import CLERK, draft, seed

    ok(traffic_shop("traffic", "import", *map(str, logs)))
    with db.transaction(store) as s:  # placed today, 20 November
        seed(s)
        social = create_order(session=s, actor=CLERK, draft=draft(("TEE-01", 1), utm_source="weibo",
                                                                    utm_medium="social"))  # 99.00
        ads = create_order(session=s, actor=CLERK, draft=draft(("MUG-01", 2), utm_source="Baidu",
                                                                 utm_medium="cpc"))  # 71.00
        unpaid = create_order(session=s, actor=CLERK, draft=draft(("CAP-01", 1), utm_source="baidu", utm_medium="cpc"))
        plain = create_order(session=s, actor=CLERK, draft=draft(("MUG-01", 1)))  # no source: not attributed
        by_hand = create_order(session=s, actor=CLERK, draft=draft(("TEE-01", 1), source="email"))  # 99.00
        for order in (social, ads, plain, by_hand):
            pay(session=s, actor=CLERK, number=order.number, method="cash")
    assert unpaid.number
    db.dispose_all()
    ok(traffic_shop("traffic", "spend", "baidu", "2026-11-19", "120.50"))
    ok(traffic_shop("traffic", "spend", "weibo", "2026-11-18", "30"))

    by_source = report(traffic_shop, "source")
    rows = {r["key"]: r for r in by_source["rows"]}
    # PART_1 and the old log only (13 visits, no V13): social 1 order / 4 visits; ads 1 / 1; email 1 / 1; the rest 0
    assert figures(rows["social"], "orders", "conversion_rate", "revenue") == \
        {"orders": 1, "conversion_rate": "25.00", "revenue": "99.00"}
    assert figures(rows["ads"], "orders", "conversion_rate", "revenue") == \
        {"orders": 1, "conversion_rate": "100.00", "revenue": "71.00"}
    assert figures(rows["email"], "orders", "conversion_rate", "revenue") == \
        {"orders": 1, "conversion_rate": "100.00", "revenue": "99.00"}
    assert figures(rows["direct"], "orders", "conversion_rate", "revenue") == \
        {"orders": 0, "conversion_rate": "0.00", "revenue": "0.00"}
    # 3 orders / 13 visits = 23.08 %
    assert figures(by_source["total"], "orders", "conversion_rate", "revenue") == \
        {"orders": 3, "conversion_rate": "23.08", "revenue": "269.00"}
    assert "orders" not in report(traffic_shop, "day")["rows"][0]

    spend = json.loads(ok(traffic_shop("traffic", "spend", "list", *PERIOD, "--json")).stdout)
    channels = {r["channel"]: figures(r, "spend", "orders", "revenue", "roas") for r in spend["rows"]}
    assert channels == {  # 71.00 / 120.50 = 58.92 %; 99.00 / 30.00 = 330 %
        "baidu": {"spend": "120.50", "orders": 1, "revenue": "71.00", "roas": "58.92"},
        "weibo": {"spend": "30.00", "orders": 1, "revenue": "99.00", "roas": "330.00"},
    }
    assert figures(spend["total"], "spend", "orders", "revenue", "roas") == \
        {"spend": "150.50", "orders": 2, "revenue": "170.00", "roas": "112.96"}  # 170.00 / 150.50
