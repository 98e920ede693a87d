"""The one validator and the one display function for user-typed text (issue 11 items 4, 5, 40)."""

from __future__ import annotations

import pytest

from shoptui.errors import InvalidInput
from shoptui.text import check_text, visible


def test_visible_shows_escapes_instead_of_sending_them() -> None:
    assert visible("a\x1b[31mb\x07\u202ec") == "a\\x1b[31mb\\x07\\u202ec"
    assert visible("two\nlines\tok") == "two\nlines\tok"
    assert visible("one\nline", multiline=False) == "one\\x0aline"
    assert visible("[bold]x[/] 价格") == "[bold]x[/] 价格"


@pytest.mark.parametrize("bad", ["\x00", "\x1b", "\x7f", "\x85", "\x9b", "\u202a", "\u202e", "\u2066", "\u2069"])
def test_control_and_bidi_characters_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInput, match="control or text-direction"):
        check_text(f"Bob{bad}x", "name", 100)


def test_too_long_is_refused_with_the_limit_never_cut() -> None:
    with pytest.raises(InvalidInput, match="500 characters long; at most 100"):
        check_text("x" * 500, "name", 100)
    assert check_text("  Ann  ", "name", 100) == "Ann"
    assert check_text("", "note", 10, required=False) is None
    assert check_text("a\nb\tc", "note", 10, multiline=True) == "a\nb\tc"
    with pytest.raises(InvalidInput, match="one line"):
        check_text("a\nb", "name", 10)


def test_a_secret_is_not_quoted_in_the_refusal() -> None:
    with pytest.raises(InvalidInput) as refused:
        check_text("hunter2\x1b", "value", 100, quote=False)
    assert "hunter2" not in str(refused.value)
