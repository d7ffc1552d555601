"""What isolation (``isolate=True``, the command line's default) costs.

Prints, for a no-op model and for a scikit-learn pipeline on digits:

* the worker's start-up (``Worker.startup_s``: a fresh interpreter) and the
  time until the candidate has arrived in it (unpickling imports what the
  model needs, scikit-learn included);
* the wall time of ``measure`` in-process and isolated, with the same options;
* the per-call figure: p50 of one-row calls in-process and isolated. Timing
  happens inside the worker, so these should agree within the machine's noise
  (the per-block pipe round trip is outside every timed window).

Run: ``python benchmarks/bench_isolation.py [--max-time 1]``. Say whether the
machine was shared when quoting the figures.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from fakes import BusyModel, constant

import prodbench as pb
from prodbench.worker import Worker


def main() -> int:
    """Measure isolation's start-up and per-call cost once, and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-time", type=float, default=1.0)
    args = parser.parse_args()

    starts = []
    for _ in range(3):
        with Worker() as w:
            starts.append(w.startup_s)
    print(f"bare worker start-up: {min(starts) * 1e3:.0f} ms (best of 3)")

    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = load_digits(return_X_y=True)
    models = {
        "no-op": lambda: BusyModel(constant(0)),
        "logreg": lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
    }
    for name, make in models.items():
        row = {}
        for isolate in (False, True):
            t0 = time.perf_counter()
            result = pb.measure(
                make(), X, y, max_time=args.max_time, min_fits=1, isolate=isolate, progress=False
            )
            wall = time.perf_counter() - t0
            row[isolate] = (wall, result)
        (w_in, r_in), (w_iso, r_iso) = row[False], row[True]
        startup = r_iso.options.get("worker_startup_s", float("nan"))
        print(
            f"{name}: wall in-process {w_in:.2f} s, isolated {w_iso:.2f} s "
            f"(+{w_iso - w_in:.2f} s; worker start-up {startup:.2f} s); "
            f"p50 in-process {r_in.latency.p50 * 1e6:.2f} us (n={r_in.latency.n:,}), "
            f"isolated {r_iso.latency.p50 * 1e6:.2f} us (n={r_iso.latency.n:,})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
