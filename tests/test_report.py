"""Rendering of comparisons and results: text, Markdown, HTML, DataFrame, CSV, JSON.

Built from constructed results (tests/factories.py), nothing timed, except
one end-to-end comparison of real scikit-learn models.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from factories import make_comparison, make_result

from prodbench import report
from prodbench.verdict import Budget, Comparison, FailedCandidate

Y_TRUE = np.arange(1000) % 2


def _correct(rate: float, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).random(Y_TRUE.size) < rate


@pytest.fixture
def budgeted() -> Comparison:
    """A fast lone model that passes a p99 budget and a slow, better ensemble that fails it."""
    lone = make_result("lone", latency_ms=0.2, correct=_correct(0.90, 1), y_true=Y_TRUE, seed=1)
    ensemble = make_result(
        "ensemble", latency_ms=4.0, correct=_correct(0.99, 2), y_true=Y_TRUE, seed=2
    )
    return make_comparison([lone, ensemble], budget=Budget(p99="1ms"))


@pytest.fixture
def undersampled() -> Comparison:
    lone = make_result("lone", y_true=Y_TRUE, seed=1)
    few = make_result("few", n=100, latency_ms=2.0, y_true=Y_TRUE, seed=2)
    return make_comparison([lone, few])


@pytest.fixture
def with_failure() -> Comparison:
    failed = FailedCandidate("broken", "fit", "ValueError", "Input X contains NaN & <junk>.")
    return make_comparison(
        [make_result("lone", seed=1), make_result("forest", seed=2)], failures=[failed]
    )


@pytest.fixture
def failed_baseline() -> Comparison:
    failed = FailedCandidate("lone", "predict", "RuntimeError", "predict exploded")
    return make_comparison(
        [make_result("forest", seed=2), make_result("boost", seed=3)],
        baseline="lone",
        failures=[failed],
    )


@pytest.fixture
def equal_accuracy() -> Comparison:
    """Same per-row correctness: no score difference at all, only a latency difference."""
    correct = _correct(0.95, 7)
    a = make_result("lone", latency_ms=0.5, correct=correct, y_true=Y_TRUE, seed=1)
    b = make_result("ensemble", latency_ms=1.5, correct=correct, y_true=Y_TRUE, seed=2)
    return make_comparison([a, b])


def _table_line(text: str, name: str) -> str:
    """The candidate's table row (both rows, joined, when the table is stacked)."""
    rows = [line for line in text.splitlines() if line.startswith(name + " ")]
    assert rows, name
    return " ‖ ".join(rows)


# --------------------------------------------------------------------------- text
def test_text_groups_baseline_budget_and_verdict(budgeted: Comparison) -> None:
    text = report.render_text(budgeted, width=150)
    assert "RESEARCH PRIORITY" in text and "PRODUCTION PRIORITY" in text
    # the research group comes before the production group on the title line
    title = next(line for line in text.splitlines() if "RESEARCH PRIORITY" in line)
    assert title.index("RESEARCH") < title.index("PRODUCTION")
    assert "(baseline)" in _table_line(text, "lone")
    assert "PASS" in _table_line(text, "lone")
    ensemble = _table_line(text, "ensemble")
    assert "FAIL" in ensemble
    assert "pp*" in ensemble  # +9 pp on 1,000 rows is significant
    assert "x" in ensemble.split("│")[1]  # p99 ratio vs baseline
    for sentence in budgeted.verdict:
        assert sentence.split(";")[0] in text.replace("\n    ", " ")
    assert "Stakeholders:" in text and "Product manager" in text
    assert f"Budget: {budgeted.budget}" in text
    assert "1,000 test rows" in text and "n=5,000" in text
    assert "Environment: Python 3.11" in text
    assert max(len(line) for line in text.splitlines()) <= 150  # wrapped to the width
    # the table rows follow cmp.names
    assert text.index("\nlone ") < text.index("\nensemble ")


def test_text_uses_human_units(budgeted: Comparison) -> None:
    line = _table_line(report.render_text(budgeted), "ensemble")
    assert "ms" in line and "kB" in line
    assert "0.004" not in line


def test_text_flags_undersampled_p99(undersampled: Comparison) -> None:
    text = report.render_text(undersampled)
    line = _table_line(text, "few")
    assert "†" in line
    assert "inf) ms" in line  # the unbounded upper side of the p99 interval, drawn open
    assert "p99 under-sampled: n=100 < 662 needed" in text
    assert "†" not in _table_line(text, "lone")


def test_text_failed_candidate(with_failure: Comparison) -> None:
    text = report.render_text(with_failure)
    assert "FAILED in fit: ValueError" in _table_line(text, "broken")
    assert "Input X contains NaN & <junk>." in text
    assert "accuracy" in text and "ms" in _table_line(text, "forest")
    assert "broken: failed during fit (ValueError); not measured." in text


