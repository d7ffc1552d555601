"""A calibration workload: how fast this machine runs a fixed kernel, so runs can be compared.

Two runs of the same model differ by a *machine factor* (CPU frequency,
neighbours, another CI runner) that no within-run interval sees. Every run
times a fixed, deterministic kernel (a pure-Python part and a small
single-threaded numpy/BLAS part, about 1 ms a call) with the same per-call
protocol as one-row latency: ``perf_counter_ns`` right before and after each
call, nothing else inside the window, warm-up calls discarded, native pools
limited to one thread. :class:`CalibrationSampler` runs it in blocks the
caller drives, so a comparison interleaves it with the candidates' latency
blocks; :class:`Calibration` holds the raw samples.

:func:`machine_factor` is the ratio of two calibrations' medians with a
distribution-free interval: ``diff`` reports it (and ``--normalize`` divides
it out of every latency ratio), and a latency reference written by
``python -m prodbench calibrate --output FILE`` on the machine where budgets
were set scales every limit on another machine (:func:`limit_scale`).

Examples
--------
>>> cal = calibrate(seconds=0.02)
>>> cal.n > 0 and cal.median_ns > 0
True
>>> round(machine_factor(cal, cal).ratio, 6)
1.0
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from . import stats, timing
from ._fileio import load_json, write_json_atomic
from .errors import SchemaError, SpecError

__all__ = [
    "KERNEL_VERSION",
    "REFERENCE_ENV",
    "Calibration",
    "CalibrationSampler",
    "LimitScale",
    "MachineFactor",
    "cached_limit_scale",
    "calibrate",
    "calibration_of",
    "limit_scale",
    "load_reference",
    "machine_factor",
    "resolve_reference",
    "scale_for_run",
    "write_reference",
]

KERNEL_VERSION = 1
REFERENCE_ENV = "PRODBENCH_LATENCY_REFERENCE"
DEFAULT_SECONDS = 0.2
WARMUP_CALLS = 3
WARN_FACTOR = 0.05  # a machine factor more than 5% from 1 is worth a warning
_KIND = "prodbench latency reference"


# --------------------------------------------------------------------------- the kernel
def _kernel_inputs() -> tuple[list[int], Any, Any]:
    """The kernel's fixed inputs, built once per sampler (outside any timed window)."""
    import numpy as np

    rng = np.random.default_rng(20261202)
    ints = [int(v) for v in rng.integers(0, 1 << 20, 1500)]
    a = rng.standard_normal((48, 48))
    b = rng.standard_normal((48, 48))
    return ints, a, b


