"""Reading a round back as plain rows: the long table, the grading sheet and the report's data.

The long table (one row per site x criterion) is the stable interface for analysts and scripts: its columns
are documented in docs/export.md and only ever gain columns. The report data is a finished dictionary that
templates lay out without computing anything.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select

from rubric.model import Rubric
from scoring.final import POLICY
from survey import schema
from survey.db import Database, Round

LONG_COLUMNS = ["round", "site_id", "site_name", "criterion", "suggested_level", "reviewer_level", "reviewer_levels",
                "final_level", "provenance", "provenance_detail", "evidence_count", "reviewer_notes"]
PROVENANCE_LABELS = {
    "adjudicated": ("ADJ", "set by the lead after reviewers disagreed"),
    "agreed": ("AGR", "two or more reviewers gave this grade"),
    "reviewer": ("REV", "one reviewer's grade"),
    "historical": ("HIST", "the grade published by the earlier study"),
    "statistical": ("STAT", "computed from traffic figures"),
    "automated": ("AUTO", "suggested by the automated checks, not confirmed by a reviewer"),
    "missing": ("—", "no grade"),
}


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
    data = _cells(db, rnd)
    rows = []
    for site in db.sites(rnd):
        sid = site["site_id"]
        for c in rubric.judged:
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


def report_data(db: Database, rnd: Round, rubric: Rubric, *, version: str = "") -> dict[str, Any]:
    """Everything the HTML/PDF report shows, finished: no template computes anything."""
    data = _cells(db, rnd)
    criteria = rubric.judged
    sites_out = []
    counts = defaultdict(int)
    for site in db.sites(rnd):
        sid = site["site_id"]
        cells = []
        for c in criteria:
            f = data["finals"].get((sid, c.id))
            level = f.level if f is not None else None
            prov = f.provenance if f is not None else "missing"
            counts[prov] += 1
            cells.append({
                "criterion": c.id, "level": _fmt(level), "level_text": _fmt(level) or "–",
                "css": f"g{int(round(level))}" if level is not None else "gna",
                "provenance": prov, "provenance_label": PROVENANCE_LABELS[prov][0],
                "detail": (f.detail if f is not None and f.detail else PROVENANCE_LABELS[prov][1]),
            })
        sc = data["scores"].get(sid)
        sites_out.append({
            "id": sid, "name": site["name"].get("en", sid), "url": site["current_url"] or site["url"],
            "crawl_status": site["crawl_status"], "crawl_reason": site["crawl_reason"], "cells": cells,
            "score": sc.score if sc is not None else None,
            "score_text": f"{sc.score:.2f}" if sc is not None and sc.score is not None else "–",
            "rank": sc.rank if sc is not None else None,
        })
    sites_out.sort(key=lambda s: (s["rank"] is None, s["rank"] or 0, s["name"]))
    total = sum(counts.values()) or 1
    reviewed = counts["reviewer"] + counts["agreed"] + counts["adjudicated"]
    summary = [
        {"label": "sites audited", "value": len(sites_out)},
        {"label": "sites reached by the crawler", "value": sum(1 for s in sites_out if s["crawl_status"] in ("ok", "partial"))},
        {"label": "grades confirmed by reviewers", "value": f"{reviewed} ({100 * reviewed // total}%)"},
        {"label": "grades from automated checks only", "value": counts["automated"]},
        {"label": "cells without a grade", "value": counts["missing"]},
    ]
    return {
        "lang": "en", "version": version,
        "title": rnd.title or "Website audit", "generated_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "round": {"name": rnd.name, "date": rnd.audit_date, "rubric": f"{rnd.rubric_id} {rnd.rubric_version}", "kind": rnd.kind},
        "summary": summary,
        "policy": f"Final grades follow the policy {POLICY}.",
        "criteria": [{"id": c.id, "title": c.title, "examines": c.examines, "weight": f"{c.weight:g}",
                      "levels": [{"level": k, "text": v} for k, v in sorted(c.levels.items())]} for c in criteria],
        "rubric": {"id": rubric.id, "version": rubric.version, "title": rubric.title, "description": rubric.description},
        "sites": sites_out,
        "provenance_legend": [{"code": k, "label": v[0], "description": v[1]} for k, v in PROVENANCE_LABELS.items()],
    }
