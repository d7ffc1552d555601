"""Hostile input, round two (issue 23): inputs matched by name, what is timed is checked.

Each case goes through the entry point it was found on (the library, the
CLI's ``main`` and one ``python -m prodbench`` subprocess, the plugin through
pytester) and asserts the exit code or error type, that no traceback was
printed, and the message.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import prodbench as pb
from prodbench.cli import main
from prodbench.errors import DataError

pytest_plugins = ["pytester"]

FAST = ["--max-time", "0.2", "--max-fit-time", "0.5", "--quiet", "--no-isolate"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_module(cwd: Path, *argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run(
        [sys.executable, "-m", "prodbench", *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_one_line_error(err: str, *needles: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("prodbench: error: "), err
    assert "Traceback" not in err
    for needle in needles:
        assert needle.lower() in err.lower(), err


def iris_frame() -> pd.DataFrame:
    frame = load_iris(as_frame=True).frame
    frame.columns = ["sl", "sw", "pl", "pw", "label"]
    return frame


@pytest.fixture
def csvs(tmp_path: Path) -> dict[str, Path]:
    """iris.csv, the same rows with reordered columns, one with a column fewer, a fitted file
    whose feature_names_in_ are in reverse order."""
    frame = iris_frame()
    paths = {
        "data": tmp_path / "iris.csv",
        "reordered": tmp_path / "reordered.csv",
        "fewer": tmp_path / "fewer.csv",
        "extra": tmp_path / "extra.csv",
        "rev": tmp_path / "rev.joblib",
    }
    frame.to_csv(paths["data"], index=False)
    frame[["pw", "pl", "sw", "sl", "label"]].to_csv(paths["reordered"], index=False)
    frame[["sl", "sw", "pl", "label"]].to_csv(paths["fewer"], index=False)
    frame.assign(zz=1.0).to_csv(paths["extra"], index=False)
    X, y = frame.drop(columns="label"), frame["label"]
    joblib.dump(LogisticRegression(max_iter=1000).fit(X[X.columns[::-1]], y), paths["rev"])
    return paths


def scores(out: str) -> dict[str, float]:
    import json

    doc = json.loads(out)
    return {name: r["score"]["value"] for name, r in doc["results"].items()}


# --------------------------------------------------------------------------- W1
def test_w1_reordered_test_data_is_matched_by_name(capsys, csvs) -> None:
    code, out, err = run(
        capsys, "compare", "logreg", "forest", "--data", str(csvs["data"]), "--target", "label",
        "--test-data", str(csvs["reordered"]), "--format", "json", *FAST,
    )  # fmt: skip
    assert code == 0, err
    assert "Traceback" not in err
    # Scored by position these are about 0.33; by name about 0.97.
    assert min(scores(out).values()) > 0.9, out


def test_w1_fitted_file_gets_its_columns_by_name(capsys, csvs) -> None:
    code, out, err = run(
        capsys, "compare", str(csvs["rev"]), "logreg", "--data", str(csvs["data"]),
        "--target", "label", "--format", "json", *FAST,
    )  # fmt: skip
    assert code == 0, err
    assert scores(out)["rev"] > 0.9, out  # by position: about 0.32


@pytest.mark.parametrize(
    ("which", "needle"),
    [("fewer", "lacks 'pw'"), ("extra", "has 'zz' that --data")],
)
def test_w1_missing_or_extra_test_columns_refused_before_measuring(
    capsys, csvs, which: str, needle: str
) -> None:
    out_file = csvs["data"].parent / "out.json"
    code, out, err = run(
        capsys, "compare", "logreg", "forest", "--data", str(csvs["data"]), "--target", "label",
        "--test-data", str(csvs[which]), "--output", str(out_file), *FAST,
    )  # fmt: skip
    assert code == 2
    assert out == ""
    assert_one_line_error(err, needle, "matched by name")
    assert not out_file.exists()  # refused before anything was measured or saved


def test_w1_fitted_file_with_other_columns_refused(capsys, csvs, tmp_path: Path) -> None:
    frame = iris_frame()
    other = tmp_path / "other.joblib"
    X = frame.drop(columns="label").rename(columns={"sl": "sepal"})
    joblib.dump(LogisticRegression(max_iter=1000).fit(X, frame["label"]), other)
    code, _, err = run(
        capsys, "compare", str(other), "logreg", "--data", str(csvs["data"]),
        "--target", "label", *FAST,
    )  # fmt: skip
    assert code == 2
    assert_one_line_error(err, "lacks 'sepal'", "feature_names_in_")


def test_w1_fitted_file_with_other_width_refused(capsys, csvs, tmp_path: Path) -> None:
    frame = iris_frame()
    narrow = tmp_path / "narrow.joblib"
    X = frame[["sl", "sw"]].to_numpy()
    joblib.dump(LogisticRegression(max_iter=1000).fit(X, frame["label"]), narrow)
    code, _, err = run(
        capsys, "compare", str(narrow), "logreg", "--data", str(csvs["data"]),
        "--target", "label", *FAST,
    )  # fmt: skip
    assert code == 2  # an input error before measuring, not a candidate failure (P3)
    assert_one_line_error(err, "fitted on 2 features", "has 4 columns")


def test_w1_subprocess(csvs) -> None:
    proc = run_module(
        csvs["data"].parent, "compare", str(csvs["rev"]), "logreg", "--data", "iris.csv",
        "--target", "label", "--test-data", "reordered.csv", "--format", "json",
        "--max-time", "0.2", "--quiet",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert min(scores(proc.stdout).values()) > 0.9
    proc = run_module(
        csvs["data"].parent, "compare", "logreg", "knn", "--data", "iris.csv",
        "--target", "label", "--test-data", "fewer.csv", "--max-time", "0.2", "--quiet",
    )  # fmt: skip
    assert proc.returncode == 2
    assert_one_line_error(proc.stderr, "lacks 'pw'")


def test_w1_library_dataframes_matched_by_name() -> None:
    frame = iris_frame().sample(frac=1.0, random_state=0).reset_index(drop=True)
    X, y = frame.drop(columns="label"), frame["label"].to_numpy()
    X_train, X_test, y_train, y_test = X[:100], X[100:], y[:100], y[100:]
    rev = LogisticRegression(max_iter=1000).fit(X_train[X_train.columns[::-1]], y_train)
    result = pb.measure(
        rev, X_train, y_train, X_test=X_test, y_test=y_test, fit=False, max_time=0.2,
        progress=False,
    )  # fmt: skip
    assert result.score.value > 0.9
    cmp = pb.compare(
        {"a": LogisticRegression(max_iter=1000), "b": LogisticRegression(max_iter=500)},
        X_train, y_train, X_test=X_test[X_test.columns[::-1]], y_test=y_test, max_time=0.2,
        progress=False,
    )  # fmt: skip
    assert min(r.score.value for r in cmp.results.values()) > 0.9
    with pytest.raises(DataError, match="lacks 'pw'"):
        pb.measure(
            LogisticRegression(), X_train, y_train, X_test=X_test.drop(columns="pw"),
            y_test=y_test, max_time=0.2, progress=False,
        )  # fmt: skip
    other = LogisticRegression(max_iter=1000).fit(X_train.rename(columns={"sl": "s"}), y_train)
    with pytest.raises(DataError, match="feature_names_in_"):
        pb.measure(other, X_train, y_train, fit=False, max_time=0.2, progress=False)


# --------------------------------------------------------------------------- W2
PROBA_FAKES = """
import numpy as np
from sklearn.linear_model import LogisticRegression


