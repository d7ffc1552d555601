"""How fast ``python -m prodbench --help`` answers (target: under 0.5 s).

Prints the median wall time of 10 subprocess runs of ``python -m prodbench
--help``, and of ``python -c pass`` for reference (the interpreter's own
start-up, which no change to prodbench can remove).

Run: ``python benchmarks/bench_cli_help.py``; exits 1 when the target is missed.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

RUNS = 10
TARGET_S = 0.5


def median_time(argv: list[str], runs: int = RUNS) -> float:
    """Median wall time in seconds of ``runs`` subprocess runs of ``argv``."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> int:
    """Measure and print both medians; return 1 when ``--help`` misses the target."""
    base = median_time([sys.executable, "-c", "pass"])
    help_s = median_time([sys.executable, "-m", "prodbench", "--help"])
    heavy = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, prodbench.cli; "
            "print(sorted({'sklearn', 'pandas', 'numpy', 'scipy'} & set(sys.modules)))",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    print(f"python -c pass:              median {base * 1e3:7.1f} ms over {RUNS} runs")
    print(f"python -m prodbench --help:  median {help_s * 1e3:7.1f} ms over {RUNS} runs")
    print(f"prodbench's own share:       {max(help_s - base, 0.0) * 1e3:7.1f} ms")
    print(f"heavy modules imported by prodbench.cli: {heavy}")
    ok = help_s < TARGET_S
    print(f"target < {TARGET_S * 1e3:.0f} ms: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
