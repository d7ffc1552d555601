"""Many comparisons at once: one whole :func:`~prodbench.compare` per dataset.

A *case* is one whole comparison (its candidates interleaved on one machine,
so its deltas stay valid). :func:`sweep` runs the cases one after another
here, or fans them out to a Dask cluster (``dask[distributed]``, the ``dask``
extra) and gathers them into a :class:`Sweep`: one table of research picks
and production picks across datasets.

On a cluster:

* By default at most one case measures per host at a time: a
  ``distributed.Lock`` keyed by the host name, held by the case for its whole
  run. ``distributed.Lock`` is a leased semaphore: the worker holding it
  refreshes the lease, and a lock held by a worker that died is released by
  the scheduler once the lease times out (``lock_lease_timeout``, 30 s, plus
  the scheduler's ``distributed.scheduler.locks.lease-validation-interval``,
  10 s by default).
* Where a case ran is part of its result (:class:`CaseRun`): worker address,
  host, CPU model, cores and the native thread settings actually in force
  (the Dask nanny sets ``OMP_NUM_THREADS``, ``MKL_NUM_THREADS`` and
  ``OPENBLAS_NUM_THREADS`` to 1 by default).
* A case whose worker is lost is retried once (on whichever worker the
  scheduler picks next), then recorded as failed with the reason. Finished
  cases are never lost: with ``output=`` the sweep is saved atomically after
  each case, and ``resume=`` skips the cases already finished in a saved sweep.
* Candidates and data travel by pickling (cloudpickle). Every candidate is
  pickled before anything is sent, so one that cannot be fails at once with
  a clear error.

Examples
--------
>>> import prodbench as pb
>>> from sklearn.linear_model import LogisticRegression
>>> from sklearn.tree import DecisionTreeClassifier
>>> sw = pb.sweep(["iris", "wine"],
...               {"lone": LogisticRegression(max_iter=1000),
...                "tree": DecisionTreeClassifier(random_state=0)},
...               budget="p99=50ms", max_time=0.2, batch_sizes=(1,))
>>> sorted(sw.comparisons)
['iris', 'wine']
>>> sw.summary.research_picks["iris"] in ("lone", "tree")
True
"""

from __future__ import annotations

import math
import os
import socket
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .environment import THREAD_ENV_VARS, json_safe
from .errors import CandidateError, DataError, SpecError
from .progress import ProgressEvent, SweepEvent, SweepProgress
from .sweep_results import CaseOutcome as _Outcome
from .sweep_results import CaseRun, FailedCase, Sweep, SweepInterrupted, SweepSummary
from .units import check_seed
from .verdict import Budget, Comparison

__all__ = [
    "CaseRun",
    "FailedCase",
    "Sweep",
    "SweepEvent",
    "SweepInterrupted",
    "SweepSummary",
    "sweep",
]

DEFAULT_LEASE_TIMEOUT = 30.0
"""Seconds without a lease refresh before the scheduler frees a dead worker's host lock."""

_CALLBACKS = ("progress", "on_result", "on_failure")
_PER_DATASET = ("X_test", "y_test")


# --------------------------------------------------------------------------- cases
@dataclass
class _Case:
    name: str
    X: Any
    y: Any
    X_test: Any
    y_test: Any
    names: tuple[str, ...]
    blob: bytes  # cloudpickle of {name: estimator}
    fingerprint: dict[str, Any] = field(default_factory=dict)  # what resume checks


def _load_spec(spec: str, random_state: int) -> Any:
    from .data import load_dataset

    ds = load_dataset(spec, random_state=random_state)
    return ds.X, ds.y


