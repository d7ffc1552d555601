"""Build results without timing anything, for verdict and rendering tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from prodbench.results import (
    BatchThroughput,
    Footprint,
    LatencyResult,
    ModelResult,
    Score,
    ThroughputResult,
    TrainingResult,
)
from prodbench.verdict import Budget, Comparison, FailedCandidate


def make_result(
    name: str,
    *,
    latency_ms: float = 1.0,
    spread: float = 0.1,
    n: int = 5000,
    correct: Sequence[bool] | None = None,
    y_true: Sequence[int] | None = None,
    fit_s: float = 0.5,
    size_bytes: int = 10_000,
    seed: int = 0,
    task: str = "classification",
) -> ModelResult:
    """A classification result with lognormal-ish latencies around ``latency_ms``.

    ``correct`` gives per-row correctness against ``y_true`` (default: 1000
    rows, 95% correct); predictions are derived from it.
    """
    rng = np.random.default_rng(seed)
    samples = (latency_ms * 1e6 * np.exp(rng.normal(0.0, spread, n))).astype(np.int64)
    if y_true is None:
        y_true = np.arange(1000) % 2
    y_true = np.asarray(y_true)
    if correct is None:
        correct = rng.random(y_true.size) < 0.95
    correct = np.asarray(correct, dtype=bool)
    y_pred = np.where(correct, y_true, 1 - y_true)
    score = Score(
        "accuracy",
        float(correct.mean()),
        y_true=y_true,
        y_pred=y_pred,
        rows_digest="digest",
    )
    return ModelResult(
        name=name,
        estimator=f"fake.{name}",
        task=task,
        score=score,
        latency=LatencyResult(samples_ns=samples, cold_start_ns=int(samples[0] * 5), warmup=10),
        throughput=ThroughputResult(
            (
                BatchThroughput(1, (int(latency_ms * 1e6),) * 3),
                BatchThroughput(1000, (int(latency_ms * 1e6 * 50),) * 3),
            )
        ),
        training=TrainingResult((int(fit_s * 1e9),) * 3, n_rows=3000),
        footprint=Footprint(size_bytes=size_bytes, load_time_ns=1_000_000),
        environment={"python": "3.11", "logical_cores": 2},
        options={"max_time": 1.0},
    )


def make_comparison(
    results: Sequence[ModelResult],
    *,
    baseline: str | None = None,
    budget: Budget | None = None,
    failures: Sequence[FailedCandidate] = (),
) -> Comparison:
    """A Comparison of constructed results (and failures), in the given order."""
    names = [r.name for r in results] + [f.name for f in failures]
    return Comparison(
        names=tuple(names),
        results={r.name: r for r in results},
        failures={f.name: f for f in failures},
        baseline=baseline or names[0],
        budget=budget,
        options={},
    )
