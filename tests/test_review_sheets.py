"""Reviewing from the command line: grading sheets (CSV and XLSX) out and back in, conflicts and row-level
validation, accounts, assignments, adjudication, and a past study imported as a historical round."""

from __future__ import annotations

import csv
import sqlite3

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, select

from rubric import InputError, load_rubric
from scoring.sheets import read_sheet
from survey import schema
from survey.db import Database
from survey.grading import history
from survey.history import import_historical_round
from tests.helpers import cli, db_digest

SITES = ("ministry-one", "ministry-two")


@pytest.fixture
def dbfile(tmp_path):
    db = Database(tmp_path / "survey.db", create=True)
    rnd = db.create_round("r1", rubric=load_rubric())
    for sid in SITES:
        db.add_site_row(rnd, sid, {"en": sid.replace("-", " ").title()}, f"https://{sid}.kz/")
    with db.engine.begin() as conn:
        conn.execute(insert(schema.suggestions).values(round_id=rnd.id, site_id="ministry-one", criterion="forms",
                                                       level=2, reasons_json='["one form found"]'))
        conn.execute(insert(schema.evidence).values(round_id=rnd.id, site_id="ministry-one", check_id="forms-found",
                                                    criterion="forms", url="https://ministry-one.kz/f.pdf",
                                                    label='=HYPERLINK("http://evil.example","click")'))
    db.engine.dispose()
    return tmp_path / "survey.db"


def grades(dbfile) -> dict[tuple[str, str, str], tuple]:
    db = Database(dbfile)
    with db.engine.connect() as conn:
        return {(g.site_id, g.criterion, g.reviewer): (g.level, bool(g.cannot_assess), g.note, g.evidence_urls, g.source)
                for g in conn.execute(select(schema.grades))}


def fill(path, fmt: str, values: dict[tuple[str, str], dict[str, str]]) -> None:
    """Fill in an exported sheet as a reviewer would, in the spreadsheet's own format."""
    if fmt == "csv":
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
        for r in rows:
            r.update(values.get((r["site_id"], r["criterion"]), {}))
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        return
    wb = load_workbook(path)
    ws = wb.active
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        cells = dict(zip(header, row))
        for k, v in values.get((cells["site_id"].value, cells["criterion"].value), {}).items():
            cells[k].value = int(v) if k == "grade" and v.isdigit() else v  # a spreadsheet stores numbers
    wb.save(path)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_sheet_round_trip_then_conflicts_then_replace(dbfile, tmp_path, fmt):
    sheet = tmp_path / f"alice.{fmt}"
    r = cli("review", "export", "--output", sheet, "--reviewer", "alice", "--db", dbfile)
    assert r.returncode == 0, r.stderr
    fill(sheet, fmt, {("ministry-one", "forms"): {"grade": "3", "note": "two forms, no help",
                                                  "evidence_urls": "https://ministry-one.kz/f.pdf"},
                      ("ministry-two", "transparency"): {"grade": "cannot assess", "note": "site down"}})
    r = cli("review", "import", sheet, "--reviewer", "alice", "--db", dbfile)
    assert r.returncode == 0, r.stderr
    assert "Imported 2 grade(s) for alice" in r.stdout
    assert grades(dbfile) == {
        ("ministry-one", "forms", "alice"): (3.0, False, "two forms, no help", "https://ministry-one.kz/f.pdf", "sheet"),
        ("ministry-two", "transparency", "alice"): (None, True, "site down", "", "sheet"),
    }
    # The same sheet again changes nothing; a fresh export comes back pre-filled.
    r = cli("review", "import", sheet, "--reviewer", "alice", "--db", dbfile)
    assert r.returncode == 0 and "Imported 0 grade(s) for alice" in r.stdout and "(2 unchanged)" in r.stdout
    again = tmp_path / f"again.{fmt}"
    assert cli("review", "export", "--output", again, "--reviewer", "alice", "--db", dbfile).returncode == 0
    if fmt == "csv":
        with open(again, encoding="utf-8-sig") as fh:
            prefilled = {(r["site_id"], r["criterion"]): r["grade"] for r in csv.DictReader(fh) if r["grade"]}
    else:
        ws = load_workbook(again).active
        header = [c.value for c in ws[1]]
        prefilled = {(r[header.index("site_id")], r[header.index("criterion")]): r[header.index("grade")]
                     for r in ws.iter_rows(min_row=2, values_only=True) if r[header.index("grade")]}
    assert prefilled == {("ministry-one", "forms"): "3", ("ministry-two", "transparency"): "cannot assess"}

    # Alice changes her mind offline: her own stored grade is not silently overwritten.
    fill(sheet, fmt, {("ministry-one", "forms"): {"grade": "4"}})
    before = db_digest(dbfile)
    r = cli("review", "import", sheet, "--reviewer", "alice", "--db", dbfile)
    assert r.returncode == 1
    assert f"{sheet}: row 6: conflict for ministry-one / forms (alice): stored 3, sheet says 4" in r.stderr
    assert "nothing was written" in r.stderr and "Traceback" not in r.stderr
    assert db_digest(dbfile) == before
    r = cli("review", "import", sheet, "--reviewer", "alice", "--replace", "--db", dbfile)
    assert r.returncode == 0, r.stderr
    assert grades(dbfile)[("ministry-one", "forms", "alice")][0] == 4.0
    db = Database(dbfile)
    changes = [(h["old_level"], h["new_level"], h["changed_by"], h["source"])
               for h in history(db, db.round("r1"), "ministry-one")]
    assert changes == [(None, 3.0, "alice", "sheet"), (3.0, 4.0, "alice", "sheet")]


