"""The load test's servers: workers that pull requests from one shared, pre-drawn schedule.

No request crosses a pipe. The parent draws every arrival time in advance and
writes it to a small file mapped into memory by every worker (``mmap``, on
``/dev/shm`` where there is one); each free worker takes the next request in
arrival order from a counter in the same map (one FIFO queue over ``c``
workers, the model :func:`prodbench.serving.simulate` uses), under an
``flock`` on that file, waits until the request's scheduled arrival if it is
early (``sleep``, then a spin over the last :data:`SPIN_NS`), calls the model,
and stamps the start and end of the call with ``time.monotonic_ns`` (the
system-wide clock the parent's schedule uses). The parent only waits.

With ``max_batch > 1`` a free worker takes up to ``max_batch`` requests that
have arrived, or, when fewer have, waits up to ``max_wait`` after the first
one's arrival for the batch to fill (the queue stays locked meanwhile: every
request arriving in that window joins this batch, as in a dynamic batcher),
then calls ``predict`` once on the stacked rows.

:func:`_serve_setup` and :func:`_serve_run` run in the workers and travel by
reference (module path): they must stay importable from here.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

SPIN_NS = 2_000_000
"""A wait for an arrival closer than this spins instead of sleeping.

A sleep on a virtual machine wakes late: by 0.1 ms at the median, 0.5 ms at
the 99th percentile and 2 ms at the 99.9th (measured on the project's 2-core
runner), and a request that waits behind a late wake-up is the harness's
latency, not the model's. Spinning the last 2 ms keeps the harness floor at
1,000 QPS at about 3 us p50 and 65 us p99 (0.1 ms of spin: 15 us and 760 us;
``benchmarks/bench_loadtest.py``). The cost: an idle worker spins up to 2 ms
before each arrival, a core busy up to 2 ms per request, which a load test's
dedicated workers can spend."""

LEAD_NS = 50_000_000
"""The run clock starts this long after the workers are told to start (they are idle)."""

_HEAD = 8  # int64 header slots: [0] the next request to take, [1] stop flag


@dataclass(frozen=True)
class RunStamps:
    """What one run recorded, per scheduled request in arrival order (ns, monotonic clock).

    ``done_ns`` is 0 for a request that never completed; ``ended_ns`` is when
    the run stopped (the last completion, or the time limit). ``batch`` is the
    size of the batch the request was served in (0: not served).
    """

    sched_ns: np.ndarray
    began_ns: np.ndarray
    done_ns: np.ndarray
    batch: np.ndarray
    start_ns: int
    ended_ns: int
    timed_out: bool

    @property
    def completed(self) -> np.ndarray:
        """Whether each request completed."""
        return self.done_ns > 0

    @property
    def batch_sizes(self) -> np.ndarray:
        """The size of the batch each completed request was served in."""
        return self.batch[self.completed]

    @property
    def service_ns(self) -> np.ndarray:
        """The model call's duration (of the batch) for each completed request."""
        ok = self.completed
        return (self.done_ns - self.began_ns)[ok]


def _wait_until(target_ns: int) -> None:
    """Sleep until :data:`SPIN_NS` before ``target_ns``, then spin to it."""
    clock = time.monotonic_ns
    gap = target_ns - clock()
    if gap > SPIN_NS:
        time.sleep((gap - SPIN_NS) / 1e9)
    while clock() < target_ns:
        pass


def _views(buffer: Any, n: int) -> tuple[np.ndarray, ...]:
    whole = np.frombuffer(buffer, dtype=np.int64, count=_HEAD + 4 * n)
    head = whole[:_HEAD]
    sched, began, done, batch = (whole[_HEAD + k * n : _HEAD + (k + 1) * n] for k in range(4))
    return head, sched, began, done, batch


def _stack(state: dict[str, Any], first: int, k: int) -> Any:
    """The rows of requests ``first .. first + k - 1``, one object (one row when ``k == 1``)."""
    rows = state["rows"]
    n = state["n"]
    if k == 1:
        return rows[first % n]
    block = state["block"]
    picks = [(first + j) % n for j in range(k)]
    if hasattr(block, "iloc"):
        return block.iloc[picks]
    return block[picks]


def _serve_setup(state: dict[str, Any], model: Any, rows: list[Any], method: str) -> None:
    """In a worker: keep the model and the pre-sliced rows; threads limited to 1; warm up."""
    from threadpoolctl import threadpool_limits

    if "limits" not in state:
        state["limits"] = threadpool_limits(limits=1)  # for the worker's life, as in serving
    state["call"] = getattr(model, method)
    state["rows"] = rows
    state["n"] = len(rows)
    if hasattr(rows[0], "iloc"):
        import pandas as pd

        state["block"] = pd.concat(rows, ignore_index=True)
    else:
        state["block"] = np.concatenate(rows)
    for row in rows[: min(len(rows), 20)]:  # warm-up, before the run clock
        state["call"](row)


