"""Hostile input, round three: each case through the entry point it was found on.

A ``python -m prodbench`` subprocess per case, asserting the exit code, that
no traceback was printed, and what the output says.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from factories import make_comparison, make_result
from sklearn.datasets import load_iris


def run_module(cwd: Path, *argv: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run(
        [sys.executable, "-m", "prodbench", *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_w10_capacity_from_one_sample_has_an_open_interval(tmp_path: Path) -> None:
    one = make_result("lone", n=1)
    many = make_result("many", n=5000, seed=1)
    make_comparison([one, many]).to_json(tmp_path / "run.json")
    proc = run_module(tmp_path, "capacity", "run.json", "--budget", "p99=20ms", "--workers", "1")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    row = next(line for line in proc.stdout.splitlines() if line.strip().startswith("lone"))
    low = re.search(r"\[([^,\]]+),", row)
    assert low is not None and low.group(1) == "0", row  # not [x, x] from one sample
    assert "no upper bound" in proc.stdout
    row = next(line for line in proc.stdout.splitlines() if line.strip().startswith("many"))
    assert "[0," not in row, row  # a well-sampled candidate keeps its bootstrap interval


def test_w10_three_test_rows_give_no_zero_width_score_interval(tmp_path: Path) -> None:
    X, y = load_iris(return_X_y=True, as_frame=True)
    frame = X.copy()
    frame["label"] = y
    frame.sample(12, random_state=0).to_csv(tmp_path / "twelve.csv", index=False)
    proc = run_module(
        tmp_path,
        "compare", "logreg", "forest", "--quiet", "--no-isolate", "--max-time", "0.1",
        "--target", "label", "--data", "twelve.csv",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    text = " ".join(proc.stdout.split())
    intervals = re.findall(r"95% CI ([+-][\d.]+) to ([+-][\d.]+)", text)
    assert intervals, text
    for low, high in intervals:
        assert float(high) - float(low) > 10, (low, high)  # pp: 3 rows decide nothing
    assert "with 3 test rows" in text


def test_w10_capacity_interval_stays_closed_when_the_tail_is_bounded() -> None:
    from prodbench.serving.capacity import _unbounded_tail

    assert _unbounded_tail(1, {"p99": 0.02})
    assert not _unbounded_tail(5000, {"p99": 0.02})
    assert not _unbounded_tail(40, {"p50": 0.02})  # a median is bounded from few samples


H5_CANDIDATES = '''
import signal
import threading
import time

import numpy as np
from sklearn.naive_bayes import GaussianNB


class AlarmTakeover:
    """Replaces the SIGALRM handler with one that ignores it, then sleeps."""

    def fit(self, X, y):
        self.label_ = np.unique(y)[:1]
        return self

    def predict(self, X):
        if len(X) == 1:
            signal.signal(signal.SIGALRM, lambda signum, frame: None)
            time.sleep(120)
        return np.repeat(self.label_, len(X))


class SpawnsThreads:
    """Starts a non-daemon thread that never ends."""

    def fit(self, X, y):
        threading.Thread(target=time.sleep, args=(3600,), daemon=False).start()
        self.label_ = np.unique(y)[:1]
        return self

    def predict(self, X):
        return np.repeat(self.label_, len(X))


CANDIDATES = {"ok": GaussianNB(), "%s": %s()}
'''


def test_h5_model_taking_over_sigalrm_fails_alone_no_isolate(tmp_path: Path) -> None:
    (tmp_path / "cands.py").write_text(H5_CANDIDATES % ("takeover", "AlarmTakeover"))
    proc = run_module(
        tmp_path,
        "compare", "--candidates", "cands.py", "--data", "iris", "--no-isolate",
        "--max-time", "0.2", "--call-timeout", "3", "--quiet",
        timeout=100,
    )  # fmt: skip
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.returncode == 3, proc.stderr  # a candidate failed, the others measured
    text = " ".join((proc.stdout + proc.stderr).split())
    assert "takeover" in text and "timeout" in text, text
    assert "GaussianNB" in text or re.search(r"\bok\b", text), text  # the other one measured


def test_h5_model_with_non_daemon_thread_does_not_hang_the_cli(tmp_path: Path) -> None:
    (tmp_path / "cands.py").write_text(H5_CANDIDATES % ("threads", "SpawnsThreads"))
    proc = run_module(
        tmp_path,
        "compare", "--candidates", "cands.py", "--data", "iris", "--no-isolate",
        "--max-time", "0.2", "--quiet",
        timeout=100,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "threads" in proc.stdout


def test_p5_options_between_candidates(tmp_path: Path) -> None:
    proc = run_module(
        tmp_path,
        "compare", "logreg", "--data", "iris", "forest", "--no-isolate", "--max-time", "0.1",
        "--max-fit-time", "0.5", "--quiet",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "unrecognized arguments" not in proc.stderr
    names = {line.split()[0] for line in proc.stdout.splitlines() if line.strip()}
    assert {"logreg", "forest"} <= names, proc.stdout


def test_p5_output_dash_is_refused_and_help_says_so(tmp_path: Path) -> None:
    proc = run_module(
        tmp_path, "compare", "logreg", "forest", "--data", "iris", "--output", "-",
        "--no-isolate", "--max-time", "0.1",
    )  # fmt: skip
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "--format json" in lines[0], proc.stderr
    assert not (tmp_path / "-").exists()
    helped = run_module(tmp_path, "compare", "--help")
    assert "never '-'" in " ".join(helped.stdout.split())


def test_p7_ctrl_c_in_a_sweep_names_the_saved_cases(tmp_path: Path) -> None:
    import signal
    import time

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "prodbench",
            "sweep",
            "logreg",
            "forest",
            "--data",
            "iris",
            "--data",
            "wine",
            "--data",
            "breast_cancer",
            "--no-isolate",
            "--max-time",
            "2",
            "--output",
            "sw.json",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    lines = []
    deadline = time.monotonic() + 150
    for line in proc.stderr:  # wait for the first case to be saved
        lines.append(line)
        if ": done" in line or time.monotonic() > deadline:
            break
    saved = tmp_path / "sw.json"  # the interrupt comes once the finished case is on disk
    while not saved.exists() and time.monotonic() < deadline:
        os.sched_yield()
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    err = "".join(lines) + err
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    done = [line.split(":")[1].strip() for line in lines if ": done" in line]
    assert done, err
    last = [line for line in err.splitlines() if "interrupted" in line][-1]
    assert "finished cases (" in last and "()" not in last, last
    for case in done:
        assert case in last, last


def test_p7_sweep_picks_say_their_reasons(tmp_path: Path) -> None:
    proc = run_module(
        tmp_path,
        "sweep", "logreg", "knn", "--data", "iris", "--data", "wine", "--no-isolate",
        "--max-time", "0.1", "--quiet",
    )  # fmt: skip
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    text = " ".join(proc.stdout.split())
    for case in ("iris", "wine"):
        match = re.search(rf"{case}: research pick (\w+) \(([^)]*)", text)
        assert match is not None, text
        assert match.group(2).strip(), text  # the reason, as compare says it


SEGV_CANDIDATES = """
import ctypes

import numpy as np
from sklearn.naive_bayes import GaussianNB


class Segfault:
    def fit(self, X, y):
        self.label_ = np.unique(y)[:1]
        return self

    def predict(self, X):
        if len(X) == 1:
            ctypes.string_at(0)
        return np.repeat(self.label_, len(X))


CANDIDATES = {"ok": GaussianNB(), "segv": Segfault()}
"""


@pytest.mark.slow
def test_p7_segfault_on_dask_no_isolate_is_worded_as_documented(tmp_path: Path) -> None:
    import distributed  # noqa: F401  (the dask extra, which CI installs: no skip)

    (tmp_path / "cands.py").write_text(SEGV_CANDIDATES)
    proc = run_module(
        tmp_path,
        "sweep", "--candidates", "cands.py", "--data", "iris", "--scheduler", "local:2",
        "--no-isolate", "--max-time", "0.1", "--quiet",
        timeout=600,
    )  # fmt: skip
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "distributed." not in proc.stderr, proc.stderr  # no raw log lines
    assert "Attempted to run task" not in proc.stderr
    assert "ended the worker running it 2 times (retried, then given up)" in proc.stderr
    assert "--no-isolate" in proc.stderr
