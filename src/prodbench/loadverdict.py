"""A load test's verdict against its latency budget: PASS, FAIL or UNDECIDED, from intervals."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import SchemaError

# A ``LoadTestResult`` comes in (annotated ``Any``: serving_results imports this module
# lazily, so importing it back, even for annotations, would make a cycle).
__all__ = ["LoadVerdict", "load_summary", "load_verdict"]


@dataclass(frozen=True)
class LoadVerdict:
    """A load test's outcome against its budget: PASS, FAIL or UNDECIDED, and why.

    Parameters
    ----------
    status : str
        ``"PASS"`` (every limit's interval within it), ``"FAIL"`` (one
        interval beyond its limit, or the run could not keep up) or
        ``"UNDECIDED"``.
    reason : str
        One sentence.
    checks : dict
        Per percentile key the :class:`prodbench.budget.BudgetCheck`.

    Examples
    --------
    >>> import numpy as np
    >>> from prodbench.serving_results import LoadLatency, LoadTestResult
    >>> lat = LoadLatency(samples_ns=np.random.default_rng(0).integers(900_000, 1_100_000, 20_000))
    >>> lt = LoadTestResult(lat, offered_qps=100.0, requests=20_000, duration_s=200.0,
    ...                     elapsed_s=200.0, workers=1, startup_s=0.5, limits={"p99": 0.005})
    >>> lt.verdict.status
    'PASS'
    """

    status: str
    reason: str
    checks: Mapping[str, Any] = field(default_factory=dict)


def load_verdict(lt: Any) -> LoadVerdict:
    """Decide a load test against its limits from the intervals (see :class:`LoadVerdict`).

    Parameters
    ----------
    lt : LoadTestResult
        With :attr:`LoadTestResult.limits`.

    Returns
    -------
    LoadVerdict

    Examples
    --------
    >>> from prodbench.serving_results import LoadLatency, LoadTestResult
    >>> lat = LoadLatency(samples_ns=[1_000_000] * 50)
    >>> lt = LoadTestResult(lat, offered_qps=10.0, requests=50, duration_s=5.0, elapsed_s=5.0,
    ...                     workers=1, startup_s=0.5, limits={"p99": 0.005})
    >>> load_verdict(lt).status
    'UNDECIDED'
    """
    from .budget import BudgetCheck, format_limit, percentile_value

    limits = dict(lt.limits or {})
    if not limits:
        raise SchemaError("load_verdict needs a load test with a budget (limits).")
    lat = lt.latency
    checks: dict[str, Any] = {}
    reasons: list[str] = []
    split = 1.0 - 0.05 / len(limits)  # the false-FAIL share split over the limits
    for key, limit in limits.items():
        q = percentile_value(key)
        info = lat.interval_info(q)
        low_info = lat.interval_info(q, split) if len(limits) > 1 else info
        estimate = info.estimate / 1e9
        low, high = low_info.low / 1e9, info.high / 1e9
        if not info.ok and not lat.lower_bound(q):
            status = "inconclusive"
            reasons.append(f"{key}: {info.reason}")
        elif low > limit:
            status = "fail"
        elif high <= limit:
            status = "pass"
        else:
            status = "inconclusive"
        checks[key] = BudgetCheck(
            key, limit, estimate, low, high, status, lat.n, 0.95, None, len(limits)
        )
        if status != "inconclusive" or info.ok:
            word = {"pass": "within", "fail": "beyond", "inconclusive": "undecided against"}
            bound = ">= " if lat.lower_bound(q) else ""
            reasons.append(
                f"{key} {bound}{estimate * 1e3:.3g} ms {word[status]} {format_limit(key, limit)}"
            )
    if not lt.kept_up:
        return LoadVerdict(
            "FAIL",
            f"the run could not keep up: achieved {lt.achieved_qps:,.1f} QPS of the "
            f"{lt.scheduled_qps:,.1f} that arrived"
            + (f", {lt.dropped:,} requests never completed" if lt.dropped else ""),
            checks,
        )
    statuses = {c.status for c in checks.values()}
    status = "FAIL" if "fail" in statuses else "PASS" if statuses == {"pass"} else "UNDECIDED"
    return LoadVerdict(status, "; ".join(reasons), checks)


def load_summary(lt: Any) -> dict[str, Any]:
    """The figures a reader of a load test's JSON wants first (derived; ignored on reading back).

    Parameters
    ----------
    lt : LoadTestResult

    Returns
    -------
    dict

    Examples
    --------
    >>> from prodbench.serving_results import LoadLatency, LoadTestResult
    >>> lt = LoadTestResult(LoadLatency(samples_ns=[1_000_000] * 50), offered_qps=10.0,
    ...                     requests=50, duration_s=5.0, elapsed_s=5.0, workers=1, startup_s=0.5)
    >>> load_summary(lt)["request_format"]
    'numpy'
    """
    lat = lt.latency
    info = lat.interval_info(99) if lat.n else None
    verdict = lt.verdict

    def finite(x: float) -> float | None:
        return x if math.isfinite(x) else None

    return {
        "request_format": lat.request_format,
        "rows": lt.rows,
        "workers": lt.workers,
        "offered_qps": lt.offered_qps,
        "arrived_qps": lt.scheduled_qps,
        "achieved_qps": finite(lt.achieved_qps),
        "kept_up": lt.kept_up,
        "p50_s": finite(lat.p50) if lat.n else None,
        "p99_s": finite(lat.p99) if lat.n else None,
        "p99_lower_bound_only": lat.lower_bound(99),
        "p99_interval_s": None
        if info is None or not info.ok
        else [finite(info.low / 1e9), finite(info.high / 1e9)],
        "p99_interval_reason": None if info is None else info.reason or None,
        "service_p50_s": finite(lt.service_p50_s),
        "idle_p50_s": lt.idle_p50_s,
        "service_over_idle": None
        if lt.idle_p50_s is None or not math.isfinite(lt.service_p50_s)
        else lt.service_p50_s / lt.idle_p50_s,
        "verdict": None if verdict is None else verdict.status,
        "verdict_reason": None if verdict is None else verdict.reason,
    }
