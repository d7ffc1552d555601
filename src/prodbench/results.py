"""Result types: frozen dataclasses that hold raw measurements.

Statistics (percentiles, intervals, rates) are computed when asked, from the
raw values kept here, never stored in their place. Every type has a lossless
``to_dict`` / ``from_dict``; :class:`ModelResult` adds ``to_json`` /
``from_json`` with a ``schema_version`` and a clear error for a version this
code does not know.

This module imports :mod:`prodbench.stats` (pure functions over arrays) in
addition to numpy, because intervals are computed on demand.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from . import stats
from ._fileio import atomic_path, load_json, write_json_atomic
from ._saved import (
    _shown,
    invalid,
    latency_fields,
    saved_count,
    saved_ns,
    saved_text,
    score_fields,
)
from .errors import CandidateError, SchemaError
from .memory import WorkerMemory

if TYPE_CHECKING:
    from .dependence import Dependence

__all__ = [
    "SCHEMA_VERSION",
    "BatchThroughput",
    "Footprint",
    "LatencyResult",
    "ModelResult",
    "Parity",
    "RuntimeVariant",
    "Score",
    "ThroughputResult",
    "TrainingResult",
    "atomic_path",
    "load_json",
    "migrate",
    "write_json_atomic",
]

SCHEMA_VERSION = 3
"""Version of the JSON layout written by this code; bump on every layout change.

