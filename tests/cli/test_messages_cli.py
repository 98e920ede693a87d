"""What people read from the CLI: promotion states, refusals of windows already over, no -0.00 (issue 11)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from shoptui import clock, db
from shoptui.services.marketing import figures as marketing_figures
from tests.cli.test_marketing_cli import _fingerprint, _ok, seeded  # noqa: F401  (seeded is a fixture)


def _active_promotions(store: str) -> str:
    with db.read_session(store) as session:
        [figure] = marketing_figures.dashboard_figures(session=session)
    return figure.value


def test_promotions_read_scheduled_active_ended(shop, seeded: str) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    _ok(shop("promo", "add", "Now", "--kind", "discount", "--amount", "5"))
    _ok(shop("promo", "add", "Later", "--kind", "discount", "--amount", "5", "--starts", "2026-12-20"))
    _ok(shop("promo", "add", "Short", "--kind", "discount", "--amount", "5", "--ends", "2026-11-25"))
    states = {p["name"]: p["state"] for p in json.loads(_ok(shop("promo", "list", "--json")))["items"]}
    assert states == {"Now": "active", "Later": "scheduled", "Short": "active"}
    listed = _ok(shop("promo", "list"))
    assert "scheduled" in listed and "running" not in listed
    assert _active_promotions(seeded) == "2"
    with clock.frozen(datetime(2026, 12, 1, 0, 0, tzinfo=UTC)):  # Short ended 2026-11-25 (shop time)
        states = {p["name"]: p["state"] for p in json.loads(_ok(shop("promo", "list", "--json")))["items"]}
        assert states == {"Now": "active", "Later": "scheduled", "Short": "ended"}
        shown = _ok(shop("promo", "show", "Short"))
        assert "ended (set active)" in shown and "2026-11-25" in shown
        assert _active_promotions(seeded) == "1"


@pytest.mark.parametrize("args", [
    ("promo", "add", "Gone", "--kind", "discount", "--amount", "5", "--starts", "2026-11-01", "--ends", "2026-11-10"),
    ("promo", "edit", "Now", "--ends", "2026-11-10"),
])
def test_a_window_already_over_is_refused(shop, seeded: str, args: tuple[str, ...]) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    _ok(shop("promo", "add", "Now", "--kind", "discount", "--amount", "5", "--starts", "2026-11-01"))
    before = _fingerprint(seeded)
    result = shop(*args)
    assert result.exit_code == 1, result.stdout
    assert "would end 2026-11-10, which has already passed, so it would never run" in result.stderr
    assert "Traceback" not in result.stderr and _fingerprint(seeded) == before


def test_price_explanation_never_prints_minus_zero(shop, seeded: str) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    out = _ok(shop("price", "--sku", "TEE-01"))
    assert "-0.00" not in out and "offers 0.00, points 0.00" in out


def test_counts_of_one_read_in_the_singular(shop, seeded: str) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    _ok(shop("coupon", "add", "Welcome", "--amount", "5", "--days", "30"))
    assert _ok(shop("coupon", "issue", "Welcome", "--count", "1")).strip() == "Issued 1 code of coupon #1."


def test_no_count_is_followed_by_a_maybe_plural_in_faces_and_services() -> None:
    """The class: '(s)' after a count is gone from what the CLI, TUI and services say (one plural helper)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "shoptui"
    pattern = re.compile(r"\}\s?[a-zA-Z ]*[a-z](?<!http)\(s\)")  # not "http(s)"
    offenders = [f"{path.relative_to(root)}:{n}" for folder in ("services", "cli", "tui")
                 for path in sorted((root / folder).rglob("*.py"))
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert offenders == [], offenders


def test_promotion_and_coupon_scopes_name_skus_and_titles(shop, seeded: str) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    _ok(shop("promo", "add", "Gift", "--kind", "gift", "--gift", "CAP-01", "--min-spend", "100"))
    _ok(shop("promo", "add", "Tees", "--kind", "discount", "--percent", "10", "--product", "TEE-01"))
    _ok(shop("coupon", "add", "Mugs", "--amount", "5", "--product", "MUG-01", "--code", "MUGS5"))
    listed = _ok(shop("promo", "list"))
    shown = _ok(shop("promo", "show", "Gift"))
    assert "1 gift of CAP-01" in listed + shown and "variant #" not in listed + shown
    tees = _ok(shop("promo", "show", "Tees"))
    assert "products: TEE-01" in tees and "[" not in tees.split("scope", 1)[1].splitlines()[0]
    mugs = _ok(shop("coupon", "show", "Mugs"))
    assert "products: MUG-01" in mugs
