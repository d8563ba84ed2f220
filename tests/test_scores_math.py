"""The scoring arithmetic: traffic quintiles with ties, the index's criteria, distributions, round comparisons."""

from __future__ import annotations

import pytest

from rubric import InputError, load_rubric
from scoring.compare import Snapshot, compare, series, trend
from scoring.index import criterion_stats, index_criteria, level_bin
from scoring.traffic import choose_metric, quintile_grades, read_traffic_csv


def _levels(grades):
    return {sid: g.level for sid, g in grades.items()}


def test_twenty_sites_give_four_of_each_grade_most_visited_first():
    visits = {f"s{i:02d}": float(1000 - i) for i in range(20)}  # s00 is the most visited
    levels = _levels(quintile_grades(visits, "monthly-visits"))
    assert [levels[f"s{i:02d}"] for i in range(20)] == [5] * 4 + [4] * 4 + [3] * 4 + [2] * 4 + [1] * 4


def test_a_rank_counts_the_other_way_round():
    ranks = {"a": 10.0, "b": 20_000.0, "c": 500.0, "d": 1_000_000.0, "e": 75_000.0}
    assert _levels(quintile_grades(ranks, "rank")) == {"a": 5, "c": 4, "b": 3, "e": 2, "d": 1}


def test_ties_share_a_grade_and_sites_without_a_figure_get_none():
    visits = {"a": 100.0, "b": 50.0, "c": 50.0, "d": 10.0, "e": None}
    grades = quintile_grades(visits, "monthly-visits")
    assert _levels(grades) == {"a": 5, "b": 3, "c": 3, "d": 1, "e": None}
    assert (grades["b"].place, grades["b"].of) == (2.5, 4)
    assert (grades["e"].place, grades["e"].of) == (None, 4)


def test_equal_figures_or_a_single_figure_sit_in_the_middle():
    assert set(_levels(quintile_grades({k: 7.0 for k in "abcdef"}, "monthly-visits")).values()) == {3}
    assert _levels(quintile_grades({"only": 12.0, "none": None}, "rank")) == {"only": 3, "none": None}


def test_the_metric_most_sites_have_grades_the_round():
    assert choose_metric({"rank": 12, "monthly-visits": 30}) == "monthly-visits"
    assert choose_metric({"rank": 12, "monthly-visits": 3}) == "rank"
    assert choose_metric({"rank": 5, "monthly-visits": 5}) == "monthly-visits"
    assert choose_metric({}) is None
    with pytest.raises(InputError, match="unknown metric"):
        choose_metric({}, "pageviews")


def test_a_malformed_traffic_file_names_file_row_and_field(tmp_path):
    path = tmp_path / "traffic.csv"
    path.write_text("site_id,value,note\nmin-a,\"12,500\",\nmin-b,lots,\nnobody,3,\nmin-a,4,\nmin-c,-5,\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_traffic_csv(path, "monthly-visits", ["min-a", "min-b", "min-c"])
    assert err.value.lines() == [
        f"{path}:3: value: 'lots' is not a number",
        f"{path}:4: site_id: unknown site 'nobody' (not in this round)",
        f"{path}:5: site_id: 'min-a' appears twice (first on row 2); give one figure per site",
        f"{path}:6: value: visits '-5' are negative",
    ]
    path.write_text("site,visits\nmin-a,3\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"traffic.csv:1: site_id, value: missing column"):
        read_traffic_csv(path, "monthly-visits", ["min-a"])


def test_traffic_values_accept_printed_thousands_separators(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("site_id,value,source\na,\"1,234,567\",Tranco\nb,1\u00a0200,\nc,,\n", encoding="utf-8")
    figures = read_traffic_csv(path, "rank", ["a", "b", "c"])
    assert [(f.site_id, f.value, f.source) for f in figures] == [("a", 1234567.0, "Tranco"), ("b", 1200.0, ""), ("c", None, "")]


def test_the_index_counts_optional_criteria_only_when_asked():
    rubric = load_rubric()
    assert index_criteria(rubric.criteria) == [c.id for c in rubric.judged]
    assert index_criteria(rubric.criteria, include_optional=True) == [c.id for c in rubric.judged] + ["traffic"]


def test_distribution_counts_halves_under_the_higher_level():
    st = criterion_stats([(1.0, "reviewer"), (3.5, "historical"), (4.0, "automated"), (None, "missing"), (5.0, "agreed")])
    assert (st.counts, st.missing, st.n, st.reviewed) == ({1: 1, 2: 0, 3: 0, 4: 2, 5: 1}, 1, 4, 3)
    assert (st.mean, st.median) == (3.375, 3.75)
    assert [level_bin(x) for x in (2.5, 2.49, 1.0, None)] == [3, 2, 1, None]


def _snap(name, version, cells, sites=None):
    sites = sites or sorted({s for s, _ in cells})
    return Snapshot(name, "2026-01-01", "ministry2010", version, ("languages", "forms"), {s: s.upper() for s in sites},
                    {k: (v, "reviewer") if v is not None else (None, "missing") for k, v in cells.items()},
                    {s: 3.0 for s in sites}, {s: 1 for s in sites})


def test_a_comparison_lists_changes_new_and_vanished_sites():
    before = _snap("2010", "1.0", {("a", "languages"): 2, ("a", "forms"): 3.5, ("b", "languages"): 4,
                                   ("b", "forms"): None, ("old", "forms"): 1})
    after = _snap("2026", "1.0", {("a", "languages"): 4, ("a", "forms"): 3, ("b", "languages"): 4,
                                  ("b", "forms"): 2, ("new", "forms"): 5})
    cmp = compare(before, after)
    assert [(c.site_id, c.criterion, c.delta) for c in cmp.improved] == [("a", "languages", 2)]
    assert [(c.site_id, c.criterion, c.delta) for c in cmp.declined] == [("a", "forms", -0.5)]
    assert (cmp.unchanged, cmp.not_comparable) == (1, 1)  # b/languages unchanged; b/forms graded only now
    assert (cmp.new_sites, cmp.vanished_sites) == (["new"], ["old"])
    assert {(s.site_id, s.compared, s.mean_delta) for s in cmp.sites} == {("a", 2, 0.75), ("b", 1, 0.0)}
    assert cmp.notes == []
    assert series([before, after])[("a", "forms")] == [3.5, 3]


def test_a_comparison_warns_about_different_rubrics_and_thin_overlap():
    before = _snap("old", "1.0", {("a", "languages"): None, ("a", "forms"): None, ("b", "forms"): 2})
    after = _snap("new", "2.0", {("a", "languages"): 3, ("a", "forms"): 3, ("b", "forms"): 3})
    codes = [n.code for n in compare(before, after).notes]
    assert codes == ["rubric-differs", "few-common-cells"]


def test_each_rounds_means_cover_its_own_graded_sites_and_count_the_blanks():
    old = _snap("2010", "1.0", {("a", "languages"): 2, ("a", "forms"): None, ("b", "languages"): 3.5,
                                ("b", "forms"): None}, sites=["a", "b", "c"])  # c: listed, never graded
    new = _snap("2026", "1.0", {("x", "languages"): 5, ("x", "forms"): 4})  # other sites altogether
    got = [(m.round, m.criterion, m.sites, m.graded, m.mean) for m in trend([old, new], ["languages", "forms"])]
    assert got == [("2010", "languages", 3, 2, 2.75), ("2010", "forms", 3, 0, None),
                   ("2026", "languages", 1, 1, 5), ("2026", "forms", 1, 1, 4)]
