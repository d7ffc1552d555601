"""The data every candidate of a run shares: one split, one set of request rows and batches."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import data as _data
from .. import scoring as _scoring
from ..errors import CandidateError, DataError
from ..models import declared_task
from .options import _Options


@dataclass
class _Shared:
    """What every candidate shares: the split, the request rows and bulk batches, the task."""

    split: _data.Split
    rows: list[Any]
    batches: list[tuple[int, Any]]
    task: str
    scoring: str
    request_format: str
    digest: str
    columns: tuple[str, ...] | None = None
    scorer: _scoring.Scoring | None = None
    views: dict[Any, _Shared] = field(default_factory=dict, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        # A worker gets its own format only, never the cache of the others' copies.
        return {**self.__dict__, "views": {}}

    def for_model(self, model: Any, fit: bool, options: _Options) -> _Shared:
        """The rows a pre-fitted candidate is timed with: its type, its column order.

        Under ``request_format="auto"`` requests come in the type the model
        was fitted on: a model prodbench fits gets the type of ``X``; a
        pre-fitted one gets one-row DataFrames when it was fitted with column
        names (``feature_names_in_``) and ndarrays when not. When the data's
        column names are known, a pre-fitted model gets its columns by name,
        in its ``feature_names_in_`` order (:func:`_check_names` has refused
        missing or extra names before). The converted rows are the same rows,
        built once per type and order.
        """
        if fit:
            return self
        names = getattr(model, "feature_names_in_", None)
        want = self.request_format
        if options.request_format == "auto":
            want = "pandas" if names is not None else "numpy"
        order = None
        if names is not None and self.columns is not None:
            wanted = tuple(str(n) for n in names)
            if wanted != self.columns and set(wanted) == set(self.columns):
                order = wanted
        if want == self.request_format and order is None:
            return self
        key = (want, order)
        if key not in self.views:
            try:
                self.views[key] = self._converted(want, names, order, options)
            except (TypeError, ValueError):  # e.g. text columns that are not numbers
                self.views[key] = self
        return self.views[key]

    def _converted(
        self, want: str, names: Any, order: tuple[str, ...] | None, options: _Options
    ) -> _Shared:
        import pandas as pd

        def frame(X: Any) -> Any:
            if isinstance(X, pd.DataFrame):
                return X
            if self.columns is not None and len(self.columns) == X.shape[1]:
                return pd.DataFrame(X, columns=list(self.columns))
            # An array without names: its columns are the model's, by position.
            columns = list(names) if names is not None and len(names) == X.shape[1] else None
            return pd.DataFrame(X, columns=columns)

        def convert(X: Any) -> Any:
            if order is None and want == "numpy" and not isinstance(X, pd.DataFrame):
                return X
            table = frame(X)
            if order is not None:
                table = table[list(order)]
            return table.to_numpy(dtype=float) if want == "numpy" else table

        split = _data.Split(
            convert(self.split.X_train), convert(self.split.X_test),
            self.split.y_train, self.split.y_test,
        )  # fmt: skip
        rows = _data.request_rows(
            split.X_test,
            fmt=want,  # type: ignore[arg-type]
            n_rows=1000,
            random_state=options.random_state,
        )
        return dataclasses.replace(
            self, split=split, rows=rows, batches=_bulk_batches(split.X_test, options),
            request_format=want, views={},
        )  # fmt: skip


def _column_names(X: Any) -> tuple[str, ...] | None:
    """A DataFrame's column names when they are all strings (names to match by), else None."""
    columns = getattr(X, "columns", None)
    if columns is None or not all(isinstance(c, str) for c in columns):
        return None
    return tuple(columns)


