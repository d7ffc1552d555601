"""The real load test (issue 20): harness floor, load test vs simulation, interval coverage.

Prints:

1. the harness floor (a no-op model) p50/p99 at 1,000 QPS, after (this tree:
   the schedule in shared memory, workers pull requests) and before (the
   per-request pipe dispatcher of ``--before-src``, default /work/main/src,
   run in a subprocess); goal after: p99 < 30 us;
2. the load test against the simulation (``prodbench.serving.simulate``) of
   the same run's service times, at utilisation 0.5 of a busy-wait fake with
   service Uniform(0.8, 1.2) ms, with 1 and 2 workers: p50 and p99 of both
   and the p99 difference (goal: within 5% on a quiet machine, 10% with
   another process busy);
3. the coverage of the nominal 95% p99 interval (``prodbench.correlated``)
   on M/M/1 queues at rho 0.5 and 0.8, 20,000 requests each (goal 90-99%),
   with its mean relative width and how often it says "too few requests".

The machine is shared: the load average is printed with the figures.

Run:  python benchmarks/bench_loadtest.py [--duration 10] [--replicates 300] [--skip-before]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from fakes import BusyModel, uniform

import prodbench as pb
from prodbench import correlated, serving

FLOOR_SNIPPET = """
import json, sys, numpy as np, prodbench as pb
from prodbench import serving
lt = pb.load_test(serving._NoOpModel(), np.zeros((50, 3)), qps=1000, duration={d}, floor=False)
s = lt.latency.samples_ns
print(json.dumps([float(np.percentile(s, 50)), float(np.percentile(s, 99)), int(s.size)]))
"""


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def floor(duration: float, before_src: str | None) -> None:
    print(f"1. harness floor: a no-op model at 1,000 QPS for {duration:g} s, 1 worker")
    lt = pb.load_test(serving._NoOpModel(), np.zeros((50, 3)), qps=1000, duration=duration,
                      floor=False)  # fmt: skip
    s = lt.latency.samples_ns
    p50, p99 = np.percentile(s, 50) / 1e3, np.percentile(s, 99) / 1e3
    print(f"   after  p50 {p50:7.1f} us  p99 {p99:7.1f} us  ({s.size:,} requests; load {load()})")
    if before_src:
        env = {**os.environ, "PYTHONPATH": before_src}
        out = subprocess.run(
            [sys.executable, "-c", FLOOR_SNIPPET.format(d=duration)],
            env=env, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        if out.returncode != 0:
            print(f"   before: failed ({out.stderr.strip().splitlines()[-1:]})")
        else:
            p50, p99, n = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"   before p50 {p50 / 1e3:7.1f} us  p99 {p99 / 1e3:7.1f} us  ({n:,} requests; "
                  f"{before_src}; load {load()})")  # fmt: skip


def versus_simulation(duration: float, rho: float) -> None:
    print(f"2. load test vs simulation of its own service times, rho {rho:g}, {duration:g} s each")
    for workers in (1, 2):
        model = BusyModel(uniform(800_000, 1_200_000)).fit(None, np.array([0, 1]))
        qps = rho * workers / 1e-3
        lt = pb.load_test(model, np.zeros((50, 3)), qps=qps, duration=duration, workers=workers,
                          floor=False)  # fmt: skip
        service = np.asarray(lt.service_ns) / 1e9
        sim = serving.simulate(service, qps, workers, 200_000, random_state=1)
        real99, sim99 = lt.latency.p99, float(np.percentile(sim, 99))
        print(f"   {workers} worker(s) at {qps:g} QPS: load test p50 {lt.latency.p50 * 1e3:.3f} ms "
              f"p99 {real99 * 1e3:.3f} ms; simulated p50 {np.percentile(sim, 50) * 1e3:.3f} ms "
              f"p99 {sim99 * 1e3:.3f} ms; p99 difference {100 * (real99 / sim99 - 1):+.1f}% "
              f"(service p50 {np.median(service) * 1e3:.3f} ms, "
              f"mean {service.mean() * 1e3:.3f} ms, {lt.requests:,} requests, "
              f"kept up {lt.kept_up}; load {load()})")  # fmt: skip


def _mm1(rho: float, n: int, rng: np.random.Generator, warm: int = 2000) -> np.ndarray:
    arrivals = np.cumsum(rng.exponential(1.0 / rho, n + warm))
    work = np.cumsum(rng.exponential(1.0, n + warm))
    departures = work + np.maximum.accumulate(arrivals - np.concatenate([[0.0], work[:-1]]))
    return (departures - arrivals)[warm:]


def coverage(replicates: int) -> None:
    if replicates < 1:
        return
    print(f"3. nominal 95% p99 interval on M/M/1, 20,000 requests, {replicates} replicates")
    for rho in (0.5, 0.8):
        truth = math.log(100.0) / (1.0 - rho)
        rng = np.random.default_rng(99)
        hits = none = 0
        widths = []
        began = time.perf_counter()
        for _ in range(replicates):
            info = correlated.interval(_mm1(rho, 20_000, rng), 99)
            if not info.ok:
                none += 1
                continue
            hits += info.low <= truth <= info.high
            widths.append((info.high - info.low) / truth)
        took = (time.perf_counter() - began) / replicates
        done = replicates - none
        print(f"   rho {rho}: coverage {hits / max(done, 1):.1%} of {done} intervals, "
              f"'too few requests' {none}, mean width {np.mean(widths):.1%} of the p99, "
              f"{took * 1e3:.0f} ms per interval and simulation")  # fmt: skip


def batched_versus_simulation(duration: float) -> None:
    """A batched load test against the batching simulation of the same service law."""
    from fakes import BatchBusyModel

    a_ns, c_ns, qps = 500_000, 100_000, 2000.0
    print(f"4. batched load test (--max-batch 8 --max-wait 2ms) vs the batching simulation, "
          f"service {a_ns / 1e3:g} us + {c_ns / 1e3:g} us x rows, {qps:g} QPS, "
          f"{duration:g} s")  # fmt: skip
    model = BatchBusyModel(a_ns, c_ns)
    lt = pb.load_test(model, np.zeros((50, 3)), qps=qps, duration=duration, max_batch=8,
                      max_wait="2ms", floor=False)  # fmt: skip
    law = {b: [(a_ns + c_ns * b) / 1e9] for b in range(2, 9)}
    sim = serving.simulate([(a_ns + c_ns) / 1e9], qps, 1, 200_000, random_state=1, max_batch=8,
                           max_wait=0.002, batch_service=law)  # fmt: skip
    real99, sim99 = lt.latency.p99, float(np.percentile(sim, 99))
    sizes = np.asarray(lt.batch_sizes) if lt.batch_sizes is not None else np.array([1])
    print(f"   load test p50 {lt.latency.p50 * 1e3:.3f} ms p99 {real99 * 1e3:.3f} ms; simulated "
          f"p50 {np.percentile(sim, 50) * 1e3:.3f} ms p99 {sim99 * 1e3:.3f} ms; p99 difference "
          f"{100 * (real99 / sim99 - 1):+.1f}% (mean batch {sizes.mean():.2f}, kept up "
          f"{lt.kept_up}; load {load()})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--replicates", type=int, default=300)
    parser.add_argument("--rho", type=float, default=0.5, help="utilisation of part 2")
    parser.add_argument("--before-src", default="/work/main/src")
    parser.add_argument("--skip-before", action="store_true")
    parser.add_argument("--skip-load", action="store_true", help="only the coverage part")
    args = parser.parse_args()
    print(f"load average at start: {load()} on {os.cpu_count()} logical cores")
    if not args.skip_load:
        floor(args.duration, None if args.skip_before else args.before_src)
        versus_simulation(args.duration, args.rho)
        batched_versus_simulation(args.duration)
    coverage(args.replicates)


if __name__ == "__main__":
    main()
