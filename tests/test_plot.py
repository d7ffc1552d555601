"""Figures from prodbench.plot, drawn with the Agg backend (no display needed)."""

from __future__ import annotations

import itertools
import sys

import matplotlib
import pytest

matplotlib.use("Agg")

import numpy as np
from factories import make_comparison, make_result

import prodbench as pb
from prodbench import plot
from prodbench.errors import MissingDependencyError, ProdbenchError
from prodbench.verdict import Budget, FailedCandidate

TITLES = [
    "Single-request latency by percentile",
    "Score vs p99 latency",
    "Bulk prediction throughput",
]


def _comparison(budget: Budget | None = None, failures: tuple[FailedCandidate, ...] = ()):
    y = np.arange(1000) % 2
    rng = np.random.default_rng(3)
    lone = rng.random(1000) < 0.94
    better = lone | (rng.random(1000) < 0.4)
    return make_comparison(
        [
            make_result("lone", latency_ms=0.3, correct=lone, y_true=y),
            make_result("ensemble", latency_ms=3.0, n=800, correct=better, y_true=y, seed=1),
            make_result("knn", latency_ms=1.0, n=300, correct=lone, y_true=y, seed=2),
        ],
        budget=budget,
        failures=failures,
    )


def _legend_texts(ax) -> list[str]:
    legend = ax.get_legend()
    return [] if legend is None else [t.get_text() for t in legend.get_texts()]


def _budget_artists(ax) -> list[str]:
    return [a.get_gid() for a in ax.lines if str(a.get_gid()).startswith("budget:")]


# --------------------------------------------------------------------------- full figure
def test_full_figure_has_three_titled_panels():
    fig = _comparison().plot()
    assert [a.get_title() for a in fig.axes] == TITLES
    assert fig.get_suptitle().startswith("prodbench comparison (baseline lone")


def test_every_panel_shows_each_candidate_by_its_table_name():
    cmp = _comparison()
    for ax in cmp.plot().axes:
        labels = _legend_texts(ax)
        for name in cmp.names:
            assert name in labels


def test_one_line_per_candidate_in_spectrum_and_throughput():
    fig = _comparison().plot()
    spectrum, tradeoff, throughput = fig.axes
    solid = [ln.get_label() for ln in spectrum.lines if not ln.get_label().startswith("_")]
    assert solid == ["lone", "ensemble", "knn"]
    assert [ln.get_label() for ln in throughput.lines] == ["lone", "ensemble", "knn"]
    # one errorbar container (one point) per candidate
    points = [c.get_label() for c in tradeoff.containers]
    assert points == ["lone", "ensemble", "knn"]


def test_throughput_lines_hold_the_measured_rates():
    cmp = _comparison()
    ax = cmp.plot(kind="throughput").axes[0]
    for line in ax.lines:
        r = cmp.results[line.get_label()]
        assert list(line.get_xdata()) == [1, 1000]
        assert np.allclose(line.get_ydata(), [b.rows_per_second for b in r.throughput.batches])
    assert ax.get_xscale() == ax.get_yscale() == "log"


def test_axis_labels_carry_units():
    spectrum, tradeoff, throughput = _comparison().plot().axes
    assert "ms" in spectrum.get_ylabel()
    assert "percentile" in spectrum.get_xlabel()
    assert "ms" in tradeoff.get_xlabel()
    assert "accuracy" in tradeoff.get_ylabel()
    assert "rows/s" in throughput.get_ylabel()
    assert "batch size" in throughput.get_xlabel()


def test_spectrum_x_axis_is_labelled_in_percentiles():
    ax = _comparison().plot(kind="spectrum").axes[0]
    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels()]
    for wanted in ("50%", "90%", "99%", "99.9%"):
        assert wanted in labels
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"


