"""``shoptui order`` and ``shoptui customer``: orders from list to refund, and the people who place them."""

from __future__ import annotations

import json
import sys
from pathlib import Path
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
    fail,
    given,
    jsonable,
    outcome,
    reading,
    refusals,
    say,
    shop_currency,
    shop_currency_and_zone,
    state,
    when,
)
from shoptui.wording import plural

if TYPE_CHECKING:
    from sqlmodel import Session

    from shoptui.services.orders import OrderRead
    from shoptui.services.shop import Currency

app = typer.Typer(help="Orders: list, show, create, pay, ship, deliver, cancel, remind, expire, returns, refunds, "
                  "exchanges.", no_args_is_help=True)
return_app = typer.Typer(help="Returns: request, approve, reject, receive, refund, list.", no_args_is_help=True)
customer_app = typer.Typer(help="Customers: add, list, show, edit.", no_args_is_help=True)
app.add_typer(return_app, name="return")

ITEMS_HELP = "An item as SKU:QTY (repeat the option for more items)."



def _amount(session: Session, text: str | None, field: str) -> int | None:
    if text is None:
        return None
    return shop_currency(session).parse(text, field=field)


def _items(specs: list[str] | None) -> list[tuple[str, int]]:
    from shoptui.services.orders import parse_item_spec

    out = []
    for spec in specs or []:
        code, quantity, _ = parse_item_spec(spec)
        out.append((code, quantity))
    return out


def _state_words(order: Any) -> str:
    return f"{order.status}, {order.payment_status.replace('_', ' ')}, {order.fulfilment_status.replace('_', ' ')}"


# ---------------------------------------------------------------- list / show


