"""The queueing simulation: a FIFO queue fed by Poisson arrivals, served with measured times.

The checks of the inputs every part of :mod:`prodbench.serving` shares
(service times, rates, worker and request counts) live here too.
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ..errors import DataError, SpecError
from .arrivals import _check_qps, _check_requests

if TYPE_CHECKING:
    from ..results import LatencyResult

__all__ = ["simulate"]

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


def _check_workers(workers: Any) -> int:
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise SpecError(f"workers must be a whole number of at least 1, e.g. 2; got {workers!r}.")
    return int(workers)


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
    qps: float | None,
    workers: int = 1,
    requests: int = 100_000,
    random_state: RandomState = 0,
    *,
    warmup: int | None = None,
    arrivals: Any = "poisson",
    max_batch: int = 1,
    max_wait: float = 0.0,
    batch_service: Any = None,
) -> np.ndarray:
    """Simulate a FIFO queue fed by arrivals at ``qps``, served with measured service times.

    Parameters
    ----------
    service_s : array-like of float or LatencyResult
        Measured service times in seconds (a :class:`prodbench.LatencyResult`
        is read from its raw samples). Each request's service time is drawn
        from them with replacement.
    qps : float or None
        Mean arrival rate, requests per second. None only with a trace of
        ``arrivals``, replayed at its own rate.
    workers : int, default 1
        Identical servers taking requests from one FIFO queue.
    requests : int, default 100000
        Requests returned.
    random_state : int, Generator or None, default 0
        Seeds the arrivals and the service draws.
    warmup : int, optional
        Requests simulated first, from an empty queue, and discarded so the
        returned ones are near steady state. Default ``max(1000, requests // 10)``.
    arrivals : str, array-like or path, default "poisson"
        The arrival process: ``"poisson"``, ``"gamma:cv=3"`` (bursty), or
        arrival timestamps (an array or a CSV file, one per line, seconds);
        see :mod:`prodbench.serving.arrivals`.
    max_batch : int, default 1
        A batching server: a worker that becomes free takes up to
        ``max_batch`` waiting requests in one call (1: one by one).
    max_wait : float, default 0.0
        Seconds a free worker waits, from the first waiting request's
        arrival, for its batch to fill before it calls the model anyway.
    batch_service : mapping or ThroughputResult, optional
        Per-call service times (seconds) by batch size, needed for
        ``max_batch > 1``; see :func:`prodbench.serving.batching.batch_table`
        (the size-1 samples are ``service_s``; sizes in between measured
        ones are interpolated).

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
    from .arrivals import arrival_offsets, parse_arrivals
    from .batching import batch_table, check_policy, sojourn_batched

    service = _service_seconds(service_s)
    process = parse_arrivals(arrivals)
    rate = None if qps is None and process.rate is not None else _check_qps(qps)  # type: ignore[arg-type]
    c = _check_workers(workers)
    n = _check_requests(requests)
    batch, wait = check_policy(max_batch, max_wait)
    skip = max(1000, n // 10) if warmup is None else warmup
    if isinstance(skip, bool) or not isinstance(skip, (int, np.integer)) or skip < 0:
        raise SpecError(f"warmup must be a whole number of requests >= 0; got {warmup!r}.")
    total = n + int(skip)
    rng = np.random.default_rng(random_state)
    times = arrival_offsets(process, total, rate, rng)
    picks = rng.integers(0, service.size, total)
    if batch > 1:
        table = batch_table(service, batch_service, batch)
        out = sojourn_batched(times, table, c, batch, wait, picks, rng.random(total))
    else:
        drawn = service[picks]
        out = _sojourn_one(times, drawn) if c == 1 else _sojourn_heap(times, drawn, c)
    return out[int(skip) :]
