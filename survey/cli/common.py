"""What every command shares: the --sites/--rubric/--db/--round options, loading them, and error reporting.

Exit codes: 0 ok; 1 the work failed (a stage could not complete, an import has conflicts); 2 bad input (a
malformed file, an unknown site or round, a missing database). Bad input is reported one line per problem,
with file, line and field, never as a traceback.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.text import Text

from crawler.config import SitesConfig, load_sites
from rubric.model import DEFAULT_RUBRIC, Rubric, load_rubric
from rubric.yamlfile import InputError
from survey.db import Database, Round

# Markup is off: messages quote user input and crawled text, where "[x]" is data, not a style.
console = Console(stderr=True, highlight=False, markup=False, soft_wrap=True)
out = Console(highlight=False, markup=False, soft_wrap=True)


def say(prefix: str, message: str, style: str = "red") -> None:
    """A message on standard error with a coloured prefix."""
    console.print(Text(prefix, style=style), message)


class WorkFailed(Exception):
    """The work could not be completed (exit code 1); the message says what and what to do."""


def refuse_conflicts(conflicts: list, what: str, source: Path | None = None, *, history: bool = False) -> None:
    """List an import's conflicts with what is stored (one line each) and fail: an import writes all or nothing.

    `what` names the conflicting things ("grade(s) differ from the stored ones"); `source`, when given, starts
    each line, so that a reviewer can find the row in the file; `history` says that replaced values are kept.
    """
    if not conflicts:
        return
    for c in conflicts:
        console.print(f"{source}: {c}" if source else str(c))
    kept = " (every change is kept in the history)" if history else ""
    raise WorkFailed(f"{len(conflicts)} {what}; nothing was written. Re-run with --replace to overwrite them{kept}.")


SitesOpt = Annotated[Path, typer.Option("--sites", help="The sites file.", show_default=True)]
RubricOpt = Annotated[Optional[Path], typer.Option("--rubric", help="The rubric file (default: the 2010 ministry rubric).")]
DbOpt = Annotated[str, typer.Option("--db", help="The round database: a file path or an SQLAlchemy URL.", show_default=True)]
RoundOpt = Annotated[Optional[str], typer.Option("--round", help="The round (default: the latest round).")]
SiteFilter = Annotated[Optional[list[str]], typer.Option("--site", help="Only this site id (repeatable).")]


class Opts:
    """The four shared options, resolved lazily so that each command loads only what it needs, and each file
    once however many stages use it (`run` and `demo` go through every stage)."""

    def __init__(self, sites: Path, rubric: Optional[Path], db: str, round_name: Optional[str]):
        self.sites_path, self.rubric_path, self.db_target, self.round_name = sites, rubric, db, round_name
        self._db: Database | None = None
        self._sites: SitesConfig | None = None
        self._rubric: Rubric | None = None

    def sites(self) -> SitesConfig:
        if self._sites is None:
            if not self.sites_path.exists():
                raise InputError([f"{self.sites_path}: sites file not found; pass --sites PATH, or create an audit "
                                  "folder with `egov-survey init DIR`"])
            self._sites = load_sites(self.sites_path)
        return self._sites

    def rubric(self) -> Rubric:
        if self._rubric is None:
            self._rubric = load_rubric(self.rubric_path or DEFAULT_RUBRIC)
        return self._rubric

    def db(self, create: bool = False) -> Database:
        if self._db is None:
            self._db = Database(self.db_target, create=create)
        return self._db

    def round(self) -> Round:
        return self.db().round(self.round_name)

    def round_or_new(self, rubric: Rubric, cfg: SitesConfig) -> Round:
        """The named round (created if new), else the latest, else a new round named by today's date."""
        db = self.db(create=True)
        if self.round_name and db.has_round(self.round_name):
            return db.round(self.round_name)
        if self.round_name:
            return db.create_round(self.round_name, rubric=rubric, sites_cfg=cfg)
        if db.rounds():
            return db.round()
        return db.create_round(date.today().isoformat(), rubric=rubric, sites_cfg=cfg)


def report_input_error(exc: InputError) -> None:
    for line in exc.lines():
        say("error:", line)


def fail(message: str) -> None:
    raise WorkFailed(message)


def die_unexpected(exc: BaseException) -> None:
    say("egov-survey failed:", f"{type(exc).__name__}: {exc}")
    console.print("This is a bug in egov-survey, not in your input. Set EGOV_SURVEY_DEBUG=1 to see the traceback, "
                  "and please report it.")
    if sys.flags.dev_mode:
        raise exc
