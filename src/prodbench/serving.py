"""Serving under load: queueing simulation, max QPS within a budget, workers and cost.

Everything here except :func:`load_test` works from service times already
measured (the one-row latency samples of a result): nothing is timed again.

The model of a serving deployment is a FIFO queue in front of ``workers``
identical servers (processes pulling from one socket, or a load balancer
with a queue). Requests arrive as a Poisson process at ``qps``; each takes a
service time drawn with replacement from the measured samples. The
*sojourn* time of a request (wait in the queue plus service) is what its
caller sees as latency.

The simulation starts with an empty queue, which makes the first requests
faster than in steady state; a warm-up prefix of requests is simulated and
discarded (by default a tenth of ``requests``, at least 1,000).

Examples
--------
>>> import numpy as np
>>> from prodbench import serving
>>> service = np.full(1000, 0.001)            # every request takes 1 ms
>>> lat = serving.simulate(service, qps=500.0, requests=10_000, random_state=0)
>>> round(float(lat.min()), 9), lat.size          # never faster than the service
(0.001, 10000)
"""

from __future__ import annotations

import collections
import dataclasses
import heapq
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt

from . import stats
from .budget import PERCENTILE_KEYS, percentile_limits
from .errors import BudgetError, DataError, SpecError
from .serving_results import (
    CandidateCapacity,
    Capacity,
    LoadLatency,
    LoadPoint,
    LoadTestResult,
    MaxQPS,
)
from .stats import batch_means_interval

if TYPE_CHECKING:
    from .budget import Budget
    from .results import LatencyResult, ModelResult
    from .verdict import Comparison

__all__ = [
    "CAPACITY_REPLICATES",
    "CAPACITY_REQUESTS",
    "batch_means_interval",
    "candidate_capacity",
    "comparison_capacity",
    "load_curve",
    "load_test",
    "load_test_candidate",
    "max_qps",
    "simulate",
    "trusted_utilization",
    "workers_needed",
]

CAPACITY_REQUESTS = 20_000
"""Simulated requests per replicate in :func:`max_qps` (after the warm-up prefix)."""

CAPACITY_REPLICATES = 32
"""Bootstrap replicates behind a max-QPS interval (sized so that ``cmp.capacity()``
for two candidates and four worker counts takes a few seconds)."""

TARGET_REQUESTS = 100_000
"""Simulated requests for the p50/p99 reported at a target rate."""

MAX_WORKERS = 1024
"""The most workers :func:`workers_needed` will consider."""

_MAX_ROWS = 640  # rows stepped together by the several-worker loop (memory bound)
_GRID = 8  # rates tried at once per replicate in each refinement pass
_PASSES = 2

RandomState = int | np.random.Generator | None


# --------------------------------------------------------------------------- input checks
def _service_seconds(service_s: Any) -> np.ndarray:
    """Measured service times as a float array of seconds (a LatencyResult is accepted)."""
    samples = getattr(service_s, "samples_ns", None)
    if samples is not None:
        arr = np.asarray(samples, dtype=np.float64) / 1e9
    else:
        arr = np.asarray(service_s, dtype=np.float64)
    arr = arr.ravel()
    if arr.size == 0:
        raise DataError(
            "No service times to simulate with. Pass the measured one-row latencies "
            "(seconds), e.g. result.latency, with at least one sample."
        )
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise DataError(
            "Service times must be finite and non-negative seconds. Pass measured latencies "
            "in seconds (divide nanoseconds by 1e9)."
        )
    if float(arr.mean()) <= 0:
        raise DataError("Every service time is zero; there is nothing to queue behind.")
    return arr


def _check_qps(qps: float, name: str = "qps") -> float:
    if isinstance(qps, bool) or not isinstance(qps, (int, float, np.floating, np.integer)):
        raise SpecError(f"{name} must be a number of requests per second, not {qps!r}.")
    value = float(qps)
    if not (value > 0 and math.isfinite(value)):
        raise SpecError(f"{name} must be a positive, finite request rate, e.g. 500; got {qps!r}.")
    return value


def _check_workers(workers: Any) -> int:
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise SpecError(f"workers must be a whole number of at least 1, e.g. 2; got {workers!r}.")
    return int(workers)


def _check_requests(requests: Any, name: str = "requests") -> int:
    if isinstance(requests, bool) or not isinstance(requests, (int, np.integer)) or requests < 1:
        raise SpecError(f"{name} must be a positive whole number, e.g. 100000; got {requests!r}.")
    return int(requests)


# --------------------------------------------------------------------------- simulation
def _sojourn_one(arrivals: np.ndarray, service: np.ndarray) -> np.ndarray:
    """FIFO single server, vectorised along the last axis.

    The departure of request n is ``D_n = max(D_{n-1}, T_n) + S_n``, which
    unrolls to ``C_n + max_{k<=n}(T_k - C_{k-1})`` with ``C`` the cumulative
    service: Lindley's recursion as a cumulative sum and a running maximum.
    """
    done = np.cumsum(service, axis=-1)
    start_gap = np.maximum.accumulate(arrivals - (done - service), axis=-1)
    done += start_gap
    done -= arrivals
    return done


def _sojourn_heap(arrivals: np.ndarray, service: np.ndarray, workers: int) -> np.ndarray:
    """FIFO ``workers`` servers, one lane: a heap of the times each server frees up."""
    free = [0.0] * workers
    ends: list[float] = []
    append = ends.append
    replace = heapq.heapreplace
    for t, s in zip(arrivals.tolist(), service.tolist(), strict=True):
        f = free[0]
        end = (t if t > f else f) + s
        replace(free, end)
        append(end)
    out = np.array(ends)
    out -= arrivals
    return out


