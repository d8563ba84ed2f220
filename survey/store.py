"""The evidence store of a round: the crawler's store interface on the round database, and the way back.

`RoundStore` is what `crawl_site` writes into (index rows, findings, screenshots, the site's outcome) and
where it gets its per-host politeness slots; WARC files live in the round's evidence folder beside the
database, and `import_archive` adds archives made by other tools there. `load_artifacts` reads a site's stored
responses back (index + WARC records) into the plain objects the checks take, so checks run offline, years
later if need be.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from pathlib import Path
from typing import Iterable

from sqlalchemy import and_, delete, func, insert, select, update

from crawler.decode import decode_with
from crawler.documents import HTML_TYPES, media_type
from crawler.importer import ArchiveScan
from crawler.render import BrowserService
from crawler.slots import HostSlots
from crawler.store import CaptureRow, FindingRow, ScreenshotRow, SiteOutcome, StoredPage
from crawler.warc import read_record
from scoring.artifacts import Document, Finding, Page, Screenshot, SiteArtifacts
from survey import schema
from survey.db import Database, Round, now

EVIDENCE_SOURCES = ("crawl", "render", "import")  # captures the checks judge; the rest completes the record


class RoundStore:
    """One round's evidence store; safe to share between the threads crawling different sites."""

    def __init__(self, db: Database, rnd: Round):
        self.db, self.round = db, rnd
        self._dir = db.evidence_dir(rnd)
        self._lock = threading.Lock()
        # One slot table per round store: every site crawled through it shares a host's slot (www.gov.kz).
        self.host_slot = HostSlots()
        self._browsers = BrowserService()  # one Chromium for all sites, started only if a page needs it

    def browser_service(self) -> BrowserService:
        return self._browsers

    def close(self) -> None:
        """Stop the shared browser, if one was started."""
        self._browsers.close()

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
                             r["lang_version"], Path(r["warc_path"]), r["warc_offset"], r["source"], r["link_text"],
                             r["referrer"], r["priority"], r["topic"], r["length"], r["doc_type"], r["note"])

    def findings(self, site_id: str) -> list[FindingRow]:
        f = schema.findings.c
        with self.db.engine.connect() as conn:
            rows = conn.execute(select(f.url, f.kind, f.detail).where(
                and_(f.round_id == self.round.id, f.site_id == site_id)).order_by(f.id)).all()
        return [FindingRow(*r) for r in rows]

    def save(self, site_id: str, captures: list[CaptureRow], findings: list[FindingRow],
             screenshots: list[ScreenshotRow]) -> None:
        c, s = schema.captures.c, schema.screenshots.c
        stamp = now()
        captures = list({(r.url, r.source): r for r in captures}.values())  # within a batch, the last one wins
        with self._lock, self.db.engine.begin() as conn:
            for row in captures:
                # A re-fetch of the same URL (same source) replaces the older index row.
                conn.execute(delete(schema.captures).where(and_(c.round_id == self.round.id, c.site_id == site_id,
                                                                c.url == row.url, c.source == row.source)))
            if captures:
                conn.execute(insert(schema.captures), [dict(r.__dict__, round_id=self.round.id, site_id=site_id)
                                                        for r in captures])
            if findings:
                conn.execute(insert(schema.findings), [dict(round_id=self.round.id, site_id=site_id, url=f.url,
                                                            kind=f.kind, detail=f.detail, at=stamp) for f in findings])
            for shot in screenshots:
                conn.execute(delete(schema.screenshots).where(and_(s.round_id == self.round.id, s.site_id == site_id,
                                                                   s.url == shot.url)))
                conn.execute(insert(schema.screenshots).values(
                    round_id=self.round.id, site_id=site_id, url=shot.url, lang_version=shot.lang_version,
                    path=shot.path, width=shot.width, height=shot.height, taken_at=stamp))

    def add_finding(self, site_id: str, url: str, kind: str, detail: str) -> None:
        self.save(site_id, [], [FindingRow(url, kind, detail)], [])

    def set_outcome(self, site_id: str, outcome: SiteOutcome) -> None:
        s = schema.sites.c
        with self._lock, self.db.engine.begin() as conn:
            conn.execute(update(schema.sites).where(and_(s.round_id == self.round.id, s.site_id == site_id)).values(
                crawl_status=outcome.status, crawl_reason=outcome.reason,
                crawl_summary_json=json.dumps(outcome.summary, default=str)))

    def cited_urls(self, site_id: str) -> list[str]:
        """URLs the checks cite as evidence for the site, most cited first."""
        e = schema.evidence.c
        with self.db.engine.connect() as conn:
            rows = conn.execute(select(e.url, func.count()).where(and_(e.round_id == self.round.id, e.site_id == site_id))
                                .group_by(e.url).order_by(func.count().desc(), e.url)).all()
        return [r[0] for r in rows if r[0]]


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
        if r["source"] not in EVIDENCE_SOURCES or r["url"].endswith("/robots.txt"):
            continue  # robots.txt, sitemaps, what the browser loaded, screenshots (these come separately)
        path = base / r["warc_path"]
        ctype = media_type(r["content_type"])
        html = r["doc_type"] == "html" if r["doc_type"] else (ctype in HTML_TYPES or (not ctype and r["charset"]))
        if html:
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
                size=(r["declared_length"] or r["length"]) if r["truncated"] else r["length"], truncated=bool(r["truncated"]), link_text=r["link_text"], lang_version=r["lang_version"],
                load_body=(lambda p=path, o=r["warc_offset"]: read_record(p, o).body)))
    arts.findings += [Finding(f["url"], f["kind"], f["detail"]) for f in finds]
    arts.screenshots = [Screenshot(s["url"], str(base / s["path"]), s["width"], s["height"], s["lang_version"]) for s in shots]
    return arts


def import_archive(db: Database, rnd: Round, site_id: str, scan: ArchiveScan) -> tuple[str, int]:
    """Copy a scanned foreign archive into the round's evidence folder and index its captures.

    The copy is named by its content's digest, so importing the same file twice indexes it once; the index
    rows go in with one transaction. Returns the copy's path (relative to the evidence folder) and the number
    of captures indexed.
    """
    digest = hashlib.sha256()
    with open(scan.path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    name = scan.path.name.lower()
    suffix = next((s for s in (".warc.gz", ".arc.gz", ".warc", ".arc") if name.endswith(s)), ".warc")
    rel = f"import/{site_id}/{digest.hexdigest()[:16]}{suffix}"
    target = db.evidence_dir(rnd) / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        partial = target.with_name(target.name + ".part")
        shutil.copyfile(scan.path, partial)
        with open(partial, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(partial, target)
    rows = [CaptureRow(**dict(r.__dict__, warc_path=rel, note=(r.note + "; " if r.note else "") + f"imported from {scan.path.name}"))
            for r in scan.captures]
    store = RoundStore(db, rnd)
    store.save(site_id, rows, [], [])
    c = schema.captures.c
    with db.engine.connect() as conn:
        counts = dict(conn.execute(select(c.source, func.count()).where(and_(c.round_id == rnd.id, c.site_id == site_id))
                                   .group_by(c.source)).all())
    if not counts.get("crawl"):
        store.set_outcome(site_id, SiteOutcome("imported", f"{counts.get('import', 0)} captures imported",
                                               {"imported": counts.get("import", 0)}))
    return rel, len(rows)
