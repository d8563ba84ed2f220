"""Reviewer commands: grading sheets (`review export|import`), assignments, blind mode, agreement, the
disagreement queue and adjudication, grade history, and `import-round` for a past study's grades."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from rubric.yamlfile import InputError
from survey.cli.app import app, review_app
from survey.cli.common import DbOpt, Opts, RoundOpt, RubricOpt, SitesOpt, out, refuse_conflicts


def _fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


# -- sheets -----------------------------------------------------------------------------------------------
@review_app.command("export")
def review_export(output: Annotated[Path, typer.Option("--output", "-o", help="The sheet to write (.csv or .xlsx).")],
                  format: Annotated[Optional[str], typer.Option("--format", help="csv | xlsx (default: from --output).")] = None,
                  reviewer: Annotated[str, typer.Option(help="Pre-fill this reviewer's existing grades.")] = "",
                  assigned: Annotated[bool, typer.Option("--assigned", help="Only the sites assigned to --reviewer.")] = False,
                  sites: SitesOpt = Path("sites.yaml"), rubric: RubricOpt = None, db: DbOpt = "survey.db",
                  round: RoundOpt = None):
    """Write a grading sheet: one row per site and criterion, with suggestions, evidence and level texts."""
    from scoring.sheets import write_sheet
    from survey.grading import assigned_sites
    from survey.tables import sheet_rows

    fmt = (format or output.suffix.lstrip(".") or "csv").lower()
    if fmt not in ("csv", "xlsx"):
        raise InputError([f"--format {fmt}: use csv or xlsx"])
    if assigned and not reviewer:
        raise InputError(["--assigned: say whose sites with --reviewer NAME"])
    opts = Opts(sites, rubric, db, round)
    rnd = opts.round()
    rows = sheet_rows(opts.db(), rnd, opts.rubric(), reviewer)
    if assigned:
        mine = set(assigned_sites(opts.db(), rnd, reviewer))
        rows = [r for r in rows if r["site_id"] in mine]
    scale = opts.rubric().scale
    write_sheet(rows, output, fmt, (scale.min, scale.max))
    out.print(f"Wrote {len(rows)} rows to {output}")


@review_app.command("import")
def review_import(file: Annotated[Path, typer.Argument(help="A filled grading sheet (.csv or .xlsx).")],
                  reviewer: Annotated[str, typer.Option(help="Whose grades these are.")],
                  replace: Annotated[bool, typer.Option("--replace", help="Overwrite differing existing grades.")] = False,
                  sites: SitesOpt = Path("sites.yaml"), rubric: RubricOpt = None, db: DbOpt = "survey.db",
                  round: RoundOpt = None):
    """Import a reviewer's grades from a sheet; conflicts with stored grades are listed, not overwritten."""
    from scoring.sheets import read_sheet
    from survey.agreement import update_agreement
    from survey.grading import import_rows

    opts = Opts(sites, rubric, db, round)
    rnd, rub = opts.round(), opts.rubric()
    if not reviewer.strip():
        raise InputError(["--reviewer: say whose grades these are"])
    if rnd.kind == "historical":
        raise InputError([f"round {rnd.name} is historical: its grades come from `egov-survey import-round`"])
    rows = read_sheet(file, opts.db().site_ids(rnd), [c.id for c in rub.judged], reviewer=reviewer,
                      scale=(rub.scale.min, rub.scale.max))
    report = import_rows(opts.db(), rnd, rows, reviewer, replace=replace)
    if not replace:
        refuse_conflicts(report.conflicts, "conflict(s) with stored grades", file, history=True)
    update_agreement(opts.db(), rnd, rub)
    out.print(f"Imported {report.written} grade(s) for {reviewer} into round {rnd.name} ({report.unchanged} unchanged).")


