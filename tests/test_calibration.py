"""prodbench.calibration: the kernel, the machine factor, diff --normalize, scaled budgets.

Timing-dependent checks run under a fake clock (each reading advances a fixed
tick, so every timed call measures exactly one tick): a "2x slower machine"
is a tick twice as long, and the figures do not depend on this machine.
The diff simulation draws latencies and calibrations from known distributions.
"""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
from factories import make_comparison, make_result
from fakes import NoOpModel

import prodbench.calibration as cal
import prodbench.timing as timing
from prodbench import compare
from prodbench.diff import diff_runs
from prodbench.errors import SchemaError
from prodbench.testing import assert_latency, check_latency_budget

pytest_plugins = ["pytester"]


class TickClock:
    """A ``perf_counter_ns`` stand-in: every reading is ``tick_ns`` after the last."""

    def __init__(self, tick_ns: int) -> None:
        self.tick_ns = tick_ns
        self.now = 0

    def __call__(self) -> int:
        self.now += self.tick_ns
        return self.now


# --------------------------------------------------------------------------- the kernel
def test_the_sampler_keeps_to_its_budget_and_times_each_call() -> None:
    sampler = cal.CalibrationSampler(0.05, clock=TickClock(1_000_000))
    for _ in range(10):
        sampler.run_block(0.002)  # one call: its two clock readings span the block's 2 ms
    assert sampler.result().n == 10 and sampler.remaining == pytest.approx(0.03)
    sampler.run_block(10.0)  # capped by the 30 ms left of the budget
    result = sampler.finish()
    assert result.n == 25 and sampler.remaining == 0
    assert set(result.samples_ns) == {1_000_000}  # each call timed alone: one tick


def test_a_real_calibration_is_bounded_and_round_trips() -> None:
    result = cal.calibrate(0.05)
    assert 0.04 <= result.elapsed_s <= 0.08 and result.n >= 10
    again = cal.Calibration.from_dict(json.loads(json.dumps(result.to_dict())))
    assert again == result


@pytest.mark.parametrize(
    "bad",
    [{}, {"samples_ns": []}, {"samples_ns": [1.5]}, {"samples_ns": [0]}, {"samples_ns": [True]}],
)
def test_a_malformed_saved_calibration_is_a_schema_error(bad: dict) -> None:
    with pytest.raises(SchemaError, match=r"samples_ns|mapping"):
        cal.Calibration.from_dict(bad)


def test_the_machine_factor_of_a_uniformly_2x_slower_clock_is_2() -> None:
    fast = cal.calibrate(0.05, clock=TickClock(500_000))
    slow = cal.calibrate(0.05, clock=TickClock(1_000_000))
    f = cal.machine_factor(slow, fast)
    assert (f.ratio, f.low, f.high) == (2.0, 2.0, 2.0)
    assert "100% slower" in f.describe()


