"""End to end: shipping an order queues its notice, and the outbox delivers it to a real local SMTP server."""

from __future__ import annotations

from sqlmodel import select

from shoptui import db
from shoptui.models.messaging import OutboxMessage
from shoptui.services.members import customers
from shoptui.services.messaging import outbox as messaging
from shoptui.services.orders import payments, placing
from shoptui.services.orders import shipping as orders_shipping
from tests.services.orders_helpers import CLERK, draft, seed
from tests.services.test_messaging import SmtpServer, configure, smtp_server, use_smtp  # noqa: F401  (fixture)


def test_shipping_notice_reaches_the_customer_by_smtp(store: str, smtp_server: SmtpServer,  # noqa: F811
                                                       frozen_clock) -> None:  # type: ignore[no-untyped-def]
    use_smtp(store, smtp_server.port, name="Corner Shop")
    configure(store, order_notice_channels="email")
    with db.transaction(store) as s:
        seed(s)
        customers.add_customer(session=s, actor=CLERK, data=customers.CustomerCreate(
            name="Wang Fang", phone="13800138000", email="fang@example.com"))
        number = placing.create_order(session=s, actor=CLERK, draft=draft(("TEE-01", 2),
                                                                         customer="13800138000")).number
        payments.pay(session=s, actor=CLERK, number=number, method="card")
    assert smtp_server.mailbox.messages == []  # nothing leaves before the shipment

    with db.transaction(store) as s:
        shipped = orders_shipping.ship(session=s, actor=CLERK, number=number, carrier="SF", tracking="SF1234567890")
    assert shipped.notified == ["email"]
    assert smtp_server.mailbox.messages == []  # queued in the shipment's transaction, sent by the outbox

    report = messaging.deliver_due(store)

    assert (report.sent, report.failed, report.queued) == (1, 0, 0)
    [mail] = smtp_server.mailbox.messages
    assert smtp_server.mailbox.envelopes[0][1] == ["fang@example.com"]
    assert mail["To"] == "fang@example.com"
    assert mail["Subject"] == f"Order {number} is on its way"
    body = mail.get_body().get_content()
    assert "SF1234567890" in body and "Hello Wang Fang" in body and "2 x" in body
    with db.read_session(store) as s:
        [row] = s.exec(select(OutboxMessage).where(OutboxMessage.template == "order.shipped")).all()
        assert (row.status, row.ref_kind, row.ref_id) == ("sent", "order", number)
    assert messaging.deliver_due(store).sent == 0  # never twice
