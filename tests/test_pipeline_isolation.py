"""Nothing a candidate does costs the others: in-process and in worker processes.

Under ``isolate=True`` each candidate runs in its own worker (prodbench.worker);
raising, exiting, printing, failing to (un)pickle, crashing and hanging fail
only that candidate, and the others are measured, rendered and saved.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from fakes import busy_wait_ns
from sklearn.datasets import load_iris

import prodbench as pb

FAST = {"max_time": 0.2, "min_fits": 1}
TESTS = Path(__file__).parent


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


class Good:
    def fit(self, X, y):
        self.label_ = np.unique(y)[0]
        return self

    def predict(self, X):
        busy_wait_ns(20_000)
        return np.full(len(X), self.label_)


class OneRow(Good):
    """Misbehaves on one-row calls (the latency phase), behaves in bulk (score)."""

    def act(self) -> None:
        raise NotImplementedError

    def predict(self, X):
        if len(X) == 1:
            self.act()
        return super().predict(X)


class Raises(OneRow):
    def act(self) -> None:
        raise ValueError("kaboom")


class Exits(OneRow):
    def act(self) -> None:
        sys.exit(0)


class Prints(Good):
    def predict(self, X):
        print("model chatter")
        return super().predict(X)


class BadState(Good):
    """joblib.load (the footprint) and unpickling in a worker both raise."""

    def __init__(self):
        self.config = {"depth": 3}  # some state, so that __setstate__ is called

    def __setstate__(self, state):
        raise RuntimeError("cannot restore")


class Unpicklable(Good):
    def __init__(self):
        import threading

        self.lock = threading.Lock()


class HardExit(OneRow):
    def act(self) -> None:
        os._exit(3)


class Segfault(OneRow):
    def act(self) -> None:
        import ctypes

        ctypes.string_at(0)


class Hangs(OneRow):
    def act(self) -> None:
        while True:
            pass


def reasons(cmp) -> dict[str, str]:
    return {name: f"{f.error_type}: {f.message}" for name, f in cmp.failures.items()}


def test_in_process_survives_everything_catchable(iris, capfd):
    X, y = iris
    t0 = time.perf_counter()
    cmp = pb.compare(
        {
            "good": Good(),
            "raises": Raises(),
            "exits": Exits(),
            "prints": Prints(),
            "badstate": BadState(),
            "hangs": Hangs(),
        },
        X,
        y,
        call_timeout=1.0,
        **FAST,
    )
    assert time.perf_counter() - t0 < 20
    assert sorted(cmp.results) == ["good", "prints"]
    why = reasons(cmp)
    assert "ValueError" in why["raises"] and "kaboom" in why["raises"]
    assert "SystemExit" in why["exits"] and "sys.exit" in why["exits"]
    assert "cannot be loaded back" in why["badstate"] and "cannot restore" in why["badstate"]
    assert "timeout" in why["hangs"] and "call_timeout=1" in why["hangs"]
    assert "good" in str(cmp) and "kaboom" in str(cmp)


@pytest.mark.slow
def test_isolation_survives_crashes_hangs_and_pickling(iris):
    X, y = iris
    t0 = time.perf_counter()
    cmp = pb.compare(
        {
            # SystemExit and os._exit in a worker: tests/test_worker.py.
            "good": Good(),
            "raises": Raises(),
            "badstate": BadState(),
            "unpicklable": Unpicklable(),
            "segfault": Segfault(),
            "hangs": Hangs(),
        },
        X,
        y,
        isolate=True,
        call_timeout=2.0,
        **FAST,
    )
    elapsed = time.perf_counter() - t0
    assert list(cmp.results) == ["good"]
    assert cmp.results["good"].options["isolate"] is True
    assert cmp.results["good"].options["worker_startup_s"] > 0
    why = reasons(cmp)
    assert "kaboom" in why["raises"] and why["raises"].startswith("ValueError")
    assert "could not be loaded in its worker" in why["badstate"]
    assert "cannot restore" in why["badstate"]
    assert "could not be sent to its worker" in why["unpicklable"]
    assert "SIGSEGV" in why["segfault"]
    assert "timeout" in why["hangs"] and "killed" in why["hangs"]
    assert elapsed < 60, elapsed
    text = str(cmp)
    assert "SIGSEGV" in text and "good" in text


@pytest.mark.slow
def test_isolated_measure_ships_test_module_classes(iris):
    X, y = iris
    result = pb.measure(Good(), X, y, isolate=True, **FAST)
    assert result.latency.n > 100 and result.options["worker_startup_s"] > 0
    assert result.options["thread_policy"]["latency"] == 1


@pytest.mark.slow
def test_cli_exit_3_keeps_the_others_and_json_stdout_clean(tmp_path):
    script = tmp_path / "cands.py"
    script.write_text(
        textwrap.dedent(
            """
            import ctypes
            import numpy as np

            class Good:
                def fit(self, X, y):
                    self.label_ = np.unique(y)[0]
                    return self
                def predict(self, X):
                    print("good model chatter")
                    return np.full(len(X), self.label_)

            class Segfault(Good):
                def predict(self, X):
                    if len(X) == 1:
                        ctypes.string_at(0)
                    return super().predict(X)

            CANDIDATES = {"good": Good(), "crash": Segfault()}
            """
        )
    )
    out = tmp_path / "run.json"
    proc = subprocess.run(
        [
            *(sys.executable, "-m", "prodbench", "compare", "--candidates", str(script)),
            *("--data", "iris", "--max-time", "0.2", "--quiet", "--format", "json"),
            *("--output", str(out)),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "good model chatter" in proc.stderr
    printed = json.loads(proc.stdout)  # nothing the models printed is in it
    saved = json.loads(out.read_text())
    for payload in (printed, saved):
        assert list(payload["results"]) == ["good"]
        assert "SIGSEGV" in payload["failures"]["crash"]["message"]


@pytest.mark.slow
def test_ctrl_c_kills_the_workers(tmp_path):
    pid_file = tmp_path / "worker.pid"
    script = tmp_path / "run.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import os
            import numpy as np
            import prodbench as pb
            from sklearn.datasets import load_iris

            class Stuck:
                def fit(self, X, y):
                    self.label_ = np.unique(y)[0]
                    return self
                def predict(self, X):
                    if len(X) == 1:
                        with open({str(pid_file)!r}, "w") as f:
                            f.write(str(os.getpid()))
                        while True:
                            pass
                    return np.full(len(X), self.label_)

            X, y = load_iris(return_X_y=True)
            try:
                pb.measure(Stuck(), X, y, isolate=True, min_fits=1, max_time=0.2, progress=False)
            except KeyboardInterrupt:
                # The parent lives on (a notebook, say): its worker must be gone already.
                pid = int(open({str(pid_file)!r}).read())
                try:
                    state = open(f"/proc/{{pid}}/stat").read().split()[2]
                except FileNotFoundError:
                    state = "gone"
                print("interrupted; worker", "reaped" if state in ("gone", "Z") else "ALIVE")
            """
        )
    )
    import signal

    proc = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        deadline = time.monotonic() + 120
        while not pid_file.exists() or not pid_file.read_text():
            assert time.monotonic() < deadline and proc.poll() is None, proc.stderr
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert out.decode().strip() == "interrupted; worker reaped", err.decode()
