"""Latency and size budgets: the limits, and their three-valued checks.

A :class:`Budget` holds upper limits on one-row latency percentiles (p50,
p90, p99, p999), cold start and serialized size. :func:`check_latency` and
:func:`check_budget` compare them with a measurement: a percentile passes
when its whole confidence interval is within the limit, fails when the
whole interval is beyond it, and is inconclusive otherwise.

The percentile keys (:data:`PERCENTILE_KEYS`) and the mark of an
under-sampled percentile (:data:`UNDERSAMPLED_MARK`) are defined here once
for every module that reads or shows a budget.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from .errors import BudgetError
from .units import format_bytes, format_duration, parse_duration, parse_size

if TYPE_CHECKING:
    from .results import LatencyResult, ModelResult

__all__ = [
    "MAX_PERCENTILE",
    "MIN_PERCENTILE",
    "PERCENTILE_KEYS",
    "UNDERSAMPLED_MARK",
    "Budget",
    "BudgetCheck",
    "check_budget",
    "check_latency",
    "format_confidence",
    "format_limit",
    "limit_ns",
    "parse_limit",
    "percentile_key",
    "percentile_limits",
    "percentile_of",
    "percentile_value",
    "whole_ns",
]

PERCENTILE_KEYS: dict[str, float] = {"p50": 50.0, "p90": 90.0, "p99": 99.0, "p999": 99.9}
"""The percentiles every result shows, budget key -> percentile. A budget takes any
percentile from p50 to p99.99 (:func:`percentile_of`)."""

MIN_PERCENTILE, MAX_PERCENTILE = 50.0, 99.99
_PERCENTILE_TEXT = re.compile(r"p(\d{2})(?:\.(\d{1,2}))?")


def percentile_of(key: str) -> float | None:
    """The percentile a limit key names, or None when the key is no percentile.

    ``p50`` to ``p99.99`` spelled naturally (``p95``, ``p99.5``, ``p99.9``,
    ``p99.99``); ``p999`` is kept as the alias of ``p99.9``.

    Parameters
    ----------
    key : str
        A limit's name.

    Returns
    -------
    float or None

    Raises
    ------
    BudgetError
        For a percentile outside p50..p99.99 (``p10``).

    Examples
    --------
    >>> percentile_of("p95"), percentile_of("P99.9"), percentile_of("p999"), percentile_of("size")
    (95.0, 99.9, 99.9, None)
    """
    text = str(key).strip().lower()
    if text in PERCENTILE_KEYS:
        return PERCENTILE_KEYS[text]
    match = _PERCENTILE_TEXT.fullmatch(text)
    if match is None:
        return None
    q = float(f"{match.group(1)}.{match.group(2) or '0'}")
    if not MIN_PERCENTILE <= q <= MAX_PERCENTILE:
        raise BudgetError(
            f"{key!r} is a percentile below p50; latency limits take p50 to p99.99 "
            "(p50, p90, p95, p99, p99.9, p99.99), e.g. p95=5ms."
        )
    return q


def percentile_value(key: str) -> float:
    """The percentile of a key known to be one (``"p95"`` -> 95.0).

    Parameters
    ----------
    key : str
        A percentile limit's name.

    Returns
    -------
    float

    Raises
    ------
    BudgetError
        When ``key`` is no percentile.

    Examples
    --------
    >>> percentile_value("p99.5")
    99.5
    """
    q = percentile_of(key)
    if q is None:
        raise BudgetError(
            f"{key!r} is not a percentile limit; use p50 to p99.99 "
            f"({', '.join(PERCENTILE_KEYS)}, p95, ...)."
        )
    return q


def percentile_key(key: str) -> str | None:
    """The one spelling of a percentile key (``"P95"`` -> ``"p95"``, ``"p99.9"`` -> ``"p999"``).

    Parameters
    ----------
    key : str
        A limit's name.

    Returns
    -------
    str or None
        None when ``key`` is no percentile.

    Examples
    --------
    >>> percentile_key("p99.9"), percentile_key("p95.0"), percentile_key("p99.99")
    ('p999', 'p95', 'p99.99')
    """
    q = percentile_of(key)
    if q is None:
        return None
    known = {v: k for k, v in PERCENTILE_KEYS.items()}
    return known.get(q, f"p{q:g}")


UNDERSAMPLED_MARK = "\u2020"
"""The dagger marking a percentile (or a ratio of one) with fewer samples than it needs."""


def parse_limit(key: str, value: Any) -> float:
    """One limit in seconds (bytes for ``size``); a string needs its unit.

    Raises
    ------
    BudgetError
        When the value does not parse, has no unit, or is not positive and finite.

    Examples
    --------
    >>> parse_limit("p99", "5ms"), parse_limit("size", "10MB")
    (0.005, 10000000)
    """
    # A string limit needs its unit ("p99=5" is refused, "p99=5ms" read).
    if key == "size":
        return parse_size(value, require_unit=True)
    return whole_ns(parse_duration(value, require_unit=True))


def limit_ns(seconds: float) -> int:
    """A time limit in whole nanoseconds, the unit samples are taken in.

    ``"25us"`` parses to ``25 * 1e-6 = 2.4999999999999998e-05`` s; held as
    25,000 ns, a sample of exactly 25 µs is at the limit, not over it.

    Examples
    --------
    >>> limit_ns(25e-6), limit_ns(0.005)
    (25000, 5000000)
    """
    return round(seconds * 1e9)


def whole_ns(seconds: float) -> float:
    """``seconds`` rounded to whole nanoseconds, as seconds: ``ns / 1e9``.

    ``ns / 1e9`` is the float a sample of ``ns`` nanoseconds becomes in
    seconds, so a measured percentile equal to the limit compares equal.

    Raises
    ------
    BudgetError
        When the limit is below one nanosecond.

    Examples
    --------
    >>> whole_ns(25 * 1e-6) == 25_000 / 1e9
    True
    """
    ns = limit_ns(seconds)
    if ns < 1:
        raise BudgetError(
            f"A time limit of {seconds!r} s is below one nanosecond, the resolution of "
            "the samples. Give a limit of at least 1ns."
        )
    return ns / 1e9


def format_limit(key: str, value: float) -> str:
    """A limit as the user would write it: ``5 ms``, not ``5.00 ms``.

    Examples
    --------
    >>> format_limit("p99", 0.005), format_limit("size", 10_000_000)
    ('5 ms', '10 MB')
    """
    if key == "size":
        return format_bytes(value, trim=True)
    return format_duration(value, trim=True)


def format_confidence(confidence: float) -> str:
    """A confidence level as a percentage: ``0.95`` -> ``'95%'``."""
    return f"{confidence * 100:.4g}%"


@dataclass(frozen=True)
class Budget:
    """Latency and size limits a candidate must stay within.

    Parameters
    ----------
    p50, p90, p99, p999, cold_start : float or str, optional
        Upper limits, in seconds or as strings such as ``"250us"``, ``"5ms"``.
    size : int or str, optional
        Upper limit on the joblib-serialized size, in bytes or as ``"10MB"``.

    Examples
    --------
    >>> b = Budget(p99="5ms", p50="1ms")
    >>> b.p99
    0.005
    >>> Budget.parse("p99=5ms,size=10MB").size
    10000000
    >>> str(b)
    'p50 < 1 ms, p99 < 5 ms'
    """

    p50: float | None = None
    p90: float | None = None
    p99: float | None = None
    p999: float | None = None
    cold_start: float | None = None
    size: int | None = None
    # Other percentiles (p95, p99.99, ...), ((key, seconds), ...) in percentile order.
    others: tuple[tuple[str, float], ...] = field(default=(), repr=False)

    def __init__(
        self,
        p50: float | str | None = None,
        p90: float | str | None = None,
        p99: float | str | None = None,
        p999: float | str | None = None,
        cold_start: float | str | None = None,
        size: int | str | None = None,
        **percentiles: float | str | None,
    ) -> None:
        given: dict[str, Any] = {
            "p50": p50, "p90": p90, "p99": p99, "p999": p999,
            "cold_start": cold_start, "size": size,
        }  # fmt: skip
        others: dict[str, float] = {}
        for raw, value in percentiles.items():
            key = percentile_key(raw)
            if key is None:
                raise BudgetError(
                    f"Unknown budget limit {raw!r}. Use any of {', '.join(self.keys())} or "
                    "another percentile from p50 to p99.99 (p95, p99.5), e.g. p95='5ms'."
                )
            if key in given:
                if given[key] is not None:
                    raise BudgetError(f"The budget sets {key} twice ({raw}). Set it once.")
                given[key] = value
            elif value is not None:
                others[key] = value  # type: ignore[assignment]
        for name, value in given.items():
            object.__setattr__(self, name, None if value is None else self._parsed(name, value))
        parsed = sorted(
            ((k, self._parsed(k, v)) for k, v in others.items()),
            key=lambda kv: percentile_of(kv[0]) or 0.0,
        )
        object.__setattr__(self, "others", tuple(parsed))

    @staticmethod
    def _parsed(name: str, value: Any) -> Any:
        try:
            return parse_limit(name, value)
        except BudgetError as exc:
            raise BudgetError(f"Budget limit {name}: {exc}") from None

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        """The limit names a budget accepts.

        Returns
        -------
        tuple of str

        Examples
        --------
        >>> import prodbench as pb
        >>> pb.Budget.keys()
        ('p50', 'p90', 'p99', 'p999', 'cold_start', 'size')
        """
        return tuple(f.name for f in fields(cls) if f.name != "others")

    @classmethod
    def from_mapping(cls, limits: Mapping[str, Any]) -> Budget:
        """Build from ``{"p99": "5ms", ...}``, rejecting unknown keys clearly.

        Parameters
        ----------
        limits : Mapping of str to float or str
            Limit name (one of :meth:`keys`) to a value in seconds (bytes for
            ``size``) or a string with a unit (``"5ms"``, ``"10MB"``).

        Returns
        -------
        Budget

        Raises
        ------
        BudgetError
            For an unknown limit name or a value that is not a duration or size.

        Examples
        --------
        >>> import prodbench as pb
        >>> str(pb.Budget.from_mapping({"p99": "5ms", "size": "10MB"}))
        'p99 < 5 ms, size < 10 MB'
        """
        names = set(cls.keys())
        unknown = sorted(k for k in limits if k not in names and percentile_key(k) is None)
        if unknown:
            raise BudgetError(
                f"Unknown budget limit(s) {', '.join(map(repr, unknown))}. "
                f"Use any of {', '.join(cls.keys())} or another percentile from p50 to "
                "p99.99 (p95, p99.5), e.g. p99='5ms'."
            )
        return cls(**{str(k): v for k, v in limits.items()})

    @classmethod
    def parse(cls, text: str) -> Budget:
        """Parse ``"p99=5ms,p50=1ms"`` (also ``"p99<5ms"``; commas or spaces between).

        Every limit needs a unit (``p99=5`` is refused); spaces inside a value
        are fine (``"p99=5 ms"``).

        Parameters
        ----------
        text : str
            ``KEY=VALUE`` (or ``KEY<VALUE``) parts; keys are :meth:`keys`, values
            durations (``250us``, ``5ms``, ``1s``) or, for ``size``, bytes (``10MB``).

        Returns
        -------
        Budget

        Raises
        ------
        BudgetError
            For a part that does not parse, an unknown key or a value without a unit.

        Examples
        --------
        >>> Budget.parse("p99<5ms p50=1ms").p50
        0.001
        >>> Budget.parse("p99 = 5 ms").p99
        0.005
        """
        if not isinstance(text, str):
            raise BudgetError(
                f"A budget to parse is text such as 'p99=5ms,p50=1ms', not "
                f"{type(text).__name__} {str(text)[:40]!r}. Pass Budget(p99='5ms') for values."
            )
        if not text.strip():
            raise BudgetError("An empty budget was given. Write limits such as 'p99=5ms,p50=1ms'.")
        limits: dict[str, str] = {}
        # Parts are separated by commas/semicolons, or by spaces that start a new
        # KEY= / KEY< part; other spaces belong to the value ("p99=5 ms").
        for raw in re.split(r"[,;]+|\s+(?=[A-Za-z_][A-Za-z_0-9.]*\s*(?:=|<))", text.strip()):
            part = raw.strip()
            if not part:
                continue
            match = re.fullmatch(r"([A-Za-z_0-9.]+)\s*(?:=|<=|<)\s*(.+)", part)
            if match is None:
                raise BudgetError(
                    f"Cannot read budget part {part!r} in {text!r}. Write limits as "
                    "KEY=VALUE separated by commas, e.g. 'p99=5ms,p50=1ms,size=10MB'."
                )
            key = match.group(1).lower()
            key = percentile_key(key) or key
            if key in limits:
                raise BudgetError(f"The budget {text!r} sets {key} twice. Set each limit once.")
            limits[key] = match.group(2)
        if not limits:
            raise BudgetError(
                f"The budget {text[:40]!r} holds no limit. Write limits such as "
                "'p99=5ms,p50=1ms', or leave the budget out."
            )
        return cls.from_mapping(limits)

    @classmethod
    def coerce(cls, value: Budget | str | Mapping[str, Any] | None) -> Budget | None:
        """Accept a Budget, a string for :meth:`parse`, a mapping, or None.

        Parameters
        ----------
        value : Budget, str, Mapping or None
            What a ``budget=`` argument may be.

        Returns
        -------
        Budget or None
            None for None; a Budget is returned as it is.

        Raises
        ------
        BudgetError
            For any other type, or a string or mapping that does not parse.

        Examples
        --------
        >>> import prodbench as pb
        >>> pb.Budget.coerce("p99=5ms") == pb.Budget(p99="5ms")
        True
        >>> pb.Budget.coerce(None) is None
        True
        """
        if value is None or isinstance(value, Budget):
            return value
        if isinstance(value, str):
            return cls.parse(value)
        if isinstance(value, Mapping):
            return cls.from_mapping(value)
        raise BudgetError(
            f"A budget must be a prodbench.Budget, a string like 'p99=5ms' or a dict, "
            f"not {type(value).__name__}."
        )

    @property
    def limits(self) -> dict[str, float]:
        """The limits that are set, in a fixed order (seconds; bytes for size)."""
        set_ = {k: getattr(self, k) for k in self.keys() if getattr(self, k) is not None}
        set_.update(self.others)
        order = {k: (percentile_of(k) or 100.0 + i) for i, k in enumerate(self.keys())}
        return dict(sorted(set_.items(), key=lambda kv: order.get(kv[0]) or _q(kv[0])))

    def scaled(self, factor: float) -> Budget:
        """Every time limit multiplied by ``factor`` (for slower CI machines); size unchanged.

        Parameters
        ----------
        factor : float
            A positive number (``2.0`` doubles every latency limit).

        Returns
        -------
        Budget

        Raises
        ------
        BudgetError
            For a factor that is not a positive finite number.

        Examples
        --------
        >>> import prodbench as pb
        >>> str(pb.Budget(p99="5ms", size="10MB").scaled(2))
        'p99 < 10 ms, size < 10 MB'
        """
        if not (factor > 0 and math.isfinite(factor)):
            raise BudgetError(f"A budget scale must be a positive number, not {factor!r}.")
        return Budget(
            **{k: (v if k == "size" else whole_ns(v * factor)) for k, v in self.limits.items()}  # type: ignore[arg-type]
        )

    def __bool__(self) -> bool:
        return bool(self.limits)

    def __str__(self) -> str:
        return ", ".join(f"{k} < {format_limit(k, v)}" for k, v in self.limits.items())

    def to_dict(self) -> dict[str, float]:
        """A JSON-ready dict of the limits that are set (seconds, and bytes for ``size``).

        Returns
        -------
        dict of str to float

        Examples
        --------
        >>> import prodbench as pb
        >>> pb.Budget(p99="5ms").to_dict()
        {'p99': 0.005}
        """
        return self.limits


@dataclass(frozen=True)
class BudgetCheck:
    """One limit checked against one measurement.

    For a percentile, ``status`` is ``"pass"`` when the interval's upper
    bound is within the limit, ``"fail"`` when its lower bound is beyond it,
    else ``"inconclusive"``; ``confidence`` is the interval's, as used. A
    single value (cold start, size) has no interval (``low == high ==
    value``): it is a plain comparison with the limit, and says so.
    ``samples_to_decide`` is, for an inconclusive percentile, about how many
    samples would decide it were the truth as measured (None: too close to
    the limit, or decided), and ``decide_chance`` the chance they do, the
    truth unknown (:func:`decide_chance`).
    With ``n_limits`` percentile limits, ``low`` is taken at two-sided
    confidence ``1 - (1 - confidence) / n_limits``: the false-FAIL share is
    split over the limits, so a candidate meeting all of them exactly fails
    one with probability at most ``(1 - confidence) / 2``.

    Examples
    --------
    >>> import prodbench as pb
    >>> check = pb.BudgetCheck("p99", limit=0.005, value=0.0062, low=0.0059, high=0.0066,
    ...                        status="fail", n=4812)
    >>> check.describe()
    'p99 = 6.20 ms (95% CI 5.90 ms-6.60 ms, n=4,812) exceeds budget 5 ms'
    """

    key: str
    limit: float
    value: float
    low: float
    high: float
    status: str
    n: int = 0
    confidence: float = 0.95
    samples_to_decide: int | None = None
    n_limits: int = 1
    decide_chance: float | None = None
    method: str = ""

    @property
    def unit(self) -> str:
        """``"bytes"`` for size, else ``"s"``."""
        return "bytes" if self.key == "size" else "s"

    @property
    def fail_confidence(self) -> float:
        """The two-sided confidence ``low`` was taken at."""
        return 1.0 - (1.0 - self.confidence) / max(1, self.n_limits)

    @property
    def single_value(self) -> bool:
        """True for a budget on one measured value (cold start, size): no interval."""
        return self.key in ("cold_start", "size")

    def describe(self) -> str:
        """The check in one line, as the verdict's budget section prints it.

        Returns
        -------
        str
            E.g. ``'p99 = 6.21 ms (95% CI 5.94 ms-6.58 ms, n=4,812) exceeds budget 5 ms'``.

        Examples
        --------
        >>> import prodbench as pb
        >>> check = pb.BudgetCheck("size", limit=10e6, value=2e6, low=2e6, high=2e6, status="pass")
        >>> check.describe()
        'size = 2.00 MB (one measurement, compared as is) within budget 10 MB'
        """
        fmt = format_bytes if self.key == "size" else format_duration
        limit = format_limit(self.key, self.limit)
        verb = {"pass": "within", "fail": "exceeds", "inconclusive": "undecided against"}[
            self.status
        ]
        if self.single_value:
            measured = f"{fmt(self.value)} (one measurement, compared as is)"
        else:
            split = (
                ""
                if self.n_limits <= 1
                else f"; lower bound at {format_confidence(self.fail_confidence)}, the "
                f"false-FAIL share split over {self.n_limits} limits"
            )
            needed = self.samples_needed
            short = needed is not None and self.n < needed
            mark, under = (
                (UNDERSAMPLED_MARK, f", under-sampled: {needed:,} needed") if short else ("", "")
            )
            measured = (
                f"{fmt(self.value)}{mark} ({format_confidence(self.confidence)} CI "
                f"{fmt(self.low)}-{fmt(self.high)}{split}, n={self.n:,}{under}"
                f"{'; ' if self.method else ''}{self.method})"
            )
        return f"{self.key} = {measured} {verb} budget {limit}"

    @property
    def samples_needed(self) -> int | None:
        """The samples this percentile needs to be reported (the binomial minimum at 99%).

        None for a single value (cold start, size).

        Examples
        --------
        >>> BudgetCheck("p95", 0.005, 0.004, 0.0039, 0.0041, "pass", n=100).samples_needed
        130
        """
        q = None if self.single_value else percentile_of(self.key)
        if q is None:
            return None
        from .stats import required_samples

        return required_samples(q)


def _q(key: str) -> float:
    return percentile_of(key) or 0.0


def _status(low: float, high: float, limit: float) -> str:
    if high <= limit:
        return "pass"
    if low > limit:
        return "fail"
    return "inconclusive"


def check_latency(
    latency: LatencyResult,
    limits: Mapping[str, float],
    *,
    confidence: float = 0.95,
) -> dict[str, BudgetCheck]:
    """Check percentile limits (``p50``/``p90``/``p99``/``p999``) on a latency result.

    Examples
    --------
    >>> from prodbench.results import LatencyResult
    >>> lat = LatencyResult(samples_ns=[1_000_000] * 1000)
    >>> check_latency(lat, {"p99": 0.002})["p99"].status
    'pass'
    """
    import numpy as np

    from . import stats

    out = {}
    for key, limit in limits.items():
        q = percentile_value(key)
        low, high = latency.interval(q, confidence)
        if len(limits) > 1:  # split the false-FAIL share, as testing's rule does
            low = latency.interval(q, 1.0 - (1.0 - confidence) / len(limits))[0]
        status = _status(low, high, limit)
        needed = chance = None
        if status == "inconclusive" and latency.n:
            below = int(np.count_nonzero(latency.samples_ns <= limit_ns(limit)))
            alpha = (1.0 - confidence) / 2.0
            needed = stats.samples_to_decide(below, latency.n, q, alpha)
            if needed is not None:
                chance = decide_chance(below, latency.n, q, alpha, needed)
            dep = latency.dependence(q)
            if dep.dependent and needed is not None:
                # a bound over m dependent calls is the bound over m / tau samples
                needed = math.ceil(needed * dep.tau) if math.isfinite(dep.tau) else None
        out[key] = BudgetCheck(
            key,
            float(limit),
            latency.percentile(q),
            low,
            high,
            status,
            latency.n,
            confidence,
            needed,
            len(limits),
            chance,
            method=_method(latency, q),
        )
    return out


def _method(latency: LatencyResult, q: float) -> str:
    """The interval's method when it is not the order statistics (dependent calls), else ``""``."""
    method = latency.interval_method(q) if latency.n else "order statistics"
    return "" if method == "order statistics" else method


