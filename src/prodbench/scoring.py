"""Any scikit-learn scorer: names, natural display, and what paired tests need.

:func:`resolve` turns ``scoring=`` (a name from
``sklearn.metrics.get_scorer_names()``, a ``make_scorer`` object, or a
``callable(estimator, X, y) -> float``) into a :class:`Scoring`;
:func:`evaluate` scores a fitted candidate on the test rows and keeps what a
paired comparison needs:

- scores that are a mean of per-row terms (accuracy, log loss, Brier, absolute
  and squared error, and R² whose paired difference is one) keep those terms,
  and the paired test is exact McNemar (accuracy) or a sign-flip permutation
  test on the per-row differences, each with the interval that inverts it;
- every other score (F1, ROC AUC, average precision, balanced accuracy, RMSE,
  a custom callable ...) keeps its value on :data:`N_REPLICATES` bootstrap
  resamples of the rows, drawn from a fixed seed (stratified by class for
  classifiers), so two candidates scored on the same rows are resampled
  identically and their replicate differences form a paired bootstrap
  (:class:`prodbench.stats.PairedBootstrap`).

Scores are stored with scikit-learn's sign (higher is better); :func:`label`
and :func:`natural` give the name and sign a reader expects (``neg_mean_absolute_error``
-45.18 is "MAE 45.18, lower is better").

scikit-learn is imported inside the functions, never at module level.
"""

from __future__ import annotations

import difflib
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from .errors import DataError, ModelError, SpecError
from .units import lower_is_better as _lower
from .units import natural_score, score_label

__all__ = [
    "N_REPLICATES",
    "Scoring",
    "check_name",
    "evaluate",
    "label",
    "lower_is_better",
    "name_of",
    "natural",
    "resolve",
    "scorer_names",
]

N_REPLICATES = 1000
"""Bootstrap resamples kept per candidate for scores that are not a mean of per-row terms."""

BOOTSTRAP_SEED = 20240601
"""Seed of the row resamples: equal for every candidate, so their replicates pair."""

# scores whose paired difference is the mean of per-row differences: the
# terms are recomputed from y_true / y_pred (these four) or stored (below)
ROW_SCORES = frozenset({"accuracy", "r2", "neg_mean_absolute_error", "neg_mean_squared_error"})
PROBA_ROW_SCORES = frozenset({"neg_log_loss", "neg_brier_score"})


def scorer_names() -> list[str]:
    """Every scoring name prodbench accepts: ``sklearn.metrics.get_scorer_names()``.

    Returns
    -------
    list of str

    Examples
    --------
    >>> names = scorer_names()
    >>> "roc_auc" in names and "neg_mean_absolute_error" in names
    True
    """
    from sklearn.metrics import get_scorer_names

    return sorted(get_scorer_names())


def label(name: str) -> str:
    """The name a reader expects for a stored score name (:func:`prodbench.units.score_label`).

    ``neg_*`` scorers lose the sign flip (``neg_mean_absolute_error`` is
    "MAE"); other names are kept as they are.

    Parameters
    ----------
    name : str
        The stored score name.

    Returns
    -------
    str

    Examples
    --------
    >>> label("neg_mean_absolute_error"), label("roc_auc")
    ('MAE', 'roc_auc')
    """
    return score_label(name)


def lower_is_better(name: str) -> bool:
    """Whether the score under :func:`label` is a loss (the stored value is its negative).

    Parameters
    ----------
    name : str
        The stored score name.

    Returns
    -------
    bool

    Examples
    --------
    >>> lower_is_better("neg_log_loss"), lower_is_better("f1")
    (True, False)
    """
    return _lower(name)


def natural(name: str, value: float) -> float:
    """A stored (higher-is-better) score or difference in the sign of :func:`label`.

    Parameters
    ----------
    name : str
        The stored score name.
    value : float
        The stored value (or a difference of two).

    Returns
    -------
    float

    Examples
    --------
    >>> natural("neg_mean_absolute_error", -45.18), natural("r2", 0.5)
    (45.18, 0.5)
    """
    return natural_score(name, value)


