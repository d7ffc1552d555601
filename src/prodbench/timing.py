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
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from . import stats
from .errors import DataError

__all__ = [
    "LatencySampler",
    "RawLatency",
    "ThreadProbe",
    "check_threads",
    "current_thread_limit",
    "gc_policy",
    "probe_thread_trap",
    "quick_median",
    "thread_limit",
    "thread_policy",
    "time_batches",
]

PHASES = ("fit", "score", "throughput", "cold_start", "latency")

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
        ``"precision"``, ``"max_time"``, ``"max_samples"``, or
        ``"enough_samples"`` (stopped by the caller once its percentiles had
        the samples they need, so that others get the time left).
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


def check_threads(threads: Any) -> int | str | None:
    """Validate a ``threads`` option: ``"serving"``, a positive int, or None.

    Raises
    ------
    DataError
        For anything else, naming the three choices.

    Examples
    --------
    >>> check_threads("serving"), check_threads(2), check_threads(None)
    ('serving', 2, None)
    """
    if threads is None or threads == "serving":
        return threads
    if isinstance(threads, (int, np.integer)) and not isinstance(threads, bool) and threads >= 1:
        return int(threads)
    raise DataError(
        "threads must be 'serving' (one-row latency and cold start with native thread pools "
        "limited to 1, fits and bulk throughput with the machine's threads), a positive "
        f"integer N (every phase limited to N) or None (no limit); not {threads!r}."
    )


def thread_policy(threads: Any) -> dict[str, int | None]:
    """The native thread limit of each phase under a ``threads`` option.

    ``None`` in the result means the machine's threads (no limit).

    Examples
    --------
    >>> thread_policy("serving")
    {'fit': None, 'score': None, 'throughput': None, 'cold_start': 1, 'latency': 1}
    >>> thread_policy(2)["fit"]
    2
    """
    value = check_threads(threads)
    if value == "serving":
        return {"fit": None, "score": None, "throughput": None, "cold_start": 1, "latency": 1}
    limit: int | None = None if value is None else int(value)
    return dict.fromkeys(PHASES, limit)


@contextmanager
def thread_limit(threads: int | None) -> Iterator[None]:
    """Limit native thread pools (BLAS, OpenMP) to ``threads`` inside the block.

    ``None`` changes nothing. The previous limits are always restored.

    Examples
    --------
    >>> with thread_limit(1):
    ...     pass
    """
    token = _THREAD_LIMIT.set(threads)  # for runtimes threadpoolctl does not reach
    try:
        if threads is None:
            yield
            return
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=threads):
            yield
    finally:
        _THREAD_LIMIT.reset(token)


_THREAD_LIMIT: ContextVar[int | None] = ContextVar("prodbench_thread_limit", default=None)


def current_thread_limit() -> int | None:
    """The limit of the innermost :func:`thread_limit` block (None: none, or no limit).

    Compiled runtimes (:mod:`prodbench.runtimes`), whose pools threadpoolctl
    does not reach, read it to follow the same per-phase thread policy.

    Examples
    --------
    >>> with thread_limit(1):
    ...     current_thread_limit()
    1
    >>> current_thread_limit() is None
    True
    """
    return _THREAD_LIMIT.get()


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
    warmup: bool = True,
    deadline_ns: int | None = None,
) -> list[int]:
    """Time repeated calls of ``call(batch)``; one sample per call, in nanoseconds.

    Repeats until ``min_repeats`` calls are done and ``max_time`` seconds
    have passed, or ``max_repeats`` calls are done. One untimed call comes
    first, as warm-up, unless ``warmup=False``. ``deadline_ns`` (a
    ``perf_counter_ns`` reading) is a hard end: once it has passed, timing
    stops after the call in flight, even short of ``min_repeats`` (at least
    one call is timed).

    Examples
    --------
    >>> len(time_batches(sorted, [3, 1, 2], max_time=0.0, min_repeats=3))
    3
    """
    if warmup:
        call(batch)
    out: list[int] = []
    deadline = _clock() + int(max_time * 1e9)
    while len(out) < max_repeats:
        t0 = _clock()
        call(batch)
        t1 = _clock()
        out.append(t1 - t0)
        if deadline_ns is not None and t1 >= deadline_ns:
            break
        if len(out) >= min_repeats and t1 >= deadline:
            break
    return out


def quick_median(
    call: Callable[[Any], Any],
    rows: Sequence[Any],
    *,
    calls: int = 200,
    threads: int | None = None,
) -> float:
    """Median seconds of ``calls`` one-row calls, cycling through ``rows``.

    A quick ranking, not a measurement: no warm-up, no intervals, native
    pools limited to ``threads`` (None: the machine's). ``compare(...,
    runtimes="auto")`` ranks compiled runtimes with it.

    Examples
    --------
    >>> quick_median(abs, [-1, 2, -3], calls=10) >= 0
    True
    """
    times = []
    with thread_limit(threads):
        for i in range(calls):
            row = rows[i % len(rows)]
            t0 = _clock()
            call(row)
            times.append(_clock() - t0)
    return float(np.median(times)) / 1e9


