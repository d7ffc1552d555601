"""Latency budgets in tests, for any test runner.

:func:`assert_latency` samples single-request latency of a fitted model
until every percentile limit is decided statistically: a limit *passes*
when the upper bound of the percentile's distribution-free interval is
within it, and *fails* when the lower bound is beyond it. Sampling stops
as soon as the outcome is known, so a model far inside its budget passes
in a fraction of a second. A limit still undecided when ``max_time`` is
spent is decided on the point estimate, and the message says so.

:func:`check_latency_budget` does the same work and returns a
:class:`LatencyCheck` instead of raising; the pytest plugin builds on it.

Examples
--------
>>> from sklearn.datasets import load_iris
>>> from sklearn.linear_model import LogisticRegression
>>> X, y = load_iris(return_X_y=True)
>>> model = LogisticRegression(max_iter=500).fit(X, y)
>>> latency = assert_latency(model, X, p99="50ms")
>>> latency.n > 0
True
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from . import data as _data
from .errors import BudgetError
from .models import check_fitted, check_model, model_label
from .results import LatencyResult
from .timing import LatencySampler, thread_policy
from .units import format_duration, parse_duration
from .verdict import PERCENTILE_KEYS, BudgetCheck, check_latency

__all__ = [
    "BUDGET_SCALE_ENV",
    "LatencyCheck",
    "assert_latency",
    "check_latency_budget",
    "resolve_budget_scale",
]

BUDGET_SCALE_ENV = "PRODBENCH_BUDGET_SCALE"
"""Environment variable multiplying every latency limit (for slower CI machines)."""

_FIRST_BLOCK_S = 0.02
"""Seconds of sampling between the first decision checks."""

_WARMUP_S = 0.025
"""Seconds of discarded warm-up calls (after the cold start), at most."""


# --------------------------------------------------------------------------- result
@dataclass(frozen=True, eq=False)
class LatencyCheck:
    """The outcome of checking one model's latency against percentile limits.

    Attributes
    ----------
    name : str
        The model's name in messages (its class name unless given).
    result : LatencyResult
        Every sample taken.
    checks : dict of str to BudgetCheck
        The statistical check of each limit (already scaled), by key
        (``"p50"``, ``"p90"``, ``"p99"``, ``"p999"``).
    outcome : {"pass", "fail"}
        ``"fail"`` when any limit fails.
    decided_on_estimate : bool
        True when some limit was still undecided when ``max_time`` was spent
        and was decided on the point estimate.
    elapsed_s : float
        Seconds spent sampling (warm-up included, cold start excluded).
    budget_scale : float
        The factor every limit was multiplied by.
    confidence : float
        Confidence of the percentile intervals.
    verdicts : dict of str to str
        Per limit: ``"pass"``, ``"fail"``, ``"pass-on-estimate"``,
        ``"fail-on-estimate"``, or ``"undecided"`` (sampling stopped at the
        first failing limit, before this one was decided).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> check = check_latency_budget(DecisionTreeClassifier().fit(X, y), X, p50="100ms")
    >>> check.outcome, check.passed
    ('pass', True)
    """

    name: str
    result: LatencyResult
    checks: dict[str, BudgetCheck]
    outcome: Literal["pass", "fail"]
    decided_on_estimate: bool
    elapsed_s: float
    budget_scale: float = 1.0
    confidence: float = 0.95
    verdicts: Mapping[str, str] | None = None

    @property
    def passed(self) -> bool:
        """True when the model is within every limit."""
        return self.outcome == "pass"

    def verdict(self, key: str) -> str:
        """The final verdict of one limit (see :attr:`verdicts`)."""
        if self.verdicts is not None and key in self.verdicts:
            return self.verdicts[key]
        return self.checks[key].status

    def describe(self, key: str) -> str:
        """One line for one limit, without the model name.

        E.g. ``'p99 = 6.21 ms (95% CI 5.94-6.58 ms, n=4,812) exceeds budget 5 ms'``.
        """
        c = self.checks[key]
        verdict = self.verdict(key)
        verb = {
            "pass": "within",
            "fail": "exceeds",
            "pass-on-estimate": "within",
            "fail-on-estimate": "exceeds",
            "undecided": "undecided against",
        }[verdict]
        measured = (
            f"{format_duration(c.value)} ({_pct(self.confidence)} CI "
            f"{format_duration(c.low)}-{format_duration(c.high)}, n={c.n:,})"
        )
        text = f"{key} = {measured} {verb} budget {self._limit_text(key)}"
        if verdict.endswith("-on-estimate"):
            text += (
                "; decided on the point estimate: interval still contains the budget after "
                f"{self.result.n:,} samples in {self.elapsed_s:.2f} s"
            )
            if math.isinf(c.high) or math.isinf(c.low):
                text += f" (too few samples to bound {key}; raise max_time)"
        elif verdict == "undecided":
            text += " (not needed: another limit failed first)"
        return text

    def _limit_text(self, key: str) -> str:
        limit = self.checks[key].limit
        text = format_duration(limit, trim=True)
        if self.budget_scale != 1.0:
            base = format_duration(limit / self.budget_scale, trim=True)
            text += f" ({base} x {self.budget_scale:g} budget scale)"
        return text

    @property
    def summary_line(self) -> str:
        """E.g. ``'p50 1.20 ms | p90 3.10 ms | p99 6.21 ms | max 9.80 ms'``."""
        lat = self.result
        return " | ".join(
            [f"{k} {format_duration(lat.percentile(q))}" for k, q in _SUMMARY_KEYS]
            + [f"max {format_duration(lat.max)}"]
        )

    @property
    def message(self) -> str:
        """What a person reads once: failing limits first, then the percentile line."""
        order = sorted(self.checks, key=lambda k: (not self.verdict(k).startswith("fail"), k))
        lines = [f"{self.name} {self.describe(k)}" for k in order]
        lines.append(self.summary_line)
        return "\n".join(lines)

    def to_dict(self, *, include_samples: bool = True) -> dict[str, Any]:
        """A JSON-ready summary: seconds as floats, infinite bounds as None.

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.tree import DecisionTreeClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> check = check_latency_budget(DecisionTreeClassifier().fit(X, y), X, p50=0.1)
        >>> sorted(check.to_dict(include_samples=False)["budget"])
        ['p50']
        """
        lat = self.result
        out: dict[str, Any] = {
            "name": self.name,
            "outcome": self.outcome,
            "decided_on_estimate": self.decided_on_estimate,
            "n": lat.n,
            "elapsed_s": self.elapsed_s,
            "confidence": self.confidence,
            "budget_scale": self.budget_scale,
            "method": lat.method,
        }
        for key, q in PERCENTILE_KEYS.items():
            out[key] = _finite(lat.percentile(q)) if lat.n else None
        out["mean"] = _finite(lat.mean)
        out["max"] = _finite(lat.max)
        out["intervals"] = {
            key: [_finite(v) for v in lat.interval(q, self.confidence)]
            for key, q in PERCENTILE_KEYS.items()
        }
        out["budget"] = {k: c.limit for k, c in self.checks.items()}
        out["verdicts"] = {k: self.verdict(k) for k in self.checks}
        if include_samples:
            out["samples_ns"] = lat.samples_ns.tolist()
        return out


_SUMMARY_KEYS = (("p50", 50.0), ("p90", 90.0), ("p99", 99.0))


def _pct(confidence: float) -> str:
    return f"{confidence * 100:g}%"


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


# --------------------------------------------------------------------------- options
def resolve_budget_scale(budget_scale: float | str | None = None) -> float:
    """The factor that multiplies every limit.

    The explicit argument wins; else the ``PRODBENCH_BUDGET_SCALE``
    environment variable; else 1.0.

    Raises
    ------
    BudgetError
        When the value is not a positive finite number.

    Examples
    --------
    >>> resolve_budget_scale(2)
    2.0
    """
    source = "budget_scale"
    value: Any = budget_scale
    if value is None:
        env = os.environ.get(BUDGET_SCALE_ENV)
        if env is None or not env.strip():
            return 1.0
        value, source = env.strip(), f"the environment variable {BUDGET_SCALE_ENV}"
    try:
        if isinstance(value, bool):
            raise ValueError
        factor = float(value)
    except (TypeError, ValueError):
        factor = math.nan
    if not (math.isfinite(factor) and factor > 0):
        raise BudgetError(
            f"{source} must be a positive number such as 1.5 (limits are multiplied by it), "
            f"not {value!r}."
        )
    return factor


def _parse_limits(limits: Mapping[str, Any], scale: float) -> dict[str, float]:
    parsed = {k: parse_duration(v) * scale for k, v in limits.items() if v is not None}
    if not parsed:
        raise BudgetError(
            "No latency limit was given. Pass at least one of "
            f"{', '.join(PERCENTILE_KEYS)}, e.g. p99='5ms'."
        )
    return parsed


# --------------------------------------------------------------------------- checking
def check_latency_budget(
    model: Any,
    X: Any,
    *,
    p50: float | str | None = None,
    p90: float | str | None = None,
    p99: float | str | None = None,
    p999: float | str | None = None,
    confidence: float = 0.95,
    max_time: float | str = 3.0,
    method: str = "predict",
    threads: int | str | None = "serving",
    request_format: Literal["auto", "numpy", "pandas"] = "auto",
    budget_scale: float | None = None,
    name: str | None = None,
) -> LatencyCheck:
    """Check a fitted model's single-request latency against percentile limits.

    Same arguments as :func:`assert_latency`; returns the outcome instead of
    raising on a failed budget.

    Returns
    -------
    LatencyCheck

    Raises
    ------
    BudgetError
        When no limit is given, or a limit, ``max_time``, ``confidence`` or
        the budget scale does not make sense.
    ModelError
        When the model has no such method or is a known-unfitted estimator.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> check = check_latency_budget(DecisionTreeClassifier().fit(X, y), X, p99="100ms")
    >>> check.checks["p99"].status
    'pass'
    """
    scale = resolve_budget_scale(budget_scale)
    limits = _parse_limits({"p50": p50, "p90": p90, "p99": p99, "p999": p999}, scale)
    if not (isinstance(confidence, (int, float)) and 0.0 < confidence < 1.0):
        raise BudgetError(f"confidence must be between 0 and 1, e.g. 0.95; got {confidence!r}.")
    seconds = parse_duration(max_time)
    label = name if name is not None else model_label(model)
    check_model(model, name=label, method=method, fit=False)
    check_fitted(model, name=label)
    if not hasattr(X, "iloc") and not isinstance(X, np.ndarray):
        X = np.asarray(X)
    fmt = _data.input_format(X) if request_format == "auto" else request_format
    rows = _data.request_rows(X, fmt=request_format, n_rows=1000)

    sampler = LatencySampler(
        getattr(model, method),
        rows,
        max_time=seconds,
        precision=1e-9,
        quantiles=[PERCENTILE_KEYS[k] for k in limits],
        confidence=confidence,
        warmup_time=min(_WARMUP_S, 0.05 * seconds),
        threads=thread_policy(threads)["latency"],
    )
    sampler.cold_start()
    block = _FIRST_BLOCK_S
    latency = _latency(sampler, method, fmt)
    checks: dict[str, BudgetCheck] = {}
    # Looking at the interval after every block and stopping at the first
    # decision is optional stopping: each look is another chance of a wrong
    # verdict. Intermediate looks therefore decide at a Bonferroni-adjusted
    # confidence over the (bounded) number of looks; the reported interval is
    # the nominal one, which lies inside the adjusted one and so agrees.
    look_confidence = 1.0 - (1.0 - confidence) / _max_looks(seconds)
    while True:
        sampler.run_block(block)
        latency = _latency(sampler, method, fmt)
        if latency.n:
            strict = check_latency(latency, limits, confidence=look_confidence)
            states = {c.status for c in strict.values()}
            if "fail" in states or states == {"pass"}:
                checks = check_latency(latency, limits, confidence=confidence)
                break
        if sampler.done:
            if latency.n:
                checks = check_latency(latency, limits, confidence=confidence)
            break
        # Checks sort every sample: let blocks grow with the time spent, so
        # their cost stays a small fraction of the sampling.
        block = max(_FIRST_BLOCK_S, 0.25 * sampler.elapsed)
    if not latency.n:
        raise BudgetError(
            f"{label} gave no latency sample within max_time={seconds:g} s (its warm-up calls "
            "used it all). Raise max_time."
        )
    return _conclude(label, latency, checks, sampler.elapsed, scale, confidence)


def _max_looks(max_time: float) -> int:
    """Upper bound on decision looks: blocks of 20 ms, then growing by 25%."""
    looks, elapsed, block = 0, 0.0, _FIRST_BLOCK_S
    while elapsed < max_time:
        elapsed += block
        looks += 1
        block = max(_FIRST_BLOCK_S, 0.25 * elapsed)
    return max(1, looks)


def _latency(sampler: LatencySampler, method: str, fmt: str) -> LatencyResult:
    return LatencyResult.from_raw(sampler.result(), method=method, request_format=fmt)


def _conclude(
    name: str,
    latency: LatencyResult,
    checks: dict[str, BudgetCheck],
    elapsed: float,
    scale: float,
    confidence: float,
) -> LatencyCheck:
    failed = any(c.status == "fail" for c in checks.values())
    verdicts: dict[str, str] = {}
    for key, c in checks.items():
        if c.status != "inconclusive":
            verdicts[key] = c.status
        elif failed:
            verdicts[key] = "undecided"
        else:
            verdicts[key] = "pass-on-estimate" if c.value <= c.limit else "fail-on-estimate"
    on_estimate = any(v.endswith("-on-estimate") for v in verdicts.values())
    outcome: Literal["pass", "fail"] = (
        "fail" if any(v.startswith("fail") for v in verdicts.values()) else "pass"
    )
    return LatencyCheck(
        name=name,
        result=latency,
        checks=checks,
        outcome=outcome,
        decided_on_estimate=on_estimate,
        elapsed_s=elapsed,
        budget_scale=scale,
        confidence=confidence,
        verdicts=verdicts,
    )


def assert_latency(
    model: Any,
    X: Any,
    *,
    p50: float | str | None = None,
    p90: float | str | None = None,
    p99: float | str | None = None,
    p999: float | str | None = None,
    confidence: float = 0.95,
    max_time: float | str = 3.0,
    method: str = "predict",
    threads: int | str | None = "serving",
    request_format: Literal["auto", "numpy", "pandas"] = "auto",
    budget_scale: float | None = None,
    name: str | None = None,
) -> LatencyResult:
    """Assert that a fitted model answers single requests within latency limits.

    Each sample is one ``model.predict`` call on one row of ``X``. Sampling
    goes on until every limit is decided at ``confidence`` (PASS when the
    percentile interval's upper bound is within the limit, FAIL when its lower
    bound is beyond it), or until ``max_time`` is spent; a limit still
    undecided then is decided on the point estimate, and the message says so.

    Parameters
    ----------
    model : object
        A fitted model with the prediction ``method``.
    X : numpy.ndarray or pandas.DataFrame
        Rows to send as one-row requests (up to 1000, shuffled).
    p50, p90, p99, p999 : float or str, optional
        Upper limits on those percentiles, in seconds or as ``"5ms"``,
        ``"250us"``. At least one is required.
    confidence : float, default 0.95
        Confidence of the percentile intervals that decide each limit.
    max_time : float or str, default 3.0
        Most seconds to spend sampling.
    method : {"predict", "predict_proba"}, default "predict"
        The method timed.
    threads : "serving", int or None, default "serving"
        Native thread pools while timing, as in :func:`prodbench.measure`:
        ``"serving"`` limits them to 1 (a serving worker), N to N, None not at all.
    request_format : {"auto", "numpy", "pandas"}, default "auto"
        Type of each one-row request; ``"auto"`` keeps the type of ``X``.
    budget_scale : float, optional
        Multiplies every limit (for a CI machine slower than the one the budget
        was set on). Default: the ``PRODBENCH_BUDGET_SCALE`` environment
        variable, else 1.
    name : str, optional
        The model's name in messages; default its class name.

    Returns
    -------
    LatencyResult
        The samples, when the model is within every limit.

    Raises
    ------
    AssertionError
        When a limit is exceeded, e.g. ``RandomForestClassifier p99 = 6.21 ms
        (95% CI 5.94-6.58 ms, n=4,812) exceeds budget 5 ms`` followed by the
        line ``p50 1.20 ms | p90 3.10 ms | p99 6.21 ms | max 9.80 ms``.
    BudgetError
        When no limit is given or a value does not parse.
    ModelError
        When the model cannot be timed (no such method, not fitted).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = load_iris(return_X_y=True)
    >>> model = LogisticRegression(max_iter=500).fit(X, y)
    >>> assert_latency(model, X, p99="50ms", p50="20ms").n > 0
    True
    >>> assert_latency(model, X, p50="1ns")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: LogisticRegression p50 = ... exceeds budget 1 ns
    ...
    """
    __tracebackhide__ = True
    check = check_latency_budget(
        model,
        X,
        p50=p50,
        p90=p90,
        p99=p99,
        p999=p999,
        confidence=confidence,
        max_time=max_time,
        method=method,
        threads=threads,
        request_format=request_format,
        budget_scale=budget_scale,
        name=name,
    )
    if not check.passed:
        raise AssertionError(check.message)
    return check.result