@dataclass(frozen=True)
class Scoring:
    """A resolved ``scoring=``.

    Attributes
    ----------
    name : str
        The stored name: the scikit-learn name, or the callable's name.
    task : str or None
        ``"classification"``, ``"regression"``, or None when the score fits
        either (clustering indices, custom callables).
    scorer : object or None
        The scikit-learn scorer or the callable; None for the four scores
        computed from predictions alone (``accuracy``, ``r2``, MAE, MSE).

    Examples
    --------
    >>> s = resolve("f1", "classification")
    >>> s.name, s.task, s.row_terms
    ('f1', 'classification', False)
    """

    name: str
    task: str | None
    scorer: Any = field(default=None, compare=False, repr=False)

    @property
    def row_terms(self) -> bool:
        """Whether the paired difference is a mean of per-row differences."""
        return self.name in ROW_SCORES or self.name in PROBA_ROW_SCORES


def _task_of(scorer: Any) -> str | None:
    module = getattr(getattr(scorer, "_score_func", None), "__module__", "") or ""
    if module.endswith("_regression"):
        return "regression"
    if module.endswith(("_classification", "_ranking")):
        return "classification"
    return None


def resolve(scoring: str | Callable[..., float] | None, task: str) -> Scoring:
    """Check ``scoring=`` and resolve it for a task.

    Parameters
    ----------
    scoring : str, scorer object, callable or None
        A name from ``sklearn.metrics.get_scorer_names()``, a
        ``sklearn.metrics.make_scorer`` object, or ``callable(estimator, X,
        y) -> float`` (higher is better); None picks ``accuracy`` for
        classification and ``r2`` for regression.
    task : {"classification", "regression"}
        The task of the target.

    Returns
    -------
    Scoring

    Raises
    ------
    SpecError
        For an unknown name (with the closest names), or something that is
        neither a name nor callable.
    DataError
        For a score made for the other task.

    Examples
    --------
    >>> resolve(None, "regression").name
    'r2'
    >>> resolve("neg_root_mean_squared_error", "regression").task
    'regression'
    """
    if scoring is None:
        scoring = "accuracy" if task == "classification" else "r2"
    if isinstance(scoring, str):
        check_name(scoring)
        from sklearn.metrics import get_scorer

        scorer = get_scorer(scoring)
        s = Scoring(scoring, _task_of(scorer), None if scoring in ROW_SCORES else scorer)
    elif callable(scoring):
        s = Scoring(name_of(scoring), _task_of(scoring), scoring)
    else:
        raise SpecError(
            f"scoring={scoring!r} is a {type(scoring).__name__}, not a scoring name or a "
            "scorer. Pass a name from sklearn.metrics.get_scorer_names() (e.g. 'f1'), a "
            "sklearn.metrics.make_scorer(...) object, or a callable(estimator, X, y) -> float."
        )
    if s.name.endswith("_samples"):
        raise DataError(
            f"scoring={s.name!r} averages over the labels of each row, so it is defined only "
            "for multilabel targets (one 0/1 column per label), and prodbench measures one "
            f"target column. Use {s.name[: -len('_samples')]}_macro or "
            f"{s.name[: -len('_samples')]}_weighted instead."
        )
    if s.task is not None and s.task != task:
        raise DataError(
            f"scoring={s.name!r} is for {s.task}, but y looks like a {task} target. "
            f"Pick a {task} score (e.g. {'accuracy' if task == 'classification' else 'r2'}), "
            "or check that --target names the column you mean."
        )
    return s


def name_of(scoring: str | Callable[..., float]) -> str:
    """The stored name of a scoring name, scorer object or callable.

    A callable is named after its function (a ``make_scorer`` object after
    its metric, ``neg_`` first when lower is better); a name that collides
    with a scikit-learn scorer name gets `` (custom)``.

    Parameters
    ----------
    scoring : str or callable
        What ``scoring=`` was given.

    Returns
    -------
    str

    Examples
    --------
    >>> from sklearn.metrics import make_scorer, mean_absolute_error
    >>> name_of(make_scorer(mean_absolute_error, greater_is_better=False))
    'neg_mean_absolute_error (custom)'
    >>> def hits(est, X, y): return 1.0
    >>> name_of(hits)
    'hits'
    """
    if isinstance(scoring, str):
        return scoring
    func = getattr(scoring, "_score_func", scoring)
    name = getattr(func, "__name__", None) or type(func).__name__
    if getattr(scoring, "_sign", 1) < 0 and not name.startswith("neg_"):
        name = f"neg_{name}"
    return name if name not in scorer_names() else f"{name} (custom)"


