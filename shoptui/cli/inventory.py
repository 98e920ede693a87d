"""``shoptui stock``, ``location``, ``supplier``, ``po`` and ``stocktake``: inventory from the shell.

Imports here are standard library and typer only; services load inside the commands.
"""

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
    reading,
    say,
    shop_currency,
    shop_currency_and_zone,
    when,
)
from shoptui.wording import plural

if TYPE_CHECKING:
    from sqlmodel import Session

    from shoptui.config import Actor
    from shoptui.services.shop.idempotency import Outcome

NEGATIVE_OK = {"ignore_unknown_options": True}  # so "-3" is a number, not an option

stock_app = typer.Typer(help="Stock levels and the ledger: restock, adjust, transfer, show, moves, list, alerts.",
                        no_args_is_help=True)
location_app = typer.Typer(help="Stock locations (shop floor, back room, branches).", no_args_is_help=True)
supplier_app = typer.Typer(help="Suppliers: who the shop buys from and their lead times.", no_args_is_help=True)
po_app = typer.Typer(help="Purchase orders: draft -> ordered -> partially received -> received (or cancelled).",
                     no_args_is_help=True)
stocktake_app = typer.Typer(help="Stocktakes (盘点): freeze, count by scan/typing/CSV, review variances, post once.",
                            no_args_is_help=True)

LOCATION_OPTION = typer.Option(None, "--location", "-l", help="Location code (default: the default location).")
NOTE_OPTION = typer.Option("", "--note", help="A note kept on the ledger line.")



def _money(currency: Any, minor: int | None) -> str:
    return "" if minor is None else currency.format(minor)


def _level_line(level: Any) -> str:
    return (f"on hand {level.on_hand}, committed {level.committed}, available {level.available}, "
            f"incoming {level.incoming}")


def _po_id(text: str) -> int:
    raw = text.strip().upper().removeprefix("PO-").removeprefix("PO")
    if not raw.isdigit():
        raise fail(f"{text!r} is not a purchase order number; write it like PO-000042 or 42.")
    return int(raw)


# ---------------------------------------------------------------- stock


@stock_app.command("restock", context_settings=NEGATIVE_OK)
def stock_restock(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="SKU or barcode."),
    quantity: int = typer.Argument(..., help="How many arrived (more than zero)."),
    cost: str | None = typer.Option(None, "--cost", help="Unit cost like 12.50; updates the moving average cost."),
    location: str | None = LOCATION_OPTION,
    supplier: str | None = typer.Option(None, "--supplier", help="Supplier name or id (becomes the usual one)."),
    note: str = NOTE_OPTION,
    idempotency_key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Goods in: add stock at a location. Example: shoptui stock restock TEE-01 24 --cost 12.50"""
    from shoptui.services.inventory.changes import restock
    from shoptui.services.shop.idempotency import Outcome

    def work(session: Session, actor: Actor) -> Outcome:
        money = shop_currency(session)
        cost_minor = money.parse(cost, field="cost") if cost is not None else None
        done = restock(session=session, actor=actor, code=code, quantity=quantity,
                                 unit_cost_minor=cost_minor, location=location, supplier=supplier, note=note)
        cost_text = f"; cost now {money.format(done.cost_minor)}" if done.cost_minor is not None else ""
        return Outcome(f"Restocked {quantity} x {done.sku} at {done.location}: {_level_line(done.level)}{cost_text}.",
                       done.model_dump())

    change(ctx, "stock.restock", work, key=idempotency_key, as_json=as_json)


@stock_app.command("adjust", context_settings=NEGATIVE_OK)
def stock_adjust(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="SKU or barcode."),
    quantity: int = typer.Argument(..., help="Signed change: -3 removes three, 2 adds two."),
    reason: str = typer.Option(..., "--reason", help="damaged, lost, found, correction or other."),
    location: str | None = LOCATION_OPTION,
    note: str = NOTE_OPTION,
    idempotency_key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Correct stock by hand with a reason. Example: shoptui stock adjust TEE-01 -3 --reason damaged"""
    from shoptui.services.inventory.changes import adjust
    from shoptui.services.shop.idempotency import Outcome

    def work(session: Session, actor: Actor) -> Outcome:
        done = adjust(session=session, actor=actor, code=code, quantity=quantity, reason=reason.lower(),
                                location=location, note=note)
        return Outcome(f"Adjusted {done.sku} by {quantity:+d} at {done.location} ({reason}): "
                       f"{_level_line(done.level)}.", done.model_dump())

    change(ctx, "stock.adjust", work, key=idempotency_key, as_json=as_json)


