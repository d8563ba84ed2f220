"""Reading a round back as plain rows: the long table and the grading sheet.

The long table (one row per site x criterion) is the stable interface for analysts and scripts: its columns
are documented in docs/export.md and only ever gain columns. It has a row for every judged criterion, and for
the statistical (traffic) criterion once the round has traffic grades. The report's data is built in
survey/report.py.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from sqlalchemy import select

from rubric.model import Rubric
from survey import schema
from survey.db import Database, Round

LONG_COLUMNS = ["round", "site_id", "site_name", "criterion", "suggested_level", "reviewer_level", "reviewer_levels",
                "final_level", "provenance", "provenance_detail", "evidence_count", "reviewer_notes"]


def _fmt(level: float | None) -> str:
    if level is None:
        return ""
    return str(int(level)) if float(level).is_integer() else f"{level:g}"


def _cells(db: Database, rnd: Round) -> dict[str, Any]:
    with db.engine.connect() as conn:
        w = lambda t: t.c.round_id == rnd.id  # noqa: E731
        sugg = {(r.site_id, r.criterion): r for r in conn.execute(select(schema.suggestions).where(w(schema.suggestions)))}
        finals = {(r.site_id, r.criterion): r for r in conn.execute(select(schema.final_scores).where(w(schema.final_scores)))}
        grades = defaultdict(list)
        for g in conn.execute(select(schema.grades).where(w(schema.grades)).order_by(schema.grades.c.reviewer)):
            grades[(g.site_id, g.criterion)].append(g)
        scores = {r.site_id: r for r in conn.execute(select(schema.site_scores).where(w(schema.site_scores)))}
        evidence = defaultdict(list)
        for e in conn.execute(select(schema.evidence).where(w(schema.evidence)).order_by(schema.evidence.c.id)):
            evidence[(e.site_id, e.criterion)].append(e)
    return {"sugg": sugg, "finals": finals, "grades": grades, "scores": scores, "evidence": evidence}


def long_table(db: Database, rnd: Round, rubric: Rubric) -> list[dict[str, Any]]:
    """One row per site x criterion with suggested, reviewer and final levels and the final's provenance."""
    from survey.report import shown_criteria

    data = _cells(db, rnd)
    criteria = shown_criteria(rubric, data["finals"])
    rows = []
    for site in db.sites(rnd):
        sid = site["site_id"]
        for c in criteria:
            key = (sid, c.id)
            s, f = data["sugg"].get(key), data["finals"].get(key)
            gs = [g for g in data["grades"].get(key, []) if g.level is not None and not g.cannot_assess]
            levels = {g.level for g in gs}
            rows.append({
                "round": rnd.name, "site_id": sid, "site_name": site["name"].get("en", sid), "criterion": c.id,
                "suggested_level": s.level if s is not None else None,
                "reviewer_level": next(iter(levels)) if len(levels) == 1 else None,
                "reviewer_levels": "; ".join(f"{g.reviewer}:{_fmt(g.level) if not g.cannot_assess else 'cannot assess'}"
                                             for g in data["grades"].get(key, [])),
                "final_level": f.level if f is not None else None,
                "provenance": f.provenance if f is not None else "missing",
                "provenance_detail": f.detail if f is not None else "not scored yet: run `egov-survey score`",
                "evidence_count": s.evidence_count if s is not None else 0,
                "reviewer_notes": " | ".join(f"{g.reviewer}: {g.note}" for g in data["grades"].get(key, []) if g.note),
            })
    return rows


def sheet_rows(db: Database, rnd: Round, rubric: Rubric, reviewer: str = "") -> list[dict[str, Any]]:
    """Rows of a grading sheet, pre-filled with the reviewer's existing grades."""
    data = _cells(db, rnd)
    rows = []
    for site in db.sites(rnd):
        sid = site["site_id"]
        for c in rubric.judged:
            key = (sid, c.id)
            s = data["sugg"].get(key)
            mine = next((g for g in data["grades"].get(key, []) if g.reviewer == reviewer), None) if reviewer else None
            ev = data["evidence"].get(key, [])[:5]
            rows.append({
                "round": rnd.name, "site_id": sid, "site_name": site["name"].get("en", sid), "criterion": c.id,
                "criterion_title": c.title, "suggested_level": s.level if s is not None else "",
                "suggested_reasons": "\n".join(json.loads(s.reasons_json)) if s is not None else "",
                "evidence": "\n".join(f"{e.label}: {e.url}" for e in ev),
                "level_descriptions": "\n".join(f"{k}: {v}" for k, v in sorted(c.levels.items())),
                "reviewer": reviewer,
                "grade": ("cannot assess" if mine.cannot_assess else _fmt(mine.level)) if mine is not None else "",
                "cannot_assess": "", "note": mine.note if mine is not None else "",
                "evidence_urls": mine.evidence_urls if mine is not None else "",
            })
    return rows
