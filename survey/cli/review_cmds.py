"""Reviewer commands: `review export` and `review import` (grading sheets)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from rubric.yamlfile import InputError
from survey.cli.app import review_app
from survey.cli.common import (DbOpt, Opts, RoundOpt, RubricOpt, SitesOpt, WorkFailed, console, out)

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