def test_bad_rows_are_reported_with_row_and_field_and_nothing_is_written(dbfile, tmp_path):
    sheet = tmp_path / "bad.csv"
    sheet.write_text(
        "site_id,criterion,reviewer,grade,cannot_assess,note,evidence_urls\n"
        "ministry-one,forms,alice,3.5,,,\n"
        "ministry-one,transparency,alice,2,yes,,\n"
        "ministry-two,forms,bob,2,,,\n"
        "ministry-two,languages,,4,,,javascript:alert(1)\n"
        "ministry-nine,languages,,4,,,\n"
        "ministry-two,colour,,4,,,\n"
        "ministry-two,languages,,5,,,\n", encoding="utf-8")
    before = db_digest(dbfile)
    r = cli("review", "import", sheet, "--reviewer", "alice", "--db", dbfile)
    assert r.returncode == 2
    assert r.stderr.splitlines() == [
        f"error: {sheet}:2: grade: grade '3.5' is not a whole number from 1 to 5",
        f"error: {sheet}:3: cannot_assess: says cannot assess, but the grade is 2; keep one of the two",
        f"error: {sheet}:4: reviewer: this row is bob's, but the sheet is being imported as alice's; import it with "
        "--reviewer bob, or clear the reviewer column",
        f"error: {sheet}:5: evidence_urls: 'javascript:alert(1)' is not a web address (http:// or https://)",
        f"error: {sheet}:6: site_id: unknown site 'ministry-nine' (not in this round)",
        f"error: {sheet}:7: criterion: unknown criterion 'colour'; expected one of accessibility-cooperativeness, "
        "forms, general-information, languages, personal-information, real-time-operations, transparency",
        f"error: {sheet}:8: site_id: ministry-two / languages appears again (first on row 5)",
    ]
    assert db_digest(dbfile) == before
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"not a workbook")
    r = cli("review", "import", empty, "--reviewer", "alice", "--db", dbfile)
    assert r.returncode == 2 and r.stderr.strip() == f"error: {empty}: not a readable XLSX workbook (BadZipFile)"


