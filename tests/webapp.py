"""Helpers for the reviewer-app tests: a round built by code (sites, stored pages, findings, accounts) and the
app served by a real uvicorn on 127.0.0.1, started in a thread and waited for until it answers.

The stored pages are hostile on purpose: a script that would mark the page and call home, an image and a
stylesheet on a live local server (which must never be asked), evidence with a `javascript:` address and a
snippet holding markup.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import requests
import uvicorn
from sqlalchemy import insert

from crawler.warc import WarcFile
from rubric import load_rubric
from survey import schema
from survey.db import Database, now
from survey.grading import assign
from survey.users import add_user
from survey.web.app import create_app

PASSWORD = "correct horse battery"
SITES = {"ministry-one": "Ministry One", "ministry-two": "Ministry Two", "ministry-three": "Ministry Three"}
HOSTILE = """<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="{beacon}style.css"></head>
<body><h1 id="heading">{title}</h1><p>Министерство: бюджет и закупки.</p>
<img src="{beacon}pixel.png" alt="pixel">
<script>document.body.setAttribute("data-scripted", "yes"); fetch("/logout", {{method: "POST"}});</script>
<form action="{beacon}steal" method="post"><input name="q"><button id="send">send</button></form>
</body></html>"""


def png(width: int = 2, height: int = 2) -> bytes:
    """A small valid grey PNG."""
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@dataclass
class Built:
    db: Database
    rubric: object
    round: object
    captures: dict[str, int]  # site id -> id of its stored home page
    screenshot: int
    pdf: int  # a stored document of ministry-one


def build_round(db_path: Path, beacon: str = "http://127.0.0.1:9/") -> Built:
    """A round with three sites, hostile stored pages, suggestions and evidence, a lead and three reviewers.

    alice and bob both grade ministry-one and ministry-two (double grading); bob alone grades ministry-three;
    carol has no sites.
    """
    db = Database(db_path, create=True)
    rubric = load_rubric()
    rnd = db.create_round("r1", rubric=rubric)
    for sid, name in SITES.items():
        db.add_site_row(rnd, sid, {"en": name}, f"https://{sid}.example.kz/")
    evidence_dir = db.evidence_dir(rnd)
    with db.engine.begin() as conn:
        for sid, name in SITES.items():
            rel = f"warc/{sid}.warc.gz"
            body = HOSTILE.format(title=name, beacon=beacon).encode("utf-8")
            with WarcFile(evidence_dir / rel) as warc:
                loc = warc.write_response(f"https://{sid}.example.kz/", 200, "OK",
                                          [("Content-Type", "text/html; charset=utf-8")], body)
            conn.execute(insert(schema.captures).values(
                round_id=rnd.id, site_id=sid, url=f"https://{sid}.example.kz/", final_url=f"https://{sid}.example.kz/",
                status=200, content_type="text/html; charset=utf-8", charset="utf-8", length=len(body),
                fetched_at=now(), warc_path=rel, warc_offset=loc.offset, warc_length=loc.length))
        # A document whose address tries to name a file: its download name must come from the capture alone.
        pdf = b"%PDF-1.4 stored budget"
        with WarcFile(evidence_dir / "warc/ministry-one-documents.warc.gz") as warc:
            loc = warc.write_response('https://ministry-one.example.kz/../../etc/passwd";.pdf', 200, "OK",
                                      [("Content-Type", "application/pdf")], pdf)
        conn.execute(insert(schema.captures).values(
            round_id=rnd.id, site_id="ministry-one", url='https://ministry-one.example.kz/../../etc/passwd";.pdf',
            final_url='https://ministry-one.example.kz/../../etc/passwd";.pdf', status=200, depth=1,
            content_type="application/pdf", length=len(pdf), fetched_at=now(), warc_path="warc/ministry-one-documents.warc.gz",
            warc_offset=loc.offset, warc_length=loc.length))
        shot = evidence_dir / "screenshots" / "ministry-one.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        shot.write_bytes(png())
        conn.execute(insert(schema.screenshots).values(
            round_id=rnd.id, site_id="ministry-one", url="https://ministry-one.example.kz/", lang_version="kk",
            path="screenshots/ministry-one.png", width=2, height=2, taken_at=now()))
    with db.engine.begin() as conn:
        cap_ids = {r.site_id: r.id for r in conn.execute(schema.captures.select()) if r.content_type.startswith("text/html")}
        pdf_id = conn.execute(schema.captures.select().where(schema.captures.c.content_type == "application/pdf")).first().id
        shot_id = conn.execute(schema.screenshots.select()).first().id
        for sid in SITES:
            for c in rubric.judged:
                conn.execute(insert(schema.suggestions).values(round_id=rnd.id, site_id=sid, criterion=c.id, level=3,
                                                               reasons_json='["found a budget page"]'))
            conn.execute(insert(schema.evidence).values(
                round_id=rnd.id, site_id=sid, check_id="transparency-docs", criterion="transparency",
                url=f"https://{sid}.example.kz/", label="budget page", snippet="<b>Бюджет</b><script>x()</script>"))
            conn.execute(insert(schema.evidence).values(
                round_id=rnd.id, site_id=sid, check_id="transparency-docs", criterion="transparency",
                url="javascript:alert(1)", label="hostile link", snippet=""))
    add_user(db, "lena", "lead", PASSWORD, "Lena Lead")
    for name in ("alice", "bob", "carol"):
        add_user(db, name, "reviewer", PASSWORD)
    assign(db, rnd, [(s, r) for s in ("ministry-one", "ministry-two") for r in ("alice", "bob")]
           + [("ministry-three", "bob")])
    return Built(db, rubric, rnd, cap_ids, shot_id, pdf_id)


class Server:
    """The reviewer app under a real uvicorn on 127.0.0.1, on a port the system picks."""

    def __init__(self, app):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def start(self) -> "Server":
        self.thread.start()
        wait_until_responds(self.url + "/login")
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


def wait_until_responds(url: str, timeout: float = 20.0) -> None:
    """Poll until the URL answers with any HTTP response; raise if it never does."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=2, allow_redirects=False)
            return
        except requests.ConnectionError as exc:
            last = exc
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not respond within {timeout} s: {last}")


def serve(built: Built) -> Server:
    return Server(create_app(built.db, built.rubric)).start()


def login(base: str, name: str, password: str = PASSWORD) -> requests.Session:
    """A requests session logged in through the login form (fetching its CSRF token first)."""
    s = requests.Session()
    token = csrf_of(s.get(base + "/login").text)
    r = s.post(base + "/login", data={"name": name, "password": password, "csrf_token": token, "next": "/"},
               allow_redirects=False)
    assert r.status_code == 303, (r.status_code, r.text[:300])
    return s


def csrf_of(html: str) -> str:
    """The CSRF token of the first form in a page."""
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start:html.index('"', start)]