def _normalize_datasets(datasets: Any, random_state: int) -> dict[str, tuple[Any, ...]]:
    """``{name: (X, y[, X_test, y_test])}`` from a mapping or a list of dataset specs."""
    if isinstance(datasets, str):
        datasets = [datasets]
    out: dict[str, tuple[Any, ...]] = {}
    if isinstance(datasets, Mapping):
        items = list(datasets.items())
    elif isinstance(datasets, Sequence):
        items = []
        for spec in datasets:
            if not isinstance(spec, str):
                raise DataError(
                    "A list of datasets holds names such as 'digits' or 'synthetic:n_samples="
                    f"5000'; got {type(spec).__name__}. Pass {{name: (X, y)}} for your own data."
                )
            items.append((spec, spec))
    else:
        raise DataError(
            f"datasets must be {{name: (X, y)}} or a list of dataset names, not "
            f"{type(datasets).__name__}."
        )
    for name, value in items:
        if not isinstance(name, str) or not name:
            raise DataError(f"Dataset names must be non-empty strings, not {name!r}.")
        if name in out:
            raise DataError(f"The dataset {name!r} is given twice. Give each case once.")
        if isinstance(value, str):
            X, y = _load_spec(value, random_state)
            out[name] = (X, y, None, None)
        elif hasattr(value, "X") and hasattr(value, "y"):  # data.Dataset
            out[name] = (value.X, value.y, None, None)
        elif isinstance(value, tuple | list) and len(value) in (2, 4):
            out[name] = (*value, None, None) if len(value) == 2 else tuple(value)
        else:
            raise DataError(
                f"Dataset {name!r} must be (X, y), (X, y, X_test, y_test), a Dataset or a "
                f"dataset name, not {type(value).__name__}."
            )
    if not out:
        raise DataError("sweep() needs at least one dataset, e.g. ['digits', 'wine'].")
    return out


def _pickle_candidates(case: str, named: Mapping[str, Any]) -> bytes:
    """Cloudpickle the candidates of a case, naming the one that cannot be pickled."""
    import cloudpickle

    for label, model in named.items():
        try:
            cloudpickle.dumps(model)
        except Exception as exc:
            raise CandidateError(
                f"Candidate {label!r} of case {case!r} cannot be pickled "
                f"({type(exc).__name__}: {exc}). A sweep sends every candidate to the "
                "worker that runs its case by pickling (cloudpickle), and nothing was sent. "
                "Remove what cannot be pickled (open files, locks, sockets, generators, "
                "live connections) from the model, or build it inside a callable "
                "candidates=lambda dataset: {...}."
            ) from exc
    return bytes(cloudpickle.dumps(dict(named)))


def _build_cases(
    datasets: Mapping[str, tuple[Any, ...]],
    candidates: Any,
) -> list[_Case]:
    from .models import name_candidates

    cases = []
    for name, (X, y, X_test, y_test) in datasets.items():
        chosen = candidates(name) if callable(candidates) else candidates
        named = name_candidates(chosen)
        if len(named) < 2:
            raise CandidateError(
                f"Case {name!r} has {len(named)} candidate(s); a comparison needs at least two."
            )
        blob = _pickle_candidates(name, named)
        fingerprint = {
            "candidates": {label: _model_fingerprint(model) for label, model in named.items()},
            "data": _data_fingerprint(X, y, X_test, y_test),
        }
        cases.append(_Case(name, X, y, X_test, y_test, tuple(named), blob, fingerprint))
    return cases


def _param_text(value: Any) -> str:
    """A parameter as stable text: estimators and functions by name, no memory addresses."""
    import re

    if hasattr(value, "get_params") or callable(value):
        kind = value if isinstance(value, type) else type(value)
        name = getattr(value, "__qualname__", None) if callable(value) else None
        return f"{kind.__module__}.{name or kind.__qualname__}"
    return re.sub(r" at 0x[0-9a-fA-F]+", "", repr(value))


def _model_fingerprint(model: Any) -> dict[str, str]:
    """A candidate's estimator class and a hash of its parameters (or of its pickle)."""
    import hashlib

    kind = type(model)
    get_params = getattr(model, "get_params", None)
    try:
        params = get_params(deep=True) if callable(get_params) else None
    except Exception:  # a model whose get_params fails is hashed by its pickle
        params = None
    if isinstance(params, Mapping):
        text = repr(sorted((str(k), _param_text(v)) for k, v in params.items())).encode()
    else:
        import cloudpickle

        text = cloudpickle.dumps(model)
    return {
        "estimator": f"{kind.__module__}.{kind.__qualname__}",
        "params": hashlib.sha256(text).hexdigest()[:16],
    }


