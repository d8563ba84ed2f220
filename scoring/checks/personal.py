"""Personal information: whether a citizen can reach information about themselves through the site.

The routes a reviewer looks for: a login form (a password field), links to log in or register, a personal
account ("личный кабинет", "жеке кабинет", "my account"), sign-in with an electronic signature or the national
e-government identity (ЭЦП/ЭЦҚ, idp.egov.kz, ESIA, Login.gov, BundID, Cl@ve), pages of the account that show
the citizen's applications, payments or data, and whether the citizen can change that data. Routes on the
site's own host are told apart from links to other portals, and logins meant for staff or suppliers only
(restricted to part of the population) are reported separately.
"""

from __future__ import annotations

from scoring.artifacts import SiteArtifacts, text_content
from scoring.checks.base import Check, CheckResult, Context, Evidence
from scoring.siteindex import form_evidence, index_of

ROUTES = ("login", "registration", "personal-account", "eid")


def run(site: SiteArtifacts, ctx: Context) -> CheckResult:
    idx = index_of(site, ctx)
    m = idx.matcher
    evidence: list[Evidence] = []
    findings: list[str] = []
    restricted = idx.restricted_words()

    def is_restricted(text: str) -> bool:
        low = text.lower()
        return any(w in low for w in restricted)

    login_forms = idx.forms_of("login")
    own, external, restricted_routes = set(), set(), set()
    for topic in ROUTES:
        v = idx.topic(topic)
        for p, link in v.links:
            context = link.text + " " + (text_content(link.element.getparent())[:200]
                                         if link.element.getparent() is not None else "")
            if is_restricted(context):
                restricted_routes.add(topic)
            elif idx.internal(link.url):
                own.add(topic)
            else:
                external.add(topic)
        if v.pages:
            own.add(topic)
        if v.links or v.pages:
            evidence += idx.topic_evidence(topic, topic.replace("-", " "), limit=0)[:2]
    for f in login_forms:
        if is_restricted(f.text + " " + f.page.title):
            restricted_routes.add("login")
        else:
            own.add("login")
        evidence.append(form_evidence(f, "login form with a password field"))
    sso = idx.external_links(("idp.egov.kz", "esia.gosuslugi.ru", "login.gov", "id.me", "id.bund.de", "clave.gob.es"))
    if sso:
        external.add("eid")
        for p, link in sso[:2]:
            evidence.append(Evidence(p.final_url, f"sign-in with the national e-government identity: {link.url}",
                                     snippet=link.text))
    # Account pages that show the citizen's own data, and whether it can be changed.
    account_pages = idx.topic("personal-account").pages + [f.page for f in login_forms]
    data_pages, update = 0, False
    for p in {id(p): p for p in account_pages}.values():
        topics = {t for t, _, _ in idx.text_matches(p)}
        if topics & {"applications", "payments", "status-tracking", "update-data"} or \
                any(f.kind == "data" and f.page is p for f in idx.forms):
            data_pages += 1
        if "update-data" in topics:
            update = True
            evidence.append(Evidence(p.final_url, "the account lets the citizen change their data", snippet=p.title))
    if idx.topic("update-data").links:
        update = update or any(idx.internal(link.url) and link.url not in idx.documents
                               for _, link in idx.topic("update-data").links)
    own_account = bool(own & {"login", "personal-account"})
    routes = own | external
    features = {
        "login_forms": len(login_forms),
        "own_routes": len(own),
        "external_routes": len(external - own),
        "personal_routes": len(routes),
        "own_account": own_account,
        "eid_sso": "eid" in routes,
        "registration": "registration" in routes,
        "account_data_pages": data_pages,
        "can_update_data": update,
        "restricted_only": bool(restricted_routes) and not routes,
        "restricted_routes": len(restricted_routes),
    }
    if routes:
        findings.append("routes on the site: " + (", ".join(sorted(own)) or "none"))
        findings.append("routes through other portals: " + (", ".join(sorted(external - own)) or "none"))
    if restricted_routes:
        findings.append("logins only for part of the population: " + ", ".join(sorted(restricted_routes)))
    if not routes and not restricted_routes:
        return CheckResult("not-found", "No login, registration, personal account or e-ID sign-in was found.",
                           features, findings, evidence)
    explanation = (f"Personal routes: {', '.join(sorted(routes)) or 'none open to all'}"
                   + ("; own account" if own_account else "")
                   + (f"; {data_pages} account page(s) with the citizen's data" if data_pages else "")
                   + ("; data can be changed" if update else "") + ".")
    return CheckResult("found" if own_account else "partial", explanation, features, findings, evidence)


CHECK = Check(
    id="personal-information",
    title="Login, registration, personal account and e-ID sign-in",
    criterion="personal-information",
    requires=("pages",),
    run=run,
    description="Finds login forms and links, registration, personal accounts, sign-in with an electronic "
                "signature or the national e-government identity, account pages with the citizen's data, and "
                "whether that data can be changed; tells the site's own routes from other portals' and from "
                "logins for staff or suppliers only.",
    features={
        "login_forms": "forms with a password field",
        "own_routes": "kinds of route on the site's own host: login, registration, personal account, e-ID",
        "external_routes": "kinds of route only through other portals (e.g. the national e-government portal)",
        "personal_routes": "kinds of route to personal information open to everyone, on the site or elsewhere",
        "own_account": "a login or personal account on the site itself",
        "eid_sso": "sign-in with an electronic signature or the national e-government identity",
        "registration": "registration is offered",
        "account_data_pages": "account pages showing the citizen's applications, payments or data",
        "can_update_data": "the citizen can change their data through the site",
        "restricted_only": "the only logins are for part of the population (staff, suppliers)",
        "restricted_routes": "kinds of route meant for part of the population only",
    },
)
