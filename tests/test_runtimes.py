"""Compiled runtimes (ONNX Runtime, treelite): conversion, parity, measurement, pickling."""

from __future__ import annotations

import builtins
import pickle
import sys
import warnings
from typing import Any

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.ensemble import (
    ExtraTreesClassifier,
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
    VotingClassifier,
    VotingRegressor,
)
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import prodbench as pb
from prodbench import runtimes
from prodbench.errors import MissingDependencyError, ModelError, RuntimeConversionError
from prodbench.models import check_fitted, check_model
from prodbench.report.model import build_report

warnings.filterwarnings("ignore", category=UserWarning)


def _iris() -> tuple[np.ndarray, np.ndarray]:
    return load_iris(return_X_y=True)


def _cancer() -> tuple[np.ndarray, np.ndarray]:
    return load_breast_cancer(return_X_y=True)


def _diabetes() -> tuple[np.ndarray, np.ndarray]:
    return load_diabetes(return_X_y=True)


def _logreg() -> Any:
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


def _xgb() -> Any:
    import xgboost

    return xgboost.XGBClassifier(n_estimators=10, max_depth=3, n_jobs=1)


def _lgbm() -> Any:
    import lightgbm

    return lightgbm.LGBMClassifier(n_estimators=10, num_leaves=7, verbose=-1, n_jobs=1)


def _soft() -> Any:
    return VotingClassifier(
        [
            ("logreg", _logreg()),
            ("forest", RandomForestClassifier(10, random_state=0)),
            ("hgb", HistGradientBoostingClassifier(max_iter=10, random_state=0)),
        ],
        voting="soft",
    )


def _hard() -> Any:
    return VotingClassifier(
        [
            ("logreg", _logreg()),
            ("forest", RandomForestClassifier(10, random_state=0)),
            ("hgb", HistGradientBoostingClassifier(max_iter=10, random_state=0)),
        ],
        voting="hard",
        weights=[1, 2, 1],
    )


# (family, factory, data, runtime)
FAMILIES = [
    ("logreg", _logreg, _iris, "onnx"),
    ("ridge", lambda: Ridge(), _diabetes, "onnx"),
    ("forest", lambda: RandomForestClassifier(15, random_state=0), _iris, "onnx"),
    ("forest", lambda: RandomForestClassifier(15, random_state=0), _iris, "treelite"),
    ("forest-binary", lambda: RandomForestClassifier(10, random_state=0), _cancer, "treelite"),
    ("extratrees", lambda: ExtraTreesClassifier(10, random_state=0), _iris, "treelite"),
    ("gb", lambda: GradientBoostingClassifier(n_estimators=10), _iris, "onnx"),
    ("gb-binary", lambda: GradientBoostingClassifier(n_estimators=10), _cancer, "treelite"),
    ("hgb", lambda: HistGradientBoostingClassifier(max_iter=10), _iris, "treelite"),
    ("hgb-binary", lambda: HistGradientBoostingClassifier(max_iter=10), _cancer, "treelite"),
    ("forest-reg", lambda: RandomForestRegressor(10, random_state=0), _diabetes, "treelite"),
    ("hgb-reg", lambda: HistGradientBoostingRegressor(max_iter=10), _diabetes, "treelite"),
    ("xgboost", _xgb, _iris, "treelite"),
    ("lightgbm", _lgbm, _cancer, "treelite"),
    ("soft-voting", _soft, _iris, "onnx"),
    ("soft-voting", _soft, _iris, "treelite"),
    ("hard-voting", _hard, _iris, "onnx"),
    (
        "voting-reg",
        lambda: VotingRegressor(
            [("ridge", Ridge()), ("hgb", HistGradientBoostingRegressor(max_iter=10))],
            weights=[1, 3],
        ),
        _diabetes,
        "treelite",
    ),
]


@pytest.fixture(scope="module")
def fitted() -> dict[str, tuple[Any, np.ndarray, np.ndarray]]:
    """Each family fitted once on its data (shared by the module's tests)."""
    from threadpoolctl import threadpool_limits

    out = {}
    with threadpool_limits(1):  # OpenMP fits on a shared 2-core machine crawl otherwise
        for family, factory, data, _ in FAMILIES:
            if family not in out:
                X, y = data()
                out[family] = (factory().fit(X, y), X, y)
    return out