def test_spectrum_values_are_the_percentiles_in_ms():
    cmp = _comparison()
    ax = cmp.plot(kind="spectrum").axes[0]
    line = next(ln for ln in ax.lines if ln.get_label() == "lone")
    x, y = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
    i = int(np.argmin(abs(x - 100.0)))  # x = 1/(1-p): 100 is p99
    q = 100.0 * (1.0 - 1.0 / x[i])
    assert y[i] == pytest.approx(cmp.results["lone"].latency.percentile(q) * 1e3)


def test_spectrum_marks_the_under_sampled_tail():
    ax = _comparison().plot(kind="spectrum").axes[0]
    dashed = [ln for ln in ax.lines if ln.get_linestyle() == "--"]
    assert {ln.get_color() for ln in dashed} >= {plot.OKABE_ITO[0], plot.OKABE_ITO[2]}
    assert "under-sampled (too few samples)" in _legend_texts(ax)
    # knn has 300 samples: p99 needs 662, so its solid line stops before p99 (x = 100)
    knn = next(ln for ln in ax.lines if ln.get_label() == "knn")
    assert max(knn.get_xdata()) < 100


def test_tradeoff_draws_front_and_picks():
    cmp = _comparison(budget=Budget(p99="2ms"))
    ax = cmp.plot(kind="tradeoff").axes[0]
    assert "Pareto front" in _legend_texts(ax)
    picks = {a.get_gid(): a.get_text() for a in ax.texts if str(a.get_gid()).startswith("pick:")}
    assert "research pick" in picks[f"pick:{cmp.research_pick}"]
    assert "production pick" in picks[f"pick:{cmp.production_pick}"]


def test_colours_are_okabe_ito_and_stable_across_panels():
    spectrum, _, throughput = _comparison().plot().axes
    colours = {ln.get_label(): ln.get_color() for ln in throughput.lines}
    assert colours == dict(zip(["lone", "ensemble", "knn"], plot.OKABE_ITO[:3], strict=True))
    for ln in spectrum.lines:
        if ln.get_label() in colours:
            assert ln.get_color() == colours[ln.get_label()]


# --------------------------------------------------------------------------- budget
def test_budget_lines_present_only_with_a_budget():
    with_budget = _comparison(budget=Budget(p99="2ms", p50="1ms", size="1MB")).plot()
    spectrum, tradeoff, _ = with_budget.axes
    assert sorted(_budget_artists(spectrum)) == ["budget:p50", "budget:p99"]
    assert _budget_artists(tradeoff) == ["budget:p99"]
    line = next(ln for ln in tradeoff.lines if ln.get_gid() == "budget:p99")
    assert list(line.get_xdata()) == [2.0, 2.0]  # ms
    assert "p99 budget 2 ms" in _legend_texts(tradeoff)
    # the spectrum's budget line and its triangle at p99 are one legend entry
    assert "p99 budget 2 ms (triangle: at p99)" in _legend_texts(spectrum)
    assert "budget p50 < 1 ms, p99 < 2 ms" in with_budget.get_suptitle()

    without = _comparison().plot()
    for ax in without.axes:
        assert _budget_artists(ax) == []


def test_budget_without_p99_draws_no_vertical_line():
    spectrum, tradeoff, _ = _comparison(budget=Budget(p50="1ms")).plot().axes
    assert _budget_artists(spectrum) == ["budget:p50"]
    assert _budget_artists(tradeoff) == []


def test_no_production_pick_is_said():
    cmp = _comparison(budget=Budget(p99="1us"))
    assert cmp.production_pick is None
    ax = cmp.plot(kind="tradeoff").axes[0]
    assert any(t.get_gid() == "no-production-pick" for t in ax.texts)


# --------------------------------------------------------------------------- failures
def test_failed_candidates_are_absent_but_noted():
    failed = FailedCandidate("broken", "fit", "ValueError", "boom")
    fig = _comparison(failures=(failed,)).plot()
    for ax in fig.axes:
        assert "broken" not in _legend_texts(ax)
    assert "broken (failed during fit: ValueError)" in fig.get_supxlabel()


