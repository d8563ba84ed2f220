"""The report's data: everything the HTML and PDF report show, read from the round database and finished here.

Templates compute nothing, so this module does all of it once: it reads the round's final grades, scores,
notes, evidence, screenshots, traffic figures, agreement and technical figures, the previous round and the
UN indices; asks scoring/ for the arithmetic (distributions, comparison); formats every number for the
report's language with Babel; translates every label and sentence through the report catalogue; and hands
reports/ one plain dictionary. Machine-readable values (levels, provenance codes) travel beside the
formatted ones so tests and scripts can read the HTML back.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import select

from reports import charts
from reports.i18n import translations
from rubric.model import Criterion, Rubric
from scoring.compare import Comparison, RoundMean, Snapshot, compare, trend
from scoring.final import POLICY
from scoring.index import criterion_stats, level_bin
from scoring.traffic import METRICS
from survey import schema
from survey.db import Database, Round
from survey.un import un_series


def N_(s: str) -> str:
    """Mark a string for the catalogue without translating it yet."""
    return s


PROVENANCE = {  # code -> (short label, what it means)
    "adjudicated": (N_("ADJ"), N_("set by the lead after reviewers disagreed")),
    "agreed": (N_("AGR"), N_("two or more reviewers gave this grade")),
    "reviewer": (N_("REV"), N_("one reviewer's grade")),
    "historical": (N_("HIST"), N_("the grade published by the earlier study")),
    "statistical": (N_("STAT"), N_("computed from traffic figures (quintile among the audited sites)")),
    "automated": (N_("AUTO"), N_("suggested by the automated checks, not confirmed by a reviewer")),
    "missing": (N_("—"), N_("no grade")),
}
AGREEMENT_METRICS = {  # metric -> (label, how to show it)
    "exact": (N_("exact agreement"), "pct"),
    "within-one": (N_("within one level"), "pct"),
    "kappa-quadratic": (N_("Cohen's kappa (quadratic)"), "coef"),
    "alpha-ordinal": (N_("Krippendorff's alpha (ordinal)"), "coef"),
}
UN_FIELDS = (("egdi", N_("EGDI")), ("osi", N_("Online services (OSI)")), ("hci", N_("Human capital (HCI)")),
             ("tii", N_("Telecom infrastructure (TII)")), ("epart", N_("E-participation (EPI)")))
EVIDENCE_PER_CELL = 2
NOTE_CHARS = 90
TECH_COLUMNS = 6


class Fmt:
    """Numbers, dates and labels in the report's language."""

    def __init__(self, lang: str):
        from babel import Locale

        self.lang = lang
        self.locale = Locale.parse(lang)
        tr = translations(lang)
        self._, self.ngettext = tr.gettext, tr.ngettext

    def level(self, x: float | None) -> str:
        if x is None:
            return "–"
        return str(int(x)) if float(x).is_integer() else self.dec(x, "0.#")

    def dec(self, x: float | None, pattern: str = "0.00") -> str:
        from babel.numbers import format_decimal

        return "–" if x is None else format_decimal(x, pattern, locale=self.locale)

    def int(self, n: int | float) -> str:
        from babel.numbers import format_decimal

        return format_decimal(n, "#,##0", locale=self.locale)

    def pct(self, part: float | None, whole: float = 1.0) -> str:
        from babel.numbers import format_percent

        if part is None or not whole:
            return "–"
        return format_percent(part / whole, "0%", locale=self.locale)

    def delta(self, x: float | None, pattern: str = "0.#") -> str:
        if x is None:
            return "–"
        if x == 0:
            return "0"
        return ("+" if x > 0 else "−") + self.dec(abs(x), pattern)

    def date(self, iso: str) -> str:
        from babel.dates import format_date

        try:
            return format_date(date.fromisoformat(iso[:10]), "long", locale=self.locale)
        except ValueError:
            return iso

    def name(self, names: dict[str, str], fallback: str) -> str:
        return names.get(self.lang) or names.get("en") or next(iter(names.values()), "") or fallback


def safe_href(url: str) -> str:
    """A link target only for web addresses: crawled evidence may carry javascript: or data: URLs."""
    u = (url or "").strip()
    return u if u.lower().startswith(("http://", "https://")) else ""


