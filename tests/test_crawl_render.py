"""JavaScript: `render: auto` renders a page whose content a script inserts (and follows the links only the
rendered page has), leaves static pages alone, and photographs each language version's home page; pages the
checks cite get screenshots on request. Real Chromium, driven by Playwright."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest
from sqlalchemy import insert, select

from crawler.render import render_reason
from survey import schema
from survey.pipeline import crawl_round
from tests.crawlsite import Response, crawl, page

SHELL = "<!doctype html><html><head><script src='/app.js'></script></head><body><div id='app'></div></body></html>"
APP = """document.addEventListener('DOMContentLoaded', function () {
  document.getElementById('app').innerHTML = '<h1>Министерство</h1><a href="/deep">Бюджет</a>'
    + '<div style="height:2500px">Исполнение бюджета</div>';
});"""
STATIC = page("<p>" + "Обычная страница с текстом, без скриптов. " * 20 + "</p><script>var x = 1;</script>")


def js_site(serve):
    return serve({"/": SHELL, "/app.js": Response(APP, content_type="application/javascript"),
                  "/deep": page("<p>только через скрипт</p>"), "/static": STATIC})


@pytest.mark.browser
def test_auto_renders_a_script_only_page_and_follows_its_links(tmp_path, serve):
    site = js_site(serve)
    done = crawl(tmp_path, [{"id": "spa", "url": site.url}], {"render": "auto"})
    assert site.url + "deep" in done.site_captures("spa")  # a link that exists only after the script ran
    rendered = done.site_captures("spa", "render")
    assert list(rendered) == [site.url]
    assert rendered[site.url]["note"].startswith("near-empty body")
    assert site.url + "app.js" in done.site_captures("spa", "resource")  # what the browser loaded is evidence too
    assert site.paths().count("/app.js") == 1  # fetched once, politely, by the crawler on the browser's behalf
    s = done.summaries["spa"]
    assert (s.rendered, s.screenshots) == (1, 1)
    [shot] = done.db.engine.connect().execute(select(schema.screenshots)).mappings().all()
    png = Path(done.db.evidence_dir(done.round)) / shot["path"]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot["width"] == 1280 and shot["height"] > 2500  # the full page, not the window


@pytest.mark.browser
def test_static_pages_are_not_rendered_and_never_means_never(tmp_path, serve):
    site = js_site(serve)
    site.routes["/"] = page("<a href='/static'>static</a>" + "<p>" + "Текст главной страницы. " * 30 + "</p>")
    auto = crawl(tmp_path, [{"id": "static", "url": site.url, "screenshots": False}], {"render": "auto"}, db_name="a.db")
    assert auto.site_captures("static", "render") == {} and auto.summaries["static"].pages == 2
    site.routes["/"] = SHELL
    never = crawl(tmp_path, [{"id": "never", "url": site.url}], {"render": "never"}, db_name="n.db")
    assert site.url + "deep" not in never.site_captures("never")  # the negative control: no browser, no link
    assert never.summaries["never"].screenshots == 0


@pytest.mark.browser
def test_home_page_of_every_language_version_is_photographed(tmp_path, serve):
    site = serve({"/kz/": page("<a href='/ru/'>Рус</a><p>Басты бет</p>", lang="kk"),
                  "/ru/": page("<a href='/kz/'>Қаз</a><a href='/en/'>Eng</a><p>Главная</p>"),
                  "/en/": page("<p>Home</p>", lang="en")})
    done = crawl(tmp_path, [{"id": "three", "url": site.url + "kz/", "urls": {"kk": site.url + "kz/"}}], {"render": "auto"})
    with done.db.engine.connect() as conn:
        shots = {r["url"].replace(site.url, "/"): r["lang_version"] for r in conn.execute(select(schema.screenshots)).mappings()}
    assert shots == {"/kz/": "kk", "/ru/": "ru", "/en/": "en"}  # the English one found through the switcher


@pytest.mark.browser
def test_screenshots_of_pages_the_checks_cite(tmp_path, serve):
    site = serve({"/": page("<a href='/contacts'>Контакты</a><a href='/forms'>Бланки</a>"),
                  "/contacts": page("<p>тел. +7 7172 00 00 00</p>"), "/forms": page("<p>бланки</p>")})
    done = crawl(tmp_path, [{"id": "cited", "url": site.url, "screenshots": False}], {"render": "auto"})
    with done.db.engine.begin() as conn:
        conn.execute(insert(schema.evidence), [
            dict(round_id=done.round.id, site_id="cited", check_id="contacts-found", criterion="accessibility-cooperativeness",
                 url=site.url + "contacts", label="phone"),
            dict(round_id=done.round.id, site_id="cited", check_id="forms-found", criterion="forms", url=site.url + "forms",
                 label="forms")])
    from crawler.config import load_sites
    cfg = load_sites(tmp_path / "sites.yaml")
    requests_before = len(site.hits)
    [summary] = crawl_round(done.db, done.round, cfg, evidence_screenshots=True)
    assert summary.screenshots == 2
    with done.db.engine.connect() as conn:
        shots = sorted(r["url"] for r in conn.execute(select(schema.screenshots)).mappings())
    assert shots == [site.url + "contacts", site.url + "forms"]
    assert len(site.hits) == requests_before  # the pages came from the store; nothing needed fetching again
    [again] = crawl_round(done.db, done.round, cfg, evidence_screenshots=True)
    assert again.screenshots == 0  # done once


def test_render_reason():
    def reason(html: str) -> str:
        return render_reason(lxml.html.document_fromstring(html))

    assert reason(SHELL).startswith("near-empty body")
    assert reason("<html><body><div id='root'></div><p>" + "текст " * 60 + "</p><script src='/a.js'></script></body></html>") \
        .startswith("empty single-page-app root")
    assert reason("<html><body><noscript>Включите JavaScript</noscript><p>" + "слово " * 60 + "</p><script></script></body></html>") \
        .startswith("<noscript>")
    assert reason("<html><body><p>" + "слово " * 60 + "</p><script>document.getElementById('x').innerHTML = y;</script></body></html>") \
        == "thin page whose scripts insert content"
    assert reason(STATIC) == "" and reason(page("<p>short</p>")) == ""  # no scripts: nothing a browser would add
