"""A capacity or a load test on its own: ``prodbench capacity`` and ``prodbench load-test``.

The capacity section itself (max QPS per worker count, and the workers a
target rate needs) is built by :func:`~prodbench.report.model.capacity_section`
with the other sections of the table model, and shown below a comparison
that carries a target rate (``compare --qps``); :func:`render_capacity`
lays it out alone in each format, :func:`render_load_test` a load test.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from .html import render_section as html_section
from .loadtest import render_load_test
from .markdown import render_section as markdown_section
from .model import capacity_section, comparison_capacity_section
from .text import render_section as text_section

if TYPE_CHECKING:
    from ..serving_results import Capacity

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
