"""Scope and discovery: the keyword frontier reaches a deep budget file within a small page budget (and plain
links do not), topics are spread over the budget, traps are capped, sitemaps are read, and a site keeps to its
hosts, subdomains (opt-in), paths and language versions."""

from __future__ import annotations

import gzip

import pytest

from crawler.config import CrawlSettings, Site
from crawler.frontier import url_pattern
from crawler.scope import Scope, moved_folder
from crawler.sitemaps import MAX_BYTES, parse_sitemap
from tests.crawlsite import Response, crawl, page

FILLER = 30  # links on every page that lead nowhere a reviewer needs


def fillers(prefix: str) -> str:
    return "".join(f"<a href='{prefix}/item{i}'>Материал {i}</a>" for i in range(FILLER))


def deep_site(serve, labels: list[str], paths: list[str], lang: str = "ru"):
    """Home -> A -> B -> C -> the budget file, each page also carrying thirty filler links."""
    routes = {}
    chain = ["/"] + paths
    for i, (here, there) in enumerate(zip(chain, chain[1:])):
        routes[here] = page(fillers(here.rstrip("/")) + f"<a href='{there}'>{labels[i]}</a>", lang=lang)
    routes[paths[-1]] = Response(b"PK\x03\x04 budget", content_type="application/vnd.ms-excel")
    for here in chain:
        for i in range(FILLER):
            routes[f"{here.rstrip('/')}/item{i}"] = page(f"<p>Материал {i}</p>")
    return serve(routes)


def test_keyword_frontier_reaches_a_deep_budget_file(tmp_path, serve):
    site = deep_site(serve, ["О министерстве", "Финансовая отчётность", "Исполнение бюджета за 2025 год",
                             "Отчёт об исполнении бюджета (XLSX)"],
                     ["/about", "/about/finance", "/about/finance/execution", "/docs/budget-2025.xlsx"])
    done = crawl(tmp_path, [{"id": "deep", "url": site.url, "max_pages": 6}])
    assert site.url + "docs/budget-2025.xlsx" in done.site_captures("deep")
    assert done.summaries["deep"].stopped_by in ("max_pages", "")
    assert done.summaries["deep"].pages + done.summaries["deep"].documents <= 6


def test_kazakh_latin_keywords_lead_there_too(tmp_path, serve):
    site = deep_site(serve, ["Ministrlik turaly", "Búdjet", "Budjettiń atqarylýy 2025", "Esep (XLSX)"],
                     ["/kk/m", "/kk/m/b", "/kk/m/b/a", "/kk/f/esep-2025.xlsx"], lang="kk")
    done = crawl(tmp_path, [{"id": "latin", "url": site.url, "max_pages": 6}])
    assert site.url + "kk/f/esep-2025.xlsx" in done.site_captures("latin")


def test_negative_control_plain_links_do_not_get_there(tmp_path, serve):
    site = deep_site(serve, ["Раздел А", "Раздел Б", "Раздел В", "Файл"], ["/s1", "/s1/s2", "/s1/s2/s3", "/d/f-2025.xlsx"])
    done = crawl(tmp_path, [{"id": "plain", "url": site.url, "max_pages": 6}])
    assert site.url + "d/f-2025.xlsx" not in done.site_captures("plain")


def test_topics_are_spread_over_a_small_budget(tmp_path, serve):
    budget_links = "".join(f"<a href='/budget/{y}'>Бюджет {y}</a>" for y in range(2018, 2030))
    site = serve({"/": page(budget_links + "<a href='/contacts'>Контакты</a><a href='/jobs'>Вакансии</a>"),
                  "/contacts": page("<p>тел.</p>"), "/jobs": page("<p>вакансии</p>"),
                  **{f"/budget/{y}": page(f"<p>{y}</p>") for y in range(2018, 2030)}})
    done = crawl(tmp_path, [{"id": "spread", "url": site.url, "max_pages": 5}])
    got = set(done.site_captures("spread"))
    assert {site.url + "contacts", site.url + "jobs"} <= got  # reached despite a dozen higher-priority budget links
    assert len([u for u in got if "/budget/" in u]) == 2


