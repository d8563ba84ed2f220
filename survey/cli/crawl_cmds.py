"""Commands of the crawl stage: `crawl` (and `do_crawl`, which `run` and `demo` share)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from crawler.config import SETTING_NAMES, CrawlSettings
from rubric.yamlfile import InputError
from survey.cli.app import app
from survey.cli.common import (DbOpt, Opts, RoundOpt, RubricOpt, SiteFilter, SitesOpt, console, out,
                               say)

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


def do_crawl(opts: Opts, sites: list[str] | None, cli: dict, concurrency: int, quiet: bool = False):
    from survey.pipeline import crawl_round

    cfg, rubric = opts.sites(), opts.rubric()
    rnd = opts.round_or_new(rubric, cfg)
    db = opts.db()
    stop = threading.Event()
    ids = sites or [s.id for s in cfg.sites]
    console.print(f"Crawling {len(ids)} site(s) into round {rnd.name} ({db.target})")
    pages = {"n": 0, "errors": 0}
    with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[info]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                  console=console, disable=quiet, transient=False) as progress:
        task = progress.add_task("sites", total=len(ids), info="")
        started = time.monotonic()
        lock = threading.Lock()

        def tick(site_id: str, info: dict) -> None:
            with lock:
                pages["n"] += 1
                rate = pages["n"] / max(time.monotonic() - started, 1e-6)
                progress.update(task, info=f"{pages['n']} requests, {rate:.1f}/s, last: {site_id}")

        def done(summary) -> None:
            progress.advance(task)

        try:
            summaries = crawl_round(db, rnd, cfg, site_ids=sites, cli=cli, concurrency=concurrency, tick=tick, stop=stop,
                                    on_done=done)
        except KeyboardInterrupt:
            stop.set()
            say("Interrupted.", "What was fetched is stored; run the same command to resume.", "yellow")
            raise typer.Exit(130)
    table = Table(title=f"Crawl of round {rnd.name}")
    for col in ("site", "status", "pages", "documents", "requests", "errors", "rendered", "seconds", "stopped by"):
        table.add_column(col)
    for s in sorted(summaries, key=lambda s: s.site_id):
        errors = ", ".join(f"{k}:{v}" for k, v in sorted(s.errors.items())) or "-"
        table.add_row(s.site_id, s.status, str(s.pages), str(s.documents), str(s.fetched), errors, str(s.rendered),
                      f"{s.seconds:.1f}", s.stopped_by or "-")
    if not quiet:
        console.print(table)
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
          dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be crawled, and with which settings.")] = False):
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
    do_crawl(opts, ids, cli, concurrency)


