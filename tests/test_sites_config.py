"""sites.yaml: the study's sites load; mistakes are reported one per line with file, line and field."""

from __future__ import annotations

import csv
import textwrap

import pytest

from crawler.config import CrawlSettings, load_sites
from rubric import InputError
from tests.conftest import REPO


def test_the_study_sites_load():
    cfg = load_sites(REPO / "sites.yaml")
    ids = [s.id for s in cfg.sites]
    assert len(ids) == 22
    assert {"government-home-site", "president-site", "e-gov-site", "agency-for-informatization-and-communication",
            "national-security-committee"} <= set(ids)
    assert all(s.name.get("en") for s in cfg.sites)
    # Printed URLs are kept even where misspelt.
    assert cfg.site("ministry-of-economic-development-and-trade").url == "www.minplan.ka"


@pytest.mark.shared
def test_site_ids_match_the_2010_round(shared):
    with open(shared / "study2010" / "grades.csv", encoding="utf-8") as fh:
        past = {r["site_id"] for r in csv.DictReader(fh)}
    ids = {s.id for s in load_sites(REPO / "sites.yaml").sites}
    # Every site of the 2010 results that had an address is in the default audit, under the same id.
    assert past - ids == {"ministry-of-environment-protection"}  # no address was printed for it


def test_bad_file_gives_one_located_line_per_problem(tmp_path):
    path = tmp_path / "sites.yaml"
    path.write_text(textwrap.dedent("""\
        defaults: {delay: -1, max_pagez: 3}
        sites:
          - id: Bad_Id
            name: {ru: Имя}
            url: "ftp://x"
          - id: ok-site
            name: {en: OK}
            url: www.ok.kz
            render: sometimes
          - id: ok-site
            name: {en: Again}
            url: www.ok2.kz
        """), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_sites(path)
    assert err.value.lines() == [
        f"{path}:1: defaults.delay: Input should be greater than or equal to 0",
        f"{path}:1: defaults.max_pagez: is not a known field (check the spelling; see the documentation for the fields allowed here)",
        f"{path}:3: sites[Bad_Id].id: id 'Bad_Id' must be kebab-case, e.g. ministry-of-health",
        f"{path}:4: sites[Bad_Id].name: needs an English name: name: {{en: ..., ru: ..., kk: ...}}",
        f"{path}:5: sites[Bad_Id].url: url 'ftp://x' must be an http or https address",
        f"{path}:9: sites[ok-site].render: Input should be 'auto', 'always' or 'never'",
        f"{path}:10: sites[2].id: id 'ok-site' is already used by sites[1]; site ids must be unique",
    ]


def test_settings_precedence(tmp_path):
    path = tmp_path / "sites.yaml"
    path.write_text("defaults: {delay: 2, max_pages: 10}\nsites:\n"
                    "  - {id: a, name: {en: A}, url: a.kz, max_pages: 5}\n"
                    "  - {id: b, name: {en: B}, url: b.kz}\n", encoding="utf-8")
    cfg = load_sites(path)
    a, b = cfg.site("a"), cfg.site("b")
    assert (cfg.settings_for(a).delay, cfg.settings_for(a).max_pages) == (2, 5)  # file default, then site value
    assert (cfg.settings_for(b).max_pages, cfg.settings_for(b).max_depth) == (10, CrawlSettings().max_depth)
    assert cfg.settings_for(a, {"max_pages": 99, "delay": None}).max_pages == 99  # command line wins
    assert a.start_urls() == {"": "http://a.kz/"}
