"""Tests of prodbench.deltas: one challenger against the baseline."""

from __future__ import annotations

import numpy as np
import pytest
from factories import make_comparison, make_result
from hypothesis import given, settings
from hypothesis import strategies as st

from prodbench import stats
from prodbench.deltas import paired_score_test, paired_test

Y = np.arange(400) % 2


def _challengers(seed: int, flips: list[tuple[int, int]]) -> list:
    """A baseline and challengers that fix ``gain`` of its errors and break ``loss`` rights."""
    rng = np.random.default_rng(seed)
    base = rng.random(Y.size) < 0.9
    results = [make_result("base", correct=base, y_true=Y)]
    for i, (gain, loss) in enumerate(flips):
        c = base.copy()
        wrong, right = rng.permutation(np.flatnonzero(~base)), rng.permutation(np.flatnonzero(base))
        c[wrong[:gain]] = True
        c[right[:loss]] = False
        results.append(make_result(f"c{i}", correct=c, y_true=Y, seed=i + 1))
    return results


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    flips=st.lists(st.tuples(st.integers(0, 25), st.integers(0, 25)), min_size=1, max_size=4),
)
def test_interval_excludes_zero_exactly_when_significant_after_holm(
    seed: int, flips: list[tuple[int, int]]
) -> None:
    cmp = make_comparison(_challengers(seed, flips))
    for i in range(len(flips)):
        d = cmp.versus(f"c{i}")
        low, high = d.score_diff_interval
        assert (low > 0 or high < 0) == d.significant, (d.p_value, d.score_diff_interval)
        assert low <= d.score_diff <= high
        if d.n_challengers == 1:
            assert d.score_diff_confidence == pytest.approx(0.95)
        else:
            assert 0.95 - 1e-12 <= d.score_diff_confidence <= 1 - 0.05 / d.n_challengers + 1e-12
        # the sentence prints the level it used and the words of the decision
        line = next(v for v in cmp.verdict if v.startswith(f"c{i}: "))
        level = stats_level(d.score_diff_confidence)
        assert f"({level} CI " in line and "exact conditional" in line
        assert ("; exact McNemar p" in line) and (
            ", significant)" in line if d.significant else ", not significant)" in line
        )


def stats_level(confidence: float) -> str:
    from prodbench.budget import format_confidence

    return format_confidence(confidence)


def test_old_bootstrap_disagreement_is_gone() -> None:
    """The issue's case: 5 rows won, none lost, on 450 (+1.11 pp), McNemar p = 0.0625.

    The percentile bootstrap put its 95% interval at +0.22 to +2.22 pp, all
    above 0, next to "not significant"; the exact conditional interval
    contains 0, as the test says.
    """
    y = np.arange(450) % 2
    base = np.ones(450, bool)
    base[:40] = False
    cand = base.copy()
    cand[:5] = True
    cmp = make_comparison(
        [make_result("a", correct=base, y_true=y), make_result("b", correct=cand, y_true=y)]
    )
    d = cmp.versus("b")
    assert d.p_value == pytest.approx(0.0625) and not d.significant
    low, high = d.score_diff_interval
    assert low <= 0 <= high and high > 5 / 450
    old_low, _ = stats.paired_bootstrap_mean(cand.astype(float) - base.astype(float))
    assert old_low > 0  # the old interval excluded 0: the contradiction the issue shows
    assert "not significant)" in cmp.verdict[0] and "(95% CI -" in cmp.verdict[0]


def test_paired_score_test_is_the_printed_test() -> None:
    results = _challengers(1, [(20, 3)])
    t = paired_score_test(results[0], results[1])
    assert isinstance(t, stats.McNemarInterval)
    assert paired_test(results[0], results[1]) == (t.p_value, "McNemar")
    assert paired_test(results[1], results[0])[0] == t.p_value  # symmetric
    d = make_comparison(results).versus("c0")
    assert d.method == "exact McNemar test and its exact conditional interval"
    assert d.score_diff_interval == t.interval(0.95)


def test_one_test_row_is_refused_in_the_users_words() -> None:
    from prodbench.deltas import Delta
    from prodbench.errors import DataError

    a = make_result("a", y_true=[1], correct=[True])
    b = make_result("b", y_true=[1], correct=[False], seed=1)
    with pytest.raises(DataError, match=r"scored on 1 test row.*--test-size") as info:
        Delta.between(a, b)
    assert "d has" not in str(info.value)
