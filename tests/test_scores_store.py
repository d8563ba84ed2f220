"""Scores in the round database: traffic figures and their grades, the index, UN indices, the 2010 round compared."""

from __future__ import annotations

import csv

import pytest
from sqlalchemy import select

from crawler.config import load_sites
from rubric import InputError, load_rubric
from survey import schema
from survey.db import Database
from survey.grading import set_grade
from survey.scores import score_round
from survey.traffic import import_traffic
from survey.un import import_un, read_un_csv, un_series
from tests.conftest import REPO
from tests.helpers import cli as run_cli
from tests.helpers import db_digest


def cli(*args):
    return run_cli(*args, cwd=REPO)


@pytest.fixture
def small(db_path):
    """A round of five sites, each graded by one reviewer on two criteria."""
    rubric = load_rubric()
    db = Database(db_path, create=True)
    rnd = db.create_round("r1", rubric=rubric)
    for i in range(5):
        db.add_site_row(rnd, f"site-{i}", {"en": f"Site {i}"}, f"https://s{i}.example.kz/")
    with db.engine.begin() as conn:
        for i, level in enumerate([5, 4, 3, 2, 1]):
            set_grade(conn, rnd, f"site-{i}", "languages", "alice", float(level))
            set_grade(conn, rnd, f"site-{i}", "forms", "alice", float(level))
    return db, rnd, rubric


def _finals(db, rnd, criterion):
    with db.engine.connect() as conn:
        return {r.site_id: (r.level, r.provenance) for r in conn.execute(
            select(schema.final_scores).where(schema.final_scores.c.round_id == rnd.id)
            .where(schema.final_scores.c.criterion == criterion))}


def _scores(db, rnd):
    with db.engine.connect() as conn:
        return {r.site_id: (r.score, r.rank, r.criteria) for r in conn.execute(
            select(schema.site_scores).where(schema.site_scores.c.round_id == rnd.id))}


def test_traffic_is_graded_by_quintile_and_stays_out_of_the_index_unless_asked(small, tmp_path):
    db, rnd, rubric = small
    score_round(db, rnd, rubric)
    assert _finals(db, rnd, "traffic") == {}  # no figures: the optional criterion is left out, not "missing" x5
    path = tmp_path / "visits.csv"
    path.write_text("site_id,value,source\nsite-0,100,analytics\nsite-1,\"9,000\",analytics\nsite-2,9000\n"
                    "site-3,50\nsite-4,,\n", encoding="utf-8")
    assert import_traffic(db, rnd, path, "monthly-visits").written == 5
    score_round(db, rnd, rubric)
    assert _finals(db, rnd, "traffic") == {"site-1": (4.0, "statistical"), "site-2": (4.0, "statistical"),
                                           "site-0": (2.0, "statistical"), "site-3": (1.0, "statistical"),
                                           "site-4": (None, "missing")}
    judged = ",".join(c.id for c in rubric.judged)
    assert _scores(db, rnd)["site-1"] == (4.0, 2, judged)
    score_round(db, rnd, rubric, include_optional=True)
    assert _scores(db, rnd)["site-0"] == (4.0, 1, judged + ",traffic")  # (5 + 5 + 2) / 3
    assert _scores(db, rnd)["site-4"] == (1.0, 5, judged + ",traffic")  # no traffic grade: left out, not zero


def test_a_changed_traffic_figure_is_a_conflict_unless_replaced(small, tmp_path):
    db, rnd, _ = small
    path = tmp_path / "t.csv"
    path.write_text("site_id,value\nsite-0,10\n", encoding="utf-8")
    import_traffic(db, rnd, path, "rank")
    path.write_text("site_id,value\nsite-0,12\n", encoding="utf-8")
    result = import_traffic(db, rnd, path, "rank")
    assert result.conflicts == ["row 2: site-0 has rank 10 stored, the file says 12"] and result.written == 0
    assert import_traffic(db, rnd, path, "rank", replace=True).written == 1


def test_cli_lists_traffic_conflicts_writes_nothing_and_replaces_when_asked(small, tmp_path):
    db, rnd, _ = small
    path = tmp_path / "t.csv"
    path.write_text("site_id,value\nsite-0,10\nsite-1,20\n", encoding="utf-8")
    assert cli("traffic", "import", path, "--metric", "rank", "--db", db.path).returncode == 0
    before = db_digest(db.path)
    path.write_text("site_id,value\nsite-0,10\nsite-1,21\nsite-2,30\n", encoding="utf-8")
    r = cli("traffic", "import", path, "--metric", "rank", "--db", db.path)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert f"{path}: row 3: site-1 has rank 20 stored, the file says 21" in r.stderr
    assert "1 figure(s) differ from the stored ones; nothing was written" in r.stderr and "--replace" in r.stderr
    assert db_digest(db.path) == before  # not even the new site-2 figure
    r = cli("traffic", "import", path, "--metric", "rank", "--replace", "--db", db.path)
    assert r.returncode == 0, r.stderr
    assert sorted(import_traffic(db, rnd, path, "rank").conflicts) == [] and db_digest(db.path) != before


