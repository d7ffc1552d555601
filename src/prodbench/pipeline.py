"""Orchestration of :func:`measure` (one model) and :func:`compare` (several).

Both share one pipeline. Per candidate: fit (repeated), cold start, score,
bulk throughput, single-request latency, footprint, environment. In a
comparison the repeated phases alternate between candidates (fit A, fit B,
fit A, ...; latency in blocks A B C A B C ...), so drift of a shared machine
lands on all of them alike. A candidate that fails is recorded with its
error; the others go on.

The work is done by the :mod:`prodbench.engine` package; this module checks
the options once and drives it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .engine.calibrated import _attach, _calibrated
from .engine.candidate import _Candidate as _Candidate  # pickled by reference: the old name
from .engine.driver import _Callbacks, _close_all, _make_candidates, _run
from .engine.isolated import _remote_setup as _remote_setup
from .engine.isolated import _remote_step as _remote_step
from .engine.options import (
    DEFAULT_BATCH_SIZES,
    DEFAULT_CALL_TIMEOUT,
    NAMES,
    _check_baseline,
    _check_fits,
    _check_price,
    _check_runtimes,
    _Options,
)
from .engine.shared import _check_names, _check_tasks, _prepare
from .engine.variants import _check_variant_names, _Variants
from .errors import ProdbenchError
from .models import check_model, model_label, name_candidates
from .progress import ProgressCallback, ProgressEvent, resolve_progress
from .results import ModelResult

if TYPE_CHECKING:
    from .budget import Budget
    from .verdict import Comparison

__all__ = [
    "COMPARE_OPTIONS",
    "DEFAULT_BATCH_SIZES",
    "DEFAULT_CALL_TIMEOUT",
    "ProgressEvent",
    "compare",
    "measure",
]


COMPARE_OPTIONS: tuple[str, ...] = (
    *NAMES,
    "baseline",
    "fit",
    "test_size",
    "price_per_core_hour",
    "runtimes",
)
"""The keyword options of :func:`compare` that are neither data, budget nor callbacks.

What a sweep passes on to every case's ``compare`` (``sweep(..., **options)``);
a test keeps it equal to ``compare``'s signature."""


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
    calibrate: bool = True,
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
    calibrate : bool, default True
        Also time a fixed calibration kernel (:mod:`prodbench.calibration`,
        0.2 s in all), interleaved with the latency blocks, and store its
        samples in ``result.environment["calibration"]``: ``diff`` turns two
        runs' calibrations into a machine factor (``--normalize``), and a
        latency reference scales budgets by it. False leaves it out.

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
    given = dict(locals())  # the keywords as passed, before any other local
    label = name or model_label(model)
    check_model(model, name=label, method=method, fit=fit)
    options = _Options.from_kwargs(given)
    shared = _prepare(X, y, X_test, y_test, test_size=test_size, options=options)
    _check_names({label: model}, {label: fit}, shared)
    show = resolve_progress(progress, [label], options.max_time)
    runs = _make_candidates(
        {label: model}, shared, options, {label: fit}, show, None, raise_errors=True
    )
    driven, calibration = _calibrated(runs, options.calibrate, options.max_time)
    try:
        results = _run(driven, None, None, raise_errors=True, max_time=options.max_time)
    finally:
        _close_all(runs)
    return _attach(results, calibration)[label]


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
    calibrate: bool = True,
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
    given = dict(locals())  # the keywords as passed, before any other local
    from .verdict import Budget, Comparison

    named = name_candidates(candidates)
    base = _check_baseline(named, baseline)
    budget_obj = Budget.coerce(budget)
    _check_price(price_per_core_hour)
    runtime_list = _check_runtimes(runtimes)
    _check_variant_names(named, runtime_list)
    fits = _check_fits(named, fit, method)
    options = _Options.from_kwargs(given)
    shared = _prepare(X, y, X_test, y_test, test_size=test_size, options=options)
    _check_tasks(named, shared.task)
    _check_names(named, fits, shared)
    calls = _Callbacks(on_result, on_failure)
    show = resolve_progress(progress, list(named), options.max_time)
    runs = _make_candidates(
        named, shared, options, fits, show, calls.record_failure, raise_errors=False
    )
    variants = _Variants(named, runtime_list, shared, options, show, runs, calls.record_failure)
    driven, calibration = _calibrated(list(runs), options.calibrate, options.max_time)
    try:
        results = _run(
            driven,
            calls.result_callback,
            calls.record_failure,
            raise_errors=False,
            max_time=options.max_time,
            derive=variants if len(runtime_list) > 1 else None,
            limits=_latency_limits(budget_obj),
        )
    finally:
        _close_all(runs)  # workers are reaped even on Ctrl-C
    results = _attach(results, calibration)
    comparison = Comparison.build(
        names=variants.names,
        results=results,
        failures=calls.failures,
        baseline=base,
        budget=budget_obj,
        options={
            **options.as_dict(),
            "test_size": test_size,
            "runtimes": [r if isinstance(r, str) else repr(r) for r in runtime_list],
        },
        price_per_core_hour=price_per_core_hour,
    )
    calls.raise_first(comparison)
    return comparison


def _latency_limits(budget: Budget | None) -> dict[str, float]:
    """The budget's percentile limits (seconds), which steer the latency phase's time."""
    from .budget import PERCENTILE_KEYS

    if budget is None:
        return {}
    return {k: float(v) for k, v in budget.limits.items() if k in PERCENTILE_KEYS}
