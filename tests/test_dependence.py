"""Dependence tests, the fallback interval and the rules built on them (no real timing)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.signal import lfilter
from scipy.special import comb

from prodbench import dependence as dep
from prodbench.results import LatencyResult
from prodbench.sequential import SequentialDecision, SequentialRule


def ar1(rng: np.random.Generator, n: int, phi: float, sigma: float = 0.3) -> np.ndarray:
    e = rng.normal(size=n)
    z = lfilter([math.sqrt(1 - phi**2)], [1, -phi], e, zi=[phi * rng.normal()])[0]
    return np.exp(sigma * z)


def test_runs_pvalue_is_the_exact_distribution() -> None:
    # every arrangement of 3 ones in 7 places, counted by brute force
    from itertools import combinations

    n, m = 7, 3
    runs = []
    for ones in combinations(range(n), m):
        ind = np.zeros(n, dtype=bool)
        ind[list(ones)] = True
        runs.append(int(ind[0]) + int(np.count_nonzero(ind[1:] & ~ind[:-1])))
    total = comb(n, m, exact=True)
    for r in (1, 2, 3):
        example = np.zeros(n, dtype=bool)
        example[: m - r + 1] = True  # a run of m - r + 1 ...
        for k in range(1, r):  # ... then r - 1 single ones apart
            example[m - r + 1 + 2 * k] = True
        expected = sum(x <= r for x in runs) / total
        assert dep.runs_pvalue(example) == pytest.approx(expected)


def test_split_half_pvalue_matches_scipy_hypergeom() -> None:
    from scipy.stats import hypergeom

    ind = np.zeros(100, dtype=bool)
    ind[[1, 5, 9, 20, 33, 70]] = True  # 5 in the first half, 1 in the second
    dist = hypergeom(100, 6, 50)
    assert dep.split_half_pvalue(ind) == pytest.approx(2 * min(dist.cdf(5), dist.sf(4)))


@pytest.mark.parametrize("q", [50.0, 99.0])
def test_independent_samples_are_rarely_called_dependent(q: float) -> None:
    rng = np.random.default_rng(3)
    found = [dep.check_dependence(rng.lognormal(0, 0.3, 2000), q).dependent for _ in range(200)]
    assert np.mean(found) <= 0.08  # three tests at 1% each, with room for chance


@pytest.mark.parametrize("phi", [0.5, 0.9])
def test_autocorrelated_samples_are_found_and_widened(phi: float) -> None:
    rng = np.random.default_rng(4)
    d = dep.check_dependence(ar1(rng, 3000, phi), 50)
    assert d.dependent and d.tau > 1.5
    assert d.block >= 10
    assert "calls were dependent" in d.method


def test_a_step_in_speed_is_found_by_the_split_half_test() -> None:
    rng = np.random.default_rng(5)
    x = rng.lognormal(0, 0.2, 4000)
    x[2000:] *= 2
    d = dep.check_dependence(x, 99)
    assert d.split_p < 1e-6 and d.dependent
    assert any("moved" in r for r in d.reasons)


def test_dependent_bounds_equal_the_exact_ones_when_independent() -> None:
    from prodbench import stats

    for n, q, alpha in [(1000, 50, 0.025), (5000, 99, 0.001), (300, 90, 0.05)]:
        assert dep.dependent_bounds(n, q, alpha) == stats.one_sided_bounds(n, q, alpha)
    lo, hi = dep.dependent_bounds(1000, 99, 0.025, tau=8.0)
    assert lo is not None and hi is None  # 125 effective samples: no finite p99 upper bound


def _coverage(draw, q: float, truth: float, reps: int, seed: int) -> tuple[float, float]:
    from prodbench import stats

    rng = np.random.default_rng(seed)
    before = after = 0
    for _ in range(reps):
        x = draw(rng)
        low, high = stats.percentile_interval(np.sort(x), q)
        before += low <= truth <= high
        low, high, _ = dep.percentile_interval(x, q)
        after += low <= truth <= high
    return before / reps, after / reps


@pytest.mark.parametrize("phi", [0.5, 0.9])
def test_interval_covers_under_ar1_where_order_statistics_do_not(phi: float) -> None:
    truth = 1.0  # median of exp(0.3 z), z standard normal
    before, after = _coverage(lambda r: ar1(r, 3000, phi), 50, truth, 150, seed=int(phi * 10))
    assert after >= 0.88, (before, after)
    assert before < 0.88, (before, after)  # the independent interval is too short here


def test_interval_under_independence_keeps_its_coverage() -> None:
    from scipy.stats import norm

    truth = float(np.exp(0.3 * norm.ppf(0.99)))
    before, after = _coverage(lambda r: r.lognormal(0, 0.3, 3000), 99, truth, 200, seed=8)
    assert abs(after - before) <= 0.03 and after >= 0.91


def test_latency_result_says_which_interval_it_gives() -> None:
    rng = np.random.default_rng(9)
    steady = LatencyResult(samples_ns=(rng.lognormal(0, 0.3, 3000) * 1e6).astype(int))
    assert steady.interval_method(99) == "order statistics"
    moved = (rng.lognormal(0, 0.3, 3000) * 1e6).astype(int)
    moved[1500:] *= 3
    lat = LatencyResult(samples_ns=moved)
    assert "calls were dependent" in lat.interval_method(50)
    shuffled = LatencyResult(samples_ns=rng.permutation(moved))
    w_dep = np.subtract(*lat.interval(50)[::-1])
    w_ind = np.subtract(*shuffled.interval(50)[::-1])
    assert w_dep > 2 * w_ind  # the same values, dependent: honestly wider


def test_leading_transient_finds_a_slow_start_and_nothing_in_a_steady_run() -> None:
    rng = np.random.default_rng(10)
    steady = [dep.leading_transient(rng.lognormal(0, 0.3, 5000)) for _ in range(100)]
    assert sum(s > 0 for s in steady) <= 3
    x = rng.lognormal(0, 0.3, 5000)
    x[:400] *= 3
    assert 300 <= dep.leading_transient(x) <= 1000  # MSER errs on dropping more


def test_settled_needs_agreeing_medians_and_tolerates_their_noise() -> None:
    assert not dep.settled([1.0, 1.0])  # fewer than the window
    assert not dep.settled([2.0, 1.5, 1.2])
    assert not dep.settled([1.2, 1.0, 1.04])  # 20% apart
    assert dep.settled([9.0, 1.03, 1.0, 1.04])  # the last three within 5%
    assert dep.settled([1.1, 1.0, 1.04], noise=0.04)  # 10% apart, each median +-4%


def test_min_wall_time() -> None:
    assert dep.min_wall_time(10) == 3.0 and dep.min_wall_time(3) == pytest.approx(0.9)


def test_no_interim_look_before_the_minimum_sampling_time() -> None:
    x = np.random.default_rng(11).lognormal(np.log(1e-3), 0.2, 4000)
    fast = SequentialDecision({"p99": 0.01}, SequentialRule(min_wall_s=1.0))
    # 4000 calls in 0.5 s: every planned look falls before 1 s, none decides
    assert not fast.update(x, elapsed=0.5)
    assert fast.outcome == "inconclusive" and fast.states["p99"].status == "pending"
    slow = SequentialDecision({"p99": 0.01}, SequentialRule(min_wall_s=1.0))
    assert slow.update(x, elapsed=4.0)  # the look at 256 calls is after 0.256 s ... 1 s
    assert slow.outcome == "pass" and slow.states["p99"].n >= 1000


def test_a_slow_start_does_not_fail_a_model_within_its_limit() -> None:
    rng = np.random.default_rng(12)
    fails = 0
    for _ in range(40):
        x = rng.lognormal(np.log(1e-3), 0.3, 10_000)
        x[:200] *= 4  # the first 0.2 s
        limit = 1e-3 * math.exp(0.3 * 2.326) / 0.9  # true p99 at 0.9x the limit
        d = SequentialDecision({"p99": limit}, SequentialRule(min_wall_s=1.0))
        d.update(x, final=True, elapsed=float(x.sum()))
        fails += d.outcome == "fail"
    assert fails <= 4
