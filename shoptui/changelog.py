"""The changelog shipped with shoptui (``shoptui/data/changelog.toml``): what each version brings, printed by
``db upgrade`` after it migrated a store."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

CHANGELOG = Path(__file__).with_name("data") / "changelog.toml"


@dataclass(frozen=True)
class Release:
    """One version's entry: its number, date and the short lines of what changed."""

    version: str
    date: str
    changes: list[str]


def releases() -> list[Release]:
    """Every entry, newest first, as the file lists them."""
    raw = tomllib.loads(CHANGELOG.read_text(encoding="utf-8"))
    return [Release(str(r["version"]), str(r.get("date", "")), [str(c) for c in r.get("changes", [])])
            for r in raw.get("release", [])]


def release(version: str) -> Release | None:
    """The entry of ``version``, or None when the changelog has none."""
    return next((r for r in releases() if r.version == version), None)
