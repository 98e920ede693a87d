"""SQLModel tables, one module per domain.

Importing this package registers nothing: a command imports only the tables it touches, because
building every SQLModel class costs ~190 ms at start. Code that needs the whole schema (Alembic,
``db info``, merging members) calls :func:`load_all`.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache


@cache
def load_all() -> None:
    """Import every model module, registering every table on ``SQLModel.metadata``."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
