"""The score stage: final grades with provenance, the traffic grade, the index and ranks, stored per round.

Reads what the earlier stages stored (suggestions, reviewer grades, adjudications, traffic figures), applies
the declared policies of scoring.final (which grade wins), scoring.traffic (quintiles) and scoring.index
(which criteria the index averages), and replaces the round's final_scores and site_scores rows, nothing else.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select

from rubric.model import Rubric
from scoring.final import Final, ReviewerGrade, final_grade, plain_number
from scoring.index import competition_ranks, index_criteria, weighted_score
from scoring.traffic import choose_metric, quintile_grades
from survey import schema
from survey.agreement import update_agreement
from survey.db import Database, Round, now
from survey.traffic import figures_for_round


def _fmt_value(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"


def traffic_finals(db: Database, rnd: Round, site_ids: list[str], metric: str | None = None) -> dict[str, Final] | None:
    """The statistical grade of every site from the round's traffic figures; None if the round has none."""
    figures = figures_for_round(db, rnd)
    counts = {m: sum(1 for r in rows.values() if r["value"] is not None) for m, rows in figures.items()}
    chosen = choose_metric(counts, metric)
    if chosen is None:
        return None
    rows = figures.get(chosen, {})
    grades = quintile_grades({sid: (rows[sid]["value"] if sid in rows else None) for sid in site_ids}, chosen)
    out = {}
    for sid, g in grades.items():
        if g.level is None:
            why = rows[sid]["note"] if sid in rows and rows[sid]["note"] else ""
            out[sid] = Final(None, "missing", f"no {chosen} figure" + (f" ({why})" if why else ""))
        else:
            out[sid] = Final(float(g.level), "statistical",
                             f"{chosen} {_fmt_value(g.value)}: place {plain_number(g.place)} of {g.of}")
    return out


def score_round(db: Database, rnd: Round, rubric: Rubric, *, include_optional: bool = False,
                traffic_metric: str | None = None) -> dict[str, dict[str, Final]]:
    """Final grades with provenance, weighted scores and ranks; replaces this round's scores only."""
    site_ids = db.site_ids(rnd)
    with db.engine.connect() as conn:
        sugg = {(r.site_id, r.criterion): r.level for r in
                conn.execute(select(schema.suggestions).where(schema.suggestions.c.round_id == rnd.id))}
        grades: dict[tuple[str, str], list[ReviewerGrade]] = {}
        for g in conn.execute(select(schema.grades).where(schema.grades.c.round_id == rnd.id)).mappings():
            grades.setdefault((g["site_id"], g["criterion"]), []).append(
                ReviewerGrade(g["reviewer"], g["level"], bool(g["cannot_assess"]), g["source"], g["note"]))
        adj = {(a.site_id, a.criterion): (a.level, a.reason) for a in
               conn.execute(select(schema.adjudications).where(schema.adjudications.c.round_id == rnd.id))}
    statistical = [c for c in rubric.criteria if c.kind == "statistical"]
    traffic = traffic_finals(db, rnd, site_ids, traffic_metric) if statistical else None
    # An optional statistical criterion without any figure is left out, not shown as missing everywhere.
    graded = [c for c in rubric.criteria if c.kind == "judged" or traffic is not None or not c.optional]
    counted = index_criteria(graded, include_optional)
    weights = {c.id: c.weight for c in graded if c.id in counted}
    finals: dict[str, dict[str, Final]] = {}
    scores: dict[str, float | None] = {}
    for sid in site_ids:
        cells = {}
        for c in graded:
            a_level, a_reason = adj.get((sid, c.id), (None, ""))
            f = final_grade(sugg.get((sid, c.id)), grades.get((sid, c.id), []), a_level, a_reason)
            if c.kind == "statistical" and f.provenance == "missing":
                # Reviewer or historical grades of traffic win; otherwise the quintile from the figures.
                f = traffic[sid] if traffic is not None else Final(None, "missing", "no traffic figures for this round")
            cells[c.id] = f
        finals[sid] = cells
        scores[sid] = weighted_score({cid: f.level for cid, f in cells.items() if cid in weights}, weights)
    ranks = competition_ranks(scores)
    stamp = now()
    with db.engine.begin() as conn:
        for t in (schema.final_scores, schema.site_scores):
            conn.execute(delete(t).where(t.c.round_id == rnd.id))
        if finals:  # executemany: one statement for thousands of rows
            conn.execute(insert(schema.final_scores), [
                dict(round_id=rnd.id, site_id=sid, criterion=cid, level=f.level, provenance=f.provenance,
                     detail=f.detail, computed_at=stamp) for sid, cells in finals.items() for cid, f in cells.items()])
            conn.execute(insert(schema.site_scores), [dict(
                round_id=rnd.id, site_id=sid, score=scores[sid], rank=ranks[sid],
                graded=sum(1 for cid, f in cells.items() if f.level is not None and cid in weights),
                automated=sum(1 for cid, f in cells.items() if f.provenance == "automated" and cid in weights),
                computed_at=stamp, criteria=",".join(counted)) for sid, cells in finals.items()])
    update_agreement(db, rnd, rubric)
    return finals


def scored_summary(finals: dict[str, dict[str, Any]]) -> dict[str, int]:
    """How many final grades came from each provenance."""
    counts: dict[str, int] = {}
    for cells in finals.values():
        for f in cells.values():
            counts[f.provenance] = counts.get(f.provenance, 0) + 1
    return counts
