"""Inventory service: ledger and levels in step, the orders API, restock/adjust/transfer, alerts, checks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from shoptui import clock
from shoptui.errors import Conflict, InvalidInput, NotFound
from shoptui.models.catalog import Variant
from shoptui.models.inventory import StockLevel, StockMovement
from shoptui.models.messaging import OutboxMessage
from shoptui.models.store import AuditEntry, Notification
from shoptui.services.inventory.alerts import alert_step, evaluate_alerts, low_stock_digest
from shoptui.services.inventory.changes import adjust, restock, transfer
from shoptui.services.inventory.checks import check_incoming, check_stock_ledger
from shoptui.services.inventory.forecast import apply_level_suggestions, suggest_levels
from shoptui.services.inventory.ledger import fulfil, release, reserve, restock_return, sell
from shoptui.services.inventory.levels import levels_for
from shoptui.services.inventory.listing import list_levels, list_moves, stock_of
from shoptui.services.inventory.locations import add_location, default_location, list_locations
from shoptui.services.inventory.policies import set_levels
from shoptui.services.shop import settings
from tests.services.inventory_helpers import CLERK, make_variant


def stocked(session: Session, sku: str = "TEE-01", quantity: int = 10, **kwargs: object) -> int:
    vid = make_variant(session, sku, **kwargs)  # type: ignore[arg-type]
    if quantity:
        restock(session=session, actor=CLERK, code=sku, quantity=quantity)
    return vid


def ledger_ok(session: Session) -> None:
    assert check_stock_ledger(session=session) == []
    assert check_incoming(session=session) == []


# ---------------------------------------------------------------- the orders API


def test_reserve_fulfil_explains_both_quantities(session: Session) -> None:
    vid = stocked(session)
    level = reserve(session=session, actor=CLERK, variant_id=vid, quantity=4, ref_kind="order", ref_id=7)
    assert (level.on_hand, level.committed, level.available) == (10, 4, 6)
    level = fulfil(session=session, actor=CLERK, variant_id=vid, quantity=3, ref_kind="order", ref_id=7)
    assert (level.on_hand, level.committed, level.available) == (7, 1, 6)
    level = release(session=session, actor=CLERK, variant_id=vid, quantity=1, ref_kind="order", ref_id=7)
    assert (level.on_hand, level.committed) == (7, 0)
    moves = session.exec(select(StockMovement.kind, StockMovement.quantity, StockMovement.committed_change,
                                StockMovement.ref_id).order_by(StockMovement.id)).all()
    assert moves == [("receive", 10, 0, None), ("reserve", 0, 4, "7"), ("sale", -3, -3, "7"), ("release", 0, -1, "7")]
    ledger_ok(session)


def test_reserve_refuses_more_than_available_naming_sku(session: Session) -> None:
    vid = stocked(session, quantity=5)
    reserve(session=session, actor=CLERK, variant_id=vid, quantity=3, ref_kind="order", ref_id=1)
    with pytest.raises(Conflict, match=r"Only 2 of TEE-01 available"):
        reserve(session=session, actor=CLERK, variant_id=vid, quantity=3, ref_kind="order", ref_id=2)
    with pytest.raises(Conflict, match="Only 2 of TEE-01 available"):
        sell(session=session, actor=CLERK, variant_id=vid, quantity=3, ref_kind=None, ref_id=None)
    assert levels_for(session, [vid])[vid].committed == 3
    ledger_ok(session)


def test_release_and_fulfil_refuse_more_than_committed(session: Session) -> None:
    vid = stocked(session)
    reserve(session=session, actor=CLERK, variant_id=vid, quantity=2, ref_kind="order", ref_id=1)
    with pytest.raises(Conflict, match="Only 2 of TEE-01 committed"):
        release(session=session, actor=CLERK, variant_id=vid, quantity=3, ref_kind="order", ref_id=1)
    with pytest.raises(Conflict, match="Only 2 of TEE-01 committed"):
        fulfil(session=session, actor=CLERK, variant_id=vid, quantity=3, ref_kind="order", ref_id=1)


def test_untracked_variants_skip(session: Session) -> None:
    vid = make_variant(session, "GIFT-CARD", track=False)
    for fn in (reserve, sell, fulfil, release):
        assert fn(session=session, actor=CLERK, variant_id=vid, quantity=5, ref_kind="order", ref_id=1) is None
    assert session.exec(select(StockMovement)).all() == []


def test_sell_never_oversells_and_rejects_bad_quantities(session: Session) -> None:
    vid = stocked(session, quantity=1)
    sell(session=session, actor=CLERK, variant_id=vid, quantity=1, ref_kind=None, ref_id=None)
    with pytest.raises(Conflict, match="Only 0 of TEE-01 available"):
        sell(session=session, actor=CLERK, variant_id=vid, quantity=1, ref_kind=None, ref_id=None)
    for bad in (0, -1, 10**9):
        with pytest.raises(InvalidInput):
            sell(session=session, actor=CLERK, variant_id=vid, quantity=bad, ref_kind=None, ref_id=None)
    with pytest.raises(NotFound, match="no variant with id 999"):
        sell(session=session, actor=CLERK, variant_id=999, quantity=1, ref_kind=None, ref_id=None)


def test_restock_return_resellable_and_damaged(session: Session) -> None:
    vid = stocked(session, quantity=5, cost=300)
    level = restock_return(session=session, actor=CLERK, variant_id=vid, quantity=2, condition="resellable",
                               ref_kind="order", ref_id=3)
    assert level.on_hand == 7
    level = restock_return(session=session, actor=CLERK, variant_id=vid, quantity=1, condition="damaged",
                               ref_kind="order", ref_id=3)
    assert level.on_hand == 7
    kinds = session.exec(select(StockMovement.kind, StockMovement.quantity, StockMovement.reason)
                         .where(StockMovement.ref_id == "3").order_by(StockMovement.id)).all()
    assert kinds == [("return", 2, None), ("return", 1, None), ("write_off", -1, "damaged")]
    with pytest.raises(InvalidInput, match="'broken' is not resellable or damaged"):
        restock_return(session=session, actor=CLERK, variant_id=vid, quantity=1, condition="broken",
                           ref_kind=None, ref_id=None)
    ledger_ok(session)


def test_levels_for_is_one_query_with_zeros_for_unstocked(session: Session) -> None:
    a = stocked(session, "A-1", 5)
    b = make_variant(session, "B-1")
    reserve(session=session, actor=CLERK, variant_id=a, quantity=2, ref_kind="order", ref_id=1)
    session.flush()
    statements: list[str] = []
    from sqlalchemy import event

    engine = session.get_bind()

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        levels = levels_for(session, [a, b])
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1
    assert levels[a].model_dump() == {"variant_id": a, "location_id": None, "on_hand": 5, "committed": 2,
                                      "available": 3, "incoming": 0}
    assert levels[b].available == 0 and levels[b].on_hand == 0


# ---------------------------------------------------------------- restock, adjust, transfer


def test_restock_updates_moving_average_cost(session: Session) -> None:
    vid = make_variant(session, "MUG-01", cost=1000)
    restock(session=session, actor=CLERK, code="MUG-01", quantity=10, unit_cost_minor=1000)
    done = restock(session=session, actor=CLERK, code="MUG-01", quantity=5, unit_cost_minor=1300)
    assert done.cost_minor == 1100  # (10*1000 + 5*1300) / 15
    assert session.exec(select(Variant.cost_minor).where(Variant.id == vid)).one() == 1100
    done = restock(session=session, actor=CLERK, code="MUG-01", quantity=1, unit_cost_minor=1)
    assert done.cost_minor == 1031  # 16500+1 / 16 = 1031.3 -> 1031
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "stock.restock")).all()


@pytest.mark.parametrize("quantity", [0, -5, 2_000_000])
def test_restock_refuses_bad_quantities(session: Session, quantity: int) -> None:
    make_variant(session, "TEE-01")
    with pytest.raises(InvalidInput, match="restock quantity"):
        restock(session=session, actor=CLERK, code="TEE-01", quantity=quantity)
    assert session.exec(select(StockMovement)).all() == []


def test_unknown_sku_and_location(session: Session) -> None:
    make_variant(session, "TEE-01")
    with pytest.raises(NotFound, match="SKU or barcode 'NOPE'"):
        restock(session=session, actor=CLERK, code="NOPE", quantity=1)
    with pytest.raises(NotFound, match="no location 'attic'.*MAIN"):
        restock(session=session, actor=CLERK, code="TEE-01", quantity=1, location="attic")


def test_barcode_and_untracked(session: Session) -> None:
    make_variant(session, "TEE-01", barcode="6901234567890")
    make_variant(session, "SVC-01", track=False)
    assert restock(session=session, actor=CLERK, code="6901234567890", quantity=2).sku == "TEE-01"
    with pytest.raises(InvalidInput, match="SVC-01 does not track stock"):
        restock(session=session, actor=CLERK, code="SVC-01", quantity=2)


def test_adjust_with_reason_and_never_below_zero(session: Session) -> None:
    stocked(session, quantity=2)
    done = adjust(session=session, actor=CLERK, code="TEE-01", quantity=-1, reason="damaged", note="torn")
    assert done.level.on_hand == 1
    with pytest.raises(InvalidInput, match="Only 1 of TEE-01 on hand at MAIN, so 3 cannot be removed"):
        adjust(session=session, actor=CLERK, code="TEE-01", quantity=-3, reason="lost")
    with pytest.raises(InvalidInput, match="'stolen' is not one of"):
        adjust(session=session, actor=CLERK, code="TEE-01", quantity=-1, reason="stolen")
    with pytest.raises(InvalidInput, match="other than zero"):
        adjust(session=session, actor=CLERK, code="TEE-01", quantity=0, reason="found")
    assert levels_for(session, [1])[1].on_hand == 1
    ledger_ok(session)


def test_transfer_between_locations(session: Session) -> None:
    vid = stocked(session, quantity=10)
    add_location(session=session, actor=CLERK, code="back", name="Back room")
    done = transfer(session=session, actor=CLERK, code="TEE-01", quantity=4, from_location="MAIN",
                        to_location="BACK")
    assert (done.level.on_hand, done.to_level.on_hand) == (6, 4)  # type: ignore[union-attr]
    assert levels_for(session, [vid])[vid].on_hand == 10
    with pytest.raises(InvalidInput, match="same location"):
        transfer(session=session, actor=CLERK, code="TEE-01", quantity=1, from_location="MAIN",
                     to_location="main")
    with pytest.raises(Conflict, match="Only 4 of TEE-01 available at BACK"):
        transfer(session=session, actor=CLERK, code="TEE-01", quantity=5, from_location="BACK",
                     to_location="MAIN")
    ledger_ok(session)


def test_locations(session: Session) -> None:
    assert [loc.code for loc in list_locations(session=session)] == ["MAIN"]
    add_location(session=session, actor=CLERK, code="shop-2", name="Second shop", make_default=True)
    assert default_location(session).code == "SHOP-2"
    with pytest.raises(Conflict, match="SHOP-2 is already used"):
        add_location(session=session, actor=CLERK, code="Shop-2", name="x")
    for code in ("", "has space", "x" * 21):
        with pytest.raises(InvalidInput):
            add_location(session=session, actor=CLERK, code=code, name="x")


def test_moves_since_and_list_filters(session: Session, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    vid = stocked(session, quantity=10)
    with clock.frozen(frozen_clock + timedelta(days=2)):
        sell(session=session, actor=CLERK, variant_id=vid, quantity=9, ref_kind=None, ref_id=None)
        stocked(session, "MUG-01", 3)
        page = list_moves(session=session, code="TEE-01", since=frozen_clock + timedelta(days=1))
        assert [m.kind for m in page.items] == ["sale"]
        assert len(list_moves(session=session, code="TEE-01").items) == 2
        first = list_moves(session=session, code="TEE-01", limit=1)
        assert first.next_after is not None
        rest = list_moves(session=session, code="TEE-01", after=int(first.next_after), limit=5)
        assert [m.kind for m in rest.items] == ["receive"]
    set_levels(session=session, actor=CLERK, code="TEE-01", reorder_point=2)
    assert [r.sku for r in list_levels(session=session, low=True).items] == ["TEE-01"]
    assert [r.sku for r in list_levels(session=session).items] == ["MUG-01", "TEE-01"]
    page = list_levels(session=session, limit=1)
    assert [r.sku for r in list_levels(session=session, after=page.next_after).items] == ["TEE-01"]


# ---------------------------------------------------------------- alerts


def _alerts(session: Session) -> tuple[int, int]:
    notes = session.exec(select(Notification).where(Notification.link_kind == "variant")).all()
    mails = session.exec(select(OutboxMessage).where(OutboxMessage.template == "low_stock")).all()
    return len(notes), len(mails)


def test_low_stock_alert_once_per_crossing(session: Session) -> None:
    settings.set_value(session=session, actor=CLERK, key="alert_emails", raw="boss@shop.example, keeper@shop.example")
    vid = stocked(session, quantity=10)
    set_levels(session=session, actor=CLERK, code="TEE-01", reorder_point=5)
    assert _alerts(session) == (0, 0)
    sell(session=session, actor=CLERK, variant_id=vid, quantity=5, ref_kind=None, ref_id=None)  # 5: crossing
    assert _alerts(session) == (1, 2)
    reserve(session=session, actor=CLERK, variant_id=vid, quantity=2, ref_kind="order", ref_id=1)  # 3: still low
    adjust(session=session, actor=CLERK, code="TEE-01", quantity=-1, reason="lost")
    assert _alerts(session) == (1, 2)
    restock(session=session, actor=CLERK, code="TEE-01", quantity=10)  # back above
    assert session.exec(select(StockLevel.alerted)).one() is False
    adjust(session=session, actor=CLERK, code="TEE-01", quantity=-9, reason="damaged")  # crosses again
    assert _alerts(session) == (2, 4)
    mail = session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).first()
    assert mail is not None and "TEE-01" in mail.subject and mail.recipient == "boss@shop.example"


def test_low_then_out_of_stock_alerts_once_per_crossing_not_per_sale(session: Session) -> None:
    settings.set_value(session=session, actor=CLERK, key="alert_emails", raw="boss@shop.example")
    vid = stocked(session, quantity=6)
    set_levels(session=session, actor=CLERK, code="TEE-01", reorder_point=3)

    def sell_now(quantity: int) -> None:
        sell(session=session, actor=CLERK, variant_id=vid, quantity=quantity, ref_kind=None, ref_id=None)

    def titles() -> list[str]:
        return [n.title for n in session.exec(select(Notification).order_by(Notification.id))]

    sell_now(3)  # 3 left: low
    assert titles() == ["TEE-01 is low on stock at MAIN"] and _alerts(session) == (1, 1)
    sell_now(2)  # 1 left: still low, no repeat
    assert _alerts(session) == (1, 1)
    sell_now(1)  # none left: crosses to out of stock, alerted once more (notification and email)
    assert titles()[-1] == "TEE-01 is out of stock at MAIN" and _alerts(session) == (2, 2)
    note = session.exec(select(Notification).order_by(Notification.id.desc())).first()  # type: ignore[union-attr]
    assert note is not None and note.severity == "error" and note.link_id == str(vid)
    mail = session.exec(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()  # type: ignore[union-attr]
    assert mail is not None and "out of stock" in mail.subject and mail.recipient == "boss@shop.example"
    adjust(session=session, actor=CLERK, code="TEE-01", quantity=0 + 1, reason="found")  # 1: low again
    reserve(session=session, actor=CLERK, variant_id=vid, quantity=1, ref_kind="order", ref_id=9)  # 0 again
    assert _alerts(session) == (3, 3)  # a new crossing to zero
    release(session=session, actor=CLERK, variant_id=vid, quantity=1, ref_kind="order", ref_id=9)
    reserve(session=session, actor=CLERK, variant_id=vid, quantity=1, ref_kind="order", ref_id=10)
    assert _alerts(session) == (4, 4)
    assert session.exec(select(StockLevel.alerted, StockLevel.alerted_out)).one() == (True, True)


def test_straight_to_zero_alerts_once_as_out_of_stock(session: Session) -> None:
    vid = stocked(session, quantity=4)
    set_levels(session=session, actor=CLERK, code="TEE-01", reorder_point=2)
    sell(session=session, actor=CLERK, variant_id=vid, quantity=4, ref_kind=None, ref_id=None)
    notes = session.exec(select(Notification.title)).all()
    assert notes == ["TEE-01 is out of stock at MAIN"]


def test_evaluate_alerts_raises_the_out_of_stock_alert_of_a_low_level(session: Session) -> None:
    vid = stocked(session, quantity=1)
    set_levels(session=session, actor=CLERK, code="TEE-01", reorder_point=3)  # low now: alerted
    assert _alerts(session) == (1, 0)
    # a bulk path (stocktake posting) changes the level without the ledger writer's check, then evaluates
    session.execute(text("UPDATE stock_level SET on_hand = 0"))
    level = session.exec(select(StockLevel)).one()
    assert evaluate_alerts(session=session, location_id=level.location_id, variant_ids=[vid]) == 1
    assert evaluate_alerts(session=session, location_id=level.location_id, variant_ids=[vid]) == 0
    assert session.exec(select(Notification.title).order_by(Notification.id.desc())).first() == \
        "TEE-01 is out of stock at MAIN"


@pytest.mark.parametrize(("available", "point", "flags", "expected"), [
    (5, None, (True, True), ((False, False), False)),
    (5, 3, (True, False), ((False, False), False)),
    (3, 3, (False, False), ((True, False), True)),
    (2, 3, (True, False), ((True, False), False)),
    (0, 3, (True, False), ((True, True), True)),
    (0, 3, (True, True), ((True, True), False)),
    (1, 3, (True, True), ((True, False), False)),
    (0, 3, (False, False), ((True, True), True)),
])
def test_alert_step(available: int, point: int | None, flags: tuple[bool, bool],
                    expected: tuple[tuple[bool, bool], bool]) -> None:
    assert alert_step(available, point, *flags) == expected


def test_digest_mode_queues_no_single_mails_and_digest_collects(session: Session) -> None:
    settings.set_value(session=session, actor=CLERK, key="alert_emails", raw="boss@shop.example")
    settings.set_value(session=session, actor=CLERK, key="low_stock_alerts", raw="digest")
    vid = stocked(session, quantity=3)
    stocked(session, "MUG-01", 9)
    set_levels(session=session, actor=CLERK, code="TEE-01", reorder_point=5)
    sell(session=session, actor=CLERK, variant_id=vid, quantity=1, ref_kind=None, ref_id=None)
    assert _alerts(session) == (1, 0)
    result = low_stock_digest(session=session, actor=CLERK)
    assert (result.low, result.emails) == (1, 1)
    digest = session.exec(select(OutboxMessage).where(OutboxMessage.template == "low_stock_digest")).one()
    assert "TEE-01" in digest.body and "MUG-01" not in digest.body


def test_no_reorder_point_no_alert(session: Session) -> None:
    vid = stocked(session, quantity=1)
    sell(session=session, actor=CLERK, variant_id=vid, quantity=1, ref_kind=None, ref_id=None)
    assert _alerts(session) == (0, 0)


# ---------------------------------------------------------------- policies


def test_set_levels_and_suggest_levels(session: Session, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    vid = stocked(session, quantity=500)
    for day in range(30):
        with clock.frozen(frozen_clock - timedelta(days=day, hours=1)):
            sell(session=session, actor=CLERK, variant_id=vid, quantity=2 if day % 2 else 4, ref_kind=None,
                     ref_id=None)
    [s] = suggest_levels(session=session, days=30)
    assert s.sold == 90 and s.daily_mean == 3.0 and s.daily_stdev == 1.0 and s.lead_time_days == 7
    # safety = ceil(1.65 * 1 * sqrt(7)) = ceil(4.37) = 5; reorder point = 3 * 7 + 5 = 26
    assert (s.safety_stock, s.reorder_point) == (5, 26)
    apply_level_suggestions(session=session, actor=CLERK, days=30)
    shown = stock_of(session=session, code="TEE-01")
    assert (shown.safety_stock, shown.reorder_point) == (5, 26)
    with pytest.raises(InvalidInput, match="from 0 to"):
        set_levels(session=session, actor=CLERK, code="TEE-01", reorder_point=-1)
    with pytest.raises(InvalidInput, match="1 to 365 days"):
        suggest_levels(session=session, days=0)


# ---------------------------------------------------------------- db check and dashboard


def test_check_finds_a_level_out_of_step(session: Session) -> None:
    stocked(session, quantity=4)
    ledger_ok(session)
    session.execute(text("UPDATE stock_level SET on_hand = 5"))
    [problem] = check_stock_ledger(session=session)
    assert "level on hand 5" in problem and "ledger sums to on hand 4" in problem
    session.execute(text("DELETE FROM stock_movement"))
    [problem] = check_stock_ledger(session=session)
    assert "with no movements" in problem


@pytest.mark.sqlite_only(reason="SQLite's query plan (EXPLAIN QUERY PLAN)")
def test_check_query_uses_the_covering_index(session: Session) -> None:
    plan = " ".join(str(row[-1]) for row in session.execute(text(
        "EXPLAIN QUERY PLAN SELECT variant_id, location_id, sum(quantity), sum(committed_change) "
        "FROM stock_movement GROUP BY variant_id, location_id")))
    assert "COVERING INDEX ix_stock_movement_ledger" in plan


def test_dashboard_figures(session: Session) -> None:
    vid = stocked(session, quantity=3)
    stocked(session, "MUG-01", 0)
    restock(session=session, actor=CLERK, code="MUG-01", quantity=1)
    adjust(session=session, actor=CLERK, code="MUG-01", quantity=-1, reason="lost")
    set_levels(session=session, actor=CLERK, code="TEE-01", reorder_point=3)
    from shoptui.services.inventory import figures as inventory_figures

    figures = {f.key: f.value for f in inventory_figures.dashboard_figures(session=session)}
    assert figures == {"low_stock": "1", "out_of_stock": "1", "open_pos": "0", "stocktake_accuracy": "–"}
    assert vid