class NaNProba(LogisticRegression):
    def predict_proba(self, X):
        return np.full((len(X), len(self.classes_)), np.nan)


class FlatProba(LogisticRegression):
    def predict_proba(self, X):
        return np.zeros(3)


class UnnormalisedProba(LogisticRegression):
    def predict_proba(self, X):
        return super().predict_proba(X) * 2.0


class WrongProba(LogisticRegression):
    # predict is right; the probabilities (what is timed) always favour the last class
    def predict_proba(self, X):
        out = np.zeros((len(X), len(self.classes_)))
        out[:, -1] = 1.0
        return out
"""


@pytest.fixture
def proba_fakes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    (tmp_path / "proba_fakes.py").write_text(PROBA_FAKES)
    (tmp_path / "cands.py").write_text(
        "from sklearn.linear_model import LogisticRegression\n"
        "from proba_fakes import NaNProba, FlatProba, UnnormalisedProba, WrongProba\n"
        "CANDIDATES = {'ok': LogisticRegression(max_iter=1000), 'nan': NaNProba(max_iter=1000),"
        " 'flat': FlatProba(max_iter=1000), 'unnorm': UnnormalisedProba(max_iter=1000),"
        " 'wrong': WrongProba(max_iter=1000)}\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib

    return importlib.import_module("proba_fakes")


def test_w2_library_bad_probabilities_fail_their_candidate(proba_fakes) -> None:
    X, y = load_iris(return_X_y=True)
    cmp = pb.compare(
        {
            "ok": LogisticRegression(max_iter=1000),
            "nan": proba_fakes.NaNProba(max_iter=1000),
            "flat": proba_fakes.FlatProba(max_iter=1000),
            "unnorm": proba_fakes.UnnormalisedProba(max_iter=1000),
            "wrong": proba_fakes.WrongProba(max_iter=1000),
        },
        X, y, method="predict_proba", max_time=0.2, max_fit_time=0.5, progress=False,
    )  # fmt: skip
    assert set(cmp.results) == {"ok", "wrong"}, {k: f.message for k, f in cmp.failures.items()}
    assert cmp.results["ok"].score.value > 0.9
    # scored from the probabilities that were timed, not from predict
    assert cmp.results["wrong"].score.value < 0.5
    assert "NaN or infinite probabilities" in cmp.failures["nan"].message
    assert "shape (3,)" in cmp.failures["flat"].message
    assert "do not sum to 1" in cmp.failures["unnorm"].message


def test_w2_cli_bad_probabilities_fail_their_candidate(capsys, proba_fakes, tmp_path) -> None:
    code, out, err = run(
        capsys, "compare", "--candidates", str(tmp_path / "cands.py"), "--data", "iris",
        "--method", "predict_proba", "--format", "json", *FAST,
    )  # fmt: skip
    assert code == 3
    assert "Traceback" not in err
    got = scores(out)
    assert set(got) == {"ok", "wrong"} and got["ok"] > 0.9 and got["wrong"] < 0.5
    assert "'nan' (NaNProba)'s predict_proba returned NaN or infinite probabilities" in err
    assert "shape (3,)" in err


def test_w2_subprocess_isolated(proba_fakes, tmp_path) -> None:
    env_path = os.pathsep.join([str(tmp_path), *sys.path])
    proc = subprocess.run(
        [sys.executable, "-m", "prodbench", "compare", "--candidates", "cands.py", "--data",
         "iris", "--method", "predict_proba", "--max-time", "0.2", "--max-fit-time", "0.5",
         "--quiet", "--format", "json"],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": env_path}, capture_output=True,
        text=True, timeout=180,
    )  # fmt: skip
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr
    got = scores(proc.stdout)
    assert set(got) == {"ok", "wrong"} and got["wrong"] < 0.5
    assert "NaN or infinite probabilities" in proc.stderr


# --------------------------------------------------------------------------- W8
PT_CONFTEST = """
import time

