"""``shoptui promo``, ``shoptui coupon`` and ``shoptui price``: promotions, coupons, and a price explained."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from shoptui.cli._output import (
    JSON_OPTION,
    KEY_OPTION,
    change,
    emit_json,
    emit_pairs,
    emit_table,
    fail,
    jsonable,
    outcome,
    reading,
    say,
    shop_currency_and_zone,
    until,
    when,
)
from shoptui.wording import plural

if TYPE_CHECKING:
    from sqlmodel import Session

promo_app = typer.Typer(help="Promotions: add, edit, list, show, pause, resume, end.", no_args_is_help=True)
coupon_app = typer.Typer(help="Coupons: add, issue, send, export, list, show, pause, end.", no_args_is_help=True)
price_app = typer.Typer(help="Explain the price of a cart without selling anything.")
marketing_app = typer.Typer(help="Marketing links: a shop address tagged with UTM tags for a post or an ad.",
                            no_args_is_help=True)



def _amount(money: Any, raw: str | None, option: str) -> int | None:
    return None if raw is None else money.parse(raw, field=option)


def _percent(raw: str | None, option: str) -> int | None:
    from shoptui.money import parse_basis_points

    return None if raw is None else parse_basis_points(raw, field=option)


def _moment(raw: str | None, tz: Any, option: str, *, end: bool = False) -> Any:
    """A time in the shop's zone: 2026-12-01 (start of day; end of day with ``end``) or 2026-12-01T18:00."""
    from shoptui.services.shop import parse_day_or_time

    return parse_day_or_time(raw, tz, field=option, end=end)


def _step(money: Any, raw: str, option: str) -> tuple[int, int]:
    from shoptui.errors import InvalidInput

    threshold, sep, off = raw.partition(":")
    if not sep:
        raise InvalidInput(f"The {option} {raw!r} must be THRESHOLD:OFF, like 200:20.")
    return money.parse(threshold, field=f"threshold in {option} {raw}"), money.parse(off, field=f"amount in {option} {raw}")


# ---------------------------------------------------------------- promo


def _promo_rows(items: list[Any], money: Any, tz: Any) -> list[tuple[Any, ...]]:
    from shoptui.services.marketing import describe_promotion as describe

    return [(p.id, p.name, p.kind, p.state, describe(p, money.digits),
             until(p.ends_at, tz), p.used_count) for p in items]


