"""The marketing lists' table: columns sized to the width (one fills what the others leave), plain-text
cells cut with …, rows keyed by id. Narrow and wide layouts name different columns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.widgets import DataTable

from shoptui.tui.text import cell


@dataclass(frozen=True)
class Col:
    """A column: key, header, width including its gap (0: the fill column), right-aligned."""

    key: str
    label: str
    width: int = 0
    right: bool = False


def fit(columns: list[Col], width: int, *, least: int = 12) -> list[Col]:
    """The same columns with the fill column sized so a row is ``width`` wide."""
    fixed = sum(c.width for c in columns if c.width) + 1  # + scrollbar
    rest = max(least, width - fixed)
    return [c if c.width else Col(c.key, c.label, rest, c.right) for c in columns]


class MarketingTable(DataTable[Text]):
    """One row per promotion or coupon, keyed by id; the screen sets the columns for its width."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, cell_padding=0, **kwargs)
        self.columns_now: list[Col] = []

    def set_columns(self, columns: list[Col]) -> bool:
        """Make the headers for these columns; False when they are the ones shown already."""
        if columns == self.columns_now:
            return False
        self.columns_now = columns
        self.clear(columns=True)
        for c in columns:
            self.add_column(cell(c.label, c.width, right=c.right), key=c.key, width=c.width)
        return True

    def put_rows(self, rows: list[tuple[int, dict[str, str]]], keep: int | None = None) -> None:
        """Replace the rows (id, values by column key); the cursor stays on ``keep`` when it is there."""
        keep = self.current_id() if keep is None else keep
        self.clear()
        for key, values in rows:
            self.add_row(*(cell(values.get(c.key, ""), c.width, right=c.right) for c in self.columns_now),
                         key=str(key))
        if keep is not None and str(keep) in self.rows:
            self.move_cursor(row=self.get_row_index(str(keep)), animate=False)

    def current_id(self) -> int | None:
        """The id of the highlighted row (None when empty)."""
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return int(key) if key is not None else None