def _kernel(ints: list[int], a: Any, b: Any) -> float:
    """One call of the calibration kernel: deterministic, single-threaded, about 1 ms."""
    # pure Python: integer hashing, a sort and a dict, as interpreted model code does
    acc = 0
    counts: dict[int, int] = {}
    for v in ints:
        h = (v * 2654435761 + acc) & 0xFFFFFFFF
        acc ^= h >> 7
        counts[h & 255] = counts.get(h & 255, 0) + 1
    ordered = sorted(ints, key=lambda v: (v * 40503) & 0xFFFF)
    # numpy/BLAS: small matrix products and a reduction, as a linear model's predict does
    c = a
    for _ in range(4):
        c = (c @ b) * 0.05
    return float(acc + len(counts) + ordered[0]) + float(c.sum())


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class Calibration:
    """The calibration kernel's timed calls on one machine.

    Attributes
    ----------
    samples_ns : tuple of int
        One duration per timed call, in nanoseconds, in the order taken.
    warmup : int
        Calls made first and discarded.
    kernel_version : int
        Which kernel: calibrations of different kernels are not compared.

    Examples
    --------
    >>> cal = Calibration((1_000_000, 1_100_000, 900_000))
    >>> cal.median_ns, cal.n
    (1000000.0, 3)
    """

    samples_ns: tuple[int, ...]
    warmup: int = WARMUP_CALLS
    kernel_version: int = KERNEL_VERSION

    @property
    def n(self) -> int:
        """Timed calls."""
        return len(self.samples_ns)

    @property
    def median_ns(self) -> float:
        """Median call, in nanoseconds (NaN without samples)."""
        if not self.samples_ns:
            return math.nan
        ordered = sorted(self.samples_ns)
        mid = len(ordered) // 2
        if len(ordered) % 2:
            return float(ordered[mid])
        return (ordered[mid - 1] + ordered[mid]) / 2.0

    @property
    def elapsed_s(self) -> float:
        """Seconds spent in timed calls."""
        return sum(self.samples_ns) / 1e9

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict, read back by :meth:`from_dict`.

        Examples
        --------
        >>> Calibration((5, 6)).to_dict()["samples_ns"]
        [5, 6]
        """
        return {
            "kernel_version": self.kernel_version,
            "warmup": self.warmup,
            "samples_ns": list(self.samples_ns),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "calibration") -> Calibration:
        """Rebuild from :meth:`to_dict`'s dict.

        Parameters
        ----------
        data : Mapping
            A saved calibration.
        where : str
            Names the field or file in the error.

        Raises
        ------
        SchemaError
            For anything that is not a calibration with whole positive nanoseconds.

        Examples
        --------
        >>> Calibration.from_dict({"samples_ns": [5, 6]}).n
        2
        """
        fix = "Re-run the measurement (or `python -m prodbench calibrate`) to write it again."
        if not isinstance(data, Mapping):
            raise SchemaError(f"The {where} is not a mapping but {type(data).__name__}. {fix}")
        raw = data.get("samples_ns")
        if not isinstance(raw, (list, tuple)) or not raw:
            raise SchemaError(f"The {where} has no samples_ns (a non-empty list). {fix}")
        bad = [v for v in raw if isinstance(v, bool) or not isinstance(v, int) or v <= 0]
        if bad:
            raise SchemaError(
                f"The {where}'s samples_ns must be whole positive nanoseconds; found "
                f"{bad[0]!r}. {fix}"
            )
        version = data.get("kernel_version", KERNEL_VERSION)
        warmup = data.get("warmup", WARMUP_CALLS)
        if not isinstance(version, int) or not isinstance(warmup, int) or warmup < 0:
            raise SchemaError(
                f"The {where}'s kernel_version or warmup is not a whole number. {fix}"
            )
        return cls(tuple(int(v) for v in raw), warmup=warmup, kernel_version=version)


@dataclass(frozen=True)
class MachineFactor:
    """How much slower one machine (or run) runs the calibration than another.

    Attributes
    ----------
    ratio : float
        Median calibration call, new over old (the reference): 2.0 means the
        new machine runs the kernel twice as slow.
    low, high : float
        The distribution-free interval of the ratio of medians.
    confidence : float
        Two-sided coverage of ``[low, high]``.

    Examples
    --------
    >>> f = MachineFactor(1.08, 1.06, 1.10, 0.95)
    >>> f.departs(), f.describe()
    (True, 'machine factor 1.08x [1.06x, 1.10x]: the new run ran the calibration 8% slower')
    """

    ratio: float
    low: float
    high: float
    confidence: float

    def departs(self, tolerance: float = WARN_FACTOR) -> bool:
        """True when the factor is more than ``tolerance`` from 1."""
        return abs(self.ratio - 1.0) > tolerance

    def describe(self, new: str = "the new run") -> str:
        """One sentence: the factor, its interval, and which way it goes."""
        pct = abs(self.ratio - 1.0) * 100
        way = "slower" if self.ratio >= 1.0 else "faster"
        return (
            f"machine factor {self.ratio:.2f}x [{self.low:.2f}x, {self.high:.2f}x]: "
            f"{new} ran the calibration {pct:.0f}% {way}"
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (infinite bounds as None)."""

        def num(v: float) -> float | None:
            return float(v) if math.isfinite(v) else None

        return {
            "ratio": num(self.ratio),
            "low": num(self.low),
            "high": num(self.high),
            "confidence": self.confidence,
        }


# --------------------------------------------------------------------------- sampling
class CalibrationSampler:
    """Times the calibration kernel in blocks the caller drives, within a total budget.

    Parameters
    ----------
    seconds : float, default 0.2
        Total seconds spent in blocks (each capped by what is left, and taking
        at least one call while anything is left).
    clock : callable, optional
        A ``perf_counter_ns``-like clock (default: the timing loops' clock).

    Examples
    --------
    >>> s = CalibrationSampler(seconds=0.01)
    >>> s.run_block(0.005)
    >>> s.run_block(1.0)  # capped by what is left of the 0.01 s
    >>> 0 < s.result().elapsed_s < 0.05
    True
    """

    def __init__(
        self, seconds: float = DEFAULT_SECONDS, *, clock: Callable[[], int] | None = None
    ) -> None:
        if not (isinstance(seconds, (int, float)) and math.isfinite(seconds) and seconds > 0):
            raise SpecError(
                f"The calibration's seconds must be a positive number, not {seconds!r}."
            )
        self.seconds = float(seconds)
        self._clock = clock
        self._inputs: tuple[list[int], Any, Any] | None = None
        self._controller: Any = None
        self._samples: list[int] = []
        self._spent_ns = 0

    @property
    def remaining(self) -> float:
        """Seconds of the budget left."""
        return max(0.0, self.seconds - self._spent_ns / 1e9)

    def run_block(self, seconds: float) -> None:
        """Time kernel calls for about ``seconds`` (at least one call while budget is left)."""
        if self.remaining <= 0:
            return
        clock = self._clock or timing._clock
        seconds = min(float(seconds), self.remaining)
        if self._controller is None:
            from threadpoolctl import ThreadpoolController

            # built once (a scan of the loaded libraries takes milliseconds);
            # limiting through it costs microseconds per block
            self._controller = ThreadpoolController()
        limiter = self._controller.limit(limits=1)
        try:
            if self._inputs is None:
                self._inputs = _kernel_inputs()
                for _ in range(WARMUP_CALLS):
                    _kernel(*self._inputs)
            ints, a, b = self._inputs
            out = self._samples
            start = clock()
            end = start + int(seconds * 1e9)
            while True:
                t0 = clock()
                _kernel(ints, a, b)
                t1 = clock()
                out.append(t1 - t0)
                if t1 >= end:
                    break
            self._spent_ns += t1 - start  # the budget is wall time in blocks, bookkeeping too
        finally:
            limiter.restore_original_limits()

    def finish(self) -> Calibration:
        """Spend what is left of the budget in one block, then :meth:`result`."""
        self.run_block(self.remaining)
        return self.result()

    def result(self) -> Calibration:
        """The samples so far."""
        return Calibration(tuple(max(1, int(v)) for v in self._samples))


