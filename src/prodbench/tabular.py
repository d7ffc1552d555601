"""The preprocessing front of the presets on tables with text, category or missing values.

A preset is a model for numbers. On a table with text, categorical or
boolean columns (or missing values), ``make_preset(..., tabular=True)``
puts :class:`TabularFront` before it in a :class:`~sklearn.pipeline.Pipeline`,
fitted on the training rows only (it is the pipeline's first step):

* numeric and boolean columns pass through as float (booleans as 0/1),
  standardised (mean 0, standard deviation 1 on the training rows) when the
  preset scales (``logreg``, ``knn``);
* a text or categorical column with at most ``max_one_hot`` (20) distinct
  values in the training rows is one-hot encoded (a value never seen in
  training encodes as all zeros);
* a text or categorical column with more is ordinal encoded (each value its
  code, in sorted order; an unseen value is -1);
* for HistGradientBoosting (``native_categorical=True``) every text column
  with at most 255 distinct values is handed over as a pandas ``category``
  column and used through the model's native categorical support
  (``categorical_features="from_dtype"``); unseen values become missing.

Missing values are never dropped: with ``allow_missing=True`` (hgb, forest,
stacking, whose trees handle them) they are passed to the model; otherwise
fit and predict raise a :class:`ValueError` naming the columns, which the run
reports as that candidate's failure.

This module imports scikit-learn and pandas at module level: it is imported
only when a preset is built for a table.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

__all__ = ["MAX_NATIVE_CATEGORIES", "MAX_ONE_HOT", "TabularFront", "needs_front"]

MAX_ONE_HOT = 20
"""Text columns with at most this many distinct training values are one-hot encoded."""

MAX_NATIVE_CATEGORIES = 255
"""HistGradientBoosting's native categorical support takes at most this many categories."""


def needs_front(X: Any) -> bool:
    """Whether a table needs the front: any non-numeric column or any missing value.

    Parameters
    ----------
    X : pandas.DataFrame or numpy.ndarray
        The features.

    Returns
    -------
    bool
        False for an ndarray or an all-numeric, complete DataFrame.

    Examples
    --------
    >>> import pandas as pd
    >>> needs_front(pd.DataFrame({"a": [1.0, 2.0]})), needs_front(pd.DataFrame({"c": ["x", "y"]}))
    (False, True)
    """
    if not isinstance(X, pd.DataFrame):
        return False
    numeric = all(_is_number(X[c]) for c in X.columns)
    return not numeric or bool(X.isna().to_numpy().any())


def _is_number(column: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(column)) and not isinstance(
        column.dtype, pd.CategoricalDtype
    )


def _sorted_values(column: pd.Series) -> list[Any]:
    values = pd.unique(column.dropna())
    try:
        return sorted(values.tolist())
    except TypeError:  # mixed types: sort by their text
        return sorted(values.tolist(), key=str)


