"""Compiled-runtime variants: ``name@onnx``, ``name@treelite`` derived from fitted candidates.

With ``compare(..., runtimes=(...))`` each fitted candidate is compiled
(never refitted) once its fits are done; a variant joins the remaining
phases as a pre-fitted candidate, in-process or in its own worker.
:class:`_Variants` is the ``derive`` step :func:`prodbench.engine.driver._run`
calls, and keeps the order in which the comparison lists the names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import CandidateError, ModelFailedError, ProdbenchError
from ..progress import ProgressCallback
from ..results import RuntimeVariant, TrainingResult
from ..runtimes import compile_variant, runtime_name
from ..timing import quick_median, thread_limit
from .driver import Runner, _make_candidates
from .options import _Options
from .shared import _Shared

_AUTO_CALLS = 200  # one-row calls per runtime when runtimes="auto" picks the fastest


@dataclass
class _Derived:
    """What :func:`_derive_variants` adds to a run: runners, their records, the failures."""

    runners: list[Runner]
    variants: dict[str, RuntimeVariant]
    failures: dict[str, ProdbenchError]
    training: dict[str, TrainingResult] = field(default_factory=dict)


def _derive_variants(
    bases: list[Runner],
    runtimes: tuple[Any, ...],
    shared: _Shared,
    options: _Options,
    make_runner: Callable[[str, Any], Runner],
) -> _Derived:
    """Compile each fitted candidate for each runtime: the ``name@runtime`` candidates.

    A variant is derived from its base's fitted model (after the base's
    fits; under isolation fetched from the worker), converted, timed, checked
    for parity on the test rows, and measured like a pre-fitted candidate. A
    conversion that fails is that variant's failure; the others go on.
    """
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
            label = f"{base.name}@{runtime_name(runtime)}"
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
                    fast, info = compile_variant(
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


def _check_variant_names(named: Mapping[str, Any], runtimes: tuple[Any, ...]) -> None:
    """No candidate may carry the name one of its runtime variants would take."""
    if len(runtimes) <= 1:
        return
    suffixes = [runtime_name(r) for r in runtimes if r != "sklearn"]
    clash = [f"{n}@{s}" for n in named for s in suffixes if f"{n}@{s}" in named]
    if clash:
        raise CandidateError(
            f"Candidate {clash[0]!r} has the name its runtime variant would take. "
            "Rename it, or leave out runtimes=."
        )


class _Variants:
    """The ``derive`` step of a comparison with compiled runtimes, and the names' order.

    Called once the fits are done: compiles the fitted candidates
    (:func:`_derive_variants`), makes each variant's runner (in its own worker
    too under isolation; kept in ``runs`` so that it is reaped with the
    others) and lists each variant after its base, in the order of
    ``runtimes``.
    """

    def __init__(
        self,
        named: Mapping[str, Any],
        runtimes: tuple[Any, ...],
        shared: _Shared,
        options: _Options,
        progress: ProgressCallback | None,
        runs: list[Runner],
        on_failure: Callable[[str, ProdbenchError], None],
    ) -> None:
        self.runtimes = runtimes
        self.shared = shared
        self.options = options
        self.progress = progress
        self.runs = runs
        self.on_failure = on_failure
        self.order = {label: [label] for label in named}

    @property
    def names(self) -> list[str]:
        """Every candidate's name, each variant after its base."""
        return [label for labels in self.order.values() for label in labels]

    def make_runner(self, label: str, model: Any) -> Runner:
        """A compiled variant's runner: pre-fitted, in its own worker too under isolation."""
        [runner] = _make_candidates(
            {label: model},
            self.shared,
            self.options,
            {label: False},
            self.progress,
            self.on_failure,
            raise_errors=False,
        )
        self.runs.append(runner)  # reaped with the others
        return runner

    def __call__(self, bases: list[Runner]) -> _Derived:
        derived = _derive_variants(
            bases, self.runtimes, self.shared, self.options, self.make_runner
        )
        position = {runtime_name(r): i for i, r in enumerate(self.runtimes)}
        labels = [*(r.name for r in derived.runners), *derived.failures]
        for label in sorted(labels, key=lambda n: position.get(n.rsplit("@", 1)[-1], -1)):
            base = derived.variants[label].base if label in derived.variants else None
            base = base or next(b for b in self.order if label.startswith(f"{b}@"))
            self.order[base].append(label)
        return derived
