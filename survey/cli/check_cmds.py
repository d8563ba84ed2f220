"""Commands of the check stage: `check` (and `do_check`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from survey.cli.app import app
from survey.cli.common import (DbOpt, Opts, RoundOpt, RubricOpt, SiteFilter, SitesOpt, console, say)

# -- check ------------------------------------------------------------------------------------------------
def _browser_options(axe: bool) -> dict | None:
    """Launch options for axe-core's Chromium, or None (with a warning) when there is none."""
    if not axe:
        return None
    from crawler.browser import launch_options

    try:
        return launch_options()
    except RuntimeError as exc:
        say("warning:", f"accessibility (axe-core) not measured: {exc}", "yellow")
        return None


def do_check(opts: Opts, sites: list[str] | None = None, quiet: bool = False, axe: bool = True):
    from survey.pipeline import check_round

    rubric = opts.rubric()
    rnd = opts.round()
    n = len(sites) if sites else len(opts.db().site_ids(rnd))
    with Progress(TextColumn("checking"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[info]}"),
                  TimeElapsedColumn(), console=console, disable=quiet) as progress:
        task = progress.add_task("check", total=n, info="")
        results = check_round(opts.db(), rnd, rubric, site_ids=sites, launch_options=_browser_options(axe),
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
          site: SiteFilter = None,
          axe: Annotated[bool, typer.Option("--axe/--no-axe", help="Measure accessibility with axe-core in Chromium "
                                            "on the stored home pages (offline; needs a Chromium).")] = True):
    """Run the automated checks on the stored evidence (offline) and suggest a level per criterion."""
    do_check(Opts(sites, rubric, db, round), site, axe=axe)


