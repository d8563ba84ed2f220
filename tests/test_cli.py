"""The command line: bad input gives located one-line messages and exit code 2, never a traceback,
and nothing stored is lost; `init` makes an audit folder; `export` writes the long table."""

from __future__ import annotations

import csv
import io
import json

import pytest

from crawler.config import load_sites
from rubric import load_rubric
from survey.db import Database
from tests.helpers import cli, db_digest


@pytest.fixture
def audit(tmp_path):
    """An audit folder from `init`, with a database holding one round."""
    r = cli("init", tmp_path)
    assert r.returncode == 0, r.stderr
    db = Database(tmp_path / "survey.db", create=True)
    db.create_round("r1", rubric=load_rubric(), sites_cfg=None)
    db.engine.dispose()
    return tmp_path


def test_init_refuses_to_overwrite(audit):
    r = cli("init", audit)
    assert r.returncode == 2
    assert "sites.yaml: already exists" in r.stderr and "Traceback" not in r.stderr


def test_malformed_sites_file(audit):
    bad = audit / "bad.yaml"
    bad.write_text("sites:\n  - id: x\n    url: www.x.kz\n    max_pages: lots\n", encoding="utf-8")
    before = db_digest(audit / "survey.db")
    r = cli("crawl", "--sites", bad, "--db", audit / "survey.db")
    assert r.returncode == 2
    assert r.stderr.splitlines() == [
        f"error: {bad}:2: sites[x].name: is required but missing",
        f"error: {bad}:4: sites[x].max_pages: Input should be a valid integer, unable to parse string as an integer",
    ]
    assert db_digest(audit / "survey.db") == before


def test_invalid_rubric(audit):
    rubric = audit / "rubric.yaml"
    rubric.write_text(rubric.read_text(encoding="utf-8").replace("weight: 1\n", "weight: -2\n", 1), encoding="utf-8")
    r = cli("check", "--rubric", rubric, "--db", audit / "survey.db")
    assert r.returncode == 2
    assert r.stderr.strip().startswith(f"error: {rubric}:")
    assert "criteria[languages].weight: weight -2.0 is negative" in r.stderr


def test_unknown_site_missing_database_unknown_round(audit):
    r = cli("crawl", "--sites", audit / "sites.yaml", "--db", audit / "survey.db", "--site", "no-such-ministry")
    assert r.returncode == 2 and "unknown site id(s) no-such-ministry" in r.stderr
    r = cli("score", "--db", audit / "nowhere.db")
    assert r.returncode == 2 and "nowhere.db: database not found" in r.stderr
    assert not (audit / "nowhere.db").exists()
    r = cli("report", "--db", audit / "survey.db", "--round", "r9")
    assert r.returncode == 2 and "no round named 'r9'; known rounds: r1" in r.stderr
    assert "Traceback" not in r.stderr


def test_usage_errors_exit_2(audit):
    r = cli("export", "--format", "pdf", "--db", audit / "survey.db")
    assert r.returncode == 2 and "use csv, json or xlsx" in r.stderr
    r = cli("crawl", "--set", "max_pages=-3", "--sites", audit / "sites.yaml", "--dry-run")
    assert r.returncode == 2 and "max_pages" in r.stderr


def test_dry_run_lists_sites_and_settings(audit):
    r = cli("crawl", "--sites", audit / "sites.yaml", "--dry-run", "--max-pages", "7")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 22
    assert lines[0].startswith("government-home-site: main=https://primeminister.kz/") and "max_pages=7" in lines[0]


def test_review_sheet_with_bad_rows_writes_nothing(audit):
    sheet = audit / "sheet.csv"
    sheet.write_text("site_id,criterion,grade\nnobody,forms,3\ngovernment-home-site,forms,7\n"
                     "government-home-site,colour,2\n", encoding="utf-8")
    db = Database(audit / "survey.db")
    db.sync_sites(db.round("r1"), load_sites(audit / "sites.yaml").sites)
    before = db_digest(audit / "survey.db")
    r = cli("review", "import", sheet, "--reviewer", "alice", "--db", audit / "survey.db")
    assert r.returncode == 2
    assert r.stderr.splitlines() == [
        f"error: {sheet}:2: site_id: unknown site 'nobody' (not in this round)",
        f"error: {sheet}:3: grade: grade '7' is not a whole number from 1 to 5",
        f"error: {sheet}:4: criterion: unknown criterion 'colour'; expected one of accessibility-cooperativeness, "
        "forms, general-information, languages, personal-information, real-time-operations, transparency",
    ]
    assert db_digest(audit / "survey.db") == before


def test_export_long_table(audit):
    db = Database(audit / "survey.db")
    db.sync_sites(db.round("r1"), load_sites(audit / "sites.yaml").sites)
    r = cli("export", "--format", "csv", "--db", audit / "survey.db")
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert len(rows) == 22 * 7
    assert list(rows[0]) == ["round", "site_id", "site_name", "criterion", "suggested_level", "reviewer_level",
                             "reviewer_levels", "final_level", "provenance", "provenance_detail", "evidence_count",
                             "reviewer_notes"]
    r = cli("export", "--format", "json", "--db", audit / "survey.db")
    assert {row["provenance"] for row in json.loads(r.stdout)} == {"missing"}
