"""WARC files: writing each response as evidence, and reading one record back by its offset.

Every response, whether fetched with requests or rendered in the browser, goes into a gzip-compressed WARC
file (one gzip member per record, so any record can be read alone). The index row in the round database holds
the file and the record's offset and length; checks and the reviewer app read records back by that offset,
never from the network. A writer opened on an existing file first cuts it back to the end of the last indexed
record, so a crawl killed mid-write leaves no torn record behind.
"""

from __future__ import annotations

import io
import os
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.config import TOOL_NAME, TOOL_VERSION


@dataclass(frozen=True)
class WarcLocation:
    path: Path
    offset: int
    length: int
    payload_digest: str


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
    """An append-only WARC file for one site, flushed to disk after every record."""

    def __init__(self, path: str | Path, valid_end: int | None = None):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        new = not self.path.exists() or self.path.stat().st_size == 0
        self._fh = open(self.path, "ab" if new else "r+b")
        if not new:
            end = self.path.stat().st_size if valid_end is None else valid_end
            self._fh.truncate(end)
            self._fh.seek(end)
        self._writer = WARCWriter(self._fh, gzip=True)
        if new:
            self._write_warcinfo()

    def _write_warcinfo(self) -> None:
        info = {"software": f"{TOOL_NAME}/{TOOL_VERSION}", "format": "WARC File Format 1.1",
                "description": "egov-survey evidence store"}
        rec = self._writer.create_warcinfo_record(self.path.name, info)
        self._writer.write_record(rec)
        self._sync()

    def _sync(self) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def write_response(self, url: str, status: int, reason: str, headers: list[tuple[str, str]], body: bytes,
                       *, request_headers: list[tuple[str, str]] | None = None, truncated: bool = False,
                       record_type: str = "response", extra: dict[str, str] | None = None) -> WarcLocation:
        """Write the request (if given) and the response; return where the response record is."""
        date = _warc_date()
        if request_headers is not None:
            req = self._writer.create_warc_record(
                url, "request", payload=io.BytesIO(b""),
                http_headers=StatusAndHeaders(f"GET {_path_of(url)} HTTP/1.1", request_headers, is_http_request=True),
                warc_headers_dict={"WARC-Date": date})
            self._writer.write_record(req)
        warc_headers = {"WARC-Date": date, "WARC-Record-ID": f"<urn:uuid:{uuid.uuid4()}>"}
        if truncated:
            warc_headers["WARC-Truncated"] = "length"
        warc_headers.update(extra or {})
        # The stored headers describe the stored body: it is decoded (no transfer/content encoding) and may be cut.
        hdrs = [(k, v) for k, v in headers if k.lower() not in ("transfer-encoding", "content-encoding", "content-length")]
        hdrs.append(("Content-Length", str(len(body))))
        http = StatusAndHeaders(f"{status} {reason or 'OK'}", hdrs, protocol="HTTP/1.1")
        rec = self._writer.create_warc_record(url, record_type, payload=io.BytesIO(body), length=len(body),
                                              http_headers=http, warc_headers_dict=warc_headers)
        offset = self._fh.tell()
        self._writer.write_record(rec)
        self._sync()
        return WarcLocation(self.path, offset, self._fh.tell() - offset,
                            rec.rec_headers.get_header("WARC-Payload-Digest") or "")

    def write_resource(self, url: str, content_type: str, body: bytes, extra: dict[str, str] | None = None) -> WarcLocation:
        """A resource record: a screenshot, a rendered DOM, anything not an HTTP response."""
        warc_headers = {"WARC-Date": _warc_date()}
        warc_headers.update(extra or {})
        rec = self._writer.create_warc_record(url, "resource", payload=io.BytesIO(body), length=len(body),
                                              warc_content_type=content_type, warc_headers_dict=warc_headers)
        offset = self._fh.tell()
        self._writer.write_record(rec)
        self._sync()
        return WarcLocation(self.path, offset, self._fh.tell() - offset,
                            rec.rec_headers.get_header("WARC-Payload-Digest") or "")

    def close(self) -> None:
        if not self._fh.closed:
            self._sync()
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
            elif rec.rec_type == "resource":
                headers = [("Content-Type", rec.rec_headers.get_header("Content-Type") or "")]
                status = 200
            return StoredRecord(url=rec.rec_headers.get_header("WARC-Target-URI") or "", status=status,
                                headers=headers, body=rec.content_stream().read(), warc_type=rec.rec_type,
                                date=rec.rec_headers.get_header("WARC-Date") or "")
    raise ValueError(f"{path}: no record at offset {offset}")


def _warc_date() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _path_of(url: str) -> str:
    from urllib.parse import urlsplit

    p = urlsplit(url)
    return (p.path or "/") + (f"?{p.query}" if p.query else "")