@app.command("list")
def list_orders(
    ctx: typer.Context,
    status: str | None = typer.Option(None, "--status", help="open, completed, cancelled, a payment status (unpaid, "
                                      "paid, ...) or a fulfilment status (unfulfilled, shipped, ...)."),
    channel: str | None = typer.Option(None, "--channel", help="counter, phone, chat, web, marketplace or imported."),
    customer: str | None = typer.Option(None, "--customer", help="Only this customer's orders (id, phone or email)."),
    date_from: str | None = typer.Option(None, "--from", help="From this day (YYYY-MM-DD, store time zone)."),
    date_to: str | None = typer.Option(None, "--to", help="Up to and including this day (YYYY-MM-DD)."),
    min_total: str | None = typer.Option(None, "--min-total", help="Only totals of at least this amount."),
    max_total: str | None = typer.Option(None, "--max-total", help="Only totals of at most this amount."),
    tracking: bool | None = typer.Option(None, "--has-tracking/--no-tracking", help="Only orders with (or without) a "
                                         "shipment."),
    search: str = typer.Option("", "--search", "-s", help="Order number, customer name or phone, tracking number."),
    after: str | None = typer.Option(None, "--after", help="Continue after this cursor (printed under a full page)."),
    limit: int = typer.Option(50, "--limit", help="Orders per page (at most 1000)."),
    all_pages: bool = typer.Option(False, "--all", help="Every matching order in one list, without the page limit "
                                   "(not with --limit)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Orders newest first, with filters and search. Example: shoptui order list --status unpaid --from 2026-11-01"""
    from datetime import date

    from shoptui.errors import InvalidInput
    from shoptui.services import orders, shop
    from shoptui.services.shop import parse_day

    def day(value: str | None, option: str) -> date | None:
        try:
            return parse_day(value, field=option)
        except InvalidInput as exc:
            raise fail(str(exc)) from None

    filters_from, filters_to = day(date_from, "--from"), day(date_to, "--to")
    if all_pages and given(ctx, "limit"):
        raise fail("--all lists every matching order; leave out --limit (or leave out --all to page).", 2)
    with reading(ctx) as session:
        money = shop_currency(session)
        filters = orders.OrderFilter(
            status=status, channel=channel, customer=customer, date_from=filters_from, date_to=filters_to,
            min_total_minor=_amount(session, min_total, "--min-total"),
            max_total_minor=_amount(session, max_total, "--max-total"), has_tracking=tracking, search=search)
        page = orders.list_orders(session=session, filters=filters, after=after, limit=limit, unlimited=all_pages)
        tz = shop.timezone(session=session)
    if as_json:
        emit_page(page, money)
        return
    emit_table(
        [(o.number, when(o.created_at, tz), o.customer_name, o.channel, o.status, o.payment_status.replace("_", " "),
          o.fulfilment_status.replace("_", " "), money.format(o.total_minor)) for o in page.items],
        ["number", "created", "customer", "channel", "status", "payment", "fulfilment", "total"],
        justify={"total": "right"}, empty="No orders match.")
    if page.next_after:
        say(f"more: --after '{page.next_after}'", err=True)


def _show(order: OrderRead, money: Currency, tz: Any) -> None:
    from shoptui.services.orders import line_title

    emit_pairs([
        ("order", order.number), ("created", when(order.created_at, tz)), ("channel", order.channel),
        ("customer", " · ".join(p for p in (order.customer_name, order.customer_phone or "", order.customer_email or "")
                                if p) or "guest"),
        ("ship to", ", ".join(p for p in (order.ship_recipient, order.ship_street, order.ship_district, order.ship_city,
                                          order.ship_province, order.ship_postal_code, order.ship_country) if p)),
        ("status", _state_words(order)),
        ("subtotal", money.format(order.subtotal_minor)), ("adjustments", money.format(order.adjustments_minor)),
        ("shipping", money.format(order.shipping_minor)), ("total", f"{money.format(order.total_minor)} {money.code}"),
        ("tax included", money.format(order.tax_minor)), ("paid", money.format(order.paid_minor)),
        ("refunded", money.format(order.refunded_minor)), ("due", money.format(order.due_minor)),
        ("note", order.note),
    ])
    emit_table([(line.sku, line_title(line), line.quantity, money.format(line.unit_price_minor),
                 money.format(line.net_minor), line.quantity_shipped, line.quantity_returned,
                 money.format(line.refunded_minor)) for line in order.lines],
               ["sku", "title", "qty", "unit", "paid for", "shipped", "returned", "refunded"],
               justify={"qty": "right", "unit": "right", "paid for": "right"}, title="lines")
    if order.shipments:
        emit_table([(s.carrier_code, s.tracking, when(s.shipped_at, tz), when(s.delivered_at, tz),
                     ", ".join(f"{i.sku} x{i.quantity}" for i in s.items)) for s in order.shipments],
                   ["carrier", "tracking", "shipped", "delivered", "items"], title="shipments")
    if order.returns:
        emit_table([(f"#{r.id}", r.status, r.reason, ", ".join(f"{i.sku} x{i.quantity}" for i in r.items))
                    for r in order.returns], ["return", "status", "reason", "items"], title="returns")
    emit_table([(when(e.at, tz), e.kind, e.message) for e in order.events], ["when", "event", "what"], title="timeline")


@app.command("show")
def show_order(ctx: typer.Context, number: str = typer.Argument(..., help="The order number, like SO-000123."),
               as_json: bool = JSON_OPTION) -> None:
    """One order with lines, payments, shipments, returns and its timeline. Example: shoptui order show SO-000123"""
    from shoptui.services import orders

    with reading(ctx) as session:
        order = orders.get_order(session=session, number=number)
        money, tz = shop_currency_and_zone(session)
    if as_json:
        emit_json(order, money)
    else:
        _show(order, money, tz)


# ---------------------------------------------------------------- create / edit


def _read_document(path: str) -> Any:
    try:
        raw = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise fail(f"The file {path} cannot be read ({exc.strerror}).") from None
    except UnicodeDecodeError:
        raise fail(f"The file {path} is not UTF-8 text.") from None
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise fail(f"The order document is not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}).") from None
    except RecursionError:
        raise fail("The order document is nested too deeply to be an order; send a flat order document.") from None


# the example in 'order create --help' (tests/cli/test_cli_contract.py runs it)
ORDER_DOCUMENT_EXAMPLE = ('{"guest_name": "Ann", "lines": [{"sku": "TEE-01", "quantity": 2, "unit_price": "89.00"}], '
                          '"shipping": "10.00", "payments": [{"method": "card"}]}')


@app.command("create")
def create_order(
    ctx: typer.Context,
    items: list[str] = typer.Option(None, "--item", "-i", help="An item as SKU:QTY or SKU:QTY@PRICE (repeatable)."),
    customer: str | None = typer.Option(None, "--customer", help="The customer: id, phone or email."),
    guest: str = typer.Option("", "--guest", help="A guest's name (no customer record)."),
    guest_phone: str | None = typer.Option(None, "--guest-phone", help="A guest's phone, for notices."),
    guest_email: str | None = typer.Option(None, "--guest-email", help="A guest's email, for notices."),
    channel: str = typer.Option("phone", "--channel", help="counter, phone, chat, web or marketplace."),
    shipping: str | None = typer.Option(None, "--shipping", help="Shipping fee, like 10.00."),
    discount: str | None = typer.Option(None, "--discount", help="An order discount amount, like 5.00."),
    note: str = typer.Option("", "--note", help="A note on the order."),
    pay_method: str | None = typer.Option(None, "--pay", help="Take payment in full now with this method "
                                          "(cash, card, mobile, bank_transfer, store_credit)."),
    json_file: str | None = typer.Option(None, "--json-file", help="Read the order from a JSON document ('-' for "
                                         "stdin) with the fields lines (sku, quantity, unit_price, discount), customer, "
                                         "guest_name, guest_phone, guest_email, ship_to, channel, shipping, discount, "
                                         "adjustments (kind, label, amount, ref), payments (method, amount, "
                                         "reference), coupons, points, note, external_ref, location, sales_region, and where the "
                                         "customer came from: source (a word like weibo), utm_source, utm_medium and "
                                         "utm_campaign (a tagged link's UTM tags); amounts as "
                                         f"text like \"12.50\". Example: {ORDER_DOCUMENT_EXAMPLE}"),
    key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Create an order by hand or from JSON. Example: shoptui order create -i TEE-01:2 --customer 13800138000"""
    from shoptui.services import orders, shop

    document = _read_document(json_file) if json_file else None
    if document is None and not items:
        raise fail("Give at least one --item SKU:QTY, or --json-file.")

    def work(session: Session, actor: Any) -> shop.Outcome:
        money = shop_currency(session)
        if document is not None:
            draft = orders.draft_from_document(document, money)
        else:
            lines = []
            for spec in items:
                code, quantity, price = orders.parse_item_spec(spec, money)
                lines.append(orders.DraftLine(sku=code, quantity=quantity, unit_price_minor=price))
            adjustments = []
            if discount is not None:
                adjustments.append(orders.DraftAdjustment(kind="discount", label="discount",
                                                          amount_minor=-(_amount(session, discount, "--discount") or 0)))
            draft = orders.OrderDraft(channel=channel, customer=customer, guest_name=guest, guest_phone=guest_phone,
                                      guest_email=guest_email, lines=lines, adjustments=adjustments,
                                      shipping_minor=_amount(session, shipping, "--shipping") or 0, note=note)
            if pay_method:
                draft.payments = [orders.DraftPayment(method=pay_method)]
        order = orders.create_order(session=session, actor=actor, draft=draft)
        who = order.customer_name or "a guest"
        return outcome(f"Created order {order.number} for {who}: {plural(order.item_count, 'item')}, total "
                       f"{money.format(order.total_minor)} {money.code} ({order.payment_status.replace('_', ' ')}).",
                       order, money)

    change(ctx, "order create", work, key=key, as_json=as_json, request=document)


@app.command("edit")
def edit_order(
    ctx: typer.Context,
    number: str = typer.Argument(..., help="The order number."),
    set_items: list[str] = typer.Option(None, "--set", help="SKU:QTY sets a quantity (0 removes, a new SKU is added); "
                                        "SKU:QTY@PRICE also re-prices it. Repeatable."),
    shipping: str | None = typer.Option(None, "--shipping", help="New shipping fee."),
    discount: str | None = typer.Option(None, "--discount", help="Replace the order discounts with this amount."),
    note: str | None = typer.Option(None, "--note", help="New note."),
    key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Change an unpaid order; reservations follow. Example: shoptui order edit SO-000123 --set MUG-01:0"""
    from shoptui.errors import InvalidInput
    from shoptui.services import orders, shop

    def work(session: Session, actor: Any) -> shop.Outcome:
        money = shop_currency(session)
        changes = []
        for spec in set_items or []:
            code, _, rest = spec.partition(":")
            qty_text, _, price_text = rest.partition("@")
            if not code.strip() or not qty_text.strip().isdigit():
                raise InvalidInput(f"{spec!r} is not SKU:QTY (a whole number of 0 or more).")
            changes.append(orders.LineChange(sku=code.strip(), quantity=int(qty_text),
                                             unit_price_minor=_amount(session, price_text or None, f"price in {spec}")))
        edit = orders.OrderEdit(lines=changes, note=note,
                                shipping_minor=_amount(session, shipping, "--shipping"))
        if discount is not None:
            amount = _amount(session, discount, "--discount") or 0
            edit.adjustments = [orders.DraftAdjustment(kind="discount", label="discount", amount_minor=-amount)] \
                if amount else []
        order = orders.edit_order(session=session, actor=actor, number=number, edit=edit)
        return outcome(f"Edited order {order.number}: total now {money.format(order.total_minor)} {money.code}.",
                       order, money)

    change(ctx, "order edit", work, key=key, as_json=as_json)


# ---------------------------------------------------------------- pay / ship / deliver / cancel


@app.command("pay")
def pay_order(
    ctx: typer.Context,
    number: str = typer.Argument(..., help="The order number."),
    method: str = typer.Option("cash", "--method", "-m", help="cash, card, mobile, bank_transfer or store_credit."),
    amount: str | None = typer.Option(None, "--amount", "-a", help="Amount received (default: everything due); "
                                      "for cash it may be more, and change is given."),
    reference: str = typer.Option("", "--reference", help="Card slip, transfer or wallet reference."),
    key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Take a payment for an order. Example: shoptui order pay SO-000123 --method cash --amount 300"""
    from shoptui.services import orders, shop

    def work(session: Session, actor: Any) -> shop.Outcome:
        money = shop_currency(session)
        result = orders.pay(session=session, actor=actor, number=number, method=method,
                            amount_minor=_amount(session, amount, "--amount"), reference=reference)
        change_text = f"; change {money.format(result.payment.change_minor)}" if result.payment.change_minor else ""
        due = f"{money.format(result.due_minor)} still due" if result.due_minor else "paid in full"
        return outcome(f"Paid {money.format(result.payment.amount_minor)} by "
                       f"{result.payment.method.replace('_', ' ')} on {result.order.number}{change_text}; {due}.",
                       result, money)

    change(ctx, "order pay", work, key=key, as_json=as_json)


@app.command("ship")
def ship_order(
    ctx: typer.Context,
    number: str | None = typer.Argument(None, help="The order number (leave out with --from-csv)."),
    carrier: str | None = typer.Option(None, "--carrier", help="Carrier code from the carriers setting, like SF."),
    tracking: str | None = typer.Option(None, "--tracking", help="The parcel's tracking number."),
    lines: list[str] = typer.Option(None, "--lines", "--line", help=ITEMS_HELP + " Leave out to ship everything left."),
    from_csv: str | None = typer.Option(None, "--from-csv", help="Ship many: a CSV with number,carrier,tracking[,lines] "
                                        "('-' for stdin). All or nothing."),
    key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Ship an order (all or some items) and tell the customer. Example: shoptui order ship SO-000123 --carrier SF --tracking SF1234567890"""
    from shoptui.services import orders, shop

    if from_csv is not None:
        if number or carrier or tracking or lines:
            raise fail("--from-csv takes the orders from the file; leave out the number, --carrier, --tracking and "
                       "--lines.")
        try:
            text = sys.stdin.read() if from_csv == "-" else Path(from_csv).read_text(encoding="utf-8")
        except OSError as exc:
            raise fail(f"The file {from_csv} cannot be read ({exc.strerror}).") from None
        except UnicodeDecodeError:
            raise fail(f"The file {from_csv} is not UTF-8 text.") from None

        def batch(session: Session, actor: Any) -> shop.Outcome:
            results = orders.ship_from_csv(session=session, actor=actor, text=text)
            return outcome(f"Shipped {len(results)} orders from {from_csv}.", results)

        change(ctx, "order ship --from-csv", batch, key=key, as_json=as_json, request=text)
        return
    if not number or not carrier or not tracking:
        raise fail("Give the order number, --carrier and --tracking (or --from-csv FILE).")
    with refusals():
        items = _items(lines)

    def work(session: Session, actor: Any) -> shop.Outcome:
        result = orders.ship(session=session, actor=actor, number=number, carrier=carrier, tracking=tracking,
                                      items=items or None)
        shipped = ", ".join(f"{i.sku} x{i.quantity}" for i in result.shipment.items) if result.shipment.items else ""
        told = f"; notice queued by {' and '.join(result.notified)}" if result.notified else ""
        return outcome(f"Shipped {result.number} with {result.shipment.carrier_code} {result.shipment.tracking}"
                       f"{' (' + shipped + ')' if shipped else ''}: "
                       f"now {result.fulfilment_status.replace('_', ' ')}{told}.", result)

    change(ctx, "order ship", work, key=key, as_json=as_json)


def _simple(ctx: typer.Context, command: str, key: str | None, as_json: bool, call: Any, verb: str) -> None:
    from shoptui.services import shop

    def work(session: Session, actor: Any) -> shop.Outcome:
        money = shop_currency(session)
        order = call(session, actor)
        return outcome(f"{verb} {order.number}: now {_state_words(order)}.", order, money)

    change(ctx, command, work, key=key, as_json=as_json)


@app.command("deliver")
def deliver_order(ctx: typer.Context, number: str = typer.Argument(..., help="The order number."),
                  key: str | None = KEY_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Mark a shipped order delivered (it is then completed). Example: shoptui order deliver SO-000123"""
    from shoptui.services import orders

    _simple(ctx, "order deliver", key, as_json,
            lambda s, a: orders.deliver(session=s, actor=a, number=number), "Delivered")


@app.command("cancel")
def cancel_order(
    ctx: typer.Context,
    number: str = typer.Argument(..., help="The order number."),
    reason: str = typer.Option("", "--reason", help="Why (on the timeline and in the customer's notice)."),
    to: str = typer.Option("original", "--to", help="Refund payments to 'original' methods or 'store_credit'."),
    key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Cancel an order before it ships: stock released, payments refunded. Example: shoptui order cancel SO-000123 --reason "changed mind\""""
    from shoptui.services import orders

    _simple(ctx, "order cancel", key, as_json,
            lambda s, a: orders.cancel_order(session=s, actor=a, number=number, reason=reason, refund_to=to),
            "Cancelled")


@app.command("remind")
def remind_orders(
    ctx: typer.Context,
    older_than: str = typer.Option("2h", "--older-than", help="Only orders placed at least this long ago (30m, 2h, 1d)."),
    key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Queue payment reminders for unpaid orders (at most one per order per interval). Example: shoptui order remind --older-than 2h"""
    from shoptui.services import orders, shop
    from shoptui.wording import plural

    with refusals():
        age = shop.parse_duration(older_than)

    def work(session: Session, actor: Any) -> shop.Outcome:
        result = orders.remind_unpaid(session=session, actor=actor, older_than=age)
        skipped = f" ({len(result.skipped)} without email or phone skipped)" if result.skipped else ""
        return shop.Outcome(message=f"Queued payment reminders for {plural(len(result.done), 'order')}{skipped}.",
                                   data={"reminded": result.done, "skipped": result.skipped})

    change(ctx, "order remind", work, key=key, as_json=as_json)


@app.command("expire")
def expire_orders(ctx: typer.Context, key: str | None = KEY_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Cancel unpaid orders older than order_auto_cancel_hours, releasing stock (cron-safe). Example: shoptui order expire"""
    from shoptui.services import orders, shop

    def work(session: Session, actor: Any) -> shop.Outcome:
        result = orders.expire_unpaid(session=session, actor=actor)
        listed = f": {', '.join(result.done[:10])}{' ...' if len(result.done) > 10 else ''}" if result.done else ""
        return shop.Outcome(message=f"Cancelled {len(result.done)} unpaid orders{listed}.",
                                   data={"cancelled": result.done})

    change(ctx, "order expire", work, key=key, as_json=as_json)


# ---------------------------------------------------------------- refunds and exchanges


def _refund_message(result: Any, money: Currency) -> str:
    to = ", ".join(f"{m.replace('_', ' ')} {money.format(a)}" for m, a in result.methods.items())
    note = f" {result.stock_note}" if result.stock_note else ""
    return (f"Refunded {money.format(result.amount_minor)} {money.code} on {result.number} ({to}); "
            f"now {result.payment_status.replace('_', ' ')}.{note}")


YES_OPTION = typer.Option(False, "--yes", "-y", help="Refund without showing what goes back and asking first "
                          "(needed when not run in a terminal).")


def _interactive() -> bool:
    """Whether a person can answer a question (stdin is a terminal)."""
    return sys.stdin.isatty()


def _confirm_refund(ctx: typer.Context, preview: Any, yes: bool) -> int | None:
    """Show what the refund pays back and ask; returns the amount to hold the refund to (None with --yes)."""
    if yes:
        return None
    with reading(ctx) as session:
        plan = preview(session)
    if not _interactive():
        raise fail(f"This refunds {plan.summary[0].removeprefix('Refund ').rstrip(':')}; add --yes to refund without "
                   "being asked (nothing was refunded).")
    for line in plan.summary:
        typer.echo(line, err=True)
    if not typer.confirm("Refund this?", default=False, err=True):
        raise fail("Nothing was refunded.")
    return int(plan.amount_minor)


@app.command("refund")
def refund_order(
    ctx: typer.Context,
    number: str = typer.Argument(..., help="The order number."),
    amount: str | None = typer.Option(None, "--amount", "-a", help="Amount to refund (default: what the items cost, "
                                      "the shipping fee with --shipping alone, or everything still held)."),
    items: list[str] = typer.Option(None, "--items", "--item", help=ITEMS_HELP),
    shipping: bool = typer.Option(False, "--shipping", help="Refund the shipping fee (alone: only the shipping fee; "
                                  "with --items: the items and the shipping fee). Once per order."),
    reason: str = typer.Option("", "--reason", help="Why (goodwill, price adjustment ...); required."),
    to: str = typer.Option("original", "--to", help="'original' payment methods or 'store_credit'."),
    yes: bool = YES_OPTION,
    key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Refund without a return: items, the shipping fee, an amount, or everything; shows what goes back and asks first. Example: shoptui order refund SO-000123 --amount 10 --reason goodwill"""
    from shoptui.services import orders, shop

    with refusals():
        chosen = _items(items)

    def preview(session: Session) -> Any:
        return orders.preview_refund(session=session, number=number,
                                             amount_minor=_amount(session, amount, "--amount"), items=chosen or None,
                                             include_shipping=shipping, to=to, reason=reason)

    expect = _confirm_refund(ctx, preview, yes)

    def work(session: Session, actor: Any) -> shop.Outcome:
        money = shop_currency(session)
        result = orders.refund(session=session, actor=actor, number=number,
                                       amount_minor=_amount(session, amount, "--amount"), items=chosen or None,
                                       include_shipping=shipping, reason=reason, to=to, expect_amount_minor=expect)
        return outcome(_refund_message(result, money), result, money)

    change(ctx, "order refund", work, key=key, as_json=as_json)


@app.command("exchange")
def exchange_order(
    ctx: typer.Context,
    number: str = typer.Argument(..., help="The order number."),
    back: list[str] = typer.Option(None, "--back", help="An item coming back, SKU:QTY (repeatable)."),
    new: list[str] = typer.Option(None, "--new", help="An item going out instead, SKU:QTY or SKU:QTY@PRICE (repeatable)."),
    pay_method: str | None = typer.Option(None, "--pay", help="Method for the difference when the new items cost more "
                                          "(left due when not given)."),
    reason: str = typer.Option("exchange", "--reason", help="Why (size, colour, fault ...)."),
    damaged: bool = typer.Option(False, "--damaged", help="The returned items are damaged: write them off."),
    handed_over: bool = typer.Option(False, "--handed-over", help="The new items are handed over now (at the counter)."),
    key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Exchange items in one step; the difference is charged or refunded. Example: shoptui order exchange SO-000123 --back TEE-01:1 --new TEE-02:1"""
    from shoptui.services import orders, shop

    with refusals():
        returned = _items(back)
    if not returned or not new:
        raise fail("Give at least one --back SKU:QTY and one --new SKU:QTY.")

    def work(session: Session, actor: Any) -> shop.Outcome:
        money = shop_currency(session)
        lines = []
        for spec in new:
            code, quantity, price = orders.parse_item_spec(spec, money)
            lines.append(orders.DraftLine(sku=code, quantity=quantity, unit_price_minor=price))
        result = orders.exchange(session=session, actor=actor, number=number, back=returned, new=lines,
                                         pay_method=pay_method, reason=reason,
                                         condition="damaged" if damaged else "resellable", hand_over=handed_over)
        parts = [f"credit {money.format(result.credit_minor)}"]
        if result.refunded_minor:
            parts.append(f"refunded {money.format(result.refunded_minor)}")
        if result.charged_minor:
            parts.append(f"charged {money.format(result.charged_minor)}")
        if result.due_minor:
            parts.append(f"{money.format(result.due_minor)} due on {result.new_order.number}")
        return outcome(f"Exchanged on {result.number} (return #{result.return_id}) into {result.new_order.number}: "
                       f"{', '.join(parts)}.", result, money)

    change(ctx, "order exchange", work, key=key, as_json=as_json)


# ---------------------------------------------------------------- returns


@return_app.command("request")
def return_request(
    ctx: typer.Context,
    number: str = typer.Argument(..., help="The order number."),
    items: list[str] = typer.Option(None, "--items", "--item", help=ITEMS_HELP),
    reason: str = typer.Option("", "--reason", help="Why the customer returns them (required)."),
    photos: list[str] = typer.Option(None, "--photo", help="Path of a photo of the goods (repeatable)."),
    key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record a customer's return request. Example: shoptui order return request SO-000123 --items TEE-01:1 --reason "too small\""""
    from shoptui.services import orders, shop

    with refusals():
        chosen = _items(items)

    def work(session: Session, actor: Any) -> shop.Outcome:
        result = orders.request_return(session=session, actor=actor, number=number, items=chosen,
                                               reason=reason, photos=photos or [])
        return outcome(f"Return #{result.id} requested on {result.order_number}; approve or reject it.", result)

    change(ctx, "order return request", work, key=key, as_json=as_json)


def _decide(ctx: typer.Context, return_id: int, approve: bool, note: str, key: str | None, as_json: bool) -> None:
    from shoptui.services import orders, shop

    def work(session: Session, actor: Any) -> shop.Outcome:
        result = orders.decide_return(session=session, actor=actor, return_id=return_id, approve=approve,
                                              note=note)
        return outcome(f"Return #{result.id} on {result.order_number} {result.status}.", result)

    change(ctx, "order return approve" if approve else "order return reject", work, key=key, as_json=as_json)


@return_app.command("approve")
def return_approve(ctx: typer.Context, return_id: int = typer.Argument(..., help="The return id."),
                   note: str = typer.Option("", "--note", help="A note for the customer."),
                   key: str | None = KEY_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Approve a requested return. Example: shoptui order return approve 12"""
    _decide(ctx, return_id, True, note, key, as_json)


@return_app.command("reject")
def return_reject(ctx: typer.Context, return_id: int = typer.Argument(..., help="The return id."),
                  reason: str = typer.Option("", "--reason", help="Why it is rejected (told to the customer)."),
                  key: str | None = KEY_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Reject a requested return. Example: shoptui order return reject 12 --reason "worn\""""
    _decide(ctx, return_id, False, reason, key, as_json)


@return_app.command("receive")
def return_receive(
    ctx: typer.Context,
    return_id: int = typer.Argument(..., help="The return id."),
    damaged: list[str] = typer.Option(None, "--damaged", help="A SKU that came back damaged: written off, not "
                                      "restocked (repeatable)."),
    key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """The goods of an approved return arrived: restock them (or write off damaged ones). Example: shoptui order return receive 12"""
    from shoptui.services import orders, shop

    def work(session: Session, actor: Any) -> shop.Outcome:
        result = orders.receive_return(session=session, actor=actor, return_id=return_id,
                                               conditions={sku: "damaged" for sku in damaged or []})
        return outcome(f"Return #{result.id} on {result.order_number} received; refund it with "
                       f"'shoptui order return refund {result.id}'.", result)

    change(ctx, "order return receive", work, key=key, as_json=as_json)


@return_app.command("refund")
def return_refund(
    ctx: typer.Context,
    return_id: int = typer.Argument(..., help="The return id."),
    shipping: bool = typer.Option(False, "--shipping", help="Refund the shipping fee too (once per order)."),
    amount: str | None = typer.Option(None, "--amount", help="Refund less than the items cost."),
    to: str = typer.Option("original", "--to", help="'original' payment methods or 'store_credit'."),
    yes: bool = YES_OPTION,
    key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Refund a received return; shows what goes back and asks first. Example: shoptui order return refund 12 --shipping"""
    from shoptui.services import orders, shop

    def preview(session: Session) -> Any:
        return orders.preview_return_refund(session=session, return_id=return_id, include_shipping=shipping,
                                                    amount_minor=_amount(session, amount, "--amount"), to=to)

    expect = _confirm_refund(ctx, preview, yes)

    def work(session: Session, actor: Any) -> shop.Outcome:
        money = shop_currency(session)
        result = orders.refund_return(session=session, actor=actor, return_id=return_id,
                                              include_shipping=shipping,
                                              amount_minor=_amount(session, amount, "--amount"), to=to,
                                              expect_amount_minor=expect)
        return outcome(_refund_message(result, money), result, money)

    change(ctx, "order return refund", work, key=key, as_json=as_json)


@return_app.command("list")
def return_list(
    ctx: typer.Context,
    status: str | None = typer.Option(None, "--status", help="open, requested, approved, received, rejected or refunded."),
    after: int | None = typer.Option(None, "--after", help="Continue after this return id."),
    limit: int = typer.Option(50, "--limit", help="Returns per page."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Returns newest first. Example: shoptui order return list --status open"""
    from shoptui.services import orders

    with reading(ctx) as session:
        page = orders.list_returns(session=session, status=status, after=after, limit=limit)
        money, tz = shop_currency_and_zone(session)
    if as_json:
        emit_page(page, money)
        return
    emit_table([(f"#{r.id}", r.order_number, r.status, when(r.requested_at, tz), r.reason,
                 ", ".join(f"{i.sku} x{i.quantity}" for i in r.items)) for r in page.items],
               ["return", "order", "status", "requested", "reason", "items"], empty="No returns.")


# ---------------------------------------------------------------- customers


def _address(**parts: str | None) -> Any:
    from shoptui.services.members import AddressInput

    given = {k: v for k, v in parts.items() if v is not None}
    return AddressInput(**given) if given else None


@customer_app.command("add")
def customer_add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The customer's name."),
    phone: str | None = typer.Option(None, "--phone", help="Phone number."),
    email: str | None = typer.Option(None, "--email", help="Email address."),
    note: str = typer.Option("", "--note", help="A note about the customer."),
    street: str | None = typer.Option(None, "--street", help="Address: street and number."),
    district: str | None = typer.Option(None, "--district", help="Address: district."),
    city: str | None = typer.Option(None, "--city", help="Address: city."),
    region: str | None = typer.Option(None, "--region", help="Address: region or province."),
    postal_code: str | None = typer.Option(None, "--postal-code", help="Address: postal code."),
    country: str | None = typer.Option(None, "--country", help="Address: two-letter country code."),
    key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Add a customer. Example: shoptui customer add "Wang Fang" --phone 13800138000 --city Hangzhou"""
    from shoptui.services import members, shop

    def work(session: Session, actor: Any) -> shop.Outcome:
        data = members.CustomerCreate(name=name, phone=phone, email=email, note=note,
                                        address=_address(street=street, district=district, city=city, region=region,
                                                         postal_code=postal_code, country=country))
        found = members.add_customer(session=session, actor=actor, data=data)
        return outcome(f"Added customer #{found.id} {found.name}.", found, shop_currency(session))

    change(ctx, "customer add", work, key=key, as_json=as_json)


@customer_app.command("edit")
def customer_edit(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="The customer: id, phone or email."),
    name: str | None = typer.Option(None, "--name", help="New name."),
    phone: str | None = typer.Option(None, "--phone", help="New phone ('' clears it)."),
    email: str | None = typer.Option(None, "--email", help="New email ('' clears it)."),
    note: str | None = typer.Option(None, "--note", help="New note."),
    street: str | None = typer.Option(None, "--street", help="New default address: street."),
    district: str | None = typer.Option(None, "--district", help="New default address: district."),
    city: str | None = typer.Option(None, "--city", help="New default address: city."),
    region: str | None = typer.Option(None, "--region", help="New default address: region or province."),
    postal_code: str | None = typer.Option(None, "--postal-code", help="New default address: postal code."),
    country: str | None = typer.Option(None, "--country", help="New default address: country code."),
    key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Change a customer. Example: shoptui customer edit 13800138000 --email fang@example.com"""
    from shoptui.services import members, shop

    def work(session: Session, actor: Any) -> shop.Outcome:
        given = {k: v for k, v in {"name": name, "phone": phone, "email": email, "note": note}.items() if v is not None}
        patch = members.CustomerUpdate(**given, address=_address(
            street=street, district=district, city=city, region=region, postal_code=postal_code, country=country))
        found = members.update_customer(session=session, actor=actor, ref=ref, patch=patch)
        return outcome(f"Updated customer #{found.id} {found.name}.", found, shop_currency(session))

    change(ctx, "customer edit", work, key=key, as_json=as_json)


@customer_app.command("list")
def customer_list(
    ctx: typer.Context,
    search: str = typer.Option("", "--search", "-s", help="Part of a name, phone or email."),
    after: str | None = typer.Option(None, "--after", help="Continue after this cursor."),
    limit: int = typer.Option(50, "--limit", help="Customers per page (at most 1000)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Customers by name. Example: shoptui customer list --search wang"""
    from shoptui.services import members

    with reading(ctx) as session:
        page = members.list_customers(session=session, search=search, after=after, limit=limit)
        money = shop_currency(session)
    if as_json:
        emit_page(page, money)
        return
    emit_table([(c.id, c.name, c.phone, c.email, c.order_count, money.format(c.spent_minor)) for c in page.items],
               ["id", "name", "phone", "email", "orders", "spent"], justify={"orders": "right", "spent": "right"},
               empty="No customers match.")
    if page.next_after:
        say(f"more: --after '{page.next_after}'", err=True)


@customer_app.command("show")
def customer_show(ctx: typer.Context, ref: str = typer.Argument(..., help="The customer: id, phone or email."),
                  as_json: bool = JSON_OPTION) -> None:
    """One customer with addresses and recent orders. Example: shoptui customer show 13800138000"""
    from shoptui.services import members, orders

    with reading(ctx) as session:
        found = members.get_customer(session=session, ref=ref)
        recent = orders.list_orders(session=session, filters=orders.OrderFilter(customer=str(found.id)), limit=10)
        money, tz = shop_currency_and_zone(session)
    if as_json:
        emit_json({**jsonable(found, money), "recent_orders": jsonable(recent.items, money)})
        return
    emit_pairs([("customer", f"#{found.id} {found.name}"), ("phone", found.phone), ("email", found.email),
                *([("other contacts", ", ".join(found.other_contacts))] if found.other_contacts else []),
                ("note", found.note), ("orders", found.order_count), ("spent", money.format(found.spent_minor)),
                ("last order", when(found.last_order_at, tz)),
                *([("tags", ", ".join(found.tags))] if found.tags else []),
                *([("before moving in", f"{plural(found.prior_order_count, 'order')}, "
                   f"{money.format(found.prior_spent_minor)} spent")]
                  if found.prior_order_count or found.prior_spent_minor else [])]
               + [("address", a.one_line() + (" (default)" if a.is_default else "")) for a in found.addresses])
    emit_table([(o.number, when(o.created_at, tz), _state_words(o), money.format(o.total_minor)) for o in recent.items],
               ["order", "created", "status", "total"], title="recent orders", empty="No orders yet.")


@customer_app.command("import")
def customer_import(
    ctx: typer.Context,
    file: str = typer.Argument(..., metavar="FILE.csv", help="The customers export, as the other system wrote it."),
    source_format: str = typer.Option(..., "--from", metavar="FORMAT", help="Which system wrote it: shopify or "
                                      "woocommerce."),
    as_members: bool = typer.Option(False, "--as-members", help="Also register them as members (with marketing "
                                    "consent only where the export says it was given); existing members stay."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print what would be created, updated and skipped; write "
                                 "nothing."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Import customers from a Shopify or WooCommerce export, all or nothing. Example: shoptui customer import customers_export.csv --from shopify --dry-run"""
    from pathlib import Path

    from shoptui import db
    from shoptui.services import members, shop

    cli = state(ctx)
    path = Path(file).expanduser()
    with refusals():
        content = shop.read_import_file(path)
        unit = db.read_session(cli.url) if dry_run else db.transaction(cli.url)  # a dry run never writes
        with unit as session:
            report = members.import_customers(session=session, actor=cli.actor, content=content, fmt=source_format,
                                              source=path.name, as_members=as_members, dry_run=dry_run)
    if as_json:
        emit_json(report)
        return
    if dry_run:
        emit_table([(i.line, i.name, i.action, i.reason, *([i.member] if as_members else [])) for i in report.items],
                   ["line", "name", "action", "why", *(["member"] if as_members else [])],
                   justify={"line": "right"}, empty="No customers in the file.")
    say(report.summary)


from shoptui.cli import orders_extra  # noqa: E402,F401  (receipt, slip, invoice and import on this group)
