"""db.run_transaction: serialisation failures and deadlocks are run again (bounded, logged), then refused."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from shoptui import db
from shoptui.errors import Conflict


class _ServerError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"server aborted the transaction ({sqlstate})")
        self.sqlstate = sqlstate


def _aborted(sqlstate: str) -> OperationalError:
    return OperationalError("UPDATE stock_level ...", {}, _ServerError(sqlstate))


@pytest.mark.parametrize("sqlstate", ["40001", "40P01"])
def test_an_aborted_transaction_runs_again(store: str, sqlstate: str, caplog: pytest.LogCaptureFixture) -> None:
    calls = []

    def work(session: object) -> str:
        calls.append(session)
        if len(calls) == 1:
            raise _aborted(sqlstate)
        return "done"

    assert db.run_transaction(work, store) == "done"
    assert len(calls) == 2
    assert sqlstate in caplog.text


def test_retries_are_bounded_and_end_in_the_conflict_sentence(store: str) -> None:
    calls = []

    def work(session: object) -> None:
        calls.append(session)
        raise _aborted("40001")

    with pytest.raises(Conflict, match="Another terminal changed the same records"):
        db.run_transaction(work, store, attempts=3)
    assert len(calls) == 3


def test_other_failures_are_not_retried(store: str) -> None:
    calls = []

    def work(session: object) -> None:
        calls.append(session)
        raise _aborted("23505")

    with pytest.raises(OperationalError):
        db.run_transaction(work, store)
    assert len(calls) == 1


def test_the_pool_is_bounded_with_timeouts_on_a_server() -> None:
    options = db.pool_options("postgresql+psycopg://shop@db.example/shop")
    assert options["pool_size"] == db.POOL_SIZE and options["max_overflow"] == db.POOL_MAX_OVERFLOW
    assert options["pool_timeout"] == db.POOL_TIMEOUT_S
    assert options["connect_args"] == {"connect_timeout": db.CONNECT_TIMEOUT_S}
