"""Moving in from the command line: customer import --from, order import --from / --print-mapping, refusals."""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import col, select

from shoptui import db
from shoptui.models.customers import Customer
from shoptui.models.orders import Order, OrderLine
from shoptui.services import orders
from tests.cli.conftest import store_digest
from tests.services.orders_helpers import add_product
from tests.services.test_movein_customers import us_store

DATA = Path(__file__).parent.parent / "data"


@pytest.fixture
def us(store: str) -> str:
    """A US store with the two products the sample orders sell."""
    with db.transaction(store) as session:
        us_store(session)
        add_product(session, "TEE-M", 2400, title="Organic Tee - M")
        add_product(session, "TOTE-1", 2000, title="Canvas Tote")
    db.dispose_all()
    return store


def _ok(result) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _orders(store: str) -> list[tuple]:  # type: ignore[type-arg]
    with db.read_session(store) as session:
        found = []
        for order in session.exec(select(Order).order_by(col(Order.id))).all():
            customer = session.get(Customer, order.customer_id) if order.customer_id else None
            lines = session.exec(select(OrderLine).where(OrderLine.order_id == order.id)
                                 .order_by(col(OrderLine.position))).all()
            found.append((order.external_ref, order.channel, order.created_at, order.status, order.payment_status,
                          order.fulfilment_status, customer.name if customer else None, order.customer_email,
                          order.ship_country, order.ship_province, order.ship_city, order.ship_postal_code,
                          order.currency, order.total_minor,
                          [(line.sku, line.title, line.quantity, line.unit_price_minor, line.line_total_minor)
                           for line in lines]))
        return found


def test_customer_import_dry_run_then_import_then_again(shop, us: str) -> None:  # type: ignore[no-untyped-def]
    file = str(DATA / "shopify_customers.csv")
    before = store_digest(us)
    out = _ok(shop("customer", "import", file, "--from", "shopify", "--as-members", "--dry-run"))
    assert "Zoë Müller" in out and "new customer" in out and "join" in out
    assert ("Would import 4 rows of shopify_customers.csv (shopify): 4 created, 0 updated, 0 unchanged, 0 skipped; "
            "4 members would join, 0 already members. Converted: 2 phones to E.164;") in " ".join(out.split())
    assert "Dropped: line 4: the phone '12' is not a phone (imported without it);" in " ".join(out.split())
    assert store_digest(us) == before
    out = _ok(shop("customer", "import", file, "--from", "shopify", "--as-members"))
    assert out.startswith("Imported 4 rows of shopify_customers.csv (shopify): 4 created")
    shown = json.loads(_ok(shop("customer", "show", "zoe.mueller@example.com", "--json")))
    assert (shown["tags"], shown["prior_order_count"], shown["prior_spent"], shown["currency"]) == (
        ["newsletter", "vip"], 3, "245.50", "USD")
    after = store_digest(us)
    again = json.loads(_ok(shop("customer", "import", file, "--from", "shopify", "--as-members", "--json")))
    assert (again["created"], again["updated"], again["unchanged"], again["members_already"]) == (0, 0, 4, 4)
    assert store_digest(us) == after


@pytest.mark.parametrize(("args", "code", "message"), [
    (("customer", "import", "nope.csv", "--from", "shopify"), 1, "error: There is no file nope.csv."),
    (("customer", "import", str(DATA), "--from", "shopify"), 1, "is a folder; name the exported CSV file in it."),
    (("customer", "import", str(DATA / "shopify_customers.csv"), "--from", "magento"), 1,
     "error: The format 'magento' is not one of shopify, woocommerce."),
    (("customer", "import", str(DATA / "shopify_orders.csv"), "--from", "shopify"), 1,
     "error: shopify_orders.csv is not a shopify customers export: it has no First Name, Last Name column."),
    (("customer", "import", str(DATA / "shopify_customers.csv")), 2, "--from"),
    (("order", "import", str(DATA / "shopify_orders.csv")), 2,
     "error: Give --mapping MAP.toml or --from shopify|woocommerce (one of the two)."),
    (("order", "import", "--print-mapping"), 2, "error: --print-mapping prints a built-in mapping"),
    (("order", "import", "--from", "etsy", "--print-mapping"), 1, "error: The format 'etsy' is not one of shopify, "
     "woocommerce."),
    (("order", "import", str(DATA / "shopify_customers.csv"), "--from", "shopify"), 1,
     "error: The mapping names the column 'Financial Status', but shopify_customers.csv has no such column."),
])
def test_refusals_are_one_line_and_change_nothing(shop, us: str, args: tuple[str, ...], code: int,  # type: ignore[no-untyped-def]
                                                  message: str) -> None:
    before = store_digest(us)
    result = shop(*args)
    assert result.exit_code == code, result.stdout
    assert message in result.stderr
    if code == 1:
        assert len(result.stderr.strip().splitlines()) == 1
    assert store_digest(us) == before


