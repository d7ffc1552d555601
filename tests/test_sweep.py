"""Tests of prodbench.sweeps (pb.sweep): sequential sweeps and sweeps on a real LocalCluster.

The cluster (2 worker processes, 1 thread each) is started once for the
module. Its scheduler validates lock leases every 0.5 s and the sweeps here
use a 3 s lease, so a dead worker's host lock is freed within seconds.
"""

from __future__ import annotations

import _thread
import json
import os
import signal
import threading
import time

import dask
import distributed
import numpy as np
import pytest
from sklearn.naive_bayes import GaussianNB
from sklearn.tree import DecisionTreeClassifier

import prodbench as pb
from prodbench.errors import CandidateError, SchemaError, SpecError
from prodbench.sweeps import CaseRun, FailedCase, Sweep, SweepInterrupted, _host_lock

LEASE = 3.0
FAST = {"max_time": 0.2, "batch_sizes": (1,), "min_fits": 1}
# Cluster tests of scheduling and faults skip the per-candidate subprocesses
# (isolation, the cluster default, is tested on its own and by the first sweep).
IN_TASK = {**FAST, "isolate": False}
DATASETS = ["iris", "wine"]


def candidates(name: str = "") -> dict[str, object]:
    return {"nb": GaussianNB(), "tree": DecisionTreeClassifier(max_depth=3, random_state=0)}


@pytest.fixture(scope="module")
def cluster():
    from prodbench._dask import _nanny_variables, _restore_nanny_variables

    before = _nanny_variables()  # the nanny sets OMP_NUM_THREADS=1 etc. in this process
    with dask.config.set({"distributed.scheduler.locks.lease-validation-interval": "0.5s"}):
        lc = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = distributed.Client(lc)
    _restore_nanny_variables(before)
    try:
        client.wait_for_workers(2, timeout=180)
        yield client
    finally:
        client.close()
        lc.close()


@pytest.fixture(scope="module")
def cluster_sweep(cluster):
    events: list[pb.SweepEvent] = []
    sw = pb.sweep(
        DATASETS,
        candidates,
        budget="p99=1s",
        client=cluster,
        lock_lease_timeout=LEASE,
        progress=events.append,
        **FAST,
    )
    return sw, events


@pytest.fixture(scope="module")
def sequential_sweep():
    return pb.sweep(DATASETS, candidates, budget="p99=1s", **FAST)


# --------------------------------------------------------------------------- cluster
def test_cluster_sweep_completes_records_workers_and_matches_sequential(
    cluster, cluster_sweep, sequential_sweep
):
    sw, events = cluster_sweep
    assert sw.finished == DATASETS and not sw.failures and sw.ok
    workers = set(cluster.scheduler_info()["workers"])
    for case in DATASETS:
        run = sw.runs[case]
        assert run.worker in workers
        assert run.host and run.cpu_model and run.logical_cores
        assert run.lock == "host" and run.worker_threads == 1
        assert run.thread_env.get("OMP_NUM_THREADS") == "1"  # the nanny's default
        assert run.submitted_at <= run.started_at <= run.measure_start <= run.latency_start
        assert run.latency_start < run.latency_end <= run.measure_end <= run.finished_at
        seq = sequential_sweep.comparisons[case]
        for name in ("nb", "tree"):
            got, want = sw.comparisons[case].results[name].score, seq.results[name].score
            assert got.value == want.value
            np.testing.assert_array_equal(got.y_pred, want.y_pred)
    phases = {(e.case, e.phase) for e in events}
    for case in DATASETS:
        assert {(case, "submitted"), (case, "started"), (case, "measuring"), (case, "done")} <= (
            phases
        )
    assert any(e.candidate == "tree" and e.phase == "latency" for e in events)
    assert any("pinned to 1" in w for w in sw.warnings)  # the nanny's default, said
    assert not any("pinned to 1" in w for w in sequential_sweep.warnings)
    assert sequential_sweep.runs["iris"].lock == "sequential"
    assert sequential_sweep.runs["iris"].worker == ""


