"""A command whose transaction the server aborts (a deadlock, a serialisation failure) runs again, once
more at most a few times, and lands exactly once."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from shoptui.services import inventory
from tests.store_files import rows


class _ServerError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"server aborted the transaction ({sqlstate})")
        self.sqlstate = sqlstate


@pytest.mark.parametrize("sqlstate", ["40P01", "40001"])
def test_an_aborted_restock_runs_again_and_books_once(seeded: str, shop: Any, monkeypatch: pytest.MonkeyPatch,
                                                      sqlstate: str) -> None:
    real = inventory.restock
    calls: list[int] = []

    def restock_then_abort_once(**kwargs: Any) -> Any:
        done = real(**kwargs)
        calls.append(1)
        if len(calls) == 1:  # the server aborts the first attempt after its writes: they must roll back
            raise OperationalError("UPDATE stock_level ...", {}, _ServerError(sqlstate))
        return done

    monkeypatch.setattr(inventory, "restock", restock_then_abort_once)
    before = rows(seeded, "SELECT count(*) FROM stock_movement")[0][0]
    result = shop("stock", "restock", "TEE-01", "5")
    assert result.exit_code == 0, result.output
    assert len(calls) == 2
    assert rows(seeded, "SELECT count(*) FROM stock_movement")[0][0] == before + 1


def test_a_command_aborted_every_time_is_refused_in_one_line(seeded: str, shop: Any,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    def always_aborted(**kwargs: Any) -> Any:
        raise OperationalError("UPDATE stock_level ...", {}, _ServerError("40P01"))

    monkeypatch.setattr(inventory, "restock", always_aborted)
    before = rows(seeded, "SELECT count(*) FROM stock_movement")[0][0]
    result = shop("stock", "restock", "TEE-01", "5")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "error: Another terminal changed the same records at the same moment, so nothing was saved. Try again."]
    assert rows(seeded, "SELECT count(*) FROM stock_movement")[0][0] == before
