"""What the pytest plugin costs a session that does not use it (target: at most 50 ms).

Runs a plain one-test session (``def test_plain(): assert True``) in a
subprocess, alternately with the plugin (loaded by its ``pytest11`` entry
point) and with ``-p no:prodbench``, and prints the median wall time of
each and their difference, in wall time and in CPU time (user + system of
the session's process: far less sensitive to a loaded machine than wall
time, which a shared 2-core box can stretch tenfold). Runs alternate so
machine noise hits both alike.
The session also reports which heavy modules (numpy, pandas, scipy,
scikit-learn) were imported by the end of the test.

Run from the worktree root: ``PYTHONPATH=$PWD/src python benchmarks/bench_plugin.py``
(``--runs N``, default 15); exits 1 when the difference is over the target.
"""

from __future__ import annotations

import argparse
import os
import resource
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


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _session(workdir: Path, *extra: str) -> tuple[float, float, str]:
    """Wall and CPU seconds of one session, and the heavy modules its test saw."""
    argv = [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", *extra]
    c0, t0 = _cpu(), time.perf_counter()
    run = subprocess.run(
        [*argv, "test_plain.py"], cwd=workdir, capture_output=True, text=True, check=True
    )
    elapsed, cpu = time.perf_counter() - t0, _cpu() - c0
    heavy = next(
        (line.split("=", 1)[1] for line in run.stdout.splitlines() if line.startswith("HEAVY=")),
        "?",
    )
    return elapsed, cpu, heavy


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
        cpu_on: list[float] = []
        cpu_off: list[float] = []
        heavy_on = heavy_off = ""
        for _ in range(args.runs):
            t, c, heavy_on = _session(workdir, *with_args)
            on.append(t)
            cpu_on.append(c)
            t, c, heavy_off = _session(workdir, *without_args)
            off.append(t)
            cpu_off.append(c)
    m_on, m_off = statistics.median(on), statistics.median(off)
    c_on, c_off = statistics.median(cpu_on), statistics.median(cpu_off)
    cost = m_on - m_off
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} logical cores, load {load:.1f}, "
        f"{args.runs} runs each"
    )
    print(f"plain session, plugin loaded:    wall {m_on * 1e3:7.1f} ms  cpu {c_on * 1e3:7.1f} ms")
    print(f"plain session, -p no:prodbench:  wall {m_off * 1e3:7.1f} ms  cpu {c_off * 1e3:7.1f} ms")
    print(
        f"the plugin's cost:               wall {cost * 1e3:+7.1f} ms  "
        f"cpu {(c_on - c_off) * 1e3:+7.1f} ms"
    )
    print(f"heavy modules seen by the test: with the plugin {heavy_on}, without {heavy_off}")
    ok = cost <= TARGET_S and heavy_on == "none"  # the target is wall time
    print(f"target at most {TARGET_S * 1e3:.0f} ms and nothing heavy: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
