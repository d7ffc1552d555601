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

:func:`render` is the one way in: ``render(obj, fmt)`` for a comparison, a
sweep, a capacity, a load test, a diff or one result, in every format each
offers (:data:`FORMATS`). :func:`to_json_dict` gives the JSON document
(raw data and, for a comparison, a readable ``summary``) and :func:`to_frame`
the tidy DataFrame. The convenience methods of the result types
(``str(cmp)``, ``cmp._repr_html_()``, ``sw.to_frame()``, ...) call these.

How the package is laid out
---------------------------
``types.py``
    The value types of the table model: :class:`~prodbench.report.types.Column`,
    :class:`~prodbench.report.types.Row`, :class:`~prodbench.report.types.Section`,
    :class:`~prodbench.report.types.ComparisonReport`.
``model.py``
    The one table model. :func:`~prodbench.report.model.build_report` turns
    a comparison into a :class:`~prodbench.report.types.ComparisonReport`
    of strings (columns, rows, notes, failures, sections, footer), and
    :func:`~prodbench.report.model.result_items` does the same for one
    result. All the deciding of the layout (which cell is flagged, what a
    note says) happens here, once; the sentences about the decisions
    themselves come from :class:`~prodbench.verdict.Comparison`.
``cells.py``
    How numbers look (durations, rates, intervals, scores, ratios).
``text.py``, ``markdown.py``, ``html.py``
    One layout each, over the model; they compute nothing of their own.
``frame.py``, ``jsonfmt.py``
    The tidy DataFrame / CSV and the JSON text.
``page.py``
    The report page: one self-contained HTML document (plots inlined as
    SVG) for a comparison or a sweep, :func:`render_page` / :func:`write_page`.
``sweep.py``, ``capacity.py``, ``diff.py``
    A sweep, a capacity or load test, and a diff of two runs.

Adding a section (capacity, runtimes, sweeps, ...)
--------------------------------------------------
Write a builder ``(Comparison) -> Section | None`` in ``model.py`` that
returns ``None`` when it has nothing to show, and add it to the constant
:data:`~prodbench.report.model.SECTION_BUILDERS`::

    def _capacity_section(cmp):
        if not cmp.options.get("capacity"):
            return None
        return Section(
            "capacity", "Capacity",
            headers=("candidate", "max QPS", "workers"),
            rows=(("lone", "1.2k", "2"),),
            notes=("max QPS with p99 within the budget.",),
        )

Every format then shows it below the verdict and stakeholders: text as
``Title:`` with bullets and an aligned table, Markdown as a bold title and
a table, HTML as ``<h4>`` and a table. A section that needs a layout of its
own in one format gets a function in that module's constant ``_SECTIONS``
under its :attr:`~prodbench.report.types.Section.key`. Put the cells in
their final form (units included, via ``cells.py``) in the builder, so the
formats agree.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .capacity import RENDERERS as _CAPACITY_RENDERERS
from .capacity import render_load_test
from .diff import render_diff
from .files import RENDERERS as _FILE_RENDERERS
from .frame import FRAME_COLUMNS as _FRAME_COLUMNS  # noqa: F401 (tests read it)
from .frame import render_csv
from .frame import to_frame as _comparison_frame
from .html import render_html, result_html
from .jsonfmt import render_json
from .jsonfmt import to_json_dict as _comparison_json_dict
from .markdown import render_markdown
from .page import render_page, write_page
from .sweep import RENDERERS as _SWEEP_RENDERERS
from .sweep import sweep_frame
from .text import render_result, render_text

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "FORMATS",
    "render",
    "render_csv",
    "render_html",
    "render_json",
    "render_markdown",
    "render_page",
    "render_result",
    "render_text",
    "result_html",
    "to_frame",
    "to_json_dict",
    "write_page",
]


def _to_dict(obj: Any) -> dict[str, Any]:
    return dict(obj.to_dict())


def _as_json(obj: Any) -> str:
    return json.dumps(obj.to_dict())


