"""Low-stock alerts: the once-per-crossing rule, evaluating levels against their reorder point,
the notification and emails they send, and the daily digest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select as sa_select
from sqlalchemy import update
from sqlmodel import Session, col, select

from shoptui import clock
from shoptui.config import Actor
from shoptui.models.catalog import Product, Variant
from shoptui.models.inventory import StockLevel, StockPolicy
from shoptui.services.inventory.listing import StockRow, list_levels
from shoptui.services.inventory.locations import location_codes
from shoptui.services.shop import audit


def alert_step(available: int, reorder_point: int | None, alerted: bool, alerted_out: bool,
               ) -> tuple[tuple[bool, bool], bool]:
    """The alert rule of one stock level: its new ``(alerted, alerted_out)`` flags and whether to alert now.

    A level alerts once when available stock falls to or below its reorder point ("low on stock",
    or "out of stock" when nothing is left), and once more when a low level runs out (nothing
    available). Each alert is once per crossing, not per sale: ``alerted`` stays set until stock is
    above the point again, ``alerted_out`` until something is available again. Without a reorder
    point a level never alerts.
    """
    if reorder_point is None or available > reorder_point:
        return (False, False), False
    out = available <= 0
    if not alerted:
        return (True, out), True
    if out and not alerted_out:
        return (True, True), True
    return (True, out and alerted_out), False


def evaluate_alerts(*, session: Session, location_id: int, variant_ids: Sequence[int]) -> int:
    """Alert each level that fell to or below its reorder point, or ran out; returns how many alerted.

    The rule (once per crossing) is :func:`alert_step`'s.
    """
    crossed: list[tuple[int, int]] = []
    for start in range(0, len(variant_ids), 500):
        chunk = list(variant_ids[start:start + 500])
        rows = session.execute(
            sa_select(col(StockLevel.variant_id), col(StockLevel.on_hand) - col(StockLevel.committed),
                      col(StockLevel.alerted), col(StockLevel.alerted_out), col(StockPolicy.reorder_point))
            .join(StockPolicy, col(StockPolicy.variant_id) == col(StockLevel.variant_id))
            .where(col(StockLevel.location_id) == location_id, col(StockLevel.variant_id).in_(chunk))
        ).all()
        changed: dict[tuple[bool, bool], list[int]] = {}
        for row in rows:  # by index: mypy reads an unpacked Row's parts as object
            vid, avail, alerted, alerted_out, rop = row[0], row[1], row[2], row[3], row[4]
            flags, send = alert_step(avail, rop, bool(alerted), bool(alerted_out))
            if flags != (bool(alerted), bool(alerted_out)):
                changed.setdefault(flags, []).append(vid)
            if send:
                crossed.append((vid, avail))
        for (flag, out), ids in changed.items():
            session.execute(update(StockLevel).where(col(StockLevel.location_id) == location_id,
                                                     col(StockLevel.variant_id).in_(ids))
                            .values(alerted=flag, alerted_out=out).execution_options(synchronize_session=False))
    if crossed:
        send_alerts(session, location_id, crossed)
    return len(crossed)


def send_alerts(session: Session, location_id: int, crossed: list[tuple[int, int]]) -> None:
    """Tell about levels that just crossed (variant id, available): a notification each, and an email each to
    alert_emails when the low_stock_alerts setting is 'each'."""
    from shoptui.services.messaging import outbox as messaging
    from shoptui.services.shop import notifications, settings

    mode = settings.get(session=session, key="low_stock_alerts")
    recipients = settings.get(session=session, key="alert_emails") if mode == "each" else []
    code = location_codes(session, [location_id]).get(location_id, str(location_id))
    info = {
        row[0]: row[1:]
        for row in session.exec(
            select(Variant.id, Variant.sku, Product.title, StockPolicy.reorder_point)
            .join(Product, col(Product.id) == col(Variant.product_id))
            .join(StockPolicy, col(StockPolicy.variant_id) == col(Variant.id))
            .where(col(Variant.id).in_([v for v, _ in crossed]))
        )
    }
    for variant_id, available in crossed:
        sku, title, rop = info[variant_id]
        state = "out of stock" if available <= 0 else "low on stock"
        context = {"sku": sku, "title": title, "available": available, "reorder_point": rop, "location": code,
                   "state": state}
        notifications.notify(
            session=session, title=f"{sku} is {state} at {code}",
            body=f"{title}: {available} available, reorder point {rop}.",
            severity="error" if available <= 0 else "warning", link_kind="variant", link_id=variant_id,
        )
        for recipient in recipients:
            messaging.queue(
                session=session, channel="email", recipient=recipient, template="low_stock",
                subject="Low stock: $sku is $state at $location",
                body="$title ($sku) is $state at $location: $available available, reorder point $reorder_point.\n\n"
                     "See suggested purchase orders with: shoptui po suggest\n",
                context=context, ref_kind="variant", ref_id=variant_id,
            )


@dataclass(frozen=True)
class DigestResult:
    """What ``stock digest`` queued; ``already_sent``: today's digest (store-local day) went out earlier."""

    low: int
    emails: int
    day: str = ""
    already_sent: bool = False


def low_stock_digest(*, session: Session, actor: Actor, force: bool = False) -> DigestResult:
    """Queue one email to alert_emails listing every level at or below its reorder point.

    One digest per store-local day (the setting promises one a day): a second run on the same day queues
    nothing and says so, unless ``force``.
    """
    from shoptui import wording
    from shoptui.models.messaging import OutboxMessage
    from shoptui.services.messaging import outbox as messaging
    from shoptui.services.shop import settings

    day = wording.when(clock.now(), settings.timezone(session=session), time=False)
    if not force and session.exec(select(OutboxMessage.id).where(
            OutboxMessage.template == "low_stock_digest", OutboxMessage.ref_kind == "digest",
            OutboxMessage.ref_id == day, OutboxMessage.status != "cancelled").limit(1)).first() is not None:
        return DigestResult(low=0, emails=0, day=day, already_sent=True)
    page_rows: list[StockRow] = []
    after: str | None = None
    while True:
        page = list_levels(session=session, low=True, after=after, limit=1000)
        page_rows.extend(page.items)
        if page.next_after is None:
            break
        after = page.next_after
    recipients = settings.get(session=session, key="alert_emails")
    if not page_rows or not recipients:
        return DigestResult(low=len(page_rows), emails=0, day=day)
    lines = "\n".join(f"  {r.sku:<20} {r.location:<8} available {r.available:>6}  reorder point {r.reorder_point}"
                      f"  {r.title}" for r in page_rows)
    for recipient in recipients:
        messaging.queue(session=session, channel="email", recipient=recipient, template="low_stock_digest",
                        subject="Low stock digest $day: $count",
                        body="At or below their reorder point:\n\n$lines\n\nSuggested orders: shoptui po suggest\n",
                        context={"day": day, "count": wording.plural(len(page_rows), "SKU"), "lines": lines},
                        ref_kind="digest", ref_id=day)
    audit.record(session=session, actor=actor, action="stock.digest", entity="stock",
                 summary=f"low-stock digest of {wording.plural(len(page_rows), 'SKU')} to "
                         f"{wording.plural(len(recipients), 'recipient')}" + (" (forced)" if force else ""))
    return DigestResult(low=len(page_rows), emails=len(recipients), day=day)
