"""What does a score that is not a mean of per-row terms cost per candidate?

Prints, for a fitted LogisticRegression on 143 and 5,000 test rows, the wall
time of :func:`prodbench.scoring.evaluate` (the score plus its 1,000 bootstrap
replicates) for f1, balanced_accuracy, roc_auc and average_precision, and for
neg_log_loss (per-row terms, no replicates) for contrast; and how many
scoring names prodbench accepts. It runs once per candidate, outside the timed
latency sampling.

Run with ``python benchmarks/bench_scoring.py``.
"""

from __future__ import annotations

import time

from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from prodbench import scoring

NAMES = ("f1", "balanced_accuracy", "roc_auc", "average_precision", "neg_log_loss")


def main() -> None:
    names = scoring.scorer_names()
    usable = [n for n in names if not n.endswith("_samples")]
    print(f"scoring names accepted: {len(names)} ({len(usable)} usable on one target column)")
    for n_rows in (143, 5000):
        X, y = make_classification(n_samples=n_rows, random_state=0)
        model = LogisticRegression().fit(X, y)
        y_pred = model.predict(X)
        for name in NAMES:
            s = scoring.resolve(name, "classification")
            t0 = time.perf_counter()
            ev = scoring.evaluate(s, model, X, y, y_pred)
            wall = time.perf_counter() - t0
            kind = "per-row terms" if ev.replicates is None else f"{ev.replicates.size} replicates"
            print(f"{n_rows:>5} rows  {name:<18} {wall:6.2f} s  ({kind})")


if __name__ == "__main__":
    main()
