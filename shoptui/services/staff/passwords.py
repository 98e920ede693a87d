"""Passwords and PINs: argon2id hashes, the policy (length, common passwords, rotation), and secrets.

The common-passwords list ships in the package (``shoptui/data/common_passwords.txt``). A password
is refused when, ignoring case, it is on the list, or is a listed one with digits or symbols added
at the ends ("Password2026!"), or contains the account name, or is one character repeated.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from shoptui.errors import InvalidInput

if TYPE_CHECKING:
    from argon2 import PasswordHasher

MAX_PASSWORD = 256  # argon2 takes any length; a bound keeps a pasted book from costing seconds


@cache
def _hasher() -> PasswordHasher:
    # OWASP's argon2id floor (19 MiB, 2 passes): ~20 ms a check on a small machine, too slow to guess at
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)


def hash_secret(secret: str) -> str:
    """An argon2id hash of a password or PIN."""
    return str(_hasher().hash(secret))


def verify_secret(hashed: str | None, secret: str) -> bool:
    """True when ``secret`` matches ``hashed``. A missing hash still costs one check (no timing tell)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return bool(_hasher().verify(hashed or _dummy_hash(), secret)) and hashed is not None
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    return hash_secret(secrets.token_hex(16))


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of the most used passwords, lower-case."""
    text = resources.files("shoptui").joinpath("data/common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def check_password(password: str, *, name: str, min_length: int, field: str = "password") -> str:
    """The password when the policy allows it; InvalidInput saying why not (never echoing it)."""
    if not password or not password.strip():
        raise InvalidInput("The password is empty.", field=field)
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(f"The password takes at most {MAX_PASSWORD} characters.", field=field)
    if any(ord(c) < 32 or ord(c) == 127 for c in password):
        raise InvalidInput("The password holds a control character (a stray newline or escape?).", field=field)
    if len(password) < min_length:
        raise InvalidInput(f"The password needs at least {min_length} characters, not {len(password)}.", field=field)
    lowered = password.lower()
    core = re.sub(r"^[\d\W_]+|[\d\W_]+$", "", lowered)
    if lowered in common_passwords() or core in common_passwords() or len(set(lowered)) <= 2:
        raise InvalidInput("That password is one of the most used ones and easy to guess; choose another "
                           "(a few unrelated words work well).", field=field)
    if name and len(name) >= 3 and name.lower() in lowered:
        raise InvalidInput("The password must not contain the account name.", field=field)
    return password


def check_pin(pin: str) -> str:
    """A counter PIN: 4 to 8 digits, not all one digit nor a run like 1234."""
    if not re.fullmatch(r"\d{4,8}", pin or ""):
        raise InvalidInput("A PIN is 4 to 8 digits.", field="pin")
    if len(set(pin)) == 1 or pin in "01234567890" or pin in "09876543210":
        raise InvalidInput("That PIN is too easy to guess (one digit repeated, or a run); choose another.", field="pin")
    return pin


def digest(token: str) -> str:
    """The SHA-256 of a long random token (what the store keeps of it)."""
    return hashlib.sha256(token.encode()).hexdigest()
