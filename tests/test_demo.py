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
                  for f in conn.execute(select(schema.final_scores))}
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
    with db.engine.connect() as conn:
        got = {(s.site_id, s.criterion): s.level for s in conn.execute(select(schema.suggestions))
               if s.criterion in ("languages", "forms")}
    assert got == {
        ("ministry-of-digital-services", "languages"): 5, ("ministry-of-digital-services", "forms"): 5,
        ("ministry-of-public-finance", "languages"): 4, ("ministry-of-public-finance", "forms"): 4,
        ("ministry-of-water-resources", "languages"): 3, ("ministry-of-water-resources", "forms"): 2,
        ("ministry-of-agriculture-and-land", "languages"): 2, ("ministry-of-agriculture-and-land", "forms"): 3,
        ("ministry-of-culture-and-heritage", "languages"): 1, ("ministry-of-culture-and-heritage", "forms"): 1,
    }


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