@dataclass(frozen=True)
class ThreadProbe:
    """What :func:`probe_thread_trap` saw: one-row calls with and without a thread limit.

    Attributes
    ----------
    limited_ns, unlimited_ns : float
        Median one-row call with native pools limited to ``limit``, and with
        the machine's pools.
    limit : int
        The limit of the limited calls.
    calls : int
        Calls made in each setting.
    elapsed_s : float
        Wall time of the probe.
    """

    limited_ns: float
    unlimited_ns: float
    limit: int
    calls: int
    elapsed_s: float

    @property
    def ratio(self) -> float:
        """Unlimited over limited median: above 1 the machine's pools are slower."""
        return self.unlimited_ns / self.limited_ns if self.limited_ns > 0 else 1.0

    def trapped(self, threshold: float = 1.5) -> bool:
        """True when one setting is ``threshold`` times slower than the other."""
        r = self.ratio
        return r >= threshold or (r > 0 and 1.0 / r >= threshold)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "limited_ns": self.limited_ns,
            "unlimited_ns": self.unlimited_ns,
            "limit": self.limit,
            "calls": self.calls,
            "elapsed_s": self.elapsed_s,
            "ratio": self.ratio,
        }


def probe_thread_trap(
    call: Callable[[Any], Any],
    rows: Sequence[Any],
    *,
    limit: int = 1,
    max_time: float = 0.2,
    max_calls: int = 200,
) -> ThreadProbe:
    """Time a short burst of one-row calls with native pools limited and not.

    Calls alternate (limited, unlimited, limited, ...) so drift lands on both
    alike, and stop after the call in flight once ``max_time`` seconds are
    spent (at least one call each). A model whose one-row ``predict`` is much
    slower with the machine's pools (OpenMP or BLAS threads spinning up for
    one row, or fighting over a loaded machine) is a trap for a server that
    does not limit them.

    Examples
    --------
    >>> probe = probe_thread_trap(abs, [-1, 2, -3], max_time=0.01)
    >>> probe.calls >= 1
    True
    """
    from threadpoolctl import ThreadpoolController

    if len(rows) == 0:
        raise ValueError("probe_thread_trap needs at least one request row")
    controller = ThreadpoolController()  # after the model's libraries are loaded
    limited: list[int] = []
    unlimited: list[int] = []
    start = _clock()
    deadline = start + int(max_time * 1e9)
    i = 0
    while True:
        row = rows[i % len(rows)]
        limiter = controller.limit(limits=limit)
        token = _THREAD_LIMIT.set(limit)  # compiled runtimes read it (current_thread_limit)
        try:
            t0 = _clock()
            call(row)
            limited.append(_clock() - t0)
        finally:
            _THREAD_LIMIT.reset(token)
            limiter.restore_original_limits()
        t0 = _clock()
        call(row)
        unlimited.append(_clock() - t0)
        i += 1
        if _clock() >= deadline or i >= max_calls:
            break
    return ThreadProbe(
        limited_ns=float(np.median(limited)),
        unlimited_ns=float(np.median(unlimited)),
        limit=int(limit),
        calls=i,
        elapsed_s=(_clock() - start) / 1e9,
    )


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
        Least seconds of discarded warm-up calls after the cold start; default
        ``min(0.1, 0.05 * max_time)``. The warm-up then goes on, in blocks of
        at least 10 calls, until the last three block medians agree
        (:func:`prodbench.dependence.settled`), at most
        ``min(1 s, 10% of max_time)`` or 100,000 calls.
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
        # the warm-up goes on past warmup_time until block medians settle, at most this
        self.warmup_limit = max(self.warmup_time, min(1.0, 0.1 * self.max_time))
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
    def warm(self) -> bool:
        """True once the warm-up calls (made by the first block) are done."""
        return self._warm

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
        """Sample for about ``seconds`` (less if a stopping rule is met).

        Calls are never cut short: the block ends after the call in flight,
        and takes at least one sample.
        """
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
                if now >= block_deadline and self._samples:
                    break  # a block takes at least one sample, even after a long warm-up
                remaining = max(0, min(block_deadline - now, int(self.max_time * 1e9) - spent))
                self._run_chunk(self._chunk_size(remaining))
                if self.n >= self.max_samples:
                    self._stop_reason = "max_samples"
                elif self.n >= self._next_check:
                    self._check_precision()
        self._elapsed_ns += _clock() - block_start

    def stop(self, reason: str = "max_time") -> None:
        """End sampling now (the caller's time budget is spent); ``done`` becomes True."""
        if self._stop_reason is None:
            self._stop_reason = reason

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
        # At least warmup_time, then on until block medians stop moving
        # (dependence.settled), at most warmup_limit or 100,000 calls.
        from .dependence import median_noise, settled

        call = self._call
        rows = self._rows
        start = _clock()
        minimum = start + int(self.warmup_time * 1e9)
        limit = start + int(max(self.warmup_time, self.warmup_limit) * 1e9)
        block_ns = max(1, int(self.warmup_time * 1e9 / 4))
        count = 0
        medians: list[float] = []
        noise = 0.0
        while True:
            block: list[int] = []
            block_end = _clock() + block_ns
            while len(block) < 10 or _clock() < block_end:
                t0 = _clock()
                call(rows[(self._next_row + count) % len(rows)])
                block.append(_clock() - t0)
                count += 1
                if count >= self.warmup_calls and _clock() >= limit:
                    break
            medians.append(float(np.median(block)))
            noise = max(noise, median_noise(block))
            now = _clock()
            if count >= self.warmup_calls and (
                now >= limit
                or count >= 100_000
                or (now >= minimum and settled(medians, noise=noise))
            ):
                break
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
