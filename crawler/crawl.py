"""Crawling one site: `crawl_site(site, settings, store) -> CrawlSummary`.

The unit of work is one site, with no state shared beyond the store (which also hands out the per-host
politeness slots, since sites may share a host), so sites can be spread over threads, processes or machines.
The crawl starts from the site's URLs (one per language version where configured) and the URLs its sitemaps
list, obeys robots.txt and its Crawl-delay, takes its turn on each host, stays within the site's hosts and
paths, and fetches first what the rubric asks about (crawler.frontier). Pages whose content needs scripts are
rendered in Chromium (crawler.render); each language version's home page is photographed. Every response goes
to a WARC file, every fault becomes a finding, and nothing raises for network trouble.

A crawl stopped at any point (Ctrl-C, kill -9, a power cut) resumes where it stopped: stored URLs are not
fetched again, their links are read back from the WARC files in the order they were fetched, which rebuilds
the frontier as it was, and the WARC file is cut back to its last indexed record.
"""

from __future__ import annotations

import email.utils
import hashlib
import os
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs, urlsplit

import lxml.html
from lxml import etree

from crawler.config import CrawlSettings, Site
from crawler.decode import declared_charset, decode_html, decode_with
from crawler.documents import document_kind, is_html
from crawler.fetch import Fetched, Fetcher
from crawler.frontier import Frontier, Item
from crawler.links import extract_links, looks_like_document, normalise
from crawler.render import Answer, BrowserService, Rendered, render_reason
from crawler.robots import ROBOTS_MAX_BYTES, Robots, robots_from_answer
from crawler.scope import Scope, moved_folder
from crawler.sitemaps import parse_sitemap
from crawler.slots import HostSlots, host_key
from crawler.store import CaptureRow, EvidenceStore, FindingRow, ScreenshotRow, SiteOutcome, StoredPage
from crawler.warc import WarcFile, WarcLocation, read_record
from rubric.lexicons import Lexicons, load_lexicons

