"""What a reviewer sees of a site, computed once and shared by every check.

Checks ask structural questions: is there a menu link named "Budget"? does the page it leads to carry budget
documents for several years? is the page a section or one news article that mentions the budget? which
forms submit data and which are search boxes? The index answers them from the parsed pages once per site:
links with their region (menu, header, footer, body) and whether they repeat on most pages (the site's
template, counted once), the topics each page is *about* (its own title and heading, and the words of the links
that lead to it, not the site name repeated in every title, nor a headline), documents and dates on each
page, contact details, and every HTML form with its kind. Features of the checks are counts over these.
"""

from __future__ import annotations

import re
import weakref
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from typing import NamedTuple
from urllib.parse import urlsplit

from rubric.lexicons import Lexicons
from scoring.artifacts import Page, PageLink, SiteArtifacts, document_urls, text_content
from scoring.checks.base import Context, Evidence, snippet_of, xpath_of
from scoring.dates import find_dates, markup_dates, plausible
from scoring.lexmatch import TopicMatcher, matcher_for

_TITLE_SPLIT = re.compile(r"\s+[|\-–—:»«/·•]+\s+|\s*::\s*|\s*\|\s*")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?![\w-])", re.IGNORECASE)
_PHONE = re.compile(r"(?<![\w+])(?:\+\s?\d{1,3}[\s.-]?)?(?:\(\d{2,5}\)[\s.-]?)?\d{2,4}(?:[\s.-]\d{2,4}){1,4}(?!\w)")
_YEAR = re.compile(r"(?<!\d)(19[89]\d|20[0-4]\d)(?!\d)")
# An amount: 1 234 567 or 1,234.5 (thousands), or five digits and more, not inside a longer number. The first digit
# comes first and the look-behind after it, so the regex engine skips to digits in C (six times faster on a page).
_FIGURE = re.compile(r"\d(?<![\d.,]\d)(?:\d{0,2}(?:[ \u00a0.,]\d{3})+(?:[.,]\d+)?(?!\d)|\d{4,}(?:[.,]\d+)?(?![\d.,]?\d))")
# Chat widgets by the addresses their scripts load from (lower case, as such addresses are written).
_CHAT_WIDGETS = re.compile(r"jivosite|jivo\.chat|code\.jivo|tawk\.to|livechatinc|widget\.replain|chatra\.io|"
                           r"crisp\.chat|widget\.intercom|zopim|botpress|webchat|chat-widget|livetex|verbox|"
                           r"bitrix24\.[a-z]+/b\d")
_SOCIAL_HOSTS = {"facebook.com": "facebook", "fb.com": "facebook", "twitter.com": "twitter", "x.com": "twitter",
                 "youtube.com": "youtube", "youtu.be": "youtube", "instagram.com": "instagram", "t.me": "telegram",
                 "telegram.me": "telegram", "vk.com": "vkontakte", "ok.ru": "odnoklassniki", "linkedin.com": "linkedin",
                 "flickr.com": "flickr", "tiktok.com": "tiktok", "wa.me": "whatsapp", "threads.net": "threads",
                 "mastodon.social": "mastodon", "social.bund.de": "mastodon"}
# The host of each line (URL) of many joined by line breaks, '' where the line is no http(s) or //-URL: what
# host_of finds, matched once over all of a site's targets.
_HOST_LINES = re.compile(r"^(?:(?:https?:)?//(?:[^/?#\n]*@)?([^/?#:\n]*))?[^\n]*$", re.MULTILINE)
HEADLINE_WORDS = 8  # a title this long is a headline (a news article), not the name of a section


# Second-level labels under which a country's bodies register their own names (akmo.gov.kz, bsi.bund.de).
_SHARED_SECOND_LEVEL = {"gov", "gob", "gv", "go", "govt", "gouv", "admin", "bund", "ac", "co", "com", "org", "edu",
                        "net", "mil"}