def test_text_failed_baseline(failed_baseline: Comparison) -> None:
    text = report.render_text(failed_baseline)
    row = _table_line(text, "lone")
    assert "FAILED in predict: RuntimeError" in row and "(baseline)" in row
    assert "—" in _table_line(text, "forest")  # no delta without a baseline
    assert "no deltas can be computed" in text
    assert "predict exploded" in text


def test_text_no_difference(equal_accuracy: Comparison) -> None:
    text = report.render_text(equal_accuracy)
    line = _table_line(text, "ensemble")
    assert "+0.00 pp" in line and "pp*" not in line
    assert "significant at the 5% level" not in text
    assert "Budget: none" in text
    assert "budget" not in text.splitlines()[3]  # no budget column


def test_text_stacks_the_groups_when_too_wide(budgeted: Comparison) -> None:
    long_names = [
        make_result("a_rather_long_candidate_name_for_a_pipeline", seed=1),
        make_result("another_long_candidate_name_for_an_ensemble", seed=2),
    ]
    cmp = make_comparison(long_names, budget=Budget(p99="1ms"))
    text = report.render_text(cmp, width=120)
    lines = text.splitlines()
    table = lines[: lines.index("Verdict:")]
    assert max(len(line) for line in table) <= 120
    research = next(i for i, line in enumerate(lines) if "RESEARCH PRIORITY" in line)
    production = next(i for i, line in enumerate(lines) if "PRODUCTION PRIORITY" in line)
    assert research < production
    assert len(_table_line(text, long_names[0].name).split(" ‖ ")) == 2
    wide = report.render_text(cmp, width=250)
    title = next(line for line in wide.splitlines() if "RESEARCH PRIORITY" in line)
    assert "PRODUCTION PRIORITY" in title
    # short names fit side by side in 120 columns
    short = make_comparison([make_result("a", seed=1), make_result("b", seed=2)])
    assert "│" in _table_line(report.render_text(short, width=120), "a")


def test_str_of_comparison_is_the_text_report(budgeted: Comparison) -> None:
    assert str(budgeted) == report.render_text(budgeted)


# --------------------------------------------------------------------------- markdown
def test_markdown(budgeted: Comparison, undersampled: Comparison) -> None:
    md = report.render_markdown(budgeted)
    lines = md.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("|"))
    assert "Research priority" in lines[header] and "Production priority" in lines[header]
    assert set(lines[header + 1]) <= set("|:-")
    assert "**accuracy**" in lines[header + 2]
    widths = {line.count("|") for line in lines[header : header + 5]}
    assert len(widths) == 1  # every table row has the same number of cells
    assert "| lone (baseline) |" in md
    assert "PASS" in md and "**FAIL**" in md
    assert "**Verdict**" in md and "- Research pick" in md
    assert "| stakeholder | objective | pick | why |" in md
    flagged = report.render_markdown(undersampled)
    assert "†" in flagged and "n=100 &lt; 662 needed" in flagged


def test_markdown_escapes_names_and_failures(with_failure: Comparison) -> None:
    res = [make_result("a|b", seed=1), make_result("<script>", seed=2)]
    md = report.render_markdown(make_comparison(res))
    assert "a\\|b" in md and "&lt;script&gt;" in md and "<script>" not in md
    md = report.render_markdown(with_failure)
    assert "FAILED in fit: ValueError" in md and "NaN &amp; &lt;junk&gt;" in md


# --------------------------------------------------------------------------- html
def test_html(budgeted: Comparison, undersampled: Comparison) -> None:
    page = report.render_html(budgeted)
    assert page.startswith('<div class="prodbench">') and page.endswith("</div>")
    assert "<style>" in page and "<script" not in page
    assert 'colspan="5">Research priority' in page
    assert 'colspan="6">Production priority' in page
    assert 'class="pb-pass"' in page and "✓ Pass" in page
    assert 'class="pb-fail"' in page and "✗ Fail" in page
    assert "(baseline)" in page
    assert page.count("<li>") >= len(budgeted.verdict)
    assert "Product manager" in page and "Environment: Python 3.11" in page
    assert "n=100 &lt; 662 needed" in report.render_html(undersampled)
    assert budgeted._repr_html_() == page


def test_html_escapes_user_strings() -> None:
    evil = make_result("<script>alert(1)</script>", seed=2)
    failed = FailedCandidate("<b>x</b>", "fit", "ValueError", "<img src=x onerror=alert(1)>")
    page = report.render_html(make_comparison([make_result("lone"), evil], failures=[failed]))
    assert "<script>alert" not in page and "<img" not in page and "<b>x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "FAILED in fit: ValueError" in page


def test_html_inconclusive_has_text_mark() -> None:
    lone = make_result("lone", latency_ms=1.0, seed=1, n=300)
    limit = lone.latency.p99  # inside the p99 interval, whose upper side is unbounded
    cmp = make_comparison([lone, make_result("other", seed=2)], budget=Budget(p99=limit))
    assert cmp.budget_overall("lone") == "inconclusive"
    assert "? Inconclusive" in report.render_html(cmp)
    assert "INCONCLUSIVE" in _table_line(report.render_text(cmp), "lone")


