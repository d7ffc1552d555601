"""The timing loops. They return raw samples and nothing else.

One latency sample is one call of the prediction method on one pre-sliced
row; ``time.perf_counter_ns()`` is read right before and right after the
call and nothing else happens inside that window. Bookkeeping (appending
the sample, picking the next row, counting garbage collections) happens
outside it.

Sampling is done in blocks by :class:`LatencySampler`, so that a comparison
can interleave candidates (A B C A B C ...) and drift of a shared machine
lands on all of them alike. A sampler stops when every requested
percentile's interval is tight enough and has enough samples, or when its
time budget is spent.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from . import stats

__all__ = [
    "LatencySampler",
    "RawLatency",
    "gc_policy",
    "thread_limit",
    "time_batches",
]

GCPolicy = Literal["enabled", "disabled"]
_clock = time.perf_counter_ns


@dataclass(frozen=True)
class RawLatency:
    """What a :class:`LatencySampler` measured.

    Attributes
    ----------
    samples_ns : numpy.ndarray
        One int64 duration per timed call, in the order they were taken.
    start_ns : numpy.ndarray
        The clock reading at the start of each timed call.
    cold_start_ns : int or None
        The very first call, timed on its own; None if it was not taken.
    warmup : int
        Calls made after the cold start and discarded.
    gc_collections : int
        Garbage collections that started inside a timed call.
    stop_reason : str
        ``"precision"``, ``"max_time"`` or ``"max_samples"``.
    elapsed_s : float
        Wall time spent in timed blocks (warm-up included).
    """

    samples_ns: np.ndarray
    start_ns: np.ndarray
    cold_start_ns: int | None
    warmup: int
    gc_collections: int
    stop_reason: str
    elapsed_s: float


@contextmanager
def thread_limit(threads: int | None) -> Iterator[None]:
    """Limit native thread pools (BLAS, OpenMP) to ``threads`` inside the block.

    ``None`` changes nothing. The previous limits are always restored.

    Examples
    --------
    >>> with thread_limit(1):
    ...     pass
    """
    if threads is None:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads):
        yield


@contextmanager
def gc_policy(policy: GCPolicy) -> Iterator[None]:
    """Run the block with the garbage collector ``"enabled"`` or ``"disabled"``.

    The collector's previous state is always restored.

    Examples
    --------
    >>> with gc_policy("disabled"):
    ...     pass
    """
    if policy not in ("enabled", "disabled"):
        raise ValueError(f"gc policy must be 'enabled' or 'disabled', not {policy!r}")
    was_enabled = gc.isenabled()
    if policy == "disabled":
        gc.disable()
    else:
        gc.enable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        else:
            gc.disable()


def time_batches(
    call: Callable[[Any], Any],
    batch: Any,
    *,
    max_time: float,
    min_repeats: int = 3,
    max_repeats: int = 1000,
) -> list[int]:
    """Time repeated calls of ``call(batch)``; one sample per call, in nanoseconds.

    Repeats until ``min_repeats`` calls are done and ``max_time`` seconds
    have passed, or ``max_repeats`` calls are done. One untimed call comes
    first, as warm-up.

    Examples
    --------
    >>> len(time_batches(sorted, [3, 1, 2], max_time=0.0, min_repeats=3))
    3
    """
    call(batch)
    out: list[int] = []
    deadline = _clock() + int(max_time * 1e9)
    while len(out) < max_repeats:
        t0 = _clock()
        call(batch)
        t1 = _clock()
        out.append(t1 - t0)
        if len(out) >= min_repeats and t1 >= deadline:
            break
    return out


class LatencySampler:
    """Collect single-request latency samples for one candidate, in blocks.

    Parameters
    ----------
    call : callable
        The prediction method, already bound (``model.predict``).
    rows : sequence
        Pre-sliced one-row requests; they are used in this order, cyclically.
    max_time : float, default 5.0
        Seconds of sampling (warm-up included) after which sampling stops.
    precision : float, default 0.05
        Sampling may stop once every percentile in ``quantiles`` has a
        relative interval half-width at most this.
    quantiles : sequence of float, default (50, 90, 99)
        Percentiles whose intervals decide when to stop.
    confidence : float, default 0.95
        Confidence of those intervals.
    min_samples : int or None
        At least this many samples before stopping on precision; default:
        enough for the highest requested percentile
        (:func:`prodbench.stats.required_samples`).
    max_samples : int, default 1_000_000
        Hard cap on the number of samples.
    warmup_time : float or None
        Seconds of discarded warm-up calls after the cold start; default
        ``min(0.1, 0.05 * max_time)``, at most 10,000 calls.
    warmup_calls : int, default 1
        At least this many warm-up calls, whatever the time. At least one
        sample is always timed, even past ``max_time``.
    gc : {"enabled", "disabled"}
        Garbage-collector policy while timing.
    threads : int or None
        threadpoolctl limit while timing.

    Examples
    --------
    >>> sampler = LatencySampler(abs, [-1, 2, -3], max_time=0.05)
    >>> _ = sampler.cold_start()
    >>> while not sampler.done:
    ...     sampler.run_block(0.01)
    >>> raw = sampler.result()
    >>> raw.samples_ns.size > 0
    True
    """

    def __init__(
        self,
        call: Callable[[Any], Any],
        rows: Sequence[Any],
        *,
        max_time: float = 5.0,
        precision: float = 0.05,
        quantiles: Sequence[float] = (50.0, 90.0, 99.0),
        confidence: float = 0.95,
        min_samples: int | None = None,
        max_samples: int = 1_000_000,
        warmup_time: float | None = None,
        warmup_calls: int = 1,
        gc: GCPolicy = "enabled",
        threads: int | None = None,
    ) -> None:
        if len(rows) == 0:
            raise ValueError("LatencySampler needs at least one request row")
        if max_time <= 0:
            raise ValueError("max_time must be positive")
        self._call = call
        self._rows = list(rows)
        self.max_time = float(max_time)
        self.precision = float(precision)
        self.quantiles = tuple(float(q) for q in quantiles)
        self.confidence = float(confidence)
        self.min_samples = (
            int(min_samples)
            if min_samples is not None
            else max(stats.required_samples(q) for q in self.quantiles)
        )
        self.max_samples = int(max_samples)
        self.warmup_time = min(0.1, 0.05 * self.max_time) if warmup_time is None else warmup_time
        self.warmup_calls = int(warmup_calls)
        self.gc = gc
        self.threads = threads

        self._samples: list[int] = []
        self._starts: list[int] = []
        self._gc_starts: list[int] = []
        self._next_row = 0
        self._cold_start_ns: int | None = None
        self._warmup = 0
        self._warm = False
        self._elapsed_ns = 0
        self._stop_reason: str | None = None
        self._next_check = 0
        self._per_call_ns = 0.0

    # -- state -----------------------------------------------------------------
    @property
    def n(self) -> int:
        """Samples kept so far."""
        return len(self._samples)

    @property
    def elapsed(self) -> float:
        """Seconds spent in blocks so far."""
        return self._elapsed_ns / 1e9

    @property
    def done(self) -> bool:
        """True once a stopping rule has been met."""
        return self._stop_reason is not None

    @property
    def stop_reason(self) -> str | None:
        """Why sampling stopped, or None while it goes on."""
        return self._stop_reason

    # -- sampling --------------------------------------------------------------
    def cold_start(self) -> int:
        """Time the first call on its own and return it in nanoseconds."""
        with self._context():
            t0 = _clock()
            self._call(self._rows[0])
            t1 = _clock()
        self._cold_start_ns = t1 - t0
        self._next_row = 1 % len(self._rows)
        return self._cold_start_ns

    def run_block(self, seconds: float) -> None:
        """Sample for about ``seconds`` (less if a stopping rule is met)."""
        if self.done:
            return
        block_start = _clock()
        with self._context():
            if not self._warm:
                self._run_warmup()
            block_deadline = block_start + int(seconds * 1e9)
            while not self.done:
                now = _clock()
                spent = self._elapsed_ns + (now - block_start)
                if spent >= self.max_time * 1e9 and self._samples:
                    self._stop_reason = "max_time"
                    break
                if now >= block_deadline:
                    break
                remaining = max(0, min(block_deadline - now, int(self.max_time * 1e9) - spent))
                self._run_chunk(self._chunk_size(remaining))
                if self.n >= self.max_samples:
                    self._stop_reason = "max_samples"
                elif self.n >= self._next_check:
                    self._check_precision()
        self._elapsed_ns += _clock() - block_start

    def run(self) -> RawLatency:
        """Sample until a stopping rule is met and return the result."""
        if self._cold_start_ns is None:
            self.cold_start()
        while not self.done:
            self.run_block(self.max_time)
        return self.result()

    def result(self) -> RawLatency:
        """The samples collected so far, as a :class:`RawLatency`."""
        samples = np.asarray(self._samples, dtype=np.int64)
        starts = np.asarray(self._starts, dtype=np.int64)
        return RawLatency(
            samples_ns=samples,
            start_ns=starts,
            cold_start_ns=self._cold_start_ns,
            warmup=self._warmup,
            gc_collections=_overlapping(self._gc_starts, starts, samples),
            stop_reason=self._stop_reason or "max_time",
            elapsed_s=self.elapsed,
        )

    # -- internals -------------------------------------------------------------
    @contextmanager
    def _context(self) -> Iterator[None]:
        with thread_limit(self.threads), gc_policy(self.gc):
            gc.callbacks.append(self._on_gc)
            try:
                yield
            finally:
                gc.callbacks.remove(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_starts.append(_clock())

    def _run_warmup(self) -> None:
        call = self._call
        rows = self._rows
        start = _clock()
        deadline = start + int(self.warmup_time * 1e9)
        count = 0
        while count < self.warmup_calls or (_clock() < deadline and count < 10_000):
            call(rows[(self._next_row + count) % len(rows)])
            count += 1
        self._next_row = (self._next_row + count) % len(rows)
        self._warmup = count
        self._warm = True
        self._per_call_ns = (_clock() - start) / count

    def _chunk_size(self, remaining_ns: float) -> int:
        # Aim for chunks of about 20 ms, and never past the remaining time.
        per_call = self._per_call_ns or 1e6
        target = min(20e6, remaining_ns)
        return max(1, min(100_000, int(target / per_call)))

    def _run_chunk(self, count: int) -> None:
        call = self._call
        rows = self._rows
        n_rows = len(rows)
        j = self._next_row
        samples = self._samples
        starts = self._starts
        append_sample = samples.append
        append_start = starts.append
        clock = _clock
        chunk_start = clock()
        for _ in range(count):
            row = rows[j]
            j += 1
            if j == n_rows:
                j = 0
            t0 = clock()
            call(row)
            t1 = clock()
            append_sample(t1 - t0)
            append_start(t0)
        self._next_row = j
        self._per_call_ns = (clock() - chunk_start) / count

    def _check_precision(self) -> None:
        n = self.n
        # Checks cost a sort; space them geometrically.
        self._next_check = max(self.min_samples, int(n * 1.25) + 1)
        if n < self.min_samples:
            return
        ordered = np.sort(np.asarray(self._samples, dtype=np.int64))
        widths = [stats.relative_halfwidth(ordered, q, self.confidence) for q in self.quantiles]
        if max(widths) <= self.precision:
            self._stop_reason = "precision"


def _overlapping(gc_starts: list[int], starts: np.ndarray, durations: np.ndarray) -> int:
    """Count collections whose start falls inside a timed call."""
    if not gc_starts or starts.size == 0:
        return 0
    points = np.asarray(gc_starts, dtype=np.int64)
    order = np.argsort(starts, kind="stable")
    begin = starts[order]
    end = begin + durations[order]
    idx = np.searchsorted(begin, points, side="right") - 1
    valid = idx >= 0
    inside = np.zeros(points.shape, dtype=bool)
    inside[valid] = points[valid] <= end[idx[valid]]
    return int(inside.sum())
