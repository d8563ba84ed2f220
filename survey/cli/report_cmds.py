"""Commands of the scoring and reporting stages: `score`, `report`, `export`, `compare`, `traffic import`, `un import`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from rubric.yamlfile import InputError
from survey.cli.app import __version__, app
from survey.cli.common import DbOpt, Opts, RoundOpt, RubricOpt, SitesOpt, WorkFailed, console, out, refuse_conflicts

traffic_app = typer.Typer(no_args_is_help=True, help="Traffic figures per site, graded by quintile when scoring.")
un_app = typer.Typer(no_args_is_help=True, help="The UN E-Government Survey's indices, for the report's country context.")
app.add_typer(traffic_app, name="traffic")
app.add_typer(un_app, name="un")

REPORT_FORMATS = ("html", "pdf", "csv", "xlsx")
ReplaceOpt = Annotated[bool, typer.Option("--replace", help="Overwrite stored figures that differ (default: list the conflicts, write nothing).")]


# -- score ------------------------------------------------------------------------------------------------
def do_score(opts: Opts, quiet: bool = False, *, include_optional: bool = False, traffic_metric: str | None = None):
    from survey.scores import score_round, scored_summary

    rnd = opts.round()
    finals = score_round(opts.db(), rnd, opts.rubric(), include_optional=include_optional, traffic_metric=traffic_metric)
    if not quiet:
        counts = scored_summary(finals)
        console.print(f"Scored {len(finals)} site(s) in round {rnd.name}: "
                      + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
    return finals


@app.command()
def score(sites: SitesOpt = Path("sites.yaml"), rubric: RubricOpt = None, db: DbOpt = "survey.db", round: RoundOpt = None,
          include_optional: Annotated[bool, typer.Option("--include-optional", help="Count optional criteria (the traffic grade) in the index.")] = False,
          traffic_metric: Annotated[Optional[str], typer.Option("--traffic-metric", help="monthly-visits | rank (default: the metric most sites have).")] = None):
    """Combine suggested and reviewer grades into final grades with provenance, traffic grades, scores and ranks."""
    if traffic_metric is not None:
        from scoring.traffic import check_metric

        check_metric(traffic_metric)
    do_score(Opts(sites, rubric, db, round), include_optional=include_optional, traffic_metric=traffic_metric)


# -- report -----------------------------------------------------------------------------------------------
def do_report(opts: Opts, output: Path, formats: list[str], quiet: bool = False, *, lang: str = "en",
              compare_with: str | None = None, compare_rounds: bool = True, thumbnails: bool = True) -> dict[str, Path]:
    from reports.i18n import translations
    from reports.render import render_html
    from survey.report import report_data

    db, rnd, rubric = opts.db(), opts.round(), opts.rubric()
    if compare_with is not None:
        db.round(compare_with)  # an unknown round is bad input, before any work
    tr = translations(lang)
    paths: dict[str, Path] = {}
    data = report_data(db, rnd, rubric, lang=lang, compare_with=compare_with, compare_rounds=compare_rounds,
                       version=__version__, thumbnails=thumbnails)
    html = render_html(data, output / "report.html", translations=tr)
    paths["html"] = html
    if "pdf" in formats:
        from crawler.browser import launch_options
        from reports.pdf import report_pdf

        try:
            launch = launch_options()
        except RuntimeError as exc:
            raise WorkFailed(f"cannot print the PDF: {exc}") from None
        paths["pdf"] = report_pdf(data, output / "report.pdf", launch, translations=tr)
    if "csv" in formats or "xlsx" in formats:
        from survey.exports import report_tables, write_tables

        tables = report_tables(db, rnd, rubric, compare_with=compare_with if compare_rounds else None)
        if not compare_rounds:
            tables.pop("comparison", None)
        if "xlsx" in formats:
            paths["xlsx"] = write_tables(tables, "xlsx", output / "tables.xlsx")[0]
        if "csv" in formats:
            write_tables(tables, "csv", output / "tables")
            paths["csv"] = output / "tables"
    if not quiet:
        for kind, p in paths.items():
            out.print(f"{kind.upper()} report: {p.resolve()}")
    return paths


def parse_formats(text: str, allowed: tuple[str, ...] = REPORT_FORMATS) -> list[str]:
    formats = [f.strip().lower() for f in text.split(",") if f.strip()]
    bad = [f for f in formats if f not in allowed]
    if bad or not formats:
        raise InputError([f"--format {text}: use one or more of {', '.join(allowed)}, comma-separated"])
    return formats


@app.command()
def report(output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the report files.")] = Path("report"),
           format: Annotated[str, typer.Option("--format", help="Comma-separated: html, pdf, csv (a folder of tables), xlsx (one workbook).")] = "html,pdf,csv,xlsx",
           lang: Annotated[str, typer.Option("--lang", help="Report language: en, or any language with a catalogue (ru).")] = "en",
           compare_with: Annotated[Optional[str], typer.Option("--compare", help="Round to compare with (default: the latest earlier round).")] = None,
           no_compare: Annotated[bool, typer.Option("--no-compare", help="Leave out the comparison with an earlier round.")] = False,
           thumbnails: Annotated[bool, typer.Option("--thumbnails/--no-thumbnails", help="Embed home-page screenshot thumbnails.")] = True,
           sites: SitesOpt = Path("sites.yaml"), rubric: RubricOpt = None, db: DbOpt = "survey.db", round: RoundOpt = None):
    """Write the report: HTML, the same as PDF printed by Chromium, and its tables as CSV and XLSX."""
    do_report(Opts(sites, rubric, db, round), output, parse_formats(format), lang=lang, compare_with=compare_with,
              compare_rounds=not no_compare, thumbnails=thumbnails)


# -- export -----------------------------------------------------------------------------------------------
@app.command()
def export(format: Annotated[str, typer.Option("--format", help="csv | json | xlsx")] = "csv",
           output: Annotated[Optional[Path], typer.Option("--output", "-o", help="File to write (default: standard output; required for xlsx and for --table all with csv, where it is a folder).")] = None,
           table: Annotated[str, typer.Option("--table", help="long (default), wide, ranking, distributions, comparison, traffic, agreement, technical, un, or all.")] = "long",
           sites: SitesOpt = Path("sites.yaml"), rubric: RubricOpt = None, db: DbOpt = "survey.db", round: RoundOpt = None):
    """Write the long table (one row per site x criterion with suggested, reviewer and final levels), or the report's other tables."""
    from survey.exports import TABLES, report_tables, write_csv, write_long, write_tables

    fmt = format.lower()
    if fmt not in ("csv", "json", "xlsx"):
        raise InputError([f"--format {format}: use csv, json or xlsx"])
    if table not in TABLES + ("all",):
        raise InputError([f"--table {table}: use one of {', '.join(TABLES)}, or all"])
    if fmt == "xlsx" and output is None:
        raise InputError(["--format xlsx needs --output FILE (a workbook cannot go to the terminal)"])
    opts = Opts(sites, rubric, db, round)
    if table == "long":
        n = write_long(opts.db(), opts.round(), opts.rubric(), fmt, output)
        if output is not None:
            console.print(f"Wrote {n} rows to {output}")
        return
    if fmt == "json":
        raise InputError(["--format json is for the long table; use csv or xlsx for the other tables"])
    tables = report_tables(opts.db(), opts.round(), opts.rubric(), only=TABLES if table == "all" else (table,))
    if table == "all" or fmt == "xlsx":
        if output is None:
            raise InputError(["--table all with csv needs --output FOLDER"])
        for p in write_tables(tables, fmt, output):
            console.print(f"Wrote {p}")
        return
    columns, rows = tables[table]
    if output is None:
        import sys

        write_csv(columns, rows, sys.stdout)
    else:
        with open(output, "w", newline="", encoding="utf-8") as fh:
            write_csv(columns, rows, fh)
        console.print(f"Wrote {len(rows)} rows to {output}")


