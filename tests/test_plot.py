"""Figures from prodbench.plot, drawn with the Agg backend (no display needed)."""

from __future__ import annotations

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
    assert any("p99 budget 2 ms" in t.get_text() for t in spectrum.texts)
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
    top = spectrum.get_ylim()[1]
    bands = [c for c in spectrum.collections if c.get_gid() == "open:knn"]
    assert bands, "knn's open band is missing"
    assert max(bands[0].get_paths()[0].vertices[:, 1]) == pytest.approx(top)
    assert top > cmp.results["knn"].latency.max * 1e3  # past the slowest sample
    # lone (5,000 samples) has a bound up to p99.9 (x = 1000); only its far tail is open
    (lone,) = [c for c in spectrum.collections if c.get_gid() == "open:lone"]
    assert min(lone.get_paths()[0].vertices[:, 0]) > 1000
    assert "CI open: no bound from this many samples" in _legend_texts(spectrum)

    tradeoff = cmp.plot(kind="tradeoff").axes[0]
    arrows = [t for t in tradeoff.texts if t.get_gid() == "open:knn"]
    assert len(arrows) == 1 and arrows[0].xy[0] == 1.0  # to the right edge of the axes
    assert not [t for t in tradeoff.texts if t.get_gid() == "open:lone"]
