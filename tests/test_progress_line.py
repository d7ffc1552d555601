"""The command line's progress display: one stderr line over the bar's budget tracker."""

from __future__ import annotations

import io

import pytest

from prodbench.pipeline import ProgressEvent
from prodbench.progress import LatencyBudget, ProgressBar, ProgressLine


def test_line_says_candidate_phase_samples_and_time_left() -> None:
    out = io.StringIO()
    line = ProgressLine(["lone", "ensemble"], max_time=5.0, file=out)
    line(ProgressEvent("lone", "fit", message="fit 1"))
    assert out.getvalue() == "\rprodbench: lone: fit, then ≤10 s of latency sampling"
    line(ProgressEvent("lone", "latency", samples=1234, elapsed=1.0))
    line(ProgressEvent("ensemble", "latency", samples=50, elapsed=2.0))
    assert line.time_left() == pytest.approx(7.0)
    assert "\rprodbench: ensemble: latency, 50 samples, ≤7 s left" in out.getvalue()
    line(ProgressEvent("ensemble", "failed", message="boom"))
    assert "prodbench: ensemble: failed (see below), ≤7 s left" in out.getvalue()


def test_line_is_at_most_79_characters_and_clear_blanks_it() -> None:
    out = io.StringIO()
    line = ProgressLine(2, max_time=1.0, file=out)
    line(ProgressEvent("x" * 100, "latency", samples=10, elapsed=0.1))
    written = out.getvalue()
    assert written.startswith("\r") and len(written) == 1 + 79
    line.clear()
    assert out.getvalue().endswith("\r" + " " * 79 + "\r")
    before = out.getvalue()
    line.clear()  # nothing drawn since: nothing written
    assert out.getvalue() == before


def test_bar_and_line_share_one_budget_tracker() -> None:
    events = [
        ProgressEvent("a", "fit"),
        ProgressEvent("a", "latency", samples=10, elapsed=1.5),
        ProgressEvent("b", "latency", samples=10, elapsed=0.5),
        ProgressEvent("a", "latency", samples=20, elapsed=2.5),
    ]
    bar = ProgressBar(["a", "b"], max_time=4.0, file=io.StringIO())
    line = ProgressLine(["a", "b"], max_time=4.0, file=io.StringIO())
    for event in events:
        bar(event)
        line(event)
    assert isinstance(bar.tracker, LatencyBudget) and isinstance(line.tracker, LatencyBudget)
    assert bar.time_left() == line.time_left() == pytest.approx(8.0 - 3.0)
    bar.close()


def test_tracker_counts_the_latest_elapsed_per_candidate_and_never_goes_negative() -> None:
    budget = LatencyBudget(["a"], max_time=1.0)
    assert not budget.started and budget.left() == 1.0
    budget.record(ProgressEvent("a", "throughput", elapsed=9.0))  # not latency: ignored
    assert not budget.started
    budget.record(ProgressEvent("a", "latency", elapsed=0.4))
    budget.record(ProgressEvent("a", "latency", elapsed=0.6))
    assert budget.started and budget.left() == pytest.approx(0.4)
    budget.record(ProgressEvent("a", "latency", elapsed=3.0))
    assert budget.left() == 0.0
    assert LatencyBudget(0, max_time=2.0).total == 2.0  # at least one candidate's budget