# -- compare ----------------------------------------------------------------------------------------------
@app.command()
def compare(with_round: Annotated[Optional[str], typer.Option("--with", help="The earlier round (default: the latest round audited before).")] = None,
            series: Annotated[Optional[str], typer.Option("--series", help="Comma-separated rounds, oldest first: one row per site x criterion with each round's grade.")] = None,
            output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the cells as CSV here.")] = None,
            sites: SitesOpt = Path("sites.yaml"), rubric: RubricOpt = None, db: DbOpt = "survey.db", round: RoundOpt = None):
    """Compare a round with an earlier one (deltas, improved, declined, new and vanished sites) or list a series."""
    import csv
    import sys

    from scoring.compare import compare as compare_rounds
    from scoring.compare import series as series_of
    from survey.exports import report_tables, write_csv
    from survey.report import previous_round, snapshot

    opts = Opts(sites, rubric, db, round)
    dbo, rub = opts.db(), opts.rubric()
    if series:
        rounds = [dbo.round(n.strip()) for n in series.split(",") if n.strip()]
        snaps = [snapshot(dbo, r, rub) for r in rounds]
        fh = open(output, "w", newline="", encoding="utf-8") if output else sys.stdout
        try:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["site_id", "criterion"] + [r.name for r in rounds])
            for (sid, cid), levels in series_of(snaps).items():
                w.writerow([sid, cid] + ["" if v is None else f"{v:g}" for v in levels])
        finally:
            if output:
                fh.close()
        return
    rnd = opts.round()
    prev = dbo.round(with_round) if with_round else previous_round(dbo, rnd)
    if prev is None:
        raise InputError([f"{dbo.target}: round {rnd.name} has no earlier round to compare with; pass --with ROUND"])
    cmp = compare_rounds(snapshot(dbo, prev, rub), snapshot(dbo, rnd, rub))
    for note in cmp.notes:
        p = note.params
        console.print("warning: " + {
            "rubric-differs": f"the rounds used different rubrics ({p.get('before')}, then {p.get('after')})",
            "criteria-only-before": f"only {prev.name} has {', '.join(p.get('criteria', []))}",
            "criteria-only-after": f"only {rnd.name} has {', '.join(p.get('criteria', []))}",
            "few-common-cells": f"only {p.get('compared')} of {p.get('possible')} grades exist in both rounds",
        }.get(note.code, note.code))
    if not cmp.before.cells:
        raise WorkFailed(f"round {prev.name} has no final grades; run `egov-survey score --round {prev.name}` first")
    out.print(f"{prev.name} -> {rnd.name}: {len(cmp.improved)} improved, {len(cmp.declined)} declined, "
              f"{cmp.unchanged} unchanged, {cmp.not_comparable} in one round only; "
              f"{len(cmp.new_sites)} new site(s), {len(cmp.vanished_sites)} vanished")
    for title, changes in (("improved", cmp.improved), ("declined", cmp.declined)):
        for ch in changes:
            out.print(f"  {title:9} {ch.site_id} / {ch.criterion}: {ch.before:g} -> {ch.after:g} ({ch.delta:+g})")
    for sid in cmp.new_sites:
        out.print(f"  new       {sid}")
    for sid in cmp.vanished_sites:
        out.print(f"  vanished  {sid}")
    if output:
        columns, rows = report_tables(dbo, rnd, rub, compare_with=prev.name, only=("comparison",))["comparison"]
        with open(output, "w", newline="", encoding="utf-8") as fh:
            write_csv(columns, rows, fh)
        console.print(f"Wrote {len(rows)} rows to {output}")