def _short(text: str, limit: int = NOTE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# -- reading a round --------------------------------------------------------------------------------------
def _read(db: Database, rnd: Round) -> dict[str, Any]:
    w = lambda t: t.c.round_id == rnd.id  # noqa: E731
    with db.engine.connect() as conn:
        finals = {(r.site_id, r.criterion): r for r in conn.execute(select(schema.final_scores).where(w(schema.final_scores)))}
        scores = {r.site_id: r for r in conn.execute(select(schema.site_scores).where(w(schema.site_scores)))}
        notes: dict[tuple[str, str], list] = defaultdict(list)
        for g in conn.execute(select(schema.grades.c.site_id, schema.grades.c.criterion, schema.grades.c.reviewer,
                                     schema.grades.c.note).where(w(schema.grades)).where(schema.grades.c.note != "")
                              .order_by(schema.grades.c.reviewer)):
            notes[(g.site_id, g.criterion)].append(g)
        reasons = {}
        for s in conn.execute(select(schema.suggestions.c.site_id, schema.suggestions.c.criterion,
                                     schema.suggestions.c.reasons_json, schema.suggestions.c.evidence_count)
                              .where(w(schema.suggestions))):
            reasons[(s.site_id, s.criterion)] = (json.loads(s.reasons_json or "[]"), s.evidence_count)
        evidence: dict[tuple[str, str], list] = defaultdict(list)
        for e in conn.execute(select(schema.evidence.c.site_id, schema.evidence.c.criterion, schema.evidence.c.url,
                                     schema.evidence.c.label).where(w(schema.evidence)).order_by(schema.evidence.c.id)):
            cell = evidence[(e.site_id, e.criterion)]
            if len(cell) < EVIDENCE_PER_CELL and all(x.url != e.url for x in cell):
                cell.append(e)
        shots = {}
        for s in conn.execute(select(schema.screenshots).where(w(schema.screenshots)).order_by(schema.screenshots.c.id)):
            shots.setdefault(s.site_id, s)  # the first screenshot of a site is its home page
        agreement = list(conn.execute(select(schema.agreement).where(w(schema.agreement))))
        technical = list(conn.execute(select(schema.technical).where(w(schema.technical))
                                      .order_by(schema.technical.c.indicator)))
        traffic = list(conn.execute(select(schema.traffic).where(w(schema.traffic)).order_by(schema.traffic.c.id)))
    return {"sites": db.sites(rnd), "finals": finals, "scores": scores, "notes": notes, "reasons": reasons,
            "evidence": evidence, "shots": shots, "agreement": agreement, "technical": technical, "traffic": traffic}


def shown_criteria(rubric: Rubric, finals: dict) -> list[Criterion]:
    """The criteria a round shows: every judged one, and statistical ones the round has grades for."""
    graded = {c for _, c in finals}
    return [c for c in rubric.criteria if c.kind == "judged" or c.id in graded]


def snapshot(db: Database, rnd: Round, rubric: Rubric | None = None) -> Snapshot:
    """The round's final grades, scores and ranks as scoring.compare needs them."""
    with db.engine.connect() as conn:
        finals = {(r.site_id, r.criterion): (r.level, r.provenance) for r in conn.execute(
            select(schema.final_scores).where(schema.final_scores.c.round_id == rnd.id))}
        scores = {r.site_id: r for r in conn.execute(select(schema.site_scores).where(schema.site_scores.c.round_id == rnd.id))}
    criteria = tuple(dict.fromkeys(c for _, c in sorted(finals)))
    if rubric is not None:
        criteria = tuple(c.id for c in rubric.criteria if c.id in criteria) + tuple(c for c in criteria if c not in rubric.ids)
    return Snapshot(rnd.name, rnd.audit_date, rnd.rubric_id, rnd.rubric_version, criteria,
                    {s["site_id"]: s["name"].get("en", s["site_id"]) for s in db.sites(rnd)}, finals,
                    {k: v.score for k, v in scores.items()}, {k: v.rank for k, v in scores.items()})


def previous_round(db: Database, rnd: Round) -> Round | None:
    """The latest round audited before this one (by audit date), if any."""
    earlier = [r for r in db.rounds() if r.id != rnd.id and (r.audit_date, r.id) < (rnd.audit_date, rnd.id)]
    return max(earlier, key=lambda r: (r.audit_date, r.id)) if earlier else None


TREND_ROUNDS = 8  # rounds in the table of every round's means: the latest ones, this round last


def round_trend(db: Database, rnd: Round, rubric: Rubric, criteria: list[str]) -> list[RoundMean]:
    """Each criterion's mean in every graded round up to this one (the latest TREND_ROUNDS), oldest first."""
    earlier = sorted((r for r in db.rounds() if (r.audit_date, r.id) <= (rnd.audit_date, rnd.id)),
                     key=lambda r: (r.audit_date, r.id))
    snaps = [s for s in (snapshot(db, r, rubric) for r in earlier) if s.cells]
    return trend(snaps[-TREND_ROUNDS:], criteria)


# -- the report -------------------------------------------------------------------------------------------
def report_data(db: Database, rnd: Round, rubric: Rubric, *, lang: str = "en", compare_with: str | None = None,
                compare_rounds: bool = True, version: str = "", thumbnails: bool = True) -> dict[str, Any]:
    """Everything the HTML/PDF report shows, finished: no template computes anything."""
    f = Fmt(lang)
    _ = f._
    raw = _read(db, rnd)
    criteria = shown_criteria(rubric, raw["finals"])
    sites = sorted(raw["sites"], key=lambda s: s["site_id"])
    names = {s["site_id"]: f.name(s["name"], s["site_id"]) for s in sites}
    scored = bool(raw["finals"])

    prev = None
    if compare_rounds:
        prev = db.round(compare_with) if compare_with else previous_round(db, rnd)
    comparison = compare(snapshot(db, prev, rubric), snapshot(db, rnd, rubric)) if prev is not None else None

    cells = _cells(f, raw, criteria, sites, scored)
    order = sorted(sites, key=lambda s: (raw["scores"][s["site_id"]].rank if s["site_id"] in raw["scores"]
                                         and raw["scores"][s["site_id"]].rank is not None else 10**9,
                                         names[s["site_id"]].casefold()))
    index_ids = _index_ids(raw, criteria)
    sections = [
        ("summary", _("Summary")), ("matrix", _("Grades by site and criterion")), ("ranking", _("Ranking")),
        ("distributions", _("Grades by criterion")), ("comparison", _("Change since the previous round")),
        ("context", _("Country context: the UN E-Government Survey")), ("agreement", _("Reviewer agreement")),
        ("technical", _("Technical indicators")), ("scorecards", _("Site scorecards")),
        ("methodology", _("Appendix: methodology")),
    ]
    country = _country(f, db, rnd)
    data = {
        "lang": lang, "version": version,
        "title": rnd.title or _("Website audit"),
        "generated_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "round": {"name": rnd.name, "date": f.date(rnd.audit_date), "rubric": f"{rnd.rubric_id} {rnd.rubric_version}",
                  "kind": rnd.kind, "kind_label": _("historical round") if rnd.kind == "historical" else _("audit round")},
        "toc": [{"id": sid, "number": str(i) if sid != "methodology" else "A", "title": title, "page": ""}
                for i, (sid, title) in enumerate(sections, start=1)],  # pages: filled in by the PDF only
        "sec": {sid: {"number": str(i) if sid != "methodology" else "A", "title": title}
                for i, (sid, title) in enumerate(sections, start=1)},
        "criteria": [{"id": c.id, "title": _(c.title.strip())} for c in criteria],
        "provenance_legend": [{"code": k, "label": _(v[0]), "description": _(v[1])} for k, v in PROVENANCE.items()],
        "matrix": _matrix(f, raw, criteria, order, names, cells, scored),
        "ranking": _ranking(f, raw, order, names, comparison, index_ids, rubric),
        "distributions": _distributions(f, raw, criteria, sites),
        "comparison": {**_comparison(f, comparison, prev, names, rubric),
                       "trend": _trend(f, db, rnd, rubric, criteria) if comparison is not None else None},
        "context": country,
        "agreement": _agreement(f, raw, rubric),
        "technical": _technical(f, raw, order, names),
        "scorecards": _scorecards(f, db, rnd, raw, criteria, order, names, cells, thumbnails),
        "methodology": _methodology(f, rnd, rubric, raw, criteria, index_ids),
    }
    data["summary"] = _summary(f, raw, criteria, sites, names, comparison, country, data)
    return data