def test_crawled_text_stays_text_in_both_formats(dbfile, tmp_path):
    assert cli("review", "export", "--output", tmp_path / "s.xlsx", "--db", dbfile).returncode == 0
    ws = load_workbook(tmp_path / "s.xlsx").active
    header = [c.value for c in ws[1]]
    cell = ws.cell(row=2 + 4, column=header.index("evidence") + 1)  # ministry-one, forms: the fifth criterion
    assert cell.value.startswith("=HYPERLINK(") and cell.data_type == "s"  # shown as text, never run as a formula
    assert cli("review", "export", "--output", tmp_path / "s.csv", "--db", dbfile).returncode == 0
    with open(tmp_path / "s.csv", encoding="utf-8-sig") as fh:
        row = [r for r in csv.DictReader(fh) if r["site_id"] == "ministry-one" and r["criterion"] == "forms"][0]
    assert row["evidence"].startswith("'=HYPERLINK(") and row["suggested_level"] == "2"


def test_accounts_assignments_and_adjudication_from_the_cli(dbfile):
    r = cli("users", "add", "lena", "--role", "lead", "--db", dbfile, stdin="a long lead password\n")
    assert r.returncode == 0, r.stderr
    for name in ("alice", "bob", "cy"):
        assert cli("users", "add", name, "--db", dbfile, stdin="reviewer password 1\n").returncode == 0
    r = cli("users", "add", "dan", "--db", dbfile, stdin="short\n")
    assert r.returncode == 2 and "at least 10 characters" in r.stderr
    r = cli("users", "add", "alice", "--db", dbfile, stdin="reviewer password 1\n")
    assert r.returncode == 2 and "already exists" in r.stderr
    r = cli("users", "add", "Bad Name", "--db", dbfile, stdin="reviewer password 1\n")
    assert r.returncode == 2 and "user name 'Bad Name'" in r.stderr
    r = cli("users", "list", "--db", dbfile)
    assert [line.split("\t")[:3] for line in r.stdout.splitlines()] == [
        ["lena", "lead", "active"], ["alice", "reviewer", "active"], ["bob", "reviewer", "active"],
        ["cy", "reviewer", "active"]]
    con = sqlite3.connect(dbfile)
    hashes = [h for (h,) in con.execute("SELECT password_hash FROM users")]
    con.close()
    assert all(h.startswith("$argon2id$") and "password" not in h for h in hashes)

    r = cli("review", "assign", "--reviewer", "alice", "--reviewer", "bob", "--reviewer", "cy", "--per-site", "2",
            "--db", dbfile)
    assert r.returncode == 0 and "4 new assignment(s)" in r.stdout
    r = cli("review", "assignments", "--db", dbfile)
    # In turn: ministry-one gets alice and bob, ministry-two cy and alice.
    assert r.stdout.splitlines() == ["ministry-one\talice\t0/7", "ministry-one\tbob\t0/7",
                                     "ministry-two\talice\t0/7", "ministry-two\tcy\t0/7"]
    r = cli("review", "export", "--output", dbfile.parent / "cy.csv", "--reviewer", "cy", "--assigned", "--db", dbfile)
    with open(dbfile.parent / "cy.csv", encoding="utf-8-sig") as fh:
        assert {(row["site_id"], row["reviewer"]) for row in csv.DictReader(fh)} == {("ministry-two", "cy")}
    r = cli("review", "assign", "--reviewer", "zed", "--db", dbfile)
    assert r.returncode == 2 and "unknown reviewer 'zed'" in r.stderr

    db = Database(dbfile)
    rnd = db.round("r1")
    from survey.grading import set_grade
    with db.engine.begin() as conn:
        set_grade(conn, rnd, "ministry-one", "forms", "alice", 2, note="one form")
        set_grade(conn, rnd, "ministry-one", "forms", "bob", 4, note="four forms")
        set_grade(conn, rnd, "ministry-one", "transparency", "alice", 3)
        set_grade(conn, rnd, "ministry-one", "transparency", "bob", 3)
    db.engine.dispose()
    r = cli("review", "queue", "--db", dbfile)
    assert r.stdout.splitlines() == ["ministry-one\tforms\talice: 2 vs bob: 4\tawaiting adjudication"]
    r = cli("review", "adjudicate", "--site", "ministry-one", "--criterion", "forms", "--level", "3",
            "--reason", "forms exist but lack instructions", "--by", "alice", "--db", dbfile)
    assert r.returncode == 2 and "only an active lead adjudicates" in r.stderr
    r = cli("review", "adjudicate", "--site", "ministry-one", "--criterion", "forms", "--level", "3",
            "--reason", "", "--by", "lena", "--db", dbfile)
    assert r.returncode == 2 and "reason: say why this level" in r.stderr
    r = cli("review", "adjudicate", "--site", "ministry-one", "--criterion", "forms", "--level", "3",
            "--reason", "forms exist but lack instructions", "--by", "lena", "--db", dbfile)
    assert r.returncode == 0, r.stderr
    assert cli("review", "queue", "--db", dbfile).stdout.splitlines() == [
        "ministry-one\tforms\talice: 2 vs bob: 4\tadjudicated 3 by lena"]
    assert cli("score", "--db", dbfile).returncode == 0
    r = cli("review", "agreement", "--db", dbfile)
    lines = dict(line.split("\t", 1) for line in r.stdout.splitlines())
    # kappa, alpha, exact, within-one, n: one cell agrees, the other is two levels apart
    assert lines["*"] == "-0.33\t-0.50\t0.50\t0.50\t2"
    con = sqlite3.connect(dbfile)
    final = con.execute("SELECT level, provenance, detail FROM final_scores WHERE site_id='ministry-one' "
                        "AND criterion IN ('forms', 'transparency') ORDER BY criterion").fetchall()
    hist = con.execute("SELECT reviewer, old_level, new_level, source, note FROM grade_history "
                       "WHERE source='adjudication'").fetchall()
    con.close()
    assert final == [(3.0, "adjudicated", "forms exist but lack instructions"), (3.0, "agreed", "alice, bob")]
    assert hist == [("lena", None, 3.0, "adjudication", "forms exist but lack instructions")]


