"""Models: duck-typed checks, naming and declared task.

Any object with a callable ``fit`` (unless it is measured pre-fitted) and
the chosen prediction method is a model; ``__sklearn_tags__`` is used when
present, never required.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .errors import CandidateError, ModelError

__all__ = [
    "check_fitted",
    "check_model",
    "declared_task",
    "model_label",
    "name_candidates",
    "qualified_name",
]

PREDICT_METHODS = ("predict", "predict_proba")


def _has_method(obj: object, method: str) -> bool:
    return callable(getattr(obj, method, None))


def model_label(model: object) -> str:
    """The default name of a model: its class name.

    Examples
    --------
    >>> from sklearn.linear_model import Ridge
    >>> model_label(Ridge())
    'Ridge'
    """
    return type(model).__name__


def qualified_name(model: object) -> str:
    """``module.Class`` of a model, as recorded in results.

    Examples
    --------
    >>> from sklearn.linear_model import Ridge
    >>> qualified_name(Ridge())
    'sklearn.linear_model._ridge.Ridge'
    """
    cls = type(model)
    return f"{cls.__module__}.{cls.__qualname__}"


def check_model(model: object, *, name: str, method: str = "predict", fit: bool = True) -> None:
    """Check that ``model`` can be measured, by duck typing.

    Parameters
    ----------
    model : object
        The candidate.
    name : str
        Its name, used in the message.
    method : {"predict", "predict_proba"}
        The prediction method that will be timed.
    fit : bool
        Whether ``fit`` will be called.

    Raises
    ------
    ModelError
        When a needed method is missing, or ``method`` is not a known one.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> check_model(LogisticRegression(), name="lone", method="predict_proba")
    """
    if method not in PREDICT_METHODS:
        raise ModelError(
            f"Unknown prediction method {method!r}. Use one of {', '.join(PREDICT_METHODS)}."
        )
    if isinstance(model, type):
        raise ModelError(
            f"Candidate {name!r} is the class {model.__name__}, not an instance. "
            f"Pass {model.__name__}() instead."
        )
    if not _has_method(model, method):
        hint = (
            " Only classifiers with probability estimates have predict_proba; "
            "use method='predict' for this model."
            if method == "predict_proba" and _has_method(model, "predict")
            else " Pass an estimator such as sklearn's LogisticRegression(), or any object "
            "with fit(X, y) and predict(X)."
        )
        raise ModelError(
            f"Candidate {name!r} ({type(model).__name__}) has no callable {method}() method." + hint
        )
    if fit and not _has_method(model, "fit"):
        raise ModelError(
            f"Candidate {name!r} ({type(model).__name__}) has no callable fit() method. "
            "Pass fit=False (or --no-fit) to measure a model that is already fitted."
        )


def check_fitted(model: object, *, name: str) -> None:
    """Raise :class:`ModelError` when a scikit-learn estimator is known to be unfitted.

    Objects that are not scikit-learn estimators are not checked here; an
    unfitted one fails on its first prediction instead.

    Examples
    --------
    >>> from sklearn.linear_model import Ridge
    >>> check_fitted(Ridge(), name="ridge")
    Traceback (most recent call last):
    ...
    prodbench.errors.ModelError: Candidate 'ridge' (Ridge) is not fitted, ...
    """
    if not _has_method(model, "get_params"):
        return
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(model)
    except NotFittedError as exc:
        raise ModelError(
            f"Candidate {name!r} ({type(model).__name__}) is not fitted, but fit=False was "
            "given. Fit it first, or drop fit=False so prodbench fits it on the training rows."
        ) from exc
    except (TypeError, AttributeError):
        return


def declared_task(model: object) -> str | None:
    """``"classification"``, ``"regression"`` or None, from what the model says of itself.

    Reads ``__sklearn_tags__()`` when present, else ``_estimator_type``.

    Examples
    --------
    >>> from sklearn.ensemble import RandomForestRegressor
    >>> declared_task(RandomForestRegressor())
    'regression'
    """
    kind: Any = None
    tags = getattr(model, "__sklearn_tags__", None)
    if callable(tags):
        try:
            kind = tags().estimator_type
        except Exception:
            kind = None
    if kind is None:
        kind = getattr(model, "_estimator_type", None)
    return {"classifier": "classification", "regressor": "regression"}.get(kind)


def name_candidates(candidates: object) -> dict[str, object]:
    """Normalise candidates to an ordered ``{name: model}`` dict.

    Accepts a mapping ``{name: model}``, a list of models (named by class,
    made unique with ``-2``, ``-3``...), or a list of ``(name, model)`` pairs.

    Raises
    ------
    CandidateError
        On duplicate explicit names, empty names or an empty collection.

    Examples
    --------
    >>> from sklearn.linear_model import Ridge
    >>> list(name_candidates([Ridge(), Ridge(alpha=2)]))
    ['Ridge', 'Ridge-2']
    """
    named: dict[str, object] = {}
    if isinstance(candidates, Mapping):
        items: Iterable[tuple[Any, object]] = candidates.items()
        explicit = True
    elif isinstance(candidates, (list, tuple)):
        if all(isinstance(c, tuple) and len(c) == 2 and isinstance(c[0], str) for c in candidates):
            items, explicit = candidates, True
        else:
            items, explicit = ((None, c) for c in candidates), False
    else:
        raise CandidateError(
            f"Candidates must be a dict {{name: model}} or a list of models, "
            f"not {type(candidates).__name__}."
        )
    for key, model in items:
        if explicit:
            if not isinstance(key, str) or not key.strip():
                raise CandidateError(
                    f"Candidate names must be non-empty strings; got {key!r}. "
                    "Name each candidate, e.g. {'lone': model_a, 'ensemble': model_b}."
                )
            if key in named:
                raise CandidateError(
                    f"Two candidates are named {key!r}. Give each candidate its own name."
                )
            named[key] = model
        else:
            base = model_label(model)
            label, k = base, 1
            while label in named:
                k += 1
                label = f"{base}-{k}"
            named[label] = model
    if not named:
        raise CandidateError("No candidates were given. Pass at least one model.")
    return named
