"""ShopScreen: the base of every module's screen — top bar, sidebar, body, footer.

How a module adds a screen
--------------------------
1. Declare it in the module's descriptor (``shoptui/modules/<name>.py``)::

       Screen("products", "Products", "f2", "shoptui.tui.screens.catalog.screen:ProductsScreen", order=10)

   The shell builds its modes, sidebar, keys and command palette from these entries; the
   screen's module is imported on the first visit only, so it may import what it likes.

2. Subclass ``ShopScreen``, set ``MODE`` (the same mode name) and implement ``compose_body()``::

       class ProductsScreen(ShopScreen):
           MODE = "products"
           BINDINGS = [Binding("n", "new", "New", id="products-new", tooltip="Add a product.")]

           def compose_body(self) -> ComposeResult:
               yield DataTable(id="products")

3. Do every database call in a worker, never on the UI thread, and import the services inside
   it (so the shell keeps painting fast)::

       @work(thread=True, exclusive=True, group="products-page", exit_on_error=False)
       def load_page(self, search: str) -> None:
           from shoptui import db
           from shoptui.services.catalog import products as catalog
           with db.read_session(self.shop.db_url) as session:
               page = catalog.list_products(session=session, search=search, after=None, limit=100)
           self.post_message(self.PageLoaded(page))

   Writes run one ``db.run_transaction(work, self.shop.db_url)`` per user action (a form's ``save``
   opens ``db.transaction`` and the form retries it) and pass ``actor=self.shop.actor``; a deadlock or
   serialisation failure on the server runs the work again. A worker that fails is reported for you (see
   :class:`~shoptui.tui.workers.ReportsWorkerErrors`): a ``ShopError`` shows its sentence,
   anything else is logged and shown as "Something went wrong".

4. Implement ``open_record(kind, key)`` when the screen can show one record: global search hits
   and notification links call it after switching to the screen's mode. Map notification
   link kinds that are not mode names in the descriptor: ``extra={"record_modes": {"variant": "products"}}``.

5. Tell the operator things with ``self.shop.announce(text, severity)`` (a toast that is also
   kept in the notification centre). Reload data in ``on_screen_resume`` when it can change
   elsewhere. Every binding has an ``id``, a short label and a ``tooltip``; the footer shows the
   keys, F1 lists them all, and the command palette offers them (labelled with the screen).

6. Call ``self.loaded()`` once a page of the screen's data is shown: it posts :class:`ShopScreen.Loaded`
   after the refresh that draws it, which bubbles up to the app (tests and benchmarks wait for it).

7. Name the permission each of the screen's actions needs, in one place::

       PERMISSIONS = {"new": "catalog.edit", "delete": "delete"}

   A key whose action needs a permission the logged-in account lacks is greyed in the footer and does
   nothing (``check_action`` answers None, before the screen's own ``check_action`` is asked); the list
   is re-read after every login or switch of user (``app.signed_in``). The services refuse all the same;
   this only spares the operator a refusal. A whole screen of no use to a role is left out of the
   sidebar by its descriptor (``modules.Screen.permissions``).
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, cast
from weakref import WeakSet

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen

from shoptui.tui.widgets.sidebar import Sidebar
from shoptui.tui.widgets.steady_footer import SteadyFooter
from shoptui.tui.widgets.topbar import TopBar
from shoptui.tui.workers import ReportsWorkerErrors

if TYPE_CHECKING:
    from shoptui.tui.app import ShopApp


_GATED: WeakSet[Callable[..., bool | None]] = WeakSet()
"""The ``check_action`` wrappers :meth:`ShopScreen.__init_subclass__` made (a class that takes one over as its own
is not wrapped twice)."""


class ShopScreen(ReportsWorkerErrors, Screen[None]):
    """Top bar + sidebar + body + footer. Subclasses set MODE and implement compose_body()."""

    MODE: ClassVar[str] = ""
    """The mode name this screen is registered under (as in the module descriptor)."""

    LIVE: ClassVar[frozenset[str]] = frozenset()
    """The audit entities (``audit_entry.entity``) this screen shows: when another terminal changes one,
    :meth:`store_changed` reloads the screen (its ``on_screen_resume`` path: the list's page, cursor
    kept). Empty: the screen is not refreshed live."""

    PERMISSIONS: ClassVar[dict[str, str]] = {}
    """Action name -> the permission it needs (``shop.PERMISSIONS``); see point 7 of the module's doc."""

    AUTO_FOCUS = "#body *"
    """Focus starts in the body (not in the search box, so ``/`` and ``?`` work as keys)."""

    @dataclass
    class Loaded(Message):
        """The screen's data is on screen: posted after the refresh that drew it; bubbles to the app."""

        screen: ShopScreen
        first: bool
        """True for the screen's first data since it was made, False for a later page or a reload."""

    @property
    def shop(self) -> ShopApp:
        """The app, typed: ``db_url``, ``actor``, ``announce()``, ``report_error()``."""
        return cast("ShopApp", self.app)

    @property
    def label(self) -> str:
        """The screen's label in the sidebar."""
        entry = next((e for e in self.shop.screen_entries if e.mode == self.MODE), None)
        return entry.label if entry else self.MODE.capitalize()

    def body_width(self, width: int | None = None) -> int:
        """The body's columns for an app ``width`` (now: the app's): less the sidebar, open or collapsed, and padding."""
        width = self.app.size.width if width is None else width
        return max(40, width - (6 if self.shop.sidebar_collapsed else 24) - 2)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Every screen's own ``check_action`` is asked only after the permission map (``PERMISSIONS``) allows."""
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("check_action")
        if own is None or own in _GATED:
            return

        def check_action(self: ShopScreen, action: str, parameters: tuple[object, ...]) -> bool | None:
            if not self.permitted(action):
                return None
            return cast("bool | None", own(self, action, parameters))

        _GATED.add(check_action)
        check_action.__doc__ = own.__doc__
        # replacing the class's own method by its gated wrapper is the point here; mypy refuses any method assignment
        cls.check_action = check_action  # type: ignore[method-assign]

    def permitted(self, action: str) -> bool:
        """False when ``action`` needs a permission (``PERMISSIONS``) the logged-in account lacks."""
        needed = self.PERMISSIONS.get(action)
        return needed is None or self.shop.may(needed)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return True if self.permitted(action) else None

    def compose(self) -> ComposeResult:
        yield TopBar()
        with Horizontal(id="shell"):
            yield Sidebar(active=self.MODE)
            with Vertical(id="body"):
                yield from self.compose_body()
        yield SteadyFooter(compact=True)

    def compose_body(self) -> ComposeResult:
        """The screen's own widgets (the content area). Subclasses yield them here."""
        yield from ()

    def on_mount(self) -> None:  # Textual runs this as well as a subclass's own on_mount
        self.shop.signed_in.subscribe(self, lambda _actor: self.refresh_bindings())
        self.call_after_refresh(_freeze_long_lived)

    def loaded(self, *, first: bool) -> None:
        """Post :class:`Loaded` after the next refresh (call it once the data's widgets are updated)."""
        self.call_after_refresh(self.post_message, self.Loaded(self, first))

    def store_changed(self, entities: frozenset[str]) -> None:
        """Another terminal changed ``entities`` ("*": anything): reload when this screen shows one of them."""
        if self.LIVE and ("*" in entities or "*" in self.LIVE or entities & self.LIVE):
            self.live_reload()

    def live_reload(self) -> None:
        """Read the screen's data again as it is shown (by default its ``on_screen_resume`` path)."""
        resume = getattr(self, "on_screen_resume", None)
        if resume is not None:
            resume()

    def open_record(self, kind: str, key: str) -> None:
        """Show one record (a search hit, a notification link). Screens that show records override it."""
        self.shop.announce(f"{self.label} cannot open a {kind} ({key}).", "warning")


def _freeze_long_lived() -> None:
    """Put every object alive now (modules, classes, the screens' widgets and styles) out of the cyclic garbage
    collector's walk, once a screen is on screen.

    A full collection walked the whole app each time (a few times a minute while scanning) and held the GIL
    for 100 ms and more, so a scan waited that long to be drawn. Frozen objects are still freed when nothing
    refers to them; objects made later are collected as usual. Cycles that were garbage at that moment are
    kept, a little memory once per screen.
    """
    gc.freeze()

