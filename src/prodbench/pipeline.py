"""Orchestration of :func:`measure` (one model) and :func:`compare` (several).

Both share one pipeline. Per candidate: fit (repeated), cold start, score,
bulk throughput, single-request latency, footprint, environment. In a
comparison the repeated phases alternate between candidates (fit A, fit B,
fit A, ...; latency in blocks A B C A B C ...), so drift of a shared machine
lands on all of them alike. A candidate that fails is recorded with its
error; the others go on.
"""

from __future__ import annotations

import dataclasses
import io
import math
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from . import data as _data
from . import stats
from .errors import (
    CallbackError,
    CandidateError,
    DataError,
    ModelError,
    ModelFailedError,
    ProdbenchError,
)
from .models import check_fitted, check_model, declared_task, model_label, name_candidates
from .models import qualified_name as _qualified_name
from .progress import ProgressCallback, ProgressEvent, resolve_progress
from .results import (
    BatchThroughput,
    Footprint,
    LatencyResult,
    ModelResult,
    RuntimeVariant,
    Score,
    ThroughputResult,
    TrainingResult,
)
from .timing import (
    LatencySampler,
    ThreadProbe,
    check_threads,
    gc_policy,
    probe_thread_trap,
    quick_median,
    thread_limit,
    thread_policy,
    time_batches,
)
from .units import format_duration

if TYPE_CHECKING:
    from .verdict import Budget, Comparison

__all__ = ["DEFAULT_BATCH_SIZES", "DEFAULT_CALL_TIMEOUT", "ProgressEvent", "compare", "measure"]

DEFAULT_BATCH_SIZES: tuple[int, ...] = (1, 10, 100, 1000)
DEFAULT_CALL_TIMEOUT = 60.0
_BLOCK_SECONDS = 0.1
_BATCH_SECONDS = 0.2  # bulk timing per batch size (the phase as a whole is capped by max_time)
_PROBE_SECONDS = 0.2  # the thread-trap probe's burst
_TRAP_RATIO = 1.5
_clock = time.perf_counter_ns


@dataclass(frozen=True)
class _Options:
    method: str
    request_format: str
    threads: int | str | None
    gc: Literal["enabled", "disabled"]
    max_time: float
    precision: float
    min_fits: int
    max_fit_time: float
    batch_sizes: tuple[int, ...]
    scoring: str | None
    random_state: int
    call_timeout: float = DEFAULT_CALL_TIMEOUT
    isolate: bool = False

    # The thread policy per phase: an int limits native pools (threadpoolctl)
    # to that many threads, None leaves the machine's pools alone.
    @property
    def latency_threads(self) -> int | None:
        """One-row latency, cold start and the thread-trap probe's limited calls."""
        return self.thread_policy()["latency"]

    @property
    def bulk_threads(self) -> int | None:
        """Fits, the score's bulk predict and bulk throughput."""
        return self.thread_policy()["throughput"]

    def thread_policy(self) -> dict[str, int | None]:
        """Per phase, the native thread limit (None: the machine's threads)."""
        return thread_policy(self.threads)

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "request_format": self.request_format,
            "threads": self.threads,
            "thread_policy": self.thread_policy(),
            "gc": self.gc,
            "max_time": self.max_time,
            "precision": self.precision,
            "min_fits": self.min_fits,
            "max_fit_time": self.max_fit_time,
            "batch_sizes": list(self.batch_sizes),
            "scoring": self.scoring,
            "random_state": self.random_state,
            "call_timeout": self.call_timeout,
            "isolate": self.isolate,
        }


def _check_options(
    *,
    method: str,
    request_format: str,
    threads: Any,
    gc: str,
    max_time: float | str,
    precision: float,
    min_fits: int,
    max_fit_time: float | str,
    batch_sizes: Sequence[int],
    scoring: str | None,
    random_state: int,
    call_timeout: float = DEFAULT_CALL_TIMEOUT,
    isolate: bool = False,
) -> _Options:
    if request_format not in ("auto", "numpy", "pandas"):
        raise DataError(
            f"request_format must be 'auto', 'numpy' or 'pandas', not {request_format!r}."
        )
    if gc not in ("enabled", "disabled"):
        raise DataError(f"gc must be 'enabled' or 'disabled', not {gc!r}.")
    checked_threads = check_threads(threads)
    max_time = _seconds(max_time, "max_time")
    max_fit_time = _seconds(max_fit_time, "max_fit_time")
    if not (0 < precision < 1):
        raise DataError(f"precision must be between 0 and 1 (e.g. 0.05), not {precision!r}.")
    if min_fits < 1:
        raise DataError(f"min_fits must be at least 1, not {min_fits!r}.")
    if not (call_timeout > 0):
        raise DataError(
            f"call_timeout must be a positive number of seconds (default 60), not {call_timeout!r}."
        )
    if scoring is not None and scoring not in stats.SCORERS:
        raise DataError(
            f"Unknown scoring {scoring!r}. Use one of {', '.join(sorted(stats.SCORERS))}."
        )
    sizes = _batch_sizes(batch_sizes)
    return _Options(
        method=method,
        request_format=request_format,
        threads=checked_threads,
        gc=gc,  # type: ignore[arg-type]
        max_time=float(max_time),
        precision=float(precision),
        min_fits=int(min_fits),
        max_fit_time=float(max_fit_time),
        batch_sizes=sizes,
        scoring=scoring,
        random_state=int(random_state),
        call_timeout=float(call_timeout),
        isolate=bool(isolate),
    )


def _seconds(value: Any, option: str) -> float:
    """A positive, finite number of seconds; ``"1s"``/``"500ms"`` strings are read too."""
    from .units import parse_duration

    try:
        return parse_duration(value)
    except ProdbenchError as exc:
        detail = f" ({exc})" if isinstance(value, str) else ""
        raise DataError(
            f"{option} must be a positive, finite number of seconds or a duration such as "
            f"'1.5s' or '500ms', not {value!r}.{detail}"
        ) from None


