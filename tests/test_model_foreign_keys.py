"""Each model module, imported alone (as a command imports only the tables it touches), brings the tables its
foreign keys name: a flush sorts the tables by their keys, and a key to a table no import registered made
``order pay`` of a guest order of untracked items fail with NoReferencedTableError."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import shoptui.models

MODULES = sorted(m.name for m in pkgutil.iter_modules(shoptui.models.__path__) if not m.name.startswith("_"))

CHECK = """
import importlib, sys
from sqlmodel import SQLModel
importlib.import_module("shoptui.models." + sys.argv[1])
for table in SQLModel.metadata.tables.values():
    for key in table.foreign_keys:
        key.column  # raises NoReferencedTableError when the named table is not registered
"""


@pytest.mark.parametrize("module", MODULES)
def test_a_model_module_alone_resolves_every_foreign_key(module: str) -> None:
    done = subprocess.run([sys.executable, "-c", CHECK, module], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr.strip().splitlines()[-1]