def test_host_lock_keeps_cases_on_one_host_from_timing_at_once(cluster_sweep):
    sw, _ = cluster_sweep
    a, b = (sw.runs[c] for c in DATASETS)
    assert a.host == b.host and a.worker != b.worker  # two workers, one host
    # Whole measurement windows (lock held) and latency windows are disjoint.
    assert a.measure_end <= b.measure_start or b.measure_end <= a.measure_start
    assert a.latency_end <= b.latency_start or b.latency_end <= a.latency_start
    assert sw.overlaps == []
    assert not any("same time" in w for w in sw.warnings)


def test_lifting_the_host_lock_is_recorded_and_an_address_connects(cluster):
    address = cluster.scheduler.address  # a "tcp://host:port" string: the sweep connects
    sw = pb.sweep(["iris"], candidates, client=address, exclusive_hosts=False, **IN_TASK)
    assert sw.scheduler == address and sw.runs["iris"].worker
    assert sw.runs["iris"].lock == "none" and not sw.exclusive_hosts
    assert any("exclusive_hosts=False" in w for w in sw.warnings)
    assert "host lock lifted" in str(sw)


def test_killed_worker_retries_the_case_and_keeps_the_others(cluster, tmp_path):
    cluster.wait_for_workers(2, timeout=180)
    pids = cluster.run(os.getpid)
    killed: list[str] = []

    def kill_first_measuring(event: pb.SweepEvent) -> None:
        if event.phase == "measuring" and not killed:
            killed.append(event.worker)
            os.kill(pids[event.worker], signal.SIGKILL)

    out = tmp_path / "sweep.json"
    sw = pb.sweep(
        DATASETS,
        candidates,
        client=cluster,
        lock_lease_timeout=LEASE,
        progress=kill_first_measuring,
        output=out,
        **IN_TASK,
    )
    assert killed
    victim = next(c for c in DATASETS if killed[0] in sw.runs[c].lost_workers)
    other = next(c for c in DATASETS if c != victim)
    assert other in sw.comparisons  # never lost
    if victim in sw.comparisons:  # retried on another worker
        assert sw.runs[victim].attempts == 2
        assert sw.runs[victim].worker != killed[0]
    else:
        assert sw.failures[victim].error_type in ("WorkerLost", "KilledWorker")
    saved = Sweep.from_json(out)
    assert saved.finished == sw.finished


def test_a_case_whose_worker_was_lost_twice_is_recorded_failed(cluster):
    from prodbench.sweeps import _cluster_case

    var = distributed.Variable("prodbench-test-attempts", client=cluster)
    var.set(["tcp://lost-1:1", "tcp://lost-2:2"])  # as two lost attempts leave it
    spec = {"attempts_var": var.name, "topic": "prodbench-test", "exclusive_hosts": True,
            "lease_timeout": LEASE, "submitted_at": time.time()}  # fmt: skip
    outcome = cluster.submit(
        _cluster_case, "iris", b"", (None, None, None, None), None, {}, spec, pure=False
    ).result(timeout=120)
    var.delete()
    assert outcome.comparison is None and outcome.error_type == "WorkerLost"
    assert "lost 2 times" in outcome.reason and outcome.run.attempts == 2
    assert outcome.run.lost_workers == ("tcp://lost-1:1", "tcp://lost-2:2")


def test_lock_of_a_dead_worker_is_released_after_its_lease(cluster):
    cluster.wait_for_workers(1, timeout=180)
    host = cluster.run(lambda: __import__("socket").gethostname())
    (worker, hostname), *_ = host.items()

    def hold_lock_forever(host: str, lease: float) -> None:
        _host_lock(host, lease)
        end = time.monotonic() + 120
        while time.monotonic() < end:
            time.sleep(0.05)

    future = cluster.submit(hold_lock_forever, hostname, LEASE, workers=[worker], pure=False)
    lock = distributed.Lock("prodbench-host-" + hostname)
    deadline = time.monotonic() + 60
    while not lock.locked():
        assert time.monotonic() < deadline, "the worker never took the lock"
        time.sleep(0.05)
    pid = cluster.run(os.getpid, workers=[worker])[worker]
    os.kill(pid, signal.SIGKILL)
    killed_at = time.monotonic()
    assert lock.acquire(timeout=60)
    waited = time.monotonic() - killed_at
    lock.release()
    future.cancel()
    # Freed by the lease (3 s, validated every 0.5 s), well within a minute.
    assert waited < LEASE + 10


