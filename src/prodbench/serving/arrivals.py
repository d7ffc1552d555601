"""Arrival processes of the serving simulation: Poisson, gamma (bursty) and replayed traces.

An arrival specification is one of

- ``"poisson"`` (the default): exponential inter-arrival times;
- ``"gamma:cv=3"``: gamma inter-arrival times with that coefficient of
  variation (``cv > 1`` is burstier than Poisson, ``cv = 1`` *is* Poisson,
  ``cv < 1`` more regular; ``cv=0`` gives deterministic arrivals);
- an array of arrival timestamps (seconds), or the path of a CSV file of
  them, one per line (a header line that is not a number is skipped).

A trace is replayed from its inter-arrival gaps: at its own rate when no
rate is asked for, else rescaled so its mean rate is the one asked for
(the shape of its bursts is kept). A trace shorter than the requests
simulated is repeated, gap sequence after gap sequence.

:func:`arrival_offsets` draws the arrival times as an array, so the real
load test can replay exactly the process the simulation assumes.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import DataError, SpecError

__all__ = ["Arrivals", "arrival_offsets", "parse_arrivals"]


def _check_qps(qps: float, name: str = "qps") -> float:
    if isinstance(qps, bool) or not isinstance(qps, (int, float, np.floating, np.integer)):
        raise SpecError(f"{name} must be a number of requests per second, not {qps!r}.")
    value = float(qps)
    if not (value > 0 and math.isfinite(value)):
        raise SpecError(f"{name} must be a positive, finite request rate, e.g. 500; got {qps!r}.")
    return value


def _check_requests(requests: Any, name: str = "requests") -> int:
    if isinstance(requests, bool) or not isinstance(requests, (int, np.integer)) or requests < 1:
        raise SpecError(f"{name} must be a positive whole number, e.g. 100000; got {requests!r}.")
    return int(requests)


_FORMS = (
    'arrivals is "poisson" (the default), "gamma:cv=3" (gamma inter-arrival times with that '
    "coefficient of variation), an array of arrival timestamps in seconds, or the path of a "
    "CSV file of them (one per line)"
)


@dataclass(frozen=True)
class Arrivals:
    """A parsed arrival process (see :func:`parse_arrivals`).

    Parameters
    ----------
    kind : str
        ``"poisson"``, ``"gamma"`` or ``"trace"``.
    cv : float
        Coefficient of variation of the inter-arrival times (1 for Poisson;
        of the trace's gaps for a trace).
    gaps : numpy.ndarray or None
        A trace's inter-arrival gaps in seconds (None otherwise).
    source : str
        How it was given, for messages and saved results.

    Examples
    --------
    >>> parse_arrivals("gamma:cv=3").cv
    3.0
    """

    kind: str
    cv: float = 1.0
    gaps: np.ndarray | None = None
    source: str = "poisson"

    @property
    def is_poisson(self) -> bool:
        """True for Poisson arrivals (what every simulation assumed before arrivals existed)."""
        return self.kind == "poisson"

    @property
    def rate(self) -> float | None:
        """A trace's own mean rate (requests per second); None for a drawn process."""
        if self.gaps is None:
            return None
        return float(1.0 / self.gaps.mean())

    def unit_gaps(self, rng: np.random.Generator, size: Any) -> np.ndarray:
        """Inter-arrival gaps of mean 1 (rate 1), of shape ``size``.

        Poisson gaps come from ``rng.exponential(1.0, size)``, the draw every
        simulation made before arrivals could be chosen, so the default
        keeps its numbers seed for seed.
        """
        if self.kind == "poisson":
            return rng.exponential(1.0, size)
        if self.kind == "gamma":
            if self.cv == 0:
                return np.ones(size)
            shape = 1.0 / self.cv**2
            return rng.gamma(shape, 1.0 / shape, size)
        assert self.gaps is not None
        unit = self.gaps / self.gaps.mean()
        dims = (size,) if isinstance(size, (int, np.integer)) else tuple(size)
        per = dims[-1]
        rows = int(np.prod(dims[:-1], dtype=np.int64)) if len(dims) > 1 else 1
        out = np.empty((rows, per))
        for r in range(rows):
            # each lane starts at its own random place in the trace (same rng, reproducible)
            start = int(rng.integers(0, unit.size))
            idx = (start + np.arange(per)) % unit.size
            out[r] = unit[idx]
        return out.reshape(dims)


def _read_trace(path: str) -> np.ndarray:
    from .._fileio import input_file

    input_file(path, "arrivals")
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(
            f"Cannot read the arrivals file {path!r}: {exc}. Pass a CSV file of arrival "
            "timestamps in seconds, one per line."
        ) from None
    values = []
    for number, line in enumerate(lines, 1):
        text = line.split(",")[0].strip()
        if not text:
            continue
        try:
            values.append(float(text))
        except ValueError:
            if number == 1 and not values:
                continue  # a header
            raise DataError(
                f"Line {number} of the arrivals file {path!r} is {line[:40]!r}, not a "
                "timestamp. The file holds arrival timestamps in seconds, one per line."
            ) from None
    return np.asarray(values, dtype=np.float64)


def _trace(times: np.ndarray, source: str) -> Arrivals:
    times = np.asarray(times, dtype=np.float64).ravel()
    if times.size < 3:
        raise DataError(
            f"The arrival trace {source} has {times.size} timestamp(s); a replay needs at "
            "least 3 (two gaps and more). Pass a longer request log."
        )
    if not np.all(np.isfinite(times)):
        raise DataError(f"The arrival trace {source} has non-finite timestamps; remove them.")
    gaps = np.diff(np.sort(times))
    if float(gaps.sum()) <= 0:
        raise DataError(
            f"Every timestamp of the arrival trace {source} is the same; there is no rate to "
            "replay. Pass timestamps in seconds that span some time."
        )
    cv = float(gaps.std() / gaps.mean())
    return Arrivals("trace", cv=cv, gaps=gaps, source=source)


def parse_arrivals(arrivals: Any = "poisson") -> Arrivals:
    """Read an arrival specification: ``"poisson"``, ``"gamma:cv=X"``, timestamps or a CSV path.

    Parameters
    ----------
    arrivals : str, path, array-like or Arrivals, default "poisson"
        See the module documentation.

    Returns
    -------
    Arrivals

    Raises
    ------
    SpecError
        For a string that is none of the forms (or a gamma cv that is not a
        finite number >= 0).
    DataError
        For a trace that cannot be read or has fewer than 3 timestamps.

    Examples
    --------
    >>> parse_arrivals("poisson").is_poisson
    True
    >>> parse_arrivals([0.0, 0.001, 0.003, 0.004]).rate
    750.0
    """
    if isinstance(arrivals, Arrivals):
        return arrivals
    if arrivals is None:
        return Arrivals("poisson")
    if isinstance(arrivals, os.PathLike):
        arrivals = os.fspath(arrivals)
    if isinstance(arrivals, str):
        text = arrivals.strip()
        low = text.lower()
        if low in ("poisson", "exponential", "exp"):
            return Arrivals("poisson")
        if low.startswith("gamma"):
            rest = low[len("gamma") :].lstrip(":").strip()
            key, _, value = rest.partition("=")
            try:
                cv = float(value) if key.strip() == "cv" else math.nan
            except ValueError:
                cv = math.nan
            if not (math.isfinite(cv) and cv >= 0):
                raise SpecError(
                    f"arrivals {arrivals!r}: a gamma process is written gamma:cv=X with X the "
                    "coefficient of variation of the inter-arrival times, a number >= 0 "
                    "(1 is Poisson, 3 is bursty), e.g. gamma:cv=3."
                )
            return Arrivals("gamma", cv=cv, source=f"gamma:cv={cv:g}")
        if os.path.exists(text):
            return _trace(_read_trace(text), repr(text))
        if text.lower().endswith((".csv", ".txt")) or os.sep in text:
            raise DataError(
                f"The arrivals file {text!r} does not exist. Pass the path of a CSV file of "
                "arrival timestamps in seconds, one per line."
            )
        raise SpecError(f"arrivals {arrivals!r} is not understood: {_FORMS}.")
    if isinstance(arrivals, (bytes, bool, int, float)):
        raise SpecError(f"arrivals {arrivals!r} is not understood: {_FORMS}.")
    try:
        times = np.asarray(arrivals, dtype=np.float64)
    except (TypeError, ValueError):
        raise SpecError(f"arrivals of type {type(arrivals).__name__}: {_FORMS}.") from None
    return _trace(times, f"({times.size:,} timestamps)")


def arrival_offsets(
    arrivals: Any,
    requests: int,
    qps: float | None = None,
    random_state: int | np.random.Generator | None = 0,
) -> np.ndarray:
    """Arrival times (seconds from the start) of ``requests`` requests of a process.

    Parameters
    ----------
    arrivals : str, path, array-like or Arrivals
        The process (see :func:`parse_arrivals`).
    requests : int
        How many arrival times.
    qps : float, optional
        Mean rate. Required for a drawn process; a trace is replayed at its
        own rate without it and rescaled to ``qps`` with it.
    random_state : int, Generator or None, default 0
        Seeds the draws (and where a trace's replay starts).

    Returns
    -------
    numpy.ndarray
        Increasing arrival times in seconds, the first one gap after 0.

    Examples
    --------
    >>> t = arrival_offsets("gamma:cv=2", 100_000, qps=1000.0, random_state=0)
    >>> bool(abs(t[-1] / 100.0 - 1) < 0.05)      # 100,000 requests at 1,000/s: about 100 s
    True
    >>> arrival_offsets([0.0, 0.5, 1.0], 4).tolist()   # a trace at its own rate
    [0.5, 1.0, 1.5, 2.0]
    """
    process = parse_arrivals(arrivals)
    n = _check_requests(requests)
    rng = np.random.default_rng(random_state)
    if qps is None:
        if process.rate is None:
            raise SpecError(
                f"arrivals {process.source} needs a rate: pass qps (requests per second). Only "
                "a trace of timestamps has a rate of its own."
            )
        mean_gap = 1.0 / process.rate
    else:
        mean_gap = 1.0 / _check_qps(qps)
    if process.is_poisson:
        return np.cumsum(rng.exponential(mean_gap, n))
    if process.gaps is not None and qps is None:
        start = int(rng.integers(0, process.gaps.size))
        return np.cumsum(process.gaps[(start + np.arange(n)) % process.gaps.size])
    return np.cumsum(process.unit_gaps(rng, n) * mean_gap)
