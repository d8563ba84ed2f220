"""`egov-survey import-warc`: archives written by other tools become a site's evidence for a round; damaged
ones are refused with a clear message and exit code 2, never a traceback, and nothing of them is stored."""

from __future__ import annotations

import gzip
import io
import sqlite3
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from survey.db import Database
from survey.store import load_artifacts
from tests.helpers import cli

PAGE = "<html><head><title>Министерство</title></head><body><p>Бланки заявлений и бюджет на 2010 год</p></body></html>"
SITES = "sites:\n  - {id: old-ministry, name: {en: Old ministry}, url: www.old-ministry.kz}\n"


def warc_by_warcio(path: Path) -> None:
    """A capture as a web archive would hold it, written with warcio directly (not with our writer)."""
    with open(path, "wb") as fh:
        w = WARCWriter(fh, gzip=True)
        w.write_record(w.create_warcinfo_record(path.name, {"software": "Heritrix/3.4 (imitated)"}))

        def response(url: str, body: bytes, ctype: str):
            http = StatusAndHeaders("200 OK", [("Content-Type", ctype), ("Content-Length", str(len(body)))], protocol="HTTP/1.0")
            rec = w.create_warc_record(url, "response", payload=io.BytesIO(body), length=len(body), http_headers=http)
            req = w.create_warc_record(url, "request", payload=io.BytesIO(b""), http_headers=StatusAndHeaders(
                "GET / HTTP/1.0", [("User-Agent", "Mozilla/5.0 (compatible; heritrix/3.4)")], is_http_request=True))
            w.write_record(req)
            w.write_record(rec)
            return rec

        home = response("http://www.old-ministry.kz/", PAGE.encode("cp1251"), "text/html; charset=windows-1251")
        response("http://www.old-ministry.kz/docs/blank.pdf", b"%PDF-1.3 form", "application/pdf")
        revisit = w.create_revisit_record("http://www.old-ministry.kz/index.html",
                                          home.rec_headers.get_header("WARC-Payload-Digest"),
                                          "http://www.old-ministry.kz/", "2010-08-01T00:00:00Z")
        w.write_record(revisit)


def test_import_a_warc_written_by_warcio(tmp_path):
    (tmp_path / "sites.yaml").write_text(SITES, encoding="utf-8")
    archive = tmp_path / "heritrix-2010.warc.gz"
    warc_by_warcio(archive)
    r = cli("import-warc", archive, "--site", "old-ministry", "--round", "archive-2010", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "3 capture(s) imported for old-ministry into round archive-2010" in r.stdout
    db = Database(tmp_path / "survey.db")
    rnd = db.round("archive-2010")
    [site] = db.sites(rnd)
    assert site["crawl_status"] == "imported"
    arts = load_artifacts(db, rnd, site)
    pages = {p.url: p for p in arts.pages}
    assert set(pages) == {"http://www.old-ministry.kz/", "http://www.old-ministry.kz/index.html"}  # the revisit too
    assert "Бланки заявлений" in pages["http://www.old-ministry.kz/"].text and pages["http://www.old-ministry.kz/"].charset == "cp1251"
    [doc] = arts.documents
    assert (doc.url, doc.load_body()) == ("http://www.old-ministry.kz/docs/blank.pdf", b"%PDF-1.3 form")
    # The archive is kept as it was, inside the round's evidence folder; importing it again changes nothing.
    copies = list((db.evidence_dir(rnd) / "import" / "old-ministry").iterdir())
    assert [c.read_bytes() for c in copies] == [archive.read_bytes()]
    again = cli("import-warc", archive, "--site", "old-ministry", "--round", "archive-2010", cwd=tmp_path)
    assert again.returncode == 0 and len(load_artifacts(db, rnd, site).pages) == 2


def test_damaged_archives_are_refused(tmp_path):
    (tmp_path / "sites.yaml").write_text(SITES, encoding="utf-8")
    good = tmp_path / "good.warc.gz"
    warc_by_warcio(good)
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    page = tmp_path / "page.warc"
    page.write_text(PAGE, encoding="utf-8")
    whole_gzip = tmp_path / "one-stream.warc.gz"
    whole_gzip.write_bytes(gzip.compress(gzip.decompress(good.read_bytes())))
    r = cli("import-warc", cut, page, whole_gzip, "--site", "old-ministry", cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    lines = r.stderr.splitlines()
    assert lines[0].startswith(f"error: {cut}: refused: ")
    assert lines[1] == f"error: {page}: refused: not a WARC or ARC file (it reads like an HTML page); check that this is the archive you meant"
    assert lines[2].startswith(f"error: {whole_gzip}: refused: compressed as one gzip stream") and "warcio recompress" in lines[2]
    assert len(lines) == 3
    con = sqlite3.connect(tmp_path / "survey.db")
    assert con.execute("SELECT count(*) FROM captures").fetchone()[0] == 0  # nothing of a refused file is kept
    r = cli("import-warc", good, "--site", "nobody", "--db", "fresh.db", cwd=tmp_path)
    assert r.returncode == 2 and "--site: unknown site id 'nobody'" in r.stderr
    assert not (tmp_path / "fresh.db").exists()  # bad input creates nothing


GOOD = ["example.warc", "example.warc.gz", "example.arc", "example.arc.gz", "example-iana.org-chunked.warc",
        "example-digest.warc", "example-resource.warc.gz", "example-wget-bad-target-uri.warc.gz",
        "example-space-in-target-uri.warc.gz", "example-space-in-url.arc", "example-trunc.warc", "post-test.warc.gz"]
BROKEN = ["bad.arc", "example-bad-non-chunked.warc.gz", "example-wrong-chunks.warc.gz"]


@pytest.mark.shared
def test_warcio_test_archives(shared, tmp_path):
    (tmp_path / "sites.yaml").write_text(SITES, encoding="utf-8")
    folder = shared / "warcs" / "warcio-testdata"
    assert sorted(GOOD + BROKEN) == sorted(p.name for p in folder.iterdir())
    r = cli("import-warc", *[folder / n for n in GOOD + BROKEN], "--site", "old-ministry", cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    imported = {line.split(":")[0] for line in r.stdout.splitlines() if "imported for old-ministry" in line}
    refused = {line.split(": ")[1] for line in r.stderr.splitlines() if ": refused: " in line}
    empty = {"example-digest.warc", "example-space-in-target-uri.warc.gz"}  # requests only; a file:// resource
    assert imported == {str(folder / n) for n in GOOD if n not in empty}
    assert all(f"{folder / n}: no web page or document in it" in r.stderr for n in empty)
    assert refused == {str(folder / n) for n in BROKEN}
    db = Database(tmp_path / "survey.db")
    rnd = db.round()
    arts = load_artifacts(db, rnd, db.sites(rnd)[0])
    urls = {p.url for p in arts.pages} | {d.url for d in arts.documents}
    assert {"http://example.com/", "http://www.iana.org/"} <= urls
    assert all(p.text for p in arts.pages)  # every indexed page reads back from its copied archive