def calibrate(
    seconds: float = DEFAULT_SECONDS, *, clock: Callable[[], int] | None = None
) -> Calibration:
    """Time the calibration kernel for ``seconds`` on this machine.

    Parameters
    ----------
    seconds : float, default 0.2
        Seconds of timed calls (about 1 ms each).
    clock : callable, optional
        A ``perf_counter_ns``-like clock (tests pass a fake one).

    Returns
    -------
    Calibration

    Examples
    --------
    >>> calibrate(seconds=0.01).n >= 1
    True
    """
    return CalibrationSampler(seconds, clock=clock).finish()


# --------------------------------------------------------------------------- factors
def machine_factor(
    new: Calibration, old: Calibration, *, confidence: float = 0.95
) -> MachineFactor:
    """The machine factor new/old: the ratio of the calibrations' medians, with an interval.

    The interval is distribution-free (order-statistic bounds of each median,
    :func:`prodbench.stats.quantile_ratio_bounds`).

    Parameters
    ----------
    new, old : Calibration
        The run to scale and the reference.
    confidence : float, default 0.95
        Two-sided coverage of the interval.

    Raises
    ------
    SpecError
        When the two calibrations ran different kernels.

    Examples
    --------
    >>> old = Calibration(tuple(range(1000, 1200)))
    >>> new = Calibration(tuple(2 * v for v in range(1000, 1200)))
    >>> f = machine_factor(new, old)
    >>> round(f.ratio, 2), f.low < 2.0 < f.high
    (2.0, True)
    """
    import numpy as np

    if new.kernel_version != old.kernel_version:
        raise SpecError(
            f"The calibrations ran different kernels (version {old.kernel_version} and "
            f"{new.kernel_version}), so they do not give a machine factor. Write the "
            "reference again with this prodbench (`python -m prodbench calibrate --output FILE`)."
        )
    o = np.sort(np.asarray(old.samples_ns, dtype=float))
    n = np.sort(np.asarray(new.samples_ns, dtype=float))
    low, high = stats.quantile_ratio_bounds(o, n, 50, (1.0 - confidence) / 2.0)
    ratio = new.median_ns / old.median_ns
    return MachineFactor(float(ratio), float(low), float(high), confidence)


def calibration_of(environment: Mapping[str, Any] | None) -> Calibration | None:
    """The calibration stored in a result's environment, or None (older files, or turned off).

    Examples
    --------
    >>> calibration_of({}) is None
    True
    >>> calibration_of({"calibration": {"samples_ns": [3, 4]}}).n
    2
    """
    raw = (environment or {}).get("calibration")
    if raw is None:
        return None
    return Calibration.from_dict(raw, "saved run's environment.calibration")


# --------------------------------------------------------------------------- references
def write_reference(path: str | os.PathLike[str], calibration: Calibration) -> None:
    """Write ``calibration`` as a latency reference file (small JSON, atomically).

    Parameters
    ----------
    path : str or os.PathLike
        The file to write; ``--latency-reference`` reads it.
    calibration : Calibration
        This machine's calibration (:func:`calibrate`).

    Examples
    --------
    >>> write_reference("ref.json", calibrate(seconds=0.01))
    >>> load_reference("ref.json").n >= 1
    True
    """
    from .environment import collect_environment

    env = collect_environment(None)
    write_json_atomic(
        path,
        {
            "kind": _KIND,
            "cpu_model": env.get("cpu_model"),
            "logical_cores": env.get("logical_cores"),
            "median_ns": calibration.median_ns,
            **calibration.to_dict(),
        },
    )


