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

pytest_plugins = ["pytester"]

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


@pytest.mark.skipif(
    sys.version_info < (3, 11),
    reason="PYTHONSAFEPATH, which keeps the cwd off a Dask worker's path, is Python 3.11+",
)
def test_cli_sweep_on_a_local_dask_cluster_imports_nothing_from_cwd(hostile_cwd) -> None:
    import distributed  # noqa: F401 (CI installs every extra)

    done = run_cli(
        hostile_cwd, "sweep", "logreg", "knn", "--data", "iris", "--scheduler", "local:1", *FAST
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert not (hostile_cwd / "SENTINEL").exists(), (hostile_cwd / "SENTINEL").read_text()


# --------------------------------------------------------------------------- H3
def test_sweep_local_workers_far_above_the_cores_are_refused(capsys, monkeypatch) -> None:
    import distributed  # noqa: F401 (CI installs every extra)

    monkeypatch.delenv("PRODBENCH_MAX_LOCAL_WORKERS", raising=False)
    started = time.monotonic()
    code, out, err = run(
        capsys, "sweep", "logreg", "knn", "--data", "iris", "--scheduler", "local:100000", *FAST
    )
    assert code == 2 and out == ""
    assert_one_line_error(err, "PRODBENCH_MAX_LOCAL_WORKERS")
    assert time.monotonic() - started < 30  # refused, not started


def test_sweep_local_workers_cap_is_checked_before_any_process_starts(monkeypatch) -> None:
    import distributed  # noqa: F401 (CI installs every extra)

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


# --------------------------------------------------------------------------- D1, D2, D3, H4
def _specials(tmp_path: Path) -> dict[str, Path]:
    """A device node (a copy of /dev/null), a FIFO, a directory, and symlinks to them."""
    import stat

    made = {
        "device": tmp_path / "null",
        "fifo": tmp_path / "fifo.json",
        "directory": tmp_path / "a_dir",
    }
    os.mknod(made["device"], stat.S_IFCHR | 0o666, os.makedev(1, 3))
    os.mkfifo(made["fifo"])
    made["directory"].mkdir()
    for kind in ("device", "fifo", "directory"):
        link = tmp_path / f"link_to_{kind}"
        link.symlink_to(made[kind])
        made[f"symlink to {kind}"] = link
    return made


def _fingerprint(path: Path) -> tuple[int, int, int]:
    st = os.lstat(path)
    return (st.st_mode, st.st_rdev, st.st_ino)


def _no_measuring(monkeypatch: pytest.MonkeyPatch) -> None:
    import prodbench
    from prodbench import serving

    def boom(*args, **kwargs):  # pragma: no cover - the point is that it is not called
        raise AssertionError("measured although an output path is bad")

    for owner, name in (
        (prodbench, "compare"),
        (prodbench, "sweep"),
        (serving, "load_test_candidate"),
    ):
        monkeypatch.setattr(owner, name, boom)


SPECIAL_KINDS = [
    "device",
    "fifo",
    "directory",
    "symlink to device",
    "symlink to fifo",
    "symlink to directory",
]


@pytest.mark.parametrize("kind", SPECIAL_KINDS)
@pytest.mark.parametrize("option", ["--output", "--plot"])
def test_compare_refuses_an_output_that_is_not_a_regular_file(
    capsys, tmp_path, monkeypatch, kind, option
) -> None:
    paths = _specials(tmp_path)
    before = {k: _fingerprint(p) for k, p in paths.items()}
    _no_measuring(monkeypatch)
    code, out, err = run(capsys, "compare", "logreg", "knn", "--data", "iris", option,
                         str(paths[kind]), *FAST)  # fmt: skip
    assert code == 2 and out == ""
    assert_one_line_error(err, "directory" if "directory" in kind else "not a regular file")
    assert {k: _fingerprint(p) for k, p in paths.items()} == before


@pytest.mark.parametrize("target", ["-", "/dev/stdout", "/dev/stderr", "/dev/fd/1"])
def test_standard_streams_are_refused_as_outputs(capsys, monkeypatch, target) -> None:
    _no_measuring(monkeypatch)
    code, out, err = run(capsys, "compare", "logreg", "knn", "--data", "iris",
                         "--output", target, *FAST)  # fmt: skip
    assert code == 2 and out == ""
    assert_one_line_error(err, "--format json")
    assert not Path("-").exists()


def test_sweep_load_test_capacity_and_show_refuse_special_outputs(
    capsys, tmp_path, monkeypatch
) -> None:
    from factories import make_comparison, make_result

    paths = _specials(tmp_path)
    before = {k: _fingerprint(p) for k, p in paths.items()}
    saved = tmp_path / "run.json"
    make_comparison([make_result("a"), make_result("b", seed=1)]).to_json(saved)
    _no_measuring(monkeypatch)
    cases = [
        ["sweep", "logreg", "knn", "--data", "iris", "--output", str(paths["device"])],
        ["sweep", "logreg", "knn", "--data", "iris", "--plot", str(paths["symlink to fifo"])],
        ["load-test", "logreg", "--data", "iris", "--output", str(paths["fifo"])],
        ["load-test", "logreg", "--data", "iris", "--output", str(paths["directory"])],
        ["capacity", str(saved), "--budget", "p99=20ms", "--output", str(paths["device"])],
        ["show", str(saved), "--plot", str(paths["symlink to device"])],
    ]
    for argv in cases:
        code, out, err = run(capsys, *argv)
        assert code == 2 and out == "", argv
        assert_one_line_error(err)
    assert {k: _fingerprint(p) for k, p in paths.items()} == before


def test_a_symlink_to_a_regular_file_is_written_through(capsys, tmp_path) -> None:
    real = tmp_path / "real.json"
    real.write_text('{"keep": "me"}')
    link = tmp_path / "link.json"
    link.symlink_to(real)
    code, _, err = run(capsys, "compare", "logreg", "knn", "--data", "iris", "--no-isolate",
                         "--output", str(link), *FAST)  # fmt: skip
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert '"schema_version"' in real.read_text()


def test_library_to_json_refuses_special_targets_and_writes_through_symlinks(tmp_path) -> None:
    from factories import make_comparison, make_result

    from prodbench.errors import SpecError

    cmp = make_comparison([make_result("a"), make_result("b", seed=1)])
    paths = _specials(tmp_path)
    before = {k: _fingerprint(p) for k, p in paths.items()}
    for kind in SPECIAL_KINDS:
        with pytest.raises(SpecError, match=r"directory|not a regular file"):
            cmp.to_json(paths[kind])
        with pytest.raises(SpecError):
            cmp.results["a"].to_json(paths[kind])
    assert {k: _fingerprint(p) for k, p in paths.items()} == before
    real = tmp_path / "real.json"
    real.write_text("{}")
    (tmp_path / "l.json").symlink_to(real)
    cmp.to_json(tmp_path / "l.json")
    assert (tmp_path / "l.json").is_symlink() and "schema_version" in real.read_text()


def test_outputs_that_are_inputs_or_each_other_are_refused(capsys, tmp_path, monkeypatch):
    train = tmp_path / "train.csv"
    train.write_text("a,b,label\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(40)))
    original = train.read_bytes()
    (tmp_path / "hard.csv").hardlink_to(train)
    (tmp_path / "soft.png").symlink_to(train)
    cands = tmp_path / "cands.py"
    cands.write_text("from sklearn.linear_model import LogisticRegression as L\n"
                     "CANDIDATES = {'a': L(), 'b': L(C=2)}\n")  # fmt: skip
    data = ["--data", str(train), "--target", "label"]
    _no_measuring(monkeypatch)
    cases = {
        "output is the data": ["--output", str(train)],
        "output is a hard link to the data": ["--output", str(tmp_path / "hard.csv")],
        "plot is a symlink to the data": ["--plot", str(tmp_path / "soft.png")],
        "output is the test data": ["--test-data", str(train), "--output", str(train)],
        "output is the candidates file": ["--candidates", str(cands), "--output", str(cands)],
        "plot is the output": ["--output", str(tmp_path / "s.png"), "--plot",
                               str(tmp_path / "s.png")],
    }  # fmt: skip
    for name, extra in cases.items():
        base = [] if "--candidates" in extra else ["logreg", "knn"]
        code, out, err = run(capsys, "compare", *base, *data, *extra, *FAST)
        assert code == 2 and out == "", name
        assert_one_line_error(err, "same file")
    assert train.read_bytes() == original and cands.exists()
    assert not (tmp_path / "s.png").exists()


def test_show_capacity_and_load_test_refuse_an_output_that_is_their_input(
    capsys, tmp_path, monkeypatch
) -> None:
    from factories import make_comparison, make_result

    saved = tmp_path / "run.json"
    make_comparison([make_result("a"), make_result("b", seed=1)]).to_json(saved)
    original = saved.read_bytes()
    csv = tmp_path / "d.csv"
    csv.write_text("a,label\n" + "".join(f"{i},{i % 2}\n" for i in range(20)))
    _no_measuring(monkeypatch)
    for argv in (
        ["capacity", str(saved), "--budget", "p99=20ms", "--output", str(saved)],
        ["load-test", "logreg", "--data", str(csv), "--target", "label", "--output", str(csv)],
    ):
        code, out, err = run(capsys, *argv)
        assert code == 2 and out == "", argv
        assert_one_line_error(err, "same file")
    assert saved.read_bytes() == original
    assert csv.read_text().startswith("a,label")


def test_sweep_may_resume_the_file_it_saves(tmp_path, monkeypatch) -> None:
    import argparse

    from prodbench.cli._common import check_output_paths

    out = tmp_path / "sw.json"
    out.write_text("{}")
    ns = argparse.Namespace(output=str(out), plot=None)
    check_output_paths(ns, ("--output", "--plot"), [("--resume", str(out))],
                       may_equal=[("--resume", "--output")])  # fmt: skip
    assert ns.output == str(out)


def test_relative_outputs_are_made_absolute_when_parsed(capsys, tmp_path, monkeypatch) -> None:
    """W7: a model that changes directory cannot move a relative --output."""
    import prodbench

    monkeypatch.chdir(tmp_path)
    seen = {}

    def fake_compare(*args, **kwargs):
        seen["cwd"] = os.getcwd()
        raise KeyboardInterrupt  # stops here: only the path matters

    monkeypatch.setattr(prodbench, "compare", fake_compare)
    main(["compare", "logreg", "knn", "--data", "iris", "--output", "rel.json", *FAST])
    _, err = capsys.readouterr()
    assert str(tmp_path / "rel.json") in err  # the message names the absolute path


def test_a_failed_save_after_load_test_and_capacity_prints_first_and_exits_2(
    capsys, tmp_path, monkeypatch
) -> None:
    import errno

    from factories import make_comparison, make_result

    import prodbench.results
    import prodbench.serving_results

    saved = tmp_path / "run.json"
    make_comparison([make_result("a"), make_result("b", seed=1)]).to_json(saved)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(prodbench.results, "write_json_atomic", full)
    monkeypatch.setattr(prodbench.serving_results, "write_json_atomic", full)
    code, out, err = run(capsys, "capacity", str(saved), "--budget", "p99=20ms", "--workers",
                         "1", "--output", str(tmp_path / "cap.json"))  # fmt: skip
    assert code == 2 and "a" in out
    assert_one_line_error(err, "No space left on device")
    code, out, err = run(capsys, "load-test", "logreg", "--data", "iris", "--qps", "20",
                         "--duration", "0.3", "--no-floor", "--output",
                         str(tmp_path / "lt.json"))  # fmt: skip
    assert code == 2 and out.strip()
    assert_one_line_error(err, "No space left on device")


def _rescue_in(seconds: float, fifo: Path) -> None:
    """Open ``fifo`` for writing after ``seconds``: a reader blocked on it gets EOF (no hang)."""
    import threading

    def rescue() -> None:
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:  # nobody is reading: nothing blocked
            return
        os.close(fd)

    timer = threading.Timer(seconds, rescue)
    timer.daemon = True
    timer.start()


def test_fifos_and_devices_as_inputs_are_refused_not_read(capsys, tmp_path, monkeypatch):
    from factories import make_comparison, make_result

    fifo, fifo_csv = tmp_path / "in.json", tmp_path / "in.csv"
    os.mkfifo(fifo)
    os.mkfifo(fifo_csv)
    saved = tmp_path / "run.json"
    make_comparison([make_result("a"), make_result("b", seed=1)]).to_json(saved)
    cases = [
        ["show", str(fifo)],
        ["show", "/dev/zero"],
        ["diff", str(saved), str(fifo)],
        ["capacity", str(fifo), "--budget", "p99=5ms"],
        ["compare", "logreg", "knn", "--data", str(fifo_csv), "--target", "y", *FAST],
        ["sweep", "logreg", "knn", "--data", "iris", "--resume", str(fifo), *FAST],
        ["load-test", "logreg", "--data", str(fifo_csv), "--target", "y"],
    ]
    for argv in cases:
        _rescue_in(15, fifo)
        _rescue_in(15, fifo_csv)
        started = time.monotonic()
        code, out, err = run(capsys, *argv)
        assert time.monotonic() - started < 10, f"{argv} blocked on the FIFO"
        assert code == 2 and out == "", argv
        assert_one_line_error(err, "not a regular file")
    assert fifo.exists() and not fifo.is_file()


def test_special_output_in_a_subprocess_exits_2_and_keeps_the_node(tmp_path) -> None:
    paths = _specials(tmp_path)
    before = _fingerprint(paths["device"])
    done = run_cli(tmp_path, "compare", "logreg", "knn", "--data", "iris", "--output",
                   "null", *FAST)  # fmt: skip
    assert done.returncode == 2 and done.stdout == ""
    assert_one_line_error(done.stderr, "character device")
    assert _fingerprint(paths["device"]) == before


# --------------------------------------------------------------------------- D6
class RaisesKeyboardInterrupt(Quick):
    """Model code that raises KeyboardInterrupt itself: no Ctrl-C behind it."""

    def predict(self, X):
        raise KeyboardInterrupt


class SendsSigint(Quick):
    """A real SIGINT arrives while it predicts (as when the user presses Ctrl-C)."""

    def predict(self, X):
        import signal

        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)  # the handler runs here
        return super().predict(X)


def test_a_models_own_keyboard_interrupt_fails_only_that_candidate() -> None:
    import prodbench

    X, y = small_xy()
    cmp = prodbench.compare(
        {"ok": Quick(), "kb": RaisesKeyboardInterrupt()}, X, y, isolate=False, **LIB_FAST
    )
    assert "ok" in cmp.results and "kb" in cmp.failures
    assert "KeyboardInterrupt" in str(cmp.failures["kb"])


def test_a_real_sigint_still_interrupts_the_run() -> None:
    import prodbench

    X, y = small_xy()
    with pytest.raises(KeyboardInterrupt):
        prodbench.compare({"ok": Quick(), "sig": SendsSigint()}, X, y, isolate=False, **LIB_FAST)
    import signal

    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_cli_no_isolate_keyboard_interrupt_from_a_model_exits_3(capsys, tmp_path) -> None:
    cands = tmp_path / "cands.py"
    cands.write_text(
        "import numpy as np\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "class KbInt(LogisticRegression):\n"
        "    def predict(self, X):\n"
        "        raise KeyboardInterrupt\n"
        "CANDIDATES = {'ok': LogisticRegression(max_iter=500), 'kb': KbInt()}\n"
    )
    out_file = tmp_path / "kb.json"
    code, out, err = run(capsys, "compare", "--candidates", str(cands), "--data", "iris",
                         "--no-isolate", "--output", str(out_file), *FAST)  # fmt: skip
    assert code == 3, err
    assert "Traceback" not in err and "interrupted" not in err
    assert "ok" in out and '"ok"' in out_file.read_text()


# --------------------------------------------------------------------------- H2
def test_capacity_workers_above_the_cap_are_refused(capsys, tmp_path) -> None:
    from factories import make_comparison, make_result

    from prodbench.errors import SpecError
    from prodbench.serving.capacity import MAX_WORKERS

    cmp = make_comparison([make_result("a"), make_result("b", seed=1)])
    saved = tmp_path / "run.json"
    cmp.to_json(saved)
    for workers in ("2000", "1,2,1000000"):
        started = time.monotonic()
        code, out, err = run(capsys, "capacity", str(saved), "--budget", "p99=20ms",
                             "--workers", workers)  # fmt: skip
        assert code == 2 and out == ""
        assert_one_line_error(err, f"cap of {MAX_WORKERS}")
        assert time.monotonic() - started < 10
    with pytest.raises(SpecError, match="cap of"):
        cmp.capacity({"p99": 0.02}, workers=MAX_WORKERS + 1)
    with pytest.raises(SpecError, match="cap of"):
        cmp.capacity({"p99": 0.02}, workers=(1, MAX_WORKERS + 1))


# --------------------------------------------------------------------------- H1
HANGS = """
import numpy as np
import pytest

from prodbench.testing import assert_latency


class HangsAfterAWhile:
    calls = 0

    def predict(self, X):
        type(self).calls += 1
        if type(self).calls > 50:
            while True:  # a hung call, interruptible only between bytecodes
                pass
        return X[:, 0]


X = np.zeros((20, 3))


@pytest.mark.latency_budget(p99="50ms", max_time=0.5)
def test_fixture(latency):
    HangsAfterAWhile.calls = 0
    latency.check(HangsAfterAWhile(), X, call_timeout=0.5)


def test_assert_latency():
    HangsAfterAWhile.calls = 0
    assert_latency(HangsAfterAWhile(), X, p99="50ms", max_time=0.5, call_timeout=0.5)


def test_first_call_hangs():
    HangsAfterAWhile.calls = 10**6
    assert_latency(HangsAfterAWhile(), X, p99="50ms", max_time=0.5, call_timeout=0.5)
"""


def test_a_hung_predict_fails_the_check_with_a_timeout(pytester, monkeypatch) -> None:
    monkeypatch.delenv("PRODBENCH_BUDGET_SCALE", raising=False)
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    pytester.makepyfile(HANGS)
    started = time.monotonic()
    res = pytester.runpytest_subprocess("-p", "no:cacheprovider",
                                        timeout=120)  # fmt: skip
    assert time.monotonic() - started < 60
    res.assert_outcomes(failed=3)
    out = res.stdout.str()
    assert out.count("timeout: a call to predict()") >= 3, out
    assert "latency phase" in out and "cold start phase" in out


def test_call_timeout_is_checked() -> None:
    from prodbench.errors import BudgetError
    from prodbench.testing import check_latency_budget

    X, y = small_xy()
    for bad in (0, -1, float("nan"), float("inf"), "5s", True):
        with pytest.raises(BudgetError, match="call_timeout"):
            check_latency_budget(Quick().fit(X, y), X, p99="5ms", call_timeout=bad)


# --------------------------------------------------------------------------- C2
def test_runtime_threads_above_the_cores_are_refused() -> None:
    import onnxruntime  # noqa: F401 (CI installs every extra)
    import skl2onnx  # noqa: F401 (CI installs every extra)
    from sklearn.linear_model import LogisticRegression

    from prodbench import runtimes
    from prodbench.errors import DataError

    X, y = small_xy()
    lr = LogisticRegression().fit(X, y)
    cores = os.cpu_count() or 1
    for threads in (cores + 1, 10**6):
        with pytest.raises(DataError, match=f"more than this machine's {cores} cores"):
            runtimes.onnx(lr, X[:5], threads=threads)
    assert runtimes.onnx(lr, X[:5], threads=cores).predict(X[:3]).shape == (3,)


# --------------------------------------------------------------------------- C1
EXIT_IN_DEL = """\
import os
from sklearn.linear_model import LogisticRegression


class ExitInDel(LogisticRegression):
    def __del__(self):
        os._exit(9)


CANDIDATES = {"ok": LogisticRegression(max_iter=500), "exits": ExitInDel(max_iter=500)}
"""


@pytest.mark.parametrize("isolate", [True, False], ids=["isolated", "no-isolate"])
def test_the_cli_ends_with_its_exit_code_whatever_a_models_del_does(tmp_path, isolate) -> None:
    cands = tmp_path / "cands.py"
    cands.write_text(EXIT_IN_DEL)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    flags = ["-P"] if sys.version_info >= (3, 11) else []
    argv = ["compare", "--candidates", str(cands), "--data", "iris", "--format", "json", *FAST]
    done = subprocess.run(
        [sys.executable, *flags, "-m", "prodbench", *argv, *([] if isolate else ["--no-isolate"])],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode in (0, 1, 3), (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr
    import json

    assert "ok" in json.loads(done.stdout)["results"]


# --------------------------------------------------------------------------- W6
WRITES_FD1 = """\
import os
from sklearn.linear_model import LogisticRegression


class WritesFd1(LogisticRegression):
    '''Writes to file descriptor 1 directly, as native logging does.'''

    def fit(self, X, y):
        os.write(1, b"GARBAGE-ON-FD1 from fit\\n")
        return super().fit(X, y)

    def predict(self, X):
        os.write(1, b"GARBAGE-ON-FD1\\n")
        return super().predict(X)


CANDIDATES = {"ok": LogisticRegression(max_iter=500), "noisy": WritesFd1(max_iter=500)}
"""


def test_no_isolate_native_writes_to_fd1_never_reach_json_stdout(tmp_path) -> None:
    import json

    cands = tmp_path / "cands.py"
    cands.write_text(WRITES_FD1)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    done = run_cli(cwd, "compare", "--candidates", str(cands), "--data", "iris", "--no-isolate",
                   "--format", "json", *FAST)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "GARBAGE" not in done.stdout
    assert set(json.loads(done.stdout)["results"]) == {"ok", "noisy"}
    assert "GARBAGE-ON-FD1" in done.stderr


# --------------------------------------------------------------------------- T8
def test_an_isolated_models_keyboard_interrupt_is_a_one_line_failure(capsys, tmp_path) -> None:
    import prodbench

    X, y = small_xy()
    cmp = prodbench.compare(
        {"ok": Quick(), "kb": RaisesKeyboardInterrupt()}, X, y, isolate=True, **LIB_FAST
    )
    assert "ok" in cmp.results
    message = str(cmp.failures["kb"])
    assert "raised KeyboardInterrupt" in message and "Traceback" not in message
    assert "\n" not in message
    cands = tmp_path / "cands.py"
    cands.write_text(
        "from sklearn.linear_model import LogisticRegression\n"
        "class KbInt(LogisticRegression):\n"
        "    def predict(self, X):\n"
        "        raise KeyboardInterrupt\n"
        "CANDIDATES = {'ok': LogisticRegression(max_iter=500), 'kb': KbInt()}\n"
    )
    code, out, err = run(capsys, "compare", "--candidates", str(cands), "--data", "iris", *FAST)
    assert code == 3 and "ok" in out
    assert "Traceback" not in err and "Traceback" not in out
    assert "raised KeyboardInterrupt" in err


# --------------------------------------------------------------------------- T7
def test_ctrl_c_during_a_local_dask_sweep_ends_cleanly(tmp_path) -> None:
    """Ctrl-C (SIGINT to the whole process group) while a case runs on local:1."""
    import signal

    import distributed  # noqa: F401 (CI installs every extra)

    script = tmp_path / "bin" / "prodbench"
    script.parent.mkdir()
    script.write_text(CONSOLE_SCRIPT)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    argv = ["sweep", "logreg", "knn", "--data", "iris", "--data", "wine", "--data",
            "breast_cancer", "--max-time", "2", "--scheduler", "local:1"]  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, str(script), *argv], cwd=tmp_path, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    lines = []
    assert proc.stderr is not None
    for line in proc.stderr:  # wait until a case runs on the worker
        lines.append(line)
        if ": started on " in line:
            break
    time.sleep(1.5)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    err = "".join(lines) + err
    assert proc.returncode == 130, err
    assert "Traceback" not in err, err
    assert " - WARNING - " not in err and " - ERROR - " not in err, err
    assert "interrupted" in err
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        pytest.fail("processes of the interrupted sweep are still running")


def test_sweep_no_isolate_prints_and_fd1_writes_never_reach_json_stdout(tmp_path) -> None:
    import json

    cands = tmp_path / "cands.py"
    noisy = 'os.write(1, b"GARBAGE-ON-FD1\\n")'
    cands.write_text(WRITES_FD1.replace(noisy, noisy + '; print("PRINTED")'))
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    done = run_cli(cwd, "sweep", "--candidates", str(cands), "--data", "iris", "--data", "wine",
                   "--no-isolate", "--format", "json", *FAST)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "GARBAGE" not in done.stdout and "PRINTED" not in done.stdout
    assert json.loads(done.stdout)
    assert "GARBAGE-ON-FD1" in done.stderr and "PRINTED" in done.stderr
