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
        if kind != "one":
            # the libraries loaded now, as the test's own threadpool_info() sees them:
            # one loaded after the first call would be missing from an old controller
            self._controller = None
        if self._controller is None:
            from threadpoolctl import ThreadpoolController

            self._controller = ThreadpoolController()
        if self._file is None:
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


class ClockRunner:
    """A candidate of the engine's driver on a fake clock: no model, no real time.

    It offers what :func:`prodbench.engine.driver._run` calls of a runner in
    the latency phase; a block of ``seconds`` takes ``seconds / per_call_s``
    samples (at least one) drawn by ``draw_ns`` and counts exactly that much
    time, so the share of the budget each candidate gets is machine-independent.
    Its budget outcome is the real sequential rule on its samples.

    Parameters
    ----------
    name : str
        The candidate's label.
    draw_ns : callable
        ``draw_ns(rng, size) -> array`` of latencies in nanoseconds.
    per_call_s : float
        Fake seconds per call.
    max_time : float
        Seconds after which its own sampler would stop (the run's budget).
    seed : int
        Seeds the draws.
    """

    def __init__(
        self,
        name: str,
        draw_ns: Callable[[np.random.Generator, int], np.ndarray],
        per_call_s: float,
        max_time: float,
        seed: int = 0,
    ) -> None:
        from types import SimpleNamespace

        self.name = name
        self.shared = SimpleNamespace(batches=())
        self.failure = None
        self.draw_ns = draw_ns
        self.per_call_s = per_call_s
        self.max_time = max_time
        self.rng = np.random.default_rng(seed)
        self.samples = np.zeros(0, dtype=np.int64)
        self.elapsed = 0.0
        self.stop_reason: str | None = None
        self.decision = None
        self.wants_fit = False
        self.fit_times: list[int] = []

    @property
    def latency_done(self) -> bool:
        return self.stop_reason is not None

    @property
    def latency_n(self) -> int:
        return int(self.samples.size)

    @property
    def latency_elapsed(self) -> float:
        return self.elapsed

    def prepare_predict(self, latency_budget: float | None = None) -> None:
        if latency_budget is not None:
            self.max_time = latency_budget

    def latency_block(self, seconds: float) -> None:
        if self.latency_done:
            return
        seconds = min(seconds, max(self.max_time - self.elapsed, self.per_call_s))
        count = max(1, int(seconds / self.per_call_s))
        drawn = np.asarray(self.draw_ns(self.rng, count), dtype=np.int64)
        self.samples = np.concatenate([self.samples, drawn])
        self.elapsed += count * self.per_call_s
        if self.elapsed >= self.max_time:
            self.stop_reason = "max_time"

    def stop_latency(self, reason: str = "max_time") -> None:
        if self.stop_reason is None:
            self.stop_reason = reason

    def budget_outcome(self, limits_ns: dict[str, int], error_rate: float = 0.05) -> str:
        from prodbench.sequential import SequentialDecision, SequentialRule

        if self.decision is None:
            self.decision = SequentialDecision(limits_ns, SequentialRule(error_rate=error_rate))
        self.decision.update(self.samples)
        return self.decision.outcome if self.decision.done else "open"

    def finish(self) -> tuple[int, float, str | None]:
        return self.latency_n, self.elapsed, self.stop_reason

    def close(self) -> None:
        pass

    def _emit(self, phase: str, samples: int = 0, elapsed: float = 0.0, message: str = "") -> None:
        pass


def near_and_far(max_time: float, seed: int = 0) -> tuple[dict[str, float], list[ClockRunner]]:
    """A p50 limit of 150 us; one fake whose p50 sits on it, two far beyond (on a fake clock).

    ``near``: half its calls 50 us, half 300 us (its p50 outcome stays open);
    ``far``/``farther``: 1 ms and 2 ms per call (they FAIL at the first look).
    """

    def near(rng: np.random.Generator, size: int) -> np.ndarray:
        return np.where(rng.random(size) < 0.5, 50_000, 300_000)

    def far(ns: int) -> Callable[[np.random.Generator, int], np.ndarray]:
        return lambda rng, size: np.full(size, ns)

    runners = [
        ClockRunner("near", near, 175e-6, max_time, seed),
        ClockRunner("far", far(1_000_000), 1e-3, max_time, seed + 1),
        ClockRunner("farther", far(2_000_000), 2e-3, max_time, seed + 2),
    ]
    return {"p50": 150e-6}, runners
