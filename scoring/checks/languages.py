"""Languages: which language versions a site offers, and what language each version's text really is.

A version is announced by a language switcher (links labelled Қаз / Рус / Eng ...), by hreflang alternates,
or by URL patterns (/kz/, /ru/, ?lang=en); whether it exists is decided by the text of the pages crawled in
it, identified with lingua (and, for Kazakh in Latin script, by letters and words). A version whose crawled
text is a small fraction of the main version's is *thin* (the study graded token English versions lower).
Pages whose lang attribute names one language while their text is another are reported as mislabelled.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from scoring.artifacts import Page, SiteArtifacts
from scoring.checks.base import Check, CheckResult, Context, Evidence, snippet_of, xpath_of
from scoring.langid import identify

CORE = ("kk", "ru", "en")
MIN_WORDS = 40  # a page with less text than this says nothing reliable about its language
# A version is a token one when it has under a quarter of the largest version's text, or (where the largest
# version has several pages) under a third of its pages: "English: headlines only" in the study's words.
THIN_WORDS = 0.25
THIN_PAGES = 1 / 3


def _switcher(page: Page, ctx: Context) -> list[tuple[str, object, str]]:
    """Links on a page that name a language: (language, element, url)."""
    out = []
    for link in page.links:
        lang = ctx.lexicons.language_of_label(link.text)
        if lang:
            out.append((lang, link.element, link.url))
    if page.tree is not None:
        for el in page.tree.iter("link"):
            if (el.get("rel") or "").lower() == "alternate" and el.get("hreflang"):
                lang = ctx.lexicons.language_of_code(el.get("hreflang")) or el.get("hreflang").split("-")[0].lower()
                if lang != "x":
                    out.append((lang, el, el.get("href") or ""))
    return out


def run(site: SiteArtifacts, ctx: Context) -> CheckResult:
    pages = site.ok_pages
    words_by_lang: Counter = Counter()
    pages_by_lang: dict[str, list[tuple[Page, object]]] = defaultdict(list)
    scripts: dict[str, set[str]] = defaultdict(set)
    evidence: list[Evidence] = []
    findings: list[str] = []
    mislabelled = 0
    for page in pages:
        ident = identify(page.visible_text)
        if not ident.language or ident.words < MIN_WORDS:
            continue
        words_by_lang[ident.language] += ident.words
        pages_by_lang[ident.language].append((page, ident))
        scripts[ident.language].add(ident.script)
        declared = page.html_lang
        declared_code = ctx.lexicons.language_of_code(declared) or (declared.split("-")[0].lower() if declared else "")
        if declared_code and len(declared_code) == 2 and declared_code != ident.language and ident.confidence >= 0.8:
            mislabelled += 1
            findings.append(f"{page.final_url} declares lang={declared!r} but its text is {ident.language}")
            evidence.append(Evidence(page.final_url, f"mislabelled page: lang={declared} but text is {ident.language}",
                                     snippet=page.title, location="/html/@lang"))

    announced: dict[str, tuple[object, str, str]] = {}
    for page in pages[:50]:
        for lang, el, url in _switcher(page, ctx):
            announced.setdefault(lang, (el, url, page.final_url))
    for lang, (el, url, on) in sorted(announced.items()):
        evidence.append(Evidence(on, f"language switcher: {lang}", snippet=snippet_of(el), location=xpath_of(el)))

    largest = max(words_by_lang.values(), default=0)
    present = {lang for lang, w in words_by_lang.items()}
    most_pages = max((len(v) for v in pages_by_lang.values()), default=0)
    thin = {lang for lang, w in words_by_lang.items()
            if (largest and w < THIN_WORDS * largest)
            or (most_pages >= 3 and len(pages_by_lang[lang]) < THIN_PAGES * most_pages)}
    # A switcher link to a version we could not read counts as a thin version, not as none.
    unread = {lang for lang in announced if lang not in present and len(lang) == 2}
    thin |= unread
    present |= unread
    for lang in sorted(words_by_lang, key=lambda x: -words_by_lang[x]):
        page, ident = max(pages_by_lang[lang], key=lambda pi: pi[1].words)
        script = "/".join(sorted(scripts[lang]))
        evidence.append(Evidence(page.final_url, f"text in {lang} ({script}), {len(pages_by_lang[lang])} page(s), "
                                                 f"{words_by_lang[lang]} words", snippet=page.title))
        findings.append(f"{lang} ({script}): {len(pages_by_lang[lang])} page(s), {words_by_lang[lang]} words"
                        + (" - thin" if lang in thin else ""))
    for lang in sorted(unread):
        findings.append(f"{lang}: announced by a switcher link but no page of it was read")

    features = {
        "languages": len(present),
        "has_kk": "kk" in present,
        "has_ru": "ru" in present,
        "has_en": "en" in present,
        # Further languages count when some page of them was read, even a short one: the rubric's level 5 asks
        # for two further languages, not for full versions of them.
        "other_languages": len([lang for lang in words_by_lang if lang not in CORE]),
        "thin_core_versions": len([lang for lang in thin if lang in CORE]),
        "thin_versions": len(thin),
        "kk_latin": "Latn" in scripts.get("kk", set()),
        "kk_cyrillic": "Cyrl" in scripts.get("kk", set()),
        "announced_languages": len(announced),
        "mislabelled_pages": mislabelled,
    }
    if not words_by_lang and not announced:
        return CheckResult("not-found", "No page had enough text to identify its language.", features, findings, evidence)
    names = ", ".join(sorted(present))
    thin_note = f"; thin: {', '.join(sorted(thin))}" if thin else ""
    status = "found" if len(present) > 1 else "partial"
    return CheckResult(status, f"Language versions found: {names}{thin_note}.", features, findings, evidence)


CHECK = Check(
    id="language-versions",
    title="Language versions and the real language of their text",
    criterion="languages",
    requires=("pages",),
    run=run,
    description="Finds language switchers, hreflang alternates and per-language URLs, identifies the language "
                "of each page's text (Kazakh in Cyrillic or Latin script, Russian, English, others) and marks "
                "token versions and mislabelled pages.",
)
