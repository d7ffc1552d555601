"""Hostile input, round two (issue 23): processes, files and devices.

S1 (nothing imported from the working directory in a worker), D1-D3 and H4
(outputs and inputs that are not regular files, outputs that are inputs), D5
(a model's forked children die with its worker), D6 (a model's
KeyboardInterrupt), H1-H3, C1-C2 (bounds), W6 (native writes to fd 1). Every
case asserts the exit code, that no traceback was printed and that files and
devices survive.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from prodbench.cli import main

FAST = ["--max-time", "0.2", "--max-fit-time", "0.5", "--quiet"]
LIB_FAST = {"max_time": 0.05, "min_fits": 1, "batch_sizes": (1,), "progress": None}


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


CONSOLE_SCRIPT = """\
import sys
from prodbench.cli import main
if __name__ == "__main__":
    sys.exit(main())
"""


def run_cli(cwd: Path, *argv: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """``prodbench ...`` in a subprocess, started as the console script is: a script in
    another directory (its directory, not the working directory, is on ``sys.path``)."""
    script = cwd.parent / "bin" / "prodbench"
    script.parent.mkdir(exist_ok=True)
    script.write_text(CONSOLE_SCRIPT)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    return subprocess.run(
        [sys.executable, str(script), *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def small_xy(n: int = 60) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 3))
    return X, (X[:, 0] > 0).astype(int)


class Quick:
    """A fast classifier: predicts the first training label."""

    def fit(self, X, y):
        self.label_ = np.asarray(y)[0]
        return self

    def predict(self, X):
        return np.full(len(X), self.label_)


# --------------------------------------------------------------------------- S1
# ``select`` is imported by every worker after start-up and is not loaded by the
# interpreter itself, so a ``select.py`` in the working directory would run there.
SENTINEL_MODULE = """\
import importlib, os, sys
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "SENTINEL"), "a") as f:
    f.write(f"{__name__} imported in pid {os.getpid()}\\n")
sys.path[:] = [p for p in sys.path if p not in ("", here)]
del sys.modules[__name__]
sys.modules[__name__] = importlib.import_module(__name__)
"""


@pytest.fixture
def hostile_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cwd = tmp_path / "repo"
    cwd.mkdir()
    for name in ("select", "selectors", "signal", "pickle", "traceback", "subprocess"):
        (cwd / f"{name}.py").write_text(SENTINEL_MODULE)
    monkeypatch.chdir(cwd)
    return cwd


def test_isolated_compare_imports_nothing_from_the_working_directory(hostile_cwd) -> None:
    import prodbench

    X, y = small_xy()
    cmp = prodbench.compare({"a": Quick(), "b": Quick()}, X, y, isolate=True, **LIB_FAST)
    assert set(cmp.results) == {"a", "b"} and not cmp.failures
    assert not (hostile_cwd / "SENTINEL").exists(), (hostile_cwd / "SENTINEL").read_text()


def test_load_test_workers_import_nothing_from_the_working_directory(hostile_cwd) -> None:
    import prodbench

    X, y = small_xy()
    lt = prodbench.load_test(Quick().fit(X, y), X, qps=20, duration=0.3, floor=False)
    assert lt.completed > 0
    assert not (hostile_cwd / "SENTINEL").exists(), (hostile_cwd / "SENTINEL").read_text()


def test_cli_compare_and_load_test_in_a_subprocess_import_nothing_from_cwd(hostile_cwd) -> None:
    done = run_cli(hostile_cwd, "compare", "logreg", "knn", "--data", "iris", *FAST)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    done = run_cli(
        hostile_cwd, "load-test", "logreg", "--data", "iris", "--qps", "10",
        "--duration", "0.5", "--no-floor",
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr
    assert not (hostile_cwd / "SENTINEL").exists(), (hostile_cwd / "SENTINEL").read_text()


def test_cli_sweep_on_a_local_dask_cluster_imports_nothing_from_cwd(hostile_cwd) -> None:
    pytest.importorskip("distributed")
    if sys.version_info < (3, 11):
        pytest.skip("PYTHONSAFEPATH, which keeps the cwd off a Dask worker's path, is 3.11+")
    done = run_cli(
        hostile_cwd, "sweep", "logreg", "knn", "--data", "iris", "--scheduler", "local:1", *FAST
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert not (hostile_cwd / "SENTINEL").exists(), (hostile_cwd / "SENTINEL").read_text()


# --------------------------------------------------------------------------- H3
def test_sweep_local_workers_far_above_the_cores_are_refused(capsys, monkeypatch) -> None:
    pytest.importorskip("distributed")
    monkeypatch.delenv("PRODBENCH_MAX_LOCAL_WORKERS", raising=False)
    started = time.monotonic()
    code, out, err = run(
        capsys, "sweep", "logreg", "knn", "--data", "iris", "--scheduler", "local:100000", *FAST
    )
    assert code == 2 and out == ""
    assert_one_line_error(err, "PRODBENCH_MAX_LOCAL_WORKERS")
    assert time.monotonic() - started < 30  # refused, not started


def test_sweep_local_workers_cap_is_checked_before_any_process_starts(monkeypatch) -> None:
    pytest.importorskip("distributed")
    from prodbench import _dask
    from prodbench.errors import SpecError

    monkeypatch.setenv("PRODBENCH_MAX_LOCAL_WORKERS", "3")
    assert _dask.local_workers_cap() == 3
    with pytest.raises(SpecError, match="local:4 would start 4"):
        _dask._connect("local:4", [])
    monkeypatch.setenv("PRODBENCH_MAX_LOCAL_WORKERS", "lots")
    with pytest.raises(SpecError, match="positive whole number"):
        _dask.local_workers_cap()


# --------------------------------------------------------------------------- D5
class Forks(Quick):
    """Forks a child that sleeps for an hour, writing its pid down first."""

    def fit(self, X, y):
        pid = os.fork()
        if pid == 0:  # the child: never returns to the model's caller
            try:
                time.sleep(3600)
            finally:
                os._exit(0)
        with open(os.environ["FORKS_PIDFILE"], "a") as f:
            f.write(f"{pid}\n")
        return super().fit(X, y)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_processes_forked_by_an_isolated_model_die_with_its_worker(tmp_path, monkeypatch):
    import prodbench

    pidfile = tmp_path / "pids"
    monkeypatch.setenv("FORKS_PIDFILE", str(pidfile))
    X, y = small_xy()
    cmp = prodbench.compare({"forks": Forks(), "ok": Quick()}, X, y, isolate=True, **LIB_FAST)
    assert "forks" in cmp.results
    pids = [int(p) for p in pidfile.read_text().split()]
    assert pids
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p for p in pids if _alive(p)]
