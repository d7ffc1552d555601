"""Capacity with a micro-batching server: the best policy of a small grid, per candidate.

``cmp.capacity(budget, qps=..., batching="auto")`` tries every policy of
:data:`POLICY_BATCHES` x :data:`POLICY_WAITS` (``max_batch = 1`` is
one by one, whatever the wait) on the lanes of the one-by-one simulation:
the same unit-rate arrivals and one-row service draws, plus one uniform per
request for the service of larger batches (see :mod:`.batching`), and each
bootstrap replicate resamples the per-call samples of every batch size too.

The search, per candidate and worker count:

1. *screen*: every policy's max QPS on the samples as measured, with a
   quarter of the simulated requests (each rate tried is one simulation);
2. *measure*: the best policy's max QPS with every request and every
   replicate, for the estimate and its 95% interval (the 2.5% and 97.5%
   points of the replicates, widened to contain the estimate, as one by one).

With batching, latency need not grow with the rate (a fuller queue fills a
batch sooner, so a request waits less of ``max_wait``); the max QPS is the
highest rate of the grid tried that meets the budget, refined inside the
bracket above it. At a target rate the workers needed are the fewest for
which some policy passes on the screening lane and the best of those passes
in at least 97.5% of the replicates ("higher" point), as one by one.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .batching import BatchTable, batch_table, sojourn_batched

if TYPE_CHECKING:
    from ..serving_results import BatchedCapacity, LoadPoint
    from .lanes import _Lanes

__all__ = [
    "POLICY_BATCHES",
    "POLICY_WAITS",
    "BatchLanes",
    "batched_capacity",
    "best_policy",
    "policy_grid",
    "workers_batched",
]

POLICY_BATCHES = (1, 2, 4, 8, 16, 32)
"""``max_batch`` values tried by ``batching="auto"``."""

POLICY_WAITS = (0.0, 0.0005, 0.001, 0.002, 0.005)
"""``max_wait`` values (seconds) tried by ``batching="auto"``."""

_FIRST = np.array([0.25, 0.5, 0.7, 0.82, 0.9, 0.95, 0.98, 1.0])
_AROUND = np.array([0.85, 0.95, 1.05, 1.2])
_REFINE = 4
SEARCH_SECONDS = 30.0
"""Wall-clock bound of the batching search of one candidate (the grid is cut short after it)."""


def policy_grid(largest: int) -> list[tuple[int, float]]:
    """The ``(max_batch, max_wait)`` policies tried, up to the largest measured batch size.

    Examples
    --------
    >>> policy_grid(4)
    [(1, 0.0), (2, 0.0), (2, 0.0005), (2, 0.001), (2, 0.002), (2, 0.005), (4, 0.0), (4, 0.0005), (4, 0.001), (4, 0.002), (4, 0.005)]
    """  # noqa: E501
    out: list[tuple[int, float]] = [(1, 0.0)]
    for b in POLICY_BATCHES[1:]:
        if b <= largest:
            out += [(b, w) for w in POLICY_WAITS]
    return out


@dataclass
class BatchLanes:
    """The lanes of one candidate of a :class:`_Lanes`, with per-lane batch tables."""

    lanes: _Lanes
    lane_ids: np.ndarray
    tables: list[BatchTable]
    uniforms: np.ndarray
    limits: Mapping[str, float]
    trusted: float

    @classmethod
    def build(
        cls,
        lanes: _Lanes,
        candidate: int,
        batch_service: Any,
        largest: int,
        limits: Mapping[str, float],
        trusted: float,
        random_state: Any,
    ) -> BatchLanes:
        """Tables per lane: lane 0 the samples as measured, the others resampled."""
        ids = lanes.of(candidate)
        base = batch_table(lanes.service[ids[0]], batch_service, largest)
        rng = np.random.default_rng(random_state)
        total = lanes.unit_arrivals.shape[1]
        tables = []
        for k, lane in enumerate(ids.tolist()):
            sorted_samples = [np.sort(lanes.service[lane])]
            for s in base.sorted_samples[1:]:
                drawn = s if k == 0 else s[rng.integers(0, s.size, s.size)]
                sorted_samples.append(np.sort(drawn))
            tables.append(BatchTable(lanes.service[lane], base.sizes, tuple(sorted_samples)))
        uniforms = rng.random((ids.size, total))
        return cls(lanes, ids, tables, uniforms, limits, trusted)

    def ratio(self, k: int, rate: float, workers: int, policy: tuple[int, float], m: int) -> float:
        """Budget ratio of lane ``k`` (0: as measured) with the first ``m`` requests."""
        from .lanes import _budget_ratio

        lane = int(self.lane_ids[k])
        warm = self.lanes.warmup
        arrivals = self.lanes.unit_arrivals[lane, :m] / rate
        b, w = policy
        soj = sojourn_batched(
            arrivals, self.tables[k], workers, b, w, np.arange(m), self.uniforms[k, :m]
        )
        return float(_budget_ratio(soj[None, warm:], self.limits)[0])

    def saturation(self, k: int, workers: int, b: int) -> float:
        """Highest throughput of ``workers`` servers calling with full batches of ``b``."""
        return workers * b / self.tables[k].mean(b)

    def max_qps(
        self,
        k: int,
        workers: int,
        policy: tuple[int, float],
        m: int,
        around: float | None = None,
    ) -> float:
        """Highest rate meeting the budget on lane ``k`` (0 if even a slow trickle fails).

        ``around`` (a replicate near a known estimate) starts from a narrow
        grid about it instead of the spread up to saturation.
        """
        top = self.saturation(k, workers, policy[0]) * self.trusted
        grid = top * _FIRST
        if around is not None and 0 < around < top:
            near = np.minimum(around * _AROUND, top)
            grid = np.unique(np.concatenate([[top * _FIRST[0]], near, [top]]))
        ratios = [self.ratio(k, r, workers, policy, m) for r in grid]
        passing = [i for i, q in enumerate(ratios) if q <= 1.0]
        if not passing:
            low, r_low = 0.0, math.nan
            high, r_high = float(grid[0]), ratios[0]
        else:
            i = passing[-1]
            low, r_low = float(grid[i]), ratios[i]
            if i == len(grid) - 1:
                return low  # met at the trusted utilisation: a lower bound (capped)
            high, r_high = float(grid[i + 1]), ratios[i + 1]
        for r in low + (high - low) * np.arange(1, _REFINE + 1) / (_REFINE + 1):
            q = self.ratio(k, float(r), workers, policy, m)
            if q <= 1.0:
                low, r_low = float(r), q
            else:
                high, r_high = float(r), q
                break
        if low > 0 and r_low > 0 and r_high > 1.0:
            frac = math.log(1.0 / r_low) / math.log(r_high / r_low)
            return low + (high - low) * min(1.0, max(0.0, frac))
        return low


def best_policy(
    bl: BatchLanes, workers: int, deadline: float
) -> tuple[tuple[int, float], float, np.ndarray, bool]:
    """The policy with the highest max QPS, with its estimate and replicate values.

    Returns ``(policy, estimate, replicates, cut_short)``.
    """
    n = bl.lanes.requests + bl.lanes.warmup
    screen = bl.lanes.warmup + max(1000, bl.lanes.requests // 4)
    largest = bl.tables[0].sizes[-1]
    best, best_q, cut = (1, 0.0), -1.0, False
    capped: set[int] = set()
    for policy in policy_grid(largest):
        if policy[0] in capped:
            continue  # a longer wait cannot pass the same batch size's ceiling
        if time.perf_counter() > deadline:
            cut = True
            break
        q = bl.max_qps(0, workers, policy, min(screen, n))
        if q >= bl.saturation(0, workers, policy[0]) * bl.trusted * (1 - 1e-9):
            capped.add(policy[0])
        if q > best_q:
            best, best_q = policy, q
    estimate = bl.max_qps(0, workers, best, n)
    reps = np.array(
        [bl.max_qps(k, workers, best, n, around=estimate) for k in range(1, len(bl.tables))]
    )
    return best, estimate, reps, cut


def workers_batched(
    bl: BatchLanes, rate: float, one_by_one: int | None, max_workers: int, deadline: float
) -> tuple[int | None, tuple[int, float] | None]:
    """Fewest workers for which a policy meets the budget at ``rate`` (see the module notes)."""
    n = bl.lanes.requests + bl.lanes.warmup
    screen = bl.lanes.warmup + max(1000, bl.lanes.requests // 4)
    largest = bl.tables[0].sizes[-1]
    grid = policy_grid(largest)
    fastest = max(b / bl.tables[0].mean(b) for b, _ in grid)
    c = max(1, math.ceil(rate / fastest / bl.trusted - 1e-9))
    cap = max_workers if one_by_one is None else one_by_one
    reps = len(bl.tables) - 1
    allowed = reps - 1 - math.ceil(0.975 * (reps - 1)) if reps else 0  # failures tolerated
    while c <= cap and time.perf_counter() < deadline:
        for policy in grid:
            b = policy[0]
            if rate > bl.saturation(0, c, b) * bl.trusted:
                continue
            if bl.ratio(0, rate, c, policy, min(screen, n)) > 1.0:
                continue
            if bl.ratio(0, rate, c, policy, n) > 1.0:
                continue
            fails = 0
            for k in range(1, len(bl.tables)):
                if (
                    rate > bl.saturation(k, c, b) * bl.trusted
                    or bl.ratio(k, rate, c, policy, n) > 1
                ):
                    fails += 1
                    if fails > allowed:
                        break
            if fails <= allowed:
                return c, policy
        c += 1
    if one_by_one is not None:
        # one by one is the policy (1, 0) of the grid, and its count was searched already
        return one_by_one, (1, 0.0)
    return None, None


def replicate_interval(
    values: Sequence[float] | np.ndarray, estimate: float
) -> tuple[float, float]:
    """2.5% and 97.5% points of the replicates, widened to contain ``estimate``."""
    from .lanes import _interval

    return _interval(np.asarray(values, dtype=np.float64), estimate)


def batched_capacity(
    lanes: _Lanes,
    candidate: int,
    measured: np.ndarray,
    batch_service: Any,
    limits: Mapping[str, float],
    workers: int,
    target: float | None,
    one_by_one: LoadPoint | None,
    random_state: Any,
    price_per_core_hour: float,
) -> BatchedCapacity:
    """The best policy of the grid for ``candidate`` at ``workers``, and at the target rate.

    ``batch_service`` holds the candidate's per-call times by batch size
    (a ThroughputResult or a mapping, see :func:`.batching.batch_table`); the
    grid goes up to the largest measured batch size, at most 32.
    """
    from ..serving_results import BatchedCapacity, LoadPoint, MaxQPS
    from .lanes import _undersampled, trusted_utilization
    from .simulation import simulate

    if batch_service is None:
        largest = 1
    else:
        batches = getattr(batch_service, "batches", None)
        sizes = (
            [int(b.batch_size) for b in batches]
            if batches is not None
            else [int(b) for b in batch_service]
        )
        largest = min(POLICY_BATCHES[-1], max([1, *sizes]))
    trusted = trusted_utilization(lanes.requests)
    bl = BatchLanes.build(lanes, candidate, batch_service, largest, limits, trusted, random_state)
    deadline = time.perf_counter() + SEARCH_SECONDS
    alone = float(lanes.idle_ratio(limits, candidate)[0]) > 1.0
    if alone:  # the one-row service alone exceeds the budget: no batch is served faster
        policy, estimate, reps, cut = (1, 0.0), 0.0, np.zeros(0), False
    else:
        policy, estimate, reps, cut = best_policy(bl, workers, deadline)
    low, high = replicate_interval(reps, estimate)
    top = bl.saturation(0, workers, policy[0]) * trusted
    table = bl.tables[0]
    m = MaxQPS(
        workers=workers,
        qps=estimate,
        qps_low=low,
        qps_high=high,
        mean_service_s=table.mean(policy[0]) / policy[0],  # per request, for the utilisation
        n_samples=table.samples_at(policy[0]),
        budget=dict(limits),
        undersampled=_undersampled(table.samples_at(policy[0]), limits),
        requests=lanes.requests,
        replicates=lanes.per - 1,
        capped=estimate >= top * (1 - 1e-9),
    )
    note = "the policy grid was cut short by its time bound" if cut else ""
    point, target_policy = None, None
    if target is not None and alone:
        # the one-row service alone exceeds the budget: no batch is served faster than a row
        point = LoadPoint(
            target,
            None,
            math.nan,
            math.nan,
            price_per_core_hour,
            "the one-row service time alone exceeds the budget; batching cannot shorten it",
        )
    elif target is not None:
        known = None if one_by_one is None else one_by_one.workers
        until = time.perf_counter() + SEARCH_SECONDS  # a bound of its own
        c, target_policy = workers_batched(bl, target, known, MAX_WORKERS_BATCHED, until)
        if c is None:
            why = (
                f"the search over workers and policies reached its time bound "
                f"({SEARCH_SECONDS:g} s) first"
                if time.perf_counter() >= until
                else f"no policy of the grid meets the budget at this rate with up to "
                f"{MAX_WORKERS_BATCHED} workers"
            )
            point = LoadPoint(target, None, math.nan, math.nan, price_per_core_hour, why)
        else:
            assert target_policy is not None
            lat = simulate(
                measured,
                target,
                c,
                max(lanes.requests, 20_000),
                random_state,
                arrivals=lanes.arrivals,
                max_batch=target_policy[0],
                max_wait=target_policy[1],
                batch_service=dict(zip(table.sizes, table.sorted_samples, strict=True)),
            )
            p50, p99 = np.percentile(lat, [50, 99])
            point = LoadPoint(target, c, float(p50), float(p99), price_per_core_hour)
    return BatchedCapacity(policy[0], policy[1], m, point, target_policy, note)


MAX_WORKERS_BATCHED = 256
"""The most workers the batching search at a target rate tries (when one by one has no count)."""
