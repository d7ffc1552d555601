"""Tests of prodbench.stats against numpy/scipy/sklearn references and hand values."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from prodbench import stats
from prodbench.errors import DataError, SpecError
from prodbench.stats import (
    SCORERS,
    McNemarInterval,
    McNemarResult,
    SignFlipTest,
    bootstrap_quantile_ratio,
    detectable_difference,
    holm,
    holm_levels,
    mcnemar_exact,
    order_statistic_bounds,
    paired_bootstrap_mean,
    percentile,
    percentile_interval,
    relative_halfwidth,
    required_samples,
    row_contributions,
    score,
    sign_flip_pvalue,
)

# ---------------------------------------------------------------- percentile


@pytest.mark.parametrize("n", [1, 2, 3, 10, 101, 1000])
@pytest.mark.parametrize("q", [0.1, 1, 25, 50, 50.5, 90, 99, 99.9, 99.99])
def test_percentile_matches_numpy(n: int, q: float) -> None:
    x = np.sort(np.random.default_rng(n).lognormal(size=n))
    assert percentile(x, q) == pytest.approx(np.percentile(x, q), rel=1e-15, abs=0)


def test_percentile_integer_samples() -> None:
    x = np.arange(0, 1001, dtype=np.int64) * 7
    assert percentile(x, 99.95) == np.percentile(x, 99.95)
    assert isinstance(percentile(x, 50), float)


def test_percentile_errors() -> None:
    with pytest.raises(DataError):
        percentile(np.array([]), 50)
    with pytest.raises(DataError):
        percentile(np.ones((3, 3)), 50)
    for bad_q in (0, 100, -1, 101):
        with pytest.raises(SpecError):
            percentile(np.arange(5.0), bad_q)


# ---------------------------------------------------- order-statistic bounds


def _coverage(n: int, q: float, lo: int | None, hi: int | None) -> float:
    """P(x[lo] <= Q_q <= x[hi]) for continuous data, by the binomial formula."""
    p = q / 100
    upper = 1.0 if hi is None else sps.binom.cdf(hi, n, p)  # 1-based u = hi + 1
    lower = 0.0 if lo is None else sps.binom.cdf(lo, n, p) - sps.binom.pmf(lo, n, p)
    return float(upper - lower)


@pytest.mark.parametrize("n", [1, 5, 20, 59, 100, 299, 1000, 4321])
@pytest.mark.parametrize("q", [5, 50, 90, 99, 99.9])
@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_bounds_cover(n: int, q: float, confidence: float) -> None:
    lo, hi = order_statistic_bounds(n, q, confidence)
    assert lo is None or 0 <= lo < n
    assert hi is None or 0 <= hi < n
    if lo is not None and hi is not None:
        assert lo <= hi
    assert _coverage(n, q, lo, hi) >= confidence - 1e-12


def test_bounds_known_values() -> None:
    # Classic table: the 95% CI of the median from n=1000 is order
    # statistics 469 and 532 (1-based), i.e. 0-based 468 and 531.
    assert order_statistic_bounds(1000, 50, 0.95) == (468, 531)
    # n=100 at p99: P(B <= 96) = 0.0184 <= 0.025 so 1-based l = 97; the upper
    # side needs order statistic 101 -> beyond the sample.
    assert order_statistic_bounds(100, 99, 0.95) == (96, None)
    # Equal-tailed construction from binom.ppf.
    n, p, a = 5000, 0.99, 0.05
    lo1 = int(sps.binom.ppf(a / 2, n, p))
    hi1 = int(sps.binom.ppf(1 - a / 2, n, p)) + 1
    assert order_statistic_bounds(n, 99) == (lo1 - 1, hi1 - 1)


def test_bounds_small_n_unbounded() -> None:
    assert order_statistic_bounds(0, 50) == (None, None)
    assert order_statistic_bounds(1, 50) == (None, None)
    assert order_statistic_bounds(10, 99)[1] is None
    assert order_statistic_bounds(10, 1)[0] is None
    assert order_statistic_bounds(50, 99.9)[1] is None


def test_bounds_cached_and_validated() -> None:
    order_statistic_bounds.cache_clear()
    order_statistic_bounds(777, 99.0, 0.95)
    order_statistic_bounds(777, 99.0, 0.95)
    assert order_statistic_bounds.cache_info().hits >= 1
    with pytest.raises(SpecError):
        order_statistic_bounds(100, 100)
    with pytest.raises(SpecError):
        order_statistic_bounds(100, 50, 1.0)
    with pytest.raises(SpecError):
        order_statistic_bounds(-1, 50)


def test_percentile_interval_values_and_inf() -> None:
    x = np.arange(1000.0)
    assert percentile_interval(x, 50) == (468.0, 531.0)
    low, high = percentile_interval(np.arange(100.0), 99)
    assert low == 96.0 and high == math.inf
    low, high = percentile_interval(np.array([3.0]), 50)
    assert low == -math.inf and high == math.inf
    with pytest.raises(DataError):
        percentile_interval(np.array([]), 50)


def test_percentile_interval_simulated_coverage() -> None:
    rng = np.random.default_rng(123)
    q, n, reps = 90, 300, 400
    true_q = sps.expon.ppf(q / 100)
    samples = np.sort(rng.exponential(size=(reps, n)), axis=1)
    hits = 0
    for row in samples:
        low, high = percentile_interval(row, q)
        hits += low <= true_q <= high
    # nominal >= 0.95; binomial sd at 400 reps is ~0.011
    assert hits / reps >= 0.92


def test_relative_halfwidth() -> None:
    x = np.arange(1.0, 1001.0)
    est = np.percentile(x, 50)
    expected = (x[531] - x[468]) / 2 / est
    assert relative_halfwidth(x, 50) == pytest.approx(expected)
    assert relative_halfwidth(np.arange(1.0, 101.0), 99) == math.inf
    assert relative_halfwidth(np.zeros(1000), 50) == math.inf
    # shrinks with more samples
    rng = np.random.default_rng(0)
    small = relative_halfwidth(np.sort(rng.lognormal(size=2000)), 99)
    large = relative_halfwidth(np.sort(rng.lognormal(size=50000)), 99)
    assert large < small < math.inf


# ---------------------------------------------------------- required samples


def test_required_samples_p99_is_662() -> None:
    assert required_samples(99, 0.99) == 662
    assert required_samples(99) == 662


@pytest.mark.parametrize(("q", "confidence"), [(50, 0.9), (90, 0.95), (99, 0.99), (99.9, 0.99)])
def test_required_samples_is_minimal(q: float, confidence: float) -> None:
    n = required_samples(q, confidence)
    tail = 1 - q / 100
    assert sps.binom.cdf(1, n, tail) <= 1 - confidence
    assert sps.binom.cdf(1, n - 1, tail) > 1 - confidence


def test_required_samples_grows() -> None:
    assert required_samples(99.9) > 9 * required_samples(99)
    assert required_samples(99.9) > required_samples(99) > required_samples(90)
    with pytest.raises(SpecError):
        required_samples(100)


# ------------------------------------------------------ bootstrap of a ratio


def test_order_stat_sampler_matches_brute_force() -> None:
    rng = np.random.default_rng(5)
    n = 40
    x = np.sort(rng.normal(size=n))
    k = math.ceil(0.9 * n)
    fast = stats._order_stat_bootstrap(x, k, 40000, np.random.default_rng(1))
    brute = np.sort(x[rng.integers(0, n, size=(40000, n))], axis=1)[:, k - 1]
    for j in range(k - 6, n):
        exact = sps.binom.sf(k - 1, n, (j + 1) / n)
        assert np.mean(fast <= x[j]) == pytest.approx(exact, abs=0.01)
        assert np.mean(brute <= x[j]) == pytest.approx(exact, abs=0.01)


def test_ratio_identical_and_scaled() -> None:
    rng = np.random.default_rng(2)
    a = np.sort(rng.lognormal(0, 1, 20000))
    r, low, high = bootstrap_quantile_ratio(a, a.copy(), 99)
    assert r == 1.0
    assert low < 1.0 < high
    assert high - low < 0.2
    r, low, high = bootstrap_quantile_ratio(a, 3 * a, 99.9)
    assert r == pytest.approx(3.0)
    assert low <= 3.0 <= high


def test_ratio_direction_and_determinism() -> None:
    rng = np.random.default_rng(3)
    base = np.sort(rng.lognormal(0, 0.5, 5000))
    cand = np.sort(rng.lognormal(np.log(2), 0.5, 5000))
    r, low, high = bootstrap_quantile_ratio(base, cand, 50)
    assert r == pytest.approx(np.percentile(cand, 50) / np.percentile(base, 50))
    assert 1.8 < low < r < high < 2.2
    assert bootstrap_quantile_ratio(base, cand, 50) == (r, low, high)
    assert bootstrap_quantile_ratio(base, cand, 50, random_state=9) != (r, low, high)


def test_ratio_coverage_lognormal() -> None:
    rng = np.random.default_rng(11)
    true_ratio, reps, hits = 1.5, 200, 0
    for i in range(reps):
        a = np.sort(rng.lognormal(0, 1, 2000))
        b = np.sort(rng.lognormal(np.log(true_ratio), 1, 2000))
        _, low, high = bootstrap_quantile_ratio(a, b, 99, n_resamples=1000, random_state=i)
        hits += low <= true_ratio <= high
    assert 0.89 <= hits / reps <= 0.995


def test_ratio_large_sample_runs() -> None:
    rng = np.random.default_rng(4)
    a = np.sort(rng.integers(10_000, 20_000, 200_000))
    b = np.sort(rng.integers(10_000, 20_000, 200_000))
    r, low, high = bootstrap_quantile_ratio(a, b, 99.9)
    assert low <= r <= high
    assert abs(r - 1) < 0.01


def test_ratio_errors() -> None:
    with pytest.raises(DataError):
        bootstrap_quantile_ratio(np.array([]), np.arange(5.0), 50)
    with pytest.raises(DataError):
        bootstrap_quantile_ratio(np.zeros(10), np.arange(10.0), 50)
    with pytest.raises(SpecError):
        bootstrap_quantile_ratio(np.arange(1.0, 5.0), np.arange(1.0, 5.0), 50, n_resamples=0)


# ------------------------------------------------------------------ McNemar


def _table(b: int, c: int, both_right: int = 7, both_wrong: int = 3) -> tuple:
    a = [True] * b + [False] * c + [True] * both_right + [False] * both_wrong
    bb = [False] * b + [True] * c + [True] * both_right + [False] * both_wrong
    return np.array(a), np.array(bb)


def test_mcnemar_hand_worked() -> None:
    # b=10, c=2, n=12: P(X <= 2) = (C(12,0) + C(12,1) + C(12,2)) / 2**12
    #                           = (1 + 12 + 66) / 4096 = 79 / 4096 = 0.019287
    # two-sided p = 2 * 79 / 4096 = 158 / 4096 = 0.038574 -> 0.0386
    res = mcnemar_exact(*_table(10, 2))
    assert res == McNemarResult(b=10, c=2, p_value=pytest.approx(158 / 4096))
    assert round(res.p_value, 4) == 0.0386


@pytest.mark.parametrize(("b", "c"), [(0, 1), (1, 1), (3, 9), (25, 40), (100, 70), (0, 12)])
def test_mcnemar_matches_binomtest(b: int, c: int) -> None:
    res = mcnemar_exact(*_table(b, c))
    assert (res.b, res.c) == (b, c)
    ref = sps.binomtest(min(b, c), b + c, 0.5).pvalue
    assert res.p_value == pytest.approx(ref, rel=1e-9)
    assert mcnemar_exact(*reversed(_table(b, c))).p_value == pytest.approx(res.p_value)


def test_mcnemar_edge_cases() -> None:
    assert mcnemar_exact(*_table(0, 0)) == McNemarResult(0, 0, 1.0)
    assert mcnemar_exact(np.array([1, 0, 1]), np.array([1, 0, 1])).p_value == 1.0
    with pytest.raises(DataError):
        mcnemar_exact(np.ones(3, bool), np.ones(4, bool))


# ------------------------------------------------------------------ scorers


def test_scorer_registry() -> None:
    assert set(SCORERS) == {
        "accuracy",
        "r2",
        "neg_mean_absolute_error",
        "neg_mean_squared_error",
    }
    assert SCORERS["accuracy"].task == "classification"
    assert SCORERS["r2"].task == "regression"
    assert all(s.greater_is_better for s in SCORERS.values())
    assert all(name == s.name for name, s in SCORERS.items())


def test_scores_match_sklearn() -> None:
    from sklearn import metrics

    rng = np.random.default_rng(8)
    y = rng.normal(size=300)
    p = y + rng.normal(scale=0.5, size=300)
    assert score("r2", y, p) == pytest.approx(metrics.r2_score(y, p), rel=1e-12)
    assert score("neg_mean_absolute_error", y, p) == pytest.approx(
        -metrics.mean_absolute_error(y, p), rel=1e-12
    )
    assert score("neg_mean_squared_error", y, p) == pytest.approx(
        -metrics.mean_squared_error(y, p), rel=1e-12
    )
    labels = np.array(["cat", "dog", "cat", "bird"] * 25)
    preds = np.roll(labels, 1)
    assert score("accuracy", labels, preds) == metrics.accuracy_score(labels, preds)


@pytest.mark.parametrize("name", sorted(SCORERS))
def test_row_contributions_mean_is_score(name: str) -> None:
    rng = np.random.default_rng(9)
    if SCORERS[name].task == "classification":
        y = rng.integers(0, 3, 500)
        pa, pb = np.where(rng.random(500) < 0.8, y, 0), np.where(rng.random(500) < 0.9, y, 1)
    else:
        y = rng.normal(size=500)
        pa, pb = y + rng.normal(size=500), y + rng.normal(scale=0.7, size=500)
    ca, cb = row_contributions(name, y, pa), row_contributions(name, y, pb)
    assert ca.dtype == np.float64 and ca.shape == (500,)
    assert ca.mean() == pytest.approx(score(name, y, pa), rel=1e-12, abs=1e-12)
    diff = score(name, y, pb) - score(name, y, pa)
    assert (cb - ca).mean() == pytest.approx(diff, rel=1e-9, abs=1e-12)


def test_row_contributions_hand_values() -> None:
    y, p = np.array([1.0, 2.0, 3.0]), np.array([1.0, 3.0, 1.0])
    np.testing.assert_allclose(row_contributions("neg_mean_absolute_error", y, p), [0, -1, -2])
    np.testing.assert_allclose(row_contributions("neg_mean_squared_error", y, p), [0, -1, -4])
    # SST = 2, n = 3: c_i = 1 - 3 * err_i**2 / 2; r2 = 1 - 5/2 = -1.5
    np.testing.assert_allclose(row_contributions("r2", y, p), [1, -0.5, -5])
    assert score("r2", y, p) == pytest.approx(-1.5)
    np.testing.assert_array_equal(
        row_contributions("accuracy", np.array([1, 2, 3]), np.array([1, 0, 3])), [1.0, 0.0, 1.0]
    )


def test_score_errors() -> None:
    with pytest.raises(SpecError, match="accuracy"):
        score("f1", np.ones(3), np.ones(3))
    with pytest.raises(SpecError):
        row_contributions("roc_auc", np.ones(3), np.ones(3))
    with pytest.raises(DataError):
        score("r2", np.ones(5), np.arange(5.0))
    with pytest.raises(DataError):
        row_contributions("r2", np.ones(5), np.arange(5.0))
    with pytest.raises(DataError):
        score("neg_mean_squared_error", np.ones(3), np.ones(4))
    with pytest.raises(DataError):
        score("accuracy", np.array([]), np.array([]))


# ------------------------------------------------------- paired differences


def test_paired_bootstrap_coverage_continuous() -> None:
    rng = np.random.default_rng(21)
    hits = 0
    for i in range(200):
        d = rng.normal(0.3, 1.0, 200)
        low, high = paired_bootstrap_mean(d, n_resamples=1000, random_state=i)
        hits += low <= 0.3 <= high
    assert 0.90 <= hits / 200 <= 0.99


def test_paired_bootstrap_coverage_discrete() -> None:
    # accuracy-style differences: few distinct values -> multinomial path
    rng = np.random.default_rng(2024)
    true_mean, hits = 0.10 - 0.05, 0
    for i in range(200):
        d = rng.choice([-1.0, 0.0, 1.0], p=[0.05, 0.85, 0.10], size=2000)
        low, high = paired_bootstrap_mean(d, random_state=i)
        hits += low <= true_mean <= high
    assert 0.90 <= hits / 200 <= 0.99


def test_paired_bootstrap_paths_agree() -> None:
    # same data through the multinomial path and the index path
    rng = np.random.default_rng(23)
    d = rng.choice([-1.0, 0.0, 1.0], p=[0.1, 0.7, 0.2], size=4000)
    low, high = paired_bootstrap_mean(d, n_resamples=4000)
    jitter = d + rng.normal(scale=1e-9, size=d.size)  # all distinct -> index path
    low2, high2 = paired_bootstrap_mean(jitter, n_resamples=4000)
    se = d.std(ddof=1) / math.sqrt(d.size)
    assert low == pytest.approx(low2, abs=0.2 * se)
    assert high == pytest.approx(high2, abs=0.2 * se)
    assert high - low == pytest.approx(2 * 1.96 * se, rel=0.1)


def test_paired_bootstrap_edges() -> None:
    assert paired_bootstrap_mean(np.array([0.25])) == (0.25, 0.25)
    assert paired_bootstrap_mean(np.zeros(100)) == (0.0, 0.0)
    d = np.random.default_rng(0).normal(size=300)
    assert paired_bootstrap_mean(d) == paired_bootstrap_mean(d)
    with pytest.raises(DataError):
        paired_bootstrap_mean(np.array([]))
    with pytest.raises(DataError):
        paired_bootstrap_mean(np.array([1.0, np.nan]))


def _exact_sign_flip(d: np.ndarray) -> float:
    obs = abs(d.sum())
    stats_ = [abs(np.dot(s, d)) for s in itertools.product((-1, 1), repeat=d.size)]
    return float(np.mean(np.array(stats_) >= obs - 1e-12))


def test_sign_flip_matches_exact_enumeration() -> None:
    d = np.array([0.8, 1.3, -0.2, 0.5, 2.1, -0.4, 0.9, 0.05, 1.1, -0.7, 0.3, 0.6])
    exact = _exact_sign_flip(d)  # 4096 sign patterns
    p = sign_flip_pvalue(d, n_resamples=20000)
    assert p == pytest.approx(exact, abs=0.01)
    assert sign_flip_pvalue(-d, n_resamples=20000) == pytest.approx(exact, abs=0.01)


def test_sign_flip_discordant_matches_binomial() -> None:
    # d in {-1, 0, 1}: the sign-flip test is the exact McNemar (binomial) test
    d = np.r_[np.ones(30), -np.ones(14), np.zeros(500)]
    ref = sps.binomtest(14, 44, 0.5).pvalue
    assert sign_flip_pvalue(d, n_resamples=20000) == pytest.approx(ref, abs=0.01)


def test_sign_flip_edges() -> None:
    assert sign_flip_pvalue(np.zeros(50)) == 1.0
    strong = np.r_[np.ones(200), np.zeros(10)]
    assert sign_flip_pvalue(strong, n_resamples=999) == pytest.approx(1 / 1000)
    balanced = np.r_[np.ones(20), -np.ones(20)]
    assert sign_flip_pvalue(balanced) > 0.5
    with pytest.raises(DataError):
        sign_flip_pvalue(np.array([]))


def test_detectable_difference_formula() -> None:
    rng = np.random.default_rng(30)
    d = rng.normal(0, 2.0, 400)
    z = sps.norm.ppf(0.975) + sps.norm.ppf(0.8)  # 1.95996 + 0.84162 = 2.80158
    assert detectable_difference(d) == pytest.approx(z * d.std(ddof=1) / 20)
    z90 = sps.norm.ppf(0.995) + sps.norm.ppf(0.9)
    assert detectable_difference(d, alpha=0.01, power=0.9) == pytest.approx(
        z90 * d.std(ddof=1) / 20
    )


def test_detectable_difference_zero_std_fallback() -> None:
    n = 1000
    one_discordant = np.zeros(n)
    one_discordant[0] = 1.0
    expected = detectable_difference(one_discordant)
    assert detectable_difference(np.zeros(n)) == pytest.approx(expected)
    assert detectable_difference(np.zeros(n)) > 0
    with pytest.raises(DataError):
        detectable_difference(np.zeros(1))


def test_detectable_difference_shrinks_with_n() -> None:
    rng = np.random.default_rng(31)
    values = []
    for n in (200, 2000, 20000):
        d = rng.choice([-1.0, 0.0, 1.0], p=[0.04, 0.9, 0.06], size=n)
        values.append(detectable_difference(d))
    assert values[0] > values[1] > values[2] > 0
    assert values[0] / values[2] == pytest.approx(10, rel=0.25)  # ~ 1 / sqrt(n)


# --------------------------------------------------------------------------- issue 9
def test_one_sided_bounds_error_rates_are_exact_binomial_tails() -> None:
    from scipy.stats import binom

    from prodbench.stats import one_sided_bounds

    for n, q, alpha in [(500, 99, 0.01), (64, 50, 0.002), (1000, 90, 0.025)]:
        lo, hi = one_sided_bounds(n, q, alpha)
        p = q / 100
        assert lo is not None and hi is not None
        assert binom.sf(hi, n, p) <= alpha < binom.sf(hi - 1, n, p)  # P(x_(hi) < Q)
        assert binom.cdf(lo, n, p) <= alpha < binom.cdf(lo + 1, n, p)  # P(x_(lo) > Q)
    assert one_sided_bounds(200, 99, 0.05)[1] is None  # 0.99**200 > 0.05: no upper bound


def test_one_sided_bounds_cover_by_simulation() -> None:
    from prodbench.stats import one_sided_bounds

    rng = np.random.default_rng(5)
    n, alpha = 400, 0.05
    lo, hi = one_sided_bounds(n, 99, alpha)
    x = np.sort(rng.exponential(size=(4000, n)), axis=1)
    true = -np.log(0.01)
    assert np.mean(x[:, hi] < true) <= alpha + 0.01
    assert np.mean(x[:, lo] > true) <= alpha + 0.01


def test_holm_matches_the_step_down_definition() -> None:
    from prodbench.stats import holm

    p = np.array([0.01, 0.04, 0.03, 0.5])
    assert holm(p).tolist() == pytest.approx([0.04, 0.09, 0.09, 0.5])
    assert holm([]).size == 0
    assert holm([0.9, 0.8]).max() <= 1.0


def test_holm_controls_ten_equal_challengers() -> None:
    from prodbench.stats import holm

    rng = np.random.default_rng(0)
    p = rng.random((4000, 10))  # null p-values
    raw = np.mean((p < 0.05).any(axis=1))
    adjusted = np.mean((np.apply_along_axis(holm, 1, p) < 0.05).any(axis=1))
    assert raw > 0.35 and adjusted <= 0.05 + 0.01


def test_samples_to_decide() -> None:
    from prodbench.stats import samples_to_decide

    assert samples_to_decide(250, 250, 99, 0.025) == 368
    assert samples_to_decide(99, 100, 99, 0.025) is None  # right at the percentile
    far = samples_to_decide(50, 100, 99, 0.025)  # half the samples above: FAIL quickly
    assert far is not None and far < 100


def test_ratio_interval_is_open_where_a_percentile_is_unbounded() -> None:
    rng = np.random.default_rng(0)
    a = np.sort(rng.lognormal(0.0, 0.3, 5000))
    b = np.sort(rng.lognormal(0.5, 0.3, 50))  # p99 of 50 samples: no upper bound
    ratio, low, high = bootstrap_quantile_ratio(a, b, 99)
    assert high == math.inf and 0 < low < ratio
    ratio, low, high = bootstrap_quantile_ratio(b, a, 99)  # under-sampled denominator
    assert low == 0.0 and high < math.inf


def test_batch_means_interval() -> None:
    from prodbench import serving

    assert serving.batch_means_interval is stats.batch_means_interval  # the old path stays
    x = np.random.default_rng(0).exponential(1.0, 20_000)
    low, high = stats.batch_means_interval(x, 50)
    assert low < np.log(2) < high
    assert low <= np.percentile(x, 50) <= high  # widened to contain the estimate
    assert low >= x.min()
    assert stats.batch_means_interval(x[:100], 99) == (-math.inf, math.inf)  # under two batches
    with pytest.raises(SpecError, match="strictly between 0 and 100"):
        stats.batch_means_interval(x, 100)


# ------------------------------------------- paired tests and the intervals that invert them
_LEVELS = st.sampled_from([0.05, 0.025, 0.05 / 3, 0.01, 0.1, 0.0125])


@settings(max_examples=400, deadline=None)
@given(
    b=st.integers(0, 60),
    c=st.integers(0, 60),
    concordant=st.integers(0, 10_000),
    alpha=_LEVELS,
)
def test_mcnemar_interval_excludes_zero_exactly_when_significant(
    b: int, c: int, concordant: int, alpha: float
) -> None:
    n = max(1, b + c + concordant)
    t = McNemarInterval(b, c, n)
    low, high = t.interval(1.0 - alpha)
    assert low <= (c - b) / n <= high
    assert (low > 0 or high < 0) == (t.p_value < alpha)
    # agreement comes from the inversion, not from the rounding guard: away
    # from rounding, the raw Clopper-Pearson bounds agree by themselves
    if b + c:
        m = b + c
        p_lo = 0.0 if c == 0 else sps.beta.ppf(alpha / 2, c, m - c + 1)
        p_hi = 1.0 if c == m else sps.beta.ppf(1 - alpha / 2, c + 1, m - c)
        if abs(p_lo - 0.5) > 1e-9 and abs(p_hi - 0.5) > 1e-9:
            assert (p_lo > 0.5 or p_hi < 0.5) == (t.p_value < alpha)


def test_mcnemar_interval_matches_the_test_and_rejects_bad_tables() -> None:
    t = McNemarInterval(b=2, c=10, n=400)
    assert (
        t.p_value
        == mcnemar_exact(
            np.r_[np.ones(2, bool), np.zeros(10, bool), np.ones(388, bool)],
            np.r_[np.zeros(2, bool), np.ones(10, bool), np.ones(388, bool)],
        ).p_value
    )
    low, high = t.interval(0.95)
    assert 0 < low < 8 / 400 < high
    low0, high0 = McNemarInterval(0, 0, 100).interval(0.95)
    assert low0 == -high0 and 0.03 < high0 < 0.04  # no discordant row: up to ~3.6%
    with pytest.raises(DataError, match="not a paired table"):
        McNemarInterval(5, 5, 3)


def test_mcnemar_interval_covers_at_least_nominal() -> None:
    # 1% and 5% discordant rows, a real difference: the widened conditional
    # interval keeps its 95% (the bare conditional one falls to ~60%)
    rng = np.random.default_rng(3)
    for n, share in [(150, 0.05), (1000, 0.01), (1000, 0.05)]:
        pb, pc = 0.2 * share, 0.8 * share
        hits = 0
        for _ in range(400):
            b, c, _rest = rng.multinomial(n, [pb, pc, 1 - share])
            low, high = McNemarInterval(int(b), int(c), n).interval(0.95)
            hits += low <= pc - pb <= high
        assert hits / 400 >= 0.93, (n, share, hits)


@settings(max_examples=300, deadline=None)
@given(
    p=st.lists(st.floats(1e-6, 1.0), min_size=1, max_size=8),
    alpha=st.sampled_from([0.05, 0.1, 0.01]),
)
def test_holm_levels_agree_with_the_adjusted_decision(p: list[float], alpha: float) -> None:
    levels = holm_levels(p, alpha)
    adjusted = holm(p)
    for raw, level, adj in zip(p, levels, adjusted, strict=True):
        assert (raw < level) == (adj < alpha)
        assert alpha / len(p) <= level <= alpha


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(st.integers(-3, 3), min_size=1, max_size=300),
    shift=st.floats(-1.0, 1.0),
    alpha=_LEVELS,
    seed=st.integers(0, 2**16),
)
def test_sign_flip_interval_is_the_set_of_shifts_not_rejected(
    values: list[int], shift: float, alpha: float, seed: int
) -> None:
    d = np.asarray(values, dtype=float) * 0.5 + shift * (seed % 2)
    t = SignFlipTest.from_differences(d, n_resamples=999, random_state=seed)
    low, high = t.interval(1.0 - alpha)
    assert (low > 0 or high < 0) == (t.p_value < alpha)
    assert low <= d.mean() <= high
    if math.isfinite(low) and math.isfinite(high) and high > low:
        span = high - low
        # inside: not rejected; clearly outside: rejected
        assert t.p_value_at(low + 0.01 * span) >= alpha
        assert t.p_value_at(high - 0.01 * span) >= alpha
        assert t.p_value_at(low - 0.05 * span - 1e-6) < alpha
        assert t.p_value_at(high + 0.05 * span + 1e-6) < alpha


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(20, 400),
    effect=st.floats(-0.5, 0.5),
    alpha=_LEVELS,
    seed=st.integers(0, 2**16),
)
def test_sign_flip_interval_on_continuous_differences(
    n: int, effect: float, alpha: float, seed: int
) -> None:
    d = np.random.default_rng(seed).standard_t(3, n) + effect
    t = SignFlipTest.from_differences(d, n_resamples=999, random_state=seed)
    low, high = t.interval(1.0 - alpha)
    assert (low > 0 or high < 0) == (t.p_value < alpha)
    assert sign_flip_pvalue(-d, n_resamples=999, random_state=seed) == pytest.approx(t.p_value)


def test_sign_flip_interval_covers_the_mean() -> None:
    rng = np.random.default_rng(5)
    hits = 0
    for i in range(300):
        d = rng.normal(0.3, 1.0, 150)
        low, high = SignFlipTest.from_differences(d, n_resamples=999, random_state=i).interval()
        hits += low <= 0.3 <= high
    assert hits / 300 >= 0.92