@stock_app.command("transfer", context_settings=NEGATIVE_OK)
def stock_transfer(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="SKU or barcode."),
    quantity: int = typer.Argument(..., help="How many to move (more than zero)."),
    from_location: str = typer.Option(..., "--from", help="Location code to take the stock from."),
    to_location: str = typer.Option(..., "--to", help="Location code to put it."),
    note: str = NOTE_OPTION,
    idempotency_key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Move stock between locations. Example: shoptui stock transfer TEE-01 5 --from BACK --to MAIN"""
    from shoptui.services.inventory.changes import transfer
    from shoptui.services.shop.idempotency import Outcome

    def work(session: Session, actor: Actor) -> Outcome:
        done = transfer(session=session, actor=actor, code=code, quantity=quantity,
                                  from_location=from_location, to_location=to_location, note=note)
        return Outcome(f"Moved {quantity} x {done.sku} from {done.location} to {done.to_location}: "
                       f"{done.location} has {done.level.available} available, {done.to_location} "
                       f"{done.to_level.available if done.to_level else 0}.", done.model_dump())

    change(ctx, "stock.transfer", work, key=idempotency_key, as_json=as_json)


@stock_app.command("sell", context_settings=NEGATIVE_OK)
def stock_sell(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="SKU or barcode."),
    quantity: int = typer.Argument(1, help="How many (more than zero)."),
    pay: list[str] = typer.Option(None, "--pay", "-p", metavar="METHOD[:AMOUNT]",
                                  help="A payment, as in 'shoptui sale': cash:100, card, mobile ...; repeat to split."),
    customer: str | None = typer.Option(None, "--customer", "-c", help="The customer's or member's phone (or id or "
                                        "email)."),
    receipt: str | None = typer.Option(None, "--receipt", "-o", metavar="FILE", help="Save the receipt to this file."),
    to_printer: bool = typer.Option(False, "--print", help="Send the receipt to the print command."),
    idempotency_key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Another name for 'shoptui sale CODE:QTY': a counter sale (order, payment, shift, receipt). Example: shoptui stock sell TEE-01 2 --pay cash"""
    from shoptui.cli.sales import ring_up

    if quantity <= 0:
        raise fail(f"The quantity must be more than zero, not {quantity}.")
    ring_up(ctx, [f"{code.strip()}:{quantity}"], pay=pay, customer=customer, receipt=receipt, to_printer=to_printer,
            key=idempotency_key, as_json=as_json)


@stock_app.command("show")
def stock_show(ctx: typer.Context, code: str = typer.Argument(..., help="SKU or barcode."),
               as_json: bool = JSON_OPTION) -> None:
    """A variant's stock at every location, policy and cost. Example: shoptui stock show TEE-01"""
    from shoptui.services.inventory.listing import stock_of

    with reading(ctx) as session:
        shown = stock_of(session=session, code=code)
        money = shop_currency(session)
    if as_json:
        emit_json(shown, money)
        return
    emit_pairs([("sku", shown.sku), ("product", shown.title), ("barcode", shown.barcode),
                ("tracks stock", "yes" if shown.track_stock else "no"), ("cost", _money(money, shown.cost_minor)),
                ("on hand", shown.total.on_hand), ("committed", shown.total.committed),
                ("available", shown.total.available), ("incoming", shown.total.incoming),
                ("safety stock", shown.safety_stock), ("reorder point", shown.reorder_point or "-"),
                ("supplier", shown.supplier or "-")])
    emit_table(((r.location, r.on_hand, r.committed, r.available, r.incoming, "LOW" if r.low else "")
                for r in shown.locations), ["location", "on hand", "committed", "available", "incoming", ""],
               empty="No stock at any location yet.")