def check_name(name: str) -> None:
    """Raise a one-paragraph :class:`SpecError` unless ``name`` is a scikit-learn scorer name.

    Parameters
    ----------
    name : str
        The name to check.

    Raises
    ------
    SpecError
        Naming the closest accepted names.

    Examples
    --------
    >>> check_name("f1_macro")
    >>> check_name("f1_macor")
    Traceback (most recent call last):
    ...
    prodbench.errors.SpecError: Unknown scoring 'f1_macor'. Closest: f1_macro, f1_micro, ...
    """
    names = scorer_names()
    if name in names:
        return
    close = difflib.get_close_matches(name, names, n=5, cutoff=0.5)
    hint = f"Closest: {', '.join(close)}. " if close else ""
    raise SpecError(
        f"Unknown scoring {name!r}. {hint}prodbench accepts the {len(names)} names of "
        "sklearn.metrics.get_scorer_names() (e.g. accuracy, f1, roc_auc, "
        "neg_mean_absolute_error) and, from Python, a make_scorer(...) object or a "
        "callable(estimator, X, y) -> float."
    )


# ------------------------------------------------------------------ evaluation


@dataclass(frozen=True)
class Evaluation:
    """A candidate's score on the test rows and what pairing it needs.

    Attributes
    ----------
    value : float
        The score (scikit-learn's sign).
    terms : ndarray or None
        Per-row terms whose mean is the score, when stored (log loss, Brier).
    replicates : ndarray or None
        The score on the :data:`N_REPLICATES` fixed resamples.
    """

    value: float
    terms: np.ndarray | None = None
    replicates: np.ndarray | None = None


def resample_rows(y_true: np.ndarray, stratify: bool, n_resamples: int | None = None) -> Any:
    """The fixed bootstrap resamples of the rows, one index array at a time.

    The same ``y_true`` always gives the same resamples; with ``stratify``
    each class keeps its count, so every resample holds every class.

    Parameters
    ----------
    y_true : ndarray of shape (n,)
        The test target.
    stratify : bool
        Resample within each class.
    n_resamples : int, optional
        How many (default: :data:`N_REPLICATES`).

    Yields
    ------
    ndarray of int, shape (n,)

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0, 0, 1, 1, 1])
    >>> [sorted(y[i].tolist()) for i in resample_rows(y, True, 2)]
    [[0, 0, 1, 1, 1], [0, 0, 1, 1, 1]]
    """
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    n = int(y_true.size)
    n_resamples = N_REPLICATES if n_resamples is None else n_resamples
    groups = [np.flatnonzero(y_true == c) for c in np.unique(y_true)] if stratify else []
    for _ in range(n_resamples):
        if stratify:
            yield np.concatenate([g[rng.integers(0, g.size, g.size)] for g in groups])
        else:
            yield rng.integers(0, n, n)


def _response(s: Scoring, model: Any, X: Any, who: str) -> tuple[str, Any]:
    methods = getattr(s.scorer, "_response_method", "predict")
    methods = (methods,) if isinstance(methods, str) else tuple(methods)
    for method in methods:
        fn = getattr(model, method, None)
        if callable(fn):
            return method, fn(X)
    raise ModelError(
        f"{who} has no {' or '.join(methods)}, which scoring={s.name!r} needs "
        "(scikit-learn's scorer reads it). Score it with a metric that uses predict "
        "(e.g. accuracy, f1, balanced_accuracy), or give the model that method "
        "(e.g. SVC(probability=True), or CalibratedClassifierCV around it)."
    )


def _select(s: Scoring, method: str, raw: Any, classes: np.ndarray | None) -> np.ndarray:
    """The response as scikit-learn's scorer passes it to the metric."""
    arr = np.asarray(raw)
    if classes is None or method == "predict" or arr.ndim != 2 or len(classes) != 2:
        if method == "decision_function" and classes is not None and len(classes) == 2:
            pos = s.scorer._get_pos_label()
            if pos is not None and pos == classes[0]:
                return -arr
        return arr
    # binary probabilities: the positive class's column
    pos = s.scorer._get_pos_label()
    col = 1 if pos is None else int(np.flatnonzero(classes == pos)[0])
    return arr[:, col]


