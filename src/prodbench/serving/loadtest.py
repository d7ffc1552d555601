"""The open-loop load test: Poisson requests to worker processes holding the model.

The arrivals are drawn in advance; the workers (:class:`prodbench.worker.Worker`
processes set up with :func:`_serve_setup`) pull them from memory shared with
this process and stamp their completions (:mod:`.loadserver`): no request
crosses a pipe. ``_serve_setup`` and ``_serve_request`` stay importable from
here (pickled by reference).
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
import warnings
from typing import Any

import numpy as np

from ..errors import SpecError
from ..serving_results import LoadLatency, LoadTestResult
from ..units import check_seed
from .loadserver import RunStamps, _serve_setup, run_schedule
from .simulation import _check_qps, _check_workers

__all__ = ["LOAD_MAX_REQUESTS", "LOAD_ROWS", "load_test", "load_test_candidate", "usable_cores"]

# --------------------------------------------------------------------------- the load test
LOAD_MAX_REQUESTS = 1_000_000
"""The most requests one load test schedules."""

LOAD_ROWS = 1000
"""Distinct test rows the requests cycle through (sliced before the clock starts)."""


class _NoOpModel:
    """Stands in for the model to measure the harness alone (``lt.floor``)."""

    def __init__(self) -> None:
        self._out = np.zeros(1)

    def predict(self, X: Any) -> np.ndarray:
        return self._out


def _arrivals(
    qps: float, duration: float, rng: np.random.Generator, cap: int, arrivals: Any = "poisson"
) -> np.ndarray:
    """Arrival offsets in seconds within ``[0, duration)``, drawn in advance.

    ``arrivals`` is the simulator's process (:func:`prodbench.serving.arrival_offsets`):
    Poisson by default (the same draws as before), ``"gamma:cv=X"`` for bursts,
    or a trace of timestamps rescaled to ``qps``.
    """
    from .arrivals import arrival_offsets

    expected = qps * duration
    if expected > cap:
        raise SpecError(
            f"qps x duration = {expected:,.0f} requests, more than the {cap:,} a load test "
            "sends. Lower --qps or --duration."
        )
    spread = 10.0 * math.sqrt(expected) * (1.0 if arrivals == "poisson" else 5.0)
    draws = min(int(expected + spread + 10), cap)
    offsets = arrival_offsets(arrivals, draws, qps=qps, random_state=rng)
    return offsets[offsets < duration]


def _serve_request(state: dict[str, Any], index: int) -> tuple[int, int]:
    """In a worker: one request, one pre-sliced row; back: (service ns, completion stamp).

    Kept for callers of the per-request protocol; the load test itself runs
    :func:`prodbench.serving.loadserver._serve_run` (no pipe per request).
    """
    row = state["rows"][index % state["n"]]
    clock = time.perf_counter_ns
    began = clock()
    state["call"](row)
    ended = clock()
    return ended - began, ended


def _check_duration(duration: Any, name: str = "duration") -> float:
    if isinstance(duration, bool) or not isinstance(duration, (int, float, np.floating)):
        raise SpecError(f"{name} must be a number of seconds, e.g. 10; got {duration!r}.")
    value = float(duration)
    if not (value > 0 and math.isfinite(value)):
        raise SpecError(f"{name} must be positive and finite seconds, e.g. 10; got {duration!r}.")
    return value


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, else the machine's count).

    Examples
    --------
    >>> usable_cores() >= 1
    True
    """
    getaffinity = getattr(os, "sched_getaffinity", None)
    if getaffinity is not None:
        return max(1, len(getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _check_cores(workers: int, oversubscribe: bool) -> str:
    """Refuse more workers than usable cores unless forced; the warning when forced."""
    cores = usable_cores()
    if workers <= cores:
        return ""
    text = (
        f"{workers} workers on {cores} usable core{'s' if cores != 1 else ''}: workers "
        "time-share the cores, so the latencies measure the operating system's scheduler "
        "as much as the model"
    )
    if not oversubscribe:
        raise SpecError(
            f"{text}. Pass workers={cores} or fewer, or oversubscribe=True "
            "(--oversubscribe) to run anyway with a warning."
        )
    warnings.warn(text + " (oversubscribe=True).", RuntimeWarning, stacklevel=3)
    return text + " (run anyway: oversubscribe)."


def _check_batching(max_batch: Any, max_wait: Any) -> tuple[int, float]:
    from ..units import parse_duration

    if isinstance(max_batch, bool) or not isinstance(max_batch, (int, np.integer)) or max_batch < 1:
        raise SpecError(
            f"max_batch must be a whole number of at least 1, e.g. 8; got {max_batch!r}."
        )
    wait = 0.0 if isinstance(max_wait, (int, float)) and max_wait == 0 else parse_duration(max_wait)
    if not (wait >= 0 and math.isfinite(wait)):
        raise SpecError(f"max_wait must be 0 or a positive duration, e.g. '2ms'; got {max_wait!r}.")
    if wait > 0 and max_batch == 1:
        raise SpecError("max_wait needs max_batch above 1 (a batch to fill), e.g. max_batch=8.")
    return int(max_batch), float(wait)


def _start_workers(
    model: Any, rows: list[Any], workers: int, method: str, timeout: float
) -> list[Any]:
    """Start ``workers`` isolation workers (:mod:`prodbench.worker`), each with the model."""
    from ..errors import ModelFailedError
    from ..worker import RemoteError, Worker

    started: list[Any] = []
    try:
        for i in range(workers):
            started.append(Worker(name=f"load-test-{i}", startup_timeout=timeout).start())
        for worker in started:
            worker.submit(_serve_setup, model, rows, method)
        for worker in started:
            worker.result(timeout)
    except RemoteError as exc:
        for worker in started:
            worker.kill()
        raise ModelFailedError(
            f"The model could not be set up in a load-test worker ({exc.short_type}: "
            f"{exc.remote_message}).",
            phase="load-test",
        ) from exc
    except BaseException:
        for worker in started:
            worker.kill()
        raise
    return started


def _run(workers: list[Any], offsets: np.ndarray, limit: float, batch: int, wait: float) -> Any:
    """One run of the schedule; a model failure in a worker is a :class:`ModelFailedError`."""
    from ..errors import ModelFailedError
    from ..worker import RemoteError, WorkerCrashed

    try:
        return run_schedule(workers, offsets, limit, batch, wait)
    except RemoteError as exc:
        raise ModelFailedError(
            f"The model raised in a load-test worker ({exc.short_type}: "
            f"{exc.remote_message}). Check it with prodbench compare first.",
            phase="load-test",
        ) from exc
    except WorkerCrashed as exc:
        raise ModelFailedError(
            f"A load-test worker died while serving ({exc.reason}). Check the model with "
            "prodbench compare first.",
            phase="load-test",
        ) from exc


def _latency(stamps: RunStamps, method: str, fmt: str) -> LoadLatency:
    """Per request in arrival order: completion minus scheduled arrival; censored if never done."""
    ok = stamps.completed
    latency = np.where(ok, stamps.done_ns - stamps.sched_ns, stamps.ended_ns - stamps.sched_ns)
    return LoadLatency(
        samples_ns=np.maximum(latency, 0),
        stop_reason="duration" if bool(ok.all()) else "time_limit",
        elapsed_s=max(stamps.ended_ns - stamps.start_ns, 0) / 1e9,
        method=method,
        request_format=fmt,
        censored=np.flatnonzero(~ok),
    )


def _request_format(model: Any, X: Any, request_format: str) -> str:
    """compare's rule: the type the model was fitted on (column names: DataFrames)."""
    if request_format not in ("auto", "numpy", "pandas"):
        raise SpecError(
            f"request_format must be 'auto', 'numpy' or 'pandas'; got {request_format!r}."
        )
    if request_format != "auto":
        return request_format
    return "pandas" if getattr(model, "feature_names_in_", None) is not None else "numpy"


def load_test(  # long: every keyword checked before a worker starts, then one run and its floor
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
    budget: Any = None,
    max_batch: int = 1,
    max_wait: float | str = 0.0,
    request_format: str = "auto",
    oversubscribe: bool = False,
    idle_p50: float | None = None,
    arrivals: Any = "poisson",
) -> LoadTestResult:
    """Load-test a fitted model for real: open-loop requests to worker processes.

    Parameters
    ----------
    model : fitted estimator
        Copied into each worker process (cloudpickle).
    X : array-like or DataFrame
        Test rows; up to 1,000 are sliced into one-row requests before the
        clock starts, and the requests cycle over them.
    qps : float, default 300
        Offered rate: arrival times are drawn in advance from a Poisson
        process at this rate over ``duration`` seconds.
    duration : float, default 10
        Span of the arrivals, in seconds.
    workers : int, default 1
        Worker processes, each with its own copy of the model and native
        thread pools limited to 1; they take requests from one FIFO queue.
        More than the usable cores is refused unless ``oversubscribe``.
    random_state : int, default 0
        Seeds the rows and the arrivals.
    floor : bool, default True
        Also run the same schedule with a no-op model, to measure the
        harness's own latency at this rate (``lt.floor``).
    method : str, default "predict"
        The prediction method called per request.
    time_limit : float, optional
        No request is taken this many seconds after the run clock starts
        (default ``2 * duration + 5``); those never completed are censored.
    start_timeout : float, default 120
        Seconds allowed for starting the workers and loading the model.
    budget : str, mapping or Budget, optional
        Percentile limits, e.g. ``"p99=5ms"``: ``lt.verdict`` is PASS, FAIL
        or UNDECIDED from the intervals.
    max_batch : int, default 1
        With more than 1, a free worker takes up to this many waiting
        requests and calls ``predict`` once on the stacked rows.
    max_wait : float or str, default 0
        With ``max_batch > 1``: how long after the first request's arrival
        a worker waits for its batch to fill (seconds, or ``"2ms"``).
    request_format : {"auto", "numpy", "pandas"}, default "auto"
        The type of the requests; ``"auto"`` is compare's rule (one-row
        DataFrames for a model fitted with column names, else arrays).
    oversubscribe : bool, default False
        Run with more workers than usable cores (with a warning).
    idle_p50 : float, optional
        The one-row p50 measured idle (seconds), stated next to the service
        time under load.
    arrivals : str, path or array-like, default "poisson"
        The arrival process, as in :func:`prodbench.serving.simulate`:
        ``"poisson"``, ``"gamma:cv=3"`` (bursty, same mean rate), or
        timestamps (an array or a CSV file) rescaled to ``qps``.

    Returns
    -------
    LoadTestResult
        ``lt.latency`` (p50, p99, ``interval(99)``), ``lt.offered_qps``,
        ``lt.achieved_qps``, ``lt.kept_up``, ``lt.floor``, ``lt.verdict``.

    Notes
    -----
    No request crosses a pipe: the schedule sits in memory shared with the
    workers (:mod:`prodbench.serving.loadserver`). Each latency runs from
    the request's *scheduled* arrival to the end of its model call, so time
    spent queued is counted (no coordinated omission). Start-up is before
    the run clock. At most 1,000,000 requests.

    Examples
    --------
    >>> import numpy as np, prodbench as pb
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = np.random.default_rng(0).normal(size=(200, 4)); y = (X[:, 0] > 0).astype(int)
    >>> lt = pb.load_test(LogisticRegression().fit(X, y), X, qps=50, duration=0.5, floor=False)
    >>> lt.latency.request_format, lt.workers
    ('numpy', 1)
    """
    from ..budget import percentile_limits
    from ..data import request_rows

    rate = _check_qps(qps)
    span = _check_duration(duration)
    c = _check_workers(workers)
    batch, wait = _check_batching(max_batch, max_wait)
    limits = None if budget is None else percentile_limits(budget)
    if not callable(getattr(model, method, None)):
        raise SpecError(
            f"The model has no callable {method!r}. Pass a fitted estimator with {method}()."
        )
    fmt = _request_format(model, X, request_format)
    limit = 2.0 * span + 5.0 if time_limit is None else _check_duration(time_limit, "time_limit")
    forced = _check_cores(c, oversubscribe)
    rng = np.random.default_rng(check_seed(random_state))
    offsets = _arrivals(rate, span, rng, LOAD_MAX_REQUESTS, arrivals)
    if offsets.size == 0:
        raise SpecError(
            f"No request arrives in {span:g} s at {rate:g} QPS. Raise --qps or --duration."
        )
    rows = request_rows(X, fmt=fmt, n_rows=LOAD_ROWS, random_state=int(random_state))  # type: ignore[arg-type]
    result = _load_test_offsets(
        model, rows, offsets, c, method, fmt, limit, start_timeout, floor, batch, wait
    )
    notes = list(result.notes) + ([forced] if forced else [])
    return dataclasses.replace(
        result,
        offered_qps=rate,
        duration_s=span,
        elapsed_s=max(result.elapsed_s, span),
        limits=limits,
        idle_p50_s=idle_p50,
        notes=tuple(notes),
    )


def _load_test_offsets(
    model: Any,
    rows: list[Any],
    offsets: np.ndarray,
    workers: int,
    method: str,
    fmt: str,
    limit: float,
    start_timeout: float,
    floor: bool,
    batch: int,
    wait: float,
) -> LoadTestResult:
    """The load test of any arrival offsets (seconds, sorted): the run, then the floor."""
    started = time.perf_counter()
    servers = _start_workers(model, rows, workers, method, start_timeout)
    floor_latency = None
    try:
        startup = time.perf_counter() - started
        stamps = _run(servers, offsets, limit, batch, wait)
        if floor and not stamps.timed_out:
            for server in servers:
                server.call(_serve_setup, _NoOpModel(), rows, "predict", timeout=start_timeout)
            floor_latency = _latency(_run(servers, offsets, limit, batch, wait), "predict", fmt)
    finally:
        for server in servers:
            server.close()
    latency = _latency(stamps, method, fmt)
    span = float(offsets[-1])
    ok = stamps.completed
    result = LoadTestResult(
        latency=latency,
        offered_qps=offsets.size / span if span > 0 else float(offsets.size),
        requests=int(offsets.size),
        duration_s=span if span > 0 else 1.0,
        elapsed_s=max(latency.elapsed_s, span),
        workers=workers,
        startup_s=startup,
        floor=floor_latency,
        dropped=int((~ok).sum()),
        service_ns=stamps.service_ns,
        batch_sizes=stamps.batch_sizes if batch > 1 else None,
        rows=len(rows),
        max_batch=batch,
        max_wait_s=wait,
    )
    notes = []
    if not result.kept_up:
        notes.append(
            f"Could not keep up: achieved {result.achieved_qps:,.1f} QPS, below 95% of the "
            f"{result.scheduled_qps:,.1f} QPS that arrived"
            + (
                f"; {result.dropped:,} requests never completed (censored)"
                if result.dropped
                else ""
            )
            + ". The latencies describe an overloaded server."
        )
    if floor and floor_latency is None:
        notes.append("No floor: the run hit its time limit, so the harness was not measured.")
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
    **kwargs: Any,
) -> tuple[str, LoadTestResult]:
    """Load-test one command-line candidate on a named data set.

    A preset or ``module:Class`` spec is fitted on the training split of
    ``data`` first (as arrays when the data is all numbers, as ``compare``
    does); a model file is used as it is. The requests are rows of the test
    split; ``kwargs`` go to :func:`load_test`. Returns the candidate's name
    and the result.

    Examples
    --------
    >>> name, lt = load_test_candidate("logreg", "iris", qps=20, duration=0.3,
    ...                                floor=False)  # doctest: +SKIP
    """
    from ..data import load_dataset, split
    from ..errors import ModelFailedError
    from ..models import parse_candidate

    dataset = load_dataset(data, target=target, random_state=random_state)
    cand = parse_candidate(spec, dataset.task)
    X = dataset.X
    if hasattr(X, "select_dtypes") and X.select_dtypes(include="number").shape[1] == X.shape[1]:
        names = getattr(cand.estimator, "feature_names_in_", None) if cand.fitted else None
        X = np.asarray(X, dtype=float) if names is None else X
    parts = split(X, dataset.y, random_state=random_state, task=dataset.task)
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
    result = load_test(
        model, parts.X_test, qps, duration, workers, random_state, floor=floor, **kwargs
    )
    return cand.name, result
