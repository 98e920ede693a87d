"""The module registry: each module of the shop describes itself in one file here.

A descriptor names its parts by import path (strings), so discovering the modules costs nothing
and ``shoptui --help`` never loads the database layer or Textual. The shell (sidebar, dashboard,
global search, ``db check``, settings, CLI) iterates the registry; adding a module never means
editing a list in the shell. This package must import nothing heavier than the standard library.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from functools import cache
from typing import Any


@dataclass(frozen=True)
class Screen:
    """A sidebar entry: its mode name, label, key and the screen class by import path.

    ``short`` is the name the narrow sidebar shows (at 80 columns): one word of up to 9 letters
    ("Stock" for "Inventory"); it defaults to the label. The sidebar lists the entries by key
    (the home screen, then F-keys in order, then ctrl keys), so ``order`` only breaks ties.

    ``permissions``: the screen is of use only to an account holding one of these (the sidebar, its key and
    the command palette leave it out for the others); empty: every account uses some part of it (what it
    may not do there is greyed by the screen's own ``PERMISSIONS`` map, see ``tui/screens/base.py``).
    """

    mode: str
    label: str
    key: str
    target: str  # "package.module:ClassName"
    order: int = 100
    short: str = ""
    permissions: tuple[str, ...] = ()

    @property
    def short_label(self) -> str:
        """The name shown when the sidebar is narrow."""
        return self.short or self.label


@dataclass(frozen=True)
class Command:
    """A command group of the CLI: its name, its Typer app by import path, and its one-line help.

    The help is written here so ``shoptui --help`` lists every group without importing any of them;
    a test checks it matches the group's own help.
    """

    name: str
    target: str  # "shoptui.cli.x:app" (a typer.Typer)
    help: str


@dataclass(frozen=True)
class ModuleSpec:
    """What one module adds to the shell. Every reference is ``"package.module:attribute"``."""

    name: str
    order: int = 100
    cli: tuple[Command, ...] = ()
    screens: tuple[Screen, ...] = ()
    settings: tuple[str, ...] = ()  # -> list[SettingDef]
    search: tuple[str, ...] = ()  # -> fn(session, text, limit) -> list[SearchHit]
    dashboard: tuple[str, ...] = ()  # -> fn(session) -> list[Figure]
    checks: tuple[str, ...] = ()  # -> fn(session) -> list[str] problems
    extra: dict[str, Any] = field(default_factory=dict)


def load(reference: str) -> Any:
    """Import ``"package.module:attribute"`` and return the attribute."""
    module_name, _, attribute = reference.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attribute) if attribute else module


@cache
def all_modules() -> tuple[ModuleSpec, ...]:
    """Every module descriptor, in sidebar order."""
    found: list[ModuleSpec] = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        spec = getattr(importlib.import_module(f"{__name__}.{info.name}"), "MODULE", None)
        if isinstance(spec, ModuleSpec):
            found.append(spec)
    return tuple(sorted(found, key=lambda m: (m.order, m.name)))


def screens() -> list[Screen]:
    """Every sidebar entry of every module, in order."""
    return sorted((s for m in all_modules() for s in m.screens), key=lambda s: (s.order, s.mode))


def commands() -> dict[str, Command]:
    """Every CLI command group of every module, by name, in sidebar order."""
    return {c.name: c for m in all_modules() for c in m.cli}


def references(kind: str) -> list[str]:
    """Every reference of one kind (``"search"``, ``"dashboard"``, ``"checks"``, ``"settings"``)."""
    return [ref for m in all_modules() for ref in getattr(m, kind)]