def _batch_sizes(batch_sizes: Any) -> tuple[int, ...]:
    """Sorted distinct positive whole batch sizes, or a DataError naming the bad one."""
    example = "e.g. batch_sizes=(1, 10, 100, 1000)"
    if isinstance(batch_sizes, str | bytes) or not hasattr(batch_sizes, "__iter__"):
        raise DataError(f"batch_sizes must be a sequence of positive integers, {example}.")
    sizes = set()
    for b in batch_sizes:
        ok = isinstance(b, int | np.integer) and not isinstance(b, bool)
        ok = ok or (isinstance(b, float | np.floating) and float(b).is_integer())
        if not ok or b < 1:
            raise DataError(
                f"batch_sizes must be positive whole numbers; {b!r} in {batch_sizes!r} is not. "
                f"Pass numbers of rows, {example}."
            )
        sizes.add(int(b))
    if not sizes:
        raise DataError(f"batch_sizes is empty; give at least one size, {example}.")
    return tuple(sorted(sizes))


@dataclass
class _Shared:
    """What every candidate shares: the split, the request rows and bulk batches, the task."""

    split: _data.Split
    rows: list[Any]
    batches: list[tuple[int, Any]]
    task: str
    scoring: str
    request_format: str
    digest: str
    views: dict[str, _Shared] = field(default_factory=dict, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        # A worker gets its own format only, never the cache of the others' copies.
        return {**self.__dict__, "views": {}}

    def for_model(self, model: Any, fit: bool, options: _Options) -> _Shared:
        """The rows a candidate is timed with under ``request_format="auto"``.

        "auto" means requests in the type the model was fitted on: a model
        prodbench fits gets the type of ``X``; a pre-fitted one gets one-row
        DataFrames when it was fitted with column names (``feature_names_in_``)
        and ndarrays when not. The converted rows are the same rows, built
        once per type.
        """
        if options.request_format != "auto" or fit:
            return self
        names = getattr(model, "feature_names_in_", None)
        want = "pandas" if names is not None else "numpy"
        if want == self.request_format:
            return self
        if want not in self.views:
            try:
                self.views[want] = self._converted(want, names, options)
            except (TypeError, ValueError):  # e.g. text columns that are not numbers
                self.views[want] = self
        return self.views[want]

    def _converted(self, want: str, names: Any, options: _Options) -> _Shared:
        import pandas as pd

        def convert(X: Any) -> Any:
            if want == "numpy":
                return X.to_numpy(dtype=float)
            columns = list(names) if len(names) == X.shape[1] else None
            return pd.DataFrame(X, columns=columns)

        split = _data.Split(
            convert(self.split.X_train), convert(self.split.X_test),
            self.split.y_train, self.split.y_test,
        )  # fmt: skip
        rows = _data.request_rows(
            split.X_test,
            fmt=want,  # type: ignore[arg-type]
            n_rows=1000,
            random_state=options.random_state,
        )
        return dataclasses.replace(
            self, split=split, rows=rows, batches=_bulk_batches(split.X_test, options),
            request_format=want, views={},
        )  # fmt: skip


def _prepare(
    X: Any,
    y: Any,
    X_test: Any,
    y_test: Any,
    *,
    test_size: float,
    options: _Options,
) -> _Shared:
    if y is None:
        raise DataError(
            "y is missing. prodbench scores every model on held-out rows, so pass the "
            "target: measure(model, X, y)."
        )
    if (X_test is None) != (y_test is None):
        raise DataError(
            "Pass X_test and y_test together (or neither, to let prodbench split X and y)."
        )
    X = _data.as_features(X, "X")
    if X_test is not None:
        X_test = _data.as_features(X_test, "X_test")
    if X_test is None:
        task = _data.infer_task(np.asarray(y))
        split = _data.split(X, y, test_size=test_size, random_state=options.random_state, task=task)
    else:
        _data.check_xy(X, y)
        _data.check_xy(X_test, y_test)
        task = _data.infer_task(np.asarray(y))
        split = _data.Split(X, X_test, np.asarray(y), np.asarray(y_test))
        if task == "classification":
            _data.check_classes(y)
    scoring = options.scoring or ("accuracy" if task == "classification" else "r2")
    if stats.SCORERS[scoring].task != task:
        raise DataError(
            f"scoring={scoring!r} is for {stats.SCORERS[scoring].task}, but y looks like a "
            f"{task} target. Use a {task} scorer."
        )
    fmt = options.request_format
    if fmt == "auto":
        fmt = _data.input_format(split.X_train)
    rows = _data.request_rows(split.X_test, fmt=fmt, n_rows=1000, random_state=options.random_state)  # type: ignore[arg-type]
    return _Shared(
        split=split,
        rows=rows,
        batches=_bulk_batches(split.X_test, options),
        task=task,
        scoring=scoring,
        request_format=fmt,
        digest=_data.rows_digest(split.y_test),
    )


def _bulk_batches(X_test: Any, options: _Options) -> list[tuple[int, Any]]:
    """The bulk-prediction batches: each batch size, sliced once, for every candidate."""
    n_test = len(X_test)
    sizes = [b for b in options.batch_sizes if b <= n_test]
    if n_test not in sizes:
        sizes.append(n_test)
    order = np.random.default_rng(options.random_state).permutation(n_test)
    return [
        (size, X_test.iloc[order[:size]] if hasattr(X_test, "iloc") else X_test[order[:size]])
        for size in sizes
    ]


class _CallTimeout(BaseException):
    """Raised in the main thread by the in-process watchdog (see :func:`_watchdog`)."""


@contextmanager
def _watchdog(seconds: float) -> Iterator[None]:
    """Interrupt the block after ``seconds`` with :class:`_CallTimeout`, where possible.

    In-process, a hung call can only be interrupted between Python bytecodes:
    a ``SIGALRM`` timer raises in the main thread. Native code that never
    returns to the interpreter, code running outside the main thread, or a
    process whose ``SIGALRM`` already has a handler (pytest-timeout, say) get
    no watchdog; only ``isolate=True`` bounds those.
    """
    usable = (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and math.isfinite(seconds)
        and signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.SIG_IGN, None)
    )
    if not usable:
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise _CallTimeout

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 1e-3))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _reraise_interrupt(exc: BaseException) -> None:
    """Ctrl-C is the user's, never the candidate's: let it through."""
    if isinstance(exc, KeyboardInterrupt):
        raise exc


