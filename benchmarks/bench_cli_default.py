"""How long the default ``python -m prodbench compare`` (no arguments) takes.

Target: under 30 s on a 2-core machine. Prints the wall time, the exit code
and the verdict lines of the run, so the trade-off it shows can be checked.

Run: ``python benchmarks/bench_cli_default.py``; exits 1 when the target is missed.
"""

from __future__ import annotations

import subprocess
import sys
import time

TARGET_S = 30.0


def main() -> int:
    """Run the default comparison once and report its wall time."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "prodbench", "compare", "--quiet"],
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - t0
    print(proc.stdout)
    if proc.stderr:
        print(proc.stderr, file=sys.stderr)
    print(f"default compare: exit code {proc.returncode}, wall time {elapsed:.1f} s")
    ok = elapsed < TARGET_S
    print(f"target < {TARGET_S:.0f} s: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
