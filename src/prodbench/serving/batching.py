"""The micro-batching server of the simulation: per-call service times by batch size.

A batching server (Triton's dynamic batcher, adaptive batching in BentoML or
Ray Serve) has two settings: ``max_batch``, the most requests one model call
takes, and ``max_wait``, how long a free worker waits for a batch to fill.
In the simulation a worker that becomes free looks at the queue:

- with ``max_batch`` requests waiting it takes them at once;
- otherwise it waits until ``max_batch`` have arrived or ``max_wait`` has
  passed since the first waiting request arrived, whichever comes first,
  and takes what is waiting then (at most ``max_batch``).

The call's service time is drawn from the per-call times measured at that
batch size: the one-row latency samples for a batch of one, the bulk
phase's per-call times (``ThroughputResult``, ``times_ns`` of each batch
size) for the others. Between two measured sizes ``lo < b < hi`` the time is
interpolated quantile by quantile, linearly in the batch size:
``s_b(u) = (1 - w) Q_lo(u) + w Q_hi(u)`` with ``w = (b - lo) / (hi - lo)``
and ``Q`` the empirical quantile function of the samples, one uniform ``u``
per call (so a service time linear in ``b`` is reproduced exactly). Batch
sizes above the largest measured one are refused: measure them
(``batch_sizes=``) rather than extrapolate.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import DataError, SpecError

__all__ = ["BatchTable", "batch_table", "check_policy", "sojourn_batched"]


def check_policy(max_batch: Any, max_wait: Any) -> tuple[int, float]:
    """Checked ``(max_batch, max_wait)`` of a batching policy (``max_wait`` in seconds).

    Examples
    --------
    >>> check_policy(8, 0.002)
    (8, 0.002)
    """
    if isinstance(max_batch, bool) or not isinstance(max_batch, (int, np.integer)):
        raise SpecError(f"max_batch must be a whole number >= 1, e.g. 8; got {max_batch!r}.")
    if max_batch < 1:
        raise SpecError(f"max_batch must be a whole number >= 1, e.g. 8; got {max_batch!r}.")
    if isinstance(max_wait, bool) or not isinstance(max_wait, (int, float, np.number)):
        raise SpecError(f"max_wait must be seconds >= 0, e.g. 0.002; got {max_wait!r}.")
    wait = float(max_wait)
    if not (math.isfinite(wait) and wait >= 0):
        raise SpecError(f"max_wait must be finite seconds >= 0, e.g. 0.002; got {max_wait!r}.")
    return int(max_batch), wait


def _per_size(batch_service: Any) -> dict[int, np.ndarray]:
    """Samples (seconds) by batch size from a mapping or a ThroughputResult."""
    batches = getattr(batch_service, "batches", None)
    out: dict[int, np.ndarray] = {}
    if batches is not None:  # a ThroughputResult: per-call times in ns
        for b in batches:
            out[int(b.batch_size)] = np.asarray(b.times_ns, dtype=np.float64) / 1e9
        return out
    if not isinstance(batch_service, Mapping):
        raise SpecError(
            "batch_service must be the per-call service times by batch size: a "
            "ThroughputResult (result.throughput) or a dict {batch size: seconds}, e.g. "
            f"{{8: [0.002, 0.0021]}}; got {type(batch_service).__name__}."
        )
    for size, samples in batch_service.items():
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
            raise SpecError(f"batch_service keys are batch sizes >= 1; got {size!r}.")
        out[int(size)] = np.asarray(samples, dtype=np.float64).ravel()
    return out


@dataclass(frozen=True)
class BatchTable:
    """Sorted per-call service samples at the measured batch sizes (see the module notes).

    Examples
    --------
    >>> t = batch_table([0.001], {10: [0.0019]}, 10)
    >>> round(t.mean(4), 6)                 # 0.001 + 3/9 * 0.0009
    0.0013
    """

    one: np.ndarray  # the one-row samples, in measured order (a batch of one draws by index)
    sizes: tuple[int, ...]  # measured sizes, ascending, 1 first
    sorted_samples: tuple[np.ndarray, ...]  # per measured size

    def _bracket(self, b: int) -> tuple[int, int, float]:
        k = bisect.bisect_left(self.sizes, b)
        if self.sizes[k] == b:
            return k, k, 0.0
        lo, hi = k - 1, k
        w = (b - self.sizes[lo]) / (self.sizes[hi] - self.sizes[lo])
        return lo, hi, w

    def mean(self, b: int) -> float:
        """Mean per-call service time at batch size ``b`` (interpolated)."""
        lo, hi, w = self._bracket(b)
        return float((1 - w) * self.sorted_samples[lo].mean() + w * self.sorted_samples[hi].mean())

    def samples_at(self, b: int) -> int:
        """The fewest samples behind a batch of ``b`` (for the under-sampled flag)."""
        lo, hi, _ = self._bracket(b)
        return int(min(self.sorted_samples[lo].size, self.sorted_samples[hi].size))

    def drawer(self, max_batch: int) -> list[tuple[np.ndarray, np.ndarray, float]]:
        """Per batch size ``0..max_batch`` its (low samples, high samples, weight)."""
        out = [(self.one, self.one, 0.0)]
        for b in range(1, max_batch + 1):
            lo, hi, w = self._bracket(b)
            out.append((self.sorted_samples[lo], self.sorted_samples[hi], w))
        return out


def batch_table(service_one: np.ndarray, batch_service: Any, max_batch: int) -> BatchTable:
    """The service times a batching simulation draws from, checked against ``max_batch``.

    Parameters
    ----------
    service_one : numpy.ndarray
        One-row service times (seconds): a batch of one.
    batch_service : mapping or ThroughputResult
        Per-call times at other batch sizes (seconds, or a ThroughputResult's ns).
    max_batch : int
        The largest batch the policy forms; the samples must reach it.

    Returns
    -------
    BatchTable

    Examples
    --------
    >>> t = batch_table([0.001, 0.001], {8: [0.002]}, 8)
    >>> t.sizes
    (1, 8)
    """
    one = np.asarray(service_one, dtype=np.float64).ravel()
    per = {} if batch_service is None else _per_size(batch_service)
    per.pop(1, None)  # a batch of one is the one-row latency samples
    for size, samples in per.items():
        if samples.size == 0 or not np.all(np.isfinite(samples)) or np.any(samples < 0):
            raise DataError(
                f"The per-call service times at batch size {size} are empty, negative or not "
                "finite. Pass measured seconds (or a result's throughput)."
            )
    sizes = (1, *sorted(per))
    if max_batch > sizes[-1]:
        have = ", ".join(map(str, sizes))
        raise SpecError(
            f"max_batch {max_batch} is above the largest batch size with measured per-call "
            f"times ({have}); the simulation interpolates between measured sizes and does "
            f"not extrapolate. Measure batch sizes up to {max_batch} or more "
            f"(batch_sizes=(1, 10, 100)), or lower max_batch."
        )
    return BatchTable(
        one=one,
        sizes=sizes,
        sorted_samples=(np.sort(one), *(np.sort(per[s]) for s in sizes[1:])),
    )


def sojourn_batched(
    arrivals: np.ndarray,
    table: BatchTable,
    workers: int,
    max_batch: int,
    max_wait: float,
    picks: np.ndarray,
    uniforms: np.ndarray,
) -> np.ndarray:
    """Sojourn times of a FIFO queue in front of ``workers`` batching servers.

    ``picks[i]`` (an index into the one-row samples) draws the service of a
    batch of one that starts with request ``i``, ``uniforms[i]`` the service
    of a larger batch starting with it; with ``max_batch = 1`` this is the
    one-by-one simulation, number for number.

    Examples
    --------
    >>> t = batch_table([0.001], {4: [0.002]}, 4)
    >>> arrivals = np.array([0.0, 0.0001, 0.0002, 0.0003])
    >>> soj = sojourn_batched(arrivals, t, 1, 4, 0.001, np.zeros(4, int), np.zeros(4))
    >>> np.round(soj * 1e3, 4).tolist()          # one batch of 4, closed at 0.3 ms, 2 ms long
    [2.3, 2.2, 2.1, 2.0]
    """
    times = arrivals.tolist()
    n = len(times)
    draws = table.drawer(max_batch)
    one = table.one
    free = [0.0] * workers
    ends = np.empty(n)
    replace = heapq.heapreplace
    right = bisect.bisect_right
    pick = picks.tolist()
    unif = uniforms.tolist()
    i = 0
    while i < n:
        f = free[0]
        t = times[i]
        last = i + max_batch - 1
        close = t + max_wait
        if last < n and times[last] < close:
            close = times[last]
        if close < f:
            close = f
        stop = last + 1 if last < n else n
        j = right(times, close, i, stop)
        size = j - i
        if size == 1:
            s = float(one[pick[i]])
        else:
            lo, hi, w = draws[size]
            u = unif[i]
            s = float(lo[min(int(u * lo.size), lo.size - 1)])
            if w:
                s = (1 - w) * s + w * float(hi[min(int(u * hi.size), hi.size - 1)])
        end = close + s
        replace(free, end)
        ends[i:j] = end
        i = j
    ends -= arrivals
    return ends