def test_import_round_validates_rows(tmp_path):
    bad = tmp_path / "old.csv"
    bad.write_text("site_id,criterion,grade,note\nministry-a,forms,3-4,\nMinistry B,forms,2,\nministry-a,colour,,\n"
                   "ministry-a,languages,7,\nministry-a,forms,2,\n", encoding="utf-8")
    r = cli("import-round", bad, "--round", "2010", "--date", "2010-09-01", "--db", tmp_path / "s.db")
    assert r.returncode == 2
    assert r.stderr.splitlines() == [
        f"error: {bad}:2: grade: grade '3-4' is not a number; leave it blank where the study gave none",
        f"error: {bad}:3: site_id: 'Ministry B' is not a site id (kebab-case, e.g. ministry-of-health)",
        f"error: {bad}:4: criterion: unknown criterion 'colour'; expected one of accessibility-cooperativeness, "
        "forms, general-information, languages, personal-information, real-time-operations, transparency",
        f"error: {bad}:5: grade: grade '7' is outside the scale 1-5",
        f"error: {bad}:6: criterion: ministry-a / forms appears again (first on row 2)",
    ]
    r = cli("import-round", bad, "--round", "2010", "--date", "1 Sept 2010", "--db", tmp_path / "s.db")
    assert r.returncode == 2 and "use an ISO date" in r.stderr


