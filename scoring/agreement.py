"""Agreement between reviewers on ordinal grades: pure functions over (item, reviewer, level) triples.

Exact and within-one agreement are the share of reviewer pairs, over items graded by two or more reviewers,
whose levels are equal or differ by at most one.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations
from typing import Hashable, Iterable

Rating = tuple[Hashable, str, float]  # (item, reviewer, level)


def _by_item(ratings: Iterable[Rating]) -> dict[Hashable, dict[str, float]]:
    items: dict[Hashable, dict[str, float]] = defaultdict(dict)
    for item, reviewer, level in ratings:
        if level is not None:
            items[item][reviewer] = float(level)
    return {k: v for k, v in items.items() if len(v) >= 2}


def pair_agreement(ratings: Iterable[Rating], tolerance: float = 0.0) -> tuple[float | None, int]:
    """Share of reviewer pairs within `tolerance` of each other, and the number of items with 2+ grades."""
    items = _by_item(ratings)
    pairs = agree = 0
    for levels in items.values():
        for a, b in combinations(levels.values(), 2):
            pairs += 1
            agree += abs(a - b) <= tolerance
    return (agree / pairs if pairs else None), len(items)
