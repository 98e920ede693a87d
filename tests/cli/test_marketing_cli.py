"""shoptui promo / coupon / price: output, JSON, and every refusal leaving the store as it was."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from shoptui import db
from tests.cli.conftest import store_digest
from tests.services.orders_helpers import seed

TABLES = ("promotion", "promotion_use", "coupon", "coupon_code", "coupon_redemption", "sales_order", "outbox_message",
          "audit_entry")


@pytest.fixture
def seeded(store: str, frozen_clock) -> str:  # type: ignore[no-untyped-def]
    with db.transaction(store) as s:
        seed(s)  # TEE-01 99.00, MUG-01 35.50, CAP-01 10.00
    db.dispose_all()
    return store


def _fingerprint(store: str) -> str:
    return store_digest(store, TABLES)


def _ok(result) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_help_lists_every_command(shop) -> None:  # type: ignore[no-untyped-def]
    promo = _ok(shop("promo", "--help"))
    for command in ("add", "list", "show", "pause", "end"):
        assert command in promo
    coupon = _ok(shop("coupon", "--help"))
    for command in ("add", "issue", "send", "export", "list", "show"):
        assert command in coupon
    assert "--sku" in _ok(shop("price", "--help"))


def test_promotion_and_coupon_from_add_to_report(shop, seeded: str) -> None:  # type: ignore[no-untyped-def]
    out = _ok(shop("promo", "add", "满200减20", "--kind", "spend_save", "--step", "200:20", "--step", "500:60"))
    assert out.strip() == "Added promotion #1 '满200减20' (active): 20.00 off over 200.00, 60.00 off over 500.00."
    out = _ok(shop("coupon", "add", "Ten off", "--amount", "10", "--min-spend", "50", "--code", "save10"))
    assert out.strip() == "Added coupon #1 'Ten off': 10.00 off over 50.00, code SAVE10."
    out = _ok(shop("price", "--sku", "TEE-01x3", "--coupon", "SAVE10"))
    assert "满200减20: -20.00" in out and "Ten off (SAVE10): -10.00" in out
    assert out.strip().splitlines()[-1].startswith("Total 267.00 CNY")
    data = json.loads(_ok(shop("price", "--sku", "TEE-01x3", "--coupon", "SAVE10", "--json")))
    assert (data["total"], data["discount"], data["currency"]) == ("267.00", "30.00", "CNY")
    assert [a["kind"] for a in data["adjustments"]] == ["promotion", "coupon"]
    _ok(shop("order", "create", "-i", "TEE-01:3"))  # hand-made orders get the promotion too
    shown = json.loads(_ok(shop("promo", "show", "1", "--json")))
    assert (shown["report"]["times_used"], shown["report"]["discount"]) == (1, "20.00")
    listed = json.loads(_ok(shop("promo", "list", "--json")))
    assert [p["name"] for p in listed["items"]] == ["满200减20"]
    assert "Promotion #1 '满200减20' is now paused." in _ok(shop("promo", "pause", "1"))
    assert json.loads(_ok(shop("price", "--sku", "TEE-01x3", "--json")))["discount"] == "0.00"
    assert "is now ended" in _ok(shop("promo", "end", "1"))
    coupons = json.loads(_ok(shop("coupon", "list", "--json")))
    assert coupons["items"][0]["shared_code"] == "SAVE10"
    assert "Ten off" in _ok(shop("coupon", "show", "SAVE10"))


def test_json_fed_order_takes_a_coupon(shop, seeded: str) -> None:  # type: ignore[no-untyped-def]
    _ok(shop("coupon", "add", "Five", "--amount", "5", "--code", "FIVE5"))
    doc = json.dumps({"lines": [{"sku": "MUG-01", "quantity": 1}], "coupons": ["five5"]})
    order = json.loads(_ok(shop("order", "create", "--json-file", "-", "--json", input=doc)))
    assert order["total"] == "30.50"


def test_issue_export_and_send(shop, seeded: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _ok(shop("coupon", "add", "Welcome", "--percent", "10", "--cap", "20", "--days", "30",
             "--share-text", "Take $value with $code"))
    assert _ok(shop("coupon", "issue", "Welcome", "--count", "5")).strip() == "Issued 5 codes of coupon #1."
    out = tmp_path / "codes.csv"
    assert _ok(shop("coupon", "export", "1", "--out", str(out))).strip() == f"Wrote 5 codes to {out}."
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 5 and rows[0]["share_text"] == f"Take 10% off (at most 20.00) with {rows[0]['code']}"
    result = shop("coupon", "send", "1", "--channel", "sms")
    assert result.exit_code == 1 and "issue codes to members first" in result.stderr


@pytest.mark.parametrize("args", [
    ("promo", "add", "X", "--kind", "discount", "--percent", "120"),
    ("promo", "add", "X", "--kind", "discount", "--percent", "10", "--starts", "2026-12-05", "--ends", "2026-12-01"),
    ("promo", "add", "X", "--kind", "bxgy", "--buy", "0", "--get", "1"),
    ("promo", "add", "X", "--kind", "bxgy", "--buy", "1", "--get", "0"),
    ("promo", "add", "X", "--kind", "spend_save", "--step", "200"),
    ("promo", "add", "X", "--kind", "spend_save", "--step", "20:200"),
    ("promo", "add", "X", "--kind", "discount", "--amount", "-5"),
    ("promo", "add", "X", "--kind", "discount", "--amount", "abc"),
    ("promo", "add", "", "--kind", "discount", "--amount", "5"),
    ("promo", "add", "X", "--kind", "gift", "--gift", "NOPE", "--min-spend", "10"),
    ("promo", "add", "X", "--kind", "discount", "--amount", "5", "--starts", "someday"),
    ("promo", "add", "X", "--kind", "discount", "--amount", "5", "--product", "NOPE"),
    ("promo", "show", "999"),
    ("promo", "pause", "999"),
    ("coupon", "add", "C", "--percent", "101"),
    ("coupon", "add", "C", "--amount", "5", "--code", "a"),
    ("coupon", "add", "C", "--amount", "5", "--from", "2026-12-05", "--until", "2026-12-01"),
    ("coupon", "add", "C"),
    ("coupon", "issue", "999", "--count", "3"),
    ("coupon", "issue", "1", "--count", "0"),
    ("coupon", "export", "999"),
    ("price", "--sku", "NOPE"),
    ("price", "--sku", "TEE-01x0"),
    ("price", "--sku", "TEE-01", "--coupon", "UNKNOWN"),
    ("price", "--sku", "MUG-01", "--coupon", "SAVE10"),
    ("price", "--sku", "TEE-01", "--points", "10"),
    ("price", "--sku", "TEE-01", "--member", "13900000000"),
    ("price", "--sku", "TEE-01", "--channel", "moon"),
    ("price",),
    ("order", "create", "-i", "TEE-01:1", "--pay", "card", "--idempotency-key", "k1", "--note", "x", "--guest", "g",
     "--channel", "web", "--json-file", "/nonexistent.json"),
])
def test_bad_input_is_refused_and_changes_nothing(shop, seeded: str, args: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    _ok(shop("coupon", "add", "Ten off", "--amount", "10", "--min-spend", "50", "--code", "SAVE10"))
    before = _fingerprint(seeded)
    result = shop(*args)
    assert result.exit_code == 1, result.stdout
    assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert _fingerprint(seeded) == before


def test_an_expired_coupon_and_one_over_its_limit_are_refused(shop, seeded: str) -> None:  # type: ignore[no-untyped-def]
    _ok(shop("coupon", "add", "Old", "--amount", "5", "--from", "2026-01-01", "--until", "2026-02-01",
             "--code", "OLDONE"))
    result = shop("price", "--sku", "TEE-01", "--coupon", "OLDONE")
    assert result.exit_code == 1 and "expired" in result.stderr
    _ok(shop("coupon", "add", "Once", "--amount", "5", "--limit", "1", "--code", "ONCE5"))
    _ok(shop("order", "create", "-i", "TEE-01:1", "--json-file", "-", input=json.dumps(
        {"lines": [{"sku": "TEE-01", "quantity": 1}], "coupons": ["ONCE5"]})))
    before = _fingerprint(seeded)
    result = shop("order", "create", "--json-file", "-", input=json.dumps(
        {"lines": [{"sku": "TEE-01", "quantity": 1}], "coupons": ["ONCE5"]}))
    assert result.exit_code == 1 and "limit of 1 use" in result.stderr
    assert _fingerprint(seeded) == before


def test_promo_edit_changes_only_what_is_given(shop, seeded: str) -> None:  # type: ignore[no-untyped-def]
    _ok(shop("promo", "add", "Tenth", "--kind", "discount", "--percent", "10", "--limit", "50"))
    out = _ok(shop("promo", "edit", "1", "--name", "Fifth", "--percent", "20", "--ends", "2026-12-31", "--no-limit"))
    assert out.strip() == "Changed promotion #1 'Fifth' (percent_bp, name, ends_at, usage_limit): 20% off."
    shown = json.loads(_ok(shop("promo", "show", "1", "--json")))
    assert (shown["usage_limit"], shown["percent_bp"], shown["ends_at"][:10]) == (None, 2000, "2026-12-31")
    assert json.loads(_ok(shop("price", "--sku", "TEE-01", "--json")))["discount"] == "19.80"
    assert "nothing changed" in _ok(shop("promo", "edit", "1", "--percent", "20"))


def test_promo_edit_of_a_used_promotion_needs_a_new_version(shop, seeded: str) -> None:  # type: ignore[no-untyped-def]
    _ok(shop("promo", "add", "Tenth", "--kind", "discount", "--percent", "10"))
    _ok(shop("order", "create", "-i", "TEE-01:1"))
    before = _fingerprint(seeded)
    refused = shop("promo", "edit", "1", "--percent", "20")
    assert refused.exit_code == 1 and "--new-version" in refused.stderr
    assert _fingerprint(seeded) == before
    data = json.loads(_ok(shop("promo", "edit", "1", "--percent", "20", "--new-version", "--json")))
    assert (data["id"], data["percent_bp"], data["status"]) == (2, 2000, "active")
    assert json.loads(_ok(shop("promo", "show", "1", "--json")))["status"] == "ended"


@pytest.mark.parametrize("args", [
    ("promo", "edit", "999", "--name", "X"),
    ("promo", "edit", "1"),
    ("promo", "edit", "1", "--percent", "120"),
    ("promo", "edit", "1", "--percent", "abc"),
    ("promo", "edit", "1", "--ends", "2026-01-01"),
    ("promo", "edit", "1", "--starts", "someday"),
    ("promo", "edit", "1", "--name", ""),
    ("promo", "edit", "1", "--priority", "5000"),
    ("promo", "edit", "1", "--limit", "0"),
    ("promo", "edit", "1", "--kind", "bxgy"),
    ("promo", "edit", "1", "--kind", "moon"),
    ("promo", "edit", "1", "--product", "NOPE"),
    ("promo", "edit", "1", "--tier", "platinum"),
    ("promo", "edit", "1", "--channel", "moon"),
    ("promo", "edit", "1", "--step", "200:20"),
    ("promo", "edit", "2", "--name", "Y"),  # ended
])
def test_bad_promo_edits_are_refused_and_change_nothing(shop, seeded: str, args: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    _ok(shop("promo", "add", "Tenth", "--kind", "discount", "--percent", "10"))
    _ok(shop("promo", "add", "Gone", "--kind", "discount", "--percent", "10"))
    _ok(shop("promo", "end", "2"))
    before = _fingerprint(seeded)
    result = shop(*args)
    assert result.exit_code == 1, result.stdout
    assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert _fingerprint(seeded) == before


def test_promo_edit_usage_errors_exit_2(shop, seeded: str) -> None:  # type: ignore[no-untyped-def]
    _ok(shop("promo", "add", "Tenth", "--kind", "discount", "--percent", "10"))
    before = _fingerprint(seeded)
    assert shop("promo", "edit", "1", "--no-end", "--ends", "2026-12-31").exit_code == 2
    assert shop("promo", "edit", "1", "--priority", "high").exit_code == 2
    assert _fingerprint(seeded) == before
