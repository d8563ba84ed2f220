"""The command-line reference is complete and current: every command and option has help text, and
docs/cli.md is exactly what the commands say (regenerate with `python -m survey.cli.docs > docs/cli.md`)."""

from __future__ import annotations

from survey.cli.docs import commands, render, undocumented
from tests.conftest import REPO


def test_every_command_and_option_has_help():
    assert undocumented() == []


def test_docs_cli_md_is_current():
    assert (REPO / "docs" / "cli.md").read_text(encoding="utf-8") == render()


def test_the_reference_covers_the_stages_the_readme_names():
    names = {name for name, _ in commands()}
    assert {f"egov-survey {c}" for c in ("init", "crawl", "check", "score", "report", "export", "run", "demo",
                                         "import-warc", "serve")} <= names
    assert {"egov-survey review export", "egov-survey review import", "egov-survey users add"} <= names