import numpy as np
import pytest


class Fake:
    def predict(self, X):
        end = time.perf_counter_ns() + 200_000
        while time.perf_counter_ns() < end:
            pass
        return X[:, 0]


@pytest.fixture
def fast():
    return Fake()


@pytest.fixture
def X():
    return np.zeros((20, 3))
"""


def test_w8_pytest_marker_bare_number_refused(pytester: pytest.Pytester, monkeypatch) -> None:
    monkeypatch.delenv("PRODBENCH_BUDGET_SCALE", raising=False)
    pytester.makeconftest(PT_CONFTEST)
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.latency_budget(p99=5)
        def test_marker(latency, fast, X):
            latency.check(fast, X)
        """
    )
    res = pytester.runpytest("--latency-max-time=0.5", "-p", "no:cacheprovider")
    assert res.ret == pytest.ExitCode.USAGE_ERROR  # refused at collection, nothing run
    err = res.stderr.str()
    assert "test_marker: p99=5 has no unit" in err and "p99='5ms'" in err, err
    assert "Traceback" not in err


def test_w8_pytest_check_bare_number_refused(pytester: pytest.Pytester, monkeypatch) -> None:
    monkeypatch.delenv("PRODBENCH_BUDGET_SCALE", raising=False)
    pytester.makeconftest(PT_CONFTEST)
    pytester.makepyfile(
        """
        import pytest
        from prodbench.testing import assert_latency

        def test_check_keyword(latency, fast, X):
            latency.check(fast, X, p99=5)

        def test_assert_latency(fast, X):
            assert_latency(fast, X, p99=5, max_time=0.2)

        @pytest.mark.latency_budget(p99="50ms")
        def test_with_unit(latency, fast, X):
            latency.check(fast, X)
        """
    )
    # 3 s: the check with a unit must pass even when another test file's load makes its
    # calls dependent (0.5 s can leave too few effective samples for a p99)
    res = pytester.runpytest("--latency-max-time=3", "-p", "no:cacheprovider")
    res.assert_outcomes(passed=1, failed=2)
    text = res.stdout.str()
    # the raised error in each failure's traceback (the short summary repeats it only
    # where the terminal is wide enough, as under CI=true)
    raised = [
        line
        for line in text.splitlines()
        if line.startswith("E ") and "BudgetError: p99=5 has no unit" in line
    ]
    assert len(raised) == 2, text
    assert "budget 5 s" not in text


def test_w8_library_bare_number_refused() -> None:
    from prodbench.errors import BudgetError
    from prodbench.testing import assert_latency, check_latency_budget

    X = load_iris(return_X_y=True)[0]
    model = LogisticRegression(max_iter=1000).fit(X, load_iris(return_X_y=True)[1])
    for call in (assert_latency, check_latency_budget):
        with pytest.raises(BudgetError, match="p99=5 has no unit"):
            call(model, X, p99=5)
        with pytest.raises(BudgetError, match=r"p50=0\.001 has no unit"):
            call(model, X, p50=0.001)


