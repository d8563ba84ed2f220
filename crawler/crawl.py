"""Crawling one site: `crawl_site(site, settings, store) -> CrawlSummary`.

The unit of work is one site, with no state shared beyond the store, so sites can be spread over threads,
processes or machines. The crawl starts from the site's URL (one per language version where configured),
obeys robots.txt and its Crawl-delay, waits between requests to one host, stays within the site's hosts (and
path prefixes), and fetches first the links whose text or address points to what the rubric asks about
(contacts, forms, budget, procurement, services, login, language versions: the topics of rubric/lexicon), so
a small page budget reaches the pages a reviewer needs. Every response goes to a WARC file and the index.
A crawl stopped at any point resumes where it stopped: stored URLs are not fetched again and their links are
read back from the WARC files.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable
from urllib.parse import parse_qs, urlsplit

import lxml.html
from protego import Protego

from crawler.config import CrawlSettings, Site
from crawler.decode import declared_charset, decode_html, decode_with
from crawler.fetch import Fetched, fetch, new_session
from crawler.links import Link, extract_links, looks_like_document, normalise
from crawler.store import CaptureRow, EvidenceStore, SiteOutcome
from crawler.warc import WarcFile, read_record
from rubric.lexicons import Lexicons, load_lexicons

HTML_TYPES = ("text/html", "application/xhtml+xml")
Progress = Callable[[str, dict], None]
NOTES = {"robots-disallowed", "truncated", "robots-unavailable"}  # findings that do not make a crawl partial


@dataclass
class CrawlSummary:
    site_id: str
    status: str = "ok"  # ok | partial | unreachable
    reason: str = ""
    pages: int = 0  # HTML responses stored (this run and earlier runs)
    documents: int = 0  # non-HTML responses stored
    fetched: int = 0  # requests made in this run
    resumed: int = 0  # captures found from an earlier run
    bytes: int = 0
    rendered: int = 0
    errors: Counter = field(default_factory=Counter)  # by kind
    seconds: float = 0.0
    stopped_by: str = ""  # '' | max_pages | max_bytes | max_seconds | interrupted

    def as_dict(self) -> dict:
        d = dict(self.__dict__)
        d["errors"] = dict(self.errors)
        return d


@dataclass(order=True)
class _Item:
    sort: tuple
    url: str = field(compare=False)
    depth: int = field(compare=False)
    lang: str = field(compare=False)
    referrer: str = field(compare=False)
    text: str = field(compare=False)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def parse_html(text: str):
    """Parse decoded HTML once into an lxml tree (None if it is not parseable)."""
    if not text or not text.strip():
        return None
    try:
        return lxml.html.document_fromstring(text.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8"))
    except (lxml.etree.ParserError, ValueError):
        return None


class SiteCrawler:
    """The state of one site's crawl. Use `crawl_site`; this class exists to keep that function short."""

    def __init__(self, site: Site, settings: CrawlSettings, store: EvidenceStore, *,
                 lexicons: Lexicons | None = None, progress: Progress | None = None,
                 stop: threading.Event | None = None):
        self.site, self.settings, self.store = site, settings, store
        self.lexicons = lexicons or load_lexicons()
        self.progress = progress or (lambda _site, _info: None)
        self.stop = stop or threading.Event()
        self.summary = CrawlSummary(site.id)
        self.hosts = site.allowed_hosts()
        self.frontier: list[_Item] = []
        self.seen: set[str] = set()  # queued or fetched (requested URLs)
        self.done: set[str] = set()  # requested and final URLs of stored responses
        self.counter = itertools.count()
        self.robots: dict[str, Protego | None] = {}
        self.last_request: dict[str, float] = {}
        self.session = new_session(settings)
        self.warc: WarcFile | None = None
        self.warc_rel = f"warc/{site.id}.warc.gz"
        self.first_error = ""

    # -- scope -------------------------------------------------------------------------------------------
    def in_scope(self, url: str) -> bool:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https"):
            return False
        if host not in self.hosts and not (self.settings.allow_subdomains and any(host.endswith("." + h) for h in self.hosts)):
            return False
        if self.site.paths and not looks_like_document(url):
            return any(parts.path.startswith(p) for p in self.site.paths)
        return True

    def priority(self, link: Link) -> int:
        topics = self.lexicons.topics_in_text(link.text) | self.lexicons.topics_in_url(urlsplit(link.url).path)
        if self.lexicons.language_of_label(link.text):
            topics.add("language-version")
        return max((self.lexicons.topics[t].priority for t in topics), default=0)

    def lang_of(self, url: str, inherited: str) -> str:
        parts = urlsplit(url)
        first = parts.path.strip("/").split("/")[0] if parts.path.strip("/") else ""
        lang = self.lexicons.language_of_code(first) if 1 < len(first) <= 7 else None
        if not lang:
            q = parse_qs(parts.query)
            for key in ("lang", "language", "lng", "hl"):
                if key in q:
                    lang = self.lexicons.language_of_code(q[key][0])
                    break
        return lang or inherited

    def push(self, url: str, depth: int, lang: str, referrer: str, text: str, priority: int) -> None:
        if url in self.seen or depth > self.settings.max_depth or not self.in_scope(url):
            return
        self.seen.add(url)
        # Higher topic priority first; among equals, shallower first; then discovery order.
        heapq.heappush(self.frontier, _Item((-priority, depth, next(self.counter)), url, depth, lang, referrer, text))

    # -- politeness --------------------------------------------------------------------------------------
    def host_key(self, url: str) -> str:
        p = urlsplit(url)
        return f"{p.scheme}://{(p.hostname or '').lower()}:{p.port or (443 if p.scheme == 'https' else 80)}"

    def robots_for(self, url: str) -> Protego | None:
        key = self.host_key(url)
        if key in self.robots:
            return self.robots[key]
        rp = None
        if self.settings.robots:
            p = urlsplit(url)
            robots_url = f"{p.scheme}://{p.netloc}/robots.txt"
            got = self.request(robots_url)
            if got.final is not None and got.status and 200 <= got.status < 300:
                text, _ = decode_html(got.final.body, declared_charset(got.header("content-type")))
                rp = Protego.parse(text)
                self.record(got, depth=0, lang="", referrer="", text="robots.txt", counted=False)
            elif got.error_kind:
                self.finding(robots_url, "robots-unavailable", got.error)
        self.robots[key] = rp
        return rp

    def allowed(self, url: str) -> bool:
        rp = self.robots_for(url)
        return rp is None or rp.can_fetch(url, self.settings.agent())

    def wait_turn(self, url: str) -> None:
        key = self.host_key(url)
        rp = self.robots.get(key)
        delay = self.settings.delay
        if rp is not None:
            delay = max(delay, float(rp.crawl_delay(self.settings.agent()) or 0))
        last = self.last_request.get(key)
        if last is not None:
            wait = last + delay - time.monotonic()
            if wait > 0:
                self.stop.wait(wait)
        self.last_request[key] = time.monotonic()

    def request(self, url: str) -> Fetched:
        self.wait_turn(url)
        got = fetch(self.session, url, self.settings)
        self.last_request[self.host_key(url)] = time.monotonic()
        self.summary.fetched += 1
        return got

    # -- evidence ----------------------------------------------------------------------------------------
    def finding(self, url: str, kind: str, detail: str) -> None:
        self.summary.errors[kind] += 1
        self.first_error = self.first_error or f"{kind}: {detail}"
        self.store.add_finding(self.site.id, url, kind, detail)

    def open_warc(self) -> WarcFile:
        if self.warc is None:
            path = self.store.evidence_dir() / self.warc_rel
            self.warc = WarcFile(path, valid_end=self.store.warc_end(self.site.id, self.warc_rel))
        return self.warc

    def record(self, got: Fetched, *, depth: int, lang: str, referrer: str, text: str,
               counted: bool = True) -> tuple[str, str] | None:
        """Write all hops to the WARC and index the final one; return (decoded text, content type) for HTML."""
        warc = self.open_warc()
        loc = None
        for i, hop in enumerate(got.hops):
            loc = warc.write_response(hop.url, hop.status, hop.reason, hop.headers, hop.body,
                                      request_headers=got.request_headers if i == 0 else None, truncated=hop.truncated)
        final = got.final
        assert final is not None and loc is not None
        ctype = next((v for k, v in final.headers if k.lower() == "content-type"), "")
        declared = declared_charset(ctype)
        decoded, charset = None, ""
        is_html = ctype.split(";")[0].strip().lower() in HTML_TYPES or (not ctype and final.body[:200].lstrip().startswith(b"<"))
        if is_html:
            decoded, charset = decode_html(final.body, declared)
        self.store.add_capture(self.site.id, CaptureRow(
            url=got.url, final_url=final.url, status=final.status, content_type=ctype, charset=charset,
            declared_charset=declared, length=len(final.body), truncated=final.truncated, fetched_at=_now(),
            source="crawl", lang_version=lang, depth=depth, referrer=referrer, link_text=text[:300],
            warc_path=self.warc_rel, warc_offset=loc.offset, warc_length=loc.length,
            payload_digest=loc.payload_digest, elapsed_ms=got.elapsed_ms))
        self.summary.bytes += len(final.body)
        self.done.update((got.url, normalise(final.url)))
        if not counted:
            return None
        if final.truncated:
            self.finding(final.url, "truncated", f"response cut at {self.settings.max_page_bytes} bytes")
        if is_html and final.status and 200 <= final.status < 300:
            self.summary.pages += 1
            return decoded or "", ctype
        if final.status and 200 <= final.status < 300:
            self.summary.documents += 1
        return None

    # -- the crawl ---------------------------------------------------------------------------------------
    def resume(self) -> None:
        """Mark stored URLs as seen and put their links back into the frontier."""
        for page in self.store.stored(self.site.id):
            self.summary.resumed += 1
            self.seen.add(page.url)
            self.done.update((page.url, normalise(page.final_url)))
            if page.url.endswith("/robots.txt"):
                continue
            if page.status and 200 <= page.status < 300:
                if page.content_type.split(";")[0].strip().lower() in HTML_TYPES:
                    self.summary.pages += 1
                    rec = read_record(self.store.evidence_dir() / page.warc_path, page.warc_offset)
                    self.expand(parse_html(decode_with(rec.body, page.charset)), page.final_url, page.depth, page.lang_version)
                else:
                    self.summary.documents += 1

    def expand(self, tree, base: str, depth: int, lang: str) -> None:
        for link in extract_links(tree, base):
            if link.url in self.seen:
                continue
            label_lang = self.lexicons.language_of_label(link.text)
            target_lang = label_lang or self.lang_of(link.url, lang)
            self.push(link.url, depth + 1, target_lang, base, link.text, self.priority(link))

    def run(self) -> CrawlSummary:
        started = time.monotonic()
        self.resume()
        for lang, url in self.site.start_urls().items():
            url = normalise(url)
            if url not in self.seen:
                self.push(url, 0, lang or self.lang_of(url, ""), "", "", 100)
        try:
            while self.frontier:
                if self.stop.is_set():
                    self.summary.stopped_by = "interrupted"
                    break
                if self.summary.pages + self.summary.documents >= self.settings.max_pages:
                    self.summary.stopped_by = "max_pages"
                    break
                if self.summary.bytes >= self.settings.max_bytes:
                    self.summary.stopped_by = "max_bytes"
                    break
                if time.monotonic() - started > self.settings.max_seconds:
                    self.summary.stopped_by = "max_seconds"
                    break
                item = heapq.heappop(self.frontier)
                if item.url in self.done:  # reached earlier through a redirect
                    continue
                if not self.allowed(item.url):
                    self.finding(item.url, "robots-disallowed", "robots.txt disallows this URL for our user agent")
                    continue
                got = self.request(item.url)
                self.progress(self.site.id, {"url": item.url, "pages": self.summary.pages, "errors": sum(self.summary.errors.values())})
                if got.error_kind and not got.hops:
                    self.finding(item.url, got.error_kind, got.error)
                    continue
                if got.error_kind:
                    self.finding(item.url, got.error_kind, got.error)
                final = got.final
                if final.status >= 400:
                    self.finding(item.url, f"http-{final.status}", f"{final.status} {final.reason}")
                result = self.record(got, depth=item.depth, lang=item.lang, referrer=item.referrer, text=item.text)
                if result is not None and self.in_scope(final.url):
                    text, _ = result
                    self.expand(parse_html(text), final.url, item.depth, item.lang)
        finally:
            if self.warc is not None:
                self.warc.close()
            self.session.close()
        self.summary.seconds = round(time.monotonic() - started, 2)
        if self.summary.pages + self.summary.documents == 0:
            self.summary.status = "unreachable"
            self.summary.reason = self.first_error or "no page could be fetched"
        elif any(k not in NOTES for k in self.summary.errors):
            self.summary.status = "partial"
            self.summary.reason = ", ".join(f"{k} x{v}" for k, v in sorted(self.summary.errors.items()) if k not in NOTES)
        self.store.set_outcome(self.site.id, SiteOutcome(self.summary.status, self.summary.reason, self.summary.as_dict()))
        return self.summary


def crawl_site(site: Site, settings: CrawlSettings, store: EvidenceStore, **kwargs) -> CrawlSummary:
    """Crawl one site into the store and return its summary; network trouble never raises."""
    return SiteCrawler(site, settings, store, **kwargs).run()