def test_failed_candidate_noted_when_drawing_into_user_axes():
    import matplotlib.pyplot as plt

    failed = FailedCandidate("broken", "fit", "ValueError", "boom")
    fig, ax = plt.subplots()
    try:
        _comparison(failures=(failed,)).plot(kind="throughput", ax=ax)
        assert any("broken" in t.get_text() for t in ax.texts)
    finally:
        plt.close(fig)


def test_nothing_measured_still_draws():
    failed = FailedCandidate("broken", "fit", "ValueError", "boom")
    cmp = make_comparison([], failures=[failed])
    fig = cmp.plot()
    assert len(fig.axes) == 3
    assert "broken" in fig.get_supxlabel()


def test_no_baseline_score_whiskers_and_label_say_so():
    cmp = _comparison()
    _, tradeoff, _ = cmp.plot().axes
    assert "gain over the baseline" in tradeoff.get_ylabel()
    base = tradeoff.containers[0]
    assert base.has_yerr is False and base.has_xerr is True
    assert all(c.has_yerr for c in tradeoff.containers[1:])


# --------------------------------------------------------------------------- kinds and ax
@pytest.mark.parametrize("kind", ["spectrum", "tradeoff", "throughput"])
def test_single_kind_draws_one_panel(kind):
    fig = _comparison().plot(kind=kind)
    assert len(fig.axes) == 1
    assert fig.axes[0].get_title() == TITLES[["spectrum", "tradeoff", "throughput"].index(kind)]


def test_draws_into_user_axes():
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2)
    try:
        cmp = _comparison()
        assert cmp.plot(kind="tradeoff", ax=right) is fig
        assert plot.plot_comparison(cmp, kind="spectrum", ax=left) is fig
        assert right.get_title() == TITLES[1] and left.get_title() == TITLES[0]
        assert len(fig.axes) == 2
    finally:
        plt.close(fig)


def test_ax_without_kind_is_a_clear_error():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    try:
        with pytest.raises(ProdbenchError, match="single panel"):
            _comparison().plot(ax=ax)
    finally:
        plt.close(fig)


def test_unknown_kind_lists_the_kinds():
    with pytest.raises(ProdbenchError, match="'spectrum', 'tradeoff', 'throughput'"):
        _comparison().plot(kind="histogram")


def test_figsize_is_used_and_figures_are_not_left_in_pyplot():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    fig = _comparison().plot(figsize=(9, 3))
    assert tuple(fig.get_size_inches()) == (9, 3)
    assert plt.get_fignums() == before


# --------------------------------------------------------------------------- one result
def test_plot_result_draws_the_spectrum():
    r = make_result("lone", latency_ms=0.5)
    fig = r.plot()
    (ax,) = fig.axes
    assert ax.get_title() == "lone: single-request latency"
    assert "ms" in ax.get_ylabel()
    assert [ln.get_label() for ln in ax.lines if not ln.get_label().startswith("_")] == ["lone"]
    assert _budget_artists(ax) == []


def test_plot_result_into_axes():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    try:
        assert plot.plot_result(make_result("lone"), ax=ax) is fig
    finally:
        plt.close(fig)


def test_tiny_sample_is_all_under_sampled():
    r = make_result("few", n=5)
    ax = r.plot().axes[0]
    labelled = [ln for ln in ax.lines if ln.get_label() == "few"]
    assert len(labelled) == 1


# --------------------------------------------------------------------------- output
def test_saved_png_is_non_empty(tmp_path):
    path = tmp_path / "cmp.png"
    _comparison(budget=Budget(p99="2ms")).plot().savefig(path)
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 10_000