def _nulled(value: Any) -> Any:
    """``value`` with every NaN or infinite float replaced by None (strict JSON has neither)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _nulled(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_nulled(v) for v in value]
    return value


def _diff_json(diff: Any) -> str:
    return json.dumps(_nulled(diff.to_dict()), indent=2, allow_nan=False)


#: (result class name, format) -> renderer. ``"table"`` is the text form;
#: keyword options of :func:`render` go to the renderer (``width=``, ``cli=``
#: for a comparison, ``name=`` for a load test, ``old_path=``/``new_path=``
#: for a diff).
_RENDERERS: Mapping[tuple[str, str], Callable[..., str]] = MappingProxyType(
    {
        ("Comparison", "table"): render_text,
        ("Comparison", "markdown"): render_markdown,
        ("Comparison", "html"): render_html,
        ("Comparison", "json"): render_json,
        ("Comparison", "csv"): render_csv,
        ("Comparison", "page"): render_page,
        **{("Sweep", fmt): fn for fmt, fn in _SWEEP_RENDERERS.items()},
        ("Sweep", "page"): render_page,
        **{("Capacity", fmt): fn for fmt, fn in _CAPACITY_RENDERERS.items() if fmt != "text"},
        ("LoadTestResult", "table"): render_load_test,
        ("LoadTestResult", "json"): _as_json,
        ("RunDiff", "table"): render_diff,
        ("RunDiff", "json"): _diff_json,
        ("ModelResult", "table"): render_result,
        ("ModelResult", "html"): result_html,
        **_FILE_RENDERERS,  # the formats show offers for every saved kind
    }
)

#: Result class name -> the formats :func:`render` offers for it.
FORMATS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        kind: tuple(fmt for k, fmt in _RENDERERS if k == kind)
        for kind in dict.fromkeys(k for k, _ in _RENDERERS)
    }
)

_FRAMES: Mapping[str, Callable[[Any], pd.DataFrame]] = MappingProxyType(
    {"Comparison": _comparison_frame, "Sweep": sweep_frame}
)

_JSON_DICTS: Mapping[str, Callable[[Any], dict[str, Any]]] = MappingProxyType(
    {
        "Comparison": _comparison_json_dict,
        **{kind: _to_dict for kind in FORMATS if kind != "Comparison"},
    }
)


def _kind(obj: Any, known: Mapping[str, Any], what: str) -> str:
    for cls in type(obj).__mro__:
        if cls.__name__ in known:
            return cls.__name__
    raise TypeError(
        f"Cannot {what} a {type(obj).__name__}: pass one of {', '.join(known)} "
        "(from prodbench.compare, sweep, capacity, load_test or diff)."
    )


def render(obj: Any, fmt: str = "table", **options: Any) -> str:
    """Render a result in one format: the one dispatcher every front end uses.

    Parameters
    ----------
    obj : Comparison, Sweep, Capacity, LoadTestResult, RunDiff or ModelResult
        What to render.
    fmt : str, default "table"
        ``"table"`` (aligned text; ``"text"`` is the same) and whatever else
        :data:`FORMATS` lists for the object's class: ``"markdown"``,
        ``"html"``, ``"json"``, ``"csv"``; ``"page"`` (a comparison or a
        sweep) is a whole self-contained HTML document, :func:`render_page`.
    **options
        Passed to the renderer: ``width=`` and ``cli=`` for a comparison's
        table, ``name=`` for a load test's, ``old_path=`` and ``new_path=``
        (required) for a diff's.

    Returns
    -------
    str

    Raises
    ------
    TypeError
        ``obj`` is none of the result types above.
    ValueError
        ``fmt`` is not a format of that type.

    Examples
    --------
    >>> import prodbench as pb
    >>> from prodbench import report
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.naive_bayes import GaussianNB
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> cmp = pb.compare([GaussianNB(), DecisionTreeClassifier()], X, y,
    ...                  max_time=0.3, batch_sizes=(1,))
    >>> report.render(cmp) == str(cmp), report.render(cmp, "markdown") == cmp.to_markdown()
    (True, True)
    >>> report.render(cmp, "html").startswith("<")
    True
    >>> report.FORMATS["Comparison"]
    ('table', 'markdown', 'html', 'json', 'csv', 'page')
    """
    kind = _kind(obj, FORMATS, "render")
    key = (kind, "table" if fmt == "text" else fmt)
    if key not in _RENDERERS:
        if kind == "Capacity":  # the message render_capacity has always given
            raise ValueError(
                f"unknown capacity format {fmt!r}; use one of {', '.join(FORMATS[kind])}"
            )
        raise ValueError(
            f"unknown format {fmt!r} for a {kind}; use one of {', '.join(FORMATS[kind])}"
        )
    text = _RENDERERS[key](obj, **options)
    return _escape_controls(text) if key[1] == "table" else text


_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _escape_controls(text: str) -> str:
    """Terminal text with control characters (an ESC from a name in a file) shown repr-style.

    Newlines and tabs are layout; every other control character is written
    as ``\\x1b`` and so on, so a results file cannot clear the screen or
    recolour the terminal through a candidate name.
    """
    return _CONTROLS.sub(lambda m: repr(m.group())[1:-1], text)


def to_json_dict(obj: Any) -> dict[str, Any]:
    """The JSON document of a result: what ``to_json`` and ``--format json`` write.

    A comparison's raw data (:meth:`~prodbench.Comparison.to_dict`) gets its
    readable ``summary`` beside it (:func:`prodbench.report.jsonfmt.summary`);
    a sweep's :meth:`~prodbench.sweep_results.Sweep.to_dict` carries its own;
    other results are their ``to_dict()``.

    Parameters
    ----------
    obj : Comparison, Sweep, Capacity, LoadTestResult, RunDiff or ModelResult
        What to convert.

    Returns
    -------
    dict
        JSON-ready (plain numbers, lists and strings).

    Raises
    ------
    TypeError
        ``obj`` is none of the result types above.

    Examples
    --------
    >>> import prodbench as pb
    >>> from prodbench import report
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.naive_bayes import GaussianNB
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> cmp = pb.compare([GaussianNB(), DecisionTreeClassifier()], X, y,
    ...                  max_time=0.3, batch_sizes=(1,))
    >>> data = report.to_json_dict(cmp)
    >>> "summary" in data and "results" in data
    True
    """
    return _JSON_DICTS[_kind(obj, _JSON_DICTS, "convert to JSON")](obj)


def to_frame(obj: Any) -> pd.DataFrame:
    """The tidy DataFrame of a comparison (one row per candidate) or a sweep (per case, too).

    Parameters
    ----------
    obj : Comparison or Sweep
        What to tabulate.

    Returns
    -------
    pandas.DataFrame
        Columns with units in their names (``p99_s``, ``size_bytes``).

    Raises
    ------
    TypeError
        ``obj`` is neither.

    Examples
    --------
    >>> import prodbench as pb
    >>> from prodbench import report
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.naive_bayes import GaussianNB
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> cmp = pb.compare([GaussianNB(), DecisionTreeClassifier()], X, y,
    ...                  max_time=0.3, batch_sizes=(1,))
    >>> report.to_frame(cmp).shape[0]
    2
    """
    return _FRAMES[_kind(obj, _FRAMES, "tabulate")](obj)
