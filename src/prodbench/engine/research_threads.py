"""The research phases' thread probe: fits and bulk throughput guarded like one-row latency.

Under ``threads="serving"`` fits, the score's bulk predict and bulk throughput
use the machine's native pools, which on an oversubscribed machine (more
runnable threads than cores: a laptop with a browser, a shared CI runner) can
be many times slower than one thread: BLAS and OpenMP workers spin and wait
for cores that others hold. :class:`_ResearchThreads` probes each candidate:
before its first fit small fixed BLAS and OpenMP workloads (:func:`_blas_probe`,
about 20 ms each) run with pools limited to 1 and unlimited; when unlimited
is ``_RATIO`` times slower every research phase runs with 1 thread from the
start (an unlimited first fit may take a minute there). Otherwise the first fit
runs with the machine's pools and the second with pools limited to 1 (it is one
of the ``min_fits`` fits: dropped, it costs one more fit; when the first fit was
short, ``_PROBE_FIT_S``, one more unlimited fit confirms a difference, so the
first fit's warm-up does not decide). When the machine's
pools were ``_RATIO`` times slower, the research phases go on with 1 thread
(the unlimited fits are dropped from the figures) and a note says so with both
figures; otherwise the probe fit is dropped and nothing changes.
``threads=None`` and ``threads=N`` keep their meaning: no probe.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from time import perf_counter_ns as _clock
from typing import Any

from ..units import format_duration

_PROBE_FIT_S = 0.25
"""A first fit longer than this is not confirmed by another unlimited fit (too costly)."""
_RATIO = 1.5
"""The machine's pools this many times slower than one thread: the research phases use 1."""
_MIN_GAP_NS = 1_000_000
"""...and slower by at least this much: sub-millisecond fits differ by noise, not threads."""
_BLAS_PROBE_S = 0.02


def _pool_threads() -> int:
    """The most threads any loaded native pool (BLAS, OpenMP) would use now."""
    from threadpoolctl import threadpool_info

    return max((int(i.get("num_threads") or 1) for i in threadpool_info()), default=1)


def _workloads() -> list[tuple[str, Callable[[], object]]]:
    """The fixed workloads: a BLAS matrix product, and OpenMP code when scikit-learn is loaded."""
    import numpy as np

    rng = np.random.default_rng(0)
    a = rng.standard_normal((192, 192))
    out: list[tuple[str, Callable[[], object]]] = [("a BLAS workload", lambda: a @ a)]
    if "sklearn" in sys.modules:  # its OpenMP pool is loaded: time it too
        from sklearn.metrics import pairwise_distances_argmin_min

        X, Y = rng.standard_normal((256, 16)), rng.standard_normal((64, 16))
        out.append(("an OpenMP workload", lambda: pairwise_distances_argmin_min(X, Y)))
    return out


def _blas_probe() -> tuple[float, float, str]:
    """Median ns of fixed BLAS and OpenMP workloads with pools limited to 1 and unlimited.

    Alternating pairs, each workload for about ``_BLAS_PROBE_S`` seconds (at
    least one pair, so a workload that is very slow unlimited costs one call),
    stopping at the first that is slow unlimited; the workload with the largest
    slowdown unlimited is returned, with its name.
    """
    import numpy as np
    from threadpoolctl import ThreadpoolController

    controller = ThreadpoolController()
    worst = (1.0, 1.0, "a BLAS workload")
    for name, work in _workloads():
        limited: list[int] = []
        unlimited: list[int] = []
        end = _clock() + int(_BLAS_PROBE_S * 1e9)
        while not limited or (_clock() < end and len(limited) < 20):
            limiter = controller.limit(limits=1)
            try:
                t0 = _clock()
                work()
                limited.append(_clock() - t0)
            finally:
                limiter.restore_original_limits()
            t0 = _clock()
            work()
            unlimited.append(_clock() - t0)
        if len(limited) > 1:  # the first pair started the pools: a warm-up, when there is time
            limited, unlimited = limited[1:], unlimited[1:]
        figures = (float(np.median(limited)), float(np.median(unlimited)), name)
        if figures[1] / max(figures[0], 1.0) > worst[1] / max(worst[0], 1.0):
            worst = figures
        if worst[1] >= _RATIO * worst[0]:
            break  # one slow workload is the answer: the next would only cost time
    return worst


