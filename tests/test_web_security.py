"""The reviewer app's protections, checked with plain HTTP against a real uvicorn: login required, CSRF on every
form, sessions that end on the server, per-site access, blind mode, login rate limits, inert archived pages."""

from __future__ import annotations

import hashlib
import re

import pytest
import requests
from sqlalchemy import func, select

from survey import schema
from survey.grading import set_blind
from survey.web.app import routes
from tests.helpers import cli, cli_popen
from tests.webapp import PASSWORD, build_round, csrf_of, login, serve


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    built = build_round(tmp_path_factory.mktemp("web") / "survey.db")
    server = serve(built)
    yield built, server.url
    server.stop()


def _grades(built) -> list[tuple]:
    with built.db.engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(select(schema.grades.c.site_id, schema.grades.c.criterion,
                                                            schema.grades.c.reviewer, schema.grades.c.level)))


def test_pages_need_a_login(app):
    built, base = app
    rid = built.round.id
    for path in ("/", f"/rounds/{rid}", f"/rounds/{rid}/sites/ministry-one",
                 f"/rounds/{rid}/captures/{built.captures['ministry-one']}", f"/rounds/{rid}/screenshots/{built.screenshot}"):
        r = requests.get(base + path, allow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/"), path
        assert "Ministry" not in r.text


def test_every_form_post_is_refused_without_its_csrf_token(app):
    built, base = app
    rid = built.round.id
    lead = login(base, "lena")
    other = login(base, "alice")
    foreign_token = csrf_of(other.get(base + "/").text)
    posts = [r for r in routes() if "POST" in (getattr(r, "methods", None) or ())]
    assert {r.path for r in posts} == {"/login", "/logout", "/users", "/users/{name}/active", "/rounds",
                                       "/rounds/{rid:int}/settings", "/rounds/{rid:int}/sites/{site_id}/grade",
                                       "/rounds/{rid:int}/adjudicate", "/rounds/{rid:int}/assignments"}
    before = _grades(built)
    for route in posts:
        assert getattr(route.endpoint, "csrf_protected", False), route.path
        path = (route.path.replace("{rid:int}", str(rid)).replace("{site_id}", "ministry-one")
                .replace("{name}", "bob"))
        form = {"criterion": "forms", "grade": "5", "name": "mallory", "role": "lead", "password": "x" * 12,
                "site_id": "ministry-one", "level": "5", "reason": "forged", "active": "off", "audit_date": "2026-01-01"}
        for token in (None, "", "not-the-token", foreign_token):
            data = dict(form, **({"csrf_token": token} if token is not None else {}))
            r = lead.post(base + path, data=data, allow_redirects=False)
            assert r.status_code == 403 and "CSRF" in r.text, (path, token)
    assert _grades(built) == before
    assert lead.get(base + "/", allow_redirects=False).status_code == 200  # the forged logout did not log out


def test_the_same_post_with_its_token_goes_through(app):
    # The negative control for the test above: it is the token, not the form, that was refused.
    built, base = app
    s = login(base, "alice")
    page = s.get(f"{base}/rounds/{built.round.id}/sites/ministry-two")
    r = s.post(f"{base}/rounds/{built.round.id}/sites/ministry-two/grade", allow_redirects=False,
               data={"csrf_token": csrf_of(page.text), "criterion": "languages", "grade": "2", "note": "", "evidence_urls": ""})
    assert r.status_code == 303
    assert ("ministry-two", "languages", "alice", 2.0) in _grades(built)


def test_session_cookie_is_httponly_samesite_and_only_hashed_on_the_server(app):
    built, base = app
    s = requests.Session()
    first = s.get(base + "/login")
    token = csrf_of(first.text)
    r = s.post(base + "/login", data={"name": "alice", "password": PASSWORD, "csrf_token": token, "next": "/"},
               allow_redirects=False)
    cookie = r.headers["set-cookie"]
    assert re.search(r"(?i)\bhttponly\b", cookie) and re.search(r"(?i)samesite=lax", cookie) and "Path=/" in cookie
    value = s.cookies["egov_session"]
    assert value != first.cookies.get("egov_session")  # a new session at login
    with built.db.engine.connect() as conn:
        hashes = set(conn.execute(select(schema.web_sessions.c.token_hash)).scalars())
    assert value not in hashes and hashlib.sha256(value.encode()).hexdigest() in hashes


def test_logout_ends_the_session_on_the_server(app):
    built, base = app
    s = login(base, "alice")
    stolen = s.cookies["egov_session"]
    r = s.post(base + "/logout", data={"csrf_token": csrf_of(s.get(base + "/").text)}, allow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    replay = requests.get(base + "/", cookies={"egov_session": stolen}, allow_redirects=False)
    assert replay.status_code == 303 and replay.headers["location"].startswith("/login")


def test_a_reviewer_reaches_only_their_own_sites(app):
    built, base = app
    rid = built.round.id
    alice = login(base, "alice")
    assert alice.get(f"{base}/rounds/{rid}/sites/ministry-one").status_code == 200
    assert alice.get(f"{base}/rounds/{rid}/sites/ministry-three").status_code == 403  # bob's alone
    assert alice.get(f"{base}/rounds/{rid}/captures/{built.captures['ministry-three']}").status_code == 403
    assert alice.get(f"{base}/rounds/{rid}/captures/{built.captures['ministry-three']}/source").status_code == 403
    assert alice.get(f"{base}/rounds/{rid}/sites/ministry-three/history").status_code == 403
    token = csrf_of(alice.get(f"{base}/rounds/{rid}/sites/ministry-one").text)
    before = _grades(built)
    r = alice.post(f"{base}/rounds/{rid}/sites/ministry-three/grade", allow_redirects=False,
                   data={"csrf_token": token, "criterion": "forms", "grade": "1"})
    assert r.status_code == 403
    for path in (f"/rounds/{rid}/queue", f"/rounds/{rid}/assignments", f"/rounds/{rid}/agreement", "/users", "/rounds/new"):
        assert alice.get(base + path).status_code == 403, path
    r = alice.post(f"{base}/rounds/{rid}/adjudicate", allow_redirects=False,
                   data={"csrf_token": token, "site_id": "ministry-one", "criterion": "forms", "level": "5", "reason": "x"})
    assert r.status_code == 403
    assert _grades(built) == before
    with built.db.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.adjudications)).scalar() == 0
    carol = login(base, "carol")  # no sites at all
    assert carol.get(f"{base}/rounds/{rid}/screenshots/{built.screenshot}").status_code == 403
    assert "ministry-one" not in carol.get(f"{base}/rounds/{rid}").text


