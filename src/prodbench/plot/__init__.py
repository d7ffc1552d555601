"""Matplotlib figures for a :class:`~prodbench.verdict.Comparison` or one result.

Three panels answer the seed's question at a glance:

``"spectrum"``
    Single-request latency at every percentile (the production priority),
    on HdrHistogram's ``1/(1-p)`` axis so the tail gets the room it deserves,
    with the 95% order-statistic interval as a band and the budget limits as
    horizontal lines.
``"tradeoff"``
    Score against p99 latency, one point per candidate with 95% interval
    whiskers, the Pareto front, the p99 budget and the research and
    production picks.
``"throughput"``
    Bulk prediction throughput (the research priority) against batch size.
``"load"`` (only when asked for: it simulates for a few seconds)
    p50 and p99 against offered requests per second, simulated from the
    measured latencies, with each candidate's max QPS within a budget.
``"cost"`` (only when asked for: it simulates)
    Dollars per million predictions against traffic, counting the workers
    each rate needs within the budget, idle ones included (:mod:`.cost`).

Every panel is meant to be read off: each log axis labels at least three
ticks a decade (1, 2 and 5, or denser on a narrow axis) with their units
("2 ms", "50k/s"); legends sit under the panel, where they cover no data;
an interval with an open side and the max-QPS figures are drawn in strips of
their own beyond the data; every marker is in the legend; colours are
Okabe & Ito's colour-blind-safe palette (:data:`OKABE_ITO`).

matplotlib is the optional ``plot`` extra: it is imported inside the
functions, and a clear :class:`~prodbench.errors.MissingDependencyError`
is raised when it is missing.

Figures are created with pyplot (so notebooks display them) and then
released from pyplot's registry, so a notebook shows each figure once and a
loop that plots many comparisons does not leak memory. Save one with
``fig.savefig("out.png")``; to draw into your own figure, pass ``ax=``.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..budget import Budget, percentile_of, percentile_value
from ..errors import MissingDependencyError, SpecError
from ..results import LatencyResult, ModelResult
from ..units import format_duration
from ..verdict import Comparison
from .axes import lanes as _lanes
from .axes import legend_below as _legend_below
from .axes import log_axis as _log_axis
from .axes import ms as _ms
from .axes import plain as _plain
from .axes import points as _points
from .axes import rate as _rate
from .axes import widen_log_limits as _widen_log_limits

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..sweep_results import Sweep

__all__ = ["KINDS", "OKABE_ITO", "plot_comparison", "plot_result", "plot_sweep"]

KINDS: tuple[str, ...] = ("spectrum", "tradeoff", "throughput")
"""The panels :func:`plot_comparison` draws in the full figure, in order."""

EXTRA_KINDS: tuple[str, ...] = ("load", "cost")
"""Panels drawn only when asked for: ``"load"`` and ``"cost"`` simulate, so take a few seconds."""

OKABE_ITO: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow (last: weak on white)
)
"""Okabe & Ito's colour-blind-safe palette, in the order candidates get colours."""

_TITLES = {
    "spectrum": "Single-request latency by percentile",
    "tradeoff": "Score vs p99 latency",
    "throughput": "Bulk prediction throughput",
    "load": "Latency under load (simulated from the measured latencies)",
}
_BUDGET_COLOR = "0.15"
_FRONT_COLOR = "0.45"
_CONFIDENCE = 0.95
_N_POINTS = 160


def _pyplot() -> Any:
    """Import pyplot, or explain how to install the ``plot`` extra."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise MissingDependencyError(
            "Plotting needs matplotlib, which is not installed. "
            'Install it with: pip install "prodbench[plot]"'
        ) from exc
    return plt


def _new_figure(ncols: int, figsize: tuple[float, float] | None) -> tuple[Figure, list[Axes]]:
    plt = _pyplot()
    if figsize is None:
        figsize = (6.4 * ncols, 5.6) if ncols > 1 else (7.0, 5.6)
    fig = plt.figure(figsize=figsize, layout="constrained")
    axes = list(fig.subplots(1, ncols, squeeze=False)[0])
    # Keep the figure, drop pyplot's reference: shown once in notebooks, no leak in loops.
    plt.close(fig)
    return fig, axes


def _colors(names: Sequence[str]) -> dict[str, str]:
    return {n: OKABE_ITO[i % len(OKABE_ITO)] for i, n in enumerate(names)}


def _x_of(q: float | np.ndarray) -> Any:
    """Percentile (0-100) -> HdrHistogram's ``1/(1-p)`` coordinate."""
    return 1.0 / (1.0 - np.asarray(q, dtype=float) / 100.0)


