"""Auxiliary technical indicators, reported beside the seven criteria and never mixed into them.

From the stored evidence: HTTPS (and whether plain HTTP is redirected to it), certificate validity (the
crawler records a `tls` finding when verification fails), HSTS, a mobile viewport, the home page's HTML
weight, its resources and load time as the crawler measured them, and the broken-link rate over every address
the crawl followed. Accessibility comes from axe-core (bundled in the axe-playwright-python package) run in
Chromium on the *stored* home page: the HTML is loaded with every network request blocked, so the audit
never fetches anything and shows the page as it was archived. The browser is optional: without launch
options (or when it fails) the axe indicator is an error value, never a crashed round.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from scoring.artifacts import Page, SiteArtifacts

_VIEWPORT = re.compile(r"width\s*=\s*device-width", re.IGNORECASE)
_RESOURCE = re.compile(r"<(?:script[^>]+src|link[^>]+rel=[\"']?stylesheet|img[^>]+src)", re.IGNORECASE)
IMPACTS = ("critical", "serious", "moderate", "minor")


@dataclass
class Indicators:
    site_id: str
    values: dict[str, Any] = field(default_factory=dict)
    url: str = ""


def _home(site: SiteArtifacts) -> Page | None:
    return site.home


def indicators(site: SiteArtifacts) -> Indicators:
    """Every indicator that needs no browser, from the stored evidence."""
    out = Indicators(site.site_id)
    home = _home(site)
    if home is None:
        out.values["reachable"] = False
        return out
    out.url = home.final_url
    v = out.values
    v["reachable"] = True
    https = urlsplit(home.final_url).scheme == "https"
    v["https"] = https
    v["http_redirects_to_https"] = urlsplit(site.start_url).scheme == "http" and https if site.start_url else None
    tls = [f for f in site.findings if f.kind == "tls"]
    v["certificate_valid"] = (not tls) if https else None
    if tls:
        v["certificate_error"] = tls[0].detail[:300]
    hsts = home.header("strict-transport-security")
    v["hsts"] = bool(hsts) and https
    m = re.search(r"max-age\s*=\s*(\d+)", hsts or "")
    v["hsts_max_age"] = int(m.group(1)) if m else None
    viewport = ""
    if home.tree is not None:
        head = home.tree.find("head")
        for el in (head.iter("meta") if head is not None else ()):
            if (el.get("name") or "").lower() == "viewport":
                viewport = el.get("content") or ""
                break
    v["mobile_viewport"] = bool(_VIEWPORT.search(viewport))
    v["home_html_bytes"] = len(home.text.encode("utf-8"))
    v["home_resources"] = len(_RESOURCE.findall(home.text))
    v["home_load_ms"] = home.elapsed_ms or None
    checked = broken = 0
    broken_urls = []
    for p in site.pages:
        checked += 1
        if p.status is None or p.status >= 400:
            broken += 1
            broken_urls.append(p.url)
    for d in site.documents:
        checked += 1
        if d.status is None or d.status >= 400:
            broken += 1
            broken_urls.append(d.url)
    v["links_checked"] = checked
    v["broken_links"] = broken
    v["broken_link_rate"] = round(broken / checked, 4) if checked else None
    v["broken_examples"] = broken_urls[:5]
    return out


class AxeRunner:
    """One Chromium for a round's axe audits (launched on first use), each page in a fresh offline context."""

    def __init__(self, launch_options: dict, *, timeout_ms: int = 30000):
        self.launch_options = launch_options
        self.timeout_ms = timeout_ms
        self._pw = self._browser = None

    def __enter__(self) -> "AxeRunner":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._browser is not None:
            self._browser.close()
        if self._pw is not None:
            self._pw.stop()
        self._pw = self._browser = None

    def run(self, html: str, url: str) -> dict[str, Any]:
        """axe-core violations on stored HTML with all network requests blocked, by impact."""
        from axe_playwright_python.sync_playwright import Axe

        if self._browser is None:
            from playwright.sync_api import sync_playwright

            self._pw = sync_playwright().start()
            self._browser = self._pw.chromium.launch(**self.launch_options)
        context = self._browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900},
                                            service_workers="block")
        try:
            context.route("**/*", lambda route: route.abort())  # the archived page only: nothing is fetched
            page = context.new_page()
            page.set_default_timeout(self.timeout_ms)
            page.set_content(html, wait_until="domcontentloaded")
            results = Axe().run(page)
        finally:
            context.close()
        return _summarise(results.response, url)


def _summarise(response: dict, url: str) -> dict[str, Any]:
    by_impact = {i: 0 for i in IMPACTS}
    nodes = {i: 0 for i in IMPACTS}
    rules = []
    for v in response.get("violations", []):
        impact = v.get("impact") or "minor"
        by_impact[impact] = by_impact.get(impact, 0) + 1
        nodes[impact] = nodes.get(impact, 0) + len(v.get("nodes", []))
        rules.append({"id": v.get("id"), "impact": impact, "nodes": len(v.get("nodes", [])), "help": v.get("help", "")})
    rules.sort(key=lambda r: (IMPACTS.index(r["impact"]) if r["impact"] in IMPACTS else 9, -r["nodes"]))
    return {"url": url, "violations": sum(by_impact.values()), "by_impact": by_impact, "nodes_by_impact": nodes,
            "rules": rules[:15], "axe_version": response.get("testEngine", {}).get("version", "")}


def site_indicators(site: SiteArtifacts, axe: AxeRunner | None = None) -> Indicators:
    """All indicators of a site; axe only when a runner is given, and its failure is recorded, not raised."""
    out = indicators(site)
    home = _home(site)
    if home is None:
        return out
    if axe is None:
        out.values["axe"] = {"error": "not run: no browser was given"}
        return out
    try:
        out.values["axe"] = axe.run(home.text, home.final_url)
    except Exception as exc:  # a browser problem must not end the round
        out.values["axe"] = {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}
    return out