class TabularFront(TransformerMixin, BaseEstimator):
    """Encode a table's columns for a preset: scaled numbers, one-hot, ordinal, native.

    Parameters
    ----------
    scale : bool, default False
        Standardise the numeric columns (the preset scales its inputs).
    native_categorical : bool, default False
        Hand text columns to the model as pandas ``category`` columns (for
        HistGradientBoosting's native support) instead of encoding them.
    allow_missing : bool, default False
        Pass missing values on to the model; when False, a missing value is
        a :class:`ValueError` naming its columns.
    max_one_hot : int, default 20
        The most distinct training values a text column may have to be
        one-hot encoded; beyond, it is ordinal encoded.
    model_name : str, default "this preset"
        The preset's name, for messages.

    Attributes
    ----------
    encoding_ : dict of str to str
        How each column was encoded (``"one-hot (3 values)"``, ...).

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"city": ["a", "b", "a", "c"], "age": [1.0, 2.0, 3.0, 4.0]})
    >>> front = TabularFront(scale=True).fit(X)
    >>> front.encoding_["city"], front.encoding_["age"]
    ('one-hot (3 values)', 'numeric, scaled')
    >>> front.transform(X.iloc[:1]).shape
    (1, 4)
    """

    def __init__(
        self,
        scale: bool = False,
        native_categorical: bool = False,
        allow_missing: bool = False,
        max_one_hot: int = MAX_ONE_HOT,
        model_name: str = "this preset",
    ) -> None:
        self.scale = scale
        self.native_categorical = native_categorical
        self.allow_missing = allow_missing
        self.max_one_hot = max_one_hot
        self.model_name = model_name

    def fit(self, X: Any, y: Any = None) -> TabularFront:
        """Learn the columns' kinds, categories and scales from the training rows.

        Parameters
        ----------
        X : pandas.DataFrame
            The training features.
        y : ignored

        Returns
        -------
        TabularFront

        Examples
        --------
        >>> import pandas as pd
        >>> TabularFront().fit(pd.DataFrame({"c": ["x", "y"]})).encoding_
        {'c': 'one-hot (2 values)'}
        """
        frame = self._frame(X)
        self.feature_names_in_ = np.asarray(frame.columns, dtype=object)
        self.n_features_in_ = frame.shape[1]
        self._check_missing({c: frame[c].to_numpy() for c in frame.columns}, "training")
        self.numeric_ = [c for c in frame.columns if _is_number(frame[c])]
        self.categories_: dict[str, list[Any]] = {}
        self.one_hot_: list[str] = []
        self.ordinal_: list[str] = []
        self.native_: list[str] = []
        encoding: dict[str, str] = {}
        for c in frame.columns:
            if c in self.numeric_:
                kind = "boolean as 0/1" if frame[c].dtype == bool else "numeric"
                encoding[c] = kind + (", scaled" if self.scale else "")
                continue
            values = _sorted_values(frame[c])
            self.categories_[c] = values
            n = len(values)
            if self.native_categorical and n <= MAX_NATIVE_CATEGORIES:
                self.native_.append(c)
                encoding[c] = f"native categorical ({n} values)"
            elif not self.native_categorical and n <= self.max_one_hot:
                self.one_hot_.append(c)
                encoding[c] = f"one-hot ({n} values)"
            else:
                self.ordinal_.append(c)
                encoding[c] = f"ordinal ({n} values)"
        self.codes_ = {c: {v: i for i, v in enumerate(vs)} for c, vs in self.categories_.items()}
        numbers = frame[self.numeric_].to_numpy(dtype=float)
        if self.scale and self.numeric_:
            self.mean_ = np.nanmean(numbers, axis=0)
            std = np.nanstd(numbers, axis=0)
            self.std_ = np.where(np.isfinite(std) & (std > 0), std, 1.0)
        else:
            self.mean_ = np.zeros(len(self.numeric_))
            self.std_ = np.ones(len(self.numeric_))
        self.encoding_ = encoding
        return self

    def describe(self) -> str:
        """The encoding in one line, columns grouped by how they were encoded.

        Returns
        -------
        str

        Examples
        --------
        >>> import pandas as pd
        >>> TabularFront().fit(pd.DataFrame({"c": ["x"], "n": [1.0]})).describe()
        'c one-hot (1 values); n numeric'
        """
        check_is_fitted(self, "encoding_")
        groups: dict[str, list[str]] = {}
        for column, how in self.encoding_.items():
            groups.setdefault(how, []).append(str(column))
        return "; ".join(f"{', '.join(cols)} {how}" for how, cols in groups.items())

    def transform(self, X: Any) -> Any:
        """Encode rows with what :meth:`fit` learnt.

        Parameters
        ----------
        X : pandas.DataFrame
            Rows with the training columns (matched by name).

        Returns
        -------
        numpy.ndarray or pandas.DataFrame
            A float array; a DataFrame with ``category`` columns when
            ``native_categorical``.

        Examples
        --------
        >>> import pandas as pd
        >>> X = pd.DataFrame({"c": ["x", "y"]})
        >>> TabularFront().fit(X).transform(pd.DataFrame({"c": ["y"]})).tolist()
        [[0.0, 1.0]]
        """
        check_is_fitted(self, "encoding_")
        frame = self._frame(X)
        n = len(frame)
        # Column by column on plain arrays, read in one call: selecting columns
        # of a DataFrame costs more than the encoding on one-row requests.
        table = frame.to_numpy(dtype=object)
        columns = {c: table[:, j] for j, c in enumerate(frame.columns)}
        self._check_missing(columns, "predicted")
        numbers = np.empty((n, len(self.numeric_)))
        for j, c in enumerate(self.numeric_):
            numbers[:, j] = columns[c]
        numbers = (numbers - self.mean_) / self.std_
        if self.native_categorical:
            out: dict[str, Any] = {c: numbers[:, j] for j, c in enumerate(self.numeric_)}
            for c in self.ordinal_:
                codes = self._codes(c, columns[c])
                out[c] = np.where(codes < 0, np.nan, codes)
            for c in self.native_:
                codes = self._codes(c, columns[c]).astype(int)  # unseen or missing: -1
                categories = pd.Index(self.categories_[c])
                out[c] = pd.Categorical.from_codes(codes, categories=categories)
            return pd.DataFrame(out, columns=list(frame.columns))
        width = sum(len(self.categories_[c]) for c in self.one_hot_) + len(self.ordinal_)
        out_array = np.zeros((n, len(self.numeric_) + width))
        out_array[:, : len(self.numeric_)] = numbers
        at = len(self.numeric_)
        rows = np.arange(n)
        for c in self.one_hot_:
            codes = self._codes(c, columns[c]).astype(int)
            seen = codes >= 0
            out_array[rows[seen], at + codes[seen]] = 1.0
            at += len(self.categories_[c])
        for c in self.ordinal_:
            out_array[:, at] = self._codes(c, columns[c])
            at += 1
        return out_array

    def _codes(self, column: str, values: np.ndarray) -> np.ndarray:
        lookup = self.codes_[column]
        return np.array([lookup.get(v, -1) for v in values.tolist()], dtype=float)

    def _frame(self, X: Any) -> pd.DataFrame:
        frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X))
        if not all(isinstance(c, str) for c in frame.columns):
            frame = frame.set_axis([str(c) for c in frame.columns], axis=1)
        names = getattr(self, "feature_names_in_", None)
        if names is not None and list(frame.columns) != list(names):
            frame = frame[list(names)]
        return frame

    def _check_missing(self, columns: dict[str, np.ndarray], which: str) -> None:
        if self.allow_missing:
            return
        counts = {c: int(pd.isna(values).sum()) for c, values in columns.items()}
        bad = [f"{c!r} ({k} rows)" for c, k in counts.items() if k > 0]
        if bad:
            raise ValueError(
                f"missing values in the {which} rows, column {', '.join(bad)}: "
                f"{self.model_name} cannot take missing values and prodbench never drops "
                "rows. Impute them (for example sklearn.impute.SimpleImputer in a "
                "pipeline) or use a model that handles them (hgb, forest)"
            )
