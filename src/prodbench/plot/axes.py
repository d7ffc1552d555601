"""Axes that can be read off: labelled log ticks, legends that cover no data, lanes.

The helpers every panel of :mod:`prodbench.plot` shares. A log axis labels at
least :data:`LABELS_PER_DECADE` ticks a decade with their units; a legend sits
under its axes; marks that must not cover data (an interval's open side, a
max QPS) get strips of their own beyond the data. matplotlib is imported
inside the functions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "LABELS_PER_DECADE",
    "eng",
    "labelled_mantissas",
    "lanes",
    "legend_below",
    "log_axis",
    "ms",
    "plain",
    "points",
    "rate",
    "widen_log_limits",
]

_LANE = 0.045  # height of one strip reserved for open-interval or max-QPS marks (axes fraction)
_MIN_LABELS = 4  # a log axis shows at least this many labels, however narrow
_MIN_RATIO = 5.0  # and spans at least this factor, so that they fit (2, 3, 4, 5 ms)
_MARGIN = 0.03  # between the data and the axes' edge (axes fraction)


def plain(value: float) -> str:
    """``0.05``, ``2``, ``1,000``: never ``1e+03``.

    Parameters
    ----------
    value : float

    Returns
    -------
    str

    Examples
    --------
    >>> plain(0.05), plain(2.0), plain(1000.0)
    ('0.05', '2', '1,000')
    """
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def ms(value: float) -> str:
    """A tick label in milliseconds: ``0.2 ms``, ``5 ms``, ``1,000 ms``.

    Parameters
    ----------
    value : float
        Milliseconds.

    Returns
    -------
    str

    Examples
    --------
    >>> ms(0.2), ms(25.0)
    ('0.2 ms', '25 ms')
    """
    return f"{plain(value)} ms"


def eng(value: float) -> str:
    """``200``, ``5k``, ``2M``: an engineering-style count.

    Parameters
    ----------
    value : float

    Returns
    -------
    str

    Examples
    --------
    >>> eng(200), eng(5000), eng(2e6)
    ('200', '5k', '2M')
    """
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= div:
            return f"{value / div:.3g}{suffix}"
    return f"{value:.3g}"


def rate(value: float) -> str:
    """A tick label in rows per second: ``20k/s``.

    Parameters
    ----------
    value : float
        Rows per second.

    Returns
    -------
    str

    Examples
    --------
    >>> rate(20_000)
    '20k/s'
    """
    return f"{eng(value)}/s"


# Mantissas labelled on a log axis, sparsest first: the first set that gives at
# least LABELS_PER_DECADE labels per decade of the visible span is used.
_MANTISSAS: tuple[tuple[int, ...], ...] = (
    (1, 2, 5),
    (1, 2, 3, 5),
    (1, 2, 3, 4, 5, 6, 8),
    (1, 2, 3, 4, 5, 6, 7, 8, 9),
)
LABELS_PER_DECADE = 3
"""Every log axis labels at least this many ticks per decade it spans."""


def mantissa(value: float) -> int:
    """The leading digit of a tick at ``m x 10^k``.

    Parameters
    ----------
    value : float
        A positive tick location.

    Returns
    -------
    int

    Examples
    --------
    >>> mantissa(0.5), mantissa(2000.0)
    (5, 2)
    """
    return round(value / 10.0 ** math.floor(math.log10(value) + 1e-9))


def labels_wanted(span: float) -> int:
    """Labels a log axis spanning ``span`` decades shows: three a decade (partial decades
    at the ends rounded down), and never fewer than four.

    Parameters
    ----------
    span : float
        Decades in view.

    Returns
    -------
    int

    Examples
    --------
    >>> labels_wanted(0.5), labels_wanted(2.4)
    (4, 7)
    """
    return max(_MIN_LABELS, math.floor(LABELS_PER_DECADE * span + 1e-9))


def labelled_mantissas(low: float, high: float) -> tuple[int, ...]:
    """The sparsest mantissa set that labels >= 3 ticks per decade of ``[low, high]``.

    Parameters
    ----------
    low, high : float
        The view interval.

    Returns
    -------
    tuple of int

    Examples
    --------
    >>> labelled_mantissas(0.1, 100.0), labelled_mantissas(2.0, 9.0)
    ((1, 2, 5), (1, 2, 3, 4, 5, 6, 8))
    """
    if low <= 0 or high <= low:
        return _MANTISSAS[-1]
    span = math.log10(high / low)
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    for subs in _MANTISSAS:
        count = sum(
            1
            for k in range(first, last + 1)
            for m in subs
            if low * (1 - 1e-9) <= m * 10.0**k <= high * (1 + 1e-9)
        )
        if count >= labels_wanted(span):
            return subs
    return _MANTISSAS[-1]


def log_axis(axis: Any, fmt: Any) -> None:
    """Ticks at 1-9 x 10^k on a log axis, labelled (with ``fmt``) at 1, 2, 5 or denser.

    The labels are chosen from the visible span when the figure is drawn, so a
    zoomed or narrow axis still shows at least three labels per decade.

    Parameters
    ----------
    axis : matplotlib.axis.Axis
        A log-scaled axis (``ax.yaxis``).
    fmt : callable
        Tick value to label text (:func:`ms`, :func:`rate`, :func:`plain`).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> _ = ax.plot([1, 2], [0.3, 30.0])
    >>> ax.set_yscale("log")
    >>> log_axis(ax.yaxis, ms)
    >>> ax.figure.canvas.draw()
    >>> "2 ms" in [t.get_text() for t in ax.yaxis.get_ticklabels(minor=True)]
    True
    """
    from matplotlib import ticker

    def label(value: float, _pos: Any) -> str:
        low, high = sorted(axis.get_view_interval())
        if value <= 0 or not low * (1 - 1e-9) <= value <= high * (1 + 1e-9):
            return ""
        return fmt(value) if mantissa(value) in labelled_mantissas(low, high) else ""

    axis.set_major_locator(ticker.LogLocator(base=10.0, subs=(1.0,), numticks=40))
    axis.set_minor_locator(ticker.LogLocator(base=10.0, subs=tuple(range(2, 10)), numticks=40))
    axis.set_major_formatter(ticker.FuncFormatter(label))
    axis.set_minor_formatter(ticker.FuncFormatter(label))
    axis.set_tick_params(which="minor", labelsize="small")


def widen_log_limits(ax: Axes, which: str, factor: float = _MIN_RATIO) -> None:
    """Widen a log axis around its centre to span at least ``factor`` (a readable range).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    which : {"x", "y"}
    factor : float, default 5
        The smallest ratio of the upper limit to the lower.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> ax.set_xscale("log")
    >>> _ = ax.set_xlim(3.0, 3.3)
    >>> widen_log_limits(ax, "x")
    >>> low, high = ax.get_xlim()
    >>> round(float(high / low), 6)
    5.0
    """
    get, set_ = (ax.get_xlim, ax.set_xlim) if which == "x" else (ax.get_ylim, ax.set_ylim)
    low, high = get()
    if low > 0 and high / low < factor:
        centre = math.sqrt(low * high)
        set_(centre / math.sqrt(factor), centre * math.sqrt(factor))


def points(size: Any) -> float:
    """A font size (``"small"``, ``10``) in points.

    Parameters
    ----------
    size : str or float

    Returns
    -------
    float

    Examples
    --------
    >>> points(12)
    12.0
    """
    from matplotlib.font_manager import FontProperties

    return float(FontProperties(size=size).get_size_in_points())


def legend_below(ax: Axes, handles: Sequence[Any], labels: Sequence[str]) -> None:
    """The legend under the axes (below the x label): it covers no data.

    A constrained-layout figure (the figures made here) makes room for it; in
    your own axes, save with ``bbox_inches="tight"``.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    handles : sequence of artists
    labels : sequence of str

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> line, = ax.plot([1, 2], [1, 2], label="a")
    >>> legend_below(ax, [line], ["a"])
    >>> ax.get_legend().get_texts()[0].get_text()
    'a'
    """
    import matplotlib as mpl
    from matplotlib.transforms import offset_copy

    if not handles:
        return
    rc = mpl.rcParams
    below = (
        rc["xtick.major.size"] + rc["xtick.major.pad"] + points(rc["xtick.labelsize"])
        + rc["axes.labelpad"] + 1.25 * points(rc["axes.labelsize"]) + 6.0
    )  # fmt: skip
    fig = ax.get_figure(root=True)
    ax.legend(
        handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0),
        bbox_transform=offset_copy(ax.transAxes, fig=fig, y=-below, units="points"),
        ncols=1 if len(labels) <= 3 else 2, fontsize="small", frameon=False,
    )  # fmt: skip


def lanes(
    ax: Axes, data_low: float, data_high: float, n_top: int, n_bottom: int = 0
) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """Reserve strips above (and below) the data on a log y axis; return their y ranges.

    The y limits are set so that every value in ``[data_low, data_high]`` lies
    between the strips: what is drawn in a strip covers no data. Each strip is
    ``_LANE`` of the axes' height; lane 0 is the one at the edge.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Log-scaled in y.
    data_low, data_high : float
        The data's extent in y.
    n_top, n_bottom : int
        Strips wanted above and below the data.

    Returns
    -------
    (list of (float, float), list of (float, float))
        Each strip's lower and upper y, top strips first from the edge.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> ax.set_yscale("log")
    >>> tops, bottoms = lanes(ax, 1.0, 100.0, n_top=2)
    >>> all(low > 100.0 for low, _ in tops), bottoms
    (True, [])
    """
    lo, hi = math.log10(data_low), math.log10(max(data_high, data_low * 1.0001))
    span = max(hi - lo, math.log10(_MIN_RATIO))
    mid = (lo + hi) / 2.0
    lo, hi = mid - span / 2.0, mid + span / 2.0
    top_free = _MARGIN * (2 if n_top else 1) + n_top * _LANE
    bottom_free = _MARGIN * (2 if n_bottom else 1) + n_bottom * _LANE
    total = span / (1.0 - top_free - bottom_free)
    bottom = lo - bottom_free * total
    ax.set_ylim(10.0**bottom, 10.0 ** (bottom + total))

    def at(fraction: float) -> float:
        return float(10.0 ** (bottom + fraction * total))

    gap = 0.15 * _LANE
    edge = 1.0 - _MARGIN  # lane 0 keeps a margin from the axes' edge too
    tops = [(at(edge - (i + 1) * _LANE + gap), at(edge - i * _LANE - gap)) for i in range(n_top)]
    bottoms = [
        (at(_MARGIN + i * _LANE + gap), at(_MARGIN + (i + 1) * _LANE - gap))
        for i in range(n_bottom)
    ]
    # A faint shade sets the strips apart from the data: their height is not a value.
    if n_top:
        ax.axhspan(at(1.0 - top_free + _MARGIN / 2), at(1.0), color="0.5", alpha=0.06, lw=0)
    if n_bottom:
        ax.axhspan(at(0.0), at(bottom_free - _MARGIN / 2), color="0.5", alpha=0.06, lw=0)
    return tops, bottoms
