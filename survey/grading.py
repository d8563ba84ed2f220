"""Reviewer grades in the round database: assignments, grades with history, sheet imports, adjudication.

Every change of a grade writes a history row (who, when, old, new, note); nothing is deleted. A sheet import
never silently overwrites a different existing grade, not even the same reviewer's own: differing cells are
listed as conflicts and nothing is written unless the import is told to replace. Where reviewers of a cell
disagree, the lead sets the final level with a reason (an adjudication); changing an adjudication is also kept
in the history, with source 'adjudication' and the lead as reviewer. Sites are assigned to reviewers per round;
each round is blind (reviewers never see each other's grades) unless the lead turns that off.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import cycle, islice

from sqlalchemy import Connection, and_, delete, insert, select, update

from rubric.model import Rubric
from rubric.yamlfile import InputError
from scoring.agreement import disagreements
from scoring.final import plain_number
from scoring.sheets import SheetRow
from survey import schema
from survey.agreement import ratings, reviewer_grades
from survey.db import Database, Round, now

NOTE_MAX = 5000


@dataclass(frozen=True)
class Conflict:
    """A sheet cell that differs from the stored grade."""

    row: int
    site_id: str
    criterion: str
    reviewer: str
    stored: str
    incoming: str

    def __str__(self) -> str:
        return (f"row {self.row}: conflict for {self.site_id} / {self.criterion} ({self.reviewer}): stored "
                f"{self.stored}, sheet says {self.incoming}")


def show_level(level, cannot=False) -> str:
    """A level as people write it: '3', '3.5', 'cannot assess' or 'no grade'."""
    if cannot:
        return "cannot assess"
    if level is None:
        return "no grade"
    return plain_number(level)


def current_grade(conn: Connection, rnd: Round, site_id: str, criterion: str, reviewer: str):
    """The stored grade row of one cell and reviewer, or None."""
    g = schema.grades.c
    return conn.execute(select(schema.grades).where(and_(g.round_id == rnd.id, g.site_id == site_id,
                                                         g.criterion == criterion, g.reviewer == reviewer))).mappings().first()


def set_grade(conn: Connection, rnd: Round, site_id: str, criterion: str, reviewer: str, level: float | None,
              *, cannot_assess: bool = False, note: str = "", evidence_urls: str = "", source: str = "web",
              changed_by: str | None = None, confidence: str = "") -> bool:
    """Insert or change one grade and record the change; returns False when nothing changed."""
    old = current_grade(conn, rnd, site_id, criterion, reviewer)
    stamp = now()
    if old is not None and old["level"] == level and bool(old["cannot_assess"]) == cannot_assess \
            and old["note"] == note and old["evidence_urls"] == evidence_urls and (old["confidence"] or "") == confidence:
        return False
    values = dict(level=level, cannot_assess=cannot_assess, note=note, evidence_urls=evidence_urls, source=source,
                  updated_at=stamp, confidence=confidence)
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
    """What an import wrote, left unchanged, or found in conflict."""

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
                                                 show_level(old["level"], old["cannot_assess"]), show_level(r.level, r.cannot_assess)))
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
    """Every grade row of the round."""
    with db.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(schema.grades).where(schema.grades.c.round_id == rnd.id)).mappings()]


def site_grades(db: Database, rnd: Round, site_id: str, reviewer: str | None = None) -> dict[str, dict[str, dict]]:
    """{criterion: {reviewer: grade row}} for one site; only `reviewer`'s own if given."""
    g = schema.grades.c
    query = select(schema.grades).where(and_(g.round_id == rnd.id, g.site_id == site_id))
    if reviewer is not None:
        query = query.where(g.reviewer == reviewer)
    out: dict[str, dict[str, dict]] = defaultdict(dict)
    with db.engine.connect() as conn:
        for r in conn.execute(query.order_by(g.reviewer)).mappings():
            out[r["criterion"]][r["reviewer"]] = dict(r)
    return out


def history(db: Database, rnd: Round, site_id: str | None = None, reviewer: str | None = None) -> list[dict]:
    """Grade changes, oldest first; of one site and one reviewer's grades if given."""
    h = schema.grade_history.c
    query = select(schema.grade_history).where(h.round_id == rnd.id)
    if site_id is not None:
        query = query.where(h.site_id == site_id)
    if reviewer is not None:
        query = query.where(and_(h.reviewer == reviewer, h.source != "adjudication"))
    with db.engine.connect() as conn:
        return [dict(r) for r in conn.execute(query.order_by(h.id)).mappings()]


