"""Reading web archives made by other tools (Heritrix, Browsertrix, wget --warc-file, webrecorder) as evidence.

A WARC or ARC file, gzip-compressed per record or not at all, is read whole with warcio before anything is
stored: a file that cannot be read to the end, or whose response records are damaged, is refused with the
reason and what to do, so a round never indexes half a file. Response and resource records become index
rows pointing into the file as it is (nothing is rewritten; the program copies the file into the round's
evidence folder); a revisit record stands for the response it refers to. Requests, warcinfo and metadata
records are skipped. warcio's own warnings (spaces in a target URI, a record longer than declared) become
notes on the import.
"""

from __future__ import annotations

import contextlib
import io
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from crawler.decode import declared_charset, decode_html
from crawler.documents import document_kind, is_html
from crawler.links import normalise
from crawler.store import CaptureRow


@dataclass
class ArchiveScan:
    """What a foreign archive holds, or why it cannot be used."""

    path: Path
    captures: list[CaptureRow] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  # record type -> count (requests, warcinfo, ...)
    warnings: list[str] = field(default_factory=list)
    error: str = ""  # set: the file is refused


def _refusal(exc: Exception, head: bytes, records_read: int) -> str:
    text = " ".join(str(exc).split())
    if "non-chunked gzip" in text:
        return ("compressed as one gzip stream rather than one gzip member per record, so its records cannot be "
                "read one by one; recompress it with `warcio recompress IN OUT` and import the result")
    if "Unknown archive format" in text and records_read:
        return (f"record {records_read + 1} is not where the archive says it is: the file is damaged, or its gzip "
                "members do not match its records (`warcio recompress IN OUT` repairs the latter)")
    if "Unknown archive format" in text:
        return _not_an_archive(head)
    if isinstance(exc, (ArchiveLoadFailed, ValueError, OSError, EOFError)):
        return f"not readable as a WARC or ARC file ({text[:200]}); the file may be damaged or cut short"
    return f"record {records_read + 1} is damaged ({type(exc).__name__}); the file may have been cut short"


def _not_an_archive(head: bytes) -> str:
    kind = "an HTML page" if b"<html" in head.lower() or b"<!doctype" in head.lower() else "something else"
    return f"not a WARC or ARC file (it reads like {kind}); check that this is the archive you meant"


def _opening(head: bytes) -> bytes:
    """The first bytes of the file's content (decompressed if it is gzip)."""
    if head[:2] == b"\x1f\x8b":
        try:
            return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head)
        except zlib.error:
            return b""
    return head


def _complete(path: Path, head: bytes) -> bool:
    """Whether the file ends where a record ends: every gzip member whole, or the record separator last."""
    if head[:2] != b"\x1f\x8b":
        with open(path, "rb") as fh:
            fh.seek(max(0, path.stat().st_size - 4))
            tail = fh.read()
        return tail.endswith(b"\r\n\r\n") or (not head.startswith(b"WARC/") and tail.endswith(b"\n"))
    member, inside = zlib.decompressobj(16 + zlib.MAX_WBITS), False
    try:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                while chunk:
                    member.decompress(chunk)
                    inside = True
                    if not member.eof:
                        break
                    chunk = member.unused_data
                    member, inside = zlib.decompressobj(16 + zlib.MAX_WBITS), False
    except zlib.error:
        return False
    return not inside


def _content_length_ok(rec) -> bool:
    value = rec.rec_headers.get_header("Content-Length")
    return value is None or (value.strip().isdigit())