def _data_fingerprint(X: Any, y: Any, X_test: Any, y_test: Any) -> dict[str, Any]:
    """A case's data: rows, features, column names and a digest of every value."""
    import hashlib

    import numpy as np
    import pandas as pd

    digest = hashlib.sha256()
    for part in (X, y, X_test, y_test):
        if part is None:
            digest.update(b"-")
            continue
        table = part if isinstance(part, pd.DataFrame | pd.Series) else pd.DataFrame(
            np.asarray(part).reshape(len(part), -1)
        )  # fmt: skip
        digest.update(pd.util.hash_pandas_object(table, index=False).to_numpy().tobytes())
    columns = getattr(X, "columns", None)
    return {
        "rows": len(X),
        "features": int(np.shape(X)[1]) if np.ndim(X) == 2 else 0,
        "test_rows": None if X_test is None else len(X_test),
        "columns": None if columns is None else [str(c) for c in columns],
        "digest": digest.hexdigest()[:16],
    }


def _check_compare_options(options: Mapping[str, Any]) -> None:
    from .pipeline import COMPARE_OPTIONS

    allowed = set(COMPARE_OPTIONS)
    for key in options:
        if key in _CALLBACKS:
            raise SpecError(
                f"{key}= is a callback, and callbacks do not travel to the workers of a "
                "sweep. Pass progress= to sweep() for per-case progress."
            )
        if key in _PER_DATASET:
            raise SpecError(
                f"{key}= belongs to one dataset: pass datasets={{name: (X, y, X_test, "
                "y_test)}} to give a case its own test rows."
            )
        if key not in allowed:
            raise SpecError(
                f"sweep() got an unknown option {key!r}. It takes the options of "
                f"compare(): {', '.join(sorted(allowed))}."
            )


def _options_json(options: Mapping[str, Any]) -> dict[str, Any]:
    safe = json_safe(dict(options))
    return safe if isinstance(safe, dict) else {}


# --------------------------------------------------------------------------- one case
class _Recorder:
    """A compare() progress callback: latency window and forwarded events."""

    def __init__(self, case: str, worker: str, emit: SweepProgress | None) -> None:
        self.case = case
        self.worker = worker
        self.emit = emit
        self.latency_start = math.nan
        self.latency_end = math.nan
        self._last: dict[str, tuple[str, float]] = {}

    def __call__(self, event: ProgressEvent) -> None:
        now = time.time()
        if event.phase == "latency":
            start = now - event.elapsed
            if math.isnan(self.latency_start) or start < self.latency_start:
                self.latency_start = start
            self.latency_end = now
        elif event.phase in ("done", "failed") and not math.isnan(self.latency_start):
            self.latency_end = max(self.latency_end, now)
        if self.emit is None:
            return
        # Forward phase changes, and latency progress at most once a second.
        previous = self._last.get(event.candidate)
        if previous is not None and previous[0] == event.phase and now - previous[1] < 1.0:
            return
        self._last[event.candidate] = (event.phase, now)
        message = event.message or event.phase
        self.emit(SweepEvent(self.case, event.phase, event.candidate, self.worker, message))


def _where(worker: str, worker_threads: int | None) -> dict[str, Any]:
    from .environment import collect_environment

    env = collect_environment()
    pools = []
    for pool in env.get("threadpools") or []:  # type: ignore[attr-defined]
        if isinstance(pool, dict) and "num_threads" in pool:
            pools.append(
                {
                    "internal_api": pool.get("internal_api"),
                    "prefix": pool.get("prefix"),
                    "num_threads": pool.get("num_threads"),
                }
            )
    return {
        "worker": worker,
        "host": socket.gethostname(),
        "cpu_model": str(env.get("cpu_model") or ""),
        "logical_cores": env.get("logical_cores"),
        "usable_cores": env.get("usable_cores"),
        "worker_threads": worker_threads,
        "thread_env": {k: os.environ[k] for k in THREAD_ENV_VARS if k in os.environ},
        "threadpools": tuple(pools),
    }


