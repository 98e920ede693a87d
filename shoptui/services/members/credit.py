"""Store credit: a money balance per member, kept as a ledger (``member_credit_movement``).

Credit comes in as counter top-ups, refunds paid as store credit and manual adjustments; it goes
out as a payment method on orders. Every debit is a conditional ``UPDATE ... WHERE balance >=
amount``, so two terminals paying from one balance at once can never take more than is there.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import update
from sqlmodel import Session, col, select

from shoptui import clock
from shoptui.config import Actor
from shoptui.errors import Conflict, InvalidInput
from shoptui.models.members import CreditMovement, Member
from shoptui.services import shop
from shoptui.services.shop import Page, clamp_limit
from shoptui.text import check_text

MAX_CREDIT_MINOR = 10**12


class CreditMovementRead(BaseModel):
    """One line of a member's store-credit ledger."""

    id: int
    customer_id: int
    kind: str
    amount_minor: int
    ref_kind: str | None
    ref_id: str | None
    reason: str
    actor: str
    at: datetime


class CreditResult(BaseModel):
    """A store-credit change: the movement and the balance after it."""

    movement: CreditMovementRead
    balance_minor: int


def _reason(reason: str, *, required: bool) -> str:
    value = (reason or "").strip()
    if required and not value:
        raise InvalidInput("Give a reason (--reason) so the ledger says why the credit changed.", field="reason")
    if len(value) > 300:
        raise InvalidInput("The reason is too long; use at most 300 characters.", field="reason")
    check_text(value, "reason", 300, required=False, name="reason")
    return value


def _amount(amount_minor: int, what: str) -> int:
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int):
        raise InvalidInput(f"The {what} must be a whole number of minor units.", field="amount_minor")
    if abs(amount_minor) >= MAX_CREDIT_MINOR:
        raise InvalidInput(f"The {what} is too large.", field="amount_minor")
    return amount_minor


def book(session: Session, actor: Actor, customer_id: int, *, kind: str, amount_minor: int, reason: str = "",
         ref_kind: str | None = None, ref_id: str | None = None) -> CreditResult:
    """Append one movement and keep the balance in step; a debit never takes more than is there."""
    if amount_minor == 0:
        raise InvalidInput("A store-credit change of zero changes nothing.", field="amount_minor")
    currency = shop.currency(session=session)
    statement = (update(Member).where(col(Member.customer_id) == customer_id)
                 .values(credit_balance_minor=col(Member.credit_balance_minor) + amount_minor,
                         updated_at=clock.now()))
    if amount_minor < 0:
        statement = statement.where(col(Member.credit_balance_minor) >= -amount_minor)
    changed = session.exec(statement).rowcount
    if not changed:
        held = session.exec(select(Member.credit_balance_minor).where(Member.customer_id == customer_id)).first()
        raise Conflict(f"Member #{customer_id} holds {currency.format(held or 0)} of store credit, so "
                       f"{currency.format(-amount_minor)} cannot be taken from it.", field="amount_minor")
    row = CreditMovement(customer_id=customer_id, kind=kind, amount_minor=amount_minor, reason=reason,
                         ref_kind=ref_kind, ref_id=None if ref_id is None else str(ref_id)[:100],
                         actor=actor.name[:100], at=clock.now())
    session.add(row)
    session.flush()
    balance = session.exec(select(Member.credit_balance_minor).where(Member.customer_id == customer_id)).one()
    shop.record(session=session, actor=actor, action=f"member.credit.{kind}", entity="member", entity_id=customer_id,
                 summary=f"store credit {'+' if amount_minor > 0 else ''}{currency.format(amount_minor)} ({kind})"
                 + (f": {reason}" if reason else ""),
                 after={"credit_balance_minor": balance, "ref": f"{ref_kind}:{ref_id}" if ref_kind else None})
    return CreditResult(movement=CreditMovementRead.model_validate(row, from_attributes=True), balance_minor=balance)


def top_up(*, session: Session, actor: Actor, customer_id: int, amount_minor: int, reason: str = "",
           reference: str = "") -> CreditResult:
    """Money paid in at the counter becomes store credit; must be more than zero."""
    _amount(amount_minor, "top-up")
    if amount_minor <= 0:
        raise InvalidInput("A top-up must be more than zero; to take credit away use an adjustment with a reason.",
                           field="amount_minor")
    return book(session, actor, customer_id, kind="topup", amount_minor=amount_minor,
                reason=_reason(reason, required=False), ref_kind="topup" if reference else None,
                ref_id=reference or None)


def adjust(*, session: Session, actor: Actor, customer_id: int, amount_minor: int, reason: str) -> CreditResult:
    """A manual correction, up or down, with a reason; never below zero."""
    shop.require(session=session, actor=actor, permission="credit.adjust")  # refused before anything is looked up
    _amount(amount_minor, "adjustment")
    return book(session, actor, customer_id, kind="adjust", amount_minor=amount_minor,
                reason=_reason(reason, required=True))


def pay(*, session: Session, actor: Actor, customer_id: int, amount_minor: int, order_number: str) -> CreditResult:
    """Pay ``amount_minor`` of an order from the member's store credit (Conflict when too little)."""
    _amount(amount_minor, "payment")
    if amount_minor <= 0:
        raise InvalidInput("A store-credit payment must be more than zero.", field="amount_minor")
    return book(session, actor, customer_id, kind="payment", amount_minor=-amount_minor,
                reason=f"paid order {order_number}", ref_kind="order", ref_id=order_number)


def refund(*, session: Session, actor: Actor, customer_id: int, amount_minor: int, order_number: str,
           reason: str = "") -> CreditResult:
    """A refund paid as store credit."""
    _amount(amount_minor, "refund")
    if amount_minor <= 0:
        raise InvalidInput("A store-credit refund must be more than zero.", field="amount_minor")
    return book(session, actor, customer_id, kind="refund", amount_minor=amount_minor,
                reason=(reason or f"refund on order {order_number}")[:300], ref_kind="order", ref_id=order_number)


def credit_history(*, session: Session, customer_id: int, after: int | None = None, limit: int = 50
            ) -> Page[CreditMovementRead]:
    """The member's store-credit ledger, newest first (keyset-paged by id)."""
    limit = clamp_limit(limit)
    query = (select(CreditMovement).where(CreditMovement.customer_id == customer_id)
             .order_by(col(CreditMovement.id).desc()).limit(limit + 1))
    if after is not None:
        query = query.where(col(CreditMovement.id) < after)
    rows = session.exec(query).all()
    items = [CreditMovementRead.model_validate(r, from_attributes=True) for r in rows[:limit]]
    return Page(items=items, next_after=str(items[-1].id) if len(rows) > limit else None)
