"""shoptui order / customer from the command line: output, JSON, and every refusal leaving the store as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import store_digest

TABLES = ("sales_order", "order_line", "order_payment", "order_refund", "order_shipment", "order_return",
          "order_event", "stock_movement", "stock_level", "customer", "outbox_message")


def _ok(result) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_help_lists_every_command(shop) -> None:  # type: ignore[no-untyped-def]
    out = _ok(shop("order", "--help"))
    for command in ("list", "show", "create", "pay", "ship", "deliver", "cancel", "remind", "expire", "return",
                    "refund", "exchange", "edit"):
        assert command in out
    assert "add" in _ok(shop("customer", "--help"))


def test_phone_order_from_start_to_refund(shop, seeded: str) -> None:  # type: ignore[no-untyped-def]
    out = _ok(shop("customer", "add", "Wang Fang", "--phone", "13800138000", "--email", "fang@example.com",
                   "--city", "杭州", "--street", "1 West Lake Rd"))
    assert out.strip() == "Added customer #1 Wang Fang."
    out = _ok(shop("order", "create", "-i", "TEE-01:2", "-i", "MUG-01", "--customer", "13800138000",
                   "--shipping", "10", "--discount", "5"))
    assert out.strip() == "Created order SO-000001 for Wang Fang: 3 items, total 238.50 CNY (unpaid)."
    out = _ok(shop("order", "pay", "SO-000001", "--method", "card", "--amount", "100"))
    assert out.strip() == "Paid 100.00 by card on SO-000001; 138.50 still due."
    out = _ok(shop("order", "pay", "SO-000001", "--amount", "200"))
    assert out.strip() == "Paid 138.50 by cash on SO-000001; change 61.50; paid in full."
    out = _ok(shop("order", "ship", "SO-000001", "--carrier", "SF", "--tracking", "SF1234567890", "--lines", "TEE-01:1"))
    assert out.startswith("Shipped SO-000001 with SF SF1234567890 (TEE-01 x1): now partially shipped")
    _ok(shop("order", "ship", "SO-000001", "--carrier", "SF", "--tracking", "SF1234567891"))
    assert _ok(shop("order", "deliver", "SO-000001")).strip() == "Delivered SO-000001: now completed, paid, delivered."
    out = _ok(shop("order", "return", "request", "SO-000001", "--items", "TEE-01:1", "--reason", "too small"))
    assert out.strip() == "Return #1 requested on SO-000001; approve or reject it."
    _ok(shop("order", "return", "approve", "1"))
    _ok(shop("order", "return", "receive", "1"))
    out = _ok(shop("order", "return", "refund", "1", "--yes"))
    assert out.startswith("Refunded 96.88 CNY on SO-000001 (cash 96.88); now partially refunded")
    listed = json.loads(_ok(shop("order", "return", "list", "--json")))
    assert listed["items"][0]["status"] == "refunded" and listed["items"][0]["refund"] == "96.88"
    doc = json.loads(_ok(shop("order", "show", "SO-000001", "--json")))
    assert doc["total"] == "238.50" and doc["currency"] == "CNY" and doc["refunded"] == "96.88"
    assert doc["lines"][0]["net"] == "193.76" and doc["lines"][0]["currency"] == "CNY"
    assert [e["kind"] for e in doc["events"]][:2] == ["created", "paid"]
    table = _ok(shop("order", "show", "SO-000001"))
    assert "SO-000001" in table and "timeline" in table
    shown = json.loads(_ok(shop("customer", "show", "13800138000", "--json")))
    assert shown["order_count"] == 1 and shown["recent_orders"][0]["number"] == "SO-000001"
    assert shown["addresses"][0]["city"] == "杭州"
    checked = _ok(shop("db", "check", "--json"))
    assert all(c["ok"] for c in json.loads(checked) if "rder" in c["check"] or "ayment" in c["check"])


def test_create_from_json_on_stdin_and_list_json(shop, seeded: str) -> None:  # type: ignore[no-untyped-def]
    document = {"channel": "web", "external_ref": "WEB-77", "guest_name": "Guest 访客", "guest_email": "g@example.com",
                "lines": [{"sku": "MUG-01", "quantity": 2, "unit_price": "30.00"}], "payments": [{"method": "mobile"}]}
    doc = json.loads(_ok(shop("order", "create", "--json-file", "-", "--json", input=json.dumps(document))))
    assert (doc["number"], doc["total"], doc["payment_status"], doc["channel"]) == ("SO-000001", "60.00", "paid", "web")
    page = json.loads(_ok(shop("order", "list", "--json", "--status", "paid")))
    assert [o["number"] for o in page["items"]] == ["SO-000001"] and page["next_after"] is None
    assert page["items"][0]["total"] == "60.00"
    assert json.loads(_ok(shop("order", "list", "--json", "--status", "unpaid")))["items"] == []
    assert json.loads(_ok(shop("order", "list", "--json", "--search", "Guest")))["items"][0]["number"] == "SO-000001"
    for _ in range(3):
        _ok(shop("order", "create", "-i", "TEE-01"))
    first = json.loads(_ok(shop("order", "list", "--json", "--limit", "2")))
    assert len(first["items"]) == 2 and first["next_after"]
    rest = json.loads(_ok(shop("order", "list", "--json", "--limit", "2", "--after", first["next_after"])))
    assert len(rest["items"]) == 2 and rest["next_after"] is None
    assert len(json.loads(_ok(shop("order", "list", "--json", "--all")))["items"]) == 4
    assert shop("order", "list", "--json", "--all", "--limit", "1").exit_code == 2  # contradictory
    text = _ok(shop("order", "list", "--channel", "web"))
    assert "SO-000001" in text and "SO-000002" not in text


def test_idempotency_key_makes_a_retry_change_nothing(shop, seeded: str, store: str) -> None:  # type: ignore[no-untyped-def]
    first = shop("order", "create", "-i", "TEE-01", "--idempotency-key", "web-1")
    assert first.exit_code == 0
    before = store_digest(store, TABLES)
    again = shop("order", "create", "-i", "TEE-01", "--idempotency-key", "web-1")
    assert again.exit_code == 0 and again.stdout == first.stdout and "already done" in again.stderr
    assert store_digest(store, TABLES) == before


def test_cancel_remind_expire_and_refund_exchange(shop, seeded: str) -> None:  # type: ignore[no-untyped-def]
    _ok(shop("order", "create", "-i", "TEE-01:2", "--guest", "Ann", "--guest-phone", "13900001111", "--pay", "card"))
    out = _ok(shop("order", "cancel", "SO-000001", "--reason", "changed mind"))
    assert out.strip() == "Cancelled SO-000001: now cancelled, refunded, unfulfilled."
    _ok(shop("order", "create", "-i", "MUG-01", "--guest", "Bo", "--guest-email", "bo@example.com"))
    reminded = json.loads(_ok(shop("order", "remind", "--older-than", "0m", "--json")))
    assert reminded == {"reminded": ["SO-000002"], "skipped": []}
    assert _ok(shop("order", "remind", "--older-than", "0m")).strip() == "Queued payment reminders for 0 orders."
    assert _ok(shop("order", "expire")).strip() == "Cancelled 0 unpaid orders."
    _ok(shop("order", "create", "-i", "TEE-01", "--pay", "cash"))
    _ok(shop("order", "ship", "SO-000003", "--carrier", "ZTO", "--tracking", "123456789012"))
    out = _ok(shop("order", "refund", "SO-000003", "--amount", "9.90", "--reason", "late parcel", "--yes"))
    assert out.strip() == "Refunded 9.90 CNY on SO-000003 (cash 9.90); now partially refunded."
    out = _ok(shop("order", "exchange", "SO-000003", "--back", "TEE-01:1", "--new", "CAP-01:1"))
    assert out.startswith("Exchanged on SO-000003 (return #1) into SO-000004: credit 10.00, refunded 79.10")


@pytest.mark.parametrize(("args", "message"), [
    (["order", "ship", "SO-000001", "--carrier", "SF", "--tracking", "SF1234567890"], "unpaid; take the payment"),
    (["order", "ship", "SO-000002", "--carrier", "SF", "--tracking", "SF1234567890"], "is cancelled"),
    (["order", "ship", "SO-000003", "--carrier", "SF", "--tracking", "12345"], "does not look like a SF number"),
    (["order", "ship", "SO-000003", "--carrier", "SF", "--tracking", "SF1234567890", "--lines", "TEE-01:5"],
     "Only 1 of TEE-01 can be shipped"),
    (["order", "ship", "SO-000003", "--carrier", "UPS", "--tracking", "1Z"], "no carrier 'UPS'"),
    (["order", "ship", "SO-000003", "--carrier", "SF"], "Give the order number, --carrier and --tracking"),
    (["order", "pay", "SO-000001", "--method", "card", "--amount", "1000"], "only cash may be more"),
    (["order", "pay", "SO-000001", "--amount", "-5"], "cannot be negative"),
    (["order", "pay", "SO-000001", "--amount", "abc"], "is not an amount"),
    (["order", "pay", "SO-000001", "--method", "gold"], "not one of"),
    (["order", "pay", "SO-999999"], "There is no order SO-999999"),
    (["order", "refund", "SO-000003", "--amount", "500", "--reason", "x"], "more than the 99.00 paid"),
    (["order", "refund", "SO-000003", "--amount", "5"], "Give a reason"),
    (["order", "refund", "SO-000003", "--shipping", "--reason", "x", "--yes"], "has no shipping fee"),
    (["order", "refund", "SO-000003", "--reason", "x"], "add --yes to refund without being asked"),
    (["order", "return", "refund", "1"], "no return #1"),
    (["order", "create", "-i", "CAP-01:2"], "Only 1 of CAP-01 available"),
    (["order", "create", "-i", "TEE-01:-1"], "must be more than zero"),
    (["order", "create", "-i", "TEE-01:0"], "must be more than zero"),
    (["order", "create", "-i", "NOPE:1"], "no SKU or barcode 'NOPE'"),
    (["order", "create", "-i", "TEE-01", "--customer", "13999999999"], "no customer"),
    (["order", "create", "-i", "TEE-01", "--shipping", "1.999"], "more decimals"),
    (["order", "create"], "Give at least one --item"),
    (["order", "create", "--json-file", "/nonexistent.json"], "cannot be read"),
    (["order", "deliver", "SO-000003"], "has not been shipped"),
    (["order", "cancel", "SO-000002"], "already cancelled"),
    (["order", "edit", "SO-000003", "--set", "TEE-01:2"], "only unpaid orders can be edited"),
    (["order", "edit", "SO-000001", "--set", "TEE-01:-2"], "is not SKU:QTY"),
    (["order", "return", "request", "SO-000003", "--items", "TEE-01:1", "--reason", "x"], "can be returned"),
    (["order", "return", "approve", "77"], "no return #77"),
    (["order", "exchange", "SO-000003", "--back", "TEE-01:1"], "Give at least one --back"),
    (["order", "remind", "--older-than", "soon"], "not a duration"),
    (["order", "list", "--from", "yesterday"], "is not a date"),
    (["order", "list", "--status", "lost"], "is not a status"),
    (["order", "list", "--after", "zzz"], "cursor"),
    (["order", "show", "SO-404"], "There is no order SO-404"),
    (["customer", "add", "Li", "--phone", "12ab"], "not a phone"),
    (["customer", "add", "Li", "--email", "li@"], "not an email"),
    (["customer", "add", "Dup", "--phone", "13800138000"], "already belongs"),
    (["customer", "add", " "], "needs a name"),
    (["customer", "show", "nobody@example.com"], "no customer"),
    (["customer", "edit", "13800138000"], "Nothing to change"),
])
def test_refusals_exit_1_with_one_clear_line_and_change_nothing(shop, seeded: str, store: str, args,  # type: ignore[no-untyped-def]
                                                                 message: str) -> None:
    _ok(shop("customer", "add", "Wang Fang", "--phone", "13800138000"))
    _ok(shop("order", "create", "-i", "TEE-01", "--customer", "13800138000"))  # SO-000001 unpaid
    _ok(shop("order", "create", "-i", "MUG-01"))
    _ok(shop("order", "cancel", "SO-000002"))  # SO-000002 cancelled
    _ok(shop("order", "create", "-i", "TEE-01", "--pay", "card"))  # SO-000003 paid
    before = store_digest(store, TABLES)
    result = shop(*args)
    assert result.exit_code == 1, result.stdout + result.stderr
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert store_digest(store, TABLES) == before


@pytest.mark.parametrize("document", ["{not json", "[]", '{"lines": "TEE-01"}', '{"lines": [{"sku": "TEE-01", '
                                      '"quantity": 1.5}]}', '{"lines": [{"sku": "TEE-01"}], "shipping": true}',
                                      '{"lines": [{"sku": "TEE-01"}], "customer": {"phone": "1"}}'])
def test_malformed_json_documents_are_refused(shop, seeded: str, store: str, document: str) -> None:  # type: ignore[no-untyped-def]
    before = store_digest(store, TABLES)
    result = shop("order", "create", "--json-file", "-", input=document)
    assert result.exit_code == 1 and result.stderr.startswith("error: ")
    assert store_digest(store, TABLES) == before


def test_ship_from_csv_reports_bad_rows_and_ships_nothing(shop, seeded: str, store: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _ok(shop("order", "create", "-i", "TEE-01", "--pay", "card"))
    _ok(shop("order", "create", "-i", "MUG-01", "--pay", "card"))
    bad = tmp_path / "bad.csv"
    bad.write_text("number,carrier,tracking\nSO-000001,SF,SF1234567890\nSO-000002,SF,nope\nSO-000404,SF,SF1234567899\n",
                   encoding="utf-8")
    before = store_digest(store, TABLES)
    result = shop("order", "ship", "--from-csv", str(bad))
    assert result.exit_code == 1
    assert result.stderr.startswith("error: 2 of 3 rows cannot be shipped, so nothing was shipped")
    assert "row 3:" in result.stderr and "row 4: There is no order SO-000404" in result.stderr
    assert store_digest(store, TABLES) == before
    good = "number,carrier,tracking,lines\nSO-000001,SF,SF1234567890,\nSO-000002,EMS,EA123456789CN,MUG-01:1\n"
    assert _ok(shop("order", "ship", "--from-csv", "-", input=good)).strip() == "Shipped 2 orders from -."
    assert json.loads(_ok(shop("order", "list", "--json", "--has-tracking")))["items"][0]["shipment_count"] == 1
    unreadable = shop("order", "ship", "--from-csv", str(tmp_path / "missing.csv"))
    assert unreadable.exit_code == 1 and "cannot be read" in unreadable.stderr


def test_customer_list_edit_and_pages(shop, seeded: str) -> None:  # type: ignore[no-untyped-def]
    for name, phone in (("Ann", "13900000001"), ("Bob", "13900000002"), ("Cai 蔡", "13900000003")):
        _ok(shop("customer", "add", name, "--phone", phone))
    page = json.loads(_ok(shop("customer", "list", "--json", "--limit", "2")))
    assert [c["name"] for c in page["items"]] == ["Ann", "Bob"] and page["next_after"]
    rest = json.loads(_ok(shop("customer", "list", "--json", "--after", page["next_after"])))
    assert [c["name"] for c in rest["items"]] == ["Cai 蔡"]
    assert _ok(shop("customer", "edit", "13900000002", "--email", "bob@example.com")).strip() == "Updated customer #2 Bob."
    assert json.loads(_ok(shop("customer", "list", "--json", "--search", "bob@")))["items"][0]["email"] == "bob@example.com"
    assert "Cai 蔡" in _ok(shop("customer", "list"))


# ---------------------------------------------------------------- issue 11 item 6


def _shipped_with_fee(shop) -> None:  # type: ignore[no-untyped-def]
    _ok(shop("order", "create", "-i", "TEE-01:1", "-i", "MUG-01:1", "--guest", "Ann", "--shipping", "15",
             "--pay", "card"))  # SO-000001: 99.00 + 35.50 + 15.00 shipping
    _ok(shop("order", "ship", "SO-000001", "--carrier", "SF", "--tracking", "SF1234567890"))


def test_refund_shipping_alone_pays_back_the_fee_only_once(shop, seeded: str, store: str) -> None:  # type: ignore[no-untyped-def]
    _shipped_with_fee(shop)
    out = _ok(shop("order", "refund", "SO-000001", "--shipping", "--reason", "late", "--yes"))
    assert out.strip() == "Refunded 15.00 CNY on SO-000001 (card 15.00); now partially refunded."
    doc = json.loads(_ok(shop("order", "show", "SO-000001", "--json")))
    assert doc["refunded"] == "15.00" and [line["refunded"] for line in doc["lines"]] == ["0.00", "0.00"]
    before = store_digest(store, TABLES)
    again = shop("order", "refund", "SO-000001", "--shipping", "--reason", "late", "--yes")
    assert again.exit_code == 1 and "was already refunded" in again.stderr
    assert store_digest(store, TABLES) == before


def test_refund_shows_what_goes_back_and_asks(shop, seeded: str, store: str,  # type: ignore[no-untyped-def]
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from shoptui.cli import orders as cli_orders

    _shipped_with_fee(shop)
    before = store_digest(store, TABLES)
    script = shop("order", "refund", "SO-000001", "--items", "MUG-01:1", "--shipping", "--reason", "broken")
    assert script.exit_code == 1 and script.stdout == ""
    assert script.stderr.strip() == ("error: This refunds 50.50 CNY on SO-000001; add --yes to refund without being "
                                     "asked (nothing was refunded).")
    monkeypatch.setattr(cli_orders, "_interactive", lambda: True)
    declined = shop("order", "refund", "SO-000001", "--items", "MUG-01:1", "--shipping", "--reason", "broken",
                    input="n\n")
    assert declined.exit_code == 1 and "Nothing was refunded." in declined.stderr
    assert "Refund 50.50 CNY on SO-000001:" in declined.stderr
    assert "MUG-01 Mug x1  35.50" in declined.stderr and "shipping  15.00" in declined.stderr
    assert "to card 50.50" in declined.stderr
    assert store_digest(store, TABLES) == before
    agreed = shop("order", "refund", "SO-000001", "--items", "MUG-01:1", "--shipping", "--reason", "broken",
                  input="y\n")
    assert agreed.exit_code == 0, agreed.stderr
    assert agreed.stdout.strip().splitlines()[-1] == "Refunded 50.50 CNY on SO-000001 (card 50.50); now partially refunded."


def test_full_refund_of_an_unshipped_order_releases_its_stock(shop, seeded: str) -> None:  # type: ignore[no-untyped-def]
    _ok(shop("order", "create", "-i", "TEE-01:2", "--guest", "Ann", "--pay", "card"))
    assert json.loads(_ok(shop("stock", "show", "TEE-01", "--json")))["total"]["committed"] == 2
    out = _ok(shop("order", "refund", "SO-000001", "--reason", "supplier out of stock", "--yes"))
    assert out.strip() == ("Refunded 198.00 CNY on SO-000001 (card 198.00); now refunded. Nothing of order SO-000001 "
                           "has shipped, so it is cancelled and its reserved stock is released: TEE-01 x2.")
    assert json.loads(_ok(shop("stock", "show", "TEE-01", "--json")))["total"]["committed"] == 0
    assert json.loads(_ok(shop("order", "show", "SO-000001", "--json")))["status"] == "cancelled"
