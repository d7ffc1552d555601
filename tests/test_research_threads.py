"""The research phases' thread probe: a fit slow with the machine's pools runs with 1 thread.

Fakes busy-wait (tests/fakes.py): ``FitThreadTrap`` fits in N ms with native
pools limited to one thread and 20N ms with more, as BLAS/OpenMP code does on
an oversubscribed machine; the same fake with equal times does not care.
"""

from __future__ import annotations

import numpy as np
import pytest
from fakes import FitThreadTrap

import prodbench as pb
from prodbench.engine import research_threads
from prodbench.engine.research_threads import _pool_threads

N_MS = 5
# "about N": under 8N, far from the trap's 20N even when a busy machine stretches a
# 5 ms busy-wait to 15 ms (seen at a load average of 10 on 2 cores)


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.standard_normal((200, 4)), np.arange(200) % 2


def _measure(model: object, data: tuple, **kw: object) -> pb.ModelResult:
    X, y = data
    return pb.measure(model, X, y, max_time=0.2, batch_sizes=(1,), progress=False, **kw)


def _needs_pools() -> None:
    import numpy  # noqa: F401  (loads BLAS, whose pool the probe limits)

    if _pool_threads() <= 1:
        pytest.skip("the native pools here have one thread: limiting them changes nothing")


@pytest.fixture
def quiet_blas(monkeypatch: pytest.MonkeyPatch) -> None:
    """The BLAS workload as on a quiet machine (equal figures), so the fits decide.

    In-process only: an isolated candidate's worker runs the real workload.
    """
    monkeypatch.setattr(research_threads, "_blas_probe", lambda: (1e6, 1e6, "a BLAS workload"))


@pytest.mark.parametrize("isolate", [False, True])
def test_fits_slow_with_the_machines_pools_run_with_one_thread_and_say_why(
    data, isolate: bool, quiet_blas: None
) -> None:
    _needs_pools()
    trap = FitThreadTrap(N_MS * 1_000_000, 20 * N_MS * 1_000_000)
    result = _measure(trap, data, isolate=isolate)
    times = np.asarray(result.training.fit_times_ns) / 1e6
    assert len(times) >= 3 and float(np.median(times)) < 8 * N_MS, times
    note = next(n for n in result.notes if n.startswith("thread trap (research)"))
    assert "fits ran with 1 thread" in note and "oversubscribed" in note
    record = result.environment["research_threads"]
    assert record["threads"] == 1 and record["ratio"] > 5
    # the explicit policies keep their meaning: no probe, the machine's pools
    plain = _measure(FitThreadTrap(N_MS * 1_000_000, 20 * N_MS * 1_000_000), data, threads=None)
    assert float(np.median(plain.training.fit_times_ns)) / 1e6 > 10 * N_MS
    assert not any(n.startswith("thread trap (research)") for n in plain.notes)


def test_a_fit_that_does_not_care_keeps_the_machines_pools_and_gets_no_note(
    data, quiet_blas: None
) -> None:
    _needs_pools()
    # 50 ms fits: a busy machine's preemptions (~10 ms) stay far from a 1.5x difference
    result = _measure(FitThreadTrap(50_000_000, 50_000_000), data)
    assert not any(n.startswith("thread trap (research)") for n in result.notes)
    assert result.environment["research_threads"]["threads"] is None
    times = np.asarray(result.training.fit_times_ns) / 1e6
    assert len(times) >= 3 and float(np.median(times)) < 100


def test_slow_blas_pools_put_every_research_phase_on_one_thread_from_the_first_fit(
    data, monkeypatch: pytest.MonkeyPatch
) -> None:
    _needs_pools()
    # the fixed BLAS workload 10x slower with the machine's pools: the machine is oversubscribed
    monkeypatch.setattr(research_threads, "_blas_probe", lambda: (1e6, 1e7, "a BLAS workload"))
    result = _measure(FitThreadTrap(N_MS * 1_000_000, 20 * N_MS * 1_000_000), data)
    times = np.asarray(result.training.fit_times_ns) / 1e6
    # not even the first fit ran unlimited (20N); it also builds the fake's thread controller
    assert float(np.max(times)) < 15 * N_MS and float(np.median(times)) < 8 * N_MS, times
    note = next(n for n in result.notes if n.startswith("thread trap (research)"))
    assert "10x slower" in note and "a BLAS workload, fixed" in note
    assert result.environment["research_threads"]["decided_by"].startswith("a BLAS workload")
