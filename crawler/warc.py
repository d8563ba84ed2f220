"""WARC files: writing each response as evidence, and reading one record back by its offset.

Every response, whether fetched with requests or rendered in the browser, goes into a gzip-compressed WARC
file (one gzip member per record, so any record can be read alone). The index row in the round database holds
the file and the record's offset and length; checks and the reviewer app read records back by that offset,
never from the network. Records are made durable in batches: the crawler calls `sync()` (flush + fsync) and only
then commits the batch's index rows, so the index never points at bytes a power cut could take. A writer opened
on an existing file first cuts it back to the end of the last indexed record, so a crawl killed mid-write
leaves no torn or unindexed record behind.
"""

from __future__ import annotations

import io
import os
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.config import TOOL_NAME, TOOL_VERSION

# zlib's default: warcio's own level 9 costs four times the CPU for files about 4% smaller.
GZIP_LEVEL = 6


@dataclass(frozen=True)
class WarcLocation:
    path: Path
    offset: int
    length: int
    payload_digest: str
    record_id: str = ""


@dataclass
class StoredRecord:
    """One response read back from a WARC file."""

    url: str
    status: int | None
    headers: list[tuple[str, str]]
    body: bytes
    warc_type: str
    date: str


class WarcFile:
    """An append-only WARC file; `sync()` makes what was written durable."""

    def __init__(self, path: str | Path, valid_end: int | None = None):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        exists = self.path.exists() and self.path.stat().st_size > 0
        # Nothing indexed in an existing file: whatever it holds was never committed, so start it afresh.
        end = valid_end if exists and valid_end else 0
        self._fh = open(self.path, "r+b" if exists else "wb")
        self._fh.truncate(end)
        self._fh.seek(end)
        # Records are built by warcio uncompressed, then each is gzipped as a member of its own (level 6).
        self._writer = WARCWriter(io.BytesIO(), gzip=False)
        if end == 0:
            self._write_warcinfo()

    def _write_warcinfo(self) -> None:
        info = {"software": f"{TOOL_NAME}/{TOOL_VERSION}", "format": "WARC File Format 1.1",
                "description": "egov-survey evidence store"}
        self._put(self._writer.create_warcinfo_record(self.path.name, info))

    @property
    def size(self) -> int:
        return self._fh.tell()

    def flush(self) -> None:
        """Hand what was written to the OS, so that a reader of the file sees it (not durable: see `sync`)."""
        self._fh.flush()

    def sync(self) -> None:
        """Flush and fsync: everything written so far survives a crash or a power cut."""
        self.flush()
        os.fsync(self._fh.fileno())

    def _put(self, rec) -> None:
        """Append one record as a gzip member of its own, so that it can be read alone from its offset."""
        self._writer.out = buf = io.BytesIO()
        self._writer.write_record(rec)
        member = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        self._fh.write(member.compress(buf.getvalue()) + member.flush())

    def _write(self, rec) -> WarcLocation:
        offset = self._fh.tell()
        self._put(rec)
        return WarcLocation(self.path, offset, self._fh.tell() - offset,
                            rec.rec_headers.get_header("WARC-Payload-Digest") or "",
                            rec.rec_headers.get_header("WARC-Record-ID") or "")

    def write_response(self, url: str, status: int, reason: str, headers: list[tuple[str, str]], body: bytes,
                       *, request_headers: list[tuple[str, str]] | None = None, truncated: bool = False,
                       extra: dict[str, str] | None = None) -> WarcLocation:
        """Write the request (if given) and the response; return where the response record is."""
        date = _warc_date()
        if request_headers is not None:
            req = self._writer.create_warc_record(
                url, "request", payload=io.BytesIO(b""),
                http_headers=StatusAndHeaders(f"GET {_path_of(url)} HTTP/1.1", request_headers, is_http_request=True),
                warc_headers_dict={"WARC-Date": date})
            self._put(req)
        warc_headers = {"WARC-Date": date}
        if truncated:
            warc_headers["WARC-Truncated"] = "length"
        warc_headers.update(extra or {})
        # The stored headers describe the stored body: it is decoded (no transfer/content encoding) and may be cut.
        hdrs = [(k, v) for k, v in headers if k.lower() not in ("transfer-encoding", "content-encoding", "content-length")]
        hdrs.append(("Content-Length", str(len(body))))
        http = StatusAndHeaders(f"{status} {reason or 'OK'}", hdrs, protocol="HTTP/1.1")
        return self._write(self._writer.create_warc_record(url, "response", payload=io.BytesIO(body), length=len(body),
                                                           http_headers=http, warc_headers_dict=warc_headers))

    def write_resource(self, url: str, content_type: str, body: bytes, *, record_type: str = "resource",
                       extra: dict[str, str] | None = None) -> WarcLocation:
        """A record that is not an HTTP response: a screenshot (resource), a rendered DOM (conversion)."""
        warc_headers = {"WARC-Date": _warc_date()}
        warc_headers.update(extra or {})
        return self._write(self._writer.create_warc_record(url, record_type, payload=io.BytesIO(body), length=len(body),
                                                           warc_content_type=content_type,
                                                           warc_headers_dict=warc_headers))

    def close(self) -> None:
        if not self._fh.closed:
            self.sync()
            self._fh.close()

    def __enter__(self) -> "WarcFile":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_record(path: str | Path, offset: int) -> StoredRecord:
    """Read the record starting at `offset` of a WARC (or ARC) file."""
    with open(path, "rb") as fh:
        fh.seek(offset)
        for rec in ArchiveIterator(fh, arc2warc=True):
            status = None
            headers: list[tuple[str, str]] = []
            if rec.http_headers is not None and rec.rec_type in ("response", "revisit"):
                code = rec.http_headers.get_statuscode()
                status = int(code) if code and code.isdigit() else None
                headers = list(rec.http_headers.headers)
            elif rec.rec_type in ("resource", "conversion"):
                headers = [("Content-Type", rec.rec_headers.get_header("Content-Type") or "")]
                status = 200
            return StoredRecord(url=rec.rec_headers.get_header("WARC-Target-URI") or "", status=status,
                                headers=headers, body=rec.content_stream().read(), warc_type=rec.rec_type,
                                date=rec.rec_headers.get_header("WARC-Date") or "")
    raise ValueError(f"{path}: no record at offset {offset}")


def _warc_date() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _path_of(url: str) -> str:
    p = urlsplit(url)
    return (p.path or "/") + (f"?{p.query}" if p.query else "")