def _execute_case(
    name: str,
    blob: bytes,
    data: tuple[Any, Any, Any, Any],
    budget: Budget | None,
    options: Mapping[str, Any],
    *,
    worker: str,
    worker_threads: int | None,
    lock: str,
    acquire: Callable[[], Callable[[], None]] | None,
    emit: SweepProgress | None,
    submitted_at: float,
    started_at: float,
    attempts: int,
    lost_workers: tuple[str, ...],
) -> _Outcome:
    """Run one whole comparison; never raises for a failure of the case itself."""
    import cloudpickle

    from .errors import ProdbenchError
    from .pipeline import compare

    def run(**extra: Any) -> CaseRun:
        where = _where(worker, worker_threads)
        return CaseRun(
            **where,
            lock=lock,
            attempts=attempts,
            lost_workers=lost_workers,
            submitted_at=submitted_at,
            started_at=started_at,
            **extra,
        )

    try:
        named = cloudpickle.loads(blob)
    except Exception as exc:
        return _Outcome(
            name,
            None,
            type(exc).__name__,
            f"The candidates could not be unpickled where the case ran ({type(exc).__name__}: "
            f"{exc}). Install the packages the candidates need (and the same versions) on "
            "every worker.",
            run(finished_at=time.time()),
        )
    lock_requested_at = time.time() if acquire is not None else math.nan
    release = acquire() if acquire is not None else None
    measure_start = time.time()
    recorder = _Recorder(name, worker, emit)
    if emit is not None:
        emit(SweepEvent(name, "measuring", worker=worker, message="measuring"))
    X, y, X_test, y_test = data
    try:
        cmp = compare(
            named,
            X,
            y,
            X_test=X_test,
            y_test=y_test,
            budget=budget,
            progress=recorder,
            **options,
        )
        comparison: Comparison | None = cmp
        error_type, reason = "", ""
    except ProdbenchError as exc:
        comparison, error_type, reason = None, type(exc).__name__, str(exc)
    except Exception as exc:  # a bug in a model that escaped compare's guards
        comparison, error_type = None, type(exc).__name__
        reason = f"The case raised {type(exc).__name__}: {exc}"
    finally:
        measure_end = time.time()
        if release is not None:
            release()
    return _Outcome(
        name,
        comparison,
        error_type,
        reason,
        run(
            lock_requested_at=lock_requested_at,
            measure_start=measure_start,
            latency_start=recorder.latency_start,
            latency_end=recorder.latency_end,
            measure_end=measure_end,
            finished_at=time.time(),
        ),
    )


# --------------------------------------------------------------------------- drivers
class _Collector:
    """Finished and failed cases so far; saves the sweep after each one."""

    def __init__(
        self,
        cases: Sequence[str],
        candidates: dict[str, tuple[str, ...]],
        budget: Budget | None,
        scheduler: str,
        exclusive_hosts: bool,
        options: dict[str, Any],
        notes: list[str],
        output: str | os.PathLike[str] | None,
        progress: SweepProgress | None,
    ) -> None:
        self.cases = tuple(cases)
        self.candidates = candidates
        self.budget = budget
        self.scheduler = scheduler
        self.exclusive_hosts = exclusive_hosts
        self.options = options
        self.notes = notes
        self.output = output
        self.progress = progress
        self.comparisons: dict[str, Comparison] = {}
        self.failures: dict[str, FailedCase] = {}
        self.runs: dict[str, CaseRun] = {}
        self.fingerprints: dict[str, dict[str, Any]] = {}

    def emit(self, event: SweepEvent) -> None:
        if self.progress is not None:
            self.progress(event)

    def event(
        self, case: str, phase: str, candidate: str = "", worker: str = "", message: str = ""
    ) -> None:
        """Emit a :class:`SweepEvent` from its fields (the Dask driver's events)."""
        self.emit(SweepEvent(case, phase, candidate, worker, message))

    def keep(self, previous: Sweep) -> None:
        for case in previous.finished:
            if case in self.cases:
                self.comparisons[case] = previous.comparisons[case]
                if case in previous.runs:
                    self.runs[case] = previous.runs[case]
                self.emit(SweepEvent(case, "skipped", message="finished in the resumed file"))

    def add(self, outcome: _Outcome) -> None:
        name = outcome.name
        self.runs[name] = outcome.run
        if outcome.comparison is not None:
            self.comparisons[name] = outcome.comparison
            self.failures.pop(name, None)
            self.emit(SweepEvent(name, "done", worker=outcome.run.worker, message="done"))
        else:
            self.failures[name] = FailedCase(name, outcome.reason, outcome.error_type)
            self.emit(SweepEvent(name, "failed", worker=outcome.run.worker, message=outcome.reason))
        self.save()

    def fail(self, name: str, error_type: str, reason: str, run: CaseRun | None = None) -> None:
        self.failures[name] = FailedCase(name, reason, error_type)
        if run is not None:
            self.runs[name] = run
        self.emit(SweepEvent(name, "failed", message=reason))
        self.save()

    def result(self) -> Sweep:
        return Sweep(
            cases=self.cases,
            comparisons={c: self.comparisons[c] for c in self.cases if c in self.comparisons},
            failures={c: self.failures[c] for c in self.cases if c in self.failures},
            runs={c: self.runs[c] for c in self.cases if c in self.runs},
            candidates=dict(self.candidates),
            budget=self.budget,
            scheduler=self.scheduler,
            exclusive_hosts=self.exclusive_hosts,
            options=self.options,
            notes=tuple(self.notes),
            fingerprints={c: self.fingerprints[c] for c in self.cases if c in self.fingerprints},
        )

    def save(self) -> None:
        if self.output is None:
            return
        try:
            self.result().to_json(self.output)
        except (OSError, ValueError) as exc:  # a full disk must not stop the sweep
            note = f"could not save the sweep to {os.fspath(self.output)!r}: {exc}"
            if note not in self.notes:
                self.notes.append(note)
                warnings.warn(note, UserWarning, stacklevel=2)


