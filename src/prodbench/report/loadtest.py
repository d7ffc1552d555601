"""A load test as text: what was sent, what came back, the verdict."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ..units import format_duration
from .cells import fmt_duration

if TYPE_CHECKING:
    from ..serving_results import LoadLatency, LoadTestResult

__all__ = ["render_load_test"]

SLOWER_UNDER_LOAD = 1.5
"""A service time under load this many times the idle one (or less than its inverse) is noted."""


def _interval_text(lat: LoadLatency, q: float) -> str:
    info = lat.interval_info(q)
    if lat.lower_bound(q):
        return (
            f"at least {fmt_duration(info.estimate / 1e9)}: it reaches requests that never "
            "completed (censored), so it is open above"
        )
    if not info.ok:
        return f"no interval ({info.reason})"
    return (
        f"95% CI {fmt_duration(info.low / 1e9)} to {fmt_duration(info.high / 1e9)} "
        f"(batch means of {info.batches} batches of {info.batch_size:,} requests, "
        f"correlation {info.tau:.3g} requests)"
    )


def _policy(lt: LoadTestResult) -> str:
    if lt.max_batch <= 1:
        return "one request per call"
    return (
        f"batches of up to {lt.max_batch}, waiting up to {format_duration(lt.max_wait_s)} "
        "for a batch to fill"
    )


def _service_lines(lt: LoadTestResult) -> list[str]:
    under = lt.service_p50_s
    if math.isnan(under):
        return []
    what = "per call" if lt.max_batch <= 1 else "per batch call"
    line = f"  service    p50 {fmt_duration(under)} {what} under load"
    if lt.idle_p50_s is None:
        return [line]
    line += f"; idle one-row p50 {fmt_duration(lt.idle_p50_s)} (the saved comparison)"
    ratio = under / lt.idle_p50_s
    lines = [line]
    if lt.max_batch <= 1 and not (1 / SLOWER_UNDER_LOAD <= ratio <= SLOWER_UNDER_LOAD):
        lines.append(
            f"  note: the service time under load is {ratio:.2g}x the idle one (more than "
            f"{SLOWER_UNDER_LOAD:g}x apart): other work on the machine, a different request "
            "type or rows, or the model slows under load; the capacity simulation from the "
            "idle samples will not match this run"
        )
    return lines


def render_load_test(lt: LoadTestResult, name: str = "") -> str:
    """A load test as text lines.

    Examples
    --------
    >>> import numpy as np
    >>> from prodbench.serving_results import LoadLatency, LoadTestResult
    >>> lat = LoadLatency(samples_ns=np.full(3000, 1_000_000))
    >>> lt = LoadTestResult(lat, offered_qps=300.0, requests=3000, duration_s=10.0,
    ...                     elapsed_s=10.0, workers=1, startup_s=0.8)
    >>> render_load_test(lt, "lone").splitlines()[0]
    'Load test of lone: 300 QPS offered (Poisson) for 10 s, 1 worker'
    """
    lat = lt.latency
    who = f" of {name}" if name else ""
    plural = "s" if lt.workers != 1 else ""
    rows = f"{lt.rows:,} test rows" if lt.rows else "test rows"
    lines = [
        f"Load test{who}: {lt.offered_qps:g} QPS offered (Poisson) for {lt.duration_s:g} s, "
        f"{lt.workers} worker{plural}",
        f"  sent       one-row {lat.request_format} requests cycling over {rows}, "
        f"{lat.method}(); {_policy(lt)}",
        f"  requests   {lt.requests:,} arrived ({lt.scheduled_qps:,.1f} QPS), "
        f"{lt.completed:,} completed"
        + (f", {lt.dropped:,} never completed (censored)" if lt.dropped else "")
        + f"; achieved {lt.achieved_qps:,.1f} QPS"
        + ("" if lt.kept_up else " (COULD NOT KEEP UP)"),
    ]
    if lat.n:
        bound = ">= " if lat.lower_bound(99) else ""
        lines.append(
            f"  latency    p50 {fmt_duration(lat.p50)}, p90 {fmt_duration(lat.p90)}, "
            f"p99 {bound}{fmt_duration(lat.p99)}, max {fmt_duration(lat.max)}"
        )
        lines.append(f"             p99 {_interval_text(lat, 99)}")
    lines += _service_lines(lt)
    if lt.floor is not None and lt.floor.n:
        lines.append(
            f"  floor      p50 {fmt_duration(lt.floor.p50)}, p99 {fmt_duration(lt.floor.p99)} "
            "(the harness alone: a no-op model, same rate, workers and schedule)"
        )
    lines.append(
        f"  start-up   {format_duration(lt.startup_s)} before the run clock (workers started, "
        "model loaded, 20 warm-up calls each)"
    )
    verdict = lt.verdict
    if verdict is not None:
        limits = ", ".join(
            f"{key} < {fmt_duration(limit)}" for key, limit in (lt.limits or {}).items()
        )
        lines.append(f"  verdict    {verdict.status} against {limits}: {verdict.reason}")
    lines += [f"  {note}" for note in lt.notes]
    lines.append(
        "  Latency runs from each request's scheduled arrival to the end of its model call, "
        "stamped in the worker on the system-wide monotonic clock: queueing is included (no "
        "coordinated omission); native thread pools limited to 1 per worker."
    )
    return "\n".join(lines) + "\n"
