"""``shoptui stock|location|supplier|po|stocktake``: output, JSON, and every bad input refused with nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from shoptui import db
from shoptui.models.inventory import StockMovement
from tests.services.inventory_helpers import make_variant


@pytest.fixture
def seeded(store: str) -> str:
    with db.transaction(store) as session:
        make_variant(session, "TEE-01", barcode="6901234567890", cost=800, title="Basic tee")
        make_variant(session, "MUG-01", cost=300, title="Mug «猫»")
    return store


def moves(store: str) -> int:
    with db.read_session(store) as session:
        return session.exec(select(func.count()).select_from(StockMovement)).one()


def ok(result) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code == 0, result.stderr
    return result.stdout


def refused(result, text: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert result.stderr.startswith("error: ") and text in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_restock_show_list_moves(shop, seeded: str) -> None:  # type: ignore[no-untyped-def]
    out = ok(shop("stock", "restock", "TEE-01", "24", "--cost", "12.50", "--note", "spring"))
    assert out.strip() == ("Restocked 24 x TEE-01 at MAIN: on hand 24, committed 0, available 24, incoming 0; "
                           "cost now 12.50.")
    ok(shop("stock", "adjust", "6901234567890", "-3", "--reason", "damaged"))
    shown = json.loads(ok(shop("stock", "show", "TEE-01", "--json")))
    assert shown["total"]["available"] == 21 and shown["cost"] == "12.50" and shown["currency"] == "CNY"
    listed = json.loads(ok(shop("stock", "list", "--json")))
    assert [(r["sku"], r["on_hand"]) for r in listed] == [("TEE-01", 21)]
    history = json.loads(ok(shop("stock", "moves", "TEE-01", "--since", "1d", "--json")))
    assert [(m["kind"], m["quantity"], m["reason"]) for m in history] == [("adjustment", -3, "damaged"),
                                                                         ("receive", 24, None)]
    assert "receive" in ok(shop("stock", "moves", "TEE-01"))
    assert "TEE-01" in ok(shop("stock", "list"))


def test_set_levels_low_list_and_digest(shop, seeded: str) -> None:  # type: ignore[no-untyped-def]
    ok(shop("stock", "restock", "TEE-01", "5"))
    ok(shop("settings", "set", "alert_emails", "boss@shop.example"))
    ok(shop("stock", "set-levels", "TEE-01", "--safety", "2", "--reorder-point", "5"))
    low = json.loads(ok(shop("stock", "list", "--low", "--json")))
    assert [r["sku"] for r in low] == ["TEE-01"] and low[0]["low"] is True
    assert "Queued a low-stock digest of 1 SKU to 1 recipient." in ok(shop("stock", "digest"))
    assert "suggest" in ok(shop("stock", "suggest-levels", "--help"))
    assert "No sales" in ok(shop("stock", "suggest-levels"))


def test_transfer_and_locations(shop, seeded: str) -> None:  # type: ignore[no-untyped-def]
    ok(shop("stock", "restock", "TEE-01", "10"))
    assert "Added location BACK" in ok(shop("location", "add", "back", "Back room"))
    assert [p["code"] for p in json.loads(ok(shop("location", "list", "--json")))] == ["MAIN", "BACK"]
    out = ok(shop("stock", "transfer", "TEE-01", "4", "--from", "MAIN", "--to", "BACK"))
    assert out.strip() == "Moved 4 x TEE-01 from MAIN to BACK: MAIN has 6 available, BACK 4."
    before = moves(seeded)
    refused(shop("stock", "transfer", "TEE-01", "1", "--from", "BACK", "--to", "back"), "same location")
    refused(shop("stock", "transfer", "TEE-01", "1", "--from", "BACK", "--to", "ATTIC"), "no location 'ATTIC'")
    assert moves(seeded) == before


@pytest.mark.parametrize(("args", "message"), [
    (("stock", "restock", "NOPE", "1"), "SKU or barcode 'NOPE'"),
    (("stock", "restock", "TEE-01", "0"), "must be more than zero, not 0"),
    (("stock", "restock", "TEE-01", "-5"), "must be more than zero, not -5"),
    (("stock", "restock", "TEE-01", "99999999"), "too large"),
    (("stock", "restock", "TEE-01", "1", "--cost", "abc"), "not an amount"),
    (("stock", "restock", "TEE-01", "1", "--location", "ATTIC"), "no location 'ATTIC'"),
    (("stock", "adjust", "TEE-01", "-1", "--reason", "damaged"), "Only 0 of TEE-01 on hand"),
    (("stock", "adjust", "TEE-01", "1", "--reason", "stolen"), "'stolen' is not one of"),
    (("stock", "sell", "TEE-01", "1", "--pay", "cash"), "Only 0 of TEE-01"),
    (("stock", "show", "ÜNKNOWN"), "SKU or barcode 'ÜNKNOWN'"),
    (("stock", "moves", "TEE-01", "--since", "yesterday"), "not a time"),
    (("stock", "list", "--location", "nowhere"), "no location 'nowhere'"),
    (("stock", "set-levels", "TEE-01"), "Give --safety"),
    (("location", "add", "MAIN", "Again"), "already used"),
    (("po", "show", "PO-000009"), "no purchase order PO-000009"),
    (("po", "show", "abc"), "not a purchase order number"),
    (("supplier", "show", "Nobody"), "no supplier 'Nobody'"),
    (("stocktake", "post", "9"), "no stocktake 9"),
])
def test_bad_input_refused_and_nothing_written(shop, seeded: str, args: tuple[str, ...], message: str) -> None:  # type: ignore[no-untyped-def]
    refused(shop(*args), message)
    assert moves(seeded) == 0


def test_usage_errors_exit_2(shop, seeded: str) -> None:  # type: ignore[no-untyped-def]
    assert shop("stock", "restock", "TEE-01", "many").exit_code == 2
    assert shop("stock", "adjust", "TEE-01", "-1").exit_code == 2  # --reason is required
    assert moves(seeded) == 0


def test_supplier_and_po_flow(shop, seeded: str) -> None:  # type: ignore[no-untyped-def]
    assert "Added supplier Acme" in ok(shop("supplier", "add", "Acme", "--email", "orders@acme.example",
                                            "--lead-time", "10"))
    refused(shop("supplier", "add", "acme"), "already exists")
    refused(shop("supplier", "add", "Bad", "--email", "nope"), "not an email")
    ok(shop("supplier", "edit", "Acme", "--contact", "Ms Li"))
    assert json.loads(ok(shop("supplier", "show", "Acme", "--json")))["contact"] == "Ms Li"
    assert "Acme" in ok(shop("supplier", "list"))
    assert "Created PO-000001 (Acme): draft" in ok(shop("po", "create", "Acme"))
    ok(shop("po", "add-line", "1", "TEE-01", "10", "--cost", "10.00"))
    ok(shop("po", "add-line", "PO-000001", "MUG-01", "4"))
    refused(shop("po", "receive", "1"), "draft")
    refused(shop("po", "email", "1"), "still a draft")
    ok(shop("po", "order", "1"))
    assert "Queued PO-000001 to orders@acme.example" in ok(shop("po", "email", "1"))
    before = moves(seeded)
    refused(shop("po", "receive", "1", "TEE-01=11"), "still expects 10 of TEE-01, not 11. Receive more than ordered only with --over")
    refused(shop("po", "receive", "1", "TEE-01"), "not SKU=QTY")
    assert moves(seeded) == before
    out = ok(shop("po", "receive", "1", "TEE-01=11", "--over"))
    assert "partial" in out
    assert "received" in ok(shop("po", "receive", "1"))
    shown = json.loads(ok(shop("po", "show", "1", "--json")))
    assert shown["status"] == "received" and shown["total"] == "112.00"
    assert [p["number"] for p in json.loads(ok(shop("po", "list", "--json")))] == ["PO-000001"]
    refused(shop("po", "email", "1"), "is received, so there is nothing to send")
    refused(shop("po", "cancel", "1"), "already received")
    refused(shop("po", "list", "--status", "lost"), "'lost' is not one of")
    assert "Nothing is at or below" in ok(shop("po", "suggest"))
    ok(shop("stock", "set-levels", "MUG-01", "--reorder-point", "5", "--supplier", "Acme"))
    assert "MUG-01" in ok(shop("po", "suggest"))
    assert "Created 1 draft PO: PO-000002 (Acme)." in ok(shop("po", "suggest", "--create"))


def test_stocktake_post_uncounted_zero_asks_for_reasons(shop, seeded: str) -> None:  # type: ignore[no-untyped-def]
    """Issue 11 item 8: zeroing uncounted stock is refused without reasons (nothing booked); accuracy is of counts."""
    ok(shop("stock", "restock", "TEE-01", "10"))
    ok(shop("stock", "restock", "MUG-01", "3"))
    ok(shop("stocktake", "start"))
    ok(shop("stocktake", "count", "1", "MUG-01", "2"))
    ok(shop("stocktake", "reason", "1", "MUG-01", "one broken"))
    refused(shop("stocktake", "post", "1", "--uncounted", "zero"),
            "1 line is over the variance thresholds and needs a reason before posting: TEE-01 (uncounted, set to "
            "0: -10).")
    assert json.loads(ok(shop("stock", "show", "TEE-01", "--json")))["total"]["on_hand"] == 10
    assert json.loads(ok(shop("stocktake", "show", "1", "--json")))["stocktake"]["status"] == "counting"
    ok(shop("stocktake", "reason", "1", "TEE-01", "lent to the other shop"))
    out = ok(shop("stocktake", "post", "1", "--uncounted", "zero"))
    assert "Posted stocktake 1: 2 adjustments, -11 units, value -83.00, accuracy 0.0%." in out
    assert json.loads(ok(shop("stock", "show", "TEE-01", "--json")))["total"]["on_hand"] == 0


def test_stocktake_flow_and_refusals(shop, seeded: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ok(shop("stock", "restock", "TEE-01", "10"))
    ok(shop("stock", "restock", "MUG-01", "3"))
    assert "Started stocktake 1 at MAIN: 2 variants to count." in ok(shop("stocktake", "start"))
    assert "TEE-01: counted 1" in ok(shop("stocktake", "count", "1", "6901234567890"))  # a scan
    refused(shop("stocktake", "count", "1", "TEE-01", "ten"), "The count 'ten' is not a whole number")
    refused(shop("stocktake", "count", "1", "TEE-01", "-2"), "The count '-2' is not a whole number")
    sheet = tmp_path / "counts.csv"
    sheet.write_text("SKU,counted\nTEE-01,8\nNOPE,1\nMUG-01,3\nMUG-01,3\n", encoding="utf-8")
    refused(shop("stocktake", "import", "1", str(sheet)), "line 3: unknown SKU or barcode 'NOPE'")
    refused(shop("stocktake", "import", "1", str(sheet)), "line 5: MUG-01 is a duplicate of line 4")
    refused(shop("stocktake", "import", "1", str(tmp_path / "missing.csv")), "no file")
    sheet.write_text("TEE-01,8\nMUG-01,3\n", encoding="utf-8")
    assert "Imported 2 counts, 11 units" in ok(shop("stocktake", "import", "1", str(sheet)))
    review = json.loads(ok(shop("stocktake", "review", "1", "--json")))
    assert [(v["sku"], v["variance"], v["value"]) for v in review["variances"]] == [("TEE-01", -1, "-8.00")]
    assert "TEE-01" in ok(shop("stocktake", "review", "1"))
    ok(shop("stocktake", "reason", "1", "TEE-01", "one sold unrung"))
    out = ok(shop("stocktake", "post", "1"))
    assert "Posted stocktake 1: 1 adjustment, -1 unit, value -8.00, accuracy 50.0%." in out
    refused(shop("stocktake", "post", "1"), "already posted")
    report = json.loads(ok(shop("stocktake", "show", "1", "--json")))
    assert report["stocktake"]["accuracy_bp"] == 5000
    assert "accuracy" in ok(shop("stocktake", "show", "1"))
    assert [s["status"] for s in json.loads(ok(shop("stocktake", "list", "--json")))] == ["posted"]
    assert json.loads(ok(shop("stock", "show", "TEE-01", "--json")))["total"]["on_hand"] == 9
    checks = {c["check"]: c["ok"] for c in json.loads(shop("db", "check", "--json").stdout)}
    assert checks["Stock levels equal the sum of their ledger movements (on hand and committed)"] is True
    assert checks["Incoming stock equals what open purchase orders still expect"] is True


def test_idempotency_key_replays(shop, seeded: str) -> None:  # type: ignore[no-untyped-def]
    ok(shop("stock", "restock", "TEE-01", "3", "--idempotency-key", "k1"))
    again = shop("stock", "restock", "TEE-01", "3", "--idempotency-key", "k1")
    assert again.exit_code == 0 and "already done earlier" in again.stderr
    assert moves(seeded) == 1


def test_digest_goes_once_a_store_local_day_unless_forced(shop, seeded: str) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from shoptui import clock
    from shoptui.models.messaging import OutboxMessage

    def digests() -> list[str]:
        with db.read_session(seeded) as session:
            return list(session.exec(select(OutboxMessage.ref_id).where(
                OutboxMessage.template == "low_stock_digest").order_by(OutboxMessage.id)).all())

    ok(shop("stock", "restock", "TEE-01", "5"))
    ok(shop("settings", "set", "alert_emails", "boss@shop.example"))
    ok(shop("stock", "set-levels", "TEE-01", "--reorder-point", "5"))
    # all three runs fall on 2026-11-20 in UTC, but the last is already 2026-11-21 in Asia/Shanghai
    with clock.frozen(datetime(2026, 11, 20, 15, 0, tzinfo=UTC)):  # 23:00 local
        assert "Queued a low-stock digest of 1 SKU" in ok(shop("stock", "digest"))
    with clock.frozen(datetime(2026, 11, 20, 15, 30, tzinfo=UTC)):  # 23:30 local, same store day
        out = ok(shop("stock", "digest"))
        assert out.strip() == ("Today's low-stock digest (2026-11-20) was already queued; nothing sent. "
                               "Use --force to send another.")
    assert digests() == ["2026-11-20"]
    with clock.frozen(datetime(2026, 11, 20, 16, 5, tzinfo=UTC)):  # 00:05 local: a new store day
        assert "Queued a low-stock digest" in ok(shop("stock", "digest"))
        assert "already queued" in ok(shop("stock", "digest"))
        assert "Queued a low-stock digest" in ok(shop("stock", "digest", "--force"))
    assert digests() == ["2026-11-20", "2026-11-21", "2026-11-21"]