# -- traffic, UN ------------------------------------------------------------------------------------------
@traffic_app.command("import")
def traffic_import(file: Annotated[Path, typer.Argument(help="CSV with site_id and value (optional: source, period, note).")],
                   metric: Annotated[str, typer.Option("--metric", help="monthly-visits (analytics) or rank (a top-sites list such as Tranco; 1 = most visited).")] = "monthly-visits",
                   replace: ReplaceOpt = False,
                   sites: SitesOpt = Path("sites.yaml"), rubric: RubricOpt = None, db: DbOpt = "survey.db", round: RoundOpt = None):
    """Store per-site traffic figures for the round; `egov-survey score` grades them by quintile."""
    from survey.traffic import import_traffic

    opts = Opts(sites, rubric, db, round)
    rnd = opts.round()
    result = import_traffic(opts.db(), rnd, file, metric, replace=replace)
    if not replace:  # replaced: the conflicts were overwritten, as asked
        refuse_conflicts(result.conflicts, "figure(s) differ from the stored ones", file)
    out.print(f"Stored {result.written} {metric} figure(s) for round {rnd.name} ({result.unchanged} unchanged); "
              "run `egov-survey score` to grade them")


@un_app.command("import")
def un_import(files: Annotated[list[Path], typer.Argument(help="UN E-Government Survey CSV exports (any of the UN's column spellings).")],
              year: Annotated[Optional[int], typer.Option("--year", help="Survey year, for files with no year column or year in the name.")] = None,
              country: Annotated[Optional[list[str]], typer.Option("--country", help="Only this ISO alpha-3 code (repeatable; default: every country).")] = None,
              replace: ReplaceOpt = False, db: DbOpt = "survey.db"):
    """Store the UN E-Government indices (EGDI, OSI, HCI, TII, E-Participation, rank) by country and year."""
    from survey.db import Database
    from survey.un import import_un

    result = import_un(Database(db, create=True), files, replace=replace, year=year, countries=country)
    for u in result.unmatched:
        console.print(f"skipped {u}: country name not recognised (add an ISO alpha-3 column)")
    if not replace:
        refuse_conflicts(result.conflicts, "row(s) differ from the stored figures")
    out.print(f"Stored {result.written} country-year row(s) ({result.unchanged} unchanged) for "
              f"{', '.join(map(str, result.years)) or 'no year'}")
