"""Modules call each other only through public names: no ``other_module._private`` anywhere in shoptui.

A leading underscore says "this module's own business"; a module that reaches into another's
private helpers ties the two together behind the API's back (issue 12: the catalogue import called
``products._required_text``, members called ``points._consume``, orders called ``_members_api``).
When one module needs another's helper, the helper gets a public name and a docstring.

The check reads every module with ``ast`` (nothing is imported): it flags an attribute starting
with one underscore read from a name bound to an imported module (``import a.b as m``,
``from a import b`` where ``a.b`` is a module of shoptui) and ``from a.b import _name``. Dunder
names (``__table__``) and a module's own private names are fine.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "shoptui"
SKIP = {"migrations"}  # Alembic revisions: generated, never imported by the app

# (file relative to the repository, "module._name") -> why it is allowed; keep it empty if you can
ALLOWED: dict[tuple[str, str], str] = {}


def _is_shoptui_module(dotted: str) -> bool:
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_uses(source: str, *, package: str = "shoptui") -> list[tuple[int, str]]:
    """(line, "module._name") for every use of another module's private name in ``source``."""
    tree = ast.parse(source)
    modules: set[str] = set()  # names bound to imported modules
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                modules.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the package (only the part that matters here)
                base = ".".join(filter(None, [package, base]))
            for alias in node.names:
                if _is_shoptui_module(f"{base}.{alias.name}"):
                    modules.add(alias.asname or alias.name)
                elif _private(alias.name):
                    found.append((node.lineno, f"{base}.{alias.name}"))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and _private(node.attr) and isinstance(node.value, ast.Name)
                and node.value.id in modules):
            found.append((node.lineno, f"{node.value.id}.{node.attr}"))
    return sorted(found)


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if not SKIP & set(p.relative_to(PACKAGE).parts))


def test_no_module_uses_another_modules_private_names() -> None:
    files = _modules()
    assert any(p.parts[-3:-1] == ("services", "catalog") for p in files)  # the scan sees the services
    problems = []
    used_allowances = set()
    for path in files:
        rel = path.relative_to(ROOT).as_posix()
        package = ".".join(path.relative_to(ROOT).parts[:-1])
        for line, use in private_uses(path.read_text(encoding="utf-8"), package=package):
            if (rel, use) in ALLOWED:
                used_allowances.add((rel, use))
                continue
            problems.append(f"{rel}:{line}: {use}")
    assert not problems, ("Another module's private name is used; give it a public name with a docstring "
                          "(or call an existing public function):\n" + "\n".join(problems))
    assert used_allowances == set(ALLOWED), f"stale allow-list entries: {set(ALLOWED) - used_allowances}"


@pytest.mark.parametrize(("source", "expected"), [
    ("from shoptui.services.catalog import products as catalog\ncatalog._required_text('x', 'title', 5)\n",
     [(2, "catalog._required_text")]),
    ("from shoptui.services.inventory.ledger import _ensure_level\n",
     [(1, "shoptui.services.inventory.ledger._ensure_level")]),
    ("import shoptui.db as db\nwith db._translated(url): pass\n", [(2, "db._translated")]),
    ("def f():\n    from shoptui.services.pricing import terms\n    return terms._members_api()\n",
     [(3, "terms._members_api")]),
])
def test_the_check_finds_private_uses(source: str, expected: list[tuple[int, str]]) -> None:
    assert private_uses(source) == expected


def test_the_check_leaves_public_dunder_and_own_names_alone() -> None:
    source = ("from shoptui.services.catalog import products as catalog\n"
              "from shoptui.models.catalog import Product\n"
              "def _own(): return 1\n"
              "class C:\n    def m(self): return self._x\n"
              "catalog.required_text('x', 'title', 5)\n"
              "Product.__table__\n"
              "row._mapping\n"
              "_own()\n")
    assert private_uses(source) == []