@pytest.mark.parametrize(
    ("family", "runtime"), [(f, r) for f, _, _, r in FAMILIES], ids=lambda v: str(v)
)
def test_each_family_keeps_parity_and_measures_like_any_model(
    fitted: dict[str, Any], family: str, runtime: str
) -> None:
    model, X, y = fitted[family]
    fast = runtimes.compile_model(model, runtime, X_sample=X[:5])
    assert fast.runtime == runtime
    assert not callable(getattr(fast, "fit", None))
    par = runtimes.parity(model, fast, X)
    assert par.ok, par.describe()
    assert par.n == len(X)
    if hasattr(model, "classes_"):
        np.testing.assert_array_equal(fast.classes_, model.classes_)
        has_proba = callable(getattr(model, "predict_proba", None))
        assert callable(getattr(fast, "predict_proba", None)) == has_proba
        if has_proba:
            assert par.max_abs_diff is not None and par.max_abs_diff <= 1e-4
    # One row and a DataFrame are accepted (cast to float32 inside the call).
    import pandas as pd

    assert fast.predict(X[:1]).shape == (1,)
    assert fast.predict(pd.DataFrame(X[:3])).shape == (3,)
    result = pb.measure(fast, X, y, fit=False, max_time=0.05, batch_sizes=(1,), progress=None)
    assert result.latency.n > 0 and result.training is None
    assert result.environment["runtime"]["runtime"] == runtime
    assert result.footprint is not None and result.footprint.size_bytes >= fast.size_bytes


def test_compiled_models_pass_the_pre_fitted_checks(fitted: dict[str, Any]) -> None:
    model = fitted["forest"][0]
    fast = runtimes.treelite(model)
    check_model(fast, name="forest@treelite", method="predict_proba", fit=False)
    check_fitted(fast, name="forest@treelite")
    with pytest.raises(ModelError, match="fit=False"):
        check_model(fast, name="forest@treelite", fit=True)
    assert pb.models.declared_task(fast) == "classification"


@pytest.mark.parametrize(
    ("family", "runtime"),
    [("logreg", "onnx"), ("forest", "treelite"), ("soft-voting", "onnx"), ("hard-voting", "onnx")],
)
def test_pickling_keeps_the_bytes_and_rebuilds_the_session(
    fitted: dict[str, Any], family: str, runtime: str
) -> None:
    model, X, _ = fitted[family]
    fast = runtimes.compile_model(model, runtime, X_sample=X[:5])
    blob = pickle.dumps(fast)
    # The pickle holds the serialized model, not a session nor the original model.
    assert fast.size_bytes <= len(blob) < fast.size_bytes + 20_000
    back = pickle.loads(blob)
    np.testing.assert_array_equal(back.predict(X), fast.predict(X))
    if callable(getattr(fast, "predict_proba", None)):
        np.testing.assert_allclose(back.predict_proba(X), fast.predict_proba(X))
    assert back.size_bytes == fast.size_bytes
    assert back.runtime_info["threads"] == fast.runtime_info["threads"]


def test_onnx_refuses_hgb_with_the_converters_reason(fitted: dict[str, Any]) -> None:
    model, X, _ = fitted["hgb"]
    with pytest.raises(RuntimeConversionError) as info:
        runtimes.onnx(model, X[:2])
    text = str(info.value)
    assert "HistGradientBoostingClassifier" in text and "onnx" in text and "skl2onnx" in text
    assert "treelite" in text  # what to do instead


def test_a_voting_ensemble_is_compiled_member_by_member(fitted: dict[str, Any]) -> None:
    model, X, _ = fitted["soft-voting"]
    fast = runtimes.onnx(model, X[:2])
    members = fast.runtime_info["members"]
    assert {k: v["runtime"] for k, v in members.items()} == {
        "logreg": "onnx",
        "forest": "onnx",
        "hgb": "treelite",
    }
    fast_tl = runtimes.treelite(model)
    assert fast_tl.runtime_info["members"]["forest"]["runtime"] == "treelite"
    assert fast_tl.runtime_info["members"]["logreg"]["runtime"] == "onnx"
    assert fast.size_bytes == sum(m["size_bytes"] for m in members.values())
    # flatten_transform (True by default) is left as it was on the user's model.
    assert model.flatten_transform is True