# -- assignments and settings -----------------------------------------------------------------------------
@review_app.command("assign")
def review_assign(reviewer: Annotated[list[str], typer.Option("--reviewer", help="A reviewer (repeatable).")],
                  site: Annotated[Optional[list[str]], typer.Option("--site", help="A site id (repeatable; default: every site).")] = None,
                  per_site: Annotated[int, typer.Option("--per-site", help="Reviewers per site, taken in turn from the "
                                                        "--reviewer list (default: every named reviewer grades every site).")] = 0,
                  sites: SitesOpt = Path("sites.yaml"), rubric: RubricOpt = None, db: DbOpt = "survey.db",
                  round: RoundOpt = None):
    """Assign sites to reviewers, e.g. every site to two reviewers for double grading."""
    from survey.grading import assign, rotation

    opts = Opts(sites, rubric, db, round)
    rnd = opts.round()
    if rnd.kind == "historical":
        raise InputError([f"round {rnd.name} is historical: its grades come from the study, nothing to assign"])
    site_ids = list(site) if site else opts.db().site_ids(rnd)
    if per_site < 0:
        raise InputError([f"--per-site {per_site}: a number of reviewers, 1 or more"])
    pairs = rotation(site_ids, reviewer, per_site) if per_site else [(s, r) for s in site_ids for r in reviewer]
    added = assign(opts.db(), rnd, pairs)
    out.print(f"Round {rnd.name}: {added} new assignment(s), {len(pairs) - added} already there.")


@review_app.command("assignments")
def review_assignments(sites: SitesOpt = Path("sites.yaml"), rubric: RubricOpt = None, db: DbOpt = "survey.db",
                       round: RoundOpt = None):
    """List who grades which site, with each reviewer's progress (criteria graded)."""
    from survey.grading import progress

    opts = Opts(sites, rubric, db, round)
    rnd, rub = opts.round(), opts.rubric()
    done = progress(opts.db(), rnd, rub)
    total = len(rub.judged)
    if not done:
        out.print(f"Round {rnd.name}: no assignments yet; use `egov-survey review assign`.")
    for (sid, reviewer), n in sorted(done.items()):
        typer.echo(f"{sid}\t{reviewer}\t{n}/{total}")


@review_app.command("blind")
def review_blind(on: Annotated[bool, typer.Option("--on/--off", help="Blind: reviewers see only their own grades.")],
                 by: Annotated[str, typer.Option("--by", help="Who changes the setting (for the record).")] = "cli",
                 sites: SitesOpt = Path("sites.yaml"), rubric: RubricOpt = None, db: DbOpt = "survey.db",
                 round: RoundOpt = None):
    """Turn blind mode on (the default) or off for a round."""
    from survey.grading import set_blind

    opts = Opts(sites, rubric, db, round)
    rnd = opts.round()
    set_blind(opts.db(), rnd, on, by)
    out.print(f"Round {rnd.name}: blind mode {'on' if on else 'off'}.")


# -- agreement, queue, adjudication, history --------------------------------------------------------------
@review_app.command("agreement")
def review_agreement(sites: SitesOpt = Path("sites.yaml"), rubric: RubricOpt = None, db: DbOpt = "survey.db",
                     round: RoundOpt = None):
    """Compute, store and print reviewer agreement per criterion and overall."""
    from scoring.agreement import METRICS
    from survey.agreement import stored_agreement, update_agreement

    opts = Opts(sites, rubric, db, round)
    rnd, rub = opts.round(), opts.rubric()
    update_agreement(opts.db(), rnd, rub)
    table = stored_agreement(opts.db(), rnd)
    typer.echo("criterion\t" + "\t".join(METRICS))
    for crit in [c.id for c in rub.judged] + ["*"]:
        values = table.get(crit, {})
        typer.echo(crit + "\t" + "\t".join(str(int(values["n"] or 0)) if m == "n" else _fmt(values.get(m)) for m in METRICS))


@review_app.command("queue")
def review_queue(sites: SitesOpt = Path("sites.yaml"), rubric: RubricOpt = None, db: DbOpt = "survey.db",
                 round: RoundOpt = None):
    """List the cells where reviewers disagree, and the lead's decision where there is one."""
    from survey.grading import disagreement_queue, show_level

    opts = Opts(sites, rubric, db, round)
    rnd = opts.round()
    items = disagreement_queue(opts.db(), rnd, opts.rubric())
    if not items:
        out.print(f"Round {rnd.name}: no disagreements.")
    for q in items:
        decision = (f"adjudicated {show_level(q.adjudication['level'])} by {q.adjudication['decided_by']}"
                    if q.adjudication else "awaiting adjudication")
        typer.echo(f"{q.site_id}\t{q.criterion}\t{q.levels}\t{decision}")


