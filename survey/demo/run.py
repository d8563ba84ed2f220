"""The demo: the whole audit path on the bundled fictional ministry sites, with no internet.

Serves the sites on 127.0.0.1, writes a sites.yaml for them, crawls, checks, imports a sample reviewer
sheet, scores, and writes the HTML and PDF reports. Everything goes into one output folder; running the demo
again replaces the demo's own files there (its database, evidence and reports) and nothing else.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import yaml

from survey.cli.common import Opts, console
from survey.demo.context import add_context, add_previous_round, add_study2010
from survey.demo.review import add_double_grading
from survey.demo.server import load_specs, serve, stop

SHEET = Path(__file__).parent / "reviewer-sheet.csv"
DEMO_ROUND = "demo"


def write_sites_yaml(running, path: Path) -> Path:
    doc = {
        "survey": {"title": "Demo audit: fictional ministries of Kazakhstan", "country": "KAZ",
                   "description": "Six fictional ministry sites served on this machine by `egov-survey demo`."},
        # The demo sites run on this machine: private addresses allowed, a short delay keeps the demo quick;
        # render auto: the script-only site is rendered in Chromium, the others are read as served.
        "defaults": {"delay": 0.05, "max_pages": 80, "max_depth": 4, "allow_private": True, "render": "auto"},
        "sites": [{"id": r.spec["id"], "name": r.spec["name"], "url": r.url, "kind": r.spec.get("kind", "ministry")}
                  for r in running],
    }
    path.write_text("# Written by `egov-survey demo` for the demo sites it serves on 127.0.0.1.\n"
                    + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def run_demo(output: Path, *, pdf: bool = True, keep_serving: bool = False) -> dict[str, Path]:
    from survey.cli.main import do_check, do_crawl, do_report, do_score
    from scoring.sheets import read_sheet
    from survey.grading import import_rows

    output.mkdir(parents=True, exist_ok=True)
    db_path = output / "survey.db"
    for stale in (db_path, output / "survey.db-wal", output / "survey.db-shm"):
        stale.unlink(missing_ok=True)
    shutil.rmtree(output / "survey-evidence", ignore_errors=True)
    shutil.rmtree(output / "report", ignore_errors=True)

    running = serve(load_specs())
    try:
        sites_path = write_sites_yaml(running, output / "sites.yaml")
        console.print(f"Serving {len(running)} demo sites: " + ", ".join(r.url for r in running))
        opts = Opts(sites_path, None, str(db_path), DEMO_ROUND)
        add_study2010(opts.db(create=True), opts.rubric())  # the study's real grades: the first round of the series
        add_previous_round(opts.db(), opts.rubric())  # an earlier round for the report to compare with
        do_crawl(opts, None, {}, concurrency=len(running))
        do_check(opts)
        rnd, rubric = opts.round(), opts.rubric()
        rows = read_sheet(SHEET, opts.db().site_ids(rnd), [c.id for c in rubric.judged],
                          scale=(rubric.scale.min, rubric.scale.max))
        report = import_rows(opts.db(), rnd, rows, "demo-reviewer")
        console.print(f"Imported {report.written} reviewer grades from the sample sheet {SHEET.name}")
        second = add_double_grading(opts.db(), rnd, rubric)  # a second reviewer and a lead's decision
        console.print(f"Imported {second} grades of a second reviewer; the lead decided one disagreement")
        add_context(opts.db(), rnd)  # traffic figures and the UN indices
        do_score(opts)
        paths = do_report(opts, output / "report", ["html", "pdf", "csv", "xlsx"] if pdf else ["html", "csv", "xlsx"])
        paths["database"] = db_path
        paths["sites"] = sites_path
        if keep_serving:
            console.print("Demo sites still running; press Ctrl-C to stop.")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
        return paths
    finally:
        stop(running)