def test_soft_voting_without_hgb_converts_whole_despite_flatten_transform() -> None:
    X, y = _iris()
    model = VotingClassifier(
        [("logreg", _logreg()), ("forest", RandomForestClassifier(10, random_state=0))],
        voting="soft",
        weights=[2, 1],
    ).fit(X, y)
    fast = runtimes.onnx(model, X[:2])
    assert isinstance(fast, runtimes.OnnxModel)
    assert runtimes.parity(model, fast, X).ok
    assert model.flatten_transform is True


class _Custom:
    """A model no converter knows."""

    def fit(self, X: Any, y: Any) -> _Custom:
        self.classes_ = np.unique(y)
        return self

    def predict(self, X: Any) -> np.ndarray:
        return np.full(len(X), self.classes_[0])


@pytest.mark.parametrize("runtime", ["onnx", "treelite"])
def test_an_unsupported_model_raises_a_conversion_error(runtime: str) -> None:
    X, y = _iris()
    with pytest.raises(RuntimeConversionError) as info:
        runtimes.compile_model(_Custom().fit(X, y), runtime, X_sample=X[:2])
    text = str(info.value)
    assert "_Custom" in text and runtime in text and "said" in text
    assert isinstance(info.value, pb.ProdbenchError)


def test_voting_members_fall_back_to_the_other_runtime_or_fail_by_name() -> None:
    from sklearn.neighbors import KNeighborsRegressor

    X, y = load_diabetes(return_X_y=True)
    model = VotingRegressor([("ridge", Ridge()), ("knn", KNeighborsRegressor())]).fit(X, y)
    fast = runtimes.treelite(model)  # treelite refuses both members; onnx converts them
    assert {m["runtime"] for m in fast.runtime_info["members"].values()} == {"onnx"}
    assert runtimes.parity(model, fast, X).ok
    # ... whereas a member nothing converts fails the whole ensemble.
    model = VotingClassifier([("a", _logreg()), ("b", _CustomEstimator())]).fit(*_iris())
    with pytest.raises(RuntimeConversionError, match="member 'b'"):
        runtimes.onnx(model, _iris()[0][:2])


class _CustomEstimator(ClassifierMixin, BaseEstimator):
    """A scikit-learn-style custom classifier inside an ensemble."""

    def fit(self, X: Any, y: Any) -> _CustomEstimator:
        self.classes_ = np.unique(y)
        return self

    def predict(self, X: Any) -> np.ndarray:
        return np.full(len(X), self.classes_[0])

    def predict_proba(self, X: Any) -> np.ndarray:
        out = np.zeros((len(X), len(self.classes_)))
        out[:, 0] = 1.0
        return out


def test_an_unfitted_model_is_refused_never_refitted() -> None:
    with pytest.raises(RuntimeConversionError, match="not fitted"):
        runtimes.treelite(RandomForestClassifier())


def test_threads_are_set_and_recorded(fitted: dict[str, Any]) -> None:
    model, X, _ = fitted["forest"]
    fast = runtimes.onnx(model, X[:2], threads=2)
    fast.predict(X[:1])
    assert fast._sessions[2].get_session_options().intra_op_num_threads == 2
    assert fast.runtime_info["threads"] == {"intra_op": 2, "inter_op": 2}
    assert runtimes.treelite(model).runtime_info["threads"] == {"nthread": 1}
    with pytest.raises(ValueError, match="threads"):
        runtimes.treelite(model, threads=0)


