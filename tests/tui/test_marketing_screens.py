"""The marketing screen: promotions (list, filters, report, the form by kind, refusals next to the fields,
edit in place or as a new version once used, pause and end), coupons (definitions, refusals, batches of codes, issue to a
segment with a preview count, send with the consented count, export to CSV), keys."""

# ruff: noqa: F811  (the fixtures imported from marketing_support are arguments of the tests)

from __future__ import annotations

import csv
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Static

from shoptui.tui.app import ShopApp
from shoptui.tui.screens.marketing.forms import (
    BatchForm,
    CouponForm,
    ExportForm,
    IssueForm,
    PromotionForm,
    SendForm,
)
from shoptui.tui.screens.marketing.screen import MarketingScreen
from shoptui.tui.widgets.confirm import Confirm
from tests.tui.conftest import settle, until
from tests.tui.marketing_support import (  # noqa: F401  (fixtures)
    error_of,
    fill,
    marketing_app,
    marketing_registry,
    marketing_store,
    open_marketing,
    promotion_names,
    store_codes,
    store_coupon,
    store_promotions,
    text_of,
    toasts,
)


async def goto_promotion(pilot: Pilot, screen: MarketingScreen, name: str) -> None:
    table = screen.promo_table
    target = next(p.id for p in screen.shown_promotions() if p.name == name)
    table.move_cursor(row=table.get_row_index(str(target)), animate=False)
    await pilot.pause()


async def goto_coupon(pilot: Pilot, screen: MarketingScreen, name: str) -> None:
    await pilot.press("2")
    await settle(pilot)
    table = screen.coupon_table
    target = next(c.id for c in screen.coupons.values() if c.name == name)
    table.move_cursor(row=table.get_row_index(str(target)), animate=False)
    await until(pilot, lambda: screen.codes_of == target)  # its codes load after a short debounce


# ---------------------------------------------------------------- promotions


async def test_f7_opens_marketing_with_promotions_and_report(marketing_app: ShopApp) -> None:
    async with marketing_app.run_test(size=(80, 24)) as pilot:
        screen = await open_marketing(pilot)
        assert promotion_names(screen) == ["Buy 2 get 1", "Mug over 300", "Tees 15% off", "满200减20"]
        await goto_promotion(pilot, screen, "满200减20")
        detail = text_of(screen.query_one("#promo-detail", Static))
        assert "20.00 off over 200.00, 60.00 off over 500.00" in detail
        assert "Used 1 time · discount given 20.00 · revenue 277.00" in detail
        row = screen.promo_table.get_row(str(next(p.id for p in screen.shown_promotions() if p.name == "满200减20")))
        cells = [str(c).strip() for c in row]
        assert cells[1:4] == ["满减", "from 11-20", "active"] and cells[-1] == "20.00"
        states = {p.name: str(screen.promo_table.get_row(str(p.id))[3]).strip() for p in screen.shown_promotions()}
        assert states == {"Buy 2 get 1": "paused", "Mug over 300": "draft", "Tees 15% off": "active",
                          "满200减20": "active"}


async def test_filters_by_status_and_kind(marketing_app: ShopApp) -> None:
    async with marketing_app.run_test(size=(80, 24)) as pilot:
        screen = await open_marketing(pilot)
        screen.query_one("#filter-status").value = "running"  # type: ignore[attr-defined]
        await settle(pilot)
        assert promotion_names(screen) == ["Tees 15% off", "满200减20"]
        screen.query_one("#filter-kind").value = "spend_save"  # type: ignore[attr-defined]
        await settle(pilot)
        assert promotion_names(screen) == ["满200减20"]
        screen.query_one("#filter-status").value = "paused"  # type: ignore[attr-defined]
        await settle(pilot)
        assert promotion_names(screen) == []
        assert "No promotion of that kind" in text_of(screen.query_one("#mkt-status", Static))


async def test_add_spend_save_through_the_form(marketing_app: ShopApp, marketing_store: str) -> None:
    async with marketing_app.run_test(size=(80, 24)) as pilot:
        screen = await open_marketing(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, PromotionForm)
        assert form.rows["steps"].display and not form.rows["buy"].display
        await fill(pilot, name="满300减30", steps="满300减30 满600减80", cap="100", ends="2026-12-31",
                   usage_limit="500", tiers="silver", channels="counter, web", stacking="exclusive")
        await pilot.press("ctrl+s")
        await settle(pilot, rounds=5)
        assert not isinstance(pilot.app.screen, PromotionForm)
        added = next(p for p in store_promotions(marketing_store) if p.name == "满300减30")
        assert added.kind == "spend_save" and added.steps == [[30_000, 3_000], [60_000, 8_000]]
        assert added.cap_minor == 10_000 and added.usage_limit == 500 and added.exclusive
        assert added.tiers == ["silver"] and added.channels == ["counter", "web"]
        assert added.ends_at is not None and added.ends_at.isoformat() == "2026-12-31T16:00:00+00:00"
        assert "满300减30" in promotion_names(screen)
        assert screen.current_promotion() is not None and screen.current_promotion().name == "满300减30"
        assert any("Added promotion" in t and "满300减30" in t for t in toasts(pilot.app))


