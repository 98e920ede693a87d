"""``shoptui sale`` (a counter sale in one command) and ``shoptui shift`` (open, close, report the till)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from shoptui.cli._output import (
    JSON_OPTION,
    KEY_OPTION,
    change,
    echo_err,
    emit_json,
    emit_page,
    emit_pairs,
    emit_table,
    fail,
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

    from shoptui.services.sales import ShiftReport
    from shoptui.services.shop import Currency

sale_app = typer.Typer(help="Ring up a counter sale: items, payment, receipt.",
                       context_settings={"allow_interspersed_args": True}, subcommand_metavar="")
shift_app = typer.Typer(help="Till shifts: open with a cash float, close with counted cash, report.",
                        no_args_is_help=True)

WIDTH_OPTION = typer.Option(None, "--width", help="Receipt paper width in mm: 58 or 80 (default: the receipt_width "
                            "setting).")


def parse_tender(spec: str, money: Currency) -> Any:
    """``cash:100`` / ``card`` (the rest) / ``mobile:12.50:REF`` -> a Tender."""
    from shoptui.errors import InvalidInput
    from shoptui.services import sales as sales_api

    method, _, rest = spec.strip().partition(":")
    amount_text, _, reference = rest.partition(":")
    if not method.strip():
        raise InvalidInput(f"{spec!r} is not a payment; write it like cash:100 or card:50 (method:amount).")
    amount = money.parse(amount_text, field=f"amount in --pay {spec}") if amount_text.strip() else None
    return sales_api.Tender(method=sales_api.normalise_method(method), amount_minor=amount, reference=reference.strip())


def deliver_text(text: str, output: str | None, to_printer: bool, command: str) -> str | None:
    """Save a document to ``output`` or pipe it to the printer; returns a note of where it went."""
    from shoptui.services import orders

    if output:
        path = orders.save(text, output)
        return f"saved to {path}"
    if to_printer:
        from shoptui.cli._output import confirm_print

        orders.print_text(text, command, confirmed=confirm_print(command))
        return "sent to the printer"
    return None


@sale_app.callback(invoke_without_command=True)
def sale(
    ctx: typer.Context,
    items: list[str] = typer.Argument(..., metavar="SKU[xQTY]...", help="Items by SKU or barcode, with an optional "
                                      "quantity: TEE-01, TEE-01x2, TEE-01:2 or 2*TEE-01."),
    pay: list[str] = typer.Option(None, "--pay", "-p", metavar="METHOD[:AMOUNT]",
                                  help="A payment: cash:100, card:50, mobile, bank_transfer or store_credit; no "
                                  "amount pays the rest. Repeat to split. Cash may be more (change is given)."),
    customer: str | None = typer.Option(None, "--customer", "-c", help="The customer's phone (or id or email)."),
    member: str | None = typer.Option(None, "--member", "-m", help="The member's phone (or id or email): tier "
                                      "discount, member promotions, points. Same as --customer."),
    coupons: list[str] = typer.Option(None, "--coupon", help="A coupon code to use; repeat for several."),
    points: int = typer.Option(0, "--points", help="Points of the member to use, any number up to what they hold "
                               "and the sale allows."),
    discount: str | None = typer.Option(None, "--discount", help="A discount off the whole sale, like 5.00."),
    rounding: str | None = typer.Option(None, "--cash-rounding", help="Round the cash part to 0.1, 0.5 or 1 "
                                        "(none: exact; default: the cash_rounding setting)."),
    receipt: str | None = typer.Option(None, "--receipt", "-o", metavar="FILE", help="Save the receipt to this file."),
    to_printer: bool = typer.Option(False, "--print", help="Send the receipt to the print command (print_command "
                                    "setting)."),
    width: int | None = WIDTH_OPTION,
    key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Sell at the counter: paid, handed over, stock out at once. Example: shoptui sale TEE-01x2 MUG-01 --pay cash:300"""
    ring_up(ctx, items, pay=pay, customer=customer, member=member, coupons=coupons, points=points, discount=discount,
            rounding=rounding, receipt=receipt, to_printer=to_printer, width=width, key=key, as_json=as_json)


