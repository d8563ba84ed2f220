"""Resume: a crawl of the demo sites killed with SIGKILL midway (or stopped with Ctrl-C) and run again ends with
the same index as an uninterrupted crawl, fetches less than a fresh one, and leaves every WARC file readable to
its end."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from warcio.archiveiterator import ArchiveIterator

from crawler.crawl import SiteWarc
from crawler.warc import WarcFile, read_record
from survey.demo.run import write_sites_yaml
from survey.demo.server import load_specs, serve, stop
from tests.helpers import cli_popen

INDEX = ("site_id", "url", "source", "final_url", "status", "content_type", "charset", "declared_charset", "length",
         "truncated", "doc_type", "depth", "lang_version", "referrer", "link_text", "priority", "topic", "payload_digest")


def cli(*args) -> subprocess.Popen:
    return cli_popen(*args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def index(db: Path) -> set[tuple]:
    con = sqlite3.connect(db)
    try:
        return set(con.execute(f"SELECT {', '.join(INDEX)} FROM captures"))
    finally:
        con.close()


def count(db: Path) -> int:
    try:
        con = sqlite3.connect(db, timeout=1)
        try:
            return con.execute("SELECT count(*) FROM captures").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def fetched(db: Path) -> int:
    import json

    con = sqlite3.connect(db)
    try:
        return sum(json.loads(s).get("fetched", 0) for (s,) in con.execute("SELECT crawl_summary_json FROM sites"))
    finally:
        con.close()


@pytest.fixture(scope="module")
def demo_sites(tmp_path_factory):
    running = serve(load_specs())
    folder = tmp_path_factory.mktemp("resume")
    path = write_sites_yaml(running, folder / "sites.yaml")
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["defaults"].update(delay=0.03, screenshots=False)  # screenshots are tested elsewhere; rendering stays on
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    yield path
    stop(running)


def crawl_to_end(sites: Path, db: Path) -> None:
    p = cli("crawl", "--sites", sites, "--db", db, "--round", "demo", "--concurrency", 6)
    _, err = p.communicate(timeout=600)
    assert p.returncode == 0, err.decode()


@pytest.fixture(scope="module")
def uninterrupted(demo_sites, tmp_path_factory):
    whole = tmp_path_factory.mktemp("whole") / "whole.db"
    crawl_to_end(demo_sites, whole)
    want = index(whole)
    assert len(want) > 100 and any(row[2] == "render" for row in want)
    return whole, want


def interrupt(sites: Path, db: Path, sig: int, at: int) -> int:
    """Start a crawl, send it a signal once `at` responses are indexed; its exit code."""
    p = cli("crawl", "--sites", sites, "--db", db, "--round", "demo", "--concurrency", 6)
    deadline = time.monotonic() + 300
    while count(db) < at and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert p.poll() is None, "the crawl ended before it could be interrupted"
    os.kill(p.pid, sig)
    p.wait(timeout=120)
    return p.returncode


@pytest.mark.browser
def test_killed_crawl_resumes_to_the_same_index(demo_sites, uninterrupted, tmp_path):
    whole, want = uninterrupted
    broken = tmp_path / "killed.db"
    interrupt(demo_sites, broken, signal.SIGKILL, len(want) // 3)  # no clean-up of any kind, as after a power cut
    assert 0 < count(broken) < len(want)

    crawl_to_end(demo_sites, broken)
    assert index(broken) == want
    assert fetched(broken) < fetched(whole)  # the second run did not start over

    evidence = Path(str(broken.with_suffix("")) + "-evidence")
    for warc in evidence.rglob("*.warc.gz"):
        with open(warc, "rb") as fh:
            records = list(ArchiveIterator(fh))  # readable to the end: no torn record anywhere
        assert records and records[0].rec_type == "warcinfo"
    con = sqlite3.connect(broken)
    for rid, path, offset, length in con.execute("SELECT round_id, warc_path, warc_offset, length FROM captures"):
        assert len(read_record(evidence / f"round-{rid}" / path, offset).body) == length


@pytest.mark.browser
def test_ctrl_c_stops_at_once_and_resumes_to_the_same_index(demo_sites, uninterrupted, tmp_path):
    _, want = uninterrupted
    stopped = tmp_path / "stopped.db"
    # Stopped while the script-only site is being rendered: a half-rendered page must not be kept.
    assert interrupt(demo_sites, stopped, signal.SIGINT, len(want) // 2) == 130
    con = sqlite3.connect(stopped)
    assert {s for (s,) in con.execute("SELECT crawl_status FROM sites")} <= {"ok", "pending"}  # none marked failed
    con.close()
    crawl_to_end(demo_sites, stopped)
    assert index(stopped) == want


def test_a_torn_tail_is_cut_back_to_the_last_indexed_record(tmp_path):
    path = tmp_path / "site.warc.gz"
    with WarcFile(path) as w:
        first = w.write_response("http://x.kz/", 200, "OK", [("Content-Type", "text/html")], b"<p>one</p>")
        w.write_response("http://x.kz/two", 200, "OK", [("Content-Type", "text/html")], b"<p>two</p>")
    with open(path, "ab") as fh:
        fh.write(b"\x1f\x8b\x08\x00torn")  # a record cut off by a crash
    end = first.offset + first.length  # the index knew only the first record
    with WarcFile(path, valid_end=end) as w:
        w.write_response("http://x.kz/three", 200, "OK", [("Content-Type", "text/html")], b"<p>three</p>")
    with open(path, "rb") as fh:
        urls = [r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(fh) if r.rec_type == "response"]
    assert urls == ["http://x.kz/", "http://x.kz/three"]
    assert read_record(path, first.offset).body == b"<p>one</p>"
    with WarcFile(path, valid_end=None) as w:  # nothing indexed at all: the file starts afresh
        pass
    with open(path, "rb") as fh:
        assert [r.rec_type for r in ArchiveIterator(fh)] == ["warcinfo"]


@pytest.mark.parametrize("site_id,last,resumed", [
    ("mfa", None, "warc/mfa.warc.gz"),
    ("mfa", "warc/mfa.warc.gz", "warc/mfa.warc.gz"),
    ("mfa", "warc/mfa.00002.warc.gz", "warc/mfa.00002.warc.gz"),
    ("mfa", "warc/mfa-00002.warc.gz", "warc/mfa-00002.warc.gz"),  # as an earlier version named successors
    ("office-12345", "warc/office-12345.warc.gz", "warc/office-12345.warc.gz"),  # digits of the id, not a successor
    ("office-12345", "warc/office-12345.00001.warc.gz", "warc/office-12345.00001.warc.gz"),
])
def test_a_resumed_crawl_writes_on_in_the_file_it_stopped_in(site_id, last, resumed):
    warc = SiteWarc(None, site_id, 1_000_000, last)
    assert warc.rel == resumed
    warc.roll()  # its successor is numbered after a dot, whichever spelling the file before it had
    assert warc.rel == f"warc/{site_id}.{(warc.number):05d}.warc.gz" and warc.number >= 1


def test_a_sites_numbered_successor_never_takes_another_sites_file(tmp_path, serve):
    import base64
    import random

    from tests.crawlsite import crawl, page

    rng = random.Random(7)
    filler = lambda: base64.b64encode(rng.randbytes(300_000)).decode()  # noqa: E731  (gzip cannot shrink it)
    big = serve({"/": page("".join(f"<a href='/p{i}'>p{i}</a>" for i in range(8))),
                 **{f"/p{i}": page(f"<p>{filler()}</p>") for i in range(8)}})
    small = serve({"/": page("<a href='/a'>a</a>"), "/a": page("<p>a</p>")})
    # "office" rolls over past 1 MB; its successor must not be the file of the site "office-00001".
    done = crawl(tmp_path, [{"id": "office", "url": big.url}, {"id": "office-00001", "url": small.url}],
                 {"warc_max_bytes": 1_000_000, "max_pages": 20})
    files = {c["site_id"]: set() for c in done.captures}
    for c in done.captures:
        files[c["site_id"]].add(c["warc_path"])
        record = read_record(done.db.evidence_dir(done.round) / c["warc_path"], c["warc_offset"])
        assert record.url == c["url"], c
    assert len(files["office"]) >= 2 and files["office"].isdisjoint(files["office-00001"])
    assert files["office-00001"] == {"warc/office-00001.warc.gz"}
    assert "warc/office.00001.warc.gz" in files["office"]