def test_trap_caps(tmp_path, serve):
    def calendar(handler):
        day = int(handler.path.split("day=")[1])
        return page(f"<a href='/calendar?day={day + 1}'>следующий день</a>")

    def listing(handler):
        query = handler.path.partition("?")[2]
        n = query.count("&") + 1 if query else 0
        return page(f"<a href='/list?{query + '&' if query else ''}f{n}=1'>ещё фильтр</a>")

    site = serve({
        "/": page("<a href='/calendar?day=1'>Календарь</a><a href='/page;jsessionid=AB12'>a</a>"
                  "<a href='/page?PHPSESSID=zz'>b</a><a href='/page?utm_source=x&sid=9'>c</a>"
                  "<a href='/list'>Список</a><a href='/sub/'>Раздел</a>"),
        "/calendar": calendar, "/page": page("<p>one page</p>"), "/list": listing,
        "/sub/": page("<a href='sub/'>глубже</a>"), "/sub/sub/": page("<a href='sub/'>глубже</a>"),
        "/sub/sub/sub/": page("<p>trap</p>")})
    done = crawl(tmp_path, [{"id": "traps", "url": site.url, "max_pages": 100, "max_depth": 30,
                             "trap_max_per_pattern": 5, "trap_max_query_params": 4}])
    paths = site.paths()
    assert len([p for p in paths if p.startswith("/calendar")]) == 5
    assert "trap" in done.kinds("traps")
    assert len([p for p in paths if p.startswith("/page")]) == 1  # session ids and tracking parameters dropped
    assert max(p.count("=") for p in paths if p.startswith("/list")) == 4
    assert "/sub/sub/sub/" not in paths and "/sub/sub/" in paths
    assert url_pattern("http://x.kz/calendar/2026/11/15?view=day") == url_pattern("http://x.kz/calendar/1999/1/2?view=week")


def test_sitemaps_from_robots_and_the_default_place(tmp_path, serve):
    index = "<?xml version='1.0'?><sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>" \
            "<sitemap><loc>{base}pages.xml.gz</loc></sitemap></sitemapindex>"
    urlset = "<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'><url><loc>{base}hidden</loc></url>" \
             "<url><loc>http://elsewhere.invalid/x</loc></url></urlset>"
    a = serve({"/": page("<p>home</p>"), "/hidden": page("<p>only in the sitemap</p>")})
    a.routes["/robots.txt"] = Response(f"User-agent: *\nDisallow:\nSitemap: {a.url}index.xml\n", content_type="text/plain")
    a.routes["/index.xml"] = Response(index.format(base=a.url), content_type="application/xml")
    a.routes["/pages.xml.gz"] = Response(gzip.compress(urlset.format(base=a.url).encode()), content_type="application/gzip")
    b = serve({"/": page("<p>home</p>"), "/orphan": page("<p>orphan</p>")})
    b.routes["/sitemap.xml"] = Response(f"<urlset><url><loc>{b.url}orphan</loc></url></urlset>", content_type="text/xml")
    done = crawl(tmp_path, [{"id": "a", "url": a.url}, {"id": "b", "url": b.url}], {"sitemaps": True})
    assert a.url + "hidden" in done.site_captures("a") and b.url + "orphan" in done.site_captures("b")
    assert set(done.site_captures("a", "sitemap")) == {a.url + "index.xml", a.url + "pages.xml.gz"}
    assert "/sitemap.xml" not in a.paths()  # robots.txt named its sitemap: the default place is not tried