def test_default_lease_frees_a_dead_workers_lock_within_a_minute():
    validation = dask.config.get("distributed.scheduler.locks.lease-validation-interval")
    bound = pb.sweeps.DEFAULT_LEASE_TIMEOUT + dask.utils.parse_timedelta(validation)
    assert bound <= 60


def test_unpicklable_candidate_fails_before_anything_is_sent(cluster):
    def tasks() -> list[str]:
        return cluster.run_on_scheduler(
            lambda dask_scheduler: [str(k) for k in dask_scheduler.tasks]
        )

    before = [k for k in tasks() if "prodbench" in k]

    def cands(name: str) -> dict[str, object]:
        tree = DecisionTreeClassifier()
        if name == "wine":  # the second case: the first must not be sent either
            tree.lock = threading.Lock()  # type: ignore[attr-defined]
        return {"nb": GaussianNB(), "tree": tree}

    events: list[pb.SweepEvent] = []
    with pytest.raises(CandidateError, match=r"'tree' of case 'wine' cannot be pickled"):
        pb.sweep(DATASETS, cands, client=cluster, progress=events.append, **FAST)
    assert events == []
    assert [k for k in tasks() if "prodbench" in k] == before
    with pytest.raises(CandidateError, match="pickled"):  # before connecting at all
        pb.sweep(["iris"], cands("wine"), client="tcp://127.0.0.1:1", **FAST)


def test_interrupt_cancels_outstanding_cases_and_keeps_finished(cluster, tmp_path):
    cluster.wait_for_workers(1, timeout=180)
    out = tmp_path / "sweep.json"

    def interrupt_after_first(event: pb.SweepEvent) -> None:
        if event.phase == "done" and not event.candidate:
            _thread.interrupt_main()

    with pytest.raises(SweepInterrupted) as info:
        pb.sweep(
            [*DATASETS, "breast_cancer"],
            candidates,
            client=cluster,
            lock_lease_timeout=LEASE,
            progress=interrupt_after_first,
            output=out,
            **IN_TASK,
        )
    partial = info.value.sweep
    assert len(partial.finished) >= 1 and partial.pending
    assert Sweep.from_json(out).finished == partial.finished


# --------------------------------------------------------------------------- sequential
def test_results_json_round_trip_and_rendering(cluster_sweep, tmp_path):
    sw, _ = cluster_sweep
    path = tmp_path / "sweep.json"
    sw.to_json(path)
    back = Sweep.from_json(path)
    assert back.to_dict() == sw.to_dict()
    assert json.loads(path.read_text())["kind"] == "Sweep"
    assert back.runs["iris"] == sw.runs["iris"]
    frame = sw.to_frame()
    assert list(frame["case"]) == ["iris", "iris", "wine", "wine"]
    assert frame["research_pick"].sum() == 2 and frame["p99_low_s"].notna().all()
    text = str(sw)
    assert "research pick" in text and sw.runs["wine"].worker in text
    assert "<table" in sw._repr_html_() and "| case |" in sw.to_markdown()
    with pytest.raises(SchemaError, match="not a 'Sweep'"):
        Sweep.from_dict({**sw.to_dict(), "kind": "Comparison"})


def test_plot_shows_every_case_and_candidate(cluster_sweep):
    sw, _ = cluster_sweep
    fig = sw.plot()
    lat_ax, score_ax = fig.axes
    assert [t.get_text() for t in lat_ax.get_xticklabels()] == DATASETS
    assert sorted(lat_ax.get_legend_handles_labels()[1]) == ["nb", "p99 budget", "tree"]
    assert len(score_ax.lines) >= 4  # a score per (case, candidate), plus pick marks


