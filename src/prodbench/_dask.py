"""Running a sweep's cases on a Dask cluster (``dask[distributed]``, the ``dask`` extra).

Imported by :func:`prodbench.sweep` only when ``client=`` is given. One task
per case (:func:`_cluster_case`, module level so it pickles by name) runs the
sweep's case runner on a worker, under a leased host lock
(:func:`_host_lock`); :func:`_run_on_cluster` submits the cases, forwards
their progress events and gathers them into the sweep's collector. The case
runner and the collector come from :mod:`prodbench.sweeps` as arguments, so
this module never imports it back.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
import time
import uuid
import warnings
import weakref
from collections.abc import Callable, Iterator
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from .errors import MissingDependencyError, SpecError
from .sweep_results import CaseOutcome, CaseRun

if TYPE_CHECKING:
    from .verdict import Budget

MAX_ATTEMPTS = 2
"""A case is run at most this often: once, and once more if its worker was lost."""

_LOCK_PREFIX = "prodbench-host-"
# In a Dask worker: the host locks its cases hold, so that a local cluster closing
# after Ctrl-C can stop their lease refreshes first (see _stop_lease_refresh).
_HELD_LOCKS: weakref.WeakSet[Any] = weakref.WeakSet()


def _stop_lease_refresh() -> int:
    """In a worker: stop the lease refreshes of the host locks held there; how many."""
    locks = list(_HELD_LOCKS)
    for lock in locks:
        with contextlib.suppress(Exception):
            lock.refresh_callback.stop()
    return len(locks)


def _host_lock(host: str, lease_timeout: float) -> Callable[[], None]:
    """Acquire the host lock (a leased ``distributed.Lock``); return its release."""
    import dask
    from distributed import Lock

    # The lease timeout is read when the lock registers with the scheduler (at
    # the first acquire), and the refresh period (a fifth of it) at creation.
    with dask.config.set({"distributed.scheduler.locks.lease-timeout": f"{lease_timeout}s"}):
        lock = Lock(_LOCK_PREFIX + host)
        lock.acquire()
    _HELD_LOCKS.add(lock)

    def release() -> None:
        _HELD_LOCKS.discard(lock)
        with contextlib.suppress(Exception):  # the lease may have been freed already
            lock.release()

    return release


def _cluster_case(
    name: str,
    blob: bytes,
    data: tuple[Any, Any, Any, Any],
    budget: Budget | None,
    options: dict[str, Any],
    spec: dict[str, Any],
) -> CaseOutcome:
    """The Dask task: one case on one worker (module level, so it pickles by name).

    ``spec`` carries the run's settings and ``spec["run_case"]``, the sweep's
    case runner (``prodbench.sweeps._execute_case``, pickled by name too).
    """
    from distributed import Variable, get_worker

    started_at = time.time()
    worker = get_worker()
    address = str(worker.address)
    attempts_var = Variable(spec["attempts_var"])
    tried = list(attempts_var.get(timeout=30))
    attempt = len(tried) + 1
    lost = tuple(tried)
    attempts_var.set([*tried, address])
    if attempt > MAX_ATTEMPTS:
        return CaseOutcome(
            name,
            None,
            "WorkerLost",
            f"The worker running case {name!r} was lost {len(tried)} times "
            f"({', '.join(tried)}); the case was not tried again. A model that crashes its "
            "process (or runs the worker out of memory) does this: try the case alone with "
            "prodbench compare.",
            CaseRun(
                worker=address,
                host=socket.gethostname(),
                attempts=attempt - 1,
                lost_workers=lost,
                submitted_at=spec["submitted_at"],
                started_at=started_at,
                finished_at=time.time(),
            ),
        )
    topic = spec["topic"]

    def log(fields: dict[str, str]) -> None:
        with contextlib.suppress(Exception):
            worker.log_event(topic, fields)

    def emit(event: Any) -> None:  # a SweepEvent of the case runner
        log(asdict(event))

    log(
        {
            "case": name,
            "phase": "started",
            "candidate": "",
            "worker": address,
            "message": f"attempt {attempt}",
        }
    )
    host = socket.gethostname()
    acquire = None
    if spec["exclusive_hosts"]:

        def acquire() -> Callable[[], None]:
            return _host_lock(host, float(spec["lease_timeout"]))

    run_case: Callable[..., CaseOutcome] = spec["run_case"]
    return run_case(
        name,
        blob,
        data,
        budget,
        options,
        worker=address,
        worker_threads=int(worker.state.nthreads),
        lock="host" if spec["exclusive_hosts"] else "none",
        acquire=acquire,
        emit=emit,
        submitted_at=spec["submitted_at"],
        started_at=started_at,
        attempts=attempt,
        lost_workers=lost,
    )


LOCAL_WORKERS_ENV = "PRODBENCH_MAX_LOCAL_WORKERS"


def local_workers_cap() -> int:
    """The most worker processes ``local:N`` may start: 4 per core (at least 8).

    ``PRODBENCH_MAX_LOCAL_WORKERS`` (a positive integer) replaces it.

    Examples
    --------
    >>> local_workers_cap() >= 8
    True
    """
    text = os.environ.get(LOCAL_WORKERS_ENV, "").strip()
    if text:
        try:
            value = int(text)
        except ValueError:
            value = 0
        if value < 1:
            raise SpecError(
                f"{LOCAL_WORKERS_ENV}={text!r} is not a positive whole number of worker "
                "processes; set it to e.g. 64, or unset it for the default cap."
            )
        return value
    return max(8, 4 * (os.cpu_count() or 1))


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore ``SIGINT`` while a local cluster starts: its processes inherit that.

    Ctrl-C reaches the whole process group; this process is the one to handle
    it (it cancels the cases and closes the cluster). The cluster's worker
    processes inherit the ignored disposition across ``exec``, so they never
    die of it half-way with a traceback (the cluster's close ends them). A
    Ctrl-C during the few seconds of start-up is lost: press it again.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def _quiet_shutdown() -> Iterator[None]:
    """Silence distributed's, tornado's and asyncio's loggers while a cluster closes.

    Closing after Ctrl-C cancels running cases: their lease refreshes and
    heartbeats then fail on closed connections, which those loggers report
    as warnings and tracebacks although nothing is wrong.
    """
    names = ("distributed", "tornado", "asyncio")
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _restore_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def _nanny_variables() -> dict[str, str | None]:
    """This process's values of the variables a nanny sets before it spawns a worker.

    The nanny sets ``distributed.nanny.pre-spawn-environ`` (``OMP_NUM_THREADS=1``
    and friends) in *its own* process, which for a local cluster is the user's:
    every subprocess started afterwards (an isolated candidate, a CLI run from
    a notebook) would run its native pools pinned to one thread. Put back with
    :func:`_restore_nanny_variables` once the workers are up, and at close.
    """
    import dask

    names = set(dask.config.get("distributed.nanny.pre-spawn-environ", default={}) or {})
    names |= {"OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "PYTHONSAFEPATH"}
    return {name: os.environ.get(name) for name in sorted(names)}


def _restore_nanny_variables(before: dict[str, str | None]) -> None:
    for name, value in before.items():
        _restore_env(name, value)


def _connect(client: Any, notes: list[str]) -> tuple[Any, str, Callable[[], None]]:
    """A distributed.Client for ``client``; its description; how to close what we opened."""
    try:
        import distributed
    except ImportError as exc:
        raise MissingDependencyError(
            "A sweep on a Dask cluster needs dask.distributed. Install it with "
            "pip install 'prodbench[dask]', or pass client=None to run the cases here."
        ) from exc
    if isinstance(client, distributed.Client):
        return client, str(getattr(client.scheduler, "address", "a Dask cluster")), lambda: None
    if not isinstance(client, str):
        raise SpecError(
            "client= must be None (run here), a distributed.Client, a scheduler address "
            f"such as 'tcp://host:8786', or 'local:N'; not {type(client).__name__}."
        )
    text = client.strip()
    if text.startswith("local:") or text == "local":
        return _connect_local(text, notes)
    return _connect_remote(text)


def _connect_local(text: str, notes: list[str]) -> tuple[Any, str, Callable[[], None]]:
    """Start ``local:N``: N single-threaded worker processes here, and how to close them."""
    import distributed

    count = text.partition(":")[2] or "2"
    try:
        n = int(count)
    except ValueError:
        n = 0
    if n < 1:
        raise SpecError(
            f"Cannot read {text!r}: write local:N with N the number of worker "
            "processes, e.g. local:2."
        )
    cap = local_workers_cap()
    if n > cap:
        raise SpecError(
            f"local:{n} would start {n} worker processes on a machine with "
            f"{os.cpu_count() or 1} cores; the cap is {cap} (4 per core, at least 8), and "
            "beyond the cores they only wait for one another. Pass a smaller N, or set "
            f"{LOCAL_WORKERS_ENV}={n} to raise the cap on purpose."
        )
    note = (
        f"local:{n} runs {n} single-threaded worker processes on this machine: they "
        "share its cores, so under the host lock its cases run one after another"
    )
    notes.append(note)
    warnings.warn(note, UserWarning, stacklevel=4)
    # The workers (and multiprocessing's resource tracker) are spawned as ``python -c
    # ...``, which puts the working directory first on sys.path before the parent's
    # path arrives: PYTHONSAFEPATH (Python 3.11+) keeps a struct.py or select.py there
    # from running in them. Set here while the cluster starts, and by the nanny before
    # a restart; this process's own value is restored after.
    import dask

    before = _nanny_variables()

    try:
        os.environ["PYTHONSAFEPATH"] = "1"
        with (
            warnings.catch_warnings(),
            _sigint_ignored(),
            dask.config.set({"distributed.nanny.pre-spawn-environ.PYTHONSAFEPATH": "1"}),
            # A case whose worker dies is retried once (as documented), not three times.
            dask.config.set({"distributed.scheduler.allowed-failures": 1}),
        ):
            # "Port 8787 is already in use": the scheduler's HTTP server (metrics),
            # moved to a free port; nothing for the user to act on.
            warnings.filterwarnings("ignore", message="Port .* is already in use")
            cluster = distributed.LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                # Its own warnings (a worker lost, a task cancelled at Ctrl-C) are
                # noise here: the sweep reports every case's outcome itself.
                silence_logs=logging.CRITICAL,
            )
    finally:
        _restore_nanny_variables(before)
    opened = distributed.Client(cluster)

    def close_local() -> None:
        # Cases cancelled by Ctrl-C may still hold a host lock: stop its lease
        # refresh first, or it fails on the closed connection with a traceback.
        with contextlib.suppress(Exception):
            opened.run(_stop_lease_refresh, wait=True)
        with _quiet_shutdown():
            with contextlib.suppress(Exception):
                opened.close()
            with contextlib.suppress(Exception):
                cluster.close()
        _restore_nanny_variables(before)  # a worker restarted during the sweep set them again

    return opened, f"local:{n}", close_local


def _connect_remote(text: str) -> tuple[Any, str, Callable[[], None]]:
    """Connect to the scheduler at ``text``, and how to close the connection."""
    import distributed

    scheme = text.partition("://")[0] if "://" in text else "tcp"
    try:
        from distributed.comm.registry import backends

        known = sorted(backends)
    except ImportError:  # pragma: no cover - an older distributed
        known = ["inproc", "tcp", "tls"]
    if scheme not in known:
        raise SpecError(
            f"Cannot read the scheduler address {text[:80]!r}: {scheme!r} is not a Dask "
            f"protocol ({', '.join(known)}). Write tcp://host:8786, or local:N to start N "
            "workers on this machine."
        )
    try:
        opened = distributed.Client(text, timeout="20s")
    except ValueError as exc:  # an address distributed cannot parse
        raise SpecError(
            f"Cannot read the scheduler address {text[:80]!r} ({exc}). Write "
            "tcp://host:8786, or local:N to start N workers on this machine."
        ) from exc
    except (OSError, TimeoutError) as exc:
        raise SpecError(
            f"Cannot reach the Dask scheduler at {text!r} ({type(exc).__name__}: {exc}). "
            "Check the address (tcp://host:8786) and that the scheduler is running."
        ) from exc

    def close_remote() -> None:
        with contextlib.suppress(Exception):
            opened.close()

    return opened, text, close_remote


def _check_workers(client: Any) -> None:
    """Every worker must import this prodbench (the tasks are functions of it)."""
    from ._version import __version__

    def probe() -> str:
        try:
            from prodbench._version import __version__ as installed

            return str(installed)
        except Exception as exc:  # pragma: no cover - reported below
            return f"error: {type(exc).__name__}: {exc}"

    versions = client.run(probe)
    if not versions:
        raise SpecError(
            "The Dask cluster has no workers. Start some (dask worker tcp://host:8786) and "
            "run the sweep again."
        )
    bad = {w: v for w, v in versions.items() if v != __version__}
    if bad:
        listed = ", ".join(f"{w}: {v}" for w, v in sorted(bad.items()))
        raise MissingDependencyError(
            f"Some Dask workers do not have prodbench {__version__} ({listed}). Install the "
            "same prodbench (and model packages) on every worker."
        )


def _run_on_cluster(
    client: Any,
    cases: list[Any],
    budget: Budget | None,
    options: dict[str, Any],
    collector: Any,
    *,
    run_case: Callable[..., CaseOutcome],
    exclusive_hosts: bool,
    lease_timeout: float,
) -> None:
    """Run ``cases`` (``sweeps._Case``) as Dask tasks, handing each result to ``collector``.

    ``collector`` is the sweep's ``sweeps._Collector`` (``event``, ``add``,
    ``fail``, ``runs``, ``progress``); ``run_case`` runs one case on a worker.
    """
    from distributed import Variable, as_completed
    from distributed.scheduler import KilledWorker

    run_id = uuid.uuid4().hex[:10]
    topic = f"prodbench-sweep-{run_id}"

    def on_event(event: Any) -> None:
        msg = event[1] if isinstance(event, tuple) and len(event) == 2 else event
        # A case's own "done"/"failed" is reported here once its result arrives.
        case_level_end = (
            isinstance(msg, dict)
            and not msg.get("candidate")
            and (msg.get("phase") in ("done", "failed"))
        )
        if isinstance(msg, dict) and not case_level_end:
            with contextlib.suppress(Exception):
                collector.event(**msg)

    if collector.progress is not None:
        client.subscribe_topic(topic, on_event)
    variables: dict[str, Any] = {}
    futures: dict[Any, Any] = {}
    try:
        for index, case in enumerate(cases):
            var = Variable(f"{topic}-attempts-{index}", client=client)
            var.set([])
            variables[case.name] = var
            spec = {
                "attempts_var": var.name,
                "topic": topic,
                "exclusive_hosts": exclusive_hosts,
                "lease_timeout": lease_timeout,
                "submitted_at": time.time(),
                "run_case": run_case,
            }
            future = client.submit(
                _cluster_case,
                case.name,
                case.blob,
                (case.X, case.y, case.X_test, case.y_test),
                budget,
                options,
                spec,
                key=f"prodbench-case-{run_id}-{index}",
                pure=False,
                retries=1,
            )
            futures[future] = case
            collector.event(case.name, "submitted", message="submitted")
        for future in as_completed(list(futures)):
            case = futures[future]
            try:
                outcome = future.result()
            except KilledWorker as exc:
                tries = getattr(exc, "allowed_failures", None)
                times = "" if tries is None else f" {tries + 1} times"
                collector.fail(
                    case.name,
                    "KilledWorker",
                    f"Case {case.name!r} ended the worker running it{times} (retried, then "
                    "given up): a model crashed its process, e.g. a segfault in native code. "
                    "Measure with isolation (drop isolate=False / --no-isolate) so that only "
                    "that candidate fails.",
                )
                continue
            except Exception as exc:
                collector.fail(
                    case.name,
                    type(exc).__name__,
                    f"Case {case.name!r} failed on the cluster ({type(exc).__name__}: {exc}).",
                )
                continue
            if outcome.run.lost_workers and outcome.comparison is not None:
                collector.event(
                    case.name,
                    "retry",
                    message=f"retried after losing {', '.join(outcome.run.lost_workers)}",
                )
            collector.add(outcome)
    except KeyboardInterrupt:
        client.cancel([f for f, c in futures.items() if c.name not in collector.runs])
        raise
    finally:
        if collector.progress is not None:
            with contextlib.suppress(Exception):
                client.unsubscribe_topic(topic)
        for var in variables.values():
            with contextlib.suppress(Exception):
                var.delete()
