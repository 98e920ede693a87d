"""The members screens: list, search, filters, register (bad input, duplicates), profile and its ledgers,
points, store credit, gifts, edit and consent, merge, tiers (edit, refusals, recalculation), global search."""

# ruff: noqa: F811  (the fixtures imported from members_support are arguments of the tests)

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, Static

from shoptui import db
from shoptui.services.members import points as members_points
from shoptui.services.members import profiles as members
from shoptui.services.members import tiers as members_tiers
from shoptui.tui.app import ShopApp
from shoptui.tui.screens.members.dialogs import (
    CreditDialog,
    EditDialog,
    GiftDialog,
    MergeDialog,
    PointsDialog,
    RegisterDialog,
    TierEditDialog,
)
from shoptui.tui.screens.members.profile import MemberProfileScreen
from shoptui.tui.screens.members.screen import MembersScreen
from shoptui.tui.screens.members.tiers import TiersScreen
from shoptui.tui.widgets.confirm import Confirm
from shoptui.tui.widgets.form import FieldRow
from tests.conftest import CLERK
from tests.tui.conftest import settle
from tests.tui.members_support import (  # noqa: F401  (fixtures)
    ORDERS_STUB,
    member,
    member_count,
    members_app,
    members_registry,
    members_store,
    names,
    open_members,
    opened_orders,
    toasts,
)


def text_of(widget: Static) -> str:
    return str(widget.render())


def error_of(dialog: object, key: str) -> str | None:
    row: FieldRow = dialog.rows[key]  # type: ignore[attr-defined]
    if not row.has_class("-invalid"):
        return None
    return text_of(row.query_one(".field-error", Static))


def table_text(table: DataTable) -> str:  # type: ignore[type-arg]
    return "\n".join(" ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count))


async def fill(pilot: Pilot, **values: str) -> None:
    """Type into the dialog's inputs by field key."""
    dialog = pilot.app.screen
    for key, value in values.items():
        widget = dialog.rows[key].widget  # type: ignore[attr-defined]
        if isinstance(widget, Select):
            widget.value = value
        else:
            widget.value = value
    await pilot.pause()


async def search(pilot: Pilot, screen: MembersScreen, text: str) -> None:
    box = screen.query_one("#members-search", Input)
    box.value = text
    box.focus()
    await pilot.press("enter")
    await settle(pilot)


async def open_profile(pilot: Pilot, name: str) -> MemberProfileScreen:
    screen = await open_members(pilot)
    await search(pilot, screen, name)
    await pilot.press("enter")
    await settle(pilot, rounds=4)
    profile = pilot.app.screen
    assert isinstance(profile, MemberProfileScreen)
    return profile


# ---------------------------------------------------------------- list, search, filters


async def test_f6_lists_members_by_name(members_app: ShopApp) -> None:
    async with members_app.run_test(size=(80, 24)) as pilot:
        screen = await open_members(pilot)
        assert names(screen) == ["Ana Souza", "Li Lei", "Wang Fang", "Zhang Wei"]
        assert screen.next_after is None
        assert "4 shown · that is all" in text_of(screen.query_one("#members-status", Static))
        assert "#3 Ana Souza · ana@example.com · ads: email" in text_of(screen.query_one("#members-detail", Static))
        assert not toasts(members_app)


@pytest.mark.parametrize("typed", ["13800138000", "+86 138 0013 8000", "0086-138-0013-8000", "8613800138000"])
async def test_search_by_phone_with_or_without_country_code(members_app: ShopApp, typed: str) -> None:
    async with members_app.run_test(size=(80, 24)) as pilot:
        screen = await open_members(pilot)
        await search(pilot, screen, typed)
        assert names(screen) == ["Wang Fang"]
        assert screen.focused is screen.table  # enter hands the cursor back to the list


async def test_search_by_email_and_name_and_nothing(members_app: ShopApp) -> None:
    async with members_app.run_test(size=(80, 24)) as pilot:
        screen = await open_members(pilot)
        await search(pilot, screen, "ANA@example.com")
        assert names(screen) == ["Ana Souza"]
        await search(pilot, screen, "Li")
        assert names(screen) == ["Li Lei"]
        await search(pilot, screen, "13999999999")
        assert names(screen) == []
        assert "No member matches" in text_of(screen.query_one("#members-status", Static))


async def test_filters_tier_tag_and_consent(members_app: ShopApp) -> None:
    async with members_app.run_test(size=(80, 24)) as pilot:
        screen = await open_members(pilot)
        screen.query_one("#filter-consent", Select).value = "sms"
        await settle(pilot)
        assert names(screen) == ["Wang Fang"]
        screen.query_one("#filter-consent", Select).value = "none"
        await settle(pilot)
        assert names(screen) == ["Li Lei", "Zhang Wei"]
        screen.query_one("#filter-consent", Select).value = ""
        tag = screen.query_one("#filter-tag", Input)
        tag.value = "VIP"
        tag.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert names(screen) == ["Wang Fang"]
        tag.value = ""
        tag.focus()
        await pilot.press("enter")
        screen.query_one("#filter-tier", Select).value = "gold"
        await settle(pilot)
        assert names(screen) == []
        screen.query_one("#filter-tier", Select).value = "normal"
        await settle(pilot)
        assert len(names(screen)) == 4


async def test_paging_loads_more_without_counting(members_store: str, frozen_clock: object) -> None:
    with db.transaction(members_store) as session:
        for i in range(70):
            members.add_member(session=session, actor=CLERK, data=members.MemberCreate(
                name=f"Member {i:03d}", email=f"m{i}@example.com"))
    app = ShopApp(db_url=members_store, poll_seconds=600)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_members(pilot)
        first = len(screen.rows)
        assert first < 74 and screen.next_after is not None
        assert "more below" in text_of(screen.query_one("#members-status", Static))
        await pilot.press("ctrl+end")
        await settle(pilot)
        assert len(screen.rows) == 74 and screen.next_after is None


# ---------------------------------------------------------------- register


async def test_register_with_a_bad_phone_shows_the_sentence_beside_the_field(members_app: ShopApp,
                                                                            members_store: str) -> None:
    async with members_app.run_test(size=(80, 24)) as pilot:
        await open_members(pilot)
        await pilot.press("n")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, RegisterDialog)
        await fill(pilot, name="Bad phone", phone="12345")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is dialog  # still open
        assert "'12345' is not a phone number" in (error_of(dialog, "phone") or "")
        assert error_of(dialog, "name") is None
        assert dialog.focused is dialog.rows["phone"].widget
    assert member_count(members_store) == 4


