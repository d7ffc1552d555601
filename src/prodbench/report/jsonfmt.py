"""JSON: a comparison as JSON, raw samples and a readable ``summary`` side by side.

:func:`to_json_dict` is the layout ``--output``, ``--format json`` and
:meth:`Comparison.to_json` write: :meth:`Comparison.to_dict` (raw samples,
what loading reads back) plus a derived ``summary`` (what a person or a
dashboard reads; ignored on load).
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from ..noise import BUSY_PREFIX, DRIFT_PREFIX
from ..units import lower_is_better, natural_score, score_label
from .cells import PERCENTILES
from .model import delta

if TYPE_CHECKING:
    from ..verdict import Comparison

__all__ = ["render_json", "summary", "to_json_dict"]


def _num(value: float | None) -> float | None:
    """A JSON-safe number: None for a missing or infinite value (an open interval side)."""
    if value is None or math.isnan(value) or math.isinf(value):
        return None
    return float(value)


def _candidate_summary(cmp: Comparison, name: str) -> dict[str, Any]:
    if name in cmp.failures:
        f = cmp.failures[name]
        return {
            "status": "failed",
            "phase": f.phase,
            "error_type": f.error_type,
            "message": f.message,
        }
    r = cmp.results[name]
    lat = r.latency
    latency: dict[str, Any] = {"n": lat.n}
    for key, q in PERCENTILES:
        if lat.n == 0:
            latency[key] = None
            continue
        low, high = lat.interval(q)
        latency[key] = {
            "value_s": _num(lat.percentile(q)),
            "low_s": _num(low),
            "high_s": _num(high),
            "required_n": lat.required(q),
            "undersampled": lat.undersampled(q),
            "interval_method": lat.interval_method(q),
        }
    out: dict[str, Any] = {
        "status": "ok",
        "is_baseline": name == cmp.baseline,
        "score": {
            "name": r.score.name,
            "value": _num(r.score.value),
            "n": r.score.n,
            # as a reader reads it: neg_mean_absolute_error -45.18 is MAE 45.18
            "label": score_label(r.score.name),
            "natural_value": _num(natural_score(r.score.name, r.score.value)),
            "lower_is_better": lower_is_better(r.score.name),
        },
        "latency": latency,
        "request_format": lat.request_format,
        # Native thread limit per phase (null: the machine's threads), and any
        # thread-trap warning from the probe.
        "thread_policy": r.options.get("thread_policy"),
        "warnings": [
            n for n in r.notes if n.startswith(("thread trap", BUSY_PREFIX, DRIFT_PREFIX))
        ],
        "noise": r.environment.get("noise"),
        "cold_start_s": _num(lat.cold_start),
        "fit_time_s": None if r.training is None else _num(r.training.fit_time),
        "size_bytes": None if r.footprint is None else r.footprint.size_bytes,
        "budget": cmp.budget_overall(name),
        "budget_checks": {
            key: {
                "status": c.status,
                "limit": _num(c.limit),
                "value": _num(c.value),
                "low": _num(c.low),
                "high": _num(c.high),
            }
            for key, c in cmp.budget_status(name).items()
        },
    }
    if r.runtime is not None:  # a compiled variant (compare(runtimes=...))
        par = r.runtime.parity
        out["runtime"] = {
            "runtime": r.runtime.runtime,
            "base": r.runtime.base,
            "compile_time_s": _num(r.runtime.conversion_time),
            "compiled_size_bytes": r.runtime.size_bytes,
            "parity_ok": par.ok,
            "parity_agreement": _num(par.agreement),
            "parity_max_abs_diff": None if par.max_abs_diff is None else _num(par.max_abs_diff),
        }
    d = delta(cmp, name)
    if d is not None:
        out["versus_baseline"] = {
            "score_diff": _num(d.score_diff),
            "score_diff_low": _num(d.score_diff_interval[0]),
            "score_diff_high": _num(d.score_diff_interval[1]),
            # the change of the score under its label (a loss's change for neg_* scores)
            "natural_diff": _num(natural_score(d.score_name, d.score_diff)),
            "natural_diff_low": _num(
                min(natural_score(d.score_name, x) for x in d.score_diff_interval)
            ),
            "natural_diff_high": _num(
                max(natural_score(d.score_name, x) for x in d.score_diff_interval)
            ),
            "p_value": _num(d.p_value),
            "p_value_raw": _num(d.p_value_raw),
            "adjustment": d.adjustment,
            "test": d.test,
            "significant": d.significant,
            "p99_ratio": _num(d.p99_ratio),
            "p99_ratio_low": _num(d.p99_ratio_interval[0]),
            "p99_ratio_high": _num(d.p99_ratio_interval[1]),
            "p99_undersampled": d.p99_undersampled,
        }
    return out


def summary(cmp: Comparison) -> dict[str, Any]:
    """The readable part of the JSON output: per-candidate figures, picks and verdict.

    Times are in seconds, an interval's open side is ``null``; ``candidates``
    follows ``cmp.names`` (failed candidates say where they failed).

    Parameters
    ----------
    cmp : Comparison

    Returns
    -------
    dict

    Examples
    --------
    >>> import sys; sys.path.insert(0, "tests")
    >>> from factories import make_comparison, make_result
    >>> s = summary(make_comparison([make_result("a"), make_result("b", seed=1)]))
    >>> sorted(s["candidates"]), s["baseline"]
    (['a', 'b'], 'a')
    """
    out: dict[str, Any] = {
        "baseline": cmp.baseline,
        "budget": None if cmp.budget is None else str(cmp.budget),
        "candidates": {
            n: _candidate_summary(cmp, n)
            for n in cmp.names
            if n in cmp.results or n in cmp.failures
        },
        "research_pick": cmp.research_pick,
        "research_reason": cmp.research_reason,
        "production_pick": cmp.production_pick,
        "production_reason": cmp.production_reason,
        "undecided": cmp.undecided,
        "pareto": list(cmp.pareto),
        "stakeholders": [
            {"role": s.role, "objective": s.objective, "pick": s.pick, "reason": s.reason}
            for s in cmp.stakeholders
        ],
        "verdict": list(cmp.verdict),
        # the native thread limit per phase (null: the machine's threads)
        "thread_policy": cmp.options.get("thread_policy"),
        # what the reader must know: thread traps, rows a fitted model may have seen
        "warnings": [
            *(
                f"{n}: {note}"
                for n in cmp.measured
                for note in cmp.results[n].notes
                if note.startswith("thread trap")
            ),
            *cmp.options.get("warnings", ()),
        ],
    }
    if cmp.target_capacity is not None:  # compare --qps: derived, like the verdict
        out["capacity"] = cmp.target_capacity.to_dict()
    return out


def to_json_dict(cmp: Comparison) -> dict[str, Any]:
    """:meth:`Comparison.to_dict` (raw samples) with the :func:`summary` beside it.

    Examples
    --------
    >>> import sys; sys.path.insert(0, "tests")
    >>> from factories import make_comparison, make_result
    >>> data = to_json_dict(make_comparison([make_result("a"), make_result("b", seed=1)]))
    >>> "summary" in data and "results" in data
    True
    """
    return {**cmp.to_dict(), "summary": summary(cmp)}


def render_json(cmp: Comparison) -> str:
    """The comparison as JSON text: raw samples (:meth:`Comparison.to_dict`) and a ``summary``.

    Examples
    --------
    >>> import prodbench as pb
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> cmp = pb.compare({"lone": LogisticRegression(max_iter=500),
    ...                   "tree": DecisionTreeClassifier()}, X, y, max_time=0.2)
    >>> import json
    >>> data = json.loads(render_json(cmp))
    >>> data["names"], sorted(data["summary"]["candidates"])
    (['lone', 'tree'], ['lone', 'tree'])
    """
    return json.dumps(to_json_dict(cmp))
