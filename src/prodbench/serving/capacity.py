"""Capacity: max QPS within a latency budget, workers for a target rate, and their cost.

Everything here works from service times already measured (the one-row
latency samples of a result): nothing is timed again.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .. import stats
from ..budget import PERCENTILE_KEYS, percentile_limits
from ..errors import SpecError
from ..serving_results import CandidateCapacity, Capacity, LoadPoint, MaxQPS
from ..units import check_seed
from .simulation import (
    RandomState,
    _check_qps,
    _check_requests,
    _check_workers,
    _service_seconds,
    _sojourn_heap,
    _sojourn_one,
    simulate,
)

if TYPE_CHECKING:
    from ..budget import Budget
    from ..results import LatencyResult, ModelResult

__all__ = [
    "CAPACITY_REPLICATES",
    "CAPACITY_REQUESTS",
    "MAX_WORKERS",
    "TARGET_REQUESTS",
    "candidate_capacity",
    "capacities",
    "comparison_capacity",
    "load_curve",
    "max_qps",
    "result_capacity",
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
"""The most workers :func:`workers_needed` will consider, and the most a capacity table takes."""

_MAX_ROWS = 640  # rows stepped together by the several-worker loop (memory bound)
_GRID = 8  # rates tried at once per replicate in each refinement pass
_PASSES = 2


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


def _unbounded_tail(n: int, limits: Mapping[str, float]) -> bool:
    """A budget percentile has no 97.5% upper bound from ``n`` samples: capacity may be 0."""
    return any(stats.one_sided_bounds(n, PERCENTILE_KEYS[k], 0.025)[1] is None for k in limits)


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
            if _unbounded_tail(service.size, limits):  # no sample says how slow the tail gets
                low = 0.0
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
    if isinstance(random_state, int | np.integer):
        random_state = check_seed(random_state)
    return _Lanes(services, replicates, requests, warmup, random_state)


def _check_replicates(replicates: Any) -> int:
    if isinstance(replicates, bool) or not isinstance(replicates, (int, np.integer)):
        raise SpecError(f"replicates must be a whole number >= 0; got {replicates!r}.")
    if replicates < 0:
        raise SpecError(f"replicates must be a whole number >= 0; got {replicates!r}.")
    return int(replicates)


def _sizes(replicates: Any, requests: Any) -> tuple[int, int]:
    """Checked bootstrap replicates and simulated requests; None takes the default.

    The defaults are read when called: they are settings
    (``serving.CAPACITY_REPLICATES = 8`` makes every default capacity faster,
    ``cmp.target_capacity`` included; the package forwards the assignment here).
    """
    reps = _check_replicates(CAPACITY_REPLICATES if replicates is None else replicates)
    n = _check_requests(CAPACITY_REQUESTS if requests is None else requests)
    return reps, n


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
    reps, n = _sizes(replicates, requests)
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
    reps, n = _sizes(replicates, requests)
    lanes = _make_lanes([service], random_state, reps, n)
    return _workers_for(
        lanes, 0, service, rate, limits, random_state, price_per_core_hour, max_workers
    )


def _as_worker_tuple(workers: int | Iterable[int]) -> tuple[int, ...]:
    if isinstance(workers, (int, np.integer)) and not isinstance(workers, bool):
        single = (_check_workers(workers),)
        _check_worker_cap(single)
        return single
    try:
        items = tuple(workers)  # type: ignore[arg-type]
    except TypeError:
        raise SpecError(
            f"workers must be a whole number or a list of them, e.g. (1, 2, 4); got {workers!r}."
        ) from None
    if not items:
        raise SpecError("workers is empty. Pass at least one worker count, e.g. (1, 2, 4).")
    counts = tuple(sorted({_check_workers(w) for w in items}))
    _check_worker_cap(counts)
    return counts


def _check_worker_cap(counts: tuple[int, ...], option: str = "workers") -> None:
    """Refuse worker counts above :data:`MAX_WORKERS`, the cap of the workers search too."""
    if counts and counts[-1] > MAX_WORKERS:
        raise SpecError(
            f"{option} {counts[-1]} is above the cap of {MAX_WORKERS} workers (the same cap "
            "as the search for the workers a target rate needs); simulating that many takes "
            f"minutes. Pass counts up to {MAX_WORKERS}, e.g. 1,2,4,8."
        )


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
        *_sizes(replicates, requests),
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


def capacities(
    latencies: Mapping[str, LatencyResult | npt.ArrayLike],
    budget: Budget | str | Mapping[str, Any],
    workers: int | Iterable[int] = (1, 2, 4, 8),
    qps: float | None = None,
    *,
    price_per_core_hour: float = 0.05,
    random_state: RandomState = 0,
    replicates: int | None = None,
    requests: int | None = None,
) -> Capacity:
    """Capacity of several candidates, from their measured one-row latencies.

    All candidates are simulated together (one stepping loop for all of
    them), each with the draws it would get alone, so a candidate has the
    same figures here as in :func:`candidate_capacity`. This is what
    :meth:`prodbench.Comparison.capacity` returns.

    Parameters
    ----------
    latencies : mapping of str to LatencyResult or array-like
        Each candidate's measured service times (seconds), by name.
    budget : Budget, str or mapping
        Its percentile limits must all hold.
    workers : int or iterable of int, default (1, 2, 4, 8)
        Worker counts for the max-QPS table.
    qps : float, optional
        A target rate: each candidate's fewest workers for it, and their cost.
    price_per_core_hour : float, default 0.05
        US dollars per core-hour, one core per worker.
    random_state, replicates, requests
        As in :func:`max_qps`.

    Returns
    -------
    Capacity
        Per candidate its max QPS per worker count and its target load,
        with a note for each under-sampled candidate.

    Examples
    --------
    >>> import numpy as np
    >>> fast = np.random.default_rng(0).exponential(0.001, 5000)
    >>> cap = capacities({"fast": fast, "slow": fast * 2}, "p99=10ms", (1, 2), qps=1500.0)
    >>> cap["fast"][1].qps > cap["slow"][1].qps, cap["fast"].target.workers
    (True, 3)
    """
    limits = percentile_limits(budget)
    target = None if qps is None else _check_qps(qps)
    counts = _as_worker_tuple(workers)
    reps, n = _sizes(replicates, requests)
    services = {name: _service_seconds(latency) for name, latency in latencies.items()}
    candidates = (
        _capacities(services, limits, counts, target, random_state, price_per_core_hour, reps, n)
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
        price_per_core_hour=price_per_core_hour,
        replicates=reps,
        requests=n,
        notes=notes,
    )


def comparison_capacity(
    cmp: Any,
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
    return cmp.capacity(
        budget, qps, workers, random_state=random_state, replicates=replicates, requests=requests
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