def _index_ids(raw: dict, criteria: list[Criterion]) -> list[str]:
    stored = next((s.criteria for s in raw["scores"].values() if s.criteria), "")
    if stored:
        return stored.split(",")
    return [c.id for c in criteria if not c.optional and c.weight > 0]


def _cells(f: Fmt, raw: dict, criteria: list[Criterion], sites: list[dict], scored: bool) -> dict:
    _ = f._
    out = {}
    for s in sites:
        sid = s["site_id"]
        for c in criteria:
            r = raw["finals"].get((sid, c.id))
            level = r.level if r is not None else None
            prov = r.provenance if r is not None else "missing"
            detail = (r.detail if r is not None else "") or ""
            if r is None:
                detail = _("not scored yet: run `egov-survey score`") if not scored else ""
            notes = [f"{n.reviewer}: {n.note}" for n in raw["notes"].get((sid, c.id), [])]
            reasons, ev_count = raw["reasons"].get((sid, c.id), ([], 0))
            if notes:
                note = "; ".join(n.note for n in raw["notes"][(sid, c.id)])
            elif prov == "automated" and reasons:
                note = reasons[0]
            elif prov == "statistical":
                note = detail
            else:
                note = ""
            b = level_bin(level)
            out[(sid, c.id)] = {
                "criterion": c.id, "level": "" if level is None else f.level(level).replace(",", "."),
                "level_text": f.level(level), "css": f"g{b}" if b is not None else "gna", "provenance": prov,
                "provenance_label": _(PROVENANCE[prov][0]), "provenance_text": _(PROVENANCE[prov][1]),
                "detail": detail, "note": _short(note), "notes": notes,
                "reason": reasons[0] if prov == "automated" and reasons and not notes else "",
                "evidence": [{"label": e.label or e.url, "url": e.url, "href": safe_href(e.url)}
                             for e in raw["evidence"].get((sid, c.id), [])],
                "evidence_count": ev_count,
            }
    return out


def _score_text(f: Fmt, raw: dict, sid: str) -> tuple[str, str]:
    sc = raw["scores"].get(sid)
    if sc is None or sc.score is None:
        return "–", "–"
    if "rank_counts" not in raw:
        counts: dict[int, int] = defaultdict(int)
        for o in raw["scores"].values():
            counts[o.rank] += 1
        raw["rank_counts"] = counts
    tied = raw["rank_counts"][sc.rank] > 1
    return f.dec(sc.score), ("=" if tied else "") + str(sc.rank)


def _matrix(f: Fmt, raw: dict, criteria, order, names, cells, scored: bool) -> dict:
    _ = f._
    rows = []
    for s in order:
        sid = s["site_id"]
        score, rank = _score_text(f, raw, sid)
        status = ""
        if s["crawl_status"] not in ("ok", "imported", "pending"):
            status = f"{s['crawl_status']}: {s['crawl_reason']}" if s["crawl_reason"] else s["crawl_status"]
        url = s["current_url"] or s["url"]
        rows.append({"id": sid, "name": names[sid], "url": url, "href": safe_href(url), "status": status,
                     "cells": [cells[(sid, c.id)] for c in criteria], "score": score, "rank": rank})
    return {
        "rows": rows,
        "intro": _("Grades run from 1 (lowest) to 5 (highest); the level descriptions are in the appendix. Each cell "
                   "shows the grade, where it came from, and a short note."),
        "policy": _("Final grades follow the policy: adjudicated > agreed > reviewer > automated > missing."),
        "empty": "" if scored else _("This round has not been scored yet: run `egov-survey score`."),
    }


