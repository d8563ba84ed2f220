"""The `egov-survey` command: one subcommand per stage of an audit round, plus `run` and `demo`.

Stages: init (a new audit folder), crawl, check, review export/import, score, report, export; `run` does
crawl, check, score and report in turn; `demo` serves the bundled fictional ministry sites on 127.0.0.1 and
runs the whole path on them.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from crawler.config import SETTING_NAMES, CrawlSettings
from rubric.model import DEFAULT_RUBRIC
from rubric.yamlfile import InputError
from survey.cli.common import (DbOpt, Opts, RoundOpt, RubricOpt, SiteFilter, SitesOpt, WorkFailed, console,
                               die_unexpected, out, report_input_error, say)

app = typer.Typer(name="egov-survey", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="Audit government websites: crawl with evidence, check, grade, score and report.")
review_app = typer.Typer(no_args_is_help=True, help="Reviewer grading sheets: export to fill in, import back.")
app.add_typer(review_app, name="review")

VERSION = "0.1.0"


def _default_sites() -> Path:
    """The study's sites.yaml: in the installed package, or at the root of a source checkout."""
    packaged = Path(__file__).resolve().parent.parent / "data" / "sites.yaml"
    return packaged if packaged.exists() else Path(__file__).resolve().parents[2] / "sites.yaml"


# -- init -------------------------------------------------------------------------------------------------
@app.command()
def init(directory: Annotated[Path, typer.Argument(help="The folder for the new audit.")] = Path("."),
         force: Annotated[bool, typer.Option("--force", help="Overwrite sites.yaml and rubric.yaml if present.")] = False):
    """Create an audit folder with the study's sites.yaml and the rubric, ready to edit."""
    directory.mkdir(parents=True, exist_ok=True)
    targets = {directory / "sites.yaml": _default_sites(), directory / "rubric.yaml": DEFAULT_RUBRIC}
    existing = [str(t) for t in targets if t.exists()]
    if existing and not force:
        raise InputError([f"{p}: already exists; edit it, or pass --force to replace it" for p in existing])
    for target, source in targets.items():
        shutil.copyfile(source, target)
    out.print(f"Created {directory / 'sites.yaml'} and {directory / 'rubric.yaml'}.")
    out.print(f"Next: edit the sites, then run `egov-survey run --sites {directory / 'sites.yaml'} "
              f"--rubric {directory / 'rubric.yaml'} --db {directory / 'survey.db'}`.")


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


# -- check ------------------------------------------------------------------------------------------------
def do_check(opts: Opts, sites: list[str] | None = None, quiet: bool = False):
    from survey.pipeline import check_round

    rubric = opts.rubric()
    rnd = opts.round()
    n = len(sites) if sites else len(opts.db().site_ids(rnd))
    with Progress(TextColumn("checking"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[info]}"),
                  TimeElapsedColumn(), console=console, disable=quiet) as progress:
        task = progress.add_task("check", total=n, info="")
        results = check_round(opts.db(), rnd, rubric, site_ids=sites,
                              tick=lambda sid, info: progress.update(task, advance=1, info=sid))
    errors = sum(r.errors for r in results)
    if not quiet:
        table = Table(title=f"Suggested levels, round {rnd.name}")
        table.add_column("site")
        crits = [c.id for c in rubric.judged]
        for c in crits:
            table.add_column(c[:14])
        for r in results:
            table.add_row(r.site_id, *[str(r.suggested.get(c) or "-") for c in crits])
        console.print(table)
    if errors:
        say("warning:", f"{errors} check(s) failed with an error; their sites keep the other checks' results.", "yellow")
    return results


@app.command()
def check(sites: SitesOpt = Path("sites.yaml"), rubric: RubricOpt = None, db: DbOpt = "survey.db", round: RoundOpt = None,
          site: SiteFilter = None):
    """Run the automated checks on the stored evidence (offline) and suggest a level per criterion."""
    do_check(Opts(sites, rubric, db, round), site)


