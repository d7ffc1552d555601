"""The timing core: fidelity on known distributions, stopping rules, GC and thread policy.

Fakes busy-wait on perf_counter_ns. A timed call includes the call overhead
(about a microsecond), so measured values sit slightly above the busy-wait
value; tolerances allow for that and for a noisy shared 2-core machine.
"""

from __future__ import annotations

import gc
import time

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
    return LatencyResult.from_raw(sampler.run())


def covers(lat: LatencyResult, q: float, truth_s: float, overhead: float = 0.02) -> bool:
    """The interval holds the truth, allowing a small systematic call overhead above it."""
    low, high = lat.interval(q)
    return low <= truth_s * (1 + overhead) + 5e-6 and high >= truth_s


def bare_loop(model: BusyModel, seconds: float) -> LatencyResult:
    """The same fake timed by the most minimal harness: a perf_counter_ns loop."""
    clock = time.perf_counter_ns
    out: list[int] = []
    end = clock() + int(seconds * 1e9)
    i = 0
    while clock() < end:
        row = ROWS[i % len(ROWS)]
        i += 1
        t0 = clock()
        model.predict(row)
        t1 = clock()
        out.append(t1 - t0)
    return LatencyResult(samples_ns=out)


def fidelity_problems(draw, truths: dict[float, float], seed: int) -> list[str]:
    """Why prodbench did not recover ``truths`` ({q: seconds}); empty when it did.

    prodbench and a bare loop time the same fake alternately, so both see the
    same machine. Each percentile must be within 5% of the nominal truth with
    the interval covering it. Where the bare loop itself misses the truth by
    more than 5% (preemption on a shared VM moves the p99 of any wall-clock
    measurement of a constant), prodbench must instead match the bare loop
    within 5% plus the bare loop's own spread between its two windows: the
    machine's tail is not the harness's error, and it moves from one window
    to the next (another test file running beside this one).
    """
    model = BusyModel(draw, seed=seed).fit(None, np.array([0, 1]))
    ours, reference = [], []
    for _ in range(2):
        sampler = LatencySampler(model.predict, ROWS, max_time=0.6, precision=1e-9)
        ours.append(sampler.run().samples_ns)
        reference.append(bare_loop(model, 0.6).samples_ns)
    lat = LatencyResult(samples_ns=np.concatenate(ours))
    ref = LatencyResult(samples_ns=np.concatenate(reference))
    problems = [] if lat.n >= 662 else [f"n={lat.n} < 662"]
    for q, truth in truths.items():
        got, machine = lat.percentile(q), ref.percentile(q)
        if abs(machine / truth - 1) <= 0.05:
            if abs(got / truth - 1) > 0.05:
                problems.append(f"p{q:g}={got:.4e} vs truth {truth:.4e}")
            elif not covers(lat, q, truth):
                problems.append(f"p{q:g} interval {lat.interval(q)} misses {truth:.4e}")
        else:
            windows = [LatencyResult(samples_ns=r).percentile(q) for r in reference]
            spread = (max(windows) - min(windows)) / machine
            if abs(got / machine - 1) > 0.05 + spread:
                problems.append(
                    f"p{q:g}={got:.4e} vs bare loop {machine:.4e} (windows spread "
                    f"{spread:.0%}; truth {truth:.4e})"
                )
    return problems


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
    # A burst of load can still hit one side of the alternation harder than
    # the other; a harness error is systematic and fails every attempt.
    failures = []
    for attempt in range(3):
        problems = fidelity_problems(draw, {50: p50_true, 99: p99_true}, seed=attempt)
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
