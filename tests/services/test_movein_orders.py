"""The order mapping's combined columns (a list of columns joined by a space), as the built-in mappings use them."""

from __future__ import annotations

import pytest

from shoptui.errors import InvalidInput
from shoptui.services.orders.importing import OrderImportRefused, add_combined, import_orders, parse_mapping
from tests.services.orders_helpers import CLERK, seed

MAPPING = """
[columns]
order_ref = "Order"
ordered_at = "Date"
status = ["Paid", "Shipped"]
customer_name = ["First", "Last"]
sku = "SKU"
quantity = "Qty"
unit_price = "Price"

[status_map]
"yes yes" = "completed"
"yes" = "paid"
"no" = "unpaid"
"""


def test_a_list_of_columns_is_one_cell_of_their_words() -> None:
    mapping = parse_mapping(MAPPING)
    assert mapping.columns["status"] == "Paid + Shipped"
    assert mapping.combined == {"Paid + Shipped": ["Paid", "Shipped"], "First + Last": ["First", "Last"]}
    content = ("Order,Date,Paid,Shipped,First,Last,SKU,Qty,Price\n"
               "A,2024-03-01,yes,yes,Zoë,Müller,TEE-01,1,99\n"
               "A,,,,,,MUG-01,1,35.50\n").encode()
    assert add_combined(content, mapping.combined, "f.csv").decode().splitlines() == [
        "Order,Date,Paid,Shipped,First,Last,SKU,Qty,Price,Paid + Shipped,First + Last",
        "A,2024-03-01,yes,yes,Zoë,Müller,TEE-01,1,99,yes yes,Zoë Müller",
        "A,,,,,,MUG-01,1,35.50,,",  # an empty cell still means "as above"
    ]


def test_orders_import_through_combined_columns_and_keep_their_line_numbers(session) -> None:  # type: ignore[no-untyped-def]
    seed(session)
    mapping = parse_mapping(MAPPING)
    content = ("Order,Date,Paid,Shipped,First,Last,SKU,Qty,Price\n"
               "A,2024-03-01,yes,yes,Zoë,Müller,TEE-01,1,99\n"
               "B,2024-03-02,yes,,Li,Na,MUG-01,1,35.50\n"
               "C,2024-03-03,maybe,,,,CAP-01,1,10\n").encode()
    with pytest.raises(OrderImportRefused, match=r"line 4: the status 'maybe' of order C is not one of"):
        import_orders(session=session, actor=CLERK, content=content, mapping=mapping, source="f.csv")
    report = import_orders(session=session, actor=CLERK, content=content.replace(b"maybe", b"no"), mapping=mapping,
                           source="f.csv", dry_run=True)
    assert (report.orders_created, report.order_lines) == (3, 3)


@pytest.mark.parametrize(("columns", "message"), [
    ('status = ["Paid"]', "the list for status must name two or more CSV columns"),
    ('status = ["Paid", 3]', "the list for status must name two or more CSV columns"),
    ('status = ["Paid", ""]', "the list for status must name two or more CSV columns"),
])
def test_a_bad_list_is_refused(columns: str, message: str) -> None:
    text = MAPPING.replace('status = ["Paid", "Shipped"]', columns)
    with pytest.raises(InvalidInput, match=message):
        parse_mapping(text)


def test_a_listed_column_the_file_lacks_is_named() -> None:
    with pytest.raises(InvalidInput, match=r"names the column 'Shipped', but f.csv has no such column"):
        add_combined(b"Order,Date,Paid,First,Last\n", parse_mapping(MAPPING).combined, "f.csv")