# --------------------------------------------------------------------------- no matplotlib
def test_missing_matplotlib_says_how_to_install(monkeypatch):
    cmp = _comparison()
    for name in list(sys.modules):
        if name == "matplotlib" or name.startswith("matplotlib."):
            monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(MissingDependencyError, match=r'pip install "prodbench\[plot\]"') as info:
        cmp.plot()
    assert isinstance(info.value, ImportError)
    with pytest.raises(MissingDependencyError, match="prodbench"):
        make_result("lone").plot()


# --------------------------------------------------------------------------- real timing
@pytest.fixture(scope="module")
def real_comparison():
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier

    X, y = load_breast_cancer(return_X_y=True)
    return pb.compare(
        [LogisticRegression(max_iter=5000), KNeighborsClassifier()],
        X,
        y,
        budget=pb.Budget(p99="5ms"),
        max_time=0.3,
    )


def test_real_comparison_plots(real_comparison, tmp_path):
    fig = real_comparison.plot()
    assert [a.get_title() for a in fig.axes] == TITLES
    for ax in fig.axes:
        labels = _legend_texts(ax)
        assert "LogisticRegression" in labels and "KNeighborsClassifier" in labels
    assert _budget_artists(fig.axes[1]) == ["budget:p99"]
    fig.savefig(tmp_path / "real.png")
    assert (tmp_path / "real.png").stat().st_size > 10_000
    single = real_comparison.results["LogisticRegression"].plot()
    assert len(single.axes) == 1


def test_open_interval_is_drawn_open_not_clipped_to_the_slowest_sample():
    cmp = _comparison()  # knn: 300 samples, its p99 interval has no upper bound
    assert cmp.results["knn"].latency.interval(99)[1] == float("inf")
    spectrum = cmp.plot(kind="spectrum").axes[0]
    bottom, top = spectrum.get_ylim()
    bands = [c for c in spectrum.collections if c.get_gid() == "open:knn"]
    assert bands, "knn's open band is missing"
    y = bands[0].get_paths()[0].vertices[:, 1]
    # its own strip above every candidate's slowest sample, toward the plot's edge: the
    # interval goes on past the data, and the strip covers none of it
    assert min(y) > max(r.latency.max for r in cmp.results.values()) * 1e3
    assert max(y) <= top and np.log(max(y) / bottom) > 0.8 * np.log(top / bottom)
    # lone (5,000 samples) has a bound up to p99.9 (x = 1000); only its far tail is open
    (lone,) = [c for c in spectrum.collections if c.get_gid() == "open:lone"]
    assert min(lone.get_paths()[0].vertices[:, 0]) > 1000
    assert "CI open past the edge over these percentiles (too few samples)" in _legend_texts(
        spectrum
    )

    tradeoff = cmp.plot(kind="tradeoff").axes[0]
    arrows = [t for t in tradeoff.texts if t.get_gid() == "open:knn"]
    assert len(arrows) == 1 and arrows[0].xy[0] == 1.0  # to the right edge of the axes
    assert not [t for t in tradeoff.texts if t.get_gid() == "open:lone"]


# --------------------------------------------------------------------------- readable
def _many(k: int, budget: Budget | None = None):
    """k candidates from 0.2 ms to 20 ms; the slower ones have few samples (open tails)."""
    y = np.arange(1000) % 2
    rng = np.random.default_rng(5)
    results = [
        make_result(
            f"model{i}",
            latency_ms=0.2 * 10 ** (2 * i / max(k - 1, 1)),
            n=(4000, 300, 900, 150, 2000, 60)[i],
            correct=rng.random(1000) < 0.80 + 0.02 * i,
            y_true=y,
            seed=i,
        )
        for i in range(k)
    ]
    return make_comparison(results, budget=budget)


def _labelled(axis) -> list[tuple[float, str]]:
    """The (location, text) of every labelled tick, major and minor, inside the view."""
    low, high = sorted(axis.get_view_interval())
    out = []
    for minor in (False, True):
        locs = axis.get_ticklocs(minor=minor)
        labels = axis.get_ticklabels(minor=minor)
        assert len(locs) == len(labels)
        out += [
            (loc, t.get_text())
            for loc, t in zip(locs, labels, strict=True)
            if t.get_visible() and t.get_text() and low <= loc <= high
        ]
    return sorted(out)


