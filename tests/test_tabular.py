"""The presets' preprocessing front on tables with text, categories, booleans and gaps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import prodbench as pb
from prodbench.models import ENCODING_NOTE, PRESETS, encoding_note, make_preset
from prodbench.tabular import MAX_ONE_HOT, TabularFront, needs_front


@pytest.fixture(autouse=True)
def _one_thread():
    """Native pools at one thread: boosting fits on a shared 2-core machine stay short."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


def _table(n: int = 240, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    city = rng.choice(["paris", "lyon", "nice"], n)
    code = np.array([f"z{i}" for i in rng.integers(0, 60, n)])  # high cardinality
    age = rng.normal(40, 10, n)
    member = rng.random(n) < 0.5
    X = pd.DataFrame({"city": city, "code": code, "age": age, "member": member})
    logit = (age - 40) / 10 + (city == "paris") * 1.5 + member
    y = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no")
    return X, y


def test_needs_front_only_for_text_categories_or_gaps() -> None:
    assert not needs_front(np.zeros((2, 2)))
    assert not needs_front(pd.DataFrame({"a": [1.0, 2.0], "b": [True, False]}))
    assert needs_front(pd.DataFrame({"a": [1.0, np.nan]}))
    assert needs_front(pd.DataFrame({"c": pd.Categorical([1, 2])}))
    assert needs_front(pd.DataFrame({"c": ["x", "y"]}))


def test_front_encodes_by_cardinality_on_the_training_rows_only() -> None:
    X, _ = _table()
    front = TabularFront(scale=True).fit(X.iloc[:200])
    assert front.encoding_ == {
        "city": "one-hot (3 values)",
        "code": "ordinal (60 values)",
        "age": "numeric, scaled",
        "member": "boolean as 0/1, scaled",
    }
    out = front.transform(X.iloc[200:])
    assert out.shape == (40, 2 + 3 + 1)
    train = front.transform(X.iloc[:200])
    assert abs(train[:, 0].mean()) < 1e-9 and abs(train[:, 0].std() - 1) < 1e-9
    # one-hot rows hold exactly one 1 for a seen city, none for an unseen one
    assert (out[:, 2:5].sum(axis=1) == 1).all()
    unseen = pd.DataFrame({"city": ["rome"], "code": ["nope"], "age": [40.0], "member": [True]})
    row = front.transform(unseen)
    assert row[0, 2:5].tolist() == [0.0, 0.0, 0.0] and row[0, 5] == -1.0
    assert MAX_ONE_HOT == 20


def test_front_matches_columns_by_name_and_one_row_is_the_bulk_row() -> None:
    X, _ = _table()
    front = TabularFront().fit(X)
    shuffled = X[["member", "age", "code", "city"]]
    np.testing.assert_array_equal(front.transform(shuffled), front.transform(X))
    bulk = front.transform(X)
    for i in (0, 17, 239):
        np.testing.assert_array_equal(front.transform(X.iloc[i : i + 1]), bulk[i : i + 1])


def test_missing_values_are_a_failure_naming_the_column_unless_the_model_takes_them() -> None:
    X, y = _table()
    X.loc[[3, 9], "age"] = np.nan
    X.loc[[5], "city"] = None
    with pytest.raises(ValueError, match=r"column 'city' \(1 rows\), 'age' \(2 rows\)") as info:
        make_preset("logreg", tabular=True).fit(X, y)
    assert "logreg cannot take missing values" in str(info.value)
    assert "SimpleImputer" in str(info.value)
    for name in ("hgb", "forest"):
        model = make_preset(name, tabular=True).fit(X, y)
        assert model.predict(X.iloc[:1]).shape == (1,)


def test_hgb_uses_native_categorical_support() -> None:
    X, y = _table()
    model = make_preset("hgb", tabular=True).fit(X, y)
    front = model.named_steps["front"]
    assert front.encoding_["city"] == "native categorical (3 values)"
    assert front.encoding_["code"] == "native categorical (60 values)"
    hgb = model.named_steps["model"]
    assert hgb.is_categorical_ is not None
    assert hgb.is_categorical_.tolist() == [True, True, False, False]


@pytest.mark.parametrize("name", list(PRESETS))
@pytest.mark.parametrize("task", ["classification", "regression"])
def test_every_preset_fits_a_mixed_table(name: str, task: str) -> None:
    X, y = _table()
    target = y if task == "classification" else X["age"].to_numpy() * 2 + 1
    data = X if task == "classification" else X.drop(columns="age").assign(n=np.arange(240.0))
    model = make_preset(name, task, tabular=True).fit(data, target)
    assert model.predict(data.iloc[:1]).shape == (1,)
    note = encoding_note(model)
    assert note is not None and note.startswith(ENCODING_NOTE) and "city" in note


def test_compare_on_a_mixed_table_says_how_columns_were_encoded() -> None:
    X, y = _table()
    cmp = pb.compare(
        {"logreg": make_preset("logreg", tabular=True), "hgb": make_preset("hgb", tabular=True)},
        X,
        y,
        max_time=0.3,
        max_fit_time=0.5,
        progress=False,
        isolate=False,
    )
    assert not cmp.failures
    assert cmp.results["logreg"].score.value > 0.55
    assert cmp.results["logreg"].latency.request_format == "pandas"
    text = " ".join(str(cmp).split())
    assert "logreg: features encoded on the training rows: city one-hot (3 values)" in text
    assert "hgb: features encoded on the training rows: city native categorical (3" in text