@stock_app.command("moves")
def stock_moves(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="SKU or barcode."),
    since: str | None = typer.Option(None, "--since", help="Only since: 2h, 7d, 2026-11-01 or an ISO time."),
    location: str | None = typer.Option(None, "--location", "-l", help="Only this location (code); default: every "
                                        "location."),
    limit: int = typer.Option(50, "--limit", min=1, max=1000, help="How many lines (1-1000)."),
    after: int | None = typer.Option(None, "--after", help="Continue after this cursor (printed below a page)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """A variant's ledger, newest first. Example: shoptui stock moves TEE-01 --since 7d"""
    from shoptui.services.inventory.listing import list_moves
    from shoptui.services.shop import settings, timeutil

    with reading(ctx) as session:
        tz = settings.timezone(session=session)
        moment = timeutil.parse_moment(since, tz) if since else None
        page = list_moves(session=session, code=code, since=moment, location=location, after=after,
                                    limit=limit)
        money = shop_currency(session)
    if as_json:
        emit_json(page.items, money)
        return
    emit_table(((when(m.at, tz), m.location, m.kind, f"{m.quantity:+d}" if m.quantity else "",
                 f"{m.committed_change:+d}" if m.committed_change else "",
                 " ".join(x for x in (m.reason, f"{m.ref_kind} {m.ref_id}" if m.ref_kind else "", m.note) if x),
                 m.actor)
                for m in page.items),
               ["when", "at", "kind", "on hand", "committed", "why", "who"],
               empty="No movements.")
    if page.next_after:
        say(f"More: --after {page.next_after}")


@stock_app.command("list")
def stock_list(
    ctx: typer.Context,
    low: bool = typer.Option(False, "--low", help="Only at or below the reorder point."),
    out: bool = typer.Option(False, "--out", help="Only with nothing available."),
    location: str | None = typer.Option(None, "--location", "-l", help="Only this location (code)."),
    category: int | None = typer.Option(None, "--category", help="Only this category id and its subcategories."),
    limit: int = typer.Option(100, "--limit", min=1, max=1000, help="How many rows (1-1000)."),
    after: str | None = typer.Option(None, "--after", help="Continue after this cursor (printed below a page)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Stock levels by SKU and location. Example: shoptui stock list --low --json"""
    from shoptui.services.inventory.listing import list_levels

    with reading(ctx) as session:
        page = list_levels(session=session, low=low, out=out, location=location, category_id=category,
                                     after=after, limit=limit)
        money = shop_currency(session)
    if as_json:
        emit_json(page.items, money)
        return
    emit_table(((r.sku, r.title, r.location, r.on_hand, r.committed, r.available, r.incoming,
                 "-" if r.reorder_point is None else r.reorder_point, "OUT" if r.out else "LOW" if r.low else "")
                for r in page.items),
               ["sku", "product", "location", "on hand", "committed", "available", "incoming", "reorder at", ""],
               empty="No stock matches.")
    if page.next_after:
        say(f"More: --after {page.next_after}")


@stock_app.command("set-levels")
def stock_set_levels(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="SKU or barcode."),
    safety: int | None = typer.Option(None, "--safety", min=0, help="Safety stock in units."),
    reorder_point: int | None = typer.Option(None, "--reorder-point", min=0,
                                             help="Alert and reorder when available falls to this or below."),
    no_reorder_point: bool = typer.Option(False, "--no-reorder-point", help="Remove the reorder point (no alerts)."),
    supplier: str | None = typer.Option(None, "--supplier", help="The usual supplier (name or id)."),
    idempotency_key: str | None = KEY_OPTION,
) -> None:
    """Set safety stock and reorder point by hand. Example: shoptui stock set-levels TEE-01 --safety 4 --reorder-point 10"""
    from shoptui.services.inventory.policies import set_levels
    from shoptui.services.shop.idempotency import Outcome

    def work(session: Session, actor: Actor) -> Outcome:
        policy = set_levels(session=session, actor=actor, code=code, safety_stock=safety,
                                      reorder_point=reorder_point, clear_reorder_point=no_reorder_point,
                                      supplier=supplier)
        return Outcome(f"{policy.sku}: safety stock {policy.safety_stock}, reorder point "
                       f"{'-' if policy.reorder_point is None else policy.reorder_point}, supplier "
                       f"{policy.supplier or '-'}.", policy.model_dump())

    change(ctx, "stock.set_levels", work, key=idempotency_key)


@stock_app.command("suggest-levels")
def stock_suggest_levels(
    ctx: typer.Context,
    days: int = typer.Option(30, "--days", help="Days of sales history to use (1-365)."),
    code: str | None = typer.Option(None, "--sku", help="Only this SKU."),
    apply: bool = typer.Option(False, "--apply", help="Save the suggestions as the new safety stock and reorder point."),
    idempotency_key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Suggest safety stock and reorder points from sales history.

    safety stock = ceil(z x standard deviation of daily sales x sqrt(lead time days));
    reorder point = ceil(average daily sales x lead time days) + safety stock.
    z is the safety_factor setting (1.65), the lead time the usual supplier's (else
    default_lead_time_days). Example: shoptui stock suggest-levels --days 60 --apply
    """
    from shoptui.services.inventory.forecast import apply_level_suggestions, suggest_levels
    from shoptui.services.shop.idempotency import Outcome

    def table(items: list[Any]) -> None:
        emit_table(((s.sku, s.sold, f"{s.daily_mean:g}", f"{s.daily_stdev:g}", s.lead_time_days,
                     f"{s.current_safety_stock} -> {s.safety_stock}",
                     f"{'-' if s.current_reorder_point is None else s.current_reorder_point} -> {s.reorder_point}")
                    for s in items),
                   ["sku", "sold", "per day", "stdev", "lead days", "safety", "reorder point"],
                   empty="No sales in that period, so nothing to suggest.")

    if not apply:
        with reading(ctx) as session:
            items = suggest_levels(session=session, days=days, code=code)
        if as_json:
            emit_json(items)
        else:
            table(items)
        return

    def work(session: Session, actor: Actor) -> Outcome:
        items = apply_level_suggestions(session=session, actor=actor, days=days, code=code)
        return Outcome(f"Set safety stock and reorder point of {plural(len(items), 'variant')} from {plural(days, 'day')} of sales.",
                       [s.model_dump() for s in items])

    change(ctx, "stock.suggest_levels", work, key=idempotency_key, as_json=as_json)


@stock_app.command("digest")
def stock_digest(ctx: typer.Context, force: bool = typer.Option(
        False, "--force", help="Send another digest even though today's (store-local day) was already queued."),
        idempotency_key: str | None = KEY_OPTION) -> None:
    """Queue one email a day listing every low SKU to alert_emails (for cron). Example: shoptui stock digest"""
    from shoptui.services.inventory.alerts import low_stock_digest
    from shoptui.services.shop.idempotency import Outcome
    from shoptui.wording import plural

    def work(session: Session, actor: Actor) -> Outcome:
        result = low_stock_digest(session=session, actor=actor, force=force)
        if result.already_sent:
            return Outcome(f"Today's low-stock digest ({result.day}) was already queued; nothing sent. "
                           "Use --force to send another.", {"low": 0, "emails": 0, "already_sent": True})
        if not result.low:
            return Outcome("Nothing is low on stock; no digest queued.", {"low": 0, "emails": 0})
        if not result.emails:
            return Outcome(f"{plural(result.low, 'SKU')} {'is' if result.low == 1 else 'are'} low, but alert_emails "
                           "is empty; set it with 'shoptui settings set alert_emails you@example.com'.",
                           {"low": result.low, "emails": 0})
        return Outcome(f"Queued a low-stock digest of {plural(result.low, 'SKU')} to "
                       f"{plural(result.emails, 'recipient')}.", {"low": result.low, "emails": result.emails})

    change(ctx, "stock.digest", work, key=idempotency_key)


# ---------------------------------------------------------------- locations


@location_app.command("add")
def location_add(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="Short code like BACK or SHOP-2."),
    name: str = typer.Argument(..., help="A name people recognise."),
    default: bool = typer.Option(False, "--default", help="Make it the default location."),
    idempotency_key: str | None = KEY_OPTION,
) -> None:
    """Add a stock location. Example: shoptui location add BACK "Back room\""""
    from shoptui.services.inventory.locations import add_location
    from shoptui.services.shop.idempotency import Outcome

    def work(session: Session, actor: Actor) -> Outcome:
        place = add_location(session=session, actor=actor, code=code, name=name, make_default=default)
        return Outcome(f"Added location {place.code} ({place.name}){' as the default' if place.is_default else ''}.",
                       place.model_dump())

    change(ctx, "location.add", work, key=idempotency_key)


@location_app.command("list")
def location_list(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Every stock location. Example: shoptui location list"""
    from shoptui.services.inventory.locations import list_locations

    with reading(ctx) as session:
        places = list_locations(session=session)
    if as_json:
        emit_json(places)
        return
    emit_table(((p.code, p.name, "default" if p.is_default else "") for p in places), ["code", "name", ""])


# ---------------------------------------------------------------- suppliers


def _supplier_pairs(s: Any) -> list[tuple[str, Any]]:
    return [("id", s.id), ("name", s.name), ("contact", s.contact), ("email", s.email), ("phone", s.phone),
            ("lead time", plural(s.lead_time_days, "day")), ("note", s.note)]


@supplier_app.command("add")
def supplier_add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The supplier's name (unique)."),
    contact: str = typer.Option("", "--contact", help="Contact person."),
    email: str = typer.Option("", "--email", help="Email address purchase orders are sent to."),
    phone: str = typer.Option("", "--phone", help="Phone number."),
    lead_time: int = typer.Option(7, "--lead-time", help="Days from ordering to delivery (0-365)."),
    note: str = typer.Option("", "--note", help="Anything worth remembering."),
    idempotency_key: str | None = KEY_OPTION,
) -> None:
    """Add a supplier. Example: shoptui supplier add "Acme Textiles" --email orders@acme.example --lead-time 10"""
    from shoptui.services.inventory import purchasing
    from shoptui.services.shop.idempotency import Outcome

    def work(session: Session, actor: Actor) -> Outcome:
        s = purchasing.add_supplier(session=session, actor=actor, name=name, contact=contact, email=email,
                                    phone=phone, lead_time_days=lead_time, note=note)
        return Outcome(f"Added supplier {s.name} (id {s.id}).", s.model_dump())

    change(ctx, "supplier.add", work, key=idempotency_key)


@supplier_app.command("edit")
def supplier_edit(
    ctx: typer.Context,
    supplier: str = typer.Argument(..., help="Supplier name or id."),
    name: str | None = typer.Option(None, "--name", help="New name."),
    contact: str | None = typer.Option(None, "--contact", help="Contact person."),
    email: str | None = typer.Option(None, "--email", help="Email address."),
    phone: str | None = typer.Option(None, "--phone", help="Phone number."),
    lead_time: int | None = typer.Option(None, "--lead-time", help="Lead time in days (0-365)."),
    note: str | None = typer.Option(None, "--note", help="Note."),
    idempotency_key: str | None = KEY_OPTION,
) -> None:
    """Change a supplier's details. Example: shoptui supplier edit 3 --lead-time 14"""
    from shoptui.services.inventory import purchasing
    from shoptui.services.shop.idempotency import Outcome

    def work(session: Session, actor: Actor) -> Outcome:
        s = purchasing.edit_supplier(session=session, actor=actor, supplier=supplier, name=name, contact=contact,
                                     email=email, phone=phone, lead_time_days=lead_time, note=note)
        return Outcome(f"Changed supplier {s.name} (id {s.id}).", s.model_dump())

    change(ctx, "supplier.edit", work, key=idempotency_key)


@supplier_app.command("list")
def supplier_list(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Every supplier. Example: shoptui supplier list --json"""
    from shoptui.services.inventory import purchasing

    with reading(ctx) as session:
        items = purchasing.list_suppliers(session=session)
    if as_json:
        emit_json(items)
        return
    emit_table(((s.id, s.name, s.contact, s.email, s.phone, s.lead_time_days) for s in items),
               ["id", "name", "contact", "email", "phone", "lead days"], empty="No suppliers yet.")


@supplier_app.command("show")
def supplier_show(ctx: typer.Context, supplier: str = typer.Argument(..., help="Supplier name or id."),
                  as_json: bool = JSON_OPTION) -> None:
    """One supplier with its open purchase orders. Example: shoptui supplier show "Acme Textiles\""""
    from shoptui.services.inventory import purchasing

    with reading(ctx) as session:
        s = purchasing.supplier_detail(session=session, supplier=supplier)
    if as_json:
        emit_json(s)
        return
    emit_pairs([*_supplier_pairs(s), ("open POs", s.open_orders), ("usual for", plural(s.variants, "variant"))])


# ---------------------------------------------------------------- purchase orders


def _po_text(po: Any, money: Any) -> None:
    emit_pairs([("number", po.number), ("supplier", po.supplier), ("location", po.location), ("status", po.status),
                ("total", money.format(po.total_minor)), ("note", po.note)])
    emit_table(((line.sku, line.title, line.quantity_ordered, line.quantity_received, line.remaining,
                 money.format(line.unit_cost_minor), money.format(line.line_total_minor)) for line in po.lines),
               ["sku", "product", "ordered", "received", "due", "unit cost", "total"], empty="No lines yet.")


def _po_change(ctx: typer.Context, command: str, key: str | None, as_json: bool, verb: str, call: Any) -> None:
    from shoptui.services.shop.idempotency import Outcome

    def work(session: Session, actor: Actor) -> Outcome:
        po = call(session, actor)
        return Outcome(f"{verb} {po.number} ({po.supplier}): {po.status}, {plural(len(po.lines), 'line')}, total "
                       f"{shop_currency(session).format(po.total_minor)}.", po.model_dump())

    change(ctx, command, work, key=key, as_json=as_json)


@po_app.command("create")
def po_create(
    ctx: typer.Context,
    supplier: str = typer.Argument(..., help="Supplier name or id."),
    location: str | None = typer.Option(None, "--location", "-l", help="Where the goods will arrive (code)."),
    note: str = typer.Option("", "--note", help="A note to the supplier, printed on the emailed order."),
    idempotency_key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Start a draft purchase order. Example: shoptui po create "Acme Textiles\""""
    from shoptui.services.inventory import purchasing

    _po_change(ctx, "po.create", idempotency_key, as_json, "Created",
               lambda s, a: purchasing.create_po(session=s, actor=a, supplier=supplier, location=location, note=note))


@po_app.command("add-line")
def po_add_line(
    ctx: typer.Context,
    po: str = typer.Argument(..., help="PO number (PO-000042 or 42)."),
    code: str = typer.Argument(..., help="SKU or barcode."),
    quantity: int = typer.Argument(..., help="How many to order."),
    cost: str | None = typer.Option(None, "--cost", help="Unit cost like 8.40 (default: the variant's cost)."),
    idempotency_key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Add a line to a draft PO. Example: shoptui po add-line 42 TEE-01 24 --cost 8.40"""
    from shoptui.services.inventory import purchasing

    po_id = _po_id(po)

    def call(s: Session, a: Actor) -> purchasing.PORead:
        cost_minor = shop_currency(s).parse(cost, field="cost") if cost is not None else None
        return purchasing.add_po_line(session=s, actor=a, po_id=po_id, code=code, quantity=quantity,
                                      unit_cost_minor=cost_minor)

    _po_change(ctx, "po.add_line", idempotency_key, as_json, "Updated", call)


@po_app.command("order")
def po_order(ctx: typer.Context, po: str = typer.Argument(..., help="PO number (PO-000042 or 42)."),
             idempotency_key: str | None = KEY_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Mark a draft PO ordered (its quantities become incoming). Example: shoptui po order 42"""
    from shoptui.services.inventory import purchasing

    po_id = _po_id(po)
    _po_change(ctx, "po.order", idempotency_key, as_json, "Ordered",
               lambda s, a: purchasing.order_po(session=s, actor=a, po_id=po_id))


@po_app.command("receive")
def po_receive(
    ctx: typer.Context,
    po: str = typer.Argument(..., help="PO number (PO-000042 or 42)."),
    lines: list[str] = typer.Argument(None, help="SKU=QTY pairs to receive some lines; none receives all that is due."),
    over: bool = typer.Option(False, "--over", help="Allow receiving more than was ordered."),
    idempotency_key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Receive goods on a PO. Examples: shoptui po receive 42;  shoptui po receive 42 TEE-01=10 MUG-01=4"""
    from shoptui.services.inventory import purchasing

    po_id = _po_id(po)
    quantities: dict[str, int] | None = None
    if lines:
        quantities = {}
        for pair in lines:
            sku, sep, qty = pair.rpartition("=")
            if not sep or not sku.strip() or not qty.strip().lstrip("-").isdigit():
                raise fail(f"{pair!r} is not SKU=QTY (like TEE-01=10).")
            if sku.strip() in quantities:
                raise fail(f"{sku.strip()} is named twice; give each SKU once.")
            quantities[sku.strip()] = int(qty)
    _po_change(ctx, "po.receive", idempotency_key, as_json, "Received on",
               lambda s, a: purchasing.receive_po(session=s, actor=a, po_id=po_id, quantities=quantities, over=over))


@po_app.command("cancel")
def po_cancel(ctx: typer.Context, po: str = typer.Argument(..., help="PO number (PO-000042 or 42)."),
              idempotency_key: str | None = KEY_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Cancel a PO that is not fully received. Example: shoptui po cancel 42"""
    from shoptui.services.inventory import purchasing

    po_id = _po_id(po)
    _po_change(ctx, "po.cancel", idempotency_key, as_json, "Cancelled",
               lambda s, a: purchasing.cancel_po(session=s, actor=a, po_id=po_id))


@po_app.command("show")
def po_show(ctx: typer.Context, po: str = typer.Argument(..., help="PO number (PO-000042 or 42)."),
            as_json: bool = JSON_OPTION) -> None:
    """A purchase order and its lines. Example: shoptui po show PO-000042"""
    from shoptui.services.inventory import purchasing

    po_id = _po_id(po)
    with reading(ctx) as session:
        order = purchasing.get_po(session=session, po_id=po_id)
        money = shop_currency(session)
    if as_json:
        emit_json(order, money)
        return
    _po_text(order, money)


@po_app.command("list")
def po_list(
    ctx: typer.Context,
    status: str | None = typer.Option(None, "--status", help="draft, ordered, partial, received, cancelled or open."),
    supplier: str | None = typer.Option(None, "--supplier", help="Only this supplier (name or id)."),
    limit: int = typer.Option(50, "--limit", min=1, max=1000, help="How many (1-1000)."),
    after: int | None = typer.Option(None, "--after", help="Continue after this cursor."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Purchase orders, newest first. Example: shoptui po list --status open"""
    from shoptui.services.inventory import purchasing

    with reading(ctx) as session:
        page = purchasing.list_pos(session=session, status=status, supplier=supplier, after=after, limit=limit)
        money, tz = shop_currency_and_zone(session)
    if as_json:
        emit_json(page.items, money)
        return
    emit_table(((p.number, p.supplier, p.status, p.lines, money.format(p.total_minor), when(p.created_at, tz))
                for p in page.items), ["number", "supplier", "status", "lines", "total", "created"],
               empty="No purchase orders.")
    if page.next_after:
        say(f"More: --after {page.next_after}")


@po_app.command("email")
def po_email(ctx: typer.Context, po: str = typer.Argument(..., help="PO number (PO-000042 or 42)."),
             idempotency_key: str | None = KEY_OPTION) -> None:
    """Queue an ordered (open) PO as an email to its supplier. Example: shoptui po email 42"""
    from shoptui.services.inventory import purchasing
    from shoptui.services.shop.idempotency import Outcome

    po_id = _po_id(po)

    def work(session: Session, actor: Actor) -> Outcome:
        recipient = purchasing.email_po(session=session, actor=actor, po_id=po_id)
        return Outcome(f"Queued {purchasing.po_number(po_id)} to {recipient} (sent by 'shoptui outbox send').",
                       {"po": po_id, "recipient": recipient})

    change(ctx, "po.email", work, key=idempotency_key)


@po_app.command("suggest")
def po_suggest(
    ctx: typer.Context,
    location: str | None = typer.Option(None, "--location", "-l", help="Location to reorder for (code)."),
    days: int = typer.Option(30, "--days", min=1, max=365, help="Days of sales for the sales rate."),
    create: bool = typer.Option(False, "--create", help="Turn the suggestions into draft POs, one per supplier."),
    idempotency_key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Reorder suggestions grouped by supplier.

    For each variant at or below its reorder point: need = ceil(sales per day over --days x
    (lead time + reorder_cover_days)); suggested = max(need, reorder point + 1 - available) - incoming.
    Example: shoptui po suggest --create
    """
    from shoptui.services.inventory import purchasing
    from shoptui.services.shop.idempotency import Outcome

    if not create:
        with reading(ctx) as session:
            groups = purchasing.suggest_reorders(session=session, location=location, days=days)
            money = shop_currency(session)
        if as_json:
            emit_json(groups, money)
            return
        if not groups:
            say("Nothing is at or below its reorder point.")
        for group in groups:
            emit_table(((line.sku, line.title, line.available, line.incoming, line.reorder_point,
                         f"{line.daily_rate:g}", line.suggested, money.format(line.unit_cost_minor)) for line in group.lines),
                       ["sku", "product", "available", "incoming", "reorder at", "per day", "order", "unit cost"],
                       title=group.supplier or "(no supplier: set one with stock set-levels --supplier)")
        return

    def work(session: Session, actor: Actor) -> Outcome:
        created = purchasing.create_suggested_pos(session=session, actor=actor, location=location, days=days)
        names = ", ".join(f"{po.number} ({po.supplier})" for po in created) or "none"
        return Outcome(f"Created {plural(len(created), 'draft PO')}: {names}.", [po.model_dump() for po in created])

    change(ctx, "po.suggest", work, key=idempotency_key, as_json=as_json)


# ---------------------------------------------------------------- stocktakes


def _parse_count(raw: str) -> int:
    value = raw.strip()
    if not value.isdigit():
        raise fail(f"The count {raw!r} is not a whole number of 0 or more.")
    return int(value)


@stocktake_app.command("start")
def stocktake_start(
    ctx: typer.Context,
    location: str | None = typer.Option(None, "--location", "-l", help="Location to count (default: the default)."),
    category: int | None = typer.Option(None, "--category", help="Only this category id and its subcategories."),
    note: str = typer.Option("", "--note", help="A note for the report."),
    idempotency_key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Start a stocktake; expected quantities are frozen now. Example: shoptui stocktake start --category 5"""
    from shoptui.services.inventory import stocktake as stocktakes
    from shoptui.services.shop.idempotency import Outcome

    def work(session: Session, actor: Actor) -> Outcome:
        st = stocktakes.start_stocktake(session=session, actor=actor, location=location, category_id=category,
                                        note=note)
        return Outcome(f"Started stocktake {st.id} at {st.location}: {plural(st.lines, 'variant')} to count.", st.model_dump())

    change(ctx, "stocktake.start", work, key=idempotency_key, as_json=as_json)


@stocktake_app.command("count", context_settings=NEGATIVE_OK)
def stocktake_count(
    ctx: typer.Context,
    stocktake_id: int = typer.Argument(..., help="Stocktake id."),
    code: str = typer.Argument(..., help="SKU or barcode (as scanned)."),
    quantity: str | None = typer.Argument(None, help="The count (sets it); leave out to add one, like a scan."),
    add: bool = typer.Option(False, "--add", help="Add QUANTITY to the count instead of setting it."),
    undo: bool = typer.Option(False, "--undo", help="Take back the last scan (one less)."),
    idempotency_key: str | None = KEY_OPTION,
) -> None:
    """Count a variant. Examples: shoptui stocktake count 3 6901234567890  (scan: +1);  shoptui stocktake count 3 TEE-01 12"""
    from shoptui.services.inventory import stocktake as stocktakes
    from shoptui.services.shop.idempotency import Outcome

    value = None if quantity is None else _parse_count(quantity)
    if undo:
        mode = "undo"
    elif value is None:
        if add:
            raise fail("--add needs a QUANTITY.", 2)
        mode = "scan"
    else:
        mode = "add" if add else "set"

    def work(session: Session, actor: Actor) -> Outcome:
        line = stocktakes.count(session=session, actor=actor, stocktake_id=stocktake_id, code=code, quantity=value,
                                mode=mode)
        return Outcome(f"{line.sku}: counted {line.counted or 0} (expected {line.expected + line.moved}).",
                       line.model_dump())

    change(ctx, "stocktake.count", work, key=idempotency_key)


@stocktake_app.command("import")
def stocktake_import(
    ctx: typer.Context,
    stocktake_id: int = typer.Argument(..., help="Stocktake id."),
    file: Path = typer.Argument(..., help="CSV file of SKU,counted lines ('-' for stdin)."),
    set_counts: bool = typer.Option(False, "--set", help="Replace counts instead of adding to them."),
    idempotency_key: str | None = KEY_OPTION,
) -> None:
    """Import counts from a CSV of SKU,counted; any bad line refuses the whole file. Example: shoptui stocktake import 3 shelf-a.csv"""
    import sys

    from shoptui.services.inventory import stocktake as stocktakes
    from shoptui.services.shop.idempotency import Outcome

    try:
        text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise fail(f"There is no file {file}.") from None
    except UnicodeDecodeError:
        raise fail(f"{file} is not UTF-8 text; save it as CSV UTF-8.") from None
    except OSError as exc:
        raise fail(f"{file} cannot be read ({exc.strerror}).") from None

    def work(session: Session, actor: Actor) -> Outcome:
        result = stocktakes.import_counts(session=session, actor=actor, stocktake_id=stocktake_id, text=text,
                                          mode="set" if set_counts else "add")
        return Outcome(f"Imported {plural(result.lines, 'count')}, {plural(result.units, 'unit')}, into stocktake {stocktake_id}.",
                       result.model_dump())

    change(ctx, "stocktake.import", work, key=idempotency_key, request=text)


@stocktake_app.command("reason")
def stocktake_reason(
    ctx: typer.Context,
    stocktake_id: int = typer.Argument(..., help="Stocktake id."),
    code: str = typer.Argument(..., help="SKU or barcode."),
    reason: str = typer.Argument(..., help="Why the count differs (investigation notes)."),
    idempotency_key: str | None = KEY_OPTION,
) -> None:
    """Note the reason for a variance. Example: shoptui stocktake reason 3 TEE-01 "two found in returns bin\""""
    from shoptui.services.inventory import stocktake as stocktakes
    from shoptui.services.shop.idempotency import Outcome

    def work(session: Session, actor: Actor) -> Outcome:
        line = stocktakes.set_reason(session=session, actor=actor, stocktake_id=stocktake_id, code=code,
                                     reason=reason)
        return Outcome(f"Noted the reason for {line.sku} in stocktake {stocktake_id}.", line.model_dump())

    change(ctx, "stocktake.reason", work, key=idempotency_key)


@stocktake_app.command("review")
def stocktake_review(
    ctx: typer.Context,
    stocktake_id: int = typer.Argument(..., help="Stocktake id."),
    limit: int = typer.Option(50, "--limit", min=1, max=100000, help="How many variance lines to print."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Variances by value, those needing a reason, and what was not counted. Example: shoptui stocktake review 3"""
    from shoptui.services.inventory import stocktake as stocktakes

    with reading(ctx) as session:
        result = stocktakes.review(session=session, stocktake_id=stocktake_id)
        money = shop_currency(session)
    if as_json:
        emit_json(result, money)
        return
    st = result.stocktake
    say(f"Stocktake {st.id} at {st.location} ({st.status}): {st.counted} of {st.lines} counted, "
               f"{result.matched} match, {len(result.variances)} differ, {result.needs_reason} need a reason.")
    emit_table(((line.sku, line.title, line.expected + line.moved, line.counted, f"{line.variance:+d}",
                 _money(money, line.value_minor), "NEEDS REASON" if line.needs_reason else line.reason or "")
                for line in result.variances[:limit]),
               ["sku", "product", "expected", "counted", "variance", "value", "reason"], empty="No variances.")
    if result.uncounted:
        say(f"Not counted: {plural(len(result.uncounted), 'variant')}, e.g. "
                   f"{', '.join(line.sku for line in result.uncounted[:10])}. "
                   "Post with --uncounted zero or --uncounted keep.")


@stocktake_app.command("post")
def stocktake_post(
    ctx: typer.Context,
    stocktake_id: int = typer.Argument(..., help="Stocktake id."),
    uncounted: str | None = typer.Option(None, "--uncounted",
                                         help="zero: set uncounted variants to 0 (a variance like any other: over the "
                                              "thresholds each needs a reason); keep: leave them unchanged."),
    idempotency_key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Book all variances in one transaction (once). Example: shoptui stocktake post 3 --uncounted keep"""
    from shoptui.services.inventory import stocktake as stocktakes
    from shoptui.services.shop.idempotency import Outcome

    def work(session: Session, actor: Actor) -> Outcome:
        rep = stocktakes.post(session=session, actor=actor, stocktake_id=stocktake_id,
                              uncounted=uncounted.lower() if uncounted else None)
        bp = rep.stocktake.accuracy_bp
        accuracy = "accuracy -, nothing was counted" if bp is None else f"accuracy {bp / 100:.1f}%"
        return Outcome(f"Posted stocktake {stocktake_id}: {plural(rep.adjusted, 'adjustment')}, {rep.units_variance:+d} "
                       f"{'unit' if abs(rep.units_variance) == 1 else 'units'}, "
                       f"value {shop_currency(session).format(rep.value_variance_minor)}, {accuracy}.",
                       rep.model_dump())

    change(ctx, "stocktake.post", work, key=idempotency_key, as_json=as_json)


@stocktake_app.command("cancel")
def stocktake_cancel(ctx: typer.Context, stocktake_id: int = typer.Argument(..., help="Stocktake id."),
                     idempotency_key: str | None = KEY_OPTION) -> None:
    """Stop a stocktake without booking anything. Example: shoptui stocktake cancel 3"""
    from shoptui.services.inventory import stocktake as stocktakes
    from shoptui.services.shop.idempotency import Outcome

    def work(session: Session, actor: Actor) -> Outcome:
        st = stocktakes.cancel(session=session, actor=actor, stocktake_id=stocktake_id)
        return Outcome(f"Cancelled stocktake {st.id}; nothing was booked.", st.model_dump())

    change(ctx, "stocktake.cancel", work, key=idempotency_key)


@stocktake_app.command("show")
def stocktake_show(
    ctx: typer.Context,
    stocktake_id: int = typer.Argument(..., help="Stocktake id."),
    limit: int = typer.Option(50, "--limit", min=1, max=100000, help="How many lines to print."),
    as_json: bool = JSON_OPTION,
) -> None:
    """A stocktake's report: counted, expected, variance, value, reasons, accuracy. Example: shoptui stocktake show 3"""
    from shoptui.services.inventory import stocktake as stocktakes

    with reading(ctx) as session:
        rep = stocktakes.report(session=session, stocktake_id=stocktake_id)
        money, tz = shop_currency_and_zone(session)
    if as_json:
        emit_json(rep, money)
        return
    st = rep.stocktake
    emit_pairs([("stocktake", st.id), ("status", st.status), ("location", st.location),
                ("category", st.category or "all"), ("started", f"{when(st.started_at, tz)} by {st.started_by}"),
                ("posted", f"{when(st.posted_at, tz)} by {st.posted_by}" if st.posted_at else "-"),
                ("counted", f"{st.counted} of {st.lines}"), ("uncounted", st.uncounted_choice or "-"),
                ("accuracy", "-" if st.accuracy_bp is None else f"{st.accuracy_bp / 100:.1f}%"),
                ("variance", f"{rep.units_variance:+d} {'unit' if abs(rep.units_variance) == 1 else 'units'}, {money.format(rep.value_variance_minor)}")])
    emit_table(((line.sku, line.title, line.expected, line.counted if line.counted is not None else "-",
                 "" if line.variance is None else f"{line.variance:+d}", _money(money, line.value_minor),
                 line.reason or "") for line in rep.lines[:limit]),
               ["sku", "product", "expected", "counted", "variance", "value", "reason"], empty="No lines.")


@stocktake_app.command("list")
def stocktake_list(ctx: typer.Context, limit: int = typer.Option(50, "--limit", min=1, max=500, help="How many."),
                   as_json: bool = JSON_OPTION) -> None:
    """Stocktakes, newest first. Example: shoptui stocktake list"""
    from shoptui.services.inventory import stocktake as stocktakes
    from shoptui.services.shop import settings

    with reading(ctx) as session:
        items = stocktakes.list_stocktakes(session=session, limit=limit)
        tz = settings.timezone(session=session)
    if as_json:
        emit_json(items)
        return
    emit_table(((s.id, s.location, s.category or "all", s.status, f"{s.counted}/{s.lines}",
                 "-" if s.accuracy_bp is None else f"{s.accuracy_bp / 100:.1f}%", when(s.started_at, tz))
                for s in items), ["id", "location", "scope", "status", "counted", "accuracy", "started"],
               empty="No stocktakes yet.")