@promo_app.command("add")
def promo_add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The promotion's name, as receipts show it."),
    kind: str = typer.Option(..., "--kind", help="spend_save (满减), discount, bxgy (buy X get Y) or gift."),
    starts: str | None = typer.Option(None, "--starts", help="Start in shop time, like 2026-12-01 or "
                                      "2026-12-01T09:00 (default: now)."),
    ends: str | None = typer.Option(None, "--ends", help="End in shop time; a date means the end of that day."),
    priority: int = typer.Option(0, "--priority", help="Higher wins ties between equally good offers."),
    exclusive: bool = typer.Option(False, "--exclusive", help="Never combined with other promotions."),
    limit: int | None = typer.Option(None, "--limit", help="At most this many orders in total."),
    per_member: int | None = typer.Option(None, "--per-member", help="At most this many orders per member."),
    tiers: list[str] = typer.Option(None, "--tier", help="Only for members of this tier (repeatable)."),
    new_customers: bool = typer.Option(False, "--new-customers", help="Only for customers without orders yet."),
    channels: list[str] = typer.Option(None, "--channel", help="Only on this order channel (repeatable)."),
    categories: list[str] = typer.Option(None, "--category", help="Scope: a category slug or id with its subtree "
                                         "(repeatable)."),
    products: list[str] = typer.Option(None, "--product", help="Scope: a product by one of its SKUs (repeatable)."),
    steps: list[str] = typer.Option(None, "--step", help="spend_save threshold THRESHOLD:OFF like 200:20 "
                                    "(repeatable)."),
    every: str | None = typer.Option(None, "--every", help="spend_save repeating: EVERY:OFF like 100:10."),
    cap: str | None = typer.Option(None, "--cap", help="The most the promotion takes off, like 50.00."),
    percent: str | None = typer.Option(None, "--percent", help="discount: percentage off, like 15."),
    amount: str | None = typer.Option(None, "--amount", help="discount: amount off, like 20.00."),
    min_spend: str | None = typer.Option(None, "--min-spend", help="Only when the scope reaches this spend."),
    buy: int | None = typer.Option(None, "--buy", help="bxgy: items to buy (X)."),
    get: int | None = typer.Option(None, "--get", help="bxgy: items discounted (Y), the cheapest ones."),
    get_percent: str | None = typer.Option(None, "--get-percent", help="bxgy: percentage off the Y items "
                                           "(default 100 = free)."),
    gift: str | None = typer.Option(None, "--gift", help="gift: the SKU given at zero price."),
    gift_qty: int = typer.Option(1, "--gift-qty", help="gift: how many are given."),
    draft: bool = typer.Option(False, "--draft", help="Save as a draft (not running until activated)."),
    description: str = typer.Option("", "--description", help="A note for the staff."),
    key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Add a promotion. Example: shoptui promo add "满200减20" --kind spend_save --step 200:20 --step 500:60"""
    from shoptui import clock
    from shoptui.services import marketing as marketing_api
    from shoptui.services import shop

    def work(session: Session, actor: Any) -> shop.Outcome:
        money, tz = shop_currency_and_zone(session)
        data = marketing_api.PromotionInput(
            name=name, kind=kind, starts_at=_moment(starts, tz, "--starts") or clock.now(),
            ends_at=_moment(ends, tz, "--ends", end=True), status="draft" if draft else "active", priority=priority,
            exclusive=exclusive, usage_limit=limit, per_member_limit=per_member, tiers=tiers or [],
            new_customers=new_customers, channels=channels or [], categories=categories or [],
            products=products or [], steps=[_step(money, s, "--step") for s in steps or []],
            every_minor=_step(money, every, "--every")[0] if every else None,
            every_off_minor=_step(money, every, "--every")[1] if every else None,
            cap_minor=_amount(money, cap, "--cap"), percent_bp=_percent(percent, "--percent"),
            amount_minor=_amount(money, amount, "--amount"), min_spend_minor=_amount(money, min_spend, "--min-spend") or 0,
            buy_qty=buy, get_qty=get, get_percent_bp=_percent(get_percent, "--get-percent"), gift_sku=gift,
            gift_qty=gift_qty, description=description)
        promo = marketing_api.add_promotion(session=session, actor=actor, data=data)
        return outcome(f"Added promotion #{promo.id} {promo.name!r} ({promo.status}): "
                       f"{marketing_api.describe_promotion(promo, money.digits)}.", promo, money)

    change(ctx, "promo add", work, key=key, as_json=as_json)


@promo_app.command("edit")
def promo_edit(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="The promotion id or name."),
    name: str | None = typer.Option(None, "--name", help="A new name, as receipts show it."),
    kind: str | None = typer.Option(None, "--kind", help="Another kind (give its terms too)."),
    starts: str | None = typer.Option(None, "--starts", help="Start in shop time, like 2026-12-01 or 2026-12-01T09:00."),
    ends: str | None = typer.Option(None, "--ends", help="End in shop time; a date means the end of that day."),
    no_end: bool = typer.Option(False, "--no-end", help="Run without an end."),
    priority: int | None = typer.Option(None, "--priority", help="Higher wins ties between equally good offers."),
    exclusive: bool | None = typer.Option(None, "--exclusive/--combinable", help="Never combined with other "
                                          "promotions, or combinable."),
    limit: int | None = typer.Option(None, "--limit", help="At most this many orders in total."),
    no_limit: bool = typer.Option(False, "--no-limit", help="No total limit."),
    per_member: int | None = typer.Option(None, "--per-member", help="At most this many orders per member."),
    no_per_member: bool = typer.Option(False, "--no-per-member", help="No limit per member."),
    tiers: list[str] = typer.Option(None, "--tier", help="Only for members of this tier (repeatable; replaces)."),
    all_tiers: bool = typer.Option(False, "--all-tiers", help="For everyone, whatever the tier."),
    new_customers: bool | None = typer.Option(None, "--new-customers/--any-customers",
                                              help="Only for customers without orders yet, or for anyone."),
    channels: list[str] = typer.Option(None, "--channel", help="Only on this order channel (repeatable; replaces)."),
    all_channels: bool = typer.Option(False, "--all-channels", help="On every channel."),
    categories: list[str] = typer.Option(None, "--category", help="Scope: a category slug or id (repeatable; "
                                         "replaces the scope)."),
    products: list[str] = typer.Option(None, "--product", help="Scope: a product by one of its SKUs (repeatable; "
                                       "replaces the scope)."),
    everything: bool = typer.Option(False, "--everything", help="Scope: every item."),
    steps: list[str] = typer.Option(None, "--step", help="spend_save threshold THRESHOLD:OFF (repeatable; replaces)."),
    every: str | None = typer.Option(None, "--every", help="spend_save repeating: EVERY:OFF like 100:10."),
    cap: str | None = typer.Option(None, "--cap", help="The most the promotion takes off, like 50.00."),
    no_cap: bool = typer.Option(False, "--no-cap", help="No cap."),
    percent: str | None = typer.Option(None, "--percent", help="discount: percentage off (replaces an amount)."),
    amount: str | None = typer.Option(None, "--amount", help="discount: amount off (replaces a percentage)."),
    min_spend: str | None = typer.Option(None, "--min-spend", help="Only when the scope reaches this spend (0: none)."),
    buy: int | None = typer.Option(None, "--buy", help="bxgy: items to buy (X)."),
    get: int | None = typer.Option(None, "--get", help="bxgy: items discounted (Y)."),
    get_percent: str | None = typer.Option(None, "--get-percent", help="bxgy: percentage off the Y items."),
    gift: str | None = typer.Option(None, "--gift", help="gift: the SKU given at zero price."),
    gift_qty: int | None = typer.Option(None, "--gift-qty", help="gift: how many are given."),
    description: str | None = typer.Option(None, "--description", help="A note for the staff."),
    new_version: bool = typer.Option(False, "--new-version", help="When an order has used it and its reward "
                                     "changes: end it now and start the new terms as a new promotion."),
    key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Change a promotion; only what is given changes. Example: shoptui promo edit 3 --ends 2026-12-31 --limit 500"""
    from shoptui.services import marketing as marketing_api
    from shoptui.services import shop

    for flag, value, other in (("--no-end", no_end, ends), ("--no-limit", no_limit, limit),
                               ("--no-per-member", no_per_member, per_member), ("--no-cap", no_cap, cap),
                               ("--all-tiers", all_tiers, tiers), ("--all-channels", all_channels, channels),
                               ("--everything", everything, categories or products)):
        if value and other:
            raise fail(f"{flag} cannot be given with a value for the same field; give one of the two.", code=2)

    def work(session: Session, actor: Any) -> shop.Outcome:
        money, tz = shop_currency_and_zone(session)
        given: dict[str, Any] = {}

        def put(field: str, value: Any, clear: bool = False) -> None:
            if clear:
                given[field] = None
            elif value is not None:
                given[field] = value

        put("name", name)
        put("kind", kind)
        put("starts_at", _moment(starts, tz, "--starts"))
        put("ends_at", _moment(ends, tz, "--ends", end=True), no_end)
        put("priority", priority)
        put("exclusive", exclusive)
        put("usage_limit", limit, no_limit)
        put("per_member_limit", per_member, no_per_member)
        put("tiers", [] if all_tiers else tiers or None)
        put("new_customers", new_customers)
        put("channels", [] if all_channels else channels or None)
        if everything:
            given.update(categories=[], products=[])
        put("categories", categories or None)
        put("products", products or None)
        put("steps", [_step(money, s, "--step") for s in steps] if steps else None)
        if every:
            given["every_minor"], given["every_off_minor"] = _step(money, every, "--every")
        put("cap_minor", _amount(money, cap, "--cap"), no_cap)
        put("percent_bp", _percent(percent, "--percent"))
        put("amount_minor", _amount(money, amount, "--amount"))
        put("min_spend_minor", _amount(money, min_spend, "--min-spend"))
        put("buy_qty", buy)
        put("get_qty", get)
        put("get_percent_bp", _percent(get_percent, "--get-percent"))
        put("gift_sku", gift)
        put("gift_qty", gift_qty)
        put("description", description)
        edited = marketing_api.update_promotion(session=session, actor=actor, ref=ref,
                                             changes=marketing_api.PromotionUpdate(**given), new_version=new_version)
        promo = edited.promotion
        if edited.ended is not None:
            text = (f"Promotion #{edited.ended.id} {edited.ended.name!r} ended (its report stays); its new version "
                    f"#{promo.id} runs with: {marketing_api.describe_promotion(promo, money.digits)}.")
        elif edited.changed:
            text = (f"Changed promotion #{promo.id} {promo.name!r} ({', '.join(edited.changed)}): "
                    f"{marketing_api.describe_promotion(promo, money.digits)}.")
        else:
            text = f"Promotion #{promo.id} {promo.name!r} already was like that; nothing changed."
        return outcome(text, promo, money)

    change(ctx, "promo edit", work, key=key, as_json=as_json)


