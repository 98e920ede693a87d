"""The demo's story: a year of orders, members, promotions, coupons and returns, and an access log to import.

Registered as ``extra["demo"]`` of the orders module: ``shoptui demo load`` calls :func:`load_demo_history`
in its transaction after the catalogue and the demo stock, and writes :func:`demo_files` (the access log)
where it says. Everything goes through the real services, so every ledger and invariant holds
(``shoptui db check`` passes):

- **members**: 48 members (names, phones, gender, birthday, province), registered with ``add_member``;
- **history**: about 3,500 orders over the 365 days before today, imported with the order import (the
  bulk path of ``shoptui order import``, one file per way of paying): channels (web, marketplace, counter,
  phone, chat), sales regions with provinces and cities (华东 上海, 华南 广东 深圳 ...), members and guests,
  some lines at a manual discount, a few cancelled, the last days still paid, shipped or unpaid. Sales
  grow over the year, weekends are busier, 618 and 双11 stand out. History moves no stock. Web orders
  keep where their customer came from (a source word and UTM tags, the import's ``source``/``utm_*``
  columns) in the access log's mix (:data:`SOURCES`: search, social with Weibo and WeChat, direct,
  referral, email, ads), so ``report traffic --by source`` shows orders, conversion and revenue;
- **the last four weeks, placed live**: two promotions (满200减20 and 15% off tea) and a coupon code
  (WELCOME10) that the one offers assembler applies, orders paid and handed over through the order
  services (stock moves through the ledger; web orders with their source), three returns received and
  refunded, and today's orders
  (some to ship, one unpaid), so no dashboard card is all zero.

It is deterministic: one seeded generator, times counted back from today in the store's zone (the
same day gives the same store). History is written at the times it says: live orders are placed with
the clock set to their moment.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from shoptui import clock
from shoptui.config import Actor
from shoptui.models.catalog import Category, Product, Variant
from shoptui.models.inventory import StockLevel
from shoptui.money import format_money
from shoptui.services import inventory, marketing, members, shop
from shoptui.services.orders import closing, payments, placing, returns
from shoptui.services.orders.drafts import DraftLine, OrderDraft
from shoptui.services.orders.importing import Mapping, import_orders
from shoptui.services.shop import store_values
from shoptui.store.rows import tuples
from shoptui.wording import plural

SEED = 15
"""The one seed: the same day gives the same demo store."""
HISTORY_DAYS = 365
"""Days of imported history before today."""
LIVE_DAYS = 28
"""The last days whose extra orders are placed live through the order services (with offers)."""
MEMBERS = 48
ACCESS_LOG_DAYS = 30
ACCESS_LOG_NAME = "demo-access.log"
SITE_HOST = "shop.example.cn"
"""The demo shop's own host in the access log (set as ``site_url`` when the setting exists)."""

