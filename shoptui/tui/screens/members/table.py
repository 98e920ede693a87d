"""The members list's table: columns that fit the width, short plain-text cells, keyed by member id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text

from shoptui.tui.screens.members.common import MembersMeta
from shoptui.tui.text import cell
from shoptui.tui.widgets.paged_table import PagedTable

if TYPE_CHECKING:
    from shoptui.services.members import MemberRead

WIDE_FROM = 110
"""Body width (columns) from which the list also shows email and the day the member joined."""


@dataclass(frozen=True)
class Columns:
    """Column widths for a body width (each includes a one-column gap); 0 hides a column."""

    name: int
    phone: int
    email: int
    tier: int
    points: int
    credit: int
    last: int
    joined: int

    @property
    def wide(self) -> bool:
        """Whether email and joined are shown."""
        return self.email > 0


def columns_for(width: int) -> Columns:
    """Widths that fill ``width`` cells: the name (and, when wide, the email) take what the others leave."""
    if width >= WIDE_FROM:
        fixed = 17 + 10 + 10 + 12 + 11 + 11 + 1  # + scrollbar
        rest = max(30, width - fixed)
        email = min(34, rest // 2)
        return Columns(name=rest - email, phone=17, email=email, tier=10, points=10, credit=12, last=11, joined=11)
    fixed = 15 + 8 + 8 + 10 + 11 + 1
    return Columns(name=max(12, width - fixed), phone=15, email=0, tier=8, points=8, credit=10, last=11, joined=0)


HEADERS = (("name", "Name", False), ("phone", "Phone", False), ("email", "Email", False), ("tier", "Tier", False),
           ("points", "Points", True), ("credit", "Credit", True), ("last", "Last order", False),
           ("joined", "Joined", False))


class MembersTable(PagedTable[int, "MemberRead"]):
    """One row per member, keyed by id; the screen decides the widths (:func:`columns_for`) and the meta."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(parse_key=int, **kwargs)
        self.columns_now = columns_for(72)
        self.meta = MembersMeta()

    def set_columns(self, columns: Columns) -> None:
        """Make the headers for these widths (the rows must be added again)."""
        self.columns_now = columns
        self.clear(columns=True)
        for key, label, right in HEADERS:
            width = getattr(columns, key)
            if width:
                self.add_column(cell(label, width, right=right), key=key, width=width)

    def member_cells(self, member: MemberRead, meta: MembersMeta) -> list[Text]:
        """The cells of one member for the current widths."""
        c = self.columns_now
        values: list[tuple[str, str, bool]] = [
            ("name", member.name, False), ("phone", member.phone or "–", False), ("email", member.email or "–", False),
            ("tier", member.tier_name, False), ("points", f"{member.points_balance:,}", True),
            ("credit", meta.store.money(member.credit_balance_minor), True),
            ("last", meta.store.day(member.last_order_at), False), ("joined", meta.store.day(member.joined_at), False),
        ]
        return [cell(value, getattr(c, key), right=right) for key, value, right in values if getattr(c, key)]

    def row_cells(self, item: MemberRead) -> list[Text]:
        return self.member_cells(item, self.meta)

    def item_key(self, item: MemberRead) -> int:
        return item.id

    def current_id(self) -> int | None:
        """The id of the highlighted member (None when the list is empty)."""
        return self.current_key()
