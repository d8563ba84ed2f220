"""Commands of the scoring and reporting stages: `score`, `report`, `export`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from rubric.yamlfile import InputError
from survey.cli.app import __version__, app
from survey.cli.common import (DbOpt, Opts, RoundOpt, RubricOpt, SitesOpt, WorkFailed, console, out)

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
    data = report_data(opts.db(), rnd, opts.rubric(), version=__version__)
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