async def test_register_with_a_bad_email_and_a_bad_birthday(members_app: ShopApp, members_store: str) -> None:
    async with members_app.run_test(size=(80, 24)) as pilot:
        await open_members(pilot)
        await pilot.press("n")
        await settle(pilot)
        dialog = pilot.app.screen
        await fill(pilot, email="not-an-email")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "is not an email address" in (error_of(dialog, "email") or "")
        await fill(pilot, email="new@example.com", birthday="1990-13-01")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "is not a date" in (error_of(dialog, "birthday") or "")
        assert error_of(dialog, "email") is None
    assert member_count(members_store) == 4


async def test_register_a_member_opens_the_profile(members_app: ShopApp, members_store: str) -> None:
    async with members_app.run_test(size=(80, 24)) as pilot:
        screen = await open_members(pilot)
        await pilot.press("n")
        await settle(pilot)
        await fill(pilot, name="Chen Jie", phone="186 1234 5678", tags="new, Staff", sms_consent="yes")
        await pilot.press("ctrl+s")
        await settle(pilot, rounds=5)
        profile = pilot.app.screen
        assert isinstance(profile, MemberProfileScreen)
        assert profile.data is not None and profile.data.member.name == "Chen Jie"
        assert any("Registered member #5 Chen Jie" in t for t in toasts(members_app))
        await pilot.press("escape")
        await settle(pilot)
        assert "Chen Jie" in names(screen)
    found = member(members_store, "18612345678")
    assert found.phone == "+8618612345678" and found.tags == ["new", "staff"] and found.sms_consent


async def test_a_duplicate_is_refused_with_the_services_sentence(members_app: ShopApp, members_store: str) -> None:
    async with members_app.run_test(size=(80, 24)) as pilot:
        await open_members(pilot)
        await pilot.press("n")
        await settle(pilot)
        dialog = pilot.app.screen
        await fill(pilot, name="Wang again", phone="+86 138-0013-8000")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "already belongs to member #1 Wang Fang" in (error_of(dialog, "phone") or "")
        await fill(pilot, phone="", email="WANG@example.com")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "already belongs to member #1" in (error_of(dialog, "email") or "")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, MembersScreen)
    assert member_count(members_store) == 4


