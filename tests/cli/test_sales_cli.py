"""``shoptui sale``, ``shoptui shift`` and ``shoptui order receipt|slip|invoice|import``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from shoptui import db
from tests.services.orders_helpers import seed


@pytest.fixture
def seeded(store: str) -> str:
    with db.transaction(store) as s:
        seed(s)
    db.dispose_all()
    return store


def _orders(store: str) -> int:
    from sqlmodel import func, select

    from shoptui.models.orders import Order

    with db.read_session(store) as s:
        return s.exec(select(func.count()).select_from(Order)).one()


def test_sale_prints_number_total_change(shop, seeded: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    receipt = tmp_path / "r.txt"
    result = shop("sale", "TEE-01x2", "MUG-01", "--pay", "card:100", "--pay", "cash:200", "--receipt", str(receipt),
                  "--width", "80")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Sold SO-000001: 3 items, total 233.50 CNY;")
    assert "change 66.50" in result.stdout
    text = receipt.read_text(encoding="utf-8")
    assert "SO-000001" in text and max(len(line) for line in text.splitlines()) <= 48


def test_sale_json_and_idempotency(shop, seeded: str) -> None:  # type: ignore[no-untyped-def]
    first = shop("sale", "MUG-01", "--pay", "cash:50", "--json", "--idempotency-key", "k1")
    assert first.exit_code == 0, first.stderr
    data = json.loads(first.stdout)
    assert data["number"] == "SO-000001" and data["total"] == "35.50" and data["change"] == "14.50"
    assert data["currency"] == "CNY" and "Cash tendered" in data["receipt"]
    again = shop("sale", "MUG-01", "--pay", "cash:50", "--json", "--idempotency-key", "k1")
    assert again.exit_code == 0 and json.loads(again.stdout)["number"] == "SO-000001"
    assert _orders(seeded) == 1


@pytest.mark.parametrize(("args", "message"), [
    (["NOPE-1", "--pay", "cash:10"], "NOPE-1"),
    (["MUG-01", "--pay", "cash:10"], "short"),
    (["MUG-01", "--pay", "card:50"], "only cash may be more"),
    (["MUG-01", "--pay", "card:10"], "still due"),
    (["CAP-01x2", "--pay", "cash:100"], "Only 1 of CAP-01"),
    (["MUG-01:-1", "--pay", "cash"], "more than zero"),
    (["MUG-01", "--pay", "gold:10"], "not one of"),
    (["MUG-01", "--pay", "cash:abc"], "not an amount"),
    (["MUG-01", "--pay", "cash", "--customer", "13900000000"], "no customer"),
    (["MUG-01"], "empty|still due"),
])
def test_sale_refusals_write_nothing(shop, seeded: str, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    result = shop("sale", *args)
    assert result.exit_code == 1, result.stdout
    assert result.stderr.startswith("error: ")
    assert len(result.stderr.strip().splitlines()) == 1
    import re

    assert re.search(message, result.stderr), result.stderr
    assert _orders(seeded) == 0


def test_sale_usage_errors(shop, seeded: str) -> None:  # type: ignore[no-untyped-def]
    assert shop("sale", "MUG-01", "--pay", "cash", "--width", "70").exit_code == 2
    assert shop("sale", "--pay", "cash").exit_code == 2
    assert shop("sale", "MUG-01", "--pay", "cash", "--print", "-o", "x.txt").exit_code == 2
    assert _orders(seeded) == 0


def test_sale_with_failing_printer_keeps_the_sale(shop, seeded: str) -> None:  # type: ignore[no-untyped-def]
    """Issue 11 item 10: the sale is recorded, so the command succeeds; the printout failing is a warning."""
    failing = f"{sys.executable} -c \"import sys; sys.exit(2)\""
    assert shop("settings", "set", "print_command", failing).exit_code == 0
    from shoptui.services.orders import documents

    documents.approve_print_command(failing)  # confirmed once before: the failure is the printer's
    result = shop("sale", "MUG-01", "--pay", "cash", "--print")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Sold SO-000001:")
    assert result.stderr.startswith("warning: sale SO-000001 is recorded, but its receipt was not printed: ")
    assert "shoptui order receipt SO-000001 --print" in result.stderr
    assert _orders(seeded) == 1


@pytest.mark.parametrize("where", [["--print"], ["--receipt", "/no/such/dir/r.txt"]])
def test_sale_receipt_failure_exits_0_so_a_retry_never_sells_twice(shop, seeded: str,  # type: ignore[no-untyped-def]
                                                                    where: list[str]) -> None:
    """Issue 11 item 10: no printer set up / a missing folder: exit 0, a warning, one sale recorded."""
    result = shop("sale", "MUG-01", "--pay", "cash", *where)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Sold SO-000001:")
    assert result.stderr.startswith("warning: sale SO-000001 is recorded, but its receipt was not ")
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert _orders(seeded) == 1
    as_json = shop("sale", "MUG-01", "--pay", "cash", "--json", *where)
    assert as_json.exit_code == 0 and json.loads(as_json.stdout)["number"] == "SO-000002"
    assert as_json.stderr.startswith("warning: sale SO-000002 is recorded")


def test_stock_sell_is_a_counter_sale(shop, seeded: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Issue 11 item 11: `stock sell` records order, payment, shift entry and receipt, like `sale`."""
    assert shop("shift", "open", "--float", "100").exit_code == 0
    receipt = tmp_path / "r.txt"
    result = shop("stock", "sell", "TEE-01", "2", "--pay", "card", "--receipt", str(receipt))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Sold SO-000001: 2 items, total 198.00 CNY; paid card 198.00")
    assert "SO-000001" in receipt.read_text(encoding="utf-8")
    order = json.loads(shop("order", "show", "SO-000001", "--json").stdout)
    assert order["channel"] == "counter" and order["payment_status"] == "paid" and order["status"] == "completed"
    report = json.loads(shop("shift", "report", "--json").stdout)
    assert report["sales_count"] == 1 and report["sales"] == "198.00"
    stock = json.loads(shop("stock", "show", "TEE-01", "--json").stdout)
    assert stock["total"]["on_hand"] == 8