# --------------------------------------------------------------------------- W9, T4, T5
def _saved(tmp_path: Path) -> dict[str, Any]:
    import json

    from factories import make_comparison, make_result

    cmp = make_comparison([make_result("logreg"), make_result("forest", latency_ms=2.0)])
    cmp.to_json(tmp_path / "base.json")
    return json.loads((tmp_path / "base.json").read_text())


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for key in parents:
        doc = doc[key]
    doc[last] = value


TAMPERED = {
    # W9: impossible values are refused on load, naming the field
    "neg_samples": ("results.logreg.latency.samples_ns", [-1000] * 500, "latency.samples_ns"),
    "neg_fit": ("results.logreg.training.fit_times_ns", [-5, -6], "training.fit_times_ns"),
    "neg_cold": ("results.logreg.latency.cold_start_ns", -1, "latency.cold_start_ns"),
    "neg_size": ("results.logreg.footprint.size_bytes", -100, "footprint.size_bytes"),
    "neg_price": ("price_per_core_hour", -1, "price_per_core_hour"),
    "nan_price": ("price_per_core_hour", float("nan"), "price_per_core_hour"),
    "nan_score": ("results.logreg.score.value", float("nan"), "score.value is nan"),
    "float_samples": ("results.logreg.latency.samples_ns", [1.5] * 10, "samples_ns"),
    # T4: crafted files that crashed show
    "huge_samples": ("results.logreg.latency.samples_ns", [10**30] * 10, "100-bit integer"),
    "ghost_name": ("names", ["logreg", "forest", "ghost"], "'ghost'"),
    "score_str": ("results.logreg.score.value", "high", "score.value is 'high'"),
    "bad_baseline": ("baseline", "nobody", "baseline"),
}


@pytest.mark.parametrize("case", sorted(TAMPERED))
def test_w9_t4_tampered_files_refused_by_show_and_diff(capsys, tmp_path, case) -> None:
    import json

    doc = _saved(tmp_path)
    path, value, needle = TAMPERED[case]
    _set(doc, path, value)
    bad = tmp_path / f"{case}.json"
    bad.write_text(json.dumps(doc))
    for argv in (["show", str(bad)], ["diff", str(tmp_path / "base.json"), str(bad)]):
        code, out, err = run(capsys, *argv)
        assert code == 2, (argv, out, err)
        assert out == ""
        assert_one_line_error(err, needle, "re-run the measurement")
    from prodbench.errors import SchemaError
    from prodbench.verdict import Comparison

    with pytest.raises(SchemaError, match="edited or corrupted"):
        Comparison.from_json(bad)


def test_t4_bigint_file_refused(capsys, tmp_path) -> None:
    bad = tmp_path / "bigint.json"
    bad.write_text('{"schema_version": ' + "9" * 5000 + "}")
    code, _, err = run(capsys, "show", str(bad))
    assert code == 2
    assert_one_line_error(err, "cannot be read as JSON", "bigint.json")


def test_w9_subprocess(tmp_path) -> None:
    import json

    doc = _saved(tmp_path)
    _set(doc, "results.logreg.latency.samples_ns", [-1000] * 500)
    (tmp_path / "neg.json").write_text(json.dumps(doc))
    proc = run_module(tmp_path, "show", "neg.json")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert_one_line_error(proc.stderr, "latency.samples_ns value is -1000")


def test_w9_saved_file_round_trips(tmp_path) -> None:
    from prodbench.verdict import Comparison

    _saved(tmp_path)
    cmp = Comparison.from_json(tmp_path / "base.json")
    assert set(cmp.results) == {"logreg", "forest"}


def test_t5_diff_json_maps_nan_to_null() -> None:
    import dataclasses
    import json

    from factories import make_comparison, make_result

    from prodbench import report
    from prodbench.diff import diff_runs

    old = make_comparison([make_result("logreg"), make_result("forest", latency_ms=2.0)])
    nan = make_result("logreg")
    nan = dataclasses.replace(nan, score=dataclasses.replace(nan.score, value=float("nan")))
    new = make_comparison([nan, make_result("forest", latency_ms=2.0)])
    text = report.render(diff_runs(old, new), "json")
    doc = json.loads(text)  # strict JSON: no bare NaN
    assert "NaN" not in text and "Infinity" not in text
    assert doc


# --------------------------------------------------------------------------- W3
SWEEP_FAST = ["--max-time", "0.2", "--max-fit-time", "0.5", "--quiet", "--no-isolate"]


@pytest.fixture
def swept(csvs, capsys) -> Path:
    """A finished sweep of logreg and knn on iris.csv."""
    out = csvs["data"].parent / "sw1.json"
    argv = ["sweep", "logreg", "knn", "--data", str(csvs["data"]), "--target", "label"]
    assert main([*argv, *SWEEP_FAST, "--output", str(out)]) == 0
    capsys.readouterr()
    return out


