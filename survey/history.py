"""Importing a past study's grades as a historical round, so later rounds can be compared with it.

The input is one row per site x criterion (as in ../shared/study2010/grades.csv, the 2010 study's Table 3):
`site_id`, `criterion`, `grade`, and optionally `name_en`, `url_2010` (or `url`), `note`, `confidence` and
`languages_listed`. A blank grade means the study gave none: it is kept as "not graded" with its note, never
turned into 1; a grade may be fractional where the study gave a range (3.5 for "3-4"). The round gets kind
'historical'; its grades are one reviewer's (by default `study2010`) with source 'historical', so scoring gives
the final grades provenance 'historical' and agreement figures leave them out. Importing the same file again
changes nothing; a file whose grades differ from the stored ones is refused with the conflicts listed, as
for reviewer sheets, unless told to replace.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date as Date
from pathlib import Path

from sqlalchemy import insert

from rubric.model import Rubric
from rubric.yamlfile import InputError, Problem
from scoring.sheets import read_table
from survey import schema
from survey.db import Database, Round
from survey.grading import Conflict, current_grade, set_grade, show_level

REQUIRED = ("site_id", "criterion", "grade")
SITE_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
# Kinds of the study's non-ministry sites; every other site of a ministry study is a ministry.
KINDS = {"government-home-site": "government", "e-gov-site": "portal"}


@dataclass(frozen=True)
class HistoricalRow:
    """One validated row of a past study's grades."""

    row: int
    site_id: str
    name_en: str
    url: str
    criterion: str
    level: float | None
    note: str
    confidence: str


@dataclass
class HistoricalImport:
    """What importing a past round did (and any conflicts)."""

    round: Round
    sites: int = 0
    graded: int = 0  # cells with a number
    blank: int = 0  # cells the study left without a grade
    written: int = 0
    unchanged: int = 0
    conflicts: list[Conflict] = field(default_factory=list)


def read_historical(path: str | Path, rubric: Rubric) -> list[HistoricalRow]:
    """Read and validate a past study's grades; InputError lists every bad row (file:row: field: problem)."""
    name = str(path)
    header, rows = read_table(path)
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError([Problem(name, 1, "header", f"missing column(s) {', '.join(missing)}; expected at least "
                                  f"{', '.join(REQUIRED)}")])
    criteria = {c.id for c in rubric.judged}
    lo, hi = rubric.scale.min, rubric.scale.max
    problems: list[Problem] = []
    out: list[HistoricalRow] = []
    seen: dict[tuple[str, str], int] = {}
    for n, r in rows:
        site, crit, text = r.get("site_id", ""), r.get("criterion", ""), r.get("grade", "")
        if not SITE_ID.match(site):
            problems.append(Problem(name, n, "site_id", f"{site!r} is not a site id (kebab-case, e.g. ministry-of-health)"))
        if crit not in criteria:
            problems.append(Problem(name, n, "criterion", f"unknown criterion {crit!r}; expected one of {', '.join(sorted(criteria))}"))
        level = None
        if text:
            try:
                level = float(text.replace(",", "."))
            except ValueError:
                problems.append(Problem(name, n, "grade", f"grade {text!r} is not a number; leave it blank where the "
                                        "study gave none"))
            else:
                if not lo <= level <= hi:
                    problems.append(Problem(name, n, "grade", f"grade {text!r} is outside the scale {lo}-{hi}"))
        confidence = r.get("confidence", "")
        if len(confidence) > 20:
            problems.append(Problem(name, n, "confidence", "at most 20 characters (e.g. high, low)"))
        if (site, crit) in seen:
            problems.append(Problem(name, n, "criterion", f"{site} / {crit} appears again (first on row {seen[(site, crit)]})"))
        seen.setdefault((site, crit), n)
        note = r.get("note", "")
        if r.get("languages_listed"):
            note = f"{note} (languages listed: {r['languages_listed']})".strip()
        out.append(HistoricalRow(n, site, r.get("name_en", "") or site, r.get("url_2010", "") or r.get("url", ""),
                                 crit, level, note, confidence))
    if not rows:
        problems.append(Problem(name, None, "", "no rows"))
    if problems:
        raise InputError(problems)
    return out


def import_historical_round(db: Database, path: str | Path, name: str, date: str, rubric: Rubric, *,
                            reviewer: str = "study2010", replace: bool = False, title: str = "") -> HistoricalImport:
    """Create (or re-import into) the historical round `name` from a past study's grades file."""
    try:
        Date.fromisoformat(date)
    except ValueError:
        raise InputError([f"--date {date!r}: use an ISO date such as 2010-09-01"]) from None
    rows = read_historical(path, rubric)
    if db.has_round(name):
        rnd = db.round(name)
        if rnd.kind != "historical":
            raise InputError([f"{db.target}: round {name!r} exists and is an audit round; choose another --round name"])
    else:
        rnd = db.create_round(name, rubric=rubric, kind="historical", audit_date=date,
                              notes=f"historical round imported from {Path(path).name}")
        if title:
            rnd = db.update_round(rnd, title=title)
    names: dict[str, HistoricalRow] = {}
    for r in rows:
        names.setdefault(r.site_id, r)
    result = HistoricalImport(rnd, sites=len(names), graded=sum(1 for r in rows if r.level is not None))
    result.blank = len(rows) - result.graded
    with db.engine.connect() as conn:
        for r in rows:
            old = current_grade(conn, rnd, r.site_id, r.criterion, reviewer)
            if old is not None and (old["level"] != r.level or old["cannot_assess"]):
                result.conflicts.append(Conflict(r.row, r.site_id, r.criterion, reviewer,
                                                 show_level(old["level"], old["cannot_assess"]), show_level(r.level)))
    if result.conflicts and not replace:
        return result
    have = set(db.site_ids(rnd))
    with db.engine.begin() as conn:
        for sid, r in names.items():
            if sid not in have:
                conn.execute(insert(schema.sites).values(
                    round_id=rnd.id, site_id=sid, name_json=json.dumps({"en": r.name_en}, ensure_ascii=False),
                    url=r.url, kind=KINDS.get(sid, "ministry"), crawl_status="imported",
                    crawl_reason="historical round: graded by the study, not crawled"))
        for r in rows:
            if set_grade(conn, rnd, r.site_id, r.criterion, reviewer, r.level, note=r.note, source="historical",
                         changed_by=reviewer, confidence=r.confidence):
                result.written += 1
            else:
                result.unchanged += 1
    return result
