"""Tests of prodbench.serving: the queueing simulator against theory, max QPS, capacity."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
from factories import make_comparison, make_result

from prodbench import serving, stats
from prodbench.errors import BudgetError, DataError, SchemaError, SpecError
from prodbench.report.capacity import render_capacity, render_load_test
from prodbench.serving_results import (
    CandidateCapacity,
    Capacity,
    LoadLatency,
    LoadPoint,
    LoadTestResult,
    MaxQPS,
)
from prodbench.verdict import Budget

MU = 1000.0  # service rate of the theory checks: mean service 1 ms
FAST = {"replicates": 8, "requests": 5000}  # small capacities for tests that are not about accuracy


@pytest.fixture(scope="module")
def exponential_service() -> np.ndarray:
    return np.random.default_rng(1).exponential(1.0 / MU, 1_000_000)


def _erlang_c(c: int, a: float) -> float:
    """Probability of waiting in M/M/c with offered load ``a = lambda / mu``."""
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


# --------------------------------------------------------------------------- theory
@pytest.mark.parametrize("rho", [0.5, 0.8])
def test_mm1_sojourn_mean_and_p99_match_theory(exponential_service: np.ndarray, rho: float) -> None:
    lam = rho * MU
    lat = serving.simulate(exponential_service, lam, 1, 1_000_000, random_state=2)
    assert lat.size == 1_000_000
    # M/M/1 sojourn is exponential with rate mu - lambda
    assert lat.mean() == pytest.approx(1.0 / (MU - lam), rel=0.03)
    assert np.percentile(lat, 99) == pytest.approx(math.log(100) / (MU - lam), rel=0.03)


def test_md1_mean_wait_matches_pollaczek_khinchine() -> None:
    rho = 0.8
    lat = serving.simulate(np.full(10, 1.0 / MU), rho * MU, 1, 1_000_000, random_state=3)
    wait = lat.mean() - 1.0 / MU
    assert wait == pytest.approx(rho / (2 * MU * (1 - rho)), rel=0.03)


def test_mm2_mean_wait_matches_erlang_c(exponential_service: np.ndarray) -> None:
    c, lam = 2, 0.8 * 2 * MU
    lat = serving.simulate(exponential_service, lam, c, 1_000_000, random_state=4)
    wait = lat.mean() - exponential_service.mean()
    assert wait == pytest.approx(_erlang_c(c, lam / MU) / (c * MU - lam), rel=0.03)


def test_many_lanes_loop_matches_the_heap_of_one_lane() -> None:
    service = np.random.default_rng(5).exponential(1e-3, 2000)
    lanes = serving._make_lanes([service], 0, 3, 3000)
    rng_rates = np.array([900.0, 1500.0, 3000.0, 5000.0])
    workers = np.array([2, 2, 4, 8])
    rows = np.array([0, 1, 2, 3])
    limits = {"p50": 1.0, "p99": 1.0}  # ratio == the larger percentile, in seconds
    got = lanes.ratios(rng_rates, workers, limits, rows)
    for i in range(4):
        arrivals = lanes.unit_arrivals[rows[i]] / rng_rates[i]
        sojourn = serving._sojourn_heap(arrivals, lanes.service[rows[i]], int(workers[i]))
        sojourn = sojourn[lanes.warmup :]
        # the loop keeps sojourn times as float32: agreement to float32 precision
        assert got[i] == pytest.approx(np.percentile(sojourn, 99), rel=1e-6)


def test_simulate_discards_a_warmup_prefix_and_is_seeded() -> None:
    service = np.full(5, 0.001)
    a = serving.simulate(service, 900.0, requests=2000, random_state=7)
    b = serving.simulate(service, 900.0, requests=2000, random_state=7)
    c = serving.simulate(service, 900.0, requests=2000, random_state=7, warmup=0)
    assert a.size == c.size == 2000
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    # a latency result is read from its raw samples
    lat = make_result("x", n=800).latency
    assert serving.simulate(lat, 10.0, requests=100).min() >= lat.min - 1e-12


# --------------------------------------------------------------------------- max QPS
def test_max_qps_matches_mm1_theory() -> None:
    service = np.random.default_rng(1).exponential(1.0 / MU, 200_000)
    cap = serving.max_qps(service, "p99=10ms", replicates=0, requests=200_000)
    theory = 1.0 / service.mean() - math.log(100) / 0.010
    assert cap.qps == pytest.approx(theory, rel=0.03)
    assert cap.utilization == pytest.approx(cap.qps * service.mean())
    assert not cap.undersampled


def test_max_qps_is_monotone_in_workers_and_budget() -> None:
    service = np.random.default_rng(2).exponential(1e-3, 5000)
    by_workers = serving.candidate_capacity(service, "p99=10ms", workers=(1, 2, 4), **FAST)
    qps = [by_workers[c].qps for c in (1, 2, 4)]
    assert qps[0] < qps[1] < qps[2]
    per_worker = [by_workers[c].per_worker for c in (1, 2, 4)]
    assert per_worker[0] < per_worker[1] < per_worker[2]  # pooling gains
    tight = serving.max_qps(service, "p99=5ms", **FAST)
    loose = serving.max_qps(service, "p99=20ms", **FAST)
    assert tight.qps < by_workers[1].qps < loose.qps
    for m in (tight, loose, *by_workers.max_qps.values()):
        low, high = m.interval
        assert 0 < low <= m.qps <= high < m.saturation_qps


def test_several_limits_all_hold() -> None:
    service = np.random.default_rng(3).exponential(1e-3, 5000)
    p99_only = serving.max_qps(service, "p99=10ms", **FAST)
    both = serving.max_qps(service, "p99=10ms,p50=1ms", **FAST)
    assert both.qps < p99_only.qps
    lat = serving.simulate(service, both.qps * 0.98, requests=50_000, random_state=1)
    assert np.percentile(lat, 50) <= 0.001 * 1.05


def test_service_alone_over_budget_gives_zero_and_no_workers() -> None:
    service = np.full(1000, 0.006)
    cap = serving.candidate_capacity(service, "p99=5ms", workers=(1, 2), qps=100.0, **FAST)
    assert cap[1].qps == 0.0 and cap[2].qps == 0.0
    assert cap.target is not None and cap.target.workers is None
    assert "service time alone" in cap.target.reason
    assert math.isnan(cap.target.cost_per_million)


def test_workers_needed_lower_bound_reaches_the_target() -> None:
    service = np.random.default_rng(4).exponential(1e-3, 5000)
    point = serving.workers_needed(service, 1500.0, "p99=10ms", **FAST)
    assert point.workers is not None and point.workers >= 2
    cap = serving.candidate_capacity(
        service, "p99=10ms", workers=(point.workers - 1, point.workers), **FAST
    )
    assert cap[point.workers].qps_low >= 1500.0
    assert cap[point.workers - 1].qps_low < 1500.0
    assert point.p50 < point.p99 <= 0.010 * 1.1
    hours = 1e6 / 1500.0 / 3600.0
    assert point.cost_per_million == pytest.approx(point.workers * 0.05 * hours)


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("qps", [0, -5.0, math.inf, math.nan, "fast", True])
def test_bad_qps_is_an_error(qps: object) -> None:
    with pytest.raises(SpecError, match="qps"):
        serving.simulate([0.001], qps)  # type: ignore[arg-type]
    with pytest.raises(SpecError, match="qps"):
        serving.workers_needed([0.001], qps, "p99=5ms")  # type: ignore[arg-type]


@pytest.mark.parametrize("workers", [0, -1, 1.5, "2", True])
def test_bad_workers_is_an_error(workers: object) -> None:
    with pytest.raises(SpecError, match="workers"):
        serving.simulate([0.001], 10.0, workers)  # type: ignore[arg-type]
    with pytest.raises(SpecError, match="workers"):
        serving.max_qps([0.001], "p99=5ms", workers)  # type: ignore[arg-type]


@pytest.mark.parametrize("budget", ["size=10MB", "cold_start=1s", None, ""])
def test_budget_without_a_percentile_is_an_error(budget: object) -> None:
    with pytest.raises(BudgetError):
        serving.max_qps([0.001] * 100, budget)  # type: ignore[arg-type]


def test_bad_service_times_are_data_errors() -> None:
    for bad in ([], [0.001, math.nan], [-0.001], [0.0, 0.0]):
        with pytest.raises(DataError):
            serving.simulate(bad, 10.0)


def test_comparison_capacity_needs_a_budget() -> None:
    cmp = make_comparison([make_result("a"), make_result("b", seed=1)])
    with pytest.raises(BudgetError, match="percentile"):
        cmp.capacity()


def test_undersampled_result_is_flagged_in_result_and_rendering() -> None:
    few = make_result("few", latency_ms=0.5, n=500)
    cap = few.capacity("p99=5ms", workers=1, **FAST)
    assert cap.undersampled and cap[1].undersampled and cap.n_samples == 500
    enough = make_result("enough", latency_ms=0.5, n=700).capacity("p99=5ms", **FAST)
    assert not enough.undersampled
    cmp = make_comparison([make_result("ok", latency_ms=0.5), few], budget=Budget(p99="5ms"))
    whole = cmp.capacity(workers=(1,), **FAST)
    assert whole.undersampled == ["few"]
    text = render_capacity(whole)
    assert "few: capacity from 500 samples" in text and "†" in text


# --------------------------------------------------------------------------- capacity on results
@pytest.fixture
def target_cmp(monkeypatch: pytest.MonkeyPatch) -> object:
    # cmp.target_capacity uses the defaults: make them small for speed
    monkeypatch.setattr(serving, "CAPACITY_REPLICATES", 8)
    monkeypatch.setattr(serving, "CAPACITY_REQUESTS", 5000)
    lone = make_result("lone", latency_ms=0.3, n=3000)
    ens = make_result("ens", latency_ms=2.0, n=3000, seed=1)
    cmp = make_comparison([lone, ens], budget=Budget(p99="5ms"))
    return dataclasses.replace(cmp, options={"qps": 500})


def test_capacity_round_trips_through_json(tmp_path: object, target_cmp: object) -> None:
    cap = target_cmp.capacity(workers=(1, 2), **FAST)  # type: ignore[attr-defined]
    assert cap.qps == 500 and set(cap.candidates) == {"lone", "ens"}
    path = tmp_path / "cap.json"  # type: ignore[operator]
    cap.to_json(path)
    back = Capacity.from_json(path)
    assert back == cap
    assert back["ens"].target == cap["ens"].target
    assert json.loads(render_capacity(cap, "json")) == cap.to_dict()
    bad = cap.to_dict()
    bad["schema_version"] = 99
    with pytest.raises(SchemaError):
        Capacity.from_dict(bad)
    with pytest.raises(SchemaError):
        Capacity.from_dict({**cap.to_dict(), "candidates": [{"name": "x"}]})


def test_result_capacity_equals_comparison_capacity(target_cmp: object) -> None:
    alone = target_cmp.results["ens"].capacity("p99=5ms", workers=(1, 2), qps=500, **FAST)  # type: ignore[attr-defined]
    together = target_cmp.capacity(workers=(1, 2), **FAST)["ens"]  # type: ignore[attr-defined]
    assert alone.max_qps == together.max_qps
    assert alone.target == together.target


def test_target_rate_changes_stakeholders_and_adds_the_section(target_cmp: object) -> None:
    roles = {s.role: s for s in target_cmp.stakeholders}  # type: ignore[attr-defined]
    assert "per million at 500 QPS" in roles["Manager"].reason
    assert "for 500 QPS" in roles["Infrastructure"].reason
    cap = target_cmp.target_capacity  # type: ignore[attr-defined]
    assert cap["lone"].target.workers == 1
    assert cap["ens"].target.workers >= 2  # 2 ms service: one worker saturates at 500/s
    text = " ".join(str(target_cmp).split())
    assert "Capacity within p99 < 5 ms" in text and "workers for 500 QPS" in text
    assert "Capacity within p99 &lt; 5 ms" in target_cmp._repr_html_()  # type: ignore[attr-defined]
    assert "**Capacity within p99 &lt; 5 ms**" in target_cmp.to_markdown()  # type: ignore[attr-defined]
    from prodbench.report import render_json

    assert json.loads(render_json(target_cmp))["summary"]["capacity"]["qps"] == 500  # type: ignore[arg-type]
    # without a target nothing changes
    plain = dataclasses.replace(target_cmp, options={})  # type: ignore[type-var]
    assert plain.target_capacity is None
    assert "Capacity" not in str(plain)


def test_result_types_round_trip() -> None:
    m = MaxQPS(2, 1500.0, 1400.0, 1550.0, 0.001, 5000, {"p99": 0.005}, False, 100, 4)
    assert MaxQPS.from_dict(m.to_dict()) == m
    lp = LoadPoint(500.0, None, math.nan, math.nan, 0.05, "no")
    back = LoadPoint.from_dict(json.loads(json.dumps(lp.to_dict())))
    assert back.workers is None and back.reason == "no"
    cc = CandidateCapacity("a", {2: m}, lp)
    assert CandidateCapacity.from_dict(cc.to_dict()).max_qps == {2: m}


def test_load_plot_draws_curves_budget_and_max_qps(monkeypatch: pytest.MonkeyPatch) -> None:
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.setattr(serving, "CAPACITY_REPLICATES", 4)
    monkeypatch.setattr(serving, "CAPACITY_REQUESTS", 3000)
    lone = make_result("lone", latency_ms=0.3, n=1000)
    ens = make_result("ens", latency_ms=2.0, n=1000, seed=1)
    cmp = make_comparison([lone, ens], budget=Budget(p99="5ms"))
    fig = cmp.plot(kind="load")
    ax = fig.axes[0]
    labels = [line.get_label() for line in ax.get_lines()]
    assert {"lone p99", "lone p50", "ens p99", "ens p50"} <= set(labels)
    gids = {t.get_gid() for t in ax.texts}
    assert {"max-qps-lone", "max-qps-ens", "budget-p99"} <= gids
    assert "Latency under load" in ax.get_title()
    with pytest.raises(SpecError, match="load"):
        cmp.plot(kind="loads")


# --------------------------------------------------------------------------- command line
@pytest.fixture
def saved_run(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(serving, "CAPACITY_REPLICATES", 4)
    monkeypatch.setattr(serving, "CAPACITY_REQUESTS", 3000)
    lone = make_result("lone", latency_ms=0.3, n=1000)
    ens = make_result("ens", latency_ms=2.0, n=1000, seed=1)
    path = tmp_path / "run.json"  # type: ignore[operator]
    make_comparison([lone, ens]).to_json(path)
    return str(path)


def test_cli_capacity_renders_and_saves(
    saved_run: str, tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    from prodbench.cli import main

    out = str(tmp_path / "cap.json")  # type: ignore[operator]
    argv = ["capacity", saved_run, "--budget", "p99=5ms", "--qps", "500", "--workers", "1,2"]
    assert main([*argv, "--format", "json", "--output", out]) == 0
    printed = json.loads(capsys.readouterr().out)
    saved = Capacity.from_json(out)
    assert printed == saved.to_dict()
    assert saved.workers == (1, 2) and saved.qps == 500
    assert saved["lone"].target is not None and saved["lone"].target.workers == 1
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "Capacity within p99 < 5 ms" in text and "ens: " in text
    assert main([*argv, "--format", "markdown"]) == 0
    assert "**Capacity within p99 &lt; 5 ms**" in capsys.readouterr().out
    assert main([*argv, "--format", "html"]) == 0
    assert "<h4>Capacity within p99 &lt; 5 ms</h4>" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--budget", "p99=5ms", "--qps", "0"], "--qps"),
        (["--budget", "p99=5ms", "--qps", "-3"], "--qps"),
        (["--budget", "p99=5ms", "--workers", "0,2"], "--workers"),
        (["--budget", "p99=5ms", "--workers", "two"], "--workers"),
        (["--budget", "size=10MB"], "percentile"),
        ([], "no budget"),
    ],
)
def test_cli_capacity_bad_input_is_one_line_exit_2(
    saved_run: str, extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from prodbench.cli import main

    assert main(["capacity", saved_run, *extra]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_cli_capacity_missing_file_and_help_in_a_subprocess(tmp_path: object) -> None:
    import subprocess
    import sys

    run = [sys.executable, "-m", "prodbench", "capacity"]
    done = subprocess.run([*run, "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert "examples:" in done.stdout and "default: 1,2,4,8" in done.stdout
    missing = str(tmp_path / "nope.json")  # type: ignore[operator]
    done = subprocess.run([*run, missing], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stderr.count("\n") == 1


def test_cli_compare_qps_needs_a_percentile_budget_before_measuring(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from prodbench.cli import main

    argv = ["compare", "logreg", "knn", "--data", "iris", "--quiet"]
    assert main([*argv, "--qps", "100"]) == 2
    assert "percentile" in capsys.readouterr().err
    assert main([*argv, "--budget", "p99=5ms", "--qps", "0"]) == 2
    assert "--qps" in capsys.readouterr().err


def test_cli_compare_qps_adds_the_capacity_section(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from prodbench.cli import main

    monkeypatch.setattr(serving, "CAPACITY_REPLICATES", 4)
    monkeypatch.setattr(serving, "CAPACITY_REQUESTS", 3000)
    argv = ["compare", "logreg", "knn", "--data", "iris", "--quiet", "--max-time", "0.3"]
    code = main([*argv, "--max-fit-time", "1", "--budget", "p99=50ms", "--qps", "100"])
    assert code in (0, 1)
    text = capsys.readouterr().out
    assert "Capacity within p99 < 50 ms" in text
    assert "per million at 100 QPS" in " ".join(text.split())  # lines wrap at 80 columns


# --------------------------------------------------------------------------- real load test
class RaisingModel:
    """Fails on every request (importable by the worker process, which shares sys.path)."""

    def predict(self, X: object) -> object:
        raise ValueError("broken on purpose")


def _busy(ns: int) -> object:
    from fakes import BusyModel, constant

    return BusyModel(constant(ns)).fit(None, np.array([0, 1]))


def test_load_test_at_low_rate_keeps_up_within_duration_plus_startup() -> None:
    import time

    import prodbench as pb

    began = time.perf_counter()
    lt = pb.load_test(_busy(200_000), np.zeros((50, 3)), qps=50, duration=2.0, random_state=1)
    wall = time.perf_counter() - began
    # two runs (the model, then the no-op floor) on the same workers, started once
    assert wall < lt.startup_s + 2 * lt.duration_s + 10.0
    assert lt.requests > 50 and lt.completed == lt.requests and lt.dropped == 0
    assert lt.kept_up and lt.achieved_qps == pytest.approx(lt.scheduled_qps, rel=0.05)
    assert lt.achieved_qps == pytest.approx(50, rel=0.35)  # a Poisson count over 2 s
    assert lt.latency.min >= 200e-6  # scheduled arrival to completion includes the service
    assert lt.service_ns is not None and lt.service_ns.size == lt.completed
    assert lt.service_ns.min() >= 200_000  # the worker times the busy-wait around the call
    assert lt.floor is not None and lt.floor.n == lt.requests
    assert lt.startup_s > 0 and not any("keep up" in note for note in lt.notes)
    assert LoadTestResult.from_dict(json.loads(json.dumps(lt.to_dict()))) == lt
    text = render_load_test(lt, "busy")
    assert "achieved" in text and "floor" in text and "start-up" in text


def test_load_test_counts_queueing_from_the_scheduled_arrival() -> None:
    import prodbench as pb

    # 5 ms per request at 400/s: twice what one worker can serve
    lt = pb.load_test(_busy(5_000_000), np.zeros((10, 2)), qps=400, duration=0.5, floor=False)
    assert lt.floor is None
    assert not lt.kept_up and "Could not keep up" in " ".join(lt.notes)
    lat = lt.latency.samples_ns
    assert lat[-10:].mean() > 10 * lat[:10].mean()  # the queue grows, and it is counted
    assert lt.latency.p99 > 0.2


def test_load_test_latency_intervals_widen_with_correlation() -> None:
    rng = np.random.default_rng(0)
    walk = np.abs(np.cumsum(rng.normal(0, 1e5, 40_000))) + 1e6  # strongly correlated
    lat = LoadLatency(samples_ns=walk.astype(np.int64))
    # the order-statistic interval that assumes independent requests
    iid_low, iid_high = stats.percentile_interval(np.sort(walk.astype(np.int64)) / 1e9, 99)
    low, high = lat.interval(99)
    assert low <= lat.p99 <= high
    assert high - low > 3 * (iid_high - iid_low)  # correlation widens it
    few = LoadLatency(samples_ns=np.arange(1, 500))
    assert all(math.isnan(end) for end in few.interval(99))  # no interval, never infinities
    assert few.interval_info(99).reason.startswith("too few requests")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"qps": 0}, "qps"),
        ({"qps": -1.0}, "qps"),
        ({"workers": 0}, "workers"),
        ({"duration": 0}, "duration"),
        ({"duration": math.inf}, "duration"),
        ({"qps": 1e6, "duration": 10.0}, "more than"),
    ],
)
def test_load_test_bad_input_starts_nothing(kwargs: dict[str, object], match: str) -> None:
    import prodbench as pb

    args = {"qps": 10.0, "duration": 1.0, "workers": 1, **kwargs}
    with pytest.raises(SpecError, match=match):
        pb.load_test(serving._NoOpModel(), np.zeros((5, 2)), **args)  # type: ignore[arg-type]
    with pytest.raises(SpecError, match="predict"):
        pb.load_test(object(), np.zeros((5, 2)), qps=10, duration=1)


def test_load_test_model_failing_in_the_worker_is_a_model_failure() -> None:
    import prodbench as pb
    from prodbench.errors import ModelFailedError

    with pytest.raises(ModelFailedError, match="broken on purpose") as info:
        pb.load_test(RaisingModel(), np.zeros((5, 2)), qps=20, duration=0.5, floor=False)
    assert info.value.exit_code == 3


def test_cli_load_test(capsys: pytest.CaptureFixture[str]) -> None:
    from prodbench.cli import main

    argv = ["load-test", "logreg", "--data", "iris", "--qps", "20", "--duration", "1"]
    assert main([*argv, "--no-floor", "--format", "json"]) in (0, 1)
    data = json.loads(capsys.readouterr().out)
    assert data["kind"] == "LoadTestResult" and data["offered_qps"] == 20
    assert data["floor"] is None and len(data["latency"]["samples_ns"]) == data["requests"]
    for bad in (["--qps", "0"], ["--workers", "0"], ["--duration", "-1"]):
        assert main(["load-test", "logreg", "--data", "iris", *bad]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err


# --------------------------------------------------------------------------- the package
def test_capacities_takes_plain_latencies_as_comparison_capacity_does() -> None:
    lone = make_result("lone", latency_ms=0.3, n=1000)
    ens = make_result("ens", latency_ms=2.0, n=1000, seed=1)
    cmp = make_comparison([lone, ens], budget=Budget(p99="5ms"))
    cmp = dataclasses.replace(cmp, price_per_core_hour=0.1)
    latencies = {"lone": lone.latency, "ens": ens.latency}
    plain = serving.capacities(latencies, "p99=5ms", (1, 2), 500, price_per_core_hour=0.1, **FAST)
    assert plain == cmp.capacity(workers=(1, 2), qps=500, **FAST)
    assert plain == serving.comparison_capacity(cmp, None, 500, (1, 2), **FAST)
    assert plain.price_per_core_hour == 0.1 and plain.qps == 500
    assert serving.capacities({}, "p99=5ms", **FAST).candidates == {}


def test_capacity_defaults_are_read_from_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    service = np.random.default_rng(0).exponential(0.001, 2000)
    monkeypatch.setattr(serving, "CAPACITY_REPLICATES", 3)
    monkeypatch.setattr(serving, "CAPACITY_REQUESTS", 2000)
    cap = serving.max_qps(service, "p99=10ms")
    assert (cap.replicates, cap.requests) == (3, 2000)
    assert serving.candidate_capacity(service, "p99=10ms")[1].replicates == 3


def test_serving_imports_no_decision_pipeline_or_renderer() -> None:
    import ast
    from pathlib import Path

    import prodbench

    root = Path(prodbench.__file__).parent
    for path in sorted((root / "serving").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                names = [node.module or "", *(a.name for a in node.names)]
                banned = [n for n in names if n.split(".")[0] in ("verdict", "pipeline", "report")]
                assert not banned and "plot" not in names, (path.name, names)
    text = (root / "serving_results.py").read_text(encoding="utf-8")
    assert "from .serving import" not in text  # result types do not need the serving engine


def test_the_load_test_worker_functions_keep_their_old_names() -> None:
    from prodbench.serving import loadtest

    for name in ("_serve_request", "_serve_setup", "_NoOpModel", "load_test_candidate"):
        assert getattr(serving, name) is getattr(loadtest, name)
