"""Hostile input (issue 10 parts 1, 4, 5): nothing executed, nothing lost, one-line errors.

Every case asserts the exit code (or the error type), that no traceback was
printed, and where it matters that files survive and sentinel side effects
did not happen.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from factories import make_comparison, make_result

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


# --------------------------------------------------------------------------- fakes
class Quick:
    """A fast classifier: predicts the first training label (or a fixed one)."""

    def fit(self, X, y):
        self.label_ = np.asarray(y)[0]
        return self

    def predict(self, X):
        return np.full(len(X), self.label_)


class Chatty(Quick):
    """Prints from fit and predict, as careless models do."""

    def fit(self, X, y):
        print("chatty: fitting")
        return super().fit(X, y)

    def predict(self, X):
        print("chatty: predicting")
        return super().predict(X)


class SometimesNaN(Quick):
    """A classifier that gives NaN for every fifth row."""

    def predict(self, X):
        out = np.full(len(X), float(self.label_))
        out[::5] = np.nan
        return out


def small_xy(n: int = 60) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 3))
    return X, (X[:, 0] > 0).astype(int)


def saved_comparison():
    return make_comparison([make_result("a"), make_result("b", latency_ms=3.0, seed=1)])


LIB_FAST = {"max_time": 0.05, "min_fits": 1, "batch_sizes": (1,), "progress": None}
THIS = __name__


# --------------------------------------------------------------------------- 4. output files
def _no_compare(monkeypatch) -> None:
    import prodbench

    def boom(*args, **kwargs):  # pragma: no cover - the point is that it is not called
        raise AssertionError("measured although the output path is bad")

    monkeypatch.setattr(prodbench, "compare", boom)


def _bad_output_paths(tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    a_file = tmp_path / "a_file"
    a_file.write_text("keep me\n")
    (tmp_path / "a_dir").mkdir()
    return {
        "output is a directory": (["--output", str(tmp_path / "a_dir")], "is a directory"),
        "output under a file": (["--output", str(a_file / "run.json")], "not a directory"),
        "output parent missing": (["--output", str(tmp_path / "no" / "run.json")], "mkdir"),
        "plot unknown format": (["--plot", str(tmp_path / "out.xyz")], "'xyz'"),
        "plot without extension": (["--plot", str(tmp_path / "figure")], "without an extension"),
        "plot is a directory": (["--plot", str(tmp_path / "a_dir")], "is a directory"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "output is a directory",
        "output under a file",
        "output parent missing",
        "plot unknown format",
        "plot without extension",
        "plot is a directory",
    ],
)
def test_bad_output_or_plot_fails_before_measuring(capsys, tmp_path, monkeypatch, case) -> None:
    _no_compare(monkeypatch)
    option, needle = _bad_output_paths(tmp_path)[case]
    start = time.perf_counter()
    code, out, err = run(capsys, "compare", "logreg", "knn", "--data", "iris", *option, *FAST)
    assert time.perf_counter() - start < 5.0  # within a second on an idle machine
    assert code == 2
    assert out == ""
    assert_one_line_error(err, needle)
    assert (tmp_path / "a_file").read_text() == "keep me\n"


def test_unwritable_output_directory_fails_before_measuring(capsys, tmp_path, monkeypatch):
    # Simulated (the suite may run as root, for whom chmod protects nothing).
    import tempfile

    locked = tmp_path / "locked"
    locked.mkdir()
    real_mkstemp = tempfile.mkstemp

    def mkstemp(*args, **kwargs):
        if Path(kwargs.get("dir", "")) == locked:
            raise PermissionError(13, "Permission denied")
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    _no_compare(monkeypatch)
    code, out, err = run(
        capsys, "compare", "logreg", "knn", "--output", str(locked / "run.json"), *FAST
    )
    assert code == 2 and out == ""
    assert_one_line_error(err, "Permission denied")


def test_plot_without_matplotlib_fails_before_measuring(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.backend_bases", None)  # import fails
    _no_compare(monkeypatch)
    code, out, err = run(
        capsys, "compare", "logreg", "knn", "--plot", str(tmp_path / "fig.png"), *FAST
    )
    assert code == 2 and out == ""
    assert_one_line_error(err, "needs matplotlib")


def test_show_with_bad_plot_prints_nothing(capsys, tmp_path) -> None:
    res = tmp_path / "run.json"
    saved_comparison().to_json(res)
    code, out, err = run(capsys, "show", str(res), "--plot", str(tmp_path / "out.xyz"))
    assert code == 2 and out == ""
    assert_one_line_error(err, "xyz")


def test_save_that_fails_after_measuring_keeps_and_prints_the_results(
    capsys, tmp_path, monkeypatch
) -> None:
    import prodbench.results

    def disk_full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(prodbench.results, "write_json_atomic", disk_full)
    target = tmp_path / "run.json"
    code, out, err = run(
        capsys, "compare", "logreg", "knn", "--data", "iris", "--output", str(target), *FAST
    )
    assert code == 2
    assert "logreg" in out and "knn" in out  # the results are shown
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert str(target) in lines[0] and "No space left on device" in lines[0]
    assert not target.exists()


def test_output_directory_replaced_by_a_file_during_the_run(capsys, tmp_path, monkeypatch):
    import prodbench

    outdir = tmp_path / "out"
    outdir.mkdir()
    real_compare = prodbench.compare

    def compare_then_break_the_directory(*args, **kwargs):
        cmp = real_compare(*args, **kwargs)
        shutil.rmtree(outdir)  # the partial saves are in it
        outdir.write_text("now a file\n")
        return cmp

    monkeypatch.setattr(prodbench, "compare", compare_then_break_the_directory)
    code, out, err = run(
        capsys,
        "compare",
        "logreg",
        "knn",
        "--data",
        "iris",
        "--output",
        str(outdir / "r.json"),
        *FAST,
    )
    assert code == 2
    assert "logreg" in out and "Traceback" not in err
    assert str(outdir / "r.json") in err
    assert outdir.read_text() == "now a file\n"


def test_oserror_in_on_result_keeps_every_result() -> None:
    import prodbench as pb
    from prodbench.errors import CallbackError

    calls = []

    def on_result(name, result):
        calls.append(name)
        raise OSError(errno.EROFS, "Read-only file system")

    X, y = small_xy()
    with pytest.raises(CallbackError, match="Read-only file system") as info:
        pb.compare({"a": Quick(), "b": Quick()}, X, y, on_result=on_result, **LIB_FAST)
    assert calls == ["a", "b"]  # the run went on after the first failure
    assert sorted(info.value.comparison.results) == ["a", "b"]


def test_output_and_plot_get_the_umask_mode_and_leave_no_temporary_file(tmp_path) -> None:
    res = tmp_path / "run.json"
    old = os.umask(0o027)
    try:
        saved_comparison().to_json(res)
        assert main(["show", str(res), "--plot", str(tmp_path / "fig.png")]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(res.stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "fig.png").stat().st_mode) == 0o640
    res.chmod(0o604)  # an existing file keeps its mode, as with open(path, "w")
    saved_comparison().to_json(res)
    assert stat.S_IMODE(res.stat().st_mode) == 0o604
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig.png", "run.json"]


@pytest.mark.parametrize("fault", [TypeError, KeyboardInterrupt])
def test_no_temporary_file_after_an_error_or_ctrl_c(tmp_path, monkeypatch, fault) -> None:
    import json

    import prodbench.results as results

    target = tmp_path / "run.json"
    target.write_text('{"old": true}')

    def broken_dump(*args, **kwargs):
        raise fault("stop")

    monkeypatch.setattr(json, "dump", broken_dump)
    with pytest.raises(fault):
        results.write_json_atomic(target, {"new": True})
    assert target.read_text() == '{"old": true}'
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]


def test_stale_temporary_files_of_killed_writers_are_removed(tmp_path) -> None:
    from prodbench.results import write_json_atomic

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    target = tmp_path / "run.json"
    stale = tmp_path / f".run.json.{dead.pid}.abc123.tmp"
    fresh = tmp_path / f".run.json.{dead.pid}.def456.tmp"  # too recent to judge
    live = tmp_path / f".run.json.{os.getppid()}.ghi789.tmp"  # its writer still runs
    other = tmp_path / f".other.json.{dead.pid}.jkl012.tmp"  # not ours to remove
    for p in (stale, fresh, live, other):
        p.write_text("partial")
    for p in (stale, live, other):
        os.utime(p, (0, 0))
    write_json_atomic(target, {"a": 1})
    assert not stale.exists()
    assert fresh.exists() and live.exists() and other.exists()


def test_model_prints_never_reach_json_stdout(capfd, tmp_path) -> None:
    # capfd: under isolation (the CLI's default) the model prints in its worker
    # process, whose stdout is redirected to the shared stderr descriptor.
    code, out, err = run(
        capfd,
        "compare",
        f"quiet={THIS}:Quick",
        f"loud={THIS}:Chatty",
        "--data",
        "iris",
        "--format",
        "json",
        "--budget",
        "p99=5 s",  # a space inside the value is accepted
        *FAST,
    )
    assert code == 0, err
    payload = json.loads(out)
    assert payload["budget"] == {"p99": 5.0}
    assert "chatty: predicting" in err


# --------------------------------------------------------------------------- 5. bad input
def _results_files(tmp_path: Path) -> dict[str, Path]:
    files = {
        "binary": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\x00",
        "utf16": json.dumps({"schema_version": 1, "kind": "Comparison"}).encode("utf-16"),
        "deep": b"[" * 100_000 + b"]" * 100_000,
        "wrong shape": json.dumps(
            {"schema_version": 1, "kind": "Comparison", "names": 5, "results": [1]}
        ).encode(),
    }
    out = {}
    for name, data in files.items():
        out[name] = tmp_path / f"{name.replace(' ', '_')}.json"
        out[name].write_bytes(data)
    return out


RESULTS_CASES = {
    "binary": "not a UTF-8 text file",
    "utf16": "UTF-16",
    "deep": "nested too deeply",
    "wrong shape": "names is 5",
}


@pytest.mark.parametrize("case", sorted(RESULTS_CASES))
def test_show_and_diff_on_unreadable_results_files(capsys, tmp_path, case) -> None:
    path = str(_results_files(tmp_path)[case])
    for argv in (["show", path], ["diff", path, path]):
        code, out, err = run(capsys, *argv)
        assert code == 2 and out == ""
        assert_one_line_error(err, RESULTS_CASES[case])


@pytest.mark.parametrize("case", sorted(RESULTS_CASES))
def test_from_json_on_unreadable_results_files(tmp_path, case) -> None:
    from prodbench.errors import SchemaError
    from prodbench.results import ModelResult
    from prodbench.verdict import Comparison

    path = _results_files(tmp_path)[case]
    for cls in (Comparison, ModelResult):
        with pytest.raises(SchemaError):
            cls.from_json(path)


def test_show_in_a_subprocess_on_a_binary_file(tmp_path) -> None:
    path = _results_files(tmp_path)["binary"]
    proc = run_module(tmp_path, "show", str(path))
    assert proc.returncode == 2 and proc.stdout == ""
    assert "Traceback" not in proc.stderr and "UTF-8" in proc.stderr


def test_measure_accepts_python_lists() -> None:
    import prodbench as pb

    X, y = small_xy()
    result = pb.measure(Quick(), X.tolist(), y.tolist(), **LIB_FAST)
    assert result.latency.n > 0 and result.score.n == 15


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        ({"batch_sizes": ["ten"]}, "'ten'"),
        ({"batch_sizes": [0]}, "batch_sizes"),
        ({"batch_sizes": "10"}, "batch_sizes"),
        ({"max_time": float("inf")}, "finite"),
        ({"max_time": float("nan")}, "max_time"),
        ({"max_time": "1 fortnight"}, "fortnight"),
        ({"max_fit_time": -1}, "max_fit_time"),
        ({"threads": 0}, "threads"),
        ({"threads": True}, "threads"),
        ({"request_format": "arrow"}, "request_format"),
    ],
)
def test_measure_refuses_bad_options_before_measuring(options, needle) -> None:
    import prodbench as pb
    from prodbench.errors import DataError

    class NeverFit(Quick):
        def fit(self, X, y):  # pragma: no cover - must not be reached
            raise AssertionError("measured despite a bad option")

    X, y = small_xy()
    kwargs = {**LIB_FAST, **options}
    with pytest.raises(DataError, match=needle):
        pb.measure(NeverFit(), X, y, **kwargs)


def test_max_time_as_a_duration_string() -> None:
    import prodbench as pb

    X, y = small_xy()
    result = pb.measure(Quick(), X, y, **{**LIB_FAST, "max_time": "50ms"})
    assert result.options["max_time"] == pytest.approx(0.05)


def test_sparse_x_is_a_clear_error() -> None:
    import scipy.sparse

    import prodbench as pb
    from prodbench.errors import DataError

    X, y = small_xy()
    with pytest.raises(DataError, match=r"sparse.*toarray\(\)"):
        pb.measure(Quick(), scipy.sparse.csr_matrix(X), y, **LIB_FAST)


def test_price_per_core_hour_must_be_positive_and_finite() -> None:
    import prodbench as pb
    from prodbench.errors import DataError

    X, y = small_xy()
    for price in (-3, float("nan"), float("inf"), 0):
        with pytest.raises(DataError, match="price_per_core_hour"):
            pb.compare([Quick(), Quick()], X, y, price_per_core_hour=price, **LIB_FAST)


def test_budget_accepts_numpy_numbers() -> None:
    import prodbench as pb

    assert pb.Budget(p99=np.int64(1), size=np.int64(1000)).limits == {"p99": 1.0, "size": 1000}
    assert pb.Budget(p50=np.float32(0.5)).p50 == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("options", "needle"),
    [({"request_format": "arrow"}, "request_format"), ({"threads": 0}, "threads")],
)
def test_assert_latency_names_the_users_option(options, needle) -> None:
    from prodbench.errors import ProdbenchError
    from prodbench.testing import assert_latency

    X, y = small_xy()
    with pytest.raises(ProdbenchError, match=needle) as info:
        assert_latency(Quick().fit(X, y), X, p99="1s", max_time=0.05, **options)
    assert "fmt" not in str(info.value)


def test_nan_predictions_fail_that_candidate_only() -> None:
    import prodbench as pb

    X, y = small_xy()
    cmp = pb.compare({"ok": Quick(), "nan": SometimesNaN()}, X, y, **LIB_FAST)
    assert list(cmp.results) == ["ok"]
    assert "NaN/None for 3 of 15 test rows" in cmp.failures["nan"].message


def test_nan_predictions_in_the_cli_exit_3(capsys) -> None:
    code, out, err = run(
        capsys, "compare", f"{THIS}:Quick", f"{THIS}:SometimesNaN", "--data", "iris", *FAST
    )
    assert code == 3
    assert "Quick" in out and "Traceback" not in err
    assert "NaN/None" in err


def _csv(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    ("case", "needle"),
    [("header only", "no data rows"), ("inf", "infinite values")],
)
def test_bad_csv_is_refused_at_load(capsys, tmp_path, monkeypatch, case, needle) -> None:
    _no_compare(monkeypatch)
    rows = "\n".join(f"{i},{i % 3},{i % 2}" for i in range(40))
    text = {
        "header only": "a,b,label\n",
        "inf": "a,b,label\n" + rows + "\ninf,1,0\n2,-inf,1\n",
    }[case]
    path = _csv(tmp_path, "data.csv", text)
    code, out, err = run(capsys, "compare", "logreg", "knn", "--data", path, "--target", "label")
    assert code == 2 and out == ""
    assert_one_line_error(err, needle)


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--budget", "p99=5 parsecs"], "'parsecs'"),
        (["--budget", "p99=5"], "no unit"),
        (["--budget", "size=10"], "no unit"),
        (["--price-per-core-hour", "-3"], "--price-per-core-hour"),
        (["--price-per-core-hour", "nan"], "--price-per-core-hour"),
        (["--threads", "0"], "--threads"),
        (["--max-time", "inf"], "--max-time"),
    ],
)
def test_bad_compare_options_exit_2_before_measuring(capsys, monkeypatch, argv, needle) -> None:
    _no_compare(monkeypatch)
    code, out, err = run(capsys, "compare", "logreg", "knn", "--data", "iris", *argv)
    assert code == 2 and out == ""
    assert_one_line_error(err, needle)


def test_bad_budget_in_a_subprocess(tmp_path) -> None:
    proc = run_module(tmp_path, "compare", "logreg", "knn", "--budget", "p99=5")
    assert proc.returncode == 2 and proc.stdout == ""
    assert "Traceback" not in proc.stderr and "no unit" in proc.stderr


def test_duplicate_names_suggest_a_name_that_works(capsys, monkeypatch) -> None:
    _no_compare(monkeypatch)
    code, _, err = run(capsys, "compare", "a=logreg", "a=knn", "--data", "iris")
    assert code == 2
    assert_one_line_error(err, "a-2=knn")
    assert parse_candidate("a-2=knn").name == "a-2"


def test_duplicate_name_from_a_candidates_file(capsys, tmp_path, monkeypatch) -> None:
    _no_compare(monkeypatch)
    cands = tmp_path / "cands.py"
    cands.write_text(
        "from sklearn.neighbors import KNeighborsClassifier\n"
        "CANDIDATES = {'a': KNeighborsClassifier()}\n"
    )
    code, _, err = run(capsys, "compare", "a=logreg", "--candidates", str(cands))
    assert code == 2
    assert_one_line_error(err, "its key in the --candidates file")


# --------------------------------------------------------------------------- plugin
pytest_plugins = ["pytester"]

PLUGIN_CONFTEST = """
import numpy as np
import pytest


