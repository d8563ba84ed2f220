"""The catalogue of automated checks. Each module declares one or more `Check`s; this list is the registry.

To add a check: write a module beside these with a `Check` (id, title, criterion, requires, run, and the
features it reports with their meaning) and add it to `CHECKS` below; `docs/checks.md` is generated from this
list (`python -m scoring.checks.docs`) and a test fails if a check or feature is undocumented.
"""

from __future__ import annotations

from scoring.checks import cooperation, forms, general, languages, operations, personal, transparency
from scoring.checks.base import Check, CheckResult, Context, Evidence, run_check

CHECKS: tuple[Check, ...] = (
    languages.CHECK,
    languages.PARITY,
    general.CHECK,
    personal.CHECK,
    cooperation.CHECK,
    forms.CHECK,
    transparency.CHECK,
    operations.CHECK,
)


def get_check(check_id: str) -> Check:
    for c in CHECKS:
        if c.id == check_id:
            return c
    raise KeyError(f"unknown check {check_id!r}; known checks: {', '.join(c.id for c in CHECKS)}. "
                   "A new check is registered by adding it to CHECKS in scoring/checks/__init__.py")


def checks_for(criterion: str, checks: tuple[Check, ...] = CHECKS) -> list[Check]:
    return [c for c in checks if c.criterion == criterion]


__all__ = ["CHECKS", "Check", "CheckResult", "Context", "Evidence", "checks_for", "get_check", "run_check"]
