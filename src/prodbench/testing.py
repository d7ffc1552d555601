"""Latency budgets in tests, for any test runner.

:func:`assert_latency` samples single-request latency of a fitted model and
looks, now and then, at distribution-free bounds of every limited
percentile. A limit **passes** when the upper bound is within it, **fails**
when the lower bound is beyond it, and is **inconclusive** while neither
holds. Sampling stops as soon as the outcome is known, so a model far from
its budget is decided at the first look, after ``min(3 s, 30% of max_time)``
of sampling (a start that is fast or slow for its first seconds must not
decide); a limit still undecided
when ``max_time`` is spent is INCONCLUSIVE, never decided on the point
estimate. :func:`assert_latency` then raises :class:`LatencyInconclusive`
(an ``AssertionError``) naming the ``max_time`` that would likely decide it,
unless ``on_inconclusive`` says otherwise.

The sequential rule (:class:`~prodbench.sequential.SequentialRule`)
--------------------------------------------------------------------
Looking after every block and stopping at the first decision is optional
stopping, so the error rate ``1 - confidence`` is spent over the looks
(half at the final look, half over at most 14 interim looks fixed in
advance), separately for a false PASS and a false FAIL; :mod:`prodbench.sequential`
states the rule in full. The intervals printed are the ones that decided, at
the confidence they were taken at ("99.64% CI" at an interim look, "95% CI"
at the final one).

How long is long enough? A finite upper bound of p99 needs at least 368
samples at the final look (``0.99**n <= 0.025``) and about 630 at an interim
one. The default ``max_time`` of 10 s decides a model of about 10 ms per call
whose p99 is 2x away from its limit; a model slower than about 25 ms per
call cannot get a finite p99 bound in 10 s: give it a longer ``max_time`` or
a p90 budget (p90 needs 36 samples).

:func:`check_latency_budget` does the same work and returns a
:class:`LatencyCheck` instead of raising; the pytest plugin builds on it.

Session settings
----------------
Arguments win; otherwise these environment variables apply (the pytest
plugin sets them from its options for the session and restores them after):
``PRODBENCH_BUDGET_SCALE`` (multiplies every limit),
``PRODBENCH_MAX_TIME`` (seconds), ``PRODBENCH_ON_INCONCLUSIVE``
(``fail``/``pass``/``skip``) and ``PRODBENCH_LATENCY_SKIP`` (``1`` turns every
:func:`assert_latency` into a no-op that checks its arguments, records
"skipped" and returns an empty :class:`~prodbench.results.LatencyResult`, so
the rest of the test still runs).

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

import dataclasses
import math
import os
import sys
import unittest
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from . import _checklog, stats
from . import data as _data
from ._checklog import (
    BUDGET_SCALE_ENV,
    LATENCY_SKIP_ENV,
    MAX_BUDGET_SCALE,
    MAX_TIME_ENV,
    ON_INCONCLUSIVE_ENV,
)
from .budget import (
    PERCENTILE_KEYS,
    BudgetCheck,
    limit_ns,
    parse_limit,
    percentile_key,
    percentile_value,
    whole_ns,
)
from .budget import format_confidence as _pct
from .dependence import dependent_bounds, min_wall_time
from .engine.failures import _CallTimeout, _watchdog
from .errors import BudgetError, LatencyInconclusive, ModelFailedError, ProdbenchError
from .models import check_fitted, check_model, model_label
from .results import LatencyResult
from .sequential import SequentialDecision, SequentialRule
from .timing import LatencySampler, thread_policy
from .units import format_duration, parse_duration, round_up

if TYPE_CHECKING:
    from .calibration import Calibration

__all__ = [
    "BUDGET_SCALE_ENV",
    "DEFAULT_MAX_TIME",
    "LATENCY_SKIP_ENV",
    "MAX_TIME_ENV",
    "ON_INCONCLUSIVE_ENV",
    "SKIP_MESSAGE",
    "LatencyCheck",
    "LatencyInconclusive",
    "LatencyInconclusiveWarning",
    "SequentialDecision",
    "SequentialRule",
    "assert_latency",
    "check_latency_budget",
    "latency_skip_requested",
    "recorded_check",
    "resolve_budget_scale",
    "resolve_max_time",
    "resolve_on_inconclusive",
    "settle",
]

DEFAULT_MAX_TIME = 10.0
"""Seconds a check samples at most, unless told otherwise (see the module docs)."""

SKIP_MESSAGE = "latency budget checks skipped (--latency-skip / PRODBENCH_LATENCY_SKIP=1)"

OnInconclusive = Literal["fail", "pass", "skip"]
_ON_INCONCLUSIVE = ("fail", "pass", "skip")

_FIRST_BLOCK_S = 0.02
"""Seconds of sampling in the first block."""

_WARMUP_S = 0.025
"""Seconds of discarded warm-up calls (after the cold start), at most."""


class LatencyInconclusiveWarning(UserWarning):
    """Issued when ``on_inconclusive="pass"`` lets an undecided check pass."""


# --------------------------------------------------------------------------- result
_VERBS = {
    "pass": "within",
    "fail": "exceeds",
    "inconclusive": "undecided against",
    "not-needed": "not decided against",
}


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
        Per limit (already scaled), by key (``"p50"``, ``"p90"``, ``"p99"``,
        ``"p999"``): the bounds at the look that decided it (or the final
        look), with the confidence they were taken at.
    outcome : {"pass", "fail", "inconclusive"}
        ``"fail"`` when a limit fails; ``"pass"`` when every limit passes;
        else ``"inconclusive"``: some limit was still undecided at ``max_time``.
    elapsed_s : float
        Seconds spent sampling (warm-up included, cold start excluded).
    budget_scale : float
        The factor every limit was multiplied by.
    confidence : float
        ``1 - confidence`` bounds each of false PASS and false FAIL over the
        whole sequence of looks (see :class:`SequentialRule`).
    verdicts : dict of str to str
        Per limit: ``"pass"``, ``"fail"``, ``"inconclusive"``, or
        ``"not-needed"`` (sampling stopped at a failing limit first).
    max_time : float
        The ``max_time`` the check ran with, in seconds.
    to_decide : dict of str to int or None
        For each inconclusive limit, about how many samples would likely
        decide it (None: too close to the limit to decide). When the calls
        tested dependent this counts calls, not independent samples: the
        independent figure times the variance factor ``tau``.
    dependence_factor : dict of str to float
        For each inconclusive limit whose calls tested dependent, the
        variance factor ``tau`` its interval used: ``n`` calls counted as
        ``n / tau`` independent samples.
    scale_note : str
        With a latency reference: how the limits were scaled, e.g. ``"limits
        scaled by 1.84x: this machine runs the calibration 1.84x slower than the
        reference"``; else empty.

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
    outcome: Literal["pass", "fail", "inconclusive"]
    elapsed_s: float
    budget_scale: float = 1.0
    confidence: float = 0.95
    verdicts: Mapping[str, str] | None = None
    max_time: float = DEFAULT_MAX_TIME
    to_decide: Mapping[str, int | None] = field(default_factory=dict)
    scale_note: str = ""
    dependence_factor: Mapping[str, float] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """True when the model is within every limit."""
        return self.outcome == "pass"

    @property
    def inconclusive(self) -> bool:
        """True when no limit failed but some limit is undecided."""
        return self.outcome == "inconclusive"

    def verdict(self, key: str) -> str:
        """The final verdict of one limit (see :attr:`verdicts`)."""
        if self.verdicts is not None and key in self.verdicts:
            return self.verdicts[key]
        return self.checks[key].status

    @property
    def seconds_per_sample(self) -> float:
        """Wall seconds per kept sample, warm-up and looks included."""
        return self.elapsed_s / self.result.n if self.result.n else math.nan

    def max_time_to_decide(self, key: str | None = None) -> float | None:
        """Seconds of ``max_time`` that would likely decide ``key`` (default: every limit).

        None when a limit is too close to its percentile to be decided in
        any reasonable time (move the limit, or budget another percentile).
        """
        keys = [key] if key is not None else [k for k in self.to_decide]
        needed = []
        for k in keys:
            n = self.to_decide.get(k)
            if n is None:
                return None
            # margin: the schedule of looks and the warm-up are not free
            needed.append(1.2 * n * self.seconds_per_sample + _WARMUP_S)
        return round_up(max(needed)) if needed else None

    def describe(self, key: str) -> str:
        """One line for one limit, without the model name.

        E.g. ``'p99 = 6.21 ms (95% CI 5.94 ms-6.58 ms, n=4,812) exceeds budget 5 ms'``.
        """
        c = self.checks[key]
        verdict = self.verdict(key)
        measured = (
            f"{format_duration(c.value)} ({_pct(c.confidence)} CI "
            f"{format_duration(c.low)}-{format_duration(c.high)}, n={c.n:,})"
        )
        text = f"{key} = {measured} {_VERBS[verdict]} budget {self._limit_text(key)}"
        if verdict == "inconclusive":
            text += (
                f" after {self.result.n:,} samples in {self.elapsed_s:.1f} s (max_time "
                f"{self.max_time:g} s): the interval still contains the limit, so neither "
                "PASS nor FAIL; "
            )
            tau = self.dependence_factor.get(key, 1.0)
            if tau > 1.0:
                text += (
                    "the calls were dependent (the machine's speed moved, or slow calls came "
                    "in runs), so "
                )
                if math.isfinite(tau):
                    text += (
                        f"{self.checks[key].n:,} calls counted as about "
                        f"{self.checks[key].n / tau:,.0f} independent samples; "
                    )
                else:
                    text += "too few calls to say how many independent samples they are worth; "
            seconds = self.max_time_to_decide(key)
            if seconds is None and not math.isfinite(tau):
                text += f"raise max_time well beyond {self.max_time:g} s, or budget p90 instead"
            elif seconds is None:
                text += (
                    f"{key} is too close to the limit to decide in any reasonable time: "
                    "move the limit or budget another percentile"
                )
            else:
                text += (
                    f"max_time={seconds:g} (about {self.to_decide[key]:,} samples) would "
                    "likely decide it"
                )
                if key in ("p99", "p999"):
                    text += ", or budget p90 instead"
        elif verdict == "not-needed":
            text += " (another limit failed first)"
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
        """What a person reads once: failing limits first, then undecided, then the rest."""
        rank = {"fail": 0, "inconclusive": 1}
        order = sorted(self.checks, key=lambda k: (rank.get(self.verdict(k), 2), k))
        lines = [f"{self.name} {self.describe(k)}" for k in order]
        lines.append(self.summary_line)
        if self.scale_note:
            lines.append(self.scale_note)
        return "\n".join(lines)

    def inconclusive_error(self) -> LatencyInconclusive:
        """The :class:`LatencyInconclusive` that :func:`assert_latency` raises for this check."""
        key = next(k for k in self.checks if self.verdict(k) == "inconclusive")
        c = self.checks[key]
        return LatencyInconclusive(
            "INCONCLUSIVE: " + self.message,
            key=key,
            estimate=c.value,
            interval=(c.low, c.high),
            n=c.n,
            max_time_to_decide=self.max_time_to_decide(),
            check=self,
        )

    def to_dict(self, *, include_samples: bool = True) -> dict[str, Any]:
        """A JSON-ready summary: seconds as floats, infinite bounds as None.

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.tree import DecisionTreeClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> check = check_latency_budget(DecisionTreeClassifier().fit(X, y), X, p50="100ms")
        >>> sorted(check.to_dict(include_samples=False)["budget"])
        ['p50']
        """
        lat = self.result
        out: dict[str, Any] = {
            "name": self.name,
            "outcome": self.outcome,
            "n": lat.n,
            "elapsed_s": self.elapsed_s,
            "max_time": self.max_time,
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
        out["decided_by"] = {
            k: {
                "n": c.n,
                "confidence": c.confidence,
                "low": _finite(c.low),
                "high": _finite(c.high),
                "method": c.method or "order statistics",
            }
            for k, c in self.checks.items()
        }
        if self.inconclusive:
            out["max_time_to_decide"] = self.max_time_to_decide()
        if include_samples:
            out["samples_ns"] = lat.samples_ns.tolist()
        return out


# the summary line shows p50, p90 and p99 (then the max), not p99.9
_SUMMARY_KEYS = tuple((k, q) for k, q in PERCENTILE_KEYS.items() if k != "p999")


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


# --------------------------------------------------------------------------- options
def resolve_budget_scale(budget_scale: float | str | None = None) -> float:
    """The factor that multiplies every limit.

    The explicit argument wins; else the ``PRODBENCH_BUDGET_SCALE``
    environment variable; else 1.0.

    Parameters
    ----------
    budget_scale : float or str, optional
        A positive number (``2`` or ``"2"``).

    Returns
    -------
    float

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
    if factor > MAX_BUDGET_SCALE:
        raise BudgetError(
            f"{source} is {factor:g}, above {MAX_BUDGET_SCALE:g}: every limit multiplied by "
            "it would pass whatever the model does. Use a factor such as 1.5 or 3 for a "
            "slower machine."
        )
    return factor


