"""The options of a run: one checked, frozen object, and the validators behind it.

:func:`prodbench.measure` and :func:`prodbench.compare` keep their keyword
signatures (the API and the IDE help); each builds its options once, through
:meth:`_Options.from_kwargs`. :data:`NAMES` lists those options, so that a
caller that forwards them (sweeps) and the drift test read one list.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, Literal

import numpy as np

from .. import scoring as _scoring
from ..errors import CandidateError, DataError, ProdbenchError
from ..models import check_model
from ..runtimes import RUNTIMES
from ..timing import check_threads, thread_policy
from ..units import check_seed

DEFAULT_BATCH_SIZES: tuple[int, ...] = (1, 10, 100, 1000)
DEFAULT_CALL_TIMEOUT = 60.0
MAX_SECONDS = 10_000_000
"""The longest max_time, max_fit_time or call_timeout (about four months)."""


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
    scoring: str | Callable[..., float] | None
    random_state: int
    call_timeout: float = DEFAULT_CALL_TIMEOUT
    isolate: bool = False
    calibrate: bool = True

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

    @classmethod
    def from_kwargs(cls, given: Mapping[str, Any]) -> _Options:
        """The checked options of a run, from the keywords of :func:`measure`/:func:`compare`.

        ``given`` holds (at least) every name in :data:`NAMES`; other keys are
        ignored, so a public function passes the keywords it was called with.
        """
        return _check_options(**{name: given[name] for name in NAMES})

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
            "scoring": (
                self.scoring
                if self.scoring is None or isinstance(self.scoring, str)
                else _scoring.name_of(self.scoring)
            ),
            "random_state": self.random_state,
            "call_timeout": self.call_timeout,
            "isolate": self.isolate,
            "calibrate": self.calibrate,
        }


NAMES: tuple[str, ...] = tuple(f.name for f in fields(_Options))
"""The run options shared by :func:`measure` and :func:`compare` (and so by sweeps)."""


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
    scoring: str | Callable[..., float] | None,
    random_state: int,
    call_timeout: float = DEFAULT_CALL_TIMEOUT,
    isolate: bool = False,
    calibrate: bool = True,
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
    if not (0 < call_timeout <= MAX_SECONDS):
        raise DataError(
            f"call_timeout must be a positive number of seconds (default 60), not {call_timeout!r}."
        )
    if isinstance(scoring, str):
        _scoring.check_name(scoring)
    elif scoring is not None and not callable(scoring):
        _scoring.resolve(scoring, "classification")  # raises the SpecError
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
        random_state=check_seed(random_state),
        call_timeout=float(call_timeout),
        isolate=bool(isolate),
        calibrate=_flag(calibrate, "calibrate"),
    )


def _flag(value: Any, option: str) -> bool:
    """A True/False option; anything else is a DataError naming it."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise DataError(f"{option} must be True or False, not {value!r}.")


def _seconds(value: Any, option: str) -> float:
    """A positive, finite number of seconds; ``"1s"``/``"500ms"`` strings are read too."""
    from ..units import parse_duration

    try:
        seconds = parse_duration(value)
    except ProdbenchError as exc:
        detail = f" ({exc})" if isinstance(value, str) else ""
        raise DataError(
            f"{option} must be a positive, finite number of seconds or a duration such as "
            f"'1.5s' or '500ms', not {str(value)[:60]!r}.{detail}"
        ) from None
    if seconds > MAX_SECONDS:
        raise DataError(
            f"{option}={str(value)[:60]} is more than {MAX_SECONDS:,} seconds (about four "
            "months): no run is meant to last that long. Give a duration such as '10s' or "
            "'30min'."
        )
    return seconds


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


def _check_baseline(named: Mapping[str, Any], baseline: str | None) -> str:
    """The baseline of a comparison of at least two candidates: ``baseline`` or the first."""
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
    return base


def _check_fits(
    named: Mapping[str, Any], fit: bool | dict[str, bool], method: str
) -> dict[str, bool]:
    """``fit=`` per candidate, each candidate checked for what it will be asked to do."""
    fits = fit if isinstance(fit, dict) else dict.fromkeys(named, fit)
    unknown = set(fits) - set(named)
    if unknown:
        raise CandidateError(
            f"fit= names unknown candidates {sorted(unknown)}; known: {', '.join(named)}."
        )
    for label, model in named.items():
        check_model(model, name=label, method=method, fit=fits.get(label, True))
    return fits


def _check_runtimes(runtimes: Any) -> tuple[Any, ...]:
    """``runtimes=`` as a tuple: "sklearn" first, then compiled runtimes (or "auto")."""
    items = (runtimes,) if isinstance(runtimes, str) or callable(runtimes) else tuple(runtimes)
    if items == ("auto",):
        items = ("sklearn", "auto")
    for item in items:
        if not callable(item) and item not in (*RUNTIMES, "auto"):
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


def _check_price(price: Any) -> None:
    if price is None:
        return
    ok = isinstance(price, int | float | np.integer | np.floating) and not isinstance(price, bool)
    if not ok or not (math.isfinite(price) and price > 0):
        raise DataError(
            f"price_per_core_hour must be a positive, finite price (e.g. 0.05 for $0.05 per "
            f"core-hour), not {price!r}."
        )