def _check_log_axis(axis, unit: str | None) -> list[str]:
    """Every log axis: >= 3 labels per decade it spans (>= 4 in all), with units."""
    axis.axes.figure.canvas.draw()
    assert axis.get_scale() == "log"
    low, high = sorted(axis.get_view_interval())
    labels = _labelled(axis)
    span = np.log10(high / low)
    assert len(labels) >= max(4, int(np.floor(3 * span + 1e-9))), (span, labels)
    if unit is not None:
        assert all(text.endswith(unit) for _, text in labels), labels
    texts = [text for _, text in labels]
    assert len(set(texts)) == len(texts), texts  # no two ticks say the same
    return texts


def _data_extents(ax, renderer) -> list:
    """Display-space boxes of everything drawn from data: lines' points, bands, markers."""
    from matplotlib.transforms import Bbox

    boxes = []
    for line in ax.lines:
        xy = line.get_xydata()
        if len(xy):
            pts = line.get_transform().transform(xy)
            boxes += [Bbox([p, p]) for p in pts if np.all(np.isfinite(p))]
    for coll in ax.collections:
        box = coll.get_window_extent(renderer)
        if np.all(np.isfinite(box.get_points())) and box.width > 0:
            boxes.append(box)
    return boxes


def _check_legend_covers_nothing(ax) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = ax.figure
    canvas = FigureCanvasAgg(fig)  # a closed figure's canvas has no renderer
    canvas.draw()
    renderer = canvas.get_renderer()
    legend = ax.get_legend()
    assert legend is not None
    box = legend.get_window_extent(renderer)
    assert not box.overlaps(ax.get_window_extent(renderer)), "legend inside the axes"
    for other in _data_extents(ax, renderer):
        assert not box.overlaps(other), (box, other)
    assert not box.overlaps(ax.xaxis.label.get_window_extent(renderer))
    assert not any(box.overlaps(t.get_window_extent(renderer)) for t in ax.get_xticklabels())
    # and it is inside the figure: the layout made room for it
    fig_box = fig.bbox
    assert box.x0 >= fig_box.x0 - 1 and box.y0 >= fig_box.y0 - 1 and box.x1 <= fig_box.x1 + 1


@pytest.mark.parametrize("k", [1, 2, 3, 6])
def test_spectrum_is_readable_for_up_to_six_candidates(k):
    cmp = _many(k, budget=Budget(p99="5ms"))
    ax = cmp.plot(kind="spectrum").axes[0]
    _check_log_axis(ax.yaxis, " ms")
    xs = _check_log_axis(ax.xaxis, "%")
    assert {"50%", "90%", "95%", "99%", "99.9%"} <= set(xs)
    _check_legend_covers_nothing(ax)
    # the open-interval strips: one lane each, beyond every curve, none over another
    strips = [c for c in ax.collections if str(c.get_gid()).startswith("open:")]
    assert len(strips) == len({c.get_gid() for c in strips})
    curve_top = max(max(ln.get_ydata()) for ln in ax.lines if not str(ln.get_gid()).startswith("b"))
    spans = sorted(
        (min(v[:, 1]), max(v[:, 1])) for c in strips for v in [c.get_paths()[0].vertices]
    )
    for low, high in spans:
        assert low > curve_top  # above every curve: covers no data
        assert high <= ax.get_ylim()[1]
    for (_, high), (low, _) in itertools.pairwise(spans):
        assert high < low  # lanes are disjoint
    if k == 6:
        assert len(strips) >= 4


@pytest.mark.parametrize("k", [1, 3, 6])
def test_tradeoff_is_readable_for_up_to_six_candidates(k):
    ax = _many(k, budget=Budget(p99="5ms")).plot(kind="tradeoff").axes[0]
    _check_log_axis(ax.xaxis, " ms")
    _check_legend_covers_nothing(ax)


