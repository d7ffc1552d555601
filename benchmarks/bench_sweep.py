"""A sweep of 3 bundled datasets x 2 candidates, sequential and on a LocalCluster.

Issue 14's figures: the wall time of each run, the scheduling overhead per
case on the cluster (from submission here to the case starting on its
worker; and the wait for the host lock after that), and the score columns,
which must be identical between the two runs (same seeds, same splits).

The cluster is ``LocalCluster(n_workers=2, threads_per_worker=1)``: both
workers are on this host, so under the default host lock its cases run one
after another, and the cluster run cannot be faster than the sequential one;
it measures what the cluster path costs. The cluster's start-up is timed on
its own.

Run: ``python benchmarks/bench_sweep.py [max_time]`` (default 1 s per
candidate); exits 1 when the scores differ. Say whether the machine was
shared when quoting it.
"""

from __future__ import annotations

import sys
import time
import warnings


def candidates(dataset: str) -> dict[str, object]:
    """A lone model and a small forest, fresh for every case."""
    from sklearn.ensemble import RandomForestClassifier

    from prodbench.models import make_preset

    return {
        "logreg": make_preset("logreg"),
        "forest": RandomForestClassifier(n_estimators=50, random_state=0),
    }


def main(argv: list[str] | None = None) -> int:
    """Run both sweeps once and print the figures."""
    import distributed
    import pandas as pd

    import prodbench as pb

    args = sys.argv[1:] if argv is None else argv
    max_time = float(args[0]) if args else 1.0
    datasets = ["iris", "wine", "breast_cancer"]
    # isolate=True in both runs: the cluster's default (and the command line's),
    # so that the two differ only in where the cases run.
    options = {"budget": "p99=5ms", "max_time": max_time, "max_fit_time": 2.0, "isolate": True}

    t0 = time.perf_counter()
    seq = pb.sweep(datasets, candidates, **options)
    seq_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = distributed.Client(cluster)
    client.wait_for_workers(2)
    startup_s = time.perf_counter() - t0
    # Import prodbench and scikit-learn on the workers first, so that the
    # per-case figures below are scheduling, not a cold interpreter's imports.
    t0 = time.perf_counter()
    client.run(lambda: __import__("importlib").import_module("prodbench.pipeline") and None)
    warmup_s = time.perf_counter() - t0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            dask_sw = pb.sweep(datasets, candidates, client=client, **options)
            dask_s = time.perf_counter() - t0
    finally:
        client.close()
        cluster.close()

    print(f"sweep of {len(datasets)} datasets x 2 candidates, max_time {max_time:g} s")
    print(f"  sequential:               {seq_s:6.1f} s wall")
    print(
        f"  LocalCluster(2 x 1 thr):  {dask_s:6.1f} s wall (+ {startup_s:.1f} s cluster start, "
        f"{warmup_s:.1f} s worker imports)"
    )
    runs = [dask_sw.runs[c] for c in datasets]
    # A case submitted while both workers were busy queues until one is free:
    # its submit -> start includes that wait. The first case on each worker
    # waits for nothing but the scheduler and the task's transfer.
    first_on_worker = {}
    for case, run in sorted(zip(datasets, runs, strict=True), key=lambda cr: cr[1].started_at):
        first_on_worker.setdefault(run.worker, case)
    unqueued = [dask_sw.runs[c].scheduling_delay for c in first_on_worker.values()]
    print(
        "  scheduling overhead (submit -> start on worker), first case on each worker: "
        + ", ".join(f"{d * 1e3:.0f} ms" for d in unqueued)
    )
    print("  per case: submit -> start (incl. queueing) | start -> measuring | host-lock wait")
    for case, run in zip(datasets, runs, strict=True):
        print(
            f"    {case:14s} {run.scheduling_delay:6.2f} s | {run.setup_time:5.2f} s | "
            f"{run.lock_wait:5.2f} s   on {run.where}, attempts {run.attempts}, "
            f"threads {run.thread_env}"
        )
    cols = ["case", "candidate", "score"]
    a, b = seq.to_frame()[cols], dask_sw.to_frame()[cols]
    same = a.equals(b)
    print(f"  score columns identical: {same}")
    if not same:
        print(pd.concat({"sequential": a, "cluster": b}, axis=1).to_string())
    print("\n" + str(dask_sw))
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
