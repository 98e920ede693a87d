"""``shoptui member`` and ``shoptui tier``: members, their points and store credit, tiers, events and gifts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from shoptui.cli._output import (
    JSON_OPTION,
    KEY_OPTION,
    change,
    emit_json,
    emit_page,
    emit_pairs,
    emit_table,
    outcome,
    reading,
    say,
    shop_currency,
    shop_currency_and_zone,
    when,
)

if TYPE_CHECKING:
    from sqlmodel import Session

    from shoptui.services.shop import Currency

app = typer.Typer(help="Members: add, list, show, edit, merge, points, store credit, tiers recalculation.",
                  no_args_is_help=True)
points_app = typer.Typer(help="Points: history, adjust, gift, max, expire.", no_args_is_help=True)
gift_app = typer.Typer(help="The points catalogue: add and list gifts.", no_args_is_help=True)
event_app = typer.Typer(help="Points events: xN points in a time window.", no_args_is_help=True)
tier_app = typer.Typer(help="Member tiers: list, edit, add.", no_args_is_help=True)
app.add_typer(points_app, name="points")
app.add_typer(gift_app, name="gift")
app.add_typer(event_app, name="event")

REF_HELP = "The member: id, phone, email or provider:account."



def _date(text: str | None, field: str) -> Any:
    from shoptui.services.shop import parse_day

    return parse_day(text, field=field, example="1990-05-01")


def _multiplier(text: str, field: str = "multiplier") -> int:
    from shoptui.money import parse_money

    return parse_money(text.strip().lower().removeprefix("x"), 4, field=field)


def _member_line(member: Any, money: Currency) -> str:
    return f"member #{member.id} {member.name} ({member.tier_name}, {member.points_balance} points, " \
           f"credit {money.format(member.credit_balance_minor)})"


# ---------------------------------------------------------------- members


@app.command("add")
def member_add(
    ctx: typer.Context,
    name: str | None = typer.Option(None, "--name", help="The member's name (default: the phone or email)."),
    phone: str | None = typer.Option(None, "--phone", help="Phone number (stored as E.164, store country default)."),
    email: str | None = typer.Option(None, "--email", help="Email address."),
    account: str | None = typer.Option(None, "--account", help="Third-party account as provider:id (wechat:o6_x)."),
    customer: str | None = typer.Option(None, "--customer", help="Enrol this existing customer (id, phone, email)."),
    gender: str = typer.Option("", "--gender", help="female, male or other."),
    birthday: str | None = typer.Option(None, "--birthday", help="Date of birth, YYYY-MM-DD."),
    region: str = typer.Option("", "--region", help="Region or province."),
    tags: list[str] = typer.Option([], "--tag", help="A tag (repeat for more)."),
    email_consent: bool | None = typer.Option(None, "--email-consent/--no-email-consent",
                                              help="Agrees to marketing email (default: store setting)."),
    sms_consent: bool | None = typer.Option(None, "--sms-consent/--no-sms-consent",
                                            help="Agrees to marketing SMS (default: store setting)."),
    key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Register a member. Example: shoptui member add --phone 13800138000 --name "Wang Fang" --sms-consent"""
    from shoptui.services import members as members_api
    from shoptui.services import shop

    def work(session: Session, actor: Any) -> shop.Outcome:
        data = members_api.MemberCreate(name=name, phone=phone, email=email, account=account, customer=customer,
                                    gender=gender, birthday=_date(birthday, "birthday"), region=region, tags=tags,
                                    email_consent=email_consent, sms_consent=sms_consent)
        found = members_api.add_member(session=session, actor=actor, data=data)
        return outcome(f"Registered {_member_line(found, shop_currency(session))}.", found, shop_currency(session))

    change(ctx, "member add", work, key=key, as_json=as_json)


