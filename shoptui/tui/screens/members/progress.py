"""A member's way to the next tier as one line of text: figures first, then a bar that reads without colour."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from shoptui.tui.text import plain

if TYPE_CHECKING:
    from shoptui.services.members.views import TierProgress
    from shoptui.tui.screens.members.common import MembersMeta

FULL, EMPTY = "█", "░"


def bar(done: int, total: int, width: int = 12) -> str:
    """``████░░░░░░░░`` for done/total (full when total is 0 or done reaches it)."""
    if width <= 0:
        return ""
    filled = width if total <= 0 else min(width, done * width // total)
    return FULL * filled + EMPTY * (width - filled)


def progress_text(progress: TierProgress, meta: MembersMeta, *, bar_width: int = 10) -> Text:
    """``Next Gold ████░░░░░░ spent 1200.00 of 2000.00 in 12 months · 800.00 to go``"""
    months = f"{progress.window_months} month{'s' if progress.window_months != 1 else ''}"
    if progress.basis == "spend":
        reached = f"spent {meta.store.money(progress.spend_minor)}"
    else:
        reached = f"{progress.orders} paid order{'s' if progress.orders != 1 else ''}"
    if progress.next_code is None or progress.next_threshold is None:
        return plain(f"Top tier · {reached} in the last {months}")
    if progress.basis == "spend":
        target = f"of {meta.store.money(progress.next_threshold)}"
        to_go = meta.store.money(progress.to_go)
    else:
        target = f"of {progress.next_threshold}"
        to_go = f"{progress.to_go} order{'s' if progress.to_go != 1 else ''}"
    line = plain("Next ")
    line.append(f"{progress.next_name}", style="bold")
    line.append(f" {bar(progress.reached, progress.next_threshold, bar_width)} {reached} {target} in {months} · ")
    if progress.to_go == 0:
        line.append("reached: moves at the next recalculation", style="bold")
    else:
        line.append(f"{to_go} to go")
    return line
