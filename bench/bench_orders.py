"""Orders at size: 1,000,000 orders / 2,500,000 lines over two years (cached in bench/.data/orders-1m.db).

Figures: the order list's first page and a later keyset page filtered by status, the dashboard
figures together, and the service time of creating one order and of a whole counter sale.
"""

from __future__ import annotations

import random
import sqlite3
import time
from datetime import UTC, datetime, timedelta

from bench._data import insert as _insert
from bench._data import stamp as _stamp
from bench._engine import explain, store_url
from bench._report import DATA, built, cached_store, figure, percentile, time_calls

ORDERS = 1_000_000
LINES = 2_500_000
VARIANTS = 2_000
CUSTOMERS = 100_000
STORE = DATA / "orders-1m.db"
STORE_VERSION = "2"  # 2: phones in E.164, as the store keeps them
NOW = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)  # 10:30 in Asia/Shanghai
SPAN = timedelta(days=730)


def _build() -> None:
    from shoptui import db

    tmp = STORE.with_suffix(".building")
    for path in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
        path.unlink(missing_ok=True)
    db.upgrade(str(tmp), backup=False)
    db.dispose_all()
    started = time.perf_counter()
    rnd = random.Random(7)
    con = sqlite3.connect(tmp)
    con.execute("PRAGMA journal_mode = OFF")
    con.execute("PRAGMA synchronous = OFF")
    prices = [rnd.randrange(500, 50_000, 100) for _ in range(VARIANTS)]
    _insert(con, "product", {"id": 0, "title": "", "status": "active", "category_id": None, "variant_count": 1},
            ({"id": n, "title": f"Bench product {n}"} for n in range(1, VARIANTS + 1)))
    _insert(con, "variant", {"id": 0, "product_id": 0, "sku": "", "barcode": None, "price_minor": 0,
                             "track_stock": 1}, ({"id": n, "product_id": n, "sku": f"B-{n:05d}",
                                                  "price_minor": prices[n - 1]} for n in range(1, VARIANTS + 1)))
    con.execute("INSERT INTO product_search (product_id, text) SELECT id, lower(title) FROM product")
    location = con.execute("SELECT id FROM stock_location WHERE is_default = 1").fetchone()[0]
    stamp0 = _stamp(NOW - SPAN)
    _insert(con, "stock_movement", {"variant_id": 0, "location_id": location, "kind": "receive", "quantity": 10**6,
                                    "actor": "bench", "at": stamp0}, ({"variant_id": n} for n in range(1, VARIANTS + 1)))
    _insert(con, "stock_level", {"variant_id": 0, "location_id": location, "on_hand": 10**6, "updated_at": stamp0},
            ({"variant_id": n} for n in range(1, VARIANTS + 1)))
    _insert(con, "customer", {"id": 0, "name": "", "phone": None, "email": None, "created_at": stamp0, "updated_at": stamp0},
            ({"id": n, "name": f"Customer {n}", "phone": f"+861390{n:07d}", "email": f"c{n}@example.com"}
             for n in range(1, CUSTOMERS + 1)))
    step = SPAN / ORDERS
    start = NOW - SPAN
    counts: dict[tuple[str, str, str], int] = {}
    orders, lines, payments, shipments = [], [], [], []
    line_id = 0
    per_order = [2] * ORDERS
    for i in rnd.sample(range(ORDERS), (LINES - 2 * ORDERS)):  # half the orders get a third line
        per_order[i] = 3
    for n in range(1, ORDERS + 1):
        created = start + step * n
        age = NOW - created
        roll = rnd.random()
        if age > timedelta(days=7):
            state = ("cancelled", "unpaid", "unfulfilled") if roll < 0.03 else ("completed", "paid", "delivered")
        elif age > timedelta(days=2):
            state = ("open", "paid", "shipped") if roll < 0.8 else ("completed", "paid", "delivered")
        else:
            state = (("open", "unpaid", "unfulfilled") if roll < 0.3 else ("open", "paid", "unfulfilled")
                     if roll < 0.8 else ("open", "paid", "shipped"))
        counts[state] = counts.get(state, 0) + 1
        customer = rnd.randrange(1, CUSTOMERS + 1) if roll < 0.9 else None
        total = 0
        for position in range(1, per_order[n - 1] + 1):
            line_id += 1
            variant = rnd.randrange(1, VARIANTS + 1)
            quantity = 1 if rnd.random() < 0.8 else 2
            amount = prices[variant - 1] * quantity
            total += amount
            lines.append({"id": line_id, "order_id": n, "position": position, "variant_id": variant,
                          "sku": f"B-{variant:05d}", "title": f"Bench product {variant}", "quantity": quantity,
                          "unit_price_minor": prices[variant - 1], "gross_minor": amount, "line_total_minor": amount,
                          "net_minor": amount, "tax_minor": (amount * 1300 + 5650) // 11300,
                          "quantity_shipped": quantity if state[2] != "unfulfilled" else 0})
        at = _stamp(created)
        paid = total if state[1] == "paid" else 0
        shipped = state[2] in ("shipped", "delivered")
        orders.append({"id": n, "number": f"SO-{n:07d}", "channel": "web" if roll < 0.6 else "counter",
                       "customer_id": customer, "customer_name": f"Customer {customer}" if customer else "",
                       "customer_phone": f"+861390{customer:07d}" if customer else None, "status": state[0],
                       "payment_status": state[1], "fulfilment_status": state[2], "currency": "CNY",
                       "subtotal_minor": total, "total_minor": total, "tax_minor": (total * 1300 + 5650) // 11300,
                       "tax_rate_bp": 1300, "paid_minor": paid, "item_count": 0, "shipment_count": int(shipped),
                       "created_at": at, "updated_at": at, "paid_at": at if paid else None,
                       "stock_mode": "none", "version": 1, "created_by": "bench"})
        if paid:
            payments.append({"order_id": n, "method": "card" if roll < 0.5 else "mobile", "amount_minor": paid,
                             "at": at})
        if shipped:
            shipments.append({"order_id": n, "carrier_code": "SF", "carrier_name": "SF Express",
                              "tracking": f"SF{n:012d}", "shipped_at": at})
        if len(orders) >= 50_000:
            _flush(con, orders, lines, payments, shipments)
    _flush(con, orders, lines, payments, shipments)
    con.execute("UPDATE sales_order SET item_count = (SELECT sum(quantity) FROM order_line WHERE order_id = sales_order.id)")
    con.executemany("INSERT INTO order_stat (status, payment_status, fulfilment_status, orders) VALUES (?, ?, ?, ?)",
                    [(*key, value) for key, value in counts.items()])
    con.execute("UPDATE order_sequence SET next_value = ? WHERE name = 'order'", (ORDERS + 1,))
    con.execute("INSERT INTO store_setting (key, value, updated_at) VALUES ('order_number_prefix', '\"SO-\"', ?)",
                (_stamp(NOW),))
    con.commit()
    con.execute("ANALYZE")
    con.close()
    tmp.rename(STORE)
    print(f"   built {ORDERS:,} orders / {LINES:,} lines in {time.perf_counter() - started:.0f} s -> {STORE}")


