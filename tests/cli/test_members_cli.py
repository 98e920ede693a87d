"""``shoptui member`` and ``shoptui tier``: flows, JSON, idempotency, and every refusal leaves the store unchanged."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.store_files import rows


def _counts(store: str) -> tuple[int, ...]:
    return tuple(rows(store, f"SELECT count(*) FROM {t}")[0][0] for t in (
        "member", "customer", "member_points_movement", "member_credit_movement", "member_tag", "audit_entry",
        "member_gift_redemption"))


def _ok(result) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.fixture
def ana(shop: Callable[..., object]) -> dict:  # type: ignore[type-arg]
    out = _ok(shop("member", "add", "--phone", "138 0013 8000", "--name", "Ana", "--email", "ana@example.com",
                   "--tag", "vip", "--sms-consent", "--json"))
    return json.loads(out)


def test_add_show_list_edit(shop, ana, store) -> None:  # type: ignore[no-untyped-def]
    assert (ana["phone"], ana["tier_code"], ana["tags"], ana["credit_balance"], ana["currency"]) == (
        "+8613800138000", "normal", ["vip"], "0.00", "CNY")
    out = _ok(shop("member", "show", "+86 138-0013-8000", "--json"))
    profile = json.loads(out)
    assert profile["member"]["id"] == ana["id"] and profile["tier_history"][0]["reason"] == "joined"
    assert "Ana" in _ok(shop("member", "show", "ana@example.com"))
    listed = json.loads(_ok(shop("member", "list", "--tag", "vip", "--json")))
    assert [m["name"] for m in listed["items"]] == ["Ana"]
    out = _ok(shop("member", "edit", "13800138000", "--region", "Shanghai", "--untag", "vip", "--no-sms-consent"))
    assert out.startswith("Updated member #1 Ana")
    edited = json.loads(_ok(shop("member", "show", "1", "--json")))["member"]
    assert (edited["region"], edited["tags"], edited["sms_consent"]) == ("Shanghai", [], False)
    assert "unsubscribed from email" in _ok(shop("member", "unsubscribe", "1", "--channel", "email"))


def test_points_credit_gifts_and_tiers(shop, ana, store) -> None:  # type: ignore[no-untyped-def]
    assert "balance 500" in _ok(shop("member", "points", "adjust", "1", "+500", "--reason", "welcome"))
    assert "balance 480" in _ok(shop("member", "points", "adjust", "1", "-20", "--reason", "typo"))
    history = json.loads(_ok(shop("member", "points", "history", "1", "--json")))
    assert [(h["kind"], h["points"]) for h in history["items"]] == [("adjust", -20), ("adjust", 500)]
    maximum = json.loads(_ok(shop("member", "points", "max", "1", "--payable", "6.00", "--json")))
    assert (maximum["points"], maximum["value"]) == (300, "3.00")
    assert "balance 50.00" in _ok(shop("member", "credit", "13800138000", "+50", "--reason", "cash"))
    assert "balance 45.00" in _ok(shop("member", "credit", "1", "-5", "--adjust", "--reason", "typo"))
    assert _ok(shop("member", "credit-history", "1", "--json")).count('"kind"') == 2
    _ok(shop("member", "gift", "add", "PEN", "Shop pen", "--points", "100", "--quantity", "2"))
    assert "1 x Shop pen for 100 points; 380 left." in _ok(shop("member", "points", "gift", "1", "PEN"))
    assert "PEN" in _ok(shop("member", "gift", "list"))
    _ok(shop("member", "event", "add", "Double 11", "-x", "2", "--starts", "2026-11-11", "--ends", "2026-11-12"))
    assert "Double 11" in _ok(shop("member", "event", "list"))
    tiers = json.loads(_ok(shop("tier", "list", "--json")))
    assert tiers["basis"] == "spend" and [t["code"] for t in tiers["tiers"]] == ["normal", "silver", "gold"]
    out = _ok(shop("tier", "edit", "gold", "--discount", "12.5", "--multiplier", "2", "--free-shipping-over", "none"))
    assert "Updated tier gold" in out
    gold = json.loads(_ok(shop("tier", "list", "--json")))["tiers"][2]
    assert (gold["discount_bp"], gold["points_multiplier_bp"], gold["free_shipping_over"]) == (1250, 20000, None)
    _ok(shop("tier", "add", "platinum", "--rank", "3"))
    assert "0 up, 0 down" in _ok(shop("member", "recalc-tiers"))
    assert "Expired 0 points" in _ok(shop("member", "points", "expire"))


def test_merge_and_idempotency(shop, ana, store) -> None:  # type: ignore[no-untyped-def]
    _ok(shop("member", "add", "--email", "old@example.com", "--name", "Ana old"))
    _ok(shop("member", "points", "adjust", "old@example.com", "+70", "--reason", "old card"))
    first = _ok(shop("member", "merge", "1", "old@example.com", "--idempotency-key", "m-1"))
    assert "Merged #2 into member #1 Ana" in first and "70 points" in first
    again = shop("member", "merge", "1", "old@example.com", "--idempotency-key", "m-1")
    assert again.exit_code == 0 and again.stdout == first and "already done" in again.stderr
    assert json.loads(_ok(shop("member", "show", "1", "--json")))["member"]["points_balance"] == 70


def test_merge_keeps_the_other_email_and_refuses_it_as_a_duplicate(shop, ana, store) -> None:  # type: ignore[no-untyped-def]
    """Issue 11 item 13: both had an email; the merged one stays findable and cannot register a new member."""
    _ok(shop("member", "add", "--phone", "13900139000", "--email", "ana.old@example.com", "--name", "Ana old"))
    _ok(shop("member", "merge", "1", "ana.old@example.com"))
    shown = json.loads(_ok(shop("member", "show", "ana.old@example.com", "--json")))["member"]
    assert (shown["id"], shown["email"], shown["other_contacts"]) == (1, "ana@example.com",
                                                                      ["+8613900139000", "ana.old@example.com"])
    assert "ana.old@example.com" in _ok(shop("member", "show", "1"))
    before = _counts(store)
    for args in (("--email", "ana.old@example.com"), ("--phone", "139 0013 9000")):
        result = shop("member", "add", "--name", "Ana again", *args)
        assert result.exit_code == 1 and "already belongs to member #1 Ana" in result.stderr, result.stderr
    assert _counts(store) == before


def test_tier_benefits_that_did_nothing_are_gone(shop, ana) -> None:  # type: ignore[no-untyped-def]
    """Issue 11 item 14: early access and pre-sale were removed, not shown, not settable."""
    for option in ("--early-access", "--presale"):
        assert shop("tier", "edit", "gold", option).exit_code == 2
    out = _ok(shop("tier", "list"))
    assert "early" not in out.lower() and "pre-sale" not in out.lower()
    tiers = json.loads(_ok(shop("tier", "list", "--json")))["tiers"]
    assert tiers and not {"early_access", "presale_access"} & set(tiers[0])
    assert "early" not in _ok(shop("tier", "edit", "--help")).lower()


@pytest.mark.parametrize(("args", "message"), [
    (("member", "add", "--phone", "12345"), "is not a phone number"),
    (("member", "add", "--phone", "１３８abc"), "is not a phone number"),
    (("member", "add", "--email", "ana@"), "is not an email address"),
    (("member", "add", "--phone", "13800138000"), "already belongs to member #1"),
    (("member", "add", "--email", "ANA@example.com"), "already belongs to member #1"),
    (("member", "add", "--name", "Nobody"), "phone number, an email"),
    (("member", "add", "--account", "nope"), "is not an account"),
    (("member", "add", "--phone", "13900139000", "--birthday", "1990-13-01"), "is not a date"),
    (("member", "show", "13999999999"), "There is no member"),
    (("member", "edit", "404", "--name", "x"), "There is no member '404'"),
    (("member", "edit", "1", "--region", ""), "Nothing to change"),
    (("member", "credit", "1", "-50"), "top-up must be more than zero"),
    (("member", "credit", "1", "0"), "top-up must be more than zero"),
    (("member", "credit", "1", "abc"), "is not an amount"),
    (("member", "credit", "1", "1.234"), "more decimals"),
    (("member", "credit", "1", "9999999999999"), "too large"),
    (("member", "credit", "1", "-5", "--adjust", "--reason", "x"), "holds 0.00 of store credit"),
    (("member", "credit", "1", "-5", "--adjust"), "Give a reason"),
    (("member", "credit", "unknown@example.com", "+5"), "There is no member"),
    (("member", "points", "adjust", "1", "-1", "--reason", "x"), "holds 0 points"),
    (("member", "points", "adjust", "1", "1.5", "--reason", "x"), "not a whole number"),
    (("member", "points", "adjust", "1", "+5", "--reason", " "), "Give a reason"),
    (("member", "points", "gift", "1", "NOPE"), "no gift"),
    (("member", "merge", "1", "1"), "into itself"),
    (("member", "merge", "1", "nobody@example.com"), "no customer"),
    (("member", "list", "--after", "zzz"), "cursor"),
    (("member", "event", "add", "x", "--starts", "2026-12-02", "--ends", "2026-12-01"), "ends before it starts"),
    (("member", "event", "add", "x", "-x", "0.5", "--starts", "2026-12-01", "--ends", "2026-12-02"), "more than x1"),
    (("tier", "edit", "gold", "--discount", "150"), "between 0 and 100%"),
    (("tier", "edit", "gold", "--min-spend", "1"), "cannot be lower"),
    (("tier", "edit", "diamond", "--name", "x"), "There is no tier"),
    (("tier", "add", "silver", "--rank", "9"), "already a tier"),
])
def test_bad_input_is_refused_and_changes_nothing(shop, ana, store, args, message) -> None:  # type: ignore[no-untyped-def]
    before = _counts(store)
    result = shop(*args)
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and message in result.stderr and result.stderr.count("\n") == 1
    assert _counts(store) == before


def test_redeeming_more_points_than_held_via_gift(shop, ana, store) -> None:  # type: ignore[no-untyped-def]
    _ok(shop("member", "gift", "add", "POT", "Teapot", "--points", "900"))
    _ok(shop("member", "points", "adjust", "1", "+100", "--reason", "x"))
    before = _counts(store)
    result = shop("member", "points", "gift", "1", "POT")
    assert result.exit_code == 1 and "holds 100 points, so 900 cannot be" in result.stderr
    assert _counts(store) == before
