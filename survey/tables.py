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
from scoring.final import plain_number
from survey import schema
from survey.db import Database, Round

LONG_COLUMNS = ["round", "site_id", "site_name", "criterion", "suggested_level", "reviewer_level", "reviewer_levels",
                "final_level", "provenance", "provenance_detail", "evidence_count", "reviewer_notes"]


def _fmt(level: float | None) -> str:
    return "" if level is None else plain_number(level)


def _by_cell(conn, table, rnd: Round, order_by=None) -> dict:
    """A table's rows of the round by (site, criterion): one row each, or with `order_by` a list each, in that order."""
    query = select(table).where(table.c.round_id == rnd.id)
    if order_by is None:
        return {(r.site_id, r.criterion): r for r in conn.execute(query)}
    found = defaultdict(list)
    for r in conn.execute(query.order_by(order_by)):
        found[(r.site_id, r.criterion)].append(r)
    return found


def long_table(db: Database, rnd: Round, rubric: Rubric) -> list[dict[str, Any]]:
    """One row per site x criterion with suggested, reviewer and final levels and the final's provenance."""
    from survey.report import shown_criteria

    with db.engine.connect() as conn:
        sugg = _by_cell(conn, schema.suggestions, rnd)
        finals = _by_cell(conn, schema.final_scores, rnd)
        grades = _by_cell(conn, schema.grades, rnd, schema.grades.c.reviewer)
    criteria = shown_criteria(rubric, finals)
    rows = []
    for site in db.sites(rnd):
        sid = site["site_id"]
        for c in criteria:
            key = (sid, c.id)
            s, f = sugg.get(key), finals.get(key)
            gs = [g for g in grades.get(key, []) if g.level is not None and not g.cannot_assess]
            levels = {g.level for g in gs}
            rows.append({
                "round": rnd.name, "site_id": sid, "site_name": site["name"].get("en", sid), "criterion": c.id,
                "suggested_level": s.level if s is not None else None,
                "reviewer_level": next(iter(levels)) if len(levels) == 1 else None,
                "reviewer_levels": "; ".join(f"{g.reviewer}:{_fmt(g.level) if not g.cannot_assess else 'cannot assess'}"
                                             for g in grades.get(key, [])),
                "final_level": f.level if f is not None else None,
                "provenance": f.provenance if f is not None else "missing",
                "provenance_detail": f.detail if f is not None else "not scored yet: run `egov-survey score`",
                "evidence_count": s.evidence_count if s is not None else 0,
                "reviewer_notes": " | ".join(f"{g.reviewer}: {g.note}" for g in grades.get(key, []) if g.note),
            })
    return rows


def sheet_rows(db: Database, rnd: Round, rubric: Rubric, reviewer: str = "") -> list[dict[str, Any]]:
    """Rows of a grading sheet, pre-filled with the reviewer's existing grades."""
    with db.engine.connect() as conn:
        sugg = _by_cell(conn, schema.suggestions, rnd)
        grades = _by_cell(conn, schema.grades, rnd, schema.grades.c.reviewer)
        evidence = _by_cell(conn, schema.evidence, rnd, schema.evidence.c.id)
    rows = []
    for site in db.sites(rnd):
        sid = site["site_id"]
        for c in rubric.judged:
            key = (sid, c.id)
            s = sugg.get(key)
            mine = next((g for g in grades.get(key, []) if g.reviewer == reviewer), None) if reviewer else None
            ev = evidence.get(key, [])[:5]
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