# -- review settings --------------------------------------------------------------------------------------
def is_blind(db: Database, rnd: Round) -> bool:
    """Whether reviewers of this round see only their own grades (the default)."""
    with db.engine.connect() as conn:
        row = conn.execute(select(schema.review_settings.c.blind)
                           .where(schema.review_settings.c.round_id == rnd.id)).first()
    return True if row is None else bool(row[0])


def set_blind(db: Database, rnd: Round, blind: bool, by: str) -> None:
    """Turn blind mode on or off for a round."""
    with db.engine.begin() as conn:
        exists = conn.execute(select(schema.review_settings.c.round_id)
                              .where(schema.review_settings.c.round_id == rnd.id)).first()
        values = dict(blind=blind, updated_by=by, updated_at=now())
        if exists:
            conn.execute(update(schema.review_settings).where(schema.review_settings.c.round_id == rnd.id).values(**values))
        else:
            conn.execute(insert(schema.review_settings).values(round_id=rnd.id, **values))


# -- assignments ------------------------------------------------------------------------------------------
def rotation(site_ids: list[str], reviewers: list[str], per_site: int) -> list[tuple[str, str]]:
    """(site, reviewer) pairs giving each site `per_site` different reviewers, in turn, so loads stay even."""
    if per_site > len(reviewers):
        raise InputError([f"--per-site {per_site}: only {len(reviewers)} reviewer(s) named"])
    turn = cycle(reviewers)
    pairs = []
    for sid in site_ids:
        for reviewer in islice(turn, per_site):
            pairs.append((sid, reviewer))
    return pairs


def assign(db: Database, rnd: Round, pairs: list[tuple[str, str]]) -> int:
    """Assign sites to reviewers; returns how many assignments are new. InputError for unknown sites or users."""
    known_sites = set(db.site_ids(rnd))
    with db.engine.connect() as conn:
        users = {r.name: r for r in conn.execute(select(schema.users))}
    problems = [f"round {rnd.name}: unknown site {s!r}" for s in sorted({s for s, _ in pairs} - known_sites)]
    problems += [f"unknown reviewer {u!r}; add the account first with `egov-survey users add {u} --role reviewer`"
                 for u in sorted({u for _, u in pairs} - set(users))]
    if problems:
        raise InputError(problems)
    have = assignment_pairs(db, rnd)
    added = 0
    with db.engine.begin() as conn:
        for sid, reviewer in pairs:
            if (sid, reviewer) in have:
                continue
            conn.execute(insert(schema.assignments).values(round_id=rnd.id, site_id=sid, reviewer=reviewer,
                                                           assigned_at=now()))
            have.add((sid, reviewer))
            added += 1
    return added


def unassign(db: Database, rnd: Round, site_id: str, reviewer: str) -> None:
    """Take a site from a reviewer; the grades they gave stay (and still count)."""
    a = schema.assignments.c
    with db.engine.begin() as conn:
        conn.execute(delete(schema.assignments).where(and_(a.round_id == rnd.id, a.site_id == site_id,
                                                           a.reviewer == reviewer)))


def assignment_pairs(db: Database, rnd: Round) -> set[tuple[str, str]]:
    """The round's (site, reviewer) assignments."""
    a = schema.assignments.c
    with db.engine.connect() as conn:
        return {(r.site_id, r.reviewer) for r in conn.execute(select(a.site_id, a.reviewer).where(a.round_id == rnd.id))}


def assigned_sites(db: Database, rnd: Round, reviewer: str) -> list[str]:
    """The sites assigned to a reviewer."""
    return sorted(s for s, r in assignment_pairs(db, rnd) if r == reviewer)


def is_assigned(db: Database, rnd: Round, site_id: str, reviewer: str) -> bool:
    """Whether the site is assigned to the reviewer."""
    a = schema.assignments.c
    with db.engine.connect() as conn:
        return conn.execute(select(a.site_id).where(and_(a.round_id == rnd.id, a.site_id == site_id,
                                                         a.reviewer == reviewer))).first() is not None


