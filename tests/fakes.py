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


def _pools_limited_to_one(controller: object) -> bool:
    return all(lc.num_threads == 1 for lc in controller.lib_controllers)  # type: ignore[attr-defined]


class ThreadTrap:
    """A classifier whose one-row ``predict`` is slow when native pools are not limited.

    ``predict`` on one row busy-waits ``fast_ns`` when every native thread pool
    (threadpoolctl) is limited to one thread and ``slow_ns`` otherwise, like an
    OpenMP model spinning up its threads for each request. Give ``slow_ns ==
    fast_ns`` for a model without the trap.
    """

    def __init__(self, fast_ns: int, slow_ns: int) -> None:
        self.fast_ns = fast_ns
        self.slow_ns = slow_ns
        self._controller: object | None = None

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "_controller": None}  # ctypes handles do not pickle

    def fit(self, X: object, y: np.ndarray) -> ThreadTrap:
        self.classes_ = np.unique(y)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        if len(X) == 1:
            if self._controller is None:
                from threadpoolctl import ThreadpoolController

                self._controller = ThreadpoolController()
            limited = _pools_limited_to_one(self._controller)
            busy_wait_ns(self.fast_ns if limited else self.slow_ns)
        return np.full(len(X), self.classes_[0])


class ThreadSpy:
    """A classifier that writes the native thread limit of each call to ``log_path``.

    Every fit and ``predict`` appends a line ``"<kind> <threads>"`` (kind
    ``fit``, ``bulk`` (several rows) or ``one`` (one row); threads the largest
    ``num_threads`` of the loaded native pools, read with threadpoolctl). A
    file, so that it works in worker processes and subprocesses too.
    """

    def __init__(self, log_path: str) -> None:
        self.log_path = str(log_path)
        self._controller: object | None = None
        self._file: object | None = None

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "_controller": None, "_file": None}

    def _log(self, kind: str) -> None:
        if self._controller is None:
            from threadpoolctl import ThreadpoolController

            self._controller = ThreadpoolController()
            self._file = open(self.log_path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115
        threads = max(lc.num_threads for lc in self._controller.lib_controllers)  # type: ignore[attr-defined]
        self._file.write(f"{kind} {threads}\n")  # type: ignore[attr-defined]

    def fit(self, X: object, y: np.ndarray) -> ThreadSpy:
        self._log("fit")
        self.classes_ = np.unique(y)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        self._log("one" if len(X) == 1 else "bulk")
        return np.full(len(X), self.classes_[0])


def read_spy_log(log_path: str) -> list[tuple[str, int]]:
    """The ``(kind, threads)`` lines of a :class:`ThreadSpy` log, in order."""
    with open(log_path, encoding="utf-8") as f:
        return [(kind, int(n)) for kind, n in (line.split() for line in f)]


class BatchBusyModel:
    """A classifier whose ``predict`` on ``b`` rows busy-waits ``a_ns + c_ns * b``."""

    def __init__(self, a_ns: int, c_ns: int) -> None:
        self.a_ns = a_ns
        self.c_ns = c_ns
        self.classes_ = np.array([0, 1])

    def fit(self, X: object, y: object) -> BatchBusyModel:
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        busy_wait_ns(self.a_ns + self.c_ns * len(X))
        return np.zeros(len(X), dtype=np.int64)


class FitThreadTrap:
    """A classifier whose ``fit`` busy-waits ``fast_ns`` with native pools limited to one
    thread and ``slow_ns`` otherwise (an oversubscribed machine's BLAS/OpenMP fit).

    Give ``slow_ns == fast_ns`` for a model that does not care. ``predict`` is instant.
    """

    def __init__(self, fast_ns: int, slow_ns: int) -> None:
        self.fast_ns = fast_ns
        self.slow_ns = slow_ns
        self._controller: object | None = None

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "_controller": None}

    def fit(self, X: object, y: np.ndarray) -> FitThreadTrap:
        if self._controller is None:
            from threadpoolctl import ThreadpoolController

            self._controller = ThreadpoolController()
        limited = _pools_limited_to_one(self._controller)
        busy_wait_ns(self.fast_ns if limited else self.slow_ns)
        self.classes_ = np.unique(y)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.full(len(X), self.classes_[0])


class MemoryHog:
    """A classifier that allocates ``megabytes`` of touched memory in ``fit`` and keeps it.

    With ``predict_megabytes`` it also allocates (and frees) that much in each
    batch ``predict`` call of more than one row, for the prediction peak.
    """

    def __init__(self, megabytes: int = 200, predict_megabytes: int = 0) -> None:
        self.megabytes = megabytes
        self.predict_megabytes = predict_megabytes

    def fit(self, X: object, y: np.ndarray) -> MemoryHog:
        self.classes_ = np.unique(y)
        # np.ones writes every page, so all of it is resident (np.empty would not be).
        self.ballast_ = np.ones(self.megabytes << 17, dtype=np.float64)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        n = len(X)
        if n > 1 and self.predict_megabytes:
            scratch = np.ones(self.predict_megabytes << 17, dtype=np.float64)
            del scratch
        return np.full(n, self.classes_[0])