def _bare_number_problem(key: str, value: Any) -> str | None:
    """Why a percentile limit given as a bare number is refused (None for a string).

    A test's budget is read by people: ``p99=5`` could be 5 ms or 5 s, and
    read as seconds it is a test that always passes. The command line refuses
    it too.
    """
    if isinstance(value, str) or value is None:
        return None
    return (
        f"{key}={value!r} has no unit. Write the limit with its unit, e.g. {key}='5ms' "
        f"or {key}='250us' (a bare number is refused, as on the command line)."
    )


def _percentile_limits(named: dict[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """The four named limits and any other percentile passed as a keyword (``p95="5ms"``)."""
    out = dict(named)
    for raw, value in dict(given.get("percentiles") or {}).items():
        key = percentile_key(raw)
        if key is None:
            raise BudgetError(
                f"Unknown keyword {raw!r}: a latency limit is a percentile from p50 to "
                "p99.99 (p50, p90, p95, p99, p999 for p99.9), e.g. p95='5ms'."
            )
        if out.get(key) is not None:
            raise BudgetError(f"{key} is given twice ({raw}); give each limit once.")
        out[key] = value
    return dict(sorted(out.items(), key=lambda kv: percentile_value(kv[0])))


def _parse_limits(limits: Mapping[str, Any], scale: float) -> dict[str, float]:
    for key, value in limits.items():
        problem = _bare_number_problem(key, value)
        if problem is not None:
            raise BudgetError(problem)
    parsed = {k: whole_ns(parse_limit(k, v) * scale) for k, v in limits.items() if v is not None}
    if not parsed:
        raise BudgetError(
            "No latency limit was given. Pass at least one of "
            f"{', '.join(PERCENTILE_KEYS)}, e.g. p99='5ms'."
        )
    return parsed


def resolve_max_time(max_time: float | str | None = None) -> float:
    """The ``max_time`` of a check, in seconds.

    The explicit argument wins; else ``PRODBENCH_MAX_TIME``; else
    :data:`DEFAULT_MAX_TIME` (10 s).

    Parameters
    ----------
    max_time : float or str, optional
        Seconds, or a duration such as ``"2s"`` or ``"500ms"``.

    Returns
    -------
    float

    Raises
    ------
    BudgetError
        When the value is not a positive duration.

    Examples
    --------
    >>> resolve_max_time("2s")
    2.0
    """
    source, value = "max_time", max_time
    if value is None:
        env = os.environ.get(MAX_TIME_ENV, "").strip()
        if not env:
            return DEFAULT_MAX_TIME
        source, value = f"the environment variable {MAX_TIME_ENV}", env
    try:
        seconds = parse_duration(value)
    except ValueError as exc:
        raise BudgetError(f"{source}: {exc}") from None  # it refuses 0, negatives, inf, nan
    return seconds


def resolve_on_inconclusive(on_inconclusive: str | None = None) -> OnInconclusive:
    """What an inconclusive check does: ``"fail"`` (default), ``"pass"`` or ``"skip"``.

    The explicit argument wins; else ``PRODBENCH_ON_INCONCLUSIVE``; else
    ``"fail"``. ``"pass"`` is never the default.

    Parameters
    ----------
    on_inconclusive : {"fail", "pass", "skip"}, optional
        The policy.

    Returns
    -------
    str

    Raises
    ------
    BudgetError
        For another value.

    Examples
    --------
    >>> resolve_on_inconclusive("skip")
    'skip'
    """
    source, value = "on_inconclusive", on_inconclusive
    if value is None:
        env = os.environ.get(ON_INCONCLUSIVE_ENV, "").strip()
        if not env:
            return "fail"
        source, value = f"the environment variable {ON_INCONCLUSIVE_ENV}", env
    text = str(value).strip().lower()
    if text not in _ON_INCONCLUSIVE:
        raise BudgetError(
            f"{source} must be 'fail', 'pass' or 'skip' (what an undecided latency check "
            f"does), not {value!r}."
        )
    return text  # type: ignore[return-value]


def latency_skip_requested() -> bool:
    """True when ``PRODBENCH_LATENCY_SKIP`` asks to skip every latency check.

    ``1``, ``true``, ``yes`` or ``on`` (any case) skip; anything else, or the
    variable unset, runs the checks.

    Returns
    -------
    bool

    Examples
    --------
    >>> import os
    >>> from prodbench.testing import latency_skip_requested
    >>> os.environ["PRODBENCH_LATENCY_SKIP"] = "1"
    >>> latency_skip_requested()
    True
    >>> del os.environ["PRODBENCH_LATENCY_SKIP"]
    >>> latency_skip_requested()
    False
    """
    return os.environ.get(LATENCY_SKIP_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def _skip(message: str) -> None:
    """Skip the running test: ``pytest.skip`` inside pytest, else ``unittest.SkipTest``.

    ``unittest`` (and pytest) report a ``SkipTest`` as a skipped test; in a
    plain script it propagates as an exception, so nothing passes silently.
    """
    __tracebackhide__ = True
    if "pytest" in sys.modules and os.environ.get("PYTEST_CURRENT_TEST"):
        import pytest

        pytest.skip(message)
    raise unittest.SkipTest(message)


# --------------------------------------------------------------------------- checking
_CHECK_NAMES = (
    "p50",
    "p90",
    "p99",
    "p999",
    "confidence",
    "max_time",
    "method",
    "threads",
    "request_format",
    "budget_scale",
    "name",
    "call_timeout",
    "reference",
)
"""The keywords of :func:`check_latency_budget`, which :func:`assert_latency` takes too."""

_CHECK_DEFAULTS: dict[str, Any] = {
    "p50": None,
    "p90": None,
    "p99": None,
    "p999": None,
    "confidence": 0.95,
    "max_time": None,
    "method": "predict",
    "threads": "serving",
    "request_format": "auto",
    "budget_scale": None,
    "name": None,
    "call_timeout": 60.0,
    "reference": None,
}
"""Their defaults, for callers that pass only some (the pytest fixture)."""


@dataclass(frozen=True)
class _CheckOptions:
    """The checked options of one latency check (limits in seconds, scaled)."""

    limits: dict[str, float]
    confidence: float
    max_time: float
    method: str
    threads: int | str | None
    request_format: Literal["auto", "numpy", "pandas"]
    scale: float
    name: str | None
    call_timeout: float = 60.0
    reference: Calibration | None = None

    @classmethod
    def from_kwargs(cls, given: Mapping[str, Any]) -> _CheckOptions:
        """From the keywords of :func:`check_latency_budget` (others in ``given`` ignored)."""
        o = {key: given[key] for key in _CHECK_NAMES}
        scale = resolve_budget_scale(o["budget_scale"])
        limits = _parse_limits(
            _percentile_limits({k: o[k] for k in ("p50", "p90", "p99", "p999")}, given), scale
        )
        confidence = o["confidence"]
        if not (
            isinstance(confidence, (int, float))
            and not isinstance(confidence, bool)
            and 0.0 < confidence < 1.0
        ):
            raise BudgetError(f"confidence must be between 0 and 1, e.g. 0.95; got {confidence!r}.")
        seconds = resolve_max_time(o["max_time"])
        if o["request_format"] not in ("auto", "numpy", "pandas"):
            raise BudgetError(
                f"request_format must be 'auto', 'numpy' or 'pandas', not {o['request_format']!r}."
            )
        call_timeout = o["call_timeout"]
        if not (
            isinstance(call_timeout, (int, float))
            and not isinstance(call_timeout, bool)
            and math.isfinite(call_timeout)
            and call_timeout > 0
        ):
            raise BudgetError(
                f"call_timeout must be a positive number of seconds, e.g. 60; got {call_timeout!r}."
            )
        return cls(
            limits=limits,
            confidence=confidence,
            max_time=seconds,
            method=o["method"],
            threads=o["threads"],
            request_format=o["request_format"],
            scale=scale,
            name=o["name"],
            call_timeout=float(call_timeout),
            reference=_reference(o["reference"]),
        )


def _reference(reference: Any) -> Calibration | None:
    """The latency reference of a check: given, or from ``PRODBENCH_LATENCY_REFERENCE``."""
    from .calibration import resolve_reference

    return resolve_reference(reference)


def check_latency_budget(
    model: Any,
    X: Any,
    *,
    p50: str | None = None,
    p90: str | None = None,
    p99: str | None = None,
    p999: str | None = None,
    confidence: float = 0.95,
    max_time: float | str | None = None,
    method: str = "predict",
    threads: int | str | None = "serving",
    request_format: Literal["auto", "numpy", "pandas"] = "auto",
    budget_scale: float | None = None,
    name: str | None = None,
    call_timeout: float = 60.0,
    reference: str | os.PathLike[str] | Calibration | None = None,
    **percentiles: str | None,
) -> LatencyCheck:
    """Check a fitted model's single-request latency against percentile limits.

    The arguments of :func:`assert_latency`; returns the outcome (PASS,
    FAIL or INCONCLUSIVE) instead of raising.

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
        ``1 - confidence`` bounds the false-PASS and the false-FAIL rate.
    max_time : float or str, optional
        Most seconds to spend sampling. Default: ``PRODBENCH_MAX_TIME``, else
        10. A p99 limit needs at least ~370 samples for a PASS: models slower
        than ~25 ms per call need more, or a p90 limit.
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
    reference : str, os.PathLike or Calibration, optional
        A latency reference (``python -m prodbench calibrate --output FILE``,
        written on the machine where the limits were set): this machine runs
        the same calibration kernel (0.2 s, once per process and reference)
        and every limit is multiplied by the machine factor, on top of
        ``budget_scale``; the check says so. Default: the
        ``PRODBENCH_LATENCY_REFERENCE`` environment variable (the plugin's
        ``--latency-reference``), else none.

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
    return _check(model, X, _CheckOptions.from_kwargs(locals()))


def _check(model: Any, X: Any, o: _CheckOptions) -> LatencyCheck:
    """The work of :func:`check_latency_budget`, on checked options."""
    limits, confidence, seconds = o.limits, o.confidence, o.max_time
    scale, note = o.scale, ""
    if o.reference is not None:  # scale every limit by this machine over the reference
        from .calibration import cached_limit_scale

        machine = cached_limit_scale(o.reference)
        limits = {k: v * machine.scale for k, v in limits.items()}
        scale, note = scale * machine.scale, machine.describe()
    label = o.name if o.name is not None else model_label(model)
    check_model(model, name=label, method=o.method, fit=False)
    check_fitted(model, name=label)
    X = _data.as_features(X)
    fmt = _data.input_format(X) if o.request_format == "auto" else o.request_format
    rows = _data.request_rows(X, fmt=o.request_format, n_rows=1000)

    sampler = LatencySampler(
        getattr(model, o.method),
        rows,
        max_time=seconds,
        precision=1e-9,  # never stop on precision: the decision stops sampling
        quantiles=[percentile_value(k) for k in limits],
        confidence=confidence,
        warmup_time=min(_WARMUP_S, 0.05 * seconds),
        threads=thread_policy(o.threads)["latency"],
    )
    rule = SequentialRule(error_rate=1.0 - float(confidence), min_wall_s=min_wall_time(seconds))
    decision = SequentialDecision({k: limit_ns(v) for k, v in limits.items()}, rule)
    block = _FIRST_BLOCK_S
    # The engine's in-process watchdog: each step may overrun by call_timeout at most.
    warmup = sampler.warmup_limit  # the warm-up runs until block medians settle, at most this
    phase = "cold start"
    try:
        with _watchdog(o.call_timeout):
            sampler.cold_start()
        phase = "latency"
        while True:
            with _watchdog(block + warmup + o.call_timeout):
                sampler.run_block(block)
            samples = sampler.result().samples_ns
            if decision.update(samples, final=sampler.done, elapsed=sampler.elapsed):
                break
            if sampler.done:
                break
            # Looks sit at planned sample counts; let blocks grow with the time
            # spent, so the checks' cost stays a small fraction of the sampling.
            block = max(_FIRST_BLOCK_S, 0.25 * sampler.elapsed)
    except _CallTimeout:
        raise ModelFailedError(
            f"{label} timeout: a call to {o.method}() in the {phase} phase took longer than "
            f"call_timeout={o.call_timeout:g} s and was interrupted. Fix the model, or raise "
            "call_timeout if such calls are expected.",
            candidate=label,
            phase=phase,
        ) from None
    latency = LatencyResult.from_raw(sampler.result(), method=o.method, request_format=fmt)
    if not latency.n:
        raise BudgetError(
            f"{label} gave no latency sample within max_time={seconds:g} s (its warm-up calls "
            "used it all). Raise max_time."
        )
    check = _conclude(label, latency, decision, sampler.elapsed, scale, confidence, seconds)
    return dataclasses.replace(check, scale_note=note) if note else check


def _conclude(
    name: str,
    latency: LatencyResult,
    decision: SequentialDecision,
    elapsed: float,
    scale: float,
    confidence: float,
    max_time: float,
) -> LatencyCheck:
    checks: dict[str, BudgetCheck] = {}
    verdicts: dict[str, str] = {}
    to_decide: dict[str, int | None] = {}
    dependence_factor: dict[str, float] = {}
    samples = latency.samples_ns
    final_pass, final_fail = decision.rule.alphas(n_limits=len(decision.states), final=True)
    for key, s in decision.states.items():
        status = "not-needed" if s.status == "pending" else s.status
        n = s.n if s.status != "pending" else samples.size
        a_pass = s.alpha_pass if s.status != "pending" else final_pass
        a_fail = s.alpha_fail if s.status != "pending" else final_fail
        start = s.start if s.status != "pending" else 0
        tau = s.tau if s.status != "pending" else 1.0
        prefix = np.sort(samples[start:n])
        lo, _ = dependent_bounds(prefix.size, s.q, a_fail, tau)
        _, hi = dependent_bounds(prefix.size, s.q, a_pass, tau)
        low = -math.inf if lo is None else prefix[lo] / 1e9
        high = math.inf if hi is None else prefix[hi] / 1e9
        value = stats.percentile(prefix, s.q) / 1e9
        checks[key] = BudgetCheck(
            key,
            s.limit / 1e9,
            min(max(value, low), high),
            low,
            high,
            "inconclusive" if status == "not-needed" else status,
            n,
            confidence=1.0 - a_pass - a_fail,
            method="" if s.method == "order statistics" else s.method,
        )
        verdicts[key] = status
        if status == "inconclusive":
            below = int(np.count_nonzero(samples <= s.limit))
            needed = stats.samples_to_decide(below, samples.size, s.q, final_pass)
            if tau > 1.0:
                # dependent calls: a bound over m calls is the bound over m / tau samples
                dependence_factor[key] = tau
                needed = math.ceil(needed * tau) if needed and math.isfinite(tau) else None
            to_decide[key] = needed
    return LatencyCheck(
        name=name,
        result=latency,
        checks=checks,
        outcome=decision.outcome,
        elapsed_s=elapsed,
        budget_scale=scale,
        confidence=confidence,
        verdicts=verdicts,
        max_time=max_time,
        to_decide=to_decide,
        dependence_factor=dependence_factor,
    )


def assert_latency(
    model: Any,
    X: Any,
    *,
    p50: str | None = None,
    p90: str | None = None,
    p99: str | None = None,
    p999: str | None = None,
    confidence: float = 0.95,
    max_time: float | str | None = None,
    method: str = "predict",
    threads: int | str | None = "serving",
    request_format: Literal["auto", "numpy", "pandas"] = "auto",
    budget_scale: float | None = None,
    name: str | None = None,
    on_inconclusive: OnInconclusive | None = None,
    call_timeout: float = 60.0,
    reference: str | os.PathLike[str] | Calibration | None = None,
    **percentiles: str | None,
) -> LatencyResult:
    """Assert that a fitted model answers single requests within latency limits.

    Each sample is one ``model.predict`` call on one row of ``X``. Sampling
    goes on until every limit is decided (PASS when the percentile's upper
    bound is within the limit, FAIL when its lower bound is beyond it) or
    ``max_time`` is spent; a limit still undecided then is INCONCLUSIVE, and
    ``on_inconclusive`` says what happens. Over the whole sequence of looks,
    a false PASS and a false FAIL each happen with probability at most
    ``1 - confidence`` (see :class:`SequentialRule`).

    Parameters
    ----------
    model : object
        A fitted model with the prediction ``method``.
    X : numpy.ndarray or pandas.DataFrame
        Rows to send as one-row requests (up to 1000, shuffled).
    p50, p90, p99, p999 : str, optional
        Upper limits on those percentiles with their unit, such as ``"5ms"``
        or ``"250us"`` (a bare number such as ``p99=5`` is refused: seconds or
        milliseconds?). At least one is required.
    confidence : float, default 0.95
        ``1 - confidence`` bounds the false-PASS and the false-FAIL rate.
    max_time : float or str, optional
        Most seconds to spend sampling. Default: ``PRODBENCH_MAX_TIME``, else
        10. A p99 limit needs at least ~370 samples for a PASS: models slower
        than ~25 ms per call need more, or a p90 limit.
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
    call_timeout : float, default 60
        Seconds one call may take beyond its sampling block before it is
        interrupted and the check fails with ``timeout``
        (:class:`~prodbench.errors.ModelFailedError`): a hung ``predict``
        never hangs the test session. The watchdog is the one
        :func:`prodbench.measure` uses with ``isolate=False`` (``SIGALRM``, main
        thread only, when no other handler such as pytest-timeout holds it).
    on_inconclusive : {"fail", "pass", "skip"}, optional
        What an undecided check does. ``"fail"`` raises
        :class:`LatencyInconclusive`; ``"skip"`` skips the test
        (``pytest.skip`` inside pytest; elsewhere it raises
        ``unittest.SkipTest``, which unittest reports as a skip and which
        stops a plain script); ``"pass"`` returns the samples with a
        :class:`LatencyInconclusiveWarning`. Default: the
        ``PRODBENCH_ON_INCONCLUSIVE`` environment variable (the plugin's
        ``--latency-inconclusive``), else ``"fail"``.
    reference : str, os.PathLike or Calibration, optional
        A latency reference (``python -m prodbench calibrate --output FILE``,
        written on the machine where the limits were set): this machine runs
        the same calibration kernel (0.2 s, once per process and reference)
        and every limit is multiplied by the machine factor, on top of
        ``budget_scale``; the check says so. Default: the
        ``PRODBENCH_LATENCY_REFERENCE`` environment variable (the plugin's
        ``--latency-reference``), else none.

    Returns
    -------
    LatencyResult
        The samples, when the model is within every limit; an empty one
        (``n == 0``, ``stop_reason="skipped"``) when ``PRODBENCH_LATENCY_SKIP``
        (``--latency-skip``) turns the check into a no-op.

    Raises
    ------
    AssertionError
        When a limit is exceeded, e.g. ``RandomForestClassifier p99 = 6.21 ms
        (95% CI 5.94 ms-6.58 ms, n=4,812) exceeds budget 5 ms`` followed by the
        line ``p50 1.20 ms | p90 3.10 ms | p99 6.21 ms | max 9.80 ms``.
    LatencyInconclusive
        (an ``AssertionError``) When a limit is undecided at ``max_time``;
        its message and attributes give the estimate, the interval, n and the
        ``max_time`` that would likely decide it.
    BudgetError
        When no limit is given or a value does not parse.
    ModelError
        When the model cannot be timed (no such method, not fitted).
    ModelFailedError
        When a call took longer than ``call_timeout`` (``timeout``).

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
    given = {k: v for k, v in locals().items() if k in _CHECK_NAMES}  # the keywords as passed
    policy = resolve_on_inconclusive(on_inconclusive)
    check = recorded_check("assert_latency", model, X, given)
    if check is None:  # skipped: a no-op, the test goes on
        return LatencyResult(samples_ns=np.empty(0, dtype=np.int64), stop_reason="skipped")
    settle(check, policy)
    return check.result


def recorded_check(
    source: str, model: Any, X: Any, kwargs: Mapping[str, Any]
) -> LatencyCheck | None:
    """One check, reported to the session's recorder; None when checks are skipped.

    The options are checked first even when skipping (a typo never hides
    behind ``--latency-skip``). A skipped check, an error (recorded, then
    raised) and a decided check each reach the recorder of
    :mod:`prodbench._checklog` once. Shared by :func:`assert_latency` and the
    pytest fixture.

    Parameters
    ----------
    source : {"assert_latency", "fixture"}
        Where the check is made, for the session summary.
    model : object
        A fitted model.
    X : numpy.ndarray or pandas.DataFrame
        Rows to send as one-row requests.
    kwargs : mapping
        Keywords of :func:`check_latency_budget`; missing ones take its defaults.

    Returns
    -------
    LatencyCheck or None
        None when ``PRODBENCH_LATENCY_SKIP`` (``--latency-skip``) is set.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> recorded_check("assert_latency", DecisionTreeClassifier().fit(X, y), X,
    ...                {"p50": "100ms"}).outcome
    'pass'
    """
    __tracebackhide__ = True
    unknown = sorted(set(kwargs) - set(_CHECK_NAMES) - {"on_inconclusive"})
    if unknown:
        raise BudgetError(
            f"unknown latency check keyword(s) {', '.join(map(repr, unknown))}. "
            f"Valid keywords: {', '.join(_CHECK_NAMES)}, on_inconclusive."
        )
    options = _CheckOptions.from_kwargs({**_CHECK_DEFAULTS, **kwargs})
    label = options.name if options.name is not None else model_label(model)
    if latency_skip_requested():
        _checklog.record(
            _checklog.CheckEntry(source, label, "skipped", limits=dict(options.limits))
        )
        return None
    try:
        check = _check(model, X, options)
    except ProdbenchError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        _checklog.record(
            _checklog.CheckEntry(source, label, "error", limits=dict(options.limits), error=first)
        )
        raise
    _checklog.record(
        _checklog.CheckEntry(source, check.name, check.outcome, check, dict(options.limits))
    )
    return check


def settle(check: LatencyCheck, on_inconclusive: OnInconclusive) -> None:
    """Raise, skip or warn as a check's outcome and the policy say; nothing on a PASS.

    A FAIL raises ``AssertionError``; an INCONCLUSIVE raises
    :class:`LatencyInconclusive` (``"fail"``), skips (``"skip"``) or warns
    (``"pass"``). Shared by :func:`assert_latency` and the pytest fixture.

    Parameters
    ----------
    check : LatencyCheck
        What :func:`check_latency_budget` returned.
    on_inconclusive : {"fail", "skip", "pass"}
        What an undecided check does.

    Raises
    ------
    AssertionError
        When the check failed.
    LatencyInconclusive
        When it is undecided and ``on_inconclusive="fail"``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from prodbench.testing import check_latency_budget, settle
    >>> X, y = load_iris(return_X_y=True)
    >>> check = check_latency_budget(DecisionTreeClassifier().fit(X, y), X, p50="100ms")
    >>> settle(check, "fail")  # a pass: nothing happens
    >>> check = check_latency_budget(DecisionTreeClassifier().fit(X, y), X, p50="1ns")
    >>> settle(check, "fail")
    Traceback (most recent call last):
        ...
    AssertionError: ...
    """
    __tracebackhide__ = True
    if check.outcome == "fail":
        raise AssertionError(check.message)
    if check.outcome == "inconclusive":
        if on_inconclusive == "fail":
            raise check.inconclusive_error()
        if on_inconclusive == "skip":
            _skip("INCONCLUSIVE: " + check.message)
        warnings.warn(
            LatencyInconclusiveWarning(
                "INCONCLUSIVE, passed because on_inconclusive='pass': " + check.message
            ),
            stacklevel=3,
        )
