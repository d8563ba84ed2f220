"""Languages: which language versions a site offers, what language each version's text really is, and parity.

A version is announced by a language switcher (links labelled Қаз / Рус / Eng ...), by hreflang alternates, or
by URL patterns (/kz/, /ru/, ?lang=en, en.example.kz); whether it exists is decided by the text of the pages
crawled in it, identified with lingua (and, for Kazakh in Latin script, by letters and words). Pages are
grouped by the version their address or the crawler assigns and by their declared language; a few pages of
each group are identified, and a whole group only when its sample disagrees with what it declares (so a
mislabelled page such as lang="en" on Spanish text is still found, at a fraction of the cost).

*Parity* compares each version with the main one (the version with the most text): its share of the main
version's pages and words, and how far its newest dated item lags behind the main version's (the study found
English versions a month behind). The rubric's rules decide what share or lag makes a version a token one.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from urllib.parse import parse_qs, urlsplit

from scoring.artifacts import Page, SiteArtifacts
from scoring.checks.base import Check, CheckResult, Context, Evidence, snippet_of, xpath_of
from scoring.langid import Identified, identify
from scoring.siteindex import index_of

CORE = ("kk", "ru", "en")
MIN_WORDS = 40  # a page with less text than this says nothing reliable about its language
SAMPLE = 3  # pages identified per (version, declared language) group before trusting the group
NO_DATES = 36500  # the lag reported when a version has no dated item while the main one has


def _switchers(site: SiteArtifacts, ctx: Context) -> list[tuple[Page, list[tuple[str, object, str]]]]:
    """The switchers of the pages that show the site's template (the home pages and the first pages of the
    crawl), each page once with its switcher links; worked out once for both checks."""
    cached = site.__dict__.get("_switchers")
    if cached is None:
        pages = site.ok_pages
        chosen = {id(p): p for p in ([p for p in pages if p.depth == 0] + pages[:10])[:20]}
        labels: dict[str, str | None] = {}  # the template repeats its switcher on every page: look each text up once
        cached = site.__dict__["_switchers"] = [(p, _switcher(p, ctx, labels)) for p in chosen.values()]
    return cached


def _switcher(page: Page, ctx: Context, labels: dict | None = None) -> list[tuple[str, object, str]]:
    """Links on a page that name a language: (language, element, url)."""
    out = []
    labels = {} if labels is None else labels
    language_of_label = ctx.lexicons.language_of_label
    for link in page.links:
        text = link.text
        if len(text) <= 24:
            lang = labels.get(text, 0)
            if lang == 0:
                lang = labels[text] = language_of_label(text)
            if lang:
                out.append((lang, link.element, link.url))
    if page.tree is not None:
        head = page.tree.find("head")
        for el in (head.iter("link") if head is not None else ()):
            if (el.get("rel") or "").lower() == "alternate" and el.get("hreflang"):
                lang = ctx.lexicons.language_of_code(el.get("hreflang")) or el.get("hreflang").split("-")[0].lower()
                if lang != "x":
                    out.append((lang, el, el.get("href") or ""))
    return out


def version_of(page: Page, ctx: Context) -> str:
    """The language version a page belongs to by the crawler's record or its address ('' if none says)."""
    if page.lang_version:
        return ctx.lexicons.language_of_code(page.lang_version) or page.lang_version
    parts = urlsplit(page.final_url)
    first = parts.path.strip("/").split("/", 1)[0]
    if 1 < len(first) <= 7:
        lang = ctx.lexicons.language_of_code(first)
        if lang:
            return lang
    if parts.query:
        q = parse_qs(parts.query)
        for key in ("lang", "language", "locale", "hl", "lng"):
            if key in q:
                lang = ctx.lexicons.language_of_code(q[key][0])
                if lang:
                    return lang
    sub = (parts.hostname or "").split(".", 1)[0]
    if 1 < len(sub) <= 3:
        lang = ctx.lexicons.language_of_code(sub)
        if lang:
            return lang
    return ""


def _declared(page: Page, ctx: Context) -> str:
    declared = page.html_lang
    if not declared:
        return ""
    return ctx.lexicons.language_of_code(declared) or declared.split("-")[0].lower()


def identify_pages(site: SiteArtifacts, ctx: Context) -> dict[int, Identified]:
    """The identified language of the pages read, sampled per (version, declared language) group; cached."""
    cached = site.__dict__.get("_languages")
    if cached is not None:
        return cached
    groups: dict[tuple[str, str], list[Page]] = defaultdict(list)
    for page in site.ok_pages:
        groups[(version_of(page, ctx), _declared(page, ctx))].append(page)
    out: dict[int, Identified] = {}
    for (version, declared), pages in groups.items():
        pages = sorted(pages, key=lambda p: p.depth)
        sample = [p for p in pages if len(p.visible_text) >= MIN_WORDS * 5][:SAMPLE] or pages[:SAMPLE]
        for p in sample:
            out[id(p)] = identify(p.visible_text, words=p.words)
        langs = Counter(out[id(p)].language for p in sample if out[id(p)].language and out[id(p)].words >= MIN_WORDS)
        expected = declared or version
        if len(langs) > 1 or (expected and langs and expected not in langs):
            for p in pages:  # the group disagrees with itself or with its label: read every page of it
                if id(p) not in out:
                    out[id(p)] = identify(p.visible_text, words=p.words)
        elif langs:
            lang = langs.most_common(1)[0][0]
            script = next(out[id(p)].script for p in sample if out[id(p)].language == lang)
            for p in pages:
                if id(p) not in out:
                    out[id(p)] = Identified(lang, script, 0.0, p.words)
    site.__dict__["_languages"] = out
    return out


