"""Error rates of prodbench's decision rules, by fake-clock simulation (issue 9).

Prints, for the sequential budget rule (default max_time 10 s, lognormal
latencies with sigma 0.3, a p99 limit), how often a check PASSes, FAILs or
stays INCONCLUSIVE at 0.5, 0.9, 1.0, 1.1 and 2x the limit for 1, 10 and 40 ms
calls; how often ``diff --fail-on p99=+10%`` trips at true ratios 1.0, 1.05,
1.1 and 1.5; and how often at least one of ten equal challengers is flagged
significant without and with Holm's adjustment. No real timing: the figures
do not depend on the machine. The unit tests run the same simulations with
fewer replicates.

Run: ``python benchmarks/bench_decision_rates.py`` (about 30 s).
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import numpy as np
from test_diff import trip_rate
from test_testing import simulate

from prodbench import stats


def main() -> None:
    """Print the simulated error rates of the budget rule, the diff gate and Holm."""
    t = time.time()
    print("budget rule, 1000 replicates each, default max_time 10 s, lognormal sigma 0.3")
    for ms in (1.0, 10.0, 40.0):
        for ratio in (0.5, 0.9, 1.0, 1.1, 2.0):
            r = simulate(ratio, ms, 1000, seed=100 + int(ratio * 10 + ms))
            print(
                f"  {ms:>4g} ms/call  true p99 = {ratio:>3} x limit: PASS {r['pass']:.3f} "
                f"FAIL {r['fail']:.3f} INCONCLUSIVE {r['inconclusive']:.3f}"
            )
    print("diff p99=+10% gate, 2000 samples per run, 2000 replicates")
    for ratio in (1.0, 1.05, 1.1, 1.5):
        rate = trip_rate(ratio, 2000, n_old=2000, n_new=2000, seed=7)
        print(f"  true ratio {ratio}: trips {rate:.4f}")
    rate = trip_rate(1.5, 2000, n_old=2000, n_new=1000, seed=8)
    print(f"  1.5x with new n=1000: trips {rate:.4f}")
    rng = np.random.default_rng(9)
    raw = holm = 0
    replicates = 4000
    for _ in range(replicates):
        rows = rng.random((11, 500)) < 0.8
        p = [stats.mcnemar_exact(rows[0], rows[i]).p_value for i in range(1, 11)]
        raw += min(p) < 0.05
        holm += stats.holm(p).min() < 0.05
    print(
        f"ten equal challengers (McNemar, 500 rows, {replicates} replicates): "
        f"any flagged raw {raw / replicates:.3f}, Holm {holm / replicates:.3f}"
    )
    print(f"{time.time() - t:.0f} s")


if __name__ == "__main__":
    main()
