"""A capacity or a load test on its own: ``prodbench capacity`` and ``prodbench load-test``.

The capacity section itself (max QPS per worker count, and the workers a
target rate needs) is built by :func:`~prodbench.report.model.capacity_section`
with the other sections of the table model, and shown below a comparison
that carries a target rate (``compare --qps``); :func:`render_capacity`
lays it out alone in each format, :func:`render_load_test` a load test.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from ..units import format_duration
from .cells import fmt_duration
from .html import render_section as html_section
from .markdown import render_section as markdown_section
from .model import capacity_section, comparison_capacity_section
from .text import render_section as text_section

if TYPE_CHECKING:
    from ..serving_results import Capacity, LoadLatency, LoadTestResult

__all__ = [
    "CAPACITY_FORMATS",
    "RENDERERS",
    "capacity_section",
    "comparison_capacity_section",
    "render_capacity",
    "render_load_test",
]

CAPACITY_FORMATS = ("table", "markdown", "html", "json")


def _capacity_json(cap: Capacity) -> str:
    return json.dumps(cap.to_dict(), allow_nan=True)


def _capacity_markdown(cap: Capacity) -> str:
    return "\n".join(markdown_section(capacity_section(cap))).strip("\n") + "\n"


def _capacity_html(cap: Capacity) -> str:
    return "<div class='prodbench'>" + "\n".join(html_section(capacity_section(cap))) + "</div>"


def _capacity_text(cap: Capacity) -> str:
    return "\n".join(text_section(capacity_section(cap))).strip("\n") + "\n"


#: A capacity's formats (``"text"`` is ``"table"``) -> renderer.
RENDERERS: Mapping[str, Callable[[Capacity], str]] = MappingProxyType(
    {
        "table": _capacity_text,
        "text": _capacity_text,
        "markdown": _capacity_markdown,
        "html": _capacity_html,
        "json": _capacity_json,
    }
)


def render_capacity(cap: Capacity, fmt: str = "table") -> str:
    """A capacity on its own: ``"table"`` (text), ``"markdown"``, ``"html"`` or ``"json"``.

    Examples
    --------
    >>> from prodbench.serving_results import Capacity, CandidateCapacity, MaxQPS
    >>> m = MaxQPS(1, 1234.0, 1100.0, 1300.0, 0.0005, 5000, {"p99": 0.005})
    >>> cap = Capacity({"p99": 0.005}, (1,), {"lone": CandidateCapacity("lone", {1: m})})
    >>> render_capacity(cap).splitlines()[0]
    'Capacity within p99 < 5 ms:'
    """
    render = RENDERERS.get(fmt)
    if render is None:
        raise ValueError(
            f"unknown capacity format {fmt!r}; use one of {', '.join(CAPACITY_FORMATS)}"
        )
    return render(cap)


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
