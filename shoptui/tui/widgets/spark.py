"""A dashboard strip: a titled sparkline (Textual's ``Sparkline``) with a line of caption under it.

A module offers one through its descriptor: ``extra={"dashboard_spark": "package.module:function"}``, a
function ``(session) -> Spark`` the dashboard calls in its worker (the analytics screen's 30-day sales).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Sparkline, Static

from shoptui.tui.text import plain


@dataclass(frozen=True)
class Spark:
    """What a strip shows: its title, the values (oldest first), a caption, and the mode that explains it."""

    key: str
    title: str
    values: list[int]
    caption: str
    mode: str | None = None


class SparkStrip(Vertical):
    """A sparkline in a frame with its caption (``show`` a new :class:`Spark`)."""

    DEFAULT_CSS = """
    SparkStrip { height: 5; border: round $primary; padding: 0 1; }
    SparkStrip > Sparkline { height: 2; }
    SparkStrip > .spark-caption { height: 1; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self, spark: Spark, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.spark = spark

    def compose(self) -> ComposeResult:
        yield Sparkline([float(v) for v in self.spark.values], summary_function=max)
        yield Static(plain(self.spark.caption), classes="spark-caption", markup=False)

    def on_mount(self) -> None:
        self.show(self.spark)

    def show(self, spark: Spark) -> None:
        """Show new values."""
        self.spark = spark
        self.border_title = plain(spark.title)
        self.query_one(Sparkline).data = [float(v) for v in spark.values]
        self.query_one(".spark-caption", Static).update(plain(spark.caption))
        self.tooltip = f"{spark.title}: {spark.caption}"
