"""Fake models with known latency distributions, for timing tests.

They busy-wait on ``perf_counter_ns`` (never ``sleep``, whose granularity and
scheduling noise would swamp sub-millisecond latencies) and return a
preallocated prediction.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np


def busy_wait_ns(duration_ns: int) -> None:
    """Spin until ``duration_ns`` nanoseconds have passed."""
    end = time.perf_counter_ns() + duration_ns
    while time.perf_counter_ns() < end:
        pass


class BusyModel:
    """A classifier-shaped model whose ``predict`` takes a drawn latency.

    Parameters
    ----------
    draw_ns : callable
        ``draw_ns(rng) -> int``: the latency of one call, in nanoseconds.
    seed : int
        Seeds the latency draws.
    """

    def __init__(self, draw_ns: Callable[[np.random.Generator], int], seed: int = 0) -> None:
        self.draw_ns = draw_ns
        self.seed = seed
        # Latencies are drawn up front, so a call spends its time spinning and
        # not in the random generator.
        rng = np.random.default_rng(seed)
        self._draws = [int(draw_ns(rng)) for _ in range(1 << 15)]
        self._next = 0
        self._out = np.zeros(1, dtype=np.int64)

    def fit(self, X: object, y: np.ndarray) -> BusyModel:
        self.classes_ = np.unique(y)
        self._label = self.classes_[0]
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        n = len(X)
        if n == 1:
            duration = self._draws[self._next]
            self._next = (self._next + 1) & ((1 << 15) - 1)
            busy_wait_ns(duration)
            self._out[0] = self._label
            return self._out
        return np.full(n, self._label)


def constant(ns: int) -> Callable[[np.random.Generator], int]:
    """Every call takes ``ns``."""
    return lambda rng: ns


def uniform(low_ns: int, high_ns: int) -> Callable[[np.random.Generator], int]:
    """Calls take Uniform(low, high)."""
    return lambda rng: int(rng.integers(low_ns, high_ns + 1))


def bimodal(
    fast_ns: int, slow_ns: int, slow_fraction: float
) -> Callable[[np.random.Generator], int]:
    """Mostly ``fast_ns``, a ``slow_fraction`` of calls ``slow_ns``."""
    return lambda rng: slow_ns if rng.random() < slow_fraction else fast_ns


def uniform_quantile(low_ns: float, high_ns: float, q: float) -> float:
    """True ``q``-th percentile (0-100) of Uniform(low, high), in nanoseconds."""
    return low_ns + (high_ns - low_ns) * q / 100.0


class NoOpModel:
    """Returns a preallocated array: measures the harness, not a model."""

    def __init__(self) -> None:
        self._out = np.zeros(1)

    def fit(self, X: object, y: object) -> NoOpModel:
        return self

    def predict(self, X: object) -> np.ndarray:
        return self._out