def decide_chance(n_at_or_below: int, n: int, q: float, alpha: float, m: int) -> float:
    """The chance that ``m`` samples decide a percentile against a limit, the truth unknown.

    :func:`prodbench.stats.samples_to_decide` takes the measured fraction at
    or below the limit as the truth; a percentile that sits on its limit is
    then promised a decision that never comes. This averages the chance of a
    decision (either way, one-sided bounds at ``alpha``) over what the
    ``n`` samples say the true fraction may be (its Jeffreys posterior,
    ``Beta(k + 1/2, n - k + 1/2)``), so the chance stated is the one the
    advice comes true at, over models like the one measured.

    Parameters
    ----------
    n_at_or_below, n : int
        Samples at or below the limit, and all samples.
    q : float
        Percentile in percent.
    alpha : float
        Error rate of each one-sided bound that would decide.
    m : int
        Samples of the run that would decide.

    Returns
    -------
    float
        Between 0 and 1.

    Examples
    --------
    >>> round(decide_chance(990, 1000, 99, 0.025, 1000), 2) < 0.2  # on the limit
    True
    >>> decide_chance(1000, 1000, 99, 0.025, 2000) > 0.9  # well within it
    True
    """
    import numpy as np
    from scipy import stats as sps

    from . import stats

    lo, hi = stats.one_sided_bounds(int(m), q, alpha)
    u = (np.arange(400) + 0.5) / 400
    f = sps.beta.ppf(u, n_at_or_below + 0.5, n - n_at_or_below + 0.5)
    chance = np.zeros_like(f)
    if hi is not None:  # PASS: at least hi + 1 of m at or below the limit
        chance += sps.binom.sf(hi, int(m), f)
    if lo is not None:  # FAIL: fewer than lo + 1 at or below it
        chance += sps.binom.cdf(lo, int(m), f)
    return float(np.clip(chance, 0.0, 1.0).mean())


