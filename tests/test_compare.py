"""prodbench.compare end to end: same rows, interleaving, failures kept apart, bad input."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from fakes import BusyModel, constant
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import prodbench as pb
from prodbench.errors import BudgetError, CandidateError, ModelError

FAST = {"max_time": 0.2, "min_fits": 1}


@pytest.fixture(scope="module")
def cancer():
    return load_breast_cancer(return_X_y=True)


def logreg():
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


class FitRaises:
    def fit(self, X, y):
        raise RuntimeError("kaboom")

    def predict(self, X):
        return np.zeros(len(X))


def test_compare_lone_vs_forest(cancer):
    X, y = cancer
    events = []
    finished = []
    cmp = pb.compare(
        {"lone": logreg(), "forest": RandomForestClassifier(n_estimators=20, random_state=0)},
        X,
        y,
        # p50: its interval is finite after a handful of samples, so a loaded machine
        # that fits few calls into 0.2 s still decides this generous budget.
        budget=pb.Budget(p50="1s"),
        progress=events.append,
        on_result=lambda name, result: finished.append(name),
        **FAST,
    )
    assert cmp.names == ("lone", "forest") and cmp.baseline == "lone" and cmp.ok
    assert sorted(finished) == ["forest", "lone"]
    a, b = cmp.results["lone"], cmp.results["forest"]
    assert np.array_equal(a.score.y_true, b.score.y_true)
    assert a.score.rows_digest == b.score.rows_digest
    d = cmp.versus("forest")
    assert d.score_diff == pytest.approx(b.score.value - a.score.value)
    assert d.p50_ratio > 1  # a forest is slower per row than a linear model
    assert cmp.budget_overall("lone") == "pass"
    assert cmp.research_pick in cmp.names and cmp.production_pick in cmp.names
    assert len(cmp.verdict) == 2
    assert {e.candidate for e in events} == {"lone", "forest"}


def test_latency_blocks_are_interleaved(cancer):
    X, y = cancer
    order = []
    pb.compare(
        [BusyModel(constant(200_000)), BusyModel(constant(200_000), seed=1)],
        X,
        y,
        progress=lambda e: order.append(e.candidate) if e.phase == "latency" else None,
        max_time=0.5,
        precision=1e-6,
        min_fits=1,
    )
    # Blocks alternate A B A B ...: no long run of one candidate.
    switches = sum(1 for p, q in itertools.pairwise(order) if p != q)
    assert switches >= len(order) - 2
    assert set(order) == {"BusyModel", "BusyModel-2"}


def test_fits_alternate(cancer):
    X, y = cancer
    order = []
    pb.compare(
        {"a": logreg(), "b": KNeighborsClassifier()},
        X,
        y,
        progress=lambda e: order.append(e.candidate) if e.phase == "fit" else None,
        max_time=0.05,
        min_fits=3,
        # no thread probe: on a busy machine it adds fits to confirm a difference
        threads=None,
    )
    assert order == ["a", "b"] * 3


def test_failed_candidate_others_still_measured(cancer):
    X, y = cancer
    cmp = pb.compare(
        {"lone": logreg(), "broken": FitRaises(), "knn": KNeighborsClassifier()}, X, y, **FAST
    )
    assert set(cmp.results) == {"lone", "knn"}
    failure = cmp.failures["broken"]
    assert failure.phase == "fit" and failure.error_type == "RuntimeError"
    assert "kaboom" in failure.message
    assert not cmp.ok
    assert any("broken: failed during fit" in line for line in cmp.verdict)


def test_list_candidates_named_by_class_and_made_unique(cancer):
    X, y = cancer
    cmp = pb.compare([KNeighborsClassifier(), KNeighborsClassifier(n_neighbors=3)], X, y, **FAST)
    assert cmp.names == ("KNeighborsClassifier", "KNeighborsClassifier-2")


def test_prefitted_candidates(cancer):
    X, y = cancer
    fitted = logreg().fit(X, y)
    cmp = pb.compare(
        {"fitted": fitted, "fresh": KNeighborsClassifier()}, X, y, fit={"fitted": False}, **FAST
    )
    assert cmp.results["fitted"].training is None
    assert cmp.results["fresh"].training is not None


def test_regressors(cancer):
    X, y = load_diabetes(return_X_y=True)
    cmp = pb.compare(
        {"ridge": Ridge(), "forest": RandomForestRegressor(n_estimators=10, random_state=0)},
        X,
        y,
        **FAST,
    )
    d = cmp.versus("forest")
    assert d.score_name == "r2" and d.test == "permutation"
    assert 0 <= d.p_value <= 1


# ----------------------------------------------------------------------- bad input
def test_duplicate_names(cancer):
    X, y = cancer
    with pytest.raises(CandidateError, match="Two candidates are named 'a'"):
        pb.compare([("a", logreg()), ("a", KNeighborsClassifier())], X, y)


def test_unknown_baseline(cancer):
    X, y = cancer
    with pytest.raises(CandidateError, match="Unknown baseline 'zzz'"):
        pb.compare({"a": logreg(), "b": KNeighborsClassifier()}, X, y, baseline="zzz")


def test_fewer_than_two(cancer):
    X, y = cancer
    with pytest.raises(CandidateError, match=r"measure\(\)"):
        pb.compare({"a": logreg()}, X, y)
    with pytest.raises(CandidateError):
        pb.compare({}, X, y)


def test_bad_budget_string(cancer):
    X, y = cancer
    with pytest.raises(BudgetError):
        pb.compare({"a": logreg(), "b": KNeighborsClassifier()}, X, y, budget="p99=soon")


def test_regressor_with_classifier(cancer):
    X, y = cancer
    with pytest.raises(CandidateError, match="'ridge' is a regressor"):
        pb.compare({"lone": logreg(), "ridge": Ridge()}, X, y)


def test_model_without_predict_named(cancer):
    X, y = cancer
    with pytest.raises(ModelError, match="'thing'"):
        pb.compare({"lone": logreg(), "thing": object()}, X, y)


def test_public_functions_survive_submodule_imports():
    import importlib

    importlib.import_module("prodbench.pipeline")
    importlib.import_module("prodbench.cli")
    assert callable(pb.measure) and callable(pb.compare)
    assert pb.measure.__name__ == "measure"


def test_bulk_throughput_alternates_by_batch_size(cancer):
    X, y = cancer
    calls: list[tuple[str, int]] = []

    class Logged:
        def __init__(self, name):
            self.name = name

        def fit(self, X, y):
            self.label_ = y[0]
            return self

        def predict(self, X):
            calls.append((self.name, len(X)))
            return np.full(len(X), self.label_)

    pb.compare({"a": Logged("a"), "b": Logged("b")}, X, y, max_time=0.05, min_fits=1)
    bulk = [(name, n) for name, n in calls if n in (10, 100)]
    sizes = [n for _, n in bulk]
    assert sizes == sorted(sizes)  # every candidate finishes size 10 before any does 100
    for size in (10, 100):
        assert {name for name, n in bulk if n == size} == {"a", "b"}


def test_auto_request_format_is_the_type_each_model_was_fitted_on(cancer):
    """request_format="auto": a pre-fitted model with feature_names_in_ gets DataFrame rows,
    one fitted on arrays gets arrays, whatever the type of X; prodbench-fitted ones get X's."""
    import pandas as pd

    X, y = cancer
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    on_frame = logreg().fit(frame, y)
    on_array = logreg().fit(X, y)
    cmp = pb.compare(
        {"named": on_frame, "plain": on_array, "fresh": logreg()},
        X,
        y,
        fit={"named": False, "plain": False},
        **FAST,
    )
    formats = {n: r.latency.request_format for n, r in cmp.results.items()}
    assert formats == {"named": "pandas", "plain": "numpy", "fresh": "numpy"}
    assert cmp.results["named"].score.value == pytest.approx(cmp.results["plain"].score.value)
    both = pb.compare({"named": on_frame, "plain": on_array}, frame, y, fit=False, **FAST)
    assert {n: r.latency.request_format for n, r in both.results.items()} == {
        "named": "pandas",
        "plain": "numpy",
    }
