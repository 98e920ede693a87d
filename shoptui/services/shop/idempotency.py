"""``--idempotency-key``: a retried command changes nothing and gives back its first result.

The one place the mechanism lives. The caller runs it inside the same transaction as the work,
so the key and the change land together or not at all. The key is claimed before the work with
``INSERT ... ON CONFLICT DO NOTHING`` (``store.unique.insert_ignore``): two retries racing each other
take turns on both engines, and the second gets the first one's result, never a unique violation.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col

from shoptui import clock
from shoptui.errors import Conflict, InvalidInput
from shoptui.models._types import table_of
from shoptui.models.store import IdempotencyRecord
from shoptui.services.shop.audit import json_safe
from shoptui.store import unique


@dataclass(frozen=True)
class Outcome:
    """What a changing command did: one line for people and a JSON-able result for scripts."""

    message: str
    data: Any = None
    replayed: bool = False


def fingerprint(command: str, arguments: dict[str, Any]) -> str:
    """A digest of a command and its arguments: a key replays only the very same request."""
    text = json.dumps({"command": command, "arguments": arguments}, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def run_once(
    *, session: Session, key: str | None, command: str, action: Callable[[], Outcome], fingerprint: str | None = None,
) -> Outcome:
    """Run ``action`` unless ``key`` was used before; then return the stored first outcome.

    ``fingerprint`` (see :func:`fingerprint`) is kept with the key: the same key with other arguments
    is refused instead of replaying a result that belongs to a different request.
    """
    if key is None:
        return action()
    key = key.strip()
    if not key or len(key) > 200:
        raise InvalidInput("An idempotency key must be 1 to 200 characters long.")
    record = session.get(IdempotencyRecord, key)
    if record is not None:
        return _replay(record, key, command, fingerprint)
    with session.begin_nested():  # an action that fails takes the claimed key back with it
        # claim the key first (ON CONFLICT DO NOTHING): a retry racing this one waits for it to commit
        # (PostgreSQL) or queues behind it (SQLite's single writer), then finds the key and replays
        if not unique.insert_ignore(session, table_of(IdempotencyRecord),
                                    {"key": key, "command": command, "fingerprint": fingerprint, "message": "",
                                     "result": None, "created_at": clock.now()}):
            record = session.get(IdempotencyRecord, key, populate_existing=True)
            assert record is not None
            return _replay(record, key, command, fingerprint)
        outcome = action()
        session.execute(update(IdempotencyRecord).where(col(IdempotencyRecord.key) == key).values(
            message=outcome.message, result=json_safe(outcome.data)))
    return outcome


def _replay(record: IdempotencyRecord, key: str, command: str, fingerprint: str | None) -> Outcome:
    """The stored first outcome of ``key``; Conflict when it was used for another command or arguments."""
    if record.command != command:
        raise Conflict(
            f"The idempotency key {key!r} was already used for '{record.command}', not '{command}': this key "
            "was used for a different command. Use a new key for a different operation."
        )
    if record.fingerprint is not None and fingerprint is not None and record.fingerprint != fingerprint:
        raise Conflict(
            f"The idempotency key {key!r} was already used for '{command}' with other arguments: this key was "
            "used for a different command. Use a new key, or repeat the first command exactly."
        )
    return Outcome(message=record.message, data=record.result, replayed=True)