@pytest.mark.shared
def test_the_2010_study_becomes_a_historical_round(tmp_path, shared):
    source = shared / "study2010" / "grades.csv"
    dbfile = tmp_path / "survey.db"
    r = cli("import-round", source, "--round", "2010", "--date", "2010-09-01", "--db", dbfile)
    assert r.returncode == 0, r.stderr
    assert "20 sites, 39 graded cells, 101 without a grade; 140 written" in r.stdout
    db = Database(dbfile)
    rnd = db.round("2010")
    assert (rnd.kind, rnd.audit_date) == ("historical", "2010-09-01")
    with open(source, encoding="utf-8") as fh:
        rows = {(r["site_id"], r["criterion"]): r for r in csv.DictReader(fh)}
    with db.engine.connect() as conn:
        stored = {(g.site_id, g.criterion): g for g in conn.execute(select(schema.grades))}
        finals = {(f.site_id, f.criterion): f for f in conn.execute(select(schema.final_scores))}
    assert set(stored) == set(rows)
    for key, row in rows.items():
        g = stored[key]
        assert (g.reviewer, g.source, g.confidence, g.cannot_assess) == ("study2010", "historical", row["confidence"], False)
        assert g.level == (float(row["grade"]) if row["grade"] else None)  # blank stays "not graded", never 1
        assert g.note.startswith(row["note"])
        if row["languages_listed"]:
            assert row["languages_listed"] in g.note
        f = finals[key]
        assert (f.level, f.provenance) == ((float(row["grade"]), "historical") if row["grade"] else (None, "missing"))
    assert stored[("ministry-of-labor-and-social-protection", "transparency")].level == 3.5
    names = {s["site_id"]: s for s in db.sites(rnd)}
    assert names["ministry-of-finance"]["name"] == {"en": "Ministry of Finance"}
    assert names["ministry-of-finance"]["url"] == "www.minfin.kz"
    assert names["e-gov-site"]["kind"] == "portal" and names["ministry-of-finance"]["crawl_status"] == "imported"
    db.engine.dispose()

    # Importing again changes nothing; an altered copy is a conflict, and nothing is written.
    r = cli("import-round", source, "--round", "2010", "--date", "2010-09-01", "--db", dbfile)
    assert r.returncode == 0 and "0 written, 140 unchanged" in r.stdout
    altered = tmp_path / "altered.csv"
    altered.write_text(source.read_text(encoding="utf-8").replace(
        "ministry-of-defense,Ministry of Defense,www.mod.gov.kz,forms,1,", "ministry-of-defense,Ministry of Defense,www.mod.gov.kz,forms,2,"),
        encoding="utf-8")
    before = db_digest(dbfile)
    r = cli("import-round", altered, "--round", "2010", "--date", "2010-09-01", "--db", dbfile)
    assert r.returncode == 1
    assert "conflict for ministry-of-defense / forms (study2010): stored 1, sheet says 2" in r.stderr
    assert db_digest(dbfile) == before


@pytest.mark.shared
def test_historical_import_is_a_function_reports_can_call(tmp_path, shared):
    db = Database(tmp_path / "survey.db", create=True)
    result = import_historical_round(db, shared / "study2010" / "grades.csv", "2010", "2010-09-01", load_rubric())
    assert (result.round.kind, result.sites, result.graded, result.blank, result.written) == ("historical", 20, 39, 101, 140)
    db.create_round("2026", rubric=load_rubric())
    with pytest.raises(Exception, match="is an audit round"):
        import_historical_round(db, shared / "study2010" / "grades.csv", "2026", "2026-01-01", load_rubric())


def test_grades_follow_the_rubric_scale(tmp_path):
    """A rubric graded 0-10 takes a 7 and refuses an 11; the default scale refuses the 7."""
    sheet = tmp_path / "g.csv"
    sheet.write_text("site_id,criterion,grade\na,forms,7\na,languages,11\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_sheet(sheet, ["a"], ["forms", "languages"], scale=(0, 10))
    assert [p.message for p in err.value.problems] == ["grade '11' is not a whole number from 0 to 10"]
    sheet.write_text("site_id,criterion,grade\na,forms,7\n", encoding="utf-8")
    assert [r.level for r in read_sheet(sheet, ["a"], ["forms"], scale=(0, 10))] == [7]
    with pytest.raises(InputError, match="not a whole number from 1 to 5"):
        read_sheet(sheet, ["a"], ["forms"])