def _check_names(named: Mapping[str, Any], fits: Mapping[str, bool], shared: _Shared) -> None:
    """Every pre-fitted candidate takes the data's columns: by name, or by count.

    Raised before anything is measured: a model fitted on other columns is an
    input error, not a candidate failure after the others were timed.
    """
    n_columns = int(shared.split.X_train.shape[1])
    for label, model in named.items():
        if fits.get(label, True):
            continue
        names = getattr(model, "feature_names_in_", None)
        if names is not None and shared.columns is not None:
            _data.match_columns(
                _empty_frame(shared.columns), names, "The data", f"{label!r}'s feature_names_in_"
            )
            continue
        n_in = getattr(model, "n_features_in_", None)
        if isinstance(n_in, int | np.integer) and int(n_in) != n_columns:
            raise DataError(
                f"{label!r} was fitted on {int(n_in)} features, but the data has {n_columns} "
                "columns. Give it data with the columns it was fitted on, or fit it again on "
                "this data."
            )


def _empty_frame(columns: tuple[str, ...]) -> Any:
    import pandas as pd

    return pd.DataFrame(columns=list(columns))


def _prepare(
    X: Any,
    y: Any,
    X_test: Any,
    y_test: Any,
    *,
    test_size: float,
    options: _Options,
) -> _Shared:
    if y is None:
        raise DataError(
            "y is missing. prodbench scores every model on held-out rows, so pass the "
            "target: measure(model, X, y)."
        )
    if (X_test is None) != (y_test is None):
        raise DataError(
            "Pass X_test and y_test together (or neither, to let prodbench split X and y)."
        )
    X = _data.as_features(X, "X")
    if X_test is not None:
        X_test = _data.as_features(X_test, "X_test")
        if _column_names(X) is not None and _column_names(X_test) is not None:
            X_test = _data.match_columns(X_test, X.columns, "X_test", "X")
    if X_test is None:
        task = _data.infer_task(np.asarray(y))
        split = _data.split(X, y, test_size=test_size, random_state=options.random_state, task=task)
    else:
        _data.check_xy(X, y)
        _data.check_xy(X_test, y_test)
        task = _data.infer_task(np.asarray(y))
        split = _data.Split(X, X_test, np.asarray(y), np.asarray(y_test))
        if task == "classification":
            _data.check_classes(y)
    scorer = _scoring.resolve(options.scoring, task)
    fmt = options.request_format
    if fmt == "auto":
        fmt = _data.input_format(split.X_train)
    rows = _data.request_rows(split.X_test, fmt=fmt, n_rows=1000, random_state=options.random_state)  # type: ignore[arg-type]
    return _Shared(
        split=split,
        rows=rows,
        batches=_bulk_batches(split.X_test, options),
        task=task,
        scoring=scorer.name,
        scorer=scorer,
        request_format=fmt,
        digest=_data.rows_digest(split.y_test),
        columns=_column_names(split.X_train),
    )


def _bulk_batches(X_test: Any, options: _Options) -> list[tuple[int, Any]]:
    """The bulk-prediction batches: each batch size, sliced once, for every candidate."""
    n_test = len(X_test)
    sizes = [b for b in options.batch_sizes if b <= n_test]
    if n_test not in sizes:
        sizes.append(n_test)
    order = np.random.default_rng(options.random_state).permutation(n_test)
    return [
        (size, X_test.iloc[order[:size]] if hasattr(X_test, "iloc") else X_test[order[:size]])
        for size in sizes
    ]


def _check_tasks(named: Mapping[str, Any], task: str) -> None:
    """Every candidate that declares its task (classifier, regressor) declares the data's."""
    declared = {label: declared_task(m) for label, m in named.items()}
    mismatched = {k: v for k, v in declared.items() if v is not None and v != task}
    if mismatched:
        kinds = {"classification": "classifier", "regression": "regressor"}
        desc = ", ".join(f"{k!r} is a {kinds[v]}" for k, v in mismatched.items())
        raise CandidateError(
            f"The target y is a {task} target, but {desc}. Compare models of one "
            "kind on one target: classifiers for classes, regressors for numbers."
        )