def _resume(capsys, csvs, swept: Path, *extra: str, cands=("logreg", "knn")) -> tuple:
    import shutil

    copy = swept.parent / "resume.json"
    shutil.copyfile(swept, copy)
    before = copy.read_bytes()
    code, out, err = run(
        capsys, "sweep", *cands, "--data", str(csvs["data"]), "--target", "label", *extra,
        *SWEEP_FAST, "--resume", str(copy), "--output", str(copy),
    )  # fmt: skip
    return code, out, err, copy.read_bytes() == before


def test_w3_resume_same_run_reuses(capsys, csvs, swept) -> None:
    code, _, err, _ = _resume(capsys, csvs, swept)
    assert code == 0, err


def test_w3_resume_refuses_another_model_under_the_name(capsys, csvs, swept) -> None:
    code, out, err, kept = _resume(capsys, csvs, swept, cands=("logreg", "knn=hgb"))
    assert code == 2 and out == "" and kept
    assert_one_line_error(err, "'knn' was sklearn.pipeline.Pipeline there", "HistGradient")


def test_w3_resume_refuses_other_parameters(capsys, csvs, swept) -> None:
    spec = "knn=sklearn.neighbors:KNeighborsClassifier(n_neighbors=3)"
    code, _, err, kept = _resume(capsys, csvs, swept, cands=("logreg", spec))
    assert code == 2 and kept
    assert_one_line_error(err, "'knn' was sklearn.pipeline.Pipeline there")
    # same class, other parameters
    import shutil

    other = swept.parent / "knn3.json"
    argv = ["sweep", "logreg", spec, "--data", str(csvs["data"]), "--target", "label"]
    assert main([*argv, *SWEEP_FAST, "--output", str(other)]) == 0
    shutil.copyfile(other, swept.parent / "knn5.json")
    capsys.readouterr()
    spec5 = "knn=sklearn.neighbors:KNeighborsClassifier(n_neighbors=5)"
    code, _, err = run(
        capsys, "sweep", "logreg", spec5, "--data", str(csvs["data"]), "--target", "label",
        *SWEEP_FAST, "--resume", str(swept.parent / "knn5.json"),
    )  # fmt: skip
    assert code == 2
    assert_one_line_error(err, "'knn' has other parameters now")


def test_w3_resume_refuses_other_rows(capsys, csvs, swept) -> None:
    code, _, err, kept = _resume(capsys, csvs, swept, "--rows", "50")
    assert code == 2 and kept
    assert_one_line_error(err, "150 rows there, 50 now")


def test_w3_resume_refuses_a_changed_file(capsys, csvs, swept) -> None:
    frame = pd.read_csv(csvs["data"])
    frame["label"] = frame["label"].sample(frac=1.0, random_state=1).to_numpy()
    frame.to_csv(csvs["data"], index=False)
    code, _, err, kept = _resume(capsys, csvs, swept)
    assert code == 2 and kept
    assert_one_line_error(err, "its data changed")


def test_w3_resume_subprocess(csvs, swept) -> None:
    proc = run_module(
        csvs["data"].parent, "sweep", "logreg", "knn=hgb", "--data", str(csvs["data"]), "--target",
        "label", *SWEEP_FAST, "--resume", str(swept),
    )  # fmt: skip
    assert proc.returncode == 2
    assert_one_line_error(proc.stderr, "other models or data")


def test_w3_library_resume_checks_models_and_data(tmp_path) -> None:
    from sklearn.tree import DecisionTreeClassifier

    from prodbench.errors import SpecError

    X, y = load_iris(return_X_y=True)
    out = tmp_path / "sw.json"

    def cands(depth: int) -> dict[str, Any]:
        return {"lone": LogisticRegression(max_iter=1000),
                "tree": DecisionTreeClassifier(max_depth=depth, random_state=0)}  # fmt: skip

    pb.sweep({"iris": (X, y)}, cands(3), max_time=0.2, batch_sizes=(1,), output=out)
    again = pb.sweep({"iris": (X, y)}, cands(3), max_time=0.2, batch_sizes=(1,), resume=out)
    assert again.finished == ["iris"]
    with pytest.raises(SpecError, match="'tree' has other parameters now"):
        pb.sweep({"iris": (X, y)}, cands(4), max_time=0.2, batch_sizes=(1,), resume=out)
    with pytest.raises(SpecError, match="its data changed"):
        pb.sweep(
            {"iris": (X, y[::-1].copy())}, cands(3), max_time=0.2, batch_sizes=(1,), resume=out
        )


# --------------------------------------------------------------------------- T1
@pytest.mark.parametrize("seed", ["-1", "99999999999999999999", "4294967296"])
@pytest.mark.parametrize(
    "argv",
    [
        ["compare", "logreg", "knn", "--data", "iris"],
        ["sweep", "logreg", "knn", "--data", "iris"],
        ["load-test", "logreg", "--data", "iris", "--qps", "10", "--duration", "0.2"],
    ],
    ids=["compare", "sweep", "load-test"],
)
def test_t1_out_of_range_seed_refused(capsys, argv, seed) -> None:
    extra = FAST if argv[0] != "load-test" else []
    code, out, err = run(capsys, *argv, "--seed", seed, *extra)
    assert code == 2 and out == ""
    assert_one_line_error(err, "--seed must be a whole number from 0 to 4294967295")


