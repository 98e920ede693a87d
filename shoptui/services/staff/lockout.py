"""Failed attempts and the growing delay after them, per key (``login:<name>``, ``token:<address>``,
``pin:<name>``). Names that do not exist are counted like real ones, so a lockout tells nothing.

Written with one conditional statement per failure (an upsert that adds one), so several terminals
guessing at once all count.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from shoptui import clock
from shoptui.models.staff import AuthFailure
from shoptui.services import shop

FIRST_LOCK_SECONDS = 30
MAX_LOCK_SECONDS = 3600


def locked_until(session: Session, key: str) -> datetime | None:
    """When the lock on ``key`` ends, or None when it is not locked now."""
    until = session.exec(select(AuthFailure.locked_until).where(AuthFailure.key == key[:120])).first()
    if until is not None and until > clock.now():
        return until
    return None


def fail(session: Session, key: str) -> tuple[int, datetime | None]:
    """Count one failure against ``key``; returns (failures in a row, locked until when this locked it)."""
    from shoptui.models._types import table_of
    from shoptui.store import unique

    key = key[:120]
    now = clock.now()
    unique.insert_ignore(session, table_of(AuthFailure), {"key": key, "failures": 0, "locked_until": None,
                                                          "last_at": now})
    row = session.exec(select(AuthFailure).where(AuthFailure.key == key).with_for_update()).one()
    row.failures += 1
    row.last_at = now
    after = int(shop.get(session=session, key="lockout_after"))
    lock = None
    if row.failures >= after:
        seconds = min(FIRST_LOCK_SECONDS * 2 ** (row.failures - after), MAX_LOCK_SECONDS)
        lock = now + timedelta(seconds=seconds)
        row.locked_until = lock
    session.add(row)
    session.flush()
    return row.failures, lock


def clear(session: Session, key: str) -> None:
    """Forget the failures of ``key`` (a success, or an unlock)."""
    session.execute(delete(AuthFailure).where(col(AuthFailure.key) == key[:120]))


def wait_text(until: datetime) -> str:
    """"in 2 minutes" for a lock that ends then."""
    seconds = max(int((until - clock.now()).total_seconds()), 1)
    if seconds < 90:
        return f"in {seconds} seconds"
    return f"in {round(seconds / 60)} minutes"
