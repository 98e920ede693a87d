"""No import circles in the core: among the modules of ``shoptui.services`` and ``shoptui.store``, and
among the domain packages; and the offers engine (pure functions on carts and rules) reads no store.

The graph is grimp's (the one import-linter checks): it parses every ``import`` statement, including
the ones inside functions, so a lazy import is a dependency like any other (proved below on a tiny
package). A failure names each circle as a chain ``a -> b -> ... -> a``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import grimp
import pytest

CORE = ("shoptui.services", "shoptui.store")
ENGINE = ("shoptui.services.pricing.engine", "shoptui.services.pricing.rounding")
STORE_CODE = ("shoptui.models", "shoptui.db", "shoptui.store", "sqlmodel", "sqlalchemy")


def _circles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan, iterative), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return sorted(found)


def _chain(graph: Mapping[str, set[str]], component: list[str]) -> list[str]:
    """A shortest circle through the component's first module, inside the component: [a, b, ..., a]."""
    inside = set(component)
    start = component[0]
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in sorted(graph[node] & inside):
                if target == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [*reversed(path), start]
                if target not in came_from:
                    came_from[target] = node
                    following.append(target)
        frontier = following
    raise AssertionError(f"{component} is not a circle")


def _report(graph: Mapping[str, set[str]]) -> list[str]:
    return [" -> ".join(_chain(graph, component)) + f"   ({len(component)} in the circle: {', '.join(component)})"
            for component in _circles(graph)]


def _module_graph(graph: grimp.ImportGraph, keep: Callable[[str], str | None]) -> dict[str, set[str]]:
    """``importer -> {imported}`` between the names ``keep`` gives (None drops a module; self-loops dropped)."""
    edges: dict[str, set[str]] = {}
    for module in graph.modules:
        name = keep(module)
        if name is None:
            continue
        edges.setdefault(name, set())
        for imported in graph.find_modules_directly_imported_by(module):
            target = keep(imported)
            if target is not None and target != name:
                edges[name].add(target)
                edges.setdefault(target, set())
    return edges


def _in_core(module: str) -> bool:
    return any(module == root or module.startswith(root + ".") for root in CORE)


def _domain(module: str) -> str | None:
    """``shoptui.services.orders.lifecycle`` -> ``shoptui.services.orders``; the store is one package."""
    if not _in_core(module):
        return None
    parts = module.split(".")
    return ".".join(parts[:3]) if parts[1] == "services" else "shoptui.store"


@pytest.fixture(scope="module")
def shoptui_graph() -> grimp.ImportGraph:
    return grimp.build_graph("shoptui", include_external_packages=True, cache_dir=None)


def test_no_circles_between_core_modules(shoptui_graph: grimp.ImportGraph) -> None:
    graph = _module_graph(shoptui_graph, lambda m: m if _in_core(m) else None)
    assert len(graph) > 50  # the services really were read
    circles = _report(graph)
    assert not circles, "import circles between modules:\n" + "\n".join(circles)


def test_no_circles_between_domain_packages(shoptui_graph: grimp.ImportGraph) -> None:
    """The domains layer: if orders uses sales, nothing in sales uses orders (even through a third)."""
    graph = _module_graph(shoptui_graph, _domain)
    assert {"shoptui.services.orders", "shoptui.services.pricing", "shoptui.store"} <= set(graph)
    circles = _report(graph)
    assert not circles, "import circles between domain packages:\n" + "\n".join(circles)


@pytest.mark.parametrize("module", ENGINE)
def test_offers_engine_reads_no_store(shoptui_graph: grimp.ImportGraph, module: str) -> None:
    """The engine prices plain carts with plain rules: nothing it imports, directly or not, is store code."""
    upstream = shoptui_graph.find_upstream_modules(module)
    assert upstream  # it does import something (errors, rounding), so the graph knows it
    def chain(to: str) -> str:
        return " -> ".join(shoptui_graph.find_shortest_chain(importer=module, imported=to) or [to])

    store = sorted(m for m in upstream if m.startswith(STORE_CODE))
    assert not store, f"{module} reaches store code:\n" + "\n".join(chain(m) for m in store[:5])
    services = sorted(m for m in upstream if m.startswith("shoptui.services.") and m not in ENGINE)
    assert not services, f"{module} reaches other services:\n" + "\n".join(chain(m) for m in services[:5])


def test_circles_are_found_and_named() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"f"}, "f": {"e"}, "g": {"g"}}
    assert _circles(graph) == [["a", "b", "c"], ["e", "f"]]
    assert _report(graph) == ["a -> b -> c -> a   (3 in the circle: a, b, c)", "e -> f -> e   (2 in the circle: e, f)"]


def test_an_import_inside_a_function_is_a_dependency(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A lazy import does not hide a circle from this test."""
    package = tmp_path / "lazycircle"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "low.py").write_text("def later():\n    from lazycircle import high\n    return high.VALUE\n")
    (package / "high.py").write_text("from lazycircle import low\nVALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("lazycircle", include_external_packages=False, cache_dir=None)
    edges = _module_graph(graph, lambda m: m if m != "lazycircle" else None)
    assert _report(edges) == ["lazycircle.high -> lazycircle.low -> lazycircle.high"
                              "   (2 in the circle: lazycircle.high, lazycircle.low)"]

