"""Labelled fixture sites: every level of every criterion, in Kazakh, Russian and English, with the findings.

The cases and their pages are data (tests/fixtures/checks/levels.yaml); each is built here into stored
artifacts dated by a fixed audit day, run through every check and the rubric's rules, and must get its
designed level and findings in each of the three languages.
"""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from rubric import load_lexicons, load_rubric
from scoring.artifacts import Page, SiteArtifacts
from scoring.checks import CHECKS, Context
from scoring.run import check_site

FIXTURES = yaml.safe_load((Path(__file__).parent / "fixtures" / "checks" / "levels.yaml").read_text(encoding="utf-8"))
AUDIT = date(2026, 11, 22)
HOST = "https://ministry.example.kz"
HOME_TITLE = {"kk": "Басты бет", "ru": "Главная", "en": "Home"}
NAME = {"kk": "Сынақ министрлігі", "ru": "Министерство испытаний", "en": "Ministry of Trials"}
ORDER = ("kk", "ru", "en")
CTX = Context(load_lexicons())
RUBRIC = load_rubric()
_DATE = re.compile(r"\{\{date:(-?\d+)(?::([^}]*))?\}\}")


def _dates(text: str) -> str:
    return _DATE.sub(lambda m: (AUDIT + timedelta(days=int(m.group(1)))).strftime(m.group(2) or "%Y-%m-%d"), text)


def _page(url: str, lang: str, title: str, body: str, depth: int, nav: str = "", switch: str = "",
          link_text: str = "") -> Page:
    doc = (f"<!doctype html><html lang='{lang}'><head><title>{html.escape(title)} | {NAME[lang] if lang in NAME else ''}"
           f"</title></head><body><header>{switch}<nav><ul>{nav}</ul></nav></header><main>{_dates(body)}</main>"
           "</body></html>")
    return Page(url, url, 200, "text/html", doc, depth=depth, link_text=link_text,
                fetched_at=f"{AUDIT.isoformat()}T10:00:00Z")


def build_site(case: dict, lang: str) -> SiteArtifacts:
    """The case's site in one language: a home page whose menu links to the blocks' pages."""
    if case["criterion"] == "languages":
        return _versions_site(case, lang)
    blocks = [FIXTURES["blocks"][b][lang] for b in case["blocks"]]
    nav = "".join(f"<li><a href='{b['path']}'>{html.escape(b['title'])}</a></li>" for b in blocks)
    filler = f"<p>{FIXTURES['filler'][lang]}</p>"
    pages = [_page(HOST + "/", lang, HOME_TITLE[lang], f"<h1>{NAME[lang]}</h1>{filler}", 0, nav)]
    for b in blocks:
        pages.append(_page(HOST + b["path"], lang, b["title"], b["body"] + filler, 1, nav, link_text=b["title"]))
    return SiteArtifacts(f"case-{case['criterion']}-{case['level']}-{lang}", {lang: NAME[lang]}, HOST + "/",
                         pages=pages)


def _versions_site(case: dict, main: str) -> SiteArtifacts:
    wanted = []
    for v in case["versions"]:
        if v == "second":
            v = next(x for x in ORDER if x != main)
        wanted.append(v)
    base = [v.split("-")[0] for v in wanted]
    if main in base:  # the case's language is the main version: put it first
        i = base.index(main)
        wanted.insert(0, wanted.pop(i))
    else:
        wanted.insert(0, main)
    versions = FIXTURES["versions"]
    switch = "" if len(wanted) == 1 else "<ul class='lang'>" + "".join(
        f"<li><a href='{versions[v.split('-')[0]]['prefix']}'>{versions[v.split('-')[0]]['label']}</a></li>"
        for v in wanted) + "</ul>"
    if case.get("stale"):
        wanted[-1] += "-stale"
    pages = []
    for v in wanted:
        code, _, kind = v.partition("-")
        spec = versions[code]
        prefix, text = spec["prefix"], spec["text"]
        lag = 45 if kind == "stale" else 5
        news = f"<p>{text}</p><p>{{{{date:-{lag}:%d.%m.%Y}}}}</p>"
        subpages = [("", f"<p>{text}</p>"), ("about", f"<p>{text}</p>"), ("news", news)]
        if kind == "thin":  # one short page: a token version
            subpages = [("", "<p>" + " ".join(text.split()[:45]) + "</p>")]
        for slug, body in subpages:
            depth = 0 if not slug else 1
            pages.append(_page(HOST + prefix + slug, code, slug or code, body, depth, switch=switch))
    return SiteArtifacts(f"case-languages-{case['level']}-{main}", {main: "Trials"}, HOST + versions[main]["prefix"],
                         pages=pages)


CASES = [(c, lang) for c in FIXTURES["cases"] for lang in ORDER]


@pytest.mark.parametrize("case,lang", CASES, ids=[f"{c['criterion']}-{c['level']}-{'+'.join(c.get('blocks') or c.get('versions') or ['none'])}-{lang}"
                                                  for c, lang in CASES])
def test_fixture_site_gets_its_designed_level_and_findings(case, lang):
    site = build_site(case, lang)
    result = check_site(site, RUBRIC, CTX, CHECKS)
    suggestion = result.suggestions[case["criterion"]]
    got = {k: suggestion.features.get(k) for k in case["expect"]}
    assert (suggestion.level, got) == (case["level"], case["expect"]), suggestion.reasons
    # Every suggested level above the floor rests on evidence a reviewer can open.
    if suggestion.level and suggestion.level > 1:
        evidence = [e for cid, r in result.results.items() for e in r.evidence
                    if next(c for c in CHECKS if c.id == cid).criterion == case["criterion"]]
        assert evidence and all(e.url.startswith(HOST) for e in evidence)


def test_no_check_errors_on_any_fixture_site():
    errors = []
    for case, lang in CASES:
        result = check_site(build_site(case, lang), RUBRIC, CTX, CHECKS)
        errors += [f"{case['criterion']} {case['level']} {lang}: {cid}: {r.error}"
                   for cid, r in result.results.items() if r.status == "error"]
    assert errors == []
