"""Machine noise, measured and stated (pyperf-style): busy machine, drift, a shared tail.

Every run records the load average before and after each candidate's
latency phase, the CPU steal where ``/proc/stat`` has it
(:func:`prodbench.environment.machine_snapshot`), and where its interleaved
latency blocks ended. From those, and the samples in call order, this module
words three warnings, each with what to do:

* the machine was busy: a load average above the usable cores, or more than
  5% of CPU time stolen by a hypervisor (:func:`busy_warning`);
* a candidate's speed drifted during the run: the median of the last third
  of its calls differs from the first third's by more than its interval
  and by at least 20% (:func:`drift_warning`);
* several candidates share one tail: every p99 within 5% of one value
  while the p50s differ at least 2x, so the tail is the machine's
  (:func:`shared_tail_warning`).

Pure: numpy inside the functions, nothing read from the machine here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .units import format_duration

if TYPE_CHECKING:
    from .results import LatencyResult, ModelResult

__all__ = [
    "BUSY_PREFIX",
    "DRIFT_PREFIX",
    "block_medians",
    "busy_warning",
    "drift_warning",
    "median_spread",
    "noise_record",
    "run_warnings",
    "shared_tail_warning",
]

BUSY_PREFIX = "machine busy"
DRIFT_PREFIX = "speed drifted"
STEAL_LIMIT = 0.05
MIN_MOVE = 0.20


def block_medians(samples_ns: Any, block_ends: Sequence[int]) -> list[float]:
    """Median of each interleaved latency block, in nanoseconds (empty blocks left out).

    Parameters
    ----------
    samples_ns : array-like
        The candidate's samples in call order.
    block_ends : sequence of int
        Samples taken by the end of each block (cumulative).

    Returns
    -------
    list of float

    Examples
    --------
    >>> block_medians([1, 2, 3, 10, 20, 30], [3, 6])
    [2.0, 20.0]
    """
    import numpy as np

    x = np.asarray(samples_ns, dtype=np.float64)
    out, start = [], 0
    for end in block_ends:
        end = min(int(end), x.size)
        if end > start:
            out.append(float(np.median(x[start:end])))
        start = max(start, end)
    return out


def median_spread(medians: Sequence[float]) -> float | None:
    """Spread of block medians: ``(max - min) / median`` of them; None with fewer than two.

    Parameters
    ----------
    medians : sequence of float

    Returns
    -------
    float or None

    Examples
    --------
    >>> median_spread([1.0, 1.1, 0.9])
    0.2
    """
    values = sorted(float(m) for m in medians)
    if len(values) < 2:
        return None
    mid = (
        values[len(values) // 2] if len(values) % 2 else sum(values[len(values) // 2 - 1 :][:2]) / 2
    )
    return round((values[-1] - values[0]) / mid, 12) if mid > 0 else None


def noise_record(
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    samples_ns: Any,
    block_ends: Sequence[int],
) -> dict[str, Any]:
    """The ``environment["noise"]`` record of one candidate: load, steal, block medians.

    Parameters
    ----------
    before, after : mapping or None
        :func:`prodbench.environment.machine_snapshot` at the start and end
        of the latency phase.
    samples_ns : array-like
        The samples in call order.
    block_ends : sequence of int
        Cumulative samples at the end of each interleaved block.

    Returns
    -------
    dict
        ``load_before``, ``load_after`` (1-minute load averages or None),
        ``steal`` (fraction of CPU time stolen between the two, or None),
        ``block_medians_ns`` and ``block_median_spread``.

    Examples
    --------
    >>> rec = noise_record({"load_average": [1.0, 1, 1], "cpu_ticks": [100, 0]},
    ...                    {"load_average": [3.0, 2, 1], "cpu_ticks": [300, 20]},
    ...                    [1, 2, 3, 4], [2, 4])
    >>> rec["load_after"], rec["steal"], rec["block_median_spread"]
    (3.0, 0.1, 0.8)
    """

    def load(snap: Mapping[str, Any] | None) -> float | None:
        values = None if snap is None else snap.get("load_average")
        return float(values[0]) if values else None

    steal = None
    t0 = None if before is None else before.get("cpu_ticks")
    t1 = None if after is None else after.get("cpu_ticks")
    if t0 and t1 and t1[0] > t0[0]:
        steal = round((t1[1] - t0[1]) / (t1[0] - t0[0]), 6)
    medians = block_medians(samples_ns, block_ends)
    return {
        "load_before": load(before),
        "load_after": load(after),
        "steal": steal,
        "block_medians_ns": medians,
        "block_median_spread": median_spread(medians),
    }


def busy_warning(noise: Mapping[str, Any], cores: int | None) -> str | None:
    """The warning of a busy machine, or None.

    Parameters
    ----------
    noise : mapping
        A :func:`noise_record`.
    cores : int or None
        The usable cores.

    Returns
    -------
    str or None

    Examples
    --------
    >>> busy_warning({"load_before": 1.0, "load_after": 3.9, "steal": None}, 2)[:40]
    'machine busy: the load average was 3.90 '
    >>> busy_warning({"load_before": 0.5, "load_after": 0.8, "steal": 0.0}, 2) is None
    True
    """
    loads = [v for v in (noise.get("load_before"), noise.get("load_after")) if v is not None]
    steal = noise.get("steal")
    reasons = []
    if cores and loads and max(loads) > cores:
        reasons.append(
            f"the load average was {max(loads):.2f} with {cores} usable "
            f"{'core' if cores == 1 else 'cores'}"
        )
    if steal is not None and steal > STEAL_LIMIT:
        reasons.append(f"{steal:.0%} of CPU time was stolen by the hypervisor")
    if not reasons:
        return None
    return (
        f"{BUSY_PREFIX}: {' and '.join(reasons)} while it was measured, so its figures include "
        "time spent waiting for a CPU and its tail is partly the machine's. Close other work "
        "or run on a quieter machine (or a dedicated CI runner) for absolute figures; "
        "comparisons measured interleaved in one run are less affected."
    )


def drift_warning(name: str, latency: LatencyResult) -> str | None:
    """The warning of a candidate whose median moved during the run, or None.

    The median of the last third of the calls over the first third's, with
    distribution-free bounds at 0.1% each side: a warning when they exclude
    1, and the move is at least 20% and larger than the half-width of the
    p50's order-statistic interval over all the calls.

    Parameters
    ----------
    name : str
        The candidate's name.
    latency : LatencyResult
        Its samples, in call order.

    Returns
    -------
    str or None

    Examples
    --------
    >>> import numpy as np
    >>> from prodbench.results import LatencyResult
    >>> x = np.random.default_rng(0).lognormal(13, 0.2, 3000).astype(int)
    >>> drift_warning("m", LatencyResult(samples_ns=x)) is None
    True
    >>> x[1500:] = x[1500:] // 2
    >>> drift_warning("m", LatencyResult(samples_ns=x))[:36]
    "speed drifted: m's median moved -50%"
    """
    import numpy as np

    from . import stats

    x = np.asarray(latency.samples_ns, dtype=np.float64)
    third = x.size // 3
    if third < 100:
        return None
    first, last = np.sort(x[:third]), np.sort(x[-third:])
    low, high = stats.quantile_ratio_bounds(first, last, 50.0, 0.001)
    ratio = stats.percentile(last, 50.0) / stats.percentile(first, 50.0)
    # the p50's order-statistic interval: what the run would claim if its calls were steady
    width = stats.relative_halfwidth(latency.sorted_ns, 50.0)
    move = ratio - 1.0
    significant = low > 1.0 or high < 1.0
    if not (
        significant and abs(move) >= MIN_MOVE and (not math.isfinite(width) or abs(move) > width)
    ):
        return None
    a = format_duration(stats.percentile(first, 50.0) / 1e9)
    b = format_duration(stats.percentile(last, 50.0) / 1e9)
    return (
        f"{DRIFT_PREFIX}: {name}'s median moved {move:+.0%} between the first and last third "
        f"of the run ({a} -> {b}), more than its interval; the machine (or the model) changed "
        "speed while it was measured, so its figures average two speeds. Rerun on a quieter "
        "machine; in a comparison, a longer max_time spreads such a change over every "
        "candidate's interleaved blocks."
    )


def shared_tail_warning(latencies: Mapping[str, LatencyResult]) -> str | None:
    """The warning of several candidates sharing one p99 while their p50s differ, or None.

    Parameters
    ----------
    latencies : mapping of str to LatencyResult
        The measured candidates (at least two with p99 not under-sampled).

    Returns
    -------
    str or None
        When every p99 is within 5% of their middle value and the largest
        p50 is at least twice the smallest.

    Examples
    --------
    >>> import numpy as np
    >>> from prodbench.results import LatencyResult
    >>> rng = np.random.default_rng(0)
    >>> def lat(p50_us):
    ...     x = np.full(2000, p50_us * 1000)
    ...     x[rng.choice(2000, 60, replace=False)] = 8_800_000  # 3% of calls: 8.8 ms
    ...     return LatencyResult(samples_ns=x)
    >>> shared_tail_warning({"a": lat(100), "b": lat(300)})[:44]
    'every p99 within 5% of 8.80 ms while the p50'
    """
    usable = {k: v for k, v in latencies.items() if v.n and not v.undersampled(99)}
    if len(usable) < 2:
        return None
    p99 = sorted(v.p99 for v in usable.values())
    p50 = [v.p50 for v in usable.values()]
    middle = (p99[0] + p99[-1]) / 2.0
    if middle <= 0 or min(p50) <= 0:
        return None
    if p99[-1] > 1.05 * middle or p99[0] < 0.95 * middle or max(p50) < 2.0 * min(p50):
        return None
    return (
        f"every p99 within 5% of {format_duration(middle)} while the p50s differ "
        f"{max(p50) / min(p50):.1f}x: the tail is the machine's (preemption, interrupts, "
        "neighbours), not the models'. Do not choose between these candidates on p99 here: "
        "measure on a quieter machine, or with fewer processes per core; their p50s and p90s "
        "are still theirs."
    )


def run_warnings(results: Mapping[str, ModelResult]) -> list[str]:
    """Every machine-noise warning of a run, once each: drifts, the busy machine, a shared tail.

    Parameters
    ----------
    results : mapping of str to ModelResult
        The measured candidates.

    Returns
    -------
    list of str

    Examples
    --------
    >>> run_warnings({})
    []
    """
    out = [
        f"{name}: {note}"
        for name, r in results.items()
        for note in r.notes
        if note.startswith(DRIFT_PREFIX)
    ]
    busy = [n for r in results.values() for n in r.notes if n.startswith(BUSY_PREFIX)]
    if busy:  # the same machine for every candidate: once, the first one's words
        out.append(busy[0])
    tail = shared_tail_warning({name: r.latency for name, r in results.items()})
    if tail is not None:
        out.append(tail)
    return out
