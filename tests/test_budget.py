"""Tests of prodbench.budget: budgets, their checks, percentile keys, the under-sampled mark."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from prodbench import budget
from prodbench.budget import (
    PERCENTILE_KEYS,
    UNDERSAMPLED_MARK,
    Budget,
    check_budget,
    check_latency,
    format_confidence,
    format_limit,
    parse_limit,
    percentile_limits,
)
from prodbench.errors import BudgetError
from prodbench.results import LatencyResult


def test_one_table_of_percentile_keys() -> None:
    from prodbench import pytest_plugin, serving, testing, verdict
    from prodbench.report import cells

    assert PERCENTILE_KEYS == {"p50": 50.0, "p90": 90.0, "p99": 99.0, "p999": 99.9}
    assert verdict.PERCENTILE_KEYS is PERCENTILE_KEYS
    assert cells.PERCENTILES == (("p50", 50.0), ("p90", 90.0), ("p99", 99.0), ("p999", 99.9))
    assert pytest_plugin.PERCENTILES == ("p50", "p90", "p99", "p999")
    assert testing._SUMMARY_KEYS == (("p50", 50.0), ("p90", 90.0), ("p99", 99.0))
    assert serving.percentile_limits is percentile_limits


def test_one_undersampled_mark() -> None:
    from prodbench import verdict
    from prodbench.report import cells

    assert UNDERSAMPLED_MARK == "\u2020"
    assert verdict.UNDERSAMPLED_MARK is UNDERSAMPLED_MARK
    assert cells.UNDERSAMPLED_MARK is UNDERSAMPLED_MARK


def test_verdict_reexports_the_budget_names() -> None:
    from prodbench import verdict

    for name in ("Budget", "BudgetCheck", "check_latency", "check_budget"):
        assert getattr(verdict, name) is getattr(budget, name)


def test_parse_limit_needs_a_unit() -> None:
    assert parse_limit("p99", "5ms") == 0.005
    assert parse_limit("p99", 0.25) == 0.25
    assert parse_limit("size", "10MB") == 10_000_000
    with pytest.raises(BudgetError, match="unit"):
        parse_limit("p99", "5")
    with pytest.raises(BudgetError, match="Budget limit p99"):
        Budget(p99="5")  # the Budget names the limit; parse_limit leaves that to its caller


def test_format_limit_and_confidence() -> None:
    assert format_limit("p99", 0.005) == "5 ms"
    assert format_limit("size", 10_000_000) == "10 MB"
    assert format_confidence(0.95) == "95%"
    assert format_confidence(0.999) == "99.9%"


def test_percentile_limits_keeps_only_percentiles() -> None:
    assert percentile_limits("p99=5ms,size=10MB") == {"p99": 0.005}
    assert percentile_limits({"p50": "1ms", "p99": 0.005}) == {"p50": 0.001, "p99": 0.005}
    with pytest.raises(BudgetError, match="percentile limit"):
        percentile_limits("size=10MB")
    with pytest.raises(BudgetError, match="got none"):
        percentile_limits(None)


def test_check_latency_and_check_budget() -> None:
    lat = LatencyResult(samples_ns=np.full(1000, 1_000_000))
    assert check_latency(lat, {"p99": 0.002})["p99"].status == "pass"
    assert check_latency(lat, {"p50": 0.0005})["p50"].status == "fail"
    with pytest.raises(BudgetError, match="not a percentile limit"):
        check_latency(lat, {"size": 10})

    class Result:
        latency = lat
        footprint = None

    checks = check_budget(Result(), Budget(p99="2ms", size="1MB"))  # type: ignore[arg-type]
    assert set(checks) == {"p99"}  # no footprint: no size check


def test_importing_budget_stays_light() -> None:
    code = (
        "import sys, prodbench.budget\n"
        "heavy = [m for m in ('numpy', 'pandas', 'sklearn', 'scipy') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_limits_are_whole_nanoseconds_so_a_sample_at_the_limit_is_not_over_it() -> None:
    """Issue 18: "25us" parsed to 24,999.999... ns and a p99 of exactly 25 us FAILed."""
    import numpy as np

    from prodbench.budget import Budget, check_latency, limit_ns, parse_limit
    from prodbench.results import LatencyResult

    for text, ns in [("25us", 25_000), ("50us", 50_000), ("100us", 100_000), ("0.1ms", 100_000)]:
        assert limit_ns(parse_limit("p99", text)) == ns
        assert parse_limit("p99", text) == ns / 1e9
    # a 1 us clock: every sample a whole microsecond, p99 exactly at 25 us
    rng = np.random.default_rng(0)
    samples = np.r_[np.full(9000, 25_000), rng.integers(5, 25, 1000) * 1000]
    lat = LatencyResult(samples_ns=rng.permutation(samples).astype(np.int64))
    check = check_latency(lat, {"p99": parse_limit("p99", "25us")})["p99"]
    assert check.high == 25_000 / 1e9 and check.status == "pass"
    assert Budget(p99="25us").scaled(2.0).p99 == 50_000 / 1e9


def test_several_limits_met_exactly_share_the_false_fail_rate() -> None:
    """Issue 18: three limits met exactly FAILed 6-7% of the time; the share is now split."""
    import numpy as np
    from scipy import stats as sps

    from prodbench.budget import check_latency
    from prodbench.results import LatencyResult

    sigma, scale = 0.3, 1e6  # lognormal around 1 ms, in ns
    limits = {
        key: float(scale * np.exp(sigma * sps.norm.ppf(q / 100)) / 1e9)
        for key, q in (("p50", 50), ("p90", 90), ("p99", 99))
    }
    rng = np.random.default_rng(21)
    fails = 0
    reps = 400
    for _ in range(reps):
        samples = (scale * np.exp(rng.normal(0.0, sigma, 3000))).astype(np.int64)
        checks = check_latency(LatencyResult(samples_ns=samples), limits)
        fails += any(c.status == "fail" for c in checks.values())
        assert all(c.n_limits == 3 for c in checks.values())
    assert fails / reps <= 0.04
    text = checks["p99"].describe()
    assert "lower bound at 98.33%, the false-FAIL share split over 3 limits" in text