def test_summary_counts_picks_and_failures():
    summary = Sweep(
        cases=("a", "b"),
        comparisons={},
        failures={"b": FailedCase("b", "lost", "WorkerLost")},
    ).summary
    assert summary.failed == ("b",) and summary.research_counts == {}


def test_cpu_models_that_differ_are_warned_about(cluster_sweep):
    sw, _ = cluster_sweep
    runs = dict(sw.runs)
    runs["wine"] = CaseRun(**{**sw.runs["wine"].to_dict(), "cpu_model": "Other CPU"})
    mixed = Sweep(**{**sw.__dict__, "runs": runs})
    assert any("different CPU models" in w for w in mixed.warnings)
    assert not any("different CPU models" in w for w in sw.warnings)


def test_output_after_each_case_and_resume_skips_finished(tmp_path):
    out = tmp_path / "sweep.json"
    first = pb.sweep(["iris"], candidates, output=out, **FAST)
    assert Sweep.from_json(out).finished == ["iris"]
    events: list[pb.SweepEvent] = []
    resumed = pb.sweep(DATASETS, candidates, resume=out, output=out, progress=events.append, **FAST)
    assert ("iris", "skipped") in {(e.case, e.phase) for e in events}
    assert not any(e.case == "iris" and e.phase == "started" for e in events)
    assert resumed.comparisons["iris"].to_dict() == first.comparisons["iris"].to_dict()
    assert Sweep.from_json(out).finished == DATASETS
    with pytest.raises(SpecError, match="other settings"):
        pb.sweep(DATASETS, candidates, resume=out, max_time=0.3, batch_sizes=(1,), min_fits=1)


def test_interrupt_of_a_sequential_sweep_keeps_finished_cases(tmp_path):
    out = tmp_path / "sweep.json"

    def interrupt_second(event: pb.SweepEvent) -> None:
        if event.case == "wine" and event.phase == "started":
            raise KeyboardInterrupt

    with pytest.raises(SweepInterrupted) as info:
        pb.sweep(DATASETS, candidates, output=out, progress=interrupt_second, **FAST)
    assert info.value.sweep.finished == ["iris"] and info.value.sweep.pending == ["wine"]
    assert Sweep.from_json(out).finished == ["iris"]
    assert "not run (interrupted)" in str(Sweep.from_json(out))


def test_bad_options_fail_clearly():
    with pytest.raises(SpecError, match="callback"):
        pb.sweep(["iris"], candidates, on_result=print)
    with pytest.raises(SpecError, match="unknown option 'max_tme'"):
        pb.sweep(["iris"], candidates, max_tme=1)
    with pytest.raises(SpecError, match="X_test"):
        pb.sweep(["iris"], candidates, X_test=[[1]])
    with pytest.raises(SpecError, match="local:N"):
        pb.sweep(["iris"], candidates, client="local:zero", **FAST)
    with pytest.raises(pb.CandidateError, match="at least two"):
        pb.sweep(["iris"], {"nb": GaussianNB()}, **FAST)


def test_pb_sweep_stays_the_function_after_importing_the_module_and_takes_own_data():
    import prodbench.sweeps as module
    from prodbench.data import load_dataset

    # The module is sweeps.py, so importing it never hides the function pb.sweep.
    assert module.Sweep is Sweep and pb.sweep is module.sweep
    ds = load_dataset("iris")
    sw = pb.sweep({"mine": (ds.X, ds.y)}, candidates, **FAST)
    assert sw.finished == ["mine"]


# --------------------------------------------------------------------------- command line
TREE = "tree=sklearn.tree:DecisionTreeClassifier(max_depth=3, random_state=0)"
NB = "nb=sklearn.naive_bayes:GaussianNB"
CLI_FAST = ["--max-time", "0.2", "--max-fit-time", "0.01", "--quiet", "--no-isolate"]


