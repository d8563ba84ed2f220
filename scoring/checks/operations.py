"""Real-time operations: what a citizen can actually do online with the body, and how it is presented.

An operation is something a visitor can complete: an HTML form on the site that submits data (an application,
a payment, a booking, a status query; not search, login, polls, newsletters or a message to the body), a link
naming an operation that leads to a page with such a form, or a link into a service page of the national
e-government portal (egov.kz, gosuslugi.ru, gov.uk ...). A link that names an operation but leads to a page
not crawled is reported as *named*, not counted. Operations are told apart by kind (apply, pay, book, check
status, portal service); a services page that lists many of them is a catalogue organised around what the
citizen needs to do.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scoring.artifacts import SiteArtifacts
from scoring.checks.base import Check, CheckResult, Context, Evidence
from scoring.siteindex import form_evidence, index_of

KIND_OF_TOPIC = {"payments": "pay", "booking": "book", "status-tracking": "status", "applications": "apply",
                 "services": "apply"}
OPERATION_TOPICS = ("payments", "booking", "status-tracking", "applications", "services")


def _kind(topics) -> str:
    for t in ("payments", "booking", "status-tracking", "applications"):
        if t in topics:
            return KIND_OF_TOPIC[t]
    return "apply"


def _deep(url: str) -> bool:
    parts = urlsplit(url)
    return len([s for s in parts.path.split("/") if s]) >= 2 or bool(parts.query)


def run(site: SiteArtifacts, ctx: Context) -> CheckResult:
    idx = index_of(site, ctx)
    m = idx.matcher
    evidence: list[Evidence] = []
    ops: dict[str, str] = {}  # target (form key or URL) -> kind
    forms_by_page: dict[str, list] = {}
    for f in idx.forms_of("data"):
        if f.fields >= 2 or (f.method == "post" and f.fields >= 1):
            forms_by_page.setdefault(f.page.final_url, []).append(f)
    for purl, forms in forms_by_page.items():
        page = idx.by_url[purl]
        for i, f in enumerate(forms):
            own = f.topics & set(OPERATION_TOPICS)
            kind = _kind(own if own else f.topics | idx.page_topics(page))
            ops[f"form:{purl}#{i}"] = kind
            if len(evidence) < 12:
                evidence.append(form_evidence(f, f"online operation ({kind})"))
    named: dict[str, tuple] = {}
    for topic in OPERATION_TOPICS:
        for p, link in idx.topic(topic).links:
            url = link.url
            if url in idx.documents:
                continue
            target = idx.by_url.get(url)
            portal = not idx.internal(url) and "egov-portal" in m.url_topics(url) and _deep(url)
            if target is not None and target.final_url in forms_by_page:
                ops.setdefault(f"form:{target.final_url}#0", _kind({topic}))
            elif portal:
                if url not in ops:
                    ops[url] = "portal"
                    evidence.append(Evidence(p.final_url, f"operation through the e-government portal: {url}",
                                             snippet=link.text, location=""))
            elif target is None and (topic != "services" or not idx.internal(url)):
                named.setdefault(url, (p, link, topic))
    egov = [(p, link) for p, link in idx.external_links(("egov.kz", "elicense.kz", "gosuslugi.ru", "gov.uk",
                                                          "verwaltung.bund.de", "usa.gov", "gob.mx", "gob.es"))
            if _deep(link.url) and not idx.internal(link.url) and not any(x in link.url for x in ("idp.", "/login", "/auth"))]
    for p, link in egov:
        if link.url not in ops:
            ops[link.url] = "portal"
            if len(evidence) < 20:
                evidence.append(Evidence(p.final_url, f"service on the e-government portal: {link.url}",
                                         snippet=link.text))
    for url, (p, link, topic) in list(named.items())[:5]:
        evidence.append(Evidence(p.final_url, f"named operation ({topic}), target not crawled: {url}",
                                 snippet=link.text))
    # The catalogue: distinct service links in the body (not the menus) of the site's services pages.
    listed: set[str] = set()
    catalogue_page, best = None, 0
    operation_topics = frozenset(OPERATION_TOPICS)
    services = idx.topic("services").pages
    m.url_topics_many(link.url for p in services for link in p.links)
    documents, topics_of, url_topics = idx.documents, m.topics, m.url_topics
    for p in services:
        here = set()
        for link in p.links:
            url = link.url
            if url in here or url in documents:
                continue
            # The region last: it walks the page's tree, the other tests are look-ups.
            if (not operation_topics.isdisjoint(topics_of(link.text)) or url in ops
                    or ("egov-portal" in url_topics(url) and _deep(url))) and link.region == "main":
                here.add(url)
        listed |= here
        if len(here) > best:
            catalogue_page, best = p, len(here)
    catalogue = len(listed)
    if catalogue_page is not None:
        evidence.insert(0, Evidence(catalogue_page.final_url, f"services page listing {best} service link(s)",
                                    snippet=catalogue_page.title))
    kinds = sorted(set(ops.values()))
    features = {
        "operations": len(ops),
        "operation_forms": sum(1 for k in ops if k.startswith("form:")),
        "egov_services": sum(1 for v in ops.values() if v == "portal"),
        "operation_kinds": len(kinds),
        "payments": sum(1 for v in ops.values() if v == "pay"),
        "bookings": sum(1 for v in ops.values() if v == "book"),
        "status_checks": sum(1 for v in ops.values() if v == "status"),
        "applications": sum(1 for v in ops.values() if v == "apply"),
        "named_operations": len(named),
        "service_catalogue": catalogue,
    }
    findings = [f"{len(ops)} operation(s): " + (", ".join(f"{k} {sum(1 for v in ops.values() if v == k)}" for k in kinds)
                                                or "none"),
                f"{len(named)} operation(s) named by links whose target was not crawled"]
    if catalogue:
        findings.append(f"a services page lists {catalogue} service link(s)")
    if not ops and not named:
        return CheckResult("not-found", "No online operation (application, payment, booking, status check, portal "
                                        "service) was found.", features, findings, evidence)
    explanation = (f"{len(ops)} operation(s) of {len(kinds)} kind(s)"
                   + (f" ({', '.join(kinds)})" if kinds else "")
                   + (f"; a services page lists {catalogue} service link(s)" if catalogue else "")
                   + (f"; {len(named)} more named but not reached" if named else "") + ".")
    return CheckResult("found" if ops else "partial", explanation, features, findings, evidence)


CHECK = Check(
    id="online-operations",
    title="Online applications, payments, bookings, status checks and portal services",
    criterion="real-time-operations",
    requires=("pages",),
    run=run,
    description="Counts what a citizen can complete online: forms that submit data (applications, payments, "
                "bookings, status queries), links to pages with such forms, and links into service pages of the "
                "national e-government portal; and how large the site's catalogue of services is.",
    features={
        "operations": "distinct operations: data forms, and links into e-government portal services",
        "operation_forms": "forms on the site that submit data for an operation",
        "egov_services": "distinct links into service pages of a national e-government portal",
        "operation_kinds": "kinds of operation found: apply, pay, book, status, portal service",
        "payments": "payment operations",
        "bookings": "appointment bookings and electronic queues",
        "status_checks": "operations that check the status of an application",
        "applications": "applications and other requests",
        "named_operations": "links naming an operation whose target page was not crawled (not counted)",
        "service_catalogue": "distinct operation or service links in the body of the site's services pages",
    },
)
