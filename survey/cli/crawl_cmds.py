"""Commands of the crawl stage: `crawl` (and `do_crawl`, which `run` and `demo` share) and `import-warc`."""

from __future__ import annotations

import threading
import time
from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from crawler.config import SETTING_NAMES, CrawlSettings
from rubric.yamlfile import InputError, Problem
from survey.cli.app import app
from survey.cli.common import DbOpt, Opts, RoundOpt, RubricOpt, SiteFilter, SitesOpt, console, out, say
from survey.db import Database


# -- crawl ------------------------------------------------------------------------------------------------
def _parse_set(pairs: list[str] | None) -> dict:
    values: dict = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise InputError([f"--set {pair!r}: expected NAME=VALUE, e.g. --set verify_tls=false"])
        key, value = pair.split("=", 1)
        key = key.strip().replace("-", "_")
        if key not in SETTING_NAMES:
            raise InputError([f"--set {key}: unknown crawl setting; known: {', '.join(SETTING_NAMES)}"])
        values[key] = value.strip()
    try:
        CrawlSettings().merged(values)
    except Exception as exc:
        raise InputError([f"--set: {exc}".splitlines()[0] + " (" + "; ".join(
            f"{e['loc'][0]}: {e['msg']}" for e in getattr(exc, "errors", lambda: [])()) + ")"]) from None
    return values


class CrawlProgress:
    """The live display: sites done, pages stored, errors, pages per second and the time left."""

    def __init__(self, progress: Progress, budgets: dict[str, int]):
        self.progress, self.budgets = progress, budgets
        self.pages: dict[str, int] = {}
        self.errors: dict[str, int] = {}
        self.done = 0
        self.started = time.monotonic()
        self.lock = threading.Lock()
        # The page budget left is the most work there can be; sites that end early give theirs back.
        self.task = progress.add_task("crawl", total=sum(budgets.values()), info="")

    def _show(self) -> None:
        pages = sum(self.pages.values())
        rate = pages / max(time.monotonic() - self.started, 1e-6)
        self.progress.update(self.task, completed=pages, info=(
            f"sites {self.done}/{len(self.budgets)} · pages {pages} · errors {sum(self.errors.values())} · {rate:.1f} pages/s"))

    def tick(self, site_id: str, info: dict) -> None:
        with self.lock:
            self.pages[site_id] = info.get("pages", self.pages.get(site_id, 0))
            self.errors[site_id] = info.get("errors", self.errors.get(site_id, 0))
            self._show()

    def site_done(self, summary) -> None:
        with self.lock:
            self.done += 1
            stored = summary.pages + summary.documents
            self.pages[summary.site_id] = stored
            self.errors[summary.site_id] = sum(summary.errors.values())
            unused = max(0, self.budgets.get(summary.site_id, 0) - stored)
            self.progress.update(self.task, total=self.progress.tasks[0].total - unused)
            self._show()


COLUMNS = ("site", "status", "pages", "docs", "rendered", "shots", "errors by kind", "requests", "secs",
           "stopped by / reason")
WIDE = 118  # below this many columns the table folds its cells; a line per site reads better


def summary_rows(summaries) -> list[tuple[str, ...]]:
    """One tuple per site, in COLUMNS order."""
    rows = []
    for s in sorted(summaries, key=lambda s: s.site_id):
        errors = ", ".join(f"{k} {v}" for k, v in sorted(s.errors.items())) or "-"
        why = s.reason if s.status == "unreachable" else (s.stopped_by or "-")
        rows.append((s.site_id, s.status, str(s.pages), str(s.documents), str(s.rendered), str(s.screenshots), errors,
                     str(s.fetched), f"{s.seconds:.1f}", why))
    return rows


def summary_table(title: str, summaries, width: int | None = None):
    """The final summary, one row per site: a table, or in a narrow terminal one line per site."""
    rows = summary_rows(summaries)
    if (width or console.width) < WIDE:
        lines = [title] + [f"{r[0]}: {r[1]}; {r[2]} pages, {r[3]} docs, {r[4]} rendered, {r[5]} shots, "
                           f"{r[7]} requests, {r[8]} s; errors: {r[6]}; {r[9]}" for r in rows]
        return "\n".join(lines)
    table = Table(title=title)
    for col in COLUMNS:
        table.add_column(col, overflow="fold", justify="right" if col in ("pages", "docs", "rendered", "shots",
                                                                          "requests", "secs") else "left")
    for r in rows:
        table.add_row(*r)
    return table


def do_crawl(opts: Opts, sites: list[str] | None, cli: dict, concurrency: int, quiet: bool = False,
             evidence_screenshots: bool = False):
    from survey.pipeline import crawl_round

    cfg, rubric = opts.sites(), opts.rubric()
    rnd = opts.round_or_new(rubric, cfg)
    db = opts.db()
    stop = threading.Event()
    ids = sites or [s.id for s in cfg.sites]
    what = "Screenshots of cited pages for" if evidence_screenshots else "Crawling"
    console.print(f"{what} {len(ids)} site(s) in round {rnd.name} ({db.target})")
    budgets = {sid: cfg.settings_for(cfg.site(sid), cli).max_pages for sid in ids}
    with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), TextColumn("{task.fields[info]}"),
                  TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=console,
                  disable=quiet or evidence_screenshots, transient=False) as progress:
        live = CrawlProgress(progress, budgets)
        try:
            summaries = crawl_round(db, rnd, cfg, site_ids=sites, cli=cli, concurrency=concurrency, tick=live.tick,
                                    stop=stop, on_done=live.site_done, evidence_screenshots=evidence_screenshots)
        except KeyboardInterrupt:
            stop.set()
            say("Interrupted.", "What was fetched is stored; run the same command to resume.", "yellow")
            raise typer.Exit(130)
    if not quiet:
        console.print(summary_table(f"{what} round {rnd.name}", summaries))
    return rnd, summaries


