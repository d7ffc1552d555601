"""The capacity section: max QPS per worker count, and the workers a target rate needs.

:func:`capacity_section` turns a :class:`prodbench.serving_results.Capacity`
into a :class:`~prodbench.report.model.Section` (cells in their final form),
which every format renders like any other section. It is shown below a
comparison when the comparison carries a target rate (``compare --qps``),
and on its own by ``prodbench capacity`` through :func:`render_capacity`.
"""

from __future__ import annotations

import json
import math

from ..serving_results import Capacity, LoadLatency, LoadTestResult
from ..units import format_duration
from ..verdict import Comparison
from .cells import DASH, UNDERSAMPLED_MARK, fmt_duration, fmt_rate
from .model import Section

__all__ = [
    "CAPACITY_FORMATS",
    "capacity_section",
    "comparison_capacity_section",
    "render_capacity",
    "render_load_test",
]

CAPACITY_FORMATS = ("table", "markdown", "html", "json")


def _limits_text(cap: Capacity) -> str:
    return ", ".join(f"{k} < {format_duration(v, trim=True)}" for k, v in cap.budget.items())


def capacity_section(cap: Capacity) -> Section:
    """The capacity of every candidate as a section of strings.

    Examples
    --------
    >>> from prodbench.serving_results import CandidateCapacity, MaxQPS
    >>> m = MaxQPS(1, 1234.0, 1100.0, 1300.0, 0.0005, 5000, {"p99": 0.005})
    >>> cap = Capacity({"p99": 0.005}, (1,), {"lone": CandidateCapacity("lone", {1: m})})
    >>> capacity_section(cap).rows
    (('lone', '1', '1.23k', '[1.10k, 1.30k]', '62%'),)
    """
    rows = []
    for name, cand in cap.candidates.items():
        for workers, m in cand.max_qps.items():
            flag = UNDERSAMPLED_MARK if m.undersampled else ""
            if m.qps <= 0:
                rows.append((name, str(workers), "0" + flag, DASH, DASH))
                continue
            rows.append(
                (
                    name,
                    str(workers),
                    (">= " if m.capped else "") + fmt_rate(m.qps) + flag,
                    f"[{fmt_rate(m.qps_low)}, {fmt_rate(m.qps_high)}]",
                    f"{m.utilization:.0%}",
                )
            )
    bullets = []
    if cap.qps is not None:
        for name, cand in cap.candidates.items():
            t = cand.target
            if t is None:
                continue
            if t.workers is None:
                bullets.append(
                    f"{name}: cannot serve {cap.qps:g} QPS within the budget: {t.reason}."
                )
                continue
            bullets.append(
                f"{name}: {t.workers} worker{'s' if t.workers != 1 else ''} for {cap.qps:g} QPS; "
                f"p50 {fmt_duration(t.p50)}, p99 {fmt_duration(t.p99)} at that load; "
                f"${t.cost_per_million:.4f} per million predictions"
            )
    notes = [
        "Max QPS: the highest Poisson arrival rate at which the simulated "
        f"{_limits_text(cap)} holds, workers sharing one FIFO queue, service times drawn "
        "from the measured one-row latencies (single-threaded workers, no network). "
        f"95% interval from {cap.replicates} bootstrap replicates over the samples and "
        "the simulation seeds.",
    ]
    capped = sorted(
        {m.requests for c in cap.candidates.values() for m in c.max_qps.values() if m.capped}
    )
    if capped:
        from ..serving import trusted_utilization

        notes.append(
            ">= : the budget still holds at the highest utilisation a simulation of "
            f"{capped[0]:,} requests is trusted at ({trusted_utilization(capped[0]):.0%}; "
            "nearer saturation it has not reached steady state): a lower bound."
        )
    if cap.qps is not None:
        notes.append(
            f"Workers for {cap.qps:g} QPS: the fewest whose max-QPS lower bound reaches it; "
            f"cost = workers x ${cap.price_per_core_hour:g} per core-hour, one core per worker."
        )
    for name in cap.undersampled:
        cand = cap.candidates[name]
        notes.append(
            f"{UNDERSAMPLED_MARK} {name}: capacity from {cand.n_samples:,} samples, too few for "
            "the budget's percentile (p99 needs 662): the tail the simulation draws from is "
            "poorly known; measure longer."
        )
    return Section(
        "capacity",
        f"Capacity within {_limits_text(cap)}",
        bullets=tuple(bullets),
        headers=("candidate", "workers", "max QPS", "95% CI", "utilization"),
        rows=tuple(rows),
        notes=tuple(notes),
    )


