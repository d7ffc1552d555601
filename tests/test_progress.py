"""The progress display: a tqdm bar by default when a person is watching, nothing otherwise."""

from __future__ import annotations

import io
import sys

import numpy as np
import pytest
from fakes import BusyModel, constant

import prodbench as pb
from prodbench.cli import main
from prodbench.errors import DataError
from prodbench.pipeline import ProgressEvent
from prodbench.progress import ProgressBar, interactive, resolve_progress

X = np.random.default_rng(0).normal(size=(200, 4))
Y = (X[:, 0] > 0).astype(int)


def _fast() -> BusyModel:
    return BusyModel(constant(20_000))


class FakeTTY(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def _stderr(monkeypatch: pytest.MonkeyPatch, stream: io.StringIO) -> io.StringIO:
    """Replace stderr in the test's body (pytest's capture resets it after fixtures)."""
    monkeypatch.setattr(sys, "stderr", stream)
    return stream


def test_interactive_means_a_terminal_or_a_notebook(monkeypatch: pytest.MonkeyPatch) -> None:
    _stderr(monkeypatch, FakeTTY())
    assert interactive() is True
    assert interactive(io.StringIO()) is False


def test_resolve_progress() -> None:
    assert resolve_progress(False, ["a"], 1.0) is None
    assert resolve_progress(None, ["a"], 1.0) is None
    assert isinstance(resolve_progress(True, ["a"], 1.0), ProgressBar)
    seen: list[ProgressEvent] = []
    assert resolve_progress(seen.append, ["a"], 1.0) == seen.append
    with pytest.raises(DataError, match="progress='auto'"):
        resolve_progress("yes", ["a"], 1.0)


def test_auto_is_a_bar_on_a_terminal_and_nothing_elsewhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _stderr(monkeypatch, io.StringIO())
    assert resolve_progress("auto", ["a"], 1.0) is None
    _stderr(monkeypatch, FakeTTY())
    assert isinstance(resolve_progress("auto", ["a"], 1.0), ProgressBar)


def test_bar_shows_candidate_phase_samples_and_time_left() -> None:
    out = io.StringIO()
    bar = ProgressBar(["lone", "ensemble"], max_time=5.0, file=out)
    bar(ProgressEvent("lone", "fit", message="fit 1"))
    assert "lone: fit 1" in out.getvalue() and "then ≤10 s of latency sampling" in out.getvalue()
    bar(ProgressEvent("lone", "latency", samples=1234, elapsed=1.0))
    bar(ProgressEvent("ensemble", "latency", samples=50, elapsed=2.0))
    assert bar.time_left() == pytest.approx(7.0)
    text = out.getvalue()
    assert "ensemble: latency, 50 samples" in text and "≤7 s left" in text
    assert "30%" in text  # 3 of the run's 10 s of sampling spent
    bar(ProgressEvent("lone", "done", samples=1234))
    assert bar._bar is not None
    bar(ProgressEvent("ensemble", "failed", message="boom"))
    assert bar._bar is None  # closed once every candidate finished


def test_measure_and_compare_show_a_bar_on_a_terminal_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tty = _stderr(monkeypatch, FakeTTY())
    pb.measure(_fast(), X, Y, max_time=0.1, min_fits=1)
    text = tty.getvalue()
    assert "BusyModel" in text and "latency" in text and "s left" in text
    tty.truncate(0)
    tty.seek(0)
    pb.compare({"a": _fast(), "b": _fast()}, X, Y, max_time=0.1, min_fits=1)
    assert "a: " in tty.getvalue() and "b: " in tty.getvalue()


def test_progress_false_and_non_interactive_show_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tty = _stderr(monkeypatch, FakeTTY())
    pb.measure(_fast(), X, Y, max_time=0.1, min_fits=1, progress=False)
    assert tty.getvalue() == ""
    quiet = io.StringIO()
    monkeypatch.setattr(sys, "stderr", quiet)
    pb.measure(_fast(), X, Y, max_time=0.1, min_fits=1)
    assert quiet.getvalue() == ""


def test_a_callable_still_gets_every_event(monkeypatch: pytest.MonkeyPatch) -> None:
    tty = _stderr(monkeypatch, FakeTTY())
    events: list[ProgressEvent] = []
    pb.measure(_fast(), X, Y, max_time=0.1, min_fits=1, progress=events.append)
    assert tty.getvalue() == ""  # the callable replaces the bar
    phases = [e.phase for e in events]
    assert phases[0] == "fit" and phases[-1] == "done" and "latency" in phases


def test_cli_progress_line_shows_time_left(monkeypatch: pytest.MonkeyPatch) -> None:
    tty = _stderr(monkeypatch, FakeTTY())
    code = main(["compare", "logreg", "knn", "--data", "iris", "--max-time", "0.2"])
    assert code == 0
    text = tty.getvalue()
    assert "prodbench: knn: latency" in text and "s left" in text
