"""Forms: downloadable forms, how they are grouped, instructions beside them, and online forms that submit.

A downloadable form is a link to a document file (PDF, DOC/DOCX, XLS/XLSX, RTF, ODT) whose link text or file
name uses a forms word of any lexicon (form, бланк, нысан, Formular, formulario ...). Forms are *grouped* when a
page lists two or more of them (a forms page, or forms under headings); the number of headings over them is
reported too. *Instructions* are instruction words on a page that carries forms, an instruction document or
page linked beside them. An *online form* is an HTML form that sends data (several fields, or POST with a
field), excluding site search, login, polls and newsletter boxes.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from scoring.artifacts import SiteArtifacts
from scoring.checks.base import Check, CheckResult, Context, Evidence, snippet_of, xpath_of
from scoring.siteindex import form_evidence, index_of

FORM_EXT = {"pdf", "doc", "docx", "xls", "xlsx", "rtf", "odt", "ods"}


def run(site: SiteArtifacts, ctx: Context) -> CheckResult:
    idx = index_of(site, ctx)
    m = idx.matcher
    evidence: list[Evidence] = []
    findings: list[str] = []

    downloadable: dict[str, tuple] = {}
    per_page: dict[str, set[str]] = {}
    instruction_docs = set()
    for url, carriers in idx.documents.items():
        ext = urlsplit(url).path.rsplit(".", 1)[-1].lower()
        if ext not in FORM_EXT:
            continue
        name = unquote(urlsplit(url).path.rsplit("/", 1)[-1]).replace("_", " ").replace("-", " ")
        for page, link in carriers:
            topics = m.topics(link.text)
            if "instructions" in topics:
                instruction_docs.add(url)
            named = "forms" in topics or "forms" in m.topics(name) or "forms" in m.url_topics(urlsplit(url).path)
            # On a forms page, documents count unless their text names something else ("Annual report").
            if named or ("forms" in idx.page_topics(page) and not topics - {"forms"}):
                downloadable.setdefault(url, (page, link, ext))
                per_page.setdefault(page.final_url, set()).add(url)
    for url, (page, link, ext) in list(downloadable.items())[:30]:
        evidence.append(Evidence(page.final_url, f"downloadable form ({ext.upper()}): {url}",
                                 snippet=snippet_of(link.element), location=xpath_of(link.element)))

    group_pages = [u for u, docs in per_page.items() if len(docs) >= 2]
    headed = 0
    with_instructions = 0
    instruction_pages = {p.final_url for p in idx.topic("instructions").pages}
    for purl in per_page:
        page = idx.by_url.get(purl)
        if page is None:
            continue
        if purl in group_pages:
            headed = max(headed, sum(1 for tag, _, _ in page.headings if tag in ("h2", "h3", "h4")))
        text_topics = {t for t, _, _ in idx.text_matches(page)}
        has_doc = any(link.url in instruction_docs or link.url in instruction_pages for link in page.links)
        if "instructions" in text_topics or has_doc or "instructions" in idx.page_topics(page):
            with_instructions += 1
            evidence.append(Evidence(purl, "instructions beside the forms", snippet=page.title))

    online = idx.forms_of("data", "feedback")
    online = [f for f in online if f.fields >= 2 or (f.method == "post" and f.fields >= 1)]
    for f in online[:10]:
        evidence.append(form_evidence(f, "online form"))

    forms_pages = idx.topic("forms").pages
    if group_pages:
        findings.append(f"{len(group_pages)} page(s) list two or more forms together")
    findings.append(f"{len(downloadable)} downloadable form(s), {len(online)} online form(s)")
    if with_instructions:
        findings.append(f"instructions beside the forms on {with_instructions} page(s)")
    features = {
        "downloadable_forms": len(downloadable),
        "form_groups": len(group_pages),
        "form_headings": headed,
        "forms_with_instructions": with_instructions,
        "forms_pages": len(forms_pages),
        "online_forms": len(online),
        "forms_found": len(downloadable) + len(online),
    }
    total = features["forms_found"]
    if total == 0:
        return CheckResult("not-found", "No downloadable or online forms were found in the crawled pages.",
                           features, findings, evidence)
    explanation = (f"{len(downloadable)} downloadable form(s)"
                   + (f", grouped on {len(group_pages)} page(s)" if group_pages else ", not grouped")
                   + (", with instructions" if with_instructions else ", without instructions")
                   + (f"; {len(online)} online form(s) that submit data" if online else "; no online submission") + ".")
    return CheckResult("found" if len(downloadable) >= 2 or online else "partial", explanation, features, findings, evidence)


CHECK = Check(
    id="forms-catalogue",
    title="Downloadable and online forms",
    criterion="forms",
    requires=("pages",),
    run=run,
    description="Counts downloadable forms (document links named as forms in any lexicon language, or documents "
                "listed on a forms page), pages that group them, instructions beside them, and HTML forms that "
                "submit data (not search, login, polls or newsletter boxes).",
    features={
        "downloadable_forms": "distinct document links (PDF, DOC(X), XLS(X), RTF, ODT) that are forms",
        "form_groups": "pages that list two or more downloadable forms",
        "form_headings": "the most sub-headings on a page that groups forms (sorting by topic)",
        "forms_with_instructions": "pages with forms that also carry or link instructions",
        "forms_pages": "crawled pages about forms (named so by their title, heading or the links to them)",
        "online_forms": "HTML forms that send data: several fields, or POST with a field (not search, login, "
                        "poll or newsletter)",
        "forms_found": "downloadable plus online forms",
    },
)
