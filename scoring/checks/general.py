"""General information: what the site says about the body, how current it is, how it is organised, for whom.

A reviewer looks for pages about the body (about, mission, functions), its structure and leadership, its
contacts and addresses, a news feed with dates and how recent the newest item is, supplementary material
(legislation, documents) and sections for distinct audiences (citizens, business, foreigners). The check reads
these from the site index: sections named by menus, titles and the links that lead to them; contact details;
dates on the pages; and the size of the site's menu and crawled content. How much makes a level is the
rubric's to say.
"""

from __future__ import annotations

from statistics import median

from scoring.artifacts import SiteArtifacts
from scoring.checks.base import Check, CheckResult, Context, Evidence
from scoring.dates import htmldate_of
from scoring.siteindex import index_of

NO_DATES = 36500  # the age reported when no dated item (or no audit date) was found: a century
INFO_TOPICS = ("structure", "leadership", "legislation", "audiences", "statistics", "plans")


def run(site: SiteArtifacts, ctx: Context) -> CheckResult:
    idx = index_of(site, ctx)
    m = idx.matcher
    evidence: list[Evidence] = []
    findings: list[str] = []
    levels = {t: idx.topic(t).strength for t in ("about", "structure", "leadership", "news", "legislation", "audiences",
                                                 "contacts", "statistics", "plans")}
    for t in ("about", "structure", "leadership", "news", "legislation", "audiences", "contacts"):
        if levels[t]:
            evidence += idx.topic_evidence(t, t.replace("-", " "), limit=1)[:2]

    emails, phones = idx.emails, idx.phones
    address = False
    for p in idx.contact_pages:
        for t, s, e in idx.text_matches(p):
            if t == "contacts" and any(ch.isdigit() for ch in p.visible_text[e:e + 80]):
                address = True
                break
        if address:
            break
    contact_kinds = int(bool(emails)) + int(bool(phones)) + int(address or levels["contacts"] >= 2)
    for addr, p in list(emails.items())[:1]:
        evidence.append(Evidence(p.final_url, "contact: e-mail address", snippet=addr))
    for num, p in list(phones.items())[:1]:
        evidence.append(Evidence(p.final_url, "contact: telephone number", snippet=num))

    # Dated items: distinct dates on the home pages, news sections and news articles.
    home_like = [p for p in idx.pages if p.depth == 0][:5] + idx.topic("news").pages[:10]
    dated = set()
    for p in home_like or idx.pages[:1]:
        dated |= set(idx.page_dates(p))
    if len(dated) < 2:
        for p in idx.pages[:10]:
            dated |= set(idx.page_dates(p))
    by_htmldate = None
    if not dated and home_like:
        # Nothing written in the text: htmldate reads meta data, URLs and markup (slow, so one page only).
        by_htmldate = htmldate_of(home_like[0].text, idx.audit_date)
        if by_htmldate:
            dated.add(by_htmldate)
    newest = max(dated) if dated else None
    age = (idx.audit_date - newest).days if (newest and idx.audit_date) else NO_DATES
    if newest:
        where = next((p for p in home_like + idx.pages if newest in idx.page_dates(p)), None)
        if where is None and by_htmldate:
            where = home_like[0]
        if where is not None:
            evidence.append(Evidence(where.final_url, f"newest dated item {newest.isoformat()}"
                                     + (f", {max(age, 0)} day(s) before the audit" if age != NO_DATES else ""),
                                     snippet=where.title))

    audiences = {link.text.casefold() for _, link in idx.topic("audiences").links}
    audiences |= {name.casefold() for p in idx.topic("audiences").pages for name in idx.page_names(p)[:1]}
    menu = {link.url for host, links in idx._by_host.items() if host and idx.internal("https://" + host + "/")
            for _, link in links if idx.in_menu(link)}
    words = [p.words for p in idx.pages if p.words]
    info = sum(1 for t in INFO_TOPICS if levels[t] >= 2)
    features = {
        "about_level": levels["about"],
        "structure_level": levels["structure"],
        "leadership_level": levels["leadership"],
        "news_level": levels["news"],
        "legislation_level": levels["legislation"],
        "contacts_level": levels["contacts"],
        "contact_kinds": contact_kinds,
        "dated_items": len(dated),
        "news_age_days": max(age, 0),
        "info_topics": info,
        "audience_sections": len(audiences),
        "menu_links": len(menu),
        "pages": len(idx.pages),
        "page_words": int(median(words)) if words else 0,
    }
    findings.append("sections: " + ", ".join(f"{t} ({lv})" for t, lv in levels.items() if lv) if any(levels.values())
                    else "no section about the body, its structure, news or contacts was found")
    findings.append(f"contacts: {len(emails)} e-mail address(es), {len(phones)} telephone number(s)"
                    + (", a postal address" if address else ""))
    findings.append(f"{len(dated)} distinct date(s); newest {newest.isoformat() if newest else 'none'}")
    if audiences:
        findings.append(f"audience sections: {', '.join(sorted(audiences)[:6])}")
    status = "found" if levels["about"] and contact_kinds else ("partial" if any(levels.values()) or contact_kinds
                                                                 else "not-found")
    explanation = (f"{'About page' if levels['about'] >= 2 else 'About link' if levels['about'] else 'No about page'}, "
                   f"{contact_kinds} kind(s) of contact, {len(dated)} dated item(s)"
                   + (f" (newest {max(age, 0)} day(s) old)" if age != NO_DATES else "")
                   + f", {info} supplementary section(s), {len(audiences)} audience section(s), "
                     f"{len(menu)} menu link(s) over {len(idx.pages)} page(s).")
    return CheckResult(status, explanation, features, findings, evidence)


CHECK = Check(
    id="general-information",
    title="About the body, contacts, dated news, organisation and audiences",
    criterion="general-information",
    requires=("pages",),
    run=run,
    description="Finds sections about the body (about, structure, leadership, legislation, audiences), contact "
                "details, dated news and how recent it is, and how large and organised the site is.",
    features={
        "about_level": "about the body: 0 none, 1 a link names it, 2 a page of its own, 3 a page with documents "
                       "or entries (the same scale for every *_level feature)",
        "structure_level": "the body's structure (departments, subordinate bodies)",
        "leadership_level": "the body's leadership (minister, deputies, biographies)",
        "news_level": "a news or press section",
        "legislation_level": "legislation, regulations, legal acts",
        "contacts_level": "a contacts section",
        "contact_kinds": "kinds of contact found: e-mail, telephone, postal address (0-3)",
        "dated_items": "distinct dates on the home pages and news pages (all pages if those have fewer than two)",
        "news_age_days": f"days from the newest dated item to the audit date ({NO_DATES} when none is known)",
        "info_topics": "supplementary sections with a page of their own: structure, leadership, legislation, "
                       "audiences, statistics, plans",
        "audience_sections": "distinct sections for audiences (citizens, business, foreigners ...)",
        "menu_links": "distinct internal links in menus, headers or the site's template",
        "pages": "pages crawled and read",
        "page_words": "median words of text per page",
    },
)
