"""The cost panel: dollars per million predictions against traffic, for each candidate.

At a rate ``x`` a candidate needs the fewest workers ``w`` whose max QPS
within the budget (its 95% lower bound, simulated from the measured
latencies) reaches ``x``; the workers are paid whether busy or idle, so the
cost per million predictions is ``w * price_per_core_hour / 3600 / x * 1e6``:
a saw-tooth that falls while the workers fill and jumps when one more is
needed. Beyond the largest worker count simulated the line ends (the text
at its end says so). The target rate, when the comparison has one, is a
vertical line with each candidate's cost there.

Worker counts are simulated at :data:`WORKER_COUNTS`; between two of them
a rate that one worker fewer would serve is charged the larger count, an
upper bound (said in the legend).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..budget import PERCENTILE_KEYS
from ..errors import SpecError
from .axes import legend_below, log_axis, rate

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..budget import Budget
    from ..serving_results import Capacity
    from ..verdict import Comparison

__all__ = ["WORKER_COUNTS", "cost_curve", "draw_cost"]

WORKER_COUNTS: tuple[int, ...] = (1, 2, 3, 4, 6, 8, 12, 16)
"""Worker counts the cost panel simulates (every count to 4, then about x1.4 apart)."""

TITLE = "Cost per million predictions at load (simulated from the measured latencies)"
_POINTS = 240


def cost_curve(
    cap: Capacity, name: str, qps: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Workers needed and cost per million at each rate of ``qps``, from a capacity table.

    Parameters
    ----------
    cap : Capacity
        Max QPS per worker count (``cmp.capacity(workers=...)``).
    name : str
        A candidate of ``cap``.
    qps : ndarray
        Rates (requests per second).

    Returns
    -------
    qps, workers, cost : ndarray
        The rates some worker count of ``cap`` serves within the budget,
        the fewest such workers, and dollars per million predictions.

    Examples
    --------
    >>> import numpy as np
    >>> from prodbench.serving_results import Capacity, CandidateCapacity, MaxQPS
    >>> table = {w: MaxQPS(w, 900.0 * w, 800.0 * w, 1e3 * w, 1e-3, 5000) for w in (1, 2)}
    >>> cap = Capacity({"p99": 0.005}, (1, 2), {"c": CandidateCapacity("c", table)})
    >>> x, w, cost = cost_curve(cap, "c", np.array([400.0, 1200.0, 2000.0]))
    >>> x.tolist(), w.tolist()
    ([400.0, 1200.0], [1, 2])
    >>> round(float(cost[0]), 4)  # one worker at $0.05/h serving 400/s
    0.0347
    """
    table = sorted((w, m.qps_low) for w, m in cap.candidates[name].max_qps.items())
    counts = np.array([w for w, _ in table], dtype=float)
    lows = np.array([low for _, low in table], dtype=float)
    # The fewest workers serving x: the first count whose own lower bound reaches x (the
    # bound need not grow with every count, simulation noise; the running maximum keeps
    # the search sorted and finds that same first count).
    reach = np.maximum.accumulate(lows)
    index = np.searchsorted(reach, qps, side="left")
    served = index < len(counts)
    workers = counts[index[served]]
    x = qps[served]
    cost = workers * cap.price_per_core_hour / 3600.0 / x * 1e6
    return x, workers.astype(int), cost


def _rates(cap: Capacity) -> np.ndarray:
    lows = [m.qps_low for c in cap.candidates.values() for m in c.max_qps.values()]
    positive = [v for v in lows if v > 0]
    if not positive:
        return np.array([])
    low = min(positive) / 4.0
    high = max(positive) * 1.05
    return np.geomspace(low, high, _POINTS)


def _dollars(value: float) -> str:
    # escaped: two annotations' dollar signs are not mathtext either
    if value >= 1:
        return f"\\${value:,.3g}"
    return f"\\${value:.2g}"


