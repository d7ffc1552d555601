"""Rendering: a comparison or a result as text, Markdown, HTML, a DataFrame, CSV, JSON.

Every function here returns a value and prints nothing; front ends decide
where it goes. The layout follows the seed's table of the two priorities:
columns are grouped under *research priority* (score, fit time, training
and bulk throughput) and *production priority* (single-request latency
percentiles with their intervals, cold start, size, budget).

Two rules hold in every format:

* a percentile with fewer samples than it needs is flagged (``†`` and a
  footnote), never shown as a plain number;
* a candidate that failed still has a row, with the phase and error type,
  and its message is shown below the table.

How the package is laid out
---------------------------
``model.py``
    The one table model. :func:`~prodbench.report.model.build_report` turns
    a comparison into a :class:`~prodbench.report.model.ComparisonReport`
    of strings (columns, rows, notes, failures, sections, footer), and
    :func:`~prodbench.report.model.result_items` does the same for one
    result. All the deciding (which cell is flagged, what a note says)
    happens here, once.
``cells.py``
    How numbers look (durations, rates, intervals, scores, ratios).
``text.py``, ``markdown.py``, ``html.py``
    One layout each, over the model; they compute nothing of their own.
``frame.py``, ``jsonfmt.py``
    The tidy DataFrame / CSV and the JSON text.

Adding a section (capacity, runtimes, sweeps, ...)
--------------------------------------------------
Write a builder ``(Comparison) -> Section | None`` that returns ``None``
when it has nothing to show, and append it to
:data:`~prodbench.report.model.SECTION_BUILDERS` where the module that owns
the data is imported (or in ``model.py``)::

    from prodbench.report.model import SECTION_BUILDERS, Section

    def _capacity_section(cmp):
        if not cmp.options.get("capacity"):
            return None
        return Section(
            "capacity", "Capacity",
            headers=("candidate", "max QPS", "workers"),
            rows=(("lone", "1.2k", "2"),),
            notes=("max QPS with p99 within the budget.",),
        )

    SECTION_BUILDERS.append(_capacity_section)

Every format then shows it below the verdict and stakeholders: text as
``Title:`` with bullets and an aligned table, Markdown as a bold title and
a table, HTML as ``<h4>`` and a table. A section that needs a layout of its
own in one format registers a function in that module's ``_SECTIONS`` dict
under its :attr:`~prodbench.report.model.Section.key`. Put the cells in
their final form (units included, via ``cells.py``) in the builder, so the
formats agree.
"""

from __future__ import annotations

from .capacity import comparison_capacity_section as _capacity_section
from .frame import FRAME_COLUMNS as _FRAME_COLUMNS  # noqa: F401 (tests read it)
from .frame import render_csv, to_frame
from .html import render_html, result_html
from .jsonfmt import render_json
from .markdown import render_markdown
from .model import SECTION_BUILDERS as _SECTION_BUILDERS
from .text import render_result, render_text

# The capacity section (shown when a comparison carries a target rate, compare --qps).
if _capacity_section not in _SECTION_BUILDERS:
    _SECTION_BUILDERS.append(_capacity_section)

__all__ = [
    "render_csv",
    "render_html",
    "render_json",
    "render_markdown",
    "render_result",
    "render_text",
    "result_html",
    "to_frame",
]
