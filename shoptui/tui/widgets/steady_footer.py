"""A footer that rebuilds its keys only when what it shows changes, and only on the screen in front.

Textual's ``Footer`` recomposes (a new widget per key, each styled from scratch) every time its
screen publishes a bindings update, and screens publish several while one opens or another is
left (focus, the screen stack, the first rows): opening the products screen from the dashboard
rebuilt the same keys six times, more than half of its cost. This one compares what it would show
with what it shows, rebuilds at most once per refresh, and leaves a screen that is not in front
alone until it comes back.

It also never shows a clipped key: Textual's footer lays every key out in one row and cuts what
does not fit mid-word (``^p paletteS``, ``w Return st`` at 80 columns). This one shows the keys
that fit whole, in order, keeping room for the F1 key (which lists them all) and the palette key;
the rest are a key press away in F1 and in the command palette. In a dialog, whose own keys hide
the app's, it adds the F1 key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.screen import Screen

HELP_ACTION = "help"
"""The app's action that lists every key (F1); its key is always shown."""

Shown = tuple[Binding, bool, str]


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
        return bindings, self.show_command_palette, self.compact, self._width()

    def _width(self) -> int:
        return self.size.width or self.app.size.width

    def _key_width(self, binding: Binding, *, palette: bool = False) -> int:
        """Cells one key takes in this footer (key, description, padding, margin or border)."""
        key = cell_len(self.app.get_key_display(binding))
        description = cell_len(binding.description)
        if self.compact:
            width = key + (1 + description if description else 0)
            return width + 1  # the palette key's border, or every other key's right margin
        return key + 2 + (description + 1 if description else 0) + (2 if palette else 0)

    def _help_binding(self) -> Binding | None:
        """The app's F1 binding, for a dialog whose own keys hide it (it still works: it is a priority key)."""
        for binding in Binding.make_bindings(getattr(self.app, "BINDINGS", [])):
            if binding.action == HELP_ACTION:
                return binding
        return None

    def keys_to_show(self) -> tuple[list[Shown], Shown | None]:
        """The keys that fit whole, in order (F1 always among them), and the palette key."""
        active = self.screen.active_bindings
        keys: list[Shown] = []
        seen: set[str] = set()
        for _, binding, enabled, tooltip in active.values():
            if binding.show and binding.action not in seen:  # one key per action, as Textual's footer
                seen.add(binding.action)
                keys.append((binding, enabled, tooltip))
        if not any(binding.action in (HELP_ACTION, f"app.{HELP_ACTION}") for binding, _, _ in keys):
            help_binding = self._help_binding()
            if help_binding is not None:
                keys.append((Binding(help_binding.key, f"app.{HELP_ACTION}", help_binding.description,
                                     id=help_binding.id), True, help_binding.tooltip))
        palette: Shown | None = None
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            found = active.get(self.app.COMMAND_PALETTE_BINDING)
            if found is not None:
                palette = (found[1], found[2], found[1].tooltip or found[1].description)
        room = self._width() - (self._key_width(palette[0], palette=True) if palette else 0)
        room -= sum(self._key_width(b) for b, _, _ in keys if b.action.endswith(HELP_ACTION))
        fitting: list[Shown] = []
        for shown in keys:
            binding = shown[0]
            if binding.action.endswith(HELP_ACTION):
                fitting.append(shown)
                continue
            width = self._key_width(binding)
            if width <= room:
                fitting.append(shown)
                room -= width
        return fitting, palette

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        keys, palette = self.keys_to_show()
        for binding, enabled, tooltip in keys:
            yield FooterKey(binding.key, self.app.get_key_display(binding), binding.description, binding.action,
                            disabled=not enabled, tooltip=tooltip).data_bind(compact=Footer.compact)
        if palette is not None:
            binding, enabled, tooltip = palette
            yield FooterKey(binding.key, self.app.get_key_display(binding), binding.description, binding.action,
                            classes="-command-palette", disabled=not enabled, tooltip=tooltip)

    def on_resize(self) -> None:
        if self._bindings_ready and not self._rebuild_pending and self.is_attached:
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild)

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
