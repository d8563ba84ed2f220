"""The evidence store of a round: the crawler's store interface on the round database, and the way back.

`RoundStore` is what `crawl_site` writes into (index rows, findings, screenshots, the site's outcome);
WARC files live in the round's evidence folder beside the database. `load_artifacts` reads a site's stored
responses back (index + WARC records) into the plain objects the checks take, so checks run offline, years
later if need be.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Iterable

from sqlalchemy import and_, delete, func, insert, select, update

from crawler.decode import decode_with
from crawler.store import CaptureRow, SiteOutcome, StoredPage
from crawler.warc import read_record
from scoring.artifacts import Document, Finding, Page, Screenshot, SiteArtifacts
from survey import schema
from survey.db import Database, Round, now

HTML_TYPES = ("text/html", "application/xhtml+xml")


class RoundStore:
    """One round's evidence store; safe to share between the threads crawling different sites."""

    def __init__(self, db: Database, rnd: Round):
        self.db, self.round = db, rnd
        self._dir = db.evidence_dir(rnd)
        self._lock = threading.Lock()

    def evidence_dir(self) -> Path:
        return self._dir

    def warc_end(self, site_id: str, warc_path: str) -> int | None:
        c = schema.captures.c
        with self.db.engine.connect() as conn:
            return conn.execute(select(func.max(c.warc_offset + c.warc_length)).where(
                and_(c.round_id == self.round.id, c.site_id == site_id, c.warc_path == warc_path))).scalar()

    def stored(self, site_id: str) -> Iterable[StoredPage]:
        c = schema.captures.c
        with self.db.engine.connect() as conn:
            rows = conn.execute(select(schema.captures).where(and_(c.round_id == self.round.id, c.site_id == site_id))
                                .order_by(c.id)).mappings().all()
        for r in rows:
            yield StoredPage(r["url"], r["final_url"], r["status"], r["content_type"], r["charset"], r["depth"],
                             r["lang_version"], Path(r["warc_path"]), r["warc_offset"], r["source"])

    def add_capture(self, site_id: str, row: CaptureRow) -> None:
        values = dict(row.__dict__, round_id=self.round.id, site_id=site_id)
        c = schema.captures.c
        with self._lock, self.db.engine.begin() as conn:
            # A re-fetch of the same URL (same source) replaces the older index row.
            conn.execute(delete(schema.captures).where(and_(c.round_id == self.round.id, c.site_id == site_id,
                                                            c.url == row.url, c.source == row.source)))
            conn.execute(insert(schema.captures).values(**values))

    def add_finding(self, site_id: str, url: str, kind: str, detail: str) -> None:
        with self._lock, self.db.engine.begin() as conn:
            conn.execute(insert(schema.findings).values(round_id=self.round.id, site_id=site_id, url=url, kind=kind,
                                                        detail=detail, at=now()))

    def add_screenshot(self, site_id: str, url: str, lang_version: str, path: str, width: int, height: int) -> None:
        s = schema.screenshots.c
        with self._lock, self.db.engine.begin() as conn:
            conn.execute(delete(schema.screenshots).where(and_(s.round_id == self.round.id, s.site_id == site_id, s.url == url)))
            conn.execute(insert(schema.screenshots).values(round_id=self.round.id, site_id=site_id, url=url,
                                                           lang_version=lang_version, path=path, width=width,
                                                           height=height, taken_at=now()))

    def set_outcome(self, site_id: str, outcome: SiteOutcome) -> None:
        s = schema.sites.c
        with self._lock, self.db.engine.begin() as conn:
            conn.execute(update(schema.sites).where(and_(s.round_id == self.round.id, s.site_id == site_id)).values(
                crawl_status=outcome.status, crawl_reason=outcome.reason,
                crawl_summary_json=json.dumps(outcome.summary, default=str)))

    def clear_site(self, site_id: str) -> None:
        """Forget a site's captures and findings (for a fresh re-crawl); its WARC file is kept, renamed."""
        with self._lock, self.db.engine.begin() as conn:
            for t in (schema.captures, schema.findings, schema.screenshots):
                conn.execute(delete(t).where(and_(t.c.round_id == self.round.id, t.c.site_id == site_id)))


def load_artifacts(db: Database, rnd: Round, site: dict) -> SiteArtifacts:
    """A site's stored evidence for the checks: pages decoded with the recorded charset, documents, findings."""
    base = db.evidence_dir(rnd)
    c = schema.captures.c
    with db.engine.connect() as conn:
        rows = conn.execute(select(schema.captures).where(and_(c.round_id == rnd.id, c.site_id == site["site_id"]))
                            .order_by(c.depth, c.id)).mappings().all()
        finds = conn.execute(select(schema.findings).where(and_(schema.findings.c.round_id == rnd.id,
                                                                schema.findings.c.site_id == site["site_id"]))).mappings().all()
        shots = conn.execute(select(schema.screenshots).where(and_(schema.screenshots.c.round_id == rnd.id,
                                                                   schema.screenshots.c.site_id == site["site_id"]))).mappings().all()
    arts = SiteArtifacts(site["site_id"], site["name"], site.get("current_url") or site["url"],
                         crawl_status=site.get("crawl_status", "ok"))
    for r in rows:
        ctype = (r["content_type"] or "").split(";")[0].strip().lower()
        path = base / r["warc_path"]
        if r["url"].endswith("/robots.txt"):
            continue
        if ctype in HTML_TYPES or (not ctype and r["charset"]):
            try:
                rec = read_record(path, r["warc_offset"])
            except (OSError, ValueError) as exc:
                arts.findings.append(Finding(r["url"], "evidence-unreadable", f"{r['warc_path']}@{r['warc_offset']}: {exc}"))
                continue
            page = Page(url=r["url"], final_url=r["final_url"], status=r["status"], content_type=r["content_type"],
                        text=decode_with(rec.body, r["charset"]), headers=rec.headers, charset=r["charset"],
                        lang_version=r["lang_version"], depth=r["depth"], link_text=r["link_text"],
                        source=r["source"], fetched_at=r["fetched_at"], elapsed_ms=r["elapsed_ms"])
            (arts.rendered if r["source"] == "render" else arts.pages).append(page)
        else:
            arts.documents.append(Document(
                url=r["url"], final_url=r["final_url"], status=r["status"], content_type=r["content_type"],
                size=r["length"], truncated=bool(r["truncated"]), link_text=r["link_text"], lang_version=r["lang_version"],
                load_body=(lambda p=path, o=r["warc_offset"]: read_record(p, o).body)))
    arts.findings += [Finding(f["url"], f["kind"], f["detail"]) for f in finds]
    arts.screenshots = [Screenshot(s["url"], str(base / s["path"]), s["width"], s["height"], s["lang_version"]) for s in shots]
    return arts
