"""Fixture sites for the tests: route tables served on 127.0.0.1, and a one-call crawl into a round.

Besides answering normally, this server can misbehave the ways real government servers do: answer slowly or
never, drop the connection, stream a body that never ends, speak TLS with a self-signed certificate. Every
request is logged with its start and end time and how many requests were in flight, so politeness is checked
from the server's side.
"""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterable, Union

import pytest
import yaml


@dataclass
class Response:
    body: bytes | str = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/html; charset=utf-8"
    delay: float = 0.0  # seconds before the status line (a read timeout if long)
    stream: Callable[[], Iterable[bytes]] | None = None  # a body of unknown length, sent until it ends or breaks
    drop: bool = False  # close the connection without answering

    def encoded(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


Route = Union[Response, str, Callable[[BaseHTTPRequestHandler], "Response | str"]]


@dataclass
class Hit:
    start: float
    end: float
    path: str
    headers: dict[str, str]
    in_flight: int  # requests being answered when this one arrived (itself included)


class FixtureSite:
    """A route table served on 127.0.0.1 (port 0), optionally over TLS with the given certificate."""

    def __init__(self, routes: dict[str, Route], *, tls: tuple[Path, Path] | None = None,
                 not_found: Route | None = None):
        self.routes = routes
        self.tls = tls
        self.not_found = not_found or Response("<h1>Not found</h1>", status=404)
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        self._in_flight = 0
        self._server: ThreadingHTTPServer | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}/"

    def paths(self) -> list[str]:
        return [h.path for h in self.hits]

    def start(self) -> "FixtureSite":
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                with site._lock:
                    site._in_flight += 1
                    hit = Hit(time.monotonic(), 0.0, self.path, dict(self.headers.items()), site._in_flight)
                    site.hits.append(hit)
                try:
                    self._answer()
                finally:
                    with site._lock:
                        site._in_flight -= 1
                        hit.end = time.monotonic()

            def _answer(self):
                route = site.routes.get(self.path, site.routes.get(self.path.split("?")[0], site.not_found))
                resp = route(self) if callable(route) else route
                if isinstance(resp, str):
                    resp = Response(resp)
                if resp.delay:
                    time.sleep(resp.delay)
                if resp.drop:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.send_response(resp.status)
                self.send_header("Content-Type", resp.content_type)
                for k, v in resp.headers.items():
                    self.send_header(k, v)
                if resp.stream is not None:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                    self.end_headers()
                    try:
                        for chunk in resp.stream():
                            self.wfile.write(chunk)
                    except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                        pass
                    return
                body = resp.encoded()
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the crawler stopped reading (a size limit): that is its right

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        if self.tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(str(self.tls[0]), str(self.tls[1]))
            self._server.socket = ctx.wrap_socket(self._server.socket, server_side=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (made with the openssl command)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def page(body: str, title: str = "Page", lang: str = "ru") -> str:
    return f"<!doctype html><html lang='{lang}'><head><title>{title}</title></head><body>{body}</body></html>"


@dataclass
class Crawled:
    """A finished crawl: the summaries, the index and the findings, per site."""

    db: object  # survey.db.Database
    round: object
    summaries: dict[str, object]
    captures: list[dict]
    findings: list[dict]

    def site_captures(self, site_id: str, source: str = "crawl") -> dict[str, dict]:
        return {c["url"]: c for c in self.captures if c["site_id"] == site_id and c["source"] == source}

    def kinds(self, site_id: str) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for f in self.findings:
            if f["site_id"] == site_id:
                out.setdefault(f["kind"], []).append(f["url"])
        return out


def write_sites(path: Path, sites: list[dict], defaults: dict | None = None) -> Path:
    doc = {"defaults": {"delay": 0, "allow_private": True, "render": "never", "sitemaps": False,
                        "retry_backoff": 0.05, **(defaults or {})},
           "sites": [{"name": {"en": s["id"]}, **s} for s in sites]}
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def crawl(tmp_path: Path, sites: list[dict], defaults: dict | None = None, *, cli: dict | None = None,
          concurrency: int = 4, db_name: str = "survey.db") -> Crawled:
    """Crawl fixture sites into a fresh round of a fresh database."""
    # Imported here, not at the top: conftest imports this module for its fixture, and must stay light.
    from sqlalchemy import select

    from crawler.config import load_sites
    from rubric import load_rubric
    from survey import schema
    from survey.db import Database
    from survey.pipeline import crawl_round

    cfg = load_sites(write_sites(tmp_path / "sites.yaml", sites, defaults))
    db = Database(tmp_path / db_name, create=True)
    rnd = db.round("r1") if db.has_round("r1") else db.create_round("r1", rubric=load_rubric(), sites_cfg=cfg)
    summaries = {s.site_id: s for s in crawl_round(db, rnd, cfg, cli=cli, concurrency=concurrency)}
    with db.engine.connect() as conn:
        caps = [dict(r) for r in conn.execute(select(schema.captures).where(schema.captures.c.round_id == rnd.id)
                                              .order_by(schema.captures.c.id)).mappings()]
        finds = [dict(r) for r in conn.execute(select(schema.findings).where(schema.findings.c.round_id == rnd.id)
                                               .order_by(schema.findings.c.id)).mappings()]
    return Crawled(db, rnd, summaries, caps, finds)


@pytest.fixture
def serve():
    """Start fixture sites from route tables; all are stopped after the test."""
    started: list[FixtureSite] = []

    def start(routes: dict[str, Route], **kwargs) -> FixtureSite:
        site = FixtureSite(routes, **kwargs).start()
        started.append(site)
        return site

    yield start
    for s in started:
        s.stop()


def gaps(hits: list[Hit]) -> list[float]:
    """Seconds between the end of each request and the start of the next (in arrival order)."""
    hits = sorted(hits, key=lambda h: h.start)
    return [b.start - a.end for a, b in zip(hits, hits[1:])]