class _Candidate:
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
        self.notes: list[str] = []
        self.failure: ProdbenchError | None = None

    # -- helpers ---------------------------------------------------------------
    def _emit(self, phase: str, samples: int = 0, elapsed: float = 0.0, message: str = "") -> None:
        if self.progress is not None:
            self.progress(ProgressEvent(self.name, phase, samples, elapsed, message))

    def _failed(self, phase: str, exc: BaseException) -> ProdbenchError:
        _reraise_interrupt(exc)
        what = {"fit": "fit()", "score": "predict() on the test rows"}.get(
            phase, f"{self.options.method}()"
        )
        who = f"Candidate {self.name!r} ({type(self.model).__name__})"
        if isinstance(exc, _CallTimeout):
            return ModelFailedError(
                f"{who} timeout: a call to {what} in the {phase} phase took longer than "
                f"call_timeout={self.options.call_timeout:g} s and was interrupted. Raise "
                "call_timeout if such calls are expected; use isolate=True to bound calls "
                "that native code keeps from being interrupted.",
                candidate=self.name,
                phase=phase,
            )
        if isinstance(exc, SystemExit):
            return ModelFailedError(
                f"{who} tried to exit the process (SystemExit({exc.code!r})) in {what} "
                f"during the {phase} phase. A model must not call sys.exit(); fix the model.",
                candidate=self.name,
                phase=phase,
            )
        return ModelFailedError(
            f"{who} raised {type(exc).__name__} in {what} during the {phase} phase: {exc}. "
            "Fix the model or its data; the original error is chained below.",
            candidate=self.name,
            phase=phase,
        )

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
        try:
            with self._guarded(0.0), thread_limit(self.options.bulk_threads):
                t0 = _clock()
                self.model.fit(split.X_train, split.y_train)
                t1 = _clock()
        except BaseException as exc:
            raise self._failed("fit", exc) from exc
        self.fit_times.append(t1 - t0)
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
            self._raise_predict_error(exc, "latency")

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

    def _raise_predict_error(self, exc: BaseException, phase: str) -> None:
        from sklearn.exceptions import NotFittedError

        _reraise_interrupt(exc)
        if isinstance(exc, NotFittedError) or (not self.fit and isinstance(exc, AttributeError)):
            raise ModelError(
                f"Candidate {self.name!r} ({type(self.model).__name__}) is not fitted, but "
                "fit=False was given. Fit it first, or drop fit=False so prodbench fits it."
            ) from exc
        raise self._failed(phase, exc) from exc

    def _score(self) -> Score:
        split = self.shared.split
        predict = getattr(self.model, "predict", None)
        try:
            with self._guarded(0.0), thread_limit(self.options.bulk_threads):
                if callable(predict):
                    y_pred = np.asarray(predict(split.X_test))
                else:  # predict_proba only: the most probable class
                    proba = np.asarray(self.model.predict_proba(split.X_test))
                    y_pred = np.asarray(self.model.classes_)[proba.argmax(axis=1)]
        except BaseException as exc:
            self._raise_predict_error(exc, "score")
        y_true = np.asarray(split.y_test)
        self._check_predictions(y_true, y_pred)
        value = stats.score(self.shared.scoring, y_true, y_pred)
        return Score(
            name=self.shared.scoring,
            value=float(value),
            y_true=y_true,
            y_pred=y_pred,
            rows_digest=self.shared.digest,
        )

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
        start = _clock()
        with thread_limit(self.options.bulk_threads), gc_policy(self.options.gc):
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
        extra = 0.0 if self.sampler.warm else self.sampler.warmup_time + self.options.call_timeout
        try:
            with self._guarded(seconds + extra):
                self.sampler.run_block(seconds)
        except BaseException as exc:
            raise self._failed("latency", exc) from exc
        self._emit(
            "latency",
            samples=self.sampler.n,
            elapsed=self.sampler.elapsed,
            message=f"{self.sampler.n:,} samples",
        )

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
            raise ModelFailedError(
                f"Candidate {self.name!r} ({type(self.model).__name__}) cannot be loaded back "
                f"from its saved form: joblib.load raised {type(exc).__name__}: {exc} (in "
                "__setstate__ or a custom unpickler, say). A model that cannot be reloaded "
                "cannot be deployed; fix its pickling.",
                candidate=self.name,
                phase="footprint",
            ) from exc
        return Footprint(size_bytes=len(payload), load_time_ns=t1 - t0)

    def finish(self) -> ModelResult:
        from .environment import collect_environment

        assert self.sampler is not None and self.score is not None
        raw = self.sampler.result()
        o = self.options
        needed = stats.required_samples(99)
        if raw.samples_ns.size < needed:
            per_call = raw.elapsed_s / max(1, raw.samples_ns.size + raw.warmup)
            more = (needed - raw.samples_ns.size) * per_call
            self.notes.append(
                f"only {raw.samples_ns.size} latency samples in {raw.elapsed_s:.1f} s: p99 is "
                f"under-sampled (needs {needed}); about {math.ceil(more * 1.1 + 0.5)} s more "
                f"sampling would reach it: raise max_time to about "
                f"{math.ceil(o.max_time + more * 1.1 + 0.5)} s"
            )
        if self.skipped_batches:
            sizes = ", ".join(map(str, self.skipped_batches))
            self.notes.append(
                f"throughput not measured at batch size {sizes}: the phase's time "
                f"(max_time={o.max_time:g} s) was spent"
            )
        latency = LatencyResult.from_raw(
            raw, method=o.method, request_format=self.shared.request_format
        )
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
        result = ModelResult(
            name=self.name,
            estimator=_qualified_name(self.model),
            task=self.shared.task,
            score=self.score,
            latency=latency,
            throughput=ThroughputResult(tuple(self.batch_times)),
            training=training,
            footprint=footprint,
            environment=environment,
            options={
                **o.as_dict(),
                "fit": self.fit,
                "test_rows": len(self.shared.split.y_test),
                "latency_budget_s": self.sampler.max_time,
                "throughput_not_measured": list(self.skipped_batches),
            },
            notes=tuple(self.notes),
        )
        self._emit("done", samples=latency.n, message=f"done: {latency.n:,} samples")
        return result


