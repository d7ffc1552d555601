"""The lanes of the capacity simulation: replicates with common random numbers, and their ratios.

A lane is one simulated sequence of requests: unit-rate arrival times and
service draws, from the samples as measured (lane 0 of a candidate) or from
a bootstrap resample of them. :mod:`.capacity` searches rates and
:mod:`.workers` worker counts over them; :mod:`.batched` adds a batching
server on the same draws.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .. import stats
from ..budget import percentile_value
from ..units import check_seed
from .simulation import RandomState, _sojourn_heap

__all__ = ["trusted_utilization"]

_MAX_ROWS = 640  # rows stepped together by the several-worker loop (memory bound)


class _Lanes:
    """Replicates of the simulation of one or more candidates, with common random numbers.

    Each candidate has ``per = replicates + 1`` lanes: the first draws from
    the measured samples as they are, the others from a bootstrap resample
    of them. Every lane keeps its unit-rate arrival times and its service
    draws, so the rate is changed by scaling the arrivals: with the draws
    held fixed, every percentile grows with the rate and the search below is
    well defined. Each candidate's draws come from its own generator seeded
    with ``random_state``, so a candidate gets the same answer alone or in a
    comparison (and candidates share their arrival draws).
    """

    def __init__(
        self,
        services: Sequence[np.ndarray],
        replicates: int,
        requests: int,
        warmup: int,
        random_state: RandomState,
        arrivals: Any = None,
    ) -> None:
        from .arrivals import parse_arrivals

        process = parse_arrivals(arrivals)
        self.arrivals = process
        per = replicates + 1
        total = requests + warmup
        self.per = per
        self.warmup = warmup
        self.requests = requests
        self.unit_arrivals = np.empty((per * len(services), total))
        self.service = np.empty_like(self.unit_arrivals)
        self.mean = np.empty(per * len(services))
        for j, service in enumerate(services):
            rng = np.random.default_rng(random_state)
            rows = slice(j * per, (j + 1) * per)
            self.unit_arrivals[rows] = np.cumsum(process.unit_gaps(rng, (per, total)), axis=1)
            picks = rng.integers(0, service.size, (per, service.size))
            picks[0] = np.arange(service.size)
            resampled = service[picks]
            self.mean[rows] = resampled.mean(axis=1)
            self.service[rows] = np.take_along_axis(
                resampled, rng.integers(0, service.size, (per, total)), axis=1
            )
        self._done = np.cumsum(self.service, axis=1)
        self._started = self._done - self.service
        # request-major copies for the several-worker loop
        self._arrivals_t = np.ascontiguousarray(self.unit_arrivals.T)
        self._service_t = np.ascontiguousarray(self.service.T)
        self._limit_ratio: dict[tuple[tuple[str, float], ...], np.ndarray] = {}

    @property
    def lanes(self) -> int:
        return int(self.unit_arrivals.shape[0])

    def of(self, candidate: int) -> np.ndarray:
        """The lane indices of one candidate."""
        return np.arange(candidate * self.per, (candidate + 1) * self.per)

    def ratios(
        self,
        rates: np.ndarray,
        workers: np.ndarray,
        limits: Mapping[str, float],
        lanes: np.ndarray,
    ) -> np.ndarray:
        """Budget ratio (max over limits of percentile / limit) of each row.

        Row ``i`` simulates lane ``lanes[i]`` at ``rates[i]`` with
        ``workers[i]`` servers.
        """
        out = np.empty(rates.size)
        one = workers == 1
        for chunk in np.array_split(np.flatnonzero(one), max(1, int(one.sum()) // 64)):
            if chunk.size:
                out[chunk] = self._ratios_one(rates[chunk], limits, lanes[chunk])
        many = np.flatnonzero(~one)
        if many.size:
            out[many] = self._ratios_many(rates[many], workers[many], limits, lanes[many])
        return out

    def _ratios_one(
        self, rates: np.ndarray, limits: Mapping[str, float], lanes: np.ndarray
    ) -> np.ndarray:
        arrivals = self.unit_arrivals[lanes] / rates[:, None]
        # Lindley's recursion with the cumulative service precomputed per lane
        done = np.maximum.accumulate(arrivals - self._started[lanes], axis=1)
        done += self._done[lanes]
        done -= arrivals
        return _budget_ratio(done[:, self.warmup :], limits)

    def _ratios_many(
        self,
        rates: np.ndarray,
        workers: np.ndarray,
        limits: Mapping[str, float],
        lanes: np.ndarray,
    ) -> np.ndarray:
        """FIFO with several servers: all rows stepped together, request by request.

        The servers' free times are kept sorted (row ``j`` of ``free`` is the
        ``j``-th earliest for every lane; a lane with fewer servers has its
        extra rows at infinity, where they stay): the next request goes to
        row 0 and its end is bubbled into place, ``2 (max workers - 1)``
        whole-array operations per request however many lanes there are.
        """
        if rates.size > _MAX_ROWS:  # bound the memory of the kept sojourn times
            parts = np.array_split(np.arange(rates.size), -(-rates.size // _MAX_ROWS))
            out = np.empty(rates.size)
            for part in parts:
                out[part] = self._ratios_many(rates[part], workers[part], limits, lanes[part])
            return out
        total = self._arrivals_t.shape[0]
        rows = rates.size
        width = int(workers.max())
        if rows < 2 * width:
            # few rows, many servers: a heap per row costs less than stepping all the servers
            out = np.empty(rows)
            for r in range(rows):
                lane = int(lanes[r])
                soj = _sojourn_heap(
                    self.unit_arrivals[lane] / rates[r], self.service[lane], int(workers[r])
                )
                out[r] = _budget_ratio(soj[None, self.warmup :], limits)[0]
            return out
        warm = self.warmup
        free = np.zeros((width, rows))
        free[np.arange(width)[:, None] >= workers[None, :]] = np.inf
        kept = np.empty((rows, total - warm), dtype=np.float32)
        end = np.empty(rows)
        t = np.empty(rows)
        s = np.empty(rows)
        inv = 1.0 / rates
        take, maximum, minimum, subtract = np.ndarray.take, np.maximum, np.minimum, np.subtract
        arrivals, service = self._arrivals_t, self._service_t
        last = free[width - 1]
        for i in range(total):
            take(arrivals[i], lanes, out=t)
            t *= inv
            take(service[i], lanes, out=s)
            maximum(free[0], t, out=end)
            end += s
            if i >= warm:
                subtract(end, t, out=kept[:, i - warm], casting="same_kind")
            for j in range(1, width):
                minimum(end, free[j], out=free[j - 1])
                maximum(end, free[j], out=end)
            last[...] = end
        return _budget_ratio(kept, limits)

    def idle_ratio(self, limits: Mapping[str, float], candidate: int | None = None) -> np.ndarray:
        """The ratio of each lane when no request waits: its own service draws alone.

        This is the ratio at a vanishing rate and at unboundedly many
        workers, computed on the very draws the simulation serves (not on
        the resample they come from), so a lane judged feasible here does
        meet the budget with enough workers. Of every lane, or only of
        ``candidate``'s lanes (the order of :meth:`of`).
        """
        key = tuple(sorted(limits.items()))
        ratio = self._limit_ratio.get(key)
        if ratio is None:
            ratio = _budget_ratio(self.service[:, self.warmup :].copy(), limits)
            self._limit_ratio[key] = ratio
        return ratio if candidate is None else ratio[self.of(candidate)]


def _row_percentiles(values: np.ndarray, qs: Sequence[float]) -> np.ndarray:
    """``np.percentile(values, qs, axis=1)`` (linear), partitioning ``values`` in place."""
    n = values.shape[1]
    pos = np.asarray(qs, dtype=np.float64) / 100.0 * (n - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, n - 1)
    values.partition(np.unique(np.concatenate([lo, hi])), axis=1)
    frac = (pos - lo)[:, None]
    result: np.ndarray = values[:, lo].T * (1.0 - frac) + values[:, hi].T * frac
    return result


def _budget_ratio(sojourn: np.ndarray, limits: Mapping[str, float]) -> np.ndarray:
    """Max over the limits of (percentile of each row) / limit; reorders ``sojourn``."""
    values = _row_percentiles(sojourn, [percentile_value(k) for k in limits])
    caps = np.array(list(limits.values()))[:, None]
    ratio: np.ndarray = np.max(values / caps, axis=0)
    return ratio


def trusted_utilization(requests: int) -> float:
    """The highest utilisation a simulation of ``requests`` requests is trusted at.

    A queue near saturation takes about ``1 / (1 - rho)**2`` service times
    to forget its start; a simulation much shorter than that has not reached
    steady state and under-states the tail. The search for max QPS stops at
    ``1 - sqrt(50 / requests)`` (0.95 for 20,000 requests) and reports a
    capacity found there as a lower bound (``MaxQPS.capped``).

    Examples
    --------
    >>> round(trusted_utilization(20_000), 3)
    0.95
    """
    return 1.0 - math.sqrt(50.0 / requests)


def _undersampled(n: int, limits: Mapping[str, float]) -> bool:
    return any(n < stats.required_samples(percentile_value(k)) for k in limits)


def _unbounded_tail(n: int, limits: Mapping[str, float]) -> bool:
    """A budget percentile has no 97.5% upper bound from ``n`` samples: capacity may be 0."""
    return any(stats.one_sided_bounds(n, percentile_value(k), 0.025)[1] is None for k in limits)


def _interval(values: np.ndarray, estimate: float) -> tuple[float, float]:
    if values.size == 0:
        return (estimate, estimate)
    low = float(np.percentile(values, 2.5, method="lower"))
    high = float(np.percentile(values, 97.5, method="higher"))
    return (min(low, estimate), max(high, estimate))


def _make_lanes(
    services: Sequence[np.ndarray],
    random_state: RandomState,
    replicates: int,
    requests: int,
    arrivals: Any = None,
) -> _Lanes:
    warmup = max(1000, requests // 10)
    if isinstance(random_state, int | np.integer):
        random_state = check_seed(random_state)
    return _Lanes(services, replicates, requests, warmup, random_state, arrivals)
