"""What the crawler needs from the evidence store: a handful of methods, and the rows it hands over.

The program (survey.store.RoundStore) implements this against the round database; tests may use any object
with these methods. The crawler writes WARC files itself (crawler.warc) in the folder the store names, then
hands the store one index row per response, so the store never sees bytes and the crawler never sees SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Protocol


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
    truncated: bool = False
    fetched_at: str = ""
    source: str = "crawl"  # crawl | render | import
    lang_version: str = ""
    depth: int = 0
    referrer: str = ""
    link_text: str = ""
    warc_path: str = ""  # relative to the store's evidence folder
    warc_offset: int = 0
    warc_length: int = 0
    payload_digest: str = ""
    elapsed_ms: int = 0
    error: str = ""


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


@dataclass
class SiteOutcome:
    status: str  # ok | partial | unreachable
    reason: str = ""
    summary: dict = field(default_factory=dict)


class EvidenceStore(Protocol):
    def evidence_dir(self) -> Path:
        """The round's evidence folder; WARC paths in CaptureRow are relative to it."""

    def warc_end(self, site_id: str, warc_path: str) -> int | None:
        """End offset of the last indexed record in that file (None if the file has none)."""

    def stored(self, site_id: str) -> Iterable[StoredPage]:
        """Captures already stored for the site in this round."""

    def add_capture(self, site_id: str, row: CaptureRow) -> None: ...

    def add_finding(self, site_id: str, url: str, kind: str, detail: str) -> None: ...

    def add_screenshot(self, site_id: str, url: str, lang_version: str, path: str, width: int, height: int) -> None: ...

    def set_outcome(self, site_id: str, outcome: SiteOutcome) -> None: ...