def _ranking(f: Fmt, raw: dict, order, names, comparison: Comparison | None, index_ids: list[str], rubric: Rubric) -> dict:
    _ = f._
    top = rubric.scale.max
    moved = {}
    if comparison is not None:
        for sc in comparison.sites:
            if sc.before_rank is None or sc.after_rank is None:
                continue
            d = sc.before_rank - sc.after_rank
            moved[sc.site_id] = ("▲ " + str(d)) if d > 0 else ("▼ " + str(-d)) if d < 0 else "="
    rows = []
    for s in order:
        sid = s["site_id"]
        sc = raw["scores"].get(sid)
        score, rank = _score_text(f, raw, sid)
        n_index = len(index_ids)
        rows.append({
            "id": sid, "name": names[sid], "rank": rank, "score": score,
            "bar": round(100 * sc.score / top, 1) if sc is not None and sc.score is not None else 0,
            "graded": f"{sc.graded if sc is not None else 0}/{n_index}",
            "automated": str(sc.automated) if sc is not None else "0",
            "moved": moved.get(sid, ""),
        })
    titles = [_(rubric.criterion(cid).title.strip()) for cid in index_ids if cid in rubric.ids]
    return {
        "rows": rows, "has_moves": bool(moved),
        "intro": _("The index is the weighted mean of a site's final grades over %(criteria)s, with the rubric's "
                   "weights; a criterion without a grade leaves the mean rather than counting as zero. Sites with the "
                   "same index share a place (marked =).") % {"criteria": ", ".join(titles)},
    }


def _distributions(f: Fmt, raw: dict, criteria, sites) -> dict:
    _ = f._
    charts_out, rows = [], []
    for c in criteria:
        cells = []
        for s in sites:
            r = raw["finals"].get((s["site_id"], c.id))
            cells.append((r.level if r is not None else None, r.provenance if r is not None else "missing"))
        st = criterion_stats(cells)
        title = _(c.title.strip())
        bars = [{"label": str(lv), "value": n, "text": f.int(n), "colour": charts.GRADE_COLOURS[lv]}
                for lv, n in sorted(st.counts.items())]
        bars.append({"label": _("none"), "value": st.missing, "text": f.int(st.missing), "colour": charts.GRADE_COLOURS[0]})
        charts_out.append({"id": c.id, "title": title,
                           "svg": charts.column_chart(_("%(criterion)s: sites by grade") % {"criterion": title}, bars),
                           "caption": _("mean %(mean)s · median %(median)s · %(n)s graded") % {
                               "mean": f.dec(st.mean), "median": f.level(st.median), "n": f.int(st.n)}})
        rows.append({"title": title, "counts": [f.int(st.counts[lv]) for lv in sorted(st.counts)],
                     "missing": f.int(st.missing), "mean": f.dec(st.mean), "median": f.level(st.median),
                     "reviewed": f.pct(st.reviewed, st.n) if st.n else "–"})
    return {"charts": charts_out, "rows": rows, "levels": ["1", "2", "3", "4", "5"],
            "intro": _("How many sites got each grade, per criterion. Grades between two levels (a historical 3-4) "
                       "count under the higher level. \"Reviewed\" is the share of grades confirmed by a person.")}


