"""Politeness, checked from the server's side: robots.txt and its Crawl-delay, the per-host delay (with
negative controls that fail without it), one request at a time per host even across sites sharing the host,
Retry-After, the User-Agent, and which setting wins."""

from __future__ import annotations

import threading

from crawler.config import load_sites
from crawler.crawl import crawl_site
from rubric import load_rubric
from survey.db import Database
from survey.store import RoundStore
from tests.crawlsite import Response, crawl, gaps, page, write_sites
from tests.helpers import cli

SLACK = 0.02  # the server notes a request a little after it starts; the crawler's pause is not shortened by it


def starts(site, prefix: str = "/") -> list[float]:
    hits = sorted((h for h in site.hits if h.path.startswith(prefix) and h.path != "/robots.txt"), key=lambda h: h.start)
    return [b.start - a.start for a, b in zip(hits, hits[1:])]


def linked_site(serve, robots: str = "", n: int = 4, **extra):
    routes = {"/": page("".join(f"<a href='/p{i}'>page {i}</a>" for i in range(n)) + "<a href='/not-for-auditors'>x</a>"),
              **{f"/p{i}": page(f"<p>page {i}</p>") for i in range(n)},
              "/not-for-auditors": page("<p>hidden</p>"), **extra}
    if robots:
        routes["/robots.txt"] = Response(robots, content_type="text/plain")
    return serve(routes)


ROBOTS = """User-agent: *
Disallow: /

User-agent: egov-survey
Disallow: /not-for-auditors
Crawl-delay: 0.3
"""


def test_robots_rules_and_crawl_delay(tmp_path, serve):
    site = linked_site(serve, ROBOTS, n=3)
    done = crawl(tmp_path, [{"id": "polite", "url": site.url}])
    assert "/not-for-auditors" not in site.paths()
    assert {"/p0", "/p1", "/p2"} <= set(site.paths())  # our own group allows them, the * group would not
    assert done.kinds("polite")["robots-disallowed"] == [site.url + "not-for-auditors"]
    assert min(starts(site)) >= 0.3 - SLACK  # Crawl-delay lengthens our delay of 0
    assert done.summaries["polite"].status == "ok"


def test_robots_negative_control(tmp_path, serve):
    site = linked_site(serve, ROBOTS, n=3)
    crawl(tmp_path, [{"id": "impolite", "url": site.url, "robots": False}])
    assert "/not-for-auditors" in site.paths()
    assert min(starts(site)) < 0.3  # without robots.txt nothing spaces the requests


def test_per_host_delay_with_negative_control(tmp_path, serve):
    slow, fast = linked_site(serve), linked_site(serve)
    crawl(tmp_path, [{"id": "slow", "url": slow.url, "delay": 0.2}, {"id": "fast", "url": fast.url, "delay": 0}])
    assert len(starts(slow)) >= 4 and min(starts(slow)) >= 0.2 - SLACK
    assert min(starts(fast)) < 0.2  # the negative control: the same site without a delay is not spaced


def shared_host(serve):
    """One server holding two ministries under their own paths, as www.gov.kz does."""
    routes = {}
    for body in ("mfa", "edu"):
        routes[f"/memleket/entities/{body}"] = page("".join(f"<a href='/memleket/entities/{body}/n{i}'>n{i}</a>" for i in range(4)))
        for i in range(4):
            routes[f"/memleket/entities/{body}/n{i}"] = Response(page(f"<p>{body} {i}</p>"), delay=0.05)
    return serve(routes)


def test_sites_sharing_a_host_share_its_slot(tmp_path, serve):
    host = shared_host(serve)
    sites = [{"id": b, "url": f"{host.url}memleket/entities/{b}", "paths": [f"/memleket/entities/{b}"]} for b in ("mfa", "edu")]
    done = crawl(tmp_path, sites, {"delay": 0.15}, concurrency=2)
    assert {s.pages for s in done.summaries.values()} == {5}
    assert max(h.in_flight for h in host.hits) == 1  # one request at a time to the host, across both sites
    assert min(gaps(host.hits)) >= 0.15 - SLACK
    # Each site stayed within its own path.
    assert all("/edu" not in u for u in done.site_captures("mfa"))


