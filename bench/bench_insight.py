"""The products, customers and stock reports at 1,000,000 orders / 2,500,000 lines (issue 15).

The store is bench_orders' (two years of orders, built on first use) with what these reports read added:
variant costs, categories, two stock locations, 400 variants that never sold, members with birthday,
gender and region, refunds on 1% of the orders, and the stock ledger's sale movements of every line
(cached in bench/.data/insight-1m.db).

Targets (issue 15): best sellers of a month <= 100 ms; any breakdown of a year <= 500 ms.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import time
from datetime import date, timedelta

from bench._data import insert as _insert
from bench._data import stamp as _stamp
from bench._report import DATA, figure, percentile, time_calls

STORE = DATA / "insight-1m.db"
VERSION = "1"  # bump when the builder changes
CATEGORIES = 24
MEMBER_SHARE = 0.4
REFUND_SHARE = 0.01
DEAD_VARIANTS = 400


def _build() -> None:
    from bench import bench_orders

    if not bench_orders.STORE.exists():
        bench_orders._build()
    started = time.perf_counter()
    tmp = STORE.with_suffix(".building")
    shutil.copy(bench_orders.STORE, tmp)
    rnd = random.Random(15)
    con = sqlite3.connect(tmp)
    con.execute("PRAGMA journal_mode = OFF")
    con.execute("PRAGMA synchronous = OFF")
    stamp0 = _stamp(bench_orders.NOW - bench_orders.SPAN)
    _insert(
        con,
        "category",
        {"id": 0, "name": "", "slug": "", "path": "/", "created_at": stamp0, "updated_at": stamp0},
        (
            {"id": n, "name": f"Category {n}", "slug": f"category-{n}", "path": f"/{n}/"}
            for n in range(1, CATEGORIES + 1)
        ),
    )
    con.execute(f"UPDATE product SET category_id = (id % {CATEGORIES}) + 1")
    con.execute("UPDATE variant SET cost_minor = price_minor * 2 / 5")
    first = bench_orders.VARIANTS + 1
    dead = range(first, first + DEAD_VARIANTS)
    _insert(
        con,
        "product",
        {"id": 0, "title": "", "status": "active", "category_id": None, "variant_count": 1},
        ({"id": n, "title": f"Dead product {n}", "category_id": n % CATEGORIES + 1} for n in dead),
    )
    _insert(
        con,
        "variant",
        {"id": 0, "product_id": 0, "sku": "", "price_minor": 0, "cost_minor": 0, "track_stock": 1},
        ({"id": n, "product_id": n, "sku": f"D-{n:05d}", "price_minor": 2000, "cost_minor": 800} for n in dead),
    )
    main = con.execute("SELECT id FROM stock_location WHERE is_default = 1").fetchone()[0]
    con.execute(
        "INSERT INTO stock_location (code, name, is_default, created_at) VALUES ('BACK', 'Back room', 0, ?)", (stamp0,)
    )
    back = con.execute("SELECT id FROM stock_location WHERE code = 'BACK'").fetchone()[0]
    _insert(
        con,
        "stock_movement",
        {"variant_id": 0, "location_id": back, "kind": "receive", "quantity": 50, "actor": "bench", "at": stamp0},
        ({"variant_id": n} for n in dead),
    )
    _insert(
        con,
        "stock_level",
        {"variant_id": 0, "location_id": back, "on_hand": 50, "updated_at": stamp0},
        ({"variant_id": n} for n in dead),
    )
    # the ledger's sales: one movement per shipped line, on the order's day (levels are the builder's 10^6 less them)
    con.execute(
        "INSERT INTO stock_movement (variant_id, location_id, kind, quantity, committed_change, note, actor, source, at,"
        " ref_kind, ref_id) SELECT l.variant_id, ?, 'sale', -l.quantity, 0, '', 'bench', '', o.created_at, 'order',"
        " o.number FROM order_line l JOIN sales_order o ON o.id = l.order_id WHERE l.quantity_shipped > 0",
        (main,),
    )
    con.execute(
        "UPDATE stock_level SET on_hand = on_hand + (SELECT coalesce(sum(quantity), 0) FROM stock_movement m"
        " WHERE m.variant_id = stock_level.variant_id AND m.location_id = stock_level.location_id AND m.kind = 'sale')"
        " WHERE location_id = ?",
        (main,),
    )
    regions = ["上海", "江苏", "浙江", "广东", "北京", "四川", ""]
    members = [n for n in range(1, bench_orders.CUSTOMERS + 1) if rnd.random() < MEMBER_SHARE]
    _insert(
        con,
        "member",
        {
            "customer_id": 0,
            "source": "phone",
            "gender": "",
            "birthday": None,
            "region": "",
            "tier_code": "normal",
            "tier_since": stamp0,
            "joined_at": stamp0,
            "updated_at": stamp0,
        },
        (
            {
                "customer_id": n,
                "gender": rnd.choice(("female", "male", "")),
                "region": rnd.choice(regions),
                "birthday": None
                if rnd.random() < 0.2
                else (date(1950, 1, 1) + timedelta(days=rnd.randrange(0, 365 * 55))).isoformat(),
            }
            for n in members
        ),
    )
    refunded = con.execute(
        "SELECT o.id, o.created_at, l.id, l.quantity, l.net_minor FROM sales_order o JOIN order_line l"
        " ON l.order_id = o.id AND l.position = 1 WHERE o.payment_status = 'paid' AND o.id % ? = 0",
        (round(1 / REFUND_SHARE),),
    ).fetchall()
    refunds, refund_lines = [], []
    for refund_id, (order_id, created, line_id, quantity, net) in enumerate(refunded, start=1):
        at = created[:10] + " 23:00:00.000000"
        refunds.append(
            {"id": refund_id, "order_id": order_id, "batch": refund_id, "method": "card", "amount_minor": net, "at": at}
        )
        refund_lines.append(
            {"order_id": order_id, "batch": refund_id, "line_id": line_id, "quantity": quantity, "amount_minor": net}
        )
    _insert(con, "order_refund", {"id": 0, "order_id": 0, "batch": 0, "method": "card", "amount_minor": 1}, refunds)
    _insert(con, "order_refund_line", {"order_id": 0, "batch": 0, "line_id": 0}, refund_lines)
    con.commit()
    con.execute("ANALYZE")
    con.close()
    tmp.rename(STORE)
    STORE.with_suffix(".version").write_text(VERSION)
    print(
        f"   built the insight store ({len(members):,} members, {len(refunds):,} refunds) in "
        f"{time.perf_counter() - started:.0f} s -> {STORE}"
    )


def run() -> None:
    from bench.bench_orders import NOW
    from shoptui import clock, db
    from shoptui.services import analytics

    marker = STORE.with_suffix(".version")
    if not STORE.exists() or not marker.exists() or marker.read_text() != VERSION:
        STORE.unlink(missing_ok=True)
        _build()
    url = f"sqlite:///{STORE}"
    today = NOW.date()
    month = (today - timedelta(days=29), today)
    year = (today - timedelta(days=364), today)
    with clock.frozen(NOW), db.read_session(url) as s:

        def best() -> object:
            return analytics.products_report(session=s, start=month[0], end=month[1], top=20)

        def products_year() -> object:
            return analytics.products_report(session=s, start=year[0], end=year[1], top=20)

        def slow_year() -> object:
            return analytics.products_report(session=s, start=year[0], end=year[1], top=20, slow=True)

        def customers_year() -> object:
            return analytics.customers_report(session=s, start=year[0], end=year[1])

        def stock_year() -> object:
            return analytics.stock_report(session=s, start=year[0], end=year[1])

        for name, fn, target, repeat in (
            ("best sellers of a month (p50)", best, 100, 7),
            ("products of a year: best sellers + dead stock (p50)", products_year, 500, 3),
            ("products of a year: slow sellers (p50)", slow_year, 500, 3),
            ("customers of a year: profiles, RFM, cohorts (p50)", customers_year, 500, 3),
            ("stock of a year: by location and category (p50)", stock_year, 500, 3),
        ):
            fn()  # warm the page cache
            samples = time_calls(fn, repeat)
            figure(name, percentile(samples, 50), target, note=f"max {max(samples):.0f}")
    db.dispose_all()
