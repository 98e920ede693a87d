"""What one counter sale costs the store, in statements (each a round trip on PostgreSQL).

A sale under many running promotions must not cost a statement per promotion, and the store settings
are read once per transaction, not once per service that needs them. The bounds below are today's
count with a little room; a change that adds statements to the counter path fails here and says which.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest

from shoptui import clock, db
from shoptui.services.marketing import promotions as mp
from shoptui.services.sales import counter as sales
from tests.services.orders_helpers import CLERK, add_product
from tests.statements import counted

SALE_BOUND = 70
"""Statements of a counter sale of three lines (first sold today) paid in cash, for a guest, under any number of
promotions: 69 today (109 before the promotions, settings and ledger rows were batched); see _shown for the list."""
PER_LINE_BOUND = 5
"""What one more line may add: its row, its variant and stock level, its day figures (a first sale of the day: 2)."""


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory, template_store: str) -> Iterator[str]:
    """Ten products with stock and twelve running promotions that all apply to a basket over 10.00."""
    from tests.store_files import store_copy

    copies = store_copy(template_store, tmp_path_factory.mktemp("statements"), "shop.db")
    url = next(copies)
    with db.transaction(url) as s:
        for n in range(10):
            add_product(s, f"ITEM-{n:02d}", 2500 + n * 100, 10_000)
        for n in range(12):
            mp.add_promotion(session=s, actor=CLERK, data=mp.PromotionInput(
                name=f"Every 10 off {n}", kind="spend_save", starts_at=clock.now() - timedelta(days=1),
                every_minor=1000 + n * 100, every_off_minor=10 + n, cap_minor=5000))
    yield url
    next(copies, None)  # the copy is dropped


def _sale(url: str, skus: list[str]) -> tuple[list[str], sales.SaleResult]:
    with db.read_session(url) as s:
        basket = sales.new_basket(session=s)
        for sku in skus:
            basket = sales.scan(session=s, basket=basket, code=sku)
    with db.transaction(url) as s:
        with counted(s) as statements:
            result = sales.complete_sale(session=s, actor=CLERK, basket=basket,
                                         tenders=[sales.Tender(method="cash", amount_minor=10**7)])
    return statements, result


def _shown(statements: list[str]) -> str:
    return "\n".join(f"{n:3} x {sql[:110]}" for sql, n in Counter(statements).most_common())


def test_a_counter_sale_stays_within_its_statement_bound(shop: str) -> None:
    _sale(shop, ["ITEM-00"])  # the first sale of a process compiles and caches what later sales reuse
    statements, result = _sale(shop, ["ITEM-01", "ITEM-02", "ITEM-03"])
    assert result.order.status == "completed"
    applied = [a for a in result.order.adjustments if a.kind == "promotion"]
    assert len(applied) >= 10  # the promotions did apply: the bound is about a sale that uses them
    assert len(statements) <= SALE_BOUND, f"{len(statements)} statements (bound {SALE_BOUND}):\n{_shown(statements)}"
    settings_reads = [sql for sql in statements if "FROM store_setting" in sql and "pricing_stamp" not in sql
                      and "IN (" not in sql]
    assert len(settings_reads) <= 1, _shown(settings_reads)
    per_promotion = [sql for sql in statements if sql.startswith(("UPDATE promotion ", "INSERT INTO promotion_use",
                                                                  "INSERT INTO order_adjustment"))]
    assert len(per_promotion) == 3, _shown(per_promotion)  # one of each, whatever the number of promotions


def test_more_lines_cost_a_bounded_number_of_statements_each(shop: str) -> None:
    _sale(shop, ["ITEM-00"])
    three, _ = _sale(shop, ["ITEM-04", "ITEM-05", "ITEM-06"])
    six, _ = _sale(shop, ["ITEM-04", "ITEM-05", "ITEM-06", "ITEM-07", "ITEM-08", "ITEM-09"])
    assert len(six) - len(three) <= 3 * PER_LINE_BOUND, _shown(six)


def test_the_promotions_taken_are_counted_once_each(shop: str) -> None:
    from sqlmodel import select

    from shoptui.models.marketing import Promotion, PromotionUse

    with db.read_session(shop) as s:
        before = {p.id: p.used_count for p in s.exec(select(Promotion))}
    _, result = _sale(shop, ["ITEM-01", "ITEM-02"])
    with db.read_session(shop) as s:
        after = {p.id: p.used_count for p in s.exec(select(Promotion))}
        uses = [(u.promotion_id, u.discount_minor)
                for u in s.exec(select(PromotionUse).where(PromotionUse.order_id == result.order.id))]
    taken = {pid for pid in after if after[pid] == before[pid] + 1}
    assert taken == {pid for pid, _ in uses} and len(uses) == len(taken) >= 10
    assert all(after[pid] == before[pid] for pid in after if pid not in taken)
    assert sum(off for _, off in uses) == sum(-a.amount_minor for a in result.order.adjustments
                                                      if a.kind == "promotion")


def test_a_promotion_used_up_meanwhile_is_refused_by_name_and_counts_nothing(shop: str) -> None:
    """The one conditional UPDATE still refuses a promotion another till used up between pricing and writing."""
    from sqlalchemy import update
    from sqlmodel import select

    from shoptui.errors import Conflict
    from shoptui.models.marketing import Promotion
    from shoptui.services import pricing
    from shoptui.services.marketing import reports

    with db.transaction(shop) as s:
        limited = mp.add_promotion(session=s, actor=CLERK, data=mp.PromotionInput(
            name="Only twice", kind="spend_save", starts_at=clock.now() - timedelta(days=1), every_minor=1000,
            every_off_minor=99, cap_minor=5000, usage_limit=2))
    with db.read_session(shop) as s:
        basket = sales.scan(session=s, basket=sales.new_basket(session=s), code="ITEM-03")
        context = pricing.load_offers(s, customer_id=None, channel="counter")
        priced = pricing.assemble(context, sales._offer_lines(basket.lines), tax_rate_bp=0).offers
    assert priced is not None and limited.id in {p.promotion_id for p in priced.promotions}
    assert len(priced.promotions) > 1
    with db.transaction(shop) as s:
        before = dict(s.exec(select(Promotion.id, Promotion.used_count)).all())
    with db.transaction(shop) as s:
        s.exec(update(Promotion).where(Promotion.id == limited.id).values(used_count=2))  # another till used it up
        with pytest.raises(Conflict, match="'Only twice' has just reached its limit"):
            reports.record_usage(session=s, actor=CLERK, order_id=0, order_number="X", customer_id=None, priced=priced)
        s.rollback()  # what the face's transaction does with the refusal
    with db.read_session(shop) as s:
        assert dict(s.exec(select(Promotion.id, Promotion.used_count)).all()) == before


def test_settings_are_read_once_per_transaction_and_a_change_is_seen_at_once(shop: str) -> None:
    from shoptui.services.shop import settings

    with db.transaction(shop) as s:
        with counted(s) as statements:
            settings.get_all(session=s)
            settings.get(session=s, key="currency")
            settings.get(session=s, key="receipt_footer")
        assert len(statements) == 1, statements
        settings.set_value(session=s, actor=CLERK, key="receipt_footer", raw="Thank you, 谢谢")
        assert settings.get(session=s, key="receipt_footer") == "Thank you, 谢谢"
        assert settings.get_all(session=s)["receipt_footer"] == "Thank you, 谢谢"
        settings.set_value(session=s, actor=CLERK, key="receipt_footer", raw="")
    with db.transaction(shop) as s:
        assert settings.get(session=s, key="receipt_footer") == ""


def test_sell_many_books_and_audits_each_line_as_sell_does_and_refuses_by_sku(shop: str) -> None:
    from sqlmodel import col, select

    from shoptui.errors import Conflict
    from shoptui.models.inventory import StockMovement
    from shoptui.models.store import AuditEntry
    from shoptui.services import inventory
    from shoptui.services.catalog import find_variant

    with db.transaction(shop) as s:
        one, two = find_variant(session=s, code="ITEM-08"), find_variant(session=s, code="ITEM-09")
        start = s.exec(select(AuditEntry.id).order_by(col(AuditEntry.id).desc())).first() or 0
        a, b = (inventory.level_of(s, code).on_hand for code in ("ITEM-08", "ITEM-09"))
        levels = inventory.sell_many(session=s, actor=CLERK, items=[(one.id, 2), (two.id, 1), (one.id, 1)],
                                     ref_kind="order", ref_id="T-1")
        assert [lv.on_hand if lv else None for lv in levels] == [a - 2, b - 1, a - 3]
        moves = s.exec(select(StockMovement.variant_id, StockMovement.quantity)
                       .where(StockMovement.ref_id == "T-1").order_by(col(StockMovement.id))).all()
        assert [tuple(m) for m in moves] == [(one.id, -2), (two.id, -1), (one.id, -1)]
        audits = s.exec(select(AuditEntry).where(col(AuditEntry.id) > start).order_by(col(AuditEntry.id))).all()
        assert [(a.action, a.summary, a.before, a.after) for a in audits] == [
            ("stock.sell", "sell 2 x ITEM-08 at MAIN for order T-1", {"on_hand": a}, {"on_hand": a - 2}),
            ("stock.sell", "sell 1 x ITEM-09 at MAIN for order T-1", {"on_hand": b}, {"on_hand": b - 1}),
            ("stock.sell", "sell 1 x ITEM-08 at MAIN for order T-1", {"on_hand": a - 2}, {"on_hand": a - 3}),
        ]
    with pytest.raises(Conflict, match=f"Only {b - 1} of ITEM-09 available"):
        with db.transaction(shop) as s:
            inventory.sell_many(session=s, actor=CLERK, items=[(one.id, 1), (two.id, b)], ref_kind="order",
                                ref_id="T-2")
    with db.read_session(shop) as s:
        assert s.exec(select(StockMovement.id).where(StockMovement.ref_id == "T-2")).all() == []
