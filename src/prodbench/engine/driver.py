"""The driver of a run: candidates through the phases, interleaved, each failure its own.

:func:`_run` talks to every candidate through :class:`Runner` (an in-process
:class:`~prodbench.engine.candidate._Candidate` and its isolation proxy
:class:`~prodbench.engine.isolated._IsolatedCandidate` both are one), fits
alternate (A B A B), the latency phase shares one budget in blocks
(A B C A B C), and :func:`_guard` turns a step's failure into that
candidate's alone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from .. import stats
from ..errors import CallbackError, ModelFailedError, ProdbenchError
from ..progress import ProgressCallback
from ..results import ModelResult, RuntimeVariant, TrainingResult
from .candidate import _Candidate
from .failures import real_interrupts
from .isolated import _IsolatedCandidate
from .options import _Options
from .shared import _Shared

if TYPE_CHECKING:
    from ..verdict import Comparison

_BLOCK_SECONDS = 0.1


class Runner(Protocol):
    """What the driver calls on a candidate: the steps of a run and the state it reads."""

    name: str
    shared: _Shared
    failure: ProdbenchError | None

    @property
    def wants_fit(self) -> bool:
        """Another fit is due (fewer than ``min_fits``, ``max_fit_time`` not spent)."""

    @property
    def fit_times(self) -> list[int]:
        """The fits so far, in ns."""

    @property
    def latency_done(self) -> bool:
        """Latency sampling has stopped."""

    @property
    def latency_n(self) -> int:
        """Latency samples so far."""

    @property
    def latency_elapsed(self) -> float:
        """Seconds of latency sampling so far."""

    def fit_once(self) -> None:
        """One timed fit."""

    def fitted_model(self) -> Any:
        """The model after its fits (compiled variants are derived from it)."""

    def prepare_predict(self, latency_budget: float | None = None) -> None:
        """Cold start, thread-trap probe and score."""

    def time_batch(self, index: int) -> None:
        """Bulk throughput on the shared batch ``index``."""

    def latency_block(self, seconds: float) -> None:
        """One block of latency sampling."""

    def stop_latency(self, reason: str = "max_time") -> None:
        """Stop latency sampling."""

    def budget_outcome(self, limits_ns: dict[str, int], error_rate: float = 0.05) -> str:
        """The budget's outcome on the samples so far: ``"pass"``, ``"fail"`` or ``"open"``."""

    def finish(self) -> ModelResult:
        """The footprint, then the candidate's result."""

    def partial_result(self) -> ModelResult | None:
        """After Ctrl-C: the finished phases and the samples so far (None if nothing to keep)."""

    def close(self) -> None:
        """Release what the candidate holds (its worker)."""

    def _emit(self, phase: str, samples: int = 0, elapsed: float = 0.0, message: str = "") -> None:
        """Report progress."""


class Derived(Protocol):
    """What a ``derive`` step adds to a run once the fits are done."""

    @property
    def runners(self) -> list[Runner]:
        """More candidates, joining the remaining phases."""

    @property
    def variants(self) -> dict[str, RuntimeVariant]:
        """Per new candidate, its compiled runtime's record."""

    @property
    def failures(self) -> dict[str, ProdbenchError]:
        """Candidates that could not be made."""

    @property
    def training(self) -> dict[str, TrainingResult]:
        """Per new candidate, its training (its base's fits)."""


