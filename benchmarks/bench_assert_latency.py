"""How fast does a latency budget check decide?

Prints the time to decision of :func:`prodbench.testing.check_latency_budget`
for busy-wait fake models at 0.1x, 0.5x, 0.9x and 2x a p99 budget, for a
fitted LogisticRegression with a generous budget, and the total time of fifty
such checks. The target: a model at a tenth of its budget passes after well
under 0.3 s of sampling.

Run with ``python benchmarks/bench_assert_latency.py``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from prodbench.testing import check_latency_budget

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from fakes import BusyModel, constant

BUDGET_S = 0.002
LATENCY_NS = 200_000  # a fake call takes 0.2 ms; the budget is 10x that at "0.1x"
REPEATS = 5


def _fake(ratio: float) -> BusyModel:
    X = np.zeros((50, 4))
    model = BusyModel(constant(int(BUDGET_S * 1e9 * ratio)))
    return model.fit(X, np.zeros(50, dtype=int))


def _time(model: object, X: np.ndarray, **kwargs: object) -> tuple[float, float, str, int]:
    t0 = time.perf_counter()
    check = check_latency_budget(model, X, **kwargs)  # type: ignore[arg-type]
    wall = time.perf_counter() - t0
    label = check.outcome
    return wall, check.elapsed_s, label, check.result.n


def main() -> None:
    X = np.zeros((50, 4))
    print(f"p99 budget {BUDGET_S * 1e3:g} ms, busy-wait fakes; median of {REPEATS} runs")
    print(f"{'case':<34}{'wall s':>8}{'sampling s':>12}{'n':>7}  outcome")
    for ratio in (0.1, 0.5, 0.9, 2.0):
        runs = sorted(_time(_fake(ratio), X, p99=BUDGET_S) for _ in range(REPEATS))
        wall, sampling, label, n = runs[REPEATS // 2]
        print(f"{f'fake at {ratio:g}x budget':<34}{wall:>8.3f}{sampling:>12.3f}{n:>7}  {label}")

    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression

    Xb, yb = load_breast_cancer(return_X_y=True)
    lr = LogisticRegression(max_iter=5000).fit(Xb, yb)
    runs = sorted(_time(lr, Xb, p99="20ms") for _ in range(REPEATS))
    wall, sampling, label, n = runs[REPEATS // 2]
    print(f"{'LogisticRegression, p99 20ms':<34}{wall:>8.3f}{sampling:>12.3f}{n:>7}  {label}")

    t0 = time.perf_counter()
    for i in range(50):
        if i % 2:
            check_latency_budget(lr, Xb, p99="20ms", p50="5ms")
        else:
            check_latency_budget(_fake(0.1), X, p99=BUDGET_S)
    total = time.perf_counter() - t0
    print(f"50 checks (25 fakes at 0.1x, 25 LogisticRegression): {total:.2f} s total")


if __name__ == "__main__":
    main()
