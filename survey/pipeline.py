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

from sqlalchemy import and_, delete, insert

from crawler.config import SitesConfig
from crawler.crawl import CrawlSummary, crawl_site, screenshot_pages
from crawler.store import SiteOutcome
from rubric.lexicons import load_lexicons
from rubric.model import Rubric
from rubric.yamlfile import InputError
from scoring.checks import CHECKS, Context
from scoring.run import check_site
from scoring.technical import AxeRunner, site_indicators
from survey import schema
from survey.db import Database, Round, now
from survey.scores import score_round  # noqa: F401 - the score stage, beside the others
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
                stop: threading.Event | None = None, on_done: Callable[[CrawlSummary], None] | None = None,
                evidence_screenshots: bool = False) -> list[CrawlSummary]:
    """Crawl the round's sites (several at once; one request at a time per host, across all of them).

    With `evidence_screenshots`, fetch nothing new but take full-page screenshots of the pages the checks
    cite as evidence (run after `check`).
    """
    db.sync_sites(rnd, cfg.sites)
    ids = select_sites([s.id for s in cfg.sites], site_ids, cfg.path)
    store = RoundStore(db, rnd)  # one store for all sites: it holds the per-host slots they share
    lexicons = load_lexicons()
    stop = stop or threading.Event()
    settings = {sid: cfg.settings_for(cfg.site(sid), cli) for sid in ids}
    if not evidence_screenshots:
        recorded = rnd.settings
        recorded.update({sid: s.model_dump() for sid, s in settings.items()})
        db.update_round(rnd, settings_json=json.dumps(recorded, sort_keys=True, default=str), sites_sha256=cfg.sha256,
                        sites_path=cfg.path)
    work = screenshot_pages if evidence_screenshots else crawl_site
    summaries: list[CrawlSummary] = []
    pool = ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="crawl")
    futures = {pool.submit(work, cfg.site(sid), settings[sid], store, lexicons=lexicons, progress=tick,
                           stop=stop): sid for sid in ids}
    try:
        for fut in as_completed(futures):
            sid = futures[fut]
            try:
                summary = fut.result()
            except Exception as exc:  # a crawler bug on one site must not stop the others
                summary = CrawlSummary(sid, status="unreachable", reason=f"crawler error: {type(exc).__name__}: {exc}")
                store.add_finding(sid, "", "crawler-error", summary.reason)
                if not evidence_screenshots:  # a failed screenshot run leaves the crawl's outcome as it was
                    store.set_outcome(sid, SiteOutcome(summary.status, summary.reason, summary.as_dict()))
            summaries.append(summary)
            if on_done:
                on_done(summary)
    except BaseException:
        # Ctrl-C: sites not started stay pending; running ones store what they have and stop at once.
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        pool.shutdown(wait=True)
        store.close()
    return summaries


# -- check ------------------------------------------------------------------------------------------------
@dataclass
class CheckStageResult:
    site_id: str
    suggested: dict[str, int | None]
    errors: int


def check_round(db: Database, rnd: Round, rubric: Rubric, *, site_ids: list[str] | None = None,
                tick: Tick = _noop, launch_options: dict | None = None) -> list[CheckStageResult]:
    """Run every check on the stored evidence; replace this round's check results, suggestions and technical
    indicators (axe-core runs in the browser given by `launch_options`, offline; without one it is skipped)."""
    sites = {s["site_id"]: s for s in db.sites(rnd)}
    ids = select_sites(sites, site_ids, f"round {rnd.name}")
    ctx = Context(load_lexicons())
    out = []
    axe = AxeRunner(launch_options) if launch_options is not None else None
    try:
        for sid in ids:
            out.append(_check_site_stage(db, rnd, rubric, ctx, sites[sid], axe))
            tick(sid, {"done": True, "errors": out[-1].errors})
    finally:
        if axe is not None:
            axe.close()
    return out


def _check_site_stage(db: Database, rnd: Round, rubric: Rubric, ctx: Context, site: dict,
                      axe: AxeRunner | None) -> CheckStageResult:
    sid = site["site_id"]
    arts = load_artifacts(db, rnd, site)
    result = check_site(arts, rubric, ctx, CHECKS)
    tech = site_indicators(arts, axe)
    stamp = now()
    by_id = {c.id: c for c in CHECKS}
    rows = {
        schema.technical: [dict(round_id=rnd.id, site_id=sid, indicator=name, computed_at=stamp,
                                value_json=json.dumps(value, ensure_ascii=False, default=str))
                           for name, value in tech.values.items()],
        schema.check_results: [dict(round_id=rnd.id, site_id=sid, check_id=cid, criterion=by_id[cid].criterion,
                                    status=r.status, level=r.level, explanation=r.explanation,
                                    features_json=json.dumps(r.features),
                                    findings_json=json.dumps(r.findings, ensure_ascii=False), error=r.error,
                                    ran_at=stamp)
                               for cid, r in result.results.items()],
        schema.evidence: [dict(round_id=rnd.id, site_id=sid, check_id=cid, criterion=by_id[cid].criterion, url=ev.url,
                               label=ev.label, snippet=ev.snippet, location=ev.location,
                               region_json=json.dumps(ev.region) if ev.region else "")
                          for cid, r in result.results.items() for ev in r.evidence],
        schema.suggestions: [dict(round_id=rnd.id, site_id=sid, criterion=crit, level=s.level,
                                  reasons_json=json.dumps(s.reasons, ensure_ascii=False),
                                  features_json=json.dumps(s.features), evidence_count=s.evidence_count)
                             for crit, s in result.suggestions.items()],
    }
    with db.engine.begin() as conn:
        for t, values in rows.items():
            conn.execute(delete(t).where(and_(t.c.round_id == rnd.id, t.c.site_id == sid)))
            if values:  # executemany: one statement per table; an empty list would insert a row of defaults
                conn.execute(insert(t), values)
    errors = sum(1 for r in result.results.values() if r.status == "error")
    return CheckStageResult(sid, {c: s.level for c, s in result.suggestions.items()}, errors)
