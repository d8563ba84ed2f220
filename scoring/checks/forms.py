"""Forms: downloadable forms, how they are grouped, instructions beside them, and online forms that submit.

A downloadable form is a link to a document file (PDF, DOC/DOCX, XLS/XLSX, RTF, ODT) whose link text or file
name uses a forms word of any lexicon (form, бланк, нысан, application, өтініш ...). Forms are *grouped* when a
page lists two or more of them (a forms page, or forms under headings). *Instructions* are instruction words
on a page that carries forms, or an instruction document beside them. An *online form* is an HTML form that
sends data (several input fields or POST), excluding site search, login and newsletter boxes.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from scoring.artifacts import SiteArtifacts
from scoring.checks.base import Check, CheckResult, Context, Evidence, snippet_of, xpath_of

FORM_EXT = {"pdf", "doc", "docx", "xls", "xlsx", "rtf", "odt", "ods"}
DATA_INPUTS = {"text", "email", "tel", "number", "date", "file", "textarea", "select", "url", ""}
SEARCH_NAMES = {"q", "query", "search", "keyword", "keywords", "s", "text", "searchword", "search_query", "k"}


def _is_search(form) -> bool:
    action = (form.get("action") or "").lower()
    if "search" in action or "poisk" in action or "izdeu" in action or (form.get("role") or "") == "search":
        return True
    inputs = [i for i in form.iter("input") if (i.get("type") or "text").lower() not in ("hidden", "submit", "button")]
    if any((i.get("type") or "").lower() == "search" for i in inputs):
        return True
    names = {(i.get("name") or "").lower() for i in inputs}
    return len(inputs) <= 2 and bool(names & SEARCH_NAMES)


def _data_fields(form) -> list:
    fields = []
    for el in form.iter("input", "textarea", "select"):
        kind = "textarea" if el.tag == "textarea" else "select" if el.tag == "select" else (el.get("type") or "text").lower()
        if kind in DATA_INPUTS:
            fields.append(el)
    return fields


def _is_login(form, fields) -> bool:
    return any((el.get("type") or "").lower() == "password" for el in form.iter("input")) and len(fields) <= 2


def run(site: SiteArtifacts, ctx: Context) -> CheckResult:
    lx = ctx.lexicons
    forms_re = lx.word_pattern("forms")
    instr_re = lx.word_pattern("instructions")
    forms_url = lx.url_pattern("forms")
    evidence: list[Evidence] = []
    findings: list[str] = []

    downloadable: dict[str, tuple] = {}
    per_page: dict[str, set[str]] = {}
    instruction_docs = set()
    for url, carriers in site.linked_documents.items():
        ext = urlsplit(url).path.rsplit(".", 1)[-1].lower()
        if ext not in FORM_EXT:
            continue
        name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
        for page, link in carriers:
            text = link.text
            if instr_re is not None and instr_re.search(text):
                instruction_docs.add(url)
            if (forms_re is not None and (forms_re.search(text) or forms_re.search(name.replace("_", " ").replace("-", " ")))) \
                    or (forms_url is not None and forms_url.search(name)):
                downloadable.setdefault(url, (page, link, ext))
                per_page.setdefault(page.final_url, set()).add(url)
    for url, (page, link, ext) in list(downloadable.items())[:40]:
        evidence.append(Evidence(page.final_url, f"downloadable form ({ext.upper()}): {url}",
                                 snippet=snippet_of(link.element), location=xpath_of(link.element)))

    group_pages = [u for u, docs in per_page.items() if len(docs) >= 2]
    with_instructions = 0
    pages_by_url = {p.final_url: p for p in site.ok_pages}
    for purl in per_page:
        page = pages_by_url.get(purl)
        if page is None:
            continue
        has_words = instr_re is not None and instr_re.search(page.visible_text)
        has_doc = any(d in instruction_docs for d in (link.url for link in page.links))
        if has_words or has_doc:
            with_instructions += 1
            evidence.append(Evidence(purl, "instructions beside the forms", snippet=page.title))

    online = []
    seen_actions = set()
    for page in site.ok_pages:
        for form in page.tree.iter("form"):
            fields = _data_fields(form)
            if _is_search(form) or _is_login(form, fields):
                continue
            method = (form.get("method") or "get").lower()
            if len(fields) < 2 and not (method == "post" and fields):
                continue
            key = (urlsplit(page.final_url).path, form.get("action") or "", len(fields))
            if key in seen_actions:
                continue
            seen_actions.add(key)
            online.append((page, form, fields))
            evidence.append(Evidence(page.final_url, f"online form ({method.upper()}, {len(fields)} fields)",
                                     snippet=snippet_of(form), location=xpath_of(form)))

    if group_pages:
        findings.append(f"{len(group_pages)} page(s) list two or more forms together")
    findings.append(f"{len(downloadable)} downloadable form(s), {len(online)} online form(s)")
    if with_instructions:
        findings.append(f"instructions beside the forms on {with_instructions} page(s)")
    features = {
        "downloadable_forms": len(downloadable),
        "form_groups": len(group_pages),
        "forms_with_instructions": with_instructions,
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
    description="Counts downloadable forms (document links named as forms in any lexicon language), pages that "
                "group them, instructions beside them, and HTML forms that submit data (not search or login).",
)
