"""One candidate's way through a run, in this process (or inside its isolation worker).

Each phase is a step the driver calls (:mod:`prodbench.engine.driver`), so
the phases of several candidates can be interleaved: fits, cold start, the
thread-trap probe, the score, bulk throughput, latency blocks, the footprint
and the :class:`~prodbench.results.ModelResult`. Under ``isolate=True`` the
object is shipped to a worker process (pickled by reference to this module)
and driven from there (:mod:`prodbench.engine.isolated`).
"""

from __future__ import annotations

import dataclasses
import io
import math
import time
from contextlib import nullcontext
from typing import Any

import numpy as np

from .. import memory, noise, stats
from .. import scoring as _scoring
from ..environment import machine_snapshot
from ..errors import ModelError, ModelFailedError, ProdbenchError
from ..models import check_fitted, encoding_note
from ..models import qualified_name as _qualified_name
from ..progress import ProgressCallback, ProgressEvent
from ..results import (
    BatchThroughput,
    Footprint,
    LatencyResult,
    ModelResult,
    Score,
    ThroughputResult,
    TrainingResult,
)
from ..sequential import SequentialDecision, SequentialRule
from ..timing import (
    LatencySampler,
    ThreadProbe,
    gc_policy,
    probe_thread_trap,
    thread_limit,
    time_batches,
)
from ..units import format_duration
from .failures import (
    _CallTimeout,
    _reraise_interrupt,
    _watchdog,
    candidate_failure,
    predict_failure,
    reload_failure,
)
from .options import _Options
from .research_threads import _ResearchThreads
from .shared import _Shared

_BATCH_SECONDS = 0.2  # bulk timing per batch size (the phase as a whole is capped by max_time)
_PROBE_SECONDS = 0.2  # the thread-trap probe's burst
_TRAP_RATIO = 1.5
_clock = time.perf_counter_ns


class _Reports:
    """A candidate's progress events (in-process, or mirrored from its worker)."""

    name: str
    progress: ProgressCallback | None

    def _emit(self, phase: str, samples: int = 0, elapsed: float = 0.0, message: str = "") -> None:
        if self.progress is not None:
            self.progress(ProgressEvent(self.name, phase, samples, elapsed, message))


