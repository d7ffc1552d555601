"""The calibration kernel interleaved with a run's latency blocks.

:func:`_calibrated` wraps each candidate's :class:`~prodbench.engine.driver.Runner`
so that every latency block it runs is followed by a short block of the
calibration kernel (:mod:`prodbench.calibration`), its length in proportion
(the calibration's 0.2 s over the run's latency budget): the kernel then
samples the machine while the candidates do, and a slow spell lands on both.
:func:`_attach` spends what is left of the calibration's budget and stores its
samples in every result's ``environment["calibration"]`` (optional: files
without it still load, and ``calibrate=False`` leaves it out).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ..calibration import DEFAULT_SECONDS, CalibrationSampler
from ..errors import ProdbenchError
from ..results import ModelResult
from .driver import Runner


class _CalibratedRunner:
    """A runner whose latency blocks are each followed by a calibration block."""

    def __init__(self, inner: Runner, sampler: CalibrationSampler, share: float) -> None:
        self._inner = inner
        self._sampler = sampler
        self._share = share

    @property
    def failure(self) -> ProdbenchError | None:
        return self._inner.failure

    @failure.setter
    def failure(self, value: ProdbenchError | None) -> None:
        self._inner.failure = value

    def latency_block(self, seconds: float) -> None:
        self._inner.latency_block(seconds)
        self._sampler.run_block(seconds * self._share)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _calibrated(
    runs: list[Runner], enabled: bool, max_time: float
) -> tuple[list[Runner], CalibrationSampler | None]:
    """The runners to drive (wrapped when ``enabled``) and the sampler to attach later."""
    if not enabled or not runs:
        return runs, None
    sampler = CalibrationSampler(DEFAULT_SECONDS)
    share = DEFAULT_SECONDS / max(max_time * len(runs), DEFAULT_SECONDS)
    wrapped: list[Runner] = [_CalibratedRunner(r, sampler, share) for r in runs]
    return wrapped, sampler


def _attach(
    results: dict[str, ModelResult], sampler: CalibrationSampler | None
) -> dict[str, ModelResult]:
    """Finish the calibration and store its samples in every result's environment."""
    if sampler is None or not results:
        return results
    stored = sampler.finish().to_dict()
    return {
        name: dataclasses.replace(r, environment={**r.environment, "calibration": stored})
        for name, r in results.items()
    }