@pytest.mark.parametrize("k", [1, 3, 6])
def test_throughput_is_readable_for_up_to_six_candidates(k):
    ax = _many(k).plot(kind="throughput").axes[0]
    _check_log_axis(ax.yaxis, "/s")
    _check_log_axis(ax.xaxis, None)
    _check_legend_covers_nothing(ax)


def test_narrow_log_axis_still_reads_off():
    """Two candidates 10% apart: the axis is widened to a readable range, labelled densely."""
    cmp = make_comparison(
        [make_result("a", latency_ms=3.0), make_result("b", latency_ms=3.3, seed=1)]
    )
    ax = cmp.plot(kind="tradeoff").axes[0]
    texts = _check_log_axis(ax.xaxis, " ms")
    assert len(texts) >= 4 and "3 ms" in texts


def test_log_labels_are_plain_numbers_with_units():
    from prodbench.plot import axes

    assert axes.ms(3.0) == "3 ms" and axes.ms(0.2) == "0.2 ms" and axes.ms(2000) == "2,000 ms"
    assert axes.rate(20_000) == "20k/s" and axes.rate(5) == "5/s"
    assert axes.labelled_mantissas(0.1, 100.0) == (1, 2, 5)
    assert axes.labelled_mantissas(2.0, 9.0) == (1, 2, 3, 4, 5, 6, 8)
    assert axes.labelled_mantissas(1.1, 4.5) == (1, 2, 3, 4, 5, 6, 7, 8, 9)


def test_every_marker_is_in_the_legend():
    cmp = _many(3, budget=Budget(p99="5ms"))
    for kind in ("spectrum", "tradeoff", "throughput"):
        ax = cmp.plot(kind=kind).axes[0]
        # every marker but the whiskers' caps (the whiskers are in their handles)
        drawn = {ln.get_marker() for ln in ax.lines} - {None, "None", "", " ", "_", "|"}
        legend = ax.get_legend()
        shown = {getattr(h, "get_marker", lambda: None)() for h in legend.legend_handles}
        assert drawn <= shown, (kind, drawn, shown)
    spectrum = cmp.plot(kind="spectrum").axes[0]
    assert [ln for ln in spectrum.lines if ln.get_marker() == "v"]  # the triangle at p99


def test_palette_is_okabe_ito():
    assert plot.OKABE_ITO[:3] == ("#0072B2", "#D55E00", "#009E73")
    cmp = _many(6)
    ax = cmp.plot(kind="throughput").axes[0]
    assert [ln.get_color() for ln in ax.lines] == list(plot.OKABE_ITO[:6])


@pytest.fixture
def fast_capacity(monkeypatch):
    from prodbench import serving

    monkeypatch.setattr(serving, "CAPACITY_REPLICATES", 4)
    monkeypatch.setattr(serving, "CAPACITY_REQUESTS", 3000)


def test_load_takes_a_budget_the_comparison_did_not_have(fast_capacity):
    cmp = _many(3)
    assert cmp.budget is None
    bare = cmp.plot(kind="load").axes[0]
    assert not [t for t in bare.texts if str(t.get_gid()).startswith("max-qps")]
    ax = cmp.plot(kind="load", budget="p99=5ms").axes[0]
    gids = {t.get_gid() for t in ax.texts}
    assert "budget-p99" in gids and "max-qps-model0" in gids
    assert [ln for ln in ax.lines if ln.get_gid() == "budget:p99"]
    assert list(next(ln for ln in ax.lines if ln.get_gid() == "budget:p99").get_ydata()) == [
        5.0,
        5.0,
    ]
    _check_log_axis(ax.yaxis, " ms")
    _check_legend_covers_nothing(ax)
    # the max-QPS figures sit in their own lanes above every curve
    curves = [ln for ln in ax.lines if ln.get_label().endswith(("p99", "p50"))]
    top = max(max(ln.get_ydata()) for ln in curves)
    for t in ax.texts:
        if str(t.get_gid()).startswith("max-qps"):
            assert t.xy[1] > top
    with pytest.raises(ProdbenchError, match="percentile limit"):
        cmp.plot(kind="load", budget="size=1MB")
    with pytest.raises(ProdbenchError, match="kind='load'"):
        cmp.plot(kind="spectrum", budget="p99=5ms")