def test_t1_capacity_seed_refused(capsys, tmp_path) -> None:
    from factories import make_comparison, make_result

    make_comparison([make_result("a"), make_result("b")]).to_json(tmp_path / "c.json")
    code, out, err = run(
        capsys, "capacity", str(tmp_path / "c.json"), "--budget", "p99=20ms", "--seed", "-1"
    )
    assert code == 2 and out == ""
    assert_one_line_error(err, "--seed must be a whole number")


def test_t1_subprocess(tmp_path) -> None:
    proc = run_module(tmp_path, "compare", "logreg", "knn", "--data", "iris", "--seed", "-1")
    assert proc.returncode == 2 and proc.stdout == ""
    assert_one_line_error(proc.stderr, "--seed must be a whole number")


@pytest.mark.parametrize("seed", [-1, "x", 2**40, 1.5, True])
def test_t1_library_seed_refused(seed) -> None:
    from prodbench.errors import SpecError

    X, y = load_iris(return_X_y=True)
    with pytest.raises(SpecError, match="random_state must be a whole number"):
        pb.measure(LogisticRegression(), X, y, random_state=seed, max_time=0.1, progress=False)
    with pytest.raises(SpecError, match="random_state must be a whole number"):
        pb.sweep(["iris"], [LogisticRegression(), LogisticRegression()], random_state=seed)


# --------------------------------------------------------------------------- T2, T3, T6
@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        ("sklearn.linear_model:Ridge(alpha=" + "-" * 20000 + "1)", "20,035 characters long"),
        ("sklearn.linear_model:Ridge(alpha=0x" + "f" * 20000 + ", bogus=1)", "characters long"),
        ("sklearn.linear_model:Ridge(alpha=" + "[" * 300 + "]" * 300 + ")", "nested"),
        ("sklearn.linear_model:Ridge(alpha=" + "9" * 1500 + ", bogus=1)", "could not be created"),
    ],
    ids=["minus-20000", "hex-20000", "nested", "int-1500-digits"],
)
def test_t2_hostile_spec_literals_refused(capsys, spec, needle) -> None:
    code, out, err = run(capsys, "compare", "logreg", spec, "--data", "diabetes", *FAST)
    assert code == 2 and out == ""
    assert_one_line_error(err, needle)
    assert len(err) < 1000  # the spec is not echoed in full


def test_t2_subprocess(tmp_path) -> None:
    spec = "sklearn.linear_model:Ridge(alpha=" + "-" * 20000 + "1)"
    proc = run_module(tmp_path, "compare", "logreg", spec, "--data", "diabetes")
    assert proc.returncode == 2
    assert_one_line_error(proc.stderr, "characters long")


def test_t3_synthetic_too_big_for_memory_refused(capsys) -> None:
    argv = ["compare", "logreg", "knn", "--data", "synthetic:n_samples=1000000000000"]
    code, out, err = run(capsys, *argv, *FAST)
    assert code == 2 and out == ""
    assert_one_line_error(err, "GB of memory", "is available")


def test_t3_subprocess(tmp_path) -> None:
    proc = run_module(
        tmp_path, "compare", "logreg", "knn", "--data", "synthetic:n_samples=1000000000000"
    )
    assert proc.returncode == 2
    assert_one_line_error(proc.stderr, "GB of memory")


def test_t6_unknown_scheduler_protocol_is_one_line(capsys, tmp_path) -> None:
    import distributed  # noqa: F401 (CI installs every extra)

    code, out, err = run(
        capsys, "sweep", "logreg", "knn", "--data", "iris", "--scheduler", "http://x", *FAST
    )
    assert code == 2 and out == ""
    assert_one_line_error(err, "'http' is not a Dask protocol", "tcp://host:8786")
    proc = run_module(tmp_path, "sweep", "logreg", "knn", "--data", "iris", "--scheduler",
                      "http://x")  # fmt: skip
    assert proc.returncode == 2
    assert_one_line_error(proc.stderr, "not a Dask protocol")


# --------------------------------------------------------------------------- T9, W11
def test_t9_library_errors_are_prodbench_errors(tmp_path) -> None:
    from factories import make_comparison, make_result

    from prodbench.errors import ProdbenchError

    X, y = load_iris(return_X_y=True)
    with pytest.raises(DataError, match=r"max_time=1e\+300 is more than"):
        pb.measure(LogisticRegression(), X, y, max_time=1e300, progress=False)
    cmp = make_comparison([make_result("a"), make_result("b")])
    with pytest.raises(ProdbenchError, match="is a directory"):
        cmp.to_json(tmp_path)
    assert issubclass(DataError, ProdbenchError)


