"""Hostile input (issue 10 parts 1, 4, 5): nothing executed, nothing lost, one-line errors.

Every case asserts the exit code (or the error type), that no traceback was
printed, and where it matters that files survive and sentinel side effects
did not happen.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from prodbench.cli import main
from prodbench.errors import ModelError
from prodbench.models import parse_candidate

FAST = ["--max-time", "0.2", "--max-fit-time", "0.5", "--quiet"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err: str, needle: str = "") -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("prodbench: error: "), err
    assert "Traceback" not in err
    assert needle.lower() in err.lower(), err


def run_module(cwd: Path, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run(
        [sys.executable, "-m", "prodbench", *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# --------------------------------------------------------------------------- 1. specs
# Each spec would have a side effect in tmp_path if its class were constructed.
HOSTILE_SPECS = {
    "popen": ("subprocess:Popen(args='touch pwned', shell=True)", "pwned"),
    "fileio": ("io:FileIO(file='victim.txt', mode='w')", "victim.txt"),
    "filehandler": ("logging:FileHandler(filename='x.log')", "x.log"),
}


def _sentinels(tmp_path: Path) -> None:
    (tmp_path / "victim.txt").write_text("precious\n")


def _assert_untouched(tmp_path: Path) -> None:
    assert not (tmp_path / "pwned").exists()
    assert not (tmp_path / "x.log").exists()
    assert (tmp_path / "victim.txt").read_text() == "precious\n"


@pytest.mark.parametrize("case", sorted(HOSTILE_SPECS))
def test_hostile_spec_is_refused_before_construction(tmp_path, monkeypatch, case: str) -> None:
    spec, _ = HOSTILE_SPECS[case]
    _sentinels(tmp_path)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ModelError, match=r"not a model.*not created"):
        parse_candidate(spec)
    _assert_untouched(tmp_path)


@pytest.mark.parametrize("case", sorted(HOSTILE_SPECS))
def test_hostile_spec_on_the_command_line_exits_2(capsys, tmp_path, monkeypatch, case) -> None:
    spec, _ = HOSTILE_SPECS[case]
    _sentinels(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "compare", "logreg", spec, "--data", "iris", *FAST)
    assert code == 2
    assert out == ""
    assert_one_line_error(err, "not a model")
    _assert_untouched(tmp_path)


def test_hostile_spec_in_a_subprocess_runs_nothing(tmp_path) -> None:
    _sentinels(tmp_path)
    spec = HOSTILE_SPECS["popen"][0]
    proc = run_module(tmp_path, "compare", "logreg", spec, "--data", "iris", *FAST)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "not a model" in proc.stderr
    assert proc.stdout == ""
    _assert_untouched(tmp_path)


class _CountingMeta(type):
    """A metaclass whose ``fit``/``predict`` must not make its classes estimators."""

    def fit(cls) -> None:  # pragma: no cover - never called
        raise AssertionError

    def predict(cls) -> None:  # pragma: no cover - never called
        raise AssertionError


class _NotAnEstimator(metaclass=_CountingMeta):
    created = 0

    def __init__(self) -> None:
        type(self).created += 1


class _PredictSwitchedOff:
    created = 0
    predict = None

    def __init__(self) -> None:
        type(self).created += 1

    def fit(self, X, y):  # pragma: no cover - never called
        return self


class _StaticEstimator:
    @staticmethod
    def fit(X, y):  # pragma: no cover - never called
        return None

    @classmethod
    def predict(cls, X):  # pragma: no cover - never called
        return X


def test_the_class_itself_is_checked_not_its_metaclass_or_an_instance() -> None:
    this = __name__
    for cls in (_NotAnEstimator, _PredictSwitchedOff):
        with pytest.raises(ModelError, match="not created"):
            parse_candidate(f"{this}:{cls.__name__}")
        assert cls.created == 0
    assert isinstance(parse_candidate(f"{this}:_StaticEstimator").estimator, _StaticEstimator)


def test_sklearn_estimators_and_pipelines_pass_the_class_check() -> None:
    assert parse_candidate("sklearn.linear_model:LogisticRegression(C=2.0)").estimator.C == 2.0
    # A BaseEstimator without predict (a transformer) is refused before creation.
    with pytest.raises(ModelError, match="not created"):
        parse_candidate("sklearn.preprocessing:StandardScaler")
