"""The stages of an audit round, each runnable alone on what the previous one stored.

crawl -> check -> (reviewers) -> score -> report. Each stage replaces only its own rows for the round (and
only for the sites it ran on): re-running `check` never touches crawled evidence or reviewer grades;
re-running `score` never touches suggestions or grades.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from sqlalchemy import and_, delete, insert, select

from crawler.config import SitesConfig
from crawler.crawl import CrawlSummary, crawl_site
from rubric.lexicons import load_lexicons
from rubric.model import Rubric
from rubric.yamlfile import InputError
from scoring.checks import CHECKS, Context
from scoring.final import ReviewerGrade, competition_ranks, final_grade, weighted_score
from scoring.run import check_site
from survey import schema
from survey.agreement import update_agreement
from survey.db import Database, Round, now
from survey.store import RoundStore, load_artifacts

Tick = Callable[[str, dict], None]


def _noop(_site: str, _info: dict) -> None:
    pass


def select_sites(available: Iterable[str], wanted: Iterable[str] | None, where: str) -> list[str]:
    """The wanted site ids (all if none given); InputError naming unknown ones."""
    available = list(available)
    if not wanted:
        return available
    wanted = list(wanted)
    unknown = [s for s in wanted if s not in available]
    if unknown:
        raise InputError([f"{where}: unknown site id(s) {', '.join(unknown)}; known: {', '.join(available)}"])
    return wanted


# -- crawl ------------------------------------------------------------------------------------------------
def crawl_round(db: Database, rnd: Round, cfg: SitesConfig, *, site_ids: list[str] | None = None,
                cli: dict[str, Any] | None = None, concurrency: int = 4, tick: Tick = _noop,
                stop: threading.Event | None = None, on_done: Callable[[CrawlSummary], None] | None = None) -> list[CrawlSummary]:
    """Crawl the round's sites (several at once; each site's requests one at a time)."""
    db.sync_sites(rnd, cfg.sites)
    ids = select_sites([s.id for s in cfg.sites], site_ids, cfg.path)
    store = RoundStore(db, rnd)
    lexicons = load_lexicons()
    stop = stop or threading.Event()
    settings = {sid: cfg.settings_for(cfg.site(sid), cli) for sid in ids}
    recorded = rnd.settings
    recorded.update({sid: s.model_dump() for sid, s in settings.items()})
    db.update_round(rnd, settings_json=json.dumps(recorded, sort_keys=True, default=str), sites_sha256=cfg.sha256,
                    sites_path=cfg.path)
    summaries: list[CrawlSummary] = []
    with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="crawl") as pool:
        futures = {pool.submit(crawl_site, cfg.site(sid), settings[sid], store, lexicons=lexicons, progress=tick,
                               stop=stop): sid for sid in ids}
        try:
            for fut in as_completed(futures):
                sid = futures[fut]
                try:
                    summary = fut.result()
                except Exception as exc:  # a crawler bug on one site must not stop the others
                    summary = CrawlSummary(sid, status="unreachable", reason=f"crawler error: {type(exc).__name__}: {exc}")
                    store.add_finding(sid, "", "crawler-error", summary.reason)
                summaries.append(summary)
                if on_done:
                    on_done(summary)
        except KeyboardInterrupt:
            stop.set()
            raise
    return summaries


# -- check ------------------------------------------------------------------------------------------------
@dataclass
class CheckStageResult:
    site_id: str
    suggested: dict[str, int | None]
    errors: int


def check_round(db: Database, rnd: Round, rubric: Rubric, *, site_ids: list[str] | None = None,
                tick: Tick = _noop) -> list[CheckStageResult]:
    """Run every check on the stored evidence; replace this round's check results and suggestions."""
    sites = {s["site_id"]: s for s in db.sites(rnd)}
    ids = select_sites(sites, site_ids, f"round {rnd.name}")
    ctx = Context(load_lexicons())
    out = []
    for sid in ids:
        arts = load_artifacts(db, rnd, sites[sid])
        result = check_site(arts, rubric, ctx, CHECKS)
        stamp = now()
        by_id = {c.id: c for c in CHECKS}
        with db.engine.begin() as conn:
            for t in (schema.check_results, schema.evidence, schema.suggestions):
                conn.execute(delete(t).where(and_(t.c.round_id == rnd.id, t.c.site_id == sid)))
            for cid, r in result.results.items():
                conn.execute(insert(schema.check_results).values(
                    round_id=rnd.id, site_id=sid, check_id=cid, criterion=by_id[cid].criterion, status=r.status,
                    level=r.level, explanation=r.explanation, features_json=json.dumps(r.features),
                    findings_json=json.dumps(r.findings, ensure_ascii=False), error=r.error, ran_at=stamp))
                for ev in r.evidence:
                    conn.execute(insert(schema.evidence).values(
                        round_id=rnd.id, site_id=sid, check_id=cid, criterion=by_id[cid].criterion, url=ev.url,
                        label=ev.label, snippet=ev.snippet, location=ev.location,
                        region_json=json.dumps(ev.region) if ev.region else ""))
            for crit, s in result.suggestions.items():
                conn.execute(insert(schema.suggestions).values(
                    round_id=rnd.id, site_id=sid, criterion=crit, level=s.level,
                    reasons_json=json.dumps(s.reasons, ensure_ascii=False), features_json=json.dumps(s.features),
                    evidence_count=s.evidence_count))
        errors = sum(1 for r in result.results.values() if r.status == "error")
        out.append(CheckStageResult(sid, {c: s.level for c, s in result.suggestions.items()}, errors))
        tick(sid, {"done": True, "errors": errors})
    return out