def test_addresses_that_name_nothing_get_a_404_page(app):
    built, base = app
    rid, gone = built.round.id, built.round.id + 100
    lena = login(base, "lena")
    pages = [f"/rounds/{gone}", f"/rounds/{gone}/queue", f"/rounds/{gone}/assignments", f"/rounds/{gone}/agreement",
             f"/rounds/{gone}/sites/ministry-one", f"/rounds/{gone}/sites/ministry-one/history"]
    for path in pages:
        r = lena.get(base + path)
        assert r.status_code == 404 and "No such round." in r.text, path
    token = csrf_of(lena.get(f"{base}/rounds/{rid}").text)
    for path in (f"/rounds/{gone}/settings", f"/rounds/{gone}/assignments", f"/rounds/{gone}/adjudicate",
                 f"/rounds/{gone}/sites/ministry-one/grade"):
        r = lena.post(base + path, data={"csrf_token": token}, allow_redirects=False)
        assert r.status_code == 404 and "No such round." in r.text, path
    r = lena.get(f"{base}/rounds/{rid}/sites/ministry-nine")
    assert r.status_code == 404 and "No such site in this round." in r.text
    r = lena.get(f"{base}/rounds/{gone}/captures/{built.captures['ministry-one']}")
    assert r.status_code == 404 and "No such capture." in r.text


def test_blind_mode_hides_other_reviewers_grades(app):
    built, base = app
    rid = built.round.id
    bob = login(base, "bob")
    page = bob.get(f"{base}/rounds/{rid}/sites/ministry-one")
    r = bob.post(f"{base}/rounds/{rid}/sites/ministry-one/grade", allow_redirects=False,
                 data={"csrf_token": csrf_of(page.text), "criterion": "forms", "grade": "4", "note": "bob-private-note",
                       "evidence_urls": "https://ministry-one.example.kz/bob-evidence"})
    assert r.status_code == 303
    alice = login(base, "alice")
    for path in (f"/rounds/{rid}/sites/ministry-one", f"/rounds/{rid}/sites/ministry-one/history", f"/rounds/{rid}", "/"):
        text = alice.get(base + path).text
        assert "bob-private-note" not in text and "bob-evidence" not in text, path
    assert "bob-private-note" in login(base, "lena").get(f"{base}/rounds/{rid}/sites/ministry-one").text
    set_blind(built.db, built.round, False, "lena")
    try:
        assert "bob-private-note" in alice.get(f"{base}/rounds/{rid}/sites/ministry-one").text
    finally:
        set_blind(built.db, built.round, True, "lena")
    assert "bob-private-note" not in alice.get(f"{base}/rounds/{rid}/sites/ministry-one").text