def load_reference(path: str | os.PathLike[str]) -> Calibration:
    """Read a latency reference written by :func:`write_reference`.

    Parameters
    ----------
    path : str or os.PathLike
        The reference file.

    Raises
    ------
    SchemaError
        For a file that is missing, unreadable or not a latency reference.

    Examples
    --------
    >>> write_reference("ref.json", calibrate(seconds=0.01))
    >>> load_reference("ref.json").kernel_version
    1
    """
    data = load_json(path)
    if not isinstance(data, Mapping) or data.get("kind") != _KIND:
        raise SchemaError(
            f"{os.fspath(path)} is not a prodbench latency reference (no kind "
            f"{_KIND!r}). Write one with `python -m prodbench calibrate --output FILE` on the "
            "machine where the budgets were set."
        )
    return Calibration.from_dict(data, f"latency reference {os.fspath(path)}")


def resolve_reference(
    reference: str | os.PathLike[str] | Calibration | None = None,
) -> Calibration | None:
    """The latency reference to scale budgets by: given, or ``PRODBENCH_LATENCY_REFERENCE``.

    Parameters
    ----------
    reference : str, os.PathLike, Calibration or None
        A reference file or calibration; None reads the environment variable
        (unset or empty: no reference).

    Examples
    --------
    >>> resolve_reference(None) is None  # with PRODBENCH_LATENCY_REFERENCE unset
    True
    """
    if isinstance(reference, Calibration):
        return reference
    if reference is None:
        reference = os.environ.get(REFERENCE_ENV) or None
        if reference is None:
            return None
    return load_reference(reference)


@dataclass(frozen=True)
class LimitScale:
    """Budgets scaled by the machine factor against a latency reference.

    Attributes
    ----------
    factor : MachineFactor
        This machine over the reference machine.

    Examples
    --------
    >>> LimitScale(MachineFactor(1.84, 1.8, 1.9, 0.95)).describe()
    'limits scaled by 1.84x: this machine runs the calibration 1.84x slower than the reference'
    """

    factor: MachineFactor

    @property
    def scale(self) -> float:
        """The multiplier applied to every limit."""
        return self.factor.ratio

    def describe(self) -> str:
        """The sentence the check prints."""
        r = self.factor.ratio
        how = f"{r:.2f}x slower than" if r >= 1.0 else f"{1.0 / r:.2f}x faster than"
        return f"limits scaled by {r:.2f}x: this machine runs the calibration {how} the reference"


def limit_scale(
    reference: Calibration,
    *,
    seconds: float = DEFAULT_SECONDS,
    clock: Callable[[], int] | None = None,
) -> LimitScale:
    """Calibrate this machine and compare it with ``reference``: the scale for every limit.

    Parameters
    ----------
    reference : Calibration
        From :func:`load_reference` (the machine where the budgets were set).
    seconds : float, default 0.2
        Seconds of calibration here.
    clock : callable, optional
        A ``perf_counter_ns``-like clock.

    Examples
    --------
    >>> ref = calibrate(seconds=0.02)
    >>> 0.2 < limit_scale(ref, seconds=0.02).scale < 5
    True
    """
    here = calibrate(seconds, clock=clock)
    return LimitScale(machine_factor(here, reference))


@functools.lru_cache(maxsize=8)
def cached_limit_scale(reference: Calibration) -> LimitScale:
    """:func:`limit_scale` once per process and reference (a test session calibrates once).

    A memoisation cache: ``cached_limit_scale.cache_clear()`` calibrates again.

    Parameters
    ----------
    reference : Calibration
        From :func:`load_reference`.

    Examples
    --------
    >>> ref = calibrate(seconds=0.02)
    >>> cached_limit_scale(ref) is cached_limit_scale(ref)
    True
    """
    return limit_scale(reference)


def scale_for_run(environment: Mapping[str, Any] | None, reference: Calibration) -> LimitScale:
    """The limit scale of a run already measured: its stored calibration over ``reference``.

    Parameters
    ----------
    environment : Mapping
        A result's environment (``result.environment``), holding the run's calibration.
    reference : Calibration
        From :func:`load_reference`.

    Raises
    ------
    SpecError
        When the run has no calibration (``calibrate=False``, or an older file).

    Examples
    --------
    >>> ref = Calibration((1000, 1000, 1000))
    >>> scale_for_run({"calibration": {"samples_ns": [2000, 2000, 2000]}}, ref).scale
    2.0
    """
    measured = calibration_of(environment)
    if measured is None:
        raise SpecError(
            "This run has no calibration (measured with calibrate=False / --no-calibrate, or "
            "saved by an older prodbench), so its limits cannot be scaled to a latency "
            "reference. Measure again with the calibration on."
        )
    return LimitScale(machine_factor(measured, reference))