# ---------------------------------------------------------------- profile


async def test_profile_shows_details_orders_and_ledgers(members_app: ShopApp) -> None:
    async with members_app.run_test(size=(80, 24)) as pilot:
        profile = await open_profile(pilot, "Wang")
        head = text_of(profile.query_one("#profile-head", Static))
        assert "698 points" in head and "credit 50.00" in head and "1 order" in head
        assert "Next Silver" in head and "spent 198.00 of 2000.00" in head and "1802.00 to go" in head
        details = text_of(profile.query_one("#profile-details", Static))
        assert "SMS yes since 2026-11-20 10:30" in details and "email not asked" in details
        assert "vip" in details and "female · born 1990-05-01 · Shanghai" in details
        await pilot.press("2")
        await pilot.pause()
        assert "SO-000001" in table_text(profile.query_one("#orders-table", DataTable))
        await pilot.press("3")
        await pilot.pause()
        points = table_text(profile.query_one("#points-table", DataTable))
        assert "+198" in points and "order SO-000001" in points and "welcome" in points
        assert "next expiry 2028-11-20: 698" in text_of(profile.query_one("#points-head", Static))
        await pilot.press("4")
        await pilot.pause()
        assert "joined" in table_text(profile.query_one("#tiers-table", DataTable))
        await pilot.press("5")
        await pilot.pause()
        assert "cash at the counter" in table_text(profile.query_one("#credit-table", DataTable))
        assert profile.focused is profile.query_one("#credit-table")


async def test_orders_are_listed_here_without_an_orders_screen(members_app: ShopApp) -> None:
    async with members_app.run_test(size=(80, 24)) as pilot:
        profile = await open_profile(pilot, "Wang")
        await pilot.press("2")
        await pilot.pause()
        assert "the orders screen is not installed" in text_of(profile.query_one("#orders-head", Static))
        assert not profile.check_action("open_order", ())
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is profile
        assert any("orders are listed here" in t for t in toasts(members_app))


async def test_an_order_opens_in_the_orders_screen(members_store: str, frozen_clock: object,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from shoptui import modules
    from shoptui.modules import core
    from shoptui.modules import members as members_module

    registry = modules.all_modules()
    monkeypatch.setattr(modules, "all_modules", lambda: (*registry, ORDERS_STUB))
    assert core.MODULE in registry and members_module.MODULE in registry
    app = ShopApp(db_url=members_store, poll_seconds=600)
    async with app.run_test(size=(80, 24)) as pilot:
        profile = await open_profile(pilot, "Wang")
        await pilot.press("2")
        await pilot.pause()
        assert "enter or o opens one in Orders" in text_of(profile.query_one("#orders-head", Static))
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.current_mode == "orders"
        assert opened_orders == [("order", "SO-000001")]
        await pilot.press("f6")
        await settle(pilot)
        assert pilot.app.screen is profile  # the profile is where it was


async def test_points_adjustment_needs_a_reason_and_lands_in_the_ledger(members_app: ShopApp,
                                                                       members_store: str) -> None:
    async with members_app.run_test(size=(80, 24)) as pilot:
        profile = await open_profile(pilot, "Wang")
        await pilot.press("p")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, PointsDialog)
        await fill(pilot, points="+100")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Give a reason" in (error_of(dialog, "reason") or "")
        await fill(pilot, points="-5000", reason="typo")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "holds 698 points, so 5000 cannot be taken away" in (error_of(dialog, "points") or "")
        assert member(members_store, 1).points_balance == 698
        await fill(pilot, points="abc")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "not a whole number" in (error_of(dialog, "points") or "")
        await fill(pilot, points="+100", reason="birthday")
        await pilot.press("ctrl+s")
        await settle(pilot, rounds=4)
        assert pilot.app.screen is profile
        await pilot.press("3")
        await pilot.pause()
        assert "birthday" in table_text(profile.query_one("#points-table", DataTable))
        assert "Balance 798 points" in text_of(profile.query_one("#points-head", Static))
        assert any("Points +100 for #1 Wang Fang; balance 798." in t for t in toasts(members_app))
    assert member(members_store, 1).points_balance == 798