def run(site: SiteArtifacts, ctx: Context) -> CheckResult:
    pages = site.ok_pages
    ident_of = identify_pages(site, ctx)
    words_by_lang: Counter = Counter()
    pages_by_lang: dict[str, list[tuple[Page, Identified]]] = defaultdict(list)
    scripts: dict[str, set[str]] = defaultdict(set)
    evidence: list[Evidence] = []
    findings: list[str] = []
    mislabelled = 0
    for page in pages:
        ident = ident_of.get(id(page))
        if ident is None or not ident.language or ident.words < MIN_WORDS:
            continue
        words_by_lang[ident.language] += ident.words
        pages_by_lang[ident.language].append((page, ident))
        scripts[ident.language].add(ident.script)
        declared = page.html_lang
        declared_code = _declared(page, ctx)
        if declared_code and len(declared_code) == 2 and declared_code != ident.language and ident.confidence >= 0.8:
            mislabelled += 1
            if mislabelled <= 10:
                findings.append(f"{page.final_url} declares lang={declared!r} but its text is {ident.language}")
                evidence.append(Evidence(page.final_url, f"mislabelled page: lang={declared} but text is {ident.language}",
                                         snippet=page.title, location="/html/@lang"))

    announced: dict[str, tuple[object, str, str]] = {}
    # Switchers belong to the template: the home pages and the first pages of the crawl show them all.
    for page, found in _switchers(site, ctx):
        for lang, el, url in found:
            announced.setdefault(lang, (el, url, page.final_url))
    for page in pages:
        v = version_of(page, ctx)
        if v and len(v) == 2 and v not in announced:
            announced[v] = (None, page.final_url, page.final_url)
    for lang, (el, url, on) in sorted(announced.items()):
        if el is not None:
            evidence.append(Evidence(on, f"language switcher: {lang}", snippet=snippet_of(el), location=xpath_of(el)))

    present = set(words_by_lang)
    # A switcher link to a version we could not read counts as a version with no content, not as none.
    unread = {lang for lang in announced if lang not in present and len(lang) == 2}
    for lang in sorted(words_by_lang, key=lambda x: -words_by_lang[x]):
        page, ident = max(pages_by_lang[lang], key=lambda pi: pi[1].words)
        script = "/".join(sorted(scripts[lang]))
        evidence.append(Evidence(page.final_url, f"text in {lang} ({script}), {len(pages_by_lang[lang])} page(s), "
                                                 f"{words_by_lang[lang]} words", snippet=page.title))
        findings.append(f"{lang} ({script}): {len(pages_by_lang[lang])} page(s), {words_by_lang[lang]} words")
    for lang in sorted(unread):
        findings.append(f"{lang}: announced by a switcher link but no page of it was read")
    langs = present | unread

    features = {
        "languages": len(langs),
        "has_kk": "kk" in langs,
        "has_ru": "ru" in langs,
        "has_en": "en" in langs,
        # Further languages count when some page of them was read, even a short one: the rubric's level 5 asks
        # for two further languages, not for full versions of them.
        "other_languages": len([lang for lang in words_by_lang if lang not in CORE]),
        "kk_latin": "Latn" in scripts.get("kk", set()),
        "kk_cyrillic": "Cyrl" in scripts.get("kk", set()),
        "announced_languages": len(announced),
        "unread_versions": len(unread),
        "mislabelled_pages": mislabelled,
    }
    if not words_by_lang and not announced:
        return CheckResult("not-found", "No page had enough text to identify its language.", features, findings, evidence)
    names = ", ".join(sorted(langs))
    status = "found" if len(langs) > 1 else "partial"
    extra = f"; {mislabelled} page(s) declare another language than their text" if mislabelled else ""
    return CheckResult(status, f"Language versions found: {names}{extra}.", features, findings, evidence)


