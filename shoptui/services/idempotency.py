"""``--idempotency-key``: a retried command changes nothing and gives back its first result.

The one place the mechanism lives. The caller runs it inside the same transaction as the work,
so the key and the change land together or not at all; ``BEGIN IMMEDIATE`` makes two retries
racing each other take turns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from shoptui.errors import Conflict, InvalidInput
from shoptui.models.store import IdempotencyRecord
from shoptui.services.audit import json_safe


@dataclass(frozen=True)
class Outcome:
    """What a changing command did: one line for people and a JSON-able result for scripts."""

    message: str
    data: Any = None
    replayed: bool = False


def run_once(*, session: Session, key: str | None, command: str, action: Callable[[], Outcome]) -> Outcome:
    """Run ``action`` unless ``key`` was used before; then return the stored first outcome."""
    if key is None:
        return action()
    key = key.strip()
    if not key or len(key) > 200:
        raise InvalidInput("An idempotency key must be 1 to 200 characters long.")
    record = session.get(IdempotencyRecord, key)
    if record is not None:
        if record.command != command:
            raise Conflict(
                f"The idempotency key {key!r} was already used for '{record.command}', not '{command}'. "
                "Use a new key for a different operation."
            )
        return Outcome(message=record.message, data=record.result, replayed=True)
    outcome = action()
    session.add(IdempotencyRecord(key=key, command=command, message=outcome.message, result=json_safe(outcome.data)))
    session.flush()
    return outcome
