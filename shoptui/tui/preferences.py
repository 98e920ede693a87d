"""The operator's preferences for this terminal: the theme and the keymap, read from the config dir.

- ``theme = "nord"`` in ``shoptui.toml`` picks one of Textual's themes (or one of the operator's own,
  ``[themes.NAME]`` tables with Textual's theme fields: ``primary = "#0178D4"``, ``dark = false`` ...).
  The command palette's "Change theme" switches it for the session.
- ``keymap.toml`` maps a binding id to keys (``search = "ctrl+f"``, ``go-orders = ["f4", "ctrl+o"]``); the
  ids are the ``id=`` of the app's and the screens' bindings (``Binding(..., id="search")``).

A file that cannot be used never stops the app: the reader returns one sentence per problem and the
app shows each as a warning, then runs with Textual's defaults for that part.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from textual.app import App
from textual.color import Color, ColorParseError
from textual.theme import Theme

from shoptui import config
from shoptui.errors import ShopError

_COLOURS = ("primary", "secondary", "warning", "error", "success", "accent", "foreground", "background",
            "surface", "panel", "boost")
_THEME_FIELDS = {item.name for item in fields(Theme)} - {"name"}


def apply(app: App[Any]) -> list[str]:
    """Register the operator's themes, pick their theme and set their keymap; the problems, one sentence each."""
    problems: list[str] = []
    try:
        for name, table in config.tui_themes().items():
            problem = _register(app, name, table)
            if problem:
                problems.append(problem)
        chosen = config.tui_theme()
        if chosen is not None:
            if chosen in app.available_themes:
                app.theme = chosen
            else:
                problems.append(f"The theme {chosen!r} in {config.config_file()} is unknown, so the default is used; "
                                "ctrl+p \"Change theme\" lists the themes.")
    except ShopError as exc:
        problems.append(str(exc))
    try:
        app.set_keymap(config.read_keymap())
    except ShopError as exc:
        problems.append(f"{exc} The default keys are used.")
    return problems


def _register(app: App[Any], name: str, table: dict[str, Any]) -> str | None:
    """Register one ``[themes.NAME]`` table as a Textual theme; the problem when it is not one."""
    where = f"[themes.{name}] in {config.config_file()}"
    unknown = sorted(set(table) - _THEME_FIELDS)
    if unknown:
        return f"{where} has {', '.join(unknown)}, which a theme does not have, so it is not used."
    if "primary" not in table:
        return f"{where} needs primary = \"#RRGGBB\", so it is not used."
    for key in _COLOURS:
        value = table.get(key)
        if value is None:
            continue
        try:
            Color.parse(value)
        except (ColorParseError, TypeError, ValueError):
            return f"{where} gives {key} = {value!r}, which is not a colour, so the theme is not used."
    try:
        theme = Theme(name=name, **table)
        theme.to_color_system()
    except (TypeError, ValueError, ColorParseError) as exc:
        return f"{where} cannot be used ({exc})."
    app.register_theme(theme)
    return None
