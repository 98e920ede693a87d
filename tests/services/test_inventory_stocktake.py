"""Stocktakes: freeze, count (scan, set, CSV), movements during the count, review, post once."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from shoptui.errors import Conflict, InvalidInput
from shoptui.models.inventory import StockMovement
from shoptui.services.inventory import stocktake as st
from shoptui.services.inventory.changes import adjust, restock
from shoptui.services.inventory.checks import check_stock_ledger
from shoptui.services.inventory.ledger import Movement, book_many, sell
from shoptui.services.inventory.levels import levels_for
from shoptui.services.inventory.locations import default_location
from shoptui.services.shop import audit
from tests.services.inventory_helpers import CLERK, make_category, make_variant


@pytest.fixture
def shelf(session: Session) -> dict[str, int]:
    ids = {}
    for sku, qty, cost in (("TEE-01", 10, 1000), ("MUG-01", 5, 300), ("HAT-01", 2, 500)):
        ids[sku] = make_variant(session, sku, cost=cost, barcode=f"69{len(ids)}")
        restock(session=session, actor=CLERK, code=sku, quantity=qty)
    return ids


def test_scan_set_and_movements_during_the_count(session: Session, shelf: dict[str, int]) -> None:
    take = st.start_stocktake(session=session, actor=CLERK)
    assert take.lines == 3 and take.counted == 0
    # a sale of 1 TEE-01 before its shelf is counted: 9 on the shelf, 10 - 1 expected
    sell(session=session, actor=CLERK, variant_id=shelf["TEE-01"], quantity=1, ref_kind=None, ref_id=None)
    for _ in range(9):
        st.count(session=session, actor=CLERK, stocktake_id=take.id, code="690")  # scanning TEE-01's barcode
    st.count(session=session, actor=CLERK, stocktake_id=take.id, code="MUG-01", quantity=5, mode="set")
    st.count(session=session, actor=CLERK, stocktake_id=take.id, code="HAT-01", quantity=2, mode="set")
    review = st.review(session=session, stocktake_id=take.id)
    assert review.variances == [] and review.matched == 3 and review.uncounted == []
    report = st.post(session=session, actor=CLERK, stocktake_id=take.id)
    assert report.adjusted == 0 and report.stocktake.accuracy_bp == 10_000
    assert levels_for(session, [shelf["TEE-01"]])[shelf["TEE-01"]].on_hand == 9


def test_movements_after_a_count_roll_forward_on_top_of_it(session: Session, shelf: dict[str, int]) -> None:
    """Count 10 (expected 10), sell 2: no variance, and the book stays at 8 (issue 11 item 7)."""
    take = st.start_stocktake(session=session, actor=CLERK)
    st.count(session=session, actor=CLERK, stocktake_id=take.id, code="TEE-01", quantity=10, mode="set")
    st.count(session=session, actor=CLERK, stocktake_id=take.id, code="MUG-01", quantity=4, mode="set")  # -1
    sell(session=session, actor=CLERK, variant_id=shelf["TEE-01"], quantity=2, ref_kind=None, ref_id=None)
    sell(session=session, actor=CLERK, variant_id=shelf["MUG-01"], quantity=1, ref_kind=None, ref_id=None)
    review = st.review(session=session, stocktake_id=take.id)
    assert [(v.sku, v.expected + v.moved, v.counted, v.variance, v.moved_after) for v in review.variances] == [
        ("MUG-01", 5, 4, -1, -1)]
    assert review.matched == 1 and review.needs_reason == 0
    report = st.post(session=session, actor=CLERK, stocktake_id=take.id, uncounted="keep")
    assert (report.adjusted, report.units_variance) == (1, -1)
    levels = levels_for(session, [shelf["TEE-01"], shelf["MUG-01"]])
    assert levels[shelf["TEE-01"]].on_hand == 8  # the shelf: 10 counted - 2 sold
    assert levels[shelf["MUG-01"]].on_hand == 3  # 4 counted - 1 sold
    assert check_stock_ledger(session=session) == []
    posted = audit.list_entries(session=session, entity="stocktake").items[0]  # item 48: before/after on hand
    assert posted.action == "stocktake.post"
    assert (posted.before["on_hand"], posted.after["on_hand"]) == ({"MUG-01": 4}, {"MUG-01": 3})


def test_a_recount_moves_counted_at(session: Session, shelf: dict[str, int]) -> None:
    """Sold 2 after a first count of 10, then recounted 8: the recount is the truth at its own time."""
    take = st.start_stocktake(session=session, actor=CLERK)
    st.count(session=session, actor=CLERK, stocktake_id=take.id, code="TEE-01", quantity=10, mode="set")
    sell(session=session, actor=CLERK, variant_id=shelf["TEE-01"], quantity=2, ref_kind=None, ref_id=None)
    st.count(session=session, actor=CLERK, stocktake_id=take.id, code="TEE-01", quantity=8, mode="set")
    line = st.review(session=session, stocktake_id=take.id)
    assert line.variances == [] and line.matched == 1
    st.post(session=session, actor=CLERK, stocktake_id=take.id, uncounted="keep")
    assert levels_for(session, [shelf["TEE-01"]])[shelf["TEE-01"]].on_hand == 8


def test_variance_review_reason_and_post_once(session: Session, shelf: dict[str, int]) -> None:
    take = st.start_stocktake(session=session, actor=CLERK)
    st.count(session=session, actor=CLERK, stocktake_id=take.id, code="TEE-01", quantity=2, mode="set")  # -8: over
    st.count(session=session, actor=CLERK, stocktake_id=take.id, code="MUG-01", quantity=4, mode="set")  # -1
    review = st.review(session=session, stocktake_id=take.id)
    assert [(v.sku, v.variance, v.value_minor, v.needs_reason) for v in review.variances] == [
        ("TEE-01", -8, -8000, True), ("MUG-01", -1, -300, False)]
    assert [u.sku for u in review.uncounted] == ["HAT-01"]
    with pytest.raises(InvalidInput, match="1 variant.*not counted.*--uncounted zero"):
        st.post(session=session, actor=CLERK, stocktake_id=take.id)
    with pytest.raises(InvalidInput, match=r"need a reason before posting: TEE-01 \(-8\), HAT-01 \(uncounted, set to "
                                           r"0: -2\)"):
        st.post(session=session, actor=CLERK, stocktake_id=take.id, uncounted="zero")
    assert session.exec(select(StockMovement).where(StockMovement.kind == "stocktake")).all() == []
    st.set_reason(session=session, actor=CLERK, stocktake_id=take.id, code="TEE-01", reason="box in back room")
    with pytest.raises(InvalidInput, match=r"^1 line is over .*needs a reason .*: HAT-01 \(uncounted"):
        st.post(session=session, actor=CLERK, stocktake_id=take.id, uncounted="zero")
    st.set_reason(session=session, actor=CLERK, stocktake_id=take.id, code="HAT-01", reason="sold out, shelf empty")
    report = st.post(session=session, actor=CLERK, stocktake_id=take.id, uncounted="zero")
    assert report.adjusted == 3 and report.units_variance == -11
    assert report.stocktake.accuracy_bp == 0
    moves = session.exec(select(StockMovement.quantity).where(StockMovement.kind == "stocktake")
                         .order_by(StockMovement.variant_id)).all()
    assert moves == [-8, -1, -2]
    assert check_stock_ledger(session=session) == []
    with pytest.raises(Conflict, match="already posted.*only once"):
        st.post(session=session, actor=CLERK, stocktake_id=take.id, uncounted="zero")
    with pytest.raises(Conflict, match="already posted"):
        st.count(session=session, actor=CLERK, stocktake_id=take.id, code="TEE-01")


def test_uncounted_keep_leaves_them(session: Session, shelf: dict[str, int]) -> None:
    take = st.start_stocktake(session=session, actor=CLERK)
    st.count(session=session, actor=CLERK, stocktake_id=take.id, code="MUG-01", quantity=6, mode="set")
    report = st.post(session=session, actor=CLERK, stocktake_id=take.id, uncounted="keep")
    assert report.adjusted == 1
    levels = levels_for(session, list(shelf.values()))
    assert [levels[v].on_hand for v in shelf.values()] == [10, 6, 2]


def test_csv_import_adds_and_refuses_bad_files_whole(session: Session, shelf: dict[str, int]) -> None:
    take = st.start_stocktake(session=session, actor=CLERK)
    result = st.import_counts(session=session, actor=CLERK, stocktake_id=take.id, text="SKU,counted\nTEE-01,6\n691,5\n")
    assert (result.lines, result.units) == (2, 11)
    st.import_counts(session=session, actor=CLERK, stocktake_id=take.id, text="TEE-01,4\n")  # second counter adds
    bad = "sku,counted\nTEE-01,1\nNOPE,3\nMUG-01,abc\nTEE-01,2\nHAT-01\n"
    with pytest.raises(InvalidInput) as err:
        st.import_counts(session=session, actor=CLERK, stocktake_id=take.id, text=bad)
    message = str(err.value)
    assert "nothing changed" in message
    assert "line 3: unknown SKU or barcode 'NOPE'" in message
    assert "line 4: the count 'abc' of MUG-01" in message
    assert "line 5: TEE-01 is a duplicate of line 2" in message
    assert "line 6: expected 2 columns" in message
    lines = {line.sku: line.counted for line in st.review(session=session, stocktake_id=take.id).variances}
    assert st.report(session=session, stocktake_id=take.id).lines and lines.get("TEE-01") is None  # 10 == 10
    counted = {line.sku: line.counted for line in st.report(session=session, stocktake_id=take.id).lines}
    assert counted == {"TEE-01": 10, "MUG-01": 5, "HAT-01": None}
    with pytest.raises(InvalidInput, match="no counts"):
        st.import_counts(session=session, actor=CLERK, stocktake_id=take.id, text="sku,counted\n")


def test_category_scope_and_second_open_stocktake(session: Session) -> None:
    clothes = make_category(session, "Clothes")
    shirts = make_category(session, "Shirts", clothes)
    kitchen = make_category(session, "Kitchen")
    make_variant(session, "TEE-01", category=shirts)
    make_variant(session, "MUG-01", category=kitchen)
    take = st.start_stocktake(session=session, actor=CLERK, category_id=clothes.id)
    assert take.lines == 1
    with pytest.raises(InvalidInput, match="MUG-01 is not in stocktake"):
        st.count(session=session, actor=CLERK, stocktake_id=take.id, code="MUG-01")
    with pytest.raises(Conflict, match="still counting at MAIN"):
        st.start_stocktake(session=session, actor=CLERK)
    with pytest.raises(InvalidInput, match="from 0 to 1,000,000, not -1"):
        st.count(session=session, actor=CLERK, stocktake_id=take.id, code="TEE-01", quantity=-1, mode="set")


def test_undo_last_scan(session: Session, shelf: dict[str, int]) -> None:
    take = st.start_stocktake(session=session, actor=CLERK)
    st.count(session=session, actor=CLERK, stocktake_id=take.id, code="TEE-01")
    st.count(session=session, actor=CLERK, stocktake_id=take.id, code="TEE-01")
    assert st.count(session=session, actor=CLERK, stocktake_id=take.id, code="TEE-01", mode="undo").counted == 1
    with pytest.raises(Conflict, match="no count to undo"):
        st.count(session=session, actor=CLERK, stocktake_id=take.id, code="MUG-01", mode="undo")


def test_uncounted_zero_goes_through_the_controls_and_accuracy_counts_counted_lines(
        session: Session, shelf: dict[str, int]) -> None:
    """Issue 11 item 8: zeroing uncounted lines needs reasons like any variance; accuracy is of counted lines."""
    take = st.start_stocktake(session=session, actor=CLERK)
    st.count(session=session, actor=CLERK, stocktake_id=take.id, code="HAT-01", quantity=1, mode="set")  # wrong
    st.set_reason(session=session, actor=CLERK, stocktake_id=take.id, code="HAT-01", reason="one sold unrecorded")
    with pytest.raises(InvalidInput, match=r"^2 lines are over the variance thresholds and need a reason before "
                                           r"posting: TEE-01 \(uncounted, set to 0: -10\), MUG-01 \(uncounted, set to "
                                           r"0: -5\)\. Add one with 'shoptui stocktake reason"):
        st.post(session=session, actor=CLERK, stocktake_id=take.id, uncounted="zero")
    assert session.exec(select(StockMovement).where(StockMovement.kind == "stocktake")).all() == []
    for sku in ("TEE-01", "MUG-01"):
        st.set_reason(session=session, actor=CLERK, stocktake_id=take.id, code=sku, reason="moved to the other shop")
    report = st.post(session=session, actor=CLERK, stocktake_id=take.id, uncounted="zero")
    assert report.stocktake.accuracy_bp == 0  # the only counted line was wrong
    assert (report.adjusted, report.units_variance) == (3, -16)
    levels = levels_for(session, list(shelf.values()))
    assert [levels[v].on_hand for v in shelf.values()] == [0, 0, 1]


def test_the_stocktake_books_through_the_ledger_writer_with_the_rows_a_single_booking_writes(
        session: Session, shelf: dict[str, int]) -> None:
    """One writer, two forms: the stocktake's rows (bulk) carry the same columns as an adjustment's (single),
    a variant with no level here yet gets one, and the ledger still sums to the levels."""
    adjust(session=session, actor=CLERK, code="HAT-01", quantity=-1, reason="damaged", note="torn")
    single = session.exec(select(StockMovement).where(StockMovement.kind == "adjustment")).one()
    fresh = make_variant(session, "NEW-01", cost=200)  # no level row at any location yet
    take = st.start_stocktake(session=session, actor=CLERK)
    st.count(session=session, actor=CLERK, stocktake_id=take.id, code="TEE-01", quantity=8, mode="set")
    st.count(session=session, actor=CLERK, stocktake_id=take.id, code="NEW-01", quantity=3, mode="set")
    for sku in ("TEE-01", "NEW-01"):
        st.set_reason(session=session, actor=CLERK, stocktake_id=take.id, code=sku, reason="recount")
    st.post(session=session, actor=CLERK, stocktake_id=take.id, uncounted="keep")
    bulk = session.exec(select(StockMovement).where(StockMovement.kind == "stocktake")
                        .order_by(col(StockMovement.variant_id))).all()
    assert [(m.variant_id, m.quantity, m.unit_cost_minor, m.note) for m in bulk] == [
        (shelf["TEE-01"], -2, 1000, "recount"), (fresh, 3, 200, "recount")]
    filled = {name for name, value in single.model_dump().items() if value not in (None, "")}
    for move in bulk:
        assert {name for name, value in move.model_dump().items() if value not in (None, "")} >= filled
        assert (move.location_id, move.actor, move.source, move.reason, move.ref_kind, move.ref_id) == (
            single.location_id, "clerk", "test", "stocktake", "stocktake", str(take.id))
    assert levels_for(session, [fresh])[fresh].on_hand == 3
    assert check_stock_ledger(session=session) == []


def test_book_many_moves_levels_and_ledger_together(session: Session, shelf: dict[str, int]) -> None:
    location = default_location(session)
    booked = book_many(session, CLERK, location.id, [
        Movement(shelf["MUG-01"], -2, 300, "note"), Movement(shelf["TEE-01"], 0),
        Movement(shelf["HAT-01"], 4)], kind="adjustment", reason="bulk", ref_kind="test", ref_id=7)
    assert booked == 2  # a zero movement is no movement
    levels = levels_for(session, list(shelf.values()))
    assert (levels[shelf["MUG-01"]].on_hand, levels[shelf["TEE-01"]].on_hand, levels[shelf["HAT-01"]].on_hand) == (
        3, 10, 6)
    moves = session.exec(select(StockMovement).where(StockMovement.reason == "bulk")).all()
    assert sorted((m.variant_id, m.quantity, m.ref_id) for m in moves) == sorted(
        [(shelf["MUG-01"], -2, "7"), (shelf["HAT-01"], 4, "7")])
    assert check_stock_ledger(session=session) == []