@review_app.command("adjudicate")
def review_adjudicate(site: Annotated[str, typer.Option("--site", help="The site id.")],
                      criterion: Annotated[str, typer.Option("--criterion", help="The criterion id.")],
                      level: Annotated[int, typer.Option("--level", help="The final level, 1-5.")],
                      reason: Annotated[str, typer.Option("--reason", help="Why this level (printed with it).")],
                      by: Annotated[str, typer.Option("--by", help="The lead deciding (a user with role lead).")],
                      sites: SitesOpt = Path("sites.yaml"), rubric: RubricOpt = None, db: DbOpt = "survey.db",
                      round: RoundOpt = None):
    """Set the final level of a cell where reviewers disagree (a lead's decision, kept with its reason)."""
    from survey.grading import adjudicate
    from survey.users import get_user

    opts = Opts(sites, rubric, db, round)
    rnd = opts.round()
    user = get_user(opts.db(), by)
    if user is None or not user.is_lead or not user.active:
        raise InputError([f"--by {by}: only an active lead adjudicates; add one with `egov-survey users add NAME --role lead`"])
    changed = adjudicate(opts.db(), rnd, site, criterion, level, reason, by, opts.rubric())
    out.print(f"{site} / {criterion}: {'set to' if changed else 'already'} {level} (adjudicated by {by}).")


@review_app.command("history")
def review_history(site: Annotated[Optional[str], typer.Option("--site", help="Only this site.")] = None,
                   sites: SitesOpt = Path("sites.yaml"), rubric: RubricOpt = None, db: DbOpt = "survey.db",
                   round: RoundOpt = None):
    """Every grade change of the round: when, who, which cell, old and new level, note."""
    from survey.grading import history, show_level

    opts = Opts(sites, rubric, db, round)
    for h in history(opts.db(), opts.round(), site):
        old = show_level(h["old_level"], h["old_cannot_assess"])
        new = show_level(h["new_level"], h["new_cannot_assess"])
        typer.echo(f"{h['changed_at']}\t{h['changed_by']}\t{h['source']}\t{h['site_id']}\t{h['criterion']}\t"
                  f"{h['reviewer']}\t{old} -> {new}\t{h['note']}")


# -- historical rounds ------------------------------------------------------------------------------------
@app.command("import-round")
def import_round(file: Annotated[Path, typer.Argument(help="A past study's grades: site_id, criterion, grade (+ name_en, "
                                                      "url_2010, note, confidence), CSV or XLSX.")],
                 round: Annotated[str, typer.Option("--round", help="The historical round's name, e.g. 2010.")],
                 date: Annotated[str, typer.Option("--date", help="The date the study refers to, e.g. 2010-09-01.")],
                 reviewer: Annotated[str, typer.Option("--reviewer", help="Who the grades are attributed to.")] = "study2010",
                 title: Annotated[str, typer.Option("--title", help="The round's title in reports.")] = "",
                 replace: Annotated[bool, typer.Option("--replace", help="Overwrite differing stored grades.")] = False,
                 rubric: RubricOpt = None, db: DbOpt = "survey.db"):
    """Import a whole past round (e.g. the 2010 study's Table 3) as a historical round, then score it."""
    from survey.history import import_historical_round
    from survey.scores import score_round

    opts = Opts(Path("sites.yaml"), rubric, db, round)
    rub = opts.rubric()
    result = import_historical_round(opts.db(create=True), file, round, date, rub, reviewer=reviewer, replace=replace,
                                     title=title)
    if not replace:
        refuse_conflicts(result.conflicts, "conflict(s) with the stored historical grades", file, history=True)
    score_round(opts.db(), result.round, rub)
    out.print(f"Round {round} (historical, {result.round.audit_date}): {result.sites} sites, {result.graded} graded "
              f"cells, {result.blank} without a grade; {result.written} written, {result.unchanged} unchanged.")