def simulate(
    service_s: npt.ArrayLike | LatencyResult,
    qps: float,
    workers: int = 1,
    requests: int = 100_000,
    random_state: RandomState = 0,
    *,
    warmup: int | None = None,
) -> np.ndarray:
    """Simulate a FIFO queue fed by Poisson arrivals, served with measured service times.

    Parameters
    ----------
    service_s : array-like of float or LatencyResult
        Measured service times in seconds (a :class:`prodbench.LatencyResult`
        is read from its raw samples). Each request's service time is drawn
        from them with replacement.
    qps : float
        Mean arrival rate, requests per second (Poisson process).
    workers : int, default 1
        Identical servers taking requests from one FIFO queue.
    requests : int, default 100000
        Requests returned.
    random_state : int, Generator or None, default 0
        Seeds the arrivals and the service draws.
    warmup : int, optional
        Requests simulated first, from an empty queue, and discarded so the
        returned ones are near steady state. Default ``max(1000, requests // 10)``.

    Returns
    -------
    numpy.ndarray
        Sojourn time (wait + service) of each request in seconds, in arrival order.

    Notes
    -----
    One worker is vectorised (Lindley's recursion as a cumulative sum and a
    running maximum; 1,000,000 requests in well under a second). Several
    workers step through the requests with a heap of server free times
    (about 0.3 s per million requests). At or above saturation
    (``qps * mean(service) >= workers``) the queue grows without bound and
    the result depends on ``requests``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> service = rng.exponential(0.001, 100_000)   # M/M/1 with mu = 1000/s
    >>> lat = simulate(service, qps=500.0, requests=200_000, random_state=1)
    >>> bool(abs(lat.mean() / 0.002 - 1) < 0.05)    # theory: 1 / (mu - lambda) = 2 ms
    True
    """
    service = _service_seconds(service_s)
    rate = _check_qps(qps)
    c = _check_workers(workers)
    n = _check_requests(requests)
    skip = max(1000, n // 10) if warmup is None else warmup
    if isinstance(skip, bool) or not isinstance(skip, (int, np.integer)) or skip < 0:
        raise SpecError(f"warmup must be a whole number of requests >= 0; got {warmup!r}.")
    total = n + int(skip)
    rng = np.random.default_rng(random_state)
    arrivals = np.cumsum(rng.exponential(1.0 / rate, total))
    drawn = service[rng.integers(0, service.size, total)]
    out = _sojourn_one(arrivals, drawn) if c == 1 else _sojourn_heap(arrivals, drawn, c)
    return out[int(skip) :]


# --------------------------------------------------------------------------- max QPS
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
    ) -> None:
        per = replicates + 1
        total = requests + warmup
        self.per = per
        self.warmup = warmup
        self.requests = requests
        self.unit_arrivals = np.empty((per * len(services), total))
        self.service = np.empty_like(self.unit_arrivals)
        self.mean = np.empty(per * len(services))
        self._resampled = []
        for j, service in enumerate(services):
            rng = np.random.default_rng(random_state)
            rows = slice(j * per, (j + 1) * per)
            self.unit_arrivals[rows] = np.cumsum(rng.exponential(1.0, (per, total)), axis=1)
            picks = rng.integers(0, service.size, (per, service.size))
            picks[0] = np.arange(service.size)
            resampled = service[picks]
            self.mean[rows] = resampled.mean(axis=1)
            self.service[rows] = np.take_along_axis(
                resampled, rng.integers(0, service.size, (per, total)), axis=1
            )
            self._resampled.append(resampled)
        self._done = np.cumsum(self.service, axis=1)
        self._started = self._done - self.service
        # request-major copies for the several-worker loop
        self._arrivals_t = np.ascontiguousarray(self.unit_arrivals.T)
        self._service_t = np.ascontiguousarray(self.service.T)

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
        warm = self.warmup
        free = np.zeros((width, rows))
        free[np.arange(width)[:, None] >= workers[None, :]] = np.inf
        kept = np.empty((rows, total - warm), dtype=np.float32)
        end = np.empty(rows)
        t = np.empty(rows)
        s = np.empty(rows)
        inv = 1.0 / rates
        take, maximum, minimum, subtract = np.take, np.maximum, np.minimum, np.subtract
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
        """The ratio at a vanishing rate: the service-time percentiles alone, per lane.

        Of every lane, or only of ``candidate``'s lanes (the order of :meth:`of`).
        """
        chosen = self._resampled if candidate is None else [self._resampled[candidate]]
        return np.concatenate([_budget_ratio(r.copy(), limits) for r in chosen])


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
    values = _row_percentiles(sojourn, [PERCENTILE_KEYS[k] for k in limits])
    caps = np.array(list(limits.values()))[:, None]
    ratio: np.ndarray = np.max(values / caps, axis=0)
    return ratio


_FIRST_PASS = np.array([0.25, 0.5, 0.7, 0.82, 0.9, 0.95, 0.98, 1.0])
"""Fractions of the highest trusted utilisation tried first (budgets usually bind high)."""


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