def test_t9_w11_runtime_adapters_check_their_input() -> None:
    import onnxruntime  # noqa: F401 (CI installs every extra)
    import treelite  # noqa: F401 (CI installs every extra)
    from sklearn.ensemble import RandomForestClassifier

    from prodbench import runtimes

    X, y = load_iris(return_X_y=True)
    lr = LogisticRegression(max_iter=1000).fit(X, y)
    rf = RandomForestClassifier(n_estimators=10, random_state=0).fit(X, y)
    with pytest.raises(DataError, match="cannot be read as rows of numbers"):
        runtimes.onnx(lr, "abc")
    fast = runtimes.onnx(lr, X[:5])
    with pytest.raises(DataError, match="X_test has 2 features, but the model was fitted on 4"):
        runtimes.parity(lr, fast, X[:, :2])
    with pytest.raises(DataError, match="non-empty"):
        runtimes.parity(lr, fast, X[:0])
    # W11: what the source model refuses, the compiled one refuses
    tree = runtimes.treelite(rf)
    with pytest.raises(DataError, match=r"X has 2 features.*takes 4"):
        tree.predict(X[:3, :2])
    with pytest.raises(DataError, match="contains NaN"):
        fast.predict(np.full((2, 4), np.nan))
    assert (tree.predict(X[:20]) == rf.predict(X[:20])).all()
    assert (fast.predict(X[:20]) == lr.predict(X[:20])).all()
    import pickle

    assert pickle.loads(pickle.dumps(tree)).n_features_in_ == 4


# --------------------------------------------------------------------------- S2
def test_s2_show_escapes_control_characters_in_names(capsys, tmp_path) -> None:
    import json

    doc = _saved(tmp_path)
    evil = "\x1b[2J\x1b[31mEVIL"
    result = doc["results"].pop("forest")
    result["name"] = evil
    doc["results"][evil] = result
    doc["names"] = ["logreg", evil]
    (tmp_path / "ansi.json").write_text(json.dumps(doc))
    code, out, err = run(capsys, "show", str(tmp_path / "ansi.json"))
    assert code == 0, err
    assert "\x1b" not in out
    assert "\\x1b[2J\\x1b[31mEVIL" in out
    proc = run_module(tmp_path, "show", "ansi.json")
    assert proc.returncode == 0 and "\x1b" not in proc.stdout and "EVIL" in proc.stdout
    # markdown and HTML escape their own way; JSON keeps the name as data
    code, out, _ = run(capsys, "show", str(tmp_path / "ansi.json"), "--format", "json")
    assert code == 0 and evil in json.loads(out)["names"]


# --------------------------------------------------------------------------- W12
def test_w12_prefitted_never_wins_on_training_it_never_did(capsys, tmp_path) -> None:
    import dataclasses

    from factories import make_comparison, make_result

    trained = make_result("trained")
    prefitted = dataclasses.replace(make_result("prefitted", seed=1), training=None)
    cmp = make_comparison([trained, prefitted])
    assert cmp.research_pick is not None
    reason = cmp._research[1]
    assert "faster training" not in reason and "prefitted has no fit time" in reason
    infra = next(s for s in cmp.stakeholders if s.role == "Infrastructure")
    assert "fit" not in infra.reason or infra.pick == "trained"
    cmp.to_json(tmp_path / "w12.json")
    code, out, err = run(capsys, "show", str(tmp_path / "w12.json"))
    assert code == 0, err
    assert "faster training" not in out and "prefitted has no fit time" in out


def test_w9_capacity_and_load_test_files_checked_on_load(tmp_path) -> None:
    import json

    from factories import make_comparison, make_result

    from prodbench.errors import SchemaError
    from prodbench.serving_results import Capacity, LoadLatency, LoadTestResult

    cmp = make_comparison([make_result("a"), make_result("b")])
    doc = json.loads(json.dumps(cmp.capacity("p99=20ms", workers=(1,)).to_dict()))
    assert Capacity.from_dict(doc).workers == (1,)
    for key, value, needle in [
        ("price_per_core_hour", -1.0, "price_per_core_hour is -1.0"),
        ("price_per_core_hour", float("nan"), "price_per_core_hour is nan"),
        ("workers", [0], "workers is 0"),
    ]:
        bad = {**doc, key: value}
        with pytest.raises(SchemaError, match=needle):
            Capacity.from_dict(bad)
    lat = LoadLatency(samples_ns=[1000, 2000, 3000], batch_size=1)
    lt = LoadTestResult(
        latency=lat, offered_qps=10.0, requests=3, duration_s=1.0, elapsed_s=1.0, workers=1,
        startup_s=0.1,
    )  # fmt: skip
    good = json.loads(json.dumps(lt.to_dict()))
    assert LoadTestResult.from_dict(good).latency.n == 3
    bad = json.loads(json.dumps(good))
    bad["latency"]["samples_ns"] = [-5, 1, 2]
    with pytest.raises(SchemaError, match="samples_ns value is -5"):
        LoadTestResult.from_dict(bad)
    bad = {**good, "offered_qps": float("inf")}
    with pytest.raises(SchemaError, match="offered_qps"):
        LoadTestResult.from_dict(bad)


