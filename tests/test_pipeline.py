"""The round store across stages: a real crawl of a local site, checks, reviewer grades, scores.

Re-running a stage replaces only that stage's rows: checks never touch grades; scoring never touches grades or
suggestions; re-crawling never re-fetches what is stored.
"""

from __future__ import annotations

import textwrap

import pytest
from sqlalchemy import select

from crawler.config import load_sites
from crawler.warc import read_record
from rubric import load_rubric
from scoring.sheets import SheetRow
from survey import schema
from survey.db import Database
from survey.grading import import_rows
from survey.pipeline import check_round, crawl_round, score_round
from survey.tables import long_table
from tests.crawlsite import Response

PAGE = """<!doctype html><html lang="{lang}"><head><title>{title}</title></head><body>
<ul><li><a href="/kz/">Қаз</a></li><li><a href="/ru/">Рус</a></li></ul>{body}</body></html>"""
KK = ("Министрлік азаматтарға арналған жаңа онлайн қызметтерді іске қосты. Енді азаматтар анықтамаларды үйден "
      "шықпай-ақ ала алады және өтінімдердің мәртебесін бақылай алады. Облыстардағы халыққа қызмет көрсету "
      "орталықтарының жұмысы, байланыс сапасы және ауылдық жерлерді интернетпен қамту мәселелері талқыланды.")
RU = ("Министерство запустило новые онлайн-услуги для граждан. Теперь граждане могут получать справки, не выходя "
      "из дома, и отслеживать статус заявок. На встрече обсуждались работа центров обслуживания населения в "
      "областях, качество связи и подключение сельских населённых пунктов к интернету.")


@pytest.fixture
def site(serve):
    return serve({
        "/robots.txt": Response("User-agent: *\nDisallow: /private/\n", content_type="text/plain"),
        "/": Response("", status=302, headers={"Location": "/kz/"}),
        "/kz/": PAGE.format(lang="kk", title="Басты бет", body=f"<p>{KK}</p><a href='/kz/forms'>Бланкілер</a>"
                            "<a href='/private/admin'>admin</a><a href='http://example.org/'>elsewhere</a>"),
        "/ru/": PAGE.format(lang="ru", title="Главная", body=f"<p>{RU}</p><a href='/ru/forms'>Бланки</a>"),
        "/kz/forms": PAGE.format(lang="kk", title="Нысандар", body=f"<p>{KK}</p><a href='/docs/otinish-nysany.pdf'>Өтініш нысаны</a>"
                                 "<a href='/docs/anyqtama-nysany.docx'>Анықтама нысаны</a>"),
        "/ru/forms": PAGE.format(lang="ru", title="Бланки", body=f"<p>{RU}</p><a href='/docs/blank.pdf'>Бланк заявления</a>"),
        "/docs/otinish-nysany.pdf": Response(b"%PDF-1.4 demo", content_type="application/pdf"),
        "/docs/anyqtama-nysany.docx": Response(b"PK\x03\x04", content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        "/docs/blank.pdf": Response(b"%PDF-1.4 blank", content_type="application/pdf"),
        "/private/admin": "secret",
    })


@pytest.fixture
def config(tmp_path, site):
    path = tmp_path / "sites.yaml"
    path.write_text(textwrap.dedent(f"""\
        defaults: {{delay: 0, allow_private: true, render: never}}
        sites:
          - id: ministry-one
            name: {{en: Ministry One}}
            url: {site.url}
        """), encoding="utf-8")
    return load_sites(path)


def _grades(db):
    with db.engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(select(schema.grades.c.site_id, schema.grades.c.criterion,
                                                            schema.grades.c.reviewer, schema.grades.c.level)))