@lru_cache(maxsize=65536)
def org_domain(host: str) -> str:
    """The domain that names a body: gosuslugi.roszdravnadzor.ru and roszdravnadzor.ru are one body, and so are
    v3bl.goszakup.gov.kz and wiki.goszakup.gov.kz; akmo.gov.kz and egov.kz are not."""
    labels = host.lower().strip(".").split(".")
    keep = 3 if len(labels) >= 3 and labels[-2] in _SHARED_SECOND_LEVEL else 2
    return ".".join(labels[-keep:])


def feature_name(topic: str) -> str:
    """A topic id as a feature prefix: `open-data` -> `open_data`."""
    return topic.replace("-", "_")


class _LinkTables(NamedTuple):
    """What one pass over every link of a site gives."""

    counts: Counter  # on how many pages each target appears
    pairs: dict  # each distinct (target, text) with the first (page, link) that carries it, in document order
    targets: list  # each page's (frozen) set of targets, in page order
    first: dict  # each distinct target with its first (page, link), in document order
    inbound: dict  # the distinct texts of links leading to each crawled page


@dataclass
class FormInfo:
    page: Page
    element: object
    kind: str  # search | login | poll | subscribe | feedback | calculator | data
    method: str
    fields: int  # inputs a visitor fills in (text, email, file, select, textarea ...)
    text: str  # the form's own text and button labels
    topics: frozenset[str]


@dataclass
class TopicView:
    """Where one topic shows on a site."""

    topic: str
    links: list[tuple[Page, PageLink]] = field(default_factory=list)  # distinct targets, menu links first
    menu: bool = False  # named by a link of the site's template or a menu
    pages: list[Page] = field(default_factory=list)  # crawled pages about the topic
    docs: dict[str, tuple[Page, PageLink]] = field(default_factory=dict)  # documents on topic pages or named so
    items: int = 0  # entries on the topic pages: list items, table rows, dated entries
    years: set[int] = field(default_factory=set)  # years named by its documents and headings
    figures: int = 0  # amounts (numbers with thousands) on the topic pages
    dated: set[date] = field(default_factory=set)

    @property
    def strength(self) -> int:
        """0 absent, 1 named by a link, 2 a section page of its own, 3 a section with documents or entries."""
        if self.pages and (self.docs or self.items or self.dated):
            return 3 if (len(self.docs) + self.items + len(self.dated)) > 1 else 2
        if self.pages or self.docs:
            return 2
        return 1 if self.links else 0


