"""Datasets, the train/test split and the request rows used for latency timing.

Every candidate in a comparison sees the same data: one :func:`split` of the
rows and one list of :func:`request_rows`, sliced before any clock starts.

Three sources are understood by :func:`load_dataset`:

* a bundled scikit-learn dataset (``"breast_cancer"``, ``"digits"``,
  ``"wine"``, ``"iris"``, ``"diabetes"``), returned with ``X`` as a
  :class:`pandas.DataFrame` carrying the feature names;
* ``"synthetic"`` or ``"synthetic:n_samples=5000,n_features=30,task=regression"``,
  seeded data from :func:`sklearn.datasets.make_classification` or
  :func:`sklearn.datasets.make_regression`, returned with ``X`` as a
  :class:`numpy.ndarray`;
* a path to a ``.csv`` or ``.parquet`` file and the name of its target column,
  returned with ``X`` as a :class:`pandas.DataFrame` of float columns.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
import pandas as pd
from sklearn import datasets as _skdatasets
from sklearn.model_selection import train_test_split
from sklearn.utils.multiclass import type_of_target

from prodbench.errors import DataError, MissingDependencyError, SpecError

__all__ = [
    "BUNDLED",
    "Dataset",
    "DatasetInfo",
    "Split",
    "Task",
    "as_features",
    "check_classes",
    "check_xy",
    "infer_task",
    "input_format",
    "list_datasets",
    "load_dataset",
    "match_columns",
    "request_rows",
    "rows_digest",
    "split",
]

Task = Literal["classification", "regression"]

BUNDLED: tuple[str, ...] = ("breast_cancer", "digits", "wine", "iris", "diabetes")

# Shape, task and description of each bundled dataset, so that listing them
# loads nothing (a test checks the table against the real loaders).
_BUNDLED_INFO: dict[str, tuple[int, int, Task, str]] = {
    "breast_cancer": (
        569,
        30,
        "classification",
        "Wisconsin breast cancer diagnosis, 2 classes (sklearn load_breast_cancer)",
    ),
    "digits": (
        1797,
        64,
        "classification",
        "8x8 images of handwritten digits, 10 classes (sklearn load_digits)",
    ),
    "wine": (178, 13, "classification", "Wine cultivars, 3 classes (sklearn load_wine)"),
    "iris": (150, 4, "classification", "Iris species, 3 classes (sklearn load_iris)"),
    "diabetes": (
        442,
        10,
        "regression",
        "Diabetes disease progression after one year (sklearn load_diabetes)",
    ),
}

_BUNDLED_LOADERS: dict[str, Callable[..., Any]] = {
    "breast_cancer": _skdatasets.load_breast_cancer,
    "digits": _skdatasets.load_digits,
    "wine": _skdatasets.load_wine,
    "iris": _skdatasets.load_iris,
    "diabetes": _skdatasets.load_diabetes,
}

_SYNTHETIC_DEFAULTS: dict[str, Any] = {
    "n_samples": 20000,
    "n_features": 20,
    "n_informative": 10,
    "n_classes": 2,
    "task": "classification",
}
_SYNTHETIC_KEYS: tuple[str, ...] = tuple(_SYNTHETIC_DEFAULTS)
_FILE_SUFFIXES: tuple[str, ...] = (".csv", ".parquet")
_MIN_ROWS = 10
# A float target whose values are all integers is read as class labels only
# when it has at most this many distinct values (diabetes has 214).
_MAX_CLASSES_FOR_FLOAT = 20

_FORMS = (
    f"Use one of the bundled datasets ({', '.join(BUNDLED)}), "
    "'synthetic' or 'synthetic:n_samples=5000,n_features=30,task=regression', "
    "or the path to a .csv or .parquet file together with target=<column name>."
)


@dataclass(frozen=True)
class Dataset:
    """A dataset ready to split: features, target, task and a description.

    Attributes
    ----------
    name : str
        Short name (the bundled name, ``"synthetic"`` or the file's stem).
    X : numpy.ndarray or pandas.DataFrame
        The features, 2-D.
    y : numpy.ndarray
        The target, 1-D.
    task : {"classification", "regression"}
        What the target asks for.
    description : str
        One line saying where the data comes from.

    Examples
    --------
    >>> ds = load_dataset("iris")
    >>> ds.n_rows, ds.n_features, ds.task
    (150, 4, 'classification')
    """

    name: str
    X: np.ndarray | pd.DataFrame
    y: np.ndarray
    task: Task
    description: str

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        """Number of feature columns."""
        return int(self.X.shape[1])


@dataclass(frozen=True)
class DatasetInfo:
    """What :func:`list_datasets` says about a dataset, without loading it.

    Examples
    --------
    >>> info = list_datasets()[0]
    >>> info.name
    'breast_cancer'
    """

    name: str
    n_rows: int
    n_features: int
    task: Task
    description: str


@dataclass(frozen=True)
class Split:
    """One train/test split, shared by every candidate of a comparison.

    Examples
    --------
    >>> ds = load_dataset("iris")
    >>> s = split(ds.X, ds.y, test_size=0.2)
    >>> s.n_train, s.n_test
    (120, 30)
    """

    X_train: np.ndarray | pd.DataFrame
    X_test: np.ndarray | pd.DataFrame
    y_train: np.ndarray
    y_test: np.ndarray

    @property
    def n_train(self) -> int:
        """Number of training rows."""
        return int(self.X_train.shape[0])

    @property
    def n_test(self) -> int:
        """Number of test rows."""
        return int(self.X_test.shape[0])


# --------------------------------------------------------------------------
# listing and loading


def list_datasets() -> list[DatasetInfo]:
    """List the bundled datasets and the default synthetic one.

    Nothing is loaded; the shapes are those of the installed scikit-learn
    datasets and of ``"synthetic"`` with its default size.

    Returns
    -------
    list of DatasetInfo
        The bundled datasets in :data:`BUNDLED` order, then ``"synthetic"``.

    Examples
    --------
    >>> [info.name for info in list_datasets()]
    ['breast_cancer', 'digits', 'wine', 'iris', 'diabetes', 'synthetic']
    """
    infos = [
        DatasetInfo(name, n_rows, n_features, task, description)
        for name, (n_rows, n_features, task, description) in _BUNDLED_INFO.items()
    ]
    infos.append(
        DatasetInfo(
            "synthetic",
            int(_SYNTHETIC_DEFAULTS["n_samples"]),
            int(_SYNTHETIC_DEFAULTS["n_features"]),
            "classification",
            "Seeded make_classification data; 'synthetic:n_samples=...,n_features=...,"
            "task=regression' changes its size or task",
        )
    )
    return infos


def load_dataset(
    spec: str | os.PathLike[str],
    *,
    target: str | None = None,
    rows: int | None = None,
    features: int | None = None,
    random_state: int = 0,
) -> Dataset:
    """Load a bundled, synthetic or file dataset from a short specification.

    Parameters
    ----------
    spec : str or path-like
        A bundled name (see :data:`BUNDLED`), ``"synthetic"``,
        ``"synthetic:key=value,..."`` with keys ``n_samples``, ``n_features``,
        ``n_informative``, ``n_classes`` (integers) and ``task``
        (``classification`` or ``regression``), or a path ending in ``.csv``
        or ``.parquet``.
    target : str, optional
        The target column of a file; required for files, refused otherwise.
    rows : int, optional
        For ``"synthetic"``, the number of samples (overrides ``n_samples``).
        For bundled and file datasets, a seeded random subset of at most this
        many rows, kept in their original order.
    features : int, optional
        For ``"synthetic"`` only, the number of features (overrides
        ``n_features``).
    random_state : int, default 0
        Seed of the synthetic generator and of the row subset.

    Returns
    -------
    Dataset
        Bundled and file datasets hold ``X`` as a DataFrame, synthetic ones
        as a float ndarray; ``y`` is always an ndarray.

    Raises
    ------
    SpecError
        A malformed synthetic specification, or an option that does not
        apply to this kind of dataset.
    DataError
        An unknown specification or a file that cannot be used.

    Examples
    --------
    >>> load_dataset("wine").n_features
    13
    >>> ds = load_dataset("synthetic:n_samples=200,n_features=5,task=regression")
    >>> ds.X.shape, ds.task
    ((200, 5), 'regression')
    """
    _check_rows_option(rows)
    text = os.fspath(spec)
    if not isinstance(text, str):
        raise DataError(f"Dataset specification {spec!r} is not text. {_FORMS}")
    stripped = text.strip()
    if stripped == "synthetic" or stripped.startswith("synthetic:"):
        if target is not None:
            raise SpecError(
                f"target={target!r} only applies to CSV or Parquet files; a synthetic "
                "dataset brings its own target. Leave target unset."
            )
        return _load_synthetic(stripped, rows=rows, features=features, random_state=random_state)
    if stripped in _BUNDLED_LOADERS:
        _refuse_option("target", target, stripped)
        _refuse_option("features", features, stripped)
        return _load_bundled(stripped, rows=rows, random_state=random_state)
    if stripped.lower().endswith(_FILE_SUFFIXES):
        _refuse_option("features", features, stripped)
        return _load_file(Path(stripped), target=target, rows=rows, random_state=random_state)
    raise DataError(f"Unknown dataset {text!r}. {_FORMS}")


def _check_rows_option(rows: int | None) -> None:
    if rows is None:
        return
    if isinstance(rows, bool) or not isinstance(rows, int | np.integer):
        raise SpecError(f"rows must be a whole number, got {rows!r}.")
    if rows < _MIN_ROWS:
        raise SpecError(
            f"rows={rows} is too few: prodbench needs at least {_MIN_ROWS} rows to split "
            "into training and test data. Pass a larger rows value or leave it unset."
        )


def _refuse_option(option: str, value: object, spec: str) -> None:
    if value is not None:
        hint = {
            "target": "it only applies to CSV or Parquet files",
            "features": "it only applies to 'synthetic' datasets",
        }[option]
        raise SpecError(
            f"{option}={value!r} cannot be used with dataset {spec!r}: {hint}. "
            f"Leave {option} unset."
        )


def _subsample_positions(n: int, rows: int | None, random_state: int) -> np.ndarray | None:
    """Sorted positions of a seeded subset of ``rows`` rows, or None to keep all."""
    if rows is None or rows >= n:
        return None
    rng = np.random.default_rng(random_state)
    return np.sort(rng.choice(n, size=rows, replace=False))


def _load_bundled(name: str, *, rows: int | None, random_state: int) -> Dataset:
    bunch = _BUNDLED_LOADERS[name](as_frame=True)
    X = cast(pd.DataFrame, bunch.data).astype(float)
    y = np.asarray(bunch.target)
    positions = _subsample_positions(len(X), rows, random_state)
    if positions is not None:
        X = X.iloc[positions].reset_index(drop=True)
        y = y[positions]
    _, _, task, description = _BUNDLED_INFO[name]
    return Dataset(name=name, X=X, y=y, task=task, description=description)


def _parse_synthetic(spec: str) -> dict[str, Any]:
    params = dict(_SYNTHETIC_DEFAULTS)
    _, _, tail = spec.partition(":")
    seen: set[str] = set()
    valid = ", ".join(_SYNTHETIC_KEYS)
    for raw in tail.split(","):
        item = raw.strip()
        if not item:
            continue
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or not value:
            raise SpecError(
                f"Cannot read {item!r} in dataset specification {spec!r}: write key=value "
                f"pairs separated by commas, for example "
                f"'synthetic:n_samples=5000,n_features=30,task=regression'. Valid keys: {valid}."
            )
        if key not in _SYNTHETIC_DEFAULTS:
            raise SpecError(
                f"Unknown key {key!r} in dataset specification {spec!r}. Valid keys: {valid}."
            )
        if key in seen:
            raise SpecError(f"Key {key!r} is given twice in dataset specification {spec!r}.")
        seen.add(key)
        if key == "task":
            if value not in ("classification", "regression"):
                raise SpecError(
                    f"task={value!r} in dataset specification {spec!r} is not a task: "
                    "use task=classification or task=regression."
                )
            params[key] = value
        else:
            try:
                params[key] = int(value)
            except ValueError:
                raise SpecError(
                    f"{key}={value!r} in dataset specification {spec!r} is not a whole "
                    f"number: write for example {key}={_SYNTHETIC_DEFAULTS[key]}."
                ) from None
    if "n_classes" in seen and params["task"] == "regression":
        raise SpecError(
            f"n_classes cannot be used with task=regression in {spec!r}: drop n_classes or "
            "use task=classification."
        )
    if "n_informative" not in seen:
        params["n_informative"] = None  # derived from n_features below
    return params


def _available_memory() -> int | None:
    """Bytes of memory available to allocate now (Linux's MemAvailable), or None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def _check_fits_in_memory(n_samples: int, n_features: int) -> None:
    """Refuse synthetic data whose float64 table (twice, while it is built) does not fit."""
    need = 2 * n_samples * n_features * 8
    free = _available_memory()
    if free is not None and need > free:
        raise SpecError(
            f"synthetic data of n_samples={n_samples:,} and n_features={n_features:,} needs "
            f"about {need / 1e9:,.1f} GB of memory while it is built, and {free / 1e9:,.1f} GB "
            "is available. Ask for fewer rows or features (for example --rows 100000)."
        )


def _load_synthetic(
    spec: str, *, rows: int | None, features: int | None, random_state: int
) -> Dataset:
    params = _parse_synthetic(spec)
    if rows is not None:
        params["n_samples"] = int(rows)
    if features is not None:
        if isinstance(features, bool) or not isinstance(features, int | np.integer):
            raise SpecError(f"features must be a whole number, got {features!r}.")
        params["n_features"] = int(features)
    n_samples = int(params["n_samples"])
    n_features = int(params["n_features"])
    n_classes = int(params["n_classes"])
    task: Task = params["task"]
    if n_samples < _MIN_ROWS:
        raise SpecError(
            f"n_samples={n_samples} is too few: prodbench needs at least {_MIN_ROWS} rows. "
            "Ask for more samples."
        )
    if n_features < 1:
        raise SpecError(f"n_features={n_features} must be at least 1.")
    _check_fits_in_memory(n_samples, n_features)
    if params["n_informative"] is None:
        n_informative = min(int(_SYNTHETIC_DEFAULTS["n_informative"]), n_features)
    else:
        n_informative = int(params["n_informative"])
        if not 1 <= n_informative <= n_features:
            raise SpecError(
                f"n_informative={n_informative} must be between 1 and n_features={n_features}."
            )
    if task == "regression":
        X, y = _skdatasets.make_regression(
            n_samples=n_samples,
            n_features=n_features,
            n_informative=n_informative,
            noise=10.0,
            random_state=random_state,
        )
        call = (
            f"make_regression(n_samples={n_samples}, n_features={n_features}, "
            f"n_informative={n_informative}, noise=10, random_state={random_state})"
        )
    else:
        if n_classes < 2:
            raise SpecError(f"n_classes={n_classes} must be at least 2.")
        clusters = 2 if n_classes * 2 <= 2**n_informative else 1
        if n_classes * clusters > 2**n_informative:
            raise SpecError(
                f"n_classes={n_classes} needs n_informative of at least "
                f"{math.ceil(math.log2(n_classes))}; raise n_informative or n_features."
            )
        n_redundant = min(2, n_features - n_informative)
        X, y = _skdatasets.make_classification(
            n_samples=n_samples,
            n_features=n_features,
            n_informative=n_informative,
            n_redundant=n_redundant,
            n_classes=n_classes,
            n_clusters_per_class=clusters,
            flip_y=0.03,
            class_sep=0.8,
            random_state=random_state,
        )
        call = (
            f"make_classification(n_samples={n_samples}, n_features={n_features}, "
            f"n_informative={n_informative}, n_classes={n_classes}, flip_y=0.03, "
            f"class_sep=0.8, random_state={random_state})"
        )
    return Dataset(
        name="synthetic",
        X=np.ascontiguousarray(X, dtype=np.float64),
        y=np.asarray(y),
        task=task,
        description=f"Synthetic {task} data from sklearn.datasets.{call}",
    )


def _read_table(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise DataError(
            f"Data file {str(path)!r} does not exist. Check the path (relative paths are "
            f"read from {os.getcwd()!r}) or use a bundled dataset such as 'iris'."
        )
    if path.is_dir():
        raise DataError(
            f"{str(path)!r} is a directory, not a data file. Pass the path of one .csv or "
            ".parquet file."
        )
    if not path.is_file():  # a FIFO or a device: reading it may never end
        raise DataError(
            f"{str(path)!r} is not a regular file (a FIFO, a device or a socket): a data "
            "file is read whole, and reading this may never end. Save the data to a .csv "
            "or .parquet file and pass its path."
        )
    is_parquet = path.suffix.lower() == ".parquet"
    try:
        return pd.read_parquet(path) if is_parquet else pd.read_csv(path)
    except ImportError as exc:
        raise MissingDependencyError(
            f"Reading {str(path)!r} needs a Parquet engine, which is not installed. "
            "Install one with 'pip install pyarrow' or save the data as CSV."
        ) from exc
    except Exception as exc:
        kind = "Parquet" if is_parquet else "CSV"
        raise DataError(
            f"Cannot read {str(path)!r} as a {kind} file: {exc}. Check that the file is a "
            f"complete, valid {kind} file (a CSV needs a header row with the column names)."
        ) from exc


def _columns_text(columns: list[str]) -> str:
    shown = ", ".join(repr(str(c)) for c in columns[:30])
    if len(columns) > 30:
        shown += f", ... ({len(columns)} columns in all)"
    return shown or "(none)"


def _load_file(path: Path, *, target: str | None, rows: int | None, random_state: int) -> Dataset:
    frame = _read_table(path)
    columns = [str(c) for c in frame.columns]
    frame.columns = pd.Index(columns)
    shown = _columns_text(columns)
    if target is None:
        raise DataError(
            f"Data file {str(path)!r} needs a target: say which column holds the value to "
            f"predict with target=<column> (--target on the command line). "
            f"Its columns are: {shown}."
        )
    if target not in columns:
        delimiter = next((d for d in ";\t|" if len(columns) == 1 and d in columns[0]), None)
        hint = (
            f" It has one column whose name holds {delimiter!r}: the file looks separated by "
            f"{delimiter!r}, and prodbench reads comma-separated CSV; save it with commas."
            if delimiter
            else ""
        )
        raise DataError(
            f"Column {target!r} is not in {str(path)!r}, so it cannot be the target. "
            f"Its columns are: {shown}. Pass one of them as the target (names are "
            f"case-sensitive).{hint}"
        )
    feature_cols = [c for c in columns if c != target]
    if not feature_cols:
        raise DataError(
            f"{str(path)!r} has no feature columns besides the target {target!r}. "
            "Add the columns the model should learn from."
        )
    if len(frame) == 0:
        raise DataError(
            f"{str(path)!r} has a header ({shown}) but no data rows. Add rows, or check "
            "that the right file was written completely."
        )
    dated = [c for c in feature_cols if pd.api.types.is_datetime64_any_dtype(frame[c])]
    if dated:
        raise DataError(
            f"{str(path)!r} has date-time feature columns: {_columns_text(dated)}. prodbench "
            "passes text, categorical, boolean and numeric columns to the model, not dates; "
            "derive numbers from them (for example the day of the week, or seconds since "
            "a reference time) or drop them, then save the file again."
        )
    missing_y = frame[target].isna()
    if bool(missing_y.any()):
        raise DataError(
            f"{str(path)!r} has {int(missing_y.sum())} of {len(frame)} rows without a "
            f"target value (column {target!r}); no model can be scored on them. Drop those "
            "rows (DataFrame.dropna(subset=[target])) and save the file again. Missing "
            "feature values are kept and passed to the model."
        )
    numeric = [c for c in columns if _is_number(frame[c])]
    infinite = np.isinf(frame[numeric].to_numpy(dtype=float))
    if bool(infinite.any()):
        counts = infinite.sum(axis=0)
        parts = [f"{c!r} ({int(n)} rows)" for c, n in zip(numeric, counts, strict=True) if n]
        raise DataError(
            f"{str(path)!r} has infinite values (inf) in {', '.join(parts)}; "
            f"{int(infinite.any(axis=1).sum())} of {len(frame)} rows have at least one. No "
            "model can learn from or be scored on them: replace them (for example clip to "
            "a large finite value) or drop those rows, and save the file again."
        )
    if len(frame) < _MIN_ROWS:
        raise DataError(
            f"{str(path)!r} has {len(frame)} rows; prodbench needs at least {_MIN_ROWS} to "
            "split into training and test data. Use a larger file."
        )
    mixed = any(not _is_number(frame[c]) for c in feature_cols)
    # All-numeric tables become float; a mixed one keeps each column's dtype
    # (text, category, bool), as a model fitted on the file saw it.
    X = frame[feature_cols] if mixed else frame[feature_cols].astype(float)
    y = np.asarray(frame[target].to_numpy())
    if y.dtype.kind not in "biufUO":
        y = y.astype(object)
    positions = _subsample_positions(len(X), rows, random_state)
    if positions is not None:
        X = X.iloc[positions]
        y = y[positions]
    X = X.reset_index(drop=True)
    task = infer_task(y)
    return Dataset(
        name=path.stem,
        X=X,
        y=y,
        task=task,
        description=f"{path} ({len(X)} rows, {len(feature_cols)} features, target {target!r})"
        + _columns_note(X),
    )


def _is_number(column: pd.Series) -> bool:
    """A numeric or boolean column (a ``category`` of numbers is a category)."""
    return bool(pd.api.types.is_numeric_dtype(column)) and not isinstance(
        column.dtype, pd.CategoricalDtype
    )


def _columns_note(X: pd.DataFrame) -> str:
    """``"; text columns: 'city'; missing values in 'age' (3 rows)"``, or ``""``."""
    text = [c for c in X.columns if not _is_number(X[c])]
    counts = X.isna().sum()
    missing = [f"{c!r} ({int(counts[c])} rows)" for c in X.columns if counts[c] > 0]
    note = f"; text or categorical columns: {_columns_text(text)}" if text else ""
    if missing:
        note += f"; missing values (kept) in {', '.join(missing[:10])}"
        if len(missing) > 10:
            note += f", ... ({len(missing)} columns)"
    return note


# --------------------------------------------------------------------------
# checks and the split
def as_features(X: Any, name: str = "X") -> np.ndarray | pd.DataFrame:
    """``X`` as a numpy array or DataFrame: lists and other array-likes are converted.

    A DataFrame or an ndarray is returned as is. A nested list (``X.tolist()``)
    or another dense array-like becomes a numeric ndarray, so that the model
    is fitted and timed on an ndarray. Sparse matrices are refused: one-row
    requests are timed on dense rows, and a sparse model's latency depends on
    its input format, so measure it on ``X.toarray()`` or put the conversion
    into the model (a pipeline step).

    Parameters
    ----------
    X : array-like
        The features.
    name : str, default "X"
        The argument's name, for messages.

    Returns
    -------
    numpy.ndarray or pandas.DataFrame

    Raises
    ------
    DataError
        Sparse input, or values that do not form a numeric table.

    Examples
    --------
    >>> as_features([[0.0, 1.0], [2.0, 3.0]]).shape
    (2, 2)
    """
    if isinstance(X, pd.DataFrame | np.ndarray):
        return X
    if type(X).__module__.startswith("scipy.sparse") or hasattr(X, "tocsr"):
        raise DataError(
            f"{name} is a scipy sparse matrix ({type(X).__name__}); prodbench measures dense "
            f"inputs. Pass {name}.toarray(), or put the conversion into the model (for example "
            "a FunctionTransformer step in a pipeline) to time it as part of each request."
        )
    try:
        arr = np.asarray(X)
    except (ValueError, TypeError) as exc:
        raise DataError(
            f"{name} ({type(X).__name__}) cannot be read as a table of numbers: {exc}. "
            "Pass a 2-D numpy array, a pandas DataFrame or a list of equal-length rows."
        ) from exc
    if arr.dtype.kind not in "biuf":
        raise DataError(
            f"{name} ({type(X).__name__}) does not hold a table of numbers (its values read as "
            f"dtype {arr.dtype}). Pass numeric rows of equal length, a 2-D numpy array or a "
            "pandas DataFrame."
        )
    return arr


def infer_task(y: Any) -> Task:
    """Say whether a target asks for classification or regression.

    Class labels are anything that is not a float (integers, strings,
    booleans, categories) and floats whose values are all whole numbers with
    at most 20 distinct values; other floats are a regression target.

    Parameters
    ----------
    y : array-like, 1-D
        The target.

    Returns
    -------
    {"classification", "regression"}

    Raises
    ------
    DataError
        Multi-label or multi-output targets, empty targets, or targets with
        missing or infinite values.

    Examples
    --------
    >>> infer_task(["cat", "dog", "cat"])
    'classification'
    >>> infer_task([0.5, 1.25, 3.0])
    'regression'
    """
    arr = y.to_numpy() if isinstance(y, pd.Series | pd.Index) else np.asarray(y)
    if arr.size == 0:
        raise DataError("y is empty; pass a target with one value per row.")
    if arr.dtype.kind in "fc" and not bool(np.isfinite(arr).all()):
        n_bad = int((~np.isfinite(arr)).sum())
        raise DataError(
            f"y has {n_bad} missing or infinite values; the task cannot be told and no model "
            "can learn from them. Drop those rows or fill them in before measuring."
        )
    try:
        kind = type_of_target(arr, input_name="y")
    except ValueError as exc:
        raise DataError(
            f"Cannot tell the task from y: {exc.args[0] if exc.args else exc} Pass a 1-D "
            "target of numbers or labels, without missing or infinite values."
        ) from exc
    if kind == "continuous":
        return "regression"
    if kind in ("binary", "multiclass"):
        if (
            arr.dtype.kind == "f"
            and kind == "multiclass"
            and np.unique(arr).size > _MAX_CLASSES_FOR_FLOAT
        ):
            return "regression"
        return "classification"
    raise DataError(
        f"y is a {kind!r} target, which prodbench does not support: it measures models "
        "with one target column, either class labels or numbers. Pass a 1-D y."
    )


def _describe_len(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def check_classes(y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Check that a classification target has at least two classes.

    Returns
    -------
    classes, counts : numpy.ndarray
        The classes found and how many rows each has.

    Raises
    ------
    DataError
        When ``y`` has a single class.

    Examples
    --------
    >>> check_classes(np.array([0, 1, 1]))[1].tolist()
    [1, 2]
    """
    y_arr = np.asarray(y)
    labels = y_arr.astype(str) if y_arr.dtype == object else y_arr
    classes, counts = np.unique(labels, return_counts=True)
    if classes.size < 2:
        raise DataError(
            f"y has only one class {classes.tolist()[0]!r}; a classifier needs at least two. "
            "Use data with at least two classes, or treat it as regression if y is a "
            "measurement."
        )
    return classes, counts


def check_xy(X: Any, y: Any) -> None:
    """Check that ``X`` is 2-D, ``y`` 1-D, and that they have the same rows.

    Parameters
    ----------
    X : numpy.ndarray or pandas.DataFrame
        The features.
    y : array-like
        The target.

    Raises
    ------
    DataError
        With a message naming the problem and the fix.

    Examples
    --------
    >>> import numpy as np
    >>> check_xy(np.zeros((3, 2)), np.zeros(3))
    >>> check_xy(np.zeros((3, 2)), np.zeros(4))
    Traceback (most recent call last):
    ...
    prodbench.errors.DataError: X has 3 rows but y has 4. ...
    """
    x_shape = tuple(getattr(X, "shape", np.shape(X)))
    y_shape = tuple(getattr(y, "shape", np.shape(y)))
    if len(x_shape) != 2:
        raise DataError(
            f"X must be 2-D (rows x features) but has shape {x_shape}. For a single feature "
            "use X.reshape(-1, 1); for a single row use X.reshape(1, -1)."
        )
    if len(y_shape) != 1:
        hint = (
            " Use y.ravel() for a single target column."
            if len(y_shape) == 2 and y_shape[1] == 1
            else " prodbench supports one target column."
        )
        raise DataError(f"y must be 1-D but has shape {y_shape}.{hint}")
    if x_shape[0] != y_shape[0]:
        raise DataError(
            f"X has {_describe_len(x_shape[0])} but y has {y_shape[0]}. "
            "Pass X and y of the same length, one target value per row."
        )
    if x_shape[0] == 0 or x_shape[1] == 0:
        raise DataError(
            f"X is empty (shape {x_shape}). Pass at least {_MIN_ROWS} rows and one feature."
        )


def match_columns(X: pd.DataFrame, names: Any, what: str, reference: str) -> pd.DataFrame:
    """``X`` with its columns in the order of ``names``, matched by name.

    Columns are matched by name, never by position: reordered columns are
    reordered, and a name missing from ``X`` or a column ``names`` does not
    have is refused.

    Parameters
    ----------
    X : pandas.DataFrame
        The table whose columns are put in order.
    names : sequence of str
        The column names wanted, in order (the training data's columns, or a
        fitted model's ``feature_names_in_``).
    what, reference : str
        What ``X`` and ``names`` are, for the message (``"--test-data"``,
        ``"the training data"``).

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    DataError
        When the two sets of names differ, naming the missing and extra ones.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"b": [1.0], "a": [2.0]})
    >>> list(match_columns(X, ["a", "b"], "X_test", "X").columns)
    ['a', 'b']
    """
    wanted = [str(n) for n in names]
    have = [str(c) for c in X.columns]
    missing = [n for n in wanted if n not in have]
    extra = [c for c in have if c not in wanted]
    if missing or extra or len(set(have)) != len(have):
        parts = []
        if missing:
            parts.append(f"lacks {_columns_text(missing)}")
        if extra:
            parts.append(f"has {_columns_text(extra)} that {reference} does not")
        if not parts:
            parts.append("repeats a column name")
        raise DataError(
            f"{what} does not have the columns of {reference}: it {' and '.join(parts)}. "
            "Columns are matched by name; give both the same feature columns (in any order)."
        )
    if have == wanted:
        return X
    frame = X.copy()
    frame.columns = pd.Index(have)
    return frame[wanted]


def _take(X: np.ndarray | pd.DataFrame, idx: np.ndarray) -> np.ndarray | pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X.iloc[idx].reset_index(drop=True)
    return np.ascontiguousarray(X[idx])


def split(
    X: np.ndarray | pd.DataFrame,
    y: Any,
    *,
    test_size: float = 0.25,
    random_state: int = 0,
    task: Task | None = None,
) -> Split:
    """Split the rows once into training and test data.

    Classification targets are split stratified (each side keeps the class
    proportions) when every class has at least two members; otherwise the
    split falls back to a plain shuffled one.

    Parameters
    ----------
    X : numpy.ndarray or pandas.DataFrame
        The features; the split keeps the type (a DataFrame's index is reset).
    y : array-like, 1-D
        The target; returned as ndarrays.
    test_size : float, default 0.25
        Fraction of rows held out for testing, strictly between 0 and 1.
    random_state : int, default 0
        Seed of the shuffle.
    task : {"classification", "regression"}, optional
        Inferred from ``y`` with :func:`infer_task` when not given.

    Returns
    -------
    Split

    Raises
    ------
    DataError
        Bad shapes, a ``test_size`` outside (0, 1), a one-class classification
        target, or too few rows for both sides.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(40.0).reshape(20, 2)
    >>> y = np.array([0, 1] * 10)
    >>> s = split(X, y, test_size=0.5)
    >>> s.n_train, s.n_test, int(s.y_test.sum())
    (10, 10, 5)
    """
    check_xy(X, y)
    y_arr = y.to_numpy() if isinstance(y, pd.Series | pd.Index) else np.asarray(y)
    if isinstance(test_size, bool) or not isinstance(test_size, float | int | np.floating):
        raise DataError(f"test_size must be a fraction between 0 and 1, got {test_size!r}.")
    if not 0.0 < float(test_size) < 1.0:
        raise DataError(
            f"test_size={test_size!r} is not a fraction strictly between 0 and 1. "
            "Use for example test_size=0.25 to hold out a quarter of the rows."
        )
    n = int(y_arr.shape[0])
    n_test = math.ceil(float(test_size) * n)
    n_train = n - n_test
    if n_test == 0 or n_train == 0:
        raise DataError(
            f"Splitting {_describe_len(n)} with test_size={test_size} leaves "
            f"{n_train} training and {n_test} test rows; both need at least one. "
            "Use more rows or a test_size nearer 0.5."
        )
    if task is None:
        task = infer_task(y_arr)
    elif task not in ("classification", "regression"):
        raise DataError(f"task must be 'classification' or 'regression', got {task!r}.")
    positions = np.arange(n)
    stratify = None
    if task == "classification":
        classes, counts = check_classes(y_arr)
        if counts.min() >= 2 and n_test >= classes.size and n_train >= classes.size:
            stratify = y_arr
    try:
        train_idx, test_idx = train_test_split(
            positions, test_size=test_size, random_state=random_state, stratify=stratify
        )
    except ValueError:
        if stratify is None:
            raise
        train_idx, test_idx = train_test_split(
            positions, test_size=test_size, random_state=random_state, stratify=None
        )
    return Split(
        X_train=_take(X, train_idx),
        X_test=_take(X, test_idx),
        y_train=y_arr[train_idx],
        y_test=y_arr[test_idx],
    )


# --------------------------------------------------------------------------
# request rows


def input_format(X: Any) -> Literal["numpy", "pandas"]:
    """Name the input type of ``X``: ``"pandas"`` for a DataFrame, else ``"numpy"``.

    Parameters
    ----------
    X : numpy.ndarray or pandas.DataFrame

    Returns
    -------
    {"numpy", "pandas"}

    Raises
    ------
    DataError
        When ``X`` is neither an ndarray nor a DataFrame.

    Examples
    --------
    >>> import numpy as np
    >>> input_format(np.zeros((2, 2)))
    'numpy'
    """
    if isinstance(X, pd.DataFrame):
        return "pandas"
    if isinstance(X, np.ndarray):
        return "numpy"
    raise DataError(
        f"X is a {type(X).__module__}.{type(X).__qualname__}; prodbench takes a numpy "
        "array or a pandas DataFrame. Convert it with numpy.asarray(X) or "
        "pandas.DataFrame(X)."
    )


def request_rows(
    X: np.ndarray | pd.DataFrame,
    *,
    fmt: Literal["auto", "numpy", "pandas"] = "auto",
    n_rows: int | None = 1000,
    random_state: int = 0,
) -> list[Any]:
    """Slice the one-row requests used to time single-row ``predict`` calls.

    Every row is prepared before timing starts: a seeded shuffle picks
    ``min(n_rows, len(X))`` distinct rows, each turned into its own object of
    shape ``(1, n_features)``.

    Parameters
    ----------
    X : numpy.ndarray or pandas.DataFrame
        Usually the test features.
    fmt : {"auto", "numpy", "pandas"}, default "auto"
        ``"numpy"`` gives C-contiguous 2-D ndarrays (a DataFrame is converted
        to float); ``"pandas"`` gives one-row DataFrames with the columns and
        dtypes of ``X`` (an ndarray's columns are named ``x0``, ``x1``, ...);
        ``"auto"`` keeps the type of ``X``.
    n_rows : int or None, default 1000
        How many rows at most; None takes all of them.
    random_state : int, default 0
        Seed of the shuffle; the same seed gives the same rows in the same
        order.

    Returns
    -------
    list
        The one-row requests, in the order they should be sent.

    Examples
    --------
    >>> import numpy as np
    >>> rows = request_rows(np.arange(20.0).reshape(10, 2), n_rows=3)
    >>> len(rows), rows[0].shape, rows[0].flags["C_CONTIGUOUS"]
    (3, (1, 2), True)
    """
    source = input_format(X)
    if fmt == "auto":
        fmt = source
    if fmt not in ("numpy", "pandas"):
        raise DataError(f"fmt must be 'auto', 'numpy' or 'pandas', got {fmt!r}.")
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise DataError(
            f"Request rows need a non-empty 2-D X (rows x features); got shape {X.shape}."
        )
    if n_rows is not None and (
        isinstance(n_rows, bool) or not isinstance(n_rows, int | np.integer) or n_rows < 1
    ):
        raise DataError(f"n_rows must be a positive whole number or None, got {n_rows!r}.")
    n = int(X.shape[0])
    k = n if n_rows is None else min(int(n_rows), n)
    positions = np.random.default_rng(random_state).permutation(n)[:k]
    if fmt == "numpy":
        values = X.to_numpy(dtype=float) if isinstance(X, pd.DataFrame) else X
        return [np.array(values[i : i + 1], order="C", copy=True) for i in positions]
    if isinstance(X, pd.DataFrame):
        frame = X
    else:
        frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    return [frame.iloc[i : i + 1].reset_index(drop=True) for i in positions]


def rows_digest(y_test: Any) -> str:
    """Fingerprint a test target, to check that two results used the same rows.

    Numbers are hashed by value as float64 (so ``int32`` and ``int64`` labels
    agree); other labels by their string form.

    Parameters
    ----------
    y_test : array-like, 1-D
        The test target.

    Returns
    -------
    str
        The first 16 hex digits of a SHA-256 digest.

    Examples
    --------
    >>> rows_digest([0, 1, 1]) == rows_digest([0.0, 1.0, 1.0])
    True
    >>> len(rows_digest(["a", "b"]))
    16
    """
    arr = y_test.to_numpy() if isinstance(y_test, pd.Series | pd.Index) else np.asarray(y_test)
    arr = arr.reshape(-1)
    h = hashlib.sha256()
    h.update(f"n={arr.shape[0]};".encode())
    if arr.dtype.kind in "biuf":
        h.update(b"num;")
        h.update(np.ascontiguousarray(arr, dtype="<f8").tobytes())
    else:
        h.update(b"str;")
        h.update("\x1f".join(str(v) for v in arr.tolist()).encode("utf-8", "surrogatepass"))
    return h.hexdigest()[:16]
