"""Technical indicators: HTTPS, certificate, HSTS, viewport, weight, broken links; axe-core offline in Chromium."""

from __future__ import annotations

import pytest

from scoring.artifacts import Document, Finding, Page, SiteArtifacts
from scoring.technical import AxeRunner, indicators, site_indicators

HOME = ("<!doctype html><html lang='en'><head><meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<title>Home</title><link rel='stylesheet' href='/s.css'></head><body><main><h1>Ministry</h1>"
        "<img src='/logo.png'><p>Welcome.</p></main></body></html>")


def _site(home: Page, *others, findings=(), documents=()) -> SiteArtifacts:
    return SiteArtifacts("s", {"en": "S"}, "http://ministry.example.kz/", pages=[home, *others],
                         findings=list(findings), documents=list(documents))


def test_indicators_from_stored_evidence():
    home = Page("http://ministry.example.kz/", "https://ministry.example.kz/", 200, "text/html", HOME,
                headers=[("Strict-Transport-Security", "max-age=31536000; includeSubDomains")], elapsed_ms=420)
    missing = Page("https://ministry.example.kz/old", "https://ministry.example.kz/old", 404, "text/html", "<p>x</p>",
                   depth=1)
    doc = Document("https://ministry.example.kz/a.pdf", "https://ministry.example.kz/a.pdf", 200, "application/pdf", 10)
    v = indicators(_site(home, missing, documents=[doc])).values
    assert {k: v[k] for k in ("https", "http_redirects_to_https", "certificate_valid", "hsts", "hsts_max_age",
                              "mobile_viewport", "home_resources", "home_load_ms", "links_checked", "broken_links",
                              "broken_link_rate")} == {
        "https": True, "http_redirects_to_https": True, "certificate_valid": True, "hsts": True,
        "hsts_max_age": 31536000, "mobile_viewport": True, "home_resources": 2, "home_load_ms": 420,
        "links_checked": 3, "broken_links": 1, "broken_link_rate": 0.3333}


def test_plain_http_and_a_certificate_failure():
    home = Page("http://x.example/", "http://x.example/", 200, "text/html", "<html><body><p>x</p></body></html>")
    v = indicators(_site(home)).values
    assert (v["https"], v["certificate_valid"], v["hsts"], v["mobile_viewport"]) == (False, None, False, False)
    https_home = Page("https://x.example/", "https://x.example/", 200, "text/html", "<html><body><p>x</p></body></html>")
    bad = indicators(_site(https_home, findings=[Finding("https://x.example/", "tls", "certificate has expired")]))
    assert (bad.values["certificate_valid"], bad.values["certificate_error"]) == (False, "certificate has expired")


def test_without_a_browser_axe_is_recorded_as_not_run():
    home = Page("https://x.example/", "https://x.example/", 200, "text/html", HOME)
    assert site_indicators(_site(home)).values["axe"] == {"error": "not run: no browser was given"}


@pytest.mark.browser
def test_axe_runs_offline_on_the_stored_page(serve):
    from crawler.browser import launch_options
    from tests.crawlsite import Response

    server = serve({"/s.css": lambda req: Response(b"body{}", content_type="text/css")})
    html = HOME.replace("/s.css", f"{server.url}/s.css").replace("/logo.png", f"{server.url}/logo.png")
    with AxeRunner(launch_options()) as axe:
        result = axe.run(html, "https://ministry.example.kz/")
    assert server.paths() == []  # every request of the stored page was blocked
    assert "image-alt" in {r["id"] for r in result["rules"]}
    assert result["by_impact"]["critical"] >= 1 and result["axe_version"]