def _run_sequential(
    cases: list[_Case],
    budget: Budget | None,
    options: dict[str, Any],
    collector: _Collector,
) -> None:
    for case in cases:
        now = time.time()
        collector.emit(SweepEvent(case.name, "started", message="here"))
        outcome = _execute_case(
            case.name,
            case.blob,
            (case.X, case.y, case.X_test, case.y_test),
            budget,
            options,
            worker="",
            worker_threads=None,
            lock="sequential",
            acquire=None,
            emit=collector.progress,
            submitted_at=now,
            started_at=now,
            attempts=1,
            lost_workers=(),
        )
        collector.add(outcome)


# --------------------------------------------------------------------------- the API
def sweep(
    datasets: Any,
    candidates: Any,
    *,
    budget: Budget | str | Mapping[str, Any] | None = None,
    client: Any = None,
    exclusive_hosts: bool = True,
    output: str | os.PathLike[str] | None = None,
    resume: str | os.PathLike[str] | None = None,
    progress: SweepProgress | None = None,
    lock_lease_timeout: float = DEFAULT_LEASE_TIMEOUT,
    **compare_options: Any,
) -> Sweep:
    """Run one whole comparison per dataset, here or on a Dask cluster.

    Parameters
    ----------
    datasets : dict or list
        ``{name: (X, y)}`` (or ``(X, y, X_test, y_test)``, or a dataset name
        such as ``"digits"``), or a list of dataset names
        (see :func:`prodbench.data.load_dataset`). One case per dataset.
    candidates : dict, list or callable
        What :func:`prodbench.compare` takes, the same for every case; or a
        callable ``dataset_name -> candidates``. Evaluated and pickled here,
        before anything runs.
    budget : Budget, str or dict, optional
        The latency and size budget of every case, e.g. ``"p99=5ms"``.
    client : None, distributed.Client or str, default None
        ``None`` runs the cases one after another in this process. A
        ``distributed.Client`` or a scheduler address (``"tcp://host:8786"``)
        runs each case as one task on a Dask worker. ``"local:N"`` starts a
        ``LocalCluster`` of ``N`` single-threaded worker processes on this
        machine (they share its cores; a warning says so) and closes it after.
    exclusive_hosts : bool, default True
        At most one case measures per host at a time (a leased
        ``distributed.Lock`` named after the host). ``False`` lifts it; the
        result says so in :attr:`Sweep.warnings`.
    output : path, optional
        Save the sweep here (atomically) after each finished or failed case.
    resume : path, optional
        A sweep saved earlier: its finished cases are kept and not run again
        (failed and missing ones are). Its budget and options must match.
    progress : callable, optional
        Called with a :class:`SweepEvent` per case step (submitted, started,
        each candidate's phase, done, failed). From a cluster, events arrive
        on the client's event-loop thread.
    lock_lease_timeout : float, default 30.0
        Seconds after which the scheduler frees the host lock of a worker
        that stopped refreshing it (it died). A dead worker's lock is freed
        within this plus the scheduler's lease-validation interval (10 s
        by default): well within a minute.
    **compare_options
        Every option of :func:`prodbench.compare` except its callbacks
        (``max_time``, ``threads``, ``baseline``, ``fit``, ``batch_sizes``,
        ``random_state``, ``runtimes``, ``call_timeout``, ...), applied to every
        case. On a cluster ``isolate`` defaults to True: each candidate runs in
        its own subprocess of the Dask worker, so ``call_timeout`` holds there
        too (a Dask task runs in a worker thread, where no watchdog can end a
        hung call, and the nanny never ends a hung task).

    Returns
    -------
    Sweep

    Raises
    ------
    CandidateError
        A candidate cannot be pickled (raised before anything is sent), or a
        case has fewer than two candidates.
    SpecError
        An unknown option, a callback among the compare options, a bad
        ``client``, or a ``resume`` file run with other settings.
    SweepInterrupted
        Ctrl-C: outstanding cases are cancelled; ``.sweep`` holds the finished
        ones (also saved to ``output``). Cases already running on a remote
        worker finish there and are discarded (Dask cannot stop a running task).

    Notes
    -----
    A case's worker runs ``compare`` in the worker's own process. The Dask
    nanny sets ``OMP_NUM_THREADS``, ``MKL_NUM_THREADS`` and
    ``OPENBLAS_NUM_THREADS`` to 1 (``distributed.nanny.pre-spawn-environ``):
    fits and bulk throughput then run single-threaded. Each case records the
    settings in force (:attr:`CaseRun.thread_env`, :attr:`CaseRun.threadpools`).

    Examples
    --------
    >>> import prodbench as pb
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> sw = pb.sweep(["iris", "wine"],
    ...               lambda name: {"lone": LogisticRegression(max_iter=1000),
    ...                             "tree": DecisionTreeClassifier(random_state=0)},
    ...               max_time=0.2, batch_sizes=(1,))
    >>> sw.summary.research_picks["wine"] in ("lone", "tree")
    True
    >>> sw = pb.sweep(["iris"], {...}, client="local:2")  # doctest: +SKIP
    """
    _check_compare_options(compare_options)
    budget_obj = Budget.coerce(budget)
    if not (lock_lease_timeout > 0 and math.isfinite(lock_lease_timeout)):
        raise SpecError(
            f"lock_lease_timeout must be a positive number of seconds, not {lock_lease_timeout!r}."
        )
    notes: list[str] = []
    if client is not None:
        # Dask runs a case in a worker thread: no in-process watchdog can end a
        # hung call there, and the nanny never ends a hung task. Each candidate
        # runs in its own subprocess instead, which call_timeout can kill.
        compare_options.setdefault("isolate", True)
        if not compare_options["isolate"]:
            notes.append(
                "isolate=False on Dask workers: call_timeout cannot interrupt a hung call "
                "there (a task runs in a worker thread), so a hung candidate hangs its case"
            )
    random_state = check_seed(compare_options.get("random_state", 0))
    data = _normalize_datasets(datasets, random_state)
    cases = _build_cases(data, candidates)
    options_json = _options_json(compare_options)
    previous = Sweep.from_json(resume) if resume is not None else None
    if previous is not None:
        _check_resume(previous, budget_obj, options_json, {c.name: c.names for c in cases})
        _check_resume_fingerprints(previous, {c.name: c.fingerprint for c in cases})
    collector = _Collector(
        [c.name for c in cases],
        {c.name: c.names for c in cases},
        budget_obj,
        "sequential",
        exclusive_hosts,
        options_json,
        notes,
        output,
        progress,
    )
    collector.fingerprints = {c.name: c.fingerprint for c in cases}
    if previous is not None:
        collector.keep(previous)
    todo = [c for c in cases if c.name not in collector.comparisons]
    close: Callable[[], None] = lambda: None  # noqa: E731
    try:
        if client is None:
            collector.exclusive_hosts = True
            _run_sequential(todo, budget_obj, dict(compare_options), collector)
        else:
            from . import _dask

            dask_client, collector.scheduler, close = _dask._connect(client, notes)
            _dask._check_workers(dask_client)
            _dask._run_on_cluster(
                dask_client,
                todo,
                budget_obj,
                dict(compare_options),
                collector,
                run_case=_execute_case,
                exclusive_hosts=exclusive_hosts,
                lease_timeout=float(lock_lease_timeout),
            )
    except KeyboardInterrupt:
        collector.save()
        raise SweepInterrupted(collector.result()) from None
    finally:
        close()
    result = collector.result()
    if result.warnings:
        for text in result.warnings:
            if text not in notes:
                warnings.warn(text, UserWarning, stacklevel=2)
    return result


