"""Agreement between reviewers on ordinal grades: pure functions over (item, reviewer, level) triples.

An item is whatever two reviewers grade independently (a site x criterion cell). Exact and within-one agreement
are the share of reviewer pairs, over items graded by two or more reviewers, whose levels are equal or differ by
at most one. Cohen's kappa with quadratic weights compares two reviewers (with more, the mean over every pair of
reviewers who share items, Light's approach); Krippendorff's alpha with the ordinal metric takes any number of
reviewers and missing grades. Both return None where they are undefined (fewer than two paired grades, or no
variation at all, where chance agreement is already perfect). Missing levels (None: not graded, or "cannot
assess") are left out before anything is counted.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import combinations
from typing import Hashable, Iterable, Sequence

Rating = tuple[Hashable, str, float | None]  # (item, reviewer, level)
METRICS = ("kappa-quadratic", "alpha-ordinal", "exact", "within-one", "n")


def _by_item(ratings: Iterable[Rating], minimum: int = 2) -> dict[Hashable, dict[str, float]]:
    items: dict[Hashable, dict[str, float]] = defaultdict(dict)
    for item, reviewer, level in ratings:
        if level is not None:
            items[item][reviewer] = float(level)
    return {k: v for k, v in items.items() if len(v) >= minimum}


def pair_agreement(ratings: Iterable[Rating], tolerance: float = 0.0) -> tuple[float | None, int]:
    """Share of reviewer pairs within `tolerance` of each other, and the number of items with 2+ grades."""
    items = _by_item(ratings)
    pairs = agree = 0
    for levels in items.values():
        for a, b in combinations(levels.values(), 2):
            pairs += 1
            agree += abs(a - b) <= tolerance
    return (agree / pairs if pairs else None), len(items)


def quadratic_kappa(first: Sequence[float], second: Sequence[float]) -> float | None:
    """Cohen's kappa with quadratic weights for two reviewers' levels of the same items, in the same order."""
    if len(first) != len(second):
        raise ValueError(f"two reviewers' grades must pair up: {len(first)} and {len(second)} levels given")
    n = len(first)
    if n < 2:
        return None
    # With weights (i - j)^2 the kappa is 1 - observed / expected disagreement, where the expected one pairs every
    # level of the first reviewer with every level of the second (the product of the marginals, Cohen 1968).
    observed = sum((a - b) ** 2 for a, b in zip(first, second)) / n
    expected = sum((a - b) ** 2 for a in first for b in second) / (n * n)
    if expected == 0:
        return None
    return 1.0 - observed / expected


def pairwise_kappa(ratings: Iterable[Rating]) -> float | None:
    """Quadratic kappa for two reviewers; with more, the mean over reviewer pairs that share two or more items."""
    items = _by_item(ratings)
    shared: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    for levels in items.values():
        for a, b in combinations(sorted(levels), 2):
            shared[(a, b)].append((levels[a], levels[b]))
    values = [quadratic_kappa([p[0] for p in pairs], [p[1] for p in pairs]) for pairs in shared.values()]
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def ordinal_alpha(ratings: Iterable[Rating]) -> float | None:
    """Krippendorff's alpha with the ordinal metric, for any number of reviewers and missing grades."""
    items = _by_item(ratings)
    # The coincidence matrix: each ordered pair of levels within an item, weighted 1/(m - 1) for m grades.
    coincidence: Counter[tuple[float, float]] = Counter()
    for levels in items.values():
        values = list(levels.values())
        m = len(values)
        for i, a in enumerate(values):
            for j, b in enumerate(values):
                if i != j:
                    coincidence[(a, b)] += 1.0 / (m - 1)
    marginal: Counter[float] = Counter()
    for (a, _), count in coincidence.items():
        marginal[a] += count
    total = sum(marginal.values())
    if total < 2 or len(marginal) < 2:
        return None
    ranks = sorted(marginal)
    position = {v: i for i, v in enumerate(ranks)}

    def distance(a: float, b: float) -> float:
        # Ordinal metric: the marginal mass between two levels, counting each end half (Krippendorff 2011).
        lo, hi = sorted((position[a], position[b]))
        between = sum(marginal[ranks[k]] for k in range(lo, hi + 1))
        return (between - (marginal[ranks[lo]] + marginal[ranks[hi]]) / 2) ** 2

    observed = sum(count * distance(a, b) for (a, b), count in coincidence.items())
    expected = sum(marginal[a] * marginal[b] * distance(a, b) for a in ranks for b in ranks) / (total - 1)
    if expected == 0:
        return None
    return 1.0 - observed / expected


@dataclass(frozen=True)
class Agreement:
    """The agreement figures of one set of items (one criterion, or all criteria together)."""

    n_items: int  # items graded by two or more reviewers
    exact: float | None
    within_one: float | None
    kappa_quadratic: float | None
    alpha_ordinal: float | None

    def metrics(self) -> dict[str, float | None]:
        return {"kappa-quadratic": self.kappa_quadratic, "alpha-ordinal": self.alpha_ordinal, "exact": self.exact,
                "within-one": self.within_one, "n": float(self.n_items)}


def agreement(ratings: Iterable[Rating]) -> Agreement:
    """Every agreement figure for one set of ratings."""
    ratings = list(ratings)
    exact, n = pair_agreement(ratings, 0.0)
    within, _ = pair_agreement(ratings, 1.0)
    return Agreement(n, exact, within, pairwise_kappa(ratings), ordinal_alpha(ratings))


def disagreements(ratings: Iterable[Rating]) -> dict[Hashable, dict[str, float]]:
    """Items whose reviewers gave different levels, with each reviewer's level."""
    return {item: levels for item, levels in _by_item(ratings).items() if len(set(levels.values())) > 1}