Progress = Callable[[str, dict], None]
# Findings that describe the site rather than a failure of the crawl: they do not make a crawl partial.
NOTES = {"robots-disallowed", "truncated", "trap", "retried", "moved", "tls-ignored", "render-limit", "sitemap-invalid"}
RETRY_STATUSES = {408, 425, 429, 500, 502, 503, 504, 507, 509, 520, 521, 522, 523, 524}
RETRY_ERRORS = {"timeout-connect", "timeout-read", "connection-reset", "connection"}
FLUSH_SECONDS = 5.0  # at most this much work is lost (and re-fetched) after a crash
RESOURCE_CACHE_BYTES = 50_000_000  # scripts and styles kept in memory for the next rendered page


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
    screenshots: int = 0
    errors: Counter = field(default_factory=Counter)  # findings by kind
    seconds: float = 0.0
    stopped_by: str = ""  # '' | max_pages | max_bytes | max_seconds | interrupted

    def as_dict(self) -> dict:
        d = dict(self.__dict__)
        d["errors"] = dict(self.errors)
        return d


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def parse_html(text: str):
    """Parse decoded HTML once into an lxml tree (None if it is not parseable)."""
    if not text or not text.strip():
        return None
    try:
        return lxml.html.document_fromstring(text.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8"))
    except (etree.ParserError, ValueError):
        return None


def retry_after_seconds(value: str) -> float | None:
    """A Retry-After header (seconds, or an HTTP date) as seconds from now; None if absent or unreadable."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def retry_wait(got: Fetched, attempt: int, settings: CrawlSettings) -> float | None:
    """Seconds to wait before retrying a failed request, or None if it should not be retried."""
    if attempt >= settings.retries:
        return None
    if got.error_kind in RETRY_ERRORS or (got.final is not None and got.status in RETRY_STATUSES):
        # Exponential backoff: a struggling server gets more room with each failure.
        return settings.retry_backoff * (2 ** attempt)
    return None


class SiteWarc:
    """The site's current WARC file, rolled over to a numbered successor past `warc_max_bytes`."""

    def __init__(self, store: EvidenceStore, site_id: str, max_bytes: int, last_path: str | None):
        self.store, self.site_id, self.max_bytes = store, site_id, max_bytes
        # Only the numbered successors' suffix: a site id may itself end in digits (office-12345). Successors are
        # numbered after a dot, which no site id holds, so that no site's successor can take another site's file
        # name (office.00001 against a site office-00001); a round crawled when the number followed a dash
        # resumes in its own file and numbers on with a dot.
        m = re.fullmatch(rf"warc/{re.escape(site_id)}[.-](\d{{5}})\.warc\.gz", last_path or "")
        self.number = int(m.group(1)) if m else 0
        self.resumed = (self.number, last_path) if m else None  # the file to write on in, whatever its spelling
        self.file: WarcFile | None = None

    @property
    def rel(self) -> str:
        """The current file, relative to the evidence folder: warc/<site>.warc.gz, then warc/<site>.00001.warc.gz, ..."""
        if self.resumed and self.number == self.resumed[0]:
            return self.resumed[1]
        return f"warc/{self.site_id}" + (f".{self.number:05d}" if self.number else "") + ".warc.gz"

    def open(self) -> WarcFile:
        if self.file is None:
            self.file = WarcFile(self.store.evidence_dir() / self.rel, valid_end=self.store.warc_end(self.site_id, self.rel))
        return self.file

    def full(self) -> bool:
        return self.file is not None and self.file.size >= self.max_bytes

    def roll(self) -> None:
        """Close the current file (already synced and indexed) and continue in the next one."""
        self.close()
        self.number += 1

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


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
        self.agent = settings.agent()
        self.scope = Scope(site, settings)
        self.frontier = Frontier(self.lexicons, settings)
        self.fetcher = Fetcher(settings, private_ok=self.scope.own_host)
        self._own_slots = HostSlots()  # used only if the store hands out none
        self.robots: dict[str, Robots] = {}
        self.done: set[str] = set()  # requested and final URLs of stored crawl responses
        self.stored: dict[tuple[str, str], StoredPage] = {}  # (url, source) -> capture from an earlier run
        self.reported: set[tuple[str, str]] = set()  # (url, kind) findings already recorded
        self.trap_patterns: set[str] = set()
        self.tls_ignored: set[str] = set()  # hosts whose invalid certificate we proceed past
        self.homes: dict[str, str] = {}  # language version -> home page URL
        self.pending: list[CaptureRow] = []
        self.pending_findings: list[FindingRow] = []
        self.pending_shots: list[ScreenshotRow] = []
        self.last_flush = time.monotonic()
        self.warc: SiteWarc | None = None
        self.browsers: BrowserService | None = None
        self._own_browsers = False
        self.link_cache: dict = {}  # resolved links (crawler.links.extract_links)
        self.resources: dict[str, Answer] = {}
        self.resource_bytes = 0
        self.first_error = ""

    # -- politeness --------------------------------------------------------------------------------------
    def slot(self, key: str):
        get = getattr(self.store, "host_slot", None)
        return get(key) if get is not None else self._own_slots(key)

    def robots_for(self, url: str) -> Robots:
        """The robots rules of the URL's host, fetched (and stored) on first need."""
        key = host_key(url)
        if key in self.robots:
            return self.robots[key]
        if not self.settings.robots:
            self.robots[key] = Robots(why="robots.txt not consulted (robots: false)")
            return self.robots[key]
        p = urlsplit(url)
        robots_url = normalise(f"{p.scheme}://{p.netloc}/robots.txt")
        self.robots[key] = Robots()  # while fetching robots.txt itself
        got = self.request(robots_url, max_bytes=ROBOTS_MAX_BYTES)
        if got.error_kind == "interrupted":
            del self.robots[key]  # not known: ask again when the crawl resumes
            return Robots(disallow_all=True, why="interrupted")
        if got.final is not None:
            text, _ = decode_html(got.final.body, declared_charset(got.header("content-type")))
            rules = robots_from_answer(got.status, text)
            self.record(got, source="robots", text="robots.txt")
        else:
            rules = robots_from_answer(None, "", got.error)
            self.finding(robots_url, got.error_kind, got.error)
        self.robots[key] = rules
        return rules

    def allowed(self, url: str) -> bool:
        return self.robots_for(url).allows(url, self.agent)

    def request(self, url: str, *, max_bytes: int | None = None) -> Fetched:
        """One URL fetched politely: the host's turn, its delay, Retry-After, bounded retries with backoff."""
        key = host_key(url)
        host = (urlsplit(url).hostname or "").lower()
        slot = self.slot(key)
        attempt = 0
        while True:
            robots = self.robots.get(key)
            # The larger of our delay and the site's own Crawl-delay: we never ask a host to serve us faster.
            delay = max(self.settings.delay, robots.delay(self.agent) if robots else 0.0)
            verify = self.settings.verify_tls or host not in self.tls_ignored
            with slot.turn(delay, self.stop):
                if self.stop.is_set():
                    return Fetched(url, url, error_kind="interrupted", error="stopped before the request")
                got = self.fetcher.get(url, verify=verify, max_bytes=max_bytes)
            self.summary.fetched += 1
            if got.error_kind == "tls" and not self.settings.verify_tls and host not in self.tls_ignored:
                # The certificate problem is a finding about the site; verify_tls: false says to read on anyway.
                self.tls_ignored.add(host)
                self.finding(url, "tls-ignored", f"{got.error} (proceeding: verify_tls is false)")
                continue
            wait = retry_wait(got, attempt, self.settings)
            after = retry_after_seconds(got.header("retry-after")) if got.status in (429, 503) else None
            if after is not None:
                if after > self.settings.max_retry_after:
                    self.finding(url, "retry-after-too-long", f"Retry-After {after:.0f} s exceeds max_retry_after "
                                                              f"({self.settings.max_retry_after:g} s); URL given up")
                    slot.defer(self.settings.max_retry_after)
                    return got
                slot.defer(after)
            if wait is None:
                if attempt:
                    self.finding(url, "retried", f"{attempt} retr{'y' if attempt == 1 else 'ies'}, then "
                                                 f"{got.status or got.error_kind}")
                return got
            self.write_hops(got)  # the failed attempt stays in the WARC file as evidence, unindexed
            self.stop.wait(wait)
            attempt += 1

    # -- evidence ----------------------------------------------------------------------------------------
    def finding(self, url: str, kind: str, detail: str) -> None:
        if kind and kind != "interrupted" and self.count_finding(url, kind, detail):
            self.pending_findings.append(FindingRow(url, kind, detail))

    def count_finding(self, url: str, kind: str, detail: str) -> bool:
        """Count a finding in the summary, once per URL and kind; False if it was counted before."""
        if (url, kind) in self.reported:
            return False
        self.reported.add((url, kind))
        self.summary.errors[kind] += 1
        if kind not in NOTES:
            self.first_error = self.first_error or f"{kind}: {detail}"
        return True

    def warc_file(self) -> WarcFile:
        if self.warc is None:
            prefix = f"warc/{self.site.id}"
            last = None
            for page in self.stored.values():
                if str(page.warc_path).startswith(prefix) and page.source != "import":
                    last = str(page.warc_path)
            self.warc = SiteWarc(self.store, self.site.id, self.settings.warc_max_bytes, last)
        if self.warc.full():
            self.flush(force=True)
            self.warc.roll()
        return self.warc.open()

    def write_hops(self, got: Fetched) -> WarcLocation | None:
        """Write every hop of a fetch (redirects, then the answer) to the WARC file; where the last one went."""
        warc = self.warc_file()
        loc = None
        for i, hop in enumerate(got.hops):
            loc = warc.write_response(hop.url, hop.status, hop.reason, hop.headers, hop.body,
                                      request_headers=got.request_headers if i == 0 else None, truncated=hop.truncated)
        return loc

    def record(self, got: Fetched, *, source: str = "crawl", item: Item | None = None, text: str = "",
               note: str = "") -> tuple[WarcLocation, CaptureRow]:
        """Write every hop to the WARC file and queue the final one's index row."""
        loc = self.write_hops(got)
        final = got.final
        assert final is not None and loc is not None
        ctype = got.header("content-type")
        declared = declared_charset(ctype)
        length = got.header("content-length")
        row = CaptureRow(
            url=got.url, final_url=final.url, status=final.status, content_type=ctype, declared_charset=declared,
            length=len(final.body), declared_length=int(length) if length.isdigit() else None,
            truncated=final.truncated, doc_type=document_kind(final.url, ctype, final.body[:16]), fetched_at=_now(),
            source=source, lang_version=item.lang if item else "", depth=item.depth if item else 0,
            referrer=item.referrer if item else "", link_text=(item.text if item else text)[:300],
            priority=item.score if item else 0, topic=item.topic if item else "", warc_path=self.warc.rel,
            warc_offset=loc.offset, warc_length=loc.length, payload_digest=loc.payload_digest,
            elapsed_ms=got.elapsed_ms, note=note)
        self.summary.bytes += len(final.body)
        self.pending.append(row)
        return loc, row

    def flush(self, force: bool = False) -> None:
        """Make the written records durable, then commit their index rows (never the other way round)."""
        due = len(self.pending) + len(self.pending_shots) >= self.settings.flush_every \
            or time.monotonic() - self.last_flush > FLUSH_SECONDS
        if not (self.pending or self.pending_findings or self.pending_shots) or not (force or due):
            return
        if self.warc is not None and self.warc.file is not None:
            self.warc.file.sync()
        self.store.save(self.site.id, self.pending, self.pending_findings, self.pending_shots)
        self.pending, self.pending_findings, self.pending_shots = [], [], []
        self.last_flush = time.monotonic()

    def read_back(self, page: StoredPage):
        """The stored record of a capture (flushing our own buffered writes first)."""
        if self.warc is not None and self.warc.file is not None:
            self.warc.file.flush()
        return read_record(self.store.evidence_dir() / page.warc_path, page.warc_offset)

    # -- pages -------------------------------------------------------------------------------------------
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

    def expand(self, tree, base: str, parent: Item) -> None:
        for link in extract_links(tree, base, self.link_cache):
            if self.frontier.settled(link.url) or not self.scope.contains(link.url):
                continue
            label_lang = self.lexicons.language_of_label(link.text)
            if label_lang and parent.url in self.homes.values():
                # A language switcher on a home page leads to that language version's home page.
                self.homes.setdefault(label_lang, link.url)
            lang = label_lang or self.lang_of(link.url, parent.lang)
            self.frontier.push(link.url, parent.depth + 1, lang, base, link.text, parent)

    def page_tree(self, item: Item, row: CaptureRow | StoredPage, text: str, body: bytes,
                  headers: list[tuple[str, str]], rendered: StoredPage | None = None):
        """The page's tree for its links: the rendered DOM where the page needs (or got) rendering."""
        tree = parse_html(text)
        if rendered is not None:
            rec = self.read_back(rendered)
            self.summary.rendered += 1
            self.expand(tree, row.final_url, item)
            return parse_html(decode_with(rec.body, rendered.charset))
        mode = self.settings.render
        reason = "render: always" if mode == "always" else render_reason(tree) if mode == "auto" else ""
        if reason:
            rtree = self.render(item, row, Answer(row.status or 200, headers, body), reason)
            if rtree is not None:
                self.expand(tree, row.final_url, item)  # links only the static page has (rare) count too
                return rtree
        return tree

    def render(self, item: Item, row, main: Answer, reason: str):
        if self.summary.rendered >= self.settings.max_renders:
            self.finding(row.final_url, "render-limit", f"not rendered ({reason}): max_renders "
                                                        f"({self.settings.max_renders}) reached")
            return None
        result = self.in_browser(row.final_url, main, dom=True)
        if self.stop.is_set():
            return None  # stopped mid-render, its requests refused: not the page; rendered again on resume
        if result.error:
            self.finding(row.final_url, "render-failed", result.error)
            return None
        body = result.html.encode("utf-8")
        loc = self.warc_file().write_resource(row.final_url, "text/html; charset=utf-8", body, record_type="conversion")
        self.pending.append(CaptureRow(
            url=item.url, final_url=result.final_url or row.final_url, status=200, content_type="text/html; charset=utf-8",
            charset="utf-8", length=len(body), doc_type="html", fetched_at=_now(), source="render",
            lang_version=item.lang, depth=item.depth, referrer=item.referrer, link_text=item.text[:300],
            priority=item.score, topic=item.topic, warc_path=self.warc.rel, warc_offset=loc.offset,
            warc_length=loc.length, payload_digest=loc.payload_digest, note=f"{reason}; {result.requests} request(s)"))
        self.summary.rendered += 1
        self.flush()
        return parse_html(result.html)

    def in_browser(self, url: str, main: Answer, *, dom: bool = False, screenshot: bool = False) -> Rendered:
        """Render a page in the browser the store shares between sites (or one of our own)."""
        if self.browsers is None:
            shared = getattr(self.store, "browser_service", None)
            self.browsers = shared() if shared is not None else BrowserService()
            self._own_browsers = shared is None
        return self.browsers.render(self.settings, url, main, self.resolve, dom=dom, screenshot=screenshot)

    def resolve(self, url: str, _resource_type: str) -> Answer | None:
        """Answer a request of the browser: from memory, from the store, or fetched politely and kept."""
        if url in self.resources:
            return self.resources[url]
        # An imported capture answers first (an archived page shown with its archived scripts), then our own.
        stored = self.stored.get((url, "import")) or self.stored.get((url, "resource"))
        if stored is not None:
            rec = self.read_back(stored)
            answer = Answer(rec.status or 200, rec.headers, rec.body)
        else:
            if urlsplit(url).scheme not in ("http", "https") or not self.allowed(url):
                return None
            got = self.request(url, max_bytes=self.settings.max_page_bytes)
            if got.final is None:
                return None
            _, row = self.record(got, source="resource")
            self.stored[(url, "resource")] = _as_stored(row)
            answer = Answer(got.final.status, got.final.headers, got.final.body)
        if self.resource_bytes + len(answer.body) <= RESOURCE_CACHE_BYTES:
            self.resources[url] = answer
            self.resource_bytes += len(answer.body)
        return answer

    def after_fetch(self, item: Item, final_url: str) -> None:
        """A start URL that redirects to another host: the site moved, and its new host is the site."""
        parts = urlsplit(final_url)
        host = (parts.hostname or "").lower()
        if item.depth == 0 and host and not self.scope.own_host(host):
            folder = moved_folder(parts.path)
            self.scope.add_host(host, folder)
            where = f"{host}{folder}/" if folder else host
            self.finding(item.url, "moved", f"start URL redirects to {final_url}; {where} is crawled as the site")

    def handle(self, item: Item, got: Fetched) -> None:
        """Record a fetched URL and queue its links."""
        if got.final is None:
            self.finding(item.url, got.error_kind or "no-response", got.error)
            return
        if got.error_kind:
            self.finding(item.url, got.error_kind, got.error)
        final = got.final
        if final.status >= 400:
            self.finding(item.url, f"http-{final.status}", f"{final.status} {final.reason}")
        ctype = got.header("content-type")
        html = is_html(ctype, final.body[:512])
        text, charset = decode_html(final.body, declared_charset(ctype)) if html else ("", "")
        _, row = self.record(got, item=item)
        row.charset = charset
        if html:
            row.doc_type = "html"
        self.done.update((item.url, normalise(final.url)))
        if final.truncated:
            limit = self.settings.max_page_bytes if html else self.settings.max_document_bytes
            self.finding(final.url, "truncated", f"response cut at {limit} bytes"
                         + (f" of {row.declared_length}" if row.declared_length else ""))
        if not 200 <= final.status < 300:
            self.flush()
            return
        self.after_fetch(item, final.url)
        self.frontier.fetched(item)
        if not html:
            self.summary.documents += 1
            self.flush()
            return
        self.summary.pages += 1
        self.flush()
        if self.scope.contains(normalise(final.url)):
            tree = self.page_tree(item, row, text, final.body, final.headers)
            self.expand(tree, final.url, item)

    # -- the crawl ---------------------------------------------------------------------------------------
    def load(self, *, imports: bool = False) -> list[StoredPage]:
        """What an earlier run stored: captures (in storing order) and findings; with `imports`, imported
        captures too (a crawl leaves them out until its screenshots, which may show an imported page)."""
        rows = list(self.store.stored(self.site.id))
        pages = [p for p in rows if p.source != "import"]
        for p in rows if imports else pages:
            self.stored[(p.url, p.source)] = p
        self.summary.bytes += sum(p.length for p in pages)  # max_bytes is a budget for the site, across runs
        for f in self.store.findings(self.site.id):
            self.count_finding(f.url, f.kind, f.detail)
        self.summary.resumed = len(pages)
        crawled = [p for p in pages if p.source == "crawl"]
        for p in crawled:
            self.frontier.seen.add(p.url)
            self.done.update((p.url, normalise(p.final_url)))
        return crawled

    def replay(self, crawled: list[StoredPage]) -> None:
        """Re-read the stored pages' links in the order they were fetched: the frontier is as it was."""
        for p in crawled:
            if self.stop.is_set():
                return
            item = Item((0, p.depth, 0), p.url, p.depth, p.lang_version, p.referrer, p.link_text, p.priority, p.topic)
            if self.settings.traps and not looks_like_document(p.url):
                self.frontier.traps.admit(p.url)
            if not (p.status and 200 <= p.status < 300):
                continue
            self.after_fetch(item, p.final_url)
            self.frontier.fetched(item)
            if p.doc_type != "html" and not (not p.doc_type and is_html(p.content_type)):
                self.summary.documents += 1
                continue
            self.summary.pages += 1
            if not self.scope.contains(normalise(p.final_url)):
                continue
            rec = self.read_back(p)
            tree = self.page_tree(item, p, decode_with(rec.body, p.charset), rec.body, rec.headers,
                                  self.stored.get((p.url, "render")))
            self.expand(tree, p.final_url, item)

    def sitemap_urls(self) -> None:
        """Queue the pages the start hosts' sitemaps list (robots.txt's Sitemap lines, else /sitemap.xml)."""
        hosts = []
        for url in self.site.start_urls().values():
            if host_key(normalise(url)) not in [host_key(h) for h in hosts]:
                hosts.append(normalise(url))
        for start in hosts:
            robots = self.robots_for(start)
            p = urlsplit(start)
            queue = [normalise(u) for u in robots.sitemaps()] or [normalise(f"{p.scheme}://{p.netloc}/sitemap.xml")]
            read: set[str] = set()
            while queue and len(read) < self.settings.max_sitemaps and not self.stop.is_set():
                url = queue.pop(0)
                if url in read:
                    continue
                read.add(url)
                stored = self.stored.get((url, "sitemap"))
                if stored is not None:
                    status, body = stored.status, self.read_back(stored).body
                elif robots.allows(url, self.agent):
                    got = self.request(url, max_bytes=self.settings.max_document_bytes)
                    if got.final is None:
                        continue  # no sitemap is not a fault; most government sites have none
                    self.record(got, source="sitemap", text="sitemap")
                    status, body = got.status, got.final.body
                else:
                    continue
                if not status or not 200 <= status < 300:
                    continue
                found = parse_sitemap(body)
                if found.error:
                    self.finding(url, "sitemap-invalid", found.error)
                queue += [normalise(u) for u in found.children]
                for page in found.pages:
                    page = normalise(page)
                    if self.scope.contains(page):
                        self.frontier.push(page, 1, self.lang_of(page, ""), url, "")
        self.flush(force=True)

    def limit_reached(self, started: float) -> str:
        if self.stop.is_set():
            return "interrupted"
        if self.summary.pages + self.summary.documents >= self.settings.max_pages:
            return "max_pages"
        if self.summary.bytes >= self.settings.max_bytes:
            return "max_bytes"
        if time.monotonic() - started > self.settings.max_seconds:
            return "max_seconds"
        return ""

    def run(self) -> CrawlSummary:
        started = time.monotonic()
        try:
            crawled = self.load()
            for lang, url in sorted(self.site.start_urls().items(), key=lambda kv: kv[0] == ""):
                url = normalise(url)
                lang = lang or self.lang_of(url, "")
                self.homes.setdefault(lang, url)
                self.frontier.push(url, 0, lang, start=True)
            if self.settings.sitemaps:
                self.sitemap_urls()
            self.replay(crawled)
            self.crawl(started)
            # Screenshots need the browser; `render: never` keeps it closed altogether.
            if self.settings.screenshots and self.settings.render != "never" and not self.stop.is_set():
                self.screenshot_homes()
        finally:
            self.flush(force=True)
            self.close()
        return self.finish(started)

    def crawl(self, started: float) -> None:
        while True:
            stopped = self.limit_reached(started)
            if stopped:
                self.summary.stopped_by = stopped
                return
            item = self.frontier.pop()
            if item is None:
                return
            if item.url in self.done:  # reached earlier through a redirect
                continue
            # Documents are exempt from the pattern cap: they lead nowhere, and forms come in numbered series.
            if self.settings.traps and not looks_like_document(item.url):
                ok, pattern = self.frontier.traps.admit(item.url)
                if not ok:
                    if pattern not in self.trap_patterns:
                        self.trap_patterns.add(pattern)
                        self.finding(item.url, "trap", f"more than {self.settings.trap_max_per_pattern} URLs like "
                                                       f"{pattern}: the rest are skipped")
                    continue
            if not self.allowed(item.url):
                rules = self.robots_for(item.url)
                if rules.disallow_all:
                    self.finding(item.url, "robots-unreachable", rules.why)
                else:
                    self.finding(item.url, "robots-disallowed", "robots.txt disallows this URL for our user agent")
                continue
            got = self.request(item.url)
            if got.error_kind == "interrupted":
                continue
            self.handle(item, got)
            self.progress(self.site.id, {"event": "fetched", "url": item.url, "status": got.status,
                                         "pages": self.summary.pages + self.summary.documents,
                                         "errors": sum(self.summary.errors.values())})

    # -- screenshots -------------------------------------------------------------------------------------
    def screenshot(self, url: str, lang: str) -> bool:
        """A full-page screenshot of a stored page, stored with the round; False if there is none to take."""
        page = self.page_capture(url)
        if page is None or (url, "screenshot") in self.stored or (page.final_url, "screenshot") in self.stored:
            return False
        rec = self.read_back(page)
        if page.source == "render" or not (rec.status and 200 <= rec.status < 300):
            return False
        result = self.in_browser(page.final_url, Answer(rec.status, rec.headers, rec.body), screenshot=True)
        if self.stop.is_set():
            return False
        if result.error:
            self.finding(page.final_url, "screenshot-failed", result.error)
            return False
        name = hashlib.sha1(page.final_url.encode()).hexdigest()[:16]
        rel = f"screenshots/{self.site.id}/{name}.png"
        path = self.store.evidence_dir() / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(result.screenshot)
            fh.flush()
            os.fsync(fh.fileno())
        loc = self.warc_file().write_resource(f"urn:view:{page.final_url}", "image/png", result.screenshot,
                                              extra={"WARC-Refers-To-Target-URI": page.final_url})
        row = CaptureRow(url=page.url, final_url=page.final_url, status=200, content_type="image/png",
                         length=len(result.screenshot), doc_type="png", fetched_at=_now(), source="screenshot",
                         lang_version=lang, depth=page.depth, warc_path=self.warc.rel, warc_offset=loc.offset,
                         warc_length=loc.length, payload_digest=loc.payload_digest,
                         note=f"full page, {result.width}x{result.height}")
        self.pending.append(row)
        self.pending_shots.append(ScreenshotRow(page.url, lang, rel, result.width, result.height))
        self.stored[(page.url, "screenshot")] = _as_stored(row)
        self.summary.screenshots += 1
        self.flush(force=True)
        return True

    def page_capture(self, url: str) -> StoredPage | None:
        """The stored crawl (or imported) capture of a URL, looked up by requested or final URL."""
        for source in ("crawl", "import"):
            page = self.stored.get((url, source))
            if page is not None:
                return page
        for row in self.pending:
            if row.source == "crawl" and url in (row.url, row.final_url):
                return _as_stored(row)
        for (_u, source), page in self.stored.items():
            if source in ("crawl", "import") and normalise(page.final_url) == url:
                return page
        return None

    def screenshot_homes(self) -> None:
        self.flush(force=True)
        self._index_new()
        taken = set()
        for lang, url in self.homes.items():
            page = self.page_capture(url)
            if page is None or page.final_url in taken or self.stop.is_set():
                continue
            taken.add(page.final_url)
            self.screenshot(url, lang)

    def _index_new(self) -> None:
        for row in self.store.stored(self.site.id):
            self.stored.setdefault((row.url, row.source), row)

    # -- the end -----------------------------------------------------------------------------------------
    def close(self) -> None:
        for thing in (self.browsers if self._own_browsers else None, self.warc, self.fetcher):
            try:
                if thing is not None:
                    thing.close()
            except Exception:  # noqa: BLE001 - closing must not hide the crawl's own outcome
                pass

    def finish(self, started: float) -> CrawlSummary:
        s = self.summary
        s.seconds = round(time.monotonic() - started, 2)
        if self.stop.is_set():
            # Stopped, not finished: the stored outcome stays as it was until a resumed crawl completes.
            s.status, s.stopped_by = "interrupted", "interrupted"
            return s
        if s.pages + s.documents == 0:
            s.status = "unreachable"
            s.reason = self.first_error or "no page could be fetched"
        elif any(k not in NOTES for k in s.errors):
            s.status = "partial"
            s.reason = ", ".join(f"{k} x{v}" for k, v in sorted(s.errors.items()) if k not in NOTES)
        self.store.set_outcome(self.site.id, SiteOutcome(s.status, s.reason, s.as_dict()))
        return s


def _as_stored(row: CaptureRow) -> StoredPage:
    return StoredPage(row.url, row.final_url, row.status, row.content_type, row.charset, row.depth, row.lang_version,
                      Path(row.warc_path), row.warc_offset, row.source, row.link_text, row.referrer, row.priority,
                      row.topic, row.length, row.doc_type, row.note)


def crawl_site(site: Site, settings: CrawlSettings, store: EvidenceStore, **kwargs) -> CrawlSummary:
    """Crawl one site into the store and return its summary; network trouble never raises."""
    return SiteCrawler(site, settings, store, **kwargs).run()


def screenshot_pages(site: Site, settings: CrawlSettings, store: EvidenceStore, urls: list[str] | None = None,
                     **kwargs) -> CrawlSummary:
    """Full-page screenshots of stored pages (by default those the checks cite) that have none yet."""
    crawler = SiteCrawler(site, settings, store, **kwargs)
    started = time.monotonic()
    try:
        crawler.load(imports=True)
        for url in urls if urls is not None else store.cited_urls(site.id):
            if crawler.stop.is_set():
                break
            page = crawler.page_capture(normalise(url)) or crawler.page_capture(url)
            if page is not None:
                crawler.screenshot(page.url, page.lang_version)
    finally:
        crawler.flush(force=True)
        crawler.close()
    crawler.summary.seconds = round(time.monotonic() - started, 2)
    return crawler.summary
