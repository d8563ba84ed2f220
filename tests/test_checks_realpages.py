"""The checks on real government pages (../shared/govpages): what their SOURCES.md says a reviewer would
notice is found, and docs/real-pages.md is what `python -m scoring.realpages` writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from rubric import load_lexicons, load_rubric
from scoring.checks import CHECKS, Context
from scoring.realpages import artifacts_of, corpus_sites, render
from scoring.run import check_site

DOC = Path(__file__).resolve().parents[1] / "docs" / "real-pages.md"


@pytest.fixture(scope="module")
def checked(request):
    from tests.conftest import SHARED

    rubric, ctx = load_rubric(), Context(load_lexicons())
    sites = corpus_sites(SHARED / "govpages")
    return rubric, [(s, check_site(artifacts_of(s), rubric, ctx, CHECKS)) for s in sites]


def _features(checked, key: str) -> dict:
    _, results = checked
    res = next(r for s, r in results if s.key.startswith(key))
    out = {}
    for r in res.results.values():
        out.update(r.features)
    return out


@pytest.mark.shared
def test_what_a_reviewer_notices_on_real_pages_is_found(checked):
    akmo = _features(checked, "akmo.gov.kz")
    assert (akmo["has_kk"], akmo["poll_forms"] >= 1, akmo["site_search"]) == (True, True, True)
    roszdrav = _features(checked, "roszdravnadzor.ru")
    assert roszdrav["budget_menu"] == roszdrav["procurement_menu"] == roszdrav["vacancies_menu"] == 1
    goszakup = _features(checked, "v3bl.goszakup.gov.kz")
    assert (goszakup["own_account"], goszakup["has_kk"], goszakup["procurement_portal"]) == (True, True, 0)
    pfrf = _features(checked, "pfrf.ru")
    assert pfrf["own_account"] and pfrf["subscribe"]
    mfa = _features(checked, "mfa.kz")  # no procurement link anywhere on the page (SOURCES.md)
    assert (mfa["procurement_level"], mfa["login_forms"]) == (0, 0)
    usagov = _features(checked, "www.usa.gov (usagov")
    assert (usagov["has_en"], usagov["other_languages"]) == (True, 1)  # English and Spanish
    spanish = _features(checked, "respuestas.gobiernousa.gov")
    assert spanish["mislabelled_pages"] == 2  # Spanish text under lang="en"


@pytest.mark.shared
def test_no_check_fails_on_real_pages(checked):
    _, results = checked
    assert [(s.key, cid, r.error) for s, res in results for cid, r in res.results.items() if r.status == "error"] == []


@pytest.mark.shared
def test_docs_real_pages_is_generated(checked):
    rubric, results = checked
    assert DOC.read_text(encoding="utf-8") == render(results, rubric), \
        "docs/real-pages.md is out of date: run `python -m scoring.realpages`"