async def test_store_credit_top_up_and_refused_correction(members_app: ShopApp, members_store: str) -> None:
    async with members_app.run_test(size=(80, 24)) as pilot:
        profile = await open_profile(pilot, "Wang")
        await pilot.press("c")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, CreditDialog)
        await fill(pilot, amount="-5")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "cannot be negative" in (error_of(dialog, "amount") or "")
        await fill(pilot, kind="adjust", amount="-80", reason="typo")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "holds 50.00 of store credit" in (error_of(dialog, "amount") or "")
        await fill(pilot, kind="topup", amount="20.5", reason="", reference="R-7")
        await pilot.press("ctrl+s")
        await settle(pilot, rounds=4)
        assert pilot.app.screen is profile
        await pilot.press("5")
        await pilot.pause()
        assert "+20.50" in table_text(profile.query_one("#credit-table", DataTable))
        assert "Balance 70.50" in text_of(profile.query_one("#credit-head", Static))
    assert member(members_store, 1).credit_balance_minor == 7050


async def test_redeem_a_gift_for_points(members_app: ShopApp, members_store: str) -> None:
    with db.transaction(members_store) as session:
        members_points.add_gift(session=session, actor=CLERK, code="PEN", name="Shop pen", points_cost=300, quantity=5)
    async with members_app.run_test(size=(80, 24)) as pilot:
        await open_profile(pilot, "Wang")
        await pilot.press("g")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, GiftDialog)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Choose a gift" in (error_of(dialog, "gift") or "")
        await fill(pilot, gift="PEN", quantity="3")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "holds 698 points, so 900 cannot be spent on 3 x PEN" in (error_of(dialog, "quantity") or "")
        await fill(pilot, quantity="2")
        await pilot.press("ctrl+s")
        await settle(pilot, rounds=4)
        assert any("took 2 x Shop pen for 600 points; 98 left." in t for t in toasts(members_app))
    assert member(members_store, 1).points_balance == 98


async def test_edit_profile_and_consent_then_unsubscribe(members_app: ShopApp, members_store: str) -> None:
    async with members_app.run_test(size=(80, 24)) as pilot:
        profile = await open_profile(pilot, "Ana")
        await pilot.press("e")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, EditDialog)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Nothing to change" in text_of(dialog.query_one("#form-banner", Static))
        await fill(pilot, phone="555")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "is not a phone number" in (error_of(dialog, "phone") or "")
        await fill(pilot, phone="13700001111", region="Beijing", sms_consent="yes", tags="regular")
        await pilot.press("ctrl+s")
        await settle(pilot, rounds=4)
        assert pilot.app.screen is profile
        found = member(members_store, 3)
        assert found.phone == "+8613700001111" and found.region == "Beijing" and found.tags == ["regular"]
        assert found.sms_consent and found.sms_consent_at is not None and found.email_consent
        await pilot.press("u")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot, rounds=4)
        details = text_of(profile.query_one("#profile-details", Static))
        assert "email no since" in details and "SMS no since" in details
    found = member(members_store, 3)
    assert not found.email_consent and not found.sms_consent


async def test_merge_shows_what_moves_before_merging(members_app: ShopApp, members_store: str) -> None:
    with db.transaction(members_store) as session:
        members.adjust_points(session=session, actor=CLERK, ref=2, points=70, reason="old card")
    async with members_app.run_test(size=(80, 24)) as pilot:
        profile = await open_profile(pilot, "Wang")
        await pilot.press("m")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, MergeDialog)
        await fill(pilot, other="13800138000")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "cannot be merged into itself" in (error_of(dialog, "other") or "")
        await fill(pilot, other="+86 139 1234 5678")
        await pilot.press("ctrl+s")
        await settle(pilot)
        confirm = pilot.app.screen
        assert isinstance(confirm, Confirm)
        question = confirm.question
        assert "Merge member #2 Li Lei into #1 Wang Fang?" in question
        assert "70 points (balance becomes 768)" in question and "0 orders" in question
        await pilot.press("n")
        await settle(pilot)
        assert member(members_store, 2).points_balance == 70  # nothing moved on "no"
        await pilot.press("m")
        await settle(pilot)
        await fill(pilot, other="2")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot, rounds=5)
        assert pilot.app.screen is profile
        assert any("Merged #2 into #1 Wang Fang" in t for t in toasts(members_app))
        assert "768 points" in text_of(profile.query_one("#profile-head", Static))
        await pilot.press("escape")
        await settle(pilot)
        assert "Li Lei" not in names(pilot.app.screen)  # type: ignore[arg-type]
    assert member(members_store, 1).points_balance == 768


