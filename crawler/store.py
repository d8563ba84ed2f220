"""What the crawler needs from the evidence store: a handful of methods, and the rows it hands over.

The program (survey.store.RoundStore) implements this against the round database; tests may use any object
with these methods. The crawler writes WARC files itself (crawler.warc) in the folder the store names, makes
them durable, then hands the store the batch's index rows in one call, so the store never sees bytes and the
crawler never sees SQL. The store also hands out the per-host slots (crawler.slots), because politeness is
owed to a host, and several sites may share one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Protocol

from crawler.render import BrowserService
from crawler.slots import HostSlot

# Where a capture came from. Only crawl, render and import captures are evidence for the checks; the others
# are kept so the record is complete (what robots.txt said, what the browser loaded, the screenshots).
SOURCES = ("crawl", "render", "resource", "robots", "sitemap", "screenshot", "import")


@dataclass
class CaptureRow:
    """The index entry of one stored response."""

    url: str
    final_url: str
    status: int | None
    content_type: str = ""
    charset: str = ""
    declared_charset: str = ""
    length: int = 0
    declared_length: int | None = None  # Content-Length as announced (the full size of a truncated file)
    truncated: bool = False
    doc_type: str = ""  # html | pdf | doc | docx | xls | xlsx | rtf | zip | ... ('' unknown)
    fetched_at: str = ""
    source: str = "crawl"  # one of SOURCES
    lang_version: str = ""
    depth: int = 0
    referrer: str = ""
    link_text: str = ""
    priority: int = 0  # the frontier's score for this URL
    topic: str = ""  # the rubric topic the score came from
    warc_path: str = ""  # relative to the store's evidence folder
    warc_offset: int = 0
    warc_length: int = 0
    payload_digest: str = ""
    elapsed_ms: int = 0
    error: str = ""
    note: str = ""  # why it was rendered, and similar remarks


@dataclass
class FindingRow:
    """A fault or a remark about a URL (dns, http-404, tls, trap, robots-disallowed, ...)."""

    url: str
    kind: str
    detail: str = ""


@dataclass
class ScreenshotRow:
    url: str
    lang_version: str
    path: str  # relative to the store's evidence folder
    width: int
    height: int


@dataclass
class StoredPage:
    """A stored capture, as the store gives it back (for resuming: re-reading links of fetched pages)."""

    url: str
    final_url: str
    status: int | None
    content_type: str
    charset: str
    depth: int
    lang_version: str
    warc_path: Path
    warc_offset: int
    source: str = "crawl"
    link_text: str = ""
    referrer: str = ""
    priority: int = 0
    topic: str = ""
    length: int = 0
    doc_type: str = ""
    note: str = ""


@dataclass
class SiteOutcome:
    status: str  # ok | partial | unreachable | imported
    reason: str = ""
    summary: dict = field(default_factory=dict)


class EvidenceStore(Protocol):
    def evidence_dir(self) -> Path:
        """The round's evidence folder; WARC paths in CaptureRow are relative to it."""

    def warc_end(self, site_id: str, warc_path: str) -> int | None:
        """End offset of the last indexed record in that file (None if the file has none)."""

    def stored(self, site_id: str) -> Iterable[StoredPage]:
        """Captures already stored for the site in this round, in the order they were stored."""

    def findings(self, site_id: str) -> list[FindingRow]:
        """Findings already recorded for the site in this round."""

    def save(self, site_id: str, captures: list[CaptureRow], findings: list[FindingRow],
             screenshots: list[ScreenshotRow]) -> None:
        """Record a batch in one transaction; a capture replaces an older one of the same URL and source."""

    def set_outcome(self, site_id: str, outcome: SiteOutcome) -> None: ...

    def host_slot(self, key: str) -> HostSlot:
        """The politeness slot of a host (crawler.slots.host_key), shared by every site crawled at once."""

    def browser_service(self) -> BrowserService:
        """The browser shared by the sites crawled at once (crawler.render); optional: without it a crawl starts its own."""

    def cited_urls(self, site_id: str) -> list[str]:
        """URLs the checks cite as evidence for the site (for their screenshots)."""
