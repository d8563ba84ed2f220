"""The languages and forms checks on small built pages, and on real government pages from ../shared."""

from __future__ import annotations

import pytest

from rubric import load_lexicons, load_rubric
from scoring.artifacts import Page, SiteArtifacts
from scoring.checks import CHECKS, Context, get_check, run_check
from scoring.run import check_site

CTX = Context(load_lexicons())


def _site(*pages: Page) -> SiteArtifacts:
    return SiteArtifacts("s", {"en": "S"}, pages[0].url if pages else "", pages=list(pages))


def _page(url: str, body: str, lang: str = "", depth: int = 1, lang_version: str = "") -> Page:
    return Page(url, url, 200, "text/html", f"<html lang='{lang}'><body>{body}</body></html>", depth=depth,
                lang_version=lang_version)


def test_a_check_that_raises_becomes_an_error_result_not_a_crash():
    from dataclasses import replace

    broken = replace(get_check("forms-catalogue"), run=lambda a, c: 1 / 0)
    r = run_check(broken, _site(_page("http://x/", "<p>x</p>")), CTX)
    assert (r.status, r.error.split(" (at")[0]) == ("error", "ZeroDivisionError: division by zero")
    assert run_check(broken, _site(), CTX).status == "not-applicable"  # no pages: not run at all


def test_unknown_check_id_says_how_to_register():
    with pytest.raises(KeyError, match="registered by adding it to CHECKS"):
        get_check("no-such-check")


def test_forms_counts_grouped_documents_with_instructions_and_ignores_search():
    forms = _page("http://x/forms", """
        <h1>Бланки заявлений</h1><p>Инструкция по заполнению: заполните все поля.</p>
        <a href="/d/blank-1.pdf">Бланк заявления на лицензию</a> <a href="/d/forma-2.docx">Форма отчёта</a>
        <a href="/d/report-2025.pdf">Annual report 2025</a>
        <form action="/search"><input name="q"></form>""")
    r = run_check(get_check("forms-catalogue"), _site(forms), CTX)
    assert r.features == {"downloadable_forms": 2, "form_groups": 1, "form_headings": 0, "forms_with_instructions": 1,
                          "forms_pages": 1, "online_forms": 0, "forms_found": 2}
    assert [e.url for e in r.evidence[:2]] == ["http://x/forms", "http://x/forms"]


def test_online_form_that_submits_data_counts_but_login_does_not():
    page = _page("http://x/apply", """
        <form method="post" action="/apply"><input name="name"><input type="email" name="mail"><textarea name="t"></textarea></form>
        <form method="post" action="/login"><input name="user"><input type="password" name="pw"></form>""")
    r = run_check(get_check("forms-catalogue"), _site(page), CTX)
    assert (r.features["online_forms"], r.features["downloadable_forms"]) == (1, 0)


KK = ("Министрлік азаматтарға арналған жаңа онлайн қызметтерді іске қосты. Енді азаматтар анықтамаларды үйден шықпай-ақ "
      "ала алады және өтінімдердің мәртебесін бақылай алады. Облыстардағы халыққа қызмет көрсету орталықтарының жұмысы "
      "талқыланды, сондай-ақ ауылдық жерлерді интернетпен қамту мәселелері қаралды.")
KK_LATN = ("Mınıstrlik azamattarǵa arnalǵan jańa onlaın qyzmetterdi iske qosty. Endi azamattar anyqtamalardy úıden shyqpaı-aq "
           "ala alady jáne ótinimderdiń mártebesin baqylaı alady. Oblystardaǵy halyqqa qyzmet kórsetý ortalyqtarynyń jumysy "
           "talqylandy, sondaı-aq aýyldyq jerlerdi ınternetpen qamtý máseleleri qaraldy.")
EN = ("The ministry has launched new online services for citizens. Citizens can now obtain certificates without leaving "
      "home and can follow the status of their applications. The work of public service centres in the regions was "
      "discussed, as well as connecting rural settlements to the internet.")


def test_languages_sees_kazakh_in_both_scripts_and_english():
    # Each text twice: a page needs some 40 words before its language counts.
    pages = [_page("http://x/kz/", f"<a href='/kz/'>Қаз</a><a href='/en/'>Eng</a><p>{KK} {KK}</p>", "kk", 0),
             _page("http://x/latn/", f"<p>{KK_LATN} {KK_LATN}</p>", "kk"),
             _page("http://x/en/", f"<p>{EN} {EN}</p>", "en")]
    r = run_check(get_check("language-versions"), _site(*pages), CTX)
    assert {k: r.features[k] for k in ("languages", "has_kk", "has_en", "has_ru", "kk_latin", "kk_cyrillic")} == {
        "languages": 2, "has_kk": True, "has_en": True, "has_ru": False, "kk_latin": True, "kk_cyrillic": True}
    result = check_site(_site(*pages), load_rubric(), CTX, CHECKS)
    assert result.suggestions["languages"].level == 2
    assert result.suggestions["languages"].reasons[0] == "2: one further language beside the main one"


@pytest.mark.shared
def test_mislabelled_spanish_page_is_reported(shared):
    path = shared / "govpages" / "gsa-search-gov" / "answers_usa_gov" / "1_es.html"
    page = Page("https://respuestas.gobiernousa.gov/", "https://respuestas.gobiernousa.gov/", 200, "text/html",
                path.read_bytes().decode("utf-8", "replace"))
    r = run_check(get_check("language-versions"), _site(page), CTX)
    assert r.features["mislabelled_pages"] == 1
    assert "declares lang='en' but its text is es" in r.findings[0]


@pytest.mark.shared
def test_real_kazakh_ministry_home_page(shared):
    path = shared / "govpages" / "jscryptominerstudy-transcribed" / "pagesource" / "mfa.kz"
    page = Page("http://mfa.kz/kz/", "http://mfa.kz/kz/", 200, "text/html", path.read_text(encoding="utf-8"), depth=0)
    r = run_check(get_check("language-versions"), _site(page), CTX)
    # The page is Kazakh; its switcher announces Russian and English versions that were not crawled here.
    assert (r.features["has_kk"], r.features["announced_languages"]) == (True, 3)
    assert {"kk", "ru", "en"} <= {e.label.split(": ")[1] for e in r.evidence if e.label.startswith("language switcher")}