def _last_well_sampled(latency: LatencyResult) -> float:
    """The highest percentile that is not under-sampled (0.0 when none is)."""
    lo, hi = 0.0, math.log(max(latency.n, 2))  # bisect on log(1/(1-p))
    if latency.undersampled(100.0 * (1.0 - math.exp(-1e-6))):
        return 0.0
    for _ in range(40):
        mid = (lo + hi) / 2.0
        if latency.undersampled(100.0 * (1.0 - math.exp(-mid))):
            hi = mid
        else:
            lo = mid
    return 100.0 * (1.0 - math.exp(-lo))


def _spectrum(latency: LatencyResult) -> tuple[np.ndarray, ...]:
    """x coordinates, percentile values, 95% bounds (in ms) and where each bound is open.

    An open side (no order statistic bounds it) is held at the sample's min or
    max here; :func:`_draw_open_bands` later carries it to the plot's edge.
    """
    top = max(latency.n, 2)
    xs = np.geomspace(_x_of(0.1), top, _N_POINTS)
    qs = np.minimum(100.0 * (1.0 - 1.0 / xs), 100.0 * (1.0 - 1.0 / top))
    lowest, highest = latency.min * 1e3, latency.max * 1e3
    values = np.array([latency.percentile(q) for q in qs]) * 1e3
    bounds = np.array([latency.interval(q, _CONFIDENCE) for q in qs]) * 1e3
    open_low, open_high = ~np.isfinite(bounds[:, 0]), ~np.isfinite(bounds[:, 1])
    low = np.where(open_low, lowest, bounds[:, 0])
    high = np.where(open_high, highest, bounds[:, 1])
    return xs, values, low, high, open_low, open_high


def _draw_open_bands(
    ax: Axes, bands: Sequence[tuple[Any, ...]], extent: tuple[float, float]
) -> None:
    """Mark every open side of an interval band in its own strip beyond the data.

    Where too few samples bound a percentile, its 95% interval has no upper
    (or lower) end: the band is held at the slowest (fastest) sample there,
    and a hatched strip in the candidate's colour over those percentiles, in a
    lane of its own above (below) every candidate's data, says that the
    interval goes on past the plot's edge. Lanes never overlap one another or
    the data, however many candidates there are.
    """
    right = ax.get_xlim()[1]

    def visible(xs: np.ndarray, mask: np.ndarray) -> bool:
        # at least 1% of the axis' width: an open side only below 0.5% is not drawable
        return bool(mask.any()) and math.log(xs[mask].max() / xs[mask].min()) > 0.01 * math.log(
            right
        )

    tops = [b for b in bands if visible(b[2], b[6])]
    bottoms = [b for b in bands if visible(b[2], b[5])]
    top_lanes, bottom_lanes = _lanes(ax, *extent, len(tops), len(bottoms))
    for lanes, side, which in ((top_lanes, tops, 6), (bottom_lanes, bottoms, 5)):
        for (y0, y1), band in zip(lanes, side, strict=True):
            name, color, xs = band[:3]
            ax.fill_between(
                xs, y0, y1, where=band[which], color=color, alpha=0.25, linewidth=0.8,
                hatch="////", edgecolor=color, gid=f"open:{name}",
            )  # fmt: skip


def _percent_label(x: float) -> str:
    q = 100.0 * (1.0 - 1.0 / x)
    return f"{q:.10g}%"


def _draw_budget_levels(
    ax: Axes, budget: Budget | None
) -> tuple[list[tuple[Any, str]], list[float]]:
    """The budget's percentile limits as dotted lines, a triangle at their percentile.

    Returns their legend entries and the levels (ms), which the y range keeps in view.
    """
    from matplotlib.lines import Line2D

    budget_handles: list[tuple[Any, str]] = []
    levels: list[float] = []
    if budget is None:
        return budget_handles, levels
    for key, limit in budget.limits.items():
        if percentile_of(key) is None:
            continue
        ms = limit * 1e3
        levels.append(ms)
        ax.axhline(ms, color=_BUDGET_COLOR, ls=":", lw=1.2, gid=f"budget:{key}")
        ax.plot(
            [_x_of(percentile_value(key))], [ms], marker="v", ls="none",
            color=_BUDGET_COLOR, label=f"_{key} budget marker", gid=f"budget-marker:{key}",
        )  # fmt: skip
        budget_handles.append((
            Line2D([], [], color=_BUDGET_COLOR, ls=":", lw=1.2, marker="v"),
            f"{key} budget {format_duration(limit, trim=True)} (triangle: at {key})",
        ))  # fmt: skip
    return budget_handles, levels


