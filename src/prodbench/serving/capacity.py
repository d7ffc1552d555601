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
from ..budget import percentile_limits, percentile_value
from ..errors import SpecError
from ..serving_results import CandidateCapacity, Capacity, LoadPoint, MaxQPS
from .lanes import (
    _interval,
    _Lanes,
    _make_lanes,
    _row_percentiles,
    _unbounded_tail,
    _undersampled,
    trusted_utilization,
)
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
    from ..memory import WorkerMemory
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
"""Simulated requests per replicate in :func:`max_qps` (after the warm-up prefix).

With these defaults the simulation's own noise is well below the interval:
the seed-to-seed sd of a max-QPS estimate on the same samples is 3.5% of it
against an interval 22% wide (exponential 1 ms service, p99 10 ms), and 28%
against 220% with the budget at the service's own tail (p99 5 ms), as
``python benchmarks/bench_serving.py --only-issue20`` prints (section 6)."""

CAPACITY_REPLICATES = 32
"""Bootstrap replicates behind a max-QPS interval (sized so that ``cmp.capacity()``
for two candidates and four worker counts takes a few seconds)."""

TARGET_REQUESTS = 100_000
"""Simulated requests for the p50/p99 reported at a target rate."""

MAX_WORKERS = 1024
"""The most workers :func:`workers_needed` will consider, and the most a capacity table takes."""

_GRID = 8  # rates tried at once per replicate in each refinement pass
_PASSES = 2


