"""The table of a keyset-paged list: the rows shown, the cursor for the next page, and keeping the cursor row.

Every list screen (products, orders, stock levels, members, customers, returns) shows a list the
service pages by a key: a first page of about two screens, then the next page when the cursor (or the
scroll position) nears the last loaded row. The screen reads pages in its own worker (its filters and
its service differ); this table holds what is shown and decides when more is wanted:

- ``items``: the shown items by key, in list order; ``current()`` is the highlighted one.
- ``show_page(items, next_after, append=…)``: a first page replaces the rows (the cursor stays on the
  same key, or on ``select``), a later one appends the rows not shown yet.
- ``next_after`` / ``loading_more``: the cursor of the next page and whether it is being read; the
  table asks the screen's ``load_more(after)`` hook when the cursor comes within ``prefetch`` rows
  of the end (``action_more`` does it at once).
- ``redraw()``: the rows again through the ``cells`` hook (new widths, a new currency), cursor kept.

The hooks are plain callables: ``cells(item)`` formats a row for the current widths, ``key(item)``
names it. Row keys in the underlying DataTable are ``str(key)``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any, ClassVar, Generic, TypeVar

from rich.text import Text
from textual.widgets import DataTable

from shoptui.tui.text import cell

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)

PREFETCH_ROWS = 10
"""Load the next page when the cursor is this close to the last loaded row."""


def page_size(screen_height: int, least: int = 40) -> int:
    """About two screens of rows: enough to scroll a little, never the whole table."""
    return max(least, 2 * screen_height)


Head = tuple[str, int, bool, str]
"""A column: label, width (including its one-column gap), right-aligned, key."""


class PagedTable(DataTable[Text], Generic[K, T]):
    """Rows of a keyset-paged list keyed by ``key(item)``; the screen gives the row formatter and the page loader."""

    def __init__(self, *, cells: Callable[[T], Sequence[Text]] | None = None, key: Callable[[T], K] | None = None,
                 load_more: Callable[[str], None] | None = None, parse_key: Callable[[str], K] | None = None,
                 prefetch: int = PREFETCH_ROWS, **kwargs: Any) -> None:
        kwargs.setdefault("zebra_stripes", True)
        super().__init__(cursor_type="row", cell_padding=0, **kwargs)
        self.items: dict[K, T] = {}
        self.next_after: str | None = None
        self.loading_more = False
        self.prefetch = prefetch
        self._cells = cells
        self._key = key
        self._load_more = load_more
        self._parse_key: Callable[[str], Any] = parse_key or str

    # ------------------------------------------------------------ hooks

    def row_cells(self, item: T) -> Sequence[Text]:
        """The cells of one row for the current widths (the ``cells`` hook; subclasses may override)."""
        assert self._cells is not None, "PagedTable needs cells= or a row_cells override"
        return self._cells(item)

    def item_key(self, item: T) -> K:
        """The key of an item (the ``key`` hook; subclasses may override)."""
        assert self._key is not None, "PagedTable needs key= or an item_key override"
        return self._key(item)

    def set_loader(self, load_more: Callable[[str], None]) -> None:
        """The hook that starts reading the page after a cursor (the screen's worker)."""
        self._load_more = load_more

    # ------------------------------------------------------------ columns

    def set_heads(self, heads: Iterable[Head]) -> None:
        """Make the columns (the rows go with them: ``redraw`` puts them back)."""
        self.clear(columns=True)
        for label, width, right, key in heads:
            self.add_column(cell(label, width, right=right), key=key, width=width)

    # ------------------------------------------------------------ rows

    def current_key(self) -> K | None:
        """The key of the highlighted row (None when empty, or while the cursor is past the rows)."""
        if not self.row_count:
            return None
        try:
            value = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except Exception:  # the cursor is past the rows while they are rebuilt
            return None
        return None if value is None else self._parse_key(value)

    def current(self) -> T | None:
        """The highlighted item, if any."""
        key = self.current_key()
        return None if key is None else self.items.get(key)

    def find(self, target: K) -> K | None:
        """The shown key that ``target`` names (itself when shown); a subclass may also accept a part of a key."""
        return target if target in self.items else None

    def move_to(self, target: K | None) -> bool:
        """Put the cursor on the row ``target`` names (see :meth:`find`) when it is shown; whether it is."""
        key = None if target is None else self.find(target)
        if key is None:
            return False
        self.move_cursor(row=self.get_row_index(str(key)), animate=False)
        return True

    def add_item(self, item: T) -> bool:
        """Append one row (unless its key is shown already); whether it was added."""
        key = self.item_key(item)
        if key in self.items:
            return False
        self.items[key] = item
        self.add_row(*self.row_cells(item), key=str(key))
        return True

    def show_page(self, items: Iterable[T], next_after: str | None, *, append: bool,
                  select: K | None = None) -> None:
        """A page arrived: a first page replaces the rows (cursor kept on ``select`` or the same key), a later one appends."""
        keep = select if select is not None else self.current_key()
        with self.app.batch_update():
            if not append:
                self.clear_items()
            for item in items:
                self.add_item(item)
            if not append:
                self.move_to(keep)
        self.next_after = next_after
        self.loading_more = False

    def clear_items(self) -> None:
        """Remove every row (the columns stay)."""
        self.items = {}
        self.clear()

    def redraw(self, keep: K | None = None) -> None:
        """Every shown row again through the formatter (new widths or new figures); the cursor stays."""
        keep = keep if keep is not None else self.current_key()
        items = list(self.items.values())
        with self.app.batch_update():
            self.clear_items()
            for item in items:
                self.add_item(item)
        self.move_to(keep)

    def repaint_cell(self, key: K, column: str, value: Text) -> None:
        """Change one cell of a shown row (a selection mark)."""
        if key in self.items:
            self.update_cell(str(key), column, value)

    # ------------------------------------------------------------ paging

    def more_below(self, otherwise: str = "") -> str:
        """``" · more below"`` for the status line while there is a next page (else ``otherwise``)."""
        return " · more below" if self.next_after else otherwise

    def wants_more(self, row: int | None = None) -> bool:
        """Whether the next page should be read: there is one, it is not on its way, and the cursor (``row``)
        or the bottom of the view is within ``prefetch`` rows of the last loaded row."""
        if self.next_after is None or self.loading_more:
            return False
        last_visible = int(self.scroll_y) + self.size.height
        return max(self.cursor_row if row is None else row, last_visible) >= len(self.items) - self.prefetch

    def maybe_load_more(self) -> None:
        """Read the next page when the cursor or the scroll position nears the last loaded row."""
        if self.wants_more():
            self.action_more()

    def action_more(self) -> None:
        """Read the next page now (when there is one and it is not being read)."""
        if self.next_after and not self.loading_more and self._load_more is not None:
            self.loading_more = True
            self._load_more(self.next_after)

    def _on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.wants_more(event.cursor_row):
            self.action_more()


class PagedList:
    """The scaffolding of a list screen whose list is ``self.table`` (a :class:`PagedTable`) showing ``self.filters``.

    The screen writes its page worker, ``load_page(filters, after, limit, select=None)``, which posts a message
    whose handler calls :meth:`take_page`; the rest is here: the first page and a reload, the next page when the
    table asks, filters that change, and (for a screen with ``selected``) selecting rows.
    """

    PAGE_LEAST: ClassVar[int] = 40
    """The fewest rows a page has (on a short terminal)."""

    table: PagedTable[Any, Any]
    filters: Any
    selected: set[Any]

    @property
    def rows(self) -> dict[Any, Any]:
        """The items shown, by key, in list order."""
        return self.table.items

    @property
    def next_after(self) -> str | None:
        """The cursor of the next page (None: the list is complete)."""
        return self.table.next_after

    def current(self) -> Any:
        """The highlighted item, if any."""
        return self.table.current()

    # ------------------------------------------------------------ loading

    def load_page(self, filters: Any, after: str | None, limit: int, select: Any = None) -> object:
        """Read one page for ``filters`` after the cursor ``after`` (the screen's worker: a ``@work`` method,
        so what it returns is the Worker)."""
        raise NotImplementedError

    def page_limit(self) -> int:
        """How many rows a page has: about two screens."""
        return page_size(self.table.app.size.height, self.PAGE_LEAST)

    def first_page(self, select: Any = None) -> None:
        """Read the list from its first page (the cursor goes to ``select``, else stays on the same key)."""
        self.load_page(self.filters, None, self.page_limit(), select)

    def reload(self, select: Any = None) -> None:
        """Read the list again from its first page, as many rows as are shown (the cursor stays on the same row)."""
        keep = select if select is not None else self.table.current_key()
        self.load_page(self.filters, None, max(self.page_limit(), len(self.rows)), keep)

    def _load_more(self, after: str) -> None:
        self.load_page(self.filters, after, self.page_limit())

    def action_more(self) -> None:
        """The next page."""
        self.table.action_more()

    def take_page(self, filters: Any, items: Iterable[Any], next_after: str | None, *, append: bool,
                  select: Any = None) -> bool:
        """Show a page that arrived; False (and nothing shown) when it was read for filters no longer chosen."""
        if filters != self.filters:
            self.table.loading_more = False
            return False
        self.table.show_page(items, next_after, append=append, select=select)
        return True

    def set_filters(self, filters: Any) -> bool:
        """Show the list for ``filters`` from its first page; False when they are the ones shown."""
        if filters == self.filters:
            return False
        self.filters = filters
        self.table.next_after = None  # the shown rows' next page is not the new list's
        self.first_page()
        return True

    # ------------------------------------------------------------ selection

    def paint_selection(self, key: Any) -> None:
        """Show whether the row ``key`` is selected (the screen's mark)."""

    def selection_changed(self) -> None:
        """The selection changed (the screen updates its status line and keys)."""

    def toggle_selected(self) -> None:
        """Select or unselect the highlighted row, then move down."""
        key = self.table.current_key()
        if key is None:
            return
        self.selected.symmetric_difference_update({key})
        self.paint_selection(key)
        self.table.action_cursor_down()
        self.selection_changed()

    def select_page(self) -> None:
        """Select every loaded row, or none when all of them are selected."""
        everything = set(self.rows)
        self.selected = set() if everything <= self.selected else everything
        with self.table.app.batch_update():
            for key in self.rows:
                self.paint_selection(key)
        self.selection_changed()
