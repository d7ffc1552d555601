"""The calibration workload: diff's false-trip rates under machine noise, and its overhead.

Prints how often ``diff --fail-on p99=+10%`` trips, with and without
``--normalize``, when the new run's machine is slower or faster by a factor
drawn with log-sd 0.05 (ordinary between shared CI runners): at a true +10%
change (the threshold: a trip there is a false alarm at the gate's level) and
at no change, and how often it catches a true +30%. The simulation draws
latencies and calibration calls from known distributions, the machine factor
multiplying every duration of the new run as a uniformly slower clock would
(the unit test runs the same simulation with fewer replicates). Then it times,
on this machine, one calibration (the 0.2 s kernel) and what it adds to a small
``compare``.

Run: ``python benchmarks/bench_calibration.py`` (about a minute).
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_calibration import diff_trip_rate

from prodbench.calibration import calibrate


def _overhead() -> None:
    from sklearn.datasets import load_iris
    from sklearn.naive_bayes import GaussianNB
    from sklearn.tree import DecisionTreeClassifier

    import prodbench as pb

    t = time.perf_counter()
    cal = calibrate()
    print(
        f"one calibration: {time.perf_counter() - t:.3f} s wall, {cal.n} calls, median "
        f"{cal.median_ns / 1e6:.3f} ms"
    )
    X, y = load_iris(return_X_y=True)
    kw = {"max_time": 1.0, "batch_sizes": (1,), "min_fits": 1, "progress": False}
    for flag in (False, True, False, True):
        t = time.perf_counter()
        pb.compare([GaussianNB(), DecisionTreeClassifier()], X, y, calibrate=flag, **kw)
        print(f"compare max_time=1 s, calibrate={flag}: {time.perf_counter() - t:.2f} s")


def main() -> None:
    """Print the simulated trip rates and the measured overhead."""
    reps = 1000
    print(
        "diff --fail-on p99=+10%, machine factor exp(N(0, 0.05)), 5000 samples per run, "
        f"200 calibration calls, {reps} replicates"
    )
    cases = ((1.10, "at the threshold (+10%)"), (1.0, "no change"), (1.2, "+20%"), (1.3, "+30%"))
    for change, label in cases:
        n = reps if change < 1.2 else reps // 4
        raw = diff_trip_rate(change, n, normalize=False, seed=11)
        norm = diff_trip_rate(change, n, normalize=True, seed=11)
        print(f"  {label:<24} trips: without --normalize {raw:.3f}  with {norm:.3f}")
    _overhead()


if __name__ == "__main__":
    main()