def test_cli_refuses_a_malformed_traffic_file_and_keeps_the_database(small, tmp_path):
    db, rnd, _ = small
    good = tmp_path / "good.csv"
    good.write_text("site_id,value\nsite-0,10\n", encoding="utf-8")
    r = cli("traffic", "import", good, "--metric", "rank", "--db", db.path)
    assert r.returncode == 0, r.stderr
    before = db_digest(db.path)
    bad = tmp_path / "bad.csv"
    bad.write_text("site_id,value\nsite-1,0\nghost,5\n", encoding="utf-8")
    r = cli("traffic", "import", bad, "--metric", "rank", "--db", db.path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.splitlines() == [f"error: {bad}:2: value: rank '0' is not a whole number of 1 or more",
                                     f"error: {bad}:3: site_id: unknown site 'ghost' (not in this round)"]
    r = cli("traffic", "import", good, "--metric", "hits", "--db", db.path)
    assert r.returncode == 2 and "unknown metric" in r.stderr
    assert db_digest(db.path) == before


def _un_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_un_files_with_differing_column_names_map_to_one_series(db_path, tmp_path):
    db = Database(db_path, create=True)
    a = _un_csv(tmp_path / "egdi-2016.csv", ["country-code", "country-name", "e-gov-rank", "e-gov-index", "e-pat-index",
                                             "osi", "hci", "tii"], [["KAZ", "Kazakhstan", "33.0", "0.72499", "0.59322",
                                                                     "0.76812", "0.8401", "0.56677"]])
    b = _un_csv(tmp_path / "EGOV_2024.csv", ["Survey Year", "Country", "Rank", "E_Index", "E_Participation",
                                             "Online_Service", "Human_Capital", "Tele_Infra", "Region"],
                [["2024", "Kazakhstan ", "24", "0.90093", "0.84930", "0.93903", "0.84029", "0.92353", "Asia"]])
    result = import_un(db, [a, b])
    assert (result.written, result.years, result.unmatched) == (2, [2016, 2024], [])
    got = [(r["year"], r["rank"], r["egdi"], r["epart"], r["tii"]) for r in un_series(db, "KAZ")]
    assert got == [(2016, 33, 0.72499, 0.59322, 0.56677), (2024, 24, 0.90093, 0.8493, 0.92353)]
    assert import_un(db, [a, b]).unchanged == 2


def test_an_unknown_un_column_is_an_input_error(tmp_path):
    path = _un_csv(tmp_path / "un.csv", ["Year", "ISO3", "EGDI", "Happiness"], [["2020", "KAZ", "0.8375", "7"]])
    with pytest.raises(InputError) as err:
        read_un_csv(path)
    assert len(err.value.lines()) == 1 and err.value.lines()[0].startswith(f"{path}:1: Happiness: unknown column")
    path = _un_csv(tmp_path / "un2.csv", ["Year", "ISO3", "EGDI"], [["2020", "KAZ", "83"]])
    with pytest.raises(InputError, match=r"un2.csv:2: EGDI: '83' is outside 0-1"):
        read_un_csv(path)



def test_a_un_row_without_a_country_is_an_input_error_whichever_country_column_the_file_has(tmp_path):
    path = _un_csv(tmp_path / "un.csv", ["Year", "ISO3", "EGDI"], [["2020", "KAZ", "0.8375"], ["2020", "", "0.5"]])
    with pytest.raises(InputError) as err:
        read_un_csv(path)
    assert err.value.lines() == [f"{path}:3: ISO3: no country code"]
    path = _un_csv(tmp_path / "un2.csv", ["Year", "Country", "EGDI"], [["2020", "", "0.5"], ["inf", "Kazakhstan", "0.5"]])
    with pytest.raises(InputError) as err:
        read_un_csv(path)
    assert err.value.lines() == [f"{path}:2: Country: no country name", f"{path}:3: Year: 'inf' is not a year"]
    path = tmp_path / "un3.csv"  # neither UTF-8 nor windows-1252: 0x81 is undefined there
    path.write_bytes(b"Year,ISO3,EGDI\n2020,KAZ,0.5\x81\n")
    with pytest.raises(InputError, match=r"un3.csv:2: EGDI: '0.5\ufffd' is not a number"):
        read_un_csv(path)


def test_cli_un_import_reports_a_bad_file_with_exit_code_2(db_path, tmp_path):
    good = _un_csv(tmp_path / "egdi-2018.csv", ["country-code", "country-name", "e-gov-rank", "e-gov-index"],
                   [["KAZ", "Kazakhstan", "39", "0.7597"]])
    r = cli("un", "import", good, "--db", db_path)
    assert r.returncode == 0 and "Stored 1 country-year row(s)" in r.stdout, r.stderr
    bad = _un_csv(tmp_path / "un.csv", ["Year", "ISO3", "EGDI", "Happiness"], [["2020", "KAZ", "0.8375", "7"]])
    before = db_digest(db_path)
    r = cli("un", "import", bad, "--db", db_path)
    assert r.returncode == 2 and r.stderr.startswith(f"error: {bad}:1: Happiness: unknown column") and "Traceback" not in r.stderr
    assert db_digest(db_path) == before
    changed = _un_csv(tmp_path / "egdi-2018.csv", ["country-code", "country-name", "e-gov-rank", "e-gov-index"],
                      [["KAZ", "Kazakhstan", "39", "0.7600"]])
    r = cli("un", "import", changed, "--db", db_path)
    assert r.returncode == 1 and "egdi-2018.csv row 2: KAZ 2018 differs from the stored figures" in r.stderr
    assert db_digest(db_path) == before
    r = cli("un", "import", changed, "--replace", "--db", db_path)
    assert r.returncode == 0 and "Stored 1 country-year row(s)" in r.stdout, r.stderr


@pytest.mark.shared
def test_the_uns_2010_to_2024_exports_import_for_every_year(shared, db_path):
    db = Database(db_path, create=True)
    files = sorted((shared / "govpages" / "un-egov").glob("*/*.csv"))
    result = import_un(db, files)
    assert result.unmatched == [] and result.years == [2010, 2012, 2014, 2016, 2018, 2022, 2024]
    kaz = {r["year"]: (r["rank"], round(r["egdi"], 4)) for r in un_series(db, "KAZ")}
    # The seeds' news items: 39th with 0.7597 in 2018, 24th in 2024.
    assert kaz[2018] == (39, 0.7597) and kaz[2024][0] == 24 and kaz[2010] == (46, 0.5578)


@pytest.mark.shared
def test_the_2010_round_imports_and_a_round_of_todays_sites_compares_with_it(shared, db_path):
    from scoring.compare import compare
    from survey.history import import_historical_round
    from survey.report import previous_round, report_data, snapshot

    rubric = load_rubric()
    db = Database(db_path, create=True)
    hist = import_historical_round(db, shared / "study2010" / "grades.csv", "2010", "2010-09-01", rubric)
    assert (hist.graded, hist.blank) == (39, 101)
    score_round(db, hist.round, rubric)
    cfg = load_sites(REPO / "sites.yaml")
    now = db.create_round("2026", rubric=rubric, sites_cfg=cfg, audit_date="2026-09-01")
    with db.engine.begin() as conn:  # every site of today's sites.yaml graded 3, health graded 5
        for s in cfg.sites:
            for c in rubric.judged:
                set_grade(conn, now, s.id, c.id, "alice", 5.0 if s.id == "ministry-of-health" else 3.0)
    score_round(db, now, rubric)
    assert previous_round(db, now).name == "2010"
    cmp = compare(snapshot(db, hist.round, rubric), snapshot(db, now, rubric))
    old_ids = {r["site_id"] for r in csv.DictReader(open(shared / "study2010" / "grades.csv", encoding="utf-8"))}
    assert set(cmp.vanished_sites) == old_ids - {s.id for s in cfg.sites}
    assert set(cmp.new_sites) == {s.id for s in cfg.sites} - old_ids
    assert len(cmp.changes) == 39 - sum(1 for r in csv.DictReader(open(shared / "study2010" / "grades.csv", encoding="utf-8"))
                                        if r["grade"] and r["site_id"] not in {s.id for s in cfg.sites})
    health = {c.criterion: (c.before, c.after) for c in cmp.changes if c.site_id == "ministry-of-health"}
    assert health and all(after == 5.0 for _, after in health.values())
    assert [n.code for n in cmp.notes] == ["few-common-cells"]  # the study graded 39 of 140 cells
    data = report_data(db, now, rubric)
    assert data["comparison"]["available"] and data["comparison"]["previous"]["name"] == "2010"