# --------------------------------------------------------------------------- max QPS
_FIRST_PASS = np.array([0.25, 0.5, 0.7, 0.82, 0.9, 0.95, 0.98, 1.0])
"""Fractions of the highest trusted utilisation tried first (budgets usually bind high)."""


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
    arrivals: Any = "poisson",
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
    arrivals : str, array-like or path, default "poisson"
        The arrival process (``"gamma:cv=3"``, a trace of timestamps; a
        trace is rescaled to each rate tried): see
        :mod:`prodbench.serving.arrivals`.

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
    lanes = _make_lanes([service], random_state, reps, n, arrivals)
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
    """The workers ``candidate`` needs at ``rate``: lane 0 and the 97.5% point of the replicates.

    Each lane's fewest workers come from :func:`.workers.lane_workers`. The
    answer is the larger of the samples' own count and the 97.5% point
    ("higher") of the replicates' counts, so that the max-QPS lower bound at
    that count reaches ``rate``. When the samples as measured meet the budget
    but more than 2.5% of the replicates cannot at any count (the service
    time's own percentile is within its uncertainty of the limit), the
    samples' count is given with a note instead of "no number of workers".
    """
    from .workers import lane_workers

    mine = lanes.of(candidate)
    trusted = trusted_utilization(lanes.requests)
    needs, timed_out = lane_workers(lanes, mine, rate, limits, trusted, max_workers)
    worst = ", ".join(f"{k} < {v * 1e3:g} ms" for k, v in limits.items())
    if math.isinf(needs[0]):
        return LoadPoint(
            rate,
            None,
            math.nan,
            math.nan,
            price_per_core_hour,
            f"the service time alone exceeds {worst} (in {lanes.requests:,} draws from the "
            "samples as measured); no number of workers meets the budget",
        )
    reps = needs[1:]
    if math.isnan(needs[0]) or (reps.size and np.isnan(reps).any()):
        from .workers import SEARCH_SECONDS

        why = (
            f"the search for workers stopped at its time bound ({SEARCH_SECONDS:g} s) before "
            "every replicate met the budget"
            if timed_out
            else f"more than {max_workers} workers would be needed"
        )
        return LoadPoint(rate, None, math.nan, math.nan, price_per_core_hour, why)
    note = ""
    high = float(np.percentile(reps, 97.5, method="higher")) if reps.size else needs[0]
    if math.isinf(high):
        lost = int(np.isinf(reps).sum())
        note = (
            f"{lost} of {reps.size} bootstrap replicates cannot meet {worst} at any worker "
            "count (the service time's own percentile is within its uncertainty of the "
            "limit): workers is from the samples as measured and has no upper bound; "
            "measure more samples"
        )
        c = int(needs[0])
    else:
        c = int(max(needs[0], high))
    lat = simulate(service, rate, c, TARGET_REQUESTS, random_state, arrivals=lanes.arrivals)
    p50, p99 = np.percentile(lat, [50, 99])
    return LoadPoint(rate, c, float(p50), float(p99), price_per_core_hour, note=note)


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
    arrivals: Any = "poisson",
) -> LoadPoint:
    """The fewest workers whose max-QPS lower bound reaches ``qps``, and that load.

    A worker count qualifies when the samples as measured and the 97.5%
    point ("higher") of the bootstrap replicates meet the budget at ``qps``
    (with 32 replicates: every one; this is "max-QPS lower bound >= qps").
    Each lane's count is searched by galloping and bisection, all lanes in
    one simulation pass per step; a lane whose own service draws exceed the
    budget never meets it at any count, which is said at once. When the
    samples meet the budget but too many replicates cannot at any count,
    ``workers`` is the samples' count and ``note`` says it has no upper
    bound. The p50 and p99 at that load are simulated from the samples as
    measured with 100,000 requests; the cost is ``workers x
    price_per_core_hour``, one core per worker.

    Parameters
    ----------
    service_s : array-like of float or LatencyResult
        Measured service times in seconds.
    qps : float
        The target rate.
    budget : Budget, str or mapping, default "p99=5ms"
        Its percentile limits must all hold.
    random_state, replicates, requests
        As in :func:`max_qps`.
    price_per_core_hour : float, default 0.05
        US dollars per core-hour.
    max_workers : int, default MAX_WORKERS
        The most workers considered.
    arrivals : str, array-like or path, default "poisson"
        The arrival process, as in :func:`max_qps`.

    Returns
    -------
    LoadPoint
        ``workers`` (None with a ``reason``), the p50 and p99 at that load,
        the cost, and a ``note`` when ``workers`` has no upper bound.

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
    lanes = _make_lanes([service], random_state, reps, n, arrivals)
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
    arrivals: Any = None,
    batching: str | None = None,
    batch_service: Mapping[str, Any] | None = None,
) -> dict[str, CandidateCapacity]:
    arrays = list(services.values())
    lanes = _make_lanes(arrays, random_state, replicates, requests, arrivals)
    tables = _max_qps_table(lanes, arrays, counts, limits, requests)
    out = {}
    for j, (name, service) in enumerate(services.items()):
        point = None
        if target is not None:
            point = _workers_for(
                lanes, j, service, target, limits, random_state, price_per_core_hour, MAX_WORKERS
            )
        batched = None
        if batching == "auto":
            from .batched import batched_capacity

            per_call = None if batch_service is None else batch_service.get(name)
            batched = batched_capacity(
                lanes,
                j,
                service,
                per_call,
                limits,
                counts[0],
                target,
                point,
                random_state,
                price_per_core_hour,
            )
        out[name] = CandidateCapacity(name=name, max_qps=tables[j], target=point, batched=batched)
    return out


def _check_batching(batching: Any) -> str | None:
    """``batching`` of a capacity: None (one by one) or "auto" (the policy grid)."""
    if batching is None or batching is False or batching == "none":
        return None
    if batching == "auto" or batching is True:
        return "auto"
    raise SpecError(
        f'batching must be None (requests one by one) or "auto" (search max_batch in '
        f"1..32 and max_wait in 0..5 ms for the best policy); got {batching!r}."
    )


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
    arrivals: Any = "poisson",
    batching: str | None = None,
    batch_service: Any = None,
) -> CandidateCapacity:
    """Max QPS per worker count and, for a target ``qps``, the workers it needs.

    This is what :meth:`prodbench.ModelResult.capacity` returns; all worker
    counts share the same simulation draws (common random numbers), and a
    candidate gets the same figures here as in :meth:`Comparison.capacity`.
    ``arrivals``, ``batching`` and ``batch_service`` (this candidate's
    per-call times by batch size) are as in :func:`capacities`.

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
        arrivals,
        _check_batching(batching),
        None if batch_service is None else {name: batch_service},
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
    if kwargs.get("batching") and "batch_service" not in kwargs:
        kwargs["batch_service"] = result.throughput
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
    arrivals: Any = "poisson",
    batching: str | None = None,
    batch_service: Mapping[str, Any] | None = None,
    memory: Mapping[str, WorkerMemory] | None = None,
    host_memory: int | None = None,
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
    arrivals : str, array-like or path, default "poisson"
        The arrival process (``"gamma:cv=3"``, a trace of timestamps; a
        trace is rescaled to each rate tried): see
        :mod:`prodbench.serving.arrivals`.
    batching : None or "auto", default None
        "auto": also search the micro-batching policies of
        :mod:`prodbench.serving.batched` (max_batch 1-32 x max_wait 0-5 ms)
        at the smallest worker count and at ``qps``; ``cap[name].batched``
        holds the best one next to one by one.
    batch_service : mapping of str to ThroughputResult or dict, optional
        Per candidate its per-call service times by batch size (a result's
        ``throughput``), needed for batches of more than one.
    memory : mapping of str to WorkerMemory, optional
        Each candidate's measured memory (``result.memory``), carried into
        the capacity for its memory per worker.
    host_memory : int, optional
        Bytes of one host: workers per host and hosts needed.

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
    from .arrivals import parse_arrivals

    process = parse_arrivals(arrivals)
    mode = _check_batching(batching)
    candidates = (
        _capacities(
            services,
            limits,
            counts,
            target,
            random_state,
            price_per_core_hour,
            reps,
            n,
            process,
            mode,
            batch_service,
        )
        if services
        else {}
    )
    notes = tuple(
        f"{name}: capacity from {c.n_samples:,} samples; "
        + ", ".join(
            f"{k} needs {stats.required_samples(percentile_value(k)):,}"
            for k in limits
            if c.n_samples < stats.required_samples(percentile_value(k))
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
        arrivals=process.source,
        memory=dict(memory or {}),
        host_memory=host_memory,
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