Each older version is read through the steps in :data:`_MIGRATIONS`.
Version history: 1, the first layout; 2, an optional derived ``summary``
beside the raw samples (written by the JSON report, ignored on load); 3, a
``runtime`` key on every result (null, or a compiled variant's runtime, base,
conversion time, compiled size and parity; :class:`RuntimeVariant`).
"""


def _readonly(values: Any, dtype: Any = None) -> np.ndarray:
    array = np.array(values, dtype=dtype, copy=True)
    array.setflags(write=False)
    return array


def _median_s(times_ns: tuple[int, ...]) -> float:
    return float(np.median(np.asarray(times_ns, dtype=np.float64))) / 1e9


# --------------------------------------------------------------------------- latency
@dataclass(frozen=True, eq=False)
class LatencyResult:
    """Single-request latency: one sample per one-row prediction call.

    Parameters
    ----------
    samples_ns : array-like of int
        Raw durations in nanoseconds, in the order they were taken (warm-up
        and cold start excluded).
    cold_start_ns : int or None
        The first call after fitting (or loading), timed on its own.
    warmup : int
        Calls discarded as warm-up.
    gc_collections : int
        Garbage collections that started inside a timed call.
    stop_reason : str
        Why sampling stopped: ``"precision"``, ``"max_time"``, ``"max_samples"``.
    elapsed_s : float
        Seconds spent sampling.
    method : str
        The prediction method timed (``"predict"`` or ``"predict_proba"``).
    request_format : str
        ``"numpy"`` or ``"pandas"``: the type of each one-row request.

    Examples
    --------
    >>> lat = LatencyResult(samples_ns=[1000, 2000, 3000, 4000])
    >>> lat.p50
    2.5e-06
    >>> lat.undersampled(99)
    True
    """

    samples_ns: np.ndarray
    cold_start_ns: int | None = None
    warmup: int = 0
    gc_collections: int = 0
    stop_reason: str = "max_time"
    elapsed_s: float = 0.0
    method: str = "predict"
    request_format: str = "numpy"

    def __post_init__(self) -> None:
        object.__setattr__(self, "samples_ns", _readonly(self.samples_ns, np.int64))
        if self.samples_ns.ndim != 1:
            raise ValueError("samples_ns must be one-dimensional")

    @classmethod
    def from_raw(
        cls, raw: Any, *, method: str = "predict", request_format: str = "numpy"
    ) -> LatencyResult:
        """Build from what a :class:`prodbench.timing.LatencySampler` returned.

        ``raw`` is a :class:`prodbench.timing.RawLatency` (read by attribute,
        so this module needs no import of the timing code).

        Parameters
        ----------
        raw : prodbench.timing.RawLatency
            The sampler's raw samples and cold start.
        method : str, default "predict"
            The method that was timed.
        request_format : str, default "numpy"
            How each one-row request was passed (``"numpy"`` or ``"pandas"``).

        Returns
        -------
        LatencyResult

        Examples
        --------
        >>> from prodbench.timing import LatencySampler
        >>> raw = LatencySampler(abs, [-1, 2], max_time=0.01).run()
        >>> LatencyResult.from_raw(raw).n == raw.samples_ns.size
        True
        """
        return cls(
            samples_ns=raw.samples_ns,
            cold_start_ns=raw.cold_start_ns,
            warmup=raw.warmup,
            gc_collections=raw.gc_collections,
            stop_reason=raw.stop_reason,
            elapsed_s=raw.elapsed_s,
            method=method,
            request_format=request_format,
        )

    @cached_property
    def _sorted(self) -> np.ndarray:
        ordered = np.sort(self.samples_ns)
        ordered.setflags(write=False)
        return ordered

    @property
    def sorted_ns(self) -> np.ndarray:
        """The samples in ascending order (computed once, read-only)."""
        return self._sorted

    @property
    def n(self) -> int:
        """Number of samples."""
        return int(self.samples_ns.size)

    @property
    def cold_start(self) -> float | None:
        """The first call, in seconds."""
        return None if self.cold_start_ns is None else self.cold_start_ns / 1e9

    def percentile(self, q: float) -> float:
        """The ``q``-th percentile (0-100) in seconds; see :meth:`undersampled`.

        Linear interpolation between order statistics, kept inside the
        distribution-free interval: with very few samples the interpolated
        value can fall below the interval's lower bound (e.g. p99 of two
        samples), and the interval is what the data supports.

        Parameters
        ----------
        q : float
            The percentile, from 0 to 100 (``99`` for p99, ``99.9`` for p99.9).

        Returns
        -------
        float
            Seconds.

        Examples
        --------
        >>> import prodbench as pb
        >>> x = np.random.default_rng(0).permutation(2000) * 1000 + 1000  # 2,000 samples, shuffled
        >>> lat = pb.LatencyResult(samples_ns=x)
        >>> round(lat.percentile(50) * 1e3, 2)  # ms
        1.0
        """
        estimate = stats.percentile(self._sorted, q)
        low, high = self._interval_ns(q, 0.95)
        return min(max(estimate, low), high) / 1e9

    def dependence(self, q: float) -> Dependence:
        """The samples tested for dependence at the ``q``-th percentile, in call order.

        When a test fires, :meth:`interval` is the batch-means interval of
        :mod:`prodbench.dependence` instead of the order-statistic one.

        Parameters
        ----------
        q : float
            The percentile, from 0 to 100.

        Returns
        -------
        prodbench.dependence.Dependence

        Examples
        --------
        >>> import prodbench as pb
        >>> steady = pb.LatencyResult(samples_ns=[1000, 3000] * 1000)
        >>> steady.dependence(50).dependent
        False
        >>> moved = pb.LatencyResult(samples_ns=[1000] * 1000 + [3000] * 1000)
        >>> moved.dependence(50).dependent, moved.interval_method(50)
        (True, 'batch means over blocks of 200 calls: calls were dependent')
        """
        key = float(q)
        cache = self._dependence
        if key not in cache:
            from .dependence import check_dependence

            cache[key] = check_dependence(self.samples_ns, key)
        return cache[key]

    def interval_method(self, q: float) -> str:
        """How :meth:`interval` was computed: ``"order statistics"`` or the fallback, in words.

        Parameters
        ----------
        q : float
            The percentile, from 0 to 100.

        Returns
        -------
        str

        Examples
        --------
        >>> import prodbench as pb
        >>> pb.LatencyResult(samples_ns=[5, 1, 4, 2, 3] * 20).interval_method(99)
        'order statistics'
        """
        return self.dependence(q).method

    @cached_property
    def _dependence(self) -> dict[float, Dependence]:
        return {}

    def _interval_ns(self, q: float, confidence: float) -> tuple[float, float]:
        dep = self.dependence(q)
        if not dep.dependent:
            return stats.percentile_interval(self._sorted, q, confidence)
        from .dependence import dependent_bounds

        lo, hi = dependent_bounds(self.n, q, (1.0 - confidence) / 2.0, dep.tau)
        low = -math.inf if lo is None else float(self._sorted[lo])
        high = math.inf if hi is None else float(self._sorted[hi])
        return low, high

    def interval(self, q: float, confidence: float = 0.95) -> tuple[float, float]:
        """Distribution-free interval for the ``q``-th percentile, in seconds.

        From binomial order statistics: no assumption on the shape of the
        distribution. A side is infinite when there are too few samples to
        bound it. The samples are first tested for dependence in call order
        (:meth:`dependence`); when they are dependent the interval is the
        batch-means one instead, and :meth:`interval_method` says so.

        Parameters
        ----------
        q : float
            The percentile, from 0 to 100.
        confidence : float, default 0.95
            The interval's coverage.

        Returns
        -------
        (float, float)
            Lower and upper bounds in seconds; ``inf`` (or ``0``) for an open side.

        Examples
        --------
        >>> import prodbench as pb
        >>> x = np.random.default_rng(0).permutation(2000) * 1000 + 1000  # 2,000 samples, shuffled
        >>> lat = pb.LatencyResult(samples_ns=x)
        >>> low, high = lat.interval(99)
        >>> low < lat.p99 < high
        True
        >>> pb.LatencyResult(samples_ns=[5, 1, 4, 2, 3] * 20).interval(99)[1]  # 100 samples: open
        inf
        """
        low, high = self._interval_ns(q, confidence)
        return low / 1e9, high / 1e9

    def relative_halfwidth(self, q: float, confidence: float = 0.95) -> float:
        """Half the interval width over the estimate (``inf`` when unbounded).

        How precise a percentile is.

        Parameters
        ----------
        q : float
            The percentile, from 0 to 100.
        confidence : float, default 0.95
            The interval's coverage.

        Returns
        -------
        float
            ``0.05`` means the interval is the estimate plus or minus about 5%.

        Examples
        --------
        >>> import prodbench as pb
        >>> x = np.random.default_rng(0).permutation(2000) * 1000 + 1000  # 2,000 samples, shuffled
        >>> lat = pb.LatencyResult(samples_ns=x)
        >>> lat.relative_halfwidth(50) < 0.1
        True
        """
        if not self.n:
            return math.inf
        est = stats.percentile(self._sorted, q)
        low, high = self._interval_ns(q, confidence)
        if not (math.isfinite(low) and math.isfinite(high)) or est == 0.0:
            return math.inf
        return (high - low) / 2.0 / abs(est)

    def required(self, q: float, confidence: float = 0.99) -> int:
        """Samples needed before the ``q``-th percentile is not under-sampled.

        Parameters
        ----------
        q : float
            The percentile, from 0 to 100.
        confidence : float, default 0.99
            The confidence of MLPerf LoadGen's rule.

        Returns
        -------
        int

        Examples
        --------
        >>> import prodbench as pb
        >>> x = np.random.default_rng(0).permutation(2000) * 1000 + 1000  # 2,000 samples, shuffled
        >>> lat = pb.LatencyResult(samples_ns=x)
        >>> lat.required(99), lat.required(99.9)
        (662, 6636)
        """
        return stats.required_samples(q, confidence)

    def undersampled(self, q: float, confidence: float = 0.99) -> bool:
        """True when there are fewer samples than the ``q``-th percentile needs.

        The rule is MLPerf LoadGen's: p99 needs 662 samples at 99% confidence.

        Parameters
        ----------
        q : float
            The percentile, from 0 to 100.
        confidence : float, default 0.99
            The confidence of the rule.

        Returns
        -------
        bool

        Examples
        --------
        >>> import prodbench as pb
        >>> x = np.random.default_rng(0).permutation(2000) * 1000 + 1000  # 2,000 samples, shuffled
        >>> lat = pb.LatencyResult(samples_ns=x)
        >>> lat.undersampled(99), lat.undersampled(99.9)
        (False, True)
        """
        return self.n < stats.required_samples(q, confidence)

    @property
    def p50(self) -> float:
        """Median latency in seconds."""
        return self.percentile(50)

    @property
    def p90(self) -> float:
        """90th percentile in seconds."""
        return self.percentile(90)

    @property
    def p99(self) -> float:
        """99th percentile in seconds."""
        return self.percentile(99)

    @property
    def p999(self) -> float:
        """99.9th percentile in seconds."""
        return self.percentile(99.9)

    @property
    def mean(self) -> float:
        """Mean latency in seconds."""
        return float(self.samples_ns.mean()) / 1e9 if self.n else math.nan

    @property
    def max(self) -> float:
        """Slowest sampled call in seconds."""
        return float(self._sorted[-1]) / 1e9 if self.n else math.nan

    @property
    def min(self) -> float:
        """Fastest sampled call in seconds."""
        return float(self._sorted[0]) / 1e9 if self.n else math.nan

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (plain numbers, lists and strings), read back by :meth:`from_dict`.

        Returns
        -------
        dict

        Examples
        --------
        >>> import prodbench as pb
        >>> x = pb.LatencyResult(samples_ns=[1000, 2000, 3000, 4000])
        >>> data = x.to_dict()
        >>> pb.LatencyResult.from_dict(data) .p50 == x.p50
        True
        """
        return {
            "samples_ns": self.samples_ns.tolist(),
            "cold_start_ns": self.cold_start_ns,
            "warmup": self.warmup,
            "gc_collections": self.gc_collections,
            "stop_reason": self.stop_reason,
            "elapsed_s": self.elapsed_s,
            "method": self.method,
            "request_format": self.request_format,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LatencyResult:
        """Rebuild from a dict written by :meth:`to_dict` (the inverse).

        Parameters
        ----------
        data : Mapping
            What :meth:`to_dict` returned, possibly read back from JSON.

        Returns
        -------
        LatencyResult

        Examples
        --------
        >>> import prodbench as pb
        >>> x = pb.LatencyResult(samples_ns=[1000, 2000, 3000, 4000])
        >>> pb.LatencyResult.from_dict(x.to_dict()) .p50 == x.p50
        True
        """
        return cls(**latency_fields(data))

    def __repr__(self) -> str:
        if not self.n:
            return "LatencyResult(n=0)"
        return (
            f"LatencyResult(n={self.n}, p50={self.p50 * 1e3:.3g}ms, p99={self.p99 * 1e3:.3g}ms, "
            f"stop_reason={self.stop_reason!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LatencyResult):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]


# --------------------------------------------------------------------------- research side
@dataclass(frozen=True)
class TrainingResult:
    """Training cost: the wall time of each ``fit`` call.

    Examples
    --------
    >>> t = TrainingResult(fit_times_ns=(2_000_000_000, 1_000_000_000, 3_000_000_000), n_rows=1000)
    >>> t.fit_time, t.samples_per_second
    (2.0, 500.0)
    """

    fit_times_ns: tuple[int, ...]
    n_rows: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "fit_times_ns", tuple(int(t) for t in self.fit_times_ns))

    @property
    def n_fits(self) -> int:
        """How many times ``fit`` ran."""
        return len(self.fit_times_ns)

    @property
    def fit_time(self) -> float:
        """Median fit time in seconds."""
        return _median_s(self.fit_times_ns)

    @property
    def samples_per_second(self) -> float:
        """Training rows per second of the median fit."""
        t = self.fit_time
        return self.n_rows / t if t > 0 else math.inf

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (plain numbers, lists and strings), read back by :meth:`from_dict`.

        Returns
        -------
        dict

        Examples
        --------
        >>> import prodbench as pb
        >>> x = pb.TrainingResult(fit_times_ns=(2_000_000, 3_000_000), n_rows=1000)
        >>> data = x.to_dict()
        >>> pb.TrainingResult.from_dict(data) == x
        True
        """
        return {"fit_times_ns": list(self.fit_times_ns), "n_rows": self.n_rows}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrainingResult:
        """Rebuild from a dict written by :meth:`to_dict` (the inverse).

        Parameters
        ----------
        data : Mapping
            What :meth:`to_dict` returned, possibly read back from JSON.

        Returns
        -------
        TrainingResult

        Examples
        --------
        >>> import prodbench as pb
        >>> x = pb.TrainingResult(fit_times_ns=(2_000_000, 3_000_000), n_rows=1000)
        >>> pb.TrainingResult.from_dict(x.to_dict()) == x
        True
        """
        fits = tuple(saved_ns(data["fit_times_ns"], "training.fit_times_ns").tolist())
        if not fits:  # a result without fits saves training as null
            raise invalid("training.fit_times_ns", [], "at least one fit time")
        return cls(
            fit_times_ns=fits, n_rows=saved_count(data["n_rows"], "training.n_rows", least=1)
        )


@dataclass(frozen=True)
class BatchThroughput:
    """Bulk prediction at one batch size: the time of each repeated call.

    Examples
    --------
    >>> BatchThroughput(batch_size=100, times_ns=(1_000_000,)).rows_per_second
    100000.0
    """

    batch_size: int
    times_ns: tuple[int, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "times_ns", tuple(int(t) for t in self.times_ns))

    @property
    def time(self) -> float:
        """Median seconds per call."""
        return _median_s(self.times_ns)

    @property
    def rows_per_second(self) -> float:
        """Rows per second at the median call time."""
        t = self.time
        return self.batch_size / t if t > 0 else math.inf

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (plain numbers, lists and strings), read back by :meth:`from_dict`.

        Returns
        -------
        dict

        Examples
        --------
        >>> import prodbench as pb
        >>> x = pb.BatchThroughput(batch_size=100, times_ns=(1_000_000, 1_200_000))
        >>> data = x.to_dict()
        >>> pb.BatchThroughput.from_dict(data) == x
        True
        """
        return {"batch_size": self.batch_size, "times_ns": list(self.times_ns)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BatchThroughput:
        """Rebuild from a dict written by :meth:`to_dict` (the inverse).

        Parameters
        ----------
        data : Mapping
            What :meth:`to_dict` returned, possibly read back from JSON.

        Returns
        -------
        BatchThroughput

        Examples
        --------
        >>> import prodbench as pb
        >>> x = pb.BatchThroughput(batch_size=100, times_ns=(1_000_000, 1_200_000))
        >>> pb.BatchThroughput.from_dict(x.to_dict()) == x
        True
        """
        return cls(
            batch_size=saved_count(data["batch_size"], "throughput batch_size", least=1),
            times_ns=tuple(saved_ns(data["times_ns"], "throughput times_ns").tolist()),
        )


@dataclass(frozen=True)
class ThroughputResult:
    """Bulk prediction throughput over several batch sizes.

    Examples
    --------
    >>> tp = ThroughputResult((BatchThroughput(1, (1000,)), BatchThroughput(10, (2000,))))
    >>> tp.largest.batch_size, tp.rows_per_second[10]
    (10, 5000000.0)
    """

    batches: tuple[BatchThroughput, ...]

    @property
    def rows_per_second(self) -> dict[int, float]:
        """Batch size -> rows per second."""
        return {b.batch_size: b.rows_per_second for b in self.batches}

    @property
    def largest(self) -> BatchThroughput:
        """The measurement at the largest batch size."""
        return max(self.batches, key=lambda b: b.batch_size)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (plain numbers, lists and strings), read back by :meth:`from_dict`.

        Returns
        -------
        dict

        Examples
        --------
        >>> import prodbench as pb
        >>> x = pb.ThroughputResult((pb.BatchThroughput(1, (1000,)),
        ...                          pb.BatchThroughput(10, (2000,))))
        >>> data = x.to_dict()
        >>> pb.ThroughputResult.from_dict(data) == x
        True
        """
        return {"batches": [b.to_dict() for b in self.batches]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ThroughputResult:
        """Rebuild from a dict written by :meth:`to_dict` (the inverse).

        Parameters
        ----------
        data : Mapping
            What :meth:`to_dict` returned, possibly read back from JSON.

        Returns
        -------
        ThroughputResult

        Examples
        --------
        >>> import prodbench as pb
        >>> x = pb.ThroughputResult((pb.BatchThroughput(1, (1000,)),
        ...                          pb.BatchThroughput(10, (2000,))))
        >>> pb.ThroughputResult.from_dict(x.to_dict()) == x
        True
        """
        return cls(tuple(BatchThroughput.from_dict(b) for b in data["batches"]))


@dataclass(frozen=True)
class Footprint:
    """Model size serialized with joblib, and the time to load it back.

    Examples
    --------
    >>> Footprint(size_bytes=2048, load_time_ns=1_500_000).load_time
    0.0015
    """

    size_bytes: int
    load_time_ns: int

    @property
    def load_time(self) -> float:
        """Seconds to ``joblib.load`` the model."""
        return self.load_time_ns / 1e9

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (plain numbers, lists and strings), read back by :meth:`from_dict`.

        Returns
        -------
        dict

        Examples
        --------
        >>> import prodbench as pb
        >>> x = pb.Footprint(size_bytes=2048, load_time_ns=1_500_000)
        >>> data = x.to_dict()
        >>> pb.Footprint.from_dict(data) == x
        True
        """
        return {"size_bytes": self.size_bytes, "load_time_ns": self.load_time_ns}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Footprint:
        """Rebuild from a dict written by :meth:`to_dict` (the inverse).

        Parameters
        ----------
        data : Mapping
            What :meth:`to_dict` returned, possibly read back from JSON.

        Returns
        -------
        Footprint

        Examples
        --------
        >>> import prodbench as pb
        >>> x = pb.Footprint(size_bytes=2048, load_time_ns=1_500_000)
        >>> pb.Footprint.from_dict(x.to_dict()) == x
        True
        """
        return cls(
            size_bytes=saved_count(data["size_bytes"], "footprint.size_bytes"),
            load_time_ns=saved_count(data["load_time_ns"], "footprint.load_time_ns"),
        )


@dataclass(frozen=True, eq=False)
class Score:
    """The test score, with the per-row outcome kept for paired comparisons.

    Parameters
    ----------
    name : str
        Scorer name (``"accuracy"``, ``"r2"``, ...; see :data:`prodbench.stats.SCORERS`).
    value : float
        The score on the test rows.
    y_true, y_pred : array-like
        The test target and the model's predictions, row by row.
    rows_digest : str
        A digest of the test target; two scores can be paired only when equal.
    terms : array-like, optional
        Per-row terms whose mean is the score, for scores that need the
        probabilities (log loss, Brier); recomputed from ``y_pred`` otherwise.
    replicates : array-like, optional
        The score on the fixed bootstrap resamples of the rows
        (:func:`prodbench.scoring.resample_rows`), for scores that are not a
        mean of per-row terms (F1, ROC AUC, ...): paired tests difference them.

    Examples
    --------
    >>> s = Score("accuracy", 0.75, y_true=[0, 1, 1, 0], y_pred=[0, 1, 0, 0])
    >>> s.correct.tolist()
    [True, True, False, True]
    """

    name: str
    value: float
    y_true: np.ndarray
    y_pred: np.ndarray
    rows_digest: str = ""
    terms: np.ndarray | None = None
    replicates: np.ndarray | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "y_true", _readonly(self.y_true))
        object.__setattr__(self, "y_pred", _readonly(self.y_pred))
        for key in ("terms", "replicates"):
            if getattr(self, key) is not None:
                object.__setattr__(self, key, _readonly(np.asarray(getattr(self, key), float)))

    @property
    def n(self) -> int:
        """Number of test rows."""
        return int(self.y_true.size)

    @property
    def greater_is_better(self) -> bool:
        """Whether a higher value is better for this scorer."""
        return stats.SCORERS[self.name].greater_is_better if self.name in stats.SCORERS else True

    @property
    def correct(self) -> np.ndarray:
        """Per-row correctness (classification)."""
        return np.asarray(self.y_true == self.y_pred)

    def contributions(self) -> np.ndarray:
        """Per-row values whose mean is the score (1 or 0 a row for accuracy).

        The paired tests against the baseline resample these rows.

        Returns
        -------
        numpy.ndarray
            One value per test row.

        Examples
        --------
        >>> import prodbench as pb
        >>> s = pb.Score("accuracy", 0.75, y_true=[0, 1, 1, 0], y_pred=[0, 1, 0, 0])
        >>> s.contributions().tolist()
        [1.0, 1.0, 0.0, 1.0]
        """
        if self.terms is not None:
            return np.asarray(self.terms, dtype=np.float64)
        if self.replicates is not None:
            raise CandidateError(
                f"{self.name} is not a mean of per-row terms, so it has no per-row "
                "contributions; paired tests use its bootstrap replicates instead."
            )
        return stats.row_contributions(self.name, self.y_true, self.y_pred)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (plain numbers, lists and strings), read back by :meth:`from_dict`.

        Returns
        -------
        dict

        Examples
        --------
        >>> import prodbench as pb
        >>> x = pb.Score("accuracy", 0.75, y_true=[0, 1, 1, 0], y_pred=[0, 1, 0, 0])
        >>> data = x.to_dict()
        >>> pb.Score.from_dict(data) .correct.tolist()
        [True, True, False, True]
        """
        return {
            "name": self.name,
            "value": self.value,
            "y_true": self.y_true.tolist(),
            "y_pred": self.y_pred.tolist(),
            "rows_digest": self.rows_digest,
            **{
                key: getattr(self, key).tolist()
                for key in ("terms", "replicates")
                if getattr(self, key) is not None
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Score:
        """Rebuild from a dict written by :meth:`to_dict` (the inverse).

        Parameters
        ----------
        data : Mapping
            What :meth:`to_dict` returned, possibly read back from JSON.

        Returns
        -------
        Score

        Examples
        --------
        >>> import prodbench as pb
        >>> x = pb.Score("accuracy", 0.75, y_true=[0, 1, 1, 0], y_pred=[0, 1, 0, 0])
        >>> pb.Score.from_dict(x.to_dict()) .correct.tolist()
        [True, True, False, True]
        """
        return cls(**score_fields(data))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Score):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]


# --------------------------------------------------------------------------- compiled runtimes
PARITY_TOLERANCE = 1e-4
"""Largest absolute difference of probabilities (or regression values) that still agrees."""


@dataclass(frozen=True)
class Parity:
    """How closely a compiled model predicts what the original predicts.

    Parameters
    ----------
    n : int
        Rows compared.
    n_differ : int
        Rows whose label differs (classification) or whose value differs
        beyond the tolerance (regression).
    max_abs_diff : float or None
        Largest absolute difference of probabilities (classification, None
        when either side has no ``predict_proba``) or of predicted values
        (regression).
    task : str
        ``"classification"`` or ``"regression"``.
    tolerance : float
        :data:`PARITY_TOLERANCE`.

    Notes
    -----
    Labels agree when at least 99.9% of rows agree; on fewer than 1,000 rows
    at most one row may differ. Probabilities agree when no probability moves
    by more than ``tolerance`` (float32 arithmetic). A regression value agrees
    within ``tolerance``, absolute or relative, and regression parity asks the
    same share of rows to agree.

    Examples
    --------
    >>> p = Parity(n=500, n_differ=1, max_abs_diff=2e-7)
    >>> p.agreement, p.ok
    (0.998, True)
    >>> Parity(n=500, n_differ=2, max_abs_diff=0.0).ok
    False
    """

    n: int
    n_differ: int
    max_abs_diff: float | None
    task: str = "classification"
    tolerance: float = PARITY_TOLERANCE

    @property
    def agreement(self) -> float:
        """Share of rows that agree (1.0: all)."""
        return 1.0 - self.n_differ / self.n if self.n else 1.0

    @property
    def labels_ok(self) -> bool:
        """At least 99.9% of rows agree (at most one row on fewer than 1,000)."""
        return self.n_differ <= 1 or self.n_differ * 1000 <= self.n

    @property
    def values_ok(self) -> bool:
        """Probabilities within tolerance (always True for regression and without them)."""
        if self.task != "classification" or self.max_abs_diff is None:
            return True
        return self.max_abs_diff <= self.tolerance

    @property
    def ok(self) -> bool:
        """Labels and probabilities both agree."""
        return self.labels_ok and self.values_ok

    def describe(self) -> str:
        """One phrase, e.g. ``'parity ok: 100.0% labels agree (0 of 450 differ), ...'``."""
        what = "labels" if self.task == "classification" else "values"
        text = f"{100 * self.agreement:.1f}% {what} agree ({self.n_differ} of {self.n} differ)"
        if self.max_abs_diff is not None:
            text += f", max |diff| {self.max_abs_diff:.2g}"
        return ("parity ok: " if self.ok else "PARITY FAILED: ") + text

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "n": self.n,
            "n_differ": self.n_differ,
            "max_abs_diff": self.max_abs_diff,
            "task": self.task,
            "tolerance": self.tolerance,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Parity:
        """Inverse of :meth:`to_dict`."""
        diff = data.get("max_abs_diff")
        return cls(
            n=saved_count(data["n"], "runtime.parity.n"),
            n_differ=saved_count(data["n_differ"], "runtime.parity.n_differ"),
            max_abs_diff=None if diff is None else float(diff),
            task=str(data.get("task", "classification")),
            tolerance=float(data.get("tolerance", PARITY_TOLERANCE)),
        )


@dataclass(frozen=True)
class RuntimeVariant:
    """A candidate compiled for a faster runtime from another candidate's fitted model.

    Parameters
    ----------
    runtime : str
        ``"onnx"`` or ``"treelite"``.
    base : str
        The candidate whose fitted model was compiled (``ensemble`` for ``ensemble@onnx``).
    conversion_time_ns : int
        The conversion's duration (research priority: part of the cost of training).
    size_bytes : int
        Bytes of the compiled model's serialized form.
    parity : Parity
        The compiled model against the base's fitted model, on the test rows.
    details : dict
        The adapter's ``runtime_info``: threads, converter and engine versions,
        the runtime of each member of a voting ensemble.

    Examples
    --------
    >>> v = RuntimeVariant("onnx", "ensemble", 2_000_000, 4096, Parity(450, 0, 3e-7))
    >>> v.conversion_time, v.parity.ok
    (0.002, True)
    """

    runtime: str
    base: str
    conversion_time_ns: int
    size_bytes: int
    parity: Parity
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def conversion_time(self) -> float:
        """Seconds the conversion took."""
        return self.conversion_time_ns / 1e9

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "runtime": self.runtime,
            "base": self.base,
            "conversion_time_ns": self.conversion_time_ns,
            "size_bytes": self.size_bytes,
            "parity": self.parity.to_dict(),
            "details": self.details,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RuntimeVariant:
        """Inverse of :meth:`to_dict`."""
        return cls(
            runtime=str(data["runtime"]),
            base=str(data["base"]),
            conversion_time_ns=saved_count(
                data["conversion_time_ns"], "runtime.conversion_time_ns"
            ),
            size_bytes=saved_count(data["size_bytes"], "runtime.size_bytes"),
            parity=Parity.from_dict(data["parity"]),
            details=dict(data.get("details", {})),
        )


# --------------------------------------------------------------------------- one model
@dataclass(frozen=True)
class ModelResult:
    """Everything measured for one model, on both priorities.

    Research priority: :attr:`training`, :attr:`throughput`, :attr:`score`.
    Production priority: :attr:`latency`, :attr:`footprint`, :attr:`memory`
    (resident memory of the process it was measured in; None in files from
    before it was recorded, or without psutil).

    Examples
    --------
    >>> import prodbench as pb
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = load_iris(return_X_y=True)
    >>> r = pb.measure(LogisticRegression(max_iter=500), X, y, max_time=0.2)
    >>> r.name, r.score.name
    ('LogisticRegression', 'accuracy')
    """

    name: str
    estimator: str
    task: str
    score: Score
    latency: LatencyResult
    throughput: ThroughputResult
    training: TrainingResult | None = None
    footprint: Footprint | None = None
    environment: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    runtime: RuntimeVariant | None = None
    memory: WorkerMemory | None = None

    @property
    def interrupted(self) -> bool:
        """True for a partial result kept after Ctrl-C (``options["interrupted"]``).

        Its phases are the ones finished before the interrupt and its latency
        samples the ones taken so far; it has no footprint.

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.naive_bayes import GaussianNB
        >>> X, y = load_iris(return_X_y=True)
        >>> pb.measure(GaussianNB(), X, y, max_time=0.2, batch_sizes=(1,)).interrupted
        False
        """
        return bool(self.options.get("interrupted", False))

    @property
    def parity_ok(self) -> bool:
        """False only for a compiled variant whose predictions differ from its base's.

        Such a variant is never a production pick.
        """
        return self.runtime is None or self.runtime.parity.ok

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with the raw samples and ``schema_version``.

        Read back by :meth:`from_dict`.

        Returns
        -------
        dict

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.naive_bayes import GaussianNB
        >>> X, y = load_iris(return_X_y=True)
        >>> r = pb.measure(GaussianNB(), X, y, max_time=0.3, batch_sizes=(1,))
        >>> data = r.to_dict()
        >>> data["kind"], data["name"]
        ('ModelResult', 'GaussianNB')
        """
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "ModelResult",
            "name": self.name,
            "estimator": self.estimator,
            "task": self.task,
            "score": self.score.to_dict(),
            "latency": self.latency.to_dict(),
            "throughput": self.throughput.to_dict(),
            "training": None if self.training is None else self.training.to_dict(),
            "footprint": None if self.footprint is None else self.footprint.to_dict(),
            "environment": self.environment,
            "options": self.options,
            "notes": list(self.notes),
            "runtime": None if self.runtime is None else self.runtime.to_dict(),
            "memory": None if self.memory is None else self.memory.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelResult:
        """Rebuild from :meth:`to_dict`'s dict (migrating an older ``schema_version``).

        Parameters
        ----------
        data : Mapping
            A saved ModelResult, as :meth:`to_dict` wrote it.

        Returns
        -------
        ModelResult

        Raises
        ------
        SchemaError
            For something that is not a saved ModelResult, or a newer version.

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.naive_bayes import GaussianNB
        >>> X, y = load_iris(return_X_y=True)
        >>> r = pb.measure(GaussianNB(), X, y, max_time=0.3, batch_sizes=(1,))
        >>> pb.ModelResult.from_dict(r.to_dict()).latency.n == r.latency.n
        True
        """
        data = check_schema(data, "ModelResult")
        samples = data.get("latency", {}).get("samples_ns") if isinstance(data, Mapping) else None
        if isinstance(samples, list) and not samples:
            raise invalid(
                "latency.samples_ns", samples, "at least one sample (a measured result has one)"
            )
        try:
            return cls(
                name=saved_text(data["name"], "result name"),
                estimator=saved_text(data["estimator"], "estimator"),
                task=saved_text(data["task"], "task"),
                score=Score.from_dict(data["score"]),
                latency=LatencyResult.from_dict(data["latency"]),
                throughput=ThroughputResult.from_dict(data["throughput"]),
                training=None
                if data.get("training") is None
                else TrainingResult.from_dict(data["training"]),
                footprint=None
                if data.get("footprint") is None
                else Footprint.from_dict(data["footprint"]),
                environment=dict(data.get("environment", {})),
                options=dict(data.get("options", {})),
                notes=tuple(data.get("notes", ())),
                runtime=None
                if data.get("runtime") is None
                else RuntimeVariant.from_dict(data["runtime"]),
                memory=None
                if data.get("memory") is None
                else WorkerMemory.from_dict(data["memory"]),
            )
        except SchemaError as exc:
            name = data.get("name")
            if isinstance(name, str) and str(exc).startswith("The saved "):
                raise SchemaError(f"In the result of {_shown(name)}: {exc}") from exc
            raise
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            raise SchemaError(
                f"The saved result is incomplete or malformed ({type(exc).__name__}: {exc}). "
                "Re-run the measurement and save it again."
            ) from exc

    def to_json(self, path: str | os.PathLike[str]) -> None:
        """Write :meth:`to_dict` to ``path`` atomically (temp file, then rename).

        Parameters
        ----------
        path : str or os.PathLike
            The JSON file to write (replaced if it exists).

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.naive_bayes import GaussianNB
        >>> X, y = load_iris(return_X_y=True)
        >>> r = pb.measure(GaussianNB(), X, y, max_time=0.3, batch_sizes=(1,))
        >>> r.to_json("result.json")
        >>> pb.ModelResult.from_json("result.json").name
        'GaussianNB'
        """
        write_json_atomic(path, self.to_dict())

    @classmethod
    def from_json(cls, path: str | os.PathLike[str]) -> ModelResult:
        """Read a file written by :meth:`to_json` (or ``python -m prodbench ... --output``).

        Parameters
        ----------
        path : str or os.PathLike
            The JSON file.

        Returns
        -------
        ModelResult

        Raises
        ------
        SchemaError
            For a file that is not a saved ModelResult.

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.naive_bayes import GaussianNB
        >>> X, y = load_iris(return_X_y=True)
        >>> r = pb.measure(GaussianNB(), X, y, max_time=0.3, batch_sizes=(1,))
        >>> r.to_json("result.json")
        >>> pb.ModelResult.from_json("result.json").latency.n == r.latency.n
        True
        """
        return cls.from_dict(load_json(path))

    def summary(self) -> str:
        """A few lines of text: score, training, throughput, latency, size.

        Returns
        -------
        str

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.naive_bayes import GaussianNB
        >>> X, y = load_iris(return_X_y=True)
        >>> r = pb.measure(GaussianNB(), X, y, max_time=0.3, batch_sizes=(1,))
        >>> print(r.summary())  # doctest: +ELLIPSIS
        GaussianNB...p99...
        """
        from . import report

        return report.render(self, "table")

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        lat = self.latency
        return (
            f"ModelResult(name={self.name!r}, {self.score.name}={self.score.value:.4f}, "
            f"p50={lat.p50 * 1e3:.3g}ms, p99={lat.p99 * 1e3:.3g}ms, n={lat.n})"
        )

    def _repr_html_(self) -> str:
        from . import report

        return report.render(self, "html")

    def capacity(
        self,
        budget: Any,
        workers: int | tuple[int, ...] = 1,
        qps: float | None = None,
        **kwargs: Any,
    ) -> Any:
        """Max QPS within ``budget`` per worker count, simulated from the measured latencies.

        One call to :func:`prodbench.serving.candidate_capacity`.

        Parameters
        ----------
        budget : Budget, str or dict
            The percentile limits to stay within (``"p99=5ms"``).
        workers : int or tuple of int, default 1
            Worker counts sharing one FIFO queue.
        qps : float, optional
            A target rate: the workers needed for it (``cap.target``).
        **kwargs
            ``random_state``, ``replicates`` and ``requests`` of the simulation.

        Returns
        -------
        prodbench.serving_results.CandidateCapacity
            ``cap.qps``, ``cap.interval``, ``cap.utilization``, ``cap[workers]``,
            and ``cap.target`` when ``qps`` is given.

        Raises
        ------
        BudgetError
            When ``budget`` has no percentile limit.

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.naive_bayes import GaussianNB
        >>> X, y = load_iris(return_X_y=True)
        >>> r = pb.measure(GaussianNB(), X, y, max_time=0.3, batch_sizes=(1,))
        >>> cap = r.capacity("p99=50ms", workers=(1, 2), replicates=2, requests=2000)
        >>> cap[2].qps >= cap[1].qps > 0
        True
        """
        from . import serving

        return serving.result_capacity(self, budget, workers, qps, **kwargs)

    def plot(self, **kwargs: Any) -> Any:
        """Plot this result's latency spectrum (needs the ``plot`` extra).

        One call to :func:`prodbench.plot.plot_result`: latency (log, in ms) at
        every percentile on a ``1/(1-p)`` axis, with the 95% interval as a band and
        the under-sampled tail dashed.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Draw into these axes instead of a new figure.
        figsize : (float, float), optional
            Size of a new figure in inches.

        Returns
        -------
        matplotlib.figure.Figure

        Raises
        ------
        MissingDependencyError
            When matplotlib is not installed (``pip install "prodbench[plot]"``).

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.naive_bayes import GaussianNB
        >>> X, y = load_iris(return_X_y=True)
        >>> r = pb.measure(GaussianNB(), X, y, max_time=0.3, batch_sizes=(1,))
        >>> fig = r.plot()
        >>> fig.axes[0].get_title()
        'GaussianNB: single-request latency'
        """
        from . import plot

        return plot.plot_result(self, **kwargs)


def check_schema(data: Any, kind: str) -> dict[str, Any]:
    """Check that ``data`` is a saved ``kind`` and return it migrated to :data:`SCHEMA_VERSION`.

    Raises :class:`SchemaError` for something that is not a saved prodbench
    object, a ``kind`` mismatch, or a version this code cannot read (newer
    than :data:`SCHEMA_VERSION`, or not a known older one).

    Examples
    --------
    >>> data = check_schema({"schema_version": 1, "kind": "ModelResult"}, "ModelResult")
    >>> data["schema_version"] == SCHEMA_VERSION
    True
    """
    if not isinstance(data, Mapping):
        raise SchemaError(
            f"Expected a saved prodbench {kind} (a JSON object), found {type(data).__name__}. "
            "Pass a file written by prodbench's to_json or --output."
        )
    version = data.get("schema_version")
    if (
        not isinstance(version, int)
        or isinstance(version, bool)
        or not (min(_MIGRATIONS, default=SCHEMA_VERSION) <= version <= SCHEMA_VERSION)
    ):
        newer = isinstance(version, int) and version > SCHEMA_VERSION
        raise SchemaError(
            f"This file has schema_version {version!r}, but this prodbench "
            f"reads versions {min(_MIGRATIONS, default=SCHEMA_VERSION)} to {SCHEMA_VERSION}. "
            + (
                "A newer prodbench wrote it: upgrade prodbench (pip install -U prodbench) "
                "to read it."
                if newer
                else "Re-run the measurement with this version, or read the file with the "
                "prodbench version that wrote it."
            )
        )
    found = data.get("kind")
    if found != kind:
        raise SchemaError(
            f"This file holds a prodbench {found!r}, not a {kind!r}. "
            f"Load it with {found}.from_json instead."
        )
    return migrate(data)


def migrate(data: Mapping[str, Any]) -> dict[str, Any]:
    """Bring a saved document of any known version up to :data:`SCHEMA_VERSION`, step by step.

    ``_MIGRATIONS[v]`` turns a version ``v`` document into a version ``v + 1``
    one; a comparison's nested results are migrated on their own first (each
    carries its own ``schema_version``). The input is not modified.

    Examples
    --------
    >>> migrate({"schema_version": 1, "kind": "ModelResult"})["schema_version"] == SCHEMA_VERSION
    True
    """
    doc = dict(data)
    if doc.get("kind") == "Comparison" and isinstance(doc.get("results"), Mapping):
        doc["results"] = {
            name: migrate(r) if isinstance(r, Mapping) and "schema_version" in r else r
            for name, r in doc["results"].items()
        }
    version = doc.get("schema_version")
    if not isinstance(version, int):
        return doc
    while version < SCHEMA_VERSION:
        doc = _MIGRATIONS[version](doc)
        version += 1
        doc["schema_version"] = version
    return doc


def _v1_to_v2(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 2 adds an optional, derived ``summary`` (ignored on load): nothing to change."""
    return doc


def _v2_to_v3(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 3 adds ``runtime`` to each result: before it, every result ran on its own model."""
    if doc.get("kind") == "ModelResult":
        doc.setdefault("runtime", None)
    return doc


#: One step per layout change: ``_MIGRATIONS[v]`` turns a version-``v`` document
#: (a ModelResult or a Comparison, see ``doc["kind"]``) into a version ``v + 1`` one.
#: To change the layout: bump SCHEMA_VERSION, add the step here, commit a saved
#: file of the old version under tests/data/ (CONTRIBUTING.md, "Changing the JSON layout").
_MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {
    1: _v1_to_v2,
    2: _v2_to_v3,
}