class SiteIndex:
    """The shared, lazily computed view of one site's pages."""

    def __init__(self, site: SiteArtifacts, lexicons: Lexicons):
        # A weak reference: the index is cached on the site, and a cycle would keep every checked site's pages
        # and trees alive until a full garbage collection (which then costs as much as the checks themselves).
        self.site = weakref.proxy(site)
        self.lexicons = lexicons
        self.matcher: TopicMatcher = matcher_for(lexicons)
        self.pages = site.ok_pages
        self.by_url: dict[str, Page] = {}
        for p in self.pages:
            self.by_url.setdefault(p.final_url, p)
            self.by_url.setdefault(p.url, p)
        self.host = urlsplit(site.start_url or (self.pages[0].final_url if self.pages else "")).hostname or ""
        self._page_dates: dict[int, list[date]] = {}
        self._topics: dict[str, TopicView] = {}
        self._hosts: dict[str, str] = {}
        self._docs_on: dict[int, list[PageLink]] = {}
        self._entries_on: dict[int, int] = {}
        self._text_matches: dict[int, list[tuple[str, int, int]]] = {}
        self._page_targets: dict[int, set[str]] = {}

    # -- time ----------------------------------------------------------------------------------------------
    @cached_property
    def audit_date(self) -> date | None:
        try:
            return date.fromisoformat(self.site.audit_date) if self.site.audit_date else None
        except ValueError:
            return None

    def page_dates(self, page: Page) -> list[date]:
        """Plausible publication dates on a page (text and markup), newest first."""
        got = self._page_dates.get(id(page))
        if got is None:
            lang = (page.html_lang or page.lang_version or "").lower()
            found = find_dates(page.visible_text, self.lexicons, month_first=lang.startswith("en"))
            found += markup_dates(page.tree, page.outline.times)
            got = sorted(set(plausible(found, self.audit_date)), reverse=True)
            self._page_dates[id(page)] = got
        return got

    # -- links ---------------------------------------------------------------------------------------------
    def host_of(self, url: str) -> str:
        """The lower-case host of a URL ('' for mailto: and the like); cached, since links repeat a lot."""
        got = self._hosts.get(url)
        if got is None:
            got = ""
            if url.startswith(("http://", "https://", "//")):
                rest = url.split("//", 1)[1]
                got = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].rsplit("@", 1)[-1].split(":", 1)[0].lower()
            self._hosts[url] = got
        return got

    def internal(self, url: str) -> bool:
        host = self.host_of(url)
        if not self.host or not host:
            return False
        return org_domain(host) == org_domain(self.host)

    @cached_property
    def _links_pass(self) -> _LinkTables:
        """The one pass over every link of every page (see _LinkTables)."""
        counts: Counter = Counter()
        pairs: dict[tuple[str, str], tuple[Page, PageLink]] = {}
        targets: list[set[str]] = []
        first: dict[str, tuple[Page, PageLink]] = {}
        inbound: dict[str, set[str]] = defaultdict(set)
        by_url = self.by_url
        for p in self.pages:
            links = p.links
            here = p.outline.targets
            targets.append(here)
            counts.update(here)
            for link in links:
                url, text = link.url, link.text
                key = (url, text)
                if key not in pairs:
                    pairs[key] = pl = (p, link)
                    if url not in first:  # a target's first pair is its first link
                        first[url] = pl
                    if text and url in by_url:
                        inbound[url].add(text)
        return _LinkTables(counts, pairs, targets, first, inbound)

    @property
    def link_pages(self) -> Counter:
        """On how many pages each link target appears."""
        return self._links_pass.counts

    @property
    def first_links(self) -> dict[str, tuple[Page, PageLink]]:
        """Each distinct link target with the first page and link that carry it, in the order met."""
        return self._links_pass.first

    @property
    def inbound(self) -> dict[str, set[str]]:
        """The distinct texts of links leading to each crawled page."""
        return self._links_pass.inbound

    @cached_property
    def _by_host(self) -> dict[str, list[tuple[Page, PageLink]]]:
        """Distinct link targets by host, each with the first page and link that carry it."""
        out: dict[str, list[tuple[Page, PageLink]]] = defaultdict(list)
        first = self.first_links
        urls = list(first)
        # Every target's host in one scan over them all (one line each), as host_of would find it one by one.
        hosts = _HOST_LINES.findall("\n".join(urls))
        if len(hosts) != len(urls):  # a URL with a line break of its own: one by one
            hosts = [self.host_of(u) for u in urls]
        else:
            hosts = "\n".join(hosts).lower().split("\n")
            self._hosts.update(zip(urls, hosts))
        for url, host in zip(urls, hosts):
            out[host].append(first[url])
        return out

    @cached_property
    def template_urls(self) -> set[str]:
        """Link targets on at least half the pages (menus, headers, footers): the site's template."""
        n = len(self.pages)
        if n < 4:
            return set()
        return {u for u, k in self.link_pages.items() if k * 2 >= n}

    def in_menu(self, link: PageLink) -> bool:
        return link.url in self.template_urls or link.region in ("nav", "header")

    @cached_property
    def documents(self) -> dict[str, list[tuple[Page, PageLink]]]:
        """Every link to a document-looking URL (stored or not), by URL, with the pages that carry it."""
        first = self.first_links
        docs = document_urls(list(first))
        out: dict[str, list[tuple[Page, PageLink]]] = {u: [] for u in first if u in docs}
        if docs:
            for page, targets in zip(self.pages, self._links_pass.targets):
                if not docs.isdisjoint(targets):
                    for link in page.links:
                        if link.url in docs:
                            out[link.url].append((page, link))
        return out

    # -- what a page is about ------------------------------------------------------------------------------
    @cached_property
    def _common_title_parts(self) -> set[str]:
        """Title segments and first headings shared by most pages: the site's name, not the page's."""
        n = len(self.pages)
        c: Counter = Counter()
        h: Counter = Counter()
        for p in self.pages:
            c.update({s.strip().casefold() for s in _TITLE_SPLIT.split(p.title) if s.strip()})
            first = next((t for tag, t, _ in p.headings if tag == "h1" and t), "")
            if first:
                h[first.casefold()] += 1
        common = {s for s, k in c.items() if n >= 3 and k * 2 >= n}
        common |= {s for s, k in h.items() if n >= 3 and k * 2 >= n}
        for name in self.site.name.values():
            common.add(name.casefold())
        return common

    def page_names(self, page: Page) -> list[str]:
        """What names the page: its title segments and first heading, without the site's name or headlines."""
        out = []
        common = self._common_title_parts
        for seg in _TITLE_SPLIT.split(page.title):
            seg = seg.strip()
            if seg and seg.casefold() not in common and len(seg.split()) < HEADLINE_WORDS:
                out.append(seg)
        for tag, text, _ in page.headings[:3]:
            if tag in ("h1", "h2") and text and text.casefold() not in common and len(text.split()) < HEADLINE_WORDS:
                out.append(text)
                break
        return out

    @cached_property
    def _page_topics(self) -> dict[int, frozenset[str]]:
        out = {}
        m = self.matcher
        for p in self.pages:
            topics: set[str] = set()
            for name in self.page_names(p):
                topics |= m.topics(name)
            for text in self.inbound.get(p.final_url, ()) or self.inbound.get(p.url, ()):
                if len(text.split()) < HEADLINE_WORDS:
                    topics |= m.topics(text)
            if p.link_text and len(p.link_text.split()) < HEADLINE_WORDS:
                topics |= m.topics(p.link_text)
            if not topics and p.depth > 0:  # nothing names it: its address may ("/ru/budget")
                topics |= m.url_topics(urlsplit(p.final_url).path)
            out[id(p)] = frozenset(topics)
        return out

    def page_topics(self, page: Page) -> frozenset[str]:
        return self._page_topics.get(id(page), frozenset())

    @cached_property
    def _topic_pages(self) -> dict[str, list[Page]]:
        """The pages about each topic, in page order: one pass over the pages instead of one per topic asked."""
        out: dict[str, list[Page]] = defaultdict(list)
        topics_of = self._page_topics
        for p in self.pages:
            for t in topics_of.get(id(p), ()):
                out[t].append(p)
        return out

    # -- topics --------------------------------------------------------------------------------------------
    @cached_property
    def _link_topics(self) -> dict[str, list[tuple[Page, PageLink, frozenset[str]]]]:
        """Per topic, every link naming it (text, or the address where the text names nothing)."""
        out: dict[str, list] = defaultdict(list)
        m = self.matcher
        pairs = self._links_pass.pairs  # each distinct (target, text) once: menus repeat
        # Headlines name no section: only short texts are matched.
        hits = m.topics_many(text for _, text in pairs if text and text.count(" ") < HEADLINE_WORDS - 1)
        for (url, text), (p, link) in pairs.items():
            if text:
                topics = hits.get(text)
                if topics is None:
                    continue
            else:
                topics = m.url_topics(url) if not url.startswith(("mailto:", "tel:")) else None
                if not topics:
                    continue
            if not url.startswith(("mailto:", "tel:")):
                for t in topics:
                    out[t].append((p, link, topics))
        return out

    def topic(self, topic: str) -> TopicView:
        """Where the topic shows: links naming it, its pages, documents, entries, years."""
        got = self._topics.get(topic)
        if got is not None:
            return got
        view = TopicView(topic)
        seen: dict[str, tuple[Page, PageLink]] = {}
        for p, link, _ in self._link_topics.get(topic, ()):
            if link.url not in seen or (self.in_menu(link) and not self.in_menu(seen[link.url][1])):
                seen[link.url] = (p, link)
        view.links = sorted(seen.values(), key=lambda pl: (not self.in_menu(pl[1]), pl[0].depth))
        view.menu = any(self.in_menu(link) for _, link in view.links)
        view.pages = list(self._topic_pages.get(topic, ()))
        for p in view.pages:
            for link in self._page_docs(p):
                view.docs.setdefault(link.url, (p, link))
            view.items = max(view.items, self._entries(p))
            for tag, text, _ in p.headings:
                view.years |= {int(y) for y in _YEAR.findall(text)}
            if topic == "budget":
                view.figures += len(_FIGURE.findall(p.visible_text))
        for url, p, link in self._doc_topics.get(topic, ()):
            view.docs.setdefault(url, (p, link))
        for url, (p, link) in view.docs.items():
            view.years |= {int(y) for y in _YEAR.findall(link.text + " " + urlsplit(url).path)}
        if len(view.docs) + view.items <= 1:  # only then can dated entries change the topic's level
            for p in view.pages[:3]:
                view.dated |= set(self.page_dates(p))
        if self.audit_date:
            view.years = {y for y in view.years if y <= self.audit_date.year + 1}
        self._topics[topic] = view
        return view

    @cached_property
    def _doc_topics(self) -> dict[str, list[tuple[str, Page, PageLink]]]:
        """Per topic, the document links whose text or address names it (worked out once for all topics)."""
        out: dict[str, list] = defaultdict(list)
        m = self.matcher
        for url, carriers in self.documents.items():
            for p, link in carriers:
                for t in m.topics(link.text) | m.url_topics(url):
                    out[t].append((url, p, link))
        return out

    def _page_docs(self, page: Page) -> list[PageLink]:
        """The page's links to documents outside the site's template."""
        got = self._docs_on.get(id(page))
        if got is None:
            docs, template = self.documents, self.template_urls
            got = []
            if not docs.keys().isdisjoint(self._targets_of(page)):  # most pages link no document at all
                got = [link for link in page.links if link.url in docs and link.url not in template]
            self._docs_on[id(page)] = got
        return got

    def _targets_of(self, page: Page) -> frozenset[str]:
        """The distinct targets of a page's links (from the link pass)."""
        got = self._page_targets.get(id(page))
        if got is None:
            tables = self._links_pass
            self._page_targets.update({id(p): t for p, t in zip(self.pages, tables.targets)})
            got = self._page_targets.get(id(page))
            if got is None:  # not one of the site's pages
                got = page.outline.targets
        return got

    def _entries(self, page: Page) -> int:
        got = self._entries_on.get(id(page))
        if got is None:
            got = self._entries_on[id(page)] = _entries(page)
        return got

    def topic_features(self, topic: str) -> dict[str, int]:
        """The counts the rubric's rules read for a topic: links, menu, pages, docs, items, years."""
        v = self.topic(topic)
        f = feature_name(topic)
        return {f"{f}_links": len(v.links), f"{f}_menu": int(v.menu), f"{f}_pages": len(v.pages),
                f"{f}_docs": len(v.docs), f"{f}_items": v.items, f"{f}_years": len(v.years),
                f"{f}_level": v.strength}

    def topic_evidence(self, topic: str, label: str, limit: int = 4) -> list[Evidence]:
        """Evidence for a topic: the menu link, its page, and a few of its documents."""
        v = self.topic(topic)
        out: list[Evidence] = []
        for p, link in v.links[:2]:
            where = "menu link" if self.in_menu(link) else f"link ({link.region})"
            out.append(Evidence(p.final_url, f"{label}: {where} to {link.url}", snippet=link.text[:200],
                                location=xpath_of(link.element)))
        for p in v.pages[:2]:
            bits = []
            docs_here = [u for u, (dp, _) in v.docs.items() if dp is p]
            if docs_here:
                bits.append(f"{len(docs_here)} document(s)")
            dates = self.page_dates(p)
            if dates:
                bits.append(f"{len(set(dates))} dated entr(ies), newest {dates[0].isoformat()}")
            out.append(Evidence(p.final_url, f"{label}: section page" + (f" with {', '.join(bits)}" if bits else ""),
                                snippet=p.title[:200]))
        for url, (p, link) in list(v.docs.items())[:limit]:
            ext = url.rsplit(".", 1)[-1].upper()
            out.append(Evidence(p.final_url, f"{label}: document ({ext}) {url}", snippet=link.text[:200],
                                location=xpath_of(link.element)))
        return out

    # -- forms ---------------------------------------------------------------------------------------------
    @cached_property
    def forms(self) -> list[FormInfo]:
        """Every distinct HTML form of the site, classified (a template form counts once)."""
        out = []
        seen = set()
        m = self.matcher
        for p in self.pages:
            for form in p.outline.forms:
                info = _classify(p, form, m)
                key = (info.kind, form.get("action") or p.final_url, info.fields,
                       tuple(sorted((el.get("name") or "") for el in form.iter("input", "select", "textarea"))))
                if key in seen:
                    continue
                seen.add(key)
                out.append(info)
        return out

    def forms_of(self, *kinds: str) -> list[FormInfo]:
        return [f for f in self.forms if f.kind in kinds]

    # -- contacts ------------------------------------------------------------------------------------------
    def text_matches(self, page: Page) -> list[tuple[str, int, int]]:
        """(topic, start, end) for every lexicon word in the page's visible text; cached, as several checks
        read the same pages (contacts, forms, accounts)."""
        got = self._text_matches.get(id(page))
        if got is None:
            got = self._text_matches[id(page)] = self.matcher.matches(page.visible_text)
        return got

    @cached_property
    def contact_pages(self) -> list[Page]:
        """Where contact details are written: home pages, contacts and feedback sections (a few of each)."""
        out = {id(p): p for p in self.pages if p.depth == 0}
        for t in ("contacts", "feedback"):
            out.update({id(p): p for p in self.topic(t).pages[:5]})
        if not out and self.pages:
            out[id(self.pages[0])] = self.pages[0]
        return list(out.values())[:15]

    @property
    def _hostless(self) -> list[tuple[Page, PageLink]]:
        """The distinct targets without a host (mailto:, tel: and the like), each with its first page and link,
        in the order met: what the contact details are read from, without a pass over every target."""
        return self._by_host.get("", [])

    @cached_property
    def emails(self) -> dict[str, Page]:
        out: dict[str, Page] = {}
        for p, link in self._hostless:
            url = link.url
            if url.startswith("mailto:"):
                addr = url[7:].split("?")[0].strip().lower()
                if "@" in addr:
                    out.setdefault(addr, p)
        for p in self.contact_pages:
            for e in find_emails(p.visible_text):
                out.setdefault(e.lower(), p)
        return out

    @cached_property
    def phones(self) -> dict[str, Page]:
        out: dict[str, Page] = {}
        for p, link in self._hostless:
            url = link.url
            if url.startswith("tel:"):
                out.setdefault(re.sub(r"\D", "", url), p)
        for p in self.contact_pages:
            text = p.visible_text
            # A phone number is digits next to a word for telephone in any lexicon (contacts topic).
            for topic, s, e in self.text_matches(p):
                if topic != "contacts":
                    continue
                for num in _PHONE.findall(text[e:e + 60]):
                    digits = re.sub(r"\D", "", num)
                    if 6 <= len(digits) <= 15 and not _YEAR.fullmatch(digits):
                        out.setdefault(digits, p)
        return out

    @cached_property
    def social(self) -> dict[str, tuple[Page, PageLink]]:
        out: dict[str, tuple[Page, PageLink]] = {}
        for host, links in self._by_host.items():
            host = host[4:] if host.startswith("www.") else host
            host = host[2:] if host.startswith("m.") else host
            net = _SOCIAL_HOSTS.get(host)
            if not net:
                continue
            for p, link in links:
                if urlsplit(link.url).path.strip("/") and "share" not in link.url.lower():
                    out.setdefault(net, (p, link))
                    break
        return out

    @cached_property
    def chat_widgets(self) -> list[tuple[Page, str]]:
        """Chat widgets loaded by scripts (looked for in the raw HTML of the first pages: they are site-wide)."""
        out = []
        for p in [p for p in self.pages if p.depth == 0][:2] or self.pages[:1]:
            m = _CHAT_WIDGETS.search(p.text)
            if m:
                out.append((p, m.group(0)))
                break
        return out

    def external_links(self, hosts: tuple[str, ...]) -> list[tuple[Page, PageLink]]:
        """Distinct links into the given hosts (or their subdomains)."""
        wanted = set(hosts)
        out = []
        for host, links in self._by_host.items():
            # The host itself or one of its parent domains among the wanted ones (a.egov.kz is egov.kz's).
            h = host
            while h:
                if h in wanted:
                    out += links
                    break
                h = h.partition(".")[2]
        return out

    def restricted_words(self) -> list[str]:
        return [w.lower() for lx in self.lexicons.languages.values() for w in lx.extra.get("restricted") or ()]

    def count_words(self, key: str) -> list[str]:
        return [w.lower() for lx in self.lexicons.languages.values() for w in (lx.extra.get("counts") or {}).get(key) or ()]


