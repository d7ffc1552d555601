"""A candidate measured in its own worker process (``isolate=True``): the parent's side.

Each candidate lives in a :class:`prodbench.worker.Worker`: the
:class:`~prodbench.engine.candidate._Candidate` object is shipped there once
and kept in the worker's state; the parent drives the same steps one by one
(:func:`_remote_step`, pickled by reference), so the interleaving (A B A B)
and the timing code are exactly those of an in-process run. Timing happens
inside the worker: per-call figures carry no inter-process cost.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ..errors import ProdbenchError
from ..progress import ProgressCallback, ProgressEvent
from ..results import ModelResult
from ..worker import CallTimeout, Worker, WorkerCrashed
from .candidate import _PROBE_SECONDS, _Candidate, _Reports
from .failures import _as_cause, _reraise_interrupt, isolated_failure
from .options import _Options
from .shared import _Shared

_IN_FLIGHT_S = 2.0
"""Seconds a step cut short by Ctrl-C may still take (a latency block is 0.1 s)."""


def _remote_snapshot(cand: _Candidate) -> dict[str, Any]:
    return {
        "wants_fit": cand.wants_fit,
        "fit_times": list(cand.fit_times),
        "latency_done": cand.latency_done,
        "latency_n": cand.latency_n,
        "latency_elapsed": cand.latency_elapsed,
        # the longest the warm-up may run (it goes on until block medians settle)
        "warmup_time": 0.0 if cand.sampler is None else cand.sampler.warmup_limit,
        "warm": cand.sampler is not None and cand.sampler.warm,
    }


def _remote_setup(state: dict[str, Any], cand: _Candidate) -> dict[str, Any]:
    """In the worker: keep the candidate for the calls that follow."""
    state["candidate"] = cand
    return _remote_snapshot(cand)


def _remote_step(
    state: dict[str, Any], method: str, *args: Any
) -> tuple[Any, dict[str, Any], list[ProgressEvent]]:
    """In the worker: run one step of the kept candidate; return what the parent mirrors."""
    cand: _Candidate = state["candidate"]
    events: list[ProgressEvent] = []
    cand.progress = events.append
    try:
        value = getattr(cand, method)(*args)
    except ProdbenchError as exc:
        # The chained original does not travel; its type and message do.
        cause = exc.__cause__
        if cause is not None:
            exc.cause_type = type(cause).__name__  # type: ignore[attr-defined]
            exc.cause_message = str(cause)  # type: ignore[attr-defined]
        raise
    finally:
        cand.progress = None
    return value, _remote_snapshot(cand), events


class _IsolatedCandidate(_Reports):
    """The parent's side of a candidate measured in a worker process.

    Offers what the driver uses of a :class:`_Candidate` (the ``Runner``
    protocol of :mod:`prodbench.engine.driver`); each step is one call into
    the worker, bounded by the step's own time plus ``call_timeout``. A hang
    (the worker is killed), a crash, ``os._exit``, or a model that cannot be
    shipped becomes this candidate's failure.
    """

    def __init__(
        self,
        name: str,
        model: Any,
        shared: _Shared,
        options: _Options,
        fit: bool,
        progress: ProgressCallback | None,
    ) -> None:
        self.name = name
        self.shared = shared
        self.options = options
        self.fit = fit
        self.progress = progress
        self.failure: ProdbenchError | None = None
        self._model_type = type(model).__name__
        self._local: _Candidate | None = _Candidate(name, model, shared, options, fit, None)
        self._state: dict[str, Any] = {
            "wants_fit": fit,
            "fit_times": [],
            "latency_done": False,
            "latency_n": 0,
            "latency_elapsed": 0.0,
            "warmup_time": 0.0,
            "warm": False,
        }
        self.worker = Worker(name=f"prodbench candidate {name}")
        self.startup_s = float("nan")

    # -- mirrored state ------------------------------------------------------------
    @property
    def wants_fit(self) -> bool:
        return self.failure is None and bool(self._state["wants_fit"])

    @property
    def fit_times(self) -> list[int]:
        """The fits timed in the worker (a compiled variant's training is its base's fits)."""
        return list(self._state["fit_times"])

    @property
    def latency_done(self) -> bool:
        return bool(self._state["latency_done"])

    @property
    def latency_n(self) -> int:
        return int(self._state["latency_n"])

    @property
    def latency_elapsed(self) -> float:
        return float(self._state["latency_elapsed"])

    # -- start-up ------------------------------------------------------------------
    def launch(self) -> None:
        """Start the worker and ship the candidate (not waiting for it to arrive)."""
        try:
            self.worker.start()
            self.startup_s = self.worker.startup_s
            self.worker.submit(_remote_setup, self._local)
        except BaseException as exc:
            _reraise_interrupt(exc)
            self._local = None
            raise self._failure("setup", exc) from exc
        self._local = None  # the worker has it now

    def arrived(self) -> None:
        """Wait for the shipped candidate to be unpickled in the worker."""
        try:
            self._state = self.worker.result(self.options.call_timeout + 60.0)
        except BaseException as exc:
            _reraise_interrupt(exc)
            failure = self._failure("setup", exc)
            raise failure from (failure.__cause__ or _as_cause(exc))

    # -- steps -----------------------------------------------------------------------
    def _step(self, phase: str, seconds: float, method: str, *args: Any) -> Any:
        try:
            value, self._state, events = self.worker.call(
                _remote_step, method, *args, timeout=seconds + self.options.call_timeout
            )
        except BaseException as exc:
            _reraise_interrupt(exc)
            failure = self._failure(phase, exc)
            raise failure from (failure.__cause__ or _as_cause(exc))
        if self.progress is not None:
            for event in events:
                self.progress(event)
        return value

    def fit_once(self) -> None:
        self._step("fit", 0.0, "fit_once")

    def fitted_model(self) -> Any:
        """The fitted model, fetched from the worker (to compile runtime variants)."""
        return self._step("compile", 0.0, "fitted_model")

    def prepare_predict(self, latency_budget: float | None = None) -> None:
        self._step("latency", 0.0, "cold_start", latency_budget)
        self._step("latency", _PROBE_SECONDS + self.options.call_timeout, "probe_threads")
        self._step("score", 0.0, "score_step")

    def time_batch(self, index: int) -> None:
        self._step("throughput", self.options.max_time, "time_batch", index)

    def latency_block(self, seconds: float) -> None:
        warm = self._state["warm"]
        extra = 0.0 if warm else self._state["warmup_time"] + self.options.call_timeout
        self._step("latency", seconds + extra, "latency_block", seconds)

    def budget_outcome(self, limits_ns: dict[str, int], error_rate: float = 0.05) -> str:
        """The budget's outcome so far, decided in the worker on its samples."""
        outcome: str = self._step("latency", 0.0, "budget_outcome", limits_ns, error_rate)
        return outcome

    def stop_latency(self, reason: str = "max_time") -> None:
        self._step("latency", 0.0, "stop_latency", reason)

    def finish(self) -> ModelResult:
        # The footprint (a joblib dump and load) is two calls.
        result: ModelResult = self._step("footprint", self.options.call_timeout, "finish")
        options = {**result.options, "worker_startup_s": self.startup_s}
        # The worker is closed at the end of the run, so that its exit does
        # not take CPU from candidates still being timed.
        return dataclasses.replace(result, options=options)

    def partial_result(self) -> ModelResult | None:
        """After an interrupt: the worker's step in flight is awaited, then its partial result.

        Bounded by the step's own time plus ``call_timeout``; a worker that
        cannot answer gives None (the candidate is then kept as interrupted).
        """
        if self.failure is not None:
            return None
        try:
            if self.worker.busy:  # the step the interrupt cut short in this process
                self.worker.result(_IN_FLIGHT_S + self.options.call_timeout)
            result: ModelResult | None = self.worker.call(
                _remote_step, "partial_result", timeout=self.options.call_timeout
            )[0]
        except ProdbenchError:
            return None
        if result is None:
            return None
        return dataclasses.replace(
            result, options={**result.options, "worker_startup_s": self.startup_s}
        )

    def close(self) -> None:
        """Kill the idle worker: it has nothing to save, and its shutdown takes a second."""
        self.worker.kill()

    # -- failures ------------------------------------------------------------------
    def _failure(self, phase: str, exc: BaseException) -> ProdbenchError:
        if isinstance(exc, (CallTimeout, WorkerCrashed)):
            self.worker.kill()
        return isolated_failure(self.name, self._model_type, self.options, phase, exc)