async def test_global_search_hit_opens_the_profile(members_app: ShopApp) -> None:
    from shoptui.services.shop.search import SearchHit

    async with members_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await members_app.open_hit(SearchHit(kind="member", key="3", title="Ana Souza", mode="members"))
        await settle(pilot, rounds=5)
        profile = pilot.app.screen
        assert isinstance(profile, MemberProfileScreen)
        assert profile.data is not None and profile.data.member.name == "Ana Souza"


async def test_search_provider_finds_members_by_phone(members_store: str) -> None:
    with db.read_session(members_store) as session:
        hits = members.search_members(session=session, text="+86 13800138000")
    assert [(h.kind, h.key, h.mode) for h in hits] == [("member", "1", "members")]


# ---------------------------------------------------------------- tiers


async def open_tiers(pilot: Pilot) -> TiersScreen:
    await open_members(pilot)
    await pilot.press("t")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, TiersScreen)
    return screen


async def test_tiers_list_and_a_bad_percentage_is_refused(members_app: ShopApp, members_store: str) -> None:
    async with members_app.run_test(size=(80, 24)) as pilot:
        tiers = await open_tiers(pilot)
        listed = table_text(tiers.query_one("#tiers-list", DataTable))
        assert "Normal (normal)" in listed and "Gold (gold)" in listed
        await pilot.press("down", "e")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, TierEditDialog) and dialog.tier.code == "silver"
        await fill(pilot, discount="150")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "must be between 0 and 100%" in (error_of(dialog, "discount") or "")
        await fill(pilot, discount="5", min_spend="-1")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "cannot be negative" in (error_of(dialog, "min_spend") or "")
        await fill(pilot, min_spend="99999")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "cannot be lower than those of silver" in (error_of(dialog, "min_spend") or "")
        await fill(pilot, min_spend="1500", discount="7.5", multiplier="x1.5")
        await pilot.press("ctrl+s")
        await settle(pilot, rounds=4)
        assert pilot.app.screen is tiers
        assert "7.5%" in table_text(tiers.query_one("#tiers-list", DataTable))
    with db.read_session(members_store) as session:
        silver = next(t for t in members_tiers.list_tiers(session=session) if t.code == "silver")
    assert (silver.discount_bp, silver.min_spend_minor, silver.points_multiplier_bp) == (750, 150000, 15000)


async def test_recalc_tiers_says_how_many_moved(members_app: ShopApp, members_store: str) -> None:
    with db.transaction(members_store) as session:
        for code in ("silver", "gold"):
            members_tiers.edit_tier(session=session, actor=CLERK, code=code,
                                    patch=members_tiers.TierUpdate(min_spend_minor=0, min_orders=0))
        members_tiers.edit_tier(session=session, actor=CLERK, code="gold",
                                patch=members_tiers.TierUpdate(min_spend_minor=10000))
    async with members_app.run_test(size=(80, 24)) as pilot:
        tiers = await open_tiers(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(pilot.app.screen, Confirm)
        await pilot.press("y")
        await settle(pilot, rounds=5)
        result = text_of(tiers.query_one("#tiers-result", Static))
        assert "4 members moved (4 up, 0 down)" in result
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot, rounds=5)
        assert "every member is already in the right tier" in text_of(tiers.query_one("#tiers-result", Static))
        await pilot.press("escape")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, MembersScreen)
        assert {m.tier_code for m in screen.rows.values()} == {"silver", "gold"}
    assert member(members_store, 1).tier_code == "gold"  # 198.00 paid reaches gold at 100.00


async def test_f1_lists_the_keys_and_palette_offers_tiers(members_app: ShopApp) -> None:
    from shoptui.tui.commands import ShopCommands

    async with members_app.run_test(size=(80, 24)) as pilot:
        screen = await open_members(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert screen.query("HelpPanel")
        titles = [title for title, _, _ in ShopCommands(screen, None)._commands()]  # type: ignore[arg-type]
        assert "members: tiers" in titles and "members: register" in titles and "members: open" in titles