# -- score ------------------------------------------------------------------------------------------------
def score_round(db: Database, rnd: Round, rubric: Rubric) -> dict[str, dict[str, Any]]:
    """Final grades with provenance, weighted scores and ranks; replaces this round's scores only."""
    site_ids = db.site_ids(rnd)
    criteria = [c for c in rubric.criteria if c.kind == "judged"]
    with db.engine.connect() as conn:
        sugg = {(r.site_id, r.criterion): r.level for r in
                conn.execute(select(schema.suggestions).where(schema.suggestions.c.round_id == rnd.id))}
        grades: dict[tuple[str, str], list[ReviewerGrade]] = {}
        for g in conn.execute(select(schema.grades).where(schema.grades.c.round_id == rnd.id)).mappings():
            grades.setdefault((g["site_id"], g["criterion"]), []).append(
                ReviewerGrade(g["reviewer"], g["level"], bool(g["cannot_assess"]), g["source"], g["note"]))
        adj = {(a.site_id, a.criterion): (a.level, a.reason) for a in
               conn.execute(select(schema.adjudications).where(schema.adjudications.c.round_id == rnd.id))}
    weights = {c.id: c.weight for c in criteria}
    finals: dict[str, dict[str, Any]] = {}
    scores: dict[str, float | None] = {}
    for sid in site_ids:
        cells = {}
        for c in criteria:
            a_level, a_reason = adj.get((sid, c.id), (None, ""))
            cells[c.id] = final_grade(sugg.get((sid, c.id)), grades.get((sid, c.id), []), a_level, a_reason)
        finals[sid] = cells
        scores[sid] = weighted_score({cid: f.level for cid, f in cells.items()}, weights)
    ranks = competition_ranks(scores)
    stamp = now()
    with db.engine.begin() as conn:
        for t in (schema.final_scores, schema.site_scores):
            conn.execute(delete(t).where(t.c.round_id == rnd.id))
        for sid, cells in finals.items():
            for cid, f in cells.items():
                conn.execute(insert(schema.final_scores).values(round_id=rnd.id, site_id=sid, criterion=cid,
                                                                level=f.level, provenance=f.provenance,
                                                                detail=f.detail, computed_at=stamp))
            conn.execute(insert(schema.site_scores).values(
                round_id=rnd.id, site_id=sid, score=scores[sid], rank=ranks[sid],
                graded=sum(1 for f in cells.values() if f.level is not None),
                automated=sum(1 for f in cells.values() if f.provenance == "automated"), computed_at=stamp))
    update_agreement(db, rnd, rubric)
    return finals