def _flush(con: sqlite3.Connection, orders: list, lines: list, payments: list, shipments: list) -> None:  # type: ignore[type-arg]
    base = {"number": "", "customer_id": None, "customer_phone": None, "paid_at": None}
    _insert(con, "sales_order", {**base, "id": 0}, orders)
    _insert(con, "order_line", {"id": 0, "order_id": 0, "variant_id": None, "sku": "", "title": "", "quantity": 1,
                                "unit_price_minor": 0}, lines)
    _insert(con, "order_payment", {"order_id": 0, "method": "card", "amount_minor": 1}, payments)
    _insert(con, "order_shipment", {"order_id": 0}, shipments)
    for rows in (orders, lines, payments, shipments):
        rows.clear()


def run() -> None:
    from shoptui import clock, db
    from shoptui.config import Actor
    from shoptui.services import orders as orders_api

    if not cached_store(STORE, STORE_VERSION):
        _build()
        built(STORE, STORE_VERSION)
    url = store_url(STORE, STORE_VERSION)
    actor = Actor(name="bench", source="bench")
    with clock.frozen(NOW):
        plan = explain(url, "SELECT id FROM sales_order WHERE status = 'open' AND (created_at, id) < (:at, :id) "
                            "ORDER BY created_at DESC, id DESC LIMIT 51",
                       {"at": "2026-01-01 00:00:00.000000", "id": 10**9})
        print(f"   plan of a status page: {' / '.join(line.strip() for line in plan)}")
        with db.read_session(url) as s:
            for status in ("completed", "open", "unpaid", "shipped"):
                first = time_calls(lambda st=status: orders_api.list_orders(
                    session=s, filters=orders_api.OrderFilter(status=st), limit=50), 30)
                page = orders_api.list_orders(session=s, filters=orders_api.OrderFilter(status=status), limit=50)
                cursor = page.next_after
                for _ in range(20):  # walk 20 pages in, then time the next one
                    if cursor is None:
                        break
                    cursor = orders_api.list_orders(session=s, filters=orders_api.OrderFilter(status=status), limit=50,
                                                after=cursor).next_after
                figure(f"order list first page, status {status} (p50)", percentile(first, 50), 5,
                       note=f"p95 {percentile(first, 95):.2f}")
                if cursor is not None:
                    later = time_calls(lambda st=status, c=cursor: orders_api.list_orders(
                        session=s, filters=orders_api.OrderFilter(status=st), limit=50, after=c), 30)
                    figure(f"order list page 21, status {status} (p50)", percentile(later, 50), 5,
                           note=f"p95 {percentile(later, 95):.2f}")
            middle = f"{(NOW - timedelta(days=365)).isoformat()}|{ORDERS // 2}"
            later = time_calls(lambda: orders_api.list_orders(session=s, filters=orders_api.OrderFilter(status="completed"),
                                                          limit=50, after=middle), 30)
            figure("order list a year back, status completed (p50)", percentile(later, 50), 5,
                   note=f"p95 {percentile(later, 95):.2f}")
            unfiltered = time_calls(lambda: orders_api.list_orders(session=s, limit=50), 30)
            figure("order list first page, no filter (p50)", percentile(unfiltered, 50), 5,
                   note=f"p95 {percentile(unfiltered, 95):.2f}")
            search = time_calls(lambda: orders_api.list_orders(session=s, filters=orders_api.OrderFilter(
                search="SO-0500000"), limit=50), 10)
            figure("order search by number (p95)", percentile(search, 95), 50)
            tracking = time_calls(lambda: orders_api.list_orders(session=s, filters=orders_api.OrderFilter(
                search="SF000000400000"), limit=50), 10)
            figure("order search by tracking number (p95)", percentile(tracking, 95), 50)
            dash = time_calls(lambda: orders_api.dashboard_figures(session=s), 30)
            figure("dashboard figures together (p50)", percentile(dash, 50), 50, note=f"p95 {percentile(dash, 95):.2f}")
            f = orders_api.order_figures(session=s)
            print(f"   today: {f.orders_today} orders, sales {f.sales_today_minor / 100:,.2f}, unpaid {f.unpaid}, "
                  f"to ship {f.to_ship}")

        def create_one() -> None:
            with db.transaction(url) as s:
                orders_api.create_order(session=s, actor=actor, draft=orders_api.OrderDraft(
                    channel="phone", customer="13900000042", lines=[
                        orders_api.DraftLine(sku=f"B-{random.randrange(1, VARIANTS):05d}", quantity=1) for _ in range(3)]))

        def counter_sale() -> None:
            with db.transaction(url) as s:
                order = orders_api.create_order(session=s, actor=actor, draft=orders_api.OrderDraft(
                    channel="counter", stock_mode="deferred", lines=[
                        orders_api.DraftLine(sku=f"B-{random.randrange(1, VARIANTS):05d}", quantity=1) for _ in range(3)]))
                orders_api.pay(session=s, actor=actor, number=order.number, method="cash", amount_minor=10**7)
                orders_api.fulfil_all(session=s, actor=actor, number=order.number)

        create_one()
        created = time_calls(create_one, 20)
        figure("create one order, 3 lines, committed (p50)", percentile(created, 50), 30,
               note=f"p95 {percentile(created, 95):.2f}")
        sales = time_calls(counter_sale, 20)
        figure("counter sale: create + pay + hand over (p50)", percentile(sales, 50), 30,
               note=f"p95 {percentile(sales, 95):.2f}")
    db.dispose_all()
