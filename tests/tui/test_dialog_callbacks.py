"""The typed push_screen callbacks of the screen kit: a Confirm acts on yes only, a form on a save only."""

from __future__ import annotations

import pytest

from shoptui.tui.widgets.confirm import if_yes
from shoptui.tui.widgets.form import if_saved


@pytest.mark.parametrize(("answer", "runs"), [(True, 1), (False, 0), (None, 0)])
def test_a_confirm_callback_acts_on_yes_only(answer: bool | None, runs: int) -> None:
    calls: list[str] = []
    answered = if_yes(lambda: calls.append("done"))
    assert answered(answer) is None  # what the action returns (a worker) never reaches Textual
    assert calls == ["done"] * runs


@pytest.mark.parametrize(("result", "runs"), [({"sku": "TEE-01"}, 1), (0, 1), ("", 1), (False, 1), (None, 0)])
def test_a_form_callback_acts_when_the_form_saved_whatever_it_saved(result: object, runs: int) -> None:
    calls: list[object] = []
    closed = if_saved(lambda: calls.append("reload"))
    assert closed(result) is None
    assert calls == ["reload"] * runs
