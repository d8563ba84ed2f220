"""Every check and feature is documented, every feature a rule reads is declared, and checks report only
the features they declare."""

from __future__ import annotations

from rubric import load_rubric
from scoring.checks import CHECKS
from scoring.checks.docs import DOC, _rule_features, declared, render
from scoring.run import check_site
from tests.test_checks_levels import CASES, CTX, RUBRIC, build_site


def test_docs_checks_md_is_generated_from_the_registry():
    text = DOC.read_text(encoding="utf-8")
    assert text == render(), "docs/checks.md is out of date: run `python -m scoring.checks.docs`"
    for c in CHECKS:
        assert f"### {c.id}" in text
        assert c.features, f"{c.id} declares no features"
        for name in c.features:
            assert f"`{name}`" in text, (c.id, name)


def test_every_feature_a_rule_reads_is_declared_by_a_check():
    undeclared = sorted(f for f in _rule_features(load_rubric()) if not declared(f))
    assert undeclared == []


def test_checks_report_only_declared_features():
    reported = set()
    for case, lang in CASES[::3]:
        result = check_site(build_site(case, lang), RUBRIC, CTX, CHECKS)
        reported |= set().union(*(r.features for r in result.results.values()))
    assert sorted(f for f in reported if not declared(f)) == []
    assert len(reported) > 60  # the fixtures exercise most of them