def draw_cost(
    ax: Axes,
    cmp: Comparison,
    colors: dict[str, str],
    budget: Budget | None = None,
    workers: Sequence[int] = WORKER_COUNTS,
) -> Capacity | None:
    """Draw cost per million against traffic into ``ax``; the capacity it used (or None).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    cmp : Comparison
    colors : dict
        Candidate name -> colour.
    budget : Budget, optional
        The budget the workers must meet (default: the comparison's).
    workers : sequence of int
        Worker counts to simulate.

    Returns
    -------
    Capacity or None
        None when no candidate was measured.

    Raises
    ------
    SpecError
        Without a budget with a percentile limit.

    Examples
    --------
    >>> import sys; sys.path.insert(0, "tests")
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from factories import make_comparison, make_result
    >>> cmp = make_comparison([make_result("a")])
    >>> fig = cmp.plot(kind="cost", budget="p99=5ms")  # doctest: +SKIP
    """
    from matplotlib.lines import Line2D

    chosen = cmp.budget if budget is None else budget
    if chosen is None or not any(k in PERCENTILE_KEYS for k in chosen.limits):
        raise SpecError(
            "plot(kind='cost') needs a budget with a percentile limit (the workers a rate "
            "needs are the fewest that keep it): pass budget='p99=5ms', or compare with one."
        )
    ax.set_title(TITLE)
    if not cmp.measured:
        return None
    target = cmp.options.get("qps")
    cap = cmp.capacity(budget=chosen, workers=tuple(workers), qps=target)
    rates = _rates(cap)
    top = max(workers)
    for name in cmp.measured:
        color = colors[name]
        x, _, cost = cost_curve(cap, name, rates)
        if not len(x):
            points = cap[name].max_qps.values()
            unbounded = any(m.qps_low == 0.0 < m.qps for m in points)  # too few samples
            n = next(iter(points)).n_samples if points else 0
            why = (
                f"{name}: too few latency samples (n={n:,}) to bound its tail, so no rate is "
                "sure to be met: raise max_time"
                if unbounded
                else f"{name}: no worker count meets the budget"
            )
            ax.text(0.02, 0.02 + 0.05 * list(cmp.measured).index(name), why, color=color,
                    transform=ax.transAxes, fontsize="small", gid=f"unmet-{name}")  # fmt: skip
            continue
        ax.plot(x, cost, color=color, lw=2, label=name, gid=f"cost:{name}")
        if x[-1] < rates[-1]:  # beyond the largest count simulated
            ax.annotate(
                f"> {top} workers", xy=(x[-1], cost[-1]), xytext=(3, 0),
                textcoords="offset points", fontsize="x-small", color=color, va="center",
                gid=f"end-{name}",
            )  # fmt: skip
        # The best batching policy's curve, when capacity offers one, is drawn here.
    if target:
        ax.axvline(target, color="0.3", ls=":", lw=1, gid="target")
        for name in cmp.measured:
            t = cap[name].target
            if t is not None and t.workers is not None and math.isfinite(t.cost_per_million):
                ax.plot([target], [t.cost_per_million], "o", color=colors[name], ms=6,
                        label=f"_{name} at target", gid=f"target:{name}")  # fmt: skip
                ax.annotate(
                    f"{_dollars(t.cost_per_million)} ({t.workers} w)",
                    xy=(target, t.cost_per_million), xytext=(5, 4), textcoords="offset points",
                    fontsize="x-small", color=colors[name], gid=f"target-cost-{name}",
                )  # fmt: skip
    ax.set_xscale("log")
    ax.set_yscale("log")
    log_axis(ax.xaxis, rate)
    ax.set_xlabel("traffic (requests/s, Poisson)")
    # "\$": two dollar signs in one label would be read as mathtext
    ax.set_ylabel(f"\\$ per million predictions (at \\${cap.price_per_core_hour:g}/core-hour)")
    ax.grid(True, which="major", alpha=0.3)
    handles: list[Any] = [Line2D([], [], color=colors[n], lw=2) for n in cmp.measured]
    labels = list(cmp.measured)
    said = ", ".join(f"{k} {v * 1e3:g} ms" for k, v in cap.budget.items())
    handles.append(Line2D([], [], color="none"))
    labels.append(
        f"workers: fewest of {min(workers)}-{top} meeting {said}\n(95% lower bound), paid idle too"
    )
    if target:
        handles.append(Line2D([], [], color="0.3", ls=":", lw=1, marker="o", ms=5))
        labels.append(f"target {target:g} QPS")
    legend_below(ax, handles, labels)
    return cap
