"""The rubric file and its loader: the shipped rubric is complete; every kind of mistake is located."""

from __future__ import annotations

import textwrap

import pytest

from rubric import CORE_CRITERIA, InputError, load_lexicons, load_rubric
from rubric.model import Condition


def test_shipped_rubric_has_the_seven_criteria_and_the_optional_traffic_grade():
    r = load_rubric()
    assert (r.id, r.version) == ("ministry2010", "1.0")
    assert [c.id for c in r.judged] == list(CORE_CRITERIA)
    traffic = r.criterion("traffic")
    assert (traffic.kind, traffic.optional) == ("statistical", True)
    assert all(sorted(c.levels) == [1, 2, 3, 4, 5] for c in r.criteria)
    assert {c.weight for c in r.criteria} == {1.0}  # equal weights by default
    assert len(r.sha256) == 64


def _write(tmp_path, text: str):
    p = tmp_path / "rubric.yaml"
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def _criterion(cid: str, weight: float = 1, levels=(1, 2, 3, 4, 5)) -> str:
    """Ten lines: criterion i starts on line 5 + 10 i (id, title, weight, examines, levels, five levels)."""
    lv = "\n".join(f"      {n}: level {n}" for n in levels)
    return f"  - id: {cid}\n    title: {cid}\n    weight: {weight}\n    examines: x\n    levels:\n{lv}\n"


def _rubric(*criteria: str) -> str:
    return "id: t\nversion: '1'\ntitle: T\ncriteria:\n" + "".join(criteria)


def test_valid_minimal_rubric_loads(tmp_path):
    r = load_rubric(_write(tmp_path, _rubric(*[_criterion(c) for c in CORE_CRITERIA])))
    assert r.ids == CORE_CRITERIA


def test_every_problem_is_reported_with_its_line(tmp_path):
    crits = [_criterion(c) for c in CORE_CRITERIA[:-1]]  # real-time-operations missing
    crits[1] = _criterion("general-information", weight=-1)
    crits[3] = _criterion("languages")  # a second 'languages'
    path = _write(tmp_path, _rubric(*crits))
    with pytest.raises(InputError) as err:
        load_rubric(path)
    lines = err.value.lines()
    assert lines == [
        f"{path}:35: criteria[3].id: id 'languages' is used twice (first at criteria[0]); ids must be unique",
        f"{path}:4: criteria: the seven core criteria must all be present; missing: "
        "accessibility-cooperativeness, real-time-operations",
        f"{path}:17: criteria[general-information].weight: weight -1.0 is negative; weights must be zero or more",
    ]


def test_incomplete_levels_are_located_at_the_criterion(tmp_path):
    crits = [_criterion(c) for c in CORE_CRITERIA]
    crits[4] = _criterion("forms", levels=(1, 2, 3, 5, 6))
    path = _write(tmp_path, _rubric(*crits))
    with pytest.raises(InputError) as err:
        load_rubric(path)
    assert err.value.lines() == [f"{path}:49: criteria[forms].levels: missing level(s) 4; level(s) 6 outside the scale 1-5"]


def test_bad_yaml_and_bad_conditions(tmp_path):
    path = _write(tmp_path, "id: t\nversion: 1\n  title: [unclosed\n")
    with pytest.raises(InputError) as err:
        load_rubric(path)
    assert err.value.lines()[0].startswith(f"{path}:3: not valid YAML")
    with pytest.raises(ValueError, match="not understood"):
        Condition.parse("forms >> 3")


@pytest.mark.parametrize("text,features,holds", [
    ("has_kk", {"has_kk": True}, True),
    ("has_kk", {}, False),
    ("not has_kk", {}, True),
    ("forms >= 3", {"forms": 3}, True),
    ("forms >= 3", {"forms": 2}, False),
    ("thin == 0", {"thin": 0}, True),
])
def test_conditions(text, features, holds):
    assert Condition.parse(text).holds(features) is holds


def test_lexicons_cover_three_languages_and_the_same_topics():
    lx = load_lexicons()
    assert {"en", "ru", "kk"} <= set(lx.languages)
    for lang in ("en", "ru", "kk"):
        assert set(lx.languages[lang].words) == set(lx.topics), lang
    assert lx.topics_in_text("Мемлекеттік сатып алу жоспары") >= {"procurement"}
    assert lx.topics_in_text("Государственные закупки") == {"procurement"}
    assert "forms" not in lx.topics_in_text("Information platform")  # words match at word starts only
    assert [lx.language_of_label(x) for x in ("Қаз", "Рус", "Eng", "Deutsch", "Weather")] == ["kk", "ru", "en", "de", None]
