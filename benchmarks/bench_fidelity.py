"""Fidelity: p50/p99 error on busy-wait fakes with known latency distributions.

Target (issue 2): error of p50 and p99 at most 2%. Two references are
reported for each fake:

- the nominal distribution (what the fake is asked to spin for), and
- a bare ``perf_counter_ns`` loop timing the same fake, run alternately with
  prodbench in the same process.

The first includes what the machine adds to every wall-clock measurement
(preemption by the hypervisor or other processes lands on about 1% of calls
on a shared VM, which moves the p99 of a *constant* distribution); the second
isolates what prodbench's harness adds.

Run:  python benchmarks/bench_fidelity.py [--max-time 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from fakes import BusyModel, bimodal, constant, uniform, uniform_quantile

from prodbench.results import LatencyResult
from prodbench.timing import LatencySampler

US = 1000
CASES = {
    "constant 200 us": (constant(200 * US), 200.0, 200.0),
    "uniform 100-300 us": (
        uniform(100 * US, 300 * US),
        uniform_quantile(100, 300, 50),
        uniform_quantile(100, 300, 99),
    ),
    "97% 200 us + 3% 1 ms": (bimodal(200 * US, 1000 * US, 0.03), 200.0, 1000.0),
}


def bare(call, rows, seconds: float) -> np.ndarray:
    clock = time.perf_counter_ns
    out: list[int] = []
    end = clock() + int(seconds * 1e9)
    i = 0
    while clock() < end:
        row = rows[i % len(rows)]
        i += 1
        t0 = clock()
        call(row)
        t1 = clock()
        out.append(t1 - t0)
    return np.asarray(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-time", type=float, default=5.0)
    args = parser.parse_args()
    rows = [np.zeros((1, 5)) for _ in range(100)]
    print(
        f"{'distribution':22s} {'n':>7s} {'p50 us':>8s} {'vs true':>8s} {'vs bare':>8s}"
        f" {'p99 us':>8s} {'vs true':>8s} {'vs bare':>8s}  p99 95% CI (us)"
    )
    worst_true = worst_bare = 0.0
    for name, (draw, p50_true, p99_true) in CASES.items():
        model = BusyModel(draw).fit(None, np.array([0, 1]))
        samples, reference = [], []
        for _ in range(2):  # alternate prodbench and the bare loop
            raw = LatencySampler(
                model.predict, rows, max_time=args.max_time / 2, precision=1e-9
            ).run()
            samples.append(raw.samples_ns)
            reference.append(bare(model.predict, rows, args.max_time / 2))
        lat = LatencyResult(samples_ns=np.concatenate(samples))
        ref = LatencyResult(samples_ns=np.concatenate(reference))
        p50, p99 = lat.p50 * 1e6, lat.p99 * 1e6
        t50, t99 = (p50 / p50_true - 1) * 100, (p99 / p99_true - 1) * 100
        b50, b99 = (lat.p50 / ref.p50 - 1) * 100, (lat.p99 / ref.p99 - 1) * 100
        worst_true = max(worst_true, abs(t50), abs(t99))
        worst_bare = max(worst_bare, abs(b50), abs(b99))
        low, high = (v * 1e6 for v in lat.interval(99))
        print(
            f"{name:22s} {lat.n:7,d} {p50:8.1f} {t50:+7.2f}% {b50:+7.2f}%"
            f" {p99:8.1f} {t99:+7.2f}% {b99:+7.2f}%  {low:.1f}-{high:.1f}"
            f"  (bare loop p99 {ref.p99 * 1e6:.1f})"
        )
    print(f"worst error vs nominal truth: {worst_true:.2f}%  (target <= 2%)")
    print(f"worst error vs bare loop:     {worst_bare:.2f}%  (harness only)")


if __name__ == "__main__":
    main()
