"""A session's latency checks as a prodbench results file (``--latency-json``).

Each check that ran becomes one candidate of a :class:`~prodbench.verdict.Comparison`
named ``"<test id>::<model>"``: its latency samples (so ``prodbench diff`` puts
two CI runs' checks side by side, with ratio intervals and gates), the
environment it ran in, and under ``options["latency_check"]`` what the check
decided (source, limits, per-limit verdicts, the bounds and n that decided
them, the outcome). Skipped and errored checks carry no samples; they are
listed under the comparison's ``options["latency_checks_not_run"]``.

A check measures latency only: its candidates have no score (an empty
``"none"`` score) and no throughput.

Examples
--------
>>> checks_to_comparison([]).names
()
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ._checklog import CheckEntry
from .environment import collect_environment
from .results import ModelResult, Score, ThroughputResult
from .verdict import Comparison

__all__ = ["KIND", "checks_table", "checks_to_comparison", "is_checks_file"]

KIND = "latency checks"
"""``options["kind"]`` of a comparison that holds a session's latency checks."""

SCORE_NAME = "none"
"""The score name of a check's candidate: a latency check computes no score."""


def checks_to_comparison(entries: Sequence[tuple[str, CheckEntry]]) -> Comparison:
    """Every check of a session as one comparison (one candidate per check that ran).

    Parameters
    ----------
    entries : sequence of (str, CheckEntry)
        The test id and the check, in the order they ran.

    Returns
    -------
    Comparison
        ``to_json`` writes it; ``prodbench show`` and ``diff`` read it.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from prodbench.testing import recorded_check
    >>> X, y = load_iris(return_X_y=True)
    >>> check = recorded_check("assert_latency", DecisionTreeClassifier().fit(X, y), X,
    ...                        {"p50": "100ms"})
    >>> entry = CheckEntry("assert_latency", check.name, check.outcome, check, {"p50": 0.1})
    >>> cmp = checks_to_comparison([("test_x.py::test_fast", entry)])
    >>> cmp.names
    ('test_x.py::test_fast::DecisionTreeClassifier',)
    """
    results: dict[str, ModelResult] = {}
    not_run: list[dict[str, Any]] = []
    environment = collect_environment(threads=1) if entries else {}
    for nodeid, entry in entries:
        base = f"{nodeid}::{entry.name}"
        if entry.check is None:
            not_run.append(
                {
                    "test": nodeid,
                    "name": entry.name,
                    "source": entry.source,
                    "outcome": entry.outcome,
                    "limits": dict(entry.limits),
                    "error": entry.error,
                }
            )
            continue
        name, k = base, 2
        while name in results:  # the same model checked twice in one test
            name, k = f"{base}#{k}", k + 1
        check = entry.check
        summary = check.to_dict(include_samples=False)
        summary.update(test=nodeid, source=entry.source)
        results[name] = ModelResult(
            name=name,
            estimator=check.name,
            task="latency",
            score=Score(SCORE_NAME, 0.0, np.empty(0), np.empty(0)),
            latency=check.result,
            throughput=ThroughputResult(()),
            environment=dict(environment),
            options={"latency_check": summary},
        )
    names = tuple(results)
    return Comparison(
        names=names,
        results=results,
        baseline=names[0] if names else "",
        options={"kind": KIND, "latency_checks_not_run": not_run},
    )


def is_checks_file(data: Any) -> bool:
    """True for the JSON of a ``--latency-json`` file (read as a dict).

    Parameters
    ----------
    data : object
        A loaded JSON document.

    Returns
    -------
    bool

    Examples
    --------
    >>> is_checks_file({"kind": "Comparison", "options": {"kind": "latency checks"}})
    True
    """
    return (
        isinstance(data, dict)
        and data.get("kind") == "Comparison"
        and isinstance(data.get("options"), dict)
        and data["options"].get("kind") == KIND
    )


def checks_table(cmp: Comparison) -> list[str]:
    """The checks of a ``--latency-json`` file as text lines: one per limit, then those not run.

    Parameters
    ----------
    cmp : Comparison
        What :func:`checks_to_comparison` built (or read back from its file).

    Returns
    -------
    list of str

    Examples
    --------
    >>> checks_table(checks_to_comparison([]))[0]
    'latency checks: 0 ran, 0 not run'
    """
    from .budget import format_confidence
    from .units import format_duration

    def seconds(value: Any) -> str:
        return "inf" if value is None else format_duration(float(value))

    not_run = list(cmp.options.get("latency_checks_not_run", ()))
    lines = [f"latency checks: {len(cmp.names)} ran, {len(not_run)} not run"]
    for name in cmp.names:
        check = cmp.results[name].options.get("latency_check", {})
        for key, limit in check.get("budget", {}).items():
            decided = check.get("decided_by", {}).get(key, {})
            verdict = check.get("verdicts", {}).get(key, check.get("outcome", "?"))
            lines.append(
                f"  {name} ({check.get('source', '?')}): {key} {seconds(check.get(key))} "
                f"({format_confidence(decided.get('confidence', 0.95))} CI "
                f"{seconds(decided.get('low'))}-{seconds(decided.get('high'))}, "
                f"n={decided.get('n', 0):,}) budget {format_duration(float(limit), trim=True)}: "
                f"{str(verdict).upper()}"
            )
    for entry in not_run:
        what = str(entry.get("outcome", "?")).upper()
        error = f": {entry['error']}" if entry.get("error") else ""
        lines.append(
            f"  {entry.get('test')}::{entry.get('name')} ({entry.get('source')}): {what}{error}"
        )
    return lines
