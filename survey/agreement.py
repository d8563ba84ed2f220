"""Reviewer agreement for a round, per criterion and overall, stored in the round database for the report.

Figures (see scoring.agreement): quadratic-weighted Cohen's kappa, Krippendorff's alpha (ordinal), exact and
within-one agreement, and n, the number of cells graded by two or more reviewers. Criterion "*" pools every
criterion's cells. Historical grades (a past study's single grade per cell) and "cannot assess" are left out.
Recomputed whenever grades change (web app, sheet import) and when a round is scored.
"""

from __future__ import annotations

from typing import Iterable

from sqlalchemy import delete, insert, select

from rubric.model import Rubric
from scoring.agreement import METRICS, Rating, agreement
from survey import schema
from survey.db import Database, Round, now


def reviewer_grades(db: Database, rnd: Round, rubric: Rubric) -> list[dict]:
    """The grade rows agreement is about: reviewers' grades of judged criteria, not a past study's."""
    criteria = {c.id for c in rubric.judged}
    with db.engine.connect() as conn:
        rows = conn.execute(select(schema.grades).where(schema.grades.c.round_id == rnd.id)
                            .where(schema.grades.c.source != "historical")).mappings().all()
    return [dict(g) for g in rows if g["criterion"] in criteria]


def ratings(grades: Iterable[dict]) -> list[Rating]:
    """Grade rows as (cell, reviewer, level) for scoring.agreement; "cannot assess" has no level."""
    return [((g["site_id"], g["criterion"]), g["reviewer"], None if g["cannot_assess"] else g["level"]) for g in grades]


def update_agreement(db: Database, rnd: Round, rubric: Rubric) -> dict[tuple[str, str], float | None]:
    """Recompute and store agreement figures; returns {(criterion or '*', metric): value}."""
    rated = ratings(reviewer_grades(db, rnd, rubric))
    out: dict[tuple[str, str], float | None] = {}
    rows = []
    stamp = now()
    for crit in [c.id for c in rubric.judged] + ["*"]:
        figures = agreement(r for r in rated if crit == "*" or r[0][1] == crit)
        for metric, value in figures.metrics().items():
            out[(crit, metric)] = value
            rows.append(dict(round_id=rnd.id, criterion=crit, metric=metric, value=value, n_items=figures.n_items,
                             computed_at=stamp))
    with db.engine.begin() as conn:
        conn.execute(delete(schema.agreement).where(schema.agreement.c.round_id == rnd.id))
        conn.execute(insert(schema.agreement), rows)  # never empty: the pooled "*" row is always there
    return out


def stored_agreement(db: Database, rnd: Round) -> dict[str, dict[str, float | None]]:
    """{criterion or '*': {metric: value}} as last stored, metrics in the order of scoring.agreement.METRICS."""
    out: dict[str, dict[str, float | None]] = {}
    with db.engine.connect() as conn:
        for r in conn.execute(select(schema.agreement).where(schema.agreement.c.round_id == rnd.id)):
            out.setdefault(r.criterion, {})[r.metric] = r.value
    return {c: {m: v.get(m) for m in METRICS} for c, v in out.items()}
