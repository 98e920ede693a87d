"""Sales reports at size: 1,000,000 orders / 2,500,000 lines over two years, and a stock ledger of 3,000,000
movements at two locations (cached in bench/.data).

The store is generated row by row (no order service) with what the reports read: channels, provinces,
cities, sales regions, sources, staff, promotions and coupons on some orders, two payments on some,
refunds on 1%, costs when sold, placed days, and the rollups built from the orders (orders.rebuild_rollups,
as an import does); every variant tracks stock, with receipts, sales and corrections booked over the two years
and the ledger's rollup built from them (inventory.rebuild_move_rollups). Figures (issue 15): monthly sales over two years <= 200 ms; best sellers of a month
<= 100 ms; every breakdown of a year <= 500 ms; ``report customers|products|stock`` of a year <= 500 ms (each
printed, with its CPU time).
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bench._data import insert as _insert
from bench._data import stamp as _stamp
from bench._report import DATA, figure, time_calls

ORDERS = 1_000_000
LINES = 2_500_000
VARIANTS = 2_000
CATEGORIES = 20
CUSTOMERS = 100_000
MOVEMENTS = 3_000_000
VERSION = 2  # bump when the builder changes what the store holds (2: the stock ledger)
STORE = DATA / f"analytics-1m-v{VERSION}.db"
NOW = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)  # 10:30 in Asia/Shanghai
SPAN = timedelta(days=730)
ZONE = ZoneInfo("Asia/Shanghai")
PROVINCES = [
    "上海",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "广东",
    "广西",
    "海南",
    "北京",
    "天津",
    "河北",
    "山西",
    "内蒙古",
    "辽宁",
    "吉林",
    "黑龙江",
    "河南",
    "湖北",
    "湖南",
    "重庆",
    "四川",
    "贵州",
    "云南",
    "西藏",
    "陕西",
    "甘肃",
    "青海",
    "宁夏",
    "新疆",
]
CHANNELS = ["web", "counter", "phone", "chat", "marketplace"]
SOURCES = ["", "", "weibo", "search", "direct", "wechat", "douyin"]
STAFF = ["ann", "bo", "chen", "dai", "eve"]


def _build() -> None:
    from shoptui import db
    from shoptui.services import inventory as inventory_api
    from shoptui.services import orders as orders_api

    DATA.mkdir(exist_ok=True)
    tmp = STORE.with_suffix(".building")
    for path in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
        path.unlink(missing_ok=True)
    db.upgrade(str(tmp), backup=False)
    db.dispose_all()
    started = time.perf_counter()
    rnd = random.Random(15)
    con = sqlite3.connect(tmp)
    con.execute("PRAGMA journal_mode = OFF")
    con.execute("PRAGMA synchronous = OFF")
    stamp0 = _stamp(NOW - SPAN)
    _insert(
        con,
        "category",
        {"id": 0, "name": "", "slug": "", "path": "/", "created_at": stamp0, "updated_at": stamp0},
        (
            {"id": n, "name": f"Category {n}", "slug": f"category-{n}", "path": f"/{n}/"}
            for n in range(1, CATEGORIES + 1)
        ),
    )
    prices = [rnd.randrange(500, 50_000, 100) for _ in range(VARIANTS)]
    costs = [price * rnd.randrange(30, 70) // 100 for price in prices]
    _insert(
        con,
        "product",
        {"id": 0, "title": "", "status": "active", "category_id": None, "variant_count": 1},
        ({"id": n, "title": f"Bench product {n}", "category_id": n % CATEGORIES + 1} for n in range(1, VARIANTS + 1)),
    )
    _insert(
        con,
        "variant",
        {"id": 0, "product_id": 0, "sku": "", "barcode": None, "price_minor": 0, "cost_minor": 0, "track_stock": 0},
        (
            {"id": n, "product_id": n, "sku": f"B-{n:05d}", "price_minor": prices[n - 1], "cost_minor": costs[n - 1]}
            for n in range(1, VARIANTS + 1)
        ),
    )
    _insert(
        con,
        "customer",
        {"id": 0, "name": "", "phone": None, "email": None, "created_at": stamp0, "updated_at": stamp0},
        ({"id": n, "name": f"Customer {n}", "phone": f"1390{n:07d}"} for n in range(1, CUSTOMERS + 1)),
    )
    step = SPAN / ORDERS
    start = NOW - SPAN
    counts: dict[tuple[str, str, str], int] = {}
    orders: list[dict[str, object]] = []
    lines: list[dict[str, object]] = []
    payments: list[dict[str, object]] = []
    adjustments: list[dict[str, object]] = []
    refunds: list[dict[str, object]] = []
    refund_lines: list[dict[str, object]] = []
    line_id = refund_id = 0
    per_order = [2] * ORDERS
    for i in rnd.sample(range(ORDERS), LINES - 2 * ORDERS):  # half the orders get a third line
        per_order[i] = 3
    for n in range(1, ORDERS + 1):
        created = start + step * n
        age = NOW - created
        roll = rnd.random()
        if age > timedelta(days=7):
            state = ("cancelled", "unpaid", "unfulfilled") if roll < 0.03 else ("completed", "paid", "delivered")
        else:
            state = ("open", "unpaid", "unfulfilled") if roll < 0.3 else ("open", "paid", "unfulfilled")
        counts[state] = counts.get(state, 0) + 1
        customer = rnd.randrange(1, CUSTOMERS + 1) if roll < 0.9 else None
        order_lines = []
        for position in range(1, per_order[n - 1] + 1):
            line_id += 1
            variant = rnd.randrange(1, VARIANTS + 1)
            quantity = 1 if rnd.random() < 0.8 else 2
            gross = prices[variant - 1] * quantity
            order_lines.append(
                {
                    "id": line_id,
                    "order_id": n,
                    "position": position,
                    "variant_id": variant,
                    "sku": f"B-{variant:05d}",
                    "title": f"Bench product {variant}",
                    "quantity": quantity,
                    "unit_price_minor": prices[variant - 1],
                    "gross_minor": gross,
                    "line_total_minor": gross,
                    "adjustment_minor": 0,
                    "net_minor": gross,
                    "unit_cost_minor": costs[variant - 1],
                }
            )
        subtotal = sum(int(line["gross_minor"]) for line in order_lines)  # type: ignore[call-overload]
        adjusted = 0
        kind = rnd.random()
        carrier = max(order_lines, key=lambda line: int(line["gross_minor"]))  # type: ignore[call-overload]
        if int(carrier["gross_minor"]) > 2000 and kind < 0.15:  # type: ignore[call-overload]  # promotion, coupon
            label, ref = (
                (f"Promotion {n % 5 + 1}", f"promotion:{n % 5 + 1}")
                if kind < 0.10
                else (f"Coupon SAVE{n % 3}", f"coupon:SAVE{n % 3}")
            )
            adjusted = -1000
            adjustments.append(
                {"order_id": n, "kind": ref.partition(":")[0], "label": label, "amount_minor": -1000, "ref": ref}
            )
            carrier["adjustment_minor"] = -1000
            carrier["net_minor"] = int(carrier["net_minor"]) - 1000  # type: ignore[call-overload]
        total = subtotal + adjusted
        at = _stamp(created)
        paid = total if state[1] == "paid" else 0
        placed = created.astimezone(ZONE).date().isoformat()
        province = PROVINCES[rnd.randrange(len(PROVINCES))]
        orders.append(
            {
                "id": n,
                "number": f"SO-{n:07d}",
                "channel": CHANNELS[int(roll * 100) % len(CHANNELS)],
                "customer_id": customer,
                "customer_name": f"Customer {customer}" if customer else "",
                "status": state[0],
                "payment_status": state[1],
                "fulfilment_status": state[2],
                "currency": "CNY",
                "subtotal_minor": subtotal,
                "adjustments_minor": adjusted,
                "total_minor": total,
                "tax_minor": (total * 1300 + 5650) // 11300,
                "tax_rate_bp": 1300,
                "paid_minor": paid,
                "item_count": sum(int(line["quantity"]) for line in order_lines),  # type: ignore[call-overload]
                "created_at": at,
                "updated_at": at,
                "paid_at": at if paid else None,
                "stock_mode": "none",
                "version": 1,
                "created_by": STAFF[n % len(STAFF)],
                "ship_country": "CN",
                "ship_province": province,
                "ship_city": f"{province}市" if roll < 0.5 else f"{province} {n % 7}",
                "placed_day": placed,
                "sales_region": "" if roll < 0.7 else ("华东" if province in PROVINCES[:7] else "其他"),
                "source": SOURCES[n % len(SOURCES)],
                "gross_minor": subtotal,
                "cost_minor": sum(
                    int(line["quantity"]) * int(line["unit_cost_minor"])  # type: ignore[call-overload]
                    for line in order_lines
                ),
            }
        )
        lines += order_lines
        if paid:
            if roll < 0.05 and paid > 100:
                payments.append({"order_id": n, "method": "card", "amount_minor": paid // 2, "at": at})
                payments.append({"order_id": n, "method": "mobile", "amount_minor": paid - paid // 2, "at": at})
            else:
                payments.append(
                    {"order_id": n, "method": "card" if roll < 0.5 else "mobile", "amount_minor": paid, "at": at}
                )
            if rnd.random() < 0.01 and age > timedelta(days=10):  # a refund of the first line five days later
                first = order_lines[0]
                refund_id += 1
                amount = int(first["net_minor"])  # type: ignore[call-overload]
                refunds.append(
                    {
                        "id": refund_id,
                        "order_id": n,
                        "batch": refund_id,
                        "method": "card",
                        "amount_minor": amount,
                        "at": _stamp(created + timedelta(days=5)),
                    }
                )
                refund_lines.append(
                    {
                        "order_id": n,
                        "batch": refund_id,
                        "line_id": first["id"],
                        "quantity": first["quantity"],
                        "amount_minor": amount,
                    }
                )
        if len(orders) >= 50_000:
            _flush(con, orders, lines, payments, adjustments, refunds, refund_lines)
    _flush(con, orders, lines, payments, adjustments, refunds, refund_lines)
    con.executemany(
        "INSERT INTO order_stat (status, payment_status, fulfilment_status, orders) VALUES (?, ?, ?, ?)",
        [(*key, value) for key, value in counts.items()],
    )
    con.execute("UPDATE order_sequence SET next_value = ? WHERE name = 'order'", (ORDERS + 1,))
    con.commit()
    con.close()
    con = sqlite3.connect(tmp)
    con.execute("PRAGMA journal_mode = OFF")
    con.execute("PRAGMA synchronous = OFF")
    _add_stock(con, rnd)
    con.commit()
    con.close()
    with db.transaction(f"sqlite:///{tmp}") as session:
        orders_api.rebuild_rollups(session)
        inventory_api.rebuild_move_rollups(session)
    db.dispose_all()
    con = sqlite3.connect(tmp)
    con.execute("ANALYZE")
    con.close()
    tmp.rename(STORE)
    print(f"   built {ORDERS:,} orders / {LINES:,} lines in {time.perf_counter() - started:.0f} s -> {STORE}")


def _add_stock(con: sqlite3.Connection, rnd: random.Random) -> None:
    """A second location, every variant tracking stock, and ``MOVEMENTS`` ledger rows over the two years (receipts
    when a shelf runs low, sales of one or two, a few corrections), with the levels they sum to."""
    stamp0 = _stamp(NOW - SPAN)
    con.execute(
        "INSERT INTO stock_location (id, code, name, is_default, created_at) VALUES (2, 'BACK', 'Back room', 0, ?)",
        (stamp0,),
    )
    con.execute("UPDATE variant SET track_stock = 1")
    template = {
        "variant_id": 0,
        "location_id": 0,
        "kind": "",
        "quantity": 0,
        "committed_change": 0,
        "unit_cost_minor": None,
        "reason": None,
        "actor": "bench",
        "at": stamp0,
    }
    on_hand: dict[tuple[int, int], int] = {}
    rows: list[dict[str, object]] = []
    step, start = SPAN / MOVEMENTS, NOW - SPAN
    for n in range(MOVEMENTS):
        cell = (rnd.randrange(1, VARIANTS + 1), 1 if rnd.random() < 0.7 else 2)
        have = on_hand.get(cell, 0)
        roll = rnd.random()
        if have < 3 or roll < 0.05:
            kind, quantity, reason = "receive", rnd.randrange(20, 120), None
        elif roll < 0.07:
            kind, quantity, reason = "adjustment", -1, "damaged"
        else:
            kind, quantity, reason = "sale", -1 if roll < 0.8 else -2, None
        on_hand[cell] = have + quantity
        rows.append(
            {
                "variant_id": cell[0],
                "location_id": cell[1],
                "kind": kind,
                "quantity": quantity,
                "reason": reason,
                "at": _stamp(start + step * n),
            }
        )
        if len(rows) >= 100_000:
            _insert(con, "stock_movement", template, rows)
            rows.clear()
    _insert(con, "stock_movement", template, rows)
    _insert(
        con,
        "stock_level",
        {"variant_id": 0, "location_id": 0, "on_hand": 0, "committed": 0, "incoming": 0, "updated_at": _stamp(NOW)},
        ({"variant_id": v, "location_id": loc, "on_hand": units} for (v, loc), units in sorted(on_hand.items())),
    )


def _flush(con: sqlite3.Connection, *tables: list[dict[str, object]]) -> None:
    """Insert the rows gathered so far (each table's template names every key its rows carry)."""
    for name, rows in zip(
        ("sales_order", "order_line", "order_payment", "order_adjustment", "order_refund", "order_refund_line"),
        tables,
        strict=True,
    ):
        if rows:
            _insert(con, name, dict.fromkeys(rows[0]), rows)
        rows.clear()


def _ms(fn: object, repeat: int = 5) -> tuple[float, float]:
    """(first call, median of the next ``repeat``) in ms."""
    samples = time_calls(fn, repeat + 1)  # type: ignore[arg-type]
    return samples[0], statistics.median(samples[1:])


def run() -> None:
    from bench._engine import store_url
    from bench._report import cached_store
    from shoptui import clock, db
    from shoptui.services import analytics

    if not cached_store(STORE):  # a store built before a newer migration is upgraded first
        _build()
    url = store_url(STORE, str(VERSION))  # the file on SQLite; a copy of its template on PostgreSQL
    today = NOW.astimezone(ZONE).date()
    month_end = today.replace(day=1) - timedelta(days=1)
    month_start = month_end.replace(day=1)
    with clock.frozen(NOW), db.read_session(url) as s:
        first, median = _ms(
            lambda: analytics.sales_report(session=s, by="month", start=today - timedelta(days=729), end=today)
        )
        figure("monthly sales over two years (median)", median, 200, note=f"first {first:.0f} ms")
        first, median = _ms(
            lambda: analytics.sales_report(session=s, by="variant", start=month_start, end=month_end, top=10)
        )
        figure(f"best sellers (variants) of {month_start:%Y-%m} (median)", median, 100, note=f"first {first:.0f} ms")
        first, median = _ms(
            lambda: analytics.sales_report(session=s, by="product", start=month_start, end=month_end, top=10)
        )
        figure(f"best sellers (products) of {month_start:%Y-%m} (median)", median, 100, note=f"first {first:.0f} ms")
        year_start = today - timedelta(days=364)
        for by in analytics.BREAKDOWNS:
            first, median = _ms(
                lambda b=by: analytics.sales_report(session=s, by=b, start=year_start, end=today), repeat=3
            )
            figure(f"a year by {by} (median)", median, 500, note=f"first {first:.0f} ms")
        # the products, customers and stock reports of a year (issue 15: each <= 500 ms), CPU beside wall (the
        # machine may be shared). They read the rollups of migration 0018: customers the month x customer rollup
        # and the first days, products and stock the month x variant x location rollup, stock the ledger's rollup.
        # `report customers` reads no names (only --members does): both are shown.
        for name, report in (
            ("customers", lambda: analytics.customers_report(session=s, start=year_start, end=today, with_names=False)),
            ("customers --members", lambda: analytics.customers_report(session=s, start=year_start, end=today)),
            ("products", lambda: analytics.products_report(session=s, start=year_start, end=today)),
            ("stock", lambda: analytics.stock_report(session=s, start=year_start, end=today)),
        ):
            (first, median), cpu = _ms_cpu(report)
            figure(f"report {name} of a year (median)", median, 500, note=f"first {first:.0f} ms, CPU {cpu:.0f} ms")


def _ms_cpu(fn: object, repeat: int = 3) -> tuple[tuple[float, float], float]:
    """(first call, median of the next ``repeat``) wall ms, and the median CPU ms of those."""
    walls, cpus = [], []
    for _ in range(repeat + 1):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()  # type: ignore[operator]
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return (walls[0], statistics.median(walls[1:])), statistics.median(cpus[1:])


if __name__ == "__main__":
    run()
