"""The fewest workers per simulation lane: a bounded search over the worker count.

Each lane of :class:`prodbench.serving.capacity._Lanes` (the samples as
measured, or a bootstrap resample of them, with its own arrival and service
draws) meets the budget at ``rate`` from some worker count on: with common
random numbers a FIFO queue's sojourn times never grow with more servers,
so the budget ratio falls with the count until nobody waits, where it is the
ratio of the lane's own service draws (:meth:`_Lanes.idle_ratio`). A lane
whose draws alone exceed the budget never meets it and is not searched (this
is the test the simulation itself would make at any count, said at once).
The others are searched together: counts are galloped up from the
utilisation bound (``rate * mean / trusted``) until each lane passes, then
bisected; every step evaluates all the lanes' candidate counts in one
simulation pass, and the whole search stops at a time bound.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .lanes import _Lanes

__all__ = ["lane_workers"]

SEARCH_SECONDS = 20.0
"""Wall-clock bound of one workers search (the answer is then "more than N")."""

_PER_STEP = 3  # counts tried per lane and step


def lane_workers(
    lanes: _Lanes,
    lane_ids: np.ndarray,
    rate: float,
    limits: Mapping[str, float],
    trusted: float,
    max_workers: int,
    seconds: float = SEARCH_SECONDS,
) -> tuple[np.ndarray, bool]:
    """Per lane the fewest workers meeting the budget at ``rate``.

    Returns ``(needs, timed_out)``: ``needs[i]`` is a count, ``inf`` when the
    lane cannot meet the budget at any count, or ``nan`` when the search
    stopped (``max_workers`` passed, or the time bound) before it passed.

    Examples
    --------
    >>> import numpy as np
    >>> from prodbench.serving.lanes import _make_lanes
    >>> lanes = _make_lanes([np.random.default_rng(0).exponential(1e-3, 2000)], 0, 2, 4000)
    >>> needs, _ = lane_workers(lanes, lanes.of(0), 1500.0, {"p99": 0.01}, 0.9, 64)
    >>> needs.tolist()
    [3.0, 3.0, 2.0]
    """
    start = time.perf_counter()
    ids = np.asarray(lane_ids)
    needs = np.full(ids.size, math.nan)
    feasible = lanes.idle_ratio(limits)[ids] <= 1.0
    needs[~feasible] = math.inf
    # known failing count (below) and passing count (above) per lane
    c_min = np.maximum(1, np.ceil(rate * lanes.mean[ids] / trusted - 1e-9)).astype(np.int64)
    fail = c_min - 1
    ok = np.full(ids.size, max_workers + 1, dtype=np.int64)
    timed_out = False
    while True:
        open_ = np.flatnonzero(feasible & (ok - fail > 1) & (fail < max_workers))
        if open_.size == 0:
            break
        if time.perf_counter() - start > seconds:
            timed_out = True
            break
        rows_lane, rows_count = [], []
        for k in open_:
            lo, hi = int(fail[k]), int(ok[k])
            if hi > max_workers:  # gallop: lo+1, lo+2, lo+4, ... (doubling steps)
                span = max(1, lo)
                tries = [lo + 1] + [lo + span * 2**j for j in range(_PER_STEP - 1)]
            else:  # bisect the bracket with a few counts
                tries = np.linspace(lo, hi, _PER_STEP + 2)[1:-1].round().astype(int).tolist()
            tries = sorted({t for t in tries if lo < t < hi and t <= max_workers})
            rows_lane += [k] * len(tries)
            rows_count += tries
        if not rows_count:
            break
        at = np.asarray(rows_lane)
        counts = np.asarray(rows_count, dtype=np.int64)
        ratio = lanes.ratios(np.full(counts.size, rate), counts, limits, ids[at])
        passed = ratio <= 1.0
        for k, c, p in zip(at.tolist(), counts.tolist(), passed.tolist(), strict=True):
            if p:
                ok[k] = min(ok[k], c)
            else:
                fail[k] = max(fail[k], c)
        # a pass below a failure (float rounding at a ratio of 1): trust the pass
        fail = np.minimum(fail, ok - 1)
    done = feasible & (ok <= max_workers) & (ok - fail == 1)
    needs[done] = ok[done]
    return needs, timed_out