def test_threads_none_follows_the_thread_policy_phase_by_phase(
    fitted: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from prodbench.timing import thread_limit

    model, X, _ = fitted["forest"]
    fast = runtimes.onnx(model, X[:2], threads=None)
    with thread_limit(1):
        fast.predict(X[:1])
    with thread_limit(None):  # the machine's threads: ONNX Runtime's default
        fast.predict(X[:10])
    assert 1 in fast._sessions and 0 in fast._sessions
    assert fast._sessions[1].get_session_options().intra_op_num_threads == 1
    assert "policy" in fast.runtime_info["threads"]["intra_op"]
    slow = runtimes.treelite(model, threads=None)
    seen = []
    real = slow._gtil.predict

    def spy(m: Any, data: Any, *, nthread: int) -> Any:
        seen.append(nthread)
        return real(m, data, nthread=nthread)

    monkeypatch.setattr(slow._gtil, "predict", spy)
    with thread_limit(1):
        slow.predict(X[:1])
    slow.predict(X[:1])  # outside prodbench's phases: every core (0)
    assert seen == [1, 0]


# --------------------------------------------------------------------------- missing extras
def _block(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    for name in names:
        monkeypatch.setitem(sys.modules, name, None)  # "import name" now raises ImportError


def test_missing_onnx_extra_says_which_extra(
    fitted: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    model, X, _ = fitted["logreg"]
    _block(monkeypatch, "skl2onnx")
    with pytest.raises(MissingDependencyError, match=r'pip install "prodbench\[onnx\]"'):
        runtimes.onnx(model, X[:2])


def test_missing_treelite_extra_says_which_extra(
    fitted: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    model, _, _ = fitted["forest"]
    real_import = builtins.__import__

    def guarded(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.split(".")[0] == "treelite":
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    _block(monkeypatch, "treelite")
    monkeypatch.setattr(builtins, "__import__", guarded)
    with pytest.raises(MissingDependencyError, match=r'pip install "prodbench\[treelite\]"'):
        runtimes.treelite(model)


def test_unpickling_without_the_runtime_fails_clearly_on_first_use(
    fitted: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    model, X, _ = fitted["forest"]
    blob = pickle.dumps(runtimes.onnx(model, X[:2]))
    _block(monkeypatch, "onnxruntime")
    back = pickle.loads(blob)  # the bytes load; the session is built on first use
    with pytest.raises(MissingDependencyError, match=r"prodbench\[onnx\]"):
        back.predict(X[:1])


# --------------------------------------------------------------------------- parity
def test_parity_label_rule_at_and_below_1000_rows() -> None:
    assert runtimes.Parity(n=999, n_differ=1, max_abs_diff=None).ok
    assert not runtimes.Parity(n=999, n_differ=2, max_abs_diff=None).ok
    assert runtimes.Parity(n=2000, n_differ=2, max_abs_diff=None).ok
    assert not runtimes.Parity(n=2000, n_differ=3, max_abs_diff=None).ok
    assert not runtimes.Parity(n=2000, n_differ=0, max_abs_diff=2e-4).ok
    assert runtimes.Parity(n=2000, n_differ=0, max_abs_diff=1e-4).ok
    p = runtimes.Parity(n=10, n_differ=0, max_abs_diff=0.5, task="regression")
    assert p.ok  # regression parity counts rows beyond tolerance, not the largest gap
    assert runtimes.Parity.from_dict(p.to_dict()) == p


class FlipOnePercent:
    """A fake compiled runtime that flips 1% of the labels of the model it wraps."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.classes_ = model.classes_

    def predict(self, X: Any) -> np.ndarray:
        out = np.asarray(self.model.predict(X)).copy()
        idx = np.arange(0, len(out), 100)
        out[idx] = np.where(out[idx] == self.classes_[0], self.classes_[1], self.classes_[0])
        return out


def test_parity_fails_for_a_runtime_flipping_one_percent_of_labels(
    fitted: dict[str, Any],
) -> None:
    model, X, _ = fitted["forest-binary"]
    par = runtimes.parity(model, FlipOnePercent(model), X)
    assert par.n_differ == len(range(0, len(X), 100)) > 1
    assert not par.ok and par.max_abs_diff is None
    assert "PARITY FAILED" in par.describe()


def test_parity_catches_probabilities_beyond_tolerance(fitted: dict[str, Any]) -> None:
    model, X, _ = fitted["forest"]

    class Nudged:
        classes_ = model.classes_

        def predict(self, X: Any) -> Any:
            return model.predict(X)

        def predict_proba(self, X: Any) -> Any:
            return model.predict_proba(X) + 1e-3

    par = runtimes.parity(model, Nudged(), X)
    assert par.labels_ok and not par.values_ok and not par.ok
    assert par.max_abs_diff == pytest.approx(1e-3)


# --------------------------------------------------------------------------- in comparisons
_FAST = {"max_time": 0.1, "min_fits": 1, "batch_sizes": (1,), "progress": None}


def test_compare_measures_each_candidate_under_each_runtime_that_accepts_it() -> None:
    X, y = _iris()
    cmp = pb.compare(
        {"forest": RandomForestClassifier(10, random_state=0), "custom": _Custom()},
        X,
        y,
        runtimes=("sklearn", "onnx", "treelite"),
        **_FAST,
    )
    assert cmp.names == (
        "forest",
        "forest@onnx",
        "forest@treelite",
        "custom",
        "custom@onnx",
        "custom@treelite",
    )
    assert set(cmp.failures) == {"custom@onnx", "custom@treelite"}
    assert cmp.failures["custom@onnx"].phase == "compile"
    assert "_Custom" in cmp.failures["custom@onnx"].message
    for name in ("forest@onnx", "forest@treelite"):
        result = cmp.results[name]
        assert result.runtime is not None and result.runtime.base == "forest"
        assert result.runtime.parity.ok and result.runtime.parity.n == len(X) - len(X) * 3 // 4
        assert result.runtime.conversion_time > 0 and result.runtime.size_bytes > 1000
        # Compiled from the base's fitted model, never refitted: its training is the base's.
        assert result.training == cmp.results["forest"].training is not None
        assert result.options["fit"] is False
        assert result.score.value == cmp.results["forest"].score.value
    assert any("forest@treelite:" in line and "agreement" in line for line in cmp.verdict)
    headers = [" ".join(c.header) for c in build_report(cmp).columns]
    assert "compile time" in headers and "parity" in headers
    frame = cmp.to_frame()
    assert frame.loc["forest@onnx", "runtime_base"] == "forest"
    assert (
        frame.loc["forest@treelite", "parity_ok"] and frame.loc["forest@onnx", "compile_time_s"] > 0
    )
    # Saved and loaded with the runtime record.
    again = type(cmp).from_dict(cmp.to_dict())
    assert again.results["forest@onnx"].runtime == cmp.results["forest@onnx"].runtime


def _flip_runtime(fitted: Any, X_sample: Any, threads: int) -> Any:
    return FlipOnePercent(fitted)


_flip_runtime.runtime_name = "flip"  # type: ignore[attr-defined]


def test_a_variant_without_parity_is_marked_and_never_the_production_pick() -> None:
    X, y = _cancer()
    cmp = pb.compare(
        {"forest": RandomForestClassifier(10, random_state=0), "other": _logreg()},
        X,
        y,
        runtimes=("sklearn", _flip_runtime),
        **_FAST,
    )
    flipped = cmp.results["forest@flip"]
    assert flipped.runtime is not None and not flipped.runtime.parity.ok
    assert not flipped.parity_ok and "forest@flip" not in cmp.eligible
    assert cmp.production_pick != "forest@flip"
    assert any(
        "forest@flip" in line and "never the production pick" in line for line in cmp.verdict
    )


def test_production_pick_skips_a_variant_without_parity_even_when_it_is_best() -> None:
    import dataclasses

    from factories import make_comparison, make_result

    from prodbench.results import Parity, RuntimeVariant

    base = make_result("model", latency_ms=5.0)
    fast = dataclasses.replace(
        make_result("model@fake", latency_ms=0.1),
        runtime=RuntimeVariant("fake", "model", 1000, 100, Parity(1000, 10, None)),
    )
    assert make_comparison([base, dataclasses.replace(fast, runtime=None)]).production_pick == (
        "model@fake"
    )
    assert make_comparison([base, fast]).production_pick == "model"


def test_runtimes_auto_keeps_the_fastest_runtime_with_parity() -> None:
    X, y = _iris()
    cmp = pb.compare(
        {"forest": RandomForestClassifier(10, random_state=0), "logreg": _logreg()},
        X,
        y,
        runtimes="auto",
        **_FAST,
    )
    variants = [n for n in cmp.names if "@" in n]
    assert len(variants) == 2 and variants[0].startswith("forest@") and variants[1] == "logreg@onnx"
    auto = cmp.results[variants[0]].runtime
    assert auto is not None and set(auto.details["auto"]) == {"forest@onnx", "forest@treelite"}


def test_runtimes_option_is_checked() -> None:
    X, y = _iris()
    with pytest.raises(pb.DataError, match="Unknown runtime 'tvm'"):
        pb.compare([_logreg(), Ridge()], X, y, runtimes=("sklearn", "tvm"))
    with pytest.raises(pb.DataError, match="leaves out 'sklearn'"):
        pb.compare([_logreg(), Ridge()], X, y, runtimes=("onnx",))
    with pytest.raises(pb.DataError, match="mixes 'auto'"):
        pb.compare([_logreg(), Ridge()], X, y, runtimes=("sklearn", "onnx", "auto"))
    with pytest.raises(pb.CandidateError, match="'lr@onnx'"):
        pb.compare({"lr": _logreg(), "lr@onnx": _logreg()}, X, y, runtimes=("sklearn", "onnx"))


def test_a_version_2_file_loads_without_runtimes() -> None:
    from pathlib import Path

    cmp = pb.Comparison.from_json(Path(__file__).parent / "data" / "comparison_v2.json")
    assert all(r.runtime is None and r.parity_ok for r in cmp.results.values())
    assert cmp.to_dict()["schema_version"] == 3


# --------------------------------------------------------------------------- command line
def test_cli_runtime_option_measures_variants_and_reports_refusals(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from prodbench.cli import main

    out = tmp_path / "out.json"
    argv = ["compare", "logreg", "forest", "--data", "iris", "--max-time", "0.1"]
    code = main([*argv, "--runtime", "onnx,treelite", "--quiet", "--output", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err  # treelite refusing logreg is reported, not a failure
    assert "runtime variant not compiled" in captured.err and "Pipeline" in captured.err
    for name in ("logreg@onnx", "forest@onnx", "forest@treelite"):
        assert name in captured.out
    saved = pb.Comparison.from_json(out)
    assert saved.names[:3] == ("logreg", "logreg@onnx", "logreg@treelite")
    assert saved.results["forest@treelite"].runtime.parity.ok  # type: ignore[union-attr]
    data = json.loads(out.read_text())
    assert data["results"]["forest@onnx"]["runtime"]["runtime"] == "onnx"
    assert data["summary"]["candidates"]["forest@onnx"]["runtime"]["parity_ok"] is True
    assert main([*argv, "--runtime", "tvm", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "--runtime 'tvm'" in err and "Traceback" not in err


def test_cli_runtime_auto_in_a_real_subprocess(tmp_path: Any) -> None:
    import json
    import subprocess

    args = ["compare", "logreg", "forest", "--data", "iris", "--max-time", "0.1"]
    proc = subprocess.run(
        [sys.executable, "-m", "prodbench", *args, "--runtime", "auto", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    names = list(json.loads(proc.stdout)["results"])
    assert names[:2] == ["logreg", "logreg@onnx"]
    assert len(names) == 4 and names[2] == "forest" and names[3].startswith("forest@")


def test_assert_latency_takes_a_compiled_model(fitted: dict[str, Any]) -> None:
    from prodbench.testing import assert_latency

    model, X, _ = fitted["forest"]
    assert_latency(runtimes.treelite(model), X, p99="1s", max_time=5)


@pytest.mark.slow  # four worker processes
def test_variants_under_isolation_are_compiled_from_the_workers_fitted_models() -> None:
    from sklearn.tree import DecisionTreeClassifier

    X, y = _iris()
    cmp = pb.compare(
        {"forest": RandomForestClassifier(10, random_state=0), "tree": DecisionTreeClassifier()},
        X,
        y,
        runtimes=("sklearn", "treelite"),
        isolate=True,
        **_FAST,
    )
    assert cmp.names == ("forest", "forest@treelite", "tree", "tree@treelite")
    assert set(cmp.failures) == {"tree@treelite"}  # treelite imports ensembles only
    variant = cmp.results["forest@treelite"]
    assert variant.runtime is not None and variant.runtime.parity.ok
    assert variant.training == cmp.results["forest"].training is not None


@pytest.mark.parametrize("threads", [0, -1, 1.5, True, "2"])
def test_bad_threads_is_a_prodbench_error_and_a_value_error(threads: object) -> None:
    from prodbench.errors import DataError

    with pytest.raises(DataError, match="threads must be a positive integer or None") as info:
        runtimes.compile_model(LogisticRegression(), "onnx", threads=threads)  # type: ignore[arg-type]
    assert isinstance(info.value, ValueError) and info.value.exit_code == 2


def test_compiled_models_share_their_base_fields(fitted: dict[str, Any]) -> None:
    model, X, _ = fitted["forest"]
    for fast in (runtimes.onnx(model, X[:2], threads=2), runtimes.treelite(model, threads=2)):
        assert isinstance(fast, runtimes.CompiledModel)
        assert fast.threads == 2 and fast.source.endswith("RandomForestClassifier")
        assert fast._payload and fast.size_bytes == len(fast._payload)
        assert list(fast.classes_) == list(model.classes_)
        assert fast.conversion_time_s >= 0