def _draw_spectrum(
    ax: Axes,
    entries: Sequence[tuple[str, LatencyResult, str]],
    budget: Budget | None,
    title: str,
) -> None:
    from matplotlib import ticker
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    top_x = 10.0
    any_undersampled = False
    open_bands: list[tuple[Any, ...]] = []
    lows: list[float] = []
    highs: list[float] = []
    for name, latency, color in entries:
        if latency.n < 2:
            continue
        xs, values, low, high, open_low, open_high = _spectrum(latency)
        if open_low.any() or open_high.any():
            open_bands.append((name, color, xs, low, high, open_low, open_high))
        top_x = max(top_x, float(xs[-1]))
        lows.append(float(min(low.min(), values.min())))
        highs.append(float(max(high.max(), values.max())))
        x_ok = float(_x_of(_last_well_sampled(latency)))
        # The well-sampled piece is solid, the rest dashed; they share one point.
        cut = int(np.searchsorted(xs, x_ok, side="right"))
        solid = slice(0, min(cut + 1, xs.size)) if cut > 0 else slice(0, 0)
        dashed = slice(max(cut, 1) - 1, xs.size) if cut < xs.size else slice(0, 0)
        ax.fill_between(
            xs[solid], low[solid], high[solid], color=color, alpha=0.22, linewidth=0,
            label=f"_{name} 95% CI",
        )  # fmt: skip
        ax.fill_between(
            xs[dashed], low[dashed], high[dashed], color=color, alpha=0.08, linewidth=0,
            label=f"_{name} 95% CI (under-sampled)",
        )  # fmt: skip
        if solid.stop > 0:
            ax.plot(xs[solid], values[solid], color=color, lw=2, label=name)
        if dashed.stop > dashed.start:
            any_undersampled = True
            ax.plot(
                xs[dashed],
                values[dashed],
                color=color,
                lw=1.5,
                ls="--",
                label=f"_{name} (under-sampled)" if solid.stop > 0 else name,
            )

    budget_handles, levels = _draw_budget_levels(ax, budget)

    ax.set_xscale("log")
    ax.set_yscale("log")
    right = max(top_x, 1000.0) * 1.3  # always show 99.9%: an empty tail says "not measured"
    ax.set_xlim(1.0, right)
    ticks = [m * 10.0**k for k in range(9) for m in (2.0, 5.0, 10.0) if m * 10.0**k <= right]
    ax.xaxis.set_major_locator(ticker.FixedLocator(ticks))
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda x, _: _percent_label(x)))
    ax.xaxis.set_minor_locator(ticker.NullLocator())
    _log_axis(ax.yaxis, _ms)
    ax.set_xlabel("percentile of requests (axis: 1/(1 - p), log)")
    ax.set_ylabel("latency per one-row predict (ms, log)")
    ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    ax.grid(True, which="minor", axis="y", alpha=0.12)

    if lows:
        extent = (min(lows + levels), max(highs + levels))
        _draw_open_bands(ax, open_bands, extent)

    handles, labels = ax.get_legend_handles_labels()
    for handle, label in budget_handles:
        handles.append(handle)
        labels.append(label)
    if entries:
        handles.append(Patch(color="0.5", alpha=0.3, linewidth=0))
        labels.append(f"{_CONFIDENCE:.0%} CI")
    if open_bands:
        handles.append(Patch(facecolor="white", edgecolor="0.4", hatch="////", linewidth=0.8))
        labels.append("CI open past the edge over these percentiles (too few samples)")
    if any_undersampled:
        handles.append(Line2D([], [], color="0.3", ls="--", lw=1.5))
        labels.append("under-sampled (too few samples)")
    _legend_below(ax, handles, labels)


def _clip(value: float, fallback: float) -> float:
    return value if math.isfinite(value) else fallback