def _entries(page: Page) -> int:
    """Entries on a page outside its menus: list items or table rows, whichever is more."""
    return page.outline.entries


def find_emails(text: str) -> list[str]:
    """What _EMAIL finds in the text, looked for only in the words around an @ (an address holds no space)."""
    out: list[str] = []
    at = text.find("@")
    while at >= 0:
        start = text.rfind(" ", 0, at) + 1
        end = text.find(" ", at)
        end = len(text) if end < 0 else end
        out += _EMAIL.findall(text, start, end)
        at = text.find("@", end)
    return out


_DATA_TYPES = {"text", "email", "tel", "number", "date", "datetime-local", "file", "url", "month", "time", ""}
_SEARCH_NAMES = {"q", "query", "search", "keyword", "keywords", "s", "text", "searchword", "search_query", "k", "term",
                 "searchtext", "search_api_views_fulltext", "affiliate", "words", "find", "ask"}


def _classify(page: Page, form, m: TopicMatcher) -> FormInfo:
    method = (form.get("method") or "get").lower()
    action = (form.get("action") or "").lower()
    inputs = list(form.iter("input"))
    types = [(i.get("type") or "text").lower() for i in inputs]
    fields = sum(1 for t in types if t in _DATA_TYPES) + sum(1 for _ in form.iter("select")) \
        + sum(1 for _ in form.iter("textarea"))
    labels = " ".join(filter(None, [" ".join(text_content(form).split())[:300]]
                             + [i.get("value") or i.get("placeholder") or "" for i in inputs]
                             + [i.get("aria-label") or "" for i in inputs]))
    # The heading just before a form names what it is for ("Check status" above two fields and a button).
    heading = next((" ".join(text_content(h).split()) for h in form.itersiblings(preceding=True)
                    if h.tag in ("h1", "h2", "h3", "h4")), "")
    topics = m.topics(labels) | m.topics(heading) | m.url_topics(action)
    names = {(i.get("name") or "").lower() for i, t in zip(inputs, types) if t not in ("hidden", "submit", "button")}
    if "password" in types:
        kind = "login"
    elif (form.get("role") or "") == "search" or "search" in types or "search" in action or "poisk" in action \
            or "izdeu" in action or "suche" in action or "buscar" in action \
            or (fields <= 2 and (names & _SEARCH_NAMES or "search" in topics) and not any(t == "file" for t in types)):
        kind = "search"
    elif ("radio" in types or "checkbox" in types) and fields <= 1 and ("polls" in topics or "poll" in action
                                                                         or "vote" in action or "opros" in action):
        kind = "poll"
    elif fields <= 2 and ("email" in types or any("mail" in n for n in names)) and "subscribe" in topics:
        kind = "subscribe"
    elif "calculator" in topics:
        kind = "calculator"
    elif any(True for _ in form.iter("textarea")) and ("feedback" in topics or "contacts" in topics or fields <= 4):
        kind = "feedback"
    else:
        kind = "data"
    return FormInfo(page, form, kind, method, fields, labels, topics)


def index_of(site: SiteArtifacts, ctx: Context) -> SiteIndex:
    """The site's index, built on first use and kept on the artifacts for the other checks."""
    cached = site.__dict__.get("_site_index")
    if cached is None or cached.lexicons is not ctx.lexicons:
        cached = SiteIndex(site, ctx.lexicons)
        site.__dict__["_site_index"] = cached
    return cached


def form_evidence(f: FormInfo, label: str) -> Evidence:
    return Evidence(f.page.final_url, f"{label} ({f.method.upper()}, {f.fields} field(s))", snippet=snippet_of(f.element),
                    location=xpath_of(f.element))
