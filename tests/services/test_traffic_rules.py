"""The rules that read an access log (services/analytics/logparse.py): the line, bots, assets, times, sources."""

from __future__ import annotations

from calendar import timegm

import pytest

from shoptui.services.analytics import logparse
from shoptui.services.analytics.traffic import order_source

LINE = (b'203.0.113.9 - frank [10/Oct/2000:13:55:36 -0700] "GET /a%20b?x=1 HTTP/1.1" 200 2326 '
        b'"https://www.example.com/start" "Mozilla/4.08 [en] (Win98; I ;Nav)"')


def test_a_combined_line_is_read() -> None:
    match = logparse.LINE.match(LINE)
    assert match is not None
    assert match.groups() == (b"203.0.113.9", b"10/Oct/2000:13:55:36 -0700", b"GET /a%20b?x=1 HTTP/1.1", b"200",
                              b"https://www.example.com/start", b"Mozilla/4.08 [en] (Win98; I ;Nav)")


def test_escaped_quotes_extra_fields_and_odd_requests() -> None:
    apache = LINE.replace(b'"Mozilla/4.08 [en] (Win98; I ;Nav)"', rb'"Mozilla \"quoted\" agent"')
    assert logparse.LINE.match(apache).group(6) == rb'Mozilla \"quoted\" agent'  # type: ignore[union-attr]
    nginx_extra = LINE + b' "-" rt=0.003'  # a custom format with fields after the agent
    assert logparse.LINE.match(nginx_extra) is not None
    tls_probe = b'1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "\\x16\\x03\\x01" 400 157 "-" "-"'
    match = logparse.LINE.match(tls_probe)
    assert match is not None and logparse.request_path(match.group(3)) is None
    for bad in (b"", b"garbage", b'1.2.3.4 - - [10/Oct/2000] "GET / HTTP/1.1" 200 1 "-" "-"', LINE[:60]):
        assert logparse.LINE.match(bad) is None


def test_log_times_become_utc_seconds() -> None:
    clock = logparse.LogClock()
    assert clock.seconds(b"10/Oct/2000:13:55:36 -0700") == timegm((2000, 10, 10, 20, 55, 36))
    assert clock.seconds(b"10/Oct/2000:13:55:59 -0700") == timegm((2000, 10, 10, 20, 55, 59))  # same minute
    assert clock.seconds(b"01/Jan/2027:00:00:00 +0800") == timegm((2026, 12, 31, 16, 0, 0))
    assert clock.seconds(b"01/Jan/2027:00:00:00 +0530") == timegm((2026, 12, 31, 18, 30, 0))
    for bad in (b"31/Nov/2026:10:00:00 +0800", b"10/Foo/2000:13:55:36 -0700", b"10/Oct/2000:25:00:00 +0000"):
        with pytest.raises(ValueError):
            clock.seconds(bad)


@pytest.mark.parametrize(("path", "static"), [
    (b"/static/app.css", True), (b"/app.js?v=3", True), (b"/IMG/Logo.PNG", True), (b"/f.woff2", True),
    (b"/app.js.map", True), (b"/favicon.ico#x", True), (b"/products/tee", False), (b"/css-guide", False),
    (b"/", False), (b"/page?file=a.css", False), (b"/a.json", False),
])
def test_static_assets(path: bytes, static: bool) -> None:
    assert logparse.is_static(path) is static


def test_bots_by_the_crawler_patterns() -> None:
    is_bot = logparse.bot_test()
    assert is_bot(b"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")
    assert is_bot(b"Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)")
    assert is_bot(b"curl/8.4.0")
    assert not is_bot(b"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148")
    assert not is_bot("Mozilla/5.0 微信 \xff".encode("utf-8", "replace"))


@pytest.mark.parametrize(("referrer", "own", "source"), [
    ("", "myshop.cn", "direct"), ("-", "", "direct"),
    ("https://www.myshop.cn/cart", "myshop.cn", "direct"), ("https://m.myshop.cn/", "myshop.cn", "direct"),
    ("https://myshop.cn:8443/", "myshop.cn", "direct"), ("https://notmyshop.cn/", "myshop.cn", "referral"),
    ("https://www.google.com/", "", "search"), ("https://www.google.co.jp/", "", "search"),
    ("https://www.google.com.hk/search?q=x", "", "search"), ("https://cn.bing.com/", "", "search"),
    ("https://www.baidu.com/s?wd=x", "", "search"), ("https://m.sogou.com/", "", "search"),
    ("https://www.so.com/s?q=x", "", "search"), ("https://search.yahoo.co.jp/", "", "search"),
    ("https://duckduckgo.com/", "", "search"), ("https://yandex.ru/search", "", "search"),
    ("https://weibo.com/u/1", "", "social"), ("https://mp.weixin.qq.com/s/x", "", "social"),
    ("https://www.douyin.com/video/1", "", "social"), ("https://www.xiaohongshu.com/explore", "", "social"),
    ("https://l.facebook.com/", "", "social"), ("https://t.co/abc", "", "social"), ("https://x.com/a", "", "social"),
    ("https://old.reddit.com/r/x", "", "social"), ("https://mail.google.com/mail/u/0", "", "email"),
    ("https://mail.qq.com/", "", "email"), ("https://blog.example.org/", "", "referral"),
    ("android-app://com.google.android.gm/", "", "email"), ("https://[::1", "", "direct"),
])
def test_source_from_the_referrer(referrer: str, own: str, source: str) -> None:
    assert logparse.landing(b"/", referrer.encode(), own).source == source


@pytest.mark.parametrize(("query", "source"), [
    ("utm_source=newsletter&utm_medium=email", "email"), ("utm_source=baidu&utm_medium=cpc", "ads"),
    ("utm_source=google&utm_medium=ppc", "ads"), ("utm_source=weibo&utm_medium=paid_social", "ads"),
    ("utm_source=x&utm_medium=paid", "ads"), ("utm_source=weibo&utm_medium=social", "social"),
    ("utm_source=weibo", "social"), ("utm_source=%E5%BE%AE%E5%8D%9A", "social"), ("utm_source=bing", "search"),
    ("utm_source=partner-blog&utm_medium=referral", "referral"), ("UTM_SOURCE=x", "referral"),
])
def test_utm_tags_of_the_first_page_win(query: str, source: str) -> None:
    # the referrer says search; the tags say otherwise (except the upper-case key, which is no UTM tag)
    found = logparse.landing(f"/p?{query}".encode(), b"https://www.google.com/", "")
    assert found.source == (source if not query.startswith("UTM") else "search")
    assert found.page == "/p"


def test_landing_keeps_unicode_paths_and_campaigns() -> None:
    found = logparse.landing(b"/%E5%95%86%E5%93%81?utm_source=wechat&utm_campaign=%E6%98%A5%E5%AD%A3%26%E5%A4%8F",
                             b"-", "")
    assert (found.page, found.campaign, found.source, found.utm_source) == ("/商品", "春季&夏", "social", "wechat")


def test_order_source_uses_the_same_rules() -> None:
    assert order_source("social", "", "") == "social"
    assert order_source("", "newsletter", "email") == "email"
    assert order_source("weibo", "", "") == "social"
    assert order_source("", "baidu", "cpc") == "ads"
    assert order_source("", "", "") is None
