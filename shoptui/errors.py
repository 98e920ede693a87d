"""The errors an operator can act on. ``str(err)`` is shown to them as is."""

from __future__ import annotations


class ShopError(Exception):
    """Refused for a reason the operator can fix. str(err) is shown as is."""


class NotFound(ShopError):
    """The record named does not exist."""


class InvalidInput(ShopError):
    """The input does not make sense (malformed, out of range, contradictory)."""


class Conflict(ShopError):
    """The store's state forbids it: duplicate key, stale edit, already shipped."""


class NotAllowed(ShopError):
    """A role or a store setting forbids it."""


class StoreUnavailable(ShopError):
    """The store cannot be opened: missing folder, read-only, corrupt, unreachable."""


class SchemaOutOfDate(ShopError):
    """The store's schema is older (or newer) than this shoptui needs."""
