"""Real-world faults, each recorded as a finding without stopping the round: DNS failure, refused and dropped
connections, connect and read timeouts, 4xx/5xx with bounded retries and backoff, redirect loops and chains,
TLS certificate errors, documents of every kind, oversized and endless responses; a site that fails entirely
is unreachable with its reason, and the other sites are crawled."""

from __future__ import annotations

import io
import socket
import zipfile

import pytest

from crawler.warc import read_record
from tests.crawlsite import Response, crawl, page, self_signed_cert
from tests.helpers import cli


@pytest.fixture
def refused_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    return port


@pytest.fixture
def unanswered_port():
    """A port whose accept queue is full, so new connections are never completed (a connect timeout)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(0)
    port = srv.getsockname()[1]
    fillers = []
    for _ in range(3):
        c = socket.socket()
        c.setblocking(False)
        try:
            c.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(c)
    yield port
    for c in fillers:
        c.close()
    srv.close()


def test_unreachable_sites_do_not_stop_the_round(tmp_path, serve, refused_port, unanswered_port):
    ok = serve({"/": page("<p>fine</p>")})
    dropped = serve({"/": Response(drop=True), "/robots.txt": Response(drop=True)})
    done = crawl(tmp_path, [
        {"id": "fine", "url": ok.url},
        {"id": "no-dns", "url": "http://no-such-ministry.invalid/"},
        {"id": "refused", "url": f"http://127.0.0.1:{refused_port}/"},
        {"id": "no-answer", "url": f"http://127.0.0.1:{unanswered_port}/", "timeout_connect": 0.3},
        {"id": "dropped", "url": dropped.url},
    ], {"retries": 1})
    status = {sid: (s.status, s.reason.split(":")[0]) for sid, s in done.summaries.items()}
    assert status == {"fine": ("ok", ""), "no-dns": ("unreachable", "dns"), "refused": ("unreachable", "refused"),
                      "no-answer": ("unreachable", "timeout-connect"), "dropped": ("unreachable", "connection-reset")}
    assert len(dropped.hits) == 2  # robots.txt, tried once and retried once; then nothing may be fetched
    outcome = {s["site_id"]: s["crawl_status"] for s in done.db.sites(done.round)}
    assert outcome == {sid: st for sid, (st, _) in status.items()}


def test_read_timeout_is_retried_then_recorded(tmp_path, serve):
    site = serve({"/": page("<a href='/slow'>slow</a>"), "/slow": Response(page("late"), delay=1.0)})
    done = crawl(tmp_path, [{"id": "slow", "url": site.url, "timeout_read": 0.3, "retries": 1}])
    assert site.paths().count("/slow") == 2
    assert done.kinds("slow")["timeout-read"] == [site.url + "slow"]
    assert done.summaries["slow"].status == "partial"


def test_http_errors_bounded_retries_and_backoff(tmp_path, serve):
    flaky = {"n": 0}

    def sometimes(_handler):
        flaky["n"] += 1
        return Response("<p>overloaded</p>", status=503) if flaky["n"] <= 2 else page("<p>at last</p>")

    site = serve({"/": page("<a href='/flaky'>f</a><a href='/broken'>b</a><a href='/gone'>g</a>"),
                  "/flaky": sometimes, "/broken": Response("<p>error</p>", status=500),
                  "/gone": Response("<p>no</p>", status=404)})
    done = crawl(tmp_path, [{"id": "errors", "url": site.url}], {"retries": 2, "retry_backoff": 0.1})
    assert site.paths().count("/flaky") == 3 and site.paths().count("/broken") == 3 and site.paths().count("/gone") == 1
    flaky_hits = [h for h in site.hits if h.path == "/flaky"]
    assert flaky_hits[1].start - flaky_hits[0].end >= 0.1 - 0.02 and flaky_hits[2].start - flaky_hits[1].end >= 0.2 - 0.02
    caps = done.site_captures("errors")
    assert {p: caps[site.url + p]["status"] for p in ("flaky", "broken", "gone")} == \
        {"flaky": 200, "broken": 500, "gone": 404}
    kinds = done.kinds("errors")
    assert kinds["http-500"] == [site.url + "broken"] and kinds["http-404"] == [site.url + "gone"]
    assert site.url + "flaky" in kinds["retried"]
    assert done.summaries["errors"].status == "partial"
    # The failed attempts are kept in the WARC file too: a record of how the server behaved.
    warc = done.db.evidence_dir(done.round) / caps[site.url + "flaky"]["warc_path"]
    from warcio.archiveiterator import ArchiveIterator
    with open(warc, "rb") as fh:
        statuses = [r.http_headers.get_statuscode() for r in ArchiveIterator(fh)
                    if r.rec_type == "response" and r.rec_headers.get_header("WARC-Target-URI").endswith("/flaky")]
    assert statuses == ["503", "503", "200"]


def test_redirect_chains_loops_and_endless_redirects(tmp_path, serve):
    routes = {"/": page("<a href='/r1'>chain</a><a href='/loop1'>loop</a><a href='/n/0'>endless</a>"),
              "/r1": Response(status=301, headers={"Location": "/r2"}), "/r2": Response(status=302, headers={"Location": "/r3"}),
              "/r3": Response(status=307, headers={"Location": "/final"}), "/final": page("<p>arrived</p>"),
              "/loop1": Response(status=302, headers={"Location": "/loop2"}),
              "/loop2": Response(status=302, headers={"Location": "/loop1"})}
    routes.update({f"/n/{i}": Response(status=302, headers={"Location": f"/n/{i + 1}"}) for i in range(30)})
    site = serve(routes)
    done = crawl(tmp_path, [{"id": "redirects", "url": site.url}])
    caps = done.site_captures("redirects")
    chain = caps[site.url + "r1"]
    assert (chain["final_url"], chain["status"]) == (site.url + "final", 200)
    assert site.url + "final" not in caps  # reached through the chain, not fetched again
    assert site.paths().count("/final") == 1
    kinds = done.kinds("redirects")
    assert kinds["redirect-loop"] == [site.url + "loop1"] and kinds["too-many-redirects"] == [site.url + "n/0"]
    assert site.paths().count("/n/11") == 0  # stopped after ten redirects
    # Every hop of the chain is in the WARC file, before the final response.
    from warcio.archiveiterator import ArchiveIterator
    with open(done.db.evidence_dir(done.round) / chain["warc_path"], "rb") as fh:
        hops = [r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(fh) if r.rec_type == "response"]
    assert [h for h in hops if h.rsplit("/", 1)[1] in ("r1", "r2", "r3", "final")] == \
        [site.url + p for p in ("r1", "r2", "r3", "final")]


def test_tls_certificate_errors(tmp_path, serve):
    cert = self_signed_cert(tmp_path)
    site = serve({"/": page("<a href='/a'>a</a>"), "/a": page("<p>a</p>")}, tls=cert)
    strict = crawl(tmp_path, [{"id": "strict", "url": site.url}], db_name="strict.db")
    assert strict.summaries["strict"].status == "unreachable"
    assert strict.summaries["strict"].reason.startswith("tls:") and "CERTIFICATE_VERIFY_FAILED" in strict.summaries["strict"].reason
    assert site.hits == []  # the handshake failed: no request was ever made
    lax = crawl(tmp_path, [{"id": "lax", "url": site.url, "verify_tls": False}], db_name="lax.db")
    assert (lax.summaries["lax"].status, lax.summaries["lax"].pages) == ("ok", 2)
    assert "tls-ignored" in lax.kinds("lax")  # still recorded as a finding about the site


def _docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


DOCS = {  # path: (body, served type, expected kind)
    "/f/form.pdf": (b"%PDF-1.4\n" + b"x" * 10_000, "application/octet-stream", "pdf"),
    "/f/form.doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500, "application/octet-stream", "doc"),
    "/f/budget.xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500, "application/vnd.ms-excel", "xls"),
    "/f/form.docx": (_docx(), "application/octet-stream", "docx"),
    "/f/budget.xlsx": (_docx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "/f/form.rtf": (b"{\\rtf1\\ansi form}", "text/html", "rtf"),  # a wrong type, as old servers send
    "/f/all.zip": (_docx(), "application/zip", "zip"),
    "/download?id=7": (b"%PDF-1.7 no extension", "application/pdf", "pdf"),
}


def test_documents_are_kept_with_kind_and_size_up_to_a_limit(tmp_path, serve):
    links = "".join(f"<a href='{p}'>{p}</a>" for p in DOCS)
    site = serve({"/": page(links), **{p: Response(b, content_type=t) for p, (b, t, _k) in DOCS.items()}})
    done = crawl(tmp_path, [{"id": "docs", "url": site.url, "max_document_bytes": 2048}])
    caps = done.site_captures("docs")
    got = {u.replace(site.url, "/"): (c["doc_type"], c["length"], c["truncated"]) for u, c in caps.items() if u != site.url}
    want = {p: (k, min(len(b), 2048), len(b) > 2048) for p, (b, _t, k) in DOCS.items()}
    assert got == want
    pdf = caps[site.url + "f/form.pdf"]
    assert pdf["declared_length"] == len(DOCS["/f/form.pdf"][0])  # the full size, as announced
    assert done.kinds("docs")["truncated"] == [site.url + "f/form.pdf"]
    assert done.summaries["docs"].documents == len(DOCS)
    rec = read_record(done.db.evidence_dir(done.round) / pdf["warc_path"], pdf["warc_offset"])
    assert rec.body == DOCS["/f/form.pdf"][0][:2048]


def test_endless_response_is_cut_while_streaming(tmp_path, serve):
    def endless():
        yield b"<!doctype html><html><body><p>"
        while True:  # a server that never stops: reading it whole would never end
            yield b"news " * 2000

    site = serve({"/": page("<a href='/feed'>feed</a>"), "/feed": Response(stream=endless)})
    done = crawl(tmp_path, [{"id": "endless", "url": site.url, "max_page_bytes": 50_000}])
    feed = done.site_captures("endless")[site.url + "feed"]
    assert (feed["length"], feed["truncated"], feed["declared_length"]) == (50_000, True, None)
    assert done.kinds("endless")["truncated"] == [site.url + "feed"]
    from warcio.archiveiterator import ArchiveIterator
    with open(done.db.evidence_dir(done.round) / feed["warc_path"], "rb") as fh:
        fh.seek(feed["warc_offset"])
        rec = next(iter(ArchiveIterator(fh)))
        assert rec.rec_headers.get_header("WARC-Truncated") == "length"


def test_limits_stop_a_site(tmp_path, serve):
    links = "".join(f"<a href='/p{i}'>p{i}</a>" for i in range(10))
    site = serve({"/": page(links), **{f"/p{i}": page(f"<p>{'x' * 2000}</p>") for i in range(10)}})
    done = crawl(tmp_path, [{"id": "pages", "url": site.url, "max_pages": 3},
                            {"id": "bytes", "url": site.url, "max_bytes": 5000},
                            {"id": "depth", "url": site.url, "max_depth": 0},
                            {"id": "seconds", "url": site.url, "max_seconds": 0.3, "delay": 0.2}], concurrency=1)
    got = {sid: (s.stopped_by, s.pages) for sid, s in done.summaries.items()}
    assert got["pages"] == ("max_pages", 3) and got["bytes"][0] == "max_bytes" and got["bytes"][1] < 10
    assert got["depth"] == ("", 1) and got["seconds"][0] == "max_seconds" and got["seconds"][1] < 11


def test_the_command_line_shows_a_table_per_site(tmp_path, serve, refused_port):

    from tests.crawlsite import write_sites

    site = serve({"/": page("<a href='/gone'>g</a><a href='/f.pdf'>f</a>"), "/gone": Response("no", status=404),
                  "/f.pdf": Response(b"%PDF-1.4", content_type="application/pdf")})
    sites = write_sites(tmp_path / "sites.yaml", [{"id": "fine", "name": {"en": "Fine"}, "url": site.url},
                                                  {"id": "down", "name": {"en": "Down"}, "url": f"http://127.0.0.1:{refused_port}/"}])
    r = cli("crawl", "--sites", sites, "--db", tmp_path / "s.db", "--round", "r1")
    assert r.returncode == 0, r.stderr
    rows = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:-1]]
            for line in r.stderr.splitlines() if line.startswith("│")}
    assert rows["fine"][:6] == ["partial", "1", "1", "0", "0", "http-404 1"]  # status, pages, documents, rendered, shots
    assert rows["down"][0] == "unreachable" and "refused" in rows["down"][-1]