def _search(
    lanes: _Lanes, counts: Sequence[int], limits: Mapping[str, float], passes: int = _PASSES
) -> np.ndarray:
    """Per worker count and lane, the highest rate whose budget ratio is at most 1.

    Returns an array ``(len(counts), lanes)``. All worker counts and lanes
    are stepped together; each pass tries a grid of rates per lane (many
    rows cost little more than one in the stepping loop): the first pass a
    spread of utilisations towards saturation, later passes subdivide the
    bracket found. The answer is interpolated in log(ratio) inside the last
    bracket.
    """
    n = lanes.lanes
    workers = np.repeat(np.asarray(counts, dtype=np.int64), n)
    lane_of = np.tile(np.arange(n), len(counts))
    rows = workers.size
    saturation = workers / lanes.mean[lane_of] * trusted_utilization(lanes.requests)
    low = np.zeros(rows)
    high = saturation.copy()
    r_low = lanes.idle_ratio(limits)[lane_of]
    r_high = np.full(rows, np.inf)
    feasible = r_low <= 1.0
    active = np.flatnonzero(feasible)
    if active.size:
        for step in range(passes):
            if step == 0:
                grid = saturation[active, None] * _FIRST_PASS[None, :]
            else:
                frac = np.arange(1, _GRID + 1) / (_GRID + 1)
                grid = low[active, None] + (high[active] - low[active])[:, None] * frac
            g = grid.shape[1]
            ratio = lanes.ratios(
                grid.ravel(), np.repeat(workers[active], g), limits, np.repeat(lane_of[active], g)
            ).reshape(active.size, g)
            ok = ratio <= 1.0
            # monotone with common random numbers: the points passing form a prefix
            n_ok = np.where(ok.any(axis=1), g - np.argmax(ok[:, ::-1], axis=1), 0)
            has_low = n_ok > 0
            has_high = n_ok < g
            pick = np.minimum(n_ok, g - 1)
            idx = np.arange(active.size)
            rows_low = active[has_low]
            low[rows_low] = grid[idx[has_low], n_ok[has_low] - 1]
            r_low[rows_low] = ratio[idx[has_low], n_ok[has_low] - 1]
            rows_high = active[has_high]
            high[rows_high] = grid[idx[has_high], pick[has_high]]
            r_high[rows_high] = ratio[idx[has_high], pick[has_high]]
    out = low.copy()
    finite = feasible & np.isfinite(r_high) & (r_low > 0) & (r_high > 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.log(1.0 / r_low) / np.log(r_high / r_low)
    frac = np.clip(np.nan_to_num(frac, nan=0.0), 0.0, 1.0)
    out[finite] = low[finite] + (high[finite] - low[finite]) * frac[finite]
    out[~feasible] = 0.0
    return out.reshape(len(counts), n)


def _undersampled(n: int, limits: Mapping[str, float]) -> bool:
    return any(n < stats.required_samples(PERCENTILE_KEYS[k]) for k in limits)


def _interval(values: np.ndarray, estimate: float) -> tuple[float, float]:
    if values.size == 0:
        return (estimate, estimate)
    low = float(np.percentile(values, 2.5, method="lower"))
    high = float(np.percentile(values, 97.5, method="higher"))
    return (min(low, estimate), max(high, estimate))


def _max_qps_table(
    lanes: _Lanes,
    services: Sequence[np.ndarray],
    counts: Sequence[int],
    limits: Mapping[str, float],
    requests: int,
) -> list[dict[int, MaxQPS]]:
    """Max QPS of every candidate of ``lanes`` at every worker count."""
    rates = _search(lanes, counts, limits)
    out = []
    for j, service in enumerate(services):
        table = {}
        for c, row in zip(counts, rates[:, lanes.of(j)], strict=True):
            estimate = float(row[0])
            low, high = _interval(row[1:], estimate)
            top = c / float(service.mean()) * trusted_utilization(requests)
            table[c] = MaxQPS(
                workers=c,
                qps=estimate,
                qps_low=low,
                qps_high=high,
                mean_service_s=float(service.mean()),
                n_samples=int(service.size),
                budget=dict(limits),
                undersampled=_undersampled(service.size, limits),
                requests=requests,
                replicates=lanes.per - 1,
                capped=estimate >= top * (1 - 1e-9),
            )
        out.append(table)
    return out


def _make_lanes(
    services: Sequence[np.ndarray], random_state: RandomState, replicates: int, requests: int
) -> _Lanes:
    warmup = max(1000, requests // 10)
    return _Lanes(services, replicates, requests, warmup, random_state)


def _check_replicates(replicates: Any) -> int:
    if isinstance(replicates, bool) or not isinstance(replicates, (int, np.integer)):
        raise SpecError(f"replicates must be a whole number >= 0; got {replicates!r}.")
    if replicates < 0:
        raise SpecError(f"replicates must be a whole number >= 0; got {replicates!r}.")
    return int(replicates)


def max_qps(
    service_s: npt.ArrayLike | LatencyResult,
    budget: Budget | str | Mapping[str, Any] = "p99=5ms",
    workers: int = 1,
    random_state: RandomState = 0,
    *,
    replicates: int | None = None,
    requests: int | None = None,
) -> MaxQPS:
    """The highest Poisson arrival rate whose simulated percentiles meet the budget.

    Parameters
    ----------
    service_s : array-like of float or LatencyResult
        Measured service times in seconds (or a latency result).
    budget : Budget, str or mapping, default "p99=5ms"
        Its percentile limits (p50, p90, p99, p999) must all hold; other
        limits (size, cold start) do not depend on the load and are ignored.
    workers : int, default 1
        Servers sharing one FIFO queue.
    random_state : int, Generator or None, default 0
        Seeds the simulation and the bootstrap.
    replicates : int, optional
        Bootstrap replicates for the interval (default
        :data:`CAPACITY_REPLICATES`, 32): each resamples the measured samples
        and draws new arrivals and services (0: no interval).
    requests : int, optional
        Simulated requests per replicate (default :data:`CAPACITY_REQUESTS`,
        20,000) after a warm-up prefix of ``max(1000, requests // 10)``.

    Returns
    -------
    MaxQPS
        ``.qps`` (from the samples as measured), ``.interval`` (2.5% and
        97.5% points of the replicates, widened to contain ``.qps``),
        ``.utilization`` and ``.undersampled``.

    Notes
    -----
    The rate is searched in ``(0, workers / mean(service))`` with common
    random numbers, so every percentile increases with the rate: a first
    pass tries utilisations 0.25 to 0.995, a second subdivides the bracket
    found, and the last bracket is interpolated in log(percentile / limit).
    When the service percentiles alone exceed the budget the answer is 0.
    Close to saturation a finite simulation has not reached steady state,
    so the search stops at :func:`trusted_utilization` (0.95 for 20,000
    requests); a budget still met there gives ``.capped`` and a lower bound.

    Examples
    --------
    >>> import numpy as np
    >>> service = np.random.default_rng(0).exponential(0.001, 5000)
    >>> cap = max_qps(service, "p99=10ms", workers=1, random_state=0)
    >>> bool(400 < cap.qps < 700), cap.interval[0] <= cap.qps <= cap.interval[1]
    (True, True)
    """
    service = _service_seconds(service_s)
    limits = percentile_limits(budget)
    c = _check_workers(workers)
    reps = _check_replicates(CAPACITY_REPLICATES if replicates is None else replicates)
    n = _check_requests(CAPACITY_REQUESTS if requests is None else requests)
    lanes = _make_lanes([service], random_state, reps, n)
    return _max_qps_table(lanes, [service], (c,), limits, n)[0][c]


def _workers_for(
    lanes: _Lanes,
    candidate: int,
    service: np.ndarray,
    rate: float,
    limits: Mapping[str, float],
    random_state: RandomState,
    price_per_core_hour: float,
    max_workers: int,
) -> LoadPoint:
    mine = lanes.of(candidate)
    if float(lanes.idle_ratio(limits, candidate).max()) > 1.0:
        worst = ", ".join(f"{k} < {v * 1e3:g} ms" for k, v in limits.items())
        return LoadPoint(
            rate,
            None,
            math.nan,
            math.nan,
            price_per_core_hour,
            f"the service time alone exceeds {worst} (in the samples or a bootstrap replicate); "
            "no number of workers meets the budget",
        )
    means = lanes.mean[mine]
    c = max(1, math.floor(rate * float(means.max())) + 1)
    trusted = trusted_utilization(lanes.requests)
    while c <= max_workers:
        # as max QPS: within the trusted utilisation, and the budget met in every replicate
        if bool(np.all(rate * means <= c * trusted)):
            ratio = lanes.ratios(np.full(mine.size, rate), np.full(mine.size, c), limits, mine)
            if bool(np.all(ratio <= 1.0)):
                break
        c += 1
    else:
        return LoadPoint(
            rate,
            None,
            math.nan,
            math.nan,
            price_per_core_hour,
            f"more than {max_workers} workers would be needed",
        )
    lat = simulate(service, rate, c, TARGET_REQUESTS, random_state)
    p50, p99 = np.percentile(lat, [50, 99])
    return LoadPoint(rate, c, float(p50), float(p99), price_per_core_hour)


def workers_needed(
    service_s: npt.ArrayLike | LatencyResult,
    qps: float,
    budget: Budget | str | Mapping[str, Any] = "p99=5ms",
    random_state: RandomState = 0,
    *,
    price_per_core_hour: float = 0.05,
    replicates: int | None = None,
    requests: int | None = None,
    max_workers: int = MAX_WORKERS,
) -> LoadPoint:
    """The fewest workers whose max-QPS lower bound reaches ``qps``, and that load.

    A worker count qualifies when every bootstrap replicate meets the budget
    at ``qps`` (the lower end of the max-QPS interval is the lowest
    replicate, so this is "lower bound >= qps"). The p50 and p99 at that
    load are simulated from the samples as measured with 100,000 requests;
    the cost is ``workers x price_per_core_hour``, one core per worker.

    Examples
    --------
    >>> import numpy as np
    >>> service = np.random.default_rng(0).exponential(0.001, 5000)
    >>> workers_needed(service, 1500.0, "p99=10ms").workers
    3
    """
    service = _service_seconds(service_s)
    limits = percentile_limits(budget)
    rate = _check_qps(qps)
    reps = _check_replicates(CAPACITY_REPLICATES if replicates is None else replicates)
    n = _check_requests(CAPACITY_REQUESTS if requests is None else requests)
    lanes = _make_lanes([service], random_state, reps, n)
    return _workers_for(
        lanes, 0, service, rate, limits, random_state, price_per_core_hour, max_workers
    )


def _as_worker_tuple(workers: int | Iterable[int]) -> tuple[int, ...]:
    if isinstance(workers, (int, np.integer)) and not isinstance(workers, bool):
        return (_check_workers(workers),)
    try:
        items = tuple(workers)  # type: ignore[arg-type]
    except TypeError:
        raise SpecError(
            f"workers must be a whole number or a list of them, e.g. (1, 2, 4); got {workers!r}."
        ) from None
    if not items:
        raise SpecError("workers is empty. Pass at least one worker count, e.g. (1, 2, 4).")
    return tuple(sorted({_check_workers(w) for w in items}))


def _capacities(
    services: Mapping[str, np.ndarray],
    limits: Mapping[str, float],
    counts: tuple[int, ...],
    target: float | None,
    random_state: RandomState,
    price_per_core_hour: float,
    replicates: int,
    requests: int,
) -> dict[str, CandidateCapacity]:
    arrays = list(services.values())
    lanes = _make_lanes(arrays, random_state, replicates, requests)
    tables = _max_qps_table(lanes, arrays, counts, limits, requests)
    out = {}
    for j, (name, service) in enumerate(services.items()):
        point = None
        if target is not None:
            point = _workers_for(
                lanes, j, service, target, limits, random_state, price_per_core_hour, MAX_WORKERS
            )
        out[name] = CandidateCapacity(name=name, max_qps=tables[j], target=point)
    return out


def candidate_capacity(
    latency: LatencyResult | npt.ArrayLike,
    budget: Budget | str | Mapping[str, Any],
    workers: int | Iterable[int] = 1,
    qps: float | None = None,
    *,
    name: str = "",
    random_state: RandomState = 0,
    price_per_core_hour: float = 0.05,
    replicates: int | None = None,
    requests: int | None = None,
) -> CandidateCapacity:
    """Max QPS per worker count and, for a target ``qps``, the workers it needs.

    This is what :meth:`prodbench.ModelResult.capacity` returns; all worker
    counts share the same simulation draws (common random numbers), and a
    candidate gets the same figures here as in :meth:`Comparison.capacity`.

    Examples
    --------
    >>> import numpy as np
    >>> service = np.random.default_rng(0).exponential(0.001, 5000)
    >>> cap = candidate_capacity(service, "p99=10ms", workers=(1, 2), qps=1500.0)
    >>> cap[2].qps > cap[1].qps, cap.target.workers
    (True, 3)
    """
    service = _service_seconds(latency)
    return _capacities(
        {name: service},
        percentile_limits(budget),
        _as_worker_tuple(workers),
        None if qps is None else _check_qps(qps),
        random_state,
        price_per_core_hour,
        _check_replicates(CAPACITY_REPLICATES if replicates is None else replicates),
        _check_requests(CAPACITY_REQUESTS if requests is None else requests),
    )[name]


def result_capacity(
    result: ModelResult,
    budget: Budget | str | Mapping[str, Any],
    workers: int | Iterable[int] = 1,
    qps: float | None = None,
    **kwargs: Any,
) -> CandidateCapacity:
    """:func:`candidate_capacity` of a measured :class:`prodbench.ModelResult`.

    Examples
    --------
    >>> cap = result_capacity(result, "p99=5ms", workers=(1, 2), qps=500)  # doctest: +SKIP
    >>> cap[2].qps, cap.target.workers, cap.target.cost_per_million  # doctest: +SKIP
    """
    return candidate_capacity(result.latency, budget, workers, qps, name=result.name, **kwargs)


def comparison_capacity(
    cmp: Comparison,
    budget: Budget | str | Mapping[str, Any] | None = None,
    qps: float | None = None,
    workers: int | Sequence[int] = (1, 2, 4, 8),
    *,
    random_state: RandomState = 0,
    replicates: int | None = None,
    requests: int | None = None,
) -> Capacity:
    """Capacity of every measured candidate of ``cmp`` (see :meth:`Comparison.capacity`).

    ``budget`` defaults to the comparison's budget; ``qps`` to the target
    rate the comparison carries (``cmp.options["qps"]``), if any. All
    candidates are simulated together (one stepping loop for all of them).

    Examples
    --------
    >>> cap = comparison_capacity(cmp, "p99=5ms", qps=500)  # doctest: +SKIP
    >>> print(cap)                                           # doctest: +SKIP
    Capacity within p99 < 5 ms:
    ...
    """
    chosen = cmp.budget if budget is None else budget
    if chosen is None:
        raise BudgetError(
            "Capacity needs a latency budget with a percentile limit. Pass budget='p99=5ms' "
            "(or compare with --budget p99=5ms)."
        )
    limits = percentile_limits(chosen)
    target = qps if qps is not None else cmp.options.get("qps")
    target = None if target is None else _check_qps(target)
    counts = _as_worker_tuple(workers)
    reps = _check_replicates(CAPACITY_REPLICATES if replicates is None else replicates)
    n = _check_requests(CAPACITY_REQUESTS if requests is None else requests)
    services = {name: _service_seconds(cmp.results[name].latency) for name in cmp.measured}
    candidates = (
        _capacities(
            services, limits, counts, target, random_state, cmp.price_per_core_hour, reps, n
        )
        if services
        else {}
    )
    notes = tuple(
        f"{name}: capacity from {c.n_samples:,} samples; "
        + ", ".join(
            f"{k} needs {stats.required_samples(PERCENTILE_KEYS[k]):,}"
            for k in limits
            if c.n_samples < stats.required_samples(PERCENTILE_KEYS[k])
        )
        + " (under-sampled)"
        for name, c in candidates.items()
        if c.undersampled
    )
    return Capacity(
        budget=dict(limits),
        workers=counts,
        candidates=candidates,
        qps=target,
        price_per_core_hour=cmp.price_per_core_hour,
        replicates=reps,
        requests=n,
        notes=notes,
    )


def load_curve(
    service_s: npt.ArrayLike | LatencyResult,
    workers: int = 1,
    points: int = 24,
    *,
    requests: int = CAPACITY_REQUESTS,
    random_state: RandomState = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Simulated p50 and p99 against offered rate, up to 97% of saturation.

    Returns ``(qps, p50, p99)`` arrays (seconds), with common random numbers
    across the rates so the curves are smooth. Used by
    ``cmp.plot(kind="load")``.

    Examples
    --------
    >>> import numpy as np
    >>> qps, p50, p99 = load_curve(np.full(100, 0.001), points=4, requests=2000)
    >>> bool(np.all(np.diff(p99) >= 0)), round(float(qps[-1]))
    (True, 970)
    """
    service = _service_seconds(service_s)
    c = _check_workers(workers)
    n = _check_requests(requests)
    lanes = _make_lanes([service], random_state, 0, n)
    saturation = c / float(service.mean())
    rates = saturation * np.linspace(0.05, 0.97, _check_requests(points, "points"))
    done = lanes.unit_arrivals[0] / rates[:, None]
    sojourn = (
        _sojourn_one(done, np.broadcast_to(lanes.service[0], done.shape))
        if c == 1
        else np.stack([_sojourn_heap(row, lanes.service[0], c) for row in done])
    )
    p50, p99 = _row_percentiles(np.ascontiguousarray(sojourn[:, lanes.warmup :]), [50.0, 99.0])
    return rates, p50, p99


# --------------------------------------------------------------------------- the load test
LOAD_MAX_REQUESTS = 1_000_000
"""The most requests one load test schedules."""

LOAD_ROWS = 1000
"""Distinct test rows the requests cycle through (sliced before the clock starts)."""

_LEAD_NS = 20_000_000  # the first arrival is this long after the run clock starts
_SPIN_NS = 300_000  # wait for an arrival closer than this by spinning, not by select()
_DEPTH = 1  # requests a busy server may hold queued behind the one it serves


class _NoOpModel:
    """Stands in for the model to measure the harness alone (``lt.floor``)."""

    def __init__(self) -> None:
        self._out = np.zeros(1)

    def predict(self, X: Any) -> np.ndarray:
        return self._out


class _Server(Protocol):
    """What the dispatcher needs of a worker holding the model (see ``_start_servers``)."""

    def submit(self, index: int) -> None: ...

    def poll(self, timeout: float) -> bool: ...

    def fileno(self) -> int: ...

    def result(self) -> Any: ...

    def close(self) -> None: ...


def _arrivals(qps: float, duration: float, rng: np.random.Generator, cap: int) -> np.ndarray:
    """Poisson arrival offsets in seconds within ``[0, duration)``, drawn in advance."""
    expected = qps * duration
    if expected > cap:
        raise SpecError(
            f"qps x duration = {expected:,.0f} requests, more than the {cap:,} a load test "
            "sends. Lower --qps or --duration."
        )
    draws = int(expected + 10.0 * math.sqrt(expected) + 10)
    offsets = np.cumsum(rng.exponential(1.0 / qps, draws))
    return offsets[offsets < duration]


def _open_loop(
    servers: Sequence[_Server], schedule_s: np.ndarray, time_limit_s: float
) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
    """Dispatch requests at their scheduled times to the servers, FIFO; time each one.

    Returns ``(latency_ns, completed, elapsed_s, service_ns)``: per request
    (in arrival order) the time from its *scheduled* arrival to the moment
    the worker finished it, whether it completed, the wall time from the
    first scheduled arrival to the last completion, and the service time the
    worker timed around the model call. A request that arrives while every
    server is busy waits in the queue, and that wait is in its latency: a
    slow server cannot hide queueing (no coordinated omission).

    Arrived requests go first to idle servers; when every server is busy, the
    next one in line is queued on a server behind the request it is serving
    (at most one per server, :data:`_DEPTH`), so a worker never idles waiting
    for the dispatcher's round trip between two queued requests (that round
    trip would otherwise be added to every service time). With one worker this
    is exactly a FIFO queue; with several, the only departure from one shared
    FIFO is that a server's next request is committed while it serves the
    current one. Completion is stamped in the worker with the same monotonic
    clock (``perf_counter_ns``, system-wide), so the reply's trip back is not
    counted. Requests not finished within ``time_limit_s`` of the start are
    dropped.
    """
    import selectors

    clock = time.perf_counter_ns
    n = schedule_s.size
    done_ns = np.zeros(n, dtype=np.int64)
    service_ns = np.zeros(n, dtype=np.int64)
    completed = np.zeros(n, dtype=bool)
    selector = selectors.DefaultSelector()
    by_fd = {server.fileno(): server for server in servers}
    for fd in by_fd:  # an idle worker sends nothing, so it is never ready
        selector.register(fd, selectors.EVENT_READ)
    queued: dict[int, collections.deque[int]] = {fd: collections.deque() for fd in by_fd}
    waiting: collections.deque[int] = collections.deque()
    start = clock() + _LEAD_NS
    sched = start + np.round(schedule_s * 1e9).astype(np.int64)
    sched_list = sched.tolist()
    deadline = start + int(time_limit_s * 1e9)
    nxt = 0
    last = start

    def collect(fd: int) -> None:
        nonlocal last
        server = by_fd[fd]
        while queued[fd] and server.poll(0.0):
            spent, stamp = server.result()
            index = queued[fd].popleft()
            service_ns[index] = spent
            done_ns[index] = stamp
            completed[index] = True
            last = max(last, stamp)

    try:
        while nxt < n or waiting or any(queued.values()):
            now = clock()
            if now > deadline:
                break
            while nxt < n and sched_list[nxt] <= now:
                waiting.append(nxt)
                nxt += 1
            for depth in range(_DEPTH + 1):
                for fd, line in queued.items():
                    if waiting and len(line) == depth:
                        index = waiting.popleft()
                        by_fd[fd].submit(index)
                        line.append(index)
            gap = sched_list[nxt] - clock() if nxt < n else deadline - clock()
            if any(queued.values()):
                timeout = 0.0 if gap < _SPIN_NS else (gap - _SPIN_NS) / 1e9
                for key, _ in selector.select(timeout):
                    collect(int(key.fd))
            elif nxt < n and gap >= _SPIN_NS:
                time.sleep((gap - _SPIN_NS) / 1e9)
    finally:
        selector.close()
    latency = done_ns - sched
    span_ns = round(float(schedule_s[-1]) * 1e9) if n else 0
    elapsed = max(last - start, span_ns, 1) / 1e9
    return latency[completed], completed, elapsed, service_ns[completed]


def _serve_setup(state: dict[str, Any], model: Any, rows: list[Any], method: str) -> None:
    """In a worker: keep the model and the pre-sliced rows; threads limited to 1; warm up."""
    from threadpoolctl import threadpool_limits

    state["limits"] = threadpool_limits(limits=1)  # for the worker's life, as in serving
    state["call"] = getattr(model, method)
    state["rows"] = rows
    state["n"] = len(rows)
    for row in rows[: min(len(rows), 20)]:  # warm-up, before the run clock
        state["call"](row)


def _serve_request(state: dict[str, Any], index: int) -> tuple[int, int]:
    """In a worker: one request, one pre-sliced row; back: (service ns, completion stamp)."""
    row = state["rows"][index % state["n"]]
    clock = time.perf_counter_ns
    began = clock()
    state["call"](row)
    ended = clock()
    return ended - began, ended


class _ModelServer:
    """A :class:`prodbench.worker.Worker` holding the model, fed one request at a time."""

    def __init__(self, worker: Any) -> None:
        self.worker = worker

    def submit(self, index: int) -> None:
        self.worker.submit(_serve_request, index, pipeline=True)

    def poll(self, timeout: float) -> bool:
        return bool(self.worker.poll(timeout))

    def fileno(self) -> int:
        return int(self.worker.fileno())

    def result(self) -> Any:
        from .errors import ModelFailedError
        from .worker import RemoteError

        try:
            return self.worker.result()
        except RemoteError as exc:
            raise ModelFailedError(
                f"The model raised in a load-test worker ({exc.short_type}: "
                f"{exc.remote_message}). Check it with prodbench compare first.",
                phase="load-test",
            ) from exc

    def close(self) -> None:
        self.worker.close()


def _start_servers(
    model: Any, rows: list[Any], workers: int, method: str, timeout: float
) -> list[_ModelServer]:
    """Start ``workers`` isolation workers (:mod:`prodbench.worker`), each with the model."""
    from .errors import ModelFailedError
    from .worker import RemoteError, Worker

    started: list[_ModelServer] = []
    try:
        for i in range(workers):
            worker = Worker(name=f"load-test-{i}", startup_timeout=timeout).start()
            started.append(_ModelServer(worker))
        for server in started:
            server.worker.submit(_serve_setup, model, rows, method)
        for server in started:
            server.worker.result(timeout)
    except RemoteError as exc:
        for server in started:
            server.worker.kill()
        raise ModelFailedError(
            f"The model could not be set up in a load-test worker ({exc.short_type}: "
            f"{exc.remote_message}).",
            phase="load-test",
        ) from exc
    except BaseException:
        for server in started:
            server.worker.kill()
        raise
    return started


def _check_duration(duration: Any) -> float:
    if isinstance(duration, bool) or not isinstance(duration, (int, float, np.floating)):
        raise SpecError(f"duration must be a number of seconds, e.g. 10; got {duration!r}.")
    value = float(duration)
    if not (value > 0 and math.isfinite(value)):
        raise SpecError(f"duration must be positive and finite seconds, e.g. 10; got {duration!r}.")
    return value


def _run_phases(
    model: Any,
    rows: list[Any],
    workers: int,
    schedule_s: np.ndarray,
    time_limit_s: float,
    method: str,
    start_timeout_s: float,
    floor: bool,
) -> tuple[
    tuple[np.ndarray, np.ndarray, float, np.ndarray],
    tuple[np.ndarray, np.ndarray, float, np.ndarray] | None,
    float,
]:
    """The run with the model, then (same workers, same schedule) with a no-op model."""
    started = time.perf_counter()
    servers = _start_servers(model, rows, workers, method, start_timeout_s)
    try:
        startup_s = time.perf_counter() - started
        run = _open_loop(servers, schedule_s, time_limit_s)
        noop = None
        if floor:
            for server in servers:
                while server.worker.in_flight:  # requests cut off by the time limit
                    server.worker.result(start_timeout_s)
                server.worker.call(_serve_setup, _NoOpModel(), rows, "predict")
            noop = _open_loop(servers, schedule_s, time_limit_s)
    finally:
        for server in servers:
            server.close()
    return run, noop, startup_s


def load_test(
    model: Any,
    X: Any,
    qps: float = 300.0,
    duration: float = 10.0,
    workers: int = 1,
    random_state: int = 0,
    *,
    floor: bool = True,
    method: str = "predict",
    time_limit: float | None = None,
    start_timeout: float = 120.0,
) -> LoadTestResult:
    """Load-test a fitted model for real: open-loop Poisson requests to worker processes.

    Parameters
    ----------
    model : fitted estimator
        Copied into each worker process (cloudpickle).
    X : array-like or DataFrame
        Test rows; up to 1,000 are sliced into one-row requests (in the type
        of ``X``) before the clock starts, and the requests cycle over them.
    qps : float, default 300
        Offered rate: arrival times are drawn in advance from a Poisson
        process at this rate over ``duration`` seconds.
    duration : float, default 10
        Span of the arrivals, in seconds.
    workers : int, default 1
        Worker processes, each with its own copy of the model and native
        thread pools limited to 1 (the latency protocol); requests wait in
        one FIFO queue for the first idle worker.
    random_state : int, default 0
        Seeds the rows and the arrivals.
    floor : bool, default True
        Also run the same schedule with a no-op model, to measure the
        harness's own latency at this rate (``lt.floor``).
    method : str, default "predict"
        The prediction method called per request.
    time_limit : float, optional
        Requests not finished this many seconds after the first arrival are
        dropped (default ``2 * duration + 5``).
    start_timeout : float, default 120
        Seconds allowed for starting the workers and loading the model.

    Returns
    -------
    LoadTestResult
        ``lt.latency`` (p50, p99, ``interval(99)`` by batch means),
        ``lt.offered_qps``, ``lt.achieved_qps``, ``lt.kept_up``, ``lt.floor``,
        ``lt.startup_s`` (before the run clock, not in any latency).

    Notes
    -----
    Each latency runs from the request's *scheduled* arrival to the moment
    the dispatcher receives its result, so time spent queued behind a slow
    request (or behind a late dispatcher) is counted (no coordinated
    omission, as wrk2 and HdrHistogram define it). At most 1,000,000
    requests; nothing leaves the machine (pipes to local processes).

    Examples
    --------
    >>> import prodbench as pb                                 # doctest: +SKIP
    >>> lt = pb.load_test(model, X_test, qps=300, duration=10)  # doctest: +SKIP
    >>> lt.latency.p99, lt.latency.interval(99), lt.achieved_qps  # doctest: +SKIP
    """
    from .data import input_format, request_rows

    rate = _check_qps(qps)
    span = _check_duration(duration)
    c = _check_workers(workers)
    if not callable(getattr(model, method, None)):
        raise SpecError(
            f"The model has no callable {method!r}. Pass a fitted estimator with {method}()."
        )
    limit = 2.0 * span + 5.0 if time_limit is None else _check_duration(time_limit)
    rng = np.random.default_rng(random_state)
    schedule = _arrivals(rate, span, rng, LOAD_MAX_REQUESTS)
    if schedule.size == 0:
        raise SpecError(
            f"No request arrives in {span:g} s at {rate:g} QPS. Raise --qps or --duration."
        )
    rows = request_rows(X, n_rows=LOAD_ROWS, random_state=int(random_state))
    (lat_ns, completed, elapsed, service_ns), noop, startup = _run_phases(
        model, rows, c, schedule, limit, method, start_timeout, floor
    )
    elapsed = max(elapsed, span)  # the arrivals span the duration, whatever the last one
    floor_result = None
    if noop is not None:
        floor_result = LoadLatency(
            samples_ns=noop[0],
            stop_reason="duration",
            elapsed_s=noop[2],
            method="predict",
            request_format=input_format(X),
        )
    dropped = int(schedule.size - completed.sum())
    latency = LoadLatency(
        samples_ns=lat_ns,
        stop_reason="duration" if dropped == 0 else "time_limit",
        elapsed_s=elapsed,
        method=method,
        request_format=input_format(X),
    )
    result = LoadTestResult(
        latency=latency,
        offered_qps=rate,
        requests=int(schedule.size),
        duration_s=span,
        elapsed_s=elapsed,
        workers=c,
        startup_s=startup,
        floor=floor_result,
        dropped=dropped,
        service_ns=service_ns,
    )
    notes = []
    if not result.kept_up:
        notes.append(
            f"Could not keep up: achieved {result.achieved_qps:,.1f} QPS, below 95% of the "
            f"{result.scheduled_qps:,.1f} QPS that arrived ({rate:g} offered)"
            f"{f'; {dropped:,} requests dropped at the time limit' if dropped else ''}."
            " The latencies describe an overloaded server."
        )
    if latency.n and math.isinf(latency.interval(99)[1]):
        notes.append(
            f"{latency.n:,} requests are too few for a batch-means interval of p99; "
            "run longer or at a higher rate."
        )
    return dataclasses.replace(result, notes=tuple(notes))


def load_test_candidate(
    spec: str,
    data: str = "digits",
    *,
    target: str | None = None,
    qps: float = 300.0,
    duration: float = 10.0,
    workers: int = 1,
    floor: bool = True,
    random_state: int = 0,
) -> tuple[str, LoadTestResult]:
    """Load-test one command-line candidate on a data set (``prodbench load-test``).

    A preset or ``module:Class`` spec is fitted on the training split of
    ``data`` first; a model file is used as it is. The requests are rows of
    the test split. Returns the candidate's name and the result.
    """
    from .data import load_dataset, split
    from .errors import ModelFailedError
    from .models import parse_candidate

    rate = _check_qps(qps)
    span = _check_duration(duration)
    c = _check_workers(workers)
    dataset = load_dataset(data, target=target, random_state=random_state)
    cand = parse_candidate(spec, dataset.task)
    parts = split(dataset.X, dataset.y, random_state=random_state, task=dataset.task)
    model = cand.estimator
    if not cand.fitted:
        try:
            model.fit(parts.X_train, parts.y_train)
        except Exception as exc:
            raise ModelFailedError(
                f"{cand.name!r} failed to fit ({type(exc).__name__}: {exc}). Fix the candidate "
                "or load-test a fitted model file.",
                candidate=cand.name,
                phase="fit",
            ) from exc
    result = load_test(model, parts.X_test, rate, span, c, random_state, floor=floor)
    return cand.name, result