def test_sweep_and_result_log_axes_are_labelled():
    ax = make_result("one", latency_ms=2.0).plot().axes[0]
    _check_log_axis(ax.yaxis, " ms")
    _check_legend_covers_nothing(ax)


# --------------------------------------------------------------------------- cost at load
def _cost_lines(ax) -> dict[str, object]:
    return {str(ln.get_gid())[5:]: ln for ln in ax.lines if str(ln.get_gid()).startswith("cost:")}


def test_cost_counts_the_workers_each_rate_needs(fast_capacity):
    from prodbench.plot.cost import WORKER_COUNTS, cost_curve

    cmp = _comparison(budget=Budget.parse("p99=20ms"))
    fig = cmp.plot(kind="cost")
    ax = fig.axes[0]
    assert ax.get_title().startswith("Cost per million predictions")
    lines = _cost_lines(ax)
    # knn has 300 samples: its p99 has no upper bound, so no rate is sure to be met
    assert set(lines) == set(cmp.measured) - {"knn"}
    said = {t.get_gid(): t.get_text() for t in ax.texts}
    assert "too few latency samples (n=300)" in said["unmet-knn"]
    assert ax.get_xscale() == ax.get_yscale() == "log"
    cap = cmp.capacity(workers=WORKER_COUNTS)
    for name, line in lines.items():
        x, y = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
        assert np.all(np.diff(x) > 0) and np.all(y > 0)
        # Each point: the fewest simulated workers whose lower bound reaches x, paid idle too.
        table = {w: m.qps_low for w, m in cap[name].max_qps.items()}
        for xi, yi in zip(x[::37], y[::37], strict=True):
            w = min(c for c, low in table.items() if low >= xi)
            assert yi == pytest.approx(w * 0.05 / 3600 / xi * 1e6, rel=1e-9)
        # cost falls while the workers fill, and never below one busy core at the mean latency
        floor = cmp.results[name].latency.mean * 0.05 / 3600 * 1e6
        assert y.min() >= floor * 0.999
    x, w, _ = cost_curve(cap, "lone", np.array([1.0]))
    assert w.tolist() == [1]
    _check_legend_covers_nothing(ax)


def test_cost_marks_the_target_rate_and_needs_a_percentile_budget(fast_capacity):
    import dataclasses

    cmp = _comparison(budget=Budget.parse("p99=20ms"))
    cmp = dataclasses.replace(cmp, options={"qps": 400.0})
    ax = cmp.plot(kind="cost").axes[0]
    assert any(ln.get_gid() == "target" for ln in ax.lines)
    cap = cmp.target_capacity
    for name in cmp.measured:
        t = cap[name].target
        marks = [ln for ln in ax.lines if ln.get_gid() == f"target:{name}"]
        if t.workers is None:
            assert not marks
            continue
        (mark,) = marks
        assert mark.get_ydata()[0] == pytest.approx(t.cost_per_million)
        # the cost at the target counts its workers, idle headroom included
        assert t.cost_per_million == pytest.approx(t.workers * 0.05 / 3600 / 400.0 * 1e6)
    with pytest.raises(ProdbenchError, match="percentile limit"):
        _comparison().plot(kind="cost")
    bare = _comparison().plot(kind="cost", budget="p99=20ms").axes[0]
    assert set(_cost_lines(bare)) == {"lone", "ensemble"}  # knn: too few samples (above)