def ring_up(ctx: typer.Context, items: list[str], *, pay: list[str] | None, customer: str | None = None,
            member: str | None = None, coupons: list[str] | None = None, points: int = 0,
            discount: str | None = None, rounding: str | None = None, receipt: str | None = None,
            to_printer: bool = False, width: int | None = None, key: str | None = None,
            as_json: bool = False) -> None:
    """One counter sale (``shoptui sale`` and its alias ``shoptui stock sell``).

    Once the sale is recorded the command succeeds (exit 0): a receipt that cannot be saved or
    printed is a warning on stderr with the command that reprints it, so a script that retries on
    a non-zero exit never rings the same sale up twice.
    """
    from shoptui.services import sales as sales_api
    from shoptui.services import shop

    if receipt and to_printer:
        raise fail("Give --receipt FILE or --print, not both.", 2)
    if width is not None and width not in (58, 80):
        raise fail(f"--width is 58 or 80 (mm), not {width}.", 2)
    if member and customer and member.strip() != customer.strip():
        raise fail("Give the buyer once: --member or --customer, not two different ones.", 2)
    buyer = member or customer
    if points < 0:
        raise fail(f"--points must be 0 or more, not {points}.", 2)
    if points and not buyer:
        raise fail("--points needs the member: give --member PHONE.", 2)

    def work(session: Session, actor: Any) -> shop.Outcome:
        money = shop_currency(session)
        specs = [sales_api.parse_scan(item) for item in items]
        tenders = [parse_tender(spec, money) for spec in (pay or [])]
        step = None if rounding is None else sales_api.step_minor(rounding, money)
        result = sales_api.sell(session=session, actor=actor, items=specs, tenders=tenders, customer=buyer,
                            discount_minor=money.parse(discount, field="--discount") if discount else 0,
                            rounding_step_minor=step, receipt_width_mm=width, coupon_codes=list(coupons or []),
                            points=points)
        order = result.order
        paid = ", ".join(f"{p.method.replace('_', ' ')} {money.format(p.tendered_minor or p.amount_minor)}"
                         for p in order.payments) or "nothing to pay"
        rounded = f", cash rounding {money.format(result.rounding_minor)}" if result.rounding_minor else ""
        offers = [a for a in order.adjustments if a.kind in ("promotion", "member", "coupon", "points")]
        saved = f", offers {money.format(-sum(a.amount_minor for a in offers))} off" if offers else ""
        message = (f"Sold {order.number}: {plural(order.item_count, 'item')}, total {money.format(order.total_minor)} "
                   f"{money.code}{saved}{rounded}; paid {paid}; change {money.format(result.change_minor)}.")
        if result.points_earned is not None:
            message += f" Points earned {result.points_earned:,}; balance {result.points_balance:,}."
        data = {"number": order.number, "total_minor": order.total_minor, "change_minor": result.change_minor,
                "points_earned": result.points_earned, "points_balance": result.points_balance,
                "rounding_minor": result.rounding_minor, "shift_id": result.shift_id, "receipt": result.receipt,
                "offers": [{"kind": a.kind, "name": a.label, "amount_minor": a.amount_minor, "ref": a.ref}
                           for a in offers],
                "order": jsonable(order, money)}
        return outcome(message, data, money)

    done = change(ctx, "sale", work, key=key, as_json=as_json)
    if receipt or to_printer:
        _deliver_receipt(ctx, done.data or {}, receipt, to_printer)


def _deliver_receipt(ctx: typer.Context, data: dict[str, Any], receipt: str | None, to_printer: bool) -> None:
    """After the sale is committed: save or print its receipt; a failure is a warning, never a refusal."""
    from shoptui.errors import ShopError

    number = data.get("number")
    redo = f"shoptui order receipt {number} " + ("--print" if to_printer else "-o FILE")
    try:
        command = ""
        if to_printer:
            from shoptui import db
            from shoptui.services import orders

            with db.read_session(state(ctx).url) as session:
                command = orders.shop_info(session=session).print_command
        where = deliver_text(data.get("receipt", ""), receipt, to_printer, command)
    except (ShopError, OSError) as exc:
        echo_err(f"warning: sale {number} is recorded, but its receipt was not "
                 f"{'printed' if to_printer else 'saved'}: {exc} Reprint it with '{redo}'.")
        return
    if where:
        say(f"Receipt {where}.", err=True)


# ---------------------------------------------------------------- shifts



def _report_lines(report: ShiftReport, money: Currency, tz: Any) -> None:
    shift = report.shift
    pairs: list[tuple[str, Any]] = [
        ("shift", f"#{shift.id} ({shift.status})"),
        ("opened", f"{when(shift.opened_at, tz)} by {shift.opened_by}"),
    ]
    if shift.closed_at:
        pairs.append(("closed", f"{when(shift.closed_at, tz)} by {shift.closed_by}"))
    pairs += [
        ("counter sales", f"{report.sales_count} for {money.format(report.sales_minor)} {money.code}"),
        ("payments", money.format(report.paid_in_minor)), ("refunds", money.format(report.refunded_out_minor)),
        ("cash float", money.format(shift.float_minor)), ("cash in", money.format(report.cash_in_minor)),
        ("cash out", money.format(report.cash_out_minor)),
        ("expected cash", money.format(report.expected_cash_minor)),
    ]
    if report.counted_minor is not None:
        difference = report.difference_minor or 0
        word = "over" if difference > 0 else "short" if difference < 0 else "exact"
        pairs += [("counted cash", money.format(report.counted_minor)),
                  ("difference", f"{money.format(difference)} ({word})")]
    emit_pairs(pairs)
    rows = [("payment", m.method.replace("_", " "), m.count, money.format(m.amount_minor)) for m in report.payments]
    rows += [("refund", m.method.replace("_", " "), m.count, money.format(-m.amount_minor)) for m in report.refunds]
    emit_table(rows, ["kind", "method", "count", "amount"], justify={"count": "right", "amount": "right"},
               title="by method", empty="No payments or refunds in this shift.")