def test_logins_are_rate_limited_per_name(app):
    built, base = app
    s = requests.Session()
    token = csrf_of(s.get(base + "/login").text)
    codes = [s.post(base + "/login", data={"name": "carol", "password": f"wrong {i}", "csrf_token": token}).status_code
             for i in range(5)]
    assert codes == [401] * 5
    r = s.post(base + "/login", data={"name": "carol", "password": PASSWORD, "csrf_token": token}, allow_redirects=False)
    assert r.status_code == 429 and "Too many failed attempts" in r.text  # even the right password waits
    assert r.cookies.get("egov_session") is None  # no session for it
    login(base, "alice")  # another name is not locked
    unknown = s.post(base + "/login", data={"name": "nobody", "password": "x", "csrf_token": token})
    wrong = s.post(base + "/login", data={"name": "alice", "password": "x", "csrf_token": token})
    assert unknown.status_code == wrong.status_code == 401
    assert "Wrong name or password." in unknown.text and "Wrong name or password." in wrong.text


def test_login_redirects_only_within_the_app(app):
    built, base = app
    for target, expected in (("//evil.example/x", "/"), ("/\\evil.example", "/"), ("/\t/evil.example", "/"),
                             ("https://evil.example/", "/"), (f"/rounds/{built.round.id}", f"/rounds/{built.round.id}")):
        s = requests.Session()
        token = csrf_of(s.get(base + "/login").text)
        r = s.post(base + "/login", data={"name": "alice", "password": PASSWORD, "csrf_token": token, "next": target},
                   allow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == expected, target


def test_archived_pages_are_served_inert_and_crawled_text_is_escaped(app):
    built, base = app
    rid = built.round.id
    alice = login(base, "alice")
    r = alice.get(f"{base}/rounds/{rid}/captures/{built.captures['ministry-one']}")
    csp = r.headers["content-security-policy"]
    assert csp.startswith("sandbox;") and "script-src 'none'" in csp and "default-src 'none'" in csp
    assert "frame-ancestors 'self'" in csp and r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert b'<script>document.body.setAttribute("data-scripted"' in r.content  # served as stored, not rewritten
    doc = alice.get(f"{base}/rounds/{rid}/captures/{built.pdf}")
    assert doc.content == b"%PDF-1.4 stored budget" and doc.headers["content-type"] == "application/octet-stream"
    assert doc.headers["content-disposition"] == f'attachment; filename="capture-{built.pdf}.pdf"'
    source = alice.get(f"{base}/rounds/{rid}/captures/{built.captures['ministry-one']}/source").text
    assert "&lt;script&gt;document.body" in source and "<script>document" not in source
    page = alice.get(f"{base}/rounds/{rid}/sites/ministry-one")
    assert "script-src 'none'" in page.headers["content-security-policy"] and page.headers["x-frame-options"] == "DENY"
    assert "&lt;b&gt;Бюджет&lt;/b&gt;&lt;script&gt;x()&lt;/script&gt;" in page.text
    assert "<script" not in page.text.lower()
    assert 'href="javascript:' not in page.text and "javascript:alert(1)" in page.text  # shown, never a link
    assert re.search(r'<iframe class="archived" src="/rounds/\d+/captures/\d+" sandbox ', page.text)


def test_bad_grades_are_refused_with_a_message_and_nothing_saved(app):
    built, base = app
    rid = built.round.id
    alice = login(base, "alice")
    token = csrf_of(alice.get(f"{base}/rounds/{rid}/sites/ministry-one").text)
    before = _grades(built)
    for data, message in (({"grade": "7"}, "Choose a level from 1 to 5"),
                          ({"grade": "2", "evidence_urls": "javascript:alert(1)"}, "is not a web address"),
                          ({"grade": "2", "note": "x" * 5001}, "longer than 5000")):
        r = alice.post(f"{base}/rounds/{rid}/sites/ministry-one/grade",
                       data={"csrf_token": token, "criterion": "personal-information", **data})
        assert r.status_code == 400 and message in r.text
    r = alice.post(f"{base}/rounds/{rid}/sites/ministry-one/grade", data={"csrf_token": token, "criterion": "../etc"})
    assert r.status_code == 400
    assert _grades(built) == before


def test_the_serve_command_runs_the_app(tmp_path):
    import subprocess

    from tests.webapp import wait_until_responds

    build_round(tmp_path / "survey.db").db.engine.dispose()
    proc = cli_popen("serve", "--port", "0", "--db", tmp_path / "survey.db", stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line).group(0)
        wait_until_responds(url + "login")
        r = requests.get(url + "login")
        assert r.status_code == 200 and 'name="csrf_token"' in r.text
        assert login(url.rstrip("/"), "alice").get(url).status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    r = cli("serve", "--port", "70000", "--db", tmp_path / "survey.db")
    assert r.returncode == 2 and "--port 70000" in r.stderr


def test_the_lead_adds_accounts_creates_rounds_and_assigns_sites(app):
    built, base = app
    rid = built.round.id
    lead = login(base, "lena")
    token = csrf_of(lead.get(base + "/users").text)
    r = lead.post(base + "/users", data={"csrf_token": token, "name": "dana", "role": "reviewer",
                                         "password": "short", "display_name": "Dana"})
    assert r.status_code == 400 and "at least 10 characters" in r.text
    r = lead.post(base + "/users", data={"csrf_token": token, "name": "dana", "role": "reviewer",
                                         "password": PASSWORD, "display_name": "<i>Dana</i>"}, allow_redirects=False)
    assert r.status_code == 303
    assert "&lt;i&gt;Dana&lt;/i&gt;" in lead.get(base + "/users").text

    # The grid: give dana ministry-two, keep everything else as it was.
    page = lead.get(f"{base}/rounds/{rid}/assignments").text
    ticked = re.findall(r'value="([^"]+::[^"]+)" aria-label="[^"]*" checked', page)
    r = lead.post(f"{base}/rounds/{rid}/assignments", allow_redirects=False,
                  data={"csrf_token": token, "assign": ticked + ["ministry-two::dana", "no-such-site::dana"]})
    assert r.status_code == 303
    with built.db.engine.connect() as conn:
        pairs = set(conn.execute(select(schema.assignments.c.site_id, schema.assignments.c.reviewer)).all())
    assert pairs == {tuple(t.split("::")) for t in ticked} | {("ministry-two", "dana")}
    dana = login(base, "dana")
    assert dana.get(f"{base}/rounds/{rid}/sites/ministry-two").status_code == 200
    lead.post(f"{base}/rounds/{rid}/assignments", data={"csrf_token": token, "assign": ticked})
    assert dana.get(f"{base}/rounds/{rid}/sites/ministry-two").status_code == 403

    # Deactivating an account ends its sessions at once.
    r = lead.post(base + "/users/dana/active", data={"csrf_token": token, "active": "off"}, allow_redirects=False)
    assert r.status_code == 303
    assert dana.get(base + "/", allow_redirects=False).status_code == 303

    # A new round with the site list of r1.
    r = lead.post(base + "/rounds", data={"csrf_token": token, "name": "bad name!", "audit_date": "2027-01-01",
                                          "copy_from": str(rid)})
    assert r.status_code == 400
    r = lead.post(base + "/rounds", data={"csrf_token": token, "name": "r2", "audit_date": "2027-01-01",
                                          "copy_from": str(rid)}, allow_redirects=False)
    assert r.status_code == 303
    r2 = built.db.round("r2")
    assert (r2.kind, r2.audit_date) == ("audit", "2027-01-01")
    assert built.db.site_ids(r2) == built.db.site_ids(built.round)


def test_stored_files_are_read_only_from_inside_the_evidence_folder(app, tmp_path):
    from sqlalchemy import insert

    from survey.db import now

    built, base = app
    outside = built.db.evidence_dir(built.round).parent / "outside.warc.gz"
    outside.write_bytes((built.db.evidence_dir(built.round) / "warc" / "ministry-one.warc.gz").read_bytes())
    with built.db.engine.begin() as conn:
        conn.execute(insert(schema.captures).values(
            round_id=built.round.id, site_id="ministry-one", url="https://ministry-one.example.kz/x", final_url="",
            status=200, content_type="text/html", fetched_at=now(), warc_path="../outside.warc.gz", warc_offset=0))
        cid = conn.execute(select(func.max(schema.captures.c.id))).scalar()
    r = login(base, "alice").get(f"{base}/rounds/{built.round.id}/captures/{cid}")
    assert r.status_code == 404 and "cannot be read" in r.text