class _ResearchThreads:
    """One candidate's thread limit for fits and bulk predicts, decided by its first fits."""

    def __init__(self, threads_option: Any, bulk_threads: int | None) -> None:
        self.threads = bulk_threads
        self.record: dict[str, Any] | None = None
        self.note: str | None = None
        self._state = "first" if threads_option == "serving" else "decided"
        self._machine = 1
        self._limited = 0

    def _first_threads(self, fit_times: list[int]) -> int | None:
        """Before the first fit, the BLAS workload; after it, the probe fit or nothing."""
        if self._state != "first":
            return self.threads
        if not fit_times:
            self._machine = _pool_threads()
            if self._machine <= 1:
                self._state = "decided"
                return self.threads
            limited, unlimited, what = _blas_probe()
            self.record = {
                "workload": what,
                "workload_limited_ns": limited,
                "workload_unlimited_ns": unlimited,
            }
            if unlimited >= _RATIO * limited:  # the machine's pools are slow here: 1 thread
                self._state = "decided"
                self._switch(unlimited, limited, f"{what}, fixed")
            return self.threads
        self._state = "probe"
        return 1

    def fit_threads(self, fit_times: list[int]) -> int | None:
        """The limit for the next fit (None: the machine's pools)."""
        if self._state == "confirm":
            return None  # a second fit with the machine's pools, warm this time
        return self._first_threads(fit_times)

    def after_fit(self, fit_times: list[int], ns: int) -> list[int]:
        """The fit times once a fit of ``ns`` is in.

        The probe fit (limited) is compared with the unlimited fits around it:
        when the first unlimited fit is not ``_RATIO`` times slower, the probe
        is dropped at once (the first fit's warm-up only favours the probe);
        otherwise one more unlimited fit, warm, confirms it. One thread wins:
        the unlimited fits are dropped; else the probe fit is.
        """
        if self._state == "probe":
            self._limited = ns
            if fit_times[0] < _RATIO * ns or fit_times[0] - ns < _MIN_GAP_NS:
                return self._decide(fit_times, ns, fit_times)
            if fit_times[0] > _PROBE_FIT_S * 1e9:  # a long fit's warm-up is no 1.5x: decided
                return self._decide(fit_times, ns, fit_times)
            self._state = "confirm"
            return fit_times
        if self._state == "confirm":
            return self._decide([*fit_times, ns], self._limited, [*fit_times, ns])
        return [*fit_times, ns]

    def _decide(self, unlimited_fits: list[int], limited: int, kept: list[int]) -> list[int]:
        self._state = "decided"
        unlimited = min(unlimited_fits)
        ratio = unlimited / limited if limited > 0 else 1.0
        assert self.record is not None
        self.record.update(
            {
                "machine_threads": self._machine,
                "unlimited_fit_ns": unlimited,
                "limited_fit_ns": limited,
                "ratio": ratio,
            }
        )
        if ratio < _RATIO or unlimited - limited < _MIN_GAP_NS:
            self.record["threads"] = None
            return kept  # the machine's pools stay; the probe fit is not a figure
        self._switch(unlimited, limited, "one fit")
        return [limited]

    def _switch(self, unlimited: float, limited: float, what: str) -> None:
        """Research phases with 1 thread from now on, and the note with both figures."""
        ratio = unlimited / limited if limited > 0 else 1.0
        self.threads = 1
        assert self.record is not None
        self.record.update({"threads": 1, "machine_threads": self._machine, "ratio": ratio})
        self.record.setdefault("decided_by", what)
        self.note = (
            f"thread trap (research): fits ran with 1 thread: {self._machine} threads were "
            f"{ratio:.0f}x slower here ({what}: {format_duration(unlimited / 1e9)} with the "
            f"machine's native pools, {format_duration(limited / 1e9)} limited to 1), the "
            "machine is oversubscribed; the score and bulk throughput ran with 1 thread too. "
            "threads=None (--threads none) measures with the machine's pools anyway."
        )
