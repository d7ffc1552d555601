"""Harness overhead: a no-op model timed by prodbench, by a bare loop, and by pytest-benchmark.

Target (issue 2): prodbench's p50 on the no-op is at most 150 ns above the
bare perf_counter_ns loop's. Methods are run in alternating rounds so that
drift of the machine lands on all of them alike; the median over rounds is
reported.

Run:  python benchmarks/bench_overhead.py [--rounds 5] [--samples 200000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from fakes import NoOpModel

from prodbench.timing import LatencySampler


def bare_loop(call, row, n: int) -> np.ndarray:
    clock = time.perf_counter_ns
    out = []
    for _ in range(n):
        t0 = clock()
        call(row)
        t1 = clock()
        out.append(t1 - t0)
    return np.asarray(out)


def timer_floor(n: int) -> np.ndarray:
    clock = time.perf_counter_ns
    out = []
    for _ in range(n):
        t0 = clock()
        t1 = clock()
        out.append(t1 - t0)
    return np.asarray(out)


def prodbench_loop(call, rows, n: int) -> np.ndarray:
    sampler = LatencySampler(call, rows, max_time=60.0, precision=1e-12, max_samples=n)
    return sampler.run().samples_ns


PYTEST_BENCH = textwrap.dedent(
    """
    import numpy as np
    out = np.zeros(1)
    row = np.zeros((1, 20))
    def predict(X):
        return out
    def test_noop(benchmark):
        benchmark.pedantic(predict, args=(row,), iterations=1, rounds={rounds}, warmup_rounds=100)
    """
)


def pytest_benchmark_median(n: int) -> float:
    """Median (p50) of pytest-benchmark's pedantic(iterations=1), in ns."""
    with tempfile.TemporaryDirectory() as tmp:
        test = Path(tmp) / "test_noop.py"
        test.write_text(PYTEST_BENCH.format(rounds=n))
        out = Path(tmp) / "bench.json"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                f"--benchmark-json={out}",
                "--benchmark-timer=time.perf_counter",
                str(test),
            ],
            check=True,
            capture_output=True,
            cwd=tmp,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
        stats = json.loads(out.read_text())["benchmarks"][0]["stats"]
        return stats["median"] * 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--samples", type=int, default=200_000)
    args = parser.parse_args()
    model = NoOpModel()
    rows = [np.zeros((1, 20)) for _ in range(1000)]
    results: dict[str, list[float]] = {"timer floor": [], "bare loop": [], "prodbench": []}
    for _ in range(args.rounds):
        results["timer floor"].append(float(np.median(timer_floor(args.samples))))
        results["bare loop"].append(
            float(np.median(bare_loop(model.predict, rows[0], args.samples)))
        )
        results["prodbench"].append(
            float(np.median(prodbench_loop(model.predict, rows, args.samples)))
        )
    pb_bench = [pytest_benchmark_median(min(args.samples, 100_000)) for _ in range(args.rounds)]
    results["pytest-benchmark pedantic(iterations=1)"] = pb_bench

    print(f"no-op predict, p50 per call, median of {args.rounds} alternating rounds")
    print(f"({args.samples:,} samples per round; pytest-benchmark {min(args.samples, 100_000):,})")
    for name, values in results.items():
        spread = f"(rounds: {', '.join(f'{v:.0f}' for v in values)})"
        print(f"  {name:42s} {statistics.median(values):7.0f} ns  {spread}")
    overhead = statistics.median(results["prodbench"]) - statistics.median(results["bare loop"])
    verdict = "OK" if overhead <= 150 else "ABOVE TARGET"
    print(f"prodbench p50 - bare loop p50 = {overhead:+.0f} ns (target <= 150 ns): {verdict}")


if __name__ == "__main__":
    main()