# --------------------------------------------------------------------------- scaled budgets
def test_limits_double_on_a_2x_slower_machine_and_the_same_model_passes(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    X = np.zeros((50, 3))
    model = NoOpModel()
    ref_path = tmp_path / "ref.json"
    monkeypatch.setattr(timing, "_clock", TickClock(500_000))  # the reference machine
    cal.write_reference(ref_path, cal.calibrate())
    assert check_latency_budget(model, X, p99="0.75ms", max_time=1).outcome == "pass"

    monkeypatch.setattr(timing, "_clock", TickClock(1_000_000))  # every call 2x slower
    cal.cached_limit_scale.cache_clear()
    plain = check_latency_budget(model, X, p99="0.75ms", max_time=1)
    assert plain.outcome == "fail" and plain.scale_note == ""
    # 2 s: at 1 ms a call (warm-up included) the p99's upper bound needs its 368 samples
    scaled = check_latency_budget(model, X, p99="0.75ms", max_time=2, reference=ref_path)
    assert scaled.outcome == "pass"
    assert scaled.checks["p99"].limit == pytest.approx(1.5e-3)
    assert scaled.budget_scale == pytest.approx(2.0)
    assert scaled.scale_note == (
        "limits scaled by 2.00x: this machine runs the calibration 2.00x slower than the reference"
    )
    assert "limits scaled by 2.00x" in scaled.message
    # the environment variable (the plugin's --latency-reference) does the same
    monkeypatch.setenv(cal.REFERENCE_ENV, str(ref_path))
    assert assert_latency(model, X, p99="0.75ms", max_time=2).n > 0
    cal.cached_limit_scale.cache_clear()


def test_a_reference_that_is_not_one_is_a_clear_error(tmp_path) -> None:
    path = tmp_path / "other.json"
    path.write_text('{"samples_ns": [1]}')
    with pytest.raises(SchemaError, match="not a prodbench latency reference"):
        check_latency_budget(NoOpModel(), np.zeros((5, 2)), p99="1ms", reference=path)
    with pytest.raises(SchemaError):
        cal.load_reference(tmp_path / "missing.json")


# --------------------------------------------------------------------------- runs and diff
def test_every_result_of_a_run_carries_the_calibration_unless_turned_off() -> None:
    from sklearn.datasets import load_iris
    from sklearn.naive_bayes import GaussianNB
    from sklearn.tree import DecisionTreeClassifier

    X, y = load_iris(return_X_y=True)
    kw = {"max_time": 0.3, "batch_sizes": (1,), "min_fits": 1, "progress": False}
    cmp = compare([GaussianNB(), DecisionTreeClassifier()], X, y, **kw)
    stored = [cal.calibration_of(r.environment) for r in cmp.results.values()]
    assert stored[0] is not None and stored[0] == stored[1] and stored[0].n >= 20
    assert stored[0].elapsed_s <= 0.25
    off = compare([GaussianNB(), DecisionTreeClassifier()], X, y, calibrate=False, **kw)
    assert all(cal.calibration_of(r.environment) is None for r in off.results.values())
    plain = diff_runs(off, cmp)
    assert any("old run has no calibration" in n for n in plain.notes) and not plain.warnings
    asked = diff_runs(off, cmp, normalize=True)
    assert any("--normalize divided nothing out" in w for w in asked.warnings)


def _with_calibration(result, factor: float, rng: np.random.Generator, n_cal: int):
    samples = (500_000 * factor * np.exp(rng.normal(0.0, 0.05, n_cal))).astype(np.int64)
    calibration = cal.Calibration(tuple(int(v) for v in samples))
    return dataclasses.replace(
        result, environment={**result.environment, "calibration": calibration.to_dict()}
    )


def diff_trip_rate(
    change: float,
    reps: int,
    *,
    normalize: bool,
    seed: int,
    log_sd: float = 0.05,
    n: int = 5000,
    n_cal: int = 200,
) -> float:
    """How often ``diff --fail-on p99=+10%`` trips when the model changed by ``change``.

    Each replicate draws the new run's machine factor ``exp(N(0, log_sd))``:
    it multiplies every latency sample and calibration call of the new run,
    as a clock uniformly that much slower would. Latencies: lognormal, sigma
    0.1, ``n`` samples per run; calibrations: ``n_cal`` calls, sigma 0.05.
    """
    rng = np.random.default_rng(seed)
    trips = 0
    for i in range(reps):
        m = float(np.exp(rng.normal(0.0, log_sd)))
        old = make_result("m", latency_ms=1.0, n=n, seed=2 * i + seed * 100_000)
        new = make_result("m", latency_ms=change * m, n=n, seed=2 * i + 1 + seed * 100_000)
        diff = diff_runs(
            make_comparison([_with_calibration(old, 1.0, rng, n_cal)]),
            make_comparison([_with_calibration(new, m, rng, n_cal)]),
            {"p99": 0.10},
            normalize=normalize,
        )
        trips += diff.gates[0].status == "tripped"
    return trips / reps


def test_normalize_keeps_false_trips_within_the_gate_level_under_machine_noise() -> None:
    at_limit = diff_trip_rate(1.10, 200, normalize=True, seed=1)
    no_change = diff_trip_rate(1.0, 200, normalize=True, seed=2)
    assert at_limit <= 0.05 and no_change <= 0.01
    # without it, the machine factor alone trips the gate at its limit far more often
    assert diff_trip_rate(1.10, 200, normalize=False, seed=1) >= 0.15
    # and a real +30% change still trips through the factor's uncertainty
    assert diff_trip_rate(1.30, 60, normalize=True, seed=3) >= 0.9


def test_diff_reports_and_warns_of_the_machine_factor() -> None:
    rng = np.random.default_rng(0)
    old = make_comparison([_with_calibration(make_result("m", seed=1), 1.0, rng, 200)])
    new = make_comparison(
        [_with_calibration(make_result("m", latency_ms=1.2, seed=2), 1.2, rng, 200)]
    )
    plain = diff_runs(old, new, {"p99": 0.1})
    assert plain.machine_factor is not None and 1.17 < plain.machine_factor.ratio < 1.23
    assert any("pass --normalize" in w for w in plain.warnings)
    assert plain.gates[0].status == "tripped"
    normalized = diff_runs(old, new, {"p99": 0.1}, normalize=True)
    assert normalized.gates[0].status == "ok" and normalized.normalized
    p99 = normalized.candidates[0].percentiles["p99"]
    assert p99.low < 1.0 < p99.high and math.isclose(p99.ratio, 1.0, abs_tol=0.05)
    assert normalized.to_dict()["machine_factor"]["ratio"] == pytest.approx(
        normalized.machine_factor.ratio
    )


# --------------------------------------------------------------------------- the plugin
PLUGIN_TEST = """
import time
import numpy as np
import pytest

class Fake:
    def predict(self, X):
        end = time.perf_counter_ns() + 2_000_000  # 2 ms
        while time.perf_counter_ns() < end:
            pass
        return X[:, 0]

@pytest.mark.latency_budget(p50="500us")
def test_scaled(latency):
    latency.check(Fake(), np.zeros((20, 3)))
"""


def test_the_plugin_scales_every_limit_by_a_latency_reference(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.delenv("PRODBENCH_BUDGET_SCALE", raising=False)
    monkeypatch.delenv(cal.REFERENCE_ENV, raising=False)
    cal.cached_limit_scale.cache_clear()
    here = cal.calibrate(0.1)
    # a reference machine 100x faster than this one: limits x ~100 (500 us -> ~50 ms),
    # far above the 2 ms model even when a busy machine slows it down
    ref = tmp_path / "ref.json"
    cal.write_reference(ref, cal.Calibration(tuple(max(1, v // 100) for v in here.samples_ns)))
    pytester.makepyfile(PLUGIN_TEST)
    fast = ["--latency-max-time=1", "-p", "no:cacheprovider"]
    pytester.runpytest(*fast).assert_outcomes(failed=1)
    pytester.runpytest(*fast, f"--latency-reference={ref}").assert_outcomes(passed=1)
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    res = pytester.runpytest(*fast, f"--latency-reference={bad}")
    assert res.ret == pytest.ExitCode.USAGE_ERROR
    res.stderr.fnmatch_lines(["*--latency-reference*not a prodbench latency reference*"])
    cal.cached_limit_scale.cache_clear()
