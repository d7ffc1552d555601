"""The open-loop load test: Poisson requests to worker processes holding the model.

The dispatcher (:func:`_open_loop`) is a loop that returns raw samples; the
workers are :class:`prodbench.worker.Worker` processes, each running
:func:`_serve_setup` once and :func:`_serve_request` per request (both are
pickled by reference, so they must stay importable from this module).
"""

from __future__ import annotations

import collections
import dataclasses
import math
import time
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from ..errors import SpecError
from ..serving_results import LoadLatency, LoadTestResult
from ..units import check_seed
from .simulation import _check_qps, _check_workers

__all__ = ["LOAD_MAX_REQUESTS", "LOAD_ROWS", "load_test", "load_test_candidate"]

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
        from ..errors import ModelFailedError
        from ..worker import RemoteError

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
    from ..errors import ModelFailedError
    from ..worker import RemoteError, Worker

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
    from ..data import input_format, request_rows

    rate = _check_qps(qps)
    span = _check_duration(duration)
    c = _check_workers(workers)
    if not callable(getattr(model, method, None)):
        raise SpecError(
            f"The model has no callable {method!r}. Pass a fitted estimator with {method}()."
        )
    limit = 2.0 * span + 5.0 if time_limit is None else _check_duration(time_limit)
    rng = np.random.default_rng(check_seed(random_state))
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
    from ..data import load_dataset, split
    from ..errors import ModelFailedError
    from ..models import parse_candidate

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
