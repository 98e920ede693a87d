"""The errors an operator can act on. ``str(err)`` is shown to them as is."""

from __future__ import annotations

from typing import Any


class ShopError(Exception):
    """Refused for a reason the operator can fix. str(err) is shown as is.

    ``field`` names the input field the sentence is about (a field of the service's Create/Update
    model, or the keyword argument of the service function); None when it is about no one field.
    A form marks that field.
    """

    def __init__(self, *args: object, field: str | None = None) -> None:
        super().__init__(*args)
        self.field = field


class NotFound(ShopError):
    """The record named does not exist."""


class InvalidInput(ShopError):
    """The input does not make sense (malformed, out of range, contradictory)."""


class Conflict(ShopError):
    """The store's state forbids it: duplicate key, stale edit, already shipped."""


class NotAllowed(ShopError):
    """A role or a store setting forbids it. ``permission`` names the permission missing, when one is."""

    def __init__(self, *args: object, field: str | None = None, permission: str | None = None) -> None:
        super().__init__(*args, field=field)
        self.permission = permission


class NotLoggedIn(ShopError):
    """No valid login: no session or token, an expired or revoked one, or one of another store."""


class StoreUnavailable(ShopError):
    """The store cannot be opened: missing folder, read-only, corrupt, unreachable."""


class SchemaOutOfDate(ShopError):
    """The store's schema is older (or newer) than this shoptui needs."""


def invalid_from_validation(exc: Any, sentence: str | None = None) -> InvalidInput:
    """A pydantic ``ValidationError`` of a Create/Update model as InvalidInput naming the field of its first error.

    ``sentence`` (optional) is the text shown; without it, the error's own message naming the field.
    Duck-typed (``exc.errors()``) so this module imports nothing heavy.
    """
    errors = exc.errors()
    first = errors[0] if errors else {}
    loc = tuple(str(p) for p in first.get("loc", ()))
    where = ".".join(loc)
    msg = str(first.get("msg", "invalid"))
    text = sentence if sentence is not None else (f"{where}: {msg}" if where else msg)
    return InvalidInput(text, field=loc[0] if loc else None)
