"""The real load test: shared-schedule workers, censoring, intervals under correlation, verdict.

Timing tests use busy-wait fakes (tests/fakes.py) with tolerances for a busy
2-core machine; figures live in benchmarks/bench_loadtest.py.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from prodbench import correlated
from prodbench.errors import SpecError
from prodbench.serving_results import LoadLatency, LoadTestResult


def _mm1_sojourn(rho: float, n: int, rng: np.random.Generator, warm: int = 2000) -> np.ndarray:
    """M/M/1 sojourn times (service rate 1) in arrival order, after a warm-up."""
    arrivals = np.cumsum(rng.exponential(1.0 / rho, n + warm))
    done_work = np.cumsum(rng.exponential(1.0, n + warm))
    before = np.concatenate([[0.0], done_work[:-1]])
    departures = done_work + np.maximum.accumulate(arrivals - before)
    return (departures - arrivals)[warm:]


@pytest.mark.parametrize(("rho", "least"), [(0.5, 0.86), (0.8, 0.76)])
def test_p99_interval_covers_the_mm1_truth_under_correlation(rho: float, least: float) -> None:
    # 60 replicates of 20,000 requests; the benchmark runs 300 (about 94% and 87-88%).
    rng = np.random.default_rng(2024)
    truth = math.log(100.0) / (1.0 - rho)  # the sojourn time is exponential(1 - rho)
    hits = 0
    naive_hits = 0
    for _ in range(60):
        x = _mm1_sojourn(rho, 20_000, rng)
        info = correlated.interval(x, 99)
        assert info.ok, info.reason
        hits += info.low <= truth <= info.high
        ordered = np.sort(x)  # the interval that assumes independence is far too narrow
        k = 1.96 * math.sqrt(0.99 * 0.01 * x.size)
        naive_hits += ordered[int(0.99 * x.size - k)] <= truth <= ordered[int(0.99 * x.size + k)]
    assert least <= hits / 60 <= 1.0
    assert naive_hits < hits


def test_too_few_requests_is_a_reason_not_infinities() -> None:
    info = correlated.interval(np.arange(1.0, 300.0), 99)
    assert not info.ok and info.reason.startswith("too few requests")
    assert math.isnan(info.low) and math.isnan(info.high)
    # runs of 150 equal values: 4,500 requests, but only 30 independent ones
    runs = np.repeat(np.random.default_rng(0).exponential(size=30), 150)
    strong = correlated.interval(runs, 50)
    assert not strong.ok and "correlation" in strong.reason
    assert correlated.autocorrelation_time(runs) > 50
    assert correlated.autocorrelation_time(np.random.default_rng(1).normal(size=6_000)) < 1.5


def test_censored_requests_make_the_percentile_a_lower_bound_open_above() -> None:
    samples = np.full(20_000, 1_000_000, dtype=np.int64)
    samples[-300:] = 2_000_000_000  # never completed: at least 2 s from arrival to the end
    lat = LoadLatency(samples_ns=samples, censored=np.arange(19_700, 20_000))
    assert lat.n_censored == 300 and lat.lower_bound(99) and not lat.lower_bound(50)
    low, high = lat.interval(99)
    assert low <= lat.p99 and math.isinf(high)
    lt = LoadTestResult(
        lat, 100.0, 20_000, 200.0, 200.0, 1, 0.5, dropped=300, limits={"p99": 0.005}
    )
    assert lt.completed == 19_700 and not lt.kept_up
    assert lt.verdict.status == "FAIL" and "could not keep up" in lt.verdict.reason
    back = LoadTestResult.from_dict(json.loads(json.dumps(lt.to_dict())))
    assert back == lt and back.latency.n_censored == 300
    assert lt.to_dict()["summary"]["p99_lower_bound_only"] is True


def test_verdict_pass_fail_undecided_from_the_interval() -> None:
    rng = np.random.default_rng(3)
    fast = LoadLatency(samples_ns=rng.integers(900_000, 1_100_000, 20_000))
    args = (100.0, 20_000, 200.0, 200.0, 1, 0.5)
    assert LoadTestResult(fast, *args, limits={"p99": 0.005}).verdict.status == "PASS"
    assert LoadTestResult(fast, *args, limits={"p99": 0.0005}).verdict.status == "FAIL"
    at = fast.p99  # a limit on the estimate itself cannot be decided either way
    assert LoadTestResult(fast, *args, limits={"p99": at}).verdict.status == "UNDECIDED"
    few = LoadLatency(samples_ns=rng.integers(900_000, 1_100_000, 200))
    undecided = LoadTestResult(few, 100.0, 200, 2.0, 2.0, 1, 0.5, limits={"p99": 0.005}).verdict
    assert undecided.status == "UNDECIDED" and "too few requests" in undecided.reason
    assert LoadTestResult(fast, *args).verdict is None


def test_load_test_serves_from_the_shared_schedule_with_little_overhead() -> None:
    from fakes import BusyModel, constant

    import prodbench as pb

    model = BusyModel(constant(300_000)).fit(None, np.array([0, 1]))
    lt = pb.load_test(model, np.zeros((40, 3)), qps=100, duration=1.0, budget="p99=50ms")
    assert lt.completed == lt.requests and lt.dropped == 0 and lt.kept_up
    assert lt.latency.request_format == "numpy" and lt.rows == 40 and lt.max_batch == 1
    assert lt.service_ns is not None and lt.service_ns.min() >= 300_000
    assert lt.latency.min >= 300e-6  # from the scheduled arrival: the service is inside
    # the harness alone (a no-op model, same schedule) is well under the service time
    assert lt.floor is not None and lt.floor.n == lt.requests and lt.floor.p50 < 300e-6
    assert lt.verdict is not None and lt.verdict.status in ("PASS", "UNDECIDED")
    assert LoadTestResult.from_dict(json.loads(json.dumps(lt.to_dict()))) == lt


def test_a_request_that_never_completes_is_censored_not_left_out() -> None:
    from fakes import BusyModel, constant

    import prodbench as pb

    # 30 ms per request at 200/s for 0.5 s: the worker cannot finish them by the limit
    model = BusyModel(constant(30_000_000)).fit(None, np.array([0, 1]))
    lt = pb.load_test(model, np.zeros((5, 2)), qps=200, duration=0.5, time_limit=0.6, floor=False)
    assert lt.dropped > 0 and lt.latency.n == lt.requests  # every request is in the samples
    assert lt.latency.lower_bound(99) and not lt.kept_up
    assert "censored" in " ".join(lt.notes)


def test_more_workers_than_cores_is_refused_unless_forced() -> None:
    import prodbench as pb
    from prodbench.serving import usable_cores

    too_many = usable_cores() + 1
    with pytest.raises(SpecError, match="oversubscribe"):
        pb.load_test(pb.serving._NoOpModel(), np.zeros((5, 2)), qps=10, duration=0.2,
                     workers=too_many)  # fmt: skip
    with pytest.warns(RuntimeWarning, match="time-share"):
        lt = pb.load_test(pb.serving._NoOpModel(), np.zeros((5, 2)), qps=20, duration=0.2,
                          workers=too_many, oversubscribe=True, floor=False)  # fmt: skip
    assert any("oversubscribe" in note for note in lt.notes)
    # one FIFO over the workers: every request served once, none lost between them
    assert lt.completed == lt.requests and lt.workers == too_many


def test_batching_at_saturation_matches_the_closed_form() -> None:
    from fakes import BatchBusyModel

    import prodbench as pb

    a, c = 2_000_000, 100_000  # s(b) = 2 ms + 0.1 ms * b: one by one 476/s, by 8 2,857/s
    model = BatchBusyModel(a, c)
    lt = pb.load_test(model, np.zeros((50, 2)), qps=4000, duration=0.4, floor=False,
                      max_batch=8, max_wait="2ms")  # fmt: skip
    assert lt.completed == lt.requests
    sizes = np.asarray(lt.batch_sizes)
    service = np.asarray(lt.service_ns)
    # the queue never empties: nearly every call serves a full batch of 8, which takes
    # a + 8c (a busy-wait: never less; its fastest calls are the ones nothing preempted)
    assert np.mean(sizes == 8) > 0.9
    full = service[sizes == 8]
    assert full.min() >= a + 8 * c and full.min() == pytest.approx(a + 8 * c, rel=0.1)
    # so the server's capacity is the closed form's 8 / (a + 8c), not 1 / (a + c)
    calls = np.sum(1.0 / sizes)  # each call counted once over its requests
    assert lt.requests / calls == pytest.approx(8, rel=0.1)


def test_batching_waits_for_the_batch_to_fill_at_low_rate() -> None:
    from fakes import BatchBusyModel

    import prodbench as pb

    model = BatchBusyModel(500_000, 50_000)
    lt = pb.load_test(model, np.zeros((20, 2)), qps=40, duration=1.0, floor=False,
                      max_batch=8, max_wait="3ms")  # fmt: skip
    # arrivals 25 ms apart on average: a batch mostly waits its 3 ms and leaves with
    # one request, which then spent at least the wait and the call
    alone = np.asarray(lt.batch_sizes) == 1
    assert np.mean(alone) > 0.7
    assert lt.latency.samples_ns[alone].min() >= 3_000_000 + 550_000
    assert lt.latency.p50 < 3 * (3e-3 + 0.55e-3)
    with pytest.raises(SpecError, match="max_batch"):
        pb.load_test(model, np.zeros((20, 2)), qps=40, duration=1.0, max_wait="3ms")


def test_cli_load_test_states_what_it_sent_and_decides_the_budget(
    capsys: pytest.CaptureFixture[str], tmp_path
) -> None:
    from prodbench.cli import main

    argv = ["load-test", "logreg", "--data", "iris", "--qps", "20", "--duration", "0.5"]
    code = main([*argv, "--no-floor", "--format", "json", "--budget", "p99=5ms"])
    captured = capsys.readouterr()
    summary = json.loads(captured.out)["summary"]
    assert summary["request_format"] == "numpy"  # as compare sends presets: arrays
    assert summary["rows"] == 38 and summary["workers"] == 1  # iris's 25% test split
    assert summary["offered_qps"] == 20 and summary["achieved_qps"] > 0
    assert summary["verdict"] == "UNDECIDED" and "too few requests" in summary["verdict_reason"]
    assert code == 1 and "load test UNDECIDED" in captured.err  # not PASS: exit 1
    assert main([*argv, "--no-floor"]) in (0, 1)
    text = capsys.readouterr().out
    assert "one-row numpy requests cycling over 38 test rows" in text
    assert "arrived" in text and "achieved" in text and "1 worker" in text
    # P6: into a missing directory is refused like compare, before anything runs
    missing = tmp_path / "no" / "such" / "lt.json"
    assert main([*argv, "--output", str(missing)]) == 2
    assert "does not exist" in capsys.readouterr().err and not missing.parent.exists()


def test_cli_load_test_from_a_saved_run_sets_the_service_time_against_the_idle_p50(
    capsys: pytest.CaptureFixture[str], tmp_path
) -> None:
    from prodbench.cli import main

    run = tmp_path / "run.json"
    assert main(["compare", "logreg", "knn", "--data", "iris", "--max-time", "0.3", "--quiet",
                 "--no-isolate", "--output", str(run)]) in (0, 1)  # fmt: skip
    capsys.readouterr()
    argv = ["load-test", "logreg", "--data", "iris", "--qps", "20", "--duration", "0.3"]
    main([*argv, "--no-floor", "--from", str(run)])
    assert "idle one-row p50" in capsys.readouterr().out
    main([*argv, "--no-floor", "--from", str(run), "--format", "json"])
    summary = json.loads(capsys.readouterr().out)["summary"]
    assert summary["service_over_idle"] == pytest.approx(
        summary["service_p50_s"] / summary["idle_p50_s"]
    )
    assert main([*argv, "--from", str(run), "--max-batch", "4", "--max-wait", "1ms"]) in (0, 1)
    assert "batches of up to 4" in capsys.readouterr().out
    assert main(["load-test", "forest", "--data", "iris", "--from", str(run)]) == 2
    assert "no measured candidate named 'forest'" in capsys.readouterr().err


def test_the_load_test_interrupt_line_is_its_own() -> None:
    from prodbench.cli._common import _State

    state = _State(on_interrupt="interrupted; the load test was stopped and its workers ended")
    assert "finished candidates" not in state.interrupted()
    assert "finished candidates" in _State().interrupted()  # compare's, unchanged


def test_load_test_takes_the_simulators_arrival_processes() -> None:
    import prodbench as pb
    from prodbench.serving import arrival_offsets

    # Poisson stays the draws it was; bursty gamma arrivals keep the mean rate
    rng = np.random.default_rng(3)
    from prodbench.serving.loadtest import _arrivals

    poisson = _arrivals(200.0, 2.0, np.random.default_rng(3), 10_000)
    expected = np.cumsum(rng.exponential(1.0 / 200.0, poisson.size + 1))
    assert np.array_equal(poisson, expected[expected < 2.0])
    bursty = _arrivals(200.0, 50.0, np.random.default_rng(3), 100_000, "gamma:cv=3")
    gaps = np.diff(bursty)
    assert abs(bursty.size / 50.0 / 200.0 - 1) < 0.2 and gaps.std() / gaps.mean() > 2.0
    assert arrival_offsets("gamma:cv=3", 10, qps=5.0).size == 10
    with pytest.raises(SpecError, match="arrivals"):  # checked before any worker starts
        pb.load_test(pb.serving._NoOpModel(), np.zeros((5, 2)), qps=10, duration=0.2,
                     arrivals="weibull")  # fmt: skip
    lt = pb.load_test(pb.serving._NoOpModel(), np.zeros((5, 2)), qps=50, duration=0.5,
                      arrivals="gamma:cv=3", floor=False)  # fmt: skip
    assert lt.completed == lt.requests