def test_shopify_orders_with_the_built_in_mapping(shop, us: str) -> None:  # type: ignore[no-untyped-def]
    _ok(shop("customer", "import", str(DATA / "shopify_customers.csv"), "--from", "shopify"))
    file = str(DATA / "shopify_orders.csv")
    before = store_digest(us)
    out = " ".join(_ok(shop("order", "import", file, "--from", "shopify", "--dry-run")).split())
    assert out.startswith("Would import 3 orders (4 lines) from 4 rows of shopify_orders.csv")
    assert ("Converted: Financial Status + Fulfillment Status 'paid fulfilled' to completed (1 order); Financial "
            "Status + Fulfillment Status 'pending unfulfilled' to unpaid (1 order); Financial Status + Fulfillment "
            "Status 'refunded fulfilled' to cancelled (1 order). Dropped: the columns Paid at, Accepts Marketing, "
            "Currency, Subtotal, Shipping, Taxes, Total,") in out
    assert "Refunded Amount" in out.split("Dropped:")[1]
    assert store_digest(us) == before
    _ok(shop("order", "import", file, "--from", "shopify"))
    assert _orders(us) == [
        ("#1001", "imported", datetime(2024, 3, 1, 18, 15, 32, tzinfo=UTC), "completed", "paid", "delivered",
         "Zoë Müller", "zoe.mueller@example.com", "US", "OR", "Portland", "97201", "USD", 6800,
         [("TEE-M", "Organic Tee - M", 2, 2400, 4800), ("TOTE-1", "Canvas Tote", 1, 2000, 2000)]),
        ("#1002", "imported", datetime(2024, 3, 5, 3, 58, 10, tzinfo=UTC), "cancelled", "unpaid", "unfulfilled",
         "娜 李", "li.na@example.cn", "CN", "SH", "Shanghai", "200001", "USD", 2400,
         [("TEE-M", "Organic Tee - M", 1, 2400, 2400)]),
        ("#1003", "imported", datetime(2024, 3, 7, 21, 40, tzinfo=UTC), "open", "unpaid", "unfulfilled",
         "Olivia Brown", "olivia.brown@example.com", "", "", "", "", "USD", 2000,
         [("TOTE-1", "Canvas Tote", 1, 2000, 2000)]),
    ]
    after = store_digest(us)
    again = json.loads(_ok(shop("order", "import", file, "--from", "shopify", "--json")))
    assert (again["orders_created"], again["orders_skipped"], again["format"]) == (0, 3, "shopify")
    assert store_digest(us) == after


def test_woocommerce_orders_with_the_built_in_mapping(shop, us: str) -> None:  # type: ignore[no-untyped-def]
    _ok(shop("customer", "import", str(DATA / "woocommerce_customers.csv"), "--from", "woocommerce"))
    _ok(shop("order", "import", str(DATA / "woocommerce_orders.csv"), "--from", "woocommerce"))
    assert _orders(us) == [
        ("301", "imported", datetime(2024, 4, 2, 18, 5, tzinfo=UTC), "completed", "paid", "delivered",
         "Björn Ångström", "bjorn@example.se", "SE", "", "Stockholm", "111 51", "USD", 4320,
         [("TEE-M", "Organic Tee - M", 2, 2400, 4320)]),
        ("302", "imported", datetime(2024, 4, 9, 13, 12, tzinfo=UTC), "cancelled", "unpaid", "unfulfilled",
         "Amélie Poulain", "amelie@example.fr", "", "", "", "", "USD", 2000,
         [("TOTE-1", "Canvas Tote", 1, 2000, 2000)]),
        ("303", "imported", datetime(2024, 4, 10, 21, 45, tzinfo=UTC), "open", "paid", "unfulfilled",
         "Sam Lee", "sam@example.com", "US", "NY", "New York", "10118", "USD", 6400,
         [("TEE-M", "Organic Tee - M", 1, 2400, 2400), ("TOTE-1", "Canvas Tote", 2, 2000, 4000)]),
    ]
    with db.read_session(us) as session:
        assert len(session.exec(select(Customer)).all()) == 3  # every order found its imported customer


def test_orders_in_another_currency_are_refused(shop, us: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    file = tmp_path / "eur.csv"
    file.write_bytes((DATA / "shopify_orders.csv").read_bytes().replace(b",USD,", b",EUR,"))
    before = store_digest(us)
    result = shop("order", "import", str(file), "--from", "shopify", "--create-missing")
    assert result.exit_code == 1
    assert "line 2: the order is in EUR, the store sells in USD" in result.stderr
    assert store_digest(us) == before


@pytest.mark.parametrize("fmt", ["shopify", "woocommerce"])
def test_print_mapping_starts_a_custom_mapping_that_imports_the_same(shop, us: str, fmt: str,  # type: ignore[no-untyped-def]
                                                                     tmp_path: Path) -> None:
    text = _ok(shop("order", "import", "--from", fmt, "--print-mapping"))
    assert text == orders.builtin_mapping_text(fmt)
    assert tomllib.loads(text)["columns"]["order_ref"] in ("Name", "order_number")
    mapping = tmp_path / "mine.toml"
    mapping.write_text(text, encoding="utf-8")
    file = str(DATA / f"{fmt}_orders.csv")
    custom = json.loads(_ok(shop("order", "import", file, "--mapping", str(mapping), "--create-missing", "--dry-run",
                                 "--json")))
    builtin = json.loads(_ok(shop("order", "import", file, "--from", fmt, "--create-missing", "--dry-run", "--json")))
    assert {k: builtin[k] for k in custom} == custom
    assert custom["orders_created"] == 3
