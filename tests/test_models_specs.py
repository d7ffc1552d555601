"""Presets and the parsing of command-line candidate specifications."""

from __future__ import annotations

import joblib
import pytest
from sklearn.linear_model import LogisticRegression, Ridge

from prodbench.errors import ModelError, SpecError
from prodbench.models import (
    PRESETS,
    load_candidates_file,
    load_model_file,
    make_preset,
    parse_candidate,
)


@pytest.mark.parametrize("name", list(PRESETS))
@pytest.mark.parametrize("task", ["classification", "regression"])
def test_every_preset_builds_the_right_kind(name: str, task: str) -> None:
    model = make_preset(name, task)
    kind = "regressor" if task == "regression" else "classifier"
    assert model.__sklearn_tags__().estimator_type == kind


def test_presets_are_seeded() -> None:
    params = make_preset("ensemble").get_params()
    seeds = [v for k, v in params.items() if k.endswith("random_state")]
    assert seeds and all(s == 0 for s in seeds)


def test_unknown_preset_suggests_close_name() -> None:
    with pytest.raises(SpecError, match="Did you mean 'forest'"):
        make_preset("forrest")


def test_name_prefix_and_presets() -> None:
    cand = parse_candidate("lone=logreg")
    assert (cand.name, cand.fitted, cand.source) == ("lone", False, "lone=logreg")
    assert parse_candidate("knn").name == "knn"


def test_class_spec_with_literal_arguments() -> None:
    cand = parse_candidate("sklearn.ensemble:RandomForestClassifier(n_estimators=7, max_depth=3)")
    assert cand.name == "RandomForestClassifier"
    assert (cand.estimator.n_estimators, cand.estimator.max_depth) == (7, 3)
    named = parse_candidate("rf=sklearn.ensemble:RandomForestClassifier(n_estimators=7)")
    assert named.name == "rf" and named.estimator.n_estimators == 7
    assert isinstance(parse_candidate("sklearn.linear_model:Ridge").estimator, Ridge)


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ("nosuchmodule_xyz:Thing", "Cannot import module 'nosuchmodule_xyz'"),
        ("sklearn.linear_model:Rigde", "no attribute 'Rigde'.*Did you mean 'Ridge'"),
        ("sklearn.linear_model:ridge_regression", "not a class"),
        ("sklearn.linear_model:Ridge(alpah=1)", "could not be created"),
        ("sklearn.linear_model:Ridge(1.0)", "Positional arguments are not accepted"),
        ("sklearn.linear_model:Ridge(alpha=__import__('os'))", "not a Python literal"),
        ("sklearn.linear_model:Ridge(alpha=", "Cannot read"),
        ("", "empty candidate"),
    ],
)
def test_bad_class_specs(spec: str, match: str) -> None:
    with pytest.raises(SpecError, match=match):
        parse_candidate(spec)


def test_class_that_is_not_a_model() -> None:
    with pytest.raises(ModelError, match="not a model"):
        parse_candidate("sklearn.preprocessing:StandardScaler")


def test_model_file_round_trip(tmp_path) -> None:
    path = tmp_path / "lone.joblib"
    joblib.dump(LogisticRegression().fit([[0.0], [1.0]], [0, 1]), path)
    cand = parse_candidate(str(path))
    assert cand.fitted and cand.name == "lone"
    assert parse_candidate(f"prod={path}").name == "prod"


def test_model_file_errors(tmp_path) -> None:
    with pytest.raises(SpecError, match="No model file"):
        load_model_file(tmp_path / "missing.pkl")
    not_model = tmp_path / "list.joblib"
    joblib.dump([1, 2, 3], not_model)
    with pytest.raises(ModelError, match="not a model"):
        load_model_file(not_model)
    garbage = tmp_path / "garbage.pkl"
    garbage.write_bytes(b"not a pickle at all")
    with pytest.raises(ModelError, match="Cannot load a model"):
        load_model_file(garbage)


def test_existing_non_model_file_is_refused(tmp_path) -> None:
    path = tmp_path / "data.txt"
    path.write_text("x")
    with pytest.raises(SpecError, match="not a model file"):
        parse_candidate(str(path))


def test_candidates_file(tmp_path) -> None:
    good = tmp_path / "good.py"
    good.write_text(
        "from sklearn.linear_model import LogisticRegression\n"
        "CANDIDATES = {'a': LogisticRegression(), 'b': LogisticRegression(C=2.0)}\n"
    )
    assert list(load_candidates_file(good)) == ["a", "b"]


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ("X = 1\n", "defines no CANDIDATES"),
        ("CANDIDATES = [1]\n", "not a dict"),
        ("CANDIDATES = {'a': 1}\n", "not a model"),
        ("raise RuntimeError('boom')\n", "raised RuntimeError: boom"),
    ],
)
def test_bad_candidates_files(tmp_path, body: str, match: str) -> None:
    path = tmp_path / "cands.py"
    path.write_text(body)
    with pytest.raises(SpecError, match=match):
        load_candidates_file(path)
    with pytest.raises(SpecError, match="No candidates file"):
        load_candidates_file(tmp_path / "missing.py")


class _PredictOnly:
    """Has predict but neither fit nor a BaseEstimator base: not a spec-able estimator."""

    created = 0

    def __init__(self) -> None:
        type(self).created += 1

    def predict(self, X):  # pragma: no cover - never called
        return X


def test_class_spec_is_checked_before_it_is_created() -> None:
    with pytest.raises(ModelError, match=r"defines no fit\(\).*not created"):
        parse_candidate(f"{__name__}:_PredictOnly")
    assert _PredictOnly.created == 0
    with pytest.raises(ModelError, match=r"no fit\(\) and no predict\(\)"):
        parse_candidate("collections:OrderedDict")


def test_ridge_is_the_linear_preset_named_for_what_it_is() -> None:
    from prodbench.models import make_preset

    regression = make_preset("ridge", "regression")
    assert type(regression.steps[-1][1]).__name__ == "Ridge"
    assert type(make_preset("ridge").steps[-1][1]).__name__ == "RidgeClassifier"
    # logreg on a continuous target stays the same Ridge (runs that name it keep working)
    assert repr(make_preset("logreg", "regression")) == repr(regression)