# --------------------------------------------------------------------------- frame, csv, json
def test_to_frame(budgeted: Comparison, with_failure: Comparison) -> None:
    df = report.to_frame(budgeted)
    expected = [*report._FRAME_COLUMNS, "budget_p99"]
    assert list(df.columns) == expected
    assert list(df.index) == ["lone", "ensemble"]
    assert df["is_baseline"].dtype == bool and df["pareto"].dtype == bool
    for col in ("score", "p50_s", "p99_s", "p99_ratio", "fit_time_s", "cold_start_s"):
        assert df[col].dtype == np.float64, col
    assert str(df["n_samples"].dtype) == "Int64"
    assert df.loc["lone", "budget"] == "pass" and df.loc["ensemble", "budget_p99"] == "fail"
    assert df.loc["lone", "p99_s"] == pytest.approx(budgeted.results["lone"].latency.p99)
    delta = budgeted.versus("ensemble")
    assert df.loc["ensemble", "p99_ratio"] == pytest.approx(delta.p99_ratio)
    assert df.loc["ensemble", "score_diff"] == pytest.approx(delta.score_diff)
    assert bool(df.loc["ensemble", "significant"]) is True
    assert bool(df.loc["lone", "p99_undersampled"]) is False

    failed = report.to_frame(with_failure)
    assert list(failed.index) == ["lone", "forest", "broken"]
    assert failed.loc["broken", "status"] == "failed"
    assert "ValueError" in failed.loc["broken", "error"]
    assert pd.isna(failed.loc["broken", "p99_s"]) and not failed.loc["broken", "pareto"]
    assert budgeted.to_frame().equals(df)


def test_to_frame_failed_baseline_and_undersampled(
    failed_baseline: Comparison, undersampled: Comparison
) -> None:
    df = report.to_frame(failed_baseline)
    assert df["score_diff"].isna().all() and df.loc["lone", "is_baseline"]
    assert bool(report.to_frame(undersampled).loc["few", "p99_undersampled"]) is True


def test_csv_round_trip(with_failure: Comparison) -> None:
    back = pd.read_csv(io.StringIO(report.render_csv(with_failure)))
    assert back["candidate"].tolist() == ["lone", "forest", "broken"]
    assert back.loc[2, "status"] == "failed"
    assert back["p99_s"].iloc[:2].notna().all()


def test_json_round_trip(budgeted: Comparison) -> None:
    data = json.loads(report.render_json(budgeted))
    again = Comparison.from_dict(data)
    assert again.names == budgeted.names and again.budget == budgeted.budget


# --------------------------------------------------------------------------- one result
def test_render_result() -> None:
    text = report.render_result(make_result("few", n=100, latency_ms=2.0), line_width=200)
    for word in ("few", "accuracy", "median of 3 fits", "batch 1,000", "p50", "p90", "p999"):
        assert word in text, word
    p99 = next(line for line in text.splitlines() if "latency p99" in line)
    assert "under-sampled: n=100 < 662 needed" in p99 and "inf)" in p99
    assert "10 warm-up calls" in text and "GC collections" in text
    assert "stopped: time limit" in text and "size" in text and "Python 3.11" in text


def test_result_html() -> None:
    result = make_result("<b>m</b>", n=100)
    page = report.result_html(result)
    assert "<table>" in page and "&lt;b&gt;m&lt;/b&gt;" in page and "<b>m" not in page
    assert "under-sampled" in page
    assert result._repr_html_() == page
    assert str(result) == report.render_result(result)


# --------------------------------------------------------------------------- end to end
def test_real_comparison_renders_in_every_format() -> None:
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier

    import prodbench as pb

    X, y = load_breast_cancer(return_X_y=True)
    cmp = pb.compare(
        [LogisticRegression(max_iter=5000), KNeighborsClassifier()],
        X,
        y,
        max_time=0.3,
        budget="p99=50ms",
        min_fits=1,  # keep the test short on a loaded machine
        batch_sizes=(1, 100),
    )
    text = str(cmp)
    assert "LogisticRegression" in text and "KNeighborsClassifier" in text
    assert "RESEARCH PRIORITY" in text and "143 test rows" in text
    assert "Research priority" in cmp.to_markdown()
    assert "Production priority" in cmp._repr_html_()
    df = cmp.to_frame()
    assert list(df.index) == ["LogisticRegression", "KNeighborsClassifier"]
    assert (df["status"] == "ok").all()
    assert len(pd.read_csv(io.StringIO(report.render_csv(cmp)))) == 2
    assert json.loads(report.render_json(cmp))["baseline"] == "LogisticRegression"
    assert "latency p99" in str(cmp.results["KNeighborsClassifier"])