def _draw_tradeoff(ax: Axes, cmp: Comparison, colors: dict[str, str]) -> None:
    measured = cmp.measured
    res = cmp.results
    base = cmp.baseline if cmp.baseline in res else None
    score_name = res[measured[0]].score.name if measured else "score"
    points: dict[str, tuple[float, float]] = {}
    hollow = False
    for name in measured:
        r = res[name]
        lat = r.latency
        x = lat.p99 * 1e3
        lo, hi = lat.interval(99, _CONFIDENCE)
        # an open side gets no whisker, but an arrow (below)
        x_lo, x_hi = _clip(lo * 1e3, x), _clip(hi * 1e3, x)
        y = r.score.value
        yerr: Any = None
        if base is not None and name != base:
            d_lo, d_hi = cmp.versus(name).score_diff_interval
            y0 = res[base].score.value
            yerr = [[max(y - (y0 + d_lo), 0.0)], [max(y0 + d_hi - y, 0.0)]]
        under = lat.undersampled(99)
        hollow = hollow or under
        for bound, edge in ((hi, 1.0), (lo, 0.0)):
            if not math.isfinite(bound):  # an open side: an arrow to the plot's edge
                ax.annotate(
                    "", xy=(edge, y), xycoords=("axes fraction", "data"), xytext=(x, y),
                    textcoords="data", gid=f"open:{name}",
                    arrowprops={"arrowstyle": "->", "color": colors[name], "lw": 1.0,
                                "ls": "--", "shrinkA": 5, "shrinkB": 0, "alpha": 0.7},
                    zorder=1,
                )  # fmt: skip
        ax.errorbar(
            [x], [y],
            xerr=[[max(x - x_lo, 0.0)], [max(x_hi - x, 0.0)]],
            yerr=yerr,
            fmt="s" if name == base else "o",
            markersize=8,
            color=colors[name],
            markerfacecolor="white" if under else colors[name],
            capsize=3,
            label=name,
        )  # fmt: skip
        points[name] = (x, y)

    front = sorted((points[n] for n in cmp.pareto if n in points), key=lambda p: p[0])
    if len(front) > 1:
        ax.step(
            [p[0] for p in front], [p[1] for p in front], where="post",
            color=_FRONT_COLOR, lw=1.2, zorder=1, label="Pareto front",
        )  # fmt: skip

    if cmp.budget is not None and cmp.budget.p99 is not None:
        ax.axvline(
            cmp.budget.p99 * 1e3, color=_BUDGET_COLOR, ls=":", lw=1.2, gid="budget:p99",
            label=f"p99 budget {format_duration(cmp.budget.p99, trim=True)}",
        )  # fmt: skip

    _annotate_picks(ax, cmp, points)
    title = _TITLES["tradeoff"]
    if points and cmp.budget and cmp.production_pick is None:
        # The decision layer's sentence, above the panel: it covers no point.
        lines = textwrap.wrap(cmp.production_decision.sentence, 64)
        ax.text(
            0.5, 1.02, "\n".join(lines), transform=ax.transAxes, ha="center", va="bottom",
            fontsize="small", color="0.2", gid="no-production-pick",
            bbox={"fc": "white", "ec": "0.7", "alpha": 0.9, "pad": 2},
        )  # fmt: skip
        ax.set_title(title, pad=10 + 1.25 * _points("small") * len(lines))
    else:
        ax.set_title(title)
    ax.set_xscale("log")
    ax.margins(x=0.25, y=0.2)
    if points:
        ax.autoscale_view()
        _widen_log_limits(ax, "x")
    _log_axis(ax.xaxis, _ms)
    ax.set_xlabel("p99 latency (ms, log)")
    whiskers = "95% CI of the gain over the baseline" if base is not None else "no baseline"
    ax.set_ylabel(f"{score_name} on test rows\n(whiskers: {whiskers})")
    ax.grid(True, which="major", alpha=0.3)
    ax.grid(True, which="minor", axis="x", alpha=0.12)
    if points:
        from matplotlib.lines import Line2D

        handles, labels = ax.get_legend_handles_labels()
        if base is not None:
            handles.append(Line2D([], [], marker="s", color="0.3", ls="none"))
            labels.append("square: baseline")
        if hollow:
            handles.append(
                Line2D([], [], marker="o", color="0.3", markerfacecolor="white", ls="none")
            )
            labels.append("hollow: p99 under-sampled")
        if any(t.get_gid() == f"open:{n}" for t in ax.texts for n in points):
            handles.append(Line2D([], [], color="0.3", ls="--", lw=1.2, marker=">", ms=4))
            labels.append("dashed arrow: p99 CI open to the edge (too few samples)")
        _legend_below(ax, handles, labels)


def _annotate_picks(ax: Axes, cmp: Comparison, points: dict[str, tuple[float, float]]) -> None:
    picks: dict[str, list[str]] = {}
    for role, name in (
        ("research pick", cmp.research_pick),
        ("production pick", cmp.production_pick),
    ):
        if name is not None and name in points:
            picks.setdefault(name, []).append(role)
    if not points:
        return
    slowest = max(points.values(), key=lambda p: p[0])[0]
    best = max(points.values(), key=lambda p: p[1])[1]
    for name, roles in picks.items():
        x, y = points[name]
        dx = -12 if x >= slowest and len(points) > 1 else 12
        dy = -30 if y >= best else 26
        ax.annotate(
            " & ".join(roles),
            xy=(x, y),
            xytext=(dx, dy),
            textcoords="offset points",
            ha="right" if dx < 0 else "left",
            va="center",
            fontsize="small",
            arrowprops={"arrowstyle": "->", "color": "0.25", "lw": 0.8},
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "0.6", "alpha": 0.9},
            gid=f"pick:{name}",
        )


