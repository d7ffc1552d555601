"""prodbench.measure end to end: real models, input types, options and every error path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fakes import BusyModel, constant
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    RandomForestClassifier,
    RandomForestRegressor,
    StackingClassifier,
    VotingClassifier,
)
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import prodbench as pb
from prodbench.errors import DataError, ModelError, ModelFailedError, SchemaError, SpecError

FAST = {"max_time": 0.15, "min_fits": 1}


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    return X, y


@pytest.fixture(scope="module")
def diabetes():
    return load_diabetes(return_X_y=True)


class Minimal:
    """Only fit and predict; no get_params, no __sklearn_tags__."""

    def fit(self, X, y):
        self.mean_ = float(np.mean(y))
        return self

    def predict(self, X):
        return np.full(len(X), self.mean_)


class MajorityClass:
    def fit(self, X, y):
        values, counts = np.unique(y, return_counts=True)
        self.label_ = values[counts.argmax()]
        return self

    def predict(self, X):
        return np.full(len(X), self.label_)


def logreg():
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


CLASSIFIERS = {
    "LogisticRegression": lambda: LogisticRegression(max_iter=5000),
    "Pipeline": logreg,
    "RandomForestClassifier": lambda: RandomForestClassifier(n_estimators=10, random_state=0),
    "HistGradientBoostingClassifier": lambda: HistGradientBoostingClassifier(max_iter=20),
    "VotingClassifier": lambda: VotingClassifier(
        [("lr", logreg()), ("rf", RandomForestClassifier(n_estimators=10, random_state=0))],
        voting="soft",
    ),
    "StackingClassifier": lambda: StackingClassifier(
        [("rf", RandomForestClassifier(n_estimators=5, random_state=0))],
        final_estimator=LogisticRegression(),
        cv=3,
    ),
    "KNeighborsClassifier": KNeighborsClassifier,
    "MajorityClass": MajorityClass,
}


@pytest.mark.parametrize("kind", list(CLASSIFIERS))
def test_classifiers_on_numpy_and_both_priorities(kind, cancer):
    X, y = cancer
    result = pb.measure(CLASSIFIERS[kind](), X.to_numpy(), y.to_numpy(), **FAST)
    assert result.name == kind
    assert result.task == "classification"
    assert result.score.name == "accuracy"
    assert 0.5 <= result.score.value <= 1.0
    assert result.score.n == len(result.score.y_pred) == 143  # 25% of 569
    assert result.training is not None and result.training.n_fits >= 1
    assert result.training.samples_per_second > 0
    assert result.latency.n > 0 and result.latency.p99 >= result.latency.p50 > 0
    assert result.latency.request_format == "numpy"
    assert result.footprint is not None and result.footprint.size_bytes > 0
    # The throughput phase as a whole gets max_time; sizes it did not reach are noted.
    measured = set(result.throughput.rows_per_second)
    assert 1 in measured
    assert measured | set(result.options["throughput_not_measured"]) == {1, 10, 100, 143}


@pytest.mark.parametrize(
    "model",
    [Ridge(), RandomForestRegressor(n_estimators=10, random_state=0), Minimal()],
    ids=["Ridge", "RandomForestRegressor", "Minimal"],
)
def test_regressors_score_r2(model, diabetes):
    X, y = diabetes
    result = pb.measure(model, X, y, **FAST)
    assert result.task == "regression"
    assert result.score.name == "r2"
    assert result.score.value < 1.0
    assert result.latency.n > 0


def test_dataframe_input_gets_one_row_dataframes(cancer):
    X, y = cancer
    seen = []

    class Recorder(MajorityClass):
        def predict(self, X):
            seen.append(type(X))
            return super().predict(X)

    result = pb.measure(Recorder(), X, y, max_time=0.05)
    assert result.latency.request_format == "pandas"
    assert pd.DataFrame in seen and np.ndarray not in seen


@pytest.mark.filterwarnings("ignore:X does not have valid feature names")
def test_request_format_numpy_overrides(cancer):
    X, y = cancer
    result = pb.measure(logreg(), X, y, request_format="numpy", max_time=0.05, min_fits=1)
    assert result.latency.request_format == "numpy"


def test_explicit_test_set_and_prefitted_model(cancer):
    X, y = cancer
    X_tr, X_te, y_tr, y_te = X.iloc[:400], X.iloc[400:], y.iloc[:400], y.iloc[400:]
    model = logreg().fit(X_tr, y_tr)
    result = pb.measure(model, X_tr, y_tr, X_test=X_te, y_test=y_te, fit=False, max_time=0.1)
    assert result.training is None
    assert result.score.n == len(y_te)
    assert result.options["fit"] is False


def test_predict_proba_method_is_timed(cancer):
    X, y = cancer
    result = pb.measure(logreg(), X, y, method="predict_proba", **FAST)
    assert result.latency.method == "predict_proba"
    assert result.score.name == "accuracy"


def test_min_fits_repeats_fit(cancer):
    X, y = cancer
    result = pb.measure(logreg(), X, y, min_fits=3, max_time=0.05)
    assert result.training is not None and result.training.n_fits == 3


def test_environment_and_options_recorded(cancer):
    X, y = cancer
    result = pb.measure(
        RandomForestClassifier(n_estimators=5, n_jobs=1), X, y, threads=1, gc="disabled", **FAST
    )
    env = result.environment
    assert env["model_n_jobs"] == 1 and env["thread_limit"] == 1 and env["gc_policy"] == "disabled"
    assert "scikit-learn" in env["packages"]
    assert result.options["threads"] == 1


def test_progress_callback_sees_every_phase(cancer):
    X, y = cancer
    events = []
    pb.measure(logreg(), X, y, progress=events.append, **FAST)
    phases = [e.phase for e in events]
    for phase in ("fit", "score", "throughput", "latency", "footprint", "done"):
        assert phase in phases


def test_undersampled_note_when_time_is_too_short(cancer):
    X, y = cancer
    model = BusyModel(constant(2_000_000))
    result = pb.measure(model, X.to_numpy(), y.to_numpy(), max_time=0.05, min_fits=1)
    assert result.latency.undersampled(99)
    assert any("under-sampled" in note for note in result.notes)


def test_json_round_trip_is_lossless(cancer, tmp_path):
    X, y = cancer
    result = pb.measure(logreg(), X, y, **FAST)
    path = tmp_path / "r.json"
    result.to_json(path)
    again = pb.ModelResult.from_json(path)
    assert again == result
    assert again.to_dict() == result.to_dict()
    assert again.latency.p99 == result.latency.p99
    assert np.array_equal(again.latency.samples_ns, result.latency.samples_ns)


def test_unknown_schema_version_rejected(cancer, tmp_path):
    X, y = cancer
    data = pb.measure(logreg(), X, y, **FAST).to_dict()
    data["schema_version"] = 999
    with pytest.raises(SchemaError, match="schema_version 999"):
        pb.ModelResult.from_dict(data)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(SchemaError, match="not valid JSON"):
        pb.ModelResult.from_json(bad)


# ----------------------------------------------------------------------- errors
class NoPredict:
    def fit(self, X, y):
        return self


class FitRaises(MajorityClass):
    def fit(self, X, y):
        raise RuntimeError("out of memory")


class PredictRaises(MajorityClass):
    def predict(self, X):
        raise ValueError("bad row")


class PredictsNonsense(MajorityClass):
    def predict(self, X):
        return np.full(len(X), "banana")


class WrongLength(MajorityClass):
    def predict(self, X):
        return np.zeros(len(X) + 1)


def test_object_without_predict(cancer):
    X, y = cancer
    with pytest.raises(ModelError, match=r"NoPredict.*no callable predict"):
        pb.measure(NoPredict(), X, y)


def test_class_instead_of_instance(cancer):
    X, y = cancer
    with pytest.raises(ModelError, match="not an instance"):
        pb.measure(LogisticRegression, X, y)


def test_predict_proba_missing(cancer):
    X, y = cancer
    with pytest.raises(ModelError, match="predict_proba"):
        pb.measure(MajorityClass(), X, y, method="predict_proba")


def test_unfitted_model_with_fit_false(cancer):
    X, y = cancer
    with pytest.raises(ModelError, match="not fitted"):
        pb.measure(LogisticRegression(), X, y, fit=False)
    with pytest.raises(ModelError, match="not fitted"):
        pb.measure(MajorityClass(), X, y, fit=False)  # duck model: fails on first predict


def test_length_mismatch(cancer):
    X, y = cancer
    with pytest.raises(DataError, match="rows"):
        pb.measure(logreg(), X, y[:-3])


def test_empty_and_one_class_data():
    with pytest.raises(DataError):
        pb.measure(MajorityClass(), np.empty((0, 3)), np.empty(0))
    with pytest.raises(DataError, match="one class"):
        pb.measure(
            MajorityClass(), np.random.default_rng(0).random((40, 3)), np.zeros(40, dtype=int)
        )


def test_missing_y(cancer):
    X, _ = cancer
    with pytest.raises(DataError, match="y is missing"):
        pb.measure(logreg(), X)


def test_fit_raising_is_chained(cancer):
    X, y = cancer
    with pytest.raises(ModelFailedError, match=r"FitRaises.*RuntimeError.*out of memory") as info:
        pb.measure(FitRaises(), X, y)
    assert isinstance(info.value.__cause__, RuntimeError)
    assert info.value.phase == "fit" and info.value.candidate == "FitRaises"


def test_predict_raising_is_chained(cancer):
    X, y = cancer
    with pytest.raises(ModelFailedError, match="bad row") as info:
        pb.measure(PredictRaises(), X, y)
    assert isinstance(info.value.__cause__, ValueError)


def test_predictions_that_make_no_sense(cancer):
    X, y = cancer
    with pytest.raises(ModelError, match="none of the labels"):
        pb.measure(PredictsNonsense(), X, y, max_time=0.05)
    with pytest.raises(ModelError, match="one prediction per row"):
        pb.measure(WrongLength(), X, y, max_time=0.05)


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("request_format", "arrow"),
        ("gc", "sometimes"),
        ("threads", 0),
        ("max_time", 0),
        ("precision", 2.0),
        ("min_fits", 0),
        ("test_size", 1.5),
    ],
)
def test_bad_options(option, value, cancer):
    X, y = cancer
    with pytest.raises(DataError):
        pb.measure(logreg(), X, y, **{option: value})


def test_unknown_scoring_is_a_spec_error(cancer):
    X, y = cancer
    with pytest.raises(SpecError, match="Unknown scoring 'f7'"):
        pb.measure(logreg(), X, y, scoring="f7")


def test_scorer_of_the_wrong_task(diabetes):
    X, y = diabetes
    with pytest.raises(DataError, match="classification"):
        pb.measure(Ridge(), X, y, scoring="accuracy")
