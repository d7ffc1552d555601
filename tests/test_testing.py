"""prodbench.testing: assert_latency and check_latency_budget.

Fakes busy-wait with latencies far from the limits, and pass/fail cases rest
on the median (p50), which preemption on a loaded shared machine barely moves;
p99 cases use limits far above any scheduler hiccup.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from fakes import BusyModel, constant

from prodbench.errors import BudgetError, ModelError
from prodbench.results import LatencyResult
from prodbench.testing import (
    BUDGET_SCALE_ENV,
    LatencyCheck,
    _conclude,
    assert_latency,
    check_latency_budget,
    resolve_budget_scale,
)
from prodbench.verdict import check_latency

X = np.zeros((40, 3))
US = 1000
MS = 1_000_000


def fake(ns: int) -> BusyModel:
    return BusyModel(constant(ns)).fit(X, np.zeros(40, dtype=int))


@pytest.fixture(autouse=True)
def _no_env_scale(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(BUDGET_SCALE_ENV, raising=False)


def test_within_budget_returns_the_latency_result() -> None:
    result = assert_latency(fake(200 * US), X, p50="2ms", max_time=2)
    assert isinstance(result, LatencyResult)
    assert result.n > 0
    assert result.method == "predict"
    assert result.request_format == "numpy"


def test_far_inside_the_budget_decides_before_max_time() -> None:
    check = check_latency_budget(fake(100 * US), X, p50="5ms", max_time=5)
    assert check.outcome == "pass"
    assert not check.decided_on_estimate
    assert check.elapsed_s < 2.5  # decided statistically, long before max_time


def test_failure_message_reads_once() -> None:
    with pytest.raises(AssertionError) as info:
        assert_latency(fake(2 * MS), X, p50="200us", max_time=2, name="ranker")
    first, second = str(info.value).splitlines()
    assert re.fullmatch(
        r"ranker p50 = [\d.]+ ms \(95% CI [\d.]+ ms-[\d.]+ ms, n=[\d,]+\) exceeds budget 200 µs",
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


def test_inconclusive_is_decided_on_the_estimate_and_says_so() -> None:
    # 1 ms calls for 0.1 s: far too few samples to bound p99 from above.
    check = check_latency_budget(fake(1 * MS), X, p99="50ms", max_time=0.1)
    assert check.checks["p99"].status == "inconclusive"
    assert check.decided_on_estimate
    assert check.outcome == "pass"
    assert check.verdict("p99") == "pass-on-estimate"
    assert "decided on the point estimate: interval still contains the budget after" in (
        check.message
    )
    assert "raise max_time" in check.message


def test_fail_on_estimate_raises_with_the_estimate_note() -> None:
    latency = LatencyResult(samples_ns=np.arange(1, 101) * MS)  # p99 ~ 99 ms, CI [97 ms, inf)
    checks = check_latency(latency, {"p99": 0.098})
    assert checks["p99"].status == "inconclusive"
    check = _conclude("m", latency, checks, 0.5, 1.0, 0.95)
    assert check.outcome == "fail" and check.decided_on_estimate
    assert check.verdict("p99") == "fail-on-estimate"
    assert check.message.startswith("m p99 = 99.0 ms (95% CI 97.0 ms-inf, n=100) exceeds")
    assert "after 100 samples in 0.50 s" in check.message


def test_undecided_limits_after_a_failure_are_named() -> None:
    latency = LatencyResult(samples_ns=np.arange(1, 101) * MS)
    checks = check_latency(latency, {"p50": 0.010, "p99": 0.098})
    check = _conclude("m", latency, checks, 0.5, 1.0, 0.95)
    assert check.verdict("p50") == "fail"
    assert check.verdict("p99") == "undecided"
    assert not check.decided_on_estimate
    assert "another limit failed first" in check.message


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
    assert assert_latency(fake(2 * MS), X, p50="500us", max_time=1).n > 0


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