def _make_candidates(
    named: dict[str, Any],
    shared: _Shared,
    options: _Options,
    fits: dict[str, bool],
    progress: ProgressCallback | None,
    on_failure: Callable[[str, ProdbenchError], None] | None,
    *,
    raise_errors: bool,
) -> list[Runner]:
    """The candidates' runners: in-process, or each in its own worker (started together)."""
    if not options.isolate:
        return [
            _Candidate(label, model, shared, options, fits.get(label, True), progress)
            for label, model in named.items()
        ]
    runs: list[Runner] = [
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


def _close_all(runs: Sequence[Runner]) -> None:
    """Stop and reap every candidate's worker."""
    for cand in runs:
        cand.close()


def _guard(
    cand: Runner,
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
    candidates: list[Runner],
    on_result: Callable[[str, ModelResult], None] | None,
    on_failure: Callable[[str, ProdbenchError], None] | None,
    *,
    raise_errors: bool,
    max_time: float,
    derive: Callable[[list[Runner]], Derived] | None = None,
    limits: Mapping[str, float] | None = None,
) -> dict[str, ModelResult]:
    """Drive the candidates through the phases, interleaved.

    ``derive``, called once the fits are done, returns more candidates made
    from the fitted ones (compiled runtime variants, see
    :func:`prodbench.engine.variants._derive_variants`);
    they join the remaining phases like the others.

    The latency phase has one budget for the run, ``max_time`` per candidate:
    candidates take blocks in turn (A B C A B C ...), a candidate whose
    intervals are tight enough stops, and the time it leaves goes to those
    whose percentiles still need samples.

    With a latency budget (``limits``, percentile key to seconds) the time
    goes first to candidates whose budget outcome is still open: a candidate
    decided (PASS or FAIL by the sequential rule, :mod:`prodbench.sequential`)
    waits while another is open, and stops ("decided") once its p99 also has
    the samples it needs (:class:`_Schedule`).
    """
    reported: set[str] = set()

    def report(name: str, result: ModelResult) -> None:
        reported.add(name)
        if on_result is not None:
            on_result(name, result)

    with real_interrupts():  # a model's own KeyboardInterrupt fails only that model
        try:
            return _drive(
                candidates, report, on_failure, raise_errors=raise_errors, max_time=max_time,
                derive=derive, limits=limits,
            )  # fmt: skip
        except KeyboardInterrupt:
            if on_result is not None:
                _keep_partial(candidates, reported, on_result, on_failure)
            raise


def _keep_partial(
    candidates: list[Runner],
    reported: set[str],
    on_result: Callable[[str, ModelResult], None],
    on_failure: Callable[[str, ProdbenchError], None] | None,
) -> None:
    """Ctrl-C keeps what was measured: each unfinished candidate's partial result.

    Its finished phases and the latency samples so far go to ``on_result``
    (marked interrupted); one without a latency sample yet (a result needs
    one) goes to ``on_failure`` as interrupted, first, so the last save holds both.
    """
    partials: dict[str, ModelResult] = {}
    for cand in candidates:
        if cand.name in reported or cand.failure is not None:
            continue
        partial = cand.partial_result()
        if partial is not None:
            partials[cand.name] = partial
        elif on_failure is not None:
            on_failure(
                cand.name,
                ModelFailedError(
                    f"{cand.name} was interrupted (Ctrl-C) before its first latency sample; "
                    "a result needs one, so its finished phases are not kept. Let the run "
                    "reach the latency phase, or give it less --max-time.",
                    candidate=cand.name,
                    phase="interrupted",
                ),
            )
    for name, partial in partials.items():
        on_result(name, partial)


def _drive(
    candidates: list[Runner],
    on_result: Callable[[str, ModelResult], None] | None,
    on_failure: Callable[[str, ProdbenchError], None] | None,
    *,
    raise_errors: bool,
    max_time: float,
    derive: Callable[[list[Runner]], Derived] | None = None,
    limits: Mapping[str, float] | None = None,
) -> dict[str, ModelResult]:
    """The body of :func:`_run`, under :func:`~prodbench.engine.failures.real_interrupts`."""
    results: dict[str, ModelResult] = {}

    def guard(cand: Runner, step: Callable[[], None]) -> None:
        _guard(cand, step, on_failure, raise_errors=raise_errors)

    attach: dict[str, RuntimeVariant] = {}
    trained: dict[str, TrainingResult] = {}

    def finish(cand: Runner) -> None:
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
    schedule = _Schedule([c for c in candidates if c.failure is None], budget, limits)
    live = list(schedule.live)
    while live:
        for cand in live:
            if cand.failure is not None or cand.latency_done:
                continue
            turn = schedule.turn(cand, live)
            if turn == "wait":
                continue
            if turn != "sample":
                guard(cand, lambda c=cand, r=turn: c.stop_latency(r))  # type: ignore[misc]
            else:
                before = cand.latency_elapsed
                seconds = min(_BLOCK_SECONDS, max(schedule.left, 1e-3))
                guard(cand, lambda c=cand, s=seconds: c.latency_block(s))  # type: ignore[misc]
                schedule.spend(cand, max(0.0, cand.latency_elapsed - before))
                guard(cand, lambda c=cand: schedule.look(c))  # type: ignore[misc]
            if cand.failure is None and cand.latency_done:
                guard(cand, lambda c=cand: finish(c))
        live = [c for c in live if c.failure is None and not c.latency_done]
    return results


class _Schedule:
    """Who gets the next latency block of a run's shared budget, and who stops.

    Without limits: blocks in turn; a candidate whose p99 has the samples it
    needs stops once the time left is only what the others still need
    ("enough_samples"). With limits, the candidates whose budget outcome is
    still open come first: a decided candidate waits while another is open
    (it resumes if none is left) and stops ("decided") once its p99 has its
    samples too; at the end of the budget a decided candidate stops as
    "decided" if it gave up turns (its few samples are explained by it),
    the others as "max_time".
    """

    def __init__(
        self, live: list[Runner], budget: float, limits: Mapping[str, float] | None
    ) -> None:
        from ..budget import limit_ns

        self.live = live
        self.budget = budget
        self.spent = {c.name: 0.0 for c in live}
        self.required = stats.required_samples(99)
        self.limits_ns = {k: limit_ns(v) for k, v in (limits or {}).items()}
        self.outcome = {c.name: "open" for c in live}
        self.waited: set[str] = set()  # decided candidates that gave their turns to open ones

    @property
    def left(self) -> float:
        """Seconds of the run's latency budget not yet spent."""
        return self.budget - sum(self.spent.values())

    def spend(self, cand: Runner, seconds: float) -> None:
        """Count a block's time against the run's budget."""
        self.spent[cand.name] = self.spent.get(cand.name, 0.0) + seconds

    def look(self, cand: Runner) -> None:
        """Update ``cand``'s budget outcome from its samples (once decided, it stays)."""
        if self.limits_ns and self.outcome.get(cand.name) == "open" and cand.latency_n:
            self.outcome[cand.name] = cand.budget_outcome(self.limits_ns)

    def decided(self, cand: Runner) -> bool:
        """The candidate's budget outcome is settled (never, without limits)."""
        return self.outcome.get(cand.name, "open") != "open"

    def _still_needs(self, c: Runner) -> float:
        """Seconds ``c`` still needs for a p99 with enough samples (0 when it has them)."""
        if c.latency_n >= self.required:
            return 0.0
        per_call = c.latency_elapsed / c.latency_n if c.latency_n else _BLOCK_SECONDS
        return (self.required - c.latency_n) * per_call

    def turn(self, cand: Runner, live: list[Runner]) -> str:
        """``"sample"``, ``"wait"``, or the reason to stop ``cand`` now."""
        if cand.latency_n == 0:
            return "sample"  # every candidate keeps at least one sample
        others = [c for c in live if c is not cand and c.failure is None and not c.latency_done]
        decided = self.decided(cand)
        if self.left <= 0:
            return "decided" if cand.name in self.waited else "max_time"
        if decided and any(not self.decided(c) for c in others):
            # Its outcome is known and another's is open: that one gets the time.
            if cand.latency_n >= self.required:
                return "decided"
            self.waited.add(cand.name)
            return "wait"
        if not decided:  # an open candidate gives way only to others still open
            others = [c for c in others if not self.decided(c)]
        needed = sum(self._still_needs(c) for c in others)
        if cand.latency_n >= self.required and needed > 0 and self.left <= needed:
            # Its p99 has the samples it needs; what is left goes to those whose p99 does not.
            return "decided" if decided else "enough_samples"
        return "sample"


class _Callbacks:
    """``compare``'s ``on_result``/``on_failure``: a raising callback costs no measurement.

    Failures are kept (for the comparison); an exception raised by a
    callback is kept too and raised, as :class:`CallbackError`, once every
    candidate has been measured (:meth:`raise_first`).
    """

    def __init__(
        self,
        on_result: Callable[[str, ModelResult], None] | None,
        on_failure: Callable[[str, ProdbenchError], None] | None,
    ) -> None:
        self.on_result = on_result
        self.on_failure = on_failure
        self.failures: dict[str, ProdbenchError] = {}
        self.errors: list[tuple[str, str, Exception]] = []

    def record_failure(self, label: str, exc: ProdbenchError) -> None:
        self.failures[label] = exc
        if self.on_failure is not None:
            try:
                self.on_failure(label, exc)
            except Exception as error:  # measured results must survive a bad callback
                self.errors.append(("on_failure", label, error))

    def report_result(self, label: str, result: ModelResult) -> None:
        assert self.on_result is not None
        try:
            self.on_result(label, result)
        except Exception as error:
            self.errors.append(("on_result", label, error))

    @property
    def result_callback(self) -> Callable[[str, ModelResult], None] | None:
        return self.report_result if self.on_result is not None else None

    def raise_first(self, comparison: Comparison) -> None:
        """Raise :class:`CallbackError` (with the comparison) if a callback raised."""
        if self.errors:
            which, label, error = self.errors[0]
            raise CallbackError(
                f"The {which} callback raised {type(error).__name__} for candidate {label!r}: "
                f"{error}. Every candidate was still measured: the complete comparison is in "
                "this error's .comparison attribute. Fix the callback (for example the path it "
                "saves to).",
                comparison=comparison,
            ) from error
