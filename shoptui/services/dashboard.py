"""Dashboard figures: every module adds its own through the registry."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlmodel import Session

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Figure:
    """One KPI card: a title, its value as text, a line of detail, and a severity for colour."""

    key: str
    title: str
    value: str
    detail: str = ""
    severity: str = "normal"  # normal, good, warning, error
    order: int = 100
    mode: str | None = None  # the screen that explains the figure


def all_figures(*, session: Session) -> list[Figure]:
    """Figures from every module, in order."""
    from shoptui import modules

    figures: list[Figure] = []
    for reference in modules.references("dashboard"):
        figures.extend(modules.load(reference)(session=session))
    return sorted(figures, key=lambda f: (f.order, f.key))