def _row_terms(name: str, y_true: np.ndarray, proba: np.ndarray, classes: np.ndarray) -> Any:
    """Per-row log loss or Brier terms (stored sign: negative), or None if not these."""
    p = np.asarray(proba, dtype=np.float64)
    if p.ndim == 1:
        p = np.column_stack([1.0 - p, p])
    if p.shape[1] != len(classes):
        return None
    onehot = (y_true[:, None] == np.asarray(classes)[None, :]).astype(np.float64)
    if name == "neg_log_loss":
        eps = np.finfo(p.dtype).eps
        p = np.clip(p, eps, 1 - eps)
        p = p / p.sum(axis=1, keepdims=True)
        return np.log((onehot * p).sum(axis=1))
    if len(classes) == 2:
        return -((onehot[:, 1] - p[:, 1]) ** 2)
    return -((onehot - p) ** 2).sum(axis=1)


def evaluate(
    s: Scoring,
    model: Any,
    X: Any,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    who: str = "the candidate",
) -> Evaluation:
    """Score a fitted model on the test rows, keeping what a paired comparison needs.

    Parameters
    ----------
    s : Scoring
        From :func:`resolve`.
    model : estimator
        The fitted candidate.
    X : array-like
        The test rows.
    y_true, y_pred : ndarray of shape (n,)
        The test target and the candidate's predictions on ``X``.
    who : str
        How to name the candidate in errors.

    Returns
    -------
    Evaluation

    Raises
    ------
    ModelError
        The candidate lacks the method the score needs, or the score failed
        or was not a finite number.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = np.r_[np.zeros((20, 1)), np.ones((20, 1))] + np.linspace(0, 0.5, 40)[:, None]
    >>> y = np.r_[np.zeros(20), np.ones(20)]
    >>> m = LogisticRegression().fit(X, y)
    >>> e = evaluate(resolve("roc_auc", "classification"), m, X, y, m.predict(X))
    >>> e.value, e.replicates.shape
    (1.0, (1000,))
    """
    from . import stats

    if s.scorer is None:
        return Evaluation(stats.score(s.name, y_true, y_pred))
    classes = getattr(model, "classes_", None)
    classes = None if classes is None else np.asarray(classes)
    stratify = s.task != "regression" and y_true.dtype.kind not in "fc"
    score_func = getattr(s.scorer, "_score_func", None)
    if score_func is None:  # a plain callable(estimator, X, y)
        value = _finite(_call(s, lambda: s.scorer(model, X, y_true), who), s, who)
        reps = [
            _call(s, partial(s.scorer, model, _rows(X, i), y_true[i]), who)
            for i in resample_rows(y_true, stratify)
        ]
        return Evaluation(value, replicates=np.asarray(reps, dtype=np.float64))
    method, raw = _response(s, model, X, who)
    value = _finite(_call(s, lambda: s.scorer(model, X, y_true), who), s, who)
    resp = _select(s, method, raw, classes)
    sign = float(s.scorer._sign)
    kwargs = dict(getattr(s.scorer, "_kwargs", {}))

    def metric(idx: np.ndarray | None) -> float:
        if idx is None:
            return sign * float(score_func(y_true, resp, **kwargs))
        return sign * float(score_func(y_true[idx], resp[idx], **kwargs))

    if s.name in PROBA_ROW_SCORES and classes is not None and method == "predict_proba":
        terms = _row_terms(s.name, y_true, np.asarray(raw), classes)
        if terms is not None and _same(float(terms.mean()), value):
            return Evaluation(value, terms=terms)
    fast = _binary_auc(s, y_true, resp, classes) or _binary_counts(s, y_true, resp, classes)
    if fast is not None and _same(fast(None), value):
        # two classes from ranks (ROC AUC) or counts (F1, precision, recall, balanced
        # accuracy): the same numbers as the metric, checked on the first resamples too
        quick = np.asarray([fast(i) for i in resample_rows(y_true, stratify)])
        check = zip(range(20), resample_rows(y_true, stratify), strict=False)
        if all(_same(float(quick[k]), _call(s, partial(metric, i), who)) for k, i in check):
            return Evaluation(value, replicates=quick)
    if not _same(_call(s, partial(metric, None), who), value):
        # the scorer does more than metric(response): resample by calling it
        reps = [
            _call(s, partial(s.scorer, model, _rows(X, i), y_true[i]), who)
            for i in resample_rows(y_true, stratify)
        ]
    else:
        from sklearn import config_context

        # the inputs were checked by the full-row call: skip re-checking them per resample
        with config_context(skip_parameter_validation=True, assume_finite=True):
            reps = [_call(s, partial(metric, i), who) for i in resample_rows(y_true, stratify)]
    return Evaluation(value, replicates=np.asarray(reps, dtype=np.float64))