@app.command("list")
def member_list(
    ctx: typer.Context,
    search: str = typer.Option("", "--search", "-s", help="A phone or email (exact) or the start of a name."),
    tier: str | None = typer.Option(None, "--tier", help="Only this tier."),
    tag: str | None = typer.Option(None, "--tag", help="Only members with this tag."),
    after: str | None = typer.Option(None, "--after", help="Continue after this cursor."),
    limit: int = typer.Option(50, "--limit", help="Members per page (at most 1000)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Members by name. Example: shoptui member list --tier gold --json"""
    from shoptui.services import members as members_api

    with reading(ctx) as session:
        page = members_api.list_members(session=session, search=search, tier=tier, tag=tag, after=after, limit=limit)
        money = shop_currency(session)
    if as_json:
        emit_page(page, money)
        return
    emit_table([(m.id, m.name, m.phone, m.email, m.tier_name, m.points_balance, money.format(m.credit_balance_minor))
                for m in page.items], ["id", "name", "phone", "email", "tier", "points", "credit"],
               justify={"points": "right", "credit": "right"}, empty="No members.")
    if page.next_after:
        say(f"more: --after '{page.next_after}'")


@app.command("show")
def member_show(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help=REF_HELP),
    as_json: bool = JSON_OPTION,
) -> None:
    """A member's profile, orders, points ledger, tier history and store credit. Example: shoptui member show 13800138000"""
    from shoptui.services import members as members_api

    with reading(ctx) as session:
        profile = members_api.member_profile(session=session, ref=ref)
        money, tz = shop_currency_and_zone(session)
    if as_json:
        emit_json(profile, money)
        return
    m = profile.member
    emit_pairs([
        ("member", f"#{m.id} {m.name}"), ("phone", m.phone), ("email", m.email),
        *([("other contacts", ", ".join(m.other_contacts))] if m.other_contacts else []),
        ("accounts", ", ".join(m.accounts)), ("tier", f"{m.tier_name} since {when(m.tier_since, tz)}"),
        ("points", f"{m.points_balance} (worth {money.format(m.points_value_minor)}; "
                   f"{profile.points_expiring_soon} expire within 30 days)"),
        ("store credit", money.format(m.credit_balance_minor)),
        ("profile", " · ".join(p for p in (m.gender, m.birthday.isoformat() if m.birthday else "", m.region) if p)),
        ("tags", ", ".join(m.tags)),
        ("consent", f"email {'yes' if m.email_consent else 'no'}, sms {'yes' if m.sms_consent else 'no'}"),
        ("orders", f"{m.order_count}, spent {money.format(m.spent_minor)}"), ("joined", when(m.joined_at, tz)),
    ])
    if profile.orders:
        emit_table([(o.number, when(o.created_at, tz), o.payment_status, money.format(o.total_minor))
                    for o in profile.orders], ["order", "created", "payment", "total"], title="Orders",
                   justify={"total": "right"})
    if profile.points:
        emit_table([(when(p.at, tz), p.kind, f"{p.points:+d}", p.reason) for p in profile.points],
                   ["at", "kind", "points", "why"], title="Points", justify={"points": "right"})
    if profile.tier_history:
        emit_table([(when(t.at, tz), t.from_code or "", t.to_code, t.reason) for t in profile.tier_history],
                   ["at", "from", "to", "why"], title="Tier history")
    if profile.credit:
        emit_table([(when(c.at, tz), c.kind, money.format(c.amount_minor), c.reason) for c in profile.credit],
                   ["at", "kind", "amount", "why"], title="Store credit", justify={"amount": "right"})


@app.command("edit")
def member_edit(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help=REF_HELP),
    name: str | None = typer.Option(None, "--name", help="New name."),
    phone: str | None = typer.Option(None, "--phone", help="New phone ('' clears it)."),
    email: str | None = typer.Option(None, "--email", help="New email ('' clears it)."),
    gender: str | None = typer.Option(None, "--gender", help="female, male, other ('' clears it)."),
    birthday: str | None = typer.Option(None, "--birthday", help="Date of birth YYYY-MM-DD ('' clears it)."),
    region: str | None = typer.Option(None, "--region", help="New region."),
    add_tags: list[str] = typer.Option([], "--tag", help="Add a tag (repeat for more)."),
    remove_tags: list[str] = typer.Option([], "--untag", help="Remove a tag (repeat for more)."),
    account: str | None = typer.Option(None, "--account", help="Link another account, provider:id."),
    email_consent: bool | None = typer.Option(None, "--email-consent/--no-email-consent",
                                              help="Agrees to (or unsubscribes from) marketing email."),
    sms_consent: bool | None = typer.Option(None, "--sms-consent/--no-sms-consent",
                                            help="Agrees to (or unsubscribes from) marketing SMS."),
    key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Change a member. Example: shoptui member edit 13800138000 --tag vip --no-email-consent"""
    from shoptui.services import members as members_api
    from shoptui.services import shop

    def work(session: Session, actor: Any) -> shop.Outcome:
        given: dict[str, Any] = {k: v for k, v in {
            "name": name, "phone": phone, "email": email, "gender": gender, "region": region,
            "email_consent": email_consent, "sms_consent": sms_consent, "add_account": account}.items()
            if v is not None}
        if birthday is not None:
            if birthday.strip():
                given["birthday"] = _date(birthday, "birthday")
            else:
                given["clear_birthday"] = True
        patch = members_api.MemberUpdate(**given, add_tags=add_tags, remove_tags=remove_tags)
        found = members_api.update_member(session=session, actor=actor, ref=ref, patch=patch)
        return outcome(f"Updated {_member_line(found, shop_currency(session))}.", found, shop_currency(session))

    change(ctx, "member edit", work, key=key, as_json=as_json)


@app.command("unsubscribe")
def member_unsubscribe(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help=REF_HELP),
    channel: str = typer.Option("all", "--channel", help="email, sms or all."),
    key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record that a member wants no more messages. Example: shoptui member unsubscribe ana@example.com"""
    from shoptui.errors import InvalidInput
    from shoptui.services import members as members_api
    from shoptui.services import shop

    def work(session: Session, actor: Any) -> shop.Outcome:
        if channel not in ("email", "sms", "all"):
            raise InvalidInput(f"The channel {channel!r} is not email, sms or all.")
        patch = members_api.MemberUpdate(**{f"{c}_consent": False for c in (("email", "sms") if channel == "all"
                                                                       else (channel,))})
        found = members_api.update_member(session=session, actor=actor, ref=ref, patch=patch)
        return outcome(f"Member #{found.id} {found.name} unsubscribed from {channel}.", found, shop_currency(session))

    change(ctx, "member unsubscribe", work, key=key, as_json=as_json)


@app.command("merge")
def member_merge(
    ctx: typer.Context,
    keep: str = typer.Argument(..., help="The member to keep: id, phone, email or provider:account."),
    other: str = typer.Argument(..., help="The member (or customer) merged into it."),
    key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Merge a duplicate into a member: orders, points, store credit and history move. Example: shoptui member merge 12 57"""
    from shoptui.services import members as members_api
    from shoptui.services import shop

    def work(session: Session, actor: Any) -> shop.Outcome:
        result = members_api.merge_members(session=session, actor=actor, keep=keep, other=other)
        money = shop_currency(session)
        return outcome(f"Merged #{result.merged_id} into {_member_line(result.kept, money)}: {result.orders} orders, "
                       f"{result.points} points, {money.format(result.credit_minor)} credit moved.", result, money)

    change(ctx, "member merge", work, key=key, as_json=as_json)


@app.command("recalc-tiers")
def member_recalc_tiers(ctx: typer.Context, key: str | None = KEY_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Move every member to the tier their rolling orders reach (cron-safe). Example: shoptui member recalc-tiers"""
    from shoptui.services import members as members_api
    from shoptui.services import shop

    def work(session: Session, actor: Any) -> shop.Outcome:
        result = members_api.recalc_tiers(session=session, actor=actor)
        return outcome(f"Tiers recalculated: {result.up} up, {result.down} down, "
                       f"{result.notified} messages queued.", result)

    change(ctx, "member recalc-tiers", work, key=key, as_json=as_json)


SIGNED = {"ignore_unknown_options": True}  # "-5" is an amount here, not an option


@app.command("credit", context_settings=SIGNED)
def member_credit(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help=REF_HELP),
    amount: str = typer.Argument(..., help="A top-up like 50 or +50.00; with --adjust a signed correction like -5."),
    adjust: bool = typer.Option(False, "--adjust", help="A correction up or down (needs --reason) instead of a top-up."),
    reason: str = typer.Option("", "--reason", help="Why (needed for --adjust)."),
    reference: str = typer.Option("", "--reference", help="Receipt or payment reference of a top-up."),
    key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Top up or correct a member's store credit. Example: shoptui member credit 13800138000 +50 --reason "cash at counter" """
    from shoptui.services import members as members_api
    from shoptui.services import shop

    def work(session: Session, actor: Any) -> shop.Outcome:
        money = shop_currency(session)
        amount_minor = money.parse(amount, field="amount", allow_negative=True)
        result = members_api.credit_change(session=session, actor=actor, ref=ref, amount_minor=amount_minor,
                                       reason=reason, adjust=adjust, reference=reference)
        what = "Corrected" if adjust else "Topped up"
        return outcome(f"{what} store credit of member #{result.movement.customer_id} by "
                       f"{money.format(result.movement.amount_minor)}; balance {money.format(result.balance_minor)}.",
                       result, money)

    change(ctx, "member credit", work, key=key, as_json=as_json)


@app.command("credit-history")
def member_credit_history(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help=REF_HELP),
    after: int | None = typer.Option(None, "--after", help="Continue after this movement id."),
    limit: int = typer.Option(50, "--limit", help="Lines per page (at most 1000)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """A member's store-credit ledger, newest first. Example: shoptui member credit-history 13800138000"""
    from shoptui.services import members as members_api
    from shoptui.services.members import find_member_row

    with reading(ctx) as session:
        member = find_member_row(session, ref)
        page = members_api.credit_history(session=session, customer_id=member.customer_id, after=after, limit=limit)
        money, tz = shop_currency_and_zone(session)
    if as_json:
        emit_page(page, money)
        return
    emit_table([(c.id, when(c.at, tz), c.kind, money.format(c.amount_minor), c.reason) for c in page.items],
               ["id", "at", "kind", "amount", "why"], justify={"amount": "right"}, empty="No store credit yet.")


# ---------------------------------------------------------------- points


@points_app.command("history")
def points_history(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help=REF_HELP),
    after: int | None = typer.Option(None, "--after", help="Continue after this movement id."),
    limit: int = typer.Option(50, "--limit", help="Lines per page (at most 1000)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """A member's points ledger, newest first. Example: shoptui member points history 13800138000"""
    from shoptui.services import members as members_api
    from shoptui.services import shop
    from shoptui.services.members import find_member_row

    with reading(ctx) as session:
        member = find_member_row(session, ref)
        page = members_api.points_history(session=session, customer_id=member.customer_id, after=after, limit=limit)
        tz = shop.timezone(session=session)
    if as_json:
        emit_page(page)
        return
    emit_table([(p.id, when(p.at, tz), p.kind, f"{p.points:+d}", p.remaining or "", when(p.expires_at, tz), p.reason)
                for p in page.items], ["id", "at", "kind", "points", "left", "expires", "why"],
               justify={"points": "right", "left": "right"}, empty="No points yet.")


@points_app.command("adjust", context_settings=SIGNED)
def points_adjust(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help=REF_HELP),
    points: str = typer.Argument(..., help="Signed points, like +100 or -20."),
    reason: str = typer.Option(..., "--reason", help="Why (kept in the ledger)."),
    key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Add or take away points by hand, with a reason. Example: shoptui member points adjust 12 +100 --reason "birthday" """
    from shoptui.services import members as members_api
    from shoptui.services import shop

    def work(session: Session, actor: Any) -> shop.Outcome:
        result = members_api.adjust_points(session=session, actor=actor, ref=ref, points=_points(points), reason=reason)
        return outcome(f"Points {result.movement.points:+d} for member "  # type: ignore[union-attr]  # an adjustment always books a movement
                       f"#{result.movement.customer_id}; balance {result.balance}.",
                       result, shop_currency(session))

    change(ctx, "member points adjust", work, key=key, as_json=as_json)


def _points(text: str) -> int:
    import re

    from shoptui.errors import InvalidInput

    value = text.strip()
    if not re.fullmatch(r"[-+]?[0-9]{1,12}", value):
        raise InvalidInput(f"{text!r} is not a whole number of points; write it like +100 or -20.")
    return int(value)


@points_app.command("gift")
def points_gift(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help=REF_HELP),
    code: str = typer.Argument(..., help="The gift's code in the points catalogue."),
    quantity: int = typer.Option(1, "--quantity", "-q", help="How many."),
    key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Give a member a gift from the points catalogue for their points. Example: shoptui member points gift 12 MUG"""
    from shoptui.services import members as members_api
    from shoptui.services import shop

    def work(session: Session, actor: Any) -> shop.Outcome:
        result = members_api.redeem_gift(session=session, actor=actor, ref=ref, code=code, quantity=quantity)
        return outcome(f"Member #{result.customer_id} took {result.quantity} x {result.gift_name} "
                       f"for {result.points} points; {result.balance} left.", result)

    change(ctx, "member points gift", work, key=key, as_json=as_json)


@points_app.command("max")
def points_max(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help=REF_HELP),
    payable: str = typer.Option(..., "--payable", help="The amount to pay, like 120.00."),
    as_json: bool = JSON_OPTION,
) -> None:
    """How many points a member may use on an amount, and what they are worth. Example: shoptui member points max 12 --payable 120"""
    from shoptui.services import members as members_api
    from shoptui.services.members import find_member_row

    with reading(ctx) as session:
        money = shop_currency(session)
        member = find_member_row(session, ref)
        most = members_api.max_redeemable_points(session=session, customer_id=member.customer_id,
                                             payable_minor=money.parse(payable, field="amount payable"))
        value = members_api.points_value_minor(session=session, points=most)
        member_id = member.customer_id
    if as_json:
        emit_json({"member_id": member_id, "points": most, "value_minor": value}, money)
        return
    say(f"Up to {most} points ({money.format(value)}) of member #{member_id} can be used.")


@points_app.command("expire")
def points_expire(ctx: typer.Context, key: str | None = KEY_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Book the expiry of every points lot whose time has come (cron-safe). Example: shoptui member points expire"""
    from shoptui.services import members as members_api
    from shoptui.services import shop

    def work(session: Session, actor: Any) -> shop.Outcome:
        count, points = members_api.expire_points(session=session, actor=actor)
        return shop.Outcome(message=f"Expired {points} points of {count} members.",
                                   data={"members": count, "points": points})

    change(ctx, "member points expire", work, key=key, as_json=as_json)


# ---------------------------------------------------------------- gifts and events


@gift_app.command("add")
def gift_add(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="A short code, like MUG."),
    name: str = typer.Argument(..., help="What the member gets."),
    points: int = typer.Option(..., "--points", help="What it costs in points."),
    quantity: int | None = typer.Option(None, "--quantity", help="How many there are (default: unlimited)."),
    sku: str | None = typer.Option(None, "--sku", help="Take the gift from stock as this SKU."),
    key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Add a gift to the points catalogue. Example: shoptui member gift add MUG "Shop mug" --points 800 --sku MUG-01"""
    from shoptui.services import members as members_api
    from shoptui.services import shop

    def work(session: Session, actor: Any) -> shop.Outcome:
        gift = members_api.add_gift(session=session, actor=actor, code=code, name=name, points_cost=points,
                                       quantity=quantity, sku=sku)
        return outcome(f"Added gift {gift.code} {gift.name} for {gift.points_cost} points.", gift)

    change(ctx, "member gift add", work, key=key, as_json=as_json)


@gift_app.command("list")
def gift_list(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """The points catalogue. Example: shoptui member gift list --json"""
    from shoptui.services import members as members_api

    with reading(ctx) as session:
        gifts = members_api.list_gifts(session=session)
    if as_json:
        emit_json(gifts)
        return
    emit_table([(g.code, g.name, g.points_cost, "unlimited" if g.quantity is None else g.quantity) for g in gifts],
               ["code", "gift", "points", "left"], justify={"points": "right", "left": "right"}, empty="No gifts.")


@event_app.command("add")
def event_add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The event's name."),
    multiplier: str = typer.Option("2", "--multiplier", "-x", help="Points multiplier, like 2 or x1.5."),
    starts: str = typer.Option(..., "--starts", help="Start: a date or time in the store's zone (2026-12-01)."),
    ends: str = typer.Option(..., "--ends", help="End (not included): a date or time in the store's zone."),
    categories: list[int] = typer.Option([], "--category", help="Only products in this category id (repeat)."),
    tiers: list[str] = typer.Option([], "--tier", help="Only members of this tier (repeat)."),
    key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Add a points event. Example: shoptui member event add "Double 11" -x 2 --starts 2026-11-11 --ends 2026-11-12"""
    from shoptui.services import members as members_api
    from shoptui.services import shop

    def work(session: Session, actor: Any) -> shop.Outcome:
        tz = shop.timezone(session=session)
        event = members_api.add_event(session=session, actor=actor, name=name, multiplier_bp=_multiplier(multiplier),
                                         starts_at=shop.parse_moment(starts, tz),
                                         ends_at=shop.parse_moment(ends, tz), category_ids=categories or None,
                                         tier_codes=[t.strip().lower() for t in tiers] or None)
        return outcome(f"Added points event #{event.id} {event.name} "
                       f"x{event.multiplier_bp / 10_000:g}.", event)

    change(ctx, "member event add", work, key=key, as_json=as_json)


@event_app.command("list")
def event_list(
    ctx: typer.Context,
    current: bool = typer.Option(False, "--current", help="Only events running now."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Points events, newest first. Example: shoptui member event list --current"""
    from shoptui.services import members as members_api
    from shoptui.services import shop

    with reading(ctx) as session:
        events = members_api.list_events(session=session, current_only=current)
        tz = shop.timezone(session=session)
    if as_json:
        emit_json(events)
        return
    emit_table([(e.id, e.name, f"x{e.multiplier_bp / 10_000:g}", when(e.starts_at, tz), when(e.ends_at, tz),
                 ", ".join(map(str, e.category_ids or [])) or "all", ", ".join(e.tier_codes or []) or "all",
                 "yes" if e.active else "ended") for e in events],
               ["id", "event", "x", "starts", "ends", "categories", "tiers", "active"], empty="No points events.")


@event_app.command("end")
def event_end(
    ctx: typer.Context,
    event_id: int = typer.Argument(..., help="The event's id."),
    key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Stop a points event now. Example: shoptui member event end 3"""
    from shoptui.services import members as members_api
    from shoptui.services import shop

    def work(session: Session, actor: Any) -> shop.Outcome:
        event = members_api.end_event(session=session, actor=actor, event_id=event_id)
        return outcome(f"Ended points event #{event.id} {event.name}.", event)

    change(ctx, "member event end", work, key=key, as_json=as_json)


# ---------------------------------------------------------------- tiers


@tier_app.command("list")
def tier_list(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Tiers with thresholds and benefits, lowest first. Example: shoptui tier list --json"""
    from shoptui.services import members as members_api
    from shoptui.services import shop

    with reading(ctx) as session:
        tiers = members_api.list_tiers(session=session)
        money = shop_currency(session)
        basis = shop.get(session=session, key="member_tier_basis")
    if as_json:
        emit_json({"basis": basis, "tiers": tiers}, money)
        return
    emit_table([(t.code, t.name, money.format(t.min_spend_minor), t.min_orders, f"{t.discount_bp / 100:g}%",
                 f"x{t.points_multiplier_bp / 10_000:g}",
                 "-" if t.free_shipping_over_minor is None else money.format(t.free_shipping_over_minor))
                for t in tiers],
               ["code", "name", "min spend", "min orders", "discount", "points", "free ship over"],
               title=f"Tiers (reached by rolling {basis})")


@tier_app.command("edit")
def tier_edit(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="The tier's code (normal, silver, gold ...)."),
    name: str | None = typer.Option(None, "--name", help="New name."),
    min_spend: str | None = typer.Option(None, "--min-spend", help="Rolling spend that reaches it, like 2000."),
    min_orders: int | None = typer.Option(None, "--min-orders", help="Rolling paid orders that reach it."),
    discount: str | None = typer.Option(None, "--discount", help="Member discount in percent, like 5 or 7.5."),
    multiplier: str | None = typer.Option(None, "--multiplier", help="Points multiplier, like 1.5."),
    free_shipping_over: str | None = typer.Option(None, "--free-shipping-over",
                                                  help="Free shipping from this order amount ('none' removes it)."),
    key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Change a tier's thresholds or benefits. Example: shoptui tier edit gold --discount 12 --multiplier 2"""
    from shoptui.money import parse_basis_points
    from shoptui.services import members as members_api
    from shoptui.services import shop

    def work(session: Session, actor: Any) -> shop.Outcome:
        money = shop_currency(session)
        given: dict[str, Any] = {}
        if name is not None:
            given["name"] = name
        if min_spend is not None:
            given["min_spend_minor"] = money.parse(min_spend, field="minimum spend")
        if min_orders is not None:
            given["min_orders"] = min_orders
        if discount is not None:
            given["discount_bp"] = parse_basis_points(discount, field="discount")
        if multiplier is not None:
            given["points_multiplier_bp"] = _multiplier(multiplier)
        if free_shipping_over is not None:
            given["free_shipping_over_minor"] = -1 if free_shipping_over.strip().lower() in ("none", "no", "") \
                else money.parse(free_shipping_over, field="free shipping amount")
        tier = members_api.edit_tier(session=session, actor=actor, code=code, patch=members_api.TierUpdate(**given))
        return outcome(f"Updated tier {tier.code} ({tier.name}); members move at the next "
                       "recalculation ('shoptui member recalc-tiers').", tier, money)

    change(ctx, "tier edit", work, key=key, as_json=as_json)


@tier_app.command("add")
def tier_add(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="A short code, like platinum."),
    rank: int = typer.Option(..., "--rank", help="Its place: higher ranks need more (normal 0, silver 1, gold 2)."),
    name: str | None = typer.Option(None, "--name", help="Its name (default: the code)."),
    key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Add a tier; set its thresholds and benefits with 'tier edit'. Example: shoptui tier add platinum --rank 3"""
    from shoptui.services import members as members_api
    from shoptui.services import shop

    def work(session: Session, actor: Any) -> shop.Outcome:
        tier = members_api.add_tier(session=session, actor=actor, code=code, name=name or code, rank=rank,
                                      data=_highest(session))
        return outcome(f"Added tier {tier.code} at rank {tier.rank}.", tier, shop_currency(session))

    change(ctx, "tier add", work, key=key, as_json=as_json)


def _highest(session: Session) -> Any:
    """A new tier starts with the thresholds of the current top tier (edit them after)."""
    from shoptui.services import members as members_api

    tiers = members_api.list_tiers(session=session)
    if not tiers:
        return None
    top = tiers[-1]
    return members_api.TierUpdate(min_spend_minor=top.min_spend_minor, min_orders=top.min_orders)

