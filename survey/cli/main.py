"""The `egov-survey` command: one subcommand per stage of an audit round, plus `run` and `demo`.

Stages: init (a new audit folder), crawl, check, review export/import, score, report, export; `run` does
crawl, check, score and report in turn; `demo` serves the bundled fictional ministry sites on 127.0.0.1 and
runs the whole path on them.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Annotated

import typer

from rubric.model import DEFAULT_RUBRIC
from rubric.yamlfile import InputError
from survey.cli.app import __version__, app
from survey.cli.common import (DbOpt, Opts, RoundOpt, RubricOpt, SiteFilter, SitesOpt, WorkFailed, console,
                               die_unexpected, out, report_input_error, say)

# Each stage's commands live in their own module and register on `app` when imported.
from survey.cli import check_cmds, crawl_cmds, report_cmds, review_cmds, users_cmds, web_cmds  # noqa: F401
from survey.cli.check_cmds import do_check  # noqa: E402
from survey.cli.crawl_cmds import do_crawl  # noqa: E402
from survey.cli.report_cmds import do_report, do_score  # noqa: E402


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


# -- run, demo --------------------------------------------------------------------------------------------
def run_all(sites: SitesOpt = Path("sites.yaml"), rubric: RubricOpt = None, db: DbOpt = "survey.db", round: RoundOpt = None,
            site: SiteFilter = None, output: Annotated[Path, typer.Option("--output", "-o", help="Report folder.")] = Path("report"),
            concurrency: Annotated[int, typer.Option(help="Sites crawled at once.")] = 4,
            format: Annotated[str, typer.Option("--format", help="Report formats: html, pdf.")] = "html,pdf",
            evidence_screenshots: Annotated[bool, typer.Option(
                "--evidence-screenshots/--no-evidence-screenshots",
                help="After the checks, photograph every page they cite (from the stored copy).")] = True):
    """All stages in turn: crawl, check, screenshots of the pages the checks cite, score, report."""
    opts = Opts(sites, rubric, db, round)
    rnd, _ = do_crawl(opts, site, {}, concurrency)
    opts.round_name = rnd.name
    do_check(opts, site)
    if evidence_screenshots:
        do_crawl(opts, site, {}, concurrency, evidence_screenshots=True)
    do_score(opts)
    do_report(opts, output, [f.strip() for f in format.split(",")])


app.command("run")(run_all)


def _program() -> str:
    """How to call this program from here: `egov-survey` where it is on PATH, else its path (say .venv/bin/...)."""
    import os
    import shutil
    import sys

    mine = Path(sys.executable).parent / "egov-survey"
    found = shutil.which("egov-survey")
    if mine.exists() and (found is None or Path(found).resolve() != mine.resolve()):
        try:
            return os.path.relpath(mine)
        except ValueError:  # another drive, on Windows
            return str(mine)
    return "egov-survey"


@app.command()
def demo(output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the demo's database and reports.")] = Path("demo-output"),
         pdf: Annotated[bool, typer.Option("--pdf/--no-pdf", help="Also print the PDF report.")] = True,
         serve: Annotated[bool, typer.Option("--serve", help="Keep the demo sites running after the demo, until Ctrl-C.")] = False):
    """Serve the bundled fictional ministry sites on 127.0.0.1 and run the whole audit on them."""
    from survey.demo.run import run_demo

    paths = run_demo(output, pdf=pdf, keep_serving=serve)
    # The report step has printed the report paths; add what it did not.
    out.print(f"Demo database: {paths['database'].resolve()}")
    out.print(f"Demo sites file: {paths['sites'].resolve()}")
    prog = _program()
    out.print(f"To grade in the browser: `{prog} users add NAME --role lead --db {paths['database']}`, "
              f"then `{prog} serve --db {paths['database']}`.")


@app.command()
def version():
    """Print the version."""
    out.print(f"egov-survey {__version__}")


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
