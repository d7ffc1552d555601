"""The text report fits the terminal: 80 columns by default, ``COLUMNS`` honoured,
numbers never split from their units, CLI words in the CLI's text."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from factories import make_comparison, make_result

from prodbench import report
from prodbench.report.cells import cli_words, wrap
from prodbench.verdict import Budget, Comparison, FailedCandidate

Y_TRUE = np.arange(1000) % 2
UNIT = re.compile(r"^\s*(ns|µs|ms|s|kB|MB|GB|B|pp)\b")


def _default_like(p99: str | None = "10ms") -> Comparison:
    """Like the default run: a fast lone model and a slower, better ensemble, one under-sampled."""
    rng = np.random.default_rng(3)
    lone = make_result("logreg", latency_ms=0.2, correct=rng.random(1000) < 0.93, y_true=Y_TRUE)
    ensemble = make_result(
        "ensemble",
        latency_ms=9.0,
        spread=0.3,
        n=300,
        correct=rng.random(1000) < 0.95,
        y_true=Y_TRUE,
        seed=2,
    )
    failed = FailedCandidate("knn", "fit", "ValueError", "Input X contains NaN. " * 4)
    budget = None if p99 is None else Budget(p99=p99)
    return make_comparison([lone, ensemble], budget=budget, failures=[failed])


def _check_fits(text: str, width: int) -> None:
    lines = text.splitlines()
    too_long = [line for line in lines if len(line) > width]
    assert not too_long, "\n".join(too_long)
    for line, following in itertools.pairwise(lines):
        if re.search(r"\d$", line):
            assert not UNIT.match(following), (line, following)


@pytest.mark.parametrize("p99", ["10ms", None])
def test_default_is_80_columns_when_columns_is_unset(
    monkeypatch: pytest.MonkeyPatch, p99: str | None
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)  # pytest's stdout is not a terminal: 80
    text = report.render_text(_default_like(p99))
    _check_fits(text, 80)
    assert "RESEARCH PRIORITY" in text and "PRODUCTION PRIORITY" in text
    assert "ms" in text and "Stakeholders:" in text


@pytest.mark.parametrize("columns", [60, 80, 100, 200])
def test_columns_is_honoured(monkeypatch: pytest.MonkeyPatch, columns: int) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    text = str(_default_like())
    _check_fits(text, columns)
    if columns >= 200:  # wide enough: both groups side by side
        title = next(line for line in text.splitlines() if "RESEARCH PRIORITY" in line)
        assert "PRODUCTION PRIORITY" in title


def test_interval_brackets_carry_their_unit_and_open_ends_look_open() -> None:
    text = report.render_text(_default_like(), width=200)
    row = next(line for line in text.splitlines() if line.startswith("ensemble "))
    assert re.search(r"\[[\d.]+, inf\) ms", row)
    row = next(line for line in text.splitlines() if line.startswith("logreg "))
    assert re.search(r"\[[\d.]+, [\d.]+\] µs", row)


def test_p_values_and_scores() -> None:
    text = report.render_text(_default_like(), width=200)
    assert "p=<" not in text
    reg = [make_result(n, task="regression", seed=i) for i, n in enumerate(("ridge", "forest"))]
    cmp = make_comparison(reg)
    assert re.search(r"ridge +\d\.\d{4} ", report.render_text(cmp, width=200))


def test_wrap_never_splits_a_number_from_its_unit() -> None:
    sentence = "ensemble: p99 = 31.7 ms (95% CI 30.7 ms-inf, n=300) exceeds budget 10 ms " * 3
    for width in range(20, 60):
        _check_fits("\n".join(wrap(sentence, width=width)), max(width, 30))


def test_cli_words_in_cli_text_library_words_in_library_text() -> None:
    cmp = _default_like(p99=None)
    assert "pass budget= to check" in report.render_text(cmp)
    cli = report.render_text(cmp, cli=True)
    assert "pass --budget to check" in cli and "budget=" not in cli
    assert cli_words("with target=<column>, test_size=0.25") == (
        "with --target <column>, --test-size 0.25"
    )
    assert cli_words("p99=5ms, n=3") == "p99=5ms, n=3"


def test_one_result_fits_the_terminal_and_its_open_intervals_look_open(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    text = str(make_result("a_candidate_with_a_long_name", n=100, latency_ms=2.0))
    _check_fits(text, 80)
    assert "[" in text and "inf)" in text and "under-sampled" in text
    assert report.render_result(make_result("few", n=100), line_width=200).count("\n") == 11
