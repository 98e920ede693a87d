"""The screen kit's text helpers: one table cell and one signed count for every screen."""

from __future__ import annotations

import pytest

from shoptui.tui.text import cell, signed


@pytest.mark.parametrize("width", [2, 5, 12])
def test_a_cell_is_exactly_its_width_with_a_gap(width: int) -> None:
    for value in ("", "ab", "a much longer product title than fits"):
        left, right = cell(value, width), cell(value, width, right=True)
        assert left.cell_len == width and right.cell_len == width
        assert left.plain.endswith(" ") and right.plain.endswith(" ")


def test_a_long_value_is_cut_with_an_ellipsis_and_never_parsed_as_markup() -> None:
    assert cell("[bold]Basic tee[/bold]", 10).plain == "[bold]Ba… "
    assert cell("12.50", 8, right=True).plain == "  12.50 "
    assert cell("x", 4, style="bold").style == "bold"


def test_signed_counts() -> None:
    assert [signed(5), signed(-3), signed(0)] == ["+5", "-3", "0"]
