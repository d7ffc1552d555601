"""Intervals and budget decisions when calls are not independent (issue 19), by fake clock.

The real :class:`prodbench.timing.LatencySampler` and the real
``check_latency_budget`` run against a fake model on a fake clock: each call
advances the clock by a latency drawn from a scenario, so warm-up, blocks,
the minimum sampling time, the dependence tests and the sequential rule all
run as in a live check, and the figures do not depend on the machine.

Scenarios (log-latency with a marginal standard deviation of 0.3, median
2 ms): independent calls; AR(1) log-latency with phi 0.5 and 0.9; 20-call
bursts 3x slower (one every 400 calls on average); a slow start (3x for the
first 0.225 s, the 0.2 s after the old 25 ms warm-up); a fast first 2 s
(0.7x); phases (the speed moves: 1x or 1.6x for an exponential 0.5 s on
average, the way a shared runner's neighbours come and go). "Truth" is the
model's steady-state percentile.

Prints, for each scenario: the coverage of the nominal 95% interval of p50
and p99 from a 5 s run (``LatencyResult.interval``), and the budget check's
PASS rate at 1.1x the p99 limit (false PASS) and FAIL rate at 0.9x (false
FAIL), ``max_time`` 10 s. Goals: coverage >= 90%, both errors <= 10%, the
independent case within 5%. Runs "before" (the code at ``--before``, by
default the main checkout's ``src``) and "after" (this checkout's ``src``),
each in its own process.

Run: ``python benchmarks/bench_dependence.py [--reps 60]`` (about 2 minutes on a quiet
2-core machine; the figures in the docs are from ``--reps 100``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

SIGMA = 0.3
MEDIAN_S = 0.002
Z99 = 2.3263478740408408
HERE = Path(__file__).resolve().parent.parent


class FakeClock:
    """Nanoseconds that pass only when a fake call (or a clock read) spends them."""

    def __init__(self) -> None:
        self.t = 0

    def __call__(self) -> int:
        self.t += 1_000  # a clock read and the loop around it: 1 us
        return self.t


class Scenario:
    """A model whose calls advance the fake clock by the scenario's latencies."""

    def __init__(self, kind: str, clock: FakeClock, seed: int, scale: float = 1.0) -> None:
        self.kind, self.clock, self.scale = kind, clock, scale
        self.rng = np.random.default_rng(seed)
        self.normals = self.rng.normal(size=1 << 16)
        self.i = 0
        self.z = self.rng.normal()
        self.burst = 0
        self.phase_end = 0.0
        self.phase = 1.0
        self.start: int | None = None
        self.out = np.zeros(1)

    def fit(self, X: object, y: object) -> Scenario:
        return self

    def predict(self, X: object) -> np.ndarray:
        e = self.normals[self.i & 0xFFFF]
        self.i += 1
        if self.start is None:
            self.start = self.clock.t
        since = (self.clock.t - self.start) / 1e9
        factor = 1.0
        if self.kind.startswith("AR"):
            phi = float(self.kind.split()[-1])
            self.z = phi * self.z + np.sqrt(1 - phi * phi) * e
            z = self.z
        else:
            z = e
        if self.kind == "bursts":
            if self.burst == 0 and self.rng.random() < 1 / 400:
                self.burst = 20
            if self.burst:
                self.burst -= 1
                factor = 3.0
        elif self.kind == "slow start" and since < 0.225:
            factor = 3.0
        elif self.kind == "fast first 2 s" and since < 2.0:
            factor = 0.7
        elif self.kind == "phases":
            if since >= self.phase_end:
                self.phase = 1.6 if self.rng.random() < 0.5 else 1.0
                self.phase_end = since + self.rng.exponential(0.5)
            factor = self.phase
        self.clock.t += int(self.scale * MEDIAN_S * 1e9 * factor * np.exp(SIGMA * z))
        return self.out


SCENARIOS = ("independent", "AR(1) phi 0.5", "AR(1) phi 0.9", "bursts", "slow start",
             "fast first 2 s", "phases")  # fmt: skip


def steady_percentile(kind: str, q: float) -> float:
    """The model's steady-state percentile in seconds (bursts: from a long simulated run)."""
    if kind not in ("bursts", "phases"):
        from scipy.stats import norm

        return MEDIAN_S * float(np.exp(SIGMA * norm.ppf(q / 100)))
    clock = FakeClock()
    model = Scenario(kind, clock, seed=12345)
    x = np.empty(400_000 if kind == "bursts" else 2_000_000)
    for k in range(x.size):
        t0 = clock.t
        model.predict(None)
        x[k] = clock.t - t0
    return float(np.percentile(x, q)) / 1e9


def run(label: str, reps: int) -> None:
    """Print coverage and error rates with the prodbench importable in this process."""
    import prodbench.timing as timing
    from prodbench.results import LatencyResult
    from prodbench.testing import check_latency_budget

    started = time.time()
    X = np.zeros((8, 2))
    print(f"[{label}] {reps} replicates each; prodbench from {Path(timing.__file__).parent}")
    for kind in SCENARIOS:
        truth = {q: steady_percentile(kind, q) for q in (50.0, 99.0)}
        covered = {50.0: 0, 99.0: 0}
        n_total = 0
        for r in range(reps):
            clock = FakeClock()
            timing._clock = clock
            sampler = timing.LatencySampler(
                Scenario(kind, clock, seed=r).predict, list(X[:, None, :]), max_time=5.0,
                precision=1e-9, threads=None,
            )  # fmt: skip
            latency = LatencyResult.from_raw(sampler.run())
            n_total += latency.n
            for q in covered:
                low, high = latency.interval(q)
                covered[q] += low <= truth[q] <= high
        rates = {}
        for ratio, bad in ((1.1, "pass"), (0.9, "fail")):
            limit = truth[99.0] / ratio
            count = 0
            for r in range(reps):
                clock = FakeClock()
                timing._clock = clock
                model = Scenario(kind, clock, seed=10_000 + r)
                check = check_latency_budget(
                    model, X, p99=f"{limit * 1e6:.3f}us", max_time=10.0, threads=None
                )
                count += check.outcome == bad
            rates[bad] = count / reps
        print(
            f"  {kind:<15} coverage p50 {covered[50.0] / reps:.3f} p99 {covered[99.0] / reps:.3f}"
            f" (n~{n_total // reps:,})  false PASS at 1.1x {rates['pass']:.3f}  "
            f"false FAIL at 0.9x {rates['fail']:.3f}",
            flush=True,
        )
    timing._clock = time.perf_counter_ns
    print(f"[{label}] {time.time() - started:.0f} s")


def _default_before() -> str:
    try:
        common = subprocess.run(
            ["git", "-C", str(HERE), "rev-parse", "--path-format=absolute", "--git-common-dir"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return ""
    return str(Path(common).parent / "src")


def main() -> None:
    """Run the before and after figures, each in a process importing its own prodbench."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=60)
    parser.add_argument("--before", default=_default_before(), help="src directory of 'before'")
    parser.add_argument("--only", choices=("before", "after"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.only:
        run(args.only, args.reps)
        return
    for label, src in (("before", args.before), ("after", str(HERE / "src"))):
        if not src or not Path(src, "prodbench").is_dir():
            print(f"[{label}] skipped: no prodbench under {src!r}")
            continue
        env = {**os.environ, "PYTHONPATH": src}
        cmd = [sys.executable, __file__, "--only", label, "--reps", str(args.reps)]
        subprocess.run(cmd, env=env, check=True)


if __name__ == "__main__":
    main()