def scan_archive(path: str | Path) -> ArchiveScan:
    """Read a WARC/ARC file to the end; its captures as index rows (warc_path left for the caller to set)."""
    path = Path(path)
    scan = ArchiveScan(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(512)
    except OSError as exc:
        scan.error = f"cannot be read: {exc.strerror or exc}"
        return scan
    if not head:
        scan.error = "is empty; nothing to import"
        return scan
    # A WARC file starts with its version line, an ARC file with its `filedesc://` record; warcio would read
    # many other texts as ARC records with odd addresses.
    opening = _opening(head)
    if not opening.lstrip().startswith((b"WARC/", b"filedesc://")):
        scan.error = _not_an_archive(opening)
        return scan
    by_digest: dict[str, CaptureRow] = {}
    revisits = []
    noise = io.StringIO()
    read, end = 0, 0
    try:
        with open(path, "rb") as fh, contextlib.redirect_stderr(noise):
            records = ArchiveIterator(fh, arc2warc=True)
            for rec in records:
                kind = rec.rec_type
                url = (rec.rec_headers.get_header("WARC-Target-URI") or "").strip()
                # The body first: asking warcio for the offset reads the record to its end.
                body = rec.content_stream().read()
                offset, length = records.get_record_offset(), records.get_record_length()
                read += 1
                end = offset + length
                if kind not in ("response", "resource", "revisit") or not url.startswith(("http://", "https://")):
                    # Requests, warcinfo, metadata, and a tool's own files (wget's log as metadata://...).
                    scan.skipped[kind] = scan.skipped.get(kind, 0) + 1
                    continue
                if kind == "response" and (rec.http_headers is None or not _content_length_ok(rec)):
                    scan.error = (f"damaged {kind} record at byte {offset} (no HTTP headers, or an invalid length "
                                  f"{rec.rec_headers.get_header('Content-Length')!r}); the file cannot be trusted")
                    scan.captures = []
                    return scan
                if kind == "revisit":
                    revisits.append((url, rec.rec_headers.get_header("WARC-Payload-Digest") or "",
                                     rec.rec_headers.get_header("WARC-Refers-To-Target-URI") or ""))
                    continue
                if kind == "resource":
                    status, ctype, headers = 200, rec.rec_headers.get_header("Content-Type") or "", []
                else:
                    code = rec.http_headers.get_statuscode() or ""
                    status = int(code) if code.isdigit() else None
                    ctype = rec.http_headers.get_header("Content-Type") or ""
                    headers = rec.http_headers.headers
                row = _row(url, status, ctype, headers, body, offset, length, rec)
                scan.captures.append(row)
                if row.payload_digest:
                    by_digest.setdefault(row.payload_digest, row)
    except Exception as exc:  # noqa: BLE001 - warcio raises many kinds on broken input; all mean "refuse"
        scan.error, scan.captures = _refusal(exc, head, read), []
        return scan
    # warcio stops quietly at a record cut short, so check the file's end ourselves.
    if path.stat().st_size - end > 4 or not _complete(path, head):
        scan.error = ("its last record is incomplete: the file was cut short (an interrupted download or copy?) "
                      "or is damaged; fetch it again")
        scan.captures = []
        return scan
    have = {c.url for c in scan.captures}
    for url, digest, target in revisits:
        original = by_digest.get(digest) or next((c for c in scan.captures if c.url == target), None)
        if original is None:
            scan.warnings.append(f"revisit of {url} refers to a record not in this file; skipped")
        elif url not in have:
            scan.captures.append(CaptureRow(**dict(original.__dict__, url=url, final_url=url,
                                                   note=f"revisit of {original.url}")))
            have.add(url)
    for line in noise.getvalue().splitlines():
        line = " ".join(line.split())
        if line and line not in scan.warnings:
            scan.warnings.append(line)
    scan.captures = _one_per_url(scan.captures)
    if not scan.captures:
        found = ", ".join(f"{n} {k}" for k, n in sorted(scan.skipped.items())) or "no records"
        scan.warnings.append(f"no web page or document in it ({found}); nothing to import")
    return scan


def _row(url: str, status: int | None, ctype: str, headers, body: bytes, offset: int, length: int, rec) -> CaptureRow:
    declared = declared_charset(ctype)
    html = is_html(ctype, body[:512])
    charset = decode_html(body, declared)[1] if html else ""
    cl = next((v for k, v in headers if k.lower() == "content-length"), "")
    try:
        url = normalise(url) if url.startswith(("http://", "https://")) else url
    except ValueError:
        pass
    return CaptureRow(
        url=url, final_url=url, status=status, content_type=ctype, charset=charset, declared_charset=declared,
        length=len(body), declared_length=int(cl) if cl.strip().isdigit() else None,
        truncated=bool(rec.rec_headers.get_header("WARC-Truncated")),
        doc_type="html" if html else document_kind(url, ctype, body[:16]),
        fetched_at=rec.rec_headers.get_header("WARC-Date") or "", source="import", warc_offset=offset,
        warc_length=length, payload_digest=rec.rec_headers.get_header("WARC-Payload-Digest") or "")


def _one_per_url(rows: list[CaptureRow]) -> list[CaptureRow]:
    """One capture per URL: a successful one over an error, a later one over an earlier."""
    best: dict[str, CaptureRow] = {}
    for row in rows:
        old = best.get(row.url)
        ok = bool(row.status) and 200 <= row.status < 300
        old_ok = old is not None and bool(old.status) and 200 <= old.status < 300
        if old is None or ok or not old_ok:
            best[row.url] = row
    return list(best.values())