def _missing_predictions(y_pred: np.ndarray) -> int:
    """How many predictions are NaN or None (a classifier's "no answer")."""
    if y_pred.dtype.kind in "fc":
        return int(np.isnan(y_pred).sum())
    if y_pred.dtype.kind == "O":
        return sum(1 for v in y_pred if v is None or (isinstance(v, float) and v != v))
    return 0


# --------------------------------------------------------------------------- isolation
# Under isolate=True each candidate lives in its own worker process
# (prodbench.worker): the _Candidate object is shipped there once and kept in
# the worker's state; the parent drives the same steps one by one, so the
# interleaving (A B A B) and the timing code are exactly those of an
# in-process run. Timing happens inside the worker: per-call figures carry no
# inter-process cost.


def _remote_snapshot(cand: _Candidate) -> dict[str, Any]:
    return {
        "wants_fit": cand.wants_fit,
        "fit_times": list(cand.fit_times),
        "latency_done": cand.latency_done,
        "latency_n": cand.latency_n,
        "latency_elapsed": cand.latency_elapsed,
        "warmup_time": 0.0 if cand.sampler is None else cand.sampler.warmup_time,
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


def _standin(type_name: str, message: str) -> BaseException:
    """An exception named like a remote one, to chain where the original cannot travel."""
    cls = type(type_name or "RemoteError", (Exception,), {"__module__": "prodbench.worker"})
    return cls(message)


class _IsolatedCandidate:
    """The parent's side of a candidate measured in a worker process.

    Offers what :func:`_run` uses of a :class:`_Candidate`; each step is one
    call into the worker, bounded by the step's own time plus
    ``call_timeout``. A hang (the worker is killed), a crash, ``os._exit``, or
    a model that cannot be shipped becomes this candidate's failure.
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
        from .worker import Worker

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
    def _emit(self, phase: str, samples: int = 0, elapsed: float = 0.0, message: str = "") -> None:
        if self.progress is not None:
            self.progress(ProgressEvent(self.name, phase, samples, elapsed, message))

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

    def stop_latency(self, reason: str = "max_time") -> None:
        self._step("latency", 0.0, "stop_latency", reason)

    def finish(self) -> ModelResult:
        # The footprint (a joblib dump and load) is two calls.
        result: ModelResult = self._step("footprint", self.options.call_timeout, "finish")
        options = {**result.options, "worker_startup_s": self.startup_s}
        # The worker is closed at the end of the run, so that its exit does
        # not take CPU from candidates still being timed.
        return _replace_options(result, options)

    def close(self) -> None:
        """Kill the idle worker: it has nothing to save, and its shutdown takes a second."""
        self.worker.kill()

    # -- failures ------------------------------------------------------------------
    def _failure(self, phase: str, exc: BaseException) -> ProdbenchError:
        from .worker import CallTimeout, RemoteError, WorkerCrashed, failure_message

        self.worker.kill() if isinstance(exc, (CallTimeout, WorkerCrashed)) else None
        if isinstance(exc, RemoteError) and isinstance(exc.exception, ProdbenchError):
            err = exc.exception
            cause_type = getattr(err, "cause_type", None)
            if cause_type:
                err.__cause__ = _standin(cause_type, getattr(err, "cause_message", ""))
            return err
        message = failure_message(
            exc,
            who=f"Candidate {self.name!r} ({self._model_type})",
            phase=phase,
            timeout=self.options.call_timeout,
            option="call_timeout",
            flag="--call-timeout",
            fallback="measure it with isolate=False (--no-isolate)",
            others="candidates",
        )
        return ModelFailedError(message, candidate=self.name, phase=phase)


def _as_cause(exc: BaseException) -> BaseException:
    """What to chain under a candidate's failure: the remote exception's type if any."""
    from .worker import RemoteError

    if isinstance(exc, RemoteError):
        return _standin(exc.short_type, exc.remote_message)
    return exc


def _replace_options(result: ModelResult, options: dict[str, Any]) -> ModelResult:
    import dataclasses

    return dataclasses.replace(result, options=options)


def _make_candidates(
    named: dict[str, Any],
    shared: _Shared,
    options: _Options,
    fits: dict[str, bool],
    progress: ProgressCallback | None,
    on_failure: Callable[[str, ProdbenchError], None] | None,
    *,
    raise_errors: bool,
) -> list[Any]:
    """The candidates' runners: in-process, or each in its own worker (started together)."""
    if not options.isolate:
        return [
            _Candidate(label, model, shared, options, fits.get(label, True), progress)
            for label, model in named.items()
        ]
    runs = [
        _IsolatedCandidate(label, model, shared, options, fits.get(label, True), progress)
        for label, model in named.items()
    ]
    try:
        # All workers start, then all candidates arrive: their imports overlap.
        for step in ("launch", "arrived"):
            for cand in runs:
                if cand.failure is not None:
                    continue
                _guard(cand, getattr(cand, step), on_failure, raise_errors=raise_errors)
    except BaseException:  # Ctrl-C or a raised error: no worker is left behind
        _close_all(runs)
        raise
    return runs


def _close_all(runs: list[Any]) -> None:
    """Stop and reap every candidate's worker."""
    for cand in runs:
        cand.close()


def _guard(
    cand: Any,
    step: Callable[[], None],
    on_failure: Callable[[str, ProdbenchError], None] | None,
    *,
    raise_errors: bool,
) -> None:
    """Run one step of a candidate; its failure is recorded, never the others' loss.

    A candidate that already failed is skipped. On a :class:`ProdbenchError`
    the candidate keeps it as its failure, releases its worker, reports
    "failed" and calls ``on_failure`` (or the error is raised, for
    :func:`measure`).
    """
    if cand.failure is not None:
        return
    try:
        step()
    except ProdbenchError as exc:
        if raise_errors:
            raise
        cand.failure = exc
        cand.close()
        cand._emit("failed", message=str(exc))
        if on_failure is not None:
            on_failure(cand.name, exc)


def _run(
    candidates: list[Any],
    on_result: Callable[[str, ModelResult], None] | None,
    on_failure: Callable[[str, ProdbenchError], None] | None,
    *,
    raise_errors: bool,
    max_time: float,
    derive: Callable[[list[Any]], _Derived] | None = None,
) -> dict[str, ModelResult]:
    """Drive the candidates through the phases, interleaved.

    ``derive``, called once the fits are done, returns more candidates made
    from the fitted ones (compiled runtime variants, see :func:`_derive_variants`);
    they join the remaining phases like the others.

    The latency phase has one budget for the run, ``max_time`` per candidate:
    candidates take blocks in turn (A B C A B C ...), a candidate whose
    intervals are tight enough stops, and the time it leaves goes to those
    whose percentiles still need samples.
    """
    results: dict[str, ModelResult] = {}

    def guard(cand: Any, step: Callable[[], None]) -> None:
        _guard(cand, step, on_failure, raise_errors=raise_errors)

    attach: dict[str, RuntimeVariant] = {}
    trained: dict[str, TrainingResult] = {}

    def finish(cand: Any) -> None:
        result = cand.finish()
        if cand.name in attach:  # a compiled variant: its runtime, conversion and parity
            # Its training is its base's fits: the compiled model exists only after them.
            result = dataclasses.replace(
                result, runtime=attach[cand.name], training=trained.get(cand.name)
            )
        results[cand.name] = result
        if on_result is not None:
            on_result(cand.name, results[cand.name])

    # Training: fit A, fit B, fit A, fit B ... until each has its fits.
    while any(c.wants_fit for c in candidates):
        for cand in candidates:
            if cand.wants_fit:
                guard(cand, cand.fit_once)
    if derive is not None:
        derived = derive(candidates)
        for label, exc in derived.failures.items():
            if raise_errors:
                raise exc
            if on_failure is not None:
                on_failure(label, exc)
        attach.update(derived.variants)
        trained.update(derived.training)
        candidates = candidates + derived.runners
    budget = max_time * len(candidates)
    for cand in candidates:
        guard(cand, lambda c=cand: c.prepare_predict(budget))  # type: ignore[misc]
    # Bulk throughput: each batch size for A, B, C, then the next size.
    for index in range(len(candidates[0].shared.batches) if candidates else 0):
        for cand in candidates:
            guard(cand, lambda c=cand, i=index: c.time_batch(i))  # type: ignore[misc]
    # Latency: blocks A B C A B C ... until every sampler has stopped or the
    # run's budget is spent (each candidate keeps at least one sample).
    live = [c for c in candidates if c.failure is None]
    spent = {c.name: 0.0 for c in live}
    required = stats.required_samples(99)

    def still_needs(c: Any) -> float:
        """Seconds ``c`` still needs for a p99 with enough samples (0 when it has them)."""
        if c.latency_n >= required:
            return 0.0
        per_call = c.latency_elapsed / c.latency_n if c.latency_n else _BLOCK_SECONDS
        return (required - c.latency_n) * per_call

    while live:
        for cand in live:
            left = budget - sum(spent.values())
            needed = sum(still_needs(c) for c in live if c is not cand)
            if cand.latency_n > 0 and (
                left <= 0 or (cand.latency_n >= required and needed > 0 and left <= needed)
            ):
                # Its p99 has the samples it needs (or the budget is spent);
                # what is left goes to those whose p99 does not yet.
                reason = "max_time" if left <= 0 else "enough_samples"
                guard(cand, lambda c=cand, r=reason: c.stop_latency(r))  # type: ignore[misc]
            else:
                before = cand.latency_elapsed
                seconds = min(_BLOCK_SECONDS, max(left, 1e-3))
                guard(cand, lambda c=cand, s=seconds: c.latency_block(s))  # type: ignore[misc]
                spent[cand.name] += max(0.0, cand.latency_elapsed - before)
            if cand.failure is None and cand.latency_done:
                guard(cand, lambda c=cand: finish(c))  # type: ignore[misc]
        live = [c for c in live if c.failure is None and not c.latency_done]
    return results


# --------------------------------------------------------------------------- compiled runtimes
_RUNTIME_NAMES = ("sklearn", "onnx", "treelite")
_AUTO_CALLS = 200  # one-row calls per runtime when runtimes="auto" picks the fastest


@dataclass
class _Derived:
    """What :func:`_derive_variants` adds to a run: runners, their records, the failures."""

    runners: list[Any]
    variants: dict[str, RuntimeVariant]
    failures: dict[str, ProdbenchError]
    training: dict[str, TrainingResult] = dataclasses.field(default_factory=dict)


def _check_runtimes(runtimes: Any) -> tuple[Any, ...]:
    """``runtimes=`` as a tuple: "sklearn" first, then compiled runtimes (or "auto")."""
    items = (runtimes,) if isinstance(runtimes, str) or callable(runtimes) else tuple(runtimes)
    if items == ("auto",):
        items = ("sklearn", "auto")
    for item in items:
        if not callable(item) and item not in (*_RUNTIME_NAMES, "auto"):
            raise DataError(
                f"Unknown runtime {item!r}. Use 'sklearn', 'onnx', 'treelite' or 'auto' (the "
                "fastest compiled runtime with parity, per candidate), e.g. "
                "runtimes=('sklearn', 'onnx', 'treelite')."
            )
    if "sklearn" not in items:
        raise DataError(
            f"runtimes={runtimes!r} leaves out 'sklearn': compiled variants are compared with "
            "the models they were compiled from. Add 'sklearn', e.g. runtimes=('sklearn', 'onnx')."
        )
    if "auto" in items and len(items) > 2:
        raise DataError(
            f"runtimes={runtimes!r} mixes 'auto' with named runtimes. Use runtimes='auto' "
            "(the fastest runtime with parity per candidate) or name the runtimes."
        )
    return tuple(dict.fromkeys(items))  # each runtime once


def _rt_name(runtime: Any) -> str:
    from .runtimes import runtime_name

    return runtime_name(runtime)


def _derive_variants(
    bases: list[Any],
    runtimes: tuple[Any, ...],
    shared: _Shared,
    options: _Options,
    make_runner: Callable[[str, Any], Any],
) -> _Derived:
    """Compile each fitted candidate for each runtime: the ``name@runtime`` candidates.

    A variant is derived from its base's fitted model (after the base's
    fits; under isolation fetched from the worker), converted, timed, checked
    for parity on the test rows, and measured like a pre-fitted candidate. A
    conversion that fails is that variant's failure; the others go on.
    """
    from . import runtimes as _rt

    out = _Derived([], {}, {})
    compiled = [r for r in runtimes if r != "sklearn"]
    # A fixed threads=N holds in every phase; otherwise the compiled runtime follows
    # the thread policy phase by phase, as threadpoolctl does for the others.
    threads = options.threads if isinstance(options.threads, int) else None
    split = shared.split
    for base in bases:
        wanted = ["onnx", "treelite"] if compiled == ["auto"] else compiled
        auto = compiled == ["auto"]
        made: list[tuple[str, Any, RuntimeVariant]] = []
        reasons: list[str] = []
        for runtime in wanted:
            label = f"{base.name}@{_rt.runtime_name(runtime)}"
            try:
                if base.failure is not None:
                    raise ModelFailedError(
                        f"Candidate {label!r} was not compiled: its base {base.name!r} failed.",
                        candidate=label,
                        phase="compile",
                    )
                try:
                    fitted = base.fitted_model()
                except Exception as exc:
                    raise ModelFailedError(
                        f"Candidate {label!r}: the fitted model of {base.name!r} could not be "
                        f"fetched ({type(exc).__name__}: {exc}).",
                        candidate=label,
                        phase="compile",
                    ) from exc
                with thread_limit(options.bulk_threads):
                    fast, info = _rt.compile_variant(
                        fitted,
                        runtime,
                        base=base.name,
                        X_sample=split.X_train[:5]
                        if not hasattr(split.X_train, "iloc")
                        else split.X_train.iloc[:5],
                        X_test=split.X_test,
                        threads=threads,
                    )
            except ProdbenchError as exc:
                if not getattr(exc, "phase", ""):
                    exc.phase = "compile"  # type: ignore[attr-defined]
                reasons.append(str(exc))
                if not auto:
                    out.failures[label] = exc
                continue
            if auto and not info.parity.ok:
                reasons.append(f"{label}: {info.parity.describe()}")
                continue
            made.append((label, fast, info))
        if auto and made:
            speed = {
                label: quick_median(
                    getattr(fast, options.method),
                    shared.rows,
                    calls=_AUTO_CALLS,
                    threads=options.latency_threads,
                )
                for label, fast, _ in made
            }
            made = [min(made, key=lambda m: speed[m[0]])]
            label, _, info = made[0]
            info.details["auto"] = {k: round(v * 1e6, 1) for k, v in speed.items()}
        elif auto:
            label = f"{base.name}@auto"
            out.failures[label] = ModelFailedError(
                f"Candidate {label!r}: no compiled runtime accepts {base.name!r} with parity. "
                + " / ".join(reasons),
                candidate=label,
                phase="compile",
            )
        fit_times = tuple(base.fit_times)
        for label, fast, info in made:
            out.runners.append(make_runner(label, fast))
            out.variants[label] = info
            if fit_times:
                out.training[label] = TrainingResult(fit_times, n_rows=len(split.X_train))
    return out


def measure(
    model: Any,
    X: Any,
    y: Any = None,
    *,
    X_test: Any = None,
    y_test: Any = None,
    fit: bool = True,
    name: str | None = None,
    test_size: float = 0.25,
    scoring: str | None = None,
    method: str = "predict",
    request_format: str = "auto",
    threads: int | str | None = "serving",
    gc: str = "enabled",
    max_time: float | str = 5.0,
    precision: float = 0.05,
    min_fits: int = 3,
    max_fit_time: float | str = 60.0,
    batch_sizes: Sequence[int] = DEFAULT_BATCH_SIZES,
    random_state: int = 0,
    progress: ProgressCallback | bool | str | None = "auto",
    call_timeout: float = DEFAULT_CALL_TIMEOUT,
    isolate: bool = False,
) -> ModelResult:
    """Measure one model on both priorities: research and production.

    Research priority: fit time and training rows/s, bulk ``predict``
    throughput at several batch sizes, the test score. Production priority:
    single-request latency (one ``predict`` call on one row per sample) with
    percentiles and distribution-free intervals, cold start, size on disk.

    Parameters
    ----------
    model : estimator
        Any object with ``fit`` (unless ``fit=False``) and ``predict``
        (or ``predict_proba``). ``__sklearn_tags__`` is not required.
    X, y : array-like or DataFrame
        Data. Split into train and test (``test_size``, seeded, stratified
        for classifiers) unless ``X_test`` and ``y_test`` are given, in which
        case ``X, y`` are the training rows.
    X_test, y_test : array-like, optional
        Held-out rows for scoring and for the latency requests.
    fit : bool, default True
        False measures a pre-fitted model: no training phase.
    name : str, optional
        Defaults to the model's class name.
    test_size : float, default 0.25
    scoring : str, optional
        ``"accuracy"`` (classification default), ``"r2"`` (regression default),
        ``"neg_mean_absolute_error"`` or ``"neg_mean_squared_error"``.
    method : {"predict", "predict_proba"}, default "predict"
        The method timed for latency and throughput.
    request_format : {"auto", "numpy", "pandas"}, default "auto"
        The type of each one-row request; "auto" is the type ``X`` has.
    threads : "serving", int or None, default "serving"
        Native thread pools (BLAS, OpenMP; set with threadpoolctl) per phase.
        ``"serving"``: one-row latency and cold start limited to 1 thread, as
        a serving worker runs; fits, the score and bulk throughput with the
        machine's threads, as research runs. An int N limits every phase to
        N; None limits nothing. The policy is recorded per phase in
        ``result.options["thread_policy"]``. A short probe times one-row
        calls limited and not; when one is 1.5x slower the result carries a
        "thread trap" note with both figures and the fix.
    gc : {"enabled", "disabled"}, default "enabled"
        Garbage-collector policy while timing; collections that overlap a
        timed call are counted either way.
    max_time : float or str, default 5.0
        Seconds of latency sampling (finite; a duration string such as
        ``"1.5s"`` or ``"500ms"`` is read too). In :func:`compare`, the run's
        latency budget is ``max_time`` per candidate, spent where intervals need
        it. No other phase takes longer either: the warm-up and the bulk
        throughput phase as a whole stop after the call in flight once it is
        spent (batch sizes not reached are noted as not measured). Fits have
        their own ``max_fit_time``.
    precision : float, default 0.05
        Latency sampling may stop once the p50, p90 and p99 intervals have
        a relative half-width at most this (and p99 has enough samples).
    min_fits : int, default 3
        Fit this many times (for a median fit time) unless ``max_fit_time``
        seconds are spent first.
    max_fit_time : float, default 60.0
    batch_sizes : sequence of int, default (1, 10, 100, 1000)
        Bulk batch sizes; the whole test set is added, sizes above it skipped.
    random_state : int, default 0
        Seeds the split and the order of request rows.
    progress : "auto", bool or callable, default "auto"
        ``"auto"`` shows a progress bar (candidate, phase, samples, time
        left; tqdm) in a notebook or a terminal, and nothing elsewhere;
        ``False`` shows nothing; ``True`` always shows it; a callable is
        called with a :class:`ProgressEvent` as work proceeds instead.
    call_timeout : float, default 60.0
        Seconds one call (a fit, a predict) may take beyond its phase's own
        time; past it the candidate fails with "timeout". Under
        ``isolate=True`` the worker process is killed, so this always holds;
        in-process a watchdog (``SIGALRM``, main thread only) can interrupt
        Python code but not native code that never returns.
    isolate : bool, default False
        Measure the candidate in its own worker process
        (:mod:`prodbench.worker`), so that a crash, ``os._exit`` or a hang
        fails the candidate instead of the caller. Costs the worker's
        start-up (about a second) and a pipe round trip per block; each call
        is still timed inside the worker, so per-call figures are unchanged.

    Returns
    -------
    ModelResult

    Raises
    ------
    ModelError
        The object cannot be measured (no ``predict``, not fitted, ...).
    ModelFailedError
        The model's own ``fit`` or ``predict`` raised (original chained).
    DataError
        Bad data (length mismatch, empty, one class, bad options).

    Examples
    --------
    >>> import prodbench as pb
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> result = pb.measure(LogisticRegression(max_iter=5000), X, y, max_time=0.5)
    >>> result.latency.p99 > result.latency.p50 > 0
    True
    """
    label = name or model_label(model)
    check_model(model, name=label, method=method, fit=fit)
    options = _check_options(
        method=method,
        request_format=request_format,
        threads=threads,
        gc=gc,
        max_time=max_time,
        precision=precision,
        min_fits=min_fits,
        max_fit_time=max_fit_time,
        batch_sizes=batch_sizes,
        scoring=scoring,
        random_state=random_state,
        call_timeout=call_timeout,
        isolate=isolate,
    )
    shared = _prepare(X, y, X_test, y_test, test_size=test_size, options=options)
    show = resolve_progress(progress, [label], options.max_time)
    runs = _make_candidates(
        {label: model}, shared, options, {label: fit}, show, None, raise_errors=True
    )
    try:
        results = _run(runs, None, None, raise_errors=True, max_time=options.max_time)
    finally:
        _close_all(runs)
    return results[label]


def compare(
    candidates: Any,
    X: Any,
    y: Any = None,
    *,
    X_test: Any = None,
    y_test: Any = None,
    baseline: str | None = None,
    budget: Budget | str | dict[str, Any] | None = None,
    fit: bool | dict[str, bool] = True,
    test_size: float = 0.25,
    scoring: str | None = None,
    method: str = "predict",
    request_format: str = "auto",
    threads: int | str | None = "serving",
    gc: str = "enabled",
    max_time: float | str = 5.0,
    precision: float = 0.05,
    min_fits: int = 3,
    max_fit_time: float | str = 60.0,
    batch_sizes: Sequence[int] = DEFAULT_BATCH_SIZES,
    random_state: int = 0,
    progress: ProgressCallback | bool | str | None = "auto",
    call_timeout: float = DEFAULT_CALL_TIMEOUT,
    isolate: bool = False,
    on_result: Callable[[str, ModelResult], None] | None = None,
    on_failure: Callable[[str, ProdbenchError], None] | None = None,
    price_per_core_hour: float | None = None,
    runtimes: Any = ("sklearn",),
) -> Comparison:
    """Compare candidates on the same rows: research pick vs production pick.

    Every candidate gets the same split, the same test rows and the same
    request rows. Fits alternate between candidates and latency is sampled
    in interleaved blocks (A B C A B C ...), so drift of a shared machine
    lands on all alike. A candidate whose ``fit`` or ``predict`` raises is
    recorded as failed, with its error; the others are still measured.

    Parameters
    ----------
    candidates : dict or list
        ``{name: estimator}``, a list of estimators (named by class, made
        unique), or a list of ``(name, estimator)`` pairs. At least two.
    X, y, X_test, y_test
        As in :func:`measure`.
    baseline : str, optional
        The candidate others are compared with; default the first.
    budget : Budget, str or dict, optional
        Latency and size limits, e.g. ``Budget(p99="5ms")`` or ``"p99=5ms,p50=1ms"``.
    fit : bool or dict, default True
        False (or ``{name: False}``) for pre-fitted candidates.
    on_result : callable, optional
        Called as ``on_result(name, ModelResult)`` as soon as a candidate is
        complete (the command line uses it to save partial results).
    on_failure : callable, optional
        Called as ``on_failure(name, error)`` when a candidate fails; the
        error is a :class:`ProdbenchError` with the original chained.
        An exception raised by ``on_result`` or ``on_failure`` (say an
        ``OSError`` while saving) does not stop the run: every candidate is
        still measured, then :class:`~prodbench.errors.CallbackError` is
        raised with the complete comparison in its ``comparison`` attribute.
    price_per_core_hour : float, optional
        For the manager's cost per million predictions; positive and finite.
    runtimes : sequence of str, default ("sklearn",)
        Also measure each candidate compiled for faster runtimes
        (:mod:`prodbench.runtimes`), e.g. ``("sklearn", "onnx", "treelite")``:
        each fitted candidate is converted (never refitted) and measured as
        ``name@onnx``, ``name@treelite``. A variant that does not convert is
        a failed candidate with the converter's reason; parity with the
        original is measured on the test rows and a variant without parity is
        never the production pick. ``"auto"``: per candidate, only the
        fastest compiled runtime with parity (ranked by a few one-row calls).
        threadpoolctl does not reach a compiled runtime's threads: it follows
        the same policy itself (``"serving"``: one thread for one-row latency,
        the machine's for bulk throughput; an int N: N everywhere).
    **other options
        As in :func:`measure`, applied to every candidate.

    Returns
    -------
    Comparison

    Raises
    ------
    CandidateError
        Fewer than two candidates, duplicate names, an unknown baseline, or a
        regressor compared with a classifier.
    CallbackError
        After measuring, when ``on_result`` or ``on_failure`` raised; its
        ``comparison`` attribute holds every result.

    Examples
    --------
    >>> import prodbench as pb
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> cmp = pb.compare({"lone": LogisticRegression(max_iter=5000),
    ...                   "forest": RandomForestClassifier(n_estimators=20)},
    ...                  X, y, max_time=0.5, budget="p99=50ms")
    >>> sorted(cmp.results)
    ['forest', 'lone']
    """
    from .verdict import Budget, Comparison

    named = name_candidates(candidates)
    if len(named) < 2:
        raise CandidateError(
            f"compare() needs at least two candidates, got {len(named)}. "
            "Use prodbench.measure() for a single model."
        )
    base = baseline if baseline is not None else next(iter(named))
    if base not in named:
        raise CandidateError(
            f"Unknown baseline {base!r}. Choose one of: {', '.join(map(repr, named))}."
        )
    budget_obj = Budget.coerce(budget)
    _check_price(price_per_core_hour)
    runtime_list = _check_runtimes(runtimes)
    if len(runtime_list) > 1:
        from .runtimes import runtime_name

        suffixes = [runtime_name(r) for r in runtime_list if r != "sklearn"]
        clash = [f"{n}@{s}" for n in named for s in suffixes if f"{n}@{s}" in named]
        if clash:
            raise CandidateError(
                f"Candidate {clash[0]!r} has the name its runtime variant would take. "
                "Rename it, or leave out runtimes=."
            )
    fits = fit if isinstance(fit, dict) else dict.fromkeys(named, fit)
    unknown = set(fits) - set(named)
    if unknown:
        raise CandidateError(
            f"fit= names unknown candidates {sorted(unknown)}; known: {', '.join(named)}."
        )
    for label, model in named.items():
        check_model(model, name=label, method=method, fit=fits.get(label, True))
    options = _check_options(
        method=method,
        request_format=request_format,
        threads=threads,
        gc=gc,
        max_time=max_time,
        precision=precision,
        min_fits=min_fits,
        max_fit_time=max_fit_time,
        batch_sizes=batch_sizes,
        scoring=scoring,
        random_state=random_state,
        call_timeout=call_timeout,
        isolate=isolate,
    )
    shared = _prepare(X, y, X_test, y_test, test_size=test_size, options=options)
    declared = {label: declared_task(m) for label, m in named.items()}
    mismatched = {k: v for k, v in declared.items() if v is not None and v != shared.task}
    if mismatched:
        kinds = {"classification": "classifier", "regression": "regressor"}
        desc = ", ".join(f"{k!r} is a {kinds[v]}" for k, v in mismatched.items())
        raise CandidateError(
            f"The target y is a {shared.task} target, but {desc}. Compare models of one "
            "kind on one target: classifiers for classes, regressors for numbers."
        )
    failures: dict[str, ProdbenchError] = {}
    callback_errors: list[tuple[str, str, Exception]] = []

    def record_failure(label: str, exc: ProdbenchError) -> None:
        failures[label] = exc
        if on_failure is not None:
            try:
                on_failure(label, exc)
            except Exception as error:  # measured results must survive a bad callback
                callback_errors.append(("on_failure", label, error))

    def report_result(label: str, result: ModelResult) -> None:
        assert on_result is not None
        try:
            on_result(label, result)
        except Exception as error:
            callback_errors.append(("on_result", label, error))

    show = resolve_progress(progress, list(named), options.max_time)
    runs = _make_candidates(named, shared, options, fits, show, record_failure, raise_errors=False)
    order = {label: [label] for label in named}

    def make_runner(label: str, model: Any, fit: bool = False) -> Any:
        """A compiled variant's runner: in its own worker too under isolation."""
        if not options.isolate:
            return _Candidate(label, model, shared, options, fit, show)
        runner = _IsolatedCandidate(label, model, shared, options, fit, show)
        runs.append(runner)  # reaped with the others
        _guard(runner, runner.launch, record_failure, raise_errors=False)
        _guard(runner, runner.arrived, record_failure, raise_errors=False)
        return runner

    def derive(bases: list[Any]) -> _Derived:
        derived = _derive_variants(bases, runtime_list, shared, options, make_runner)
        position = {_rt_name(r): i for i, r in enumerate(runtime_list)}
        labels = [*(r.name for r in derived.runners), *derived.failures]
        for label in sorted(labels, key=lambda n: position.get(n.rsplit("@", 1)[-1], -1)):
            base = derived.variants[label].base if label in derived.variants else None
            base = base or next(b for b in named if label.startswith(f"{b}@"))
            order[base].append(label)
        return derived

    try:
        results = _run(
            list(runs),
            report_result if on_result is not None else None,
            record_failure,
            raise_errors=False,
            max_time=options.max_time,
            derive=derive if len(runtime_list) > 1 else None,
        )
    finally:
        _close_all(runs)  # workers are reaped even on Ctrl-C
    comparison = Comparison.build(
        names=[label for labels in order.values() for label in labels],
        results=results,
        failures=failures,
        baseline=base,
        budget=budget_obj,
        options={
            **options.as_dict(),
            "test_size": test_size,
            "runtimes": [r if isinstance(r, str) else repr(r) for r in runtime_list],
        },
        price_per_core_hour=price_per_core_hour,
    )
    if callback_errors:
        which, label, error = callback_errors[0]
        raise CallbackError(
            f"The {which} callback raised {type(error).__name__} for candidate {label!r}: "
            f"{error}. Every candidate was still measured: the complete comparison is in "
            "this error's .comparison attribute. Fix the callback (for example the path it "
            "saves to).",
            comparison=comparison,
        ) from error
    return comparison


def _check_price(price: Any) -> None:
    if price is None:
        return
    ok = isinstance(price, int | float | np.integer | np.floating) and not isinstance(price, bool)
    if not ok or not (math.isfinite(price) and price > 0):
        raise DataError(
            f"price_per_core_hour must be a positive, finite price (e.g. 0.05 for $0.05 per "
            f"core-hour), not {price!r}."
        )
