"""The command palette (ctrl+p): every screen, the shell's actions and the keys of this screen."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from shoptui.tui.app import ShopApp

Command = tuple[str, str, Callable[[], Any]]

SHELL_ACTIONS: tuple[tuple[str, str, str], ...] = (
    ("search: search every module", "Put the cursor in the search box (/ or ctrl+k).", "focus_search"),
    ("notifications: open the notification centre", "Newest first; mark read, open the record (ctrl+n).",
     "notifications"),
    ("notifications: mark all read", "Mark every unread notification read.", "mark_all_read"),
    ("sidebar: show or hide", "Make the sidebar narrow (short names and keys), or wide again (ctrl+t).", "toggle_sidebar"),
    ("theme: switch dark and light", "Toggle between the dark and the light theme.", "toggle_dark"),
    ("help: keys of this screen", "Show every key of the screen beside it (F1 or ?).", "help"),
    ("staff: switch user", "Another account at this terminal: name and PIN, or name and password (F11).",
     "switch_user"),
    ("staff: lock the screen", "Cover the screen until your password is typed (it locks by itself when idle).",
     "lock"),
)


class ShopCommands(Provider):
    """Screens first, then the shell's actions, then what the current screen's keys do.

    Labels start with the module or part of the shell (``"products: new product"``). Screen
    commands come from the screen's bindings, so every key of a screen is also here.
    """

    def _commands(self) -> Iterator[Command]:
        app = cast("ShopApp", self.app)
        for entry in app.screen_entries:
            if not app.may_open(entry):
                continue
            key = app.get_key_display(_binding(entry.key))
            yield (f"{entry.label.lower()}: open", f"Go to {entry.label} ({key}).",
                   partial(app.run_action, f"go({entry.mode!r})"))
        for title, help_text, action in SHELL_ACTIONS:
            yield title, help_text, partial(app.run_action, action)
        screen = self.screen
        prefix = getattr(screen, "MODE", "") or "screen"
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if (not active.enabled or not binding.id or not binding.description or active.node is app
                    or binding.action in seen):
                continue
            seen.add(binding.action)
            key = app.get_key_display(binding)
            help_text = f"{binding.tooltip or binding.description} ({key})"
            yield (f"{prefix}: {binding.description.lower()}", help_text,
                   partial(app.run_action, binding.action, active.node))

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, text=title, help=help_text)


def _binding(key: str) -> Any:
    from textual.binding import Binding

    return Binding(key, "")