def _check_resume(
    previous: Sweep,
    budget: Budget | None,
    options: dict[str, Any],
    names: dict[str, tuple[str, ...]],
) -> None:
    def same_budget(a: Budget | None, b: Budget | None) -> bool:
        return (a.limits if a else {}) == (b.limits if b else {})

    problems = []
    if not same_budget(previous.budget, budget):
        problems.append(f"budget {previous.budget or 'none'} there, {budget or 'none'} now")
    if previous.options != options:
        problems.append(f"options {previous.options} there, {options} now")
    for case in previous.finished:
        if case in names and previous.candidates.get(case, names[case]) != names[case]:
            problems.append(
                f"case {case!r} compared {list(previous.candidates[case])} there, "
                f"{list(names[case])} now"
            )
    if problems:
        raise SpecError(
            "The sweep to resume was run with other settings (" + "; ".join(problems) + "). "
            "Resume with the same candidates, budget and options, or start a new output file."
        )


def _check_resume_fingerprints(previous: Sweep, now: dict[str, dict[str, Any]]) -> None:
    """A finished case is reused only when its models and data are the ones it ran on.

    Names are not enough: a different estimator under the same name, other
    ``rows`` or a changed file at the same path would reuse old results.
    """
    problems = []
    for case in previous.finished:
        if case not in now:
            continue
        then = previous.fingerprints.get(case)
        if not then:
            problems.append(
                f"case {case!r} was saved without a record of its models and data (an older "
                "prodbench, or an edited file), so it cannot be checked"
            )
            continue
        for label, model in now[case].get("candidates", {}).items():
            old = then.get("candidates", {}).get(label)
            if old is None:
                continue  # a different set of names is reported by _check_resume
            if old.get("estimator") != model["estimator"]:
                problems.append(
                    f"case {case!r}: {label!r} was {old.get('estimator')} there, "
                    f"{model['estimator']} now"
                )
            elif old.get("params") != model["params"]:
                problems.append(f"case {case!r}: {label!r} has other parameters now")
        old_data, data = then.get("data", {}), now[case].get("data", {})
        for key, what in (("rows", "rows"), ("features", "features"), ("test_rows", "test rows")):
            if old_data.get(key) != data.get(key):
                problems.append(
                    f"case {case!r}: {old_data.get(key)} {what} there, {data.get(key)} now"
                )
        if old_data.get("columns") != data.get("columns"):
            problems.append(f"case {case!r}: other data columns now")
        if old_data.get("digest") != data.get("digest") and not any(
            p.startswith(f"case {case!r}: ") and "rows" in p for p in problems
        ):
            problems.append(f"case {case!r}: its data changed (the values differ)")
    if problems:
        raise SpecError(
            "The sweep to resume was run on other models or data ("
            + "; ".join(problems)
            + "). Its results would be reused for something they do not measure: resume with "
            "the same candidates and data, or start a new output file."
        )


def iter_rows(sw: Sweep) -> list[tuple[str, str]]:
    """``(case, candidate)`` pairs in table order: :meth:`Sweep.rows`."""
    return sw.rows()


# The Dask driver lives in _dask.py, imported only when a cluster is used;
# its names stay reachable here (tests and pickles of a case task name them).
_DASK_NAMES = frozenset(
    {"MAX_ATTEMPTS", "_check_workers", "_cluster_case", "_connect", "_host_lock", "_run_on_cluster"}
)


def __getattr__(name: str) -> Any:
    if name in _DASK_NAMES:
        from . import _dask

        return getattr(_dask, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
