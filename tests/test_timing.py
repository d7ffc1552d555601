"""The timing core: fidelity on known distributions, stopping rules, GC and thread policy.

Fakes busy-wait on perf_counter_ns. A timed call includes the call overhead
(about a microsecond), so measured values sit slightly above the busy-wait
value; tolerances allow for that and for a noisy shared 2-core machine.
"""

from __future__ import annotations

import gc

import numpy as np
import pytest
from fakes import BusyModel, bimodal, constant, uniform, uniform_quantile

from prodbench.results import LatencyResult
from prodbench.timing import LatencySampler, gc_policy, thread_limit, time_batches

ROWS = [np.zeros((1, 3)) for _ in range(10)]
US = 1000


def sample(model: BusyModel, max_time: float = 1.5, **kwargs: object) -> LatencyResult:
    sampler = LatencySampler(model.predict, ROWS, max_time=max_time, **kwargs)  # type: ignore[arg-type]
    model.fit(None, np.array([0, 1]))
    raw = sampler.run()
    return LatencyResult(
        samples_ns=raw.samples_ns,
        cold_start_ns=raw.cold_start_ns,
        warmup=raw.warmup,
        gc_collections=raw.gc_collections,
        stop_reason=raw.stop_reason,
        elapsed_s=raw.elapsed_s,
    )


def covers(lat: LatencyResult, q: float, truth_s: float, overhead: float = 0.02) -> bool:
    """The interval holds the truth, allowing a small systematic call overhead above it."""
    low, high = lat.interval(q)
    return low <= truth_s * (1 + overhead) + 5e-6 and high >= truth_s


@pytest.mark.parametrize(
    ("draw", "p50_true", "p99_true"),
    [
        (constant(200 * US), 200e-6, 200e-6),
        (
            uniform(100 * US, 300 * US),
            uniform_quantile(100, 300, 50) * 1e-6,
            uniform_quantile(100, 300, 99) * 1e-6,
        ),
        (bimodal(200 * US, 1000 * US, 0.03), 200e-6, 1000e-6),
    ],
    ids=["constant", "uniform", "bimodal"],
)
def test_percentiles_recovered_within_5_percent(draw, p50_true, p99_true):
    # Preemption by other processes on a shared machine inflates the tail of
    # any wall-clock measurement; it is noise, not a harness error. A harness
    # error is systematic and fails every attempt, so up to three attempts are
    # allowed before failing.
    failures = []
    for attempt in range(3):
        lat = sample(BusyModel(draw, seed=attempt), precision=0.01)
        problems = [
            msg
            for ok, msg in [
                (lat.n >= 662, f"n={lat.n} < 662"),
                (abs(lat.p50 / p50_true - 1) <= 0.05, f"p50={lat.p50:.3e} vs {p50_true:.3e}"),
                (abs(lat.p99 / p99_true - 1) <= 0.05, f"p99={lat.p99:.3e} vs {p99_true:.3e}"),
                (covers(lat, 50, p50_true), f"p50 interval {lat.interval(50)}"),
                (covers(lat, 99, p99_true), f"p99 interval {lat.interval(99)}"),
            ]
            if not ok
        ]
        if not problems:
            return
        failures.append(problems)
    pytest.fail(f"percentiles not recovered in 3 attempts: {failures}")


def test_constant_model_stops_early_on_precision():
    lat = sample(BusyModel(constant(100 * US)), max_time=10.0, precision=0.05)
    assert lat.stop_reason == "precision"
    assert lat.elapsed_s < 5.0
    assert not lat.undersampled(99)


def test_tiny_budget_flags_undersampled_percentiles():
    lat = sample(BusyModel(constant(1000 * US)), max_time=0.05)
    assert lat.stop_reason == "max_time"
    assert 0 < lat.n < 662
    assert lat.undersampled(99)
    assert lat.undersampled(99.9)
    _, high = lat.interval(99.9)
    assert high == float("inf")


def test_cold_start_and_warmup_are_kept_apart():
    lat = sample(BusyModel(constant(50 * US)), max_time=0.3)
    assert lat.cold_start_ns is not None and lat.cold_start_ns >= 50 * US
    assert lat.warmup >= 1


def test_samples_are_raw_nanosecond_ints_in_order():
    lat = sample(BusyModel(constant(20 * US)), max_time=0.2)
    assert lat.samples_ns.dtype == np.int64
    assert (lat.samples_ns >= 20 * US).all()


class Garbage:
    """predict() makes reference cycles, so the collector runs during timed calls."""

    def predict(self, X: object) -> np.ndarray:
        for _ in range(200):
            a: list[object] = []
            a.append(a)
        return np.zeros(1)


def test_gc_collections_overlapping_calls_are_counted():
    sampler = LatencySampler(Garbage().predict, ROWS, max_time=0.3, gc="enabled")
    raw = sampler.run()
    assert raw.gc_collections > 0
    sampler = LatencySampler(Garbage().predict, ROWS, max_time=0.3, gc="disabled")
    assert sampler.run().gc_collections == 0


def test_gc_policy_restores_state():
    assert gc.isenabled()
    with gc_policy("disabled"):
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), gc_policy("sometimes"):  # type: ignore[arg-type]
        pass


def test_thread_limit_applies_and_restores():
    from threadpoolctl import threadpool_info

    before = [p["num_threads"] for p in threadpool_info()]
    with thread_limit(1):
        assert all(p["num_threads"] == 1 for p in threadpool_info())
    assert [p["num_threads"] for p in threadpool_info()] == before


def test_max_samples_caps_sampling():
    sampler = LatencySampler(abs, [-1, 2], max_time=5.0, max_samples=500, precision=1e-9)
    raw = sampler.run()
    assert raw.stop_reason == "max_samples"
    assert 500 <= raw.samples_ns.size < 500 + 100_001


def test_blocks_interleave_and_respect_the_budget():
    fast = BusyModel(constant(100 * US)).fit(None, np.array([0, 1]))
    slow = BusyModel(constant(300 * US)).fit(None, np.array([0, 1]))
    a = LatencySampler(fast.predict, ROWS, max_time=0.3, precision=1e-9)
    b = LatencySampler(slow.predict, ROWS, max_time=0.3, precision=1e-9)
    for s in (a, b):
        s.cold_start()
    rounds = 0
    while not (a.done and b.done):
        a.run_block(0.05)
        b.run_block(0.05)
        rounds += 1
    assert rounds >= 4  # both advanced in several alternating blocks
    assert a.elapsed == pytest.approx(0.3, abs=0.1)
    assert a.n > b.n


def test_time_batches_repeats():
    times = time_batches(sorted, list(range(100)), max_time=0.0, min_repeats=4)
    assert len(times) == 4 and all(t > 0 for t in times)


def test_sampler_rejects_bad_arguments():
    with pytest.raises(ValueError):
        LatencySampler(abs, [], max_time=1.0)
    with pytest.raises(ValueError):
        LatencySampler(abs, [1], max_time=0)


def test_estimate_stays_inside_its_interval_when_undersampled():
    for n in (2, 5, 30, 200):
        lat = LatencyResult(samples_ns=np.arange(1, n + 1) * 1000)
        for q in (50, 90, 99, 99.9):
            low, high = lat.interval(q)
            assert low <= lat.percentile(q) <= high
