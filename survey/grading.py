"""Reviewer grades in the round database: setting them with history, importing sheets without losing any.

Every change of a grade writes a history row (who, when, old, new, note); nothing is deleted. A sheet import
never silently overwrites a different existing grade, not even the same reviewer's own: differing cells are
listed as conflicts and nothing is written unless the import is told to replace.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, and_, insert, select, update

from scoring.sheets import SheetRow
from survey import schema
from survey.db import Database, Round, now


@dataclass(frozen=True)
class Conflict:
    row: int
    site_id: str
    criterion: str
    reviewer: str
    stored: str
    incoming: str

    def __str__(self) -> str:
        return (f"row {self.row}: conflict for {self.site_id} / {self.criterion} ({self.reviewer}): stored "
                f"{self.stored}, sheet says {self.incoming}")


def _show(level, cannot) -> str:
    if cannot:
        return "cannot assess"
    if level is None:
        return "no grade"
    return str(int(level)) if float(level).is_integer() else f"{level:g}"


def current_grade(conn: Connection, rnd: Round, site_id: str, criterion: str, reviewer: str):
    g = schema.grades.c
    return conn.execute(select(schema.grades).where(and_(g.round_id == rnd.id, g.site_id == site_id,
                                                         g.criterion == criterion, g.reviewer == reviewer))).mappings().first()


def set_grade(conn: Connection, rnd: Round, site_id: str, criterion: str, reviewer: str, level: float | None,
              *, cannot_assess: bool = False, note: str = "", evidence_urls: str = "", source: str = "web",
              changed_by: str | None = None) -> bool:
    """Insert or change one grade and record the change; returns False when nothing changed."""
    old = current_grade(conn, rnd, site_id, criterion, reviewer)
    stamp = now()
    if old is not None and old["level"] == level and bool(old["cannot_assess"]) == cannot_assess \
            and old["note"] == note and old["evidence_urls"] == evidence_urls:
        return False
    values = dict(level=level, cannot_assess=cannot_assess, note=note, evidence_urls=evidence_urls, source=source,
                  updated_at=stamp)
    g = schema.grades.c
    if old is None:
        conn.execute(insert(schema.grades).values(round_id=rnd.id, site_id=site_id, criterion=criterion,
                                                  reviewer=reviewer, **values))
    else:
        conn.execute(update(schema.grades).where(and_(g.round_id == rnd.id, g.site_id == site_id,
                                                      g.criterion == criterion, g.reviewer == reviewer)).values(**values))
    conn.execute(insert(schema.grade_history).values(
        round_id=rnd.id, site_id=site_id, criterion=criterion, reviewer=reviewer,
        old_level=old["level"] if old is not None else None, new_level=level,
        old_cannot_assess=bool(old["cannot_assess"]) if old is not None else False, new_cannot_assess=cannot_assess,
        note=note, changed_by=changed_by or reviewer, changed_at=stamp, source=source))
    return True


@dataclass
class ImportReport:
    written: int = 0
    unchanged: int = 0
    conflicts: list[Conflict] | None = None


def import_rows(db: Database, rnd: Round, rows: list[SheetRow], reviewer: str, *, replace: bool = False,
                source: str = "sheet") -> ImportReport:
    """Apply validated sheet rows as `reviewer`'s grades; with conflicts and no `replace`, write nothing."""
    report = ImportReport(conflicts=[])
    with db.engine.begin() as conn:
        for r in rows:
            who = r.reviewer or reviewer
            old = current_grade(conn, rnd, r.site_id, r.criterion, who)
            if old is None:
                continue
            same = old["level"] == r.level and bool(old["cannot_assess"]) == r.cannot_assess
            if not same:
                report.conflicts.append(Conflict(r.row, r.site_id, r.criterion, who,
                                                 _show(old["level"], old["cannot_assess"]), _show(r.level, r.cannot_assess)))
        if report.conflicts and not replace:
            return report
        for r in rows:
            who = r.reviewer or reviewer
            if set_grade(conn, rnd, r.site_id, r.criterion, who, r.level, cannot_assess=r.cannot_assess,
                         note=r.note, evidence_urls=r.evidence_urls, source=source, changed_by=reviewer):
                report.written += 1
            else:
                report.unchanged += 1
    return report


def grades_for_round(db: Database, rnd: Round) -> list[dict]:
    with db.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(schema.grades).where(schema.grades.c.round_id == rnd.id)).mappings()]