def check_budget(result: ModelResult, budget: Budget) -> dict[str, BudgetCheck]:
    """Check every limit of ``budget`` against a :class:`ModelResult`."""
    limits = budget.limits
    checks = check_latency(
        result.latency, {k: v for k, v in limits.items() if percentile_of(k) is not None}
    )
    if "cold_start" in limits and result.latency.cold_start is not None:
        v = result.latency.cold_start
        checks["cold_start"] = BudgetCheck(
            "cold_start", limits["cold_start"], v, v, v, _status(v, v, limits["cold_start"]), 1
        )
    if "size" in limits and result.footprint is not None:
        s = float(result.footprint.size_bytes)
        checks["size"] = BudgetCheck(
            "size", limits["size"], s, s, s, _status(s, s, limits["size"]), 1
        )
    return checks


def percentile_limits(budget: Budget | str | Mapping[str, Any] | None) -> dict[str, float]:
    """The percentile limits of a budget, ``{"p99": 0.005}``; at least one is required.

    Examples
    --------
    >>> percentile_limits("p99=5ms,size=10MB")
    {'p99': 0.005}
    """
    parsed = Budget.coerce(budget)
    limits = {} if parsed is None else parsed.limits
    out = {k: float(v) for k, v in limits.items() if percentile_of(k) is not None}
    if not out:
        raise BudgetError(
            "Capacity needs a latency budget with a percentile limit, e.g. 'p99=5ms' "
            f"(p50 to p99.99); got {str(parsed) if parsed else 'none'}."
        )
    return out