def test_shared_host_negative_control(tmp_path, serve):
    """Two crawls with slots of their own (no shared store) do overlap on the host: the sharing is what spaces them."""
    host = shared_host(serve)
    path = write_sites(tmp_path / "sites.yaml", [
        {"id": b, "url": f"{host.url}memleket/entities/{b}", "paths": [f"/memleket/entities/{b}"]} for b in ("mfa", "edu")],
        {"delay": 0.15})
    cfg = load_sites(path)
    db = Database(tmp_path / "survey.db", create=True)
    rnd = db.create_round("r1", rubric=load_rubric(), sites_cfg=cfg)
    threads = [threading.Thread(target=crawl_site, args=(s, cfg.settings_for(s), RoundStore(db, rnd))) for s in cfg.sites]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert max(h.in_flight for h in host.hits) > 1 or min(gaps(host.hits)) < 0.15


def test_retry_after_is_honoured(tmp_path, serve):
    calls = {"n": 0}

    def busy(_handler):
        calls["n"] += 1
        if calls["n"] == 1:
            return Response("<p>busy</p>", status=429, headers={"Retry-After": "1"})
        return page("<p>now</p>")

    site = serve({"/": page("<a href='/busy'>b</a><a href='/other'>o</a>"), "/busy": busy, "/other": page("<p>o</p>")})
    done = crawl(tmp_path, [{"id": "busy", "url": site.url}], {"retries": 2})
    hits = [h for h in sorted(site.hits, key=lambda h: h.start) if h.path != "/robots.txt"]
    first_429 = next(i for i, h in enumerate(hits) if h.path == "/busy")
    assert hits[first_429 + 1].start - hits[first_429].end >= 1.0 - SLACK  # the whole host waited, not only /busy
    assert done.site_captures("busy")[site.url + "busy"]["status"] == 200
    assert done.kinds("busy")["retried"] == [site.url + "busy"]


def test_retry_after_negative_control_and_limit(tmp_path, serve):
    quick = {"n": 0}

    def no_header(_handler):
        quick["n"] += 1
        return Response("<p>busy</p>", status=429) if quick["n"] == 1 else page("<p>ok</p>")

    site = serve({"/": page("<a href='/q'>q</a><a href='/never'>n</a>"), "/q": no_header,
                  "/never": Response("<p>later</p>", status=503, headers={"Retry-After": "3600"})})
    done = crawl(tmp_path, [{"id": "q", "url": site.url}], {"retries": 2, "max_retry_after": 60})
    q = [h for h in sorted(site.hits, key=lambda h: h.start) if h.path == "/q"]
    assert len(q) == 2 and q[1].start - q[0].end < 1.0  # without Retry-After only the short backoff
    assert site.paths().count("/never") == 1  # an hour's wait is not waited: the URL is given up at once
    assert "retry-after-too-long" in done.kinds("q")


def test_user_agent_names_the_tool_and_contact(tmp_path, serve):
    site = linked_site(serve, n=1)
    crawl(tmp_path, [{"id": "ua", "url": site.url, "contact_url": "https://example.org/audit-contact"}])
    agents = {h.headers.get("User-Agent") for h in site.hits}
    assert agents == {"egov-survey/0.1 (+https://example.org/audit-contact)"}


def test_precedence_on_the_command_line(tmp_path):
    sites = tmp_path / "sites.yaml"
    sites.write_text("defaults: {delay: 2, max_pages: 10}\nsites:\n"
                     "  - {id: a, name: {en: A}, url: a.kz, delay: 3}\n  - {id: b, name: {en: B}, url: b.kz}\n",
                     encoding="utf-8")

    def dry(*flags):
        r = cli("crawl", "--sites", sites, "--dry-run", *flags, timeout=120)
        assert r.returncode == 0, r.stderr
        return {line.split(":")[0]: line for line in r.stdout.splitlines()}

    plain = dry()
    assert "delay=3.0" in plain["a"] and "delay=2.0" in plain["b"] and "max_pages=10" in plain["a"]
    flagged = dry("--delay", "5", "--set", "max_pages=4")
    assert all("delay=5.0" in flagged[s] and "max_pages=4" in flagged[s] for s in ("a", "b"))