@promo_app.command("list")
def promo_list(
    ctx: typer.Context,
    status: str | None = typer.Option(None, "--status", help="draft, active, paused or ended."),
    running: bool = typer.Option(False, "--running", help="Only promotions running now."),
    after: str | None = typer.Option(None, "--after", help="Continue after this cursor (from the last page)."),
    limit: int = typer.Option(50, "--limit", help="Rows per page."),
    as_json: bool = JSON_OPTION,
) -> None:
    """List promotions, newest first. Example: shoptui promo list --running"""
    from shoptui.services import marketing as marketing_api

    with reading(ctx) as session:
        page = marketing_api.list_promotions(session=session, status=status, running=running, after=after, limit=limit)
        money, tz = shop_currency_and_zone(session)
    if as_json:
        emit_json(page, money)
        return
    emit_table(_promo_rows(page.items, money, tz),
               ("id", "name", "kind", "status", "gives", "ends", "used"),
               empty="No promotions yet. Add one with 'shoptui promo add'.")
    if page.next_after:
        say(f"More: --after {page.next_after}", err=True)


@promo_app.command("show")
def promo_show(ctx: typer.Context, ref: str = typer.Argument(..., help="The promotion id or name."),
               as_json: bool = JSON_OPTION) -> None:
    """One promotion with what it did. Example: shoptui promo show 3"""
    from shoptui.services import marketing as marketing_api

    with reading(ctx) as session:
        promo = marketing_api.get_promotion(session=session, ref=ref)
        report = marketing_api.usage_report(session=session, kind="promotion", ref_id=promo.id)[0]
        money, tz = shop_currency_and_zone(session)
    if as_json:
        emit_json({**jsonable(promo, money), "report": jsonable(report, money)})
        return
    emit_pairs([
        ("id", promo.id), ("name", promo.name), ("kind", promo.kind),
        ("status", promo.state + (f" (set {promo.status})" if promo.state != promo.status else "")),
        ("gives", marketing_api.describe_promotion(promo, money.digits)), ("starts", when(promo.starts_at, tz)),
        ("until", until(promo.ends_at, tz) or "no end"), ("priority", promo.priority),
        ("exclusive", "yes" if promo.exclusive else "no, combinable"),
        ("scope", promo.scope_text),
        ("tiers", ", ".join(promo.tiers or []) or "everyone"), ("channels", ", ".join(promo.channels or []) or "all"),
        ("new customers only", "yes" if promo.new_customers else "no"),
        ("limits", f"total {promo.usage_limit or '-'}, per member {promo.per_member_limit or '-'}"),
        ("times used", report.times_used), ("discount given", money.format(report.discount_minor)),
        ("gifts given (value)", money.format(report.gift_minor)),
        ("revenue of those orders", money.format(report.revenue_minor)),
    ], title=f"Promotion #{promo.id}")


