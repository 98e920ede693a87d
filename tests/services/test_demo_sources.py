"""Web orders keep where they came from: the order import's ``source``/``utm_*`` columns, and the demo's web
orders in the same mix of sources as the access log it writes (each source's word is what the traffic rules
make of such a visit)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import Session

from shoptui import clock
from shoptui.errors import InvalidInput
from shoptui.services.analytics import logparse
from shoptui.services.orders import demo
from shoptui.services.orders.importing import import_orders, parse_mapping
from tests.conftest import CLERK, FROZEN_AT
from tests.services.orders_helpers import seed

TRAFFIC_WORDS = {"search", "social", "direct", "referral", "email", "ads"}


@pytest.mark.parametrize("source", demo.SOURCES, ids=lambda s: f"{s.word}:{s.referrer or '-'}{s.query}")
def test_each_demo_source_is_what_the_traffic_rules_make_of_its_visit(source: demo.Source) -> None:
    seen = logparse.landing(f"/products{source.query}".encode(), source.referrer.encode(), demo.SITE_HOST)
    assert seen.source == source.word
    fields = source.order_fields()
    assert fields["source"] in TRAFFIC_WORDS
    assert (fields["utm_source"], fields["utm_medium"]) == (seen.utm_source, seen.utm_medium)


def test_the_demo_mix_covers_the_six_words_with_weibo_and_wechat() -> None:
    assert {s.word for s in demo.SOURCES if s.orders} == TRAFFIC_WORDS
    tagged = {s.order_fields()["utm_source"] for s in demo.SOURCES}
    assert {"weibo", "wechat"} <= tagged


MAPPING = """
[columns]
order_ref = "Order"
ordered_at = "Date"
sku = "SKU"
quantity = "Qty"
unit_price = "Price"
channel = "Channel"
source = "Source"
utm_source = "utm_source"
utm_medium = "utm_medium"
utm_campaign = "utm_campaign"

[options]
date_format = "%Y-%m-%d %H:%M"
timezone = "Asia/Shanghai"
default_status = "completed"
"""
HEADER = "Order,Date,SKU,Qty,Price,Channel,Source,utm_source,utm_medium,utm_campaign\n"


def _import(session: Session, body: str):  # type: ignore[no-untyped-def]
    with clock.frozen(FROZEN_AT):
        return import_orders(session=session, actor=CLERK, content=(HEADER + body).encode(),
                             mapping=parse_mapping(MAPPING), source="web.csv")


def test_the_order_import_keeps_the_source_and_utm_tags(session: Session) -> None:
    seed(session)
    _import(session, "W-1,2026-03-01 10:00,TEE-01,1,99.00,web,Search,,,\n"
                     "W-2,2026-03-01 11:00,MUG-01,1,35.50,web,,weibo,social,春季\n"
                     "W-2,,MUG-01,1,35.50,,,,,\n"
                     "P-1,2026-03-02 09:00,CAP-01,1,10.00,phone,,,,\n")
    kept = {r[0]: tuple(r[1:]) for r in session.execute(text(
        "SELECT external_ref, source, utm_source, utm_medium, utm_campaign FROM sales_order"))}
    assert kept == {"W-1": ("search", "", "", ""), "W-2": ("", "weibo", "social", "春季"), "P-1": ("", "", "", "")}


@pytest.mark.parametrize(("cells", "said"), [
    ("web,two words,,,", "must be one word"),
    ("web,," + "x" * 101 + ",,", "utm_source"),
    ("web,weibo,,\x07bell,", "utm_medium"),
])
def test_a_bad_source_cell_refuses_the_file_and_names_its_line(session: Session, cells: str, said: str) -> None:
    seed(session)
    with pytest.raises(InvalidInput) as refused:
        _import(session, "W-1,2026-03-01 10:00,TEE-01,1,99.00,web,,,,\n"
                         f"W-2,2026-03-01 11:00,MUG-01,1,35.50,{cells}\n")
    assert said in str(refused.value) and "line 3" in str(refused.value)
    assert session.execute(text("SELECT count(*) FROM sales_order")).scalar_one() == 0