@shift_app.command("open")
def shift_open(
    ctx: typer.Context,
    cash_float: str = typer.Option(..., "--float", help="Cash in the drawer at the start, like 200.00."),
    note: str = typer.Option("", "--note", help="A note on the shift."),
    key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Open the till with a cash float. Example: shoptui shift open --float 200"""
    from shoptui.services import sales as sales_api
    from shoptui.services import shop

    def work(session: Session, actor: Any) -> shop.Outcome:
        money = shop_currency(session)
        shift = sales_api.open_shift(session=session, actor=actor, float_minor=money.parse(cash_float, field="--float"),
                                  note=note)
        return outcome(f"Opened shift #{shift.id} with a float of "
                       f"{money.format(shift.float_minor)} {money.code}.", shift, money)

    change(ctx, "shift open", work, key=key, as_json=as_json)


@shift_app.command("close")
def shift_close(
    ctx: typer.Context,
    counted: str = typer.Option(..., "--counted", help="Cash counted in the drawer, like 533.50."),
    note: str = typer.Option("", "--note", help="A note, e.g. why the cash differs."),
    shift_id: int | None = typer.Option(None, "--id", help="The shift to close (default: the open one)."),
    key: str | None = KEY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Close the till with the cash counted; prints the difference. Example: shoptui shift close --counted 533.50"""
    from shoptui.services import sales as sales_api
    from shoptui.services import shop

    def work(session: Session, actor: Any) -> shop.Outcome:
        money = shop_currency(session)
        report = sales_api.close_shift(session=session, actor=actor, shift_id=shift_id, note=note,
                                    counted_minor=money.parse(counted, field="--counted"))
        difference = report.difference_minor or 0
        word = "over" if difference > 0 else "short" if difference < 0 else "exactly right"
        amount = f" {money.format(abs(difference))} {money.code}" if difference else ""
        return outcome(f"Closed shift #{report.shift.id}: expected {money.format(report.expected_cash_minor)}, counted "
                       f"{money.format(report.counted_minor or 0)}, cash is{amount} {word}.", report, money)

    change(ctx, "shift close", work, key=key, as_json=as_json)


def _show_report(ctx: typer.Context, shift_id: int | None, as_json: bool) -> None:
    from shoptui.services import sales as sales_api

    with reading(ctx) as session:
        report = sales_api.shift_report(session=session, shift_id=shift_id)
        money, tz = shop_currency_and_zone(session)
    if as_json:
        emit_json(report, money)
    else:
        _report_lines(report, money, tz)


@shift_app.command("show")
def shift_show(ctx: typer.Context,
               shift_id: int | None = typer.Argument(None, help="The shift number (default: the open one, else the "
                                                     "last)."),
               as_json: bool = JSON_OPTION) -> None:
    """One shift with its figures so far. Example: shoptui shift show"""
    _show_report(ctx, shift_id, as_json)


@shift_app.command("report")
def shift_report(ctx: typer.Context,
                 shift_id: int | None = typer.Argument(None, help="The shift number (default: the open one, else the "
                                                       "last)."),
                 output: str | None = typer.Option(None, "--output", "-o", metavar="FILE",
                                                   help="Also save the report as text to this file."),
                 as_json: bool = JSON_OPTION) -> None:
    """The shift report: sales by payment method, refunds, cash difference. Example: shoptui shift report 12"""
    if output is None:
        _show_report(ctx, shift_id, as_json)
        return
    import io
    from contextlib import redirect_stdout

    buffer = io.StringIO()
    with redirect_stdout(buffer):
        _show_report(ctx, shift_id, as_json)
    text = buffer.getvalue()
    say(text, nl=False)
    from shoptui.services import orders

    with refusals():
        path = orders.save(text, output)
    say(f"Report saved to {path}.", err=True)


@shift_app.command("list")
def shift_list(
    ctx: typer.Context,
    after: int | None = typer.Option(None, "--after", help="Continue after this shift number."),
    limit: int = typer.Option(50, "--limit", help="Shifts per page (at most 1000)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Shifts newest first. Example: shoptui shift list --limit 10"""
    from shoptui.services import sales as sales_api

    with reading(ctx) as session:
        page = sales_api.list_shifts(session=session, after=after, limit=limit)
        money, tz = shop_currency_and_zone(session)
    if as_json:
        emit_page(page, money)
        return
    emit_table([(f"#{s.id}", s.status, when(s.opened_at, tz), s.opened_by, when(s.closed_at, tz),
                 money.format(s.float_minor), "" if s.counted_minor is None else money.format(s.counted_minor),
                 "" if s.difference_minor is None else money.format(s.difference_minor)) for s in page.items],
               ["shift", "status", "opened", "by", "closed", "float", "counted", "difference"],
               justify={"float": "right", "counted": "right", "difference": "right"}, empty="No shifts yet.")
    if page.next_after:
        say(f"more: --after {page.next_after}", err=True)