def _promo_move(ctx: typer.Context, ref: str, action: str, key: str | None, as_json: bool) -> None:
    from shoptui.services import marketing as marketing_api
    from shoptui.services import shop

    def work(session: Session, actor: Any) -> shop.Outcome:
        promo = marketing_api.set_status(session=session, actor=actor, ref=ref, action=action)
        money, _ = shop_currency_and_zone(session)
        return outcome(f"Promotion #{promo.id} {promo.name!r} is now {promo.status}.", promo, money)

    change(ctx, f"promo {action}", work, key=key, as_json=as_json)


@promo_app.command("pause")
def promo_pause(ctx: typer.Context, ref: str = typer.Argument(..., help="The promotion id or name."),
                key: str | None = KEY_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Pause a running promotion. Example: shoptui promo pause 3"""
    _promo_move(ctx, ref, "pause", key, as_json)


@promo_app.command("resume")
def promo_resume(ctx: typer.Context, ref: str = typer.Argument(..., help="The promotion id or name."),
                 key: str | None = KEY_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Resume a paused promotion or activate a draft. Example: shoptui promo resume 3"""
    _promo_move(ctx, ref, "resume", key, as_json)


@promo_app.command("end")
def promo_end(ctx: typer.Context, ref: str = typer.Argument(..., help="The promotion id or name."),
              key: str | None = KEY_OPTION, as_json: bool = JSON_OPTION) -> None:
    """End a promotion for good. Example: shoptui promo end 3"""
    _promo_move(ctx, ref, "end", key, as_json)


# ---------------------------------------------------------------- coupon


@coupon_app.command("add")
def coupon_add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The coupon's name."),
    amount: str | None = typer.Option(None, "--amount", help="Amount off, like 10.00."),
    percent: str | None = typer.Option(None, "--percent", help="Percentage off, like 15."),
    cap: str | None = typer.Option(None, "--cap", help="The most a percentage coupon takes off."),
    min_spend: str | None = typer.Option(None, "--min-spend", help="Minimum spend on the items it covers."),
    categories: list[str] = typer.Option(None, "--category", help="Scope: a category slug or id (repeatable)."),
    products: list[str] = typer.Option(None, "--product", help="Scope: a product by SKU (repeatable)."),
    valid_from: str | None = typer.Option(None, "--from", help="Valid from (shop time), like 2026-12-01."),
    valid_until: str | None = typer.Option(None, "--until", help="Valid until the end of this day (shop time)."),
    days: int | None = typer.Option(None, "--days", help="Or: codes are valid this many days after issue."),
    per_member: int | None = typer.Option(None, "--per-member", help="Uses per member."),
    limit: int | None = typer.Option(None, "--limit", help="Uses in total."),
    not_combinable: bool = typer.Option(False, "--not-combinable", help="Not together with promotions."),
    share_text: str = typer.Option("", "--share-text", help="Text for social posts ($code, $name, $value, "
                                   "$expires)."),
    code: str | None = typer.Option(None, "--code", help="One shared code, like SPRING20."),
    key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Add a coupon. Example: shoptui coupon add "Ten off" --amount 10 --min-spend 100 --code SAVE10"""
    from shoptui.errors import InvalidInput
    from shoptui.services import marketing as marketing_api
    from shoptui.services import shop

    def work(session: Session, actor: Any) -> shop.Outcome:
        money, tz = shop_currency_and_zone(session)
        data = marketing_api.CouponInput(
            name=name, kind="percent" if percent is not None else "amount",
            amount_minor=_amount(money, amount, "--amount"), percent_bp=_percent(percent, "--percent"),
            cap_minor=_amount(money, cap, "--cap"), min_spend_minor=_amount(money, min_spend, "--min-spend") or 0,
            categories=categories or [], products=products or [], valid_from=_moment(valid_from, tz, "--from"),
            valid_until=_moment(valid_until, tz, "--until", end=True), valid_days=days, per_member_limit=per_member,
            total_limit=limit, combinable=not not_combinable, share_text=share_text, code=code)
        if amount is not None and percent is not None:
            raise InvalidInput("Give --amount or --percent, not both.")
        coupon = marketing_api.add_coupon(session=session, actor=actor, data=data)
        shared = f", code {coupon.shared_code}" if coupon.shared_code else ""
        return outcome(f"Added coupon #{coupon.id} {coupon.name!r}: {coupon.summary}{shared}.", coupon, money)

    change(ctx, "coupon add", work, key=key, as_json=as_json)


@coupon_app.command("issue")
def coupon_issue(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="The coupon id, name or code."),
    count: int | None = typer.Option(None, "--count", help="Make this many loose single-use codes (for export)."),
    tiers: list[str] = typer.Option(None, "--tier", help="Segment: members of this tier (repeatable)."),
    tag: str | None = typer.Option(None, "--tag", help="Segment: members with this tag."),
    region: str | None = typer.Option(None, "--region", help="Segment: members in this region."),
    bought_before: str | None = typer.Option(None, "--bought-before", help="Segment: last purchase before this "
                                             "date."),
    bought_after: str | None = typer.Option(None, "--bought-after", help="Segment: last purchase on or after this "
                                            "date."),
    min_spent: str | None = typer.Option(None, "--min-spent", help="Segment: spent at least this much."),
    max_spent: str | None = typer.Option(None, "--max-spent", help="Segment: spent at most this much."),
    all_members: bool = typer.Option(False, "--all-members", help="Segment: every member."),
    rfm: str | None = typer.Option(None, "--segment", metavar="NAME",
                                   help="Segment: the members in an RFM segment of the last 365 days, like "
                                   "Champions or 'At risk' (the segments and their rules: `shoptui report customers "
                                   "--help`)."),
    key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Issue unique single-use codes to a segment or as a batch. Example: shoptui coupon issue 2 --tier gold"""
    from shoptui.services import marketing as marketing_api
    from shoptui.services import shop

    segmented = any([tiers, tag, region, bought_before, bought_after, min_spent, max_spent, all_members, rfm])
    if segmented and count is not None:
        raise fail("Give a segment or --count, not both.")
    if not segmented and count is None:
        raise fail("Give a segment (--tier, --tag, --region, --bought-before/after, --min/max-spent, --segment, "
                   "--all-members) "
                   "or --count N.")

    def work(session: Session, actor: Any) -> shop.Outcome:
        money, tz = shop_currency_and_zone(session)
        segment = None
        if segmented:
            audience = None
            if rfm is not None:
                from shoptui.services import analytics

                audience = analytics.rfm_customers(session=session, segment=rfm)
            segment = marketing_api.Segment(
                tiers=tiers or [], tag=tag, region=region,
                last_purchase_before=_moment(bought_before, tz, "--bought-before"),
                last_purchase_after=_moment(bought_after, tz, "--bought-after"),
                min_spent_minor=_amount(money, min_spent, "--min-spent"),
                max_spent_minor=_amount(money, max_spent, "--max-spent"), customer_ids=audience)
        result = marketing_api.issue_coupon(session=session, actor=actor, ref=ref, segment=segment, count=count)
        held = f" ({result.already_held} members already held one)" if result.already_held else ""
        return outcome(f"Issued {plural(result.issued, 'code')} of coupon #{result.coupon_id}{held}.", result)

    change(ctx, "coupon issue", work, key=key, as_json=as_json)


@coupon_app.command("send")
def coupon_send(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="The coupon id, name or code."),
    channel: str = typer.Option(..., "--channel", help="email or sms."),
    resend: bool = typer.Option(False, "--resend", help="Also codes sent before (still unused)."),
    key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Queue issued codes to their members (only those who consented). Example: shoptui coupon send 2 --channel sms"""
    from shoptui.services import marketing as marketing_api
    from shoptui.services import shop

    def work(session: Session, actor: Any) -> shop.Outcome:
        result = marketing_api.send_coupon(session=session, actor=actor, ref=ref, channel=channel, resend=resend)
        return outcome(f"Queued {result.queued} {result.channel} messages ({result.no_consent} members without consent "
                       f"and {result.no_address} without an address were skipped).", result)

    change(ctx, "coupon send", work, key=key, as_json=as_json)


@coupon_app.command("export")
def coupon_export(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="The coupon id, name or code."),
    out: Path | None = typer.Option(None, "--out", help="Write the CSV here (default: stdout)."),
    include_used: bool = typer.Option(False, "--include-used", help="Also codes used up."),
) -> None:
    """Codes with a share text as CSV. Example: shoptui coupon export 2 --out codes.csv"""
    from shoptui.services import marketing as marketing_api

    with reading(ctx) as session:
        data = marketing_api.export_codes(session=session, ref=ref, unused_only=not include_used)
    if out is None:
        typer.echo(data, nl=False)  # the CSV document itself, byte for byte
        return
    if out.exists():
        raise fail(f"{out} already exists; pick a new file so nothing is overwritten.")
    try:
        out.write_text(data, encoding="utf-8")
    except OSError as exc:
        raise fail(f"The file {out} cannot be written ({exc.strerror}).") from None
    say(f"Wrote {data.count(chr(10)) - 1} codes to {out}.")


@coupon_app.command("list")
def coupon_list(
    ctx: typer.Context,
    after: str | None = typer.Option(None, "--after", help="Continue after this cursor."),
    limit: int = typer.Option(50, "--limit", help="Rows per page."),
    as_json: bool = JSON_OPTION,
) -> None:
    """List coupons, newest first. Example: shoptui coupon list --json"""
    from shoptui.services import marketing as marketing_api

    with reading(ctx) as session:
        page = marketing_api.list_coupons(session=session, after=after, limit=limit)
        money, tz = shop_currency_and_zone(session)
    if as_json:
        emit_json(page, money)
        return
    emit_table([(c.id, c.name, c.summary, c.shared_code or "", c.status, c.issued_count, c.used_count,
                 until(c.valid_until, tz) or (f"{c.valid_days} days" if c.valid_days else ""),
                 "" if c.combinable else "no") for c in page.items],
               ("id", "name", "gives", "code", "status", "issued", "used", "until", "with promos"),
               empty="No coupons yet. Add one with 'shoptui coupon add'.")
    if page.next_after:
        say(f"More: --after {page.next_after}", err=True)


@coupon_app.command("show")
def coupon_show(ctx: typer.Context, ref: str = typer.Argument(..., help="The coupon id, name or code."),
                as_json: bool = JSON_OPTION) -> None:
    """One coupon with what it did. Example: shoptui coupon show SAVE10"""
    from shoptui.services import marketing as marketing_api

    with reading(ctx) as session:
        coupon = marketing_api.get_coupon(session=session, ref=ref)
        report = marketing_api.usage_report(session=session, kind="coupon", ref_id=coupon.id)[0]
        money, tz = shop_currency_and_zone(session)
    if as_json:
        emit_json({**jsonable(coupon, money), "report": jsonable(report, money)})
        return
    emit_pairs([
        ("id", coupon.id), ("name", coupon.name), ("gives", coupon.summary), ("status", coupon.status),
        ("shared code", coupon.shared_code or "-"),
        ("valid", f"{when(coupon.valid_from, tz) or 'now'} to "
                  + (until(coupon.valid_until, tz) or (f"{coupon.valid_days} days after issue" if coupon.valid_days
                                                       else "no end"))),
        ("scope", coupon.scope_text),
        ("limits", f"total {coupon.total_limit or '-'}, per member {coupon.per_member_limit or '-'}"),
        ("with promotions", "yes" if coupon.combinable else "no"), ("codes issued", coupon.issued_count),
        ("times used", report.times_used), ("discount given", money.format(report.discount_minor)),
        ("revenue of those orders", money.format(report.revenue_minor)),
    ], title=f"Coupon #{coupon.id}")


def _coupon_status(ctx: typer.Context, ref: str, status: str, key: str | None, as_json: bool) -> None:
    from shoptui.services import marketing as marketing_api
    from shoptui.services import shop

    def work(session: Session, actor: Any) -> shop.Outcome:
        coupon = marketing_api.set_coupon_status(session=session, actor=actor, ref=ref, status=status)
        return outcome(f"Coupon #{coupon.id} {coupon.name!r} is now {coupon.status}.", coupon)

    change(ctx, f"coupon {status}", work, key=key, as_json=as_json)


@coupon_app.command("pause")
def coupon_pause(ctx: typer.Context, ref: str = typer.Argument(..., help="The coupon id, name or code."),
                 key: str | None = KEY_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Stop a coupon's codes from working for now. Example: shoptui coupon pause 2"""
    _coupon_status(ctx, ref, "paused", key, as_json)


@coupon_app.command("end")
def coupon_end(ctx: typer.Context, ref: str = typer.Argument(..., help="The coupon id, name or code."),
               key: str | None = KEY_OPTION, as_json: bool = JSON_OPTION) -> None:
    """End a coupon for good. Example: shoptui coupon end 2"""
    _coupon_status(ctx, ref, "ended", key, as_json)


# ---------------------------------------------------------------- price


def _item(raw: str) -> tuple[str, int]:
    """``SKU`` or ``SKUxQTY`` (also ``SKU:QTY``)."""
    import re

    from shoptui.errors import InvalidInput

    match = re.fullmatch(r"\s*(?P<code>[^\s:]+?)(?:[x:](?P<qty>-?\d+))?\s*", raw)
    if not match:
        raise InvalidInput(f"{raw!r} is not an item; write SKU or SKUxQTY like TEE-01x2.")
    quantity = int(match["qty"]) if match["qty"] is not None else 1
    if quantity <= 0 or quantity > 100_000:
        raise InvalidInput(f"The quantity in {raw!r} must be from 1 to 100,000.")
    return match["code"], quantity


@price_app.callback(invoke_without_command=True)
def price(
    ctx: typer.Context,
    skus: list[str] = typer.Option(None, "--sku", help="An item as SKU or SKUxQTY (repeatable)."),
    member: str | None = typer.Option(None, "--member", help="The customer: phone, email or id."),
    coupons: list[str] = typer.Option(None, "--coupon", help="A coupon code (repeatable)."),
    points: int = typer.Option(0, "--points", help="Points the member uses."),
    shipping: str | None = typer.Option(None, "--shipping", help="Shipping fee before benefits, like 10.00."),
    channel: str = typer.Option("counter", "--channel", help="The order channel (offers may depend on it)."),
    at: str | None = typer.Option(None, "--at", help="Price as at this shop time (default: now)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Explain a cart's price without selling. Example: shoptui price --sku TEE-01x2 --member 13800138000 --coupon SAVE10"""
    if ctx.invoked_subcommand is not None:
        return
    if not skus:
        raise fail("Give at least one --sku SKU[xQTY].")
    from shoptui.errors import InvalidInput
    from shoptui.models.orders import CHANNELS
    from shoptui.services import pricing as pricing_api
    from shoptui.services.members import find_customer_row

    with reading(ctx) as session:
        money, tz = shop_currency_and_zone(session)
        if channel not in CHANNELS:
            raise fail(f"The channel {channel!r} is not one of {', '.join(CHANNELS)}.")
        customer = find_customer_row(session, member) if member else None
        items = tuple(pricing_api.CartItem(quantity=q, sku=code) for code, q in map(_item, skus))
        if isinstance(points, bool) or points < 0:
            raise InvalidInput(f"The points must be 0 or more, not {points}.")
        priced = pricing_api.price(session=session, cart=pricing_api.Cart(items=items, shipping_minor=_amount(
            money, shipping, "--shipping") or 0), customer_id=customer.id if customer else None,
            coupon_codes=coupons or [], points_to_use=points, channel=channel, at=_moment(at, tz, "--at"))
    if as_json:
        emit_json({
            "lines": [{"sku": line.key, "title": src.title, "quantity": line.quantity,
                       "unit_price_minor": line.unit_price_minor, "line_total_minor": line.line_total_minor,
                       "discount_minor": -line.adjustment_minor, "net_minor": line.net_minor,
                       "tax_minor": line.tax_minor, "gift": src.gift_of is not None}
                      for line, src in zip(priced.order.lines, priced.lines, strict=True)],
            "adjustments": [{"kind": e.kind, "name": e.name, "amount_minor": e.amount_minor, "ref": e.ref,
                             "lines": list(e.lines), "detail": e.detail} for e in priced.explanations],
            "notices": list(priced.notices), "member_tier": priced.member.tier if priced.member else None,
            "points_used": priced.points_used, "points_minor": priced.points_minor,
            "undiscounted_minor": priced.undiscounted_minor, "discount_minor": priced.discount_minor,
            "shipping_minor": priced.shipping_minor, "tax_minor": priced.tax_minor, "total_minor": priced.total_minor,
        }, money)
        return
    emit_table([(line.key, src.title + (" (gift)" if src.gift_of is not None else ""), line.quantity,
                 money.format(line.unit_price_minor), money.format(line.line_total_minor),
                 money.format(line.adjustment_minor), money.format(line.net_minor))
                for line, src in zip(priced.order.lines, priced.lines, strict=True)],
               ("sku", "title", "qty", "unit", "line", "offers", "pays"),
               justify={c: "right" for c in ("qty", "unit", "line", "offers", "pays")})
    for e in priced.explanations:
        say(f"  {e.kind:<9} {e.name}: {money.format(e.amount_minor)}" + (f" ({e.detail})" if e.detail else "")
                   + (f" on {', '.join(e.lines)}" if e.lines else ""))
    for notice in priced.notices:
        say(f"  note: {notice}")
    say(f"Total {money.format(priced.total_minor)} {money.code} (items {money.format(priced.undiscounted_minor)}"
               f", offers {money.minus(priced.discount_minor)}, points {money.minus(priced.points_minor)}, "
               f"shipping {money.format(priced.shipping_minor)}, tax included {money.format(priced.tax_minor)}).")


# ---------------------------------------------------------------- marketing link


@marketing_app.command("link")
def marketing_link(
    url: str = typer.Argument(..., help="The shop page to link to, like https://shop.example.com/spring."),
    source: str = typer.Option(..., "--source", help="Where the link is posted: weibo, wechat, douyin, newsletter, "
                               "baidu ... (utm_source)."),
    medium: str = typer.Option("", "--medium", help="What kind of link: social, email, cpc ... (utm_medium; "
                               "email counts as email, cpc/ppc/paid as ads)."),
    campaign: str = typer.Option("", "--campaign", help="The campaign, like spring (utm_campaign)."),
    term: str = typer.Option("", "--term", help="The paid keyword (utm_term)."),
    content: str = typer.Option("", "--content", help="Which link or post, to tell two apart (utm_content)."),
) -> None:
    """Print URL with UTM tags for a post or an ad, so its visits (and orders that keep the tags) are attributed
    to it in `shoptui report traffic --by source|campaign`. Existing query parameters are kept."""
    from shoptui.cli._output import refusals
    from shoptui.services import marketing

    with refusals():
        link = marketing.tagged_link(url, source=source, medium=medium, campaign=campaign, term=term, content=content)
    typer.echo(link)
