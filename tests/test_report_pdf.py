"""The report command end to end on a generated round: HTML, PDF (printed by Chromium, looked at as PNG pages with
pdftoppm), CSV and XLSX tables; the contents carry the pages the sections landed on; bad options exit with 2."""

from __future__ import annotations

import csv
import re
import subprocess

import pytest
from openpyxl import load_workbook

from reports.pdf import section_pages
from rubric import load_rubric
from survey.db import Database
from survey.scores import score_round
from survey.synthetic import build_round
from tests.conftest import REPO
from tests.helpers import cli as run_cli


def cli(*args):
    return run_cli(*args, cwd=REPO, timeout=600)


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pdf")
    rubric = load_rubric()
    db = Database(tmp / "survey.db", create=True)
    prev = build_round(db, rubric, 30, name="2024", audit_date="2024-09-01", seed=3, screenshots=False, drop=2)
    score_round(db, prev, rubric)
    score_round(db, build_round(db, rubric, 30, name="2026"), rubric)
    r = cli("report", "--db", tmp / "survey.db", "--output", tmp / "report")
    assert r.returncode == 0, r.stderr
    return tmp / "report", db


def _pdf_pages(pdf) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def _text(pdf, page: int) -> str:
    return subprocess.run(["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout


@pytest.mark.browser
def test_the_pdf_prints_every_page_and_they_render_as_images(printed, tmp_path):
    out, _ = printed
    pdf = out / "report.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    n = _pdf_pages(pdf)
    assert n >= 12
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "page")], check=True, timeout=300)
    pngs = sorted(tmp_path.glob("page-*.png"))
    assert len(pngs) == n and all(p.read_bytes().startswith(b"\x89PNG") and p.stat().st_size > 1500 for p in pngs)
    # The matrix prints on landscape pages; the rest is portrait A4.
    sizes = subprocess.run(["pdfinfo", "-f", "1", "-l", str(n), str(pdf)], capture_output=True, text=True).stdout
    shapes = {"landscape" if float(w) > float(h) else "portrait"
              for w, h in re.findall(r"size:\s+([\d.]+) x ([\d.]+) pts \(A4\)", sizes)}
    assert shapes == {"landscape", "portrait"}


@pytest.mark.browser
def test_the_contents_give_the_page_each_section_starts_on(printed):
    out, _ = printed
    pdf = out / "report.pdf"
    pages = section_pages(pdf.read_bytes(), ["summary", "matrix", "ranking", "scorecards", "methodology"])
    assert pages["summary"] == 1 and pages["matrix"] == 2 and pages["methodology"] > pages["scorecards"] > pages["ranking"]
    first = _text(pdf, 1)
    for title, sid in (("Grades by site and criterion", "matrix"), ("Site scorecards", "scorecards"),
                       ("Appendix: methodology", "methodology")):
        assert re.search(rf"{re.escape(title)}[ .]*\s{pages[sid]}\s*$", first, re.M), (title, first)
    # Every page of the matrix repeats its header, and the footer numbers every page.
    for page in range(pages["matrix"], pages["ranking"]):
        text = _text(pdf, page)
        assert "Languages" in text and "Index" in text and re.search(rf"{page} / {_pdf_pages(pdf)}", text)


def test_the_tables_are_exported_as_csv_and_xlsx(printed):
    out, db = printed
    names = {p.stem for p in (out / "tables").glob("*.csv")}
    assert names == {"long", "wide", "ranking", "distributions", "comparison", "traffic", "agreement", "technical", "un"}
    wide = list(csv.DictReader(open(out / "tables" / "wide.csv", encoding="utf-8")))
    assert len(wide) == 30 and {"languages", "languages_provenance", "traffic", "score", "rank"} <= set(wide[0])
    comparison = list(csv.DictReader(open(out / "tables" / "comparison.csv", encoding="utf-8")))
    assert {r["status"] for r in comparison} >= {"improved", "declined", "new", "vanished"}
    wb = load_workbook(out / "tables.xlsx", read_only=True)
    assert wb.sheetnames == ["long", "wide", "ranking", "distributions", "comparison", "traffic", "agreement",
                             "technical", "un"]
    assert wb["ranking"].max_row == 31


def test_bad_report_options_are_input_errors(printed):
    out, db = printed
    for args, message in ((("--lang", "xx"), "no report catalogue"), (("--compare", "1999"), "no round named '1999'"),
                          (("--format", "html,doc"), "--format html,doc")):
        r = cli("report", "--db", db.path, "--output", out / "x", "--format", "html", *args)
        assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr, r.stderr
