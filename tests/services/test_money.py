"""Money is parsed from and printed as exact decimal strings, never through float."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shoptui.errors import InvalidInput
from shoptui.money import format_money, parse_basis_points, parse_money


@pytest.mark.parametrize(
    ("text", "digits", "minor"),
    [("12.50", 2, 1250), ("12.5", 2, 1250), ("12", 2, 1200), ("0.05", 2, 5), ("¥1,234.56", 2, 123456),
     ("1000", 0, 1000), ("1.234", 3, 1234), ("12.50", 0 + 2, 1250), ("12.500", 2, 1250), ("１２．５", 2, 1250),
     # one rule for digits of any script (shoptui.typed): Arabic-Indic and full-width read as ASCII
     ("١٢", 2, 1200), ("١٢.٥", 2, 1250), ("１，２３４．５", 2, 123450), ("1,234,567.50", 2, 123456750),
     ("12,345", 0, 12345)],
)
def test_parse_money(text: str, digits: int, minor: int) -> None:
    assert parse_money(text, digits) == minor


@pytest.mark.parametrize(
    ("text", "message"),
    [("12.345", "more decimals than the currency allows"), ("1e3", "is not an amount"), ("abc", "is not an amount"),
     ("", "is not an amount"), ("-5", "cannot be negative"), ("12.5.0", "is not an amount"),
         ("1,5", "a comma only separates thousands"), ("12,34", "a comma only separates thousands"),
         ("1,2345", "a comma only separates thousands"), (",5", "a comma only separates thousands"),
         ("1,234,5", "a comma only separates thousands"), ("１,５", "a comma only separates thousands"),
     ("999999999999999", "too large"), ("nan", "is not an amount")],
)
def test_parse_money_refuses_nonsense(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_money(text, 2, field="price")


def test_parse_money_names_the_field() -> None:
    with pytest.raises(InvalidInput, match="The price '12.345'"):
        parse_money("12.345", 2, field="price")


def test_negative_only_when_allowed() -> None:
    assert parse_money("-3.10", 2, allow_negative=True) == -310


@pytest.mark.parametrize(("minor", "digits", "text"), [(1250, 2, "12.50"), (-5, 2, "-0.05"), (0, 2, "0.00"),
                                                       (7, 0, "7"), (1234, 3, "1.234")])
def test_format_money(minor: int, digits: int, text: str) -> None:
    assert format_money(minor, digits) == text


@given(st.integers(min_value=-(10**14), max_value=10**14), st.integers(min_value=0, max_value=4))
def test_format_then_parse_is_identity(minor: int, digits: int) -> None:
    assert parse_money(format_money(minor, digits), digits, allow_negative=True) == minor


def test_basis_points() -> None:
    assert parse_basis_points("12.5%") == 1250
    assert parse_basis_points("100") == 10_000
    with pytest.raises(InvalidInput, match="between 0 and 100%"):
        parse_basis_points("101")
    with pytest.raises(InvalidInput, match="not a percentage"):
        parse_basis_points("1.234")
