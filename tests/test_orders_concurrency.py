"""Several processes sell the last units and ship the same order at once: no oversell, no double ship."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from sqlmodel import select

from shoptui import db
from shoptui.models.orders import Shipment
from shoptui.services.orders import listing, payments, placing
from shoptui.services.shop import checks
from tests.services.orders_helpers import CLERK, add_product, draft, level

WORKER = textwrap.dedent("""
    import json, sys
    from shoptui import db
    from shoptui.config import Actor
    from shoptui.errors import ShopError
    from shoptui.services.orders import drafts, payments, placing
    from shoptui.services.orders import shipping as orders_shipping

    url, name = sys.argv[1], sys.argv[2]
    actor = Actor(name=name, source="test")
    sold = shipped = refused = 0
    try:
        for attempt in range(3):
            try:
                with db.transaction(url) as s:
                    order = placing.create_order(session=s, actor=actor, draft=drafts.OrderDraft(
                        channel="web", lines=[drafts.DraftLine(sku="LAST-01", quantity=1)]))
                    payments.pay(session=s, actor=actor, number=order.number, method="card")
                sold += 1
            except ShopError:
                refused += 1
            try:
                with db.transaction(url) as s:
                    orders_shipping.ship(session=s, actor=actor, number="SO-000001", carrier="SF",
                                         tracking="SF100000000" + name[-1])
                shipped += 1
            except ShopError:
                refused += 1
    except Exception as exc:  # anything else (such as 'database is locked') escaping is a failure
        print(json.dumps({"escaped": f"{type(exc).__name__}: {exc}"}))
        sys.exit(2)
    print(json.dumps({"sold": sold, "shipped": shipped, "refused": refused}))
""")


def test_concurrent_sales_and_ships_never_oversell_or_double_ship(store: str) -> None:
    with db.transaction(store) as s:
        add_product(s, "LAST-01", 1000, 5)
        add_product(s, "TEE-01", 9900, 3)
        first = placing.create_order(session=s, actor=CLERK, draft=draft(("TEE-01", 1)))
        payments.pay(session=s, actor=CLERK, number=first.number, method="card")
    db.dispose_all()
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, store, f"worker{i}"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for i in range(4)]
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=240)
        assert worker.returncode == 0, out + err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert sum(r["sold"] for r in results) == 5
    assert sum(r["shipped"] for r in results) == 1
    assert sum(r["refused"] for r in results) == 4 * 6 - 6
    with db.read_session(store) as s:
        assert level(s, "LAST-01") == (5, 5)
        assert len(s.exec(select(Shipment)).all()) == 1
        assert level(s, "TEE-01") == (2, 0)
        problems = [p for r in checks.run_checks(session=s) for p in r.problems]
        assert problems == []
        assert listing.status_counts(session=s)["paid"] == 6
