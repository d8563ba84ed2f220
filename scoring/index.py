"""The index and its companions: which criteria count, per-criterion distributions and summary figures.

The index of a site is the weighted mean of its final levels over the criteria that count (scoring.final's
`weighted_score`: a criterion without a grade leaves the mean instead of counting as zero), with the rubric's
weights. Judged criteria always count; an optional criterion (the statistical traffic grade) counts only
when the scorer asks for it, because it measures use, not quality, and the study reported it beside the
other grades rather than inside a total. Ranks share places on ties ("1, 2, 2, 4").
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Iterable, Sequence

from scoring.final import competition_ranks, weighted_score

__all__ = ["CriterionStats", "competition_ranks", "criterion_stats", "index_criteria", "level_bin", "weighted_score"]


def index_criteria(criteria: Iterable, include_optional: bool = False) -> list[str]:
    """Ids of the criteria that enter the index: every required one, optional ones only when asked."""
    return [c.id for c in criteria if c.weight > 0 and (include_optional or not c.optional)]


def level_bin(level: float | None) -> int | None:
    """The whole level a grade is shown and counted under: halves go up (a historical "3-4" = 3.5 counts as 4)."""
    if level is None:
        return None
    return int(math.floor(level + 0.5))


@dataclass(frozen=True)
class CriterionStats:
    counts: dict[int, int]  # whole level -> sites
    missing: int
    n: int  # sites with a grade
    mean: float | None
    median: float | None
    reviewed: int  # grades confirmed by a person (not automated, not statistical)


def criterion_stats(cells: Sequence[tuple[float | None, str]], scale: range = range(1, 6)) -> CriterionStats:
    """Distribution of one criterion's final grades: (level, provenance) per site."""
    counts = {lv: 0 for lv in scale}
    levels = [lv for lv, _ in cells if lv is not None]
    for lv in levels:
        b = level_bin(lv)
        counts[b] = counts.get(b, 0) + 1
    reviewed = sum(1 for lv, p in cells if lv is not None and p in ("adjudicated", "agreed", "reviewer", "historical"))
    return CriterionStats(counts, len(cells) - len(levels), len(levels),
                          round(statistics.fmean(levels), 4) if levels else None,
                          float(statistics.median(levels)) if levels else None, reviewed)
