"""prodbench.testing: assert_latency and check_latency_budget.

Fakes busy-wait with latencies far from the limits, and pass/fail cases rest
on the median (p50), which preemption on a loaded shared machine barely moves;
p99 cases use limits far above any scheduler hiccup.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from fakes import BusyModel, constant

from prodbench.errors import BudgetError, LatencyInconclusive, ModelError, ProdbenchError
from prodbench.results import LatencyResult
from prodbench.testing import (
    BUDGET_SCALE_ENV,
    LATENCY_SKIP_ENV,
    MAX_TIME_ENV,
    ON_INCONCLUSIVE_ENV,
    LatencyCheck,
    LatencyInconclusiveWarning,
    SequentialDecision,
    SequentialRule,
    _conclude,
    assert_latency,
    check_latency_budget,
    resolve_budget_scale,
    resolve_max_time,
    resolve_on_inconclusive,
)

X = np.zeros((40, 3))
US = 1000
MS = 1_000_000


def fake(ns: int) -> BusyModel:
    return BusyModel(constant(ns)).fit(X, np.zeros(40, dtype=int))


@pytest.fixture(autouse=True)
def _no_env_scale(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (BUDGET_SCALE_ENV, MAX_TIME_ENV, ON_INCONCLUSIVE_ENV, LATENCY_SKIP_ENV):
        monkeypatch.delenv(name, raising=False)


def test_within_budget_returns_the_latency_result() -> None:
    result = assert_latency(fake(200 * US), X, p50="2ms", max_time=2)
    assert isinstance(result, LatencyResult)
    assert result.n > 0
    assert result.method == "predict"
    assert result.request_format == "numpy"


def test_far_inside_the_budget_decides_before_max_time() -> None:
    check = check_latency_budget(fake(100 * US), X, p50="5ms", max_time=5)
    assert check.outcome == "pass"
    # decided statistically at its first look (after 30% of max_time), long before max_time
    assert check.elapsed_s < 4.0


def test_failure_message_reads_once() -> None:
    with pytest.raises(AssertionError) as info:
        assert_latency(fake(2 * MS), X, p50="200us", max_time=2, name="ranker")
    first, second = str(info.value).splitlines()
    assert re.fullmatch(
        r"ranker p50 = [\d.]+ ms \([\d.]+% CI [\d.]+ ms-[\d.]+ ms, n=[\d,]+\) "
        r"exceeds budget 200 µs",
        first,
    ), first
    assert re.fullmatch(r"p50 \S+ \S+ \| p90 \S+ \S+ \| p99 \S+ \S+ \| max \S+ \S+", second)


def test_model_name_defaults_to_class_name() -> None:
    with pytest.raises(AssertionError, match=r"^BusyModel p50 = "):
        assert_latency(fake(2 * MS), X, p50="200us", max_time=1)


def test_failing_limit_comes_first() -> None:
    check = check_latency_budget(fake(2 * MS), X, p50="200us", p90="1s", max_time=1)
    assert check.outcome == "fail"
    assert check.message.startswith("BusyModel p50 = ")
    assert "p90 = " in check.message


def test_inconclusive_is_never_decided_on_the_estimate() -> None:
    # 1 ms calls for 0.1 s: far too few samples to bound p99 from above.
    check = check_latency_budget(fake(1 * MS), X, p99="50ms", max_time=0.1)
    assert check.checks["p99"].status == "inconclusive"
    assert check.outcome == "inconclusive" and not check.passed
    assert check.verdict("p99") == "inconclusive"
    assert "neither PASS nor FAIL" in check.message
    pattern = r"max_time=[\d.]+ \(about [\d,]+ samples\) would likely decide it"
    assert re.search(pattern, check.message)
    needed = check.max_time_to_decide()
    assert needed is not None and needed > 0.1


def test_assert_latency_raises_latency_inconclusive_with_what_would_decide_it() -> None:
    with pytest.raises(LatencyInconclusive) as info:
        assert_latency(fake(1 * MS), X, p99="50ms", max_time=0.1, name="ranker")
    err = info.value
    assert isinstance(err, AssertionError) and isinstance(err, ProdbenchError)
    assert err.key == "p99" and err.n > 0
    assert err.interval[1] == float("inf") and err.interval[0] <= err.estimate
    assert err.max_time_to_decide is not None and err.max_time_to_decide > 0.1
    assert str(err).startswith("INCONCLUSIVE: ranker p99 = ")


def test_on_inconclusive_pass_warns_and_skip_skips(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.warns(LatencyInconclusiveWarning, match="INCONCLUSIVE"):
        result = assert_latency(fake(1 * MS), X, p99="50ms", max_time=0.1, on_inconclusive="pass")
    assert result.n > 0
    with pytest.raises(pytest.skip.Exception, match="INCONCLUSIVE"):
        assert_latency(fake(1 * MS), X, p99="50ms", max_time=0.1, on_inconclusive="skip")
    # outside pytest, "skip" raises unittest.SkipTest
    import unittest

    monkeypatch.delenv("PYTEST_CURRENT_TEST")
    with pytest.raises(unittest.SkipTest):
        assert_latency(fake(1 * MS), X, p99="50ms", max_time=0.1, on_inconclusive="skip")


def test_session_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_on_inconclusive() == "fail"  # never "pass" by default
    assert resolve_max_time() == 10.0
    monkeypatch.setenv(ON_INCONCLUSIVE_ENV, "pass")
    monkeypatch.setenv(MAX_TIME_ENV, "0.1")
    assert resolve_on_inconclusive() == "pass" and resolve_on_inconclusive("fail") == "fail"
    assert resolve_max_time() == 0.1 and resolve_max_time(2) == 2.0
    with pytest.warns(LatencyInconclusiveWarning):
        assert_latency(fake(1 * MS), X, p99="50ms")
    monkeypatch.setenv(LATENCY_SKIP_ENV, "1")
    # a no-op: nothing sampled, the caller goes on; its arguments are still checked
    skipped = assert_latency(fake(1 * MS), X, p99="50ms")
    assert skipped.n == 0 and skipped.stop_reason == "skipped"
    with pytest.raises(BudgetError):
        assert_latency(fake(1 * MS), X, p99="5 parsecs")
    monkeypatch.setenv(ON_INCONCLUSIVE_ENV, "maybe")
    with pytest.raises(BudgetError, match=ON_INCONCLUSIVE_ENV):
        resolve_on_inconclusive()


def test_undecided_limits_after_a_failure_are_named() -> None:
    # in shuffled order: a sorted sequence is one whose speed moved, and is not decided
    latency = LatencyResult(samples_ns=np.random.default_rng(0).permutation(100) * MS + MS)
    decision = SequentialDecision({"p50": 0.010 * 1e9, "p99": 0.098 * 1e9})
    decision.update(latency.samples_ns, final=True)
    check = _conclude("m", latency, decision, 0.5, 1.0, 0.95, 1.0)
    assert check.outcome == "fail"
    assert check.verdict("p50") == "fail"
    assert check.verdict("p99") == "not-needed"
    assert "another limit failed first" in check.message


def test_the_rule_is_stated_and_spends_the_error_rate() -> None:
    rule = SequentialRule()
    interim = sum(rule.alphas(n_limits=1, final=False)[0] for _ in rule.looks)
    final = rule.alphas(n_limits=1, final=True)[0]
    assert interim + final == pytest.approx(0.05)
    # with two limits the false-FAIL share is split between them
    assert rule.alphas(n_limits=2, final=True) == (0.025, 0.0125)
    assert rule.looks == tuple(64 * 2**k for k in range(14))


# --------------------------------------------------------------------------- simulation
SIGMA = 0.3  # lognormal latencies: p99 ~ 2x the median


def simulate(
    ratio: float, ms_per_call: float, reps: int, *, seed: int, key: str = "p99"
) -> dict[str, float]:
    """Outcome rates of the rule on a fake clock: pre-drawn samples, no timing.

    Calls take lognormal times whose true ``key`` percentile is ``ratio`` x
    the limit; ``max_time`` is the default 10 s, each call costs 20 us on
    top, the warm-up 25 ms. Exactly the looks a live check takes on the same
    samples (they sit at fixed sample counts, and the last at ``max_time``).
    """
    from scipy.stats import norm

    rng = np.random.default_rng(seed)
    q = {"p50": 50.0, "p90": 90.0, "p99": 99.0}[key]
    median = ms_per_call * 1e-3
    limit = median * np.exp(norm.ppf(q / 100.0) * SIGMA) / ratio
    mean = median * np.exp(SIGMA**2 / 2)
    max_time, overhead = 10.0, 20e-6
    n_max = int(1.3 * max_time / (mean + overhead)) + 50
    counts = {"pass": 0, "fail": 0, "inconclusive": 0}
    for _ in range(reps):
        x = median * np.exp(rng.normal(0.0, SIGMA, n_max))
        n_final = int(np.searchsorted(np.cumsum(x + overhead), max_time - 0.025, side="right"))
        # the live rule: no interim look before min(1 s, 10% of max_time) of sampling
        decision = SequentialDecision({key: limit}, SequentialRule(min_wall_s=1.0))
        elapsed = 0.025 + float(np.sum(x[:n_final] + overhead))
        decision.update(x[:n_final], final=True, elapsed=elapsed)
        counts[decision.outcome] += 1
    return {k: v / reps for k, v in counts.items()}


@pytest.mark.parametrize("ms_per_call", [1.0, 10.0])
@pytest.mark.parametrize("ratio", [0.5, 0.9, 1.1, 2.0])
def test_simulated_false_pass_and_false_fail_stay_within_5_percent(
    ratio: float, ms_per_call: float
) -> None:
    rates = simulate(ratio, ms_per_call, 600, seed=int(ratio * 10 + ms_per_call))
    if ratio < 1:
        assert rates["fail"] <= 0.05, rates  # false FAIL
    else:
        assert rates["pass"] <= 0.05, rates  # false PASS
    if ratio in (0.5, 2.0):
        # 2x from the limit: decided within the default max_time, even at 10 ms a call
        decided = rates["pass"] if ratio < 1 else rates["fail"]
        assert decided >= 0.95, rates


def test_simulated_boundary_keeps_both_errors_within_5_percent() -> None:
    # At the limit itself the union bound is what holds the rates down.
    rates = simulate(1.0, 1.0, 1000, seed=7)
    assert rates["pass"] <= 0.05 and rates["fail"] <= 0.05, rates


def test_a_slow_model_stays_inconclusive_instead_of_guessing() -> None:
    # 40 ms a call: ~250 samples in 10 s, too few for a finite p99 upper bound
    rates = simulate(0.5, 40.0, 200, seed=3)
    assert rates == {"pass": 0.0, "fail": 0.0, "inconclusive": 1.0}
    # a p90 budget decides the same model
    assert simulate(0.5, 40.0, 200, seed=4, key="p90")["pass"] >= 0.95


def test_budget_scale_argument_multiplies_limits() -> None:
    check = check_latency_budget(fake(2 * MS), X, p50="500us", budget_scale=20, max_time=1)
    assert check.outcome == "pass"
    assert check.checks["p50"].limit == pytest.approx(0.01)
    failing = check_latency_budget(fake(2 * MS), X, p50="100us", budget_scale=2, max_time=1)
    assert "exceeds budget 200 µs (100 µs x 2 budget scale)" in failing.message


def test_budget_scale_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(BUDGET_SCALE_ENV, "20")
    assert resolve_budget_scale() == 20.0
    assert resolve_budget_scale(3) == 3.0  # the argument wins
    # the limit the check used is scaled (whether 1 s decides it depends on the machine:
    # on a busy one the calls are dependent and the interval honestly wider)
    check = check_latency_budget(fake(2 * MS), X, p50="500us", max_time=1)
    assert check.checks["p50"].limit == pytest.approx(0.010) and check.result.n > 0


@pytest.mark.parametrize("value", ["fast", "0", "-1", "nan"])
def test_invalid_environment_scale_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(BUDGET_SCALE_ENV, value)
    with pytest.raises(BudgetError, match=BUDGET_SCALE_ENV):
        assert_latency(fake(10 * US), X, p50="1ms", max_time=0.1)


def test_no_limit_is_an_error() -> None:
    with pytest.raises(BudgetError, match="No latency limit"):
        assert_latency(fake(10 * US), X)


def test_bad_limit_is_an_error() -> None:
    with pytest.raises(BudgetError, match="unit"):
        assert_latency(fake(10 * US), X, p99="5 parsecs")


def test_unfitted_estimator_is_rejected() -> None:
    from sklearn.linear_model import LogisticRegression

    with pytest.raises(ModelError, match="not fitted"):
        assert_latency(LogisticRegression(), X, p99="5ms")


def test_missing_method_is_rejected() -> None:
    with pytest.raises(ModelError, match="predict_proba"):
        assert_latency(fake(10 * US), X, p99="5ms", method="predict_proba")


def test_real_model_with_predict_proba_and_dataframe() -> None:
    import pandas as pd
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    Xi, yi = load_iris(return_X_y=True, as_frame=True)
    model = LogisticRegression(max_iter=500).fit(Xi, yi)
    result = assert_latency(model, Xi, p50="1s", method="predict_proba", max_time=1)
    assert isinstance(Xi, pd.DataFrame)
    assert result.method == "predict_proba"
    assert result.request_format == "pandas"


def test_to_dict_is_strict_json() -> None:
    check = check_latency_budget(fake(1 * MS), X, p999="1s", max_time=0.05)
    assert isinstance(check, LatencyCheck)
    data = check.to_dict()
    text = json.dumps(data, allow_nan=False)  # infinite bounds became null
    assert json.loads(text)["intervals"]["p999"][1] is None
    assert data["budget"] == {"p999": 1.0}
    assert len(data["samples_ns"]) == data["n"] == check.result.n
    assert set(data) >= {"p50", "p90", "p99", "p999", "mean", "max", "outcome", "verdicts"}
    assert "samples_ns" not in check.to_dict(include_samples=False)


def test_undecided_dependent_calls_advise_in_dependent_calls() -> None:
    from prodbench.budget import BudgetCheck

    latency = LatencyResult(samples_ns=np.full(34_078, 400_000))
    check = BudgetCheck("p99", 0.02, 0.0004, 0.0003, float("inf"), "inconclusive", n=34_078)
    common = dict(
        name="lone",
        result=latency,
        checks={"p99": check},
        outcome="inconclusive",
        elapsed_s=10.0,
        max_time=10.0,
    )
    plain = LatencyCheck(**common, to_decide={"p99": 40_000})
    dependent = LatencyCheck(
        **common, to_decide={"p99": 40_000 * 67}, dependence_factor={"p99": 67.0}
    )
    assert "independent samples" not in plain.describe("p99")
    text = dependent.describe("p99")
    assert "34,078 calls counted as about 509 independent samples" in text
    # the advice counts the dependent calls: 67x the independent figure, 67x the time
    assert dependent.max_time_to_decide("p99") > 50 * plain.max_time_to_decide("p99")
    unknown = LatencyCheck(**common, to_decide={"p99": None}, dependence_factor={"p99": math.inf})
    assert "raise max_time well beyond 10 s" in unknown.describe("p99")
