"""Suppliers, purchase orders and reorder suggestions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from shoptui import clock
from shoptui.errors import Conflict, InvalidInput, NotFound
from shoptui.models.inventory import StockMovement
from shoptui.models.messaging import OutboxMessage
from shoptui.services.inventory import purchasing as pur
from shoptui.services.inventory.changes import restock
from shoptui.services.inventory.checks import check_incoming, check_stock_ledger
from shoptui.services.inventory.ledger import sell
from shoptui.services.inventory.levels import levels_for
from shoptui.services.inventory.policies import set_levels
from shoptui.services.inventory.variants import find_variant
from tests.services.inventory_helpers import CLERK, make_variant


def ordered_po(session: Session) -> pur.PORead:
    make_variant(session, "TEE-01", cost=800)
    make_variant(session, "MUG-01", barcode="6900000000017", cost=300)
    pur.add_supplier(session=session, actor=CLERK, name="Acme", email="orders@acme.example", lead_time_days=10)
    po = pur.create_po(session=session, actor=CLERK, supplier="acme")
    pur.add_po_line(session=session, actor=CLERK, po_id=po.id, code="TEE-01", quantity=10, unit_cost_minor=1000)
    pur.add_po_line(session=session, actor=CLERK, po_id=po.id, code="6900000000017", quantity=4)
    return pur.order_po(session=session, actor=CLERK, po_id=po.id)


def test_supplier_add_edit_refusals(session: Session) -> None:
    s = pur.add_supplier(session=session, actor=CLERK, name="Acme 纺织", email="a@acme.example")
    with pytest.raises(Conflict, match="already exists"):
        pur.add_supplier(session=session, actor=CLERK, name="acme 纺织")
    with pytest.raises(InvalidInput, match="not an email"):
        pur.add_supplier(session=session, actor=CLERK, name="B", email="nope")
    with pytest.raises(InvalidInput, match="lead time"):
        pur.add_supplier(session=session, actor=CLERK, name="B", lead_time_days=-1)
    edited = pur.edit_supplier(session=session, actor=CLERK, supplier=str(s.id), lead_time_days=14)
    assert edited.lead_time_days == 14
    with pytest.raises(InvalidInput, match="Nothing to change"):
        pur.edit_supplier(session=session, actor=CLERK, supplier="Acme 纺织")
    with pytest.raises(NotFound, match="no supplier 'Zed'"):
        pur.find_supplier(session, "Zed")


def test_po_lifecycle_incoming_partial_received(session: Session) -> None:
    po = ordered_po(session)
    assert po.status == "ordered" and po.total_minor == 10 * 1000 + 4 * 300
    tee = find_variant(session, "TEE-01").id
    assert levels_for(session, [tee])[tee].incoming == 10
    po = pur.receive_po(session=session, actor=CLERK, po_id=po.id, quantities={"TEE-01": 6})
    assert po.status == "partial"
    level = levels_for(session, [tee])[tee]
    assert (level.on_hand, level.incoming) == (6, 4)
    assert find_variant(session, "TEE-01").cost_minor == 1000  # no stock before: the receipt's cost
    with pytest.raises(InvalidInput, match="still expects 4 of TEE-01, not 5.*--over"):
        pur.receive_po(session=session, actor=CLERK, po_id=po.id, quantities={"TEE-01": 5})
    po = pur.receive_po(session=session, actor=CLERK, po_id=po.id)
    assert po.status == "received" and po.closed_at is not None
    assert levels_for(session, [tee])[tee].incoming == 0
    refs = session.exec(select(StockMovement.ref_id).where(StockMovement.kind == "receive")).all()
    assert set(refs) == {"PO-000001"}
    with pytest.raises(Conflict, match="is received"):
        pur.receive_po(session=session, actor=CLERK, po_id=po.id)
    with pytest.raises(Conflict, match="already received"):
        pur.cancel_po(session=session, actor=CLERK, po_id=po.id)
    assert check_incoming(session=session) == [] and check_stock_ledger(session=session) == []


def test_over_receipt_only_with_over(session: Session) -> None:
    po = ordered_po(session)
    po = pur.receive_po(session=session, actor=CLERK, po_id=po.id, quantities={"TEE-01": 12}, over=True)
    tee = find_variant(session, "TEE-01").id
    assert levels_for(session, [tee])[tee].on_hand == 12
    assert po.status == "partial"  # the mugs are still due
    assert check_incoming(session=session) == []


def test_receive_refusals(session: Session) -> None:
    po = ordered_po(session)
    make_variant(session, "HAT-01")
    with pytest.raises(InvalidInput, match="HAT-01 is not on PO-000001"):
        pur.receive_po(session=session, actor=CLERK, po_id=po.id, quantities={"HAT-01": 1})
    with pytest.raises(InvalidInput, match="more than zero"):
        pur.receive_po(session=session, actor=CLERK, po_id=po.id, quantities={"TEE-01": 0})
    with pytest.raises(NotFound, match="PO-000099"):
        pur.receive_po(session=session, actor=CLERK, po_id=99)
    draft = pur.create_po(session=session, actor=CLERK, supplier="Acme")
    with pytest.raises(Conflict, match="draft.*po order"):
        pur.receive_po(session=session, actor=CLERK, po_id=draft.id)
    with pytest.raises(InvalidInput, match="has no lines"):
        pur.order_po(session=session, actor=CLERK, po_id=draft.id)
    with pytest.raises(Conflict, match="only be added while it is a draft"):
        pur.add_po_line(session=session, actor=CLERK, po_id=po.id, code="HAT-01", quantity=1)


def test_cancel_takes_the_rest_off_incoming(session: Session) -> None:
    po = ordered_po(session)
    pur.receive_po(session=session, actor=CLERK, po_id=po.id, quantities={"TEE-01": 3})
    po = pur.cancel_po(session=session, actor=CLERK, po_id=po.id)
    assert po.status == "cancelled"
    tee = find_variant(session, "TEE-01").id
    assert levels_for(session, [tee])[tee].model_dump(include={"on_hand", "incoming"}) == {"on_hand": 3,
                                                                                                "incoming": 0}
    assert check_incoming(session=session) == []


def test_email_po_queues_to_supplier(session: Session) -> None:
    po = ordered_po(session)
    assert pur.email_po(session=session, actor=CLERK, po_id=po.id) == "orders@acme.example"
    mail = session.exec(select(OutboxMessage).where(OutboxMessage.template == "purchase_order")).one()
    assert "PO-000001" in mail.subject and "TEE-01" in mail.body and "10.00" in mail.body
    pur.add_supplier(session=session, actor=CLERK, name="NoMail")
    other = pur.create_po(session=session, actor=CLERK, supplier="NoMail")
    pur.add_po_line(session=session, actor=CLERK, po_id=other.id, code="TEE-01", quantity=1)
    pur.order_po(session=session, actor=CLERK, po_id=other.id)
    with pytest.raises(InvalidInput, match="no email address"):
        pur.email_po(session=session, actor=CLERK, po_id=other.id)


def test_reorder_suggestions_grouped_by_supplier_become_drafts(session: Session, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    tee = make_variant(session, "TEE-01", cost=800)
    make_variant(session, "MUG-01", cost=300)
    pur.add_supplier(session=session, actor=CLERK, name="Acme", lead_time_days=10)
    restock(session=session, actor=CLERK, code="TEE-01", quantity=100, supplier="Acme")
    restock(session=session, actor=CLERK, code="MUG-01", quantity=2)
    for day in range(30):  # 3 a day for 30 days
        with clock.frozen(frozen_clock - timedelta(days=day, hours=2)):
            sell(session=session, actor=CLERK, variant_id=tee, quantity=3, ref_kind=None, ref_id=None)
    set_levels(session=session, actor=CLERK, code="TEE-01", reorder_point=20)
    set_levels(session=session, actor=CLERK, code="MUG-01", reorder_point=5)
    groups = pur.suggest_reorders(session=session)
    assert [g.supplier for g in groups] == ["Acme", None]
    [line] = groups[0].lines
    # need = ceil(3/day * (10 lead + 14 cover)) = 72; available 10
    assert (line.sku, line.available, line.suggested) == ("TEE-01", 10, 72)
    assert groups[1].lines[0].suggested == 4  # no sales: reorder point + 1 - available
    created = pur.create_suggested_pos(session=session, actor=CLERK)
    assert [(po.supplier, po.status, [(x.sku, x.quantity_ordered) for x in po.lines]) for po in created] == [
        ("Acme", "draft", [("TEE-01", 72)])]


def test_email_po_only_for_open_orders_and_without_internal_notes(session: Session) -> None:
    make_variant(session, "TEE-01", cost=800)
    pur.add_supplier(session=session, actor=CLERK, name="Acme", email="orders@acme.example")
    draft = pur.create_po(session=session, actor=CLERK, supplier="acme")
    pur.add_po_line(session=session, actor=CLERK, po_id=draft.id, code="TEE-01", quantity=2, unit_cost_minor=1000)
    with pytest.raises(Conflict, match="still a draft.*po order"):
        pur.email_po(session=session, actor=CLERK, po_id=draft.id)
    pur.order_po(session=session, actor=CLERK, po_id=draft.id)
    pur.receive_po(session=session, actor=CLERK, po_id=draft.id)
    with pytest.raises(Conflict, match="is received, so there is nothing to send"):
        pur.email_po(session=session, actor=CLERK, po_id=draft.id)
    assert session.exec(select(OutboxMessage)).all() == []


def test_cancelling_a_po_withdraws_its_queued_email(session: Session) -> None:
    po = ordered_po(session)
    pur.email_po(session=session, actor=CLERK, po_id=po.id)
    pur.cancel_po(session=session, actor=CLERK, po_id=po.id)
    mail = session.exec(select(OutboxMessage).where(OutboxMessage.template == "purchase_order")).one()
    assert mail.status == "cancelled" and mail.next_attempt_at is None
    with pytest.raises(Conflict, match="is cancelled, so there is nothing to send"):
        pur.email_po(session=session, actor=CLERK, po_id=po.id)


def test_suggested_po_keeps_its_origin_out_of_the_supplier_email(session: Session, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    make_variant(session, "TEE-01", cost=800)
    pur.add_supplier(session=session, actor=CLERK, name="Acme", email="orders@acme.example", lead_time_days=10)
    restock(session=session, actor=CLERK, code="TEE-01", quantity=1, supplier="Acme")
    set_levels(session=session, actor=CLERK, code="TEE-01", reorder_point=5)
    created = pur.create_suggested_pos(session=session, actor=CLERK)
    assert created, "the reorder suggestion should make a draft"
    po = created[0]
    assert po.note == ""
    pur.order_po(session=session, actor=CLERK, po_id=po.id)
    pur.email_po(session=session, actor=CLERK, po_id=po.id)
    mail = session.exec(select(OutboxMessage).where(OutboxMessage.template == "purchase_order")).one()
    assert "reorder" not in mail.body and "Note:" not in mail.body