async def test_repeating_spend_save_and_kind_switch(marketing_app: ShopApp, marketing_store: str) -> None:
    async with marketing_app.run_test(size=(80, 24)) as pilot:
        await open_marketing(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = pilot.app.screen
        await fill(pilot, kind="bxgy")
        assert form.rows["buy"].display and not form.rows["steps"].display  # type: ignore[attr-defined]
        await fill(pilot, kind="spend_save", name="Every 100 off 10", every="100:10", cap="50")
        await pilot.press("ctrl+s")
        await settle(pilot, rounds=5)
        added = next(p for p in store_promotions(marketing_store) if p.name == "Every 100 off 10")
        assert (added.every_minor, added.every_off_minor, added.cap_minor, added.steps) == (10_000, 1_000, 5_000, None)


async def test_promotion_ending_before_it_starts_is_refused_next_to_the_field(
        marketing_app: ShopApp, marketing_store: str) -> None:
    before = len(store_promotions(marketing_store))
    async with marketing_app.run_test(size=(80, 24)) as pilot:
        await open_marketing(pilot)
        await pilot.press("n")
        await settle(pilot)
        await fill(pilot, name="Backwards", steps="200:20", starts="2026-12-10", ends="2026-12-01")
        await pilot.press("ctrl+s")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, PromotionForm)
        error = error_of(form, "ends")
        assert error is not None and "before it starts" in error
        assert error_of(form, "name") is None
        assert form.focused is form.rows["ends"].widget
    assert len(store_promotions(marketing_store)) == before


async def test_bad_values_are_refused_at_their_fields(marketing_app: ShopApp, marketing_store: str) -> None:
    before = len(store_promotions(marketing_store))
    cases = [
        ({"name": "Too much", "kind": "discount", "percent": "150"}, "percent", "at most 100%"),
        ({"name": "Zero", "kind": "bxgy", "buy": "0", "get": "1"}, "buy", "number to buy"),
        ({"name": "No gift", "kind": "gift", "gift_sku": "NOPE-1", "min_spend": "100"}, "gift_sku", "NOPE-1"),
        ({"name": "Bad step", "steps": "200-20"}, "steps", "200-20"),
        ({"name": "Off more", "steps": "100:200"}, "steps", "cannot be more than its threshold"),
        ({"name": "Bad date", "steps": "200:20", "starts": "next week"}, "starts", "'next week'"),
        ({"name": "Tier", "steps": "200:20", "tiers": "platinum"}, "tiers", "platinum"),
        ({"name": "", "steps": "200:20"}, "name", "needs a name"),
    ]
    async with marketing_app.run_test(size=(80, 24)) as pilot:
        await open_marketing(pilot)
        for values, field, words in cases:
            await pilot.press("n")
            await settle(pilot)
            await fill(pilot, **values)
            await pilot.press("ctrl+s")
            await settle(pilot)
            form = pilot.app.screen
            assert isinstance(form, PromotionForm), values
            error = error_of(form, field)
            assert error is not None and words in error, (values, error)
            await pilot.press("escape")
            await settle(pilot)
    assert len(store_promotions(marketing_store)) == before


async def test_pause_resume_and_end_ask_first(marketing_app: ShopApp, marketing_store: str) -> None:
    async with marketing_app.run_test(size=(80, 24)) as pilot:
        screen = await open_marketing(pilot)
        await goto_promotion(pilot, screen, "满200减20")
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(pilot.app.screen, Confirm)
        await pilot.press("n")  # no: nothing changes
        await settle(pilot)
        assert next(p for p in store_promotions(marketing_store) if p.name == "满200减20").status == "active"
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot, rounds=5)
        assert next(p for p in store_promotions(marketing_store) if p.name == "满200减20").status == "paused"
        assert any("is now paused" in t for t in toasts(pilot.app))
        assert str(screen.promo_table.get_row(str(screen.current_promotion().id))[3]).strip() == "paused"
        await pilot.press("p", "y")
        await settle(pilot, rounds=5)
        assert next(p for p in store_promotions(marketing_store) if p.name == "满200减20").status == "active"
        await pilot.press("x")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, Confirm) and dialog.has_class("-danger")
        await pilot.press("y")
        await settle(pilot, rounds=5)
        assert next(p for p in store_promotions(marketing_store) if p.name == "满200减20").status == "ended"
        assert screen.check_action("pause", ()) is False


