"""Any percentile from p50 to p99.99 in budgets, checks, the marker and the command line."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from prodbench import stats
from prodbench.budget import (
    UNDERSAMPLED_MARK,
    Budget,
    BudgetCheck,
    check_latency,
    percentile_key,
    percentile_limits,
    percentile_of,
)
from prodbench.errors import BudgetError
from prodbench.results import LatencyResult


@pytest.mark.parametrize(
    ("text", "q", "key"),
    [
        ("p50", 50.0, "p50"),
        ("p95", 95.0, "p95"),
        ("P95", 95.0, "p95"),
        ("p97.5", 97.5, "p97.5"),
        ("p99.9", 99.9, "p999"),
        ("p999", 99.9, "p999"),
        ("p99.99", 99.99, "p99.99"),
        ("p95.0", 95.0, "p95"),
    ],
)
def test_percentile_keys_are_read_naturally(text: str, q: float, key: str) -> None:
    assert percentile_of(text) == q
    assert percentile_key(text) == key


@pytest.mark.parametrize("text", ["size", "cold_start", "p", "p100", "p9", "p99.999", "q95"])
def test_other_keys_are_no_percentile(text: str) -> None:
    assert percentile_of(text) is None


def test_a_percentile_below_p50_is_refused_with_the_range() -> None:
    with pytest.raises(BudgetError, match=r"'p10' is a percentile below p50.*p50 to p99\.99"):
        Budget.parse("p10=5ms")


def test_budget_holds_any_percentile_in_order_and_round_trips() -> None:
    b = Budget.parse("size=10MB, p99.99=50ms, p95=5ms, p99.9=20ms, p50=1ms")
    assert list(b.limits) == ["p50", "p95", "p999", "p99.99", "size"]
    assert str(b) == "p50 < 1 ms, p95 < 5 ms, p999 < 20 ms, p99.99 < 50 ms, size < 10 MB"
    assert Budget(**b.to_dict()) == b
    assert Budget.from_mapping({"p95": "5ms"}) == Budget(p95="5ms")
    assert Budget(p95="5ms") != Budget(p96="5ms")
    assert b.scaled(2).limits["p95"] == 0.01
    assert percentile_limits("p95=5ms,size=1MB") == {"p95": 0.005}
    with pytest.raises(BudgetError, match="sets p999 twice"):
        Budget.parse("p999=5ms,p99.9=6ms")
    with pytest.raises(BudgetError, match="Unknown budget limit"):
        Budget.parse("p95=5ms,fast=1ms")


@settings(max_examples=25, deadline=None)
@given(st.sampled_from([50.0, 75.0, 90.0, 95.0, 97.5, 99.0, 99.5, 99.9]))
def test_sample_size_rule_is_the_binomial_minimum_for_any_percentile(q: float) -> None:
    n = stats.required_samples(q)
    tail = 1.0 - q / 100.0
    assert sps.binom.cdf(1, n, tail) <= 0.01 < sps.binom.cdf(1, n - 1, tail)


def _latency(n: int, ms: float = 1.0) -> LatencyResult:
    rng = np.random.default_rng(0)
    return LatencyResult(samples_ns=(rng.uniform(0.9, 1.1, n) * ms * 1e6).astype(np.int64))


def test_check_latency_decides_p95_and_flags_it_under_sampled() -> None:
    needed = stats.required_samples(95)
    enough = check_latency(_latency(needed + 50), {"p95": 0.002})["p95"]
    assert enough.status == "pass" and UNDERSAMPLED_MARK not in enough.describe()
    short = check_latency(_latency(needed - 30), {"p95": 0.0005})["p95"]
    assert short.status == "fail"
    assert short.samples_needed == needed
    assert f"under-sampled: {needed:,} needed" in short.describe()
    assert re.match(rf"p95 = \S+ \S+{UNDERSAMPLED_MARK} \(95% CI ", short.describe())


def test_p9999_needs_its_own_minimum() -> None:
    check = BudgetCheck("p99.99", 0.01, 0.02, 0.015, np.inf, "fail", n=10_000)
    assert check.samples_needed == stats.required_samples(99.99) > 10_000
    assert "under-sampled" in check.describe()


def test_assert_latency_and_the_check_take_any_percentile() -> None:
    from sklearn.datasets import load_iris
    from sklearn.tree import DecisionTreeClassifier

    from prodbench.testing import check_latency_budget

    X, y = load_iris(return_X_y=True)
    model = DecisionTreeClassifier(random_state=0).fit(X, y)
    check = check_latency_budget(model, X, p95="10s", max_time=0.5, **{"p99.9": "10s"})
    assert list(check.checks) == ["p95", "p999"]
    assert check.checks["p95"].status == "pass"
    with pytest.raises(BudgetError, match="Unknown keyword 'fast'"):
        check_latency_budget(model, X, fast="1ms")
    with pytest.raises(BudgetError, match="p999 is given twice"):
        check_latency_budget(model, X, p999="1ms", **{"p99.9": "1ms"})


def test_the_marker_takes_any_percentile() -> None:
    from prodbench.pytest_plugin import _marker_problem

    assert _marker_problem(pytest.mark.latency_budget(p95="5ms").mark) is None
    assert "no unit" in (_marker_problem(pytest.mark.latency_budget(p95=5).mark) or "")
    problem = _marker_problem(pytest.mark.latency_budget(p10="5ms").mark) or ""
    assert "unknown key" in problem and "'p10'" in problem


def test_the_command_line_budget_takes_p95(capsys) -> None:
    from prodbench.cli import main

    code = main(
        # 3 s: enough calls that the p95 is bounded even when they test dependent
        # (another test file running beside this one)
        ["measure", "knn", "--data", "iris", "--budget", "p95=1ns", "--max-time", "3",
         "--quiet", "--no-isolate"]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 1, err
    flat = " ".join(out.split())  # the budget line wraps where its numbers put the break
    assert "p95 = " in flat and "exceeds budget 1 ns" in flat, out
