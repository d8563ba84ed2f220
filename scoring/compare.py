"""Rounds over time: what changed between two rounds, a series per site and criterion, and each round's means.

A comparison works on plain snapshots of rounds (final levels with provenance, index scores, ranks) and
matches sites by id and criteria by id. Only cells graded in both rounds have a delta; a cell graded in one
round only is counted as not comparable, never as a change from or to zero. Sites present in one round only
are listed as new or vanished. Warnings flag what makes a comparison weaker: a different rubric or rubric
version, criteria that exist in one round only, few cells graded in both. The means of every round, each
over its own graded sites (`trend`), follow a country's sites over many rounds even where the sites
themselves changed (a 2010 study of twenty ministries, a later audit of today's); they are not paired changes.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Sequence

FEW_COMMON = 0.5  # warn when fewer than half the cells of the shared sites and criteria are graded in both rounds


@dataclass(frozen=True)
class Snapshot:
    """One round's final grades, as the comparison needs them."""

    name: str
    date: str
    rubric_id: str
    rubric_version: str
    criteria: tuple[str, ...]
    sites: dict[str, str]  # site id -> display name
    cells: dict[tuple[str, str], tuple[float | None, str]]  # (site, criterion) -> (level, provenance)
    scores: dict[str, float | None] = field(default_factory=dict)
    ranks: dict[str, int | None] = field(default_factory=dict)


@dataclass(frozen=True)
class CellChange:
    site_id: str
    criterion: str
    before: float
    after: float
    delta: float
    before_provenance: str
    after_provenance: str


@dataclass(frozen=True)
class SiteChange:
    site_id: str
    compared: int  # criteria graded in both rounds
    mean_delta: float | None  # mean of those criteria's deltas
    improved: int
    declined: int
    before_score: float | None
    after_score: float | None
    before_rank: int | None
    after_rank: int | None


@dataclass(frozen=True)
class CriterionChange:
    criterion: str
    compared: int
    before_mean: float | None
    after_mean: float | None
    improved: int
    declined: int


@dataclass(frozen=True)
class Note:
    """A warning about the comparison: a code and its parameters, worded by whoever shows it."""

    code: str  # rubric-differs | criteria-only-before | criteria-only-after | few-common-cells
    params: dict


@dataclass(frozen=True)
class Comparison:
    before: Snapshot
    after: Snapshot
    common_sites: list[str]
    new_sites: list[str]
    vanished_sites: list[str]
    common_criteria: list[str]
    changes: list[CellChange]  # every cell graded in both rounds
    not_comparable: int  # cells of shared sites and criteria graded in one round only
    sites: list[SiteChange]
    criteria: list[CriterionChange]
    notes: list[Note]

    @property
    def improved(self) -> list[CellChange]:
        return sorted((c for c in self.changes if c.delta > 0), key=lambda c: (-c.delta, c.site_id, c.criterion))

    @property
    def declined(self) -> list[CellChange]:
        return sorted((c for c in self.changes if c.delta < 0), key=lambda c: (c.delta, c.site_id, c.criterion))

    @property
    def unchanged(self) -> int:
        return sum(1 for c in self.changes if c.delta == 0)


def _mean(xs: Sequence[float]) -> float | None:
    return round(statistics.fmean(xs), 4) if xs else None


def compare(before: Snapshot, after: Snapshot) -> Comparison:
    """Deltas per cell, per site and per criterion between two rounds, with new and vanished sites."""
    notes: list[Note] = []
    if (before.rubric_id, before.rubric_version) != (after.rubric_id, after.rubric_version):
        notes.append(Note("rubric-differs", {"before": f"{before.rubric_id} {before.rubric_version}",
                                             "after": f"{after.rubric_id} {after.rubric_version}"}))
    only_before = [c for c in before.criteria if c not in after.criteria]
    only_after = [c for c in after.criteria if c not in before.criteria]
    if only_before:
        notes.append(Note("criteria-only-before", {"criteria": only_before}))
    if only_after:
        notes.append(Note("criteria-only-after", {"criteria": only_after}))
    common_sites = sorted(set(before.sites) & set(after.sites))
    new_sites = sorted(set(after.sites) - set(before.sites))
    vanished = sorted(set(before.sites) - set(after.sites))
    crits = [c for c in after.criteria if c in before.criteria]
    changes: list[CellChange] = []
    not_comparable = 0
    for sid in common_sites:
        for cid in crits:
            b_level, b_prov = before.cells.get((sid, cid), (None, "missing"))
            a_level, a_prov = after.cells.get((sid, cid), (None, "missing"))
            if b_level is None and a_level is None:
                continue
            if b_level is None or a_level is None:
                not_comparable += 1
                continue
            changes.append(CellChange(sid, cid, b_level, a_level, round(a_level - b_level, 4), b_prov, a_prov))
    possible = len(common_sites) * len(crits)
    if possible and len(changes) < FEW_COMMON * possible:
        notes.append(Note("few-common-cells", {"compared": len(changes), "possible": possible}))
    by_site: dict[str, list[CellChange]] = {}
    by_crit: dict[str, list[CellChange]] = {}
    for ch in changes:
        by_site.setdefault(ch.site_id, []).append(ch)
        by_crit.setdefault(ch.criterion, []).append(ch)
    sites = []
    for sid in common_sites:
        mine = by_site.get(sid, [])
        sites.append(SiteChange(sid, len(mine), _mean([c.delta for c in mine]), sum(c.delta > 0 for c in mine),
                                sum(c.delta < 0 for c in mine), before.scores.get(sid), after.scores.get(sid),
                                before.ranks.get(sid), after.ranks.get(sid)))
    criteria = []
    for cid in crits:
        mine = by_crit.get(cid, [])
        criteria.append(CriterionChange(cid, len(mine), _mean([c.before for c in mine]), _mean([c.after for c in mine]),
                                        sum(c.delta > 0 for c in mine), sum(c.delta < 0 for c in mine)))
    return Comparison(before, after, common_sites, new_sites, vanished, crits, changes, not_comparable, sites,
                      criteria, notes)


def series(snapshots: Sequence[Snapshot]) -> dict[tuple[str, str], list[float | None]]:
    """Each (site, criterion)'s final level in every snapshot, in order (None where absent or ungraded)."""
    keys = sorted({k for s in snapshots for k in s.cells})
    return {k: [s.cells.get(k, (None, "missing"))[0] for s in snapshots] for k in keys}


@dataclass(frozen=True)
class RoundMean:
    """One round's grades of one criterion: how many sites it had, how many were graded, their mean."""

    round: str
    date: str
    criterion: str
    sites: int
    graded: int
    mean: float | None


def trend(snapshots: Sequence[Snapshot], criteria: Sequence[str]) -> list[RoundMean]:
    """Each criterion's mean final level in every snapshot, in the order given, over that round's graded sites."""
    out = []
    for snap in snapshots:
        for cid in criteria:
            levels = [snap.cells[(sid, cid)][0] for sid in snap.sites
                      if (sid, cid) in snap.cells and snap.cells[(sid, cid)][0] is not None]
            out.append(RoundMean(snap.name, snap.date, cid, len(snap.sites), len(levels), _mean(levels)))
    return out