class _Candidate(_Reports):
    """One candidate's way through the pipeline; phases can be interleaved.

    Every step is bounded: fits by ``max_fit_time`` (between fits), the
    throughput phase and the warm-up by ``max_time`` (after the call in
    flight), the latency phase by the run's budget, and each step by
    ``call_timeout`` beyond its own time (a watchdog in-process; a killed
    worker under isolation). Anything the model raises short of Ctrl-C,
    ``SystemExit`` included, becomes a :class:`ModelFailedError`.
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
        self.model = model
        self.shared = shared.for_model(model, fit, options)
        self.options = options
        self.fit = fit
        self.progress = progress
        self.fit_times: list[int] = []
        self.fit_spent_ns = 0
        self.sampler: LatencySampler | None = None
        self.score: Score | None = None
        self.batch_times: list[BatchThroughput] = []
        self.throughput_spent_ns = 0
        self.skipped_batches: list[int] = []
        self.probe: ThreadProbe | None = None
        self.research = _ResearchThreads(options.threads, options.bulk_threads)
        self.notes: list[str] = []
        self.failure: ProdbenchError | None = None
        self.memory_probe: Any = None  # memory._Probe, taken before the first prediction
        # machine noise: the load before the latency phase, where each block ended
        self.noise_before: dict[str, Any] | None = None
        self.block_ends: list[int] = []
        self.decision: SequentialDecision | None = None

    # -- helpers ---------------------------------------------------------------
    def _failed(self, phase: str, exc: BaseException) -> ProdbenchError:
        error = candidate_failure(self.name, self.model, self.options, phase, exc)
        hint = _missing_columns_hint(self.shared.split.X_train, exc)
        if hint and isinstance(error, ModelFailedError):
            return ModelFailedError(f"{error} {hint}", candidate=error.candidate, phase=error.phase)
        return error

    def _predict_failure(self, phase: str, exc: BaseException) -> ProdbenchError:
        return predict_failure(self.name, self.model, self.options, self.fit, phase, exc)

    def _guarded(self, seconds: float) -> Any:
        """The watchdog for one step expected to take ``seconds`` (in-process only)."""
        if self.options.isolate:  # the parent kills the worker instead
            return nullcontext()
        return _watchdog(seconds + self.options.call_timeout)

    # -- the state the driver reads (mirrored by the isolation proxy) -----------
    @property
    def wants_fit(self) -> bool:
        o = self.options
        if not self.fit or self.failure is not None:
            return False
        if not self.fit_times:
            return True
        return len(self.fit_times) < o.min_fits and self.fit_spent_ns < o.max_fit_time * 1e9

    @property
    def latency_done(self) -> bool:
        return self.sampler is None or self.sampler.done

    @property
    def latency_n(self) -> int:
        return 0 if self.sampler is None else self.sampler.n

    @property
    def latency_elapsed(self) -> float:
        return 0.0 if self.sampler is None else self.sampler.elapsed

    def fitted_model(self) -> Any:
        """The model after its fits: compiled runtime variants are derived from it.

        (An isolation proxy fetches it from its worker process.)
        """
        return self.model

    # -- phases ------------------------------------------------------------------
    def fit_once(self) -> None:
        split = self.shared.split
        self._emit("fit", message=f"fit {len(self.fit_times) + 1}")
        threads = self.research.fit_threads(self.fit_times)  # a probe fit limited to 1
        try:
            with self._guarded(0.0), thread_limit(threads):
                t0 = _clock()
                self.model.fit(split.X_train, split.y_train)
                t1 = _clock()
        except BaseException as exc:
            raise self._failed("fit", exc) from exc
        self.fit_times = self.research.after_fit(self.fit_times, t1 - t0)
        self.fit_spent_ns += t1 - t0

    def prepare_predict(self, latency_budget: float | None = None) -> None:
        """Cold start, thread-trap probe and score: everything before throughput and latency.

        ``latency_budget`` is the most seconds the latency phase may get (the
        run's budget; default ``max_time``).
        """
        self.cold_start(latency_budget)
        self.probe_threads()
        self.score_step()

    def cold_start(self, latency_budget: float | None = None) -> None:
        """Set up the latency sampler and time the first call on its own."""
        o = self.options
        if not self.fit:
            check_fitted(self.model, name=self.name)
        # The model is loaded or fitted: its process's memory now, then the peak while predicting.
        self.memory_probe = memory.probe(isolated=o.isolate)
        try:
            call = getattr(self.model, o.method)
        except BaseException as exc:
            raise self._failed("latency", exc) from exc
        self.sampler = LatencySampler(
            call,
            self.shared.rows,
            max_time=o.max_time if latency_budget is None else latency_budget,
            precision=o.precision,
            warmup_time=min(0.1, 0.05 * o.max_time),
            gc=o.gc,
            threads=o.latency_threads,
        )
        try:
            with self._guarded(0.0):
                self.sampler.cold_start()
        except BaseException as exc:
            raise self._predict_failure("latency", exc) from exc
        self.noise_before = machine_snapshot()

    def probe_threads(self) -> None:
        """The thread-trap probe: skipped when one call outlasts its short burst."""
        assert self.sampler is not None
        cold = self.sampler.result().cold_start_ns or 0
        if cold > _PROBE_SECONDS * 1e9:
            return
        o = self.options
        try:  # the probe ends after a pair of calls (limited, unlimited)
            with self._guarded(_PROBE_SECONDS + o.call_timeout), gc_policy(o.gc):
                self.probe = probe_thread_trap(
                    getattr(self.model, o.method),
                    self.shared.rows,
                    limit=o.latency_threads or 1,
                    max_time=_PROBE_SECONDS,
                )
        except BaseException as exc:
            raise self._failed("latency", exc) from exc
        self._note_thread_trap()

    def score_step(self) -> None:
        """Score the model on the test rows (one bulk predict)."""
        self._emit("score")
        self.score = self._score()

    def _note_thread_trap(self) -> None:
        probe = self.probe
        if probe is None or not probe.trapped(_TRAP_RATIO):
            return
        limited = format_duration(probe.limited_ns / 1e9)
        unlimited = format_duration(probe.unlimited_ns / 1e9)
        one = f"one-row {self.options.method}()"
        if probe.ratio > 1:
            self.notes.append(
                f"thread trap: {one} takes {unlimited} with the machine's native thread pools "
                f"but {limited} with them limited to {probe.limit} ({probe.ratio:.1f}x slower "
                f"unlimited, median of {probe.calls} calls each). A server that does not limit "
                "its pools sees the slower figure: set OMP_NUM_THREADS=1 (and "
                "OPENBLAS_NUM_THREADS=1, MKL_NUM_THREADS=1) in its environment, or wrap "
                "predict in threadpoolctl.threadpool_limits(1)."
            )
        else:
            self.notes.append(
                f"thread trap: {one} takes {limited} with native thread pools limited to "
                f"{probe.limit} but {unlimited} with the machine's pools "
                f"({1 / probe.ratio:.1f}x faster unlimited, median of {probe.calls} calls "
                f"each). Latency here was timed limited; if the server may use more threads "
                "per request, measure with threads=None (--threads none), and keep "
                "OMP_NUM_THREADS / threadpoolctl limits in the server consistent with it."
            )

    def _note_noise(self, latency: LatencyResult, environment: dict[str, Any]) -> None:
        """Record the machine's noise around the latency phase; warn of a busy machine, a drift."""
        record = noise.noise_record(
            self.noise_before, machine_snapshot(), latency.samples_ns, self.block_ends
        )
        environment["noise"] = record
        cores = environment.get("usable_cores") or environment.get("logical_cores")
        for warning in (
            noise.busy_warning(record, cores if isinstance(cores, int) else None),
            noise.drift_warning(self.name, latency),
        ):
            if warning is not None:
                self.notes.append(warning)

    def _score(self) -> Score:
        split = self.shared.split
        predict = getattr(self.model, "predict", None)
        # What is timed is what is scored: with method="predict_proba" (or a
        # model without predict) the score is the most probable class.
        from_proba = self.options.method == "predict_proba" or not callable(predict)
        try:
            with self._guarded(0.0), thread_limit(self.research.threads):
                if from_proba:
                    proba = self.model.predict_proba(split.X_test)
                else:
                    y_pred = np.asarray(predict(split.X_test))  # type: ignore[misc]
        except BaseException as exc:
            raise self._predict_failure("score", exc) from exc
        if from_proba:
            y_pred = self._labels_from_proba(proba, len(split.y_test))
        y_true = np.asarray(split.y_test)
        self._check_predictions(y_true, y_pred)
        scorer = self.shared.scorer or _scoring.resolve(self.shared.scoring, self.shared.task)
        who = f"{self.name!r} ({type(self.model).__name__})"
        with self._guarded(0.0), thread_limit(self.options.bulk_threads):
            ev = _scoring.evaluate(scorer, self.model, split.X_test, y_true, y_pred, who=who)
        return Score(
            name=scorer.name,
            value=float(ev.value),
            y_true=y_true,
            y_pred=y_pred,
            rows_digest=self.shared.digest,
            terms=ev.terms,
            replicates=ev.replicates,
        )

    def _labels_from_proba(self, proba: Any, n_rows: int) -> np.ndarray:
        """The most probable class of each row, once the probabilities are checked.

        ``predict_proba`` must return a finite ``(n_rows, n_classes)`` array
        whose rows sum to 1 (within 1e-3), ``n_classes`` being
        ``len(classes_)``; anything else is a :class:`ModelError`, so the
        candidate fails instead of being scored from something else.
        """
        who = f"Candidate {self.name!r} ({type(self.model).__name__})"
        classes = getattr(self.model, "classes_", None)
        if classes is None:
            raise ModelError(
                f"{who} has predict_proba but no classes_, so its probabilities cannot be "
                "mapped to labels. Give the model a classes_ attribute (scikit-learn "
                "classifiers set it in fit)."
            )
        classes = np.asarray(classes)
        try:
            arr = np.asarray(proba, dtype=float)
        except (TypeError, ValueError) as exc:
            raise ModelError(
                f"{who}'s predict_proba returned a {type(proba).__name__} that is not an array "
                f"of numbers ({exc}). It must return one row of class probabilities per row."
            ) from exc
        want = (n_rows, len(classes))
        if arr.shape != want:
            raise ModelError(
                f"{who}'s predict_proba returned shape {arr.shape} for {n_rows} test rows and "
                f"{len(classes)} classes; it must return shape {want}, one row of class "
                "probabilities per row. Fix predict_proba, or measure method='predict'."
            )
        bad = int((~np.isfinite(arr)).any(axis=1).sum())
        if bad:
            raise ModelError(
                f"{who}'s predict_proba returned NaN or infinite probabilities for {bad} of "
                f"{n_rows} test rows, so no score can come from them. Check the model (or its "
                "input) for rows it cannot handle."
            )
        off = np.abs(arr.sum(axis=1) - 1.0)
        if bool((off > 1e-3).any()) or bool((arr < -1e-9).any()):
            raise ModelError(
                f"{who}'s predict_proba rows are not probabilities: {int((off > 1e-3).sum())} "
                f"of {n_rows} rows do not sum to 1 (worst {arr.sum(axis=1)[off.argmax()]:.4g}) "
                "or hold negative values. It must return class probabilities; measure "
                "method='predict' for scores that are not."
            )
        return classes[arr.argmax(axis=1)]

    def _check_predictions(self, y_true: np.ndarray, y_pred: np.ndarray) -> None:
        who = f"Candidate {self.name!r} ({type(self.model).__name__})"
        if y_pred.ndim != 1 or y_pred.shape[0] != y_true.shape[0]:
            raise ModelError(
                f"{who} returned predictions of shape {y_pred.shape} for {y_true.shape[0]} "
                "test rows; prodbench needs one prediction per row (a 1-D array). "
                "Multi-output models are not supported."
            )
        if self.shared.task == "classification":
            missing = _missing_predictions(y_pred)
            if missing:
                raise ModelError(
                    f"{who} returned NaN/None for {missing} of {y_pred.shape[0]} test rows; a "
                    "classifier must predict a label for every row, so no accuracy is "
                    "reported. Check the model (or its input) for rows it cannot handle."
                )
            known = set(np.unique(y_true).tolist())
            predicted = set(np.unique(y_pred).tolist())
            if not predicted & known:
                raise ModelError(
                    f"{who} predicted none of the labels found in y (predicted e.g. "
                    f"{sorted(map(str, predicted))[:3]}, y has {sorted(map(str, known))[:3]}). "
                    "Is this a regressor given a class target, or the wrong y?"
                )
        else:
            if y_pred.dtype.kind not in "fiub" or not np.all(np.isfinite(y_pred)):
                raise ModelError(
                    f"{who} returned non-numeric or non-finite predictions for a continuous "
                    "target. Check the model and y."
                )

    def time_batch(self, index: int) -> None:
        """Time bulk prediction on the shared batch ``index`` (repeated calls).

        The phase as a whole gets ``max_time``: once spent, the batch in
        flight ends after its call and later batch sizes are not measured.
        """
        size, batch = self.shared.batches[index]
        if index == 0:
            self._emit("throughput")
        remaining_ns = int(self.options.max_time * 1e9) - self.throughput_spent_ns
        if remaining_ns <= 0:
            self.skipped_batches.append(size)
            return
        # Each batch size left gets its share of what remains of the phase.
        share = min(_BATCH_SECONDS, remaining_ns / 1e9 / (len(self.shared.batches) - index))
        call = getattr(self.model, self.options.method)
        with thread_limit(self.research.threads), gc_policy(self.options.gc):
            start = _clock()  # after the limit is set: its library scan is not the phase's
            try:
                with self._guarded(remaining_ns / 1e9):
                    # The score's bulk predict has warmed the model up already.
                    times = time_batches(
                        call,
                        batch,
                        max_time=share,
                        min_repeats=3,
                        warmup=False,
                        deadline_ns=start + remaining_ns,
                    )
            except BaseException as exc:
                raise self._failed("throughput", exc) from exc
            self.throughput_spent_ns += _clock() - start
        self.batch_times.append(BatchThroughput(batch_size=size, times_ns=tuple(times)))

    def latency_block(self, seconds: float) -> None:
        assert self.sampler is not None
        # A block ends after the call in flight; the first one also warms up
        # (at least one call more): each call may take call_timeout.
        extra = 0.0 if self.sampler.warm else self.sampler.warmup_limit + self.options.call_timeout
        try:
            with self._guarded(seconds + extra):
                self.sampler.run_block(seconds)
        except BaseException as exc:
            raise self._failed("latency", exc) from exc
        self.block_ends.append(self.sampler.n)
        self._emit(
            "latency",
            samples=self.sampler.n,
            elapsed=self.sampler.elapsed,
            message=f"{self.sampler.n:,} samples",
        )

    def budget_outcome(self, limits_ns: dict[str, int], error_rate: float = 0.05) -> str:
        """The budget's outcome on the samples so far: ``"pass"``, ``"fail"`` or ``"open"``.

        Decided by the sequential rule of :mod:`prodbench.sequential` (the
        error rate spent over looks at 64, 128, 256 ... samples), so that
        stopping on it is not optional stopping; only its interim looks are
        taken here (the comparison's verdict is made on every sample later).
        """
        if self.sampler is None or not limits_ns:
            return "open"
        if self.decision is None:
            rule = SequentialRule(error_rate=error_rate)
            self.decision = SequentialDecision(dict(limits_ns), rule)
        look = self.decision.next_look
        if look is not None and self.sampler.n >= look:
            self.decision.update(self.sampler.result().samples_ns)
        return self.decision.outcome if self.decision.done else "open"

    def close(self) -> None:
        """Nothing to release in-process (a worker's candidate closes its worker)."""

    def stop_latency(self, reason: str = "max_time") -> None:
        """Stop sampling: the run's budget is spent, or others need what is left of it."""
        if self.sampler is not None:
            self.sampler.stop(reason)

    def _footprint(self) -> Footprint | None:
        import joblib

        buffer = io.BytesIO()
        try:
            with self._guarded(0.0):
                joblib.dump(self.model, buffer)
        except BaseException as exc:  # e.g. a lambda inside the model
            _reraise_interrupt(exc)
            if isinstance(exc, _CallTimeout):
                raise self._failed("footprint", exc) from exc
            self.notes.append(
                f"footprint not measured: joblib could not serialize the model ({exc})"
            )
            return None
        payload = buffer.getvalue()
        try:
            with self._guarded(0.0):
                t0 = _clock()
                joblib.load(io.BytesIO(payload))
                t1 = _clock()
        except BaseException as exc:
            _reraise_interrupt(exc)
            if isinstance(exc, _CallTimeout):
                raise self._failed("footprint", exc) from exc
            raise reload_failure(self.name, self.model, exc) from exc
        return Footprint(size_bytes=len(payload), load_time_ns=t1 - t0)

    def finish(self) -> ModelResult:
        assert self.sampler is not None and self.score is not None
        result = self._result(interrupted=False)
        self._emit("done", samples=result.latency.n, message=f"done: {result.latency.n:,} samples")
        return result

    def partial_result(self) -> ModelResult | None:
        """What an interrupted run keeps: the finished phases and the latency samples so far.

        No footprint (it is not measured after an interrupt);
        ``options["interrupted"]`` is True. None when the candidate failed,
        or has no score or no latency sample yet (nothing a result can hold).
        """
        if self.failure is not None or self.score is None or self.sampler is None:
            return None
        if self.sampler.result().samples_ns.size == 0:
            return None
        return self._result(interrupted=True)

    def _result(self, *, interrupted: bool) -> ModelResult:
        from ..environment import collect_environment

        assert self.sampler is not None and self.score is not None
        raw = self.sampler.result()
        o = self.options
        needed = stats.required_samples(99)
        if raw.samples_ns.size < needed and raw.stop_reason == "decided":
            assert self.decision is not None
            self.notes.append(
                f"only {raw.samples_ns.size} latency samples: p99 is under-sampled (needs "
                f"{needed}) because the budget's outcome ({self.decision.outcome.upper()}) was "
                "already decided, so the run's latency time went to the candidates still "
                "undecided"
            )
        elif raw.samples_ns.size < needed:
            per_call = raw.elapsed_s / max(1, raw.samples_ns.size + raw.warmup)
            more = (needed - raw.samples_ns.size) * per_call
            self.notes.append(
                f"only {raw.samples_ns.size} latency samples in {raw.elapsed_s:.1f} s: p99 is "
                f"under-sampled (needs {needed}); about {math.ceil(more * 1.1 + 0.5)} s more "
                f"sampling would reach it: raise max_time to about "
                f"{math.ceil(o.max_time + more * 1.1 + 0.5)} s"
            )
        encoded = encoding_note(self.model)
        if encoded is not None:
            self.notes.append(encoded)
        if self.skipped_batches:
            sizes = ", ".join(map(str, self.skipped_batches))
            self.notes.append(
                f"throughput not measured at batch size {sizes}: the phase's time "
                f"(max_time={o.max_time:g} s) was spent"
            )
        if interrupted:
            self.notes.append(
                f"interrupted (Ctrl-C): {raw.samples_ns.size:,} latency samples kept, "
                f"{len(self.batch_times)} throughput batch size(s), no footprint"
            )
        latency = LatencyResult.from_raw(
            raw, method=o.method, request_format=self.shared.request_format
        )
        # Read before the footprint's dump and load, which allocate.
        worker_memory = None if self.memory_probe is None else self.memory_probe.finish()
        if interrupted:
            latency = dataclasses.replace(latency, stop_reason="interrupted")
        footprint = None
        if not interrupted:
            self._emit("footprint")
            footprint = self._footprint()
        training = (
            TrainingResult(tuple(self.fit_times), n_rows=len(self.shared.split.X_train))
            if self.fit_times
            else None
        )
        environment = collect_environment(self.model, threads=o.latency_threads, gc_policy=o.gc)
        environment["thread_policy"] = o.thread_policy()
        environment["thread_probe"] = None if self.probe is None else self.probe.to_dict()
        environment["research_threads"] = self.research.record
        if self.research.note is not None and self.research.note not in self.notes:
            self.notes.append(self.research.note)
        self._note_noise(latency, environment)
        result = ModelResult(
            name=self.name,
            estimator=_qualified_name(self.model),
            task=self.shared.task,
            score=self.score,
            latency=latency,
            throughput=ThroughputResult(tuple(self.batch_times)),
            training=training,
            footprint=footprint,
            memory=worker_memory,
            environment=environment,
            options={
                **o.as_dict(),
                "fit": self.fit,
                "test_rows": len(self.shared.split.y_test),
                "latency_budget_s": self.sampler.max_time,
                "throughput_not_measured": list(self.skipped_batches),
                **({"interrupted": True} if interrupted else {}),
            },
            notes=tuple(self.notes),
        )
        return result


def _missing_columns_hint(X: Any, exc: BaseException) -> str | None:
    """For a model that refused missing values: the columns of the data that hold them."""
    if not isinstance(exc, ValueError) or "nan" not in str(exc).lower():
        return None
    isna = getattr(X, "isna", None)
    if isna is None:
        return None
    counts = isna().sum()
    columns = [f"{c!r} ({int(n)} rows)" for c, n in counts.items() if n > 0]
    if not columns:
        return None
    return (
        f"The training rows have missing values in column {', '.join(columns[:10])}; "
        "prodbench passes them to the model and never drops rows: impute them in the model "
        "(a pipeline with sklearn.impute.SimpleImputer) or use a model that handles them "
        "(hgb, forest)."
    )


def _missing_predictions(y_pred: np.ndarray) -> int:
    """How many predictions are NaN or None (a classifier's "no answer")."""
    if y_pred.dtype.kind in "fc":
        return int(np.isnan(y_pred).sum())
    if y_pred.dtype.kind == "O":
        return sum(1 for v in y_pred if v is None or (isinstance(v, float) and v != v))
    return 0
