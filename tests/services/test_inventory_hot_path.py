"""The lean paths of a sale or restock: prebuilt statements, the alert folded into the level update,
the location cache of a unit of work, audit lines written directly, and the transaction's URL fast path."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, make_url
from sqlmodel import Session, col, select

from shoptui import db
from shoptui.errors import Conflict, InvalidInput, NotFound
from shoptui.models.inventory import StockLevel, StockMovement
from shoptui.models.store import AuditEntry, Notification
from shoptui.services.inventory import listing
from shoptui.services.inventory.changes import restock
from shoptui.services.inventory.checks import check_stock_ledger
from shoptui.services.inventory.ledger import _NEW_LEVEL, reserve, sell
from shoptui.services.inventory.levels import (
    _LEVEL_BY_SKU,
    _LEVEL_BY_SKU_AT,
    _LEVEL_OF_VARIANT,
    _LEVEL_OF_VARIANT_AT,
    level_of,
    levels_for,
)
from shoptui.services.inventory.listing import list_levels
from shoptui.services.inventory.locations import add_location, default_location, find_location
from shoptui.services.inventory.policies import set_levels
from shoptui.services.inventory.variants import find_variant
from shoptui.services.shop import audit
from tests.services.inventory_helpers import CLERK, make_variant


@contextmanager
def statements(session: Session) -> Iterator[list[str]]:
    """Every statement the store runs meanwhile: SQLAlchemy's and the prepared hot-path ones alike
    (those go straight to the driver, so SQLAlchemy's events do not see them)."""
    seen: list[str] = []
    engine = session.get_bind()
    driver = session.connection().connection.driver_connection

    def log(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        sqlalchemy_seen.append(statement)

    sqlalchemy_seen: list[str] = []
    event.listen(engine, "before_cursor_execute", log)
    driver.set_trace_callback(seen.append)  # type: ignore[union-attr]
    try:
        yield seen
    finally:
        driver.set_trace_callback(None)  # type: ignore[union-attr]
        event.remove(engine, "before_cursor_execute", log)
    assert len(seen) >= len(sqlalchemy_seen)  # the driver saw at least what SQLAlchemy sent


def test_alert_uses_the_reorder_point_of_the_variant_sold(session: Session) -> None:
    """Each level's own reorder point decides: a neighbour's higher point must not raise an alert."""
    high = make_variant(session, "HIGH-01")
    low = make_variant(session, "LOW-01")
    for sku in ("HIGH-01", "LOW-01"):
        restock(session=session, actor=CLERK, code=sku, quantity=10)
    set_levels(session=session, actor=CLERK, code="HIGH-01", reorder_point=50)  # alerts at once: 10 <= 50
    set_levels(session=session, actor=CLERK, code="LOW-01", reorder_point=2)
    sell(session=session, actor=CLERK, variant_id=low, quantity=5, ref_kind=None, ref_id=None)  # 5 > 2
    notes = session.exec(select(Notification.link_id).where(Notification.link_kind == "variant")).all()
    assert [str(n) for n in notes] == [str(high)]
    sell(session=session, actor=CLERK, variant_id=low, quantity=3, ref_kind=None, ref_id=None)  # 2 <= 2
    notes = session.exec(select(Notification.link_id).where(Notification.link_kind == "variant")).all()
    assert sorted(str(n) for n in notes) == sorted([str(high), str(low)])
    flags = dict(session.exec(select(StockLevel.variant_id, StockLevel.alerted)).all())
    assert flags == {high: True, low: True}


def test_removing_the_reorder_point_clears_the_flag_at_the_next_movement(session: Session) -> None:
    vid = make_variant(session, "TEE-01")
    restock(session=session, actor=CLERK, code="TEE-01", quantity=3)
    set_levels(session=session, actor=CLERK, code="TEE-01", reorder_point=5)
    assert session.exec(select(StockLevel.alerted)).one() is True
    set_levels(session=session, actor=CLERK, code="TEE-01", clear_reorder_point=True)
    sell(session=session, actor=CLERK, variant_id=vid, quantity=1, ref_kind=None, ref_id=None)
    assert session.exec(select(StockLevel.alerted)).one() is False


def test_a_new_default_location_in_the_same_transaction_is_seen(session: Session) -> None:
    """The location cache of a unit of work is emptied when a location is added."""
    vid = make_variant(session, "TEE-01")
    restock(session=session, actor=CLERK, code="TEE-01", quantity=2)  # MAIN, now cached as default
    back = add_location(session=session, actor=CLERK, code="back", name="Back room", make_default=True)
    restock(session=session, actor=CLERK, code="TEE-01", quantity=3)
    assert default_location(session).code == "BACK"
    assert levels_for(session, [vid], location_id=back.id)[vid].on_hand == 3
    assert find_location(session, "back").id == back.id == find_location(session, back.id).id
    with pytest.raises(NotFound, match="'NOPE'.*BACK, MAIN"):
        find_location(session, "NOPE")


def test_find_variant_is_the_catalogue_lookup(session: Session) -> None:
    make_variant(session, "TEE-01", barcode="4006381333931")
    make_variant(session, "4006381333931")  # a SKU equal to another variant's barcode wins
    assert find_variant(session, " TEE-01 ").sku == "TEE-01"
    assert find_variant(session, "4006381333931").sku == "4006381333931"
    with pytest.raises(NotFound, match="'NOPE-1'"):
        find_variant(session, "NOPE-1")
    with pytest.raises(InvalidInput):
        find_variant(session, "  ")


@pytest.mark.sqlite_only(reason="the statements of the prepared SQLite fast path")
def test_a_sale_is_five_statements_and_audited_in_order(session: Session) -> None:
    vid = make_variant(session, "TEE-01", cost=250)
    restock(session=session, actor=CLERK, code="TEE-01", quantity=5)
    with statements(session) as seen:
        level = sell(session=session, actor=CLERK, variant_id=vid, quantity=2, ref_kind="order", ref_id=9)
    assert level is not None and (level.on_hand, level.available) == (3, 3)
    # the variant, the conditional level update (with alert flag and reorder point), the movement, its day and month
    # rows of the ledger's rollup (one statement: the stock report's stock on a past day), the audit line
    assert len(seen) == 5, seen
    assert sum("stock_move_rollup" in s for s in seen) == 1, seen
    move = session.exec(select(StockMovement).order_by(col(StockMovement.id).desc())).first()
    assert move is not None and (move.kind, move.quantity, move.unit_cost_minor, move.ref_id) == ("sale", -2, 250, "9")
    entries = session.exec(select(AuditEntry.action, AuditEntry.summary, AuditEntry.entity_id)
                           .where(col(AuditEntry.action).startswith("stock."))
                           .order_by(col(AuditEntry.id))).all()
    assert entries[-2:] == [("stock.restock", "restocked 5 x TEE-01 at MAIN", str(vid)),
                            ("stock.sell", "sell 2 x TEE-01 at MAIN for order 9", str(vid))]


def _plan(session: Session, sql: str) -> str:
    return " ".join(str(row[-1]) for row in session.connection().exec_driver_sql(
        "EXPLAIN QUERY PLAN " + sql, (0,) * sql.count("?")))


@pytest.mark.sqlite_only(reason="SQLite's query plan (EXPLAIN QUERY PLAN)")
def test_level_of_is_one_indexed_point_query(session: Session) -> None:
    tee = make_variant(session, "TEE-01", barcode="4006381333931")
    mug = make_variant(session, "MUG-01")
    back = add_location(session=session, actor=CLERK, code="back", name="Back room")
    restock(session=session, actor=CLERK, code="TEE-01", quantity=5)
    restock(session=session, actor=CLERK, code="TEE-01", quantity=2, location="BACK")
    reserve(session=session, actor=CLERK, variant_id=tee, quantity=3, ref_kind="order", ref_id=1)
    with statements(session) as seen:
        level = level_of(session, " TEE-01 ")
    assert len(seen) == 1, seen
    assert level.model_dump() == {"variant_id": tee, "location_id": None, "on_hand": 7, "committed": 3,
                                  "available": 4, "incoming": 0}
    at_back = level_of(session, "TEE-01", location_id=back.id)
    assert (at_back.location_id, at_back.on_hand, at_back.committed, at_back.available) == (back.id, 2, 0, 2)
    assert level_of(session, "4006381333931") == level  # a barcode goes through find_variant
    assert level_of(session, "MUG-01").model_dump(include={"variant_id", "on_hand", "available"}) == {
        "variant_id": mug, "on_hand": 0, "available": 0}  # no level row yet: zeros
    assert level_of(session, "MUG-01", location_id=back.id).on_hand == 0
    with pytest.raises(NotFound, match="'NOPE-1'"):
        level_of(session, "NOPE-1")
    for prepared in (_LEVEL_BY_SKU, _LEVEL_BY_SKU_AT):
        plan = _plan(session, prepared._compiled["sqlite"].sql)
        assert "SCAN" not in plan and "(sku=?)" in plan and "stock_level" in plan, plan


@pytest.mark.sqlite_only(reason="SQLite's query plan (EXPLAIN QUERY PLAN)")
def test_levels_for_one_variant_is_a_point_query_too(session: Session) -> None:
    tee = make_variant(session, "TEE-01")
    back = add_location(session=session, actor=CLERK, code="back", name="Back room")
    restock(session=session, actor=CLERK, code="TEE-01", quantity=4)
    restock(session=session, actor=CLERK, code="TEE-01", quantity=1, location="BACK")
    with statements(session) as seen:
        total = levels_for(session, [tee, tee])
    assert len(seen) == 1 and list(total) == [tee] and (total[tee].on_hand, total[tee].location_id) == (5, None)
    assert levels_for(session, [tee], location_id=back.id)[tee].on_hand == 1
    assert levels_for(session, [tee + 99])[tee + 99].on_hand == 0
    assert levels_for(session, [tee + 99], location_id=back.id)[tee + 99].available == 0
    for prepared in (_LEVEL_OF_VARIANT, _LEVEL_OF_VARIANT_AT):
        assert "SCAN" not in _plan(session, prepared._compiled["sqlite"].sql)


@pytest.mark.sqlite_only(reason="the prepared statements of the sqlite3 driver")
def test_prepared_statements_store_what_sqlalchemy_stores_and_raise_its_errors(session: Session,
                                                                               frozen_clock) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import IntegrityError

    vid = make_variant(session, "TEE-01", cost=250)
    restock(session=session, actor=CLERK, code="TEE-01", quantity=3)
    move = session.exec(select(StockMovement).where(StockMovement.variant_id == vid)).one()
    assert move.at == frozen_clock and move.at.tzinfo is not None  # read back through the UTC column type
    assert move.at == session.exec(select(StockLevel.updated_at)).one()
    raw = session.connection().exec_driver_sql("SELECT at FROM stock_movement").scalar()
    audit_at = session.connection().exec_driver_sql("SELECT at FROM audit_entry ORDER BY id DESC").scalar()
    assert raw == audit_at  # the same text SQLAlchemy writes for the audit line's time
    flags = session.connection().exec_driver_sql("SELECT alerted FROM stock_level").scalar()
    assert flags == 0
    with pytest.raises(IntegrityError, match="FOREIGN KEY"):  # a driver error comes as SQLAlchemy's kind
        _NEW_LEVEL.execute(session, {"vid": vid, "lid": 999, "now": frozen_clock})
    assert levels_for(session, [vid])[vid].on_hand == 3


def test_hot_path_audit_lines_match_audit_record(session: Session) -> None:
    make_variant(session, "TEE-01", cost=250)
    restock(session=session, actor=CLERK, code="TEE-01", quantity=5, unit_cost_minor=400)
    audit.record(session=session, actor=CLERK, action="compare", entity="variant", entity_id=1, summary="x",
                 before={"cost_minor": 250, "on_hand": 0}, after={"cost_minor": 400, "on_hand": 5})
    session.flush()
    direct, recorded = session.exec(select(AuditEntry).where(col(AuditEntry.action).in_(("stock.restock", "compare")))
                                    .order_by(col(AuditEntry.id))).all()
    assert (direct.before, direct.after) == (recorded.before, recorded.after) == ({"cost_minor": 250, "on_hand": 0},
                                                                                 {"cost_minor": 400, "on_hand": 5})
    assert (direct.actor, direct.source, direct.address, direct.entity) == ("clerk", "test", None, "variant")
    assert direct.at.tzinfo is not None


def test_refused_sale_writes_nothing(session: Session) -> None:
    vid = make_variant(session, "TEE-01")
    restock(session=session, actor=CLERK, code="TEE-01", quantity=1)
    moves = len(session.exec(select(StockMovement.id)).all())
    with pytest.raises(Conflict, match="Only 1 of TEE-01 available at MAIN"):
        sell(session=session, actor=CLERK, variant_id=vid, quantity=2, ref_kind=None, ref_id=None)
    assert len(session.exec(select(StockMovement.id)).all()) == moves
    assert session.exec(select(StockLevel.on_hand)).one() == 1


def test_transaction_skips_resolving_a_known_url(store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with db.transaction(store):
        pass

    def refuse(explicit: str | None = None) -> str:
        raise AssertionError("resolved again")

    monkeypatch.setattr(db, "resolve_database_url", refuse)
    with db.transaction(store) as session, db.read_session(store):
        assert session.get_bind().url == db.get_engine(store).url == make_url(store)
    with pytest.raises(AssertionError):
        db.transaction("sqlite:////elsewhere/not-yet-known.db").__enter__()


# ---------------------------------------------------------------- stocktake post in bulk


@pytest.mark.parametrize("uncounted", ["keep", "zero"])
def test_stocktake_post_books_in_bulk_and_returns_the_stored_report(session: Session, uncounted: str) -> None:
    from shoptui.services.inventory import stocktake as st
    from shoptui.services.shop import settings

    for key in ("stocktake_variance_units", "stocktake_variance_bp", "stocktake_variance_value"):
        settings.set_value(session=session, actor=CLERK, key=key, raw="0")
    ids = {sku: make_variant(session, sku, cost=100 + n) for n, sku in enumerate(("A-1", "B-2", "C-3", "D-4"))}
    for sku in ids:
        restock(session=session, actor=CLERK, code=sku, quantity=10)
    set_levels(session=session, actor=CLERK, code="A-1", reorder_point=4)
    take = st.start_stocktake(session=session, actor=CLERK)
    sell(session=session, actor=CLERK, variant_id=ids["A-1"], quantity=3, ref_kind=None, ref_id=None)  # 7 left
    st.count(session=session, actor=CLERK, stocktake_id=take.id, code="A-1", quantity=4, mode="set")  # -3
    st.count(session=session, actor=CLERK, stocktake_id=take.id, code="B-2", quantity=12, mode="set")  # +2
    st.count(session=session, actor=CLERK, stocktake_id=take.id, code="C-3", quantity=10, mode="set")  # exact
    st.set_reason(session=session, actor=CLERK, stocktake_id=take.id, code="B-2", reason="found behind the till")
    posted = st.post(session=session, actor=CLERK, stocktake_id=take.id, uncounted=uncounted)
    assert posted == st.report(session=session, stocktake_id=take.id)
    on_hand = levels_for(session, list(ids.values()))
    assert {sku: on_hand[vid].on_hand for sku, vid in ids.items()} == {
        "A-1": 4, "B-2": 12, "C-3": 10, "D-4": 0 if uncounted == "zero" else 10}
    moves = session.exec(select(StockMovement.variant_id, StockMovement.quantity, StockMovement.note,
                                StockMovement.unit_cost_minor, StockMovement.ref_id, StockMovement.actor)
                         .where(StockMovement.kind == "stocktake").order_by(col(StockMovement.variant_id))).all()
    expected = [(ids["A-1"], -3, "", 100, str(take.id), "clerk"),
                (ids["B-2"], 2, "found behind the till", 101, str(take.id), "clerk")]
    if uncounted == "zero":
        expected.append((ids["D-4"], -10, "", 103, str(take.id), "clerk"))
    assert [tuple(m) for m in moves] == expected
    assert check_stock_ledger(session=session) == []
    # A-1 fell to its reorder point through the count: one alert
    notes = session.exec(select(Notification.link_id).where(Notification.link_kind == "variant")).all()
    assert [str(n) for n in notes] == [str(ids["A-1"])]
    assert posted.adjusted == (3 if uncounted == "zero" else 2)
    assert posted.stocktake.accuracy_bp == 3333  # counted lines only: 1 of 3 exact, whatever happens to D-4


@pytest.mark.sqlite_only(reason="SQLite's query plan (EXPLAIN QUERY PLAN)")
def test_moved_since_reads_recent_movements_by_id(session: Session) -> None:
    """Counting all variants must not group along the ledger index (it holds every movement ever booked)."""
    from shoptui.services.inventory import stocktake as st

    make_variant(session, "A-1")
    restock(session=session, actor=CLERK, code="A-1", quantity=1)
    take = st.start_stocktake(session=session, actor=CLERK)
    with statements(session) as seen:
        st.review(session=session, stocktake_id=take.id)
    grouped = [s for s in seen if "sum(stock_movement.quantity)" in s]
    assert len(grouped) == 1
    sql = grouped[0]
    plan = " ".join(str(row[-1]) for row in session.connection().exec_driver_sql(
        "EXPLAIN QUERY PLAN " + sql, (0,) * sql.count("?")))
    assert "PRIMARY KEY" in plan and "ix_stock_movement_ledger" not in plan, plan


@pytest.mark.sqlite_only(reason="SQLite's query plan (EXPLAIN QUERY PLAN)")
def test_movements_after_the_counts_are_read_in_bulk(session: Session) -> None:
    """Roll-forward (issue 11 item 7): movements after each line's count come from one query, not one per line."""
    from shoptui.services.inventory import stocktake as st

    ids = [make_variant(session, f"R-{n}") for n in range(30)]
    for n in range(30):
        restock(session=session, actor=CLERK, code=f"R-{n}", quantity=5)
    take = st.start_stocktake(session=session, actor=CLERK)
    for n in range(30):
        st.count(session=session, actor=CLERK, stocktake_id=take.id, code=f"R-{n}", quantity=5, mode="set")
    for vid in ids:
        sell(session=session, actor=CLERK, variant_id=vid, quantity=1, ref_kind=None, ref_id=None)
    with statements(session) as seen:
        review = st.review(session=session, stocktake_id=take.id)
    assert review.variances == [] and review.matched == 30
    assert len([s for s in seen if "sum(stock_movement.quantity)" in s]) == 2  # since the freeze; after the counts
    with statements(session) as seen:
        report = st.post(session=session, actor=CLERK, stocktake_id=take.id)
    assert report.adjusted == 0 and len([s for s in seen if "sum(stock_movement.quantity)" in s]) == 2
    assert {level.on_hand for level in levels_for(session, ids).values()} == {4}


# ---------------------------------------------------------------- list filters


@pytest.mark.sqlite_only(reason="SQLite's query plan (EXPLAIN QUERY PLAN)")
def test_out_of_stock_filter_reads_the_partial_index(session: Session) -> None:
    empty = make_variant(session, "A-1")
    held = make_variant(session, "B-2")
    make_variant(session, "C-3")
    for sku in ("A-1", "B-2", "C-3"):
        restock(session=session, actor=CLERK, code=sku, quantity=2)
    sell(session=session, actor=CLERK, variant_id=empty, quantity=2, ref_kind=None, ref_id=None)
    reserve(session=session, actor=CLERK, variant_id=held, quantity=2, ref_kind="order", ref_id=1)
    with statements(session) as seen:
        page = list_levels(session=session, out=True)
    assert [(r.sku, r.on_hand, r.available, r.out) for r in page.items] == [("A-1", 0, 0, True), ("B-2", 2, 0, True)]
    from shoptui.services.inventory import figures as inventory_figures

    figures = {f.key: f.value for f in inventory_figures.dashboard_figures(session=session)}
    assert figures["out_of_stock"] == "2"
    sql = seen[-1]
    plan = " ".join(str(row[-1]) for row in session.connection().exec_driver_sql(
        "EXPLAIN QUERY PLAN " + sql, (0,) * sql.count("?")))
    assert "ix_stock_level_out" in plan, plan


@pytest.mark.parametrize("match_list", [1000, 1])
def test_title_search_few_none_and_many(session: Session, monkeypatch: pytest.MonkeyPatch, match_list: int) -> None:
    monkeypatch.setattr(listing, "TITLE_MATCH_LIST", match_list)  # 1: two matches take the walk in SKU order
    for sku, title in (("Z-1", "Blue Mug 50%"), ("A-2", "blue mug"), ("M-3", "Red tee"), ("B-4", "Crème brûlée")):
        make_variant(session, sku, title=title)
        restock(session=session, actor=CLERK, code=sku, quantity=1)
    def skus(text: str) -> list[str]:
        return [r.sku for r in list_levels(session=session, search=text).items]
    assert skus("BLUE MUG") == ["A-2", "Z-1"]
    assert skus("mug 50%") == ["Z-1"]  # % is a character, not a wildcard
    assert skus("mug_") == []
    assert skus("brûlée") == ["B-4"]
    assert skus("nothing like this") == []
    first = list_levels(session=session, search="blue", limit=1)
    assert [r.sku for r in first.items] == ["A-2"] and first.next_after is not None
    assert [r.sku for r in list_levels(session=session, search="blue", after=first.next_after).items] == ["Z-1"]


# ---------------------------------------------------------------- the writers' gate (db.py)


@pytest.mark.sqlite_only(reason="the SQLite writers' file gate")
def test_write_gate_wakes_a_waiter_at_once_and_times_out_cleanly(store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import time

    from shoptui.errors import Conflict as Busy

    release = threading.Event()
    held = threading.Event()

    def holder() -> None:
        with db._write_gate(store):
            held.set()
            release.wait(5)

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait(5)
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 150)
    started = time.perf_counter()
    with pytest.raises(Busy, match="busy"):
        with db._write_gate(store):
            pass  # pragma: no cover - must not get here
    assert 0.14 < time.perf_counter() - started < 2
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 10_000)
    waited: list[float] = []

    def waiter() -> None:
        with db._write_gate(store):
            waited.append(time.perf_counter())

    second = threading.Thread(target=waiter)
    second.start()
    time.sleep(0.1)  # the waiter now blocks on the lock
    assert not waited
    let_go = time.perf_counter()
    release.set()
    thread.join(5)
    second.join(5)
    assert waited and waited[0] - let_go < 1.0  # woken by the release (and the abandoned wait let go too)
    with db.transaction(store):  # nothing is left holding the gate
        pass