async def test_edit_changes_the_promotion_in_place(marketing_app: ShopApp, marketing_store: str) -> None:
    async with marketing_app.run_test(size=(80, 24)) as pilot:
        screen = await open_marketing(pilot)
        before = next(p for p in store_promotions(marketing_store) if p.name == "Tees 15% off")
        await goto_promotion(pilot, screen, "Tees 15% off")
        await pilot.press("e")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, PromotionForm)
        assert form.rows["percent"].widget.value == "15"  # type: ignore[attr-defined]
        assert form.rows["tiers"].widget.value == "gold, silver"  # type: ignore[attr-defined]
        assert form.rows["ends"].widget.value == "2026-12-31"  # the end of that day, as typed  # type: ignore[attr-defined]
        assert "status" not in (form.visible_keys() or set())  # p and x do that
        await fill(pilot, name="Tees 20% off", percent="20")
        await pilot.press("ctrl+s")
        await settle(pilot, rounds=5)
        by_name = {p.name: p for p in store_promotions(marketing_store)}
        assert "Tees 15% off" not in by_name and len(by_name) == len(store_promotions(marketing_store))
        edited = by_name["Tees 20% off"]
        assert edited.id == before.id and edited.status == before.status  # the same promotion, changed
        assert edited.percent_bp == 2000 and edited.scope_kind == "products" and edited.tiers == ["gold", "silver"]
        assert edited.priority == 5 and edited.usage_limit == 100
        assert edited.ends_at is not None and edited.ends_at.isoformat() == "2026-12-31T16:00:00+00:00"
        assert any(f"Saved promotion #{before.id} Tees 20% off" in t for t in toasts(pilot.app))
    import json

    from tests.store_files import rows

    after = rows(marketing_store, "SELECT after FROM audit_entry WHERE action = 'promotion.edit'")
    assert [sorted(a if isinstance(a, dict) else json.loads(a)) for (a,) in after] == [["name", "percent_bp"]]  # the times were left as stored


async def test_edit_of_a_used_promotions_reward_makes_a_new_version(marketing_app: ShopApp,
                                                                    marketing_store: str) -> None:
    used = next(p for p in store_promotions(marketing_store) if p.used_count)  # by the seeded order
    async with marketing_app.run_test(size=(80, 24)) as pilot:
        screen = await open_marketing(pilot)
        await goto_promotion(pilot, screen, used.name)
        await pilot.press("e")
        await settle(pilot)
        await fill(pilot, name="New terms", priority="7")
        field = {"spend_save": "steps", "discount": "percent", "bxgy": "get", "gift": "gift_qty"}[used.kind]
        await fill(pilot, **{field: {"steps": "300:30", "percent": "25", "get": "2", "gift_qty": "2"}[field]})
        await pilot.press("ctrl+s")
        await settle(pilot, rounds=5)
        by_id = {p.id: p for p in store_promotions(marketing_store)}
        assert by_id[used.id].status == "ended" and by_id[used.id].name == used.name
        assert by_id[used.id].used_count == used.used_count  # its report stays
        new = max(by_id.values(), key=lambda p: p.id)
        assert new.id != used.id and new.name == "New terms" and new.priority == 7 and new.used_count == 0
        assert any("its report stays" in t for t in toasts(pilot.app))


async def test_edit_a_gift_promotion_keeps_its_gift(marketing_app: ShopApp, marketing_store: str) -> None:
    async with marketing_app.run_test(size=(80, 24)) as pilot:
        screen = await open_marketing(pilot)
        await goto_promotion(pilot, screen, "Mug over 300")
        assert "MUG-01 Enamel mug" in text_of(screen.query_one("#promo-detail", Static))
        await pilot.press("e")
        await settle(pilot)
        assert pilot.app.screen.rows["gift_sku"].widget.value == "MUG-01"  # type: ignore[attr-defined]


# ---------------------------------------------------------------- coupons


async def test_coupons_tab_shows_definitions_report_and_codes(marketing_app: ShopApp) -> None:
    async with marketing_app.run_test(size=(80, 24)) as pilot:
        screen = await open_marketing(pilot)
        await goto_coupon(pilot, screen, "Ten off")
        detail = text_of(screen.query_one("#coupon-detail", Static))
        assert "10.00 off over 100.00" in detail and "shared code SAVE10" in detail
        assert "to 2026-12-31" in detail and "used 0 times" in detail
        assert screen.code_table.row_count == 1
        assert str(screen.code_table.get_row_at(0)[0]).strip() == "SAVE10"


