"""Web-server access logs (the combined format of nginx and Apache): the rules that turn lines into
page views, bot hits and visits, and a visit's source. Pure: no store, no settings.

The rules (``shoptui traffic import --help`` states them):

- a hit whose user agent matches a ``crawler-user-agents`` pattern is a **bot hit**, counted apart;
- a **page view** is a non-bot GET with status below 400 whose path is not a static asset
  (:data:`STATIC_EXTENSIONS`);
- a **visit** is the page views of one client (IP address and user agent) with no gap above 30 minutes;
- a visit's **source** comes from the UTM tags of its first page view, else from its referrer's host
  (:func:`classify`): search, social, email, ads, referral or direct.

The hot loop lives in ``traffic.py``; this module gives it one precompiled regex for a line
(:data:`LINE`), the bot test (:func:`bot_test`, one regex of every pattern, remembered per user agent)
and the time parser (:class:`LogClock`, remembered per minute).
"""

from __future__ import annotations

import re
from calendar import timegm
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

VISIT_GAP_SECONDS = 30 * 60
SOURCES = ("search", "social", "email", "ads", "referral", "direct")
STATIC_EXTENSIONS = (".css", ".js", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".ico", ".woff", ".woff2", ".ttf", ".map")
_STATIC = tuple(ext.encode() for ext in STATIC_EXTENSIONS)
TRAFFIC_BREAKDOWNS = ("day", "source", "host", "campaign", "landing-page")

IMPORT_RULES = f"""\
How lines are read (nginx and Apache "combined" format, plain or .gz):

- A hit whose user agent matches a crawler-user-agents pattern is a bot hit, counted apart.

- A page view is a non-bot GET with status below 400 whose path is not a static asset
  ({" ".join(STATIC_EXTENSIONS)}).

- A visit is the page views of one client (IP address and user agent) with no gap above
  {VISIT_GAP_SECONDS // 60} minutes; it counts on the day it starts, in the store's time zone.

- A visit's source comes from the UTM tags of its first page view (utm_medium email: email; cpc,
  ppc, paid: ads; social; else by utm_source), else from its referrer's host: search (Google, Bing,
  Baidu, Sogou, 360, Yahoo, DuckDuckGo, Yandex, ...), social (Weibo, WeChat, Douyin, Xiaohongshu,
  Facebook, X/Twitter, Reddit, ...), email (webmail), referral (any other host), direct (none, or
  the shop's own host: the site_url setting, its subdomains included, www. ignored).

- Visitors are distinct clients per day (a client is kept only as a hash of IP and user agent).

- Each file is read from where the last import stopped: importing a grown file again reads only
  the new part, the same file twice adds nothing, and a rotated file (renamed or compressed) is
  known by its first kilobyte. Give rotated files oldest first. Lines that are not in the combined
  format are counted and reported, never fatal; a file with no readable line at all is refused.
"""

# ip - user [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.1" 200 2326 "referrer" "user agent" (more fields allowed)
# quoted fields take backslash escapes (Apache writes \" inside them; nginx writes \x22)
_QUOTED = rb'"([^"\\]*(?:\\.[^"\\]*)*)"'
LINE = re.compile(
    rb'(\S+) \S+ \S+ \[(\d\d/[A-Za-z]{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})\] '
    + _QUOTED + rb' (\d{3}) (?:\d+|-) ' + _QUOTED + b' ' + _QUOTED
)
"""One line: groups 1 ip, 2 time, 3 request, 4 status, 5 referrer, 6 user agent."""

_MONTHS = {name.encode(): number for number, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}


def is_static(path: bytes) -> bool:
    """True for a static asset's path (query and fragment ignored, any letter case)."""
    return path.partition(b"?")[0].partition(b"#")[0].lower().endswith(_STATIC)


def bot_test() -> Callable[[bytes], bool]:
    """A test ``user agent bytes -> is a bot``: every ``crawler-user-agents`` pattern in one regex,
    compiled once, and each user agent's answer remembered (a log has few distinct agents)."""
    from crawleruseragents import CRAWLER_PATTERNS  # type: ignore[import-untyped]  # the package ships no types

    search = CRAWLER_PATTERNS.case_sensitive.search
    known: dict[bytes, bool] = {}

    def is_bot(agent: bytes) -> bool:
        answer = known.get(agent)
        if answer is None:
            answer = known[agent] = search(agent.decode("utf-8", "replace")) is not None
        return answer

    return is_bot