def _comparison(f: Fmt, cmp: Comparison | None, prev: Round | None, names: dict, rubric: Rubric) -> dict:
    _ = f._
    if cmp is None or prev is None:
        return {"available": False, "message": _("There is no earlier round in this database to compare with. Past "
                                                  "rounds come in with `egov-survey import-round`.")}
    title = {c.id: _(c.title.strip()) for c in rubric.criteria}
    prev_names = cmp.before.sites
    if not cmp.before.cells:
        return {"available": False, "message": _("The previous round, %(name)s, has no final grades yet: run "
                                                  "`egov-survey score --round %(name)s`.") % {"name": prev.name}}
    warnings = []
    for note in cmp.notes:
        p = note.params
        if note.code == "rubric-differs":
            warnings.append(_("The rounds used different rubrics (%(before)s, then %(after)s): compare with care.") % p)
        elif note.code == "criteria-only-before":
            warnings.append(_("Only the previous round has %(list)s.") % {"list": ", ".join(title.get(c, c) for c in p["criteria"])})
        elif note.code == "criteria-only-after":
            warnings.append(_("Only this round has %(list)s.") % {"list": ", ".join(title.get(c, c) for c in p["criteria"])})
        elif note.code == "few-common-cells":
            warnings.append(_("Only %(compared)s of %(possible)s grades exist in both rounds; the rest cannot be "
                              "compared.") % {"compared": f.int(p["compared"]), "possible": f.int(p["possible"])})

    def change_row(ch) -> dict:
        return {"site": names.get(ch.site_id, ch.site_id), "site_id": ch.site_id, "criterion": title.get(ch.criterion, ch.criterion),
                "before": f.level(ch.before), "before_prov": _(PROVENANCE[ch.before_provenance][0]),
                "after": f.level(ch.after), "after_prov": _(PROVENANCE[ch.after_provenance][0]),
                "delta": f.delta(ch.delta), "css": "up" if ch.delta > 0 else "down"}

    limit = 40
    improved, declined = cmp.improved, cmp.declined
    series = [{"label": prev.name, "colour": "#9aa5b4"}, {"label": cmp.after.name, "colour": "#1f5fa8"}]
    crit_rows = [c for c in cmp.criteria if c.compared]
    chart = charts.paired_bars(_("Mean grade per criterion, on grades present in both rounds"), [
        {"label": title.get(c.criterion, c.criterion), "values": [c.before_mean, c.after_mean],
         "texts": [f.dec(c.before_mean), f.dec(c.after_mean)]} for c in crit_rows], series,
        max_value=rubric.scale.max) if crit_rows else ""
    return {
        "available": True,
        "previous": {"name": prev.name, "date": f.date(prev.audit_date), "rubric": f"{prev.rubric_id} {prev.rubric_version}",
                     "kind": _("historical round") if prev.kind == "historical" else _("audit round")},
        "intro": _("Grades of this round against %(name)s (%(date)s). Only grades present in both rounds are compared; "
                   "a grade missing in either round is never read as a change.") % {"name": prev.name, "date": f.date(prev.audit_date)},
        "warnings": warnings,
        "kpis": [{"value": f.int(len(improved)), "label": _("grades improved")},
                 {"value": f.int(len(declined)), "label": _("grades declined")},
                 {"value": f.int(cmp.unchanged), "label": _("grades unchanged")},
                 {"value": f.int(cmp.not_comparable), "label": _("grades in one round only")},
                 {"value": f.int(len(cmp.new_sites)), "label": _("new sites")},
                 {"value": f.int(len(cmp.vanished_sites)), "label": _("sites no longer audited")}],
        "chart": chart,
        "criteria": [{"title": title.get(c.criterion, c.criterion), "compared": f.int(c.compared),
                      "before": f.dec(c.before_mean), "after": f.dec(c.after_mean),
                      "delta": f.delta(None if c.before_mean is None or c.after_mean is None else round(c.after_mean - c.before_mean, 2), "0.00"),
                      "improved": f.int(c.improved), "declined": f.int(c.declined)} for c in cmp.criteria],
        "improved": [change_row(c) for c in improved[:limit]],
        "improved_more": _("… and %(n)s more (see the exported tables).") % {"n": f.int(len(improved) - limit)} if len(improved) > limit else "",
        "declined": [change_row(c) for c in declined[:limit]],
        "declined_more": _("… and %(n)s more (see the exported tables).") % {"n": f.int(len(declined) - limit)} if len(declined) > limit else "",
        "sites": [{"site": names.get(s.site_id, s.site_id), "site_id": s.site_id, "compared": f.int(s.compared),
                   "mean_delta": f.delta(s.mean_delta, "0.00"), "css": "up" if (s.mean_delta or 0) > 0 else "down" if (s.mean_delta or 0) < 0 else "",
                   "before": f.dec(s.before_score), "after": f.dec(s.after_score),
                   "ranks": f"{s.before_rank or '–'} → {s.after_rank or '–'}"} for s in cmp.sites],
        "new_sites": [names.get(s, s) for s in cmp.new_sites],
        "vanished_sites": [prev_names.get(s, s) for s in cmp.vanished_sites],
    }


def _trend(f: Fmt, db: Database, rnd: Round, rubric: Rubric, criteria: list) -> dict | None:
    """Every round's means, criterion by criterion: shown when there are more rounds than the two compared."""
    _ = f._
    if sum(1 for r in db.rounds() if (r.audit_date, r.id) <= (rnd.audit_date, rnd.id)) < 3:
        return None  # two rounds at most: the comparison says it all, and no round's grades need reading again
    means = round_trend(db, rnd, rubric, [c.id for c in criteria])
    rounds = list(dict.fromkeys((m.round, m.date) for m in means))
    if len(rounds) < 3:
        return None
    cell = {(m.round, m.criterion): m for m in means}
    return {
        "rounds": [{"name": name, "date": f.date(date)} for name, date in rounds],
        "rows": [{"title": _(c.title.strip()), "cells": [
            {"mean": f.dec(m.mean), "graded": _("%(graded)s of %(sites)s graded") % {
                "graded": f.int(m.graded), "sites": f.int(m.sites)}}
            for m in (cell[(name, c.id)] for name, _date in rounds)]} for c in criteria],
        "note": _("Each round's mean over the sites it graded. Rounds may cover different sites (the 2010 study "
                  "graded few of its cells), so these means show the general direction, not changes of the same "
                  "sites; those are above."),
    }


