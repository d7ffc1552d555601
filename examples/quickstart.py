"""Quick start: measure one model on both priorities, then compare it with an ensemble.

Run:  python examples/quickstart.py
"""

from __future__ import annotations

from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    RandomForestClassifier,
    VotingClassifier,
)
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import prodbench as pb


def main(max_time: float = 1.0) -> pb.Comparison:
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)

    # One model, both priorities: score, training and bulk throughput (research),
    # single-request latency percentiles with intervals (production).
    lone = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    result = pb.measure(lone, X, y, max_time=max_time)
    print(result)
    low, high = result.latency.interval(99)
    print(f"p99 = {result.latency.p99 * 1e3:.3f} ms (95% CI {low * 1e3:.3f}-{high * 1e3:.3f} ms)")
    print()

    # A lone model against an ensemble, on the same rows, against a budget.
    ensemble = VotingClassifier(
        [
            ("logreg", make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))),
            ("forest", RandomForestClassifier(n_estimators=100, random_state=0)),
            ("hgb", HistGradientBoostingClassifier(random_state=0)),
        ],
        voting="soft",
    )
    cmp = pb.compare(
        {"lone": lone, "ensemble": ensemble},
        X,
        y,
        budget=pb.Budget(p99="5ms"),
        max_time=max_time,
    )
    print(cmp)
    return cmp


if __name__ == "__main__":
    main()