def progress(db: Database, rnd: Round, rubric: Rubric) -> dict[tuple[str, str], int]:
    """{(site, reviewer): criteria graded (a level or 'cannot assess')} for every assignment."""
    criteria = {c.id for c in rubric.judged}
    done: dict[tuple[str, str], int] = defaultdict(int)
    for g in grades_for_round(db, rnd):
        if g["criterion"] in criteria and (g["level"] is not None or g["cannot_assess"]):
            done[(g["site_id"], g["reviewer"])] += 1
    return {pair: done.get(pair, 0) for pair in assignment_pairs(db, rnd)}


# -- adjudication -----------------------------------------------------------------------------------------
def adjudications(db: Database, rnd: Round) -> dict[tuple[str, str], dict]:
    """{(site, criterion): the lead's decision} for the round."""
    with db.engine.connect() as conn:
        return {(r["site_id"], r["criterion"]): dict(r) for r in
                conn.execute(select(schema.adjudications).where(schema.adjudications.c.round_id == rnd.id)).mappings()}


def adjudicate(db: Database, rnd: Round, site_id: str, criterion: str, level: float, reason: str, by: str,
               rubric: Rubric) -> bool:
    """Set the final level of a cell with a reason; the previous decision, if any, stays in the history."""
    problems = []
    if site_id not in set(db.site_ids(rnd)):
        problems.append(f"round {rnd.name}: unknown site {site_id!r}")
    if criterion not in {c.id for c in rubric.judged}:
        problems.append(f"unknown criterion {criterion!r}")
    if level is None or not rubric.scale.min <= level <= rubric.scale.max or not float(level).is_integer():
        problems.append(f"level {level!r}: a whole number from {rubric.scale.min} to {rubric.scale.max}")
    if not (reason or "").strip():
        problems.append("reason: say why this level (it is printed with the grade)")
    if problems:
        raise InputError(problems)
    reason = reason.strip()[:NOTE_MAX]
    j = schema.adjudications.c
    stamp = now()
    with db.engine.begin() as conn:
        old = conn.execute(select(schema.adjudications).where(and_(j.round_id == rnd.id, j.site_id == site_id,
                                                                   j.criterion == criterion))).mappings().first()
        if old is not None and old["level"] == level and old["reason"] == reason:
            return False
        values = dict(level=float(level), reason=reason, decided_by=by, decided_at=stamp)
        if old is None:
            conn.execute(insert(schema.adjudications).values(round_id=rnd.id, site_id=site_id, criterion=criterion, **values))
        else:
            conn.execute(update(schema.adjudications).where(and_(j.round_id == rnd.id, j.site_id == site_id,
                                                                 j.criterion == criterion)).values(**values))
        conn.execute(insert(schema.grade_history).values(
            round_id=rnd.id, site_id=site_id, criterion=criterion, reviewer=by,
            old_level=old["level"] if old is not None else None, new_level=float(level), note=reason,
            changed_by=by, changed_at=stamp, source="adjudication"))
    return True


@dataclass
class QueueItem:
    """A cell whose reviewers disagree, with their grades and the lead's decision if there is one."""

    site_id: str
    criterion: str
    grades: list[dict] = field(default_factory=list)  # every reviewer's grade row for the cell
    suggested: int | None = None
    adjudication: dict | None = None

    @property
    def levels(self) -> str:
        return " vs ".join(f"{g['reviewer']}: {show_level(g['level'], g['cannot_assess'])}" for g in self.grades)


def disagreement_queue(db: Database, rnd: Round, rubric: Rubric) -> list[QueueItem]:
    """Cells where two or more reviewers gave different levels; undecided ones first."""
    criteria = [c.id for c in rubric.judged]
    rows = reviewer_grades(db, rnd, rubric)
    split = disagreements(ratings(rows))
    by_cell: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for g in sorted(rows, key=lambda g: g["reviewer"]):
        by_cell[(g["site_id"], g["criterion"])].append(g)
    decided = adjudications(db, rnd)
    with db.engine.connect() as conn:
        sugg = {(r.site_id, r.criterion): r.level for r in
                conn.execute(select(schema.suggestions).where(schema.suggestions.c.round_id == rnd.id))}
    items = [QueueItem(sid, crit, by_cell[(sid, crit)], sugg.get((sid, crit)), decided.get((sid, crit)))
             for sid, crit in split]
    order = {c: i for i, c in enumerate(criteria)}
    items.sort(key=lambda q: (q.adjudication is not None, q.site_id, order[q.criterion]))
    return items