class LogClock:
    """Log times (``10/Oct/2000:13:55:36 -0700``) as UTC epoch seconds, each minute parsed once."""

    __slots__ = ("_minutes",)

    def __init__(self) -> None:
        self._minutes: dict[bytes, int] = {}

    def seconds(self, stamp: bytes) -> int:
        """UTC epoch seconds of a log time; ValueError for an impossible date (31 Feb, month Foo)."""
        key = stamp[:17] + stamp[20:]
        base = self._minutes.get(key)
        if base is None:
            base = self._minutes[key] = self._minute(stamp)
        return base + int(stamp[18:20])

    @staticmethod
    def _minute(stamp: bytes) -> int:
        month = _MONTHS.get(stamp[3:6])
        if month is None:
            raise ValueError(f"no month {stamp[3:6]!r}")
        day, year, hour, minute = int(stamp[0:2]), int(stamp[7:11]), int(stamp[12:14]), int(stamp[15:17])
        if not (1 <= day <= 31 and hour < 24 and minute < 60):
            raise ValueError("time out of range")
        from datetime import date

        date(year, month, day)  # raises for 31 Feb
        sign = -1 if stamp[21:22] == b"-" else 1
        offset = sign * (int(stamp[22:24]) * 3600 + int(stamp[24:26]) * 60)
        return timegm((year, month, day, hour, minute, 0)) - offset


def request_path(request: bytes) -> bytes | None:
    """The path of a GET request line (``GET /a?b HTTP/1.1``), or None for any other method."""
    if not request.startswith(b"GET "):
        return None
    return request[4:].split(b" ", 1)[0]


def text_of(raw: bytes, limit: int) -> str:
    """A log field as text: UTF-8 (else replaced), escapes such as ``\\x22`` left as written, cut to ``limit``."""
    return raw.decode("utf-8", "replace")[:limit]


# ---------------------------------------------------------------- sources

_SEARCH_BRANDS = frozenset({"google", "bing", "yahoo", "yandex", "baidu", "sogou", "duckduckgo", "ecosia", "naver",
                            "seznam", "qwant", "startpage", "ask", "aol", "brave"})
_SEARCH_DOMAINS = frozenset({"so.com", "360.cn", "haosou.com", "sm.cn", "m.sm.cn", "shenma.com", "toutiao.com",
                             "search.brave.com", "yandex.ru", "ya.ru", "msn.com", "daum.net", "petalsearch.com"})
_SOCIAL_DOMAINS = frozenset({
    "weibo.com", "weibo.cn", "t.cn", "wechat.com", "weixin.qq.com", "wx.qq.com", "douyin.com", "iesdouyin.com",
    "xiaohongshu.com", "xhslink.com", "facebook.com", "fb.com", "fb.me", "messenger.com", "x.com", "twitter.com",
    "t.co", "reddit.com", "redd.it", "instagram.com", "linkedin.com", "lnkd.in", "pinterest.com", "pin.it",
    "tiktok.com", "youtube.com", "youtu.be", "zhihu.com", "bilibili.com", "b23.tv", "douban.com", "kuaishou.com",
    "qzone.qq.com", "tieba.baidu.com", "vk.com", "threads.net", "telegram.org", "t.me", "whatsapp.com",
    "line.me", "snapchat.com", "tumblr.com", "mastodon.social", "bsky.app", "quora.com", "discord.com",
})
_EMAIL_DOMAINS = frozenset({"mail.google.com", "mail.qq.com", "exmail.qq.com", "mail.163.com", "mail.126.com",
                            "outlook.live.com", "outlook.office.com", "outlook.office365.com", "mail.yahoo.com",
                            "mail.aliyun.com", "mail.sina.com.cn", "mail.yandex.ru", "mail.proton.me",
                            "com.google.android.gm"})  # the Gmail app
# utm_source names that say the kind without a medium (``--source weibo``)
_SEARCH_NAMES = _SEARCH_BRANDS | {"360", "so", "shenma", "sm", "toutiao"}
_SOCIAL_NAMES = frozenset({"weibo", "wechat", "weixin", "douyin", "xiaohongshu", "xhs", "redbook", "facebook", "fb",
                           "x", "twitter", "reddit", "instagram", "linkedin", "pinterest", "tiktok", "youtube",
                           "zhihu", "bilibili", "douban", "kuaishou", "qzone", "vk", "threads", "telegram",
                           "whatsapp", "line", "snapchat", "tumblr", "mastodon", "bluesky", "quora", "discord",
                           "微博", "微信", "抖音", "小红书", "知乎", "快手", "哔哩哔哩", "豆瓣"})
