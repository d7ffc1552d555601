"""What the pytest plugin costs a session that does not use it (target: at most 50 ms).

Runs a plain one-test session (``def test_plain(): assert True``) in a
subprocess, alternately with the plugin (loaded by its ``pytest11`` entry
point) and with ``-p no:prodbench``, and prints the median wall time of
each and their difference. Runs alternate so machine noise hits both alike.
The session also reports which heavy modules (numpy, pandas, scipy,
scikit-learn) were imported by the end of the test.

Run from the worktree root: ``PYTHONPATH=$PWD/src python benchmarks/bench_plugin.py``
(``--runs N``, default 15); exits 1 when the difference is over the target.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 0.050
HEAVY = ("numpy", "pandas", "scipy", "sklearn")

TEST_FILE = f"""
import sys

def test_plain():
    heavy = [m for m in {HEAVY!r} if m in sys.modules]
    print("HEAVY=" + (",".join(heavy) or "none"))
"""


def _session(workdir: Path, *extra: str) -> tuple[float, str]:
    """Wall seconds of one session and the heavy modules its test saw."""
    argv = [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", *extra]
    t0 = time.perf_counter()
    run = subprocess.run(
        [*argv, "test_plain.py"], cwd=workdir, capture_output=True, text=True, check=True
    )
    elapsed = time.perf_counter() - t0
    heavy = next(
        (line.split("=", 1)[1] for line in run.stdout.splitlines() if line.startswith("HEAVY=")),
        "?",
    )
    return elapsed, heavy


def main(argv: list[str] | None = None) -> int:
    """Measure both medians and print them; return 1 when the plugin costs over 50 ms."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (workdir / "test_plain.py").write_text(TEST_FILE)
        # The plugin must really be active in the "with" runs: its option is accepted.
        with_args = ("--latency-max-time=1",)
        without_args = ("-p", "no:prodbench")
        _session(workdir, *with_args)  # warm the file cache for both
        _session(workdir, *without_args)
        on: list[float] = []
        off: list[float] = []
        heavy_on = heavy_off = ""
        for _ in range(args.runs):
            t, heavy_on = _session(workdir, *with_args)
            on.append(t)
            t, heavy_off = _session(workdir, *without_args)
            off.append(t)
    m_on, m_off = statistics.median(on), statistics.median(off)
    cost = m_on - m_off
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} logical cores, {args.runs} runs each")
    print(f"plain session, plugin loaded:    median {m_on * 1e3:7.1f} ms (heavy: {heavy_on})")
    print(f"plain session, -p no:prodbench:  median {m_off * 1e3:7.1f} ms (heavy: {heavy_off})")
    print(f"the plugin's cost:               {cost * 1e3:+7.1f} ms")
    ok = cost <= TARGET_S and heavy_on == "none"
    print(f"target at most {TARGET_S * 1e3:.0f} ms and nothing heavy: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
