"""Candidates' own output is contained: a few lines and a count, every line in --log.

The CLI runs in a subprocess (file descriptors 1 and 2 are the point). The
fake prints 2,000 lines from ``fit`` through Python and one line straight to
file descriptor 2 from ``predict``, as native logging does; its timings do
not matter here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CANDIDATES = '''
import os

import numpy as np


class Talker:
    """Prints 2,000 lines when first fitted, and writes to fd 2 on its first predict."""

    printed = False  # the first fit prints (the run fits several times)
    wrote = False

    def fit(self, X, y):
        if not Talker.printed:
            Talker.printed = True
            for i in range(2000):
                print(f"[Talker] [Info] line {i}")
        self.classes_ = np.unique(y)
        self.label_ = self.classes_[0]
        return self

    def predict(self, X):
        if not Talker.wrote:
            Talker.wrote = True
            os.write(2, b"[native] straight to fd 2\\n")
        return np.full(len(X), self.label_)


class Quiet(Talker):
    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.label_ = self.classes_[0]
        return self

    def predict(self, X):
        return np.full(len(X), self.label_)


CANDIDATES = {"talker": Talker(), "quiet": Quiet()}
'''

FAST = ["--data", "iris", "--max-time", "0.2", "--max-fit-time", "0.5", "--quiet"]


def _cli(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    import prodbench

    src = str(Path(prodbench.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    cands = tmp_path / "cands.py"
    cands.write_text(CANDIDATES)
    return subprocess.run(
        [sys.executable, "-m", "prodbench", "compare", "--candidates", str(cands), *FAST, *argv],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("isolate", [True, False], ids=["isolated", "in-process"])
def test_a_candidate_printing_2000_lines_shows_a_count_and_a_few_lines(
    tmp_path: Path, isolate: bool
) -> None:
    done = _cli(tmp_path, *([] if isolate else ["--no-isolate"]), "--log", "run.log")
    assert done.returncode == 0, done.stderr[-3000:]
    err = done.stderr.splitlines()
    source = "talker" if isolate else "in-process candidates"
    assert f"prodbench: {source} printed 2,001 lines; the last 3 (every line in " in done.stderr
    # at most a few of the candidate's lines reach the terminal
    assert sum("[Talker] [Info]" in line for line in err) <= 3
    assert "[native] straight to fd 2" in done.stderr  # the last line, shown
    assert len(err) < 20, done.stderr
    assert "[Talker]" not in done.stdout  # stdout carries the results only
    # --log keeps every line, each with its source
    log = (tmp_path / "run.log").read_text().splitlines()
    assert len(log) == 2001
    assert log[0] == f"[{source}] [Talker] [Info] line 0"
    assert f"[{source}] [native] straight to fd 2" in log
    # the results come last, on stdout: the table ends the output
    assert done.stdout.strip()


def test_without_log_the_summary_says_how_to_keep_the_lines(tmp_path: Path) -> None:
    done = _cli(tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "prodbench: talker printed 2,001 lines; the last 3 (--log FILE keeps every line):" in (
        done.stderr
    )
    assert "quiet printed" not in done.stderr  # a silent candidate is not mentioned
    assert sum("[Talker] [Info]" in line for line in done.stderr.splitlines()) <= 3


def test_prodbench_own_lines_come_after_the_candidates_output(tmp_path: Path) -> None:
    done = _cli(tmp_path, "--budget", "p50=1ns")  # nobody passes: prodbench says so
    assert done.returncode == 1, done.stderr[-3000:]
    err = done.stderr.splitlines()
    summary = next(i for i, line in enumerate(err) if "talker printed" in line)
    own = [i for i, line in enumerate(err) if line.startswith("prodbench:") and i > summary + 3]
    assert own, done.stderr  # prodbench's own verdict lines follow the candidates' output
    assert all("[Talker]" not in line for line in err[summary + 4 :])


def test_log_path_is_checked_before_measuring(tmp_path: Path) -> None:
    (tmp_path / "adir").mkdir()
    done = _cli(tmp_path, "--log", "adir")
    assert done.returncode == 2
    assert "--log 'adir' is a directory" in done.stderr
    assert "Traceback" not in done.stderr
