"""The report command end to end on a generated round: HTML, PDF (printed by Chromium, looked at as PNG pages with
pdftoppm), CSV and XLSX tables; the contents carry the pages the sections landed on; bad options exit with 2.
A report printed in many small parts is still one document: every site in it once, pages numbered through,
contents, bookmarks and links pointing at the right pages."""

from __future__ import annotations

import csv
import re
import subprocess

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook
from pypdf import PdfReader

from crawler.browser import launch_options
from reports.pdf import FLOWING, PER_SITE, plan, report_pdf, section_pages
from reports.render import render_html
from rubric import load_rubric
from survey.db import Database
from survey.report import report_data
from survey.scores import score_round
from survey.synthetic import build_round
from tests.conftest import REPO
from tests.helpers import cli as run_cli


def cli(*args):
    return run_cli(*args, cwd=REPO, timeout=600)


def _two_rounds(path, n, seeds):
    """A scored generated round of n sites, "2026", after a scored earlier one, "2024", that lacks two of them."""
    rubric = load_rubric()
    db = Database(path, create=True)
    prev = build_round(db, rubric, n, name="2024", audit_date="2024-09-01", seed=seeds[0], screenshots=False, drop=2)
    score_round(db, prev, rubric)
    rnd = build_round(db, rubric, n, name="2026", **({} if seeds[1] is None else {"seed": seeds[1]}))
    score_round(db, rnd, rubric)
    return db, rnd, rubric


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pdf")
    db, _, _ = _two_rounds(tmp / "survey.db", 30, seeds=(3, None))
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
    assert names == {"long", "wide", "ranking", "distributions", "comparison", "rounds", "traffic", "agreement",
                     "technical", "un"}
    wide = list(csv.DictReader(open(out / "tables" / "wide.csv", encoding="utf-8")))
    assert len(wide) == 30 and {"languages", "languages_provenance", "traffic", "score", "rank"} <= set(wide[0])
    comparison = list(csv.DictReader(open(out / "tables" / "comparison.csv", encoding="utf-8")))
    assert {r["status"] for r in comparison} >= {"improved", "declined", "new", "vanished"}
    wb = load_workbook(out / "tables.xlsx", read_only=True)
    assert wb.sheetnames == ["long", "wide", "ranking", "distributions", "comparison", "rounds", "traffic",
                             "agreement", "technical", "un"]
    assert wb["ranking"].max_row == 31


def test_bad_report_options_are_input_errors(printed):
    out, db = printed
    for args, message in ((("--lang", "xx"), "no report catalogue"), (("--compare", "1999"), "no round named '1999'"),
                          (("--format", "html,doc"), "--format html,doc")):
        r = cli("report", "--db", db.path, "--output", out / "x", "--format", "html", *args)
        assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr, r.stderr


@pytest.fixture(scope="module")
def small_round(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("parts")
    db, rnd, rubric = _two_rounds(tmp / "survey.db", 12, seeds=(5, 6))
    return tmp, report_data(db, rnd, rubric, version="test")


def _items(section: dict, key: str) -> list:
    return [r for t in section["tables"] for r in t["rows"]] if key == "tables" else section[key]


def test_the_parts_hold_every_per_site_item_once_in_order(small_round):
    tmp, data = small_round
    parts = plan(data, 5)
    for sid, key in PER_SITE.items():
        holding = [p for p in parts if sid in p.sections]
        assert len(holding) == -(-len(_items(data[sid], key)) // 5) >= 2, sid
        shown = [_items(p.context(data)[sid], key) for p in holding]
        assert all(0 < len(s) <= 5 for s in shown) and [x for s in shown for x in s] == _items(data[sid], key)
        assert [sid in p.heads for p in holding] == [True] + [False] * (len(holding) - 1)
        assert [sid in p.tails for p in holding] == [False] * (len(holding) - 1) + [True]
    assert parts[0].cover and parts[0].sections == ["summary"] and not any(p.cover for p in parts[1:])
    assert [s for p in parts for s in p.heads] == [e["id"] for e in data["toc"]]
    # A part starts only where the print starts a new page anyway: FLOWING names the sections that do not.
    soup = BeautifulSoup(render_html(data, tmp / "report.html").read_text(encoding="utf-8"), "lxml")
    assert {s["id"] for s in soup.select("main > section") if "major" not in s.get("class", [])} == set(FLOWING)


@pytest.mark.browser
def test_a_report_printed_in_parts_is_one_numbered_document(small_round):
    tmp, data = small_round
    stats: dict = {}
    pdf = report_pdf(data, tmp / "parts.pdf", launch_options(), part_size=5, stats=stats)
    assert stats["parts"] == len(plan(data, 5)) > len(data["toc"]) + 5
    n = _pdf_pages(pdf)
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")[:n]
    # Page numbers run through the whole document, not restarting with each part.
    assert [re.findall(rf"(\d+) / {n}\s*$", p.rstrip(), re.M)[-1:] for p in pages] == [[str(k)] for k in range(1, n + 1)]
    # The contents give the page each section's heading is on, and the bookmarks agree.
    reader = PdfReader(pdf)
    outline = [(o.title, reader.get_destination_page_number(o) + 1) for o in reader.outline]
    listed = []
    for e in data["toc"]:
        m = re.search(rf"^\s*{e['number']}\s+{re.escape(e['title'])}\s+(\d+)\s*$", pages[0], re.M)
        listed.append((f"{e['number']} {e['title']}", int(m.group(1))))
        assert re.search(rf"^\s*{e['number']}\s+{re.escape(e['title'])}\s*$", pages[int(m.group(1)) - 1], re.M), e
    assert outline == listed and listed[-1][1] > listed[-2][1] > listed[1][1] == 2
    # The matrix, printed in three parts, is on landscape pages that all carry the table's header; then portrait.
    matrix = range(listed[1][1] - 1, listed[2][1] - 1)
    assert all(reader.pages[i].mediabox.width > reader.pages[i].mediabox.height and "Languages" in pages[i]
               for i in matrix) and reader.pages[matrix.stop].mediabox.width < reader.pages[matrix.stop].mediabox.height
    # Every site's card is there once, and links from the matrix and the ranking (other parts) lead to it.
    dests = reader.named_destinations
    cards = {name: reader.get_destination_page_number(d) for name, d in dests.items() if name.startswith("/site-")}
    assert sorted(cards) == sorted(f"/site-{c['id']}" for c in data["scorecards"]["cards"])
    homes = [str(a["/A"]["/URI"]) for p in reader.pages for a in (x.get_object() for x in p.get("/Annots", []))
             if "/A" in a and str(a["/A"]["/URI"]).endswith(".example.kz/")]  # each card links its site's address
    assert sorted(homes) == sorted(c["href"] for c in data["scorecards"]["cards"])
    links = [(i, str(a.get_object()["/Dest"])) for i in range(listed[1][1] - 1, listed[3][1] - 1)
             for a in reader.pages[i].get("/Annots", []) if "/Dest" in a.get_object()]
    assert len(links) == 2 * 12 and {d for _, d in links} == set(cards)
    for _, d in links:
        assert f"Ministry number {d[-5:]}" in pages[cards[d]]