def test_a_compressed_sitemap_is_inflated_only_up_to_the_sitemaps_org_limit():
    urlset = b"<urlset><url><loc>http://x.kz/a</loc></url></urlset>"
    assert parse_sitemap(gzip.compress(urlset)).pages == ["http://x.kz/a"]
    bomb = gzip.compress(urlset + b" " * MAX_BYTES)  # about 50 KB that inflate past the limit
    assert len(bomb) < 100_000
    found = parse_sitemap(bomb)
    assert found.pages == [] and found.error == f"more than {MAX_BYTES} bytes uncompressed (the sitemaps.org limit); not read"
    assert parse_sitemap(gzip.compress(urlset)[:-12]).error.startswith("not a readable gzip file")


def test_language_versions_from_the_config(tmp_path, serve):
    site = serve({"/kz/": page("<a href='/kz/about'>Министрлік туралы</a>", lang="kk"),
                  "/ru/": page("<a href='/ru/about'>О министерстве</a>"),
                  "/kz/about": page("<p>kk</p>", lang="kk"), "/ru/about": page("<p>ru</p>")})
    done = crawl(tmp_path, [{"id": "langs", "url": site.url + "kz/", "urls": {"kk": site.url + "kz/", "ru": site.url + "ru/"}}])
    caps = done.site_captures("langs")
    assert {u.replace(site.url, "/"): c["lang_version"] for u, c in caps.items() if c["status"] == 200} == \
        {"/kz/": "kk", "/ru/": "ru", "/kz/about": "kk", "/ru/about": "ru"}


def test_scope_hosts_subdomains_and_paths():
    site = Site(id="mfa", name={"en": "MFA"}, url="https://www.gov.kz/memleket/entities/mfa",
                paths=["/memleket/entities/mfa"], hosts=["mfa.kz"])
    assert site.allowed_hosts() == {"www.gov.kz", "mfa.kz"}
    strict = Scope(site, CrawlSettings())
    assert strict.contains("https://www.gov.kz/memleket/entities/mfa/press")
    assert not strict.contains("https://www.gov.kz/memleket/entities/mfa-other")  # a prefix, not a path
    assert not strict.contains("https://www.gov.kz/memleket/entities/edu")
    assert strict.contains("https://www.gov.kz/uploads/2026/budget.pdf")  # shared upload folders hold documents
    assert strict.contains("http://mfa.kz/") and not strict.contains("http://old.mfa.kz/")
    assert not strict.contains("ftp://www.gov.kz/memleket/entities/mfa")
    assert Scope(site, CrawlSettings(allow_subdomains=True)).contains("http://old.mfa.kz/")


@pytest.mark.parametrize("path,folder", [
    ("/memleket/entities/qriim", "/memleket/entities/qriim"),
    ("/memleket/entities/qriim/", "/memleket/entities/qriim"),
    ("/memleket/entities/qriim/index.html", "/memleket/entities/qriim"),
    ("/", ""), ("", ""), ("/ru", ""), ("/kk/index.php", ""),
])
def test_the_folder_a_site_moved_into(path, folder):
    assert moved_folder(path) == folder


def test_a_site_that_moved_into_a_shared_portal_takes_only_its_folder():
    site = Site(id="mvd", name={"en": "MVD"}, url="www.mvd.kz")
    scope = Scope(site, CrawlSettings())
    assert not scope.contains("https://www.gov.kz/memleket/entities/qriim")
    scope.add_host("www.gov.kz", moved_folder("/memleket/entities/qriim"))
    assert scope.contains("https://www.gov.kz/memleket/entities/qriim/press/news?lang=ru")
    assert not scope.contains("https://www.gov.kz/memleket/entities/mfa")  # another ministry on the same portal
    assert scope.contains("https://www.gov.kz/uploads/2026/budget.pdf")  # portals keep files in a common folder
    assert scope.contains("http://www.mvd.kz/ru/contacts")  # the old host keeps its whole site
    scope.add_host("mvd.example.kz", moved_folder("/ru/"))
    assert scope.contains("https://mvd.example.kz/kk/about")  # moved to the root of a host of its own
