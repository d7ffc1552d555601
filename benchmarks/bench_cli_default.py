"""How long the default ``python -m prodbench compare`` (no arguments) takes, and its p99 n's.

Targets (issue 11): at most 30 s on a quiet 2-core machine (goal 20 s), and
every reported p99 with n >= 662 samples (not under-sampled). Prints the wall
time, the exit code, each candidate's p99 with its sample count and stop
reason, and the verdict lines of the run, so the trade-off it shows can be
checked.

Run: ``python benchmarks/bench_cli_default.py [extra compare options]``; exits 1
when a target is missed. Say whether the machine was shared when quoting it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

TARGET_S = 30.0
GOAL_S = 20.0
REQUIRED_P99 = 662


def main(argv: list[str] | None = None) -> int:
    """Run the default comparison once and report its wall time and p99 sample counts."""
    extra = sys.argv[1:] if argv is None else argv
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "default.json")
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "prodbench", "compare", "--quiet", "--output", out, *extra],
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - t0
        saved = {}
        if os.path.exists(out):
            with open(out, encoding="utf-8") as f:
                saved = json.load(f)
    print(proc.stdout)
    if proc.stderr:
        print(proc.stderr, file=sys.stderr)
    print(f"default compare: exit code {proc.returncode}, wall time {elapsed:.1f} s")
    ok_n = True
    for name, result in saved.get("results", {}).items():
        samples = sorted(result["latency"]["samples_ns"])
        n = len(samples)
        p99 = samples[min(n - 1, int(0.99 * n))] / 1e6 if n else float("nan")
        reason = result["latency"].get("stop_reason", "?")
        spent = result["latency"].get("elapsed_s", float("nan"))
        flag = "ok" if n >= REQUIRED_P99 else "UNDER-SAMPLED"
        ok_n = ok_n and n >= REQUIRED_P99
        print(
            f"  {name}: p99 ~{p99:.2f} ms, n={n} ({flag}, needs {REQUIRED_P99}), "
            f"stopped on {reason} after {spent:.1f} s of sampling"
        )
    if not saved.get("results"):
        ok_n = False
        print("  no results saved")
    ok_time = elapsed <= TARGET_S
    print(
        f"target <= {TARGET_S:.0f} s: {'met' if ok_time else 'MISSED'}; "
        f"goal {GOAL_S:.0f} s: {'met' if elapsed <= GOAL_S else 'missed'}; "
        f"every p99 n >= {REQUIRED_P99}: {'met' if ok_n else 'MISSED'}"
    )
    return 0 if ok_time and ok_n else 1


if __name__ == "__main__":
    raise SystemExit(main())
