"""The HTML report read back with BeautifulSoup: a generated 1,000-site round with an earlier round, traffic,
agreement, technical indicators, screenshots and UN context; every site present, grades equal to the database,
provenance marked, untrusted text escaped, every section filled; and the report in Russian."""

from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup
from jinja2 import UndefinedError
from sqlalchemy import select, update

from reports.i18n import languages, translations, untranslated
from reports.render import render_html
from rubric import InputError, load_rubric
from survey import schema
from survey.db import Database
from survey.report import report_data
from survey.scores import score_round
from survey.synthetic import HOSTILE, build_round

N = 1000


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("big")
    rubric = load_rubric()
    db = Database(tmp / "survey.db", create=True)
    prev = build_round(db, rubric, N, name="2024", audit_date="2024-09-01", seed=7, screenshots=False, traffic=False,
                       technical=False, drop=40)
    score_round(db, prev, rubric)
    rnd = build_round(db, rubric, N, name="2026", hostile=True)
    with db.engine.begin() as conn:  # crawled evidence is untrusted: markup in a label, a javascript: link
        conn.execute(update(schema.evidence).where(schema.evidence.c.round_id == rnd.id)
                     .where(schema.evidence.c.site_id == "site-00000").values(label="<img src=x onerror=alert(2)>",
                                                                               url="javascript:alert(3)"))
    score_round(db, rnd, rubric)
    data = report_data(db, rnd, rubric, version="test")
    html = render_html(data, tmp / "report.html").read_text(encoding="utf-8")
    return db, rnd, rubric, data, BeautifulSoup(html, "lxml"), html


def _stored(db, rnd):
    with db.engine.connect() as conn:
        return {(f.site_id, f.criterion): (f.level, f.provenance) for f in conn.execute(
            select(schema.final_scores).where(schema.final_scores.c.round_id == rnd.id))}


def test_every_site_is_in_the_matrix_with_the_grades_the_database_holds(big):
    db, rnd, _, _, soup, _ = big
    rows = soup.select("table.matrix tbody tr")
    assert sorted(r["data-site"] for r in rows) == sorted(db.site_ids(rnd))
    shown = {(r["data-site"], td["data-criterion"]): (td["data-level"], td["data-provenance"])
             for r in rows for td in r.select("td[data-criterion]")}
    stored = {k: ("" if lv is None else f"{lv:g}", p) for k, (lv, p) in _stored(db, rnd).items()}
    assert shown == stored
    assert {p for _, p in shown.values()} == {"reviewer", "agreed", "adjudicated", "automated", "statistical", "missing"}


def test_every_grade_shows_its_provenance_label_in_the_matrix_and_the_scorecards(big):
    _, _, _, data, soup, _ = big
    labels = {p["code"]: p["label"] for p in data["provenance_legend"]}
    for td in soup.select("table.matrix td[data-provenance]")[:3000]:
        assert td.select_one(".prov").get_text(strip=True) == labels[td["data-provenance"]]
    cards = soup.select("article.scorecard")
    assert len(cards) == N
    for card in cards[:200]:
        for tr in card.select("tr[data-provenance]"):
            assert tr.select_one("td.src b").get_text(strip=True) == labels[tr["data-provenance"]]


def test_ranking_follows_the_stored_scores(big):
    db, rnd, _, _, soup, _ = big
    with db.engine.connect() as conn:
        ranks = {r.site_id: r.rank for r in conn.execute(select(schema.site_scores).where(schema.site_scores.c.round_id == rnd.id))}
    shown = [(tr["data-site"], tr.select_one("td.num").get_text(strip=True).lstrip("=")) for tr in soup.select("table.ranking tbody tr")]
    assert len(shown) == N and all(str(ranks[sid]) == rank for sid, rank in shown if ranks[sid] is not None)
    assert [int(r) for _, r in shown if r != "–"] == sorted(int(r) for _, r in shown if r != "–")


def test_crawled_text_with_markup_or_scripts_appears_escaped(big):
    _, _, _, _, soup, html = big
    assert not soup.find("script") and "<script>alert" not in html and "onerror=alert(2)>" not in html
    assert not soup.select("[onmouseover], [onerror]")
    assert soup.select_one('tr[data-site="site-00000"] th.site a').get_text() == HOSTILE
    card = soup.select_one("#site-site-00000")
    assert "<img src=x onerror=alert(2)>" in card.get_text()
    assert not card.select('a[href^="javascript:"]')


def test_all_sections_are_filled_and_the_contents_link_to_them(big):
    _, _, _, data, soup, _ = big
    toc = soup.find("nav", class_="toc")
    sec = {e["id"]: soup.find("section", id=e["id"]) for e in data["toc"]}
    for entry in data["toc"]:
        assert toc.select_one(f'a[href="#{entry["id"]}"]') and sec[entry["id"]] is not None
    # No section says it has no data (warnings about the comparison are fine).
    assert [p for p in soup.find_all("p", class_="notice") if "warning" not in p["class"]] == []
    assert len(sec["distributions"].select("figure.chart svg")) == len(data["criteria"]) == 8
    assert sec["comparison"].select("table.changes.improved tbody tr") and sec["comparison"].select("table.changes.declined tbody tr")
    assert len(sec["comparison"].select(".two li")) == 80  # 40 new and 40 vanished sites
    assert [r.find("td").get_text() for r in sec["context"].select("table.un tbody tr")][-1] == "2024"
    assert sec["agreement"].select("tr.total") and sec["technical"].select("tbody tr")
    assert sec["scorecards"].find("img", src=lambda v: v and v.startswith("data:image/jpeg;base64,"))
    assert "robots" in sec["methodology"].select_one("table.settings").get_text()


def test_the_report_data_is_plain_and_a_missing_value_fails(big, tmp_path):
    _, _, _, data, _, _ = big
    json.dumps(data, default=str)  # plain data (charts are strings)
    broken = dict(data)
    del broken["ranking"]
    with pytest.raises(UndefinedError):
        render_html(broken, tmp_path / "broken.html")


def test_the_report_in_russian(tmp_path):
    rubric = load_rubric()
    db = Database(tmp_path / "survey.db", create=True)
    rnd = build_round(db, rubric, 12, screenshots=False)
    score_round(db, rnd, rubric)
    data = report_data(db, rnd, rubric, lang="ru")
    soup = BeautifulSoup(render_html(data, tmp_path / "ru.html", translations=translations("ru")).read_text(encoding="utf-8"),
                         "lxml")
    assert soup.html["lang"] == "ru"
    assert [a.select_one(".t").get_text() for a in soup.select(".toc a")][:3] == [
        "Сводка", "Оценки по сайтам и критериям", "Рейтинг"]
    assert soup.select_one("table.matrix thead th.crit").get_text() == "Языки"
    assert "Languages" not in soup.select_one("#methodology").get_text()
    assert soup.select_one('table.matrix tr[data-site="site-00001"] th a').get_text() == "Министерство 00001"


def test_every_report_string_has_a_russian_translation():
    assert "ru" in languages()
    assert untranslated("ru") == []
    with pytest.raises(InputError, match="no report catalogue"):
        translations("xx")
