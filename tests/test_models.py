"""Duck-typed model checks, naming and declared task."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from prodbench.errors import CandidateError, ModelError
from prodbench.models import (
    check_fitted,
    check_model,
    declared_task,
    model_label,
    name_candidates,
    qualified_name,
)


class Minimal:
    def fit(self, X, y):
        return self

    def predict(self, X):
        return np.zeros(len(X))


class NotCallable:
    fit = None
    predict = "yes"


def test_check_model_accepts_duck_types():
    check_model(Minimal(), name="m")
    check_model(LogisticRegression(), name="lr", method="predict_proba")


def test_check_model_errors_name_the_candidate_and_fix():
    with pytest.raises(ModelError, match=r"'x'.*NotCallable.*predict"):
        check_model(NotCallable(), name="x")
    with pytest.raises(ModelError, match="fit=False"):
        check_model(type("P", (), {"predict": lambda self, X: X})(), name="p")
    with pytest.raises(ModelError, match="method='predict'"):
        check_model(Ridge(), name="r", method="predict_proba")
    with pytest.raises(ModelError, match="Unknown prediction method"):
        check_model(Ridge(), name="r", method="transform")
    with pytest.raises(ModelError, match=r"Ridge\(\)"):
        check_model(Ridge, name="r")


def test_check_fitted():
    with pytest.raises(ModelError, match="not fitted"):
        check_fitted(make_pipeline(StandardScaler(), Ridge()), name="pipe")
    check_fitted(Ridge().fit([[0], [1]], [0, 1]), name="r")
    check_fitted(Minimal(), name="duck")  # not an sklearn estimator: not checked here


def test_names_and_tasks():
    assert model_label(Ridge()) == "Ridge"
    assert qualified_name(Minimal()).endswith("test_models.Minimal")
    assert declared_task(LogisticRegression()) == "classification"
    assert declared_task(RandomForestRegressor()) == "regression"
    assert declared_task(make_pipeline(StandardScaler(), Ridge())) == "regression"
    assert declared_task(Minimal()) is None


def test_name_candidates_forms():
    assert list(name_candidates({"a": Ridge(), "b": Ridge()})) == ["a", "b"]
    assert list(name_candidates([Ridge(), Minimal(), Ridge()])) == ["Ridge", "Minimal", "Ridge-2"]
    assert list(name_candidates([("x", Ridge()), ("y", Ridge())])) == ["x", "y"]
    with pytest.raises(CandidateError, match="named 'x'"):
        name_candidates([("x", Ridge()), ("x", Ridge())])
    with pytest.raises(CandidateError):
        name_candidates({"": Ridge()})
    with pytest.raises(CandidateError):
        name_candidates(Ridge())
    with pytest.raises(CandidateError):
        name_candidates([])