def _country(f: Fmt, db: Database, rnd: Round) -> dict:
    _ = f._
    code = (rnd.country or "").upper()
    name = code
    if code:
        from babel.core import get_global

        alpha2 = (get_global("territory_aliases").get(code) or [None])[0]
        name = f.locale.territories.get(alpha2, code) if alpha2 else code
    rows = un_series(db, code) if code else []
    if not rows:
        why = (_("No UN E-Government Survey figures for %(country)s are stored; import them with `egov-survey un "
                 "import FILE...`.") % {"country": name}) if code else \
            _("The sites file names no country (survey.country), so there is no country context.")
        return {"available": False, "message": why, "country": name}
    years = [str(r["year"]) for r in rows]
    colours = charts.SERIES_COLOURS
    series = [{"label": _(label), "colour": colours[i], "values": [r[key] for r in rows],
               "texts": [f.dec(r[key], "0.00") for r in rows], "label_last": key == "egdi"}
              for i, (key, label) in enumerate(UN_FIELDS)]
    ranks = [r["rank"] for r in rows]
    worst = max([x for x in ranks if x is not None] + [1])
    rank_top = max(10, ((worst + 9) // 10) * 10)
    index_chart = charts.line_chart(_("UN E-Government indices of %(country)s") % {"country": name}, years, series,
                                    y_min=0, y_max=1, y_ticks=[(t / 5, f.dec(t / 5, "0.0")) for t in range(6)])
    rank_chart = charts.line_chart(_("EGDI rank of %(country)s among 193 UN member states") % {"country": name}, years,
                                   [{"label": _("EGDI rank"), "colour": colours[0], "values": ranks,
                                     "texts": [str(x) if x else "–" for x in ranks], "label_last": True}],
                                   y_min=1, y_max=rank_top, invert=True, height=170,
                                   y_ticks=[(1, "1")] + [(t, str(t)) for t in range(10, rank_top + 1, 10)])
    return {
        "available": True, "country": name, "code": code,
        "intro": _("The UN E-Government Survey rates every member state every two years. Its E-Government Development "
                   "Index (EGDI) is the mean of three components: online services (OSI), human capital (HCI) and "
                   "telecommunication infrastructure (TII). These figures describe the country, not the audited sites; "
                   "they are shown as the setting in which the sites are judged."),
        "columns": [_("Survey year"), _("EGDI rank")] + [_(label) for _k, label in UN_FIELDS],
        "rows": [{"year": str(r["year"]), "rank": str(r["rank"]) if r["rank"] else "–",
                  "figures": [f.dec(r[key], "0.000") for key, _l in UN_FIELDS]} for r in rows],
        "index_chart": index_chart, "rank_chart": rank_chart,
        "source": _("Source: UN DESA, United Nations E-Government Survey data, as imported from %(files)s.") % {
            "files": ", ".join(sorted({r["source"].split(" row ")[0] for r in rows}))},
        "latest": rows[-1], "first": rows[0],
    }


def _agreement(f: Fmt, raw: dict, rubric: Rubric) -> dict:
    _ = f._
    by: dict[str, dict[str, Any]] = defaultdict(dict)
    n_items: dict[str, int] = {}
    for r in raw["agreement"]:
        by[r.criterion][r.metric] = r.value
        n_items[r.criterion] = max(n_items.get(r.criterion, 0), r.n_items)
    if not by or not any(n_items.values()):
        return {"available": False, "message": _("No cell was graded by two or more reviewers, so agreement cannot be "
                                                  "measured for this round.")}
    metrics = [m for m in AGREEMENT_METRICS if any(m in v for v in by.values())]
    title = {c.id: _(c.title.strip()) for c in rubric.criteria}

    def show(metric: str, v: float | None) -> str:
        return f.pct(v) if AGREEMENT_METRICS[metric][1] == "pct" else f.dec(v)

    order = [c.id for c in rubric.criteria if c.id in by] + ["*"]
    rows = [{"title": _("All criteria") if cid == "*" else title.get(cid, cid), "total": cid == "*",
             "n": f.int(n_items.get(cid, 0)), "figures": [show(m, by[cid].get(m)) for m in metrics]}
            for cid in order if cid in by]
    return {"available": True, "columns": [_(AGREEMENT_METRICS[m][0]) for m in metrics], "rows": rows,
            "intro": _("How often reviewers who graded the same site and criterion gave the same grade. Cells: grades "
                       "given by two or more reviewers. Kappa and alpha correct for chance: 1 is perfect agreement, 0 "
                       "is what chance alone would give.")}


def _tech_value(f: Fmt, v: Any) -> str:
    _ = f._
    if v is None:
        return "–"
    if isinstance(v, bool):
        return _("yes") if v else _("no")
    if isinstance(v, (int, float)):
        return f.int(v) if float(v).is_integer() else f.dec(v)
    if isinstance(v, list):
        return _short(", ".join(_tech_value(f, x) for x in v), 60)
    if isinstance(v, dict):
        return _short(", ".join(f"{k}: {_tech_value(f, x)}" for k, x in v.items()), 60)
    return _short(str(v), 60)


def _technical(f: Fmt, raw: dict, order, names) -> dict:
    _ = f._
    if not raw["technical"]:
        return {"available": False, "message": _("No technical indicators were computed for this round.")}
    values: dict[str, dict[str, Any]] = defaultdict(dict)
    indicators: list[str] = []
    for r in raw["technical"]:
        if r.indicator not in indicators:
            indicators.append(r.indicator)
        try:
            values[r.site_id][r.indicator] = json.loads(r.value_json)
        except ValueError:
            values[r.site_id][r.indicator] = r.value_json
    indicators.sort()
    tables = []
    for i in range(0, len(indicators), TECH_COLUMNS):
        chunk = indicators[i:i + TECH_COLUMNS]
        tables.append({"columns": [x.replace("-", " ").replace("_", " ") for x in chunk],
                       "rows": [{"id": s["site_id"], "name": names[s["site_id"]],
                                 "figures": [_tech_value(f, values[s["site_id"]].get(x)) for x in chunk]}
                                for s in order if s["site_id"] in values]})
    return {"available": True, "tables": tables,
            "intro": _("Auxiliary indicators measured by the automated checks. They describe how the sites are built "
                       "and served and never enter the grades.")}


def _scorecards(f: Fmt, db: Database, rnd: Round, raw: dict, criteria, order, names, cells, thumbnails: bool) -> dict:
    _ = f._
    from reports.images import thumbnail_data_uri

    base = db.evidence_dir(rnd)
    cards = []
    for s in order:
        sid = s["site_id"]
        score, rank = _score_text(f, raw, sid)
        shot = raw["shots"].get(sid)
        thumb = thumbnail_data_uri(base / shot.path) if thumbnails and shot is not None else None
        url = s["current_url"] or s["url"]
        status = {"ok": "", "imported": "", "pending": _("not crawled")}.get(s["crawl_status"], s["crawl_status"])
        if status and s["crawl_reason"]:
            status = f"{status}: {s['crawl_reason']}"
        grades = []
        for c in criteria:
            cell = cells[(sid, c.id)]
            grades.append({**cell, "title": _(c.title.strip())})
        cards.append({"id": sid, "name": names[sid], "url": url, "href": safe_href(url), "score": score, "rank": rank,
                      "thumbnail": thumb or "", "thumbnail_alt": _("Home page of %(site)s") % {"site": names[sid]},
                      "thumbnail_url": shot.url if shot is not None else "", "status": status, "grades": grades})
    return {"cards": cards, "intro": _("One card per site: each grade with where it came from, the reviewers' notes, "
                                       "and the first evidence the checks found (links to the archived pages' "
                                       "original addresses).")}


def _settings_rows(f: Fmt, settings: dict) -> list[dict]:
    _ = f._
    per_site = {k: v for k, v in settings.items() if isinstance(v, dict)}
    if not per_site:
        return []
    keys = sorted({k for v in per_site.values() for k in v})
    rows = []
    for k in keys:
        vals = [json.dumps(v.get(k), ensure_ascii=False, sort_keys=True) for v in per_site.values()]
        counts: dict[str, int] = {}
        for v in vals:
            counts[v] = counts.get(v, 0) + 1
        if len(counts) == 1:
            shown = next(iter(counts))
        else:
            shown = "; ".join(f"{v} ({f.ngettext('%(num)s site', '%(num)s sites', n) % {'num': n}})"
                              for v, n in sorted(counts.items(), key=lambda kv: -kv[1]))
        rows.append({"name": k, "value": _short(shown.strip('"'), 160)})
    return rows


def _methodology(f: Fmt, rnd: Round, rubric: Rubric, raw: dict, criteria, index_ids: list[str]) -> dict:
    _ = f._
    metrics = sorted({t.metric for t in raw["traffic"]})
    traffic_text = _("No traffic figures were imported for this round, so the optional traffic grade is not given.")
    if metrics:
        used = [m for m in metrics if any(x.value is not None for x in raw["traffic"] if x.metric == m)]
        traffic_text = _("Traffic figures (%(metrics)s) were imported for %(n)s sites. The traffic grade ranks the sites "
                         "by one figure and gives the most used 20%% grade 5 and the least used 20%% grade 1, as the "
                         "2010 study did; tied figures share a grade, and sites without a figure get none.") % {
            "metrics": ", ".join(f"{m} ({METRICS[m][1]})" if m in METRICS else m for m in used),
            "n": f.int(len({t.site_id for t in raw["traffic"] if t.value is not None}))}
    weights = {c.id: c.weight for c in rubric.criteria}
    settings = rnd.settings
    return {
        "rubric": {"title": _(rubric.title.strip()), "id": rubric.id, "version": rubric.version,
                   "description": _(rubric.description.strip()) if rubric.description else ""},
        "paragraphs": [
            _("Each site was crawled politely (robots.txt obeyed, a pause between requests, a User-Agent naming the "
              "tool) and every response kept as evidence in WARC files. Automated checks read the stored evidence and "
              "suggested a level per criterion; reviewers confirmed or corrected each grade."),
            _("Final grades follow a declared policy: a lead's adjudication where reviewers disagreed; else the grade "
              "every reviewer of the cell gave; else the automated suggestion, marked AUTO; else no grade. Grades of a "
              "historical round are the study's own. The policy in short: %(policy)s.") % {"policy": POLICY},
            traffic_text,
            _("The index is the weighted mean of the final grades over %(criteria)s; ranks are shared on equal "
              "indices.") % {"criteria": ", ".join(f"{_(rubric.criterion(c).title.strip())} (×{weights[c]:g})"
                                                   for c in index_ids if c in weights)},
        ],
        "criteria": [{"id": c.id, "title": _(c.title.strip()), "examines": _(c.examines.strip()),
                      "weight": f"{c.weight:g}", "in_index": c.id in index_ids,
                      "kind": _("statistical") if c.kind == "statistical" else _("judged"),
                      "levels": [{"level": str(k), "css": f"g{k}", "text": _(v.strip())} for k, v in sorted(c.levels.items())]}
                     for c in criteria],
        "facts": [
            {"name": _("Round"), "value": f"{rnd.name} ({_('historical round') if rnd.kind == 'historical' else _('audit round')})"},
            {"name": _("Audit date"), "value": f.date(rnd.audit_date)},
            {"name": _("Rubric"), "value": f"{rnd.rubric_id} {rnd.rubric_version}" + (f" · sha256 {rnd.rubric_sha256[:12]}" if rnd.rubric_sha256 else "")},
            {"name": _("Sites file"), "value": (Path(rnd.sites_path).name if rnd.sites_path else "–") + (f" · sha256 {rnd.sites_sha256[:12]}" if rnd.sites_sha256 else "")},
            {"name": _("Sites"), "value": f.int(len(raw["sites"]))},
        ],
        "settings": _settings_rows(f, settings),
        "settings_empty": _("No crawl settings are recorded for this round (it was not crawled by egov-survey)."),
    }


def _summary(f: Fmt, raw: dict, criteria, sites, names, cmp: Comparison | None, country: dict, data: dict) -> dict:
    _ = f._
    n_sites = len(sites)
    reached = sum(1 for s in sites if s["crawl_status"] in ("ok", "partial"))
    judged = [c for c in criteria if c.kind == "judged"]
    counts: dict[str, int] = defaultdict(int)
    for s in sites:
        for c in judged:
            r = raw["finals"].get((s["site_id"], c.id))
            counts[r.provenance if r is not None else "missing"] += 1
    total = sum(counts.values()) or 1
    person = counts["reviewer"] + counts["agreed"] + counts["adjudicated"] + counts["historical"]
    scores = [(sc.score, sid) for sid, sc in raw["scores"].items() if sc.score is not None]
    kpis = [
        {"value": f.int(n_sites), "label": _("sites audited")},
        {"value": f.int(reached), "label": _("sites reached by the crawler")},
        {"value": f.pct(person, total), "label": _("grades confirmed by people")},
        {"value": f.int(counts["automated"]), "label": _("grades from automated checks only")},
        {"value": f.int(counts["missing"]), "label": _("grades missing")},
    ]
    if scores:
        kpis.insert(2, {"value": f.dec(sum(s for s, _sid in scores) / len(scores)), "label": _("mean index (1-5)")})
    findings = []
    if scores:
        best = max(s for s, _x in scores)
        worst = min(s for s, _x in scores)
        tops = sorted(names[sid] for s, sid in scores if s == best)
        lows = sorted(names[sid] for s, sid in scores if s == worst)
        findings.append(_("Highest index: %(best)s (%(bs)s). Lowest: %(worst)s (%(ws)s).") % {
            "best": ", ".join(tops[:3]), "bs": f.dec(best), "worst": ", ".join(lows[:3]), "ws": f.dec(worst)})
    means = []
    for c in judged:
        levels = [raw["finals"][(s["site_id"], c.id)].level for s in sites
                  if (s["site_id"], c.id) in raw["finals"] and raw["finals"][(s["site_id"], c.id)].level is not None]
        if levels:
            means.append((sum(levels) / len(levels), _(c.title.strip())))
    if len(means) >= 2:
        hi, lo = max(means), min(means)
        findings.append(_("Strongest criterion on average: %(hi)s (mean %(him)s). Weakest: %(lo)s (mean %(lom)s).") % {
            "hi": hi[1], "him": f.dec(hi[0]), "lo": lo[1], "lom": f.dec(lo[0])})
    if counts["automated"]:
        findings.append(_("%(share)s of the grades come from the automated checks alone and are marked AUTO; a reviewer "
                          "has not yet confirmed them.") % {"share": f.pct(counts["automated"], total)})
    comp = data["comparison"]
    if cmp is not None and comp["available"]:
        msg = _("Since %(prev)s: %(up)s grades improved, %(down)s declined, %(same)s unchanged.") % {
            "prev": cmp.before.name, "up": f.int(len(cmp.improved)), "down": f.int(len(cmp.declined)),
            "same": f.int(cmp.unchanged)}
        if cmp.improved:
            b = cmp.improved[0]
            msg += " " + _("Largest gain: %(site)s on %(crit)s (%(a)s → %(b)s).") % {
                "site": names.get(b.site_id, b.site_id), "crit": next(c["title"] for c in data["criteria"] if c["id"] == b.criterion)
                if any(c["id"] == b.criterion for c in data["criteria"]) else b.criterion,
                "a": f.level(b.before), "b": f.level(b.after)}
        findings.append(msg)
        if cmp.new_sites or cmp.vanished_sites:
            findings.append(_("%(new)s sites are new in this round; %(gone)s audited before are no longer in it.") % {
                "new": f.int(len(cmp.new_sites)), "gone": f.int(len(cmp.vanished_sites))})
    if country["available"]:
        last, first = country["latest"], country["first"]
        text = _("In the UN E-Government Survey %(year)s, %(country)s ranked %(rank)s of 193 (EGDI %(egdi)s).") % {
            "year": last["year"], "country": country["country"], "rank": last["rank"] or "–", "egdi": f.dec(last["egdi"], "0.000")}
        if first["year"] != last["year"] and first["rank"] and last["rank"]:
            text += " " + _("In %(year)s it ranked %(rank)s.") % {"year": first["year"], "rank": first["rank"]}
        findings.append(text)
    traffic_cells = [raw["finals"][k] for k in raw["finals"] if k[1] in {c.id for c in criteria if c.kind == "statistical"}]
    if traffic_cells:
        have = sum(1 for r in traffic_cells if r.level is not None)
        findings.append(_("Traffic grades could be given to %(have)s of %(n)s sites; the others have no traffic figure "
                          "and no traffic grade.") % {"have": f.int(have), "n": f.int(len(traffic_cells))})
    return {"kpis": kpis, "findings": findings}
