"""The analysts' interfaces: `survey.load_round` and `wide` as DataFrames, the export command's tables, formula
cells defused, and pandas left unloaded by the CLI."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import pytest
from sqlalchemy import select

import survey
from rubric import load_rubric
from survey import schema
from survey.db import Database
from survey.exports import TABLES
from survey.scores import score_round
from survey.synthetic import build_round
from tests.conftest import REPO
from tests.helpers import cli


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("exports")
    rubric = load_rubric()
    db = Database(tmp / "survey.db", create=True)
    rnd = build_round(db, rubric, 25, screenshots=False)
    with db.engine.begin() as conn:
        conn.execute(schema.grades.update().where(schema.grades.c.site_id == "site-00003")
                     .values(note="=HYPERLINK(\"http://evil\")"))
    score_round(db, rnd, rubric)
    return db, rnd, rubric


def test_load_round_is_one_row_per_site_and_criterion_with_provenance(scored):
    db, rnd, _ = scored
    df = survey.load_round(db.path, "synthetic")
    assert len(df) == 25 * 8 and df["criterion"].nunique() == 8
    with db.engine.connect() as conn:
        stored = {(f.site_id, f.criterion): (f.level, f.provenance) for f in conn.execute(select(schema.final_scores))}
    records = df.astype(object).where(df.notna(), None).to_dict("records")
    got = {(r["site_id"], r["criterion"]): (r["final_level"], r["provenance"]) for r in records}
    assert got == stored
    assert str(df["final_level"].dtype) == "Float64" and str(df["evidence_count"].dtype) == "Int64"
    table = survey.wide(df)
    assert table.shape == (25, 8) and list(table.columns)[-1] == "traffic"
    assert table.loc["site-00003", "languages"] == stored[("site-00003", "languages")][0]


def test_load_series_stacks_rounds_oldest_first(scored, tmp_path):
    db, _, rubric = scored
    build_round(db, rubric, 5, name="older", audit_date="2020-01-01", screenshots=False, un=False)
    df = survey.load_series(db)
    assert list(dict.fromkeys(df["round"])) == ["older", "synthetic"] and df["audit_date"].is_monotonic_increasing


def test_export_writes_each_table_and_defuses_formulas(scored, tmp_path):
    db, _, _ = scored
    r = cli("export", "--table", "ranking", "--db", db.path, "--round", "synthetic")
    assert r.returncode == 0, r.stderr
    ranking = list(csv.DictReader(io.StringIO(r.stdout)))
    assert len(ranking) == 25 and ranking[0]["rank"] == "1"
    r = cli("export", "--db", db.path, "--round", "synthetic")
    notes = [row["reviewer_notes"] for row in csv.DictReader(io.StringIO(r.stdout)) if row["site_id"] == "site-00003"]
    assert any(n.startswith("alice: =HYPERLINK") for n in notes)  # inside the text, not at its start: harmless
    r = cli("export", "--table", "all", "--format", "csv", "--output", tmp_path / "t", "--db", db.path, "--round", "synthetic")
    assert r.returncode == 0 and len(list((tmp_path / "t").glob("*.csv"))) == len(TABLES)
    r = cli("export", "--table", "colours", "--db", db.path)
    assert r.returncode == 2 and "--table colours" in r.stderr


def test_the_exports_quote_a_cell_that_would_run_as_a_formula():
    from survey.exports import write_csv

    buf = io.StringIO()
    write_csv(["note", "n"], [{"note": "=1+2", "n": -3}], buf)
    assert buf.getvalue().splitlines()[1] == "'=1+2,-3"


def test_importing_survey_for_the_cli_does_not_load_pandas():
    code = "import sys, survey, survey.cli.main; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True).stdout
    assert out.strip() == "False"
