"""The demo store, loaded the one way for every face: ``shoptui demo load`` and the app's first run
(``shoptui --demo-if-empty``, which ``make run`` uses). One transaction: the catalogue, then what every
module adds (stock, orders, members ...); then the demo's files (its website access log) are written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shoptui.config import Actor


@dataclass
class DemoLoad:
    """What loading the demo did: counts, each module's summary, and the files written (path, how to use it)."""

    products: int = 0
    variants: int = 0
    categories: int = 0
    existing: int = 0
    """Products the store already had when ``if_empty`` left it alone (then nothing else was done)."""
    summaries: list[str] = field(default_factory=list)
    files: list[tuple[Path, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        """What to tell the operator, one sentence a line."""
        if self.existing:
            return [f"The store already has {self.existing} products; the demo catalogue was not loaded."]
        return [f"Loaded the demo catalogue: {self.products} products, {self.variants} variants, "
                f"{self.categories} categories.", *self.summaries,
                *(f"Wrote {path}: {hint}." for path, hint in self.files)]


def load(url: str | None, actor: Actor, *, if_empty: bool, folder: Path) -> DemoLoad:
    """Load the demo into the store at ``url`` as ``actor``; with ``if_empty`` nothing when it has products."""
    from shoptui import db, modules
    from shoptui.services import catalog

    done = DemoLoad()
    with db.transaction(url) as session:
        count = catalog.count_products(session=session)
        if count and if_empty:
            done.existing = count
            return done
        report = catalog.load_demo(session=session, actor=actor)
        added = [modules.load(spec.extra["demo"])(session=session, actor=actor)  # stock, orders… in this transaction
                 for spec in modules.all_modules() if spec.extra.get("demo")]
        files = [file for spec in modules.all_modules() if spec.extra.get("demo_files")
                 for file in modules.load(spec.extra["demo_files"])(session=session)]
    done.products, done.variants = report.products_created, report.variants_created
    done.categories = len(report.categories_created)
    done.summaries = [part.summary for part in added if getattr(part, "summary", "")]
    for file in files:
        path = _write_private(folder, file.name, file.text)
        done.files.append((path, file.hint.format(path=path)))
    return done


def _write_private(folder: Path, name: str, text: str) -> Path:
    """``folder / name`` written readable by the owner only (0600, a new folder 0700): the demo's sample files
    land in shoptui's data folder with the store."""
    import os

    from shoptui.config import PRIVATE_FILE_MODE, private_dir, tighten

    private_dir(folder)
    path = folder / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    tighten(path)  # a file an older shoptui left readable by others
    return path


def load_if_empty(url: str | None, actor: Actor) -> list[str]:
    """The app's first run: the demo into an empty store, its files in the shoptui data folder; what it says."""
    from shoptui import config

    return load(url, actor, if_empty=True, folder=config.data_dir()).lines()
