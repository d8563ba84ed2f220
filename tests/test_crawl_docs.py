"""docs/configuration.md documents every crawl setting and every sites.yaml field, with the true defaults."""

from __future__ import annotations

import re

import yaml

from crawler.config import CrawlSettings, Site, SitesConfig, SurveyInfo
from tests.conftest import REPO

ROW = re.compile(r"^\| `([a-z_]+)` \| (.+?) \| (.+) \|$")


def documented() -> dict[str, str]:
    rows = {}
    for line in (REPO / "docs" / "configuration.md").read_text(encoding="utf-8").splitlines():
        m = ROW.match(line)
        if m:
            assert m.group(1) not in rows, f"{m.group(1)} is documented twice"
            rows[m.group(1)] = m.group(2)
    return rows


def test_every_crawl_setting_is_documented_with_its_default():
    rows = documented()
    missing = [n for n in CrawlSettings.model_fields if n not in rows]
    assert missing == [], f"undocumented crawl settings: {missing}"
    wrong = {n: (rows[n], f.default) for n, f in CrawlSettings.model_fields.items()
             if yaml.safe_load(rows[n].strip("`")) != f.default}
    assert wrong == {}, f"defaults in docs/configuration.md differ from crawler/config.py: {wrong}"


def test_every_sites_yaml_field_is_documented():
    rows = documented()
    fields = [n for n in Site.model_fields if n not in CrawlSettings.model_fields]
    fields += list(SurveyInfo.model_fields) + [n for n in SitesConfig.model_fields if n not in ("path", "sha256")]
    assert [n for n in fields if n not in rows] == []
    # And nothing is documented that does not exist.
    known = set(CrawlSettings.model_fields) | set(fields)
    assert [n for n in rows if n not in known] == []