async def test_add_coupon_with_percentage_over_100_is_refused(marketing_app: ShopApp, marketing_store: str) -> None:
    async with marketing_app.run_test(size=(80, 24)) as pilot:
        screen = await open_marketing(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, CouponForm)
        await fill(pilot, name="Too generous", kind="percent", percent="150")
        assert form.rows["percent"].display and not form.rows["amount"].display
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, CouponForm)
        error = error_of(form, "percent")
        assert error is not None and "at most 100%" in error
        await fill(pilot, percent="15", valid_from="2026-12-10", valid_until="2026-12-01")
        await pilot.press("ctrl+s")
        await settle(pilot)
        error = error_of(form, "valid_until")
        assert error is not None and "expire" in error
        await fill(pilot, valid_from="", valid_until="2026-12-31", cap="30", code="Winter15")
        await pilot.press("ctrl+s")
        await settle(pilot, rounds=5)
        assert not isinstance(pilot.app.screen, CouponForm)
        assert len(screen.coupons) == 3
    added = store_coupon(marketing_store, "WINTER15")
    assert (added.name, added.percent_bp, added.cap_minor, added.shared_code) == ("Too generous", 1500, 3000,
                                                                                   "WINTER15")


async def test_batch_of_codes(marketing_app: ShopApp, marketing_store: str) -> None:
    async with marketing_app.run_test(size=(80, 24)) as pilot:
        screen = await open_marketing(pilot)
        await goto_coupon(pilot, screen, "VIP 20%")
        await pilot.press("b")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, BatchForm)
        await fill(pilot, count="many")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "not a whole number" in (error_of(form, "count") or "")
        await fill(pilot, count="12")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: screen.code_table.row_count == 12)
        assert any("Made 12 codes" in t for t in toasts(pilot.app))
    codes = store_codes(marketing_store, "VIP 20%")
    assert len(codes) == 12 and all(c.max_uses == 1 and c.customer_id is None for c in codes)
    assert not any(ch in c.code for c in codes for ch in "01OIL")


async def test_issue_to_a_tier_segment_shows_the_count_first(marketing_app: ShopApp, marketing_store: str) -> None:
    async with marketing_app.run_test(size=(80, 24)) as pilot:
        screen = await open_marketing(pilot)
        await goto_coupon(pilot, screen, "VIP 20%")
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(pilot.app.screen, IssueForm)
        await fill(pilot, tiers="normal")
        await pilot.press("ctrl+s")
        await settle(pilot, rounds=4)
        dialog = pilot.app.screen
        assert isinstance(dialog, Confirm)
        assert "Issue 2 codes" in dialog.question and "the 2 members of tier normal" in dialog.question
        assert store_codes(marketing_store, "VIP 20%") == []  # the preview wrote nothing
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        await fill(pilot, tiers="silver")
        await pilot.press("ctrl+s")
        await settle(pilot, rounds=4)
        dialog = pilot.app.screen
        assert isinstance(dialog, Confirm) and "Issue 1 code " in dialog.question
        await pilot.press("y")
        await settle(pilot, rounds=6)
        assert any("Issued 1 code of coupon" in t for t in toasts(pilot.app))
    codes = store_codes(marketing_store, "VIP 20%")
    assert [c.customer_id for c in codes] == [1]


async def test_issue_to_an_empty_segment_is_refused(marketing_app: ShopApp, marketing_store: str) -> None:
    async with marketing_app.run_test(size=(80, 24)) as pilot:
        screen = await open_marketing(pilot)
        await goto_coupon(pilot, screen, "VIP 20%")
        await pilot.press("i")
        await settle(pilot)
        form = pilot.app.screen
        await fill(pilot, tiers="gold")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, IssueForm)
        assert "No member is in that segment" in text_of(form.query_one("#form-banner", Static))
        await fill(pilot, tiers="", min_spent="500", max_spent="100")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "spend range is empty" in (error_of(form, "min_spent") or "")
    assert store_codes(marketing_store, "VIP 20%") == []