def comparison_capacity_section(cmp: Comparison) -> Section | None:
    """The section builder: capacity at the comparison's target rate, if it has one."""
    cap = cmp.target_capacity
    return None if cap is None else capacity_section(cap)


def render_capacity(cap: Capacity, fmt: str = "table") -> str:
    """A capacity on its own: ``"table"`` (text), ``"markdown"``, ``"html"`` or ``"json"``.

    Examples
    --------
    >>> from prodbench.serving_results import CandidateCapacity, MaxQPS
    >>> m = MaxQPS(1, 1234.0, 1100.0, 1300.0, 0.0005, 5000, {"p99": 0.005})
    >>> cap = Capacity({"p99": 0.005}, (1,), {"lone": CandidateCapacity("lone", {1: m})})
    >>> render_capacity(cap).splitlines()[0]
    'Capacity within p99 < 5 ms:'
    """
    if fmt == "json":
        return json.dumps(cap.to_dict(), allow_nan=True)
    section = capacity_section(cap)
    if fmt == "markdown":
        from .markdown import render_section as markdown_section

        return "\n".join(markdown_section(section)).strip("\n") + "\n"
    if fmt == "html":
        from .html import render_section as html_section

        return "<div class='prodbench'>" + "\n".join(html_section(section)) + "</div>"
    if fmt in ("table", "text"):
        from .text import render_section as text_section

        return "\n".join(text_section(section)).strip("\n") + "\n"
    raise ValueError(f"unknown capacity format {fmt!r}; use one of {', '.join(CAPACITY_FORMATS)}")


def _interval_text(lat: LoadLatency, q: float) -> str:
    low, high = lat.interval(q)
    if math.isinf(low) or math.isinf(high):
        return "interval: too few requests for batch means"
    return f"95% CI {fmt_duration(low)} to {fmt_duration(high)} (batch means)"


def render_load_test(lt: LoadTestResult, name: str = "") -> str:
    """A load test as text lines.

    Examples
    --------
    >>> import numpy as np
    >>> lat = LoadLatency(samples_ns=np.full(3000, 1_000_000))
    >>> lt = LoadTestResult(lat, offered_qps=300.0, requests=3000, duration_s=10.0,
    ...                     elapsed_s=10.0, workers=1, startup_s=0.8)
    >>> render_load_test(lt, "lone").splitlines()[0]
    'Load test of lone: 300 QPS offered (Poisson) for 10 s, 1 worker'
    """
    lat = lt.latency
    who = f" of {name}" if name else ""
    plural = "s" if lt.workers != 1 else ""
    lines = [
        f"Load test{who}: {lt.offered_qps:g} QPS offered (Poisson) for {lt.duration_s:g} s, "
        f"{lt.workers} worker{plural}",
        f"  requests   {lt.requests:,} arrived, {lt.completed:,} completed"
        + (f", {lt.dropped:,} dropped" if lt.dropped else "")
        + f"; achieved {lt.achieved_qps:,.1f} QPS"
        + ("" if lt.kept_up else " (COULD NOT KEEP UP)"),
    ]
    if lat.n:
        lines.append(
            f"  latency    p50 {fmt_duration(lat.p50)}, p90 {fmt_duration(lat.p90)}, "
            f"p99 {fmt_duration(lat.p99)}, max {fmt_duration(lat.max)}"
        )
        lines.append(f"             p99 {_interval_text(lat, 99)}")
    if lt.floor is not None and lt.floor.n:
        lines.append(
            f"  floor      p50 {fmt_duration(lt.floor.p50)}, p99 {fmt_duration(lt.floor.p99)} "
            "(the harness alone: a no-op model, same rate, workers and schedule)"
        )
    lines.append(
        f"  start-up   {format_duration(lt.startup_s)} before the run clock (workers started, "
        "model loaded, 20 warm-up calls each)"
    )
    lines += [f"  {note}" for note in lt.notes]
    lines.append(
        "  Latency runs from each request's scheduled arrival to its completion as the "
        "dispatcher sees it: queueing is included (no coordinated omission); native thread "
        "pools limited to 1 per worker."
    )
    return "\n".join(lines) + "\n"