def _take(head: np.ndarray, sched: np.ndarray, n: int, max_batch: int, max_wait_ns: int) -> int:
    """Under the lock: the batch size taken from ``head[0]`` (0: nothing left)."""
    i = int(head[0])
    if i >= n or head[1]:
        return 0
    if max_batch == 1:
        head[0] = i + 1
        return 1
    last = min(i + max_batch, n) - 1
    first_at = int(sched[i])
    _wait_until(first_at)
    fill = first_at + max_wait_ns  # a batch the schedule cannot fill waits its max_wait
    if i + max_batch <= n:
        fill = min(int(sched[last]), fill)
    if fill > time.monotonic_ns():
        _wait_until(fill)
    now = time.monotonic_ns()
    k = int(np.searchsorted(sched[i : last + 1], now, side="right"))
    k = max(1, k)
    head[0] = i + k
    return k


def _serve_run(
    state: dict[str, Any], path: str, n: int, max_batch: int, max_wait_ns: int, deadline_ns: int
) -> int:
    """In a worker: serve requests from the shared schedule until none is left; how many.

    Stops taking requests at ``deadline_ns`` (or when the parent sets the stop
    flag); a request taken is served to the end.
    """
    import fcntl

    clock = time.monotonic_ns
    call = state["call"]
    served = 0
    with open(path, "r+b") as handle:
        mapped = mmap.mmap(handle.fileno(), 0)
        try:
            head, sched, began, done, batch = _views(mapped, n)
            fd = handle.fileno()
            while clock() < deadline_ns:
                fcntl.flock(fd, fcntl.LOCK_EX)
                try:
                    first = int(head[0])
                    k = _take(head, sched, n, max_batch, max_wait_ns)
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
                if k == 0:
                    break
                if k == 1:
                    _wait_until(int(sched[first]))
                rows = _stack(state, first, k)
                t0 = clock()
                call(rows)
                t1 = clock()
                began[first : first + k] = t0
                done[first : first + k] = t1
                batch[first : first + k] = k
                served += k
            del head, sched, began, done, batch
        finally:
            mapped.close()
    return served


@contextlib.contextmanager
def shared_schedule(n: int) -> Iterator[tuple[str, tuple[np.ndarray, ...], mmap.mmap]]:
    """A zeroed mapped file for ``n`` requests: its path, the views and the map (removed after)."""
    where = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    fd, path = tempfile.mkstemp(prefix="prodbench-load-", suffix=".bin", dir=where)
    try:
        size = 8 * (_HEAD + 4 * n)
        os.ftruncate(fd, size)
        mapped = mmap.mmap(fd, size)
        try:
            views = _views(mapped, n)
            yield path, views, mapped
            del views
        finally:
            with contextlib.suppress(BufferError):
                mapped.close()
    finally:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(path)


def run_schedule(
    workers: Sequence[Any],
    offsets_s: np.ndarray,
    time_limit_s: float,
    max_batch: int = 1,
    max_wait_s: float = 0.0,
    grace_s: float = 5.0,
) -> RunStamps:
    """Serve the arrival offsets (seconds from the run clock) with ``workers``; the stamps.

    ``workers`` are :class:`prodbench.worker.Worker` processes already set up
    with :func:`_serve_setup`. The run clock starts :data:`LEAD_NS` after the
    call; requests are not taken after ``time_limit_s`` of it, and a worker
    still busy ``grace_s`` later is killed (its request counts as never
    completed). A model raising in a worker raises here (``RemoteError``),
    after the other workers are stopped.
    """
    from ..worker import CallTimeout

    n = int(offsets_s.size)
    clock = time.monotonic_ns
    with shared_schedule(n) as (path, views, _mapped):
        head, sched, began, done, batch = views
        start = clock() + LEAD_NS
        sched[:] = start + np.round(np.asarray(offsets_s) * 1e9).astype(np.int64)
        deadline = start + int(time_limit_s * 1e9)
        for worker in workers:
            worker.submit(_serve_run, path, n, int(max_batch), int(max_wait_s * 1e9), deadline)
        timed_out = False
        error: BaseException | None = None
        for worker in workers:
            remaining = max(0.0, (deadline - clock()) / 1e9) + grace_s
            try:
                worker.result(remaining)
            except CallTimeout:  # killed: its request never completed
                timed_out = True
                head[1] = 1
            except BaseException as exc:
                head[1] = 1  # the others stop taking requests
                error = error if error is not None else exc
        stamps = RunStamps(
            sched_ns=sched.copy(),
            began_ns=began.copy(),
            done_ns=done.copy(),
            batch=batch.copy(),
            start_ns=start,
            ended_ns=0,
            timed_out=timed_out or bool(int(head[0]) < n),
        )
        del head, sched, began, done, batch, views
    if error is not None:
        raise error
    last = int(stamps.done_ns.max()) if n else start
    ended = last if bool(stamps.completed.all()) else max(last, min(clock(), deadline))
    return RunStamps(
        stamps.sched_ns,
        stamps.began_ns,
        stamps.done_ns,
        stamps.batch,
        start,
        ended,
        stamps.timed_out,
    )