def run_parity(site: SiteArtifacts, ctx: Context) -> CheckResult:
    idx = index_of(site, ctx)
    ident_of = identify_pages(site, ctx)
    pages_by: dict[str, list[Page]] = defaultdict(list)
    words_by: Counter = Counter()
    for page in site.ok_pages:
        ident = ident_of.get(id(page))
        if ident is None or not ident.language or ident.words < MIN_WORDS:
            continue
        pages_by[ident.language].append(page)
        words_by[ident.language] += ident.words
    announced = {lang for _, found in _switchers(site, ctx) for lang, _, _ in found}
    if not pages_by:
        return CheckResult("not-applicable", "No page had enough text to compare language versions.",
                           {"core_share_min": 0, "core_lag_days": 0, "versions_compared": 0})
    # The main version has the most pages; a tie goes to the home page's language, then to the longer text
    # (by characters: Kazakh says in fewer words what English says in more).
    home = site.home
    home_lang = ident_of[id(home)].language if home is not None and id(home) in ident_of else ""
    chars = {lang: sum(len(p.visible_text) for p in ps) for lang, ps in pages_by.items()}
    main = max(pages_by, key=lambda lang: (len(pages_by[lang]), lang == home_lang, chars[lang]))
    # A version's newest item shows on its home, its news pages or near the top of it.
    news = {id(p) for p in idx.topic("news").pages}
    dated_pages = {lang: ([p for p in ps if p.depth == 0 or id(p) in news][:8] or ps[:3])
                   for lang, ps in pages_by.items()}
    newest = {lang: max((d for p in ps for d in idx.page_dates(p)), default=None) for lang, ps in dated_pages.items()}
    findings, evidence = [], []
    shares, lags = {}, {}
    for lang in sorted(set(pages_by) | ({c for c in CORE if c in announced})):
        ps = pages_by.get(lang, [])
        page_share = 100 * len(ps) / len(pages_by[main])
        word_share = 100 * words_by[lang] / words_by[main] if words_by[main] else 0
        shares[lang] = round(min(page_share, word_share))
        if newest.get(main) and lang != main and ps:
            lags[lang] = (newest[main] - newest[lang]).days if newest.get(lang) else NO_DATES
        bits = [f"{len(ps)} page(s) ({shares[lang]}% of {main})"]
        if newest.get(lang):
            bits.append(f"newest dated item {newest[lang].isoformat()}")
        if lang in lags:
            bits.append("no dated item" if lags[lang] == NO_DATES else f"{max(lags[lang], 0)} day(s) behind {main}")
        findings.append(f"{lang}: " + ", ".join(bits))
        if ps:
            best = max(dated_pages[lang] or ps, key=lambda p: len(idx.page_dates(p)))
            evidence.append(Evidence(best.final_url, f"{lang} version: " + ", ".join(bits), snippet=best.title))
    core_shares = [shares[c] for c in CORE if c in shares and c != main]
    core_lags = [max(lags[c], 0) for c in CORE if c in lags]
    features = {
        "versions_compared": len(shares),
        "core_share_min": min(core_shares) if core_shares else 100,
        "core_lag_days": max(core_lags) if core_lags else 0,
        "main_is_" + main: True,
    }
    behind = [c for c in CORE if c in lags and lags[c] > 0]
    explanation = (f"Main version {main}; " + "; ".join(findings[:4]) + ".") if len(shares) > 1 else \
        f"Only the {main} version was read, nothing to compare."
    status = "found" if len(shares) > 1 else "partial"
    if behind:
        explanation = explanation.rstrip(".") + f"; behind the main version: {', '.join(behind)}."
    return CheckResult(status, explanation, features, findings, evidence)


CHECK = Check(
    id="language-versions",
    title="Language versions and the real language of their text",
    criterion="languages",
    requires=("pages",),
    run=run,
    description="Finds language switchers, hreflang alternates and per-language URLs, identifies the language "
                "of each version's text (Kazakh in Cyrillic or Latin script, Russian, English, others) and "
                "reports pages whose lang attribute names another language than their text.",
    features={
        "languages": "language versions found: read in the crawled text, or announced by a switcher but unread",
        "has_kk": "a Kazakh version (Cyrillic or Latin script) exists",
        "has_ru": "a Russian version exists",
        "has_en": "an English version exists",
        "other_languages": "languages besides Kazakh, Russian and English with some page read",
        "kk_latin": "some Kazakh text is in Latin script (2017, 2018 or 2021 alphabet)",
        "kk_cyrillic": "some Kazakh text is in Cyrillic script",
        "announced_languages": "languages named by switcher links, hreflang alternates or version URLs",
        "unread_versions": "announced versions of which no page was read",
        "mislabelled_pages": "pages whose lang attribute names another language than their text",
    },
)

PARITY = Check(
    id="language-parity",
    title="Parity of the language versions with the main one",
    criterion="languages",
    requires=("pages",),
    run=run_parity,
    description="Compares each language version with the main one (the one with most text): its share of the "
                "main version's pages and words, and how many days its newest dated item lags behind.",
    features={
        "versions_compared": "language versions with text that were compared",
        "core_share_min": "the smallest share (percent of pages or words, whichever is lower) that a Kazakh, "
                          "Russian or English version has of the main version; 100 when there is nothing to compare",
        "core_lag_days": "the most days by which a Kazakh, Russian or English version's newest dated item lags "
                         f"behind the main version's ({NO_DATES} when it has none while the main one has)",
        "main_is_<lang>": "true for the main version's language (e.g. main_is_ru)",
    },
)
