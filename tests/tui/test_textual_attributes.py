"""No screen or widget of shoptui overwrites an attribute Textual keeps for itself.

A dialog that set ``self._closing`` told Textual's message pump it was already closing: the pump
then refused the messages that remove it, and the app waited forever on the dismissed receipt.
This walks every class of the TUI and every ``self._name = ...`` it writes, and fails when a
Textual base class of it writes the same private name.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
from functools import cache
from pathlib import Path

import shoptui.tui

# Overridden on purpose, with the base class's meaning kept.
MEANT = {
    ("ShopApp", "_bindings"): "merges the mode keys into App's own bindings map",
    ("SteadyFooter", "_bindings_ready"): "Footer's flag, set where Footer sets it",
    # Screen's own counter set to the app's: the first switch skips a restyle of every screen.
    ("ProductsScreen", "_css_update_count"): "a measured speed-up of the first switch",
    ("OrdersScreen", "_css_update_count"): "a measured speed-up of the first switch",
}


@cache
def _textual_private_names(cls: type) -> frozenset[str]:
    """The ``self._x`` names the class's own source assigns."""
    try:
        source = inspect.getsource(cls)
    except (OSError, TypeError):
        return frozenset()
    return frozenset(re.findall(r"self\.(_[A-Za-z]\w*)\s*(?::[^=\n]*)?=(?!=)", source))


def _assigned(node: ast.ClassDef) -> set[str]:
    names = set()
    for sub in ast.walk(node):
        targets = sub.targets if isinstance(sub, ast.Assign) else [sub.target] if isinstance(
            sub, ast.AnnAssign | ast.AugAssign) else []
        for target in targets:
            if (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                    and target.value.id == "self" and target.attr.startswith("_")
                    and not target.attr.startswith("__")):
                names.add(target.attr)
    return names


def _tui_modules() -> list[str]:
    return [m.name for m in pkgutil.walk_packages(shoptui.tui.__path__, "shoptui.tui.")]


def test_no_tui_class_writes_a_private_attribute_of_textual() -> None:
    clashes = []
    checked = 0
    for name in _tui_modules():
        module = importlib.import_module(name)
        tree = ast.parse(Path(module.__file__ or "").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef):
                continue
            cls = getattr(module, node.name, None)
            if not isinstance(cls, type):
                continue
            bases = [b for b in cls.__mro__ if b.__module__.startswith("textual.")]
            if not bases:
                continue
            checked += 1
            for attr in sorted(_assigned(node)):
                owner = next((b for b in bases if attr in _textual_private_names(b)), None)
                if owner is not None and (node.name, attr) not in MEANT:
                    clashes.append(f"{name}.{node.name}.{attr} (Textual's {owner.__qualname__} uses it)")
    assert checked > 50, "the walk found the screens and widgets"
    assert not clashes, "rename these: " + "; ".join(clashes)


def test_the_walk_catches_a_clash() -> None:
    """The check itself: a widget writing ``_closing`` is caught."""
    from textual.message_pump import MessagePump

    assert "_closing" in _textual_private_names(MessagePump)
