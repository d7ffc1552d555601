"""prodbench: measure a model on both priorities, research and production.

Research priority: fast training, high throughput, the best score.
Production priority: fast inference, low single-request latency.
prodbench wraps any scikit-learn-compatible model, measures both, and
compares a lone model with an ensemble on the same rows, with intervals,
a significance test on the score difference and a verdict against a
latency budget.

Examples
--------
>>> import prodbench as pb
>>> from sklearn.datasets import load_breast_cancer
>>> from sklearn.linear_model import LogisticRegression
>>> from sklearn.ensemble import RandomForestClassifier
>>> X, y = load_breast_cancer(return_X_y=True)
>>> cmp = pb.compare({"lone": LogisticRegression(max_iter=5000),
...                   "forest": RandomForestClassifier(n_estimators=50)},
...                  X, y, budget=pb.Budget(p99="20ms"), max_time=0.5)
>>> cmp.production_pick in ("lone", "forest")
True

The heavy modules (scikit-learn, pandas, scipy) are imported on first use,
so ``import prodbench`` and ``python -m prodbench --help`` stay fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import (
    BudgetError,
    CallbackError,
    CandidateError,
    DataError,
    MissingDependencyError,
    ModelError,
    ModelFailedError,
    ProdbenchError,
    RuntimeConversionError,
    SchemaError,
    SpecError,
)

if TYPE_CHECKING:
    from .budget import Budget, BudgetCheck
    from .deltas import Delta
    from .pipeline import compare, measure
    from .progress import ProgressEvent
    from .results import (
        BatchThroughput,
        Footprint,
        LatencyResult,
        ModelResult,
        Score,
        ThroughputResult,
        TrainingResult,
    )
    from .serving import load_test
    from .serving_results import Capacity, LoadTestResult
    from .sweep_results import Sweep, SweepInterrupted
    from .sweeps import SweepEvent, sweep
    from .verdict import Comparison, FailedCandidate, Stakeholder

__all__ = [
    "BatchThroughput",
    "Budget",
    "BudgetCheck",
    "BudgetError",
    "CallbackError",
    "CandidateError",
    "Capacity",
    "Comparison",
    "DataError",
    "Delta",
    "FailedCandidate",
    "Footprint",
    "LatencyResult",
    "LoadTestResult",
    "MissingDependencyError",
    "ModelError",
    "ModelFailedError",
    "ModelResult",
    "ProdbenchError",
    "ProgressEvent",
    "RuntimeConversionError",
    "SchemaError",
    "Score",
    "SpecError",
    "Stakeholder",
    "Sweep",
    "SweepEvent",
    "SweepInterrupted",
    "ThroughputResult",
    "TrainingResult",
    "__version__",
    "compare",
    "load_test",
    "measure",
    "sweep",
]

_LAZY = {
    "measure": "pipeline",
    "compare": "pipeline",
    "ProgressEvent": "progress",
    "BatchThroughput": "results",
    "Footprint": "results",
    "LatencyResult": "results",
    "ModelResult": "results",
    "Score": "results",
    "ThroughputResult": "results",
    "TrainingResult": "results",
    "Budget": "budget",
    "BudgetCheck": "budget",
    "Comparison": "verdict",
    "Delta": "deltas",
    "FailedCandidate": "verdict",
    "Stakeholder": "verdict",
    "load_test": "serving",
    "Capacity": "serving_results",
    "LoadTestResult": "serving_results",
    "sweep": "sweeps",
    "Sweep": "sweep_results",
    "SweepEvent": "sweeps",
    "SweepInterrupted": "sweep_results",
}


_SUBMODULES = ("runtimes", "serving", "worker")


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:  # pb.runtimes without an explicit import
        return importlib.import_module(f".{name}", __name__)
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'prodbench' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
