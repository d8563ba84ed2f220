"""Reviewer agreement for a round, per criterion and overall, stored in the round database for the report."""

from __future__ import annotations

from sqlalchemy import delete, insert, select

from rubric.model import Rubric
from scoring.agreement import pair_agreement
from survey import schema
from survey.db import Database, Round, now


def update_agreement(db: Database, rnd: Round, rubric: Rubric) -> dict[tuple[str, str], float | None]:
    """Recompute and store agreement figures; returns {(criterion or '*', metric): value}."""
    with db.engine.connect() as conn:
        grades = conn.execute(select(schema.grades).where(schema.grades.c.round_id == rnd.id)
                              .where(schema.grades.c.source != "historical")).mappings().all()
    ratings = [((g["site_id"], g["criterion"]), g["reviewer"], None if g["cannot_assess"] else g["level"]) for g in grades]
    out: dict[tuple[str, str], float | None] = {}
    rows = []
    for crit in [c.id for c in rubric.judged] + ["*"]:
        mine = [r for r in ratings if crit == "*" or r[0][1] == crit]
        for metric, tol in (("exact", 0.0), ("within-one", 1.0)):
            value, n = pair_agreement(mine, tol)
            out[(crit, metric)] = value
            rows.append(dict(round_id=rnd.id, criterion=crit, metric=metric, value=value, n_items=n, computed_at=now()))
    with db.engine.begin() as conn:
        conn.execute(delete(schema.agreement).where(schema.agreement.c.round_id == rnd.id))
        for r in rows:
            conn.execute(insert(schema.agreement).values(**r))
    return out