# -- review -----------------------------------------------------------------------------------------------
@review_app.command("export")
def review_export(output: Annotated[Path, typer.Option("--output", "-o", help="The sheet to write (.csv or .xlsx).")],
                  format: Annotated[Optional[str], typer.Option("--format", help="csv | xlsx (default: from --output).")] = None,
                  reviewer: Annotated[str, typer.Option(help="Pre-fill this reviewer's existing grades.")] = "",
                  sites: SitesOpt = Path("sites.yaml"), rubric: RubricOpt = None, db: DbOpt = "survey.db",
                  round: RoundOpt = None):
    """Write a grading sheet: one row per site and criterion, with suggestions, evidence and level texts."""
    from scoring.sheets import write_sheet
    from survey.tables import sheet_rows

    fmt = (format or output.suffix.lstrip(".") or "csv").lower()
    if fmt not in ("csv", "xlsx"):
        raise InputError([f"--format {fmt}: use csv or xlsx"])
    opts = Opts(sites, rubric, db, round)
    rows = sheet_rows(opts.db(), opts.round(), opts.rubric(), reviewer)
    write_sheet(rows, output, fmt)
    out.print(f"Wrote {len(rows)} rows to {output}")


@review_app.command("import")
def review_import(file: Annotated[Path, typer.Argument(help="A filled grading sheet (.csv or .xlsx).")],
                  reviewer: Annotated[str, typer.Option(help="Whose grades these are.")],
                  replace: Annotated[bool, typer.Option("--replace", help="Overwrite differing existing grades.")] = False,
                  sites: SitesOpt = Path("sites.yaml"), rubric: RubricOpt = None, db: DbOpt = "survey.db",
                  round: RoundOpt = None):
    """Import a reviewer's grades from a sheet; conflicts with stored grades are listed, not overwritten."""
    from scoring.sheets import read_sheet
    from survey.grading import import_rows

    opts = Opts(sites, rubric, db, round)
    rnd, rub = opts.round(), opts.rubric()
    rows = read_sheet(file, opts.db().site_ids(rnd), [c.id for c in rub.judged])
    report = import_rows(opts.db(), rnd, rows, reviewer, replace=replace)
    if report.conflicts and not replace:
        for c in report.conflicts:
            console.print(f"{file}: {c}", soft_wrap=True)
        raise WorkFailed(f"{len(report.conflicts)} conflict(s) with stored grades; nothing was written. "
                         "Re-run with --replace to overwrite them (every change is kept in the history).")
    out.print(f"Imported {report.written} grade(s) for {reviewer} into round {rnd.name} ({report.unchanged} unchanged).")