@app.command()
def crawl(sites: SitesOpt = Path("sites.yaml"), rubric: RubricOpt = None, db: DbOpt = "survey.db", round: RoundOpt = None,
          site: SiteFilter = None,
          concurrency: Annotated[int, typer.Option(help="Sites crawled at once (each site: one request at a time).")] = 4,
          delay: Annotated[Optional[float], typer.Option(help="Seconds between requests to one host.")] = None,
          max_pages: Annotated[Optional[int], typer.Option(help="Responses stored per site.")] = None,
          max_depth: Annotated[Optional[int], typer.Option(help="Link hops from a start URL.")] = None,
          render: Annotated[Optional[str], typer.Option(help="auto | always | never")] = None,
          set_: Annotated[Optional[list[str]], typer.Option("--set", help="Any crawl setting, NAME=VALUE (repeatable).")] = None,
          dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be crawled, and with which settings.")] = False,
          screenshots_for_evidence: Annotated[bool, typer.Option(
              "--screenshots-for-evidence",
              help="Fetch no new pages; take full-page screenshots of the stored pages the checks cite (run after `check`).")] = False):
    """Fetch the sites politely and store every response as evidence (WARC + index). Resumes if interrupted."""
    opts = Opts(sites, rubric, db, round)
    cli = _parse_set(set_)
    cli.update({k: v for k, v in dict(delay=delay, max_pages=max_pages, max_depth=max_depth, render=render).items()
                if v is not None})
    _parse_set([f"{k}={v}" for k, v in cli.items()])
    cfg = opts.sites()
    from survey.pipeline import select_sites

    ids = select_sites([s.id for s in cfg.sites], site, str(cfg.path))
    if dry_run:
        for sid in ids:
            s = cfg.site(sid)
            st = cfg.settings_for(s, cli)
            starts = ", ".join(f"{k or 'main'}={u}" for k, u in s.start_urls().items())
            out.print(f"{sid}: {starts}  "
                      f"[max_pages={st.max_pages} max_depth={st.max_depth} delay={st.delay} render={st.render}]")
        return
    do_crawl(opts, ids, cli, concurrency, evidence_screenshots=screenshots_for_evidence)


# -- import-warc ------------------------------------------------------------------------------------------
@app.command("import-warc")
def import_warc(files: Annotated[list[Path], typer.Argument(help="WARC or ARC files (.warc, .warc.gz, .arc, .arc.gz).")],
                site: Annotated[str, typer.Option("--site", help="The site id the captures belong to.")],
                sites: SitesOpt = Path("sites.yaml"), rubric: RubricOpt = None, db: DbOpt = "survey.db",
                round: RoundOpt = None):
    """Add captures made by other tools (Heritrix, Browsertrix, wget, webrecorder) as a site's evidence for a round.

    Each file is read to its end first; a damaged one is refused with the reason (exit code 2) and nothing of
    it is stored, while the good files are imported. `--round NEW` creates the round (for archived sites).
    """
    from crawler.importer import scan_archive
    from survey.store import import_archive

    missing = [Problem(str(f), None, "", "file not found") for f in files if not f.is_file()]
    if missing:
        raise InputError(missing)
    opts = Opts(sites, rubric, db, round)
    cfg = opts.sites() if sites.exists() else None
    configured = [s.id for s in cfg.sites] if cfg is not None else []
    existing = Database(db) if "://" in db or Path(db).exists() else None
    rounds = {r.name: r for r in existing.rounds()} if existing is not None else {}
    target = rounds.get(round) if round else (list(rounds.values())[-1] if rounds else None)
    # Everything is checked before anything is created: bad input leaves no new database or round behind.
    if site not in configured and (target is None or site not in existing.site_ids(target)):
        where = str(sites) if cfg is not None else f"the round (and there is no {sites})"
        raise InputError([Problem(str(sites) if cfg is not None else "", None, "--site",
                                  f"unknown site id {site!r} in {where}; add the site to the sites file, or pass "
                                  "--sites with one that lists it")])
    database = existing or opts.db(create=True)
    rnd = target or database.create_round(round or date.today().isoformat(), rubric=opts.rubric(), sites_cfg=cfg)
    if site not in database.site_ids(rnd):
        database.sync_sites(rnd, [cfg.site(site)])
    problems = []
    for path in files:
        scan = scan_archive(path)
        if scan.error:
            problems.append(Problem(str(path), None, "", f"refused: {scan.error}"))
            continue
        for warning in scan.warnings:
            say("note:", f"{path}: {warning}", "yellow")
        if scan.captures:
            rel, n = import_archive(database, rnd, site, scan)
            out.print(f"{path}: {n} capture(s) imported for {site} into round {rnd.name} ({rel})")
    if problems:
        raise InputError(problems)
