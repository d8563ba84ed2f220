"""Transparency: what the body publishes about its own work, and how substantially.

A reviewer asks not whether the word "budget" occurs but whether the site publishes its budget: a menu link
named so, leading to a section of its own, with documents (XLSX, PDF) for several years or tables of figures.
For each topic (strategic and work plans, budget and spending, procurement and its results, vacancies and
competitions, annual reports, statistics, officials and their contacts, open data) the check reports a level
(0 absent, 1 named by a link, 2 a section page, 3 a section with documents or entries) and the counts behind
it, plus links to the national e-procurement portal (participation in tenders online).
"""

from __future__ import annotations

from scoring.artifacts import SiteArtifacts
from scoring.checks.base import Check, CheckResult, Context, Evidence
from scoring.siteindex import feature_name, index_of

TOPICS = ("plans", "budget", "procurement", "tender-results", "vacancies", "reports", "statistics", "officials",
          "open-data")
PROCUREMENT_PORTALS = ("goszakup.gov.kz", "zakupki.gov.ru", "sam.gov", "service.bund.de", "evergabe-online.de",
                       "contrataciondelestado.es", "compranet.hacienda.gob.mx", "ted.europa.eu", "mitender.kz",
                       "eauction.kz", "etender.gov.kz", "omarket.kz")


def run(site: SiteArtifacts, ctx: Context) -> CheckResult:
    idx = index_of(site, ctx)
    evidence: list[Evidence] = []
    findings: list[str] = []
    features: dict[str, int | bool] = {}
    named = []
    for t in TOPICS:
        f = idx.topic_features(t)
        features.update(f)
        lv = f[f"{feature_name(t)}_level"]
        if lv:
            v = idx.topic(t)
            named.append(t)
            findings.append(f"{t}: level {lv} ({len(v.links)} link(s), {len(v.pages)} page(s), {len(v.docs)} "
                            f"document(s), {v.items} entr(ies), years {', '.join(map(str, sorted(v.years)[-4:])) or '-'})")
            evidence += idx.topic_evidence(t, t.replace("-", " "), limit=3)
    features["budget_figures"] = idx.topic("budget").figures
    portal = [(p, link) for p, link in idx.external_links(PROCUREMENT_PORTALS) if not idx.internal(link.url)]
    features["procurement_portal"] = len(portal)
    for p, link in portal[:2]:
        evidence.append(Evidence(p.final_url, f"link to the e-procurement portal: {link.url}", snippet=link.text))
    sections = [t for t in TOPICS if features[f"{feature_name(t)}_level"] >= 2]
    features["transparency_sections"] = len(sections)
    features["transparency_named"] = len(named)
    features["transparency_documents"] = len({u for t in TOPICS for u in idx.topic(t).docs})
    if not named:
        return CheckResult("not-found", "No plans, budget, procurement, vacancies, reports or statistics were found.",
                           features, findings, evidence)
    explanation = (f"Sections of their own: {', '.join(sections) or 'none'}; named only by links: "
                   f"{', '.join(t for t in named if t not in sections) or 'none'}; "
                   f"{features['transparency_documents']} document(s)"
                   + ("; tenders through the e-procurement portal" if portal else "") + ".")
    return CheckResult("found" if sections else "partial", explanation, features, findings, evidence)


def _topic_docs() -> dict[str, str]:
    out = {}
    for t in TOPICS:
        f = feature_name(t)
        out[f"{f}_level"] = f"{t}: 0 absent, 1 named by a link, 2 a section page, 3 a section with documents or entries"
        out[f"{f}_links"] = f"{t}: distinct link targets named so"
        out[f"{f}_menu"] = f"{t}: named by a menu link or a link on most pages (0/1)"
        out[f"{f}_pages"] = f"{t}: crawled pages about it"
        out[f"{f}_docs"] = f"{t}: documents on its pages or named so"
        out[f"{f}_items"] = f"{t}: most list items or table rows on one of its pages"
        out[f"{f}_years"] = f"{t}: distinct years named by its documents and headings"
    return out


CHECK = Check(
    id="transparency-publications",
    title="Plans, budget, procurement, vacancies, reports, statistics, officials and open data",
    criterion="transparency",
    requires=("pages",),
    run=run,
    description="For each publication a reviewer looks for (plans, budget, procurement and its results, "
                "vacancies, annual reports, statistics, officials, open data): whether a link names it, whether "
                "it has a section page, and what that page carries (documents, entries, years, figures); and "
                "links to the e-procurement portal.",
    features={
        **_topic_docs(),
        "budget_figures": "amounts (numbers with thousands separators or five digits and more) on budget pages",
        "procurement_portal": "links into a national e-procurement portal (online participation in tenders)",
        "transparency_sections": "topics with a section page of their own (level 2 or more)",
        "transparency_named": "topics named at all (level 1 or more)",
        "transparency_documents": "distinct documents over all the topics",
    },
)
