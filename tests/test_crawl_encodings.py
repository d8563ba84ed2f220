"""Legacy and mislabelled charsets, as Kazakh and Russian government sites serve them: each page is decoded
to the right text and the charset actually used is recorded beside the one the server declared."""

from __future__ import annotations

import pytest

from survey.store import load_artifacts
from tests.crawlsite import Response, crawl

RU = ("Министерство государственных финансов публикует бюджетную отчётность и планы государственных закупок. "
      "Граждане могут задать вопрос через интернет-приёмную.")
KK = "Қазақстан Республикасының Қаржы министрлігі бюджеттік есептілікті және мемлекеттік сатып алу жоспарларын жариялайды."


def doc(text: str, meta: str = "") -> str:
    return f"<!doctype html><html><head>{meta}<title>Страница</title></head><body><h1>Сайт</h1><p>{text}</p></body></html>"


CASES = {  # path: (html, body charset, Content-Type header, charset expected in the index)
    "/cp1251": (doc(RU), "cp1251", "text/html; charset=windows-1251", "cp1251"),
    "/koi8": (doc(RU), "koi8_r", "text/html; charset=koi8-r", "koi8-r"),
    "/cp1251-says-utf8": (doc(RU), "cp1251", "text/html; charset=utf-8", "cp1251"),
    "/koi8-says-cp1251": (doc(RU), "koi8_r", "text/html; charset=windows-1251", "koi8-r"),
    "/koi8-meta-against-header": (doc(RU, '<meta charset="koi8-r">'), "koi8_r", "text/html; charset=utf-8", "koi8-r"),
    "/cp1251-meta-only": (doc(RU, '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'),
                          "cp1251", "text/html", "cp1251"),
    "/cp1251-undeclared": (doc(RU), "cp1251", "text/html", "cp1251"),
    "/utf8-says-cp1251": (doc(RU), "utf-8", "text/html; charset=windows-1251", "utf-8"),
    "/kz1048": (doc(KK), "kz1048", "text/html; charset=kz-1048", "kz1048"),
    "/kz1048-says-cp1251": (doc(KK), "kz1048", "text/html; charset=windows-1251", "kz1048"),
}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    from tests.crawlsite import FixtureSite

    site = FixtureSite({"/": "<!doctype html><body>" + "".join(f"<a href='{p}'>{p}</a>" for p in CASES) + "</body>",
                        **{p: Response(h.encode(cs), content_type=ct) for p, (h, cs, ct, _) in CASES.items()}}).start()
    try:
        done = crawl(tmp_path_factory.mktemp("enc"), [{"id": "legacy", "url": site.url}])
    finally:
        site.stop()
    return site, done


def test_charset_recorded(crawled):
    site, done = crawled
    caps = done.site_captures("legacy")
    got = {p: (caps[site.url + p.lstrip("/")]["charset"], caps[site.url + p.lstrip("/")]["declared_charset"]) for p in CASES}
    from crawler.decode import declared_charset
    assert got == {p: (want, declared_charset(ct)) for p, (_h, _cs, ct, want) in CASES.items()}


def test_text_decoded_for_the_checks(crawled):
    site, done = crawled
    arts = load_artifacts(done.db, done.round, done.db.sites(done.round)[0])
    texts = {p.url.replace(site.url, "/"): p.text for p in arts.pages}
    for path, (_h, _cs, _ct, _want) in CASES.items():
        assert (KK if "kz" in path else RU) in texts[path], path


@pytest.mark.shared
def test_a_real_russian_page_in_legacy_charsets(shared, tmp_path, serve):
    """kremlin.ru's home page (real, March 2018) served as windows-1251 and as KOI8-R, both mislabelled."""
    real = (shared / "govpages" / "jscryptominerstudy-transcribed" / "pagesource" / "kremlin.ru").read_bytes()
    text = real.decode("utf-8").replace('charset="utf-8"', "").replace("charset=utf-8", "")
    site = serve({"/": "<a href='/a'>a</a><a href='/b'>b</a>",
                  "/a": Response(text.encode("cp1251", "xmlcharrefreplace"), content_type="text/html; charset=utf-8"),
                  "/b": Response(text.encode("koi8_r", "xmlcharrefreplace"), content_type="text/html; charset=windows-1251")})
    done = crawl(tmp_path, [{"id": "kremlin", "url": site.url}])
    caps = done.site_captures("kremlin")
    assert (caps[site.url + "a"]["charset"], caps[site.url + "b"]["charset"]) == ("cp1251", "koi8-r")
    arts = load_artifacts(done.db, done.round, done.db.sites(done.round)[0])
    pages = {p.url: p for p in arts.pages}
    title = "Президент России"
    assert title in pages[site.url + "a"].text and title in pages[site.url + "b"].text
