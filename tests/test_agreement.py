"""Agreement between reviewers, checked against values computed independently: published worked examples
(Krippendorff 2011's reliability data; Maple's EssayTools QuadraticWeightedKappa examples), the `krippendorff`
package on random data, and the identity that quadratic-weighted kappa equals 2 cov / (var + var + mean gap²)."""

from __future__ import annotations

import random

import krippendorff
import numpy as np
import pytest
from sqlalchemy import select

from rubric import load_rubric
from scoring.agreement import (
    agreement,
    disagreements,
    ordinal_alpha,
    pair_agreement,
    pairwise_kappa,
    quadratic_kappa,
)
from survey import schema
from survey.agreement import stored_agreement, update_agreement
from survey.db import Database
from survey.grading import set_grade

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", section C: 4 coders, 12 units, gaps = missing.
# Published: nominal 0.743, ordinal 0.815, interval 0.849.
K2011 = [[1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
         [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
         [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
         [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]]


def _ratings(matrix):
    return [(unit, f"coder{i}", v) for i, row in enumerate(matrix) for unit, v in enumerate(row)]


def _as_array(matrix):
    return np.array([[np.nan if v is None else v for v in row] for row in matrix], dtype=float)


def test_ordinal_alpha_matches_the_published_example_and_the_package():
    assert round(ordinal_alpha(_ratings(K2011)), 3) == 0.815
    expected = krippendorff.alpha(reliability_data=_as_array(K2011), level_of_measurement="ordinal")
    assert ordinal_alpha(_ratings(K2011)) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("seed", range(8))
def test_ordinal_alpha_matches_the_package_on_random_gradings(seed):
    rng = random.Random(seed)
    reviewers = rng.randint(2, 5)
    sites = rng.randint(5, 30)
    truth = [rng.randint(1, 5) for _ in range(sites)]
    # Reviewers near a common truth (so alpha is neither 0 nor 1), some cells left ungraded.
    matrix = [[None if rng.random() < 0.2 else min(5, max(1, t + rng.choice((-1, 0, 0, 0, 1, 2)))) for t in truth]
              for _ in range(reviewers)]
    expected = krippendorff.alpha(reliability_data=_as_array(matrix), level_of_measurement="ordinal")
    assert ordinal_alpha(_ratings(matrix)) == pytest.approx(expected, abs=1e-9)


def test_quadratic_kappa_matches_published_examples():
    # Maple EssayTools[QuadraticWeightedKappa] documentation, examples 1 and 2.
    a = [9, 7, 8, 7, 6, 8, 3, 5, 10]
    assert quadratic_kappa(a, [8, 8, 6, 6, 7, 6, 1, 4, 8]) == pytest.approx(0.758620689655172, abs=1e-12)
    assert quadratic_kappa(a, [3, 5, 6, 6, 7, 6, 1, 4, 8]) == pytest.approx(0.438095238095238, abs=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_quadratic_kappa_equals_the_covariance_form(seed):
    # Schuster (2004): with quadratic weights, kappa = 2 s_ab / (s_a² + s_b² + (mean_a - mean_b)²), population moments.
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 6, size=25)
    b = np.clip(a + rng.integers(-1, 3, size=25), 1, 5)
    cov = np.mean((a - a.mean()) * (b - b.mean()))
    expected = 2 * cov / (a.var() + b.var() + (a.mean() - b.mean()) ** 2)
    assert quadratic_kappa(list(a), list(b)) == pytest.approx(expected, abs=1e-12)


def test_undefined_and_degenerate_cases():
    assert quadratic_kappa([3], [3]) is None  # one item
    assert quadratic_kappa([3, 3, 3], [3, 3, 3]) is None  # no variation: chance agreement is already perfect
    assert quadratic_kappa([3, 3], [4, 4]) == 0.0  # constant but apart: no better than chance
    with pytest.raises(ValueError, match="pair up"):
        quadratic_kappa([1, 2], [1])
    assert ordinal_alpha([("a", "r1", 2), ("a", "r2", 2)]) is None
    assert agreement([("a", "r1", 2)]) == agreement([])  # a lone grade pairs with nothing
    assert agreement([]).n_items == 0 and agreement([]).exact is None


def test_pairs_exact_within_one_and_disagreements():
    ratings = [("s1", "ann", 3), ("s1", "ben", 3), ("s2", "ann", 2), ("s2", "ben", 4), ("s3", "ann", 5),
               ("s3", "ben", 4), ("s3", "cy", None), ("s4", "ann", 1)]
    assert pair_agreement(ratings) == (1 / 3, 3)
    assert pair_agreement(ratings, 1.0) == (2 / 3, 3)
    assert disagreements(ratings) == {"s2": {"ann": 2.0, "ben": 4.0}, "s3": {"ann": 5.0, "ben": 4.0}}


def test_pairwise_kappa_is_cohens_for_two_and_the_mean_of_pairs_for_three():
    a, b, c = [1, 2, 3, 4, 5, 3], [1, 3, 3, 4, 4, 2], [2, 2, 3, 5, 5, 3]
    two = [(i, "a", x) for i, x in enumerate(a)] + [(i, "b", x) for i, x in enumerate(b)]
    assert pairwise_kappa(two) == pytest.approx(quadratic_kappa(a, b))
    three = two + [(i, "c", x) for i, x in enumerate(c)]
    mean = (quadratic_kappa(a, b) + quadratic_kappa(a, c) + quadratic_kappa(b, c)) / 3
    assert pairwise_kappa(three) == pytest.approx(mean)


def test_round_agreement_is_stored_per_criterion_and_overall(tmp_path):
    rubric = load_rubric()
    db = Database(tmp_path / "survey.db", create=True)
    rnd = db.create_round("r1", rubric=rubric)
    a = {"s1": 3, "s2": 4, "s3": 2, "s4": 5, "s5": 1}
    b = {"s1": 3, "s2": 3, "s3": 2, "s4": 4, "s5": 1}
    with db.engine.begin() as conn:
        for sid in a:
            set_grade(conn, rnd, sid, "transparency", "ann", a[sid])
            set_grade(conn, rnd, sid, "transparency", "ben", b[sid])
        set_grade(conn, rnd, "s1", "forms", "ann", 2)
        set_grade(conn, rnd, "s1", "forms", "ben", None, cannot_assess=True)  # left out
        set_grade(conn, rnd, "s2", "forms", "study", 5, source="historical")  # left out
    update_agreement(db, rnd, rubric)
    table = stored_agreement(db, rnd)
    kappa = quadratic_kappa(list(a.values()), list(b.values()))
    alpha = krippendorff.alpha(reliability_data=[list(a.values()), list(b.values())], level_of_measurement="ordinal")
    expected = {"kappa-quadratic": pytest.approx(kappa), "alpha-ordinal": pytest.approx(alpha), "exact": 0.6,
                "within-one": 1.0, "n": 5.0}
    assert table["transparency"] == expected
    assert table["*"] == expected  # the only cells with two grades are transparency's
    assert table["forms"] == {"kappa-quadratic": None, "alpha-ordinal": None, "exact": None, "within-one": None,
                              "n": 0.0}
    assert set(table) == {c.id for c in rubric.judged} | {"*"}
    with db.engine.connect() as conn:
        n_items = {r.n_items for r in conn.execute(select(schema.agreement).where(schema.agreement.c.criterion == "*"))}
    assert n_items == {5}