# --------------------------------------------------------------------------- P4, P8
@pytest.mark.parametrize(
    ("cand", "needle"),
    [
        ("=logreg", "the name before '=' ('')"),
        ("a b=logreg", "the name before '=' ('a b')"),
        ("sklearn.linear_model:Ridge(1.0)", "e.g. Ridge(key=value)"),
    ],
)
def test_p4_candidate_wording(capsys, cand, needle) -> None:
    code, out, err = run(capsys, "compare", "logreg", cand, "--data", "diabetes", *FAST)
    assert code == 2 and out == ""
    assert_one_line_error(err, needle)
    assert "n_estimators" not in err and "Did you mean" not in err


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (lambda d: d["results"]["logreg"]["latency"].__setitem__("samples_ns", []), "at least one"),
        (lambda d: d.update(names=[], results={}, failures={}), "baseline"),
        (lambda d: d.update(baseline="ghost"), "baseline is 'ghost'"),
    ],
    ids=["empty-samples", "no-candidates", "ghost-baseline"],
)
def test_p4_p8_impossible_files_refused(capsys, tmp_path, edit, needle) -> None:
    import json

    doc = _saved(tmp_path)
    edit(doc)
    (tmp_path / "bad.json").write_text(json.dumps(doc))
    code, out, err = run(capsys, "show", str(tmp_path / "bad.json"))
    assert code == 2 and out == ""
    assert_one_line_error(err, needle)


# --------------------------------------------------------------------------- P9
@pytest.mark.parametrize(
    ("marker", "needle"),
    [
        ("confidence=2.0", "confidence=2.0: use a number between 0 and 1"),
        ("confidence='high'", "confidence='high'"),
        ("method='transform'", "method='transform': use one of predict, predict_proba"),
    ],
)
def test_p9_marker_settings_checked_at_collection(pytester, monkeypatch, marker, needle) -> None:
    monkeypatch.delenv("PRODBENCH_BUDGET_SCALE", raising=False)
    pytester.makeconftest(PT_CONFTEST)
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.latency_budget(p99="50ms", {marker})
        def test_marker(latency, fast, X):
            latency.check(fast, X)
        """
    )
    res = pytester.runpytest("--latency-max-time=0.5", "-p", "no:cacheprovider")
    assert res.ret == pytest.ExitCode.USAGE_ERROR
    err = res.stderr.str()
    assert needle in err and "Traceback" not in err, err


def test_p9_huge_latency_scale_refused(pytester, monkeypatch) -> None:
    monkeypatch.delenv("PRODBENCH_BUDGET_SCALE", raising=False)
    pytester.makeconftest(PT_CONFTEST)
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.latency_budget(p99="1ns")
        def test_marker(latency, fast, X):
            latency.check(fast, X)
        """
    )
    res = pytester.runpytest("--latency-scale", "1e308", "-p", "no:cacheprovider")
    assert res.ret != pytest.ExitCode.OK
    text = res.stdout.str() + res.stderr.str()
    assert "above 1000" in text, text


# --------------------------------------------------------------------------- P2
@pytest.mark.parametrize(
    ("fail_on", "needle"),
    [
        ("p99=-10%", "written with '+'"),
        ("score=+1pp", "written with '-'"),
        ("", "--fail-on is empty"),
    ],
)
def test_p2_fail_on_is_read_as_written(capsys, tmp_path, fail_on, needle) -> None:
    _saved(tmp_path)
    base = str(tmp_path / "base.json")
    code, out, err = run(capsys, "diff", base, base, "--fail-on", fail_on)
    assert code == 2 and out == ""
    assert_one_line_error(err, needle)


def test_p4_semicolon_csv_gets_a_delimiter_hint(capsys, tmp_path) -> None:
    iris_frame().to_csv(tmp_path / "semi.csv", sep=";", index=False)
    code, out, err = run(
        capsys, "compare", "logreg", "knn", "--data", str(tmp_path / "semi.csv"),
        "--target", "label", *FAST,
    )  # fmt: skip
    assert code == 2 and out == ""
    assert_one_line_error(err, "separated by ';'", "save it with commas")


@pytest.mark.parametrize(("budget", "needle"), [(5, "not int .5."), (",,,", "holds no limit")])
def test_p2_p4_budget_parse_wording(capsys, budget, needle) -> None:
    from prodbench.errors import BudgetError
    from prodbench.verdict import Budget

    with pytest.raises(BudgetError, match=needle):
        Budget.parse(budget)
    if isinstance(budget, str):
        code, _, err = run(capsys, "compare", "logreg", "knn", "--budget", budget, *FAST)
        assert code == 2
        assert_one_line_error(err, needle)
