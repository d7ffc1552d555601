"""A team's latency budgets, checked in CI.

Two models serve the same requests: a lone LogisticRegression and a
RandomForestClassifier. Each is fitted once per module and has its own
single-request latency budget. A test fails when its model gets too slow.

Run with ``python -m pytest examples/test_latency_budget.py``. On a CI
machine slower than the one the budgets were set on, scale them with
``--latency-scale 2`` (or ``PRODBENCH_BUDGET_SCALE=2``); skip them for a
quick local run with ``--latency-skip``.
"""

from __future__ import annotations

import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from prodbench.testing import assert_latency


@pytest.fixture(scope="module")
def data():
    X, y = load_breast_cancer(return_X_y=True)
    return train_test_split(X, y, test_size=0.25, random_state=0)


@pytest.fixture(scope="module")
def lone(data):
    X_train, _, y_train, _ = data
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X_train, y_train)


@pytest.fixture(scope="module")
def forest(data):
    X_train, _, y_train, _ = data
    return RandomForestClassifier(n_estimators=30, random_state=0).fit(X_train, y_train)


@pytest.fixture(scope="module")
def X_test(data):
    return data[1]


# Any test runner: a plain function call.
def test_lone_model_meets_its_budget(lone, X_test):
    latency = assert_latency(lone, X_test, p99="20ms", p50="5ms", name="lone")
    assert latency.n > 0


def test_forest_meets_its_budget(forest, X_test):
    assert_latency(forest, X_test, p99="100ms", name="forest")


# pytest: the marker holds the budget, the `latency` fixture runs the check
# and lists it in the summary table at the end of the run.
@pytest.mark.latency_budget(p99="20ms")
def test_lone_model_marker(latency, lone, X_test):
    latency.check(lone, X_test, name="lone")


@pytest.mark.latency_budget(p99="100ms", p50="50ms")
def test_forest_marker(latency, forest, X_test):
    latency.check(forest, X_test, name="forest")
    # The same model answering with probabilities: same budget, another method.
    latency.check(forest, X_test, name="forest proba", method="predict_proba")
