"""Running every check on one site and turning the results into suggested levels per criterion.

Pure: artifacts in, results out. The program stores what comes back and replaces only this stage's rows.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, field

from rubric.model import Rubric
from scoring.artifacts import SiteArtifacts
from scoring.checks import CHECKS, Check, CheckResult, Context, run_check
from scoring.suggest import Suggestion, suggest


@dataclass
class SiteChecks:
    site_id: str
    results: dict[str, CheckResult] = field(default_factory=dict)  # by check id
    suggestions: dict[str, Suggestion] = field(default_factory=dict)  # by criterion id


@contextmanager
def _collector_paused():
    """The cyclic garbage collector off while a site is checked, and back as it was after.

    Checking a site builds some hundred thousand objects (links, element proxies, index entries) that all live
    until the site is done and form no reference cycles, so every collection meanwhile walks them and frees
    nothing: a tenth of the checks' time. Turned back on, it would walk them all once more at the next
    allocation; so they are first moved to the oldest generation (freeze, then unfreeze: no walk), where they
    are freed by reference counting long before a full collection comes round. Cycles are still collected
    then. A program that froze objects of its own is left as it is.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def check_site(artifacts: SiteArtifacts, rubric: Rubric, ctx: Context, checks: tuple[Check, ...] = CHECKS) -> SiteChecks:
    """All checks on one site, then one suggestion per judged criterion of the rubric."""
    with _collector_paused():
        return _check_site(artifacts, rubric, ctx, checks)


def _check_site(artifacts: SiteArtifacts, rubric: Rubric, ctx: Context, checks: tuple[Check, ...]) -> SiteChecks:
    out = SiteChecks(artifacts.site_id)
    reachable = bool(artifacts.ok_pages)
    shots = {s.url: s for s in artifacts.screenshots}
    for check in checks:
        result = run_check(check, artifacts, ctx)
        # Evidence on a page with a stored screenshot points at it (the whole page: element boxes need a browser).
        for ev in result.evidence:
            shot = shots.get(ev.url)
            if shot is not None and ev.region is None:
                ev.region = {"screenshot": shot.path, "x": 0, "y": 0, "w": shot.width, "h": shot.height}
        out.results[check.id] = result
    by_id = {c.id: c for c in checks}
    for criterion in rubric.judged:
        results = [(cid, r) for cid, r in out.results.items() if by_id[cid].criterion == criterion.id]
        out.suggestions[criterion.id] = suggest(criterion, results, reachable=reachable)
    return out
