"""Tests of prodbench.report's one dispatcher: report.render, report.to_json_dict, report.to_frame.

Every format of every result type comes out of ``report.render`` byte for byte
as it comes out of the renderer the front ends called before, and the words
about the production decision are the same in every output.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from factories import make_comparison, make_result

from prodbench import report
from prodbench.diff import diff_runs
from prodbench.report.capacity import render_capacity, render_load_test
from prodbench.report.diff import render_diff
from prodbench.report.sweep import (
    render_sweep_csv,
    render_sweep_html,
    render_sweep_json,
    render_sweep_markdown,
    render_sweep_text,
    sweep_frame,
)
from prodbench.serving_results import (
    CandidateCapacity,
    Capacity,
    LoadLatency,
    LoadTestResult,
    MaxQPS,
)
from prodbench.sweep_results import CaseRun, FailedCase, Sweep
from prodbench.verdict import Budget, FailedCandidate

N_ROWS = 1000
Y = np.arange(N_ROWS) % 2


def _correct(errors: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    c = np.ones(N_ROWS, dtype=bool)
    c[rng.choice(N_ROWS, errors, replace=False)] = False
    return c


def _undecided_and_failing():
    """close: p99 ~2.65 ms on 300 samples against 2.5 ms (undecided); slow: 5 ms (fails)."""
    c = _correct(100)
    close = make_result(
        "close", latency_ms=2.65 / np.exp(2.326 * 0.3), spread=0.3, n=300, correct=c, y_true=Y
    )
    slow = make_result("slow", latency_ms=5.0, correct=c, y_true=Y, seed=1)
    lone = make_result("lone", latency_ms=4.0, correct=_correct(150, 2), y_true=Y, seed=2)
    broken = FailedCandidate("broken", "fit", "ValueError", "boom")
    return make_comparison([lone, close, slow], budget=Budget(p99="2.5ms"), failures=[broken])


def _comparison():
    return make_comparison(
        [make_result("lone"), make_result("ensemble", latency_ms=3.0, seed=1)],
        budget=Budget(p99="5ms"),
    )


def _sweep() -> Sweep:
    return Sweep(
        cases=("iris", "wine", "digits"),
        comparisons={"iris": _comparison(), "wine": _undecided_and_failing()},
        failures={"digits": FailedCase("digits", "the worker was lost", "WorkerLost")},
        runs={
            "iris": CaseRun(host="h1", cpu_model="cpu", logical_cores=4),
            "wine": CaseRun(host="h1", cpu_model="cpu", logical_cores=4, attempts=2),
        },
        candidates={"iris": ("lone", "ensemble"), "digits": ("a", "b")},
        budget=Budget(p99="5ms"),
    )


def _capacity() -> Capacity:
    m1 = MaxQPS(1, 1234.0, 1100.0, 1300.0, 0.0005, 5000, {"p99": 0.005})
    m2 = MaxQPS(2, 2500.0, 2300.0, 2600.0, 0.0005, 5000, {"p99": 0.005})
    return Capacity({"p99": 0.005}, (1, 2), {"lone": CandidateCapacity("lone", {1: m1, 2: m2})})


def _load_test() -> LoadTestResult:
    lat = LoadLatency(samples_ns=np.full(3000, 1_000_000))
    return LoadTestResult(
        lat, offered_qps=300.0, requests=3000, duration_s=10.0, elapsed_s=10.0, workers=1,
        startup_s=0.8,
    )  # fmt: skip


def _diff():
    old = make_comparison([make_result("lone"), make_result("ensemble", seed=1)])
    new = make_comparison([make_result("lone", latency_ms=1.3, seed=2), make_result("ensemble")])
    return diff_runs(old, new, {"p99": 0.1})


# --------------------------------------------------------------------------- same bytes
@pytest.mark.parametrize("make", [_comparison, _undecided_and_failing])
def test_a_comparison_renders_the_same_through_render(make):
    cmp = make()
    assert report.render(cmp, "table", cli=True) == report.render_text(cmp, cli=True)
    assert report.render(cmp, "table", width=100) == report.render_text(cmp, width=100)
    assert report.render(cmp) == report.render(cmp, "text") == report.render_text(cmp)
    assert report.render(cmp, "markdown") == report.render_markdown(cmp)
    assert report.render(cmp, "html") == report.render_html(cmp)
    assert report.render(cmp, "json") == report.render_json(cmp)
    assert report.render(cmp, "csv") == report.render_csv(cmp)
    assert str(cmp) == report.render_text(cmp)
    assert cmp.to_markdown() == report.render_markdown(cmp)
    assert cmp._repr_html_() == report.render_html(cmp)
    assert report.to_json_dict(cmp) == report.jsonfmt.to_json_dict(cmp)
    assert report.to_frame(cmp).equals(report.frame.to_frame(cmp))
    assert set(report.FORMATS["Comparison"]) == {"table", "markdown", "html", "json", "csv", "page"}


def test_a_sweep_renders_the_same_through_render():
    sw = _sweep()
    old = {
        "table": render_sweep_text,
        "markdown": render_sweep_markdown,
        "html": render_sweep_html,
        "json": render_sweep_json,
        "csv": render_sweep_csv,
    }
    assert set(report.FORMATS["Sweep"]) == {*old, "page"}  # page: tests/test_report_page.py
    for fmt, render in old.items():
        assert report.render(sw, fmt) == render(sw), fmt
    assert str(sw) == render_sweep_text(sw)
    assert sw.to_markdown() == render_sweep_markdown(sw)
    assert sw._repr_html_() == render_sweep_html(sw)
    assert report.to_frame(sw).equals(sweep_frame(sw))
    assert sw.to_frame().equals(sweep_frame(sw))
    assert report.to_json_dict(sw) == sw.to_dict()
    assert json.dumps(report.to_json_dict(sw)) == render_sweep_json(sw)


def test_a_capacity_renders_the_same_through_render():
    cap = _capacity()
    assert set(report.FORMATS["Capacity"]) == {"table", "markdown", "html", "json", "csv"}
    for fmt in ("table", "text", "markdown", "html", "json"):
        assert report.render(cap, fmt) == render_capacity(cap, fmt), fmt
    assert str(cap) == render_capacity(cap, "table")
    assert cap.to_markdown() == render_capacity(cap, "markdown")
    assert cap._repr_html_() == render_capacity(cap, "html")
    assert report.to_json_dict(cap) == cap.to_dict()
    assert report.render(cap, "csv").startswith("candidate,workers,max_qps")  # show --format csv
    with pytest.raises(ValueError, match="unknown capacity format 'page'"):
        report.render(cap, "page")
    with pytest.raises(ValueError, match="unknown capacity format 'csv'"):
        render_capacity(cap, "csv")


def test_a_load_test_renders_the_same_through_render():
    lt = _load_test()
    assert set(report.FORMATS["LoadTestResult"]) == {"table", "json", "markdown", "csv"}
    assert report.render(lt, "table", name="lone") == render_load_test(lt, "lone")
    assert report.render(lt) == render_load_test(lt) == str(lt)
    # the command line's --format json
    assert report.render(lt, "json") == json.dumps(lt.to_dict())
    assert report.to_json_dict(lt) == lt.to_dict()


def test_a_diff_renders_the_same_through_render():
    diff = _diff()
    assert report.render(diff, "table", old_path="a.json", new_path="b.json") == render_diff(
        diff, "a.json", "b.json"
    )
    # the command line's --format json
    assert report.render(diff, "json") == json.dumps(diff.to_dict(), indent=2, allow_nan=False)


def test_one_result_renders_the_same_through_render():
    result = make_result("lone")
    assert report.render(result) == report.render_result(result) == str(result)
    assert report.render(result, "html") == report.result_html(result) == result._repr_html_()


def test_render_names_what_it_cannot_do():
    with pytest.raises(ValueError, match="unknown format 'html' for a LoadTestResult"):
        report.render(_load_test(), "html")
    with pytest.raises(TypeError, match="Cannot render a dict"):
        report.render({}, "table")
    with pytest.raises(TypeError, match="Cannot tabulate a Capacity"):
        report.to_frame(_capacity())


# --------------------------------------------------------------------------- one decision
def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_production_decision_is_said_the_same_everywhere():
    import matplotlib

    matplotlib.use("Agg")
    cmp = _undecided_and_failing()
    decision = cmp.production_decision
    assert decision.pick is None
    assert decision.failing == ("lone", "slow") and decision.undecided == ("close",)
    sentence = decision.sentence
    assert sentence == (
        "Production pick: none, no candidate passes the budget "
        "(fails: lone, slow; undecided: close)."
    )
    assert cmp.verdict[-1].endswith(sentence)
    for fmt in ("table", "markdown", "html"):
        assert _flat(sentence) in _flat(report.render(cmp, fmt)), fmt
    assert _flat(sentence) in _flat(report.render(cmp, "table", cli=True))
    summary = report.to_json_dict(cmp)["summary"]
    assert summary["verdict"][-1].endswith(sentence)
    assert summary["production_pick"] is None and summary["undecided"] == ["close"]
    ax = cmp.plot(kind="tradeoff").axes[0]
    said = [t.get_text() for t in ax.texts if t.get_gid() == "no-production-pick"]
    assert [_flat(t) for t in said] == [sentence]
    assert "every candidate fails" not in " ".join(t.get_text() for t in ax.texts)


def test_a_production_pick_is_said_the_same_everywhere():
    import matplotlib

    matplotlib.use("Agg")
    cmp = _comparison()
    decision = cmp.production_decision
    assert decision.pick == cmp.production_pick and decision.reason == cmp.production_reason
    assert decision.none_reason == ""
    line = f"{cmp.research_sentence} {decision.sentence}"
    assert cmp.verdict[-1] == line
    for fmt in ("table", "markdown", "html"):
        assert _flat(decision.sentence) in _flat(report.render(cmp, fmt)), fmt
    assert report.to_json_dict(cmp)["summary"]["verdict"][-1] == line
    ax = cmp.plot(kind="tradeoff").axes[0]
    assert not [t for t in ax.texts if t.get_gid() == "no-production-pick"]
    picks = {t.get_gid(): t.get_text() for t in ax.texts if str(t.get_gid()).startswith("pick:")}
    assert "production pick" in picks[f"pick:{decision.pick}"]