# (sales region, province, city, weight)
PLACES: tuple[tuple[str, str, str, int], ...] = (
    ("华东", "上海", "上海", 18), ("华东", "浙江", "杭州", 14), ("华东", "浙江", "宁波", 5),
    ("华东", "江苏", "南京", 8), ("华东", "江苏", "苏州", 7), ("华北", "北京", "北京", 12),
    ("华北", "天津", "天津", 4), ("华南", "广东", "广州", 9), ("华南", "广东", "深圳", 10),
    ("西南", "四川", "成都", 7), ("西南", "重庆", "重庆", 4), ("华中", "湖北", "武汉", 5),
)
STORE_PLACE = ("华东", "浙江", "杭州")
"""Where the shop's counter is: counter sales are placed here."""
# channel -> (weight, payment method of its history file)
CHANNEL_MIX: dict[str, tuple[int, str]] = {
    "web": (38, "mobile"), "marketplace": (20, "mobile"), "counter": (24, "cash"), "phone": (10, "bank_transfer"),
    "chat": (8, "mobile"),
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗"
GIVEN = ("芳", "伟", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英",
         "华", "平", "婷", "浩", "宇", "欣")
# month-day -> how much busier that day is (618, 双11, 双12, Valentine's, Mid-Autumn week)
FESTIVALS: dict[tuple[int, int], float] = {(6, 18): 3.0, (6, 17): 1.8, (11, 11): 4.5, (11, 10): 2.0, (11, 12): 1.6,
                                           (12, 12): 2.2, (2, 14): 1.8, (9, 15): 1.5, (9, 16): 1.5}


@dataclass(frozen=True)
class DemoHistoryReport:
    """What the demo story added."""

    members: int
    orders_imported: int
    orders_placed: int
    returns: int
    promotions: int
    coupons: int

    @property
    def summary(self) -> str:
        """One sentence for people."""
        return (f"Added the demo's year: {plural(self.members, 'member')}, {plural(self.orders_imported, 'order')} "
                f"of history (imported), {plural(self.orders_placed, 'order')} of the last {LIVE_DAYS} days placed "
                f"with {plural(self.promotions, 'promotion')} and {plural(self.coupons, 'coupon')}, "
                f"{plural(self.returns, 'return')} refunded.")


@dataclass(frozen=True)
class DemoFile:
    """A file the demo offers the user (the CLI writes it and says where): its name and text."""

    name: str
    text: str
    hint: str


@dataclass(frozen=True)
class _Item:
    sku: str
    price: int
    weight: float
    tea: bool


@contextmanager
def _at(moment: datetime) -> Iterator[None]:
    """Let the services write at ``moment`` (a history order is placed, paid and handed over when it says)."""
    with clock.frozen(moment):
        yield


def load_demo_history(*, session: Session, actor: Actor) -> DemoHistoryReport:
    """Add the story (see the module's doc) to a store that has the demo catalogue and stock."""
    items = _items(session)
    if not items:
        return DemoHistoryReport(0, 0, 0, 0, 0, 0)
    values = store_values(session, "timezone", "currency_digits")
    tz = ZoneInfo(str(values["timezone"]))
    digits = int(str(values["currency_digits"]))
    now = clock.now()
    today = now.astimezone(tz).date()
    rng = random.Random(SEED)
    _settings(session, actor)
    people = _members(session, actor, rng, now)
    imported = _history(session, actor, rng, items, people, today, now, tz, digits)
    promotions, coupons = _offers(session, actor, items, today, tz)
    placed, returned = _live(session, actor, rng, items, people, today, now, tz)
    members.recalc_tiers(session=session, actor=actor)
    return DemoHistoryReport(members=len(people), orders_imported=imported, orders_placed=placed, returns=returned,
                             promotions=promotions, coupons=coupons)


def _settings(session: Session, actor: Actor) -> None:
    """Where the reports' settings are installed and still blank: the demo's sales regions (so orders placed with a
    province only are reported under its region) and its web site (so the access log's own pages count as direct)."""
    known = shop.definitions()
    wanted = {"sales_regions": json.dumps({region: sorted({p for r, p, _, _ in PLACES if r == region})
                                           for region in dict.fromkeys(r for r, _, _, _ in PLACES)}, ensure_ascii=False),
              "site_url": f"https://{SITE_HOST}"}
    for key, raw in wanted.items():
        if key in known and not store_values(session, key)[key]:
            shop.set_value(session=session, actor=actor, key=key, raw=raw)


def _items(session: Session) -> list[_Item]:
    """The active variants with a price; popularity falls with a Zipf-like curve over a seeded order."""
    rows = tuples(session.execute(
        sa_select(col(Variant.sku), col(Variant.price_minor), col(Product.title), col(Category.name))
        .join(Product, col(Product.id) == col(Variant.product_id))
        .outerjoin(Category, col(Category.id) == col(Product.category_id))
        .where(col(Product.status) == "active", col(Variant.price_minor) > 0)
        .order_by(col(Variant.sku)))).all()
    ranked = list(rows)
    random.Random(SEED + 1).shuffle(ranked)
    tea_words = ("tea", "茶", "longjing", "puer", "oolong")
    return [_Item(sku, int(price), 1.0 / (rank + 1) ** 0.8,
                  any(w in f"{title} {category or ''}".lower() for w in tea_words))
            for rank, (sku, price, title, category) in enumerate(ranked)]


def _members(session: Session, actor: Actor, rng: random.Random, now: datetime) -> list[tuple[str, str, tuple[str, str, str]]]:
    """Register the members: (E.164 phone, name, place) of each."""
    people: list[tuple[str, str, tuple[str, str, str]]] = []
    weights = [p[3] for p in PLACES]
    for index in range(MEMBERS):
        name = SURNAMES[index % len(SURNAMES)] + GIVEN[(index * 7) % len(GIVEN)]
        phone = f"+86139{10_000_000 + index * 7_919:08d}"
        region, province, city, _ = rng.choices(PLACES, weights)[0]
        birthday = date(1965 + rng.randrange(40), 1 + rng.randrange(12), 1 + rng.randrange(28))
        joined = now - timedelta(days=HISTORY_DAYS + 30 - index * 6, hours=rng.randrange(10))
        with _at(joined):
            members.add_member(session=session, actor=actor, data=members.MemberCreate(
                name=name, phone=phone, gender=rng.choice(("female", "female", "male")), birthday=birthday,
                region=province, email=f"member{index + 1}@example.cn" if index % 3 == 0 else None,
                email_consent=index % 3 == 0, sms_consent=index % 2 == 0))
        people.append((phone, name, (region, province, city)))
    return people


def _orders_on(day: date, offset: int, rng: random.Random) -> int:
    """How many history orders a day has: growing over the year, busier at weekends and on festivals."""
    growth = 0.55 + 0.65 * (HISTORY_DAYS - offset) / HISTORY_DAYS
    weekend = 1.45 if day.weekday() >= 5 else 1.0
    festival = FESTIVALS.get((day.month, day.day), 1.0)
    return max(1, round(rng.gauss(7.5, 1.6) * growth * weekend * festival))


def _history(session: Session, actor: Actor, rng: random.Random, items: list[_Item],
             people: list[tuple[str, str, tuple[str, str, str]]], today: date, now: datetime, tz: ZoneInfo,
             digits: int) -> int:
    """Import a year of orders (one file per way of paying); how many."""
    header = ("order_ref", "ordered_at", "status", "customer_phone", "customer_name", "country", "region",
              "province", "city", "sku", "quantity", "unit_price", "discount_rate", "channel", "source", "utm_source",
              "utm_medium", "utm_campaign")
    sources = random.Random(SEED + 3)  # its own generator: the orders' other draws stay as they were
    source_weights = [source.orders for source in SOURCES]
    files: dict[str, list[str]] = {}
    channels = list(CHANNEL_MIX)
    channel_weights = [CHANNEL_MIX[c][0] for c in channels]
    place_weights = [p[3] for p in PLACES]
    item_weights = [i.weight for i in items]
    number = 0
    for offset in range(HISTORY_DAYS, -1, -1):
        day = today - timedelta(days=offset)
        count = _orders_on(day, offset, rng)
        if offset == 0:  # today: the orders of the morning so far
            count = max(2, count * min(now.astimezone(tz).hour, 20) // 24)
        for _ in range(count):
            number += 1
            at = datetime.combine(day, time(9 + rng.randrange(12), rng.randrange(60)), tzinfo=tz)
            if offset == 0 and at > now:
                at = (now - timedelta(minutes=rng.randrange(5, 240))).astimezone(tz)
                if at.date() != day:
                    at = datetime.combine(day, time(0, 5), tzinfo=tz)
            channel = rng.choices(channels, channel_weights)[0]
            method = CHANNEL_MIX[channel][1]
            if channel == "counter" and rng.random() < 0.55:
                method = "card"
            if channel == "counter":
                region, province, city = STORE_PLACE
            else:
                region, province, city, _ = rng.choices(PLACES, place_weights)[0]
            phone = name = ""
            if rng.random() < 0.45:  # a member's order: their phone, name and (mostly) their place
                regular = min(len(people) - 1, int(rng.paretovariate(1.3)) - 1)  # a few regulars buy often
                phone, name, home = people[regular if rng.random() < 0.5 else rng.randrange(len(people))]
                if channel != "counter":
                    region, province, city = home
            came = sources.choices(SOURCES, source_weights)[0].order_fields() if channel == "web" else {}
            attribution = tuple(came.get(key, "") for key in header[-4:])
            status = _history_status(offset, channel, rng)
            lines = 1 + (rng.random() < 0.35) + (rng.random() < 0.12)
            chosen = {item.sku: item for item in rng.choices(items, item_weights, k=lines)}
            for item in chosen.values():
                quantity = 1 + (rng.random() < 0.2) + (rng.random() < 0.05)
                discount = "10%" if rng.random() < 0.12 else ""
                row = (f"DEMO-{number:06d}", at.strftime("%Y-%m-%dT%H:%M"), status, phone, name, "CN", region,
                       province, city, item.sku, str(quantity), format_money(item.price, digits), discount, channel,
                       *attribution)
                files.setdefault(method, []).append(",".join(row))
    mapping = Mapping(columns={field: field for field in header}, timezone=tz.key)
    imported = 0
    for method in sorted(files):
        content = "\n".join((",".join(header), *files[method])).encode()
        report = import_orders(session=session, actor=actor, content=content,
                               mapping=mapping.model_copy(update={"payment_method": method}),
                               source=f"demo history ({method})")
        imported += report.orders_created
    return imported


def _history_status(offset: int, channel: str, rng: random.Random) -> str:
    """What became of a history order: done long ago, still on its way lately, a few cancelled."""
    if rng.random() < 0.03:
        return "cancelled"
    if channel == "counter" or offset > 6:
        return "completed"
    if offset > 2:
        return rng.choice(("completed", "delivered", "shipped"))
    return rng.choice(("paid", "paid", "shipped", "unpaid")) if offset else rng.choice(("paid", "paid", "unpaid"))


def _offers(session: Session, actor: Actor, items: list[_Item], today: date, tz: ZoneInfo) -> tuple[int, int]:
    """Two promotions and a coupon code, running since the live weeks began."""
    start = datetime.combine(today - timedelta(days=LIVE_DAYS + 2), time(0), tzinfo=tz)
    end = datetime.combine(today + timedelta(days=60), time(0), tzinfo=tz)
    marketing.add_promotion(session=session, actor=actor, data=marketing.PromotionInput(
        name="满200减20", kind="spend_save", starts_at=start, ends_at=end, steps=[(20_000, 2_000), (50_000, 6_000)],
        description="20 off every order of 200 or more, 60 off from 500."))
    tea = [item.sku for item in items if item.tea][:12]
    count = 1
    if tea:
        marketing.add_promotion(session=session, actor=actor, data=marketing.PromotionInput(
            name="Tea season 15% off", kind="discount", starts_at=start, ends_at=end, percent_bp=1500, products=tea,
            priority=5))
        count = 2
    marketing.add_coupon(session=session, actor=actor, data=marketing.CouponInput(
        name="Welcome 10 off", kind="amount", amount_minor=1_000, min_spend_minor=10_000, code="WELCOME10",
        valid_from=start, valid_until=end, share_text="10 off your first order of 100 or more: WELCOME10"))
    return count, 1


def _live(session: Session, actor: Actor, rng: random.Random, items: list[_Item],
          people: list[tuple[str, str, tuple[str, str, str]]], today: date, now: datetime, tz: ZoneInfo) -> tuple[int, int]:
    """Orders of the last weeks placed through the order services (offers, payment, hand-over, returns)."""
    stocked = _stocked(session, {item.sku for item in items})
    pool = [item for item in items if stocked.get(item.sku, 0) >= 12]
    if not pool:
        return 0, 0
    left = {item.sku: stocked[item.sku] - 6 for item in pool}
    sources = random.Random(SEED + 4)  # the web orders' sources (the other draws stay as they were)
    placed = returned = 0
    delivered: list[tuple[str, str, datetime]] = []
    plan: list[tuple[int, int]] = [(offset, slot) for offset in range(LIVE_DAYS, 0, -1) for slot in range(2)]
    plan += [(0, slot) for slot in range(4)]
    for offset, slot in plan:
        day = today - timedelta(days=offset)
        at = datetime.combine(day, time(10 + slot * 3 + rng.randrange(3), rng.randrange(60)), tzinfo=tz)
        if offset == 0:
            at = min(at, (now - timedelta(minutes=30 * (4 - slot))).astimezone(tz))
            if at.date() != day:
                at = datetime.combine(day, time(0, 10 + slot), tzinfo=tz)
        phone, name, (region, province, city) = people[rng.randrange(len(people))]
        chosen: list[tuple[str, int]] = []
        for item in rng.sample(pool, k=1 + (rng.random() < 0.5)):
            quantity = 2 if item.price < 10_000 and rng.random() < 0.5 else 1
            if left[item.sku] >= quantity:
                left[item.sku] -= quantity
                chosen.append((item.sku, quantity))
        if not chosen:
            continue
        prices = {item.sku: item.price for item in pool}
        spend = sum(prices[sku] * quantity for sku, quantity in chosen)
        coupon = ["WELCOME10"] if (offset + slot) % 3 == 0 and spend >= 15_000 else []  # it needs 100 spent
        lines = [DraftLine(sku=sku, quantity=quantity) for sku, quantity in chosen]
        channel = ("web", "chat", "phone")[(offset + slot) % 3]
        came = sources.choices(SOURCES, [source.orders for source in SOURCES])[0].order_fields() if channel == "web" else {}
        with _at(at):
            order = placing.create_order(session=session, actor=actor, draft=OrderDraft(
                channel=channel, customer=phone, lines=lines, apply_offers=True, coupon_codes=coupon,
                ship_to=members.AddressInput(recipient=name, phone=phone, country="CN", region=province, city=city),
                external_ref=f"DEMO-LIVE-{offset:02d}-{slot}", **came))
            placed += 1
            if offset == 0 and slot == 3:
                continue  # today's last order waits for its payment
            payments.pay(session=session, actor=actor, number=order.number, method="mobile")
        if offset >= 2:
            with _at(at + timedelta(days=1, hours=2)):
                closing.fulfil_all(session=session, actor=actor, number=order.number)
            delivered.append((order.number, chosen[0][0], at))
    for number, sku, at in delivered[3::11][:3]:  # three customers send something back
        with _at(at + timedelta(days=3)):
            asked = returns.request_return(session=session, actor=actor, number=number, items=[(sku, 1)],
                                           reason="Did not suit; sent back within 7 days.")
            returns.decide_return(session=session, actor=actor, return_id=asked.id, approve=True)
        with _at(at + timedelta(days=5)):
            returns.receive_return(session=session, actor=actor, return_id=asked.id)
            returns.refund_return(session=session, actor=actor, return_id=asked.id, reason="returned goods")
        returned += 1
    return placed, returned


def _stocked(session: Session, skus: set[str]) -> dict[str, int]:
    """Units available (on hand less committed) of each SKU at the default location, where orders reserve."""
    location = inventory.default_location(session)
    out: dict[str, int] = {}
    for sku, available in tuples(session.execute(
            sa_select(col(Variant.sku), col(StockLevel.on_hand) - col(StockLevel.committed))
            .join(StockLevel, col(StockLevel.variant_id) == col(Variant.id))
            .where(col(StockLevel.location_id) == location.id))):
        if sku in skus:
            out[sku] = int(available)
    return out


# ---------------------------------------------------------------- the access log


@dataclass(frozen=True)
class Source:
    """Where the demo website's visitors come from, and the web orders they place.

    ``visits`` weighs the access log's visits, ``orders`` the web orders (ads and email convert better than
    a search, a blog's readers worse); ``word`` is the traffic report's source of such a visit (its rules:
    UTM tags first, else the referrer's host) and the order keeps it with the landing page's UTM tags."""

    referrer: str  # "" for none
    query: str  # the landing page's query ("?utm_source=..."), "" for none
    visits: int
    orders: int
    word: str  # search, social, direct, referral, email or ads

    def order_fields(self) -> dict[str, str]:
        """The attribution a web order from this source keeps: its source word and UTM tags."""
        tags = dict(parse_qsl(self.query.lstrip("?")))
        return {"source": self.word, "utm_source": tags.get("utm_source", ""),
                "utm_medium": tags.get("utm_medium", ""), "utm_campaign": tags.get("utm_campaign", "")}


SOURCES: tuple[Source, ...] = (
    Source("", "", 30, 34, "direct"),
    Source("https://www.baidu.com/s?wd=%E9%BE%99%E4%BA%95%E8%8C%B6", "", 16, 14, "search"),
    Source("https://www.google.com/", "", 9, 6, "search"),
    Source("https://cn.bing.com/search?q=gaiwan", "", 4, 3, "search"),
    Source("https://weibo.com/", "?utm_source=weibo&utm_medium=social&utm_campaign=spring", 10, 8, "social"),
    Source("", "?utm_source=wechat&utm_medium=social&utm_campaign=spring", 8, 9, "social"),  # WeChat sends no referrer
    Source("https://www.xiaohongshu.com/", "", 7, 5, "social"),
    Source("", "?utm_source=newsletter&utm_medium=email&utm_campaign=december", 6, 9, "email"),
    Source("https://www.baidu.com/", "?utm_source=baidu&utm_medium=cpc&utm_campaign=tea", 8, 11, "ads"),
    Source("https://blog.teafriends.example/best-teapots", "", 5, 3, "referral"),
    Source(f"https://{SITE_HOST}/", "", 5, 2, "direct"),  # the shop's own pages: direct
)
"""The demo's traffic mix (visits and web orders), one table for the access log and the orders."""
PAGES = ("/", "/products", "/products/longjing-tea", "/products/gaiwan-set", "/products/enamel-mug",
         "/category/tea", "/category/teaware", "/cart", "/checkout", "/about")
AGENTS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 "
    "Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile "
    "Safari/537.36 MicroMessenger/8.0.50",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
)
BOTS = (
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
)
ASSETS = ("/static/app.css", "/static/app.js", "/static/logo.svg", "/favicon.ico")


def demo_access_log(*, now: datetime, tz: ZoneInfo, days: int = ACCESS_LOG_DAYS) -> str:
    """An nginx ``combined`` access log of the demo shop's website over the last ``days`` days up to ``now``
    (seeded): visits from search, social, email, ads, referral and direct, with assets and bot hits."""
    rng = random.Random(SEED + 2)
    today = now.astimezone(tz).date()
    lines: list[str] = []
    weights = [s.visits for s in SOURCES]
    for offset in range(days - 1, -1, -1):
        day = today - timedelta(days=offset)
        visits = round((140 + 3 * (days - offset)) * (1.3 if day.weekday() >= 5 else 1.0) * rng.uniform(0.85, 1.15))
        hits: list[tuple[datetime, str]] = []
        for _ in range(visits):
            at = datetime.combine(day, time(rng.randrange(24), rng.randrange(60), rng.randrange(60)), tzinfo=tz)
            if at > now:
                continue
            ip = f"{rng.choice((36, 58, 101, 113, 117, 180, 223))}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            agent = rng.choice(AGENTS)
            chosen = rng.choices(SOURCES, weights)[0]
            referrer, query = chosen.referrer, chosen.query
            path = rng.choice(PAGES[:6])
            pages = 1 + int(rng.expovariate(0.7))
            for page in range(min(pages, 6)):
                when = at + timedelta(seconds=page * rng.randrange(20, 300))
                target = path + query if page == 0 else rng.choice(PAGES)
                ref = referrer if page == 0 else f"https://{SITE_HOST}{path}"
                hits.append((when, _line(ip, when, target, 200, rng.randrange(4_000, 40_000), ref, agent)))
                if page == 0:
                    for asset in ASSETS[:2 + rng.randrange(2)]:
                        hits.append((when, _line(ip, when, asset, 200 if rng.random() < 0.8 else 304,
                                                 rng.randrange(1_000, 90_000), f"https://{SITE_HOST}{path}", agent)))
        for _ in range(rng.randrange(40, 90)):  # crawlers
            at = datetime.combine(day, time(rng.randrange(24), rng.randrange(60), rng.randrange(60)), tzinfo=tz)
            if at <= now:
                hits.append((at, _line(f"66.249.{rng.randrange(64, 80)}.{rng.randrange(1, 255)}", at, rng.choice(PAGES),
                                       200, rng.randrange(4_000, 40_000), "", rng.choice(BOTS))))
        for _ in range(rng.randrange(3, 9)):  # pages that are gone
            at = datetime.combine(day, time(rng.randrange(24), rng.randrange(60)), tzinfo=tz)
            if at <= now:
                hits.append((at, _line(f"123.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}", at,
                                       "/products/old-item", 404, 153, "", rng.choice(AGENTS))))
        lines.extend(line for _, line in sorted(hits, key=lambda hit: hit[0]))
    return "\n".join(lines) + "\n"


def _line(ip: str, at: datetime, path: str, status: int, size: int, referrer: str, agent: str) -> str:
    stamp = at.strftime("%d/%b/%Y:%H:%M:%S %z")
    return f'{ip} - - [{stamp}] "GET {path} HTTP/1.1" {status} {size} "{referrer or "-"}" "{agent}"'


def demo_files(*, session: Session) -> list[DemoFile]:
    """The files ``demo load`` writes for the user: the website's access log of the last 30 days."""
    tz = ZoneInfo(str(store_values(session, "timezone")["timezone"]))
    return [DemoFile(ACCESS_LOG_NAME, demo_access_log(now=clock.now(), tz=tz),
                     "the demo website's access log; import it with: shoptui traffic import {path}")]