async def test_send_counts_consented_recipients(marketing_app: ShopApp, marketing_store: str) -> None:
    from shoptui import db
    from shoptui.services.messaging import outbox as messaging

    async with marketing_app.run_test(size=(80, 24)) as pilot:
        screen = await open_marketing(pilot)
        await goto_coupon(pilot, screen, "VIP 20%")
        await pilot.press("i")  # every member: Wang (email, consent), Li (no email), Ana (email, no consent)
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot, rounds=4)
        assert "each of the 3 members (every member of the shop)?" in pilot.app.screen.question  # type: ignore[attr-defined]
        await pilot.press("y")
        await settle(pilot, rounds=6)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, SendForm)
        await pilot.press("ctrl+s")
        await settle(pilot, rounds=4)
        dialog = pilot.app.screen
        assert isinstance(dialog, Confirm)
        assert "Queue 1 email message" in dialog.question and "1 consented recipient" in dialog.question
        assert "1 member without consent" in dialog.question and "1 member without an address" in dialog.question
        await pilot.press("y")
        await settle(pilot, rounds=6)
    with db.read_session(marketing_store) as session:
        queued = messaging.list_messages(session=session, limit=50).items
    assert [m.recipient for m in queued if m.template == "coupon"] == ["wang@example.com"]  # once: previews rolled back
    sent = [c for c in store_codes(marketing_store, "VIP 20%") if c.sent_at is not None]
    assert [c.customer_id for c in sent] == [1]


async def test_export_writes_the_csv(marketing_app: ShopApp, marketing_store: str, tmp_path: Path) -> None:
    target = tmp_path / "codes.csv"
    async with marketing_app.run_test(size=(80, 24)) as pilot:
        screen = await open_marketing(pilot)
        await goto_coupon(pilot, screen, "Ten off")
        await pilot.press("o")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, ExportForm)
        await fill(pilot, path=str(tmp_path / "nowhere" / "codes.csv"))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "does not exist" in (error_of(form, "path") or "")
        await fill(pilot, path=str(target))
        await pilot.press("ctrl+s")
        await settle(pilot, rounds=4)
        assert not isinstance(pilot.app.screen, ExportForm)
        assert any(f"Wrote 1 code of #1 Ten off to {target}" in t for t in toasts(pilot.app))
        await pilot.press("o")  # the file exists now: never overwritten
        await settle(pilot)
        await fill(pilot, path=str(target))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "already exists" in (error_of(pilot.app.screen, "path") or "")
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert [r["code"] for r in rows] == ["SAVE10"]
    # the date after "until" is the service's (it prints the exclusive end of the last day)
    assert rows[0]["share_text"].startswith("Ten off: 10.00 off over 100.00 with code SAVE10 until ")


async def test_pause_a_coupon(marketing_app: ShopApp, marketing_store: str) -> None:
    async with marketing_app.run_test(size=(80, 24)) as pilot:
        screen = await open_marketing(pilot)
        await goto_coupon(pilot, screen, "Ten off")
        await pilot.press("p", "y")
        await settle(pilot, rounds=5)
        assert store_coupon(marketing_store, "Ten off").status == "paused"
        assert screen.check_action("issue", ()) is False
        assert screen.check_action("export", ()) is True


# ---------------------------------------------------------------- keys


async def test_every_binding_has_an_id_label_and_tooltip(marketing_app: ShopApp) -> None:
    for binding in MarketingScreen.BINDINGS:
        assert binding.id and binding.description and binding.tooltip, binding  # type: ignore[union-attr]
    async with marketing_app.run_test(size=(80, 24)) as pilot:
        await open_marketing(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert pilot.app.screen.query("HelpPanel")
        screen = pilot.app.screen
        assert isinstance(screen, MarketingScreen)
        assert screen.check_action("issue", ()) is False  # promotions tab in front
        await pilot.press("2")
        await settle(pilot)
        assert screen.check_action("issue", ()) is True
        assert screen.check_action("edit", ()) is False


async def test_light_theme_and_160x48_draw_every_column(marketing_app: ShopApp) -> None:
    marketing_app.theme = "textual-light"
    async with marketing_app.run_test(size=(160, 48)) as pilot:
        screen = await open_marketing(pilot)
        table = screen.promo_table
        assert [c.key for c in table.columns_now] == ["name", "kind", "window", "state", "priority", "stacking",
                                                       "uses", "given"]
        assert sum(c.width for c in table.columns_now) + 1 <= table.size.width
        row = [str(c).strip() for c in table.get_row(str(screen.current_promotion().id))]
        assert row[1] == "buy X get Y" and row[5] == "exclusive"
        await goto_promotion(pilot, screen, "Tees 15% off")
        assert "tiers gold, silver" in text_of(screen.query_one("#promo-detail", Static))
        assert "2026-11-20 00:00 → end of 2026-12-31" in text_of(screen.query_one("#promo-detail", Static))
