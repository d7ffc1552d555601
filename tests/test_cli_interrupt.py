"""Ctrl-C keeps what was measured: partial results saved, marked, shown, refused by gates.

A real ``SIGINT`` is sent to a ``prodbench compare`` subprocess once its
candidates are in the latency phase. The fakes busy-wait (0.5 ms a call) and,
after 3,000 one-row calls (well past the thread probe and the warm-up), create
a marker file: the test waits for both markers (never a fixed sleep), then
interrupts. ``--max-time`` is long, so
the run is always cut short in the latency phase.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

CANDIDATES = '''
import os
import time
from pathlib import Path

import numpy as np

MARKERS = Path(os.environ["PRODBENCH_TEST_MARKERS"])


class Spinner:
    """0.5 ms a one-row call; marks MARKERS/<name> after 3,000 (past the probe and warm-up)."""

    def __init__(self, name="spin"):
        self.name = name

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.label_ = self.classes_[0]
        self.calls_ = 0
        return self

    def predict(self, X):
        if len(X) == 1:
            end = time.perf_counter_ns() + 500_000
            while time.perf_counter_ns() < end:
                pass
            self.calls_ += 1
            if self.calls_ == 3000:
                (MARKERS / self.name).touch()
        return np.full(len(X), self.label_)

    def get_params(self, deep=True):
        return {"name": self.name}

    def set_params(self, **params):
        self.__dict__.update(params)
        return self


CANDIDATES = {"a": Spinner("a"), "b": Spinner("b")}
'''

ARGS = ["--data", "iris", "--max-time", "120", "--max-fit-time", "0.5", "--batch-sizes", "10",
        "--precision", "0.0001"]  # fmt: skip


def _env(markers: Path) -> dict[str, str]:
    import prodbench

    src = str(Path(prodbench.__file__).resolve().parents[1])
    path = os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return {**os.environ, "PYTHONPATH": path, "PRODBENCH_TEST_MARKERS": str(markers)}


def _interrupted_run(tmp_path: Path, *extra: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    markers = tmp_path / "markers"
    markers.mkdir()
    cands = tmp_path / "cands.py"
    cands.write_text(CANDIDATES)
    out = tmp_path / "run.json"
    argv = [sys.executable, "-m", "prodbench", "compare", "--candidates", str(cands), *ARGS]
    proc = subprocess.Popen(
        [*argv, "--output", str(out), "--quiet", *extra],
        cwd=tmp_path,
        env=_env(markers),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    try:
        while not ((markers / "a").exists() and (markers / "b").exists()):
            if proc.poll() is not None or time.monotonic() > deadline:
                stdout, stderr = proc.communicate(timeout=30)
                pytest.fail(f"the run ended or stalled before its latency phase: {stderr}")
            time.sleep(0.05)  # polling for the markers, not a fixed wait
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr), out


@pytest.mark.parametrize("isolate", [True, False], ids=["isolated", "in-process"])
def test_ctrl_c_saves_every_candidates_phases_and_samples(tmp_path: Path, isolate: bool) -> None:
    from prodbench.verdict import Comparison

    done, out = _interrupted_run(tmp_path, *([] if isolate else ["--no-isolate"]))
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr
    assert (
        "interrupted; no finished candidate and the phases and latency samples measured so far "
        f"of a, b (marked interrupted) saved in {out}"
    ) in done.stderr
    saved = json.loads(out.read_text())
    assert saved["options"]["interrupted"] == ["a", "b"]
    cmp = Comparison.from_json(out)
    for name in ("a", "b"):
        result = cmp.results[name]
        assert result.interrupted
        assert result.latency.stop_reason == "interrupted"
        assert result.latency.n > 0  # the samples so far
        assert result.training is not None and len(result.training.fit_times_ns) >= 1
        assert result.score.n > 0
        assert result.throughput.batches  # the bulk phase came before the latency phase
        assert result.footprint is None
    # show renders the file with the mark
    env = _env(tmp_path)
    shown = subprocess.run(
        [sys.executable, "-m", "prodbench", "show", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert shown.returncode in (0, 1), shown.stderr
    assert "interrupted" in shown.stdout
    assert "a, b were cut short by Ctrl-C" in shown.stdout


def test_diff_fail_on_refuses_an_interrupted_run_unless_allowed(tmp_path: Path) -> None:
    done, out = _interrupted_run(tmp_path)
    assert done.returncode == 130, done.stderr
    env = _env(tmp_path)
    base = [sys.executable, "-m", "prodbench", "diff", str(out), str(out)]
    refused = subprocess.run(
        [*base, "--fail-on", "p50=+1000%"], capture_output=True, text=True, env=env, timeout=120
    )
    assert refused.returncode == 2, refused.stderr
    assert "interrupted" in refused.stderr and "--allow-interrupted" in refused.stderr
    assert "Traceback" not in refused.stderr
    allowed = subprocess.run(
        [*base, "--fail-on", "p50=+1000%", "--allow-interrupted"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert allowed.returncode == 0, allowed.stderr
    # without gates, diff only reports: no refusal
    plain = subprocess.run(base, capture_output=True, text=True, env=env, timeout=120)
    assert plain.returncode == 0, plain.stderr