def _draw_throughput(ax: Axes, cmp: Comparison, colors: dict[str, str]) -> None:
    for name in cmp.measured:
        batches = sorted(cmp.results[name].throughput.batches, key=lambda b: b.batch_size)
        ax.plot(
            [b.batch_size for b in batches],
            [b.rows_per_second for b in batches],
            marker="o",
            lw=2,
            color=colors[name],
            label=name,
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.margins(x=0.08, y=0.12)
    if cmp.measured:
        ax.autoscale_view()
        _widen_log_limits(ax, "x")
        _widen_log_limits(ax, "y")
    _log_axis(ax.xaxis, _plain)
    _log_axis(ax.yaxis, _rate)
    ax.set_xlabel("batch size (rows per predict call, log)")
    ax.set_ylabel("bulk throughput (rows/s, log)")
    ax.set_title(_TITLES["throughput"])
    ax.grid(True, which="major", alpha=0.3)
    ax.grid(True, which="minor", alpha=0.12)
    if cmp.measured:
        handles, labels = ax.get_legend_handles_labels()
        _legend_below(ax, handles, labels)


def _draw_load(
    ax: Axes, cmp: Comparison, colors: dict[str, str], workers: int, budget: Budget | None
) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.transforms import blended_transform_factory

    from ..serving import load_curve, percentile_limits

    chosen = cmp.budget if budget is None else budget
    limits = (
        percentile_limits(chosen)
        if chosen is not None and any(percentile_of(k) is not None for k in chosen.limits)
        else {}
    )
    if budget is not None and not limits:
        raise SpecError(
            f"plot(kind='load', budget={str(budget)!r}) needs a percentile limit to find the "
            "max QPS within: pass e.g. budget='p99=5ms' (p50, p90, p99 or p999)."
        )
    cap = cmp.capacity(budget=chosen, workers=(workers,), qps=None) if limits else None
    values: list[float] = [v * 1e3 for v in limits.values()]
    for name in cmp.measured:
        qps, p50, p99 = load_curve(cmp.results[name].latency, workers)
        color = colors[name]
        ax.plot(qps, p99 * 1e3, lw=2, color=color, label=f"{name} p99")
        ax.plot(qps, p50 * 1e3, lw=1.2, ls="--", color=color, label=f"{name} p50")
        values.extend(float(v) for v in (p50.min() * 1e3, p99.max() * 1e3) if v > 0)
    ax.set_yscale("log")
    maxima = []
    if cap is not None:
        maxima = [(n, cap[n][workers]) for n in cmp.measured if cap[n][workers].qps > 0]
    if values:
        (lanes, _) = _lanes(ax, min(values), max(values), len(maxima))
    else:
        lanes = []
    ax.margins(x=0.04)
    level = min(limits.values()) * 1e3 if limits else 0.0  # maxima are empty without limits
    right = ax.get_xlim()[1]
    for (y0, y1), (name, m) in zip(lanes, maxima, strict=True):
        color = colors[name]
        y = math.sqrt(y0 * y1)
        # From the budget line up to the candidate's own strip above the data, where
        # the max QPS, its 95% interval and its figure sit without covering a curve.
        ax.plot([m.qps, m.qps], [level, y], color=color, ls=":", lw=1, label=f"_{name} max")
        ax.errorbar(
            [m.qps], [y], xerr=[[max(m.qps - m.qps_low, 0.0)], [max(m.qps_high - m.qps, 0.0)]],
            fmt="D", ms=5, color=color, capsize=2, lw=1, label=f"_{name} max QPS",
        )  # fmt: skip
        left = m.qps_high < 0.7 * right
        ax.annotate(
            f"max {m.qps:,.0f} QPS", xy=(m.qps_high if left else m.qps_low, y),
            xytext=(5 if left else -5, 0), textcoords="offset points",
            ha="left" if left else "right", va="center", fontsize="small", color=color,
            gid=f"max-qps-{name}",
        )  # fmt: skip
    trans = blended_transform_factory(ax.transAxes, ax.transData)
    for key, limit in limits.items():
        ax.axhline(limit * 1e3, color=_BUDGET_COLOR, ls=(0, (2, 2)), lw=1, gid=f"budget:{key}")
        ax.text(
            0.99, limit * 1e3, f"{key} budget {format_duration(limit, trim=True)}",
            transform=trans, ha="right", va="top", fontsize="small", color=_BUDGET_COLOR,
            gid=f"budget-{key}", bbox={"fc": "white", "ec": "none", "alpha": 0.8, "pad": 1},
        )  # fmt: skip
    _log_axis(ax.yaxis, _ms)
    ax.set_xlabel(f"offered load (requests/s, Poisson), {workers} worker(s), one FIFO queue")
    ax.set_ylabel("latency incl. queueing (ms, log)")
    ax.set_title(_TITLES["load"])
    ax.grid(True, which="major", alpha=0.3)
    ax.grid(True, which="minor", axis="y", alpha=0.12)
    if cmp.measured:
        handles: list[Any] = [Line2D([], [], color=colors[n], lw=2) for n in cmp.measured]
        labels = list(cmp.measured)
        handles += [Line2D([], [], color="0.3", lw=2), Line2D([], [], color="0.3", lw=1.2, ls="--")]
        labels += ["solid: p99", "dashed: p50"]
        if limits:
            handles.append(Line2D([], [], color=_BUDGET_COLOR, ls=(0, (2, 2)), lw=1))
            said = ", ".join(f"{k} {format_duration(v, trim=True)}" for k, v in limits.items())
            labels.append(f"budget {said}")
        if maxima:
            handles.append(Line2D([], [], color="0.3", marker="D", ms=5, ls=":", lw=1))
            labels.append("diamond: max QPS within the budget (bar: 95% CI)")
        _legend_below(ax, handles, labels)


def _failure_note(cmp: Comparison) -> str:
    if not cmp.failures:
        return ""
    parts = [f"{f.name} (failed during {f.phase}: {f.error_type})" for f in cmp.failures.values()]
    return "Not shown: " + "; ".join(parts) + "."


def _draw(
    kind: str,
    ax: Axes,
    cmp: Comparison,
    colors: dict[str, str],
    workers: int = 1,
    budget: Budget | None = None,
) -> None:
    if kind == "load":
        _draw_load(ax, cmp, colors, workers, budget)
    elif kind == "cost":
        from .cost import draw_cost

        draw_cost(ax, cmp, colors, budget)
    elif kind == "spectrum":
        entries = [(n, cmp.results[n].latency, colors[n]) for n in cmp.measured]
        _draw_spectrum(ax, entries, cmp.budget, _TITLES["spectrum"])
    elif kind == "tradeoff":
        _draw_tradeoff(ax, cmp, colors)
    else:
        _draw_throughput(ax, cmp, colors)
    if not cmp.measured:
        ax.text(0.5, 0.5, "no candidate was measured", ha="center", va="center",
                transform=ax.transAxes)  # fmt: skip


def plot_comparison(
    cmp: Comparison,
    kind: str | None = None,
    *,
    ax: Axes | None = None,
    figsize: tuple[float, float] | None = None,
    workers: int = 1,
    budget: Budget | str | Mapping[str, Any] | None = None,
) -> Figure:
    """Plot a comparison: latency spectrum, score/latency trade-off, throughput.

    Parameters
    ----------
    cmp : Comparison
        The result of :func:`prodbench.compare`.
    kind : {None, "spectrum", "tradeoff", "throughput", "load", "cost"}, default None
        ``None`` draws the three panels side by side; a name draws that panel:

        - ``"spectrum"``: latency (ms, log) at each percentile on a
          ``1/(1-p)`` axis labelled 50%, 90%, 99%, 99.9%; the band is the 95%
          order-statistic interval (where too few samples bound it, a hatched
          strip in the candidate's colour above all the data, over those
          percentiles, says it is open), dashed where the percentile is
          under-sampled; budget limits are dotted horizontal lines, with a
          triangle at their percentile.
        - ``"tradeoff"``: score against p99 latency (ms, log), whiskers the
          95% intervals (an open p99 side is a dashed arrow to the plot's
          edge; score: the paired bootstrap interval of the gain
          over the baseline, placed at the candidate's score; the baseline
          has none), the Pareto front as a step line, the p99 budget as a
          vertical line, the research and production picks annotated.
        - ``"throughput"``: bulk rows/s against batch size, log-log.
        - ``"load"`` (only when asked for; it simulates for a few seconds):
          p99 (solid) and p50 (dashed) against offered QPS per candidate,
          simulated from the measured latencies with ``workers`` workers;
          the budget's percentile limits as horizontal lines and each
          candidate's max QPS within them as a diamond with its 95% interval,
          in a strip of its own above the curves.
        - ``"cost"`` (only when asked for; it simulates): dollars per million
          predictions against traffic per candidate, counting the workers
          each rate needs within the budget, idle headroom included (see
          :mod:`prodbench.plot.cost`); the comparison's target rate
          (``options["qps"]``) as a vertical line with each cost there.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes (only with a single ``kind``). The legend goes
        under the axes: give your figure ``layout="constrained"`` or save
        with ``bbox_inches="tight"`` to keep it in the picture.
    figsize : (float, float), optional
        Size of a new figure in inches.
    workers : int, default 1
        Workers sharing one queue, for ``kind="load"``.
    budget : Budget, str or dict, optional
        For ``kind="load"`` and ``kind="cost"`` only: the budget whose limits and max QPS to
        draw, even when the comparison had none (default: the comparison's).
        The other panels show the comparison's own budget, with the picks
        decided under it.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn into (``ax.figure`` when ``ax`` is given).

    Raises
    ------
    SpecError
        For an unknown ``kind``, ``ax`` without a single ``kind``, ``budget``
        with a ``kind`` other than ``"load"``, or a ``budget`` without a
        percentile limit.
    MissingDependencyError
        When matplotlib is not installed (``pip install "prodbench[plot]"``).

    Notes
    -----
    Candidates that failed are absent from the panels and named in a note.
    Each candidate keeps its Okabe-Ito colour in every panel.

    Examples
    --------
    >>> import prodbench as pb
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> cmp = pb.compare([LogisticRegression(max_iter=5000), KNeighborsClassifier()],
    ...                  X, y, budget=pb.Budget(p99="5ms"), max_time=0.3)
    >>> fig = cmp.plot()                      # same as plot_comparison(cmp)
    >>> [a.get_title() for a in fig.axes][1]
    'Score vs p99 latency'
    >>> fig = cmp.plot(kind="spectrum")
    >>> fig.savefig("latency.png")            # doctest: +SKIP
    """
    if kind is not None and kind not in KINDS + EXTRA_KINDS:
        raise SpecError(
            f"Unknown plot kind {kind!r}. Use one of {', '.join(map(repr, KINDS + EXTRA_KINDS))}, "
            "or None for the spectrum, trade-off and throughput panels."
        )
    if budget is not None and kind not in ("load", "cost"):
        raise SpecError(
            "budget= is for plot(kind='load') and plot(kind='cost') (the max QPS, and the "
            "workers a rate needs, within a budget of your choice). "
            "The other panels show the comparison's own budget and the picks decided with it: "
            "compare again with budget=... to see another."
        )
    chosen = Budget.coerce(budget)
    kinds = list(KINDS) if kind is None else [kind]
    colors = _colors(cmp.names)
    note = _failure_note(cmp)
    if ax is not None:
        if kind is None:
            raise SpecError(
                "ax= draws a single panel: pass kind='spectrum', 'tradeoff' or 'throughput' "
                "with it, or leave out ax= to get a new figure with all three panels."
            )
        if not hasattr(ax, "figure"):
            raise SpecError(f"ax= must be a matplotlib Axes, not {type(ax).__name__}.")
        _pyplot()
        _draw(kinds[0], ax, cmp, colors, workers, chosen)
        if note:
            ax.text(0.99, 0.01, note, transform=ax.transAxes, ha="right", va="bottom",
                    fontsize="x-small", color="0.3", gid="failure-note")  # fmt: skip
        return ax.figure  # type: ignore[return-value]
    fig, axes = _new_figure(len(kinds), figsize)
    for k, a in zip(kinds, axes, strict=True):
        _draw(k, a, cmp, colors, workers, chosen)
    if kind is None:
        budget = f"; budget {cmp.budget}" if cmp.budget else ""
        base = f"baseline {cmp.baseline}" if cmp.baseline else "no baseline"
        fig.suptitle(f"prodbench comparison ({base}{budget})")
    if note:
        fig.supxlabel(note, fontsize="small", color="0.3")
    return fig


def plot_result(
    result: ModelResult,
    *,
    ax: Axes | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Plot one result's latency percentile spectrum.

    The same panel as ``plot_comparison(cmp, kind="spectrum")``, for one model.

    Parameters
    ----------
    result : ModelResult
        The result of :func:`prodbench.measure`.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes instead of a new figure.
    figsize : (float, float), optional
        Size of a new figure in inches.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    MissingDependencyError
        When matplotlib is not installed (``pip install "prodbench[plot]"``).

    Examples
    --------
    >>> import prodbench as pb
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = load_iris(return_X_y=True)
    >>> r = pb.measure(LogisticRegression(max_iter=500), X, y, max_time=0.2)
    >>> fig = r.plot()                        # same as plot_result(r)
    >>> fig.axes[0].get_title()
    'LogisticRegression: single-request latency'
    """
    if ax is None:
        fig, (ax,) = _new_figure(1, figsize)
    else:
        _pyplot()
        fig = ax.figure  # type: ignore[assignment]
    entries = [(result.name, result.latency, OKABE_ITO[0])]
    _draw_spectrum(ax, entries, None, f"{result.name}: single-request latency")
    return fig


# --------------------------------------------------------------------------- sweeps
def plot_sweep(sw: Sweep, *, figsize: tuple[float, float] | None = None) -> Figure:
    """Plot a sweep: p99 latency and score of every candidate in every case.

    Two panels share the cases on the x axis. Left: p99 latency (ms, log)
    with its 95% order-statistic interval as a whisker (an unbounded side is
    clipped to the slowest sample; hollow markers are under-sampled), and the
    p99 budget as a dotted line. Right: the test score. The production pick
    of each case is ringed, the research pick starred. Each candidate keeps
    its Okabe-Ito colour; failed cases are named in a note.

    Parameters
    ----------
    sw : Sweep
        The result of :func:`prodbench.sweep`.
    figsize : (float, float), optional
        Size of the figure in inches.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    MissingDependencyError
        When matplotlib is not installed (``pip install "prodbench[plot]"``).

    Examples
    --------
    >>> import prodbench as pb
    >>> from sklearn.naive_bayes import GaussianNB
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> sw = pb.sweep(["iris", "wine"], [GaussianNB(), DecisionTreeClassifier()],
    ...               max_time=0.2, batch_sizes=(1,))
    >>> fig = sw.plot()
    >>> [a.get_title() for a in fig.axes]
    ['p99 latency by case', 'Score by case']
    """
    cases = list(sw.cases)
    names: list[str] = []
    for _, name in sw.rows():
        if name not in names:
            names.append(name)
    colors = _colors(names)
    fig, (lat_ax, score_ax) = _new_figure(2, figsize or (max(7.0, 1.6 * len(cases) + 4), 4.8))
    width = 0.6 / max(len(names), 1)
    score_name = "score"
    labelled: set[str] = set()
    for i, case in enumerate(cases):
        cmp = sw.comparisons.get(case)
        if cmp is None:
            continue
        for j, name in enumerate(names):
            if name not in cmp.results:
                continue
            r = cmp.results[name]
            score_name = r.score.name
            x = i - 0.3 + width * (j + 0.5)
            lat = r.latency
            p99 = lat.p99 * 1e3
            low, high = (v * 1e3 for v in lat.interval(99, _CONFIDENCE))
            low, high = _clip(low, lat.min * 1e3), _clip(high, lat.max * 1e3)
            hollow = lat.undersampled(99)
            lat_ax.errorbar(
                [x], [p99], yerr=[[max(p99 - low, 0.0)], [max(high - p99, 0.0)]],
                fmt="o", color=colors[name], mfc="white" if hollow else colors[name],
                label=None if name in labelled else name,
            )  # fmt: skip
            labelled.add(name)
            score_ax.plot([x], [r.score.value], "o", color=colors[name])
            if cmp.production_pick == name:
                lat_ax.plot([x], [p99], "o", ms=14, mfc="none", mec=_BUDGET_COLOR)
                score_ax.plot([x], [r.score.value], "o", ms=14, mfc="none", mec=_BUDGET_COLOR)
            if cmp.research_pick == name:
                score_ax.plot([x], [r.score.value], "*", ms=13, color=_BUDGET_COLOR, zorder=1)
    if sw.budget is not None and sw.budget.p99 is not None:
        lat_ax.axhline(sw.budget.p99 * 1e3, ls=":", color=_BUDGET_COLOR, label="p99 budget")
    for ax in (lat_ax, score_ax):
        ax.set_xticks(range(len(cases)), cases)
        ax.set_xlim(-0.6, len(cases) - 0.4)
        ax.set_xlabel("case")
    if any(sw.comparisons[c].measured for c in sw.comparisons):
        lat_ax.set_yscale("log")
        lat_ax.autoscale_view()
        _widen_log_limits(lat_ax, "y")
        _log_axis(lat_ax.yaxis, _ms)
    lat_ax.set_ylabel("p99 latency (ms, log), 95% interval")
    lat_ax.set_title("p99 latency by case")
    score_ax.set_ylabel(score_name)
    score_ax.set_title("Score by case")
    if names:
        handles, labels = lat_ax.get_legend_handles_labels()
        _legend_below(lat_ax, handles, labels)
    failed = [c for c in cases if c in sw.failures]
    notes = []
    if failed:
        notes.append(f"failed: {', '.join(failed)}")
    notes.append("ringed: production pick; star: research pick; hollow: p99 under-sampled")
    fig.supxlabel("; ".join(notes), fontsize="small", color="0.3")
    fig.suptitle(f"prodbench sweep ({sw.scheduler}{f'; budget {sw.budget}' if sw.budget else ''})")
    return fig
