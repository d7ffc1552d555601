"""The seed's case, reproduced: an ensemble buys a fraction of a point of accuracy
at several times the p99 latency. Is the gain real, and is it worth it?

A strong lone model (histogram gradient boosting) against a soft-voting
ensemble of that model, a random forest and k-nearest neighbours, on a seeded
synthetic classification set (20,000 rows, 20 features; 5,000 test rows).
Single-row predictions are timed with native thread pools limited to one
thread (``threads=1``), as a latency-sensitive service usually runs them.

Run:  python examples/ensemble_tradeoff.py [--max-time SECONDS]
"""

from __future__ import annotations

import argparse

from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    RandomForestClassifier,
    VotingClassifier,
)
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import prodbench as pb
from prodbench.data import load_dataset


def candidates() -> dict[str, object]:
    """The lone model and the ensemble built around it."""
    ensemble = VotingClassifier(
        [
            ("hgb", HistGradientBoostingClassifier(random_state=0)),
            ("forest", RandomForestClassifier(n_estimators=100, random_state=0)),
            ("knn", make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=15))),
        ],
        voting="soft",
    )
    return {"lone": HistGradientBoostingClassifier(random_state=0), "ensemble": ensemble}


def main(argv: list[str] | None = None) -> pb.Comparison:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-time", type=float, default=8.0, help="latency seconds per model")
    args = parser.parse_args(argv)

    data = load_dataset("synthetic")  # make_classification, seeded: 20,000 x 20
    cmp = pb.compare(
        candidates(),
        data.X,
        data.y,
        baseline="lone",
        budget=pb.Budget(p99="5ms"),
        threads=1,
        min_fits=1,
        max_time=args.max_time,
    )
    print(cmp)

    delta = cmp.versus("ensemble")
    print()
    print(
        f"The ensemble's gain is {delta.score_diff * 100:+.2f} pp; with "
        f"{cmp.results['lone'].score.n:,} test rows, a difference under about "
        f"{delta.detectable_diff * 100:.2f} pp cannot be told from noise "
        f"(McNemar p={delta.p_value:.2g}). It costs {delta.p99_ratio:.1f}x the p99 latency."
    )
    return cmp


if __name__ == "__main__":
    main()
