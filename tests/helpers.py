"""Running the `egov-survey` command in a subprocess, as a user would, and comparing databases by content."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys

# Passed through so that the command finds the same Chromium as the tests (a user's Playwright browser lives
# under $HOME; Chromium itself writes its profile folders under $HOME).
_PASS = ("HOME", "PLAYWRIGHT_BROWSERS_PATH", "EGOV_SURVEY_CHROMIUM", "EGOV_SHARED")


def cli_env(**extra: str) -> dict[str, str]:
    """A small, fixed environment: wide output for tables, no colour codes in what tests read."""
    env = {"PATH": "/usr/bin:/bin", "COLUMNS": "250", "NO_COLOR": "1"}
    env.update({k: os.environ[k] for k in _PASS if k in os.environ})
    env.setdefault("HOME", "/tmp")
    env.update(extra)
    return env


def command(*args) -> list[str]:
    return [sys.executable, "-m", "survey.cli.main", *map(str, args)]


def cli(*args, cwd=None, stdin: str | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run `egov-survey ARGS...` to completion, capturing its output."""
    return subprocess.run(command(*args), capture_output=True, text=True, input=stdin, cwd=cwd, env=cli_env(),
                          timeout=timeout)


def cli_popen(*args, **kwargs) -> subprocess.Popen:
    """Start `egov-survey ARGS...` in the background (for tests that interrupt or query it)."""
    return subprocess.Popen(command(*args), env=cli_env(), **kwargs)


def db_digest(path) -> str:
    """A digest of a database's contents (not its bytes: SQLite may checkpoint its WAL on any open)."""
    con = sqlite3.connect(path)
    try:
        return hashlib.sha256("\n".join(con.iterdump()).encode()).hexdigest()
    finally:
        con.close()