def test_cli_sweep_saves_shows_and_exits_by_the_budget(tmp_path, capsys):
    from prodbench.cli import main

    out = tmp_path / "sweep.json"
    argv = ["sweep", NB, TREE, "--data", "iris", "--data", "wine", "--output", str(out)]
    assert main([*argv, "--budget", "p50=10s", *CLI_FAST]) == 0
    table = capsys.readouterr().out
    assert "prodbench sweep: 2 cases (2 finished)" in table and "research pick" in table
    assert Sweep.from_json(out).finished == DATASETS
    assert main(["show", str(out), "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith("case,candidate,status")
    assert main(["show", str(out)]) == 0
    assert "Where cases ran" in capsys.readouterr().out
    # A budget nothing meets: no production pick in a case -> 1.
    assert main(["sweep", NB, TREE, "--data", "iris", "--budget", "p99=1ns", *CLI_FAST]) == 1
    # Resume with the same settings runs nothing new.
    assert main([*argv, "--budget", "p50=10s", "--resume", str(out), *CLI_FAST]) == 0


def test_cli_sweep_exit_3_when_a_candidate_fails_in_a_case(capsys):
    from prodbench.cli import main

    argv = ["sweep", "mnb=sklearn.naive_bayes:MultinomialNB", TREE, "--data", "iris"]
    argv += ["--data", "synthetic:n_samples=200,n_features=5"]  # negative features: MNB fails
    assert main([*argv, *CLI_FAST]) == 3
    assert "FAILED" in capsys.readouterr().out


def test_cli_sweep_bad_input_is_one_line(capsys):
    from prodbench.cli import main

    assert main(["sweep", NB, TREE, "--data", "iris", "--scheduler", "local:x"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("prodbench: error:") and err.count("\n") == 1
    assert main(["sweep", NB, TREE, "--data", "iris", "--data", "iris"]) == 2


@pytest.mark.slow
def test_cli_sweep_on_a_local_cluster_from_python_m(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "sweep.json"
    proc = subprocess.run(
        [sys.executable, "-m", "prodbench", "sweep", NB, TREE, "--data", "iris",
         "--scheduler", "local:1", "--output", str(out), *CLI_FAST],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "share its cores" in proc.stderr
    sw = Sweep.from_json(out)
    assert sw.scheduler == "local:1" and sw.runs["iris"].worker.startswith("tcp://")


@pytest.mark.slow
def test_a_local_cluster_leaves_this_process_threads_as_they_were(monkeypatch):
    # Its nanny sets OMP_NUM_THREADS=1 and friends in the process that starts it
    # (ours) before it spawns a worker: left there, every subprocess started after
    # the sweep (an isolated candidate, a CLI run) would run on one thread.
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    sw = pb.sweep(["iris"], candidates, client="local:1", **FAST)
    assert sw.runs["iris"].worker.startswith("tcp://")
    leaked = [n for n in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
              if n in os.environ]  # fmt: skip
    assert leaked == []


def hanging_candidates(name: str = "") -> dict[str, object]:
    """GaussianNB, and a model whose one-row predict never returns (local: pickled by value)."""
    from sklearn.base import BaseEstimator, ClassifierMixin

    class Hangs(ClassifierMixin, BaseEstimator):
        def fit(self, X, y):
            self.classes_ = np.unique(y)
            return self

        def predict(self, X):
            if len(X) == 1:
                threading.Event().wait(90)  # hung: call_timeout (2 s) must end it first
            return np.full(len(X), self.classes_[0])

    return {"nb": GaussianNB(), "hangs": Hangs()}


def test_call_timeout_holds_in_a_cluster_sweep(cluster):
    # On a Dask worker a case runs in a task thread: no in-process watchdog can end
    # a hung call there. The sweep isolates candidates by default, so the hung one
    # is killed after call_timeout and fails alone; its case and the sweep go on.
    cluster.wait_for_workers(1, timeout=180)
    t0 = time.monotonic()
    sw = pb.sweep(["iris"], hanging_candidates, client=cluster, call_timeout=2.0,
                  lock_lease_timeout=LEASE, **FAST)  # fmt: skip
    assert time.monotonic() - t0 < 120
    cmp = sw.comparisons["iris"]
    assert sw.options["isolate"] is True
    assert "nb" in cmp.results and "hangs" in cmp.failures
    assert "timeout" in cmp.failures["hangs"].message
