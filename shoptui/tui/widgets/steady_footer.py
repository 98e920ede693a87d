"""A footer that rebuilds its keys only when what it shows changes, and only on the screen in front.

Textual's ``Footer`` recomposes (a new widget per key, each styled from scratch) every time its
screen publishes a bindings update, and screens publish several while one opens or another is
left (focus, the screen stack, the first rows): opening the products screen from the dashboard
rebuilt the same keys six times, more than half of its cost. This one compares what it would show
with what it shows, rebuilds at most once per refresh, and leaves a screen that is not in front
alone until it comes back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.widgets import Footer

if TYPE_CHECKING:
    from textual.screen import Screen


class SteadyFooter(Footer):
    """``Footer`` without redundant rebuilds: same keys, same looks, same behaviour."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple[Any, ...] | None = None
        self._rebuild_pending = False

    def _signature(self) -> tuple[Any, ...]:
        """What the footer would show now: every visible binding with its state, and the palette key."""
        bindings = tuple((binding.key, binding.key_display, binding.description, binding.action, binding.group,
                          enabled, tooltip)
                         for (_, binding, enabled, tooltip) in self.screen.active_bindings.values() if binding.show)
        return bindings, self.show_command_palette, self.compact

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._rebuild_pending:
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild)

    def on_mount(self) -> None:  # Textual also runs Footer.on_mount (handlers run for each class)
        self.app.screen_change_signal.subscribe(self, self._screen_changed)

    def on_unmount(self) -> None:
        self.app.screen_change_signal.unsubscribe(self)

    def _screen_changed(self, screen: Screen[Any]) -> None:
        if screen is self.screen and self._bindings_ready:
            self.bindings_changed(screen)

    async def _rebuild(self) -> None:
        self._rebuild_pending = False
        if not self.is_attached or self.screen is not self.app.screen:
            return  # a screen behind: rebuilt when it is in front again (_screen_changed)
        signature = self._signature()
        if signature != self._shown:
            self._shown = signature
            await self.recompose()
