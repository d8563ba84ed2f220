"""The Typer application objects; command modules import these and register their commands on them."""

from __future__ import annotations

import typer

__version__ = "0.1.0"

app = typer.Typer(name="egov-survey", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="Audit government websites: crawl with evidence, check, grade, score and report.")
review_app = typer.Typer(no_args_is_help=True, help="Reviewer grading: sheets to fill in and import, the web app's data.")
app.add_typer(review_app, name="review")
