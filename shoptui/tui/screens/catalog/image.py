"""A product's cover in the terminal: the picture drawn in coloured half-cells (rich-pixels, Pillow),
else a clear box naming the file, its kind, dimensions and size.

Half-cells work in every colour terminal, over SSH and in tmux, and ask the terminal nothing (a
library that queries for sixel or kitty graphics must run before Textual owns the terminal, which
would cost every start-up a third of a second). The picture is decoded and scaled in a worker.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from shoptui.tui.text import plain

RENDER_ENV = "SHOPTUI_IMAGES"
"""Set to ``off`` to never draw pictures (slow links): the text box is shown instead (also with NO_COLOR)."""


@dataclass(frozen=True)
class ImageFacts:
    """What can be said about an image location without drawing it."""

    location: str
    is_url: bool
    exists: bool
    kind: str | None = None
    width: int | None = None
    height: int | None = None
    size_bytes: int | None = None

    @property
    def name(self) -> str:
        """The file name (or the URL)."""
        return self.location if self.is_url else Path(self.location).name

    def describe(self) -> str:
        """``PNG 64×64 · 1.2 kB`` / ``missing file`` / ``web image``."""
        if self.is_url:
            return "web image (not downloaded)"
        if not self.exists:
            return "missing file"
        parts = [self.kind or "not an image"]
        if self.width and self.height:
            parts[0] += f" {self.width}×{self.height}"
        if self.size_bytes is not None:
            parts.append(_size(self.size_bytes))
        return " · ".join(parts)


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} kB"
    return f"{size / 1024 / 1024:.1f} MB"


def _dimensions(head: bytes) -> tuple[str | None, int | None, int | None]:
    """Kind and pixel size from the first bytes of a PNG, GIF, JPEG or WebP file."""
    if head.startswith(b"\x89PNG\r\n\x1a\n") and len(head) >= 24:
        width, height = struct.unpack(">II", head[16:24])
        return "PNG", width, height
    if head[:6] in (b"GIF87a", b"GIF89a") and len(head) >= 10:
        width, height = struct.unpack("<HH", head[6:10])
        return "GIF", width, height
    if head.startswith(b"\xff\xd8"):
        index = 2
        while index + 9 < len(head):
            if head[index] != 0xFF:
                index += 1
                continue
            marker = head[index + 1]
            length = struct.unpack(">H", head[index + 2:index + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", head[index + 5:index + 9])
                return "JPEG", width, height
            index += 2 + length
        return "JPEG", None, None
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP", None, None
    return None, None, None


def image_facts(location: str) -> ImageFacts:
    """Read the kind, pixel size and byte size of an image location (files only; URLs are not fetched)."""
    if "://" in location:
        return ImageFacts(location=location, is_url=True, exists=False)
    path = Path(location)
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(64 * 1024)
    except OSError:
        return ImageFacts(location=location, is_url=False, exists=False)
    kind, width, height = _dimensions(head)
    return ImageFacts(location=location, is_url=False, exists=True, kind=kind, width=width, height=height,
                      size_bytes=size)


def pictures_enabled() -> bool:
    """Whether to draw pictures: not switched off, and colours allowed (half-cells are colour)."""
    if os.environ.get(RENDER_ENV, "").lower() in ("off", "0", "no", "false"):
        return False
    return not os.environ.get("NO_COLOR")


def picture(location: str, width: int, height: int) -> Any:
    """The image scaled to fit ``width`` cells by ``height`` cells (two pixels a cell), as a renderable."""
    from PIL import Image
    from rich_pixels import Pixels

    with Image.open(location) as image:
        image.draft("RGB", (width * 4, height * 8))  # JPEG: decode at a fraction of its size
        image.thumbnail((width, height * 2))
        return Pixels.from_image(image.convert("RGB"))


class CoverImage(Vertical):
    """The cover: a half-cell picture when possible, else a box that names the file."""

    def __init__(self, facts: ImageFacts | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.facts = facts
        self.border_title = "cover"

    def compose(self) -> ComposeResult:
        facts = self.facts
        if facts is None:
            yield Static("No images yet.", classes="cover-text", markup=False)
            yield Static("Add paths or URLs in the form (e).", classes="cover-text", markup=False)
            return
        if facts.exists and facts.kind and pictures_enabled():
            yield Static(plain(facts.name), classes="cover-name", markup=False)
            yield Static("", classes="cover-picture")
            self.draw(facts.location)
            return
        yield Static(plain(facts.name), classes="cover-name", markup=False)
        yield Static(plain(facts.describe()), classes="cover-text", markup=False)
        reason = ("The terminal shows no pictures here;" if facts.exists and facts.kind
                  else "Nothing to draw;")
        yield Static(plain(f"{reason} open the file to see it."), classes="cover-text", markup=False)

    @work(thread=True, exclusive=True, group="cover", exit_on_error=False)
    def draw(self, location: str) -> None:
        """Decode and scale the picture off the UI thread; a file that will not decode keeps its box."""
        try:
            drawn = picture(location, 24, 9)
        except Exception:
            self.app.call_from_thread(self._undrawable)
            return
        self.app.call_from_thread(self._show, drawn)

    def _show(self, drawn: Any) -> None:
        for target in self.query(".cover-picture").results(Static):
            target.update(drawn)

    def _undrawable(self) -> None:
        for target in self.query(".cover-picture").results(Static):
            target.update(plain("This file cannot be drawn; open it to see it."))
