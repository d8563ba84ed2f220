"""Final grades: one level per site and criterion, with where it came from, by a declared policy.

Policy, in order: a lead's adjudication; else the reviewers' grade where every reviewer who graded the cell
gave the same level (*agreed* for two or more, *reviewer* for one); else the automated suggestion (*automated*,
with a note when reviewers disagree and wait for adjudication); else *missing*. Historical rounds carry the
study's own grades (*historical*). "Cannot assess" from a reviewer counts as no grade. The provenance travels
with the number into every table and report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

PROVENANCES = ("adjudicated", "agreed", "reviewer", "historical", "statistical", "automated", "missing")
POLICY = "adjudicated > agreed > reviewer > automated > missing"


@dataclass(frozen=True)
class ReviewerGrade:
    reviewer: str
    level: float | None
    cannot_assess: bool = False
    source: str = "web"  # web | sheet | historical
    note: str = ""


@dataclass(frozen=True)
class Final:
    level: float | None
    provenance: str
    detail: str = ""


def plain_number(x: float) -> str:
    """A level or a place as people write it: 3.0 as '3', 3.5 as '3.5'."""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def final_grade(suggested: int | None, grades: Iterable[ReviewerGrade], adjudicated: float | None = None,
                adjudication_reason: str = "") -> Final:
    """The final level of one cell and its provenance."""
    if adjudicated is not None:
        return Final(adjudicated, "adjudicated", adjudication_reason)
    graded = [g for g in grades if g.level is not None and not g.cannot_assess]
    if graded:
        levels = {g.level for g in graded}
        if len(levels) == 1:
            level = graded[0].level
            if all(g.source == "historical" for g in graded):
                return Final(level, "historical", ", ".join(sorted(g.reviewer for g in graded)))
            if len(graded) == 1:
                return Final(level, "reviewer", graded[0].reviewer)
            return Final(level, "agreed", ", ".join(sorted(g.reviewer for g in graded)))
        spread = " vs ".join(f"{g.reviewer}: {plain_number(g.level)}" for g in sorted(graded, key=lambda g: g.reviewer))
        if suggested is not None:
            return Final(float(suggested), "automated", f"reviewers disagree ({spread}); awaiting adjudication")
        return Final(None, "missing", f"reviewers disagree ({spread}); awaiting adjudication")
    if suggested is not None:
        return Final(float(suggested), "automated", "")
    return Final(None, "missing", "")


def weighted_score(levels: dict[str, float | None], weights: dict[str, float]) -> float | None:
    """Weighted mean of the graded criteria (missing ones leave the mean, not count as zero)."""
    num = den = 0.0
    for cid, level in levels.items():
        w = weights.get(cid, 0.0)
        if level is None or w <= 0:
            continue
        num += w * level
        den += w
    return round(num / den, 4) if den else None


def competition_ranks(scores: dict[str, float | None]) -> dict[str, int | None]:
    """Ranks with ties sharing the best place ("1, 2, 2, 4"); unscored sites get no rank."""
    ordered = sorted((s for s in scores.values() if s is not None), reverse=True)
    first_place: dict[float, int] = {}
    for i, s in enumerate(ordered, start=1):
        first_place.setdefault(s, i)
    return {site: (first_place[s] if s is not None else None) for site, s in scores.items()}
