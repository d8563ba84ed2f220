"""Archived pages and screenshots for reviewers: stored bodies served as they were at crawl time, made inert.

Crawled content is untrusted. A stored body is served byte for byte (nothing is rewritten), under a Content
Security Policy that sandboxes it (an opaque origin: no scripts, no forms, no plugins, no access to the app's
cookies) and forbids every outside load, so the page shows as captured and never reaches the live site; only a
few content types are served inline, everything else as a download named by the capture's number. Files are
found through the round database (a capture's WARC file and offset, a screenshot's path), never from anything a
page says, and must lie inside the round's evidence folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import and_, select

from crawler.decode import decode_with
from crawler.documents import HTML_TYPES, media_type
from crawler.warc import read_record
from survey import schema
from survey.db import Database, Round

# No scripts (sandbox without allow-scripts, script-src 'none'), no outside requests (only data: images and
# fonts, inline styles), no form submission, framable only by the app itself.
ARCHIVE_CSP = ("sandbox; default-src 'none'; script-src 'none'; img-src data:; font-src data:; "
               "style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'; frame-ancestors 'self'")
INLINE_TYPES = {"text/html": "text/html", "application/xhtml+xml": "text/html", "text/plain": "text/plain",
                "image/png": "image/png", "image/jpeg": "image/jpeg", "image/gif": "image/gif", "image/webp": "image/webp"}
# Documents are downloads (a sandboxed page cannot show a PDF); the name comes from the capture number and type.
DOWNLOAD_SUFFIXES = {"application/pdf": "pdf", "application/msword": "doc", "application/vnd.ms-excel": "xls",
                     "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
                     "application/rtf": "rtf", "application/zip": "zip"}
IMAGE_SUFFIXES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp"}
CHARSET = re.compile(r"^[A-Za-z0-9._:-]{1,40}$")
SOURCE_LIMIT = 2_000_000  # characters of page source shown; the rest is cut with a note


@dataclass(frozen=True)
class Stored:
    """A stored body and how to serve it."""

    body: bytes
    media_type: str  # what we serve it as
    download: bool
    capture: dict

    @property
    def filename(self) -> str:
        """A download's file name: the capture's number and a suffix for its type, nothing from the page."""
        return f"capture-{int(self.capture['id'])}.{DOWNLOAD_SUFFIXES.get(media_type(self.capture['content_type']), 'bin')}"


def _inside(base: Path, relative: str) -> Path | None:
    """The file `relative` to `base`, or None if that would lead outside it."""
    try:
        path = (base / relative).resolve()
        root = base.resolve()
    except (OSError, RuntimeError):
        return None
    return path if path.is_relative_to(root) and path.is_file() else None


def capture(db: Database, rnd: Round, capture_id: int) -> dict | None:
    """A capture of the round by id, or None."""
    c = schema.captures.c
    with db.engine.connect() as conn:
        row = conn.execute(select(schema.captures).where(and_(c.round_id == rnd.id, c.id == capture_id))).mappings().first()
    return dict(row) if row is not None else None


def site_captures(db: Database, rnd: Round, site_id: str) -> list[dict]:
    """A site's stored responses, shallowest first."""
    c = schema.captures.c
    with db.engine.connect() as conn:
        rows = conn.execute(select(c.id, c.url, c.final_url, c.status, c.content_type, c.lang_version, c.depth, c.source,
                                   c.fetched_at, c.warc_path)
                            .where(and_(c.round_id == rnd.id, c.site_id == site_id)).order_by(c.depth, c.id)).mappings().all()
    out = []
    for r in rows:
        d = dict(r)
        d["html"] = media_type(d["content_type"]) in HTML_TYPES
        d["stored"] = bool(d.pop("warc_path"))
        out.append(d)
    return out


def load_stored(db: Database, rnd: Round, cap: dict) -> Stored | None:
    """The stored body of a capture and how to serve it; None if it has none or its file is missing."""
    if not cap.get("warc_path"):
        return None
    path = _inside(db.evidence_dir(rnd), cap["warc_path"])
    if path is None:
        return None
    try:
        record = read_record(path, int(cap["warc_offset"]))
    except (OSError, ValueError):
        return None
    media = INLINE_TYPES.get(media_type(cap["content_type"]))
    if media is None:
        return Stored(record.body, "application/octet-stream", True, cap)
    if media.startswith("text/"):
        charset = cap.get("charset") or "utf-8"
        # The charset as decoded at crawl time (it may differ from the one the site declared).
        media += f"; charset={charset if CHARSET.match(charset) else 'utf-8'}"
    return Stored(record.body, media, False, cap)


def source_text(stored: Stored) -> tuple[str, bool]:
    """A stored page as text for the source view, and whether it was cut."""
    text = decode_with(stored.body, stored.capture.get("charset") or "utf-8")
    return text[:SOURCE_LIMIT], len(text) > SOURCE_LIMIT


def screenshots(db: Database, rnd: Round, site_id: str) -> list[dict]:
    """A site's screenshot rows."""
    s = schema.screenshots.c
    with db.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(schema.screenshots).where(and_(s.round_id == rnd.id, s.site_id == site_id))
                                              .order_by(s.lang_version, s.id)).mappings()]


def screenshot_file(db: Database, rnd: Round, shot_id: int) -> tuple[dict, Path, str] | None:
    """(row, file, media type) of a screenshot inside the round's evidence folder, else None."""
    s = schema.screenshots.c
    with db.engine.connect() as conn:
        row = conn.execute(select(schema.screenshots).where(and_(s.round_id == rnd.id, s.id == shot_id))).mappings().first()
    if row is None:
        return None
    path = _inside(db.evidence_dir(rnd), row["path"])
    media = IMAGE_SUFFIXES.get(Path(row["path"]).suffix.lower())
    if path is None or media is None:
        return None
    return dict(row), path, media