# -- score, report, export --------------------------------------------------------------------------------
def do_score(opts: Opts, quiet: bool = False):
    from survey.pipeline import score_round

    rnd = opts.round()
    finals = score_round(opts.db(), rnd, opts.rubric())
    if not quiet:
        counts: dict[str, int] = {}
        for cells in finals.values():
            for f in cells.values():
                counts[f.provenance] = counts.get(f.provenance, 0) + 1
        console.print(f"Scored {len(finals)} site(s) in round {rnd.name}: "
                      + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
    return finals


@app.command()
def score(sites: SitesOpt = Path("sites.yaml"), rubric: RubricOpt = None, db: DbOpt = "survey.db", round: RoundOpt = None):
    """Combine suggested and reviewer grades into final grades with provenance, scores and ranks."""
    do_score(Opts(sites, rubric, db, round))


def do_report(opts: Opts, output: Path, formats: list[str], quiet: bool = False) -> dict[str, Path]:
    from reports.render import render_html
    from survey.tables import report_data

    rnd = opts.round()
    data = report_data(opts.db(), rnd, opts.rubric(), version=VERSION)
    paths: dict[str, Path] = {}
    html = render_html(data, output / "report.html")
    paths["html"] = html
    if "pdf" in formats:
        from crawler.browser import launch_options
        from reports.pdf import html_to_pdf

        try:
            launch = launch_options()
        except RuntimeError as exc:
            raise WorkFailed(f"cannot print the PDF: {exc}") from None
        paths["pdf"] = html_to_pdf(html, output / "report.pdf", launch)
    for kind, p in paths.items():
        out.print(f"{kind.upper()} report: {p.resolve()}")
    return paths


@app.command()
def report(output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the report files.")] = Path("report"),
           format: Annotated[str, typer.Option("--format", help="Comma-separated: html, pdf.")] = "html,pdf",
           sites: SitesOpt = Path("sites.yaml"), rubric: RubricOpt = None, db: DbOpt = "survey.db", round: RoundOpt = None):
    """Write the comparison report (HTML, and PDF printed by Chromium)."""
    formats = [f.strip().lower() for f in format.split(",") if f.strip()]
    bad = [f for f in formats if f not in ("html", "pdf")]
    if bad:
        raise InputError([f"--format {','.join(bad)}: use html and/or pdf"])
    do_report(Opts(sites, rubric, db, round), output, formats)


@app.command()
def export(format: Annotated[str, typer.Option("--format", help="csv | json | xlsx")] = "csv",
           output: Annotated[Optional[Path], typer.Option("--output", "-o", help="File to write (default: standard output; required for xlsx).")] = None,
           sites: SitesOpt = Path("sites.yaml"), rubric: RubricOpt = None, db: DbOpt = "survey.db", round: RoundOpt = None):
    """Write the long table: one row per site x criterion with suggested, reviewer and final levels."""
    from survey.exports import write_long

    fmt = format.lower()
    if fmt not in ("csv", "json", "xlsx"):
        raise InputError([f"--format {format}: use csv, json or xlsx"])
    if fmt == "xlsx" and output is None:
        raise InputError(["--format xlsx needs --output FILE (a workbook cannot go to the terminal)"])
    opts = Opts(sites, rubric, db, round)
    n = write_long(opts.db(), opts.round(), opts.rubric(), fmt, output)
    if output is not None:
        console.print(f"Wrote {n} rows to {output}")


# -- run, demo --------------------------------------------------------------------------------------------
def run_all(sites: SitesOpt = Path("sites.yaml"), rubric: RubricOpt = None, db: DbOpt = "survey.db", round: RoundOpt = None,
            site: SiteFilter = None, output: Annotated[Path, typer.Option("--output", "-o", help="Report folder.")] = Path("report"),
            concurrency: Annotated[int, typer.Option(help="Sites crawled at once.")] = 4,
            format: Annotated[str, typer.Option("--format", help="Report formats: html, pdf.")] = "html,pdf"):
    """All stages in turn: crawl, check, score, report."""
    opts = Opts(sites, rubric, db, round)
    rnd, _ = do_crawl(opts, site, {}, concurrency)
    opts.round_name = rnd.name
    do_check(opts, site)
    do_score(opts)
    do_report(opts, output, [f.strip() for f in format.split(",")])


app.command("run")(run_all)


@app.command()
def demo(output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the demo's database and reports.")] = Path("demo-output"),
         pdf: Annotated[bool, typer.Option("--pdf/--no-pdf", help="Also print the PDF report.")] = True,
         serve: Annotated[bool, typer.Option("--serve", help="Keep the demo sites running after the demo, until Ctrl-C.")] = False):
    """Serve the bundled fictional ministry sites on 127.0.0.1 and run the whole audit on them."""
    from survey.demo.run import run_demo

    paths = run_demo(output, pdf=pdf, keep_serving=serve)
    for kind, p in paths.items():
        out.print(f"{kind}: {p.resolve()}")


@app.command()
def version():
    """Print the version."""
    out.print(f"egov-survey {VERSION}")


def run(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and map outcomes to exit codes (0 ok, 1 work failed, 2 bad input).

    Typer handles usage errors itself (exit 2, with the usage line); our commands raise InputError for bad
    input files and WorkFailed for work that could not be done.
    """
    try:
        app(args=argv, prog_name="egov-survey")
    except InputError as exc:
        report_input_error(exc)
        sys.exit(2)
    except WorkFailed as exc:
        say("failed:", str(exc))
        sys.exit(1)
    except KeyboardInterrupt:
        console.print("Interrupted.")
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - last line of defence: a short message, not a traceback
        if os.environ.get("EGOV_SURVEY_DEBUG"):
            raise
        die_unexpected(exc)
        sys.exit(1)


if __name__ == "__main__":
    run()
