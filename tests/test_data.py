"""Tests of prodbench.data: loading, validation, the split and request rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn import datasets as skdatasets

from prodbench.data import (
    BUNDLED,
    Dataset,
    Split,
    as_features,
    check_xy,
    infer_task,
    input_format,
    list_datasets,
    load_dataset,
    request_rows,
    rows_digest,
    split,
)
from prodbench.errors import DataError, SpecError

# --------------------------------------------------------------------------
# listing and bundled datasets


def test_list_datasets_names_and_shapes_match_loaders() -> None:
    infos = {info.name: info for info in list_datasets()}
    assert list(infos) == [*BUNDLED, "synthetic"]
    assert infos["synthetic"].n_rows == 20000
    assert infos["synthetic"].n_features == 20
    for name in BUNDLED:
        ds = load_dataset(name)
        info = infos[name]
        assert (ds.n_rows, ds.n_features, ds.task) == (info.n_rows, info.n_features, info.task)


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_is_dataframe_with_feature_names(name: str) -> None:
    ds = load_dataset(name)
    assert isinstance(ds, Dataset)
    assert isinstance(ds.X, pd.DataFrame)
    assert isinstance(ds.y, np.ndarray)
    assert ds.y.ndim == 1
    assert len(ds.y) == ds.n_rows
    assert all(isinstance(c, str) for c in ds.X.columns)
    assert ds.name == name
    assert ds.description
    expected = "regression" if name == "diabetes" else "classification"
    assert ds.task == expected
    # the inferred task agrees with the table
    assert infer_task(ds.y) == expected


def test_bundled_rows_subsample_is_seeded() -> None:
    a = load_dataset("breast_cancer", rows=100, random_state=3)
    b = load_dataset("breast_cancer", rows=100, random_state=3)
    c = load_dataset("breast_cancer", rows=100, random_state=4)
    assert a.n_rows == 100
    assert isinstance(a.X, pd.DataFrame)
    assert isinstance(b.X, pd.DataFrame)
    assert isinstance(c.X, pd.DataFrame)
    pd.testing.assert_frame_equal(a.X, b.X)
    assert not a.X.equals(c.X)
    assert list(a.X.index) == list(range(100))


def test_bundled_refuses_target_and_features() -> None:
    with pytest.raises(SpecError, match="target"):
        load_dataset("iris", target="species")
    with pytest.raises(SpecError, match="features"):
        load_dataset("iris", features=2)


def test_rows_too_small_is_spec_error() -> None:
    with pytest.raises(SpecError, match="at least 10"):
        load_dataset("iris", rows=5)


# --------------------------------------------------------------------------
# synthetic


def test_synthetic_default_shape_and_type() -> None:
    ds = load_dataset("synthetic")
    assert isinstance(ds.X, np.ndarray)
    assert ds.X.shape == (20000, 20)
    assert ds.X.dtype == np.float64
    assert ds.task == "classification"
    assert set(np.unique(ds.y)) == {0, 1}
    assert "make_classification" in ds.description


def test_synthetic_rows_features_override() -> None:
    ds = load_dataset("synthetic", rows=300, features=7)
    assert ds.X.shape == (300, 7)
    ds = load_dataset("synthetic:n_samples=5000", rows=200)
    assert ds.n_rows == 200


def test_synthetic_is_reproducible() -> None:
    a = load_dataset("synthetic", rows=200, random_state=1)
    b = load_dataset("synthetic", rows=200, random_state=1)
    c = load_dataset("synthetic", rows=200, random_state=2)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)


def test_synthetic_spec_regression() -> None:
    ds = load_dataset("synthetic:n_samples=500,n_features=30,task=regression")
    assert ds.X.shape == (500, 30)
    assert ds.task == "regression"
    assert ds.y.dtype.kind == "f"
    assert infer_task(ds.y) == "regression"
    assert "make_regression" in ds.description


def test_synthetic_spec_multiclass_and_whitespace() -> None:
    ds = load_dataset("synthetic: n_samples = 300 , n_classes=4, n_informative=3")
    assert ds.n_rows == 300
    assert set(np.unique(ds.y)) == {0, 1, 2, 3}


def test_synthetic_few_features() -> None:
    ds = load_dataset("synthetic", rows=50, features=1)
    assert ds.X.shape == (50, 1)


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ("synthetic:n_rows=10", "Unknown key 'n_rows'.*n_samples, n_features"),
        ("synthetic:n_samples=abc", "not a whole number"),
        ("synthetic:n_samples=1.5", "not a whole number"),
        ("synthetic:task=clustering", "classification or task=regression"),
        ("synthetic:n_samples", "key=value"),
        ("synthetic:n_samples=100,n_samples=200", "twice"),
        ("synthetic:n_samples=5", "at least 10"),
        ("synthetic:n_features=0", "n_features"),
        ("synthetic:n_features=3,n_informative=5", "n_informative"),
        ("synthetic:task=regression,n_classes=3", "n_classes"),
    ],
)
def test_synthetic_spec_errors(spec: str, match: str) -> None:
    with pytest.raises(SpecError, match=match):
        load_dataset(spec)


def test_synthetic_refuses_target() -> None:
    with pytest.raises(SpecError, match="target"):
        load_dataset("synthetic", target="y")


def test_unknown_spec_lists_forms() -> None:
    with pytest.raises(DataError) as info:
        load_dataset("mnist")
    msg = str(info.value)
    assert "'mnist'" in msg
    for name in BUNDLED:
        assert name in msg
    assert "synthetic" in msg
    assert ".csv" in msg
    assert ".parquet" in msg


def test_unknown_extension_is_data_error(tmp_path: Path) -> None:
    path = tmp_path / "data.xlsx"
    path.write_text("x")
    with pytest.raises(DataError, match=r"\.csv"):
        load_dataset(str(path), target="y")


# --------------------------------------------------------------------------
# files


def _frame(n: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.integers(0, 5, size=n),
            "flag": rng.integers(0, 2, size=n).astype(bool),
            "label": np.array(["yes", "no"])[np.arange(n) % 2],
        }
    )


def test_csv_loads(tmp_path: Path) -> None:
    path = tmp_path / "mydata.csv"
    _frame().to_csv(path, index=False)
    ds = load_dataset(str(path), target="label")
    assert ds.name == "mydata"
    assert isinstance(ds.X, pd.DataFrame)
    assert list(ds.X.columns) == ["a", "b", "flag"]
    assert all(dtype == np.float64 for dtype in ds.X.dtypes)
    assert isinstance(ds.y, np.ndarray)
    assert set(ds.y) == {"yes", "no"}
    assert ds.task == "classification"
    assert ds.n_rows == 30


def test_csv_accepts_pathlike_and_regression_target(tmp_path: Path) -> None:
    frame = _frame().drop(columns="label")
    frame["price"] = np.linspace(0.1, 99.7, len(frame))
    path = tmp_path / "prices.CSV"
    frame.to_csv(path, index=False)
    ds = load_dataset(path, target="price", rows=12)
    assert ds.task == "regression"
    assert ds.n_rows == 12
    assert ds.y.dtype == np.float64


def test_parquet_text_category_and_bool_columns_keep_their_dtypes(tmp_path: Path) -> None:
    path = tmp_path / "data.parquet"
    frame = _frame()
    frame["city"] = pd.Categorical(np.array(["paris", "lyon", "nice"])[np.arange(30) % 3])
    frame.to_parquet(path, index=False)
    ds = load_dataset(str(path), target="b")
    assert isinstance(ds.X, pd.DataFrame)
    assert isinstance(ds.X["city"].dtype, pd.CategoricalDtype)
    assert ds.X["flag"].dtype == bool
    assert not pd.api.types.is_numeric_dtype(ds.X["label"])
    assert "text or categorical columns: 'label', 'city'" in ds.description


def test_parquet_numeric(tmp_path: Path) -> None:
    path = tmp_path / "data.parquet"
    _frame().to_parquet(path, index=False)
    ds = load_dataset(str(path), target="label")
    assert isinstance(ds.X, pd.DataFrame)
    assert list(ds.X.columns) == ["a", "b", "flag"]
    assert ds.task == "classification"


def test_file_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        load_dataset(str(tmp_path / "nope.csv"), target="y")


def test_file_target_missing_lists_columns(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    _frame().to_csv(path, index=False)
    with pytest.raises(DataError, match="needs a target") as info:
        load_dataset(str(path))
    assert "'a', 'b', 'flag', 'label'" in str(info.value)


def test_file_target_not_in_columns(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    _frame().to_csv(path, index=False)
    with pytest.raises(DataError, match="'Label' is not in") as info:
        load_dataset(str(path), target="Label")
    assert "'label'" in str(info.value)


def test_file_text_features_load_as_a_frame(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    frame = _frame()
    frame["city"] = np.array(["Paris", "Lyon"])[np.arange(30) % 2]
    frame.to_csv(path, index=False)
    ds = load_dataset(str(path), target="b")
    assert list(ds.X.columns) == ["a", "flag", "label", "city"]
    assert ds.X["a"].dtype == np.float64 and ds.X["flag"].dtype == bool
    assert ds.X["city"].tolist()[:2] == ["Paris", "Lyon"]


def test_file_missing_features_are_kept_and_a_missing_target_refused(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    frame = _frame()
    frame["a"] = frame["a"].astype(float)
    frame.loc[[1, 2, 3], "a"] = np.nan
    frame.to_csv(path, index=False)
    ds = load_dataset(str(path), target="label")
    assert ds.n_rows == 30  # never dropped
    assert int(ds.X["a"].isna().sum()) == 3
    assert "missing values (kept) in 'a' (3 rows)" in ds.description
    frame.loc[[3, 4], "label"] = None
    frame.to_csv(path, index=False)
    with pytest.raises(DataError, match="without a target value") as info:
        load_dataset(str(path), target="label")
    msg = str(info.value)
    assert "2 of 30 rows" in msg and "'label'" in msg and "dropna" in msg


def test_file_datetime_columns_are_refused_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "d.parquet"
    frame = _frame()
    frame["when"] = pd.date_range("2024-01-01", periods=30, freq="D")
    frame.to_parquet(path, index=False)
    with pytest.raises(DataError, match=r"date-time feature columns: 'when'") as info:
        load_dataset(str(path), target="label")
    assert "day of the week" in str(info.value)


def test_file_too_few_rows(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    _frame(5).to_csv(path, index=False)
    with pytest.raises(DataError, match=r"5 rows.*at least 10"):
        load_dataset(str(path), target="label")


def test_file_unreadable_chains(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(DataError, match="Cannot read") as info:
        load_dataset(str(path), target="y")
    assert info.value.__cause__ is not None

    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"not parquet at all")
    with pytest.raises(DataError, match="Parquet") as info:
        load_dataset(str(bad), target="y")
    assert info.value.__cause__ is not None


def test_file_directory(tmp_path: Path) -> None:
    path = tmp_path / "dir.csv"
    path.mkdir()
    with pytest.raises(DataError, match="directory"):
        load_dataset(str(path), target="y")


def test_file_only_target_column(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    pd.DataFrame({"y": range(20)}).to_csv(path, index=False)
    with pytest.raises(DataError, match="no feature columns"):
        load_dataset(str(path), target="y")


def test_file_refuses_features(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    _frame().to_csv(path, index=False)
    with pytest.raises(SpecError, match="features"):
        load_dataset(str(path), target="label", features=2)


# --------------------------------------------------------------------------
# infer_task and check_xy


@pytest.mark.parametrize(
    ("y", "task"),
    [
        (np.array([0, 1, 0, 1]), "classification"),
        (np.array([0, 1, 2, 3, 4]), "classification"),
        (np.arange(100), "classification"),  # ints are labels
        (np.array(["a", "b", "c"], dtype=object), "classification"),
        (np.array([True, False, True]), "classification"),
        (pd.Series(["x", "y", "x"], dtype="category"), "classification"),
        (np.array([0.0, 1.0, 1.0, 2.0]), "classification"),
        (np.array([0.5, 1.5, 2.25]), "regression"),
        (np.arange(100, dtype=float), "regression"),  # >20 whole-number floats
        (skdatasets.load_diabetes().target, "regression"),
    ],
)
def test_infer_task(y: object, task: str) -> None:
    assert infer_task(y) == task


@pytest.mark.parametrize(
    "y",
    [
        np.array([[1, 0], [0, 1], [1, 1]]),
        np.array([[0.5, 1.5], [2.5, 1.0]]),
        np.array([]),
        np.array([0.5, np.nan, 1.0]),
        np.array([0.5, np.inf, 1.0]),
    ],
)
def test_infer_task_unsupported(y: np.ndarray) -> None:
    with pytest.raises(DataError):
        infer_task(y)


def test_check_xy_ok() -> None:
    check_xy(np.zeros((4, 2)), np.zeros(4))
    check_xy(pd.DataFrame({"a": [1, 2]}), pd.Series([0, 1]))


@pytest.mark.parametrize(
    ("X", "y", "match"),
    [
        (np.zeros((3, 2)), np.zeros(4), "X has 3 rows but y has 4"),
        (np.zeros(3), np.zeros(3), "X must be 2-D"),
        (np.zeros((3, 2)), np.zeros((3, 1)), r"y must be 1-D.*ravel"),
        (np.zeros((0, 2)), np.zeros(0), "empty"),
        (np.zeros((3, 0)), np.zeros(3), "empty"),
    ],
)
def test_check_xy_errors(X: np.ndarray, y: np.ndarray, match: str) -> None:
    with pytest.raises(DataError, match=match):
        check_xy(X, y)


# --------------------------------------------------------------------------
# split


def test_split_stratified_preserves_ratio() -> None:
    y = np.array([0] * 900 + [1] * 100)
    X = np.arange(2000.0).reshape(1000, 2)
    s = split(X, y, test_size=0.2, random_state=0)
    assert isinstance(s, Split)
    assert (s.n_train, s.n_test) == (800, 200)
    assert s.y_test.mean() == pytest.approx(0.1)
    assert s.y_train.mean() == pytest.approx(0.1)
    assert isinstance(s.X_train, np.ndarray)
    assert s.X_train.flags["C_CONTIGUOUS"]
    # rows and targets stay aligned
    np.testing.assert_array_equal(s.X_test[:, 0] // 2 >= 900, s.y_test == 1)


def test_split_reproducible() -> None:
    ds = load_dataset("wine")
    a = split(ds.X, ds.y, random_state=5)
    b = split(ds.X, ds.y, random_state=5)
    c = split(ds.X, ds.y, random_state=6)
    assert isinstance(a.X_train, pd.DataFrame)
    assert isinstance(b.X_train, pd.DataFrame)
    pd.testing.assert_frame_equal(a.X_train, b.X_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.y_test, c.y_test)


def test_split_keeps_dataframe_and_resets_index() -> None:
    ds = load_dataset("iris")
    s = split(ds.X, pd.Series(ds.y), test_size=0.2)
    assert isinstance(s.X_train, pd.DataFrame)
    assert isinstance(s.X_test, pd.DataFrame)
    assert isinstance(s.y_train, np.ndarray)
    assert list(s.X_test.index) == list(range(30))
    assert isinstance(ds.X, pd.DataFrame)
    assert list(s.X_test.columns) == list(ds.X.columns)
    # stratified: 10 of each of the 3 classes
    assert np.bincount(s.y_test).tolist() == [10, 10, 10]


def test_split_regression() -> None:
    ds = load_dataset("diabetes")
    s = split(ds.X, ds.y)
    assert s.n_train + s.n_test == ds.n_rows


def test_split_falls_back_when_a_class_has_one_member() -> None:
    y = np.array(["a"] * 10 + ["b"] * 9 + ["c"])
    X = np.arange(40.0).reshape(20, 2)
    s = split(X, y, test_size=0.25)
    assert s.n_train + s.n_test == 20


def test_split_one_class() -> None:
    with pytest.raises(DataError, match="only one class 'a'; a classifier needs at least two"):
        split(np.zeros((10, 2)), np.array(["a"] * 10))


@pytest.mark.parametrize("test_size", [0, 1, 1.5, -0.1, 0.0])
def test_split_bad_test_size(test_size: float) -> None:
    with pytest.raises(DataError, match="test_size"):
        split(np.zeros((10, 2)), np.arange(10.0) + 0.5, test_size=test_size)


def test_split_empty_side() -> None:
    with pytest.raises(DataError, match="both need at least one"):
        split(np.zeros((2, 2)), np.array([0.5, 1.5]), test_size=0.9)


def test_split_checks_shapes() -> None:
    with pytest.raises(DataError, match="X has 3 rows but y has 4"):
        split(np.zeros((3, 2)), np.zeros(4))


# --------------------------------------------------------------------------
# request rows, input format, digest


def test_input_format() -> None:
    assert input_format(np.zeros((2, 2))) == "numpy"
    assert input_format(pd.DataFrame({"a": [1]})) == "pandas"
    with pytest.raises(DataError, match="numpy array or a pandas DataFrame"):
        input_format([[1, 2]])


def test_request_rows_numpy() -> None:
    X = np.asfortranarray(np.arange(60.0).reshape(20, 3))
    rows = request_rows(X, n_rows=5)
    assert isinstance(rows, list)
    assert len(rows) == 5
    for r in rows:
        assert isinstance(r, np.ndarray)
        assert r.shape == (1, 3)
        assert r.flags["C_CONTIGUOUS"]
        assert not np.shares_memory(r, X)
    # each row is a real row of X, all distinct
    firsts = [int(r[0, 0]) // 3 for r in rows]
    assert len(set(firsts)) == 5
    for r, i in zip(rows, firsts, strict=True):
        np.testing.assert_array_equal(r[0], X[i])


def test_request_rows_deterministic_and_shuffled() -> None:
    X = np.arange(200.0).reshape(100, 2)
    a = [int(r[0, 0]) for r in request_rows(X, n_rows=None, random_state=1)]
    b = [int(r[0, 0]) for r in request_rows(X, n_rows=None, random_state=1)]
    c = [int(r[0, 0]) for r in request_rows(X, n_rows=None, random_state=2)]
    assert a == b
    assert a != c
    assert sorted(a) == list(range(0, 200, 2))
    assert a != sorted(a)


def test_request_rows_caps_at_len() -> None:
    X = np.zeros((7, 2))
    assert len(request_rows(X, n_rows=1000)) == 7


def test_request_rows_dataframe_to_numpy() -> None:
    X = pd.DataFrame({"a": [1, 2, 3], "b": [0.5, 1.5, 2.5]})
    rows = request_rows(X, fmt="numpy")
    assert all(isinstance(r, np.ndarray) and r.dtype == np.float64 for r in rows)
    assert all(r.shape == (1, 2) and r.flags["C_CONTIGUOUS"] for r in rows)


def test_request_rows_pandas_keeps_columns_and_dtypes() -> None:
    X = pd.DataFrame({"a": [1, 2, 3, 4], "b": [0.5, 1.5, 2.5, 3.5]})
    rows = request_rows(X)
    assert len(rows) == 4
    for r in rows:
        assert isinstance(r, pd.DataFrame)
        assert r.shape == (1, 2)
        assert list(r.columns) == ["a", "b"]
        assert r.dtypes.tolist() == X.dtypes.tolist()


def test_request_rows_numpy_to_pandas() -> None:
    X = np.arange(12.0).reshape(4, 3)
    rows = request_rows(X, fmt="pandas", n_rows=2)
    assert len(rows) == 2
    assert all(isinstance(r, pd.DataFrame) for r in rows)
    assert list(rows[0].columns) == ["x0", "x1", "x2"]


def test_request_rows_same_order_across_formats() -> None:
    X = pd.DataFrame({"a": np.arange(50.0), "b": np.arange(50.0)})
    np_rows = request_rows(X, fmt="numpy", n_rows=10, random_state=3)
    pd_rows = request_rows(X, fmt="pandas", n_rows=10, random_state=3)
    assert [r[0, 0] for r in np_rows] == [r["a"].iloc[0] for r in pd_rows]


@pytest.mark.parametrize("n_rows", [0, -1, 2.5])
def test_request_rows_bad_n_rows(n_rows: Any) -> None:
    with pytest.raises(DataError, match="n_rows"):
        request_rows(np.zeros((3, 2)), n_rows=n_rows)


def test_request_rows_bad_input() -> None:
    bad_fmt: Any = "arrow"
    with pytest.raises(DataError):
        request_rows(np.zeros(3))
    with pytest.raises(DataError, match="fmt"):
        request_rows(np.zeros((3, 2)), fmt=bad_fmt)


def test_rows_digest() -> None:
    y = np.array([0, 1, 1, 0])
    d = rows_digest(y)
    assert len(d) == 16
    assert int(d, 16) >= 0
    assert rows_digest(y.copy()) == d
    assert rows_digest(y.astype(np.int32)) == d
    assert rows_digest(pd.Series(y)) == d
    assert rows_digest(np.array([0, 1, 0, 1])) != d
    assert rows_digest(y[:3]) != d
    assert rows_digest(np.array(["a", "b"], dtype=object)) == rows_digest(["a", "b"])
    assert rows_digest(["a", "b"]) != rows_digest(["b", "a"])


def test_as_features_converts_lists_and_refuses_sparse_and_ragged() -> None:
    import scipy.sparse

    rows = [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]
    arr = as_features(rows)
    assert isinstance(arr, np.ndarray) and arr.shape == (3, 2)
    frame = pd.DataFrame(rows)
    assert as_features(frame) is frame
    with pytest.raises(DataError, match=r"sparse.*toarray"):
        as_features(scipy.sparse.csr_matrix(rows))
    with pytest.raises(DataError, match="table of numbers"):
        as_features([[0.0, 1.0], [2.0]])
    with pytest.raises(DataError, match="table of numbers"):
        as_features([["a", "b"], ["c", "d"]])


def test_csv_with_a_header_only_or_infinite_values_is_refused(tmp_path: Path) -> None:
    header_only = tmp_path / "empty.csv"
    header_only.write_text("a,b,label\n")
    with pytest.raises(DataError, match=r"header .* but no data rows"):
        load_dataset(str(header_only), target="label")
    rows = "\n".join(f"{i},{i % 3},{i % 2}" for i in range(40))
    infinite = tmp_path / "inf.csv"
    infinite.write_text("a,b,label\n" + rows + "\ninf,1,0\n2,-inf,1\n")
    with pytest.raises(DataError, match=r"infinite values \(inf\) in 'a' \(1 rows\), 'b'"):
        load_dataset(str(infinite), target="label")
