"""The demo end to end: served sites, crawl, checks, a sample reviewer sheet, scores, HTML and PDF reports."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from survey import schema
from survey.db import Database
from survey.demo.run import run_demo
from survey.demo.server import load_specs


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    return out, run_demo(out, pdf=True)


def test_demo_report_matrix_matches_the_database(demo):
    out, paths = demo
    soup = BeautifulSoup(paths["html"].read_text(encoding="utf-8"), "html.parser")
    rows = soup.select("table.matrix tbody tr")
    assert sorted(r["data-site"] for r in rows) == sorted(s["id"] for s in load_specs())
    shown = {(r["data-site"], td["data-criterion"]): (td["data-level"], td["data-provenance"])
             for r in rows for td in r.select("td[data-criterion]")}
    db = Database(paths["database"])
    with db.engine.connect() as conn:
        stored = {(f.site_id, f.criterion): (("" if f.level is None else str(int(f.level))), f.provenance)
                  for f in conn.execute(select(schema.final_scores)
                                        .where(schema.final_scores.c.round_id == db.round("demo").id))}
    assert shown == stored
    provenances = {p for _, p in shown.values()}
    assert {"automated", "reviewer"} <= provenances
    # Different sites get different grades: the demo spans levels 1 to 5 on languages and forms.
    for criterion in ("languages", "forms"):
        levels = {shown[(r["data-site"], criterion)][0] for r in rows}
        assert levels == {"1", "2", "3", "4", "5"}, criterion


def test_demo_suggestions_follow_the_designed_levels(demo):
    _, paths = demo
    db = Database(paths["database"])
    designed = {  # per site: languages, general, personal, accessibility, forms, transparency, operations
        "ministry-of-digital-services": (5, 5, 5, 5, 5, 5, 5),
        "ministry-of-public-finance": (4, 4, 3, 3, 4, 4, 3),
        "ministry-of-water-resources": (3, 3, 1, 2, 2, 1, 1),
        "ministry-of-agriculture-and-land": (2, 2, 2, 3, 3, 2, 2),
        "ministry-of-culture-and-heritage": (1, 2, 1, 1, 1, 1, 1),
    }
    criteria = ("languages", "general-information", "personal-information", "accessibility-cooperativeness", "forms",
                "transparency", "real-time-operations")
    with db.engine.connect() as conn:
        got = {(s.site_id, s.criterion): s.level for s in conn.execute(select(schema.suggestions))
               if s.site_id in designed}
    assert got == {(site, c): level for site, levels in designed.items() for c, level in zip(criteria, levels)}


def test_demo_is_double_graded_with_agreement_and_an_adjudicated_cell(demo):
    out, paths = demo
    db = Database(paths["database"])
    rnd = db.round("demo")
    with db.engine.connect() as conn:
        reviewers = set(conn.execute(select(schema.grades.c.reviewer).where(schema.grades.c.round_id == rnd.id)).scalars())
        agreement = {(a.criterion, a.metric): a.value for a in
                     conn.execute(select(schema.agreement).where(schema.agreement.c.round_id == rnd.id))}
        finals = {(f.site_id, f.criterion): (f.level, f.provenance, f.detail) for f in
                  conn.execute(select(schema.final_scores).where(schema.final_scores.c.round_id == rnd.id))}
    assert reviewers == {"demo-reviewer", "demo-reviewer-2"}
    assert agreement[("*", "n")] == 15 and agreement[("*", "exact")] == 11 / 15
    assert agreement[("*", "kappa-quadratic")] is not None and agreement[("*", "alpha-ordinal")] is not None
    assert finals[("ministry-of-water-resources", "general-information")][:2] == (3.0, "adjudicated")
    assert "awaiting adjudication" in finals[("ministry-of-public-finance", "transparency")][2]
    soup = BeautifulSoup(paths["html"].read_text(encoding="utf-8"), "html.parser")
    cell = soup.select_one('tr[data-site="ministry-of-water-resources"] td[data-criterion="general-information"]')
    assert cell["data-provenance"] == "adjudicated"


def test_demo_decodes_the_mislabelled_windows_1251_site(demo):
    _, paths = demo
    db = Database(paths["database"])
    with db.engine.connect() as conn:
        rows = conn.execute(select(schema.captures.c.charset, schema.captures.c.declared_charset)
                            .where(schema.captures.c.site_id == "ministry-of-culture-and-heritage")
                            .where(schema.captures.c.charset != "")).all()
    assert rows and {tuple(r) for r in rows} == {("cp1251", "utf-8")}


@pytest.mark.browser
def test_demo_pdf_is_printed(demo):
    _, paths = demo
    pdf = paths["pdf"].read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= 2


def test_demo_report_has_every_section_with_data(demo):
    _, paths = demo
    soup = BeautifulSoup(paths["html"].read_text(encoding="utf-8"), "html.parser")
    assert [a["href"] for a in soup.select(".toc a")] == [
        "#summary", "#matrix", "#ranking", "#distributions", "#comparison", "#context", "#agreement", "#technical",
        "#scorecards", "#methodology"]
    # Every section has its data: no "nothing to show" notice anywhere.
    assert [p.get_text() for p in soup.select("p.notice") if "warning" not in p["class"]] == []
    comparison = soup.select_one("#comparison")
    assert "demo-2022" in comparison.get_text()
    assert [li.get_text() for li in comparison.select(".two li")][-1] == "Ministry of Tourism and Sport"  # vanished
    traffic = {td.find_parent("tr")["data-site"]: td["data-provenance"]
               for td in soup.select('table.matrix td[data-criterion="traffic"]')}
    assert traffic["ministry-of-culture-and-heritage"] == "missing" and list(traffic.values()).count("statistical") == 5
    assert soup.select_one("#context table.un tbody tr:last-child td").get_text() == "2024"
    assert len(soup.select("article.scorecard")) == len(load_specs())
    for kind in ("xlsx", "csv"):
        assert paths[kind].exists()


def test_demo_follows_every_criterions_mean_from_the_2010_study(demo):
    import csv

    from survey.demo.context import STUDY2010

    _, paths = demo
    db = Database(paths["database"])
    assert [(r.name, r.kind) for r in db.rounds()][:2] == [("2010", "historical"), ("demo-2022", "historical")]
    study = list(csv.DictReader(STUDY2010.open(encoding="utf-8")))
    sites = len({r["site_id"] for r in study})
    soup = BeautifulSoup(paths["html"].read_text(encoding="utf-8"), "html.parser")
    table = soup.select_one("#comparison table.trend")
    assert [th.contents[0].strip() for th in table.select("thead th")[1:]] == ["2010", "demo-2022", "demo"]
    rows = {tr.td.get_text(): [td.get_text(" ", strip=True) for td in tr.select("td")[1:]] for tr in table.select("tbody tr")}
    for title, criterion in (("Languages", "languages"), ("Transparency", "transparency"), ("Forms", "forms")):
        grades = [float(r["grade"]) for r in study if r["criterion"] == criterion and r["grade"]]
        mean = f"{sum(grades) / len(grades):.2f}" if grades else "–"
        assert rows[title][0] == f"{mean} {len(grades)} of {sites} graded", title
    assert rows["Languages"][2].endswith(f"{len(load_specs())} of {len(load_specs())} graded")
    with (paths["csv"] / "rounds.csv").open(encoding="utf-8") as fh:
        exported = list(csv.DictReader(fh))
    assert {r["round"] for r in exported} == {"2010", "demo-2022", "demo"}
    assert sum(int(r["graded"]) for r in exported if r["round"] == "2010") == sum(1 for r in study if r["grade"])