def test_stages_replace_only_their_own_rows(db_path, config, site):
    rubric = load_rubric()
    db = Database(db_path, create=True)
    rnd = db.create_round("r1", rubric=rubric, sites_cfg=config)
    [summary] = crawl_round(db, rnd, config)
    assert (summary.status, summary.pages, summary.documents) == ("ok", 4, 3)
    assert "/private/admin" not in site.paths()  # robots.txt obeyed
    assert summary.errors["robots-disallowed"] == 1

    # Every stored response is readable back from its WARC record.
    with db.engine.connect() as conn:
        caps = conn.execute(select(schema.captures).where(schema.captures.c.round_id == rnd.id)).mappings().all()
    for c in caps:
        rec = read_record(db.evidence_dir(rnd) / c["warc_path"], c["warc_offset"])
        assert rec.url == c["final_url"] and rec.status == c["status"] and len(rec.body) == c["length"]

    check_round(db, rnd, rubric)
    import_rows(db, rnd, [SheetRow(2, "ministry-one", "transparency", 2, False, "budget only", "", ""),
                          SheetRow(3, "ministry-one", "forms", 3, False, "", "", "")], "alice")
    before = _grades(db)
    score_round(db, rnd, rubric)
    rows = {r["criterion"]: r for r in long_table(db, rnd, rubric)}
    assert (rows["languages"]["suggested_level"], rows["languages"]["provenance"]) == (2, "automated")
    assert (rows["forms"]["final_level"], rows["forms"]["provenance"]) == (3, "reviewer")
    assert (rows["transparency"]["final_level"], rows["transparency"]["provenance"]) == (2, "reviewer")
    # Every criterion now has checks: with no login or account on the site, personal information is suggested 1.
    assert (rows["personal-information"]["suggested_level"], rows["personal-information"]["provenance"]) == (1, "automated")

    # Re-running the checks and the scoring keeps the reviewer grades exactly.
    check_round(db, rnd, rubric)
    score_round(db, rnd, rubric)
    assert _grades(db) == before

    # Re-running the crawl fetches nothing again.
    requests_before = len(site.hits)
    [again] = crawl_round(db, rnd, config)
    assert again.resumed == len(caps) and again.fetched == 1  # only the robots.txt of the new session
    assert len(site.hits) == requests_before + 1
    assert _grades(db) == before


def test_import_conflicts_write_nothing(db_path, config):
    rubric = load_rubric()
    db = Database(db_path, create=True)
    rnd = db.create_round("r1", rubric=rubric, sites_cfg=config)
    import_rows(db, rnd, [SheetRow(2, "ministry-one", "forms", 3, False, "", "", "")], "alice")
    report = import_rows(db, rnd, [SheetRow(2, "ministry-one", "forms", 4, False, "", "", ""),
                                   SheetRow(3, "ministry-one", "transparency", 1, False, "", "", "")], "alice")
    assert [str(c) for c in report.conflicts] == [
        "row 2: conflict for ministry-one / forms (alice): stored 3, sheet says 4"]
    assert _grades(db) == [("ministry-one", "forms", "alice", 3.0)]
    report = import_rows(db, rnd, [SheetRow(2, "ministry-one", "forms", 4, False, "", "", "")], "alice", replace=True)
    assert report.written == 1 and _grades(db) == [("ministry-one", "forms", "alice", 4.0)]
    with db.engine.connect() as conn:
        history = conn.execute(select(schema.grade_history.c.old_level, schema.grade_history.c.new_level)).all()
    assert [tuple(h) for h in history] == [(None, 3.0), (3.0, 4.0)]


def test_a_crawler_bug_marks_its_site_unreachable_and_the_round_goes_on(db_path, config, monkeypatch):
    db = Database(db_path, create=True)
    rnd = db.create_round("r1", rubric=load_rubric(), sites_cfg=config)

    def broken(site, settings, store, **kwargs):
        raise RuntimeError("a bug")

    # No fixture site makes the crawler itself fail: stand in for it.
    monkeypatch.setattr("survey.pipeline.crawl_site", broken)
    [summary] = crawl_round(db, rnd, config)
    assert (summary.status, summary.reason) == ("unreachable", "crawler error: RuntimeError: a bug")
    [site] = db.sites(rnd)
    assert (site["crawl_status"], site["crawl_reason"]) == ("unreachable", "crawler error: RuntimeError: a bug")
    with db.engine.connect() as conn:
        assert conn.execute(select(schema.findings.c.kind, schema.findings.c.detail)).all() == [
            ("crawler-error", "crawler error: RuntimeError: a bug")]