class Instant:
    def predict(self, X):
        return X[:, 0]


@pytest.fixture
def model():
    return Instant()


@pytest.fixture
def X():
    return np.zeros((20, 3))
"""


@pytest.fixture
def tester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.delenv("PRODBENCH_BUDGET_SCALE", raising=False)
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    pytester.makeconftest(PLUGIN_CONFTEST)
    return pytester


def test_budget_declared_but_never_checked_fails(tester: pytest.Pytester) -> None:
    tester.makepyfile(
        """
        import pytest

        @pytest.mark.latency_budget(p99="5ms")
        def test_forgot_the_fixture(model, X):
            model.predict(X)

        @pytest.mark.latency_budget(p99="5ms")
        def test_forgot_to_check(latency, model, X):
            model.predict(X)

        @pytest.mark.latency_budget(p99="1s")
        def test_checked(latency, model, X):
            latency.check(model, X)

        def test_unrelated():
            pass
        """
    )
    res = tester.runpytest("--latency-max-time=0.2", "-p", "no:cacheprovider")
    res.assert_outcomes(passed=2, failed=2)
    res.stdout.fnmatch_lines(["*test_forgot_the_fixture*declared but never checked*"])
    res.stdout.fnmatch_lines(["*test_forgot_to_check*declared but never checked*"])
    assert "Traceback" not in res.stdout.str()


def test_module_level_marker_only_sets_defaults(tester: pytest.Pytester) -> None:
    tester.makepyfile(
        """
        import pytest

        pytestmark = pytest.mark.latency_budget(p99="1s")

        def test_helper_without_latency():
            pass

        def test_checked(latency, model, X):
            latency.check(model, X)
        """
    )
    res = tester.runpytest("--latency-max-time=0.2", "-p", "no:cacheprovider")
    res.assert_outcomes(passed=2)


def test_marker_refuses_unknown_request_format_and_unitless_limits(tester) -> None:
    tester.makepyfile(
        """
        import pytest

        @pytest.mark.latency_budget(p99="5ms", request_format="arrow")
        def test_arrow(latency, model, X):
            latency.check(model, X)

        @pytest.mark.latency_budget(p99="5")
        def test_no_unit(latency, model, X):
            latency.check(model, X)

        @pytest.mark.latency_budget(p99="5ms", threads=0)
        def test_no_threads(latency, model, X):
            latency.check(model, X)
        """
    )
    res = tester.runpytest("-p", "no:cacheprovider")
    assert res.ret == pytest.ExitCode.USAGE_ERROR
    res.stderr.fnmatch_lines(
        [
            "*test_arrow*request_format='arrow'*",
            "*test_no_unit*p99='5'*no unit*",
            "*test_no_threads*threads=0*",
        ]
    )


def test_after_sigkill_mid_write_the_old_file_survives_and_the_next_save_cleans_up(tmp_path):
    import signal

    from prodbench.results import write_json_atomic

    target = tmp_path / "run.json"
    write_json_atomic(target, {"old": True})
    code = (
        "import os, signal, sys\n"
        "from prodbench.results import atomic_path\n"
        "with atomic_path(sys.argv[1]) as tmp:\n"
        "    open(tmp, 'w').write('{\"half\": ')\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.run([sys.executable, "-c", code, str(target)], env=env, timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert json.loads(target.read_text()) == {"old": True}  # never half a file
    left = [p for p in tmp_path.iterdir() if p.name != "run.json"]
    assert len(left) == 1 and left[0].name.startswith(".run.json.")  # what SIGKILL leaves
    os.utime(left[0], (0, 0))  # a minute later, its writer long gone
    write_json_atomic(target, {"new": True})
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]


def test_an_on_failure_callback_that_raises_keeps_the_results() -> None:
    import prodbench as pb
    from prodbench.errors import CallbackError

    class Broken(Quick):
        def predict(self, X):
            raise RuntimeError("boom")

    def on_failure(name, error):
        raise OSError(errno.EIO, "I/O error")

    X, y = small_xy()
    with pytest.raises(CallbackError, match="on_failure") as info:
        pb.compare({"ok": Quick(), "bad": Broken()}, X, y, on_failure=on_failure, **LIB_FAST)
    cmp = info.value.comparison
    assert list(cmp.results) == ["ok"] and list(cmp.failures) == ["bad"]
