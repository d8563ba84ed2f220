"""From check results to a suggested level per criterion, by the rubric's declared rules.

The rubric file holds, per criterion, ordered rules ("level 4 when has_kk, has_ru, has_en, core_share_min >=
33"); the features come from the criterion's checks. The first rule that holds gives the level, and the
suggestion carries its reason plus each check's explanation, so a reviewer reads why, not just a number.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rubric.model import Criterion
from scoring.checks.base import CheckResult


@dataclass
class Suggestion:
    criterion: str
    level: int | None
    reasons: list[str] = field(default_factory=list)
    features: dict[str, float | int | bool] = field(default_factory=dict)
    evidence_count: int = 0


def suggest(criterion: Criterion, results: list[tuple[str, CheckResult]], *, reachable: bool = True) -> Suggestion:
    """The suggested level for one criterion of one site from its checks' results (by check id)."""
    evidence = sum(len(r.evidence) for _, r in results)
    if not reachable:
        return Suggestion(criterion.id, None, ["the site could not be fetched, so nothing was checked"], {}, 0)
    if not results:
        return Suggestion(criterion.id, None, ["no automated check informs this criterion; a reviewer must grade it"])
    usable = [(cid, r) for cid, r in results if r.status not in ("error", "not-applicable")]
    if not usable:
        why = "; ".join(f"{cid}: {r.explanation}" for cid, r in results)
        return Suggestion(criterion.id, None, [f"no check could run ({why})"], {}, evidence)
    features: dict[str, float | int | bool] = {}
    for _, r in usable:
        features.update(r.features)
    if not criterion.suggest:
        return Suggestion(criterion.id, None, ["the rubric declares no suggestion rules for this criterion"],
                          features, evidence)
    for rule in criterion.suggest:
        if rule.holds(features):
            reasons = [f"{rule.level}: {rule.reason}"] + [r.explanation for _, r in usable if r.explanation]
            failed = [f"{cid} failed: {r.error}" for cid, r in results if r.status == "error"]
            return Suggestion(criterion.id, rule.level, reasons + failed, features, evidence)
    return Suggestion(criterion.id, None, ["no rule of the rubric matched the findings"], features, evidence)