def _binary_auc(
    s: Scoring, y_true: np.ndarray, resp: np.ndarray, classes: np.ndarray | None
) -> Callable[[np.ndarray | None], float] | None:
    """``roc_auc`` of a binary target as the Mann-Whitney statistic, or None if not that case.

    With average ranks for ties this is exactly the area under the ROC curve
    (each tie counts one half), which :func:`evaluate` checks against the
    scorer's own value before using it.
    """
    if s.name != "roc_auc" or classes is None or len(classes) != 2 or resp.ndim != 1:
        return None
    from scipy.stats import rankdata

    positive = np.asarray(y_true == classes[1])
    score = np.asarray(resp, dtype=np.float64)

    def auc(idx: np.ndarray | None) -> float:
        pos, sc = (positive, score) if idx is None else (positive[idx], score[idx])
        n1 = int(np.count_nonzero(pos))
        n0 = pos.size - n1
        if n1 == 0 or n0 == 0:
            return math.nan
        ranks = rankdata(sc)
        return float((ranks[pos].sum() - n1 * (n1 + 1) / 2.0) / (n1 * n0))

    return auc


_COUNT_SCORES = frozenset({"f1", "precision", "recall", "balanced_accuracy"})


def _binary_counts(
    s: Scoring, y_true: np.ndarray, resp: np.ndarray, classes: np.ndarray | None
) -> Callable[[np.ndarray | None], float] | None:
    """F1, precision, recall or balanced accuracy of two classes from the confusion counts."""
    if s.name not in _COUNT_SCORES or classes is None or len(classes) != 2 or resp.ndim != 1:
        return None
    pos_label = s.scorer._get_pos_label()
    pos_label = classes[1] if pos_label is None else pos_label
    truth = np.asarray(y_true == pos_label)
    said = np.asarray(resp == pos_label)

    def value(idx: np.ndarray | None) -> float:
        t, p = (truth, said) if idx is None else (truth[idx], said[idx])
        tp = int(np.count_nonzero(t & p))
        fp = int(np.count_nonzero(~t & p))
        fn = int(np.count_nonzero(t & ~p))
        tn = t.size - tp - fp - fn
        if s.name == "f1":
            return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
        if s.name == "precision":
            return tp / (tp + fp) if tp + fp else 0.0
        if s.name == "recall":
            return tp / (tp + fn) if tp + fn else 0.0
        return 0.5 * (tp / (tp + fn) + tn / (tn + fp)) if tp + fn and tn + fp else math.nan

    return value


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _rows(X: Any, idx: np.ndarray) -> Any:
    iloc = getattr(X, "iloc", None)
    return iloc[idx] if iloc is not None else np.asarray(X)[idx]


def _call(s: Scoring, fn: Callable[[], Any], who: str) -> float:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return float(fn())
    except ModelError:
        raise
    except Exception as exc:
        raise ModelError(
            f"scoring={s.name!r} failed on {who}'s predictions: {type(exc).__name__}: {exc}. "
            "Check that the score suits this target and model, or pick another score."
        ) from exc


def _finite(value: float, s: Scoring, who: str) -> float:
    if not math.isfinite(value):
        raise ModelError(
            f"scoring={s.name!r} gave {value} for {who} on the test rows, so it cannot be "
            "compared. Pick a score that is defined on these rows."
        )
    return value