_EMAIL_NAMES = frozenset({"email", "e-mail", "mail", "newsletter", "edm", "邮件"})
_ADS_MEDIUMS = frozenset({"cpc", "ppc", "paid", "cpm", "cpv", "cpa", "display", "banner", "paidsearch",
                          "paid_search", "paid-search", "paidsocial", "paid_social", "paid-social", "ads", "ad"})
_EMAIL_MEDIUMS = frozenset({"email", "e-mail", "mail", "newsletter", "edm"})
_SOCIAL_MEDIUMS = frozenset({"social", "social-network", "social_network", "social-media", "social_media", "sm"})
_SEARCH_MEDIUMS = frozenset({"organic", "search", "seo"})


def host_of(url: str) -> str:
    """The host of a URL (lower case, port and ``www.`` dropped); "" when there is none."""
    if not url or url == "-":
        return ""
    try:
        host = urlsplit(url if "//" in url else f"//{url}").hostname or ""
    except ValueError:
        return ""
    host = host.rstrip(".")
    return host[4:] if host.startswith("www.") else host


def own_host(site_url: str) -> str:
    """The shop's own host from the ``site_url`` setting ("" when unset)."""
    return host_of(site_url.strip())


def _within(host: str, domains: frozenset[str]) -> bool:
    """``host`` is one of ``domains`` or a subdomain of one."""
    if host in domains:
        return True
    dot = host.find(".")
    while dot != -1:
        if host[dot + 1:] in domains:
            return True
        dot = host.find(".", dot + 1)
    return False


def _search_brand(host: str) -> bool:
    """google.com, google.co.uk, www.google.com.hk, bing.com, yandex.ru ... (a brand under any country's domain)."""
    labels = host.split(".")
    if len(labels) >= 2 and labels[-2] in _SEARCH_BRANDS:
        return True
    return len(labels) >= 3 and labels[-3] in _SEARCH_BRANDS and labels[-2] in {"co", "com", "net", "org"}


def host_kind(host: str, own: str) -> str:
    """The source a referrer host gives (no UTM tags): search, social, email, referral or direct."""
    if not host or (own and (host == own or host.endswith("." + own))):
        return "direct"
    if _within(host, _EMAIL_DOMAINS):
        return "email"
    if _within(host, _SOCIAL_DOMAINS):
        return "social"
    if _search_brand(host) or _within(host, _SEARCH_DOMAINS):
        return "search"
    return "referral"


def utm_kind(utm_source: str, utm_medium: str) -> str | None:
    """The source UTM tags give (medium first, then the source's name), or None without tags."""
    medium, name = utm_medium.strip().lower(), utm_source.strip().lower()
    if not medium and not name:
        return None
    if medium in _EMAIL_MEDIUMS:
        return "email"
    if medium in _ADS_MEDIUMS or medium.startswith("paid"):
        return "ads"
    if medium in _SOCIAL_MEDIUMS:
        return "social"
    if medium in _SEARCH_MEDIUMS:
        return "search"
    if name in _EMAIL_NAMES:
        return "email"
    if name in _SOCIAL_NAMES or _within(host_of(name), _SOCIAL_DOMAINS):
        return "social"
    if name in _SEARCH_NAMES or _search_brand(host_of(name)):
        return "search"
    return "referral"


@dataclass(frozen=True)
class Landing:
    """What a visit's first page view says about where it came from."""

    source: str  # one of SOURCES
    host: str  # the referrer's host ("" for none)
    utm_source: str
    utm_medium: str
    campaign: str
    page: str  # the path, without its query


def landing(path: bytes, referrer: bytes, own: str) -> Landing:
    """The source of a visit from its first page view's path (UTM tags) and referrer."""
    raw_page, _, query = text_of(path, 4000).partition("?")
    page = unquote(raw_page.partition("#")[0], errors="replace")
    tags: dict[str, str] = {}
    if "utm_" in query:
        for key, value in parse_qsl(query.partition("#")[0], keep_blank_values=False, errors="replace"):
            if key.startswith("utm_") and key not in tags:
                tags[key] = value.strip()[:100]
    host = host_of(text_of(referrer, 2000))[:200]
    utm_source, utm_medium = tags.get("utm_source", ""), tags.get("utm_medium", "")
    kind = utm_kind(utm_source, utm_medium)
    if kind is None:
        kind = host_kind(host, own)
    return Landing(source=kind, host=host, utm_source=utm_source.lower(), utm_medium=utm_medium.lower(),
                   campaign=tags.get("utm_campaign", ""), page=page[:500] or "/")