@pytest.mark.parametrize(("args", "message"), [
    (["TEE-01", "1"], "still due"),  # a sale is paid, like `shoptui sale`
    (["CAP-01", "2", "--pay", "cash"], "Only 1 of CAP-01"),
    (["OLD-01", "1", "--pay", "cash"], "archived"),
    (["TEE-01", "-2", "--pay", "cash"], "more than zero"),
])
def test_stock_sell_refuses_what_sale_refuses(shop, seeded: str, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    """Issue 11 item 11: an archived product is refused by `stock sell` as by `sale`; nothing is written."""
    from tests.services.orders_helpers import add_product

    with db.transaction(seeded) as s:
        add_product(s, "OLD-01", 500, 3, title="Old")
    db.dispose_all()
    assert shop("product", "archive", "OLD-01").exit_code == 0
    before = json.loads(shop("stock", "show", "OLD-01", "--json").stdout)
    assert shop("sale", "OLD-01", "--pay", "cash").exit_code == 1
    result = shop("stock", "sell", *args)
    assert result.exit_code == 1, result.stdout
    assert result.stderr.startswith("error: ") and message in result.stderr, result.stderr
    assert _orders(seeded) == 0
    assert json.loads(shop("stock", "show", "OLD-01", "--json").stdout) == before


def test_shift_cycle(shop, seeded: str) -> None:  # type: ignore[no-untyped-def]
    opened = shop("shift", "open", "--float", "200")
    assert opened.exit_code == 0 and opened.stdout.startswith("Opened shift #1 with a float of 200.00 CNY.")
    assert shop("shift", "open", "--float", "100").exit_code == 1
    assert shop("sale", "TEE-01", "--pay", "cash:100").exit_code == 0
    assert shop("sale", "MUG-01", "--pay", "mobile").exit_code == 0
    report = shop("shift", "report", "--json")
    data = json.loads(report.stdout)
    assert data["sales_count"] == 2 and data["expected_cash"] == "299.00"
    assert {p["method"]: p["amount"] for p in data["payments"]} == {"cash": "99.00", "mobile": "35.50"}
    closed = shop("shift", "close", "--counted", "298.50")
    assert closed.exit_code == 0, closed.stderr
    assert "cash is 0.50 CNY short" in closed.stdout
    twice = shop("shift", "close", "--counted", "298.50", "--id", "1")
    assert twice.exit_code == 1 and "already closed" in twice.stderr
    shown = shop("shift", "show", "1")
    assert shown.exit_code == 0 and "difference" in shown.stdout
    listed = shop("shift", "list", "--json")
    assert json.loads(listed.stdout)["items"][0]["difference"] == "-0.50"
    assert shop("shift", "open", "--float", "-5").exit_code == 1
    assert shop("shift", "show", "99").exit_code == 1


def test_order_documents(shop, seeded: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert shop("sale", "TEE-01", "--pay", "card").exit_code == 0
    receipt = shop("order", "receipt", "SO-000001")
    assert receipt.exit_code == 0 and "*** COPY ***" in receipt.stdout
    slip = shop("order", "slip", "SO-000001", "-o", str(tmp_path / "slip.txt"))
    assert slip.exit_code == 0 and "PACKING SLIP" in (tmp_path / "slip.txt").read_text(encoding="utf-8")
    invoice = shop("order", "invoice", "SO-000001", "--json")
    assert "INVOICE" in json.loads(invoice.stdout)["text"]
    missing = shop("order", "invoice", "SO-999999")
    assert missing.exit_code == 1 and missing.stderr.startswith("error: There is no order SO-999999")
    no_printer = shop("order", "receipt", "SO-000001", "--print")
    assert no_printer.exit_code == 1 and "No printer is set up" in no_printer.stderr
    bad_folder = shop("order", "slip", "SO-000001", "-o", str(tmp_path / "nope" / "x.txt"))
    assert bad_folder.exit_code == 1 and "does not exist" in bad_folder.stderr


MAP = """[columns]
order_ref = "ref"
ordered_at = "date"
customer_name = "name"
sku = "sku"
quantity = "qty"
line_total = "amount"
[options]
default_status = "completed"
"""


def test_order_import(shop, seeded: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    mapping = tmp_path / "map.toml"
    mapping.write_text(MAP, encoding="utf-8")
    csv_file = tmp_path / "old.csv"
    csv_file.write_text("ref,date,name,sku,qty,amount\nH1,2024-01-02,Zhang,TEE-01,2,198.005\n"
                        "H1,2024-01-02,Zhang,MUG-01,1,35.5\nH2,2024-01-03,,CAP-01,1,10\n", encoding="utf-8")
    dry = shop("order", "import", str(csv_file), "--mapping", str(mapping), "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert dry.stdout.startswith("Would import 2 orders (3 lines)") and "1 line had amounts rounded" in dry.stdout
    assert _orders(seeded) == 0
    done = shop("order", "import", str(csv_file), "--mapping", str(mapping), "--json")
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout)["orders_created"] == 2
    again = shop("order", "import", str(csv_file), "--mapping", str(mapping))
    assert "Imported 0 orders" in again.stdout and "2 orders already imported" in again.stdout
    assert _orders(seeded) == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("ref,date,name,sku,qty,amount\nH9,2024-13-45,,TEE-01,1,99\n", encoding="utf-8")
    refused = shop("order", "import", str(bad), "--mapping", str(mapping))
    assert refused.exit_code == 1 and "line 2" in refused.stderr and "not a date" in refused.stderr
    missing_map = shop("order", "import", str(csv_file), "--mapping", str(tmp_path / "none.toml"))
    assert missing_map.exit_code == 1 and "no mapping file" in missing_map.stderr
    missing_csv = shop("order", "import", str(tmp_path / "none.csv"), "--mapping", str(mapping))
    assert missing_csv.exit_code == 1 and "no file" in missing_csv.stderr
    assert _orders(seeded) == 2


# ---------------------------------------------------------------- offers: --member, --coupon, --points


@pytest.fixture
def offers_store(seeded: str) -> str:
    from datetime import timedelta

    from shoptui import clock
    from shoptui.services.marketing import coupons as mc
    from shoptui.services.marketing import promotions as mp
    from shoptui.services.members import profiles as members
    from tests.services.orders_helpers import CLERK

    with db.transaction(seeded) as s:
        mp.add_promotion(session=s, actor=CLERK, data=mp.PromotionInput(
            name="Tee week", kind="discount", percent_bp=1000, products=["TEE-01"],
            starts_at=clock.now() - timedelta(days=1)))
        mc.add_coupon(session=s, actor=CLERK, data=mc.CouponInput(name="Ten off", kind="amount", amount_minor=1000,
                                                                  min_spend_minor=5000, code="SAVE10"))
        mc.add_coupon(session=s, actor=CLERK, data=mc.CouponInput(name="Old", kind="amount", amount_minor=500,
                                                                  code="OLD5",
                                                                  valid_until=clock.now() - timedelta(days=1)))
        found = members.add_member(session=s, actor=CLERK, data=members.MemberCreate(name="Wang", phone="13800138000"))
        members.adjust_points(session=s, actor=CLERK, ref=found.id, points=1000, reason="welcome")
    db.dispose_all()
    return seeded


def _state(store: str) -> tuple[int, int, int]:
    from sqlmodel import func, select

    from shoptui.models.marketing import CouponRedemption
    from shoptui.models.members import Member

    with db.read_session(store) as s:
        return (_orders(store), s.exec(select(func.count()).select_from(CouponRedemption)).one(),
                s.exec(select(Member.points_balance)).one())


def test_sale_with_member_coupon_and_points(shop, offers_store: str) -> None:  # type: ignore[no-untyped-def]
    result = shop("sale", "TEE-01", "--member", "13800138000", "--coupon", "save-10", "--points", "100",
                  "--pay", "cash:200", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    kinds = [o["kind"] for o in data["offers"]]
    assert kinds == ["promotion", "coupon", "points"]
    assert data["offers"][0]["name"] == "Tee week" and data["offers"][0]["amount"] == "-9.90"
    assert "Tee week" in data["receipt"] and "Ten off (SAVE10)" in data["receipt"]
    assert "Points used" in data["receipt"] and "You saved" in data["receipt"]
    assert _state(offers_store)[1] == 1
    plain = shop("sale", "MUG-01", "--pay", "cash:100")
    assert plain.exit_code == 0 and "offers" not in plain.stdout
    shown = shop("sale", "TEE-01", "--pay", "cash:100")
    assert "offers 9.90 off" in shown.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["TEE-01", "--coupon", "OLD5"], "expired"),
    (["TEE-01", "--coupon", "NOPE"], "no coupon code 'NOPE'"),
    (["TEE-01", "--coupon", "SAVE10", "--coupon", "SAVE10"], "already on this sale"),
    (["TEE-01", "--member", "13800138000", "--points", "999999"], "holds 1000 points"),
    (["CAP-01", "--member", "13800138000", "--points", "1000"], "At most"),
    (["TEE-01", "--member", "13900000000"], "13900000000"),
])
def test_sale_offer_refusals_write_nothing(shop, offers_store: str, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    before = _state(offers_store)
    result = shop("sale", *args, "--pay", "cash:200")
    assert result.exit_code == 1, result.stdout
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert "Traceback" not in result.stderr
    assert _state(offers_store) == before


def test_sale_below_the_coupon_threshold_is_refused(shop, offers_store: str) -> None:  # type: ignore[no-untyped-def]
    result = shop("sale", "CAP-01", "--coupon", "SAVE10", "--pay", "cash:50")
    assert result.exit_code == 1 and "needs a spend of 50.00" in result.stderr
    assert _orders(offers_store) == 0


@pytest.mark.parametrize(("args", "message"), [
    (["--points", "-5"], "--points"),
    (["--points", "abc"], "--points"),
    (["--points", "10"], "--member"),
    (["--member", "13800138000", "--customer", "13900000001"], "not two"),
])
def test_sale_offer_usage_errors(shop, offers_store: str, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    result = shop("sale", "TEE-01", *args, "--pay", "cash:200")
    assert result.exit_code == 2 and message in result.stderr
    assert _orders(offers_store) == 0


def test_a_members_receipt_shows_points_earned_and_the_new_balance(shop, offers_store: str,  # type: ignore[no-untyped-def]
                                                                      tmp_path) -> None:
    """Issue 11 item 33: a member's receipt showed neither the points earned nor the new balance."""
    target = tmp_path / "r.txt"
    result = shop("sale", "TEE-01", "--member", "13800138000", "--pay", "cash:200", "--json", "--receipt", str(target))
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    balance = _state(offers_store)[2]
    assert data["points_earned"] > 0 and data["points_balance"] == balance == 1000 + data["points_earned"]
    for text in (data["receipt"], target.read_text(encoding="utf-8")):
        lines = [" ".join(line.split()) for line in text.splitlines()]
        assert f"Points earned {data['points_earned']:,}" in lines
        assert f"Points balance {balance:,}" in lines
    plain = shop("sale", "TEE-01", "--member", "13800138000", "--pay", "cash:200")
    assert "Points earned" in plain.stdout and f"balance {balance + data['points_earned']:,}" in plain.stdout
    reprint = shop("order", "receipt", data["number"])  # printed again later: the balance the sale left
    assert f"Points balance {balance:,}" in [" ".join(line.split()) for line in reprint.stdout.splitlines()]
    guest = shop("sale", "MUG-01", "--pay", "cash:100", "--json")
    assert json.loads(guest.stdout)["points_earned"] is None and "Points" not in json.loads(guest.stdout)["receipt"]
