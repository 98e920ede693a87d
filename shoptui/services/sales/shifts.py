"""Till shifts: open with a cash float, close with the cash counted; the report says what came in.

One shift is open at a time. A shift covers every payment and refund made between its opening
and its closing (``order_payment.at`` / ``order_refund.at``, both indexed by time and method):
the report shows them by method, the counter sales made, and the cash the drawer should hold
(float + cash taken - cash refunded) beside what was counted. Closing fixes the expected cash and
the difference in the shift row, so a later refund does not change a closed shift's figures.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, col, select

from shoptui import clock, wording
from shoptui.config import Actor
from shoptui.errors import Conflict, InvalidInput, NotFound
from shoptui.models.orders import Order, OrderPayment, OrderRefund
from shoptui.models.sales import Shift
from shoptui.services import shop
from shoptui.services.shop import Page, clamp_limit
from shoptui.text import check_text

MAX_CASH = 10**12


class ShiftRead(BaseModel):
    """A shift as it leaves the service."""

    id: int
    status: str
    float_minor: int
    opened_by: str
    opened_at: datetime
    note: str
    closed_by: str | None
    closed_at: datetime | None
    counted_minor: int | None
    expected_minor: int | None
    difference_minor: int | None
    close_note: str


class MethodTotal(BaseModel):
    """Money of one payment method in a shift."""

    method: str
    count: int
    amount_minor: int


class ShiftReport(BaseModel):
    """What a shift took in: sales, payments and refunds by method, and the cash in the drawer."""

    shift: ShiftRead
    sales_count: int  # counter sales completed in the shift
    sales_minor: int
    payments: list[MethodTotal]
    refunds: list[MethodTotal]
    paid_in_minor: int
    refunded_out_minor: int
    cash_in_minor: int  # cash payments (what was kept, not the change handed back)
    cash_out_minor: int  # cash refunds
    expected_cash_minor: int  # float + cash in - cash out
    counted_minor: int | None
    difference_minor: int | None  # counted - expected; negative: cash is missing


def _read(row: Shift) -> ShiftRead:
    return ShiftRead.model_validate(row, from_attributes=True)


def _check_cash(amount: int, what: str, *, field: str | None = None) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidInput(f"The {what} must be an amount like 200.00.", field=field)
    if amount < 0:
        raise InvalidInput(f"The {what} cannot be negative.", field=field)
    if amount >= MAX_CASH:
        raise InvalidInput(f"The {what} is too large.", field=field)
    return amount


def _clean_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > 500:
        raise InvalidInput(f"The note is too long ({len(note)} characters; at most 500).", field="note")
    return check_text(note, "note", 500, required=False, multiline=True) or ""


def _open_row(session: Session) -> Shift | None:
    return session.exec(select(Shift).where(Shift.status == "open")).first()


def current_shift(*, session: Session) -> ShiftRead | None:
    """The open shift, or None."""
    row = _open_row(session)
    return None if row is None else _read(row)


def _shift_row(session: Session, shift_id: int | None) -> Shift:
    if shift_id is None:
        row = _open_row(session)
        if row is None:
            last = session.exec(select(Shift).order_by(col(Shift.id).desc()).limit(1)).first()
            if last is None:
                raise NotFound("No shift was ever opened. Open one with 'shoptui shift open --float 200'.")
            return last
        return row
    if isinstance(shift_id, bool) or not isinstance(shift_id, int) or shift_id <= 0:
        raise InvalidInput(f"{shift_id!r} is not a shift number.")
    row = session.get(Shift, shift_id)
    if row is None:
        raise NotFound(f"There is no shift #{shift_id}. See 'shoptui shift list'.")
    return row


def open_shift(*, session: Session, actor: Actor, float_minor: int, note: str = "") -> ShiftRead:
    """Open the till with a cash float. Conflict while another shift is open."""
    _check_cash(float_minor, "cash float", field="float_minor")
    existing = _open_row(session)
    if existing is not None:
        tz = shop.timezone(session=session)
        raise Conflict(f"Shift #{existing.id} is already open (since "
                       f"{wording.when(existing.opened_at, tz)}, by {existing.opened_by}); close it "
                       "first with 'shoptui shift close --counted ...'.")
    row = Shift(status="open", float_minor=float_minor, opened_by=actor.name[:100], opened_at=clock.now(),
                note=_clean_note(note))
    session.add(row)
    session.flush()
    shop.record(session=session, actor=actor, action="shift.open", entity="shift", entity_id=row.id,
                 summary=f"shift #{row.id} opened with a float of {float_minor}", after={"float_minor": float_minor})
    return _read(row)


def _totals(session: Session, model: type[OrderPayment] | type[OrderRefund], start: datetime,
            end: datetime | None) -> list[MethodTotal]:
    query = (select(model.method, func.count(), func.coalesce(func.sum(model.amount_minor), 0))
             .where(col(model.at) >= start).group_by(model.method).order_by(model.method))
    if end is not None:
        query = query.where(col(model.at) <= end)
    return [MethodTotal(method=m, count=int(n), amount_minor=int(a)) for m, n, a in session.exec(query)]


def _report(session: Session, row: Shift) -> ShiftReport:
    start, end = row.opened_at, row.closed_at
    payments = _totals(session, OrderPayment, start, end)
    refunds = _totals(session, OrderRefund, start, end)
    sales_query = (select(func.count(), func.coalesce(func.sum(Order.total_minor), 0))
                   .where(Order.channel == "counter", col(Order.created_at) >= start, Order.status != "cancelled"))
    if end is not None:
        sales_query = sales_query.where(col(Order.created_at) <= end)
    sales_count, sales_minor = session.exec(sales_query).one()
    cash_in = sum(p.amount_minor for p in payments if p.method == "cash")
    cash_out = sum(r.amount_minor for r in refunds if r.method == "cash")
    expected = row.expected_minor if row.expected_minor is not None else row.float_minor + cash_in - cash_out
    return ShiftReport(
        shift=_read(row), sales_count=int(sales_count), sales_minor=int(sales_minor), payments=payments,
        refunds=refunds, paid_in_minor=sum(p.amount_minor for p in payments),
        refunded_out_minor=sum(r.amount_minor for r in refunds), cash_in_minor=cash_in, cash_out_minor=cash_out,
        expected_cash_minor=expected, counted_minor=row.counted_minor, difference_minor=row.difference_minor,
    )


def close_shift(*, session: Session, actor: Actor, counted_minor: int, note: str = "",
                shift_id: int | None = None) -> ShiftReport:
    """Close the open shift (or the one named) with the cash counted; the difference is kept.

    Conflict when no shift is open or the one named is already closed.
    """
    _check_cash(counted_minor, "counted cash", field="counted_minor")
    if shift_id is None:
        row = _open_row(session)
        if row is None:
            raise Conflict("No shift is open, so there is nothing to close. Open one with 'shoptui shift open'.")
    else:
        row = _shift_row(session, shift_id)
    if row.status != "open":
        tz = shop.timezone(session=session)
        closed = wording.when(row.closed_at, tz, none="earlier")
        raise Conflict(f"Shift #{row.id} was already closed ({closed}, by {row.closed_by}); it cannot be closed twice.")
    now = clock.now()
    row.closed_at = now
    report = _report(session, row)
    row.status = "closed"
    row.closed_by = actor.name[:100]
    row.counted_minor = counted_minor
    row.expected_minor = report.expected_cash_minor
    row.difference_minor = counted_minor - report.expected_cash_minor
    row.close_note = _clean_note(note)
    session.add(row)
    session.flush()
    shop.record(session=session, actor=actor, action="shift.close", entity="shift", entity_id=row.id,
                 summary=f"shift #{row.id} closed: counted {counted_minor}, expected {row.expected_minor}, "
                 f"difference {row.difference_minor}",
                 after={"counted_minor": counted_minor, "expected_minor": row.expected_minor,
                        "difference_minor": row.difference_minor})
    return _report(session, row)


def shift_report(*, session: Session, shift_id: int | None = None) -> ShiftReport:
    """The report of a shift (default: the open one, else the last); live while it is open."""
    return _report(session, _shift_row(session, shift_id))


def list_shifts(*, session: Session, after: int | None = None, limit: int = 50) -> Page[ShiftRead]:
    """Shifts newest first, keyset-paged by id."""
    limit = clamp_limit(limit)
    query = select(Shift).order_by(col(Shift.id).desc()).limit(limit + 1)
    if after is not None:
        query = query.where(col(Shift.id) < after)
    rows = session.exec(query).all()
    items = [_read(r) for r in rows[:limit]]
    return Page(items=items, next_after=str(items[-1].id) if len(rows) > limit and items else None)
