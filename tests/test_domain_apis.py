"""Each service domain has one public API, its package: faces and other domains import only that.

``shoptui/services/<domain>/__init__.pyi`` lists the API as explicit re-exports (``from .variants
import find_variant as find_variant``); ``__init__.py`` hands the stub to ``lazy_loader.attach_stub``,
so ``from shoptui.services.catalog import find_variant`` loads only the module that defines it.
The faces (``shoptui.tui``, ``shoptui.cli``), ``bench`` and the modules of the other domains never
import a domain's modules directly; within a domain, modules import their siblings. Tests may import
the modules (they patch module attributes). ``/work/wt/apis_rewrite.py`` rewrote the imports.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
import types
from collections import Counter
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ROOT / "shoptui" / "services"
DOMAINS = sorted(p.parent.name for p in SERVICES.glob("*/__init__.py"))


def _domain_of(module: str) -> str | None:
    """``shoptui.services.orders.listing`` -> ``orders``; None outside the domains."""
    parts = module.split(".")
    return parts[2] if parts[:2] == ["shoptui", "services"] and len(parts) > 2 else None


def back_door_imports(graph: grimp.ImportGraph) -> list[str]:
    """``importer -> module`` for every import of a domain's module from outside that domain."""
    found = []
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            domain = _domain_of(imported)
            if domain is None or imported.count(".") < 3 or _domain_of(importer) == domain:
                continue
            lines = sorted({d["line_number"] for d in graph.get_import_details(importer=importer, imported=imported)})
            found.append(f"{importer} -> {imported} (line {', '.join(map(str, lines))})")
    return found


def _stub_names(domain: str) -> list[tuple[str, str]]:
    """(module, name) for every re-export in the domain's stub, in order."""
    tree = ast.parse((SERVICES / domain / "__init__.pyi").read_text(encoding="utf-8"))
    return [(node.module or "", alias.name) for node in tree.body if isinstance(node, ast.ImportFrom)
            for alias in node.names]


def test_there_are_domains() -> None:
    assert {"shop", "catalog", "inventory", "orders", "sales", "members", "marketing", "pricing",
            "messaging"} <= set(DOMAINS)


def test_faces_bench_and_other_domains_import_only_the_domain_apis() -> None:
    graph = grimp.build_graph("shoptui", "bench", include_external_packages=False, cache_dir=None)
    assert any(m.startswith("shoptui.tui.screens.") for m in graph.modules)  # the faces really were read
    found = back_door_imports(graph)
    assert not found, ("A face, bench or another domain imports a domain's module; import the name from the "
                       "domain package (add it to its __init__.pyi):\n" + "\n".join(found))


def test_the_check_finds_a_back_door(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check itself: a face and another domain reaching into a module are found; siblings are fine."""
    root = tmp_path / "shoptui"
    for package in ("", "services", "services/catalog", "services/orders", "tui"):
        (root / package).mkdir(exist_ok=True)
        (root / package / "__init__.py").write_text("")
    (root / "services/catalog/variants.py").write_text("def find_variant(): pass\n")
    (root / "services/catalog/products.py").write_text("from shoptui.services.catalog import variants\n")
    (root / "services/orders/lines.py").write_text("from shoptui.services.catalog.variants import find_variant\n")
    (root / "tui/screen.py").write_text("def f():\n    from shoptui.services.catalog import variants\n"
                                        "from shoptui.services import catalog\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [m for m in sys.modules if m == "shoptui" or m.startswith("shoptui.")]:
        monkeypatch.delitem(sys.modules, name)
    graph = grimp.build_graph("shoptui", include_external_packages=False, cache_dir=None)
    assert back_door_imports(graph) == [
        "shoptui.services.orders.lines -> shoptui.services.catalog.variants (line 1)",
        "shoptui.tui.screen -> shoptui.services.catalog.variants (line 2)",
    ]


@pytest.mark.parametrize("domain", DOMAINS)
def test_each_domain_package_is_its_api(domain: str) -> None:
    """The package loads its stub lazily, and every name in the stub imports, once, from its own module."""
    init = (SERVICES / domain / "__init__.py").read_text(encoding="utf-8")
    assert "lazy_loader.attach_stub(__name__, __file__)" in init
    listed = _stub_names(domain)
    twice = [name for name, n in Counter(name for _, name in listed).items() if n > 1]
    assert not twice, f"{domain} API names listed twice: {twice}"
    modules = {p.stem for p in (SERVICES / domain).glob("*.py")}
    shadowing = sorted(name for _, name in listed if name in modules)
    assert not shadowing, f"{domain} API names that are also module names (the import would replace them): {shadowing}"
    package = importlib.import_module(f"shoptui.services.{domain}")
    assert sorted(package.__all__) == sorted(name for _, name in listed)
    for module, name in listed:
        value = getattr(package, name)
        assert not isinstance(value, types.ModuleType), f"{domain}.{name} is a module"
        home = importlib.import_module(f"shoptui.services.{domain}.{module}")
        assert value is getattr(home, name)
        defined_in = getattr(value, "__module__", home.__name__)
        if isinstance(value, (type, types.FunctionType)):  # the stub names the module that defines it
            assert defined_in == home.__name__, f"{domain}.{name} is defined in {defined_in}, the stub says {module}"


def test_a_domain_api_loads_only_the_module_it_needs() -> None:
    """Importing a name from the package loads its module, not the whole domain (commands stay quick)."""
    code = ("import sys\n"
            "import shoptui.services.catalog as catalog\n"
            "before = sorted(m for m in sys.modules if m.startswith('shoptui.services.catalog.'))\n"
            "from shoptui.services.catalog import check_sku\n"
            "after = sorted(m for m in sys.modules if m.startswith('shoptui.services.catalog.'))\n"
            "print(before, 'shoptui.services.catalog.fields' in after, 'shoptui.services.catalog.transfer' in after)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["[]", "True", "False"]


def test_no_function_imports_a_domain_api_its_module_already_binds() -> None:
    """``from shoptui.services import shop`` inside a function makes ``shop`` local to all of it, so a use of
    the module's own ``shop`` elsewhere in that function fails (UnboundLocalError) when the import's branch
    did not run. A function uses the module's binding instead."""
    found = []
    for path in sorted((ROOT / "shoptui").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = {a.asname or a.name for node in tree.body if isinstance(node, ast.ImportFrom)
               and node.module == "shoptui.services" for a in node.names}
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.ImportFrom) and node.module == "shoptui.services":
                    found += [f"{path.relative_to(ROOT)}:{node.lineno}: {a.asname or a.name}" for a in node.names
                              if (a.asname or a.name) in top]
    assert not found, "a function imports again a domain API its module binds:\n" + "\n".join(found)
