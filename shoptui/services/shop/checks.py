"""``shoptui db check``: SQLite's integrity check plus every invariant the modules register."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session


@dataclass(frozen=True)
class CheckResult:
    """One check: its name and the problems it found (none means it passed)."""

    name: str
    problems: list[str]

    @property
    def ok(self) -> bool:
        """True when nothing was found."""
        return not self.problems


def run_checks(*, session: Session) -> list[CheckResult]:
    """Run the integrity check and every registered invariant."""
    from shoptui import db, modules

    results = [CheckResult("database integrity", db.integrity_problems(session))]
    for reference in modules.references("checks"):
        check = modules.load(reference)
        name = (check.__doc__ or reference).strip().splitlines()[0].rstrip(".")
        results.append(CheckResult(name, list(check(session=session))))
    return results
